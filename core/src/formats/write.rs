//! Writers: the decoded channels of any reader, re-encoded as NPY, CSV, WAV or raw binary.
//!
//! A [`Writer`] is a [`BlockSink`]: it gathers each channel's blocks and emits whole rows
//! (one sample of every chosen channel) as bytes into a buffer the caller drains after each
//! push ([`Writer::drain`]). Headers whose sizes are only known at the end (NPY shape,
//! WAV data size) are written at full length first and handed back, final, by
//! [`Writer::finish`] for the caller to write again at byte 0 — so the output streams with
//! constant memory whatever its length.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::dtype::{Dtype, DtypeKind};
use crate::kernel::{Block, BlockSink, Layout, UNKNOWN_SAMPLES};
use crate::{Error, Result};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// numpy `.npy`, shape `(samples, channels)`.
    Npy,
    /// Comma-separated text with a header row.
    Csv,
    /// RIFF WAVE (PCM or IEEE float).
    Wav,
    /// Headerless interleaved samples.
    Raw,
}

impl OutputFormat {
    /// Short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Npy => "npy",
            OutputFormat::Csv => "csv",
            OutputFormat::Wav => "wav",
            OutputFormat::Raw => "raw",
        }
    }
}

/// What to write.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteConfig {
    /// The output format.
    pub format: OutputFormat,
    /// Sample type of NPY, WAV and raw output (CSV writes shortest round-trip decimals).
    pub dtype: Dtype,
    /// Input channels to write, in output column order; all when `None`.
    pub channels: Option<Vec<usize>>,
    /// Samples per second: the time column of CSV, the rate of WAV.
    pub sample_rate: Option<f64>,
    /// The input delivers each channel whole, one after another (Fortran-order NPY): NPY
    /// output is then written in Fortran order too, so nothing is buffered.
    pub channel_major: bool,
}

/// Fixed length of the NPY header written (room for any shape, so it can be rewritten in
/// place once the number of rows is known).
const NPY_HEADER_LEN: usize = 128;
/// Length of the WAV header written (RIFF, `fmt ` of 16 bytes, `data` chunk header).
const WAV_HEADER_LEN: usize = 44;

/// The result of a finished [`Writer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Rows (samples per channel) written.
    pub rows: u64,
    /// Columns (channels) written.
    pub columns: usize,
    /// The final header, to write over the provisional one at byte 0 (same length; empty
    /// when nothing needs rewriting).
    pub header: Vec<u8>,
}

/// A streaming encoder of channel blocks into one output format.
pub struct Writer {
    config: WriteConfig,
    /// Output column of each input channel.
    column_of: Vec<Option<usize>>,
    columns: usize,
    /// Samples waiting for the other columns of their rows.
    pending: Vec<Vec<f64>>,
    rows: u64,
    /// Channel-major NPY: samples written so far.
    written: u64,
    layout: Option<Layout>,
    out: Vec<u8>,
    line: String,
}

impl Writer {
    /// A writer waiting for its input's layout.
    pub fn new(config: WriteConfig) -> Result<Self> {
        if config.format == OutputFormat::Wav {
            let ok = matches!(
                (config.dtype.kind, config.dtype.size),
                (DtypeKind::Int, 2 | 4) | (DtypeKind::Float, 4 | 8)
            );
            if !ok || config.dtype.big_endian {
                return Err(Error::Config(format!(
                    "WAV output takes int16, int32, float32 or float64 samples, not {}",
                    config.dtype.descr()
                )));
            }
            match config.sample_rate {
                Some(r) if r >= 1.0 && r <= f64::from(u32::MAX) => {}
                _ => {
                    return Err(Error::Config(
                        "WAV output needs a sample rate of 1 Hz to 4.29 GHz (the input has none: give one)"
                            .to_string(),
                    ))
                }
            }
        }
        Ok(Writer {
            config,
            column_of: Vec::new(),
            columns: 0,
            pending: Vec::new(),
            rows: 0,
            written: 0,
            layout: None,
            out: Vec::new(),
            line: String::new(),
        })
    }

    /// Bytes encoded and not yet drained.
    pub fn pending_output(&self) -> usize {
        self.out.len()
    }

    /// Hand the bytes encoded so far to `write`, then forget them (the buffer is reused).
    pub fn drain<E>(
        &mut self,
        mut write: impl FnMut(&[u8]) -> core::result::Result<(), E>,
    ) -> core::result::Result<(), E> {
        write(&self.out)?;
        self.out.clear();
        Ok(())
    }

