//! `--check-host`: what this machine gives the sandbox, and what follows for each policy.
//!
//! The features are probed where that is cheap and harmless, in child processes
//! ([`crate::sys::probe`]): a user namespace with the namespaces the policies use, the
//! mounts and settings the sandbox makes in them, the PID namespace's own `pid_max`, a
//! seccomp filter with a listener answering a call. The Landlock ABI is the kernel's
//! answer to the version query; the rights and scopes it has follow from it (inferred),
//! as do the user namespace settings read from `/proc/sys`.
//!
//! A policy's verdict comes from the launch's own code, not from rules restated here:
//! [`sandbox::prepare`] decides what it decides on a host (a feature missing, Landlock
//! too old for what the policy relies on, a best-effort policy's differences), then
//! [`crate::exec::trial`] builds and enters the sandbox in a child process, as a launch
//! does, up to where the program would be executed (what is only found there: a user
//! namespace refused, the PID namespace's `pid_max`). A refusal is the message the
//! launch would print.

use std::ffi::{CStr, CString};

use crate::sandbox::policy::{LandlockMode, Namespace, Network, Policy};
use crate::sandbox::{self, builtins, landlock_abi, landlock_rules, namespaces, Grants, Identity};
use crate::sys::probe::{self, NsStep, SeccompStep, StepResult};

use super::error::{Error, Failure};
use super::sandboxed::{effective_policy, Sandboxed};

/// What `--check-host` is asked: plain data, like a [`super::Request`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostCheck {
    /// One policy (a built-in name or a policy file); `None`: every built-in.
    pub policy: Option<String>,
    /// The verdicts are for launches with `--net`.
    pub net: bool,
    /// ... with these `--limit NAME=VALUE` (`None`: unlimited).
    pub limits: Vec<(sandbox::policy::Limit, Option<u64>)>,
    /// ... with `--uid`/`--gid` (root only).
    pub identity: Option<Identity>,
}

/// Whether a fact was tried for real or follows from something read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// StepResult in a child process (or a system call answered).
    Probed,
    /// Follows from a setting, a version or another probe's answer.
    Inferred,
}

impl How {
    /// `probed` or `inferred`.
    pub fn name(self) -> &'static str {
        match self {
            How::Probed => "probed",
            How::Inferred => "inferred",
        }
    }
}

/// One kernel feature the sandbox uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// A stable identifier (`user_namespaces`, …).
    pub id: &'static str,
    /// What it is, for people.
    pub name: &'static str,
    /// Whether caprun can use it here.
    pub available: bool,
    /// Whether that was tried or inferred.
    pub how: How,
    /// What was tried and what came of it, or why it is missing.
    pub detail: String,
    /// The built-in policies (and options) that use it.
    pub used_by: UsedBy,
}

/// Who uses a [`Feature`]: built-in policies by name, or options, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsedBy {
    /// The built-in policies that use it, in the built-ins' order.
    pub policies: Vec<String>,
    /// The options that use it (`--explain-denials`).
    pub options: Vec<&'static str>,
    /// What for, when only part of what the feature gives is used (`their task limit
    /// when …`).
    pub purpose: Option<&'static str>,
}

impl UsedBy {
    /// As a phrase: `strict, default and devtools`, `--explain-denials and --learn`,
    /// `no built-in policy`; then `, for PURPOSE`.
    pub fn phrase(&self) -> String {
        let names: Vec<&str> = self
            .policies
            .iter()
            .map(String::as_str)
            .chain(self.options.iter().copied())
            .collect();
        let mut out = match names.as_slice() {
            [] => "no built-in policy".to_owned(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        };
        if let Some(p) = self.purpose {
            out.push_str(", for ");
            out.push_str(p);
        }
        out
    }
}

/// A kernel setting that can block user namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The sysctl's name.
    pub name: &'static str,
    /// Its value; `None`: this kernel does not have it.
    pub value: Option<String>,
}

