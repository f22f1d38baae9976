//! `idmap`: a sandbox started by root without `--uid` does not hold the host's root
//! file ownership (issue 23 §3).
//!
//! Root inside such a sandbox owned every root-owned file of the host: any host
//! descriptor that reached it (one received over a granted socket, say) let it change
//! the metadata of what lies beneath (Landlock does not mediate chmod, chown, utime or
//! xattrs). So, in [`super::prepare`], while caprun is still root on the host:
//!
//! 1. the sandbox's user namespace is made ahead, mapping 0 to [`launch_id`], an
//!    unprivileged host id of this launch that no host process or file has (a child
//!    that shares caprun's memory holds it while caprun writes its maps from outside:
//!    `sys::ids::mapped_user_namespace`);
//! 2. every tree the sandbox is given — the caller's binds (`--rw`, `--ro`, `!exec`
//!    paths), the descriptor grants rooted in clones of their mounts, and the policy's
//!    binds — is cloned from its descriptor (`open_tree`), made private (a clone of a
//!    shared mount would stay its peer: what is mounted beneath it inside would show on
//!    the host), given its mount flags and id-mapped through that namespace
//!    (`mount_setattr(MOUNT_ATTR_IDMAP)`, which needs `CAP_SYS_ADMIN` over the file
//!    system: root on the host);
//!
//! then [`super::namespaces::NamespacePlan::unshare`] enters that namespace (`setns`)
//! rather than creating one, and unshares the others in it: caprun itself stays the
//! host's root (unmapped inside: as a supervisor it still removes what a failed launch
//! created), the process that becomes the sandbox switches to root inside (the id)
//! first, and the trees are attached as they are (`move_mount`). One namespace serves
//! both, so no process is forked for either.
//!
//! Through the grants and binds root inside is root: it reads and changes root's files
//! and what it creates there belongs to root on disk (the mapping turns the id back into
//! 0). Anywhere else (a descriptor from outside) it has the rights of the id only.
//!
//! A caller grant on a file system that cannot be id-mapped (by kernel version: ext4,
//! xfs 5.12, btrfs 5.15, overlayfs 5.19, tmpfs 6.3; never NFS or ramfs) leaves the
//! sandbox the host's root, with a warning ([`fallback_note`]): as `--uid 0 --gid 0`,
//! which asks for it knowingly and silences the warning. Device nodes are never
//! id-mapped, and a policy bind that cannot be is bound as it is (read-only; its files
//! show as owned by nobody).

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;

use super::namespaces::{ResolvedBind, RootInside, RootedFd};
use crate::sys::{ids, mount};

/// The first host id (user and group) root inside a root caller's sandbox may stand
/// for: `HOST_IDS + (caprun's pid mod 65536)`, an id of this launch only, above the
/// ranges that distributions, systemd (dynamic users, nspawn's picks: below
/// 0x70000000) and container runtimes hand out, so that no host process runs as it (a
/// host process with the sandbox's id could signal or trace it) and no file belongs to
/// it (through its grants the sandbox writes as root; nothing else it may write
/// outlives it).
pub const HOST_IDS: u32 = 0x7ffe_0000;

/// The host id of a launch by process `pid` (see [`HOST_IDS`]).
pub fn launch_id(pid: u32) -> u32 {
    HOST_IDS + (pid & 0xffff)
}

/// Whether `id` is one [`launch_id`] hands out.
pub fn is_launch_id(id: u32) -> bool {
    (HOST_IDS..=HOST_IDS + 0xffff).contains(&id)
}

/// Whether a sandbox gets the mapping: caprun is the host's root (`euid` 0 in the
/// initial user namespace: `host_root`), no `--uid`/`--gid` was given (`explicit`), and
/// the policy has a user and a mount namespace to map and bind in. `Some(id)` of the
/// launch ([`launch_id`]) if so.
pub fn host_id(euid: u32, explicit: bool, host_root: bool, user_and_mount: bool) -> Option<u32> {
    (euid == 0 && !explicit && host_root && user_and_mount).then(|| launch_id(std::process::id()))
}

