//! The amplitude passes of a measurement: extremes, mean and RMS of the finite samples
//! ([`LevelScan`]), then the histogram of the whole record between its extremes
//! ([`LevelHistogram`]) whose modes are the top and base (IEEE 181-2011 §5.2.1.1, the
//! histogram method, with the mode of each half of the range).

use alloc::vec::Vec;

use super::sample::Sample;
use crate::dsp::moments::{Moments, MomentsAcc};
use crate::edges::histogram_top_base;
use crate::{Block, BlockSink, Error, Layout, Merge, Result};

/// Bins of the top/base histogram over `min..=max` (the same resolution as the automatic
/// threshold of `edges`).
pub const HISTOGRAM_BINS: usize = 1024;

/// Samples binned at a time by [`LevelHistogram::add_samples`].
pub(crate) const HIST_STRETCH: usize = 256;

/// Sub-histograms counted in turn (added to the totals every [`ROOM`] samples at most).
const SUBS: usize = 8;

/// Increments one `u16` sub-histogram bin can take before it must be added to the totals.
const ROOM: usize = u16::MAX as usize;

/// Bins of one sub-histogram: [`HISTOGRAM_BINS`] and a last one for the samples skipped.
const STRIDE: usize = HISTOGRAM_BINS + 1;

/// The bin of `x`: bins of `1 / scale` from `min` (values past the last bin's end by less
/// than one bin land in the last bin, as `max` itself does), or [`HISTOGRAM_BINS`] for
/// NaN, infinities and values outside the range. Lane-wise operations only: comparisons
/// as masks, selects, and the truncation done by the `2^52` rounding trick (exact for
/// the values `0..=1024` it sees), so a loop over samples runs in vector lanes.
#[inline(always)]
fn bin(min: f64, scale: f64, x: f64) -> u32 {
    /// Adding it leaves a value below 2^52 rounded to an integer in the low mantissa bits.
    const ROUND: f64 = 4_503_599_627_370_496.0;
    let b = (x - min) * scale;
    // NaN, infinities and values below the range fail this test.
    let inside = (b >= 0.0) & (b < (HISTOGRAM_BINS + 1) as f64);
    // In the range, truncating `min(b, last)` is `min(trunc(b), last)`.
    let last = (HISTOGRAM_BINS - 1) as f64;
    let v = if b < last { b } else { last };
    let v = if inside { v } else { HISTOGRAM_BINS as f64 };
    // `v` is in 0..=1024: round to nearest, then step down if that went up.
    let r = v + ROUND;
    let up = u32::from((r - ROUND) > v);
    (r.to_bits() as u32).wrapping_sub(up)
}

/// Half-width, in bins, of the band around a bin edge where [`bin_f32`] defers to the
/// exact `f64` rule: twice the `f32` estimate's worst error (2.5e-4 bins over the range
/// `-2..1028` it decides: three relative roundings of 2^-24 on a value below 1026, and
/// half an ulp of a value below 2048 when adding 2). Narrow, so few stretches of samples
/// hold one.
const NEAR: f32 = 1.0 / 2048.0;

/// Set in a bin from [`bin_f32`] when the sample lies within [`NEAR`] of a bin edge.
const NEAR_FLAG: u32 = 1 << 11;

