//! The result documents of every analysis, shared verbatim by the CLI's `--json` output and
//! the wasm module, so scripts and the web page see one schema (documented in
//! `docs/json-schema.md`).

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::formats::csv::CsvHeader;
use crate::formats::raw::RawHeader;
use crate::formats::sigrok::SigrokHeader;
use crate::formats::trc::TrcHeader;
use crate::formats::vcd::VcdHeader;
use crate::formats::wav::{SampleFormat, WavContainer, WavHeader};
use crate::formats::write::OutputFormat;
use crate::formats::{Format, NpyHeader};

/// How a channel's quantiles were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuantileMethod {
    /// From every value.
    Exact,
    /// From a deterministic random sample (rank error ≤ 0.1%).
    Sampled,
}

/// Statistics of one channel. Value fields are `null` when the channel has no non-NaN
/// sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelStats {
    /// Channel index (0-based).
    pub channel: usize,
    /// Number of samples, NaN included.
    pub count: u64,
    /// Number of NaN samples (skipped by every other field).
    pub nan_count: u64,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Root mean square, `sqrt(mean(x²))`.
    pub rms: Option<f64>,
    /// Population standard deviation (`ddof = 0`).
    pub std: Option<f64>,
    /// Median (numpy's linear interpolation).
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Whether the percentiles are exact or from a sample.
    pub quantiles: QuantileMethod,
    /// Number of values the percentiles were selected from.
    pub quantile_sample: u64,
    /// The histogram, when asked for (`stats --histogram`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<HistogramReport>,
}

/// A channel's histogram: `bins` equal bins over `[lo, hi]`, counted like
/// `numpy.histogram(x, bins, range=(lo, hi))` on the values as float64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramReport {
    /// The first edge.
    pub lo: f64,
    /// The last edge (the last bin includes it).
    pub hi: f64,
    /// Number of bins.
    pub bins: usize,
    /// Values in each bin.
    pub counts: Vec<u64>,
    /// Finite values below `lo`.
    pub below: u64,
    /// Finite values above `hi`.
    pub above: u64,
    /// NaN and infinite values (never binned).
    pub nonfinite: u64,
}

/// `scopekit stats --json`: per-channel statistics of one capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    /// The input's format and layout.
    pub info: InfoReport,
    /// One entry per analysed channel.
    pub channels: Vec<ChannelStats>,
}

/// `scopekit convert --json`, and the JSON sidecar written beside NPY and raw output: what
/// was written and everything about the source that the output format cannot hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvertReport {
    /// The output.
    pub output: OutputInfo,
    /// The source channels written, in output column order.
    pub channels: Vec<usize>,
    /// Samples per second of the source, when known.
    pub sample_rate: Option<f64>,
    /// Unit of the values, when known.
    pub unit: Option<String>,
    /// Everything the source header said.
    pub source: InfoReport,
}

/// The written array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputInfo {
    /// Output format.
    pub format: OutputFormat,
    /// Sample type (numpy name).
    pub dtype: String,
    /// Sample type as numpy writes it.
    pub descr: String,
    /// `[samples, channels]`.
    pub shape: [u64; 2],
    /// NPY written in Fortran order (from a Fortran-order source).
    pub fortran_order: bool,
}

/// `scopekit info --json`: what a capture's header says. The first fields mean the same for
/// every format; the format's own details follow in the section named after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfoReport {
    /// The format.
    pub format: Format,
    /// Sample type as stored (numpy name, e.g. `float32`, `int16`).
    pub dtype: String,
    /// Number of channels.
    pub channels: u64,
    /// Samples per channel; `null` when only the end of the input tells (a streamed WAV,
    /// a VCD).
    pub samples: Option<u64>,
    /// Samples per second, when the format records it.
    pub sample_rate: Option<f64>,
    /// Unit of the sample values (e.g. `V`), when the format records it.
    pub unit: Option<String>,
    /// Offset of the first data byte.
    pub data_offset: u64,
    /// Length of the data in bytes.
    pub data_bytes: u64,
    /// NPY details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npy: Option<NpyInfo>,
    /// LeCroy details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trc: Option<TrcInfo>,
    /// WAV details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wav: Option<WavInfo>,
    /// VCD details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcd: Option<VcdInfo>,
    /// CSV details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<CsvInfo>,
    /// sigrok session details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigrok: Option<SigrokInfo>,
    /// npz archive details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npz: Option<NpzInfo>,
}

