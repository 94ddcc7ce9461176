//! Analog views of the page: `scopekit measure`, `spectrum`, `correlate`, a `filter`
//! preview and `stats --histogram`, as push-based sessions over a file read in chunks (as [`crate::Session`] does),
//! each returning the document the CLI prints with `--json`.
//!
//! A session that needs several passes over the file (measure: moments, level histogram,
//! transitions) says so from `endPass()`: the worker then streams the file again from byte
//! 0. Zip-based captures (npz) are given whole with `pushArchive` once per pass.

use scopekit_core::correlate::{CorrelationReport, StreamCorrelator};
use scopekit_core::dsp::histogram::{Binning, FiniteRange, Histogram};
use scopekit_core::filter::{Band, Chain, Design, Designed, FilterSpec, Prototype};
use scopekit_core::formats::{archive, Header, Reader};
use scopekit_core::measure::{MeasureConfig, MeasurePasses, MeasureReport};
use scopekit_core::precision::Precision;
use scopekit_core::report::HistogramReport;
use scopekit_core::spectrum::{
    segment_count, ReportOptions, Scaling, SpectrumReport, Welch, WelchConfig, Window,
};
use scopekit_core::{Block, BlockSink, ChannelSamples, Layout, Push as _};
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// Largest filter preview window, samples.
const MAX_PREVIEW: u32 = 1 << 20;
/// Largest correlation lag searched by the page, samples.
const MAX_PAGE_LAG: f64 = 1_000_000.0;

fn err(msg: &str) -> JsError {
    JsError::new(msg)
}

/// The reading side of a session: one file, streamed (or given whole) once per pass.
struct Passes {
    file_len: u64,
    vcd_rate: Option<f64>,
    reader: Option<Reader>,
    header: Option<Header>,
}

impl Passes {
    fn new(file_len: f64, vcd_rate: Option<f64>) -> Self {
        let mut p = Passes {
            file_len: file_len as u64,
            vcd_rate,
            reader: None,
            header: None,
        };
        p.rewind();
        p
    }

    fn rewind(&mut self) {
        self.reader = Some(Reader::with_file_len(self.file_len).sampling_vcd_at(self.vcd_rate));
    }

    fn push(&mut self, chunk: &[u8], sink: &mut dyn BlockSink) -> Result<(), JsError> {
        let reader = self
            .reader
            .as_mut()
            .ok_or_else(|| err("session already finished"))?;
        reader.push(chunk, sink).map_err(js_error)?;
        if self.header.is_none() {
            self.header = reader.header();
        }
        Ok(())
    }

    fn push_archive(&mut self, bytes: &[u8], sink: &mut dyn BlockSink) -> Result<(), JsError> {
        let header = archive::open(bytes).map_err(js_error)?;
        archive::read(bytes, &header, sink).map_err(js_error)?;
        self.reader = None;
        self.header = Some(header);
        Ok(())
    }

    /// End the pass (flushing a streamed reader) and get ready for another.
    fn end(&mut self, sink: &mut dyn BlockSink) -> Result<Header, JsError> {
        if let Some(reader) = self.reader.take() {
            self.header = Some(reader.finish(sink).map_err(js_error)?);
        }
        self.rewind();
        self.header.clone().ok_or_else(|| err("no data"))
    }
}

fn check_channel(header: &Header, channel: usize) -> Result<(), JsError> {
    let n = header.info().channels as usize;
    if channel >= n {
        return Err(err(&format!(
            "channel {channel} does not exist (the capture has {n})"
        )));
    }
    Ok(())
}

