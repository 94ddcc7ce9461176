//! Deep zoom into a large capture: the byte range that holds a window of samples, and the
//! samples decoded from just those bytes (NPY, raw and WAV files, whose samples sit at
//! fixed offsets; other formats are read in one pass and have no such range).

use alloc::vec::Vec;

use crate::formats::{Header, Reader};
use crate::kernel::ChannelSamples;
use crate::{Error, Result};

/// The data bytes (relative to [`Header::data_offset`]) that hold samples `first..end` of
/// `channel`, clamped to the data; `None` for a format without fixed sample offsets or a
/// channel that does not exist.
pub fn window_bytes(header: &Header, channel: usize, first: u64, end: u64) -> Option<(u64, u64)> {
    match header {
        Header::Npy(h) | Header::Raw(crate::formats::raw::RawHeader { npy: h, .. }) => {
            let (ch, size) = (u64::try_from(channel).ok()?, h.dtype.size as u64);
            if ch >= h.channels {
                return None;
            }
            let end = end.min(h.samples);
            let first = first.min(end);
            let (a, b) = if h.fortran_order || h.channels == 1 {
                (ch * h.samples + first, ch * h.samples + end)
            } else {
                (first * h.channels, end * h.channels)
            };
            Some((a.checked_mul(size)?, b.checked_mul(size)?))
        }
        Header::Wav(h) => {
            let align = u64::from(h.block_align);
            if channel >= usize::from(h.channels) || align == 0 {
                return None;
            }
            let frames = h.data_len? / align;
            let end = end.min(frames);
            let first = first.min(end);
            Some((first * align, end * align))
        }
        _ => None,
    }
}

/// Samples of `channel` decoded from the data bytes `start..end` (as given by
/// [`window_bytes`]; `bytes` are exactly those bytes).
pub fn read_window(
    header: &Header,
    channel: usize,
    start: u64,
    end: u64,
    bytes: &[u8],
) -> Result<Vec<f64>> {
    let (unit, len) = match header {
        Header::Npy(h) | Header::Raw(crate::formats::raw::RawHeader { npy: h, .. }) => {
            (h.dtype.size as u64, Some(h.data_len))
        }
        Header::Wav(h) => (u64::from(h.block_align), h.data_len),
        _ => {
            return Err(Error::Config(
                "this format has no fixed sample offsets: read it in one pass".into(),
            ))
        }
    };
    let in_data = len.is_some_and(|len| end <= len);
    if unit == 0 || start % unit != 0 || end % unit != 0 || start > end || !in_data {
        return Err(Error::Config("sample window not on whole samples".into()));
    }
    if bytes.len() as u64 != end - start {
        return Err(Error::Config("window bytes of the wrong length".into()));
    }
    let mut reader = Reader::resume(header.clone(), start, end)?;
    let mut sink = ChannelSamples::new(channel);
    reader.push(bytes, &mut sink)?;
    reader.finish(&mut sink)?;
    Ok(sink.samples)
}
