//! The command-line form (`caprun [--rw P]… [--ro P]… [--env E]… -- PROGRAM ARGS…`) as
//! the `!exec` config it stands for.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config::AccessMode;
use crate::resources;

use super::error::Error;

/// The command-line form of a launch: a command looked up in `PATH`, the paths it may
/// reach and its environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandLine {
    /// The program (looked up in `PATH` unless it contains a `/`) and its arguments.
    pub argv: Vec<OsString>,
    /// Paths granted read-write at their own path (`--rw`).
    pub rw: Vec<PathBuf>,
    /// Paths granted read-only at their own path (`--ro`).
    pub ro: Vec<PathBuf>,
    /// `NAME=VALUE`, or `NAME` to copy caprun's own (`--env`).
    pub env: Vec<String>,
    /// The working directory (`--cwd`): inside a granted directory, or the directory of
    /// a granted file. `None`: caprun's own when granted, else `/`.
    pub cwd: Option<PathBuf>,
}

/// The `!exec` config a [`CommandLine`] stands for.
pub(super) struct Written {
    /// The config, as YAML text.
    pub text: String,
    /// The caller's working directory when no granted directory holds it (and no
    /// `--cwd` was given): the program starts in `/` then, which the caller is warned of.
    pub cwd_not_granted: Option<PathBuf>,
    /// Whether `cwd_not_granted` holds a granted file: `--cwd .` would start the program
    /// there, seeing only the granted files.
    pub cwd_holds_a_file: bool,
}

impl CommandLine {
    /// Where PROGRAM is looked up: the `PATH` the program gets (`--env PATH=VALUE`), else
    /// caprun's own.
    pub(super) fn search_path(&self) -> Option<std::ffi::OsString> {
        self.env
            .iter()
            .rev()
            .find_map(|e| e.strip_prefix("PATH="))
            .map(Into::into)
            .or_else(|| std::env::var_os("PATH"))
    }
}

/// The `!exec` config equivalent to `command` run as `program` under `policy`.
pub(super) fn config(
    command: &CommandLine,
    program: &Path,
    policy: &str,
    net: bool,
    net_allow: &[String],
) -> Result<Written, Error> {
    let mut grants = Vec::new();
    for (paths, mode, option) in [
        (&command.rw, AccessMode::ReadWrite, "--rw"),
        (&command.ro, AccessMode::Read, "--ro"),
    ] {
        for p in paths {
            let (path, is_dir) = resources::grant_path(p, option).map_err(Error::Program)?;
            grants.push((path, is_dir, mode));
        }
    }
    // A `#!` script runs by path inside the sandbox (see `resources::Script`): one that
    // no grant holds is granted read-only, as an ELF PROGRAM is readable by its
    // descriptor. (A policy bind may hold it already: the grant is bound over the same
    // file then.)
    if resources::is_script(program) {
        if let Ok(script) = std::fs::canonicalize(program) {
            // (A file grant holds only itself: nothing lies beneath a file.)
            if !grants.iter().any(|(p, _, _)| script.starts_with(p)) {
                grants.push((script, false, AccessMode::Read));
            }
        }
    }
    let (cwd, cwd_not_granted) = working_directory(command.cwd.as_deref(), &grants)?;
    let cwd_holds_a_file = cwd_not_granted
        .as_ref()
        .is_some_and(|h| reach(h, &grants) == Reach::HoldsAFile);
    let env = command
        .env
        .iter()
        .map(|e| match e.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (e.clone(), None),
        })
        .collect::<Vec<_>>();
    Ok(Written {
        text: render_command_config(
            program,
            &command.argv,
            &env,
            &grants,
            cwd.as_deref(),
            policy,
            &launch_options(net, net_allow),
        ),
        cwd_not_granted,
        cwd_holds_a_file,
    })
}

/// The program's working directory: `--cwd`'s (`requested`), which must be reachable
/// through `grants`; else caprun's own when it lies in a granted directory. The second
/// value is caprun's own when it is not used for want of a grant (`/` excepted).
fn working_directory(
    requested: Option<&Path>,
    grants: &[(PathBuf, bool, AccessMode)],
) -> Result<(Option<PathBuf>, Option<PathBuf>), Error> {
    let Some(dir) = requested else {
        let here = std::env::current_dir().and_then(std::fs::canonicalize).ok();
        return Ok(match here {
            Some(here) if reach(&here, grants) == Reach::Directory => (Some(here), None),
            here => (None, here.filter(|h| h != Path::new("/"))),
        });
    };
    let (path, is_dir) = resources::grant_path(dir, "--cwd").map_err(Error::Program)?;
    if !is_dir {
        return Err(Error::Usage(format!(
            "--cwd {}: not a directory",
            dir.display()
        )));
    }
    if reach(&path, grants) == Reach::None {
        return Err(Error::Usage(format!(
            "--cwd {}: {} lies inside no directory granted with --rw or --ro and holds no granted file: grant it (--ro {} or --rw {}) or name a directory inside a grant",
            dir.display(),
            path.display(),
            dir.display(),
            dir.display()
        )));
    }
    Ok((Some(path), None))
}

/// How the program can be in directory `dir` (canonical) with these grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// A granted directory holds it: the program sees what that grant gives.
    Directory,
    /// It holds a granted file: the program sees only the granted files there.
    HoldsAFile,
    /// Not at all.
    None,
}

