//! The CLI's error: a message and an exit code (1: bad input or failed analysis).

use std::fmt;

/// An error to print before exiting with status 1 (2 for usage errors).
#[derive(Debug)]
pub struct CliError {
    message: String,
    usage: bool,
    /// An exit status other than 1/2 (e.g. 3: a regression found by `trace compare`).
    code: Option<u8>,
}

impl CliError {
    /// An I/O failure while doing `what`.
    pub fn io(what: &str, e: std::io::Error) -> Self {
        CliError {
            message: format!("{what}: {e}"),
            usage: false,
            code: None,
        }
    }

    /// Anything else.
    pub fn msg(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            usage: false,
            code: None,
        }
    }

    /// A usage error (exit status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            usage: true,
            code: None,
        }
    }

    /// A finding that ends the run with its own exit status (not a failure to analyse).
    pub fn with_code(message: impl Into<String>, code: u8) -> Self {
        CliError {
            message: message.into(),
            usage: false,
            code: Some(code),
        }
    }

    /// The same error said about `what` (e.g. a file): `what: message`; a usage error
    /// stays one.
    pub fn about(self, what: impl fmt::Display) -> Self {
        CliError {
            message: format!("{what}: {}", self.message),
            ..self
        }
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        if let Some(code) = self.code {
            code
        } else if self.usage {
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
