//! `resources`: open, bind and check everything a config names.
//!
//! This is the only module that uses *ambient authority*: it resolves host paths and
//! addresses with caprun's own view and privileges, before any namespace is entered.
//! Everything it opens is close-on-exec; the exec step decides what the program gets.

use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::sys::socket::{
    self, AddressFamily, Backlog, SockFlag, SockType, SockaddrLike, SockaddrStorage, UnixAddr,
};

use crate::config::{
    Config, FileSpec, Mode, Pos, ResourceSpec, SocketAction, SocketSpec, SocketType,
};

/// A resource error: the config position of the resource and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// An error tied to a config node.
    #[error("{}:{}: {message}", pos.line, pos.col)]
    At {
        /// Position of the resource's tag.
        pos: Pos,
        /// What is wrong, naming the path, address or descriptor.
        message: String,
    },
    /// PROGRAM does not exist (exit status 127).
    #[error("{}: {source}", path.display())]
    ProgramNotFound {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// PROGRAM exists but cannot be executed (exit status 126).
    #[error("{}: {reason}", path.display())]
    ProgramNotExecutable {
        /// The path given.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
}

fn at(pos: Pos, message: impl Into<String>) -> ResourceError {
    ResourceError::At {
        pos,
        message: message.into(),
    }
}

/// The program to run, opened once; it is executed through this descriptor.
#[derive(Debug)]
pub struct Program {
    /// Opened read-only and close-on-exec.
    pub fd: OwnedFd,
    /// The path as given on the command line.
    pub path: PathBuf,
    /// `argv[0]`: the path's final component.
    pub name: CString,
}

/// Open PROGRAM and check that it can plausibly be executed: a regular file with an
/// execute bit for us, starting with an ELF or `#!` header.
pub fn open_program(path: &Path) -> Result<Program, ResourceError> {
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)
        .map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => ResourceError::ProgramNotFound {
                path: path.to_owned(),
                source,
            },
            _ => ResourceError::ProgramNotExecutable {
                path: path.to_owned(),
                reason: source.to_string(),
            },
        })?;
    let not_exec = |reason: &str| ResourceError::ProgramNotExecutable {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let meta = file.metadata().map_err(|e| not_exec(&e.to_string()))?;
    if !meta.file_type().is_file() {
        return Err(not_exec("not a regular file"));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(not_exec("no execute permission"));
    }
    let mut head = [0u8; 4];
    let n = nix::sys::uio::pread(&file, &mut head, 0).map_err(|e| not_exec(e.desc()))?;
    if !(head[..n].starts_with(b"\x7fELF") || head[..n].starts_with(b"#!")) {
        return Err(not_exec("not an executable format (no ELF or #! header)"));
    }
    let name = path
        .file_name()
        .unwrap_or_else(|| OsStr::new("program"))
        .as_bytes();
    Ok(Program {
        fd: file.into(),
        path: path.to_owned(),
        name: CString::new(name).expect("paths contain no NUL"),
    })
}

/// A descriptor for one resource.
#[derive(Debug)]
pub enum Handle {
    /// A descriptor caprun inherited, referenced by number and not owned.
    Inherited(RawFd),
    /// A descriptor caprun opened.
    Owned(OwnedFd),
    /// The program's own descriptor (owned by [`Program`]).
    Program,
}

/// What a descriptor is, for `--dry-run` and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Description {
    /// `!fd N`.
    Inherited {
        /// The inherited number.
        fd: RawFd,
    },
    /// `!file`.
    File {
        /// The host path as written.
        path: PathBuf,
        /// The access mode.
        mode: Mode,
        /// Whether it is a directory.
        directory: bool,
        /// Whether caprun created it for this launch.
        created: bool,
    },
    /// `!socket`.
    Socket {
        /// Stream, datagram or seqpacket.
        kind: SocketType,
        /// Bound (listening for stream types) or connected.
        action: SocketAction,
        /// The address as written.
        requested: String,
        /// The address actually bound (local) or connected (peer).
        address: String,
    },
    /// `!executable`.
    Executable {
        /// The program's path.
        path: PathBuf,
    },
}

