//! A resolved policy back to YAML: [`render_policy`] (`--show-policy`), and the pieces
//! a learned policy is written with.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::model::{
    self, Action, ArgCondition, CapsMode, CmpOp, LandlockMode, Limits, Network, Policy,
    SandboxLimit,
};

/// A YAML double-quoted scalar when `s` needs quoting, else `s`.
pub fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
        && !s.starts_with(['-', '.']);
    if plain {
        s.to_string()
    } else {
        crate::yaml::quote(s)
    }
}

/// A condition in the policy syntax (`argN[.64] [& MASK] OP VALUE`), numbers in hex.
pub fn render_condition(c: &ArgCondition) -> String {
    let arg = if c.wide {
        format!("arg{}.64", c.index)
    } else {
        format!("arg{}", c.index)
    };
    let op = match c.op {
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    };
    match c.mask {
        Some(m) => format!("{arg} & {m:#x} {op} {:#x}", c.value),
        None => format!("{arg} {op} {:#x}", c.value),
    }
}

fn errno_name(e: u32) -> String {
    model::errno_name(e).map_or_else(|| e.to_string(), str::to_string)
}

fn action_name(a: Action) -> String {
    match a {
        Action::Errno(e) => errno_name(e),
        Action::Kill => "kill".into(),
        Action::Log => "log".into(),
    }
}

