//! `builtins`: the built-in policies — their names, their YAML (`policies/*.yaml`, the
//! source of truth) and two tables generated from it, checked in and tested to be up to
//! date: each policy resolved ([`policy`]: constructed, with no YAML parsing at run
//! time) and each distinct seccomp part compiled ([`precompiled`]: no compiling at run
//! time either).
//!
//! `generated.rs` is written by `generate.rs` (a test) with the policy parser and the
//! seccomp compiler. After changing a policy file or the compiler, regenerate it with
//!
//! ```text
//! UPDATE_BUILTIN_POLICIES=1 cargo test --lib builtin_policies_are_fresh
//! ```
//!
//! When a change of the policy types keeps the old generated file from compiling, add
//! `RUSTFLAGS='--cfg caprun_no_generated'` to that command: the crate is then built
//! without the generated tables (built-ins are parsed and compiled at run time).

#[cfg(test)]
mod generate;
// Generated from policies/*.yaml (see its header); checked by `generate`.
#[cfg(not(caprun_no_generated))]
#[rustfmt::skip]
mod generated;
/// Without the generated tables (`--cfg caprun_no_generated`, to regenerate them).
#[cfg(caprun_no_generated)]
mod generated {
    use crate::sandbox::policy::model::Policy;
    use crate::sandbox::seccomp::Precompiled;

    pub(super) fn policy(_: &str) -> Option<Policy> {
        None
    }

    pub(super) static PRECOMPILED: &[Precompiled] = &[];
}

use crate::sandbox::policy::model::{Policy, SeccompPolicy};
use crate::sandbox::seccomp::sock_filter;

/// The built-in policies: `(name, YAML text)`. After changing one of these files,
/// regenerate the tables (see the module documentation).
const BUILTINS: &[(&str, &str)] = &[
    ("strict", include_str!("../../../policies/strict.yaml")),
    ("default", include_str!("../../../policies/default.yaml")),
    (
        "unprivileged",
        include_str!("../../../policies/unprivileged.yaml"),
    ),
    ("none", include_str!("../../../policies/none.yaml")),
    ("devtools", include_str!("../../../policies/devtools.yaml")),
];

/// The names of the built-in policies.
pub fn names() -> &'static [&'static str] {
    &["strict", "default", "unprivileged", "none", "devtools"]
}

/// The YAML text of built-in policy `name`.
pub fn text(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Built-in policy `name`, resolved (constructed by generated code, not parsed).
pub fn policy(name: &str) -> Option<Policy> {
    generated::policy(name)
}

/// The program the seccomp compiler makes of `sp` when `sp` has exactly the compiler's
/// inputs of a built-in policy (what every launch under an unmodified built-in has), or
/// `None`. A built-in's own allowlist is recognized by address.
pub fn precompiled(sp: &SeccompPolicy) -> Option<&'static [sock_filter]> {
    generated::PRECOMPILED
        .iter()
        .find(|p| p.matches(sp))
        .map(|p| p.program)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::policy::{self, Action};
    use crate::sandbox::seccomp::{self, Denials};

    #[test]
    fn precompiled_programs_are_the_compilers_and_only_for_their_inputs() {
        for name in names() {
            let p = policy::load(name).unwrap();
            let Some(sp) = &p.seccomp else { continue };
            let program =
                precompiled(sp).unwrap_or_else(|| panic!("{name} has no program compiled ahead"));
            assert_eq!(program, &seccomp::compile(sp).unwrap()[..], "{name}");
            // Changed inputs are not looked up: `--net`, one call fewer, another default
            // action.
            let mut inet = sp.clone();
            crate::sandbox::allow_inet_sockets(&mut inet);
            let mut fewer = sp.clone();
            let first = fewer.allow.iter().next().unwrap();
            fewer.allow.remove(first);
            let mut kill = sp.clone();
            kill.default_action = Action::Kill;
            for changed in [&inet, &fewer, &kill] {
                assert!(precompiled(changed).is_none(), "{name}");
                assert_ne!(seccomp::compile(changed).unwrap(), program, "{name}");
            }
            // The notifying program is never one compiled ahead.
            assert_ne!(
                seccomp::compile_with(sp, Denials::Notify).unwrap(),
                program,
                "{name}"
            );
        }
    }
}
