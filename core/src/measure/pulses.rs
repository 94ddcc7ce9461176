//! The per-cycle pass: transitions between the base and top states at the reference levels
//! (IEEE 181-2011 §5.3), their durations, slew rates, aberrations, and the pulse widths and
//! periods between their 50 % instants.
//!
//! Vocabulary: a rising transition *completes* at the first sample at or above the upper
//! reference level after the signal was at or below the lower one; its start is the last
//! upward crossing of the lower reference level before that, its mid instant the last
//! upward crossing of the 50 % level (falling transitions mirror this). Instants are
//! linearly interpolated between the two samples around each crossing; NaN/Inf samples are
//! skipped (interpolation spans the gap).
//!
//! Aberration regions (IEEE 181 §5.4, durations as MATLAB's `SeekFactor` 3): the
//! post-transition region runs from the end of a transition for 3 transition durations,
//! truncated at the start of the next transition; the pre-transition region runs for 3
//! transition durations before its start, truncated at the end of the previous transition.
//! In % of the amplitude, for a rising transition: overshoot `(max(post) − top)`,
//! undershoot `(top − min(post))` (the ringing back below the top), preshoot
//! `(base − min(pre))`; falling transitions mirror these about base. Post-region samples
//! beyond the upper reference level count; a dip below it counts once the signal returns
//! above it (otherwise it was the next transition).
//!
//! Splitting: the tracker only carries the previous sample, a few instants and a bounded
//! deque, so it is chunk-invariant. For parallel runs a tracker can *own* the transitions
//! completing in a sample range: started some way earlier, its state equals the serial one
//! from its second completed transition on; [`PulseTracker::unsynced`] tells when it
//! started too late and must be restarted earlier.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::dist::Dist;
use super::levels::check_channel;
use super::sample::{CodeValues, Sample};
use crate::{Block, BlockSink, Layout, Merge, Push, Result};

#[path = "runs.rs"]
mod runs;

/// Samples kept to find the pre-transition minimum (older ones are forgotten).
const PRE_CAP: usize = 4096;
/// Longest run of samples handled at once by the fast paths (bounds the chain scratch).
const RUN_MAX: usize = 512;
/// Aberration region length, in transition durations.
const SEEK: f64 = 3.0;

/// State levels and reference levels, in signal units.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RefLevels {
    /// Top (high state level).
    pub top: f64,
    /// Base (low state level).
    pub base: f64,
    /// Lower reference level.
    pub low: f64,
    /// 50 % reference level.
    pub mid: f64,
    /// Upper reference level.
    pub high: f64,
}

impl RefLevels {
    /// The levels at `low_pct` and `high_pct` percent of the amplitude above the base;
    /// `None` unless `top > base`.
    pub fn new(top: f64, base: f64, low_pct: f64, high_pct: f64) -> Option<Self> {
        let amp = top - base;
        (amp > 0.0 && amp.is_finite()).then(|| RefLevels {
            top,
            base,
            low: base + amp * low_pct / 100.0,
            mid: base + amp * 0.5,
            high: base + amp * high_pct / 100.0,
        })
    }
}

/// Per-cycle values of the transitions a tracker owns, in samples (widths, durations),
/// signal units per sample (slew rates), cycles per sample (frequency) and percent.
///
/// Slew rates and frequencies keep no values of their own ([`Dist::derived`]): their
/// quantiles come from the rise and fall times' and the periods' ([`Self::settles`]).
#[derive(Debug, Clone)]
pub struct PulseDists {
    /// Rising transitions.
    pub rising: u64,
    /// Falling transitions.
    pub falling: u64,
    /// Rise times.
    pub rise: Dist,
    /// Fall times.
    pub fall: Dist,
    /// Slew rates of rising transitions.
    pub slew_rise: Dist,
    /// Slew rates of falling transitions (magnitudes).
    pub slew_fall: Dist,
    /// Periods, rising to rising mid instant.
    pub period: Dist,
    /// 1 / period.
    pub frequency: Dist,
    /// Positive width / period, in percent.
    pub duty: Dist,
    /// Rising to falling mid instant.
    pub positive_width: Dist,
    /// Falling to rising mid instant.
    pub negative_width: Dist,
    /// Overshoot of each transition.
    pub overshoot: Dist,
    /// Undershoot of each transition.
    pub undershoot: Dist,
    /// Preshoot of each transition.
    pub preshoot: Dist,
    /// The span of the reference levels (high − low) the slew rates divide by their
    /// durations (NaN until a tracker sets it).
    pub slew_span: f64,
}

