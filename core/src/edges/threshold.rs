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

/// Samples skipped per vectorised test while nothing can happen.
const RUN: usize = 16;

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
        }
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

    fn crossing(&self, i: u64, x: f64) -> (f64, u64) {
        let p = self.prev;
        let t = if p.is_nan() || x == p {
            i as f64
        } else {
            (i - 1) as f64 + (self.th.level - p) / (x - p)
        };
        (t, i)
    }

    /// Consume samples `xs` (absolute indices from [`position`](Self::position) on),
    /// appending edges to `out`.
    pub fn push(&mut self, xs: &[f64], out: &mut alloc::vec::Vec<Edge>) {
        let (level, hi, lo) = (self.th.level, self.th.high(), self.th.low());
        let base = self.next;
        let mut k = 0usize;
        while k < xs.len() {
            // Fast path: while every sample stays on the current side of `level`, no crossing
            // and no switch can happen.
            if let Some(h) = self.high {
                while k + RUN <= xs.len() {
                    let run = &xs[k..k + RUN];
                    let quiet = if h {
                        run.iter().fold(true, |a, &x| a & (x >= level))
                    } else {
                        run.iter().fold(true, |a, &x| a & (x < level))
                    };
                    if !quiet {
                        break;
                    }
                    self.prev = run[RUN - 1];
                    k += RUN;
                }
                if k >= xs.len() {
                    break;
                }
            }
            let x = xs[k];
            let i = base + k as u64;
            match self.high {
                None => {
                    if x >= hi || x < lo {
                        let h = x >= hi;
                        self.high = Some(h);
                        self.initial = Some((h, i));
                    }
                }
                Some(false) => {
                    if x >= level && !(self.prev >= level) {
                        self.cross = Some(self.crossing(i, x));
                    }
                    if x >= hi {
                        let (time, at) = self.cross.take().unwrap_or((i as f64, i));
                        out.push(Edge {
                            time,
                            at,
                            rising: true,
                        });
                        self.high = Some(true);
                    }
                }
                Some(true) => {
                    if x < level && !(self.prev < level) {
                        self.cross = Some(self.crossing(i, x));
                    }
                    if x < lo {
                        let (time, at) = self.cross.take().unwrap_or((i as f64, i));
                        out.push(Edge {
                            time,
                            at,
                            rising: false,
                        });
                        self.high = Some(false);
                    }
                }
            }
            if !x.is_nan() {
                self.prev = x;
            }
            k += 1;
        }
        self.next = base + xs.len() as u64;
    }
}
