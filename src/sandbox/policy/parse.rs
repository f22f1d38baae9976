//! The policy parser: YAML → a resolved [`Policy`] (`extends:` merged, syscall groups
//! expanded, names checked against the x86_64 system call table). Every error carries
//! `FILE:LINE:COL`.
//!
//! [`load`] takes a built-in name from [`builtins`] (constructed, not parsed) and reads
//! any other name as a file; a file's `extends:` of a built-in gets the constructed one
//! too. [`parse_builtin`] parses a built-in's YAML instead (what generates the
//! constructors).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::sandbox::{builtins, seccomp, syscalls};
use crate::yaml::{self, Pos, YNode, YValue};

use super::model::{
    errno_by_name, Action, ArgCondition, Bind, CapsMode, CmpOp, LandlockMode, Limits, Names,
    Namespace, Network, Policy, Rlimit, SandboxLimit, SeccompPolicy, Symlink, SyscallRule, DEVICES,
};

/// How deep `extends:` chains may go (also stops cycles).
const MAX_EXTENDS_DEPTH: usize = 8;

/// A policy error: where (`file`, 1-based `pos`) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}{message}", pos.map(|p| format!("{}:{}: ", p.line, p.col)).unwrap_or_else(|| " ".into()))]
pub struct PolicyError {
    /// The policy file (`builtin:NAME` for a built-in policy).
    pub file: String,
    /// Position of the offending node (`None` when the file could not be read).
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
}

/// Where a built-in policy comes from when a name or an `extends:` names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// [`builtins::policy`]: constructed by generated code (no parsing).
    Generated,
    /// Parsing [`builtins::text`] (what the generated code is made from).
    Parsed,
}

/// Load a policy: a built-in name first (constructed, not parsed), else a file path.
pub fn load(name_or_path: &str) -> Result<Policy, PolicyError> {
    load_at(name_or_path, None, 0, Source::Generated)
}

/// Parse a policy from text (`file` names it in errors; `base` resolves relative `extends`).
pub fn parse(text: &str, file: &str, base: Option<&Path>) -> Result<Policy, PolicyError> {
    parse_at(text, file, base, 0, Source::Generated)
}

/// A built-in policy parsed from its YAML text, the built-ins it `extends:` parsed too:
/// the value [`load`] returns for `name` without parsing (`None` if `name` is not a
/// built-in). What generates and checks the generated built-ins.
pub fn parse_builtin(name: &str) -> Option<Result<Policy, PolicyError>> {
    builtins::text(name)?;
    Some(load_at(name, None, 0, Source::Parsed))
}

