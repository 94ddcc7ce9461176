//! NPY arrays (numpy's `.npy`, format versions 1.0, 2.0 and 3.0) as an incremental parser.
//!
//! Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length
//! (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), the header dictionary, then the
//! raw data. A 1-D array is one channel; a 2-D array of shape `(samples, channels)` holds one
//! channel per column, rows interleaved (C order) or columns one after another (Fortran
//! order).

use alloc::format;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::dtype::Dtype;
use super::npy_header;
use crate::kernel::{Block, BlockSink, Layout};
use crate::{Error, Result};

/// The six magic bytes every NPY file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Largest header dictionary accepted (numpy itself writes well under 10 kB).
pub const MAX_HEADER_LEN: u64 = 1 << 20;
/// Most channels (columns) accepted: per-channel state is allocated for each.
pub const MAX_CHANNELS: u64 = 1 << 16;
/// Samples decoded per batch (all channels together): a fixed bound, never taken from the
/// header. 16 Ki f64 samples (128 KiB) stay in L2 while every sink reads the batch, and
/// blocks this large span several moments blocks so each sink's per-block overhead shrinks.
const SCRATCH: usize = 16 * 1024;

/// Everything the header of an NPY file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Format version (major, minor).
    pub version: (u8, u8),
    /// Element type.
    pub dtype: Dtype,
    /// Columns stored one after another instead of rows.
    pub fortran_order: bool,
    /// The array shape as written.
    pub shape: Vec<u64>,
    /// Absolute offset of the first data byte.
    pub data_offset: u64,
    /// Samples per channel.
    pub samples: u64,
    /// Number of channels.
    pub channels: u64,
    /// Length of the data in bytes (`samples * channels * dtype.size`).
    pub data_len: u64,
}

impl NpyHeader {
    /// The channel layout.
    pub fn layout(&self) -> Layout {
        Layout {
            // Bounded by MAX_CHANNELS when parsed.
            channels: self.channels as usize,
            samples: self.samples,
        }
    }

    /// Check that a file of `file_len` bytes holds exactly the data the header promises,
    /// so a truncated or padded file fails before any work is done.
    pub fn check_file_len(&self, file_len: u64) -> Result<()> {
        let end = self.data_offset + self.data_len;
        if file_len < end {
            return Err(Error::Truncated {
                offset: file_len,
                expected: format!(
                    "{} data bytes for shape {:?} of {} from byte {} to byte {end}",
                    self.data_len,
                    self.shape,
                    self.dtype.name(),
                    self.data_offset
                ),
            });
        }
        if file_len > end {
            return Err(Error::Malformed {
                offset: end,
                expected: "the end of the file after the array data".to_string(),
                found: format!("{} more bytes", file_len - end),
            });
        }
        Ok(())
    }

    fn from_dict(
        dict: npy_header::HeaderDict,
        version: (u8, u8),
        data_offset: u64,
        dict_at: u64,
    ) -> Result<Self> {
        let (samples, channels) = match dict.shape.as_slice() {
            [] => (1, 1),
            [n] => (*n, 1),
            [n, c] => (*n, *c),
            more => {
                return Err(Error::Unsupported {
                    offset: dict_at,
                    what: format!(
                        "{}-D array of shape {more:?} (only 1-D and 2-D)",
                        more.len()
                    ),
                })
            }
        };
        if channels > MAX_CHANNELS {
            return Err(Error::Limit {
                offset: dict_at,
                what: format!("channel count {channels} (the second dimension)"),
                limit: MAX_CHANNELS,
            });
        }
        let data_len = samples
            .checked_mul(channels)
            .and_then(|e| e.checked_mul(dict.descr.size as u64))
            .and_then(|len| len.checked_add(data_offset).map(|_| len))
            .ok_or_else(|| Error::Limit {
                offset: dict_at,
                what: format!(
                    "data size of shape {:?} of {} (overflows 64 bits when multiplied out)",
                    dict.shape,
                    dict.descr.name()
                ),
                limit: u64::MAX,
            })?;
        Ok(NpyHeader {
            version,
            dtype: dict.descr,
            fortran_order: dict.fortran_order,
            shape: dict.shape,
            data_offset,
            samples,
            channels,
            data_len,
        })
    }

