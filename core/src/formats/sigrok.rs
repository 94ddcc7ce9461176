//! sigrok session files (`.sr`, session format versions 1 and 2), read from a [`ZipIndex`].
//!
//! An `.sr` file is a zip archive with these entries:
//! - `version`: the text `1` or `2`;
//! - `metadata`: INI text; section `[device 1]` holds `samplerate` (`1 MHz`, `500 kHz`,
//!   `24000000`), `unitsize` (bytes per logic sample), `total probes`, `probeN = name`
//!   (N is 1-based: channel index N − 1), `capturefile` (the logic entry prefix),
//!   `total analog` and `analogN = name` (N counts on after the logic channels);
//! - the **logic data**: entry `<capturefile>` alone, or chunks `<capturefile>-1`,
//!   `<capturefile>-2`, … concatenated in numeric order. A **sample** is `unitsize` bytes,
//!   a little-endian unit in which bit i is channel i;
//! - **analog data** (rare): chunks `analog-1-N-1`, `analog-1-N-2`, … per analog channel N,
//!   little-endian `f32` samples.
//!
//! Logic data is passed on packed, as [`LogicChunk`]s with absolute sample indices, to a
//! [`LogicSink`]: captures hold up to 10⁹ samples, too many to expand. [`LogicBlocks`] turns
//! the chunks of a few channels into `0.0`/`1.0` [`Block`]s for a [`BlockSink`].
//!
//! # Caller protocol
//! The caller builds the [`ZipIndex`] (see [`crate::formats::zip`]) and hands it to
//! [`SigrokReader::new`]. Then, while [`SigrokReader::next_range`] returns a range of the
//! file, it reads those bytes and pushes them, in order and in chunks of any size, with
//! [`SigrokReader::push`]. The ranges are the spans of `version`, `metadata`, the logic
//! chunks in numeric order, then each analog channel's chunks; each is known only once the
//! one before is complete (the logic chunks are named in `metadata`). The header is known
//! (and [`LogicSink::begin`] called) once `metadata` is complete, so a caller that only wants
//! the header can stop there. [`SigrokReader::finish`] checks that everything was read.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use super::zip::{EntryReader, ZipEntry, ZipIndex};
use crate::kernel::{Block, BlockSink, Layout};
use crate::{Error, Result};

/// Largest `metadata` entry accepted, in bytes.
pub const MAX_METADATA: u64 = 1 << 20;
/// Largest `version` entry accepted, in bytes.
const MAX_VERSION: u64 = 64;
/// Most logic (or analog) channels accepted.
pub const MAX_CHANNELS: usize = 1 << 12;
/// Largest logic unit size accepted (a sample fits a `u64`).
pub const MAX_UNITSIZE: usize = 8;
/// Samples per block emitted by [`LogicBlocks`], and analog samples per [`AnalogChunk`].
const BLOCK: usize = 4096;

/// One zip entry of logic or analog data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkEntry {
    /// Entry name, such as `logic-1-3`.
    pub name: String,
    /// Position of the entry in [`ZipIndex::entries`].
    pub entry: usize,
    /// Uncompressed size in bytes.
    pub bytes: u64,
}

/// An analog channel and its data entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalogChannel {
    /// N of `analogN` and of the entries `analog-1-N-K` (1-based, after the logic channels).
    pub index: usize,
    /// The channel name, if the metadata gives one.
    pub name: Option<String>,
    /// The data entries in order.
    pub chunks: Vec<ChunkEntry>,
    /// Number of samples (`f32` values).
    pub samples: u64,
}

/// Everything the `version` and `metadata` entries and the index say about a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigrokHeader {
    /// Session format version (1 or 2).
    pub version: u32,
    /// Samples per second, if the metadata gives a (non-zero) rate.
    pub samplerate: Option<u64>,
    /// Bytes per logic sample (0 when there is no logic data).
    pub unitsize: usize,
    /// Logic channel names by index (`probeN` gives index N − 1); the length is
    /// `total probes`. Channels at index 8·unitsize and above hold no data.
    pub channels: Vec<Option<String>>,
    /// The logic entry prefix (`capturefile`), if there is logic data.
    pub capturefile: Option<String>,
    /// The logic data entries in order.
    pub logic: Vec<ChunkEntry>,
    /// The analog channels.
    pub analog: Vec<AnalogChannel>,
    /// Number of logic samples (when there is no logic data: of the longest analog channel).
    pub samples: u64,
}

