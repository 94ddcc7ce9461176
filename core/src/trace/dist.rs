//! The durations of one group of spans in bounded memory: count, sum, min and max exactly;
//! percentiles exactly while the group has at most [`EXACT_MAX`] spans (every duration is
//! kept), beyond that from a log-bucketed histogram with a relative error below 0.1 %.
//!
//! Histogram buckets (integer nanoseconds `v >= 0`): below 512 one bucket per value (exact);
//! above, each power-of-two octave `[2^e, 2^(e+1))` is cut into 512 equal buckets, so a bucket
//! spans at most 1/512 of its lower bound. A percentile read from the histogram is its
//! bucket's midpoint, clamped to the exact min and max: at most 2^-10 (≈ 0.098 %) away from
//! the true value. The state depends only on the multiset of durations added, so merging the
//! parts of a file read in parallel gives exactly the serial result.

use alloc::vec;
use alloc::vec::Vec;

/// Spans per group whose durations are all kept (exact percentiles): 512 KiB per group at
/// most. A larger group switches to the histogram.
pub const EXACT_MAX: usize = 1 << 16;

/// Buckets per octave (and exact values below it).
const SUB: usize = 512;
const SUB_BITS: u32 = 9;
/// Octave 0 holds `0..512`; octave `o >= 1` holds `[2^(o+8), 2^(o+9))`.
const OCTAVES: usize = 64 - SUB_BITS as usize + 1;

/// The durations (ns) of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Dist {
    count: u64,
    sum: i64,
    min: i64,
    max: i64,
    exact: Vec<i64>,
    /// Per octave, the bucket counts (empty until used); empty while exact.
    hist: Vec<Vec<u64>>,
}

/// (octave, bucket) of a duration (negative ones count as 0).
#[inline]
fn bucket(v: i64) -> (usize, usize) {
    let v = v.max(0) as u64;
    if v < SUB as u64 {
        return (0, v as usize);
    }
    let e = 63 - v.leading_zeros();
    let shift = e - SUB_BITS;
    ((shift + 1) as usize, (v >> shift) as usize & (SUB - 1))
}

/// The midpoint of a bucket.
fn midpoint(octave: usize, slot: usize) -> i64 {
    if octave == 0 {
        return slot as i64;
    }
    let shift = octave as u32 - 1;
    let lo = ((SUB | slot) as u64) << shift;
    let half = (1u64 << shift) / 2;
    lo.saturating_add(half).min(i64::MAX as u64) as i64
}

impl Dist {
    /// Add one duration.
    #[inline]
    pub(crate) fn add(&mut self, v: i64) {
        if self.count == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.count += 1;
        self.sum = self.sum.wrapping_add(v);
        if self.hist.is_empty() {
            self.exact.push(v);
            if self.exact.len() > EXACT_MAX {
                self.switch_to_hist();
            }
        } else {
            self.hist_add(v, 1);
        }
    }

    #[inline]
    fn hist_add(&mut self, v: i64, n: u64) {
        let (o, s) = bucket(v);
        let oct = &mut self.hist[o];
        if oct.is_empty() {
            *oct = vec![0; SUB];
        }
        oct[s] += n;
    }

    fn switch_to_hist(&mut self) {
        self.hist = vec![Vec::new(); OCTAVES];
        let exact = core::mem::take(&mut self.exact);
        for v in exact {
            self.hist_add(v, 1);
        }
    }

