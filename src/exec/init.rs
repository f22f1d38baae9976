//! The init of the sandbox's PID namespace (PID 1): it starts nothing itself (the
//! program's process is forked before it gets here), reaps every process of the
//! namespace, relays the program's stops, continues and end to the supervisor, and
//! forwards the signals the supervisor sends. A PID 1 ignores signals it has no handler
//! for, which is why the program is not it.

use std::os::fd::{AsRawFd, RawFd};

use nix::errno::Errno;

use crate::exec::channel::{self, Message, OnFailure};
use crate::exec::service_notify;
use crate::exec::stdio_relay::{self, Relayed};
use crate::sys::{self, signal::SigSet};

/// Run init for the program `program` (its pid in the namespace), with the channel end
/// `channel`; `service`: the socket the program's `NOTIFY_SOCKET` names and the pair
/// its datagrams go to the supervisor by. All catchable signals stay blocked (the supervisor's mask); a signalfd hears
/// `SIGCHLD` (and drains the rest: a signal sent to init from inside the namespace, or from
/// the host, is not the program's). When the program ends, init ends with its status, and
/// the kernel kills what is left in the namespace. Raw system calls only.
pub(crate) fn run(
    program: libc::pid_t,
    channel: RawFd,
    service: Option<(RawFd, RawFd)>,
    mut relays: [Option<Relayed>; stdio_relay::MAX],
    on_failure: OnFailure,
) -> ! {
    let sfd = match sys::signal::signalfd(&SigSet::catchable()) {
        Ok(fd) => fd,
        Err(e) => on_failure.fail(b"caprun: init: ", e, 125),
    };
    // Whether the program is stopped, as its last reaped change of state said.
    let mut stopped = false;
    let reap = |stopped: &mut bool, relays: &mut [Option<Relayed>; stdio_relay::MAX]| {
        while let Ok(Some((pid, status))) = sys::reap(libc::WUNTRACED | libc::WCONTINUED) {
            if pid != program {
                continue;
            }
            if libc::WIFSTOPPED(status) {
                *stopped = true;
                let _ = channel::send(channel, Message::Stopped(libc::WSTOPSIG(status)));
            } else if libc::WIFCONTINUED(status) {
                *stopped = false;
                let _ = channel::send(channel, Message::Continued);
            } else {
                // What the program wrote last is still in the relays' pipes.
                for r in relays.iter_mut().flatten().filter(|r| r.read >= 0) {
                    stdio_relay::copy(r);
                }
                // Init ends with the program's exit status, which is all the supervisor
                // needs of a program that exited: only a death by a signal, which init
                // cannot die of in turn, is said on the channel (the supervisor, woken
                // once by init's end rather than twice, ends sooner).
                if libc::WIFSIGNALED(status) {
                    let _ = channel::send(channel, Message::Exited(status));
                }
                sys::exit(sys::exit_code(status));
            }
        }
    };
    loop {
        let relay_fd = |i: usize| relays[i].map_or(-1, |r| r.read);
        let mut fds = [
            sys::pollin(sfd.as_raw_fd()),
            sys::pollin(channel),
            sys::pollin(service.map_or(-1, |(inside, _)| inside)),
            sys::pollin(relay_fd(0)),
            sys::pollin(relay_fd(1)),
        ];
        if let Err(e) = sys::poll(&mut fds) {
            on_failure.fail(b"caprun: init: ", e, 125);
        }
        for (i, fd) in fds[3..].iter().enumerate() {
            if fd.revents != 0 {
                if let Some(r) = relays[i].as_mut() {
                    stdio_relay::copy(r);
                    if r.read < 0 {
                        relays[i] = None;
                    }
                }
            }
        }
        if let (Some((inside, pair)), true) = (service, fds[2].revents & libc::POLLIN != 0) {
            service_notify::pass_on(inside, pair);
        }
        if fds[1].revents != 0 {
            match channel::recv(channel, false) {
                Ok(Some(Message::Signal(sig))) => {
                    let _ = sys::kill(program, sig);
                }
                Ok(Some(Message::Continue)) => {
                    // The program may have been continued already, with the supervisor
                    // (a shell's `fg` continues the whole process group). Otherwise the
                    // sandbox's whole group, which a terminal's ^Z stopped as one.
                    reap(&mut stopped, &mut relays);
                    if stopped {
                        let _ = sys::kill(0, libc::SIGCONT);
                    }
                }
                // Nothing else is sent to init.
                Ok(Some(_)) | Err(Errno::EAGAIN) | Err(Errno::EPROTO) => {}
                // The supervisor is gone: so is this namespace (PR_SET_PDEATHSIG).
                Ok(None) | Err(_) => sys::exit(125),
            }
        }
        if fds[0].revents & libc::POLLIN == 0 {
            continue;
        }
        match sys::signal::read_signal(sfd.as_raw_fd()) {
            Ok(info) if info.signo == libc::SIGCHLD => reap(&mut stopped, &mut relays),
            Ok(_) => {}
            Err(e) => on_failure.fail(b"caprun: init: ", e, 125),
        }
    }
}
