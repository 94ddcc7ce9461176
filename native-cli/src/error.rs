//! The CLI's error: a message and an exit code (1: bad input or failed analysis).

use std::fmt;

/// An error to print before exiting with status 1 (2 for usage errors).
#[derive(Debug)]
pub struct CliError {
    message: String,
    usage: bool,
}

impl CliError {
    /// An I/O failure while doing `what`.
    pub fn io(what: &str, e: std::io::Error) -> Self {
        CliError {
            message: format!("{what}: {e}"),
            usage: false,
        }
    }

    /// Anything else.
    pub fn msg(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            usage: false,
        }
    }

    /// A usage error (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            usage: true,
        }
    }

    /// The same error said about `what` (e.g. a file): `what: message`; a usage error
    /// stays one.
    pub fn about(self, what: impl fmt::Display) -> Self {
        CliError {
            message: format!("{what}: {}", self.message),
            usage: self.usage,
        }
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        if self.usage {
            2
        } else {
            1
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
