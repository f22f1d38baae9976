//! `append`: a file granted append-only (`mode: append`) cannot be emptied.
//!
//! caprun opens the file on the host, before any Landlock domain exists, so the
//! descriptor it hands over carries every right, truncation included: `ftruncate(fd, 0)`
//! emptied an append-only log under every policy. Landlock decides `ftruncate` by the
//! domain of the process that opened the file (ABI 3, Linux 6.2), so each append-only
//! regular file is opened again by a helper restricted to a domain that denies
//! truncation (`sys::landlock::reopen_untruncatable`), and the launch's final step puts
//! it at the descriptor's number, whatever the policy (`none` included). Below ABI 3 a policy with `landlock: required` refuses to
//! run such a grant; any other runs and says what it cannot keep.
//!
//! What `O_APPEND` itself cannot keep, no policy keeps either: the program may clear it
//! with `fcntl(F_SETFL)` and overwrite the file in place (caprun-policy(5)).

use std::os::fd::AsRawFd;
use std::path::PathBuf;

use super::landlock_rules::{Access, Grant};
use super::policy::LandlockMode;

/// A file granted append-only cannot be kept from truncation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// The kernel's Landlock cannot deny `ftruncate` on a descriptor, and the policy
    /// requires what it says to be enforced.
    #[error("policy `{policy}`: {} is granted append-only, and Landlock ABI {abi} cannot keep the program from emptying it with ftruncate (that needs ABI 3, Linux 6.2): use Linux 6.2 or later, mode: write (which allows truncation), or a policy file with `landlock: best-effort`", path.display())]
    TooOld {
        /// The policy.
        policy: String,
        /// The file (as `/proc/self/fd` names it).
        path: PathBuf,
        /// The running ABI.
        abi: i32,
    },
    /// Opening the file again failed.
    #[error("cannot open {} again without the right to truncate it: {source}", path.display())]
    Reopen {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The file `fd` names, for messages.
fn name_of(fd: i32) -> PathBuf {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .unwrap_or_else(|_| format!("descriptor {fd}").into())
}

/// What [`seal`] did: the descriptors opened again (caprun's descriptor, the new one,
/// which the launch's final step puts at its number), and a note for each file it could
/// not seal.
#[derive(Debug, Default)]
pub struct Sealed {
    /// (caprun's descriptor, the one without the right to truncate).
    pub replacements: Vec<(std::os::fd::RawFd, std::os::fd::OwnedFd)>,
    /// What could not be kept, one phrase each.
    pub notes: Vec<String>,
}

/// Open every append-only regular file of `files` again so that its descriptor cannot
/// be truncated (Landlock `abi` 3 or later); below, refuse under a `required` policy and
/// note each otherwise.
pub fn seal(
    policy: &str,
    mode: LandlockMode,
    abi: i32,
    files: &[Grant<'_>],
) -> Result<Sealed, AppendError> {
    let mut notes = Vec::new();
    let mut replacements = Vec::new();
    for g in files
        .iter()
        .filter(|g| g.access == Access::Append && !g.is_dir)
    {
        let fd = g.fd.as_raw_fd();
        let regular =
            crate::sys::fs::file_mode(fd).is_ok_and(|m| m & libc::S_IFMT == libc::S_IFREG);
        if !regular {
            // A FIFO, socket or device has nothing to truncate.
            continue;
        }
        if abi < 3 {
            let path = name_of(fd);
            if mode == LandlockMode::Required {
                return Err(AppendError::TooOld {
                    policy: policy.to_owned(),
                    path,
                    abi,
                });
            }
            notes.push(format!(
                "Landlock ABI {abi} cannot keep the program from emptying {}, granted append-only, with ftruncate (ABI 3, Linux 6.2)",
                path.display()
            ));
            continue;
        }
        let reopen_err = |e: nix::errno::Errno| AppendError::Reopen {
            path: name_of(fd),
            source: e.into(),
        };
        let flags = nix::fcntl::fcntl(g.fd, nix::fcntl::FcntlArg::F_GETFL).map_err(reopen_err)?
            & !(libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC);
        let again = crate::sys::landlock::reopen_untruncatable(fd, flags).map_err(reopen_err)?;
        let same = crate::sys::fs::file_id(again.as_raw_fd()) == crate::sys::fs::file_id(fd);
        if !same {
            return Err(reopen_err(nix::errno::Errno::ESTALE));
        }
        replacements.push((fd, again));
    }
    Ok(Sealed {
        replacements,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use super::{seal, AppendError, LandlockMode};
    use crate::sandbox::landlock_rules::{running_abi, Access, Grant};

    #[test]
    fn an_append_grant_loses_the_right_to_truncate_or_is_refused_or_noted_below_abi_3() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "kept\n").unwrap();
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let grants = [Grant {
            fd: file.as_fd(),
            access: Access::Append,
            is_dir: false,
        }];
        // Below ABI 3: `required` refuses, naming the file; the others note it.
        let e = seal("p", LandlockMode::Required, 2, &grants).unwrap_err();
        assert!(
            matches!(&e, AppendError::TooOld { path: p, abi: 2, .. } if p == &path),
            "{e}"
        );
        let sealed = seal("p", LandlockMode::Off, 2, &grants).unwrap();
        let notes = sealed.notes;
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains(path.to_str().unwrap()), "{notes:?}");
        assert!(sealed.replacements.is_empty());
        // Control: the descriptor as caprun opened it can be truncated.
        assert!(file.set_len(5).is_ok());
        let abi = running_abi();
        if abi < 3 {
            eprintln!("SKIPPED (Landlock ABI {abi} < 3): the reopened descriptor");
            assert!(std::env::var_os("CI").is_none(), "CI kernels have ABI 3");
            return;
        }
        let sealed = seal("p", LandlockMode::Required, abi, &grants).unwrap();
        assert!(sealed.notes.is_empty(), "{:?}", sealed.notes);
        // The replacement for that descriptor (the final step puts it at its number):
        // the same file, without the right to truncate, still appending.
        let [(target, again)] = <[_; 1]>::try_from(sealed.replacements).unwrap();
        assert_eq!(target, std::os::fd::AsRawFd::as_raw_fd(&file));
        let again = std::fs::File::from(again);
        let e = again.set_len(0).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EACCES), "{e}");
        use std::io::Write;
        (&again).write_all(b"more\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "kept\nmore\n");
    }
}