/// What the kernel's Landlock offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandlockInfo {
    /// The ABI (0: no Landlock).
    pub abi: i32,
    /// The first Linux release with that ABI.
    pub linux: Option<&'static str>,
    /// The file-system access rights of the ABI (the kernel's names, lower case).
    pub fs_rights: Vec<String>,
    /// The network access rights.
    pub net_rights: Vec<String>,
    /// The scopes.
    pub scopes: Vec<String>,
}

/// Whether a policy runs here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Everything the policy asks for is enforced.
    RunsAsWritten,
    /// It runs, with these differences from what it says (a `best-effort` policy on a
    /// kernel without some of what it asks for): the launch's warnings.
    RunsWithDifferences(Vec<String>),
    /// A launch refuses to run it, or fails: the message it prints.
    Refused(String),
}

impl Verdict {
    /// `runs_as_written`, `runs_with_differences` or `refused`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::RunsAsWritten => "runs_as_written",
            Verdict::RunsWithDifferences(_) => "runs_with_differences",
            Verdict::Refused(_) => "refused",
        }
    }
}

/// A verdict, and whether the sandbox was built to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The verdict.
    pub verdict: Verdict,
    /// The sandbox was built and entered in a child process ([`crate::exec::trial`]);
    /// false when the launch's checks refused it before.
    pub built: bool,
}

/// The verdicts for one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVerdict {
    /// The policy as named.
    pub policy: String,
    /// With the options asked for (none: as written).
    pub verdict: Check,
    /// The same with `--net` added, when the options do not have it already and the
    /// policy does not use the host's network anyway.
    pub with_net: Option<Check>,
}

/// Everything `--check-host` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostReport {
    /// caprun's version.
    pub version: &'static str,
    /// The kernel's release (`uname -r`).
    pub kernel: String,
    /// caprun's effective user id.
    pub euid: u32,
    /// caprun runs in the host's user namespace (its `uid_map` maps every id to itself);
    /// false: inside a container or sandbox with a user namespace of its own, where
    /// its root is root there only.
    pub initial_user_namespace: bool,
    /// The options the verdicts are for, as written on the command line.
    pub options: Vec<String>,
    /// The features, in the order of the report.
    pub features: Vec<Feature>,
    /// The settings that can block user namespaces (not for root).
    pub userns_settings: Vec<Setting>,
    /// Landlock.
    pub landlock: LandlockInfo,
    /// The verdicts: every built-in policy, or the one asked for.
    pub policies: Vec<PolicyVerdict>,
}

impl HostReport {
    /// caprun runs as root.
    pub fn root(&self) -> bool {
        self.euid == 0
    }

    /// Every policy checked runs as written (with the options asked for).
    pub fn all_run_as_written(&self) -> bool {
        self.policies
            .iter()
            .all(|p| p.verdict.verdict == Verdict::RunsAsWritten)
    }

    /// The exit status of `--check-host`: 0 when every policy checked runs as written,
    /// else 1.
    pub fn exit_code(&self) -> i32 {
        if self.all_run_as_written() {
            0
        } else {
            1
        }
    }
}

/// The sysctls that can keep an unprivileged caller from user namespaces (none applies
/// to root; [`namespaces::userns_blocked`] says which blocks).
const USERNS_SETTINGS: [&str; 3] = [
    "kernel.unprivileged_userns_clone",
    "user.max_user_namespaces",
    "kernel.apparmor_restrict_unprivileged_userns",
];

/// The task limit the namespace probe writes to `pid_max` (as `strict`'s limit would be
/// written: 1024 tasks and the kernel's 300 reserved pids).
const PROBE_PID_MAX: &CStr = c"1324";