fn load_at(
    name_or_path: &str,
    base: Option<&Path>,
    depth: usize,
    source: Source,
) -> Result<Policy, PolicyError> {
    if let Some(text) = builtins::text(name_or_path) {
        if source == Source::Generated {
            if let Some(p) = builtins::policy(name_or_path) {
                return Ok(p);
            }
        }
        let file = format!("builtin:{name_or_path}");
        let mut p = parse_at(text, &file, None, depth, source)?;
        p.name = name_or_path.to_string();
        return Ok(p);
    }
    let path = match base {
        Some(dir) if Path::new(name_or_path).is_relative() => dir.join(name_or_path),
        _ => PathBuf::from(name_or_path),
    };
    let file = path.display().to_string();
    let text = std::fs::File::open(&path)
        .and_then(|f| {
            let meta = f.metadata()?;
            let bytes = crate::yaml::read_source(f, meta.is_file().then_some(meta.len()))?;
            String::from_utf8(bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })
        .map_err(|e| PolicyError {
            file: file.clone(),
            pos: None,
            message: unreadable_policy(name_or_path, &e),
        })?;
    let mut p = parse_at(&text, &file, path.parent(), depth, source)?;
    p.name = name_or_path.to_string();
    Ok(p)
}

/// Why the policy `name` named cannot be read: a plain word that is no file is most
/// likely a misspelt built-in, which is suggested.
fn unreadable_policy(name: &str, e: &std::io::Error) -> String {
    let names = builtins::names();
    let hint = match crate::suggest::closest(name, names) {
        Some(c) if e.kind() == std::io::ErrorKind::NotFound && !name.contains('/') => {
            format!("did you mean {c}? ")
        }
        _ => String::new(),
    };
    format!(
        "cannot read policy: {e} ({hint}built-in policies: {})",
        names.join(", ")
    )
}

/// `network: {allow: [HOST[:PORT], …]}`: the egress proxy's allow list, each entry
/// checked as `--net-allow` checks it.
fn net_allow(cx: &Ctx<'_>, v: &YNode) -> Result<Vec<String>, PolicyError> {
    let mut out = Vec::new();
    for (key, kn, val) in cx.map(v, "network")? {
        if key != "allow" {
            return Err(cx.err(
                kn.pos,
                format!("network: unknown key `{key}` (a mapping has `allow: [HOST[:PORT], …]`)"),
            ));
        }
        let items = cx.seq(val, "network: allow")?;
        if items.is_empty() {
            return Err(cx.err(
                val.pos,
                "network: allow: an empty list allows nothing (say `network: loopback`)",
            ));
        }
        for item in items {
            let text = cx.scalar(item, "network: allow")?;
            crate::egress::allow::Entry::parse(text).map_err(|e| {
                cx.err(
                    item.pos,
                    format!(
                        "network: allow: {}",
                        e.to_string().trim_start_matches("--net-allow ")
                    ),
                )
            })?;
            out.push(text.to_owned());
        }
    }
    Ok(out)
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> PolicyError {
        PolicyError {
            file: self.file.to_string(),
            pos: Some(pos),
            message: message.into(),
        }
    }

    fn scalar<'n>(&self, node: &'n YNode, what: &str) -> Result<&'n str, PolicyError> {
        match &node.value {
            YValue::Scalar(s, _) => Ok(s.as_str()),
            _ => Err(self.err(node.pos, format!("{what}: expected a scalar"))),
        }
    }

    fn seq<'n>(&self, node: &'n YNode, what: &str) -> Result<&'n [YNode], PolicyError> {
        match &node.value {
            YValue::Seq(items) => Ok(items),
            _ => Err(self.err(node.pos, format!("{what}: expected a sequence"))),
        }
    }

    /// The entries of a mapping with scalar keys; duplicate keys are errors.
    fn map<'n>(
        &self,
        node: &'n YNode,
        what: &str,
    ) -> Result<Vec<(&'n str, &'n YNode, &'n YNode)>, PolicyError> {
        let YValue::Map(entries) = &node.value else {
            return Err(self.err(node.pos, format!("{what}: expected a mapping")));
        };
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let key = self.scalar(k, what)?;
            if !seen.insert(key) {
                return Err(self.err(k.pos, format!("{what}: duplicate key `{key}`")));
            }
            out.push((key, k, v));
        }
        Ok(out)
    }

    fn is_null(node: &YNode) -> bool {
        matches!(&node.value, YValue::Scalar(s, yaml::Style::Plain) if s.is_empty() || s == "~" || s == "null")
    }

    fn bool(&self, node: &YNode, what: &str) -> Result<bool, PolicyError> {
        match self.scalar(node, what)? {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(self.err(
                node.pos,
                format!("{what}: expected true or false, not `{other}`"),
            )),
        }
    }

    /// A path inside the sandbox (created there): absolute and normal (see
    /// [`crate::paths`]).
    fn inside_path(&self, node: &YNode, what: &str) -> Result<PathBuf, PolicyError> {
        let s = self.scalar(node, what)?;
        if let Some(why) = crate::paths::not_normal(s) {
            return Err(self.err(node.pos, format!("{what}: `{s}` {why}")));
        }
        Ok(PathBuf::from(s))
    }

    fn abs_path(&self, node: &YNode, what: &str) -> Result<PathBuf, PolicyError> {
        let s = self.scalar(node, what)?;
        if !s.starts_with('/') {
            return Err(self.err(node.pos, format!("{what}: `{s}` is not an absolute path")));
        }
        Ok(PathBuf::from(s))
    }
}

