//! `namespaces`: unshare, uid/gid maps, hostname, the new root (tmpfs, read-only binds,
//! symlinks, `pivot_root`, old root detached, root read-only) and rlimits.
//!
//! [`NamespacePlan::new`] computes everything (C strings, flags, maps) ahead;
//! [`NamespacePlan::enter`] only issues raw system calls in order (it allocates only to
//! describe an error). It must run in a single-threaded process (`unshare(CLONE_NEWUSER)`
//! requires it).

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::policy::{Namespace, Policy};

/// A failed step of [`NamespacePlan::enter`] or of the plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NamespaceError {
    /// User namespaces cannot be created here.
    #[error("user namespaces are not available ({reason}; policy `{policy}` needs them; try --policy unprivileged)")]
    UserNsUnavailable {
        /// Why (a sysctl or the errno of `unshare`).
        reason: String,
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
}

fn sys_err(step: &'static str, path: &CStr) -> NamespaceError {
    NamespaceError::Sys {
        step,
        path: path.to_string_lossy().into_owned(),
        source: std::io::Error::last_os_error(),
    }
}

fn cstr(p: &Path) -> Result<CString, NamespaceError> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| NamespaceError::Nul(p.to_path_buf()))
}

/// The `RLIMIT_*` resource for a policy name.
pub fn rlimit_resource(name: &str) -> Option<libc::__rlimit_resource_t> {
    Some(match name {
        "as" => libc::RLIMIT_AS,
        "core" => libc::RLIMIT_CORE,
        "cpu" => libc::RLIMIT_CPU,
        "data" => libc::RLIMIT_DATA,
        "fsize" => libc::RLIMIT_FSIZE,
        "locks" => libc::RLIMIT_LOCKS,
        "memlock" => libc::RLIMIT_MEMLOCK,
        "msgqueue" => libc::RLIMIT_MSGQUEUE,
        "nice" => libc::RLIMIT_NICE,
        "nofile" => libc::RLIMIT_NOFILE,
        "nproc" => libc::RLIMIT_NPROC,
        "rss" => libc::RLIMIT_RSS,
        "rtprio" => libc::RLIMIT_RTPRIO,
        "rttime" => libc::RLIMIT_RTTIME,
        "sigpending" => libc::RLIMIT_SIGPENDING,
        "stack" => libc::RLIMIT_STACK,
        _ => return None,
    })
}

/// The ids the program runs as inside the user namespace. A caller that is not root maps
/// its own ids to them (one id each). Root first drops its supplementary groups and, when
/// an identity is given, switches to it on the host (`setresgid`/`setresuid`), then maps it
/// to itself; the default for root is 0 → 0. setgroups is denied in every case.
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
    /// Root: drop the supplementary groups before unsharing (setgroups is denied after).
    drop_groups: bool,
    /// Root with another identity: switch to these ids before unsharing.
    switch_to: Option<Identity>,
}

#[derive(Debug)]
enum MountStep {
    Mkdir(CString),
    Touch(CString),
    Bind {
        source: CString,
        target: CString,
        remount: libc::c_ulong,
    },
    Tmpfs(CString),
    Symlink {
        target: CString,
        link: CString,
    },
}

/// `open_tree` flags (linux/mount.h).
const OPEN_TREE_CLONE: libc::c_uint = 1;
const AT_RECURSIVE: libc::c_uint = 0x8000;
/// `move_mount` flag: the source is the descriptor itself.
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;

/// The new root: every path computed ahead.
#[derive(Debug)]
pub struct MountPlan {
    staging: CString,
    steps: Vec<MountStep>,
}

/// A bind whose source was found (opened `O_PATH` by the caller).
#[derive(Debug, Clone)]
pub struct ResolvedBind {
    /// Host path.
    pub source: PathBuf,
    /// Path inside the new root.
    pub target: PathBuf,
    /// The source is a directory.
    pub is_dir: bool,
    /// `MS_NOSUID | MS_NODEV | MS_NOEXEC | atime` flags the source mount already has
    /// (a remount inside a user namespace must keep them).
    pub locked_flags: libc::c_ulong,
    /// A device node of `root.devices`: bound writable and without `MS_NODEV`.
    pub device: bool,
    /// Bound writable (no `MS_RDONLY`): an [`ExtraBind`](super::ExtraBind) asked for it.
    pub writable: bool,
    /// The source is a character device: bound without `MS_NODEV` (an
    /// [`ExtraBind`](super::ExtraBind) of `/dev/tty`, say).
    pub char_device: bool,
}

