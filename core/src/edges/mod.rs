//! Edges of analog and logic channels: threshold with hysteresis (explicit or automatic from
//! the histogram's top and base), glitch filter, sub-sample crossing times, and pulse-width,
//! frequency and duty-cycle statistics.
//!
//! [`EdgeKernel`] is a [`BlockSink`] over one channel of any reader's blocks; logic captures
//! feed it their transitions as digitized parts ([`EdgeKernel::push_part`]).

mod auto;
mod digitize;
mod glitch;
mod stats;
mod threshold;

use alloc::vec::Vec;

pub use auto::{
    add_histogram, auto_threshold, finite_range, histogram_top_base, merged_range, piece_histogram,
    pieces_threshold, top_base, FirstSamples, AUTO_HYSTERESIS, AUTO_WINDOW, BINS,
};
pub use digitize::{
    line_threshold, DigitizePart, Digitizer, EdgeBuffers, MergeRange, Settled, PREFIX_CAP,
};
pub use glitch::Deglitch;
pub use stats::{EdgeStats, IntervalStats, Intervals};
pub use threshold::{Threshold, Thresholder};

use crate::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader};
use crate::logic::{Lines, Transition};
use crate::{Block, BlockSink, Error, Layout, Result};

/// One switch of a channel's state.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    /// Crossing time of the threshold level, in samples (interpolated).
    pub time: f64,
    /// First sample at or past the threshold level in the new direction.
    pub at: u64,
    /// Low to high.
    pub rising: bool,
}

/// How to find edges.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct EdgeOptions {
    /// An explicit threshold level, or `None` for automatic (histogram top and base of the
    /// first [`AUTO_WINDOW`] samples).
    pub level: Option<f64>,
    /// Hysteresis (dead band width); `None`: 0 with an explicit level,
    /// [`AUTO_HYSTERESIS`] of the amplitude with an automatic one.
    pub hysteresis: Option<f64>,
    /// Drop pulses shorter than this many samples (0: keep all).
    pub min_pulse: f64,
}

/// The result of `scopekit edges`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EdgeReport {
    /// Channel analysed.
    pub channel: usize,
    /// Threshold used (`None` when no automatic threshold could be found: constant input).
    pub threshold: Option<Threshold>,
    /// Whether the threshold was chosen automatically.
    pub auto_threshold: bool,
    /// Samples analysed.
    pub samples: u64,
    /// Sample rate in Hz, when the input has one; times below are then in seconds.
    pub sample_rate: Option<f64>,
    /// `"s"` or `"samples"`: the unit of every time below.
    pub unit: &'static str,
    /// First known level (`None`: the signal never left the dead band).
    pub initial_high: Option<bool>,
    /// Rising edges.
    pub rising: u64,
    /// Falling edges.
    pub falling: u64,
    /// Pulses removed by the glitch filter.
    pub glitches_removed: u64,
    /// High pulse widths.
    pub high: IntervalStats,
    /// Low pulse widths.
    pub low: IntervalStats,
    /// Periods, rising edge to rising edge.
    pub period: IntervalStats,
    /// 1 / mean period.
    pub frequency: Option<f64>,
    /// Total high time / total time of complete high and low pulses.
    pub duty_cycle: Option<f64>,
}

enum Stage {
    /// Collecting samples for an automatic threshold.
    Auto(Vec<f64>),
    /// Running.
    Run(Thresholder),
    /// Fed with the transitions of one logic channel, and the first level seen.
    Logic(Lines, Vec<Transition>, Option<bool>),
    /// No threshold could be chosen (constant or empty prefix).
    None,
}

/// Finds the edges of one channel and keeps their statistics. Edges found are also kept in
/// a buffer the caller drains with [`take_edges`](Self::take_edges) (or leaves to a limit).
pub struct EdgeKernel {
    channel: usize,
    options: EdgeOptions,
    stage: Stage,
    glitch: Deglitch,
    stats: EdgeStats,
    raw: Vec<Edge>,
    edges: Vec<Edge>,
    keep: usize,
    dropped: u64,
    samples: u64,
}

