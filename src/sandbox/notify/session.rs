//! The supervisor's session: each notified call answered (explain: the policy's action
//! and a line naming it; learn: let it run and record it), and at the program's exit the
//! summary or the learned policy.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::decode::{arguments_matter, describe, makes_a_sandbox, probably_harmless};
use super::learn::Learned;
use super::locks::{LockBroker, Outcome};
use super::path_report::PathTracker;
use crate::sandbox::policy::{Action, SeccompPolicy};
use crate::sandbox::syscalls;
use crate::sys;
use crate::sys::seccomp::{kill_notifying, notif_id_valid, notif_recv, notif_send};

/// What the supervisor does with a notified (denied) call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answer with the policy's action and report the denial.
    Explain,
    /// Let the call run and record it.
    Learn,
    /// Answer with the policy's action and record the denial as explain mode does, but
    /// print nothing unless the program fails: then, what the sandbox refused it (the
    /// command-line form, whose programs were not written for a sandbox).
    Quiet,
}

/// explain mode keeps and prints at most this many distinct argument descriptions per
/// system call; calls with other arguments are counted, not kept.
const EXAMPLES_PER_CALL: usize = 4;
/// explain mode prints at most this many lines while the program runs (the summary at
/// exit counts every denial).
const MAX_LIVE_LINES: usize = 64;
/// The summary names at most this many system calls, the most denied first.
const SUMMARY_CALLS: usize = 24;
/// Descriptions of probably harmless calls kept for the summary, at most.
const HARMLESS_KEPT: usize = 16;
/// A description longer than this many bytes is cut (every line stays short).
const MAX_DESCRIPTION: usize = 160;

/// The group of a denied call in explain mode: its number, or [`UNKNOWN`] for every
/// number outside the system call table (a program can make up any number of those).
type Group = i64;
const UNKNOWN: Group = -1;

/// explain mode's record of one group of denied calls: bounded whatever the program
/// does (see [`Session::explain`]).
#[derive(Debug, Default)]
struct Denied {
    /// Every denial of the group.
    total: u64,
    /// The first [`EXAMPLES_PER_CALL`] distinct descriptions, each with its count.
    examples: Vec<(String, u64)>,
    /// The denials whose description is not among `examples`.
    others: u64,
}

/// The supervisor's record of one run.
#[derive(Debug)]
pub struct Session {
    mode: Mode,
    policy: String,
    seccomp: SeccompPolicy,
    /// explain: what was denied, by group (at most one group per system call of the
    /// table, plus [`UNKNOWN`]).
    denied: BTreeMap<Group, Denied>,
    /// Descriptions among the examples of `denied` that are probably harmless, with why
    /// ([`probably_harmless`]; at most [`HARMLESS_KEPT`]).
    harmless: BTreeMap<String, &'static str>,
    /// A namespace or a mount was asked for ([`makes_a_sandbox`]).
    nested: bool,
    /// explain: lines printed so far while the program runs.
    live_lines: usize,
    learned: Learned,
    killed: bool,
    out: Option<OwnedFd>,
    out_name: String,
    extends: String,
    program: String,
    /// `--net-allow`: what the egress proxy reports, and the allow list it had.
    egress: Option<(crate::egress::events::Log, Vec<String>)>,
    /// explain/learn: the paths the program tried (see `path_report`).
    paths: Option<PathTracker>,
    /// quiet: what caprun already knows of paths the program may miss, for the hint when
    /// it fails and no call was refused.
    known_missing: Vec<String>,
    /// `exclusive-locks: writable`: the exclusive locks the supervisor takes.
    locks: Option<LockBroker>,
}

impl Session {
    /// A session for a program run under `policy` (`name` as given on the command line).
    /// Learn mode: `out` is the file the learned policy is written to (opened before the
    /// sandbox is entered: the supervisor itself runs inside it), `out_name` its name in
    /// messages, and `extends` what the learned policy extends (a built-in name or an
    /// absolute path).
    pub fn new(mode: Mode, name: &str, seccomp: &SeccompPolicy, program: &str) -> Session {
        Session {
            mode,
            policy: name.to_string(),
            seccomp: seccomp.clone(),
            denied: BTreeMap::new(),
            harmless: BTreeMap::new(),
            nested: false,
            live_lines: 0,
            learned: Learned::default(),
            killed: false,
            out: None,
            out_name: String::new(),
            extends: name.to_string(),
            program: program.to_string(),
            egress: None,
            paths: None,
            known_missing: Vec::new(),
            locks: None,
        }
    }

