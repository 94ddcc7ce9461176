//! Overlap-save cross-correlation over lags `−L..=L`, streaming.
//!
//! `b` is cut into blocks of `S` samples at absolute positions `0, S, 2S, ...`; block
//! `[n0, n0+S)` meets the segment `a[n0−L .. n0+S+L)` in FFTs of `N ≥ S + 2L` points: the
//! first `2L + 1` outputs of the inverse FFT of `A·conj(B)` are that block's share of every
//! lag. The transform is linear, so the blocks' cross spectra are summed and transformed
//! back once at the end (two forward FFTs per block, no inverse). Blocks sit at absolute
//! positions, so the result does not depend on how the input is pushed (bit for bit), and
//! a record can be cut at block boundaries into parts correlated apart and merged
//! ([`StreamCorrelator::part`], [`CorrelationSum::merge`]) — equal to the serial result
//! up to the rounding of the sums' order. Memory: a few buffers of `N` values, `N` = the
//! power of two ≥ 4·(2L+1), at least [`MIN_NFFT`] — plus what one signal is pushed ahead of
//! the other (push in step).

use alloc::collections::VecDeque;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::peak::{pearson, Peak};
use crate::{Error, Result};

/// The largest `L` of the streaming form (its FFT is then 2^23 points, ~200 MiB).
pub const MAX_STREAM_LAG: usize = 1 << 19;
/// The smallest FFT of the streaming form: small enough to stay in the L2 cache, large
/// enough that the `2L` overlap costs little for short lags.
pub const MIN_NFFT: usize = 1 << 14;

/// Running sums with the prefix sums `Σx, Σx²` over `x[0..i)` available for `i ≤ L` and for
/// the last `2L + 1` values of `i`: the overlap sums at any lag `|m| ≤ L` when the two
/// signals' lengths differ by at most `L`. The last `2L` values are kept raw with the prefix
/// sum before them, so a prefix is recomputed in the order the running sum took — the same
/// value bit for bit whatever the pushes were, while a push costs two additions a value.
#[derive(Debug, Clone)]
struct Prefix {
    lag: usize,
    /// Prefix sums at `i = 0..=L` (as far as there are values).
    head: Vec<[f64; 2]>,
    /// The last (up to `2L`) values, and the prefix sum before the first of them.
    ring: VecDeque<f64>,
    base: [f64; 2],
    sum: [f64; 2],
    count: u64,
}

fn add(p: [f64; 2], v: f64) -> [f64; 2] {
    [p[0] + v, p[1] + v * v]
}

fn sum_into(mut p: [f64; 2], x: &[f64]) -> [f64; 2] {
    for &v in x {
        p = add(p, v);
    }
    p
}

impl Prefix {
    fn new(lag: usize) -> Self {
        Prefix {
            lag,
            head: alloc::vec![[0.0; 2]],
            ring: VecDeque::with_capacity(2 * lag + 1),
            base: [0.0; 2],
            sum: [0.0; 2],
            count: 0,
        }
    }

    /// Raw values kept: prefixes are available for the last `keep + 1` indices.
    fn keep(&self) -> usize {
        2 * self.lag
    }

    fn push(&mut self, x: &[f64]) {
        let drop = (self.ring.len() + x.len()).saturating_sub(self.keep());
        let from_ring = drop.min(self.ring.len());
        for v in self.ring.drain(..from_ring) {
            self.base = add(self.base, v);
        }
        // x[..k] leave the window: the base becomes the prefix after them.
        let k = drop - from_ring;
        let head = (self.lag + 1).saturating_sub(self.head.len()).min(x.len());
        let mut acc = self.sum;
        for (i, &v) in x[..head].iter().enumerate() {
            acc = add(acc, v);
            self.head.push(acc);
            if i + 1 == k {
                self.base = acc;
            }
        }
        if k > head {
            acc = sum_into(acc, &x[head..k]);
            self.base = acc;
            acc = sum_into(acc, &x[k..]);
        } else {
            acc = sum_into(acc, &x[head..]);
        }
        self.ring.extend(&x[k..]);
        self.sum = acc;
        self.count += x.len() as u64;
    }

    /// `[Σx, Σx²]` over `x[0..i)`, if kept.
    fn at(&self, i: u64) -> Option<[f64; 2]> {
        if i < self.head.len() as u64 {
            return Some(self.head[i as usize]);
        }
        let first = self.count - self.ring.len() as u64;
        if i < first || i > self.count {
            return None;
        }
        Some(
            self.ring
                .iter()
                .take((i - first) as usize)
                .fold(self.base, |p, &v| add(p, v)),
        )
    }

    fn range(&self, from: u64, to: u64) -> Option<[f64; 2]> {
        let (a, b) = (self.at(from)?, self.at(to)?);
        Some([b[0] - a[0], b[1] - a[1]])
    }

