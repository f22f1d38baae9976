//! The mount family: mount, umount2, pivot_root, open_tree, move_mount, mount_setattr,
//! and a detached procfs (fsopen, fsconfig, fsmount).
//!
//! Allocation-free: paths, filesystem types and mount data are prebuilt `&CStr`s.
//!
//! # References
//! mount(2), umount2(2), pivot_root(2), open_tree(2), move_mount(2), mount_setattr(2).

use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use super::{check, check_long};

/// `open_tree` flag (linux/mount.h): clone the tree into a detached mount.
pub const OPEN_TREE_CLONE: libc::c_uint = 1;
/// `open_tree` flag (linux/mount.h): the whole subtree, not just the top mount.
pub const AT_RECURSIVE: libc::c_uint = 0x8000;
/// `move_mount` flag (linux/mount.h): the source is the descriptor itself.
pub const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x4;
/// `mount_setattr` attribute (linux/mount.h): read-only.
pub const MOUNT_ATTR_RDONLY: u64 = 0x1;
/// `mount_setattr` attribute: set-user-ID and set-group-ID bits and file capabilities
/// are ignored.
pub const MOUNT_ATTR_NOSUID: u64 = 0x2;
/// `mount_setattr` attribute: device files cannot be opened.
pub const MOUNT_ATTR_NODEV: u64 = 0x4;
/// `mount_setattr` attribute: nothing can be executed.
pub const MOUNT_ATTR_NOEXEC: u64 = 0x8;
/// `mount_setattr` attribute (Linux 5.12): the mount maps file owners through a user
/// namespace (`userns_fd`).
pub const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;
/// `open_tree` flag (`AT_EMPTY_PATH`): the tree of the descriptor itself.
pub const OPEN_TREE_EMPTY_PATH: libc::c_uint = libc::AT_EMPTY_PATH as libc::c_uint;

/// `MS_PRIVATE` as `struct mount_attr`'s `propagation` takes it.
const PROPAGATION_PRIVATE: u64 = 0x4_0000;

/// `struct mount_attr` (linux/mount.h, `MOUNT_ATTR_SIZE_VER0`).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// The pointer of an optional C string, null for `None`.
fn ptr_or_null(s: Option<&CStr>) -> *const libc::c_char {
    s.map_or(std::ptr::null(), CStr::as_ptr)
}

/// `mount(source, target, fstype, flags, data)`; `None` passes a null pointer.
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    // SAFETY: every pointer is null or a NUL-terminated string that outlives the call
    // (null is accepted where the kernel ignores the argument, e.g. for remounts and
    // propagation changes); `data` is a NUL-terminated option string the kernel copies.
    check(unsafe {
        libc::mount(
            ptr_or_null(source),
            target.as_ptr(),
            ptr_or_null(fstype),
            flags,
            ptr_or_null(data).cast(),
        )
    })
    .map(drop)
}

/// `umount2(target, flags)`.
pub fn umount2(target: &CStr, flags: libc::c_int) -> Result<(), Errno> {
    // SAFETY: `target` is NUL-terminated and outlives the call.
    check(unsafe { libc::umount2(target.as_ptr(), flags) }).map(drop)
}

/// `pivot_root(new_root, put_old)`.
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<(), Errno> {
    // SAFETY: both strings are NUL-terminated and outlive the call.
    check_long(unsafe { libc::syscall(libc::SYS_pivot_root, new_root.as_ptr(), put_old.as_ptr()) })
        .map(drop)
}

/// `open_tree(dirfd, path, flags)`: a descriptor for the mount tree at `path` (with
/// [`OPEN_TREE_CLONE`], a detached copy of it).
pub fn open_tree(dirfd: RawFd, path: &CStr, flags: libc::c_uint) -> Result<OwnedFd, Errno> {
    // SAFETY: `path` is NUL-terminated and outlives the call; the other arguments are
    // integers.
    let fd =
        check_long(unsafe { libc::syscall(libc::SYS_open_tree, dirfd, path.as_ptr(), flags) })?;
    // SAFETY: open_tree returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `move_mount(from, from_path, to_dirfd, to_path, flags)`: attach the mount `from`
/// (with [`MOVE_MOUNT_F_EMPTY_PATH`] and an empty `from_path`, the descriptor itself) at
/// `to_path`.
pub fn move_mount(
    from: BorrowedFd<'_>,
    from_path: &CStr,
    to_dirfd: RawFd,
    to_path: &CStr,
    flags: libc::c_uint,
) -> Result<(), Errno> {
    // SAFETY: `from` is an open descriptor borrowed for the call; both strings are
    // NUL-terminated and outlive it.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            from.as_raw_fd(),
            from_path.as_ptr(),
            to_dirfd,
            to_path.as_ptr(),
            flags,
        )
    })
    .map(drop)
}

