//! Spectrogram data of bounded size: row `r` averages the periodograms of segments
//! `r·per_row .. (r+1)·per_row` (absolute segment indices, so parts of a record merge
//! exactly), column `c` averages bins `c·per_col .. (c+1)·per_col`. At most `max_rows` rows
//! are kept; later segments are counted as dropped.

use alloc::format;
use alloc::vec::Vec;

use crate::{Error, Result};

/// Largest number of cells (rows × columns) a spectrogram may hold.
pub const MAX_CELLS: usize = 1 << 24;

/// Summed periodograms per time row and frequency column.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrogram {
    /// Segments averaged into one row.
    pub per_row: u64,
    /// Bins averaged into one column.
    pub per_col: usize,
    /// One-sided bins of each periodogram.
    pub bins: usize,
    /// Columns per row.
    pub columns: usize,
    /// Row limit.
    pub max_rows: usize,
    /// Absolute index of `rows[0]`.
    pub first_row: u64,
    /// Σ power per cell, row-major.
    pub cells: Vec<f64>,
    /// Segments summed into each row.
    pub counts: Vec<u64>,
    /// Segments beyond `max_rows` rows, not shown.
    pub dropped: u64,
}

impl Spectrogram {
    /// An empty spectrogram of `bins` one-sided bins whose first segment is `first`.
    pub fn new(
        bins: usize,
        per_row: u64,
        per_col: usize,
        max_rows: usize,
        first: u64,
    ) -> Result<Self> {
        let per_row = per_row.max(1);
        let per_col = per_col.clamp(1, bins.max(1));
        let columns = bins.div_ceil(per_col);
        if columns.saturating_mul(max_rows) > MAX_CELLS {
            return Err(Error::Config(format!(
                "a spectrogram of {max_rows} rows × {columns} columns exceeds {MAX_CELLS} cells"
            )));
        }
        Ok(Spectrogram {
            per_row,
            per_col,
            bins,
            columns,
            max_rows,
            first_row: first / per_row,
            cells: Vec::new(),
            counts: Vec::new(),
            dropped: 0,
        })
    }

    /// Add the periodogram `power` of absolute segment `segment`.
    pub fn add(&mut self, segment: u64, power: &[f64]) {
        let row = segment / self.per_row;
        let index = (row - self.first_row) as usize;
        if row >= self.max_rows as u64 {
            self.dropped += 1;
            return;
        }
        while self.counts.len() <= index {
            self.counts.push(0);
            self.cells.resize(self.cells.len() + self.columns, 0.0);
        }
        self.counts[index] += 1;
        let cells = &mut self.cells[index * self.columns..(index + 1) * self.columns];
        for (cell, bins) in cells.iter_mut().zip(power.chunks(self.per_col)) {
            *cell += bins.iter().sum::<f64>();
        }
    }

    /// Append the rows of the segments that follow.
    pub fn merge(&mut self, later: Spectrogram) -> Result<()> {
        if later.per_row != self.per_row || later.columns != self.columns {
            return Err(Error::Config("spectrogram parts differ in shape".into()));
        }
        self.dropped += later.dropped;
        for (i, &count) in later.counts.iter().enumerate() {
            let index = (later.first_row + i as u64 - self.first_row) as usize;
            while self.counts.len() <= index {
                self.counts.push(0);
                self.cells.resize(self.cells.len() + self.columns, 0.0);
            }
            self.counts[index] += count;
            let src = &later.cells[i * self.columns..(i + 1) * self.columns];
            for (d, s) in self.cells[index * self.columns..].iter_mut().zip(src) {
                *d += s;
            }
        }
        Ok(())
    }

    /// Rows of mean power per cell (in the caller's scale `factor`), as dB
    /// (`10·log10`, floored at −400 dB).
    pub fn db_rows(&self, factor: f64) -> Vec<Vec<f32>> {
        self.counts
            .iter()
            .zip(self.cells.chunks(self.columns.max(1)))
            .map(|(&count, row)| {
                row.iter()
                    .enumerate()
                    .map(|(c, &v)| {
                        let bins = self.per_col.min(self.bins - c * self.per_col);
                        let mean = v * factor / (count.max(1) as f64 * bins.max(1) as f64);
                        (10.0 * mean.max(1e-40).log10()) as f32
                    })
                    .collect()
            })
            .collect()
    }
}
