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
//! Parsing only checks the shape; `plan` renders the values (descriptors as numbers,
//! `!dir`/`!file` as paths, `!env` from caprun's environment).

use super::{
    fail, field_name, is_tag, ConfigError, Converter, FileSpec, Mode, Node, NodeKind, Pos,
    ResourceSpec,
};
use crate::yaml::{YNode, YValue};

/// The process an `!exec` document describes.
#[derive(Debug, Clone, PartialEq)]
pub struct Exec {
    /// Position of the `!exec` tag.
    pub pos: Pos,
    /// The program's argv: scalars, resources (descriptors render as numbers, `!dir` and
    /// `!file` as paths) and `!env` values. Never empty.
    pub argv: Vec<Node>,
    /// The program's whole environment, in document order.
    pub env: Vec<EnvEntry>,
    /// Descriptors 0, 1 and 2: resource nodes (null in the document means `/dev/null`;
    /// absent means `!fd stdin`, `!fd stdout`, `!fd stderr`).
    pub stdio: [Node; 3],
    /// The working directory: a path inside the sandbox (a string) or a `!dir`.
    pub cwd: Option<Node>,
    /// `!dir`/`!file` resources granted at their paths without appearing in argv.
    pub paths: Vec<Node>,
    /// The keys in document order (descriptor numbering follows it).
    pub order: Vec<String>,
}

/// One environment variable of an `!exec`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvEntry {
    /// The variable's name.
    pub name: String,
    /// Position of the name.
    pub pos: Pos,
    /// Its value: a scalar, a resource or `!env NAME`.
    pub value: Node,
}

const EXEC_KEYS: &[&str] = &["argv", "env", "stdio", "cwd", "paths", "args"];

impl Converter<'_> {
    /// Convert an `!exec` root into the process and its argdata (`args`, else null).
    pub(super) fn exec(&mut self, y: &YNode) -> Result<(Exec, Node), ConfigError> {
        let pos = self.tag_pos(y);
        let YValue::Map(entries) = &y.value else {
            return fail(pos, "!exec needs a mapping with at least argv");
        };
        let mut argv = None;
        let mut env = Vec::new();
        let mut stdio = None;
        let mut cwd = None;
        let mut paths = Vec::new();
        let mut args = None;
        let mut seen: Vec<String> = Vec::new();
        for (yk, yv) in entries {
            let k = self.node(yk)?;
            let name = field_name(&k, "!exec", EXEC_KEYS)?.to_owned();
            if seen.contains(&name) {
                return fail(k.pos, format!("duplicate key {name:?}"));
            }
            seen.push(name.clone());
            match name.as_str() {
                "argv" => argv = Some(self.exec_argv(yv, k.pos)?),
                "env" => env = self.exec_env(yv)?,
                "stdio" => stdio = Some(self.exec_stdio(yv)?),
                "cwd" => cwd = Some(self.exec_cwd(yv)?),
                "paths" => paths = self.exec_paths(yv)?,
                _ => args = Some(self.node(yv)?),
            }
        }
        let argv = argv.ok_or_else(|| ConfigError {
            pos: Some(pos),
            message: "!exec needs argv".into(),
        })?;
        let stdio = match stdio {
            Some(s) => s,
            None => [0, 1, 2].map(|fd| Node {
                pos,
                kind: NodeKind::Resource(self.resource(pos, ResourceSpec::Fd(fd))),
            }),
        };
        let args = args.unwrap_or(Node {
            pos,
            kind: NodeKind::Null,
        });
        Ok((
            Exec {
                pos,
                argv,
                env,
                stdio,
                cwd,
                paths,
                order: seen,
            },
            args,
        ))
    }

    /// Convert `y` with `!env` allowed.
    fn with_env(&mut self, y: &YNode) -> Result<Node, ConfigError> {
        self.env_allowed = true;
        let node = self.node(y);
        self.env_allowed = false;
        node
    }

    fn exec_argv(&mut self, y: &YNode, key: Pos) -> Result<Vec<Node>, ConfigError> {
        let YValue::Seq(items) = &y.value else {
            return fail(y.pos, "!exec argv must be a sequence");
        };
        if items.is_empty() {
            return fail(
                key,
                "!exec argv is empty (it needs at least the program's name)",
            );
        }
        let mut argv = Vec::with_capacity(items.len());
        for item in items {
            let n = self.with_env(item)?;
            check_renderable(&n, "argv items")?;
            argv.push(n);
        }
        Ok(argv)
    }

    fn exec_env(&mut self, y: &YNode) -> Result<Vec<EnvEntry>, ConfigError> {
        let YValue::Map(entries) = &y.value else {
            return fail(y.pos, "!exec env must be a mapping of NAME: value");
        };
        let mut env: Vec<EnvEntry> = Vec::with_capacity(entries.len());
        for (yk, yv) in entries {
            let k = self.node(yk)?;
            let NodeKind::Str(name) = k.kind else {
                return fail(k.pos, "environment variable names are strings");
            };
            if name.is_empty() || name.contains('=') || name.contains('\0') {
                return fail(k.pos, format!("invalid environment variable name {name:?}"));
            }
            if env.iter().any(|e| e.name == name) {
                return fail(k.pos, format!("duplicate key {name:?}"));
            }
            let value = self.with_env(yv)?;
            check_renderable(&value, "env values")?;
            env.push(EnvEntry {
                name,
                pos: k.pos,
                value,
            });
        }
        Ok(env)
    }

    fn exec_stdio(&mut self, y: &YNode) -> Result<[Node; 3], ConfigError> {
        let YValue::Seq(items) = &y.value else {
            return fail(y.pos, "!exec stdio must be a sequence of three descriptors");
        };
        if items.len() != 3 {
            return fail(
                y.pos,
                format!(
                    "!exec stdio needs exactly three entries (stdin, stdout, stderr), not {}",
                    items.len()
                ),
            );
        }
        let mut out = Vec::with_capacity(3);
        for item in items {
            let n = self.node(item)?;
            let n = match n.kind {
                NodeKind::Resource(_) => n,
                NodeKind::Null => {
                    let spec = ResourceSpec::File(FileSpec {
                        mode: Mode::ReadWrite,
                        ..FileSpec::new("/dev/null")
                    });
                    Node {
                        pos: n.pos,
                        kind: NodeKind::Resource(self.resource(n.pos, spec)),
                    }
                }
                _ => {
                    return fail(
                        n.pos,
                        "stdio entries are descriptor tags (!fd, !file, !socket) or null",
                    )
                }
            };
            out.push(n);
        }
        Ok(out.try_into().expect("three entries"))
    }

    fn exec_cwd(&mut self, y: &YNode) -> Result<Node, ConfigError> {
        let n = self.node(y)?;
        match &n.kind {
            NodeKind::Str(s) if s.starts_with('/') => Ok(n),
            NodeKind::Resource(id) if is_tag(y, "dir") || self.is_dir(*id) => Ok(n),
            _ => fail(
                n.pos,
                "!exec cwd must be an absolute path inside the sandbox or a !dir",
            ),
        }
    }

    fn exec_paths(&mut self, y: &YNode) -> Result<Vec<Node>, ConfigError> {
        let YValue::Seq(items) = &y.value else {
            return fail(y.pos, "!exec paths must be a sequence of !dir and !file");
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let n = self.node(item)?;
            match n.kind {
                NodeKind::Resource(id)
                    if matches!(self.resources[id].spec, ResourceSpec::File(_)) =>
                {
                    out.push(n)
                }
                _ => return fail(n.pos, "!exec paths entries must be !dir or !file"),
            }
        }
        Ok(out)
    }

    fn is_dir(&self, id: usize) -> bool {
        matches!(&self.resources[id].spec, ResourceSpec::File(f) if f.directory)
    }
}

