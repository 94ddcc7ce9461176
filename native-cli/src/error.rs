//! The CLI's error: a message and an exit code (1: bad input or failed analysis).

use std::fmt;

/// An error to print before exiting with status 1.
#[derive(Debug)]
pub struct CliError {
    message: String,
}

impl CliError {
    /// An I/O failure while doing `what`.
    pub fn io(what: &str, e: std::io::Error) -> Self {
        CliError {
            message: format!("{what}: {e}"),
        }
    }

    /// Anything else.
    pub fn msg(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
        }
    }
}

impl From<scopekit_core::Error> for CliError {
    fn from(e: scopekit_core::Error) -> Self {
        CliError::msg(e.to_string())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
