//! Everything that can stop a launch, the exit status each maps to, and the source line
//! a positioned error points at.

use crate::config::ConfigError;
use crate::exec::ExecError;
use crate::plan::PlanError;
use crate::resources::ResourceError;
use crate::sandbox::{builtins, PolicyError, SandboxError};

use super::supervision::NotifyError;

/// Everything that can stop a launch, with the exit status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request cannot be carried out as given (a command-line mistake).
    #[error("{0}")]
    Usage(String),
    /// The config file cannot be read.
    #[error("{file}: {source}")]
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
    /// Writing a report (`--dry-run`, `--show-policy`) failed.
    #[error("writing the report: {0}")]
    Output(std::io::Error),
    /// `--explain-denials` or `--learn` cannot be used as asked.
    #[error("{0}")]
    Notify(#[from] NotifyError),
}

impl Error {
    /// The exit status: 127 PROGRAM not found, 126 not executable, 125 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Program(ResourceError::ProgramNotFound { .. }) => 127,
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
            Error::Policy(e) if e.pos.line > 0 => Some((e.pos.line, e.pos.col)),
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
    /// The offending source line and a caret line, each ending in a newline.
    pub excerpt: Option<String>,
}

impl Failure {
    /// `error` with its excerpt: from `config_text` (the config being launched), or from
    /// the policy file or built-in policy a policy error names.
    pub fn new(error: Error, config_text: Option<&str>) -> Failure {
        let excerpt = error.position().and_then(|(line, col)| {
            let text = match &error {
                Error::Policy(e) => match e.file.strip_prefix("builtin:") {
                    Some(name) => builtins::text(name).map(str::to_owned),
                    None => std::fs::read_to_string(&e.file).ok(),
                },
                _ => config_text.map(str::to_owned),
            }?;
            excerpt(&text, line, col)
        });
        Failure { error, excerpt }
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

/// Line `line` of `text` and a caret under column `col`, indented, as a compiler shows.
pub fn excerpt(text: &str, line: usize, col: usize) -> Option<String> {
    let index = line.checked_sub(1)?;
    // A position just past the last line (an error at the end of input) shows empty.
    let src = match text.lines().nth(index) {
        Some(src) => src,
        None if index == text.lines().count() => "",
        None => return None,
    };
    let number = line.to_string();
    // The caret lines up under the character: tabs stay tabs.
    let pad: String = src
        .chars()
        .take(col.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Some(format!(
        "  {number} | {src}\n  {} | {pad}^\n",
        " ".repeat(number.len())
    ))
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
}
