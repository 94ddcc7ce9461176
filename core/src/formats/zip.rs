//! Zip archives (the container of sigrok `.sr` sessions and numpy `.npz` files), read without
//! doing I/O: a random-access [`ZipIndex`] plus a push-based [`EntryReader`] per entry.
//!
//! Vocabulary (PKWARE APPNOTE 6.3.10):
//! - The **tail** is the end of the file that holds the *end of central directory record*
//!   (EOCD, §4.3.16), possibly preceded by the ZIP64 EOCD record and locator (§4.3.14–15).
//! - The **central directory** (§4.3.12) lists every **entry**: name, method, sizes, CRC-32
//!   and the offset of its **local header** (§4.3.7), which is followed by the entry's data.
//! - An entry's **span** is the byte range of the file from its local header to where the
//!   next entry (or the central directory) starts: it holds the local header, the data and
//!   any data descriptor, and nothing of another entry.
//!
//! # Caller protocol
//! The caller owns I/O and reads byte ranges by absolute offset (a mmapped slice natively,
//! `File.slice` in a browser worker):
//! 1. read the range [`ZipIndex::locate`]`(file_len)` (the last bytes of the file);
//! 2. [`ZipIndex::parse_tail`] on those bytes gives the [`CentralDirRange`]; read its
//!    [`range`](CentralDirRange::range);
//! 3. [`CentralDirRange::parse`] (or [`ZipIndex::parse_central`]) on those bytes gives the
//!    [`ZipIndex`];
//! 4. for an entry, create an [`EntryReader`] and push the bytes of [`ZipEntry::span`] in
//!    order, in chunks of any size; the reader ignores the bytes after the entry's data.
//!    [`EntryReader::finish`] verifies the sizes and the CRC-32.
//!
//! [`ZipIndex::from_bytes`] runs steps 1–3 on a whole file in memory.
//!
//! Only stored (0) and deflated (8) entries of single-disk archives can be read; encrypted
//! entries are refused. Every count and size taken from the archive is checked against the
//! bytes actually present before anything is allocated for it.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use crate::{Error, Result};

/// Length of the end of central directory record without its comment.
const EOCD_LEN: usize = 22;
/// Length of the ZIP64 end of central directory locator.
const LOCATOR_LEN: usize = 20;
/// Length of the ZIP64 end of central directory record without extensible data.
const ZIP64_EOCD_LEN: usize = 56;
/// Length of a central directory record without name, extra field and comment.
const CENTRAL_LEN: usize = 46;
/// Length of a local header without name and extra field.
const LOCAL_LEN: usize = 30;
const EOCD_SIG: u32 = 0x0605_4b50;
const LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
/// Size of the inflate output window: the deflate history size, the smallest that works.
const WINDOW: usize = 32 * 1024;
/// The most bytes between an entry's data and the next entry: a data descriptor.
const DESCRIPTOR_MAX: u64 = 24;

/// How many bytes at the end of a file [`ZipIndex::locate`] asks for: the EOCD with the
/// longest comment (22 + 65 535 bytes), preceded by a ZIP64 locator and record.
pub const TAIL_LEN: u64 = (EOCD_LEN + 0xFFFF + LOCATOR_LEN + ZIP64_EOCD_LEN) as u64;
/// Most entries accepted in one archive.
pub const MAX_ENTRIES: u64 = 1 << 20;
/// Largest central directory accepted, in bytes.
pub const MAX_CENTRAL_DIR: u64 = 1 << 26;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// The CRC-32 tables (IEEE 802.3, reflected polynomial 0xEDB88320) for slicing by 8.
static CRC_TABLES: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut s = 1;
    while s < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        s += 1;
    }
    t
}

