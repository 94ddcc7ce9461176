//! Reading one trace in parts (on several threads): a quick scan proposes an event boundary
//! near each cut, each part is read from its proposal to the first event at or after the
//! next one, and [`stitch`] keeps a part only if the reader of the part before it stopped
//! exactly at that part's start — otherwise the rest is read again from where that reader
//! stopped. The merged result therefore always equals the serial one.

use alloc::vec::Vec;

use super::accum::TracePartial;
use super::reader::{Boundary, TraceReader};
use crate::{Merge as _, Result};

/// The first likely event start in `b`: a `{` preceded by `,` and, before that, `}` (JSON
/// whitespace allowed between). It may be inside a string; [`stitch`] finds out.
pub fn find_boundary(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'{') {
        let at = i + p;
        let mut j = at;
        let mut prev = || {
            while j > 0 && matches!(b[j - 1], b' ' | b'\n' | b'\r' | b'\t') {
                j -= 1;
            }
            j = j.checked_sub(1)?;
            Some(b[j])
        };
        if prev() == Some(b',') && prev() == Some(b'}') {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Whether a document is a bare list of events (its first non-blank byte is `[`).
pub fn is_bare(head: &[u8]) -> bool {
    head.iter()
        .find(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .is_some_and(|&c| c == b'[')
}

/// What reading one part gave.
#[derive(Debug)]
pub struct Part {
    /// Where the part started (`None`: the start of the document).
    pub start: Option<Boundary>,
    /// Where its reader stopped (`None`: it read to the end of the document).
    pub stopped: Option<Boundary>,
    /// Its partial result.
    pub result: Result<TracePartial>,
}

/// Read one part of an in-memory document (`data` is the whole document): from `start` (or
/// the beginning) up to the first event at or after `stop`.
pub fn read_part(data: &[u8], start: Option<Boundary>, stop: Option<u64>) -> Part {
    let mut r = match start {
        Some(b) => TraceReader::resume(b),
        None => TraceReader::new(),
    };
    if let Some(s) = stop {
        r = r.stop_at(s);
    }
    let from = r.offset() as usize;
    let result = r.push(&data[from.min(data.len())..]);
    let stopped = r.stopped();
    Part {
        start,
        stopped,
        result: result.and_then(|()| r.finish_partial()),
    }
}

/// Merge parts in file order, verifying each start; `redo(b)` reads from boundary `b` to
/// the end of the document when a proposal was wrong.
pub fn stitch(
    parts: Vec<Part>,
    mut redo: impl FnMut(Boundary) -> Result<TracePartial>,
) -> Result<TracePartial> {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return redo(Boundary {
            offset: 0,
            bare: false,
            first: true,
        });
    };
    let mut acc = first.result?;
    let mut stop = first.stopped;
    for part in parts {
        let Some(b) = stop else { break };
        if part.start == Some(b) {
            acc.merge(part.result?)?;
            stop = part.stopped;
        } else {
            acc.merge(redo(b)?)?;
            stop = None;
            break;
        }
    }
    if let Some(b) = stop {
        acc.merge(redo(b)?)?;
    }
    Ok(acc)
}
