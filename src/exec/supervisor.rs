//! Supervised mode ([`Layout::Supervised`](crate::exec::Layout)): caprun forks, stays
//! outside the sandbox as the supervisor, and its child enters the sandbox: the PID
//! namespace's init (which starts the program's process, sharing its memory until the
//! exec) or, without a PID namespace, the program's process itself.
//!
//! The supervisor forwards every signal sent to caprun, answers seccomp notifications
//! (explain/learn), stops when the program stops, undoes a failed launch, and ends as the
//! program ended (its exit status, or killed by the same signal).

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use crate::exec::channel::{self, Message, OnFailure};
use crate::exec::final_step::FinalStep;
use crate::exec::init;
use crate::exec::interface::{Restrictions, Supervisor};
use crate::exec::janitor::{Announced, Undo};
use crate::exec::service_notify::{self, Relay};
use crate::exec::stdio_relay;
use crate::exec::waker::Waker;
use crate::sys::{self, signal::SigSet};

/// What a supervised launch is made of.
pub(crate) struct Parts<'r, R> {
    /// The final step, for the program's process.
    pub step: FinalStep,
    /// The explain/learn session, if any.
    pub session: Option<Box<dyn Supervisor>>,
    /// What to remove if the launch fails.
    pub undo: Undo,
    /// The supervisor's end of the channel.
    pub ours: OwnedFd,
    /// The end of init and the program's process (a control of the step's plan).
    pub theirs: OwnedFd,
    /// The service notifications' relay (with a PID namespace only).
    pub service: Option<Relay>,
    /// Standard descriptors init relays (`stdio_relay`; with a PID namespace only).
    pub stdio_relay: [RawFd; stdio_relay::MAX],
    /// The sandbox.
    pub restrictions: &'r mut R,
    /// caprun's copy of stderr (`-1`: none).
    pub stderr: RawFd,
    /// The namespaces include a PID namespace: the child is its init.
    pub pid_namespace: bool,
}

/// Fork: this process goes on as the supervisor ([`Supervision::run`]), the child
/// enters the sandbox (see the module documentation).
pub(crate) fn fork<R: Restrictions>(parts: Parts<'_, R>) -> ! {
    let stderr = parts.stderr;
    // Every catchable signal is blocked, read through a signalfd and forwarded; SIGPIPE
    // too, so that explanations written to a broken stderr only fail (EPIPE). The
    // program's process unblocks all again.
    if let Err(e) = SigSet::catchable().block() {
        OnFailure::stderr(stderr).fail(b"caprun: supervisor: ", e, 125);
    }
    // A job in a terminal's foreground hands the terminal to the sandbox's process group
    // (see `own_group`), and takes it back when the program stops or ends.
    let terminal = if parts.pid_namespace {
        sys::signal::foreground_terminal().and_then(|fd| sys::dupfd_cloexec(fd, 3).ok())
    } else {
        None
    };
    // With a PID namespace the child is its init, and this process's later children stay
    // outside it.
    let forked = if parts.pid_namespace {
        // SAFETY: the launch runs on the process's only thread (see `run`), so both sides
        // of the fork may go on as before, allocating included.
        unsafe { sys::fork_new_pid_ns() }
    } else {
        // SAFETY: as above.
        unsafe { sys::fork() }
    };
    match forked {
        Err(e) => {
            parts.undo.run();
            OnFailure::stderr(stderr).fail(b"caprun: fork: ", e, 125)
        }
        Ok(0) => enter_sandbox(parts, terminal),
        Ok(child) => supervise(parts, child, terminal),
    }
}

