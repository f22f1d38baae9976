//! `launch`: one launch, from a plain [`Request`] to the program running in its sandbox.
//!
//! [`run`] drives the pipeline: it loads the policy, reads the config (or writes the one
//! the command-line form stands for), checks the inherited descriptors, opens the
//! program and every resource, plans the launch, and then either reports it (dry run) or
//! derives the sandbox's grants, prepares the sandbox (and, for explain/learn, the
//! supervisor's session) and hands over to the final step, [`crate::exec`]. Nothing
//! irreversible happens before that hand-over; a failure before it is a [`Failure`] with
//! the position in the config or policy it comes from.
//!
//! [`check_policy`] and [`show_policy`] are the two policy tools of the command line;
//! [`check_host`] (`--check-host`) judges policies on this machine with the launch's own
//! steps, up to where the program would be executed.

mod checks;
mod command;
mod error;
mod grants;
mod host;
mod host_report;
mod path_grants;
mod report;
mod sandboxed;
mod supervision;

pub use checks::CheckError;
pub use command::CommandLine;
pub use error::{excerpt, Error, Failure};
pub use host::{
    check_host, Check, Feature, HostCheck, HostReport, How, LandlockInfo, PolicyVerdict, Setting,
    Verdict,
};
pub use sandboxed::effective_policy;
use supervision::Paths;
pub use supervision::{Notify, NotifyError};

use sandboxed::Sandboxed;

use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

use crate::exec::{Launch, Mode, Undo};
use crate::plan::{self, Plan};
use crate::resources::{self, Program, Resources};
use crate::sandbox::{self, Identity, SandboxError};

/// What to launch, and how: plain data (see [`run`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The policy: a built-in name or a policy file; `None`: `default`, or `devtools`
    /// for [`Target::Command`].
    pub policy: Option<String>,
    /// Let the program use the host's network (`--net`).
    pub net: bool,
    /// Limits that replace the policy's (`--limit NAME=VALUE`; `None`: unlimited).
    pub limits: Vec<(String, Option<u64>)>,
    /// The ids the program runs as inside its user namespace (root only); `None`: the
    /// caller's.
    pub identity: Option<Identity>,
    /// The program and its config.
    pub target: Target,
    /// Open and plan everything, run nothing: [`run`] returns [`Outcome::DryRun`].
    pub dry_run: bool,
    /// What happens to the calls the policy denies.
    pub notify: Notify,
}

impl Request {
    /// A launch of `program` with `config` under the default policy, with every option
    /// off.
    pub fn new(program: impl Into<PathBuf>, config: ConfigSource) -> Request {
        Request {
            policy: None,
            net: false,
            limits: Vec::new(),
            identity: None,
            target: Target::Program {
                path: program.into(),
                config,
            },
            dry_run: false,
            notify: Notify::Off,
        }
    }

    /// The policy as named, defaults applied.
    pub fn policy_name(&self) -> &str {
        match (&self.policy, &self.target) {
            (Some(p), _) => p,
            (None, Target::Command(_)) => "devtools",
            (None, Target::Program { .. }) => "default",
        }
    }
}

/// The program a [`Request`] launches, and where its config comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// PROGRAM with a config: argdata, or an `!exec` document.
    Program {
        /// The program's path (not looked up in `PATH`).
        path: PathBuf,
        /// Its config.
        config: ConfigSource,
    },
    /// The command-line form: its config is written from the command line.
    Command(CommandLine),
}

/// Where a config is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// Standard input (named `<stdin>` in messages).
    Stdin,
    /// A file.
    File(PathBuf),
    /// Text at hand, named `name` in messages.
    Text {
        /// The name messages use.
        name: String,
        /// The YAML.
        text: String,
    },
}

/// What a [`run`] that returns did. (A launch does not return: the process becomes the
/// program, or exits with the status of a failure in the final step.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A dry run: the launch as YAML, for the caller to print.
    DryRun(String),
}

/// Carry out `request`: returns only after a dry run, or on a failure before the final
/// step (see the module documentation).
pub fn run(request: &Request) -> Result<Outcome, Failure> {
    let mut config_text = None;
    run_with(request, &mut config_text).map_err(|e| Failure::new(e, config_text.as_deref()))
}

