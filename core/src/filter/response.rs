//! Frequency response of a designed filter, evaluated on the unit circle (scipy's
//! `freqz` / `sosfreqz` at given frequencies), for plotting what a [`FilterSpec`] does.

use alloc::vec::Vec;

use super::chain::{Designed, FilterSpec};
use super::complex::Complex;
use super::iir::Section;
use crate::{Error, Result};

/// The most frequencies one call evaluates.
pub const MAX_RESPONSE_POINTS: usize = 1 << 16;

/// `H(e^{jω}) = Σ taps[k]·e^{−jωk}` of FIR `taps` at normalised angle `omega` (rad/sample).
pub fn fir_response(taps: &[f64], omega: f64) -> Complex {
    taps.iter()
        .enumerate()
        .fold(Complex::real(0.0), |acc, (k, &t)| {
            acc + Complex::cis(-omega * k as f64) * t
        })
}

/// Response of second-order sections `[b0, b1, b2, a0, a1, a2]` at angle `omega`.
pub fn sos_response(sections: &[Section], omega: f64) -> Complex {
    let z1 = Complex::cis(-omega);
    let z2 = Complex::cis(-2.0 * omega);
    sections.iter().fold(Complex::real(1.0), |acc, s| {
        let num = Complex::real(s[0]) + z1 * s[1] + z2 * s[2];
        let den = Complex::real(s[3]) + z1 * s[4] + z2 * s[5];
        acc * (num / den)
    })
}

impl Designed {
    /// The complex response at angle `omega` (rad/sample).
    pub fn response(&self, omega: f64) -> Complex {
        match self {
            Designed::Fir(taps) => fir_response(taps, omega),
            Designed::Sos(sos) => sos_response(sos, omega),
        }
    }
}

impl FilterSpec {
    /// `|H(f)|` of the whole chain before any decimation's down-sampling — band filter,
    /// moving average, then the anti-alias FIR — at each of `frequencies` (Hz, at the input
    /// rate). Fails on an invalid spec or more than [`MAX_RESPONSE_POINTS`] frequencies.
    pub fn magnitude_response(&self, frequencies: &[f64]) -> Result<Vec<f64>> {
        if frequencies.len() > MAX_RESPONSE_POINTS {
            return Err(Error::Config(alloc::format!(
                "at most {MAX_RESPONSE_POINTS} response frequencies, not {}",
                frequencies.len()
            )));
        }
        self.build()?; // validates every stage
        let designed = self.design()?;
        let average = self.moving_average.map(|n| alloc::vec![1.0 / n as f64; n]);
        let anti_alias = match self.decimate {
            Some(m) if m > 1 => Some(Self::decimation_taps(m)?),
            _ => None,
        };
        Ok(frequencies
            .iter()
            .map(|&f| {
                let omega = 2.0 * core::f64::consts::PI * f / self.sample_rate;
                let mut h = designed
                    .as_ref()
                    .map_or(Complex::real(1.0), |d| d.response(omega));
                if let Some(t) = &average {
                    h = h * fir_response(t, omega);
                }
                if let Some(t) = &anti_alias {
                    h = h * fir_response(t, omega);
                }
                h.abs()
            })
            .collect())
    }
}
