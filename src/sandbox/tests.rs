//! The whole path: `prepare` in the test process, `enter` + `install_seccomp` (+ `execveat`)
//! in a forked child, which is single-threaded.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::policy::{Rlimit, SandboxLimit};
use super::testutil::{enter, in_child};
use super::*;

/// Write to the real stderr (the harness's capture does not reach a forked child's output).
fn say(msg: &str) {
    // SAFETY: writing a buffer we own to fd 2.
    unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn open_errno(path: &std::ffi::CStr, flags: i32) -> i32 {
    // SAFETY: a valid C string; the descriptor is closed right away.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return errno();
    }
    // SAFETY: fd was just opened.
    unsafe { libc::close(fd) };
    0
}

/// The link count of `/` (2 for an empty tmpfs directory: no subdirectories). Listing
/// `/` itself is refused by Landlock (no READ_DIR there), `stat` is not.
fn root_links() -> u64 {
    // SAFETY: stat into a zeroed struct we own.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::stat(c"/".as_ptr(), &mut st) != 0 {
            return 0;
        }
        st.st_nlink
    }
}

fn open_o_path(p: &str) -> OwnedFd {
    let f = std::fs::File::open(p).unwrap();
    f.into()
}

#[test]
fn errno_names_round_trip() {
    for name in ["EPERM", "ENOSYS", "EOPNOTSUPP", "EROFS"] {
        let e = policy::errno_by_name(name).unwrap();
        assert_eq!(policy::errno_name(e), Some(name));
    }
    // The alias is accepted and named by its canonical spelling.
    assert_eq!(
        policy::errno_by_name("ENOTSUP"),
        Some(libc::EOPNOTSUPP as u32)
    );
    assert_eq!(policy::errno_name(libc::EAGAIN as u32), None);
    assert_eq!(policy::errno_by_name("EAGAIN"), None);
}

#[test]
fn strict_empty_root_no_network() {
    let policy = load("strict").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        if prepared.install_seccomp().is_err() {
            return 11;
        }
        // SAFETY: raw calls with literals and buffers we own.
        unsafe {
            if open_errno(c"/etc", libc::O_RDONLY) != libc::ENOENT {
                return 12;
            }
            // `/` holds only `/dev` (with `/dev/null`): two links of its own plus one.
            if root_links() != 3 {
                return 13;
            }
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            if null < 0 || libc::write(null, c"x".as_ptr().cast(), 1) != 1 {
                return 21;
            }
            libc::close(null);
            if open_errno(c"/dev/zero", libc::O_RDONLY) != libc::ENOENT {
                return 22;
            }
            for p in [c"/usr", c"/bin", c"/proc", c"/tmp", c"/lib"] {
                if open_errno(p, libc::O_PATH) != libc::ENOENT {
                    return 19;
                }
            }
            if libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) != -1 || errno() != libc::EPERM {
                return 14;
            }
            let mut name = [0u8; 65];
            let mut uts: libc::utsname = std::mem::zeroed();
            if libc::uname(&mut uts) != 0 {
                return 15;
            }
            for (i, c) in uts.nodename.iter().take(64).enumerate() {
                name[i] = *c as u8;
            }
            if !name.starts_with(b"sandbox\0") {
                return 16;
            }
            // The root is read-only.
            let mut vfs: libc::statvfs = std::mem::zeroed();
            if libc::statvfs(c"/".as_ptr(), &mut vfs) != 0 || vfs.f_flag & libc::ST_RDONLY == 0 {
                return 17;
            }
            if libc::mkdir(c"/x".as_ptr(), 0o755) == 0 {
                return 20;
            }
            // Capabilities are gone even in the user namespace.
            if libc::prctl(libc::PR_CAPBSET_READ, 21 /* CAP_SYS_ADMIN */, 0, 0, 0) != 0 {
                return 18;
            }
        }
        0
    });
    assert_eq!(code, 0);
}

/// Exec a program by descriptor (argv built before fork); `Some(code)` from the child.
fn run_program(policy_name: &str, program: &str) -> i32 {
    let policy = load(policy_name).unwrap();
    let prog = open_o_path(program);
    let grants = Grants {
        program: Some(prog.as_fd()),
        ..Grants::default()
    };
    let mut prepared = prepare(&policy, &grants).unwrap();
    let arg0 = CString::new(program).unwrap();
    let argv = [arg0.as_ptr(), std::ptr::null()];
    let envp = [std::ptr::null::<libc::c_char>()];
    let fd = std::os::fd::AsRawFd::as_raw_fd(&prog);
    in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 90;
        }
        if prepared.install_seccomp().is_err() {
            return 91;
        }
        // SAFETY: argv/envp are NULL-terminated arrays of valid C strings built before fork.
        unsafe {
            libc::syscall(
                libc::SYS_execveat,
                fd,
                c"".as_ptr(),
                argv.as_ptr(),
                envp.as_ptr(),
                libc::AT_EMPTY_PATH,
            );
        }
        100 + errno()
    })
}

#[test]
fn default_runs_a_dynamic_program() {
    assert_eq!(run_program("default", "/usr/bin/true"), 0);
    assert_eq!(run_program("default", "/usr/bin/false"), 1);
}

#[test]
fn unprivileged_runs_a_dynamic_program() {
    assert_eq!(run_program("unprivileged", "/usr/bin/true"), 0);
}

#[test]
fn strict_cannot_start_a_dynamic_program() {
    // The ELF interpreter is not inside: ENOENT from execveat.
    assert_eq!(run_program("strict", "/usr/bin/true"), 100 + libc::ENOENT);
}

#[test]
fn default_root_has_only_libraries() {
    let policy = load("default").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        for (p, want) in [
            (c"/usr/bin", libc::ENOENT),
            (c"/etc/passwd", libc::ENOENT),
            (c"/home", libc::ENOENT),
            (c"/tmp", libc::ENOENT),
            (c"/usr/lib", 0),
            (c"/lib", 0),
            (c"/etc/ld.so.cache", 0),
        ] {
            if open_errno(p, libc::O_RDONLY) != want {
                return 11;
            }
        }
        // Read-only binds (statvfs needs no Landlock right).
        for p in [c"/usr/lib", c"/etc/ld.so.cache"] {
            // SAFETY: statvfs into a zeroed struct we own.
            let flags = unsafe {
                let mut vfs: libc::statvfs = std::mem::zeroed();
                if libc::statvfs(p.as_ptr(), &mut vfs) != 0 {
                    return 12;
                }
                vfs.f_flag
            };
            if flags & libc::ST_RDONLY == 0 || flags & libc::ST_NOSUID == 0 {
                return 13;
            }
        }
        0
    });
    assert_eq!(code, 0);
}