impl InfoReport {
    /// The channels' names where the format records them (sigrok probes, CSV columns, VCD
    /// variables: the first declared for each identifier code), by channel index.
    pub fn channel_names(&self) -> Vec<Option<String>> {
        let mut names: Vec<Option<String>> = vec![None; self.channels as usize];
        if let Some(s) = &self.sigrok {
            for (n, name) in names.iter_mut().zip(&s.channel_names) {
                n.clone_from(name);
            }
        } else if let Some(c) = &self.csv {
            for (n, col) in names.iter_mut().zip(&c.columns) {
                *n = Some(col[0].clone());
            }
        } else if let Some(v) = &self.vcd {
            let mut codes: Vec<&str> = Vec::new();
            for var in &v.vars {
                if !codes.contains(&var.code.as_str()) {
                    codes.push(&var.code);
                    if let Some(n) = names.get_mut(codes.len() - 1) {
                        *n = Some(var.name.clone());
                    }
                }
            }
        }
        names
    }

    /// The index of a channel given as an index or a name (exact, or the last dotted
    /// component of a VCD variable).
    ///
    /// # Errors
    /// No such channel; the message lists the names there are.
    pub fn channel_index(&self, spec: &str) -> crate::Result<usize> {
        let names = self.channel_names();
        let found = spec
            .parse::<usize>()
            .ok()
            .filter(|&i| i < names.len())
            .or_else(|| {
                names
                    .iter()
                    .position(|n| n.as_deref() == Some(spec))
                    .or_else(|| {
                        names.iter().position(|n| {
                            n.as_deref()
                                .and_then(|n| n.rsplit('.').next())
                                .is_some_and(|last| last == spec)
                        })
                    })
            });
        found.ok_or_else(|| {
            let known: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| match n {
                    Some(n) => format!("{i}={n}"),
                    None => format!("{i}"),
                })
                .collect();
            crate::Error::Config(format!(
                "no channel '{spec}' (channels: {})",
                known.join(", ")
            ))
        })
    }
}

/// What a sigrok session's metadata says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigrokInfo {
    /// Session format version (1 or 2).
    pub version: u32,
    /// Bytes per logic sample.
    pub unitsize: usize,
    /// Logic channel names by index (`null` for unnamed probes).
    pub channel_names: Vec<Option<String>>,
    /// Number of logic chunks in the archive.
    pub logic_chunks: usize,
    /// Analog channel names (`null` for unnamed ones).
    pub analog_channels: Vec<Option<String>>,
}

/// The arrays of an npz archive; the statistics are of the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpzInfo {
    /// Each member: name, sample type and shape.
    pub members: Vec<NpzMemberInfo>,
}

/// One npz member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpzMemberInfo {
    /// Name without `.npy`.
    pub name: String,
    /// numpy type string.
    pub descr: String,
    /// Shape.
    pub shape: Vec<u64>,
}

impl InfoReport {
    /// A report with the common fields only.
    fn bare(format: Format, dtype: String, channels: u64, samples: Option<u64>) -> Self {
        InfoReport {
            format,
            dtype,
            channels,
            samples,
            sample_rate: None,
            unit: None,
            data_offset: 0,
            data_bytes: 0,
            npy: None,
            trc: None,
            wav: None,
            vcd: None,
            csv: None,
            sigrok: None,
            npz: None,
        }
    }

    /// The report of an npz archive (the common fields are those of its first array).
    pub fn from_npz(members: &[(String, NpyHeader)]) -> Self {
        let first = members.first().map(|(_, h)| InfoReport::from(h));
        let base = first.map_or_else(
            || InfoReport::bare(Format::Npz, "none".into(), 0, Some(0)),
            |f| InfoReport {
                format: Format::Npz,
                npy: None,
                ..f
            },
        );
        InfoReport {
            npz: Some(NpzInfo {
                members: members
                    .iter()
                    .map(|(name, h)| NpzMemberInfo {
                        name: name.clone(),
                        descr: h.dtype.descr(),
                        shape: h.shape.clone(),
                    })
                    .collect(),
            }),
            ..base
        }
    }
}