fn parse_at(
    text: &str,
    file: &str,
    base: Option<&Path>,
    depth: usize,
    source: Source,
) -> Result<Policy, PolicyError> {
    let cx = Ctx { file };
    let root = yaml::compose(text).map_err(|e| cx.err(e.pos, e.message))?;
    let Some(root) = root else {
        return Err(cx.err(Pos { line: 1, col: 1 }, "empty policy"));
    };
    let entries = cx.map(&root, "policy")?;

    // `extends` first, whatever its place in the mapping.
    let mut policy = match entries.iter().find(|(k, _, _)| *k == "extends") {
        Some((_, _, v)) => {
            if depth >= MAX_EXTENDS_DEPTH {
                return Err(cx.err(v.pos, "`extends` chain too deep (a cycle?)"));
            }
            let parent = cx.scalar(v, "extends")?;
            load_at(parent, base, depth + 1, source).map_err(|mut e| match e.pos {
                // The parent could not be read: the error is this `extends:`.
                None => cx.err(v.pos, format!("extends: {}: {}", e.file, e.message)),
                Some(_) => {
                    e.message = format!(
                        "{} (extended from {file}:{}:{})",
                        e.message, v.pos.line, v.pos.col
                    );
                    e
                }
            })?
        }
        None => Policy::empty(file),
    };

    // Where this file declares what needs a namespace, and `namespaces` (for the checks
    // below).
    let mut root_pos = RootPositions::default();
    let mut network_pos = None;
    let mut tasks_pos = None;
    let mut namespaces_pos = None;
    // Where this file shapes what its filter does with `execveat` (the check at the end).
    let mut exec_pos = ExecPositions::default();
    for (key, knode, v) in &entries {
        match *key {
            "extends" => {}
            "network" if !matches!(v.value, YValue::Scalar(..)) => {
                policy.net_allow = net_allow(&cx, v)?;
                policy.network = Network::Loopback;
                network_pos = Some(v.pos);
            }
            "network" => {
                policy.net_allow.clear();
                policy.network = match cx.scalar(v, "network")? {
                    "none" | "false" => Network::None,
                    "loopback" => Network::Loopback,
                    "host" | "true" => Network::Host,
                    other => {
                        return Err(cx.err(
                            v.pos,
                            format!("network: `{other}` is not one of none, loopback, host"),
                        ))
                    }
                };
                network_pos = Some(v.pos);
            }
            "limits" => {
                for (name, kn, val) in cx.map(v, "limits")? {
                    let text = cx.scalar(val, "limits")?;
                    let which = SandboxLimit::from_name(name).ok_or_else(|| {
                        cx.err(
                            kn.pos,
                            format!("unknown limit `{name}` ({})", Limits::NAMES.join(", ")),
                        )
                    })?;
                    let value = Limits::parse_value(name, text).map_err(|m| cx.err(val.pos, m))?;
                    policy.limits.set(which, value);
                    if name == "tasks" && value.is_some() {
                        tasks_pos = Some(kn.pos);
                    }
                }
            }
            "namespaces" => {
                let mut set = BTreeSet::new();
                for item in cx.seq(v, "namespaces")? {
                    let name = cx.scalar(item, "namespaces")?;
                    let ns = Namespace::from_name(name).ok_or_else(|| {
                        cx.err(
                            item.pos,
                            format!("unknown namespace `{name}` (user, mount, network, ipc, uts, cgroup, pid)"),
                        )
                    })?;
                    set.insert(ns);
                }
                policy.namespaces = set;
                namespaces_pos = Some(knode.pos);
            }
            "root" => root_pos = parse_root(&cx, v, &mut policy)?,
            "landlock" => {
                policy.landlock = match cx.scalar(v, "landlock")? {
                    "required" => LandlockMode::Required,
                    "best-effort" => LandlockMode::BestEffort,
                    "off" | "false" => LandlockMode::Off,
                    other => {
                        return Err(cx.err(
                            v.pos,
                            format!("landlock: `{other}` is not one of required, best-effort, off"),
                        ))
                    }
                }
            }
            "capabilities" => {
                policy.capabilities = match cx.scalar(v, "capabilities")? {
                    "drop" => CapsMode::Drop,
                    "keep" => CapsMode::Keep,
                    other => {
                        return Err(cx.err(v.pos, format!("capabilities: `{other}` is not drop or keep")))
                    }
                }
            }
            "host-writable-dirs" => {
                policy.host_writable_dirs = cx.bool(v, "host-writable-dirs")?;
            }
            "hostname" => {
                policy.hostname = if Ctx::is_null(v) {
                    None
                } else {
                    let h = cx.scalar(v, "hostname")?;
                    if h.is_empty() || h.len() > 64 || h.contains('\0') {
                        return Err(cx.err(v.pos, "hostname: 1 to 64 bytes"));
                    }
                    Some(h.to_string())
                }
            }
            "rlimits" => {
                for (name, kn, val) in cx.map(v, "rlimits")? {
                    let Some(which) = Rlimit::from_name(name) else {
                        return Err(cx.err(kn.pos, format!("unknown resource limit `{name}`")));
                    };
                    let limits = match &val.value {
                        YValue::Seq(pair) if pair.len() == 2 => {
                            (rlimit_value(&cx, &pair[0])?, rlimit_value(&cx, &pair[1])?)
                        }
                        YValue::Scalar(..) => {
                            let x = rlimit_value(&cx, val)?;
                            (x, x)
                        }
                        _ => return Err(cx.err(val.pos, "rlimit: a number, `unlimited` or [SOFT, HARD]")),
                    };
                    if limits.0 > limits.1 {
                        return Err(cx.err(val.pos, "rlimit: soft limit above hard limit"));
                    }
                    policy.rlimits.insert(which, limits);
                }
            }
            "seccomp" => {
                exec_pos.seccomp = Some(knode.pos);
                if matches!(&v.value, YValue::Scalar(s, _) if s == "off" || s == "false") {
                    policy.seccomp = None;
                } else {
                    let parent = policy.seccomp.take();
                    policy.seccomp = Some(parse_seccomp(&cx, v, parent, &mut exec_pos)?);
                }
            }
            other => {
                return Err(cx.err(
                    knode.pos,
                    format!(
                        "unknown key `{other}` (extends, namespaces, root, network, landlock, capabilities, hostname, host-writable-dirs, rlimits, limits, seccomp)"
                    ),
                ))
            }
        }
    }
    // What needs a namespace: pointed at where this file asks for it, else at its
    // `namespaces` (which dropped what the extended policy had).
    let needs = [
        (
            !policy.tmpfs.is_empty(),
            root_pos.tmpfs,
            "root.tmpfs",
            &[Namespace::Mount][..],
        ),
        (
            policy.list_root,
            root_pos.list,
            "root.list",
            &[Namespace::Mount],
        ),
        (
            policy.toolchain_etc,
            root_pos.toolchain_etc,
            "root.toolchain-etc",
            &[Namespace::Mount],
        ),
        (
            policy.pts,
            root_pos.pts,
            "root.pts",
            &[Namespace::User, Namespace::Mount],
        ),
        (
            policy.proc,
            root_pos.proc,
            "root.proc",
            &[Namespace::Pid, Namespace::Mount],
        ),
        (
            policy.network == Network::Loopback,
            network_pos,
            "network: loopback",
            &[Namespace::Network],
        ),
        (
            policy.limits.tasks.is_some(),
            tasks_pos,
            "limits.tasks",
            &[Namespace::User],
        ),
    ];
    for (asked, pos, what, namespaces) in needs {
        let Some(missing) = namespaces.iter().find(|ns| !policy.has(**ns)) else {
            continue;
        };
        if !asked {
            continue;
        }
        let ns = missing.name();
        return Err(match (pos, namespaces_pos) {
            (Some(pos), _) => cx.err(
                pos,
                format!("{what} needs a {ns} namespace (add `{ns}` to namespaces)"),
            ),
            (None, Some(pos)) => cx.err(
                pos,
                format!("namespaces: {what} (from the extended policy) needs a {ns} namespace"),
            ),
            (None, None) => cx.err(
                Pos { line: 1, col: 1 },
                format!("{what} needs a {ns} namespace"),
            ),
        });
    }
    // The policy as a whole (not each file it extends) must let caprun start a program.
    if depth == 0 {
        if let Some(sp) = &policy.seccomp {
            let extends = entries
                .iter()
                .find(|(k, _, _)| *k == "extends")
                .map(|(_, _, v)| v.pos);
            check_final_exec(&cx, sp, &exec_pos, extends)?;
        }
    }
    Ok(policy)
}

