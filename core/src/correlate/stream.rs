//! Overlap-save cross-correlation over lags `−L..=L`, streaming.
//!
//! `b` is cut into blocks of `S` samples at absolute positions `0, S, 2S, ...`; block
//! `[n0, n0+S)` meets the segment `a[n0−L .. n0+S+L)` in one FFT of `N ≥ S + 2L` points,
//! whose first `2L + 1` outputs are that block's share of every lag. Blocks sit at
//! absolute positions, so the result does not depend on how the input is pushed
//! (bit for bit). Memory: a few buffers of `N` values, `N` = the power of two ≥ 4·(2L+1),
//! at least 2^16 — plus what one signal is pushed ahead of the other (push in step).

use alloc::collections::VecDeque;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::peak::{pearson, Peak};
use crate::{Error, Result};

/// The largest `L` of the streaming form (its FFT is then 2^23 points, ~200 MiB).
pub const MAX_STREAM_LAG: usize = 1 << 19;

/// Running sums with the prefix sums `Σx, Σx²` over `x[0..i)` kept for `i ≤ L` and for the
/// last `2L + 1` values of `i`: the overlap sums at any lag `|m| ≤ L` when the two
/// signals' lengths differ by at most `L`.
#[derive(Debug, Clone)]
struct Prefix {
    lag: usize,
    head: Vec<[f64; 2]>,
    ring: VecDeque<[f64; 2]>,
    sum: [f64; 2],
    count: u64,
}

impl Prefix {
    fn new(lag: usize) -> Self {
        let mut ring = VecDeque::with_capacity(2 * lag + 2);
        ring.push_back([0.0; 2]);
        Prefix {
            lag,
            head: alloc::vec![[0.0; 2]],
            ring,
            sum: [0.0; 2],
            count: 0,
        }
    }
    fn push(&mut self, x: &[f64]) {
        for &v in x {
            self.sum[0] += v;
            self.sum[1] += v * v;
            self.count += 1;
            if self.head.len() <= self.lag {
                self.head.push(self.sum);
            }
            if self.ring.len() > 2 * self.lag {
                self.ring.pop_front();
            }
            self.ring.push_back(self.sum);
        }
    }
    /// `[Σx, Σx²]` over `x[0..i)`, if kept.
    fn at(&self, i: u64) -> Option<[f64; 2]> {
        if i < self.head.len() as u64 {
            return Some(self.head[i as usize]);
        }
        let first = self.count + 1 - self.ring.len() as u64;
        (i >= first && i <= self.count).then(|| self.ring[(i - first) as usize])
    }
    fn range(&self, from: u64, to: u64) -> Option<[f64; 2]> {
        let (a, b) = (self.at(from)?, self.at(to)?);
        Some([b[0] - a[0], b[1] - a[1]])
    }
}

/// A streaming correlator of lags `−L..=L`.
pub struct StreamCorrelator {
    lag: usize,
    nfft: usize,
    block: usize,
    fwd: Arc<dyn RealToComplex<f64>>,
    inv: Arc<dyn ComplexToReal<f64>>,
    /// `a` from absolute index `n0 − L` (zeros before index 0).
    a: Vec<f64>,
    /// `b` from absolute index `n0`.
    b: Vec<f64>,
    /// Consumed prefixes of `a` and `b` (dropped in bulk).
    a_off: usize,
    b_off: usize,
    n0: u64,
    pa: Prefix,
    pb: Prefix,
    acc: Vec<f64>,
    real: Vec<f64>,
    spec_a: Vec<Complex<f64>>,
    spec_b: Vec<Complex<f64>>,
}

impl core::fmt::Debug for StreamCorrelator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamCorrelator")
            .field("lag", &self.lag)
            .field("nfft", &self.nfft)
            .finish_non_exhaustive()
    }
}

impl StreamCorrelator {
    /// A correlator of lags `−max_lag..=max_lag` (at most [`MAX_STREAM_LAG`]).
    pub fn new(max_lag: usize) -> Result<Self> {
        if max_lag > MAX_STREAM_LAG {
            return Err(Error::Config(format!(
                "--max-lag: at most {MAX_STREAM_LAG} samples when streaming, not {max_lag}"
            )));
        }
        let width = 2 * max_lag + 1;
        let nfft = (4 * width).next_power_of_two().max(1 << 16);
        let mut planner = RealFftPlanner::<f64>::new();
        let fwd = planner.plan_fft_forward(nfft);
        let inv = planner.plan_fft_inverse(nfft);
        Ok(StreamCorrelator {
            lag: max_lag,
            nfft,
            block: nfft - 2 * max_lag,
            spec_a: fwd.make_output_vec(),
            spec_b: fwd.make_output_vec(),
            fwd,
            inv,
            a: alloc::vec![0.0; max_lag],
            b: Vec::new(),
            a_off: 0,
            b_off: 0,
            n0: 0,
            pa: Prefix::new(max_lag),
            pb: Prefix::new(max_lag),
            acc: alloc::vec![0.0; width],
            real: alloc::vec![0.0; nfft],
        })
    }

