//! The config tree: a [`Config`](super::Config), its nodes with their positions, and the resources its
//! tags name.

use std::path::PathBuf;
use std::time::Duration;

use crate::yaml::{Pos, YamlError};

/// A node of the config tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts (its tag, if any, else its value).
    pub pos: Pos,
    /// What the node is.
    pub kind: NodeKind,
}

/// The kinds of node; scalars follow the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `~`, `null`, empty.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Any integer from `i64::MIN` to `u64::MAX`.
    Int(i128),
    /// A float, including `.inf`, `.nan`.
    Float(f64),
    /// A string.
    Str(String),
    /// `!!binary` (base64 decoded).
    Binary(Vec<u8>),
    /// `!!timestamp`: nanoseconds since the Unix epoch, UTC.
    Timestamp(i128),
    /// A sequence in document order.
    Seq(Vec<Node>),
    /// A mapping in document order (duplicate keys rejected).
    Map(Vec<(Node, Node)>),
    /// A resource tag (`!fd`, `!file`, `!dir`, `!socket`, `!executable`): an index into
    /// [`Config::resources`](super::Config::resources). Aliases of the same anchored
    /// resource and repeated references to the same inherited descriptor share one index.
    Resource(ResourceId),
}

/// A resource of a config: its index into
/// [`Config::resources`](super::Config::resources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(usize);

impl ResourceId {
    /// The resource at `index` of [`Config::resources`](super::Config::resources).
    pub const fn new(index: usize) -> ResourceId {
        ResourceId(index)
    }

    /// Its index into [`Config::resources`](super::Config::resources) (and into every
    /// table indexed like it).
    pub const fn index(self) -> usize {
        self.0
    }
}

/// One resource and where it was first written.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Position of the tag.
    pub pos: Pos,
    /// What to open.
    pub spec: ResourceSpec,
}

/// What a resource tag asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceSpec {
    /// `!fd stdin|stdout|stderr|N`: an inherited descriptor (non-negative; openness is checked later).
    Fd(i32),
    /// `!fd {listen: NAME}`: the descriptor systemd passed under that name (socket
    /// activation: `LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`; resolved in `resources`).
    Listen(String),
    /// `!file {path, mode, create, truncate, …}`.
    File(FileSpec),
    /// `!socket {bind|connect, type, backlog, timeout}`.
    Socket(SocketSpec),
    /// `!executable`: the program's own descriptor.
    Executable,
}

/// Access mode of a `!file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AccessMode {
    /// O_RDONLY (default).
    #[default]
    Read,
    /// O_WRONLY.
    Write,
    /// O_RDWR.
    ReadWrite,
    /// O_WRONLY|O_APPEND.
    Append,
}

/// `!file` attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// The host path (relative paths are relative to caprun's cwd).
    pub path: PathBuf,
    /// Access mode.
    pub mode: AccessMode,
    /// Create the file if missing (needs a writing mode).
    pub create: bool,
    /// Truncate at launch (needs a writing mode).
    pub truncate: bool,
    /// Fail unless the path is a directory.
    pub directory: bool,
    /// Do not follow a final symlink.
    pub nofollow: bool,
    /// Permission bits for a created file (default 0o666 & !umask).
    pub perm: u32,
    /// Where the file or directory appears inside the sandbox when it is rendered as a
    /// path in an `!exec` (default: its own path).
    pub at: Option<PathBuf>,
}

impl FileSpec {
    /// `path`, read-only, with every other attribute at its default.
    pub fn new(path: impl Into<PathBuf>) -> FileSpec {
        FileSpec {
            path: path.into(),
            mode: AccessMode::Read,
            create: false,
            truncate: false,
            directory: false,
            nofollow: false,
            perm: 0o666,
            at: None,
        }
    }
}

/// Whether a socket binds or connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketAction {
    /// `bind:` (and listen for stream/seqpacket).
    Bind,
    /// `connect:`.
    Connect,
}

/// Socket type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SocketType {
    /// SOCK_STREAM (default).
    #[default]
    Stream,
    /// SOCK_DGRAM.
    Dgram,
    /// SOCK_SEQPACKET.
    Seqpacket,
}

/// `!socket` attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketSpec {
    /// Bind or connect.
    pub action: SocketAction,
    /// The address exactly as written (`host:port`, `[v6]:port`, `/path`, `@name`);
    /// resolution happens in `resources`.
    pub address: String,
    /// Socket type.
    pub kind: SocketType,
    /// listen() backlog for bound stream/seqpacket sockets.
    pub backlog: Option<i32>,
    /// `connect:` only: how long connecting may take (`None`: the default of
    /// `resources`, 10 s).
    pub timeout: Option<Duration>,
}

/// A config error: position (when known) and message. `Display` gives `LINE:COL: message`;
/// the caller prefixes the file name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", match pos { Some(p) => format!("{}:{}: ", p.line, p.col), None => String::new() })]
pub struct ConfigError {
    /// Where, if known.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
}

impl From<YamlError> for ConfigError {
    fn from(e: YamlError) -> Self {
        ConfigError {
            pos: Some(e.pos),
            message: e.message,
        }
    }
}
