//! `cli`: the command line, and the pipeline that turns it into a launch.
//!
//! Arguments are parsed into a plain struct first; nothing is opened until the whole
//! config has been parsed and validated.

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::{AsFd, RawFd};
use std::path::PathBuf;

use clap::Parser;

use crate::config::{self, ConfigError, Mode};
use crate::exec::{ExecError, Launch, Restrictions};
use crate::plan;
use crate::resources::{self, Description, Handle, ResourceError};
use crate::sandbox::{self, Access, Grant, Grants, PolicyError, SandboxError};

/// Run PROGRAM with exactly the resources CONFIG names, renumbered 0..n-1, and the
/// config tree as argdata in a sealed memfd (ARGDATA_FD).
#[derive(Debug, Parser)]
#[command(name = "caprun", version, about, long_about = None)]
pub struct Args {
    /// Sandbox policy: a built-in name (strict, default, unprivileged, none) or a policy file.
    #[arg(long, value_name = "NAME|PATH", default_value = "default")]
    pub policy: String,
    /// When started as root: the user id the program runs as (inside its user namespace).
    #[arg(long, value_name = "UID", requires = "gid")]
    pub uid: Option<u32>,
    /// When started as root: the group id the program runs as.
    #[arg(long, value_name = "GID", requires = "uid")]
    pub gid: Option<u32>,
    /// Open every resource and build the argdata, print the launch as YAML, run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The program to run; it is opened once and executed by descriptor.
    #[arg(value_name = "PROGRAM")]
    pub program: PathBuf,
    /// The YAML config; `-` or absent reads standard input.
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
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
    /// Writing the dry-run report failed.
    #[error("writing the report: {0}")]
    Output(std::io::Error),
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

/// Parse the command line. `Ok(None)`: help or version was printed, exit 0.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Option<Args>, Error> {
    match Args::try_parse_from(args) {
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

/// Run the whole pipeline. Returns only on failure or after a dry run.
pub fn run(args: Args) -> Result<(), Error> {
    let policy = sandbox::load(&args.policy)?;
    let (file, text) = read_config(args.config.as_ref())?;
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
    let program = resources::open_program(&args.program).map_err(Error::Program)?;
    let mut opened = resources::open_all(&config, &program).map_err(res_err)?;
    let plan = plan::build(&config, &program.name);

    if args.dry_run {
        let descriptions: Vec<Description> =
            opened.items.iter().map(|o| o.description.clone()).collect();
        let report = plan::render_dry_run(&plan, &args.program.to_string_lossy(), &descriptions);
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
    let grants = Grants {
        files: opened
            .items
            .iter()
            .filter_map(|o| match (&o.handle, &o.description) {
                (
                    Handle::Owned(fd),
                    Description::File {
                        mode, directory, ..
                    },
                ) => Some(Grant {
                    fd: fd.as_fd(),
                    access: access(*mode),
                    is_dir: *directory,
                }),
                _ => None,
            })
            .collect(),
        program: Some(program.fd.as_fd()),
        run_as: args
            .uid
            .zip(args.gid)
            .map(|(uid, gid)| sandbox::Identity { uid, gid }),
        staging: None,
    };
    let prepared = sandbox::prepare(&policy, &grants)?;
    drop(grants);
    let pid_namespace = prepared.needs_fork();
    let label = args.program.display().to_string();
    let launch = Launch::new(
        program.fd,
        &label,
        &table,
        &plan.argdata_bytes,
        truncate,
        plan.argv.clone(),
        plan.env.clone(),
    )?;
    // Past this point a failure is reported by the exec step itself.
    opened.commit();
    launch.run(&mut Sandboxed(prepared), pid_namespace)
}

fn access(mode: Mode) -> Access {
    match mode {
        Mode::Read => Access::Read,
        Mode::Write => Access::Write,
        Mode::ReadWrite => Access::ReadWrite,
        Mode::Append => Access::Append,
    }
}

/// The sandbox's two steps inside the final launch step.
struct Sandboxed(sandbox::Prepared);

impl Restrictions for Sandboxed {
    fn before_rearrange(&mut self) -> Result<(), String> {
        self.0.enter().map_err(|e| e.to_string())
    }
    fn just_before_exec(&mut self) -> Result<(), nix::errno::Errno> {
        self.0
            .install_seccomp()
            .map_err(nix::errno::Errno::from_raw)
    }
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
