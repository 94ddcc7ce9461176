//! LeCroy `.trc` waveforms (descriptor template `LECROY_2_3`) as an incremental parser.
//!
//! Vocabulary, from the template the oscilloscope returns to `TMPL?` (LeCroy remote control
//! manuals, appendix "Waveform Template"):
//!
//! - An optional **block header** comes first: IEEE 488.2 `#<n>` followed by `n` ASCII digits
//!   giving the byte count of what follows (`#9000001350` in files saved by the scope), possibly
//!   after a remote-command echo such as `C1:WF ALL,`. Anything up to [`MAX_PREFIX`] bytes is
//!   accepted before the descriptor.
//! - The **descriptor** `WAVEDESC` (346 bytes in `LECROY_2_x`) starts with the text
//!   `WAVEDESC`. Every offset in it is relative to that text. `COMM_ORDER` (0 = big-endian
//!   "HIFIRST", 1 = little-endian "LOFIRST") sets the byte order of every multi-byte field and
//!   sample; `COMM_TYPE` (0 = `byte`, 1 = `word`) makes samples `int8` or `int16`.
//! - **Blocks** follow in this order, each with its length in bytes in the descriptor:
//!   `WAVE_DESCRIPTOR` (the descriptor itself), `USER_TEXT`, `RES_DESC1`, `TRIGTIME_ARRAY`,
//!   `RIS_TIME_ARRAY`, `RES_ARRAY1`, `WAVE_ARRAY_1`, `WAVE_ARRAY_2`, `RES_ARRAY2`, `RES_ARRAY3`.
//!   The user text and reserved blocks are skipped. `TRIGTIME_ARRAY` holds, per segment of a
//!   sequence acquisition, `TRIGGER_TIME` (f64, seconds from the first trigger to this one) and
//!   `TRIGGER_OFFSET` (f64, seconds from this trigger to the segment's first sample).
//!   `RIS_TIME_ARRAY` holds one `RIS_OFFSET` (f64) per random-interleaved sweep.
//!   `WAVE_ARRAY_1` holds the samples of all segments one after another. `WAVE_ARRAY_2` (the
//!   second array of extrema, complex or peak-detect records) is skipped.
//! - **Values**: `volts = VERTICAL_GAIN * raw - VERTICAL_OFFSET` (the float32 gain and offset
//!   widened to f64). **Time** of sample `i` of segment `k`, relative to that segment's
//!   trigger: `TRIGGER_OFFSET[k] + i * HORIZ_INTERVAL`; without a trigger-time array
//!   `HORIZ_OFFSET` stands for the offset (for a single segment the two are the same).
//!   `HORIZ_INTERVAL` *is* the sampling interval: the last of `n` samples is at
//!   `(n - 1) * HORIZ_INTERVAL` after the first.
//!
//! [`TrcReader`] emits one channel (the trace) in volts; sample indices run across segments.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crate::kernel::{Block, BlockSink};
use crate::{Error, Result};

#[path = "trc_header.rs"]
mod header;

use header::{block_header_len, parse_descriptor, DATA, RIS_TIME, TRIGTIME};
pub use header::{
    TrcBlockLengths, TrcHeader, TrcTimeStamp, TrcTrigger, BLOCK_NAMES, DESCRIPTOR_LEN,
    DESCRIPTOR_NAME, MAX_RIS_TIME_LEN, MAX_TRIGTIME_LEN,
};

/// Most bytes accepted before `WAVEDESC` (block header, remote-command echo).
pub const MAX_PREFIX: usize = 64;
/// Samples decoded per emitted block.
const SCRATCH: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for `WAVEDESC` in the first bytes.
    Prefix,
    /// Collecting the descriptor.
    Descriptor,
    /// Inside block `i` of [`BLOCK_NAMES`] (`WAVE_DESCRIPTOR` resumes after the fields read).
    Block(usize),
    /// After the last block.
    Done,
}