impl SigrokHeader {
    /// Number of logic channels whose bits are stored: `min(total probes, 8 · unitsize)`.
    pub fn stored_channels(&self) -> usize {
        self.channels.len().min(8 * self.unitsize)
    }

    /// The index of the logic channel named `name`.
    pub fn channel_index(&self, name: &str) -> Option<usize> {
        self.channels
            .iter()
            .position(|c| c.as_deref() == Some(name))
    }

    /// Build the header from the contents of `version` and `metadata` and the index.
    pub fn parse(version: &[u8], metadata: &[u8], index: &ZipIndex) -> Result<SigrokHeader> {
        let find = |name| find_unique(index, name);
        let version = parse_version(version, &index.entries()[find("version")?])?;
        let meta_entry = &index.entries()[find("metadata")?];
        let meta = parse_metadata(metadata, meta_entry.local_header_offset)?;
        build_header(version, meta, index, meta_entry)
    }
}

/// Packed logic samples with the absolute index of the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogicChunk<'a> {
    /// Absolute sample index of the first sample.
    pub start: u64,
    /// Bytes per sample.
    pub unitsize: usize,
    /// Whole samples, `unitsize` bytes each, little-endian units: bit i = channel i.
    pub bytes: &'a [u8],
}

impl LogicChunk<'_> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.unitsize.max(1)
    }

    /// Whether the chunk holds no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sample `i` (relative to the chunk) as an integer: bit c = channel c.
    ///
    /// # Panics
    /// If `i` is out of range.
    pub fn sample(&self, i: usize) -> u64 {
        let u = self.unitsize;
        let mut x = [0u8; 8];
        x[..u].copy_from_slice(&self.bytes[i * u..(i + 1) * u]);
        u64::from_le_bytes(x)
    }

    /// Channel `channel` of sample `i` (relative to the chunk).
    ///
    /// # Panics
    /// If `i` is out of range or `channel >= 8 * unitsize`.
    pub fn bit(&self, i: usize, channel: usize) -> bool {
        (self.bytes[i * self.unitsize + channel / 8] >> (channel % 8)) & 1 != 0
    }
}

/// Analog samples of one channel with the absolute index of the first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalogChunk<'a> {
    /// Position of the channel in [`SigrokHeader::analog`].
    pub channel: usize,
    /// Absolute sample index of the first sample.
    pub start: u64,
    /// The values.
    pub samples: &'a [f32],
}

/// Gathering analog samples ignores a session's logic data.
impl LogicSink for crate::kernel::ChannelSamples {
    fn begin(&mut self, _: &SigrokHeader) -> Result<()> {
        Ok(())
    }
    fn logic(&mut self, _: LogicChunk<'_>) -> Result<()> {
        Ok(())
    }
}

/// A consumer of the data of a session.
pub trait LogicSink {
    /// Called once, when the header is known, before any data.
    fn begin(&mut self, header: &SigrokHeader) -> Result<()>;
    /// Consume logic samples; chunks arrive in order and contiguous.
    fn logic(&mut self, chunk: LogicChunk<'_>) -> Result<()>;
    /// Consume analog samples; per channel in order and contiguous, channels one after
    /// another, after all logic data. Ignored unless implemented.
    fn analog(&mut self, chunk: AnalogChunk<'_>) -> Result<()> {
        let _ = chunk;
        Ok(())
    }
}

/// A [`LogicSink`] that expands chosen logic channels into `0.0`/`1.0` [`Block`]s for a
/// [`BlockSink`] (one block channel per chosen channel, in the order chosen). Meant for a few
/// channels of small captures: every sample becomes one `f64` per channel.
pub struct LogicBlocks<'s> {
    sink: &'s mut dyn BlockSink,
    wanted: Option<Vec<usize>>,
    channels: Vec<usize>,
    scratch: Vec<f64>,
}

