//! Profiler traces in the Chrome trace-event format (the PyTorch profiler / Kineto writes
//! them): a streaming reader, the summary, the comparison of two traces and the binary index.
//!
//! Vocabulary:
//! - **event**: one element of the `traceEvents` list (or of a bare top-level list);
//! - **span**: a complete event (`ph` `X`) or a matched `B`/`E` pair, with a start `ts` and a
//!   duration `dur`, both in microseconds;
//! - **kernel**: a span whose `cat`, lower-cased, is `kernel`; **CPU op**: one whose `cat` is
//!   `cpu_op` or `operator`; **stream**: a kernel's `args.stream`, else its `tid`;
//! - **launch**: the CPU op whose `External id` a kernel carries.
//!
//! [`TraceSummarizer`] takes chunks of a `.json` or `.json.gz` file, split anywhere, and
//! returns a serde-serialisable [`Summary`]; [`TraceReader`] is the uncompressed reader that
//! can also start and stop at event boundaries for reading a file in parallel parts.
//!
//! The JSON tokenizer is hand-written ([`json`](self)): it parses each event straight from the
//! chunk, skips unknown values without decoding them, and keeps only a value cut by a chunk
//! end — which a general JSON library that cannot resume mid-value would not allow.

mod accum;
pub mod compare;
mod dist;
mod event;
mod fast;
pub mod gzip;
pub mod index;
mod json;
mod meta;
mod reader;
pub mod split;
mod summary;
mod table;

pub use accum::{TracePartial, Warnings};
pub use compare::{compare, Compare, CompareConfig, DiffRow, DiffSide, Status};
pub use dist::EXACT_MAX;
pub use gzip::Gunzip;
pub use meta::Json;
pub use reader::{Boundary, TraceReader, MAX_VALUE};
pub use summary::{us, Busy, Flows, Group, Row, Step, Summary, ThreadName, XSpan};

use crate::{Push, Result};

/// Summarise a trace pushed in chunks; gzip input (magic `1f 8b`) is inflated on the way.
#[derive(Debug, Default)]
pub struct TraceSummarizer {
    head: alloc::vec::Vec<u8>,
    gzip: Option<Gunzip>,
    decided: bool,
    reader: TraceReader,
}

impl TraceSummarizer {
    /// A summarizer at the start of a file.
    pub fn new() -> Self {
        Self::default()
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        match self.gzip.as_mut() {
            Some(gz) => {
                let reader = &mut self.reader;
                gz.push(chunk, &mut |data| reader.push(data))
            }
            None => self.reader.push(chunk),
        }
    }
}

impl Push<u8> for TraceSummarizer {
    type Output = Summary;

    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.decided {
            return self.feed(chunk);
        }
        self.head.extend_from_slice(chunk);
        if self.head.len() < 2 {
            return Ok(());
        }
        self.decided = true;
        if self.head[..2] == [0x1f, 0x8b] {
            self.gzip = Some(Gunzip::new());
        }
        let head = core::mem::take(&mut self.head);
        self.feed(&head)
    }

    fn finish(mut self) -> Result<Summary> {
        if !self.decided {
            let head = core::mem::take(&mut self.head);
            self.decided = true;
            self.feed(&head)?;
        }
        if let Some(gz) = &self.gzip {
            gz.finish()?;
        }
        self.reader.finish()
    }
}

/// Summarise a whole trace held in memory.
pub fn summarize(bytes: &[u8]) -> Result<Summary> {
    let mut s = TraceSummarizer::new();
    s.push(bytes)?;
    s.finish()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