/// Where a policy file shapes what its filter does with the final step's calls
/// ([`FINAL_STEP_CALLS`]): the item of a list or the rule that names each, its
/// `default-action`, its `seccomp` key.
#[derive(Debug, Default)]
struct ExecPositions {
    named: BTreeMap<&'static str, Pos>,
    default_action: Option<Pos>,
    seccomp: Option<Pos>,
}

/// A system call caprun's own final step makes after the filter is installed, with
/// plausible arguments (descriptor, pointer) and why it is made.
struct FinalCall {
    name: &'static str,
    nr: i64,
    args: fn(u64, u64) -> [u64; 6],
    why: &'static str,
}

/// Every call the final step makes once the filter is in place: the exec itself, and
/// what reports that the exec comes next or failed (`exec::final_step`). A filter that
/// refuses one of them would make launches fail without a word, or files created for
/// the launch stay behind. (`execve`, for a `#!` script run by its path, is checked at
/// launch: [`final_exec_by_path`].)
const FINAL_STEP_CALLS: &[FinalCall] = &[
    FinalCall {
        name: "execveat",
        nr: libc::SYS_execveat,
        args: |fd, ptr| [fd, ptr, ptr + 0x100, ptr + 0x200, libc::AT_EMPTY_PATH as u64, 0],
        why: "caprun's own last call, execveat(fd, \"\", argv, envp, AT_EMPTY_PATH): no program could start",
    },
    FinalCall {
        name: "sendmsg",
        nr: libc::SYS_sendmsg,
        args: |fd, ptr| [fd, ptr, libc::MSG_NOSIGNAL as u64, 0, 0, 0],
        why: "sendmsg(fd, msg, MSG_NOSIGNAL), with which caprun's last step tells its supervisor that the exec comes next or failed",
    },
    FinalCall {
        name: "write",
        nr: libc::SYS_write,
        args: |fd, ptr| [fd, ptr, 64, 0, 0, 0],
        why: "write(fd, buf, len), with which caprun's last step reports a failed exec",
    },
    FinalCall {
        name: "exit_group",
        nr: libc::SYS_exit_group,
        args: |_, _| [125, 0, 0, 0, 0, 0],
        why: "exit_group(status), with which caprun's last step ends after a failed exec",
    },
];

/// How the compiled filter `prog` treats `nr` with the arguments `args` makes for a few
/// plausible descriptors and pointers: the worst action other than allow or log.
fn worst_action(
    prog: &[seccompiler::sock_filter],
    nr: i64,
    args: fn(u64, u64) -> [u64; 6],
) -> Option<u32> {
    let mut worst = None;
    for fd in [2, 3, 64, 1023] {
        for ptr in [0x5555_5555_0000, 0x7ffc_0000_1000] {
            let ret = seccomp::evaluate(prog, nr, args(fd, ptr)).map_or(0, |e| e.ret);
            let action = ret & seccomp::RET_ACTION_FULL;
            if action != seccomp::RET_ALLOW && action != seccomp::RET_LOG {
                worst = Some(action);
            }
        }
    }
    worst
}

