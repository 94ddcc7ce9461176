//! Overlap-save cross-correlation over lags `−L..=L`, streaming.
//!
//! `b` is cut into blocks of `S` samples at absolute positions `0, S, 2S, ...`; block
//! `[n0, n0+S)` meets the segment `a[n0−L .. n0+S+L)` in FFTs of `N ≥ S + 2L` points: the
//! first `2L + 1` outputs of the inverse FFT of `A·conj(B)` are that block's share of every
//! lag. Both signals of a block go through one complex FFT of `a + i·s·b` (`s` a power of
//! two balancing their magnitudes), from which the cross spectrum is formed directly. The
//! transform is linear, so the blocks' cross spectra are summed and transformed back once
//! at the end (one forward FFT per block, no inverse). Blocks sit at absolute
//! positions, so the result does not depend on how the input is pushed (bit for bit), and
//! a record can be cut at block boundaries into parts correlated apart and merged
//! ([`StreamCorrelator::part`], [`CorrelationSum::merge`]) — equal to the serial result
//! up to the rounding of the sums' order. Memory: a few buffers of `N` values, `N` = the
//! power of two ≥ 4·(2L+1), at least [`MIN_NFFT`] — plus what one signal is pushed ahead of
//! the other (push in step).
//!
//! [`Precision::F32`] runs the per-block FFT in single precision (twice the SIMD lanes,
//! half the memory traffic), forms each bin's products in single precision too (in double
//! for blocks of extreme magnitude, see `narrow_ok`) and sums the cross spectra, the
//! final inverse FFT and the prefix sums in double: what scipy computes for float32
//! inputs, within the tolerance stated in docs/json-schema.md. [`Precision::F64`] is double
//! throughout.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use realfft::RealFftPlanner;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftNum, FftPlanner};

use super::peak::{pearson, Peak};
use super::prefix::Prefix;
use crate::precision::Precision;
use crate::{Error, Result};

/// The largest `L` of the streaming form (its FFT is then 2^23 points, ~200 MiB).
pub const MAX_STREAM_LAG: usize = 1 << 19;
/// The smallest FFT of the streaming form: small enough to stay in the L2 cache, large
/// enough that the `2L` overlap costs little for short lags.
pub const MIN_NFFT: usize = 1 << 14;

/// Whether lags `−max_lag..=max_lag` can be streamed.
pub(super) fn check_lag(max_lag: usize) -> Result<()> {
    if max_lag > MAX_STREAM_LAG {
        return Err(Error::Config(format!(
            "--max-lag: at most {MAX_STREAM_LAG} samples when streaming, not {max_lag}"
        )));
    }
    Ok(())
}

/// The FFT length of lags `−L..=L`.
fn nfft_for(max_lag: usize) -> usize {
    (4 * (2 * max_lag + 1)).next_power_of_two().max(MIN_NFFT)
}

/// Samples of `x` (starting at absolute index `at`) inside `[from, to)`.
fn within<T>(x: &[T], at: u64, from: u64, to: u64) -> &[T] {
    let len = x.len() as u64;
    let lo = from.saturating_sub(at).min(len);
    let hi = to.saturating_sub(at).min(len).max(lo);
    &x[lo as usize..hi as usize]
}

/// A sample type of the per-block FFTs.
trait Real: FftNum + Default + PartialOrd + Into<f64> {
    fn wide(self) -> f64;
    /// `x` rounded to this type.
    fn narrow(x: f64) -> Self;
    fn from32(x: f32) -> Self;
    /// A pushed sample rounded to this type.
    fn from_sample<S: Sample>(x: S) -> Self;
    /// Add the cross spectra of one block's FFT, then of the next one's when given (see
    /// [`add_cross`]).
    fn add_cross(cross: &mut Spectrum, this: Spectra<'_, Self>, next: Option<Spectra<'_, Self>>) {
        add_cross(cross, (this.z, this.s), next.map(|n| (n.z, n.s)));
    }
}

/// The FFT `z` of one block's `a + i·s·b`, with its `s`, and whether its products can be
/// formed in `T` without overflow or underflow (see [`narrow_ok`]).
#[derive(Clone, Copy)]
struct Spectra<'z, T> {
    z: &'z [Complex<T>],
    s: f64,
    narrow: bool,
}

impl<'z, T> Spectra<'z, T> {
    fn new(z: &'z [Complex<T>], (s, narrow): (f64, bool)) -> Self {
        Spectra { z, s, narrow }
    }

    /// Bins `1..N/2` and `N/2+1..N`, and the scales `1/2s`, `1/4s`.
    fn halves(self) -> (&'z [Complex<T>], &'z [Complex<T>], f64, f64) {
        let half = self.z.len() / 2;
        (
            &self.z[1..half],
            &self.z[half + 1..],
            0.5 / self.s,
            0.25 / self.s,
        )
    }
}

