//! Everything that can stop a launch, the exit status each maps to, and the source line
//! a positioned error points at.

use crate::config::ConfigError;
use crate::exec::ExecError;
use crate::plan::PlanError;
use crate::resources::ResourceError;
use crate::sandbox::{builtins, PolicyError, SandboxError};

use super::checks::CheckError;
use super::supervision::NotifyError;

/// Everything that can stop a launch, with the exit status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request cannot be carried out as given (a command-line mistake).
    #[error("{0}")]
    Usage(String),
    /// The config file cannot be read.
    #[error("{file}: cannot read the config: {source}")]
    ReadConfig {
        /// The config's name.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The config is invalid.
    #[error("{file}:{source}")]
    Config {
        /// The config's name.
        file: String,
        /// The error, with its position.
        source: ConfigError,
    },
    /// A resource cannot be opened, or PROGRAM cannot be run.
    #[error("{file}:{source}")]
    Resource {
        /// The config's name.
        file: String,
        /// The error, with its position.
        source: ResourceError,
    },
    /// PROGRAM is missing or unusable.
    #[error("{0}")]
    Program(ResourceError),
    /// The policy cannot be loaded.
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// The sandbox cannot be prepared on this host.
    #[error("{0}")]
    Sandbox(#[from] SandboxError),
    /// Preparing the launch failed.
    #[error("{0}")]
    Exec(#[from] ExecError),
    /// An `!exec` value cannot be rendered.
    #[error("{file}:{source}")]
    Plan {
        /// The config's name.
        file: String,
        /// The error, with its position.
        source: PlanError,
    },
    /// The final step would fail: checked before anything is kept.
    #[error("{}{source}", if source.pos().is_some() { format!("{file}:") } else { String::new() })]
    Check {
        /// The config's name.
        file: String,
        /// What would fail.
        source: CheckError,
    },
    /// Writing a report (`--dry-run`, `--show-policy`) failed.
    #[error("writing the report: {0}")]
    Output(std::io::Error),
    /// `--explain-denials` or `--learn` cannot be used as asked.
    #[error("{0}")]
    Notify(#[from] NotifyError),
    /// The egress proxy's report channel cannot be made.
    #[error("egress proxy: {0}")]
    Egress(std::io::Error),
    /// A grant lies beneath a directory granted more, and nothing can keep the inner one
    /// narrower (no mount namespace: Landlock's rights only add up).
    #[error("{0}")]
    NestedGrant(Box<NestedGrant>),
}

/// A grant that cannot stay as narrow as it says: see [`Error::NestedGrant`].
#[derive(Debug, thiserror::Error)]
#[error("{} is granted {inner_mode} beneath {}, which is granted {outer_mode}: policy {policy} has no mount namespace, and Landlock cannot take rights away beneath a directory (grant {} {inner_mode} too, leave the inner grant out, or use a policy with a mount namespace)", inner.display(), outer.display(), outer.display())]
pub struct NestedGrant {
    /// The narrower grant.
    pub inner: std::path::PathBuf,
    /// Its mode.
    pub inner_mode: &'static str,
    /// The directory granted more.
    pub outer: std::path::PathBuf,
    /// Its mode.
    pub outer_mode: &'static str,
    /// The policy.
    pub policy: String,
}

impl Error {
    /// The exit status: 127 PROGRAM (or its ELF interpreter) not found, 126 not
    /// executable (or not with these arguments), 125 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Program(
                ResourceError::ProgramNotFound { .. }
                | ResourceError::InterpreterNotFound { .. }
                | ResourceError::ScriptInterpreter { .. },
            ) => 127,
            Error::Check { source, .. } => source.exit_code(),
            Error::Program(ResourceError::ProgramNotExecutable { .. }) => 126,
            _ => 125,
        }
    }

    /// The 1-based line and column in the config or policy the error points at.
    fn position(&self) -> Option<(usize, usize)> {
        match self {
            Error::Config { source, .. } => source.pos.map(|p| (p.line, p.col)),
            Error::Resource {
                source: ResourceError::At { pos, .. },
                ..
            } => Some((pos.line, pos.col)),
            Error::Plan { source, .. } => Some((source.pos().line, source.pos().col)),
            Error::Check { source, .. } => source.pos().map(|p| (p.line, p.col)),
            Error::Policy(e) => e.pos.map(|p| (p.line, p.col)),
            _ => None,
        }
    }
}