/// The `f32` form of [`bin`]: the bin of `x` (at most [`HISTOGRAM_BINS`]), with
/// [`NEAR_FLAG`] set when it lies within [`NEAR`] of a bin edge, where the estimate may be
/// off by one (the caller then bins it with [`bin`]).
///
/// `min32` must equal `min` exactly and `scale32` be `scale` rounded to a normal `f32`:
/// then `a = (x − min) · scale + 2` in `f32` is within 2.5e-4 of the `f64` value plus 2
/// wherever it is in `0.5..1027.5` (three roundings of relative error 2^-24 on a value
/// below 1030, and an exact subtraction when its result is subnormal), so away from the
/// edges `floor(a) − 2` is the `f64` bin. Outside that band the sample is outside the
/// range whichever way it is rounded; NaN goes below it. Lane-wise operations only (the
/// floor is the `2^23` rounding trick, then a step down when that went up), so a loop
/// over samples runs in vector lanes.
#[inline(always)]
fn bin_f32(min32: f32, scale32: f32, x: f32) -> u32 {
    const ROUND: f32 = 8_388_608.0;
    const ROUND_BITS: i32 = 0x4B00_0000;
    let a = (x - min32) * scale32 + 2.0;
    let c = if a > 0.5 { a } else { 0.5 };
    let c = if c < 1027.5 { c } else { 1027.5 };
    let r = c + ROUND;
    // `c` to the nearest integer `n`, and `c − n` (both exact).
    let d = c - (r - ROUND);
    let near = (d < NEAR) & (d > -NEAR);
    let floor = (r.to_bits() as i32 - ROUND_BITS) - i32::from(d < 0.0);
    // Below the range wraps to a large value, then the skipped bin; the value range's
    // end lands in the last bin as in [`bin`].
    let k = (floor - 2) as u32;
    let k = if k == HISTOGRAM_BINS as u32 { k - 1 } else { k };
    let k = k.min(HISTOGRAM_BINS as u32);
    k | if near { NEAR_FLAG } else { 0 }
}

/// The bins of `xs` flagged [`NEAR_FLAG`] by [`bin_f32`] in `bins`, by the exact rule
/// (groups of 8 tested at once).
#[inline(never)]
fn fix_near(min: f64, scale: f64, bins: &mut [u32], xs: &[f32]) {
    for (g, xs) in bins.chunks_mut(8).zip(xs.chunks(8)) {
        if g.iter().fold(0, |any, &k| any | k) & NEAR_FLAG == 0 {
            continue;
        }
        for (i, &x) in g.iter_mut().zip(xs) {
            if *i & NEAR_FLAG != 0 {
                *i = bin(min, scale, f64::from(x));
            }
        }
    }
}

/// Whether every sample of `xs` is finite (checked 8 at a time without early exit within
/// a group, so the check vectorises).
#[inline]
fn all_finite(xs: &[f64]) -> bool {
    let mut chunks = xs.chunks_exact(8);
    for c in &mut chunks {
        if !c.iter().fold(true, |all, x| all & x.is_finite()) {
            return false;
        }
    }
    chunks.remainder().iter().all(|x| x.is_finite())
}

/// Checks that `channel` exists in `layout`.
pub(super) fn check_channel(channel: usize, layout: &Layout) -> Result<()> {
    if channel >= layout.channels {
        return Err(Error::Config(alloc::format!(
            "channel {channel} is not in the input ({} channels)",
            layout.channels
        )));
    }
    Ok(())
}

/// First pass: count, extremes, mean and sum of squared deviations of the finite samples of
/// one channel (split-invariant, see [`crate::dsp::moments`]), the number of NaN/Inf
/// samples skipped, and the range of sample indices seen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LevelScan {
    channel: usize,
    moments: MomentsAcc,
    nonfinite: u64,
    first: Option<u64>,
    end: u64,
    scratch: Vec<f64>,
    /// `f32` samples widened, a tile at a time.
    wide: Vec<f64>,
    /// Moments computed elsewhere (exactly, from integer codes), overriding `moments`.
    exact: Option<Moments>,
}

impl LevelScan {
    /// A scan of `channel`.
    pub fn new(channel: usize) -> Self {
        LevelScan {
            channel,
            ..Self::default()
        }
    }

    /// A finished scan of `channel` whose moments are `moments` (e.g. exact ones from
    /// [`super::CodeHistogram::moments`]), with no NaN/Inf sample, over the sample
    /// indices `first..end`.
    pub fn with_moments(channel: usize, moments: Moments, (first, end): (u64, u64)) -> Self {
        LevelScan {
            channel,
            first: Some(first),
            end,
            exact: Some(moments),
            ..Self::default()
        }
    }

    /// Moments of the finite samples.
    pub fn moments(&self) -> Moments {
        self.exact.unwrap_or_else(|| self.moments.total())
    }

    /// NaN and infinite samples skipped.
    pub fn nonfinite(&self) -> u64 {
        self.nonfinite
    }

    /// The sample indices `first..end` this scan saw (`None` when it saw no block).
    pub fn span(&self) -> Option<(u64, u64)> {
        self.first.map(|f| (f, self.end))
    }

