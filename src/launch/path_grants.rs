//! The path report's side of a launch (`--explain-denials`, `--learn`, and the hint of
//! a failed command-line launch): what the sandbox gives by path, the host's files a
//! learning run may read, and the paths caprun knows the program lacks.

use std::path::{Path, PathBuf};

use std::os::fd::{AsRawFd, RawFd};

use crate::plan::Plan;
use crate::sandbox::notify::paths::{PathGrant, PathGrants};
use crate::sandbox::policy::{Bind, LandlockMode, Namespace};
use crate::sandbox::{Access, Grants, Policy};

/// Top-level host directories a learning run does not bind: the sandbox's own
/// (`/proc`, `/sys`, `/dev`), the policy's fresh `/tmp`, and `/run` (services' sockets:
/// a read-only mount does not stop a `connect`).
const NOT_FOR_LEARNING: &[&str] = &["proc", "sys", "dev", "tmp", "run"];

/// What the sandbox of `policy` (its first `base_binds` binds: those of the policy as
/// named, not a learning run's additions) with `grants` gives by path, as the program
/// sees it. Taken from the grants as the sandbox receives them, so that every grant is
/// counted whichever step added it.
pub(super) fn path_grants(policy: &Policy, base_binds: usize, grants: &Grants<'_>) -> PathGrants {
    let mount = policy.has(Namespace::Mount);
    let mut by_path: Vec<PathGrant> = policy.binds[..base_binds.min(policy.binds.len())]
        .iter()
        .map(|b| PathGrant {
            path: if mount {
                b.target.clone()
            } else {
                b.source.clone()
            },
            write: b.device,
            fresh: false,
        })
        .collect();
    by_path.extend(policy.tmpfs.iter().map(|t| PathGrant {
        path: t.clone(),
        write: true,
        fresh: true,
    }));
    if mount {
        // Only what is bound is reachable by path (descriptors are not).
        by_path.extend(grants.binds.iter().map(|b| PathGrant {
            path: b.target.clone(),
            write: b.writable,
            fresh: false,
        }));
    } else {
        // Landlock's rules are on the descriptors: their paths on the host.
        by_path.extend(grants.files.iter().filter_map(|g| {
            Some(PathGrant {
                path: fd_path(g.fd.as_raw_fd())?,
                write: !matches!(g.access, Access::Read | Access::ReadExecute),
                fresh: false,
            })
        }));
    }
    // PROGRAM: a Landlock rule on its descriptor; with a mount namespace it is executed
    // by that descriptor and is not there by path unless bound.
    by_path.extend(
        grants
            .program
            .filter(|_| !mount)
            .and_then(|fd| fd_path(fd.as_raw_fd()))
            .map(|path| PathGrant {
                path,
                write: false,
                fresh: false,
            }),
    );
    PathGrants {
        grants: by_path,
        links: if mount {
            policy.symlinks.iter().map(|l| l.link.clone()).collect()
        } else {
            Vec::new()
        },
        restricted: mount || policy.landlock != LandlockMode::Off,
        mount_namespace: mount,
    }
}

/// The path a descriptor of caprun's was opened at (its `/proc/self/fd` link), when it
/// is one.
fn fd_path(fd: RawFd) -> Option<PathBuf> {
    let path = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    path.is_absolute().then_some(path)
}

/// A learning run of the command-line form lets the program read the host's files:
/// every top-level directory of the host's `/` that the policy does not provide itself
/// is added to `policy`'s binds (read-only; Landlock read and execute beneath), but
/// those of [`NOT_FOR_LEARNING`]. Returns how many binds the policy had before (those
/// that [`path_grants`] counts as granted) and the directories added.
pub(super) fn widen_for_learning(policy: &mut Policy) -> (usize, Vec<PathBuf>) {
    let base = policy.binds.len();
    let Ok(entries) = std::fs::read_dir("/") else {
        return (base, Vec::new());
    };
    let mut added = Vec::new();
    let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let name = entry.file_name();
        let path = Path::new("/").join(&name);
        if NOT_FOR_LEARNING.iter().any(|n| name == *n)
            || !entry.file_type().is_ok_and(|t| t.is_dir())
            || policy.binds.iter().any(|b| b.target == path)
            || policy.tmpfs.iter().any(|t| t.starts_with(&path))
            || policy.symlinks.iter().any(|s| s.link.starts_with(&path))
        {
            continue;
        }
        policy.binds.push(Bind {
            source: path.clone(),
            target: path.clone(),
            optional: true,
            device: false,
        });
        added.push(path);
    }
    (base, added)
}

/// For the hint of a failed command-line launch: what caprun knows the program lacks
/// (caprun's working directory when the program does not start there, PROGRAM's own
/// directory when the
/// sandbox does not give it), each as a sentence. Only with a mount namespace (without
/// one the program sees the host's paths, as Landlock allows).
pub(super) fn known_missing(grants: &PathGrants, plan: &Plan, program: &Path) -> Vec<String> {
    let mut known = Vec::new();
    if !grants.mount_namespace {
        return known;
    }
    // Without a working directory of its own (`cwd:`, or caprun's when a grant holds
    // it) the program starts in `/`: caprun's was not given to it.
    if let Some(cwd) = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()
        .filter(|cwd| plan.cwd.is_none() && cwd != Path::new("/") && !grants.gives_host(cwd, false))
    {
        known.push(format!(
            "the working directory {} is not granted (--ro . or --rw .)",
            cwd.display()
        ));
    }
    if let Some(dir) = std::fs::canonicalize(program)
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
        .filter(|dir| !grants.gives_host(dir, false))
    {
        known.push(format!(
            "PROGRAM {} is not inside the sandbox's files: what lies beside it in {} is out of reach (--ro {})",
            program.display(),
            dir.display(),
            dir.display()
        ));
    }
    known
}

/// Tell the learner which of the host's directories its program may read (`widened`,
/// from [`widen_for_learning`]) and which not.
pub(super) fn announce_learning(widened: &[PathBuf], policy: &Policy) {
    if widened.is_empty() {
        return;
    }
    let list = |paths: &mut dyn Iterator<Item = &Path>| {
        paths
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut not: Vec<PathBuf> = policy
        .tmpfs
        .iter()
        .cloned()
        .chain(NOT_FOR_LEARNING.iter().map(|n| Path::new("/").join(n)))
        .collect();
    not.sort();
    not.dedup();
    eprintln!(
        "caprun: LEARNING MODE: the host's {} are readable (read-only) while learning, to learn which files the program reads (not the host's {}: what the program tries there is learned all the same)",
        list(&mut widened.iter().map(PathBuf::as_path)),
        list(&mut not.iter().map(PathBuf::as_path)),
    );
}
