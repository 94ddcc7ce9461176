//! Pulse measurements after IEEE 181-2011: state levels by the histogram method, amplitude
//! and moments, and per-cycle transition measurements with statistics over all cycles.
//!
//! A measurement takes three passes over one channel, each bounded in memory:
//! 1. [`LevelScan`]: count, extremes, mean, AC/DC RMS and skipped NaN/Inf samples;
//! 2. [`LevelHistogram`]: a [`HISTOGRAM_BINS`]-bin histogram between the extremes; the top
//!    and base are the centres of the modal bins of its upper and lower half;
//! 3. [`PulseTracker`]: transitions at the reference levels (see [`pulses`] for the exact
//!    definitions, including the aberration regions).
//!
//! Each pass is a [`crate::BlockSink`] and a [`crate::Merge`] reduction, so a file can be
//! read in parallel segments; [`MeasureReport::build`] turns their results into the report.
//! A value that cannot be measured is `null` with a reason, never a guess.
//!
//! The passes also read `f32` samples in place ([`Sample`]), with the same results bit
//! for bit as their `f64` values.
//!
//! Integer ADC codes (8/16-bit) can replace the first two passes by one exact count of
//! every code ([`CodeHistogram`]): moments from exact integer sums, top and base equal to
//! the histogram pass's bit for bit.
//!
//! [`mapped`] runs the passes over a file held whole in memory, in segments on the tasks
//! of an [`crate::exec::Exec`] (the CLI's rayon workers).

mod codes;
mod dist;
mod levels;
pub mod mapped;
mod passes;
pub mod pulses;
mod sample;

use alloc::string::String;

pub use codes::{CodeHistogram, CodeMap};
pub use dist::{Dist, DistStats};
pub use levels::{LevelHistogram, LevelScan, HISTOGRAM_BINS};
pub use passes::MeasurePasses;
pub use pulses::{PulseDists, PulseReplay, PulseTracker, RefLevels, ReplayColumn, Settle};
pub use sample::{CodeValues, Sample};

use crate::{Error, Merge as _, Result};

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MeasureConfig {
    /// Channel index.
    pub channel: usize,
    /// Lower reference level, percent of the amplitude (10 by default).
    pub low_pct: f64,
    /// Upper reference level, percent of the amplitude (90 by default).
    pub high_pct: f64,
}

impl Default for MeasureConfig {
    fn default() -> Self {
        MeasureConfig {
            channel: 0,
            low_pct: 10.0,
            high_pct: 90.0,
        }
    }
}

impl MeasureConfig {
    /// The reference levels for a histogram's `(top, base)`, when it has one and they
    /// exist (see [`RefLevels::new`]).
    pub fn ref_levels(&self, top_base: Option<(f64, f64)>) -> Option<RefLevels> {
        top_base.and_then(|(t, b)| RefLevels::new(t, b, self.low_pct, self.high_pct))
    }

    /// Check the reference levels: `0 < low < 50 < high < 100`.
    ///
    /// # Errors
    /// [`Error::Config`] otherwise.
    pub fn validate(&self) -> Result<()> {
        let ok = |v: f64, lo: f64, hi: f64| v > lo && v < hi;
        if ok(self.low_pct, 0.0, 50.0) && ok(self.high_pct, 50.0, 100.0) {
            Ok(())
        } else {
            Err(Error::Config(alloc::format!(
                "reference levels must satisfy 0 < low < 50 < high < 100 (got {},{})",
                self.low_pct,
                self.high_pct
            )))
        }
    }
}

/// One scalar measurement: a value, or `null` with the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    /// The value (`None`: not applicable).
    pub value: Option<f64>,
    /// Why there is no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Measurement {
    fn of(value: f64) -> Self {
        Measurement {
            value: Some(value),
            reason: None,
        }
    }

    fn none(reason: &str) -> Self {
        Measurement {
            value: None,
            reason: Some(reason.into()),
        }
    }
}

/// A per-cycle measurement: its mean as `value` (or `null` with the reason) and its
/// statistics over all cycles.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PerCycle {
    /// Mean over all cycles.
    pub value: Option<f64>,
    /// Why there is no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Statistics over all cycles.
    #[serde(flatten)]
    pub stats: DistStats,
}

