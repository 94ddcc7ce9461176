//! Captures that need random access: zip archives keep their directory at the end, so
//! sigrok sessions (`.sr`) and numpy archives (`.npz`) are read from the whole file in
//! memory — a memory map natively, so only the pages touched are read.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::npy::NpyHeader;
use super::npz;
use super::reader::Header;
use super::sigrok::{LogicBlocks, LogicChunk, LogicSink, SigrokHeader, SigrokReader};
use super::zip::ZipIndex;
use crate::kernel::BlockSink;
use crate::{Error, Result};

/// The members of an `.npz` archive: name (without `.npy`) and header.
pub type NpzMembers = Vec<(String, NpyHeader)>;

/// A logic sink that only waits for the header.
struct HeaderOnly;

impl LogicSink for HeaderOnly {
    fn begin(&mut self, _: &SigrokHeader) -> Result<()> {
        Ok(())
    }
    fn logic(&mut self, _: LogicChunk<'_>) -> Result<()> {
        Ok(())
    }
}

/// The header of a sigrok session: reads the index, `version` and `metadata` only.
pub fn sigrok_header(file: &[u8]) -> Result<SigrokHeader> {
    let mut reader = SigrokReader::new(ZipIndex::from_bytes(file)?)?;
    while reader.header().is_none() {
        let Some(range) = reader.next_range() else {
            break;
        };
        reader.push(
            &file[range.start as usize..range.end as usize],
            &mut HeaderOnly,
        )?;
    }
    reader.header().cloned().ok_or_else(|| Error::Truncated {
        offset: file.len() as u64,
        expected: "the sigrok `metadata` entry".into(),
    })
}

/// The header of the zip-based capture held whole in `file`, recognised by its content.
pub fn open(file: &[u8]) -> Result<Header> {
    let probe_len = file.len().min(super::probe::PROBE_LEN);
    match super::probe::probe(&file[..probe_len])? {
        Some(super::Format::Sigrok) => header(file, true),
        Some(super::Format::Npz) => header(file, false),
        _ => Err(Error::Malformed {
            offset: 0,
            expected: "a zip archive (PK\\x03\\x04): a sigrok session or an npz".into(),
            found: "another format".into(),
        }),
    }
}

/// The header of a zip-based capture held whole in `file`.
pub fn header(file: &[u8], sigrok: bool) -> Result<Header> {
    if sigrok {
        sigrok_header(file).map(|h| Header::Sigrok(Box::new(h)))
    } else {
        let members = npz::list(file)?;
        if members.is_empty() {
            return Err(Error::Malformed {
                offset: 0,
                expected: "a zip archive holding .npy arrays (npz) or a sigrok session".into(),
                found: "no .npy member".into(),
            });
        }
        Ok(Header::Npz(members))
    }
}

/// Stream the samples of `file` (logic channels of a session as 0/1 values; the first
/// array of an npz) to `sink`.
pub fn read(file: &[u8], header: &Header, sink: &mut dyn BlockSink) -> Result<()> {
    match header {
        Header::Sigrok(_) => SigrokReader::read_slice(file, &mut LogicBlocks::new(sink)).map(drop),
        Header::Npz(members) => {
            let (name, _) = members
                .first()
                .ok_or_else(|| Error::Config("empty npz".into()))?;
            npz::read_member(file, name, sink).map(drop)
        }
        _ => Err(Error::Config("not a zip-based capture".into())),
    }
}
