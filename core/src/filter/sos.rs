//! Streaming cascade of second-order sections (scipy's `sosfilt`), transposed direct form
//! II, the two state values of every section carried across pushes.

use alloc::vec::Vec;

use super::iir::Section;

/// A streaming biquad cascade. Each section runs over the whole push before the next
/// (same arithmetic per sample as sample-by-sample), so the output is chunk-invariant bit
/// for bit.
#[derive(Debug, Clone)]
pub struct SosFilter {
    sections: Vec<Section>,
    state: Vec<[f64; 2]>,
}

impl SosFilter {
    /// A cascade at rest (zero state, as `sosfilt` without `zi`). Sections are normalised
    /// so that `a0 = 1`.
    pub fn new(sections: &[Section]) -> Self {
        let sections: Vec<Section> = sections
            .iter()
            .map(|s| {
                let a0 = s[3];
                [s[0] / a0, s[1] / a0, s[2] / a0, 1.0, s[4] / a0, s[5] / a0]
            })
            .collect();
        SosFilter {
            state: alloc::vec![[0.0; 2]; sections.len()],
            sections,
        }
    }

    /// The sections.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Steady-state initial conditions for a unit step (scipy's `sosfilt_zi`).
    pub fn steady_state(&self) -> Vec<[f64; 2]> {
        let mut scale = 1.0;
        self.sections
            .iter()
            .map(|s| {
                let [b0, b1, b2, _, a1, a2] = *s;
                let (c0, c1) = (b1 - a1 * b0, b2 - a2 * b0);
                let z0 = (c0 + c1) / (1.0 + a1 + a2);
                let z1 = c1 - a2 * z0;
                let zi = [scale * z0, scale * z1];
                scale *= (b0 + b1 + b2) / (1.0 + a1 + a2);
                zi
            })
            .collect()
    }

    /// Start as if the input had been `x0` forever (`sosfilt_zi · x0`).
    pub fn prime(&mut self, x0: f64) {
        let zi = self.steady_state();
        for (st, zi) in self.state.iter_mut().zip(zi) {
            *st = [zi[0] * x0, zi[1] * x0];
        }
    }

    /// Filter `x`, appending the outputs to `out`.
    pub fn process(&mut self, x: &[f64], out: &mut Vec<f64>) {
        let from = out.len();
        out.extend_from_slice(x);
        let y = &mut out[from..];
        for (s, st) in self.sections.iter().zip(&mut self.state) {
            let [b0, b1, b2, _, a1, a2] = *s;
            let [mut z0, mut z1] = *st;
            for v in y.iter_mut() {
                let x = *v;
                let o = b0 * x + z0;
                z0 = b1 * x - a1 * o + z1;
                z1 = b2 * x - a2 * o;
                *v = o;
            }
            *st = [z0, z1];
        }
    }
}
