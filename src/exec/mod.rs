//! `exec`: the final step of a launch and the processes around it.
//!
//! Everything here was computed beforehand ([`Launch::new`] allocates; what runs after
//! a fork does not need to): the descriptor plan, the argv/envp pointer arrays and the
//! error message prefix. One file per role:
//!
//! - this module: the [`Launch`] and what it asks of the sandbox ([`Restrictions`]) and
//!   of a supervising session ([`Supervisor`]); [`Launch::run`] picks the processes;
//! - `final_step`: in the process that becomes the program: rearrange
//!   the descriptors, install the filter, `execveat`;
//! - `supervisor`: the process that stays outside the sandbox ([`Layout::Supervised`]);
//! - `init`: the PID 1 of the sandbox's PID namespace;
//! - `janitor`: [`Undo`], and the detached process that undoes a failed in-place launch;
//! - `channel`: the messages between these processes;
//! - `egress_relay`: the `--net-allow` proxy's process, outside the sandbox, and its
//!   listening socket, inside ([`Egress`]);
//! - [`trial`]: `--check-host`'s trial of a sandbox.
//!
//! The process must be single-threaded from start to exec (checked when the launch
//! starts): its forks and the rearrangement rely on it.

mod channel;
mod egress_relay;
mod final_step;
mod init;
mod interface;
mod janitor;
mod service_notify;
mod stdio_relay;
mod supervisor;
mod trial;
mod waker;

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::plan::fdmap;
use crate::sys;

pub use crate::sys::StepError;
use channel::OnFailure;
pub use egress_relay::{Egress, ReportLine};
use final_step::{Controls, FinalStep};
use interface::single_threaded;
pub use interface::{Restrictions, Supervisor};
pub use janitor::Undo;
pub use service_notify::{Relay, ServiceNotify};
pub use stdio_relay::to_relay as stdio_to_relay;
pub use trial::{trial, TRIAL_TIMEOUT};

/// Errors while preparing the launch (nothing irreversible has happened yet).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The descriptor plan is impossible.
    #[error("descriptor table: {0}")]
    Plan(#[from] fdmap::FdPlanError),
    /// Creating the argdata memfd failed.
    #[error("argdata memfd: {0}")]
    Memfd(std::io::Error),
    /// Saving a copy of stderr failed.
    #[error("saving stderr: {0}")]
    Stderr(Errno),
    /// Creating the supervisor's channel failed.
    #[error("supervisor channel: {0}")]
    Channel(Errno),
    /// Connecting to the service manager's `NOTIFY_SOCKET` failed.
    #[error("NOTIFY_SOCKET: cannot connect to the service manager's socket: {0}")]
    ServiceNotify(Errno),
}

/// The processes a launch is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// This process becomes the program.
    InPlace,
    /// This process stays as the supervisor (see [`Launch::run`]); with `pid_namespace`
    /// its child is the init of the new PID namespace, which starts the program.
    Supervised {
        /// The namespaces include a PID namespace.
        pid_namespace: bool,
    },
}

/// A launch, ready to run.
pub struct Launch {
    /// What the process that becomes the program does last.
    step: FinalStep,
    // The plan's inputs, kept to replan with one more control (the channel).
    sources: Vec<RawFd>,
    control_fds: Vec<RawFd>,
    session: Option<Box<dyn Supervisor>>,
    channel: Option<Channel>,
    undo: Undo,
    /// systemd's notifications relayed as caprun's ([`ServiceNotify`]).
    service: Option<Relay>,
    /// Standard descriptors init relays (`stdio_relay`; `-1`: none).
    stdio_relay: [RawFd; stdio_relay::MAX],
    egress: Option<Egress>,
}

