//! caprun inside another sandbox (a container runtime, systemd-nspawn, caprun itself):
//! what the outer layer refused, said as such, with how to allow it, instead of a
//! misreading such as "Landlock is not available on this kernel".
//!
//! Landlock domains and seccomp filters stack: a policy without namespaces
//! (`unprivileged`) runs inside a sandbox that lets it make them. Namespaces and mounts
//! need the outer layer's leave, and under a Landlock domain mounts are refused whatever
//! the filter says.

use nix::errno::Errno;

use super::policy::Policy;

/// What this process shows of a sandbox around it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outer {
    /// A seccomp filter is on this process (`Seccomp: 2` in `/proc/self/status`), with
    /// this many filters when the kernel says (`Seccomp_filters:`, Linux 5.9).
    pub seccomp: Option<Option<u32>>,
    /// The outer sandbox is caprun's: PID 1 of this PID namespace is `caprun-init`.
    pub caprun: bool,
}

impl Outer {
    /// Read `/proc/self/status` and `/proc/1/cmdline` (only on the failure paths).
    pub fn probe() -> Outer {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let init = std::fs::read("/proc/1/cmdline").unwrap_or_default();
        Outer {
            seccomp: seccomp_of_status(&status),
            caprun: init.split(|&b| b == 0).next() == Some(b"caprun-init"),
        }
    }

    /// `caprun runs inside another sandbox (…)`, naming what shows it.
    fn describe(&self) -> String {
        let mut signs = Vec::new();
        if self.caprun {
            signs.push("caprun's: PID 1 is caprun-init".to_owned());
        }
        match self.seccomp {
            Some(Some(n)) => signs.push(format!(
                "{n} seccomp filter{} on this process, /proc/self/status",
                if n == 1 { "" } else { "s" }
            )),
            Some(None) => signs.push("a seccomp filter on this process".to_owned()),
            None => {}
        }
        if signs.is_empty() {
            "caprun runs inside another sandbox".to_owned()
        } else {
            format!("caprun runs inside another sandbox ({})", signs.join("; "))
        }
    }
}

/// The seccomp state of a `/proc/self/status` text: `Some(filters)` in filter mode.
pub fn seccomp_of_status(status: &str) -> Option<Option<u32>> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    (field("Seccomp:")? == "2").then(|| field("Seccomp_filters:").and_then(|n| n.parse().ok()))
}

/// How to let the outer layer allow what caprun needs, by layer.
const ALLOW_LANDLOCK: &str = "let the outer layer allow landlock_create_ruleset, landlock_add_rule and landlock_restrict_self (systemd-nspawn: --system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self'; Docker or Podman: a seccomp profile that lists them; an outer caprun: a policy that allows them, as devtools does), or run caprun outside it";

/// Why `landlock_create_ruleset` failed with `errno` for `policy`, which requires
/// Landlock: not built in (`ENOSYS`), not enabled at boot (`EOPNOTSUPP`), or refused by
/// an outer sandbox's filter (anything else, `EPERM` above all).
pub fn landlock_absence(errno: Errno, policy: &str, outer: &Outer) -> String {
    let less = "or a policy file with `landlock: best-effort` to run with less isolation";
    match errno {
        Errno::ENOSYS if outer.seccomp.is_none() => format!(
            "Landlock is not available on this kernel: it was built without it (policy `{policy}` requires it): use a kernel with Landlock (Linux 5.13 or later, CONFIG_SECURITY_LANDLOCK), {less}"
        ),
        Errno::EOPNOTSUPP => format!(
            "Landlock is not available on this kernel: it is built in but not enabled at boot (policy `{policy}` requires it): add `landlock` to the kernel's lsm= parameter (the running list is in /sys/kernel/security/lsm), {less}"
        ),
        e => format!(
            "{}, which refused landlock_create_ruleset ({:?}): the outer layer does not let caprun use Landlock, and policy `{policy}` requires it; {ALLOW_LANDLOCK}",
            outer.describe(),
            e
        ),
    }
}

/// `Some(message)` when a filter around caprun refuses the namespaces `policy` makes
/// (probed without unsharing anything: `sys::unshare_refused`).
pub fn namespaces_refused(policy: &Policy) -> Option<String> {
    let flags = policy
        .namespaces
        .iter()
        .fold(0, |f, ns| f | ns.clone_flag());
    if flags == 0 {
        return None;
    }
    let errno = crate::sys::unshare_refused(flags)?;
    Some(namespaces_message(policy, errno, &Outer::probe()))
}

fn namespaces_message(policy: &Policy, errno: Errno, outer: &Outer) -> String {
    let names: Vec<&str> = policy.namespaces.iter().map(|n| n.name()).collect();
    format!(
        "{}, which refused unshare ({:?}): policy `{}` makes {} namespaces, and a sandbox inside a sandbox needs the outer layer's leave for them (systemd-nspawn: --private-users --system-call-filter='@mount unshare'; a container: a seccomp profile that allows unshare, clone and mount); under an outer Landlock domain mounts stay refused. A policy without namespaces stacks on the outer sandbox instead: --policy unprivileged (Landlock and seccomp only, when the outer layer allows them)",
        outer.describe(),
        errno,
        policy.name,
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_says_whether_a_filter_is_on() {
        assert_eq!(seccomp_of_status("Name:\tx\nSeccomp:\t0\n"), None);
        assert_eq!(
            seccomp_of_status("Seccomp:\t2\nSeccomp_filters:\t3\n"),
            Some(Some(3))
        );
        assert_eq!(seccomp_of_status("Seccomp:\t2\n"), Some(None));
        assert_eq!(seccomp_of_status(""), None);
    }

    #[test]
    fn messages_name_the_outer_layer_and_never_policy_none() {
        let nested = Outer {
            seccomp: Some(Some(2)),
            caprun: true,
        };
        let m = landlock_absence(Errno::EPERM, "devtools", &nested);
        assert!(m.starts_with("caprun runs inside another sandbox (caprun's: PID 1 is caprun-init; 2 seccomp filters on this process"), "{m}");
        assert!(m.contains("refused landlock_create_ruleset (EPERM)"), "{m}");
        assert!(m.contains("systemd-nspawn: --system-call-filter="), "{m}");
        // The kernel says ENOSYS, but a filter may answer so too.
        let m = landlock_absence(Errno::ENOSYS, "strict", &nested);
        assert!(m.starts_with("caprun runs inside another sandbox"), "{m}");
        let bare = Outer::default();
        let m = landlock_absence(Errno::ENOSYS, "strict", &bare);
        assert!(m.contains("built without it"), "{m}");
        let m = landlock_absence(Errno::EOPNOTSUPP, "strict", &bare);
        assert!(m.contains("lsm="), "{m}");
        let p = super::super::policy::load("devtools").unwrap();
        let m = namespaces_message(&p, Errno::EPERM, &nested);
        assert!(m.contains("makes user, mount"), "{m}");
        assert!(m.contains("--policy unprivileged"), "{m}");
        for m in [
            m,
            landlock_absence(Errno::EPERM, "devtools", &nested),
            landlock_absence(Errno::ENOSYS, "strict", &bare),
            landlock_absence(Errno::EOPNOTSUPP, "strict", &bare),
        ] {
            assert!(!m.contains("policy none"), "{m}");
        }
    }
}