/// In caprun, once the child exists: keep only what the supervisor needs, and run it.
fn supervise<R>(parts: Parts<'_, R>, child: libc::pid_t, terminal: Option<RawFd>) -> ! {
    let Parts {
        step,
        session,
        undo,
        ours,
        theirs,
        service,
        stderr,
        pid_namespace,
        ..
    } = parts;
    if pid_namespace {
        // Also here, so that the group exists whichever process runs first.
        let _ = sys::signal::setpgid(child, child);
    }
    // What is said when the program dies of SIGSYS.
    let mut sigsys_hint = step.prefix.clone();
    sigsys_hint.extend_from_slice(
        b"killed by SIGSYS: a system call its seccomp policy denies with `kill` \
          (rerun with --explain-denials to name it)\n",
    );
    // The supervisor holds nothing of the program's.
    let mut keep = vec![stderr, ours.as_raw_fd()];
    keep.extend(terminal);
    let service = service.map(|r| {
        keep.extend([r.ours.as_raw_fd(), r.upstream.as_raw_fd()]);
        (r.ours, r.upstream)
    });
    keep.extend(undo.fds());
    if let Some(s) = &session {
        keep.extend(s.keep_fds());
    }
    // Its copy of the other end is closed here: EOF once init and the program's process
    // are gone (or the program exec'd).
    // SAFETY: the supervisor uses only `keep` from here on, and never returns: the owners
    // of everything else (the launch's, the step's) are neither used nor dropped.
    unsafe { sys::close_all_but(&mut keep) };
    std::mem::forget((step, theirs));
    // The launcher's code stays mapped but not resident: the supervisor is small.
    sys::release_code_pages();
    Supervision {
        child,
        via_init: pid_namespace,
        channel: Some(ours),
        session,
        listener: None,
        undo,
        announced: Announced::default(),
        stderr,
        me: sys::signal::getpid() as u32,
        status: None,
        child_stopped: false,
        program_stopped: None,
        last_waker: 0,
        terminal,
        service,
        sigsys_hint,
    }
    .run()
}

/// In the child: init, or (without a PID namespace) the program's process. It dies with
/// the supervisor; if the supervisor is already gone, its end of the channel is closed.
fn enter_sandbox<R: Restrictions>(parts: Parts<'_, R>, terminal: Option<RawFd>) -> ! {
    let Parts {
        step,
        ours,
        theirs,
        service,
        stdio_relay,
        restrictions,
        stderr,
        pid_namespace,
        ..
    } = parts;
    drop(ours);
    // `theirs` stays open until the final step's exec (a control of its plan).
    let channel = theirs.as_raw_fd();
    let on_failure = OnFailure { stderr, channel };
    if let Err(e) = sys::die_with_parent(libc::SIGKILL) {
        on_failure.fail(b"caprun: supervisor: ", e, 125);
    }
    if sys::peer_closed(channel) {
        sys::exit(125); // The supervisor is already gone.
    }
    if pid_namespace {
        become_init(terminal, on_failure);
    }
    if let Err(e) = restrictions.setup_inside() {
        e.write(stderr);
        on_failure.failed(125);
    }
    // The socket the program's NOTIFY_SOCKET names: bound by init once restricted, in the
    // program's Landlock domain (service_notify).
    let service = match &service {
        Some(relay) => match service_notify::bind_inside(&relay.inside) {
            Ok(inside) => Some((inside, relay.theirs.as_raw_fd())),
            Err(e) => on_failure.fail(b"caprun: NOTIFY_SOCKET inside the sandbox: ", e, 125),
        },
        None => None,
    };
    if !pid_namespace {
        start_program(step, restrictions, on_failure)
    }
    let relays = match stdio_relay::install(stdio_relay) {
        Ok(r) => r,
        Err(e) => on_failure.fail(b"caprun: init: relaying standard output: ", e, 125),
    };
    // The program's process shares init's memory until its exec (nothing is copied, and
    // init goes on once the program runs): see `sys::spawn_sharing_memory`. Descriptors
    // init holds that the program's rearrangement closes (the trees its grants were
    // opened through) are released by init only then, off the program's way (the last
    // reference to a detached mount costs an RCU grace period).
    // SAFETY: one thread; the program's process only makes raw calls over the prebuilt
    // step, and init uses none of what it writes (the step, `restrictions`) again.
    let spawned = unsafe {
        sys::spawn_sharing_memory(move || -> std::convert::Infallible {
            start_program(step, restrictions, on_failure)
        })
    };
    match spawned {
        Err(e) => on_failure.fail(b"caprun: clone: ", e, 125),
        Ok(program) => {
            let mut keep = vec![stderr, channel];
            for r in relays.iter().flatten() {
                keep.extend([r.read, r.original]);
            }
            // Init owns the socket from here on (it never returns).
            let service = service.map(|(inside, pair)| {
                let inside = std::os::fd::IntoRawFd::into_raw_fd(inside);
                keep.extend([inside, pair]);
                (inside, pair)
            });
            // SAFETY: init uses only `keep` from here on, and never returns: the owners of
            // everything else (the launch's) are neither used nor dropped.
            unsafe { sys::close_all_but(&mut keep) };
            std::mem::forget(theirs);
            sys::release_code_pages();
            init::run(program, channel, service, relays, on_failure)
        }
    }
}