impl ResolvedBind {
    /// The flags of the remount that follows the bind.
    fn remount_flags(&self) -> libc::c_ulong {
        let base = libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NOSUID | self.locked_flags;
        if self.device {
            return base | libc::MS_NOEXEC;
        }
        let mut f = base;
        if !self.writable {
            f |= libc::MS_RDONLY;
        }
        if !self.char_device {
            f |= libc::MS_NODEV;
        }
        f
    }
}

/// The mount flags of `statvfs(path)` that a read-only remount must keep.
pub fn locked_flags(path: &Path) -> std::io::Result<libc::c_ulong> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: statvfs writes into a zeroed struct we own; `c` is a valid C string.
    let st = unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        st
    };
    let mut f = 0;
    for (st_flag, ms_flag) in [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ] {
        if st.f_flag & st_flag != 0 {
            f |= ms_flag;
        }
    }
    Ok(f)
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

/// Steps binding `b`: its parents, its mount point, the bind and the remount.
fn bind_steps(
    staging: &Path,
    b: &ResolvedBind,
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
    steps.push(MountStep::Bind {
        source: cstr(&b.source)?,
        target: cstr(&target)?,
        remount: b.remount_flags(),
    });
    Ok(())
}

impl MountPlan {
    /// Plan a root built on a tmpfs mounted at `staging` (an existing host directory, only
    /// covered inside the new mount namespace; `/tmp` by default). In order: the policy's
    /// `binds`, fresh writable `tmpfs` mounts (mode 1777, `MS_NOSUID | MS_NODEV`), the
    /// caller's `extra` binds (so that they may sit beneath a tmpfs), then `symlinks`.
    /// Missing parent directories of every target are created in the root's tmpfs.
    pub fn new(
        staging: &Path,
        binds: &[ResolvedBind],
        tmpfs: &[PathBuf],
        extra: &[ResolvedBind],
        symlinks: &[(PathBuf, PathBuf)],
    ) -> Result<MountPlan, NamespaceError> {
        let mut steps = Vec::new();
        let mut made: Vec<PathBuf> = Vec::new();
        for b in binds {
            bind_steps(staging, b, &mut made, &mut steps)?;
        }
        for t in tmpfs {
            mkdirs(staging, t, &mut made, &mut steps)?;
            steps.push(MountStep::Tmpfs(cstr(&inside(staging, t))?));
        }
        for b in extra {
            bind_steps(staging, b, &mut made, &mut steps)?;
        }
        for (link, target) in symlinks {
            if let Some(parent) = link.parent() {
                mkdirs(staging, parent, &mut made, &mut steps)?;
            }
            steps.push(MountStep::Symlink {
                target: cstr(target)?,
                link: cstr(&inside(staging, link))?,
            });
        }
        Ok(MountPlan {
            staging: cstr(staging)?,
            steps,
        })
    }

