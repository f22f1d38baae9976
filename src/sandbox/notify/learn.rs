//! Learning mode's record: the calls seen outside the base policy (with the argument
//! values that matter for those policies condition on) and the policy that allows
//! exactly them, as YAML.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::decode::decode_arg;
use crate::sandbox::policy::{render_condition, scalar, SeccompPolicy};
use crate::sandbox::syscalls;

/// The argument indices and masks one learned rule compares.
type ArgumentKeys = &'static [(u8, Option<u64>)];

/// The calls whose arguments a learned policy conditions on: `(name, [(index, mask)])`.
/// A base-policy rule on another call adds the argument indices it compares.
const ARGUMENT_RULES: &[(&str, ArgumentKeys)] = &[
    ("socket", &[(0, None), (1, Some(0xf))]),
    ("ioctl", &[(1, None)]),
    ("clone", &[(0, None)]),
    ("fcntl", &[(1, None)]),
    ("prctl", &[(0, None)]),
    ("unshare", &[(0, None)]),
    ("personality", &[(0, None)]),
];

/// One system call seen while learning.
#[derive(Debug, Default)]
struct Call {
    count: u64,
    /// Argument values (masked, low 32 bits) → how often, for calls with argument rules.
    values: BTreeMap<Vec<u64>, u64>,
}

/// What learning mode saw: each system call, how often, and with which argument values.
#[derive(Debug, Default)]
pub(super) struct Learned {
    calls: BTreeMap<i64, Call>,
}

impl Learned {
    /// Record a call to `nr` with `args`, outside the policy with filter `base`.
    pub(super) fn record(&mut self, base: &SeccompPolicy, nr: i64, args: [u64; 6]) {
        let keys = argument_keys(base, nr);
        let entry = self.calls.entry(nr).or_default();
        entry.count += 1;
        if !keys.is_empty() {
            let values = keys
                .iter()
                .map(|&(i, mask)| args[usize::from(i)] & mask.unwrap_or(u64::MAX) & 0xffff_ffff)
                .collect();
            *entry.values.entry(values).or_insert(0) += 1;
        }
    }

    /// How many distinct system calls were seen.
    pub(super) fn len(&self) -> usize {
        self.calls.len()
    }

    /// The learned policy as YAML: `extends:` the base (`extends`, the policy `policy`
    /// with filter `base`), plus exactly the calls observed outside it, each with a
    /// comment saying how often it was seen; `program` names what was run.
    pub(super) fn policy(
        &self,
        base: &SeccompPolicy,
        program: &str,
        policy: &str,
        extends: &str,
    ) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Learned by `caprun --learn` from {} under policy `{}`.",
            program, policy
        );
        s.push_str(
            "# Every entry below was observed while learning; nothing else is allowed beyond\n\
             # the extended policy. Review it before use.\n",
        );
        let _ = writeln!(s, "extends: {}", scalar(extends));
        let mut allow = Vec::new();
        let mut rules = Vec::new();
        for (&nr, l) in &self.calls {
            let name = syscalls::name(nr).unwrap_or("?");
            if l.values.is_empty() {
                allow.push((name, l.count));
            } else {
                rules.push((nr, name, l));
            }
        }
        if allow.is_empty() && rules.is_empty() {
            s.push_str("# Nothing outside the extended policy was used.\n");
            return s;
        }
        s.push_str("seccomp:\n");
        if !allow.is_empty() {
            s.push_str("  allow:\n");
            for (name, n) in allow {
                let _ = writeln!(s, "    - {name:<24} # seen {}", times(n));
            }
        }
        if !rules.is_empty() {
            s.push_str("  rules:\n");
            for (nr, name, l) in rules {
                let _ = writeln!(s, "    {name}:");
                if let Some(rule) = base.rules.get(name) {
                    for alt in &rule.alternatives {
                        let conds: Vec<String> =
                            alt.iter().map(|c| scalar(&render_condition(c))).collect();
                        let _ = writeln!(s, "      - [{}]  # from `{}`", conds.join(", "), policy);
                    }
                }
                let keys = argument_keys(base, nr);
                for (values, n) in &l.values {
                    let conds: Vec<String> = keys
                        .iter()
                        .zip(values)
                        .map(|(&(i, mask), &v)| {
                            let c = match mask {
                                Some(m) => format!("arg{i} & {m:#x} == {v:#x}"),
                                None => format!("arg{i} == {v:#x}"),
                            };
                            scalar(&c)
                        })
                        .collect();
                    let decoded: Vec<String> = keys
                        .iter()
                        .zip(values)
                        .map(|(&(i, _), &v)| decode_arg(name, usize::from(i), v))
                        .collect();
                    let _ = writeln!(
                        s,
                        "      - [{}]  # {}: seen {}",
                        conds.join(", "),
                        decoded.join(", "),
                        times(*n)
                    );
                }
            }
        }
        s
    }
}

/// The argument indices (and masks) a learned rule for `nr` compares: those of
/// [`ARGUMENT_RULES`], else those `base`'s own rule for it compares.
fn argument_keys(base: &SeccompPolicy, nr: i64) -> Vec<(u8, Option<u64>)> {
    let Some(name) = syscalls::name(nr) else {
        return Vec::new();
    };
    if let Some((_, keys)) = ARGUMENT_RULES.iter().find(|(n, _)| *n == name) {
        return keys.to_vec();
    }
    match base.rules.get(name) {
        Some(rule) => {
            let idx: BTreeSet<u8> = rule
                .alternatives
                .iter()
                .flatten()
                .map(|c| c.index)
                .collect();
            idx.into_iter().map(|i| (i, None)).collect()
        }
        None => Vec::new(),
    }
}

fn times(n: u64) -> String {
    if n == 1 {
        "1 time".into()
    } else {
        format!("{n} times")
    }
}