impl<'s> LogicBlocks<'s> {
    /// Expand every stored channel.
    pub fn new(sink: &'s mut dyn BlockSink) -> Self {
        LogicBlocks {
            sink,
            wanted: None,
            channels: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Expand the logic channels with these indices.
    pub fn with_channels(sink: &'s mut dyn BlockSink, channels: &[usize]) -> Self {
        LogicBlocks {
            wanted: Some(channels.to_vec()),
            ..Self::new(sink)
        }
    }
}

impl LogicSink for LogicBlocks<'_> {
    fn begin(&mut self, header: &SigrokHeader) -> Result<()> {
        let stored = header.stored_channels();
        self.channels = match &self.wanted {
            None => (0..stored).collect(),
            Some(w) => w.clone(),
        };
        if let Some(&c) = self.channels.iter().find(|&&c| c >= stored) {
            return Err(Error::Config(format!(
                "logic channel {c} is not in the capture ({stored} channels stored)"
            )));
        }
        self.scratch = vec![0.0; BLOCK];
        self.sink.begin(Layout {
            channels: self.channels.len(),
            samples: header.samples,
        })
    }

    fn logic(&mut self, chunk: LogicChunk<'_>) -> Result<()> {
        let (n, u) = (chunk.len(), chunk.unitsize);
        let mut done = 0;
        while done < n {
            let m = (n - done).min(BLOCK);
            for (i, &ch) in self.channels.iter().enumerate() {
                let (byte, bit) = (ch / 8, ch % 8);
                let units = chunk.bytes[done * u..(done + m) * u].chunks_exact(u);
                for (x, unit) in self.scratch.iter_mut().zip(units) {
                    *x = f64::from((unit[byte] >> bit) & 1);
                }
                self.sink.block(Block {
                    channel: i,
                    start: chunk.start + done as u64,
                    samples: &self.scratch[..m],
                })?;
            }
            done += m;
        }
        Ok(())
    }
}

/// Which entry the reader is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Version,
    Metadata,
    /// Logic chunk k.
    Logic(usize),
    /// Analog channel a, chunk k.
    Analog(usize, usize),
    Done,
}

/// The entry being read and how much of its span was pushed.
struct Current {
    reader: EntryReader,
    span: Range<u64>,
    pushed: u64,
}

/// Samples emitted so far of the current stream and a sample split across pushes.
struct Output {
    next: u64,
    carry: [u8; 8],
    carry_len: usize,
    values: Vec<f32>,
}

impl Output {
    fn logic(&mut self, mut b: &[u8], u: usize, sink: &mut dyn LogicSink) -> Result<()> {
        if self.carry_len > 0 {
            let take = (u - self.carry_len).min(b.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&b[..take]);
            self.carry_len += take;
            b = &b[take..];
            if self.carry_len < u {
                return Ok(());
            }
            let carry = self.carry;
            sink.logic(LogicChunk {
                start: self.next,
                unitsize: u,
                bytes: &carry[..u],
            })?;
            self.next += 1;
            self.carry_len = 0;
        }
        let whole = b.len() / u * u;
        if whole > 0 {
            sink.logic(LogicChunk {
                start: self.next,
                unitsize: u,
                bytes: &b[..whole],
            })?;
            self.next += (whole / u) as u64;
        }
        self.carry[..b.len() - whole].copy_from_slice(&b[whole..]);
        self.carry_len = b.len() - whole;
        Ok(())
    }

    fn analog(&mut self, mut b: &[u8], channel: usize, sink: &mut dyn LogicSink) -> Result<()> {
        while !b.is_empty() {
            let mut n = 0;
            if self.carry_len > 0 {
                let take = (4 - self.carry_len).min(b.len());
                self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&b[..take]);
                self.carry_len += take;
                b = &b[take..];
                if self.carry_len < 4 {
                    return Ok(());
                }
                let c = &self.carry;
                self.values[0] = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                self.carry_len = 0;
                n = 1;
            }
            let words = b.chunks_exact(4).take(BLOCK - n);
            let used = words.len() * 4;
            for (x, w) in self.values[n..].iter_mut().zip(words) {
                *x = f32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            }
            n += used / 4;
            b = &b[used..];
            if b.len() < 4 {
                self.carry[..b.len()].copy_from_slice(b);
                self.carry_len = b.len();
                b = &[];
            }
            if n > 0 {
                sink.analog(AnalogChunk {
                    channel,
                    start: self.next,
                    samples: &self.values[..n],
                })?;
                self.next += n as u64;
            }
        }
        Ok(())
    }
}

