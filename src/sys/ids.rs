//! User and group ids, namespaces, hostname and resource limits.
//!
//! Integer arguments or prebuilt data only: allocation-free.
//!
//! # References
//! geteuid(2), getegid(2), setgroups(2), user_namespaces(7) (`/proc/PID/setgroups`), setresuid(2), setresgid(2), prctl(2)
//! (`PR_SET_DUMPABLE`), unshare(2), sethostname(2), getrlimit(2), setrlimit(2).

use std::ffi::CStr;

use nix::errno::Errno;

use super::check;

/// `geteuid()`: the effective user id.
pub fn geteuid() -> libc::uid_t {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::geteuid() }
}

/// `getegid()`: the effective group id.
pub fn getegid() -> libc::gid_t {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::getegid() }
}

/// `setgroups(0, NULL)`: drop every supplementary group.
pub fn clear_groups() -> Result<(), Errno> {
    // SAFETY: a zero-length list; the kernel reads nothing through the null pointer.
    check(unsafe { libc::setgroups(0, std::ptr::null()) }).map(drop)
}

/// Whether this process may call `setgroups`: not in a user namespace whose
/// `/proc/self/setgroups` says `deny` (rootless containers, `unshare -Ur`), where the
/// supplementary groups are fixed for good. True where the file is missing (before
/// Linux 3.19, or no procfs): `setgroups` then answers for itself.
pub fn setgroups_allowed() -> bool {
    let mut buf = [0u8; 16];
    match super::fs::open(c"/proc/self/setgroups", libc::O_RDONLY | libc::O_CLOEXEC, 0) {
        // SAFETY: reading into a valid stack buffer of its length.
        Ok(fd) => match unsafe {
            libc::read(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        } {
            n if n > 0 => !buf[..n as usize].starts_with(b"deny"),
            _ => true,
        },
        Err(_) => true,
    }
}

/// `setresgid(gid, gid, gid)`: the real, effective and saved group ids.
pub fn setresgid(rgid: libc::gid_t, egid: libc::gid_t, sgid: libc::gid_t) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::setresgid(rgid, egid, sgid) }).map(drop)
}

/// `setresuid(uid, uid, uid)`: the real, effective and saved user ids.
pub fn setresuid(ruid: libc::uid_t, euid: libc::uid_t, suid: libc::uid_t) -> Result<(), Errno> {
    // SAFETY: integer arguments only.
    check(unsafe { libc::setresuid(ruid, euid, suid) }).map(drop)
}

/// `prctl(PR_SET_DUMPABLE, on)`: whether `/proc/self/*` stays owned by the process's ids.
pub fn set_dumpable(on: bool) -> Result<(), Errno> {
    // SAFETY: prctl with integer arguments only.
    check(unsafe { libc::prctl(libc::PR_SET_DUMPABLE, libc::c_ulong::from(on), 0, 0, 0) }).map(drop)
}

/// `unshare(flags)`: leave the namespaces named by the `CLONE_NEW*` flags.
pub fn unshare(flags: libc::c_int) -> Result<(), Errno> {
    // SAFETY: integer flags only (the caller is single-threaded, as CLONE_NEWUSER needs).
    check(unsafe { libc::unshare(flags) }).map(drop)
}

/// `sethostname(name)` (without the trailing NUL).
pub fn sethostname(name: &CStr) -> Result<(), Errno> {
    let bytes = name.to_bytes();
    // SAFETY: pointer and length of a byte string that outlives the call; the kernel
    // only reads it.
    check(unsafe { libc::sethostname(bytes.as_ptr().cast(), bytes.len()) }).map(drop)
}

/// The type of an `RLIMIT_*` resource number (glibc and musl differ).
#[cfg(target_env = "gnu")]
pub type RlimitResource = libc::__rlimit_resource_t;
/// The type of an `RLIMIT_*` resource number (glibc and musl differ).
#[cfg(not(target_env = "gnu"))]
pub type RlimitResource = libc::c_int;

/// `getrlimit(resource)`: the soft and hard limit.
pub fn getrlimit(resource: RlimitResource) -> Result<libc::rlimit, Errno> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit.
    check(unsafe { libc::getrlimit(resource, &mut lim) })?;
    Ok(lim)
}

/// `setrlimit(resource, limit)`.
pub fn setrlimit(resource: RlimitResource, limit: &libc::rlimit) -> Result<(), Errno> {
    // SAFETY: `limit` is a valid rlimit the kernel only reads.
    check(unsafe { libc::setrlimit(resource, limit) }).map(drop)
}

