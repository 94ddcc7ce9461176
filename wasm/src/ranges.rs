//! The analog view's Welch spectrum of a dropped file read in byte ranges by several workers
//! (web/range-worker.js): [`SpectrumRanges`] plans the parts from the file's head and merges
//! their partial sums in part order; [`SpectrumRangePart`] reads one part. Both sides take
//! the page's spectrum options as one object and derive the same plan from it.

use scopekit_core::formats::{Header, Reader};
use scopekit_core::parts::Part;
use scopekit_core::precision::Precision;
use scopekit_core::spectrum::{
    segment_count, ReportOptions, Scaling, SpectrumReport, Welch, WelchConfig, WelchSum, Window,
};
use scopekit_core::{Block, BlockSink, Layout, Merge as _, Push as _};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// Most Welch parts of a dropped file read by range workers: a fixed count, whatever the
/// number of workers, so the merge order (and hence every bit of the result) is fixed.
const RANGE_PARTS: u64 = 16;
/// Fewest data bytes worth splitting into ranges (below: one reader).
const MIN_RANGE_FILE: u64 = 16 << 20;

/// The options both sides read (the `SpectrumSession` options of the same names; other
/// fields of the page's object are ignored).
#[derive(Deserialize)]
struct PlanOptions {
    channel: u32,
    window: String,
    nfft: Option<u32>,
    overlap: f64,
    #[serde(default)]
    spectrogram: bool,
    precision: Option<String>,
}

/// The options only the merging side reads: how the report is written.
#[derive(Deserialize)]
struct ReportSettings {
    scaling: String,
    harmonics: u32,
    peaks: u32,
    /// The sample rate when the file has none.
    rate: Option<f64>,
}

fn options<T: for<'de> Deserialize<'de>>(options: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(options)
        .map_err(|e| JsError::new(&format!("spectrum options: {e}")))
}

/// The settings both sides of a ranged spectrum derive from the file's head: the header,
/// the estimator's settings and its parts.
struct RangePlan {
    header: Header,
    config: WelchConfig,
    precision: Precision,
    channel: usize,
    row: u64,
    parts: Vec<Part>,
}

impl RangePlan {
    /// `None` when the file does not split (header not in `head` or bad, a format read
    /// from its first byte, channel-major data, a periodogram, too small): the one-reader
    /// path, which reports any error in the file.
    fn new(file_len: f64, head: &[u8], o: &PlanOptions) -> Result<Option<RangePlan>, JsError> {
        let Ok(Some(header)) = Header::from_head(head, file_len as u64) else {
            return Ok(None);
        };
        let channel = o.channel as usize;
        let (Some(row), Some(samples)) = (header.row_bytes(), header.layout().known_samples())
        else {
            return Ok(None);
        };
        let data = samples.saturating_mul(row);
        // (`segments` of the whole data: one range, just to learn whether the format resumes.)
        if channel >= header.info().channels as usize
            || header.is_channel_major()
            || data < MIN_RANGE_FILE
            || header.segments(data).is_none()
            || !(0.0..1.0).contains(&o.overlap)
        {
            return Ok(None);
        }
        let nfft = o.nfft.map_or(4096, |n| n as usize);
        let mut config = WelchConfig {
            nfft,
            overlap: (nfft as f64 * o.overlap).floor() as usize,
            window: Window::parse(&o.window).map_err(js_error)?,
            spectrogram: None,
        };
        if config.validate().is_err() {
            return Ok(None);
        }
        let total = segment_count(&config, samples);
        if total < 2 {
            return Ok(None);
        }
        if o.spectrogram {
            config = config.with_spectrogram(Some(total));
        }
        let choice =
            Precision::parse(o.precision.as_deref().unwrap_or("auto")).map_err(js_error)?;
        let precision = Precision::resolve(choice, &header);
        // The plan of the CLI's parallel run (whole spectrogram rows).
        let parts = config.parts(total, RANGE_PARTS);
        Ok(Some(RangePlan {
            header,
            config,
            precision,
            channel,
            row,
            parts,
        }))
    }

    fn part(&self, index: u32) -> Result<Part, JsError> {
        self.parts
            .get(index as usize)
            .copied()
            .ok_or_else(|| JsError::new("no such part"))
    }
}

/// The merging side of a spectrum (Welch averaging) of a dropped file read by several
/// range workers: plans the parts from the file's head, merges the workers' partial sums in
/// part order and writes `scopekit spectrum --json`.
#[wasm_bindgen]
pub struct SpectrumRanges {
    plan: RangePlan,
    options: ReportOptions,
    sum: Option<WelchSum>,
    merged: usize,
}

