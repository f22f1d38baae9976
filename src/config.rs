//! `config`: YAML text → a typed tree with a source position on every node.
//!
//! [`parse`] composes the first YAML document (see [`crate::yaml`]), resolves untagged
//! plain scalars by the YAML 1.2 core schema, applies the standard tags (`!!str`, `!!int`,
//! `!!binary`, `!!timestamp`, …) and turns resource tags (`!fd`, `!file`, `!socket`,
//! `!executable`, local or under `%TAG ! tag:nuxi.nl,2015:cloudabi/`) into
//! [`NodeKind::Resource`] indices into [`Config::resources`].
//!
//! A document whose root is tagged `!exec` describes a process instead (see [`Exec`]).

mod exec;
mod schema;

pub use exec::{EnvEntry, Exec};

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

pub use crate::yaml::Pos;
use crate::yaml::{self, Style, Tag, YNode, YValue, YamlError, CLOUDABI_HANDLE, YAML_HANDLE};

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
    /// [`Config::resources`]. Aliases of the same anchored resource and repeated
    /// references to the same inherited descriptor share one index.
    Resource(ResourceId),
    /// `!env NAME`: the value of caprun's own environment variable NAME. Only in the
    /// `argv` and `env` of an `!exec` document.
    Env(String),
}

/// Index into [`Config::resources`].
pub type ResourceId = usize;

/// A parsed config document.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The root node (first document; empty input is `Null`).
    pub root: Node,
    /// Every distinct resource, in order of first appearance in a pre-order walk.
    pub resources: Vec<Resource>,
    /// When the root is tagged `!exec`: the process it describes (`root` is then its
    /// `args`, or null).
    pub exec: Option<Exec>,
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
    /// `!socket {bind|connect, type, backlog}`.
    Socket(SocketSpec),
    /// `!executable`: the program's own descriptor.
    Executable,
}

/// Access mode of a `!file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
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
    pub mode: Mode,
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
            mode: Mode::Read,
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

/// Parse a config document.
///
/// Only the first YAML document is read. Every error carries a position.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let root = yaml::compose(text)?;
    let mut cx = Converter::new(text);
    let root = match root {
        None => Node {
            pos: Pos { line: 1, col: 1 },
            kind: NodeKind::Null,
        },
        Some(y) if is_tag(&y, "exec") => {
            let (exec, args) = cx.exec(&y)?;
            return Ok(Config {
                root: args,
                resources: cx.resources,
                exec: Some(exec),
            });
        }
        Some(y) => cx.node(&y)?,
    };
    Ok(Config {
        root,
        resources: cx.resources,
        exec: None,
    })
}

/// Whether `y` carries caprun's tag `!NAME` (local or cloudabi-run form).
fn is_tag(y: &YNode, name: &str) -> bool {
    y.tag
        .as_ref()
        .is_some_and(|t| (t.handle == "!" || t.handle == CLOUDABI_HANDLE) && t.suffix == name)
}

fn fail<T>(pos: Pos, message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError {
        pos: Some(pos),
        message: message.into(),
    })
}

/// Tags that `parse` knows, as written; used for "did you mean" hints.
const KNOWN_TAGS: &[&str] = &[
    "!fd",
    "!file",
    "!dir",
    "!socket",
    "!executable",
    "!exec",
    "!env",
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!seq",
    "!!map",
    "!!binary",
    "!!timestamp",
];

const FILE_KEYS: &[&str] = &[
    "path",
    "mode",
    "create",
    "truncate",
    "directory",
    "nofollow",
    "perm",
    "at",
];

const DIR_KEYS: &[&str] = &["path", "mode", "nofollow", "at"];

const SOCKET_KEYS: &[&str] = &["bind", "connect", "type", "backlog"];

const FD_KEYS: &[&str] = &["listen"];

/// The closest of `candidates` to `word`, if close enough to be a plausible typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|&c| (schema::edit_distance(&word, c), c))
        .min_by_key(|&(d, _)| d)
        .filter(|&(d, c)| {
            let len = c.trim_start_matches('!').chars().count();
            d <= if len <= 3 { 1 } else { 2 }
        })
        .map(|(_, c)| c)
}

fn unknown_tag(tag: &Tag, pos: Pos) -> ConfigError {
    let written = tag.written();
    let hint = closest(&written, KNOWN_TAGS)
        .map(|c| format!(" (did you mean {c}?)"))
        .unwrap_or_default();
    ConfigError {
        pos: Some(pos),
        message: format!("unknown tag {written}{hint}"),
    }
}

/// A map key with positions and styles erased, for duplicate detection.
#[derive(Debug, PartialEq, Eq, Hash)]
enum KeyRepr {
    Null,
    Bool(bool),
    Int(i128),
    Float(u64),
    Str(String),
    Binary(Vec<u8>),
    Timestamp(i128),
    Seq(Vec<KeyRepr>),
    Map(Vec<(KeyRepr, KeyRepr)>),
    Resource(ResourceId),
}

impl KeyRepr {
    fn of(kind: &NodeKind) -> KeyRepr {
        match kind {
            NodeKind::Null => KeyRepr::Null,
            NodeKind::Bool(b) => KeyRepr::Bool(*b),
            NodeKind::Int(i) => KeyRepr::Int(*i),
            NodeKind::Float(f) if f.is_nan() => KeyRepr::Float(f64::NAN.to_bits()),
            NodeKind::Float(f) if *f == 0.0 => KeyRepr::Float(0f64.to_bits()),
            NodeKind::Float(f) => KeyRepr::Float(f.to_bits()),
            NodeKind::Str(s) => KeyRepr::Str(s.clone()),
            NodeKind::Binary(b) => KeyRepr::Binary(b.clone()),
            NodeKind::Timestamp(t) => KeyRepr::Timestamp(*t),
            NodeKind::Seq(items) => {
                KeyRepr::Seq(items.iter().map(|n| KeyRepr::of(&n.kind)).collect())
            }
            NodeKind::Map(entries) => KeyRepr::Map(
                entries
                    .iter()
                    .map(|(k, v)| (KeyRepr::of(&k.kind), KeyRepr::of(&v.kind)))
                    .collect(),
            ),
            NodeKind::Resource(id) => KeyRepr::Resource(*id),
            NodeKind::Env(name) => KeyRepr::Str(format!("!env {name}")),
        }
    }
}

/// How a key is shown in a "duplicate key" message.
fn describe_key(y: &YNode) -> String {
    match &y.value {
        YValue::Scalar(s, _) => format!("{s:?}"),
        YValue::Seq(_) => "(a sequence)".into(),
        YValue::Map(_) => "(a mapping)".into(),
    }
}

/// Short name of a node kind for "must be" messages.
fn kind_name(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "a boolean",
        NodeKind::Int(_) => "an integer",
        NodeKind::Float(_) => "a float",
        NodeKind::Str(_) => "a string",
        NodeKind::Binary(_) => "binary data",
        NodeKind::Timestamp(_) => "a timestamp",
        NodeKind::Seq(_) => "a sequence",
        NodeKind::Map(_) => "a mapping",
        NodeKind::Resource(_) => "a resource",
        NodeKind::Env(_) => "an !env value",
    }
}

/// Resolve an untagged plain scalar by the YAML 1.2 core schema.
fn resolve_plain(s: &str, pos: Pos) -> Result<NodeKind, ConfigError> {
    if schema::is_null(s) {
        return Ok(NodeKind::Null);
    }
    if let Some(b) = schema::parse_bool(s) {
        return Ok(NodeKind::Bool(b));
    }
    match schema::parse_int(s) {
        Some(Ok(i)) => return Ok(NodeKind::Int(i)),
        Some(Err(message)) => return fail(pos, message),
        None => {}
    }
    if let Some(f) = schema::parse_float(s) {
        return Ok(NodeKind::Float(f));
    }
    Ok(NodeKind::Str(s.to_owned()))
}

