//! `namespaces`: unshare, uid/gid maps, hostname, the new root (tmpfs, read-only binds,
//! symlinks, `pivot_root`, old root detached, root read-only) and rlimits.
//!
//! [`NamespacePlan::new`] computes everything (C strings, flags, maps) ahead.
//! [`NamespacePlan::unshare`] creates the namespaces, in caprun on the host (it must be
//! single-threaded: `unshare(CLONE_NEWUSER)` requires it); [`NamespacePlan::setup`] then
//! builds the inside with raw system calls over the plan only, so that it may run after
//! a fork (in the PID namespace's init).

use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;

use super::policy::{Namespace, Network, Policy};
use crate::sys::{fs, ids, mount, StepError};

/// A failed step of [`NamespacePlan::unshare`], of [`NamespacePlan::setup`] or of the plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NamespaceError {
    /// User namespaces cannot be created here.
    #[error("user namespaces are not available ({reason}; policy `{policy}` needs them; try --policy unprivileged)")]
    UserNsUnavailable {
        /// Why.
        reason: UserNsBlock,
        /// The policy that asked for them.
        policy: String,
    },
    /// A system call failed.
    #[error("{step} {path}: {source}")]
    Sys {
        /// Which step (`mount`, `bind`, `pivot_root`, ...).
        step: &'static str,
        /// The path involved (may be empty).
        path: String,
        /// The errno.
        source: std::io::Error,
    },
    /// A path contains a NUL byte.
    #[error("path contains a NUL byte: {0}")]
    Nul(PathBuf),
    /// A task limit and no way for the kernel to enforce it.
    #[error("policy `{policy}`: limits.tasks cannot be enforced for a sandbox that runs as the host's root without a PID namespace (the kernel does not count root's tasks against RLIMIT_NPROC): add `pid` to its namespaces, run it with --uid and --gid, or use --limit tasks=unlimited")]
    TasksUnenforceable {
        /// The policy.
        policy: String,
    },
    /// A limit the sandbox gets is above the caller's hard limit, which only a process
    /// with `CAP_SYS_RESOURCE` in the host's user namespace may raise (not even root
    /// once in the sandbox's own user namespace).
    #[error("{0}")]
    AboveHardLimit(Box<AboveHardLimit>),
    /// A namespace limit stayed full for [`UNSHARE_RETRY`] (`unshare` failed with
    /// `ENOSPC`).
    #[error("cannot create the sandbox's namespaces: a namespace limit is reached and did not free up within {} s ({}); raise the limit or wait for other sandboxes to end", UNSHARE_RETRY.as_secs(), .limits.iter().map(|(s, v)| format!("{s} = {v}")).collect::<Vec<_>>().join(", "))]
    LimitReached {
        /// The sysctls limiting the namespaces asked for, with their values.
        limits: Vec<(String, String)>,
    },
}

fn sys_err(step: &'static str, path: &CStr, errno: Errno) -> NamespaceError {
    NamespaceError::Sys {
        step,
        path: path.to_string_lossy().into_owned(),
        source: errno.into(),
    }
}

fn cstr(p: &Path) -> Result<CString, NamespaceError> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| NamespaceError::Nul(p.to_path_buf()))
}

/// [`NamespaceError::AboveHardLimit`]: which setting, both limits, the way out.
#[derive(Debug, thiserror::Error)]
#[error("policy `{policy}`: {what} is {}, above the hard limit {} that caprun was started with (ulimit -H{flag}), which the sandbox cannot raise: {way_out}", limit_text(*.wanted), limit_text(*.hard))]
pub struct AboveHardLimit {
    /// The policy.
    pub policy: String,
    /// The policy's setting (`limits.tasks`, `rlimits.nofile`).
    pub what: String,
    /// The hard limit it asks for.
    pub wanted: u64,
    /// The caller's hard limit.
    pub hard: u64,
    /// `ulimit`'s option letter for the resource.
    pub flag: char,
    /// How to launch anyway.
    pub way_out: String,
}

/// The ids the program runs as inside the user namespace. A caller that is not root maps
/// its own ids to them (one id each). Root first drops its supplementary groups and, when
/// an identity is given, switches to it on the host (`setresgid`/`setresuid`), then maps it
/// to itself (without a user namespace it only switches); without one, root inside
/// stands for an unprivileged host id of the launch when its trees could be id-mapped
/// (see [`super::idmap`]), else for root (0 → 0). setgroups is denied in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// User id inside.
    pub uid: u32,
    /// Group id inside.
    pub gid: u32,
}

#[derive(Debug)]
struct UserMaps {
    uid_map: CString,
    gid_map: CString,
    /// Root: drop the supplementary groups before unsharing (setgroups is denied after),
    /// unless setgroups is denied already.
    drop_groups: bool,
    /// Root with another identity: switch to these ids before unsharing.
    switch_to: Option<Identity>,
    /// Root without one, mapped to an unprivileged host id (see [`super::idmap`]): the
    /// user namespace, made ahead with its maps written from outside, which
    /// [`NamespacePlan::unshare`] enters (caprun itself stays the host's root, unmapped
    /// in the namespace, so that as a supervisor it can still remove what the launch
    /// created); the process that becomes the sandbox switches to root inside (the host
    /// id) first thing in [`NamespacePlan::setup`].
    root_inside: Option<OwnedFd>,
}

/// Root inside a root caller's sandbox as an unprivileged host id (see [`super::idmap`]).
#[derive(Debug)]
pub struct RootInside {
    /// The host id root inside stands for.
    pub id: u32,
    /// The user namespace that maps 0 to `id` (`setgroups` denied), made ahead: the
    /// trees are id-mapped through it and the sandbox enters it as its own.
    pub userns: OwnedFd,
}

#[derive(Debug)]
enum MountStep {
    Mkdir(CString),
    Touch(CString),
    Bind {
        /// The source, opened before anything was entered: what is mounted must be this
        /// file (the one the Landlock rules are about), not whatever the path names by
        /// the time of the mount.
        source: OwnedFd,
        /// The source's host path (what is cloned, checked against `source`).
        label: CString,
        target: CString,
        /// `MOUNT_ATTR_*` flags set on the bound tree, submounts included.
        attr: u64,
    },
    Tmpfs {
        target: CString,
        /// The mount options (`mode=1777`, and `size=` when the policy limits it).
        options: CString,
    },
    Symlink {
        target: CString,
        link: CString,
    },
    /// A fresh procfs (of the PID namespace of the process that mounts it: the init).
    Proc(CString),
    /// A new devpts instance (`root.pts`).
    Devpts(CString),
}

/// A descriptor grant to open again through a detached clone of its mount (see
/// [`crate::sandbox::Grants::rooted`]): the clone's root is the granted file or
/// directory itself, so `..` from it stays put.
#[derive(Debug)]
pub struct RootedFd {
    /// The descriptor, replaced in place.
    pub fd: std::os::fd::RawFd,
    /// Its host path.
    pub path: CString,
    /// Its status and access flags (`F_GETFL`), for the new open.
    pub flags: libc::c_int,
    /// The clone stays writable (a writable grant); otherwise it is made read-only.
    pub writable: bool,
    /// The clone, made ahead on the host with its flags set (id-mapped: see
    /// [`super::idmap`]); `None`: cloned by path in the new mount namespace.
    pub tree: Option<OwnedFd>,
    /// The descriptor opened again through the clone, once the sandbox is entered: the
    /// launch's final step puts it at `fd`'s number (`Prepared::replacements`).
    pub replacement: Option<OwnedFd>,
}

