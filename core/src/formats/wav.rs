//! WAV captures (RIFF/WAVE, and RF64/BW64 for captures beyond 4 GiB) as an incremental
//! parser.
//!
//! Vocabulary:
//! - A **chunk** is a 4-byte id, a 4-byte little-endian size and that many bytes of body,
//!   plus one pad byte when the size is odd. A file is the 12-byte header (`RIFF`, size,
//!   `WAVE`) followed by chunks: `fmt ` describes the samples, `data` holds them, every
//!   other chunk (`LIST`, `fact`, `cue `, `bext`, `JUNK`…) is skipped by counting its bytes.
//! - A **frame** is one sample of every channel, `block_align` bytes; channels interleave.
//! - A **container** is the bytes one sample occupies (`bits_per_sample / 8` rounded up).
//!   Integer samples with fewer valid bits than the container hold them in its most
//!   significant bits, the rest zero (RIFF MCI spec 1.0, "Data Format of the Samples";
//!   `WAVEFORMATEXTENSIBLE.wValidBitsPerSample`).
//! - **RF64** (EBU Tech 3306) and **BW64** (ITU-R BS.2088) put 64-bit sizes in a `ds64`
//!   chunk first after the header; a 32-bit size of `0xFFFFFFFF` then means "see `ds64`".
//! - An **open-ended** `data` chunk runs until the end of the input: what a recorder writes
//!   when it streams and never goes back to fill in the sizes (`0xFFFFFFFF`, or 0 with a
//!   RIFF size of 0 or `0xFFFFFFFF`).
//!
//! # Sample values
//! Integer samples are emitted as the **raw integer the container holds**, as an `f64`
//! (exact up to 32-bit containers; 64-bit values beyond 2^53 round), like
//! `scipy.io.wavfile.read` without its 24-bit left shift: a 16-bit sample of `-1234` comes
//! out as `-1234.0`, a 24-bit one as the 24-bit value. A scope keeps ADC codes, not a
//! rescaled copy; [`WavHeader::full_scale`] is the factor to ±1.0 full scale
//! (`2^-(container bits - 1)`). The one exception is 8-bit PCM, which WAV stores unsigned
//! with silence at 128: it is emitted centred (`byte - 128`, in `-128..=127`) so that every
//! integer depth has silence at 0 and converts with the same factor (as hound does).
//! Float samples are emitted as stored (full scale ±1.0).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::dtype::{Dtype, DtypeKind};
use crate::kernel::{Block, BlockSink};
use crate::{Error, Result};

#[path = "wav_header.rs"]
mod header;

pub use crate::kernel::UNKNOWN_SAMPLES;
use header::{malformed, parse_ds64, parse_fmt, u32_at, unsupported, Ds64, DS64_FIXED, FMT_KEEP};
pub use header::{
    SampleFormat, WavContainer, WavHeader, MAX_DS64_TABLE, SUBTYPE_TAIL, WAVE_FORMAT_EXTENSIBLE,
    WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_PCM,
};

/// Samples decoded per emitted block (more when one frame has more channels).
const SCRATCH: usize = 4096;

/// How one sample is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// 8-bit unsigned, emitted centred.
    U8,
    /// 24-bit signed, no primitive type.
    I24,
    /// Anything [`Dtype`] decodes.
    Prim(Dtype),
}

impl Encoding {
    fn from(format: SampleFormat, bytes: u16) -> Option<Self> {
        let prim = |kind, size| {
            Some(Encoding::Prim(Dtype {
                kind,
                size,
                big_endian: false,
            }))
        };
        match (format, bytes) {
            (SampleFormat::Int, 1) => Some(Encoding::U8),
            (SampleFormat::Int, 2) => prim(DtypeKind::Int, 2),
            (SampleFormat::Int, 3) => Some(Encoding::I24),
            (SampleFormat::Int, 4) => prim(DtypeKind::Int, 4),
            (SampleFormat::Int, 8) => prim(DtypeKind::Int, 8),
            (SampleFormat::Float, 4) => prim(DtypeKind::Float, 4),
            (SampleFormat::Float, 8) => prim(DtypeKind::Float, 8),
            _ => None,
        }
    }