/// Push reader of a sigrok session: see the module documentation for the protocol.
pub struct SigrokReader {
    index: ZipIndex,
    part: Part,
    current: Option<Current>,
    /// Contents of `version` and `metadata` (bounded by their limits).
    text: Vec<u8>,
    version: u32,
    header: Option<SigrokHeader>,
    out: Output,
    /// The error that stopped the reader.
    failed: Option<Error>,
}

impl SigrokReader {
    /// A reader of the session archived in `index`, expecting the span of `version` first.
    pub fn new(index: ZipIndex) -> Result<Self> {
        let mut r = SigrokReader {
            index,
            part: Part::Done,
            current: None,
            text: Vec::new(),
            version: 0,
            header: None,
            out: Output {
                next: 0,
                carry: [0; 8],
                carry_len: 0,
                values: Vec::new(),
            },
            failed: None,
        };
        r.start(Part::Version)?;
        Ok(r)
    }

    /// Read a whole session held in memory.
    pub fn read_slice(file: &[u8], sink: &mut dyn LogicSink) -> Result<SigrokHeader> {
        let mut r = SigrokReader::new(ZipIndex::from_bytes(file)?)?;
        while let Some(range) = r.next_range() {
            r.push(&file[range.start as usize..range.end as usize], sink)?;
        }
        r.finish()
    }

    /// The archive's index.
    pub fn index(&self) -> &ZipIndex {
        &self.index
    }

    /// The header, once `metadata` has been read.
    pub fn header(&self) -> Option<&SigrokHeader> {
        self.header.as_ref()
    }

    /// The bytes of the file to push next: the rest of the current entry's span. `None` when
    /// everything has been read.
    /// After an error, `None` too.
    pub fn next_range(&self) -> Option<Range<u64>> {
        if self.failed.is_some() {
            return None;
        }
        self.current
            .as_ref()
            .map(|c| c.span.start + c.pushed..c.span.end)
    }

