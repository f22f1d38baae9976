//! What the sandbox grants the program, derived from what was opened for it: Landlock
//! rules on every file and directory, binds for those an `!exec` reaches by path, the
//! working directory and the program itself.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use crate::config::{AccessMode, ResourceId};
use crate::plan::Plan;
use crate::resources::{
    Description, EtcEntry, Handle, InheritedFile, Program, ResourceError, Resources,
};
use crate::sandbox::policy::Namespace;
use crate::sandbox::{Access, ExtraBind, Grant, Grants, Policy, RootedGrant};

/// The grants for `program` run with `plan` over `opened` (the identity and staging
/// directory left at their defaults).
///
/// Landlock: every file and directory opened. Those an `!exec` reaches by path may also
/// be executed from (build products, toolchains); descriptors may not.
///
/// `inherited`: the inherited files the program gets ([`crate::resources::inherited_files`]),
/// which it may open again by `/proc/self/fd/N` with the access they were opened with.
pub(super) fn grants<'a>(
    opened: &'a Resources,
    inherited: &'a [InheritedFile],
    plan: &Plan,
    program: &'a Program,
) -> Grants<'a> {
    let by_path = |id: ResourceId| plan.paths.iter().any(|g| g.id == id);
    Grants {
        files: inherited
            .iter()
            .map(|f| Grant {
                fd: f.fd.as_fd(),
                access: access(f.mode, false),
                is_dir: false,
            })
            .chain(
                opened
                    .iter()
                    .filter_map(|(id, o)| match (&o.handle, &o.description) {
                        (
                            Handle::Owned(fd),
                            Description::File {
                                mode, directory, ..
                            },
                        ) => Some(Grant {
                            fd: fd.as_fd(),
                            access: access(*mode, by_path(id)),
                            is_dir: *directory,
                        }),
                        _ => None,
                    }),
            )
            .collect(),
        binds: plan
            .paths
            .iter()
            .map(|g| ExtraBind {
                fd: match &opened.get(g.id).handle {
                    Handle::Owned(fd) => Some(fd.as_fd()),
                    _ => None,
                },
                source: opened
                    .get(g.id)
                    .host_path()
                    .map(Path::to_owned)
                    .unwrap_or_default(),
                target: g.target.clone(),
                writable: matches!(
                    opened.get(g.id).description,
                    Description::File { mode, .. } if mode != AccessMode::Read
                ),
            })
            .collect(),
        cwd: plan.cwd.clone(),
        program: Some(program.fd.as_fd()),
        run_as: None,
        staging: None,
        // The descriptors the program gets that are rooted in a clone of their mount:
        // every directory, so that `..` cannot leave it, and every file granted
        // read-only. Those an `!exec` also reaches by path too: the bind covers the
        // path, not the descriptor.
        rooted: plan
            .table
            .iter()
            .filter_map(|&id| {
                let o = opened.get(id);
                match (&o.handle, &o.description) {
                    (
                        Handle::Owned(fd),
                        Description::File {
                            mode, directory, ..
                        },
                    ) if *directory || *mode == AccessMode::Read => Some(RootedGrant {
                        fd: fd.as_fd(),
                        path: o.host_path()?.to_owned(),
                        writable: *mode != AccessMode::Read,
                    }),
                    _ => None,
                }
            })
            .collect(),
    }
}

/// Add the host's `/dev/tty` (`tty`, from [`crate::resources::terminal_device`]) to
/// `grants`: bound at `/dev/tty`, read-write with the terminal ioctls (seccomp refuses
/// TIOCSTI and TIOCLINUX), unless the caller granted it already.
pub(super) fn add_terminal<'a>(grants: &mut Grants<'a>, tty: &'a OwnedFd) {
    let target = Path::new("/dev/tty");
    if grants.binds.iter().any(|b| b.target == target) {
        return;
    }
    grants.files.push(Grant {
        fd: tty.as_fd(),
        access: Access::ReadWrite,
        is_dir: false,
    });
    grants.binds.push(ExtraBind {
        fd: Some(tty.as_fd()),
        source: target.to_owned(),
        target: target.to_owned(),
        writable: true,
    });
}