#[test]
fn unprivileged_landlock_denies_host_paths() {
    let policy = load("unprivileged").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data");
    std::fs::write(&file, b"x").unwrap();
    let d = std::fs::File::open(dir.path()).unwrap();
    let grants = Grants {
        files: vec![Grant {
            fd: d.as_fd(),
            access: Access::Read,
            is_dir: true,
        }],
        ..Grants::default()
    };
    let mut prepared = prepare(&policy, &grants).unwrap();
    let file = CString::new(file.to_str().unwrap()).unwrap();
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        if open_errno(c"/etc/hostname", libc::O_RDONLY) != libc::EACCES {
            return 11;
        }
        if open_errno(c"/usr/bin/true", libc::O_RDONLY) != libc::EACCES {
            return 12;
        }
        if open_errno(c"/usr/lib", libc::O_RDONLY) != 0 {
            return 13;
        }
        if open_errno(&file, libc::O_RDONLY) != 0 {
            return 14;
        }
        if open_errno(&file, libc::O_WRONLY) != libc::EACCES {
            return 15;
        }
        0
    });
    assert_eq!(code, 0);
}

#[test]
fn none_enforces_nothing() {
    let policy = load("none").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    assert!(prepared.seccomp_program().is_none());
    let code = in_child(|| {
        if enter(&mut prepared).is_err() || prepared.install_seccomp().is_err() {
            return 10;
        }
        if open_errno(c"/etc/hostname", libc::O_RDONLY) != 0 {
            return 11;
        }
        0
    });
    assert_eq!(code, 0);
}

#[test]
fn builtins_load() {
    for name in builtins::names() {
        let p = load(name).unwrap();
        assert_eq!(&p.name, name);
    }
    let strict = load("strict").unwrap();
    assert_eq!(strict.namespaces.len(), 7);
    assert_eq!(strict.landlock, policy::LandlockMode::Required);
    let default = load("default").unwrap();
    assert!(default
        .binds
        .iter()
        .any(|b| b.source == Path::new("/usr/lib")));
    assert_eq!(default.seccomp, strict.seccomp);
    let unpriv = load("unprivileged").unwrap();
    assert!(unpriv.namespaces.is_empty());
    let sp = unpriv.seccomp.as_ref().unwrap();
    assert!(!sp.rules.contains_key("socket") && !sp.allow.contains("socket"));
    assert!(sp.allow.contains("socketpair"));
    assert_eq!(unpriv.hostname, None);
    let none = load("none").unwrap();
    assert!(none.seccomp.is_none());
    assert_eq!(none.landlock, policy::LandlockMode::Off);
}

#[test]
fn denied_syscalls_are_not_in_builtins() {
    for name in ["strict", "default", "unprivileged"] {
        let sp = load(name).unwrap().seccomp.unwrap();
        for bad in [
            "io_uring_setup",
            "io_uring_enter",
            "io_uring_register",
            "bpf",
            "perf_event_open",
            "ptrace",
            "add_key",
            "request_key",
            "keyctl",
            "userfaultfd",
            "mount",
            "umount2",
            "pivot_root",
            "unshare",
            "setns",
            "chroot",
            "init_module",
            "finit_module",
            "delete_module",
            "reboot",
            "kexec_load",
            "kexec_file_load",
            "open_tree",
            "move_mount",
            "fsopen",
            "fsmount",
            "process_vm_readv",
            "process_vm_writev",
        ] {
            assert!(!sp.allow.contains(bad), "{name} allows {bad}");
            assert!(!sp.rules.contains_key(bad), "{name} has a rule for {bad}");
        }
        assert!(sp.allow.contains("execveat"));
        assert_eq!(sp.errno.get("clone3"), Some(&(libc::ENOSYS as u32)));
    }
}

fn parse_err(text: &str) -> String {
    policy::parse(text, "p.yaml", None).unwrap_err().to_string()
}

#[test]
fn policy_errors_have_positions() {
    assert_eq!(
        parse_err("seccomp:\n  allow: [read, no_such_call]\n"),
        "p.yaml:2:17: unknown system call `no_such_call`"
    );
    assert_eq!(
        parse_err("seccomp:\n  allow: [\"@nope\"]\n"),
        "p.yaml:2:11: unknown syscall group `@nope`"
    );
    assert!(parse_err("bogus: 1\n").starts_with("p.yaml:1:1: unknown key `bogus`"));
    assert!(parse_err("namespaces: [user, time]\n").starts_with("p.yaml:1:20: unknown namespace"));
    assert!(parse_err("landlock: maybe\n").starts_with("p.yaml:1:11: landlock"));
    assert!(
        parse_err("seccomp:\n  rules:\n    socket: [\"arg9 == 1\"]\n")
            .starts_with("p.yaml:3:14: condition")
    );
    // A parent that cannot be read: the error is the `extends:` line, not a made-up
    // `0:0` position in the missing file.
    let e = parse_err("extends: /nonexistent/policy.yaml\n");
    assert!(
        e.starts_with("p.yaml:1:10: extends: /nonexistent/policy.yaml: cannot read policy: "),
        "{e}"
    );
    assert!(!e.contains(":0:0"), "{e}");
    let e = policy::load("/nonexistent/policy.yaml").unwrap_err();
    assert_eq!(e.pos, None);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/policy.yaml: cannot read policy: "),
        "{e}"
    );
    assert!(parse_err("rlimits:\n  nofiles: 3\n").starts_with("p.yaml:2:3: unknown resource limit"));
}