fn run_with(req: &Request, config_text: &mut Option<String>) -> Result<Outcome, Error> {
    let policy_name = req.policy_name();
    let mut policy = effective_policy(policy_name, req.net, &req.limits, req.identity)?;
    // A learning run of the command-line form lets the program read the host's files,
    // and learns which it read.
    let learn_paths = matches!(
        (&req.notify, &req.target),
        (Notify::Learn(_), Target::Command(_))
    ) && !req.dry_run;
    let (base_binds, widened) = if learn_paths {
        path_grants::widen_for_learning(&mut policy)
    } else {
        (policy.binds.len(), Vec::new())
    };
    let policy = policy;
    let (program_path, file, text) = target(req, policy_name, &policy)?;
    let config = crate::config::parse(&text).map_err(|source| Error::Config {
        file: file.clone(),
        source,
    });
    *config_text = Some(text);
    let config = config?;
    let res_err = |source| Error::Resource {
        file: file.clone(),
        source,
    };
    // Inherited descriptors are checked before caprun opens anything of its own.
    resources::check_inherited(&config).map_err(res_err)?;
    let program = resources::open_program(&program_path).map_err(Error::Program)?;
    let mut opened = resources::open_all(&config, &program).map_err(res_err)?;
    let plan = match &config.process {
        None => plan::build(&config, &program.name),
        Some(process) => plan::build_exec(
            &config,
            process,
            &|id| {
                opened
                    .get(id)
                    .host_path()
                    .map(Path::to_owned)
                    .unwrap_or_default()
            },
            &|name| std::env::var(name).ok(),
        )
        .map_err(|source| Error::Plan {
            file: file.clone(),
            source,
        })?,
    };

    // The kernel's limits on argv and the environment, before anything is kept.
    let stack = checks::exec_stack_limit(policy.rlimits.get("stack").map(|&(soft, _)| soft));
    checks::check_args(&config, &plan.argv, &plan.env, stack).map_err(|source| Error::Check {
        file: file.clone(),
        source,
    })?;

    if req.dry_run {
        let report = if matches!(req.target, Target::Command(_)) {
            // The equivalent config, ready to commit (everything in it was checked).
            config_text.clone().unwrap_or_default()
        } else {
            report::dry_run(&plan, &program_path.to_string_lossy(), &opened)
        };
        return Ok(Outcome::DryRun(report));
    }

    // The command-line form names what the sandbox refused when the program fails.
    let notify_mode = match (&req.notify, &req.target) {
        (Notify::Off, Target::Command(_)) => Notify::Quiet,
        (n, _) => n.clone(),
    };
    let (table, truncate) = descriptors(&plan, &opened, &program);
    let truncate_by_path = by_path_to_truncate(&plan, &opened);
    let mut grants = grants::grants(&opened, &plan, &program);
    grants.run_as = req.identity;
    grants::check_interpreter(&program, &policy, &grants).map_err(Error::Program)?;
    let script_path =
        grants::script_exec_path(&program, &policy, &grants).map_err(Error::Program)?;
    grants::check_nesting(&opened, &plan, &policy)?;
    checks::check_descriptors(
        table.len(),
        plan.argdata.is_some(),
        !matches!(notify_mode, Notify::Off),
        sandbox::descriptors_needed(&policy, &grants),
        policy.rlimits.get("nofile").map(|&(soft, _)| soft),
    )
    .map_err(|source| Error::Check {
        file: file.clone(),
        source,
    })?;
    // What the sandbox gives by path (only when something reports on paths).
    let by_path = (notify_mode != Notify::Off)
        .then(|| path_grants::path_grants(&policy, base_binds, &grants));
    let prepared = sandbox::prepare(&policy, &grants)?;
    drop(grants);
    // A best-effort policy runs with what the kernel can enforce, and says what it cannot.
    for note in &prepared.report().notes {
        eprintln!("caprun: warning: policy {}: {note}", policy.name);
    }
    let pid_namespace = prepared.needs_fork();
    let label = program_path.display().to_string();
    // Explain/learn: the notifying program and the supervisor's session (nothing of this
    // is computed, created or forked otherwise).
    let paths = match (&notify_mode, by_path) {
        (Notify::Explain, Some(by_path)) => {
            Paths::Track(by_path, matches!(req.target, Target::Program { .. }))
        }
        (Notify::Learn(_), Some(by_path)) if learn_paths => Paths::Track(by_path, false),
        (Notify::Quiet, Some(by_path)) => {
            Paths::Known(path_grants::known_missing(&by_path, &plan, &program_path))
        }
        _ => Paths::Off,
    };
    let notify = supervision::setup(&notify_mode, policy_name, &policy, &label, paths)?;
    path_grants::announce_learning(&widened, &policy);
    let launch = Launch::new(
        program.fd,
        &label,
        &table,
        plan.argdata.is_some().then_some(&plan.argdata_bytes[..]),
        truncate,
        plan.argv,
        plan.env,
    )?;
    let launch = match script_path {
        Some(path) => launch.by_path(&path),
        None => launch,
    };
    let (launch, listener_program) = match notify {
        Some((session, prog)) => (
            launch.supervised(Box::new(session), notify_mode == Notify::Quiet),
            Some(prog),
        ),
        None => (launch, None),
    };
    // Past this point a failure is reported by the exec step itself, which removes what
    // was created for the launch.
    let launch = launch.undo(undo_list(opened.commit()));
    let mode = if pid_namespace {
        Mode::Supervised {
            pid_namespace: true,
        }
    } else {
        Mode::InPlace
    };
    let mut sandboxed = Sandboxed {
        prepared,
        listener_program,
        truncate_by_path,
    };
    launch.run(&mut sandboxed, mode)
}