/// A running CRC-32 (the checksum zip stores for every entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    /// The CRC of no bytes.
    pub fn new() -> Self {
        Crc32(0)
    }

    /// Continue over `data`.
    pub fn update(&mut self, data: &[u8]) {
        let t = &CRC_TABLES;
        let mut c = !self.0;
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            let lo = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) ^ c;
            let hi = u32::from_le_bytes([w[4], w[5], w[6], w[7]]);
            c = t[7][(lo & 0xFF) as usize]
                ^ t[6][((lo >> 8) & 0xFF) as usize]
                ^ t[5][((lo >> 16) & 0xFF) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][(hi & 0xFF) as usize]
                ^ t[2][((hi >> 8) & 0xFF) as usize]
                ^ t[1][((hi >> 16) & 0xFF) as usize]
                ^ t[0][(hi >> 24) as usize];
        }
        for &b in words.remainder() {
            c = t[0][((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = !c;
    }

    /// The checksum of everything so far.
    pub fn value(&self) -> u32 {
        self.0
    }
}

/// The CRC-32 of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(data);
    c.value()
}

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Method 0: the bytes as they are.
    Stored,
    /// Method 8: a raw deflate stream (RFC 1951).
    Deflate,
    /// Any other method number (listed, but [`EntryReader`] refuses it).
    Other(u16),
}

/// Where the central directory is, as the end of central directory record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CentralDirRange {
    /// Absolute offset of the first central directory record.
    pub offset: u64,
    /// Size of the central directory in bytes.
    pub size: u64,
    /// Number of entries.
    pub entries: u64,
    /// Whether the ZIP64 record gave these values.
    pub zip64: bool,
}

impl CentralDirRange {
    /// The byte range of the file to read for [`CentralDirRange::parse`].
    pub fn range(&self) -> Range<u64> {
        self.offset..self.offset + self.size
    }

    /// Parse the central directory from `bytes`, the file's bytes of [`Self::range`].
    pub fn parse(&self, bytes: &[u8]) -> Result<ZipIndex> {
        if bytes.len() as u64 != self.size {
            return Err(Error::Truncated {
                offset: self.offset + bytes.len() as u64,
                expected: format!("a central directory of {} bytes", self.size),
            });
        }
        ZipIndex::parse_records(bytes, self.offset, Some(self.entries))
    }
}

/// One entry of the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The name (UTF-8; other encodings are decoded lossily).
    pub name: String,
    /// The compression method.
    pub method: Method,
    /// The general purpose bit flags (bit 0: encrypted, bit 3: data descriptor).
    pub flags: u16,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Size of the stored data in bytes.
    pub compressed_size: u64,
    /// Size of the data once inflated, in bytes.
    pub uncompressed_size: u64,
    /// Absolute offset of the local header.
    pub local_header_offset: u64,
    /// Absolute offset of this entry's central directory record.
    pub central_offset: u64,
    /// Where the entry's span ends (see [`ZipEntry::span`]).
    span_end: u64,
}

impl ZipEntry {
    /// The byte range of the file that holds this entry: push it to an [`EntryReader`].
    /// It starts at the local header and ends where the next entry or the central directory
    /// starts, or after the longest possible local header, data and data descriptor.
    pub fn span(&self) -> Range<u64> {
        self.local_header_offset..self.span_end
    }

    /// Whether the entry is encrypted (general purpose bit 0).
    pub fn is_encrypted(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// The central directory of an archive: every entry and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipIndex {
    entries: Vec<ZipEntry>,
    central: Range<u64>,
}

impl ZipIndex {
    /// The range of a file of `file_len` bytes to read for [`ZipIndex::parse_tail`]: the last
    /// `min(file_len, TAIL_LEN)` bytes.
    pub fn locate(file_len: u64) -> Range<u64> {
        file_len.saturating_sub(TAIL_LEN)..file_len
    }

