//! The egress proxy: HTTP `CONNECT` (any TCP protocol, TLS above all), plain HTTP
//! forwarding (absolute-form request targets) and SOCKS5 `CONNECT` ([`super::socks`],
//! told apart by the first byte), each destination decided by [`AllowList::decide`] and
//! connected to at the addresses it checked.
//!
//! It runs outside the sandbox, in a process of its own that the launch forks before
//! the sandbox's namespaces exist (`exec::egress_relay`), and accepts on a listening
//! socket made inside the sandbox's network namespace. Threads: one per connection
//! (two while a tunnel copies both ways), on small stacks.
//!
//! Bounds ([`Limits::DEFAULT`]): at most 512 connections at once (the next is answered
//! 503 and closed; fewer when the descriptor limit is lower, six descriptors each), a
//! request head of at most 16 KiB (freed once the tunnel starts; a SOCKS5 request is
//! read into fixed buffers of at most 255 bytes), then per direction a
//! pipe of 64 KiB (the kernel's default size) that `splice` moves the bytes through, or
//! a 32 KiB buffer where the kernel refuses to splice: at most 512 × 2 × 64 KiB = 64 MiB
//! in flight in all, plus the threads' stacks (256 KiB reserved for the thread that
//! resolves, 64 KiB for the second copier; only the pages touched are resident). The
//! distinct refusals kept for the report are bounded too ([`MAX_REFUSALS`]).

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::allow::{AllowList, Refusal};
use super::events::{Event, Sender, MAX_EVENTS};
use super::socks::{self, SocksError};

/// The proxy's bounds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once.
    pub connections: usize,
    /// The longest request head (request line and headers).
    pub head: usize,
    /// Each direction's copy buffer.
    pub buffer: usize,
    /// How long a client may take to send its request head.
    pub head_timeout: Duration,
    /// How long a connection to one address may take.
    pub connect_timeout: Duration,
    /// How long a tunnel may stay silent both ways before it is closed.
    pub idle_timeout: Duration,
}

impl Limits {
    /// The bounds caprun runs with (see the module documentation).
    pub const DEFAULT: Limits = Limits {
        connections: 512,
        head: 16 * 1024,
        buffer: 32 * 1024,
        head_timeout: Duration::from_secs(30),
        connect_timeout: Duration::from_secs(15),
        idle_timeout: Duration::from_secs(600),
    };
}

/// The distinct refused destinations named in the report; those after are counted.
pub const MAX_REFUSALS: usize = 32;

/// Resolves a name to its addresses (the system's resolver; tests inject their own).
pub type Resolver = dyn Fn(&str, u16) -> Result<Vec<IpAddr>, String> + Send + Sync;

/// Where the refusal reports go (one line each, `caprun: refused egress to …`).
pub type Reporter = dyn Fn(&str) + Send + Sync;

/// Who hears of the proxy's decisions, and whether it is learning.
#[derive(Debug, Default)]
pub struct Observe {
    /// Report each refused destination as it happens (else only to `events`).
    pub live: bool,
    /// `--learn`: a destination outside the allow list is let through (unless one of its
    /// addresses is special: [`AllowList::decide_learning`]) and recorded.
    pub learn: bool,
    /// The supervisor's session: refusals (for its failure summary), destinations used
    /// while learning.
    pub events: Option<Sender>,
}

/// The proxy's state, shared by its threads.
pub struct Proxy {
    allow: AllowList,
    limits: Limits,
    resolver: Box<Resolver>,
    report: Box<Reporter>,
    observe: Observe,
    active: AtomicUsize,
    refused: Mutex<Refused>,
    /// Learning: the destinations recorded so far (at most [`MAX_EVENTS`]).
    used: Mutex<HashSet<String>>,
}

#[derive(Default)]
struct Refused {
    named: HashSet<String>,
    more: bool,
}

/// The system's resolver (`getaddrinfo`), outside the sandbox.
pub fn system_resolver(host: &str, port: u16) -> Result<Vec<IpAddr>, String> {
    (host, port)
        .to_socket_addrs()
        .map(|a| a.map(|sa| sa.ip()).collect())
        .map_err(|e| e.to_string())
}

