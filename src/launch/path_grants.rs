//! The path report's side of a launch (`--explain-denials`, `--learn`, and the hint of
//! a failed command-line launch): what the sandbox gives by path, the host's files a
//! learning run may read, and the paths caprun knows the program lacks.

use std::path::{Path, PathBuf};

use crate::config::AccessMode;
use crate::plan::Plan;
use crate::resources::{Description, Resources};
use crate::sandbox::notify::paths::{PathGrant, PathGrants};
use crate::sandbox::policy::{Bind, LandlockMode, Namespace};
use crate::sandbox::Policy;

/// Top-level host directories a learning run does not bind: the sandbox's own
/// (`/proc`, `/sys`, `/dev`), the policy's fresh `/tmp`, and `/run` (services' sockets:
/// a read-only mount does not stop a `connect`).
const NOT_FOR_LEARNING: &[&str] = &["proc", "sys", "dev", "tmp", "run"];

/// What the sandbox of `policy` (its first `base_binds` binds: those of the policy as
/// named, not a learning run's additions) gives by path to `program` run with `plan`
/// over `opened`, as the program sees it.
pub(super) fn path_grants(
    policy: &Policy,
    base_binds: usize,
    opened: &Resources,
    plan: &Plan,
    program: &Path,
) -> PathGrants {
    let mount = policy.has(Namespace::Mount);
    let mut grants: Vec<PathGrant> = policy.binds[..base_binds.min(policy.binds.len())]
        .iter()
        .map(|b| PathGrant {
            path: b.target.clone(),
            write: b.device,
            fresh: false,
        })
        .collect();
    grants.extend(policy.tmpfs.iter().map(|t| PathGrant {
        path: t.clone(),
        write: true,
        fresh: true,
    }));
    let writable = |id| {
        matches!(
            opened.get(id).description,
            Description::File { mode, .. } if mode != AccessMode::Read
        )
    };
    if mount {
        // Only what an `!exec` reaches by path is inside (descriptors are not).
        grants.extend(plan.paths.iter().map(|g| PathGrant {
            path: g.target.clone(),
            write: writable(g.id),
            fresh: false,
        }));
    } else {
        grants.extend(opened.iter().filter_map(|(id, o)| {
            Some(PathGrant {
                path: o.host_path()?.to_owned(),
                write: writable(id),
                fresh: false,
            })
        }));
    }
    if let Ok(p) = std::fs::canonicalize(program) {
        grants.push(PathGrant {
            path: p,
            write: false,
            fresh: false,
        });
    }
    PathGrants {
        grants,
        links: if mount {
            policy.symlinks.iter().map(|l| l.link.clone()).collect()
        } else {
            Vec::new()
        },
        restricted: mount || policy.landlock != LandlockMode::Off,
        mount_namespace: mount,
    }
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