#[test]
fn extends_a_file_relative_to_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "extends: strict\nhostname: base\nseccomp:\n  deny: [fork]\n",
    )
    .unwrap();
    let child = dir.path().join("child.yaml");
    std::fs::write(
        &child,
        "extends: base.yaml\nrlimits:\n  nofile: [64, 128]\nseccomp:\n  groups:\n    extra: [\"@time\", getcpu]\n  allow: [\"@extra\"]\n",
    )
    .unwrap();
    let p = load(child.to_str().unwrap()).unwrap();
    assert_eq!(p.hostname.as_deref(), Some("base"));
    assert_eq!(p.rlimits.get(&Rlimit::Nofile), Some(&(64, 128)));
    assert_eq!(p.rlimits.get(&Rlimit::Core), Some(&(0, 0)));
    let sp = p.seccomp.unwrap();
    assert!(!sp.allow.contains("fork"));
    assert!(sp.allow.contains("getcpu") && sp.allow.contains("nanosleep"));
    // A cycle is an error, not a hang.
    std::fs::write(dir.path().join("a.yaml"), "extends: b.yaml\n").unwrap();
    std::fs::write(dir.path().join("b.yaml"), "extends: a.yaml\n").unwrap();
    let e = load(dir.path().join("a.yaml").to_str().unwrap()).unwrap_err();
    assert!(e.message.contains("too deep"), "{e}");
}

#[test]
fn run_as_another_identity() {
    // SAFETY: getter without preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIP: needs root");
        return;
    }
    let policy = load("strict").unwrap();
    let grants = Grants {
        run_as: Some(Identity {
            uid: 1234,
            gid: 4321,
        }),
        ..Grants::default()
    };
    let mut prepared = prepare(&policy, &grants).unwrap();
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        // SAFETY: getters without preconditions.
        let (uid, gid, groups) = unsafe {
            (
                libc::getuid(),
                libc::getgid(),
                libc::getgroups(0, std::ptr::null_mut()),
            )
        };
        if uid != 1234 || gid != 4321 {
            return 11;
        }
        if groups != 0 {
            return 12;
        }
        0
    });
    assert_eq!(code, 0);
}

/// A listening socket bound on the host keeps working inside the empty network namespace.
#[test]
fn host_socket_survives_network_namespace() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Queued in the backlog before the child exists.
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    let lfd = std::os::fd::AsRawFd::as_raw_fd(&listener);
    let policy = load("strict").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    let code = in_child(|| {
        if enter(&mut prepared).is_err() || prepared.install_seccomp().is_err() {
            return 10;
        }
        // SAFETY: accept/write/close on descriptors the child inherited.
        unsafe {
            let c = libc::accept(lfd, std::ptr::null_mut(), std::ptr::null_mut());
            if c < 0 {
                return 11;
            }
            if libc::write(c, b"hi".as_ptr().cast(), 2) != 2 {
                return 12;
            }
            libc::close(c);
        }
        0
    });
    assert_eq!(code, 0);
    let mut buf = [0u8; 2];
    std::io::Read::read_exact(&mut client, &mut buf).unwrap();
    assert_eq!(&buf, b"hi");
}

#[test]
fn pid_namespace_needs_a_fork() {
    let policy = policy::parse(
        "extends: strict\nnamespaces: [user, mount, pid]\n",
        "pid.yaml",
        None,
    )
    .unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    assert!(prepared.needs_fork());
    assert!(!prepare(&load("unprivileged").unwrap(), &Grants::default())
        .unwrap()
        .needs_fork());
    // The next child after `unshare` is PID 1 of the new namespace (`enter` forks it and
    // goes on in it).
    let code = in_child(|| {
        if enter(&mut prepared).is_err() {
            return 10;
        }
        // SAFETY: getpid has no preconditions.
        if unsafe { libc::getpid() } == 1 {
            0
        } else {
            11
        }
    });
    assert_eq!(code, 0);
}

#[test]
fn apparmor_s_restriction_applies_to_unconfined_callers_only() {
    use namespaces::apparmor_restricts_userns as restricts;
    // Ubuntu 23.10+, caprun started without its profile: restricted.
    assert!(restricts(Some("1"), Some("unconfined")));
    assert!(restricts(Some("1"), Some("unprivileged_userns (enforce)")));
    assert!(restricts(Some("1"), None));
    // Under a profile (the package's /etc/apparmor.d/caprun): allowed.
    assert!(!restricts(Some("1"), Some("caprun (unconfined)")));
    // The restriction off, or a kernel without it.
    assert!(!restricts(Some("0"), Some("unconfined")));
    assert!(!restricts(None, Some("unconfined")));
    assert!(!restricts(None, None));
    // The message names the setting and the fix.
    let e = SandboxError::Namespace(namespaces::NamespaceError::UserNsUnavailable {
        reason: namespaces::UserNsBlock::AppArmor,
        policy: "devtools".into(),
    })
    .to_string();
    assert!(
        e.contains("kernel.apparmor_restrict_unprivileged_userns is 1")
            && e.contains("sudo apparmor_parser -r /etc/apparmor.d/caprun"),
        "{e}"
    );
}

#[test]
fn missing_feature_messages_name_a_policy() {
    let e = SandboxError::Namespace(namespaces::NamespaceError::UserNsUnavailable {
        reason: namespaces::UserNsBlock::Sysctl("kernel.unprivileged_userns_clone is 0"),
        policy: "default".into(),
    });
    assert_eq!(
        e.to_string(),
        "user namespaces are not available (kernel.unprivileged_userns_clone is 0; policy `default` needs them; try --policy unprivileged)"
    );
    let e = SandboxError::Namespace(namespaces::NamespaceError::UserNsUnavailable {
        reason: namespaces::UserNsBlock::Unshare(nix::errno::Errno::EPERM),
        policy: "strict".into(),
    });
    assert_eq!(
        e.to_string(),
        "user namespaces are not available (unshare: Operation not permitted (os error 1); policy `strict` needs them; try --policy unprivileged)"
    );
    // Why Landlock is missing, from the errno (see sandbox::nesting): never "try
    // --policy none", which would turn everything off.
    let e = SandboxError::Landlock(landlock_rules::LandlockError::Unavailable {
        why: super::nesting::landlock_absence(
            nix::errno::Errno::ENOSYS,
            "unprivileged",
            &super::nesting::Outer::default(),
        ),
    });
    assert!(e.to_string().starts_with("Landlock is not available"));
    assert!(!e.to_string().contains("policy none"));
}