/// Refuse a filter that does not let caprun's own final step through
/// ([`FINAL_STEP_CALLS`]). The compiled program is evaluated, so `allow`, `errno`,
/// `deny`, rules and the default action are all taken into account; the descriptors and
/// pointers are not known in advance, so it must allow a few plausible values of each.
/// The error names the call and points at what made it so in this file.
fn check_final_exec(
    cx: &Ctx,
    sp: &SeccompPolicy,
    at: &ExecPositions,
    extends: Option<Pos>,
) -> Result<(), PolicyError> {
    // A filter that does not compile is reported where it is compiled.
    let Ok(prog) = seccomp::compile(sp) else {
        return Ok(());
    };
    for call in FINAL_STEP_CALLS {
        let Some(action) = worst_action(&prog, call.nr, call.args) else {
            continue;
        };
        let what = match action {
            seccomp::RET_ERRNO => "denies",
            _ => "kills",
        };
        let pos = at
            .named
            .get(call.name)
            .copied()
            .or(at.default_action)
            .or(at.seccomp)
            .or(extends)
            .unwrap_or(Pos { line: 1, col: 1 });
        return Err(cx.err(
            pos,
            format!(
                "the seccomp filter {what} {} (allow {})",
                call.why, call.name
            ),
        ));
    }
    Ok(())
}

/// For a `#!` script, executed by its path: refuse a filter that denies
/// `execve(path, argv, envp)` (the message names the call and the way out).
pub fn final_exec_by_path(sp: &SeccompPolicy) -> Result<(), String> {
    let Ok(prog) = seccomp::compile(sp) else {
        return Ok(());
    };
    match worst_action(&prog, libc::SYS_execve, |_, ptr| [ptr, ptr + 0x100, ptr + 0x200, 0, 0, 0]) {
        None => Ok(()),
        Some(action) => Err(format!(
            "the policy's seccomp filter {} execve(path, argv, envp), with which caprun runs a #! script by its path (allow execve)",
            if action == seccomp::RET_ERRNO { "denies" } else { "kills" }
        )),
    }
}

fn rlimit_value(cx: &Ctx, node: &YNode) -> Result<u64, PolicyError> {
    let s = cx.scalar(node, "rlimit")?;
    if s == "unlimited" || s == "infinity" {
        return Ok(libc::RLIM_INFINITY);
    }
    parse_number(s).ok_or_else(|| {
        cx.err(
            node.pos,
            format!("rlimit: `{s}` is not a number or `unlimited`"),
        )
    })
}

