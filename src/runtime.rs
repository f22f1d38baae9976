//! `runtime`: what the `caprun` binary's C `main` needs from the library before its
//! command line is parsed, and nothing more: the global allocator, `/dev/null` on closed
//! standard descriptors (remembering which were closed), the C arguments, and an
//! immediate exit. The raw system call layer itself (`sys`) is private to the library.

use std::sync::atomic::{AtomicU8, Ordering};

use nix::errno::Errno;

pub use crate::sys::alloc::Allocator;
pub use crate::sys::{c_args, exit};

/// Bit `fd` set: descriptor `fd` (0-2) was closed when caprun started.
static CLOSED_AT_START: AtomicU8 = AtomicU8::new(0);

/// Open `/dev/null` on each of descriptors 0-2 that is closed (so that nothing opened
/// later lands there, where caprun's diagnostics would go), and remember which were
/// closed: see [`was_closed_at_start`].
pub fn sanitize_stdio() -> Result<(), Errno> {
    let closed = crate::sys::sanitize_stdio()?;
    let bits = closed
        .iter()
        .enumerate()
        .fold(0, |bits, (fd, &c)| bits | (u8::from(c) << fd));
    CLOSED_AT_START.store(bits, Ordering::Relaxed);
    Ok(())
}

/// Whether standard descriptor `fd` (0-2) was closed when caprun started, before
/// [`sanitize_stdio`] put `/dev/null` there: a closed standard input is no config, not
/// an empty one. False when `sanitize_stdio` was not called (the library used without
/// the binary).
pub fn was_closed_at_start(fd: std::os::fd::RawFd) -> bool {
    (0..3).contains(&fd) && CLOSED_AT_START.load(Ordering::Relaxed) & (1 << fd) != 0
}
