//! Histograms with uniform bins, bin for bin like `numpy.histogram(x, bins=N, range=(lo, hi))`
//! on the values as float64.
//!
//! Vocabulary:
//! - A [`Binning`] is `bins` equal bins over `[lo, hi]`. Its **edges** are numpy's
//!   `linspace(lo, hi, bins + 1)`: `fl(fl(i * step) + lo)` with `step = fl(fl(hi - lo) / bins)`
//!   (`fl(fl(i / bins) * (hi - lo)) + lo` when `step` underflows to 0), the last edge `hi`.
//! - A value's **bin** is `i` with `edge(i) <= x < edge(i + 1)`; the last bin is closed on the
//!   right. numpy estimates `i` from `(x - lo) / (hi - lo) * bins` and corrects the estimate by
//!   one against the edges; [`Binning::bin_of`] does exactly that. The kernel estimates with a
//!   multiplication when bins are at least 64 ulps wide — the estimate is then within 1/16 of
//!   a bin of the true position, so the same correction lands on the same bin — and uses
//!   numpy's own arithmetic otherwise.
//! - Values outside `[lo, hi]` are counted as **below** / **above**; NaN and ±Inf are
//!   **nonfinite** and never binned.
//!
//! [`Histogram`] is a [`BlockSink`] + [`Merge`] over any reader's output: counts are integers,
//! so any chunking and any split gives the same result. [`FiniteRange`] is the first pass that
//! finds numpy's default range (the smallest and largest finite value of each channel).

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use crate::kernel::{Block, BlockSink, Layout};
use crate::report::HistogramReport;
use crate::{Error, Merge, Result};

/// The most bins a histogram may have.
pub const MAX_BINS: usize = 1_000_000;
/// The most bins all channels of one histogram may have together (bounds memory: 8 bytes a
/// bin, for inputs with many channels).
pub const MAX_TOTAL_BINS: usize = 1 << 25;

/// Values whose bins are computed at a time before counting.
const STRIDE: usize = 256;
/// Histograms this small are counted in [`LANES`] interleaved copies, so that runs of equal
/// bins do not serialise on one counter (store-to-load forwarding).
const SMALL: usize = 1024;
/// Copies of the counts of a small histogram.
const LANES: usize = 4;

/// `bins` equal bins over `[lo, hi]`, with numpy's edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Binning {
    lo: f64,
    hi: f64,
    bins: usize,
    /// `hi - lo`, numpy's `norm_denom` and linspace's `delta`.
    delta: f64,
    /// `delta / bins`, linspace's `step`.
    step: f64,
    /// `bins / delta`, for the multiplicative estimate.
    scale: f64,
    /// Whether the multiplicative estimate is safe (see the module doc).
    fast: bool,
}

impl Binning {
    /// `bins` bins over the explicit range `[lo, hi]`.
    ///
    /// # Errors
    /// [`Error::Config`] when `bins` is 0 or above [`MAX_BINS`], `lo` or `hi` is not finite,
    /// `lo >= hi`, `hi - lo` overflows, or the edges are not strictly increasing (numpy's
    /// "too many bins for data range").
    pub fn try_new(lo: f64, hi: f64, bins: usize) -> Result<Self> {
        if bins == 0 || bins > MAX_BINS {
            return Err(Error::Config(format!(
                "histogram bins must be 1..={MAX_BINS}, not {bins}"
            )));
        }
        if !lo.is_finite() || !hi.is_finite() {
            return Err(Error::Config(format!(
                "histogram range [{lo}, {hi}] is not finite"
            )));
        }
        if lo >= hi {
            return Err(Error::Config(format!(
                "histogram range [{lo}, {hi}] is empty: the low end must be below the high end"
            )));
        }
        let delta = hi - lo;
        if !delta.is_finite() {
            return Err(Error::Config(format!(
                "histogram range [{lo}, {hi}] is too wide (its width overflows float64)"
            )));
        }
        let step = delta / bins as f64;
        let scale = bins as f64 / delta;
        let widest = if lo.abs() > hi.abs() {
            lo.abs()
        } else {
            hi.abs()
        };
        // 64 ulps of the largest magnitude, and far from subnormal steps.
        let fast = step >= widest * f64::EPSILON * 64.0 && step >= 1e-290 && scale.is_finite();
        let b = Binning {
            lo,
            hi,
            bins,
            delta,
            step,
            scale,
            fast,
        };
        if !fast {
            let mut prev = b.edge(0);
            for i in 1..=bins {
                let e = b.edge(i);
                if prev >= e {
                    return Err(Error::Config(format!(
                        "too many bins for the range [{lo}, {hi}]: cannot make {bins} bins of nonzero width"
                    )));
                }
                prev = e;
            }
        }
        Ok(b)
    }