    /// Flush and return the final header. Fails if a channel ended short of the others.
    pub fn finish(mut self) -> Result<Written> {
        let layout = self
            .layout
            .ok_or_else(|| Error::Config("the input had no data layout".into()))?;
        if self.pending.iter().any(|p| !p.is_empty()) {
            return Err(Error::Config(
                "channels of different lengths cannot be written as rows".into(),
            ));
        }
        let rows = if self.channel_major() {
            if self.written != layout.samples.saturating_mul(self.columns as u64) {
                return Err(Error::Config(
                    "the input ended before every channel was complete".into(),
                ));
            }
            layout.samples
        } else {
            self.rows
        };
        self.rows = rows;
        let header = match self.config.format {
            OutputFormat::Npy => self.npy_header(rows),
            OutputFormat::Wav => self.wav_header(rows)?,
            OutputFormat::Csv | OutputFormat::Raw => Vec::new(),
        };
        Ok(Written {
            rows,
            columns: self.columns,
            header,
        })
    }

    fn channel_major(&self) -> bool {
        self.config.channel_major && self.config.format == OutputFormat::Npy && self.columns > 1
    }

    fn npy_header(&self, rows: u64) -> Vec<u8> {
        let order = if self.channel_major() {
            "True"
        } else {
            "False"
        };
        let mut dict = format!(
            "{{'descr': '{}', 'fortran_order': {order}, 'shape': ({rows}, {}), }}",
            self.config.dtype.descr(),
            self.columns
        );
        while dict.len() < NPY_HEADER_LEN - 11 {
            dict.push(' ');
        }
        dict.push('\n');
        let mut h = Vec::with_capacity(NPY_HEADER_LEN);
        h.extend_from_slice(super::npy::MAGIC);
        h.extend_from_slice(&[1, 0]);
        h.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        h.extend_from_slice(dict.as_bytes());
        h
    }

    fn wav_header(&self, rows: u64) -> Result<Vec<u8>> {
        let d = self.config.dtype;
        let block_align = (d.size * self.columns) as u64;
        let data = rows.saturating_mul(block_align);
        let limit = u64::from(u32::MAX) - WAV_HEADER_LEN as u64;
        if data > limit {
            return Err(Error::Limit {
                offset: 0,
                what: format!("WAV data of {data} bytes (RF64 output is not written yet)"),
                limit,
            });
        }
        let rate = self.config.sample_rate.unwrap_or(1.0) as u32;
        let tag: u16 = if d.kind == DtypeKind::Float { 3 } else { 1 };
        let mut h = Vec::with_capacity(WAV_HEADER_LEN);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&((data + 36) as u32).to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&(self.columns as u16).to_le_bytes());
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&((u64::from(rate) * block_align) as u32).to_le_bytes());
        h.extend_from_slice(&(block_align as u16).to_le_bytes());
        h.extend_from_slice(&((d.size * 8) as u16).to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&(data as u32).to_le_bytes());
        Ok(h)
    }

    /// Encode every complete row waiting in `pending`.
    fn flush_rows(&mut self) {
        let ready = self.pending.iter().map(Vec::len).min().unwrap_or(0);
        if ready == 0 {
            return;
        }
        let columns: Vec<&[f64]> = self.pending.iter().map(Vec::as_slice).collect();
        match self.config.format {
            OutputFormat::Csv => {
                for r in 0..ready {
                    self.line.clear();
                    let row = self.rows + r as u64;
                    let _ = match self.config.sample_rate {
                        Some(rate) => write!(self.line, "{}", row as f64 / rate),
                        None => write!(self.line, "{row}"),
                    };
                    for c in &columns {
                        let x = c[r];
                        let _ = if x.is_nan() {
                            write!(self.line, ",")
                        } else {
                            write!(self.line, ",{x}")
                        };
                    }
                    self.line.push('\n');
                    self.out.extend_from_slice(self.line.as_bytes());
                }
            }
            _ => self
                .config
                .dtype
                .encode_rows(&columns, ready, &mut self.out),
        }
        self.rows += ready as u64;
        for p in &mut self.pending {
            p.drain(..ready);
        }
    }
}