fn analog_only(header: &Header) -> Result<(), JsError> {
    if matches!(header, Header::Sigrok(_)) {
        return Err(err(
            "this view works on analog captures; a sigrok session holds logic channels",
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------ measure

/// The sink of the measurement's pass being read.
fn sink_of(measure: &mut Option<MeasurePasses>) -> Result<&mut dyn BlockSink, JsError> {
    measure
        .as_mut()
        .and_then(MeasurePasses::sink)
        .ok_or_else(|| err("session already finished"))
}

/// `scopekit measure --json` in three streaming passes over the file (core's
/// [`MeasurePasses`], the CLI's serial path: moments, level histogram between the
/// extremes, per-cycle transitions).
#[wasm_bindgen]
pub struct MeasureSession {
    passes: Passes,
    /// The measurement's passes, until the report is made.
    measure: Option<MeasurePasses>,
    report: Option<MeasureReport>,
    channel: usize,
}

#[wasm_bindgen]
impl MeasureSession {
    /// A session for a file of `file_len` bytes measuring `channel` with reference levels
    /// `low_pct`/`high_pct` (the CLI's `--levels 10,90`); `vcd_rate` samples a VCD.
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_len: f64,
        channel: u32,
        low_pct: f64,
        high_pct: f64,
        vcd_rate: Option<f64>,
    ) -> Result<MeasureSession, JsError> {
        let config = MeasureConfig {
            channel: channel as usize,
            low_pct,
            high_pct,
        };
        config.validate().map_err(js_error)?;
        Ok(MeasureSession {
            passes: Passes::new(file_len, vcd_rate),
            measure: Some(MeasurePasses::new(config)),
            report: None,
            channel: config.channel,
        })
    }

    /// The pass being read: 1, 2 or 3 (0 when done).
    pub fn pass(&self) -> u32 {
        self.measure.as_ref().map_or(0, MeasurePasses::pass)
    }

    /// Push the next chunk of the file. Throws on bad input, naming the byte offset.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let sink = sink_of(&mut self.measure)?;
        self.passes.push(chunk, sink)
    }

    /// Read a whole zip-based capture (npz) for this pass.
    #[wasm_bindgen(js_name = pushArchive)]
    pub fn push_archive(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let sink = sink_of(&mut self.measure)?;
        self.passes.push_archive(bytes, sink)
    }

    /// End the pass: `true` when the report is ready, `false` when the file must be
    /// streamed again from its first byte.
    #[wasm_bindgen(js_name = endPass)]
    pub fn end_pass(&mut self) -> Result<bool, JsError> {
        let header = self.passes.end(sink_of(&mut self.measure)?)?;
        analog_only(&header)?;
        check_channel(&header, self.channel)?;
        let rate = header.info().sample_rate.or(self.passes.vcd_rate);
        let measure = self
            .measure
            .as_mut()
            .ok_or_else(|| err("session already finished"))?;
        if !measure.end_pass() {
            return Ok(false);
        }
        self.report = self.measure.take().and_then(|m| m.into_report(rate));
        Ok(true)
    }

    /// The `scopekit measure --json` document (after the last `endPass`).
    pub fn report(&self) -> Result<JsValue, JsError> {
        match &self.report {
            Some(r) => to_js(r),
            None => Err(err("the measurement is not finished")),
        }
    }
}

// ------------------------------------------------------------------ histogram

enum HistogramStage {
    Range(FiniteRange),
    Count(Histogram),
    Done(HistogramReport),
}

fn histogram_sink(stage: &mut Option<HistogramStage>) -> Result<&mut dyn BlockSink, JsError> {
    match stage.as_mut() {
        Some(HistogramStage::Range(r)) => Ok(r),
        Some(HistogramStage::Count(h)) => Ok(h),
        _ => Err(err("session already finished")),
    }
}

/// The `histogram` of one channel as `scopekit stats --histogram N [--histogram-range
/// LO,HI] --json` gives it (numpy's bins), in two streaming passes: the finite range (and
/// the layout), then the counts.
#[wasm_bindgen]
pub struct HistogramSession {
    passes: Passes,
    channel: usize,
    bins: usize,
    range: Option<(f64, f64)>,
    stage: Option<HistogramStage>,
}

#[wasm_bindgen]
impl HistogramSession {
    /// `bins` bins over `[lo, hi]` (both given) or over the channel's finite values.
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_len: f64,
        channel: u32,
        bins: u32,
        lo: Option<f64>,
        hi: Option<f64>,
        vcd_rate: Option<f64>,
    ) -> Result<HistogramSession, JsError> {
        let range = lo.zip(hi);
        // Check the binning now (bins, range) with a stand-in range when none is given.
        Binning::for_values(range.or(Some((0.0, 1.0))), bins as usize).map_err(js_error)?;
        Ok(HistogramSession {
            passes: Passes::new(file_len, vcd_rate),
            channel: channel as usize,
            bins: bins as usize,
            range,
            stage: Some(HistogramStage::Range(FiniteRange::new())),
        })
    }

    /// Push the next chunk of the file. Throws on bad input, naming the byte offset.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.passes.push(chunk, histogram_sink(&mut self.stage)?)
    }

    /// Read a whole zip-based capture (npz) for this pass.
    #[wasm_bindgen(js_name = pushArchive)]
    pub fn push_archive(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.passes
            .push_archive(bytes, histogram_sink(&mut self.stage)?)
    }

    /// End the pass: `true` when the histogram is ready, `false` when the file must be
    /// streamed again from its first byte.
    #[wasm_bindgen(js_name = endPass)]
    pub fn end_pass(&mut self) -> Result<bool, JsError> {
        let header = self.passes.end(histogram_sink(&mut self.stage)?)?;
        analog_only(&header)?;
        check_channel(&header, self.channel)?;
        let next = match self.stage.take() {
            Some(HistogramStage::Range(r)) => {
                let found = r.ranges().get(self.channel).copied().flatten();
                let binning =
                    Binning::for_values(self.range.or(found), self.bins).map_err(js_error)?;
                let mut binnings = vec![None; header.info().channels as usize];
                binnings[self.channel] = Some(binning);
                HistogramStage::Count(Histogram::try_new(&binnings).map_err(js_error)?)
            }
            Some(HistogramStage::Count(h)) => {
                let report = h.reports().swap_remove(self.channel);
                HistogramStage::Done(report.ok_or_else(|| err("no histogram"))?)
            }
            other => other.ok_or_else(|| err("session already finished"))?,
        };
        let done = matches!(next, HistogramStage::Done(_));
        self.stage = Some(next);
        Ok(done)
    }

    /// The histogram document (after the last `endPass`).
    pub fn report(&self) -> Result<JsValue, JsError> {
        match &self.stage {
            Some(HistogramStage::Done(r)) => to_js(r),
            _ => Err(err("the histogram is not finished")),
        }
    }
}

