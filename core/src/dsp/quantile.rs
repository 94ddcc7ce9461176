//! Quantiles of one channel: exact while the channel is small, a deterministic stratified
//! random sample beyond that.
//!
//! - **Exact** while the channels analysed together hold at most [`EXACT_MAX`] samples
//!   (256 MiB of `f64`; per channel, [`limits`]):
//!   every non-NaN value is kept and the quantiles are selected at the end, interpolated
//!   exactly as numpy's default (`method="linear"`).
//! - **Sampled** beyond that: the channel is cut into strata of `L = ceil(n / SAMPLE_TARGET)`
//!   consecutive samples and one value is kept from each, at a pseudo-random position drawn
//!   from the stratum's index; at most [`SAMPLE_TARGET`] values (32 MiB) per channel, fewer
//!   with more than eight channels (a budget of [`SAMPLE_BUDGET`] values in all, at least
//!   [`SAMPLE_MIN`] per channel, where the standard error is at most 0.1%). Stratified
//!   sampling has at most the variance of simple random sampling, so the standard error of
//!   a sample quantile's rank is at most `sqrt(q(1-q)/m) <= 0.5/sqrt(m)`, 0.024% for
//!   `m = 2^22`: the documented bound of **0.1% rank error is more than 4 standard errors**
//!   (a miss probability below 1e-4 per quantile). The random position within each stratum
//!   keeps periodic signals from aliasing with the stride.
//!
//! - **Thinned**, for inputs of unknown length: index `i` is kept while the hash of `i` has
//!   at least `level` trailing zero bits. `level` starts at 0 (every value: exact) and, once
//!   the channel passes [`EXACT_MAX`] values, rises to the smallest level that keeps at most
//!   `2 * SAMPLE_TARGET` values (a Bernoulli sample of 4–8 Mi values). The level is a function
//!   of the final data only, so splits and merges agree.
//!
//! The sample is a pure function of the sample **indices**, never of the chunking or the
//! thread split, and quantiles are selected from the merged multiset, so chunked, parallel
//! and serial runs — native or wasm — give identical results.

use alloc::vec::Vec;

use crate::{Merge, Result};

/// Values kept for exact quantiles, over all channels analysed together (256 MiB of
/// `f64`): a lone channel is exact up to 32 Mi samples, two channels up to 16 Mi each.
pub const EXACT_MAX: u64 = (256 << 20) / 8;
/// Most values kept per channel by the sampled modes.
pub const SAMPLE_TARGET: u64 = 1 << 22;
/// Values kept by the sampled modes over all channels (256 MiB): with more than eight
/// channels each keeps `SAMPLE_BUDGET / channels`, but never fewer than [`SAMPLE_MIN`].
pub const SAMPLE_BUDGET: u64 = 1 << 25;
/// Fewest values a sampled channel keeps (rank standard error ≤ 0.1%).
pub const SAMPLE_MIN: u64 = 1 << 18;

/// The per-channel (exact limit, sample size) when `channels` channels are analysed.
pub fn limits(channels: usize) -> (u64, u64) {
    let n = (channels as u64).max(1);
    (
        EXACT_MAX / n,
        (SAMPLE_BUDGET / n).clamp(SAMPLE_MIN, SAMPLE_TARGET),
    )
}

/// Kept values gathered before they are appended to the store (sampled mode).
const KEEP_BATCH: usize = 64;

/// How a channel's quantiles are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QuantileMode {
    /// Every value is kept.
    Exact,
    /// One value is kept from each stratum of this many consecutive samples.
    Sampled(u64),
    /// Length unknown: indices whose hash has at least this many trailing zeros are kept.
    Thinned(u32),
}

impl QuantileMode {
    /// The mode for a channel of `samples` samples, under `limits` ([`limits`]).
    pub fn for_len(samples: u64, (exact_max, sample): (u64, u64)) -> Self {
        if samples == crate::kernel::UNKNOWN_SAMPLES {
            QuantileMode::Thinned(0)
        } else if samples <= exact_max {
            QuantileMode::Exact
        } else {
            QuantileMode::Sampled(samples.div_ceil(sample))
        }
    }
}

/// splitmix64's finaliser: a well-mixed 64-bit hash.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The high 64 bits of the 128-bit product `a * b`.
#[cfg(target_pointer_width = "64")]
#[inline]
fn mul_high(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) >> 64) as u64
}

