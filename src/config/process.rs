//! `!exec` documents: a process described as data, for programs that read argv, an
//! environment, stdio on 0/1/2 and paths instead of argdata.
//!
//! ```yaml
//! !exec
//! argv: [server, --listen-fd, !socket {bind: "127.0.0.1:8080"}, --data, !dir {path: /srv/data, mode: readwrite}]
//! env: {LANG: C.UTF-8, PATH: !env PATH}
//! stdio: [!fd stdin, !fd stdout, !fd stderr]   # the default when absent
//! cwd: !dir {path: /srv/data}
//! paths: [!dir {path: /usr/share/zoneinfo}]     # granted at their paths, not in argv
//! args: {…}                                     # optional: argdata as well, via ARGDATA_FD
//! ```
//!
//! Conversion gives every value its meaning ([`WordValue`], [`Cwd`], [`PathResource`]):
//! `plan` renders them (descriptors as numbers, `!dir`/`!file` as paths, `!env` from
//! caprun's environment) without looking at the config's shapes again.

use std::path::PathBuf;

use super::convert::{env_name, fail, field_name, is_tag, Converter};
use super::tree::{AccessMode, ConfigError, FileSpec, Node, NodeKind, ResourceId, ResourceSpec};
use crate::yaml::{DocNode, DocValue, Pos};

/// The process an `!exec` document describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    /// Position of the `!exec` tag.
    pub pos: Pos,
    /// The program's argv. Never empty.
    pub argv: Vec<Word>,
    /// The program's whole environment, in document order.
    pub env: Vec<EnvEntry>,
    /// The resources at descriptors 0, 1 and 2 (null in the document means `/dev/null`;
    /// absent means `!fd stdin`, `!fd stdout`, `!fd stderr`).
    pub stdio: [ResourceId; 3],
    /// The working directory.
    pub cwd: Option<Cwd>,
    /// `!dir`/`!file` resources granted at their paths without appearing in argv.
    pub paths: Vec<PathResource>,
    /// The parts that number descriptors, in document order (each at most once).
    pub order: Vec<Part>,
}

/// A part of an `!exec` document that gives descriptors their numbers: they are
/// numbered in order of first appearance, walking these in document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `argv`.
    Argv,
    /// `env`.
    Env,
    /// `args` (the argdata).
    Args,
}

/// An argv item or an environment variable's value, and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Its position.
    pub pos: Pos,
    /// What it renders as.
    pub value: WordValue,
}

/// What an argv item or an environment variable's value renders as.
#[derive(Debug, Clone, PartialEq)]
pub enum WordValue {
    /// Text as written (a string, or a number or boolean as YAML shows it).
    Text(String),
    /// The path of a `!file` or `!dir` inside the sandbox.
    Path(PathResource),
    /// The number of a descriptor resource (`!fd`, `!socket`, `!executable`).
    Descriptor(ResourceId),
    /// `!env NAME`: caprun's own environment variable NAME.
    Env(String),
}

/// A `!file` or `!dir` the program reaches by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathResource {
    /// The resource.
    pub id: ResourceId,
    /// Where it appears inside the sandbox (`at`); `None`: at its host path.
    pub at: Option<PathBuf>,
}

/// The working directory of an `!exec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cwd {
    /// An absolute path inside the sandbox.
    Path(PathBuf),
    /// A `!dir`, at its path inside the sandbox.
    Dir(PathResource),
}

/// One environment variable of an `!exec`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvEntry {
    /// The variable's name.
    pub name: String,
    /// Position of the name.
    pub pos: Pos,
    /// Its value.
    pub value: Word,
}

const EXEC_KEYS: &[&str] = &["argv", "env", "stdio", "cwd", "paths", "args"];

