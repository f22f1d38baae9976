//! `plan`: everything the launch needs, computed before anything irreversible.
//!
//! Pure functions over the config tree: the descriptor table (which resource lands at
//! which number), the argdata value and bytes with each descriptor replaced by its new
//! number, argv and the environment; for an `!exec` document also the paths to grant
//! and the working directory. The rearrangement itself is planned in [`fdmap`].
//!
//! The config's types say what every value is: planning checks no shape again (it
//! fails only on an unset `!env` or a NUL byte).

pub mod fdmap;

use std::ffi::{CStr, CString};
use std::path::PathBuf;

use argdata::Value;

use crate::config::{
    Config, Cwd, Node, NodeKind, Part, PathResource, Pos, Process, ResourceId, Word, WordValue,
};

/// The data of one launch.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `table[i]` is the resource that becomes descriptor `i`.
    pub table: Vec<ResourceId>,
    /// The argdata tree, `Fd(i)` meaning descriptor `i`; `None` for an `!exec` without
    /// `args` (then there is no memfd and no `ARGDATA_FD`).
    pub argdata: Option<Value>,
    /// `argdata` serialized; the content of the memfd at descriptor `table.len()`.
    pub argdata_bytes: Vec<u8>,
    /// The program's argv.
    pub argv: Vec<CString>,
    /// The program's whole environment.
    pub env: Vec<CString>,
    /// Files and directories the program reaches by path (`!exec`): bound into the
    /// sandbox and granted by Landlock.
    pub paths: Vec<PathGrant>,
    /// The working directory inside the sandbox (`!exec cwd`).
    pub cwd: Option<PathBuf>,
}

/// A resource the program reaches by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGrant {
    /// The `!file`/`!dir` resource.
    pub id: ResourceId,
    /// Where it appears inside the sandbox (the path rendered into argv/env).
    pub target: PathBuf,
}

/// An `!exec` value that cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `!env NAME` names a variable caprun's environment does not have.
    #[error("{}:{}: !env {name}: not set in caprun's environment", pos.line, pos.col)]
    EnvUnset {
        /// Where the `!env` is.
        pos: Pos,
        /// The variable.
        name: String,
    },
    /// The text contains a NUL byte (argv and environment strings cannot).
    #[error("{}:{}: contains a NUL byte", pos.line, pos.col)]
    Nul {
        /// Where the text comes from.
        pos: Pos,
    },
}

impl PlanError {
    /// Where in the config.
    pub fn pos(&self) -> Pos {
        match self {
            PlanError::EnvUnset { pos, .. } | PlanError::Nul { pos } => *pos,
        }
    }
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
        argdata: Some(argdata),
        argdata_bytes,
        argv: vec![argv0.to_owned()],
        env,
        paths: Vec::new(),
        cwd: None,
    }
}