    /// Find the end of central directory record (and the ZIP64 record, if any) in `tail`,
    /// the last bytes of a file of `file_len` bytes, and check where it puts the directory.
    ///
    /// # Panics
    /// If `tail` is longer than `file_len`.
    pub fn parse_tail(tail: &[u8], file_len: u64) -> Result<CentralDirRange> {
        assert!(
            tail.len() as u64 <= file_len,
            "the tail is longer than the file"
        );
        let base = file_len - tail.len() as u64;
        let pos = find_eocd(tail).ok_or_else(|| Error::Malformed {
            offset: base,
            expected: format!(
                "a zip end of central directory record (PK\\x05\\x06) in the last {} bytes",
                tail.len()
            ),
            found: "none".to_string(),
        })?;
        let e = &tail[pos..];
        let at = base + pos as u64;
        let (disk, cd_disk) = (u16_at(e, 4), u16_at(e, 6));
        let (on_disk, total) = (u16_at(e, 8), u16_at(e, 10));
        let (size, offset) = (u32_at(e, 12), u32_at(e, 16));
        let has_locator = pos >= LOCATOR_LEN && u32_at(tail, pos - LOCATOR_LEN) == LOCATOR_SIG;
        let saturated = total == 0xFFFF || size == u32::MAX || offset == u32::MAX;
        let dir = if has_locator {
            parse_zip64(tail, base, pos - LOCATOR_LEN)?
        } else if saturated {
            return Err(Error::Malformed {
                offset: at.saturating_sub(LOCATOR_LEN as u64),
                expected:
                    "a ZIP64 end of central directory locator (the record has saturated fields)"
                        .to_string(),
                found: "none".to_string(),
            });
        } else {
            if disk != 0 || cd_disk != 0 || on_disk != total {
                return Err(Error::Unsupported {
                    offset: at + 4,
                    what: format!(
                        "multi-disk zip archive (disk {disk}, directory on disk {cd_disk})"
                    ),
                });
            }
            // The central directory ends where the EOCD starts.
            (
                CentralDirRange {
                    offset: u64::from(offset),
                    size: u64::from(size),
                    entries: u64::from(total),
                    zip64: false,
                },
                at,
                at + 10,
            )
        };
        check_dir(dir.0, dir.1, dir.2)
    }

    /// Parse the central directory records in `bytes`, which start at absolute offset `at`
    /// (the central directory's offset). Every byte must belong to a record.
    pub fn parse_central(bytes: &[u8], at: u64) -> Result<ZipIndex> {
        Self::parse_records(bytes, at, None)
    }

    /// Build the index of a whole archive held in memory.
    pub fn from_bytes(file: &[u8]) -> Result<ZipIndex> {
        let len = file.len() as u64;
        let tail = Self::locate(len);
        let dir = Self::parse_tail(&file[tail.start as usize..], len)?;
        let r = dir.range();
        dir.parse(&file[r.start as usize..r.end as usize])
    }

    /// Every entry, in central directory order.
    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// The first entry named `name`.
    pub fn find(&self, name: &str) -> Option<&ZipEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Where the central directory is.
    pub fn central_dir(&self) -> Range<u64> {
        self.central.clone()
    }

