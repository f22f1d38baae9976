//! Writes `src/sandbox/builtins/generated.rs` from `policies/*.yaml` (the "sourcegen"
//! pattern): each built-in policy is parsed with the real parser
//! ([`policy::parse_builtin`]) and the resolved [`Policy`] rendered as Rust code that
//! constructs it; each distinct seccomp part is compiled with the real compiler
//! ([`seccomp::compile`]) into `PRECOMPILED` (see [`seccomp::Precompiled`]).
//!
//! [`builtin_policies_are_fresh`] fails when the checked-in file differs from what the
//! YAML gives; with `UPDATE_BUILTIN_POLICIES=1` it rewrites the file instead.
//! [`generated_policies_equal_parsed`] checks that the generated constructors return
//! exactly the parsed policies.
//!
//! When a change of the policy types (`Policy`, `SeccompPolicy`, ...) keeps the old
//! generated file from compiling, change the generator here and regenerate without it
//! (see [the module documentation](super)).

use std::fmt::Write as _;
use std::path::Path;

use super::generated;
use crate::sandbox::policy::{
    self, Action, ArgCondition, Bind, CapsMode, CmpOp, LandlockMode, Limits, Namespace, Policy,
    SeccompPolicy, Symlink, SyscallRule,
};
use crate::sandbox::seccomp;

/// The generated file, relative to the crate root.
const FILE: &str = "src/sandbox/builtins/generated.rs";

/// The command that rewrites [`FILE`].
const UPDATE: &str = "UPDATE_BUILTIN_POLICIES=1 cargo test --lib builtin_policies_are_fresh";

const HEADER: &str = "\
//! The built-in policies, resolved (`extends:` merged, syscall groups expanded) and
//! constructed directly: `policy::load(NAME)` returns these values, with no YAML parsing
//! at run time; and their seccomp programs, compiled ahead (`builtins::precompiled`
//! returns them for unmodified inputs).
//!
//! GENERATED from `policies/*.yaml` by `src/sandbox/builtins/generate.rs`, with the
//! policy parser and the seccomp compiler; do not edit. After changing a policy file or
//! the compiler, regenerate with
//!
//! ```text
//! UPDATE_BUILTIN_POLICIES=1 cargo test --lib builtin_policies_are_fresh
//! ```
//!
//! (without the variable, that test fails while this file is out of date).

use std::collections::{BTreeMap, BTreeSet};
";

/// The text of [`FILE`] for the current YAML files.
fn generate() -> String {
    let mut out = String::new();
    let names = super::names();
    out.push_str(
        "\n/// The built-in policy `name`, or `None` when there is no such built-in.\n\
         pub(super) fn policy(name: &str) -> Option<Policy> {\n    Some(match name {\n",
    );
    for name in names {
        let _ = writeln!(out, "        {name:?} => {}(),", fn_name(name));
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    let parsed: Vec<(&str, Policy)> = names
        .iter()
        .map(|&name| {
            let p = policy::parse_builtin(name)
                .expect("a built-in name")
                .unwrap_or_else(|e| panic!("built-in policy {name}: {e}"));
            (name, p)
        })
        .collect();
    let mut lists = Lists::default();
    for (name, p) in &parsed {
        let _ = write!(
            out,
            "\n/// The built-in policy `{name}` (`policies/{name}.yaml`).\nfn {}() -> Policy {{\n    ",
            fn_name(name)
        );
        render_policy(&mut out, &mut lists, p, 1);
        out.push_str("\n}\n");
    }
    render_precompiled(&mut out, &mut lists, &parsed);
    lists.render(&mut out);
    let path_buf = if out.contains("PathBuf::") {
        "use std::path::PathBuf;\n"
    } else {
        ""
    };
    format!("{HEADER}{path_buf}\nuse crate::sandbox::policy::model::*;\nuse crate::sandbox::seccomp::{{sock_filter, Precompiled}};\nuse crate::sandbox::syscalls::{{syscall_names, Name}};\n{out}")
}

fn fn_name(policy: &str) -> String {
    policy.replace('-', "_")
}

fn indent(level: usize) -> String {
    "    ".repeat(level)
}

/// A `&str` as a Rust string literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn path(p: &Path) -> String {
    lit(p.to_str().expect("built-in policy paths are UTF-8"))
}