    /// De-interleave `rows` frames of `channels` samples: frame `r`, channel `c` goes to
    /// `out[c * pitch + r]`.
    fn decode_rows(
        self,
        bytes: &[u8],
        channels: usize,
        rows: usize,
        out: &mut [f64],
        pitch: usize,
    ) {
        match self {
            Encoding::Prim(d) => d.decode_rows(bytes, channels, rows, out, pitch),
            Encoding::U8 => {
                let d = Dtype {
                    kind: DtypeKind::UInt,
                    size: 1,
                    big_endian: false,
                };
                d.decode_rows(bytes, channels, rows, out, pitch);
                for c in 0..channels {
                    for x in &mut out[c * pitch..c * pitch + rows] {
                        *x -= 128.0;
                    }
                }
            }
            Encoding::I24 => {
                for c in 0..channels {
                    let dst = &mut out[c * pitch..c * pitch + rows];
                    for (o, frame) in dst.iter_mut().zip(bytes.chunks_exact(3 * channels)) {
                        let b = &frame[3 * c..3 * c + 3];
                        *o = f64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8);
                    }
                }
            }
        }
    }
}

/// What the reader needs per frame, copied out of the header.
#[derive(Debug, Clone, Copy)]
struct FrameLayout {
    encoding: Encoding,
    channels: usize,
    align: usize,
}

/// A chunk being read: its first `keep` body bytes are collected, the rest skipped.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    id: [u8; 4],
    /// Absolute offset of the chunk header.
    at: u64,
    /// Body size.
    size: u64,
    /// Body bytes to collect into `buf` (0 once they are parsed or for skipped chunks).
    keep: usize,
    /// Body and pad bytes still to come.
    left: u64,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Collecting the 12-byte RIFF header.
    Riff,
    /// Collecting an 8-byte chunk header.
    ChunkHeader,
    /// Inside a chunk before the data.
    Body(Chunk),
    /// Decoding the sample data.
    Data,
    /// After the data: the rest of the input is not read.
    Trailer,
}

/// Incremental WAV parser: push bytes, receive per-channel sample blocks.
pub struct WavReader {
    state: State,
    /// Absolute offset of the next byte to be pushed.
    offset: u64,
    /// The total input length, when known: chunks are checked against it as they come.
    file_len: Option<u64>,
    /// Header and chunk bytes collected so far (at most `DS64_FIXED + 12 * MAX_DS64_TABLE`).
    buf: Vec<u8>,
    container: WavContainer,
    riff_len: u64,
    ds64: Option<Ds64>,
    /// The parsed `fmt ` chunk: a header without the data fields.
    fmt: Option<WavHeader>,
    header: Option<WavHeader>,
    layout: Option<FrameLayout>,
    /// Absolute offset where the data ends (`None`: at the end of the input).
    data_end: Option<u64>,
    /// Index of the next frame.
    frame: u64,
    /// The first bytes of a frame split across pushes (capacity `block_align`).
    carry: Vec<u8>,
    scratch: Vec<f64>,
}

impl Default for WavReader {
    fn default() -> Self {
        Self::new()
    }
}