    /// Cut the data into parts of about `target` bytes for [`NpyReader::resume`].
    /// Cuts fall on block boundaries of every channel, so the merged result is
    /// bit-identical to a serial run; only when a block of every channel is larger than
    /// `target` do they fall between rows (then results agree to rounding).
    pub fn segments(&self, target: u64) -> Vec<(u64, u64)> {
        let size = self.dtype.size as u64;
        let block = crate::dsp::moments::BLOCK * size;
        let (row, channel_len) = (size * self.channels.max(1), self.samples * size);
        let align = |pos: u64| {
            if self.fortran_order {
                let within = pos % channel_len.max(1);
                pos - within + within / block * block
            } else {
                pos / (block * self.channels.max(1)) * (block * self.channels.max(1))
            }
        };
        let align_element = |pos: u64| {
            let unit = if self.fortran_order { size } else { row };
            pos / unit * unit
        };
        let len = self.data_len;
        let mut parts = Vec::new();
        let mut at = 0;
        while at < len {
            let want = at.saturating_add(target.max(1));
            let mut cut = if want >= len { len } else { align(want) };
            if cut <= at {
                cut = align_element(want).max(at + row.min(len - at));
            }
            parts.push((at, cut));
            at = cut;
        }
        if parts.is_empty() {
            parts.push((0, 0));
        }
        parts
    }

    fn elements(&self) -> u64 {
        self.samples * self.channels
    }
}

/// Scratch for one batch of decoded rows: at least one row of every channel (bounded by
/// `MAX_CHANNELS`).
fn scratch_len(header: &NpyHeader) -> usize {
    SCRATCH.max(header.channels as usize)
}

enum State {
    /// Collecting the magic, version and header length.
    Preamble,
    /// Collecting the header dictionary of this many bytes, of this major version.
    Dict(usize, u8),
    /// Decoding array data.
    Data,
}

/// Incremental NPY parser: push bytes, receive per-channel sample blocks.
pub struct NpyReader {
    state: State,
    /// Absolute offset of the next byte to be pushed.
    offset: u64,
    /// Preamble and header bytes collected so far (bounded by `MAX_HEADER_LEN`).
    buf: Vec<u8>,
    header: Option<NpyHeader>,
    /// Index of the next element (in file order).
    elem: u64,
    /// Element index at which this reader's input ends.
    end_elem: u64,
    /// The first bytes of an element split across pushes.
    carry: [u8; 8],
    carry_len: usize,
    scratch: Vec<f64>,
}

impl Default for NpyReader {
    fn default() -> Self {
        Self::new()
    }
}

impl NpyReader {
    /// A reader expecting the start of an NPY file.
    pub fn new() -> Self {
        NpyReader {
            state: State::Preamble,
            offset: 0,
            buf: Vec::new(),
            header: None,
            elem: 0,
            end_elem: 0,
            carry: [0; 8],
            carry_len: 0,
            scratch: Vec::new(),
        }
    }

