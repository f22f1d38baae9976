//! `egress`: `--net-allow HOST[:PORT]`. The program keeps its private network namespace
//! (its own loopback only); a proxy outside the sandbox (HTTP, and SOCKS5 on the same
//! port), reachable inside on [`PROXY_ADDR`], connects to the destinations the allow list admits and nothing else.
//!
//! - [`allow`]: the allow list and the decision, a pure function (the resolver is
//!   injected);
//! - [`proxy`]: the proxy (`CONNECT` and plain HTTP), bounded;
//! - [`socks`]: its SOCKS5 side, on the same port;
//! - [`confine`]: the proxy's own process gives up the file system;
//! - [`events`]: what the proxy tells the supervisor's session (refusals, and while
//!   learning the destinations used);
//! - [`proxy_env`]: the variables that point the program's tools at it.
//!
//! The processes (the proxy's own, forked before the sandbox's namespaces exist, and the
//! listening socket made inside its network namespace) are `exec::egress_relay`'s.

pub mod allow;
pub mod confine;
pub mod events;
pub mod proxy;
pub mod socks;

pub use allow::{AllowError, AllowList};

/// Where the proxy listens inside the sandbox's network namespace (which is the
/// sandbox's own: the port is taken there only).
pub const PROXY_ADDR: std::net::SocketAddrV4 =
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, PROXY_PORT);

/// The port of [`PROXY_ADDR`].
pub const PROXY_PORT: u16 = 3128;

/// The environment that points the program at the proxy: `HTTP_PROXY`, `HTTPS_PROXY`,
/// `ALL_PROXY`, their lower-case forms, and `NO_PROXY` for the sandbox's own loopback.
pub fn proxy_env() -> Vec<(&'static str, String)> {
    let url = format!("http://{PROXY_ADDR}");
    let mut env = Vec::new();
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        env.push((name, url.clone()));
    }
    for name in ["http_proxy", "https_proxy", "all_proxy"] {
        env.push((name, url.clone()));
    }
    let local = "localhost,127.0.0.1,::1".to_owned();
    env.push(("NO_PROXY", local.clone()));
    env.push(("no_proxy", local));
    env
}

/// Serve the proxy for `allow` on `listener` (in the proxy's process, outside the
/// sandbox), each refusal reported once on `report` (when `observe` says so) and to
/// `observe`'s session. Returns when accepting fails.
pub fn serve(
    allow: AllowList,
    listener: std::net::TcpListener,
    report: Box<proxy::Reporter>,
    observe: proxy::Observe,
) -> std::io::Error {
    // Six descriptors a connection (two sockets, two pipes), and a few of the process's.
    let nofile = crate::sys::ids::getrlimit(libc::RLIMIT_NOFILE as _)
        .map_or(1024, |l| l.rlim_cur)
        .min(1 << 20) as usize;
    let limits = proxy::Limits {
        connections: proxy::Limits::DEFAULT
            .connections
            .min(nofile.saturating_sub(16) / 6)
            .max(1),
        ..proxy::Limits::DEFAULT
    };
    confine::confine();
    let p = proxy::Proxy::new(
        allow,
        limits,
        Box::new(proxy::system_resolver),
        report,
        observe,
    );
    p.serve(listener)
}