/// Probe this machine and judge the policies `check` names. The process must have one
/// thread (the trials fork and may allocate in the child). A policy file that cannot be
/// loaded is a [`Failure`] (exit 125), as for a launch.
pub fn check_host(check: &HostCheck) -> Result<HostReport, Failure> {
    let names: Vec<String> = match &check.policy {
        Some(name) => vec![name.clone()],
        None => builtins::names().iter().map(|&n| n.to_owned()).collect(),
    };
    // Loaded first: a policy file with an error stops the check before anything runs.
    let policies = names
        .iter()
        .map(|name| sandbox::load(name).map_err(|e| Failure::new(e.into(), None)))
        .collect::<Result<Vec<_>, _>>()?;
    let verdicts = names
        .iter()
        .zip(&policies)
        .map(|(name, policy)| policy_verdict(name, policy, check))
        .collect();
    let builtins: Vec<Policy> = builtins::names()
        .iter()
        .filter_map(|n| builtins::policy(n))
        .collect();
    let (features, landlock) = features(&builtins);
    Ok(HostReport {
        version: env!("CARGO_PKG_VERSION"),
        kernel: kernel_release(),
        euid: crate::sys::ids::geteuid(),
        initial_user_namespace: in_initial_user_namespace(),
        options: options(check),
        features,
        userns_settings: userns_settings(),
        landlock,
        policies: verdicts,
    })
}

/// The verdicts for `policy`, loaded as `name`: with `check`'s options, and with `--net`
/// added when that changes something (not asked for already, and the policy does not
/// use the host's network anyway).
fn policy_verdict(name: &str, policy: &Policy, check: &HostCheck) -> PolicyVerdict {
    PolicyVerdict {
        policy: name.to_owned(),
        verdict: judge(name, check.net, check),
        with_net: (!check.net && policy.network != Network::Host).then(|| judge(name, true, check)),
    }
}

/// The kernel's release (`uname -r`), or `unknown`.
fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// Whether caprun runs in the host's user namespace: its `uid_map` maps every id to
/// itself (assumed when it cannot be read).
fn in_initial_user_namespace() -> bool {
    std::fs::read_to_string("/proc/self/uid_map")
        .map(|m| m.split_whitespace().eq(["0", "0", "4294967295"]))
        .unwrap_or(true)
}

/// The values of the [`USERNS_SETTINGS`] on this kernel.
fn userns_settings() -> Vec<Setting> {
    USERNS_SETTINGS
        .iter()
        .map(|&name| Setting {
            name,
            value: std::fs::read_to_string(format!("/proc/sys/{}", name.replace('.', "/")))
                .ok()
                .map(|v| v.trim().to_owned()),
        })
        .collect()
}

/// The options of `check` as the command line writes them.
fn options(check: &HostCheck) -> Vec<String> {
    let mut out = Vec::new();
    if check.net {
        out.push("--net".to_owned());
    }
    for (which, value) in &check.limits {
        let name = which.name();
        out.push(format!(
            "--limit {name}={}",
            sandbox::policy::Limits::render_value(name, *value)
        ));
    }
    if let Some(id) = check.identity {
        out.push(format!("--uid {} --gid {}", id.uid, id.gid));
    }
    out
}

/// The verdict for launching under policy `name` with `check`'s options (and `--net`
/// when `net`): the launch's checks and [`sandbox::prepare`], then a trial.
fn judge(name: &str, net: bool, check: &HostCheck) -> Check {
    let refused = |e: Error| Check {
        verdict: Verdict::Refused(e.to_string()),
        built: false,
    };
    let policy = match effective_policy(name, net, &check.limits, check.identity) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let grants = Grants {
        run_as: check.identity,
        ..Grants::default()
    };
    let prepared = match sandbox::prepare(&policy, &grants) {
        Ok(p) => p,
        Err(e) => return refused(e.into()),
    };
    let notes = prepared.shortfall().notes.clone();
    let pid_namespace = prepared.needs_fork();
    let mut sandboxed = Sandboxed {
        prepared,
        listener_program: None,
        truncate_by_path: Vec::new(),
    };
    let verdict = match crate::exec::trial(&mut sandboxed, pid_namespace) {
        Err(message) => Verdict::Refused(message),
        Ok(()) if notes.is_empty() => Verdict::RunsAsWritten,
        Ok(()) => Verdict::RunsWithDifferences(notes),
    };
    Check {
        verdict,
        built: true,
    }
}