/// Incremental `.trc` parser: push bytes, receive blocks of samples in volts (one channel).
///
/// The layout goes to the sink when the first sample is reached, so the header (see
/// [`TrcReader::header`]) then holds the trigger-time and RIS arrays too.
pub struct TrcReader {
    state: State,
    /// Absolute offset of the next byte to be pushed.
    offset: u64,
    /// Prefix bytes (at most `MAX_PREFIX + 8`), then the descriptor (`DESCRIPTOR_LEN`).
    buf: Vec<u8>,
    wavedesc_offset: u64,
    /// The byte count of a block header found before `WAVEDESC`.
    block_header_len: Option<u64>,
    header: Option<TrcHeader>,
    /// Bytes consumed of the current block.
    pos: u64,
    /// The first bytes of an array entry or sample split across pushes.
    carry: [u8; 16],
    carry_len: usize,
    /// Index of the next sample.
    elem: u64,
    began: bool,
    trailing: u64,
    scratch: Vec<f64>,
}

impl Default for TrcReader {
    fn default() -> Self {
        Self::new()
    }
}

impl TrcReader {
    /// A reader expecting the start of a `.trc` file.
    pub fn new() -> Self {
        TrcReader {
            state: State::Prefix,
            offset: 0,
            buf: Vec::new(),
            wavedesc_offset: 0,
            block_header_len: None,
            header: None,
            pos: 0,
            carry: [0; 16],
            carry_len: 0,
            elem: 0,
            began: false,
            trailing: 0,
            scratch: Vec::new(),
        }
    }

    /// The header, once the descriptor is parsed (the trigger-time and RIS arrays fill up as
    /// their bytes arrive).
    pub fn header(&self) -> Option<&TrcHeader> {
        self.header.as_ref()
    }

    /// Bytes seen after the last block so far (ignored).
    pub fn trailing_bytes(&self) -> u64 {
        self.trailing
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, mut bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        loop {
            self.settle(sink)?;
            if bytes.is_empty() {
                return Ok(());
            }
            bytes = self.step(bytes, sink)?;
        }
    }

    /// Check that the input was complete and return the header.
    pub fn finish(self) -> Result<TrcHeader> {
        let expected = match (self.state, self.header) {
            (State::Done, Some(h)) => return Ok(h),
            (State::Block(i), Some(h)) if i == DATA => {
                format!("{} (got {} samples)", h.missing(DATA), self.elem)
            }
            (State::Block(i), Some(h)) => h.missing(i),
            (State::Descriptor, _) => format!(
                "the {DESCRIPTOR_LEN}-byte WAVEDESC descriptor from byte {}",
                self.wavedesc_offset
            ),
            _ => "the descriptor name WAVEDESC that starts a LeCroy .trc file".to_string(),
        };
        Err(Error::Truncated {
            offset: self.offset,
            expected,
        })
    }

    /// Whether every byte before the first sample has been read.
    fn at_data(&self) -> bool {
        matches!(self.state, State::Block(i) if i >= DATA) || self.state == State::Done
    }

    /// Move past complete blocks; announce the layout on reaching the samples.
    fn settle(&mut self, sink: &mut dyn BlockSink) -> Result<()> {
        while let (State::Block(i), Some(h)) = (self.state, &self.header) {
            if i == DATA && !self.began {
                self.began = true;
                self.scratch = vec![0.0; SCRATCH];
                sink.begin(h.layout())?;
            }
            if self.pos < u64::from(h.lengths.in_order()[i]) {
                break;
            }
            self.pos = 0;
            self.state = if i + 1 < BLOCK_NAMES.len() {
                State::Block(i + 1)
            } else {
                State::Done
            };
        }
        Ok(())
    }

