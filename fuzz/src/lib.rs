//! Helpers shared by the fuzz targets of `scopekit-core`'s format readers.
//!
//! Every target reads its input as `[cut_lo, cut_hi, stride, flags, extra] ++ file`: the first
//! [`CONTROL`] bytes say how to cut `file` into the chunks that are pushed (so chunk
//! boundaries get fuzzed as well as content) and pick variants of the API; the rest is the
//! file. The property checked is only: no panic, no abort, no runaway memory or time. Every
//! `Result` is ignored.
//!
//! A VCD read as samples costs time and memory in proportion to its time span × the sample
//! rate × its variables, which the file's size does not bound (the resampler allows up to
//! 2^32 samples per channel; the statistics kernel keeps up to 2^25 values per channel for
//! its percentiles, and a conversion's output of one push is buffered until drained). The
//! targets therefore sample a VCD only when that product stays within [`VCD_BUDGET`]
//! ([`Input::vcd_rate`]), so that a failure means a bug, not a run as long as asked for.

use scopekit_core::formats::vcd::{ChangeSink, Timescale, Value, VcdHeader, VcdReader};
use scopekit_core::{Block, BlockSink, Layout, Result};

/// Number of control bytes before the file.
pub const CONTROL: usize = 5;

/// A sink that accepts every block.
pub struct Discard;

impl BlockSink for Discard {
    fn begin(&mut self, _: Layout) -> Result<()> {
        Ok(())
    }
    fn block(&mut self, _: Block<'_>) -> Result<()> {
        Ok(())
    }
}

/// Most samples, over all channels, that a target has a VCD sampled into.
pub const VCD_BUDGET: f64 = (1u64 << 20) as f64;

/// What sampling a VCD would cover: its variables, timescale and time stamps.
#[derive(Default)]
struct Span {
    vars: usize,
    timescale: Option<Timescale>,
    first: Option<u64>,
    last: u64,
}

impl ChangeSink for Span {
    fn header(&mut self, header: &VcdHeader) -> Result<()> {
        self.vars = header.vars.len();
        self.timescale = header.timescale;
        Ok(())
    }
    fn time(&mut self, time: u64) -> Result<()> {
        self.first.get_or_insert(time);
        self.last = self.last.max(time);
        Ok(())
    }
    fn change(&mut self, time: u64, _: usize, _: Value<'_>) -> Result<()> {
        self.time(time)
    }
}

/// A fuzz input split into control bytes and the file.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Where the first chunk ends (taken modulo the length of what is cut, plus one).
    cut: usize,
    /// Size of the chunks after the first one; 0 pushes the rest whole.
    stride: usize,
    /// Free bits for the target to pick API variants with.
    pub flags: u8,
    /// More free bits (the sample rate of a VCD read as samples, see [`Input::vcd_rate`]).
    pub extra: u8,
    /// The file.
    pub file: &'a [u8],
}

impl<'a> Input<'a> {
    /// Split `data`; inputs shorter than [`CONTROL`] give an empty file.
    pub fn new(data: &'a [u8]) -> Self {
        let mut control = [0u8; CONTROL];
        let n = data.len().min(CONTROL);
        control[..n].copy_from_slice(&data[..n]);
        Input {
            cut: usize::from(u16::from_le_bytes([control[0], control[1]])),
            stride: usize::from(control[2]),
            flags: control[3],
            extra: control[4],
            file: &data[n..],
        }
    }

    /// A VCD sampling rate picked by `extra`: none (bit 3 clear), or a plausible, huge or
    /// invalid number of samples per second, within [`Input::bounded_rate`].
    pub fn vcd_rate(&self) -> Option<f64> {
        const RATES: [f64; 8] = [1.0, 1e3, 1e6, 1e9, 0.0, -1.0, f64::NAN, f64::INFINITY];
        if self.extra & 8 == 0 {
            return None;
        }
        self.bounded_rate(RATES[usize::from(self.extra & 7)])
    }

    /// `rate`, unless the file is a VCD that sampled at `rate` gives more than
    /// [`VCD_BUDGET`] samples (counted up to where its parsing stops, error or not).
    pub fn bounded_rate(&self, rate: f64) -> Option<f64> {
        let mut span = Span::default();
        let mut reader = VcdReader::new();
        if reader.push(self.file, &mut span).is_ok() {
            let _ = reader.finish(&mut span);
        }
        let (Some(ts), Some(first)) = (span.timescale, span.first) else {
            return Some(rate);
        };
        let seconds = ts.seconds(span.last.saturating_sub(first));
        let samples = (seconds * rate + 1.0) * span.vars.max(1) as f64;
        (samples.is_nan() || samples <= VCD_BUDGET).then_some(rate)
    }

    /// The file's length as a `u64`.
    pub fn len(&self) -> u64 {
        self.file.len() as u64
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }

    /// The whole file in chunks.
    pub fn pieces(&self) -> Pieces<'a> {
        self.pieces_of(self.file)
    }

    /// `bytes` in chunks: `bytes[..cut]` (possibly empty), then the rest whole or in
    /// `stride`-byte pieces. Concatenated they are exactly `bytes`.
    pub fn pieces_of<'b>(&self, bytes: &'b [u8]) -> Pieces<'b> {
        let cut = self.cut % (bytes.len() + 1);
        Pieces {
            first: Some(&bytes[..cut]),
            rest: &bytes[cut..],
            stride: self.stride,
        }
    }
}

/// The chunks of [`Input::pieces_of`].
pub struct Pieces<'b> {
    first: Option<&'b [u8]>,
    rest: &'b [u8],
    stride: usize,
}

impl<'b> Iterator for Pieces<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        if self.rest.is_empty() {
            return None;
        }
        let n = match self.stride {
            0 => self.rest.len(),
            s => s.min(self.rest.len()),
        };
        let (piece, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(piece)
    }
}
