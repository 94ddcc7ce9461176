//! Spectral windows, defined as `scipy.signal.get_window(name, n)` defines them with its
//! default `fftbins=True`: the *periodic* ("DFT-even") form, i.e. the symmetric window of
//! `n + 1` points without its last point.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::f64::consts::PI;

use crate::{Error, Result};

/// A window function.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "name", content = "beta")]
pub enum Window {
    /// All ones (scipy `boxcar`).
    Rectangular,
    /// Hann: `0.5 − 0.5 cos`.
    Hann,
    /// Hamming: `0.54 − 0.46 cos`.
    Hamming,
    /// Blackman: coefficients 0.42, 0.5, 0.08.
    Blackman,
    /// 4-term Blackman-Harris (minimum 4-term, −92 dB side lobes).
    BlackmanHarris,
    /// Flat top (scipy's 5-term coefficients): amplitude-accurate, wide main lobe.
    Flattop,
    /// Kaiser with shape parameter β.
    Kaiser(f64),
}

impl Window {
    /// Parse `hann`, `hamming`, `blackman`, `blackman-harris`, `flattop`, `rectangular`
    /// (or `boxcar`) or `kaiser:BETA`.
    pub fn parse(text: &str) -> Result<Window> {
        let lower = text.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "rectangular" | "boxcar" | "rect" => Window::Rectangular,
            "hann" | "hanning" => Window::Hann,
            "hamming" => Window::Hamming,
            "blackman" => Window::Blackman,
            "blackman-harris" | "blackmanharris" => Window::BlackmanHarris,
            "flattop" | "flat-top" => Window::Flattop,
            other => match other.strip_prefix("kaiser:") {
                Some(beta) => match beta.parse::<f64>() {
                    Ok(b) if b.is_finite() && (0.0..=100.0).contains(&b) => Window::Kaiser(b),
                    _ => {
                        return Err(Error::Config(format!(
                            "kaiser β must be a number in 0..=100, not '{beta}'"
                        )))
                    }
                },
                None => {
                    return Err(Error::Config(format!(
                        "unknown window '{text}' (hann, hamming, blackman, blackman-harris, \
                         flattop, rectangular, kaiser:BETA)"
                    )))
                }
            },
        })
    }

    /// The scipy name of the window (`get_window` argument).
    pub fn scipy_name(&self) -> String {
        match self {
            Window::Rectangular => "boxcar".into(),
            Window::Hann => "hann".into(),
            Window::Hamming => "hamming".into(),
            Window::Blackman => "blackman".into(),
            Window::BlackmanHarris => "blackmanharris".into(),
            Window::Flattop => "flattop".into(),
            Window::Kaiser(b) => format!("kaiser:{b}"),
        }
    }

    /// The `n` periodic coefficients.
    pub fn coefficients(&self, n: usize) -> Vec<f64> {
        let cosines: &[f64] = match self {
            Window::Rectangular => return alloc::vec![1.0; n],
            Window::Kaiser(beta) => return kaiser(n, *beta),
            Window::Hann => &[0.5, 0.5],
            Window::Hamming => &[0.54, 0.46],
            Window::Blackman => &[0.42, 0.50, 0.08],
            Window::BlackmanHarris => &[0.35875, 0.48829, 0.14128, 0.01168],
            Window::Flattop => &[
                0.21557895,
                0.41663158,
                0.277263158,
                0.083578947,
                0.006947368,
            ],
        };
        // scipy: fac = linspace(−π, π, n + 1)[..n]; w = Σ a_k cos(k·fac), which is
        // Σ (−1)^k a_k cos(2πkj/n).
        (0..n)
            .map(|j| {
                let fac = -PI + 2.0 * PI * j as f64 / n as f64;
                cosines
                    .iter()
                    .enumerate()
                    .map(|(k, a)| a * (k as f64 * fac).cos())
                    .sum()
            })
            .collect()
    }

    /// Half-width, in bins, of the band summed as one tone's power by the IEEE 1241 metrics:
    /// the main lobe's half-width (zero to first null) plus one bin for a tone between bins.
    pub fn tone_half_width(&self) -> usize {
        match self {
            Window::Rectangular => 1,
            Window::Hann | Window::Hamming => 3,
            Window::Blackman => 4,
            Window::BlackmanHarris => 5,
            Window::Flattop => 6,
            Window::Kaiser(beta) => (1.0 + (beta / PI).powi(2)).sqrt().ceil() as usize + 1,
        }
    }
}

/// Periodic Kaiser window: the symmetric window of `n + 1` points, last point dropped.
fn kaiser(n: usize, beta: f64) -> Vec<f64> {
    let m = n as f64; // (n + 1) − 1
    let denom = bessel_i0(beta);
    (0..n)
        .map(|j| {
            let r = 2.0 * j as f64 / m - 1.0;
            bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / denom
        })
        .collect()
}

/// Modified Bessel function of the first kind, order 0 (power series; converges for the
/// β ≤ 100 this module accepts to full double precision).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 1..500 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}
