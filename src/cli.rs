//! `cli`: the command line, and the pipeline that turns it into a launch.
//!
//! Arguments are parsed into a plain struct first; nothing is opened until the whole
//! config has been parsed and validated.

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::{AsFd, RawFd};
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::config::{self, ConfigError, Mode};
use crate::exec::{ExecError, Launch, Restrictions};
use crate::plan;
use crate::resources::{self, Description, Handle, ResourceError};
use crate::sandbox::{self, Access, Grant, Grants, PolicyError, SandboxError};

/// Run PROGRAM with exactly the resources CONFIG names, renumbered 0..n-1, and the
/// config tree as argdata in a sealed memfd (ARGDATA_FD); or, after `--`, an
/// unmodified COMMAND in a sandbox that reaches only the paths granted with --rw/--ro.
#[derive(Debug, PartialEq, Parser)]
#[command(
    name = "caprun",
    version,
    about,
    long_about = None,
    override_usage = "caprun [OPTIONS] PROGRAM [CONFIG]\n       caprun [OPTIONS] [--rw PATH]... [--ro PATH]... [--env NAME[=VALUE]]... [--net] -- PROGRAM [ARGS]..."
)]
pub struct Args {
    /// Sandbox policy: a built-in name (strict, default, unprivileged, devtools, none) or a
    /// policy file [default: default; devtools after `--`].
    #[arg(long, value_name = "NAME|PATH", value_parser = PolicyName, hide_possible_values = true)]
    pub policy: Option<String>,
    /// After `--`: grant PATH (a directory or file) read-write at its own path.
    #[arg(long, value_name = "PATH")]
    pub rw: Vec<PathBuf>,
    /// After `--`: grant PATH (a directory or file) read-only at its own path.
    #[arg(long, value_name = "PATH")]
    pub ro: Vec<PathBuf>,
    /// After `--`: set NAME=VALUE in the program's environment, or copy NAME from caprun's.
    #[arg(long, value_name = "NAME[=VALUE]")]
    pub env: Vec<String>,
    /// Let the program use the host's network (no network namespace; internet sockets
    /// allowed by the seccomp filter and Landlock).
    #[arg(long)]
    pub net: bool,
    /// When started as root: the user id the program runs as (inside its user namespace).
    #[arg(long, value_name = "UID", requires = "gid")]
    pub uid: Option<u32>,
    /// When started as root: the group id the program runs as.
    #[arg(long, value_name = "GID", requires = "uid")]
    pub gid: Option<u32>,
    /// Open every resource and build the argdata, print the launch as YAML, run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Route the system calls the policy denies to caprun, which answers them with the
    /// policy's action (the program sees the same errors) and names each distinct denial
    /// on stderr, with a summary at exit.
    #[arg(long, conflicts_with = "learn")]
    pub explain_denials: bool,
    /// Learning mode (NOT a sandbox while it learns): run under --policy but let every
    /// system call outside it proceed, recording each; at exit write OUT.yaml, a policy
    /// that extends --policy and allows exactly what was observed.
    #[arg(long, value_name = "OUT.yaml")]
    pub learn: Option<PathBuf>,
    /// Validate a policy file (or built-in name) and exit: 0 if valid, else 125 with
    /// FILE:LINE:COL: what is wrong. Runs nothing.
    #[arg(
        long,
        value_name = "NAME|PATH",
        value_parser = PolicyName,
        hide_possible_values = true,
        conflicts_with = "show_policy"
    )]
    pub check_policy: Option<String>,
    /// Print the effective policy as YAML (extends resolved, groups expanded) and exit.
    /// Runs nothing.
    #[arg(long, value_name = "NAME|PATH", value_parser = PolicyName, hide_possible_values = true)]
    pub show_policy: Option<String>,
    /// Print the completion script for SHELL (generated from these options) and exit.
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<Shell>,
    /// The program to run; it is opened once and executed by descriptor.
    #[arg(
        value_name = "PROGRAM",
        required_unless_present_any = ["command", "check_policy", "show_policy", "completions"]
    )]
    pub program: Option<PathBuf>,
    /// The YAML config; `-` or absent reads standard input.
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// After `--`: the program (looked up in PATH) and its arguments.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// A shell `--completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// Install as /usr/share/bash-completion/completions/caprun
    Bash,
    /// Install as _caprun in a directory of fpath
    Zsh,
    /// Install as ~/.config/fish/completions/caprun.fish
    Fish,
}