/// `{open}` + one item a line + `{close}`, or `{open}{close}` when there are none.
fn list(out: &mut String, level: usize, open: &str, close: &str, items: Vec<String>) {
    out.push_str(open);
    if items.is_empty() {
        out.push_str(close);
        return;
    }
    out.push('\n');
    for item in items {
        let _ = writeln!(out, "{}{item},", indent(level + 1));
    }
    let _ = write!(out, "{}{close}", indent(level));
}

fn render_policy(out: &mut String, lists: &mut Lists, p: &Policy, level: usize) {
    // Destructured so that a new field fails to compile here until it is rendered.
    let Policy {
        name,
        namespaces,
        binds,
        symlinks,
        tmpfs,
        network,
        net_allow,
        proc,
        list_root,
        pts,
        toolchain_etc,
        limits,
        landlock,
        capabilities,
        hostname,
        rlimits,
        seccomp,
        host_writable_dirs,
    } = p;
    let pad = indent(level + 1);
    out.push_str("Policy {\n");
    let _ = writeln!(out, "{pad}name: {}.to_string(),", lit(name));
    let ns = namespaces
        .iter()
        .map(|n| format!("Namespace::{n:?}"))
        .collect();
    let _ = write!(out, "{pad}namespaces: ");
    list(out, level + 1, "BTreeSet::from([", "]),\n", ns);
    let _ = write!(out, "{pad}binds: ");
    list(
        out,
        level + 1,
        "vec![",
        "],\n",
        binds.iter().map(render_bind).collect(),
    );
    let _ = write!(out, "{pad}symlinks: ");
    list(
        out,
        level + 1,
        "vec![",
        "],\n",
        symlinks.iter().map(render_symlink).collect(),
    );
    let _ = write!(out, "{pad}tmpfs: ");
    list(
        out,
        level + 1,
        "vec![",
        "],\n",
        tmpfs
            .iter()
            .map(|t| format!("PathBuf::from({})", path(t)))
            .collect(),
    );
    let _ = writeln!(out, "{pad}network: Network::{network:?},");
    let allow: Vec<String> = net_allow
        .iter()
        .map(|a| format!("{a:?}.to_owned()"))
        .collect();
    let _ = writeln!(out, "{pad}net_allow: vec![{}],", allow.join(", "));
    let _ = writeln!(out, "{pad}proc: {proc},");
    let _ = writeln!(out, "{pad}list_root: {list_root},");
    let _ = writeln!(out, "{pad}pts: {pts},");
    let _ = writeln!(out, "{pad}toolchain_etc: {toolchain_etc},");
    let Limits {
        tasks,
        tmpfs,
        tmpfs_inodes,
    } = limits;
    let _ = writeln!(
        out,
        "{pad}limits: Limits {{ tasks: {tasks:?}, tmpfs: {tmpfs:?}, tmpfs_inodes: {tmpfs_inodes:?} }},"
    );
    let landlock = match landlock {
        LandlockMode::Required => "Required",
        LandlockMode::BestEffort => "BestEffort",
        LandlockMode::Off => "Off",
    };
    let _ = writeln!(out, "{pad}landlock: LandlockMode::{landlock},");
    let capabilities = match capabilities {
        CapsMode::Drop => "Drop",
        CapsMode::Keep => "Keep",
    };
    let _ = writeln!(out, "{pad}capabilities: CapsMode::{capabilities},");
    match hostname {
        Some(h) => {
            let _ = writeln!(out, "{pad}hostname: Some({}.to_string()),", lit(h));
        }
        None => {
            let _ = writeln!(out, "{pad}hostname: None,");
        }
    }
    let _ = write!(out, "{pad}rlimits: ");
    list(
        out,
        level + 1,
        "BTreeMap::from([",
        "]),\n",
        rlimits
            .iter()
            .map(|(name, (soft, hard))| {
                format!("(Rlimit::{:?}, ({}, {}))", name, limit(*soft), limit(*hard))
            })
            .collect(),
    );
    let _ = write!(out, "{pad}seccomp: ");
    match seccomp {
        Some(sp) => {
            out.push_str("Some(");
            render_seccomp(out, lists, name, sp, level + 1);
            out.push_str("),\n");
        }
        None => out.push_str("None,\n"),
    }
    let _ = writeln!(out, "{pad}host_writable_dirs: {host_writable_dirs},");
    let _ = write!(out, "{}}}", indent(level));
}