/// Plan an `!exec` document.
///
/// Descriptors 0, 1 and 2 are `stdio`; every other descriptor gets the next number in
/// order of first appearance, walking `argv`, `env` and `args` in document order (an
/// inherited descriptor that is also in stdio keeps its stdio number). In argv and env
/// a descriptor renders as its number, a `!file` or `!dir` as its path inside the
/// sandbox (its `at`, else `host_path` of it), `!env NAME` as `getenv(NAME)`.
/// `args`, when present, becomes argdata at the next descriptor, named by
/// `ARGDATA_FD` at the end of the environment.
pub fn build_exec(
    config: &Config,
    process: &Process,
    host_path: &dyn Fn(ResourceId) -> PathBuf,
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, PlanError> {
    let mut r = Renderer {
        host_path,
        getenv,
        slot_of: vec![None; config.resources.len()],
        table: Vec::new(),
        paths: Vec::new(),
    };
    for &id in &process.stdio {
        r.table.push(id);
        r.slot_of[id.index()].get_or_insert((r.table.len() - 1) as u32);
    }
    let mut argv = Vec::new();
    let mut env = Vec::new();
    let mut argdata = None;
    for part in &process.order {
        match part {
            Part::Argv => {
                for w in &process.argv {
                    argv.push(r.render(w)?);
                }
            }
            Part::Env => {
                for e in &process.env {
                    let value = r.render(&e.value)?;
                    env.push(cstring(
                        format!("{}={}", e.name, value.to_string_lossy()),
                        e.pos,
                    )?);
                }
            }
            Part::Args => argdata = Some(to_value(&config.root, &mut r.slot_of, &mut r.table)),
        }
    }
    let cwd = match &process.cwd {
        None => None,
        Some(Cwd::Path(p)) => Some(p.clone()),
        Some(Cwd::Dir(dir)) => Some(r.path(dir)),
    };
    for p in &process.paths {
        r.path(p);
    }
    let argdata_bytes = argdata.as_ref().map(Value::to_bytes).unwrap_or_default();
    if argdata.is_some() {
        env.push(CString::new(format!("ARGDATA_FD={}", r.table.len())).expect("no NUL"));
    }
    Ok(Plan {
        table: r.table,
        argdata,
        argdata_bytes,
        argv,
        env,
        paths: r.paths,
        cwd,
    })
}

fn cstring(s: String, pos: Pos) -> Result<CString, PlanError> {
    CString::new(s).map_err(|_| PlanError::Nul { pos })
}

/// Renders `!exec` argv items and env values.
struct Renderer<'a> {
    host_path: &'a dyn Fn(ResourceId) -> PathBuf,
    getenv: &'a dyn Fn(&str) -> Option<String>,
    slot_of: Vec<Option<u32>>,
    table: Vec<ResourceId>,
    paths: Vec<PathGrant>,
}

