//! Statistics over decoded frames: counts, error counts, rate, gaps and durations.

use crate::edges::{IntervalStats, Intervals};

use super::Span;

/// `stats` section of `scopekit decode --json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrameStats {
    /// Frames decoded.
    pub frames: u64,
    /// Frames with at least one error.
    pub errors: u64,
    /// Frames per second between the first frame's start and the last frame's end (`None`
    /// without a sample rate or with fewer than two frames).
    pub frames_per_second: Option<f64>,
    /// Idle time from one frame's end to the next frame's start (same lane), in seconds
    /// (samples without a sample rate).
    pub gap: IntervalStats,
    /// Frame durations, in seconds (samples without a sample rate).
    pub duration: IntervalStats,
}

/// Accumulates [`FrameStats`] frame by frame.
#[derive(Debug, Clone, Default)]
pub struct FrameStatsBuilder {
    frames: u64,
    errors: u64,
    first: Option<u64>,
    last_end: u64,
    lane_end: [Option<u64>; 4],
    gap: Intervals,
    duration: Intervals,
}

impl FrameStatsBuilder {
    /// Account for `frames`, in decoding order.
    pub fn add<F: Span>(&mut self, frames: &[F]) {
        for f in frames {
            let (start, end) = f.span();
            self.frames += 1;
            self.errors += u64::from(f.has_error());
            self.first.get_or_insert(start);
            self.last_end = self.last_end.max(end);
            let lane = &mut self.lane_end[f.lane().min(3)];
            if let Some(prev) = *lane {
                self.gap.add(start.saturating_sub(prev) as f64);
            }
            *lane = Some(end);
            self.duration.add(end.saturating_sub(start) as f64);
        }
    }

    /// The statistics; times in seconds when `sample_rate` is known.
    pub fn report(mut self, sample_rate: Option<f64>) -> FrameStats {
        let per = sample_rate.unwrap_or(1.0);
        let span = self.first.map(|f| self.last_end.saturating_sub(f));
        FrameStats {
            frames: self.frames,
            errors: self.errors,
            frames_per_second: match (sample_rate, span) {
                (Some(r), Some(s)) if self.frames > 1 && s > 0 => {
                    Some(self.frames as f64 * r / s as f64)
                }
                _ => None,
            },
            gap: self.gap.report(per),
            duration: self.duration.report(per),
        }
    }
}
