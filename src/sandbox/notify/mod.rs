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
//! `session` answers the notifications, `learn` keeps what learning saw and writes the
//! policy, `decode` describes a call for humans.

mod decode;
mod learn;
mod session;

pub use decode::describe;
pub use session::{Mode, Session};
