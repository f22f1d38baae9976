//! What caprun says about paths when it cannot name them itself: the hint of quiet mode
//! (a failed program, no system call refused) and learning's closing note on paths.

use std::fmt::Write as _;
use std::path::Path;

/// Quiet mode, when the program failed and no system call was refused: a missing grant
/// is the likely cause; `known` lists what caprun already knows to be missing (each a
/// sentence such as "the working directory /src is not granted (--ro . or --rw .)").
pub fn missing_grant(known: &[String]) -> String {
    let mut s = String::from(
        "caprun: the program failed and no system call was refused: a path it needs and was not granted is the likely cause\n",
    );
    for k in known {
        let _ = writeln!(s, "caprun:   {k}");
    }
    s.push_str(
        "caprun: rerun with --explain-denials to name each path it tried and was not granted, with the --ro or --rw that grants it\n",
    );
    s
}

/// Learning's note on paths: how many the policy binds, and those that needed writing
/// (a policy's binds are read-only: the command line grants them).
pub fn learned_paths(bound: usize, written: &[&Path]) -> String {
    let mut s = String::new();
    if bound > 0 {
        let _ = writeln!(
            s,
            "caprun: learned {bound} path{} outside the policy's binds (bound read-only)",
            if bound == 1 { "" } else { "s" }
        );
    }
    if !written.is_empty() {
        let flags: Vec<String> = written
            .iter()
            .map(|p| format!("--rw {}", shell_word(p)))
            .collect();
        let _ = writeln!(
            s,
            "caprun: the program also wrote where it was not granted: run it with {}",
            flags.join(" ")
        );
    }
    s
}

/// `path` as one shell word: as it is when that is safe, else in single quotes.
pub(super) fn shell_word(path: &Path) -> String {
    let s = path.to_string_lossy();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c));
    if plain {
        s.into_owned()
    } else if s.chars().any(char::is_control) {
        // ANSI-C quoting: nothing reaches the terminal as a control character.
        let mut w = String::from("$'");
        for c in s.chars() {
            match c {
                '\'' | '\\' => {
                    w.push('\\');
                    w.push(c);
                }
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(w, "\\x{b:02x}");
                    }
                }
                c => w.push(c),
            }
        }
        w.push('\'');
        w
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `path` for a message or a comment: control characters as `\xNN`.
pub(super) fn shown(path: &Path) -> String {
    let mut w = String::new();
    for c in path.to_string_lossy().chars() {
        if c.is_control() {
            let _ = write!(w, "\\x{:02x}", u32::from(c));
        } else {
            w.push(c);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_what_is_known_and_the_option() {
        let h = missing_grant(&["the working directory /src is not granted".into()]);
        assert!(h.contains("no system call was refused"), "{h}");
        assert!(h.contains("caprun:   the working directory /src"), "{h}");
        assert!(h.contains("--explain-denials"), "{h}");
        let n = learned_paths(2, &[Path::new("/srv/out")]);
        assert!(n.contains("learned 2 paths"), "{n}");
        assert!(n.contains("--rw /srv/out"), "{n}");
        assert_eq!(learned_paths(0, &[]), "");
        assert_eq!(shell_word(Path::new("/a b/it's")), "'/a b/it'\\''s'");
        assert_eq!(shell_word(Path::new("/a\nb")), "$'/a\\x0ab'");
        assert_eq!(shown(Path::new("/a\x1b[2Jb")), "/a\\x1b[2Jb");
    }
}
