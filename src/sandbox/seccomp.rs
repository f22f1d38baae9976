//! `seccomp`: compile a policy's allowlist to a classic BPF program, and install it with
//! raw system calls (no allocation: it runs in the final step, just before `execveat`).
//!
//! Program layout (x86_64):
//!
//! 1. architecture check (from seccompiler: anything but `AUDIT_ARCH_X86_64` kills the
//!    process);
//! 2. load the syscall number;
//! 3. a **binary search** over the syscall number: the numbers 0..2³² are cut into maximal
//!    intervals with one outcome each (allowed, an errno override, a conditional rule, the
//!    default action; x32 numbers, `≥ 0x40000000`, always get the policy's own default
//!    action), and a balanced tree of `jge` comparisons picks the interval. A leaf is one
//!    instruction: `ret ALLOW`, `ret ERRNO(e)`, `ret DEFAULT`, or `ja` to the argument
//!    checks of a conditional rule;
//! 4. the conditional rules' argument checks, one block per syscall, compiled by
//!    seccompiler (its chain for a one-syscall filter, entered past its syscall-number
//!    comparison: the tree already knows the number). Every block ends with the default
//!    action;
//! 5. a final `ret DEFAULT` (seccompiler's unreachable "next syscall" hops of the last
//!    block point one past it; the kernel wants every jump target inside the program).
//!
//! Why: when a filter is attached the kernel emulates it once per syscall number to fill
//! its "always allowed" cache. seccompiler's linear chains (≈ 5 instructions per allowed
//! call, compared one after the other) made that ≈ 0.4 ms for the built-ins; the tree makes
//! every emulation ≈ log₂(intervals) comparisons. At run time, unconditionally allowed
//! calls are cached (the program does not run); a conditional or denied call runs the arch
//! check, the tree's depth and, for a conditional one, its own argument checks only.
//!
//! BPF conditional jumps have 8-bit offsets: when a tree node's left subtree is longer
//! than 255 instructions, the node becomes `jge K, 0, 1` + `ja RIGHT` (a trampoline; `ja`
//! has a 32-bit offset). Leaves reach the rule blocks with `ja` too.
//!
//! seccompiler still builds the argument checks (its conditions handle 64-bit arguments,
//! masks and its own long-jump helpers, and are well tested); only the dispatch on the
//! number is ours. In the notification modes ([`Denials::Notify`]) every denial returns
//! `SECCOMP_RET_USER_NOTIF` instead of the default action (seccompiler has no such action:
//! the rule blocks are compiled with the default action and their `ret DEFAULT`
//! instructions rewritten).
//!
//! `exclusive-locks: writable` gives `flock` a block of its own (`ld arg1; jset LOCK_EX`):
//! an exclusive lock returns `SECCOMP_RET_USER_NOTIF` where caprun's supervisor listens
//! ([`Denials::Notify`], [`Denials::Locks`]; `sandbox::notify::locks` decides it), else
//! `ERRNO(EOPNOTSUPP)` ([`LOCK_REFUSED`]); every other `flock` is allowed.

use std::collections::BTreeMap;
use std::os::fd::RawFd;

use nix::errno::Errno;
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

pub use seccompiler::sock_filter;

/// A compiled program (seccompiler's `BpfProgram`: a `Vec<sock_filter>`).
pub type BpfProgramOwned = BpfProgram;

use super::policy::model::{Action, ArgCondition, CmpOp, SeccompPolicy};
use super::syscalls;
use crate::sys::{caps as sys_caps, seccomp as sys_seccomp};

/// The kernel's limit on a classic BPF program (`BPF_MAXINSNS`).
pub const MAX_INSTRUCTIONS: usize = 4096;

/// `SECCOMP_RET_ALLOW`.
pub const RET_ALLOW: u32 = 0x7fff_0000;
/// `SECCOMP_RET_USER_NOTIF`: the call waits for the supervisor's answer.
pub const RET_USER_NOTIF: u32 = 0x7fc0_0000;
/// `SECCOMP_RET_ERRNO` (the errno is in the low 16 bits).
pub const RET_ERRNO: u32 = 0x0005_0000;
/// `SECCOMP_RET_LOG`: allow and log.
pub const RET_LOG: u32 = 0x7ffc_0000;
/// `SECCOMP_RET_ACTION_FULL`: the action part of a return value (without its data).
pub const RET_ACTION_FULL: u32 = 0xffff_0000;
/// The first x32 system call number (`__X32_SYSCALL_BIT`).
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_JA: u16 = 0x05; // BPF_JMP | BPF_JA
const BPF_JSET_K: u16 = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Errors of [`compile`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeccompError {
    /// seccompiler rejected a rule or the filter.
    #[error("seccomp: cannot compile the rule for `{syscall}`: {source}")]
    Rule {
        /// The system call whose rule failed (or `filter`).
        syscall: String,
        /// seccompiler's error.
        source: seccompiler::BackendError,
    },
    /// The program is longer than the kernel accepts.
    #[error("seccomp: the program has {0} instructions (the kernel accepts fewer than 4096)")]
    TooLarge(usize),
    /// The program seccompiler produced does not have the expected shape.
    #[error("seccomp: unexpected program layout from seccompiler")]
    Layout,
}

/// What a denied call's filter returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Denials {
    /// The policy's default action (the normal program).
    #[default]
    Policy,
    /// `SECCOMP_RET_USER_NOTIF`: the supervisor decides (`--explain-denials`, `--learn`).
    /// errno overrides and x32 numbers keep their own actions.
    Notify,
    /// The policy's default action, and only the exclusive locks of `exclusive-locks:
    /// writable` notify (a supervisor that takes locks and nothing else).
    Locks,
}

/// `LOCK_EX` of flock(2).
const LOCK_EX: u32 = libc::LOCK_EX as u32;
/// What an exclusive `flock` of `exclusive-locks: writable` gets from a program without
/// a listener: the answer of a file system without such locks (cargo then goes on
/// without the lock, as it does there).
pub const LOCK_REFUSED: u32 = libc::EOPNOTSUPP as u32;

/// Whether `flock` is decided by caprun's supervisor when it asks for `LOCK_EX`
/// ([`SeccompPolicy::exclusive_locks_writable`], with `flock` allowed).
pub fn brokers_locks(sp: &SeccompPolicy) -> bool {
    sp.exclusive_locks_writable && sp.allow.contains("flock")
}

/// Whether a call of number `nr` with `args` is an exclusive lock the supervisor decides
/// under `sp` (see [`brokers_locks`]).
pub fn is_brokered_lock(sp: &SeccompPolicy, nr: i64, args: &[u64; 6]) -> bool {
    nr == libc::SYS_flock && args[1] as u32 & LOCK_EX != 0 && brokers_locks(sp)
}

