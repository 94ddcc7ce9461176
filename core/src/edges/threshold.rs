//! Threshold with hysteresis: analog samples to edges with sub-sample crossing times.

use super::Edge;

/// Threshold settings of one channel.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Threshold {
    /// The level whose crossing times the edges report.
    pub level: f64,
    /// Width of the dead band centred on `level`: the state turns high when a sample
    /// reaches `level + hysteresis / 2` and low when one falls below `level - hysteresis / 2`.
    pub hysteresis: f64,
}

impl Threshold {
    /// The upper switching level.
    pub fn high(&self) -> f64 {
        self.level + self.hysteresis / 2.0
    }
    /// The lower switching level.
    pub fn low(&self) -> f64 {
        self.level - self.hysteresis / 2.0
    }
}

/// A push-based comparator with hysteresis over one channel's samples.
///
/// The state is unknown until a sample leaves the dead band; that first state gives no edge.
/// An edge's time is the last crossing of `level` before the state switched, linearly
/// interpolated between the two samples around it, so slow or noisy edges are timed where
/// they cross the middle, not where they leave the dead band. NaN samples never switch the
/// state and are never interpolated across.
#[derive(Debug, Clone)]
pub struct Thresholder {
    th: Threshold,
    /// `None` until the first sample outside the dead band.
    high: Option<bool>,
    /// The first state and the sample that set it.
    initial: Option<(bool, u64)>,
    /// Previous sample value (NaN before the first).
    prev: f64,
    /// Last crossing of `level` towards the pending switch: (time, first sample at or past the level).
    cross: Option<(f64, u64)>,
    /// Next absolute sample index.
    next: u64,
    /// First sample index.
    start: u64,
}

impl Thresholder {
    /// A comparator starting at sample 0.
    pub fn new(th: Threshold) -> Self {
        Thresholder {
            th,
            high: None,
            initial: None,
            prev: f64::NAN,
            cross: None,
            next: 0,
            start: 0,
        }
    }

    /// A comparator for a part of a signal that starts at sample `at`, in the unknown
    /// state (see [`Digitizer::push_part`](super::Digitizer::push_part)).
    pub fn starting_at(th: Threshold, at: u64) -> Self {
        Thresholder {
            next: at,
            start: at,
            ..Self::new(th)
        }
    }

    /// The sample this comparator started at.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// This part's comparator, continuing one that ran over everything before it: once a
    /// part's comparator has seen a sample outside the dead band, its state equals the
    /// serial one's (a pending crossing it missed is overwritten before any switch), so only
    /// the first known state comes from the earlier comparator.
    pub fn continuing(mut self, before: &Thresholder) -> Self {
        self.initial = before.initial.or(self.initial);
        self
    }

    /// The settings.
    pub fn threshold(&self) -> Threshold {
        self.th
    }

    /// The first known state and the sample that set it.
    pub fn initial(&self) -> Option<(bool, u64)> {
        self.initial
    }

    /// No edge found later can have its `at` before this sample.
    pub fn settled(&self) -> u64 {
        self.cross.map_or(self.next, |c| c.1.min(self.next))
    }

    /// Samples consumed so far.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// The crossing of `level` between the previous sample `prev` (at `i - 1`) and `x` (at `i`).
    fn crossing(level: f64, prev: f64, i: u64, x: f64) -> (f64, u64) {
        let t = if prev.is_nan() || x == prev {
            i as f64
        } else {
            (i - 1) as f64 + (level - prev) / (x - prev)
        };
        (t, i)
    }

    /// Consume samples `xs` (absolute indices from [`position`](Self::position) on),
    /// appending edges to `out`.
    ///
    /// The state lives in locals while the loop runs, and runs of samples on the current
    /// side of `level` (where nothing can happen) are skipped by a tight scan.
    pub fn push(&mut self, xs: &[f64], out: &mut alloc::vec::Vec<Edge>) {
        let (level, hi, lo) = (self.th.level, self.th.high(), self.th.low());
        let base = self.next;
        let n = xs.len();
        let mut prev = self.prev;
        let mut cross = self.cross;
        let mut k = 0usize;
        if self.high.is_none() {
            while k < n {
                let x = xs[k];
                if !x.is_nan() {
                    prev = x;
                }
                k += 1;
                if x >= hi || x < lo {
                    self.high = Some(x >= hi);
                    self.initial = Some((x >= hi, base + k as u64 - 1));
                    break;
                }
            }
        }
        if let Some(mut high) = self.high {
            while k < n {
                let start = k;
                if high {
                    while k < n && xs[k] >= level {
                        k += 1;
                    }
                } else {
                    while k < n && xs[k] < level {
                        k += 1;
                    }
                }
                if k > start {
                    prev = xs[k - 1];
                }
                if k == n {
                    break;
                }
                let x = xs[k];
                let i = base + k as u64;
                k += 1;
                if x.is_nan() {
                    continue;
                }
                // x is on the other side of `level` than the state.
                if high {
                    if prev.is_nan() || prev >= level {
                        cross = Some(Self::crossing(level, prev, i, x));
                    }
                    if x < lo {
                        let (time, at) = cross.take().unwrap_or((i as f64, i));
                        out.push(Edge {
                            time,
                            at,
                            rising: false,
                        });
                        high = false;
                    }
                } else {
                    if prev.is_nan() || prev < level {
                        cross = Some(Self::crossing(level, prev, i, x));
                    }
                    if x >= hi {
                        let (time, at) = cross.take().unwrap_or((i as f64, i));
                        out.push(Edge {
                            time,
                            at,
                            rising: true,
                        });
                        high = true;
                    }
                }
                prev = x;
            }
            self.high = Some(high);
        }
        self.prev = prev;
        self.cross = cross;
        self.next = base + n as u64;
    }
}