/// Converts composed YAML into config nodes, numbering resources on the way.
///
/// Resource identity: every resource tag met while converting is appended to `log`
/// (a fresh or reused id). Converting an anchored node records the slice of `log` it
/// produced; converting an alias copy of it then *replays* that slice, so the resources
/// inside the copy get the ids of the resources in the original, in the same order.
struct Converter<'a> {
    text: &'a str,
    resources: Vec<Resource>,
    fds: HashMap<i32, ResourceId>,
    listens: HashMap<String, ResourceId>,
    executable: Option<ResourceId>,
    log: Vec<ResourceId>,
    anchored: HashMap<usize, (usize, usize)>,
    /// While converting an alias copy: next index into `log` and end of the slice.
    replay: Option<(usize, usize)>,
    /// Inside the `argv` or `env` of an `!exec`, where `!env` is allowed.
    env_allowed: bool,
}

impl<'a> Converter<'a> {
    fn new(text: &'a str) -> Self {
        Converter {
            text,
            resources: Vec::new(),
            fds: HashMap::new(),
            listens: HashMap::new(),
            executable: None,
            log: Vec::new(),
            anchored: HashMap::new(),
            replay: None,
            env_allowed: false,
        }
    }

    fn node(&mut self, y: &YNode) -> Result<Node, ConfigError> {
        if y.is_alias && self.replay.is_none() {
            if let Some(&range) = y.anchor.and_then(|a| self.anchored.get(&a)) {
                self.replay = Some(range);
                let node = self.content(y);
                self.replay = None;
                return node;
            }
        }
        let start = self.log.len();
        let node = self.content(y)?;
        if let (Some(anchor), false) = (y.anchor, y.is_alias) {
            self.anchored.insert(anchor, (start, self.log.len()));
        }
        Ok(node)
    }

    fn content(&mut self, y: &YNode) -> Result<Node, ConfigError> {
        let kind = match &y.tag {
            None => self.untagged(y)?,
            Some(tag) if tag.handle == YAML_HANDLE => self.standard(y, tag)?,
            Some(tag) if tag.handle == "!" && tag.suffix.is_empty() => match &y.value {
                // The non-specific tag `! 12`: a string, whatever it looks like.
                YValue::Scalar(s, _) => NodeKind::Str(s.clone()),
                _ => self.untagged(y)?,
            },
            Some(tag) if tag.handle == "!" || tag.handle == CLOUDABI_HANDLE => {
                let pos = self.tag_pos(y);
                let (id_pos, spec) = match tag.suffix.as_str() {
                    "fd" => (pos, self.fd(y, pos)?),
                    "file" => (pos, ResourceSpec::File(self.file(y, pos, "!file")?)),
                    "dir" => (pos, ResourceSpec::File(self.file(y, pos, "!dir")?)),
                    "exec" => return fail(pos, "!exec is only valid at the root of the document"),
                    "env" if self.env_allowed => {
                        return Ok(Node {
                            pos: y.pos,
                            kind: NodeKind::Env(env_name(y, pos)?),
                        })
                    }
                    "env" => {
                        return fail(pos, "!env is only valid in the argv and env of an !exec")
                    }
                    "socket" => (pos, ResourceSpec::Socket(self.socket(y, pos)?)),
                    "executable" => (pos, executable(y, pos)?),
                    _ => return Err(unknown_tag(tag, pos)),
                };
                NodeKind::Resource(self.resource(id_pos, spec))
            }
            Some(tag) => return Err(unknown_tag(tag, self.tag_pos(y))),
        };
        Ok(Node { pos: y.pos, kind })
    }

    /// Position of the node's tag: its start, unless an anchor comes first (`&a !file`).
    fn tag_pos(&self, y: &YNode) -> Pos {
        // Only an anchored original can have an anchor before its tag; scanning the text
        // for every node would make large configs quadratic.
        if y.anchor.is_none() || y.is_alias {
            return y.pos;
        }
        let Some(line) = self.text.split('\n').nth(y.pos.line - 1) else {
            return y.pos;
        };
        let mut chars = line.chars().skip(y.pos.col - 1).peekable();
        if chars.peek() != Some(&'&') {
            return y.pos;
        }
        let mut in_anchor = true;
        for (col, c) in (y.pos.col..).zip(chars) {
            match c {
                '!' if !in_anchor => {
                    return Pos {
                        line: y.pos.line,
                        col,
                    }
                }
                ' ' | '\t' => in_anchor = false,
                _ if in_anchor => {}
                _ => break,
            }
        }
        y.pos
    }

    /// A fresh id, the id of an already seen descriptor / `!executable`, or the next id
    /// of the alias copy being replayed.
    fn resource(&mut self, pos: Pos, spec: ResourceSpec) -> ResourceId {
        let replayed = match &mut self.replay {
            Some((next, end)) if *next < *end => {
                *next += 1;
                Some(self.log[*next - 1])
            }
            _ => None,
        };
        let id = replayed.unwrap_or_else(|| {
            let fresh = self.resources.len();
            let id = match spec {
                ResourceSpec::Fd(n) => *self.fds.entry(n).or_insert(fresh),
                ResourceSpec::Listen(ref name) => {
                    *self.listens.entry(name.clone()).or_insert(fresh)
                }
                ResourceSpec::Executable => *self.executable.get_or_insert(fresh),
                _ => fresh,
            };
            if id == fresh {
                self.resources.push(Resource { pos, spec });
            }
            id
        });
        self.log.push(id);
        id
    }

    fn untagged(&mut self, y: &YNode) -> Result<NodeKind, ConfigError> {
        Ok(match &y.value {
            YValue::Scalar(s, Style::Plain) => resolve_plain(s, y.pos)?,
            YValue::Scalar(s, Style::Quoted) => NodeKind::Str(s.clone()),
            YValue::Seq(items) => NodeKind::Seq(
                items
                    .iter()
                    .map(|i| self.node(i))
                    .collect::<Result<_, _>>()?,
            ),
            YValue::Map(entries) => NodeKind::Map(self.map(entries)?),
        })
    }

