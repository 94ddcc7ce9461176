//! The streaming Welch estimator: segments of `nfft` samples every `step` samples (the
//! overlap is carried across chunk boundaries), each detrended by its mean, windowed and
//! transformed; the squared magnitudes are summed. The sum is a [`Merge`] reduction: a part
//! of the record made with [`Welch::part`] owns a contiguous range of segment indices, and
//! merging the parts in file order equals the serial sum up to summation order (relative
//! difference ≤ 1e-12 per bin; the merge order is always file order, so a run is
//! reproducible).
//!
//! The **precision** is the arithmetic of the transform ([`Precision`]): f64, or f32 for
//! inputs stored as float32 (as `scipy.signal.welch` computes a float32 array in float32).
//! Either way the mean, the window product and the sums are f64; an f32 run rounds each
//! windowed segment to f32, transforms it in f32 and squares the bins in f64.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::spectrogram::Spectrogram;
use super::window::Window;
use crate::parts::{plan_parts, Part};
use crate::precision::Precision;
use crate::{Error, Merge, Push, Result};

/// Largest `nfft` accepted for Welch segments and periodograms (2^26 samples: 512 MiB of
/// f64 plus the transform's buffers).
pub const MAX_NFFT: usize = 1 << 26;

/// Settings of a Welch estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct WelchConfig {
    /// Segment length (also the transform length).
    pub nfft: usize,
    /// Samples shared by consecutive segments (`< nfft`).
    pub overlap: usize,
    /// Window applied to each segment.
    pub window: Window,
    /// Spectrogram rows: `Some((segments per row, bins per column, max rows))`.
    pub spectrogram: Option<(u64, usize, usize)>,
}

impl WelchConfig {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        if self.nfft < 2 || self.nfft > MAX_NFFT {
            return Err(Error::Config(format!(
                "nfft must be in 2..={MAX_NFFT}, not {}",
                self.nfft
            )));
        }
        if self.overlap >= self.nfft {
            return Err(Error::Config(format!(
                "overlap of {} samples must be shorter than nfft {}",
                self.overlap, self.nfft
            )));
        }
        Ok(())
    }

    /// Samples between the starts of consecutive segments.
    pub fn step(&self) -> usize {
        self.nfft - self.overlap
    }

    /// Turn the spectrogram on with the grid every front door draws: at most
    /// [`SPECTROGRAM_MAX_ROWS`] rows over the record's `total` segments (one segment per
    /// row when the length is unknown) and at most [`SPECTROGRAM_MAX_COLUMNS`] columns.
    pub fn with_spectrogram(mut self, total: Option<u64>) -> Self {
        let per_row = total.map_or(1, |t| t.div_ceil(SPECTROGRAM_MAX_ROWS).max(1));
        self.spectrogram = Some((
            per_row,
            (self.nfft / 2 + 1).div_ceil(SPECTROGRAM_MAX_COLUMNS),
            SPECTROGRAM_MAX_ROWS as usize,
        ));
        self
    }

    /// At most `max_parts` runs of the `total` segments, each with the samples it reads
    /// ([`plan_parts`]); with a spectrogram, runs cover whole rows. The same plan for the
    /// same arguments, so the merge order, and every bit of the merged sum, is fixed.
    pub fn parts(&self, total: u64, max_parts: u64) -> Vec<Part> {
        let unit = self.spectrogram.map_or(1, |(per_row, _, _)| per_row);
        plan_parts(total, max_parts, unit, self.step() as u64, self.nfft as u64)
    }
}

/// Rows of a spectrogram at most (see [`WelchConfig::with_spectrogram`]).
pub const SPECTROGRAM_MAX_ROWS: u64 = 512;
/// Columns of a spectrogram at most (see [`WelchConfig::with_spectrogram`]).
pub const SPECTROGRAM_MAX_COLUMNS: usize = 1024;

/// The summed periodograms of a run of segments (the [`Merge`]-able partial result).
#[derive(Debug, Clone, PartialEq)]
pub struct WelchSum {
    /// Settings.
    pub config: WelchConfig,
    /// Σ |FFT(window · (segment − mean))|² per one-sided bin (`nfft / 2 + 1` bins).
    pub sum: Vec<f64>,
    /// Index of the first segment summed.
    pub first_segment: u64,
    /// Segments summed.
    pub segments: u64,
    /// Samples pushed (of a part: including the overlap read past its last segment).
    pub samples: u64,
    /// Spectrogram rows, when asked for.
    pub spectrogram: Option<Spectrogram>,
    /// Arithmetic of the transforms.
    pub precision: Precision,
}

impl Merge for WelchSum {
    fn merge(&mut self, later: Self) -> Result<()> {
        if later.config != self.config
            || later.precision != self.precision
            || later.first_segment != self.first_segment + self.segments
        {
            return Err(Error::Config(
                "welch parts must share settings and follow each other".into(),
            ));
        }
        for (a, b) in self.sum.iter_mut().zip(&later.sum) {
            *a += b;
        }
        self.segments += later.segments;
        self.samples = self.samples.max(later.samples);
        if let (Some(a), Some(b)) = (&mut self.spectrogram, later.spectrogram) {
            a.merge(b)?;
        }
        Ok(())
    }
}

/// A planned real transform with its buffers, in one precision.
struct Transform<T> {
    fft: Arc<dyn RealToComplex<T>>,
    segment: Vec<T>,
    spectrum: Vec<Complex<T>>,
    scratch: Vec<Complex<T>>,
}

