//! SOCKS5 (RFC 1928) for the egress proxy, on the same port as HTTP (the proxy tells
//! them apart by the first byte, [`VERSION`]): `CONNECT` only, without authentication,
//! the destination named by an IPv4 or IPv6 address or by a domain name, which the
//! proxy resolves itself (what a `socks5h://` client expects; a `socks5://` client
//! resolves inside the sandbox, where nothing resolves but its hosts file). The
//! destination goes through the same decision as an HTTP `CONNECT`.
//!
//! Memory: the request is read field by field into fixed buffers (a name is at most 255
//! bytes), nothing beyond it is read before the tunnel starts.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The first byte of every SOCKS5 message.
pub const VERSION: u8 = 5;

/// The one method offered: no authentication.
const NO_AUTH: u8 = 0;
/// "No acceptable methods".
const NO_METHOD: u8 = 0xFF;
const CMD_CONNECT: u8 = 1;
const ATYP_IPV4: u8 = 1;
const ATYP_NAME: u8 = 3;
const ATYP_IPV6: u8 = 4;

/// The reply codes the proxy sends (RFC 1928, section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// The tunnel is open.
    Succeeded = 0,
    /// A malformed request, or a failure with no code of its own.
    GeneralFailure = 1,
    /// Refused by the allow list.
    NotAllowed = 2,
    /// `ENETUNREACH`.
    NetworkUnreachable = 3,
    /// `EHOSTUNREACH`, or no address answered in time.
    HostUnreachable = 4,
    /// `ECONNREFUSED`.
    ConnectionRefused = 5,
    /// `BIND` and `UDP ASSOCIATE`.
    CommandNotSupported = 7,
    /// An address type other than IPv4, IPv6 and domain name.
    AddressTypeNotSupported = 8,
}

impl Reply {
    /// The reply for a failed connection to the destination.
    pub fn for_connect_error(e: &io::Error) -> Reply {
        match e.raw_os_error() {
            Some(libc::ECONNREFUSED) => Reply::ConnectionRefused,
            Some(libc::ENETUNREACH) => Reply::NetworkUnreachable,
            Some(libc::EHOSTUNREACH) => Reply::HostUnreachable,
            _ if e.kind() == io::ErrorKind::TimedOut => Reply::HostUnreachable,
            _ => Reply::GeneralFailure,
        }
    }
}

/// Why a SOCKS5 exchange ended before its tunnel.
#[derive(Debug, thiserror::Error)]
pub enum SocksError {
    /// The client's connection failed (or ended).
    #[error("SOCKS5: {0}")]
    Io(#[from] io::Error),
    /// The client offered no method the proxy accepts (answered already).
    #[error("SOCKS5: the client offers no method without authentication")]
    NoMethod,
    /// A request the proxy does not serve: answered with `reply`.
    #[error("SOCKS5: {what}")]
    Unserved {
        /// The reply to send.
        reply: Reply,
        /// What was wrong.
        what: String,
    },
}

/// Read the client's greeting and answer it: "no authentication" if the client offers
/// it, else "no acceptable methods" ([`SocksError::NoMethod`]).
pub fn greet(client: &mut (impl Read + Write)) -> Result<(), SocksError> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head)?;
    let mut methods = [0u8; 255];
    let methods = &mut methods[..usize::from(head[1])];
    client.read_exact(methods)?;
    if head[0] != VERSION {
        return Err(SocksError::Unserved {
            reply: Reply::GeneralFailure,
            what: format!("version {} in the greeting", head[0]),
        });
    }
    if !methods.contains(&NO_AUTH) {
        client.write_all(&[VERSION, NO_METHOD])?;
        return Err(SocksError::NoMethod);
    }
    client.write_all(&[VERSION, NO_AUTH])?;
    Ok(())
}

/// Read the request: the destination, as the allow list names hosts (an IPv6 address
/// without brackets) and its port.
pub fn read_request(client: &mut impl Read) -> Result<(String, u16), SocksError> {
    let unserved = |reply, what: String| SocksError::Unserved { reply, what };
    let mut head = [0u8; 4];
    client.read_exact(&mut head)?;
    let [version, command, _, atyp] = head;
    if version != VERSION {
        return Err(unserved(
            Reply::GeneralFailure,
            format!("version {version} in the request"),
        ));
    }
    let host = match atyp {
        ATYP_IPV4 => {
            let mut a = [0u8; 4];
            client.read_exact(&mut a)?;
            Ipv4Addr::from(a).to_string()
        }
        ATYP_IPV6 => {
            let mut a = [0u8; 16];
            client.read_exact(&mut a)?;
            Ipv6Addr::from(a).to_string()
        }
        ATYP_NAME => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = [0u8; 255];
            let name = &mut name[..usize::from(len[0])];
            client.read_exact(name)?;
            let ok = !name.is_empty()
                && name
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
            if !ok {
                return Err(unserved(
                    Reply::GeneralFailure,
                    format!("not a host name: {:?}", String::from_utf8_lossy(name)),
                ));
            }
            String::from_utf8_lossy(name).into_owned()
        }
        other => {
            return Err(unserved(
                Reply::AddressTypeNotSupported,
                format!("address type {other}"),
            ))
        }
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let port = u16::from_be_bytes(port);
    if command != CMD_CONNECT {
        return Err(unserved(
            Reply::CommandNotSupported,
            format!("command {command} (only CONNECT is served)"),
        ));
    }
    if port == 0 {
        return Err(unserved(Reply::GeneralFailure, "port 0".into()));
    }
    Ok((host, port))
}