/// A new user namespace whose ids map as `uid_map` and `gid_map` say (the text of
/// `/proc/PID/uid_map` and `gid_map`), as a descriptor of it (for `MOUNT_ATTR_IDMAP`):
/// a child forked for it enters the namespace and waits while this process writes its
/// maps and opens `/proc/PID/ns/user`, then exits and is reaped. The caller needs
/// `CAP_SETUID` and `CAP_SETGID` over the ids it maps (root). The child makes raw
/// system calls only.
pub fn mapped_user_namespace(
    uid_map: &[u8],
    gid_map: &[u8],
) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::{AsRawFd, OwnedFd};
    let (ready_read, ready_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: the child below makes raw system calls only, then exits.
    let pid = unsafe { super::fork() }?;
    if pid == 0 {
        // SAFETY: raw system calls on integers and stack buffers; the descriptors are
        // this child's copies. It closes the ends it does not use (else its wait would
        // never end), enters the namespace, says whether it did, and waits for the
        // parent to close its end.
        unsafe {
            libc::close(ready_read.as_raw_fd());
            libc::close(go_write.as_raw_fd());
            let ok: u8 = u8::from(libc::unshare(libc::CLONE_NEWUSER) == 0);
            libc::write(ready_write.as_raw_fd(), (&ok as *const u8).cast(), 1);
            let mut byte = 0u8;
            libc::read(go_read.as_raw_fd(), (&mut byte as *mut u8).cast(), 1);
            libc::_exit(0);
        }
    }
    drop((ready_write, go_read));
    let result = (|| -> Result<OwnedFd, Errno> {
        let mut ok = [0u8; 1];
        let n = nix::unistd::read(&ready_read, &mut ok)?;
        if n != 1 || ok[0] != 1 {
            return Err(Errno::EPERM);
        }
        for (name, map) in [("uid_map", uid_map), ("gid_map", gid_map)] {
            let path =
                std::ffi::CString::new(format!("/proc/{pid}/{name}")).expect("no NUL in a number");
            let fd = super::fs::open(&path, libc::O_WRONLY | libc::O_CLOEXEC, 0)?;
            super::fs::write_whole(fd.as_raw_fd(), map)?;
        }
        let path =
            std::ffi::CString::new(format!("/proc/{pid}/ns/user")).expect("no NUL in a number");
        super::fs::open(&path, libc::O_RDONLY | libc::O_CLOEXEC, 0)
    })();
    drop(go_write);
    let mut status = 0;
    // SAFETY: waiting for the child forked above, into a valid integer.
    while unsafe { libc::waitpid(pid, &mut status, 0) } == -1 && Errno::last() == Errno::EINTR {}
    result
}

/// A helper forked before `unshare(CLONE_NEWUSER)` that writes the new namespace's
/// `setgroups`, `uid_map` and `gid_map` from outside it (see [`MapWriter::spawn`]).
#[derive(Debug)]
pub struct MapWriter {
    pid: libc::pid_t,
    go: Option<std::os::fd::OwnedFd>,
    done: std::os::fd::OwnedFd,
}

impl MapWriter {
    /// Fork the helper: it stays in this process's user namespace (where it has the
    /// capabilities to map any ids: root) and waits until [`write`](Self::write) says that
    /// this process has entered its new one, then writes each `(file, text)` of `files`
    /// in order (`/proc/PID/setgroups`, `uid_map`, `gid_map` of this process, built by
    /// the caller before the fork). The child makes raw system calls over them only.
    pub fn spawn(files: &[(&CStr, &[u8])]) -> Result<MapWriter, Errno> {
        use std::os::fd::AsRawFd;
        let (go_read, go_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let (done_read, done_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        // SAFETY: the child below makes raw system calls only, then exits.
        let pid = unsafe { super::fork() }?;
        if pid == 0 {
            // SAFETY: raw system calls over `files` (built before the fork), integers and
            // stack buffers; the child exits at the end without returning.
            unsafe {
                libc::close(go_write.as_raw_fd());
                libc::close(done_read.as_raw_fd());
                let mut byte = 0u8;
                let mut errno: i32 = 0;
                if libc::read(go_read.as_raw_fd(), (&mut byte as *mut u8).cast(), 1) != 1 {
                    // The caller gave up (its unshare failed): nothing to write.
                    libc::_exit(0);
                }
                for (file, text) in files {
                    let fd = libc::open(file.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                    if fd < 0
                        || libc::write(fd, text.as_ptr().cast(), text.len()) != text.len() as isize
                    {
                        errno = *libc::__errno_location();
                        break;
                    }
                    libc::close(fd);
                }
                let bytes = errno.to_ne_bytes();
                libc::write(done_write.as_raw_fd(), bytes.as_ptr().cast(), bytes.len());
                libc::_exit(0);
            }
        }
        drop((go_read, done_write));
        Ok(MapWriter {
            pid,
            go: Some(go_write),
            done: done_read,
        })
    }

    /// Let the helper write (this process has unshared), and wait for it: the errno of
    /// the first write that failed, if any.
    pub fn write(mut self) -> Result<(), Errno> {
        let go = self.go.take().expect("written once");
        nix::unistd::write(&go, &[1])?;
        drop(go);
        let mut bytes = [0u8; 4];
        let n = nix::unistd::read(&self.done, &mut bytes)?;
        if n != 4 {
            return Err(Errno::EIO);
        }
        match i32::from_ne_bytes(bytes) {
            0 => Ok(()),
            e => Err(Errno::from_raw(e)),
        }
    }
}

impl Drop for MapWriter {
    /// Reap the helper (told to give up first, when [`write`](MapWriter::write) was never
    /// called).
    fn drop(&mut self) {
        drop(self.go.take());
        let mut status = 0;
        // SAFETY: waiting for the child forked by `spawn`, into a valid integer.
        while unsafe { libc::waitpid(self.pid, &mut status, 0) } == -1
            && Errno::last() == Errno::EINTR
        {}
    }
}