    /// Consume the next bytes of [`Self::next_range`]. After an error the reader stays
    /// failed: later calls (and [`Self::finish`]) return the same error.
    ///
    /// # Panics
    /// If `bytes` is longer than what is left of [`Self::next_range`].
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn LogicSink) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.push_inner(bytes, sink);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn push_inner(&mut self, bytes: &[u8], sink: &mut dyn LogicSink) -> Result<()> {
        let Self {
            part,
            current,
            text,
            header,
            out,
            ..
        } = self;
        let Some(cur) = current.as_mut() else {
            assert!(bytes.is_empty(), "SigrokReader::push after the last range");
            return Ok(());
        };
        let left = cur.span.end - cur.span.start - cur.pushed;
        assert!(
            bytes.len() as u64 <= left,
            "SigrokReader::push of {} bytes crosses the end of the range (which has {left} left)",
            bytes.len()
        );
        match *part {
            Part::Version | Part::Metadata => cur.reader.push(bytes, &mut |b| {
                text.extend_from_slice(b);
                Ok(())
            })?,
            Part::Logic(_) => {
                let u = header.as_ref().map_or(1, |h| h.unitsize);
                cur.reader.push(bytes, &mut |b| out.logic(b, u, sink))?;
            }
            Part::Analog(a, _) => cur.reader.push(bytes, &mut |b| out.analog(b, a, sink))?,
            Part::Done => {}
        }
        cur.pushed += bytes.len() as u64;
        if cur.pushed == cur.span.end - cur.span.start {
            self.complete(sink)?;
        }
        Ok(())
    }

    /// Check that every range was pushed and return the header.
    pub fn finish(self) -> Result<SigrokHeader> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match (self.current, self.header) {
            (None, Some(h)) => Ok(h),
            (Some(c), _) => Err(Error::Truncated {
                offset: c.span.start + c.pushed,
                expected: format!(
                    "the rest of zip entry '{}' (bytes {}..{})",
                    c.reader.entry().name,
                    c.span.start,
                    c.span.end
                ),
            }),
            (None, None) => Err(Error::Truncated {
                offset: self.index.central_dir().start,
                expected: "the sigrok metadata".to_string(),
            }),
        }
    }

    /// Start reading the entry of `part`.
    fn start(&mut self, part: Part) -> Result<()> {
        self.part = part;
        let h = self.header.as_ref();
        let entry = match part {
            Part::Version => find_unique(&self.index, "version")?,
            Part::Metadata => find_unique(&self.index, "metadata")?,
            Part::Logic(k) => h.map_or(0, |h| h.logic[k].entry),
            Part::Analog(a, k) => h.map_or(0, |h| h.analog[a].chunks[k].entry),
            Part::Done => {
                self.current = None;
                return Ok(());
            }
        };
        if matches!(part, Part::Analog(..)) && self.out.values.is_empty() {
            self.out.values = vec![0.0; BLOCK];
        }
        let e = &self.index.entries()[entry];
        let limit = match part {
            Part::Version => MAX_VERSION,
            Part::Metadata => MAX_METADATA,
            _ => u64::MAX,
        };
        if e.uncompressed_size > limit {
            return Err(Error::Limit {
                offset: e.central_offset + 24,
                what: format!("size {} of zip entry '{}'", e.uncompressed_size, e.name),
                limit,
            });
        }
        self.current = Some(Current {
            reader: EntryReader::new(e)?,
            span: e.span(),
            pushed: 0,
        });
        Ok(())
    }

    /// The current entry's span has been pushed: check it and move on.
    fn complete(&mut self, sink: &mut dyn LogicSink) -> Result<()> {
        let Some(cur) = self.current.take() else {
            return Ok(());
        };
        let entry = cur.reader.entry().clone();
        cur.reader.finish()?;
        let next = match self.part {
            Part::Version => {
                self.version = parse_version(&self.text, &entry)?;
                self.text.clear();
                Part::Metadata
            }
            Part::Metadata => {
                let meta = parse_metadata(&self.text, entry.local_header_offset)?;
                let header = build_header(self.version, meta, &self.index, &entry)?;
                self.text = Vec::new();
                sink.begin(&header)?;
                self.header = Some(header);
                self.after(Part::Metadata)
            }
            part => self.after(part),
        };
        self.end_stream(self.part, next, &entry)?;
        self.start(next)
    }

    /// The part that follows `part`.
    fn after(&self, part: Part) -> Part {
        let Some(h) = &self.header else {
            return Part::Done;
        };
        let first_analog = |from: usize| {
            (from..h.analog.len())
                .find(|&a| !h.analog[a].chunks.is_empty())
                .map_or(Part::Done, |a| Part::Analog(a, 0))
        };
        match part {
            Part::Metadata if !h.logic.is_empty() => Part::Logic(0),
            Part::Metadata => first_analog(0),
            Part::Logic(k) if k + 1 < h.logic.len() => Part::Logic(k + 1),
            Part::Logic(_) => first_analog(0),
            Part::Analog(a, k) if k + 1 < h.analog[a].chunks.len() => Part::Analog(a, k + 1),
            Part::Analog(a, _) => first_analog(a + 1),
            Part::Version | Part::Done => Part::Done,
        }
    }

    /// When a logic or analog stream ends, check its sample count and reset the position.
    fn end_stream(&mut self, part: Part, next: Part, entry: &ZipEntry) -> Result<()> {
        let Some(h) = &self.header else {
            return Ok(());
        };
        let expected = match (part, next) {
            (Part::Logic(_), Part::Logic(_)) => return Ok(()),
            (Part::Analog(a, _), Part::Analog(b, _)) if a == b => return Ok(()),
            (Part::Logic(_), _) => h.samples,
            (Part::Analog(a, _), _) => h.analog[a].samples,
            _ => return Ok(()),
        };
        if self.out.next != expected || self.out.carry_len != 0 {
            return Err(Error::Malformed {
                offset: entry.central_offset + 24,
                expected: format!("{expected} whole samples up to zip entry '{}'", entry.name),
                found: format!("{} samples and {} bytes", self.out.next, self.out.carry_len),
            });
        }
        self.out.next = 0;
        Ok(())
    }
}