impl From<&SigrokHeader> for InfoReport {
    fn from(h: &SigrokHeader) -> Self {
        InfoReport {
            sample_rate: h.samplerate.map(|r| r as f64),
            data_bytes: h.samples * h.unitsize as u64,
            sigrok: Some(SigrokInfo {
                version: h.version,
                unitsize: h.unitsize,
                channel_names: h
                    .channels
                    .iter()
                    .take(h.stored_channels())
                    .cloned()
                    .collect(),
                logic_chunks: h.logic.len(),
                analog_channels: h.analog.iter().map(|a| a.name.clone()).collect(),
            }),
            ..InfoReport::bare(
                Format::Sigrok,
                "logic".into(),
                h.stored_channels() as u64,
                Some(h.samples),
            )
        }
    }
}

/// What the preamble and header of a CSV file say, and how regular its time column is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvInfo {
    /// The layout recognised: `header`, `rigol`, `tektronix_columns` or `headerless`.
    pub style: String,
    /// The delimiter: `,`, `;`, tab or space.
    pub delimiter: String,
    /// Channel columns: name and unit as written.
    pub columns: Vec<[String; 2]>,
    /// The time column's name and unit, if there is one.
    pub time: Option<[String; 2]>,
    /// `key, value` lines before the header (instrument, record length, ...).
    pub metadata: Vec<[String; 2]>,
    /// Whether the time column steps regularly (relative deviation ≤ 1e-3), once read.
    pub regular: Option<bool>,
    /// Largest relative deviation of a time step from the mean step, once read.
    pub max_deviation: Option<f64>,
}

/// What a VCD header declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VcdInfo {
    /// `$timescale`, e.g. `1 ns`.
    pub timescale: Option<String>,
    /// `$date` text.
    pub date: Option<String>,
    /// `$version` text (the writing tool).
    pub version: Option<String>,
    /// Number of `$scope`s.
    pub scopes: usize,
    /// Number of distinct identifier codes (variables that alias share one).
    pub codes: usize,
    /// Every variable, in declaration order.
    pub vars: Vec<VcdVarInfo>,
}

/// One VCD variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcdVarInfo {
    /// Full dotted name with bit-select, e.g. `top.cpu.data[7:0]`.
    pub name: String,
    /// Type keyword as written (`wire`, `reg`, `real`, ...).
    pub kind: String,
    /// Width in bits.
    pub width: u32,
    /// Identifier code.
    pub code: String,
}

/// What a LeCroy WAVEDESC says beyond the common fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrcInfo {
    /// Instrument name, e.g. `LECROYWR64Xi-A`.
    pub instrument: String,
    /// Instrument serial number.
    pub instrument_number: i32,
    /// The trace label set on the scope.
    pub trace_label: String,
    /// Descriptor template, e.g. `LECROY_2_3`.
    pub template: String,
    /// Sequence (segmented) acquisition: number of segments (1 for a single sweep).
    pub segments: u64,
    /// Points per segment.
    pub points_per_segment: u64,
    /// Volts per ADC count: `value = vertical_gain * raw - vertical_offset`.
    pub vertical_gain: f64,
    /// Subtracted after scaling.
    pub vertical_offset: f64,
    /// Seconds between samples.
    pub horiz_interval: f64,
    /// Time of the first sample relative to the trigger (segment 0).
    pub horiz_offset: f64,
    /// Horizontal unit (normally `S`).
    pub horizontal_unit: String,
    /// ADC resolution the scope reports.
    pub nominal_bits: i16,
    /// Trigger timestamp of the acquisition, ISO 8601 (scope's clock, no zone).
    pub trigger_time: String,
    /// Record type, e.g. `single_sweep`, `sequence_obsolete`.
    pub record_type: Option<String>,
    /// Timebase setting, e.g. `200_ns/div`.
    pub timebase: Option<String>,
    /// Input coupling, e.g. `DC_50_Ohms`.
    pub coupling: Option<String>,
    /// Source channel, e.g. `CHANNEL_1`.
    pub wave_source: Option<String>,
    /// Probe attenuation.
    pub probe_att: f64,
    /// Per segment: trigger time (s since the first trigger) and offset of its first sample.
    pub segment_triggers: Vec<[f64; 2]>,
}

