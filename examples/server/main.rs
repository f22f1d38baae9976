//! `server`: a small argdata-aware HTTP/1.0 server for caprun.
//!
//! It never opens a path or binds a port itself: it serves on the listening socket its
//! config passes (`!socket {bind: …}`, or `!fd {listen: NAME}` under systemd socket
//! activation) and appends one line per request to the log file the config passes
//! (`!file {…, mode: append}`).
//!
//! ```yaml
//! listen: !socket {bind: "127.0.0.1:8080"}   # a TCP or UNIX stream socket
//! log: !file {path: /tmp/caprun-server.log, mode: append, create: true}
//! greeting: hello from the sandbox           # the body of every answer (optional)
//! max_requests: 3                            # exit after this many requests (optional)
//! ```
//!
//! Every connection is one request: the server reads the request line and the headers,
//! answers `HTTP/1.0 200 OK` with the greeting (`400 Bad Request` for a request line that
//! is not `METHOD TARGET HTTP/x.y`) and closes the connection. The log line is
//! `UNIX_TIME PEER "REQUEST LINE" STATUS BYTES` (the request line escaped). Errors of one
//! connection are logged and do not stop the server; a bad config or a failing listener
//! or log ends it with status 1 (and a message on stderr, when the config passed one).
//!
//! Run it with: `caprun server examples/server/server.yaml`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixListener;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest request line or header line read, in bytes.
const MAX_LINE: u64 = 8192;
/// Most header lines read after the request line.
const MAX_HEADERS: usize = 100;
/// How long a client may take to send its request.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Descriptor 2 is whatever the config passed third, if anything: the exit
            // status tells the failure anyway.
            let _ = writeln!(io::stderr(), "server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the config says.
struct Config {
    listener: Listener,
    log: File,
    greeting: String,
    max_requests: Option<u64>,
}

fn config() -> Result<Config, Box<dyn std::error::Error>> {
    let mut args = argdata::from_env()?;
    let root = args.root();
    let fd_index = |key: &str| -> Result<u32, Box<dyn std::error::Error>> {
        let value = root
            .map_get(key)?
            .ok_or_else(|| format!("no `{key}` in the config"))?;
        value
            .get_fd_index()
            .map_err(|e| format!("`{key}` must be a descriptor: {e}").into())
    };
    let listen = fd_index("listen")?;
    let log = fd_index("log")?;
    let greeting = match root.map_get("greeting")? {
        Some(v) => v.get_str().map_err(|e| format!("`greeting`: {e}"))?,
        None => "hello",
    }
    .to_owned();
    let max_requests = match root.map_get("max_requests")? {
        Some(v) => Some(
            v.get_int::<u64>()
                .map_err(|e| format!("`max_requests`: {e}"))?,
        ),
        None => None,
    };
    let listener = Listener::new(args.take_fd(listen)?)?;
    let log = File::from(args.take_fd(log)?);
    Ok(Config {
        listener,
        log,
        greeting,
        max_requests,
    })
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let Config {
        listener,
        mut log,
        greeting,
        max_requests,
    } = config()?;
    let mut served = 0u64;
    while max_requests.is_none_or(|max| served < max) {
        let (mut stream, peer) = listener.accept()?;
        let line = match serve(&mut stream, &greeting) {
            Ok((request, status, bytes)) => {
                format!("{} {peer} {request:?} {status} {bytes}\n", now())
            }
            Err(e) => format!("{} {peer} - error: {e}\n", now()),
        };
        drop(stream);
        log.write_all(line.as_bytes())?;
        served += 1;
    }
    Ok(())
}

/// Answer one request; returns the request line, the status and the bytes sent.
fn serve(stream: &mut Stream, greeting: &str) -> io::Result<(String, u16, usize)> {
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    let mut reader = BufReader::new(&mut *stream);
    let request = read_line(&mut reader)?;
    // Read the headers up to the blank line: closing a socket with unread data would
    // reset the connection and could lose the answer.
    for _ in 0..MAX_HEADERS {
        if read_line(&mut reader)?.is_empty() {
            break;
        }
    }
    drop(reader);
    let (status, reason, body) = if is_request_line(&request) {
        (200, "OK", format!("{greeting}\n"))
    } else {
        (400, "Bad Request", "bad request\n".to_owned())
    };
    let answer = format!(
        "HTTP/1.0 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes())?;
    stream.flush()?;
    Ok((request, status, answer.len()))
}

/// One line without its `\r\n`, at most [`MAX_LINE`] bytes; empty at end of input.
fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut buf = Vec::new();
    reader.take(MAX_LINE).read_until(b'\n', &mut buf)?;
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `METHOD TARGET HTTP/x.y`.
fn is_request_line(line: &str) -> bool {
    let parts: Vec<&str> = line.split(' ').collect();
    matches!(parts[..], [method, target, version]
        if !method.is_empty()
            && method.bytes().all(|b| b.is_ascii_uppercase())
            && !target.is_empty()
            && version.starts_with("HTTP/"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The listening socket: TCP or UNIX.
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// An accepted connection.
enum Stream {
    Tcp(std::net::TcpStream),
    Unix(std::os::unix::net::UnixStream),
}

impl Listener {
    /// Tell the socket's family by its local address: only an internet socket has one
    /// that `TcpListener` can represent.
    fn new(fd: OwnedFd) -> io::Result<Listener> {
        let tcp = TcpListener::from(fd);
        if tcp.local_addr().is_ok() {
            return Ok(Listener::Tcp(tcp));
        }
        Ok(Listener::Unix(UnixListener::from(OwnedFd::from(tcp))))
    }

    /// The next connection and its peer, as written in the log.
    fn accept(&self) -> io::Result<(Stream, String)> {
        Ok(match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                (Stream::Tcp(s), peer.to_string())
            }
            Listener::Unix(l) => {
                let (s, _) = l.accept()?;
                (Stream::Unix(s), "unix".to_owned())
            }
        })
    }
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
        }
    }
}
