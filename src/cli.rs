//! `cli`: the command line. Arguments are parsed into a plain struct ([`Args`]), turned
//! into a [`Request`] for [`crate::launch`], and a failure into one line on stderr and an
//! exit status ([`main`]).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;

use crate::launch::{
    self, CommandLine, ConfigSource, Error, Failure, Notify, Outcome, Request, Target,
};
use crate::sandbox::policy::Limit;
use crate::sandbox::Identity;

/// Run PROGRAM with exactly the resources CONFIG names, renumbered 0..n-1, and the
/// config tree as argdata in a sealed memfd (ARGDATA_FD); or, after `--`, an
/// unmodified COMMAND in a sandbox that reaches only the paths granted with --rw/--ro.
#[derive(Debug, PartialEq, Parser)]
#[command(
    name = "caprun",
    version,
    about,
    long_about = None,
    override_usage = "caprun [OPTIONS] PROGRAM [CONFIG]\n       caprun [OPTIONS] [--rw PATH]... [--ro PATH]... [--env NAME[=VALUE]]... [--cwd DIR] [--net] [--explain-denials] -- PROGRAM [ARGS]..."
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
    /// After `--`: start the program in DIR, which must lie inside a directory granted
    /// with --rw/--ro or hold a granted file [default: the current directory when
    /// granted, else /].
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Let the program use the host's network (no network namespace; internet sockets
    /// allowed by the seccomp filter and Landlock).
    #[arg(long)]
    pub net: bool,
    /// Let the program reach `HOST[:PORT]` (repeatable) through a proxy outside the sandbox
    /// (HTTP, and SOCKS5 on the same port), and nothing else: a name, `*.example.org`, an IP address or a CIDR range;
    /// the port defaults to 80 and 443. The program keeps its own network namespace;
    /// HTTP_PROXY, HTTPS_PROXY, ALL_PROXY (and their lower-case forms) point at the proxy.
    #[arg(long, value_name = "HOST[:PORT]", conflicts_with = "net")]
    pub net_allow: Vec<String>,
    /// Change one of the policy's limits: `tasks=N` (processes and threads at once),
    /// `tmpfs=SIZE` (each tmpfs caprun mounts; K, M, G, T suffixes), a resource limit
    /// (`core`, `nofile`, `stack`, … as in caprun-policy(5)'s `rlimits`; soft and hard
    /// both), or `NAME=unlimited`.
    #[arg(long, value_name = "NAME=VALUE")]
    pub limit: Vec<String>,
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
    /// Print what this machine supports for the sandbox (probed in child processes) and,
    /// for each built-in policy (or the --policy given), whether it runs here as written,
    /// with differences, or is refused and why; with --net, --limit, --uid and --gid, for
    /// launches with them. Exit status 0 when every policy checked runs as written, else 1.
    /// Runs nothing.
    #[arg(
        long,
        conflicts_with_all = [
            "program", "command", "dry_run", "explain_denials", "learn", "check_policy",
            "show_policy", "rw", "ro", "env", "cwd", "net_allow",
        ]
    )]
    pub check_host: bool,
    /// The output of --check-host: text (for people) or json.
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub format: Option<Format>,
    /// Print the completion script for SHELL (generated from these options) and exit.
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<Shell>,
    /// The program to run; it is opened once and executed by descriptor.
    #[arg(
        value_name = "PROGRAM",
        required_unless_present_any = ["command", "check_policy", "show_policy", "check_host", "completions"]
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

/// The output format of `--check-host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people
    Text,
    /// One JSON object (its shape is documented in caprun(1))
    Json,
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
        let names = crate::sandbox::builtins::names().iter();
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
    let names = crate::sandbox::builtins::names();
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

/// Parse the command line. `Ok(None)`: help, version or a completion script was
/// printed, exit 0.
///
/// The usual command lines are parsed by a hand-written fast path; everything else (help,
/// version, the rarer options, every malformed line) goes through clap.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Option<Args>, Error> {
    let args: Vec<OsString> = args.into_iter().collect();
    if let Some(parsed) = parse_common(&args) {
        return Ok(Some(parsed));
    }
    match Args::try_parse_from(&args) {
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
        Err(e) => Err(Error::Usage(usage_message(&e, &args))),
    }
}

