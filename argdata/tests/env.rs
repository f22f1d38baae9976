//! `from_env` and `Received`: the ARGDATA_FD convention.

use std::fs::File;
use std::io::{Seek as _, Write as _};
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use argdata::{from_env, EnvError, Error, Received, Value};

const CHILD: &str = "ARGDATA_TEST_CHILD";

fn sample() -> Value {
    Value::Seq(vec![Value::Str("hi".into()), Value::Fd(0), Value::Fd(1)])
}

/// An unsealed, already unlinked temporary file holding `data`.
fn temp_file(data: &[u8]) -> File {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("argdata-test-{}-{n}", std::process::id()));
    let mut f = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f.write_all(data).unwrap();
    f
}

/// A memfd holding `data`, sealed the way caprun seals it.
fn sealed_memfd(data: &[u8]) -> File {
    // SAFETY: memfd_create with a NUL-terminated name and valid flags.
    let fd = unsafe {
        libc::memfd_create(
            c"argdata-test".as_ptr(),
            libc::MFD_ALLOW_SEALING | libc::MFD_CLOEXEC,
        )
    };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: fd was just created and is owned by nothing else.
    let mut f = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    f.write_all(data).unwrap();
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: F_ADD_SEALS on our own open memfd.
    let rc = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_ADD_SEALS, seals) };
    assert_eq!(rc, 0);
    f
}

#[test]
fn received_from_sealed_memfd_is_mapped() {
    let bytes = sample().to_bytes();
    let fd0 = OwnedFd::from(temp_file(b"x"));
    let mut rx = Received::from_file(sealed_memfd(&bytes), vec![Some(fd0), None]).unwrap();
    assert_eq!(rx.bytes(), &bytes[..]);
    assert_eq!(rx.root().to_value(), Ok(sample()));
    assert_eq!(rx.fd_count(), 2);
    let items: Vec<_> = rx.root().seq_iter().unwrap().map(Result::unwrap).collect();
    let raw = items[1].get_fd().unwrap();
    assert_eq!(rx.get_fd(&items[1]).unwrap().as_raw_fd(), raw);
    assert_eq!(items[2].get_fd(), Err(Error::NoFd));
    assert_eq!(rx.get_fd(&items[2]).unwrap_err(), Error::NoFd);
    let owned = rx.take_fd(0).unwrap();
    assert_eq!(owned.as_raw_fd(), raw);
    assert_eq!(rx.borrow_fd(0).unwrap_err(), Error::NoFd);
    assert_eq!(
        rx.root()
            .seq_iter()
            .unwrap()
            .nth(1)
            .unwrap()
            .unwrap()
            .get_fd(),
        Err(Error::NoFd)
    );
}

#[test]
fn received_from_unsealed_file_is_copied_from_offset_0() {
    let bytes = sample().to_bytes();
    let mut f = temp_file(&bytes);
    f.seek(std::io::SeekFrom::End(0)).unwrap();
    let rx = Received::from_file(f, vec![]).unwrap();
    assert_eq!(rx.root().to_value(), Ok(sample()));
}

#[test]
fn received_empty_is_null() {
    let rx = Received::from_file(sealed_memfd(&[]), vec![]).unwrap();
    assert!(rx.root().is_null());
    assert_eq!(rx.root().to_value(), Ok(Value::Null));
}

/// All environment manipulation of this process happens in this one test
/// (the others do not touch the environment). None of these cases adopts
/// descriptors: they fail before that.
#[test]
fn from_env_errors() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    std::env::remove_var("ARGDATA_FD");
    assert!(matches!(from_env(), Err(EnvError::Missing)));
    std::env::set_var("ARGDATA_FD", "abc");
    assert!(matches!(from_env(), Err(EnvError::NotANumber(s)) if s == "abc"));
    assert!(std::env::var_os("ARGDATA_FD").is_none(), "variable removed");
    std::env::set_var("ARGDATA_FD", "-3");
    assert!(matches!(from_env(), Err(EnvError::NotANumber(_))));
    std::env::set_var("ARGDATA_FD", "100000");
    assert!(matches!(from_env(), Err(EnvError::NotOpen(100000))));
    assert!(matches!(from_env(), Err(EnvError::Missing)));
}

/// Runs `from_env` for real in a child process whose descriptor 0 is the
/// data (ARGDATA_FD=0, so the descriptor table is empty).
#[test]
fn from_env_in_child() {
    if std::env::var_os(CHILD).is_some() {
        let rx = from_env().expect("from_env");
        assert!(std::env::var_os("ARGDATA_FD").is_none());
        assert_eq!(rx.root().to_value(), Ok(sample()));
        assert_eq!(rx.fd_count(), 0);
        let fd = rx.root().seq_iter().unwrap().nth(1).unwrap().unwrap();
        assert_eq!(fd.get_fd(), Err(Error::NoFd));
        return;
    }
    for data in [
        sealed_memfd(&sample().to_bytes()),
        temp_file(&sample().to_bytes()),
    ] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "from_env_in_child", "--test-threads=1"])
            .env(CHILD, "1")
            .env("ARGDATA_FD", "0")
            .stdin(Stdio::from(data))
            .output()
            .unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "child failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