/// The value parser of the policy options: any UTF-8 string (a built-in name or a policy
/// file), with the built-in names as possible values for the completion scripts.
#[derive(Debug, Clone, Copy)]
struct PolicyName;

impl clap::builder::TypedValueParser for PolicyName {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let names = sandbox::policy::builtin_names().iter();
        Some(Box::new(
            names.map(|&n| clap::builder::PossibleValue::new(n)),
        ))
    }
}

/// The completion script for `shell`, generated from the clap definition of [`Args`].
pub fn completion_script(shell: Shell) -> String {
    use clap::CommandFactory;
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut Args::command(), "caprun", &mut out);
    let script = String::from_utf8(out).expect("clap_complete writes UTF-8");
    // For an option with possible values, clap_complete offers only those; a policy is
    // also a file, so zsh and fish are told to offer files as well. (bash falls back to
    // file names by itself, `complete -o default`, when no built-in name matches.)
    let names = sandbox::policy::builtin_names();
    match shell {
        Shell::Bash => script,
        Shell::Zsh => {
            // `_alternative`'s colons are escaped: _arguments splits a spec at colons.
            let names = names.join(" ");
            let both = r#"{_alternative "policies\:built-in policy\:(NAMES)" "files\:policy file\:_files"}"#;
            script.replace(
                &format!(":NAME|PATH:({names})'"),
                &format!(":NAME|PATH:{}'", both.replace("NAMES", &names)),
            )
        }
        Shell::Fish => script.replace(
            &format!(" -r -f -a \"{}\\t", names[0]),
            &format!(" -r -F -a \"{}\\t", names[0]),
        ),
    }
}

/// Everything that can stop a launch, with the exit status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line (already formatted by clap).
    #[error("{0}")]
    Usage(String),
    /// The config file cannot be read.
    #[error("{file}: {source}")]
    ReadConfig {
        /// The config's name.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The config is invalid.
    #[error("{file}:{source}")]
    Config {
        /// The config's name.
        file: String,
        /// The error, with its position.
        source: ConfigError,
    },
    /// A resource cannot be opened, or PROGRAM cannot be run.
    #[error("{file}:{source}")]
    Resource {
        /// The config's name.
        file: String,
        /// The error, with its position.
        source: ResourceError,
    },
    /// PROGRAM is missing or unusable.
    #[error("{0}")]
    Program(ResourceError),
    /// The policy cannot be loaded.
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// The sandbox cannot be prepared on this host.
    #[error("{0}")]
    Sandbox(#[from] SandboxError),
    /// Preparing the launch failed.
    #[error("{0}")]
    Exec(#[from] ExecError),
    /// An `!exec` value cannot be rendered.
    #[error("{file}:{source}")]
    Plan {
        /// The config's name.
        file: String,
        /// The error, with its position.
        source: plan::PlanError,
    },
    /// Writing the dry-run report failed.
    #[error("writing the report: {0}")]
    Output(std::io::Error),
    /// `--explain-denials` or `--learn` cannot be used as asked.
    #[error("{0}")]
    Notify(String),
}

impl Error {
    /// The exit status: 127 PROGRAM not found, 126 not executable, 125 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Program(ResourceError::ProgramNotFound { .. }) => 127,
            Error::Program(ResourceError::ProgramNotExecutable { .. }) => 126,
            _ => 125,
        }
    }
}