/// Whether this process runs in the initial user namespace (its uid map is the identity
/// over every id); an unreadable map counts as not.
pub fn in_initial_user_namespace() -> bool {
    std::fs::read_to_string("/proc/self/uid_map").is_ok_and(|map| {
        let f: Vec<&str> = map.split_whitespace().collect();
        f == ["0", "0", "4294967295"]
    })
}

/// The sandbox's user namespace, made ahead: 0 maps to the host id.
struct Mapper {
    userns: OwnedFd,
}

impl Mapper {
    fn new(id: u32) -> Result<Mapper, Errno> {
        let map = format!("0 {id} 1\n");
        let userns = ids::mapped_user_namespace(map.as_bytes(), map.as_bytes())?;
        Ok(Mapper { userns })
    }

    /// A detached, private clone of the mount tree of `fd` (the file itself: no path is
    /// looked up again), `attr` set on every mount of it, owners mapped.
    fn clone_tree(&self, fd: RawFd, attr: u64) -> Result<OwnedFd, Errno> {
        let tree = mount::open_tree(
            fd,
            c"",
            mount::OPEN_TREE_CLONE
                | libc::O_CLOEXEC as libc::c_uint
                | mount::AT_RECURSIVE
                | mount::OPEN_TREE_EMPTY_PATH,
        )?;
        mount::set_attr_idmapped(tree.as_fd(), attr, self.userns.as_fd())?;
        Ok(tree)
    }
}

/// Why a caller's grant could not be id-mapped.
#[derive(Debug)]
pub struct Unmapped {
    /// The grant's host path; `None`: the user namespace could not be made.
    pub path: Option<std::path::PathBuf>,
    /// The error (`EINVAL`: the file system does not support idmapped mounts).
    pub errno: Errno,
}

/// Clone and id-map ahead (see the module documentation) every tree of `binds` (the
/// policy's: best effort), `extra` (the caller's) and `rooted` (descriptor grants), for
/// root inside to stand for `id`. All the caller's or none: on the first that fails,
/// nothing is kept and the error names it (the sandbox then runs as root; see
/// [`fallback_note`]). On success, the user namespace the trees are mapped through,
/// which the sandbox enters as its own ([`RootInside`]).
pub fn map_trees(
    id: u32,
    binds: &mut [ResolvedBind],
    extra: &mut [ResolvedBind],
    rooted: &mut [RootedFd],
) -> Result<RootInside, Unmapped> {
    let helper = |errno| Unmapped { path: None, errno };
    let mapper = Mapper::new(id).map_err(helper)?;
    let mut extra_trees = Vec::with_capacity(extra.len());
    for b in extra.iter() {
        // A device node (a terminal, `/dev/tty`) holds no files the sandbox could create
        // or own: it is bound as it is, as the policy's devices are, without a try (most
        // live on a file system that cannot be id-mapped, devtmpfs or devpts, and each
        // clone that is tried and dropped costs the launch an RCU grace period).
        let tree = if is_device(b) {
            None
        } else {
            Some(
                mapper
                    .clone_tree(b.fd.as_raw_fd(), b.attr_set())
                    .map_err(|errno| Unmapped {
                        path: Some(b.source.clone()),
                        errno,
                    })?,
            )
        };
        extra_trees.push(tree);
    }
    let mut rooted_trees = Vec::with_capacity(rooted.len());
    for r in rooted.iter() {
        let tree = mapper
            .clone_tree(r.fd, r.attr())
            .map_err(|errno| Unmapped {
                path: Some(Path::new(OsStr::from_bytes(r.path.as_bytes())).to_path_buf()),
                errno,
            })?;
        rooted_trees.push(tree);
    }
    for (b, tree) in extra.iter_mut().zip(extra_trees) {
        b.tree = tree;
    }
    for (r, tree) in rooted.iter_mut().zip(rooted_trees) {
        r.tree = Some(tree);
    }
    // The policy's binds are read-only: one that cannot be id-mapped is cloned in the
    // new mount namespace as it is, and so are its device nodes (as above).
    for b in binds.iter_mut().filter(|b| !is_device(b)) {
        b.tree = mapper.clone_tree(b.fd.as_raw_fd(), b.attr_set()).ok();
    }
    lend_stdio_pipes(id);
    Ok(RootInside {
        id,
        userns: mapper.userns,
    })
}

