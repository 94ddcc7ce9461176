//! The level-0 reduction of the pyramid: the min and max of a run of samples, NaN left out.
//!
//! Branch-free lane loops: [`LANES`] independent running minima and maxima, each updated by
//! a compare and select (`x < lo ? x : lo`), so a NaN sample (every comparison false) never
//! replaces a lane's value, then folded with the same select. The min and max of a set of
//! non-NaN values do not depend on the order they are taken in, so the result is the one of
//! a sample-by-sample loop (up to the sign of a zero when `0.0` and `-0.0` tie).

/// Running minima and maxima kept side by side.
const LANES: usize = 8;

/// `(min, max)` of `acc` and the non-NaN samples of `xs` (`acc` itself when there are none).
/// `acc` must not hold a NaN (the empty min/max is `(+inf, -inf)`).
pub(crate) fn min_max(acc: (f64, f64), xs: &[f64]) -> (f64, f64) {
    let body = xs.len() / LANES * LANES;
    let (lo, hi) = lanes(acc, &xs[..body]);
    let (mut a, mut b) = acc;
    for (&l, &h) in lo.iter().zip(&hi) {
        a = if l < a { l } else { a };
        b = if h > b { h } else { b };
    }
    for &x in &xs[body..] {
        a = if x < a { x } else { a };
        b = if x > b { x } else { b };
    }
    (a, b)
}

/// Per-lane minima and maxima, each lane starting from `acc`, over `xs` (a multiple of
/// [`LANES`] long); portable form. Kept out of line: on its own, x86-64 compiles the loop to
/// `vminpd`/`vmaxpd`; inlined into [`min_max`], LLVM vectorised it together with the fold
/// into compares, packs and blends (the pyramid's level 0 then took 30 % of the page's
/// ingest natively).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(never)]
fn lanes(acc: (f64, f64), xs: &[f64]) -> ([f64; LANES], [f64; LANES]) {
    let (mut lo, mut hi) = ([acc.0; LANES], [acc.1; LANES]);
    for c in xs.chunks_exact(LANES) {
        for j in 0..LANES {
            let x = c[j];
            lo[j] = if x < lo[j] { x } else { lo[j] };
            hi[j] = if x > hi[j] { x } else { hi[j] };
        }
    }
    (lo, hi)
}

/// Per-lane minima and maxima in wasm simd128 vectors of two lanes: `pmin(lo, x)` is
/// `x < lo ? x : lo` and `pmax(hi, x)` is `hi < x ? x : hi`, the portable selects exactly.
/// The four vectors are folded with the same selects before two lanes are taken out.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn lanes(acc: (f64, f64), xs: &[f64]) -> ([f64; 2], [f64; 2]) {
    use core::arch::wasm32::{f64x2, f64x2_extract_lane, f64x2_pmax, f64x2_pmin, f64x2_splat};
    const _: () = assert!(LANES == 8, "four vectors of two lanes");
    let (l, h) = (f64x2_splat(acc.0), f64x2_splat(acc.1));
    let (mut lo, mut hi) = ([l; 4], [h; 4]);
    for c in xs.chunks_exact(LANES) {
        for v in 0..4 {
            let x = f64x2(c[2 * v], c[2 * v + 1]);
            lo[v] = f64x2_pmin(lo[v], x);
            hi[v] = f64x2_pmax(hi[v], x);
        }
    }
    let lo = f64x2_pmin(f64x2_pmin(lo[0], lo[1]), f64x2_pmin(lo[2], lo[3]));
    let hi = f64x2_pmax(f64x2_pmax(hi[0], hi[1]), f64x2_pmax(hi[2], hi[3]));
    (
        [f64x2_extract_lane::<0>(lo), f64x2_extract_lane::<1>(lo)],
        [f64x2_extract_lane::<0>(hi), f64x2_extract_lane::<1>(hi)],
    )
}
