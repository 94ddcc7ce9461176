//! Fast paths of the [`PulseTracker`]: a *run* is a stretch of finite samples that all
//! stay in the current state (a *steady* run: at or beyond its reference level) or all lie
//! strictly between the lower and upper reference levels (a *transit* run, which cannot
//! complete a transition). Over a run the per-sample state machine only tracks extremes,
//! the last crossing of the 50 % level and the pre-transition deque, so a run is handled
//! with comparison loops and a few updates at its ends. Every result equals the
//! per-sample machine's bit for bit: the deque receives the run's suffix minima (what
//! per-sample pushes leave), and a run whose extreme is ±0 (where `f64::max`/`min` may
//! pick either zero) falls back to the per-sample updates.

use super::{cross, PulseTracker, RefLevels, State, PRE_CAP, RUN_MAX};
use crate::measure::sample::{CodeValues, Sample};

/// How many leading samples of `xs` satisfy `keep` (checked 32, then 8 at a time
/// without early exit, so the check vectorises and one branch covers several vectors).
#[inline(always)]
fn leading<S: Sample>(xs: &[S], keep: impl Fn(S) -> bool) -> usize {
    let mut n = 0;
    for c in xs.chunks_exact(32) {
        if c.iter().fold(true, |all, &x| all & keep(x)) {
            n += 32;
        } else {
            break;
        }
    }
    for c in xs[n..].chunks_exact(8) {
        if c.iter().fold(true, |all, &x| all & keep(x)) {
            n += 8;
        } else {
            break;
        }
    }
    n + xs[n..].iter().take_while(|&&x| keep(x)).count()
}

/// (min, max) of `xs` (finite, non-empty; see [`Sample::extremes`]).
#[inline(always)]
fn extremes<S: Sample>(xs: &[S]) -> (S, S) {
    S::extremes(xs)
}

/// (min, max) of `s · x` over the values of `xs` (`s` is ±1: negation is exact; values
/// increase with the samples).
#[inline]
fn extremes_of<S: Sample>(xs: &[S], s: f64, codes: &CodeValues) -> (f64, f64) {
    let (lo, hi) = extremes(xs);
    let (lo, hi) = (lo.value(codes), hi.value(codes));
    if s > 0.0 {
        (lo, hi)
    } else {
        (-hi, -lo)
    }
}