impl Real for f32 {
    fn wide(self) -> f64 {
        f64::from(self)
    }
    fn narrow(x: f64) -> Self {
        x as f32
    }
    fn from32(x: f32) -> Self {
        x
    }
    fn from_sample<S: Sample>(x: S) -> Self {
        x.to32()
    }
    /// The products formed in single precision (8 lanes; each block's terms rounded to
    /// `f32` once, then scaled and summed in double) for blocks of moderate magnitude,
    /// in double otherwise.
    fn add_cross(cross: &mut Spectrum, this: Spectra<'_, f32>, next: Option<Spectra<'_, f32>>) {
        match next {
            Some(n) if this.narrow && n.narrow => add_cross_narrow(cross, this, Some(n)),
            _ => {
                // One block at a time: the same sums as a pair, in the same order.
                for b in core::iter::once(this).chain(next) {
                    if b.narrow {
                        add_cross_narrow(cross, b, None);
                    } else {
                        add_cross(cross, (b.z, b.s), None);
                    }
                }
            }
        }
    }
}

impl Real for f64 {
    fn wide(self) -> f64 {
        self
    }
    fn narrow(x: f64) -> Self {
        x
    }
    fn from32(x: f32) -> Self {
        f64::from(x)
    }
    fn from_sample<S: Sample>(x: S) -> Self {
        x.into()
    }
}

/// The binary exponent of a finite, positive `x`.
fn exponent(x: f64) -> i32 {
    ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023
}

/// `2^k` for `|k| ≤ 1000`.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// The power of two `s` that brings `b`'s largest magnitude near `a`'s, so that the
/// rounding of the shared FFT does not swamp the smaller signal; multiplying by it is
/// exact (`s` is 1 when either is zero or not finite).
fn balance(max_a: f64, max_b: f64) -> f64 {
    let ok = |x: f64| x > 0.0 && x.is_normal();
    if !(ok(max_a) && ok(max_b)) {
        return 1.0;
    }
    pow2((exponent(max_a) - exponent(max_b)).clamp(-100, 100))
}

/// A sample pushed: `f64`, or `f32` kept as it is on the single-precision path.
pub trait Sample: Copy + Into<f64> + sealed::Sealed {
    #[doc(hidden)]
    fn to32(self) -> f32;
}

impl Sample for f64 {
    fn to32(self) -> f32 {
        self as f32
    }
}

