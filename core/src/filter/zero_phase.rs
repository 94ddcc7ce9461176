//! Zero-phase (forward-backward) filtering of a whole record, as scipy's
//! `sosfiltfilt(sos, x)` and `filtfilt(taps, 1, x)` with their default odd padding:
//! the record is extended at both ends by a point reflection of `pad` samples, filtered
//! forward from the steady state of its first value, then backward from the steady state
//! of the last output, and the padding is cut off.

use alloc::format;
use alloc::vec::Vec;

use super::chain::Designed;
use super::fir::FirFilter;
use super::sos::SosFilter;
use crate::{Error, Result};

/// The longest record [`filtfilt`] accepts: 2^26 samples (512 MiB as f64, with the padded
/// copy and the output about 1.5 GiB at the most).
pub const MAX_ZERO_PHASE: usize = 1 << 26;

/// scipy's default padding length for this filter.
pub fn pad_len(filter: &Designed) -> usize {
    match filter {
        Designed::Sos(sos) => {
            let zb = sos.iter().filter(|s| s[2] == 0.0).count();
            let za = sos.iter().filter(|s| s[5] == 0.0).count();
            3 * (2 * sos.len() + 1 - zb.min(za))
        }
        Designed::Fir(taps) => 3 * taps.len(),
    }
}

enum Runner {
    Fir(FirFilter),
    Sos(SosFilter),
}

impl Runner {
    fn new(filter: &Designed, x0: f64) -> Result<Self> {
        Ok(match filter {
            Designed::Fir(taps) => {
                let mut f = FirFilter::new(taps)?;
                f.prime(x0);
                Runner::Fir(f)
            }
            Designed::Sos(sos) => {
                let mut f = SosFilter::new(sos);
                f.prime(x0);
                Runner::Sos(f)
            }
        })
    }
    fn run(&mut self, x: &[f64], out: &mut Vec<f64>) {
        match self {
            Runner::Fir(f) => f.process(x, out),
            Runner::Sos(f) => f.process(x, out),
        }
    }
}

/// Forward-backward filter `x` (zero phase, squared magnitude response). Fails when `x`
/// is not longer than the padding or longer than [`MAX_ZERO_PHASE`].
pub fn filtfilt(filter: &Designed, x: &[f64]) -> Result<Vec<f64>> {
    let edge = pad_len(filter);
    if x.len() > MAX_ZERO_PHASE {
        return Err(Error::Config(format!(
            "--zero-phase: the record has {} samples per channel, more than the {} that are filtered in memory (drop --zero-phase to stream)",
            x.len(),
            MAX_ZERO_PHASE
        )));
    }
    if x.len() <= edge {
        return Err(Error::Config(format!(
            "--zero-phase: the record ({} samples) must be longer than the padding of {edge} samples",
            x.len()
        )));
    }
    let n = x.len();
    let mut ext = Vec::with_capacity(n + 2 * edge);
    ext.extend((1..=edge).rev().map(|i| 2.0 * x[0] - x[i]));
    ext.extend_from_slice(x);
    ext.extend((1..=edge).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
    let mut y = Vec::with_capacity(ext.len());
    Runner::new(filter, ext[0])?.run(&ext, &mut y);
    y.reverse();
    ext.clear();
    Runner::new(filter, y[0])?.run(&y, &mut ext);
    ext.reverse();
    ext.truncate(n + edge);
    ext.drain(..edge);
    Ok(ext)
}