/// `mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, {attr_set})`: add the
/// `MOUNT_ATTR_*` flags in `attr_set` to the mount `tree` and to every mount beneath it
/// (a bind's submounts too). Nothing is cleared, so flags a user namespace locked stay.
pub fn set_attr_recursive(tree: BorrowedFd<'_>, attr_set: u64) -> Result<(), Errno> {
    set_attr(tree, attr_set, 0, 0)
}

/// [`set_attr_recursive`] with [`MOUNT_ATTR_IDMAP`] added, and every mount of the
/// detached `tree` made private (a clone of a shared mount would otherwise stay a peer of
/// the original: what is mounted beneath it would show on the host): owners are mapped
/// through the user namespace `userns` (an id `u` on disk is seen as what `u` stands for
/// in it). Needs `CAP_SYS_ADMIN` in the file system's user namespace and a file system
/// that supports idmapped mounts (`EINVAL` otherwise).
pub fn set_attr_idmapped(
    tree: BorrowedFd<'_>,
    attr_set: u64,
    userns: BorrowedFd<'_>,
) -> Result<(), Errno> {
    set_attr(
        tree,
        attr_set | MOUNT_ATTR_IDMAP,
        PROPAGATION_PRIVATE,
        userns.as_raw_fd() as u64,
    )
}

fn set_attr(
    tree: BorrowedFd<'_>,
    attr_set: u64,
    propagation: u64,
    userns_fd: u64,
) -> Result<(), Errno> {
    let attr = MountAttr {
        attr_set,
        attr_clr: 0,
        propagation,
        userns_fd,
    };
    // SAFETY: `tree` is an open descriptor borrowed for the call, the path is an empty
    // NUL-terminated string, and `attr` is a valid `struct mount_attr` of the size passed,
    // which the kernel only reads.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH as libc::c_uint | AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })
    .map(drop)
}

/// `fsopen("proc")`, `FSCONFIG_CMD_CREATE`, `fsmount`: a procfs of the calling process's
/// PID namespace as a detached mount (attached nowhere; gone with its descriptor).
/// Needs `CAP_SYS_ADMIN` over the mount namespace.
pub fn detached_procfs() -> Result<OwnedFd, Errno> {
    const FSOPEN_CLOEXEC: libc::c_uint = 1;
    const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
    const FSMOUNT_CLOEXEC: libc::c_uint = 1;
    // SAFETY: a static NUL-terminated name and integer flags.
    let fs =
        check_long(unsafe { libc::syscall(libc::SYS_fsopen, c"proc".as_ptr(), FSOPEN_CLOEXEC) })?;
    // SAFETY: fsopen returned a new descriptor nobody else owns.
    let fs = unsafe { OwnedFd::from_raw_fd(fs as RawFd) };
    // SAFETY: FSCONFIG_CMD_CREATE takes no key, value or aux.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.as_raw_fd(),
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<libc::c_char>(),
            std::ptr::null::<libc::c_void>(),
            0,
        )
    })?;
    // SAFETY: integer arguments.
    let mnt = check_long(unsafe {
        libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), FSMOUNT_CLOEXEC, 0)
    })?;
    // SAFETY: fsmount returned a new descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(mnt as RawFd) })
}

/// Write `value` to the calling process's PID namespace's `pid_max`, through a detached
/// procfs of that namespace (nothing is mounted anywhere).
pub fn set_pid_max(value: &CStr) -> Result<(), Errno> {
    let proc = detached_procfs()?;
    let f = super::fs::openat(
        proc.as_raw_fd(),
        c"sys/kernel/pid_max",
        libc::O_WRONLY | libc::O_CLOEXEC,
    )?;
    super::fs::write_whole(f.as_raw_fd(), value.to_bytes())
}