impl Sample for f32 {
    fn to32(self) -> f32 {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

/// Samples held: a buffer that keeps its values past the end when its front is dropped, so
/// that reading into it again needs no zeroing first (it never shrinks: its size is the most
/// ever held).
struct Held<T> {
    buf: Vec<T>,
    len: usize,
}

impl<T: Copy + Default> Held<T> {
    /// `lead` zeros.
    fn zeros(lead: usize) -> Self {
        Held {
            buf: alloc::vec![T::default(); lead],
            len: lead,
        }
    }

    /// The values held.
    fn get(&self) -> &[T] {
        &self.buf[..self.len]
    }

    /// The `n` values after the end, to write and then [`Held::commit`] (stale or zero
    /// values until written).
    fn space(&mut self, n: usize) -> &mut [T] {
        let end = self.len + n;
        if self.buf.len() < end {
            self.buf.resize(end, T::default());
        }
        &mut self.buf[self.len..end]
    }

    /// Hold the `n` values written after the end.
    fn commit(&mut self, n: usize) {
        self.len += n;
    }

    /// Append `x` converted by `f`.
    fn extend<S: Copy>(&mut self, x: &[S], f: impl Fn(S) -> T) {
        for (d, &v) in self.space(x.len()).iter_mut().zip(x) {
            *d = f(v);
        }
        self.commit(x.len());
    }

    /// Drop the first `n` values.
    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
    }
}

/// Append the little-endian float32 at byte `col` of each `row`-byte row of `bytes` to
/// `held`, and the part of them inside `[first, end)` (they start at absolute index `at`)
/// to `prefix`.
fn decode_into<T: Real>(
    held: &mut Held<T>,
    bytes: &[u8],
    row: usize,
    col: usize,
    at: u64,
    (first, end): (u64, u64),
    prefix: &mut Prefix,
) {
    let le = |r: &[u8]| T::from32(f32::from_le_bytes([r[0], r[1], r[2], r[3]]));
    let n = bytes.len() / row;
    let space = held.space(n);
    if row == 4 {
        for (d, r) in space.iter_mut().zip(bytes.chunks_exact(4)) {
            *d = le(r);
        }
    } else {
        for (d, r) in space.iter_mut().zip(bytes.chunks_exact(row)) {
            *d = le(&r[col..col + 4]);
        }
    }
    prefix.push(within(space, at, first, end));
    held.commit(n);
}

/// Write `a + i·b` (zero-padded) into `z`; the largest |a| and |b| (0 for none; NaN
/// ignored), taken in lanes in the same pass.
fn fill<T: Real>(z: &mut [Complex<T>], a: &[T], b: &[T]) -> (f64, f64) {
    const LANES: usize = 16;
    let zero = T::zero();
    let both = a.len().min(b.len());
    let (mut ma, mut mb) = ([zero; LANES], [zero; LANES]);
    let mut zc = z[..both].chunks_exact_mut(LANES);
    let mut ac = a[..both].chunks_exact(LANES);
    let mut bc = b[..both].chunks_exact(LANES);
    for ((zs, xs), ys) in (&mut zc).zip(&mut ac).zip(&mut bc) {
        for j in 0..LANES {
            let (x, y) = (xs[j], ys[j]);
            ma[j] = max(ma[j], x.abs());
            mb[j] = max(mb[j], y.abs());
            zs[j] = Complex::new(x, y);
        }
    }
    let mut ta = zero;
    let mut tb = zero;
    for ((z, &x), &y) in zc
        .into_remainder()
        .iter_mut()
        .zip(ac.remainder())
        .zip(bc.remainder())
    {
        ta = max(ta, x.abs());
        tb = max(tb, y.abs());
        *z = Complex::new(x, y);
    }
    let ta = max(
        ta,
        fill_one(&mut z[both..], &a[both..], |x| Complex::new(x, zero)),
    );
    let tb = max(
        tb,
        fill_one(&mut z[both..], &b[both..], |y| Complex::new(zero, y)),
    );
    z[a.len().max(b.len())..].fill(Complex::new(zero, zero));
    let fold = |m: [T; LANES], t: T| m.iter().fold(t, |a, &b| max(a, b)).wide();
    (fold(ma, ta), fold(mb, tb))
}

/// Write `put(x)` into `z` for each `x` (as far as `z` reaches); the largest |x| (0 for
/// none; NaN ignored), in lanes.
fn fill_one<T: Real>(z: &mut [Complex<T>], x: &[T], put: impl Fn(T) -> Complex<T>) -> T {
    const LANES: usize = 16;
    let n = x.len().min(z.len());
    let (z, x) = (&mut z[..n], &x[..n]);
    let mut m = [T::zero(); LANES];
    let mut zc = z.chunks_exact_mut(LANES);
    let mut xc = x.chunks_exact(LANES);
    for (zs, xs) in (&mut zc).zip(&mut xc) {
        for j in 0..LANES {
            m[j] = max(m[j], xs[j].abs());
            zs[j] = put(xs[j]);
        }
    }
    let mut t = T::zero();
    for (z, &v) in zc.into_remainder().iter_mut().zip(xc.remainder()) {
        t = max(t, v.abs());
        *z = put(v);
    }
    m.iter().fold(t, |a, &b| max(a, b))
}

/// The larger of `x` and `y`, ignoring a NaN `y` (as `f32::max` does for `y`).
fn max<T: Real>(x: T, y: T) -> T {
    if y > x {
        y
    } else {
        x
    }
}

/// Add the cross spectrum `A·conj(B)` of the FFT `z` of `a + i·s·b` (see [`Blocks::block`])
/// to `cross`, then that of `next` when given (each sum added to in the same order as one
/// block at a time).
fn add_cross<T: Real>(
    cross: &mut Spectrum,
    (z, s): (&[Complex<T>], f64),
    next: Option<(&[Complex<T>], f64)>,
) {
    let (h, q) = (0.5 / s, 0.25 / s);
    let half = z.len() / 2;
    // Bins 0 and N/2 pair with themselves.
    for k in [0, half] {
        let (r, i) = (z[k].re.wide(), z[k].im.wide());
        cross.re[k] += h * (2.0 * r * i);
        if let Some((w, s)) = next {
            let (r, i) = (w[k].re.wide(), w[k].im.wide());
            cross.re[k] += (0.5 / s) * (2.0 * r * i);
        }
    }
    let (lo, hi) = (&z[1..half], &z[half + 1..]);
    let (re, im) = (&mut cross.re[1..half], &mut cross.im[1..half]);
    let term = |h: f64, q: f64, zk: &Complex<T>, zm: &Complex<T>| {
        let (kr, ki, mr, mi) = (zk.re.wide(), zk.im.wide(), zm.re.wide(), zm.im.wide());
        (
            h * (kr * mi + ki * mr),
            q * ((kr * kr + ki * ki) - (mr * mr + mi * mi)),
        )
    };
    match next {
        None => {
            for (((cr, ci), zk), zm) in re.iter_mut().zip(im).zip(lo).zip(hi.iter().rev()) {
                let (tr, ti) = term(h, q, zk, zm);
                *cr += tr;
                *ci += ti;
            }
        }
        Some((w, s2)) => {
            let (h2, q2) = (0.5 / s2, 0.25 / s2);
            let (lo2, hi2) = (&w[1..half], &w[half + 1..]);
            let pairs = lo.iter().zip(hi.iter().rev());
            let pairs2 = lo2.iter().zip(hi2.iter().rev());
            for (((cr, ci), (zk, zm)), (wk, wm)) in re.iter_mut().zip(im).zip(pairs).zip(pairs2) {
                let (tr, ti) = term(h, q, zk, zm);
                let (ur, ui) = term(h2, q2, wk, wm);
                *cr = *cr + tr + ur;
                *ci = *ci + ti + ui;
            }
        }
    }
}

/// Whether the products of the FFT of `a + i·s·b` (`nfft` points, largest |a| and |s·b|
/// given) stay within the normal range of `f32`: `|Z|² ≤ 2·(N·m)²` for `m` the larger one,
/// kept below 2^121, and `m` not so small that the squares of the strong bins leave it.
fn narrow_ok(nfft: usize, max_a: f64, max_sb: f64) -> bool {
    let m = if max_sb > max_a { max_sb } else { max_a };
    m.is_finite() && m >= pow2(-40) && m * nfft as f64 <= pow2(60)
}

/// [`add_cross`] with the products formed in `f32`: each bin's terms `Im(Z(k)·Z(m))` and
/// `|Z(k)|² − |Z(m)|²` rounded to single precision (as the FFT itself is), then scaled by
/// `1/2s` and `1/4s` and summed in double — the same sums in the same order as one block
/// at a time.
fn add_cross_narrow(cross: &mut Spectrum, this: Spectra<'_, f32>, next: Option<Spectra<'_, f32>>) {
    /// Bins whose terms are formed in one pass, then added to the sums in another.
    const TILE: usize = 256;
    let half = this.z.len() / 2;
    for k in [0, half] {
        for b in core::iter::once(this).chain(next) {
            let (r, i) = (f64::from(b.z[k].re), f64::from(b.z[k].im));
            cross.re[k] += (0.5 / b.s) * (2.0 * r * i);
        }
    }
    // Bins 1..N/2: `lo[j]` pairs with `hi[n − 1 − j]`.
    let n = half - 1;
    let (re, im) = (&mut cross.re[1..half], &mut cross.im[1..half]);
    let (lo, hi, h, q) = this.halves();
    let second = next.map(Spectra::halves);
    let mut from = 0;
    while from < n {
        let len = TILE.min(n - from);
        let (cr, ci) = (&mut re[from..from + len], &mut im[from..from + len]);
        let (mut tr, mut ti) = ([0.0f32; TILE], [0.0f32; TILE]);
        let (tr, ti) = (&mut tr[..len], &mut ti[..len]);
        terms((lo, hi), from, tr, ti);
        match second {
            None => {
                for (((c, d), &r), &i) in cr.iter_mut().zip(ci.iter_mut()).zip(&*tr).zip(&*ti) {
                    *c += h * f64::from(r);
                    *d += q * f64::from(i);
                }
            }
            Some((lo2, hi2, h2, q2)) => {
                let (mut ur, mut ui) = ([0.0f32; TILE], [0.0f32; TILE]);
                let (ur, ui) = (&mut ur[..len], &mut ui[..len]);
                terms((lo2, hi2), from, ur, ui);
                let pairs = tr.iter().zip(&*ti).zip(ur.iter().zip(&*ui));
                for ((c, d), ((&r, &i), (&r2, &i2))) in cr.iter_mut().zip(ci.iter_mut()).zip(pairs)
                {
                    *c = *c + h * f64::from(r) + h2 * f64::from(r2);
                    *d = *d + q * f64::from(i) + q2 * f64::from(i2);
                }
            }
        }
        from += len;
    }
}

/// The terms ([`term32`]) of bins `lo[from + j]` and `hi[n − 1 − from − j]` (`n` bins in
/// each) into `tr[j]`, `ti[j]`.
#[inline(always)]
fn terms(
    (lo, hi): (&[Complex<f32>], &[Complex<f32>]),
    from: usize,
    tr: &mut [f32],
    ti: &mut [f32],
) {
    let (n, len) = (lo.len(), tr.len());
    let (lo, hi) = (&lo[from..from + len], &hi[n - from - len..n - from]);
    let pairs = lo.iter().zip(hi.iter().rev());
    for ((r, i), (&k, &m)) in tr.iter_mut().zip(ti.iter_mut()).zip(pairs) {
        (*r, *i) = term32(k, m);
    }
}

/// `Im(Z(k)·Z(m))` and `|Z(k)|² − |Z(m)|²` in single precision.
#[inline(always)]
fn term32(k: Complex<f32>, m: Complex<f32>) -> (f32, f32) {
    (
        k.re * m.im + k.im * m.re,
        (k.re * k.re + k.im * k.im) - (m.re * m.re + m.im * m.im),
    )
}

/// The signals held for the blocks still to run, and the buffers of one block's FFT.
struct Blocks<T: Real> {
    fft: Arc<dyn Fft<T>>,
    /// `a` from absolute index `n0 − L` (zeros before index 0).
    a: Held<T>,
    /// `b` from absolute index `n0`.
    b: Held<T>,
    /// `a + i·s·b` of one block, then its FFT.
    z: Vec<Complex<T>>,
    /// The FFT of the block before, with its `s`, not yet added to the cross spectrum (two
    /// blocks are added in one pass over the sums, in order: the same sums, half the
    /// traffic); an empty `held` when FFTs are too large to keep two.
    held: Vec<Complex<T>>,
    /// The held block's `s` and whether its products fit `T` ([`narrow_ok`]).
    pending: Option<(f64, bool)>,
    scratch: Vec<Complex<T>>,
}

/// The largest FFT of which two blocks are added to the sums in one pass.
const MAX_PAIRED_NFFT: usize = 1 << 16;

impl<T: Real> Blocks<T> {
    fn new(nfft: usize, lead: usize) -> Self {
        let fft = FftPlanner::<T>::new().plan_fft_forward(nfft);
        Blocks {
            z: alloc::vec![Complex::new(T::zero(), T::zero()); nfft],
            held: if nfft <= MAX_PAIRED_NFFT {
                alloc::vec![Complex::new(T::zero(), T::zero()); nfft]
            } else {
                Vec::new()
            },
            pending: None,
            scratch: alloc::vec![Complex::new(T::zero(), T::zero()); fft.get_inplace_scratch_len()],
            fft,
            a: Held::zeros(lead),
            b: Held::zeros(0),
        }
    }

