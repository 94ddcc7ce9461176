//! Interleaved binary samples: bytes in, rows out, whatever the chunking.

use alloc::vec;
use alloc::vec::Vec;

use crate::{Error, Result};

/// Most channels of a live stream (scratch is allocated per channel).
pub const MAX_LIVE_CHANNELS: usize = 256;

/// The sample type of a binary stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleType {
    /// Unsigned 8-bit.
    U8,
    /// Signed 16-bit little-endian.
    I16Le,
    /// Signed 16-bit big-endian.
    I16Be,
    /// Unsigned 16-bit little-endian.
    U16Le,
    /// Signed 32-bit little-endian.
    I32Le,
    /// IEEE float32 little-endian.
    F32Le,
}

impl SampleType {
    /// Parse a name: `u8`, `i16le`, `i16be`, `u16le`, `i32le`, `f32le`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "u8" => SampleType::U8,
            "i16le" => SampleType::I16Le,
            "i16be" => SampleType::I16Be,
            "u16le" => SampleType::U16Le,
            "i32le" => SampleType::I32Le,
            "f32le" => SampleType::F32Le,
            _ => return None,
        })
    }

    /// The name [`SampleType::parse`] takes.
    pub fn name(self) -> &'static str {
        match self {
            SampleType::U8 => "u8",
            SampleType::I16Le => "i16le",
            SampleType::I16Be => "i16be",
            SampleType::U16Le => "u16le",
            SampleType::I32Le => "i32le",
            SampleType::F32Le => "f32le",
        }
    }

    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            SampleType::U8 => 1,
            SampleType::I16Le | SampleType::I16Be | SampleType::U16Le => 2,
            SampleType::I32Le | SampleType::F32Le => 4,
        }
    }

    /// Whether every value is an integer (written without a decimal point).
    pub fn is_integer(self) -> bool {
        self != SampleType::F32Le
    }

    /// Decode one sample from exactly [`SampleType::size`] bytes.
    fn decode(self, b: &[u8]) -> f64 {
        match (self, b) {
            (SampleType::U8, [a]) => f64::from(*a),
            (SampleType::I16Le, [a, b]) => f64::from(i16::from_le_bytes([*a, *b])),
            (SampleType::I16Be, [a, b]) => f64::from(i16::from_be_bytes([*a, *b])),
            (SampleType::U16Le, [a, b]) => f64::from(u16::from_le_bytes([*a, *b])),
            (SampleType::I32Le, [a, b, c, d]) => f64::from(i32::from_le_bytes([*a, *b, *c, *d])),
            (SampleType::F32Le, [a, b, c, d]) => f64::from(f32::from_le_bytes([*a, *b, *c, *d])),
            _ => f64::NAN,
        }
    }
}

/// Decodes interleaved samples into rows; carries an incomplete row across pushes.
#[derive(Debug, Clone)]
pub struct SampleDecoder {
    ty: SampleType,
    channels: usize,
    /// Bytes of the row being completed (less than one row).
    carry: Vec<u8>,
    row: Vec<f64>,
    rows: u64,
}

impl SampleDecoder {
    /// A decoder of `channels` interleaved channels of `ty` (1 to [`MAX_LIVE_CHANNELS`]).
    pub fn try_new(ty: SampleType, channels: usize) -> Result<Self> {
        if channels == 0 || channels > MAX_LIVE_CHANNELS {
            return Err(Error::Config(alloc::format!(
                "a binary stream has 1 to {MAX_LIVE_CHANNELS} channels, not {channels}"
            )));
        }
        Ok(SampleDecoder {
            ty,
            channels,
            carry: Vec::with_capacity(channels * ty.size()),
            row: vec![0.0; channels],
            rows: 0,
        })
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        self.channels * self.ty.size()
    }

    /// Rows decoded so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes of an incomplete row held back.
    pub fn pending_bytes(&self) -> usize {
        self.carry.len()
    }

    /// Forget an incomplete row (after a gap in the stream); returns the bytes dropped.
    pub fn reset(&mut self) -> usize {
        let n = self.carry.len();
        self.carry.clear();
        n
    }

    /// Decode `bytes`, handing every completed row to `out`.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut dyn FnMut(&[f64])) {
        let row_bytes = self.row_bytes();
        if !self.carry.is_empty() {
            let take = (row_bytes - self.carry.len()).min(bytes.len());
            self.carry.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.carry.len() < row_bytes {
                return;
            }
            let carry = core::mem::take(&mut self.carry);
            self.emit(&carry, out);
            self.carry = carry;
            self.carry.clear();
        }
        let mut rows = bytes.chunks_exact(row_bytes);
        for row in &mut rows {
            self.emit(row, out);
        }
        self.carry.extend_from_slice(rows.remainder());
    }

    fn emit(&mut self, row: &[u8], out: &mut dyn FnMut(&[f64])) {
        for (v, b) in self.row.iter_mut().zip(row.chunks_exact(self.ty.size())) {
            *v = self.ty.decode(b);
        }
        self.rows += 1;
        out(&self.row);
    }
}
