//! Moving average of the last `n` samples (`lfilter(ones(n)/n, 1, x)`) in O(1) per
//! sample: a running sum, recomputed exactly every `n` samples (at absolute positions, so
//! chunk-invariant) to stop rounding drift.

use alloc::format;
use alloc::vec::Vec;

use crate::{Error, Result};

/// The longest moving average.
pub const MAX_MOVING_AVERAGE: usize = 1 << 24;

/// A streaming moving average (zeros before the first sample).
#[derive(Debug, Clone)]
pub struct MovingAverage {
    ring: Vec<f64>,
    pos: usize,
    sum: f64,
}

impl MovingAverage {
    /// Average over `n` samples (1 to [`MAX_MOVING_AVERAGE`]).
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 || n > MAX_MOVING_AVERAGE {
            return Err(Error::Config(format!(
                "--moving-average: length must be 1 to {MAX_MOVING_AVERAGE}, not {n}"
            )));
        }
        Ok(MovingAverage {
            ring: alloc::vec![0.0; n],
            pos: 0,
            sum: 0.0,
        })
    }

    /// Filter `x`, appending the outputs to `out`.
    pub fn process(&mut self, x: &[f64], out: &mut Vec<f64>) {
        let n = self.ring.len() as f64;
        out.reserve(x.len());
        for &v in x {
            let old = core::mem::replace(&mut self.ring[self.pos], v);
            self.pos += 1;
            if self.pos == self.ring.len() {
                self.pos = 0;
                self.sum = self.ring.iter().sum();
            } else {
                self.sum += v - old;
            }
            out.push(self.sum / n);
        }
    }
}