/// A bind of a device node: never id-mapped (see [`map_trees`]).
fn is_device(b: &ResolvedBind) -> bool {
    b.device || b.char_device
}

/// `/proc/self/fd/N` (`/dev/stdout`, `/dev/stderr`, `/dev/stdin`) opens the pipe again,
/// which its mode (0600) lets only its owner do: caprun's standard descriptors that are
/// anonymous pipes of root's (or of an earlier launch's id) are given to `id`. Nothing
/// else reaches an anonymous pipe by name, so this changes nothing for anyone else; a
/// terminal is left as it is (see caprun(1)). Best effort: a pipe left as it is only
/// keeps `/dev/stdout` from opening.
fn lend_stdio_pipes(id: u32) {
    const PIPEFS_MAGIC: i64 = 0x5049_5045;
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    for fd in [stdin.as_fd(), stdout.as_fd(), stderr.as_fd()] {
        let (Ok(st), Ok(fs)) = (nix::sys::stat::fstat(fd), nix::sys::statfs::fstatfs(fd)) else {
            continue;
        };
        // The magic's type differs between the C libraries (glibc: i64, musl: u64).
        #[allow(clippy::unnecessary_cast)]
        let magic = fs.filesystem_type().0 as i64;
        let pipe = st.st_mode & libc::S_IFMT == libc::S_IFIFO && magic == PIPEFS_MAGIC;
        if pipe && (st.st_uid == 0 || is_launch_id(st.st_uid)) {
            let _ = nix::unistd::fchown(fd, Some(id.into()), Some(id.into()));
        }
    }
}

/// The warning of a launch that keeps root's file ownership because `e` could not be
/// id-mapped.
pub fn fallback_note(e: &Unmapped) -> String {
    let what = match (&e.path, e.errno) {
        (Some(path), Errno::EINVAL) => format!(
            "cannot id-map {} (its file system cannot be id-mapped on this kernel)",
            path.display()
        ),
        (Some(path), errno) => format!(
            "cannot id-map {} ({})",
            path.display(),
            std::io::Error::from(errno)
        ),
        (None, errno) => format!(
            "cannot create the user namespace that id-maps the sandbox's trees ({})",
            std::io::Error::from(errno)
        ),
    };
    format!(
        "{what}: the sandbox holds the host's root file ownership, which a host descriptor it receives lends it (caprun(1), DESCRIPTORS AND THE HOST); --uid 0 --gid 0 asks for that without this warning, --uid N --gid N runs it as another user"
    )
}

#[cfg(test)]
mod tests {
    use super::{host_id, is_launch_id, launch_id};

    #[test]
    fn the_fallback_warning_names_the_grant_or_the_helper_and_the_ways_out() {
        use super::{fallback_note, Unmapped};
        use nix::errno::Errno;
        let note = fallback_note(&Unmapped {
            path: Some("/srv/nfs".into()),
            errno: Errno::EINVAL,
        });
        assert!(
            note.starts_with(
                "cannot id-map /srv/nfs (its file system cannot be id-mapped on this kernel): "
            ) && note.contains("--uid 0 --gid 0")
                && note.contains("--uid N --gid N"),
            "{note}"
        );
        let note = fallback_note(&Unmapped {
            path: None,
            errno: Errno::ENOSPC,
        });
        assert!(
            note.starts_with("cannot create the user namespace"),
            "{note}"
        );
    }

    #[test]
    fn only_the_hosts_root_without_an_identity_is_mapped() {
        let id = host_id(0, false, true, true).expect("mapped");
        assert_eq!(id, launch_id(std::process::id()));
        assert!(is_launch_id(id) && id >= 0x7000_0000, "{id}");
        assert!(!is_launch_id(0) && !is_launch_id(65534) && !is_launch_id(0x7fff_0000));
        // --uid/--gid given (--uid 0 --gid 0 included): as asked.
        assert_eq!(host_id(0, true, true, true), None);
        // Root in a container's user namespace: no CAP_SYS_ADMIN over the host's file
        // systems to id-map them.
        assert_eq!(host_id(0, false, false, true), None);
        // Another user: its own ids.
        assert_eq!(host_id(1000, false, true, true), None);
        // No user or mount namespace (unprivileged, none): nothing to map or bind.
        assert_eq!(host_id(0, false, true, false), None);
    }
}