/// How many of the `len` samples from index `start` are inside a region ending at
/// `until` (`i as f64 <= until`, monotone in `i`, so a prefix).
fn inside_len(start: u64, len: usize, until: f64) -> usize {
    if len == 0 || start as f64 > until {
        return 0;
    }
    if (start + len as u64 - 1) as f64 <= until {
        return len;
    }
    // Binary search of the monotone test.
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if (start + mid as u64) as f64 <= until {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl PulseTracker {
    /// The bounds `(lo, hi)` of the reference levels in the sample type: `x <= low` is
    /// `x <= lo` and `x >= high` is `x >= hi` (also for `f32` and code keys); `None` when
    /// the sample type cannot express them (code keys whose values all lie beyond a
    /// level: the per-sample machine then runs alone).
    pub(super) fn run_bounds<S: Sample>(&self) -> Option<(S, S)> {
        let codes = &self.codes;
        Some((
            S::at_most(self.lv.low, codes)?,
            S::at_least(self.lv.high, codes)?,
        ))
    }

    /// Handle the run at the start of `xs` (first index `start`) on a fast path and return
    /// its length; 0 when `xs[0]` needs the per-sample machine. `(lo, hi)` are
    /// [`Self::run_bounds`].
    pub(super) fn run<S: Sample>(&mut self, start: u64, xs: &[S], (lo, hi): (S, S)) -> usize {
        let xs = &xs[..xs.len().min(RUN_MAX)];
        let steady = match self.state {
            State::Unknown => return 0,
            State::Low => leading(xs, |x| x <= lo && x >= S::LOWEST),
            State::High => leading(xs, |x| x >= hi && x <= S::HIGHEST),
        };
        if steady > 0 {
            self.steady(start, &xs[..steady]);
            return steady;
        }
        let transit = leading(xs, |x| x > lo && x < hi);
        if transit > 0 {
            self.transit(start, &xs[..transit]);
        }
        transit
    }

    /// A steady run: no transition starts; every region sample is at or beyond the
    /// region's threshold.
    fn steady<S: Sample>(&mut self, start: u64, run: &[S]) {
        self.start = None;
        self.mid = None;
        if let Some(mut r) = self.region.take() {
            let inside = inside_len(start, run.len(), r.until);
            r.min = r.min.min(r.pend);
            r.pend = f64::INFINITY;
            if inside > 0 {
                let (lo, hi) = extremes_of(&run[..inside], r.s, &self.codes);
                if lo == 0.0 || hi == 0.0 {
                    for &x in &run[..inside] {
                        let y = r.s * self.value(x);
                        r.max = r.max.max(y);
                        r.min = r.min.min(y);
                    }
                } else {
                    r.max = r.max.max(hi);
                    r.min = r.min.min(lo);
                }
            }
            if inside < run.len() {
                self.close(r);
            } else {
                self.region = Some(r);
            }
        }
        self.set_prev(start, run);
    }

    /// A transit run: between the reference levels, so no transition completes; every
    /// region sample is a dip below the region's threshold.
    fn transit<S: Sample>(&mut self, start: u64, run: &[S]) {
        let RefLevels { low, mid, high, .. } = self.lv;
        let rising = self.state == State::Low;
        let (pi, p) = self.prev;
        let at = |j: usize| start + j as u64;
        // Only the first sample can leave the state's side (the others follow a sample
        // inside the band).
        if rising && p <= low {
            self.start = Some(cross(pi, p, start, self.value(run[0]), low));
        } else if !rising && p >= high {
            self.start = Some(cross(pi, p, start, self.value(run[0]), high));
        }
        // The last crossing of the 50 % level in the run wins: within the run (found 8
        // pairs at a time, backwards), else from the previous sample into the first.
        match last_crossing(run, rising, mid, &self.codes) {
            Some(j) => {
                let (q, x) = (self.value(run[j - 1]), self.value(run[j]));
                self.mid = Some(cross(at(j - 1), q, at(j), x, mid));
            }
            None => {
                let x = self.value(run[0]);
                let crossed = if rising {
                    p < mid && x >= mid
                } else {
                    p > mid && x <= mid
                };
                if crossed {
                    self.mid = Some(cross(pi, p, start, x, mid));
                }
            }
        }
        if let Some(mut r) = self.region.take() {
            let inside = inside_len(start, run.len(), r.until);
            if inside > 0 {
                let (lo, _) = extremes_of(&run[..inside], r.s, &self.codes);
                if lo == 0.0 {
                    for &x in &run[..inside] {
                        r.pend = r.pend.min(r.s * self.value(x));
                    }
                } else {
                    r.pend = r.pend.min(lo);
                }
            }
            if inside < run.len() && r.pend == f64::INFINITY {
                self.close(r);
            } else {
                self.region = Some(r);
            }
        }
        self.set_prev(start, run);
    }

    fn set_prev<S: Sample>(&mut self, start: u64, run: &[S]) {
        let last = run.len() - 1;
        self.prev = (start + last as u64, self.value(run[last]));
    }

    /// Push the samples `pend` (indices from `at`, in the current state) to the
    /// pre-transition deque, as the per-sample machine would have (non-finite ones are
    /// skipped), at most [`RUN_MAX`] at a time.
    pub(super) fn flush_pre<S: Sample>(&mut self, at: u64, pend: &[S]) {
        if pend.is_empty() || self.state == State::Unknown {
            return;
        }
        for (c, piece) in pend.chunks(RUN_MAX).enumerate() {
            let at = at + (c * RUN_MAX) as u64;
            if piece.iter().fold(true, |all, x| all & x.finite()) {
                self.push_pre_run(at, piece);
            } else {
                let neg = self.state == State::High;
                for (i, &x) in (at..).zip(piece) {
                    if x.finite() {
                        let v = self.value(x);
                        self.push_pre(i, if neg { -v } else { v });
                    }
                }
            }
        }
    }

    /// The pre-transition minimum of the transition completing at `i`: the value of the
    /// deque's first entry from index `from` on (else its last), the samples `pend` from
    /// `pend_start` to `i` included as if pushed. Pushes pop the entries `>=` a new value,
    /// so that entry is the last occurrence of the minimum from `from` on: the smaller of
    /// the deque's first entry from `from` on and the pending minimum (the pending one on
    /// a tie). The cap drops an entry only after 4096 later pushes, so when
    /// `i - from <= PRE_CAP` that entry is still there: it is found without pushing the
    /// pending samples (otherwise they are pushed first).
    pub(super) fn pre_min<S: Sample>(
        &mut self,
        i: u64,
        from: u64,
        pend_start: u64,
        pend: &[S],
    ) -> Option<f64> {
        let neg = self.state == State::High;
        if pend.is_empty() || i.saturating_sub(from) > PRE_CAP as u64 {
            self.flush_pre(pend_start, pend);
            let at = self.pre.partition_point(|&(j, _)| j < from);
            return self.pre.get(at).or(self.pre.back()).map(|&(_, v)| v);
        }
        let skip = usize::try_from(from.saturating_sub(pend_start))
            .map_or(pend.len(), |s| s.min(pend.len()));
        let pending = last_min(&pend[skip..], neg, &self.codes);
        // Deque entries from `from` on (none when `from` is past them all).
        let at = self.pre.partition_point(|&(j, _)| j < from);
        let kept = self.pre.get(at).map(|&(_, v)| v);
        match (pending, kept) {
            (Some(p), Some(d)) => Some(if p <= d { p } else { d }),
            (Some(p), None) => Some(p),
            (None, Some(d)) => Some(d),
            (None, None) => {
                // Nothing from `from` on: the last value pushed.
                match pend.iter().rev().find(|x| x.finite()) {
                    Some(&x) => Some(if neg { -self.value(x) } else { self.value(x) }),
                    None => self.pre.back().map(|&(_, v)| v),
                }
            }
        }
    }

    /// `push_pre` of every sample of a run (`x` in the low state, `−x` in the high one).
    /// Per-sample pushes leave the older entries below the run's minimum followed by the
    /// run's values that are below every later one; when the deque cannot reach its cap
    /// within the run, that is computed directly.
    fn push_pre_run<S: Sample>(&mut self, start: u64, run: &[S]) {
        if self.state == State::High {
            self.push_pre_values::<S, true>(start, run);
        } else {
            self.push_pre_values::<S, false>(start, run);
        }
    }

    /// [`Self::push_pre_run`] of the values `x` (`−x` when `NEG`). Samples compare in
    /// their own type, mirrored when `NEG` (`−x < −m` is `x > m`); values are negated
    /// only once mapped to `f64`.
    fn push_pre_values<S: Sample, const NEG: bool>(&mut self, start: u64, run: &[S]) {
        let codes = self.codes;
        let value = |x: S| {
            let v = x.value(&codes);
            if NEG {
                -v
            } else {
                v
            }
        };
        if self.pre.len() + run.len() > PRE_CAP {
            for (i, &x) in (start..).zip(run) {
                self.push_pre(i, value(x));
            }
            return;
        }
        if increasing(run, NEG) {
            // Every value is below all later ones (a transit run, typically): all stay.
            let m = value(run[0]);
            while self.pre.back().is_some_and(|&(_, v)| v >= m) {
                self.pre.pop_back();
            }
            self.pre
                .extend((start..).zip(run).map(|(i, &x)| (i, value(x))));
            return;
        }
        // The suffix minima, last first, in `chain[..n]` (written without branches: new
        // minima come at random in noise). The scratch holds a whole run.
        if self.chain.len() < run.len() {
            self.chain.resize(run.len().max(RUN_MAX), (0, 0.0));
        }
        let below = |x: S, m: S| if NEG { x > m } else { x < m };
        let chain = &mut self.chain[..];
        // The last sample is the first suffix minimum.
        let last = run.len() - 1;
        chain[0] = (start + last as u64, value(run[last]));
        let mut n = 1;
        let mut m = run[last];
        let mut note = |i: usize, x: S, m: &mut S| {
            let lt = below(x, *m);
            *m = if lt { x } else { *m };
            if let Some(slot) = chain.get_mut(n) {
                *slot = (start + i as u64, value(x));
            }
            n += usize::from(lt);
        };
        // Backwards, 8 samples at a time: most groups hold no new suffix minimum.
        let rest = &run[..last];
        let head = rest.len() % 8;
        let body = &rest[head..];
        let mut from = rest.len();
        for group in body.chunks_exact(8).rev() {
            from -= 8;
            if !group.iter().fold(false, |any, &x| any | below(x, m)) {
                continue;
            }
            for (j, &x) in group.iter().enumerate().rev() {
                note(from + j, x, &mut m);
            }
        }
        for (j, &x) in rest[..head].iter().enumerate().rev() {
            note(j, x, &mut m);
        }
        let m = value(m);
        while self.pre.back().is_some_and(|&(_, v)| v >= m) {
            self.pre.pop_back();
        }
        self.pre.extend(self.chain[..n].iter().rev());
    }
}

/// The last `j >= 1` where the pair `(run[j − 1], run[j])` crosses the level `mid` upwards
/// (`q < mid <= x`; downwards when not `rising`: `q > mid >= x`), compared in the sample
/// type through the level's bound ([`Sample::at_least`], [`Sample::at_most`]: the same
/// answers for non-NaN samples). Pairs are tested 8 at a time from the end, without
/// branches, then one by one in the group that holds a crossing.
#[inline]
fn last_crossing<S: Sample>(
    run: &[S],
    rising: bool,
    mid: f64,
    codes: &CodeValues,
) -> Option<usize> {
    // No bound: no sample reaches the level, so none crosses it.
    let m = if rising {
        S::at_least(mid, codes)?
    } else {
        S::at_most(mid, codes)?
    };
    let hit = |q: S, x: S| {
        if rising {
            q < m && x >= m
        } else {
            q > m && x <= m
        }
    };
    let mut end = run.len();
    while end > 1 {
        let from = end.saturating_sub(8).max(1);
        let (a, b) = (&run[from - 1..end - 1], &run[from..end]);
        if a.iter().zip(b).fold(false, |any, (&q, &x)| any | hit(q, x)) {
            return (from..end).rev().find(|&j| hit(run[j - 1], run[j]));
        }
        end = from;
    }
    None
}

/// The minimum of the finite `s · x` over the values of `xs` (`s` = −1 when `neg`, else
/// 1), as its last occurrence (the one a deque popping `>=` keeps: only the sign of a zero
/// tells them apart); `None` when no sample is finite. The extreme sample in integer lanes
/// ([`Sample::finite_extreme`]), then, for a float zero, a backward scan for the last one.
#[inline]
fn last_min<S: Sample>(xs: &[S], neg: bool, codes: &CodeValues) -> Option<f64> {
    let signed = |x: S| {
        let v = x.value(codes);
        if neg {
            -v
        } else {
            v
        }
    };
    let m = signed(S::finite_extreme(xs, neg)?);
    if S::SIGNED_ZEROS && m == 0.0 {
        // +0 and −0 are equal: the last zero is the one kept.
        return xs
            .iter()
            .rev()
            .filter(|x| x.finite())
            .map(|&x| signed(x))
            .find(|&v| v == 0.0);
    }
    Some(m)
}

/// Whether `s · xs[j] < s · xs[j + 1]` for every `j` (`s` = −1 when `neg`, else 1; NaN
/// fails), checked 8 pairs at a time.
#[inline]
fn increasing<S: Sample>(xs: &[S], neg: bool) -> bool {
    let up = |a: S, b: S| if neg { b < a } else { a < b };
    if xs.len() < 2 || !up(xs[0], xs[1]) {
        return xs.len() < 2;
    }
    let (a, b) = (&xs[..xs.len() - 1], &xs[1..]);
    let mut pa = a.chunks_exact(8);
    let mut pb = b.chunks_exact(8);
    for (ca, cb) in (&mut pa).zip(&mut pb) {
        if !ca.iter().zip(cb).fold(true, |all, (&x, &y)| all & up(x, y)) {
            return false;
        }
    }
    pa.remainder()
        .iter()
        .zip(pb.remainder())
        .all(|(&x, &y)| up(x, y))
}

#[cfg(test)]
#[path = "runs_tests.rs"]
mod tests;
