//! `config`: YAML text → a typed tree with a source position on every node.
//!
//! [`parse`] composes the first YAML document (see [`crate::yaml`]), resolves untagged
//! plain scalars by the YAML 1.2 core schema, applies the standard tags (`!!str`, `!!int`,
//! `!!binary`, `!!timestamp`, …) and turns resource tags (`!fd`, `!file`, `!socket`,
//! `!executable`, local or under `%TAG ! tag:nuxi.nl,2015:cloudabi/`) into
//! [`NodeKind::Resource`] indices into [`Config::resources`].
//!
//! A document whose root is tagged `!exec` describes a process instead (see [`Process`]).
//!
//! `tree` holds the types, `convert` turns YAML into them, `process` the `!exec`
//! document on top of it, `schema` the scalar grammars.

mod convert;
mod process;
mod schema;
mod tree;

pub use crate::yaml::Pos;
pub use process::{Cwd, EnvEntry, Part, PathResource, Process, Word, WordValue};
pub use tree::*;

use crate::yaml;

/// A parsed config document.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The root node (first document; empty input is `Null`).
    pub root: Node,
    /// Every distinct resource, in order of first appearance in a pre-order walk.
    pub resources: Vec<Resource>,
    /// When the root is tagged `!exec`: the process it describes (`root` is then its
    /// `args`, or null).
    pub process: Option<Process>,
}

impl Config {
    /// Resource `id`.
    pub fn resource(&self, id: ResourceId) -> &Resource {
        &self.resources[id.index()]
    }
}

/// Parse a config document.
///
/// Only the first YAML document is read. Every error carries a position.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    // A node the parser places at the end of the input (an empty key or value there)
    // is shown on the last line, as a syntax error there is.
    parse_document(text).map_err(|mut e| {
        e.pos = e.pos.map(|p| yaml::clamp(text, p));
        e
    })
}