/// The high 64 bits of the 128-bit product `a * b` on 32-bit targets (wasm32), where a
/// `u128` product is a call to a compiler-rt routine (LLVM turns the four-product form
/// from 32-bit halves back into that call).
#[cfg(not(target_pointer_width = "64"))]
#[inline]
fn mul_high(a: u64, b: u64) -> u64 {
    mul_high_narrow(a, b).unwrap_or_else(|| ((u128::from(a) * u128::from(b)) >> 64) as u64)
}

/// The high 64 bits of `a * b` in two inlined 64-bit products when `b < 2^32` (a stride
/// always is, in practice): with `a = 2^32 a_hi + a_lo`, it is
/// `(a_hi b + (a_lo b >> 32)) >> 32`, exact (neither sum overflows).
#[cfg(any(test, not(target_pointer_width = "64")))]
#[inline]
fn mul_high_narrow(a: u64, b: u64) -> Option<u64> {
    const LOW: u64 = 0xFFFF_FFFF;
    (b <= LOW).then(|| ((a >> 32) * b + (((a & LOW) * b) >> 32)) >> 32)
}

/// Call `keep(i)` for the kept absolute index `i` of each stratum of `stride` samples that
/// falls in `start .. end`.
fn for_each_kept(stride: u64, start: u64, end: u64, mut keep: impl FnMut(u64)) {
    if start >= end {
        return;
    }
    // An exclusive range (cannot overflow: `stride >= 1` and `end - 1 < u64::MAX`) makes a
    // simpler loop than `..=`.
    for stratum in start / stride..(end - 1) / stride + 1 {
        let offset = mul_high(mix(stratum), stride);
        let i = stratum * stride + offset;
        if (start..end).contains(&i) {
            keep(i);
        }
    }
}

/// An integer key that orders like `f64::total_cmp`: selecting on keys costs an integer
/// comparison instead of a float transform per comparison. Its own inverse.
fn key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The value of a [`key`].
fn value(key: i64) -> f64 {
    f64::from_bits((key ^ (((key >> 63) as u64) >> 1) as i64) as u64)
}

/// The values a channel's quantiles are selected from.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileStore {
    mode: QuantileMode,
    /// Order keys ([`key`]) of the kept values.
    values: Vec<i64>,
    /// In thinned mode, the trailing zeros of each kept index's hash.
    zeros: Vec<u8>,
    /// Per-channel exact limit and sample size ([`limits`]).
    limits: (u64, u64),
    /// The channel's length when known (0 otherwise): sampled mode reserves room for the
    /// values it will keep once, instead of doubling its way there.
    samples: u64,
}

impl QuantileStore {
    /// A store for one of `channels` channels of `samples` samples each.
    pub fn new(samples: u64, channels: usize) -> Self {
        let limits = limits(channels);
        QuantileStore {
            limits,
            samples,
            ..Self::with_mode(QuantileMode::for_len(samples, limits))
        }
    }

    /// A store using `mode` whatever the channel length.
    pub fn with_mode(mode: QuantileMode) -> Self {
        QuantileStore {
            mode,
            values: Vec::new(),
            zeros: Vec::new(),
            limits: (EXACT_MAX, SAMPLE_TARGET),
            samples: 0,
        }
    }

    /// The mode in use.
    pub fn mode(&self) -> QuantileMode {
        self.mode
    }

    /// Whether the quantiles come from every value.
    pub fn is_exact(&self) -> bool {
        matches!(self.mode, QuantileMode::Exact | QuantileMode::Thinned(0))
    }

    /// Number of values kept.
    pub fn len(&self) -> u64 {
        self.values.len() as u64
    }

    /// Make room for `additional` more kept values at once, so that a store whose size is
    /// known roughly in advance does not double its way there (each outgrown copy is fresh
    /// memory to fault in, then left behind).
    pub fn reserve(&mut self, additional: usize) {
        self.values.reserve_exact(additional);
        if matches!(self.mode, QuantileMode::Thinned(_)) {
            self.zeros.reserve_exact(additional);
        }
    }