    /// A reader for the data bytes `start..end` (relative to the start of the data) of a
    /// file whose header is already parsed: the way one file is split across threads.
    ///
    /// # Panics
    /// If `start` or `end` is not a multiple of the element size, or beyond the data.
    pub fn resume(header: NpyHeader, start: u64, end: u64) -> Self {
        let size = header.dtype.size as u64;
        assert!(start % size == 0 && end % size == 0 && start <= end && end <= header.data_len);
        NpyReader {
            state: State::Data,
            offset: header.data_offset + start,
            buf: Vec::new(),
            elem: start / size,
            end_elem: end / size,
            scratch: vec![0.0; scratch_len(&header)],
            header: Some(header),
            carry: [0; 8],
            carry_len: 0,
        }
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<&NpyHeader> {
        self.header.as_ref()
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, mut bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        while !bytes.is_empty() {
            match self.state {
                State::Preamble => bytes = self.push_preamble(bytes)?,
                State::Dict(len, major) => bytes = self.push_dict(bytes, len, major, sink)?,
                State::Data => return self.push_data(bytes, sink),
            }
        }
        Ok(())
    }

    /// Check that the input was complete and return the header.
    pub fn finish(self) -> Result<NpyHeader> {
        let expected = match (&self.state, &self.header) {
            (State::Data, Some(h)) if self.elem == self.end_elem && self.carry_len == 0 => {
                return Ok(h.clone())
            }
            (State::Data, Some(h)) => format!(
                "{} data bytes for shape {:?} of {} (got {})",
                (self.end_elem * h.dtype.size as u64).saturating_sub(self.offset - h.data_offset),
                h.shape,
                h.dtype.name(),
                self.offset - h.data_offset
            ),
            (State::Dict(len, _), _) => format!("a header dictionary of {len} bytes"),
            _ => match self.buf.len() {
                0..=5 => "the NPY magic \\x93NUMPY".to_string(),
                6..=7 => "the NPY format version".to_string(),
                _ => "the NPY header length".to_string(),
            },
        };
        Err(Error::Truncated {
            offset: self.offset,
            expected,
        })
    }

    fn push_preamble<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8]> {
        let have = self.buf.len();
        // Bytes needed: magic + version, then the header length once the version is known.
        let need = if have < 8 {
            8
        } else if self.buf[6] == 1 {
            10
        } else {
            12
        };
        let take = (need - have).min(bytes.len());
        for (i, &b) in bytes[..take].iter().enumerate() {
            let at = have + i;
            if at < 6 && b != MAGIC[at] {
                return Err(Error::Malformed {
                    offset: at as u64,
                    expected: "the NPY magic \\x93NUMPY".to_string(),
                    found: format!("byte 0x{b:02x}"),
                });
            }
            if at == 6 && !(1..=3).contains(&b) {
                return Err(Error::Unsupported {
                    offset: 6,
                    what: format!("NPY format version {b} (supported: 1.0, 2.0, 3.0)"),
                });
            }
            if at == 7 && b != 0 {
                return Err(Error::Unsupported {
                    offset: 7,
                    what: format!("NPY format version {}.{b}", self.buf[6]),
                });
            }
            self.buf.push(b);
        }
        self.offset += take as u64;
        if self.buf.len() == need && need > 8 {
            let len = if need == 10 {
                u64::from(u16::from_le_bytes([self.buf[8], self.buf[9]]))
            } else {
                u64::from(u32::from_le_bytes([
                    self.buf[8],
                    self.buf[9],
                    self.buf[10],
                    self.buf[11],
                ]))
            };
            if len > MAX_HEADER_LEN {
                return Err(Error::Limit {
                    offset: 8,
                    what: format!("header length {len}"),
                    limit: MAX_HEADER_LEN,
                });
            }
            let major = self.buf[6];
            self.buf.clear();
            self.state = State::Dict(len as usize, major);
        }
        Ok(&bytes[take..])
    }