impl RootedFd {
    /// The `MOUNT_ATTR_*` flags of the clone, on every mount in it: nosuid and nodev,
    /// and read-only unless the grant is writable.
    pub(crate) fn attr(&self) -> u64 {
        let attr = mount::MOUNT_ATTR_NOSUID | mount::MOUNT_ATTR_NODEV;
        if self.writable {
            attr
        } else {
            attr | mount::MOUNT_ATTR_RDONLY
        }
    }
}

/// Open every descriptor grant of `rooted` again through a detached clone of its mount
/// (while the host's /proc is still there to reopen through), for the launch's final
/// step to put in place of caprun's descriptor (`replacement`). The clone's root is the granted directory, so `..` from it, `openat(fd,
/// "..")` and `fchdir` then relative paths stay beneath it (the clone is detached: it has
/// no parent mount to climb to). A read-only clone also refuses the program's fchmod,
/// futimens or fsetxattr with EROFS, as a read-only bind does (Landlock does not mediate
/// metadata). Raw system calls only.
fn reopen_rooted(rooted: &mut [RootedFd]) -> Result<(), StepError<'_>> {
    // The error borrows the failing grant's path: its index is found first, so that no
    // mutable borrow of `rooted` is still alive when it is returned.
    let mut failed = None;
    for (i, r) in rooted.iter_mut().enumerate() {
        match reopen_one(r) {
            Ok(again) => r.replacement = Some(again),
            Err(e) => {
                failed = Some((i, e));
                break;
            }
        }
    }
    match failed {
        None => Ok(()),
        Some((i, (step, errno))) => Err(StepError::new(step, &rooted[i].path, errno)),
    }
}

/// [`reopen_rooted`] for one grant: the descriptor opened again through a clone of its
/// mount (the step that failed and why, otherwise).
fn reopen_one(r: &RootedFd) -> Result<OwnedFd, (&'static str, Errno)> {
    let again = |tree: &OwnedFd| {
        let again = fs::reopen(tree.as_raw_fd(), r.flags)?;
        if fs::file_id(again.as_raw_fd())? != fs::file_id(r.fd)? {
            return Err(Errno::ESTALE);
        }
        Ok(again)
    };
    if let Some(tree) = &r.tree {
        return again(tree).map_err(|e| ("open again through a clone of its mount", e));
    }
    let tree = mount::open_tree(
        libc::AT_FDCWD,
        &r.path,
        mount::OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint | mount::AT_RECURSIVE,
    )
    .map_err(|e| ("clone the mount of", e))?;
    let same = fs::file_id(tree.as_raw_fd()) == fs::file_id(r.fd);
    if !same {
        return Err((
            "refusing a path that names another file than when caprun opened it:",
            Errno::ESTALE,
        ));
    }
    mount::set_attr_recursive(tree.as_fd(), r.attr())
        .map_err(|e| ("set the mount flags of the clone of", e))?;
    again(&tree).map_err(|e| ("open again through a clone of its mount", e))
}

/// What the new root holds, mounted in this order: the policy's `binds`, fresh writable
/// `tmpfs` mounts (mode 1777, `MS_NOSUID | MS_NODEV`, at most `tmpfs_size` bytes and
/// `tmpfs_inodes` inodes each when given), a fresh procfs at `/proc` with `proc`, the caller's `extra` binds (so
/// that they may sit beneath a tmpfs), then `symlinks` (link, target); and the
/// descriptor grants to open again through clones of their mounts (`reopen`, before
/// anything is mounted).
#[derive(Debug, Default)]
pub struct Root<'a> {
    /// The policy's binds.
    pub binds: Vec<ResolvedBind>,
    /// Its tmpfs mount points.
    pub tmpfs: &'a [PathBuf],
    /// Their size.
    pub tmpfs_size: Option<u64>,
    /// The inodes each may hold (`nr_inodes=`).
    pub tmpfs_inodes: Option<u64>,
    /// A procfs at `/proc`.
    pub proc: bool,
    /// A devpts instance of its own at `/dev/pts`, and `/dev/ptmx` (see `pts_steps`).
    pub pts: bool,
    /// The caller's binds.
    pub extra: Vec<ResolvedBind>,
    /// Symbolic links: (link, target).
    pub symlinks: &'a [(PathBuf, PathBuf)],
    /// Descriptor grants to root in clones of their mounts.
    pub reopen: Vec<RootedFd>,
}

/// The new root: every path computed ahead.
#[derive(Debug)]
pub struct MountPlan {
    staging: CString,
    steps: Vec<MountStep>,
    /// Descriptor grants, opened again through clones of their mounts before anything
    /// else is mounted.
    reopen: Vec<RootedFd>,
    /// The detached clone of each bind's tree, in the order of the steps: cloned ahead on
    /// the host, or filled by [`MountPlan::enter`] (room made ahead, so that nothing is
    /// allocated there).
    trees: Vec<Option<OwnedFd>>,
}

/// A bind whose source was opened (`O_PATH`) by the caller.
#[derive(Debug)]
pub struct ResolvedBind {
    /// The source, open.
    pub fd: OwnedFd,
    /// Host path (for messages).
    pub source: PathBuf,
    /// Path inside the new root.
    pub target: PathBuf,
    /// The source is a directory.
    pub is_dir: bool,
    /// A device node of `root.devices`: bound without nodev (read-only like every
    /// other bind: writing to a device node needs no write access to its mount).
    pub device: bool,
    /// Bound writable (not read-only): an [`ExtraBind`](super::ExtraBind) asked for it.
    pub writable: bool,
    /// The source is a character device: bound without nodev (an
    /// [`ExtraBind`](super::ExtraBind) of `/dev/tty`, say).
    pub char_device: bool,
    /// The source's tree, cloned ahead on the host with its flags set (id-mapped: see
    /// [`super::idmap`]); `None`: cloned by path in the new mount namespace.
    pub tree: Option<OwnedFd>,
}

impl ResolvedBind {
    /// The `MOUNT_ATTR_*` flags the bound tree gets, on every mount in it: always nosuid;
    /// read-only unless `writable`; a device node noexec (and not nodev); anything else
    /// nodev unless a character device.
    pub(crate) fn attr_set(&self) -> u64 {
        let mut attr = mount::MOUNT_ATTR_NOSUID;
        if !self.writable {
            attr |= mount::MOUNT_ATTR_RDONLY;
        }
        if self.device {
            attr |= mount::MOUNT_ATTR_NOEXEC;
        } else if !self.char_device {
            attr |= mount::MOUNT_ATTR_NODEV;
        }
        attr
    }
}

/// The mount options of a `root.tmpfs` mount: mode 1777, and its size and inode limits
/// when given.
fn tmpfs_options(size: Option<u64>, inodes: Option<u64>) -> String {
    let mut options = "mode=1777".to_owned();
    if let Some(size) = size {
        options.push_str(&format!(",size={size}"));
    }
    if let Some(inodes) = inodes {
        options.push_str(&format!(",nr_inodes={inodes}"));
    }
    options
}

/// `p` (absolute, inside the new root) under `staging`.
fn inside(staging: &Path, p: &Path) -> PathBuf {
    staging.join(p.strip_prefix("/").unwrap_or(p))
}

