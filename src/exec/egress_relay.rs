//! The egress proxy's process (`--net-allow`): outside the sandbox, reachable inside it.
//!
//! A socket belongs to the network namespace it was created in, whichever process holds
//! it later. So:
//!
//! 1. before the namespaces are created, caprun forks the proxy's process ([`start`]): it
//!    stays in the host's network namespace (its outgoing connections are the host's)
//!    and in no other namespace of the sandbox, and waits;
//! 2. once caprun has entered the sandbox's new network namespace, it brings that
//!    namespace's loopback up, binds the listening socket there (`127.0.0.1:PORT`, the
//!    sandbox's own loopback) and hands it to the proxy over a socket pair
//!    ([`ProxyProcess::hand_over`]); caprun keeps no copy;
//! 3. the proxy accepts on it from outside: every connection the program makes to
//!    `127.0.0.1:PORT` is a socket the proxy reads directly (nothing copies inside).
//!
//! Lifetime: the proxy dies with its parent (`PR_SET_PDEATHSIG`), the supervisor, which
//! ends as the program ends; a launch with a proxy is therefore always supervised. It is
//! not dumpable (a program of the sandbox running as the same user can neither trace it
//! nor read its descriptors) and leads a process group of its own (a terminal's ^C goes
//! to the program, not to it).

use std::net::{SocketAddrV4, TcpListener};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::sys::{self, signal::SigSet};

/// What a launch with an egress proxy needs: where it listens inside, and what serves
/// it (called in the proxy's own process, outside the sandbox; it may allocate and start
/// threads there).
pub struct Egress {
    /// The address inside the sandbox's network namespace.
    pub addr: SocketAddrV4,
    /// Serves the proxy on the listening socket, with what writes a report line to
    /// caprun's stderr; returns only when serving failed for good, with the error.
    pub serve: Box<dyn FnOnce(TcpListener, ReportLine) -> std::io::Error>,
    /// Descriptors `serve` holds (every other one is closed in the proxy's process).
    pub keep_fds: Vec<RawFd>,
}

/// Writes one report line to caprun's stderr (from any of the proxy's threads).
pub type ReportLine = Box<dyn Fn(&str) + Send + Sync>;

/// The proxy's process, waiting for its listening socket.
pub(super) struct ProxyProcess {
    control: OwnedFd,
    addr: SocketAddrV4,
}

/// The one message: the listening socket (attached).
const LISTENER: u8 = b'P';

/// Fork the proxy's process (before the sandbox's namespaces exist). The process must be
/// single-threaded (the launch checks it first).
pub(super) fn start(egress: Egress, stderr: RawFd) -> Result<ProxyProcess, Errno> {
    let (ours, theirs) = sys::seqpacket_pair()?;
    let parent = sys::signal::getpid();
    // SAFETY: the launch runs on the process's only thread, so the child may allocate.
    match unsafe { sys::fork() }? {
        0 => {
            drop(ours);
            proxy_process(egress, theirs, stderr, parent)
        }
        _ => Ok(ProxyProcess {
            control: ours,
            addr: egress.addr,
        }),
    }
}

impl ProxyProcess {
    /// In the sandbox's new network namespace (after `unshare`, before any fork): bring
    /// its loopback up, bind the listening socket and hand it to the proxy.
    pub(super) fn hand_over(self) -> Result<(), String> {
        sys::net::loopback_up()
            .map_err(|e| format!("egress proxy: bringing the sandbox's loopback up: {e}"))?;
        let listener = TcpListener::bind(self.addr)
            .map_err(|e| format!("egress proxy: listening on {}: {e}", self.addr))?;
        sys::send_msg(
            self.control.as_raw_fd(),
            LISTENER,
            0,
            Some(listener.as_raw_fd()),
        )
        .map_err(|e| format!("egress proxy: handing its socket over: {e}"))
        // Both `listener` and the control end close here: the proxy holds the only copy.
    }
}

/// The proxy's process: wait for the listening socket, then serve until the parent
/// (the supervisor) dies.
fn proxy_process(egress: Egress, control: OwnedFd, stderr: RawFd, parent: libc::pid_t) -> ! {
    let fail = |what: &str, e: Errno| -> ! {
        sys::write_all(
            stderr,
            format!("caprun: egress proxy: {what}: {e}\n").as_bytes(),
        );
        sys::exit(125)
    };
    if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
        fail("PR_SET_PDEATHSIG", e);
    }
    if nix::unistd::getppid().as_raw() != parent {
        sys::exit(125); // caprun is gone already.
    }
    if let Err(e) = sys::ids::set_dumpable(false) {
        fail("PR_SET_DUMPABLE", e);
    }
    let _ = sys::signal::setpgid(0, 0);
    // Named for `ps`; caprun's command line and environment are not shown.
    sys::hide_process_strings(b"caprun-egress");
    // A report written to a closed stderr fails with EPIPE instead of killing the proxy.
    if let Err(e) = SigSet::of(&[libc::SIGPIPE]).block() {
        fail("blocking SIGPIPE", e);
    }
    // Descriptors for its connections: the soft limit raised to the hard one (often
    // 1024 and 524288), which the proxy's connection bound follows.
    if let Ok(mut l) = sys::ids::getrlimit(libc::RLIMIT_NOFILE as _) {
        l.rlim_cur = l.rlim_max;
        let _ = sys::ids::setrlimit(libc::RLIMIT_NOFILE as _, &l);
    }
    let mut keep = vec![control.as_raw_fd(), stderr];
    keep.extend(&egress.keep_fds);
    // SAFETY: this process uses only `keep` from here on (and what it creates), and never
    // returns: the owners of everything else (caprun's) are neither used nor dropped.
    unsafe { sys::close_all_but(&mut keep) };
    let listener = match sys::recv_msg(control.as_raw_fd(), true) {
        Ok(Some(sys::Msg {
            tag: LISTENER,
            fd: Some(fd),
            ..
        })) => TcpListener::from(fd),
        // The launch failed before the sandbox's network existed.
        _ => sys::exit(0),
    };
    drop(control);
    let e = (egress.serve)(
        listener,
        Box::new(move |line: &str| sys::write_all(stderr, line.as_bytes())),
    );
    // The program's connections to the proxy are refused from here on (fail closed).
    sys::write_all(stderr, format!("caprun: egress proxy: {e}\n").as_bytes());
    sys::exit(125)
}
