//! `plan`: everything the launch needs, computed before anything irreversible.
//!
//! Pure functions over the config tree: the descriptor table (which resource lands at
//! which number), the argdata value and bytes with each descriptor replaced by its new
//! number, argv and the environment. The rearrangement itself is planned in [`fdmap`].

pub mod fdmap;

use std::ffi::{CStr, CString};

use argdata::Value;

use crate::config::{Config, Mode, Node, NodeKind, ResourceId};
use crate::resources::Description;

/// The data of one launch.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `table[i]` is the resource that becomes descriptor `i`.
    pub table: Vec<ResourceId>,
    /// The argdata tree, `Fd(i)` meaning descriptor `i`.
    pub argdata: Value,
    /// `argdata` serialized; the content of the memfd at descriptor `table.len()`.
    pub argdata_bytes: Vec<u8>,
    /// The program's argv.
    pub argv: Vec<CString>,
    /// The program's whole environment.
    pub env: Vec<CString>,
}

impl Plan {
    /// The descriptor number of the argdata memfd (`ARGDATA_FD`).
    pub fn argdata_fd(&self) -> usize {
        self.table.len()
    }
}

/// Number the resources of `config` and build the argdata.
///
/// Descriptors are numbered 0..n-1 in the order of their first appearance in a
/// depth-first, pre-order walk of the tree (document order, a map's key before its
/// value); a resource referenced twice keeps its first number.
pub fn build(config: &Config, argv0: &CStr) -> Plan {
    let mut slot_of: Vec<Option<u32>> = vec![None; config.resources.len()];
    let mut table = Vec::new();
    let argdata = to_value(&config.root, &mut slot_of, &mut table);
    let argdata_bytes = argdata.to_bytes();
    let env = vec![CString::new(format!("ARGDATA_FD={}", table.len())).expect("no NUL")];
    Plan {
        table,
        argdata,
        argdata_bytes,
        argv: vec![argv0.to_owned()],
        env,
    }
}

fn to_value(node: &Node, slot_of: &mut [Option<u32>], table: &mut Vec<ResourceId>) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => Value::Int(*i),
        NodeKind::Float(f) => Value::Float(*f),
        NodeKind::Str(s) => Value::Str(s.clone()),
        NodeKind::Binary(b) => Value::Binary(b.clone()),
        NodeKind::Timestamp(t) => Value::Timestamp(*t),
        NodeKind::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|n| to_value(n, slot_of, table))
                .collect(),
        ),
        NodeKind::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let k = to_value(k, slot_of, table);
                    (k, to_value(v, slot_of, table))
                })
                .collect(),
        ),
        NodeKind::Resource(id) => {
            let slot = *slot_of[*id].get_or_insert_with(|| {
                table.push(*id);
                (table.len() - 1) as u32
            });
            Value::Fd(slot)
        }
    }
}

/// A YAML double-quoted scalar (always valid, whatever the text).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Read => "read",
        Mode::Write => "write",
        Mode::ReadWrite => "readwrite",
        Mode::Append => "append",
    }
}