impl EdgeKernel {
    /// Edges of `channel`, keeping at most `keep` edges until taken.
    ///
    /// # Errors
    /// A non-finite level or a negative hysteresis or glitch width.
    pub fn new(channel: usize, options: EdgeOptions, keep: usize) -> Result<Self> {
        let bad = |what: &str| Err(Error::Config(what.into()));
        if options.level.is_some_and(|l| !l.is_finite()) {
            return bad("the threshold must be a finite number");
        }
        if options
            .hysteresis
            .is_some_and(|h| !(h >= 0.0 && h.is_finite()))
        {
            return bad("the hysteresis must be a finite number >= 0");
        }
        if !(options.min_pulse >= 0.0 && options.min_pulse.is_finite()) {
            return bad("the minimum pulse width must be a finite number >= 0");
        }
        let stage = match options.level {
            Some(level) => Stage::Run(Thresholder::new(Threshold {
                level,
                hysteresis: options.hysteresis.unwrap_or(0.0),
            })),
            None => Stage::Auto(Vec::new()),
        };
        Ok(EdgeKernel {
            channel,
            options,
            stage,
            glitch: Deglitch::new(options.min_pulse),
            stats: EdgeStats::default(),
            raw: Vec::new(),
            edges: Vec::new(),
            keep,
            dropped: 0,
            samples: 0,
        })
    }

    /// Edges of `channel` with a threshold chosen beforehand (`auto`: it came from the
    /// histogram, reported as automatic) — for a caller that thresholds parts of the signal
    /// on several threads and hands them over with [`push_part`](Self::push_part).
    ///
    /// # Errors
    /// A bad glitch width.
    pub fn with_threshold(
        channel: usize,
        th: Threshold,
        auto: bool,
        min_pulse: f64,
        keep: usize,
    ) -> Result<Self> {
        let mut k = Self::new(
            channel,
            EdgeOptions {
                level: Some(th.level),
                hysteresis: Some(th.hysteresis),
                min_pulse,
            },
            keep,
        )?;
        if auto {
            k.options.level = None;
        }
        Ok(k)
    }

    /// Take in a part thresholded on its own ([`DigitizePart`] with this kernel's one line
    /// and threshold; parts in order), exactly as if its samples had been pushed.
    ///
    /// # Errors
    /// The part cannot continue the state (see [`Digitizer::push_part`]); nothing changed
    /// and the caller pushes the part's samples instead.
    pub fn push_part(&mut self, part: DigitizePart) -> Result<()> {
        let Stage::Run(carry) = &mut self.stage else {
            return Err(Error::Config("parts need an explicit threshold".into()));
        };
        part.continue_one(carry, &mut self.raw)?;
        let now = carry.position();
        self.samples = now;
        self.flush(Some(now));
        Ok(())
    }

    /// Edges of logic channel `channel` of a sigrok session (fed as a [`LogicSink`]).
    ///
    /// # Errors
    /// A channel above 63 or a bad glitch width.
    pub fn logic(channel: usize, min_pulse: f64, keep: usize) -> Result<Self> {
        if !(min_pulse >= 0.0 && min_pulse.is_finite()) {
            return Err(Error::Config(
                "the minimum pulse width must be a finite number >= 0".into(),
            ));
        }
        Ok(EdgeKernel {
            channel,
            options: EdgeOptions {
                level: Some(0.5),
                hysteresis: Some(0.0),
                min_pulse,
            },
            stage: Stage::Logic(Lines::new(&[channel])?, Vec::new(), None),
            glitch: Deglitch::new(min_pulse),
            stats: EdgeStats::default(),
            raw: Vec::new(),
            edges: Vec::new(),
            keep,
            dropped: 0,
            samples: 0,
        })
    }

    /// The edges found since the last call (at most the `keep` given to `new`).
    pub fn take_edges(&mut self) -> Vec<Edge> {
        core::mem::take(&mut self.edges)
    }

    /// Edges found but not kept because the buffer was full.
    pub fn dropped_edges(&self) -> u64 {
        self.dropped
    }