/// The result of `scopekit measure`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MeasureReport {
    /// Channel measured.
    pub channel: usize,
    /// Samples in the record, finite or not.
    pub samples: u64,
    /// NaN/Inf samples, skipped by every measurement.
    pub nonfinite: u64,
    /// Sample rate in Hz, when known; times are then in seconds.
    pub sample_rate: Option<f64>,
    /// `"s"` or `"samples"`: the unit of times (frequencies are per that unit).
    pub unit: String,
    /// Lower and upper reference levels, percent of the amplitude.
    pub reference_percent: [f64; 2],
    /// State and reference levels (`None` when there is no amplitude).
    pub levels: Option<RefLevels>,
    /// Top (high state level), histogram method.
    pub top: Measurement,
    /// Base (low state level), histogram method.
    pub base: Measurement,
    /// Top − base.
    pub amplitude: Measurement,
    /// Largest sample.
    pub high: Measurement,
    /// Smallest sample.
    pub low: Measurement,
    /// High − low.
    pub peak_to_peak: Measurement,
    /// Mean.
    pub mean: Measurement,
    /// DC RMS: sqrt(mean(x²)).
    pub rms_dc: Measurement,
    /// AC RMS: the population standard deviation.
    pub rms_ac: Measurement,
    /// Rising transitions found.
    pub rising_transitions: u64,
    /// Falling transitions found.
    pub falling_transitions: u64,
    /// Rise time between the reference levels.
    pub rise_time: PerCycle,
    /// Fall time between the reference levels.
    pub fall_time: PerCycle,
    /// (upper − lower reference level) / rise time, per unit time.
    pub slew_rate_rising: PerCycle,
    /// (upper − lower reference level) / fall time (a magnitude), per unit time.
    pub slew_rate_falling: PerCycle,
    /// Rising 50 % instant to the next.
    pub period: PerCycle,
    /// 1 / period, per cycle.
    pub frequency: PerCycle,
    /// Positive width / period, percent.
    pub duty_cycle: PerCycle,
    /// Rising to falling 50 % instant.
    pub positive_width: PerCycle,
    /// Falling to rising 50 % instant.
    pub negative_width: PerCycle,
    /// Post-transition aberration beyond the final state, percent of the amplitude.
    pub overshoot: PerCycle,
    /// Post-transition aberration back inside the final state, percent of the amplitude.
    pub undershoot: PerCycle,
    /// Pre-transition aberration away from the final state, percent of the amplitude.
    pub preshoot: PerCycle,
}

fn per_cycle(d: &mut Dist, scale: f64, why: Result<&str, &str>) -> PerCycle {
    let stats = d.report(scale);
    let reason = match (stats.count, why) {
        (_, Err(all)) => Some(all.into()),
        (0, Ok(none)) => Some(none.into()),
        _ => None,
    };
    PerCycle {
        value: stats.mean,
        reason,
        stats,
    }
}