    /// Whether no value is kept.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Add samples whose absolute indices are `start .. start + xs.len()`.
    pub fn add(&mut self, start: u64, xs: &[f64]) {
        match self.mode {
            QuantileMode::Exact => self
                .values
                .extend(xs.iter().filter(|x| !x.is_nan()).map(|&x| key(x))),
            QuantileMode::Thinned(level) => {
                for (i, &x) in (start..).zip(xs) {
                    self.keep_thinned(level, i, x);
                }
                self.thin();
            }
            QuantileMode::Sampled(stride) => {
                if self.values.capacity() == 0 && self.samples > start {
                    // One value per stratum from here on: at most the sample size
                    // ([`limits`]), so a bounded reservation.
                    let strata = self.samples.div_ceil(stride) - start / stride;
                    let room = strata.min(self.limits.1);
                    self.values
                        .reserve_exact(usize::try_from(room).unwrap_or(0));
                }
                // Kept keys gather in a local batch appended a batch at a time: a `push`
                // per value reloads and stores the vector's length each time (the store
                // into its buffer may alias it).
                let values = &mut self.values;
                let mut batch = [0i64; KEEP_BATCH];
                let mut n = 0;
                for_each_kept(stride, start, start + xs.len() as u64, |i| {
                    let x = xs[(i - start) as usize];
                    if !x.is_nan() {
                        batch[n] = key(x);
                        n += 1;
                        if n == KEEP_BATCH {
                            values.extend_from_slice(&batch);
                            n = 0;
                        }
                    }
                });
                values.extend_from_slice(&batch[..n]);
            }
        }
    }

    /// [`Self::add`] of one value `x` of absolute index `i`, without the slice loop: the
    /// per-cycle measurements add their values one at a time.
    #[inline]
    pub fn add_one(&mut self, i: u64, x: f64) {
        let QuantileMode::Thinned(level) = self.mode else {
            self.add(i, &[x]);
            return;
        };
        self.keep_thinned(level, i, x);
        self.thin();
    }

    /// Thinned mode at `level`: keep `x` (of absolute index `i`) when it is not NaN and its
    /// index's hash has at least `level` trailing zeros.
    #[inline(always)]
    fn keep_thinned(&mut self, level: u32, i: u64, x: f64) {
        let zeros = mix(i).trailing_zeros().min(63) as u8;
        if !x.is_nan() && u32::from(zeros) >= level {
            self.values.push(key(x));
            self.zeros.push(zeros);
        }
    }

    /// Thinned mode: raise the level to the smallest that respects the bounds (the check
    /// inline, the raise out of line).
    #[inline]
    fn thin(&mut self) {
        let QuantileMode::Thinned(level) = self.mode else {
            return;
        };
        let (exact_max, target_len) = self.limits;
        // Every kept value is at `level` or above, so `len` is what the level keeps: only
        // a bound crossed needs work (amortised: each raise halves the values).
        let bound = if level == 0 {
            exact_max
        } else {
            2 * target_len
        };
        if self.len() > bound {
            self.raise_level(level, target_len);
        }
    }

    /// Thinned mode, over its bound at `level`: the smallest level that keeps at most
    /// twice `target_len` values.
    #[inline(never)]
    fn raise_level(&mut self, level: u32, target_len: u64) {
        let kept = |level: u32| {
            self.zeros
                .iter()
                .filter(|&&z| u32::from(z) >= level)
                .count() as u64
        };
        let mut target = level.max(1);
        while kept(target) > 2 * target_len {
            target += 1;
        }
        if target != level {
            self.retain_level(target);
        }
    }

    /// Thinned mode: keep only the values of `level` and above.
    fn retain_level(&mut self, level: u32) {
        let mut k = 0;
        for j in 0..self.values.len() {
            if u32::from(self.zeros[j]) >= level {
                self.values[k] = self.values[j];
                self.zeros[k] = self.zeros[j];
                k += 1;
            }
        }
        self.values.truncate(k);
        self.zeros.truncate(k);
        self.mode = QuantileMode::Thinned(level);
    }

    /// The `qs` quantiles (each in 0..=1, increasing), numpy's linear interpolation, or
    /// `None` when no value was kept. Reorders the kept values.
    pub fn quantiles(&mut self, qs: &[f64]) -> Vec<Option<f64>> {
        quantiles_of(&mut [&mut self.values[..]], qs)
    }

    /// The kept values of all `stores` together at `ranks` (increasing, distinct, each
    /// below the number of kept values) in their sorted order, as one store holding them
    /// would give them: for stores that kept every value they were given
    /// ([`Self::kept_all`]), whose union is selected from without being copied into one
    /// (only the keys near each rank are). Reorders the kept values.
    pub fn ranked_of_all(stores: &mut [QuantileStore], ranks: &[usize]) -> Vec<f64> {
        let mut parts: Vec<&mut [i64]> = stores.iter_mut().map(|s| &mut s.values[..]).collect();
        let keys = select_ranks_below(&mut parts, ranks, 0);
        keys.into_iter().map(value).collect()
    }

