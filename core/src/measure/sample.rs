//! Sample types the measurement passes read directly: `f64` (decoded blocks) and `f32` (a
//! float32 capture read in place, four values per 128-bit vector instead of two).
//!
//! Every pass computes in `f64` exactly as for decoded samples: `f32 → f64` is exact and
//! monotone, so comparisons between samples, their extremes and negations are the same in
//! either type, and a comparison with an `f64` level equals one with the level's `f32`
//! bound ([`Sample::at_most`], [`Sample::at_least`]). Results are identical bit for bit.

/// A sample type of the measurement passes (`f32` or `f64`).
pub trait Sample: Copy + PartialOrd + PartialEq + core::ops::Neg<Output = Self> + Send {
    /// Zero.
    const ZERO: Self;
    /// Negative infinity.
    const NEG_INFINITY: Self;
    /// Positive infinity.
    const INFINITY: Self;

    /// The value as `f64` (exact).
    fn f64(self) -> f64;

    /// The smaller of two non-NaN values (`minps`/`minpd` in vector lanes; which of `±0`
    /// is unspecified).
    fn min_of(self, other: Self) -> Self;

    /// The larger of two non-NaN values (which of `±0` is unspecified).
    fn max_of(self, other: Self) -> Self;

    /// The samples as `f32` when they are (a fast path's test, without `unsafe` casts).
    fn as_f32(xs: &[Self]) -> Option<&[f32]>;

    /// Whether the value is neither NaN nor infinite.
    fn finite(self) -> bool;

    /// The largest value `b` with `b.f64() <= t` (`t` not NaN): for any non-NaN `x`,
    /// `x <= b` exactly when `x.f64() <= t`.
    fn at_most(t: f64) -> Self;

    /// The smallest value `b` with `b.f64() >= t` (`t` not NaN): for any non-NaN `x`,
    /// `x >= b` exactly when `x.f64() >= t`.
    fn at_least(t: f64) -> Self;
}

impl Sample for f64 {
    const ZERO: Self = 0.0;
    const NEG_INFINITY: Self = f64::NEG_INFINITY;
    const INFINITY: Self = f64::INFINITY;

    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn min_of(self, other: Self) -> Self {
        self.min(other)
    }

    #[inline(always)]
    fn max_of(self, other: Self) -> Self {
        self.max(other)
    }

    #[inline(always)]
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }

    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }

    fn at_most(t: f64) -> Self {
        t
    }

    fn at_least(t: f64) -> Self {
        t
    }
}

impl Sample for f32 {
    const ZERO: Self = 0.0;
    const NEG_INFINITY: Self = f32::NEG_INFINITY;
    const INFINITY: Self = f32::INFINITY;

    #[inline(always)]
    fn f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn min_of(self, other: Self) -> Self {
        self.min(other)
    }

    #[inline(always)]
    fn max_of(self, other: Self) -> Self {
        self.max(other)
    }

    #[inline(always)]
    fn as_f32(xs: &[Self]) -> Option<&[f32]> {
        Some(xs)
    }

    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }

    fn at_most(t: f64) -> Self {
        // Rounded to nearest: one step down when that went above.
        let b = t as f32;
        if f64::from(b) > t {
            step(b, false)
        } else {
            b
        }
    }

    fn at_least(t: f64) -> Self {
        let b = t as f32;
        if f64::from(b) < t {
            step(b, true)
        } else {
            b
        }
    }
}

/// The next `f32` above (`up`) or below `b` (not NaN; `f32::next_up`/`next_down` are
/// newer than the MSRV).
fn step(b: f32, up: bool) -> f32 {
    if b == 0.0 {
        let tiny = f32::from_bits(1);
        return if up { tiny } else { -tiny };
    }
    let bits = b.to_bits();
    // Away from zero is one more in the magnitude bits.
    let away = (b > 0.0) == up;
    f32::from_bits(if away { bits + 1 } else { bits - 1 })
}

#[cfg(test)]
mod tests {
    use super::{step, Sample};

    #[test]
    fn f32_bounds_equal_f64_comparisons() {
        let levels = [
            0.1,
            -0.1,
            0.0,
            -0.0,
            1.0,
            0.899_875_186_166_173_1,
            f64::from(0.3f32),
            f64::from(0.3f32) + 1e-12,
            1e39,
            -1e39,
            1e-50,
            -1e-50,
        ];
        let xs = [
            0.1f32,
            -0.1,
            0.0,
            -0.0,
            1.0,
            0.3,
            0.899_875_2,
            0.899_875_1,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-45,
            -1e-45,
        ];
        for &t in &levels {
            let (lo, hi) = (f32::at_most(t), f32::at_least(t));
            for &x in &xs {
                for y in [x, step(x, true), step(x, false)] {
                    assert_eq!(y <= lo, f64::from(y) <= t, "{y} <= {t}");
                    assert_eq!(y >= hi, f64::from(y) >= t, "{y} >= {t}");
                    assert_eq!(y > lo, f64::from(y) > t, "{y} > {t}");
                    assert_eq!(y < hi, f64::from(y) < t, "{y} < {t}");
                }
            }
        }
    }
}