/// Parse `root:`; returns where its keys that need a namespace are.
fn parse_root(cx: &Ctx, v: &YNode, policy: &mut Policy) -> Result<RootPositions, PolicyError> {
    let mut tmpfs_pos = None;
    let mut proc_pos = None;
    let mut list_pos = None;
    let mut pts_pos = None;
    let mut toolchain_etc_pos = None;
    for (key, kn, val) in cx.map(v, "root")? {
        match key {
            "proc" => {
                policy.proc = cx.bool(val, "root.proc")?;
                proc_pos = Some(kn.pos);
            }
            "list" => {
                policy.list_root = cx.bool(val, "root.list")?;
                list_pos = Some(kn.pos);
            }
            "pts" => {
                policy.pts = cx.bool(val, "root.pts")?;
                pts_pos = Some(kn.pos);
            }
            "toolchain-etc" => {
                policy.toolchain_etc = cx.bool(val, "root.toolchain-etc")?;
                toolchain_etc_pos = Some(kn.pos);
            }
            "tmpfs" => {
                for item in cx.seq(val, "root.tmpfs")? {
                    let p = cx.inside_path(item, "tmpfs")?;
                    if p == Path::new("/") {
                        return Err(cx.err(item.pos, "tmpfs: the path cannot be `/`"));
                    }
                    if !policy.tmpfs.contains(&p) {
                        policy.tmpfs.push(p);
                    }
                }
                tmpfs_pos = Some(kn.pos);
            }
            "binds" => {
                for item in cx.seq(val, "root.binds")? {
                    let bind = match &item.value {
                        YValue::Scalar(..) => {
                            let p = cx.inside_path(item, "bind")?;
                            Bind {
                                source: p.clone(),
                                target: p,
                                optional: false,
                                device: false,
                            }
                        }
                        YValue::Map(_) => {
                            let (mut source, mut target, mut optional) = (None, None, false);
                            for (k, kn2, x) in cx.map(item, "bind")? {
                                match k {
                                    "source" => source = Some(cx.abs_path(x, "bind source")?),
                                    "target" => target = Some(cx.inside_path(x, "bind target")?),
                                    "optional" => optional = cx.bool(x, "bind optional")?,
                                    other => {
                                        return Err(cx.err(
                                            kn2.pos,
                                            format!("unknown key `{other}` in bind (source, target, optional)"),
                                        ))
                                    }
                                }
                            }
                            let source = source
                                .ok_or_else(|| cx.err(item.pos, "bind: `source` is required"))?;
                            let target = match target {
                                Some(t) => t,
                                // The source is the path inside too.
                                None => {
                                    if let Some(why) =
                                        crate::paths::not_normal(&source.to_string_lossy())
                                    {
                                        return Err(cx.err(
                                            item.pos,
                                            format!("bind: `{}` {why}", source.display()),
                                        ));
                                    }
                                    source.clone()
                                }
                            };
                            Bind {
                                source,
                                target,
                                optional,
                                device: false,
                            }
                        }
                        YValue::Seq(_) => return Err(cx.err(item.pos, "bind: a path or a mapping")),
                    };
                    if bind.target == Path::new("/") {
                        return Err(cx.err(item.pos, "bind: the target cannot be `/`"));
                    }
                    policy.binds.push(bind);
                }
            }
            "devices" => {
                for item in cx.seq(val, "root.devices")? {
                    let name = cx.scalar(item, "device")?;
                    if !DEVICES.contains(&name) {
                        return Err(cx.err(
                            item.pos,
                            format!("unknown device `{name}` ({})", DEVICES.join(", ")),
                        ));
                    }
                    let path = PathBuf::from("/dev").join(name);
                    if !policy.binds.iter().any(|b| b.device && b.source == path) {
                        policy.binds.push(Bind {
                            source: path.clone(),
                            target: path,
                            optional: false,
                            device: true,
                        });
                    }
                }
            }
            "symlinks" => {
                for item in cx.seq(val, "root.symlinks")? {
                    let (mut link, mut target) = (None, None);
                    for (k, kn2, x) in cx.map(item, "symlink")? {
                        match k {
                            "link" => link = Some(cx.inside_path(x, "symlink link")?),
                            "target" => {
                                target = Some(PathBuf::from(cx.scalar(x, "symlink target")?))
                            }
                            other => {
                                return Err(cx.err(
                                    kn2.pos,
                                    format!("unknown key `{other}` in symlink (link, target)"),
                                ))
                            }
                        }
                    }
                    match (link, target) {
                        (Some(link), Some(target)) => {
                            policy.symlinks.push(Symlink { link, target })
                        }
                        _ => {
                            return Err(
                                cx.err(item.pos, "symlink: `link` and `target` are required")
                            )
                        }
                    }
                }
            }
            other => {
                return Err(cx.err(
                    kn.pos,
                    format!(
                    "unknown key `{other}` in root (binds, devices, symlinks, tmpfs, proc, list, pts, toolchain-etc)"
                ),
                ))
            }
        }
    }
    Ok(RootPositions {
        tmpfs: tmpfs_pos,
        proc: proc_pos,
        list: list_pos,
        pts: pts_pos,
        toolchain_etc: toolchain_etc_pos,
    })
}

/// Where a file's `root:` has the keys that need a namespace.
#[derive(Default)]
struct RootPositions {
    tmpfs: Option<Pos>,
    proc: Option<Pos>,
    list: Option<Pos>,
    pts: Option<Pos>,
    toolchain_etc: Option<Pos>,
}

