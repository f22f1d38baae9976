//! `old-kernel [--landlock-abi N] [--no-pid-max] [--fail CALL=ERRNO]... -- PROGRAM
//! [ARGS...]`: run PROGRAM as if
//! on an older kernel, for testing caprun's behaviour there on this one.
//!
//! - `--landlock-abi N`: a kernel tells its Landlock ABI through `landlock_create_ruleset(
//!   NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`. PROGRAM runs under a seccomp filter that
//!   sends exactly that call (and no other) to a listener kept here, which answers N;
//!   every other system call, `landlock_create_ruleset` with real attributes included,
//!   goes to the kernel. A program that asks for the ABI and then only uses what that ABI
//!   has therefore behaves as on a kernel of that ABI (a ruleset without the newer rights
//!   and scopes). N = 0 answers `EOPNOTSUPP`, as a kernel built with Landlock but booted
//!   without it in the LSM list does. Landlock ABIs by Linux version: 1 = 5.13,
//!   2 = 5.19, 3 = 6.2, 4 = 6.7, 5 = 6.10, 6 = 6.12, 7 = 6.15. N = 8 or 9 claims a kernel
//!   newer than this one (and than caprun was tested against): a program that believes
//!   it and asks for the newer rights gets `EINVAL` from the real kernel.
//! - `--no-pid-max`: before Linux 6.14 a PID namespace has no `pid_max` of its own, and
//!   writing it from inside fails with `EPERM`. The filter makes `fsopen` (how caprun
//!   reaches that file) fail with `EPERM` instead, which caprun sees the same way.
//! - `--fail CALL=ERRNO` (repeatable): CALL fails with errno number ERRNO. CALL is
//!   `unshare` (28, `ENOSPC`: a namespace limit reached, for the failure paths of a
//!   launch), `close_range` (38, `ENOSYS`: before Linux 5.9) or `pidfd_getfd` (38,
//!   `ENOSYS`: before Linux 5.6).
//!
//! The filter is inherited by everything PROGRAM starts; this process answers until
//! PROGRAM exits, then exits with its status (128 + N for a signal). Test tool only: the
//! project's policy is that caprun itself never has a switch for this.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

const SYS_LANDLOCK_CREATE_RULESET: u32 = 444;
const SYS_FSOPEN: u32 = 430;
const SYS_UNSHARE: u32 = 272;
const SYS_CLOSE_RANGE: u32 = 436;
const SYS_PIDFD_GETFD: u32 = 438;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SECCOMP_SET_MODE_FILTER: libc::c_uint = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: libc::c_uint = 1 << 3;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_USER_NOTIF: u32 = 0x7fc0_0000;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
// struct seccomp_data: nr at 0, arch at 4, args at 16 (8 bytes each, low half first).
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARG2_LO: u32 = 16 + 2 * 8;

fn die(what: &str) -> ! {
    eprintln!("old-kernel: {what}: {}", std::io::Error::last_os_error());
    std::process::exit(125)
}

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jeq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// The filter: with `abi`, the version query of `landlock_create_ruleset` → the
/// listener; with `no_pid_max`, `fsopen` → `EPERM`; the rest allowed (a foreign
/// architecture is killed: nothing here expects one).
fn program(abi: bool, no_pid_max: bool, fail: &[(u32, u32)]) -> Vec<libc::sock_filter> {
    let ld = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    let ret = (libc::BPF_RET | libc::BPF_K) as u16;
    let mut prog = vec![
        stmt(ld, OFF_ARCH),
        jeq(AUDIT_ARCH_X86_64, 1, 0),
        stmt(ret, SECCOMP_RET_KILL_PROCESS),
        stmt(ld, OFF_NR),
    ];
    if no_pid_max {
        prog.push(jeq(SYS_FSOPEN, 0, 1));
        prog.push(stmt(ret, SECCOMP_RET_ERRNO | libc::EPERM as u32));
    }
    for &(nr, errno) in fail {
        prog.push(jeq(nr, 0, 1));
        prog.push(stmt(ret, SECCOMP_RET_ERRNO | errno));
    }
    if abi {
        prog.extend([
            jeq(SYS_LANDLOCK_CREATE_RULESET, 0, 3),
            stmt(ld, OFF_ARG2_LO),
            jeq(LANDLOCK_CREATE_RULESET_VERSION, 0, 1),
            stmt(ret, SECCOMP_RET_USER_NOTIF),
        ]);
    }
    prog.push(stmt(ret, SECCOMP_RET_ALLOW));
    prog
}

/// Install the filter; with `listener`, return its listener's descriptor (else -1: a
/// program that needs a listener of its own, as caprun's `--learn` does, can have one
/// only when no filter above it has).
fn install(prog: &mut [libc::sock_filter], listener: bool) -> libc::c_int {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: PR_SET_NO_NEW_PRIVS takes integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        die("prctl(PR_SET_NO_NEW_PRIVS)");
    }
    // SAFETY: `fprog` points to `prog.len()` valid instructions, alive for the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER,
            if listener {
                SECCOMP_FILTER_FLAG_NEW_LISTENER
            } else {
                0
            },
            &fprog as *const libc::sock_fprog,
        )
    };
    if fd < 0 {
        die("seccomp(SECCOMP_SET_MODE_FILTER)");
    }
    if listener {
        fd as libc::c_int
    } else {
        -1
    }
}

