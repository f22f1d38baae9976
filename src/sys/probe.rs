//! The kernel probes of `caprun --check-host`: each tries features for real, the way
//! the sandbox uses them, in a forked child process, and sends the outcome of every
//! step back over a socket. Nothing of it reaches the calling process.
//!
//! The children make raw system calls only (no allocation, nothing that takes a lock),
//! so a probe may be started from any thread.
//!
//! # References
//! user_namespaces(7), unshare(2), mount(2), open_tree(2), mount_setattr(2),
//! move_mount(2), pivot_root(2), seccomp(2), seccomp_unotify(2).

use std::ffi::CStr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;

use super::{caps, fs, ids, mount, net, seccomp};

/// What became of one step of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepResult {
    /// It worked.
    Done,
    /// It failed with this error.
    Failed(Errno),
    /// It was not tried: a step it needs failed first.
    NotTried,
}

impl StepResult {
    fn encode(result: Result<(), Errno>) -> i32 {
        match result {
            Ok(()) => 0,
            Err(e) => (e as i32).max(1),
        }
    }

    fn decode(code: i32) -> StepResult {
        match code {
            0 => StepResult::Done,
            c if c > 0 => StepResult::Failed(Errno::from_raw(c)),
            _ => StepResult::NotTried,
        }
    }

    /// True for [`StepResult::Done`].
    pub fn done(self) -> bool {
        self == StepResult::Done
    }
}

/// The encoded outcome of a step not tried.
const NOT_TRIED: i32 = -1;

/// The steps of [`namespaces`], in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsStep {
    /// `unshare(CLONE_NEWUSER)`.
    User,
    /// `setgroups` denied and one id each mapped (`/proc/self/{setgroups,uid_map,gid_map}`).
    Maps,
    /// `unshare(CLONE_NEWNS)`, in the user namespace.
    Mount,
    /// `unshare(CLONE_NEWNET)`.
    Network,
    /// `unshare(CLONE_NEWIPC)`.
    Ipc,
    /// `unshare(CLONE_NEWUTS)`.
    Uts,
    /// `unshare(CLONE_NEWCGROUP)`.
    Cgroup,
    /// `unshare(CLONE_NEWPID)` and the fork of the namespace's init, which tries the rest.
    Pid,
    /// A write to the PID namespace's own `pid_max`, through a detached procfs (Linux
    /// 6.14 and later).
    PidMax,
    /// `sethostname` in the UTS namespace.
    Hostname,
    /// The loopback interface brought up in the network namespace.
    Loopback,
    /// `/` made private, and a tmpfs mounted on `/tmp` (the sandbox's staging directory).
    Tmpfs,
    /// A fresh procfs mounted on `/tmp/proc`, read-only, as `root.proc` mounts it.
    Proc,
    /// `/dev/null` cloned with `open_tree`, made read-only with `mount_setattr` and
    /// attached on `/tmp/null` with `move_mount`, as the policies' binds are.
    DetachedBind,
    /// `pivot_root` into `/tmp` and the old root detached.
    PivotRoot,
}

impl NsStep {
    /// Every step, in order.
    pub const ALL: [NsStep; 15] = [
        NsStep::User,
        NsStep::Maps,
        NsStep::Mount,
        NsStep::Network,
        NsStep::Ipc,
        NsStep::Uts,
        NsStep::Cgroup,
        NsStep::Pid,
        NsStep::PidMax,
        NsStep::Hostname,
        NsStep::Loopback,
        NsStep::Tmpfs,
        NsStep::Proc,
        NsStep::DetachedBind,
        NsStep::PivotRoot,
    ];
}

/// What [`namespaces`] is given: what the sandbox would write.
#[derive(Debug, Clone, Copy)]
pub struct NsProbe<'a> {
    /// Drop the supplementary groups first (root does, before its user namespace).
    pub clear_groups: bool,
    /// The line written to `uid_map`.
    pub uid_map: &'a CStr,
    /// The line written to `gid_map`.
    pub gid_map: &'a CStr,
    /// The value written to the PID namespace's `pid_max`.
    pub pid_max: &'a CStr,
}