/// Steps creating `p` and its ancestors in the new root (once each).
fn mkdirs(
    staging: &Path,
    p: &Path,
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    let mut acc = PathBuf::from("/");
    for c in p.components().skip(1) {
        acc.push(c);
        if !made.contains(&acc) {
            made.push(acc.clone());
            steps.push(MountStep::Mkdir(cstr(&inside(staging, &acc))?));
        }
    }
    Ok(())
}

/// Steps mounting a devpts instance of the sandbox's own at `/dev/pts` and linking
/// `/dev/ptmx` to its `ptmx`: `newinstance` (the host's ptys are not in it, and the ones
/// made inside are in no other), `ptmxmode=0666` (anyone inside may make one),
/// `mode=0620` for the ptys.
fn pts_steps(
    staging: &Path,
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    let pts = Path::new("/dev/pts");
    mkdirs(staging, pts, made, steps)?;
    steps.push(MountStep::Devpts(cstr(&inside(staging, pts))?));
    steps.push(MountStep::Symlink {
        target: c"pts/ptmx".to_owned(),
        link: cstr(&inside(staging, Path::new("/dev/ptmx")))?,
    });
    Ok(())
}

/// Steps binding `b`: its parents, its mount point and the bind.
fn bind_steps(
    staging: &Path,
    b: ResolvedBind,
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    if let Some(parent) = b.target.parent() {
        mkdirs(staging, parent, made, steps)?;
    }
    let target = inside(staging, &b.target);
    steps.push(if b.is_dir {
        MountStep::Mkdir(cstr(&target)?)
    } else {
        MountStep::Touch(cstr(&target)?)
    });
    let attr = b.attr_set();
    steps.push(MountStep::Bind {
        label: cstr(&b.source)?,
        source: b.fd,
        target: cstr(&target)?,
        attr,
    });
    Ok(())
}

/// Steps binding each of `binds` in order, their trees cloned ahead (if any) pushed to
/// `trees` in the same order.
fn binds_steps(
    staging: &Path,
    binds: Vec<ResolvedBind>,
    trees: &mut Vec<Option<OwnedFd>>,
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    for mut b in binds {
        trees.push(b.tree.take());
        bind_steps(staging, b, made, steps)?;
    }
    Ok(())
}

/// Steps mounting a tmpfs (see [`tmpfs_options`]) at each of `tmpfs`.
fn tmpfs_steps(
    staging: &Path,
    tmpfs: &[PathBuf],
    size: Option<u64>,
    inodes: Option<u64>,
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    let options = tmpfs_options(size, inodes);
    for t in tmpfs {
        mkdirs(staging, t, made, steps)?;
        steps.push(MountStep::Tmpfs {
            target: cstr(&inside(staging, t))?,
            options: CString::new(options.clone()).expect("no NUL in numbers"),
        });
    }
    Ok(())
}

/// Steps mounting a fresh procfs at `/proc`.
fn proc_steps(
    staging: &Path,
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    mkdirs(staging, Path::new("/proc"), made, steps)?;
    steps.push(MountStep::Proc(cstr(&inside(staging, Path::new("/proc")))?));
    Ok(())
}

/// Steps making the symbolic links `symlinks` (link, target), their parents first.
fn symlink_steps(
    staging: &Path,
    symlinks: &[(PathBuf, PathBuf)],
    made: &mut Vec<PathBuf>,
    steps: &mut Vec<MountStep>,
) -> Result<(), NamespaceError> {
    for (link, target) in symlinks {
        if let Some(parent) = link.parent() {
            mkdirs(staging, parent, made, steps)?;
        }
        steps.push(MountStep::Symlink {
            target: cstr(target)?,
            link: cstr(&inside(staging, link))?,
        });
    }
    Ok(())
}

impl MountPlan {
    /// The descriptor grants opened again through clones of their mounts, once the
    /// sandbox was entered: (caprun's descriptor, the one to put at its number).
    pub fn replacements(&self) -> impl Iterator<Item = (RawFd, RawFd)> + '_ {
        self.reopen
            .iter()
            .filter_map(|r| r.replacement.as_ref().map(|n| (r.fd, n.as_raw_fd())))
    }
}

impl MountPlan {
    /// Plan a root built on a tmpfs mounted at `staging` (an existing host directory, only
    /// covered inside the new mount namespace; `/tmp` by default), from `root` (see
    /// [`Root`] for the order of its parts). Missing parent directories of every target
    /// are created in the root's tmpfs.
    pub fn new(staging: &Path, root: Root<'_>) -> Result<MountPlan, NamespaceError> {
        let Root {
            binds,
            tmpfs,
            tmpfs_size,
            tmpfs_inodes,
            proc,
            pts,
            extra,
            symlinks,
            reopen,
        } = root;
        let mut steps = Vec::new();
        let mut made: Vec<PathBuf> = Vec::new();
        // The trees cloned ahead, in the order of the bind steps.
        let mut trees = Vec::new();
        binds_steps(staging, binds, &mut trees, &mut made, &mut steps)?;
        tmpfs_steps(
            staging,
            tmpfs,
            tmpfs_size,
            tmpfs_inodes,
            &mut made,
            &mut steps,
        )?;
        if proc {
            proc_steps(staging, &mut made, &mut steps)?;
        }
        if pts {
            pts_steps(staging, &mut made, &mut steps)?;
        }
        // After the tmpfs mounts: a caller's bind may sit beneath one.
        binds_steps(staging, extra, &mut trees, &mut made, &mut steps)?;
        symlink_steps(staging, symlinks, &mut made, &mut steps)?;
        Ok(MountPlan {
            staging: cstr(staging)?,
            steps,
            reopen,
            trees,
        })
    }

    /// Build the root and make it the process's. Raw system calls over the plan only:
    /// nothing here allocates (it runs after a fork), every phase reads data prepared by
    /// [`MountPlan::new`].
    fn enter(&mut self) -> Result<(), StepError<'_>> {
        make_root_private()?;
        reopen_rooted(&mut self.reopen)?;
        clone_bind_sources(&self.steps, &mut self.trees)?;
        mount_staging(&self.staging)?;
        run_steps(&self.steps, &mut self.trees)?;
        pivot_into(&self.staging)?;
        remount_root_read_only()
    }
}

/// The root directory, for the phases of [`MountPlan::enter`].
const ROOT: &CStr = c"/";
/// The current directory (the new root's, once pivoted into).
const DOT: &CStr = c".";
/// The tmpfs file system type (and source name).
const TMPFS: &CStr = c"tmpfs";

/// First phase of [`MountPlan::enter`]: make every mount private, so that nothing done in
/// the new mount namespace propagates to the host's.
fn make_root_private() -> Result<(), StepError<'static>> {
    mount::mount(None, ROOT, None, libc::MS_REC | libc::MS_PRIVATE, None)
        .map_err(|e| StepError::new("make / private", ROOT, e))
}