    /// The kept values, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().map(|&k| value(k))
    }

    /// Whether the store holds every value it was given (exact mode, or thinned mode that
    /// has not thinned yet).
    pub fn kept_all(&self) -> bool {
        matches!(self.mode, QuantileMode::Exact | QuantileMode::Thinned(0))
    }
}

/// The `qs` quantiles of the keys of all `parts` (see [`QuantileStore::quantiles`]).
fn quantiles_of(parts: &mut [&mut [i64]], qs: &[f64]) -> Vec<Option<f64>> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    if n == 0 {
        return qs.iter().map(|_| None).collect();
    }
    let plan: Vec<Plan> = qs.iter().map(|&q| linear_ranks(n, q)).collect();
    let [q] = interpolated([(&plan[..], &|x| x)], |ranks| {
        let keys = select_ranks_below(parts, ranks, 0);
        keys.into_iter().map(value).collect()
    });
    q.into_iter().map(Some).collect()
}

/// Ranks `lo` and `hi` and the weight `gamma` of `hi` of one quantile ([`linear_ranks`]).
pub type Plan = (usize, usize, f64);

/// Plans, and the map `f` of the selected values whose ranks they name (see
/// [`interpolated`]).
pub type PlanSet<'a> = (&'a [Plan], &'a dyn Fn(f64) -> f64);

