//! Reading a trace file: gzip streams in one pass; plain JSON is cut into parts at proposed
//! event boundaries, read on rayon workers (each through its own file handle, in blocks that
//! stay in the core's cache, into one reused buffer), and stitched in file order (`scopekit_core::trace::split`), which re-reads from the true boundary
//! whenever a proposal was wrong — so the result always equals the serial read.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use rayon::prelude::*;
use scopekit_core::trace::split::{find_boundary, is_bare, stitch, Part};
use scopekit_core::trace::{Boundary, Summary, TraceReader, TraceSummarizer};
use scopekit_core::Push as _;

use crate::error::CliError;
use crate::source::Source;

/// Bytes read at a time per worker: small enough that the block is still in the core's
/// cache when the parser reads it (reading whole mapped windows cost more in page faults
/// than the copy does).
const BLOCK: usize = 512 << 10;
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

/// Summarise the trace in `source` (opened from `path`) with `threads` workers.
pub fn summarize(source: &Source, path: &Path, threads: usize) -> Result<Summary, CliError> {
    let head = source.map(0, source.len().min(4096) as usize)?;
    let part_len = part_size();
    if head.starts_with(&[0x1f, 0x8b]) || threads == 1 || source.len() < 2 * part_len {
        return serial(source, path);
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
    let pool = crate::par::pool(threads)?;
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
            .map(|&(start, stop)| part(source, path, start, stop))
            .collect()
    });
    let parts: Result<Vec<Part>, CliError> = done.into_iter().collect();
    let stitched = stitch(parts?, |b| {
        part(source, path, Some(b), None)
            .map_err(|e| scopekit_core::Error::Config(e.to_string()))
            .and_then(|p| p.result)
    });
    match stitched {
        Ok(p) => Ok(p.summary()),
        // The serial read words the error exactly (offset, events read so far).
        Err(_) => serial(source, path),
    }
}

/// Read from `start` (or the document start) to the first event at or after `stop`.
fn part(
    source: &Source,
    path: &Path,
    start: Option<Boundary>,
    stop: Option<u64>,
) -> Result<Part, CliError> {
    let mut r = match start {
        Some(b) => TraceReader::resume(b),
        None => TraceReader::new(),
    };
    if let Some(s) = stop {
        r = r.stop_at(s);
    }
    let mut result = Ok(());
    blocks(source, path, r.offset(), |block| {
        result = r.push(block);
        Ok(result.is_ok() && r.stopped().is_none())
    })?;
    let stopped = r.stopped();
    Ok(Part {
        start,
        stopped,
        result: result.and_then(|()| r.finish_partial()),
    })
}

/// Feed the file from `from` to its end (as long as `f` returns true) in blocks of one
/// reused buffer.
fn blocks(
    source: &Source,
    path: &Path,
    from: u64,
    mut f: impl FnMut(&[u8]) -> Result<bool, CliError>,
) -> Result<(), CliError> {
    let mut file = File::open(path).map_err(|e| CliError::io("cannot open", e))?;
    file.seek(SeekFrom::Start(from))
        .map_err(|e| CliError::io("cannot seek", e))?;
    let mut buf = vec![0u8; BLOCK];
    let mut at = from;
    while at < source.len() {
        let want = BLOCK.min((source.len() - at) as usize);
        let n = match file.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CliError::io("cannot read", e)),
        };
        at += n as u64;
        if !f(&buf[..n])? {
            break;
        }
    }
    Ok(())
}

/// One pass over the file (gzip or plain).
fn serial(source: &Source, path: &Path) -> Result<Summary, CliError> {
    let mut s = TraceSummarizer::new();
    blocks(source, path, 0, |block| {
        s.push(block)?;
        Ok(true)
    })?;
    Ok(s.finish()?)
}