impl Launch {
    /// Prepare a launch.
    ///
    /// `table` holds the descriptor for each slot; the argdata, if any, goes into a
    /// sealed memfd placed right after them. `truncate` lists slots to truncate at launch.
    /// `program` is the descriptor to execute and `label` names it in error messages.
    pub fn new(
        program: OwnedFd,
        label: &str,
        table: &[RawFd],
        argdata: Option<&[u8]>,
        truncate: Vec<RawFd>,
        argv: Vec<CString>,
        envp: Vec<CString>,
    ) -> Result<Launch, ExecError> {
        let memfd = argdata
            .map(|data| sys::sealed_memfd(c"argdata", data))
            .transpose()
            .map_err(ExecError::Memfd)?;
        // A close-on-exec copy of stderr, so that a failure after the rearrangement still
        // reaches the original stderr. Placed at 3 or above, never over stdio.
        let stderr_copy = if sys::fd_is_open(2) {
            let fd = sys::dupfd_cloexec(2, 3).map_err(ExecError::Stderr)?;
            // SAFETY: F_DUPFD_CLOEXEC returned a new descriptor that nothing else owns.
            Some(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
        } else {
            None
        };
        let mut sources = table.to_vec();
        sources.extend(memfd.as_ref().map(|m| m.as_raw_fd()));
        let mut control_fds = vec![program.as_raw_fd()];
        let controls = Controls {
            program: 0,
            stderr: stderr_copy.as_ref().map(|f| {
                control_fds.push(f.as_raw_fd());
                control_fds.len() - 1
            }),
            channel: None,
        };
        let plan = fdmap::plan(&sources, &control_fds)?;
        let ptrs = |v: &[CString]| {
            v.iter()
                .map(|s| s.as_ptr())
                .chain(std::iter::once(std::ptr::null()))
                .collect::<Vec<_>>()
        };
        Ok(Launch {
            step: FinalStep {
                argv_ptrs: ptrs(&argv),
                envp_ptrs: ptrs(&envp),
                _argv: argv,
                _envp: envp,
                _program: program,
                _memfd: memfd,
                stderr_copy,
                plan,
                controls,
                truncate,
                prefix: format!("caprun: {label}: ").into_bytes(),
                listener_wanted: false,
                listener_optional: false,
                by_path: None,
            },
            sources,
            control_fds,
            session: None,
            channel: None,
            undo: Undo::default(),
            service: None,
            stdio_relay: [-1; stdio_relay::MAX],
            egress: None,
        })
    }

    /// Execute `path` (a `#!` script, as seen inside the sandbox) instead of the
    /// program's descriptor: the kernel gives a script's interpreter the path it was
    /// executed by, which must be open after the exec (`resources::Script`).
    pub fn by_path(mut self, path: &std::path::Path) -> Launch {
        use std::os::unix::ffi::OsStrExt;
        self.step.by_path =
            Some(CString::new(path.as_os_str().as_bytes()).expect("paths contain no NUL"));
        self
    }

    /// Route the program's denials to a supervisor (`--explain-denials`, `--learn`,
    /// the command-line form's quiet summary): the launch runs [`Layout::Supervised`]
    /// whatever the namespaces, and the supervisor runs `session`. The program's
    /// descriptors, argv and environment are the same as in exec-in-place mode. With
    /// `optional`, a launch that cannot have a listener (a filter of the process that
    /// started caprun has one already) installs the policy's own filter instead.
    pub fn supervised(mut self, session: Box<dyn Supervisor>, optional: bool) -> Launch {
        self.session = Some(session);
        self.step.listener_wanted = true;
        self.step.listener_optional = optional;
        self
    }

    /// Relay the program's service notifications (`sd_notify`) to the manager as caprun's
    /// own ([`ServiceNotify`]). Only with a PID namespace ([`Layout::Supervised`]), where
    /// init binds the socket the program's `NOTIFY_SOCKET` names.
    pub fn service_notify(mut self, sn: ServiceNotify) -> Result<Launch, ExecError> {
        self.service = Some(sn.connect().map_err(ExecError::ServiceNotify)?);
        Ok(self)
    }

    /// Offer the program an egress proxy (`--net-allow`): served by `egress` in a process
    /// of its own outside the sandbox, listening inside its network namespace (which the
    /// restrictions must create). The launch runs [`Layout::Supervised`] whatever the
    /// namespaces: the proxy lives as long as the supervisor.
    pub fn egress(mut self, egress: Egress) -> Launch {
        self.egress = Some(egress);
        self
    }

    /// Relay the standard descriptors `fds` through init (a root caller's sandbox, whose
    /// root may not open the host root's files again by path: [`stdio_to_relay`]). Only
    /// with a PID namespace ([`Layout::Supervised`]); ignored otherwise.
    pub fn relay_stdio(mut self, fds: [RawFd; stdio_relay::MAX]) -> Launch {
        self.stdio_relay = fds;
        self
    }

    /// Remove what `undo` names if the launch fails from here on.
    pub fn undo(mut self, undo: Undo) -> Launch {
        self.undo = undo;
        self
    }

    /// The channel, made once: a socket pair whose far end is a control of the
    /// descriptor plan (replanned with it).
    fn open_channel(&mut self) -> Result<(), ExecError> {
        if self.channel.is_none() {
            let (ours, theirs) = sys::seqpacket_pair().map_err(ExecError::Channel)?;
            self.control_fds.push(theirs.as_raw_fd());
            self.step.plan = fdmap::plan(&self.sources, &self.control_fds)?;
            self.step.controls.channel = Some(self.control_fds.len() - 1);
            self.channel = Some(Channel {
                ours: Some(ours),
                theirs,
            });
        }
        Ok(())
    }

    /// Run the launch: this process becomes the program, or exits with 125 (a failure
    /// before exec), 126 (the program cannot be executed) or 127 (it does not exist).
    ///
    /// First the namespaces are created ([`Restrictions::unshare`]), here. Then:
    /// - [`Layout::InPlace`]: this process enters the sandbox, rearranges its descriptors
    ///   and execs. When something was created ([`undo`](Self::undo)), a small detached
    ///   process waits to remove it should the exec fail.
    /// - [`Layout::Supervised`]: this process stays as the supervisor, outside the sandbox
    ///   (only in the namespaces `unshare` entered, never restricted): it forwards
    ///   signals, answers seccomp notifications (explain/learn), stops when the program
    ///   stops, undoes a failed launch, and ends as the program ended (its exit status, or
    ///   killed by the same signal). Its child enters the sandbox: with a PID namespace it
    ///   is the namespace's init (PID 1), which starts the program as PID 2 (a PID 1
    ///   ignores signals it has no handler for, so the program must not be it) and ends
    ///   the namespace, every process in it, when the program ends. Without, the child is
    ///   the program. The child dies with the supervisor (`PR_SET_PDEATHSIG`); the
    ///   supervisor itself does not depend on the thread or process that started it.
    ///
    /// The process must have one thread: the launch forks, and the rearrangement closes
    /// and replaces descriptors whatever owns them (another thread would lose them
    /// underneath). `unshare(CLONE_NEWUSER)` demands it too.
    ///
    /// This is checked here, always, before anything is forked or entered: a process
    /// with more threads exits with 125 and says so. (After, `/proc` may be gone.)
    pub fn run<R: Restrictions>(mut self, restrictions: &mut R, mode: Layout) -> ! {
        let stderr = self.step.stderr_fd();
        if let Err(threads) = single_threaded() {
            self.give_up(
                stderr,
                format!(
                    "the launch must be single-threaded, and this process has {threads} threads"
                ),
            );
        }
        let mode = match mode {
            Layout::InPlace if self.session.is_some() || self.egress.is_some() => {
                Layout::Supervised {
                    pid_namespace: false,
                }
            }
            m => m,
        };
        if let Layout::Supervised { .. } = mode {
            if let Err(e) = self.open_channel() {
                self.give_up(stderr, e);
            }
        } else if !self.undo.is_empty() {
            // In-place mode with something to undo: the janitor holds the channel's other
            // end; this process keeps its own, close-on-exec.
            if let Err(e) = self.open_channel() {
                self.give_up(stderr, e);
            }
            let channel = self.channel.as_mut().expect("opened above");
            let ours = channel.ours.take().expect("a new channel has both ends");
            janitor::spawn(&self.undo, ours, stderr);
        }
        // The proxy's process is forked before the namespaces exist (it stays in the
        // host's network), and gets its socket made in the sandbox's.
        let relay = match self.egress.take().map(|e| egress_relay::start(e, stderr)) {
            Some(Err(e)) => self.give_up(stderr, format!("egress proxy: fork: {e}")),
            Some(Ok(relay)) => Some(relay),
            None => None,
        };
        if let Err(e) = restrictions.unshare() {
            // No process but this one yet (the proxy's dies with it): undo here (the
            // janitor's channel, if any, closes as this process exits; it removes nothing
            // twice).
            self.give_up(stderr, e);
        }
        if let Some(Err(e)) = relay.map(egress_relay::ProxyProcess::hand_over) {
            self.give_up(stderr, e);
        }
        match mode {
            Layout::Supervised { pid_namespace } => {
                let Launch {
                    step,
                    session,
                    channel,
                    undo,
                    service,
                    stdio_relay,
                    ..
                } = self;
                let Channel { ours, theirs } = channel.expect("opened above");
                let ours = ours.expect("a new channel has both ends");
                supervisor::fork(supervisor::Parts {
                    step,
                    session,
                    undo,
                    ours,
                    theirs,
                    service: service.filter(|_| pid_namespace),
                    stdio_relay,
                    restrictions,
                    stderr,
                    pid_namespace,
                })
            }
            Layout::InPlace => {
                let on_failure = OnFailure {
                    stderr,
                    channel: self.channel.as_ref().map_or(-1, |c| c.theirs.as_raw_fd()),
                };
                if let Err(e) = restrictions.setup_inside() {
                    e.write(stderr);
                    on_failure.failed(125);
                }
                self.step.run(restrictions, on_failure)
            }
        }
    }

    /// A failure before any fork: say `caprun: ERROR`, remove what was created, exit 125.
    fn give_up(&self, stderr: RawFd, e: impl std::fmt::Display) -> ! {
        sys::write_all(stderr, format!("caprun: {e}\n").as_bytes());
        self.undo.run();
        sys::exit(125)
    }
}

/// The socket pair between the supervisor (or the janitor) and the launch's other
/// processes ([`channel`]).
struct Channel {
    // The supervisor's (or the janitor's) end; `None` in the processes that do not hold
    // it.
    ours: Option<OwnedFd>,
    // The end of init and the program's process: a control of the descriptor plan
    // (`Controls::channel`), so that it survives the rearrangement; close-on-exec.
    theirs: OwnedFd,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check `run` makes: the test harness runs this test on a thread of its own, and
    /// with another thread alive the count is at least two; a forked child has one.
    #[test]
    fn thread_count_is_checked() {
        let (stop, wait) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || wait.recv());
        assert!(matches!(single_threaded(), Err(n) if n >= 2));
        stop.send(()).unwrap();
        other.join().unwrap().unwrap();
        let child = crate::sandbox::testutil::in_child(|| match single_threaded() {
            Ok(()) => 0,
            Err(n) => n as i32,
        });
        assert_eq!(child, 0);
    }