/// After entering `strict`, nothing of the caller's privilege is left: no_new_privs, the
/// securebits locked, no capability in any set, and a Landlock domain that denies the
/// new root itself; and `strict` needs no best-effort note on this kernel.
#[test]
fn strict_enter_leaves_no_privilege() {
    let host_etc = std::fs::File::open("/etc").unwrap();
    let policy = load("strict").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    assert!(
        prepared.shortfall().notes.is_empty(),
        "{:?}",
        prepared.shortfall()
    );
    let code = in_child(|| {
        if enter(&mut prepared).is_err() {
            return 10;
        }
        // SAFETY: prctl queries with integer arguments.
        let (nnp, bits, bounding) = unsafe {
            (
                libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
                libc::prctl(libc::PR_GET_SECUREBITS, 0, 0, 0, 0),
                libc::prctl(libc::PR_CAPBSET_READ, 0, 0, 0, 0),
            )
        };
        if nnp != 1 || bits as libc::c_ulong != super::privileges::SECUREBITS || bounding != 0 {
            return 11;
        }
        let caps = crate::sys::caps::capget().unwrap();
        if caps
            .iter()
            .any(|c| c.effective | c.permitted | c.inheritable != 0)
        {
            return 12;
        }
        // The host's /etc through a descriptor opened before: Landlock denies it (the
        // mounts alone would not).
        // SAFETY: a valid C string; the descriptor is checked and closed below.
        let fd =
            unsafe { libc::openat(host_etc.as_raw_fd(), c"hostname".as_ptr(), libc::O_RDONLY) };
        if fd >= 0 || errno() != libc::EACCES {
            return 13;
        }
        0
    });
    assert_eq!(code, 0);
}

/// Create `path` (O_CREAT) and return 0 or the errno.
fn create_errno(path: &std::ffi::CStr) -> i32 {
    // SAFETY: a valid C string; the descriptor is closed right away.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC,
            0o600,
        )
    };
    if fd < 0 {
        return errno();
    }
    // SAFETY: fd was just opened.
    unsafe { libc::close(fd) };
    0
}

fn cstring(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

#[test]
fn extra_binds_read_only_writable_and_elsewhere() {
    let policy = load("strict").unwrap();
    // Beneath the host's /tmp, which is also where the new root is staged.
    let rw = tempfile::tempdir().unwrap();
    let ro = tempfile::tempdir().unwrap();
    std::fs::write(ro.path().join("f"), b"x").unwrap();
    let (rwf, rof) = (
        open_o_path(rw.path().to_str().unwrap()),
        open_o_path(ro.path().to_str().unwrap()),
    );
    let grants = Grants {
        files: vec![
            Grant {
                fd: rwf.as_fd(),
                access: Access::ReadWrite,
                is_dir: true,
            },
            Grant {
                fd: rof.as_fd(),
                access: Access::ReadWrite,
                is_dir: true,
            },
        ],
        binds: vec![
            ExtraBind {
                fd: None,
                source: rw.path().to_path_buf(),
                target: rw.path().to_path_buf(),
                writable: true,
            },
            ExtraBind {
                fd: None,
                source: ro.path().to_path_buf(),
                target: PathBuf::from("/data/ro"),
                writable: false,
            },
        ],
        ..Grants::default()
    };
    let mut prepared = prepare(&policy, &grants).unwrap();
    let new_rw = cstring(&rw.path().join("new"));
    let ro_host = cstring(ro.path());
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        if create_errno(&new_rw) != 0 {
            return 11;
        }
        if open_errno(c"/data/ro/f", libc::O_RDONLY) != 0 {
            return 12;
        }
        // Landlock would allow it (read-write grant): the mount refuses.
        let e = create_errno(c"/data/ro/new");
        if e != libc::EROFS && e != libc::EACCES {
            return 13;
        }
        if open_errno(c"/data/ro/f", libc::O_WRONLY) != libc::EROFS {
            return 14;
        }
        // Bound elsewhere: not at its host path.
        if open_errno(&ro_host, libc::O_PATH) != libc::ENOENT {
            return 15;
        }
        0
    });
    assert_eq!(code, 0);
    assert!(rw.path().join("new").exists());
    assert!(!ro.path().join("new").exists());
}

#[test]
fn extra_bind_errors() {
    let strict = load("strict").unwrap();
    let grants = Grants {
        binds: vec![ExtraBind {
            fd: None,
            source: PathBuf::from("/nonexistent/src"),
            target: PathBuf::from("/nonexistent/src"),
            writable: false,
        }],
        ..Grants::default()
    };
    let e = prepare(&strict, &grants).unwrap_err().to_string();
    assert!(
        e.starts_with("cannot bind /nonexistent/src: No such file"),
        "{e}"
    );
    // Without a mount namespace: the same path is fine, another one is an error.
    let unpriv = load("unprivileged").unwrap();
    let same = Grants {
        binds: vec![ExtraBind {
            fd: None,
            source: PathBuf::from("/usr/share"),
            target: PathBuf::from("/usr/share"),
            writable: false,
        }],
        ..Grants::default()
    };
    prepare(&unpriv, &same).unwrap();
    let other = Grants {
        binds: vec![ExtraBind {
            fd: None,
            source: PathBuf::from("/usr/share"),
            target: PathBuf::from("/data"),
            writable: false,
        }],
        ..Grants::default()
    };
    assert_eq!(
        prepare(&unpriv, &other).unwrap_err().to_string(),
        "binding /usr/share at /data needs a policy with a mount namespace (policy `unprivileged` has none)"
    );
    let cwd = Grants {
        cwd: Some(PathBuf::from("/nonexistent/dir")),
        ..Grants::default()
    };
    let e = prepare(&unpriv, &cwd).unwrap_err().to_string();
    assert!(
        e.starts_with("cannot change into the working directory /nonexistent/dir: No such file"),
        "{e}"
    );
}