    fn map(&mut self, entries: &[(YNode, YNode)]) -> Result<Vec<(Node, Node)>, ConfigError> {
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let key = self.node(k)?;
            if !seen.insert(KeyRepr::of(&key.kind)) {
                return fail(k.pos, format!("duplicate key {}", describe_key(k)));
            }
            let value = self.node(v)?;
            out.push((key, value));
        }
        Ok(out)
    }

    /// `!!str`, `!!int`, … : force the type.
    fn standard(&mut self, y: &YNode, tag: &Tag) -> Result<NodeKind, ConfigError> {
        let pos = self.tag_pos(y);
        let name = tag.written();
        let need_scalar = || fail(pos, format!("{name} needs a scalar"));
        let text = match &y.value {
            YValue::Scalar(s, _) => Some(s.as_str()),
            _ => None,
        };
        Ok(match (tag.suffix.as_str(), text) {
            ("seq", _) => match &y.value {
                YValue::Seq(_) => self.untagged(y)?,
                _ => return fail(pos, "!!seq needs a sequence"),
            },
            ("map", _) => match &y.value {
                YValue::Map(_) => self.untagged(y)?,
                _ => return fail(pos, "!!map needs a mapping"),
            },
            ("str" | "int" | "float" | "bool" | "null" | "binary" | "timestamp", None) => {
                return need_scalar()
            }
            ("str", Some(s)) => NodeKind::Str(s.to_owned()),
            ("int", Some(s)) => match schema::parse_int(s.trim()) {
                Some(Ok(i)) => NodeKind::Int(i),
                Some(Err(message)) => return fail(pos, message),
                None => return fail(pos, format!("!!int needs an integer, not {s:?}")),
            },
            ("float", Some(s)) => {
                let s = s.trim();
                match (schema::parse_float(s), schema::parse_int(s)) {
                    (Some(f), _) => NodeKind::Float(f),
                    (None, Some(Ok(i))) => NodeKind::Float(i as f64),
                    _ => return fail(pos, format!("!!float needs a number, not {s:?}")),
                }
            }
            ("bool", Some(s)) => match schema::parse_bool(s.trim()) {
                Some(b) => NodeKind::Bool(b),
                None => return fail(pos, format!("!!bool needs true or false, not {s:?}")),
            },
            ("null", Some(s)) if schema::is_null(s.trim()) => NodeKind::Null,
            ("null", Some(s)) => return fail(pos, format!("!!null needs null or ~, not {s:?}")),
            ("binary", Some(s)) => match schema::decode_base64(s) {
                Ok(bytes) => NodeKind::Binary(bytes),
                Err(message) => return fail(pos, message),
            },
            ("timestamp", Some(s)) => match schema::parse_timestamp(s) {
                Ok(t) => NodeKind::Timestamp(t),
                Err(message) => return fail(pos, message),
            },
            _ => return Err(unknown_tag(tag, pos)),
        })
    }

    /// `!fd stdin|stdout|stderr|N` or `!fd {listen: NAME}`.
    fn fd(&mut self, y: &YNode, pos: Pos) -> Result<ResourceSpec, ConfigError> {
        let YValue::Map(entries) = &y.value else {
            return fd_number(y, pos).map(ResourceSpec::Fd);
        };
        let nodes = self.map(entries)?;
        let mut name = None;
        for ((_, yv), (k, v)) in entries.iter().zip(&nodes) {
            field_name(k, "!fd", FD_KEYS)?;
            let NodeKind::Str(s) = &v.kind else {
                return fail(v.pos, must_be("!fd listen", "a name", yv, &v.kind));
            };
            if let Err(message) = check_listen_name(s) {
                return fail(v.pos, message);
            }
            name = Some(s.clone());
        }
        match name {
            Some(name) => Ok(ResourceSpec::Listen(name)),
            None => fail(pos, "!fd needs {listen: NAME} in its mapping form"),
        }
    }

    /// `!file PATH` or `!file {path: …, mode: …, …}`; with `tag` `!dir`, the same for a
    /// directory (`directory` implied; no create, truncate or perm).
    fn file(&mut self, y: &YNode, pos: Pos, tag: &str) -> Result<FileSpec, ConfigError> {
        let dir = tag == "!dir";
        let mut spec = FileSpec {
            directory: dir,
            ..FileSpec::new(PathBuf::new())
        };
        let entries = match &y.value {
            YValue::Scalar(s, Style::Plain) if schema::is_null(s) => {
                return fail(pos, format!("{tag} needs a path"))
            }
            YValue::Scalar(s, _) => {
                spec.path = check_path(s, y.pos, tag)?;
                return Ok(spec);
            }
            YValue::Seq(_) => {
                return fail(
                    pos,
                    format!("{tag} needs a mapping like {{path: /some/where}} or a path"),
                )
            }
            YValue::Map(entries) => entries,
        };
        let nodes = self.map(entries)?;
        let mut have_path = false;
        let mut needs_write: Option<(Pos, &str)> = None;
        let mut directory_at = None;
        for ((_, yv), (k, v)) in entries.iter().zip(&nodes) {
            let name = field_name(k, tag, if dir { DIR_KEYS } else { FILE_KEYS })?;
            let what = |field: &str| format!("{tag} {field}");
            match name {
                "path" => {
                    let NodeKind::Str(s) = &v.kind else {
                        return fail(v.pos, must_be(&what("path"), "a string", yv, &v.kind));
                    };
                    spec.path = check_path(s, v.pos, tag)?;
                    have_path = true;
                }
                "at" => {
                    let NodeKind::Str(s) = &v.kind else {
                        return fail(v.pos, must_be(&what("at"), "a string", yv, &v.kind));
                    };
                    if !s.starts_with('/') {
                        return fail(v.pos, format!("{tag} at must be an absolute path"));
                    }
                    spec.at = Some(check_path(s, v.pos, tag)?);
                }
                "mode" => {
                    spec.mode = match &v.kind {
                        NodeKind::Str(s) if s == "read" => Mode::Read,
                        NodeKind::Str(s) if s == "write" => Mode::Write,
                        NodeKind::Str(s) if s == "readwrite" => Mode::ReadWrite,
                        NodeKind::Str(s) if s == "append" => Mode::Append,
                        _ => {
                            return fail(
                                v.pos,
                                format!("{tag} mode must be read, write, readwrite or append"),
                            )
                        }
                    }
                }
                "create" | "truncate" | "directory" | "nofollow" => {
                    let NodeKind::Bool(b) = v.kind else {
                        return fail(v.pos, format!("{tag} {name} must be true or false"));
                    };
                    match name {
                        "create" => spec.create = b,
                        "truncate" => spec.truncate = b,
                        "directory" => spec.directory = b,
                        _ => spec.nofollow = b,
                    }
                    if b && (name == "create" || name == "truncate") && needs_write.is_none() {
                        needs_write = Some((k.pos, name));
                    }
                    if b && name == "directory" {
                        directory_at = Some(k.pos);
                    }
                }
                _ => {
                    // perm
                    if let YValue::Scalar(raw, Style::Plain) = &yv.value {
                        if yv.tag.is_none()
                            && raw.len() > 1
                            && raw.starts_with('0')
                            && raw.bytes().all(|b| b.is_ascii_digit())
                        {
                            return fail(
                                v.pos,
                                format!(
                                    "!file perm {raw} is decimal in YAML 1.2; write 0o{} for octal",
                                    raw.trim_start_matches('0')
                                ),
                            );
                        }
                    }
                    match v.kind {
                        NodeKind::Int(p) if (0..=0o7777).contains(&p) => spec.perm = p as u32,
                        NodeKind::Int(_) => {
                            return fail(v.pos, "!file perm must be from 0o0 to 0o7777")
                        }
                        _ => return fail(v.pos, "!file perm must be an integer such as 0o644"),
                    }
                }
            }
        }
        if !have_path {
            return fail(pos, format!("{tag} needs a path"));
        }
        if let (Some((at, name)), Mode::Read) = (needs_write, spec.mode) {
            return fail(
                at,
                format!("!file {name} needs mode write, readwrite or append"),
            );
        }
        // A directory's mode says what the program may do beneath it (Landlock); it is
        // never created or truncated.
        if let (Some(at), true) = (directory_at, spec.create || spec.truncate) {
            return fail(
                at,
                "!file directory cannot be combined with create or truncate",
            );
        }
        Ok(spec)
    }

    /// `!socket {bind|connect: ADDR, type: …, backlog: …}`.
    fn socket(&mut self, y: &YNode, pos: Pos) -> Result<SocketSpec, ConfigError> {
        let YValue::Map(entries) = &y.value else {
            return fail(
                pos,
                "!socket needs a mapping like {bind: host:port} or {connect: host:port}",
            );
        };
        let nodes = self.map(entries)?;
        let mut target: Option<(SocketAction, String)> = None;
        let mut kind = SocketType::Stream;
        let mut backlog: Option<(Pos, i32)> = None;
        for ((_, yv), (k, v)) in entries.iter().zip(&nodes) {
            let name = field_name(k, "!socket", SOCKET_KEYS)?;
            match name {
                "bind" | "connect" => {
                    if target.is_some() {
                        return fail(k.pos, "!socket takes bind or connect, not both");
                    }
                    let NodeKind::Str(addr) = &v.kind else {
                        let message = must_be(
                            &format!("!socket {name} address"),
                            "a string like host:port, [v6]:port, /path or @name",
                            yv,
                            &v.kind,
                        );
                        return fail(v.pos, message);
                    };
                    if let Err(message) = schema::check_address(addr) {
                        return fail(v.pos, message);
                    }
                    let action = if name == "bind" {
                        SocketAction::Bind
                    } else {
                        SocketAction::Connect
                    };
                    target = Some((action, addr.clone()));
                }
                "type" => {
                    kind = match &v.kind {
                        NodeKind::Str(s) if s == "stream" => SocketType::Stream,
                        NodeKind::Str(s) if s == "dgram" => SocketType::Dgram,
                        NodeKind::Str(s) if s == "seqpacket" => SocketType::Seqpacket,
                        _ => return fail(v.pos, "!socket type must be stream, dgram or seqpacket"),
                    }
                }
                _ => {
                    // backlog
                    match v.kind {
                        NodeKind::Int(b) if (0..=i128::from(i32::MAX)).contains(&b) => {
                            backlog = Some((k.pos, b as i32));
                        }
                        _ => {
                            return fail(
                                v.pos,
                                "!socket backlog must be an integer from 0 to 2147483647",
                            )
                        }
                    }
                }
            }
        }
        let Some((action, address)) = target else {
            return fail(pos, "!socket needs bind or connect");
        };
        if let Some((at, _)) = backlog {
            if action == SocketAction::Connect {
                return fail(at, "!socket backlog needs bind, not connect");
            }
            if kind == SocketType::Dgram {
                return fail(at, "!socket backlog needs a stream or seqpacket socket");
            }
        }
        Ok(SocketSpec {
            action,
            address,
            kind,
            backlog: backlog.map(|(_, b)| b),
        })
    }
}