/// Send `reply`. The bound address is given as 0.0.0.0:0: the proxy's own address in
/// the host's network is none of the program's business.
pub fn reply(client: &mut impl Write, reply: Reply) -> io::Result<()> {
    client.write_all(&[VERSION, reply as u8, 0, ATYP_IPV4, 0, 0, 0, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's bytes, and what the proxy wrote back.
    struct Wire {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Wire {
        fn new(bytes: &[u8]) -> Wire {
            Wire {
                input: io::Cursor::new(bytes.to_vec()),
                output: Vec::new(),
            }
        }
    }

    impl Read for Wire {
        fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
            self.input.read(b)
        }
    }

    impl Write for Wire {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.output.write(b)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_greeting_accepts_only_no_authentication() {
        let mut w = Wire::new(&[5, 2, 2, 0]);
        greet(&mut w).unwrap();
        assert_eq!(w.output, [5, 0]);
        // Username/password and GSSAPI only: "no acceptable methods".
        let mut w = Wire::new(&[5, 2, 1, 2]);
        assert!(matches!(greet(&mut w), Err(SocksError::NoMethod)));
        assert_eq!(w.output, [5, 0xFF]);
        // Cut short.
        let mut w = Wire::new(&[5, 3, 0]);
        assert!(matches!(greet(&mut w), Err(SocksError::Io(_))));
        assert!(w.output.is_empty());
    }

    #[test]
    fn requests_name_addresses_and_names() {
        let req = |b: &[u8]| read_request(&mut Wire::new(b));
        assert_eq!(
            req(&[5, 1, 0, 1, 127, 0, 0, 2, 0x1f, 0x90]).unwrap(),
            ("127.0.0.2".to_owned(), 8080)
        );
        let mut v6 = vec![5, 1, 0, 4];
        v6.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&443u16.to_be_bytes());
        assert_eq!(req(&v6).unwrap(), ("2001:db8::1".to_owned(), 443));
        let mut name = vec![5, 1, 0, 3, 15];
        name.extend_from_slice(b"index.crates.io");
        name.extend_from_slice(&443u16.to_be_bytes());
        assert_eq!(req(&name).unwrap(), ("index.crates.io".to_owned(), 443));
    }

    #[test]
    fn requests_not_served_get_their_reply() {
        let code = |b: &[u8]| match read_request(&mut Wire::new(b)) {
            Err(SocksError::Unserved { reply, .. }) => Some(reply),
            _ => None,
        };
        // BIND and UDP ASSOCIATE.
        assert_eq!(
            code(&[5, 2, 0, 1, 127, 0, 0, 2, 0, 80]),
            Some(Reply::CommandNotSupported)
        );
        assert_eq!(
            code(&[5, 3, 0, 1, 127, 0, 0, 2, 0, 80]),
            Some(Reply::CommandNotSupported)
        );
        assert_eq!(
            code(&[5, 1, 0, 9, 0, 80]),
            Some(Reply::AddressTypeNotSupported)
        );
        assert_eq!(
            code(&[5, 1, 0, 1, 127, 0, 0, 2, 0, 0]),
            Some(Reply::GeneralFailure)
        );
        // A name that is no host name (it would reach the report and the resolver).
        let mut bad = vec![5, 1, 0, 3, 9];
        bad.extend_from_slice(b"a b\n@c/d");
        bad.push(b'e');
        bad.extend_from_slice(&80u16.to_be_bytes());
        assert_eq!(code(&bad), Some(Reply::GeneralFailure));
        assert_eq!(code(&[5, 1, 0, 3, 0, 0, 80]), Some(Reply::GeneralFailure));
        assert_eq!(
            code(&[4, 1, 0, 1, 127, 0, 0, 2, 0, 80]),
            Some(Reply::GeneralFailure)
        );
    }

    #[test]
    fn connect_errors_map_to_replies() {
        let e = |n| io::Error::from_raw_os_error(n);
        assert_eq!(
            Reply::for_connect_error(&e(libc::ECONNREFUSED)),
            Reply::ConnectionRefused
        );
        assert_eq!(
            Reply::for_connect_error(&e(libc::ENETUNREACH)),
            Reply::NetworkUnreachable
        );
        assert_eq!(
            Reply::for_connect_error(&io::ErrorKind::TimedOut.into()),
            Reply::HostUnreachable
        );
        let mut out = Vec::new();
        reply(&mut out, Reply::NotAllowed).unwrap();
        assert_eq!(out, [5, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
    }
}