    /// Samples of `a` buffered beyond what the next block needs, and of `b`: push more of
    /// the signal whose count is lower.
    pub fn pushed(&self) -> [u64; 2] {
        [self.pa.count, self.pb.count]
    }

    /// Append samples of `a`.
    pub fn push_a(&mut self, x: &[f64]) -> Result<()> {
        self.pa.push(x);
        self.a.extend_from_slice(x);
        self.run(false)
    }

    /// Append samples of `b`.
    pub fn push_b(&mut self, x: &[f64]) -> Result<()> {
        self.pb.push(x);
        self.b.extend_from_slice(x);
        self.run(false)
    }

    /// Process every block whose inputs are complete (all remaining ones at the end).
    fn run(&mut self, end: bool) -> Result<()> {
        loop {
            let have_b = self.b.len() - self.b_off;
            let need_a = self.block + 2 * self.lag;
            let full = have_b >= self.block && self.a.len() - self.a_off >= need_a;
            if !(full || (end && have_b > 0)) {
                return Ok(());
            }
            let len = have_b.min(self.block);
            self.block_at(len)?;
            self.b_off += len;
            self.a_off += self.block.min(self.a.len() - self.a_off);
            self.n0 += len as u64;
            // Compact only once the consumed prefix dominates (amortised O(1) per sample).
            if self.b_off > self.b.len() / 2 {
                self.b.drain(..self.b_off);
                self.b_off = 0;
            }
            if self.a_off > self.a.len() / 2 {
                self.a.drain(..self.a_off);
                self.a_off = 0;
            }
        }
    }

    fn block_at(&mut self, len: usize) -> Result<()> {
        let fft = |e: realfft::FftError| Error::Config(format!("fft: {e}"));
        let a = &self.a[self.a_off..];
        let seg = a.len().min(self.block + 2 * self.lag);
        self.real.fill(0.0);
        self.real[..seg].copy_from_slice(&a[..seg]);
        self.fwd
            .process(&mut self.real, &mut self.spec_a)
            .map_err(fft)?;
        self.real.fill(0.0);
        self.real[..len].copy_from_slice(&self.b[self.b_off..self.b_off + len]);
        self.fwd
            .process(&mut self.real, &mut self.spec_b)
            .map_err(fft)?;
        for (x, y) in self.spec_a.iter_mut().zip(&self.spec_b) {
            *x *= y.conj();
        }
        self.spec_a[0].im = 0.0;
        if let Some(last) = self.spec_a.last_mut() {
            last.im = 0.0;
        }
        self.inv
            .process(&mut self.spec_a, &mut self.real)
            .map_err(fft)?;
        let scale = 1.0 / self.nfft as f64;
        for (acc, &v) in self.acc.iter_mut().zip(&self.real) {
            *acc += v * scale;
        }
        Ok(())
    }

    /// Finish: the curve over lags `−L..=L`, its peak and the Pearson coefficient at
    /// the peak's lag (`None` for a constant overlap, or when the lengths differ by
    /// more than `L` so the overlap's sums were not kept).
    pub fn finish(mut self) -> Result<(Vec<f64>, Option<Peak>, Option<f64>)> {
        self.run(true)?;
        let peak = Peak::find(&self.acc, -(self.lag as i64));
        let coefficient = peak.and_then(|p| {
            let (na, nb, m) = (self.pa.count as i64, self.pb.count as i64, p.lag);
            let a_from = m.max(0);
            let a_to = (nb + m).min(na);
            let b_from = (-m).max(0);
            let b_to = nb.min(na - m);
            if a_to <= a_from || b_to <= b_from {
                return None;
            }
            let sa = self.pa.range(a_from as u64, a_to as u64)?;
            let sb = self.pb.range(b_from as u64, b_to as u64)?;
            pearson((a_to - a_from) as f64, p.value, sa[0], sa[1], sb[0], sb[1])
        });
        Ok((self.acc, peak, coefficient))
    }
}