/// Parse the command line. `Ok(None)`: help, version or a completion script was
/// printed, exit 0.
///
/// The usual command lines are parsed by [`parse_common`]; everything else (help,
/// version, the rarer options, every malformed line) goes through clap.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Option<Args>, Error> {
    let args: Vec<OsString> = args.into_iter().collect();
    if let Some(parsed) = parse_common(&args) {
        return Ok(Some(parsed));
    }
    match Args::try_parse_from(args) {
        Ok(Args {
            completions: Some(shell),
            ..
        }) => {
            let mut stdout = std::io::stdout().lock();
            std::io::Write::write_all(&mut stdout, completion_script(shell).as_bytes())
                .and_then(|()| std::io::Write::flush(&mut stdout))
                .map_err(Error::Output)?;
            Ok(None)
        }
        Ok(a) => Ok(Some(a)),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Ok(None)
        }
        Err(e) => {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            Err(Error::Usage(format!("{first} (see caprun --help)")))
        }
    }
}

/// The common command lines without clap: `[--policy P] [--net] [--dry-run]
/// [--explain-denials] PROGRAM [CONFIG]` and `[--rw P]... [--ro P]... [--env E]... --
/// COMMAND...`, each option spelled `--name value` or `--name=value`, in any order.
///
/// Why: building and running clap's parser costs ≈ 0.07 ms per launch here (its code and
/// data are paged in at every start; BENCHMARKS.md), a twentieth of a sandboxed launch.
/// This parser only ever accepts a subset of what clap accepts, with the same result
/// (a property test compares them): it returns `None` for anything else, including
/// help, version, errors, repeated single-use options, values that begin with `-` and
/// arguments that are not UTF-8, and the caller then asks clap.
fn parse_common(argv: &[OsString]) -> Option<Args> {
    let mut args = Args {
        policy: None,
        rw: Vec::new(),
        ro: Vec::new(),
        env: Vec::new(),
        net: false,
        uid: None,
        gid: None,
        dry_run: false,
        explain_denials: false,
        learn: None,
        check_policy: None,
        show_policy: None,
        completions: None,
        program: None,
        config: None,
        command: Vec::new(),
    };
    let mut rest = argv.iter().skip(1);
    while let Some(arg) = rest.next() {
        let arg = arg.to_str()?;
        if arg == "--" {
            for word in rest.by_ref() {
                word.to_str()?; // clap takes it; this parser only takes UTF-8
                args.command.push(word.clone());
            }
            break;
        }
        let Some(option) = arg.strip_prefix("--") else {
            // A positional; a lone `-` is one too (standard input as CONFIG).
            if arg.starts_with('-') && arg != "-" || arg.is_empty() {
                return None;
            }
            match (&args.program, &args.config) {
                (None, _) => args.program = Some(PathBuf::from(arg)),
                (Some(_), None) => args.config = Some(PathBuf::from(arg)),
                (Some(_), Some(_)) => return None,
            }
            continue;
        };
        let (name, inline) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (option, None),
        };
        let flag = match name {
            "net" => Some(&mut args.net),
            "dry-run" => Some(&mut args.dry_run),
            "explain-denials" => Some(&mut args.explain_denials),
            _ => None,
        };
        if let Some(flag) = flag {
            if inline.is_some() || *flag {
                return None;
            }
            *flag = true;
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => rest.next()?.to_str()?,
        };
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        match name {
            "policy" if args.policy.is_none() => args.policy = Some(value.to_owned()),
            "rw" => args.rw.push(PathBuf::from(value)),
            "ro" => args.ro.push(PathBuf::from(value)),
            "env" => args.env.push(value.to_owned()),
            _ => return None,
        }
    }
    if args.program.is_none() && args.command.is_empty() {
        return None;
    }
    Some(args)
}

/// A failure of [`run`]: the error, and the source line it points at with a caret
/// under the column, when it comes from a config or policy file.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong (one line).
    pub error: Error,
    /// The offending source line and a caret line, each ending in a newline.
    pub excerpt: Option<String>,
}