    /// Add samples whose absolute indices start at `start`.
    pub fn add(&mut self, start: u64, xs: &[f64]) {
        if xs.is_empty() {
            return;
        }
        self.first.get_or_insert(start);
        self.end = start + xs.len() as u64;
        if all_finite(xs) {
            self.moments.add(start, xs);
            return;
        }
        // Rare: infinities become NaN, which the moments skip.
        self.scratch.clear();
        self.scratch
            .extend(xs.iter().map(|&x| if x.is_finite() { x } else { f64::NAN }));
        self.nonfinite += xs.iter().filter(|x| !x.is_finite()).count() as u64;
        self.moments.add(start, &self.scratch);
    }
}

impl LevelScan {
    /// [`Self::add`] of `f32` samples: a tile at a time, checked finite, then summed with
    /// each value widened in registers (the same bits as summing the `f64` values, without
    /// writing them out: measured 3.35 → 2.6 ms per 10⁷); a tile holding a non-finite
    /// value is widened into a buffer and takes [`Self::add`]'s careful path.
    pub fn add_f32(&mut self, start: u64, xs: &[f32]) {
        const TILE: usize = 1024;
        for (j, tile) in xs.chunks(TILE).enumerate() {
            let at = start + (j * TILE) as u64;
            if all_finite_f32(tile) {
                self.first.get_or_insert(at);
                self.end = at + tile.len() as u64;
                self.moments.add(at, tile);
            } else {
                let mut wide = core::mem::take(&mut self.wide);
                wide.clear();
                wide.extend(tile.iter().map(|&x| f64::from(x)));
                self.add(at, &wide);
                self.wide = wide;
            }
        }
    }

    /// [`Self::add_f32`] of little-endian `f32` samples still in their bytes (e.g. a
    /// memory map): widened straight from the bytes, without a copy of them as `f32` first.
    /// A last incomplete sample is ignored.
    pub fn add_f32_le(&mut self, start: u64, bytes: &[u8]) {
        self.add_widened(start, bytes.len() / 4, |from, out| {
            widen_le(&bytes[4 * from..4 * (from + out.len())], out)
        });
    }

    /// `n` samples from `start` on, widened to `f64` a tile at a time by `fill(from, out)`
    /// (samples `from..from + out.len()` into `out`, returning whether all are finite).
    #[inline(always)]
    fn add_widened(&mut self, start: u64, n: usize, fill: impl Fn(usize, &mut [f64]) -> bool) {
        // 8 KiB of `f64`: stays in L1 beside the caller's `f32` tile.
        const TILE: usize = 1024;
        let mut wide = core::mem::take(&mut self.wide);
        wide.resize(TILE, 0.0);
        for from in (0..n).step_by(TILE) {
            let at = start + from as u64;
            let wide = &mut wide[..TILE.min(n - from)];
            let finite = fill(from, wide);
            if finite {
                self.first.get_or_insert(at);
                self.end = at + wide.len() as u64;
                self.moments.add(at, wide);
            } else {
                self.add(at, wide);
            }
        }
        self.wide = wide;
    }
}

/// Whether every value of `xs` is finite: the largest magnitude's bits are below
/// infinity's exactly when every value is finite (NaN's are above). A plain loop of
/// integer maxima, which vectorises.
#[inline(always)]
fn all_finite_f32(xs: &[f32]) -> bool {
    let mut top = 0u32;
    for &x in xs {
        top = top.max(x.to_bits() & 0x7FFF_FFFF);
    }
    top < 0x7F80_0000
}

/// Little-endian `f32` bytes (4 per value of `out`) widened into `out`; whether all are
/// finite (see [`all_finite_f32`]).
#[inline(always)]
fn widen_le(bytes: &[u8], out: &mut [f64]) -> bool {
    let mut top = 0u32;
    for (w, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        *w = f64::from(f32::from_bits(bits));
        top = top.max(bits & 0x7FFF_FFFF);
    }
    top < 0x7F80_0000
}

impl BlockSink for LevelScan {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        check_channel(self.channel, &layout)
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        if b.channel == self.channel {
            self.add(b.start, b.samples);
        }
        Ok(())
    }
}

