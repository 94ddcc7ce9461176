//! Distribution of one per-cycle measurement: count, extremes, mean, standard deviation and
//! quantiles (numpy `linear`, exact up to 32 Mi values, hash-thinned beyond — see
//! [`crate::dsp::quantile`]).

use alloc::vec::Vec;

use crate::dsp::quantile::{
    interpolated, linear_ranks, Plan, QuantileMode, QuantileStore, EXACT_MAX,
};
use crate::{Merge, Result};

/// Statistics over all cycles of one measurement (`None` when there is none).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct DistStats {
    /// Number of values.
    pub count: u64,
    /// Smallest.
    pub min: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Population standard deviation.
    pub std: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// Accumulates one per-cycle measurement. Values are keyed by the absolute sample index of
/// the transition they belong to, so quantile thinning is the same however the record was
/// split.
#[derive(Debug, Clone)]
pub struct Dist {
    count: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    store: QuantileStore,
    /// Stores merged in after `store`, in order, not yet combined with it (see
    /// [`Dist::quantiles`]).
    merged: Vec<QuantileStore>,
    /// The quantiles of [`QUANTILES`] once selected ([`Dist::settle`]), until a value
    /// comes.
    settled: Option<[Option<f64>; 3]>,
    /// When logging: the values added, in order, not yet in the moments (see
    /// [`Dist::logging`]); `None` once more than `LOG_CAP` came.
    log: Option<Option<Vec<f64>>>,
    /// Whether the values are kept for the quantiles: a distribution derived from another
    /// keeps none (see [`Dist::derived`]).
    stored: bool,
}

/// The quantiles reported: p50, p95, p99.
const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// Values a logging [`Dist`] keeps (8 bytes each) before it gives up.
const LOG_CAP: usize = 1 << 15;

impl Default for Dist {
    fn default() -> Self {
        Dist {
            count: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            store: QuantileStore::with_mode(QuantileMode::Thinned(0)),
            merged: Vec::new(),
            settled: None,
            log: None,
            stored: true,
        }
    }
}

impl Dist {
    /// Add value `v` of the transition completed at sample `key` (non-finite values are
    /// ignored).
    pub fn add(&mut self, key: u64, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.settled = None;
        if self.stored {
            self.store.add_one(key, v);
        }
        if self.log.is_some() {
            self.log_value(v);
            return;
        }
        self.accumulate(v);
    }

