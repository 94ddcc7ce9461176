//! Sample types the measurement passes read directly: `f64` (decoded blocks), `f32` (a
//! float32 capture read in place, four values per 128-bit vector instead of two) and `i16`
//! (integer ADC codes as order keys, eight per 128-bit vector, whose values a
//! [`CodeValues`] gives).
//!
//! Every pass computes in `f64` exactly as for decoded samples: `f32 → f64` is exact and
//! monotone, and so is a code's value where [`CodeValues`] applies (strictly increasing
//! in the key), so comparisons between samples and their extremes are the same in the
//! sample type, and a comparison with an `f64` level equals one with the level's bound in
//! the sample type ([`Sample::at_most`], [`Sample::at_least`]). Negation happens only on
//! the `f64` values (a code cannot always be negated). Results are identical bit for bit.

/// The values of integer codes read as `i16` order keys: `gain · (key + bias) − offset`
/// in `f64` (the raw integer is `key + bias`: signed codes are their own keys, unsigned
/// ones are shifted by half their range). Used only where that is strictly increasing in
/// the key (see [`CodeValues::strictly_increasing`]); floats ignore it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeValues {
    /// The raw integer of key 0.
    pub bias: f64,
    /// Scale of the raw integer.
    pub gain: f64,
    /// Subtracted after scaling.
    pub offset: f64,
}

impl CodeValues {
    /// Keys that are the raw integers themselves.
    pub const IDENTITY: CodeValues = CodeValues {
        bias: 0.0,
        gain: 1.0,
        offset: 0.0,
    };

    /// The value of key `k` (for an identity map, `k` itself: `1 · x − 0` is `x`).
    #[inline(always)]
    pub fn value(&self, k: i16) -> f64 {
        self.gain * (f64::from(k) + self.bias) - self.offset
    }

    /// Whether the values of the keys `lo..=hi` strictly increase (and are finite): then
    /// comparisons of keys are comparisons of values, and equal values mean equal keys.
    pub fn strictly_increasing(&self, lo: i16, hi: i16) -> bool {
        let mut prev = f64::NEG_INFINITY;
        (lo..=hi).all(|k| {
            let v = self.value(k);
            let up = v > prev && v.is_finite();
            prev = v;
            up
        })
    }
}

/// A sample type of the measurement passes (`f32`, `f64` or `i16` code keys).
pub trait Sample: Copy + PartialOrd + PartialEq + Send {
    /// Whether two unequal representations compare equal (`±0`): extremes and minima
    /// then need a second look to tell which one the per-sample machine keeps.
    const SIGNED_ZEROS: bool;
    /// The smallest finite value (`x >= LOWEST` fails only for `−inf` and NaN).
    const LOWEST: Self;
    /// The largest finite value.
    const HIGHEST: Self;

    /// The sample as a number: a float's value (exact), a code's key.
    fn f64(self) -> f64;

    /// The sample's value: a float's own, a code's by `codes` (floats ignore it).
    fn value(self, codes: &CodeValues) -> f64;

    /// (min, max) of `xs` (finite, non-empty; which of `±0` is returned is unspecified:
    /// callers treat a zero extreme apart).
    fn extremes(xs: &[Self]) -> (Self, Self);

    /// The smallest finite sample of `xs` (the largest when `max`), `None` when no sample
    /// is finite; which of `±0` is returned is unspecified.
    fn finite_extreme(xs: &[Self], max: bool) -> Option<Self>;

    /// The samples as `f32` when they are (a fast path's test, without `unsafe` casts).
    fn as_f32(xs: &[Self]) -> Option<&[f32]>;

    /// Whether the value is neither NaN nor infinite.
    fn finite(self) -> bool;

    /// The largest sample `b` whose value is `<= t` (`t` not NaN): for any non-NaN `x`,
    /// `x <= b` exactly when `x.value(codes) <= t`. `None` when no sample has such a
    /// value (never for floats).
    fn at_most(t: f64, codes: &CodeValues) -> Option<Self>;

