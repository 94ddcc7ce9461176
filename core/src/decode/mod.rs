//! Protocol decoders over logic transitions ([`crate::logic::Decode`]): UART, SPI, I2C and
//! CAN / CAN-FD. Each matches sigrok's decoder of the same name sample for sample on the real
//! captures in `shared/data/sigrok` (see each module for the definitions it follows).

mod any;
pub mod can;
mod feed;
pub mod first;
pub mod fused;
#[cfg(test)]
pub(crate) mod golden;
pub mod i2c;
mod job;
pub mod parts;
pub mod spi;
mod stats;
pub mod uart;

pub use any::{AnyDecoder, AnyFrame, ProtocolConfig};
pub use feed::DecodeSink;
pub use job::{decode_archive, DecodeJob, DecodeTail, Levels, Wire};
pub use parts::{decode_from_sync, PartDecoder, Resync};
pub use stats::{FrameStats, FrameStatsBuilder};

/// What every decoded frame tells the statistics, the tables and the waveform viewer.
pub trait Span {
    /// First and last sample of the frame (both inclusive, as sigrok prints them).
    fn span(&self) -> (u64, u64);
    /// Whether the frame carries a protocol error (framing, parity, stuffing, CRC, NACK is
    /// not an error).
    fn has_error(&self) -> bool;
    /// Which independent stream the frame belongs to (UART RX 0 / TX 1); gaps are measured
    /// within a lane.
    fn lane(&self) -> usize {
        0
    }
}
