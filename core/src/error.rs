//! Errors of the core. Bad data is an [`Error`], never a panic; every variant that comes
//! from input names the absolute byte offset where the problem was seen.

use alloc::string::String;

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong while reading or analysing input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes at `offset` are not what the format requires.
    #[error("at byte {offset}: expected {expected}, found {found}")]
    Malformed {
        /// Absolute byte offset of the problem.
        offset: u64,
        /// What the format requires there.
        expected: String,
        /// What the input holds instead.
        found: String,
    },
    /// The input ended before the format said it would.
    #[error("truncated input: expected {expected}, but the input ends at byte {offset}")]
    Truncated {
        /// Absolute byte offset where the input ends.
        offset: u64,
        /// What was still expected.
        expected: String,
    },
    /// Valid input using a feature scopekit does not read.
    #[error("at byte {offset}: unsupported {what}")]
    Unsupported {
        /// Absolute byte offset of the feature.
        offset: u64,
        /// The feature.
        what: String,
    },
    /// A value that would exceed a hard limit (hostile or absurd headers).
    #[error("at byte {offset}: {what} exceeds the limit of {limit}")]
    Limit {
        /// Absolute byte offset of the value.
        offset: u64,
        /// The value that is too large.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// A configuration that cannot work (for example a channel that does not exist).
    #[error("invalid configuration: {0}")]
    Config(String),
}
