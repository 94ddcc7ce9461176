//! One reader for every format: probes the first bytes, then hands everything to the
//! format's own push parser. [`Header`] is what any format's header says.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::archive::NpzMembers;
use super::csv::{CsvHeader, CsvReader};
use super::dtype::{Dtype, DtypeKind};
use super::npy::{NpyHeader, NpyReader};
use super::probe::{probe, probe_complete, Format, PROBE_LEN};
use super::raw::{RawConfig, RawHeader};
use super::sigrok::SigrokHeader;
use super::trc::{TrcHeader, TrcReader};
use super::vcd::{VcdHeader, VcdReader};
use super::vcd_samples::VcdSamples;
use super::wav::{SampleFormat, WavHeader, WavReader};
use crate::kernel::{BlockSink, Layout};
use crate::report::InfoReport;
use crate::Result;

/// The parsed header of any supported format.
#[derive(Debug, Clone, PartialEq)]
pub enum Header {
    /// An NPY array.
    Npy(NpyHeader),
    /// A LeCroy waveform (boxed: its descriptor is large).
    Trc(Box<TrcHeader>),
    /// A WAV file.
    Wav(WavHeader),
    /// A raw binary file in a stated layout.
    Raw(RawHeader),
    /// A Value Change Dump (boxed: it lists every variable).
    Vcd(Box<VcdHeader>),
    /// Delimited text.
    Csv(Box<CsvHeader>),
    /// A sigrok session (read with random access: [`super::archive`]).
    Sigrok(Box<SigrokHeader>),
    /// An npz archive's arrays (read with random access: [`super::archive`]).
    Npz(NpzMembers),
}

impl Header {
    /// Parse the header from the first bytes of a file (at least the whole header).
    pub fn parse(prefix: &[u8]) -> Result<Header> {
        let format = match probe(prefix)? {
            Some(format) => format,
            None => probe_complete(prefix)?,
        };
        match format {
            Format::Npy => NpyHeader::parse(prefix).map(Header::Npy),
            Format::Trc => TrcHeader::parse(prefix).map(|h| Header::Trc(Box::new(h))),
            Format::Wav => WavHeader::parse(prefix).map(Header::Wav),
            Format::Raw => Err(raw_by_content()),
            Format::Sigrok | Format::Npz => Err(needs_random_access()),
            Format::Csv => CsvHeader::parse(prefix).map(|h| Header::Csv(Box::new(h))),
            Format::Vcd => {
                let mut reader = VcdReader::new();
                reader.push(prefix, &mut ())?;
                match reader.header() {
                    Some(h) => Ok(Header::Vcd(Box::new(h.clone()))),
                    None => reader
                        .finish(&mut ())
                        .map(|s| Header::Vcd(Box::new(s.header))),
                }
            }
        }
    }

    /// The format.
    pub fn format(&self) -> Format {
        match self {
            Header::Npy(_) => Format::Npy,
            Header::Trc(_) => Format::Trc,
            Header::Wav(_) => Format::Wav,
            Header::Raw(_) => Format::Raw,
            Header::Vcd(_) => Format::Vcd,
            Header::Csv(_) => Format::Csv,
            Header::Sigrok(_) => Format::Sigrok,
            Header::Npz(_) => Format::Npz,
        }
    }

    /// Channels and samples per channel.
    pub fn layout(&self) -> Layout {
        match self {
            Header::Npy(h) => h.layout(),
            Header::Trc(h) => h.layout(),
            Header::Wav(h) => h.layout(),
            Header::Raw(h) => h.npy.layout(),
            Header::Csv(h) => h.layout(),
            Header::Sigrok(h) => Layout {
                channels: h.stored_channels(),
                samples: h.samples,
            },
            Header::Npz(members) => members.first().map_or(
                Layout {
                    channels: 0,
                    samples: 0,
                },
                |(_, h)| h.layout(),
            ),
            Header::Vcd(h) => Layout {
                channels: h.vars.len(),
                samples: crate::kernel::UNKNOWN_SAMPLES,
            },
        }
    }

    /// Check a file of `file_len` bytes holds the data the header promises.
    pub fn check_file_len(&self, file_len: u64) -> Result<()> {
        match self {
            Header::Npy(h) => h.check_file_len(file_len),
            Header::Trc(h) => h.check_file_len(file_len),
            Header::Wav(h) => h.check_file_len(file_len),
            Header::Raw(h) => h.npy.check_file_len(file_len),
            Header::Vcd(_) | Header::Csv(_) | Header::Sigrok(_) | Header::Npz(_) => Ok(()),
        }
    }