/// clap's message for a malformed command line, all of it (what is missing, the similar
/// option, the possible values) but its usage block, which `(see caprun --help)`
/// replaces; with a hint when nothing follows `--`.
fn usage_message(e: &clap::Error, argv: &[OsString]) -> String {
    let text = e.render().to_string();
    let mut lines: Vec<&str> = Vec::new();
    let mut in_usage = false;
    for line in text.lines() {
        if line.starts_with("Usage:") {
            in_usage = true;
        } else if in_usage && !line.starts_with(' ') {
            in_usage = false;
        }
        if in_usage || line.starts_with("For more information") {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let mut message = lines.join("\n");
    if let Some(rest) = message.strip_prefix("error: ") {
        message = rest.to_owned();
    }
    let ends_in_separator = argv.last().is_some_and(|a| a == "--");
    let missing = e.kind() == clap::error::ErrorKind::MissingRequiredArgument;
    if missing && ends_in_separator {
        message.push_str("\n  tip: nothing follows `--`: caprun [OPTIONS] -- PROGRAM [ARGS]...");
    } else if missing && message.contains("<PROGRAM>") {
        message.push_str(
            "\n  tip: caprun [OPTIONS] PROGRAM [CONFIG] runs PROGRAM with a YAML config; caprun [OPTIONS] -- PROGRAM [ARGS]... runs a command in a sandbox",
        );
    }
    message.push_str("\n(see caprun --help)");
    message
}

/// The common command lines without clap: `[--policy P] [--net] [--dry-run]
/// [--explain-denials] PROGRAM [CONFIG]` and `[--rw P]... [--ro P]... [--env E]...
/// [--cwd D] -- COMMAND...`, each option spelled `--name value` or `--name=value`, in any order.
/// The common command lines without clap: `[--policy P] [--net | --net-allow H]...
/// [--dry-run] [--explain-denials] PROGRAM [CONFIG]` and `[--rw P]... [--ro P]... [--env
/// E]... -- COMMAND...`, each option spelled `--name value` or `--name=value`, in any order.
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
        cwd: None,
        net: false,
        net_allow: Vec::new(),
        limit: Vec::new(),
        uid: None,
        gid: None,
        dry_run: false,
        explain_denials: false,
        learn: None,
        check_policy: None,
        show_policy: None,
        check_host: false,
        format: None,
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
            "cwd" if args.cwd.is_none() => args.cwd = Some(PathBuf::from(value)),
            "net-allow" => args.net_allow.push(value.to_owned()),
            _ => return None,
        }
    }
    if args.program.is_none() && args.command.is_empty() {
        return None;
    }
    // clap refuses them together.
    if args.net && !args.net_allow.is_empty() {
        return None;
    }
    Some(args)
}

/// The check `--uid`/`--gid`, `--rw`/`--ro`/`--env`/`--cwd`, PROGRAM and COMMAND need, then the
/// launch `args` ask for.
pub fn request(args: Args) -> Result<Request, Error> {
    let command_form = !args.command.is_empty();
    if command_form && (args.program.is_some() || args.config.is_some()) {
        return Err(Error::Usage(
            "give either PROGRAM [CONFIG] or -- PROGRAM [ARGS...], not both (see caprun --help)"
                .into(),
        ));
    }
    let grants_given =
        !args.rw.is_empty() || !args.ro.is_empty() || !args.env.is_empty() || args.cwd.is_some();
    if grants_given && !command_form {
        return Err(Error::Usage(
            "--rw, --ro, --env and --cwd belong to the command-line form: caprun [OPTIONS] -- PROGRAM [ARGS...]"
                .into(),
        ));
    }
    let target = if command_form {
        Target::Command(CommandLine {
            argv: args.command,
            rw: args.rw,
            ro: args.ro,
            env: args.env,
            cwd: args.cwd,
        })
    } else {
        Target::Program {
            path: args
                .program
                .expect("both parsers require PROGRAM without a COMMAND"),
            config: match args.config {
                Some(p) if p.as_os_str() != "-" => ConfigSource::File(p),
                _ => ConfigSource::Stdin,
            },
        }
    };
    let notify = match (args.learn, args.explain_denials) {
        (Some(out), _) => Notify::Learn(out),
        (None, true) => Notify::Explain,
        (None, false) => Notify::Off,
    };
    Ok(Request {
        policy: args.policy,
        net: args.net,
        net_allow: args.net_allow,
        limits: limits(&args.limit)?,
        identity: args
            .uid
            .zip(args.gid)
            .map(|(uid, gid)| Identity { uid, gid }),
        target,
        dry_run: args.dry_run,
        notify,
    })
}

/// The `--limit NAME=VALUE` options, checked: the policy's `limits:` and every
/// resource limit its `rlimits:` knows (both soft and hard set to VALUE).
fn limits(options: &[String]) -> Result<Vec<(Limit, Option<u64>)>, Error> {
    use crate::sandbox::policy::limit_names;
    let names = || limit_names().collect::<Vec<_>>().join(", ");
    let mut limits = Vec::new();
    for l in options {
        let Some((name, value)) = l.split_once('=') else {
            return Err(Error::Usage(format!(
                "--limit {l}: expected NAME=VALUE, NAME one of {}",
                names()
            )));
        };
        let which =
            Limit::from_name(name).map_err(|m| Error::Usage(format!("--limit {l}: {m}")))?;
        let value = which
            .parse_value(value)
            .map_err(|m| Error::Usage(format!("--limit {l}: {m}")))?;
        limits.push((which, value));
    }
    Ok(limits)
}