/// Where `dir` lies with respect to `grants` (pure).
fn reach(dir: &Path, grants: &[(PathBuf, bool, AccessMode)]) -> Reach {
    if grants
        .iter()
        .any(|(p, is_dir, _)| *is_dir && dir.starts_with(p))
    {
        Reach::Directory
    } else if grants
        .iter()
        .any(|(p, is_dir, _)| !*is_dir && p.parent() == Some(dir))
    {
        Reach::HoldsAFile
    } else {
        Reach::None
    }
}

/// The network options of the command that runs the written config: ` --net`, or
/// ` --net-allow ENTRY` for each entry.
fn launch_options(net: bool, net_allow: &[String]) -> String {
    let mut out = String::new();
    if net {
        out.push_str(" --net");
    }
    for a in net_allow {
        out.push_str(" --net-allow ");
        // Quoted for a shell when it holds more than a plain word (`*.example.org`).
        if a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:-_/".contains(&b))
        {
            out.push_str(a);
        } else {
            out.push_str(&format!("'{}'", a.replace('\'', "'\\''")));
        }
    }
    out
}

/// Render the command-line form as an `!exec` document (pure; see [`config`]).
fn render_command_config(
    program: &Path,
    command: &[OsString],
    env: &[(String, Option<String>)],
    grants: &[(PathBuf, bool, AccessMode)],
    cwd: Option<&Path>,
    policy: &str,
    options: &str,
) -> String {
    use std::fmt::Write;
    let q = crate::yaml::quote;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# caprun's command-line form as a config; run it with\n#   caprun --policy {policy}{options} {} THIS.yaml",
        program.display()
    );
    let _ = writeln!(out, "!exec");
    let argv: Vec<String> = command.iter().map(|a| q(&a.to_string_lossy())).collect();
    let _ = writeln!(out, "argv: [{}]", argv.join(", "));
    if env.is_empty() {
        let _ = writeln!(out, "env: {{}}");
    } else {
        let _ = writeln!(out, "env:");
        for (name, value) in env {
            match value {
                Some(v) => writeln!(out, "  {}: {}", q(name), q(v)),
                None => writeln!(out, "  {}: !env {}", q(name), q(name)),
            }
            .expect("writing to a String");
        }
    }
    if !grants.is_empty() {
        let _ = writeln!(out, "paths:");
        for (path, is_dir, mode) in grants {
            let _ = writeln!(
                out,
                "  - !{} {{path: {}, mode: {}}}",
                if *is_dir { "dir" } else { "file" },
                q(&path.to_string_lossy()),
                if *mode == AccessMode::Read {
                    "read"
                } else {
                    "readwrite"
                }
            );
        }
    }
    if let Some(cwd) = cwd {
        let _ = writeln!(out, "cwd: {}", q(&cwd.to_string_lossy()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The written config's header names the `--net-allow` entries, quoted for a shell
    /// where needed.
    #[test]
    fn the_header_names_the_allow_list() {
        assert_eq!(
            launch_options(false, &["127.0.0.2:8000".into(), "*.example.org".into()]),
            " --net-allow 127.0.0.2:8000 --net-allow '*.example.org'"
        );
        assert_eq!(launch_options(true, &[]), " --net");
    }

    #[test]
    fn a_working_directory_is_reached_through_a_directory_or_a_file_grant() {
        let grants = [
            ("/w/p".into(), true, AccessMode::ReadWrite),
            ("/etc/hosts".into(), false, AccessMode::Read),
        ];
        assert_eq!(reach(Path::new("/w/p"), &grants), Reach::Directory);
        assert_eq!(reach(Path::new("/w/p/src/x"), &grants), Reach::Directory);
        assert_eq!(reach(Path::new("/etc"), &grants), Reach::HoldsAFile);
        for outside in ["/w", "/w/pp", "/", "/etc/ssl", "/etc/hosts"] {
            assert_eq!(reach(Path::new(outside), &grants), Reach::None, "{outside}");
        }
    }

    #[test]
    fn the_command_line_form_renders_an_exec_config() {
        let yaml = render_command_config(
            Path::new("/usr/bin/make"),
            &["make".into(), "-j2".into()],
            &[("PATH".into(), None), ("LANG".into(), Some("C".into()))],
            &[
                ("/w/p".into(), true, AccessMode::ReadWrite),
                ("/etc/hosts".into(), false, AccessMode::Read),
            ],
            Some(Path::new("/w/p")),
            "devtools",
            &launch_options(true, &[]),
        );
        assert_eq!(
            yaml,
            "# caprun's command-line form as a config; run it with\n\
             #   caprun --policy devtools --net /usr/bin/make THIS.yaml\n\
             !exec\n\
             argv: [\"make\", \"-j2\"]\n\
             env:\n  \"PATH\": !env \"PATH\"\n  \"LANG\": \"C\"\n\
             paths:\n  - !dir {path: \"/w/p\", mode: readwrite}\n  - !file {path: \"/etc/hosts\", mode: read}\n\
             cwd: \"/w/p\"\n"
        );
        // And it is a valid !exec config with that meaning.
        let c = crate::config::parse(&yaml).unwrap();
        let exec = c.process.unwrap();
        assert_eq!(exec.argv.len(), 2);
        assert_eq!(exec.env.len(), 2);
        assert_eq!(exec.paths.len(), 2);
    }
}