/// Quantiles of several plans ([`linear_ranks`]) from one selection: `select` gets the
/// ranks they all need (increasing, distinct) and returns the values at them; each plan
/// then interpolates (numpy's `_lerp`) its `f` of those values. `f` maps the selected
/// values to the ones whose ranks the plan names: e.g. `c / x`, whose rank `r` is the
/// values' rank `n − 1 − r`.
pub fn interpolated<const K: usize>(
    plans: [PlanSet<'_>; K],
    select: impl FnOnce(&[usize]) -> Vec<f64>,
) -> [Vec<f64>; K] {
    let all = plans.iter().flat_map(|(p, _)| p.iter());
    let mut ranks: Vec<usize> = all.flat_map(|&(lo, hi, _)| [lo, hi]).collect();
    ranks.sort_unstable();
    ranks.dedup();
    let values = select(&ranks);
    let at = |rank: usize| values[ranks.partition_point(|&r| r < rank)];
    plans.map(|(plan, f)| {
        plan.iter()
            .map(|&(lo, hi, gamma)| lerp(f(at(lo)), f(at(hi)), gamma))
            .collect()
    })
}

/// numpy's "linear" method for quantile `q` of `n > 0` values: virtual index `(n − 1)·q`,
/// clamped to the ends; the values of ranks `lo` and `hi = lo + 1` (clamped) are
/// interpolated by `gamma` (numpy's `_lerp`). Returns `(lo, hi, gamma)`.
pub fn linear_ranks(n: usize, q: f64) -> Plan {
    let virtual_index = (n - 1) as f64 * q;
    let (lo, gamma) = if virtual_index < 0.0 {
        (0, 0.0)
    } else if virtual_index >= (n - 1) as f64 {
        (n - 1, 0.0)
    } else {
        let f = crate::math::floor(virtual_index);
        (f as usize, virtual_index - f)
    };
    (lo, (lo + 1).min(n - 1), gamma)
}

/// Fewest keys for which [`select_ranks_below`] narrows the candidates with a histogram first.
const RADIX_MIN: usize = 1 << 16;
/// Most leading bits of a key that pick its histogram bucket.
const RADIX_BITS: u32 = 16;

/// Leading bits of a key that pick its bucket among `n` keys: about 32 keys per bucket,
/// 256 to 2^[`RADIX_BITS`] buckets (a table much larger than the keys costs more to clear
/// and scan than it saves).
fn radix_bits(n: usize) -> u32 {
    (usize::BITS - n.leading_zeros())
        .saturating_sub(5)
        .clamp(8, RADIX_BITS)
}

/// The keys of `ranks` (increasing, each below the number of keys) in the sorted order of
/// the keys of all `parts` together (reordered meanwhile), whose leading `shift` bits (of
/// [`key`] as an unsigned order) are all the same.
///
/// A rank's key is unique, however it is found. Many keys are narrowed first: one pass
/// counts the keys per bucket of their leading bits ([`radix_bits`]; buckets are ranges of
/// keys, in order), which gives each rank's bucket and its rank within it; a second pass
/// gathers the keys of those few buckets, each bucket on its own, and each bucket's ranks
/// are selected among its keys alone, narrowed again by the next bits when it is still
/// large (`select_nth_unstable` on the whole store took most of the statistics' `finish`).
/// The parts are never copied into one, except when the keys are too few or too narrow
/// for buckets ([`select_each_of`]).
fn select_ranks_below(parts: &mut [&mut [i64]], ranks: &[usize], shift: u32) -> Vec<i64> {
    let n: usize = parts.iter().map(|p| p.len()).sum();
    let bits = radix_bits(n);
    let buckets = 1usize << bits;
    if n < RADIX_MIN || u32::try_from(n).is_err() || shift + bits > 64 {
        return select_each_of(parts, ranks);
    }
    // Keys as unsigned numbers in the same order.
    let order = |k: i64| k as u64 ^ (1 << 63);
    // Skip the leading bits every key shares: on narrow data (a per-cycle period, say) they
    // would put every key in one bucket, and the selection would fall back to the whole.
    let keys = || parts.iter().flat_map(|p| p.iter().copied());
    let (lo, hi) = keys().fold((u64::MAX, 0), |(lo, hi), k| {
        let k = order(k);
        (lo.min(k), hi.max(k))
    });
    if lo == hi {
        return alloc::vec![lo as i64 ^ i64::MIN; ranks.len()];
    }
    let shift = shift.max((lo ^ hi).leading_zeros().min(64 - bits));
    let bucket = |k: i64| ((order(k) << shift) >> (64 - bits)) as usize & (buckets - 1);
    let mut table = alloc::vec![0u32; buckets];
    for part in parts.iter() {
        for &k in part.iter() {
            table[bucket(k)] += 1;
        }
    }
    // The buckets holding the ranks, with their ranks counted from the bucket's start.
    let mut wanted: Vec<(usize, Vec<usize>)> = Vec::with_capacity(ranks.len());
    let (mut b, mut below) = (0, 0usize);
    for &r in ranks {
        while b < buckets && below + table[b] as usize <= r {
            below += table[b] as usize;
            b += 1;
        }
        match wanted.last_mut() {
            Some((w, local)) if *w == b => local.push(r - below),
            _ => wanted.push((b, alloc::vec![r - below])),
        }
    }
    let size = |b: usize| table.get(b).map_or(0, |&c| c as usize);
    let near: usize = wanted.iter().map(|&(b, _)| size(b)).sum();
    if near > n / 2 || wanted.len() >= usize::from(u8::MAX) {
        // Narrow data (a few buckets hold most keys): selecting on the whole is cheaper.
        return select_each_of(parts, ranks);
    }
    // Bucket → 1 + its slot in `wanted` (0: not wanted).
    let mut slot = alloc::vec![0u8; buckets];
    let mut gathered: Vec<Vec<i64>> = Vec::with_capacity(wanted.len());
    for (i, &(b, _)) in wanted.iter().enumerate() {
        if let Some(s) = slot.get_mut(b) {
            *s = i as u8 + 1;
        }
        gathered.push(Vec::with_capacity(size(b)));
    }
    for part in parts.iter() {
        for &k in part.iter() {
            let s = slot[bucket(k)] as usize;
            if let Some(g) = s.checked_sub(1).and_then(|i| gathered.get_mut(i)) {
                g.push(k);
            }
        }
    }
    let mut found = Vec::with_capacity(ranks.len());
    for (g, (_, local)) in gathered.iter_mut().zip(&wanted) {
        found.extend(select_ranks_below(&mut [&mut g[..]], local, shift + bits));
    }
    found
}

/// [`select_each`] of the keys of all `parts` together: in place when there is one part,
/// else in a copy of them all.
fn select_each_of(parts: &mut [&mut [i64]], ranks: &[usize]) -> Vec<i64> {
    match parts {
        [one] => select_each(one, ranks),
        _ => select_each(&mut parts.concat(), ranks),
    }
}

/// The keys of `ranks` (increasing) in the sorted order of `keys`, each selected among the
/// keys above the previous one.
fn select_each(keys: &mut [i64], ranks: &[usize]) -> Vec<i64> {
    let mut sel = Selector {
        rest: keys,
        offset: 0,
        picked: Vec::new(),
    };
    ranks.iter().map(|&r| sel.select(r)).collect()
}

/// Selects values by rank, for ranks requested in non-decreasing order.
struct Selector<'a> {
    /// The keys of ranks `offset ..`, in any order.
    rest: &'a mut [i64],
    offset: usize,
    /// The ranks selected so far, with their keys.
    picked: Vec<(usize, i64)>,
}

