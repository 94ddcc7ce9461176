//! Pairing of digital poles and zeros into second-order sections, the way scipy's
//! `zpk2sos(pairing='nearest')` does it, so the sections (not only the overall response)
//! agree: the pole closest to the unit circle goes last, each pole meets its nearest zero.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::complex::Complex;
use super::iir::Section;
use crate::{Error, Result};

/// Relative tolerance for realness and conjugate matching (numpy: 100 · eps).
const TOL: f64 = 100.0 * f64::EPSILON;

/// One value per conjugate pair (positive imaginary part, averaged with its partner), then
/// the real values; sorted like scipy's `_cplxreal`.
fn cplxreal(mut v: Vec<Complex>) -> Result<Vec<Complex>> {
    v.sort_by(|a, b| {
        a.re.total_cmp(&b.re)
            .then(libm::fabs(a.im).total_cmp(&libm::fabs(b.im)))
    });
    let is_real = |x: &Complex| libm::fabs(x.im) <= TOL * x.abs();
    let reals: Vec<Complex> = v
        .iter()
        .filter(|x| is_real(x))
        .map(|x| Complex::real(x.re))
        .collect();
    let mut pos: Vec<Complex> = v
        .iter()
        .filter(|x| !is_real(x) && x.im > 0.0)
        .copied()
        .collect();
    let mut neg: Vec<Complex> = v
        .iter()
        .filter(|x| !is_real(x) && x.im < 0.0)
        .copied()
        .collect();
    let unmatched = || Error::Config("filter design: a complex root has no conjugate".to_string());
    if pos.len() != neg.len() {
        return Err(unmatched());
    }
    // Runs of (nearly) equal real parts are ordered by |imag|.
    let mut start = 0;
    while start < pos.len() {
        let mut end = start + 1;
        while end < pos.len() && pos[end].re - pos[end - 1].re <= TOL * pos[end - 1].abs() {
            end += 1;
        }
        for run in [&mut pos[start..end], &mut neg[start..end]] {
            run.sort_by(|a, b| libm::fabs(a.im).total_cmp(&libm::fabs(b.im)));
        }
        start = end;
    }
    let mut out = Vec::with_capacity(pos.len() + reals.len());
    for (p, n) in pos.iter().zip(&neg) {
        if (*p - n.conj()).abs() > TOL * n.abs() {
            return Err(unmatched());
        }
        let s = *p + n.conj();
        out.push(Complex::new(s.re / 2.0, s.im / 2.0));
    }
    out.extend(reals);
    Ok(out)
}

/// Index of the element closest to the unit circle (first on ties).
fn worst(v: &[Complex], among: impl Fn(&Complex) -> bool) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, x) in v.iter().enumerate() {
        if !among(x) {
            continue;
        }
        let d = libm::fabs(1.0 - x.abs());
        if best.is_none_or(|(_, b)| d < b) {
            best = Some((i, d));
        }
    }
    best.map(|(i, _)| i)
}

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Real,
    Complex,
    Any,
}

/// Index of the element of `v` of kind `which` nearest to `to` (first on ties).
fn nearest(v: &[Complex], to: Complex, which: Which) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, x) in v.iter().enumerate() {
        let ok = match which {
            Which::Real => x.is_real(),
            Which::Complex => !x.is_real(),
            Which::Any => true,
        };
        let d = (*x - to).abs();
        if ok && best.is_none_or(|(_, b)| d < b) {
            best = Some((i, d));
        }
    }
    best.map(|(i, _)| i)
}

/// Polynomial with the given roots (numpy's `poly`, real part).
fn poly(roots: &[Complex]) -> Vec<f64> {
    let mut a = vec![Complex::real(1.0)];
    for &r in roots {
        let mut next = vec![Complex::real(0.0); a.len() + 1];
        for (i, &c) in a.iter().enumerate() {
            next[i] = next[i] + c;
            next[i + 1] = next[i + 1] - c * r;
        }
        a = next;
    }
    a.iter().map(|c| c.re).collect()
}

fn section(z: &[Complex], p: &[Complex]) -> Section {
    let mut s = [0.0; 6];
    let b = poly(z);
    let a = poly(p);
    s[3 - b.len()..3].copy_from_slice(&b);
    s[6 - a.len()..6].copy_from_slice(&a);
    s
}

fn take(v: &mut Vec<Complex>, find: impl FnOnce(&[Complex]) -> Option<usize>) -> Result<Complex> {
    match find(v) {
        Some(i) => Ok(v.remove(i)),
        None => Err(Error::Config(
            "filter design: pole/zero pairing failed".to_string(),
        )),
    }
}

/// Second-order sections of the digital filter with zeros `z`, poles `p` and gain `k`.
pub fn zpk2sos(mut z: Vec<Complex>, mut p: Vec<Complex>, k: f64) -> Result<Vec<Section>> {
    if z.is_empty() && p.is_empty() {
        return Ok(vec![[k, 0.0, 0.0, 1.0, 0.0, 0.0]]);
    }
    let zero = Complex::real(0.0);
    while p.len() < z.len() {
        p.push(zero);
    }
    while z.len() < p.len() {
        z.push(zero);
    }
    let n_sections = p.len().div_ceil(2);
    if p.len() % 2 == 1 {
        p.push(zero);
        z.push(zero);
    }
    let mut z = cplxreal(z)?;
    let mut p = cplxreal(p)?;
    let mut sos = vec![[0.0; 6]; n_sections];
    for si in (0..n_sections).rev() {
        let p1 = take(&mut p, |v| worst(v, |_| true))?;
        let reals_left = |v: &[Complex]| v.iter().filter(|x| x.is_real()).count();
        if p1.is_real() && reals_left(&p) == 0 {
            let z1 = take(&mut z, |v| nearest(v, p1, Which::Real))?;
            sos[si] = section(&[z1, zero], &[p1, zero]);
        } else if p.len() + 1 == z.len()
            && !p1.is_real()
            && reals_left(&p) == 1
            && reals_left(&z) == 1
        {
            let z1 = take(&mut z, |v| nearest(v, p1, Which::Complex))?;
            sos[si] = section(&[z1, z1.conj()], &[p1, p1.conj()]);
        } else {
            let p2 = if p1.is_real() {
                take(&mut p, |v| worst(v, |x| x.is_real()))?
            } else {
                p1.conj()
            };
            if z.is_empty() {
                sos[si] = section(&[], &[p1, p2]);
            } else {
                let z1 = take(&mut z, |v| nearest(v, p1, Which::Any))?;
                if !z1.is_real() {
                    sos[si] = section(&[z1, z1.conj()], &[p1, p2]);
                } else if z.is_empty() {
                    sos[si] = section(&[z1], &[p1, p2]);
                } else {
                    let z2 = take(&mut z, |v| nearest(v, p1, Which::Real))?;
                    sos[si] = section(&[z1, z2], &[p1, p2]);
                }
            }
        }
    }
    for c in &mut sos[0][..3] {
        *c *= k;
    }
    Ok(sos)
}