    /// The cross spectrum `A·conj(B)` of `a[a_off..a_off+seg)` and `b[b_off..b_off+len)`
    /// (zero-padded), added to `cross` (bins `0..=N/2`, real and imaginary parts apart so the
    /// sums vectorise without shuffles). Both go through one complex FFT
    /// `Z` of `z = a + i·s·b`: with `m = N − k`, `A(k) = (Z(k) + conj Z(m))/2` and
    /// `s·B(k) = (Z(k) − conj Z(m))/2i`, so `A·conj(B) = (Im(Z(k)·Z(m))/2
    /// + i·(|Z(k)|² − |Z(m)|²)/4) / s`, formed in double (in
    /// single precision by the `f32` path, see [`Real::add_cross`]).
    fn block(
        &mut self,
        (a_off, seg): (usize, usize),
        (b_off, len): (usize, usize),
        cross: &mut Spectrum,
    ) {
        let a = &self.a.get()[a_off..a_off + seg];
        let b = &self.b.get()[b_off..b_off + len];
        // Fill `z` with `a + i·b` and take both maxima in the same pass; scaling by the
        // power of two `s` afterwards is exact, so this equals filling with `a + i·s·b`.
        let (max_a, max_b) = fill(&mut self.z, a, b);
        let s = balance(max_a, max_b);
        if s != 1.0 {
            let st = T::narrow(s);
            for z in &mut self.z[..len] {
                z.im = z.im * st;
            }
        }
        self.fft
            .process_with_scratch(&mut self.z, &mut self.scratch);
        let narrow = narrow_ok(self.z.len(), max_a, s * max_b);
        let this = Spectra::new;
        match self.pending.take() {
            Some(held) => T::add_cross(
                cross,
                this(&self.held, held),
                Some(this(&self.z, (s, narrow))),
            ),
            None if !self.held.is_empty() => {
                core::mem::swap(&mut self.z, &mut self.held);
                self.pending = Some((s, narrow));
            }
            None => T::add_cross(cross, this(&self.z, (s, narrow)), None),
        }
    }