    /// The smallest sample `b` whose value is `>= t` (`t` not NaN): for any non-NaN `x`,
    /// `x >= b` exactly when `x.value(codes) >= t`. `None` when no sample has such a
    /// value (never for floats).
    fn at_least(t: f64, codes: &CodeValues) -> Option<Self>;
}

impl Sample for f64 {
    const SIGNED_ZEROS: bool = true;
    const LOWEST: Self = f64::MIN;
    const HIGHEST: Self = f64::MAX;

    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }

    #[inline(always)]
    fn value(self, _: &CodeValues) -> f64 {
        self
    }

    /// In integer lanes, as for `f32` (see `order_key_f64`).
    #[inline(always)]
    fn extremes(xs: &[Self]) -> (Self, Self) {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for &x in xs {
            let k = order_key_f64(x);
            lo = lo.min(k);
            hi = hi.max(k);
        }
        (from_order_key_f64(lo), from_order_key_f64(hi))
    }

    #[inline(always)]
    fn finite_extreme(xs: &[Self], max: bool) -> Option<Self> {
        finite_min_f64(xs, max).map(|m| if max { -m } else { m })
    }

    #[inline(always)]
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }

    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }

    fn at_most(t: f64, _: &CodeValues) -> Option<Self> {
        Some(t)
    }

    fn at_least(t: f64, _: &CodeValues) -> Option<Self> {
        Some(t)
    }
}

impl Sample for f32 {
    const SIGNED_ZEROS: bool = true;
    const LOWEST: Self = f32::MIN;
    const HIGHEST: Self = f32::MAX;

    #[inline(always)]
    fn f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn value(self, _: &CodeValues) -> f64 {
        f64::from(self)
    }

    /// In integer lanes: for non-NaN values, `order_key` orders as the values do (with
    /// −0 below +0), and integer minima and maxima vectorise cleanly (float compare-selects
    /// of several lanes do not: LLVM packs their masks).
    #[inline(always)]
    fn extremes(xs: &[Self]) -> (Self, Self) {
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for &x in xs {
            let k = order_key(x);
            lo = lo.min(k);
            hi = hi.max(k);
        }
        (from_order_key(lo), from_order_key(hi))
    }

    #[inline(always)]
    fn finite_extreme(xs: &[Self], max: bool) -> Option<Self> {
        finite_min_f32(xs, max).map(|m| if max { -m } else { m })
    }

    #[inline(always)]
    fn as_f32(xs: &[Self]) -> Option<&[f32]> {
        Some(xs)
    }

    #[inline(always)]
    fn finite(self) -> bool {
        self.is_finite()
    }

    fn at_most(t: f64, _: &CodeValues) -> Option<Self> {
        // Rounded to nearest: one step down when that went above.
        let b = t as f32;
        Some(if f64::from(b) > t { step(b, false) } else { b })
    }

    fn at_least(t: f64, _: &CodeValues) -> Option<Self> {
        let b = t as f32;
        Some(if f64::from(b) < t { step(b, true) } else { b })
    }
}

/// Code keys: sixteen per 256-bit vector in the comparison loops; a key's value only at
/// the ends of runs.
impl Sample for i16 {
    const SIGNED_ZEROS: bool = false;
    const LOWEST: Self = i16::MIN;
    const HIGHEST: Self = i16::MAX;

    #[inline(always)]
    fn f64(self) -> f64 {
        f64::from(self)
    }

    #[inline(always)]
    fn value(self, codes: &CodeValues) -> f64 {
        codes.value(self)
    }

    #[inline(always)]
    fn extremes(xs: &[Self]) -> (Self, Self) {
        xs.iter()
            .fold((i16::MAX, i16::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)))
    }

    #[inline(always)]
    fn finite_extreme(xs: &[Self], max: bool) -> Option<Self> {
        let (lo, hi) = Self::extremes(xs);
        (!xs.is_empty()).then_some(if max { hi } else { lo })
    }

    #[inline(always)]
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }

    #[inline(always)]
    fn finite(self) -> bool {
        true
    }

    fn at_most(t: f64, codes: &CodeValues) -> Option<Self> {
        // The values increase with the key: the key before the first one above `t`.
        i16::try_from(first_key(codes, |v| v > t) - 1).ok()
    }

    fn at_least(t: f64, codes: &CodeValues) -> Option<Self> {
        i16::try_from(first_key(codes, |v| v >= t)).ok()
    }
}