/// The names of the `builtins` for which `uses` holds, using it for `purpose`.
fn used_by(
    builtins: &[Policy],
    uses: impl Fn(&Policy) -> bool,
    purpose: Option<&'static str>,
) -> UsedBy {
    UsedBy {
        policies: builtins
            .iter()
            .filter(|p| uses(p))
            .map(|p| p.name.clone())
            .collect(),
        options: Vec::new(),
        purpose,
    }
}

/// A feature from a probe's `outcome`: what was `tried`, and what it `needs` (a
/// feature not tried because that failed is inferred to be missing).
fn from_outcome(
    (id, name): (&'static str, &'static str),
    outcome: StepResult,
    tried: &str,
    needs: &str,
    used_by: UsedBy,
) -> Feature {
    let (how, detail) = match outcome {
        StepResult::Done => (How::Probed, tried.to_owned()),
        StepResult::Failed(e) => (How::Probed, format!("{tried}: {e}")),
        StepResult::NotTried => (How::Inferred, format!("not tried: it needs {needs}")),
    };
    Feature {
        id,
        name,
        available: outcome.done(),
        how,
        detail,
        used_by,
    }
}

/// Probe the features (see the module documentation), in the report's order; `builtins`
/// say which policy uses which.
fn features(builtins: &[Policy]) -> (Vec<Feature>, LandlockInfo) {
    let ns = NsProbed::run();
    let landlock = landlock_info(landlock_rules::running_abi());
    let mut out = vec![user_namespaces(&ns, builtins)];
    out.extend(policy_namespaces(&ns, builtins));
    out.extend(new_root(&ns, builtins));
    out.push(loopback(&ns, builtins));
    out.push(pid_max(&ns, builtins));
    out.push(landlock_feature(&landlock, builtins));
    out.extend(seccomp(builtins));
    (out, landlock)
}

/// What the namespace probe answered: each step's result, or why the probe could not
/// run at all.
struct NsProbed(Result<probe::NsOutcomes, nix::errno::Errno>);

impl NsProbed {
    /// Run the probe in a child process: a user namespace mapping the caller's own ids
    /// as the sandbox does, the namespaces in it, the mounts and settings made there.
    fn run() -> Self {
        let euid = crate::sys::ids::geteuid();
        let egid = crate::sys::ids::getegid();
        // The maps the sandbox writes for the caller's own ids.
        let uid_map = CString::new(format!("{euid} {euid} 1\n")).expect("digits");
        let gid_map = CString::new(format!("{egid} {egid} 1\n")).expect("digits");
        NsProbed(probe::namespaces(&probe::NsProbe {
            clear_groups: euid == 0 && crate::sys::ids::setgroups_allowed(),
            uid_map: &uid_map,
            gid_map: &gid_map,
            pid_max: PROBE_PID_MAX,
        }))
    }

    /// The result of step `s`. A probe that could not run at all (no fork, no socket)
    /// tried nothing past its start.
    fn step(&self, s: NsStep) -> StepResult {
        match &self.0 {
            Ok(ns) => ns.get(s),
            Err(e) if s == NsStep::User => StepResult::Failed(*e),
            Err(_) => StepResult::NotTried,
        }
    }
}

/// The built-in policies that make namespace `ns`.
fn making(builtins: &[Policy], ns: Namespace) -> UsedBy {
    used_by(builtins, move |p: &Policy| p.has(ns), None)
}

/// What every namespace but the user namespace is tried in.
const NEEDS_USER: &str = "user namespaces";