/// Clone every bind source not cloned ahead on the host (a detached copy of its mount
/// tree, into its slot of `trees`), before the tmpfs covers `staging`.
///
/// The clone is made by path: a descriptor opened before the mount namespace was created
/// names a mount of the host's namespace, which open_tree cannot clone from here. So the
/// clone must be of the very file that was opened (and that the Landlock rules are
/// about): a path swapped since is refused. Each clone gets its flags on every mount in it
/// (a read-only bind is read-only in its submounts too) while still detached, and is
/// attached by [`run_steps`] with move_mount.
fn clone_bind_sources<'a>(
    steps: &'a [MountStep],
    trees: &mut [Option<OwnedFd>],
) -> Result<(), StepError<'a>> {
    let mut slot = 0;
    for step in steps {
        if let MountStep::Bind {
            source,
            label,
            attr,
            ..
        } = step
        {
            // Those cloned ahead, on the host, are kept.
            if trees[slot].is_none() {
                trees[slot] = Some(clone_bind_source(source, label, *attr)?);
            }
            slot += 1;
        }
    }
    Ok(())
}

/// [`clone_bind_sources`] for one bind: the clone of `label`'s mount tree, checked to be
/// the file `source` was opened on, with the flags `attr` on every mount in it.
fn clone_bind_source<'a>(
    source: &OwnedFd,
    label: &'a CStr,
    attr: u64,
) -> Result<OwnedFd, StepError<'a>> {
    let fd = mount::open_tree(
        libc::AT_FDCWD,
        label,
        mount::OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint | mount::AT_RECURSIVE,
    )
    .map_err(|e| StepError::new("bind", label, e))?;
    let opened = fs::file_id(source.as_raw_fd()).map_err(|e| StepError::new("bind", label, e))?;
    let cloned = fs::file_id(fd.as_raw_fd()).map_err(|e| StepError::new("bind", label, e))?;
    if opened != cloned {
        return Err(StepError::new(
            "refusing to bind a path that names another file than when caprun opened it:",
            label,
            Errno::ESTALE,
        ));
    }
    mount::set_attr_recursive(fd.as_fd(), attr)
        .map_err(|e| StepError::new("set the mount flags of", label, e))?;
    Ok(fd)
}

/// Mount the tmpfs the new root is built on at `staging` (covering the host's directory
/// in this mount namespace only).
fn mount_staging(staging: &CStr) -> Result<(), StepError<'_>> {
    mount::mount(
        Some(TMPFS),
        staging,
        Some(TMPFS),
        libc::MS_NOSUID | libc::MS_NODEV,
        Some(c"mode=0755,size=1m"),
    )
    .map_err(|e| StepError::new("mount tmpfs on", staging, e))
}

/// Run the planned steps in order, each bind attaching (and closing) the next of `trees`.
fn run_steps<'a>(
    steps: &'a [MountStep],
    trees: &mut [Option<OwnedFd>],
) -> Result<(), StepError<'a>> {
    let mut trees = trees.iter_mut();
    for step in steps {
        match step {
            MountStep::Mkdir(p) => mkdir(p)?,
            MountStep::Touch(p) => make_mount_point(p)?,
            MountStep::Bind { label, target, .. } => {
                // Closed once attached.
                let tree = trees.next().and_then(Option::take);
                attach(tree, label, target)?;
            }
            MountStep::Tmpfs { target, options } => mount_tmpfs(target, options)?,
            MountStep::Symlink { target, link } => {
                fs::symlink(target, link).map_err(|e| StepError::new("symlink", link, e))?;
            }
            MountStep::Proc(target) => mount_proc(target)?,
            MountStep::Devpts(target) => mount_devpts(target)?,
        }
    }
    Ok(())
}

/// A planned directory (one already there will do).
fn mkdir(p: &CStr) -> Result<(), StepError<'_>> {
    match fs::mkdir(p, 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(StepError::new("mkdir", p, e)),
    }
}

/// A planned file to bind on, created empty unless there.
///
/// A file already there (a file grant beneath a read-only bind of the policy, say
/// `/usr/bin/ls`) is the mount point as it is: creating it would need the write access
/// that bind does not give.
fn make_mount_point(p: &CStr) -> Result<(), StepError<'_>> {
    let flags = libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    match fs::open(p, flags, 0) {
        Ok(_) => {}
        Err(Errno::ENOENT) => drop(
            fs::open(p, libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC, 0o644)
                .map_err(|e| StepError::new("create mount point", p, e))?,
        ),
        Err(e) => return Err(StepError::new("create mount point", p, e)),
    }
    Ok(())
}

/// Attach the cloned `tree` of the bind of `label` at `target` (`EBADF` if none is left:
/// the plan has a tree for every bind).
fn attach<'a>(tree: Option<OwnedFd>, label: &'a CStr, target: &CStr) -> Result<(), StepError<'a>> {
    let tree = tree.ok_or_else(|| StepError::new("bind", label, Errno::EBADF))?;
    mount::move_mount(
        tree.as_fd(),
        c"",
        libc::AT_FDCWD,
        target,
        mount::MOVE_MOUNT_F_EMPTY_PATH,
    )
    .map_err(|e| StepError::new("bind", label, e))
}

/// A planned tmpfs with its `options`.
fn mount_tmpfs<'a>(target: &'a CStr, options: &CStr) -> Result<(), StepError<'a>> {
    mount::mount(
        Some(TMPFS),
        target,
        Some(TMPFS),
        libc::MS_NOSUID | libc::MS_NODEV,
        Some(options),
    )
    .map_err(|e| StepError::new("mount tmpfs on", target, e))
}

/// A fresh procfs, read-only.
///
/// Before pivot_root: the kernel lets a user namespace mount a procfs only while a procfs
/// of the host is fully visible in its mount namespace (the old root still is).
/// Read-only: the sandbox's processes read their own entries; writes to them are not the
/// sandbox's business.
fn mount_proc(target: &CStr) -> Result<(), StepError<'_>> {
    mount::mount(
        Some(c"proc"),
        target,
        Some(c"proc"),
        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_RDONLY,
        None,
    )
    .map_err(|e| StepError::new("mount a procfs on", target, e))
}

/// A new devpts instance, its `ptmx` usable by all.
fn mount_devpts(target: &CStr) -> Result<(), StepError<'_>> {
    mount::mount(
        Some(c"devpts"),
        target,
        Some(c"devpts"),
        libc::MS_NOSUID | libc::MS_NOEXEC,
        Some(c"newinstance,ptmxmode=0666,mode=0620"),
    )
    .map_err(|e| StepError::new("mount a devpts on", target, e))
}

/// Make `staging` the root, detach the old one and change into the new.
///
/// pivot_root(".", ".") stacks the old root on the new one; detaching "." then removes
/// it.
fn pivot_into(staging: &CStr) -> Result<(), StepError<'_>> {
    fs::chdir(staging).map_err(|e| StepError::new("chdir", staging, e))?;
    mount::pivot_root(DOT, DOT).map_err(|e| StepError::new("pivot_root", staging, e))?;
    mount::umount2(DOT, libc::MNT_DETACH)
        .map_err(|e| StepError::new("detach the old root", DOT, e))?;
    fs::chdir(ROOT).map_err(|e| StepError::new("chdir", ROOT, e))
}

/// Last phase of [`MountPlan::enter`]: the root's own tmpfs read-only (what is to be
/// writable is a mount of its own on it).
fn remount_root_read_only() -> Result<(), StepError<'static>> {
    mount::mount(
        None,
        ROOT,
        None,
        libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
        None,
    )
    .map_err(|e| StepError::new("remount / read-only", ROOT, e))
}

