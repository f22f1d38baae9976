//! The sandbox's side of a launch, shared by [`super::run`] and `--check-host`: the
//! policy a launch runs under, and the restrictions its final step applies.

use std::os::fd::RawFd;

use nix::errno::Errno;

use crate::exec::{Restrictions, StepError};
use crate::sandbox::policy::Limit;
use crate::sandbox::{self, Identity, SandboxError};

use super::error::Error;

/// The policy a launch with these options runs under: `name` (a built-in or a policy
/// file) loaded, `--net` and `--limit` applied, and the options checked as a launch
/// checks them (`--uid`/`--gid` need root, a task limit a user namespace).
pub fn effective_policy(
    name: &str,
    net: bool,
    limits: &[(Limit, Option<u64>)],
    identity: Option<Identity>,
) -> Result<sandbox::Policy, Error> {
    if identity.is_some() && crate::sys::ids::geteuid() != 0 {
        return Err(Error::Usage(
            "--uid and --gid choose the identity of a program started by root; caprun is not running as root".into(),
        ));
    }
    let mut policy = sandbox::load(name)?;
    if net {
        policy.allow_network();
    }
    for (which, value) in limits {
        match which {
            Limit::Sandbox(l) => policy.limits.set(*l, *value),
            // A resource limit: soft and hard.
            Limit::Resource(r) => {
                let v = value.unwrap_or(libc::RLIM_INFINITY);
                policy.rlimits.insert(*r, (v, v));
            }
        }
    }
    if policy.limits.tasks.is_some() && !policy.has(sandbox::policy::Namespace::User) {
        return Err(Error::Usage(format!(
            "--limit tasks: policy {} has no user namespace to count the sandbox's tasks in",
            policy.name
        )));
    }
    Ok(policy)
}

/// The sandbox's two steps inside the final launch step (and, for explain/learn, the
/// notifying seccomp program installed instead of the policy's).
pub(super) struct Sandboxed {
    pub(super) prepared: sandbox::Prepared,
    pub(super) listener_program: Option<sandbox::seccomp::BpfProgramOwned>,
    /// Files reached by path to truncate once the sandbox is entered (the last check
    /// that can fail before the program starts; the descriptors were opened for writing
    /// before it, so neither Landlock nor the dropped capabilities stand in the way).
    pub(super) truncate_by_path: Vec<RawFd>,
}

impl Restrictions for Sandboxed {
    type Error = SandboxError;
    fn unshare(&mut self) -> Result<(), SandboxError> {
        self.prepared.unshare()
    }
    fn setup_inside(&mut self) -> Result<(), StepError<'_>> {
        self.prepared.setup_inside()?;
        // After every check, as for the files passed as descriptors.
        for &fd in &self.truncate_by_path {
            crate::sys::truncate(fd)
                .map_err(|e| StepError::new("truncating a file reached by path", c"", e))?;
        }
        Ok(())
    }
    fn replacements(&self, place: &mut dyn FnMut(RawFd, RawFd)) {
        for (target, new) in self.prepared.replacements() {
            place(target, new);
        }
    }
    fn just_before_exec(&mut self) -> Result<(), Errno> {
        self.prepared.install_seccomp()
    }
    fn just_before_exec_with_listener(&mut self) -> Result<RawFd, Errno> {
        match &self.listener_program {
            Some(prog) => sandbox::seccomp::install_listener(prog),
            None => Err(Errno::EINVAL),
        }
    }
}

/// `--net-allow` (`cli`) and the policy's `network: {allow: […]}` applied to `policy`:
/// the allow list, empty when neither gives one (then nothing changes). With one, the
/// program keeps its own network namespace with its loopback (`network: loopback`) and
/// reaches the rest through the egress proxy only; `--net`, a policy with the host's
/// network or without a network namespace cannot have one.
pub fn egress_policy(
    policy: &mut sandbox::Policy,
    cli: &[String],
    net: bool,
) -> Result<crate::egress::AllowList, Error> {
    use crate::sandbox::policy::{Namespace, Network};
    if cli.is_empty() && policy.net_allow.is_empty() {
        return Ok(crate::egress::AllowList::default());
    }
    if net {
        let allow = if cli.is_empty() {
            format!("policy {}'s network: {{allow: […]}}", policy.name)
        } else {
            "--net-allow".to_owned()
        };
        return Err(Error::Usage(format!(
            "--net gives the program the host's whole network; {allow} lets it reach only the destinations named: give one or the other"
        )));
    }
    if policy.network == Network::Host {
        return Err(Error::Usage(format!(
            "--net-allow: policy {} gives the program the host's network (network: host); egress through the proxy needs a policy with its own network namespace",
            policy.name
        )));
    }
    if !policy.has(Namespace::Network) {
        return Err(Error::Usage(format!(
            "--net-allow: policy {} has no network namespace: the program would reach the host's network directly",
            policy.name
        )));
    }
    let mut entries = policy.net_allow.clone();
    for e in cli {
        if !entries.contains(e) {
            entries.push(e.clone());
        }
    }
    let allow =
        crate::egress::AllowList::parse(&entries).map_err(|e| Error::Usage(e.to_string()))?;
    // The program reaches the proxy over its own loopback.
    policy.network = Network::Loopback;
    policy.net_allow = entries;
    Ok(allow)
}
