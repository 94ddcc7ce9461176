//! Analyses wired end to end: a reader feeding a kernel, driven by bytes. The CLI, the wasm
//! module and the tests all run these, so the front doors hold no analysis logic.

use crate::dsp::{Stats, StatsConfig};
use crate::formats::{NpyHeader, NpyReader};
use crate::report::{InfoReport, StatsReport};
use alloc::vec::Vec;

use crate::{Merge, Push, Result};

/// Per-channel statistics of an NPY file, pushed as bytes.
pub struct StatsJob {
    reader: NpyReader,
    stats: Stats,
    /// The total length of the file, checked against the header once it is parsed.
    file_len: Option<u64>,
    checked: bool,
}

impl StatsJob {
    /// A job expecting a whole file from its first byte.
    pub fn new(config: StatsConfig) -> Self {
        StatsJob {
            reader: NpyReader::new(),
            stats: Stats::new(config),
            file_len: None,
            checked: false,
        }
    }

    /// Like [`StatsJob::new`], for a file known to be `file_len` bytes long: a header that
    /// promises more or less data fails as soon as it is parsed, before any work.
    pub fn with_file_len(config: StatsConfig, file_len: u64) -> Self {
        StatsJob {
            file_len: Some(file_len),
            ..Self::new(config)
        }
    }

    /// A job over the data bytes `start..end` (relative to the data start) of a file whose
    /// header is parsed: one part of a file split across threads, as cut by
    /// [`StatsJob::segments`].
    pub fn resume(header: NpyHeader, start: u64, end: u64, config: StatsConfig) -> Result<Self> {
        let mut stats = Stats::new(config);
        crate::BlockSink::begin(&mut stats, header.layout())?;
        Ok(StatsJob {
            reader: NpyReader::resume(header, start, end),
            stats,
            file_len: None,
            checked: true,
        })
    }

    /// Cut the data of a file into parts of about `target` bytes for [`StatsJob::resume`].
    /// Cuts fall on block boundaries of every channel, so the merged result is
    /// bit-identical to a serial run; only when a block of every channel is larger than
    /// `target` do they fall between rows (then results agree to rounding).
    pub fn segments(header: &NpyHeader, target: u64) -> Vec<(u64, u64)> {
        let size = header.dtype.size as u64;
        let block = crate::dsp::moments::BLOCK * size;
        let (row, channel_len) = (size * header.channels.max(1), header.samples * size);
        let align = |pos: u64| {
            if header.fortran_order {
                let within = pos % channel_len.max(1);
                pos - within + within / block * block
            } else {
                pos / (block * header.channels.max(1)) * (block * header.channels.max(1))
            }
        };
        let align_element = |pos: u64| {
            let unit = if header.fortran_order { size } else { row };
            pos / unit * unit
        };
        let len = header.data_len;
        let mut parts = Vec::new();
        let mut at = 0;
        while at < len {
            let want = at.saturating_add(target.max(1));
            let mut cut = if want >= len { len } else { align(want) };
            if cut <= at {
                cut = align_element(want).max(at + row.min(len - at));
            }
            parts.push((at, cut));
            at = cut;
        }
        if parts.is_empty() {
            parts.push((0, 0));
        }
        parts
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<&NpyHeader> {
        self.reader.header()
    }
}

impl Push<u8> for StatsJob {
    type Output = StatsPartial;

    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.stats)?;
        if !self.checked {
            if let (Some(h), Some(len)) = (self.reader.header(), self.file_len) {
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
    header: NpyHeader,
    stats: Stats,
}

impl StatsPartial {
    /// The final report.
    pub fn report(self) -> StatsReport {
        StatsReport {
            info: InfoReport::from(&self.header),
            channels: self.stats.report(),
        }
    }
}

impl Merge for StatsPartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.stats.merge(later.stats)
    }
}
