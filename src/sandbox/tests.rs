//! The whole path: `prepare` in the test process, `enter` + `install_seccomp` (+ `execveat`)
//! in a forked child, which is single-threaded.

use std::ffi::CString;
use std::os::fd::{AsFd, OwnedFd};

use super::testutil::in_child;
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
fn strict_empty_root_no_network() {
    let policy = load("strict").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    let code = in_child(|| {
        if let Err(e) = prepared.enter() {
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
        if let Err(e) = prepared.enter() {
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
        if let Err(e) = prepared.enter() {
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
        if let Err(e) = prepared.enter() {
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
        if prepared.enter().is_err() || prepared.install_seccomp().is_err() {
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
    for name in policy::builtin_names() {
        let p = load(name).unwrap();
        assert_eq!(&p.name, name);
    }
    let strict = load("strict").unwrap();
    assert_eq!(strict.namespaces.len(), 6);
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
    assert!(parse_err("extends: /nonexistent/policy.yaml\n").contains("cannot read policy"));
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
    assert_eq!(p.rlimits.get("nofile"), Some(&(64, 128)));
    assert_eq!(p.rlimits.get("core"), Some(&(0, 0)));
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
        if let Err(e) = prepared.enter() {
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
        if prepared.enter().is_err() || prepared.install_seccomp().is_err() {
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
    assert!(!prepare(&load("strict").unwrap(), &Grants::default())
        .unwrap()
        .needs_fork());
    let code = in_child(|| {
        if prepared.enter().is_err() {
            return 10;
        }
        // The next child is PID 1 of the new namespace.
        // SAFETY: fork/getpid/_exit/waitpid only, in a single-threaded child.
        unsafe {
            let pid = libc::fork();
            if pid == 0 {
                libc::_exit(if libc::getpid() == 1 { 0 } else { 1 });
            }
            let mut status = 0;
            if pid < 0 || libc::waitpid(pid, &mut status, 0) != pid {
                return 11;
            }
            if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
                return 12;
            }
        }
        0
    });
    assert_eq!(code, 0);
}

#[test]
fn missing_feature_messages_name_a_policy() {
    let e = SandboxError::Namespace(namespaces::NamespaceError::UserNsUnavailable {
        reason: "kernel.unprivileged_userns_clone is 0".into(),
        policy: "default".into(),
    });
    assert_eq!(
        e.to_string(),
        "user namespaces are not available (kernel.unprivileged_userns_clone is 0; policy `default` needs them; try --policy unprivileged)"
    );
    let e = SandboxError::Landlock(landlock_rules::LandlockError::Unavailable {
        policy: "unprivileged".into(),
    });
    assert!(e.to_string().starts_with("Landlock is not available"));
    assert!(e.to_string().contains("try --policy none"));
}

#[test]
fn report_after_enter() {
    let policy = load("strict").unwrap();
    let mut prepared = prepare(&policy, &Grants::default()).unwrap();
    assert!(
        prepared.report().notes.is_empty(),
        "{:?}",
        prepared.report()
    );
    let code = in_child(|| {
        if prepared.enter().is_err() {
            return 10;
        }
        let r = prepared.report();
        match (&r.landlock, &r.caps) {
            (Some(l), Some(c)) if l.fully && l.abi >= 6 && c.bounding_and_securebits => 0,
            _ => 11,
        }
    });
    assert_eq!(code, 0);
}
