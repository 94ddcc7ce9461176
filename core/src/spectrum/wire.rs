//! A [`WelchSum`] as a flat list of `f64`: how a worker that estimated one part of a record
//! hands its partial sum to the one that merges the parts (the page's range workers pass it
//! as a `Float64Array`). Counts are written as exact integers below 2^53; the receiving side
//! knows the settings, and [`WelchSum::from_f64s`] checks the list against them, so a
//! malformed list is an error, never a panic or an allocation sized by it.
//!
//! Layout: first segment, segments, samples, the `nfft / 2 + 1` bins' sums; then, with a
//! spectrogram, its first row, dropped segments, rows `r`, the `r` rows' counts and the
//! `r × columns` cells.

use alloc::vec::Vec;

use super::spectrogram::Spectrogram;
use super::welch::{WelchConfig, WelchSum};
use crate::precision::Precision;
use crate::{Error, Result};

/// The largest count written exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

impl WelchSum {
    /// This partial sum as `f64`s (see the module documentation for the layout).
    pub fn to_f64s(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.sum.len() + 6);
        out.extend([
            self.first_segment as f64,
            self.segments as f64,
            self.samples as f64,
        ]);
        out.extend_from_slice(&self.sum);
        if let Some(s) = &self.spectrogram {
            out.extend([s.first_row as f64, s.dropped as f64, s.counts.len() as f64]);
            out.extend(s.counts.iter().map(|&c| c as f64));
            out.extend_from_slice(&s.cells);
        }
        out
    }

    /// The partial sum [`WelchSum::to_f64s`] wrote, for an estimate with `config` in
    /// `precision`; an error when `data` does not have that shape.
    pub fn from_f64s(config: &WelchConfig, precision: Precision, data: &[f64]) -> Result<Self> {
        let bad = || Error::Config("a partial Welch sum does not match its settings".into());
        let count = |v: f64| -> Result<u64> {
            (v >= 0.0 && v.fract() == 0.0 && v < EXACT)
                .then_some(v as u64)
                .ok_or_else(bad)
        };
        let bins = config.nfft / 2 + 1;
        let (head, rest) = data.split_at_checked(3 + bins).ok_or_else(bad)?;
        let spectrogram = match config.spectrogram {
            None if rest.is_empty() => None,
            Some((per_row, per_col, max_rows)) if rest.len() >= 3 => {
                let mut s = Spectrogram::new(bins, per_row, per_col, max_rows, 0)?;
                s.first_row = count(rest[0])?;
                s.dropped = count(rest[1])?;
                let rows = count(rest[2])?;
                let rows = usize::try_from(rows)
                    .ok()
                    .filter(|&r| r <= max_rows)
                    .ok_or_else(bad)?;
                let (counts, cells) = rest[3..].split_at_checked(rows).ok_or_else(bad)?;
                if cells.len() != rows * s.columns {
                    return Err(bad());
                }
                s.counts = counts.iter().map(|&c| count(c)).collect::<Result<_>>()?;
                s.cells = cells.to_vec();
                Some(s)
            }
            _ => return Err(bad()),
        };
        Ok(WelchSum {
            config: config.clone(),
            sum: head[3..].to_vec(),
            first_segment: count(head[0])?,
            segments: count(head[1])?,
            samples: count(head[2])?,
            spectrogram,
            precision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spectrum::{Welch, Window};
    use crate::Push as _;

    fn config(spectrogram: bool) -> WelchConfig {
        let c = WelchConfig {
            nfft: 64,
            overlap: 32,
            window: Window::Hann,
            spectrogram: None,
        };
        if spectrogram {
            c.with_spectrogram(Some(40))
        } else {
            c
        }
    }

    fn sum_of(config: &WelchConfig) -> WelchSum {
        let x: Vec<f64> = (0..1400)
            .map(|i| ((i * 7919) % 101) as f64 - 50.0)
            .collect();
        let mut w = Welch::part_in(config.clone(), 3, 30, Precision::F64).unwrap();
        w.push(&x).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn round_trips_with_and_without_a_spectrogram() {
        for spectrogram in [false, true] {
            let c = config(spectrogram);
            let sum = sum_of(&c);
            assert_eq!(sum.spectrogram.is_some(), spectrogram);
            let back = WelchSum::from_f64s(&c, Precision::F64, &sum.to_f64s()).unwrap();
            assert_eq!(back, sum);
        }
    }

    #[test]
    fn rejects_lists_of_another_shape() {
        let c = config(true);
        let data = sum_of(&c).to_f64s();
        let plain = config(false);
        assert!(WelchSum::from_f64s(&plain, Precision::F64, &data).is_err());
        for cut in [0, 2, 3 + 33, data.len() - 1] {
            assert!(WelchSum::from_f64s(&c, Precision::F64, &data[..cut]).is_err());
        }
        let mut rows = data.clone();
        rows[3 + 33 + 2] = 1e30; // a row count sized by nothing
        assert!(WelchSum::from_f64s(&c, Precision::F64, &rows).is_err());
        let mut frac = data;
        frac[1] = 2.5;
        assert!(WelchSum::from_f64s(&c, Precision::F64, &frac).is_err());
    }
}