    fn parse_records(bytes: &[u8], at: u64, expected: Option<u64>) -> Result<ZipIndex> {
        let mut entries = Vec::new();
        let mut pos = 0usize;
        while pos < bytes.len() {
            let rec_at = at + pos as u64;
            if entries.len() as u64 >= expected.unwrap_or(MAX_ENTRIES) {
                return Err(match expected {
                    Some(n) => Error::Malformed {
                        offset: rec_at,
                        expected: format!("the end of the central directory after {n} entries"),
                        found: format!("{} more bytes", bytes.len() - pos),
                    },
                    None => Error::Limit {
                        offset: rec_at,
                        what: "number of zip entries".to_string(),
                        limit: MAX_ENTRIES,
                    },
                });
            }
            let (entry, len) = parse_record(&bytes[pos..], rec_at, at)?;
            entries.push(entry);
            pos += len;
        }
        if let Some(n) = expected {
            if entries.len() as u64 != n {
                return Err(Error::Malformed {
                    offset: at + bytes.len() as u64,
                    expected: format!("{n} central directory records"),
                    found: format!("{}", entries.len()),
                });
            }
        }
        set_spans(&mut entries, at)?;
        Ok(ZipIndex {
            entries,
            central: at..at + bytes.len() as u64,
        })
    }
}

/// Position of the EOCD in `tail`: the last signature whose comment ends the file exactly,
/// else the last one whose record fits (a file with bytes appended).
fn find_eocd(tail: &[u8]) -> Option<usize> {
    let last = tail.len().checked_sub(EOCD_LEN)?;
    let sig = EOCD_SIG.to_le_bytes();
    let candidates = (0..=last).rev().filter(|&p| tail[p..p + 4] == sig);
    let fits = |p: &usize| p + EOCD_LEN + usize::from(u16_at(tail, p + 20)) <= tail.len();
    let exact = |p: &usize| p + EOCD_LEN + usize::from(u16_at(tail, p + 20)) == tail.len();
    candidates
        .clone()
        .find(exact)
        .or_else(|| candidates.clone().find(fits))
}

/// Read the ZIP64 locator at `loc` (in `tail`, which starts at absolute `base`) and the
/// record it points to. Returns the directory, where its end may be, and the field offset.
fn parse_zip64(tail: &[u8], base: u64, loc: usize) -> Result<(CentralDirRange, u64, u64)> {
    let loc_at = base + loc as u64;
    let l = &tail[loc..];
    let (rec_disk, record, disks) = (u32_at(l, 4), u64_at(l, 8), u32_at(l, 16));
    if rec_disk != 0 || disks > 1 {
        return Err(Error::Unsupported {
            offset: loc_at + 4,
            what: format!("multi-disk zip archive ({disks} disks)"),
        });
    }
    let fits = record >= base && record + ZIP64_EOCD_LEN as u64 <= loc_at;
    if !fits {
        return Err(if record < base && record < loc_at {
            Error::Unsupported {
                offset: loc_at + 8,
                what: format!(
                    "ZIP64 end of central directory record at byte {record}, before the last {} bytes",
                    tail.len()
                ),
            }
        } else {
            Error::Malformed {
                offset: loc_at + 8,
                expected: format!("a ZIP64 end of central directory record before byte {loc_at}"),
                found: format!("offset {record}"),
            }
        });
    }
    let r = &tail[(record - base) as usize..];
    if u32_at(r, 0) != ZIP64_EOCD_SIG {
        return Err(Error::Malformed {
            offset: record,
            expected: "a ZIP64 end of central directory record (PK\\x06\\x06)".to_string(),
            found: format!("0x{:08x}", u32_at(r, 0)),
        });
    }
    let (disk, cd_disk) = (u32_at(r, 16), u32_at(r, 20));
    let (on_disk, total) = (u64_at(r, 24), u64_at(r, 32));
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(Error::Unsupported {
            offset: record + 16,
            what: format!("multi-disk zip archive (disk {disk}, directory on disk {cd_disk})"),
        });
    }
    let dir = CentralDirRange {
        offset: u64_at(r, 48),
        size: u64_at(r, 40),
        entries: total,
        zip64: true,
    };
    Ok((dir, record, record + 32))
}

/// Check the directory values against the limits and against `end`, where the records that
/// follow the directory start.
fn check_dir(dir: CentralDirRange, end: u64, field_at: u64) -> Result<CentralDirRange> {
    if dir.entries > MAX_ENTRIES {
        return Err(Error::Limit {
            offset: field_at,
            what: format!("zip entry count {}", dir.entries),
            limit: MAX_ENTRIES,
        });
    }
    if dir.size > MAX_CENTRAL_DIR {
        return Err(Error::Limit {
            offset: field_at + 2,
            what: format!("central directory size {}", dir.size),
            limit: MAX_CENTRAL_DIR,
        });
    }
    match dir.offset.checked_add(dir.size) {
        Some(e) if e <= end => {}
        _ => {
            return Err(Error::Malformed {
                offset: field_at + 2,
                expected: format!("a central directory that ends by byte {end}"),
                found: format!("offset {} + size {}", dir.offset, dir.size),
            })
        }
    }
    if dir.entries.saturating_mul(CENTRAL_LEN as u64) > dir.size {
        return Err(Error::Malformed {
            offset: field_at,
            expected: format!("at most {} entries in {} bytes", dir.size / 46, dir.size),
            found: format!("{} entries", dir.entries),
        });
    }
    Ok(dir)
}