fn action(a: Action) -> SeccompAction {
    match a {
        Action::Errno(e) => SeccompAction::Errno(e),
        Action::Kill => SeccompAction::KillProcess,
        Action::Log => SeccompAction::Log,
    }
}

/// The filter's return value for a policy action.
pub fn action_value(a: Action) -> u32 {
    u32::from(action(a))
}

fn condition(c: &ArgCondition) -> Result<SeccompCondition, seccompiler::BackendError> {
    let len = if c.wide {
        SeccompCmpArgLen::Qword
    } else {
        SeccompCmpArgLen::Dword
    };
    let op = match (c.op, c.mask) {
        (CmpOp::Eq, Some(mask)) => SeccompCmpOp::MaskedEq(mask),
        (CmpOp::Eq, None) => SeccompCmpOp::Eq,
        (CmpOp::Ne, _) => SeccompCmpOp::Ne,
        (CmpOp::Lt, _) => SeccompCmpOp::Lt,
        (CmpOp::Le, _) => SeccompCmpOp::Le,
        (CmpOp::Gt, _) => SeccompCmpOp::Gt,
        (CmpOp::Ge, _) => SeccompCmpOp::Ge,
    };
    SeccompCondition::new(c.index, len, op, c.value)
}

/// The outcome of one interval of syscall numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    /// `ret` this value.
    Ret(u32),
    /// Jump to the argument checks of rule block `i`.
    Block(usize),
}

fn ins(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

fn ret(k: u32) -> sock_filter {
    ins(BPF_RET_K, 0, 0, k)
}

/// A program built backwards: the last instruction first, so that every forward jump's
/// target is already placed. A label is the number of instructions after the labelled one.
struct Backwards {
    rev: Vec<sock_filter>,
    max_jump: u8,
}

impl Backwards {
    /// Place `i` before everything placed so far; returns its label.
    fn push(&mut self, i: sock_filter) -> usize {
        self.rev.push(i);
        self.rev.len() - 1
    }

    /// The jump offset from an instruction placed next to `label`.
    fn distance(&self, label: usize) -> usize {
        self.rev.len() - label - 1
    }

    /// A label reachable with an 8-bit offset from the next instruction: `label` itself,
    /// or a new `ret`/`ja` in front of everything that reaches it.
    fn near(&mut self, label: usize, leaf: Option<Leaf>) -> usize {
        if self.distance(label) <= usize::from(self.max_jump) {
            return label;
        }
        match leaf {
            Some(Leaf::Ret(k)) => self.push(ret(k)),
            _ => {
                let d = self.distance(label) as u32;
                self.push(ins(BPF_JA, 0, 0, d))
            }
        }
    }

    /// The tree over `leaves` (`starts[i]` is where interval `i` begins); a leaf is not
    /// emitted but reached through `labels`. Returns the entry's label.
    fn tree(&mut self, starts: &[u32], leaves: &[Leaf], labels: &dyn Fn(Leaf) -> usize) -> usize {
        if leaves.len() == 1 {
            return labels(leaves[0]);
        }
        let mid = leaves.len() / 2;
        let leaf_of = |part: &[Leaf]| (part.len() == 1).then(|| part[0]);
        let mut right = self.tree(&starts[mid..], &leaves[mid..], labels);
        let mut left = self.tree(&starts[..mid], &leaves[..mid], labels);
        // Bring both targets within reach (placing one may push the other out: loop).
        loop {
            let max = usize::from(self.max_jump);
            if self.distance(left) > max {
                left = self.near(left, leaf_of(&leaves[..mid]));
            } else if self.distance(right) > max {
                right = self.near(right, leaf_of(&leaves[mid..]));
            } else {
                break;
            }
        }
        let (jt, jf) = (self.distance(right) as u8, self.distance(left) as u8);
        self.push(ins(BPF_JGE_K, jt, jf, starts[mid]))
    }

    /// The program in execution order.
    fn finish(mut self) -> Vec<sock_filter> {
        self.rev.reverse();
        self.rev
    }
}

/// A built-in policy's seccomp program, compiled ahead with the inputs it was compiled
/// from (the generated tables of [`builtins`](super::builtins), which returns its
/// program for exactly these inputs: what every launch under an unmodified built-in
/// policy asks for).
#[derive(Debug)]
pub struct Precompiled {
    /// [`SeccompPolicy::default_action`].
    pub default_action: Action,
    /// [`SeccompPolicy::allow`], in its (sorted) order.
    pub allow: &'static [syscalls::Name],
    /// [`SeccompPolicy::errno`], in its order.
    pub errno: &'static [(&'static str, u32)],
    /// [`SeccompPolicy::exclusive_locks_writable`].
    pub exclusive_locks_writable: bool,
    /// [`SeccompPolicy::rules`], in its order: name, number, alternatives.
    pub rules: &'static [(&'static str, i64, &'static [&'static [ArgCondition]])],
    /// What [`compile`] makes of them.
    pub program: &'static [sock_filter],
}

impl Precompiled {
    /// `sp` has exactly the inputs of this program (its `groups`, which the compiler does
    /// not read, aside).
    pub fn matches(&self, sp: &SeccompPolicy) -> bool {
        sp.default_action == self.default_action
            && sp.exclusive_locks_writable == self.exclusive_locks_writable
            // A built-in's list is the very same slice: no names to compare.
            && (sp.allow.is_static(self.allow)
                || sp.allow.len() == self.allow.len()
                    && sp.allow.iter().zip(self.allow).all(|(a, b)| a == b.as_str()))
            && sp.errno.len() == self.errno.len()
            && sp
                .errno
                .iter()
                .zip(self.errno)
                .all(|((n, e), (m, f))| n == m && e == f)
            && sp.rules.len() == self.rules.len()
            && sp
                .rules
                .iter()
                .zip(self.rules)
                .all(|((n, r), (m, nr, alts))| {
                    n == m
                        && r.nr == *nr
                        && r.alternatives.len() == alts.len()
                        && r.alternatives
                            .iter()
                            .zip(alts.iter())
                            .all(|(a, b)| a.as_slice() == *b)
                })
    }
}

/// Compile the seccomp part of a policy for x86_64 (see the module documentation). A
/// pure function of `sp`: the built-in policies' programs are compiled ahead, and a
/// caller that may hold one asks [`builtins::precompiled`](super::builtins::precompiled)
/// first (the same output, without the ≈ 0.1 M instructions of compiling it).
pub fn compile(sp: &SeccompPolicy) -> Result<BpfProgram, SeccompError> {
    compile_with(sp, Denials::Policy)
}

/// [`compile`], choosing what denials return.
pub fn compile_with(sp: &SeccompPolicy, denials: Denials) -> Result<BpfProgram, SeccompError> {
    compile_inner(sp, denials, u8::MAX)
}

