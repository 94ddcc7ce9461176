//! numpy `.npz` archives: a zip of `.npy` **members**, stored (`np.savez`) or deflated
//! (`np.savez_compressed`). An **array** is a member named `<name>.npy`; other members are
//! not arrays and are left out.
//!
//! # Caller protocol
//! Build the [`ZipIndex`] (see [`crate::formats::zip`]) and wrap it in an [`NpzIndex`] to
//! list the arrays. For one array, push the bytes of its entry's [`span`](ZipEntry::span)
//! (from [`NpzIndex::entry`]) in order, in chunks of any size:
//! - to an [`NpzHeaderReader`] to learn its [`NpyHeader`]: it needs only the first bytes, so
//!   the caller may stop pushing as soon as [`NpzHeaderReader::push`] returns the header;
//! - to an [`NpzMemberReader`] to stream its samples through an [`NpyReader`] to a
//!   [`BlockSink`]; [`NpzMemberReader::finish`] checks the zip sizes and CRC-32 too.
//!
//! Errors inside a member name it. For a stored member their offsets are absolute; for a
//! deflated member the offset is its local header and the text gives the position within
//! the inflated member.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::npy::{NpyHeader, NpyReader, MAX_HEADER_LEN};
use super::zip::{EntryReader, Method, ZipEntry, ZipIndex};
use crate::kernel::BlockSink;
use crate::{Error, Result};

/// One array of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpzMember {
    /// The array name: the member name without `.npy`.
    pub name: String,
    /// Position of the member in [`ZipIndex::entries`].
    pub entry: usize,
}

/// The arrays of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpzIndex {
    zip: ZipIndex,
    members: Vec<NpzMember>,
}

impl NpzIndex {
    /// List the `.npy` members of `zip`. Two members of one name are an error.
    pub fn new(zip: ZipIndex) -> Result<Self> {
        let mut members: Vec<NpzMember> = Vec::new();
        for (i, e) in zip.entries().iter().enumerate() {
            let Some(name) = e.name.strip_suffix(".npy") else {
                continue;
            };
            if members.iter().any(|m| m.name == name) {
                return Err(Error::Malformed {
                    offset: e.central_offset,
                    expected: format!("one npz member '{}'", e.name),
                    found: "two".to_string(),
                });
            }
            members.push(NpzMember {
                name: name.to_string(),
                entry: i,
            });
        }
        Ok(NpzIndex { zip, members })
    }

    /// The arrays in archive order.
    pub fn members(&self) -> &[NpzMember] {
        &self.members
    }

    /// The array named `name`.
    pub fn member(&self, name: &str) -> Option<&NpzMember> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The zip entry of a member.
    pub fn entry(&self, member: &NpzMember) -> &ZipEntry {
        &self.zip.entries()[member.entry]
    }

    /// The underlying zip index.
    pub fn zip(&self) -> &ZipIndex {
        &self.zip
    }
}

/// Put an error of the NPY parser, whose offsets count from the start of the member's
/// contents, into the context of the archive.
fn in_member(e: Error, entry: &ZipEntry, data_start: Option<u64>) -> Error {
    let stored = entry.method == Method::Stored;
    let (shift, place) = match data_start {
        Some(d) if stored => (Some(d), format!(" (in npz member '{}')", entry.name)),
        _ => (None, String::new()),
    };
    let map = |offset: u64, text: String| match shift {
        Some(d) => (d + offset, format!("{text}{place}")),
        None => (
            entry.local_header_offset,
            format!(
                "{text} (in npz member '{}', at byte {offset} of its inflated contents)",
                entry.name
            ),
        ),
    };
    match e {
        Error::Malformed {
            offset,
            expected,
            found,
        } => {
            let (offset, expected) = map(offset, expected);
            Error::Malformed {
                offset,
                expected,
                found,
            }
        }
        Error::Truncated { offset, expected } => {
            let (offset, expected) = map(offset, expected);
            Error::Truncated { offset, expected }
        }
        Error::Unsupported { offset, what } => {
            let (offset, what) = map(offset, what);
            Error::Unsupported { offset, what }
        }
        Error::Limit {
            offset,
            what,
            limit,
        } => {
            let (offset, what) = map(offset, what);
            Error::Limit {
                offset,
                what,
                limit,
            }
        }
        other => other,
    }
}

/// Bytes of member contents enough for any header the NPY reader accepts.
const HEADER_BUF: usize = 12 + MAX_HEADER_LEN as usize;

/// Collects the first bytes of a member until its NPY header parses, then checks that the
/// member holds exactly the array the header describes.
#[derive(Default)]
struct HeaderProbe {
    buf: Vec<u8>,
    header: Option<NpyHeader>,
}

