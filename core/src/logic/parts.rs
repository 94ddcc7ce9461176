//! A sigrok session's logic read in independent parts (one per data entry), so a caller
//! with threads can inflate and scan entries at the same time, then [`stitch`] the
//! transitions into exactly the serial stream.

use alloc::vec::Vec;

use super::{Lines, Transition};
use crate::formats::sigrok::{LogicChunk, SigrokHeader};
use crate::formats::zip::{EntryReader, ZipIndex};
use crate::Result;

/// One logic data entry and the index of its first sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogicPart {
    /// Position in [`SigrokHeader::logic`].
    pub chunk: usize,
    /// Absolute index of the entry's first sample.
    pub start: u64,
}

/// The parts of a session, or `None` when an entry does not hold whole samples (the
/// serial reader carries the remainder over; such a session is read serially).
pub fn logic_parts(header: &SigrokHeader) -> Option<Vec<LogicPart>> {
    let u = header.unitsize as u64;
    if u == 0 {
        return None;
    }
    let mut start = 0;
    let mut parts = Vec::with_capacity(header.logic.len());
    for (chunk, c) in header.logic.iter().enumerate() {
        if c.bytes % u != 0 {
            return None;
        }
        parts.push(LogicPart { chunk, start });
        start += c.bytes / u;
    }
    Some(parts)
}

/// Inflate one part of `file` (the whole session) and return the transitions of
/// `channels` within it; the first one, at the part's first sample, gives the levels there.
///
/// # Errors
/// A damaged entry (inflate or CRC error, with its offset).
pub fn part_transitions(
    file: &[u8],
    index: &ZipIndex,
    header: &SigrokHeader,
    part: LogicPart,
    channels: &[usize],
) -> Result<Vec<Transition>> {
    let chunk = &header.logic[part.chunk];
    let entry = &index.entries()[chunk.entry];
    let span = entry.span();
    let bytes = &file[span.start as usize..(span.end as usize).min(file.len())];
    let u = header.unitsize;
    let mut lines = Lines::new(channels)?;
    let mut out = Vec::new();
    let mut at = part.start;
    let mut carry: Vec<u8> = Vec::new();
    let mut reader = EntryReader::new(entry)?;
    reader.push(bytes, &mut |mut data: &[u8]| {
        if !carry.is_empty() {
            let take = (u - carry.len()).min(data.len());
            carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if carry.len() == u {
                lines.push(
                    LogicChunk {
                        start: at,
                        unitsize: u,
                        bytes: &carry,
                    },
                    &mut out,
                );
                at += 1;
                carry.clear();
            }
        }
        let whole = data.len() / u * u;
        lines.push(
            LogicChunk {
                start: at,
                unitsize: u,
                bytes: &data[..whole],
            },
            &mut out,
        );
        at += (whole / u) as u64;
        carry.extend_from_slice(&data[whole..]);
        Ok(())
    })?;
    reader.finish()?;
    Ok(out)
}

/// Append the transitions of the next part to `out`, given the levels the stream had
/// before it (`None` for the first part); returns the levels after it. A part's first
/// transition is only a change if its levels differ from those before.
pub fn stitch(before: Option<u32>, part: &[Transition], out: &mut Vec<Transition>) -> Option<u32> {
    let skip = usize::from(matches!((before, part.first()), (Some(b), Some(t)) if t.levels == b));
    out.extend_from_slice(&part[skip..]);
    part.last().map(|t| t.levels).or(before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::archive;

    /// Every sigrok capture of the shared data with more than one logic entry: the parts,
    /// stitched, are exactly the serial transitions.
    #[test]
    fn parts_stitch_to_the_serial_stream() {
        let root = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/sigrok"
        ));
        let mut checked = 0;
        for proto in ["uart", "spi", "i2c", "can"] {
            for dir in std::fs::read_dir(root.join(proto)).unwrap() {
                let dir = dir.unwrap().path();
                for f in std::fs::read_dir(&dir).unwrap() {
                    let f = f.unwrap().path();
                    if f.extension().is_some_and(|e| e == "sr") {
                        let file = std::fs::read(&f).unwrap();
                        let header = archive::sigrok_header(&file).unwrap();
                        let (Some(parts), true) = (logic_parts(&header), header.logic.len() > 1)
                        else {
                            continue;
                        };
                        let channels: Vec<usize> = (0..header.stored_channels().min(4)).collect();
                        let index = ZipIndex::from_bytes(&file).unwrap();
                        let mut stitched = Vec::new();
                        let mut levels = None;
                        for p in parts {
                            let t = part_transitions(&file, &index, &header, p, &channels).unwrap();
                            levels = stitch(levels, &t, &mut stitched);
                        }
                        let (serial, _) =
                            super::super::transitions_of_sr(&file, &channels).unwrap();
                        assert_eq!(stitched, serial, "{}", f.display());
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 5, "only {checked} multi-entry captures");
    }
}
