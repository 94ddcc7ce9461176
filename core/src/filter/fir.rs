//! FIR design by the windowed-sinc method (scipy's `firwin` with a Hamming window) and the
//! streaming FIR filter (scipy's `lfilter(taps, 1, x)`).

use alloc::format;
use alloc::vec::Vec;
use core::f64::consts::PI;

use super::band::Band;
use crate::{Error, Result};

/// The most taps a FIR filter may have.
pub const MAX_TAPS: usize = 1 << 16;

fn sinc(x: f64) -> f64 {
    let y = PI * if x == 0.0 { 1e-20 } else { x };
    libm::sin(y) / y
}

/// Symmetric Hamming window of `n` points (scipy's `get_window('hamming', n, fftbins=False)`).
pub fn hamming(n: usize) -> Vec<f64> {
    if n == 1 {
        return alloc::vec![1.0];
    }
    let step = 2.0 * PI / (n - 1) as f64;
    (0..n)
        .map(|i| {
            let fac = if i == n - 1 {
                PI
            } else {
                -PI + i as f64 * step
            };
            0.54 + 0.46 * libm::cos(fac)
        })
        .collect()
}

/// Taps of a linear-phase FIR filter with `numtaps` coefficients for sample rate `fs`,
/// equal to scipy's `firwin(numtaps, cutoff, window='hamming', pass_zero=..., fs=fs)`.
/// Highpass and bandstop filters need an odd `numtaps` (their response at Nyquist is 1).
pub fn firwin(numtaps: usize, band: Band, fs: f64) -> Result<Vec<f64>> {
    let (edges, n) = band.normalized(fs)?;
    if numtaps == 0 || numtaps > MAX_TAPS {
        return Err(Error::Config(format!(
            "--order: a FIR filter takes 1 to {MAX_TAPS} taps (order + 1), not {numtaps}"
        )));
    }
    let pass_zero = matches!(band, Band::Lowpass(_) | Band::Bandstop(..));
    let pass_nyquist = (n % 2 == 0) == pass_zero;
    if pass_nyquist && numtaps % 2 == 0 {
        return Err(Error::Config(format!(
            "--order: a {} FIR filter needs an even order (an odd number of taps), not {}",
            &band.option()[2..],
            numtaps - 1
        )));
    }
    let mut cut: Vec<f64> = Vec::with_capacity(4);
    if pass_zero {
        cut.push(0.0);
    }
    cut.extend_from_slice(&edges[..n]);
    if pass_nyquist {
        cut.push(1.0);
    }
    let alpha = 0.5 * (numtaps - 1) as f64;
    let m: Vec<f64> = (0..numtaps).map(|i| i as f64 - alpha).collect();
    let mut h = alloc::vec![0.0; numtaps];
    for pair in cut.chunks(2) {
        let (left, right) = (pair[0], pair[1]);
        for (h, &m) in h.iter_mut().zip(&m) {
            *h += right * sinc(right * m);
        }
        for (h, &m) in h.iter_mut().zip(&m) {
            *h -= left * sinc(left * m);
        }
    }
    for (h, w) in h.iter_mut().zip(hamming(numtaps)) {
        *h *= w;
    }
    let (left, right) = (cut[0], cut[1]);
    let scale_frequency = if left == 0.0 {
        0.0
    } else if right == 1.0 {
        1.0
    } else {
        0.5 * (left + right)
    };
    let s: f64 = h
        .iter()
        .zip(&m)
        .map(|(h, m)| h * libm::cos(PI * m * scale_frequency))
        .sum();
    for h in &mut h {
        *h /= s;
    }
    Ok(h)
}

/// Samples of input processed per inner pass (bounds the history buffer).
const PASS: usize = 4096;

/// A streaming FIR filter: `y[n] = Σ taps[k]·x[n−k]`, with the last `taps − 1` inputs
/// carried across pushes (zeros before the first sample, as `lfilter` without `zi`).
/// Every output is the same dot product in the same order however the input is split,
/// so the output is chunk-invariant bit for bit.
#[derive(Debug, Clone)]
pub struct FirFilter {
    /// Taps reversed, so each output is a forward dot product over the history.
    reversed: Vec<f64>,
    /// The last `taps − 1` inputs, then the current pass.
    history: Vec<f64>,
    /// Keep only outputs at absolute indices that are multiples of this (decimation).
    keep_every: u64,
    /// Absolute index of the next input.
    at: u64,
}

impl FirFilter {
    /// A filter with these taps (at least one).
    pub fn new(taps: &[f64]) -> Result<Self> {
        Self::decimating(taps, 1)
    }

    /// A filter that only computes outputs at absolute indices `0, m, 2m, ...`
    /// (`lfilter(taps, 1, x)[::m]`).
    pub fn decimating(taps: &[f64], m: u64) -> Result<Self> {
        if taps.is_empty() || taps.len() > MAX_TAPS || m == 0 {
            return Err(Error::Config(format!(
                "a FIR filter takes 1 to {MAX_TAPS} taps and a decimation of at least 1"
            )));
        }
        Ok(FirFilter {
            reversed: taps.iter().rev().copied().collect(),
            history: alloc::vec![0.0; taps.len() - 1],
            keep_every: m,
            at: 0,
        })
    }

    /// Start as if the input had been `x0` forever (steady state, scipy's `lfilter_zi · x0`).
    pub fn prime(&mut self, x0: f64) {
        for h in &mut self.history {
            *h = x0;
        }
    }

    /// Filter `x`, appending the outputs to `out`.
    pub fn process(&mut self, x: &[f64], out: &mut Vec<f64>) {
        let keep = self.reversed.len() - 1;
        for part in x.chunks(PASS) {
            self.history.extend_from_slice(part);
            for i in 0..part.len() {
                let at = self.at + i as u64;
                if at % self.keep_every != 0 {
                    continue;
                }
                let window = &self.history[i..i + self.reversed.len()];
                out.push(dot(&self.reversed, window));
            }
            self.at += part.len() as u64;
            let drop = self.history.len() - keep;
            self.history.drain(..drop);
        }
    }
}

/// Dot product in a fixed order (four partial sums, so it vectorises).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}
