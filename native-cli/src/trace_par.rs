//! Reading a trace file: gzip streams in one pass; plain JSON is cut into parts at proposed
//! event boundaries, read on rayon workers through windows of the memory map, and stitched
//! in file order (`scopekit_core::trace::split`), which re-reads from the true boundary
//! whenever a proposal was wrong — so the result always equals the serial read.

use rayon::prelude::*;
use scopekit_core::trace::split::{find_boundary, is_bare, stitch, Part};
use scopekit_core::trace::{Boundary, Summary, TraceReader, TraceSummarizer};
use scopekit_core::Push as _;

use crate::error::CliError;
use crate::source::Source;

/// Bytes mapped at a time per worker.
const WINDOW: u64 = 8 << 20;
/// Target bytes per part (`SCOPEKIT_TRACE_PART` overrides it, for tests).
fn part_size() -> u64 {
    std::env::var("SCOPEKIT_TRACE_PART")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32 << 20)
        .max(1)
}
/// Bytes scanned after a cut for an event boundary.
const PROBE: u64 = 1 << 20;

/// Summarise the trace in `source` with `threads` workers.
pub fn summarize(source: &Source, threads: usize) -> Result<Summary, CliError> {
    let head = source.map(0, source.len().min(4096) as usize)?;
    let part_len = part_size();
    if head.starts_with(&[0x1f, 0x8b]) || threads == 1 || source.len() < 2 * part_len {
        return serial(source);
    }
    let bare = is_bare(&head);
    drop(head);
    let parts = (source.len() / part_len).max(threads as u64);
    let mut starts = Vec::new();
    for k in 1..parts {
        let cut = source.len() * k / parts;
        let len = PROBE.min(source.len() - cut);
        let w = source.map(cut, len as usize)?;
        if let Some(p) = find_boundary(&w) {
            starts.push(cut + p as u64);
        }
    }
    starts.dedup();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::msg(format!("cannot start worker threads: {e}")))?;
    let jobs: Vec<(Option<Boundary>, Option<u64>)> = std::iter::once(None)
        .chain(starts.iter().map(|&s| {
            Some(Boundary {
                offset: s,
                bare,
                first: false,
            })
        }))
        .zip(starts.iter().map(|&s| Some(s)).chain(std::iter::once(None)))
        .collect();
    let done: Vec<Result<Part, CliError>> = pool.install(|| {
        jobs.par_iter()
            .map(|&(start, stop)| part(source, start, stop))
            .collect()
    });
    let parts: Result<Vec<Part>, CliError> = done.into_iter().collect();
    let stitched = stitch(parts?, |b| {
        part(source, Some(b), None)
            .map_err(|e| scopekit_core::Error::Config(e.to_string()))
            .and_then(|p| p.result)
    });
    match stitched {
        Ok(p) => Ok(p.summary()),
        // The serial read words the error exactly (offset, events read so far).
        Err(_) => serial(source),
    }
}

/// Read from `start` (or the document start) to the first event at or after `stop`.
fn part(source: &Source, start: Option<Boundary>, stop: Option<u64>) -> Result<Part, CliError> {
    let mut r = match start {
        Some(b) => TraceReader::resume(b),
        None => TraceReader::new(),
    };
    if let Some(s) = stop {
        r = r.stop_at(s);
    }
    let mut at = r.offset();
    let mut result = Ok(());
    while at < source.len() && r.stopped().is_none() {
        let len = WINDOW.min(source.len() - at);
        let w = source.map(at, len as usize)?;
        result = r.push(&w);
        if result.is_err() {
            break;
        }
        at += len;
    }
    let stopped = r.stopped();
    Ok(Part {
        start,
        stopped,
        result: result.and_then(|()| r.finish_partial()),
    })
}

/// One pass over the file (gzip or plain).
fn serial(source: &Source) -> Result<Summary, CliError> {
    let mut s = TraceSummarizer::new();
    let mut at = 0;
    while at < source.len() {
        let len = WINDOW.min(source.len() - at);
        s.push(&source.map(at, len as usize)?)?;
        at += len;
    }
    Ok(s.finish()?)
}
