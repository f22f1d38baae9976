//! `idmap`: a sandbox started by root without `--uid` does not hold the host's root
//! file ownership (issue 23 §3).
//!
//! Root inside such a sandbox owns every root-owned file of the host: any host
//! descriptor that reaches it (one received over a granted socket, say) lets it change
//! the metadata of what lies beneath (Landlock does not mediate chmod, chown, utime or
//! xattrs). So, before anything is entered, while caprun is still root on the host:
//!
//! 1. a helper user namespace maps 0 to [`HOST_ID`], an unprivileged host id;
//! 2. every tree the sandbox is given — the caller's binds (`--rw`, `--ro`, `!dir`
//!    paths), the descriptor grants rooted in clones of their mounts, and the policy's
//!    binds — is cloned (`open_tree`), made private, given its mount flags and
//!    id-mapped through that namespace (`mount_setattr(MOUNT_ATTR_IDMAP)`, which needs
//!    `CAP_SYS_ADMIN` over the file system: root on the host);
//! 3. caprun becomes [`HOST_ID`] on the host and maps root inside to it (`0 HOST_ID 1`);
//! 4. in the new mount namespace the trees are attached as they are (`move_mount`).
//!
//! Through the grants, root inside still owns what root owns on the host, and files it
//! creates there belong to root on disk (the mapping turns the sandbox's id back into
//! 0); anywhere else (a descriptor from outside) it has the rights of [`HOST_ID`] only.
//!
//! A caller grant on a file system that cannot be id-mapped (by kernel version: ext4,
//! xfs 5.12, btrfs 5.15, overlayfs 5.19, tmpfs 6.3; never on NFS or procfs) leaves the
//! sandbox as the host's root, with a warning ([`fallback_note`]): as `--uid 0 --gid 0`,
//! which asks for it knowingly and silences the warning. A policy bind that cannot be
//! id-mapped is bound as it is (read-only; its files show as owned by nobody).

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;

use super::namespaces::{ResolvedBind, RootedFd};
use crate::sys::{ids, mount};

/// The host id (user and group) root inside a root caller's sandbox stands for: the
/// conventional `nobody`/`nogroup` (65534), which owns no file.
pub const HOST_ID: u32 = 65534;

/// Whether a sandbox gets the mapping: caprun is the host's root (`euid` 0 in the
/// initial user namespace: `host_root`), no `--uid`/`--gid` was given (`explicit`), and
/// the policy has a user and a mount namespace to map and bind in. `Some(HOST_ID)` if so.
pub fn host_id(euid: u32, explicit: bool, host_root: bool, user_and_mount: bool) -> Option<u32> {
    (euid == 0 && !explicit && host_root && user_and_mount).then_some(HOST_ID)
}

/// Whether this process runs in the initial user namespace (its uid map is the identity
/// over every id); an unreadable map counts as not.
pub fn in_initial_user_namespace() -> bool {
    std::fs::read_to_string("/proc/self/uid_map").is_ok_and(|map| {
        let f: Vec<&str> = map.split_whitespace().collect();
        f == ["0", "0", "4294967295"]
    })
}

/// The helper user namespace: 0 maps to the host id.
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
    /// The grant's host path.
    pub path: std::path::PathBuf,
    /// The error (`EINVAL`: the file system does not support idmapped mounts).
    pub errno: Errno,
}

/// Clone and id-map ahead (see the module documentation) every tree of `binds` (the
/// policy's: best effort), `extra` (the caller's) and `rooted` (descriptor grants), for
/// root inside to stand for `id`. All the caller's or none: on the first that fails,
/// nothing is kept and the error names it (the sandbox then runs as root; see
/// [`fallback_note`]).
pub fn map_trees(
    id: u32,
    binds: &mut [ResolvedBind],
    extra: &mut [ResolvedBind],
    rooted: &mut [RootedFd],
) -> Result<(), Unmapped> {
    let helper = |errno| Unmapped {
        path: "a user namespace for the mapping".into(),
        errno,
    };
    let mapper = Mapper::new(id).map_err(helper)?;
    let mut extra_trees = Vec::with_capacity(extra.len());
    for b in extra.iter() {
        let tree = mapper
            .clone_tree(b.fd.as_raw_fd(), b.attr_set())
            .map_err(|errno| Unmapped {
                path: b.source.clone(),
                errno,
            })?;
        extra_trees.push(tree);
    }
    let mut rooted_trees = Vec::with_capacity(rooted.len());
    for r in rooted.iter() {
        let tree = mapper
            .clone_tree(r.fd, r.attr())
            .map_err(|errno| Unmapped {
                path: Path::new(OsStr::from_bytes(r.path.as_bytes())).to_path_buf(),
                errno,
            })?;
        rooted_trees.push(tree);
    }
    for (b, tree) in extra.iter_mut().zip(extra_trees) {
        b.tree = Some(tree);
    }
    for (r, tree) in rooted.iter_mut().zip(rooted_trees) {
        r.tree = Some(tree);
    }
    // The policy's binds are read-only: one that cannot be id-mapped is cloned in the
    // new mount namespace as it is.
    for b in binds.iter_mut() {
        b.tree = mapper.clone_tree(b.fd.as_raw_fd(), b.attr_set()).ok();
    }
    Ok(())
}

/// The warning of a launch that keeps root's file ownership because `e` could not be
/// id-mapped.
pub fn fallback_note(e: &Unmapped) -> String {
    let why = match e.errno {
        Errno::EINVAL => "its file system cannot be id-mapped on this kernel".to_owned(),
        errno => std::io::Error::from(errno).to_string(),
    };
    format!(
        "cannot id-map {} ({why}): the sandbox holds the host's root file ownership, which a host descriptor it receives lends it (caprun(1), DESCRIPTORS AND THE HOST); --uid 0 --gid 0 asks for that without this warning, --uid N --gid N runs it as another user",
        e.path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::{host_id, HOST_ID};

    #[test]
    fn only_the_hosts_root_without_an_identity_is_mapped() {
        assert_eq!(host_id(0, false, true, true), Some(HOST_ID));
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