impl Merge for LevelScan {
    fn merge(&mut self, later: Self) -> Result<()> {
        if self.exact.is_some() || later.exact.is_some() {
            self.exact = Some(Moments::combine(self.moments(), later.moments()));
        }
        self.moments.merge(later.moments)?;
        self.nonfinite += later.nonfinite;
        if later.first.is_some() {
            self.first = self.first.or(later.first);
            self.end = later.end;
        }
        Ok(())
    }
}

/// Second pass: a histogram of [`HISTOGRAM_BINS`] equal bins over `min..=max` (from the
/// first pass) of the finite samples of one channel. Bounded memory whatever the length.
#[derive(Debug, Clone)]
pub struct LevelHistogram {
    channel: usize,
    min: f64,
    scale: f64,
    width: f64,
    /// Totals of [`STRIDE`] bins (the last one counts skipped samples), up to the last
    /// flush of `subs`.
    counts: Vec<u64>,
    /// [`SUBS`] sub-histograms of [`STRIDE`] bins, one after the other: small counters
    /// (the tile and they stay in L1).
    subs: Vec<u16>,
    /// Increments any one `subs` counter can still take.
    room: usize,
    /// `min` and `scale` as `f32`, when `min` is one and `scale` rounds to a normal
    /// `f32`: `f32` samples are then binned in `f32` lanes (see [`bin_f32`]).
    narrow: Option<(f32, f32)>,
}

impl LevelHistogram {
    /// A histogram of `channel` over `min..=max`; `None` unless `min < max`, both finite.
    pub fn new(channel: usize, min: f64, max: f64) -> Option<Self> {
        if !(min.is_finite() && max.is_finite() && min < max) {
            return None;
        }
        let width = (max - min) / HISTOGRAM_BINS as f64;
        let (min32, scale32) = (min as f32, (1.0 / width) as f32);
        let narrow = (f64::from(min32) == min && scale32.is_normal()).then_some((min32, scale32));
        Some(LevelHistogram {
            channel,
            min,
            scale: 1.0 / width,
            width,
            counts: alloc::vec![0; STRIDE],
            subs: alloc::vec![0; STRIDE * SUBS],
            room: ROOM,
            narrow,
        })
    }

    /// Add samples (non-finite ones and any outside the range are skipped).
    pub fn add(&mut self, xs: &[f64]) {
        self.add_samples(xs);
    }

    /// [`Self::add`] of `f32` or `f64` samples (the same counts as of their `f64` values).
    pub fn add_samples<S: Sample>(&mut self, xs: &[S]) {
        self.add_samples_then(xs, |_| {});
    }

    /// [`Self::add_samples`], calling `each(k)` before the `k`-th stretch of
    /// [`HIST_STRETCH`] samples is binned (where a caller prefetches what follows `xs`).
    pub(crate) fn add_samples_then<S: Sample>(&mut self, xs: &[S], mut each: impl FnMut(usize)) {
        // Consecutive samples often fall in the same bin: counting them in separate
        // sub-histograms keeps each increment from waiting on the previous one's store.
        let (min, scale) = (self.min, self.scale);
        let last = HISTOGRAM_BINS as u32;
        // The bins of a stretch first (a plain loop over lanes, which vectorises), then
        // the increments.
        let mut bins = [0u32; HIST_STRETCH];
        for (k, part) in xs.chunks(bins.len()).enumerate() {
            each(k);
            // Sub 0 takes a part's eighth and its remainder; the others less.
            let need = part.len() / SUBS + SUBS;
            if self.room < need {
                self.flush();
            }
            self.room -= need;
            let bins = &mut bins[..part.len()];
            match (S::as_f32(part), self.narrow) {
                (Some(part), Some((min32, scale32))) => {
                    // Flags tested per 64 samples: a sample near a bin edge comes once in
                    // ~1000, so most of these hold none (a stretch of 256 often does).
                    for (bins, part) in bins.chunks_mut(64).zip(part.chunks(64)) {
                        let mut any = 0;
                        for (i, &x) in bins.iter_mut().zip(part) {
                            let k = bin_f32(min32, scale32, x);
                            any |= k;
                            *i = k;
                        }
                        // Rare: samples near a bin edge, binned by the exact rule (found
                        // by groups of 8 when the stretch holds one).
                        if any & NEAR_FLAG != 0 {
                            fix_near(min, scale, bins, part);
                        }
                    }
                }
                _ => {
                    for (i, &x) in bins.iter_mut().zip(part) {
                        *i = bin(min, scale, x.f64());
                    }
                }
            }
            let subs: &mut [u16] = &mut self.subs;
            let Some((s, _)) = subs.split_first_chunk_mut::<{ STRIDE * SUBS }>() else {
                return;
            };
            let (s0, r) = s.split_at_mut(STRIDE);
            let (s1, r) = r.split_at_mut(STRIDE);
            let (s2, r) = r.split_at_mut(STRIDE);
            let (s3, r) = r.split_at_mut(STRIDE);
            let (s4, r) = r.split_at_mut(STRIDE);
            let (s5, r) = r.split_at_mut(STRIDE);
            let (s6, s7) = r.split_at_mut(STRIDE);
            let mut octs = bins.chunks_exact(SUBS);
            for q in &mut octs {
                s0[q[0].min(last) as usize] += 1;
                s1[q[1].min(last) as usize] += 1;
                s2[q[2].min(last) as usize] += 1;
                s3[q[3].min(last) as usize] += 1;
                s4[q[4].min(last) as usize] += 1;
                s5[q[5].min(last) as usize] += 1;
                s6[q[6].min(last) as usize] += 1;
                s7[q[7].min(last) as usize] += 1;
            }
            for &i in octs.remainder() {
                s0[i.min(last) as usize] += 1;
            }
        }
    }