// ------------------------------------------------------------------ spectrum

/// Builds the estimator when the layout is known (the spectrogram rows and a periodogram
/// depend on the record length), then forwards one channel's blocks to it.
struct SpectrumSink {
    channel: usize,
    window: Window,
    nfft: Option<usize>,
    overlap: f64,
    welch_average: bool,
    spectrogram: bool,
    /// The transforms' precision: as asked, else the input's own once its header is known.
    precision: Option<Precision>,
    welch: Option<Welch>,
}

impl BlockSink for SpectrumSink {
    fn begin(&mut self, layout: Layout) -> scopekit_core::Result<()> {
        let known = layout.known_samples();
        let (nfft, overlap, first_only) = if self.welch_average {
            let nfft = self.nfft.unwrap_or(4096);
            (nfft, (nfft as f64 * self.overlap).floor() as usize, None)
        } else {
            match (self.nfft, known) {
                (Some(n), _) => (n, 0, Some(1)),
                (None, Some(n)) => (usize::try_from(n).unwrap_or(usize::MAX), 0, Some(1)),
                (None, None) => {
                    return Err(scopekit_core::Error::Config(
                        "a periodogram needs a record of known length, or an nfft".into(),
                    ))
                }
            }
        };
        let mut config = WelchConfig {
            nfft,
            overlap,
            window: self.window,
            spectrogram: None,
        };
        config.validate()?;
        if self.spectrogram {
            let total = known.map(|n| segment_count(&config, n));
            config = config.with_spectrogram(total);
        }
        self.welch = Some(Welch::part_in(
            config,
            0,
            first_only.unwrap_or(u64::MAX),
            self.precision.unwrap_or_default(),
        )?);
        Ok(())
    }