impl HeaderProbe {
    /// Take the next member bytes. Errors have offsets within the member.
    fn feed(&mut self, b: &[u8], member_len: u64) -> Result<()> {
        if self.header.is_some() {
            return Ok(());
        }
        let take = (HEADER_BUF - self.buf.len()).min(b.len());
        self.buf.extend_from_slice(&b[..take]);
        // Parse once the whole header is there (its length field says when), or while the
        // buffer is short enough to parse cheaply, to fail early on a bad preamble.
        let h = &self.buf;
        let need = match h.get(6) {
            Some(1) if h.len() >= 10 => 10 + usize::from(u16::from_le_bytes([h[8], h[9]])),
            Some(2 | 3) if h.len() >= 12 => {
                12 + u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize
            }
            _ => 0,
        };
        if h.len() >= 12 && h.len() < need.min(HEADER_BUF) {
            return Ok(());
        }
        match NpyHeader::parse(h) {
            Ok(header) => {
                header.check_file_len(member_len)?;
                self.header = Some(header);
                self.buf = Vec::new();
                Ok(())
            }
            Err(Error::Truncated { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The header, or why the bytes seen do not hold one.
    fn finish(self, member_len: u64) -> Result<NpyHeader> {
        match self.header {
            Some(h) => Ok(h),
            None => {
                let h = NpyHeader::parse(&self.buf)?;
                h.check_file_len(member_len)?;
                Ok(h)
            }
        }
    }
}

/// Learns a member's [`NpyHeader`] from the first bytes of its span.
pub struct NpzHeaderReader {
    entry: EntryReader,
    probe: HeaderProbe,
}

impl NpzHeaderReader {
    /// A reader of `entry`'s header, expecting the first byte of its span.
    pub fn new(entry: &ZipEntry) -> Result<Self> {
        Ok(NpzHeaderReader {
            entry: EntryReader::new(entry)?,
            probe: HeaderProbe::default(),
        })
    }

    /// Consume the next bytes of the span; returns the header once it is known (later bytes
    /// are then ignored).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<&NpyHeader>> {
        if self.probe.header.is_none() {
            let (probe, len) = (&mut self.probe, self.entry.entry().uncompressed_size);
            let mut inner = false;
            let result = self.entry.push(bytes, &mut |b| {
                let r = probe.feed(b, len);
                inner = r.is_err();
                r
            });
            self.map(result, inner)?;
        }
        Ok(self.probe.header.as_ref())
    }

    /// The header, once known.
    pub fn header(&self) -> Option<&NpyHeader> {
        self.probe.header.as_ref()
    }

    /// The header; an error if the member ended (or the input stopped) before it.
    pub fn finish(self) -> Result<NpyHeader> {
        let entry = self.entry.entry().clone();
        let data_start = self.entry.data_start();
        if self.probe.header.is_none() && self.entry.is_complete() {
            self.entry.finish()?;
        }
        self.probe
            .finish(entry.uncompressed_size)
            .map_err(|e| in_member(e, &entry, data_start))
    }

    fn map(&self, result: Result<()>, inner: bool) -> Result<()> {
        match result {
            Err(e) if inner => Err(in_member(e, self.entry.entry(), self.entry.data_start())),
            other => other,
        }
    }
}

/// Streams one member's samples through an [`NpyReader`] to a [`BlockSink`]. The member
/// size is checked against the header before any sample is passed on.
pub struct NpzMemberReader {
    entry: EntryReader,
    probe: HeaderProbe,
    npy: NpyReader,
}

impl NpzMemberReader {
    /// A reader of `entry`, expecting the first byte of its span.
    pub fn new(entry: &ZipEntry) -> Result<Self> {
        Ok(NpzMemberReader {
            entry: EntryReader::new(entry)?,
            probe: HeaderProbe::default(),
            npy: NpyReader::new(),
        })
    }

    /// The member's header, once parsed.
    pub fn header(&self) -> Option<&NpyHeader> {
        self.npy.header()
    }

    /// Consume the next bytes of the span.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        let (probe, npy) = (&mut self.probe, &mut self.npy);
        let len = self.entry.entry().uncompressed_size;
        let mut inner = false;
        let result = self.entry.push(bytes, &mut |b| {
            // The probe sees the header complete no later than the NPY reader does, so the
            // size check comes before the first block.
            let r = probe.feed(b, len).and_then(|()| npy.push(b, sink));
            inner = r.is_err();
            r
        });
        match result {
            Err(e) if inner => Err(in_member(e, self.entry.entry(), self.entry.data_start())),
            other => other,
        }
    }

    /// Check the zip entry (sizes, CRC-32) and the array data, and return the header.
    pub fn finish(self) -> Result<NpyHeader> {
        let entry = self.entry.entry().clone();
        let data_start = self.entry.data_start();
        self.entry.finish()?;
        self.npy
            .finish()
            .map_err(|e| in_member(e, &entry, data_start))
    }
}

/// Every array of an archive held in memory, with its header.
pub fn list(file: &[u8]) -> Result<Vec<(String, NpyHeader)>> {
    let index = NpzIndex::new(ZipIndex::from_bytes(file)?)?;
    let mut out = Vec::with_capacity(index.members().len());
    for m in index.members() {
        let entry = index.entry(m);
        let mut r = NpzHeaderReader::new(entry)?;
        let span = entry.span();
        for chunk in file[span.start as usize..span.end as usize].chunks(1 << 16) {
            if r.push(chunk)?.is_some() {
                break;
            }
        }
        out.push((m.name.clone(), r.finish()?));
    }
    Ok(out)
}

/// Stream the array `name` of an archive held in memory to `sink`.
pub fn read_member(file: &[u8], name: &str, sink: &mut dyn BlockSink) -> Result<NpyHeader> {
    let index = NpzIndex::new(ZipIndex::from_bytes(file)?)?;
    let Some(m) = index.member(name) else {
        let names: Vec<&str> = index.members().iter().map(|m| m.name.as_str()).collect();
        return Err(Error::Config(format!(
            "no array '{name}' in the npz archive (arrays: {})",
            names.join(", ")
        )));
    };
    let entry = index.entry(m);
    let mut r = NpzMemberReader::new(entry)?;
    let span = entry.span();
    r.push(&file[span.start as usize..span.end as usize], sink)?;
    r.finish()
}

#[cfg(test)]
#[path = "npz_tests.rs"]
mod tests;
