//! The arithmetic precision of the FFT kernels (Welch spectra, streaming correlation), and
//! the one rule that picks it from an input: float32 samples are transformed in f32, as
//! scipy computes a float32 array, everything else in f64.

use alloc::format;

use crate::formats::dtype::{Dtype, DtypeKind};
use crate::formats::Header;
use crate::{Error, Result};

/// The precision of a kernel's transforms (sums and results stay f64 either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// f32 transforms (twice the SIMD lanes; ~1e-7 relative rounding).
    F32,
    /// f64 transforms.
    #[default]
    F64,
}

impl Precision {
    /// Parse `f32`, `f64` or `auto` (`None`: the input's own, see [`Precision::resolve`]).
    pub fn parse(text: &str) -> Result<Option<Precision>> {
        match text {
            "auto" => Ok(None),
            "f32" => Ok(Some(Precision::F32)),
            "f64" => Ok(Some(Precision::F64)),
            _ => Err(Error::Config(format!(
                "precision is f32, f64 or auto, not '{text}'"
            ))),
        }
    }

    /// The precision of samples stored as `dtype`: f32 for float32, f64 for anything else.
    pub fn of_dtype(dtype: Dtype) -> Precision {
        match (dtype.kind, dtype.size) {
            (DtypeKind::Float, 4) => Precision::F32,
            _ => Precision::F64,
        }
    }

    /// `choice`, or else the input's own precision: f32 when its samples are stored as
    /// float32 (NPY, raw and npz of dtype f4, IEEE-float 32-bit WAV), f64 for everything else
    /// (float64 and integer samples, LeCroy TRC whose samples are integer codes, CSV, VCD,
    /// sigrok sessions).
    pub fn resolve(choice: Option<Precision>, header: &Header) -> Precision {
        choice.unwrap_or_else(|| match header {
            // Scaled volts convert to float32, but the stored samples are 8/16-bit codes.
            Header::Trc(_) => Precision::F64,
            h => Precision::of_dtype(h.natural_dtype()),
        })
    }

    /// The precision of two inputs combined (a correlation): f32 only when both are f32.
    pub fn both(self, other: Precision) -> Precision {
        if self == Precision::F32 && other == Precision::F32 {
            Precision::F32
        } else {
            Precision::F64
        }
    }

    /// `f32` or `f64`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}
