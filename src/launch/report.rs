//! The `--dry-run` report: a planned launch as YAML.

use std::ffi::CString;

use crate::config::AccessMode;
use crate::plan::Plan;
use crate::resources::{Description, Resources};
use crate::yaml::quote;

fn mode_name(m: AccessMode) -> &'static str {
    match m {
        AccessMode::Read => "read",
        AccessMode::Write => "write",
        AccessMode::ReadWrite => "readwrite",
        AccessMode::Append => "append",
    }
}

/// The `--dry-run` report: the program, its argv and environment, the descriptor table
/// (what each of `opened` is) and the argdata tree (descriptors as `!fd N`), as one YAML
/// document.
///
/// `rooted`: the policy has a mount namespace, where every directory descriptor is
/// rooted in a clone of its mount. Without one, each directory descriptor says
/// `rooted: false`, and a last `warning:` line says what its `..` reaches.
pub(super) fn dry_run(
    plan: &Plan,
    program: &str,
    opened: &Resources,
    rooted: bool,
    net_allow: &[String],
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let strs = |v: &[CString]| {
        v.iter()
            .map(|s| quote(&s.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "program: {}", quote(program));
    let _ = writeln!(out, "argv: [{}]", strs(&plan.argv));
    let _ = writeln!(out, "env: [{}]", strs(&plan.env));
    if !net_allow.is_empty() {
        let allow: Vec<String> = net_allow.iter().map(|a| quote(a)).collect();
        let _ = writeln!(
            out,
            "net-allow: [{}]  # through the egress proxy at {}",
            allow.join(", "),
            crate::egress::PROXY_ADDR
        );
    }
    let _ = writeln!(out, "descriptors:");
    for (slot, &id) in plan.table.iter().enumerate() {
        let d = match &opened.get(id).description {
            Description::Inherited { fd } => format!("{{kind: inherited, fd: {fd}}}"),
            Description::Listen { name, fd } => {
                format!("{{kind: listen, name: {}, fd: {fd}}}", quote(name))
            }
            Description::File {
                path,
                mode,
                directory,
                created,
            } => format!(
                "{{kind: {}, path: {}, mode: {}{}{}}}",
                if *directory { "directory" } else { "file" },
                quote(&path.to_string_lossy()),
                mode_name(*mode),
                if *created { ", created: true" } else { "" },
                if *directory && !rooted {
                    ", rooted: false"
                } else {
                    ""
                }
            ),
            Description::Socket {
                kind,
                action,
                requested,
                address,
            } => format!(
                "{{kind: socket, type: {}, {}: {}, address: {}}}",
                format!("{kind:?}").to_lowercase(),
                format!("{action:?}").to_lowercase(),
                quote(requested),
                quote(address)
            ),
            Description::Executable { path } => {
                format!(
                    "{{kind: executable, path: {}}}",
                    quote(&path.to_string_lossy())
                )
            }
        };
        let _ = writeln!(out, "  {slot}: {d}");
    }
    let Some(argdata) = &plan.argdata else {
        if plan.table.is_empty() {
            // `descriptors:` with nothing under it would read as null.
            out.truncate(out.len() - "descriptors:\n".len());
            let _ = writeln!(out, "descriptors: {{}}");
        }
        render_paths(&mut out, plan, opened);
        unrooted_warning(&mut out, plan, opened, rooted);
        return out;
    };
    let _ = writeln!(
        out,
        "  {}: {{kind: argdata, bytes: {}}}",
        plan.argdata_fd(),
        plan.argdata_bytes.len()
    );
    render_paths(&mut out, plan, opened);
    let tree = argdata.to_yaml();
    let tree = tree.trim_end();
    if tree.contains('\n') || tree.starts_with("- ") || tree.starts_with("? ") {
        let _ = writeln!(out, "argdata:");
        for line in tree.lines() {
            let _ = writeln!(out, "  {line}");
        }
    } else {
        let _ = writeln!(out, "argdata: {tree}");
    }
    unrooted_warning(&mut out, plan, opened, rooted);
    out
}

/// The risk of directory descriptors that are not rooted (no mount namespace), as a
/// last line.
fn unrooted_warning(out: &mut String, plan: &Plan, opened: &Resources, rooted: bool) {
    use std::fmt::Write;
    let unrooted = plan.table.iter().any(|&id| {
        matches!(
            opened.get(id).description,
            Description::File {
                directory: true,
                ..
            }
        )
    });
    if unrooted && !rooted {
        let _ = writeln!(out, "warning: {}", quote(UNROOTED_RISK));
    }
}

/// What a directory descriptor that is not rooted reaches (caprun-policy(5)).
pub(super) const UNROOTED_RISK: &str = "the policy has no mount namespace: a directory descriptor is the host's own, and fstatat, readlinkat (and, when writable and allowed, connect to UNIX sockets, chmod, utime, xattrs) reach the host's files through its `..`";

/// The `paths:` and `cwd:` of an `!exec` launch.
fn render_paths(out: &mut String, plan: &Plan, opened: &Resources) {
    use std::fmt::Write;
    if !plan.paths.is_empty() {
        let _ = writeln!(out, "paths:");
        for g in &plan.paths {
            if let Description::File {
                path,
                mode,
                directory,
                ..
            } = &opened.get(g.id).description
            {
                let _ = writeln!(
                    out,
                    "  - {{at: {}, host: {}, kind: {}, mode: {}}}",
                    quote(&g.target.to_string_lossy()),
                    quote(&path.to_string_lossy()),
                    if *directory { "directory" } else { "file" },
                    mode_name(*mode)
                );
            }
        }
    }
    if let Some(cwd) = &plan.cwd {
        let _ = writeln!(out, "cwd: {}", quote(&cwd.to_string_lossy()));
    }
}
