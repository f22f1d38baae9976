//! `runtime`: what the `caprun` binary's C `main` needs from the library before its
//! command line is parsed, and nothing more: the global allocator, `/dev/null` on closed
//! standard descriptors, the C arguments, and an immediate exit. The raw system call
//! layer itself (`sys`) is private to the library.

pub use crate::sys::alloc::Allocator;
pub use crate::sys::{c_args, exit, sanitize_stdio};
