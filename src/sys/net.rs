//! Network interfaces: bringing the loopback interface up in a new network namespace;
//! moving bytes between sockets without copying them (`splice`, the egress proxy).
//!
//! Allocation-free.
//!
//! # References
//! netdevice(7).

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use super::check;

/// Bring the interface `lo` up (`SIOCGIFFLAGS`, then `SIOCSIFFLAGS` with `IFF_UP`): a new
/// network namespace has it, down. Needs `CAP_NET_ADMIN` in the namespace's owner.
pub fn loopback_up() -> Result<(), Errno> {
    // SAFETY: plain integer arguments.
    let raw =
        check(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: a new descriptor nobody else owns; closed on drop.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: a zeroed ifreq is valid; the name is copied in below.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    let fd: RawFd = std::os::fd::AsRawFd::as_raw_fd(&sock);
    // SAFETY: `req` is a valid ifreq for the kernel to read the name from and fill.
    check(unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS as _, &mut req) })?;
    // SAFETY: the flags member of the union was just filled by SIOCGIFFLAGS.
    unsafe { req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
    // SAFETY: as above; the kernel only reads it.
    check(unsafe { libc::ioctl(fd, libc::SIOCSIFFLAGS as _, &req) }).map(drop)
}

/// `pipe2(O_CLOEXEC)`: the read end and the write end.
pub fn pipe() -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1; 2];
    // SAFETY: `fds` is a valid array of two ints.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 returned two new descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `splice(from, NULL, to, NULL, len, SPLICE_F_MOVE)`, restarted on `EINTR`: moves up to
/// `len` bytes from `from` to `to` inside the kernel (one of them must be a pipe); the
/// number moved, 0 at the end of `from`. Blocking as the descriptors are (a socket's
/// receive and send timeouts apply).
pub fn splice(from: BorrowedFd<'_>, to: BorrowedFd<'_>, len: usize) -> Result<usize, Errno> {
    loop {
        // SAFETY: null offsets (both are streams); plain integer arguments otherwise.
        let n = unsafe {
            libc::splice(
                from.as_raw_fd(),
                std::ptr::null_mut(),
                to.as_raw_fd(),
                std::ptr::null_mut(),
                len,
                libc::SPLICE_F_MOVE,
            )
        };
        match n {
            -1 if Errno::last() == Errno::EINTR => continue,
            -1 => return Err(Errno::last()),
            n => return Ok(n as usize),
        }
    }
}