    fn enter(&self) -> Result<(), NamespaceError> {
        let root = c"/";
        let dot = c".";
        let tmpfs = c"tmpfs";
        // SAFETY: raw mount-family calls with valid C strings owned by
        // the plan or literals; null pointers where the kernel accepts them.
        unsafe {
            if libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) != 0
            {
                return Err(sys_err("make / private", root));
            }
        }
        // Every bind source is cloned (a detached copy of its mount tree) before the
        // tmpfs covers `staging`: a source beneath `staging` (the host's /tmp) stays
        // reachable. The clones are attached below with move_mount.
        let mut trees: Vec<std::os::fd::OwnedFd> = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            if let MountStep::Bind { source, .. } = step {
                // SAFETY: open_tree with a valid C string and flags; the result is checked
                // before being owned.
                let fd = unsafe {
                    libc::syscall(
                        libc::SYS_open_tree,
                        libc::AT_FDCWD,
                        source.as_ptr(),
                        OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint | AT_RECURSIVE,
                    )
                };
                if fd < 0 {
                    return Err(sys_err("bind", source));
                }
                // SAFETY: a fresh descriptor owned by nobody else.
                trees.push(unsafe {
                    <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32)
                });
            }
        }
        let mut trees = trees.into_iter();
        // SAFETY: mount with valid C strings owned by the plan or literals.
        unsafe {
            if libc::mount(
                tmpfs.as_ptr(),
                self.staging.as_ptr(),
                tmpfs.as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                c"mode=0755,size=1m".as_ptr().cast(),
            ) != 0
            {
                return Err(sys_err("mount tmpfs on", &self.staging));
            }
        }
        for step in &self.steps {
            match step {
                MountStep::Mkdir(p) => {
                    // SAFETY: valid C string.
                    if unsafe { libc::mkdir(p.as_ptr(), 0o755) } != 0
                        && std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST)
                    {
                        return Err(sys_err("mkdir", p));
                    }
                }
                MountStep::Touch(p) => {
                    // SAFETY: valid C string; the descriptor is closed right away.
                    let fd = unsafe {
                        libc::open(
                            p.as_ptr(),
                            libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
                            0o644,
                        )
                    };
                    if fd < 0 {
                        return Err(sys_err("create mount point", p));
                    }
                    // SAFETY: fd was opened just above.
                    unsafe { libc::close(fd) };
                }
                MountStep::Bind {
                    source,
                    target,
                    remount,
                } => {
                    let tree = trees.next().ok_or_else(|| sys_err("bind", source))?;
                    // SAFETY: move_mount of a descriptor we own onto a valid C string;
                    // mount with valid C strings and null fstype/data as remounts allow.
                    unsafe {
                        if libc::syscall(
                            libc::SYS_move_mount,
                            std::os::fd::AsRawFd::as_raw_fd(&tree),
                            c"".as_ptr(),
                            libc::AT_FDCWD,
                            target.as_ptr(),
                            MOVE_MOUNT_F_EMPTY_PATH,
                        ) != 0
                        {
                            return Err(sys_err("bind", source));
                        }
                        if libc::mount(
                            std::ptr::null(),
                            target.as_ptr(),
                            std::ptr::null(),
                            *remount,
                            std::ptr::null(),
                        ) != 0
                        {
                            return Err(sys_err("remount bind", target));
                        }
                    }
                }
                MountStep::Tmpfs(target) => {
                    // SAFETY: valid C strings (plan-owned or literals).
                    if unsafe {
                        libc::mount(
                            tmpfs.as_ptr(),
                            target.as_ptr(),
                            tmpfs.as_ptr(),
                            libc::MS_NOSUID | libc::MS_NODEV,
                            c"mode=1777".as_ptr().cast(),
                        )
                    } != 0
                    {
                        return Err(sys_err("mount tmpfs on", target));
                    }
                }
                MountStep::Symlink { target, link } => {
                    // SAFETY: valid C strings.
                    if unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) } != 0 {
                        return Err(sys_err("symlink", link));
                    }
                }
            }
        }
        // SAFETY: raw calls with valid C strings. pivot_root(".", ".") stacks the old root
        // on the new one; detaching "." then removes it.
        unsafe {
            if libc::chdir(self.staging.as_ptr()) != 0 {
                return Err(sys_err("chdir", &self.staging));
            }
            if libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) != 0 {
                return Err(sys_err("pivot_root", &self.staging));
            }
            if libc::umount2(dot.as_ptr(), libc::MNT_DETACH) != 0 {
                return Err(sys_err("detach the old root", dot));
            }
            if libc::chdir(root.as_ptr()) != 0 {
                return Err(sys_err("chdir", root));
            }
            if libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND
                    | libc::MS_REMOUNT
                    | libc::MS_RDONLY
                    | libc::MS_NOSUID
                    | libc::MS_NODEV,
                std::ptr::null(),
            ) != 0
            {
                return Err(sys_err("remount / read-only", root));
            }
        }
        Ok(())
    }
}

/// Everything `enter` needs, computed ahead.
#[derive(Debug)]
pub struct NamespacePlan {
    flags: libc::c_int,
    user: Option<UserMaps>,
    hostname: Option<CString>,
    mount: Option<MountPlan>,
    rlimits: Vec<(libc::__rlimit_resource_t, libc::rlimit)>,
    policy: String,
}

/// Why user namespaces are known to be unavailable to this caller, if they are.
pub fn userns_blocked() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return None;
    }
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
    };
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return Some("kernel.unprivileged_userns_clone is 0".into());
    }
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return Some("user.max_user_namespaces is 0".into());
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        return Some("kernel.apparmor_restrict_unprivileged_userns is 1".into());
    }
    None
}