/// Everything `enter` needs, computed ahead.
#[derive(Debug)]
pub struct NamespacePlan {
    flags: libc::c_int,
    /// The PID namespace's own `pid_max` (Linux 6.14 and later), for the task limit of a
    /// sandbox that runs as the host's root, whose tasks the kernel does not count
    /// against `RLIMIT_NPROC`: the value to write (the launch fails without it).
    pid_max: Option<CString>,
    /// Bring `lo` up in the new network namespace (`network: loopback`).
    loopback: bool,
    user: Option<UserMaps>,
    /// Root with `--uid`/`--gid` under a policy without a user namespace: the ids to
    /// switch to on the host (and the supplementary groups to drop) before anything else.
    switch_on_host: Option<Identity>,
    hostname: Option<CString>,
    mount: Option<MountPlan>,
    rlimits: Vec<(ids::RlimitResource, libc::rlimit)>,
    policy: String,
}

/// Why user namespaces are unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserNsBlock {
    /// A sysctl forbids them to this caller: the setting, as `NAME is VALUE`.
    Sysctl(&'static str),
    /// `unshare(CLONE_NEWUSER)` failed with this error.
    Unshare(Errno),
    /// AppArmor restricts unprivileged user namespaces (Ubuntu 23.10 and later) and
    /// caprun runs under no profile that allows them.
    AppArmor,
}

impl std::fmt::Display for UserNsBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserNsBlock::Sysctl(setting) => f.write_str(setting),
            UserNsBlock::Unshare(e) => write!(f, "unshare: {}", std::io::Error::from(*e)),
            UserNsBlock::AppArmor => f.write_str(
                "kernel.apparmor_restrict_unprivileged_userns is 1 and caprun runs without an AppArmor profile: load the one that allows it user namespaces, `sudo apparmor_parser -r /etc/apparmor.d/caprun` (the Debian package installs it; for a caprun installed elsewhere, a copy naming that path)",
            ),
        }
    }
}

/// Why user namespaces are known to be unavailable to this caller, if they are.
pub fn userns_blocked() -> Option<UserNsBlock> {
    if ids::geteuid() == 0 {
        return None;
    }
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
    };
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return Some(UserNsBlock::Sysctl("kernel.unprivileged_userns_clone is 0"));
    }
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return Some(UserNsBlock::Sysctl("user.max_user_namespaces is 0"));
    }
    let restrict = read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    if restrict.as_deref() == Some("1") {
        // The label of this process: AppArmor's own file (Linux 5.8+), else the one the
        // first LSM answers.
        let label =
            read("/proc/self/attr/apparmor/current").or_else(|| read("/proc/self/attr/current"));
        if apparmor_restricts_userns(restrict.as_deref(), label.as_deref()) {
            return Some(UserNsBlock::AppArmor);
        }
    }
    None
}

/// Whether AppArmor keeps a caller other than root from user namespaces, from the value
/// of `kernel.apparmor_restrict_unprivileged_userns` and the caller's AppArmor label
/// (`/proc/self/attr/apparmor/current`; `None`: unreadable): restricted, a process
/// creates one only under a profile (`caprun (unconfined)`) with a `userns` rule; an
/// unconfined one, or one already moved to the `unprivileged_userns` profile, gets a
/// namespace without capabilities, where the sandbox cannot be built.
pub fn apparmor_restricts_userns(restrict: Option<&str>, label: Option<&str>) -> bool {
    restrict == Some("1")
        && label.is_none_or(|l| l == "unconfined" || l.starts_with("unprivileged_userns"))
}

impl NamespacePlan {
    /// Plan the namespaces of `policy`: `run_as` chooses the ids inside (see [`Identity`]),
    /// `root_inside` (root without `run_as` only) the unprivileged host id that root
    /// inside stands for and its user namespace (see [`super::idmap`]), `mount` is the
    /// prepared root (required when the policy has a mount namespace).
    pub fn new(
        policy: &Policy,
        run_as: Option<Identity>,
        root_inside: Option<RootInside>,
        mount: Option<MountPlan>,
    ) -> Result<NamespacePlan, NamespaceError> {
        let host_id = root_inside.as_ref().map(|r| r.id);
        let mut flags = 0;
        for ns in policy.entered_namespaces() {
            flags |= ns.clone_flag();
        }
        let user = if policy.has(Namespace::User) {
            if let Some(reason) = userns_blocked() {
                return Err(NamespaceError::UserNsUnavailable {
                    reason,
                    policy: policy.name.clone(),
                });
            }
            let (euid, egid) = (ids::geteuid(), ids::getegid());
            let (uid_map, gid_map, switch_to) = match (euid, run_as, host_id) {
                // Root becomes an unprivileged host id before unsharing, and root inside
                // stands for it.
                (0, None, Some(x)) => (format!("0 {x} 1\n"), format!("0 {x} 1\n"), None),
                // Root becomes the requested ids before unsharing, then maps them to
                // themselves like any user.
                (0, Some(id), _) => (
                    format!("{0} {0} 1\n", id.uid),
                    format!("{0} {0} 1\n", id.gid),
                    Some(id),
                ),
                (_, id, _) => {
                    let id = id.unwrap_or(Identity {
                        uid: euid,
                        gid: egid,
                    });
                    (
                        format!("{} {euid} 1\n", id.uid),
                        format!("{} {egid} 1\n", id.gid),
                        None,
                    )
                }
            };
            Some(UserMaps {
                uid_map: CString::new(uid_map).map_err(|_| NamespaceError::Nul(PathBuf::new()))?,
                gid_map: CString::new(gid_map).map_err(|_| NamespaceError::Nul(PathBuf::new()))?,
                // Where setgroups is denied already (caprun runs in a user namespace
                // that said so) the groups are fixed: nothing to drop, nothing can be.
                drop_groups: euid == 0 && ids::setgroups_allowed(),
                switch_to,
                root_inside: root_inside
                    .filter(|_| euid == 0 && run_as.is_none())
                    .map(|r| r.userns),
            })
        } else {
            None
        };
        let hostname = match (&policy.hostname, policy.has(Namespace::Uts)) {
            (Some(h), true) => {
                Some(CString::new(h.as_str()).map_err(|_| NamespaceError::Nul(h.into()))?)
            }
            _ => None,
        };
        // The task limit: RLIMIT_NPROC, which the kernel counts per user namespace but
        // does not apply to the host's root; for a sandbox of the host's root, the PID
        // namespace's own pid_max (where the kernel has it: else the launch is refused).
        // After its first wrap the kernel allocates pid numbers from RESERVED_PIDS (300)
        // up only, so pid_max = tasks + 300 leaves room for `tasks` at any time (and
        // holds at most that many more). Any other sandbox does without it: mounting a
        // procfs to write it costs a launch ≈ 0.1 ms.
        let uid = match (ids::geteuid(), run_as, host_id) {
            (0, Some(id), _) => id.uid,
            (0, None, Some(x)) if user.is_some() => x,
            (euid, _, _) => euid,
        };
        // Root inside a container's user namespace is another user to the kernel.
        let host_root = uid == 0
            && std::fs::read_to_string("/proc/self/uid_map")
                .map_or(true, |map| outer_id(&map, uid) == Some(0));
        let pid_max = match policy.limits.tasks {
            Some(tasks) if host_root && policy.has(Namespace::Pid) => Some(
                CString::new(tasks.saturating_add(RESERVED_PIDS).to_string()).expect("a number"),
            ),
            Some(_) if host_root => {
                return Err(NamespaceError::TasksUnenforceable {
                    policy: policy.name.clone(),
                })
            }
            _ => None,
        };
        let mut rlimits = Vec::new();
        if let Some(tasks) = policy.limits.tasks {
            // Counted per user namespace (the policy parser requires one).
            rlimits.push((
                libc::RLIMIT_NPROC as ids::RlimitResource,
                libc::rlimit {
                    rlim_cur: tasks,
                    rlim_max: tasks,
                },
            ));
        }
        for (which, (soft, hard)) in &policy.rlimits {
            let res = which.resource();
            rlimits.push((res, keep_inherited_hard(res, *soft, *hard)));
        }
        // Once in its own user namespace not even root may raise a hard limit.
        let can_raise = user.is_none() && ids::geteuid() == 0;
        if !can_raise {
            check_hard_limits(policy, &rlimits)?;
        }
        let switch_on_host = match (&user, ids::geteuid(), run_as) {
            (None, 0, Some(id)) => Some(id),
            _ => None,
        };
        Ok(NamespacePlan {
            flags,
            pid_max,
            loopback: policy.network == Network::Loopback && flags & libc::CLONE_NEWNET != 0,
            user,
            switch_on_host,
            hostname,
            mount: if policy.has(Namespace::Mount) {
                mount
            } else {
                None
            },
            rlimits,
            policy: policy.name.clone(),
        })
    }

