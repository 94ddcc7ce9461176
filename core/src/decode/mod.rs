//! Protocol decoders over logic transitions ([`crate::logic::Decode`]): UART, SPI, I2C and
//! CAN / CAN-FD. Each matches sigrok's decoder of the same name sample for sample on the real
//! captures in `shared/data/sigrok` (see each module for the definitions it follows).

#[cfg(test)]
pub(crate) mod golden;
pub mod uart;

/// What every decoded frame tells the statistics, the tables and the waveform viewer.
pub trait Span {
    /// First and last sample of the frame (both inclusive, as sigrok prints them).
    fn span(&self) -> (u64, u64);
    /// Whether the frame carries a protocol error (framing, parity, stuffing, CRC, NACK is
    /// not an error).
    fn has_error(&self) -> bool;
}