/// Convert an `!exec` root into the process and its argdata (`args`, else null).
pub(super) fn convert(cx: &mut Converter, y: DocNode<'_>) -> Result<(Process, Node), ConfigError> {
    let pos = cx.tag_pos(y);
    let DocValue::Map(entries) = y.value() else {
        return fail(pos, "!exec needs a mapping with at least argv");
    };
    let mut argv = None;
    let mut env = Vec::new();
    let mut stdio = None;
    let mut cwd = None;
    let mut paths = Vec::new();
    let mut args = None;
    let mut seen: Vec<String> = Vec::new();
    let mut order = Vec::new();
    for (yk, yv) in entries.iter() {
        let k = cx.node(yk)?;
        let name = field_name(&k, "!exec", EXEC_KEYS)?.to_owned();
        if seen.contains(&name) {
            return fail(k.pos, format!("duplicate key {name:?}"));
        }
        seen.push(name.clone());
        match name.as_str() {
            "argv" => {
                argv = Some(exec_argv(cx, yv, k.pos)?);
                order.push(Part::Argv);
            }
            "env" => {
                env = exec_env(cx, yv)?;
                order.push(Part::Env);
            }
            "stdio" => stdio = Some(exec_stdio(cx, yv)?),
            "cwd" => cwd = Some(exec_cwd(cx, yv)?),
            "paths" => paths = exec_paths(cx, yv)?,
            _ => {
                args = Some(cx.node(yv)?);
                order.push(Part::Args);
            }
        }
    }
    let argv = argv.ok_or_else(|| ConfigError {
        pos: Some(pos),
        message: "!exec needs argv".into(),
    })?;
    let stdio = match stdio {
        Some(s) => s,
        None => [0, 1, 2].map(|fd| cx.resource(pos, ResourceSpec::Fd(fd))),
    };
    let args = args.unwrap_or(Node {
        pos,
        kind: NodeKind::Null,
    });
    Ok((
        Process {
            pos,
            argv,
            env,
            stdio,
            cwd,
            paths,
            order,
        },
        args,
    ))
}

/// An argv item or env value (`what` names them in errors): a scalar, a resource, or
/// `!env NAME`.
fn word(cx: &mut Converter, y: DocNode<'_>, what: &str) -> Result<Word, ConfigError> {
    if is_tag(y, "env") {
        return Ok(Word {
            pos: y.pos(),
            value: WordValue::Env(env_name(y, cx.tag_pos(y))?),
        });
    }
    cx.in_word = true;
    let n = cx.node(y);
    cx.in_word = false;
    let n = n?;
    let value = match n.kind {
        NodeKind::Str(s) => WordValue::Text(s),
        NodeKind::Int(i) => WordValue::Text(i.to_string()),
        NodeKind::Float(f) => WordValue::Text(f.to_string()),
        NodeKind::Bool(b) => WordValue::Text(b.to_string()),
        NodeKind::Resource(id) => match path_resource(cx, id) {
            Some(p) => WordValue::Path(p),
            None => WordValue::Descriptor(id),
        },
        _ => {
            return fail(
                n.pos,
                format!("{what} are strings, numbers, descriptor or path tags, or !env"),
            )
        }
    };
    Ok(Word { pos: n.pos, value })
}

/// Resource `id` as a path, when it is a `!file` or `!dir`.
fn path_resource(cx: &Converter, id: ResourceId) -> Option<PathResource> {
    match &cx.resources[id.index()].spec {
        ResourceSpec::File(f) => Some(PathResource {
            id,
            at: f.at.clone(),
        }),
        _ => None,
    }
}

fn exec_argv(cx: &mut Converter, y: DocNode<'_>, key: Pos) -> Result<Vec<Word>, ConfigError> {
    let DocValue::Seq(items) = y.value() else {
        return fail(y.pos(), "!exec argv must be a sequence");
    };
    if items.is_empty() {
        return fail(
            key,
            "!exec argv is empty (it needs at least the program's name)",
        );
    }
    items
        .iter()
        .map(|item| word(cx, item, "argv items"))
        .collect()
}

fn exec_env(cx: &mut Converter, y: DocNode<'_>) -> Result<Vec<EnvEntry>, ConfigError> {
    let DocValue::Map(entries) = y.value() else {
        return fail(y.pos(), "!exec env must be a mapping of NAME: value");
    };
    let mut env: Vec<EnvEntry> = Vec::with_capacity(entries.len());
    for (yk, yv) in entries.iter() {
        let k = cx.node(yk)?;
        let NodeKind::Str(name) = k.kind else {
            return fail(k.pos, "environment variable names are strings");
        };
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return fail(k.pos, format!("invalid environment variable name {name:?}"));
        }
        if env.iter().any(|e| e.name == name) {
            return fail(k.pos, format!("duplicate key {name:?}"));
        }
        let value = word(cx, yv, "env values")?;
        env.push(EnvEntry {
            name,
            pos: k.pos,
            value,
        });
    }
    Ok(env)
}

