//! `seccomp`: compile a policy's allowlist to a classic BPF program with seccompiler, and
//! install it with raw system calls (no allocation: it runs in the final step, just before
//! `execveat`).
//!
//! Program layout (x86_64):
//!
//! 1. architecture check (seccompiler: anything but `AUDIT_ARCH_X86_64` kills the process);
//! 2. load the syscall number;
//! 3. the policy's `errno` overrides (e.g. `clone3` → `ENOSYS`), two instructions each,
//!    emitted by us because seccompiler has one match action per filter;
//! 4. the **conditional** rules' chains (compiled by seccompiler as a filter of their
//!    own, in ascending syscall number: `ioctl` 16, `socket` 41, `clone` 56 in the
//!    built-ins), so a call that needs its arguments checked is reached after a few
//!    instructions instead of after every allowed call;
//! 5. the unconditionally allowed calls' chains (seccompiler, ascending number, two
//!    instructions skipped per chain);
//! 6. the default action.
//!
//! Unconditionally allowed calls cost nothing at run time thanks to the kernel's
//! per-syscall action cache (the program is not run for them); only the conditional ones
//! and the denied ones run it.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

pub use seccompiler::sock_filter;

use super::policy::{Action, ArgCondition, CmpOp, SeccompPolicy};
use super::syscalls;

/// The kernel's limit on a classic BPF program (`BPF_MAXINSNS`).
pub const MAX_INSTRUCTIONS: usize = 4096;

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
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

fn action(a: Action) -> SeccompAction {
    match a {
        Action::Errno(e) => SeccompAction::Errno(e),
        Action::Kill => SeccompAction::KillProcess,
        Action::Log => SeccompAction::Log,
    }
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

/// Compile the seccomp part of a policy for x86_64.
pub fn compile(sp: &SeccompPolicy) -> Result<BpfProgram, SeccompError> {
    let rule_err = |syscall: &str| {
        let syscall = syscall.to_string();
        move |source| SeccompError::Rule { syscall, source }
    };
    let mut unconditional: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for name in &sp.allow {
        // Names were checked when the policy was parsed.
        let nr = syscalls::number(name).ok_or(SeccompError::Layout)?;
        unconditional.insert(nr, Vec::new());
    }
    let mut conditional: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
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
        conditional.insert(rule.nr, chain);
    }
    let default = action(sp.default_action);

    // Program: arch check, load nr, errno overrides, conditional chains, unconditional
    // chains, default action. Each seccompiler chain is self-contained (relative jumps,
    // its own return for "syscall matched, no rule held"), so chains of two compiled
    // filters can be concatenated: a syscall that matches no chain falls through to the
    // next one and finally to the default action.
    let load_nr = sock_filter {
        code: BPF_LD_W_ABS,
        jt: 0,
        jf: 0,
        k: 0,
    };
    let chains = |rules: BTreeMap<i64, Vec<SeccompRule>>| -> Result<BpfProgram, SeccompError> {
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let filter = SeccompFilter::new(
            rules,
            default.clone(),
            SeccompAction::Allow,
            TargetArch::x86_64,
        )
        .map_err(rule_err("filter"))?;
        let prog: BpfProgram = filter.try_into().map_err(rule_err("filter"))?;
        // [ld arch, jeq, ret kill, ld nr, chains..., ret default]
        if prog.len() < 5 || prog[3] != load_nr {
            return Err(SeccompError::Layout);
        }
        Ok(prog[4..prog.len() - 1].to_vec())
    };
    let cond_chains = chains(conditional)?;
    let uncond_chains = chains(unconditional)?;

    let arch_check = SeccompFilter::new(
        BTreeMap::new(),
        default.clone(),
        SeccompAction::Allow,
        TargetArch::x86_64,
    )
    .map_err(rule_err("filter"))?;
    let arch_check: BpfProgram = arch_check.try_into().map_err(rule_err("filter"))?;
    // [ld arch, jeq, ret kill, ret default]
    if arch_check.len() != 4 {
        return Err(SeccompError::Layout);
    }
    let mut prog: BpfProgram = arch_check[..3].to_vec();
    prog.push(load_nr);
    for (name, errno) in &sp.errno {
        let nr = syscalls::number(name).ok_or(SeccompError::Layout)?;
        prog.push(sock_filter {
            code: BPF_JEQ_K,
            jt: 0,
            jf: 1,
            k: nr as u32,
        });
        prog.push(sock_filter {
            code: BPF_RET_K,
            jt: 0,
            jf: 0,
            k: u32::from(SeccompAction::Errno(*errno)),
        });
    }
    prog.extend(cond_chains);
    prog.extend(uncond_chains);
    prog.push(sock_filter {
        code: BPF_RET_K,
        jt: 0,
        jf: 0,
        k: u32::from(default),
    });
    if prog.len() >= MAX_INSTRUCTIONS {
        return Err(SeccompError::TooLarge(prog.len()));
    }
    Ok(prog)
}

/// Install a compiled program on the calling thread: `prctl(PR_SET_NO_NEW_PRIVS)` then
/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)`. Raw system calls only, no allocation:
/// safe to call after `fork` in a multi-threaded process and as the last step before
/// `execveat` (which the program must allow). Returns the errno on failure.
pub fn install(prog: &[sock_filter]) -> Result<(), i32> {
    let len = u16::try_from(prog.len()).map_err(|_| libc::EINVAL)?;
    let fprog = libc::sock_fprog {
        len,
        // seccompiler's `sock_filter` is `#[repr(C)]` with the kernel's layout.
        filter: prog.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(errno());
    }
    // SAFETY: `fprog` points to `prog`, which outlives the call; the kernel copies it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        )
    };
    if rc != 0 {
        return Err(errno());
    }
    Ok(())
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EINVAL)
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
mod tests {
    use super::super::policy;
    use super::super::testutil::in_child;
    use super::*;

    const RET_ALLOW: u32 = 0x7fff_0000;
    const RET_ERRNO: u32 = 0x0005_0000;

    fn builtin(name: &str) -> Option<BpfProgram> {
        let p = policy::load(name).unwrap();
        p.seccomp.as_ref().map(|sp| compile(sp).unwrap())
    }

    #[test]
    fn builtins_compile_small() {
        for name in policy::builtin_names() {
            if let Some(prog) = builtin(name) {
                eprintln!("{name}: {} instructions", prog.len());
                assert!(prog.len() < MAX_INSTRUCTIONS);
            }
        }
        assert!(builtin("none").is_none());
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
        assert_eq!(ioctl(libc::FIONREAD), RET_ALLOW);
        assert_eq!(ioctl(libc::TIOCSTI), eperm);
        assert_eq!(ioctl(libc::TIOCLINUX), eperm);
        assert_eq!(ioctl(libc::TIOCSTI | 1 << 32), eperm);
        // A syscall number past every chain, and an x32 number.
        assert_eq!(ev(1000, [0; 6]), eperm);
        assert_eq!(ev(libc::SYS_read | 0x4000_0000, [0; 6]), eperm);
    }

    /// Where the conditional rules sit: instructions run before they decide.
    #[test]
    fn conditional_rule_cost() {
        let prog = builtin("strict").unwrap();
        for (nr, args) in [
            (libc::SYS_ioctl, [1, libc::FIONREAD, 0, 0, 0, 0]),
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
        let text = "seccomp:\n  allow: [read, write]\n  rules:\n    socket: [[\"arg0 == AF_UNIX\"], [\"arg0 == AF_INET\", \"arg1 == 2\"]]\n    openat: [\"arg2 & O_ACCMODE == O_RDONLY\"]\n";
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