    /// numpy's default binning of data whose finite values span `[min, max]` (`None` for no
    /// finite value: numpy's `[0, 1]` of an empty array); a single value `v` gets
    /// `[v - 0.5, v + 0.5]`.
    ///
    /// # Errors
    /// As [`Binning::try_new`].
    pub fn for_values(range: Option<(f64, f64)>, bins: usize) -> Result<Self> {
        let (lo, hi) = match range {
            None => (0.0, 1.0),
            Some((a, b)) if a == b => (a - 0.5, b + 0.5),
            Some(r) => r,
        };
        Self::try_new(lo, hi, bins)
    }

    /// The low end of the range (the first edge).
    pub fn lo(&self) -> f64 {
        self.lo
    }

    /// The high end of the range (the last edge).
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// The number of bins.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Edge `i` (0..=bins), as numpy's `linspace` computes it.
    pub fn edge(&self, i: usize) -> f64 {
        if i >= self.bins {
            self.hi
        } else if self.step == 0.0 {
            (i as f64 / self.bins as f64) * self.delta + self.lo
        } else {
            i as f64 * self.step + self.lo
        }
    }

    /// All `bins + 1` edges.
    pub fn edges(&self) -> Vec<f64> {
        (0..=self.bins).map(|i| self.edge(i)).collect()
    }

    /// The bin of `x` exactly as numpy computes it, or `None` outside `[lo, hi]` (and for NaN).
    pub fn bin_of(&self, x: f64) -> Option<usize> {
        if !(x >= self.lo && x <= self.hi) {
            return None;
        }
        let n = self.bins;
        let f = ((x - self.lo) / self.delta) * n as f64;
        // `f` is in [0, n]: x - lo <= hi - lo after rounding too.
        let mut i = (f as usize).min(n - 1);
        if x < self.edge(i) {
            i = i.saturating_sub(1);
        }
        if i != n - 1 && x >= self.edge(i + 1) {
            i += 1;
        }
        Some(i)
    }
}

/// The histogram of one channel's values.
#[derive(Clone)]
pub struct ChannelHistogram {
    binning: Binning,
    /// `lanes` copies of `bins + 1` counters; the last counter of each copy collects values
    /// outside the range and is ignored.
    counts: Vec<u64>,
    lanes: usize,
    below: u64,
    above: u64,
    nonfinite: u64,
}

impl ChannelHistogram {
    /// An empty histogram.
    pub fn new(binning: Binning) -> Self {
        let lanes = if binning.bins <= SMALL { LANES } else { 1 };
        ChannelHistogram {
            binning,
            counts: vec![0; lanes * (binning.bins + 1)],
            lanes,
            below: 0,
            above: 0,
            nonfinite: 0,
        }
    }

    /// The binning.
    pub fn binning(&self) -> &Binning {
        &self.binning
    }

    /// Count `xs`.
    pub fn add(&mut self, xs: &[f64]) {
        self.add_values(xs);
    }

    /// Count `xs` (float32 values, binned as float64 like the rest).
    pub fn add_f32(&mut self, xs: &[f32]) {
        self.add_values(xs);
    }

    fn add_values<T: Copy + Into<f64>>(&mut self, xs: &[T]) {
        let mut bins = [0u32; STRIDE];
        for chunk in xs.chunks(STRIDE) {
            let bins = &mut bins[..chunk.len()];
            let outside = if self.binning.fast {
                estimate_and_correct(&self.binning, chunk, bins)
            } else {
                exact(&self.binning, chunk, bins)
            };
            if outside > 0 {
                self.classify_outside(chunk);
            }
            self.count(bins);
        }
    }