    /// The `unshare` flags (includes `CLONE_NEWPID` when asked for).
    pub fn flags(&self) -> libc::c_int {
        self.flags
    }

    /// The mount plan's [`MountPlan::replacements`].
    pub fn replacements(&self) -> impl Iterator<Item = (RawFd, RawFd)> + '_ {
        self.mount.iter().flat_map(MountPlan::replacements)
    }

    /// Root inside stands for an unprivileged host id (`idmap`).
    pub fn root_mapped(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.root_inside.is_some())
    }

    /// A PID namespace was asked for: [`unshare`](Self::unshare) does not create it; the
    /// launcher creates it with its PID 1, `clone(CLONE_NEWPID)` (so that its own later
    /// children stay outside), and supervises instead of exec in place.
    pub fn needs_fork(&self) -> bool {
        self.flags & libc::CLONE_NEWPID != 0
    }

    /// Create the namespaces: switch ids (root with another identity), unshare, write the
    /// uid/gid maps. Single-threaded callers only (`unshare(CLONE_NEWUSER)` demands it).
    /// Runs on the host, in caprun itself, before anything else is entered or forked:
    /// it may allocate and fail with a full description. A namespace limit that is full
    /// (`ENOSPC`: namespaces of earlier launches are freed asynchronously) is retried
    /// for up to [`UNSHARE_RETRY`].
    pub fn unshare(&self) -> Result<(), NamespaceError> {
        if let Some(id) = self.switch_on_host {
            // No user namespace to map in: the ids are the host's, as asked.
            if ids::setgroups_allowed() {
                ids::clear_groups().map_err(|e| sys_err("setgroups", c"", e))?;
            }
            ids::setresgid(id.gid, id.gid, id.gid).map_err(|e| sys_err("setresgid", c"", e))?;
            ids::setresuid(id.uid, id.uid, id.uid).map_err(|e| sys_err("setresuid", c"", e))?;
        }
        if let Some(u) = &self.user {
            if u.drop_groups {
                ids::clear_groups().map_err(|e| sys_err("setgroups", c"", e))?;
            }
            if let Some(id) = u.switch_to {
                ids::setresgid(id.gid, id.gid, id.gid).map_err(|e| sys_err("setresgid", c"", e))?;
                ids::setresuid(id.uid, id.uid, id.uid).map_err(|e| sys_err("setresuid", c"", e))?;
                // Changing ids cleared the dumpable flag, which makes /proc/self/*
                // root-owned; the maps below must be writable by us.
                ids::set_dumpable(true).map_err(|e| sys_err("prctl(PR_SET_DUMPABLE)", c"", e))?;
            }
        }
        // Root mapped to another host id: its user namespace exists, maps written.
        let made_ahead = self.user.as_ref().and_then(|u| u.root_inside.as_ref());
        if let Some(userns) = made_ahead {
            ids::enter_user_namespace(userns.as_fd())
                .map_err(|e| sys_err("enter the sandbox's user namespace (setns)", c"", e))?;
        }
        // The PID namespace comes with its init (`needs_fork`).
        let mut flags = self.flags & !libc::CLONE_NEWPID;
        if made_ahead.is_some() {
            flags &= !libc::CLONE_NEWUSER;
        }
        if flags != 0 {
            let start = std::time::Instant::now();
            let errno = loop {
                match ids::unshare(flags) {
                    Ok(()) => break None,
                    Err(Errno::ENOSPC | Errno::EUSERS) if start.elapsed() < UNSHARE_RETRY => {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    Err(e) => break Some(e),
                }
            };
            match errno {
                None => {}
                Some(Errno::ENOSPC | Errno::EUSERS) => {
                    return Err(NamespaceError::LimitReached {
                        limits: namespace_limits(self.flags),
                    })
                }
                Some(errno) if self.user.is_some() && errno == Errno::EPERM => {
                    return Err(NamespaceError::UserNsUnavailable {
                        reason: UserNsBlock::Unshare(errno),
                        policy: self.policy.clone(),
                    });
                }
                Some(errno) => {
                    return Err(NamespaceError::Sys {
                        step: "unshare",
                        path: String::new(),
                        source: errno.into(),
                    })
                }
            }
        }
        if made_ahead.is_some() {
            // Its maps were written when it was made.
        } else if let Some(u) = &self.user {
            // Unprivileged rules: setgroups denied, then one id each mapped.
            write_file(c"/proc/self/setgroups", b"deny")?;
            write_file(c"/proc/self/uid_map", u.uid_map.as_bytes())?;
            write_file(c"/proc/self/gid_map", u.gid_map.as_bytes())?;
        }
        Ok(())
    }

    /// Inside the namespaces [`unshare`](Self::unshare) created (in the process that
    /// becomes the program, or its init): hostname, the new root, rlimits. Raw system
    /// calls over the plan only, no allocation: it may run after a fork.
    pub fn setup(&mut self) -> Result<(), StepError<'_>> {
        if self.user.as_ref().is_some_and(|u| u.root_inside.is_some()) {
            // Root inside is the host id; the capabilities in the namespace stay (the
            // process was not root of the namespace before). The change of ids leaves the
            // process non-dumpable, as an init wants to be; the program's process becomes
            // dumpable again when it execs.
            ids::setresgid(0, 0, 0).map_err(|e| StepError::new("setresgid", c"0", e))?;
            ids::setresuid(0, 0, 0).map_err(|e| StepError::new("setresuid", c"0", e))?;
        }
        if let Some(value) = &self.pid_max {
            mount::set_pid_max(value).map_err(|e| {
                StepError::new(
                    "cannot limit the sandbox's tasks: it runs as the host's root, whose tasks the kernel does not count against RLIMIT_NPROC, and its PID namespace has no pid_max of its own before Linux 6.14 (run it with --uid and --gid, or with --limit tasks=unlimited):",
                    c"pid_max",
                    e,
                )
            })?;
        }
        if let Some(h) = &self.hostname {
            ids::sethostname(h).map_err(|e| StepError::new("sethostname", h, e))?;
        }
        if self.loopback {
            crate::sys::net::loopback_up()
                .map_err(|e| StepError::new("bring up the loopback interface", c"lo", e))?;
        }
        if let Some(m) = &mut self.mount {
            m.enter()?;
        }
        for (res, lim) in &self.rlimits {
            ids::setrlimit(*res, lim).map_err(|e| StepError::new("setrlimit", c"", e))?;
        }
        Ok(())
    }
}

