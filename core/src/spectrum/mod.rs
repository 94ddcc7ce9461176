//! Spectrum analysis (feature `std`): Welch power spectral density, periodogram, amplitude
//! spectrum, peak list, IEEE 1241 single-tone metrics and spectrogram data.
//!
//! Vocabulary, matching `scipy.signal.welch` with its defaults: a **segment** is `nfft`
//! consecutive samples; segments start every `step = nfft − overlap` samples; each is
//! detrended by its mean (`detrend='constant'`), multiplied by the periodic window and
//! transformed; the **one-sided** result doubles every bin but DC (and Nyquist for even
//! `nfft`). **Density** scaling gives V²/Hz (`1 / (fs·Σw²)`), **spectrum** scaling V²
//! (`1 / (Σw)²`). A **periodogram** is the single segment of the whole record
//! (`scipy.signal.periodogram(x, window=w)`).
//!
//! Non-finite samples are an error naming the sample index; a record shorter than `nfft` is
//! an error; metrics of a constant signal are reported as not applicable with the reason.

mod metrics;
mod spectrogram;
mod welch;
mod window;
mod wire;

#[cfg(test)]
#[path = "spectrum_tests.rs"]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

pub use crate::precision::Precision;
pub use metrics::{tone_metrics, Metrics, ToneMetrics};
pub use spectrogram::{Spectrogram, MAX_CELLS};
pub use welch::{
    segment_count, Welch, WelchConfig, WelchSum, MAX_NFFT, SPECTROGRAM_MAX_COLUMNS,
    SPECTROGRAM_MAX_ROWS,
};
pub use window::Window;

/// PSD scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    /// Power spectral density, V²/Hz.
    Density,
    /// Power spectrum, V² (rms² of a tone at its bin).
    Spectrum,
}

impl Scaling {
    /// Parse `density` (V²/Hz) or `spectrum` (V²), the names scipy's `scaling=` takes.
    pub fn parse(text: &str) -> crate::Result<Scaling> {
        match text {
            "density" => Ok(Scaling::Density),
            "spectrum" => Ok(Scaling::Spectrum),
            _ => Err(crate::Error::Config(format!(
                "scaling is density or spectrum, not '{text}'"
            ))),
        }
    }
}

/// How a [`WelchSum`] becomes a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Samples per second (`None`: frequencies in cycles per sample, fs = 1).
    pub sample_rate: Option<f64>,
    /// Scaling of `psd`.
    pub scaling: Scaling,
    /// Harmonics counted by THD (K, including the fundamental as 1).
    pub harmonics: usize,
    /// Peaks listed.
    pub peaks: usize,
    /// Amplitude (peak) of a full-scale sine in input units, for dBFS.
    pub full_scale: Option<f64>,
}

/// One local maximum of the spectrum.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Peak {
    /// Interpolated frequency (parabola through the dB values of the bin and its
    /// neighbours).
    pub frequency: f64,
    /// Interpolated level in dB of the `psd` scale (10·log10).
    pub level_db: f64,
    /// Bin index of the local maximum.
    pub bin: usize,
}

/// Spectrogram for plotting: `db[row][column]` of the density PSD.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpectrogramReport {
    /// Start time of each row (s, or samples without a rate).
    pub times: Vec<f64>,
    /// Centre frequency of each column.
    pub frequencies: Vec<f64>,
    /// 10·log10 of the mean density PSD per cell.
    pub db: Vec<Vec<f32>>,
    /// Segments past the row limit, not shown.
    pub dropped_segments: u64,
}

/// The spectrum document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpectrumReport {
    /// Window name (scipy's).
    pub window: String,
    /// Segment length.
    pub nfft: usize,
    /// Overlap in samples.
    pub overlap: usize,
    /// Segments averaged.
    pub segments: u64,
    /// Arithmetic of the transforms (`f32` for float32 inputs by default, else `f64`).
    pub precision: Precision,
    /// Sample rate used (1 when the input has none).
    pub sample_rate: f64,
    /// `Hz` or `cycles/sample`.
    pub frequency_unit: String,
    /// Scaling of `psd`.
    pub scaling: Scaling,
    /// Bin width.
    pub resolution: f64,
    /// Equivalent noise bandwidth of the window (Hz): `fs·Σw²/(Σw)²`.
    pub enbw: f64,
    /// Bin frequencies.
    pub frequencies: Vec<f64>,
    /// The one-sided PSD (V²/Hz) or power spectrum (V²).
    pub psd: Vec<f64>,
    /// Amplitude spectrum: 10·log10 of the power spectrum (dB re 1 V rms).
    pub amplitude_dbv: Vec<f64>,
    /// Amplitude relative to a full-scale sine (dB re its rms), when the format has a full
    /// scale.
    pub amplitude_dbfs: Option<Vec<f64>>,
    /// Largest local maxima, highest first.
    pub peaks: Vec<Peak>,
    /// IEEE 1241 single-tone metrics.
    pub metrics: Metrics,
    /// Spectrogram data when asked for.
    pub spectrogram: Option<SpectrogramReport>,
}