impl Error {
    /// The 1-based line and column in the config or policy the error points at.
    fn position(&self) -> Option<(usize, usize)> {
        match self {
            Error::Config { source, .. } => source.pos.map(|p| (p.line, p.col)),
            Error::Resource {
                source: ResourceError::At { pos, .. },
                ..
            } => Some((pos.line, pos.col)),
            Error::Plan { source, .. } => Some((source.pos.line, source.pos.col)),
            Error::Policy(e) if e.pos.line > 0 => Some((e.pos.line, e.pos.col)),
            _ => None,
        }
    }
}

/// Line `line` of `text` and a caret under column `col`, indented, as a compiler shows.
pub fn excerpt(text: &str, line: usize, col: usize) -> Option<String> {
    let index = line.checked_sub(1)?;
    // A position just past the last line (an error at the end of input) shows empty.
    let src = match text.lines().nth(index) {
        Some(src) => src,
        None if index == text.lines().count() => "",
        None => return None,
    };
    let number = line.to_string();
    // The caret lines up under the character: tabs stay tabs.
    let pad: String = src
        .chars()
        .take(col.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!(
        "  {number} | {src}\n  {} | {pad}^\n",
        " ".repeat(number.len())
    ))
}

/// Run the whole pipeline. Returns only on failure or after a dry run.
pub fn run(args: Args) -> Result<(), Failure> {
    let mut config_text = None;
    run_with(args, &mut config_text).map_err(|error| {
        let excerpt = error.position().and_then(|(line, col)| {
            let text = match &error {
                Error::Policy(e) => match e.file.strip_prefix("builtin:") {
                    Some(name) => sandbox::policy::builtin_text(name).map(str::to_owned),
                    None => std::fs::read_to_string(&e.file).ok(),
                },
                _ => config_text.clone(),
            }?;
            excerpt(&text, line, col)
        });
        Failure { error, excerpt }
    })
}