/// Parse the central directory record at the start of `b` (absolute `at`); `cd` is where
/// the directory starts. Returns the entry and the record's length.
fn parse_record(b: &[u8], at: u64, cd: u64) -> Result<(ZipEntry, usize)> {
    let short = |what: &str| Error::Truncated {
        offset: at + b.len() as u64,
        expected: format!("{what} of the central directory record at byte {at}"),
    };
    if b.len() < CENTRAL_LEN {
        return Err(short("the fixed fields"));
    }
    if u32_at(b, 0) != CENTRAL_SIG {
        return Err(Error::Malformed {
            offset: at,
            expected: "a central directory record (PK\\x01\\x02)".to_string(),
            found: format!("0x{:08x}", u32_at(b, 0)),
        });
    }
    let (n, m, k) = (
        usize::from(u16_at(b, 28)),
        usize::from(u16_at(b, 30)),
        usize::from(u16_at(b, 32)),
    );
    let len = CENTRAL_LEN + n + m + k;
    if b.len() < len {
        return Err(short("the name, extra field and comment"));
    }
    let name = String::from_utf8_lossy(&b[CENTRAL_LEN..CENTRAL_LEN + n]).into_owned();
    let method = match u16_at(b, 10) {
        0 => Method::Stored,
        8 => Method::Deflate,
        other => Method::Other(other),
    };
    let mut usize_ = u64::from(u32_at(b, 24));
    let mut csize = u64::from(u32_at(b, 20));
    let mut lho = u64::from(u32_at(b, 42));
    let disk = u16_at(b, 34);
    let extra = &b[CENTRAL_LEN + n..CENTRAL_LEN + n + m];
    if usize_ == 0xFFFF_FFFF || csize == 0xFFFF_FFFF || lho == 0xFFFF_FFFF || disk == 0xFFFF {
        let missing = || Error::Malformed {
            offset: at + (CENTRAL_LEN + n) as u64,
            expected: format!("a ZIP64 extra field with the saturated sizes of entry '{name}'"),
            found: "none".to_string(),
        };
        let z = find_extra(extra, 1).ok_or_else(missing)?;
        let mut i = 0;
        for field in [&mut usize_, &mut csize, &mut lho] {
            if *field == 0xFFFF_FFFF {
                if z.len() < i + 8 {
                    return Err(missing());
                }
                *field = u64_at(z, i);
                i += 8;
            }
        }
    }
    if disk != 0 && disk != 0xFFFF {
        return Err(Error::Unsupported {
            offset: at + 34,
            what: format!("multi-disk zip archive (entry '{name}' on disk {disk})"),
        });
    }
    // The local header, name and data must lie before the central directory.
    let data_end = lho
        .checked_add((LOCAL_LEN + n) as u64)
        .and_then(|x| x.checked_add(csize));
    if !matches!(data_end, Some(e) if e <= cd) {
        return Err(Error::Malformed {
            offset: at + 20,
            expected: format!("entry '{name}' (its local header, name and data) before the central directory at byte {cd}"),
            found: format!("local header at byte {lho} and {csize} bytes of data"),
        });
    }
    let entry = ZipEntry {
        name,
        method,
        flags: u16_at(b, 8),
        crc32: u32_at(b, 16),
        compressed_size: csize,
        uncompressed_size: usize_,
        local_header_offset: lho,
        central_offset: at,
        span_end: 0,
    };
    Ok((entry, len))
}