/// The outcome of each step of [`namespaces`] ([`NsStep`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsOutcomes([StepResult; NsStep::ALL.len()]);

impl NsOutcomes {
    /// The outcome of `step`.
    pub fn get(&self, step: NsStep) -> StepResult {
        self.0[step as usize]
    }
}

/// Create a user namespace as the sandbox does, then in it each namespace the policies
/// use, and, as the init of the new PID namespace, the mounts and settings the sandbox
/// makes there (see [`NsStep`]), in a child process. A step that needs one that failed
/// is not tried. `Err`: the probe itself failed (fork, socket).
pub fn namespaces(probe: &NsProbe<'_>) -> Result<NsOutcomes, Errno> {
    let codes = in_child::<{ NsStep::ALL.len() }>(|out| ns_child(probe, out))?;
    Ok(NsOutcomes(codes.map(StepResult::decode)))
}

/// The child of [`namespaces`]: fill `out`, return to have it sent (or exit when the
/// init sent it).
fn ns_child(p: &NsProbe<'_>, out: &mut [i32; NsStep::ALL.len()]) {
    use NsStep::*;
    let mut set = |step: NsStep, r: Result<(), Errno>| {
        out[step as usize] = StepResult::encode(r);
        r.is_ok()
    };
    if p.clear_groups {
        let _ = ids::clear_groups();
    }
    if !set(User, ids::unshare(libc::CLONE_NEWUSER)) {
        return;
    }
    let maps = fs::write_file(c"/proc/self/setgroups", b"deny")
        .and_then(|()| fs::write_file(c"/proc/self/uid_map", p.uid_map.to_bytes()))
        .and_then(|()| fs::write_file(c"/proc/self/gid_map", p.gid_map.to_bytes()));
    if !set(Maps, maps) {
        return;
    }
    for (step, flag) in [
        (Mount, libc::CLONE_NEWNS),
        (Network, libc::CLONE_NEWNET),
        (Ipc, libc::CLONE_NEWIPC),
        (Uts, libc::CLONE_NEWUTS),
        (Cgroup, libc::CLONE_NEWCGROUP),
    ] {
        set(step, ids::unshare(flag));
    }
    let pid_ns = ids::unshare(libc::CLONE_NEWPID).and_then(|()| {
        // SAFETY: this child has one thread, and both sides only make raw system calls.
        match unsafe { super::fork() }? {
            // The init: the steps inside, sent from here.
            0 => Ok(()),
            init => {
                // The init sent everything unless it died first: then this process
                // sends what it knows.
                if matches!(super::wait_for(init), Ok(0)) {
                    super::exit(0);
                }
                Err(Errno::ECHILD)
            }
        }
    });
    let pid = set(Pid, pid_ns);
    let ok = |out: &[i32; NsStep::ALL.len()], step: NsStep| out[step as usize] == 0;
    if pid {
        let r = mount::set_pid_max(p.pid_max);
        out[PidMax as usize] = StepResult::encode(r);
    }
    if ok(out, Uts) {
        out[Hostname as usize] = StepResult::encode(ids::sethostname(c"sandbox"));
    }
    if ok(out, Network) {
        out[Loopback as usize] = StepResult::encode(net::loopback_up());
    }
    if !ok(out, Mount) {
        return;
    }
    // As the sandbox does: the bind source cloned before the tmpfs covers the staging
    // directory, attached after.
    let tmpfs = mount::mount(None, c"/", None, libc::MS_REC | libc::MS_PRIVATE, None);
    let tree = tmpfs.and_then(|()| {
        let tree = mount::open_tree(
            libc::AT_FDCWD,
            c"/dev/null",
            mount::OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint | mount::AT_RECURSIVE,
        )?;
        mount::set_attr_recursive(
            std::os::fd::AsFd::as_fd(&tree),
            mount::MOUNT_ATTR_RDONLY | mount::MOUNT_ATTR_NOSUID | mount::MOUNT_ATTR_NOEXEC,
        )?;
        Ok(tree)
    });
    let tmpfs = tmpfs.and_then(|()| {
        mount::mount(
            Some(c"tmpfs"),
            c"/tmp",
            Some(c"tmpfs"),
            libc::MS_NOSUID | libc::MS_NODEV,
            Some(c"mode=0755,size=1m"),
        )
    });
    out[Tmpfs as usize] = StepResult::encode(tmpfs);
    if tmpfs.is_err() {
        return;
    }
    if pid {
        let procfs = fs::mkdir(c"/tmp/proc", 0o755).and_then(|()| {
            mount::mount(
                Some(c"proc"),
                c"/tmp/proc",
                Some(c"proc"),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_RDONLY,
                None,
            )
        });
        out[Proc as usize] = StepResult::encode(procfs);
    }
    let bind = tree.and_then(|tree| {
        drop(fs::open(
            c"/tmp/null",
            libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
            0o644,
        )?);
        mount::move_mount(
            std::os::fd::AsFd::as_fd(&tree),
            c"",
            libc::AT_FDCWD,
            c"/tmp/null",
            mount::MOVE_MOUNT_F_EMPTY_PATH,
        )
    });
    out[DetachedBind as usize] = StepResult::encode(bind);
    let pivot = fs::chdir(c"/tmp")
        .and_then(|()| mount::pivot_root(c".", c"."))
        .and_then(|()| mount::umount2(c".", libc::MNT_DETACH));
    out[PivotRoot as usize] = StepResult::encode(pivot);
}

