//! One reader for every format: probes the first bytes, then hands everything to the
//! format's own push parser. [`Header`] is what any format's header says.

use alloc::vec::Vec;

use super::npy::{NpyHeader, NpyReader};
use super::probe::{probe, too_short, Format, PROBE_LEN};
use crate::kernel::{BlockSink, Layout};
use crate::report::InfoReport;
use crate::Result;

/// The parsed header of any supported format.
#[derive(Debug, Clone, PartialEq)]
pub enum Header {
    /// An NPY array.
    Npy(NpyHeader),
}

impl Header {
    /// Parse the header from the first bytes of a file (at least the whole header).
    pub fn parse(prefix: &[u8]) -> Result<Header> {
        match probe(prefix)? {
            Some(Format::Npy) => NpyHeader::parse(prefix).map(Header::Npy),
            None => Err(too_short(prefix)),
        }
    }

    /// The format.
    pub fn format(&self) -> Format {
        match self {
            Header::Npy(_) => Format::Npy,
        }
    }

    /// Channels and samples per channel.
    pub fn layout(&self) -> Layout {
        match self {
            Header::Npy(h) => h.layout(),
        }
    }

    /// Check a file of `file_len` bytes holds exactly the data the header promises.
    pub fn check_file_len(&self, file_len: u64) -> Result<()> {
        match self {
            Header::Npy(h) => h.check_file_len(file_len),
        }
    }

    /// Absolute offset of the first data byte.
    pub fn data_offset(&self) -> u64 {
        match self {
            Header::Npy(h) => h.data_offset,
        }
    }

    /// The `info` document.
    pub fn info(&self) -> InfoReport {
        match self {
            Header::Npy(h) => InfoReport::from(h),
        }
    }

    /// Cut the data into parts of about `target` bytes that [`Reader::resume`] can read
    /// independently, on boundaries that keep merged results bit-identical to a serial run.
    pub fn segments(&self, target: u64) -> Vec<(u64, u64)> {
        match self {
            Header::Npy(h) => h.segments(target),
        }
    }
}

enum State {
    /// Collecting the first bytes to recognise the format.
    Probing(Vec<u8>),
    Npy(NpyReader),
}

/// A push parser for any supported format, recognised from its first bytes.
pub struct Reader {
    state: State,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

impl Reader {
    /// A reader expecting the first byte of a file.
    pub fn new() -> Self {
        Reader {
            state: State::Probing(Vec::new()),
        }
    }

    /// A reader of the data bytes `start..end` (relative to the data start) of a file whose
    /// header is parsed, as cut by [`Header::segments`].
    pub fn resume(header: Header, start: u64, end: u64) -> Self {
        let state = match header {
            Header::Npy(h) => State::Npy(NpyReader::resume(h, start, end)),
        };
        Reader { state }
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<Header> {
        match &self.state {
            State::Probing(_) => None,
            State::Npy(r) => r.header().cloned().map(Header::Npy),
        }
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        match &mut self.state {
            State::Npy(r) => r.push(bytes, sink),
            State::Probing(buf) => {
                let take = (PROBE_LEN - buf.len()).min(bytes.len());
                buf.extend_from_slice(&bytes[..take]);
                match probe(buf)? {
                    None => Ok(()),
                    Some(format) => {
                        let prefix = core::mem::take(buf);
                        self.state = match format {
                            Format::Npy => State::Npy(NpyReader::new()),
                        };
                        self.push(&prefix, sink)?;
                        self.push(&bytes[take..], sink)
                    }
                }
            }
        }
    }

    /// Check that the input was complete and return the header.
    pub fn finish(self) -> Result<Header> {
        match self.state {
            State::Probing(buf) => Err(too_short(&buf)),
            State::Npy(r) => r.finish().map(Header::Npy),
        }
    }
}