/// The data of the first extra field block with header id `id`.
fn find_extra(mut extra: &[u8], id: u16) -> Option<&[u8]> {
    while extra.len() >= 4 {
        let (tag, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let data = extra.get(4..4 + len)?;
        if tag == id {
            return Some(data);
        }
        extra = &extra[4 + len..];
    }
    None
}

/// Each entry's span ends at the next local header (or the central directory at `cd`).
/// Two entries sharing a local header would overlap: refused.
fn set_spans(entries: &mut [ZipEntry], cd: u64) -> Result<()> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| entries[i].local_header_offset);
    for w in 0..order.len() {
        let i = order[w];
        let next = match order.get(w + 1) {
            Some(&j) => entries[j].local_header_offset,
            None => cd,
        };
        let e = &entries[i];
        if next == e.local_header_offset {
            let j = order[w + 1];
            return Err(Error::Malformed {
                offset: entries[j].central_offset + 42,
                expected: "a local header of its own".to_string(),
                found: format!(
                    "entries '{}' and '{}' both at byte {next}",
                    e.name, entries[j].name
                ),
            });
        }
        let longest = e.local_header_offset
            + (LOCAL_LEN + 2 * 0xFFFF) as u64
            + e.compressed_size
            + DESCRIPTOR_MAX;
        entries[i].span_end = next.min(longest);
    }
    Ok(())
}

/// Streaming inflate state: the decompressor and the output window it writes around.
struct Inflater {
    state: Box<DecompressorOxide>,
    window: Vec<u8>,
    pos: usize,
    done: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Collecting the fixed local header fields.
    Header,
    /// Skipping this many bytes of local name and extra field.
    Skip(u64),
    /// Reading compressed data.
    Data,
    /// All of the entry's data seen; further bytes are ignored.
    Done,
}

/// Push parser of one entry: takes the bytes of [`ZipEntry::span`] from the local header on,
/// in chunks of any size, and passes the entry's (inflated) contents to a callback in chunks
/// of at most 32 KiB. The output never depends on how the input was split.
pub struct EntryReader {
    entry: ZipEntry,
    stage: Stage,
    /// Absolute offset of the next input byte.
    offset: u64,
    head: [u8; LOCAL_LEN],
    head_len: usize,
    data_start: Option<u64>,
    /// Compressed bytes consumed.
    taken: u64,
    /// Uncompressed bytes produced.
    produced: u64,
    crc: Crc32,
    inflater: Option<Inflater>,
    /// The error that stopped the reader.
    failed: Option<Error>,
}

impl EntryReader {
    /// A reader of `entry`, expecting the byte at its local header offset first.
    pub fn new(entry: &ZipEntry) -> Result<Self> {
        if entry.is_encrypted() {
            return Err(Error::Unsupported {
                offset: entry.central_offset + 8,
                what: format!("encrypted zip entry '{}'", entry.name),
            });
        }
        let inflater = match entry.method {
            Method::Stored if entry.compressed_size != entry.uncompressed_size => {
                return Err(Error::Malformed {
                    offset: entry.central_offset + 20,
                    expected: format!(
                        "equal sizes for stored entry '{}' ({} uncompressed)",
                        entry.name, entry.uncompressed_size
                    ),
                    found: format!("{} compressed", entry.compressed_size),
                })
            }
            Method::Stored => None,
            Method::Deflate => Some(Inflater {
                state: Box::default(),
                window: vec![0; WINDOW],
                pos: 0,
                done: false,
            }),
            Method::Other(m) => {
                return Err(Error::Unsupported {
                    offset: entry.central_offset + 10,
                    what: format!(
                        "zip compression method {m} of entry '{}' (only stored and deflate)",
                        entry.name
                    ),
                })
            }
        };
        Ok(EntryReader {
            entry: entry.clone(),
            stage: Stage::Header,
            offset: entry.local_header_offset,
            head: [0; LOCAL_LEN],
            head_len: 0,
            data_start: None,
            taken: 0,
            produced: 0,
            crc: Crc32::new(),
            inflater,
            failed: None,
        })
    }