impl Renderer<'_> {
    /// The path of a `!file`/`!dir` inside the sandbox, granted once.
    fn path(&mut self, p: &PathResource) -> PathBuf {
        if let Some(g) = self.paths.iter().find(|g| g.id == p.id) {
            return g.target.clone();
        }
        let target = p.at.clone().unwrap_or_else(|| (self.host_path)(p.id));
        self.paths.push(PathGrant {
            id: p.id,
            target: target.clone(),
        });
        target
    }

    fn render(&mut self, w: &Word) -> Result<CString, PlanError> {
        let text = match &w.value {
            WordValue::Text(s) => s.clone(),
            WordValue::Env(name) => (self.getenv)(name).ok_or_else(|| PlanError::EnvUnset {
                pos: w.pos,
                name: name.clone(),
            })?,
            WordValue::Path(p) => self.path(p).to_string_lossy().into_owned(),
            WordValue::Descriptor(id) => {
                let table = &mut self.table;
                self.slot_of[id.index()]
                    .get_or_insert_with(|| {
                        table.push(*id);
                        (table.len() - 1) as u32
                    })
                    .to_string()
            }
        };
        cstring(text, w.pos)
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
        NodeKind::Seq(items) => {
            Value::Seq(items.iter().map(|n| to_value(n, slot_of, table)).collect())
        }
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
            let slot = *slot_of[id.index()].get_or_insert_with(|| {
                table.push(*id);
                (table.len() - 1) as u32
            });
            Value::Fd(slot)
        }
    }
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
                    n(NodeKind::Resource(ResourceId::new(2))),
                    n(NodeKind::Resource(ResourceId::new(0))),
                ])),
            ),
            (
                n(NodeKind::Resource(ResourceId::new(1))),
                n(NodeKind::Resource(ResourceId::new(2))),
            ),
            (
                n(NodeKind::Str("b".into())),
                n(NodeKind::Resource(ResourceId::new(0))),
            ),
        ]));
        let config = Config {
            root,
            resources: res(3),
            process: None,
        };
        let plan = build(&config, c"prog");
        assert_eq!(plan.table, [2, 0, 1].map(ResourceId::new));
        assert_eq!(
            plan.argdata.clone().unwrap(),
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
        assert_eq!(plan.argdata_bytes, plan.argdata.unwrap().to_bytes());
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
                process: None,
            },
            c"p",
        );
        assert!(plan.table.is_empty());
        assert_eq!(
            plan.argdata.unwrap(),
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

    fn exec_plan(text: &str) -> Result<Plan, PlanError> {
        let config = crate::config::parse(text).unwrap();
        let process = config.process.clone().unwrap();
        build_exec(
            &config,
            &process,
            &|id| PathBuf::from(format!("/host/{}", id.index())),
            &|name| (name == "HOME").then(|| "/home/me".to_owned()),
        )
    }

    fn strs(v: &[CString]) -> Vec<&str> {
        v.iter().map(|s| s.to_str().unwrap()).collect()
    }

    #[test]
    fn exec_renders_descriptors_as_numbers_and_paths_as_paths() {
        let p = exec_plan(
            "!exec\n\
             argv: [srv, --listen-fd, !socket {bind: \"127.0.0.1:0\"}, --data, !dir {path: /srv, mode: readwrite}, --log-fd, !fd stderr, -n, 3, 1.5, true]\n\
             env: {HOME: !env HOME, OUT: !fd 7, ETC: !file {path: /etc/hosts, at: /hosts}}\n",
        )
        .unwrap();
        // stdio are 0-2 (the default inherited three); the socket is the first other
        // descriptor (3); stderr keeps its stdio number; !fd 7 comes next (4).
        assert_eq!(
            strs(&p.argv),
            [
                "srv",
                "--listen-fd",
                "3",
                "--data",
                "/host/1",
                "--log-fd",
                "2",
                "-n",
                "3",
                "1.5",
                "true"
            ]
        );
        assert_eq!(strs(&p.env), ["HOME=/home/me", "OUT=4", "ETC=/hosts"]);
        assert_eq!(p.table.len(), 5);
        assert_eq!(p.argdata, None);
        assert_eq!(
            p.paths
                .iter()
                .map(|g| g.target.to_str().unwrap())
                .collect::<Vec<_>>(),
            ["/host/1", "/hosts"]
        );
    }

    #[test]
    fn exec_numbering_follows_document_order_and_args_become_argdata() {
        let p = exec_plan(
            "!exec\nenv: {A: !fd 9}\nargs: {s: !fd 8, again: !fd 9}\nargv: [p, !fd 8]\nstdio: [null, !fd 1, !fd 1]\n",
        )
        .unwrap();
        // env first (9 → 3), then args (8 → 4), then argv reuses 4.
        assert_eq!(strs(&p.env), ["A=3", "ARGDATA_FD=5"]);
        assert_eq!(strs(&p.argv), ["p", "4"]);
        assert_eq!(
            p.argdata,
            Some(Value::Map(vec![
                (Value::Str("s".into()), Value::Fd(4)),
                (Value::Str("again".into()), Value::Fd(3)),
            ]))
        );
        // stdout twice in stdio: one resource at two slots.
        assert_eq!(p.table[1], p.table[2]);
    }

    #[test]
    fn exec_cwd_and_paths() {
        let p = exec_plan(
            "!exec\nargv: [p]\ncwd: !dir {path: /w, at: /work}\npaths: [!dir /a, !file /b]\n",
        )
        .unwrap();
        assert_eq!(p.cwd, Some(PathBuf::from("/work")));
        assert_eq!(p.paths.len(), 3);
        let p = exec_plan("!exec\nargv: [p]\ncwd: /tmp\n").unwrap();
        assert_eq!(p.cwd, Some(PathBuf::from("/tmp")));
        assert!(p.paths.is_empty());
    }

    #[test]
    fn exec_missing_env_is_an_error_at_its_position() {
        let e = exec_plan("!exec\nargv: [p, !env NOPE]\n").unwrap_err();
        assert_eq!((e.pos().line, e.pos().col), (2, 11));
        assert_eq!(
            e,
            PlanError::EnvUnset {
                pos: e.pos(),
                name: "NOPE".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "2:11: !env NOPE: not set in caprun's environment"
        );
    }
}