    fn flush(&mut self, now: Option<u64>) {
        let mut ok = Vec::new();
        self.glitch.push(&self.raw, &mut ok);
        self.raw.clear();
        match now {
            Some(now) => self.glitch.release(now, &mut ok),
            None => self.glitch.finish(&mut ok),
        }
        self.stats.push(&ok);
        let room = self.keep.saturating_sub(self.edges.len());
        self.dropped += ok.len().saturating_sub(room) as u64;
        self.edges.extend(ok.into_iter().take(room));
    }

    fn run(&mut self, xs: &[f64]) {
        if let Stage::Run(t) = &mut self.stage {
            t.push(xs, &mut self.raw);
            let now = t.position();
            self.flush(Some(now));
        }
    }

    fn start_auto(&mut self) {
        if let Stage::Auto(buf) = &mut self.stage {
            let buf = core::mem::take(buf);
            self.stage = match auto_threshold(&buf, self.options.hysteresis) {
                Some(th) => Stage::Run(Thresholder::new(th)),
                None => Stage::None,
            };
            self.run(&buf);
        }
    }

    /// Flush and report, with the edges kept since the last [`take_edges`](Self::take_edges).
    /// `sample_rate` scales the report's times to seconds.
    pub fn finish(mut self, sample_rate: Option<f64>) -> (EdgeReport, Vec<Edge>) {
        self.start_auto();
        self.flush(None);
        let per = sample_rate.unwrap_or(1.0);
        let (threshold, initial_high) = match &self.stage {
            Stage::Run(t) => (Some(t.threshold()), t.initial().map(|i| i.0)),
            Stage::Logic(_, _, first) => (None, *first),
            _ => (None, None),
        };
        let s = &mut self.stats;
        let (hi, lo) = (s.high.total(), s.low.total());
        let period = s.period.report(per);
        let report = EdgeReport {
            channel: self.channel,
            threshold,
            auto_threshold: self.options.level.is_none(),
            samples: self.samples,
            sample_rate,
            unit: if sample_rate.is_some() {
                "s"
            } else {
                "samples"
            },
            initial_high,
            rising: s.rising,
            falling: s.falling,
            glitches_removed: self.glitch.removed,
            high: s.high.report(per),
            low: s.low.report(per),
            frequency: period.mean.filter(|&p| p > 0.0).map(|p| 1.0 / p),
            period,
            duty_cycle: (hi > 0.0 && lo > 0.0).then(|| hi / (hi + lo)),
        };
        (report, self.edges)
    }
}

impl BlockSink for EdgeKernel {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        if self.channel >= layout.channels {
            return Err(Error::Config(alloc::format!(
                "channel {} is not in the input ({} channels)",
                self.channel,
                layout.channels
            )));
        }
        Ok(())
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        if b.channel != self.channel {
            return Ok(());
        }
        self.samples = b.start + b.samples.len() as u64;
        match &mut self.stage {
            Stage::Auto(buf) => {
                let take = (AUTO_WINDOW - buf.len()).min(b.samples.len());
                buf.extend_from_slice(&b.samples[..take]);
                if buf.len() == AUTO_WINDOW {
                    self.start_auto();
                    self.run(&b.samples[take..]);
                }
            }
            Stage::Run(_) => self.run(b.samples),
            Stage::Logic(..) | Stage::None => {}
        }
        Ok(())
    }
}

impl LogicSink for EdgeKernel {
    fn begin(&mut self, header: &SigrokHeader) -> Result<()> {
        let stored = header.stored_channels();
        if self.channel >= stored {
            return Err(Error::Config(alloc::format!(
                "logic channel {} is not in the capture ({stored} channels stored)",
                self.channel
            )));
        }
        Ok(())
    }

    fn logic(&mut self, chunk: LogicChunk<'_>) -> Result<()> {
        if let Stage::Logic(lines, buf, first) = &mut self.stage {
            lines.push(chunk, buf);
            for t in buf.drain(..) {
                let high = t.levels & 1 == 1;
                if first.is_none() {
                    *first = Some(high);
                } else {
                    self.raw.push(Edge {
                        time: t.at as f64,
                        at: t.at,
                        rising: high,
                    });
                }
            }
            self.samples = chunk.start + chunk.len() as u64;
            self.flush(Some(self.samples));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "edges_tests.rs"]
mod tests;