/// What a WAV header says beyond the common fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WavInfo {
    /// `riff`, `rf64` or `bw64`.
    pub container: String,
    /// `int` or `float`.
    pub sample_format: String,
    /// Container bits per sample.
    pub bits_per_sample: u16,
    /// Significant bits per sample.
    pub valid_bits: u16,
    /// Bytes per frame (all channels).
    pub block_align: u16,
    /// Speaker position mask of WAVE_FORMAT_EXTENSIBLE.
    pub channel_mask: Option<u32>,
    /// Multiply a value by this for full scale ±1.0 (values are the stored integers).
    pub full_scale: f64,
    /// The data size field said "until the end" (a recorder that streamed the file).
    pub open_ended: bool,
}

/// What an NPY header says beyond the common fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpyInfo {
    /// Format version, e.g. `1.0`.
    pub version: String,
    /// Element type as numpy writes it, e.g. `<f4`.
    pub descr: String,
    /// `little` or `big` (`little` for one-byte types).
    pub byte_order: String,
    /// Array shape as written.
    pub shape: Vec<u64>,
    /// Columns stored one after another.
    pub fortran_order: bool,
}

impl From<&NpyHeader> for InfoReport {
    fn from(h: &NpyHeader) -> Self {
        InfoReport {
            format: Format::Npy,
            dtype: h.dtype.name(),
            channels: h.channels,
            samples: Some(h.samples),
            sample_rate: None,
            unit: None,
            data_offset: h.data_offset,
            data_bytes: h.data_len,
            npy: Some(NpyInfo {
                version: alloc::format!("{}.{}", h.version.0, h.version.1),
                descr: h.dtype.descr(),
                byte_order: if h.dtype.big_endian { "big" } else { "little" }.into(),
                shape: h.shape.clone(),
                fortran_order: h.fortran_order,
            }),
            ..InfoReport::bare(Format::Npy, String::new(), 0, None)
        }
    }
}

impl From<&TrcHeader> for InfoReport {
    fn from(h: &TrcHeader) -> Self {
        let t = &h.trigger_time;
        let whole = t.seconds as u64;
        let nanos = ((t.seconds - whole as f64) * 1e9) as u64;
        InfoReport {
            format: Format::Trc,
            dtype: h.dtype.name(),
            channels: 1,
            samples: Some(h.wave_array_count),
            sample_rate: (h.horiz_interval > 0.0).then(|| 1.0 / h.horiz_interval),
            unit: Some(h.vertunit.clone()).filter(|u| !u.is_empty()),
            data_offset: h.data_offset,
            data_bytes: h.wave_array_count * h.dtype.size as u64,
            trc: Some(TrcInfo {
                instrument: h.instrument_name.clone(),
                instrument_number: h.instrument_number,
                trace_label: h.trace_label.clone(),
                template: h.template_name.clone(),
                segments: h.segments,
                points_per_segment: h.points_per_segment,
                vertical_gain: h.vertical_gain,
                vertical_offset: h.vertical_offset,
                horiz_interval: h.horiz_interval,
                horiz_offset: h.horiz_offset,
                horizontal_unit: h.horunit.clone(),
                nominal_bits: h.nominal_bits,
                trigger_time: alloc::format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}",
                    t.year,
                    t.months,
                    t.days,
                    t.hours,
                    t.minutes,
                    whole,
                    nanos
                ),
                record_type: h.record_type_name().map(Into::into),
                timebase: h.timebase_name(),
                coupling: h.vert_coupling_name().map(Into::into),
                wave_source: h.wave_source_name().map(Into::into),
                probe_att: h.probe_att,
                segment_triggers: h
                    .triggers
                    .iter()
                    .map(|t| [t.trigger_time, t.trigger_offset])
                    .collect(),
            }),
            ..InfoReport::bare(Format::Trc, String::new(), 0, None)
        }
    }
}

