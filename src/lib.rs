//! caprun: start a program with exactly the resources its YAML config names.
//!
//! [`cli`] turns the command line into a [`launch::Request`] (plain data: tests and
//! benchmarks build one directly) and [`launch::run`] carries it out, a pipeline whose
//! stages are modules with a narrow input and output:
//!
//! [`config`] (YAML → typed tree with positions, over [`yaml`]) → [`resources`] (open,
//! bind, check: the only place that touches host paths) → [`plan`] (argdata bytes,
//! descriptor table, argv/env: a pure function of the config, computed before anything
//! irreversible) → [`sandbox`] (policies, namespaces, mounts, Landlock, capabilities,
//! seccomp; the explain/learn supervisor's session) → [`exec`] (the tiny final step:
//! rearrange descriptors, apply restrictions, `execveat`; it sees the sandbox and the
//! supervisor only through two traits, and imports nothing but `sys` and `plan::fdmap`).
//!
//! ```text
//! cli.rs            command line → launch::Request; a failure → one line + exit status
//! launch/           the pipeline: mod.rs (Request, run), grants.rs (Landlock grants, binds),
//!                   report.rs (--dry-run), command.rs (the -- form's config),
//!                   supervision.rs (explain/learn set-up), error.rs (errors, excerpts),
//!                   sandboxed.rs (the effective policy, the final step's restrictions),
//!                   host.rs and host_report.rs (--check-host: probes, verdicts, report)
//! yaml.rs           YAML events → a tree with tags, anchors and positions (Pos)
//! config/           mod.rs (Config, parse), tree.rs (nodes, resources, ResourceId),
//!                   convert.rs (YAML → tree), process.rs (the typed !exec), schema.rs
//! resources.rs      open every resource; the only ambient authority
//! paths.rs          paths inside the sandbox must be absolute and normal
//! plan/             mod.rs (descriptor table, argdata, argv/env), fdmap.rs (rearrangement)
//! sandbox/          mod.rs (prepare, enter), policy/ (model, parse, render), builtins/
//!                   (names, YAML, generated tables), seccomp.rs (compiler), namespaces.rs,
//!                   landlock_rules.rs, privileges.rs, syscalls.rs, notify/ (session,
//!                   learn, decode)
//! exec/             the final step, the supervisor loop, --check-host's trial of a sandbox,
//!                   egress_relay.rs (--net-allow's proxy process)
//! egress/           --net-allow: allow.rs (the decision, pure), proxy.rs (the HTTP proxy),
//!                   socks.rs (its SOCKS5 side)
//! runtime.rs        what the binary's C main needs (allocator, stdio, argv, exit)
//! sys/              raw system calls (private); probe.rs: --check-host's kernel probes
//! ```
//!
//! The modules import each other without a cycle (`tests/module_graph.rs` checks it): a
//! directory's `mod.rs` is its public face, and what it builds on imports its siblings
//! directly (the policy parser's dependencies import `policy::model`, not `policy`).
//!
//! `unsafe` code lives only in `sys` and [`exec`] (enforced: `unsafe_code` is denied
//! everywhere else, test modules excepted), besides the binary's C `main` entry point,
//! which gets what it needs through [`runtime`].

#![deny(unsafe_code)]

pub mod cli;
pub mod config;
pub mod egress;
#[allow(unsafe_code)]
pub mod exec;
pub mod launch;
pub mod paths;
pub mod plan;
pub mod resources;
pub mod runtime;
pub mod sandbox;
pub mod suggest;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub mod yaml;