/// A failed launch: the error, and the source line it points at with a caret under the
/// column, when it comes from a config or policy file.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong (one line).
    pub error: Error,
    /// The offending source line and a caret line, and a tip (see
    /// [`Failure::with_hint`]), each ending in a newline.
    pub excerpt: Option<String>,
}

impl Failure {
    /// `error` with its excerpt: from `config_text` (the config being launched), or from
    /// the policy file or built-in policy a policy error names.
    pub fn new(error: Error, config_text: Option<&str>) -> Failure {
        let excerpt = error.position().and_then(|(line, col)| {
            // Borrowed where it can be: a config may be megabytes.
            let text: std::borrow::Cow<'_, str> = match &error {
                Error::Policy(e) => match e.file.strip_prefix("builtin:") {
                    Some(name) => builtins::text(name).map(Into::into),
                    None => std::fs::read_to_string(&e.file).ok().map(Into::into),
                },
                _ => config_text.map(Into::into),
            }?;
            excerpt(&text, line, col)
        });
        Failure { error, excerpt }
    }

    /// The failure with `hint`, a likely cause of the mistake and its fix (one line),
    /// printed last as `  tip: HINT`.
    pub fn with_hint(self, hint: Option<String>) -> Failure {
        let Some(hint) = hint else {
            return self;
        };
        let mut excerpt = self.excerpt.unwrap_or_default();
        excerpt.push_str(&format!("  tip: {hint}\n"));
        Failure {
            excerpt: Some(excerpt),
            ..self
        }
    }

    /// The exit status ([`Error::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.error.exit_code()
    }

    /// What caprun prints: `caprun: ERROR` and the excerpt, newline-terminated.
    pub fn message(&self) -> String {
        format!(
            "caprun: {}\n{}",
            self.error,
            self.excerpt.as_deref().unwrap_or_default()
        )
    }
}

impl From<Error> for Failure {
    /// A failure without an excerpt.
    fn from(error: Error) -> Failure {
        Failure {
            error,
            excerpt: None,
        }
    }
}

/// Most characters of a line an excerpt shows: a longer line is cut to a window around
/// the column, marked with `…` where it is cut.
const EXCERPT_WIDTH: usize = 160;

/// Line `line` of `text` and a caret under column `col`, indented, as a compiler shows.
///
/// Lines are counted as the YAML parser counts them (LF, CR LF or a lone CR end a line),
/// so the caret is under the position whatever the line breaks. `None` for a line the
/// text does not have.
pub fn excerpt(text: &str, line: usize, col: usize) -> Option<String> {
    let index = line.checked_sub(1)?;
    // Walked over, never copied whole: a line may be megabytes long.
    let src = crate::yaml::lines(text).nth(index)?;
    let len = src.chars().count();
    let at = col.saturating_sub(1).min(len);
    let (start, end) = if len <= EXCERPT_WIDTH {
        (0, len)
    } else {
        let end = (at.saturating_sub(EXCERPT_WIDTH / 2) + EXCERPT_WIDTH).min(len);
        (end - EXCERPT_WIDTH, end)
    };
    let mut shown: String = src.chars().skip(start).take(end - start).collect();
    // The caret lines up under the character: tabs stay tabs.
    let mut pad: String = src
        .chars()
        .skip(start)
        .take(at - start)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    if start > 0 {
        shown.insert(0, '…');
        pad.insert(0, ' ');
    }
    if end < len {
        shown.push('…');
    }
    let number = line.to_string();
    Some(format!(
        "  {number} | {shown}\n  {} | {pad}^\n",
        " ".repeat(number.len())
    ))
}