    fn push_dict<'b>(
        &mut self,
        bytes: &'b [u8],
        len: usize,
        major: u8,
        sink: &mut dyn BlockSink,
    ) -> Result<&'b [u8]> {
        let take = (len - self.buf.len()).min(bytes.len());
        self.buf.extend_from_slice(&bytes[..take]);
        self.offset += take as u64;
        if self.buf.len() == len {
            let dict_at = self.offset - len as u64;
            let dict = npy_header::parse(&self.buf, dict_at)?;
            let header = NpyHeader::from_dict(dict, (major, 0), self.offset, dict_at)?;
            self.end_elem = header.elements();
            sink.begin(header.layout())?;
            self.scratch = vec![0.0; scratch_len(&header)];
            self.header = Some(header);
            self.buf = Vec::new();
            self.state = State::Data;
        }
        Ok(&bytes[take..])
    }

    fn push_data(&mut self, mut bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        let Some(header) = self.header.take() else {
            unreachable!("data state without a header");
        };
        let result = (|| {
            let size = header.dtype.size;
            let remaining = (self.end_elem - self.elem) * size as u64 - self.carry_len as u64;
            if bytes.len() as u64 > remaining {
                let end = self.offset + remaining;
                return Err(Error::Malformed {
                    offset: end,
                    expected: "the end of the file after the array data".to_string(),
                    found: "more bytes".to_string(),
                });
            }
            if self.carry_len > 0 {
                let take = (size - self.carry_len).min(bytes.len());
                self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&bytes[..take]);
                self.carry_len += take;
                self.offset += take as u64;
                bytes = &bytes[take..];
                if self.carry_len < size {
                    return Ok(());
                }
                let carry = self.carry;
                self.carry_len = 0;
                self.emit(&header, &carry[..size], 1, sink)?;
            }
            let whole = bytes.len() / size;
            self.emit(&header, &bytes[..whole * size], whole as u64, sink)?;
            let rest = &bytes[whole * size..];
            self.carry[..rest.len()].copy_from_slice(rest);
            self.carry_len = rest.len();
            self.offset += bytes.len() as u64;
            Ok(())
        })();
        self.header = Some(header);
        result
    }

    /// Decode `count` whole elements starting at element `self.elem` and emit them.
    fn emit(
        &mut self,
        h: &NpyHeader,
        bytes: &[u8],
        count: u64,
        sink: &mut dyn BlockSink,
    ) -> Result<()> {
        let size = h.dtype.size;
        let (n, c) = (h.samples, h.channels);
        let mut done = 0u64;
        let at = |done: u64| &bytes[(done as usize) * size..];
        if h.fortran_order || c == 1 {
            while done < count {
                let e = self.elem + done;
                let (ch, s) = (e / n, e % n);
                let m = (count - done).min(n - s).min(SCRATCH as u64) as usize;
                h.dtype.decode(at(done), &mut self.scratch[..m]);
                sink.block(Block {
                    channel: ch as usize,
                    start: s,
                    samples: &self.scratch[..m],
                })?;
                done += m as u64;
            }
        } else {
            let rows_per_batch = (SCRATCH as u64 / c).max(1);
            while done < count {
                let e = self.elem + done;
                let (row, ch) = (e / c, e % c);
                if ch != 0 || count - done < c {
                    // A partial row at either end of the pushed bytes: one element at a time.
                    h.dtype.decode(at(done), &mut self.scratch[..1]);
                    sink.block(Block {
                        channel: ch as usize,
                        start: row,
                        samples: &self.scratch[..1],
                    })?;
                    done += 1;
                    continue;
                }
                let rows = ((count - done) / c).min(rows_per_batch) as usize;
                let pitch = rows_per_batch as usize;
                h.dtype
                    .decode_rows(at(done), c as usize, rows, &mut self.scratch, pitch);
                for ch in 0..c as usize {
                    let samples = &self.scratch[ch * pitch..ch * pitch + rows];
                    sink.block(Block {
                        channel: ch,
                        start: row,
                        samples,
                    })?;
                }
                done += rows as u64 * c;
            }
        }
        self.elem += count;
        Ok(())
    }
}

impl NpyHeader {
    /// Parse the header from the first bytes of a file (at least the whole header).
    pub fn parse(prefix: &[u8]) -> Result<NpyHeader> {
        let mut reader = NpyReader::new();
        let mut bytes = prefix;
        while !bytes.is_empty() && reader.header.is_none() {
            bytes = match reader.state {
                State::Preamble => reader.push_preamble(bytes)?,
                State::Dict(len, major) => {
                    reader.push_dict(bytes, len, major, &mut crate::kernel::Discard)?
                }
                State::Data => break,
            };
        }
        match reader.header {
            Some(h) => Ok(h),
            None => reader.finish(),
        }
    }
}

#[cfg(test)]
#[path = "npy_tests.rs"]
mod tests;
