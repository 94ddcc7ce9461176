//! The few complex-number operations the filter design needs (no_std, via `libm`).

use core::ops::{Add, Div, Mul, Neg, Sub};

/// A complex number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// `re + i·im`.
    pub const fn new(re: f64, im: f64) -> Self {
        Complex { re, im }
    }
    /// A real number.
    pub const fn real(re: f64) -> Self {
        Complex { re, im: 0.0 }
    }
    /// Complex conjugate.
    pub fn conj(self) -> Self {
        Complex::new(self.re, -self.im)
    }
    /// Modulus.
    pub fn abs(self) -> f64 {
        libm::hypot(self.re, self.im)
    }
    /// Exactly real (numpy's `isreal`).
    pub fn is_real(self) -> bool {
        self.im == 0.0
    }
    /// Principal square root.
    pub fn sqrt(self) -> Self {
        if self.re == 0.0 && self.im == 0.0 {
            return Complex::new(0.0, self.im);
        }
        let m = self.abs();
        if self.re >= 0.0 {
            let t = libm::sqrt((m + self.re) * 0.5);
            Complex::new(t, self.im / (2.0 * t))
        } else {
            let t = libm::sqrt((m - self.re) * 0.5);
            Complex::new(libm::fabs(self.im) / (2.0 * t), libm::copysign(t, self.im))
        }
    }
    /// `exp(i·theta)`.
    pub fn cis(theta: f64) -> Self {
        Complex::new(libm::cos(theta), libm::sin(theta))
    }
}

impl Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        Complex::new(self.re + o.re, self.im + o.im)
    }
}

impl Sub for Complex {
    type Output = Complex;
    fn sub(self, o: Complex) -> Complex {
        Complex::new(self.re - o.re, self.im - o.im)
    }
}

impl Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}

impl Mul<f64> for Complex {
    type Output = Complex;
    fn mul(self, o: f64) -> Complex {
        Complex::new(self.re * o, self.im * o)
    }
}

impl Div for Complex {
    type Output = Complex;
    /// Smith's algorithm (numpy's), robust to large and small parts.
    fn div(self, o: Complex) -> Complex {
        if libm::fabs(o.re) >= libm::fabs(o.im) {
            if o.re == 0.0 && o.im == 0.0 {
                return Complex::new(self.re / 0.0, self.im / 0.0);
            }
            let r = o.im / o.re;
            let d = o.re + o.im * r;
            Complex::new((self.re + self.im * r) / d, (self.im - self.re * r) / d)
        } else {
            let r = o.re / o.im;
            let d = o.re * r + o.im;
            Complex::new((self.re * r + self.im) / d, (self.im * r - self.re) / d)
        }
    }
}

impl Neg for Complex {
    type Output = Complex;
    fn neg(self) -> Complex {
        Complex::new(-self.re, -self.im)
    }
}