/// User namespaces: one made and the caller's ids mapped into it, and the setting that
/// blocks them, if one does.
fn user_namespaces(ns: &NsProbed, builtins: &[Policy]) -> Feature {
    let id = ("user_namespaces", "user namespaces");
    let mut user = match (ns.step(NsStep::User), ns.step(NsStep::Maps)) {
        (StepResult::Failed(e), _) => from_outcome(
            id,
            StepResult::Failed(e),
            if ns.0.is_ok() {
                "unshare(CLONE_NEWUSER) in a child process"
            } else {
                "the probe's child process"
            },
            "",
            making(builtins, Namespace::User),
        ),
        (_, maps) => from_outcome(
            id,
            maps,
            "one created in a child process, caprun's ids mapped into it",
            "",
            making(builtins, Namespace::User),
        ),
    };
    if let Some(block) = namespaces::userns_blocked() {
        user.detail = format!("{} (blocked by {block})", user.detail);
    }
    user
}

/// The other namespaces the policies make, each in the user namespace (the UTS
/// namespace with its hostname set).
fn policy_namespaces(ns: &NsProbed, builtins: &[Policy]) -> Vec<Feature> {
    let mut out: Vec<Feature> = [
        (
            ("mount_namespace", "mount namespace"),
            NsStep::Mount,
            "unshare(CLONE_NEWNS) in the user namespace",
            Namespace::Mount,
        ),
        (
            ("network_namespace", "network namespace"),
            NsStep::Network,
            "unshare(CLONE_NEWNET) in the user namespace",
            Namespace::Network,
        ),
        (
            ("pid_namespace", "PID namespace"),
            NsStep::Pid,
            "unshare(CLONE_NEWPID) in the user namespace, its init forked",
            Namespace::Pid,
        ),
        (
            ("ipc_namespace", "IPC namespace"),
            NsStep::Ipc,
            "unshare(CLONE_NEWIPC) in the user namespace",
            Namespace::Ipc,
        ),
        (
            ("cgroup_namespace", "cgroup namespace"),
            NsStep::Cgroup,
            "unshare(CLONE_NEWCGROUP) in the user namespace",
            Namespace::Cgroup,
        ),
    ]
    .into_iter()
    .map(|(id, s, tried, which)| {
        from_outcome(id, ns.step(s), tried, NEEDS_USER, making(builtins, which))
    })
    .collect();
    let uts = match ns.step(NsStep::Uts) {
        StepResult::Done => ns.step(NsStep::Hostname),
        other => other,
    };
    out.push(from_outcome(
        ("uts_namespace", "UTS namespace"),
        uts,
        "unshare(CLONE_NEWUTS) in the user namespace, its hostname set",
        NEEDS_USER,
        making(builtins, Namespace::Uts),
    ));
    out
}

/// The new root in the mount namespace: a tmpfs, read-only binds into it, `pivot_root`
/// and a procfs of the PID namespace.
fn new_root(ns: &NsProbed, builtins: &[Policy]) -> Vec<Feature> {
    vec![
        from_outcome(
            ("tmpfs", "a tmpfs as the new root"),
            ns.step(NsStep::Tmpfs),
            "mounted in the mount namespace",
            "a mount namespace",
            making(builtins, Namespace::Mount),
        ),
        from_outcome(
            (
                "detached_binds",
                "read-only binds (open_tree, mount_setattr, move_mount; Linux 5.12)",
            ),
            ns.step(NsStep::DetachedBind),
            "/dev/null cloned, made read-only and attached in the new root",
            "a mount namespace",
            used_by(
                builtins,
                |p| p.has(Namespace::Mount) && !p.binds.is_empty(),
                None,
            ),
        ),
        from_outcome(
            ("pivot_root", "pivot_root into the new root"),
            ns.step(NsStep::PivotRoot),
            "done, the old root detached",
            "a mount namespace and a tmpfs",
            making(builtins, Namespace::Mount),
        ),
        from_outcome(
            ("procfs", "a fresh procfs of the PID namespace (root.proc)"),
            ns.step(NsStep::Proc),
            "mounted read-only in the new root",
            "a mount namespace, a tmpfs and a PID namespace",
            used_by(builtins, |p| p.proc, None),
        ),
    ]
}