    fn block(&mut self, b: Block<'_>) -> scopekit_core::Result<()> {
        if b.channel == self.channel {
            if let Some(w) = self.welch.as_mut() {
                w.push(b.samples)?;
            }
        }
        Ok(())
    }
}

/// `scopekit spectrum --json` in one streaming pass (Welch over the whole file).
#[wasm_bindgen]
pub struct SpectrumSession {
    passes: Passes,
    /// Reads the file's head until its header is known, so that the input's precision is
    /// settled before the estimator is built (`None` once settled).
    probe: Option<Reader>,
    sink: SpectrumSink,
    options: ReportOptions,
    finished: bool,
}

#[wasm_bindgen]
impl SpectrumSession {
    /// A session for a file of `file_len` bytes: `window` (scipy's names, `kaiser:BETA`),
    /// `nfft` (default 4096, or the whole record for a periodogram), `overlap` as a fraction
    /// of nfft, `average` `welch` or `none`, `scaling` `density` or `spectrum`, THD
    /// `harmonics`, listed `peaks`, `spectrogram` data, transform `precision` (`f32`, `f64`,
    /// or `auto`/absent: the input's own); as the CLI's options of the same names.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        file_len: f64,
        channel: u32,
        window: &str,
        nfft: Option<u32>,
        overlap: f64,
        average: &str,
        scaling: &str,
        harmonics: u32,
        peaks: u32,
        spectrogram: bool,
        vcd_rate: Option<f64>,
        precision: Option<String>,
    ) -> Result<SpectrumSession, JsError> {
        let precision =
            Precision::parse(precision.as_deref().unwrap_or("auto")).map_err(js_error)?;
        let window = Window::parse(window).map_err(js_error)?;
        let scaling = Scaling::parse(scaling).map_err(js_error)?;
        if !(0.0..1.0).contains(&overlap) {
            return Err(err("the overlap is a fraction in [0, 1)"));
        }
        let welch_average = match average {
            "welch" => true,
            "none" => false,
            a => return Err(err(&format!("average is welch or none, not '{a}'"))),
        };
        Ok(SpectrumSession {
            passes: Passes::new(file_len, vcd_rate),
            probe: precision
                .is_none()
                .then(|| Reader::with_file_len(file_len as u64).sampling_vcd_at(vcd_rate)),
            sink: SpectrumSink {
                channel: channel as usize,
                window,
                nfft: nfft.map(|n| n as usize),
                overlap,
                welch_average,
                spectrogram,
                precision,
                welch: None,
            },
            options: ReportOptions {
                sample_rate: None,
                scaling,
                harmonics: harmonics as usize,
                peaks: peaks as usize,
                full_scale: None,
            },
            finished: false,
        })
    }

    /// Push the next chunk of the file. Throws on bad input, naming the byte offset.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.probe_header(chunk);
        self.passes.push(chunk, &mut self.sink)
    }

    /// Read a whole zip-based capture (npz).
    #[wasm_bindgen(js_name = pushArchive)]
    pub fn push_archive(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        if self.probe.take().is_some() {
            let header = archive::open(bytes).map_err(js_error)?;
            self.sink.precision = Some(Precision::resolve(None, &header));
        }
        self.passes.push_archive(bytes, &mut self.sink)
    }

    /// End the (only) pass: always `true`.
    #[wasm_bindgen(js_name = endPass)]
    pub fn end_pass(&mut self) -> Result<bool, JsError> {
        if self.finished {
            return Err(err("session already finished"));
        }
        self.finished = true;
        let header = self.passes.end(&mut self.sink)?;
        check_channel(&header, self.sink.channel)?;
        self.options.sample_rate = header.info().sample_rate.or(self.passes.vcd_rate);
        self.options.full_scale = header.full_scale();
        Ok(true)
    }

    /// The `scopekit spectrum --json` document (after `endPass`).
    pub fn report(&mut self) -> Result<JsValue, JsError> {
        if !self.finished {
            return Err(err("the spectrum is not finished"));
        }
        let welch = self
            .sink
            .welch
            .take()
            .ok_or_else(|| err("the channel has no samples"))?;
        let sum = welch.finish().map_err(js_error)?;
        to_js(&SpectrumReport::new(&sum, &self.options))
    }
}

