//! A filter pipeline for one channel: band filter, then moving average, then decimation.

use alloc::format;
use alloc::vec::Vec;

use super::band::Band;
use super::fir::{firwin, FirFilter};
use super::iir::{design_iir, Prototype, Section};
use super::moving::MovingAverage;
use super::sos::SosFilter;
use crate::{Error, Result};

/// The largest decimation factor.
pub const MAX_DECIMATION: u64 = 1 << 16;

/// How the band filter is designed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Design {
    /// Windowed-sinc FIR (Hamming) with `order + 1` taps.
    Fir,
    /// IIR second-order sections from an analog prototype.
    Iir(Prototype),
}

/// A whole filter request, validated by [`FilterSpec::build`].
#[derive(Debug, Clone, PartialEq)]
pub struct FilterSpec {
    /// The band filter, if any.
    pub band: Option<Band>,
    /// FIR or IIR.
    pub design: Design,
    /// IIR prototype order, or FIR order (taps − 1).
    pub order: usize,
    /// Moving average length, if any (applied after the band filter).
    pub moving_average: Option<usize>,
    /// Keep one sample in `m` after an anti-alias FIR (applied last).
    pub decimate: Option<u64>,
    /// Samples per second of the input.
    pub sample_rate: f64,
}

/// A designed band filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Designed {
    /// FIR taps.
    Fir(Vec<f64>),
    /// IIR sections.
    Sos(Vec<Section>),
}

impl FilterSpec {
    /// Design the band filter, if there is one.
    pub fn design(&self) -> Result<Option<Designed>> {
        let Some(band) = self.band else {
            return Ok(None);
        };
        Ok(Some(match self.design {
            Design::Fir => Designed::Fir(firwin(
                self.order.saturating_add(1),
                band,
                self.sample_rate,
            )?),
            Design::Iir(proto) => {
                Designed::Sos(design_iir(self.order, band, proto, self.sample_rate)?)
            }
        }))
    }

    /// The anti-alias taps of decimation by `m`: scipy's `decimate(x, m, ftype='fir')`
    /// design, `firwin(20·m + 1, 1/m)` (Hamming).
    pub fn decimation_taps(m: u64) -> Result<Vec<f64>> {
        if m == 0 || m > MAX_DECIMATION {
            return Err(Error::Config(format!(
                "--decimate: factor must be 1 to {MAX_DECIMATION}, not {m}"
            )));
        }
        if m == 1 {
            return Ok(alloc::vec![1.0]);
        }
        firwin((20 * m + 1) as usize, Band::Lowpass(1.0 / m as f64), 2.0)
    }

    /// The streaming pipeline of one channel.
    pub fn build(&self) -> Result<Chain> {
        if self.band.is_none() && self.moving_average.is_none() && self.decimate.is_none() {
            return Err(Error::Config(
                "nothing to do: give --lowpass, --highpass, --bandpass, --bandstop, --moving-average or --decimate"
                    .into(),
            ));
        }
        let mut stages = Vec::new();
        match self.design()? {
            Some(Designed::Fir(taps)) => stages.push(Stage::Fir(FirFilter::new(&taps)?)),
            Some(Designed::Sos(sos)) => stages.push(Stage::Sos(SosFilter::new(&sos))),
            None => {}
        }
        stages.extend(self.post_stages()?);
        Ok(Chain::new(stages))
    }

    /// The stages after the band filter (moving average, decimation).
    pub fn post_stages(&self) -> Result<Vec<Stage>> {
        let mut stages = Vec::new();
        if let Some(n) = self.moving_average {
            stages.push(Stage::Moving(MovingAverage::new(n)?));
        }
        if let Some(m) = self.decimate {
            let taps = Self::decimation_taps(m)?;
            stages.push(Stage::Fir(FirFilter::decimating(&taps, m)?));
        }
        Ok(stages)
    }

    /// The output sample rate (after decimation).
    pub fn output_rate(&self) -> f64 {
        self.sample_rate / self.decimate.unwrap_or(1) as f64
    }
}

/// One step of a [`Chain`].
#[derive(Debug, Clone)]
pub enum Stage {
    /// FIR (possibly decimating).
    Fir(FirFilter),
    /// Biquad cascade.
    Sos(SosFilter),
    /// Moving average.
    Moving(MovingAverage),
}

impl Stage {
    fn process(&mut self, x: &[f64], out: &mut Vec<f64>) {
        match self {
            Stage::Fir(f) => f.process(x, out),
            Stage::Sos(f) => f.process(x, out),
            Stage::Moving(f) => f.process(x, out),
        }
    }
}

/// Stages run in order over each push; chunk-invariant because each stage is.
#[derive(Debug, Clone)]
pub struct Chain {
    stages: Vec<Stage>,
    scratch: [Vec<f64>; 2],
}

impl Chain {
    /// A chain of `stages`.
    pub fn new(stages: Vec<Stage>) -> Self {
        Chain {
            stages,
            scratch: [Vec::new(), Vec::new()],
        }
    }

    /// Filter `x`, appending the outputs to `out`.
    pub fn process(&mut self, x: &[f64], out: &mut Vec<f64>) {
        let [a, b] = &mut self.scratch;
        a.clear();
        a.extend_from_slice(x);
        for stage in &mut self.stages {
            b.clear();
            stage.process(a, b);
            core::mem::swap(a, b);
        }
        out.extend_from_slice(a);
    }
}

/// A [`Chain`] that gathers all its output: the [`crate::Push`] form, for tests and
/// small inputs.
#[derive(Debug, Clone)]
pub struct Collecting(pub Chain, pub Vec<f64>);

impl crate::Push<f64> for Collecting {
    type Output = Vec<f64>;
    fn push(&mut self, chunk: &[f64]) -> Result<()> {
        self.0.process(chunk, &mut self.1);
        Ok(())
    }
    fn finish(self) -> Result<Vec<f64>> {
        Ok(self.1)
    }
}