/// An error that points into one config file (its module's error, with a position).
pub(super) trait InFile {
    /// The launch's error, naming `file`.
    fn in_file(self, file: &str) -> Error;
}

impl InFile for ConfigError {
    fn in_file(self, file: &str) -> Error {
        Error::Config {
            file: file.to_owned(),
            source: self,
        }
    }
}

impl InFile for ResourceError {
    fn in_file(self, file: &str) -> Error {
        Error::Resource {
            file: file.to_owned(),
            source: self,
        }
    }
}

impl InFile for PlanError {
    fn in_file(self, file: &str) -> Error {
        Error::Plan {
            file: file.to_owned(),
            source: self,
        }
    }
}

impl InFile for CheckError {
    fn in_file(self, file: &str) -> Error {
        Error::Check {
            file: file.to_owned(),
            source: self,
        }
    }
}

/// `map_err(in_file(&file))`: one helper for every error that names the config file.
pub(super) fn in_file<E: InFile>(file: &str) -> impl Fn(E) -> Error + '_ {
    move |e| e.in_file(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_put_the_caret_under_the_column() {
        let text = "a: 1\nfile: !flie {path: x}\n";
        assert_eq!(
            excerpt(text, 2, 7).unwrap(),
            "  2 | file: !flie {path: x}\n    |       ^\n"
        );
        assert_eq!(
            excerpt("\tx: !y", 1, 5).unwrap(),
            "  1 | \tx: !y\n    | \t   ^\n"
        );
        assert_eq!(excerpt(text, 9, 1), None);
    }

    /// The parser counts a lone CR as a line break: so does the excerpt.
    #[test]
    fn excerpts_count_lines_as_the_parser() {
        let text = "a: 1\rb: !flie x\r\nc: 3\n";
        let e = crate::config::parse(text).unwrap_err();
        let pos = e.pos.unwrap();
        assert_eq!((pos.line, pos.col), (2, 4));
        assert_eq!(
            excerpt(text, pos.line, pos.col).unwrap(),
            "  2 | b: !flie x\n    |    ^\n"
        );
        assert_eq!(excerpt(text, 3, 1).unwrap(), "  3 | c: 3\n    | ^\n");
        assert_eq!(excerpt(text, 4, 1), None);
    }

    /// An error at the end of the input names the last line, which the excerpt shows.
    #[test]
    fn errors_at_the_end_of_the_input_show_the_last_line() {
        for text in ["a: [1, 2\n", "a: [1, 2", "a: [1, 2\r", "x: 1\nb: {c: 1\n\n"] {
            let e = crate::config::parse(text).unwrap_err();
            let pos = e.pos.unwrap();
            let shown = excerpt(text, pos.line, pos.col).expect("an excerpt");
            let last = crate::yaml::lines(text).last().unwrap();
            assert!(shown.contains(&format!("| {last}\n")), "{text:?}: {shown}");
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("[{}, !flie x, {}]", "1, ".repeat(200), "2, ".repeat(200));
        let col = line.find('!').unwrap() + 1;
        let shown = excerpt(&line, 1, col).unwrap();
        let (src, caret) = shown.split_once('\n').unwrap();
        assert!(src.starts_with("  1 | …") && src.ends_with('…'), "{src}");
        assert!(src.chars().count() < EXCERPT_WIDTH + 10);
        // The caret is under the `!`.
        let caret_at = caret.chars().position(|c| c == '^').unwrap();
        assert_eq!(src.chars().nth(caret_at), Some('!'));
        // Near the start, only the end is cut.
        let shown = excerpt(&line, 1, 1).unwrap();
        assert!(
            shown.starts_with("  1 | [1, 1") && shown.contains("…\n"),
            "{shown}"
        );
    }
}