fn exec_stdio(cx: &mut Converter, y: DocNode<'_>) -> Result<[ResourceId; 3], ConfigError> {
    let DocValue::Seq(items) = y.value() else {
        return fail(
            y.pos(),
            "!exec stdio must be a sequence of three descriptors",
        );
    };
    if items.len() != 3 {
        return fail(
            y.pos(),
            format!(
                "!exec stdio needs exactly three entries (stdin, stdout, stderr), not {}",
                items.len()
            ),
        );
    }
    let mut out = [ResourceId::new(0); 3];
    for (slot, item) in out.iter_mut().zip(items.iter()) {
        let n = cx.node(item)?;
        *slot = match n.kind {
            NodeKind::Resource(id) => id,
            NodeKind::Null => {
                let spec = ResourceSpec::File(FileSpec {
                    mode: AccessMode::ReadWrite,
                    ..FileSpec::new("/dev/null")
                });
                cx.resource(n.pos, spec)
            }
            _ => {
                return fail(
                    n.pos,
                    "stdio entries are descriptor tags (!fd, !file, !socket) or null",
                )
            }
        };
    }
    Ok(out)
}

fn exec_cwd(cx: &mut Converter, y: DocNode<'_>) -> Result<Cwd, ConfigError> {
    let n = cx.node(y)?;
    match n.kind {
        NodeKind::Str(s) if s.starts_with('/') => return Ok(Cwd::Path(PathBuf::from(s))),
        NodeKind::Resource(id) => {
            let is_dir = matches!(
                &cx.resources[id.index()].spec,
                ResourceSpec::File(f) if f.directory
            );
            if let (true, Some(dir)) = (is_tag(y, "dir") || is_dir, path_resource(cx, id)) {
                return Ok(Cwd::Dir(dir));
            }
        }
        _ => {}
    }
    fail(
        n.pos,
        "!exec cwd must be an absolute path inside the sandbox or a !dir",
    )
}

