//! The whole correlation in memory.

use alloc::format;
use alloc::vec::Vec;

use realfft::RealFftPlanner;

use crate::{Error, Result};

/// The largest FFT [`correlate_full`] plans: 2^24 points (about 400 MiB of buffers).
pub const MAX_FULL_FFT: usize = 1 << 24;

/// Every lag `−(len(b)−1)..=len(a)−1` of the cross-correlation, in scipy's order
/// (`correlate(a, b, mode='full', method='fft')`).
pub fn correlate_full(a: &[f64], b: &[f64]) -> Result<Vec<f64>> {
    if a.is_empty() || b.is_empty() {
        return Err(Error::Config(
            "correlation needs two non-empty signals".into(),
        ));
    }
    let len = a.len() + b.len() - 1;
    let nfft = len.next_power_of_two();
    if nfft > MAX_FULL_FFT {
        return Err(Error::Config(format!(
            "in-memory correlation of {len} lags exceeds the FFT limit of {MAX_FULL_FFT} points (use --max-lag)"
        )));
    }
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(nfft);
    let inv = planner.plan_fft_inverse(nfft);
    let mut buf = alloc::vec![0.0; nfft];
    buf[..a.len()].copy_from_slice(a);
    let mut fa = fwd.make_output_vec();
    fwd.process(&mut buf, &mut fa)
        .map_err(|e| Error::Config(format!("fft: {e}")))?;
    buf.fill(0.0);
    buf[..b.len()].copy_from_slice(b);
    let mut fb = fwd.make_output_vec();
    fwd.process(&mut buf, &mut fb)
        .map_err(|e| Error::Config(format!("fft: {e}")))?;
    for (x, y) in fa.iter_mut().zip(&fb) {
        *x *= y.conj();
    }
    // The imaginary parts of DC and Nyquist are zero up to rounding; realfft insists.
    fa[0].im = 0.0;
    if let Some(last) = fa.last_mut() {
        last.im = 0.0;
    }
    inv.process(&mut fa, &mut buf)
        .map_err(|e| Error::Config(format!("fft: {e}")))?;
    let scale = 1.0 / nfft as f64;
    let nb = b.len();
    Ok((0..len)
        .map(|k| {
            let lag = k as isize - (nb as isize - 1);
            buf[lag.rem_euclid(nfft as isize) as usize] * scale
        })
        .collect())
}
