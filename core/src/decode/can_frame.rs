//! The settings and the output of the CAN decoder ([`super::CanDecoder`]).

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::decode::Span;
use crate::{Error, Result};

/// Settings of the CAN decoder (sigrok's option names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CanConfig {
    /// Bit rate of the arbitration phase (and of whole classic frames), bit/s.
    pub nominal_bitrate: u32,
    /// Bit rate of the CAN FD data phase when BRS is set, bit/s.
    pub fast_bitrate: u32,
    /// Sample point in percent of the bit time (exclusive 0..100).
    pub sample_point: f64,
}

impl Default for CanConfig {
    fn default() -> Self {
        CanConfig {
            nominal_bitrate: 1_000_000,
            fast_bitrate: 2_000_000,
            sample_point: 70.0,
        }
    }
}

impl CanConfig {
    /// Check the settings against the sample rate (Hz).
    ///
    /// # Errors
    /// [`Error::Config`] if the sample rate is missing, a bit rate is zero or above half the
    /// sample rate, or the sample point is not strictly between 0 and 100 %.
    pub fn validate(&self, samplerate: f64) -> Result<()> {
        let bad = |m: alloc::string::String| Err(Error::Config(m));
        if !(samplerate.is_finite() && samplerate > 0.0) {
            return bad(alloc::format!("can needs a sample rate, got {samplerate}"));
        }
        for (name, rate) in [
            ("nominal_bitrate", self.nominal_bitrate),
            ("fast_bitrate", self.fast_bitrate),
        ] {
            if rate == 0 || f64::from(rate) > samplerate / 2.0 {
                return bad(alloc::format!(
                    "can {name} {rate} must be between 1 and half the sample rate ({samplerate} Hz)"
                ));
            }
        }
        if !(self.sample_point > 0.0 && self.sample_point < 100.0) {
            return bad(alloc::format!(
                "can sample_point must be between 0 and 100 %, got {}",
                self.sample_point
            ));
        }
        Ok(())
    }
}

/// What a [`CanFrame`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanFrameKind {
    /// Data frame (classic or FD).
    Data,
    /// Remote frame (classic only: RTR recessive).
    Remote,
    /// Error frame: error flag (dominant bits) and error delimiter.
    Error,
    /// Overload frame: like an error frame, starting in the first two intermission bits.
    Overload,
}

/// One field of a frame, with the range sigrok gives its annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanField {
    /// Which field.
    pub kind: CanFieldKind,
    /// First sample.
    pub start: u64,
    /// Last sample as sigrok prints it.
    pub end: u64,
    /// The field's bits as a number (MSB first): the bit, the identifier, the DLC, the data
    /// byte, sigrok's CRC sequence bits; 0 for EOF and error-frame parts.
    pub value: u64,
}

/// The fields of a frame, named like sigrok's annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanFieldKind {
    /// Start of frame.
    Sof,
    /// Base identifier (11 bits).
    Id,
    /// Identifier extension bit.
    Ide,
    /// Extended identifier (the 18 low bits of a 29-bit id; sigrok's `ext-id` and `full-id`).
    ExtId,
    /// Substitute remote request (extended frames; bit 12 of CAN FD base frames, which sigrok
    /// annotates in its `rtr` class).
    Srr,
    /// Remote transmission request.
    Rtr,
    /// Flexible data format bit (CAN FD).
    Fdf,
    /// Reserved bit 0 (classic base frames, all extended frames).
    Rb0,
    /// Reserved bit 1 (extended frames; in CAN FD the RRS bit, sigrok's RB1).
    Rb1,
    /// Reserved bit after FDF in CAN FD base frames (sigrok's R0).
    R0,
    /// Bit rate switch (CAN FD).
    Brs,
    /// Error state indicator (CAN FD).
    Esi,
    /// Data length code.
    Dlc,
    /// One data byte.
    Data,
    /// CRC sequence (sigrok's range and bits; CAN FD: stuff count and fixed stuff bits too).
    CrcSequence,
    /// CRC delimiter.
    CrcDelimiter,
    /// ACK slot (value 0 = acknowledged).
    AckSlot,
    /// ACK delimiter.
    AckDelimiter,
    /// End of frame.
    Eof,
    /// Error or overload flag (dominant bits).
    ErrorFlag,
    /// Error or overload delimiter (8 recessive bits).
    ErrorDelimiter,
}

/// A problem with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanError {
    /// Six equal bits where a stuff bit was due, or a wrong CAN FD fixed stuff bit.
    StuffError,
    /// The transmitted CRC differs from the computed one.
    CrcMismatch,
    /// The CAN FD stuff count (or its parity) differs from the count of stuff bits.
    StuffCountMismatch,
    /// A fixed-form bit (CRC delimiter, ACK delimiter, EOF) was dominant.
    FormError,
    /// Nobody acknowledged the frame (recessive ACK slot); not a protocol error by itself.
    MissingAck,
    /// Identifier bits 10..4 all recessive (not allowed in a base identifier).
    InvalidId,
    /// The capture ended inside the frame.
    Truncated,
}

/// One decoded CAN item: a data, remote, error or overload frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanFrame {
    /// First sample (start of sigrok's SOF annotation, or of the error flag).
    pub start: u64,
    /// Last sample (end of sigrok's EOF annotation, or of the last bit read).
    pub end: u64,
    /// Data, remote, error or overload frame.
    pub kind: CanFrameKind,
    /// Identifier: 11 bits, or 29 bits when `extended`.
    pub id: u32,
    /// 29-bit identifier (IDE recessive).
    pub extended: bool,
    /// Remote frame.
    pub rtr: bool,
    /// CAN FD frame (FDF recessive).
    pub fd: bool,
    /// CAN FD bit rate switch.
    pub brs: bool,
    /// CAN FD error state indicator (recessive = error passive).
    pub esi: bool,
    /// Data length code.
    pub dlc: u8,
    /// Data bytes.
    pub data: Vec<u8>,
    /// Transmitted CRC (15, 17 or 21 bits).
    pub crc: u32,
    /// Whether the CRC (and for CAN FD the stuff count) is right.
    pub crc_ok: bool,
    /// Whether the ACK slot was dominant.
    pub ack: bool,
    /// The fields, in sigrok's annotation order.
    pub fields: Vec<CanField>,
    /// Problems found; empty means OK.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<CanError>,
}

impl CanFrame {
    pub(super) fn empty(start: u64, kind: CanFrameKind) -> Self {
        CanFrame {
            start,
            end: start,
            kind,
            id: 0,
            extended: false,
            rtr: false,
            fd: false,
            brs: false,
            esi: false,
            dlc: 0,
            data: Vec::new(),
            crc: 0,
            crc_ok: false,
            ack: false,
            fields: Vec::new(),
            errors: Vec::new(),
        }
    }
}

impl Span for CanFrame {
    fn span(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    fn has_error(&self) -> bool {
        matches!(self.kind, CanFrameKind::Error)
            || self.errors.iter().any(|e| *e != CanError::MissingAck)
    }
}