    /// Count `n` samples of value `x` (skipped when non-finite or outside the range).
    pub fn add_count(&mut self, x: f64, n: u64) {
        self.counts[bin(self.min, self.scale, x) as usize] += n;
    }

    /// Add the sub-histograms to the totals and clear them.
    fn flush(&mut self) {
        for sub in self.subs.chunks_exact_mut(STRIDE) {
            for (t, c) in self.counts.iter_mut().zip(sub.iter_mut()) {
                *t += u64::from(*c);
                *c = 0;
            }
        }
        self.room = ROOM;
    }

    pub(super) fn totals(&self) -> Vec<u64> {
        let mut total = self.counts[..HISTOGRAM_BINS].to_vec();
        for sub in self.subs.chunks_exact(STRIDE) {
            for (t, &c) in total.iter_mut().zip(sub) {
                *t += u64::from(c);
            }
        }
        total
    }

    /// (top, base): the centres of the modal bins of the upper and lower half.
    pub fn top_base(&self) -> (f64, f64) {
        histogram_top_base(&self.totals(), self.min, self.width)
    }

    /// Whether the modes of this histogram of part of a record ([`Self::top_base`]) are
    /// likely those of the whole record's: in each half, no other bin's count is a close
    /// contender of the mode's. Counting noise makes the difference of two bins' counts
    /// `a > b` vary by about `√(a + b)`; a bin within 0.4 of that of the mode, or two bins
    /// within 1 of it (the two halves together), make a different final mode likely
    /// (flat-topped levels, with uniform noise or dither, give several). Peaked levels
    /// (Gaussian noise) lead by many deviations.
    pub fn sure_modes(&self) -> bool {
        let totals = self.totals();
        let half = totals.len() / 2;
        let (mut near, mut close) = (0, false);
        for part in [&totals[..half], &totals[half..]] {
            // The first modal bin, as `top_base` picks it.
            let m = (0..part.len()).fold(0, |m, b| if part[b] > part[m] { b } else { m });
            let mode = part.get(m).copied().unwrap_or(0);
            for (b, &c) in part.iter().enumerate() {
                // (mode - c) / √(mode + c), squared, against 1 and 0.4².
                let (d, v) = ((mode - c) as f64, (mode + c) as f64);
                if b != m && c > 0 && d * d < v {
                    near += 1;
                    close |= d * d < 0.16 * v;
                }
            }
        }
        !close && near < 2
    }

    /// Width of a bin.
    pub fn bin_width(&self) -> f64 {
        self.width
    }
}

