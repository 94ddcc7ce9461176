//! The peak of a correlation curve and the Pearson coefficient at its lag.

use serde::{Deserialize, Serialize};

/// The peak of a correlation curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Peak {
    /// Integer lag of the largest |c|.
    pub lag: i64,
    /// Lag with parabolic sub-sample interpolation through the three points around it.
    pub lag_interpolated: f64,
    /// The correlation value at `lag`.
    pub value: f64,
}

impl Peak {
    /// The peak of `curve`, whose first element is at lag `first_lag`; `None` when empty
    /// or all NaN.
    pub fn find(curve: &[f64], first_lag: i64) -> Option<Peak> {
        let mut best: Option<(usize, f64)> = None;
        for (i, &v) in curve.iter().enumerate() {
            if v.is_nan() {
                continue;
            }
            if best.is_none_or(|(_, b)| libm::fabs(v) > libm::fabs(b)) {
                best = Some((i, v));
            }
        }
        let (i, v) = best?;
        let mut delta = 0.0;
        if i > 0 && i + 1 < curve.len() {
            let (l, r) = (curve[i - 1], curve[i + 1]);
            let den = l - 2.0 * v + r;
            if den != 0.0 && den.is_finite() {
                delta = (0.5 * (l - r) / den).clamp(-0.5, 0.5);
            }
        }
        let lag = first_lag + i as i64;
        Some(Peak {
            lag,
            lag_interpolated: lag as f64 + delta,
            value: v,
        })
    }
}

/// Pearson coefficient from the sums over `n` overlapping pairs.
pub fn pearson(n: f64, sab: f64, sa: f64, saa: f64, sb: f64, sbb: f64) -> Option<f64> {
    if n < 2.0 {
        return None;
    }
    let cov = sab - sa * sb / n;
    let va = saa - sa * sa / n;
    let vb = sbb - sb * sb / n;
    let d = libm::sqrt(va * vb);
    (d > 0.0 && d.is_finite()).then(|| (cov / d).clamp(-1.0, 1.0))
}

/// The result of `scopekit correlate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationReport {
    /// Samples of `a` and `b`.
    pub samples: [u64; 2],
    /// Lags searched: `−max_lag..=max_lag`.
    pub max_lag: u64,
    /// `"memory"` (whole FFT) or `"streaming"` (overlap-save).
    pub method: String,
    /// Arithmetic of the FFTs: `"f64"`, or `"f32"` (streaming two float32 inputs; the
    /// cross spectra are still summed in double).
    pub precision: String,
    /// The peak; `None` when every value is NaN.
    pub peak: Option<Peak>,
    /// Pearson coefficient of the overlapping samples at the peak lag; `None` when a
    /// signal is constant over the overlap.
    pub coefficient: Option<f64>,
    /// Samples per second (shared by both inputs), if known.
    pub sample_rate: Option<f64>,
    /// `lag_interpolated / sample_rate`: how much `a` lags `b`, seconds.
    pub delay_seconds: Option<f64>,
}

use alloc::string::String;