impl BlockSink for Writer {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        let chosen: Vec<usize> = match &self.config.channels {
            Some(list) => list.clone(),
            None => (0..layout.channels).collect(),
        };
        if let Some(bad) = chosen.iter().find(|&&c| c >= layout.channels) {
            return Err(Error::Config(format!(
                "channel {bad} does not exist (the input has {} channels)",
                layout.channels
            )));
        }
        self.column_of = vec![None; layout.channels];
        for (column, &channel) in chosen.iter().enumerate() {
            self.column_of[channel] = Some(column);
        }
        self.columns = chosen.len();
        self.pending = vec![Vec::new(); self.columns];
        self.layout = Some(layout);
        if self.channel_major() && layout.samples == UNKNOWN_SAMPLES {
            return Err(Error::Config(
                "channel-major input of unknown length".into(),
            ));
        }
        match self.config.format {
            OutputFormat::Npy => {
                let provisional = self.npy_header(layout.known_samples().unwrap_or(0));
                self.out.extend_from_slice(&provisional);
            }
            OutputFormat::Wav => {
                let provisional = self.wav_header(layout.known_samples().unwrap_or(0))?;
                self.out.extend_from_slice(&provisional);
            }
            OutputFormat::Csv => {
                let time = if self.config.sample_rate.is_some() {
                    "time"
                } else {
                    "sample"
                };
                self.out.extend_from_slice(time.as_bytes());
                for &c in &chosen {
                    self.out.extend_from_slice(format!(",ch{c}").as_bytes());
                }
                self.out.push(b'\n');
            }
            OutputFormat::Raw => {}
        }
        Ok(())
    }

    fn block(&mut self, block: Block<'_>) -> Result<()> {
        let Some(Some(column)) = self.column_of.get(block.channel).copied() else {
            return Ok(());
        };
        if self.channel_major() {
            // Channels arrive whole, in order: write as they come (Fortran order).
            self.config
                .dtype
                .encode_rows(&[block.samples], block.samples.len(), &mut self.out);
            self.written += block.samples.len() as u64;
            return Ok(());
        }
        if self.columns == 1 {
            match self.config.format {
                OutputFormat::Csv => {
                    self.pending[0].extend_from_slice(block.samples);
                    self.flush_rows();
                }
                _ => {
                    self.config.dtype.encode_rows(
                        &[block.samples],
                        block.samples.len(),
                        &mut self.out,
                    );
                    self.rows += block.samples.len() as u64;
                }
            }
            return Ok(());
        }
        self.pending[column].extend_from_slice(block.samples);
        if self.pending[column].len() > 1 << 24 {
            return Err(Error::Limit {
                offset: 0,
                what: "samples of one channel waiting for the others (write NPY, or one channel)"
                    .to_string(),
                limit: 1 << 24,
            });
        }
        self.flush_rows();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::OutputFormat;
    use crate::formats::{Dtype, Header};
    use crate::job::{ConvertJob, ConvertOptions};
    use crate::testkit::{assert_chunk_invariant, npy_bytes};
    use crate::{Push, Result};

    /// A whole conversion as one push machine: output bytes with the final header applied.
    struct Convert(ConvertJob, Vec<u8>);

    impl Push<u8> for Convert {
        type Output = Vec<u8>;
        fn push(&mut self, chunk: &[u8]) -> Result<()> {
            let Convert(job, out) = self;
            job.push(chunk, &mut |b| {
                out.extend_from_slice(b);
                true
            })
        }
        fn finish(self) -> Result<Vec<u8>> {
            let (tail, written, _) = self.0.finish()?;
            let mut out = self.1;
            out.extend_from_slice(&tail);
            out[..written.header.len()].copy_from_slice(&written.header);
            Ok(out)
        }
    }

    /// A VCD time jump expands a tiny input into much output: it must leave in pieces
    /// during the push, not pile up (found by the fuzzer).
    #[test]
    fn output_is_handed_on_during_a_push() {
        let vcd =
            b"$timescale 1s $end\n$var wire 1 ! a $end\n$enddefinitions $end\n#0\n1!\n#2000000\n";
        let header = Header::parse(vcd).unwrap();
        let options = ConvertOptions {
            format: OutputFormat::Raw,
            dtype: None,
            channels: None,
            sample_rate: Some(1.0),
        };
        let mut job = ConvertJob::new(header, options, vcd.len() as u64).unwrap();
        let (mut pieces, mut largest, mut total) = (0, 0, 0);
        job.push(vcd, &mut |b| {
            pieces += 1;
            largest = largest.max(b.len());
            total += b.len();
            true
        })
        .unwrap();
        assert!(pieces >= 3, "{pieces} pieces");
        assert!(
            largest <= crate::job::FLUSH_BYTES + (1 << 16) * 8,
            "{largest}"
        );
        let (tail, written, _) = job.finish().unwrap();
        assert_eq!(written.rows, 2_000_001);
        assert_eq!(total + tail.len(), 2_000_001 * 8);
    }

    #[test]
    fn every_output_is_chunk_invariant() {
        let values: Vec<f64> = (0..3 * 5000)
            .map(|i| (i as f64 * 0.37).sin() * 300.0)
            .collect();
        for fortran in [false, true] {
            let input = npy_bytes("<f4", &[5000, 3], fortran, 1, &values);
            for (format, dtype) in [
                (OutputFormat::Npy, None),
                (OutputFormat::Raw, Some("int16")),
                (OutputFormat::Csv, None),
                (OutputFormat::Wav, Some("float32")),
            ] {
                if fortran && format != OutputFormat::Npy {
                    continue;
                }
                let make = || {
                    let options = ConvertOptions {
                        format,
                        dtype: dtype.and_then(Dtype::parse),
                        channels: Some(alloc::vec![2, 0]).filter(|_| !fortran),
                        sample_rate: Some(1000.0),
                    };
                    let header = Header::parse(&input).unwrap();
                    Convert(
                        ConvertJob::new(header, options, input.len() as u64).unwrap(),
                        Vec::new(),
                    )
                };
                assert_chunk_invariant(make, &input, 6);
            }
        }
    }
}