/// Answer notifications on `listener` until `child` exits; return its wait status.
fn serve(listener: libc::c_int, child: libc::pid_t, abi: i64) -> libc::c_int {
    loop {
        let mut status = 0;
        // SAFETY: plain waitpid on our child with a valid status pointer.
        match unsafe { libc::waitpid(child, &mut status, libc::WNOHANG) } {
            0 => {}
            pid if pid == child => return status,
            _ => die("waitpid"),
        }
        let mut pfd = libc::pollfd {
            fd: listener,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; the timeout lets waitpid above see the exit.
        let n = unsafe { libc::poll(&mut pfd, 1, 50) };
        if n <= 0 || pfd.revents & libc::POLLIN == 0 {
            if pfd.revents & libc::POLLHUP != 0 {
                // Every process using the filter is gone: only the wait is left.
                // SAFETY: as above, blocking.
                if unsafe { libc::waitpid(child, &mut status, 0) } == child {
                    return status;
                }
                die("waitpid");
            }
            continue;
        }
        // SAFETY: seccomp_notif is plain data; zeroed as SECCOMP_IOCTL_NOTIF_RECV requires.
        let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: `req` is a valid, zeroed seccomp_notif for the kernel to fill.
        if unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut req) } != 0 {
            continue; // The caller died meanwhile (ENOENT), or an interruption.
        }
        // SAFETY: seccomp_notif_resp is plain data.
        let mut resp: libc::seccomp_notif_resp = unsafe { std::mem::zeroed() };
        resp.id = req.id;
        if abi > 0 {
            resp.val = abi;
        } else {
            resp.error = -libc::EOPNOTSUPP;
        }
        // SAFETY: `resp` is a valid response for the notification just received.
        unsafe { libc::ioctl(listener, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut resp) };
    }
}

/// Send descriptor `fd` over the socket `sock`.
fn send_fd(sock: libc::c_int, fd: libc::c_int) {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: msghdr is plain data; the fields set below point to live buffers.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: the control buffer holds one cmsg of CMSG_SPACE(sizeof(int)) bytes.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>(), fd);
    }
    // SAFETY: `msg` is fully initialised above.
    if unsafe { libc::sendmsg(sock, &msg, 0) } != 1 {
        die("sendmsg");
    }
}

/// Receive one descriptor from the socket `sock`.
fn recv_fd(sock: libc::c_int) -> libc::c_int {
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: msghdr is plain data; the fields set below point to live buffers.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: `msg` points to live buffers of the sizes given.
    if unsafe { libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC) } != 1 {
        die("recvmsg");
    }
    // SAFETY: the kernel filled the control buffer; CMSG_FIRSTHDR checks its length.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null() || (*cmsg).cmsg_type != libc::SCM_RIGHTS {
            eprintln!("old-kernel: no descriptor received");
            std::process::exit(125);
        }
        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>())
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: old-kernel [--landlock-abi N] [--no-pid-max] [--fail unshare|close_range|pidfd_getfd=ERRNO]... -- PROGRAM [ARGS...]   (N = 0..9; 0: Landlock disabled; 8, 9: newer than this kernel)"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut abi: Option<i64> = None;
    let mut no_pid_max = false;
    let mut fail: Vec<(u32, u32)> = Vec::new();
    let mut i = 0;
    loop {
        match args.get(i).map(|a| a.as_bytes()) {
            Some(b"--landlock-abi") => {
                abi = match args.get(i + 1).and_then(|a| a.to_str()?.parse().ok()) {
                    Some(n) if (0..=9).contains(&n) => Some(n),
                    _ => usage(),
                };
                i += 2;
            }
            Some(b"--no-pid-max") => {
                no_pid_max = true;
                i += 1;
            }
            Some(b"--fail") => {
                let spec = args.get(i + 1).and_then(|a| a.to_str()?.split_once('='));
                let nr = match spec.map(|(call, _)| call) {
                    Some("unshare") => SYS_UNSHARE,
                    Some("close_range") => SYS_CLOSE_RANGE,
                    Some("pidfd_getfd") => SYS_PIDFD_GETFD,
                    _ => usage(),
                };
                match spec.and_then(|(_, n)| n.parse::<u32>().ok()) {
                    Some(n) if n < 4096 => fail.push((nr, n)),
                    _ => usage(),
                }
                i += 2;
            }
            Some(b"--") if args.len() > i + 1 => break,
            _ => usage(),
        }
    }
    let argv: Vec<CString> = args[i + 1..]
        .iter()
        .map(|a| CString::new(a.clone().into_vec()).unwrap_or_else(|_| usage()))
        .collect();
    let mut socks = [0; 2];
    // SAFETY: `socks` has room for the two descriptors.
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            socks.as_mut_ptr(),
        )
    } != 0
    {
        die("socketpair");
    }
    // SAFETY: this program is single-threaded; the child only makes system calls and
    // execs (or exits).
    let child = unsafe { libc::fork() };
    if child < 0 {
        die("fork");
    }
    if child == 0 {
        let mut prog = program(abi.is_some(), no_pid_max, &fail);
        let listener = install(&mut prog, abi.is_some());
        if listener >= 0 {
            send_fd(socks[1], listener);
        }
        // SAFETY: closing our own copies before exec.
        unsafe {
            libc::close(listener);
            libc::close(socks[0]);
            libc::close(socks[1]);
        }
        let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        // SAFETY: a NULL-terminated argv of live CStrings; the environment is ours.
        unsafe { libc::execvp(ptrs[0], ptrs.as_ptr()) };
        die(&format!("exec {}", argv[0].to_string_lossy()));
    }
    // SAFETY: the child's end is not ours to keep.
    unsafe { libc::close(socks[1]) };
    let status = match abi {
        Some(abi) => serve(recv_fd(socks[0]), child, abi),
        None => {
            let mut status = 0;
            // SAFETY: waiting for our own child with a valid out-parameter.
            while unsafe { libc::waitpid(child, &mut status, 0) } == -1 {}
            status
        }
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    std::process::exit(code)
}
