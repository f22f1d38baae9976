//! Checks of what would otherwise fail in the final step, made while a failure still
//! leaves nothing behind (before [`Resources::commit`](crate::resources::Resources::commit)
//! keeps what was created, and before any truncation): the program's argv and
//! environment against the kernel's limits for `execve`, and `RLIMIT_NOFILE` against
//! the descriptors the launch needs.

use std::ffi::CString;

use nix::sys::resource::{getrlimit, Resource};

use crate::config::{Config, Pos};

/// `MAX_ARG_STRLEN`: the most bytes one argv or environment string may have, its NUL
/// included (32 pages).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;

/// `_STK_LIM`: the kernel's default stack limit, of which at most 3/4 is for the strings.
const STK_LIM: u64 = 8 << 20;

/// `ARG_MAX`: the strings may always take 32 pages, whatever the stack limit.
const ARG_MAX: u64 = 32 * 4096;

/// The file name `execveat(fd, "", …, AT_EMPTY_PATH)` copies onto the new stack
/// (`/dev/fd/N`), with room for any N.
const EXEC_FILENAME: u64 = "/dev/fd/2147483647".len() as u64 + 1;

/// What would make the final step fail.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// One argv or environment string is longer than `MAX_ARG_STRLEN` (exit status 126,
    /// as the exec's E2BIG).
    #[error("{}{what} is {len} bytes long, more than the kernel's limit for one argument or variable ({MAX_ARG_STRLEN} bytes, its NUL included)", at(*pos))]
    ArgTooLong {
        /// Where it is written, for an `!exec` config.
        pos: Option<Pos>,
        /// Which string (`argv[3]`, `variable PATH`).
        what: String,
        /// Its length with the NUL.
        len: usize,
    },
    /// argv and the environment together exceed what the kernel allows for the stack
    /// limit (exit status 126, as the exec's E2BIG).
    #[error("the program's argv and environment take {total} bytes with their pointers, more than the kernel allows ({limit} bytes: a quarter of the stack limit RLIMIT_STACK {stack}, at most 6 MiB, at least 128 KiB)")]
    ArgsTooLarge {
        /// Bytes needed: strings, their NULs and pointers.
        total: u64,
        /// The kernel's limit.
        limit: u64,
        /// The stack limit it derives from.
        stack: String,
    },
    /// `RLIMIT_NOFILE` is too low for the descriptors the launch needs (exit status 125).
    #[error("the descriptor limit {} is {limit}, and this launch needs {needed} descriptors ({open} open in caprun, {table} in the program's table, {sandbox} for the policy's sandbox, {extra} for the launch itself): {}", if *.by_policy { "(the policy's rlimits.nofile)" } else { "RLIMIT_NOFILE" }, if *.by_policy { "raise rlimits.nofile in a policy of your own (caprun-policy(5))" } else { "raise it (ulimit -n), or close descriptors that caprun need not inherit" })]
    TooFewDescriptors {
        /// The soft limit in force.
        limit: u64,
        /// The limit is the policy's `rlimits: nofile` (lower than caprun's own).
        by_policy: bool,
        /// What the policy's sandbox opens (its binds, their mounts, Landlock).
        sandbox: usize,
        /// What the launch needs.
        needed: u64,
        /// Descriptors open in caprun now.
        open: usize,
        /// The program's descriptor table (with the argdata memfd).
        table: usize,
        /// Descriptors the launch opens on top of those.
        extra: usize,
    },
}

fn at(pos: Option<Pos>) -> String {
    pos.map(|p| format!("{}:{}: ", p.line, p.col))
        .unwrap_or_default()
}

impl CheckError {
    /// The exit status: 126 for what the exec would have refused, 125 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            CheckError::ArgTooLong { .. } | CheckError::ArgsTooLarge { .. } => 126,
            CheckError::TooFewDescriptors { .. } => 125,
        }
    }

    /// The position in the config, if the error has one.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            CheckError::ArgTooLong { pos, .. } => *pos,
            _ => None,
        }
    }
}