impl SpectrumSession {
    /// Feed the probe `chunk` (64 KiB at a time) until the header is known, then settle the
    /// precision; a probe that fails leaves the error to the real reader (f64 meanwhile).
    fn probe_header(&mut self, chunk: &[u8]) {
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        for piece in chunk.chunks(1 << 16) {
            if probe
                .push(piece, &mut scopekit_core::kernel::Discard)
                .is_err()
            {
                self.probe = None;
                return;
            }
            if let Some(header) = probe.header() {
                self.sink.precision = Some(Precision::resolve(None, &header));
                self.probe = None;
                return;
            }
        }
    }
}

// ------------------------------------------------------------------ correlate

/// One input of a correlation: a file read in step with the other.
struct Side {
    reader: Option<Reader>,
    header: Option<Header>,
    take: ChannelSamples,
}

impl Side {
    fn new(file_len: f64, channel: u32) -> Self {
        Side {
            reader: Some(Reader::with_file_len(file_len as u64)),
            header: None,
            take: ChannelSamples::new(channel as usize),
        }
    }
    fn done(&self) -> bool {
        self.reader.is_none()
    }
    fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.take.samples.clear();
        let r = self
            .reader
            .as_mut()
            .ok_or_else(|| err("this input is already finished"))?;
        r.push(chunk, &mut self.take).map_err(js_error)
    }
    fn end(&mut self) -> Result<(), JsError> {
        self.take.samples.clear();
        let r = self
            .reader
            .take()
            .ok_or_else(|| err("this input is already finished"))?;
        let header = r.finish(&mut self.take).map_err(js_error)?;
        analog_only(&header)?;
        check_channel(&header, self.take.channel)?;
        self.header = Some(header);
        Ok(())
    }
}

/// `scopekit correlate A B --stream --max-lag L --json [--precision P]`: a channel of each
/// of two inputs (two files, or the same file twice for two of its channels) read in step
/// through the core's streaming correlator, lags `-L..L`. As in the CLI, two float32
/// inputs are correlated in single precision unless `precision` says otherwise: the
/// correlator is created once both headers are known (the samples read before wait).
#[wasm_bindgen]
pub struct CorrelateSession {
    corr: Option<StreamCorrelator>,
    /// The precision asked for (`None`: f32 for two float32 inputs, else f64).
    precision: Option<Precision>,
    /// Samples of A and B read before the correlator exists.
    early: [Vec<f64>; 2],
    finished: bool,
    a: Side,
    b: Side,
    max_lag: u64,
    curve: Vec<f64>,
    report: Option<CorrelationReport>,
}

/// A side's own precision ([`Precision::resolve`]; `None` until its header is known).
fn own_precision(side: &Side) -> Option<Precision> {
    let header = side
        .header
        .clone()
        .or_else(|| side.reader.as_ref().and_then(Reader::header))?;
    Some(Precision::resolve(None, &header))
}