    /// [`Header::check_file_len`], and give a header whose data runs to the end of the
    /// file (a streamed WAV) its real length.
    pub fn with_file_len(self, file_len: u64) -> Result<Header> {
        match self {
            Header::Wav(h) => h.with_file_len(file_len).map(Header::Wav),
            other => other.check_file_len(file_len).map(|()| other),
        }
    }

    /// Absolute offset of the first data byte.
    pub fn data_offset(&self) -> u64 {
        match self {
            Header::Npy(h) => h.data_offset,
            Header::Trc(h) => h.data_offset,
            Header::Wav(h) => h.data_offset,
            Header::Raw(h) => h.npy.data_offset,
            Header::Vcd(h) => h.body_offset,
            Header::Csv(h) => h.data_offset,
            Header::Sigrok(_) | Header::Npz(_) => 0,
        }
    }

    /// The sample type a converted copy keeps by default: NPY and WAV keep theirs (WAV's
    /// 8- and 24-bit integers widen to the next numpy type), scaled LeCroy volts become
    /// float32.
    pub fn natural_dtype(&self) -> Dtype {
        let little = |kind, size| Dtype {
            kind,
            size,
            big_endian: false,
        };
        match self {
            Header::Npy(h) => Dtype {
                big_endian: false,
                ..h.dtype
            },
            Header::Raw(h) => Dtype {
                big_endian: false,
                ..h.npy.dtype
            },
            Header::Trc(_) => little(DtypeKind::Float, 4),
            Header::Vcd(_) => little(DtypeKind::Float, 8),
            Header::Csv(_) => little(DtypeKind::Float, 8),
            Header::Sigrok(_) => little(DtypeKind::UInt, 1),
            Header::Npz(members) => {
                members
                    .first()
                    .map_or(little(DtypeKind::Float, 8), |(_, h)| Dtype {
                        big_endian: false,
                        ..h.dtype
                    })
            }
            Header::Wav(h) => match (h.sample_format, h.container_bytes()) {
                (SampleFormat::Float, 8) => little(DtypeKind::Float, 8),
                (SampleFormat::Float, _) => little(DtypeKind::Float, 4),
                (SampleFormat::Int, 1 | 2) => little(DtypeKind::Int, 2),
                (SampleFormat::Int, 3 | 4) => little(DtypeKind::Int, 4),
                (SampleFormat::Int, _) => little(DtypeKind::Int, 8),
            },
        }
    }

    /// Whether each channel arrives whole before the next (Fortran-order NPY).
    pub fn is_channel_major(&self) -> bool {
        match self {
            Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. }) => {
                h.fortran_order && h.channels > 1
            }
            _ => false,
        }
    }

    /// The `info` document.
    pub fn info(&self) -> InfoReport {
        match self {
            Header::Npy(h) => InfoReport::from(h),
            Header::Trc(h) => InfoReport::from(&**h),
            Header::Wav(h) => InfoReport::from(h),
            Header::Raw(h) => InfoReport::from(h),
            Header::Vcd(h) => InfoReport::from(&**h),
            Header::Csv(h) => InfoReport::from(&**h),
            Header::Sigrok(h) => InfoReport::from(&**h),
            Header::Npz(members) => InfoReport::from_npz(members),
        }
    }

    /// Bytes per row of interleaved channels, for formats whose data [`Reader::resume`] can
    /// read from any row (NPY in C order or of one channel, raw, WAV of known length); `None`
    /// otherwise.
    pub fn row_bytes(&self) -> Option<u64> {
        match self {
            Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. })
                if !h.fortran_order || h.channels <= 1 =>
            {
                Some(h.dtype.size as u64 * h.channels.max(1))
            }
            Header::Wav(h) if h.data_len.is_some() => Some(u64::from(h.block_align)),
            _ => None,
        }
    }

    /// Amplitude of a full-scale sine in the values the reader emits, for integer formats
    /// (the reference of dBFS); `None` for float and scaled formats.
    pub fn full_scale(&self) -> Option<f64> {
        match self {
            Header::Wav(h) if h.sample_format == SampleFormat::Int => Some(1.0 / h.full_scale()),
            Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. })
                if h.dtype.kind == DtypeKind::Int =>
            {
                // 2^(bits − 1), without `powi` (std only).
                let bits = 8 * h.dtype.size as u32;
                1u64.checked_shl(bits.saturating_sub(1)).map(|v| v as f64)
            }
            _ => None,
        }
    }

    /// Cut the data into parts of about `target` bytes that [`Reader::resume`] can read
    /// independently, on boundaries that keep merged results bit-identical to a serial run;
    /// `None` for a format read in one pass from its first byte.
    pub fn segments(&self, target: u64) -> Option<Vec<(u64, u64)>> {
        match self {
            Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. }) => Some(h.segments(target)),
            Header::Trc(_)
            | Header::Vcd(_)
            | Header::Csv(_)
            | Header::Sigrok(_)
            | Header::Npz(_) => None,
            Header::Wav(h) => {
                let (len, frame) = (h.data_len?, u64::from(h.block_align).max(1));
                // Interleaved frames, like C-order NPY: cut at whole blocks of frames.
                let unit = crate::dsp::moments::BLOCK * frame;
                let step = target.div_ceil(unit).max(1) * unit;
                let mut parts = Vec::new();
                let mut at = 0;
                while at < len {
                    parts.push((at, (at + step).min(len)));
                    at += step;
                }
                if parts.is_empty() {
                    parts.push((0, 0));
                }
                Some(parts)
            }
        }
    }
}