    /// The entry being read.
    pub fn entry(&self) -> &ZipEntry {
        &self.entry
    }

    /// Absolute offset of the entry's first data byte, once the local header is read.
    pub fn data_start(&self) -> Option<u64> {
        self.data_start
    }

    /// Whether all of the entry's data has been pushed (later bytes are ignored).
    pub fn is_complete(&self) -> bool {
        self.stage == Stage::Done
    }

    /// Consume the next bytes of the span; `out` receives the contents in order. After an
    /// error the reader stays failed: later calls return the same error.
    pub fn push(&mut self, bytes: &[u8], out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.push_inner(bytes, out);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn push_inner(
        &mut self,
        mut bytes: &[u8],
        out: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        while !bytes.is_empty() {
            let take = match self.stage {
                Stage::Header => {
                    let take = (LOCAL_LEN - self.head_len).min(bytes.len());
                    self.head[self.head_len..self.head_len + take].copy_from_slice(&bytes[..take]);
                    self.head_len += take;
                    if self.head_len == LOCAL_LEN {
                        self.stage = self.parse_local()?;
                    }
                    take
                }
                Stage::Skip(left) => {
                    let take = left.min(bytes.len() as u64) as usize;
                    self.stage = if take as u64 == left {
                        self.data_stage()
                    } else {
                        Stage::Skip(left - take as u64)
                    };
                    take
                }
                Stage::Data => {
                    let take = (self.entry.compressed_size - self.taken).min(bytes.len() as u64);
                    let take = take as usize;
                    self.feed(&bytes[..take], out)?;
                    self.taken += take as u64;
                    if self.taken == self.entry.compressed_size {
                        self.stage = Stage::Done;
                    }
                    take
                }
                Stage::Done => return Ok(()),
            };
            self.offset += take as u64;
            bytes = &bytes[take..];
        }
        Ok(())
    }

    /// Check that the whole entry was read, that it inflated to its declared size and that
    /// its CRC-32 matches. Returns the number of uncompressed bytes.
    pub fn finish(self) -> Result<u64> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let e = &self.entry;
        let lho = e.local_header_offset;
        match self.stage {
            Stage::Header | Stage::Skip(_) => {
                return Err(Error::Truncated {
                    offset: self.offset,
                    expected: format!("the local header of zip entry '{}' at byte {lho}", e.name),
                })
            }
            Stage::Data => {
                return Err(Error::Truncated {
                    offset: self.offset,
                    expected: format!(
                        "{} more bytes of zip entry '{}' (local header at byte {lho})",
                        e.compressed_size - self.taken,
                        e.name
                    ),
                })
            }
            Stage::Done => {}
        }
        if matches!(&self.inflater, Some(inf) if !inf.done) {
            return Err(Error::Truncated {
                offset: self.offset,
                expected: format!(
                    "the rest of the deflate stream of zip entry '{}' (its {} compressed bytes end here)",
                    e.name, e.compressed_size
                ),
            });
        }
        if self.produced != e.uncompressed_size {
            return Err(self.size_error());
        }
        if self.crc.value() != e.crc32 {
            return Err(Error::Malformed {
                offset: e.central_offset + 16,
                expected: format!("CRC-32 0x{:08x} of zip entry '{}'", e.crc32, e.name),
                found: format!("0x{:08x} over its contents", self.crc.value()),
            });
        }
        Ok(self.produced)
    }

    fn size_error(&self) -> Error {
        let e = &self.entry;
        let found = if self.produced > e.uncompressed_size {
            "more".to_string()
        } else {
            format!("{}", self.produced)
        };
        Error::Malformed {
            offset: e.central_offset + 24,
            expected: format!(
                "{} uncompressed bytes of zip entry '{}' (its central directory size)",
                e.uncompressed_size, e.name
            ),
            found,
        }
    }

