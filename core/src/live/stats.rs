//! Rolling per-channel statistics and a histogram of gaps between arriving bytes.

use alloc::vec;
use alloc::vec::Vec;

use serde::Serialize;

/// Statistics of one channel over the rolling window (NaN samples left out).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChannelSummary {
    /// Finite samples in the window.
    pub count: usize,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
}

/// The last `window` samples of every channel, summarised on demand (memory is fixed:
/// `window` values per channel).
#[derive(Debug, Clone)]
pub struct RollingStats {
    window: usize,
    /// Ring per channel.
    rings: Vec<Vec<f64>>,
    /// Next write position (shared: all channels get one value per row).
    head: usize,
    filled: usize,
    scratch: Vec<f64>,
}

impl RollingStats {
    /// Statistics of `channels` channels over the last `window` (at least 1) rows.
    pub fn new(channels: usize, window: usize) -> Self {
        let window = window.max(1);
        RollingStats {
            window,
            rings: vec![vec![f64::NAN; window]; channels],
            head: 0,
            filled: 0,
            scratch: Vec::new(),
        }
    }

    /// Add one row (missing channels read NaN, extra values are ignored).
    pub fn push_row(&mut self, row: &[f64]) {
        for (i, ring) in self.rings.iter_mut().enumerate() {
            ring[self.head] = row.get(i).copied().unwrap_or(f64::NAN);
        }
        self.head = (self.head + 1) % self.window;
        self.filled = (self.filled + 1).min(self.window);
    }

    /// Summaries of every channel; `None` for a channel without a finite sample.
    pub fn summary(&mut self) -> Vec<Option<ChannelSummary>> {
        let filled = self.filled;
        let mut out = Vec::with_capacity(self.rings.len());
        for ring in &self.rings {
            self.scratch.clear();
            self.scratch
                .extend(ring[..filled].iter().copied().filter(|v| v.is_finite()));
            let n = self.scratch.len();
            if n == 0 {
                out.push(None);
                continue;
            }
            let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
            for &v in &self.scratch {
                min = min.min(v);
                max = max.max(v);
                sum += v;
            }
            let rank = (n * 99).div_ceil(100).clamp(1, n) - 1;
            let (_, p99, _) = self.scratch.select_nth_unstable_by(rank, f64::total_cmp);
            out.push(Some(ChannelSummary {
                count: n,
                min,
                max,
                mean: sum / n as f64,
                p99: *p99,
            }));
        }
        out
    }
}

/// Buckets per doubling of the gap.
const PER_OCTAVE: u32 = 8;
/// Octaves covered from 1 ns (2^40 ns ≈ 18 minutes; longer gaps go to the last bucket).
const OCTAVES: u32 = 40;

/// A histogram of gaps between arriving bytes, in log-spaced buckets (about 9 % wide):
/// fixed memory whatever the run length.
#[derive(Debug, Clone)]
pub struct GapHistogram {
    counts: Vec<u64>,
    total: u64,
    last_ns: Option<u64>,
}

impl Default for GapHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl GapHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        GapHistogram {
            counts: vec![0; (PER_OCTAVE * OCTAVES + 1) as usize],
            total: 0,
            last_ns: None,
        }
    }

    /// `bytes` bytes arrived together at `at_ns` (a monotonic time in ns): each of them is
    /// given the mean gap `(at_ns - previous arrival) / bytes`. The first arrival, and the
    /// first after [`GapHistogram::restart`], only sets the clock.
    pub fn arrive(&mut self, at_ns: u64, bytes: u64) {
        if bytes == 0 {
            return;
        }
        if let Some(last) = self.last_ns {
            let gap = at_ns.saturating_sub(last) / bytes;
            self.add(gap, bytes);
        }
        self.last_ns = Some(at_ns);
    }

    /// Forget the last arrival (after a disconnection, so the outage is not a gap).
    pub fn restart(&mut self) {
        self.last_ns = None;
    }

    /// Count `weight` gaps of `gap_ns`.
    pub fn add(&mut self, gap_ns: u64, weight: u64) {
        let bucket = if gap_ns <= 1 {
            0
        } else {
            let log2 = libm::log2(gap_ns as f64);
            (libm::ceil(log2 * f64::from(PER_OCTAVE)) as usize).min(self.counts.len() - 1)
        };
        self.counts[bucket] += weight;
        self.total += weight;
    }

    /// Gaps counted.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The `q` quantile (0..=1) in seconds: the upper edge of the bucket holding it.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = (libm::ceil(q.clamp(0.0, 1.0) * self.total as f64) as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let ns = libm::exp2(i as f64 / f64::from(PER_OCTAVE));
                return Some(if i == 0 { 1e-9 } else { ns * 1e-9 });
            }
        }
        None
    }
}
