//! The three passes of a measurement over a record read from its first byte each time
//! (formats that cannot be cut into segments, or a page streaming a dropped file): moments,
//! the level histogram between the extremes, the transitions at the levels it gives. The
//! CLI's serial path and the page's measure view both drive this one sequence.

use alloc::boxed::Box;

use super::mapped::Measured;
use super::{LevelHistogram, LevelScan, MeasureConfig, MeasureReport, PulseTracker};
use crate::BlockSink;

/// Where the passes are.
#[derive(Debug, Clone)]
enum Stage {
    Scan(LevelScan),
    Histogram(LevelScan, LevelHistogram),
    Pulses(LevelScan, (f64, f64), Box<PulseTracker>),
    Done(Box<Measured>),
}

/// The passes of one measurement: feed the record to [`MeasurePasses::sink`], then call
/// [`MeasurePasses::end_pass`], until it says the measurement is done.
#[derive(Debug, Clone)]
pub struct MeasurePasses {
    config: MeasureConfig,
    stage: Stage,
    pass: u32,
}

impl MeasurePasses {
    /// The first pass of a measurement by `config`.
    pub fn new(config: MeasureConfig) -> Self {
        MeasurePasses {
            stage: Stage::Scan(LevelScan::new(config.channel)),
            config,
            pass: 1,
        }
    }

    /// The pass being read: 1, 2 or 3 (0 when done).
    pub fn pass(&self) -> u32 {
        self.pass
    }

    /// Where the record's blocks go in this pass; `None` when done.
    pub fn sink(&mut self) -> Option<&mut dyn BlockSink> {
        match &mut self.stage {
            Stage::Scan(s) => Some(s),
            Stage::Histogram(_, h) => Some(h),
            Stage::Pulses(_, _, p) => Some(p.as_mut()),
            Stage::Done(_) => None,
        }
    }

    /// End the pass (the whole record was given to [`Self::sink`]): `true` when the
    /// measurement is done, `false` when the record must be read again from its start.
    pub fn end_pass(&mut self) -> bool {
        let ch = self.config.channel;
        let done = |scan, top_base, pulses| {
            Stage::Done(Box::new(Measured {
                scan,
                top_base,
                pulses,
            }))
        };
        let placeholder = Stage::Scan(LevelScan::new(ch));
        self.stage = match core::mem::replace(&mut self.stage, placeholder) {
            Stage::Scan(scan) => {
                let m = scan.moments();
                match LevelHistogram::new(ch, m.min, m.max) {
                    Some(h) => Stage::Histogram(scan, h),
                    None => done(scan, None, None),
                }
            }
            Stage::Histogram(scan, h) => {
                let tb = h.top_base();
                match self.config.ref_levels(Some(tb)) {
                    Some(lv) => Stage::Pulses(scan, tb, Box::new(PulseTracker::new(ch, lv))),
                    None => done(scan, Some(tb), None),
                }
            }
            Stage::Pulses(scan, tb, p) => done(scan, Some(tb), Some(p.finish())),
            Stage::Done(m) => Stage::Done(m),
        };
        let finished = matches!(self.stage, Stage::Done(_));
        self.pass = if finished { 0 } else { self.pass + 1 };
        finished
    }

    /// The report once done (`rate`: samples per second, when known); `None` before.
    pub fn into_report(self, rate: Option<f64>) -> Option<MeasureReport> {
        match self.stage {
            Stage::Done(m) => Some(m.report(&self.config, rate)),
            _ => None,
        }
    }
}
