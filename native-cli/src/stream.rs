//! Streaming a whole capture into one sink: windows of the memory map through a reader for
//! formats with a header, the whole (lazily mapped) archive for zip-based ones. Sinks that
//! take bit-packed logic directly get a sigrok session's logic without expanding it.

use scopekit_core::formats::sigrok::{LogicSink, SigrokReader};
use scopekit_core::formats::zip::ZipIndex;
use scopekit_core::formats::{archive, Header, Reader};
use scopekit_core::BlockSink;

use crate::error::CliError;
use crate::source::Source;

/// Bytes mapped at a time.
const WINDOW: u64 = 8 << 20;

/// Stream `source` (with its parsed `header`) into `sink`, calling `each(sink, bytes)` after
/// every window so the caller can drain output and move a progress bar. A VCD is sampled at
/// `vcd_rate` samples per second.
pub fn stream<S: BlockSink + LogicSink>(
    source: &Source,
    header: &Header,
    vcd_rate: Option<f64>,
    sink: &mut S,
    mut each: impl FnMut(&mut S, u64) -> Result<(), CliError>,
) -> Result<(), CliError> {
    match header {
        Header::Sigrok(_) => {
            let whole = source.map_prefix(source.len() as usize)?;
            let mut reader = SigrokReader::new(ZipIndex::from_bytes(&whole)?)?;
            while let Some(range) = reader.next_range() {
                let (a, b) = (range.start as usize, range.end as usize);
                reader.push(&whole[a..b], sink)?;
                each(sink, (b - a) as u64)?;
            }
            reader.finish()?;
            Ok(())
        }
        Header::Npz(_) => {
            let whole = source.map_prefix(source.len() as usize)?;
            archive::read(&whole, header, sink)?;
            each(sink, source.len())
        }
        _ => {
            let mut reader = Reader::for_header(header, source.len()).sampling_vcd_at(vcd_rate);
            let mut at = 0;
            while at < source.len() {
                let len = WINDOW.min(source.len() - at);
                reader.push(&source.map(at, len as usize)?, sink)?;
                each(sink, len)?;
                at += len;
            }
            reader.finish(sink)?;
            each(sink, 0)
        }
    }
}
