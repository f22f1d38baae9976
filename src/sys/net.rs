//! Network interfaces: bringing the loopback interface up in a new network namespace.
//!
//! Allocation-free.
//!
//! # References
//! netdevice(7).

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

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