fn render_bind(b: &Bind) -> String {
    let Bind {
        source,
        target,
        optional,
        device,
    } = b;
    format!(
        "Bind {{ source: PathBuf::from({}), target: PathBuf::from({}), optional: {optional}, device: {device} }}",
        path(source),
        path(target)
    )
}

fn render_symlink(l: &Symlink) -> String {
    let Symlink { link, target } = l;
    format!(
        "Symlink {{ link: PathBuf::from({}), target: PathBuf::from({}) }}",
        path(link),
        path(target)
    )
}

fn limit(x: u64) -> String {
    if x == libc::RLIM_INFINITY {
        "libc::RLIM_INFINITY".into()
    } else {
        x.to_string()
    }
}

/// An errno value as `libc::NAME as u32` when it has a name the policy format knows.
fn errno(e: u32) -> String {
    policy::errno_name(e).map_or_else(|| e.to_string(), |n| format!("libc::{n} as u32"))
}

/// The name lists of the generated file (syscall groups, allowlists), each written once
/// as a constant and referred to by name: the built-ins share most of them (`default`
/// has `strict`'s seccomp part, and `PRECOMPILED` repeats the allowlists).
#[derive(Default)]
struct Lists {
    /// `(constant name, sorted names)`, in order of first use.
    lists: Vec<(String, Vec<&'static str>)>,
}

impl Lists {
    /// The constant holding `names`, named `label` when it is new.
    fn name(&mut self, label: &str, names: impl Iterator<Item = &'static str>) -> String {
        let names: Vec<&'static str> = names.collect();
        if let Some((constant, _)) = self.lists.iter().find(|(_, l)| *l == names) {
            return constant.clone();
        }
        let constant = label.to_uppercase().replace(['-', '.'], "_");
        assert!(
            self.lists.iter().all(|(c, _)| *c != constant),
            "two different lists named {constant}"
        );
        self.lists.push((constant.clone(), names));
        constant
    }

    /// The lists, lines filled up to 100 columns: statics, so that every use is the same
    /// slice (a policy's list is recognized as a precompiled one's by address), of names
    /// stored inline (no pointers to relocate at start-up; see `syscalls::Name`).
    fn render(&self, out: &mut String) {
        for (constant, names) in &self.lists {
            let _ = write!(out, "\nstatic {constant}: &[Name] = ");
            render_str_slice(out, 0, "syscall_names![", names.iter());
            out.push_str(";\n");
        }
    }
}

/// A sorted set of names as `Names::from_sorted(LIST)` ([`Lists`]).
fn render_names(
    out: &mut String,
    lists: &mut Lists,
    label: &str,
    names: impl ExactSizeIterator<Item = &'static str>,
) {
    if names.len() == 0 {
        out.push_str("Names::default()");
        return;
    }
    let _ = write!(out, "Names::from_sorted({})", lists.name(label, names));
}

/// Names as a slice literal `&[...]`, lines filled up to 100 columns.
fn render_str_slice<'a>(
    out: &mut String,
    level: usize,
    open: &str,
    names: impl ExactSizeIterator<Item = &'a &'static str>,
) {
    if names.len() == 0 {
        let _ = write!(out, "{open}]");
        return;
    }
    out.push_str(open);
    let pad = indent(level + 1);
    let mut column = 100;
    for n in names {
        let item = format!("{},", lit(n));
        if column + 1 + item.len() > 100 {
            let _ = write!(out, "\n{pad}");
            column = pad.len();
        } else {
            out.push(' ');
            column += 1;
        }
        out.push_str(&item);
        column += item.len();
    }
    let _ = write!(out, "\n{}]", indent(level));
}