impl Default for PulseDists {
    fn default() -> Self {
        PulseDists::with(Dist::default, f64::NAN)
    }
}

impl PulseDists {
    /// The number of distributions (in the order of [`Self::dists_mut`]).
    pub const COUNT: usize = 12;

    /// The distributions of a tracker at levels `lv`.
    pub fn new(lv: &RefLevels) -> Self {
        PulseDists::with(Dist::default, lv.high - lv.low)
    }

    /// Distributions that log their values for [`PulseReplay`] (see [`Dist::logging`]),
    /// of a tracker at levels `lv`.
    pub fn logging(lv: &RefLevels) -> Self {
        PulseDists::with(Dist::logging, lv.high - lv.low)
    }

    /// Every distribution made by `dist` (the derived ones then made so), slew rates over
    /// `slew_span`.
    fn with(dist: fn() -> Dist, slew_span: f64) -> Self {
        PulseDists {
            rising: 0,
            falling: 0,
            rise: dist(),
            fall: dist(),
            slew_rise: dist().derived(),
            slew_fall: dist().derived(),
            period: dist(),
            frequency: dist().derived(),
            duty: dist(),
            positive_width: dist(),
            negative_width: dist(),
            overshoot: dist(),
            undershoot: dist(),
            preshoot: dist(),
            slew_span,
        }
    }

    /// The distributions to settle, the derived ones with their sources: independent
    /// tasks (e.g. for several threads).
    pub fn settles(&mut self) -> Vec<Settle<'_>> {
        let span = self.slew_span;
        let one = |dist| Settle {
            dist,
            derived: None,
        };
        alloc::vec![
            Settle {
                dist: &mut self.rise,
                derived: Some((&mut self.slew_rise, span)),
            },
            Settle {
                dist: &mut self.fall,
                derived: Some((&mut self.slew_fall, span)),
            },
            Settle {
                dist: &mut self.period,
                derived: Some((&mut self.frequency, 1.0)),
            },
            one(&mut self.duty),
            one(&mut self.positive_width),
            one(&mut self.negative_width),
            one(&mut self.overshoot),
            one(&mut self.undershoot),
            one(&mut self.preshoot),
        ]
    }

    /// Select every distribution's quantiles, in turn.
    pub fn settle(&mut self) {
        self.settles().into_iter().for_each(Settle::run);
    }

    fn all(&self) -> [&Dist; Self::COUNT] {
        [
            &self.rise,
            &self.fall,
            &self.slew_rise,
            &self.slew_fall,
            &self.period,
            &self.frequency,
            &self.duty,
            &self.positive_width,
            &self.negative_width,
            &self.overshoot,
            &self.undershoot,
            &self.preshoot,
        ]
    }

    /// Every distribution, to [`Dist::settle`] them (e.g. on several threads).
    pub fn dists_mut(&mut self) -> [&mut Dist; Self::COUNT] {
        [
            &mut self.rise,
            &mut self.fall,
            &mut self.slew_rise,
            &mut self.slew_fall,
            &mut self.period,
            &mut self.frequency,
            &mut self.duty,
            &mut self.positive_width,
            &mut self.negative_width,
            &mut self.overshoot,
            &mut self.undershoot,
            &mut self.preshoot,
        ]
    }

    /// The number of values of each distribution (in the order of [`Self::dists_mut`]).
    pub fn counts(&self) -> [u64; Self::COUNT] {
        self.all().map(Dist::count)
    }

    /// Make room for `room[k]` more values in the `k`-th distribution (in the order of
    /// [`Self::dists_mut`]; see [`Dist::reserve`]).
    pub fn reserve(&mut self, room: [usize; Self::COUNT]) {
        for (d, n) in self.dists_mut().into_iter().zip(room) {
            d.reserve(n);
        }
    }

    /// Whether a logging distribution overflowed (then it cannot be replayed).
    pub fn overflowed(&self) -> bool {
        self.all().iter().any(|d| d.overflowed())
    }
}

