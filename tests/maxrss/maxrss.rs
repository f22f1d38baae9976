//! `maxrss PROGRAM [ARGS...]`: run PROGRAM (stdio inherited), then print its peak
//! resident set size in KiB (`ru_maxrss` of `wait4`) as one line on standard error and
//! exit with its status (128 + N for a signal). Test tool: the peak of a process counts
//! the image it was forked from until its exec, so it is measured from this small
//! process rather than from a large test harness.

use std::ffi::CString;
use std::os::unix::ffi::OsStringExt;

fn main() {
    let argv: Vec<CString> = std::env::args_os()
        .skip(1)
        .map(|a| CString::new(a.into_vec()).expect("no NUL in arguments"))
        .collect();
    if argv.is_empty() {
        eprintln!("usage: maxrss PROGRAM [ARGS...]");
        std::process::exit(2);
    }
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    // SAFETY: this program is single-threaded; the child only execs or exits.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // SAFETY: a NULL-terminated argv of live CStrings; the environment is ours.
        unsafe { libc::execvp(ptrs[0], ptrs.as_ptr()) };
        // SAFETY: _exit after a failed exec.
        unsafe { libc::_exit(127) };
    }
    let mut status = 0;
    // SAFETY: zeroed rusage is a valid out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-parameters.
    while unsafe { libc::wait4(child, &mut status, 0, &mut usage) } == -1 {}
    eprintln!("maxrss {}", usage.ru_maxrss);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    std::process::exit(code)
}