#[wasm_bindgen]
impl SpectrumRanges {
    /// The plan for a file of `file_len` bytes whose first bytes are `head` (64 KiB hold
    /// any NPY or WAV header), with the page's spectrum `options` (an object: `channel`,
    /// `window`, `nfft`, `overlap`, `scaling`, `harmonics`, `peaks`, `spectrogram`,
    /// `precision`, and `rate` for a file without one); `undefined` when the file does not
    /// split (read it with one `SpectrumSession`).
    pub fn plan(
        file_len: f64,
        head: &[u8],
        options: JsValue,
    ) -> Result<Option<SpectrumRanges>, JsError> {
        let report: ReportSettings = self::options(options.clone())?;
        let scaling = Scaling::parse(&report.scaling).map_err(js_error)?;
        let Some(plan) = RangePlan::new(file_len, head, &self::options(options)?)? else {
            return Ok(None);
        };
        let options = ReportOptions {
            sample_rate: plan.header.info().sample_rate.or(report.rate),
            scaling,
            harmonics: report.harmonics as usize,
            peaks: report.peaks as usize,
            full_scale: plan.header.full_scale(),
        };
        Ok(Some(SpectrumRanges {
            plan,
            options,
            sum: None,
            merged: 0,
        }))
    }

    /// Parts planned (the same whatever the number of workers).
    #[wasm_bindgen(js_name = partCount)]
    pub fn part_count(&self) -> u32 {
        self.plan.parts.len() as u32
    }

    /// The absolute file bytes `[start, end)` part `index` reads.
    #[wasm_bindgen(js_name = partBytes)]
    pub fn part_bytes(&self, index: u32) -> Result<Vec<f64>, JsError> {
        let part = self.plan.part(index)?;
        let data = self.plan.header.data_offset();
        Ok(vec![
            (data + part.read_start * self.plan.row) as f64,
            (data + part.read_end * self.plan.row) as f64,
        ])
    }

    /// Merge the partial sum of the next part (parts in order, from `SpectrumRangePart`).
    pub fn merge(&mut self, index: u32, sum: &[f64]) -> Result<(), JsError> {
        if index as usize != self.merged {
            return Err(JsError::new("range parts must merge in order"));
        }
        let part =
            WelchSum::from_f64s(&self.plan.config, self.plan.precision, sum).map_err(js_error)?;
        match self.sum.as_mut() {
            None => self.sum = Some(part),
            Some(s) => s.merge(part).map_err(js_error)?,
        }
        self.merged += 1;
        Ok(())
    }

    /// The `scopekit spectrum --json` document (after every part merged).
    pub fn report(&self) -> Result<JsValue, JsError> {
        match &self.sum {
            Some(sum) if self.merged == self.plan.parts.len() => {
                to_js(&SpectrumReport::new(sum, &self.options))
            }
            _ => Err(JsError::new("the spectrum is not finished")),
        }
    }
}

/// One channel's blocks into a Welch part.
struct WelchSink<'a> {
    channel: usize,
    welch: &'a mut Welch,
}

impl BlockSink for WelchSink<'_> {
    fn begin(&mut self, _layout: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }

    fn block(&mut self, b: Block<'_>) -> scopekit_core::Result<()> {
        if b.channel == self.channel {
            self.welch.push(b.samples)?;
        }
        Ok(())
    }
}

/// The reading side of a ranged spectrum: one part's bytes (in chunks of any size, from
/// its first byte) through a core Welch part; `finish` gives the partial sum to merge.
#[wasm_bindgen]
pub struct SpectrumRangePart {
    /// The reader and estimator (`None` once finished).
    run: Option<(Reader, Welch)>,
    channel: usize,
}

#[wasm_bindgen]
impl SpectrumRangePart {
    /// Part `index` of the plan `SpectrumRanges.plan` makes from the same file length, head
    /// and options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_len: f64,
        head: &[u8],
        options: JsValue,
        index: u32,
    ) -> Result<SpectrumRangePart, JsError> {
        let plan = RangePlan::new(file_len, head, &self::options(options)?)?
            .ok_or_else(|| JsError::new("the file does not split into ranges"))?;
        let part = plan.part(index)?;
        let (start, end) = (part.read_start * plan.row, part.read_end * plan.row);
        let welch = Welch::part_in(plan.config, part.first, part.units(), plan.precision)
            .map_err(js_error)?;
        let reader = Reader::resume(plan.header, start, end).map_err(js_error)?;
        Ok(SpectrumRangePart {
            run: Some((reader, welch)),
            channel: plan.channel,
        })
    }

    /// Push the next bytes of the part. Throws on bad input, naming the byte offset.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let (reader, welch) = self
            .run
            .as_mut()
            .ok_or_else(|| JsError::new("part already finished"))?;
        let channel = self.channel;
        reader
            .push(bytes, &mut WelchSink { channel, welch })
            .map_err(js_error)
    }

    /// End the part: its partial sum, for `SpectrumRanges.merge`.
    pub fn finish(&mut self) -> Result<Vec<f64>, JsError> {
        let (reader, mut welch) = self
            .run
            .take()
            .ok_or_else(|| JsError::new("part already finished"))?;
        let channel = self.channel;
        reader
            .finish(&mut WelchSink {
                channel,
                welch: &mut welch,
            })
            .map_err(js_error)?;
        Ok(welch.finish().map_err(js_error)?.to_f64s())
    }
}