    /// Add all the durations of `o`.
    pub(crate) fn merge(&mut self, o: &Dist) {
        if o.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = o.clone();
            return;
        }
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.count += o.count;
        self.sum = self.sum.wrapping_add(o.sum);
        if self.hist.is_empty() && o.hist.is_empty() {
            self.exact.extend_from_slice(&o.exact);
            if self.exact.len() > EXACT_MAX {
                self.switch_to_hist();
            }
            return;
        }
        if self.hist.is_empty() {
            self.switch_to_hist();
        }
        for &v in &o.exact {
            self.hist_add(v, 1);
        }
        for (oct, counts) in o.hist.iter().enumerate() {
            if counts.is_empty() {
                continue;
            }
            if self.hist[oct].is_empty() {
                self.hist[oct] = vec![0; SUB];
            }
            for (a, b) in self.hist[oct].iter_mut().zip(counts) {
                *a += b;
            }
        }
    }

    /// Add all the durations of `o`, taking its storage when this one is empty.
    pub(crate) fn merge_owned(&mut self, o: Dist) {
        if self.count == 0 {
            *self = o;
        } else {
            self.merge(&o);
        }
    }

    /// Number of durations.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Their sum.
    pub(crate) fn sum(&self) -> i64 {
        self.sum
    }

    /// (min, max), 0 when empty.
    pub(crate) fn range(&self) -> (i64, i64) {
        if self.count == 0 {
            (0, 0)
        } else {
            (self.min, self.max)
        }
    }

    /// Whether the percentiles are exact (every duration kept).
    #[cfg(test)]
    pub(crate) fn is_exact(&self) -> bool {
        self.hist.is_empty()
    }

    /// Nearest-rank percentiles p50, p95, p99 (0 when empty).
    pub(crate) fn percentiles(&mut self) -> (i64, i64, i64) {
        let n = self.count as usize;
        if n == 0 {
            return (0, 0, 0);
        }
        let k = |q: usize| (n * q).div_ceil(100).max(1);
        let (k50, k95, k99) = (k(50), k(95), k(99));
        if self.hist.is_empty() {
            // Each selection leaves the lower ranks in front, so the next one looks only there.
            let d = &mut self.exact[..];
            let p99 = *d.select_nth_unstable(k99 - 1).1;
            let p95 = *d[..k99].select_nth_unstable(k95 - 1).1;
            let p50 = *d[..k95].select_nth_unstable(k50 - 1).1;
            return (p50, p95, p99);
        }
        let mut out = [0i64; 3];
        let ranks = [k50 as u64, k95 as u64, k99 as u64];
        let mut next = 0;
        let mut seen = 0u64;
        'scan: for (o, counts) in self.hist.iter().enumerate() {
            for (s, &c) in counts.iter().enumerate() {
                seen += c;
                while seen >= ranks[next] {
                    out[next] = midpoint(o, s).clamp(self.min, self.max);
                    next += 1;
                    if next == 3 {
                        break 'scan;
                    }
                }
            }
        }
        (out[0], out[1], out[2])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn exact_pcts(v: &[i64]) -> (i64, i64, i64) {
        let mut s = v.to_vec();
        s.sort_unstable();
        let n = s.len();
        let k = |q: usize| s[(n * q).div_ceil(100).max(1) - 1];
        (k(50), k(95), k(99))
    }

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *seed >> 33
    }

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut last = (0, 0);
        for v in (0..5000i64)
            .chain((13..63).map(|e| 1i64 << e))
            .chain([i64::MAX])
        {
            let b = bucket(v);
            assert!(b >= last, "{v}");
            last = b;
            let m = midpoint(b.0, b.1);
            let err = (m - v).unsigned_abs() as f64 / (v.max(1) as f64);
            assert!(err <= 1.0 / 1024.0 + 1e-12, "{v} -> {m}");
        }
    }

    #[test]
    fn exact_up_to_the_cap() {
        let mut seed = 7;
        let v: Vec<i64> = (0..EXACT_MAX)
            .map(|_| lcg(&mut seed) as i64 % 1_000_000)
            .collect();
        let mut d = Dist::default();
        v.iter().for_each(|&x| d.add(x));
        assert!(d.is_exact());
        assert_eq!(d.percentiles(), exact_pcts(&v));
    }

    #[test]
    fn histogram_within_a_tenth_of_a_percent() {
        let mut seed = 3;
        let v: Vec<i64> = (0..300_000)
            .map(|_| 1000 + (lcg(&mut seed) as i64 % 5_000_000))
            .collect();
        let mut d = Dist::default();
        v.iter().for_each(|&x| d.add(x));
        assert!(!d.is_exact());
        assert_eq!(d.count(), v.len() as u64);
        assert_eq!(d.sum(), v.iter().sum::<i64>());
        let want = exact_pcts(&v);
        let got = d.percentiles();
        for (g, w) in [(got.0, want.0), (got.1, want.1), (got.2, want.2)] {
            assert!((g - w).abs() as f64 <= w as f64 * 0.001, "{g} vs {w}");
        }
    }

    #[test]
    fn merge_equals_serial() {
        let mut seed = 11;
        let v: Vec<i64> = (0..150_000)
            .map(|_| lcg(&mut seed) as i64 % 90_000)
            .collect();
        let mut serial = Dist::default();
        v.iter().for_each(|&x| serial.add(x));
        for cut in [0, 1, 40_000, EXACT_MAX, 100_000, v.len()] {
            let (mut a, mut b) = (Dist::default(), Dist::default());
            v[..cut].iter().for_each(|&x| a.add(x));
            v[cut..].iter().for_each(|&x| b.add(x));
            a.merge(&b);
            assert_eq!(
                a.clone().percentiles(),
                serial.clone().percentiles(),
                "{cut}"
            );
            assert_eq!(
                (a.count(), a.sum(), a.range()),
                (serial.count(), serial.sum(), serial.range())
            );
        }
    }
}