impl<T: realfft::FftNum> Transform<T> {
    fn new(n: usize) -> Self {
        let fft = RealFftPlanner::<T>::new().plan_fft_forward(n);
        Transform {
            segment: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
        }
    }

    fn run(&mut self) -> Result<()> {
        self.fft
            .process_with_scratch(&mut self.segment, &mut self.spectrum, &mut self.scratch)
            .map_err(|e| Error::Config(format!("fft: {e}")))
    }
}

/// The transform of the estimator's precision.
enum Engine {
    F32(Transform<f32>),
    F64(Transform<f64>),
}

/// The streaming estimator (a [`Push`] of samples whose output is a [`WelchSum`]).
pub struct Welch {
    config: WelchConfig,
    engine: Engine,
    window: Vec<f64>,
    buf: Vec<f64>,
    power: Vec<f64>,
    out: WelchSum,
    /// Segments still to take (`u64::MAX` for all).
    remaining: u64,
    /// Absolute index of the next sample pushed.
    at: u64,
}

impl core::fmt::Debug for Welch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Welch")
            .field("config", &self.config)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl Welch {
    /// An estimator over a whole record.
    pub fn try_new(config: WelchConfig) -> Result<Self> {
        Self::part(config, 0, u64::MAX)
    }

    /// An estimator of the segments `first..first + count` only: it expects samples from
    /// the start of segment `first` (sample `first · step`) and ignores samples after the
    /// end of its last segment.
    pub fn part(config: WelchConfig, first: u64, count: u64) -> Result<Self> {
        Self::part_in(config, first, count, Precision::F64)
    }

    /// [`Welch::part`] with transforms in `precision`.
    pub fn part_in(
        config: WelchConfig,
        first: u64,
        count: u64,
        precision: Precision,
    ) -> Result<Self> {
        config.validate()?;
        let (n, step) = (config.nfft, config.step());
        let engine = match precision {
            Precision::F32 => Engine::F32(Transform::new(n)),
            Precision::F64 => Engine::F64(Transform::new(n)),
        };
        let bins = n / 2 + 1;
        let spectrogram = config
            .spectrogram
            .map(|(per_row, per_col, max_rows)| {
                Spectrogram::new(bins, per_row, per_col, max_rows, first)
            })
            .transpose()?;
        Ok(Welch {
            window: config.window.coefficients(n),
            engine,
            buf: Vec::new(),
            power: alloc::vec![0.0; bins],
            out: WelchSum {
                config: config.clone(),
                sum: alloc::vec![0.0; bins],
                first_segment: first,
                segments: 0,
                samples: 0,
                spectrogram,
                precision,
            },
            config,
            remaining: count,
            at: first.saturating_mul(step as u64),
        })
    }

    fn take_segment(&mut self, from: usize) -> Result<()> {
        let n = self.config.nfft;
        let seg = &self.buf[from..from + n];
        let mean = seg.iter().sum::<f64>() / n as f64;
        match &mut self.engine {
            Engine::F64(t) => {
                for ((d, &x), &w) in t.segment.iter_mut().zip(seg).zip(&self.window) {
                    *d = (x - mean) * w;
                }
                t.run()?;
                for (p, c) in self.power.iter_mut().zip(&t.spectrum) {
                    *p = c.norm_sqr();
                }
            }
            Engine::F32(t) => {
                for ((d, &x), &w) in t.segment.iter_mut().zip(seg).zip(&self.window) {
                    *d = ((x - mean) * w) as f32;
                }
                t.run()?;
                for (p, c) in self.power.iter_mut().zip(&t.spectrum) {
                    let (re, im) = (f64::from(c.re), f64::from(c.im));
                    *p = re * re + im * im;
                }
            }
        }
        for (s, p) in self.out.sum.iter_mut().zip(&self.power) {
            *s += *p;
        }
        if let Some(sg) = &mut self.out.spectrogram {
            sg.add(self.out.first_segment + self.out.segments, &self.power);
        }
        self.out.segments += 1;
        self.remaining -= 1;
        Ok(())
    }
}

impl Push<f64> for Welch {
    type Output = WelchSum;

    fn push(&mut self, chunk: &[f64]) -> Result<()> {
        if let Some(i) = chunk.iter().position(|x| !x.is_finite()) {
            return Err(Error::Config(format!(
                "sample {} is {}: the spectrum needs finite samples",
                self.at + i as u64,
                chunk[i]
            )));
        }
        self.at += chunk.len() as u64;
        self.out.samples += chunk.len() as u64;
        if self.remaining == 0 {
            return Ok(());
        }
        self.buf.extend_from_slice(chunk);
        let (n, step) = (self.config.nfft, self.config.step());
        let mut head = 0;
        while self.remaining > 0 && self.buf.len() - head >= n {
            self.take_segment(head)?;
            head += step;
        }
        if self.remaining == 0 {
            self.buf = Vec::new();
        } else {
            self.buf.drain(..head.min(self.buf.len()));
        }
        Ok(())
    }

    fn finish(self) -> Result<WelchSum> {
        if self.out.segments == 0 {
            return Err(Error::Config(format!(
                "the record has {} samples, fewer than nfft {}: pass a smaller --nfft",
                self.out.samples, self.config.nfft
            )));
        }
        Ok(self.out)
    }
}

/// Number of whole segments of `config` in a record of `samples` samples.
pub fn segment_count(config: &WelchConfig, samples: u64) -> u64 {
    let (n, step) = (config.nfft as u64, config.step() as u64);
    if samples < n {
        0
    } else {
        (samples - n) / step + 1
    }
}
