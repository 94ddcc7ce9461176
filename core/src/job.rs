//! Analyses wired end to end: a reader feeding a kernel, driven by bytes. The CLI, the wasm
//! module and the tests all run these, so the front doors hold no analysis logic.

use crate::dsp::{Stats, StatsConfig};
use crate::formats::{Header, Reader};
use crate::report::StatsReport;
use crate::{Merge, Push, Result};

/// Per-channel statistics of a capture in any supported format, pushed as bytes.
pub struct StatsJob {
    reader: Reader,
    stats: Stats,
    /// The total length of the file, checked against the header once it is parsed.
    file_len: Option<u64>,
    checked: bool,
}

impl StatsJob {
    /// A job expecting a whole file from its first byte.
    pub fn new(config: StatsConfig) -> Self {
        StatsJob {
            reader: Reader::new(),
            stats: Stats::new(config),
            file_len: None,
            checked: false,
        }
    }

    /// Like [`StatsJob::new`], for a file known to be `file_len` bytes long: a header that
    /// promises more or less data fails as soon as it is parsed, before any work.
    pub fn with_file_len(config: StatsConfig, file_len: u64) -> Self {
        StatsJob {
            reader: Reader::with_file_len(file_len),
            file_len: Some(file_len),
            ..Self::new(config)
        }
    }

    /// A job over the data bytes `start..end` (relative to the data start) of a file whose
    /// header is parsed: one part of a file split across threads, as cut by
    /// [`Header::segments`].
    pub fn resume(header: Header, start: u64, end: u64, config: StatsConfig) -> Result<Self> {
        let mut stats = Stats::new(config);
        crate::BlockSink::begin(&mut stats, header.layout())?;
        Ok(StatsJob {
            reader: Reader::resume(header, start, end)?,
            stats,
            file_len: None,
            checked: true,
        })
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<Header> {
        self.reader.header()
    }
}

impl Push<u8> for StatsJob {
    type Output = StatsPartial;

    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.stats)?;
        if let Some(len) = self.file_len.filter(|_| !self.checked) {
            if let Some(h) = self.reader.header() {
                h.check_file_len(len)?;
                self.checked = true;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<StatsPartial> {
        Ok(StatsPartial {
            header: self.reader.finish()?,
            stats: self.stats,
        })
    }
}

/// The mergeable result of a [`StatsJob`] over all or part of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsPartial {
    header: Header,
    stats: Stats,
}

impl StatsPartial {
    /// The final report.
    pub fn report(self) -> StatsReport {
        StatsReport {
            info: self.header.info(),
            channels: self.stats.report(),
        }
    }
}

impl Merge for StatsPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.stats.merge(later.stats)
    }
}