/// VCD holds value changes; sample-based analyses need them resampled first.
fn vcd_has_no_samples() -> crate::Error {
    crate::Error::Unsupported {
        offset: 0,
        what:
            "analysis of VCD value changes as samples without a sample rate (give one: --rate HZ)"
                .into(),
    }
}

/// Zip archives keep their directory at the end: they are read whole, not streamed.
fn needs_random_access() -> crate::Error {
    crate::Error::Unsupported {
        offset: 0,
        what: "streaming a zip archive (sigrok .sr, .npz): it is read with random access".into(),
    }
}

/// Raw data has no signature: it is never recognised, only declared.
fn raw_by_content() -> crate::Error {
    crate::Error::Config("raw binary has no signature: state its layout".into())
}

enum State {
    /// Collecting the first bytes to recognise the format.
    Probing(Vec<u8>),
    /// Bytes still to skip before a raw file's data, then its reader.
    Skip(u64, NpyReader),
    Npy(NpyReader),
    Trc(TrcReader),
    Wav(WavReader),
    Csv(Box<CsvReader>),
    Vcd(Box<VcdSamples>),
}

/// A push parser for any supported format, recognised from its first bytes.
pub struct Reader {
    state: State,
    /// The input's total length, when known (lets a streamed WAV know its length).
    file_len: Option<u64>,
    /// The stated layout, for raw data (read by the NPY reader).
    raw: Option<RawConfig>,
    /// Samples per second at which a VCD's value changes are sampled.
    vcd_rate: Option<f64>,
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
            file_len: None,
            raw: None,
            vcd_rate: None,
        }
    }

    /// A reader of a whole file of `file_len` bytes.
    pub fn with_file_len(file_len: u64) -> Self {
        Reader {
            file_len: Some(file_len),
            ..Self::new()
        }
    }

    /// A reader of the whole file that `header` was parsed from (or, for raw data, stated
    /// for), `file_len` bytes long.
    pub fn for_header(header: &Header, file_len: u64) -> Self {
        match header {
            Header::Raw(h) => Self::raw(h.clone()),
            _ => Self::with_file_len(file_len),
        }
    }

    /// Read a VCD's value changes as samples, `rate` per second (sample and hold; without a
    /// rate a VCD cannot be analysed as samples).
    pub fn sampling_vcd_at(mut self, rate: Option<f64>) -> Self {
        self.vcd_rate = rate;
        self
    }

    /// A reader of a whole raw file (no header to recognise: the layout is stated).
    pub fn raw(header: RawHeader) -> Self {
        let data_len = header.npy.data_len;
        let skip = header.npy.data_offset;
        Reader {
            state: State::Skip(skip, NpyReader::resume(header.npy, 0, data_len)),
            file_len: None,
            raw: Some(header.config),
            vcd_rate: None,
        }
    }

    /// A reader of the data bytes `start..end` (relative to the data start) of a file whose
    /// header is parsed, as cut by [`Header::segments`]; an error for a format that is read
    /// in one pass.
    pub fn resume(header: Header, start: u64, end: u64) -> Result<Self> {
        let raw = match &header {
            Header::Raw(h) => Some(h.config),
            _ => None,
        };
        let state = match header {
            Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. }) => {
                State::Npy(NpyReader::resume(h, start, end))
            }
            Header::Wav(h) => State::Wav(WavReader::resume(h, start, end)),
            Header::Trc(_)
            | Header::Vcd(_)
            | Header::Csv(_)
            | Header::Sigrok(_)
            | Header::Npz(_) => {
                return Err(crate::Error::Config(
                    "this format is read in one pass from its first byte".into(),
                ))
            }
        };
        Ok(Reader {
            state,
            file_len: None,
            raw,
            vcd_rate: None,
        })
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<Header> {
        self.parsed().map(|h| self.restate(h))
    }

    /// A raw file's header says what was stated, not what its NPY reader sees.
    fn restate(&self, header: Header) -> Header {
        match (header, self.raw) {
            (Header::Npy(npy), Some(config)) => Header::Raw(RawHeader { config, npy }),
            (header, _) => header,
        }
    }

    fn parsed(&self) -> Option<Header> {
        match &self.state {
            State::Probing(_) => None,
            State::Skip(_, r) => r.header().cloned().map(Header::Npy),
            State::Npy(r) => r.header().cloned().map(Header::Npy),
            State::Trc(r) => r.header().map(|h| Header::Trc(Box::new(h.clone()))),
            State::Wav(r) => r.header().cloned().map(Header::Wav),
            State::Csv(r) => r.header().map(|h| Header::Csv(Box::new(h.clone()))),
            State::Vcd(r) => r.header().map(|h| Header::Vcd(Box::new(h.clone()))),
        }
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        match &mut self.state {
            State::Npy(r) => r.push(bytes, sink),
            State::Skip(left, _) if *left >= bytes.len() as u64 => {
                *left -= bytes.len() as u64;
                Ok(())
            }
            State::Skip(left, r) => {
                let rest = &bytes[*left as usize..];
                let mut reader = core::mem::take(r);
                if let Some(h) = reader.header() {
                    sink.begin(h.layout())?;
                }
                let result = reader.push(rest, sink);
                self.state = State::Npy(reader);
                result
            }
            State::Trc(r) => r.push(bytes, sink),
            State::Wav(r) => r.push(bytes, sink),
            State::Csv(r) => r.push(bytes, sink),
            State::Vcd(r) => r.push(bytes, sink),
            State::Probing(buf) => {
                let take = (PROBE_LEN - buf.len()).min(bytes.len());
                buf.extend_from_slice(&bytes[..take]);
                match probe(buf)? {
                    None => Ok(()),
                    Some(format) => {
                        let prefix = core::mem::take(buf);
                        self.state = match format {
                            Format::Npy => State::Npy(NpyReader::new()),
                            Format::Trc => State::Trc(TrcReader::new()),
                            Format::Wav => State::Wav(match self.file_len {
                                Some(len) => WavReader::with_file_len(len),
                                None => WavReader::new(),
                            }),
                            Format::Raw => return Err(raw_by_content()),
                            Format::Vcd => match self.vcd_rate {
                                Some(rate) => State::Vcd(Box::new(VcdSamples::new(rate))),
                                None => return Err(vcd_has_no_samples()),
                            },
                            Format::Csv => State::Csv(Box::default()),
                            Format::Sigrok | Format::Npz => return Err(needs_random_access()),
                        };
                        self.push(&prefix, sink)?;
                        self.push(&bytes[take..], sink)
                    }
                }
            }
        }
    }

    /// Check that the input was complete and return the header; formats that hold rows
    /// back (CSV) emit the last ones to `sink`.
    pub fn finish(mut self, sink: &mut dyn BlockSink) -> Result<Header> {
        let state = core::mem::replace(&mut self.state, State::Probing(Vec::new()));
        let header = match state {
            State::Probing(buf) => match probe_complete(&buf)? {
                // A whole input shorter than the probe: only text can be that small.
                Format::Csv => {
                    let mut csv = CsvReader::new();
                    csv.push(&buf, sink)?;
                    csv.finish(sink).map(|h| Header::Csv(Box::new(h)))
                }
                _ => Err(super::probe::too_short(&buf)),
            },
            State::Skip(left, r) => match r.header() {
                Some(h) if left > 0 => Err(crate::Error::Truncated {
                    offset: h.data_offset - left,
                    expected: alloc::format!("raw data from byte {}", h.data_offset),
                }),
                _ => r.finish().map(Header::Npy),
            },
            State::Npy(r) => r.finish().map(Header::Npy),
            State::Trc(r) => r.finish().map(|h| Header::Trc(Box::new(h))),
            State::Wav(r) => r.finish().map(Header::Wav),
            State::Csv(r) => r.finish(sink).map(|h| Header::Csv(Box::new(h))),
            State::Vcd(r) => r.finish(sink).map(|h| Header::Vcd(Box::new(h))),
        }?;
        Ok(self.restate(header))
    }
}