fn render_seccomp(
    out: &mut String,
    lists: &mut Lists,
    policy: &str,
    sp: &SeccompPolicy,
    level: usize,
) {
    let SeccompPolicy {
        default_action,
        groups,
        allow,
        errno: errnos,
        rules,
        exclusive_locks_writable,
    } = sp;
    let pad = indent(level + 1);
    out.push_str("SeccompPolicy {\n");
    let _ = writeln!(
        out,
        "{pad}default_action: {},",
        render_action(*default_action)
    );
    let _ = writeln!(
        out,
        "{pad}exclusive_locks_writable: {exclusive_locks_writable},"
    );
    let _ = write!(out, "{pad}groups: BTreeMap::from([");
    for (name, members) in groups {
        let _ = write!(out, "\n{}({}.to_string(), ", indent(level + 2), lit(name));
        render_names(out, lists, &format!("{policy}_{name}"), members.iter());
        out.push_str("),");
    }
    if !groups.is_empty() {
        let _ = write!(out, "\n{pad}");
    }
    out.push_str("]),\n");
    let _ = write!(out, "{pad}allow: ");
    render_names(out, lists, &format!("{policy}_allow"), allow.iter());
    out.push_str(",\n");
    let _ = write!(out, "{pad}errno: ");
    list(
        out,
        level + 1,
        "BTreeMap::from([",
        "]),\n",
        errnos
            .iter()
            .map(|(name, e)| format!("({}, {})", lit(name), errno(*e)))
            .collect(),
    );
    let _ = write!(out, "{pad}rules: BTreeMap::from([");
    for (name, rule) in rules {
        let SyscallRule { nr, alternatives } = rule;
        let p2 = indent(level + 2);
        let _ = write!(
            out,
            "\n{p2}(\n{p3}{},\n{p3}SyscallRule {{\n{p4}nr: {nr},\n{p4}alternatives: vec![",
            lit(name),
            p3 = indent(level + 3),
            p4 = indent(level + 4),
        );
        for alt in alternatives {
            let _ = write!(out, "\n{}vec![", indent(level + 5));
            for c in alt {
                let _ = write!(out, "\n{}{},", indent(level + 6), render_condition(c));
            }
            let _ = write!(out, "\n{}],", indent(level + 5));
        }
        let _ = write!(
            out,
            "\n{p4}],\n{p3}}},\n{p2}),",
            p2 = indent(level + 2),
            p3 = indent(level + 3),
            p4 = indent(level + 4),
        );
    }
    if !rules.is_empty() {
        let _ = write!(out, "\n{pad}");
    }
    out.push_str("]),\n");
    let _ = write!(out, "{}}}", indent(level));
}

fn render_action(a: Action) -> String {
    match a {
        Action::Errno(e) => format!("Action::Errno({})", errno(e)),
        Action::Kill => "Action::Kill".into(),
        Action::Log => "Action::Log".into(),
    }
}

/// The compiler's inputs are equal (everything but `groups`).
fn same_inputs(a: &SeccompPolicy, b: &SeccompPolicy) -> bool {
    a.default_action == b.default_action
        && a.allow == b.allow
        && a.errno == b.errno
        && a.rules == b.rules
        && a.exclusive_locks_writable == b.exclusive_locks_writable
}

/// `PRECOMPILED`: each distinct seccomp part of the built-ins with its program, compiled
/// by [`seccomp::compile`].
fn render_precompiled(out: &mut String, lists: &mut Lists, parsed: &[(&str, Policy)]) {
    out.push_str(
        "\n/// The built-in policies' seccomp programs, compiled ahead, with what each was compiled\n\
         /// from (one entry per distinct seccomp part; see [`Precompiled`]).\n\
         pub(super) static PRECOMPILED: &[Precompiled] = &[",
    );
    let mut done: Vec<&SeccompPolicy> = Vec::new();
    for (name, p) in parsed {
        let Some(sp) = &p.seccomp else { continue };
        if done.iter().any(|d| same_inputs(d, sp)) {
            continue;
        }
        done.push(sp);
        let program =
            seccomp::compile(sp).unwrap_or_else(|e| panic!("built-in policy {name}: {e}"));
        let (p1, p2) = (indent(1), indent(2));
        let _ = write!(out, "\n{p1}// `{name}`\n{p1}Precompiled {{\n");
        let _ = writeln!(
            out,
            "{p2}default_action: {},",
            render_action(sp.default_action)
        );
        let _ = writeln!(
            out,
            "{p2}exclusive_locks_writable: {},",
            sp.exclusive_locks_writable
        );
        let allow = lists.name(&format!("{name}_allow"), sp.allow.iter());
        let _ = writeln!(out, "{p2}allow: {allow},");
        let _ = write!(out, "{p2}errno: ");
        list(
            out,
            2,
            "&[",
            "],\n",
            sp.errno
                .iter()
                .map(|(n, e)| format!("({}, {})", lit(n), errno(*e)))
                .collect(),
        );
        let _ = write!(out, "{p2}rules: ");
        list(
            out,
            2,
            "&[",
            "],\n",
            sp.rules
                .iter()
                .map(|(n, r)| {
                    let alts: Vec<String> = r
                        .alternatives
                        .iter()
                        .map(|alt| {
                            let conds: Vec<String> = alt.iter().map(render_condition).collect();
                            format!("&[{}]", conds.join(", "))
                        })
                        .collect();
                    format!("({}, {}, &[{}])", lit(n), r.nr, alts.join(", "))
                })
                .collect(),
        );
        let _ = write!(out, "{p2}program: ");
        list(
            out,
            2,
            "&[",
            "],\n",
            program
                .iter()
                .map(|i| {
                    format!(
                        "sock_filter {{ code: {:#06x}, jt: {}, jf: {}, k: {:#x} }}",
                        i.code, i.jt, i.jf, i.k
                    )
                })
                .collect(),
        );
        let _ = write!(out, "{p1}}},");
    }
    out.push_str("\n];\n");
}