/// The program to run, the config's name in messages and its text: read, or written
/// for the command-line form.
fn target(
    req: &Request,
    policy_name: &str,
    policy: &sandbox::Policy,
) -> Result<(PathBuf, String, String), Error> {
    match &req.target {
        Target::Command(command) => {
            let Some(name) = command.argv.first() else {
                return Err(Error::Usage("the command is empty".into()));
            };
            let program = resources::find_program(name, command.search_path().as_deref())
                .map_err(Error::Program)?;
            let written =
                command::config(command, &program, policy_name, req.net).map_err(Error::Program)?;
            // Without a mount namespace the program starts where caprun is.
            let moves = policy.has(sandbox::policy::Namespace::Mount);
            if let Some(cwd) = written.cwd_not_granted.filter(|_| moves) {
                eprintln!(
                    "caprun: warning: the working directory {} is not granted: {} starts in / (grant it with --ro . or --rw .)",
                    cwd.display(),
                    name.to_string_lossy()
                );
            }
            Ok((program, "<command line>".to_owned(), written.text))
        }
        Target::Program { path, config } => {
            let (file, text) = read_config(config)?;
            Ok((path.clone(), file, text))
        }
    }
}

/// The descriptor for each slot of the plan's table, and the slots to truncate at
/// launch.
fn descriptors(plan: &Plan, opened: &Resources, program: &Program) -> (Vec<RawFd>, Vec<RawFd>) {
    let table = plan
        .table
        .iter()
        .map(|&id| opened.raw_fd(id, program))
        .collect();
    let truncate = plan
        .table
        .iter()
        .enumerate()
        .filter(|(_, &id)| opened.get(id).truncate)
        .map(|(slot, _)| slot as RawFd)
        .collect();
    (table, truncate)
}

/// The files the program reaches by path (an `!exec`'s `paths:`, argv, env, cwd) that
/// `truncate: true` asks to truncate at launch: those not also in the descriptor table,
/// whose slots the final step truncates.
fn by_path_to_truncate(plan: &Plan, opened: &Resources) -> Vec<RawFd> {
    plan.paths
        .iter()
        .filter(|g| !plan.table.contains(&g.id))
        .filter_map(|g| match &opened.get(g.id).handle {
            resources::Handle::Owned(fd) if opened.get(g.id).truncate => Some(fd.as_raw_fd()),
            _ => None,
        })
        .collect()
}