    /// Add the block held back, if any, to `cross`.
    fn flush(&mut self, cross: &mut Spectrum) {
        if let Some((s, narrow)) = self.pending.take() {
            let z = &self.held;
            T::add_cross(cross, Spectra { z, s, narrow }, None);
        }
    }

    /// Append samples to `a` (`b` when `to_b`).
    fn extend<S: Sample>(&mut self, to_b: bool, x: &[S]) {
        let held = if to_b { &mut self.b } else { &mut self.a };
        held.extend(x, T::from_sample);
    }

    /// Drop the first `a` and `b` values.
    fn drop_front(&mut self, a: usize, b: usize) {
        self.a.drop_front(a);
        self.b.drop_front(b);
    }
}

/// The blocks' buffers in the chosen precision.
enum Engine {
    F32(Blocks<f32>),
    F64(Blocks<f64>),
}

/// `$body` with `$e` bound to the engine's [`Blocks`], whichever its precision (the arms
/// differ only in the type).
macro_rules! on_engine {
    ($engine:expr, $e:ident => $body:expr) => {
        match $engine {
            Engine::F32($e) => $body,
            Engine::F64($e) => $body,
        }
    };
}

/// A streaming correlator of lags `−L..=L`.
pub struct StreamCorrelator {
    lag: usize,
    nfft: usize,
    block: usize,
    engine: Engine,
    /// Consumed prefixes of `a` and `b` (dropped in bulk).
    a_off: usize,
    b_off: usize,
    /// Samples of `a` and `b` held (from the consumed prefixes on).
    a_len: usize,
    b_len: usize,
    n0: u64,
    /// Absolute index of the next sample of `a` and of `b` pushed.
    a_next: u64,
    b_next: u64,
    /// The samples this correlator owns (its prefix sums): `[first, end)`.
    first: u64,
    end: u64,
    pa: Prefix,
    pb: Prefix,
    /// Sum of the blocks' cross spectra `A·conj(B)`.
    cross: Spectrum,
}

/// Bins `0..=N/2` of a spectrum, real and imaginary parts apart.
#[derive(Debug, Clone)]
struct Spectrum {
    re: Vec<f64>,
    im: Vec<f64>,
}

impl Spectrum {
    fn zeros(bins: usize) -> Self {
        Spectrum {
            re: alloc::vec![0.0; bins],
            im: alloc::vec![0.0; bins],
        }
    }
}

impl core::fmt::Debug for StreamCorrelator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamCorrelator")
            .field("lag", &self.lag)
            .field("nfft", &self.nfft)
            .field("precision", &self.precision())
            .finish_non_exhaustive()
    }
}