#[wasm_bindgen]
impl CorrelateSession {
    /// Channel `channel_a` of input A (`len_a` bytes) against `channel_b` of B, lags
    /// `-max_lag..max_lag`; `precision` `"f32"`, `"f64"`, or absent/`"auto"` (f32 when
    /// both inputs are float32), as the CLI's `--precision`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        len_a: f64,
        channel_a: u32,
        len_b: f64,
        channel_b: u32,
        max_lag: f64,
        precision: Option<String>,
    ) -> Result<CorrelateSession, JsError> {
        if !(0.0..=MAX_PAGE_LAG).contains(&max_lag) || max_lag.fract() != 0.0 {
            return Err(err(&format!(
                "the maximum lag is a whole number of samples up to {MAX_PAGE_LAG}"
            )));
        }
        let precision = match precision.as_deref() {
            None | Some("") => None,
            Some(p) => Precision::parse(p).map_err(js_error)?,
        };
        // Check the lag now (the correlator itself waits for both headers).
        StreamCorrelator::new(max_lag as usize).map_err(js_error)?;
        Ok(CorrelateSession {
            corr: None,
            precision,
            early: [Vec::new(), Vec::new()],
            finished: false,
            a: Side::new(len_a, channel_a),
            b: Side::new(len_b, channel_b),
            max_lag: max_lag as u64,
            curve: Vec::new(),
            report: None,
        })
    }

    /// Which input to read next: 0 for A, 1 for B, -1 when both are finished (call
    /// `finish`). Until both headers are known, the one without; then the one behind, as
    /// the CLI does.
    pub fn next(&self) -> i32 {
        if self.finished || (self.a.done() && self.b.done()) {
            return -1;
        }
        let Some(corr) = &self.corr else {
            return if own_precision(&self.a).is_none() && !self.a.done() {
                0
            } else {
                1
            };
        };
        let [na, nb] = corr.pushed();
        if !self.a.done() && (na <= nb || self.b.done()) {
            0
        } else {
            1
        }
    }

    /// Push the next chunk of input `side` (0: A, 1: B).
    pub fn push(&mut self, side: u32, chunk: &[u8]) -> Result<(), JsError> {
        let s = if side == 0 { &mut self.a } else { &mut self.b };
        s.push(chunk)?;
        self.feed(side)
    }

    /// Input `side` has no more bytes.
    pub fn end(&mut self, side: u32) -> Result<(), JsError> {
        let s = if side == 0 { &mut self.a } else { &mut self.b };
        s.end()?;
        self.feed(side)
    }

    /// The precision of the correlation: `"f32"` or `"f64"` (`""` until both headers are
    /// known).
    pub fn precision(&self) -> String {
        self.corr
            .as_ref()
            .map_or("", |c| c.precision().name())
            .to_string()
    }

    fn feed(&mut self, side: u32) -> Result<(), JsError> {
        if self.finished {
            return Err(err("session already finished"));
        }
        let samples = if side == 0 {
            &self.a.take.samples
        } else {
            &self.b.take.samples
        };
        let Some(corr) = self.corr.as_mut() else {
            self.early[(side != 0) as usize].extend_from_slice(samples);
            let (Some(pa), Some(pb)) = (own_precision(&self.a), own_precision(&self.b)) else {
                return Ok(());
            };
            let precision = self.precision.unwrap_or(pa.both(pb));
            let mut corr = StreamCorrelator::with_precision(self.max_lag as usize, precision)
                .map_err(js_error)?;
            let [a, b] = core::mem::take(&mut self.early);
            corr.push_a(&a).map_err(js_error)?;
            corr.push_b(&b).map_err(js_error)?;
            self.corr = Some(corr);
            return Ok(());
        };
        if side == 0 {
            corr.push_a(samples).map_err(js_error)
        } else {
            corr.push_b(samples).map_err(js_error)
        }
    }

    /// Finish and return the `scopekit correlate --json` document.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let (Some(ha), Some(hb)) = (&self.a.header, &self.b.header) else {
            return Err(err("both inputs must be read to their end first"));
        };
        let rate = match (ha.info().sample_rate, hb.info().sample_rate) {
            (Some(x), Some(y)) if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) => {
                return Err(err(&format!(
                    "the sample rates differ ({x} Sa/s in A, {y} Sa/s in B): resample one first"
                )))
            }
            (x, y) => x.or(y),
        };
        let corr = self
            .corr
            .take()
            .ok_or_else(|| err("session already finished"))?;
        self.finished = true;
        let precision = corr.precision().name().to_string();
        let samples = corr.pushed();
        let (curve, peak, coefficient) = corr.finish().map_err(js_error)?;
        self.curve = curve;
        let report = CorrelationReport {
            samples,
            max_lag: self.max_lag,
            method: "streaming".to_string(),
            precision,
            peak,
            coefficient,
            sample_rate: rate,
            delay_seconds: peak.zip(rate).map(|(p, r)| p.lag_interpolated / r),
        };
        let js = to_js(&report);
        self.report = Some(report);
        js
    }

    /// The correlation at lags `-L..=L` (after `finish`).
    pub fn curve(&self) -> Vec<f64> {
        self.curve.clone()
    }
}