    /// Count the values of `chunk` outside the range by kind.
    fn classify_outside<T: Copy + Into<f64>>(&mut self, chunk: &[T]) {
        let (lo, hi) = (self.binning.lo, self.binning.hi);
        for &x in chunk {
            let x: f64 = x.into();
            if !x.is_finite() {
                self.nonfinite += 1;
            } else if x < lo {
                self.below += 1;
            } else if x > hi {
                self.above += 1;
            }
        }
    }

    /// Add one to the counter of each bin in `bins` (each at most `self.binning.bins`).
    fn count(&mut self, bins: &[u32]) {
        let stride = self.binning.bins + 1;
        if self.lanes == LANES {
            let (c0, rest) = self.counts.split_at_mut(stride);
            let (c1, rest) = rest.split_at_mut(stride);
            let (c2, c3) = rest.split_at_mut(stride);
            let mut quads = bins.chunks_exact(LANES);
            for q in &mut quads {
                c0[q[0] as usize] += 1;
                c1[q[1] as usize] += 1;
                c2[q[2] as usize] += 1;
                c3[q[3] as usize] += 1;
            }
            for &b in quads.remainder() {
                c0[b as usize] += 1;
            }
        } else {
            for &b in bins {
                self.counts[b as usize] += 1;
            }
        }
    }

    /// The counts of the bins.
    pub fn counts(&self) -> Vec<u64> {
        let stride = self.binning.bins + 1;
        let mut total = self.counts[..self.binning.bins].to_vec();
        for lane in self.counts.chunks_exact(stride).skip(1) {
            for (t, c) in total.iter_mut().zip(lane) {
                *t += c;
            }
        }
        total
    }

    /// The result document.
    pub fn report(&self) -> HistogramReport {
        HistogramReport {
            lo: self.binning.lo,
            hi: self.binning.hi,
            bins: self.binning.bins,
            counts: self.counts(),
            below: self.below,
            above: self.above,
            nonfinite: self.nonfinite,
        }
    }
}

/// Bins of `xs` by the multiplicative estimate and numpy's one-step correction; values
/// outside the range get bin `b.bins`. Returns how many there were. Written without
/// branches so that it compiles to vector code.
fn estimate_and_correct<T: Copy + Into<f64>>(b: &Binning, xs: &[T], out: &mut [u32]) -> u32 {
    let (lo, hi, scale, step) = (b.lo, b.hi, b.scale, b.step);
    // bins <= MAX_BINS, far inside i32.
    let last = (b.bins - 1) as i32;
    let trash = b.bins as u32;
    let mut outside = 0u32;
    for (x, slot) in xs.iter().zip(out.iter_mut()) {
        let x: f64 = (*x).into();
        let inside = x >= lo && x <= hi;
        let f = if inside { (x - lo) * scale } else { 0.0 };
        let i = (f as i32).min(last);
        let i = i - (x < i as f64 * step + lo) as i32;
        let up = (x >= (i + 1) as f64 * step + lo) & (i != last);
        let i = i + up as i32;
        *slot = if inside { i as u32 } else { trash };
        outside += u32::from(!inside);
    }
    outside
}

/// Bins of `xs` by numpy's own arithmetic (for bins only a few ulps wide).
fn exact<T: Copy + Into<f64>>(b: &Binning, xs: &[T], out: &mut [u32]) -> u32 {
    let mut outside = 0u32;
    for (x, slot) in xs.iter().zip(out.iter_mut()) {
        *slot = match b.bin_of((*x).into()) {
            Some(i) => i as u32,
            None => {
                outside += 1;
                b.bins as u32
            }
        };
    }
    outside
}

// Equality and debug output see the counts, not how they are spread over the lanes (which
// depends on chunking).
impl PartialEq for ChannelHistogram {
    fn eq(&self, other: &Self) -> bool {
        self.report() == other.report()
    }
}

impl core::fmt::Debug for ChannelHistogram {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChannelHistogram")
            .field("binning", &self.binning)
            .field("counts", &self.counts())
            .field("below", &self.below)
            .field("above", &self.above)
            .field("nonfinite", &self.nonfinite)
            .finish()
    }
}