/// The first `i16` key whose value satisfies `past` (monotone: false, then true, as the
/// values increase with the key), by binary search; `i16::MAX + 1` when none does.
fn first_key(codes: &CodeValues, past: impl Fn(f64) -> bool) -> i32 {
    let (mut lo, mut hi) = (i32::from(i16::MIN), i32::from(i16::MAX) + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if past(codes.value(mid as i16)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// `$key(x)`: an integer ordered as the non-NaN values of the float type are (−0 just
/// below +0): the bits of a negative value with the magnitude bits flipped (two's
/// complement order); `$value` inverts it (the map is its own inverse). `$min` is the
/// smallest finite value of a slice (of its negations when `neg`), in integer lanes.
macro_rules! order_key {
    ($key:ident, $value:ident, $min:ident, $float:ty, $int:ty, $uint:ty) => {
        /// An integer ordered as the non-NaN values are (see `order_key!`).
        #[inline(always)]
        fn $key(x: $float) -> $int {
            let b = x.to_bits() as $int;
            b ^ (((b >> (<$int>::BITS - 1)) as $uint) >> 1) as $int
        }

        /// The value of a key (see `order_key!`).
        #[inline(always)]
        fn $value(k: $int) -> $float {
            <$float>::from_bits((k ^ (((k >> (<$int>::BITS - 1)) as $uint) >> 1) as $int) as $uint)
        }

        /// The smallest finite `s · x` over `xs` (`s` = −1 when `neg`, else 1; negation
        /// flips the sign bit, exactly); `None` when none is finite. Which of ±0 is
        /// returned is unspecified. Keys of non-finite values are replaced by the largest
        /// key, which no finite value has, so the loop is selects and integer minima.
        #[inline(always)]
        fn $min(xs: &[$float], neg: bool) -> Option<$float> {
            let sign: $uint = 1 << (<$int>::BITS - 1);
            let flip = if neg { sign } else { 0 };
            let inf = <$float>::INFINITY.to_bits();
            let mut lo = <$int>::MAX;
            for &x in xs {
                let bits = x.to_bits() ^ flip;
                let finite = (bits & !sign) < inf;
                let k = $key(<$float>::from_bits(bits));
                lo = lo.min(if finite { k } else { <$int>::MAX });
            }
            (lo != <$int>::MAX).then(|| $value(lo))
        }
    };
}

order_key!(order_key, from_order_key, finite_min_f32, f32, i32, u32);
order_key!(
    order_key_f64,
    from_order_key_f64,
    finite_min_f64,
    f64,
    i64,
    u64
);

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
    use alloc::vec::Vec;

    use super::{
        from_order_key, from_order_key_f64, order_key, order_key_f64, step, CodeValues, Sample,
    };

    /// Signed zeros, subnormals, the largest finite values and the infinities.
    const AWKWARD: [f32; 11] = [
        0.5f32,
        -0.0,
        0.0,
        -1e-45,
        1e-45,
        f32::MAX,
        f32::MIN,
        -3.25,
        7.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];

    #[test]
    fn f32_extremes_in_integer_lanes() {
        let xs = AWKWARD;
        for x in xs {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
            let w = f64::from(x);
            assert_eq!(from_order_key_f64(order_key_f64(w)).to_bits(), w.to_bits());
        }
        for n in 1..xs.len() {
            for s in 0..n {
                let v = &xs[s..n];
                let (lo, hi) = f32::extremes(v);
                let lo64 = v
                    .iter()
                    .map(|&x| f64::from(x))
                    .fold(f64::INFINITY, f64::min);
                let hi64 = v
                    .iter()
                    .map(|&x| f64::from(x))
                    .fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(f64::from(lo), lo64, "{v:?}");
                assert_eq!(f64::from(hi), hi64, "{v:?}");
                assert_eq!(
                    f64::extremes(&v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()).0,
                    lo64
                );
            }
        }
        // Long runs: the lanes and the remainder.
        let long: Vec<f32> = (0..1000)
            .map(|i| ((i * 7919) % 1013) as f32 - 500.0)
            .collect();
        let wide: Vec<f64> = long.iter().map(|&x| f64::from(x) + 0.1).collect();
        for n in [1, 15, 16, 17, 33, 1000] {
            let (lo, hi) = f32::extremes(&long[..n]);
            let m = long[..n].iter().fold(f32::INFINITY, |a, &b| a.min(b));
            let x = long[..n].iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            assert_eq!((lo, hi), (m, x));
            let (lo, hi) = f64::extremes(&wide[..n]);
            let m = wide[..n].iter().fold(f64::INFINITY, |a, &b| a.min(b));
            let x = wide[..n].iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            assert_eq!((lo, hi), (m, x));
        }
    }

    #[test]
    fn finite_minima_in_integer_lanes() {
        let mut xs = AWKWARD.to_vec();
        xs.extend([f32::NAN, -f32::NAN]);
        for n in 0..=xs.len() {
            for s in 0..n {
                for neg in [false, true] {
                    let v = &xs[s..n];
                    let want = v
                        .iter()
                        .map(|&x| if neg { -x } else { x })
                        .filter(|x| x.is_finite())
                        .fold(None, |m: Option<f32>, x| Some(m.map_or(x, |m| m.min(x))));
                    let got = f32::finite_extreme(v, neg).map(|m| if neg { -m } else { m });
                    assert_eq!(got, want, "{v:?} {neg}");
                    let w: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
                    let got = f64::finite_extreme(&w, neg).map(|m| if neg { -m } else { m });
                    assert_eq!(got, want.map(f64::from), "{v:?} {neg}");
                }
            }
        }
    }

    /// Code keys' bounds of a level equal comparisons of their values, for maps like the
    /// formats' (identity, a scope's gain and offset, unsigned codes, a coarse gain).
    #[test]
    fn code_bounds_equal_value_comparisons() {
        let maps = [
            CodeValues::IDENTITY,
            CodeValues {
                bias: 0.0,
                gain: 1.25e-4,
                offset: -0.3,
            },
            CodeValues {
                bias: 32768.0,
                gain: 1.0 / 20000.0,
                offset: 1.6384,
            },
            CodeValues {
                bias: 0.0,
                gain: 0.05,
                offset: 0.0,
            },
        ];
        for codes in maps {
            assert!(codes.strictly_increasing(i16::MIN, i16::MAX));
            let keys = [i16::MIN, -20000, -1, 0, 1, 77, 20000, i16::MAX];
            let mut levels: Vec<f64> = keys.iter().map(|&k| codes.value(k)).collect();
            levels.extend(keys.iter().map(|&k| codes.value(k) + codes.gain / 3.0));
            levels.extend([-1e9, 1e9, 0.0, -0.0]);
            for &t in &levels {
                let (lo, hi) = (i16::at_most(t, &codes), i16::at_least(t, &codes));
                for x in (i16::MIN..=i16::MAX).step_by(7).chain([i16::MAX]) {
                    let v = codes.value(x);
                    assert_eq!(lo.is_some_and(|b| x <= b), v <= t, "{x} <= {t}");
                    assert_eq!(hi.is_some_and(|b| x >= b), v >= t, "{x} >= {t}");
                }
            }
        }
        let flat = CodeValues {
            bias: 0.0,
            gain: 1e-30,
            offset: -1.0,
        };
        assert!(!flat.strictly_increasing(i16::MIN, i16::MAX));
    }

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
            let id = CodeValues::IDENTITY;
            let (lo, hi) = (f32::at_most(t, &id), f32::at_least(t, &id));
            let (Some(lo), Some(hi)) = (lo, hi) else {
                panic!("no f32 bound of {t}");
            };
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
