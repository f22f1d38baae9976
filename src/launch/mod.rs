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
use error::in_file;
pub use error::{excerpt, Error, Failure};
pub use host::{
    check_host, Check, Feature, HostCheck, HostReport, How, LandlockInfo, PolicyVerdict, Setting,
    UsedBy, Verdict,
};
pub use host_report::JSON_FORMAT_VERSION;
pub use sandboxed::effective_policy;
use supervision::Paths;
pub use supervision::{Notify, NotifyError};

use sandboxed::Sandboxed;

use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

use crate::exec::{Launch, Layout, ServiceNotify, Undo};
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
    /// The destinations the egress proxy may connect the program to (`--net-allow
    /// HOST[:PORT]`, added to the policy's `network: {allow: […]}`); empty: none.
    pub net_allow: Vec<String>,
    /// Limits that replace the policy's (`--limit NAME=VALUE`; `None`: unlimited).
    pub limits: Vec<(sandbox::policy::Limit, Option<u64>)>,
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
            net_allow: Vec::new(),
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
    run_with(request, &mut config_text).map_err(|e| {
        let hint = forgotten_separator(request, &e);
        Failure::new(e, config_text.as_deref()).with_hint(hint)
    })
}

/// The hint for a command line that looks like a command whose `--` was forgotten
/// (`caprun make test`, `caprun python3 x.py`): PROGRAM is a command found in `PATH` and
/// CONFIG is missing or no YAML config, or PROGRAM (not looked up in `PATH`) is missing.
fn forgotten_separator(req: &Request, error: &Error) -> Option<String> {
    let Target::Program { path, config } = &req.target else {
        return None;
    };
    let config_file = match config {
        ConfigSource::File(c) => Some(c),
        _ => None,
    };
    let yaml_named =
        config_file.is_some_and(|c| c.extension().is_some_and(|e| e == "yaml" || e == "yml"));
    let looks_like_a_command = match error {
        Error::ReadConfig { .. } => config_file.is_some(),
        Error::Config { .. } => config_file.is_some() && !yaml_named,
        Error::Program(resources::ResourceError::ProgramNotFound { .. }) => true,
        _ => false,
    };
    let name = path.as_os_str();
    if !looks_like_a_command || std::os::unix::ffi::OsStrExt::as_bytes(name).contains(&b'/') {
        return None;
    }
    let search = std::env::var_os("PATH");
    let found = resources::find_program(name, search.as_deref()).ok()?;
    let mut words = vec![path.display().to_string()];
    words.extend(config_file.map(|c| c.display().to_string()));
    let command = words.join(" ");
    let run_it = format!("put it after `--`: caprun [OPTIONS] -- {command}");
    Some(match error {
        Error::Program(_) => format!(
            "PROGRAM is a path, not looked up in PATH ({} is {}): give that path; or, to run the command `{command}`, {run_it}",
            path.display(),
            found.display(),
        ),
        _ => format!(
            "to run the command `{command}` ({} is {}), {run_it}",
            path.display(),
            found.display(),
        ),
    })
}

fn run_with(req: &Request, config_text: &mut Option<String>) -> Result<Outcome, Error> {
    let loaded = load(req, config_text)?;
    let planned = open_and_plan(&loaded)?;
    if req.dry_run {
        return Ok(Outcome::DryRun(dry_run_report(
            req,
            &loaded,
            &planned,
            config_text,
        )));
    }
    let checked = check_and_prepare(req, &loaded, planned)?;
    hand_over(req, loaded, checked)
}

/// What [`load`] read: the effective policy and the config.
struct Loaded<'r> {
    policy_name: &'r str,
    policy: sandbox::Policy,
    /// `--net-allow`'s list (empty: no proxy).
    allow: crate::egress::AllowList,
    /// A learning run of the command-line form, which learns paths too.
    learn_paths: bool,
    /// The policy's own binds (those after them were added for learning).
    base_binds: usize,
    /// What learning lets the program read, to announce.
    widened: Vec<PathBuf>,
    program_path: PathBuf,
    /// The config's name in messages.
    file: String,
    config: crate::config::Config,
}

