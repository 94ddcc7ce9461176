//! IIR design as scipy's `iirfilter(..., output='sos', fs=...)`: analog prototype
//! (Butterworth or Chebyshev I), frequency transform to the prewarped corners, bilinear
//! transform, then poles and zeros paired into second-order sections ([`super::sos_pairing`]).

use alloc::format;
use alloc::vec::Vec;
use core::f64::consts::PI;

use super::band::Band;
use super::complex::Complex;
use super::sos_pairing::zpk2sos;
use crate::{Error, Result};

/// One biquad `[b0, b1, b2, a0, a1, a2]` (`a0` is 1).
pub type Section = [f64; 6];

/// The highest prototype order accepted (band filters have twice as many poles).
pub const MAX_IIR_ORDER: usize = 32;

/// The analog prototype.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prototype {
    /// Maximally flat.
    Butterworth,
    /// Equiripple passband with this ripple in dB.
    Chebyshev1 {
        /// Passband ripple, dB (> 0).
        ripple_db: f64,
    },
}

/// Zeros, poles and gain.
struct Zpk {
    z: Vec<Complex>,
    p: Vec<Complex>,
    k: f64,
}

fn prod(v: &[Complex]) -> Complex {
    v.iter().fold(Complex::real(1.0), |a, &b| a * b)
}

fn prototype(order: usize, proto: Prototype) -> Zpk {
    let n = order as f64;
    let angles = (0..order).map(|i| PI * (2.0 * i as f64 - n + 1.0) / (2.0 * n));
    match proto {
        Prototype::Butterworth => Zpk {
            z: Vec::new(),
            p: angles.map(|t| -Complex::cis(t)).collect(),
            k: 1.0,
        },
        Prototype::Chebyshev1 { ripple_db } => {
            let eps = libm::sqrt(libm::pow(10.0, 0.1 * ripple_db) - 1.0);
            let mu = libm::asinh(1.0 / eps) / n;
            let (sh, ch) = (libm::sinh(mu), libm::cosh(mu));
            // -sinh(mu + i·theta) = -(sinh mu cos theta + i cosh mu sin theta)
            let p: Vec<Complex> = angles
                .map(|t| -Complex::new(sh * libm::cos(t), ch * libm::sin(t)))
                .collect();
            let mut k = prod(&p.iter().map(|&x| -x).collect::<Vec<_>>()).re;
            if order % 2 == 0 {
                k /= libm::sqrt(1.0 + eps * eps);
            }
            Zpk {
                z: Vec::new(),
                p,
                k,
            }
        }
    }
}

fn neg_ratio(z: &[Complex], p: &[Complex]) -> f64 {
    let nz: Vec<Complex> = z.iter().map(|&x| -x).collect();
    let np: Vec<Complex> = p.iter().map(|&x| -x).collect();
    (prod(&nz) / prod(&np)).re
}

fn transform(f: Zpk, band: [f64; 2], kind: Band) -> Zpk {
    let degree = f.p.len() - f.z.len();
    // Prewarp for the bilinear transform at fs = 2 (scipy's normalisation).
    let warp = |w: f64| 4.0 * libm::tan(PI * w / 2.0);
    match kind {
        Band::Lowpass(_) => {
            let wo = warp(band[0]);
            Zpk {
                z: f.z.iter().map(|&x| x * wo).collect(),
                p: f.p.iter().map(|&x| x * wo).collect(),
                k: f.k * libm::pow(wo, degree as f64),
            }
        }
        Band::Highpass(_) => {
            let wo = Complex::real(warp(band[0]));
            let mut z: Vec<Complex> = f.z.iter().map(|&x| wo / x).collect();
            z.extend(core::iter::repeat_n(Complex::real(0.0), degree));
            Zpk {
                z,
                p: f.p.iter().map(|&x| wo / x).collect(),
                k: f.k * neg_ratio(&f.z, &f.p),
            }
        }
        Band::Bandpass(..) | Band::Bandstop(..) => {
            let (w1, w2) = (warp(band[0]), warp(band[1]));
            let bw = w2 - w1;
            let wo = libm::sqrt(w1 * w2);
            let wo2 = Complex::real(wo * wo);
            let split = |v: &[Complex], map: &dyn Fn(Complex) -> Complex| -> Vec<Complex> {
                let m: Vec<Complex> = v.iter().map(|&x| map(x)).collect();
                let mut out: Vec<Complex> = m.iter().map(|&x| x + (x * x - wo2).sqrt()).collect();
                out.extend(m.iter().map(|&x| x - (x * x - wo2).sqrt()));
                out
            };
            if matches!(kind, Band::Bandpass(..)) {
                // scipy computes `z * bw / 2` left to right.
                let lp = |x: Complex| {
                    let y = x * bw;
                    Complex::new(y.re / 2.0, y.im / 2.0)
                };
                let mut z = split(&f.z, &lp);
                z.extend(core::iter::repeat_n(Complex::real(0.0), degree));
                Zpk {
                    z,
                    p: split(&f.p, &lp),
                    k: f.k * libm::pow(bw, degree as f64),
                }
            } else {
                let hp = |x: Complex| Complex::real(bw / 2.0) / x;
                let mut z = split(&f.z, &hp);
                z.extend(core::iter::repeat_n(Complex::new(0.0, wo), degree));
                z.extend(core::iter::repeat_n(Complex::new(0.0, -wo), degree));
                Zpk {
                    z,
                    p: split(&f.p, &hp),
                    k: f.k * neg_ratio(&f.z, &f.p),
                }
            }
        }
    }
}

fn bilinear(f: Zpk) -> Zpk {
    let degree = f.p.len() - f.z.len();
    let fs2 = Complex::real(4.0);
    let mut z: Vec<Complex> = f.z.iter().map(|&x| (fs2 + x) / (fs2 - x)).collect();
    z.extend(core::iter::repeat_n(Complex::real(-1.0), degree));
    let p = f.p.iter().map(|&x| (fs2 + x) / (fs2 - x)).collect();
    let nz: Vec<Complex> = f.z.iter().map(|&x| fs2 - x).collect();
    let np: Vec<Complex> = f.p.iter().map(|&x| fs2 - x).collect();
    let k = f.k * (prod(&nz) / prod(&np)).re;
    Zpk { z, p, k }
}

/// Design a digital IIR filter of `order` (prototype order; band filters get twice the
/// poles) for sample rate `fs`, as scipy's `butter`/`cheby1(order, ..., output='sos',
/// fs=fs)`.
pub fn design_iir(order: usize, band: Band, proto: Prototype, fs: f64) -> Result<Vec<Section>> {
    let (edges, _) = band.normalized(fs)?;
    if order == 0 || order > MAX_IIR_ORDER {
        return Err(Error::Config(format!(
            "--order: an IIR filter takes an order of 1 to {MAX_IIR_ORDER}, not {order}"
        )));
    }
    if let Prototype::Chebyshev1 { ripple_db } = proto {
        if !(ripple_db > 0.0 && ripple_db <= 40.0) {
            return Err(Error::Config(format!(
                "--cheby1: passband ripple must be above 0 and at most 40 dB, not {ripple_db}"
            )));
        }
    }
    let digital = bilinear(transform(prototype(order, proto), edges, band));
    let sos = zpk2sos(digital.z, digital.p, digital.k)?;
    if sos.iter().flatten().any(|c| !c.is_finite()) {
        return Err(Error::Config(
            "the filter design is numerically unstable (lower --order)".into(),
        ));
    }
    Ok(sos)
}