    /// `--net-allow`: the egress proxy reports to `log` (refused destinations for the
    /// quiet summary; destinations used while learning, added to `allow`, the list it
    /// had, in the learned policy).
    pub fn egress(&mut self, log: crate::egress::events::Log, allow: Vec<String>) {
        self.egress = Some((log, allow));
    }

    /// The egress proxy's part of the report: in quiet mode the refused destinations,
    /// when learning the `network:` key of the learned policy (empty when there is
    /// nothing to say).
    fn egress_report(&self) -> String {
        use crate::egress::events::Event;
        let Some((log, allow)) = &self.egress else {
            return String::new();
        };
        let events = log.drain();
        let mut s = String::new();
        match self.mode {
            Mode::Quiet => {
                for e in &events {
                    if let Event::Refused { dest, reason } = e {
                        let _ = writeln!(s, "caprun: refused egress to {dest}: {reason}");
                    }
                }
            }
            Mode::Learn => {
                let mut all = allow.clone();
                for e in events {
                    if let Event::Used { dest } = e {
                        if !all.contains(&dest) {
                            all.push(dest);
                        }
                    }
                }
                s.push_str(
                    "# The destinations given with --net-allow, and those used while learning.\n",
                );
                s.push_str("network:\n  allow:\n");
                for a in all {
                    let _ = writeln!(s, "    - {}", crate::sandbox::policy::scalar(&a));
                }
            }
            Mode::Explain => {}
        }
        s
    }

    /// explain/learn: also report the paths the program tries that the sandbox does not
    /// grant (the filter must watch the calls `tracker` watches: `seccomp::watching`).
    pub fn track_paths(&mut self, tracker: PathTracker) {
        self.paths = Some(tracker);
    }

    /// quiet: paths caprun knows the program may need and lacks (the working directory
    /// not granted...), each described for the hint when it fails.
    pub fn known_missing(&mut self, known: Vec<String>) {
        self.known_missing = known;
    }

    /// Learn mode: where to write the policy (the socket of the writer process that
    /// writes it outside the sandbox: `sys::writer`), its name in messages, and what
    /// it extends.
    pub fn learn_into(&mut self, out: OwnedFd, out_name: &str, extends: &str) {
        self.out = Some(out);
        self.out_name = out_name.to_string();
        self.extends = extends.to_string();
    }

    /// `exclusive-locks: writable`: the exclusive `flock` calls the filter notifies go to
    /// `broker`; a refused one is named as a denial.
    pub fn broker_locks(&mut self, broker: LockBroker) {
        self.locks = Some(broker);
    }

    /// The timer of pending locks (`-1`: none).
    pub fn timer_fd(&self) -> RawFd {
        self.locks.as_ref().map_or(-1, LockBroker::timer_fd)
    }