/// A limit as `ulimit` prints it.
fn limit_text(n: u64) -> String {
    if n == libc::RLIM_INFINITY {
        "unlimited".to_owned()
    } else {
        n.to_string()
    }
}

/// Refuse, naming the setting, the limit and the way out, the first of `rlimits` whose
/// hard limit is above the caller's (setrlimit would fail with a bare EPERM inside).
fn check_hard_limits(
    policy: &Policy,
    rlimits: &[(ids::RlimitResource, libc::rlimit)],
) -> Result<(), NamespaceError> {
    for (res, lim) in rlimits {
        let Ok(current) = ids::getrlimit(*res) else {
            continue;
        };
        if lim.rlim_max <= current.rlim_max {
            continue;
        }
        let hard = current.rlim_max;
        let (what, flag, way_out) = if *res == libc::RLIMIT_NPROC as ids::RlimitResource
            && policy.limits.tasks == Some(lim.rlim_max)
        {
            (
                "limits.tasks".to_owned(),
                'u',
                format!("run it with --limit tasks=N for an N of at most {hard}, or raise the hard limit"),
            )
        } else {
            let name = policy
                .rlimits
                .keys()
                .find(|n| n.resource() == *res)
                .map_or("", |n| n.name());
            let flag = match name {
                "nofile" => 'n',
                "nproc" => 'u',
                "stack" => 's',
                "core" => 'c',
                "as" => 'v',
                "cpu" => 't',
                "fsize" => 'f',
                "data" => 'd',
                "memlock" => 'l',
                _ => '?',
            };
            (
                format!("rlimits.{name}"),
                flag,
                "lower it in a policy of your own (caprun-policy(5)), or raise the hard limit"
                    .to_owned(),
            )
        };
        return Err(NamespaceError::AboveHardLimit(Box::new(AboveHardLimit {
            policy: policy.name.clone(),
            what,
            wanted: lim.rlim_max,
            hard,
            flag,
            way_out,
        })));
    }
    Ok(())
}

/// The rlimit to set for a policy's `[soft, hard]`: a hard limit of `unlimited` means
/// "do not lower it" and keeps the one caprun inherited (raising a hard limit needs
/// `CAP_SYS_RESOURCE` in the initial user namespace, which the sandbox never has), the
/// soft limit at most that.
fn keep_inherited_hard(res: ids::RlimitResource, soft: u64, hard: u64) -> libc::rlimit {
    let hard = match ids::getrlimit(res) {
        Ok(now) if hard == libc::RLIM_INFINITY => now.rlim_max,
        _ => hard,
    };
    libc::rlimit {
        rlim_cur: soft.min(hard),
        rlim_max: hard,
    }
}

/// The id `id` of this user namespace stands for in the parent namespace, by `map` (the
/// text of `/proc/self/uid_map`: `INSIDE OUTSIDE COUNT` lines); `None` when unmapped.
fn outer_id(map: &str, id: u32) -> Option<u32> {
    map.lines().find_map(|line| {
        let mut f = line.split_whitespace().map(|n| n.parse::<u64>().ok());
        let (inside, outside, count) = (f.next()??, f.next()??, f.next()??);
        let id = u64::from(id);
        (inside <= id && id < inside + count).then(|| (outside + id - inside) as u32)
    })
}

/// The kernel's `RESERVED_PIDS`: after its first wrap, pid numbers start there again.
const RESERVED_PIDS: u64 = 300;

/// How long [`NamespacePlan::unshare`] retries a full namespace limit.
pub const UNSHARE_RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// The sysctls that limit the namespaces of `flags`, with their current values.
fn namespace_limits(flags: libc::c_int) -> Vec<(String, String)> {
    [
        (libc::CLONE_NEWUSER, "user"),
        (libc::CLONE_NEWNS, "mnt"),
        (libc::CLONE_NEWNET, "net"),
        (libc::CLONE_NEWIPC, "ipc"),
        (libc::CLONE_NEWUTS, "uts"),
        (libc::CLONE_NEWCGROUP, "cgroup"),
        (libc::CLONE_NEWPID, "pid"),
    ]
    .into_iter()
    .filter(|(flag, _)| flags & flag != 0)
    .map(|(_, name)| {
        let setting = format!("user.max_{name}_namespaces");
        let value = std::fs::read_to_string(format!("/proc/sys/user/max_{name}_namespaces"))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|_| "unknown".into());
        (setting, value)
    })
    .collect()
}