/// The process that becomes the sandbox's init: a process group of its own (with the
/// terminal), and nothing of caprun's to show or lend the sandbox. Init stays in the
/// sandbox's view (PID 1 of its /proc): it must not show caprun's command line or
/// environment (which holds what --env left out), nor let the program read its memory or
/// descriptors (non-dumpable: /proc/1/* needs CAP_SYS_PTRACE then). The program's
/// process, forked from it, is dumpable again once it execs.
fn become_init(terminal: Option<RawFd>, on_failure: OnFailure) {
    own_group(terminal);
    sys::hide_process_strings(b"caprun-init");
    if let Err(e) = sys::ids::set_dumpable(false) {
        on_failure.fail(b"caprun: init: ", e, 125);
    }
}

/// The program's process: signals unblocked again, then the final step.
fn start_program<R: Restrictions>(
    step: FinalStep,
    restrictions: &mut R,
    on_failure: OnFailure,
) -> ! {
    if let Err(e) = sys::signal::unblock_all() {
        on_failure.fail(b"caprun: signal mask: ", e, 125);
    }
    step.run(restrictions, on_failure)
}

/// In init, first thing: init and everything it starts live in a process group of
/// their own, so that no process-group call from inside (`kill(0, …)`,
/// `setpriority(PRIO_PGRP, 0, …)`) names caprun, the shell that started it or that
/// shell's other jobs. When caprun is a job in a terminal's foreground (`terminal`), the
/// new group becomes the terminal's foreground group, before the program can read from
/// it: ^C, ^Z and window changes reach the sandbox as they reached caprun's job.
fn own_group(terminal: Option<RawFd>) {
    let _ = sys::signal::setpgid(0, 0);
    if let Some(tty) = terminal {
        // SIGTTOU is blocked (the supervisor's mask): allowed from a background group.
        let _ = sys::signal::set_foreground_group(tty, sys::signal::getpgrp());
    }
}

/// The supervisor's state.
struct Supervision {
    /// The child: init, or the program.
    child: libc::pid_t,
    /// The child is init: the program's stops and end come over the channel, and signals
    /// go there.
    via_init: bool,
    /// Until every other end is closed.
    channel: Option<OwnedFd>,
    session: Option<Box<dyn Supervisor>>,
    /// Until every process using the filter is gone (`POLLHUP`).
    listener: Option<OwnedFd>,
    undo: Undo,
    /// What the launch said of its exec.
    announced: Announced,
    stderr: RawFd,
    /// This process's pid (a signal it sent itself is not forwarded).
    me: u32,
    /// The program's raw wait status, once init reported it.
    status: Option<libc::c_int>,
    /// The child (without init) is stopped, as its last reaped change of state said.
    child_stopped: bool,
    /// The program is stopped with this signal, as init last said (with init).
    program_stopped: Option<libc::c_int>,
    /// The last waker's pid: its `SIGCONT`s are not forwarded.
    last_waker: libc::pid_t,
    /// The terminal whose foreground caprun's job was, handed to the sandbox's group.
    terminal: Option<RawFd>,
    /// Service notifications from init, and the manager's socket they go to.
    service: Option<(OwnedFd, OwnedFd)>,
    sigsys_hint: Vec<u8>,
}