impl Merge for ChannelHistogram {
    fn merge(&mut self, later: Self) -> Result<()> {
        if self.binning != later.binning {
            return Err(Error::Config(
                "cannot merge histograms with different bins".into(),
            ));
        }
        for (a, b) in self.counts.iter_mut().zip(later.counts) {
            *a += b;
        }
        self.below += later.below;
        self.above += later.above;
        self.nonfinite += later.nonfinite;
        Ok(())
    }
}

/// Per-channel histograms: a [`BlockSink`] over any reader's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// One slot per channel of the input; `None` for channels not analysed.
    channels: Vec<Option<ChannelHistogram>>,
}

impl Histogram {
    /// Histograms of the channels given a binning, one entry per channel of the input.
    ///
    /// # Errors
    /// [`Error::Limit`] when the bins of all channels together exceed [`MAX_TOTAL_BINS`].
    pub fn try_new(binnings: &[Option<Binning>]) -> Result<Self> {
        let total: usize = binnings.iter().flatten().map(|b| b.bins).sum();
        if total > MAX_TOTAL_BINS {
            return Err(Error::Limit {
                offset: 0,
                what: format!("{total} histogram bins over all channels"),
                limit: MAX_TOTAL_BINS as u64,
            });
        }
        Ok(Histogram {
            channels: binnings
                .iter()
                .map(|b| b.map(ChannelHistogram::new))
                .collect(),
        })
    }

    /// Each channel's histogram (`None` for channels not analysed), by channel index.
    pub fn channels(&self) -> &[Option<ChannelHistogram>] {
        &self.channels
    }

    /// Each channel's result document, by channel index.
    pub fn reports(&self) -> Vec<Option<HistogramReport>> {
        self.channels
            .iter()
            .map(|c| c.as_ref().map(ChannelHistogram::report))
            .collect()
    }
}

impl BlockSink for Histogram {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        if layout.channels != self.channels.len() {
            return Err(Error::Config(format!(
                "histogram set up for {} channels, the input has {}",
                self.channels.len(),
                layout.channels
            )));
        }
        Ok(())
    }

    fn block(&mut self, block: Block<'_>) -> Result<()> {
        if let Some(Some(h)) = self.channels.get_mut(block.channel) {
            h.add(block.samples);
        }
        Ok(())
    }
}

impl Merge for Histogram {
    fn merge(&mut self, later: Self) -> Result<()> {
        if self.channels.len() != later.channels.len() {
            return Err(Error::Config(
                "cannot merge histograms of different channel counts".into(),
            ));
        }
        for (a, b) in self.channels.iter_mut().zip(later.channels) {
            match (a, b) {
                (Some(a), Some(b)) => a.merge(b)?,
                (None, None) => {}
                _ => {
                    return Err(Error::Config(
                        "cannot merge histograms of different channels".into(),
                    ))
                }
            }
        }
        Ok(())
    }
}

/// The smallest and largest finite value of each channel: numpy's default histogram range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FiniteRange {
    /// `(min, max)` per channel; `(+inf, -inf)` before any finite value.
    ranges: Vec<(f64, f64)>,
}

impl FiniteRange {
    /// A pass waiting for its input's layout.
    pub fn new() -> Self {
        Self::default()
    }

    /// `(min, max)` of the finite values of each channel, `None` when it has none.
    pub fn ranges(&self) -> Vec<Option<(f64, f64)>> {
        self.ranges
            .iter()
            .map(|&(a, b)| (a <= b).then_some((a, b)))
            .collect()
    }
}

impl BlockSink for FiniteRange {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        self.ranges = vec![(f64::INFINITY, f64::NEG_INFINITY); layout.channels];
        Ok(())
    }

    fn block(&mut self, block: Block<'_>) -> Result<()> {
        if let Some((lo, hi)) = self.ranges.get_mut(block.channel) {
            for &x in block.samples {
                if x.is_finite() {
                    *lo = lo.min(x);
                    *hi = hi.max(x);
                }
            }
        }
        Ok(())
    }
}

impl Merge for FiniteRange {
    fn merge(&mut self, later: Self) -> Result<()> {
        if self.ranges.is_empty() {
            self.ranges = later.ranges;
            return Ok(());
        }
        for (a, b) in self.ranges.iter_mut().zip(later.ranges) {
            a.0 = a.0.min(b.0);
            a.1 = a.1.max(b.1);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "histogram_tests.rs"]
mod tests;