impl StreamCorrelator {
    /// A correlator of lags `−max_lag..=max_lag` (at most [`MAX_STREAM_LAG`]) of whole
    /// signals, in double precision: push both from their first sample.
    pub fn new(max_lag: usize) -> Result<Self> {
        Self::part(max_lag, 0, u64::MAX)
    }

    /// [`StreamCorrelator::new`] in the given precision.
    pub fn with_precision(max_lag: usize, precision: Precision) -> Result<Self> {
        Self::part_in(max_lag, 0, u64::MAX, precision)
    }

    /// Samples of `b` per block: parts start at multiples of it.
    pub fn block_len(max_lag: usize) -> usize {
        nfft_for(max_lag) - 2 * max_lag
    }

    /// The precision of the per-block FFTs.
    pub fn precision(&self) -> Precision {
        match self.engine {
            Engine::F32(_) => Precision::F32,
            Engine::F64(_) => Precision::F64,
        }
    }

    /// The part of a correlation that covers `b[first..end)`, `first` a multiple of
    /// [`StreamCorrelator::block_len`]: push `a` from index `first − L` (from 0 when
    /// `first` is 0) up to `end + L`, and `b` from `first` up to `end` — the last part with
    /// `end = u64::MAX` and both signals to their ends. [`StreamCorrelator::finish_part`]
    /// gives a [`CorrelationSum`] to merge with the neighbouring parts' in order.
    pub fn part(max_lag: usize, first: u64, end: u64) -> Result<Self> {
        Self::part_in(max_lag, first, end, Precision::F64)
    }

    /// [`StreamCorrelator::part`] in the given precision.
    pub fn part_in(max_lag: usize, first: u64, end: u64, precision: Precision) -> Result<Self> {
        check_lag(max_lag)?;
        let nfft = nfft_for(max_lag);
        let block = nfft - 2 * max_lag;
        if first % block as u64 != 0 || end < first {
            return Err(Error::Config(format!(
                "correlation part {first}..{end} does not start at a block of {block} samples"
            )));
        }
        let lead = if first == 0 { max_lag } else { 0 };
        let engine = match precision {
            Precision::F32 => Engine::F32(Blocks::new(nfft, lead)),
            Precision::F64 => Engine::F64(Blocks::new(nfft, lead)),
        };
        Ok(StreamCorrelator {
            lag: max_lag,
            nfft,
            block,
            engine,
            cross: Spectrum::zeros(nfft / 2 + 1),
            a_off: 0,
            b_off: 0,
            a_len: lead,
            b_len: 0,
            n0: first,
            a_next: first.saturating_sub(max_lag as u64),
            b_next: first,
            first,
            end,
            pa: Prefix::new(max_lag),
            pb: Prefix::new(max_lag),
        })
    }