/// One distribution to settle, with the one derived from it, if any, and its numerator
/// (see [`Dist::settle_with`]).
pub struct Settle<'a> {
    dist: &'a mut Dist,
    derived: Option<(&'a mut Dist, f64)>,
}

impl Settle<'_> {
    /// Select the quantiles.
    pub fn run(self) {
        match self.derived {
            Some((d, c)) => self.dist.settle_with(d, c),
            None => self.dist.settle(),
        }
    }
}

/// Logged parts of one channel gathered for replay, in order: the first part's counts and
/// distributions with the later parts' logged values ([`PulseDists::logging`]) to add.
///
/// The result is the same bits as one tracker over every part. Each of the
/// [`ReplayColumn`]s (one distribution of every part) is independent of the others, so they
/// may run on any threads, in any order, before [`PulseReplay::into_total`].
pub struct PulseReplay {
    total: PulseDists,
    later: [Vec<Dist>; PulseDists::COUNT],
}

/// One distribution of the first part and the same one of every later part, to replay in
/// order ([`ReplayColumn::run`]).
pub struct ReplayColumn<'a> {
    into: &'a mut Dist,
    later: Vec<Dist>,
}

impl PulseReplay {
    /// Gather `parts` (in the order of their transitions); `None` when there are none.
    pub fn new(parts: impl IntoIterator<Item = PulseDists>) -> Option<Self> {
        let mut parts = parts.into_iter();
        let mut total = parts.next()?;
        let mut later: [Vec<Dist>; PulseDists::COUNT] = Default::default();
        for mut p in parts {
            total.rising += p.rising;
            total.falling += p.falling;
            for (column, d) in later.iter_mut().zip(p.dists_mut()) {
                column.push(core::mem::take(d));
            }
        }
        Some(PulseReplay { total, later })
    }

    /// The independent replays, one per distribution.
    pub fn columns(&mut self) -> Vec<ReplayColumn<'_>> {
        self.total
            .dists_mut()
            .into_iter()
            .zip(self.later.iter_mut())
            .map(|(into, later)| ReplayColumn {
                into,
                later: core::mem::take(later),
            })
            .collect()
    }

    /// Replay every column here, in turn.
    ///
    /// # Errors
    /// A log overflowed.
    pub fn run(&mut self) -> Result<()> {
        self.columns().into_iter().try_for_each(ReplayColumn::run)
    }

    /// The counts and distributions of every part (once the columns ran).
    pub fn into_total(self) -> PulseDists {
        self.total
    }
}

impl ReplayColumn<'_> {
    /// Add the later parts' logged values to the first part's distribution (settled later,
    /// with the others: see [`PulseDists::settles`]).
    ///
    /// # Errors
    /// A later part's log overflowed.
    pub fn run(self) -> Result<()> {
        for d in self.later {
            self.into.replay(d)?;
        }
        Ok(())
    }
}

impl Merge for PulseDists {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.rising += later.rising;
        self.falling += later.falling;
        if self.slew_span.is_nan() {
            self.slew_span = later.slew_span;
        }
        self.rise.merge(later.rise)?;
        self.fall.merge(later.fall)?;
        self.slew_rise.merge(later.slew_rise)?;
        self.slew_fall.merge(later.slew_fall)?;
        self.period.merge(later.period)?;
        self.frequency.merge(later.frequency)?;
        self.duty.merge(later.duty)?;
        self.positive_width.merge(later.positive_width)?;
        self.negative_width.merge(later.negative_width)?;
        self.overshoot.merge(later.overshoot)?;
        self.undershoot.merge(later.undershoot)?;
        self.preshoot.merge(later.preshoot)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Unknown,
    Low,
    High,
}

