//! Band specifications and their validation (shared by the FIR and IIR designs).

use alloc::format;
use alloc::string::String;

use crate::{Error, Result};

/// Which frequencies a filter keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// Keep frequencies below the corner (Hz).
    Lowpass(f64),
    /// Keep frequencies above the corner (Hz).
    Highpass(f64),
    /// Keep frequencies between the two edges (Hz).
    Bandpass(f64, f64),
    /// Remove frequencies between the two edges (Hz).
    Bandstop(f64, f64),
}

impl Band {
    /// The option name of this band (`--lowpass`, ...), for error messages.
    pub fn option(self) -> &'static str {
        match self {
            Band::Lowpass(_) => "--lowpass",
            Band::Highpass(_) => "--highpass",
            Band::Bandpass(..) => "--bandpass",
            Band::Bandstop(..) => "--bandstop",
        }
    }

    /// The corner frequencies as fractions of Nyquist, checked: each in (0, 1) and band
    /// edges increasing. Errors name the option.
    pub fn normalized(self, fs: f64) -> Result<([f64; 2], usize)> {
        let name = self.option();
        if !(fs.is_finite() && fs > 0.0) {
            return Err(Error::Config(format!(
                "{name}: the sample rate must be a positive number, not {fs}"
            )));
        }
        let nyq = fs / 2.0;
        let (edges, n) = match self {
            Band::Lowpass(f) | Band::Highpass(f) => ([f, 0.0], 1),
            Band::Bandpass(a, b) | Band::Bandstop(a, b) => ([a, b], 2),
        };
        for &f in &edges[..n] {
            if !(f > 0.0 && f < nyq) {
                return Err(Error::Config(format!(
                    "{name}: corner frequency {f} Hz must be above 0 and below Nyquist ({nyq} Hz at {fs} Sa/s)"
                )));
            }
        }
        if n == 2 && edges[0] >= edges[1] {
            return Err(Error::Config(format!(
                "{name}: band edges must increase ({} Hz is not below {} Hz)",
                edges[0], edges[1]
            )));
        }
        Ok(([edges[0] / nyq, edges[1] / nyq], n))
    }
}

/// Text of a band for reports.
pub fn describe(band: Band) -> String {
    match band {
        Band::Lowpass(f) => format!("lowpass {f} Hz"),
        Band::Highpass(f) => format!("highpass {f} Hz"),
        Band::Bandpass(a, b) => format!("bandpass {a}-{b} Hz"),
        Band::Bandstop(a, b) => format!("bandstop {a}-{b} Hz"),
    }
}