/// A resolved policy as a self-contained YAML policy (no `extends:`, no groups: every
/// list expanded), which [`parse`](super::parse()) reads back to the same policy.
pub fn render_policy(p: &Policy) -> String {
    let mut s = format!(
        "# Effective policy `{}` (extends resolved, groups expanded).\n",
        p.name
    );
    let ns: Vec<&str> = p.namespaces.iter().map(|n| n.name()).collect();
    let _ = writeln!(s, "namespaces: [{}]", ns.join(", "));
    s.push_str("root:\n  binds:");
    let binds: Vec<_> = p.binds.iter().filter(|b| !b.device).collect();
    if binds.is_empty() {
        s.push_str(" []\n");
    } else {
        s.push('\n');
        for b in binds {
            let _ = write!(
                s,
                "    - {{source: {}, target: {}",
                scalar(&b.source.to_string_lossy()),
                scalar(&b.target.to_string_lossy())
            );
            if b.optional {
                s.push_str(", optional: true");
            }
            s.push_str("}\n");
        }
    }
    let devices: Vec<String> = p
        .binds
        .iter()
        .filter(|b| b.device)
        .filter_map(|b| {
            b.source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect();
    let _ = writeln!(s, "  devices: [{}]", devices.join(", "));
    if p.symlinks.is_empty() {
        s.push_str("  symlinks: []\n");
    } else {
        s.push_str("  symlinks:\n");
        for l in &p.symlinks {
            let _ = writeln!(
                s,
                "    - {{link: {}, target: {}}}",
                scalar(&l.link.to_string_lossy()),
                scalar(&l.target.to_string_lossy())
            );
        }
    }
    if !p.tmpfs.is_empty() {
        let t: Vec<String> = p
            .tmpfs
            .iter()
            .map(|t| scalar(&t.to_string_lossy()))
            .collect();
        let _ = writeln!(s, "  tmpfs: [{}]", t.join(", "));
    }
    if p.proc {
        s.push_str("  proc: true\n");
    }
    if p.list_root {
        s.push_str("  list: true\n");
    }
    if p.pts {
        s.push_str("  pts: true\n");
    }
    if p.toolchain_etc {
        s.push_str("  toolchain-etc: true\n");
    }

    if !p.net_allow.is_empty() {
        let allow: Vec<String> = p.net_allow.iter().map(|a| scalar(a)).collect();
        let _ = writeln!(s, "network: {{allow: [{}]}}", allow.join(", "));
    } else if p.network != Network::None {
        let _ = writeln!(s, "network: {}", p.network.name());
    }
    if p.limits != Limits::default() {
        s.push_str("limits:\n");
        for which in SandboxLimit::ALL {
            let name = which.name();
            // Not given: derived from the size, shown as a comment (what reads back is
            // still "derived").
            let derived = which == SandboxLimit::TmpfsInodes && p.limits.tmpfs_inodes.is_none();
            let _ = writeln!(
                s,
                "  {}{name}: {}{}",
                if derived { "# " } else { "" },
                Limits::render_value(name, p.limits.get(which)),
                if derived {
                    " (derived: one per 4 KiB of tmpfs)"
                } else {
                    ""
                }
            );
        }
    }
    let landlock = match p.landlock {
        LandlockMode::Required => "required",
        LandlockMode::BestEffort => "best-effort",
        LandlockMode::Off => "off",
    };
    let caps = match p.capabilities {
        CapsMode::Drop => "drop",
        CapsMode::Keep => "keep",
    };
    let _ = writeln!(s, "landlock: {landlock}\ncapabilities: {caps}");
    if p.host_writable_dirs {
        s.push_str("host-writable-dirs: true\n");
    }
    if let Some(h) = &p.hostname {
        let _ = writeln!(s, "hostname: {}", scalar(h));
    }
    if !p.rlimits.is_empty() {
        s.push_str("rlimits:\n");
        for (name, (soft, hard)) in &p.rlimits {
            let v = |x: u64| {
                if x == libc::RLIM_INFINITY {
                    "unlimited".to_string()
                } else {
                    x.to_string()
                }
            };
            let _ = writeln!(s, "  {}: [{}, {}]", name.name(), v(*soft), v(*hard));
        }
    }
    match &p.seccomp {
        None => s.push_str("seccomp: off\n"),
        Some(sp) => {
            s.push_str("seccomp:\n");
            let _ = writeln!(s, "  default-action: {}", action_name(sp.default_action));
            if sp.exclusive_locks_writable {
                s.push_str("  exclusive-locks: writable\n");
            }
            let allow: Vec<&str> = sp.allow.iter().collect();
            let _ = writeln!(s, "  # {} calls allowed unconditionally", allow.len());
            s.push_str("  allow: [");
            let mut col = 10;
            for (i, name) in allow.iter().enumerate() {
                if i > 0 && col + name.len() + 2 > 92 {
                    s.push_str(",\n          ");
                    col = 10;
                } else if i > 0 {
                    s.push_str(", ");
                    col += 2;
                }
                s.push_str(name);
                col += name.len();
            }
            s.push_str("]\n");
            if !sp.errno.is_empty() {
                s.push_str("  errno:\n");
                let mut by_errno: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
                for (name, e) in &sp.errno {
                    by_errno.entry(*e).or_default().push(name);
                }
                for (e, names) in by_errno {
                    let _ = writeln!(s, "    {}: [{}]", errno_name(e), names.join(", "));
                }
            }
            if !sp.rules.is_empty() {
                s.push_str("  rules:\n");
                for (name, rule) in &sp.rules {
                    let alts: Vec<String> = rule
                        .alternatives
                        .iter()
                        .map(|alt| {
                            let conds: Vec<String> =
                                alt.iter().map(|c| scalar(&render_condition(c))).collect();
                            format!("[{}]", conds.join(", "))
                        })
                        .collect();
                    let _ = writeln!(s, "    {name}: [{}]", alts.join(", "));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::parse::{load, parse};
    use super::*;
    use crate::sandbox::builtins;

    #[test]
    fn rendered_policies_read_back_the_same() {
        for name in builtins::names() {
            let p = load(name).unwrap();
            let text = render_policy(&p);
            let mut q =
                parse(&text, "shown.yaml", None).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
            q.name = p.name.clone();
            let mut p = p;
            // Device binds are listed apart from path binds: compare as sets.
            p.binds.sort_by(|a, b| a.target.cmp(&b.target));
            q.binds.sort_by(|a, b| a.target.cmp(&b.target));
            if let (Some(a), Some(b)) = (&mut p.seccomp, &mut q.seccomp) {
                a.groups.clear();
                b.groups.clear();
            }
            assert_eq!(p, q, "{name}:\n{text}");
        }
    }
}
