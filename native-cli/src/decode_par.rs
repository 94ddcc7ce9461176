//! `scopekit decode` on all cores. Decoders are cheap and run serially on one transition
//! stream; what costs is making that stream (inflating a session's entries, thresholding
//! analog samples), and that is split:
//! - a sigrok session: its data entries are inflated and scanned in parallel and the parts'
//!   transitions stitched ([`scopekit_core::logic::stitch`]);
//! - an analog file (NPY, WAV, raw): core's fused parts path
//!   ([`scopekit_core::decode::fused`], the page's too): each part read, thresholded, its
//!   own transitions merged and decoded from its first sync point in one pool task, the
//!   parts taken in order on the calling thread while later ones run ([`AnalogRun`]).
//!
//! Either way the transitions, hence the frames, are exactly the serial ones (tests prove it).

use rayon::prelude::*;
use scopekit_core::decode::fused::{explicit_lines, FusedDecode, PartTask};
use scopekit_core::decode::{DecodeSink, Levels, Resync};
use scopekit_core::edges::{line_threshold, FirstSamples, Threshold};
use scopekit_core::formats::sigrok::SigrokHeader;
use scopekit_core::formats::zip::ZipIndex;
use scopekit_core::formats::{Header, Reader};
use scopekit_core::logic::{logic_parts, part_transitions, stitch, Decode, LogicPart};
use scopekit_core::parts::{analog_parts, decode_parts_pay, DECODE_PART_BYTES};
use scopekit_core::BlockSink;

use crate::error::CliError;
use crate::source::Source;

/// Bytes of analog data per part: core's [`DECODE_PART_BYTES`], or `SCOPEKIT_DECODE_PART`
/// (for tests).
fn part_bytes() -> u64 {
    std::env::var("SCOPEKIT_DECODE_PART")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&b: &u64| b >= 4096)
        .unwrap_or(DECODE_PART_BYTES)
}

/// Whether decoding the analog parts `bounds` in parallel pays (core's
/// [`decode_parts_pay`]), or parts are forced by `SCOPEKIT_DECODE_PART` (tests).
pub fn parts_pay(bounds: &[(u64, u64)]) -> bool {
    decode_parts_pay(bounds) || std::env::var_os("SCOPEKIT_DECODE_PART").is_some()
}

/// Bytes mapped at a time while reading a part (the reader's decoded rows are twice that:
/// small windows keep them in cache and reused).
const WINDOW: u64 = 2 << 20;

/// How a file is decoded.
pub enum Plan {
    /// One pass.
    Serial,
    /// A sigrok session's entries in parallel.
    LogicParts(Vec<LogicPart>),
    /// Byte ranges of the data, thresholded in parallel.
    AnalogParts(Vec<(u64, u64)>),
}

/// The plan for `header` on `threads` workers.
pub fn plan(header: &Header, threads: usize) -> Plan {
    if threads < 2 {
        return Plan::Serial;
    }
    match header {
        Header::Sigrok(h) if h.logic.len() > 1 => {
            logic_parts(h).map_or(Plan::Serial, Plan::LogicParts)
        }
        h => {
            let bounds = analog_parts(h, part_bytes());
            if bounds.len() > 1 {
                Plan::AnalogParts(bounds)
            } else {
                Plan::Serial
            }
        }
    }
}

/// Read a session's logic entries on `threads` workers, a batch at a time (bounded
/// memory), stitch each batch's transitions in order and decode them: exactly the serial
/// transition stream (see `scopekit_core::logic::stitch`), so exactly the serial frames.
pub fn logic<D: Decode>(
    source: &Source,
    header: &SigrokHeader,
    parts: &[LogicPart],
    channels: &[usize],
    threads: usize,
    sink: &mut DecodeSink<D>,
    each: &mut impl FnMut(&mut DecodeSink<D>, u64) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let whole = source.map_prefix(source.len() as usize)?;
    let index = ZipIndex::from_bytes(&whole)?;
    let pool = crate::par::pool(threads)?;
    let mut levels = None;
    let mut stitched = Vec::new();
    for batch in parts.chunks(2 * threads) {
        let results: Vec<_> = pool.install(|| {
            batch
                .par_iter()
                .map(|&p| part_transitions(&whole, &index, header, p, channels))
                .collect()
        });
        for (part, result) in batch.iter().zip(results) {
            stitched.clear();
            levels = stitch(levels, &result?, &mut stitched);
            let end = part.start + header.logic[part.chunk].bytes / header.unitsize as u64;
            sink.push_transitions(&stitched, end);
            each(sink, header.logic[part.chunk].bytes)?;
        }
    }
    Ok(())
}