/// Add the `/etc` entries toolchains link to (`root.toolchain-etc`) to `grants`: bound
/// read-only at their own paths, readable under Landlock. Bound before the caller's
/// binds, so that a grant beneath one of them is mounted on top of it, not hidden.
pub(super) fn add_toolchain_etc<'a>(grants: &mut Grants<'a>, entries: &'a [EtcEntry]) {
    for e in entries {
        grants.files.push(Grant {
            fd: e.fd.as_fd(),
            access: Access::Read,
            is_dir: e.is_dir,
        });
    }
    let binds = entries.iter().map(|e| ExtraBind {
        fd: Some(e.fd.as_fd()),
        source: e.path.clone(),
        target: e.path.clone(),
        writable: false,
    });
    grants.binds.splice(0..0, binds);
}

/// Without a mount namespace, a grant beneath a directory granted more would get the
/// directory's rights too (Landlock adds up the rules on a path): refuse that, naming
/// both. With one, the binds decide (the inner one is mounted on top of the outer one,
/// with its own flags; see `sandbox::namespaces`), and a descriptor grant beneath a
/// directory is only reachable by path through the directory, as the directory allows.
pub(super) fn check_nesting(
    opened: &Resources,
    plan: &Plan,
    policy: &Policy,
) -> Result<(), super::error::Error> {
    if policy.has(Namespace::Mount) || policy.landlock == crate::sandbox::policy::LandlockMode::Off
    {
        return Ok(());
    }
    let by_path = |id: ResourceId| plan.paths.iter().any(|g| g.id == id);
    let granted: Vec<(&Path, Access, bool, AccessMode)> = opened
        .iter()
        .filter_map(|(id, o)| match &o.description {
            Description::File {
                mode, directory, ..
            } => Some((
                o.host_path()?,
                access(*mode, by_path(id)),
                *directory,
                *mode,
            )),
            _ => None,
        })
        .collect();
    for &(outer, outer_access, outer_dir, outer_mode) in &granted {
        if !outer_dir {
            continue;
        }
        for &(inner, inner_access, inner_dir, inner_mode) in &granted {
            if inner == outer && inner_access == outer_access || !inner.starts_with(outer) {
                continue;
            }
            if crate::sandbox::landlock_rules::adds_beneath(outer_access, inner_access, inner_dir) {
                return Err(super::error::Error::NestedGrant(Box::new(
                    super::error::NestedGrant {
                        inner: inner.to_owned(),
                        inner_mode: mode_name(inner_mode),
                        outer: outer.to_owned(),
                        outer_mode: mode_name(outer_mode),
                        policy: policy.name.clone(),
                    },
                )));
            }
        }
    }
    Ok(())
}

/// Without a mount namespace a directory descriptor cannot be rooted: it is the host's
/// own, and `..` from it reaches the host's tree (what a read-only one reaches there is
/// metadata, which Landlock does not mediate; a writable one adds, for root, chmod and
/// utime of host files through the same `..`). Refuse a writable directory descriptor
/// then, at its tag, unless the policy accepts it (`host-writable-dirs`).
pub(super) fn check_unrooted(
    config: &crate::config::Config,
    opened: &Resources,
    plan: &Plan,
    policy: &Policy,
) -> Result<(), ResourceError> {
    if policy.has(Namespace::Mount) || policy.host_writable_dirs {
        return Ok(());
    }
    for &id in &plan.table {
        let o = opened.get(id);
        if let Description::File {
            mode,
            directory: true,
            ..
        } = o.description
        {
            if mode != AccessMode::Read {
                return Err(ResourceError::At {
                    pos: config.resource(id).pos,
                    message: format!(
                        "{} is granted {} as a descriptor, and policy {} has no mount namespace to root it in: its `..` would reach the host's tree (fstatat, connect to UNIX sockets, and, for root, chmod and utime of host files; see caprun-policy(5)): use a policy with a mount namespace (strict, default or devtools), reach it by path (`paths:`), or accept that with `host-writable-dirs: true` in a policy file",
                        o.host_path().unwrap_or(Path::new("")).display(),
                        mode_name(mode),
                        policy.name
                    ),
                });
            }
        }
    }
    Ok(())
}

fn mode_name(mode: AccessMode) -> &'static str {
    match mode {
        AccessMode::Read => "read-only",
        AccessMode::Write => "write-only",
        AccessMode::ReadWrite => "read-write",
        AccessMode::Append => "append-only",
    }
}