impl Proxy {
    /// A proxy for `allow`, resolving with `resolver` and reporting refusals to
    /// `report`.
    pub fn new(
        allow: AllowList,
        limits: Limits,
        resolver: Box<Resolver>,
        report: Box<Reporter>,
        observe: Observe,
    ) -> Arc<Proxy> {
        Arc::new(Proxy {
            allow,
            limits,
            resolver,
            report,
            observe,
            active: AtomicUsize::new(0),
            refused: Mutex::new(Refused::default()),
            used: Mutex::new(HashSet::new()),
        })
    }

    /// The decision on `host:port`: the allow list's, or while learning, what it lets
    /// through besides (recorded).
    fn decide(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
        let resolve = &*self.resolver;
        match self.allow.decide(host, port, resolve) {
            Err(Refusal::NotAllowed) if self.observe.learn => {
                let addrs = self.allow.decide_learning(host, port, resolve)?;
                let dest = authority(host, port).to_ascii_lowercase();
                let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
                if used.len() < MAX_EVENTS && used.insert(dest.clone()) {
                    if let Some(e) = &self.observe.events {
                        e.send(&Event::Used { dest });
                    }
                }
                Ok(addrs)
            }
            other => other,
        }
    }

    /// Accept connections on `listener` and serve each on a thread of its own, until
    /// accepting fails for good.
    pub fn serve(self: &Arc<Self>, listener: TcpListener) -> io::Error {
        loop {
            let client = match listener.accept() {
                Ok((c, _)) => c,
                Err(e) if is_transient(&e) => {
                    // Out of descriptors or memory for a moment: let connections end.
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => return e,
            };
            if self.active.fetch_add(1, Ordering::AcqRel) >= self.limits.connections {
                self.active.fetch_sub(1, Ordering::AcqRel);
                let _ = client.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = respond(
                    &client,
                    503,
                    "caprun: too many egress connections at once\n",
                );
                continue;
            }
            let me = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name("egress".into())
                .stack_size(256 * 1024)
                .spawn(move || {
                    let _ = me.handle(client);
                    me.active.fetch_sub(1, Ordering::AcqRel);
                });
            if spawned.is_err() {
                self.active.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    /// One client connection: its request, the decision, then the tunnel.
    fn handle(&self, mut client: TcpStream) -> io::Result<()> {
        client.set_read_timeout(Some(self.limits.head_timeout))?;
        let mut first = [0u8; 1];
        if client.peek(&mut first)? == 1 && first[0] == socks::VERSION {
            return self.handle_socks(client);
        }
        let (head, extra) = match read_head(&mut client, self.limits.head) {
            Ok(h) => h,
            Err(HeadError::Io(e)) => return Err(e),
            Err(HeadError::TooLong) => {
                return respond(&client, 431, "caprun: the request head is too long\n")
            }
        };
        let req = match Request::parse(&head) {
            Ok(r) => r,
            Err(why) => return respond(&client, 400, &format!("caprun: {why}\n")),
        };
        let addrs = match self.decide(&req.host, req.port) {
            Ok(a) => a,
            Err(refusal) => {
                let line = self.refuse(&req.host, req.port, &refusal);
                return respond(&client, 403, &line);
            }
        };
        let mut upstream = match connect(&addrs, self.limits.connect_timeout) {
            Ok(s) => s,
            Err(e) => {
                let what = format!(
                    "caprun: egress to {}: cannot connect: {e}\n",
                    authority(&req.host, req.port)
                );
                return respond(&client, 502, &what);
            }
        };
        match &req.forward {
            None => client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?,
            Some(head) => upstream.write_all(head)?,
        }
        upstream.write_all(&extra)?;
        self.tunnel(client, upstream)
    }

    /// One SOCKS5 client connection: its greeting and request, the same decision as for
    /// `CONNECT` (a refusal reported the same way), then the tunnel.
    fn handle_socks(&self, mut client: TcpStream) -> io::Result<()> {
        let request = socks::greet(&mut client).and_then(|()| socks::read_request(&mut client));
        let (host, port) = match request {
            Ok(dest) => dest,
            Err(SocksError::Io(e)) => return Err(e),
            Err(SocksError::NoMethod) => return Ok(()),
            Err(SocksError::Unserved { reply, .. }) => return socks_fail(&client, reply),
        };
        let addrs = match self.decide(&host, port) {
            Ok(a) => a,
            Err(refusal) => {
                self.refuse(&host, port, &refusal);
                return socks_fail(&client, socks::Reply::NotAllowed);
            }
        };
        let upstream = match connect(&addrs, self.limits.connect_timeout) {
            Ok(s) => s,
            Err(e) => return socks_fail(&client, socks::Reply::for_connect_error(&e)),
        };
        socks::reply(&mut client, socks::Reply::Succeeded)?;
        self.tunnel(client, upstream)
    }

    /// Copy both ways until both sides are done (or silent for too long).
    fn tunnel(&self, client: TcpStream, upstream: TcpStream) -> io::Result<()> {
        for s in [&client, &upstream] {
            s.set_read_timeout(Some(self.limits.idle_timeout))?;
            s.set_nodelay(true)?;
        }
        let buffer = self.limits.buffer;
        // The second direction on a thread of its own, sharing the two sockets (no
        // duplicated descriptors: six per connection with the two pipes).
        std::thread::scope(|scope| {
            let up = std::thread::Builder::new()
                .name("egress-up".into())
                .stack_size(64 * 1024)
                .spawn_scoped(scope, || copy(&client, &upstream, buffer))?;
            copy(&upstream, &client, buffer);
            let _ = up.join();
            Ok(())
        })
    }

    /// Record a refusal and return the line that names it (the 403's body too).
    fn refuse(&self, host: &str, port: u16, refusal: &Refusal) -> String {
        let line = format!(
            "caprun: refused egress to {}: {refusal}\n",
            authority(host, port)
        );
        let mut r = self.refused.lock().unwrap_or_else(|p| p.into_inner());
        let key = authority(host, port).to_ascii_lowercase();
        if r.named.contains(&key) {
            return line;
        }
        if r.named.len() < MAX_REFUSALS {
            r.named.insert(key);
            if self.observe.live {
                (self.report)(&line);
            }
            if let Some(e) = &self.observe.events {
                e.send(&Event::Refused {
                    dest: authority(host, port),
                    reason: refusal.to_string(),
                });
            }
        } else if !r.more {
            r.more = true;
            if self.observe.live {
                (self.report)(&format!(
                    "caprun: further refused egress destinations are not named (the first {MAX_REFUSALS} were)\n"
                ));
            }
        }
        line
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::EMFILE
                | libc::ENFILE
                | libc::ENOBUFS
                | libc::ENOMEM
                | libc::ECONNABORTED
                | libc::EINTR
        )
    )
}

/// `host:port`, with brackets around an IPv6 address.
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The first of `addrs` that accepts a connection.
fn connect(addrs: &[SocketAddr], timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for a in addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Copy `from` to `to` until end of file or an error, then pass the end on: through a
/// pipe with `splice` (the bytes stay in the kernel: no user-space buffer, and the
/// pipe's 64 KiB are the bound), or with a `size` buffer where splicing is refused.
fn copy(from: &TcpStream, to: &TcpStream, size: usize) {
    if let Ok((r, w)) = crate::sys::net::pipe() {
        match splice_all(from, to, &r, &w) {
            Spliced::Done => {
                let _ = to.shutdown(Shutdown::Write);
                let _ = from.shutdown(Shutdown::Read);
                return;
            }
            Spliced::Unsupported => {}
        }
    }
    copy_buffered(from, to, size)
}

enum Spliced {
    /// The end of `from`, or an error (the connection is over).
    Done,
    /// The kernel refuses to splice these (nothing was moved yet).
    Unsupported,
}

fn splice_all(from: &TcpStream, to: &TcpStream, r: &OwnedFd, w: &OwnedFd) -> Spliced {
    use crate::sys::net::splice;
    const CHUNK: usize = 64 * 1024;
    let mut moved_any = false;
    loop {
        let mut n = match splice(from.as_fd(), w.as_fd(), CHUNK) {
            Ok(0) => return Spliced::Done,
            Ok(n) => n,
            Err(Errno::EINVAL | Errno::ENOSYS) if !moved_any => return Spliced::Unsupported,
            Err(_) => return Spliced::Done,
        };
        moved_any = true;
        while n > 0 {
            match splice(r.as_fd(), to.as_fd(), n) {
                Ok(0) | Err(_) => return Spliced::Done,
                Ok(m) => n -= m,
            }
        }
    }
}

/// [`copy`] with a buffer in user space.
fn copy_buffered(mut from: &TcpStream, mut to: &TcpStream, size: usize) {
    let mut buf = vec![0u8; size];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Answer a SOCKS5 request with the failure `reply` and close.
fn socks_fail(mut client: &TcpStream, reply: socks::Reply) -> io::Result<()> {
    socks::reply(&mut client, reply)?;
    let _ = client.shutdown(Shutdown::Write);
    Ok(())
}

/// Answer `status` with `body` (text) and close.
fn respond(mut client: &TcpStream, status: u16, body: &str) -> io::Result<()> {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        _ => "Service Unavailable",
    };
    let msg = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(msg.as_bytes())?;
    let _ = client.shutdown(Shutdown::Write);
    Ok(())
}

enum HeadError {
    Io(io::Error),
    TooLong,
}

/// Read up to the end of the request head: the head, and what came after it.
fn read_head(client: &mut TcpStream, max: usize) -> Result<(Vec<u8>, Vec<u8>), HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = match client.read(&mut chunk) {
            Ok(0) => {
                return Err(HeadError::Io(io::ErrorKind::UnexpectedEof.into()));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(HeadError::Io(e)),
        };
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = find(&buf[from..], b"\r\n\r\n") {
            let end = from + i + 4;
            if end > max {
                return Err(HeadError::TooLong);
            }
            let extra = buf.split_off(end);
            return Ok((buf, extra));
        }
        if buf.len() > max {
            return Err(HeadError::TooLong);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A request to the proxy.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// The destination, as named (brackets removed from an IPv6 literal).
    host: String,
    port: u16,
    /// For plain HTTP: the head to send upstream (origin-form, `Connection: close`).
    /// `None` for `CONNECT`.
    forward: Option<Vec<u8>>,
}

impl Request {
    fn parse(head: &[u8]) -> Result<Request, String> {
        let text = std::str::from_utf8(head).map_err(|_| "the request head is not UTF-8")?;
        let mut lines = text.split("\r\n");
        let line = lines.next().unwrap_or("");
        let mut parts = line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("not an HTTP request line: {line:?}"));
        };
        if !version.starts_with("HTTP/1.") || method.is_empty() {
            return Err(format!("not an HTTP/1 request line: {line:?}"));
        }
        if method == "CONNECT" {
            let (host, port) = split_authority(target, None)?;
            return Ok(Request {
                host,
                port,
                forward: None,
            });
        }
        let Some(rest) = target.strip_prefix("http://").or_else(|| {
            target
                .get(..7)
                .filter(|s| s.eq_ignore_ascii_case("http://"))
                .map(|_| &target[7..])
        }) else {
            return Err(format!(
                "a proxy request names an http:// URL (or uses CONNECT for TLS), not {target:?}"
            ));
        };
        let (auth, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        if auth.contains('@') {
            return Err("credentials in a proxy request's URL are not forwarded".into());
        }
        let (host, port) = split_authority(auth, Some(80))?;
        let mut out = format!("{method} {path} {version}\r\n");
        out.push_str(&format!("Host: {auth}\r\n"));
        for h in lines.take_while(|l| !l.is_empty()) {
            let name = h.split(':').next().unwrap_or("").trim();
            const HOP: [&str; 5] = [
                "host",
                "connection",
                "proxy-connection",
                "proxy-authorization",
                "keep-alive",
            ];
            if HOP.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
            out.push_str(h);
            out.push_str("\r\n");
        }
        out.push_str("Connection: close\r\n\r\n");
        Ok(Request {
            host,
            port,
            forward: Some(out.into_bytes()),
        })
    }
}

/// `host[:port]` or `[v6][:port]`; the port is required unless `default`.
fn split_authority(auth: &str, default: Option<u16>) -> Result<(String, u16), String> {
    let bad = || format!("not HOST:PORT: {auth:?}");
    let (host, port) = if let Some(rest) = auth.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        match after {
            "" => (h, None),
            _ => (h, Some(after.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match auth.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (auth, None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(bad)?,
        None => default.ok_or_else(bad)?,
    };
    if host.is_empty() || host.contains(['/', ' ', '@']) {
        return Err(bad());
    }
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_requests_parse() {
        let r =
            Request::parse(b"CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.forward),
            ("pypi.org", 443, None)
        );
        let r = Request::parse(b"CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("2001:db8::1", 8443));
        assert!(Request::parse(b"CONNECT pypi.org HTTP/1.1\r\n\r\n").is_err());
    }

    /// The forwarded head is origin-form, with the URL's host, without the hop-by-hop
    /// and proxy headers, and asks the server to close.
    #[test]
    fn plain_requests_are_rewritten() {
        let r = Request::parse(
            b"GET http://127.0.0.2:8000/simple/?q=1 HTTP/1.1\r\nHost: evil.example\r\nProxy-Authorization: x\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.host.as_str(), r.port), ("127.0.0.2", 8000));
        assert_eq!(
            String::from_utf8(r.forward.unwrap()).unwrap(),
            "GET /simple/?q=1 HTTP/1.1\r\nHost: 127.0.0.2:8000\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        let r = Request::parse(b"GET http://example.org?x HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!((r.host.as_str(), r.port), ("example.org", 80));
        assert!(String::from_utf8(r.forward.unwrap())
            .unwrap()
            .starts_with("GET /?x HTTP/1.0\r\n"));
        for bad in [
            &b"GET /index.html HTTP/1.1\r\n\r\n"[..],
            b"GET https://example.org/ HTTP/1.1\r\n\r\n",
            b"GET http://user:pw@example.org/ HTTP/1.1\r\n\r\n",
            b"GET http://example.org/ SPDY\r\n\r\n",
            b"\xff\r\n\r\n",
        ] {
            assert!(
                Request::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    /// A server on 127.0.0.2 answering each connection with `body` after reading its
    /// request head (loopback only).
    fn origin(body: &'static [u8]) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2");
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut c in l.incoming().flatten() {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && c.read(&mut b).unwrap_or(0) == 1 {
                    head.push(b[0]);
                }
                let _ = c.write_all(body);
            }
        });
        addr
    }

    /// A proxy for `allow` on 127.0.0.1:0 whose resolver maps every name to `resolves`,
    /// and its refusal lines.
    fn proxy(allow: &[&str], resolves: Vec<IpAddr>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l2 = Arc::clone(&lines);
        let p = Proxy::new(
            AllowList::parse(allow).unwrap(),
            Limits::DEFAULT,
            Box::new(move |_, _| Ok(resolves.clone())),
            Box::new(move |s| l2.lock().unwrap().push(s.to_owned())),
            Observe {
                live: true,
                ..Observe::default()
            },
        );
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || p.serve(l));
        (addr, lines)
    }

    fn exchange(proxy: SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(proxy).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    /// Through the proxy: CONNECT and a plain request reach the allowed origin; another
    /// port, a name that resolves to loopback, and an address not allowed get a 403 that
    /// names them, reported once each. The control: the allowed requests succeed.
    #[test]
    fn the_proxy_forwards_what_is_allowed_and_refuses_the_rest() {
        let o = origin(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        let (p, lines) = proxy(
            &[&format!("{}", o), "mirror.test:80"],
            vec!["127.0.0.2".parse().unwrap()],
        );
        let got = exchange(
            p,
            &format!("CONNECT {o} HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
        );
        assert!(
            got.starts_with("HTTP/1.1 200 Connection established\r\n\r\n"),
            "{got}"
        );
        assert!(got.ends_with("hello"), "{got}");
        let got = exchange(
            p,
            &format!("GET http://{o}/x HTTP/1.1\r\nHost: {o}\r\n\r\n"),
        );
        assert!(
            got.starts_with("HTTP/1.1 200 OK") && got.ends_with("hello"),
            "{got}"
        );

        let other = format!("127.0.0.2:{}", o.port() ^ 1);
        let got = exchange(p, &format!("CONNECT {other} HTTP/1.1\r\n\r\n"));
        assert!(got.starts_with("HTTP/1.1 403"), "{got}");
        assert!(
            got.contains(&format!("refused egress to {other}: not in --net-allow")),
            "{got}"
        );
        // An allowed name that resolves to a loopback address nobody allowed explicitly.
        let got = exchange(p, "GET http://mirror.test/ HTTP/1.1\r\n\r\n");
        assert!(got.starts_with("HTTP/1.1 403"), "{got}");
        assert!(got.contains("resolves to 127.0.0.2, loopback"), "{got}");
        // The same refusal again is not reported again.
        exchange(p, &format!("CONNECT {other} HTTP/1.1\r\n\r\n"));
        let lines = lines.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            format!("caprun: refused egress to {other}: not in --net-allow\n")
        );
    }

    /// A SOCKS5 CONNECT to `host:port` (by name, or by IPv4 address when it parses as
    /// one) through the proxy at `proxy`, then `send`: the reply code and what came back.
    fn socks_exchange(proxy: SocketAddr, host: &str, port: u16, send: &[u8]) -> (u8, Vec<u8>) {
        let mut s = TcpStream::connect(proxy).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(&[5, 1, 0]).unwrap();
        let mut greeting = [0u8; 2];
        s.read_exact(&mut greeting).unwrap();
        assert_eq!(greeting, [5, 0]);
        let mut req = vec![5, 1, 0];
        match host.parse::<std::net::Ipv4Addr>() {
            Ok(a) => {
                req.push(1);
                req.extend_from_slice(&a.octets());
            }
            Err(_) => {
                req.extend_from_slice(&[3, host.len() as u8]);
                req.extend_from_slice(host.as_bytes());
            }
        }
        req.extend_from_slice(&port.to_be_bytes());
        s.write_all(&req).unwrap();
        let mut reply = [0u8; 10];
        s.read_exact(&mut reply).unwrap();
        assert_eq!((reply[0], &reply[2..]), (5, &[0, 1, 0, 0, 0, 0, 0, 0][..]));
        let _ = s.write_all(send);
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        (reply[1], rest)
    }

    /// SOCKS5 on the proxy's port: a name the proxy resolves and an IPv4 address reach
    /// the allowed origin; another port, and an allowed name resolving to loopback that
    /// nobody allowed, are refused (reply 2) and reported like CONNECT's refusals. The
    /// control: the allowed destinations in the same run get through.
    #[test]
    fn socks5_connects_what_is_allowed_and_refuses_the_rest() {
        let o = origin(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        let (p, lines) = proxy(
            &[
                &o.to_string(),
                &format!("mirror.test:{}", o.port()),
                "other.test:80",
            ],
            vec!["127.0.0.2".parse().unwrap()],
        );
        let get = b"GET / HTTP/1.1\r\n\r\n";
        for host in ["127.0.0.2", "mirror.test"] {
            let (code, body) = socks_exchange(p, host, o.port(), get);
            assert_eq!(code, 0, "{host}");
            assert!(body.ends_with(b"hello"), "{host}: {body:?}");
        }
        let (code, body) = socks_exchange(p, "127.0.0.2", o.port() ^ 1, get);
        assert_eq!((code, body.len()), (2, 0));
        let (code, _) = socks_exchange(p, "other.test", 80, get);
        assert_eq!(code, 2);
        let lines = lines.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            format!(
                "caprun: refused egress to 127.0.0.2:{}: not in --net-allow\n",
                o.port() ^ 1
            )
        );
        assert!(
            lines[1].starts_with("caprun: refused egress to other.test:80: ")
                && lines[1].contains("resolves to 127.0.0.2, loopback"),
            "{lines:?}"
        );
    }

    /// The report of refusals is bounded: the first MAX_REFUSALS destinations, then one
    /// line.
    #[test]
    fn refusal_reports_are_bounded() {
        let (p, lines) = proxy(&["127.0.0.2:1"], vec![]);
        for port in 2..(MAX_REFUSALS as u16 + 12) {
            let got = exchange(p, &format!("CONNECT 127.0.0.2:{port} HTTP/1.1\r\n\r\n"));
            assert!(got.starts_with("HTTP/1.1 403"), "{got}");
        }
        let lines = lines.lock().unwrap().clone();
        assert_eq!(lines.len(), MAX_REFUSALS + 1);
        assert!(lines[MAX_REFUSALS].contains("not named"), "{lines:?}");
    }

    /// A request head longer than the bound is answered 431 (memory per connection is
    /// bounded before anything is decided); a malformed one 400.
    #[test]
    fn heads_are_bounded_and_checked() {
        let (p, _) = proxy(&["127.0.0.2:1"], vec![]);
        let long = format!(
            "GET http://a/ HTTP/1.1\r\nX: {}\r\n\r\n",
            "x".repeat(20_000)
        );
        let mut s = TcpStream::connect(p).unwrap();
        let _ = s.write_all(long.as_bytes());
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(out.starts_with("HTTP/1.1 431"), "{out}");
        assert!(exchange(p, "hello\r\n\r\n").starts_with("HTTP/1.1 400"));
    }

    /// Many megabytes both ways through a tunnel arrive intact and in order (the splice
    /// path, and the end of each direction passed on).
    #[test]
    fn large_transfers_arrive_intact() {
        let l = TcpListener::bind("127.0.0.2:0").unwrap();
        let o = l.local_addr().unwrap();
        let pattern = |i: usize| (i % 251) as u8;
        const SIZE: usize = 8 << 20;
        // Reads SIZE bytes, checks them, then answers with SIZE bytes.
        std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            let mut got = vec![0u8; SIZE];
            c.read_exact(&mut got).unwrap();
            let ok = got.iter().enumerate().all(|(i, &b)| b == pattern(i));
            let reply: Vec<u8> = (0..SIZE).map(|i| pattern(i + usize::from(!ok))).collect();
            c.write_all(&reply).unwrap();
        });
        let (p, _) = proxy(&[&o.to_string()], vec![]);
        let mut s = TcpStream::connect(p).unwrap();
        s.write_all(format!("CONNECT {o} HTTP/1.1\r\n\r\n").as_bytes())
            .unwrap();
        let mut head = [0u8; 39];
        s.read_exact(&mut head).unwrap();
        let data: Vec<u8> = (0..SIZE).map(pattern).collect();
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || w.write_all(&data).unwrap());
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        writer.join().unwrap();
        assert_eq!(back.len(), SIZE);
        assert!(
            back.iter().enumerate().all(|(i, &b)| b == pattern(i)),
            "corrupted"
        );
    }

    /// Past the connection bound, a connection is answered 503 at once (memory and
    /// threads stay bounded); once one ends, the next is served again.
    #[test]
    fn connections_past_the_bound_are_turned_away() {
        let l = TcpListener::bind("127.0.0.2:0").unwrap();
        let o = l.local_addr().unwrap();
        // Each connection ends when its client's does.
        std::thread::spawn(move || {
            for mut c in l.incoming().flatten() {
                std::thread::spawn(move || std::io::copy(&mut c, &mut std::io::sink()));
            }
        });
        let p = Proxy::new(
            AllowList::parse(&[o.to_string()]).unwrap(),
            Limits {
                connections: 2,
                ..Limits::DEFAULT
            },
            Box::new(|_, _| Ok(vec![])),
            Box::new(|_| {}),
            Observe::default(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || p.serve(listener));
        let mut open = Vec::new();
        for _ in 0..2 {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(format!("CONNECT {o} HTTP/1.1\r\n\r\n").as_bytes())
                .unwrap();
            let mut head = [0u8; 39];
            s.read_exact(&mut head).unwrap();
            assert!(head.starts_with(b"HTTP/1.1 200"));
            open.push(s);
        }
        let got = exchange(addr, &format!("CONNECT {o} HTTP/1.1\r\n\r\n"));
        assert!(got.starts_with("HTTP/1.1 503"), "{got}");
        drop(open);
        let start = std::time::Instant::now();
        loop {
            let got = exchange(addr, "CONNECT 127.0.0.2:1 HTTP/1.1\r\n\r\n");
            if got.starts_with("HTTP/1.1 403") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{got}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// 300 tunnels open at once are all served (more than the 256 the proxy must hold).
    #[test]
    fn hundreds_of_connections_at_once() {
        let l = TcpListener::bind("127.0.0.2:0").unwrap();
        let o = l.local_addr().unwrap();
        // An echo server.
        std::thread::spawn(move || {
            for c in l.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut c = c;
                    let mut b = [0u8; 64];
                    while let Ok(n) = c.read(&mut b) {
                        if n == 0 || c.write_all(&b[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        let (p, _) = proxy(&[&o.to_string()], vec![]);
        let mut open = Vec::new();
        for _ in 0..300 {
            let mut s = TcpStream::connect(p).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            s.write_all(format!("CONNECT {o} HTTP/1.1\r\n\r\n").as_bytes())
                .unwrap();
            let mut head = [0u8; 39];
            s.read_exact(&mut head).unwrap();
            assert_eq!(&head, b"HTTP/1.1 200 Connection established\r\n\r\n");
            open.push(s);
        }
        for (i, s) in open.iter_mut().enumerate() {
            let msg = format!("{i:05}");
            s.write_all(msg.as_bytes()).unwrap();
            let mut back = [0u8; 5];
            s.read_exact(&mut back).unwrap();
            assert_eq!(&back, msg.as_bytes());
        }
    }
}