impl NamespacePlan {
    /// Plan the namespaces of `policy`: `run_as` chooses the ids inside (see [`Identity`]),
    /// `mount` is the prepared root (required when the policy has a mount namespace).
    pub fn new(
        policy: &Policy,
        run_as: Option<Identity>,
        mount: Option<MountPlan>,
    ) -> Result<NamespacePlan, NamespaceError> {
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
            // SAFETY: getters without preconditions.
            let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
            let (uid_map, gid_map, switch_to) = match (euid, run_as) {
                // Root becomes the requested ids before unsharing, then maps them to
                // themselves like any user.
                (0, Some(id)) => (
                    format!("{0} {0} 1\n", id.uid),
                    format!("{0} {0} 1\n", id.gid),
                    Some(id),
                ),
                (_, id) => {
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
                drop_groups: euid == 0,
                switch_to,
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
        let mut rlimits = Vec::new();
        for (name, (soft, hard)) in &policy.rlimits {
            if let Some(res) = rlimit_resource(name) {
                rlimits.push((
                    res,
                    libc::rlimit {
                        rlim_cur: *soft,
                        rlim_max: *hard,
                    },
                ));
            }
        }
        Ok(NamespacePlan {
            flags,
            user,
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

    /// A PID namespace was asked for: after [`enter`](Self::enter) the *next* child is
    /// PID 1 of it, so the launcher must fork (and supervise) instead of exec in place.
    pub fn needs_fork(&self) -> bool {
        self.flags & libc::CLONE_NEWPID != 0
    }

    /// Enter: unshare, maps, hostname, mounts, rlimits. Single-threaded callers only.
    pub fn enter(&self) -> Result<(), NamespaceError> {
        if let Some(u) = &self.user {
            // SAFETY: id-changing calls with integer arguments / an empty list.
            unsafe {
                if u.drop_groups && libc::setgroups(0, std::ptr::null()) != 0 {
                    return Err(sys_err("setgroups", c""));
                }
                if let Some(id) = u.switch_to {
                    if libc::setresgid(id.gid, id.gid, id.gid) != 0 {
                        return Err(sys_err("setresgid", c""));
                    }
                    if libc::setresuid(id.uid, id.uid, id.uid) != 0 {
                        return Err(sys_err("setresuid", c""));
                    }
                    // Changing ids cleared the dumpable flag, which makes /proc/self/*
                    // root-owned; the maps below must be writable by us.
                    if libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 {
                        return Err(sys_err("prctl(PR_SET_DUMPABLE)", c""));
                    }
                }
            }
        }
        if self.flags != 0 {
            // SAFETY: unshare with flags only.
            if unsafe { libc::unshare(self.flags) } != 0 {
                let e = std::io::Error::last_os_error();
                if self.user.is_some()
                    && matches!(
                        e.raw_os_error(),
                        Some(libc::EPERM | libc::ENOSPC | libc::EUSERS)
                    )
                {
                    return Err(NamespaceError::UserNsUnavailable {
                        reason: format!("unshare: {e}"),
                        policy: self.policy.clone(),
                    });
                }
                return Err(NamespaceError::Sys {
                    step: "unshare",
                    path: String::new(),
                    source: e,
                });
            }
        }
        if let Some(u) = &self.user {
            // Unprivileged rules: setgroups denied, then one id each mapped.
            write_file(c"/proc/self/setgroups", b"deny")?;
            write_file(c"/proc/self/uid_map", u.uid_map.as_bytes())?;
            write_file(c"/proc/self/gid_map", u.gid_map.as_bytes())?;
        }
        if let Some(h) = &self.hostname {
            // SAFETY: pointer and length of a C string we own.
            if unsafe { libc::sethostname(h.as_ptr(), h.as_bytes().len()) } != 0 {
                return Err(sys_err("sethostname", h));
            }
        }
        if let Some(m) = &self.mount {
            m.enter()?;
        }
        for (res, lim) in &self.rlimits {
            // SAFETY: a valid rlimit struct.
            if unsafe { libc::setrlimit(*res, lim) } != 0 {
                return Err(sys_err("setrlimit", c""));
            }
        }
        Ok(())
    }
}

fn write_file(path: &CStr, data: &[u8]) -> Result<(), NamespaceError> {
    // SAFETY: valid C string; the buffer outlives the write; fd closed before returning.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(sys_err("open", path));
        }
        let n = libc::write(fd, data.as_ptr().cast(), data.len());
        let err = (n < 0 || n as usize != data.len()).then(|| sys_err("write", path));
        libc::close(fd);
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