fn id_text(id: &[u8]) -> String {
    if id.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        format!("'{}'", String::from_utf8_lossy(id))
    } else {
        let hex: Vec<String> = id.iter().map(|b| format!("{b:02x}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

impl WavReader {
    /// A reader expecting the start of a WAV file.
    pub fn new() -> Self {
        WavReader {
            state: State::Riff,
            offset: 0,
            file_len: None,
            buf: Vec::new(),
            container: WavContainer::Riff,
            riff_len: 0,
            ds64: None,
            fmt: None,
            header: None,
            layout: None,
            data_end: None,
            frame: 0,
            carry: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Like [`WavReader::new`], for a file known to be `file_len` bytes long: a chunk that
    /// would run past the end fails as soon as its header is read, and an open-ended `data`
    /// chunk gets its length (so `Layout::samples` is known).
    pub fn with_file_len(file_len: u64) -> Self {
        WavReader {
            file_len: Some(file_len),
            ..Self::new()
        }
    }

    /// A reader for the data bytes `start..end` (relative to the start of the data) of a
    /// file whose header is already parsed: the way one file is split across threads. No
    /// `begin` is sent to the sink.
    ///
    /// # Panics
    /// If `start` or `end` is not a multiple of `block_align`, or `start > end`, or `end`
    /// is beyond a known data length.
    pub fn resume(header: WavHeader, start: u64, end: u64) -> Self {
        let align = u64::from(header.block_align);
        assert!(start % align == 0 && end % align == 0 && start <= end);
        assert!(header.data_len.is_none_or(|len| end <= len));
        let mut reader = WavReader::new();
        reader.offset = header.data_offset + start;
        reader.frame = start / align;
        reader.start_data(&header);
        reader.data_end = Some(header.data_offset + end);
        reader.state = if start == end {
            State::Trailer
        } else {
            State::Data
        };
        reader.header = Some(header);
        reader
    }

    /// The header, once the `data` chunk is reached.
    pub fn header(&self) -> Option<&WavHeader> {
        self.header.as_ref()
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, mut bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        while !bytes.is_empty() {
            bytes = self.push_header(bytes, sink)?;
            bytes = self.push_data(bytes, sink)?;
        }
        Ok(())
    }

    /// Check that the input was complete and return the header (with the data length of an
    /// open-ended chunk filled in).
    pub fn finish(self) -> Result<WavHeader> {
        let truncated = |expected: String| Error::Truncated {
            offset: self.offset,
            expected,
        };
        let expected = match self.state {
            State::Data | State::Trailer => {
                let Some(mut h) = self.header else {
                    unreachable!("data state without a header");
                };
                let got = self.offset - h.data_offset;
                match self.data_end {
                    Some(end) if self.offset < end => {
                        return Err(truncated(format!(
                            "{} data bytes from byte {} (got {got})",
                            end - h.data_offset,
                            h.data_offset
                        )))
                    }
                    None if !self.carry.is_empty() => {
                        return Err(truncated(format!(
                            "whole {}-byte frames of open-ended data from byte {} (got {got} \
                             bytes)",
                            h.block_align, h.data_offset
                        )))
                    }
                    None => {
                        h.data_len = Some(got);
                        h.frames = Some(got / u64::from(h.block_align));
                    }
                    Some(_) => {}
                }
                return Ok(h);
            }
            State::Riff => match self.buf.len() {
                0..=3 => "the magic 'RIFF', 'RF64' or 'BW64'",
                4..=7 => "the RIFF size",
                _ => "the form type 'WAVE'",
            }
            .to_string(),
            State::ChunkHeader if self.fmt.is_some() => "the 'data' chunk".to_string(),
            State::ChunkHeader => "the 'fmt ' and 'data' chunks".to_string(),
            State::Body(c) => format!(
                "{} bytes of the {} chunk from byte {}",
                c.size,
                id_text(&c.id),
                c.at + 8
            ),
        };
        Err(truncated(expected))
    }

    /// Run the header states on `bytes`; return what is left once the data starts.
    fn push_header<'b>(
        &mut self,
        mut bytes: &'b [u8],
        sink: &mut dyn BlockSink,
    ) -> Result<&'b [u8]> {
        while !bytes.is_empty() {
            bytes = match self.state {
                State::Riff => self.push_riff(bytes)?,
                State::ChunkHeader => self.push_chunk_header(bytes, sink)?,
                State::Body(c) => self.push_body(bytes, c)?,
                State::Data => return Ok(bytes),
                State::Trailer => {
                    self.offset += bytes.len() as u64;
                    &[]
                }
            };
        }
        Ok(bytes)
    }

    /// Take up to `need - buf.len()` bytes into `buf`.
    fn fill<'b>(&mut self, bytes: &'b [u8], need: usize) -> &'b [u8] {
        let take = need.saturating_sub(self.buf.len()).min(bytes.len());
        self.buf.extend_from_slice(&bytes[..take]);
        self.offset += take as u64;
        &bytes[take..]
    }

    fn push_riff<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8]> {
        const MAGICS: [&[u8; 4]; 3] = [b"RIFF", b"RF64", b"BW64"];
        let mut rest = bytes;
        while self.buf.len() < 12 && !rest.is_empty() {
            let (at, b) = (self.buf.len(), rest[0]);
            if at < 4 {
                let mut prefix = [0u8; 4];
                prefix[..at].copy_from_slice(&self.buf);
                prefix[at] = b;
                if !MAGICS.iter().any(|m| m[..=at] == prefix[..=at]) {
                    if &prefix == b"RIFX" {
                        return Err(unsupported(0, "big-endian RIFX WAV".to_string()));
                    }
                    return Err(malformed(
                        at as u64,
                        "the magic 'RIFF', 'RF64' or 'BW64'",
                        format!("byte 0x{b:02x}"),
                    ));
                }
            } else if at >= 8 && b"WAVE"[at - 8] != b {
                return Err(malformed(
                    at as u64,
                    "the form type 'WAVE'",
                    format!("byte 0x{b:02x}"),
                ));
            }
            self.buf.push(b);
            self.offset += 1;
            rest = &rest[1..];
        }
        if self.buf.len() == 12 {
            self.container = match &self.buf[..4] {
                b"RIFF" => WavContainer::Riff,
                b"RF64" => WavContainer::Rf64,
                _ => WavContainer::Bw64,
            };
            self.riff_len = u64::from(u32_at(&self.buf, 4));
            self.buf.clear();
            self.state = State::ChunkHeader;
        }
        Ok(rest)
    }

    fn push_chunk_header<'b>(
        &mut self,
        bytes: &'b [u8],
        sink: &mut dyn BlockSink,
    ) -> Result<&'b [u8]> {
        let rest = self.fill(bytes, 8);
        if self.buf.len() < 8 {
            return Ok(rest);
        }
        let at = self.offset - 8;
        let id: [u8; 4] = [self.buf[0], self.buf[1], self.buf[2], self.buf[3]];
        let size32 = u32_at(&self.buf, 4);
        self.buf.clear();
        let is_64 = self.container != WavContainer::Riff;
        if is_64 && self.ds64.is_none() && &id != b"ds64" {
            return Err(malformed(
                at,
                "the 'ds64' chunk first in an RF64 file",
                format!("the chunk {}", id_text(&id)),
            ));
        }
        let size = match (&self.ds64, size32) {
            (Some(ds), u32::MAX) if &id == b"data" => ds.data_len,
            (Some(ds), u32::MAX) => match ds.table.iter().find(|(t, _)| *t == id) {
                Some(&(_, size)) => size,
                None => {
                    return Err(malformed(
                        at + 4,
                        format!(
                            "an entry for the chunk {} in the 'ds64' table",
                            id_text(&id)
                        ),
                        "size 0xFFFFFFFF without one",
                    ))
                }
            },
            _ => u64::from(size32),
        };
        if &id == b"data" {
            return self.start_data_chunk(at, size, size32, sink).map(|()| rest);
        }
        let end = (at + 8)
            .checked_add(size)
            .and_then(|e| e.checked_add(size & 1))
            .ok_or_else(|| Error::Limit {
                offset: at + 4,
                what: format!("size {size} of the chunk {}", id_text(&id)),
                limit: u64::MAX,
            })?;
        if let Some(len) = self.file_len {
            if at + 8 + size > len {
                return Err(Error::Truncated {
                    offset: len,
                    expected: format!(
                        "{size} bytes of the {} chunk from byte {}",
                        id_text(&id),
                        at + 8
                    ),
                });
            }
        }
        let (min, keep) = match &id {
            b"fmt " if self.fmt.is_some() => {
                return Err(malformed(at, "one 'fmt ' chunk", "a second one"))
            }
            b"fmt " => (16, FMT_KEEP),
            b"ds64" if is_64 && self.ds64.is_none() => {
                (DS64_FIXED, DS64_FIXED + 12 * MAX_DS64_TABLE)
            }
            _ => (0, 0),
        };
        if size < min {
            return Err(malformed(
                at + 4,
                format!("a {} chunk of at least {min} bytes", id_text(&id)),
                format!("{size} bytes"),
            ));
        }
        let (keep, left) = (size.min(keep) as usize, end - at - 8);
        self.state = match left {
            0 => State::ChunkHeader,
            _ => State::Body(Chunk {
                id,
                at,
                size,
                keep,
                left,
            }),
        };
        Ok(rest)
    }

    fn push_body<'b>(&mut self, bytes: &'b [u8], mut c: Chunk) -> Result<&'b [u8]> {
        let take = c.left.min(bytes.len() as u64) as usize;
        let keep = c.keep.saturating_sub(self.buf.len()).min(take);
        self.buf.extend_from_slice(&bytes[..keep]);
        self.offset += take as u64;
        c.left -= take as u64;
        if c.keep > 0 && self.buf.len() == c.keep {
            let base = c.at + 8;
            match &c.id {
                b"fmt " => self.fmt = Some(parse_fmt(&self.buf, base, c.size)?),
                _ => self.ds64 = Some(parse_ds64(&self.buf, base, c.size)?),
            }
            self.buf.clear();
            c.keep = 0;
        }
        self.state = match c.left {
            0 => State::ChunkHeader,
            _ => State::Body(c),
        };
        Ok(&bytes[take..])
    }

    fn start_data_chunk(
        &mut self,
        at: u64,
        size: u64,
        size32: u32,
        sink: &mut dyn BlockSink,
    ) -> Result<()> {
        let Some(mut h) = self.fmt.clone() else {
            return Err(malformed(
                at,
                "a 'fmt ' chunk before the 'data' chunk",
                "the 'data' chunk",
            ));
        };
        let riff_len = match (&self.ds64, self.riff_len) {
            (Some(ds), 0xFFFF_FFFF) => ds.riff_len,
            _ => self.riff_len,
        };
        let placeholder = |len: u64| len == 0 || len == 0xFFFF_FFFF || len == u64::MAX;
        let open_ended = match self.container {
            WavContainer::Riff => size32 == u32::MAX,
            _ => size == u64::MAX,
        } || (size == 0 && placeholder(riff_len));
        let data_offset = at + 8;
        h.container = self.container;
        h.data_offset = data_offset;
        h.declared_data_len = size;
        h.open_ended = open_ended;
        h.riff_len = riff_len;
        if !open_ended {
            data_offset.checked_add(size).ok_or_else(|| Error::Limit {
                offset: at + 4,
                what: format!("data size {size}"),
                limit: u64::MAX - data_offset,
            })?;
            if size % u64::from(h.block_align) != 0 {
                return Err(malformed(
                    at + 4,
                    format!("a data size of whole {}-byte frames", h.block_align),
                    format!("{size} bytes"),
                ));
            }
            h.data_len = Some(size);
            h.frames = Some(size / u64::from(h.block_align));
            h.riff_len_consistent = !placeholder(riff_len)
                && riff_len.saturating_add(8) >= data_offset + size + (size & 1);
        }
        if let Some(len) = self.file_len {
            h = h.with_file_len(len)?;
        }
        sink.begin(h.layout())?;
        self.start_data(&h);
        self.data_end = h.data_len.map(|len| data_offset + len);
        self.state = if h.data_len == Some(0) {
            State::Trailer
        } else {
            State::Data
        };
        self.header = Some(h);
        Ok(())
    }

    /// Size the per-frame state for the data of `h`.
    fn start_data(&mut self, h: &WavHeader) {
        let encoding = Encoding::from(h.sample_format, h.container_bytes())
            .unwrap_or_else(|| unreachable!("fmt parsing accepts only decodable encodings"));
        let channels = usize::from(h.channels);
        self.layout = Some(FrameLayout {
            encoding,
            channels,
            align: usize::from(h.block_align),
        });
        // Bounded by the 16-bit fields: at most 64 KiB and 64 Ki samples.
        self.carry = Vec::with_capacity(usize::from(h.block_align));
        self.scratch = vec![0.0; SCRATCH.max(channels)];
    }

    /// Decode sample data from `all`; return what follows the data.
    fn push_data<'b>(&mut self, all: &'b [u8], sink: &mut dyn BlockSink) -> Result<&'b [u8]> {
        let (State::Data, Some(f)) = (self.state, self.layout) else {
            return Ok(all);
        };
        let left = self.data_end.map_or(u64::MAX, |end| end - self.offset);
        let consumed = (all.len() as u64).min(left) as usize;
        let (mut bytes, after) = all.split_at(consumed);
        if !self.carry.is_empty() {
            let take = (f.align - self.carry.len()).min(bytes.len());
            self.carry.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.carry.len() == f.align {
                emit(f, &self.carry, self.frame, &mut self.scratch, sink)?;
                self.frame += 1;
                self.carry.clear();
            }
        }
        let whole = bytes.len() / f.align;
        emit(
            f,
            &bytes[..whole * f.align],
            self.frame,
            &mut self.scratch,
            sink,
        )?;
        self.frame += whole as u64;
        self.carry.extend_from_slice(&bytes[whole * f.align..]);
        self.offset += consumed as u64;
        if Some(self.offset) == self.data_end {
            self.state = State::Trailer;
        }
        Ok(after)
    }
}

/// Decode the whole frames in `bytes`, the first being frame `first`, and emit them.
fn emit(
    f: FrameLayout,
    bytes: &[u8],
    first: u64,
    scratch: &mut [f64],
    sink: &mut dyn BlockSink,
) -> Result<()> {
    let frames = bytes.len() / f.align;
    let pitch = (scratch.len() / f.channels).max(1);
    let mut done = 0;
    while done < frames {
        let rows = (frames - done).min(pitch);
        let at = &bytes[done * f.align..];
        f.encoding.decode_rows(at, f.channels, rows, scratch, pitch);
        for ch in 0..f.channels {
            sink.block(Block {
                channel: ch,
                start: first + done as u64,
                samples: &scratch[ch * pitch..ch * pitch + rows],
            })?;
        }
        done += rows;
    }
    Ok(())
}

#[cfg(test)]
#[path = "wav_tests.rs"]
mod tests;
