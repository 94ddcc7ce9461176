//! Pulse-width, period, frequency and duty-cycle statistics over an edge stream.

use crate::dsp::quantile::{QuantileMode, QuantileStore};

use super::Edge;

/// Distribution of one kind of interval (high pulses, low pulses, periods).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IntervalStats {
    /// Number of intervals.
    pub count: u64,
    /// Shortest.
    pub min: Option<f64>,
    /// Longest.
    pub max: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Median (numpy `linear` over every interval while at most 32 Mi; a hash-thinned sample beyond).
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// Accumulates one kind of interval, in samples.
#[derive(Debug, Clone)]
pub struct Intervals {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    store: QuantileStore,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            store: QuantileStore::with_mode(QuantileMode::Thinned(0)),
        }
    }
}

impl Intervals {
    /// Add one interval.
    pub fn add(&mut self, w: f64) {
        self.store.add(self.count, &[w]);
        self.count += 1;
        self.sum += w;
        self.min = self.min.min(w);
        self.max = self.max.max(w);
    }

    /// Total length of the intervals, in samples.
    pub fn total(&self) -> f64 {
        self.sum
    }

    /// The statistics, divided by `per` (the sample rate for seconds, 1 for samples).
    pub fn report(&mut self, per: f64) -> IntervalStats {
        let some = |x: f64| (self.count > 0).then_some(x / per);
        let q = self.store.quantiles(&[0.5, 0.95, 0.99]);
        IntervalStats {
            count: self.count,
            min: some(self.min),
            max: some(self.max),
            mean: some(self.sum / self.count.max(1) as f64),
            p50: q[0].map(|v| v / per),
            p95: q[1].map(|v| v / per),
            p99: q[2].map(|v| v / per),
        }
    }
}

/// Running statistics of an edge stream.
#[derive(Debug, Clone, Default)]
pub struct EdgeStats {
    /// Rising edges.
    pub rising: u64,
    /// Falling edges.
    pub falling: u64,
    /// High pulses (rising to falling).
    pub high: Intervals,
    /// Low pulses (falling to rising).
    pub low: Intervals,
    /// Periods (rising to rising).
    pub period: Intervals,
    last: Option<Edge>,
    last_rising: Option<f64>,
}

impl EdgeStats {
    /// Account for the next edges (time order, alternating direction).
    pub fn push(&mut self, edges: &[Edge]) {
        for &e in edges {
            if let Some(p) = self.last {
                let w = e.time - p.time;
                if p.rising {
                    self.high.add(w);
                } else {
                    self.low.add(w);
                }
            }
            if e.rising {
                self.rising += 1;
                if let Some(r) = self.last_rising {
                    self.period.add(e.time - r);
                }
                self.last_rising = Some(e.time);
            } else {
                self.falling += 1;
            }
            self.last = Some(e);
        }
    }
}