fn run_with(args: Args, config_text: &mut Option<String>) -> Result<(), Error> {
    if let Some(p) = &args.check_policy {
        return check_policy(p);
    }
    if let Some(p) = &args.show_policy {
        let policy = sandbox::load(p)?;
        let text = sandbox::notify::render_policy(&policy);
        std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())
            .map_err(Error::Output)?;
        return Ok(());
    }
    let command_form = !args.command.is_empty();
    if command_form && (args.program.is_some() || args.config.is_some()) {
        return Err(Error::Usage(
            "give either PROGRAM [CONFIG] or -- PROGRAM [ARGS...], not both (see caprun --help)"
                .into(),
        ));
    }
    let grants_given = !args.rw.is_empty() || !args.ro.is_empty() || !args.env.is_empty();
    if grants_given && !command_form {
        return Err(Error::Usage(
            "--rw, --ro and --env belong to the command-line form: caprun [OPTIONS] -- PROGRAM [ARGS...]"
                .into(),
        ));
    }
    if args.uid.is_some() && crate::sys::ids::geteuid() != 0 {
        return Err(Error::Usage(
            "--uid and --gid choose the identity of a program started by root; caprun is not running as root".into(),
        ));
    }
    let default_policy = if command_form { "devtools" } else { "default" };
    let mut policy = sandbox::load(args.policy.as_deref().unwrap_or(default_policy))?;
    if args.net {
        policy.allow_network();
    }
    let (program_path, file, text) = if command_form {
        let program = resources::find_program(&args.command[0]).map_err(Error::Program)?;
        let text = command_config(&args, &program).map_err(Error::Program)?;
        (program, "<command line>".to_owned(), text)
    } else {
        let (file, text) = read_config(args.config.as_ref())?;
        (
            args.program
                .clone()
                .expect("both parsers require PROGRAM without a COMMAND"),
            file,
            text,
        )
    };
    *config_text = Some(text.clone());
    let config = config::parse(&text).map_err(|source| Error::Config {
        file: file.clone(),
        source,
    })?;
    let res_err = |source| Error::Resource {
        file: file.clone(),
        source,
    };
    // Inherited descriptors are checked before caprun opens anything of its own.
    resources::check_inherited(&config).map_err(res_err)?;
    let program = resources::open_program(&program_path).map_err(Error::Program)?;
    let mut opened = resources::open_all(&config, &program).map_err(res_err)?;
    let plan = match &config.exec {
        None => plan::build(&config, &program.name),
        Some(exec) => plan::build_exec(
            &config,
            exec,
            &|id| {
                opened.items[id]
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

    if args.dry_run {
        let descriptions: Vec<Description> =
            opened.items.iter().map(|o| o.description.clone()).collect();
        let report = if command_form {
            // The equivalent config, ready to commit (everything in it was checked).
            text.clone()
        } else {
            plan::render_dry_run(&plan, &program_path.to_string_lossy(), &descriptions)
        };
        std::io::Write::write_all(&mut std::io::stdout(), report.as_bytes())
            .map_err(Error::Output)?;
        return Ok(());
    }

    let table: Vec<RawFd> = plan
        .table
        .iter()
        .map(|&id| opened.raw_fd(id, &program))
        .collect();
    let truncate: Vec<RawFd> = plan
        .table
        .iter()
        .enumerate()
        .filter(|(_, &id)| opened.items[id].truncate)
        .map(|(slot, _)| slot as RawFd)
        .collect();
    // Landlock: every file and directory opened. Those an !exec reaches by path may
    // also be executed from (build products, toolchains); descriptors may not.
    let by_path = |id: usize| plan.paths.iter().any(|g| g.id == id);
    let grants = Grants {
        files: opened
            .items
            .iter()
            .enumerate()
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
            .map(|g| sandbox::ExtraBind {
                source: opened.items[g.id]
                    .host_path()
                    .map(Path::to_owned)
                    .unwrap_or_default(),
                target: g.target.clone(),
                writable: matches!(
                    opened.items[g.id].description,
                    Description::File { mode, .. } if mode != Mode::Read
                ),
            })
            .collect(),
        cwd: plan.cwd.clone(),
        program: Some(program.fd.as_fd()),
        run_as: args
            .uid
            .zip(args.gid)
            .map(|(uid, gid)| sandbox::Identity { uid, gid }),
        staging: None,
    };
    check_interpreter(&program, &policy, &grants)?;
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
    let policy_name = args.policy.as_deref().unwrap_or(default_policy);
    let notify = notify_setup(&args, policy_name, &policy, &label)?;
    let launch = Launch::new(
        program.fd,
        &label,
        &table,
        plan.argdata.is_some().then_some(&plan.argdata_bytes[..]),
        truncate,
        plan.argv.clone(),
        plan.env.clone(),
    )?;
    let (launch, listener_program) = match notify {
        Some((session, prog)) => (launch.supervised(session)?, Some(prog)),
        None => (launch, None),
    };
    // Past this point a failure is reported by the exec step itself.
    opened.commit();
    launch.run(&mut Sandboxed(prepared, listener_program), pid_namespace)
}

/// `--check-policy`: load (extends, groups, names, conditions) and compile.
fn check_policy(name: &str) -> Result<(), Error> {
    let policy = sandbox::load(name)?;
    if let Some(sp) = &policy.seccomp {
        sandbox::seccomp::compile(sp).map_err(SandboxError::from)?;
    }
    println!("{name}: valid");
    Ok(())
}

/// For `--explain-denials` / `--learn`: the session and the notifying program.
fn notify_setup(
    args: &Args,
    policy_name: &str,
    policy: &sandbox::Policy,
    label: &str,
) -> Result<Option<(sandbox::notify::Session, sandbox::seccomp::BpfProgramOwned)>, Error> {
    use sandbox::notify::{Mode, Session};
    let mode = match (&args.learn, args.explain_denials) {
        (Some(_), _) => Mode::Learn,
        (None, true) => Mode::Explain,
        (None, false) => return Ok(None),
    };
    let Some(sp) = &policy.seccomp else {
        return Err(Error::Notify(format!(
            "policy {} has no seccomp filter: nothing to explain or learn",
            policy_name
        )));
    };
    // The program's process hands the listener over with sendmsg after installing the
    // filter: that call must not itself wait for the supervisor.
    for needed in ["sendmsg", "execveat"] {
        if !sp.allow.contains(needed) {
            return Err(Error::Notify(format!(
                "policy {}: --explain-denials and --learn need `{needed}` in the allow list",
                policy_name
            )));
        }
    }
    // The same filter `prepare` compiles, with denials routed to the supervisor.
    let mut sp = sp.clone();
    if policy.network {
        sandbox::allow_inet_sockets(&mut sp);
    }
    let sp = &sp;
    let prog = sandbox::seccomp::compile_with(sp, sandbox::seccomp::Denials::Notify)
        .map_err(SandboxError::from)?;
    let mut session = Session::new(mode, policy_name, sp, label);
    if let Some(out) = &args.learn {
        // Opened now: the supervisor runs inside the sandbox's file system view.
        let file = std::fs::File::create(out)
            .map_err(|e| Error::Notify(format!("--learn {}: {e}", out.display())))?;
        let extends = if sandbox::policy::builtin_text(policy_name).is_some() {
            policy_name.to_string()
        } else {
            std::fs::canonicalize(policy_name)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| policy_name.to_string())
        };
        session.learn_into(file.into(), &out.display().to_string(), &extends);
        eprintln!(
            "caprun: LEARNING MODE: this is NOT a sandbox for system calls: every call outside policy {} is allowed and recorded (run only programs you trust)",
            policy_name
        );
    }
    Ok(Some((session, prog)))
}

/// A dynamically linked program needs its ELF interpreter inside the new root: say so
/// before anything irreversible, rather than failing the exec with a bare ENOENT.
fn check_interpreter(
    program: &resources::Program,
    policy: &sandbox::Policy,
    grants: &Grants<'_>,
) -> Result<(), Error> {
    if !policy.has(sandbox::policy::Namespace::Mount) {
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
    Err(Error::Program(ResourceError::ProgramNotExecutable {
        path: program.path.clone(),
        reason: format!(
            "dynamically linked (interpreter {}), which policy {} does not provide: use --policy default or devtools, or link it statically",
            interp.display(),
            policy.name
        ),
    }))
}

fn access(mode: Mode, executable: bool) -> Access {
    match (mode, executable) {
        (Mode::Read, false) => Access::Read,
        (Mode::Read, true) => Access::ReadExecute,
        (Mode::Write, _) => Access::Write,
        (Mode::ReadWrite, false) => Access::ReadWrite,
        (Mode::ReadWrite, true) => Access::ReadWriteExecute,
        (Mode::Append, _) => Access::Append,
    }
}

/// The sandbox's two steps inside the final launch step (and, for explain/learn, the
/// notifying seccomp program installed instead of the policy's).
struct Sandboxed(sandbox::Prepared, Option<sandbox::seccomp::BpfProgramOwned>);

impl Restrictions for Sandboxed {
    fn before_rearrange(&mut self) -> Result<(), String> {
        self.0.enter().map_err(|e| e.to_string())
    }
    fn just_before_exec(&mut self) -> Result<(), nix::errno::Errno> {
        self.0
            .install_seccomp()
            .map_err(nix::errno::Errno::from_raw)
    }
    fn just_before_exec_with_listener(&mut self) -> Result<RawFd, nix::errno::Errno> {
        match &self.1 {
            Some(prog) => {
                sandbox::seccomp::install_listener(prog).map_err(nix::errno::Errno::from_raw)
            }
            None => Err(nix::errno::Errno::EINVAL),
        }
    }
}

/// The `!exec` config equivalent to the command-line form, as YAML text.
fn command_config(args: &Args, program: &std::path::Path) -> Result<String, ResourceError> {
    let mut grants = Vec::new();
    for (paths, mode) in [(&args.rw, Mode::ReadWrite), (&args.ro, Mode::Read)] {
        for p in paths {
            let (path, is_dir) = resources::grant_path(p)?;
            grants.push((path, is_dir, mode));
        }
    }
    // The working directory is kept when it lies in a granted directory (without such a
    // grant it is not even looked up).
    let cwd = if grants.iter().any(|(_, is_dir, _)| *is_dir) {
        std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .ok()
            .filter(|cwd| {
                grants
                    .iter()
                    .any(|(p, is_dir, _)| *is_dir && cwd.starts_with(p))
            })
    } else {
        None
    };
    let env = args
        .env
        .iter()
        .map(|e| match e.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (e.clone(), None),
        })
        .collect::<Vec<_>>();
    Ok(render_command_config(
        program,
        &args.command,
        &env,
        &grants,
        cwd.as_deref(),
        args.policy.as_deref().unwrap_or("devtools"),
        args.net,
    ))
}

/// Render the command-line form as an `!exec` document (pure; see [`command_config`]).
pub fn render_command_config(
    program: &std::path::Path,
    command: &[OsString],
    env: &[(String, Option<String>)],
    grants: &[(PathBuf, bool, Mode)],
    cwd: Option<&std::path::Path>,
    policy: &str,
    net: bool,
) -> String {
    use std::fmt::Write;
    let q = crate::yaml::quote;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# caprun's command-line form as a config; run it with\n#   caprun --policy {policy}{} {} THIS.yaml",
        if net { " --net" } else { "" },
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
                if *mode == Mode::Read {
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

fn read_config(path: Option<&PathBuf>) -> Result<(String, String), Error> {
    let mut text = String::new();
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let file = p.display().to_string();
            text = std::fs::read_to_string(p).map_err(|source| Error::ReadConfig {
                file: file.clone(),
                source,
            })?;
            Ok((file, text))
        }
        _ => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| Error::ReadConfig {
                    file: "<stdin>".into(),
                    source,
                })?;
            Ok(("<stdin>".into(), text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_put_the_caret_under_the_column() {
        let text = "a: 1\nfile: !flie {path: x}\n";
        assert_eq!(
            excerpt(text, 2, 7).unwrap(),
            "  2 | file: !flie {path: x}\n    |       ^\n"
        );
        assert_eq!(
            excerpt("\tx: !y", 1, 5).unwrap(),
            "  1 | \tx: !y\n    | \t   ^\n"
        );
        assert_eq!(excerpt(text, 9, 1), None);
    }

    #[test]
    fn the_command_line_form_renders_an_exec_config() {
        let yaml = render_command_config(
            std::path::Path::new("/usr/bin/make"),
            &["make".into(), "-j2".into()],
            &[("PATH".into(), None), ("LANG".into(), Some("C".into()))],
            &[
                ("/w/p".into(), true, Mode::ReadWrite),
                ("/etc/hosts".into(), false, Mode::Read),
            ],
            Some(std::path::Path::new("/w/p")),
            "devtools",
            true,
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
        let exec = c.exec.unwrap();
        assert_eq!(exec.argv.len(), 2);
        assert_eq!(exec.env.len(), 2);
        assert_eq!(exec.paths.len(), 2);
    }

    fn os(words: &[&str]) -> Vec<OsString> {
        std::iter::once("caprun")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_usual_command_lines_skip_clap_with_clap_s_result() {
        for line in [
            &["prog"][..],
            &["prog", "config.yaml"],
            &["--policy", "strict", "prog", "-"],
            &["--policy=none", "--dry-run", "prog", "c.yaml"],
            &[
                "prog",
                "--policy",
                "./p.yaml",
                "c.yaml",
                "--explain-denials",
            ],
            &["--net", "--policy=default", "/bin/prog"],
            &["--", "make", "-j2"],
            &[
                "--rw",
                "/w",
                "--ro=/etc/hosts",
                "--env",
                "LANG=C",
                "--env=PATH",
                "--",
                "ls",
                "-la",
            ],
            &[
                "--policy", "devtools", "--net", "--rw", ".", "--", "cargo", "test",
            ],
            &["--", "sh", "-c", "echo", "--", "--policy"],
        ] {
            let argv = os(line);
            let fast = parse_common(&argv).unwrap_or_else(|| panic!("{line:?} went to clap"));
            assert_eq!(fast, Args::try_parse_from(&argv).unwrap(), "{line:?}");
        }
    }

    #[test]
    fn everything_else_is_left_to_clap() {
        for line in [
            &[][..],
            &["--help"],
            &["-h"],
            &["--version"],
            &["--policy", "strict"],
            &["--policy", "a", "--policy", "b", "prog"],
            &["--net", "--net", "prog"],
            &["--net=true", "prog"],
            &["--policy", "-x", "prog"],
            &["--policy=", "prog"],
            &["--policy"],
            &["--uid", "1", "--gid", "1", "prog"],
            &["--learn", "out.yaml", "prog"],
            &["--check-policy", "strict"],
            &["--completions", "bash"],
            &["--completions=zsh", "prog"],
            &["--polic", "strict", "prog"],
            &["-x", "prog"],
            &["prog", "c.yaml", "extra"],
            &["", "c.yaml"],
            &["--"],
        ] {
            assert_eq!(parse_common(&os(line)), None, "{line:?}");
        }
        let mut argv = os(&["--rw"]);
        argv.push(std::os::unix::ffi::OsStringExt::from_vec(vec![0xff]));
        argv.extend(os(&["--", "ls"]).into_iter().skip(1));
        assert_eq!(parse_common(&argv), None);
    }

    #[test]
    fn policy_options_take_built_in_names_and_paths_alike() {
        for value in [
            "strict",
            "./tool-policy.yaml",
            "/etc/caprun/p.yaml",
            "stricter",
        ] {
            let args = Args::try_parse_from(os(&["--check-policy", value])).unwrap();
            assert_eq!(args.check_policy.as_deref(), Some(value));
            let args = Args::try_parse_from(os(&["--policy", value, "prog"])).unwrap();
            assert_eq!(args.policy.as_deref(), Some(value));
        }
    }

    #[test]
    fn completions_stand_alone() {
        let args = Args::try_parse_from(os(&["--completions", "fish"])).unwrap();
        assert_eq!(args.completions, Some(Shell::Fish));
        // Exclusive: nothing else is parsed, or silently ignored, beside it.
        assert!(Args::try_parse_from(os(&["--completions", "bash", "prog"])).is_err());
        assert!(Args::try_parse_from(os(&["--completions", "tcsh"])).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8000))]

        /// Whatever the fast parser accepts, clap accepts with the same result.
        #[test]
        fn the_fast_parser_agrees_with_clap(
            picks in proptest::collection::vec(
                proptest::prop_oneof![3 => 0..COMMON, 1 => 0..VOCABULARY.len()],
                0..9,
            )
        ) {
            let argv: Vec<OsString> = std::iter::once(OsString::from("caprun"))
                .chain(picks.iter().map(|&i| OsString::from(VOCABULARY[i])))
                .collect();
            if let Some(fast) = parse_common(&argv) {
                let clap = Args::try_parse_from(&argv);
                proptest::prop_assert!(clap.is_ok(), "{argv:?}: clap says {:?}", clap.err());
                proptest::prop_assert_eq!(fast, clap.unwrap());
            }
        }
    }

    /// Options, values, separators and near misses, for the property test above: the
    /// first `COMMON` are drawn three times as often (then about a fifth of the lines are
    /// ones the fast parser accepts: 764 of 4,000 when this was written).
    #[rustfmt::skip]
    const VOCABULARY: &[&str] = &[
        "--policy", "--policy=strict", "strict", "./p.yaml", "--rw", "--rw=/w", "--ro",
        "--ro=/etc", "--env", "--env=A=1", "A", "--net", "--dry-run", "--explain-denials",
        "-", "--", "prog", "c.yaml", "-la",
        // Near misses, and the options only clap parses.
        "--policy=", "--net=1", "--learn", "out.yaml", "--uid", "--gid", "0", "-x", "-h",
        "--help", "-V", "--version", "--bogus", "", "--Policy", "--check-policy",
        "--show-policy", "--dry-run=x", "--completions", "bash", "--completions=fish",
    ];
    const COMMON: usize = 19;
}
