//! Float functions that work with and without `std`.

/// Square root.
#[inline]
pub fn sqrt(x: f64) -> f64 {
    #[cfg(feature = "std")]
    {
        x.sqrt()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrt(x)
    }
}

/// Largest integer not greater than `x`.
#[inline]
pub fn floor(x: f64) -> f64 {
    #[cfg(feature = "std")]
    {
        x.floor()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::floor(x)
    }
}

/// Round to the nearest integer, halves to even (as numpy's `rint`).
#[inline]
pub fn round_even(x: f64) -> f64 {
    libm::rint(x)
}