/// The descriptor number of `!fd stdin|stdout|stderr|N`.
fn fd_number(y: &YNode, pos: Pos) -> Result<i32, ConfigError> {
    const NEED: &str = "!fd needs stdin, stdout, stderr or a descriptor number";
    let YValue::Scalar(s, _) = &y.value else {
        return fail(
            pos,
            "!fd needs stdin, stdout, stderr, a descriptor number or {listen: NAME}",
        );
    };
    let s = s.trim();
    match s {
        "stdin" => return Ok(0),
        "stdout" => return Ok(1),
        "stderr" => return Ok(2),
        "" => return fail(pos, NEED),
        _ => {}
    }
    match schema::parse_int(s) {
        Some(Ok(n)) if n < 0 => fail(pos, format!("!fd {s} is negative")),
        Some(Ok(n)) if n <= i128::from(i32::MAX) => Ok(n as i32),
        Some(_) => fail(pos, format!("!fd {s} is out of range")),
        None => fail(pos, format!("{NEED}, not {s:?}")),
    }
}

/// A name systemd can pass in `LISTEN_FDNAMES` (as for `FileDescriptorName=`): 1 to 255
/// printable ASCII characters, no `:`.
fn check_listen_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("!fd listen name is empty".into());
    }
    if name.len() > 255 {
        return Err("!fd listen name is longer than 255 characters".into());
    }
    if name.contains(':') {
        return Err(format!(
            "!fd listen name {name:?} contains ':', which separates names in LISTEN_FDNAMES"
        ));
    }
    if !name.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Err(format!("!fd listen name {name:?} must be printable ASCII"));
    }
    Ok(())
}

fn executable(y: &YNode, pos: Pos) -> Result<ResourceSpec, ConfigError> {
    match &y.value {
        YValue::Scalar(s, Style::Plain) if schema::is_null(s) => Ok(ResourceSpec::Executable),
        _ => fail(pos, "!executable takes no value"),
    }
}

fn check_path(s: &str, pos: Pos, tag: &str) -> Result<PathBuf, ConfigError> {
    if s.is_empty() {
        return fail(pos, format!("{tag} path is empty"));
    }
    if s.contains('\0') {
        return fail(pos, format!("{tag} path contains a NUL byte"));
    }
    Ok(PathBuf::from(s))
}

/// The variable name of `!env NAME`.
fn env_name(y: &YNode, pos: Pos) -> Result<String, ConfigError> {
    match &y.value {
        YValue::Scalar(s, _)
            if !s.is_empty() && !s.contains('=') && !s.contains('\0') && !schema::is_null(s) =>
        {
            Ok(s.clone())
        }
        _ => fail(pos, "!env needs a variable name, like !env PATH"),
    }
}

/// The key of a `!file`/`!socket` field, which must be one of `known`.
fn field_name<'k>(k: &'k Node, tag: &str, known: &[&str]) -> Result<&'k str, ConfigError> {
    let list = known.join(", ");
    let NodeKind::Str(name) = &k.kind else {
        return fail(k.pos, format!("{tag} keys are names ({list})"));
    };
    if known.contains(&name.as_str()) {
        return Ok(name);
    }
    let hint = closest(name, known)
        .map(|c| format!("did you mean {c}? "))
        .unwrap_or_default();
    fail(
        k.pos,
        format!("unknown {tag} key {name:?} ({hint}known: {list})"),
    )
}