    /// Check the collected local header; returns the next stage.
    fn parse_local(&mut self) -> Result<Stage> {
        let h = &self.head;
        let lho = self.entry.local_header_offset;
        if u32_at(h, 0) != LOCAL_SIG {
            return Err(Error::Malformed {
                offset: lho,
                expected: format!(
                    "the local header (PK\\x03\\x04) of zip entry '{}'",
                    self.entry.name
                ),
                found: format!("0x{:08x}", u32_at(h, 0)),
            });
        }
        let method = u16_at(h, 8);
        let central = match self.entry.method {
            Method::Stored => 0,
            Method::Deflate => 8,
            Method::Other(m) => m,
        };
        if method != central {
            return Err(Error::Malformed {
                offset: lho + 8,
                expected: format!(
                    "compression method {central} of zip entry '{}' (as in the central directory)",
                    self.entry.name
                ),
                found: format!("method {method}"),
            });
        }
        let skip = u64::from(u16_at(h, 26)) + u64::from(u16_at(h, 28));
        let data_start = lho + LOCAL_LEN as u64 + skip;
        let data_end = data_start + self.entry.compressed_size;
        if data_end > self.entry.span_end {
            return Err(Error::Malformed {
                offset: lho + 26,
                expected: format!(
                    "the data of zip entry '{}' to end by byte {} (where the next entry or the central directory starts)",
                    self.entry.name, self.entry.span_end
                ),
                found: format!("its data ends at byte {data_end}"),
            });
        }
        self.data_start = Some(data_start);
        Ok(if skip == 0 {
            self.data_stage()
        } else {
            Stage::Skip(skip)
        })
    }

    fn data_stage(&self) -> Stage {
        if self.entry.compressed_size == 0 {
            Stage::Done
        } else {
            Stage::Data
        }
    }

    /// Inflate (or pass through) compressed bytes and emit the result.
    fn feed(&mut self, data: &[u8], out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let Some(inf) = self.inflater.as_mut() else {
            self.produced += data.len() as u64;
            self.crc.update(data);
            return out(data);
        };
        let mut input = data;
        loop {
            if inf.done {
                if input.is_empty() {
                    return Ok(());
                }
                let at = self.offset + (data.len() - input.len()) as u64;
                return Err(Error::Malformed {
                    offset: at,
                    expected: format!(
                        "the end of zip entry '{}' where its deflate stream ends",
                        self.entry.name
                    ),
                    found: format!(
                        "{} more compressed bytes",
                        self.entry.compressed_size - self.taken - (data.len() - input.len()) as u64
                    ),
                });
            }
            let flags = inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
            let (status, used, written) =
                decompress(&mut inf.state, input, &mut inf.window, inf.pos, flags);
            input = &input[used..];
            if written > 0 {
                self.produced += written as u64;
                if self.produced > self.entry.uncompressed_size {
                    return Err(self.size_error());
                }
                let chunk = &inf.window[inf.pos..inf.pos + written];
                self.crc.update(chunk);
                out(chunk)?;
                inf.pos = (inf.pos + written) & (WINDOW - 1);
            }
            match status {
                TINFLStatus::Done => inf.done = true,
                TINFLStatus::HasMoreOutput => {}
                TINFLStatus::NeedsMoreInput if input.is_empty() => return Ok(()),
                TINFLStatus::NeedsMoreInput if used > 0 || written > 0 => {}
                _ => {
                    return Err(Error::Malformed {
                        offset: self.data_start.unwrap_or(self.offset),
                        expected: format!(
                            "a valid deflate stream in zip entry '{}'",
                            self.entry.name
                        ),
                        found: format!("invalid data ({status:?})"),
                    })
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "zip_tests.rs"]
pub(crate) mod tests;