#[test]
fn cwd_inside_the_new_root() {
    let policy = load("devtools").unwrap();
    let mk = |cwd: &str| Grants {
        cwd: Some(PathBuf::from(cwd)),
        ..Grants::default()
    };
    let mut prepared = prepare(&policy, &mk("/usr/share")).unwrap();
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        let mut buf = [0u8; 64];
        // SAFETY: getcwd into a buffer we own.
        if unsafe { libc::getcwd(buf.as_mut_ptr().cast(), buf.len()) }.is_null() {
            return 11;
        }
        if !buf.starts_with(b"/usr/share\0") {
            return 12;
        }
        0
    });
    assert_eq!(code, 0);
    // Missing inside the new root (it exists on the host): an error naming it.
    let mut prepared = prepare(&policy, &mk("/home")).unwrap();
    let code = in_child(|| match enter(&mut prepared) {
        Err(e @ SandboxError::Step(_)) => {
            let s = e.to_string();
            if s.starts_with("cannot change into the working directory /home: No such file") {
                0
            } else {
                say(&format!("{s}\n"));
                11
            }
        }
        _ => 10,
    });
    assert_eq!(code, 0);
}

#[test]
fn tmpfs_is_writable_and_empty() {
    let policy = load("devtools").unwrap();
    assert_eq!(
        policy.tmpfs,
        vec![PathBuf::from("/tmp"), PathBuf::from("/dev/shm")]
    );
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 10;
        }
        if prepared.install_seccomp().is_err() {
            return 11;
        }
        // SAFETY: raw calls with literals and buffers we own.
        unsafe {
            let d = libc::opendir(c"/tmp".as_ptr());
            if d.is_null() {
                return 12;
            }
            let mut n = 0;
            while !libc::readdir(d).is_null() {
                n += 1;
            }
            libc::closedir(d);
            if n != 2 {
                return 13; // only . and ..
            }
            if create_errno(c"/tmp/a") != 0 {
                return 14;
            }
            if libc::mkdir(c"/tmp/d".as_ptr(), 0o755) != 0
                || libc::rename(c"/tmp/a".as_ptr(), c"/tmp/d/b".as_ptr()) != 0
                || libc::symlink(c"b".as_ptr(), c"/tmp/d/l".as_ptr()) != 0
                || libc::unlink(c"/tmp/d/l".as_ptr()) != 0
                || libc::unlink(c"/tmp/d/b".as_ptr()) != 0
                || libc::rmdir(c"/tmp/d".as_ptr()) != 0
            {
                return 15;
            }
            let mut st: libc::stat = std::mem::zeroed();
            if libc::stat(c"/tmp".as_ptr(), &mut st) != 0 || st.st_mode & 0o7777 != 0o1777 {
                return 16;
            }
            // Elsewhere the root stays read-only and Landlock-protected.
            if create_errno(c"/x") == 0 || create_errno(c"/usr/x") == 0 {
                return 17;
            }
            if open_errno(c"/etc/shadow", libc::O_RDONLY) != libc::ENOENT {
                return 18;
            }
            if open_errno(c"/etc/passwd", libc::O_RDONLY) != 0 {
                return 19;
            }
        }
        0
    });
    assert_eq!(code, 0);
}

/// Under `policy`, can a forked child make an AF_INET socket and connect to a listener of
/// the host's 127.0.0.1? 0: yes; 12: socket refused; 13: connect refused.
fn inet_connect(policy: &Policy) -> i32 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut prepared = prepare(policy, &Grants::default()).unwrap();
    in_child(|| {
        if enter(&mut prepared).is_err() || prepared.install_seccomp().is_err() {
            return 10;
        }
        // SAFETY: plain socket calls on a local address structure.
        unsafe {
            let s = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            if s < 0 {
                return 12;
            }
            let mut a: libc::sockaddr_in = std::mem::zeroed();
            a.sin_family = libc::AF_INET as u16;
            a.sin_port = port.to_be();
            a.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            if libc::connect(
                s,
                &a as *const libc::sockaddr_in as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_in>() as u32,
            ) != 0
            {
                return 13;
            }
            // Raw sockets and netlink sockets other than route stay refused.
            if libc::socket(libc::AF_INET, libc::SOCK_RAW, 1) >= 0
                || libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_AUDIT) >= 0
                || libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_NETFILTER) >= 0
                || libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM, 0) >= 0
            {
                return 14;
            }
            // Netlink route: getaddrinfo and if_nameindex read the interfaces.
            if libc::socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE) < 0 {
                return 15;
            }
        }
        0
    })
}

#[test]
fn network_flag_both_ways() {
    let strict = load("strict").unwrap();
    assert_eq!(strict.network, policy::Network::None);
    assert_eq!(inet_connect(&strict), 12);
    let net = policy::parse("extends: strict\nnetwork: true\n", "net.yaml", None).unwrap();
    assert!(net.network == policy::Network::Host && net.has(policy::Namespace::Network));
    assert_eq!(inet_connect(&net), 0);
    // devtools: internet sockets on its own loopback, which is not the host's.
    let mut dev = load("devtools").unwrap();
    assert_eq!(inet_connect(&dev), 13);
    dev.allow_network();
    assert_eq!(inet_connect(&dev), 0);
    // Inherited, and overridable.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "extends: strict\nnetwork: true\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.yaml"), "extends: a.yaml\n").unwrap();
    std::fs::write(
        dir.path().join("c.yaml"),
        "extends: b.yaml\nnetwork: false\n",
    )
    .unwrap();
    assert_eq!(
        load(dir.path().join("b.yaml").to_str().unwrap())
            .unwrap()
            .network,
        policy::Network::Host
    );
    assert_eq!(
        load(dir.path().join("c.yaml").to_str().unwrap())
            .unwrap()
            .network,
        policy::Network::None
    );
}