// ------------------------------------------------------------------ filter preview

/// Filters one channel from its first sample and keeps a window of input and output.
struct PreviewSink {
    channel: usize,
    chain: Chain,
    first: u64,
    end: u64,
    decimate: u64,
    seen: u64,
    produced: u64,
    input: Vec<f64>,
    output: Vec<f64>,
    scratch: Vec<f64>,
}

impl PreviewSink {
    fn out_range(&self) -> (u64, u64) {
        (
            self.first.div_ceil(self.decimate),
            self.end.div_ceil(self.decimate),
        )
    }
    fn done(&self) -> bool {
        self.seen >= self.end && self.produced >= self.out_range().1
    }
}

impl BlockSink for PreviewSink {
    fn begin(&mut self, _: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> scopekit_core::Result<()> {
        if b.channel != self.channel || self.done() {
            return Ok(());
        }
        let start = self.seen;
        self.seen += b.samples.len() as u64;
        let (lo, hi) = (
            self.first.clamp(start, self.seen),
            self.end.clamp(start, self.seen),
        );
        self.input
            .extend_from_slice(&b.samples[(lo - start) as usize..(hi - start) as usize]);
        self.scratch.clear();
        self.chain.process(b.samples, &mut self.scratch);
        let (olo, ohi) = self.out_range();
        let p0 = self.produced;
        self.produced += self.scratch.len() as u64;
        let (lo, hi) = (olo.clamp(p0, self.produced), ohi.clamp(p0, self.produced));
        self.output
            .extend_from_slice(&self.scratch[(lo - p0) as usize..(hi - p0) as usize]);
        Ok(())
    }
}

/// A preview of `scopekit filter` on one channel: the chain runs from the first sample (so
/// the window shows the streamed output the CLI writes, not a start-up transient) and the
/// window `first..first+count` of input and output is kept. The worker may stop reading
/// once `done()`.
#[wasm_bindgen]
pub struct FilterSession {
    passes: Passes,
    spec: FilterSpec,
    sink: PreviewSink,
}

#[wasm_bindgen]
impl FilterSession {
    /// `band` is `lowpass`, `highpass`, `bandpass`, `bandstop` or `none` (corners `f1`, `f2`
    /// in Hz); `design` `fir`, `butter` or `cheby1` (with `ripple_db`); `order` as the CLI's
    /// `--order`; then `--moving-average`, `--decimate`; `sample_rate` of the input.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        file_len: f64,
        channel: u32,
        band: &str,
        f1: f64,
        f2: f64,
        design: &str,
        ripple_db: f64,
        order: u32,
        moving_average: Option<u32>,
        decimate: Option<u32>,
        sample_rate: f64,
        first: f64,
        count: u32,
    ) -> Result<FilterSession, JsError> {
        let band = match band {
            "lowpass" => Some(Band::Lowpass(f1)),
            "highpass" => Some(Band::Highpass(f1)),
            "bandpass" => Some(Band::Bandpass(f1, f2)),
            "bandstop" => Some(Band::Bandstop(f1, f2)),
            "none" => None,
            b => return Err(err(&format!("unknown band '{b}'"))),
        };
        let design = match design {
            "fir" => Design::Fir,
            "butter" => Design::Iir(Prototype::Butterworth),
            "cheby1" => Design::Iir(Prototype::Chebyshev1 { ripple_db }),
            d => return Err(err(&format!("unknown design '{d}'"))),
        };
        if !(sample_rate > 0.0 && sample_rate.is_finite()) {
            return Err(err("the filter needs the input's sample rate (Hz)"));
        }
        if count == 0 || count > MAX_PREVIEW || first.is_nan() || first < 0.0 {
            return Err(err(&format!(
                "the preview window is 1 to {MAX_PREVIEW} samples from a sample index ≥ 0"
            )));
        }
        let spec = FilterSpec {
            band,
            design,
            order: order as usize,
            moving_average: moving_average.map(|n| n as usize),
            decimate: decimate.map(u64::from),
            sample_rate,
        };
        let chain = spec.build().map_err(js_error)?;
        let first = first as u64;
        Ok(FilterSession {
            passes: Passes::new(file_len, None),
            sink: PreviewSink {
                channel: channel as usize,
                chain,
                first,
                end: first + u64::from(count),
                decimate: spec.decimate.unwrap_or(1).max(1),
                seen: 0,
                produced: 0,
                input: Vec::new(),
                output: Vec::new(),
                scratch: Vec::new(),
            },
            spec,
        })
    }