    /// Add `v` (finite) to the count, moments and extremes.
    #[inline(always)]
    fn accumulate(&mut self, v: f64) {
        self.count += 1;
        // Welford's update.
        let d = v - self.mean;
        self.mean += d / self.count as f64;
        self.m2 += d * (v - self.mean);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// A distribution that logs the values added (at most 2^15) instead of accumulating
    /// their moments, for [`Dist::replay`] into another one: the result is then the same,
    /// bit for bit, as adding them there directly (a [`Merge`] combines moments, which
    /// rounds otherwise). Their quantile store is filled as they come (its result does not
    /// depend on the order), so a replay only runs the moments' serial recurrence.
    pub fn logging() -> Self {
        Dist {
            log: Some(Some(alloc::vec::Vec::new())),
            ..Dist::default()
        }
    }

    /// This distribution keeping no values for its quantiles: they come from the source's,
    /// when this one is given `c / x` for each value `x` of a source of values `>= 0`
    /// ([`Dist::settle_with`]). A frequency is one over a period, a slew rate a level
    /// span over a duration: storing them too would double the memory for nothing.
    pub fn derived(self) -> Self {
        Dist {
            stored: false,
            ..self
        }
    }

    /// Log `v` (out of line: keeps [`Dist::add`] small where it is inlined).
    #[inline(never)]
    fn log_value(&mut self, v: f64) {
        if let Some(log) = &mut self.log {
            match log {
                Some(l) if l.len() < LOG_CAP => l.push(v),
                _ => *log = None,
            }
        }
    }

    /// Whether a logging distribution got more than 2^15 values (its log is lost).
    pub fn overflowed(&self) -> bool {
        matches!(self.log, Some(None))
    }

    /// Add the values `later` logged, in order (or [`Merge::merge`] it when it did not
    /// log): their moments one by one, their quantile store as a whole.
    ///
    /// # Errors
    /// `later` overflowed its log.
    pub fn replay(&mut self, later: Dist) -> Result<()> {
        match later.log {
            None => self.merge(later),
            Some(Some(log)) => {
                for v in log {
                    self.accumulate(v);
                }
                self.settled = None;
                // Combined when the quantiles are asked for (see [`Dist::quantiles`]).
                self.merged.push(later.store);
                self.merged.extend(later.merged);
                Ok(())
            }
            Some(None) => Err(crate::Error::Config(
                "a logged distribution overflowed its log".into(),
            )),
        }
    }

    /// Make room for `n` more values (see [`QuantileStore::reserve`]).
    pub fn reserve(&mut self, n: usize) {
        if self.stored {
            self.store.reserve(n);
        }
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Merge the stores merged after `store` into it, unless their union can be selected
    /// from as it is: while every store still holds all its values and all of them together
    /// stay within the exact limit, their sequential merge would be their concatenation
    /// (then [`Self::ranked`] selects from them without a copy into one). Otherwise they
    /// merge in order, as they came (a merge may thin).
    fn combine(&mut self) {
        if self.merged.is_empty() {
            return;
        }
        let total = self.store.len() + self.merged.iter().map(QuantileStore::len).sum::<u64>();
        let whole = self.store.kept_all() && self.merged.iter().all(QuantileStore::kept_all);
        if whole && total <= EXACT_MAX {
            return;
        }
        for p in core::mem::take(&mut self.merged) {
            // Merging stores never fails.
            let _ = self.store.merge(p);
        }
    }

    /// The number of kept values (of `store` and the ones merged after it).
    fn kept(&self) -> usize {
        let n = self.store.len() + self.merged.iter().map(QuantileStore::len).sum::<u64>();
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// The kept values at `ranks` (increasing, distinct, below [`Self::kept`]) in their
    /// sorted order, once [`Self::combine`]d ([`QuantileStore::ranked_of_all`]).
    fn ranked(&mut self, ranks: &[usize]) -> Vec<f64> {
        if self.merged.is_empty() {
            return QuantileStore::ranked_of_all(core::slice::from_mut(&mut self.store), ranks);
        }
        let mut all = Vec::with_capacity(1 + self.merged.len());
        all.push(core::mem::replace(
            &mut self.store,
            QuantileStore::with_mode(QuantileMode::Exact),
        ));
        all.append(&mut self.merged);
        let v = QuantileStore::ranked_of_all(&mut all, ranks);
        let mut all = all.into_iter();
        if let Some(first) = all.next() {
            self.store = first;
        }
        self.merged = all.collect();
        v
    }

    /// Select the quantiles now (the costly part of [`Dist::report`]: distributions can
    /// settle on several threads before a report). A derived distribution
    /// ([`Dist::derived`]) settles with its source ([`Dist::settle_with`]) instead.
    pub fn settle(&mut self) {
        if self.settled.is_none() && self.stored {
            self.settle_ranks(None);
        }
    }

    /// [`Dist::settle`], and the quantiles of `derived`: a [`Dist::derived`] distribution
    /// given `c / x` (when finite) for each value `x >= 0` given to this one. `c / x`
    /// decreases as `x` grows (rounding keeps the order), so its sorted values are this
    /// one's in reverse, less the smallest whose `c / x` is not finite: its quantiles
    /// come from ranks of these values, selected in the same pass, with the same bits as
    /// if it had stored its own.
    pub fn settle_with(&mut self, derived: &mut Dist, c: f64) {
        if self.settled.is_none() || derived.settled.is_none() {
            derived.settled = Some(self.settle_ranks(Some((derived.count, c))));
        }
    }

    /// Select this distribution's quantiles, and those of `c / x` over the values when
    /// `mirror` is `Some((count, c))` (`count`: how many of them are finite), returned.
    fn settle_ranks(&mut self, mirror: Option<(u64, f64)>) -> [Option<f64>; 3] {
        self.combine();
        let n = self.kept();
        let plan = |m: usize| -> Vec<Plan> {
            match m {
                0 => Vec::new(),
                _ => QUANTILES.iter().map(|&q| linear_ranks(m, q)).collect(),
            }
        };
        let own = plan(n);
        // Rank `r` of the images is rank `n − 1 − r` of the values; the values whose image
        // is not finite (the smallest) have no rank among the images.
        let (count, c) = mirror.unwrap_or((0, 1.0));
        let dropped = if mirror.is_none() || count == self.count {
            0
        } else {
            let inf = |x: f64| !(c / x).is_finite();
            let all = core::iter::once(&self.store).chain(&self.merged);
            all.map(|s| s.values().filter(|&x| inf(x)).count()).sum()
        };
        let m = if mirror.is_some() {
            n.saturating_sub(dropped)
        } else {
            0
        };
        let mirrored: Vec<_> = plan(m)
            .into_iter()
            .map(|(lo, hi, gamma)| (n - 1 - lo, n - 1 - hi, gamma))
            .collect();
        let [own, mirrored] =
            interpolated([(&own[..], &|x| x), (&mirrored[..], &|x| c / x)], |ranks| {
                self.ranked(ranks)
            });
        let three = |v: Vec<f64>| match v[..] {
            [a, b, c] => [Some(a), Some(b), Some(c)],
            _ => [None; 3],
        };
        self.settled = Some(three(own));
        three(mirrored)
    }

    /// The statistics, each value multiplied by `scale` (> 0: e.g. the sample period).
    pub fn report(&mut self, scale: f64) -> DistStats {
        self.settle();
        let q = self.settled.unwrap_or_default();
        let some = |x: f64| (self.count > 0).then_some(x * scale);
        DistStats {
            count: self.count,
            min: some(self.min),
            max: some(self.max),
            mean: some(self.mean),
            std: some(crate::math::sqrt(self.m2 / self.count.max(1) as f64)),
            p50: q[0].map(|v| v * scale),
            p95: q[1].map(|v| v * scale),
            p99: q[2].map(|v| v * scale),
        }
    }
}

impl Merge for Dist {
    /// Chan et al.'s pairwise update: equal to the serial result to rounding (relative
    /// 1e-12 on mean and std); count, extremes and quantiles are exact.
    fn merge(&mut self, later: Self) -> Result<()> {
        if later.count > 0 {
            let n = (self.count + later.count) as f64;
            let d = later.mean - self.mean;
            self.mean += d * later.count as f64 / n;
            self.m2 += later.m2 + d * d * self.count as f64 * later.count as f64 / n;
            self.count += later.count;
            self.min = self.min.min(later.min);
            self.max = self.max.max(later.max);
        }
        self.settled = None;
        // Combined when the quantiles are asked for (see [`Dist::quantiles`]).
        self.merged.push(later.store);
        self.merged.extend(later.merged);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Dist;
    use crate::Merge as _;

    /// Logged parts replayed in order report what one distribution of every value does,
    /// bit for bit (moments included); an overflowed log is an error.
    #[test]
    fn replayed_logs_report_as_one() {
        let value = |i: u64| ((i * 7919) % 1009) as f64 * 0.37 - 40.0;
        let mut whole = Dist::default();
        for i in 0..5000 {
            whole.add(i, value(i));
        }
        let mut total = Dist::default();
        for i in 0..1200 {
            total.add(i, value(i));
        }
        for w in [1200, 1201, 3000, 5000].windows(2) {
            let mut part = Dist::logging();
            for i in w[0]..w[1] {
                part.add(i, value(i));
            }
            total.replay(part).unwrap();
        }
        assert_eq!(total.report(1.0), whole.report(1.0));
        let mut full = Dist::logging();
        for i in 0..(super::LOG_CAP as u64 + 1) {
            full.add(i, 1.0);
        }
        assert!(full.overflowed());
        assert!(total.replay(full).is_err());
    }

    /// Parts merged in order (their stores combined once, at the report) report what one
    /// distribution of every value does for the quantiles, count and extremes, and what
    /// merging them one by one did for the moments.
    #[test]
    fn merged_parts_report_as_one() {
        let value = |i: u64| ((i * 7919) % 1009) as f64 * 0.25 - 40.0;
        // Below and above the size where quantiles are narrowed by buckets across the
        // parts' stores.
        for n in [5000, 300_000] {
            let mut whole = Dist::default();
            for i in 0..n {
                whole.add(i, value(i));
            }
            for cuts in [
                vec![0, n],
                vec![0, 1, n / 2, n],
                vec![0, 700, 701, 3 * n / 5, n - 1, n],
            ] {
                let mut parts = cuts.windows(2).map(|w| {
                    let mut d = Dist::default();
                    for i in w[0]..w[1] {
                        d.add(i, value(i));
                    }
                    d
                });
                let mut total = parts.next().unwrap();
                for p in parts {
                    total.merge(p).unwrap();
                }
                let (a, b) = (total.report(1.0), whole.report(1.0));
                assert_eq!((a.count, a.min, a.max), (b.count, b.min, b.max));
                assert_eq!((a.p50, a.p95, a.p99), (b.p50, b.p95, b.p99), "{cuts:?}");
                // Settled twice, or a value after: the same as fresh.
                total.settle();
                assert_eq!(total.report(1.0).p99, b.p99);
                total.add(n + 9999, 1e6);
                assert_eq!(total.report(1.0).max, Some(1e6));
                if n == 5000 {
                    assert_ne!(total.report(1.0).p99, b.p99);
                }
            }
        }
    }

    /// A derived distribution settled with its source reports the quantiles one storing its
    /// own values (`c / x`, the infinite ones skipped) does, bit for bit: over one part or
    /// merged parts, with zeros among the source's values (infinite images), below and
    /// above the size where the selection narrows by buckets.
    #[test]
    fn derived_quantiles_equal_stored_ones() {
        let value = |i: u64| ((i * 7919) % 1009) as f64 * 0.37;
        let c = 0.8;
        for n in [1u64, 2, 3, 1010, 5000, 300_000] {
            let mut stored = Dist::default();
            for i in 0..n {
                stored.add(i, c / value(i));
            }
            let want = stored.report(1.0);
            for cuts in [vec![0, n], vec![0, n / 3, n], vec![0, 1, n / 2, n]] {
                let mut parts = cuts.windows(2).map(|w| {
                    let (mut d, mut e) = (Dist::default(), Dist::default().derived());
                    for i in w[0]..w[1] {
                        d.add(i, value(i));
                        e.add(i, c / value(i));
                    }
                    (d, e)
                });
                let (mut source, mut derived) = parts.next().unwrap();
                for (d, e) in parts {
                    source.merge(d).unwrap();
                    derived.merge(e).unwrap();
                }
                source.settle_with(&mut derived, c);
                let got = derived.report(1.0);
                assert_eq!(
                    (got.count, got.min, got.max),
                    (want.count, want.min, want.max)
                );
                assert_eq!((got.p50, got.p95, got.p99), (want.p50, want.p95, want.p99));
                // The source's own quantiles are what it reports settled alone.
                let mut alone = source.clone();
                alone.settled = None;
                assert_eq!(source.report(1.0), alone.report(1.0), "{n} {cuts:?}");
            }
        }
    }
}