/// The position of the only entry named `name`.
fn find_unique(index: &ZipIndex, name: &str) -> Result<usize> {
    let mut found = index
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name == name);
    let Some((i, _)) = found.next() else {
        return Err(Error::Malformed {
            offset: index.central_dir().start,
            expected: format!("a zip entry '{name}' (a sigrok session)"),
            found: "none".to_string(),
        });
    };
    if let Some((_, dup)) = found.next() {
        return Err(Error::Malformed {
            offset: dup.central_offset,
            expected: format!("one zip entry '{name}'"),
            found: "two".to_string(),
        });
    }
    Ok(i)
}

fn parse_version(text: &[u8], entry: &ZipEntry) -> Result<u32> {
    let s = core::str::from_utf8(text)
        .unwrap_or("")
        .trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0');
    match s.parse::<u32>() {
        Ok(v @ (1 | 2)) => Ok(v),
        Ok(v) => Err(Error::Unsupported {
            offset: entry.local_header_offset,
            what: format!("sigrok session format version {v} (supported: 1 and 2)"),
        }),
        Err(_) => Err(Error::Malformed {
            offset: entry.local_header_offset,
            expected: "a session format version number in entry 'version'".to_string(),
            found: format!("{:?}", String::from_utf8_lossy(text)),
        }),
    }
}

/// What the `[device 1]` section of `metadata` says.
#[derive(Debug, Default)]
struct Meta {
    samplerate: Option<u64>,
    unitsize: Option<usize>,
    total_probes: Option<usize>,
    total_analog: usize,
    capturefile: Option<String>,
    /// (0-based index, name, line).
    probes: Vec<(usize, String, usize)>,
    /// (N of analogN, name, line).
    analog: Vec<(usize, String, usize)>,
}

/// Parse the metadata INI text; errors name the `metadata` entry's local header offset `at`
/// and the line.
fn parse_metadata(text: &[u8], at: u64) -> Result<Meta> {
    let text = String::from_utf8_lossy(text);
    let bad = |line: usize, expected: &str, found: &str| Error::Malformed {
        offset: at,
        expected: format!("{expected} (sigrok metadata line {line})"),
        found: format!("'{found}'"),
    };
    let count = |line: usize, v: &str, what: &str| -> Result<usize> {
        let n: u64 = v.parse().map_err(|_| bad(line, what, v))?;
        if n > MAX_CHANNELS as u64 {
            return Err(Error::Limit {
                offset: at,
                what: format!("{what} {n} (sigrok metadata line {line})"),
                limit: MAX_CHANNELS as u64,
            });
        }
        Ok(n as usize)
    };
    let mut meta = Meta::default();
    let mut section: Option<&str> = None;
    let mut device = false;
    for (i, raw) in text.lines().enumerate() {
        let (line, s) = (i + 1, raw.trim());
        if s.is_empty() || s.starts_with('#') || s.starts_with(';') {
            continue;
        }
        if let Some(name) = s.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or_else(|| bad(line, "a section header such as [device 1]", s))?
                .trim();
            if name.starts_with("device ") && name != "device 1" {
                return Err(Error::Unsupported {
                    offset: at,
                    what: format!("sigrok session with a second device ([{name}], line {line})"),
                });
            }
            device |= name == "device 1";
            section = Some(name);
            continue;
        }
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| bad(line, "a 'key = value' line", s))?;
        let (key, value) = (key.trim(), value.trim());
        if section != Some("device 1") {
            continue;
        }
        match key {
            "samplerate" => {
                meta.samplerate = parse_rate(value).ok_or_else(|| {
                    bad(line, "a sample rate such as '1 MHz' or '24000000'", value)
                })?
            }
            "unitsize" => {
                let u = count(line, value, "unitsize")?;
                if u == 0 || u > MAX_UNITSIZE {
                    return Err(Error::Unsupported {
                        offset: at,
                        what: format!("logic unitsize {u} (line {line}; supported: 1 to 8 bytes)"),
                    });
                }
                meta.unitsize = Some(u);
            }
            "total probes" => meta.total_probes = Some(count(line, value, "total probes")?),
            "total analog" => meta.total_analog = count(line, value, "total analog")?,
            "capturefile" => meta.capturefile = Some(unescape(value)),
            _ => {
                let numbered = |prefix: &str| {
                    key.strip_prefix(prefix)
                        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                };
                if let Some(n) = numbered("probe") {
                    let n = count(line, n, "probe number")?;
                    if n == 0 {
                        return Err(bad(line, "a probe number from 1", key));
                    }
                    meta.probes.push((n - 1, unescape(value), line));
                } else if let Some(n) = numbered("analog") {
                    let n = count(line, n, "analog channel number")?;
                    meta.analog.push((n, unescape(value), line));
                }
            }
        }
    }
    if !device {
        return Err(Error::Malformed {
            offset: at,
            expected: "a [device 1] section in the sigrok metadata".to_string(),
            found: "none".to_string(),
        });
    }
    Ok(meta)
}