/// One opened resource.
#[derive(Debug)]
pub struct Opened {
    /// Its descriptor.
    pub handle: Handle,
    /// What it is.
    pub description: Description,
    /// Truncate it at launch (deferred so that a failed launch truncates nothing).
    pub truncate: bool,
}

/// Every resource of a config, indexed like [`Config::resources`].
///
/// Dropping it without [`Resources::commit`] removes the files and socket paths this
/// launch created, so a launch that fails leaves nothing behind.
#[derive(Debug)]
pub struct Resources {
    /// The resources, by `ResourceId`.
    pub items: Vec<Opened>,
    created: Vec<PathBuf>,
}

impl Resources {
    /// The raw descriptor of resource `id` (`program` supplies `!executable`).
    pub fn raw_fd(&self, id: usize, program: &Program) -> RawFd {
        match &self.items[id].handle {
            Handle::Inherited(fd) => *fd,
            Handle::Owned(fd) => fd.as_raw_fd(),
            Handle::Program => program.fd.as_raw_fd(),
        }
    }

    /// Paths created by this launch (removed again if the launch fails before exec).
    pub fn created(&self) -> &[PathBuf] {
        &self.created
    }

    /// Keep what was created: the launch is past the point of no return.
    pub fn commit(&mut self) {
        self.created.clear();
    }
}