/// The kernel's limit on argv and environment strings for a stack limit of `stack`
/// bytes (`None`: unlimited), with `pointers` argv and environment pointers: as
/// `bprm_stack_limits` computes it (fs/exec.c).
pub fn args_limit(stack: Option<u64>, pointers: u64) -> u64 {
    let mut limit = STK_LIM / 4 * 3;
    if let Some(stack) = stack {
        limit = limit.min(stack / 4);
    }
    limit.max(ARG_MAX).saturating_sub(pointers * 8)
}

/// Check argv and `env` against the kernel's limits: each string at most
/// [`MAX_ARG_STRLEN`] bytes, all of them within [`args_limit`] for `stack` (the stack
/// limit the program is executed with, `None`: unlimited). Positions come from the
/// `!exec` document, if `config` has one.
pub fn check_args(
    config: &Config,
    argv: &[CString],
    env: &[CString],
    stack: Option<u64>,
) -> Result<(), CheckError> {
    let process = config.process.as_ref();
    for (i, arg) in argv.iter().enumerate() {
        let len = arg.as_bytes_with_nul().len();
        if len > MAX_ARG_STRLEN {
            return Err(CheckError::ArgTooLong {
                pos: process.and_then(|p| p.argv.get(i)).map(|w| w.pos),
                what: format!("argv[{i}]"),
                len,
            });
        }
    }
    for var in env {
        let len = var.as_bytes_with_nul().len();
        if len > MAX_ARG_STRLEN {
            let bytes = var.as_bytes();
            let name = bytes.split(|&b| b == b'=').next().unwrap_or_default();
            let name = String::from_utf8_lossy(name).into_owned();
            let pos = process
                .and_then(|p| p.env.iter().find(|e| e.name == name))
                .map(|e| e.value.pos);
            return Err(CheckError::ArgTooLong {
                pos,
                what: format!("environment variable {name}"),
                len,
            });
        }
    }
    let strings: u64 = argv
        .iter()
        .chain(env)
        .map(|s| s.as_bytes_with_nul().len() as u64)
        .sum::<u64>()
        + EXEC_FILENAME;
    let pointers = (argv.len().max(1) + env.len()) as u64;
    let limit = args_limit(stack, pointers);
    if strings > limit {
        return Err(CheckError::ArgsTooLarge {
            total: strings + pointers * 8,
            limit: limit + pointers * 8,
            stack: stack.map_or("unlimited".into(), |s| format!("{s} bytes")),
        });
    }
    Ok(())
}

/// The stack limit the program will be executed with: the policy's `rlimits: stack`
/// if it sets one, else caprun's own (`None`: unlimited).
pub fn exec_stack_limit(policy_stack: Option<u64>) -> Option<u64> {
    let own = getrlimit(Resource::RLIMIT_STACK)
        .ok()
        .map(|(soft, _)| soft)
        .filter(|&s| s != nix::sys::resource::RLIM_INFINITY);
    match policy_stack {
        Some(s) if s == nix::sys::resource::RLIM_INFINITY => None,
        Some(s) => Some(s),
        None => own,
    }
}

/// What a launch still opens, for [`check_descriptors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DescriptorNeeds {
    /// The slots of the program's descriptor table (without the argdata memfd).
    pub table: usize,
    /// The argdata memfd.
    pub argdata: bool,
    /// The explain/learn channel and listener (also the lock broker's).
    pub supervised: bool,
    /// The service notifications' relay (a socket and a pair).
    pub service_notify: bool,
    /// What the policy's sandbox opens (`sandbox::descriptors_needed`).
    pub sandbox: usize,
    /// The policy's `rlimits.nofile` soft limit, in force when the descriptors are
    /// rearranged.
    pub policy_nofile: Option<u64>,
}

