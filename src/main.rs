//! The `caprun` command: see caprun(1).
//!
//! caprun defines the C `main` itself (`no_main`) rather than going through Rust's
//! runtime start-up, for two reasons. That start-up sets SIGPIPE to ignored, and a
//! program that caprun execs in place would inherit it (`yes | head -1` would no longer
//! stop `yes` with SIGPIPE): caprun must pass on the disposition it was started with.
//! And it costs time at every launch that caprun does not need (`/proc/self/maps` read
//! for the main thread's stack guard, an alternate signal stack, SIGSEGV/SIGBUS
//! handlers). The one part that matters, `/dev/null` on a closed descriptor 0-2, caprun
//! does itself ([`caprun::runtime::sanitize_stdio`], which also remembers which were
//! closed: a closed standard input is no config). The arguments come from `argv`:
//! `std::env::args_os` is empty without Rust's start-up on musl, which does not pass
//! argc/argv to std's `.init_array` hook as glibc does. (The unit-test build keeps the
//! test harness's `main`.)
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
use std::ffi::{c_char, c_int};

/// dlmalloc instead of musl's allocator (see [`caprun::runtime::Allocator`]).
#[global_allocator]
static ALLOC: caprun::runtime::Allocator = caprun::runtime::Allocator::new();

// SAFETY: with `no_main`, this is the program's only `main` symbol; the C runtime calls
// it once, on the main thread, with the usual argc/argv.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // Nothing caprun opens may land on 0-2, where its diagnostics would go.
    if caprun::runtime::sanitize_stdio().is_err() {
        caprun::runtime::exit(125);
    }
    // SAFETY: the C runtime passes `argc` valid NUL-terminated strings in `argv`.
    let args = unsafe { caprun::runtime::c_args(argc, argv) };
    let status = caprun::cli::main(args);
    // `exit`, not a return: it flushes stdout.
    std::process::exit(status)
}