fn parse_seccomp(
    cx: &Ctx,
    v: &YNode,
    parent: Option<SeccompPolicy>,
    exec_pos: &mut ExecPositions,
) -> Result<SeccompPolicy, PolicyError> {
    // Record the item of `list` that names each of the final step's calls, directly or
    // through a group (the last one wins).
    let names_exec = |list: &YNode,
                      groups: &BTreeMap<String, Names>,
                      named: &mut BTreeMap<&'static str, Pos>| {
        let YValue::Seq(items) = &list.value else {
            return;
        };
        for call in FINAL_STEP_CALLS {
            let found = items.iter().rev().find_map(|item| match &item.value {
                YValue::Scalar(s, _) if s == call.name => Some(item.pos),
                YValue::Scalar(s, _) => s
                    .strip_prefix('@')
                    .and_then(|g| groups.get(g))
                    .filter(|g| g.contains(call.name))
                    .map(|_| item.pos),
                _ => None,
            });
            if let Some(pos) = found {
                named.insert(call.name, pos);
            }
        }
    };
    let mut sp = parent.unwrap_or(SeccompPolicy {
        default_action: Action::Errno(libc::EPERM as u32),
        groups: BTreeMap::new(),
        allow: Names::default(),
        errno: BTreeMap::new(),
        rules: BTreeMap::new(),
        exclusive_locks_writable: false,
    });
    let entries = cx.map(v, "seccomp")?;
    // Groups first so `allow` can use groups defined later in the mapping.
    for (key, _, val) in &entries {
        if *key == "groups" {
            for (name, kn, list) in cx.map(val, "seccomp.groups")? {
                let names = expand_list(cx, list, &sp.groups, "group")?;
                if name.starts_with('@') {
                    return Err(cx.err(kn.pos, "group names are written without `@`"));
                }
                sp.groups.insert(name.to_string(), names.into());
            }
        }
    }
    for (key, kn, val) in &entries {
        match *key {
            "groups" => {}
            "default-action" => {
                sp.default_action = parse_action(cx, val)?;
                exec_pos.default_action = Some(val.pos);
            }
            "allow" => {
                let names = expand_list(cx, val, &sp.groups, "allow")?;
                sp.allow.extend(names);
                names_exec(val, &sp.groups, &mut exec_pos.named);
            }
            "deny" => {
                names_exec(val, &sp.groups, &mut exec_pos.named);
                for name in expand_list(cx, val, &sp.groups, "deny")? {
                    sp.allow.remove(name);
                    sp.errno.remove(&name);
                    sp.rules.remove(&name);
                }
            }
            "errno" => {
                for (ename, kn2, list) in cx.map(val, "seccomp.errno")? {
                    let errno = errno_by_name(ename)
                        .ok_or_else(|| cx.err(kn2.pos, format!("unknown errno `{ename}`")))?;
                    names_exec(list, &sp.groups, &mut exec_pos.named);
                    for name in expand_list(cx, list, &sp.groups, "errno")? {
                        sp.errno.insert(name, errno);
                    }
                }
            }
            "rules" => {
                for (name, kn2, conds) in cx.map(val, "seccomp.rules")? {
                    let (name, nr) = syscalls::lookup(name)
                        .ok_or_else(|| cx.err(kn2.pos, format!("unknown system call `{name}`")))?;
                    if let Some(call) = FINAL_STEP_CALLS.iter().find(|c| c.name == name) {
                        exec_pos.named.insert(call.name, kn2.pos);
                    }
                    let items = cx.seq(conds, "rule")?;
                    let alternatives = if items.iter().all(|i| matches!(i.value, YValue::Seq(_))) && !items.is_empty() {
                        items
                            .iter()
                            .map(|alt| parse_conditions(cx, cx.seq(alt, "rule")?))
                            .collect::<Result<Vec<_>, _>>()?
                    } else {
                        vec![parse_conditions(cx, items)?]
                    };
                    if alternatives.iter().any(Vec::is_empty) {
                        return Err(cx.err(conds.pos, "rule: an empty condition list (use `allow`)"));
                    }
                    sp.rules.insert(name, SyscallRule { nr, alternatives });
                }
            }
            "exclusive-locks" => {
                sp.exclusive_locks_writable = match cx.scalar(val, "exclusive-locks")? {
                    "writable" => true,
                    "any" => false,
                    other => {
                        return Err(cx.err(
                            val.pos,
                            format!("exclusive-locks: `{other}` is not writable or any"),
                        ))
                    }
                };
            }
            other => {
                return Err(cx.err(
                    kn.pos,
                    format!("unknown key `{other}` in seccomp (default-action, groups, allow, deny, errno, rules, exclusive-locks)"),
                ))
            }
        }
    }
    // A call is in exactly one of allow, errno, rules.
    for name in sp.rules.keys() {
        if sp.allow.contains(name) || sp.errno.contains_key(name) {
            return Err(cx.err(
                v.pos,
                format!("`{name}` has a rule and is also in allow or errno"),
            ));
        }
    }
    for name in sp.errno.keys() {
        if sp.allow.contains(name) {
            return Err(cx.err(v.pos, format!("`{name}` is in both allow and errno")));
        }
    }
    Ok(sp)
}

/// Expand a list of syscall names and `@group`s into checked syscall names.
fn expand_list(
    cx: &Ctx,
    list: &YNode,
    groups: &BTreeMap<String, Names>,
    what: &str,
) -> Result<BTreeSet<&'static str>, PolicyError> {
    let mut out = BTreeSet::new();
    for item in cx.seq(list, what)? {
        let name = cx.scalar(item, what)?;
        if let Some(g) = name.strip_prefix('@') {
            let members = groups
                .get(g)
                .ok_or_else(|| cx.err(item.pos, format!("unknown syscall group `@{g}`")))?;
            out.extend(members.iter());
        } else if let Some((name, _)) = syscalls::lookup(name) {
            out.insert(name);
        } else {
            return Err(cx.err(item.pos, format!("unknown system call `{name}`")));
        }
    }
    Ok(out)
}

fn parse_action(cx: &Ctx, v: &YNode) -> Result<Action, PolicyError> {
    let s = cx.scalar(v, "default-action")?;
    match s {
        "kill" => Ok(Action::Kill),
        "log" => Ok(Action::Log),
        _ => errno_by_name(s).map(Action::Errno).ok_or_else(|| {
            cx.err(
                v.pos,
                format!(
                    "default-action: `{s}` is not kill, log or an errno name (EPERM, ENOSYS, ...)"
                ),
            )
        }),
    }
}

fn parse_conditions(cx: &Ctx, items: &[YNode]) -> Result<Vec<ArgCondition>, PolicyError> {
    items
        .iter()
        .map(|item| {
            let s = cx.scalar(item, "condition")?;
            parse_condition(s).map_err(|m| cx.err(item.pos, format!("condition `{s}`: {m}")))
        })
        .collect()
}