/// Read the data bytes `start..end` of `source` into `sink`.
pub fn read_part(
    source: &Source,
    header: &Header,
    (start, end): (u64, u64),
    sink: &mut dyn BlockSink,
) -> Result<(), CliError> {
    let mut reader = Reader::resume(header.clone(), start, end)?;
    let mut at = start;
    while at < end {
        let len = WINDOW.min(end - at);
        reader.push(&source.map(header.data_offset() + at, len as usize)?, sink)?;
        at += len;
    }
    reader.finish(sink)?;
    Ok(())
}

/// Bytes mapped at a time while looking for the first samples.
const FIRST_WINDOW: u64 = 1 << 20;

/// The first [`AUTO_WINDOW`](scopekit_core::edges::AUTO_WINDOW) samples of each of `channels` (fewer if the file is shorter):
/// what the serial kernels choose an automatic threshold from.
pub fn first_samples(
    source: &Source,
    header: &Header,
    bounds: &[(u64, u64)],
    channels: &[usize],
) -> Result<Vec<Vec<f64>>, CliError> {
    let mut first = FirstSamples::new(channels, 0);
    // Window by window, stopping as soon as every line has its samples (not whole parts).
    'parts: for &(start, end) in bounds {
        let mut reader = Reader::resume(header.clone(), start, end)?;
        let mut at = start;
        while at < end {
            if first.full() {
                break 'parts;
            }
            let len = FIRST_WINDOW.min(end - at);
            reader.push(
                &source.map(header.data_offset() + at, len as usize)?,
                &mut first,
            )?;
            at += len;
        }
        reader.finish(&mut first)?;
    }
    Ok(first.into_samples())
}

/// The parts of an analog file being decoded on a pool.
pub struct AnalogRun<'a> {
    /// The file.
    pub source: &'a Source,
    /// Its header.
    pub header: &'a Header,
    /// The parts: byte ranges of the data, in order.
    pub bounds: &'a [(u64, u64)],
    /// The channels decoded.
    pub channels: &'a [usize],
    /// Their threshold and hysteresis settings.
    pub levels: &'a Levels,
    /// The workers.
    pub pool: &'a rayon::ThreadPool,
}

impl AnalogRun<'_> {
    /// The lines' thresholds: explicit, or automatic from each line's first samples (the
    /// histograms on the pool): what the serial digitizer chooses.
    fn lines(&self) -> Result<Vec<(usize, Threshold)>, CliError> {
        let (channels, levels) = (self.channels, self.levels);
        if let Some(lines) = explicit_lines(channels, levels) {
            return Ok(lines);
        }
        let first = first_samples(self.source, self.header, self.bounds, channels)?;
        // One histogram per line, on the pool.
        Ok(self.pool.install(|| {
            channels
                .par_iter()
                .zip(first.par_iter())
                .map(|(&c, s)| (c, line_threshold(s, levels.hysteresis)))
                .collect()
        }))
    }

    /// Decode the parts with `decoder` (core's fused parts path: each part one task, at
    /// most two per thread and one more in flight, taken in order on this thread), handing
    /// `emit` the frames in order with the bytes each part covered. Returns the sample
    /// count.
    pub fn decode<D>(
        &self,
        decoder: D,
        emit: &mut impl FnMut(&[D::Frame], u64) -> Result<(), CliError>,
    ) -> Result<u64, CliError>
    where
        D: Resync + Send,
        D::Frame: Send,
    {
        let (source, header, bounds, pool) = (self.source, self.header, self.bounds, self.pool);
        let lines = self.lines()?;
        let mut fused = FusedDecode::new(decoder, &lines, header.layout())?;
        let window = 2 * pool.current_num_threads() + 1;
        let (tx, rx) = std::sync::mpsc::channel();
        let run = |k: usize, task: PartTask<D>| {
            task.run(|sink| read_part(source, header, bounds[k], sink))
        };
        let run = &run;
        pool.in_place_scope_fifo(|s| {
            let mut made = 0usize;
            let spawn = |fused: &mut FusedDecode<D>, made: &mut usize| {
                let k = *made;
                let task = fused.task();
                let tx = tx.clone();
                s.spawn_fifo(move |_| {
                    // The receiver is gone only after an error: nothing to hand over then.
                    let _ = tx.send((k, run(k, task)));
                });
                *made += 1;
            };
            while made < bounds.len().min(window) {
                spawn(&mut fused, &mut made);
            }
            let mut early = std::collections::BTreeMap::new();
            let mut next = 0usize;
            while next < bounds.len() {
                let Ok((k, done)) = rx.recv() else {
                    break;
                };
                early.insert(k, done);
                while let Some(done) = early.remove(&next) {
                    let b = bounds[next];
                    let frames = fused.take(done?, |sink| read_part(source, header, b, sink))?;
                    emit(&frames, b.1 - b.0)?;
                    next += 1;
                    if made < bounds.len() {
                        spawn(&mut fused, &mut made);
                    }
                }
            }
            Ok::<_, CliError>(())
        })?;
        let samples = header.layout().known_samples().unwrap_or(0);
        emit(&fused.finish(samples), 0)?;
        Ok(samples)
    }
}