/// The steps of [`seccomp_notify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeccompStep {
    /// A filter installed (with a listener, or without when that failed).
    Filter,
    /// The filter installed with `SECCOMP_FILTER_FLAG_NEW_LISTENER`.
    Listener,
    /// A call the filter routes to the listener answered from there with an error the
    /// caller then saw.
    Notification,
}

/// The outcome of each step of [`seccomp_notify`] ([`SeccompStep`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeccompOutcomes([StepResult; 3]);

impl SeccompOutcomes {
    /// The outcome of `step`.
    pub fn get(&self, step: SeccompStep) -> StepResult {
        self.0[step as usize]
    }
}

/// How long [`seccomp_notify`] waits for the notification.
const NOTIFY_TIMEOUT_MS: libc::c_int = 5000;

/// In a child process: set no_new_privs and install a filter that routes `getppid` to a
/// listener and allows everything else; then a grandchild calls `getppid`, the child
/// answers `EXDEV` through the listener, and the grandchild checks that this is what it
/// got. Without a listener (`EBUSY`: the process already runs under a filter that has
/// one), the same filter is installed without it. `Err`: the probe itself failed.
pub fn seccomp_notify() -> Result<SeccompOutcomes, Errno> {
    let codes = in_child::<3>(seccomp_child)?;
    Ok(SeccompOutcomes(codes.map(StepResult::decode)))
}

