//! The amplitude passes of a measurement: extremes, mean and RMS of the finite samples
//! ([`LevelScan`]), then the histogram of the whole record between its extremes
//! ([`LevelHistogram`]) whose modes are the top and base (IEEE 181-2011 §5.2.1.1, the
//! histogram method, with the mode of each half of the range).

use alloc::vec::Vec;

use crate::dsp::moments::{Moments, MomentsAcc};
use crate::edges::histogram_top_base;
use crate::{Block, BlockSink, Error, Layout, Merge, Result};

/// Bins of the top/base histogram over `min..=max` (the same resolution as the automatic
/// threshold of `edges`).
pub const HISTOGRAM_BINS: usize = 1024;

/// Checks that `channel` exists in `layout`.
pub(super) fn check_channel(channel: usize, layout: &Layout) -> Result<()> {
    if channel >= layout.channels {
        return Err(Error::Config(alloc::format!(
            "channel {channel} is not in the input ({} channels)",
            layout.channels
        )));
    }
    Ok(())
}

/// First pass: count, extremes, mean and sum of squared deviations of the finite samples of
/// one channel (split-invariant, see [`crate::dsp::moments`]), the number of NaN/Inf
/// samples skipped, and the range of sample indices seen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LevelScan {
    channel: usize,
    moments: MomentsAcc,
    nonfinite: u64,
    first: Option<u64>,
    end: u64,
    scratch: Vec<f64>,
}

impl LevelScan {
    /// A scan of `channel`.
    pub fn new(channel: usize) -> Self {
        LevelScan {
            channel,
            ..Self::default()
        }
    }

    /// Moments of the finite samples.
    pub fn moments(&self) -> Moments {
        self.moments.total()
    }

    /// NaN and infinite samples skipped.
    pub fn nonfinite(&self) -> u64 {
        self.nonfinite
    }

    /// The sample indices `first..end` this scan saw (`None` when it saw no block).
    pub fn span(&self) -> Option<(u64, u64)> {
        self.first.map(|f| (f, self.end))
    }

    /// Add samples whose absolute indices start at `start`.
    pub fn add(&mut self, start: u64, xs: &[f64]) {
        if xs.is_empty() {
            return;
        }
        self.first.get_or_insert(start);
        self.end = start + xs.len() as u64;
        if xs.iter().all(|x| x.is_finite()) {
            self.moments.add(start, xs);
            return;
        }
        // Rare: infinities become NaN, which the moments skip.
        self.scratch.clear();
        self.scratch
            .extend(xs.iter().map(|&x| if x.is_finite() { x } else { f64::NAN }));
        self.nonfinite += xs.iter().filter(|x| !x.is_finite()).count() as u64;
        self.moments.add(start, &self.scratch);
    }
}

impl BlockSink for LevelScan {
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

impl Merge for LevelScan {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.moments.merge(later.moments)?;
        self.nonfinite += later.nonfinite;
        if later.first.is_some() {
            self.first = self.first.or(later.first);
            self.end = later.end;
        }
        Ok(())
    }
}

/// Second pass: a histogram of [`HISTOGRAM_BINS`] equal bins over `min..=max` (from the
/// first pass) of the finite samples of one channel. Bounded memory whatever the length.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelHistogram {
    channel: usize,
    min: f64,
    scale: f64,
    width: f64,
    counts: Vec<u64>,
}

impl LevelHistogram {
    /// A histogram of `channel` over `min..=max`; `None` unless `min < max`, both finite.
    pub fn new(channel: usize, min: f64, max: f64) -> Option<Self> {
        if !(min.is_finite() && max.is_finite() && min < max) {
            return None;
        }
        let width = (max - min) / HISTOGRAM_BINS as f64;
        Some(LevelHistogram {
            channel,
            min,
            scale: 1.0 / width,
            width,
            counts: alloc::vec![0; HISTOGRAM_BINS],
        })
    }

    /// Add samples (non-finite ones and any outside the range are skipped).
    pub fn add(&mut self, xs: &[f64]) {
        let last = HISTOGRAM_BINS - 1;
        for &x in xs {
            let b = (x - self.min) * self.scale;
            // NaN, infinities and values below the range fail this test.
            if b >= 0.0 && b < (HISTOGRAM_BINS + 1) as f64 {
                self.counts[(b as usize).min(last)] += 1;
            }
        }
    }

    /// (top, base): the centres of the modal bins of the upper and lower half.
    pub fn top_base(&self) -> (f64, f64) {
        histogram_top_base(&self.counts, self.min, self.width)
    }

    /// Width of a bin.
    pub fn bin_width(&self) -> f64 {
        self.width
    }
}

impl BlockSink for LevelHistogram {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        check_channel(self.channel, &layout)
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        if b.channel == self.channel {
            self.add(b.samples);
        }
        Ok(())
    }
}

impl Merge for LevelHistogram {
    fn merge(&mut self, later: Self) -> Result<()> {
        for (a, b) in self.counts.iter_mut().zip(&later.counts) {
            *a += b;
        }
        Ok(())
    }
}
