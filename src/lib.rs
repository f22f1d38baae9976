//! caprun: start a program with exactly the resources its YAML config names.
//!
//! The launch is one pipeline, each stage a module with a narrow input and output:
//!
//! `cli` → [`config`] (YAML → typed tree with positions) → [`resources`] (open, bind,
//! check: the only place that touches host paths) → [`plan`] (argdata bytes, descriptor
//! table, argv/env: everything computed before anything irreversible) → [`sandbox`]
//! (namespaces, mounts, Landlock, capabilities, seccomp) → [`exec`] (the tiny final
//! step: rearrange descriptors, apply restrictions, `execveat`).
//!
//! `unsafe` code lives only in [`sys`] and [`exec`] (enforced: `unsafe_code` is denied
//! everywhere else, test modules excepted), besides the binary's C `main` entry point.

#![deny(unsafe_code)]

pub mod cli;
pub mod config;
#[allow(unsafe_code)]
pub mod exec;
pub mod launch;
pub mod plan;
pub mod resources;
pub mod runtime;
pub mod sandbox;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub mod yaml;