fn parse_document(text: &str) -> Result<Config, ConfigError> {
    let doc = yaml::Document::parse(text)?;
    let mut cx = convert::Converter::new();
    let root = match doc.root() {
        None => Node {
            pos: Pos { line: 1, col: 1 },
            kind: NodeKind::Null,
        },
        Some(y) if convert::is_tag(y, "exec") => {
            let (process, args) = process::convert(&mut cx, y)?;
            return Ok(Config {
                root: args,
                resources: cx.resources,
                process: Some(process),
            });
        }
        Some(y) => cx.node(y)?,
    };
    Ok(Config {
        root,
        resources: cx.resources,
        process: None,
    })
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
        assert_eq!(
            ids,
            [0, 1, 2, 3, 1].map(|i| NodeKind::Resource(ResourceId::new(i)))
        );
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
        assert_eq!(e[0].1.kind, NodeKind::Resource(ResourceId::new(0)));
        assert_eq!(
            items(&e[3].1.kind)[0].kind,
            NodeKind::Resource(ResourceId::new(0))
        );
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
                    mode: AccessMode::Append,
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
                    mode: AccessMode::ReadWrite,
                    truncate: true,
                    ..file("x")
                }),
                ResourceSpec::File(FileSpec {
                    mode: AccessMode::Write,
                    perm: 0o644,
                    ..file("y")
                }),
            ]
        );
        assert_eq!(c.resources[1].pos, p(2, 4));
        // Two occurrences of the same file are two resources.
        let c = parse("- !file /a\n- !file /a\n").unwrap();
        assert_eq!(c.resources.len(), 2);
        assert_eq!(
            value("a: !file '123'"),
            NodeKind::Resource(ResourceId::new(0))
        );
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
                    backlog: Some(64),
                    timeout: None
                }),
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Connect,
                    address: "/run/x.sock".into(),
                    kind: SocketType::Dgram,
                    backlog: None,
                    timeout: None
                }),
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Connect,
                    address: "[::1]:443".into(),
                    kind: SocketType::Seqpacket,
                    backlog: None,
                    timeout: None
                }),
                ResourceSpec::Socket(SocketSpec {
                    action: SocketAction::Bind,
                    address: "@name".into(),
                    kind: SocketType::Stream,
                    backlog: None,
                    timeout: None
                }),
            ]
        );
        // timeout: seconds, to the millisecond (rounded up).
        for (text, ms) in [
            ("10", 10_000),
            ("0.5", 500),
            ("0.0001", 1),
            ("86400", 86_400_000),
        ] {
            let c = parse(&format!("s: !socket {{connect: /x, timeout: {text}}}\n")).unwrap();
            assert!(
                matches!(&c.resources[0].spec, ResourceSpec::Socket(s)
                    if s.timeout == Some(std::time::Duration::from_millis(ms))),
                "{text}"
            );
        }
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
        assert_eq!(
            err("s: !socket {bind: 'a:1', timeout: 2}"),
            (p(1, 26), "!socket timeout needs connect, not bind".into())
        );
        for bad in [
            "0", "-1", "0.0", "86401", "1e9", ".nan", ".inf", "ten", "'10'", "~",
        ] {
            assert_eq!(
                err(&format!("s: !socket {{connect: 'a:1', timeout: {bad}}}")),
                (
                    p(1, 38),
                    "!socket timeout must be a number of seconds above 0 and at most 86400, such as 10 or 0.5".into()
                ),
                "{bad}"
            );
        }
        let long = format!("s: !socket {{bind: /{}}}", "a".repeat(120));
        assert!(err(&long).1.contains("at most 107"));
        assert_eq!(
            err("s: !socket {bind: 'a:1', bnd: x}").1,
            "unknown !socket key \"bnd\" (did you mean bind? known: bind, connect, type, backlog, timeout)"
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
                NodeKind::Resource(ResourceId::new(0)),
                NodeKind::Resource(ResourceId::new(1)),
                NodeKind::Resource(ResourceId::new(2)),
                NodeKind::Resource(ResourceId::new(3)),
                NodeKind::Resource(ResourceId::new(4)),
                NodeKind::Int(4),
                NodeKind::Str("server".into()),
            ]
        );
        assert_eq!(c.resources[0].spec, ResourceSpec::Fd(1));
        assert_eq!(c.resources[0].pos, p(3, 10));
        assert_eq!(
            c.resources[1].spec,
            ResourceSpec::File(FileSpec {
                mode: AccessMode::Append,
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
        assert_eq!(
            kinds,
            [0, 0, 1, 0].map(|i| NodeKind::Resource(ResourceId::new(i)))
        );
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
                NodeKind::Resource(ResourceId::new(0)),
                NodeKind::Resource(ResourceId::new(1)),
                NodeKind::Int(1)
            ]
        );
        assert_eq!(e[2].1.kind, NodeKind::Resource(ResourceId::new(2)));
        let nested = items(&e[3].1.kind);
        assert_eq!(
            ids(&nested[0])[..2],
            [
                NodeKind::Resource(ResourceId::new(0)),
                NodeKind::Resource(ResourceId::new(1))
            ]
        );
        assert_eq!(nested[1].kind, NodeKind::Resource(ResourceId::new(3)));
        assert_eq!(e[4].1.kind, e[3].1.kind);
        assert_eq!(c.resources.len(), 4);
    }

    /// Every resource id in pre-order (a map's key before its value).
    fn preorder_ids(n: &Node, out: &mut Vec<usize>) {
        match &n.kind {
            NodeKind::Resource(id) => out.push(id.index()),
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

    /// Where caprun deliberately differs from cloudabi-run (caprun.yaml(5), "Differences
    /// from cloudabi-run").
    /// Found by fuzz/run-config-fuzz.sh: an empty key at the end of the input.
    #[test]
    fn errors_on_nodes_at_the_end_of_the_input_name_the_last_line() {
        let text = "?\r?\r\r\r";
        let e = parse(text).unwrap_err();
        assert!(on_the_text(text, &e), "{e}");
        assert_eq!(e.message, "duplicate key \"\"");
    }

    #[test]
    fn conformance_points() {
        // A service name for a port (cloudabi-run asked getaddrinfo): refused.
        assert_eq!(
            err("s: !socket {bind: '127.0.0.1:echo'}"),
            (
                p(1, 19),
                "port \"echo\" is a service name: write its number (caprun does not look service names up)".into()
            )
        );
        assert!(parse("s: !socket {bind: '127.0.0.1:7'}").is_ok());
        // !!null takes only a null.
        assert_eq!(
            err("a: !!null foo"),
            (p(1, 4), "!!null needs null or ~, not \"foo\"".into())
        );
        // An empty !fd names no descriptor.
        for empty in ["a: !fd", "a: !fd ''", "a: !fd ~"] {
            assert_eq!(err(empty).0, p(1, 4), "{empty}");
        }
        // A float beyond the range of a double is an error, like an integer beyond 64
        // bits; infinity is written .inf.
        assert_eq!(
            err("a: 1\nb: 1e400\n"),
            (
                p(2, 4),
                "float 1e400 is out of range (beyond ±1.8e308; write .inf for infinity)".into()
            )
        );
        assert_eq!(err("a: -1.5e999").0, p(1, 4));
        assert_eq!(err("a: !!float 1e400").0, p(1, 4));
        assert_eq!(value("a: 1e308"), NodeKind::Float(1e308));
        assert_eq!(value("a: -.inf"), NodeKind::Float(f64::NEG_INFINITY));
        assert_eq!(value("a: 1e-400"), NodeKind::Float(0.0));
        // YAML 1.2 core schema, not 1.1: yes/no/on/off are strings, 0644 is decimal,
        // timestamps are not implicit; duplicate keys are refused; aliases work.
        assert_eq!(value("a: yes"), NodeKind::Str("yes".into()));
        assert_eq!(value("a: 0644"), NodeKind::Int(644));
        assert_eq!(value("a: 2001-12-14"), NodeKind::Str("2001-12-14".into()));
        assert_eq!(err("a: 1\na: 2\n").0, p(2, 1));
        assert_eq!(value("a: &x 5\nb: *x\n"), NodeKind::Int(5));
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

    /// Every error's position names a character of the text or the end of a line (so
    /// that the excerpt can show it), as the parser counts lines.
    fn on_the_text(text: &str, e: &ConfigError) -> bool {
        let Some(pos) = e.pos else { return false };
        crate::yaml::lines(text)
            .nth(pos.line.wrapping_sub(1))
            .is_some_and(|l| pos.col >= 1 && pos.col <= l.chars().count() + 1)
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,200}") {
            if let Err(e) = parse(&text) {
                prop_assert!(on_the_text(&text, &e), "{e} in {text:?}");
            }
        }

        #[test]
        fn error_positions_are_on_the_text(
            text in "[-:&*!\\[\\]{}, \n\r\t'\"a-c0-9#|>?]{0,60}"
        ) {
            if let Err(e) = parse(&text) {
                prop_assert!(on_the_text(&text, &e), "{e} in {text:?}");
            }
        }

        #[test]
        fn parse_never_panics_on_configish(
            text in "[-:&*!\\[\\]{}, \n'\"a-f0-9#%|>?~.]{0,80}|(a: |- |  )(!fd|!file|!socket|!executable|!!int|!!binary|!!timestamp|&a|\\*a)( |\n  )[-:/\\[\\]{}, \n'a-z0-9.@]{0,40}"
        ) {
            if let Err(e) = parse(&text) {
                prop_assert!(on_the_text(&text, &e), "{e} in {text:?}");
            }
        }
    }
}
