//! `policy`: sandbox policies. The format is documented in caprun-policy(5)
//! (`man/caprun-policy.5`).
//!
//! - [`model`]: the resolved [`Policy`] and its parts;
//! - `parse`: YAML → a resolved policy ([`load`] a built-in name or a file, [`parse`]
//!   text), `extends:` merged, syscall groups expanded, names checked against the x86_64
//!   system call table, every error with `FILE:LINE:COL`;
//! - `render`: a resolved policy back to YAML ([`render_policy`], for `--show-policy`).
//!
//! The built-in policies' YAML (`policies/*.yaml`) is the source of truth, but it is not
//! parsed at run time: [`builtins`](super::builtins) constructs each resolved policy with
//! generated code, which [`load`] returns for a built-in name and for a file's `extends:`
//! of one.
//!
//! This module is the policy's public face: code that the parser depends on (the
//! built-ins, the seccomp compiler) imports [`model`] directly.

pub mod model;
mod parse;
mod render;

pub use model::*;
pub use parse::{final_exec_by_path, load, parse, parse_builtin, PolicyError};
pub use render::{render_condition, render_policy, scalar};