/// Run `/usr/bin/sh -c script` by descriptor under `policy` with `grants` (the program
/// grant is added); returns the exit code and what it wrote on stdout.
fn run_sh<'a>(
    policy: &Policy,
    script: &str,
    prog: &'a OwnedFd,
    mut grants: Grants<'a>,
) -> (i32, String) {
    grants.program = Some(prog.as_fd());
    let mut prepared = prepare(policy, &grants).unwrap();
    let args = [
        c"sh".to_owned(),
        c"-c".to_owned(),
        CString::new(script).unwrap(),
    ];
    let argv: Vec<*const libc::c_char> = args
        .iter()
        .map(|a| a.as_ptr())
        .chain([std::ptr::null()])
        .collect();
    let env = [c"PATH=/usr/bin:/bin".to_owned()];
    let envp = [env[0].as_ptr(), std::ptr::null()];
    let fd = std::os::fd::AsRawFd::as_raw_fd(prog);
    let mut pipe = [0; 2];
    // SAFETY: pipe2 into an array we own.
    let rc = unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0);
    let code = in_child(|| {
        if let Err(e) = enter(&mut prepared) {
            say(&format!("enter: {e}\n"));
            return 90;
        }
        // SAFETY: dup2 of our pipe; argv/envp are NULL-terminated arrays of valid C
        // strings built before fork.
        unsafe {
            if libc::dup2(pipe[1], 1) != 1 {
                return 92;
            }
            if prepared.install_seccomp().is_err() {
                return 91;
            }
            libc::syscall(
                libc::SYS_execveat,
                fd,
                c"".as_ptr(),
                argv.as_ptr(),
                envp.as_ptr(),
                libc::AT_EMPTY_PATH,
            );
        }
        100 + errno()
    });
    // SAFETY: closing our write end, then reading the pipe into a buffer we own.
    let out = unsafe {
        libc::close(pipe[1]);
        let mut buf = vec![0u8; 65536];
        let mut len = 0;
        loop {
            let n = libc::read(pipe[0], buf[len..].as_mut_ptr().cast(), buf.len() - len);
            if n <= 0 {
                break;
            }
            len += n as usize;
        }
        libc::close(pipe[0]);
        buf.truncate(len);
        buf
    };
    (code, String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn devtools_runs_a_shell_pipeline() {
    let policy = load("devtools").unwrap();
    let sh = open_o_path("/usr/bin/sh");
    let (code, out) = run_sh(
        &policy,
        "echo hi > /tmp/x && cat /tmp/x",
        &sh,
        Grants::default(),
    );
    assert_eq!((code, out.as_str()), (0, "hi\n"));
    // Host files outside the binds are absent; /usr is read-only.
    let (code, out) = run_sh(
        &policy,
        "test -e /etc/shadow || echo no-shadow; touch /usr/x 2>/dev/null || echo ro; ls /tmp | wc -l; uname -n",
        &sh,
        Grants::default(),
    );
    assert_eq!((code, out.as_str()), (0, "no-shadow\nro\n0\nsandbox\n"));
}

#[test]
fn devtools_with_a_writable_bind_and_cwd() {
    let policy = load("devtools").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), b"data\n").unwrap();
    let d = open_o_path(dir.path().to_str().unwrap());
    let grants = Grants {
        files: vec![Grant {
            fd: d.as_fd(),
            access: Access::ReadWrite,
            is_dir: true,
        }],
        binds: vec![ExtraBind {
            fd: None,
            source: dir.path().to_path_buf(),
            target: PathBuf::from("/work"),
            writable: true,
        }],
        cwd: Some(PathBuf::from("/work")),
        ..Grants::default()
    };
    let sh = open_o_path("/usr/bin/sh");
    let (code, out) = run_sh(&policy, "cat in.txt > out.txt && pwd", &sh, grants);
    assert_eq!((code, out.as_str()), (0, "/work\n"));
    assert_eq!(
        std::fs::read(dir.path().join("out.txt")).unwrap(),
        b"data\n"
    );
}

#[test]
fn policy_errors_for_tmpfs_and_network() {
    assert_eq!(
        parse_err("network: maybe\n"),
        "p.yaml:1:10: network: `maybe` is not one of none, loopback, host"
    );
    assert_eq!(
        parse_err("root:\n  tmpfs: [tmp]\n"),
        "p.yaml:2:11: tmpfs: `tmp` is not an absolute path"
    );
    assert_eq!(
        parse_err("namespaces: [user, mount]\nroot:\n  tmpfs: [/]\n"),
        "p.yaml:3:11: tmpfs: the path cannot be `/`"
    );
    assert_eq!(
        parse_err("namespaces: [user]\nroot:\n  tmpfs: [/tmp]\n"),
        "p.yaml:3:3: root.tmpfs needs a mount namespace (add `mount` to namespaces)"
    );
    assert_eq!(
        parse_err("extends: devtools\nnamespaces: [user]\n"),
        "p.yaml:2:1: namespaces: root.tmpfs (from the extended policy) needs a mount namespace"
    );
    assert_eq!(
        parse_err("namespaces: [mount]\nroot:\n  pts: true\n"),
        "p.yaml:3:3: root.pts needs a user namespace (add `user` to namespaces)"
    );
    assert!(load("devtools").unwrap().pts && !load("strict").unwrap().pts);
    // Appended on extends, without duplicates.
    let p = policy::parse(
        "extends: devtools\nroot:\n  tmpfs: [/tmp, /var/tmp]\n",
        "p.yaml",
        None,
    )
    .unwrap();
    assert_eq!(
        p.tmpfs,
        vec![
            PathBuf::from("/tmp"),
            PathBuf::from("/dev/shm"),
            PathBuf::from("/var/tmp")
        ]
    );
}

#[test]
fn tmpfs_inodes_are_derived_from_the_size_unless_given() {
    let p = load("devtools").unwrap();
    // One inode per 4 KiB page of its 1 GiB tmpfs.
    assert_eq!(p.limits.tmpfs_inodes, None);
    assert_eq!(p.limits.tmpfs_inodes(), Some(262_144));
    let mut limits = policy::Limits {
        tmpfs: Some(1 << 20),
        ..Default::default()
    };
    assert_eq!(limits.tmpfs_inodes(), Some(256));
    limits.tmpfs = Some(100);
    assert_eq!(limits.tmpfs_inodes(), Some(1));
    limits.set(SandboxLimit::TmpfsInodes, Some(5000));
    assert_eq!(limits.tmpfs_inodes(), Some(5000));
    limits = policy::Limits::default();
    assert_eq!(limits.tmpfs_inodes(), None);
    let p = policy::parse(
        "extends: devtools\nlimits:\n  tmpfs-inodes: 100\n",
        "p.yaml",
        None,
    )
    .unwrap();
    assert_eq!(p.limits.tmpfs_inodes(), Some(100));
    assert!(policy::render_policy(&p).contains("  tmpfs-inodes: 100\n"));
    assert!(policy::render_policy(&load("devtools").unwrap())
        .contains("  # tmpfs-inodes: 262144 (derived"));
}

