//! What the sandbox grants the program, derived from what was opened for it: Landlock
//! rules on every file and directory, binds for those an `!exec` reaches by path, the
//! working directory and the program itself.

use std::os::fd::AsFd;
use std::path::Path;

use crate::config::{AccessMode, ResourceId};
use crate::plan::Plan;
use crate::resources::{Description, Handle, Program, ResourceError, Resources};
use crate::sandbox::policy::Namespace;
use crate::sandbox::{Access, ExtraBind, Grant, Grants, Policy};

/// The grants for `program` run with `plan` over `opened` (the identity and staging
/// directory left at their defaults).
///
/// Landlock: every file and directory opened. Those an `!exec` reaches by path may also
/// be executed from (build products, toolchains); descriptors may not.
pub(super) fn grants<'a>(opened: &'a Resources, plan: &Plan, program: &'a Program) -> Grants<'a> {
    let by_path = |id: ResourceId| plan.paths.iter().any(|g| g.id == id);
    Grants {
        files: opened
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
            })
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
    let covered = policy
        .binds
        .iter()
        .map(|b| &b.source)
        .chain(grants.binds.iter().map(|b| &b.source))
        .any(|dir| interp.starts_with(dir));
    if covered {
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