/// The mid instant of a transition (directions alternate).
#[derive(Debug, Clone, Copy)]
struct Mark {
    mid: f64,
}

/// An open post-transition region, in `y = s · x` so both directions read as rising.
#[derive(Debug, Clone, Copy)]
struct Region {
    s: f64,
    /// The end reference level (in y).
    thr: f64,
    /// The final state level (in y).
    state: f64,
    /// Last instant inside the region.
    until: f64,
    max: f64,
    min: f64,
    /// Minimum of a dip below `thr` not yet resolved (`+inf`: none).
    pend: f64,
    owned: bool,
    key: u64,
}

/// Finds the transitions of one channel and accumulates their per-cycle values.
#[derive(Debug, Clone)]
pub struct PulseTracker {
    channel: usize,
    lv: RefLevels,
    amp: f64,
    own: (u64, u64),
    from_start: bool,
    state: State,
    prev: (u64, f64),
    start: Option<f64>,
    mid: Option<f64>,
    pre: VecDeque<(u64, f64)>,
    region: Option<Region>,
    last: Option<Mark>,
    before: Option<Mark>,
    seen: u64,
    unsynced: bool,
    pos: u64,
    dists: PulseDists,
    /// Scratch for [`PulseTracker::push_pre_run`]: the suffix minima of one run.
    chain: Vec<(u64, f64)>,
    /// The values of `i16` code keys (see [`Self::with_codes`]).
    codes: CodeValues,
}

fn cross(i0: u64, y0: f64, i1: u64, y1: f64, level: f64) -> f64 {
    i0 as f64 + (level - y0) / (y1 - y0) * (i1 - i0) as f64
}

impl PulseTracker {
    /// A tracker of `channel` over the whole record from its first sample.
    pub fn new(channel: usize, levels: RefLevels) -> Self {
        Self::owning(channel, levels, 0, u64::MAX, true)
    }

    /// A tracker that owns the transitions completing at samples `from..to`, started at the
    /// record's first sample (`from_start`) or somewhere before `from`.
    pub fn owning(channel: usize, levels: RefLevels, from: u64, to: u64, from_start: bool) -> Self {
        PulseTracker {
            channel,
            lv: levels,
            amp: levels.top - levels.base,
            own: (from, to),
            from_start,
            state: State::Unknown,
            prev: (0, 0.0),
            start: None,
            mid: None,
            pre: VecDeque::new(),
            region: None,
            last: None,
            before: None,
            seen: 0,
            unsynced: false,
            pos: 0,
            dists: PulseDists::new(&levels),
            chain: Vec::new(),
            codes: CodeValues::IDENTITY,
        }
    }

    /// The tracker, with room for `room[k]` values in its `k`-th distribution (see
    /// [`PulseDists::reserve`]): for a caller that knows about how many will come.
    pub fn with_room(mut self, room: [usize; PulseDists::COUNT]) -> Self {
        self.dists.reserve(room);
        self
    }

    /// The tracker, reading `i16` code keys as `codes` values them (which must be
    /// strictly increasing, [`CodeValues::strictly_increasing`]); float samples are read
    /// as their own values either way.
    pub fn with_codes(mut self, codes: CodeValues) -> Self {
        self.codes = codes;
        self
    }

    /// The value of sample `x`.
    #[inline(always)]
    fn value<S: Sample>(&self, x: S) -> f64 {
        x.value(&self.codes)
    }

    /// The tracker, its per-cycle values logged for [`PulseReplay`] (call before
    /// any sample).
    pub fn logged(mut self) -> Self {
        self.dists = PulseDists::logging(&self.lv);
        self
    }

    /// Whether an owned transition came before the state was known to equal the serial
    /// one: the result is then wrong and the tracker must start earlier.
    pub fn unsynced(&self) -> bool {
        self.unsynced
    }

    /// Whether every owned transition is complete with its aberrations: the input past
    /// this point changes nothing.
    pub fn done(&self) -> bool {
        self.pos >= self.own.1 && self.region.is_none_or(|r| !r.owned)
    }

