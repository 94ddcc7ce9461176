//! Entry points for work that splits into mergeable parts: Welch PSD and cross-correlation
//! over buffers of samples. With feature `threads` (web/pkg-threads) the parts run on a rayon
//! pool of Web Workers started by `initThreadPool`; without it (web/pkg) the same parts run
//! one after another. The parts never depend on the number of threads and are merged in
//! order, so both builds return identical results. The parallel decode of analog lines is in
//! `par_decode`, on the same pool helpers.

use scopekit_core::correlate::{
    correlate_slice_part, merge_parts, plan_correlation, CorrelationReport, Sample,
};
use scopekit_core::parts::Part;
use scopekit_core::precision::Precision;
use scopekit_core::spectrum::{
    segment_count, ReportOptions, Scaling, SpectrumReport, Welch, WelchConfig, WelchSum, Window,
};
use scopekit_core::{Merge as _, Push as _};
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Runs `f` over `items`, in parallel with feature `threads`; results in item order.
#[cfg(feature = "threads")]
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

/// Runs `f` over `items`, one after another (the single-threaded build).
#[cfg(not(feature = "threads"))]
pub(crate) fn par_map<T, R>(items: &[T], f: impl Fn(&T) -> R) -> Vec<R> {
    items.iter().map(f).collect()
}

/// Runs `n` items through the pool as a pipeline with at most `window` in flight: `make`
/// builds item `i` on this thread (in order, from `state`), `f` runs it on the pool, `take`
/// gets the results in item order on this thread as soon as each one and those before it
/// are done, and each take lets the next item be made (so an item can reuse what the items
/// taken before it gave back). After an error from `take` no item is made; the pool's
/// tasks still finish before this returns.
#[cfg(feature = "threads")]
pub(crate) fn par_pipeline<S, T: Send, R: Send, E>(
    state: &mut S,
    n: usize,
    window: usize,
    mut make: impl FnMut(&mut S, usize) -> T,
    f: impl Fn(usize, T) -> R + Sync + Send,
    mut take: impl FnMut(&mut S, usize, R) -> Result<(), E>,
) -> Result<(), E> {
    let (tx, rx) = std::sync::mpsc::channel();
    let f = &f;
    rayon::in_place_scope_fifo(|s| {
        let mut made = 0usize;
        let mut spawn = |state: &mut S, made: &mut usize| {
            let i = *made;
            let item = make(state, i);
            let tx = tx.clone();
            s.spawn_fifo(move |_| {
                // The receiver is gone only after an error: nothing to hand over then.
                let _ = tx.send((i, f(i, item)));
            });
            *made += 1;
        };
        while made < n.min(window.max(1)) {
            spawn(state, &mut made);
        }
        let mut early = std::collections::BTreeMap::new();
        let mut next = 0usize;
        while next < n {
            let Ok((i, r)) = rx.recv() else {
                break;
            };
            early.insert(i, r);
            while let Some(r) = early.remove(&next) {
                take(state, next, r)?;
                next += 1;
                if made < n {
                    spawn(state, &mut made);
                }
            }
        }
        Ok(())
    })
}

/// [`par_pipeline`] one item after another (the single-threaded build).
#[cfg(not(feature = "threads"))]
pub(crate) fn par_pipeline<S, T, R, E>(
    state: &mut S,
    n: usize,
    _window: usize,
    mut make: impl FnMut(&mut S, usize) -> T,
    f: impl Fn(usize, T) -> R,
    mut take: impl FnMut(&mut S, usize, R) -> Result<(), E>,
) -> Result<(), E> {
    for i in 0..n {
        let item = make(state, i);
        take(state, i, f(i, item))?;
    }
    Ok(())
}

/// Worker threads the parallel entry points use: the pool's size in the threaded build
/// (after `initThreadPool`), 1 in the single-threaded one.
#[wasm_bindgen(js_name = threadCount)]
pub fn thread_count() -> u32 {
    #[cfg(feature = "threads")]
    {
        rayon::current_num_threads() as u32
    }
    #[cfg(not(feature = "threads"))]
    {
        1
    }
}

/// Most Welch parts (a fixed count, whatever the threads, so every build sums alike).
const WELCH_PARTS: u64 = 32;
/// Samples converted to f64 at a time.
const CONVERT: usize = 1 << 16;

/// Welch over the segments of `part` of `samples`.
fn welch_part<T: Copy + Into<f64>>(
    config: &WelchConfig,
    precision: Precision,
    samples: &[T],
    part: &Part,
) -> scopekit_core::Result<WelchSum> {
    let first = part.read_start as usize;
    let last = (part.read_end as usize).min(samples.len());
    let mut welch = Welch::part_in(config.clone(), part.first, part.units(), precision)?;
    let mut buf = Vec::with_capacity(CONVERT);
    for chunk in samples[first..last].chunks(CONVERT) {
        buf.clear();
        buf.extend(chunk.iter().map(|&x| x.into()));
        welch.push(&buf)?;
    }
    welch.finish()
}