    /// Samples of `a` and of `b` counted so far (those the correlator owns): push more of
    /// the signal whose count is lower.
    pub fn pushed(&self) -> [u64; 2] {
        [self.pa.count, self.pb.count]
    }

    /// Append samples of `a` (`f64`, or `f32` as read from a float32 file).
    pub fn push_a<S: Sample>(&mut self, x: &[S]) -> Result<()> {
        self.pa.push(within(x, self.a_next, self.first, self.end));
        self.a_next += x.len() as u64;
        self.a_len += x.len();
        on_engine!(&mut self.engine, e => e.extend(false, x));
        self.run(false)
    }

    /// Append samples of `b` (`f64`, or `f32` as read from a float32 file).
    pub fn push_b<S: Sample>(&mut self, x: &[S]) -> Result<()> {
        self.pb.push(within(x, self.b_next, self.first, self.end));
        self.b_next += x.len() as u64;
        self.b_len += x.len();
        on_engine!(&mut self.engine, e => e.extend(true, x));
        self.run(false)
    }

    /// Append samples of `a` (`b` when `to_b`) stored as little-endian float32: the value at
    /// byte `col` of each whole `row`-byte row of `bytes` (a trailing partial row is
    /// ignored). The same as decoding them and pushing the `f32`s, without the copy.
    pub fn push_f32_le(&mut self, to_b: bool, bytes: &[u8], row: usize, col: usize) -> Result<()> {
        if row == 0 || col.checked_add(4).is_none_or(|c| c > row) {
            return Err(Error::Config(format!(
                "float32 at byte {col} of a {row}-byte row"
            )));
        }
        let n = bytes.len() / row;
        let (next, prefix) = if to_b {
            (&mut self.b_next, &mut self.pb)
        } else {
            (&mut self.a_next, &mut self.pa)
        };
        let range = (self.first, self.end);
        on_engine!(&mut self.engine, e => {
            let held = if to_b { &mut e.b } else { &mut e.a };
            decode_into(held, bytes, row, col, *next, range, prefix)
        });
        *next += n as u64;
        if to_b {
            self.b_len += n;
        } else {
            self.a_len += n;
        }
        self.run(false)
    }

    /// Append `n` float32 samples of `a` (`b` when `to_b`) that `fill` writes into the slice
    /// it is handed (zeros or stale values until written) — e.g. read from a file straight
    /// into the correlator's buffer: the same as pushing them, without a copy. `n` is the
    /// caller's piece size (memory: `n` samples, plus as many again on the double-precision
    /// path).
    pub fn push_with<E: From<Error>>(
        &mut self,
        to_b: bool,
        n: usize,
        fill: impl FnOnce(&mut [f32]) -> core::result::Result<(), E>,
    ) -> core::result::Result<(), E> {
        let (next, prefix) = if to_b {
            (&mut self.b_next, &mut self.pb)
        } else {
            (&mut self.a_next, &mut self.pa)
        };
        let range = (self.first, self.end);
        match &mut self.engine {
            Engine::F32(e) => {
                let held = if to_b { &mut e.b } else { &mut e.a };
                let space = held.space(n);
                fill(space)?;
                prefix.push(within(space, *next, range.0, range.1));
                held.commit(n);
            }
            Engine::F64(e) => {
                let mut x = alloc::vec![0.0f32; n];
                fill(&mut x)?;
                let held = if to_b { &mut e.b } else { &mut e.a };
                held.extend(&x, f64::from);
                prefix.push(within(&x, *next, range.0, range.1));
            }
        }
        *next += n as u64;
        if to_b {
            self.b_len += n;
        } else {
            self.a_len += n;
        }
        self.run(false).map_err(E::from)
    }

