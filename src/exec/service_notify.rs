//! systemd's readiness protocol (`sd_notify(3)`) through the sandbox: the service
//! manager accepts `READY=1`, `WATCHDOG=1`, `STATUS=…` only from the unit's main process
//! (`NotifyAccess=main`), which is caprun, the supervisor; the program is another
//! process, in a PID namespace of its own, and cannot reach the manager's socket anyway.
//!
//! So when caprun is started with `NOTIFY_SOCKET` and supervises the program (a PID
//! namespace), it relays:
//! - before the sandbox is entered, caprun connects a datagram socket to the manager's
//!   `NOTIFY_SOCKET` (connected, it keeps working in the sandbox's namespaces);
//! - init binds an abstract socket of its own inside the sandbox, once it is restricted
//!   (so that it lies in the program's Landlock domain, which may reach only abstract
//!   sockets of its own domain), and the program gets `NOTIFY_SOCKET=@caprun/PID/notify`;
//! - init hands each datagram, without any descriptor sent along (the kernel closes
//!   those), to the supervisor, which forwards what [`filter`] keeps as its own: the
//!   manager sees the main process's credentials.
//!
//! `MAINPID=` (a pid of the sandbox's namespace, meaningless outside) and the
//! descriptor-store fields (`FDSTORE=`, `FDSTOREREMOVE=`, `FDNAME=`, `FDPOLL=`: the
//! descriptors are not relayed) are dropped. `WATCHDOG_USEC` is passed on to the
//! program, without `WATCHDOG_PID` (which names caprun).

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::sys;

/// The largest datagram relayed; longer ones are dropped (sd_notify messages are a few
/// fields of text).
pub const MAX_MESSAGE: usize = 4096;

/// What the environment asks for: a relay to `NOTIFY_SOCKET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNotify {
    /// The manager's socket, as `NOTIFY_SOCKET` names it (a path, or `@abstract`).
    upstream: Vec<u8>,
    /// The socket's name inside the sandbox (`@caprun/PID/notify`).
    inside: Vec<u8>,
    /// `WATCHDOG_USEC`, passed on.
    watchdog_usec: Option<Vec<u8>>,
}

impl ServiceNotify {
    /// From caprun's own environment: `None` without `NOTIFY_SOCKET` (or with an empty
    /// one).
    pub fn from_env() -> Option<ServiceNotify> {
        use std::os::unix::ffi::OsStringExt;
        let upstream = std::env::var_os("NOTIFY_SOCKET")?.into_vec();
        if upstream.is_empty() {
            return None;
        }
        let inside = format!("@caprun/{}/notify", std::process::id()).into_bytes();
        let watchdog_usec = std::env::var_os("WATCHDOG_USEC").map(OsStringExt::into_vec);
        Some(ServiceNotify {
            upstream,
            inside,
            watchdog_usec,
        })
    }

    /// Put `NOTIFY_SOCKET` (and `WATCHDOG_USEC`) for the program into `env`, replacing
    /// any the config passed on (the manager's socket is out of the sandbox's reach).
    pub fn set_env(&self, env: &mut Vec<CString>) {
        let mine = |e: &CString| {
            let b = e.as_bytes();
            b.starts_with(b"NOTIFY_SOCKET=")
                || b.starts_with(b"WATCHDOG_USEC=")
                || b.starts_with(b"WATCHDOG_PID=")
        };
        env.retain(|e| !mine(e));
        let var = |name: &[u8], value: &[u8]| {
            CString::new([name, value].concat()).expect("environment values contain no NUL")
        };
        let mut ours = vec![var(b"NOTIFY_SOCKET=", &self.inside)];
        if let Some(usec) = &self.watchdog_usec {
            ours.push(var(b"WATCHDOG_USEC=", usec));
        }
        env.splice(0..0, ours);
    }

