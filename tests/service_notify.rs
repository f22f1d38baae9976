//! systemd's readiness protocol through the sandbox (`exec::ServiceNotify`): with
//! `NOTIFY_SOCKET` set and a PID namespace, the program's notifications reach the
//! manager's socket from caprun's own pid (systemd's default `NotifyAccess=main` accepts
//! nothing else), without `MAINPID=` and without descriptors. A fake manager here: a
//! datagram socket in a scratch directory with `SO_PASSCRED`.

#[macro_use]
mod common;

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// The program: sends `READY=1`, `STATUS=…`, `MAINPID=2` in one datagram, then a
/// descriptor-store message with a descriptor, then `WATCHDOG=1`, to `NOTIFY_SOCKET`.
const NOTIFY: &str = r#"
import os, socket
a = os.environ["NOTIFY_SOCKET"]
a = "\0" + a[1:] if a[0] == "@" else a
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1\nSTATUS=serving\nMAINPID=2", a)
s.sendmsg([b"FDSTORE=1\nFDNAME=db"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(4))], 0, a)
s.sendto(b"WATCHDOG=1\nWATCHDOG_USEC=" + os.environ.get("WATCHDOG_USEC", "none").encode(), a)
"#;

/// One datagram from `sock`, with the sender's pid and the number of descriptors that
/// came with it.
fn receive(sock: &UnixDatagram) -> (String, i32, usize) {
    let mut buf = [0u8; 4096];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control = [0u64; 16];
    // SAFETY: plain data.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: `msg` points to live buffers of the given sizes.
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, 0) };
    assert!(n >= 0, "recvmsg: {}", std::io::Error::last_os_error());
    let (mut pid, mut fds) = (0, 0);
    // SAFETY: walking the control messages the kernel wrote into `control`.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_type == libc::SCM_CREDENTIALS {
                pid = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<libc::ucred>()).pid;
            } else if (*c).cmsg_type == libc::SCM_RIGHTS {
                fds += ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    (
        String::from_utf8_lossy(&buf[..n as usize]).into_owned(),
        pid,
        fds,
    )
}

#[test]
fn notifications_reach_the_manager_as_caprun_s() {
    skip_unless_sandboxable!();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let manager = UnixDatagram::bind(&path).unwrap();
    manager
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let on: libc::c_int = 1;
    // SAFETY: setsockopt with a valid int.
    let set = unsafe {
        libc::setsockopt(
            manager.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PASSCRED,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as _,
        )
    };
    assert_eq!(set, 0);
    let child = Command::new(caprun())
        .args([
            "--policy",
            "devtools",
            "--",
            "/usr/bin/python3",
            "-c",
            NOTIFY,
        ])
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "3000000")
        .env("WATCHDOG_PID", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let caprun_pid = child.id() as i32;
    let first = receive(&manager);
    let second = receive(&manager);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // MAINPID (a pid of the sandbox's namespace) is dropped; the rest comes from caprun.
    assert_eq!(first, ("READY=1\nSTATUS=serving".into(), caprun_pid, 0));
    // The descriptor-store message is dropped whole (its descriptor closed on the way);
    // the watchdog's period reached the program.
    assert_eq!(
        second,
        ("WATCHDOG=1\nWATCHDOG_USEC=3000000".into(), caprun_pid, 0)
    );
}

/// Without `NOTIFY_SOCKET` the program gets none (the control: it fails on the missing
/// variable), and with one, a launch without a PID namespace (caprun execs in place and
/// is the main process) passes on only what the config gives.
#[test]
fn without_notify_socket_nothing_is_relayed() {
    skip_unless_sandboxable!();
    let out = Command::new(caprun())
        .args([
            "--policy",
            "devtools",
            "--",
            "/usr/bin/python3",
            "-c",
            NOTIFY,
        ])
        .env_remove("NOTIFY_SOCKET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("KeyError: 'NOTIFY_SOCKET'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(caprun())
        .args(["--policy", "none", "--", "/usr/bin/env"])
        .env("NOTIFY_SOCKET", "/nonexistent/notify")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("NOTIFY_SOCKET"));
}
