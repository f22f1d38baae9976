//! Paths inside the sandbox, as configs and policies write them (`at:`, `cwd:`, a
//! policy's bind targets, tmpfs mounts and symbolic links).
//!
//! caprun creates what these name inside its new root (directories, mount points), and,
//! without a mount namespace, such a path is a host path. A `..` there walks out of the
//! root being built, onto the host (`at: /../proc/self/cwd/x` created directories and
//! files in caprun's own working directory on the host), so every such path must be
//! absolute and normal: `/`, then names, none of them empty, `.` or `..`.

/// Why `path` is not absolute and normal, or `None` when it is.
pub fn not_normal(path: &str) -> Option<&'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Some("is not an absolute path");
    };
    if rest.is_empty() {
        return None;
    }
    for name in rest.split('/') {
        match name {
            "" => return Some("has an empty component (`//`, or a `/` at the end)"),
            "." => return Some("has a `.` component"),
            ".." => return Some("has a `..` component"),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::not_normal;

    #[test]
    fn only_absolute_normal_paths_pass() {
        for ok in ["/", "/srv", "/srv/data", "/a/.b/c..d/...", "/with space/x"] {
            assert_eq!(not_normal(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("srv", "absolute"),
            ("", "absolute"),
            ("./srv", "absolute"),
            ("/../proc/self/cwd/x", "`..`"),
            ("/srv/..", "`..`"),
            ("/srv/./data", "`.`"),
            ("/srv//data", "empty"),
            ("/srv/data/", "empty"),
        ] {
            let reason = not_normal(bad).unwrap_or_else(|| panic!("{bad} passed"));
            assert!(reason.contains(why), "{bad}: {reason}");
        }
    }
}