    /// Connect to the manager's socket (before the sandbox's namespaces are entered).
    pub fn connect(self) -> Result<Relay, Errno> {
        let upstream = sys::net::unix_dgram()?;
        sys::net::connect_unix(upstream.as_raw_fd(), &self.upstream)?;
        let (ours, theirs) = sys::seqpacket_pair()?;
        Ok(Relay {
            upstream,
            ours,
            theirs,
            inside: self.inside,
        })
    }
}

/// The relay's descriptors: the connected upstream socket and the socket pair between
/// init and the supervisor.
#[derive(Debug)]
pub struct Relay {
    pub(crate) upstream: OwnedFd,
    pub(crate) ours: OwnedFd,
    pub(crate) theirs: OwnedFd,
    pub(crate) inside: Vec<u8>,
}

/// In init, restricted already: the socket the program sends to (`name`, abstract).
/// Stack data only.
pub(crate) fn bind_inside(name: &[u8]) -> Result<OwnedFd, Errno> {
    let sock = sys::net::unix_dgram()?;
    sys::net::bind_unix(sock.as_raw_fd(), name)?;
    Ok(sock)
}

/// In init: hand the datagrams waiting on `inside` to the supervisor through `pair`, as
/// they are (at most [`MAX_MESSAGE`] bytes each; longer ones are dropped). Raw system
/// calls on a stack buffer.
pub(crate) fn pass_on(inside: RawFd, pair: RawFd) {
    let mut buf = [0u8; MAX_MESSAGE];
    while let Ok((n, cut)) = sys::net::recv_datagram(inside, &mut buf) {
        if !cut && n > 0 {
            let _ = sys::net::send_datagram(pair, &buf[..n]);
        }
    }
}

/// In the supervisor: forward the datagrams waiting on `pair` to `upstream`, each as
/// [`filter`] leaves it.
pub(crate) fn forward(pair: RawFd, upstream: RawFd) {
    let mut buf = [0u8; MAX_MESSAGE];
    while let Ok((n, _)) = sys::net::recv_datagram(pair, &mut buf) {
        if n == 0 {
            return;
        }
        if let Some(message) = filter(&buf[..n]) {
            let _ = sys::net::send_datagram(upstream, &message);
        }
    }
}

/// The fields of one notification that are relayed: every line but `MAINPID=` and the
/// descriptor store's; `None` when nothing is left.
pub fn filter(message: &[u8]) -> Option<Vec<u8>> {
    const DROPPED: [&[u8]; 5] = [
        b"MAINPID=",
        b"FDSTORE=",
        b"FDSTOREREMOVE=",
        b"FDNAME=",
        b"FDPOLL=",
    ];
    let kept: Vec<&[u8]> = message
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty() && !DROPPED.iter().any(|d| line.starts_with(d)))
        .collect();
    (!kept.is_empty()).then(|| kept.join(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_pid_and_the_descriptor_store_are_not_relayed() {
        assert_eq!(
            filter(b"READY=1\nSTATUS=up\nMAINPID=2\n").as_deref(),
            Some(&b"READY=1\nSTATUS=up"[..])
        );
        assert_eq!(filter(b"FDSTORE=1\nFDNAME=db"), None);
        assert_eq!(filter(b"WATCHDOG=1").as_deref(), Some(&b"WATCHDOG=1"[..]));
        assert_eq!(filter(b"\n\n"), None);
    }

    #[test]
    fn the_program_gets_the_inside_socket_and_the_watchdog_period() {
        let sn = ServiceNotify {
            upstream: b"/run/systemd/notify".to_vec(),
            inside: b"@caprun/7/notify".to_vec(),
            watchdog_usec: Some(b"3000000".to_vec()),
        };
        let mut env = vec![
            c"NOTIFY_SOCKET=/run/systemd/notify".to_owned(),
            c"WATCHDOG_PID=7".to_owned(),
            c"ARGDATA_FD=1".to_owned(),
        ];
        sn.set_env(&mut env);
        assert_eq!(
            env,
            vec![
                c"NOTIFY_SOCKET=@caprun/7/notify".to_owned(),
                c"WATCHDOG_USEC=3000000".to_owned(),
                c"ARGDATA_FD=1".to_owned(),
            ]
        );
    }
}
