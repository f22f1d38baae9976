//! The proxy's own confinement. It runs outside the sandbox with caprun's privileges
//! (often root, on a CI runner) and parses what the sandboxed program sends it, so it
//! gives up what it does not need: Landlock lets it read only the files name resolution
//! reads, and nothing else of the file system (no write, no exec). Best effort: a kernel
//! without Landlock leaves it as it is (its network reach is what the allow list
//! decides, in any case).

use landlock::{
    path_beneath_rules, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    ABI,
};

/// What the system's resolver may read (those that exist).
const RESOLVER_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
];

/// Confine the calling process (and threads it starts afterwards); whether Landlock
/// enforces it (fully or partly).
pub fn confine() -> bool {
    let abi = ABI::V5;
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(RESOLVER_FILES, AccessFs::from_read(abi))))
        .and_then(|r| r.restrict_self());
    matches!(status, Ok(s) if s.ruleset != RulesetStatus::NotEnforced)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Confined, the proxy's process reads /etc/hosts (and resolves a name from it) and
    /// nothing else; the control: the same reads before confinement succeed.
    #[test]
    fn the_proxy_reads_only_what_resolving_needs() {
        let scratch = tempfile::tempdir().unwrap();
        let secret = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(secret.path(), "runner credentials").unwrap();
        assert!(std::fs::read(secret.path()).is_ok(), "control");
        let code = crate::sandbox::testutil::in_child(|| {
            if !confine() {
                return 77;
            }
            if std::fs::read(secret.path()).is_ok() {
                return 1;
            }
            if std::fs::write(scratch.path().join("written"), b"x").is_ok() {
                return 2;
            }
            if std::fs::read("/etc/hosts").is_err() {
                return 3;
            }
            match super::super::proxy::system_resolver("localhost", 80) {
                Ok(a) if !a.is_empty() => 0,
                _ => 4,
            }
        });
        if code == 77 {
            assert!(
                std::env::var_os("CI").is_none(),
                "the CI machine must have Landlock"
            );
            eprintln!("SKIPPED: Landlock is not available here");
            return;
        }
        assert_eq!(code, 0);
    }
}