/// The scale factors (density, spectrum) of one-sided bin sums averaged over segments.
fn factors(config: &WelchConfig, rate: f64) -> (f64, f64) {
    let w = config.window.coefficients(config.nfft);
    let s1: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|x| x * x).sum();
    (1.0 / (rate * s2), 1.0 / (s1 * s1))
}

/// Scale `sum` (Σ |X|² per bin over `segments`) to a one-sided estimate with `factor`.
fn one_sided(sum: &[f64], segments: u64, nfft: usize, factor: f64) -> Vec<f64> {
    let last = sum.len() - 1;
    sum.iter()
        .enumerate()
        .map(|(k, &s)| {
            let double = if k == 0 || (k == last && nfft % 2 == 0) {
                1.0
            } else {
                2.0
            };
            s / segments as f64 * factor * double
        })
        .collect()
}

/// Top `n` local maxima of `db`, parabolically interpolated.
pub fn peaks(db: &[f64], df: f64, n: usize) -> Vec<Peak> {
    let mut found: Vec<Peak> = (1..db.len().saturating_sub(1))
        .filter(|&k| db[k] > db[k - 1] && db[k] >= db[k + 1] && db[k].is_finite())
        .map(|k| {
            let (a, b, c) = (db[k - 1], db[k], db[k + 1]);
            let den = a - 2.0 * b + c;
            let d = if den.abs() > 0.0 && den.is_finite() {
                (0.5 * (a - c) / den).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            Peak {
                frequency: (k as f64 + d) * df,
                level_db: b - 0.25 * (a - c) * d,
                bin: k,
            }
        })
        .collect();
    found.sort_by(|x, y| y.level_db.total_cmp(&x.level_db).then(x.bin.cmp(&y.bin)));
    found.truncate(n);
    found
}

impl SpectrumReport {
    /// Build the report of a finished estimate.
    pub fn new(sum: &WelchSum, options: &ReportOptions) -> SpectrumReport {
        let config = &sum.config;
        let rate = options.sample_rate.unwrap_or(1.0);
        let nfft = config.nfft;
        let (fd, fs) = factors(config, rate);
        let density = one_sided(&sum.sum, sum.segments, nfft, fd);
        let spectrum = one_sided(&sum.sum, sum.segments, nfft, fs);
        let df = rate / nfft as f64;
        let to_db = |v: &[f64]| -> Vec<f64> { v.iter().map(|x| 10.0 * x.log10()).collect() };
        let psd = match options.scaling {
            Scaling::Density => density.clone(),
            Scaling::Spectrum => spectrum.clone(),
        };
        let amplitude_dbv = to_db(&spectrum);
        let amplitude_dbfs = options.full_scale.map(|fs_amp| {
            let rms2 = fs_amp * fs_amp / 2.0;
            spectrum.iter().map(|x| 10.0 * (x / rms2).log10()).collect()
        });
        let bin_power: Vec<f64> = density.iter().map(|d| d * df).collect();
        let metrics = tone_metrics(
            &bin_power,
            nfft,
            rate,
            config.window.tone_half_width(),
            options.harmonics,
        );
        let spectrogram = sum.spectrogram.as_ref().map(|sg| {
            let step = config.step() as f64 / rate;
            SpectrogramReport {
                times: (0..sg.counts.len() as u64)
                    .map(|r| (sg.first_row + r) as f64 * sg.per_row as f64 * step)
                    .collect(),
                frequencies: (0..sg.columns)
                    .map(|c| (c as f64 * sg.per_col as f64 + (sg.per_col as f64 - 1.0) / 2.0) * df)
                    .collect(),
                db: sg.db_rows(2.0 * fd),
                dropped_segments: sg.dropped,
            }
        });
        let w = config.window.coefficients(nfft);
        let s1: f64 = w.iter().sum();
        let s2: f64 = w.iter().map(|x| x * x).sum();
        SpectrumReport {
            window: config.window.scipy_name(),
            nfft,
            overlap: config.overlap,
            segments: sum.segments,
            precision: sum.precision,
            sample_rate: rate,
            frequency_unit: if options.sample_rate.is_some() {
                "Hz".into()
            } else {
                "cycles/sample".into()
            },
            scaling: options.scaling,
            resolution: df,
            enbw: rate * s2 / (s1 * s1),
            frequencies: (0..sum.sum.len()).map(|k| k as f64 * df).collect(),
            peaks: peaks(&to_db(&psd), df, options.peaks),
            psd,
            amplitude_dbv,
            amplitude_dbfs,
            metrics,
            spectrogram,
        }
    }
}