    /// Append the prefix sums of the values that follow this one's.
    fn merge(&mut self, later: &Prefix) {
        if later.ring.len() as u64 == later.count {
            // Every later value is kept: push them (the serial sums, bit for bit).
            let values: Vec<f64> = later.ring.iter().copied().collect();
            self.push(&values);
            return;
        }
        let (off, base) = (self.sum, self.count);
        let shift = |v: [f64; 2]| [v[0] + off[0], v[1] + off[1]];
        while self.head.len() <= self.lag {
            match later.at(self.head.len() as u64 - base) {
                Some(v) => self.head.push(shift(v)),
                None => break,
            }
        }
        self.ring = later.ring.clone();
        self.base = shift(later.base);
        self.sum = shift(later.sum);
        self.count = base + later.count;
    }
}

/// The FFT length of lags `−L..=L`.
fn nfft_for(max_lag: usize) -> usize {
    (4 * (2 * max_lag + 1)).next_power_of_two().max(MIN_NFFT)
}

/// Samples of `x` (starting at absolute index `at`) inside `[from, to)`.
fn within(x: &[f64], at: u64, from: u64, to: u64) -> &[f64] {
    let len = x.len() as u64;
    let lo = from.saturating_sub(at).min(len);
    let hi = to.saturating_sub(at).min(len).max(lo);
    &x[lo as usize..hi as usize]
}

/// A streaming correlator of lags `−L..=L`.
pub struct StreamCorrelator {
    lag: usize,
    nfft: usize,
    block: usize,
    fwd: Arc<dyn RealToComplex<f64>>,
    /// `a` from absolute index `n0 − L` (zeros before index 0).
    a: Vec<f64>,
    /// `b` from absolute index `n0`.
    b: Vec<f64>,
    /// Consumed prefixes of `a` and `b` (dropped in bulk).
    a_off: usize,
    b_off: usize,
    n0: u64,
    /// Absolute index of the next sample of `a` and of `b` pushed.
    a_next: u64,
    b_next: u64,
    /// The samples this correlator owns (its prefix sums): `[first, end)`.
    first: u64,
    end: u64,
    pa: Prefix,
    pb: Prefix,
    /// Sum of the blocks' cross spectra `A·conj(B)`.
    cross: Vec<Complex<f64>>,
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
    /// A correlator of lags `−max_lag..=max_lag` (at most [`MAX_STREAM_LAG`]) of whole
    /// signals: push both from their first sample.
    pub fn new(max_lag: usize) -> Result<Self> {
        Self::part(max_lag, 0, u64::MAX)
    }

    /// Samples of `b` per block: parts start at multiples of it.
    pub fn block_len(max_lag: usize) -> usize {
        nfft_for(max_lag) - 2 * max_lag
    }

    /// The part of a correlation that covers `b[first..end)`, `first` a multiple of
    /// [`StreamCorrelator::block_len`]: push `a` from index `first − L` (from 0 when
    /// `first` is 0) up to `end + L`, and `b` from `first` up to `end` — the last part with
    /// `end = u64::MAX` and both signals to their ends. [`StreamCorrelator::finish_part`]
    /// gives a [`CorrelationSum`] to merge with the neighbouring parts' in order.
    pub fn part(max_lag: usize, first: u64, end: u64) -> Result<Self> {
        if max_lag > MAX_STREAM_LAG {
            return Err(Error::Config(format!(
                "--max-lag: at most {MAX_STREAM_LAG} samples when streaming, not {max_lag}"
            )));
        }
        let nfft = nfft_for(max_lag);
        let block = nfft - 2 * max_lag;
        if first % block as u64 != 0 || end < first {
            return Err(Error::Config(format!(
                "correlation part {first}..{end} does not start at a block of {block} samples"
            )));
        }
        let fwd = RealFftPlanner::<f64>::new().plan_fft_forward(nfft);
        let lead = if first == 0 { max_lag } else { 0 };
        Ok(StreamCorrelator {
            lag: max_lag,
            nfft,
            block,
            spec_a: fwd.make_output_vec(),
            spec_b: fwd.make_output_vec(),
            cross: fwd.make_output_vec(),
            fwd,
            a: alloc::vec![0.0; lead],
            b: Vec::new(),
            a_off: 0,
            b_off: 0,
            n0: first,
            a_next: first.saturating_sub(max_lag as u64),
            b_next: first,
            first,
            end,
            pa: Prefix::new(max_lag),
            pb: Prefix::new(max_lag),
            real: alloc::vec![0.0; nfft],
        })
    }

    /// Samples of `a` and of `b` counted so far (those the correlator owns): push more of
    /// the signal whose count is lower.
    pub fn pushed(&self) -> [u64; 2] {
        [self.pa.count, self.pb.count]
    }