    /// Push the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.passes.push(chunk, &mut self.sink)
    }

    /// Read a whole zip-based capture (npz).
    #[wasm_bindgen(js_name = pushArchive)]
    pub fn push_archive(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.passes.push_archive(bytes, &mut self.sink)
    }

    /// The window is complete (the rest of the file need not be read).
    pub fn done(&self) -> bool {
        self.sink.done()
    }

    /// Flush the reader when the whole file was read (not needed after `done()`).
    #[wasm_bindgen(js_name = endPass)]
    pub fn end_pass(&mut self) -> Result<bool, JsError> {
        let header = self.passes.end(&mut self.sink)?;
        analog_only(&header)?;
        check_channel(&header, self.sink.channel)?;
        Ok(true)
    }

    /// Input samples of the window (fewer when the record ends inside it).
    pub fn input(&self) -> Vec<f64> {
        self.sink.input.clone()
    }

    /// Output samples `ceil(first/M)..ceil(end/M)` (M the decimation, else 1).
    pub fn output(&self) -> Vec<f64> {
        self.sink.output.clone()
    }

    /// Index of the first output sample.
    #[wasm_bindgen(js_name = outputFirst)]
    pub fn output_first(&self) -> f64 {
        self.sink.out_range().0 as f64
    }

    /// `|H(f)|` of the chain at `frequencies` (Hz).
    pub fn response(&self, frequencies: &[f64]) -> Result<Vec<f64>, JsError> {
        self.spec.magnitude_response(frequencies).map_err(js_error)
    }

    /// The design, as the `taps` / `sos` fields of `scopekit filter --json`.
    pub fn design(&self) -> Result<JsValue, JsError> {
        #[derive(serde::Serialize)]
        struct D {
            taps: Option<Vec<f64>>,
            sos: Option<Vec<[f64; 6]>>,
            sample_rate_out: f64,
        }
        let d = match self.spec.design().map_err(js_error)? {
            Some(Designed::Fir(t)) => D {
                taps: Some(t),
                sos: None,
                sample_rate_out: 0.0,
            },
            Some(Designed::Sos(s)) => D {
                taps: None,
                sos: Some(s),
                sample_rate_out: 0.0,
            },
            None => D {
                taps: None,
                sos: None,
                sample_rate_out: 0.0,
            },
        };
        to_js(&D {
            sample_rate_out: self.spec.output_rate(),
            ..d
        })
    }
}