impl PartialEq for LevelHistogram {
    /// Equal ranges and equal counts (however they were spread over the sub-histograms).
    fn eq(&self, other: &Self) -> bool {
        (self.channel, self.min, self.scale, self.width)
            == (other.channel, other.min, other.scale, other.width)
            && self.totals() == other.totals()
    }
}

impl BlockSink for LevelHistogram {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        check_channel(self.channel, &layout)
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        if b.channel == self.channel {
            self.add(b.samples);
        }
        Ok(())
    }
}

impl Merge for LevelHistogram {
    fn merge(&mut self, mut later: Self) -> Result<()> {
        self.flush();
        later.flush();
        for (a, b) in self.counts.iter_mut().zip(&later.counts) {
            *a += b;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::LevelHistogram;

    /// `f32` samples around every bin edge (a few ulps either side), random ones, and
    /// non-finite ones, over ranges of several scales and offsets.
    fn edge_samples(min: f32, max: f32, seed: u64) -> Vec<f32> {
        let width = (f64::from(max) - f64::from(min)) / super::HISTOGRAM_BINS as f64;
        let mut xs = vec![min, max, f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        for j in 0..=super::HISTOGRAM_BINS + 1 {
            let t = (f64::from(min) + j as f64 * width) as f32;
            for k in -3i32..=3 {
                let b = t.to_bits() as i64 + i64::from(k);
                let x = f32::from_bits(b as u32);
                if x >= min && x <= max {
                    xs.push(x);
                }
            }
        }
        let mut s = seed;
        for _ in 0..20_000 {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            xs.push((f64::from(min) + u * (f64::from(max) - f64::from(min))) as f32);
        }
        xs
    }

    #[test]
    fn f32_bins_equal_f64_bins() {
        let ranges = [
            (-0.01f32, 1.01f32),
            (0.0, 1.0),
            (-3.3, 7.7),
            (1000.0, 1000.5),
            (-1.0e30, 2.0e30),
            (1.0e-30, 3.0e-30),
            (-32768.0, 32767.0),
            (0.1, 0.100_01),
        ];
        for (seed, &(min, max)) in ranges.iter().enumerate() {
            let xs = edge_samples(min, max, seed as u64);
            let wide: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
            let new = || LevelHistogram::new(0, f64::from(min), f64::from(max));
            let (Some(mut a), Some(mut b)) = (new(), new()) else {
                panic!("range {min}..{max}");
            };
            assert!(a.narrow.is_some(), "f32 path for {min}..{max}");
            a.add_samples(&xs);
            b.add(&wide);
            assert_eq!(a.totals(), b.totals(), "range {min}..{max}");
        }
    }

    /// Bins of 1/1024 over 0..=1 (bin `k` holds `(k + 0.5) / 1024`) with `count(k)` samples
    /// in bin `k`.
    fn counted(count: impl Fn(usize) -> u64) -> LevelHistogram {
        let mut h = LevelHistogram::new(0, 0.0, 1.0).expect("range");
        for k in 0..super::HISTOGRAM_BINS {
            h.add_count((k as f64 + 0.5) / 1024.0, count(k));
        }
        h
    }

    /// Peaked levels lead their neighbours by many deviations; a close contender, or two
    /// near ones (over both halves), make the modes unsure, as flat tops do.
    #[test]
    fn sure_modes_need_a_clear_lead() {
        let peaked = |k: usize| match k {
            100 | 900 => 10_000,
            99 | 101 | 899 | 901 => 9_000,
            _ => 10,
        };
        assert!(counted(peaked).sure_modes());
        // √(10000 + 9950) ≈ 141: a lead of 50 is within 0.4 of it.
        assert!(!counted(|k| if k == 101 { 9_950 } else { peaked(k) }).sure_modes());
        // Leads of 100 (within one deviation, not 0.4) in each half: two near ones.
        let one_near = |k: usize| if k == 101 { 9_900 } else { peaked(k) };
        assert!(counted(one_near).sure_modes());
        assert!(!counted(|k| if k == 899 { 9_900 } else { one_near(k) }).sure_modes());
        // A flat top: sixteen bins of about the same count.
        let flat = |k: usize| match k {
            100 => 10_000,
            890..=905 => 10_000 - (k as u64 % 7) * 30,
            _ => peaked(k),
        };
        assert!(!counted(flat).sure_modes());
    }
}