impl Selector<'_> {
    fn select(&mut self, k: usize) -> i64 {
        if let Some(&(_, key)) = self.picked.iter().find(|(rank, _)| *rank == k) {
            return key;
        }
        debug_assert!(
            k >= self.offset,
            "ranks must be requested in increasing order"
        );
        let slice = core::mem::take(&mut self.rest);
        let (_, &mut found, above) = slice.select_nth_unstable(k - self.offset);
        self.rest = above;
        self.offset = k + 1;
        self.picked.push((k, found));
        found
    }
}

/// numpy's `_lerp`: `a + (b - a) * t`, computed from `b` for `t >= 0.5`.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

impl Merge for QuantileStore {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.values.extend_from_slice(&later.values);
        if self.mode != QuantileMode::Exact {
            self.zeros.extend_from_slice(&later.zeros);
        }
        if let (QuantileMode::Thinned(a), QuantileMode::Thinned(b)) = (self.mode, later.mode) {
            self.retain_level(a.max(b));
            self.thin();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{
        key, mix, mul_high_narrow, select_ranks_below, value, QuantileMode, QuantileStore,
        RADIX_MIN,
    };
    use crate::Merge as _;

    fn thinned() -> QuantileStore {
        let mut s = QuantileStore::with_mode(QuantileMode::Thinned(0));
        s.limits = (10_000, 1_000);
        s
    }

    /// One value at a time keeps what a one-value slice keeps, thinning included (and NaN
    /// skipped).
    #[test]
    fn add_one_is_add_of_one_value() {
        let (mut one, mut slice) = (thinned(), thinned());
        for i in 0..30_000u64 {
            let x = if i % 997 == 0 {
                f64::NAN
            } else {
                ((i * 7919) % 30_011) as f64 - 5.0
            };
            one.add_one(i, x);
            slice.add(i, &[x]);
        }
        assert!(!one.is_exact());
        assert_eq!(one, slice);
        let mut exact = QuantileStore::with_mode(QuantileMode::Exact);
        exact.add_one(3, 2.5);
        assert_eq!(exact.len(), 1);
    }

    #[test]
    fn thinned_mode_is_exact_then_samples_independently_of_splits() {
        let xs: Vec<f64> = (0..50_000u64)
            .map(|i| ((i * 7919) % 50_021) as f64)
            .collect();
        let mut small = thinned();
        small.add(0, &xs[..9_000]);
        assert!(small.is_exact() && small.len() == 9_000);
        let mut whole = thinned();
        whole.add(0, &xs);
        assert!(
            !whole.is_exact() && whole.len() <= 2_000 && whole.len() > 500,
            "{}",
            whole.len()
        );
        let mut chunked = thinned();
        for (k, c) in xs.chunks(333).enumerate() {
            chunked.add(k as u64 * 333, c);
        }
        let mut merged = thinned();
        merged.add(0, &xs[..12_345]);
        let mut later = thinned();
        later.add(12_345, &xs[12_345..]);
        merged.merge(later).unwrap();
        let qs = [0.01, 0.5, 0.99];
        let want = whole.quantiles(&qs);
        assert_eq!(want, chunked.quantiles(&qs));
        assert_eq!(want, merged.quantiles(&qs));
        // Within a few percent of the exact ranks for a sample of ~1000.
        for (q, got) in qs.iter().zip(&want) {
            let rank = xs.iter().filter(|&&x| x < got.unwrap()).count() as f64 / xs.len() as f64;
            assert!((rank - q).abs() < 0.03, "q{q}: rank {rank}");
        }
    }

    #[test]
    fn high_product_of_a_narrow_factor_is_the_u128_one() {
        let edges = [
            0,
            1,
            2,
            3,
            0xFFFF_FFFE,
            0xFFFF_FFFF,
            1 << 32,
            u64::MAX - 1,
            u64::MAX,
        ];
        let mixed = (0..10_000u64).map(|i| mix(i) >> (i % 64));
        let xs: Vec<u64> = edges.into_iter().chain(mixed).collect();
        for (i, &a) in xs.iter().enumerate() {
            for &b in xs.iter().skip(i % 97).step_by(97).chain(&edges) {
                let want = ((u128::from(a) * u128::from(b)) >> 64) as u64;
                let got = mul_high_narrow(a, b);
                assert_eq!(got, (b >> 32 == 0).then_some(want), "{a} * {b}");
                let got = mul_high_narrow(b, a);
                assert_eq!(got, (a >> 32 == 0).then_some(want), "{b} * {a}");
            }
        }
    }

    #[test]
    fn radix_selection_finds_the_ranks_of_a_full_sort() {
        let n = RADIX_MIN * 3 + 17;
        let wide: Vec<f64> = (0..n as u64)
            .map(|i| (mix(i) as i64 as f64) * 1e-12)
            .collect();
        let offset: Vec<f64> = (0..n as u64)
            .map(|i| 2.5 + ((mix(i) >> 40) as f64) * 1e-8)
            .collect();
        let two: Vec<f64> = (0..n as u64).map(|i| (mix(i) & 1) as f64).collect();
        let zeros: Vec<f64> = (0..n as u64)
            .map(|i| if mix(i) & 1 == 0 { 0.0 } else { -0.0 })
            .collect();
        let skewed: Vec<f64> = (0..n as u64)
            .map(|i| if i % 100 == 0 { 1e300 } else { -(i as f64) })
            .collect();
        // The middle ranks in one bucket of 40% of the keys: narrowed again by the next bits.
        let nested: Vec<f64> = (0..n as u64)
            .map(|i| {
                if i % 10 < 4 {
                    1.0 + ((mix(i) >> 30) as f64) * 1e-12
                } else {
                    (mix(i) as i64 as f64) * 1e-3
                }
            })
            .collect();
        // Narrow data: every key shares its leading bits (skipped before bucketing).
        let narrow: Vec<f64> = (0..n as u64)
            .map(|i| -1000.0 - ((mix(i) >> 44) as f64) * 1e-9)
            .collect();
        let constant = vec![7.25; n];
        for xs in [wide, offset, two, zeros, skewed, nested, narrow, constant] {
            let mut keys: Vec<i64> = xs.iter().map(|&x| key(x)).collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let ranks = [
                0,
                1,
                n / 2,
                n / 2 + 1,
                n * 95 / 100,
                n * 99 / 100,
                n - 2,
                n - 1,
            ];
            let want: Vec<i64> = ranks.iter().map(|&r| sorted[r]).collect();
            assert_eq!(select_ranks_below(&mut [&mut keys[..]], &ranks, 0), want);
            // The same keys in uneven parts.
            let mut keys2 = keys.clone();
            let (a, rest) = keys2.split_at_mut(keys.len() / 3);
            let (b, c) = rest.split_at_mut(7);
            assert_eq!(select_ranks_below(&mut [a, b, c], &ranks, 0), want);
        }
    }

    #[test]
    fn sampled_quantiles_match_a_full_sort() {
        let n = 1u64 << 20;
        let xs: Vec<f64> = (0..n)
            .map(|i| ((i as f64) * 0.001).sin() + ((mix(i) >> 44) as f64) * 1e-6)
            .collect();
        let mut store = QuantileStore::with_mode(QuantileMode::Sampled(4));
        store.add(0, &xs);
        let mut kept: Vec<f64> = store.values.iter().map(|&k| value(k)).collect();
        kept.sort_by(f64::total_cmp);
        let m = kept.len();
        assert!(m >= RADIX_MIN);
        let qs = [0.0, 0.5, 0.95, 0.99, 1.0];
        let got = store.quantiles(&qs);
        for (q, got) in qs.iter().zip(got) {
            let v = (m - 1) as f64 * q;
            let lo = v.floor() as usize;
            let hi = (lo + 1).min(m - 1);
            let want = super::lerp(kept[lo], kept[hi], v - v.floor());
            assert_eq!(got.map(f64::to_bits), Some(want.to_bits()), "q{q}");
        }
    }

    #[test]
    fn keys_order_like_total_cmp_and_invert() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.5,
            -0.0,
            0.0,
            1e-310,
            2.0,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} < {}", w[0], w[1]);
        }
        for x in xs {
            assert_eq!(value(key(x)).to_bits(), x.to_bits());
        }
    }
}