/// Undo GKeyFile's value escapes (`\s` for a leading space, `\n`, `\t`, `\r`, `\\`);
/// other backslashes stay as they are.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Parse a sample rate as sigrok writes it: a number (possibly with a fraction), then an
/// optional k/M/G prefix and an optional `Hz`. Zero means unknown. `None` on bad syntax or
/// overflow.
fn parse_rate(s: &str) -> Option<Option<u64>> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = (&s[..end], s[end..].trim());
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() || frac.len() > 18 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (mult, rest) = match unit.chars().next() {
        Some('k' | 'K') => (1_000u64, &unit[1..]),
        Some('m' | 'M') => (1_000_000, &unit[1..]),
        Some('g' | 'G') => (1_000_000_000, &unit[1..]),
        _ => (1, unit),
    };
    if !(rest.is_empty() || rest.eq_ignore_ascii_case("hz")) {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_mul(mult)?;
    let part = if frac.is_empty() {
        0
    } else {
        let f = frac.parse::<u128>().ok()?;
        (f * u128::from(mult) / 10u128.pow(frac.len() as u32)) as u64
    };
    let hz = whole.checked_add(part)?;
    Some((hz != 0).then_some(hz))
}

/// The data entries `prefix` alone or `prefix-1`, `prefix-2`, … in numeric order.
fn data_entries(index: &ZipIndex, prefix: &str) -> Result<Vec<ChunkEntry>> {
    let mut base = None;
    let mut numbered: Vec<(u32, usize)> = Vec::new();
    for (i, e) in index.entries().iter().enumerate() {
        if e.name == prefix {
            if base.is_some() {
                return Err(Error::Malformed {
                    offset: e.central_offset,
                    expected: format!("one zip entry '{prefix}'"),
                    found: "two".to_string(),
                });
            }
            base = Some(i);
        } else if let Some(n) = e
            .name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('-'))
        {
            let canonical = !n.starts_with('0') && n.len() <= 9;
            if canonical && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                numbered.push((n.parse().unwrap_or(0), i));
            }
        }
    }
    numbered.sort_unstable();
    let entries = index.entries();
    if let (Some(_), Some(&(_, i))) = (base, numbered.first()) {
        return Err(Error::Malformed {
            offset: entries[i].central_offset,
            expected: format!("either entry '{prefix}' or numbered chunks, not both"),
            found: format!("'{}'", entries[i].name),
        });
    }
    for (k, &(n, i)) in numbered.iter().enumerate() {
        if n as usize != k + 1 {
            return Err(Error::Malformed {
                offset: entries[i].central_offset,
                expected: format!("chunk '{prefix}-{}'", k + 1),
                found: format!("'{}'", entries[i].name),
            });
        }
    }
    let chunk = |i: usize| ChunkEntry {
        name: entries[i].name.clone(),
        entry: i,
        bytes: entries[i].uncompressed_size,
    };
    Ok(match base {
        Some(i) => vec![chunk(i)],
        None => numbered.iter().map(|&(_, i)| chunk(i)).collect(),
    })
}