/// Parse `argN[.64] [& MASK] OP VALUE`.
fn parse_condition(s: &str) -> Result<ArgCondition, String> {
    let toks: Vec<&str> = s.split_whitespace().collect();
    let (arg, mask, op, value) = match toks.as_slice() {
        [arg, op, value] => (*arg, None, *op, *value),
        [arg, "&", mask, op, value] => (*arg, Some(*mask), *op, *value),
        _ => return Err("expected `argN [& MASK] OP VALUE` (spaces around operators)".into()),
    };
    let (idx, wide) = match arg.strip_suffix(".64") {
        Some(a) => (a, true),
        None => (arg.strip_suffix(".32").unwrap_or(arg), false),
    };
    let index = idx
        .strip_prefix("arg")
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| *n <= 5)
        .ok_or_else(|| format!("`{arg}` is not arg0..arg5"))?;
    let op = match op {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        other => return Err(format!("unknown operator `{other}`")),
    };
    let mask = mask.map(parse_value).transpose()?;
    if mask.is_some() && op != CmpOp::Eq {
        return Err("a mask can only be compared with ==".into());
    }
    let value = parse_value(value)?;
    let limit = if wide { u64::MAX } else { u64::from(u32::MAX) };
    if value > limit || mask.is_some_and(|m| m > limit) {
        return Err("value does not fit in 32 bits (use argN.64)".into());
    }
    Ok(ArgCondition {
        index,
        wide,
        mask,
        op,
        value,
    })
}

/// A number or `|`-joined constant names.
fn parse_value(s: &str) -> Result<u64, String> {
    let mut acc = 0u64;
    for part in s.split('|') {
        let v = parse_number(part)
            .or_else(|| constant(part))
            .ok_or_else(|| format!("`{part}` is not a number or a known constant"))?;
        acc |= v;
    }
    Ok(acc)
}

fn parse_number(s: &str) -> Option<u64> {
    if let Some(hex) = s.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else {
        s.parse().ok()
    }
}

/// Constants usable in conditions.
fn constant(name: &str) -> Option<u64> {
    let v: i64 = match name {
        "AF_UNIX" | "AF_LOCAL" => libc::AF_UNIX.into(),
        "AF_INET" => libc::AF_INET.into(),
        "AF_INET6" => libc::AF_INET6.into(),
        "AF_NETLINK" => libc::AF_NETLINK.into(),
        "AF_PACKET" => libc::AF_PACKET.into(),
        "CLONE_NEWNS" => libc::CLONE_NEWNS.into(),
        "CLONE_NEWCGROUP" => libc::CLONE_NEWCGROUP.into(),
        "CLONE_NEWUTS" => libc::CLONE_NEWUTS.into(),
        "CLONE_NEWIPC" => libc::CLONE_NEWIPC.into(),
        "CLONE_NEWUSER" => libc::CLONE_NEWUSER.into(),
        "CLONE_NEWPID" => libc::CLONE_NEWPID.into(),
        "CLONE_NEWNET" => libc::CLONE_NEWNET.into(),
        "CLONE_NEWTIME" => libc::CLONE_NEWTIME.into(),
        "CLONE_THREAD" => libc::CLONE_THREAD.into(),
        "CLONE_VM" => libc::CLONE_VM.into(),
        "TIOCSTI" => libc::TIOCSTI as i64,
        "TIOCLINUX" => libc::TIOCLINUX as i64,
        "O_RDONLY" => libc::O_RDONLY.into(),
        "O_WRONLY" => libc::O_WRONLY.into(),
        "O_RDWR" => libc::O_RDWR.into(),
        "O_ACCMODE" => libc::O_ACCMODE.into(),
        "SOCK_STREAM" => libc::SOCK_STREAM.into(),
        "SOCK_DGRAM" => libc::SOCK_DGRAM.into(),
        "O_CREAT" => libc::O_CREAT.into(),
        // The bit of O_TMPFILE that is not O_DIRECTORY (O_TMPFILE is both).
        "__O_TMPFILE" => (libc::O_TMPFILE & !libc::O_DIRECTORY).into(),
        "S_ISUID" => libc::S_ISUID.into(),
        "S_ISGID" => libc::S_ISGID.into(),
        "F_SETLEASE" => libc::F_SETLEASE.into(),
        "LOCK_EX" => libc::LOCK_EX.into(),
        "PRIO_PROCESS" => libc::PRIO_PROCESS as i64,
        "ADDR_NO_RANDOMIZE" => 0x0040000,
        "NETLINK_ROUTE" => libc::NETLINK_ROUTE.into(),
        // _IOW('f', 2, long), _IOW('f', 2, int) and _IOW('X', 32, struct fsxattr): the
        // inode flags (immutable, append-only, …) and the extended file attributes.
        "FS_IOC_SETFLAGS" => 0x4008_6602,
        "FS_IOC32_SETFLAGS" => 0x4004_6602,
        "FS_IOC_FSSETXATTR" => 0x401c_5820,
        _ => return None,
    };
    Some(v as u32 as u64)
}