fn compile_inner(
    sp: &SeccompPolicy,
    denials: Denials,
    max_jump: u8,
) -> Result<BpfProgram, SeccompError> {
    let rule_err = |syscall: &str| {
        let syscall = syscall.to_string();
        move |source| SeccompError::Rule { syscall, source }
    };
    let policy_default = action_value(sp.default_action);
    let deny = match denials {
        Denials::Policy | Denials::Locks => policy_default,
        Denials::Notify => RET_USER_NOTIF,
    };
    let exclusive_lock = match denials {
        Denials::Policy => u32::from(SeccompAction::Errno(LOCK_REFUSED)),
        Denials::Notify | Denials::Locks => RET_USER_NOTIF,
    };

    // What each known number does, a later entry for a number replacing an earlier one
    // (sorted below). Names were checked when the policy was parsed; the sets are sorted
    // by name, as the table is.
    let mut outcome: Vec<(u32, Leaf)> =
        Vec::with_capacity(sp.allow.len() + sp.errno.len() + sp.rules.len());
    let mut lookup = syscalls::InOrder::new();
    for name in &sp.allow {
        let nr = lookup.number(name).ok_or(SeccompError::Layout)?;
        outcome.push((nr as u32, Leaf::Ret(RET_ALLOW)));
    }
    let mut lookup = syscalls::InOrder::new();
    for (name, errno) in &sp.errno {
        let nr = lookup.number(name).ok_or(SeccompError::Layout)?;
        outcome.push((
            nr as u32,
            Leaf::Ret(u32::from(SeccompAction::Errno(*errno))),
        ));
    }
    // Argument checks: one block per conditional syscall, from seccompiler.
    let mut blocks: Vec<BpfProgram> = Vec::new();
    if brokers_locks(sp) {
        // `exclusive-locks: writable`: flock with LOCK_EX in its (32-bit) operation goes
        // to the supervisor (or is refused), every other flock is allowed.
        outcome.push((libc::SYS_flock as u32, Leaf::Block(blocks.len())));
        blocks.push(lock_block(exclusive_lock).to_vec());
    }
    for (name, rule) in &sp.rules {
        let mut chain = Vec::with_capacity(rule.alternatives.len());
        for alt in &rule.alternatives {
            let conds = alt
                .iter()
                .map(condition)
                .collect::<Result<Vec<_>, _>>()
                .map_err(rule_err(name))?;
            chain.push(SeccompRule::new(conds).map_err(rule_err(name))?);
        }
        let filter = SeccompFilter::new(
            BTreeMap::from([(rule.nr, chain)]),
            action(sp.default_action),
            SeccompAction::Allow,
            TargetArch::x86_64,
        )
        .map_err(rule_err(name))?;
        let prog: BpfProgram = filter.try_into().map_err(rule_err(name))?;
        // [ld arch, jeq, ret kill, ld nr, jeq nr, BLOCK..., ret default]: the block starts
        // past the number comparison and ends with the chain's own `ret default`.
        let nr_check = ins(BPF_JEQ_K, 0, 1, rule.nr as u32);
        if prog.len() < 7 || prog[3] != ins(BPF_LD_W_ABS, 0, 0, 0) || prog[4] != nr_check {
            return Err(SeccompError::Layout);
        }
        let mut block = prog[5..prog.len() - 1].to_vec();
        for i in block.iter_mut() {
            if i.code == BPF_RET_K && i.k == policy_default {
                i.k = deny;
            }
        }
        outcome.push((rule.nr as u32, Leaf::Block(blocks.len())));
        blocks.push(block);
    }

    // By number, the last entry of a number kept (reversed, then a stable sort and
    // `dedup` keeping the first of equal numbers).
    outcome.reverse();
    outcome.sort_by_key(|&(nr, _)| nr);
    outcome.dedup_by_key(|&mut (nr, _)| nr);

    // Maximal intervals of equal outcome over 0..2^32: (start, leaf) points, a later
    // point at the same start replacing an earlier one, equal neighbours merged.
    let mut points: Vec<(u32, Leaf)> = Vec::with_capacity(2 * outcome.len() + 2);
    points.push((0, Leaf::Ret(deny)));
    for &(nr, leaf) in outcome.iter().take_while(|(nr, _)| *nr < X32_SYSCALL_BIT) {
        points.push((nr, leaf));
        points.push((nr + 1, Leaf::Ret(deny)));
    }
    points.push((X32_SYSCALL_BIT, Leaf::Ret(policy_default)));
    let mut starts: Vec<u32> = Vec::with_capacity(points.len());
    let mut leaves: Vec<Leaf> = Vec::with_capacity(points.len());
    for (start, leaf) in points {
        if starts.last() == Some(&start) {
            leaves.pop();
            starts.pop();
        }
        if leaves.last() != Some(&leaf) {
            starts.push(start);
            leaves.push(leaf);
        }
    }

    let arch_check = SeccompFilter::new(
        BTreeMap::new(),
        action(sp.default_action),
        SeccompAction::Allow,
        TargetArch::x86_64,
    )
    .map_err(rule_err("filter"))?;
    let arch_check: BpfProgram = arch_check.try_into().map_err(rule_err("filter"))?;
    // [ld arch, jeq, ret kill, ret default]
    if arch_check.len() != 4 {
        return Err(SeccompError::Layout);
    }
    // Built backwards: final `ret`, rule blocks, the shared `ret` instructions, the tree,
    // `ld nr`, the arch check.
    let mut out = Backwards {
        rev: Vec::new(),
        max_jump,
    };
    out.push(ret(deny));
    let mut block_labels = Vec::with_capacity(blocks.len());
    for b in blocks.iter().rev() {
        for i in b.iter().rev() {
            out.push(i.clone());
        }
        block_labels.push(out.rev.len() - 1);
    }
    block_labels.reverse();
    let mut rets: Vec<u32> = leaves
        .iter()
        .filter_map(|l| match l {
            Leaf::Ret(k) => Some(*k),
            Leaf::Block(_) => None,
        })
        .collect();
    rets.sort_unstable();
    rets.dedup();
    let ret_labels: BTreeMap<u32, usize> = rets.iter().map(|&k| (k, out.push(ret(k)))).collect();
    let labels = |leaf: Leaf| match leaf {
        Leaf::Ret(k) => ret_labels[&k],
        Leaf::Block(b) => block_labels[b],
    };
    let entry = out.tree(&starts, &leaves, &labels);
    // The tree must start right after `ld nr`.
    if out.distance(entry) != 0 {
        let d = out.distance(entry) as u32;
        out.push(ins(BPF_JA, 0, 0, d));
    }
    out.push(ins(BPF_LD_W_ABS, 0, 0, 0));
    for i in arch_check[..3].iter().rev() {
        out.push(i.clone());
    }
    let prog = out.finish();
    if prog.len() >= MAX_INSTRUCTIONS {
        return Err(SeccompError::TooLarge(prog.len()));
    }
    check_jumps(&prog)?;
    Ok(prog)
}

