//! The supervisor's session: each notified call answered (explain: the policy's action
//! and a line naming it; learn: let it run and record it), and at the program's exit the
//! summary or the learned policy.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::decode::describe;
use super::learn::Learned;
use crate::sandbox::policy::{Action, SeccompPolicy};
use crate::sys;
use crate::sys::seccomp::{notif_id_valid, notif_recv, notif_send};

/// What the supervisor does with a notified (denied) call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answer with the policy's action and report the denial.
    Explain,
    /// Let the call run and record it.
    Learn,
}

/// How many distinct lines one system call may print in explain mode (every denial is
/// still counted in the summary).
const MAX_LINES_PER_CALL: usize = 20;

/// The supervisor's record of one run.
#[derive(Debug)]
pub struct Session {
    mode: Mode,
    policy: String,
    seccomp: SeccompPolicy,
    /// explain: description → (count, lines printed for this call).
    denied: BTreeMap<String, u64>,
    lines: BTreeMap<i64, usize>,
    learned: Learned,
    killed: bool,
    out: Option<OwnedFd>,
    out_name: String,
    extends: String,
    program: String,
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
            lines: BTreeMap::new(),
            learned: Learned::default(),
            killed: false,
            out: None,
            out_name: String::new(),
            extends: name.to_string(),
            program: program.to_string(),
        }
    }

    /// Learn mode: where to write the policy, and what it extends.
    pub fn learn_into(&mut self, out: OwnedFd, out_name: &str, extends: &str) {
        self.out = Some(out);
        self.out_name = out_name.to_string();
        self.extends = extends.to_string();
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Descriptors the supervisor must keep open for this session.
    pub fn keep_fds(&self) -> Vec<RawFd> {
        self.out.iter().map(|f| f.as_raw_fd()).collect()
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
        match self.mode {
            Mode::Learn => {
                self.learned.record(&self.seccomp, nr, args);
                let _ = notif_send(listener, req.id, 0);
            }
            Mode::Explain => {
                let what = describe(nr, &args);
                let count = self.denied.entry(what.clone()).or_insert(0);
                *count += 1;
                let lines = self.lines.entry(nr).or_insert(0);
                if *count == 1 && *lines < MAX_LINES_PER_CALL {
                    *lines += 1;
                    let verb = match self.seccomp.default_action {
                        Action::Log => "logged",
                        Action::Kill => "denied (kill)",
                        Action::Errno(_) => "denied",
                    };
                    let msg = format!(
                        "caprun: policy {} {verb} {what} [pid {}]\n",
                        self.policy, req.pid
                    );
                    sys::write_all(stderr, msg.as_bytes());
                }
                match self.seccomp.default_action {
                    Action::Errno(e) => {
                        let _ = notif_send(listener, req.id, e as i32);
                    }
                    Action::Log => {
                        let _ = notif_send(listener, req.id, 0);
                    }
                    Action::Kill => {
                        // The pid names the caller only while the notification is pending.
                        if notif_id_valid(listener, req.id) {
                            self.killed = true;
                            let _ = sys::kill(req.pid as libc::pid_t, libc::SIGKILL);
                        }
                    }
                }
            }
        }
    }

    /// The explain-mode summary (empty when nothing was denied).
    pub fn summary(&self) -> String {
        if self.denied.is_empty() {
            return String::new();
        }
        let total: u64 = self.denied.values().sum();
        let mut s = format!(
            "caprun: summary: policy {} denied {total} call{} ({} distinct):\n",
            self.policy,
            if total == 1 { "" } else { "s" },
            self.denied.len()
        );
        let mut by_count: Vec<(&String, &u64)> = self.denied.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (what, n) in by_count {
            let _ = writeln!(s, "caprun:   {n:>6} × {what}");
        }
        s
    }

    /// The learned policy as YAML: `extends:` the base, plus exactly the calls observed
    /// outside it, each with a comment saying how often it was seen.
    pub fn learned_policy(&self) -> String {
        self.learned
            .policy(&self.seccomp, &self.program, &self.policy, &self.extends)
    }

    /// At the program's exit: the explain summary, or the learned policy written out.
    pub fn finish(&mut self, stderr: RawFd) {
        match self.mode {
            Mode::Explain => sys::write_all(stderr, self.summary().as_bytes()),
            Mode::Learn => {
                let text = self.learned_policy();
                let calls = self.learned.len();
                let msg = match self.out.take() {
                    Some(fd) => {
                        let mut f = std::fs::File::from(fd);
                        match std::io::Write::write_all(&mut f, text.as_bytes()) {
                            Ok(()) => format!(
                                "caprun: learned {calls} system call{} outside policy {}: wrote {}\n",
                                if calls == 1 { "" } else { "s" },
                                self.policy,
                                self.out_name
                            ),
                            Err(e) => format!("caprun: writing {}: {e}\n", self.out_name),
                        }
                    }
                    None => String::new(),
                };
                sys::write_all(stderr, msg.as_bytes());
            }
        }
    }
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
        s.denied.insert("uname(…)".into(), 2);
        s.denied.insert("sysinfo(…)".into(), 1);
        let sum = s.summary();
        assert!(sum.contains("denied 3 calls (2 distinct)"), "{sum}");
        assert!(
            sum.find("uname").unwrap() < sum.find("sysinfo").unwrap(),
            "{sum}"
        );
    }
}