fn seccomp_child(out: &mut [i32; 3]) {
    // x86_64 only: `getppid` → the listener, everything else allowed.
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    const LD: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JEQ: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RET: u16 = 0x06; // BPF_RET | BPF_K
    const ALLOW: u32 = 0x7fff_0000;
    const USER_NOTIF: u32 = 0x7fc0_0000;
    let ins = |code, jt, jf, k| seccompiler::sock_filter { code, jt, jf, k };
    let prog = [
        ins(LD, 0, 0, 4), // arch
        ins(JEQ, 0, 3, AUDIT_ARCH_X86_64),
        ins(LD, 0, 0, 0), // nr
        ins(JEQ, 0, 1, libc::SYS_getppid as u32),
        ins(RET, 0, 0, USER_NOTIF),
        ins(RET, 0, 0, ALLOW),
    ];
    use SeccompStep::*;
    if let Err(e) = caps::set_no_new_privs() {
        out[Filter as usize] = StepResult::encode(Err(e));
        return;
    }
    let listener =
        match seccomp::set_mode_filter(&prog, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER as _) {
            Ok(fd) => fd as RawFd,
            Err(e) => {
                out[Listener as usize] = StepResult::encode(Err(e));
                out[Filter as usize] =
                    StepResult::encode(seccomp::set_mode_filter(&prog, 0).map(drop));
                return;
            }
        };
    out[Filter as usize] = 0;
    out[Listener as usize] = 0;
    // SAFETY: this child has one thread, and both sides only make raw system calls.
    let caller = match unsafe { super::fork() } {
        Err(e) => {
            out[Notification as usize] = StepResult::encode(Err(e));
            return;
        }
        Ok(0) => {
            // SAFETY: getppid takes no arguments.
            let ret = unsafe { libc::syscall(libc::SYS_getppid) };
            super::exit(i32::from(!(ret == -1 && Errno::last() == Errno::EXDEV)));
        }
        Ok(pid) => pid,
    };
    let answered = (|| {
        let mut fds = [super::pollin(listener)];
        if super::poll_timeout(&mut fds, NOTIFY_TIMEOUT_MS)? == 0 {
            return Err(Errno::ETIMEDOUT);
        }
        let req = seccomp::notif_recv(listener)?;
        seccomp::notif_send(listener, req.id, libc::EXDEV)
    })();
    if answered.is_err() {
        let _ = super::kill(caller, libc::SIGKILL);
    }
    let seen = match super::wait_for(caller) {
        Ok(0) => Ok(()),
        Ok(_) => Err(Errno::EPROTO),
        Err(e) => Err(e),
    };
    out[Notification as usize] = StepResult::encode(answered.and(seen));
}

/// Run `child` in a forked child process with an array of outcomes (all not tried), and
/// send the array back when it returns (it may instead exit, when another process sent
/// it). The array as the parent received it: `Err` when the child died without sending
/// it.
fn in_child<const N: usize>(child: impl FnOnce(&mut [i32; N])) -> Result<[i32; N], Errno> {
    let (ours, theirs) = super::seqpacket_pair()?;
    // SAFETY: the child makes raw system calls only (this module's probes) and exits.
    let pid = unsafe { super::fork() }?;
    if pid == 0 {
        drop(ours);
        let mut out = [NOT_TRIED; N];
        child(&mut out);
        let mut bytes = [0u8; 256];
        for (chunk, code) in bytes.chunks_exact_mut(4).zip(out) {
            chunk.copy_from_slice(&code.to_ne_bytes());
        }
        super::write_all(theirs.as_raw_fd(), &bytes[..4 * N]);
        super::exit(0);
    }
    drop(theirs);
    let received = read_message::<N>(&ours);
    let _ = super::wait_for(pid);
    received
}

/// One message of `4 * N` bytes from `sock`, as `N` integers.
fn read_message<const N: usize>(sock: &OwnedFd) -> Result<[i32; N], Errno> {
    let mut bytes = [0u8; 256];
    let n = loop {
        // SAFETY: `bytes` is a valid, writable buffer of its length.
        match unsafe { libc::read(sock.as_raw_fd(), bytes.as_mut_ptr().cast(), bytes.len()) } {
            -1 if Errno::last() == Errno::EINTR => continue,
            -1 => return Err(Errno::last()),
            n => break n as usize,
        }
    };
    if n != 4 * N {
        return Err(Errno::EIO);
    }
    let mut out = [NOT_TRIED; N];
    for (code, chunk) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *code = i32::from_ne_bytes(chunk.try_into().expect("4 bytes"));
    }
    Ok(out)
}