impl Supervision {
    /// One `poll` over the signalfd, the channel and the listener. A signalfd rather
    /// than `sigwaitinfo` so that signals and notifications are waited for together,
    /// without a timeout loop.
    fn run(mut self) -> ! {
        let sfd = match sys::signal::signalfd(&SigSet::catchable()) {
            Ok(fd) => fd,
            Err(e) => self.fail(e),
        };
        loop {
            let raw = |f: &Option<OwnedFd>| f.as_ref().map_or(-1, |f| f.as_raw_fd());
            let mut fds = [
                sys::pollin(sfd.as_raw_fd()),
                sys::pollin(raw(&self.channel)),
                sys::pollin(raw(&self.listener)),
                sys::pollin(
                    self.service
                        .as_ref()
                        .map_or(-1, |(pair, _)| pair.as_raw_fd()),
                ),
                sys::pollin(self.session.as_ref().map_or(-1, |s| s.timer_fd())),
            ];
            if let Err(e) = sys::poll(&mut fds) {
                self.fail(e);
            }
            if fds[3].revents & libc::POLLIN != 0 {
                if let Some((pair, upstream)) = &self.service {
                    service_notify::forward(pair.as_raw_fd(), upstream.as_raw_fd());
                }
            } else if fds[3].revents != 0 {
                self.service = None;
            }
            // Notifications first: a program blocked in one cannot exit.
            if fds[2].revents & libc::POLLIN != 0 {
                if let (Some(l), Some(s)) = (&self.listener, &mut self.session) {
                    s.handle(l.as_raw_fd(), self.stderr);
                }
            } else if fds[2].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                self.listener = None;
            }
            // Locks waiting for their file (the session's timer).
            if fds[4].revents & libc::POLLIN != 0 {
                if let (Some(l), Some(s)) = (&self.listener, &mut self.session) {
                    s.timer_expired(l.as_raw_fd());
                }
            }
            if fds[1].revents != 0 {
                self.read_channel(true);
            }
            if fds[0].revents & libc::POLLIN != 0 {
                self.signal(sfd.as_raw_fd());
            }
            // With everything pending handled: a job-control stop of the program that is
            // still on is mirrored (see `mirror_stop`).
            if let Some(sig) = self.program_stopped.filter(|&s| job_control(s)) {
                self.mirror_stop(sig);
            }
        }
    }

    /// Handle the signal waiting on the signalfd `sfd`.
    fn signal(&mut self, sfd: RawFd) {
        let info = match sys::signal::read_signal(sfd) {
            Ok(info) => info,
            Err(e) => self.fail(e),
        };
        if info.signo == libc::SIGCHLD {
            self.reap();
        } else if info.code != sys::signal::SI_KERNEL
            && info.pid != self.me
            && info.pid != self.last_waker as u32
        {
            // Sent to caprun: the program's. (What the kernel sent on its own, a
            // terminal's ^C, ^Z or window change, went to the whole foreground process
            // group, the program included; a signal caprun caused itself, SIGPIPE on a
            // closed stderr, or its waker's SIGCONT, is caprun's.)
            self.forward(info.signo);
        }
    }

    fn fail(&self, e: Errno) -> ! {
        OnFailure::stderr(self.stderr).fail(b"caprun: supervisor: ", e, 125)
    }

    /// Send `sig` to the program.
    fn forward(&self, sig: libc::c_int) {
        match (&self.channel, self.via_init) {
            (Some(c), true) => {
                let _ = channel::send(c.as_raw_fd(), Message::Signal(sig));
            }
            (_, false) => {
                let _ = sys::kill(self.child, sig);
            }
            (None, true) => {}
        }
    }

    /// Handle what is on the channel: one message (`wait`), or all that is there.
    fn read_channel(&mut self, mut wait: bool) {
        loop {
            let Some(c) = &self.channel else { return };
            let msg = match channel::recv(c.as_raw_fd(), wait) {
                Ok(Some(m)) => m,
                Ok(None) => {
                    self.channel = None;
                    return;
                }
                Err(Errno::EAGAIN) => return,
                // Init ended with a message of ours unread (a signal to forward that came
                // too late): the kernel says so once, and what init sent before it ended
                // (the program's status) is still queued. Take all of that.
                Err(Errno::ECONNRESET) => {
                    wait = false;
                    continue;
                }
                // Nothing of the launch sends that: ignored, as a damaged message.
                Err(Errno::EPROTO) => {
                    if wait {
                        return;
                    }
                    continue;
                }
                Err(_) => {
                    self.channel = None;
                    return;
                }
            };
            match msg {
                Message::Listener(fd) => self.listener = Some(fd),
                Message::Exec => self.announced.exec_next = true,
                Message::Failed(_) => {
                    self.announced.failed = true;
                    self.undo.run();
                }
                Message::Stopped(sig) => self.program_stopped = Some(sig),
                Message::Exited(status) => self.status = Some(status),
                Message::Continued => self.program_stopped = None,
                // The supervisor's own messages never come back.
                Message::Signal(_) | Message::Continue => {}
            }
            if wait {
                return;
            }
        }
    }

    /// The program is stopped for job control (`SIGTSTP`, `SIGTTIN`, `SIGTTOU`: a
    /// terminal's ^Z, a background read or write, or one sent to caprun): caprun stops
    /// too, as a job-control shell expects of the process it started, after giving the
    /// terminal back to its own group. A `SIGSTOP` from outside (a debugger, `kill -STOP`
    /// of the program) is not mirrored: whoever stopped the program continues it, and
    /// caprun goes on supervising meanwhile.
    ///
    /// While caprun is stopped, a [`Waker`] watches the channel, the listener and the
    /// service notifications. When it continues caprun, what it saw is handled by the
    /// main loop, which mirrors the stop again if the program is still stopped: the
    /// program continued or ended from outside is followed at once, and notifications
    /// are answered. When the shell continues caprun (`fg`, `bg`) or a `kill -CONT`
    /// does, caprun hands the terminal to the sandbox again if the shell gave it back,
    /// and continues the sandbox.
    fn mirror_stop(&mut self, sig: libc::c_int) {
        let me = sys::signal::getpgrp();
        let ours = |tty: RawFd, group: libc::pid_t| sys::signal::foreground_group(tty) == Ok(group);
        if let Some(tty) = self.terminal {
            if ours(tty, self.child) {
                let _ = sys::signal::set_foreground_group(tty, me);
            }
        }
        let raw = |f: &Option<OwnedFd>| f.as_ref().map_or(-1, |f| f.as_raw_fd());
        let waker = Waker::spawn([
            raw(&self.channel),
            raw(&self.listener),
            self.service
                .as_ref()
                .map_or(-1, |(pair, _)| pair.as_raw_fd()),
        ]);
        if let Some(w) = &waker {
            self.last_waker = w.pid();
        }
        let _ = sys::signal::stop_self(sig);
        if waker.is_some_and(Waker::finish) {
            return;
        }
        if let Some(tty) = self.terminal {
            if ours(tty, me) {
                let _ = sys::signal::set_foreground_group(tty, self.child);
            }
        }
        self.program_stopped = None;
        if let Some(c) = &self.channel {
            let _ = channel::send(c.as_raw_fd(), Message::Continue);
        }
    }

    /// Without init, the child (the program) stopped with `sig`: a job-control stop is
    /// mirrored as [`mirror_stop`](Self::mirror_stop) does, without a waker; once
    /// continued, caprun continues the program if it still is stopped (a pending SIGCONT
    /// that would be forwarded is lost when a stop signal follows it at once).
    fn stop(&mut self, sig: libc::c_int) {
        if !job_control(sig) {
            return;
        }
        let _ = sys::signal::stop_self(sig);
        // What changed meanwhile (a shell's `fg` continues the whole group).
        self.reap();
        if self.child_stopped {
            let _ = sys::kill(self.child, libc::SIGCONT);
        }
    }

    /// Give the terminal back to caprun's own group, if the sandbox's has it.
    fn give_back_terminal(&self) {
        if let Some(tty) = self.terminal {
            if sys::signal::foreground_group(tty) == Ok(self.child) {
                let _ = sys::signal::set_foreground_group(tty, sys::signal::getpgrp());
            }
        }
    }

    /// Reap children; when the child is gone, end.
    fn reap(&mut self) {
        let flags = if self.via_init {
            0
        } else {
            libc::WUNTRACED | libc::WCONTINUED
        };
        while let Ok(Some((pid, status))) = sys::reap(flags) {
            if pid != self.child {
                continue;
            }
            if libc::WIFSTOPPED(status) {
                self.child_stopped = true;
                self.stop(libc::WSTOPSIG(status));
                continue;
            }
            if libc::WIFCONTINUED(status) {
                self.child_stopped = false;
                continue;
            }
            // What init said of the program, else the child's own end.
            self.read_channel(false);
            let status = self.status.unwrap_or(status);
            self.end(status)
        }
    }

    /// The program ended with the raw wait `status`: report, then end the same way.
    fn end(&mut self, status: libc::c_int) -> ! {
        self.give_back_terminal();
        // Killed before its exec, without a word (a signal, a filter that kills): what
        // the launch created goes too. (A failure it reported was undone already.)
        if !self.announced.failed && self.announced.must_undo() {
            self.undo.run();
        }
        let mut code = sys::exit_code(status);
        let mut signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
        match &mut self.session {
            Some(s) => {
                if s.killed() {
                    code = 128 + libc::SIGSYS;
                    signal = Some(libc::SIGSYS);
                }
                // A launch that failed or died before the program's exec (it said why
                // itself, or the signal does): nothing to report of a program that
                // never ran.
                let ran = self.announced.exec_next && !self.announced.failed;
                if ran && !s.finish(self.stderr, code != 0) {
                    code = 125;
                    signal = None;
                }
            }
            // Without a session nobody named the denied call: say how to find it.
            None if signal == Some(libc::SIGSYS) => sys::write_all(self.stderr, &self.sigsys_hint),
            None => {}
        }
        if let (Some(listener), Some(session)) = (self.listener.take(), self.session.take()) {
            // Without a PID namespace, processes the program left behind may still use the
            // filter: a detached process answers them for as long as they live.
            keep_answering(listener, session, self.stderr);
        }
        if let Some(sig) = signal {
            sys::signal::die_of(sig);
        }
        sys::exit(code)
    }
}