fn welch_report<T: Copy + Into<f64> + Sync>(
    samples: &[T],
    nfft: usize,
    overlap: usize,
    window: &str,
    sample_rate: Option<f64>,
    precision: Precision,
) -> Result<JsValue, JsError> {
    let config = WelchConfig {
        nfft,
        overlap,
        window: Window::parse(window).map_err(js_error)?,
        spectrogram: None,
    };
    config.validate().map_err(js_error)?;
    let total = segment_count(&config, samples.len() as u64);
    if total == 0 {
        return Err(JsError::new(&format!(
            "the record has {} samples, fewer than nfft {nfft}",
            samples.len()
        )));
    }
    let bounds = config.parts(total, WELCH_PARTS);
    let mut parts = par_map(&bounds, |b| welch_part(&config, precision, samples, b)).into_iter();
    let mut sum = parts
        .next()
        .ok_or_else(|| JsError::new("no segment"))?
        .map_err(js_error)?;
    for part in parts {
        sum.merge(part.map_err(js_error)?).map_err(js_error)?;
    }
    let options = ReportOptions {
        sample_rate,
        scaling: Scaling::Density,
        harmonics: 5,
        peaks: 10,
        full_scale: None,
    };
    to_js(&SpectrumReport::new(&sum, &options))
}

/// `precision` (`f32`, `f64`, or `auto`/absent: `own`).
fn parse_precision(precision: Option<String>, own: Precision) -> Result<Precision, JsError> {
    let choice = Precision::parse(precision.as_deref().unwrap_or("auto")).map_err(js_error)?;
    Ok(choice.unwrap_or(own))
}

/// Welch PSD of `samples` (segments of `nfft` samples overlapping by `overlap`, `window` as
/// the CLI names it, density scaling, 10 peaks, THD over 5 harmonics): the document of
/// `scopekit spectrum --json`. Parts of the record run on the thread pool. Transforms in
/// f64 unless `precision` is `f32`.
#[wasm_bindgen(js_name = welchSpectrum)]
pub fn welch_spectrum(
    samples: &[f64],
    nfft: usize,
    overlap: usize,
    window: &str,
    sample_rate: Option<f64>,
    precision: Option<String>,
) -> Result<JsValue, JsError> {
    let precision = parse_precision(precision, Precision::F64)?;
    welch_report(samples, nfft, overlap, window, sample_rate, precision)
}

/// [`welch_spectrum`] of f32 samples (half the memory for long records), transformed in f32
/// (as the CLI does float32 inputs) unless `precision` is `f64`.
#[wasm_bindgen(js_name = welchSpectrumF32)]
pub fn welch_spectrum_f32(
    samples: &[f32],
    nfft: usize,
    overlap: usize,
    window: &str,
    sample_rate: Option<f64>,
    precision: Option<String>,
) -> Result<JsValue, JsError> {
    let precision = parse_precision(precision, Precision::F32)?;
    welch_report(samples, nfft, overlap, window, sample_rate, precision)
}

/// Most correlation parts (a fixed count, whatever the threads, so every build sums alike;
/// the CLI's `correlate --threads 8` cuts the same parts).
const CORRELATE_PARTS: u64 = 32;

fn correlate_report<T: Sample + Sync>(
    a: &[T],
    b: &[T],
    max_lag: u32,
    precision: Precision,
    sample_rate: Option<f64>,
) -> Result<JsValue, JsError> {
    if a.is_empty() || b.is_empty() {
        return Err(JsError::new("a signal has no samples"));
    }
    let lag = max_lag as usize;
    let plan =
        plan_correlation(lag, a.len() as u64, b.len() as u64, CORRELATE_PARTS).map_err(js_error)?;
    let sums = par_map(&plan, |part| {
        correlate_slice_part(a, b, lag, precision, part)
    });
    let sum = merge_parts(sums)
        .ok_or_else(|| JsError::new("no samples"))?
        .map_err(js_error)?;
    let samples = sum.samples();
    let (_, peak, coefficient) = sum.finish().map_err(js_error)?;
    to_js(&CorrelationReport {
        samples,
        max_lag: max_lag as u64,
        method: "streaming".to_string(),
        precision: precision.name().to_string(),
        peak,
        coefficient,
        sample_rate,
        delay_seconds: peak.zip(sample_rate).map(|(p, r)| p.lag_interpolated / r),
    })
}

/// Cross-correlation of `a` and `b` over lags `-max_lag..=max_lag`: the document of
/// `scopekit correlate A B --stream --max-lag L --json` (a positive lag: `a` is `b`
/// delayed). The record is cut at the correlator's block boundaries into parts that run
/// on the thread pool and are merged in order. FFTs in f64 unless `precision` is `f32`.
#[wasm_bindgen(js_name = correlateSamples)]
pub fn correlate_samples(
    a: &[f64],
    b: &[f64],
    max_lag: u32,
    sample_rate: Option<f64>,
    precision: Option<String>,
) -> Result<JsValue, JsError> {
    let precision = parse_precision(precision, Precision::F64)?;
    correlate_report(a, b, max_lag, precision, sample_rate)
}

/// [`correlate_samples`] of f32 samples, with FFTs in f32 (as the CLI does two float32
/// inputs) unless `precision` is `f64`.
#[wasm_bindgen(js_name = correlateSamplesF32)]
pub fn correlate_samples_f32(
    a: &[f32],
    b: &[f32],
    max_lag: u32,
    sample_rate: Option<f64>,
    precision: Option<String>,
) -> Result<JsValue, JsError> {
    let precision = parse_precision(precision, Precision::F32)?;
    correlate_report(a, b, max_lag, precision, sample_rate)
}