fn render_condition(c: &ArgCondition) -> String {
    let ArgCondition {
        index,
        wide,
        mask,
        op,
        value,
    } = c;
    let op = match op {
        CmpOp::Eq => "Eq",
        CmpOp::Ne => "Ne",
        CmpOp::Lt => "Lt",
        CmpOp::Le => "Le",
        CmpOp::Gt => "Gt",
        CmpOp::Ge => "Ge",
    };
    let mask = match mask {
        Some(m) => format!("Some({m:#x})"),
        None => "None".into(),
    };
    format!(
        "ArgCondition {{ index: {index}, wide: {wide}, mask: {mask}, op: CmpOp::{op}, value: {value:#x} }}"
    )
}

/// Namespace names are rendered with `Debug`: make sure that is the variant's name.
#[test]
fn namespace_debug_is_the_variant_name() {
    assert_eq!(format!("{:?}", Namespace::Cgroup), "Cgroup");
}

#[test]
fn builtin_policies_are_fresh() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(FILE);
    let want = generate();
    if std::env::var_os("UPDATE_BUILTIN_POLICIES").is_some() {
        std::fs::write(&file, &want).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        return;
    }
    let have = std::fs::read_to_string(&file).unwrap_or_default();
    if have != want {
        let line = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| have.lines().count().min(want.lines().count()))
            + 1;
        panic!(
            "{FILE} is out of date with policies/*.yaml (first difference at line {line}); \
             regenerate it with `{UPDATE}` and commit it"
        );
    }
}

#[test]
fn generated_policies_equal_parsed() {
    for name in super::names() {
        let parsed = policy::parse_builtin(name).unwrap().unwrap();
        let generated = generated::policy(name)
            .unwrap_or_else(|| panic!("{FILE} lacks the built-in policy {name}: run `{UPDATE}`"));
        assert!(
            generated == parsed,
            "{FILE}: the policy {name} differs from policies/{name}.yaml: run `{UPDATE}`"
        );
        assert_eq!(
            policy::load(name).unwrap(),
            parsed,
            "policy::load({name:?})"
        );
    }
    assert_eq!(generated::policy("no-such-policy"), None);
    assert_eq!(policy::parse_builtin("no-such-policy"), None);
}

/// `Names::from_sorted` lists must be strictly ascending (lookups binary-search them), and
/// the generated policies use them (loading a built-in builds no set), sharing their
/// allowlists with `PRECOMPILED` by address.
#[test]
fn generated_name_lists_are_sorted_static_and_shared() {
    let ascending =
        |names: &policy::Names| names.iter().zip(names.iter().skip(1)).all(|(a, b)| a < b);
    for name in super::names() {
        let p = generated::policy(name).unwrap();
        let Some(sp) = &p.seccomp else { continue };
        for (group, members) in &sp.groups {
            assert!(ascending(members), "{name}: group {group}");
            assert!(
                matches!(members, policy::Names::Static(_)),
                "{name}: group {group}"
            );
        }
        assert!(ascending(&sp.allow), "{name}: allow");
        let policy::Names::Static(allow) = sp.allow else {
            panic!("{name}: allow is not a static list");
        };
        let pc = generated::PRECOMPILED
            .iter()
            .find(|pc| sp.allow.is_static(pc.allow))
            .unwrap_or_else(|| panic!("{name}: no precompiled program shares its allowlist"));
        assert!(std::ptr::eq(allow, pc.allow));
    }
    for pc in generated::PRECOMPILED {
        assert!(pc.allow.windows(2).all(|w| w[0] < w[1]));
    }
}
