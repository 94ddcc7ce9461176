//! Analyses wired end to end: a reader feeding a kernel, driven by bytes. The CLI, the wasm
//! module and the tests all run these, so the front doors hold no analysis logic.

use alloc::vec::Vec;

use crate::dsp::{Stats, StatsConfig};
use crate::formats::dtype::Dtype;
use crate::formats::write::{OutputFormat, WriteConfig, Writer, Written};
use crate::formats::{Header, Reader};
use crate::report::{ConvertReport, OutputInfo, StatsReport};
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

    /// Sample a VCD's value changes `rate` times per second (needed to analyse a VCD).
    pub fn sampling_vcd_at(mut self, rate: Option<f64>) -> Self {
        self.reader = self.reader.sampling_vcd_at(rate);
        self
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<Header> {
        self.reader.header()
    }

    /// Statistics of a zip-based capture (sigrok session, npz) held whole in `file`, whose
    /// header [`crate::formats::archive::header`] read.
    pub fn archive(file: &[u8], header: Header, config: StatsConfig) -> Result<StatsPartial> {
        let mut stats = Stats::new(config);
        crate::formats::archive::read(file, &header, &mut stats)?;
        Ok(StatsPartial { header, stats })
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

    fn finish(mut self) -> Result<StatsPartial> {
        Ok(StatsPartial {
            header: self.reader.finish(&mut self.stats)?,
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

/// Output bytes a [`ConvertJob`] holds before handing them on.
pub const FLUSH_BYTES: usize = 4 << 20;

/// The writer of one push, emptied into the caller's `write` as output accumulates.
struct Draining<'a> {
    writer: &'a mut Writer,
    write: &'a mut dyn FnMut(&[u8]) -> bool,
}

impl Draining<'_> {
    /// Hand on the output once it holds more than `above` bytes.
    fn flush(&mut self, above: usize) -> Result<()> {
        if self.writer.pending_output() <= above {
            return Ok(());
        }
        let write = &mut *self.write;
        self.writer
            .drain(|b| if write(b) { Ok(()) } else { Err(()) })
            .map_err(|()| crate::Error::Config("writing the output failed".into()))
    }
}

impl crate::BlockSink for Draining<'_> {
    fn begin(&mut self, layout: crate::Layout) -> Result<()> {
        self.writer.begin(layout)?;
        self.flush(FLUSH_BYTES)
    }
    fn block(&mut self, block: crate::Block<'_>) -> Result<()> {
        self.writer.block(block)?;
        self.flush(FLUSH_BYTES)
    }
}

/// What `convert` should write.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Sample type; the input's own ([`Header::natural_dtype`]) when `None`.
    pub dtype: Option<Dtype>,
    /// Input channels to write, in order; all when `None`.
    pub channels: Option<Vec<usize>>,
    /// Samples per second, overriding the input's (for inputs that have none).
    pub sample_rate: Option<f64>,
}

/// A capture re-encoded into another format, pushed as bytes; the encoded bytes are taken
/// out after each push.
pub struct ConvertJob {
    reader: Reader,
    writer: Writer,
    header: Header,
    config: WriteConfig,
}

impl ConvertJob {
    /// A job for the file whose header is `header` (parsed from its first bytes) and whose
    /// length is `file_len`; push the whole file from byte 0.
    pub fn new(header: Header, options: ConvertOptions, file_len: u64) -> Result<Self> {
        let mut dtype = options.dtype.unwrap_or_else(|| header.natural_dtype());
        if options.format == OutputFormat::Wav && options.dtype.is_none() {
            // WAV holds int16/int32/float32/float64: keep the value, change the container.
            dtype = match (dtype.kind, dtype.size) {
                (crate::formats::DtypeKind::Float, 8) => dtype,
                (crate::formats::DtypeKind::Int, 2 | 4) => dtype,
                _ => Dtype {
                    kind: crate::formats::DtypeKind::Float,
                    size: 4,
                    big_endian: false,
                },
            };
        }
        let config = WriteConfig {
            format: options.format,
            dtype,
            channels: options.channels,
            sample_rate: options.sample_rate.or(header.info().sample_rate),
            channel_major: header.is_channel_major(),
        };
        Ok(ConvertJob {
            reader: Reader::for_header(&header, file_len).sampling_vcd_at(options.sample_rate),
            writer: Writer::new(config.clone())?,
            header,
            config,
        })
    }

    /// Consume the next bytes of the input, handing encoded output to `write` as it
    /// accumulates (every [`FLUSH_BYTES`] and at the end of the push), so memory stays
    /// bounded however much output one chunk expands to (a VCD time jump at a high rate).
    /// `write` returns `false` when it failed (the caller keeps its own error); the push
    /// then stops with an error.
    pub fn push(&mut self, chunk: &[u8], write: &mut dyn FnMut(&[u8]) -> bool) -> Result<()> {
        let mut draining = Draining {
            writer: &mut self.writer,
            write,
        };
        self.reader.push(chunk, &mut draining)?;
        draining.flush(0)
    }

    /// Finish: the last output bytes, the final header to write at byte 0 of the output
    /// (empty when the first one stands), and the report (the NPY sidecar's content).
    pub fn finish(mut self) -> Result<(Vec<u8>, Written, ConvertReport)> {
        self.reader.finish(&mut self.writer)?;
        let header = self.header;
        let mut tail = Vec::new();
        self.writer
            .drain(|b| {
                tail.extend_from_slice(b);
                Ok::<(), ()>(())
            })
            .ok();
        let written = self.writer.finish()?;
        let info = header.info();
        let channels = self
            .config
            .channels
            .unwrap_or_else(|| (0..info.channels as usize).collect());
        let report = ConvertReport {
            output: OutputInfo {
                format: self.config.format,
                dtype: self.config.dtype.name(),
                descr: self.config.dtype.descr(),
                shape: [written.rows, written.columns as u64],
                fortran_order: header.is_channel_major() && self.config.format == OutputFormat::Npy,
            },
            channels,
            sample_rate: self.config.sample_rate,
            unit: info.unit.clone(),
            source: info,
        };
        Ok((tail, written, report))
    }
}