    /// Add samples whose absolute indices start at `start`.
    ///
    /// Runs of samples that stay inside one state (or inside the transition band without
    /// completing a transition) take a fast path with the same results, bit for bit, as
    /// the per-sample state machine (see `runs.rs`).
    pub fn add(&mut self, start: u64, xs: &[f64]) {
        self.add_samples(start, xs);
    }

    /// [`Self::add`] of `f32` or `f64` samples (the same results as of their `f64` values).
    pub fn add_samples<S: Sample>(&mut self, start: u64, xs: &[S]) {
        let mut k = 0;
        // Samples `xs[pend..k]` are not yet in the pre-transition deque: the runs leave
        // them there, a transition looks back into them (see `pre_min`), and whatever is
        // left is pushed at the end.
        let mut pend = 0;
        let bounds = self.run_bounds::<S>();
        while k < xs.len() {
            let n = match bounds {
                Some(b) => self.run(start + k as u64, &xs[k..], b),
                None => 0,
            };
            if n > 0 {
                k += n;
                continue;
            }
            let x = xs[k];
            if x.finite() {
                let x = self.value(x);
                let completes = match self.state {
                    State::Unknown => false,
                    State::Low => x >= self.lv.high,
                    State::High => x <= self.lv.low,
                };
                let at = start + pend as u64;
                if !completes {
                    self.flush_pre(at, &xs[pend..k]);
                    pend = k;
                }
                self.sample(start + k as u64, x, at, &xs[pend..k]);
                pend = k + 1;
            }
            k += 1;
        }
        self.flush_pre(start + pend as u64, &xs[pend.min(xs.len())..]);
        self.pos = self.pos.max(start + xs.len() as u64);
    }

    /// The per-sample state machine over `xs` (the reference the fast paths must equal).
    #[cfg(test)]
    pub(super) fn add_per_sample(&mut self, start: u64, xs: &[f64]) {
        for (i, &x) in (start..).zip(xs) {
            if x.is_finite() {
                self.sample(i, x, i, &[] as &[f64]);
            }
        }
        self.pos = self.pos.max(start + xs.len() as u64);
    }

    fn in_range(&self, i: u64) -> bool {
        i >= self.own.0 && i < self.own.1
    }

    /// One finite sample `x` at `i`; `pend` are the samples from `pend_start` to `i` not
    /// yet in the pre-transition deque (only when `x` completes a transition).
    fn sample<S: Sample>(&mut self, i: u64, x: f64, pend_start: u64, pend: &[S]) {
        let RefLevels { low, mid, high, .. } = self.lv;
        let (pi, p) = self.prev;
        self.prev = (i, x);
        match self.state {
            State::Unknown => {
                let to = if x <= low {
                    State::Low
                } else if x >= high {
                    State::High
                } else {
                    return;
                };
                if self.in_range(i) && !self.from_start {
                    self.unsynced = true;
                }
                self.state = to;
                self.push_pre(i, if to == State::Low { x } else { -x });
                return;
            }
            State::Low => {
                if x <= low {
                    self.start = None;
                    self.mid = None;
                    self.push_pre(i, x);
                } else {
                    if p <= low {
                        self.start = Some(cross(pi, p, i, x, low));
                    }
                    if p < mid && x >= mid {
                        self.mid = Some(cross(pi, p, i, x, mid));
                    }
                    if x >= high {
                        let end = cross(pi, p, i, x, high);
                        self.complete(true, i, x, end, (pend_start, pend));
                        return;
                    }
                    self.push_pre(i, x);
                }
            }
            State::High => {
                if x >= high {
                    self.start = None;
                    self.mid = None;
                    self.push_pre(i, -x);
                } else {
                    if p >= high {
                        self.start = Some(cross(pi, p, i, x, high));
                    }
                    if p > mid && x <= mid {
                        self.mid = Some(cross(pi, p, i, x, mid));
                    }
                    if x <= low {
                        let end = cross(pi, p, i, x, low);
                        self.complete(false, i, x, end, (pend_start, pend));
                        return;
                    }
                    self.push_pre(i, -x);
                }
            }
        }
        if let Some(r) = &mut self.region {
            let y = r.s * x;
            let inside = i as f64 <= r.until;
            let close = if y >= r.thr {
                r.min = r.min.min(r.pend);
                r.pend = f64::INFINITY;
                if inside {
                    r.max = r.max.max(y);
                    r.min = r.min.min(y);
                }
                !inside
            } else if inside {
                r.pend = r.pend.min(y);
                false
            } else {
                r.pend == f64::INFINITY
            };
            if close {
                if let Some(r) = self.region.take() {
                    self.close(r);
                }
            }
        }
    }