    /// Consume some of `bytes` in the current state; return the rest.
    fn step<'b>(&mut self, bytes: &'b [u8], sink: &mut dyn BlockSink) -> Result<&'b [u8]> {
        match self.state {
            State::Prefix => self.push_prefix(bytes),
            State::Descriptor => self.push_descriptor(bytes),
            State::Block(i) => self.push_block(i, bytes, sink),
            State::Done => {
                self.trailing += bytes.len() as u64;
                self.offset += bytes.len() as u64;
                Ok(&[])
            }
        }
    }

    fn push_prefix<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8]> {
        for (k, &b) in bytes.iter().enumerate() {
            self.buf.push(b);
            self.offset += 1;
            if self.buf.ends_with(DESCRIPTOR_NAME) {
                let at = self.buf.len() - DESCRIPTOR_NAME.len();
                self.wavedesc_offset = at as u64;
                self.block_header_len = block_header_len(&self.buf[..at]);
                self.buf.drain(..at);
                self.state = State::Descriptor;
                return Ok(&bytes[k + 1..]);
            }
            if self.buf.len() == MAX_PREFIX + DESCRIPTOR_NAME.len() {
                let shown: String = self.buf[..16]
                    .iter()
                    .flat_map(|&c| core::ascii::escape_default(c))
                    .map(char::from)
                    .collect();
                return Err(Error::Malformed {
                    offset: 0,
                    expected: format!(
                        "the descriptor name WAVEDESC within the first {MAX_PREFIX} bytes"
                    ),
                    found: format!("\"{shown}…\" without it"),
                });
            }
        }
        Ok(&[])
    }

    fn push_descriptor<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8]> {
        let take = (DESCRIPTOR_LEN - self.buf.len()).min(bytes.len());
        self.buf.extend_from_slice(&bytes[..take]);
        self.offset += take as u64;
        if let Ok(d) = <&[u8; DESCRIPTOR_LEN]>::try_from(self.buf.as_slice()) {
            let header = parse_descriptor(d, self.wavedesc_offset, self.block_header_len)?;
            self.header = Some(header);
            self.buf = Vec::new();
            self.pos = DESCRIPTOR_LEN as u64;
            self.state = State::Block(0);
        }
        Ok(&bytes[take..])
    }

    fn push_block<'b>(
        &mut self,
        i: usize,
        bytes: &'b [u8],
        sink: &mut dyn BlockSink,
    ) -> Result<&'b [u8]> {
        let Some(h) = self.header.as_mut() else {
            unreachable!("a block state without a header");
        };
        let left = u64::from(h.lengths.in_order()[i]) - self.pos;
        let take = left.min(bytes.len() as u64) as usize;
        let (now, rest) = bytes.split_at(take);
        match i {
            TRIGTIME | RIS_TIME => {
                let (size, big) = (if i == TRIGTIME { 16 } else { 8 }, h.dtype.big_endian);
                for &b in now {
                    self.carry[self.carry_len] = b;
                    self.carry_len += 1;
                    if self.carry_len == size {
                        self.carry_len = 0;
                        let f = |k: usize| {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(&self.carry[k..k + 8]);
                            if big {
                                f64::from_be_bytes(a)
                            } else {
                                f64::from_le_bytes(a)
                            }
                        };
                        if i == TRIGTIME {
                            h.triggers.push(TrcTrigger {
                                trigger_time: f(0),
                                trigger_offset: f(8),
                            });
                        } else {
                            h.ris_offsets.push(f(0));
                        }
                    }
                }
            }
            DATA => self.push_data(now, sink)?,
            _ => {}
        }
        self.pos += take as u64;
        self.offset += take as u64;
        Ok(rest)
    }

    /// Decode samples from `bytes`, which lie within `WAVE_ARRAY_1`.
    fn push_data(&mut self, mut bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        let Self {
            header: Some(h),
            carry,
            carry_len,
            elem,
            scratch,
            ..
        } = self
        else {
            unreachable!("data without a header");
        };
        let size = h.dtype.size;
        let mut emit = |raw: &[u8], elem: &mut u64| -> Result<()> {
            for chunk in raw.chunks(SCRATCH * size) {
                let n = chunk.len() / size;
                let out = &mut scratch[..n];
                h.dtype.decode(chunk, out);
                for v in out.iter_mut() {
                    *v = h.volts(*v);
                }
                sink.block(Block {
                    channel: 0,
                    start: *elem,
                    samples: out,
                })?;
                *elem += n as u64;
            }
            Ok(())
        };
        if *carry_len > 0 {
            let take = (size - *carry_len).min(bytes.len());
            carry[*carry_len..*carry_len + take].copy_from_slice(&bytes[..take]);
            *carry_len += take;
            bytes = &bytes[take..];
            if *carry_len < size {
                return Ok(());
            }
            *carry_len = 0;
            let whole = *carry;
            emit(&whole[..size], elem)?;
        }
        let whole = bytes.len() / size * size;
        emit(&bytes[..whole], elem)?;
        let rest = &bytes[whole..];
        carry[..rest.len()].copy_from_slice(rest);
        *carry_len = rest.len();
        Ok(())
    }
}

#[cfg(test)]
#[path = "trc_tests.rs"]
mod tests;
