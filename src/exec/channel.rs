//! The channel between a launch's processes: a `SOCK_SEQPACKET` pair whose one end the
//! supervisor (or the janitor) holds, the other init and the program's process.
//!
//! Each message is one [`Message`], sent whole with [`send`] and read with [`recv`]:
//! allocation-free on both ends (a tag byte, an `i32`, at most one descriptor), so it
//! can be used after a fork and just before `execveat`. Both ends share the enum, so a
//! message one side sends is one the other understands; anything else on the wire is
//! a protocol error, never dropped silently.

use std::os::fd::{OwnedFd, RawFd};

use nix::errno::Errno;

use crate::sys;

/// One message. `Fd` is the listener's descriptor: a number when sent, owned when
/// received.
#[derive(Debug)]
pub(crate) enum Message<Fd = OwnedFd> {
    /// Program's process → supervisor: the seccomp listener (attached).
    Listener(Fd),
    /// Program's process → supervisor or janitor: the filter is in place and the exec
    /// comes next. A process that ends without this or [`Failed`](Self::Failed) failed
    /// before it (killed): what the launch created is removed.
    Exec,
    /// Init or program's process → supervisor or janitor: the launch failed before the
    /// exec (undo), and ends with this exit status.
    Failed(i32),
    /// Init → supervisor: the program stopped, with this signal.
    Stopped(i32),
    /// Init → supervisor: the program was continued.
    Continued,
    /// Init → supervisor: the program ended, with this raw wait status.
    Exited(i32),
    /// Supervisor → init: send the program this signal.
    Signal(i32),
    /// Supervisor → init: the supervisor was continued; continue the program if it is
    /// still stopped.
    Continue,
}

// The wire tags.
const LISTENER: u8 = b'L';
const EXEC: u8 = b'E';
const FAILED: u8 = b'F';
const STOPPED: u8 = b'S';
const CONTINUED: u8 = b'c';
const EXITED: u8 = b'X';
const SIGNAL: u8 = b'K';
const CONTINUE: u8 = b'C';

/// Send `msg` on the channel end `sock` (`MSG_NOSIGNAL`: a closed peer is `EPIPE`).
pub(crate) fn send(sock: RawFd, msg: Message<RawFd>) -> Result<(), Errno> {
    let (tag, value, fd) = match msg {
        Message::Listener(fd) => (LISTENER, 0, Some(fd)),
        Message::Exec => (EXEC, 0, None),
        Message::Failed(status) => (FAILED, status, None),
        Message::Stopped(sig) => (STOPPED, sig, None),
        Message::Continued => (CONTINUED, 0, None),
        Message::Exited(status) => (EXITED, status, None),
        Message::Signal(sig) => (SIGNAL, sig, None),
        Message::Continue => (CONTINUE, 0, None),
    };
    sys::send_msg(sock, tag, value, fd)
}

/// Read one message from `sock` (blocking when `wait`): `None` once every other end is
/// closed; `EAGAIN` when nothing is there and `!wait`; `EPROTO` for a message that is
/// not a [`Message`] (an unknown tag, a listener without its descriptor).
pub(crate) fn recv(sock: RawFd, wait: bool) -> Result<Option<Message>, Errno> {
    let Some(raw) = sys::recv_msg(sock, wait)? else {
        return Ok(None);
    };
    let msg = match (raw.tag, raw.fd) {
        (LISTENER, Some(fd)) => Message::Listener(fd),
        (EXEC, None) => Message::Exec,
        (FAILED, None) => Message::Failed(raw.value),
        (STOPPED, None) => Message::Stopped(raw.value),
        (CONTINUED, None) => Message::Continued,
        (EXITED, None) => Message::Exited(raw.value),
        (SIGNAL, None) => Message::Signal(raw.value),
        (CONTINUE, None) => Message::Continue,
        // A descriptor that came with anything else is closed here (dropped).
        _ => return Err(Errno::EPROTO),
    };
    Ok(Some(msg))
}

/// Where a failure past the fork is reported: stderr, and the channel (so that the
/// supervisor or the janitor undoes what was created). `-1`: not there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OnFailure {
    pub stderr: RawFd,
    pub channel: RawFd,
}

impl OnFailure {
    /// Only stderr (no channel).
    pub fn stderr(stderr: RawFd) -> OnFailure {
        OnFailure {
            stderr,
            channel: -1,
        }
    }

    /// Say `prefix` + the error, tell the other end, exit with `status`.
    pub fn fail(self, prefix: &[u8], err: Errno, status: i32) -> ! {
        sys::write_all(self.stderr, prefix);
        sys::write_all(self.stderr, err.desc().as_bytes());
        sys::write_all(self.stderr, b"\n");
        self.failed(status)
    }

    /// Tell the other end the launch failed (it undoes what was created), exit with
    /// `status`.
    pub fn failed(self, status: i32) -> ! {
        if self.channel >= 0 {
            let _ = send(self.channel, Message::Failed(status));
        }
        sys::exit(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    fn round_trip(msg: Message<RawFd>) -> Message {
        let (a, b) = sys::seqpacket_pair().unwrap();
        send(a.as_raw_fd(), msg).unwrap();
        recv(b.as_raw_fd(), false).unwrap().unwrap()
    }

    /// Every message arrives as the one sent, with its value or its descriptor.
    #[test]
    fn every_message_round_trips() {
        assert!(matches!(round_trip(Message::Exec), Message::Exec));
        assert!(matches!(
            round_trip(Message::Failed(126)),
            Message::Failed(126)
        ));
        assert!(matches!(
            round_trip(Message::Stopped(20)),
            Message::Stopped(20)
        ));
        assert!(matches!(round_trip(Message::Continued), Message::Continued));
        assert!(matches!(
            round_trip(Message::Exited(0x100)),
            Message::Exited(0x100)
        ));
        assert!(matches!(
            round_trip(Message::Signal(15)),
            Message::Signal(15)
        ));
        assert!(matches!(round_trip(Message::Continue), Message::Continue));
        let file = std::fs::File::open("/dev/null").unwrap();
        let Message::Listener(fd) = round_trip(Message::Listener(file.as_raw_fd())) else {
            panic!("not a listener");
        };
        assert!(sys::is_cloexec(fd.as_raw_fd()).unwrap());
    }

    /// A tag neither end sends, or a listener without its descriptor, is an error, not a
    /// message that is dropped; a closed channel is `None`.
    #[test]
    fn foreign_messages_are_errors() {
        let (a, b) = sys::seqpacket_pair().unwrap();
        sys::send_msg(a.as_raw_fd(), b'?', 1, None).unwrap();
        assert_eq!(recv(b.as_raw_fd(), false).unwrap_err(), Errno::EPROTO);
        sys::send_msg(a.as_raw_fd(), LISTENER, 0, None).unwrap();
        assert_eq!(recv(b.as_raw_fd(), false).unwrap_err(), Errno::EPROTO);
        assert_eq!(recv(b.as_raw_fd(), false).unwrap_err(), Errno::EAGAIN);
        drop(a);
        assert!(recv(b.as_raw_fd(), true).unwrap().is_none());
    }
}