/// Load: the effective policy (limits, network, what learning widens), PROGRAM and its
/// config, parsed. `config_text` keeps the config's text for error excerpts.
fn load<'r>(req: &'r Request, config_text: &mut Option<String>) -> Result<Loaded<'r>, Error> {
    let policy_name = req.policy_name();
    let mut policy = effective_policy(policy_name, req.net, &req.limits, req.identity)?;
    let allow = sandboxed::egress_policy(&mut policy, &req.net_allow, req.net)?;
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
    let (program_path, file, text) = target(req, policy_name, &policy)?;
    let config = crate::config::parse(&text).map_err(in_file(&file));
    *config_text = Some(text);
    let config = config?;
    if let Target::Program {
        config: ConfigSource::Stdin,
        ..
    } = &req.target
    {
        warn_drained_stdin(&config, &file);
    }
    Ok(Loaded {
        policy_name,
        policy,
        allow,
        learn_paths,
        base_binds,
        widened,
        program_path,
        file,
        config,
    })
}

/// What [`open_and_plan`] opened and computed.
struct Planned {
    program: Program,
    opened: Resources,
    plan: Plan,
    /// systemd's `NOTIFY_SOCKET`, relayed (with a PID namespace).
    service_notify: Option<ServiceNotify>,
}

/// Open and plan: the inherited descriptors checked, PROGRAM and the resources opened,
/// the descriptor table, argdata, argv and environment planned and checked against the
/// kernel's limits.
fn open_and_plan(l: &Loaded<'_>) -> Result<Planned, Error> {
    let (config, policy) = (&l.config, &l.policy);
    // Inherited descriptors are checked before caprun opens anything of its own.
    resources::check_inherited(config).map_err(in_file(&l.file))?;
    let program = resources::open_program(&l.program_path).map_err(Error::Program)?;
    let opened = resources::open_all(config, &program).map_err(in_file(&l.file))?;
    let mut plan = match &config.process {
        None => plan::build(config, &program.name),
        Some(process) => plan::build_exec(
            config,
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
        .map_err(in_file(&l.file))?,
    };
    if !l.allow.is_empty() {
        with_proxy_env(&mut plan.env);
    }
    // systemd's NOTIFY_SOCKET: with a PID namespace, caprun relays the program's
    // notifications as the main process (exec::ServiceNotify); the program gets the
    // relay's socket. Without, caprun execs in place and is the program.
    let service_notify = policy
        .has(sandbox::policy::Namespace::Pid)
        .then(ServiceNotify::from_env)
        .flatten();
    if let Some(sn) = &service_notify {
        sn.set_env(&mut plan.env);
    }
    // The kernel's limits on argv and the environment, before anything is kept.
    let stack = checks::exec_stack_limit(
        policy
            .rlimits
            .get(&sandbox::policy::Rlimit::Stack)
            .map(|&(soft, _)| soft),
    );
    checks::check_args(config, &plan.argv, &plan.env, stack).map_err(in_file(&l.file))?;
    // A writable directory descriptor the policy cannot root: refused, dry run or not.
    grants::check_unrooted(config, &opened, &plan, policy).map_err(in_file(&l.file))?;
    Ok(Planned {
        program,
        opened,
        plan,
        service_notify,
    })
}

/// `--dry-run`: the equivalent config for the command-line form (everything in it was
/// checked), else the launch as YAML.
fn dry_run_report(
    req: &Request,
    l: &Loaded<'_>,
    p: &Planned,
    config_text: &Option<String>,
) -> String {
    if matches!(req.target, Target::Command(_)) {
        config_text.clone().unwrap_or_default()
    } else {
        report::dry_run(
            &p.plan,
            &l.program_path.to_string_lossy(),
            &p.opened,
            l.policy.has(sandbox::policy::Namespace::Mount),
            &l.policy.net_allow,
        )
    }
}

/// What [`check_and_prepare`] leaves for the hand-over: the plan's parts, the prepared
/// sandbox, and what it holds by descriptor until the launch.
struct Checked {
    program: Program,
    opened: Resources,
    plan: Plan,
    service_notify: Option<ServiceNotify>,
    notify_mode: Notify,
    table: Vec<RawFd>,
    truncate: Vec<RawFd>,
    truncate_by_path: Vec<RawFd>,
    script_path: Option<PathBuf>,
    prepared: sandbox::Prepared,
    /// What the sandbox gives by path, when something reports on paths.
    by_path: Option<crate::sandbox::notify::paths::PathGrants>,
    /// Held open until the exec: the sandbox binds or rules them by descriptor.
    _held: Held,
}

/// Descriptors the prepared sandbox refers to (the terminal, the toolchains' `/etc`
/// entries, the inherited files' duplicates).
struct Held {
    _terminal: Option<std::os::fd::OwnedFd>,
    _toolchain_etc: Vec<resources::EtcEntry>,
    _inherited: Vec<resources::InheritedFile>,
}

/// Check and prepare: the grants (with the terminal and the toolchains' `/etc` where the
/// policy gives them), the checks that a launch would fail on (interpreter, script,
/// nesting, descriptors), then the sandbox prepared (`sandbox::prepare`).
fn check_and_prepare(req: &Request, l: &Loaded<'_>, p: Planned) -> Result<Checked, Error> {
    let policy = &l.policy;
    let Planned {
        program,
        opened,
        plan,
        service_notify,
    } = p;
    // The command-line form names what the sandbox refused when the program fails.
    let notify_mode = match (&req.notify, &req.target) {
        (Notify::Off, Target::Command(_)) => Notify::Quiet,
        (n, _) => n.clone(),
    };
    let (table, truncate) = descriptors(&plan, &opened, &program);
    let truncate_by_path = by_path_to_truncate(&plan, &opened);
    let inherited = resources::inherited_files(&opened, &plan.table);
    let mount = policy.has(sandbox::policy::Namespace::Mount);
    let terminal = (policy.pts && mount)
        .then(resources::terminal_device)
        .flatten();
    let toolchain_etc = if policy.toolchain_etc && mount {
        let covered: Vec<&Path> = policy.binds.iter().map(|b| b.source.as_path()).collect();
        resources::toolchain_etc(&covered)
    } else {
        Vec::new()
    };
    let mut grants = grants::grants(&opened, &inherited, &plan, &program);
    if let Some(tty) = &terminal {
        grants::add_terminal(&mut grants, tty);
    }
    grants::add_toolchain_etc(&mut grants, &toolchain_etc);
    grants.run_as = req.identity;
    grants::check_interpreter(&program, policy, &grants).map_err(Error::Program)?;
    let script_path =
        grants::script_exec_path(&program, policy, &grants).map_err(Error::Program)?;
    grants::check_nesting(&opened, &plan, policy)?;
    checks::check_descriptors(checks::DescriptorNeeds {
        table: table.len(),
        argdata: plan.argdata.is_some(),
        supervised: !matches!(notify_mode, Notify::Off)
            || policy
                .seccomp
                .as_ref()
                .is_some_and(sandbox::seccomp::brokers_locks),
        service_notify: service_notify.is_some(),
        sandbox: sandbox::descriptors_needed(policy, &grants),
        policy_nofile: policy
            .rlimits
            .get(&sandbox::policy::Rlimit::Nofile)
            .map(|&(soft, _)| soft),
    })
    .map_err(in_file(&l.file))?;
    let by_path = (notify_mode != Notify::Off)
        .then(|| path_grants::path_grants(policy, l.base_binds, &grants));
    let prepared = sandbox::prepare(policy, &grants)?;
    drop(grants);
    // A best-effort policy runs with what the kernel can enforce, and says what it cannot.
    for note in &prepared.shortfall().notes {
        eprintln!("caprun: warning: policy {}: {note}", policy.name);
    }
    Ok(Checked {
        program,
        opened,
        plan,
        service_notify,
        notify_mode,
        table,
        truncate,
        truncate_by_path,
        script_path,
        prepared,
        by_path,
        _held: Held {
            _terminal: terminal,
            _toolchain_etc: toolchain_etc,
            _inherited: inherited,
        },
    })
}

/// Hand over: the supervisor's session (explain, learn, the quiet summary, paths), the
/// egress proxy, the service notifications' relay, and the launch, which does not
/// return (`exec`).
fn hand_over(req: &Request, l: Loaded<'_>, mut c: Checked) -> Result<Outcome, Error> {
    let Loaded {
        policy_name,
        policy,
        allow,
        learn_paths,
        widened,
        program_path,
        ..
    } = l;
    let pid_namespace = c.prepared.needs_fork();
    let label = program_path.display().to_string();
    // Explain/learn: the notifying program and the supervisor's session (nothing of this
    // is computed, created or forked otherwise).
    let paths = match (&c.notify_mode, c.by_path) {
        (Notify::Explain, Some(by_path)) => {
            Paths::Track(by_path, matches!(req.target, Target::Program { .. }))
        }
        (Notify::Learn(_), Some(by_path)) if learn_paths => Paths::Track(by_path, false),
        (Notify::Quiet, Some(by_path)) => {
            Paths::Known(path_grants::known_missing(&by_path, &c.plan, &program_path))
        }
        _ => Paths::Off,
    };
    let mut locks = supervision::lock_broker(&policy)?;
    let mut notify = supervision::setup(
        &c.notify_mode,
        policy_name,
        &policy,
        &label,
        paths,
        &mut locks,
    )?;
    path_grants::announce_learning(&widened, &policy);
    let observe = egress_observer(&allow, &policy, notify.as_mut().map(|(s, _)| s))?;
    let launch = Launch::new(
        c.program.fd,
        &label,
        &c.table,
        c.plan
            .argdata
            .is_some()
            .then_some(&c.plan.argdata_bytes[..]),
        c.truncate,
        c.plan.argv,
        c.plan.env,
    )?;
    let launch = match c.script_path {
        Some(path) => launch.by_path(&path),
        None => launch,
    };
    let launch = match c.service_notify {
        Some(sn) if pid_namespace => launch.service_notify(sn)?,
        _ => launch,
    };
    // A root caller's sandbox may not open the host root's files again by path: its
    // standard output and error, if such files, go through init (exec::stdio_to_relay).
    let launch = if c.prepared.root_mapped() && pid_namespace {
        launch.relay_stdio(crate::exec::stdio_to_relay())
    } else {
        launch
    };
    // `exclusive-locks: writable` without a session: a supervisor for the locks alone,
    // where there is one anyway (a PID namespace); otherwise the policy's own filter
    // refuses exclusive locks.
    let locks_only = match locks {
        Some(broker) if notify.is_none() && pid_namespace => {
            supervision::locks_only(&policy, broker)?
        }
        _ => None,
    };
    let (launch, listener_program) = match (notify, locks_only) {
        (Some((session, prog)), _) => (
            launch.supervised(Box::new(session), c.notify_mode == Notify::Quiet),
            Some(prog),
        ),
        (None, Some((locks, prog))) => (launch.supervised(locks, true), Some(prog)),
        (None, None) => (launch, None),
    };
    let launch = if allow.is_empty() {
        launch
    } else {
        let keep_fds = observe.events.iter().map(|e| e.fd()).collect();
        launch.egress(crate::exec::Egress {
            addr: crate::egress::PROXY_ADDR,
            serve: Box::new(move |listener, report| {
                crate::egress::serve(allow, listener, report, observe)
            }),
            keep_fds,
        })
    };
    // Past this point a failure is reported by the exec step itself, which removes what
    // was created for the launch.
    let launch = launch.undo(undo_list(c.opened.commit()));
    let layout = if pid_namespace {
        Layout::Supervised {
            pid_namespace: true,
        }
    } else {
        Layout::InPlace
    };
    let mut sandboxed = Sandboxed {
        prepared: c.prepared,
        listener_program,
        truncate_by_path: c.truncate_by_path,
    };
    let _held = c._held;
    launch.run(&mut sandboxed, layout)
}

/// A config read from standard input that passes on standard input (`!fd stdin`, `!fd
/// 0`, or an `!exec` document's default `stdio`): caprun read it to its end, so the
/// program gets nothing there. Said on stderr.
fn warn_drained_stdin(config: &crate::config::Config, file: &str) {
    use crate::config::{ResourceId, ResourceSpec};
    let Some((index, r)) = config
        .resources
        .iter()
        .enumerate()
        .find(|(_, r)| matches!(r.spec, ResourceSpec::Fd(0)))
    else {
        return;
    };
    // The default stdio is not written: it has the document's position.
    let implicit = config
        .process
        .as_ref()
        .is_some_and(|p| p.stdio[0] == ResourceId::new(index) && r.pos == p.pos);
    let what = if implicit {
        format!("{file}: the !exec document's default stdio [!fd stdin, …]")
    } else {
        format!("{file}:{}:{}: !fd stdin", r.pos.line, r.pos.col)
    };
    eprintln!(
        "caprun: warning: {what} passes on the standard input the config was read from, which is at its end now: the program reads nothing there (give CONFIG as a file to pass on standard input)"
    );
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
                command::config(command, &program, policy_name, req.net, &policy.net_allow)?;
            // Without a mount namespace the program starts where caprun is.
            let moves = policy.has(sandbox::policy::Namespace::Mount);
            if let Some(cwd) = written.cwd_not_granted.as_ref().filter(|_| moves) {
                let choose = if written.cwd_holds_a_file {
                    "--cwd . to start there seeing only the granted files"
                } else {
                    "--cwd DIR to start in a directory inside a grant"
                };
                eprintln!(
                    "caprun: warning: the working directory {} is not granted: {} starts in / (grant it with --ro . or --rw ., which exposes all of it, or use {choose})",
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
/// conditions) and compile its filter. Returns what the policy leaves open that a
/// reader may not expect (a note per line): without a mount namespace, what a directory
/// descriptor reaches.
pub fn check_policy(name: &str) -> Result<Vec<String>, Failure> {
    let check = || -> Result<Vec<String>, Error> {
        let policy = sandbox::load(name)?;
        if let Some(sp) = &policy.seccomp {
            sandbox::seccomp::compile(sp).map_err(SandboxError::from)?;
        }
        let mut notes = Vec::new();
        if !policy.has(sandbox::policy::Namespace::Mount) {
            notes.push(format!(
                "{}; writable directory descriptors are {}",
                report::UNROOTED_RISK,
                if policy.host_writable_dirs {
                    "handed over as they are (host-writable-dirs: true)"
                } else {
                    "refused (host-writable-dirs: false)"
                }
            ));
        }
        Ok(notes)
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
                        "standard input is closed (give CONFIG, or the config on standard input)",
                    ),
                });
            }
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!(
                    "caprun: reading the config from standard input (a terminal; end it with Ctrl-D). To run a command instead: caprun [OPTIONS] -- PROGRAM [ARGS]..."
                );
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

/// Who hears of the egress proxy's decisions: with a supervisor's session, the session
/// (a quiet session names the refusals in its failure summary, not as they happen; a
/// learning one records the destinations used); without, caprun's stderr as they happen.
fn egress_observer(
    allow: &crate::egress::AllowList,
    policy: &sandbox::Policy,
    session: Option<&mut crate::sandbox::notify::Session>,
) -> Result<crate::egress::proxy::Observe, Error> {
    use crate::sandbox::notify::Mode as Session;
    let mut observe = crate::egress::proxy::Observe {
        live: true,
        ..Default::default()
    };
    if let (false, Some(session)) = (allow.is_empty(), session) {
        let (events, log) = crate::egress::events::pair().map_err(Error::Egress)?;
        session.egress(log, policy.net_allow.clone());
        observe.live = session.mode() != Session::Quiet;
        observe.learn = session.mode() == Session::Learn;
        observe.events = Some(events);
        if observe.learn {
            eprintln!(
                "caprun: LEARNING MODE: every destination through the egress proxy is allowed and recorded, except private, loopback and link-local addresses the allow list does not name"
            );
        }
    }
    Ok(observe)
}

/// The egress proxy's variables set in `env` (`NAME=VALUE` entries), replacing any the
/// config set: a tool that honours them reaches the allowed destinations.
fn with_proxy_env(env: &mut Vec<std::ffi::CString>) {
    let ours = crate::egress::proxy_env();
    env.retain(|e| {
        let name = e
            .as_bytes()
            .split(|&b| b == b'=')
            .next()
            .unwrap_or_default();
        !ours.iter().any(|(n, _)| n.as_bytes() == name)
    });
    for (name, value) in ours {
        env.push(std::ffi::CString::new(format!("{name}={value}")).expect("no NUL"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The proxy's variables replace those the config set, and leave the rest.
    #[test]
    fn proxy_variables_replace_the_config_s() {
        let mut env = vec![
            c"PATH=/usr/bin".to_owned(),
            c"HTTPS_PROXY=http://elsewhere:8080".to_owned(),
            c"no_proxy=*".to_owned(),
        ];
        with_proxy_env(&mut env);
        let env: Vec<String> = env
            .iter()
            .map(|e| e.to_string_lossy().into_owned())
            .collect();
        assert_eq!(env[0], "PATH=/usr/bin");
        assert!(env.contains(&"HTTPS_PROXY=http://127.0.0.1:3128".to_owned()));
        assert!(env.contains(&"no_proxy=localhost,127.0.0.1,::1".to_owned()));
        assert!(!env
            .iter()
            .any(|e| e.contains("elsewhere") || e == "no_proxy=*"));
        assert_eq!(env.len(), 9);
    }

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
