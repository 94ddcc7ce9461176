//! The result documents of every analysis, shared verbatim by the CLI's `--json` output and
//! the wasm module, so scripts and the web page see one schema (documented in
//! `docs/json-schema.md`).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

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
}

/// `scopekit stats --json`: per-channel statistics of one capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    /// The input's format and layout.
    pub info: InfoReport,
    /// One entry per analysed channel.
    pub channels: Vec<ChannelStats>,
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
    /// Samples per channel.
    pub samples: u64,
    /// Samples per second, when the format records it.
    pub sample_rate: Option<f64>,
    /// Offset of the first data byte.
    pub data_offset: u64,
    /// Length of the data in bytes.
    pub data_bytes: u64,
    /// NPY details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npy: Option<NpyInfo>,
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
            samples: h.samples,
            sample_rate: None,
            data_offset: h.data_offset,
            data_bytes: h.data_len,
            npy: Some(NpyInfo {
                version: alloc::format!("{}.{}", h.version.0, h.version.1),
                descr: h.dtype.descr(),
                byte_order: if h.dtype.big_endian { "big" } else { "little" }.into(),
                shape: h.shape.clone(),
                fortran_order: h.fortran_order,
            }),
        }
    }
}
