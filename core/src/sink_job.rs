//! Any [`BlockSink`] + [`Merge`] reduction fed by a capture in any format, pushed as bytes:
//! the same whole-file, resumed-segment and archive entry points as
//! [`crate::job::StatsJob`], for passes such as [`crate::dsp::histogram::Histogram`] and
//! [`crate::dsp::histogram::FiniteRange`].

use crate::formats::{Header, Reader};
use crate::{BlockSink, Merge, Push, Result};

/// A reader feeding the reduction `S`.
pub struct SinkJob<S> {
    reader: Reader,
    sink: S,
    /// The total length of the file, checked against the header once it is parsed.
    file_len: Option<u64>,
    checked: bool,
}

impl<S: BlockSink> SinkJob<S> {
    /// A job expecting a whole file from its first byte.
    pub fn new(sink: S) -> Self {
        SinkJob {
            reader: Reader::new(),
            sink,
            file_len: None,
            checked: false,
        }
    }

    /// Like [`SinkJob::new`], for a file known to be `file_len` bytes long: a header that
    /// promises more or less data fails as soon as it is parsed.
    pub fn with_file_len(sink: S, file_len: u64) -> Self {
        SinkJob {
            reader: Reader::with_file_len(file_len),
            file_len: Some(file_len),
            ..Self::new(sink)
        }
    }

    /// A job over the data bytes `start..end` (relative to the data start) of a file whose
    /// header is parsed, as cut by [`Header::segments`].
    ///
    /// # Errors
    /// When the sink rejects the layout or the reader cannot resume there.
    pub fn resume(header: Header, start: u64, end: u64, mut sink: S) -> Result<Self> {
        sink.begin(header.layout())?;
        Ok(SinkJob {
            reader: Reader::resume(header, start, end)?,
            sink,
            file_len: None,
            checked: true,
        })
    }

    /// Sample a VCD's value changes `rate` times per second (needed to analyse a VCD).
    pub fn sampling_vcd_at(mut self, rate: Option<f64>) -> Self {
        self.reader = self.reader.sampling_vcd_at(rate);
        self
    }

    /// The reduction of a zip-based capture (sigrok session, npz) held whole in `file`,
    /// whose header [`crate::formats::archive::header`] read.
    ///
    /// # Errors
    /// Bad archive contents, or the sink's own errors.
    pub fn archive(file: &[u8], header: Header, mut sink: S) -> Result<SinkPartial<S>> {
        crate::formats::archive::read(file, &header, &mut sink)?;
        Ok(SinkPartial { header, sink })
    }
}

impl<S: BlockSink> Push<u8> for SinkJob<S> {
    type Output = SinkPartial<S>;

    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.sink)?;
        if let Some(len) = self.file_len.filter(|_| !self.checked) {
            if let Some(h) = self.reader.header() {
                h.check_file_len(len)?;
                self.checked = true;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<SinkPartial<S>> {
        Ok(SinkPartial {
            header: self.reader.finish(&mut self.sink)?,
            sink: self.sink,
        })
    }
}

/// The mergeable result of a [`SinkJob`] over all or part of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkPartial<S> {
    /// The input's header.
    pub header: Header,
    /// The reduction.
    pub sink: S,
}

impl<S: Merge> Merge for SinkPartial<S> {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.sink.merge(later.sink)
    }
}