/// The network namespace's loopback interface, brought up (`network: loopback`).
fn loopback(ns: &NsProbed, builtins: &[Policy]) -> Feature {
    from_outcome(
        (
            "loopback",
            "the loopback interface of a network namespace (network: loopback)",
        ),
        ns.step(NsStep::Loopback),
        "brought up",
        "a network namespace",
        used_by(builtins, |p| p.network == Network::Loopback, None),
    )
}

/// The PID namespace's own `pid_max`, written from inside it (a task limit for a
/// sandbox that runs as the host's root).
fn pid_max(ns: &NsProbed, builtins: &[Policy]) -> Feature {
    from_outcome(
        (
            "pid_max",
            "a pid_max of the PID namespace's own (Linux 6.14)",
        ),
        ns.step(NsStep::PidMax),
        "written from inside a new PID namespace",
        "a PID namespace",
        used_by(
            builtins,
            |p| p.limits.tasks.is_some() && p.has(Namespace::Pid),
            Some("their task limit when the sandbox runs as the host's root"),
        ),
    )
}

/// Landlock: the kernel's answer to the version query, and why it has none when the
/// query fails.
fn landlock_feature(landlock: &LandlockInfo, builtins: &[Policy]) -> Feature {
    let abi = landlock.abi;
    Feature {
        id: "landlock",
        name: "Landlock",
        available: abi >= 1,
        how: How::Probed,
        detail: match (landlock.linux, crate::sys::landlock::abi_version()) {
            (Some(linux), _) => format!("ABI {abi} (Linux {linux} or later)"),
            (None, Ok(_)) => format!("ABI {abi} (newer than this caprun knows)"),
            (None, Err(e @ nix::errno::Errno::EOPNOTSUPP)) => format!(
                "the version query failed ({e}): Landlock is built in but not enabled (add landlock to the kernel's lsm= parameter)"
            ),
            (None, Err(e @ nix::errno::Errno::ENOSYS)) => format!(
                "the version query failed ({e}): the kernel has no Landlock (Linux 5.13 or later built with it)"
            ),
            (None, Err(e)) => format!("the version query failed ({e})"),
        },
        used_by: used_by(builtins, |p| p.landlock != LandlockMode::Off, None),
    }
}

/// Seccomp: a filter, and a listener answering a call, in a child process.
fn seccomp(builtins: &[Policy]) -> [Feature; 2] {
    let (filter, listener, notified) = match probe::seccomp_notify() {
        Ok(o) => (
            o.get(SeccompStep::Filter),
            o.get(SeccompStep::Listener),
            o.get(SeccompStep::Notification),
        ),
        Err(e) => (
            StepResult::Failed(e),
            StepResult::NotTried,
            StepResult::NotTried,
        ),
    };
    [
        seccomp_filters(filter, builtins),
        seccomp_notification(listener, notified),
    ]
}

/// Seccomp filters, from the probe's `filter` step, noting a filter caprun already runs
/// under.
fn seccomp_filters(filter: StepResult, builtins: &[Policy]) -> Feature {
    let mut seccomp = from_outcome(
        ("seccomp", "seccomp filters"),
        filter,
        "a filter installed in a child process",
        "",
        used_by(builtins, |p| p.seccomp.is_some(), None),
    );
    if crate::sys::seccomp::get_mode() == Ok(2) {
        seccomp
            .detail
            .push_str(" (caprun itself already runs under a seccomp filter)");
    }
    seccomp
}

/// Seccomp user notification, from the probe's `listener` and `notified` steps: a
/// listener refused because another supervisor has one, or a call answered from it.
fn seccomp_notification(listener: StepResult, notified: StepResult) -> Feature {
    let id = ("seccomp_user_notification", "seccomp user notification");
    let used = UsedBy {
        options: vec!["--explain-denials", "--learn"],
        ..UsedBy::default()
    };
    match (listener, notified) {
        (StepResult::Failed(nix::errno::Errno::EBUSY), _) => from_outcome(
            id,
            listener,
            "a filter with a listener (caprun already runs under a filter that has one: another supervisor's)",
            "",
            used,
        ),
        (StepResult::Done, notified) => from_outcome(
            id,
            notified,
            "a call routed to a listener and answered from there",
            "",
            used,
        ),
        (listener, _) => from_outcome(
            id,
            listener,
            "a filter with a listener",
            "seccomp filters",
            used,
        ),
    }
}