impl From<&WavHeader> for InfoReport {
    fn from(h: &WavHeader) -> Self {
        let bits = h.container_bytes() * 8;
        let float = h.sample_format == SampleFormat::Float;
        InfoReport {
            format: Format::Wav,
            dtype: alloc::format!("{}{bits}", if float { "float" } else { "int" }),
            channels: u64::from(h.channels),
            samples: h.frames,
            sample_rate: Some(f64::from(h.sample_rate)),
            unit: None,
            data_offset: h.data_offset,
            data_bytes: h.data_len.unwrap_or(0),
            wav: Some(WavInfo {
                container: match h.container {
                    WavContainer::Riff => "riff",
                    WavContainer::Rf64 => "rf64",
                    WavContainer::Bw64 => "bw64",
                }
                .into(),
                sample_format: if float { "float" } else { "int" }.into(),
                bits_per_sample: h.bits_per_sample,
                valid_bits: h.valid_bits,
                block_align: h.block_align,
                channel_mask: h.channel_mask,
                full_scale: h.full_scale(),
                open_ended: h.open_ended,
            }),
            ..InfoReport::bare(Format::Wav, String::new(), 0, None)
        }
    }
}

impl From<&RawHeader> for InfoReport {
    fn from(h: &RawHeader) -> Self {
        InfoReport {
            format: Format::Raw,
            sample_rate: h.config.sample_rate,
            ..InfoReport::from(&h.npy)
        }
    }
}

impl From<&VcdHeader> for InfoReport {
    fn from(h: &VcdHeader) -> Self {
        InfoReport {
            format: Format::Vcd,
            dtype: "logic".into(),
            channels: h.vars.len() as u64,
            samples: None,
            sample_rate: None,
            unit: None,
            data_offset: h.body_offset,
            data_bytes: 0,
            vcd: Some(VcdInfo {
                timescale: h
                    .timescale
                    .map(|t| alloc::format!("{} {}", t.multiplier, t.unit())),
                date: h.date.clone(),
                version: h.version.clone(),
                scopes: h.scopes.len(),
                codes: h.ids,
                vars: h
                    .vars
                    .iter()
                    .map(|v| VcdVarInfo {
                        name: alloc::format!("{}{}", v.name, v.bit_select.as_deref().unwrap_or("")),
                        kind: v.type_name.clone(),
                        width: v.width,
                        code: v.code.clone(),
                    })
                    .collect(),
            }),
            ..InfoReport::bare(Format::Vcd, String::new(), 0, None)
        }
    }
}

impl From<&CsvHeader> for InfoReport {
    fn from(h: &CsvHeader) -> Self {
        let pair = |a: &str, b: &str| [String::from(a), String::from(b)];
        let layout = h.layout();
        InfoReport {
            format: Format::Csv,
            dtype: "text".into(),
            channels: layout.channels as u64,
            samples: h.rows,
            sample_rate: h.sample_rate(),
            unit: h
                .channels
                .first()
                .map(|c| c.unit.clone())
                .filter(|u| !u.is_empty()),
            data_offset: h.data_offset,
            data_bytes: 0,
            csv: Some(CsvInfo {
                style: alloc::format!("{:?}", h.style).to_lowercase(),
                delimiter: h.delimiter.as_char().into(),
                columns: h.channels.iter().map(|c| pair(&c.name, &c.unit)).collect(),
                time: h.time.as_ref().map(|t| pair(&t.name, &t.unit)),
                metadata: h.metadata.iter().map(|(k, v)| pair(k, v)).collect(),
                regular: h.timing.as_ref().map(|t| t.regular),
                max_deviation: h.timing.as_ref().map(|t| t.max_deviation),
            }),
            ..InfoReport::bare(Format::Csv, String::new(), 0, None)
        }
    }
}