#[test]
fn only_none_hands_over_writable_directories_unrooted() {
    for name in ["strict", "default", "devtools", "unprivileged"] {
        assert!(!load(name).unwrap().host_writable_dirs, "{name}");
    }
    assert!(load("none").unwrap().host_writable_dirs);
    let p = policy::parse(
        "extends: unprivileged\nhost-writable-dirs: true\n",
        "p.yaml",
        None,
    )
    .unwrap();
    assert!(p.host_writable_dirs);
    assert!(policy::render_policy(&p).contains("host-writable-dirs: true\n"));
    let err = policy::parse("host-writable-dirs: maybe\n", "p.yaml", None).unwrap_err();
    assert!(err.to_string().contains("expected true or false"), "{err}");
}

#[test]
fn devtools_policy_shape() {
    let p = load("devtools").unwrap();
    assert!(
        p.network == policy::Network::Loopback
            && p.has(policy::Namespace::Network)
            && p.has(policy::Namespace::Mount)
    );
    assert!(p.has(policy::Namespace::Pid) && p.proc);
    assert_eq!(p.limits.tasks, Some(2048));
    assert_eq!(p.limits.tmpfs, Some(1 << 30));
    assert!(p
        .binds
        .iter()
        .any(|b| b.source == Path::new("/usr") && !b.optional));
    assert!(!p.binds.iter().any(|b| b.source.starts_with("/etc/shadow")));
    assert!(!p.binds.iter().any(|b| b.source == Path::new("/dev/tty")));
    let sp = p.seccomp.as_ref().unwrap();
    for ok in [
        "unlink",
        "rename",
        "umask",
        "sysinfo",
        "setpgid",
        "getxattr",
        "setxattr",
        "fchown",
        "flock",
        "utimensat",
    ] {
        assert!(sp.allow.contains(ok), "{ok}");
    }
    // Permission bits and creation, but never set-user-ID or set-group-ID.
    for ruled in [
        "chmod",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "mkdir",
        "mkdirat",
        "creat",
        "open",
        "openat",
        "mknod",
        "mknodat",
    ] {
        assert!(sp.rules.contains_key(ruled), "{ruled}");
    }
    // Debuggers, strace and LeakSanitizer; personality only to read the persona or turn
    // address space randomization off.
    for ok in ["ptrace", "process_vm_readv", "process_vm_writev"] {
        assert!(sp.allow.contains(ok), "{ok}");
    }
    assert!(sp.rules.contains_key("personality"));
    // Sandboxes that stack on this one.
    for ok in [
        "landlock_create_ruleset",
        "landlock_add_rule",
        "landlock_restrict_self",
        "seccomp",
    ] {
        assert!(sp.allow.contains(ok), "{ok}");
    }
    for bad in [
        "mount",
        "bpf",
        "keyctl",
        "io_uring_setup",
        "unshare",
        "setns",
        "name_to_handle_at",
        "open_by_handle_at",
        "setgroups",
        "mbind",
    ] {
        assert!(
            !sp.allow.contains(bad) && !sp.rules.contains_key(bad),
            "{bad}"
        );
    }
    assert!(sp.rules.contains_key("ioctl") && sp.rules.contains_key("socket"));
}

#[test]
fn devtools_runs_cc_python_and_make() {
    let policy = load("devtools").unwrap();
    let sh = open_o_path("/usr/bin/sh");
    for (tool, script, want) in [
        (
            "/usr/bin/cc",
            "printf 'int main(void){return 3;}\\n' > /tmp/x.c && cc -o /tmp/x /tmp/x.c && { /tmp/x; echo $?; }",
            "3\n",
        ),
        (
            "/usr/bin/python3",
            "cd /tmp && python3 -c \"import os, subprocess; open('f', 'w').write('x'); print(os.listdir('/tmp')); subprocess.run(['true'], check=True)\"",
            "['f']\n",
        ),
        (
            "/usr/bin/make",
            "cd /tmp && printf 'all: b\\n\\t@cat b\\nb: a\\n\\t@cp a b\\n' > Makefile && echo made > a && make -s",
            "made\n",
        ),
    ] {
        if !Path::new(tool).exists() {
            eprintln!("SKIP: {tool} is not installed");
            continue;
        }
        let (code, out) = run_sh(&policy, script, &sh, Grants::default());
        assert_eq!((code, out.as_str()), (0, want), "{tool}");
    }
}