/// The exclusive-lock block of `exclusive-locks: writable` (see `compile_inner`), with
/// its return for an exclusive lock.
fn lock_block(exclusive_lock: u32) -> [sock_filter; 4] {
    [
        ins(BPF_LD_W_ABS, 0, 0, 24),
        ins(BPF_JSET_K, 0, 1, LOCK_EX),
        ret(exclusive_lock),
        ret(RET_ALLOW),
    ]
}

/// The [`Denials::Locks`] program of a policy from its [`Denials::Policy`] program `prog`
/// (a built-in's, compiled ahead): the same, but for the exclusive locks of
/// `exclusive-locks: writable`, which notify. `None` when `prog` has no such block.
pub fn notifying_locks(prog: &[sock_filter]) -> Option<BpfProgram> {
    let refused = lock_block(u32::from(SeccompAction::Errno(LOCK_REFUSED)));
    let at = prog.windows(4).position(|w| w == refused)?;
    let mut out = prog.to_vec();
    out[at + 2] = ret(RET_USER_NOTIF);
    Some(out)
}

/// `prog` (a program of [`compile_with`]) preceded by a check that returns
/// `SECCOMP_RET_USER_NOTIF` for every x86_64 system call in `watched`, whatever its
/// arguments and whatever `prog` would return: `--explain-denials` and `--learn` watch
/// the calls that take paths this way. Every other call (and every call of another
/// architecture) runs `prog` unchanged, from its own architecture check. The supervisor
/// learns what `prog` itself would have returned for a watched call with [`evaluate`].
pub fn watching(prog: &[sock_filter], watched: &[u32]) -> Result<BpfProgram, SeccompError> {
    let n = watched.len();
    // ld arch; jeq x86_64 (else to prog); ld nr; n × jeq → notify; ja prog; ret notify.
    let over = u8::try_from(n + 3).map_err(|_| SeccompError::TooLarge(n))?;
    let mut out = Vec::with_capacity(n + 5 + prog.len());
    out.push(ins(BPF_LD_W_ABS, 0, 0, 4));
    out.push(ins(BPF_JEQ_K, 0, over, 0xC000_003E));
    out.push(ins(BPF_LD_W_ABS, 0, 0, 0));
    for (i, &nr) in watched.iter().enumerate() {
        out.push(ins(BPF_JEQ_K, (n - i) as u8, 0, nr));
    }
    out.push(ins(BPF_JA, 0, 0, 1));
    out.push(ret(RET_USER_NOTIF));
    out.extend_from_slice(prog);
    if out.len() >= MAX_INSTRUCTIONS {
        return Err(SeccompError::TooLarge(out.len()));
    }
    check_jumps(&out)?;
    Ok(out)
}

/// Every jump lands inside the program and the last instruction returns (what the
/// kernel's checker demands).
fn check_jumps(prog: &[sock_filter]) -> Result<(), SeccompError> {
    for (pc, i) in prog.iter().enumerate() {
        if i.code & 0x07 != 0x05 {
            continue;
        }
        let targets = if i.code == BPF_JA {
            [i.k as usize, 0]
        } else {
            [usize::from(i.jt), usize::from(i.jf)]
        };
        if targets.iter().any(|&t| pc + 1 + t >= prog.len()) {
            return Err(SeccompError::Layout);
        }
    }
    match prog.last() {
        Some(i) if i.code == BPF_RET_K => Ok(()),
        _ => Err(SeccompError::Layout),
    }
}