fn write_file(path: &CStr, data: &[u8]) -> Result<(), NamespaceError> {
    let fd = fs::open(path, libc::O_WRONLY | libc::O_CLOEXEC, 0)
        .map_err(|e| sys_err("open", path, e))?;
    fs::write_whole(std::os::fd::AsRawFd::as_raw_fd(&fd), data)
        .map_err(|e| sys_err("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::{
        ids, keep_inherited_hard, mount, outer_id, tmpfs_options, MountPlan, MountStep,
        ResolvedBind, Root,
    };
    use std::path::{Path, PathBuf};

    /// A bind of `source` at `target`, its descriptor any open file (the planner only
    /// carries it to the step).
    fn bind(source: &str, target: &str, is_dir: bool, writable: bool) -> ResolvedBind {
        ResolvedBind {
            fd: std::fs::File::open("/dev/null").unwrap().into(),
            source: source.into(),
            target: target.into(),
            is_dir,
            device: false,
            writable,
            char_device: false,
            tree: None,
        }
    }

    /// The plan's steps, one line each.
    fn lines(plan: &MountPlan) -> Vec<String> {
        let text = |c: &std::ffi::CStr| c.to_str().unwrap().to_owned();
        plan.steps
            .iter()
            .map(|step| match step {
                MountStep::Mkdir(p) => format!("mkdir {}", text(p)),
                MountStep::Touch(p) => format!("touch {}", text(p)),
                MountStep::Bind {
                    label,
                    target,
                    attr,
                    ..
                } => {
                    let flags = [
                        (mount::MOUNT_ATTR_RDONLY, "ro"),
                        (mount::MOUNT_ATTR_NOSUID, "nosuid"),
                        (mount::MOUNT_ATTR_NODEV, "nodev"),
                        (mount::MOUNT_ATTR_NOEXEC, "noexec"),
                    ]
                    .iter()
                    .filter(|(bit, _)| attr & bit != 0)
                    .map(|(_, name)| *name)
                    .collect::<Vec<_>>()
                    .join(",");
                    format!("bind {} {} {flags}", text(label), text(target))
                }
                MountStep::Tmpfs { target, options } => {
                    format!("tmpfs {} {}", text(target), text(options))
                }
                MountStep::Symlink { target, link } => {
                    format!("symlink {} -> {}", text(link), text(target))
                }
                MountStep::Proc(p) => format!("proc {}", text(p)),
                MountStep::Devpts(p) => format!("devpts {}", text(p)),
            })
            .collect()
    }

    #[test]
    fn a_root_is_planned_binds_tmpfs_proc_pts_caller_binds_then_symlinks() {
        let tmpfs = [PathBuf::from("/tmp")];
        let links = [(PathBuf::from("/bin"), PathBuf::from("usr/bin"))];
        let plan = MountPlan::new(
            Path::new("/stage"),
            Root {
                binds: vec![bind("/usr", "/usr", true, false)],
                tmpfs: &tmpfs,
                tmpfs_size: Some(4096),
                tmpfs_inodes: None,
                proc: true,
                pts: true,
                // Beneath the tmpfs: mounted after it, or the tmpfs would cover it.
                extra: vec![bind("/home/u/work", "/tmp/work", true, true)],
                symlinks: &links,
                reopen: Vec::new(),
            },
        )
        .unwrap();
        assert_eq!(plan.staging.to_str().unwrap(), "/stage");
        assert_eq!(
            lines(&plan),
            [
                "mkdir /stage/usr",
                "bind /usr /stage/usr ro,nosuid,nodev",
                "mkdir /stage/tmp",
                "tmpfs /stage/tmp mode=1777,size=4096",
                "mkdir /stage/proc",
                "proc /stage/proc",
                "mkdir /stage/dev",
                "mkdir /stage/dev/pts",
                "devpts /stage/dev/pts",
                "symlink /stage/dev/ptmx -> pts/ptmx",
                // `/tmp` made once.
                "mkdir /stage/tmp/work",
                "bind /home/u/work /stage/tmp/work nosuid,nodev",
                "symlink /stage/bin -> usr/bin",
            ]
        );
        assert_eq!(plan.trees.len(), 2);
    }

    #[test]
    fn a_file_bound_over_a_file_of_a_read_only_bind_is_mounted_on_it_after_the_bind() {
        let plan = MountPlan::new(
            Path::new("/stage"),
            Root {
                binds: vec![bind("/usr", "/usr", true, false)],
                extra: vec![bind("/opt/ls", "/usr/bin/ls", false, false)],
                ..Root::default()
            },
        )
        .unwrap();
        // The mount point is a `touch`: one already there (inside the read-only bind) is
        // used as it is; the `mkdir`s of existing directories are EEXIST, which is fine.
        assert_eq!(
            lines(&plan),
            [
                "mkdir /stage/usr",
                "bind /usr /stage/usr ro,nosuid,nodev",
                "mkdir /stage/usr",
                "mkdir /stage/usr/bin",
                "touch /stage/usr/bin/ls",
                "bind /opt/ls /stage/usr/bin/ls ro,nosuid,nodev",
            ]
        );
    }

    #[test]
    fn no_procfs_or_devpts_unless_asked() {
        let tmpfs = [PathBuf::from("/tmp"), PathBuf::from("/var/tmp")];
        let plan = MountPlan::new(
            Path::new("/s"),
            Root {
                tmpfs: &tmpfs,
                tmpfs_inodes: Some(7),
                ..Root::default()
            },
        )
        .unwrap();
        assert_eq!(
            lines(&plan),
            [
                "mkdir /s/tmp",
                "tmpfs /s/tmp mode=1777,nr_inodes=7",
                "mkdir /s/var",
                "mkdir /s/var/tmp",
                "tmpfs /s/var/tmp mode=1777,nr_inodes=7",
            ]
        );
        // pts alone: its directories, the devpts and the ptmx link, nothing else.
        let plan = MountPlan::new(
            Path::new("/s"),
            Root {
                pts: true,
                ..Root::default()
            },
        )
        .unwrap();
        assert_eq!(
            lines(&plan),
            [
                "mkdir /s/dev",
                "mkdir /s/dev/pts",
                "devpts /s/dev/pts",
                "symlink /s/dev/ptmx -> pts/ptmx",
            ]
        );
    }

    #[test]
    fn device_nodes_and_character_devices_keep_their_devices() {
        let mut node = bind("/dev/null", "/dev/null", false, false);
        node.device = true;
        let mut tty = bind("/dev/tty", "/dev/tty", false, true);
        tty.char_device = true;
        let plan = MountPlan::new(
            Path::new("/s"),
            Root {
                binds: vec![node],
                extra: vec![tty],
                ..Root::default()
            },
        )
        .unwrap();
        assert_eq!(
            lines(&plan),
            [
                "mkdir /s/dev",
                "touch /s/dev/null",
                "bind /dev/null /s/dev/null ro,nosuid,noexec",
                "touch /s/dev/tty",
                "bind /dev/tty /s/dev/tty nosuid",
            ]
        );
    }

    #[test]
    fn trees_cloned_ahead_stay_with_their_bind_steps() {
        let mut ahead = bind("/home/u/w", "/w", true, true);
        ahead.tree = Some(std::fs::File::open("/dev/null").unwrap().into());
        let plan = MountPlan::new(
            Path::new("/s"),
            Root {
                binds: vec![bind("/usr", "/usr", true, false)],
                extra: vec![ahead, bind("/srv", "/srv", true, false)],
                ..Root::default()
            },
        )
        .unwrap();
        let binds = plan
            .steps
            .iter()
            .filter(|s| matches!(s, MountStep::Bind { .. }))
            .count();
        assert_eq!(binds, plan.trees.len());
        let ahead: Vec<bool> = plan.trees.iter().map(Option::is_some).collect();
        assert_eq!(ahead, [false, true, false]);
    }

    #[test]
    fn a_path_with_a_nul_is_an_error_not_a_panic() {
        let links = [(PathBuf::from("/a\0b"), PathBuf::from("x"))];
        let err = MountPlan::new(
            Path::new("/s"),
            Root {
                symlinks: &links,
                ..Root::default()
            },
        );
        assert!(err.is_err());
    }

    #[test]
    fn tmpfs_mounts_bound_their_inodes_with_their_size() {
        assert_eq!(tmpfs_options(None, None), "mode=1777");
        assert_eq!(
            tmpfs_options(Some(1 << 20), Some(256)),
            "mode=1777,size=1048576,nr_inodes=256"
        );
        assert_eq!(tmpfs_options(None, Some(10)), "mode=1777,nr_inodes=10");
    }

    #[test]
    fn an_unlimited_hard_rlimit_keeps_the_inherited_one() {
        let res = libc::RLIMIT_CORE as ids::RlimitResource;
        let now = ids::getrlimit(res).unwrap();
        let inf = libc::RLIM_INFINITY;
        let lim = |l: libc::rlimit| (l.rlim_cur, l.rlim_max);
        assert_eq!(lim(keep_inherited_hard(res, 0, inf)), (0, now.rlim_max));
        assert_eq!(
            lim(keep_inherited_hard(res, inf, inf)),
            (now.rlim_max, now.rlim_max)
        );
        // A number is taken as written (lowering is always allowed; raising fails loudly).
        assert_eq!(lim(keep_inherited_hard(res, 5, 10)), (5, 10));
    }

    #[test]
    fn ids_map_to_the_parent_namespace() {
        let initial = "         0          0 4294967295\n";
        assert_eq!(outer_id(initial, 0), Some(0));
        assert_eq!(outer_id(initial, 1000), Some(1000));
        // A container: its root is host uid 100000.
        let container = "0 100000 65536\n";
        assert_eq!(outer_id(container, 0), Some(100_000));
        assert_eq!(outer_id(container, 70000), None);
        let two = "0 1000 1\n1 100000 65536\n";
        assert_eq!(outer_id(two, 0), Some(1000));
        assert_eq!(outer_id(two, 5), Some(100_004));
    }
}