/// Do what `args` ask: check or show a policy, check the host, or launch. Returns only
/// on failure, or after printing what was asked for, with the exit status.
pub fn run(args: Args) -> Result<i32, Failure> {
    // clap's `requires` does not see a flag's absence (its default is a value).
    if args.format.is_some() && !args.check_host {
        return Err(Error::Usage(
            "--format chooses the output of --check-host (see caprun --help)".into(),
        )
        .into());
    }
    if let Some(name) = &args.check_policy {
        let notes = launch::check_policy(name)?;
        println!("{name}: valid");
        for note in notes {
            println!("{name}: note: {note}");
        }
        return Ok(0);
    }
    if let Some(name) = &args.show_policy {
        return print(&launch::show_policy(name)?).map(|()| 0);
    }
    if args.check_host {
        let format = args.format.unwrap_or(Format::Text);
        let report = launch::check_host(&host_check(args)?)?;
        print(&match format {
            Format::Text => report.text(),
            Format::Json => report.json(),
        })?;
        return Ok(report.exit_code());
    }
    match launch::run(&request(args)?)? {
        Outcome::DryRun(report) => print(&report).map(|()| 0),
    }
}

/// What `--check-host` with `args` checks: the launch options it takes (the others
/// conflict with it).
fn host_check(args: Args) -> Result<launch::HostCheck, Error> {
    Ok(launch::HostCheck {
        policy: args.policy,
        net: args.net,
        limits: limits(&args.limit)?,
        identity: args
            .uid
            .zip(args.gid)
            .map(|(uid, gid)| Identity { uid, gid }),
    })
}

/// Write `text` to standard output.
fn print(text: &str) -> Result<(), Failure> {
    std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())
        .map_err(|e| Error::Output(e).into())
}

/// The whole command: parse `argv`, run, and print a failure as one line (with the
/// source line it points at, if any) on standard error. Returns the exit status: 0, or
/// the failure's (see [`Error::exit_code`]).
pub fn main(argv: Vec<OsString>) -> i32 {
    let failure = match parse_args(argv) {
        Ok(None) => return 0,
        Ok(Some(args)) => match run(args) {
            Ok(status) => return status,
            Err(f) => f,
        },
        Err(e) => Failure::from(e),
    };
    // A closed or broken stderr must not turn status 125 into a panic.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), failure.message().as_bytes());
    failure.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;

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
                "--cwd",
                "/w",
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
            &["--cwd", "/a", "--cwd", "/b", "--", "ls"],
            &["--net=true", "prog"],
            &["--policy", "-x", "prog"],
            &["--policy=", "prog"],
            &["--policy"],
            &["--uid", "1", "--gid", "1", "prog"],
            &["--learn", "out.yaml", "prog"],
            &["--check-policy", "strict"],
            &["--check-host"],
            &["--check-host", "--format", "json", "--policy", "strict"],
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

    #[test]
    fn check_host_takes_the_launch_options_and_no_program() {
        let args = Args::try_parse_from(os(&[
            "--check-host",
            "--policy",
            "./p.yaml",
            "--net",
            "--limit",
            "tasks=unlimited",
            "--uid",
            "1",
            "--gid",
            "2",
            "--format=json",
        ]))
        .unwrap();
        assert!(args.check_host);
        assert_eq!(args.format, Some(Format::Json));
        let check = host_check(args).unwrap();
        assert_eq!(check.policy.as_deref(), Some("./p.yaml"));
        assert!(check.net);
        assert_eq!(
            check.limits,
            [(
                Limit::Sandbox(crate::sandbox::policy::SandboxLimit::Tasks),
                None
            )]
        );
        assert_eq!(check.identity, Some(Identity { uid: 1, gid: 2 }));
        for other in [
            &["prog"][..],
            &["--dry-run"],
            &["--explain-denials"],
            &["--learn", "o.yaml"],
            &["--check-policy", "strict"],
            &["--show-policy", "strict"],
            &["--rw", "."],
            &["--", "ls"],
        ] {
            let mut line = vec!["--check-host"];
            line.extend_from_slice(other);
            assert!(Args::try_parse_from(os(&line)).is_err(), "{line:?}");
        }
        // --format is --check-host's: refused elsewhere (by `run`: clap's `requires`
        // counts the flag's default as present).
        let args =
            Args::try_parse_from(os(&["--format", "json", "--check-policy", "strict"])).unwrap();
        let failure = run(args).unwrap_err();
        assert!(
            failure.message().contains("--format"),
            "{}",
            failure.message()
        );
        assert!(Args::try_parse_from(os(&["--check-host", "--format", "yaml"])).is_err());
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
        "-", "--", "prog", "c.yaml", "-la", "--net-allow", "--net-allow=127.0.0.2:80",
        // Near misses, and the options only clap parses.
        "--policy=", "--net=1", "--learn", "out.yaml", "--uid", "--gid", "0", "-x", "-h",
        "--help", "-V", "--version", "--bogus", "", "--Policy", "--check-policy",
        "--show-policy", "--dry-run=x", "--completions", "bash", "--completions=fish",
        "--check-host", "--format", "json", "--format=text", "--cwd", "--cwd=/w",
    ];
    const COMMON: usize = 21;
}