fn exec_paths(cx: &mut Converter, y: DocNode<'_>) -> Result<Vec<PathResource>, ConfigError> {
    let DocValue::Seq(items) = y.value() else {
        return fail(y.pos(), "!exec paths must be a sequence of !dir and !file");
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter() {
        let n = cx.node(item)?;
        match n.kind {
            NodeKind::Resource(id) => match path_resource(cx, id) {
                Some(p) => out.push(p),
                None => return fail(n.pos, "!exec paths entries must be !dir or !file"),
            },
            _ => return fail(n.pos, "!exec paths entries must be !dir or !file"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Pos};
    use super::*;

    fn exec(text: &str) -> (Process, super::super::Config) {
        let c = parse(text).unwrap();
        (c.process.clone().expect("an !exec document"), c)
    }

    fn err(text: &str) -> (Pos, String) {
        let e = parse(text).unwrap_err();
        (e.pos.unwrap(), e.message)
    }

    #[test]
    fn full_exec_document() {
        let (e, c) = exec(
            "!exec\nargv: [srv, --fd, !socket {bind: \"127.0.0.1:0\"}, --data, !dir {path: /srv, mode: readwrite, at: /data}, 3]\n\
             env: {LANG: C.UTF-8, PATH: !env PATH, N: 1}\n\
             stdio: [null, !fd stdout, !fd 2]\n\
             cwd: /data\n\
             paths: [!file /etc/hosts]\n\
             args: {x: !fd stdout}\n",
        );
        assert_eq!(e.argv.len(), 6);
        assert!(matches!(e.argv[0].value, WordValue::Text(ref s) if s == "srv"));
        let WordValue::Path(ref dir) = e.argv[4].value else {
            panic!()
        };
        assert_eq!(dir.at.as_deref(), Some(std::path::Path::new("/data")));
        let ResourceSpec::File(f) = &c.resource(dir.id).spec else {
            panic!()
        };
        assert!(f.directory);
        assert_eq!(f.mode, AccessMode::ReadWrite);
        assert_eq!(f.at.as_deref(), Some(std::path::Path::new("/data")));
        assert_eq!(e.env.len(), 3);
        assert_eq!(e.env[1].value.value, WordValue::Env("PATH".into()));
        assert!(
            matches!(&c.resource(e.stdio[0]).spec, ResourceSpec::File(f) if f.path.as_os_str() == "/dev/null")
        );
        // `!fd stdout` in stdio and in args is one resource.
        let out = e.stdio[1];
        let NodeKind::Map(ref m) = c.root.kind else {
            panic!()
        };
        assert_eq!(m[0].1.kind, NodeKind::Resource(out));
        assert_eq!(e.paths.len(), 1);
        assert_eq!(e.cwd.unwrap(), Cwd::Path("/data".into()));
        // The socket renders as a descriptor, the number as text.
        assert!(matches!(e.argv[2].value, WordValue::Descriptor(_)));
        assert_eq!(e.argv[5].value, WordValue::Text("3".into()));
        assert_eq!(e.order, [Part::Argv, Part::Env, Part::Args]);
    }

    #[test]
    fn stdio_defaults_to_the_inherited_three() {
        let (e, c) = exec("!exec {argv: [true]}");
        for (i, &id) in e.stdio.iter().enumerate() {
            assert_eq!(c.resource(id).spec, ResourceSpec::Fd(i as i32));
        }
        assert_eq!(c.root.kind, NodeKind::Null);
        assert!(e.env.is_empty());
    }

    #[test]
    fn cloudabi_tag_form_works_too() {
        let c = parse("%TAG ! tag:nuxi.nl,2015:cloudabi/\n--- !exec\nargv: [a]\n").unwrap();
        assert!(c.process.is_some());
    }

    #[test]
    fn errors_have_positions() {
        let cases: &[(&str, (usize, usize), &str)] = &[
            ("!exec {env: {}}", (1, 1), "!exec needs argv"),
            ("!exec\nargv: []\n", (2, 1), "argv is empty"),
            ("!exec\nargv: [a, [b]]\n", (2, 11), "argv items are strings"),
            ("!exec\nargv: a\n", (2, 7), "argv must be a sequence"),
            (
                "!exec\nargv: [a]\nstdio: [!fd 1]\n",
                (3, 8),
                "exactly three entries",
            ),
            (
                "!exec\nargv: [a]\nstdio: [1, 2, 3]\n",
                (3, 9),
                "stdio entries are descriptor tags",
            ),
            (
                "!exec\nargv: [a]\ncwd: relative\n",
                (3, 6),
                "cwd must be an absolute path",
            ),
            (
                "!exec\nargv: [a]\nargv: [b]\n",
                (3, 1),
                "duplicate key \"argv\"",
            ),
            (
                "!exec\nargv: [a]\nenvv: {}\n",
                (3, 1),
                "unknown !exec key \"envv\" (did you mean env?",
            ),
            (
                "!exec\nargv: [a]\nenv: {\"A=B\": x}\n",
                (3, 7),
                "invalid environment variable name",
            ),
            (
                "!exec\nargv: [a]\nenv: {A: [x]}\n",
                (3, 10),
                "env values are strings",
            ),
            (
                "!exec\nargv: [a]\nargs: !env HOME\n",
                (3, 7),
                "!env is only valid in the argv and env",
            ),
            (
                "a: !exec {argv: [a]}\n",
                (1, 4),
                "!exec is only valid at the root",
            ),
            (
                "!exec\nargv: [!env]\n",
                (2, 8),
                "!env needs a variable name",
            ),
            (
                "!exec\nargv: [!dir {path: /x, create: true}]\n",
                (2, 24),
                "unknown !dir key \"create\"",
            ),
            (
                "!exec\nargv: [!dir {path: /x, at: rel}]\n",
                (2, 28),
                "!dir at: `rel` is not an absolute path",
            ),
            (
                "!exec\nargv: [a]\npaths: [!fd 1]\n",
                (3, 9),
                "paths entries must be !dir or !file",
            ),
            (
                "!exec\nargv: [[!env HOME]]\n",
                (2, 9),
                "!env must be a whole argv item or env value",
            ),
            (
                "!exec\nargv: [a]\nenv: {A: !file {path: !env HOME}}\n",
                (3, 23),
                "!env must be a whole argv item or env value",
            ),
        ];
        for (text, (line, col), msg) in cases {
            let (pos, m) = err(text);
            assert!(m.contains(msg), "{text:?}: {m}");
            assert_eq!((pos.line, pos.col), (*line, *col), "{text:?}: {m}");
        }
    }
}