    /// Append samples of `a`.
    pub fn push_a(&mut self, x: &[f64]) -> Result<()> {
        self.pa.push(within(x, self.a_next, self.first, self.end));
        self.a_next += x.len() as u64;
        self.a.extend_from_slice(x);
        self.run(false)
    }

    /// Append samples of `b`.
    pub fn push_b(&mut self, x: &[f64]) -> Result<()> {
        self.pb.push(within(x, self.b_next, self.first, self.end));
        self.b_next += x.len() as u64;
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
                break;
            }
            let len = have_b.min(self.block);
            self.block_at(len)?;
            self.b_off += len;
            self.a_off += self.block.min(self.a.len() - self.a_off);
            self.n0 += len as u64;
        }
        // Drop consumed prefixes once they outweigh what is left (each value is moved
        // about once, however small the pushes).
        if self.b_off >= self.nfft && 2 * self.b_off >= self.b.len() {
            self.b.drain(..self.b_off);
            self.b_off = 0;
        }
        if self.a_off >= self.nfft && 2 * self.a_off >= self.a.len() {
            self.a.drain(..self.a_off);
            self.a_off = 0;
        }
        Ok(())
    }

    fn block_at(&mut self, len: usize) -> Result<()> {
        let fft = |e: realfft::FftError| Error::Config(format!("fft: {e}"));
        let a = &self.a[self.a_off..];
        let seg = a.len().min(self.block + 2 * self.lag);
        self.real[..seg].copy_from_slice(&a[..seg]);
        self.real[seg..].fill(0.0);
        self.fwd
            .process(&mut self.real, &mut self.spec_a)
            .map_err(fft)?;
        self.real[..len].copy_from_slice(&self.b[self.b_off..self.b_off + len]);
        self.real[len..].fill(0.0);
        self.fwd
            .process(&mut self.real, &mut self.spec_b)
            .map_err(fft)?;
        for ((c, x), y) in self.cross.iter_mut().zip(&self.spec_a).zip(&self.spec_b) {
            *c += x * y.conj();
        }
        Ok(())
    }

    /// Process what is left: the part's sums, to merge with the other parts' in order.
    pub fn finish_part(mut self) -> Result<CorrelationSum> {
        self.run(true)?;
        Ok(CorrelationSum {
            lag: self.lag,
            cross: self.cross,
            pa: self.pa,
            pb: self.pb,
        })
    }

    /// Finish: the curve over lags `−L..=L`, its peak and the Pearson coefficient at
    /// the peak's lag (see [`CorrelationSum::finish`]).
    pub fn finish(self) -> Result<(Vec<f64>, Option<Peak>, Option<f64>)> {
        self.finish_part()?.finish()
    }
}

/// The sums of one part of a streaming correlation (see [`StreamCorrelator::part`]).
#[derive(Debug, Clone)]
pub struct CorrelationSum {
    lag: usize,
    cross: Vec<Complex<f64>>,
    pa: Prefix,
    pb: Prefix,
}

impl CorrelationSum {
    /// Add the sums of the part that follows this one.
    pub fn merge(&mut self, later: &CorrelationSum) -> Result<()> {
        if later.lag != self.lag || later.cross.len() != self.cross.len() {
            return Err(Error::Config(
                "correlation parts of different lags cannot be merged".into(),
            ));
        }
        for (c, l) in self.cross.iter_mut().zip(&later.cross) {
            *c += l;
        }
        self.pa.merge(&later.pa);
        self.pb.merge(&later.pb);
        Ok(())
    }

    /// Samples of `a` and of `b` summed.
    pub fn samples(&self) -> [u64; 2] {
        [self.pa.count, self.pb.count]
    }

    /// The curve over lags `−L..=L`, its peak and the Pearson coefficient at the peak's
    /// lag (`None` for a constant overlap, or when the lengths differ by more than `L` so
    /// the overlap's sums were not kept).
    pub fn finish(mut self) -> Result<(Vec<f64>, Option<Peak>, Option<f64>)> {
        let nfft = nfft_for(self.lag);
        let inv = RealFftPlanner::<f64>::new().plan_fft_inverse(nfft);
        let mut real = inv.make_output_vec();
        self.cross[0].im = 0.0;
        if let Some(last) = self.cross.last_mut() {
            last.im = 0.0;
        }
        inv.process(&mut self.cross, &mut real)
            .map_err(|e| Error::Config(format!("fft: {e}")))?;
        let scale = 1.0 / nfft as f64;
        let curve: Vec<f64> = real[..2 * self.lag + 1].iter().map(|v| v * scale).collect();
        let peak = Peak::find(&curve, -(self.lag as i64));
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
        Ok((curve, peak, coefficient))
    }
}