/// The Landlock access for a file opened with `mode`, which the program may execute
/// from when `executable`.
fn access(mode: AccessMode, executable: bool) -> Access {
    match (mode, executable) {
        (AccessMode::Read, false) => Access::Read,
        (AccessMode::Read, true) => Access::ReadExecute,
        (AccessMode::Write, _) => Access::Write,
        (AccessMode::ReadWrite, false) => Access::ReadWrite,
        (AccessMode::ReadWrite, true) => Access::ReadWriteExecute,
        (AccessMode::Append, _) => Access::Append,
    }
}

/// The path a `#!` script PROGRAM is executed by inside the sandbox (`None`: an ELF
/// program, executed by descriptor), with the script and its interpreter checked to be
/// there before anything irreversible, rather than failing the exec with a bare ENOENT.
///
/// Without a mount namespace the host's paths are the sandbox's: Landlock grants the
/// script itself (as it does any PROGRAM), and its interpreter must be granted. With one,
/// both must be bound, and the script is executed by the path it was given when a bind
/// holds that path, else by its canonical path. (The policy's binds are Landlock rules
/// in either case.)
pub(super) fn script_exec_path(
    program: &Program,
    policy: &Policy,
    grants: &Grants<'_>,
) -> Result<Option<std::path::PathBuf>, ResourceError> {
    let Some(script) = &program.script else {
        return Ok(None);
    };
    if let Some(sp) = &policy.seccomp {
        crate::sandbox::policy::final_exec_by_path(sp).map_err(|reason| {
            ResourceError::ProgramNotExecutable {
                path: program.path.clone(),
                reason: format!("is a #! script, and {reason}"),
            }
        })?;
    }
    let mount = policy.has(Namespace::Mount);
    if !mount && policy.landlock == crate::sandbox::policy::LandlockMode::Off {
        return Ok(Some(script.path.clone()));
    }
    let inside = |p: &Path| binds(policy, grants).any(|(host, _)| p.starts_with(host));
    let interpreter =
        std::fs::canonicalize(&script.interpreter).unwrap_or_else(|_| script.interpreter.clone());
    if !inside(&interpreter) {
        return Err(ResourceError::ScriptInterpreter {
            path: program.path.clone(),
            interpreter: script.interpreter.clone(),
            reason: format!(
                "is not inside the sandbox of policy {}: grant it (--ro {}), or use a policy that provides it (devtools)",
                policy.name,
                interpreter.display()
            ),
        });
    }
    if !mount {
        return Ok(Some(script.path.clone()));
    }
    if !inside(&script.canonical) {
        return Err(ResourceError::ProgramNotExecutable {
            path: program.path.clone(),
            reason: format!(
                "is a #! script, which runs by path inside the sandbox, and policy {} does not give {}: grant it (a read-only `paths:` entry, or --ro)",
                policy.name,
                script.canonical.display()
            ),
        });
    }
    let held = binds(policy, grants).any(|(_, inner)| script.path.starts_with(inner));
    Ok(Some(if held {
        script.path.clone()
    } else {
        script.canonical.clone()
    }))
}

/// Every bind of the policy and of the grants, as (host path, path inside the sandbox).
fn binds<'a>(
    policy: &'a Policy,
    grants: &'a Grants<'_>,
) -> impl Iterator<Item = (&'a Path, &'a Path)> {
    let policy_binds = policy.binds.iter().map(|b| (&*b.source, &*b.target));
    policy_binds.chain(grants.binds.iter().map(|b| (&*b.source, &*b.target)))
}

/// A dynamically linked program needs its ELF interpreter inside the new root: say so
/// before anything irreversible, rather than failing the exec with a bare ENOENT.
pub(super) fn check_interpreter(
    program: &Program,
    policy: &Policy,
    grants: &Grants<'_>,
) -> Result<(), ResourceError> {
    if !policy.has(Namespace::Mount) {
        return Ok(());
    }
    let Some(interp) = program.interpreter() else {
        return Ok(());
    };
    if binds(policy, grants).any(|(host, _)| interp.starts_with(host)) {
        return Ok(());
    }
    Err(ResourceError::ProgramNotExecutable {
        path: program.path.clone(),
        reason: format!(
            "dynamically linked (interpreter {}), which policy {} does not provide: use --policy default or devtools, or link it statically",
            interp.display(),
            policy.name
        ),
    })
}
