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

/// A `sockaddr_un` for `addr`: a path, or an abstract name when it starts with `@`
/// (the `@` standing for the leading NUL byte, as systemd writes `NOTIFY_SOCKET`). Its
/// length as the kernel takes it; `ENAMETOOLONG` when it does not fit.
fn unix_addr(addr: &[u8]) -> Result<(libc::sockaddr_un, libc::socklen_t), Errno> {
    // SAFETY: sockaddr_un is plain data; all zeroes is a valid value.
    let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let (bytes, abstract_) = match addr.strip_prefix(b"@") {
        Some(name) => (name, true),
        None => (addr, false),
    };
    // An abstract name starts after a NUL; a path needs room for its closing NUL.
    let start = usize::from(abstract_);
    if bytes.is_empty() || start + bytes.len() + usize::from(!abstract_) > sun.sun_path.len() {
        return Err(Errno::ENAMETOOLONG);
    }
    for (i, &b) in bytes.iter().enumerate() {
        sun.sun_path[start + i] = b as libc::c_char;
    }
    let base = std::mem::size_of::<libc::sa_family_t>();
    let len = base + start + bytes.len() + usize::from(!abstract_);
    Ok((sun, len as libc::socklen_t))
}

/// A close-on-exec `AF_UNIX` datagram socket.
pub fn unix_dgram() -> Result<OwnedFd, Errno> {
    // SAFETY: plain integers; the result is checked.
    let fd =
        check(unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: socket returned a new descriptor that nothing else owns.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
}

/// Connect the datagram socket `fd` to `addr` (a path, or `@abstract`): later sends go
/// there, whatever namespaces the process enters afterwards.
pub fn connect_unix(fd: RawFd, addr: &[u8]) -> Result<(), Errno> {
    let (sun, len) = unix_addr(addr)?;
    // SAFETY: `sun` is a valid sockaddr_un of at least `len` bytes.
    check(unsafe { libc::connect(fd, (&sun as *const libc::sockaddr_un).cast(), len) }).map(drop)
}

/// Bind `fd` to `addr` (a path, or `@abstract`). Stack data only.
pub fn bind_unix(fd: RawFd, addr: &[u8]) -> Result<(), Errno> {
    let (sun, len) = unix_addr(addr)?;
    // SAFETY: `sun` is a valid sockaddr_un of at least `len` bytes.
    check(unsafe { libc::bind(fd, (&sun as *const libc::sockaddr_un).cast(), len) }).map(drop)
}

/// Receive one datagram into `buf`, without taking any descriptor that came with it
/// (the kernel closes those): its length, and whether it was cut to fit. Non-blocking.
pub fn recv_datagram(fd: RawFd, buf: &mut [u8]) -> Result<(usize, bool), Errno> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; all zeroes is a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    loop {
        // SAFETY: `msg` points to `iov`, which points into `buf`, both alive for the call;
        // no control buffer is given, so descriptors sent along are discarded.
        let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC) };
        match n {
            -1 if Errno::last() == Errno::EINTR => continue,
            -1 => return Err(Errno::last()),
            n => return Ok((n as usize, msg.msg_flags & libc::MSG_TRUNC != 0)),
        }
    }
}

/// Send `buf` as one datagram (or one `SOCK_SEQPACKET` record) on the connected socket
/// `fd` (`MSG_NOSIGNAL`).
pub fn send_datagram(fd: RawFd, buf: &[u8]) -> Result<(), Errno> {
    loop {
        // SAFETY: `buf` is valid for reads of its length.
        let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        match n {
            -1 if Errno::last() == Errno::EINTR => continue,
            -1 => return Err(Errno::last()),
            _ => return Ok(()),
        }
    }
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