/// Install a compiled program on the calling thread: `prctl(PR_SET_NO_NEW_PRIVS)` then
/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)`. Raw system calls only, no allocation:
/// safe to call after `fork` in a multi-threaded process and as the last step before
/// `execveat` (which the program must allow).
pub fn install(prog: &[sock_filter]) -> Result<(), Errno> {
    u16::try_from(prog.len()).map_err(|_| Errno::EINVAL)?;
    sys_caps::set_no_new_privs()?;
    sys_seccomp::set_mode_filter(prog, 0)?;
    Ok(())
}

/// [`install`] with `SECCOMP_FILTER_FLAG_NEW_LISTENER`: returns the new listener
/// descriptor (close-on-exec), on which the calls the program returns
/// `SECCOMP_RET_USER_NOTIF` for wait for an answer. Raw system calls, no allocation.
pub fn install_listener(prog: &[sock_filter]) -> Result<RawFd, Errno> {
    u16::try_from(prog.len()).map_err(|_| Errno::EINVAL)?;
    sys_caps::set_no_new_privs()?;
    let fd = sys_seccomp::set_mode_filter(prog, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER)?;
    Ok(fd as RawFd)
}

/// The result of running a program on one system call with [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    /// The filter's return value (`SECCOMP_RET_*` | data).
    pub ret: u32,
    /// How many instructions ran.
    pub steps: usize,
}

/// Run a seccomp program on `(nr, args)` for x86_64, as the kernel would: used by tests and
/// to report how far into the program each conditional rule sits. Supports the instructions
/// seccompiler and [`compile`] emit (`ld abs`, `alu and`, `jmp`, `ret`).
pub fn evaluate(prog: &[sock_filter], nr: i64, args: [u64; 6]) -> Option<Evaluation> {
    // struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }
    let mut data = [0u8; 64];
    data[0..4].copy_from_slice(&(nr as u32).to_ne_bytes());
    data[4..8].copy_from_slice(&0xC000_003Eu32.to_ne_bytes()); // AUDIT_ARCH_X86_64
    for (i, a) in args.iter().enumerate() {
        data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_ne_bytes());
    }
    let (mut acc, mut pc, mut steps) = (0u32, 0usize, 0usize);
    loop {
        let ins = prog.get(pc)?;
        steps += 1;
        let class = ins.code & 0x07;
        match class {
            0x00 => {
                // ld: only BPF_W | BPF_ABS
                if ins.code != BPF_LD_W_ABS {
                    return None;
                }
                let k = ins.k as usize;
                acc = u32::from_ne_bytes(data.get(k..k + 4)?.try_into().ok()?);
                pc += 1;
            }
            0x04 => {
                // alu: and / or with K
                match ins.code & 0xf0 {
                    0x50 => acc &= ins.k,
                    0x40 => acc |= ins.k,
                    _ => return None,
                }
                pc += 1;
            }
            0x05 => {
                let op = ins.code & 0xf0;
                if op == 0x00 {
                    pc += 1 + ins.k as usize;
                    continue;
                }
                let taken = match op {
                    0x10 => acc == ins.k,
                    0x20 => acc > ins.k,
                    0x30 => acc >= ins.k,
                    0x40 => acc & ins.k != 0,
                    _ => return None,
                };
                pc += 1 + usize::from(if taken { ins.jt } else { ins.jf });
            }
            0x06 => return Some(Evaluation { ret: ins.k, steps }),
            _ => return None,
        }
    }
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests {
    use super::super::testutil::{in_child, FIONREAD, TIOCLINUX, TIOCSTI};
    use super::super::{builtins, policy};
    use super::*;
    use proptest::prelude::*;

    fn errno() -> i32 {
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EINVAL)
    }

    fn builtin(name: &str) -> Option<BpfProgram> {
        let p = policy::load(name).unwrap();
        p.seccomp.as_ref().map(|sp| compile(sp).unwrap())
    }

    #[test]
    fn builtins_compile_small() {
        for name in builtins::names() {
            if let Some(prog) = builtin(name) {
                eprintln!("{name}: {} instructions", prog.len());
                assert!(prog.len() < MAX_INSTRUCTIONS);
            }
        }
        assert!(builtin("none").is_none());
    }

    /// Metadata and set-user-ID: what each built-in refuses and lets through (issue: a
    /// file granted read-only was chmod-able, a setuid file could be planted).
    #[test]
    fn metadata_and_setuid_rules() {
        let eperm = RET_ERRNO | libc::EPERM as u32;
        let enosys = RET_ERRNO | libc::ENOSYS as u32;
        let suid = u64::from(libc::S_ISUID | 0o755);
        let sgid = u64::from(libc::S_ISGID | 0o755);
        let creat = (libc::O_CREAT | libc::O_WRONLY) as u64;
        let tmpfile = (libc::O_TMPFILE | libc::O_RDWR) as u64;
        for name in ["strict", "default", "unprivileged", "devtools"] {
            let prog = builtin(name).unwrap();
            let ev = |nr: i64, a: [u64; 6]| evaluate(&prog, nr, a).unwrap().ret;
            // Creating: any mode but the two bits; not creating: the mode is not looked at.
            assert_eq!(
                ev(libc::SYS_openat, [0, 0, creat, 0o644, 0, 0]),
                RET_ALLOW,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_openat, [0, 0, creat, suid, 0, 0]),
                eperm,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_openat, [0, 0, creat, sgid, 0, 0]),
                eperm,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_openat, [0, 0, tmpfile, suid, 0, 0]),
                eperm,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_openat, [0, 0, 0, suid, 0, 0]),
                RET_ALLOW,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_open, [0, creat, suid, 0, 0, 0]),
                eperm,
                "{name}"
            );
            assert_eq!(ev(libc::SYS_open, [0, 0, 0, 0, 0, 0]), RET_ALLOW, "{name}");
            assert_eq!(
                ev(libc::SYS_mkdirat, [0, 0, sgid, 0, 0, 0]),
                eperm,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_mkdirat, [0, 0, 0o755, 0, 0, 0]),
                RET_ALLOW,
                "{name}"
            );
            // openat2's mode is out of sight: ENOSYS, libc falls back to openat.
            assert_eq!(ev(libc::SYS_openat2, [0; 6]), enosys, "{name}");
            // Leases and inode flags: never.
            let setlease = libc::F_SETLEASE as u64;
            assert_eq!(
                ev(libc::SYS_fcntl, [0, setlease, 0, 0, 0, 0]),
                eperm,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_fcntl, [0, libc::F_GETFL as u64, 0, 0, 0, 0]),
                RET_ALLOW
            );
            for cmd in [0x4008_6602u64, 0x4004_6602, 0x401c_5820] {
                assert_eq!(
                    ev(libc::SYS_ioctl, [0, cmd, 0, 0, 0, 0]),
                    eperm,
                    "{name} {cmd:#x}"
                );
            }
            assert_eq!(
                ev(libc::SYS_ioctl, [0, 0x5401, 0, 0, 0, 0]),
                RET_ALLOW,
                "{name} TCGETS"
            );
            // Shared locks everywhere; exclusive ones only for build tools, where the
            // supervisor finds the file writable: without a listener, refused as a file
            // system without such locks refuses them.
            let lock = |op: i32| ev(libc::SYS_flock, [0, op as u64, 0, 0, 0, 0]);
            assert_eq!(lock(libc::LOCK_SH | libc::LOCK_NB), RET_ALLOW, "{name}");
            assert_eq!(lock(libc::LOCK_UN), RET_ALLOW, "{name}");
            let devtools = name == "devtools";
            let ex = if devtools {
                RET_ERRNO | LOCK_REFUSED
            } else {
                eperm
            };
            assert_eq!(lock(libc::LOCK_EX), ex, "{name}");
            assert_eq!(lock(libc::LOCK_EX | libc::LOCK_NB), ex, "{name}");
            if devtools {
                let sp = policy::load(name).unwrap().seccomp.unwrap();
                for denials in [Denials::Notify, Denials::Locks] {
                    let prog = compile_with(&sp, denials).unwrap();
                    let ev = |op: i32| {
                        evaluate(&prog, libc::SYS_flock, [0, op as u64, 0, 0, 0, 0])
                            .unwrap()
                            .ret
                    };
                    assert_eq!(ev(libc::LOCK_EX), RET_USER_NOTIF, "{denials:?}");
                    assert_eq!(ev(libc::LOCK_SH), RET_ALLOW, "{denials:?}");
                }
            }
            // Permission bits and times: only for build tools, never the two bits.
            for (nr, mode_at) in [
                (libc::SYS_fchmod, 1),
                (libc::SYS_fchmodat, 2),
                (libc::SYS_chmod, 1),
                (libc::SYS_fchmodat2, 2),
                (libc::SYS_creat, 1),
                (libc::SYS_mkdir, 1),
                (libc::SYS_mknodat, 2),
            ] {
                let mut a = [0u64; 6];
                a[mode_at] = 0o755;
                let plain = if devtools { RET_ALLOW } else { eperm };
                assert_eq!(ev(nr, a), plain, "{name} {:?}", syscalls::name(nr));
                a[mode_at] = suid;
                assert_eq!(ev(nr, a), eperm, "{name} {:?}", syscalls::name(nr));
                a[mode_at] = sgid;
                assert_eq!(ev(nr, a), eperm, "{name} {:?}", syscalls::name(nr));
            }
            let times = if devtools { RET_ALLOW } else { eperm };
            assert_eq!(ev(libc::SYS_utimensat, [0; 6]), times, "{name}");
            assert_eq!(ev(libc::SYS_fchown, [0; 6]), times, "{name}");
            assert_eq!(ev(libc::SYS_fsetxattr, [0; 6]), times, "{name}");
        }
    }

    /// Without a PID namespace (`unprivileged`) the calls that take a pid may only name
    /// the caller; with one, any pid names a process of the sandbox.
    #[test]
    fn pids_are_pinned_without_a_pid_namespace() {
        let eperm = RET_ERRNO | libc::EPERM as u32;
        let prio_user = libc::PRIO_USER as u64;
        for (name, pinned) in [
            ("unprivileged", true),
            ("strict", false),
            ("default", false),
        ] {
            let prog = builtin(name).unwrap();
            let ev = |nr: i64, a: [u64; 6]| evaluate(&prog, nr, a).unwrap().ret;
            let other = if pinned { eperm } else { RET_ALLOW };
            assert_eq!(
                ev(libc::SYS_prlimit64, [0, 7, 0, 0, 0, 0]),
                RET_ALLOW,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_prlimit64, [4321, 7, 0, 0, 0, 0]),
                other,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_getpriority, [0, 0, 0, 0, 0, 0]),
                RET_ALLOW,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_getpriority, [0, 4321, 0, 0, 0, 0]),
                other,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_getpriority, [prio_user, 0, 0, 0, 0, 0]),
                other,
                "{name}"
            );
            assert_eq!(
                ev(libc::SYS_sched_getaffinity, [0, 8, 0, 0, 0, 0]),
                RET_ALLOW
            );
            assert_eq!(
                ev(libc::SYS_sched_getaffinity, [4321, 8, 0, 0, 0, 0]),
                other
            );
            assert_eq!(ev(libc::SYS_capget, [0; 6]), other, "{name}");
        }
    }

    #[test]
    fn devtools_personality_only_reads_or_turns_off_randomization() {
        let prog = builtin("devtools").unwrap();
        let ev = |nr: i64, a: [u64; 6]| evaluate(&prog, nr, a).unwrap().ret;
        let eperm = RET_ERRNO | libc::EPERM as u32;
        let persona = |p: u64| ev(libc::SYS_personality, [p, 0, 0, 0, 0, 0]);
        const ADDR_NO_RANDOMIZE: u64 = 0x0040000;
        const READ_IMPLIES_EXEC: u64 = 0x0400000;
        const PER_LINUX32: u64 = 0x0008;
        for ok in [0xffff_ffff, 0, ADDR_NO_RANDOMIZE] {
            assert_eq!(persona(ok), RET_ALLOW, "{ok:#x}");
        }
        for bad in [
            READ_IMPLIES_EXEC,
            ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC,
            PER_LINUX32,
        ] {
            assert_eq!(persona(bad), eperm, "{bad:#x}");
        }
        assert_eq!(ev(libc::SYS_ptrace, [0; 6]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_process_vm_readv, [0; 6]), RET_ALLOW);
    }

    #[test]
    fn evaluation_of_default() {
        let prog = builtin("default").unwrap();
        let ev = |nr: i64, a: [u64; 6]| evaluate(&prog, nr, a).unwrap().ret;
        let eperm = RET_ERRNO | libc::EPERM as u32;
        assert_eq!(ev(libc::SYS_read, [0; 6]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_execveat, [0; 6]), RET_ALLOW);
        assert_eq!(
            ev(libc::SYS_clone3, [0; 6]),
            RET_ERRNO | libc::ENOSYS as u32
        );
        for nr in [
            libc::SYS_io_uring_setup,
            libc::SYS_bpf,
            libc::SYS_perf_event_open,
            libc::SYS_ptrace,
            libc::SYS_keyctl,
            libc::SYS_add_key,
            libc::SYS_request_key,
            libc::SYS_userfaultfd,
            libc::SYS_mount,
            libc::SYS_umount2,
            libc::SYS_pivot_root,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_chroot,
            libc::SYS_init_module,
            libc::SYS_finit_module,
            libc::SYS_delete_module,
            libc::SYS_reboot,
            libc::SYS_kexec_load,
            libc::SYS_kexec_file_load,
        ] {
            assert_eq!(ev(nr, [0; 6]), eperm, "{:?}", syscalls::name(nr));
        }
        // socket: AF_UNIX only.
        let sock = |d: i32| ev(libc::SYS_socket, [d as u64, 1, 0, 0, 0, 0]);
        assert_eq!(sock(libc::AF_UNIX), RET_ALLOW);
        for d in [
            libc::AF_INET,
            libc::AF_INET6,
            libc::AF_NETLINK,
            libc::AF_PACKET,
        ] {
            assert_eq!(sock(d), eperm);
        }
        // clone: threads yes, namespaces no.
        let threads = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM
            | libc::CLONE_SETTLS
            | libc::CLONE_PARENT_SETTID
            | libc::CLONE_CHILD_CLEARTID) as u64;
        assert_eq!(ev(libc::SYS_clone, [threads, 0, 0, 0, 0, 0]), RET_ALLOW);
        for f in [
            libc::CLONE_NEWUSER,
            libc::CLONE_NEWNET,
            libc::CLONE_NEWNS,
            libc::CLONE_NEWPID,
        ] {
            assert_eq!(
                ev(libc::SYS_clone, [threads | f as u64, 0, 0, 0, 0, 0]),
                eperm
            );
        }
        // ioctl: no TIOCSTI/TIOCLINUX, even with garbage in the upper 32 bits.
        let ioctl = |req: u64| ev(libc::SYS_ioctl, [1, req, 0, 0, 0, 0]);
        assert_eq!(ioctl(FIONREAD), RET_ALLOW);
        assert_eq!(ioctl(TIOCSTI), eperm);
        assert_eq!(ioctl(TIOCLINUX), eperm);
        assert_eq!(ioctl(TIOCSTI | 1 << 32), eperm);
        // A syscall number past every chain, and an x32 number.
        assert_eq!(ev(1000, [0; 6]), eperm);
        assert_eq!(ev(libc::SYS_read | 0x4000_0000, [0; 6]), eperm);
    }

    /// Where the conditional rules sit: instructions run before they decide.
    #[test]
    fn conditional_rule_cost() {
        let prog = builtin("strict").unwrap();
        for (nr, args) in [
            (libc::SYS_ioctl, [1, FIONREAD, 0, 0, 0, 0]),
            (libc::SYS_socket, [libc::AF_UNIX as u64, 1, 0, 0, 0, 0]),
            (libc::SYS_clone, [libc::CLONE_THREAD as u64, 0, 0, 0, 0, 0]),
        ] {
            let e = evaluate(&prog, nr, args).unwrap();
            eprintln!("{}: {} instructions", syscalls::name(nr).unwrap(), e.steps);
            assert_eq!(e.ret, RET_ALLOW);
            assert!(e.steps < 30, "{} steps", e.steps);
        }
    }

    #[test]
    fn multiple_alternatives_are_ored() {
        let text = "seccomp:\n  allow: [read, write, execveat, sendmsg, exit_group]\n  rules:\n    socket: [[\"arg0 == AF_UNIX\"], [\"arg0 == AF_INET\", \"arg1 == 2\"]]\n    openat: [\"arg2 & O_ACCMODE == O_RDONLY\"]\n";
        let p = policy::parse(text, "t.yaml", None).unwrap();
        let prog = compile(p.seccomp.as_ref().unwrap()).unwrap();
        let ev = |nr: i64, a: [u64; 6]| evaluate(&prog, nr, a).unwrap().ret;
        let eperm = RET_ERRNO | libc::EPERM as u32;
        assert_eq!(ev(libc::SYS_socket, [1, 1, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_socket, [2, 2, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_socket, [2, 1, 0, 0, 0, 0]), eperm);
        assert_eq!(ev(libc::SYS_socket, [10, 2, 0, 0, 0, 0]), eperm);
        assert_eq!(ev(libc::SYS_openat, [0, 0, 0o100000, 0, 0, 0]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_openat, [0, 0, 2, 0, 0, 0]), eperm);
        // Calls after a multi-rule chain are unaffected.
        assert_eq!(ev(libc::SYS_read, [0; 6]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_write, [0; 6]), RET_ALLOW);
        assert_eq!(ev(libc::SYS_getpid, [0; 6]), eperm);
        assert_eq!(ev(libc::SYS_close, [0; 6]), eperm);
    }

    /// What the policy says for `(nr, args)`, computed directly from its lists (the
    /// reference the compiled program is compared with).
    fn reference(sp: &SeccompPolicy, nr: i64, args: [u64; 6]) -> u32 {
        let default = action_value(sp.default_action);
        if nr as u64 >= u64::from(X32_SYSCALL_BIT) {
            return default;
        }
        let Some(name) = syscalls::name(nr) else {
            return default;
        };
        if is_brokered_lock(sp, nr, &args) {
            return RET_ERRNO | LOCK_REFUSED;
        }
        if let Some(e) = sp.errno.get(name) {
            return RET_ERRNO | e;
        }
        if sp.allow.contains(name) {
            return RET_ALLOW;
        }
        if let Some(rule) = sp.rules.get(name) {
            let holds = |c: &ArgCondition| {
                let (a, v, m) = if c.wide {
                    (args[c.index as usize], c.value, c.mask.unwrap_or(u64::MAX))
                } else {
                    (
                        args[c.index as usize] & 0xffff_ffff,
                        c.value & 0xffff_ffff,
                        c.mask.unwrap_or(u64::MAX) & 0xffff_ffff,
                    )
                };
                match c.op {
                    CmpOp::Eq => a & m == v,
                    CmpOp::Ne => a != v,
                    CmpOp::Lt => a < v,
                    CmpOp::Le => a <= v,
                    CmpOp::Gt => a > v,
                    CmpOp::Ge => a >= v,
                }
            };
            if rule.alternatives.iter().any(|alt| alt.iter().all(holds)) {
                return RET_ALLOW;
            }
        }
        default
    }

    /// The calls caprun's final step makes once the filter is in place: every policy must
    /// allow them (`policy::parse`).
    const FINAL_STEP: [&str; 4] = ["execveat", "sendmsg", "write", "exit_group"];

    /// A policy with many conditional rules, wide and masked conditions, several
    /// alternatives, errno overrides and scattered allowed calls: long blocks, so that
    /// tree-to-block jumps need trampolines.
    fn synthetic() -> SeccompPolicy {
        let mut text = String::from("seccomp:\n  default-action: EACCES\n  allow: [");
        let allowed: Vec<&str> = syscalls::SYSCALLS
            .iter()
            .map(|(n, nr)| (n.as_str(), nr))
            // A policy must let caprun's own final step through.
            .filter(|(n, nr)| {
                (*nr % 3 == 0 || FINAL_STEP.contains(n)) && !["clone3", "getcpu"].contains(n)
            })
            .map(|(n, _)| n)
            .collect();
        text.push_str(&allowed.join(", "));
        text.push_str("]\n  errno:\n    ENOSYS: [clone3, getcpu]\n  rules:\n");
        for (name, nr) in syscalls::SYSCALLS {
            let name = name.as_str();
            if nr % 9 == 1 && !["clone3", "getcpu"].contains(&name) && !FINAL_STEP.contains(&name) {
                let k = nr % 7;
                text.push_str(&format!(
                    "    {name}: [[\"arg0 == {k}\", \"arg1.64 > 0x1{k}00000000\"], [\"arg2 & 0xf0 == 0x{k}0\"], [\"arg3 != {k}\", \"arg4 <= 9\", \"arg5.64 >= 3\", \"arg0 < 5\"]]\n"
                ));
            }
        }
        policy::parse(&text, "synthetic.yaml", None)
            .unwrap()
            .seccomp
            .unwrap()
    }

    fn policies() -> Vec<(String, SeccompPolicy)> {
        let mut v: Vec<(String, SeccompPolicy)> = builtins::names()
            .iter()
            .filter_map(|n| Some((n.to_string(), policy::load(n).unwrap().seccomp?)))
            .collect();
        v.push(("synthetic".into(), synthetic()));
        v
    }

    type Compiled = Vec<(String, SeccompPolicy, Vec<(u8, Denials, BpfProgram)>)>;

    /// Every test policy compiled with normal jumps and with trampolines forced everywhere
    /// (8-bit jumps limited to 3), in both modes; compiled once.
    fn compiled() -> &'static Compiled {
        static ONCE: std::sync::OnceLock<Compiled> = std::sync::OnceLock::new();
        ONCE.get_or_init(|| {
            policies()
                .into_iter()
                .map(|(name, sp)| {
                    let mut progs = Vec::new();
                    for max_jump in [u8::MAX, 3] {
                        for denials in [Denials::Policy, Denials::Notify, Denials::Locks] {
                            let prog = compile_inner(&sp, denials, max_jump).unwrap();
                            progs.push((max_jump, denials, prog));
                        }
                    }
                    (name, sp, progs)
                })
                .collect()
        })
    }

    fn arg() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..16,
            Just(TIOCSTI),
            Just(TIOCLINUX),
            Just(FIONREAD),
            Just(libc::CLONE_NEWUSER as u64),
            Just(libc::CLONE_THREAD as u64 | libc::CLONE_VM as u64),
            (0u64..16).prop_map(|k| k << 4),
            (0u64..16).prop_map(|k| (0x1_0000_0000 * (16 + k)) | k),
            any::<u64>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The compiled program (normal jumps, and forced trampolines everywhere) returns
        /// what the policy says, for any number 0..500 (and x32 numbers) and arguments.
        #[test]
        fn program_matches_the_policy(
            nr in prop_oneof![0i64..500, (0i64..500).prop_map(|n| n | 0x4000_0000)],
            args in [arg(), arg(), arg(), arg(), arg(), arg()],
        ) {
            for (name, sp, progs) in compiled() {
                for (max_jump, denials, prog) in progs {
                    let got = evaluate(prog, nr, args).unwrap().ret;
                    let want = match reference(sp, nr, args) {
                        // An exclusive lock of `exclusive-locks: writable` goes to the
                        // supervisor when there is one.
                        _ if *denials != Denials::Policy && is_brokered_lock(sp, nr, &args) => RET_USER_NOTIF,
                        // Notify mode: every denial notifies, nothing else changes.
                        r if *denials == Denials::Notify
                            && r == action_value(sp.default_action)
                            && (nr as u64) < u64::from(X32_SYSCALL_BIT) => RET_USER_NOTIF,
                        r => r,
                    };
                    prop_assert_eq!(got, want, "{} {:?} max_jump {} nr {} {:x?}", name, denials, max_jump, nr, args);
                }
            }
        }
    }

    /// Instructions evaluated for any call: the arch check and `ld nr` (4), at most two
    /// per tree level (a comparison, and a trampoline when a subtree is long), one leaf
    /// `ja`, and the call's own argument checks.
    #[test]
    fn evaluation_is_logarithmic() {
        for (name, sp) in policies() {
            let prog = compile(&sp).unwrap();
            let n = sp.allow.len() + sp.errno.len() + sp.rules.len();
            let depth = (2 * n + 2).next_power_of_two().trailing_zeros() as usize;
            let (mut worst_plain, mut worst_cond) = (0, 0);
            for nr in 0..500 {
                let ev = evaluate(&prog, nr, [0; 6]).unwrap();
                let chain = syscalls::name(nr)
                    .and_then(|n| sp.rules.get(n))
                    .map_or(0, |r| {
                        r.alternatives
                            .iter()
                            .map(|a| 3 + 8 * a.len())
                            .sum::<usize>()
                            + 1
                    });
                let bound = 4 + 2 * depth + 1 + chain;
                assert!(
                    ev.steps <= bound,
                    "{name}: nr {nr}: {} steps > {bound}",
                    ev.steps
                );
                if chain == 0 {
                    worst_plain = worst_plain.max(ev.steps);
                } else {
                    worst_cond = worst_cond.max(ev.steps);
                }
            }
            eprintln!(
                "{name}: {} instructions, {n} calls named, worst {worst_plain} steps without argument checks, {worst_cond} with",
                prog.len()
            );
            if name != "synthetic" {
                // The built-ins: a handful of comparisons, not a walk through the list.
                assert!(worst_plain <= 4 + 2 * 9 + 1, "{name}: {worst_plain}");
            }
        }
    }

    /// A built-in's program compiled ahead becomes its [`Denials::Locks`] program by one
    /// instruction; a policy without the block has none to change.
    #[test]
    fn the_locks_program_is_derived_from_the_policys() {
        for (name, sp) in policies() {
            let own = compile(&sp).unwrap();
            match notifying_locks(&own) {
                Some(derived) => {
                    assert!(brokers_locks(&sp), "{name}");
                    assert_eq!(
                        derived,
                        compile_with(&sp, Denials::Locks).unwrap(),
                        "{name}"
                    );
                }
                None => assert!(!brokers_locks(&sp), "{name}"),
            }
        }
    }

    /// Notify mode changes only the denials' return values (x32 numbers keep the
    /// policy's action: one more interval).
    /// A watched call notifies whatever the policy says of it; every other call gets
    /// exactly what the program without the watch gives it.
    #[test]
    fn watching_notifies_the_watched_calls_only() {
        let sp = policy::load("devtools").unwrap().seccomp.unwrap();
        let plain = compile_with(&sp, Denials::Notify).unwrap();
        let watched: Vec<u32> = [libc::SYS_openat, libc::SYS_ptrace, libc::SYS_mkdir]
            .iter()
            .map(|&n| n as u32)
            .collect();
        let prog = watching(&plain, &watched).unwrap();
        let ev = |p: &[sock_filter], nr: i64, a: [u64; 6]| evaluate(p, nr, a).unwrap().ret;
        for nr in 0..460i64 {
            for args in [[0; 6], [2, 1, 0, 0, 0, 0], [u64::MAX; 6]] {
                let want = if watched.contains(&(nr as u32)) {
                    RET_USER_NOTIF
                } else {
                    ev(&plain, nr, args)
                };
                assert_eq!(ev(&prog, nr, args), want, "nr {nr}");
            }
        }
        // x32 numbers are not watched (they get the policy's own action).
        assert_eq!(
            ev(&prog, libc::SYS_openat | 0x4000_0000, [0; 6]),
            ev(&plain, libc::SYS_openat | 0x4000_0000, [0; 6])
        );
    }

    #[test]
    fn notify_program_differs_only_in_denials() {
        let sp = policy::load("strict").unwrap().seccomp.unwrap();
        let a = compile(&sp).unwrap();
        let b = compile_with(&sp, Denials::Notify).unwrap();
        assert!(b.len() <= a.len() + 2, "{} vs {}", b.len(), a.len());
        let eperm = RET_ERRNO | libc::EPERM as u32;
        let ev = |nr: i64, a: [u64; 6]| evaluate(&b, nr, a).unwrap().ret;
        assert_eq!(ev(libc::SYS_ptrace, [0; 6]), RET_USER_NOTIF);
        assert_eq!(ev(libc::SYS_socket, [2, 1, 0, 0, 0, 0]), RET_USER_NOTIF);
        assert_eq!(ev(libc::SYS_socket, [1, 1, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(
            ev(libc::SYS_clone3, [0; 6]),
            RET_ERRNO | libc::ENOSYS as u32
        );
        assert_eq!(ev(libc::SYS_read | 0x4000_0000, [0; 6]), eperm);
    }

    /// The real kernel agrees: a forked child installs `strict`'s program and probes it.
    #[test]
    fn installed_filter_in_child() {
        let prog = builtin("strict").unwrap();
        // Codes: 0 = all as expected; otherwise which check failed.
        let code = in_child(|| {
            if install(&prog).is_err() {
                return 10;
            }
            // SAFETY: raw system calls with integer arguments.
            unsafe {
                // Denied: returns EPERM.
                if libc::syscall(libc::SYS_unshare, libc::CLONE_NEWUSER) != -1
                    || errno() != libc::EPERM
                {
                    return 11;
                }
                if libc::syscall(libc::SYS_socket, libc::AF_INET, libc::SOCK_STREAM, 0) != -1
                    || errno() != libc::EPERM
                {
                    return 12;
                }
                // clone3 → ENOSYS.
                if libc::syscall(libc::SYS_clone3, 0, 0) != -1 || errno() != libc::ENOSYS {
                    return 13;
                }
                // Allowed: getpid works, an AF_UNIX socket is created.
                if libc::syscall(libc::SYS_getpid) <= 0 {
                    return 14;
                }
                let fd = libc::syscall(libc::SYS_socket, libc::AF_UNIX, libc::SOCK_STREAM, 0);
                if fd < 0 {
                    return 15;
                }
                libc::close(fd as i32);
            }
            0
        });
        assert_eq!(code, 0);
    }
}