/// Check that `RLIMIT_NOFILE` (or the policy's `nofile`, if lower) leaves room for what
/// the launch still opens ([`DescriptorNeeds`]): the argdata memfd, a copy of stderr, the
/// explain/learn channel, the service notifications' relay, what the policy's sandbox
/// opens, and the rearrangement, which may lift each slot of the program's table once
/// above it.
pub fn check_descriptors(needs: DescriptorNeeds) -> Result<(), CheckError> {
    let DescriptorNeeds {
        table,
        argdata,
        supervised: notify,
        service_notify,
        sandbox,
        policy_nofile,
    } = needs;
    let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return Ok(());
    };
    let limit = policy_nofile.map_or(soft, |p| p.min(soft));
    let by_policy = limit < soft;
    let table = table + usize::from(argdata);
    let extra = 1 // stderr's copy
        + usize::from(argdata) // the memfd, before it takes its slot
        + if notify { 2 } else { 0 }
        + if service_notify { 3 } else { 0 };
    // At the rearrangement the table sits at 0..table with the controls above, and a
    // lifted descriptor lands above the table: what is open now, plus the launch's own,
    // plus one lift per slot in the worst case.
    let needed = |open: usize| (open + sandbox + extra + table).max(table + 4) as u64;
    // Counted in /proc, which is there before the sandbox is entered; without it, the
    // check is left to the kernel. Linux 6.2 and later count them for a `stat` of
    // /proc/self/fd. Before, a bound first: no more descriptors are open than the
    // process's descriptor table has room for. Listing /proc/self/fd costs ≈ 3 µs per
    // open descriptor (procfs makes an inode for each entry; BENCHMARKS.md, run 18), so
    // only a launch the bound cannot clear pays for the exact count.
    let open = match open_descriptors() {
        Some(open) => open,
        None if fd_table_size().is_some_and(|size| needed(size) <= limit) => return Ok(()),
        None => match std::fs::read_dir("/proc/self/fd") {
            // The directory's own descriptor is listed too.
            Ok(dir) => dir.count().saturating_sub(1),
            // No descriptor left to list them: every one is open.
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => soft as usize,
            Err(_) => return Ok(()),
        },
    };
    let needed = needed(open);
    if needed > limit {
        return Err(CheckError::TooFewDescriptors {
            limit,
            by_policy,
            sandbox,
            needed,
            open,
            table,
            extra,
        });
    }
    Ok(())
}

/// How many descriptors this process has open: the size `stat` gives
/// `/proc/self/fd` (Linux 6.2 and later; before, 0: `None`). Opens nothing, and costs
/// the same whatever the count.
fn open_descriptors() -> Option<usize> {
    let size = std::fs::metadata("/proc/self/fd").ok()?.len();
    (size > 0).then_some(size as usize)
}

/// The size of this process's descriptor table (`FDSize` in `/proc/self/status`): every
/// open descriptor is below it.
fn fd_table_size() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    fd_size_of(&status)
}