    fn push_pre(&mut self, i: u64, y: f64) {
        while self.pre.back().is_some_and(|&(_, v)| v >= y) {
            self.pre.pop_back();
        }
        self.pre.push_back((i, y));
        if self.pre.len() > PRE_CAP {
            self.pre.pop_front();
        }
    }

    fn close(&mut self, r: Region) {
        if r.owned {
            let d = &mut self.dists;
            d.overshoot.add(r.key, (r.max - r.state) / self.amp * 100.0);
            d.undershoot
                .add(r.key, (r.state - r.min) / self.amp * 100.0);
        }
    }

    fn complete<S: Sample>(
        &mut self,
        rising: bool,
        i: u64,
        x: f64,
        end: f64,
        (pend_start, pend): (u64, &[S]),
    ) {
        let start = self.start.take().unwrap_or(end);
        let mid = self.mid.take().unwrap_or(end);
        let owned = self.in_range(i) && (self.from_start || self.seen >= 2);
        if self.in_range(i) && !owned {
            self.unsynced = true;
        }
        if let Some(r) = self.region.take() {
            self.close(r);
        }
        let lv = self.lv;
        let (s, initial, state, thr) = if rising {
            (1.0, lv.base, lv.top, lv.high)
        } else {
            (-1.0, -lv.top, -lv.base, -lv.low)
        };
        let dur = end - start;
        let from = (-crate::math::floor(SEEK * dur - start)).max(0.0) as u64;
        let pre_min = self.pre_min(i, from, pend_start, pend);
        if owned {
            let d = &mut self.dists;
            let slew = (lv.high - lv.low) / dur;
            if rising {
                d.rising += 1;
                d.rise.add(i, dur);
                d.slew_rise.add(i, slew);
            } else {
                d.falling += 1;
                d.fall.add(i, dur);
                d.slew_fall.add(i, slew);
            }
            if let Some(v) = pre_min {
                d.preshoot.add(i, (initial - v) / self.amp * 100.0);
            }
            if let Some(l) = self.last {
                let width = mid - l.mid;
                if rising {
                    d.negative_width.add(i, width);
                } else {
                    d.positive_width.add(i, width);
                }
                if let Some(b) = self.before.filter(|_| rising) {
                    let period = mid - b.mid;
                    d.period.add(i, period);
                    d.frequency.add(i, 1.0 / period);
                    d.duty.add(i, (l.mid - b.mid) / period * 100.0);
                }
            }
        }
        self.before = self.last;
        self.last = Some(Mark { mid });
        self.seen += 1;
        let y = s * x;
        self.region = Some(Region {
            s,
            thr,
            state,
            until: end + SEEK * dur,
            max: y,
            min: y,
            pend: f64::INFINITY,
            owned,
            key: i,
        });
        self.state = if rising { State::High } else { State::Low };
        self.pre.clear();
        self.push_pre(i, -y);
    }

    /// Close the last region (a dip still open counts: the record ends inside the region)
    /// and return the per-cycle values.
    pub fn finish(mut self) -> PulseDists {
        if let Some(mut r) = self.region.take() {
            r.min = r.min.min(r.pend);
            self.close(r);
        }
        self.dists
    }
}

impl BlockSink for PulseTracker {
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

impl Push<f64> for PulseTracker {
    type Output = PulseDists;

    fn push(&mut self, chunk: &[f64]) -> Result<()> {
        self.add(self.pos, chunk);
        Ok(())
    }

    fn finish(self) -> Result<PulseDists> {
        Ok(PulseTracker::finish(self))
    }
}