impl MeasureReport {
    /// The report from the three passes: `scan` of the whole record, the histogram's
    /// `(top, base)` (`None` for a constant or empty record) and the per-cycle values
    /// (`None` when there was no amplitude to track transitions).
    pub fn build(
        config: &MeasureConfig,
        scan: &LevelScan,
        top_base: Option<(f64, f64)>,
        pulses: Option<PulseDists>,
        sample_rate: Option<f64>,
    ) -> Self {
        let m = scan.moments();
        let nonfinite = scan.nonfinite();
        let rate = sample_rate.filter(|r| *r > 0.0 && r.is_finite());
        let per = rate.unwrap_or(1.0);
        let amp_only = |f: f64| {
            if m.n == 0 {
                Measurement::none("no finite samples")
            } else {
                Measurement::of(f)
            }
        };
        let (top, base) = match top_base {
            Some((t, b)) => (Measurement::of(t), Measurement::of(b)),
            // Constant: both states at the one value.
            None => (amp_only(m.max), amp_only(m.min)),
        };
        let amplitude = match top_base {
            Some((t, b)) => Measurement::of(t - b),
            None => amp_only(0.0),
        };
        let var = m.m2 / m.n.max(1) as f64;
        let levels =
            top_base.and_then(|(t, b)| RefLevels::new(t, b, config.low_pct, config.high_pct));
        let all = if m.n == 0 {
            Err("no finite samples")
        } else {
            Err("constant signal (amplitude 0): no transitions")
        };
        let tracked = pulses.is_some();
        let why = |none: &'static str| if tracked { Ok(none) } else { all };
        let mut d = pulses.unwrap_or_default();
        d.settle();
        let time = 1.0 / per;
        MeasureReport {
            channel: config.channel,
            samples: m.n + nonfinite,
            nonfinite,
            sample_rate: rate,
            unit: if rate.is_some() { "s" } else { "samples" }.into(),
            reference_percent: [config.low_pct, config.high_pct],
            levels,
            top,
            base,
            amplitude,
            high: amp_only(m.max),
            low: amp_only(m.min),
            peak_to_peak: amp_only(m.max - m.min),
            mean: amp_only(m.mean()),
            rms_dc: amp_only(crate::math::sqrt(m.mean() * m.mean() + var)),
            rms_ac: amp_only(crate::math::sqrt(var)),
            rising_transitions: d.rising,
            falling_transitions: d.falling,
            rise_time: per_cycle(&mut d.rise, time, why("no rising transition")),
            fall_time: per_cycle(&mut d.fall, time, why("no falling transition")),
            slew_rate_rising: per_cycle(&mut d.slew_rise, per, why("no rising transition")),
            slew_rate_falling: per_cycle(&mut d.slew_fall, per, why("no falling transition")),
            period: per_cycle(
                &mut d.period,
                time,
                why("fewer than two rising transitions"),
            ),
            frequency: per_cycle(
                &mut d.frequency,
                per,
                why("fewer than two rising transitions"),
            ),
            duty_cycle: per_cycle(&mut d.duty, 1.0, why("fewer than two rising transitions")),
            positive_width: per_cycle(
                &mut d.positive_width,
                time,
                why("no rising then falling transition"),
            ),
            negative_width: per_cycle(
                &mut d.negative_width,
                time,
                why("no falling then rising transition"),
            ),
            overshoot: per_cycle(&mut d.overshoot, 1.0, why("no transitions")),
            undershoot: per_cycle(&mut d.undershoot, 1.0, why("no transitions")),
            preshoot: per_cycle(&mut d.preshoot, 1.0, why("no transitions")),
        }
    }
}

/// Measure `xs` (channel `config.channel` of a record in memory) in the three passes of
/// [`MeasurePasses`].
///
/// # Errors
/// Bad reference levels.
pub fn measure_slice(
    xs: &[f64],
    config: &MeasureConfig,
    sample_rate: Option<f64>,
) -> Result<MeasureReport> {
    config.validate()?;
    let layout = crate::Layout {
        channels: config.channel + 1,
        samples: xs.len() as u64,
    };
    let mut passes = MeasurePasses::new(*config);
    while let Some(sink) = passes.sink() {
        sink.begin(layout)?;
        sink.block(crate::Block {
            channel: config.channel,
            start: 0,
            samples: xs,
        })?;
        passes.end_pass();
    }
    passes
        .into_report(sample_rate)
        .ok_or_else(|| Error::Config("the measurement did not finish".into()))
}

/// Per-cycle values of `xs` computed in parallel-style segments starting at `starts`
/// (sorted sample indices, the first 0), each restarted earlier until it is in sync, and
/// merged: what the CLI does over a file's segments, here over a slice (for tests).
pub fn pulses_segmented(
    xs: &[f64],
    channel: usize,
    levels: RefLevels,
    starts: &[usize],
) -> PulseDists {
    let mut total: Option<PulseDists> = None;
    for (k, &from) in starts.iter().enumerate() {
        let to = starts.get(k + 1).map_or(u64::MAX, |&t| t as u64);
        let mut back = 1;
        let part = loop {
            let begin = k.saturating_sub(back);
            let at = starts[begin];
            let mut p = PulseTracker::owning(channel, levels, from as u64, to, at == 0);
            for (c, chunk) in xs[at..].chunks(4096).enumerate() {
                p.add((at + c * 4096) as u64, chunk);
                if p.done() {
                    break;
                }
            }
            if !p.unsynced() || at == 0 {
                break p.finish();
            }
            back += 1;
        };
        match &mut total {
            None => total = Some(part),
            Some(t) => {
                // Merging per-cycle distributions cannot fail.
                let _ = t.merge(part);
            }
        }
    }
    total.unwrap_or_default()
}

#[cfg(test)]
#[path = "measure_tests.rs"]
mod tests;
