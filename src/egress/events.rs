//! What the proxy tells the supervisor's session: each refused destination (for the
//! failure summary) and, while learning, each destination used (for the learned
//! policy's allow list). One datagram each over a `SOCK_DGRAM` socket pair: the proxy
//! never waits on it (a full socket drops the event), and the session reads what is
//! queued when the program has ended, at most [`MAX_EVENTS`].

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixDatagram;

/// The most events the session reads.
pub const MAX_EVENTS: usize = 256;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A destination (`HOST:PORT`) was refused, for this reason.
    Refused {
        /// `HOST:PORT`.
        dest: String,
        /// Why (the text after `refused egress to HOST:PORT: `).
        reason: String,
    },
    /// Learning: a destination (`HOST:PORT`) outside the allow list was used.
    Used {
        /// `HOST:PORT`.
        dest: String,
    },
}

impl Event {
    fn encode(&self) -> Vec<u8> {
        match self {
            Event::Refused { dest, reason } => format!("R{dest}\n{reason}").into_bytes(),
            Event::Used { dest } => format!("U{dest}").into_bytes(),
        }
    }

    fn decode(b: &[u8]) -> Option<Event> {
        let s = std::str::from_utf8(b).ok()?;
        match s.split_at_checked(1)? {
            ("R", rest) => {
                let (dest, reason) = rest.split_once('\n')?;
                Some(Event::Refused {
                    dest: dest.to_owned(),
                    reason: reason.to_owned(),
                })
            }
            ("U", dest) => Some(Event::Used {
                dest: dest.to_owned(),
            }),
            _ => None,
        }
    }
}

/// The proxy's end.
#[derive(Debug)]
pub struct Sender(UnixDatagram);

/// The session's end.
#[derive(Debug)]
pub struct Log(UnixDatagram);

/// A connected pair (both ends close-on-exec).
pub fn pair() -> io::Result<(Sender, Log)> {
    let (a, b) = UnixDatagram::pair()?;
    a.set_nonblocking(true)?;
    b.set_nonblocking(true)?;
    Ok((Sender(a), Log(b)))
}

impl Sender {
    /// Send `event`, without waiting (dropped when the session's socket is full).
    pub fn send(&self, event: &Event) {
        let _ = self.0.send(&event.encode());
    }

    /// The descriptor (kept open across the proxy's fork).
    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl Log {
    /// Every event queued, at most [`MAX_EVENTS`], in order.
    pub fn drain(&self) -> Vec<Event> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        while out.len() < MAX_EVENTS {
            match self.0.recv(&mut buf) {
                Ok(n) => out.extend(Event::decode(&buf[..n])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        out
    }

    /// The descriptor (the supervisor keeps it open).
    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_are_bounded() {
        let (tx, rx) = pair().unwrap();
        let refused = Event::Refused {
            dest: "example.com:443".into(),
            reason: "not in --net-allow".into(),
        };
        let used = Event::Used {
            dest: "[2001:db8::1]:8443".into(),
        };
        tx.send(&refused);
        tx.send(&used);
        assert_eq!(rx.drain(), vec![refused.clone(), used]);
        assert_eq!(rx.drain(), vec![]);
        for _ in 0..MAX_EVENTS + 10 {
            tx.send(&refused);
        }
        assert!(rx.drain().len() <= MAX_EVENTS);
        assert_eq!(Event::decode(b"Xwhat"), None);
    }
}