/// `--check-policy`: load `name` (a built-in or a file: extends, groups, names,
/// conditions) and compile its filter.
pub fn check_policy(name: &str) -> Result<(), Failure> {
    let check = || -> Result<(), Error> {
        let policy = sandbox::load(name)?;
        if let Some(sp) = &policy.seccomp {
            sandbox::seccomp::compile(sp).map_err(SandboxError::from)?;
        }
        Ok(())
    };
    check().map_err(|e| Failure::new(e, None))
}

/// `--show-policy`: the effective policy `name` as YAML (extends resolved, groups
/// expanded).
pub fn show_policy(name: &str) -> Result<String, Failure> {
    let policy = sandbox::load(name).map_err(|e| Failure::new(e.into(), None))?;
    Ok(sandbox::policy::render_policy(&policy))
}

/// The config's name in messages, and its text (UTF-8, or UTF-16 with a byte order
/// mark: [`crate::yaml::decode`]; a text that does not decode is a positioned config
/// error, shown on the text decoded as far as it goes).
fn read_config(source: &ConfigSource) -> Result<(String, String), Error> {
    let (file, bytes) = match source {
        ConfigSource::File(p) => {
            let file = p.display().to_string();
            // The size of a regular file is checked before it is read.
            let bytes = std::fs::File::open(p)
                .and_then(|f| {
                    let len = f.metadata()?;
                    let known = len.is_file().then_some(len.len());
                    crate::yaml::read_source(f, known)
                })
                .map_err(|source| Error::ReadConfig {
                    file: file.clone(),
                    source,
                })?;
            (file, bytes)
        }
        ConfigSource::Stdin => {
            // `/dev/null` stands in for a closed standard input (see `runtime`): that is
            // no config at all, not an empty one.
            if crate::runtime::was_closed_at_start(0) {
                return Err(Error::ReadConfig {
                    file: "<stdin>".into(),
                    source: std::io::Error::other(
                        "standard input is closed: no config (give CONFIG, or the config on standard input)",
                    ),
                });
            }
            let bytes =
                crate::yaml::read_source(std::io::stdin().lock(), None).map_err(|source| {
                    Error::ReadConfig {
                        file: "<stdin>".into(),
                        source,
                    }
                })?;
            ("<stdin>".into(), bytes)
        }
        ConfigSource::Text { name, text } => return Ok((name.clone(), text.clone())),
    };
    match crate::yaml::decode_owned(bytes) {
        Ok(text) => Ok((file, text)),
        Err(e) => Err(Error::Config {
            file,
            source: e.into(),
        }),
    }
}

/// What the exec step removes if the launch fails: the files and sockets `created`,
/// each as its directory (opened now) and name. A directory that cannot be opened any
/// more leaves its entry out (there is nothing caprun could remove then).
fn undo_list(created: Vec<PathBuf>) -> Undo {
    let mut undo = Undo::default();
    for path in created {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            continue;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(name) = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(name)) else {
            continue;
        };
        if let Ok(dir) = std::fs::File::open(dir) {
            undo.push(dir.into(), name);
        }
    }
    undo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, text: &str) -> ConfigSource {
        ConfigSource::Text {
            name: name.into(),
            text: text.into(),
        }
    }

    /// A launch needs no command line: a dry run in-process, and a failure with its
    /// excerpt.
    #[test]
    fn a_request_is_plain_data() {
        let me = std::env::current_exe().unwrap();
        let mut req = Request::new(&me, text("t.yaml", "out: !fd stdout\n"));
        req.policy = Some("none".into());
        req.dry_run = true;
        let Outcome::DryRun(report) = run(&req).unwrap();
        assert!(
            report.contains("descriptors:\n  0: {kind: inherited, fd: 1}\n"),
            "{report}"
        );
        assert!(report.ends_with("argdata: out: !fd 0\n"), "{report}");

        req.target = Target::Program {
            path: me,
            config: text("bad.yaml", "a: !flie x\n"),
        };
        let f = run(&req).unwrap_err();
        assert_eq!(f.exit_code(), 125);
        assert_eq!(
            f.message(),
            "caprun: bad.yaml:1:4: unknown tag !flie (did you mean !file?)\n  1 | a: !flie x\n    |    ^\n"
        );
    }
}