#[test]
fn name_sets_static_or_owned_behave_alike() {
    use super::policy::Names;
    static LIST: &[syscalls::Name] = syscalls::syscall_names!["close", "read", "write"];
    let mut s = Names::from_sorted(LIST);
    let o: Names = ["write", "close", "read"].into_iter().collect();
    assert_eq!(s, o);
    assert_eq!(format!("{s:?}"), r#"{"close", "read", "write"}"#);
    assert_eq!(s.iter().collect::<Vec<_>>(), o.iter().collect::<Vec<_>>());
    assert!(s.contains("read") && !s.contains("open") && s.len() == 3);
    assert!(s.is_static(LIST) && !o.is_static(LIST));
    // No change, no copy; a change copies the list into a set.
    assert!(!s.insert("read") && !s.remove("open"));
    assert!(s.is_static(LIST));
    assert!(s.insert("open") && s.remove("read"));
    assert!(!s.is_static(LIST));
    assert_eq!(s.iter().collect::<Vec<_>>(), ["close", "open", "write"]);
    assert_eq!(s.difference(&o).collect::<Vec<_>>(), ["open"]);
    assert_ne!(s, o);
    assert!(Names::default().is_empty());
}

/// A read-only bind is read-only in its submounts too (and a read-write one is writable
/// there). Landlock is off, so the mount flags alone are what is tested; the control is
/// the same creation before the sandbox is entered. The sandbox is prepared after the
/// submount exists (as root, `prepare` clones the trees to id-map them).
#[test]
fn binds_carry_their_flags_into_submounts() {
    let policy = policy::parse("extends: default\nlandlock: off\n", "p.yaml", None).unwrap();
    for writable in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let grants = Grants {
            binds: vec![ExtraBind {
                fd: None,
                source: dir.path().to_path_buf(),
                target: dir.path().to_path_buf(),
                writable,
            }],
            ..Grants::default()
        };
        let sub_c = cstring(&sub);
        let before = cstring(&sub.join("before"));
        let inside = cstring(&sub.join("inside"));
        let code = in_child(|| {
            // A tmpfs on `sub`, in a mount namespace of this child only.
            // SAFETY: mount-family calls with C strings that outlive them.
            let mounted = unsafe {
                libc::unshare(libc::CLONE_NEWNS) == 0
                    && libc::mount(
                        std::ptr::null(),
                        c"/".as_ptr(),
                        std::ptr::null(),
                        libc::MS_REC | libc::MS_PRIVATE,
                        std::ptr::null(),
                    ) == 0
                    && libc::mount(
                        c"tmpfs".as_ptr(),
                        sub_c.as_ptr(),
                        c"tmpfs".as_ptr(),
                        0,
                        std::ptr::null(),
                    ) == 0
            };
            if !mounted {
                say(&format!("submount: errno {}\n", errno()));
                return 10;
            }
            // Control: the submount is writable on the host side.
            if create_errno(&before) != 0 {
                return 11;
            }
            let mut prepared = match prepare(&policy, &grants) {
                Ok(p) => p,
                Err(e) => {
                    say(&format!("prepare: {e}\n"));
                    return 15;
                }
            };
            if let Err(e) = enter(&mut prepared) {
                say(&format!("enter: {e}\n"));
                return 12;
            }
            // The file created before is there: this is the submount.
            let e = open_errno(&before, libc::O_RDONLY);
            if e != 0 {
                say(&format!("the file created before: errno {e}\n"));
                return 13;
            }
            let want = if writable { 0 } else { libc::EROFS };
            let got = create_errno(&inside);
            if got != want {
                say(&format!(
                    "writable {writable}: creating in the submount: errno {got}\n"
                ));
                return 14;
            }
            0
        });
        assert_eq!(code, 0, "writable: {writable}");
    }
}

/// `network: {allow: […]}`: the egress proxy's list, each entry checked where it is
/// written; the program gets its own loopback (the namespace must be listed); a policy
/// that extends it and sets `network` to a word drops the list; `--show-policy` renders it.
#[test]
fn network_allow_lists_parse_and_render() {
    let p = policy::parse(
        "namespaces: [user, network]\nnetwork: {allow: [pypi.org, \"*.crates.io:443\", 127.0.0.2:8000]}\n",
        "p.yaml",
        None,
    )
    .unwrap();
    assert_eq!(p.network, policy::Network::Loopback);
    assert_eq!(
        p.net_allow,
        ["pypi.org", "*.crates.io:443", "127.0.0.2:8000"]
    );
    assert!(policy::render_policy(&p)
        .contains("network: {allow: [pypi.org, \"*.crates.io:443\", \"127.0.0.2:8000\"]}\n"));
    let again = policy::parse(&policy::render_policy(&p), "r.yaml", None).unwrap();
    assert_eq!(again.net_allow, p.net_allow);
    assert_eq!(
        parse_err("namespaces: [user, network]\nnetwork:\n  allow: [pypi.org, localhost]\n"),
        "p.yaml:3:21: network: allow: localhost: inside the sandbox localhost is the sandbox's own loopback, not the host's; serve what it needs on another host loopback address (such as 127.0.0.2:PORT) and allow that"
    );
    assert_eq!(
        parse_err("namespaces: [user, network]\nnetwork: {allow: []}\n"),
        "p.yaml:2:18: network: allow: an empty list allows nothing (say `network: loopback`)"
    );
    assert!(
        parse_err("namespaces: [user, network]\nnetwork: {deny: [x]}\n")
            .starts_with("p.yaml:2:11: network: unknown key `deny`")
    );
    assert!(
        parse_err("namespaces: [user]\nnetwork: {allow: [pypi.org]}\n")
            .contains("network namespace")
    );
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.yaml");
    std::fs::write(
        &base,
        "namespaces: [user, network]\nnetwork: {allow: [pypi.org]}\n",
    )
    .unwrap();
    let child = policy::parse(
        "extends: base.yaml\nnetwork: loopback\n",
        "child.yaml",
        Some(dir.path()),
    )
    .unwrap();
    assert!(child.net_allow.is_empty());
    assert_eq!(child.network, policy::Network::Loopback);
}

/// `exclusive-locks`: `writable` or `any`, inherited through `extends` and changed by a
/// child; it takes effect only where `flock` is allowed (`seccomp::brokers_locks`);
/// anything else is an error at its position.
#[test]
fn exclusive_locks_are_parsed_inherited_and_shown() {
    use crate::sandbox::seccomp::brokers_locks;
    let devtools = policy::load("devtools").unwrap();
    let sp = devtools.seccomp.as_ref().unwrap();
    assert!(sp.exclusive_locks_writable && brokers_locks(sp));
    assert!(policy::render_policy(&devtools).contains("\n  exclusive-locks: writable\n"));
    let strict = policy::load("strict").unwrap().seccomp.unwrap();
    assert!(!strict.exclusive_locks_writable && !brokers_locks(&strict));
    let dir = std::env::temp_dir();
    let child = |text: &str| {
        policy::parse(text, dir.join("p.yaml").to_str().unwrap(), None)
            .unwrap()
            .seccomp
            .unwrap()
    };
    assert!(child("extends: devtools\n").exclusive_locks_writable);
    let any = child("extends: devtools\nseccomp:\n  exclusive-locks: any\n");
    assert!(!any.exclusive_locks_writable && !brokers_locks(&any));
    // Without flock allowed there is nothing to decide.
    let no_flock = child("extends: devtools\nseccomp:\n  deny: [flock]\n");
    assert!(no_flock.exclusive_locks_writable && !brokers_locks(&no_flock));
    assert_eq!(
        parse_err(
            "seccomp:\n  allow: [execveat, sendmsg, write, exit_group]\n  exclusive-locks: maybe\n"
        ),
        "p.yaml:3:20: exclusive-locks: `maybe` is not writable or any"
    );
}
