//! The egress decision, a pure function: which destinations `--net-allow` lets the
//! proxy connect to.
//!
//! An allow entry is `HOST[:PORT]`: a name (`pypi.org`), a wildcard (`*.example.org`:
//! the names under it, not itself), an IP literal (`192.0.2.7`, `[2001:db8::1]`) or a
//! CIDR range (`192.0.2.0/24`, `[2001:db8::/32]:8443`). Without a port an entry allows
//! 80 and 443.
//!
//! A request names a host and a port. A name is resolved (by the caller's resolver:
//! injected, so that tests never touch the network) and checked on **every** address it
//! resolves to; the proxy then connects to those checked addresses only, never resolving
//! again (a name that resolves elsewhere the second time, DNS rebinding, changes
//! nothing). An address in a special range (private, loopback, link-local with the cloud
//! metadata endpoint, CGNAT, unique-local, multicast, unspecified, reserved, and the
//! IPv6 forms that embed an IPv4 address) is refused unless an IP or CIDR entry names it
//! explicitly: allowing a name does not allow what it resolves to in those ranges.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The ports an entry without one allows.
pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

/// An allow entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AllowError {
    /// Not `HOST[:PORT]`.
    #[error("--net-allow {entry}: {what}")]
    Syntax {
        /// The entry as given.
        entry: String,
        /// What is wrong with it.
        what: String,
    },
    /// `localhost`, 127.0.0.1 or ::1: inside the sandbox these are its own loopback.
    #[error(
        "--net-allow {entry}: inside the sandbox {entry} is the sandbox's own loopback, \
         not the host's; serve what it needs on another host loopback address (such as \
         127.0.0.2:PORT) and allow that"
    )]
    OwnLoopback {
        /// The entry as given.
        entry: String,
    },
}

/// The host part of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// A name, lower case, without a trailing dot.
    Name(String),
    /// `*.SUFFIX`: the names under SUFFIX (lower case, without the dot).
    Under(String),
    /// An address range (an IP literal is a range of one).
    Net(Net),
}

/// An IP range: a network address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    /// The range `addr/prefix` (host bits are ignored).
    pub const fn new(addr: IpAddr, prefix: u8) -> Net {
        Net { addr, prefix }
    }

    /// Whether `ip` is in the range (an IPv4 address against an IPv4 range only).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                prefix_eq(u32::from(n).into(), u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix_eq(u128::from(n), u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let full = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == full {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

/// Whether the first `prefix` of `width` bits of `a` and `b` are equal.
fn prefix_eq(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let shift = width - u32::from(prefix).min(width);
    if shift >= 128 {
        return true;
    }
    (a >> shift) == (b >> shift)
}

/// One `--net-allow` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pattern: Pattern,
    /// `None`: [`DEFAULT_PORTS`].
    port: Option<u16>,
    /// As given (for reports).
    text: String,
}

impl Entry {
    /// Parse `HOST[:PORT]` (see the module documentation).
    pub fn parse(text: &str) -> Result<Entry, AllowError> {
        let syntax = |what: &str| AllowError::Syntax {
            entry: text.to_owned(),
            what: what.to_owned(),
        };
        let (host, port) = split_port(text).map_err(|w| syntax(&w))?;
        if host.is_empty() {
            return Err(syntax("no host"));
        }
        let pattern = if let Some((addr, len)) = host.split_once('/') {
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| syntax("a range is ADDRESS/PREFIX, with an IP address"))?;
            let full = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = len
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= full)
                .ok_or_else(|| syntax(&format!("the prefix length must be 0 to {full}")))?;
            Pattern::Net(Net::new(canonical(addr), prefix))
        } else if let Ok(addr) = host.parse::<IpAddr>() {
            let addr = canonical(addr);
            Pattern::Net(Net::new(addr, if addr.is_ipv4() { 32 } else { 128 }))
        } else if let Some(suffix) = host.strip_prefix("*.") {
            Pattern::Under(name(suffix).map_err(|w| syntax(&w))?)
        } else {
            Pattern::Name(name(host).map_err(|w| syntax(&w))?)
        };
        let own_loopback = match &pattern {
            Pattern::Name(n) => n == "localhost",
            Pattern::Under(n) => n == "localhost",
            Pattern::Net(net) => {
                net.contains(IpAddr::V4(Ipv4Addr::LOCALHOST))
                    || net.contains(IpAddr::V6(Ipv6Addr::LOCALHOST))
            }
        };
        if own_loopback {
            return Err(AllowError::OwnLoopback {
                entry: text.to_owned(),
            });
        }
        Ok(Entry {
            pattern,
            port,
            text: text.to_owned(),
        })
    }

    /// The entry as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn allows_port(&self, port: u16) -> bool {
        match self.port {
            Some(p) => p == port,
            None => DEFAULT_PORTS.contains(&port),
        }
    }

    fn names(&self, host: &str) -> bool {
        match &self.pattern {
            Pattern::Name(n) => n == host,
            Pattern::Under(s) => host
                .strip_suffix(s.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            Pattern::Net(_) => false,
        }
    }

    fn covers(&self, ip: IpAddr) -> bool {
        matches!(&self.pattern, Pattern::Net(n) if n.contains(ip))
    }
}