fn total_bytes(chunks: &[ChunkEntry], entry: &ZipEntry) -> Result<u64> {
    chunks
        .iter()
        .try_fold(0u64, |t, c| t.checked_add(c.bytes))
        .ok_or_else(|| Error::Limit {
            offset: entry.central_offset,
            what: "total size of the data entries".to_string(),
            limit: u64::MAX,
        })
}

fn build_header(version: u32, m: Meta, index: &ZipIndex, meta: &ZipEntry) -> Result<SigrokHeader> {
    let at = meta.local_header_offset;
    let name_error = |line: usize, what: String| Error::Malformed {
        offset: at,
        expected: format!("{what} (sigrok metadata line {line})"),
        found: "a channel number out of range".to_string(),
    };
    let unitsize = match (&m.capturefile, m.unitsize) {
        (Some(_), None) => {
            return Err(Error::Malformed {
                offset: at,
                expected: "a unitsize in the sigrok metadata (it names a capturefile)".to_string(),
                found: "none".to_string(),
            })
        }
        (Some(_), Some(u)) => u,
        (None, _) => 0,
    };
    let total = match (m.total_probes, &m.capturefile) {
        (Some(t), _) => t,
        (None, Some(_)) => m
            .probes
            .iter()
            .map(|p| p.0 + 1)
            .max()
            .unwrap_or(8 * unitsize),
        (None, None) => 0,
    };
    let mut channels = vec![None; total];
    for (i, name, line) in m.probes {
        let slot = channels
            .get_mut(i)
            .ok_or_else(|| name_error(line, format!("a probe number up to {total}")))?;
        *slot = Some(name);
    }
    let (logic, samples) = match &m.capturefile {
        Some(prefix) => {
            let logic = data_entries(index, prefix)?;
            let Some(last) = logic.last() else {
                return Err(Error::Malformed {
                    offset: index.central_dir().start,
                    expected: format!("a logic data entry '{prefix}' or '{prefix}-1'"),
                    found: "none".to_string(),
                });
            };
            let last = &index.entries()[last.entry];
            let bytes = total_bytes(&logic, last)?;
            if bytes % unitsize as u64 != 0 {
                return Err(Error::Malformed {
                    offset: last.central_offset + 24,
                    expected: format!("logic data in whole samples of {unitsize} bytes"),
                    found: format!("{bytes} bytes"),
                });
            }
            (logic, bytes / unitsize as u64)
        }
        None => (Vec::new(), 0),
    };
    // sigrok numbers analog channels on after all logic channels (`total probes`).
    let first = m.total_probes.unwrap_or(0) + 1;
    let mut analog = Vec::with_capacity(m.total_analog);
    for k in 0..m.total_analog {
        let n = first + k;
        let chunks = data_entries(index, &format!("analog-1-{n}"))?;
        let bytes = match chunks.last() {
            Some(c) => total_bytes(&chunks, &index.entries()[c.entry])?,
            None => 0,
        };
        if bytes % 4 != 0 {
            let e = &index.entries()[chunks[chunks.len() - 1].entry];
            return Err(Error::Malformed {
                offset: e.central_offset + 24,
                expected: format!("analog channel {n} data in whole 4-byte floats"),
                found: format!("{bytes} bytes"),
            });
        }
        analog.push(AnalogChannel {
            index: n,
            name: None,
            chunks,
            samples: bytes / 4,
        });
    }
    for (n, name, line) in m.analog {
        let slot = n
            .checked_sub(first)
            .and_then(|k| analog.get_mut(k))
            .ok_or_else(|| {
                let last = first + m.total_analog;
                name_error(
                    line,
                    format!("an analog channel number from {first} to below {last}"),
                )
            })?;
        slot.name = Some(name);
    }
    let samples = if logic.is_empty() {
        analog.iter().map(|a| a.samples).max().unwrap_or(0)
    } else {
        samples
    };
    Ok(SigrokHeader {
        version,
        samplerate: m.samplerate,
        unitsize,
        channels,
        capturefile: m.capturefile,
        logic,
        analog,
        samples,
    })
}

#[cfg(test)]
#[path = "sigrok_tests.rs"]
mod tests;
