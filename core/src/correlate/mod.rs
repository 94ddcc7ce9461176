//! Cross-correlation of two signals (feature `std`: it uses `realfft` and `rustfft`).
//!
//! `c[m] = Σₙ a[n+m]·b[n]` — scipy's `correlate(a, b, mode='full')` at lag `m` (output
//! index `m + len(b) − 1`). A positive peak lag means `a` is `b` delayed.
//! - [`correlate_full`]: every lag, in memory, one FFT of the padded pair.
//! - [`StreamCorrelator`]: lags `−L..=L` by overlap-save over blocks of `b`, both signals
//!   pushed in step; memory is bounded by `L`, not by the signals' lengths.
//! - [`plan_correlation`]: the streaming form cut into parts at block boundaries, to run
//!   on several workers ([`correlate_slice_part`] over slices) and merge in order.
//! - [`Peak`]: lag of the largest |c| with parabolic sub-sample interpolation, and the
//!   Pearson coefficient of the overlapping parts at that lag.

mod full;
mod parts;
mod peak;
mod prefix;
mod stream;

pub use crate::precision::Precision;
pub use full::{correlate_full, MAX_FULL_FFT};
pub use parts::{correlate_slice_part, merge_parts, plan_correlation, CorrelationPart};
pub use peak::{pearson, CorrelationReport, Peak};
pub use stream::{CorrelationSum, Sample, StreamCorrelator, MAX_STREAM_LAG, MIN_NFFT};

#[cfg(test)]
#[path = "correlate_tests.rs"]
mod tests;