/// Render the `--dry-run` report: the program, its argv and environment, the descriptor
/// table and the argdata tree (descriptors as `!fd N`), as one YAML document.
pub fn render_dry_run(plan: &Plan, program: &str, descriptions: &[Description]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let strs = |v: &[CString]| {
        v.iter()
            .map(|s| quote(&s.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "program: {}", quote(program));
    let _ = writeln!(out, "argv: [{}]", strs(&plan.argv));
    let _ = writeln!(out, "env: [{}]", strs(&plan.env));
    let _ = writeln!(out, "descriptors:");
    for (slot, &id) in plan.table.iter().enumerate() {
        let d = match &descriptions[id] {
            Description::Inherited { fd } => format!("{{kind: inherited, fd: {fd}}}"),
            Description::File {
                path,
                mode,
                directory,
                created,
            } => format!(
                "{{kind: {}, path: {}, mode: {}{}}}",
                if *directory { "directory" } else { "file" },
                quote(&path.to_string_lossy()),
                mode_name(*mode),
                if *created { ", created: true" } else { "" }
            ),
            Description::Socket {
                kind,
                action,
                requested,
                address,
            } => format!(
                "{{kind: socket, type: {}, {}: {}, address: {}}}",
                format!("{kind:?}").to_lowercase(),
                format!("{action:?}").to_lowercase(),
                quote(requested),
                quote(address)
            ),
            Description::Executable { path } => {
                format!("{{kind: executable, path: {}}}", quote(&path.to_string_lossy()))
            }
        };
        let _ = writeln!(out, "  {slot}: {d}");
    }
    let _ = writeln!(
        out,
        "  {}: {{kind: argdata, bytes: {}}}",
        plan.argdata_fd(),
        plan.argdata_bytes.len()
    );
    let tree = plan.argdata.to_yaml();
    let tree = tree.trim_end();
    if tree.contains('\n') || tree.starts_with("- ") || tree.starts_with("? ") {
        let _ = writeln!(out, "argdata:");
        for line in tree.lines() {
            let _ = writeln!(out, "  {line}");
        }
    } else {
        let _ = writeln!(out, "argdata: {tree}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Pos, Resource, ResourceSpec};

    fn n(kind: NodeKind) -> Node {
        Node {
            pos: Pos::default(),
            kind,
        }
    }

    fn res(count: usize) -> Vec<Resource> {
        (0..count)
            .map(|i| Resource {
                pos: Pos::default(),
                spec: ResourceSpec::Fd(i as i32),
            })
            .collect()
    }

    #[test]
    fn numbering_is_first_appearance_in_preorder() {
        // {a: [r2, r0], r1: r2, b: r0}: keys before values, repeats keep their number.
        let root = n(NodeKind::Map(vec![
            (
                n(NodeKind::Str("a".into())),
                n(NodeKind::Seq(vec![
                    n(NodeKind::Resource(2)),
                    n(NodeKind::Resource(0)),
                ])),
            ),
            (n(NodeKind::Resource(1)), n(NodeKind::Resource(2))),
            (n(NodeKind::Str("b".into())), n(NodeKind::Resource(0))),
        ]));
        let config = Config {
            root,
            resources: res(3),
        };
        let plan = build(&config, c"prog");
        assert_eq!(plan.table, vec![2, 0, 1]);
        assert_eq!(
            plan.argdata,
            Value::Map(vec![
                (
                    Value::Str("a".into()),
                    Value::Seq(vec![Value::Fd(0), Value::Fd(1)])
                ),
                (Value::Fd(2), Value::Fd(0)),
                (Value::Str("b".into()), Value::Fd(1)),
            ])
        );
        assert_eq!(plan.env, vec![CString::new("ARGDATA_FD=3").unwrap()]);
        assert_eq!(plan.argv, vec![CString::new("prog").unwrap()]);
        assert_eq!(plan.argdata_bytes, plan.argdata.to_bytes());
    }

    #[test]
    fn scalars_map_one_to_one() {
        let root = n(NodeKind::Seq(vec![
            n(NodeKind::Null),
            n(NodeKind::Bool(true)),
            n(NodeKind::Int(u64::MAX as i128)),
            n(NodeKind::Float(1.5)),
            n(NodeKind::Str("x".into())),
            n(NodeKind::Binary(vec![1, 2])),
            n(NodeKind::Timestamp(-1)),
        ]));
        let plan = build(
            &Config {
                root,
                resources: vec![],
            },
            c"p",
        );
        assert!(plan.table.is_empty());
        assert_eq!(
            plan.argdata,
            Value::Seq(vec![
                Value::Null,
                Value::Bool(true),
                Value::Int(u64::MAX as i128),
                Value::Float(1.5),
                Value::Str("x".into()),
                Value::Binary(vec![1, 2]),
                Value::Timestamp(-1),
            ])
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\x01\"");
    }
}