/// `FDSize` of a `/proc/PID/status` text.
fn fd_size_of(status: &str) -> Option<usize> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("FDSize:"))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_descriptors_are_counted_without_listing_them() {
        const NAME: &str =
            "launch::checks::tests::open_descriptors_are_counted_without_listing_them";
        if std::env::var_os("CAPRUN_COUNT_ALONE").is_none() {
            // Other tests of this binary open and close descriptors all the time: the
            // count is checked in a process of its own, running this test alone.
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", NAME, "--test-threads=1", "--nocapture"])
                .env("CAPRUN_COUNT_ALONE", "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success() && text.contains("1 passed"), "{text}");
            return;
        }
        let Some(before) = open_descriptors() else {
            eprintln!("SKIPPED: this kernel (before Linux 6.2) does not count them for a stat of /proc/self/fd");
            return;
        };
        // The listing's own descriptor is listed too.
        let listed = || std::fs::read_dir("/proc/self/fd").unwrap().count() - 1;
        assert_eq!(before, listed());
        let extra: Vec<std::fs::File> = (0..7)
            .map(|_| std::fs::File::open("/dev/null").unwrap())
            .collect();
        assert_eq!(open_descriptors(), Some(before + 7));
        assert_eq!(open_descriptors(), Some(listed()));
        drop(extra);
        assert_eq!(open_descriptors(), Some(before));
    }

    #[test]
    fn the_descriptor_table_size_bounds_the_open_descriptors() {
        assert_eq!(fd_size_of("Name:\tx\nFDSize:\t64\nGroups:\t\n"), Some(64));
        assert_eq!(fd_size_of("Name:\tx\n"), None);
        // This process: its open descriptors are all below the table's size.
        let size = fd_table_size().unwrap();
        let open = std::fs::read_dir("/proc/self/fd").unwrap().count() - 1;
        assert!(open <= size, "{open} > {size}");
        let highest = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<usize>().ok())
            .max()
            .unwrap();
        assert!(highest < size, "{highest} >= {size}");
    }

    fn cs(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    #[test]
    fn the_limit_is_computed_as_the_kernel_does() {
        // A quarter of the stack limit, at most 3/4 of 8 MiB, at least 128 KiB; minus
        // the pointers.
        assert_eq!(args_limit(Some(8 << 20), 0), 2 << 20);
        assert_eq!(args_limit(None, 0), 6 << 20);
        assert_eq!(args_limit(Some(64 << 20), 0), 6 << 20);
        assert_eq!(args_limit(Some(64 << 10), 0), 128 << 10);
        assert_eq!(args_limit(Some(8 << 20), 3), (2 << 20) - 24);
    }

    #[test]
    fn one_string_over_max_arg_strlen_is_refused() {
        let config =
            crate::config::parse("!exec\nargv: [prog, x]\nenv: {A: b, LONG: c}\n").unwrap();
        let long = "y".repeat(MAX_ARG_STRLEN);
        let e = check_args(&config, &[cs("prog"), cs(&long)], &[], None).unwrap_err();
        assert_eq!(e.pos(), Some(Pos { line: 2, col: 14 }));
        assert_eq!(e.exit_code(), 126);
        assert!(
            e.to_string()
                .starts_with("2:14: argv[1] is 131073 bytes long"),
            "{e}"
        );
        // One byte less fits.
        let fits = "y".repeat(MAX_ARG_STRLEN - 1);
        assert!(check_args(&config, &[cs("prog"), cs(&fits)], &[], None).is_ok());
        let var = format!("LONG={long}");
        let e = check_args(&config, &[cs("prog")], &[cs("A=b"), cs(&var)], None).unwrap_err();
        assert_eq!(e.pos(), Some(Pos { line: 3, col: 19 }));
        assert!(e.to_string().contains("environment variable LONG"), "{e}");
    }

    #[test]
    fn the_total_is_checked_against_the_stack_limit() {
        let config = crate::config::parse("x: 1\n").unwrap();
        let arg = "z".repeat(100_000);
        let argv: Vec<CString> = (0..3).map(|_| cs(&arg)).collect();
        // 300 KB: too much for a 1 MiB stack (256 KiB), fine for 8 MiB.
        let e = check_args(&config, &argv, &[], Some(1 << 20)).unwrap_err();
        assert!(
            matches!(e, CheckError::ArgsTooLarge { limit: 262144, .. }),
            "{e}"
        );
        assert!(check_args(&config, &argv, &[], Some(8 << 20)).is_ok());
    }

    #[test]
    fn the_descriptor_check_counts_what_is_open() {
        let needs = DescriptorNeeds {
            table: 3,
            argdata: true,
            sandbox: 8,
            ..DescriptorNeeds::default()
        };
        assert!(check_descriptors(needs).is_ok());
        let e = check_descriptors(DescriptorNeeds {
            policy_nofile: Some(4),
            ..needs
        })
        .unwrap_err();
        assert!(
            matches!(
                e,
                CheckError::TooFewDescriptors {
                    limit: 4,
                    by_policy: true,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("rlimits.nofile"), "{e}");
        assert_eq!(e.exit_code(), 125);
    }
}