/// "`what` must be `expected`", with a hint to quote plain scalars that resolved otherwise.
fn must_be(what: &str, expected: &str, y: &YNode, got: &NodeKind) -> String {
    let quote =
        matches!(&y.value, YValue::Scalar(s, Style::Plain) if y.tag.is_none() && !s.is_empty());
    if quote {
        format!(
            "{what} must be {expected}, not {} (quote it)",
            kind_name(got)
        )
    } else {
        format!("{what} must be {expected}, not {}", kind_name(got))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(line: usize, col: usize) -> Pos {
        Pos { line, col }
    }

    fn root(text: &str) -> NodeKind {
        parse(text).unwrap().root.kind
    }

    /// The value of the single key of a one-entry map document.
    fn value(text: &str) -> NodeKind {
        match root(text) {
            NodeKind::Map(mut e) => e.remove(0).1.kind,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn err(text: &str) -> (Pos, String) {
        let e = parse(text).unwrap_err();
        (e.pos.expect("every error has a position"), e.message)
    }

    fn entries(kind: &NodeKind) -> &[(Node, Node)] {
        match kind {
            NodeKind::Map(e) => e,
            other => panic!("not a map: {other:?}"),
        }
    }

    fn items(kind: &NodeKind) -> &[Node] {
        match kind {
            NodeKind::Seq(e) => e,
            other => panic!("not a seq: {other:?}"),
        }
    }

    fn file(path: &str) -> FileSpec {
        FileSpec::new(path)
    }

    #[test]
    fn empty_document_is_null() {
        let c = parse("").unwrap();
        assert_eq!(
            c.root,
            Node {
                pos: p(1, 1),
                kind: NodeKind::Null
            }
        );
        assert!(c.resources.is_empty());
        assert_eq!(parse("# nothing\n").unwrap().root.kind, NodeKind::Null);
    }

    #[test]
    fn core_schema_nulls_and_bools() {
        for n in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(value(&format!("a: {n}\n")), NodeKind::Null, "{n:?}");
        }
        for t in ["true", "True", "TRUE"] {
            assert_eq!(value(&format!("a: {t}")), NodeKind::Bool(true));
        }
        for f in ["false", "False", "FALSE"] {
            assert_eq!(value(&format!("a: {f}")), NodeKind::Bool(false));
        }
        for s in ["yes", "no", "on", "off", "y", "tRUE", "nULL"] {
            assert_eq!(value(&format!("a: {s}")), NodeKind::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn core_schema_ints() {
        let cases: &[(&str, i128)] = &[
            ("0", 0),
            ("-0", 0),
            ("+7", 7),
            ("0644", 644),
            ("0o644", 0o644),
            ("0x1f", 31),
            ("0xFF", 255),
            ("-9223372036854775808", i64::MIN.into()),
            ("18446744073709551615", u64::MAX.into()),
        ];
        for (text, want) in cases {
            assert_eq!(value(&format!("a: {text}")), NodeKind::Int(*want), "{text}");
        }
    }

    #[test]
    fn ints_out_of_range_are_errors_not_floats() {
        let (pos, msg) = err("a: 1\nbig: 18446744073709551616\n");
        assert_eq!(pos, p(2, 6));
        assert!(msg.contains("out of range"), "{msg}");
        let (pos, _) = err("- -9223372036854775809\n");
        assert_eq!(pos, p(1, 3));
        assert!(err("a: 0x10000000000000000").1.contains("out of range"));
    }

    #[test]
    fn core_schema_floats() {
        assert_eq!(value("a: 1.5"), NodeKind::Float(1.5));
        assert_eq!(value("a: -.5"), NodeKind::Float(-0.5));
        assert_eq!(value("a: 1e3"), NodeKind::Float(1000.0));
        assert_eq!(value("a: 2."), NodeKind::Float(2.0));
        assert_eq!(value("a: .inf"), NodeKind::Float(f64::INFINITY));
        assert_eq!(value("a: -.Inf"), NodeKind::Float(f64::NEG_INFINITY));
        for nan in [".nan", ".NaN", ".NAN"] {
            assert!(matches!(value(&format!("a: {nan}")), NodeKind::Float(f) if f.is_nan()));
        }
        for s in ["1.2.3", "inf", "nan", "1_000", "0x1p3", "1e", "12:30"] {
            assert_eq!(value(&format!("a: {s}")), NodeKind::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        assert_eq!(value("a: '123'"), NodeKind::Str("123".into()));
        assert_eq!(value("a: \"true\""), NodeKind::Str("true".into()));
        assert_eq!(value("a: ''"), NodeKind::Str(String::new()));
        assert_eq!(value("a: \"~\""), NodeKind::Str("~".into()));
        assert_eq!(value("a: |\n  42\n"), NodeKind::Str("42\n".into()));
        assert_eq!(value("a: ! 42"), NodeKind::Str("42".into()));
        // Plain untagged timestamps stay strings.
        assert_eq!(value("a: 2001-12-14"), NodeKind::Str("2001-12-14".into()));
    }

    #[test]
    fn standard_tags_force_the_type() {
        assert_eq!(value("a: !!str 123"), NodeKind::Str("123".into()));
        assert_eq!(value("a: !!str"), NodeKind::Str(String::new()));
        assert_eq!(value("a: !!int '42'"), NodeKind::Int(42));
        assert_eq!(value("a: !!int 0x10"), NodeKind::Int(16));
        assert_eq!(value("a: !!float 3"), NodeKind::Float(3.0));
        assert_eq!(value("a: !!float '2.5'"), NodeKind::Float(2.5));
        assert_eq!(value("a: !!bool 'true'"), NodeKind::Bool(true));
        assert_eq!(value("a: !!null ''"), NodeKind::Null);
        assert_eq!(value("a: !!null ~"), NodeKind::Null);
        assert_eq!(
            value("a: !!seq [1]").clone(),
            NodeKind::Seq(vec![Node {
                pos: p(1, 11),
                kind: NodeKind::Int(1)
            }])
        );
        assert_eq!(value("a: !!map {}"), NodeKind::Map(vec![]));
        assert_eq!(
            value("%TAG !! tag:yaml.org,2002:\n---\na: !<tag:yaml.org,2002:int> 5"),
            NodeKind::Int(5)
        );
    }

    #[test]
    fn standard_tag_mismatches() {
        assert_eq!(
            err("a: !!int x"),
            (p(1, 4), "!!int needs an integer, not \"x\"".into())
        );
        assert_eq!(err("a: !!float x").0, p(1, 4));
        assert_eq!(
            err("a: !!bool yes").1,
            "!!bool needs true or false, not \"yes\""
        );
        assert_eq!(err("a: !!null 0").0, p(1, 4));
        assert_eq!(
            err("a: !!str [1]"),
            (p(1, 4), "!!str needs a scalar".into())
        );
        assert_eq!(
            err("a: !!seq {}"),
            (p(1, 4), "!!seq needs a sequence".into())
        );
        assert_eq!(
            err("a: !!map []"),
            (p(1, 4), "!!map needs a mapping".into())
        );
        assert_eq!(
            err("a: !!int 99999999999999999999").1,
            "integer 99999999999999999999 is out of range (from -2^63 to 2^64-1)"
        );
        assert_eq!(
            err("- !!set {}"),
            (p(1, 3), "unknown tag !!set (did you mean !!seq?)".into())
        );
        assert_eq!(
            err("- !!omap []").1,
            "unknown tag !!omap (did you mean !!map?)"
        );
    }

    #[test]
    fn binary() {
        assert_eq!(
            value("a: !!binary aGVsbG8="),
            NodeKind::Binary(b"hello".to_vec())
        );
        assert_eq!(
            value("a: !!binary |\n  aGVs\n  bG8=\n"),
            NodeKind::Binary(b"hello".to_vec())
        );
        let (pos, msg) = err("x: 1\na: !!binary aGVs*G8=\n");
        assert_eq!(pos, p(2, 4));
        assert!(msg.starts_with("invalid base64"), "{msg}");
    }

    #[test]
    fn timestamps() {
        const NS: i128 = 1_000_000_000;
        assert_eq!(
            value("a: !!timestamp 2001-12-14"),
            NodeKind::Timestamp(1_008_288_000 * NS)
        );
        let instant = NodeKind::Timestamp(1_008_385_183 * NS + 100_000_000);
        assert_eq!(
            value("a: !!timestamp 2001-12-14t21:59:43.10-05:00"),
            instant
        );
        assert_eq!(value("a: !!timestamp 2001-12-14 21:59:43.10 -5"), instant);
        assert_eq!(value("a: !!timestamp 2001-12-15T02:59:43.1Z"), instant);
        assert_eq!(
            value("a: !!timestamp 1970-01-01T00:00:00.000000001Z"),
            NodeKind::Timestamp(1)
        );
        let (pos, msg) = err("a: !!timestamp 2001-02-29\n");
        assert_eq!(pos, p(1, 4));
        assert!(msg.contains("day 29 out of range"), "{msg}");
        assert!(err("a: !!timestamp yesterday")
            .1
            .starts_with("bad timestamp"));
    }

    #[test]
    fn sequences_and_maps_keep_document_order() {
        let kind = root("z: 1\na: [c, b, a]\nm: {y: 1, x: 2}\n");
        let e = entries(&kind);
        let keys: Vec<_> = e.iter().map(|(k, _)| k.kind.clone()).collect();
        assert_eq!(keys, ["z", "a", "m"].map(|s| NodeKind::Str(s.into())));
        let seq: Vec<_> = items(&e[1].1.kind).iter().map(|n| n.kind.clone()).collect();
        assert_eq!(seq, ["c", "b", "a"].map(|s| NodeKind::Str(s.into())));
        assert_eq!(e[1].1.pos, p(2, 4));
        assert_eq!(items(&e[1].1.kind)[2].pos, p(2, 11));
    }

    #[test]
    fn duplicate_keys_compare_resolved_values() {
        assert_eq!(
            err("port: 1\n'port': 2\n"),
            (p(2, 1), "duplicate key \"port\"".into())
        );
        assert_eq!(
            err("1: a\n0x1: b\n"),
            (p(2, 1), "duplicate key \"0x1\"".into())
        );
        assert_eq!(err("{a: 1, b: 2, a: 3}").0, p(1, 14));
        assert_eq!(err("~: 1\nnull: 2\n").0, p(2, 1));
        assert_eq!(
            err("x:\n  path: a\n  path: b\n"),
            (p(3, 3), "duplicate key \"path\"".into())
        );
        // Different types do not collide.
        let kind = root("1: a\n'1': b\ntrue: c\n'true': d\n1.0: e\n");
        assert_eq!(entries(&kind).len(), 5);
        // Nor do the same resources on different descriptors.
        assert!(parse("!fd 3: a\n!fd 4: b\n").is_ok());
        assert_eq!(err("!fd 1: a\n!fd stdout: b\n").0, p(2, 1));
    }

    #[test]
    fn fd_resources() {
        let c = parse("in: !fd stdin\nout: !fd stdout\nerr: !fd stderr\nn: !fd 7\nagain: !fd 1\n")
            .unwrap();
        let specs: Vec<_> = c.resources.iter().map(|r| r.spec.clone()).collect();
        assert_eq!(specs, [0, 1, 2, 7].map(ResourceSpec::Fd).to_vec());
        let ids: Vec<_> = entries(&c.root.kind)
            .iter()
            .map(|(_, v)| v.kind.clone())
            .collect();
        assert_eq!(ids, [0, 1, 2, 3, 1].map(NodeKind::Resource));
        assert_eq!(c.resources[1].pos, p(2, 6));
        assert_eq!(entries(&c.root.kind)[4].1.pos, p(5, 8));
    }

    #[test]
    fn fd_errors() {
        assert_eq!(
            err("a: 1\nb: !fd -1\n"),
            (p(2, 4), "!fd -1 is negative".into())
        );
        assert_eq!(
            err("b: !fd foo"),
            (
                p(1, 4),
                "!fd needs stdin, stdout, stderr or a descriptor number, not \"foo\"".into()
            )
        );
        assert_eq!(
            err("b: !fd").1,
            "!fd needs stdin, stdout, stderr or a descriptor number"
        );
        assert_eq!(err("b: !fd 1.5").0, p(1, 4));
        assert_eq!(err("b: !fd 2147483648").1, "!fd 2147483648 is out of range");
        assert_eq!(err("b: !fd [1]").0, p(1, 4));
        assert_eq!(err("b: &x !fd -3").0, p(1, 7));
    }

    #[test]
    fn fd_listen_resources() {
        let c = parse(
            "a: !fd {listen: http}\nb: !fd stdout\nc: !fd\n  listen: admin\nd: [!fd {listen: http}]\ne: !fd {listen: 'web 2'}\n",
        )
        .unwrap();
        let specs: Vec<_> = c.resources.iter().map(|r| r.spec.clone()).collect();
        assert_eq!(
            specs,
            vec![
                ResourceSpec::Listen("http".into()),
                ResourceSpec::Fd(1),
                ResourceSpec::Listen("admin".into()),
                ResourceSpec::Listen("web 2".into()),
            ]
        );
        let e = entries(&c.root.kind);
        // The same name twice is one resource, like a repeated `!fd N`.
        assert_eq!(e[0].1.kind, NodeKind::Resource(0));
        assert_eq!(items(&e[3].1.kind)[0].kind, NodeKind::Resource(0));
        assert_eq!(c.resources[0].pos, p(1, 4));
        assert_eq!(c.resources[2].pos, p(3, 4));
        // cloudabi-run's tag handle works too, and an anchor before the tag is skipped.
        let c = parse("%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\ns: &l !fd {listen: http}\nt: *l\n")
            .unwrap();
        assert_eq!(c.resources.len(), 1);
        assert_eq!(c.resources[0].pos, p(3, 7));
        assert_eq!(c.resources[0].spec, ResourceSpec::Listen("http".into()));
    }

    #[test]
    fn fd_listen_errors() {
        assert_eq!(
            err("a: !fd {}"),
            (
                p(1, 4),
                "!fd needs {listen: NAME} in its mapping form".into()
            )
        );
        assert_eq!(
            err("a: !fd {lisen: http}"),
            (
                p(1, 9),
                "unknown !fd key \"lisen\" (did you mean listen? known: listen)".into()
            )
        );
        assert_eq!(
            err("a: !fd {listen: 8080}"),
            (
                p(1, 17),
                "!fd listen must be a name, not an integer (quote it)".into()
            )
        );
        assert_eq!(
            err("a: !fd {listen: [http]}").1,
            "!fd listen must be a name, not a sequence"
        );
        assert_eq!(
            err("a: !fd {listen: ''}"),
            (p(1, 17), "!fd listen name is empty".into())
        );
        assert_eq!(
            err("a: !fd {listen: 'a:b'}").1,
            "!fd listen name \"a:b\" contains ':', which separates names in LISTEN_FDNAMES"
        );
        assert_eq!(
            err("a: !fd {listen: \"a\\tb\"}").1,
            "!fd listen name \"a\\tb\" must be printable ASCII"
        );
        assert_eq!(
            err(&format!("a: !fd {{listen: {}}}", "x".repeat(256))).1,
            "!fd listen name is longer than 255 characters"
        );
        assert!(parse(&format!("a: !fd {{listen: {}}}", "x".repeat(255))).is_ok());
        assert_eq!(
            err("a: !fd {listen: a, listen: b}"),
            (p(1, 20), "duplicate key \"listen\"".into())
        );
        assert_eq!(
            err("a: !fd [http]"),
            (
                p(1, 4),
                "!fd needs stdin, stdout, stderr, a descriptor number or {listen: NAME}".into()
            )
        );
    }

    #[test]
    fn file_resources() {
        let c = parse(
            "a: !file /etc/hosts\nb: !file\n  path: out.log\n  mode: append\n  create: true\n  perm: 0o600\n  nofollow: true\nc: !file {path: /srv, directory: true}\nd: !file {path: x, mode: readwrite, truncate: true}\ne: !file {path: y, mode: write, perm: 420}\n",
        )
        .unwrap();
        let specs: Vec<_> = c.resources.iter().map(|r| r.spec.clone()).collect();
        assert_eq!(
            specs,
            vec![
                ResourceSpec::File(file("/etc/hosts")),
                ResourceSpec::File(FileSpec {
                    mode: Mode::Append,
                    create: true,
                    perm: 0o600,
                    nofollow: true,
                    ..file("out.log")
                }),
                ResourceSpec::File(FileSpec {
                    directory: true,
                    ..file("/srv")
                }),
                ResourceSpec::File(FileSpec {
                    mode: Mode::ReadWrite,
                    truncate: true,
                    ..file("x")
                }),
                ResourceSpec::File(FileSpec {
                    mode: Mode::Write,
                    perm: 0o644,
                    ..file("y")
                }),
            ]
        );
        assert_eq!(c.resources[1].pos, p(2, 4));
        // Two occurrences of the same file are two resources.
        let c = parse("- !file /a\n- !file /a\n").unwrap();
        assert_eq!(c.resources.len(), 2);
        assert_eq!(value("a: !file '123'"), NodeKind::Resource(0));
    }

    #[test]
    fn file_errors() {
        assert_eq!(
            err("x: 1\nf: !file\n  mode: read\n"),
            (p(2, 4), "!file needs a path".into())
        );
        assert_eq!(err("f: !file").0, p(1, 4));
        assert_eq!(err("f: !file {}").1, "!file needs a path");
        assert_eq!(
            err("f: !file {path: 123}"),
            (
                p(1, 17),
                "!file path must be a string, not an integer (quote it)".into()
            )
        );
        assert_eq!(
            err("f: !file {path: [a]}").1,
            "!file path must be a string, not a sequence"
        );
        assert_eq!(
            err("f: !file {path: ''}"),
            (p(1, 17), "!file path is empty".into())
        );
        assert_eq!(
            err("f: !file {path: \"a\\0b\"}").1,
            "!file path contains a NUL byte"
        );
        assert_eq!(err("f: !file [a]").0, p(1, 4));
        assert_eq!(
            err("f: !file {path: a, mode: rw}"),
            (
                p(1, 26),
                "!file mode must be read, write, readwrite or append".into()
            )
        );
        assert_eq!(
            err("f: !file\n  path: a\n  create: true\n"),
            (
                p(3, 3),
                "!file create needs mode write, readwrite or append".into()
            )
        );
        assert_eq!(
            err("f: !file {path: a, mode: read, truncate: true}").1,
            "!file truncate needs mode write, readwrite or append"
        );
        assert_eq!(
            err("f: !file {path: a, create: yes, mode: write}"),
            (p(1, 28), "!file create must be true or false".into())
        );
        assert_eq!(
            err("f: !file {path: a, directory: true, mode: write, create: true}"),
            (
                p(1, 20),
                "!file directory cannot be combined with create or truncate".into()
            )
        );
        assert_eq!(
            err("f: !file {path: a, perm: 0644}"),
            (
                p(1, 26),
                "!file perm 0644 is decimal in YAML 1.2; write 0o644 for octal".into()
            )
        );
        assert_eq!(
            err("f: !file {path: a, perm: 0o10000}").1,
            "!file perm must be from 0o0 to 0o7777"
        );
        assert_eq!(
            err("f: !file {path: a, perm: rw}").1,
            "!file perm must be an integer such as 0o644"
        );
        assert_eq!(
            err("f: !file\n  path: a\n  pth: b\n"),
            (
                p(3, 3),
                "unknown !file key \"pth\" (did you mean path? known: path, mode, create, truncate, directory, nofollow, perm, at)".into()
            )
        );
        assert_eq!(
            err("f: !file {path: a, colour: red}").1,
            "unknown !file key \"colour\" (known: path, mode, create, truncate, directory, nofollow, perm, at)"
        );
        assert_eq!(
            err("f: !file {path: a, path: b}"),
            (p(1, 20), "duplicate key \"path\"".into())
        );
    }

    #[test]
    fn socket_resources() {
        let c = parse(
            "- !socket {bind: '0.0.0.0:8080', backlog: 64}\n- !socket {connect: /run/x.sock, type: dgram}\n- !socket\n  connect: '[::1]:443'\n  type: seqpacket\n- !socket {bind: '@name'}\n",
        )
        .unwrap();
        let specs: Vec<_> = c.resources.iter().map(|r| r.spec.clone()).collect();
        assert_eq!(
            specs,
            vec![
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Bind,
                    address: "0.0.0.0:8080".into(),
                    kind: SocketType::Stream,
                    backlog: Some(64)
                }),
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Connect,
                    address: "/run/x.sock".into(),
                    kind: SocketType::Dgram,
                    backlog: None
                }),
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Connect,
                    address: "[::1]:443".into(),
                    kind: SocketType::Seqpacket,
                    backlog: None
                }),
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Bind,
                    address: "@name".into(),
                    kind: SocketType::Stream,
                    backlog: None
                }),
            ]
        );
        // A plain host:port is a string in block style too.
        assert!(parse("s: !socket\n  bind: localhost:80\n").is_ok());
    }

    #[test]
    fn socket_errors() {
        assert_eq!(
            err("s: !socket\n  bind: a:1\n  connect: b:2\n"),
            (p(3, 3), "!socket takes bind or connect, not both".into())
        );
        assert_eq!(
            err("s: !socket {type: dgram}"),
            (p(1, 4), "!socket needs bind or connect".into())
        );
        assert_eq!(
            err("s: !socket {bind: 'localhost:65536'}"),
            (p(1, 19), "port 65536 is out of range (0 to 65535)".into())
        );
        assert_eq!(err("s: !socket {connect: localhost}").0, p(1, 22));
        assert_eq!(
            err("s: !socket {bind: 8080}").1,
            "!socket bind address must be a string like host:port, [v6]:port, /path or @name, not an integer (quote it)"
        );
        assert_eq!(
            err("s: !socket {bind: 'a:1', type: raw}"),
            (
                p(1, 32),
                "!socket type must be stream, dgram or seqpacket".into()
            )
        );
        assert_eq!(
            err("s: !socket {connect: 'a:1', backlog: 5}"),
            (p(1, 29), "!socket backlog needs bind, not connect".into())
        );
        assert_eq!(
            err("s: !socket {bind: 'a:1', type: dgram, backlog: 5}").1,
            "!socket backlog needs a stream or seqpacket socket"
        );
        assert_eq!(err("s: !socket {bind: 'a:1', backlog: -1}").0, p(1, 35));
        assert_eq!(err("s: !socket /tmp/x").0, p(1, 4));
        let long = format!("s: !socket {{bind: /{}}}", "a".repeat(120));
        assert!(err(&long).1.contains("at most 107"));
        assert_eq!(
            err("s: !socket {bind: 'a:1', bnd: x}").1,
            "unknown !socket key \"bnd\" (did you mean bind? known: bind, connect, type, backlog)"
        );
    }

    #[test]
    fn executable_is_one_resource() {
        let c = parse("a: !executable\nb: !executable ~\nc: [!executable]\n").unwrap();
        assert_eq!(
            c.resources,
            vec![Resource {
                pos: p(1, 4),
                spec: ResourceSpec::Executable
            }]
        );
        assert_eq!(
            err("a: !executable foo"),
            (p(1, 4), "!executable takes no value".into())
        );
        assert_eq!(err("a: !executable {}").0, p(1, 4));
    }

    #[test]
    fn unknown_tags_suggest_the_closest() {
        assert_eq!(
            err("files:\n  log: !flie /x\n"),
            (p(2, 8), "unknown tag !flie (did you mean !file?)".into())
        );
        assert_eq!(err("a: !fdd 1").1, "unknown tag !fdd (did you mean !fd?)");
        assert_eq!(
            err("a: !Socket {}").1,
            "unknown tag !Socket (did you mean !socket?)"
        );
        assert_eq!(err("a: !str x").1, "unknown tag !str (did you mean !!str?)");
        assert_eq!(
            err("a: !!file x").1,
            "unknown tag !!file (did you mean !file?)"
        );
        assert_eq!(err("a: !frobnicate x").1, "unknown tag !frobnicate");
        assert_eq!(
            err("a: !<tag:example.com:x> y").1,
            "unknown tag !<tag:example.com:x>"
        );
        assert_eq!(
            err("%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\na: !flie /x\n"),
            (p(3, 4), "unknown tag !flie (did you mean !file?)".into())
        );
        // The tag's position, after an anchor.
        assert_eq!(err("a: &x !flie /x").0, p(1, 7));
        assert_eq!(err("a: !flie &x /x").0, p(1, 4));
    }

    #[test]
    fn resource_tag_on_wrong_kind_points_at_the_tag() {
        assert_eq!(err("x:\n  - !file [a, b]\n").0, p(2, 5));
        assert_eq!(err("x:\n  - !socket [a]\n").0, p(2, 5));
        assert_eq!(err("x:\n  - !fd [a]\n").0, p(2, 5));
        assert_eq!(err("x:\n  - !executable [a]\n").0, p(2, 5));
    }

    #[test]
    fn cloudabi_run_config() {
        let text = "%TAG ! tag:nuxi.nl,2015:cloudabi/
---
console: !fd stdout
logfile: !file
  path: /var/log/app.log
  mode: append
  create: true
socket: !socket
  bind: 0.0.0.0:8080
  backlog: 128
datadir: !file
  path: /srv/data
  directory: true
self: !executable
threads: 4
name: \"server\"
";
        let c = parse(text).unwrap();
        let e = entries(&c.root.kind);
        let kinds: Vec<_> = e.iter().map(|(_, v)| v.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                NodeKind::Resource(0),
                NodeKind::Resource(1),
                NodeKind::Resource(2),
                NodeKind::Resource(3),
                NodeKind::Resource(4),
                NodeKind::Int(4),
                NodeKind::Str("server".into()),
            ]
        );
        assert_eq!(c.resources[0].spec, ResourceSpec::Fd(1));
        assert_eq!(c.resources[0].pos, p(3, 10));
        assert_eq!(
            c.resources[1].spec,
            ResourceSpec::File(FileSpec {
                mode: Mode::Append,
                create: true,
                ..file("/var/log/app.log")
            })
        );
        assert!(
            matches!(&c.resources[2].spec, ResourceSpec::Socket(s) if s.backlog == Some(128) && s.address == "0.0.0.0:8080")
        );
        assert_eq!(
            c.resources[3].spec,
            ResourceSpec::File(FileSpec {
                directory: true,
                ..file("/srv/data")
            })
        );
        assert_eq!(c.resources[4].spec, ResourceSpec::Executable);
        // The same config with local tags gives the same result.
        let local = text.replace("%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n", "");
        let l = parse(&local).unwrap();
        assert_eq!(
            l.resources.iter().map(|r| &r.spec).collect::<Vec<_>>(),
            c.resources.iter().map(|r| &r.spec).collect::<Vec<_>>()
        );
    }

    #[test]
    fn aliases_share_resources() {
        let c = parse("a: &f !file /x\nb: *f\nc: !file /x\nd: *f\n").unwrap();
        let kinds: Vec<_> = entries(&c.root.kind)
            .iter()
            .map(|(_, v)| v.kind.clone())
            .collect();
        assert_eq!(kinds, [0, 0, 1, 0].map(NodeKind::Resource));
        assert_eq!(c.resources.len(), 2);
        // The alias node has the alias's position.
        assert_eq!(entries(&c.root.kind)[1].1.pos, p(2, 4));
        // The resource's position is its tag, after the anchor.
        assert_eq!(c.resources[0].pos, p(1, 7));
        assert_eq!(value("a: &n 5\nb: *n\n"), NodeKind::Int(5));
    }

    #[test]
    fn aliased_map_reuses_the_ids_inside() {
        let c = parse(
            "base: &b\n  log: !file {path: /l, mode: append}\n  sock: !socket {connect: 'h:1'}\n  n: 1\ncopy: *b\nother: !file {path: /l, mode: append}\nnested: &n [*b, !file /z]\nagain: *n\n",
        )
        .unwrap();
        let e = entries(&c.root.kind);
        let ids = |n: &Node| -> Vec<NodeKind> {
            entries(&n.kind)
                .iter()
                .map(|(_, v)| v.kind.clone())
                .collect()
        };
        assert_eq!(ids(&e[0].1), ids(&e[1].1));
        assert_eq!(
            ids(&e[1].1),
            vec![
                NodeKind::Resource(0),
                NodeKind::Resource(1),
                NodeKind::Int(1)
            ]
        );
        assert_eq!(e[2].1.kind, NodeKind::Resource(2));
        let nested = items(&e[3].1.kind);
        assert_eq!(
            ids(&nested[0])[..2],
            [NodeKind::Resource(0), NodeKind::Resource(1)]
        );
        assert_eq!(nested[1].kind, NodeKind::Resource(3));
        assert_eq!(e[4].1.kind, e[3].1.kind);
        assert_eq!(c.resources.len(), 4);
    }

    /// Every resource id in pre-order (a map's key before its value).
    fn preorder_ids(n: &Node, out: &mut Vec<ResourceId>) {
        match &n.kind {
            NodeKind::Resource(id) => out.push(*id),
            NodeKind::Seq(items) => items.iter().for_each(|i| preorder_ids(i, out)),
            NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
                preorder_ids(k, out);
                preorder_ids(v, out);
            }),
            _ => {}
        }
    }

    #[test]
    fn resource_ids_number_first_appearances_in_preorder() {
        let text = "a: !fd stdout
b:
  - &f !file {path: /x}
  - !fd 1
  - *f
  - !file {path: /x}
c: &m
  s: !socket {connect: 'localhost:80'}
  e: !executable
d: *m
!fd 7: key
e: [!fd stderr, !executable, {deep: [*f, !socket {bind: '@x'}]}]
";
        let c = parse(text).unwrap();
        let mut ids = Vec::new();
        preorder_ids(&c.root, &mut ids);
        assert_eq!(ids, vec![0, 1, 0, 1, 2, 3, 4, 3, 4, 5, 6, 4, 1, 7]);
        // The first appearances, in order, are exactly 0..n.
        let mut firsts = Vec::new();
        for id in ids {
            if !firsts.contains(&id) {
                firsts.push(id);
            }
        }
        assert_eq!(firsts, (0..c.resources.len()).collect::<Vec<_>>());
        assert_eq!(
            c.resources[5],
            Resource {
                pos: p(11, 1),
                spec: ResourceSpec::Fd(7)
            }
        );
        assert_eq!(c.resources[6].spec, ResourceSpec::Fd(2));
    }

    #[test]
    fn yaml_errors_become_config_errors() {
        let e = parse("a: [1\nb: 2\n").unwrap_err();
        assert_eq!(e.to_string(), "2:2: illegal placement of ':' indicator");
        assert_eq!(
            err("a: *nope"),
            (p(1, 4), "alias *nope refers to an unknown anchor".into())
        );
    }

    #[test]
    fn error_display_has_the_position() {
        let e = parse("a: 1\nb: !flie x\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "2:4: unknown tag !flie (did you mean !file?)"
        );
    }

    #[test]
    fn deep_documents_do_not_overflow_the_stack() {
        let deep = "- ".repeat(crate::yaml::MAX_DEPTH) + "!fd 1";
        let c = parse(&deep).unwrap();
        assert_eq!(c.resources.len(), 1);
    }

    /// Every file in tests/bad-configs starts with `# expect: LINE:COL: substring`.
    #[test]
    fn bad_configs_corpus() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bad-configs");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        assert!(files.len() >= 12, "only {} bad configs", files.len());
        let mut failures = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy();
            let expect = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{name}: first line must be `# expect: LINE:COL: text`"));
            let (line, rest) = expect.split_once(':').unwrap();
            let (col, substring) = rest.split_once(':').unwrap();
            let want = p(line.parse().unwrap(), col.parse().unwrap());
            let substring = substring.trim();
            let at_launch = text
                .lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("# stage: launch"));
            match parse(&text) {
                // A valid config whose error shows only when the launch is planned
                // (tests/core.rs runs those through caprun).
                Ok(_) if at_launch => {}
                Ok(_) => failures.push(format!("{name}: parsed without error")),
                Err(e) if e.pos != Some(want) || !e.message.contains(substring) => {
                    failures.push(format!("{name}: got `{e}`, want `{expect}`"));
                }
                Err(_) => {}
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,200}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.pos.is_some());
            }
        }

        #[test]
        fn parse_never_panics_on_configish(
            text in "[-:&*!\\[\\]{}, \n'\"a-f0-9#%|>?~.]{0,80}|(a: |- |  )(!fd|!file|!socket|!executable|!!int|!!binary|!!timestamp|&a|\\*a)( |\n  )[-:/\\[\\]{}, \n'a-z0-9.@]{0,40}"
        ) {
            if let Err(e) = parse(&text) {
                prop_assert!(e.pos.is_some());
            }
        }
    }
}