/// What Landlock ABI `abi` offers: its rights and scopes by their kernel names, from
/// the one table of ABIs (`sandbox::landlock_abi`; inferred from the ABI).
fn landlock_info(abi: i32) -> LandlockInfo {
    let (fs, net, scopes) = landlock_abi::rights_at(abi);
    let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
    LandlockInfo {
        abi,
        linux: landlock_abi::linux(abi),
        fs_rights: owned(fs),
        net_rights: owned(net),
        scopes: owned(scopes),
    }
}

#[cfg(test)]
mod tests {
    use nix::errno::Errno;

    use super::*;

    fn builtin_policies() -> Vec<Policy> {
        builtins::names()
            .iter()
            .filter_map(|n| builtins::policy(n))
            .collect()
    }

    /// A namespace probe that could not start: the user namespace carries the error,
    /// everything tried in it is inferred missing and names what it needs.
    #[test]
    fn a_probe_that_could_not_run_tried_nothing_past_its_start() {
        let builtins = builtin_policies();
        let ns = NsProbed(Err(Errno::EAGAIN));
        let user = user_namespaces(&ns, &builtins);
        assert!(!user.available);
        assert_eq!(user.how, How::Probed);
        assert!(
            user.detail.starts_with("the probe's child process: EAGAIN"),
            "{}",
            user.detail
        );
        let rest: Vec<Feature> = policy_namespaces(&ns, &builtins)
            .into_iter()
            .chain(new_root(&ns, &builtins))
            .chain([loopback(&ns, &builtins), pid_max(&ns, &builtins)])
            .collect();
        let ids: Vec<&str> = rest.iter().map(|f| f.id).collect();
        assert_eq!(
            ids,
            [
                "mount_namespace",
                "network_namespace",
                "pid_namespace",
                "ipc_namespace",
                "cgroup_namespace",
                "uts_namespace",
                "tmpfs",
                "detached_binds",
                "pivot_root",
                "procfs",
                "loopback",
                "pid_max"
            ]
        );
        for f in &rest {
            assert!(!f.available && f.how == How::Inferred, "{f:?}");
            assert!(f.detail.starts_with("not tried: it needs "), "{f:?}");
        }
        assert_eq!(rest[0].detail, "not tried: it needs user namespaces");
        assert_eq!(
            rest[9].detail,
            "not tried: it needs a mount namespace, a tmpfs and a PID namespace"
        );
    }

    /// The listener's outcomes: refused as busy (another supervisor's), a call
    /// answered or not, or no listener tried without a filter.
    #[test]
    fn seccomp_notification_says_which_step_failed() {
        let busy = seccomp_notification(StepResult::Failed(Errno::EBUSY), StepResult::NotTried);
        assert!(!busy.available);
        assert!(busy.detail.contains("another supervisor's"), "{busy:?}");
        let answered = seccomp_notification(StepResult::Done, StepResult::Done);
        assert!(answered.available);
        assert_eq!(
            answered.detail,
            "a call routed to a listener and answered from there"
        );
        let unanswered = seccomp_notification(StepResult::Done, StepResult::Failed(Errno::ENOSYS));
        assert!(!unanswered.available);
        assert!(unanswered.detail.contains("answered from there: ENOSYS"));
        let not_tried = seccomp_notification(StepResult::NotTried, StepResult::NotTried);
        assert_eq!(not_tried.detail, "not tried: it needs seccomp filters");
        assert_eq!(not_tried.used_by.phrase(), "--explain-denials and --learn");
    }
}
