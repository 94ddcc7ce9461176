//! Digital filters that match scipy: FIR windowed-sinc design (`firwin`), Butterworth and
//! Chebyshev I IIR design as second-order sections (`butter`/`cheby1(..., output='sos')`),
//! moving average and decimation; streaming application with state carried across
//! pushes (chunk-invariant bit for bit), and zero-phase forward-backward filtering
//! (`sosfiltfilt`/`filtfilt`) of records that fit in memory.
//!
//! NaN or infinite input samples propagate as in scipy: a FIR output is NaN while the
//! NaN is within its taps; an IIR filter's output stays NaN from then on (its state is
//! poisoned), as `sosfilt` does.

pub mod band;
pub mod chain;
pub mod complex;
pub mod fir;
pub mod iir;
pub mod moving;
pub mod response;
pub mod sos;
pub mod sos_pairing;
pub mod zero_phase;

pub use band::Band;
pub use chain::{Chain, Collecting, Design, Designed, FilterSpec, Stage, MAX_DECIMATION};
pub use fir::{firwin, FirFilter, MAX_TAPS};
pub use iir::{design_iir, Prototype, Section, MAX_IIR_ORDER};
pub use moving::{MovingAverage, MAX_MOVING_AVERAGE};
pub use response::{fir_response, sos_response, MAX_RESPONSE_POINTS};
pub use sos::SosFilter;
pub use zero_phase::{filtfilt, MAX_ZERO_PHASE};

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
