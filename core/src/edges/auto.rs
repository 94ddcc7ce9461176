//! Automatic threshold from the histogram's top and base (IEEE 181 histogram method).

use alloc::vec::Vec;

use super::threshold::Threshold;
use crate::{Block, BlockSink, Layout, Result};

/// Samples looked at to choose an automatic threshold.
pub const AUTO_WINDOW: usize = 1 << 20;

/// A sink keeping the first [`AUTO_WINDOW`] samples of some channels: what an automatic
/// threshold is chosen from when a file is read in parts (the serial digitizer buffers its
/// own).
pub struct FirstSamples<'a> {
    channels: &'a [usize],
    samples: Vec<Vec<f64>>,
}

impl<'a> FirstSamples<'a> {
    /// Empty, with room for `room` samples per channel (at most [`AUTO_WINDOW`]).
    pub fn new(channels: &'a [usize], room: usize) -> Self {
        let room = room.min(AUTO_WINDOW);
        FirstSamples {
            channels,
            samples: channels.iter().map(|_| Vec::with_capacity(room)).collect(),
        }
    }

    /// Whether every channel has its [`AUTO_WINDOW`] samples.
    pub fn full(&self) -> bool {
        self.samples.iter().all(|s| s.len() >= AUTO_WINDOW)
    }

    /// The samples kept, one vector per channel in the order given to [`new`](Self::new).
    pub fn into_samples(self) -> Vec<Vec<f64>> {
        self.samples
    }
}

impl BlockSink for FirstSamples<'_> {
    fn begin(&mut self, _: Layout) -> Result<()> {
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> Result<()> {
        for (c, buf) in self.channels.iter().zip(&mut self.samples) {
            if *c == b.channel && buf.len() < AUTO_WINDOW {
                let take = (AUTO_WINDOW - buf.len()).min(b.samples.len());
                buf.extend_from_slice(&b.samples[..take]);
            }
        }
        Ok(())
    }
}

/// Histogram bins of the automatic threshold.
const BINS: usize = 1024;

/// Share of the amplitude used as hysteresis when none is given.
pub const AUTO_HYSTERESIS: f64 = 0.1;

/// The top and base of `xs` by the histogram method: the most frequent values of the upper
/// and of the lower half of the range between minimum and maximum (bins of 1/1024 of the
/// range, bin centres). `None` for empty, all-NaN or constant input.
pub fn top_base(xs: &[f64]) -> Option<(f64, f64)> {
    // Explicit comparisons: `f64::min`/`max` are much slower in this loop (no NaN here).
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in xs.iter().filter(|x| x.is_finite()) {
        if x < min {
            min = x;
        }
        if x > max {
            max = x;
        }
    }
    // Only finite values were looked at: `max <= min` means constant or none at all.
    if max <= min {
        return None;
    }
    let width = (max - min) / BINS as f64;
    // Four histograms taken in turn, summed at the end: a digital line puts most samples in
    // two bins, and one histogram would wait on each count before the next.
    let mut lanes = alloc::vec![[0u64; 4]; BINS];
    let bin = |x: f64| (((x - min) / width) as usize).min(BINS - 1);
    let mut quads = xs.chunks_exact(4);
    for q in &mut quads {
        for (lane, &x) in q.iter().enumerate() {
            if x.is_finite() {
                lanes[bin(x)][lane] += 1;
            }
        }
    }
    for &x in quads.remainder().iter().filter(|x| x.is_finite()) {
        lanes[bin(x)][0] += 1;
    }
    let hist: alloc::vec::Vec<u64> = lanes.iter().map(|l| l.iter().sum()).collect();
    Some(histogram_top_base(&hist, min, width))
}

/// The top and base from a histogram of `hist.len()` bins of `width` starting at `min`: the
/// centres of the most frequent bins of the upper and of the lower half (the first such bin
/// on ties). Shared with the streaming histogram of [`crate::measure`].
pub fn histogram_top_base(hist: &[u64], min: f64, width: f64) -> (f64, f64) {
    if hist.is_empty() {
        return (min, min);
    }
    let mode = |range: core::ops::Range<usize>| {
        let mut best = range.start;
        for b in range {
            if hist[b] > hist[best] {
                best = b;
            }
        }
        min + (best as f64 + 0.5) * width
    };
    let half = hist.len() / 2;
    (mode(half..hist.len()), mode(0..half))
}

/// The threshold half-way between top and base with `hysteresis` (or
/// [`AUTO_HYSTERESIS`] of the amplitude when `None`).
pub fn auto_threshold(xs: &[f64], hysteresis: Option<f64>) -> Option<Threshold> {
    let (top, base) = top_base(xs)?;
    Some(Threshold {
        level: (top + base) / 2.0,
        hysteresis: hysteresis.unwrap_or(AUTO_HYSTERESIS * (top - base)),
    })
}