impl Drop for Resources {
    fn drop(&mut self) {
        for path in self.created.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Check that every inherited descriptor the config names is open. Call this before
/// caprun opens anything itself, so that no descriptor of caprun's passes for inherited.
pub fn check_inherited(config: &Config) -> Result<(), ResourceError> {
    for r in &config.resources {
        if let ResourceSpec::Fd(fd) = r.spec {
            if !crate::sys::fd_is_open(fd) {
                return Err(at(r.pos, format!("descriptor {fd} is not open")));
            }
        }
    }
    Ok(())
}

/// Open every resource of `config`. Inherited descriptors must already have been
/// checked with [`check_inherited`].
pub fn open_all(config: &Config, program: &Program) -> Result<Resources, ResourceError> {
    let mut res = Resources {
        items: Vec::with_capacity(config.resources.len()),
        created: Vec::new(),
    };
    for r in &config.resources {
        let opened = match &r.spec {
            ResourceSpec::Fd(fd) => Opened {
                handle: Handle::Inherited(*fd),
                description: Description::Inherited { fd: *fd },
                truncate: false,
            },
            ResourceSpec::Executable => Opened {
                handle: Handle::Program,
                description: Description::Executable {
                    path: program.path.clone(),
                },
                truncate: false,
            },
            ResourceSpec::File(spec) => open_file(spec, &mut res.created)
                .map_err(|e| at(r.pos, format!("{}: {e}", spec.path.display())))?,
            ResourceSpec::Socket(spec) => open_socket(spec, &mut res.created)
                .map_err(|e| at(r.pos, format!("socket {}: {e}", spec.address)))?,
        };
        res.items.push(opened);
    }
    Ok(res)
}

fn open_file(spec: &FileSpec, created: &mut Vec<PathBuf>) -> io::Result<Opened> {
    let mut opts = File::options();
    match spec.mode {
        Mode::Read => opts.read(true),
        Mode::Write => opts.write(true),
        Mode::ReadWrite => opts.read(true).write(true),
        Mode::Append => opts.append(true),
    };
    let mut flags = libc::O_CLOEXEC | libc::O_NOCTTY;
    if spec.nofollow {
        flags |= libc::O_NOFOLLOW;
    }
    if spec.directory {
        flags |= libc::O_DIRECTORY;
    }
    opts.custom_flags(flags).mode(spec.perm);
    let mut was_created = false;
    let file = if spec.create {
        // O_EXCL tells whether this launch created the file (and so must remove it on
        // failure); an existing file is then opened normally.
        match opts.clone().create_new(true).open(&spec.path) {
            Ok(f) => {
                was_created = true;
                created.push(spec.path.clone());
                Ok(f)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => opts.open(&spec.path),
            Err(e) => Err(e),
        }
    } else {
        opts.open(&spec.path)
    };
    let file = match file {
        Ok(f) => f,
        // A directory cannot be opened for writing: its descriptor is read-only and
        // the mode governs what the program may do beneath it (Landlock).
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => File::options()
            .read(true)
            .custom_flags(flags | libc::O_DIRECTORY)
            .open(&spec.path)?,
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    let directory = meta.is_dir();
    if spec.truncate && !meta.file_type().is_file() {
        return Err(io::Error::other("truncate: not a regular file"));
    }
    Ok(Opened {
        handle: Handle::Owned(file.into()),
        description: Description::File {
            path: spec.path.clone(),
            mode: spec.mode,
            directory,
            created: was_created,
        },
        truncate: spec.truncate && !was_created && meta.len() > 0,
    })
}

/// A socket address resolved from the config's text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Addr {
    Inet(SocketAddr),
    Unix(PathBuf),
    Abstract(Vec<u8>),
}

/// Resolve `host:port`, `[v6]:port`, `/path` or `@name` to exactly one address.
fn resolve(text: &str) -> io::Result<Addr> {
    if text.starts_with('/') {
        return Ok(Addr::Unix(PathBuf::from(text)));
    }
    if let Some(name) = text.strip_prefix('@') {
        return Ok(Addr::Abstract(name.as_bytes().to_vec()));
    }
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot resolve: {e}")))?
        .collect();
    exactly_one(addrs).map(Addr::Inet)
}

/// The one address a name resolved to; none or several is an error.
fn exactly_one(mut addrs: Vec<SocketAddr>) -> io::Result<SocketAddr> {
    addrs.dedup();
    match addrs.len() {
        1 => Ok(addrs[0]),
        0 => Err(io::Error::other("resolves to no address")),
        _ => Err(io::Error::other(format!(
            "ambiguous: resolves to {} (write one address)",
            addrs
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn open_socket(spec: &SocketSpec, created: &mut Vec<PathBuf>) -> io::Result<Opened> {
    let addr = resolve(&spec.address)?;
    let storage: Box<dyn SockaddrLike> = match &addr {
        Addr::Inet(a) => Box::new(SockaddrStorage::from(*a)),
        Addr::Unix(p) => Box::new(UnixAddr::new(p.as_path())?),
        Addr::Abstract(name) => Box::new(UnixAddr::new_abstract(name)?),
    };
    let family = match &addr {
        Addr::Inet(SocketAddr::V4(_)) => AddressFamily::Inet,
        Addr::Inet(SocketAddr::V6(_)) => AddressFamily::Inet6,
        _ => AddressFamily::Unix,
    };
    let ty = match spec.kind {
        SocketType::Stream => SockType::Stream,
        SocketType::Dgram => SockType::Datagram,
        SocketType::Seqpacket => SockType::SeqPacket,
    };
    let fd = socket::socket(family, ty, SockFlag::SOCK_CLOEXEC, None)?;
    let address = match spec.action {
        SocketAction::Bind => {
            if family != AddressFamily::Unix {
                socket::setsockopt(&fd, socket::sockopt::ReuseAddr, &true)?;
            }
            socket::bind(fd.as_raw_fd(), &*storage)?;
            if let Addr::Unix(p) = &addr {
                created.push(p.clone());
            }
            if ty != SockType::Datagram {
                let backlog = spec.backlog.unwrap_or(libc::SOMAXCONN);
                socket::listen(&fd, Backlog::new(backlog).map_err(io::Error::from)?)?;
            }
            let local: SockaddrStorage = socket::getsockname(fd.as_raw_fd())?;
            display_addr(&local)
        }
        SocketAction::Connect => {
            socket::connect(fd.as_raw_fd(), &*storage)?;
            let peer: SockaddrStorage = socket::getpeername(fd.as_raw_fd())?;
            display_addr(&peer)
        }
    };
    Ok(Opened {
        handle: Handle::Owned(fd),
        description: Description::Socket {
            kind: spec.kind,
            action: spec.action,
            requested: spec.address.clone(),
            address,
        },
        truncate: false,
    })
}

/// Render an address the way the config writes it.
fn display_addr(a: &SockaddrStorage) -> String {
    if let Some(v4) = a.as_sockaddr_in() {
        return SocketAddr::from(std::net::SocketAddrV4::from(*v4)).to_string();
    }
    if let Some(v6) = a.as_sockaddr_in6() {
        return SocketAddr::from(std::net::SocketAddrV6::from(*v6)).to_string();
    }
    if let Some(u) = a.as_unix_addr() {
        if let Some(p) = u.path() {
            return p.display().to_string();
        }
        if let Some(name) = u.as_abstract() {
            return format!("@{}", String::from_utf8_lossy(name));
        }
        return "(unnamed)".to_owned();
    }
    a.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_forms() {
        assert_eq!(
            resolve("127.0.0.1:80").unwrap(),
            Addr::Inet("127.0.0.1:80".parse().unwrap())
        );
        assert_eq!(
            resolve("[::1]:0").unwrap(),
            Addr::Inet("[::1]:0".parse().unwrap())
        );
        assert_eq!(resolve("/run/x.sock").unwrap(), Addr::Unix("/run/x.sock".into()));
        assert_eq!(resolve("@name").unwrap(), Addr::Abstract(b"name".to_vec()));
        assert!(resolve("no-such-host.invalid:80").is_err());
    }

    #[test]
    fn several_addresses_are_ambiguous() {
        let a: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let b: SocketAddr = "[::1]:80".parse().unwrap();
        assert_eq!(exactly_one(vec![a, a]).unwrap(), a);
        let err = exactly_one(vec![a, b]).unwrap_err().to_string();
        assert_eq!(
            err,
            "ambiguous: resolves to 127.0.0.1:80, [::1]:80 (write one address)"
        );
        assert!(exactly_one(vec![]).is_err());
    }

    #[test]
    fn program_checks() {
        assert!(matches!(
            open_program(Path::new("/nonexistent/prog")),
            Err(ResourceError::ProgramNotFound { .. })
        ));
        assert!(matches!(
            open_program(Path::new("/etc/passwd")),
            Err(ResourceError::ProgramNotExecutable { .. })
        ));
        assert!(matches!(
            open_program(Path::new("/")),
            Err(ResourceError::ProgramNotExecutable { .. })
        ));
        let p = open_program(Path::new("/bin/sh")).unwrap();
        assert_eq!(p.name.as_bytes(), b"sh");
        assert!(crate::sys::is_cloexec(p.fd.as_raw_fd()).unwrap());
    }

    #[test]
    fn created_files_are_removed_unless_committed() {
        let dir = tempfile::tempdir().unwrap();
        let spec = |name: &str| FileSpec {
            path: dir.path().join(name),
            mode: Mode::Write,
            create: true,
            truncate: false,
            directory: false,
            nofollow: false,
            perm: 0o600,
        };
        let mut created = Vec::new();
        let a = open_file(&spec("a"), &mut created).unwrap();
        assert!(matches!(a.description, Description::File { created: true, .. }));
        let res = Resources {
            items: vec![a],
            created,
        };
        assert!(dir.path().join("a").exists());
        drop(res);
        assert!(!dir.path().join("a").exists());

        let mut created = Vec::new();
        let b = open_file(&spec("b"), &mut created).unwrap();
        let mut res = Resources {
            items: vec![b],
            created,
        };
        res.commit();
        drop(res);
        assert!(dir.path().join("b").exists());
    }

    #[test]
    fn directories_open_read_only_whatever_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let mut created = Vec::new();
        let spec = FileSpec {
            path: dir.path().to_owned(),
            mode: Mode::ReadWrite,
            create: false,
            truncate: false,
            directory: false,
            nofollow: false,
            perm: 0o666,
        };
        let o = open_file(&spec, &mut created).unwrap();
        assert!(matches!(
            o.description,
            Description::File {
                directory: true,
                mode: Mode::ReadWrite,
                ..
            }
        ));
    }

    #[test]
    fn bound_socket_reports_the_real_port() {
        let spec = SocketSpec {
            action: SocketAction::Bind,
            address: "127.0.0.1:0".into(),
            kind: SocketType::Stream,
            backlog: None,
        };
        let o = open_socket(&spec, &mut Vec::new()).unwrap();
        let Description::Socket { address, .. } = o.description else {
            panic!()
        };
        assert!(address.starts_with("127.0.0.1:") && !address.ends_with(":0"));
    }
}
