//! Streaming gunzip (RFC 1952) in front of the trace reader: the header (with its optional
//! extra field, name, comment and header CRC) is parsed here, the deflate data is inflated
//! with `miniz_oxide` in chunks, and every member's trailer is checked (CRC-32 and ISIZE).
//! Concatenated members are read one after the other.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use crate::formats::zip::Crc32;
use crate::{Error, Result};

/// The inflate output window (the deflate history size).
const WINDOW: usize = 32 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Collecting the 10 fixed header bytes (or, between members, the next magic).
    Header,
    /// Optional header parts still to skip: flags left, and bytes of the current part.
    Extra,
    Data,
    Trailer,
    /// A member ended; more bytes start another member.
    End,
}

/// Push-based gunzip: compressed chunks in, decompressed chunks out to a callback.
pub struct Gunzip {
    stage: Stage,
    buf: Vec<u8>,
    flags: u8,
    extra_left: Option<usize>,
    state: Box<DecompressorOxide>,
    window: Vec<u8>,
    pos: usize,
    crc: Crc32,
    size: u32,
    offset: u64,
    members: u64,
}

impl core::fmt::Debug for Gunzip {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gunzip")
            .field("offset", &self.offset)
            .finish()
    }
}

impl Default for Gunzip {
    fn default() -> Self {
        Self::new()
    }
}

impl Gunzip {
    /// A decoder at the start of a gzip file.
    pub fn new() -> Self {
        Gunzip {
            stage: Stage::Header,
            buf: Vec::new(),
            flags: 0,
            extra_left: None,
            state: Box::default(),
            window: vec![0; WINDOW],
            pos: 0,
            crc: Crc32::new(),
            size: 0,
            offset: 0,
            members: 0,
        }
    }

    fn bad(&self, at: u64, expected: &str, found: impl Into<alloc::string::String>) -> Error {
        Error::Malformed {
            offset: at,
            expected: format!("gzip: {expected}"),
            found: found.into(),
        }
    }

    /// Decompress `chunk`, handing the output to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let mut input = chunk;
        while !input.is_empty() {
            let at = self.offset;
            match self.stage {
                Stage::Header | Stage::End => {
                    let take = (10 - self.buf.len()).min(input.len());
                    self.buf.extend_from_slice(&input[..take]);
                    self.advance(&mut input, take);
                    if self.buf.len() < 10 {
                        continue;
                    }
                    let h = core::mem::take(&mut self.buf);
                    if h[0] != 0x1f || h[1] != 0x8b {
                        return Err(self.bad(
                            at,
                            "magic 1f 8b",
                            format!("{:02x} {:02x}", h[0], h[1]),
                        ));
                    }
                    if h[2] != 8 {
                        return Err(self.bad(
                            at,
                            "compression method 8 (deflate)",
                            format!("{}", h[2]),
                        ));
                    }
                    if h[3] & 0xe0 != 0 {
                        return Err(self.bad(
                            at,
                            "reserved flag bits clear",
                            format!("0x{:02x}", h[3]),
                        ));
                    }
                    self.flags = h[3];
                    self.extra_left = None;
                    self.stage = Stage::Extra;
                }
                Stage::Extra => self.skip_header_parts(&mut input)?,
                Stage::Data => {
                    let flags = inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
                    let (status, used, written) =
                        decompress(&mut self.state, input, &mut self.window, self.pos, flags);
                    self.advance(&mut input, used);
                    if written > 0 {
                        let data = &self.window[self.pos..self.pos + written];
                        self.crc.update(data);
                        self.size = self.size.wrapping_add(written as u32);
                        out(data)?;
                        self.pos = (self.pos + written) & (WINDOW - 1);
                    }
                    match status {
                        TINFLStatus::Done => {
                            self.stage = Stage::Trailer;
                        }
                        TINFLStatus::HasMoreOutput => {}
                        TINFLStatus::NeedsMoreInput
                            if used > 0 || written > 0 || input.is_empty() => {}
                        s => return Err(self.bad(at, "a valid deflate stream", format!("{s:?}"))),
                    }
                }
                Stage::Trailer => {
                    let take = (8 - self.buf.len()).min(input.len());
                    self.buf.extend_from_slice(&input[..take]);
                    self.advance(&mut input, take);
                    if self.buf.len() == 8 {
                        let t = core::mem::take(&mut self.buf);
                        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
                        let isize = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
                        if crc != self.crc.value() {
                            return Err(self.bad(
                                self.offset - 8,
                                &format!("CRC-32 {crc:08x} of the data"),
                                format!("{:08x}", self.crc.value()),
                            ));
                        }
                        if isize != self.size {
                            return Err(self.bad(
                                self.offset - 4,
                                &format!("ISIZE {isize} (data length mod 2^32)"),
                                format!("{}", self.size),
                            ));
                        }
                        self.members += 1;
                        self.stage = Stage::End;
                    }
                }
            }
        }
        Ok(())
    }

    fn advance(&mut self, input: &mut &[u8], n: usize) {
        *input = &input[n..];
        self.offset += n as u64;
    }

    /// FEXTRA (2-byte length + data), FNAME and FCOMMENT (zero-terminated), FHCRC (2 bytes).
    fn skip_header_parts(&mut self, input: &mut &[u8]) -> Result<()> {
        const FHCRC: u8 = 2;
        const FEXTRA: u8 = 4;
        const FNAME: u8 = 8;
        const FCOMMENT: u8 = 16;
        while !input.is_empty() {
            if let Some(left) = self.extra_left {
                let n = left.min(input.len());
                self.advance(input, n);
                self.extra_left = (left > n).then_some(left - n);
                continue;
            }
            if self.flags & FEXTRA != 0 {
                let take = (2 - self.buf.len()).min(input.len());
                self.buf.extend_from_slice(&input[..take]);
                self.advance(input, take);
                if self.buf.len() == 2 {
                    let n = usize::from(u16::from_le_bytes([self.buf[0], self.buf[1]]));
                    self.buf.clear();
                    self.flags &= !FEXTRA;
                    self.extra_left = (n > 0).then_some(n);
                }
                continue;
            }
            if self.flags & (FNAME | FCOMMENT) != 0 {
                let flag = if self.flags & FNAME != 0 {
                    FNAME
                } else {
                    FCOMMENT
                };
                match input.iter().position(|&b| b == 0) {
                    Some(p) => {
                        self.advance(input, p + 1);
                        self.flags &= !flag;
                    }
                    None => {
                        let n = input.len();
                        self.advance(input, n);
                    }
                }
                continue;
            }
            if self.flags & FHCRC != 0 {
                self.flags &= !FHCRC;
                self.extra_left = Some(2);
                continue;
            }
            break;
        }
        if self.flags & (FHCRC | FEXTRA | FNAME | FCOMMENT) == 0 && self.extra_left.is_none() {
            self.stage = Stage::Data;
            *self.state = DecompressorOxide::default();
            self.crc = Crc32::new();
            self.size = 0;
            self.pos = 0;
        }
        Ok(())
    }

    /// Check that the input ended after a complete member.
    pub fn finish(&self) -> Result<()> {
        if self.stage == Stage::End && self.buf.is_empty() {
            return Ok(());
        }
        Err(Error::Truncated {
            offset: self.offset,
            expected: match self.stage {
                Stage::Data => "the rest of the gzip deflate stream".into(),
                Stage::Trailer => "the gzip trailer (CRC-32 and ISIZE)".into(),
                _ => "a complete gzip header".into(),
            },
        })
    }
}