/// `HOST[:PORT]` → host and port; `[V6]`, `[V6]:PORT`, `[V6/LEN]:PORT`, and a bare IPv6
/// address or range (more than one colon) without a port.
fn split_port(text: &str) -> Result<(&str, Option<u16>), String> {
    let port = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .map(Some)
            .ok_or_else(|| format!("`{p}` is not a port (1 to 65535)"))
    };
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "`[` without `]`".to_owned())?;
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((host, port(p)?)),
                None => Err(format!("`{after}` after `]`")),
            },
        };
    }
    match text.matches(':').count() {
        0 => Ok((text, None)),
        1 => {
            let (host, p) = text.split_once(':').expect("one colon");
            Ok((host, port(p)?))
        }
        _ => Ok((text, None)),
    }
}

/// A host name, checked and normalized (lower case, no trailing dot).
fn name(host: &str) -> Result<String, String> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(format!(
            "`{host}` is not a host name, an IP address or a range"
        ));
    }
    Ok(host)
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Why an address is special (refused unless allowed explicitly); `None` for an
/// ordinary, globally routed address.
pub fn special_range(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u8, &str)] = &[
        ([0, 0, 0, 0], 8, "unspecified (0.0.0.0/8)"),
        ([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
        (
            [100, 64, 0, 0],
            10,
            "shared address space, CGNAT (100.64.0.0/10)",
        ),
        ([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
        (
            [169, 254, 169, 254],
            32,
            "link-local: the cloud metadata endpoint (169.254.169.254)",
        ),
        ([169, 254, 0, 0], 16, "link-local (169.254.0.0/16)"),
        ([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
        (
            [192, 0, 0, 0],
            24,
            "IETF protocol assignments (192.0.0.0/24)",
        ),
        ([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
        ([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
        ([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
        ([240, 0, 0, 0], 4, "reserved or broadcast (240.0.0.0/4)"),
    ];
    RANGES
        .iter()
        .find(|(net, len, _)| Net::new(IpAddr::from(*net), *len).contains(IpAddr::V4(ip)))
        .map(|r| r.2)
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    let v6 = |s: &str| u128::from(s.parse::<Ipv6Addr>().expect("a literal"));
    let within = |net: &str, len: u8| prefix_eq(v6(net), bits, 128, len);
    // The forms that carry an IPv4 address (in their low 32 bits, or bits 16..48 for
    // 6to4) are judged by it too: a NAT64 gateway or a 6to4 relay would take them there.
    let embedded = |v4: u32| special_v4(Ipv4Addr::from(v4));
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback (::1)");
    }
    if within("::", 96) {
        return Some("IPv4-compatible (::/96)");
    }
    if within("64:ff9b::", 96) || within("64:ff9b:1::", 48) {
        return embedded(bits as u32).or(Some("NAT64 (64:ff9b::/96)"));
    }
    if within("2002::", 16) {
        return embedded((bits >> 80) as u32).or(Some("6to4 (2002::/16)"));
    }
    const RANGES: &[(&str, u8, &str)] = &[
        ("fe80::", 10, "link-local (fe80::/10)"),
        ("fec0::", 10, "site-local (fec0::/10)"),
        ("fc00::", 7, "unique-local (fc00::/7)"),
        ("ff00::", 8, "multicast (ff00::/8)"),
        ("100::", 64, "discard-only (100::/64)"),
        ("2001::", 23, "IETF protocol assignments (2001::/23)"),
    ];
    RANGES
        .iter()
        .find(|(net, len, _)| within(net, *len))
        .map(|r| r.2)
}

/// The `--net-allow` entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    entries: Vec<Entry>,
}

/// Why a destination is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No entry names this host and port.
    NotAllowed,
    /// The name did not resolve (the resolver's message).
    Unresolved(String),
    /// The name resolved to nothing.
    NoAddress,
    /// An address (the name's, or the literal asked for) is in a special range that no
    /// entry allows explicitly.
    SpecialAddress {
        /// The address.
        addr: IpAddr,
        /// The range, named.
        range: &'static str,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotAllowed => write!(f, "not in --net-allow"),
            Refusal::Unresolved(e) => write!(f, "the name does not resolve ({e})"),
            Refusal::NoAddress => write!(f, "the name resolves to no address"),
            Refusal::SpecialAddress { addr, range } => write!(
                f,
                "it resolves to {addr}, {range}, which only an explicit --net-allow {addr} allows"
            ),
        }
    }
}

impl AllowList {
    /// Parse every entry; the first that cannot be used is the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<AllowList, AllowError> {
        let entries = entries
            .iter()
            .map(|e| Entry::parse(e.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllowList { entries })
    }

    /// No entry: egress is off (and costs nothing).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, as given.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(Entry::text)
    }

    /// Decide on a connection to `host` (a name, or an IP literal, with or without
    /// brackets) and `port`. `resolve` is called only for a name that an entry could
    /// allow, at most once. `Ok`: the addresses to connect to (every one checked, in the
    /// resolver's order); connect to these and never resolve the name again.
    pub fn decide(
        &self,
        host: &str,
        port: u16,
        resolve: impl FnOnce(&str, u16) -> Result<Vec<IpAddr>, String>,
    ) -> Result<Vec<SocketAddr>, Refusal> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let by_port: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.allows_port(port))
            .collect();
        let explicit = |ip: IpAddr| by_port.iter().any(|e| e.covers(canonical(ip)));
        if let Ok(ip) = bare.parse::<IpAddr>() {
            // A literal is allowed by an IP or CIDR entry only, which allows it
            // explicitly whatever its range.
            return if explicit(ip) {
                Ok(vec![SocketAddr::new(ip, port)])
            } else {
                Err(Refusal::NotAllowed)
            };
        }
        let Ok(name) = name(bare) else {
            return Err(Refusal::NotAllowed);
        };
        let named = by_port.iter().any(|e| e.names(&name));
        let ranges = by_port.iter().any(|e| matches!(e.pattern, Pattern::Net(_)));
        if !named && !ranges {
            // Not resolved at all: the name of a destination nobody allowed goes nowhere.
            return Err(Refusal::NotAllowed);
        }
        let addrs = resolve(&name, port).map_err(Refusal::Unresolved)?;
        if addrs.is_empty() {
            return Err(Refusal::NoAddress);
        }
        let mut out: Vec<SocketAddr> = Vec::with_capacity(addrs.len());
        for ip in addrs {
            if explicit(ip) {
            } else if !named {
                return Err(Refusal::NotAllowed);
            } else if let Some(range) = special_range(ip) {
                return Err(Refusal::SpecialAddress {
                    addr: canonical(ip),
                    range,
                });
            }
            let sa = SocketAddr::new(ip, port);
            if !out.contains(&sa) {
                out.push(sa);
            }
        }
        Ok(out)
    }
}

impl AllowList {
    /// `--learn`: the decision for a destination outside the list, which learning lets
    /// through: any name or literal, but still checked on every address, a special one
    /// refused unless an IP or CIDR entry names it, on any port (learning never reaches
    /// the metadata endpoint or the LAN unless the list names the address).
    pub fn decide_learning(
        &self,
        host: &str,
        port: u16,
        resolve: impl FnOnce(&str, u16) -> Result<Vec<IpAddr>, String>,
    ) -> Result<Vec<SocketAddr>, Refusal> {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let explicit = |ip: IpAddr| self.entries.iter().any(|e| e.covers(canonical(ip)));
        let addrs = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => {
                let Ok(name) = name(bare) else {
                    return Err(Refusal::NotAllowed);
                };
                resolve(&name, port).map_err(Refusal::Unresolved)?
            }
        };
        if addrs.is_empty() {
            return Err(Refusal::NoAddress);
        }
        let mut out: Vec<SocketAddr> = Vec::new();
        for ip in addrs {
            if let (false, Some(range)) = (explicit(ip), special_range(ip)) {
                return Err(Refusal::SpecialAddress {
                    addr: canonical(ip),
                    range,
                });
            }
            let sa = SocketAddr::new(ip, port);
            if !out.contains(&sa) {
                out.push(sa);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::parse(entries).unwrap()
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// A resolver that must not be called.
    fn never(name: &str, _: u16) -> Result<Vec<IpAddr>, String> {
        panic!("{name} was resolved")
    }

    fn to<'a>(addrs: &'a [&'a str]) -> impl FnOnce(&str, u16) -> Result<Vec<IpAddr>, String> + 'a {
        move |_, _| Ok(ips(addrs))
    }

    #[test]
    fn entries_parse() {
        let e = |s: &str| Entry::parse(s).unwrap();
        assert_eq!(e("PyPI.org.").pattern, Pattern::Name("pypi.org".into()));
        assert_eq!(e("pypi.org").port, None);
        assert_eq!(e("pypi.org:8443").port, Some(8443));
        assert_eq!(
            e("*.example.org").pattern,
            Pattern::Under("example.org".into())
        );
        assert_eq!(
            e("192.0.2.0/24:80").pattern,
            Pattern::Net(Net::new("192.0.2.0".parse().unwrap(), 24))
        );
        assert_eq!(e("[2001:db8::1]:443").port, Some(443));
        assert_eq!(
            e("2001:db8::/32").pattern,
            Pattern::Net(Net::new("2001:db8::".parse().unwrap(), 32))
        );
        assert_eq!(
            e("[::ffff:192.0.2.1]").pattern,
            Pattern::Net(Net::new("192.0.2.1".parse().unwrap(), 32))
        );
        for bad in [
            "",
            ":443",
            "pypi.org:0",
            "pypi.org:http",
            "pypi.org:70000",
            "a..b",
            "[::1",
            "10.0.0.0/33",
            "x/8",
            "*.",
            "white space",
            "[2001:db8::1]x",
        ] {
            assert!(
                matches!(Entry::parse(bad), Err(AllowError::Syntax { .. })),
                "{bad:?} parsed"
            );
        }
    }

    /// `localhost` and 127.0.0.1 are the sandbox's own loopback: refused, with the way
    /// out named; another loopback address of the host is not.
    #[test]
    fn the_sandbox_s_own_loopback_is_refused_with_an_explanation() {
        for own in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1:80",
            "[::1]:443",
            "127.0.0.0/8",
            "::/0",
            "*.localhost",
        ] {
            let err = Entry::parse(own).unwrap_err();
            assert!(
                matches!(err, AllowError::OwnLoopback { .. }),
                "{own}: {err:?}"
            );
            assert!(err.to_string().contains("127.0.0.2"), "{err}");
        }
        assert!(Entry::parse("127.0.0.2:8000").is_ok());
    }

    #[test]
    fn ports_default_to_80_and_443() {
        let l = list(&["pypi.org", "static.crates.io:8443"]);
        let ok = |h: &str, p| l.decide(h, p, to(&["151.101.0.223"])).is_ok();
        assert!(ok("pypi.org", 443));
        assert!(ok("pypi.org", 80));
        assert!(!ok("pypi.org", 22));
        assert!(ok("static.crates.io", 8443));
        assert!(!ok("static.crates.io", 443));
    }

    /// A name no entry allows is refused without being resolved (no DNS query leaks it).
    #[test]
    fn a_name_not_allowed_is_not_resolved() {
        let l = list(&["pypi.org"]);
        assert_eq!(
            l.decide("example.com", 443, never),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            l.decide("evilpypi.org", 443, never),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            l.decide("pypi.org.evil", 443, never),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(l.decide("not a name", 443, never), Err(Refusal::NotAllowed));
        assert_eq!(
            Refusal::NotAllowed.to_string(),
            "not in --net-allow",
            "the report's words"
        );
    }

    #[test]
    fn wildcards_allow_names_under_the_suffix_only() {
        let l = list(&["*.example.org"]);
        let r = |h: &str| l.decide(h, 443, to(&["93.184.215.14"])).is_ok();
        assert!(r("a.example.org"));
        assert!(r("A.B.Example.ORG."));
        assert!(!r("example.org"));
        assert!(!r("badexample.org"));
        assert!(!r("example.org.evil.net"));
    }

    /// The addresses returned are the ones checked: the proxy connects to them, and a
    /// second resolution that would land elsewhere never happens.
    #[test]
    fn the_checked_addresses_are_the_ones_to_connect_to() {
        let l = list(&["registry.npmjs.org"]);
        let got = l
            .decide(
                "registry.npmjs.org",
                443,
                to(&["104.16.1.34", "2606:4700::6810:122"]),
            )
            .unwrap();
        assert_eq!(
            got,
            vec![
                "104.16.1.34:443".parse::<SocketAddr>().unwrap(),
                "[2606:4700::6810:122]:443".parse().unwrap()
            ]
        );
    }

    /// An allowed name that resolves (or rebinds) to the metadata endpoint, a private,
    /// loopback, link-local, CGNAT, unique-local, multicast or unspecified address, in
    /// any IPv6 form that carries one, is refused; even when its other addresses are
    /// fine. The same addresses given explicitly are allowed (the control).
    #[test]
    fn special_addresses_are_refused_unless_explicit() {
        let l = list(&["pypi.org"]);
        for bad in [
            "169.254.169.254",
            "169.254.1.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "127.0.0.2",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "fec0::1",
        ] {
            let got = l.decide("pypi.org", 443, to(&["151.101.0.223", bad]));
            assert!(
                matches!(got, Err(Refusal::SpecialAddress { .. })),
                "{bad}: {got:?}"
            );
            let msg = got.unwrap_err().to_string();
            assert!(msg.contains("only an explicit --net-allow"), "{msg}");
        }
        let meta = l
            .decide("pypi.org", 80, to(&["169.254.169.254"]))
            .unwrap_err();
        assert!(
            meta.to_string().contains("cloud metadata endpoint"),
            "{meta}"
        );
        // The control: the same name to an ordinary address; and the special ones when
        // an entry names their range.
        assert!(l.decide("pypi.org", 443, to(&["151.101.0.223"])).is_ok());
        let l = list(&[
            "mirror.internal",
            "10.0.0.0/8:443",
            "[fd00::/8]:443",
            "169.254.169.254:80",
        ]);
        assert!(l
            .decide("mirror.internal", 443, to(&["10.1.2.3", "fd00::5"]))
            .is_ok());
        assert!(l
            .decide("mirror.internal", 443, to(&["::ffff:10.1.2.3"]))
            .is_ok());
        assert!(l.decide("169.254.169.254", 80, never).is_ok());
        // The range's port only.
        assert!(matches!(
            l.decide("mirror.internal", 80, to(&["10.1.2.3"])),
            Err(Refusal::SpecialAddress { .. })
        ));
    }

    /// Rebinding: the first resolution is the one checked and returned; a resolver that
    /// answers differently the next time is never asked again.
    #[test]
    fn rebinding_is_decided_on_the_one_resolution() {
        let l = list(&["pypi.org"]);
        let mut calls = 0;
        let got = l.decide("pypi.org", 443, |_, _| {
            calls += 1;
            Ok(ips(if calls == 1 {
                &["151.101.0.223"]
            } else {
                &["169.254.169.254"]
            }))
        });
        assert_eq!(calls, 1);
        assert_eq!(
            got.unwrap(),
            vec!["151.101.0.223:443".parse::<SocketAddr>().unwrap()]
        );
        // The rebound answer alone is refused.
        assert!(l.decide("pypi.org", 443, to(&["169.254.169.254"])).is_err());
    }

    #[test]
    fn literals_need_an_address_entry() {
        let l = list(&["pypi.org", "192.0.2.0/24:8080", "127.0.0.2:8000"]);
        // The address a name resolves to is not allowed by the name.
        assert_eq!(
            l.decide("151.101.0.223", 443, never),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            l.decide("169.254.169.254", 80, never),
            Err(Refusal::NotAllowed)
        );
        assert!(l.decide("192.0.2.77", 8080, never).is_ok());
        assert!(l.decide("[::ffff:192.0.2.77]", 8080, never).is_ok());
        assert_eq!(l.decide("192.0.2.77", 80, never), Err(Refusal::NotAllowed));
        assert!(l.decide("127.0.0.2", 8000, never).is_ok());
        assert_eq!(l.decide("127.0.0.3", 8000, never), Err(Refusal::NotAllowed));
    }

    /// A name allowed by no name entry but whose addresses all lie in an allowed range is
    /// allowed (the range was allowed); one outside it is refused.
    #[test]
    fn ranges_allow_names_that_resolve_into_them() {
        let l = list(&["10.0.0.0/8:443"]);
        assert!(l.decide("git.corp", 443, to(&["10.9.9.9"])).is_ok());
        assert_eq!(
            l.decide("git.corp", 443, to(&["10.9.9.9", "151.101.0.223"])),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(l.decide("git.corp", 80, never), Err(Refusal::NotAllowed));
    }

    #[test]
    fn resolution_failures_are_refusals() {
        let l = list(&["pypi.org"]);
        assert_eq!(
            l.decide("pypi.org", 443, |_, _| Err("no such host".into())),
            Err(Refusal::Unresolved("no such host".into()))
        );
        assert_eq!(l.decide("pypi.org", 443, to(&[])), Err(Refusal::NoAddress));
    }

    /// Learning lets any destination through, but never to a special address by a name
    /// or a literal (the metadata endpoint stays out of reach while learning).
    #[test]
    fn learning_still_refuses_special_addresses() {
        let l = list(&["pypi.org"]);
        assert!(l
            .decide_learning("example.com", 443, to(&["93.184.215.14"]))
            .is_ok());
        assert!(l.decide_learning("151.101.0.223", 22, never).is_ok());
        for (host, addrs) in [
            ("metadata.internal", &["169.254.169.254"][..]),
            ("169.254.169.254", &[][..]),
            ("lan.example", &["192.168.1.1"][..]),
            ("[::ffff:10.0.0.1]", &[][..]),
        ] {
            let got = l.decide_learning(host, 80, to(addrs));
            assert!(
                matches!(got, Err(Refusal::SpecialAddress { .. })),
                "{host}: {got:?}"
            );
        }
        // An address the list names, on another port: learnable.
        let l = list(&["10.0.0.0/8:443", "127.0.0.2:8000"]);
        assert!(l
            .decide_learning("git.corp", 8080, to(&["10.1.2.3"]))
            .is_ok());
        assert!(l.decide_learning("127.0.0.2", 9000, never).is_ok());
        assert!(l.decide_learning("127.0.0.3", 9000, never).is_err());
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
            any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
            // Weighted towards the special ranges and their IPv4-mapped forms.
            (0usize..6, any::<u16>()).prop_map(|(i, low)| {
                let base = [
                    [169, 254, 169, 254],
                    [10, 0, 0, 0],
                    [127, 0, 0, 0],
                    [192, 168, 0, 0],
                    [100, 64, 0, 0],
                    [172, 16, 0, 0],
                ][i];
                let v4 = u32::from(Ipv4Addr::from(base)) | u32::from(low) & 0xff;
                IpAddr::V6(Ipv4Addr::from(v4).to_ipv6_mapped())
            }),
        ]
    }

    proptest! {
        /// Whatever a name resolves to, an allowed destination never includes an address
        /// in a special range that no address entry names, and every address returned is
        /// one the resolver gave.
        #[test]
        fn no_special_address_gets_through(addrs in proptest::collection::vec(any_ip(), 0..5)) {
            let l = list(&["pypi.org", "192.0.2.0/24"]);
            if let Ok(got) = l.decide("pypi.org", 443, |_, _| Ok(addrs.clone())) {
                prop_assert!(!got.is_empty());
                for sa in got {
                    prop_assert!(addrs.contains(&sa.ip()));
                    prop_assert_eq!(sa.port(), 443);
                    let ip = canonical(sa.ip());
                    prop_assert!(special_range(ip).is_none() || l.entries.iter().any(|e| e.covers(ip)));
                }
            }
        }

        /// A mapped IPv6 address is judged as the IPv4 address it carries.
        #[test]
        fn mapped_addresses_are_judged_as_ipv4(v in any::<u32>()) {
            let v4 = Ipv4Addr::from(v);
            prop_assert_eq!(special_range(IpAddr::V4(v4)), special_range(IpAddr::V6(v4.to_ipv6_mapped())));
        }

        /// Parsing never panics, and an entry that parses allows at least its own literal
        /// or name on one of its ports.
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Entry::parse(&s);
        }
    }
}
