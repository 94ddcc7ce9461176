//! Per-channel statistics: count, NaN count, min, max, mean, rms, std and p50/p95/p99.
//!
//! NaN samples are counted and otherwise skipped. `std` is the population standard
//! deviation (numpy's default `ddof=0`), `rms` is `sqrt(mean(x²))`. Moments are computed
//! split-invariantly ([`super::moments`]); quantiles are exact or sampled
//! ([`super::quantile`]).

use alloc::format;
use alloc::vec::Vec;

use super::moments::MomentsAcc;
use super::quantile::QuantileStore;
use crate::kernel::{Block, BlockSink, Layout};
use crate::report::{ChannelStats, QuantileMethod};
use crate::{math, Error, Merge, Result};

/// Which channels to analyse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsConfig {
    /// Only these channels (0-based); all when `None`.
    pub channels: Option<Vec<usize>>,
}

/// Running statistics of one channel.
#[derive(Debug, Clone, PartialEq)]
struct ChannelAcc {
    count: u64,
    moments: MomentsAcc,
    quantiles: QuantileStore,
}

impl ChannelAcc {
    fn new(samples: u64, channels: usize) -> Self {
        ChannelAcc {
            count: 0,
            moments: MomentsAcc::new(),
            quantiles: QuantileStore::new(samples, channels),
        }
    }

    fn add(&mut self, start: u64, xs: &[f64]) {
        self.count += xs.len() as u64;
        self.moments.add(start, xs);
        self.quantiles.add(start, xs);
    }

    fn report(mut self, channel: usize) -> ChannelStats {
        let m = self.moments.total();
        let some = |x: f64| (m.n > 0).then_some(x);
        let var = if m.n > 0 { m.m2 / m.n as f64 } else { 0.0 };
        let q = self.quantiles.quantiles(&[0.50, 0.95, 0.99]);
        ChannelStats {
            channel,
            count: self.count,
            nan_count: self.count - m.n,
            min: some(m.min),
            max: some(m.max),
            mean: some(m.mean()),
            rms: some(math::sqrt(m.mean() * m.mean() + var)),
            std: some(math::sqrt(var)),
            p50: q[0],
            p95: q[1],
            p99: q[2],
            quantiles: if self.quantiles.is_exact() {
                QuantileMethod::Exact
            } else {
                QuantileMethod::Sampled
            },
            quantile_sample: self.quantiles.len(),
            histogram: None,
        }
    }
}

impl Merge for ChannelAcc {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.count += later.count;
        self.moments.merge(later.moments)?;
        self.quantiles.merge(later.quantiles)
    }
}

/// The statistics kernel: a [`BlockSink`] over any reader's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    config: StatsConfig,
    /// One slot per channel of the input; `None` for channels not selected.
    channels: Vec<Option<ChannelAcc>>,
}

impl Stats {
    /// A kernel waiting for its input's layout.
    pub fn new(config: StatsConfig) -> Self {
        Stats {
            config,
            channels: Vec::new(),
        }
    }

    /// The statistics of each selected channel, in channel order.
    pub fn report(self) -> Vec<ChannelStats> {
        self.channels
            .into_iter()
            .enumerate()
            .filter_map(|(i, acc)| acc.map(|a| a.report(i)))
            .collect()
    }
}

impl BlockSink for Stats {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        let selected = |i: usize| match &self.config.channels {
            None => true,
            Some(list) => list.contains(&i),
        };
        if let Some(list) = &self.config.channels {
            if let Some(bad) = list.iter().find(|&&c| c >= layout.channels) {
                return Err(Error::Config(format!(
                    "channel {bad} does not exist (the input has {} channel{}: 0..{})",
                    layout.channels,
                    if layout.channels == 1 { "" } else { "s" },
                    layout.channels
                )));
            }
        }
        let analysed = (0..layout.channels).filter(|&i| selected(i)).count();
        self.channels = (0..layout.channels)
            .map(|i| selected(i).then(|| ChannelAcc::new(layout.samples, analysed)))
            .collect();
        Ok(())
    }

    fn block(&mut self, block: Block<'_>) -> Result<()> {
        if let Some(Some(acc)) = self.channels.get_mut(block.channel) {
            acc.add(block.start, block.samples);
        }
        Ok(())
    }
}

impl Merge for Stats {
    fn merge(&mut self, later: Self) -> Result<()> {
        if self.channels.len() != later.channels.len() {
            return Err(Error::Config(format!(
                "cannot merge statistics of {} and {} channels",
                self.channels.len(),
                later.channels.len()
            )));
        }
        for (a, b) in self.channels.iter_mut().zip(later.channels) {
            if let (Some(a), Some(b)) = (a, b) {
                a.merge(b)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
