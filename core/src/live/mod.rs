//! Live capture parsing: the pure parts of `scopekit capture`, usable from wasm (Web Serial)
//! as well as from the native CLI. Bytes go in as they arrive, in chunks of any size; rows
//! and statistics come out. Nothing here reads a clock: the caller passes arrival times.
//!
//! Vocabulary:
//! - A **row** is one sample of every channel, as `f64` values in channel order.
//! - A **binary stream** is interleaved little- or big-endian samples ([`SampleDecoder`]):
//!   row `n` is `channels` consecutive samples.
//! - A **line** ends at `\n` (a `\r` before it is dropped, [`LineSplitter`]). A **CSV line**
//!   holds numeric fields ([`FieldParser`]); a **header line** names them; a **malformed
//!   line** is counted, never recorded.
//! - A **derived channel** is an expression over channels ([`Expr`]); an **alert** is a
//!   comparison of two expressions ([`Alert`]), counted on each false → true change.
//! - **Rolling statistics** cover the last `window` samples of each channel
//!   ([`RollingStats`]); **gap statistics** are a log-bucket histogram of the time between
//!   arriving bytes ([`GapHistogram`]).
//!
//! Splitting the input differently never changes the rows, lines or counts produced.

mod binary;
mod expr;
mod lines;
mod recorder;
mod stats;

pub use binary::{SampleDecoder, SampleType, MAX_LIVE_CHANNELS};
pub use expr::{Alert, Compare, Expr, MAX_EXPR_LEN};
pub use lines::{nmea_checksum, FieldParser, LineSplitter, NmeaCheck, Parsed, MAX_LINE_LEN};
pub use recorder::{
    Counts, Event, Recorder, RecorderConfig, RecorderError, Setting, StreamKind, MAX_EXPRESSIONS,
    MAX_STATS_VALUES, MAX_WINDOW,
};
pub use stats::{ChannelSummary, GapHistogram, RollingStats};

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