/// A stop that job control makes, and a shell expects its job to mirror.
fn job_control(sig: libc::c_int) -> bool {
    matches!(sig, libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU)
}

/// After the program's end: answer notifications on `listener` with `session`, in a
/// detached process ([`sys::detach`]), until no process uses the filter any more. (With
/// a PID namespace the listener hangs up at once: the namespace is gone.)
fn keep_answering(listener: OwnedFd, mut session: Box<dyn Supervisor>, stderr: RawFd) {
    if sys::peer_closed(listener.as_raw_fd()) {
        return;
    }
    let mut keep = vec![listener.as_raw_fd(), stderr];
    keep.extend(session.keep_fds());
    // SAFETY: the supervisor is single-threaded; the detached process uses only `keep`
    // and ends with `sys::exit`.
    if let Ok(sys::Detached::Detached) = unsafe { sys::detach(&mut keep) } {
        let mut fds = [
            sys::pollin(listener.as_raw_fd()),
            sys::pollin(session.timer_fd()),
        ];
        loop {
            fds[0].revents = 0;
            fds[1].revents = 0;
            let hung_up = |r: libc::c_short| r != 0 && r & libc::POLLIN == 0;
            if sys::poll(&mut fds).is_err() || hung_up(fds[0].revents) {
                sys::exit(0);
            }
            if fds[1].revents & libc::POLLIN != 0 {
                session.timer_expired(listener.as_raw_fd());
            }
            if fds[0].revents & libc::POLLIN != 0 {
                session.handle(listener.as_raw_fd(), stderr);
            }
        }
    }
}
