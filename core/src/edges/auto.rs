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
    /// Sample index of each channel's first block.
    starts: Vec<Option<u64>>,
    /// Whether samples past [`AUTO_WINDOW`] were left out.
    capped: bool,
}

impl<'a> FirstSamples<'a> {
    /// Empty, with room for `room` samples per channel (at most [`AUTO_WINDOW`]).
    pub fn new(channels: &'a [usize], room: usize) -> Self {
        let room = room.min(AUTO_WINDOW);
        FirstSamples {
            channels,
            samples: channels.iter().map(|_| Vec::with_capacity(room)).collect(),
            starts: alloc::vec![None; channels.len()],
            capped: false,
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

    /// The samples kept and, when they are every sample the blocks held (none left out past
    /// [`AUTO_WINDOW`]), the sample index each channel's first block started at: then the
    /// blocks can be replayed from the samples (one block per channel) instead of read again.
    pub fn into_parts(self) -> (Vec<Vec<f64>>, Option<Vec<Option<u64>>>) {
        let starts = (!self.capped).then_some(self.starts);
        (self.samples, starts)
    }
}

impl BlockSink for FirstSamples<'_> {
    fn begin(&mut self, _: Layout) -> Result<()> {
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> Result<()> {
        for ((c, buf), start) in self
            .channels
            .iter()
            .zip(&mut self.samples)
            .zip(&mut self.starts)
        {
            if *c != b.channel {
                continue;
            }
            start.get_or_insert(b.start);
            let take = AUTO_WINDOW.saturating_sub(buf.len()).min(b.samples.len());
            buf.extend_from_slice(&b.samples[..take]);
            self.capped |= take < b.samples.len();
        }
        Ok(())
    }
}

/// Share of the amplitude used as hysteresis when none is given.
pub const AUTO_HYSTERESIS: f64 = 0.1;

/// The top and base of `xs` by the histogram method: the most frequent values of the upper
/// and of the lower half of the range between minimum and maximum (bins of 1/1024 of the
/// range, bin centres). `None` for empty, all-NaN or constant input.
pub fn top_base(xs: &[f64]) -> Option<(f64, f64)> {
    let (min, max) = finite_range(xs)?;
    // Only finite values were looked at: `max <= min` means constant.
    if max <= min {
        return None;
    }
    let width = (max - min) / BINS as f64;
    let mut hist = alloc::vec![0u64; BINS];
    add_histogram(xs, min, width, &mut hist);
    Some(histogram_top_base(&hist, min, width))
}

/// The smallest and largest finite value of `xs` (`None`: none).
pub fn finite_range(xs: &[f64]) -> Option<(f64, f64)> {
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
    (min <= max).then_some((min, max))
}

/// Add the finite values of `xs` to `hist`, the histogram of [`top_base`] ([`BINS`] bins of
/// `width` from `min`, values at or past the top in the last bin). Counts add up, so a
/// window's histogram is the sum of its pieces' (in any order).
///
/// # Panics
/// If `hist` does not have [`BINS`] bins.
pub fn add_histogram(xs: &[f64], min: f64, width: f64, hist: &mut [u64]) {
    assert_eq!(hist.len(), BINS, "the histogram has {BINS} bins");
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
    for (h, l) in hist.iter_mut().zip(&lanes) {
        *h += l.iter().sum::<u64>();
    }
}

/// The range of several pieces' [`finite_range`]s (`None`: no finite value in any).
pub fn merged_range(ranges: &[Option<(f64, f64)>]) -> Option<(f64, f64)> {
    ranges
        .iter()
        .flatten()
        .fold(None, |acc, &(lo, hi)| match acc {
            None => Some((lo, hi)),
            Some((a, b)) => Some((if lo < a { lo } else { a }, if hi > b { hi } else { b })),
        })
}

/// The histogram of [`top_base`] of the piece `xs` of a window whose [`finite_range`] is
/// `range` (the pieces' histograms add up to the window's).
pub fn piece_histogram(xs: &[f64], (min, max): (f64, f64)) -> Vec<u64> {
    let mut hist = alloc::vec![0u64; BINS];
    if max > min {
        add_histogram(xs, min, (max - min) / BINS as f64, &mut hist);
    }
    hist
}

/// The automatic threshold of one line from its first samples given in `pieces` (in order,
/// [`AUTO_WINDOW`] samples in all at most), their window's `range` ([`merged_range`] of the
/// pieces' [`finite_range`]s) and the pieces' histograms ([`piece_histogram`]): exactly
/// [`line_threshold`](super::line_threshold) of the pieces concatenated, the work split so
/// ranges and histograms can run on other threads.
pub fn pieces_threshold(
    pieces: &[&[f64]],
    range: Option<(f64, f64)>,
    hists: &[Vec<u64>],
    hysteresis: Option<f64>,
) -> Threshold {
    let Some((min, max)) = range.filter(|(lo, hi)| hi > lo) else {
        // Constant or no finite value: as `line_threshold`.
        let mut first = pieces.iter().flat_map(|p| p.iter()).copied();
        return Threshold {
            level: first.find(|x| x.is_finite()).map_or(0.5, |x| x - 1.0),
            hysteresis: 0.0,
        };
    };
    let mut hist = alloc::vec![0u64; BINS];
    for h in hists {
        for (a, b) in hist.iter_mut().zip(h) {
            *a += b;
        }
    }
    let (top, base) = histogram_top_base(&hist, min, (max - min) / BINS as f64);
    Threshold {
        level: (top + base) / 2.0,
        hysteresis: hysteresis.unwrap_or(AUTO_HYSTERESIS * (top - base)),
    }
}

/// Histogram bins of the automatic threshold.
pub const BINS: usize = 1024;

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
