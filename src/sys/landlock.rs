//! Landlock: the ABI probe, adding a rule to a ruleset and enforcing it (rulesets are
//! built with the `landlock` crate; what runs inside the sandbox's init goes through
//! here, allocation-free).
//!
//! # References
//! landlock_create_ruleset(2), landlock_add_rule(2), landlock_restrict_self(2).

use nix::errno::Errno;

use super::check_long;

/// `LANDLOCK_CREATE_RULESET_VERSION`.
const CREATE_RULESET_VERSION: u32 = 1;

/// `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`: the running
/// Landlock ABI version (`EOPNOTSUPP`/`ENOSYS` when Landlock is off or missing).
pub fn abi_version() -> Result<libc::c_long, Errno> {
    // SAFETY: the documented probe: a null attribute pointer with size 0 reads nothing.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            CREATE_RULESET_VERSION,
        )
    })
}

/// `LANDLOCK_RULE_PATH_BENEATH`.
const RULE_PATH_BENEATH: libc::c_int = 1;

/// `struct landlock_path_beneath_attr` (packed: 12 bytes).
#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// `landlock_add_rule(ruleset, LANDLOCK_RULE_PATH_BENEATH, {access, parent})`: allow
/// `access` (`LANDLOCK_ACCESS_FS_*` bits) beneath the file or directory `parent`.
pub fn add_path_beneath(
    ruleset: std::os::fd::RawFd,
    parent: std::os::fd::RawFd,
    access: u64,
) -> Result<(), Errno> {
    let attr = PathBeneathAttr {
        allowed_access: access,
        parent_fd: parent,
    };
    // SAFETY: `attr` is a valid rule attribute the kernel only reads; flags must be 0.
    check_long(unsafe {
        libc::syscall(
            libc::SYS_landlock_add_rule,
            ruleset,
            RULE_PATH_BENEATH,
            &attr as *const PathBeneathAttr,
            0u32,
        )
    })
    .map(drop)
}

/// `landlock_restrict_self(ruleset, 0)`: enforce the ruleset on the calling thread (which
/// must have no_new_privs set, or `CAP_SYS_ADMIN` in its namespace).
pub fn restrict_self(ruleset: std::os::fd::RawFd) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check_long(unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) }).map(drop)
}

/// `LANDLOCK_ACCESS_FS_TRUNCATE` (ABI 3).
const ACCESS_FS_TRUNCATE: u64 = 1 << 14;

/// Open the file `fd` names again, with `flags` (no `O_TRUNC`), as a descriptor that
/// cannot be truncated, whoever holds it: Landlock decides `ftruncate` by the rights of
/// the domain that opened the file (ABI 3, Linux 6.2). A child forked for it restricts
/// itself to a domain that handles only `TRUNCATE` and grants it nowhere, opens
/// `/proc/self/fd/FD` (its copy of `fd`: the same file, with this process's
/// credentials), and sends the new descriptor back over a socket pair. The child makes
/// raw system calls over data built before the fork only.
pub fn reopen_untruncatable(
    fd: std::os::fd::RawFd,
    flags: libc::c_int,
) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}")).expect("digits");
    let (ours, theirs) = nix::sys::socket::socketpair(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::Stream,
        None,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
    )?;
    // SAFETY: the child below makes raw system calls only, then exits.
    let pid = unsafe { super::fork() }?;
    if pid == 0 {
        // SAFETY: raw system calls over `path` (built before the fork), integers and
        // stack buffers; the child exits at the end without returning.
        unsafe {
            libc::close(ours.as_raw_fd());
            let handled: u64 = ACCESS_FS_TRUNCATE;
            let mut errno: i32 = 0;
            let mut opened = -1;
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                errno = *libc::__errno_location();
            } else {
                let ruleset = libc::syscall(
                    libc::SYS_landlock_create_ruleset,
                    &handled as *const u64,
                    std::mem::size_of::<u64>(),
                    0u32,
                );
                if ruleset < 0
                    || libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) != 0
                {
                    errno = *libc::__errno_location();
                } else {
                    opened = libc::open(path.as_ptr(), flags | libc::O_CLOEXEC);
                    if opened < 0 {
                        errno = *libc::__errno_location();
                    }
                }
            }
            send_fd(theirs.as_raw_fd(), errno, opened);
            libc::_exit(0);
        }
    }
    drop(theirs);
    let got = recv_fd(ours.as_raw_fd());
    let mut status = 0;
    // SAFETY: waiting for the child forked above, into a valid integer.
    while unsafe { libc::waitpid(pid, &mut status, 0) } == -1 && Errno::last() == Errno::EINTR {}
    let raw = got?;
    // SAFETY: recvmsg installed a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// Space for one descriptor's control message, aligned for `cmsghdr`.
#[repr(C, align(8))]
struct CmsgBuf([u8; 32]);

/// Send `errno` (4 bytes) and, when `errno` is 0, the descriptor `fd` (`SCM_RIGHTS`).
///
/// # Safety
///
/// `sock` is a connected socket; raw system calls over stack data only.
unsafe fn send_fd(sock: libc::c_int, errno: i32, fd: libc::c_int) {
    let mut data = errno.to_ne_bytes();
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    let mut buf = CmsgBuf([0; 32]);
    // SAFETY: a zeroed msghdr is valid; the pointers set below outlive sendmsg, and the
    // control buffer has room for CMSG_SPACE(4) bytes (≤ 24 on every ABI).
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if errno == 0 {
            msg.msg_control = buf.0.as_mut_ptr().cast();
            msg.msg_controllen = libc::CMSG_SPACE(4) as _;
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(4) as _;
            std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<libc::c_int>(), fd);
        }
        libc::sendmsg(sock, &msg, 0);
    }
}

/// Receive what [`send_fd`] sent: the descriptor, or the child's errno.
fn recv_fd(sock: libc::c_int) -> Result<libc::c_int, Errno> {
    let mut data = [0u8; 4];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    let mut buf = CmsgBuf([0; 32]);
    // SAFETY: as in send_fd; recvmsg writes at most msg_controllen bytes into `buf` and
    // at most 4 into `data`; CMSG_FIRSTHDR answers null when no control message came.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = buf.0.as_mut_ptr().cast();
        msg.msg_controllen = buf.0.len() as _;
        let n = libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC);
        if n < 0 {
            return Err(Errno::last());
        }
        if n != 4 {
            return Err(Errno::EIO);
        }
        let errno = i32::from_ne_bytes(data);
        if errno != 0 {
            return Err(Errno::from_raw(errno));
        }
        let c = libc::CMSG_FIRSTHDR(&msg);
        if c.is_null() || (*c).cmsg_type != libc::SCM_RIGHTS {
            return Err(Errno::EIO);
        }
        Ok(std::ptr::read_unaligned(
            libc::CMSG_DATA(c).cast::<libc::c_int>(),
        ))
    }
}