    /// No restrictions at all.
    struct Nothing;

    impl Restrictions for Nothing {
        type Error = std::convert::Infallible;
        fn unshare(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        fn setup_inside(&mut self) -> Result<(), StepError<'_>> {
            Ok(())
        }
        fn just_before_exec(&mut self) -> Result<(), Errno> {
            Ok(())
        }
    }

    /// A launch of `/bin/true`, with no descriptor and no argdata.
    fn true_launch() -> Launch {
        let program = std::fs::File::open("/bin/true").expect("/bin/true");
        Launch::new(
            program.into(),
            "/bin/true",
            &[],
            None,
            Vec::new(),
            vec![c"true".to_owned()],
            Vec::new(),
        )
        .expect("a launch")
    }

    /// `/bin/true`, launched in a forked child: with `threads` threads besides the
    /// child's own. Returns the child's exit status (101: a panic).
    fn launch_true(threads: usize) -> i32 {
        crate::sandbox::testutil::in_child(|| {
            for _ in 0..threads {
                std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(60)));
            }
            true_launch().run(&mut Nothing, Layout::InPlace)
        })
    }

    /// A launch from a process with two threads stops with 125 before it forks or
    /// enters anything, in every build; the same launch with one thread runs the program.
    #[test]
    fn a_multithreaded_launch_stops_at_once() {
        assert_eq!(launch_true(0), 0);
        assert_eq!(launch_true(1), 125);
    }

    /// Restrictions whose last step kills the process, as a filter that kills would:
    /// the process ends before its exec without a word on the channel.
    struct DiesBeforeExec;

    impl Restrictions for DiesBeforeExec {
        type Error = std::convert::Infallible;
        fn unshare(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        fn setup_inside(&mut self) -> Result<(), StepError<'_>> {
            Ok(())
        }
        fn just_before_exec(&mut self) -> Result<(), Errno> {
            sys::signal::die_of(libc::SIGSYS);
            unreachable!("died of SIGSYS")
        }
    }

    /// A launch of `/bin/true` in `mode` that created `dir/created` (in its undo list),
    /// with `restrictions`, in a forked child; then whether `created` is still there once
    /// the launch's processes had time to clean up. The child's status too.
    fn created_file_after<R: Restrictions>(mut restrictions: R, mode: Layout) -> (bool, i32) {
        let dir = tempfile::tempdir().unwrap();
        let created = dir.path().join("created");
        std::fs::write(&created, b"").unwrap();
        let status = crate::sandbox::testutil::in_child(|| {
            let mut undo = Undo::default();
            let dir_fd: OwnedFd = std::fs::File::open(dir.path()).unwrap().into();
            undo.push(dir_fd, c"created".to_owned());
            true_launch().undo(undo).run(&mut restrictions, mode)
        });
        // The janitor is detached: give it a moment (a launch that removes nothing waits
        // it all).
        let wait = if status == 0 { 1 } else { 5 };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait);
        while created.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        (created.exists(), status)
    }

    /// A launch killed between its filter and its exec leaves nothing it created behind:
    /// the janitor (in place) and the supervisor read a channel closed without the exec
    /// announced as a failure. The control: the same launch that execs keeps the file.
    #[test]
    fn a_launch_killed_before_its_exec_is_undone() {
        for mode in [
            Layout::InPlace,
            Layout::Supervised {
                pid_namespace: false,
            },
        ] {
            let (kept, status) = created_file_after(DiesBeforeExec, mode);
            assert_eq!(status, 128 + libc::SIGSYS, "{mode:?}");
            assert!(!kept, "{mode:?}: the created file stayed");
            let (kept, status) = created_file_after(Nothing, mode);
            assert_eq!(status, 0, "{mode:?}");
            assert!(kept, "{mode:?}: a launch that ran removed its file");
        }
    }

    /// The same for a trial (`--check-host`).
    #[test]
    fn a_multithreaded_trial_is_refused() {
        let status = crate::sandbox::testutil::in_child(|| {
            std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(60)));
            match trial(&mut Nothing, false) {
                Err(e) if e.contains("single-threaded") => 0,
                _ => 1,
            }
        });
        assert_eq!(status, 0);
    }
}