    /// The timer expired: pending locks tried again.
    pub fn timer_expired(&mut self, listener: RawFd) {
        if let Some(b) = &mut self.locks {
            b.retry(listener);
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Descriptors the supervisor must keep open for this session.
    pub fn keep_fds(&self) -> Vec<RawFd> {
        let mut fds: Vec<RawFd> = self.out.iter().map(|f| f.as_raw_fd()).collect();
        fds.extend(self.paths.iter().flat_map(PathTracker::keep_fds));
        fds.extend(self.egress.as_ref().map(|(log, _)| log.fd()));
        fds.extend(self.locks.iter().flat_map(LockBroker::keep_fds));
        fds
    }

    /// True once the supervisor killed the program for a `kill` denial (caprun then exits
    /// with 128 + SIGSYS, the status the filter itself would have caused).
    pub fn killed(&self) -> bool {
        self.killed
    }

    /// Read and answer one pending notification on `listener`; messages go to `stderr`.
    pub fn handle(&mut self, listener: RawFd, stderr: RawFd) {
        let req = match notif_recv(listener) {
            Ok(r) => r,
            // ENOENT: the caller died or was interrupted before we read it.
            Err(_) => return,
        };
        let nr = i64::from(req.data.nr);
        let args = req.data.args;
        if crate::sandbox::seccomp::is_brokered_lock(&self.seccomp, nr, &args) {
            if let Some(b) = &mut self.locks {
                let refused = b.handle(listener, &req, stderr) == Outcome::Refused;
                if refused && self.mode != Mode::Learn {
                    let lines = self.explain(nr, &args, req.pid);
                    if self.mode == Mode::Explain {
                        sys::write_all(stderr, lines.as_bytes());
                    }
                }
                return;
            }
        }
        if self.watched_path_call(listener, stderr, &req) {
            return;
        }
        match self.mode {
            Mode::Learn => {
                self.learned.record(&self.seccomp, nr, args);
                let _ = notif_send(listener, req.id, 0);
            }
            Mode::Explain | Mode::Quiet => {
                let lines = self.explain(nr, &args, req.pid);
                if self.mode == Mode::Explain {
                    sys::write_all(stderr, lines.as_bytes());
                }
                match self.seccomp.default_action {
                    Action::Errno(e) => {
                        let _ = notif_send(listener, req.id, e as i32);
                    }
                    Action::Log => {
                        let _ = notif_send(listener, req.id, 0);
                    }
                    Action::Kill => {
                        // The pid names the caller only while the notification is pending:
                        // checked after a pidfd of it was opened.
                        if kill_notifying(listener, req.id, req.pid, notif_id_valid) {
                            self.killed = true;
                        }
                    }
                }
            }
        }
    }

    /// A call the filter notified only because it takes a path: its paths recorded (when
    /// it is allowed, or while learning) and, when the policy allows it, the call let run
    /// (true: answered). The decision is the policy's own filter's, on the call's numbers.
    fn watched_path_call(
        &mut self,
        listener: RawFd,
        stderr: RawFd,
        req: &sys::seccomp::SeccompNotif,
    ) -> bool {
        let nr = i64::from(req.data.nr);
        let Some(paths) = self.paths.as_mut().filter(|p| p.watches(nr)) else {
            return false;
        };
        paths.first_notification(listener);
        let allowed = paths.allowed(nr, req.data.args);
        if allowed || self.mode == Mode::Learn {
            let lines = paths.record(listener, req, self.mode == Mode::Explain);
            sys::write_all(stderr, lines.as_bytes());
        }
        if allowed {
            let _ = notif_send(listener, req.id, 0);
        }
        allowed
    }

    /// explain: record one denial of `nr` with `args` by process `pid`, and return what
    /// to print now (often nothing). The record is bounded whatever the program does:
    /// one group per system call, each keeping [`EXAMPLES_PER_CALL`] distinct
    /// descriptions and a count of the rest; at most [`MAX_LIVE_LINES`] lines are
    /// printed in all.
    fn explain(&mut self, nr: i64, args: &[u64; 6], pid: u32) -> String {
        let group = if syscalls::name(nr).is_some() {
            nr
        } else {
            UNKNOWN
        };
        let what = shorten(describe(nr, args));
        self.nested |= makes_a_sandbox(nr, args);
        if let Some(why) = probably_harmless(nr, args) {
            if self.harmless.len() < HARMLESS_KEPT || self.harmless.contains_key(&what) {
                self.harmless.insert(what.clone(), why);
            }
        }
        let d = self.denied.entry(group).or_default();
        d.total += 1;
        let line = if let Some(example) = d.examples.iter_mut().find(|(w, _)| *w == what) {
            example.1 += 1;
            return String::new();
        } else if d.examples.len() < EXAMPLES_PER_CALL {
            let verb = match self.seccomp.default_action {
                Action::Log => "logged",
                Action::Kill => "denied (kill)",
                Action::Errno(_) => "denied",
            };
            let line = format!("caprun: policy {} {verb} {what} [pid {pid}]\n", self.policy);
            d.examples.push((what, 1));
            line
        } else {
            d.others += 1;
            if d.others > 1 {
                return String::new();
            }
            format!(
                "caprun: policy {}: more denials of {} are counted in the summary\n",
                self.policy,
                others(group)
            )
        };
        match self.live_lines {
            n if n < MAX_LIVE_LINES => {
                self.live_lines += 1;
                line
            }
            MAX_LIVE_LINES => {
                self.live_lines += 1;
                format!(
                    "caprun: policy {}: further denials are counted in the summary only\n",
                    self.policy
                )
            }
            _ => String::new(),
        }
    }

    /// The explain-mode summary (empty when nothing was denied): every denial counted,
    /// the `SUMMARY_CALLS` most denied system calls named with their examples.
    pub fn summary(&self) -> String {
        if self.denied.is_empty() {
            return String::new();
        }
        let total: u64 = self.denied.values().map(|d| d.total).sum();
        let distinct: usize = self.denied.values().map(|d| d.examples.len()).sum();
        let more = if self.denied.values().any(|d| d.others > 0) {
            "more than "
        } else {
            ""
        };
        let mut s = format!(
            "caprun: summary: policy {} denied {total} call{} ({more}{distinct} distinct):\n",
            self.policy,
            if total == 1 { "" } else { "s" },
        );
        let mut groups: Vec<(&Group, &Denied)> = self.denied.iter().collect();
        groups.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
        for &(&group, d) in groups.iter().take(SUMMARY_CALLS) {
            let mut examples: Vec<&(String, u64)> = d.examples.iter().collect();
            examples.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for (what, n) in examples {
                let _ = writeln!(s, "caprun:   {n:>6} × {what}");
            }
            if d.others > 0 {
                let _ = writeln!(s, "caprun:   {:>6} × {}", d.others, others(group));
            }
        }
        if groups.len() > SUMMARY_CALLS {
            let rest = &groups[SUMMARY_CALLS..];
            let calls: u64 = rest.iter().map(|(_, d)| d.total).sum();
            let _ = writeln!(
                s,
                "caprun:   {calls:>6} × {} other system calls",
                rest.len()
            );
        }
        s
    }

    /// The learned policy as YAML: `extends:` the base, plus exactly the calls observed
    /// outside it, each with a comment saying how often it was seen.
    pub fn learned_policy(&self) -> String {
        let text = self
            .learned
            .policy(&self.seccomp, &self.program, &self.policy, &self.extends);
        let binds = self
            .paths
            .as_ref()
            .map(PathTracker::learned_binds)
            .unwrap_or_default();
        if binds.is_empty() {
            return text;
        }
        text.replace(
            "# Nothing outside the extended policy was used.\n",
            "# No system call outside the extended policy was used.\n",
        ) + &binds
    }

    /// quiet mode, when the program failed: what the sandbox refused it, if anything,
    /// and how to learn more.
    pub fn quiet_summary(&self) -> String {
        if self.denied.is_empty() {
            return String::new();
        }
        let mut groups: Vec<(&Group, &Denied)> = self.denied.iter().collect();
        groups.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
        // Every refusal probably harmless: the cause is likely not the sandbox.
        let all_harmless = self.denied.values().all(|d| {
            d.others == 0
                && d.examples
                    .iter()
                    .all(|(w, _)| self.harmless.contains_key(w))
        });
        let mut s = if all_harmless {
            format!(
                "caprun: the program failed; policy {} refused it only calls that are probably harmless (the cause is likely elsewhere):\n",
                self.policy
            )
        } else {
            format!(
                "caprun: the program failed, and policy {} refused it these system calls:\n",
                self.policy
            )
        };
        for &(&group, d) in groups.iter().take(SUMMARY_CALLS) {
            let name = syscalls::name(group).unwrap_or("unknown system calls");
            let marked = |what: &str| match self.harmless.get(what) {
                Some(why) => format!(" (probably harmless: {why})"),
                None => String::new(),
            };
            if arguments_matter(name)
                || d.examples
                    .iter()
                    .any(|(w, _)| self.harmless.contains_key(w))
            {
                let mut examples: Vec<&(String, u64)> = d.examples.iter().collect();
                examples.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                for (what, n) in examples {
                    let _ = writeln!(s, "caprun:   {n:>6} × {what}{}", marked(what));
                }
                if d.others > 0 {
                    let _ = writeln!(s, "caprun:   {:>6} × {}", d.others, others(group));
                }
            } else {
                let _ = writeln!(s, "caprun:   {:>6} × {name}", d.total);
            }
        }
        if groups.len() > SUMMARY_CALLS {
            let _ = writeln!(
                s,
                "caprun:   and {} other system calls",
                groups.len() - SUMMARY_CALLS
            );
        }
        if self.nested {
            s.push_str(
                "caprun: namespaces and mounts are refused inside the sandbox by design (Landlock forbids mounts): a test that builds a sandbox of its own (unshare -r, bwrap, chroot) runs outside caprun; a caprun inside runs with `--policy unprivileged`, which stacks on this one (caprun(1), INSIDE ANOTHER SANDBOX)\n",
            );
        }
        s.push_str(
            "caprun: rerun with --explain-denials to see each with its arguments, or with --learn OUT.yaml to write a policy that allows them\n",
        );
        s
    }

    /// At the program's exit (`failed`: it ended with a status other than 0, or by a
    /// signal): the explain summary, quiet mode's summary when it failed, or the learned
    /// policy written out. False when the learned policy could not be written (then
    /// nothing was: the file is complete or untouched).
    pub fn finish(&mut self, stderr: RawFd, failed: bool) -> bool {
        match self.mode {
            Mode::Explain => {
                sys::write_all(stderr, self.summary().as_bytes());
                if let Some(paths) = &self.paths {
                    sys::write_all(stderr, paths.summary().as_bytes());
                }
                true
            }
            Mode::Quiet => {
                if failed {
                    sys::write_all(stderr, self.quiet_summary().as_bytes());
                    sys::write_all(stderr, self.egress_report().as_bytes());
                    if self.denied.is_empty() {
                        let hint = super::hint::missing_grant(&self.known_missing);
                        sys::write_all(stderr, hint.as_bytes());
                    }
                }
                true
            }
            Mode::Learn => {
                let Some(out) = self.out.take() else {
                    return true;
                };
                let text = self.learned_policy() + &self.egress_report();
                let calls = self.learned.len();
                if let Some(paths) = &self.paths {
                    let note = super::hint::learned_paths(paths.bound(), &paths.written());
                    sys::write_all(stderr, note.as_bytes());
                }
                let (msg, ok) = match sys::writer::commit(out, text.as_bytes()) {
                    Ok(()) => (
                        format!(
                            "caprun: learned {calls} system call{} outside policy {}: wrote {}\n",
                            if calls == 1 { "" } else { "s" },
                            self.policy,
                            self.out_name
                        ),
                        true,
                    ),
                    Err(e) => (
                        format!("caprun: --learn {}: {}\n", self.out_name, commit_error(e)),
                        false,
                    ),
                };
                sys::write_all(stderr, msg.as_bytes());
                ok
            }
        }
    }
}

/// What went wrong writing the learned policy, and what became of the file, for a
/// message.
fn commit_error(e: sys::writer::CommitError) -> String {
    use sys::writer::{CommitError, Step};
    match e {
        CommitError::Failed(step, errno) => {
            let (what, result) = match step {
                Step::Create => ("creating a temporary file beside it", "nothing was written"),
                Step::Write => ("writing the temporary file", "nothing was written"),
                Step::Sync => ("syncing the temporary file", "nothing was written"),
                Step::Rename => ("renaming the temporary file over it", "nothing was written"),
                Step::OpenInPlace => ("opening it for writing", "nothing was written"),
                Step::WriteInPlace => ("writing to it", "what it received is incomplete"),
            };
            format!("{what}: {}; {result}", errno.desc())
        }
        CommitError::Gone(errno) => {
            format!(
                "the process writing it is gone ({}); nothing was written",
                errno.desc()
            )
        }
    }
}

/// How a group's calls beyond its examples are named: `socket(…) with other arguments`,
/// or `unknown system calls with other numbers or arguments`.
fn others(group: Group) -> String {
    match syscalls::name(group) {
        Some(name) if group != UNKNOWN => format!("{name}(…) with other arguments"),
        _ => "unknown system calls with other numbers or arguments".to_string(),
    }
}

/// `what`, cut to at most [`MAX_DESCRIPTION`] bytes (at a character boundary, marked
/// with `…`).
fn shorten(mut what: String) -> String {
    if what.len() > MAX_DESCRIPTION {
        let mut end = MAX_DESCRIPTION - '…'.len_utf8();
        while !what.is_char_boundary(end) {
            end -= 1;
        }
        what.truncate(end);
        what.push('…');
    }
    what
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::policy;
    use crate::sandbox::seccomp;
    use crate::sandbox::syscalls;
    use crate::sandbox::testutil::{FIONREAD, TIOCLINUX, TIOCSTI};
    use std::collections::BTreeSet;

    fn strict() -> SeccompPolicy {
        policy::load("strict").unwrap().seccomp.unwrap()
    }

    #[test]
    fn learned_policy_parses_and_allows_exactly_what_was_seen() {
        let sp = strict();
        let mut s = Session::new(Mode::Learn, "strict", &sp, "test");
        let nr = |n: &str| syscalls::number(n).unwrap();
        s.learned.record(&sp, nr("getpgrp"), [0; 6]);
        s.learned.record(&sp, nr("getpgrp"), [0; 6]);
        s.learned.record(&sp, nr("sysinfo"), [0; 6]);
        s.learned
            .record(&sp, nr("socket"), [2, 1 | 0x80000, 0, 0, 0, 0]);
        s.learned.record(&sp, nr("ioctl"), [1, TIOCSTI, 0, 0, 0, 0]);
        let text = s.learned_policy();
        let p =
            policy::parse(&text, "learned.yaml", None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let learned = p.seccomp.unwrap();
        let added: BTreeSet<&str> = learned.allow.difference(&sp.allow).collect();
        assert_eq!(added, BTreeSet::from(["getpgrp", "sysinfo"]), "{text}");
        assert!(text.contains("# seen 2 times"), "{text}");
        // socket: the base's AF_UNIX, plus exactly AF_INET stream.
        let socket = &learned.rules["socket"];
        assert_eq!(socket.alternatives.len(), 2, "{text}");
        let prog = seccomp::compile(&learned).unwrap();
        let ev = |n: &str, a: [u64; 6]| seccomp::evaluate(&prog, nr(n), a).unwrap().ret;
        let allow = seccomp::RET_ALLOW;
        assert_eq!(ev("socket", [2, 1, 0, 0, 0, 0]), allow);
        assert_eq!(ev("socket", [1, 1, 0, 0, 0, 0]), allow);
        assert_ne!(ev("socket", [2, 2, 0, 0, 0, 0]), allow);
        assert_ne!(ev("socket", [10, 1, 0, 0, 0, 0]), allow);
        assert_eq!(ev("ioctl", [1, TIOCSTI, 0, 0, 0, 0]), allow);
        assert_ne!(ev("ioctl", [1, TIOCLINUX, 0, 0, 0, 0]), allow);
        assert_eq!(ev("ioctl", [1, FIONREAD, 0, 0, 0, 0]), allow);
        assert_ne!(ev("ptrace", [0; 6]), allow);
    }

    #[test]
    fn explain_summary_counts() {
        let mut s = Session::new(Mode::Explain, "strict", &strict(), "test");
        let nr = |n: &str| syscalls::number(n).unwrap();
        assert!(s
            .explain(nr("uname"), &[0x1000; 6], 7)
            .contains("denied uname(…) [pid 7]"));
        assert_eq!(
            s.explain(nr("uname"), &[0x2000; 6], 7),
            "",
            "the same description again"
        );
        assert!(s
            .explain(nr("sysinfo"), &[0x1000; 6], 7)
            .contains("sysinfo(…)"));
        let sum = s.summary();
        assert!(sum.contains("denied 3 calls (2 distinct)"), "{sum}");
        assert!(
            sum.find("uname").unwrap() < sum.find("sysinfo").unwrap(),
            "{sum}"
        );
    }

    #[test]
    fn the_failure_summary_shows_what_was_asked_and_what_is_probably_harmless() {
        let nr = |n: &str| syscalls::number(n).unwrap();
        let netlink_route = [libc::AF_NETLINK as u64, libc::SOCK_RAW as u64, 0, 0, 0, 0];
        let mut s = Session::new(Mode::Quiet, "devtools", &strict(), "test");
        s.explain(nr("socket"), &netlink_route, 7);
        s.explain(
            nr("clone"),
            &[libc::CLONE_NEWUSER as u64 | 17, 0, 0, 0, 0, 0],
            7,
        );
        s.explain(nr("chroot"), &[0x1000, 0, 0, 0, 0, 0], 7);
        let sum = s.quiet_summary();
        assert!(
            sum.starts_with(
                "caprun: the program failed, and policy devtools refused it these system calls:\n"
            ),
            "{sum}"
        );
        // Arguments for clone and socket, a bare count for the rest.
        assert!(
            sum.contains("caprun:        1 × clone(CLONE_NEWUSER|SIGCHLD, "),
            "{sum}"
        );
        assert!(
            sum.contains("caprun:        1 × socket(AF_NETLINK, SOCK_RAW, 0) (probably harmless: "),
            "{sum}"
        );
        assert!(sum.contains("caprun:        1 × chroot\n"), "{sum}");
        // A namespace was asked for: said to be by design, with the way out.
        assert!(
            sum.contains("namespaces and mounts are refused inside the sandbox by design"),
            "{sum}"
        );
        // Only harmless refusals: the summary points away from the sandbox.
        let mut s = Session::new(Mode::Quiet, "devtools", &strict(), "test");
        s.explain(nr("socket"), &netlink_route, 7);
        let sum = s.quiet_summary();
        assert!(
            sum.contains(
                "refused it only calls that are probably harmless (the cause is likely elsewhere)"
            ),
            "{sum}"
        );
        // Another netlink family is not harmless.
        let mut s = Session::new(Mode::Quiet, "devtools", &strict(), "test");
        s.explain(nr("socket"), &[libc::AF_NETLINK as u64, 3, 9, 0, 0, 0], 7);
        let sum = s.quiet_summary();
        assert!(
            !sum.contains("harmless") && !sum.contains("by design"),
            "{sum}"
        );
    }

    /// Ever-new arguments and made-up system call numbers: the record, the lines printed
    /// and the summary stay bounded, and every denial is counted.
    #[test]
    fn explain_is_bounded_whatever_the_program_does() {
        let mut s = Session::new(Mode::Explain, "strict", &strict(), "test");
        let (socket, ptrace) = (
            syscalls::number("socket").unwrap(),
            syscalls::number("ptrace").unwrap(),
        );
        let mut printed = 0;
        const N: u64 = 50_000;
        for i in 0..N {
            printed += s.explain(socket, &[2, 2, i, 0, 0, 0], 7).len();
            printed += s.explain(ptrace, &[2, i, 0, 0, 0, 0], 7).len();
            // Numbers outside the table, and every known call once.
            printed += s.explain(1000 + i as i64, &[0; 6], 7).len();
            printed += s.explain((i % 460) as i64, &[i; 6], 7).len();
        }
        assert!(
            s.denied.len() <= syscalls::SYSCALLS.len() + 1,
            "{}",
            s.denied.len()
        );
        for d in s.denied.values() {
            assert!(d.examples.len() <= EXAMPLES_PER_CALL);
            assert!(d.examples.iter().all(|(w, _)| w.len() <= MAX_DESCRIPTION));
        }
        let total: u64 = s.denied.values().map(|d| d.total).sum();
        assert_eq!(total, 4 * N);
        let sum = s.summary();
        assert!(printed + sum.len() < 64 * 1024, "{printed} + {}", sum.len());
        assert!(
            sum.starts_with(&format!(
                "caprun: summary: policy strict denied {} calls (more than ",
                4 * N
            )),
            "{sum}"
        );
        assert!(sum.contains(" × socket(…) with other arguments\n"), "{sum}");
        assert!(
            sum.contains(" × unknown system calls with other numbers or arguments\n"),
            "{sum}"
        );
        assert!(sum.contains(" other system calls\n"), "{sum}");
    }

    #[test]
    fn long_descriptions_are_cut() {
        let long = "x".repeat(200) + "é";
        let short = shorten(long);
        assert!(
            short.len() <= MAX_DESCRIPTION && short.ends_with('…'),
            "{short}"
        );
        assert_eq!(shorten("uname(…)".into()), "uname(…)");
    }
}