/// argv items and env values must render as one string.
fn check_renderable(n: &Node, what: &str) -> Result<(), ConfigError> {
    match n.kind {
        NodeKind::Str(_)
        | NodeKind::Int(_)
        | NodeKind::Float(_)
        | NodeKind::Bool(_)
        | NodeKind::Resource(_)
        | NodeKind::Env(_) => Ok(()),
        _ => fail(
            n.pos,
            format!("{what} are strings, numbers, descriptor or path tags, or !env"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Pos};
    use super::*;

    fn exec(text: &str) -> (Exec, super::super::Config) {
        let c = parse(text).unwrap();
        (c.exec.clone().expect("an !exec document"), c)
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
        assert!(matches!(e.argv[0].kind, NodeKind::Str(ref s) if s == "srv"));
        let NodeKind::Resource(dir) = e.argv[4].kind else {
            panic!()
        };
        let ResourceSpec::File(f) = &c.resources[dir].spec else {
            panic!()
        };
        assert!(f.directory);
        assert_eq!(f.mode, Mode::ReadWrite);
        assert_eq!(f.at.as_deref(), Some(std::path::Path::new("/data")));
        assert_eq!(e.env.len(), 3);
        assert_eq!(e.env[1].value.kind, NodeKind::Env("PATH".into()));
        let NodeKind::Resource(null) = e.stdio[0].kind else {
            panic!()
        };
        assert!(
            matches!(&c.resources[null].spec, ResourceSpec::File(f) if f.path.as_os_str() == "/dev/null")
        );
        // `!fd stdout` in stdio and in args is one resource.
        let NodeKind::Resource(out) = e.stdio[1].kind else {
            panic!()
        };
        let NodeKind::Map(ref m) = c.root.kind else {
            panic!()
        };
        assert_eq!(m[0].1.kind, NodeKind::Resource(out));
        assert_eq!(e.paths.len(), 1);
        assert!(matches!(e.cwd.unwrap().kind, NodeKind::Str(ref s) if s == "/data"));
    }

    #[test]
    fn stdio_defaults_to_the_inherited_three() {
        let (e, c) = exec("!exec {argv: [true]}");
        for (i, n) in e.stdio.iter().enumerate() {
            let NodeKind::Resource(id) = n.kind else {
                panic!()
            };
            assert_eq!(c.resources[id].spec, ResourceSpec::Fd(i as i32));
        }
        assert_eq!(c.root.kind, NodeKind::Null);
        assert!(e.env.is_empty());
    }

    #[test]
    fn cloudabi_tag_form_works_too() {
        let c = parse("%TAG ! tag:nuxi.nl,2015:cloudabi/\n--- !exec\nargv: [a]\n").unwrap();
        assert!(c.exec.is_some());
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
                "!dir at must be an absolute path",
            ),
            (
                "!exec\nargv: [a]\npaths: [!fd 1]\n",
                (3, 9),
                "paths entries must be !dir or !file",
            ),
        ];
        for (text, (line, col), msg) in cases {
            let (pos, m) = err(text);
            assert!(m.contains(msg), "{text:?}: {m}");
            assert_eq!((pos.line, pos.col), (*line, *col), "{text:?}: {m}");
        }
    }
}
