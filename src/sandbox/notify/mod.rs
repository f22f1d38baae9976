//! `notify`: denials routed to caprun's supervisor (seccomp user notification).
//!
//! With `--explain-denials` or `--learn`, the program's filter is compiled with every
//! denial returning `SECCOMP_RET_USER_NOTIF` ([`Denials::Notify`](super::seccomp::Denials))
//! and installed with a listener that the program's process hands to the supervisor
//! before `execveat` (see `exec.rs`). The supervisor keeps a [`Session`]:
//!
//! - **explain**: each notified call is answered with the policy's own action (the errno
//!   of `default-action`, so the program sees exactly what the filter would have given
//!   it; `kill` kills the program, `log` lets the call run), one line per distinct denial
//!   goes to caprun's stderr (`caprun: policy strict denied socket(AF_INET, SOCK_STREAM,
//!   0) [pid 7]`), and a summary at exit; what it keeps and prints is bounded whatever
//!   the program does (a few distinct examples per system call, the rest counted);
//! - **learn**: each notified call runs (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`) and is
//!   recorded — for calls policies condition on arguments (`socket`, `ioctl`, `clone`,
//!   `fcntl`, `prctl`, and any call the base policy has a rule for), the argument values
//!   that matter — and at exit a policy that `extends:` the base and allows exactly what
//!   was seen is written ([`Session::learned_policy`]), whole or not at all, by a
//!   process started outside the sandbox (`sys::writer`: the supervisor, inside it,
//!   could neither create nor rename a file beside `OUT`).
//!
//! Both modes also watch the calls that take paths (`path_report`): the paths the
//! program tried that the sandbox does not grant are named with the option that would
//! grant them, and learning binds the ones it read. Quiet mode, when the program fails
//! and no call was refused, says a missing grant is the likely cause (`hint`).
//!
//! `locks` takes the exclusive `flock` locks of `exclusive-locks: writable` (every
//! supervised launch of such a policy has it, with or without explain/learn).
//!
//! `session` answers the notifications, `learn` keeps what learning saw and writes the
//! policy, `decode` describes a call for humans, `paths` judges a path against the
//! grants, `path_report` keeps and reports the paths.

mod decode;
mod hint;
mod learn;
pub mod locks;
mod path_report;
pub mod paths;
mod session;

pub use decode::describe;
pub use path_report::{watched_numbers, PathTracker};
pub use session::{Mode, Session};
