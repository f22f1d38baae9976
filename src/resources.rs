//! `resources`: open, bind and check everything a config names.
//!
//! This is the only module that uses *ambient authority*: it resolves host paths and
//! addresses with caprun's own view and privileges, before any namespace is entered.
//! Everything it opens is close-on-exec; the exec step decides what the program gets.

use std::cell::OnceCell;
use std::ffi::{CString, OsStr};
use std::fs::File;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use nix::sys::socket::{
    self, AddressFamily, Backlog, SockFlag, SockType, SockaddrLike, SockaddrStorage, UnixAddr,
};

use crate::config::{
    AccessMode, Config, FileSpec, Pos, ResourceId, ResourceSpec, SocketAction, SocketSpec,
    SocketType,
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
    /// A path given on the command line (`--rw`, `--ro`, `--cwd`) cannot be used.
    #[error("{option} {}: {source}", path.display())]
    Grant {
        /// The option that names it.
        option: &'static str,
        /// The path given.
        path: PathBuf,
        /// Why.
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
    /// PROGRAM is a `#!` script whose interpreter does not exist, or is not inside the
    /// sandbox (exit status 127, as the exec would fail with ENOENT).
    #[error("{}: its #! interpreter {} {reason}", path.display(), interpreter.display())]
    ScriptInterpreter {
        /// The path given.
        path: PathBuf,
        /// The interpreter its `#!` line names.
        interpreter: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// PROGRAM is dynamically linked and its ELF interpreter does not exist (exit status
    /// 127, as the exec would fail with ENOENT).
    #[error("{}: its ELF interpreter {} does not exist: {source}", path.display(), interpreter.display())]
    InterpreterNotFound {
        /// The path given.
        path: PathBuf,
        /// The interpreter `PT_INTERP` names.
        interpreter: PathBuf,
        /// Why it cannot be found.
        source: io::Error,
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
    /// A `#!` script: executed by path (see [`Script`]); `None`: an ELF program,
    /// executed by descriptor.
    pub script: Option<Script>,
}

/// A `#!` script PROGRAM. The kernel starts a script's interpreter on the path it was
/// executed by, which a close-on-exec descriptor cannot give (`/dev/fd/N` is closed by
/// then): a script is executed by path inside the sandbox, as a shell would, and its
/// interpreter is the one found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The path as given, made absolute (what the interpreter gets as its script).
    pub path: PathBuf,
    /// The same file's canonical path (what must be inside the sandbox).
    pub canonical: PathBuf,
    /// The interpreter its `#!` line names, as written.
    pub interpreter: PathBuf,
}

/// The interpreter a `#!` line names (`head` starts with `#!`; the kernel reads at most
/// 256 bytes of it), as the kernel reads it: the first word after `#!` and blanks, up to
/// a blank or the line's end. A carriage return is part of the word (as it is to the
/// kernel: a script with DOS line endings names `/bin/sh\r`). `None`: the line names
/// none.
pub fn script_interpreter(head: &[u8]) -> Option<PathBuf> {
    let line = head.strip_prefix(b"#!")?;
    let line = line.split(|&b| b == b'\n').next().unwrap_or(line);
    let word = line
        .split(|&b| b == b' ' || b == b'\t')
        .find(|w| !w.is_empty())?;
    Some(PathBuf::from(OsStr::from_bytes(word)))
}

impl Program {
    /// The ELF interpreter of a dynamically linked program (`PT_INTERP`), canonical.
    /// Read from the file when asked: only a sandbox with its own root needs it.
    pub fn interpreter(&self) -> Option<PathBuf> {
        elf_interpreter(&self.fd)
    }
}

/// The `PT_INTERP` path of a 64-bit little-endian ELF file, if it has one, as written.
fn elf_interpreter_raw(file: &OwnedFd) -> Option<PathBuf> {
    let mut ehdr = [0u8; 64];
    if nix::sys::uio::pread(file, &mut ehdr, 0).ok()? != 64 || ehdr[4] != 2 || ehdr[5] != 1 {
        return None; // not ELF64 little-endian: let the kernel judge
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as u64;
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let (phoff, phentsize, phnum) = (u64_at(&ehdr, 32), u16_at(&ehdr, 54), u16_at(&ehdr, 56));
    for i in 0..phnum.min(64) {
        let mut ph = [0u8; 56];
        let at = phoff.checked_add(i.checked_mul(phentsize)?)?;
        if nix::sys::uio::pread(file, &mut ph, i64::try_from(at).ok()?).ok()? != 56 {
            return None;
        }
        if u32::from_le_bytes(ph[0..4].try_into().unwrap()) == 3 {
            let (offset, size) = (u64_at(&ph, 8), u64_at(&ph, 32).min(4096) as usize);
            let mut path = vec![0u8; size];
            let n = nix::sys::uio::pread(file, &mut path, i64::try_from(offset).ok()?).ok()?;
            path.truncate(n);
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            return Some(PathBuf::from(OsStr::from_bytes(&path[..end])));
        }
    }
    None
}

/// The `PT_INTERP` path of a 64-bit little-endian ELF file, if it has one, canonical
/// when it exists.
fn elf_interpreter(file: &OwnedFd) -> Option<PathBuf> {
    let path = elf_interpreter_raw(file)?;
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The ELF classes (32/64-bit) and machines (`e_machine`) this build's kernel runs.
#[cfg(target_arch = "x86_64")]
const NATIVE_ELF: &[(u8, u16)] = &[(2, 62), (1, 3), (1, 62)]; // x86-64, i386, x32
#[cfg(target_arch = "aarch64")]
const NATIVE_ELF: &[(u8, u16)] = &[(2, 183), (1, 40)]; // AArch64, 32-bit Arm
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const NATIVE_ELF: &[(u8, u16)] = &[];

/// A name for ELF machine `m` (`e_machine`).
fn machine_name(m: u16) -> String {
    match m {
        3 => "i386".into(),
        8 => "MIPS".into(),
        20 => "PowerPC".into(),
        21 => "PowerPC64".into(),
        22 => "S/390".into(),
        40 => "32-bit Arm".into(),
        62 => "x86-64".into(),
        183 => "AArch64".into(),
        243 => "RISC-V".into(),
        258 => "LoongArch".into(),
        m => format!("machine {m}"),
    }
}

/// Why the kernel would refuse to execute the ELF file whose first 64 bytes (or fewer)
/// are `head`, if it can be told from the header: its class, byte order, type and
/// machine. (The kernel would fail the exec with ENOEXEC, after everything was set up.)
fn elf_header_problem(head: &[u8]) -> Option<String> {
    if head.len() < 20 {
        return Some("truncated ELF header".into());
    }
    let (class, data) = (head[4], head[5]);
    let bits = match class {
        1 => 32,
        2 => 64,
        _ => return Some(format!("unknown ELF class {class}")),
    };
    let u16_at = |o: usize| match data {
        1 => Some(u16::from_le_bytes([head[o], head[o + 1]])),
        2 => Some(u16::from_be_bytes([head[o], head[o + 1]])),
        _ => None,
    };
    let (Some(kind), Some(machine)) = (u16_at(16), u16_at(18)) else {
        return Some(format!("unknown ELF byte order {data}"));
    };
    let native = NATIVE_ELF.contains(&(class, machine)) && data == 1;
    if !native && !NATIVE_ELF.is_empty() {
        let order = if data == 1 { "" } else { ", big-endian" };
        return Some(format!(
            "is an ELF program for {} ({bits}-bit{order}), which this {} system cannot run",
            machine_name(machine),
            std::env::consts::ARCH
        ));
    }
    match kind {
        2 | 3 => None,
        1 => Some("is an ELF relocatable object, not a program".into()),
        4 => Some("is an ELF core dump, not a program".into()),
        k => Some(format!("is an ELF file of type {k}, not a program")),
    }
}

/// Open `path` for reading without blocking (a FIFO would wait for a writer), as
/// PROGRAM is opened.
fn open_program_file(path: &Path) -> io::Result<File> {
    File::options()
        .read(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(path)
}

/// Open PROGRAM and check that it can plausibly be executed: a regular file with an
/// execute bit for us, starting with an ELF header, or a `#!` script whose interpreter
/// exists (run by path: see [`Script`]).
///
/// Opened without blocking (a FIFO would wait for a writer), then refused unless it is a
/// regular file.
pub fn open_program(path: &Path) -> Result<Program, ResourceError> {
    let file = open_program_file(path).map_err(|source| match source.kind() {
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
    // The program may get this descriptor (`!executable`): as a plain open gives it.
    clear_nonblock(&file, false).map_err(|e| not_exec(&e.to_string()))?;
    let mut head = [0u8; 256];
    let n = nix::sys::uio::pread(&file, &mut head, 0).map_err(|e| not_exec(e.desc()))?;
    let name = path
        .file_name()
        .unwrap_or_else(|| OsStr::new("program"))
        .as_bytes();
    let name = CString::new(name).expect("paths contain no NUL");
    if head[..n].starts_with(b"#!") {
        let Some(interpreter) = script_interpreter(&head[..n]) else {
            return Err(not_exec(
                "is a #! script whose first line names no interpreter",
            ));
        };
        if let Err(source) = std::fs::metadata(&interpreter) {
            let reason = if interpreter.as_os_str().as_bytes().ends_with(b"\r") {
                "ends in a carriage return: the script has DOS line endings (CR LF), and the kernel looks for a file of that name; convert it (dos2unix)".to_owned()
            } else {
                format!("does not exist: {source}")
            };
            let shown = interpreter.as_os_str().as_bytes().strip_suffix(b"\r");
            return Err(ResourceError::ScriptInterpreter {
                path: path.to_owned(),
                interpreter: shown
                    .map_or(interpreter.clone(), |s| PathBuf::from(OsStr::from_bytes(s))),
                reason,
            });
        }
        let absolute = std::path::absolute(path).map_err(|e| not_exec(&e.to_string()))?;
        let canonical = std::fs::canonicalize(path).map_err(|e| not_exec(&e.to_string()))?;
        return Ok(Program {
            fd: file.into(),
            path: path.to_owned(),
            name,
            script: Some(Script {
                path: absolute,
                canonical,
                interpreter,
            }),
        });
    }
    if !head[..n].starts_with(b"\x7fELF") {
        return Err(not_exec("not an executable format (no ELF header)"));
    }
    let mut ehdr = [0u8; 64];
    let n = nix::sys::uio::pread(&file, &mut ehdr, 0).map_err(|e| not_exec(e.desc()))?;
    if let Some(problem) = elf_header_problem(&ehdr[..n]) {
        return Err(not_exec(&problem));
    }
    let fd: OwnedFd = file.into();
    // A dynamically linked program whose interpreter is missing would fail the exec
    // with a bare ENOENT once everything is set up: name the interpreter now. (Whether
    // a sandbox with its own root provides it is checked once the grants are known.)
    if let Some(interpreter) = elf_interpreter_raw(&fd) {
        if let Err(source) = std::fs::metadata(&interpreter) {
            return Err(ResourceError::InterpreterNotFound {
                path: path.to_owned(),
                interpreter,
                source,
            });
        }
    }
    Ok(Program {
        fd,
        path: path.to_owned(),
        name,
        script: None,
    })
}

/// Whether `path` names a `#!` script (what [`open_program`] would run by path).
pub fn is_script(path: &Path) -> bool {
    let mut head = [0u8; 2];
    open_program_file(path)
        .and_then(|f| {
            f.metadata()?
                .is_file()
                .then_some(())
                .ok_or(io::ErrorKind::InvalidInput)?;
            std::io::Read::read_exact(&mut &f, &mut head)
        })
        .is_ok()
        && head == *b"#!"
}

/// Find the program of the command-line form: a path when it contains a `/`, else the
/// first executable regular file of that name in `search` (a `PATH` value; `None`: the
/// shell's default), as a shell would.
pub fn find_program(name: &OsStr, search: Option<&OsStr>) -> Result<PathBuf, ResourceError> {
    let name_path = Path::new(name);
    if name.as_bytes().contains(&b'/') {
        return Ok(name_path.to_owned());
    }
    let path = search.unwrap_or(OsStr::new("/usr/local/bin:/usr/bin:/bin"));
    for dir in std::env::split_paths(path) {
        let candidate = dir.join(name_path);
        if let Ok(meta) = std::fs::metadata(&candidate) {
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return Ok(candidate);
            }
        }
    }
    Err(ResourceError::ProgramNotFound {
        path: name_path.to_owned(),
        source: io::Error::new(
            io::ErrorKind::NotFound,
            format!("not found in PATH={}", path.to_string_lossy()),
        ),
    })
}

/// A path given on the command line with `option` (`--rw`, `--ro`, `--cwd`): canonical,
/// and whether it is a directory.
pub fn grant_path(path: &Path, option: &'static str) -> Result<(PathBuf, bool), ResourceError> {
    let not_usable = |e: io::Error| ResourceError::Grant {
        option,
        path: path.to_owned(),
        source: e,
    };
    let canonical = std::fs::canonicalize(path).map_err(not_usable)?;
    let meta = std::fs::metadata(&canonical).map_err(not_usable)?;
    Ok((canonical, meta.is_dir()))
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
    /// `!fd {listen: NAME}`: a descriptor passed by systemd socket activation.
    Listen {
        /// The name it was passed under (`LISTEN_FDNAMES`).
        name: String,
        /// The inherited number.
        fd: RawFd,
    },
    /// `!file`.
    File {
        /// The host path as written.
        path: PathBuf,
        /// The access mode.
        mode: AccessMode,
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
    // See `host_path`: looked up once, on first use.
    host_path: OnceCell<Option<PathBuf>>,
}

impl Opened {
    fn new(handle: Handle, description: Description, truncate: bool) -> Opened {
        Opened {
            handle,
            description,
            truncate,
            host_path: OnceCell::new(),
        }
    }

    /// For a file or directory: its canonical host path (where a bind takes it from),
    /// the kernel's name for what was opened (symlinks resolved, absolute). Looked up
    /// when first asked: only an `!exec` config uses paths.
    pub fn host_path(&self) -> Option<&Path> {
        self.host_path
            .get_or_init(|| match (&self.handle, &self.description) {
                (Handle::Owned(fd), Description::File { path, .. }) => {
                    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                        .or_else(|_| std::path::absolute(path))
                        .ok()
                }
                _ => None,
            })
            .as_deref()
    }
}

/// Every resource of a config, indexed like [`Config::resources`].
///
/// Dropping it without [`Resources::commit`] removes the files and socket paths this
/// launch created, so a launch that fails leaves nothing behind.
#[derive(Debug)]
pub struct Resources {
    /// The resources, by [`ResourceId`].
    items: Vec<Opened>,
    created: Vec<PathBuf>,
}

impl Resources {
    /// Resource `id`.
    pub fn get(&self, id: ResourceId) -> &Opened {
        &self.items[id.index()]
    }

    /// Every resource with its id, in the config's order.
    pub fn iter(&self) -> impl Iterator<Item = (ResourceId, &Opened)> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, o)| (ResourceId::new(i), o))
    }

    /// The raw descriptor of resource `id` (`program` supplies `!executable`).
    pub fn raw_fd(&self, id: ResourceId, program: &Program) -> RawFd {
        match &self.get(id).handle {
            Handle::Inherited(fd) => *fd,
            Handle::Owned(fd) => fd.as_raw_fd(),
            Handle::Program => program.fd.as_raw_fd(),
        }
    }

    /// Paths created by this launch (removed again if the launch fails before exec).
    pub fn created(&self) -> &[PathBuf] {
        &self.created
    }

    /// Keep what was created: from here on the launch's final step removes it should
    /// the launch still fail (the paths are returned for that).
    pub fn commit(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.created)
    }
}

impl Drop for Resources {
    fn drop(&mut self) {
        for path in self.created.drain(..) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Check that every inherited descriptor the config names is open, and is no directory
/// or `O_PATH` descriptor (`sys::fs::fd_reaches_a_tree`). Call this before
/// caprun opens anything itself, so that no descriptor of caprun's passes for inherited.
pub fn check_inherited(config: &Config) -> Result<(), ResourceError> {
    let mut passed = None;
    for r in &config.resources {
        match &r.spec {
            ResourceSpec::Fd(fd) if !crate::sys::fd_is_open(*fd) => {
                return Err(at(r.pos, format!("descriptor {fd} is not open")));
            }
            ResourceSpec::Fd(fd) => {
                if let Some(what) = crate::sys::fs::fd_reaches_a_tree(*fd) {
                    return Err(at(r.pos, unrooted_descriptor(&describe_fd(*fd), what)));
                }
            }
            ResourceSpec::Listen(name) => {
                let passed = passed.get_or_insert_with(listen_fds_from_env);
                let fd = resolve_listen(name, passed).map_err(|e| at(r.pos, e))?;
                if !crate::sys::fd_is_open(fd) {
                    return Err(at(
                        r.pos,
                        format!("!fd {{listen: {name}}}: descriptor {fd} is not open"),
                    ));
                }
                if let Some(what) = crate::sys::fs::fd_reaches_a_tree(fd) {
                    let name = format!("!fd {{listen: {name}}} (descriptor {fd})");
                    return Err(at(r.pos, unrooted_descriptor(&name, what)));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `descriptor N`, with the name of a standard descriptor.
fn describe_fd(fd: RawFd) -> String {
    match fd {
        0 => "descriptor 0 (standard input)".to_owned(),
        1 => "descriptor 1 (standard output)".to_owned(),
        2 => "descriptor 2 (standard error)".to_owned(),
        _ => format!("descriptor {fd}"),
    }
}

/// Why an inherited descriptor that reaches a file tree is refused: passed on, it would
/// be the host's own (its `..` walks the host's tree; nothing roots it the way caprun
/// roots the directories it opens itself).
fn unrooted_descriptor(name: &str, what: &str) -> String {
    format!(
        "{name} is {what}, which would give the program the host's file tree around it (`..`): pass a regular file, pipe, socket or terminal, or grant the directory by path (`!dir`, or --ro/--rw)"
    )
}

pub mod etc_links;

/// An `/etc` entry a toolchain under `/usr` links to ([`etc_links`]), opened `O_PATH`.
#[derive(Debug)]
pub struct EtcEntry {
    /// Its path (bound at the same path inside).
    pub path: PathBuf,
    /// The entry, open.
    pub fd: OwnedFd,
    /// A directory.
    pub is_dir: bool,
}

/// The `/etc` entries toolchains under `/usr` link to, but those beneath one of
/// `covered` (bound already), opened. An entry that cannot be opened is left out.
pub fn toolchain_etc(covered: &[&Path]) -> Vec<EtcEntry> {
    etc_links::toolchain_etc_paths()
        .into_iter()
        .filter(|p| !covered.iter().any(|c| p.starts_with(c)))
        .filter_map(|path| {
            let c = CString::new(path.as_os_str().as_bytes()).ok()?;
            let fd = crate::sys::fs::open(&c, libc::O_PATH | libc::O_CLOEXEC, 0).ok()?;
            let is_dir = std::fs::metadata(&path).ok()?.is_dir();
            Some(EtcEntry { path, fd, is_dir })
        })
        .collect()
}

/// An inherited descriptor the program gets that is a regular file or a character
/// device (`caprun … > log.txt`, a terminal): the program may open it again by
/// `/proc/self/fd/N` or `/dev/stdout`, which is a path open Landlock mediates, with the
/// access it was opened with.
#[derive(Debug)]
pub struct InheritedFile {
    /// A duplicate of the descriptor (the Landlock rule is on its inode).
    pub fd: OwnedFd,
    /// The access it was opened with (`O_WRONLY|O_APPEND` is [`AccessMode::Append`]).
    pub mode: AccessMode,
}

/// The inherited descriptors among `ids` (those the program gets) that are regular
/// files or character devices, one per file and access (a thousand descriptors of
/// `/dev/null` are one Landlock rule, and cost one duplicate). Pipes and sockets are not
/// there: the kernel opens them again without a path check. A descriptor that cannot be
/// examined is left out: the program keeps it, only not by path.
pub fn inherited_files(opened: &Resources, ids: &[ResourceId]) -> Vec<InheritedFile> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .filter_map(|&id| match opened.get(id).handle {
            Handle::Inherited(fd) => Some(fd),
            _ => None,
        })
        .filter_map(|fd| {
            let (file, flags) = crate::sys::fs::inherited_file(fd).ok().flatten()?;
            let mode = match (flags & libc::O_ACCMODE, flags & libc::O_APPEND != 0) {
                (libc::O_RDONLY, _) => AccessMode::Read,
                (libc::O_RDWR, _) => AccessMode::ReadWrite,
                (_, true) => AccessMode::Append,
                _ => AccessMode::Write,
            };
            if !seen.insert((file, mode)) {
                return None;
            }
            let fd = crate::sys::fs::duplicate(fd).ok()?;
            Some(InheritedFile { fd, mode })
        })
        .collect()
}

/// The host's `/dev/tty`, opened `O_PATH`, for the sandbox: `/dev/tty` opens the
/// controlling terminal of whoever opens it. Given when one of caprun's standard
/// descriptors is a terminal (the program's is then too: less, git's pager and password
/// prompts open `/dev/tty`), or when caprun has no controlling terminal at all (a CI
/// runner): then it reaches nothing of the host's, opening it fails with ENXIO as it
/// would outside, and a program that makes a pty of the sandbox's its controlling
/// terminal (`script`, pexpect) finds that one there. Not given when caprun has a
/// controlling terminal its standard descriptors do not lead to (`caprun … > log` from
/// an interactive shell): the job's output went elsewhere on purpose.
pub fn terminal_device() -> Option<OwnedFd> {
    use std::io::IsTerminal;
    let on_terminal =
        io::stdin().is_terminal() || io::stdout().is_terminal() || io::stderr().is_terminal();
    let tty = c"/dev/tty";
    let no_controlling_terminal = || {
        crate::sys::fs::open(
            tty,
            libc::O_RDWR | libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC,
            0,
        )
        .err()
            == Some(nix::errno::Errno::ENXIO)
    };
    (on_terminal || no_controlling_terminal())
        .then(|| crate::sys::fs::open(tty, libc::O_PATH | libc::O_CLOEXEC, 0).ok())
        .flatten()
}

/// `SD_LISTEN_FDS_START`: systemd passes its descriptors from 3 on.
pub const LISTEN_FDS_START: RawFd = 3;

/// Why the descriptors of systemd socket activation cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenError {
    /// `LISTEN_PID` is not set: nothing was passed.
    #[error("no descriptors were passed (LISTEN_PID is not set; start caprun by systemd socket activation)")]
    NotPassed,
    /// `LISTEN_PID` names another process: the variables were meant for it.
    #[error("LISTEN_PID is {env_pid}, not caprun's pid {pid}: the descriptors were passed to another process")]
    OtherPid {
        /// `LISTEN_PID` as set.
        env_pid: u32,
        /// caprun's pid.
        pid: u32,
    },
    /// A variable does not parse.
    #[error("{var}={value:?} is not valid")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
    },
    /// `LISTEN_FDS` passes descriptors beyond the descriptor limit.
    #[error("LISTEN_FDS={fds} passes more descriptors than the limit allows (RLIMIT_NOFILE {limit}: descriptors 3 to {})", limit.saturating_sub(1))]
    TooMany {
        /// `LISTEN_FDS`.
        fds: u32,
        /// The soft `RLIMIT_NOFILE`.
        limit: u64,
    },
    /// `LISTEN_FDNAMES` does not name every descriptor exactly once.
    #[error("LISTEN_FDNAMES has {names} names for {fds} descriptors (LISTEN_FDS)")]
    NameCount {
        /// Names in `LISTEN_FDNAMES`.
        names: usize,
        /// `LISTEN_FDS`.
        fds: usize,
    },
}

/// The descriptors passed by systemd socket activation, as `(name, fd)` in order, from the
/// values of `LISTEN_PID`, `LISTEN_FDS` and `LISTEN_FDNAMES` (`None`: unset) for the
/// process `pid` (as `sd_listen_fds_with_names(3)`, except that a `LISTEN_PID` naming
/// another process is an error). Descriptors start at [`LISTEN_FDS_START`]; without
/// `LISTEN_FDNAMES` every name is `unknown`. `nofile` is the process's (soft)
/// `RLIMIT_NOFILE`: a count that passes descriptors at or above it is refused before
/// anything proportional to the count is allocated.
pub fn listen_fds(
    pid: u32,
    env_pid: Option<&str>,
    env_fds: Option<&str>,
    env_names: Option<&str>,
    nofile: u64,
) -> Result<Vec<(String, RawFd)>, ListenError> {
    let number = |var: &'static str, value: &str| {
        let invalid = || ListenError::Invalid {
            var,
            value: value.to_owned(),
        };
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        value.parse::<u32>().map_err(|_| invalid())
    };
    let env_pid = number("LISTEN_PID", env_pid.ok_or(ListenError::NotPassed)?)?;
    if env_pid != pid {
        return Err(ListenError::OtherPid { env_pid, pid });
    }
    let Some(env_fds) = env_fds else {
        return Ok(Vec::new());
    };
    let count = number("LISTEN_FDS", env_fds)?;
    if count > (RawFd::MAX - LISTEN_FDS_START) as u32 {
        return Err(ListenError::Invalid {
            var: "LISTEN_FDS",
            value: env_fds.to_owned(),
        });
    }
    if u64::from(count) + LISTEN_FDS_START as u64 > nofile {
        return Err(ListenError::TooMany {
            fds: count,
            limit: nofile,
        });
    }
    let count = count as usize;
    let names: Vec<String> = match env_names {
        None => vec!["unknown".to_owned(); count],
        Some("") => Vec::new(),
        Some(names) => names.split(':').map(str::to_owned).collect(),
    };
    if names.len() != count {
        return Err(ListenError::NameCount {
            names: names.len(),
            fds: count,
        });
    }
    Ok(names.into_iter().zip(LISTEN_FDS_START..).collect())
}

/// [`listen_fds`] for this process and its environment.
fn listen_fds_from_env() -> Result<Vec<(String, RawFd)>, ListenError> {
    let var = |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    let nofile = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map_or(u64::MAX, |(soft, _)| soft);
    listen_fds(
        std::process::id(),
        var("LISTEN_PID").as_deref(),
        var("LISTEN_FDS").as_deref(),
        var("LISTEN_FDNAMES").as_deref(),
        nofile,
    )
}

/// The one descriptor passed under `name`; the error message starts with the tag.
fn resolve_listen(
    name: &str,
    passed: &Result<Vec<(String, RawFd)>, ListenError>,
) -> Result<RawFd, String> {
    let tag = format!("!fd {{listen: {name}}}");
    let passed = passed.as_ref().map_err(|e| format!("{tag}: {e}"))?;
    let fds: Vec<RawFd> = passed
        .iter()
        .filter(|(n, _)| n == name)
        .map(|&(_, fd)| fd)
        .collect();
    match fds[..] {
        [fd] => Ok(fd),
        [] if passed.is_empty() => Err(format!(
            "{tag}: no descriptor named {name:?} was passed (LISTEN_FDS passed none)"
        )),
        [] => Err(format!(
            "{tag}: no descriptor named {name:?} was passed (passed: {})",
            passed
                .iter()
                .map(|(n, fd)| format!("{n:?} at {fd}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Err(format!(
            "{tag}: {} descriptors were passed as {name:?} ({}); give each socket unit its own FileDescriptorName=",
            fds.len(),
            fds.iter()
                .map(|fd| fd.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Open every resource of `config`. Inherited descriptors must already have been
/// checked with [`check_inherited`].
pub fn open_all(config: &Config, program: &Program) -> Result<Resources, ResourceError> {
    let mut res = Resources {
        items: Vec::with_capacity(config.resources.len()),
        created: Vec::new(),
    };
    let mut passed = None;
    for r in &config.resources {
        let opened = match &r.spec {
            ResourceSpec::Fd(fd) => Opened::new(
                Handle::Inherited(*fd),
                Description::Inherited { fd: *fd },
                false,
            ),
            ResourceSpec::Listen(name) => {
                let passed = passed.get_or_insert_with(listen_fds_from_env);
                let fd = resolve_listen(name, passed).map_err(|e| at(r.pos, e))?;
                Opened::new(
                    Handle::Inherited(fd),
                    Description::Listen {
                        name: name.clone(),
                        fd,
                    },
                    false,
                )
            }
            ResourceSpec::Executable => Opened::new(
                Handle::Program,
                Description::Executable {
                    path: program.path.clone(),
                },
                false,
            ),
            ResourceSpec::File(spec) => open_file(spec, &mut res.created)
                .map_err(|e| at(r.pos, format!("{}: {e}", spec.path.display())))?,
            ResourceSpec::Socket(spec) => open_socket(spec, &mut res.created)
                .map_err(|e| at(r.pos, format!("socket {}: {e}", spec.address)))?,
        };
        res.items.push(opened);
    }
    Ok(res)
}

/// Clear `O_NONBLOCK` (and keep `O_APPEND` when `append`): every file is opened without
/// blocking, so that a FIFO or a device does not wait for its other end, and then handed
/// over in the blocking mode the config implies.
fn clear_nonblock(file: &File, append: bool) -> io::Result<()> {
    let flags = if append {
        nix::fcntl::OFlag::O_APPEND
    } else {
        nix::fcntl::OFlag::empty()
    };
    nix::fcntl::fcntl(file, nix::fcntl::FcntlArg::F_SETFL(flags))?;
    Ok(())
}

/// Open a `!file` or `!dir` (also the command line's `--ro`/`--rw`). Never waits: a FIFO
/// opened for reading needs no writer, and one opened for writing without a reader is
/// an error (ENXIO, explained).
fn open_file(spec: &FileSpec, created: &mut Vec<PathBuf>) -> io::Result<Opened> {
    let mut opts = File::options();
    match spec.mode {
        AccessMode::Read => opts.read(true),
        AccessMode::Write => opts.write(true),
        AccessMode::ReadWrite => opts.read(true).write(true),
        AccessMode::Append => opts.append(true),
    };
    let mut flags = libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
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
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                opts.open(&spec.path).map_err(|e| dangling(&spec.path, e))
            }
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
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) && is_fifo(&spec.path) => {
            return Err(io::Error::other(
                "a FIFO with no reader (opening it for writing would wait for one)",
            ))
        }
        Err(e) => return Err(e),
    };
    clear_nonblock(&file, spec.mode == AccessMode::Append)?;
    let meta = file.metadata()?;
    let directory = meta.is_dir();
    if spec.truncate && !meta.file_type().is_file() {
        return Err(io::Error::other("truncate: not a regular file"));
    }
    Ok(Opened::new(
        Handle::Owned(file.into()),
        Description::File {
            path: spec.path.clone(),
            mode: spec.mode,
            directory,
            created: was_created,
        },
        spec.truncate && !was_created && meta.len() > 0,
    ))
}

/// `e`, or a clearer error when `path` is a symbolic link to nothing: `create` does not
/// create through it (O_EXCL), so its target is "not found" although `create` was asked.
fn dangling(path: &Path, e: io::Error) -> io::Error {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if e.kind() != io::ErrorKind::NotFound || !is_link {
        return e;
    }
    let target = std::fs::read_link(path)
        .map(|t| format!(" to {}", t.display()))
        .unwrap_or_default();
    io::Error::new(
        e.kind(),
        format!("a symbolic link{target}, which does not exist: create does not create a file through a symbolic link (create the target, or name it in path)"),
    )
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
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
            match (socket::bind(fd.as_raw_fd(), &*storage), &addr) {
                (Err(nix::errno::Errno::EADDRINUSE), Addr::Unix(p)) => {
                    replace_stale_socket(p, ty)?;
                    socket::bind(fd.as_raw_fd(), &*storage)?;
                }
                (r, _) => r?,
            }
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
            let timeout = spec.timeout.unwrap_or(CONNECT_TIMEOUT);
            connect(&fd, &*storage, family == AddressFamily::Unix, timeout)?;
            let peer: SockaddrStorage = socket::getpeername(fd.as_raw_fd())?;
            display_addr(&peer)
        }
    };
    Ok(Opened::new(
        Handle::Owned(fd),
        Description::Socket {
            kind: spec.kind,
            action: spec.action,
            requested: spec.address.clone(),
            address,
        },
        false,
    ))
}

/// Remove the file at `path` that a UNIX socket could not be bound to, if it is a stale
/// socket file: a socket that nobody listens on (a connect is refused), as a program
/// bound by an earlier launch leaves behind. systemd does the same for its socket units.
/// A path that is not a socket, or one with a live listener (a connect goes through,
/// waits for room in its backlog, or finds a socket of another type), is an error.
fn replace_stale_socket(path: &Path, ty: SockType) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    if !std::fs::symlink_metadata(path)?.file_type().is_socket() {
        return Err(io::Error::other("the path exists and is not a socket"));
    }
    let probe = socket::socket(
        AddressFamily::Unix,
        ty,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )?;
    match socket::connect(probe.as_raw_fd(), &UnixAddr::new(path)?) {
        Err(nix::errno::Errno::ECONNREFUSED) => Ok(std::fs::remove_file(path)?),
        _ => Err(io::Error::other(
            "a listening socket is bound there (only a stale socket file is replaced)",
        )),
    }
}

/// How long a `!socket` connect may take without `timeout:`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connect `fd` to `addr`, waiting at most `timeout` (a listener whose queue is full
/// would keep a plain `connect` waiting forever, or for the kernel's SYN retries, about
/// two minutes). `fd` ends in blocking mode, without a send timeout: as a plain
/// `connect` leaves it.
///
/// An internet socket connects without blocking and `poll`s for the result. A UNIX
/// socket cannot: its non-blocking `connect` fails at once with `EAGAIN` while the
/// listener's backlog is full, and nothing can be polled for it to drain. It connects in
/// blocking mode with `SO_SNDTIMEO` set to the time left, which bounds the kernel's wait
/// for room in the backlog (woken as soon as the listener accepts), and then clears it.
fn connect(fd: &OwnedFd, addr: &dyn SockaddrLike, unix: bool, timeout: Duration) -> io::Result<()> {
    let timed_out = |why: &str| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connect timed out after {} s{why}", timeout.as_secs_f64()),
        )
    };
    if unix {
        use nix::sys::time::{TimeVal, TimeValLike};
        let limit = TimeVal::microseconds(timeout.as_micros() as i64);
        socket::setsockopt(fd, socket::sockopt::SendTimeout, &limit)?;
        let result = socket::connect(fd.as_raw_fd(), addr);
        socket::setsockopt(fd, socket::sockopt::SendTimeout, &TimeVal::zero())?;
        return match result {
            Err(nix::errno::Errno::EAGAIN) => {
                Err(timed_out(": the listener's backlog stayed full"))
            }
            r => Ok(r?),
        };
    }
    let deadline = Instant::now() + timeout;
    let set_flags = |flags| nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFL(flags));
    set_flags(nix::fcntl::OFlag::O_NONBLOCK)?;
    match socket::connect(fd.as_raw_fd(), addr) {
        Ok(()) => {}
        Err(nix::errno::Errno::EINPROGRESS) => loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timed_out(""));
            }
            let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLOUT)];
            // Whole milliseconds, rounded up: never a busy loop on the last fraction.
            let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
            match poll(
                &mut fds,
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
            ) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                Ok(_) => break,
                Err(e) => return Err(e.into()),
            }
        },
        Err(e) => return Err(e.into()),
    }
    match socket::getsockopt(fd, socket::sockopt::SocketError)? {
        0 => {}
        e => return Err(io::Error::from_raw_os_error(e)),
    }
    set_flags(nix::fcntl::OFlag::empty())?;
    Ok(())
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
    fn a_script_s_interpreter_is_the_first_word_of_its_line() {
        let i = |h: &[u8]| script_interpreter(h).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(i(b"#!/bin/sh\necho"), Some("/bin/sh".into()));
        assert_eq!(
            i(b"#! \t/usr/bin/env python3 -u\n"),
            Some("/usr/bin/env".into())
        );
        assert_eq!(i(b"#!/bin/bash\r\n"), Some("/bin/bash\r".into()));
        assert_eq!(i(b"#!/bin/bash -e\r\n"), Some("/bin/bash".into()));
        assert_eq!(i(b"#!/no/newline"), Some("/no/newline".into()));
        assert_eq!(i(b"#!   \n/bin/sh"), None);
        assert_eq!(i(b"#!"), None);
        assert_eq!(i(b"\x7fELF"), None);
    }

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
        assert_eq!(
            resolve("/run/x.sock").unwrap(),
            Addr::Unix("/run/x.sock".into())
        );
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
        // Debian's sh is dynamically linked; its interpreter is found and canonical.
        let interp = p.interpreter().expect("a PT_INTERP");
        assert!(interp.is_absolute() && interp.exists(), "{interp:?}");
        assert!(interp.to_string_lossy().contains("ld-linux"), "{interp:?}");
        assert!(crate::sys::is_cloexec(p.fd.as_raw_fd()).unwrap());
    }

    /// A 64-byte ELF header: class, byte order, type and machine.
    fn ehdr(class: u8, data: u8, kind: u16, machine: u16) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        (h[4], h[5], h[6]) = (class, data, 1);
        let (k, m) = if data == 2 {
            (kind.to_be_bytes(), machine.to_be_bytes())
        } else {
            (kind.to_le_bytes(), machine.to_le_bytes())
        };
        h[16..18].copy_from_slice(&k);
        h[18..20].copy_from_slice(&m);
        h
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn elf_headers_the_kernel_would_refuse() {
        assert_eq!(elf_header_problem(&ehdr(2, 1, 2, 62)), None);
        assert_eq!(elf_header_problem(&ehdr(2, 1, 3, 62)), None);
        assert_eq!(elf_header_problem(&ehdr(1, 1, 2, 3)), None);
        assert_eq!(
            elf_header_problem(&ehdr(2, 1, 2, 183)).unwrap(),
            "is an ELF program for AArch64 (64-bit), which this x86_64 system cannot run"
        );
        assert_eq!(
            elf_header_problem(&ehdr(2, 2, 2, 22)).unwrap(),
            "is an ELF program for S/390 (64-bit, big-endian), which this x86_64 system cannot run"
        );
        assert_eq!(
            elf_header_problem(&ehdr(2, 1, 1, 62)).unwrap(),
            "is an ELF relocatable object, not a program"
        );
        assert!(elf_header_problem(&ehdr(3, 1, 2, 62)).is_some());
        assert!(elf_header_problem(&ehdr(2, 1, 2, 62)[..10]).is_some());
        // As files: a foreign program is refused when opened.
        let dir = tempfile::tempdir().unwrap();
        let prog = dir.path().join("arm64");
        std::fs::write(&prog, ehdr(2, 1, 2, 183)).unwrap();
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = open_program(&prog).unwrap_err();
        assert!(
            matches!(e, ResourceError::ProgramNotExecutable { .. }),
            "{e}"
        );
        assert!(e.to_string().contains("AArch64"), "{e}");
    }

    #[test]
    fn create_through_a_dangling_symlink_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("missing"), &link).unwrap();
        let spec = FileSpec {
            mode: AccessMode::Write,
            create: true,
            ..FileSpec::new(&link)
        };
        let e = open_file(&spec, &mut Vec::new()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().starts_with("a symbolic link to "), "{e}");
        assert!(e
            .to_string()
            .contains("create does not create a file through a symbolic link"));
        assert!(!dir.path().join("missing").exists());
        // Without a link, the same error is the system's.
        let e = open_file(&FileSpec::new(dir.path().join("nope")), &mut Vec::new()).unwrap_err();
        assert_eq!(e.to_string(), "No such file or directory (os error 2)");
    }

    #[test]
    fn created_files_are_removed_unless_committed() {
        let dir = tempfile::tempdir().unwrap();
        let spec = |name: &str| FileSpec {
            mode: AccessMode::Write,
            create: true,
            perm: 0o600,
            ..FileSpec::new(dir.path().join(name))
        };
        let mut created = Vec::new();
        let a = open_file(&spec("a"), &mut created).unwrap();
        assert!(matches!(
            a.description,
            Description::File { created: true, .. }
        ));
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
            mode: AccessMode::ReadWrite,
            ..FileSpec::new(dir.path())
        };
        let o = open_file(&spec, &mut created).unwrap();
        assert!(matches!(
            o.description,
            Description::File {
                directory: true,
                mode: AccessMode::ReadWrite,
                ..
            }
        ));
    }

    #[test]
    fn listen_fds_follow_sd_listen_fds() {
        let named = |v: &[(&str, RawFd)]| -> Vec<(String, RawFd)> {
            v.iter().map(|&(n, fd)| (n.to_owned(), fd)).collect()
        };
        assert_eq!(
            listen_fds(42, Some("42"), Some("2"), Some("http:admin"), 1024),
            Ok(named(&[("http", 3), ("admin", 4)]))
        );
        // Without LISTEN_FDNAMES every descriptor is "unknown".
        assert_eq!(
            listen_fds(42, Some("42"), Some("2"), None, 1024),
            Ok(named(&[("unknown", 3), ("unknown", 4)]))
        );
        assert_eq!(
            listen_fds(42, Some("42"), Some("0"), Some(""), 1024),
            Ok(vec![])
        );
        assert_eq!(listen_fds(42, Some("42"), None, None, 1024), Ok(vec![]));
        assert_eq!(
            listen_fds(42, None, Some("1"), Some("http"), 1024),
            Err(ListenError::NotPassed)
        );
        assert_eq!(
            listen_fds(42, Some("42"), Some("1"), Some("a:b"), 1024),
            Err(ListenError::NameCount { names: 2, fds: 1 })
        );
        assert_eq!(
            listen_fds(42, Some("42"), Some("1"), Some(""), 1024),
            Err(ListenError::NameCount { names: 0, fds: 1 })
        );
        for (pid, fds) in [
            ("x", "1"),
            ("", "1"),
            ("+42", "1"),
            ("42", "-1"),
            ("42", "1 "),
        ] {
            assert!(
                matches!(
                    listen_fds(42, Some(pid), Some(fds), None, 1024),
                    Err(ListenError::Invalid { .. })
                ),
                "{pid:?} {fds:?}"
            );
        }
        assert!(matches!(
            listen_fds(42, Some("42"), Some("2147483647"), None, u64::MAX),
            Err(ListenError::Invalid {
                var: "LISTEN_FDS",
                ..
            })
        ));
        // Bounded by RLIMIT_NOFILE: descriptors 3 to limit - 1.
        assert_eq!(
            listen_fds(42, Some("42"), Some("1021"), None, 1024).map(|v| v.len()),
            Ok(1021)
        );
        let e = listen_fds(42, Some("42"), Some("1022"), None, 1024).unwrap_err();
        assert_eq!(
            e,
            ListenError::TooMany {
                fds: 1022,
                limit: 1024
            }
        );
        assert_eq!(
            e.to_string(),
            "LISTEN_FDS=1022 passes more descriptors than the limit allows (RLIMIT_NOFILE 1024: descriptors 3 to 1023)"
        );
    }

    #[test]
    fn listen_pid_of_another_process_is_rejected() {
        let e = listen_fds(42, Some("41"), Some("1"), Some("http"), 1024).unwrap_err();
        assert_eq!(
            e,
            ListenError::OtherPid {
                env_pid: 41,
                pid: 42
            }
        );
        assert_eq!(
            e.to_string(),
            "LISTEN_PID is 41, not caprun's pid 42: the descriptors were passed to another process"
        );
        assert_eq!(
            resolve_listen("http", &Err(e)).unwrap_err(),
            "!fd {listen: http}: LISTEN_PID is 41, not caprun's pid 42: the descriptors were passed to another process"
        );
    }

    #[test]
    fn listen_names_resolve_to_exactly_one_descriptor() {
        let passed = listen_fds(7, Some("7"), Some("3"), Some("http:admin:admin"), 1024);
        assert_eq!(resolve_listen("http", &passed), Ok(3));
        assert_eq!(
            resolve_listen("web", &passed).unwrap_err(),
            "!fd {listen: web}: no descriptor named \"web\" was passed (passed: \"http\" at 3, \"admin\" at 4, \"admin\" at 5)"
        );
        assert_eq!(
            resolve_listen("admin", &passed).unwrap_err(),
            "!fd {listen: admin}: 2 descriptors were passed as \"admin\" (4, 5); give each socket unit its own FileDescriptorName="
        );
        assert_eq!(
            resolve_listen("http", &Ok(vec![])).unwrap_err(),
            "!fd {listen: http}: no descriptor named \"http\" was passed (LISTEN_FDS passed none)"
        );
        assert_eq!(
            resolve_listen("unknown", &listen_fds(7, Some("7"), Some("1"), None, 1024)),
            Ok(3)
        );
    }

    #[test]
    fn bound_socket_reports_the_real_port() {
        let spec = SocketSpec {
            action: SocketAction::Bind,
            address: "127.0.0.1:0".into(),
            kind: SocketType::Stream,
            backlog: None,
            timeout: None,
        };
        let o = open_socket(&spec, &mut Vec::new()).unwrap();
        let Description::Socket { address, .. } = o.description else {
            panic!()
        };
        assert!(address.starts_with("127.0.0.1:") && !address.ends_with(":0"));
    }
}
