//! YAML → the config tree: scalars resolved by the YAML 1.2 core schema, the standard
//! tags applied, and resource tags numbered ([`Converter`]). The `!exec` document on top
//! of it is [`super::process`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use super::schema;
use super::tree::{
    AccessMode, ConfigError, FileSpec, Node, NodeKind, Resource, ResourceId, ResourceSpec,
    SocketAction, SocketSpec, SocketType,
};
use crate::yaml::{DocNode, DocValue, Entries, Pos, Style, Tag, CLOUDABI_HANDLE, YAML_HANDLE};

/// Whether `y` carries caprun's tag `!NAME` (local or cloudabi-run form).
pub(super) fn is_tag(y: DocNode<'_>, name: &str) -> bool {
    y.tag()
        .is_some_and(|t| (t.handle == "!" || t.handle == CLOUDABI_HANDLE) && t.suffix == name)
}

pub(super) fn fail<T>(pos: Pos, message: impl Into<String>) -> Result<T, ConfigError> {
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

const SOCKET_KEYS: &[&str] = &["bind", "connect", "type", "backlog", "timeout"];

/// The longest `!socket` `timeout:`, in seconds (a day).
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

const FD_KEYS: &[&str] = &["listen"];

/// The closest of `candidates` to `word`, if close enough to be a plausible typo.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    crate::suggest::closest(word, candidates)
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
        }
    }
}

/// How a key is shown in a "duplicate key" message.
fn describe_key(y: DocNode<'_>) -> String {
    match y.value() {
        DocValue::Scalar(s, _) => format!("{s:?}"),
        DocValue::Seq(_) => "(a sequence)".into(),
        DocValue::Map(_) => "(a mapping)".into(),
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
    }
}

/// `f`, parsed from `text`: infinite only when written `.inf` (a number beyond the
/// range of a double is an error, as an integer beyond 64 bits is).
fn finite(f: f64, text: &str, pos: Pos) -> Result<f64, ConfigError> {
    if f.is_infinite() && !text.to_ascii_lowercase().ends_with(".inf") {
        return fail(
            pos,
            format!("float {text} is out of range (beyond ±1.8e308; write .inf for infinity)"),
        );
    }
    Ok(f)
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
        return finite(f, s, pos).map(NodeKind::Float);
    }
    Ok(NodeKind::Str(s.to_owned()))
}

/// Converts composed YAML into config nodes, numbering resources on the way.
///
/// Resource identity: every resource tag met while converting is appended to `log`
/// (a fresh or reused id). Converting an anchored node records the slice of `log` it
/// produced; converting an alias copy of it then *replays* that slice, so the resources
/// inside the copy get the ids of the resources in the original, in the same order.
pub(super) struct Converter {
    /// The resources met so far, by id.
    pub(super) resources: Vec<Resource>,
    fds: HashMap<i32, ResourceId>,
    listens: HashMap<String, ResourceId>,
    executable: Option<ResourceId>,
    log: Vec<ResourceId>,
    anchored: HashMap<usize, (usize, usize)>,
    /// While converting an alias copy: next index into `log` and end of the slice.
    replay: Option<(usize, usize)>,
    /// Converting an `!exec` argv item or env value (a whole one may be `!env`).
    pub(super) in_word: bool,
}

impl Converter {
    /// A converter with no resource met yet.
    pub(super) fn new() -> Self {
        Converter {
            resources: Vec::new(),
            fds: HashMap::new(),
            listens: HashMap::new(),
            executable: None,
            log: Vec::new(),
            anchored: HashMap::new(),
            replay: None,
            in_word: false,
        }
    }

    /// Convert `y` (an alias copy gets the resources of its original).
    pub(super) fn node(&mut self, y: DocNode<'_>) -> Result<Node, ConfigError> {
        if y.is_alias() && self.replay.is_none() {
            if let Some(&range) = y.anchor().and_then(|a| self.anchored.get(&a)) {
                self.replay = Some(range);
                let node = self.content(y);
                self.replay = None;
                return node;
            }
        }
        let start = self.log.len();
        let node = self.content(y)?;
        if let (Some(anchor), false) = (y.anchor(), y.is_alias()) {
            self.anchored.insert(anchor, (start, self.log.len()));
        }
        Ok(node)
    }