    /// Process every block whose inputs are complete (all remaining ones at the end).
    fn run(&mut self, end: bool) -> Result<()> {
        loop {
            let have_b = self.b_len - self.b_off;
            let need_a = self.block + 2 * self.lag;
            let have_a = self.a_len - self.a_off;
            let full = have_b >= self.block && have_a >= need_a;
            if !(full || (end && have_b > 0)) {
                break;
            }
            let len = have_b.min(self.block);
            let seg = have_a.min(need_a);
            let (a, b) = ((self.a_off, seg), (self.b_off, len));
            on_engine!(&mut self.engine, e => e.block(a, b, &mut self.cross));
            self.b_off += len;
            self.a_off += self.block.min(have_a);
            self.n0 += len as u64;
        }
        // Drop consumed prefixes once they outweigh what is left (each value is moved
        // about once, however small the pushes).
        let drop_b = self.b_off >= self.nfft && 2 * self.b_off >= self.b_len;
        let drop_a = self.a_off >= self.nfft && 2 * self.a_off >= self.a_len;
        if drop_a || drop_b {
            let (a, b) = (
                if drop_a { self.a_off } else { 0 },
                if drop_b { self.b_off } else { 0 },
            );
            on_engine!(&mut self.engine, e => e.drop_front(a, b));
            self.a_off -= a;
            self.a_len -= a;
            self.b_off -= b;
            self.b_len -= b;
        }
        Ok(())
    }

    /// Process what is left: the part's sums, to merge with the other parts' in order.
    pub fn finish_part(mut self) -> Result<CorrelationSum> {
        self.run(true)?;
        on_engine!(&mut self.engine, e => e.flush(&mut self.cross));
        Ok(CorrelationSum {
            lag: self.lag,
            cross: self.cross,
            pa: self.pa,
            pb: self.pb,
        })
    }

    /// Finish: the curve over lags `−L..=L`, its peak and the Pearson coefficient at
    /// the peak's lag (see [`CorrelationSum::finish`]).
    pub fn finish(self) -> Result<(Vec<f64>, Option<Peak>, Option<f64>)> {
        self.finish_part()?.finish()
    }
}

/// The sums of one part of a streaming correlation (see [`StreamCorrelator::part`]).
#[derive(Debug, Clone)]
pub struct CorrelationSum {
    lag: usize,
    cross: Spectrum,
    pa: Prefix,
    pb: Prefix,
}

impl CorrelationSum {
    /// Add the sums of the part that follows this one.
    pub fn merge(&mut self, later: &CorrelationSum) -> Result<()> {
        if later.lag != self.lag || later.cross.re.len() != self.cross.re.len() {
            return Err(Error::Config(
                "correlation parts of different lags cannot be merged".into(),
            ));
        }
        for (c, l) in self.cross.re.iter_mut().zip(&later.cross.re) {
            *c += l;
        }
        for (c, l) in self.cross.im.iter_mut().zip(&later.cross.im) {
            *c += l;
        }
        self.pa.merge(&later.pa);
        self.pb.merge(&later.pb);
        Ok(())
    }

    /// Samples of `a` and of `b` summed.
    pub fn samples(&self) -> [u64; 2] {
        [self.pa.count, self.pb.count]
    }

    /// The curve over lags `−L..=L`, its peak and the Pearson coefficient at the peak's
    /// lag (`None` for a constant overlap, or when the lengths differ by more than `L` so
    /// the overlap's sums were not kept).
    pub fn finish(self) -> Result<(Vec<f64>, Option<Peak>, Option<f64>)> {
        let nfft = nfft_for(self.lag);
        let inv = RealFftPlanner::<f64>::new().plan_fft_inverse(nfft);
        let mut real = inv.make_output_vec();
        let mut cross: Vec<Complex<f64>> = (self.cross.re.iter().zip(&self.cross.im))
            .map(|(&re, &im)| Complex::new(re, im))
            .collect();
        cross[0].im = 0.0;
        if let Some(last) = cross.last_mut() {
            last.im = 0.0;
        }
        inv.process(&mut cross, &mut real)
            .map_err(|e| Error::Config(format!("fft: {e}")))?;
        let scale = 1.0 / nfft as f64;
        let curve: Vec<f64> = real[..2 * self.lag + 1].iter().map(|v| v * scale).collect();
        let peak = Peak::find(&curve, -(self.lag as i64));
        let coefficient = peak.and_then(|p| {
            let (na, nb, m) = (self.pa.count as i64, self.pb.count as i64, p.lag);
            let a_from = m.max(0);
            let a_to = (nb + m).min(na);
            let b_from = (-m).max(0);
            let b_to = nb.min(na - m);
            if a_to <= a_from || b_to <= b_from {
                return None;
            }
            let sa = self.pa.range(a_from as u64, a_to as u64)?;
            let sb = self.pb.range(b_from as u64, b_to as u64)?;
            pearson((a_to - a_from) as f64, p.value, sa[0], sa[1], sb[0], sb[1])
        });
        Ok((curve, peak, coefficient))
    }
}