    fn content(&mut self, y: DocNode<'_>) -> Result<Node, ConfigError> {
        let kind = match y.tag() {
            None => self.untagged(y)?,
            Some(tag) if tag.handle == YAML_HANDLE => self.standard(y, tag)?,
            Some(tag) if tag.handle == "!" && tag.suffix.is_empty() => match y.value() {
                // The non-specific tag `! 12`: a string, whatever it looks like.
                DocValue::Scalar(s, _) => NodeKind::Str(s.to_owned()),
                _ => self.untagged(y)?,
            },
            Some(tag) if tag.handle == "!" || tag.handle == CLOUDABI_HANDLE => {
                let pos = self.tag_pos(y);
                let (id_pos, spec) = match tag.suffix.as_str() {
                    "fd" => (pos, self.fd(y, pos)?),
                    "file" => (pos, ResourceSpec::File(self.file(y, pos, "!file")?)),
                    "dir" => (pos, ResourceSpec::File(self.file(y, pos, "!dir")?)),
                    "exec" => return fail(pos, "!exec is only valid at the root of the document"),
                    "env" if self.in_word => {
                        return fail(pos, "!env must be a whole argv item or env value")
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
        Ok(Node { pos: y.pos(), kind })
    }

    /// Position of the node's tag: its start, unless an anchor comes first (`&a !file`).
    pub(super) fn tag_pos(&self, y: DocNode<'_>) -> Pos {
        y.tag_pos()
    }

    /// A fresh id, the id of an already seen descriptor / `!executable`, or the next id
    /// of the alias copy being replayed.
    pub(super) fn resource(&mut self, pos: Pos, spec: ResourceSpec) -> ResourceId {
        let replayed = match &mut self.replay {
            Some((next, end)) if *next < *end => {
                *next += 1;
                Some(self.log[*next - 1])
            }
            _ => None,
        };
        let id = replayed.unwrap_or_else(|| {
            let fresh = ResourceId::new(self.resources.len());
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

    fn untagged(&mut self, y: DocNode<'_>) -> Result<NodeKind, ConfigError> {
        Ok(match y.value() {
            DocValue::Scalar(s, Style::Plain) => resolve_plain(s, y.pos())?,
            DocValue::Scalar(s, Style::Quoted) => NodeKind::Str(s.to_owned()),
            DocValue::Seq(items) => NodeKind::Seq(
                items
                    .iter()
                    .map(|i| self.node(i))
                    .collect::<Result<_, _>>()?,
            ),
            DocValue::Map(entries) => NodeKind::Map(self.map(entries)?),
        })
    }

    fn map(&mut self, entries: Entries<'_>) -> Result<Vec<(Node, Node)>, ConfigError> {
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries.iter() {
            let key = self.node(k)?;
            if !seen.insert(KeyRepr::of(&key.kind)) {
                return fail(k.pos(), format!("duplicate key {}", describe_key(k)));
            }
            let value = self.node(v)?;
            out.push((key, value));
        }
        Ok(out)
    }

    /// `!!str`, `!!int`, … : force the type.
    fn standard(&mut self, y: DocNode<'_>, tag: &Tag) -> Result<NodeKind, ConfigError> {
        let pos = self.tag_pos(y);
        let name = tag.written();
        let need_scalar = || fail(pos, format!("{name} needs a scalar"));
        let text = match y.value() {
            DocValue::Scalar(s, _) => Some(s),
            _ => None,
        };
        Ok(match (tag.suffix.as_str(), text) {
            ("seq", _) => match y.value() {
                DocValue::Seq(_) => self.untagged(y)?,
                _ => return fail(pos, "!!seq needs a sequence"),
            },
            ("map", _) => match y.value() {
                DocValue::Map(_) => self.untagged(y)?,
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
                    (Some(f), _) => NodeKind::Float(finite(f, s, pos)?),
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
    fn fd(&mut self, y: DocNode<'_>, pos: Pos) -> Result<ResourceSpec, ConfigError> {
        let DocValue::Map(entries) = y.value() else {
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
    fn file(&mut self, y: DocNode<'_>, pos: Pos, tag: &str) -> Result<FileSpec, ConfigError> {
        let dir = tag == "!dir";
        let mut spec = FileSpec {
            directory: dir,
            ..FileSpec::new(PathBuf::new())
        };
        let entries = match y.value() {
            DocValue::Scalar(s, Style::Plain) if schema::is_null(s) => {
                return fail(pos, format!("{tag} needs a path"))
            }
            DocValue::Scalar(s, _) => {
                spec.path = check_path(s, y.pos(), tag)?;
                return Ok(spec);
            }
            DocValue::Seq(_) => {
                return fail(
                    pos,
                    format!("{tag} needs a mapping like {{path: /some/where}} or a path"),
                )
            }
            DocValue::Map(entries) => entries,
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
                    if let Some(why) = crate::paths::not_normal(s) {
                        return fail(v.pos, format!("{tag} at: `{s}` {why}"));
                    }
                    if s == "/" {
                        return fail(v.pos, format!("{tag} at: `/` is the sandbox's root"));
                    }
                    spec.at = Some(check_path(s, v.pos, tag)?);
                }
                "mode" => {
                    spec.mode = match &v.kind {
                        NodeKind::Str(s) if s == "read" => AccessMode::Read,
                        NodeKind::Str(s) if s == "write" => AccessMode::Write,
                        NodeKind::Str(s) if s == "readwrite" => AccessMode::ReadWrite,
                        NodeKind::Str(s) if s == "append" => AccessMode::Append,
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
                    if let DocValue::Scalar(raw, Style::Plain) = yv.value() {
                        if yv.tag().is_none()
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
        if let (Some((at, name)), AccessMode::Read) = (needs_write, spec.mode) {
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

    /// `!socket {bind|connect: ADDR, type: …, backlog: …, timeout: …}`.
    fn socket(&mut self, y: DocNode<'_>, pos: Pos) -> Result<SocketSpec, ConfigError> {
        let DocValue::Map(entries) = y.value() else {
            return fail(
                pos,
                "!socket needs a mapping like {bind: host:port} or {connect: host:port}",
            );
        };
        let nodes = self.map(entries)?;
        let mut target: Option<(SocketAction, String)> = None;
        let mut kind = SocketType::Stream;
        let mut backlog: Option<(Pos, i32)> = None;
        let mut timeout: Option<(Pos, Duration)> = None;
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
                "timeout" => {
                    // Seconds, an integer or a decimal; kept to the millisecond, rounded up.
                    let secs = match v.kind {
                        NodeKind::Int(n) => n as f64,
                        NodeKind::Float(f) => f,
                        _ => f64::NAN,
                    };
                    if !(secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
                        return fail(
                            v.pos,
                            "!socket timeout must be a number of seconds above 0 and at most 86400, such as 10 or 0.5",
                        );
                    }
                    let ms = (secs * 1000.0).ceil() as u64;
                    timeout = Some((k.pos, Duration::from_millis(ms)));
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
        if let (Some((at, _)), SocketAction::Bind) = (timeout, action) {
            return fail(at, "!socket timeout needs connect, not bind");
        }
        Ok(SocketSpec {
            action,
            address,
            kind,
            backlog: backlog.map(|(_, b)| b),
            timeout: timeout.map(|(_, t)| t),
        })
    }
}

/// The descriptor number of `!fd stdin|stdout|stderr|N`.
fn fd_number(y: DocNode<'_>, pos: Pos) -> Result<i32, ConfigError> {
    const NEED: &str = "!fd needs stdin, stdout, stderr or a descriptor number";
    let DocValue::Scalar(s, _) = y.value() else {
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

fn executable(y: DocNode<'_>, pos: Pos) -> Result<ResourceSpec, ConfigError> {
    match y.value() {
        DocValue::Scalar(s, Style::Plain) if schema::is_null(s) => Ok(ResourceSpec::Executable),
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
pub(super) fn env_name(y: DocNode<'_>, pos: Pos) -> Result<String, ConfigError> {
    match y.value() {
        DocValue::Scalar(s, _)
            if !s.is_empty() && !s.contains('=') && !s.contains('\0') && !schema::is_null(s) =>
        {
            Ok(s.to_owned())
        }
        _ => fail(pos, "!env needs a variable name, like !env PATH"),
    }
}

/// The key of a `!file`/`!socket` field, which must be one of `known`.
pub(super) fn field_name<'k>(
    k: &'k Node,
    tag: &str,
    known: &[&str],
) -> Result<&'k str, ConfigError> {
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
fn must_be(what: &str, expected: &str, y: DocNode<'_>, got: &NodeKind) -> String {
    let quote = matches!(y.value(), DocValue::Scalar(s, Style::Plain) if y.tag().is_none() && !s.is_empty());
    if quote {
        format!(
            "{what} must be {expected}, not {} (quote it)",
            kind_name(got)
        )
    } else {
        format!("{what} must be {expected}, not {}", kind_name(got))
    }
}
