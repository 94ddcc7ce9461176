//! `scopekit stats --histogram`: argument checks, the histogram passes over the memory map
//! (in parallel, merged in file order like [`crate::par::stats`]), and the text and CSV
//! output.

use std::fmt::Write as _;

use indicatif::ProgressBar;
use rayon::prelude::*;
use scopekit_core::dsp::histogram::{Binning, FiniteRange, Histogram, MAX_BINS};
use scopekit_core::formats::Header;
use scopekit_core::report::{HistogramReport, StatsReport};
use scopekit_core::sink_job::{SinkJob, SinkPartial};
use scopekit_core::{BlockSink, Merge, Push as _};

use crate::error::CliError;
use crate::source::Source;

/// Bytes mapped at a time per worker.
const WINDOW: u64 = 8 << 20;
/// Target bytes per segment.
const SEGMENT: u64 = 64 << 20;

/// A validated `--histogram [N] [--histogram-range LO,HI]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Number of bins.
    pub bins: usize,
    /// The explicit range; each channel's finite [min, max] when `None`.
    pub range: Option<(f64, f64)>,
}

impl Options {
    /// Check the raw flags; `None` when no histogram was asked for.
    ///
    /// # Errors
    /// A usage error naming the bad flag.
    pub fn parse(bins: Option<&str>, range: Option<&str>) -> Result<Option<Self>, CliError> {
        if bins.is_none() && range.is_none() {
            return Ok(None);
        }
        let bins = match bins {
            None => 100,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_BINS).contains(&n) => n,
                _ => {
                    return Err(CliError::usage(format!(
                        "--histogram takes a number of bins from 1 to {MAX_BINS}, not '{text}'"
                    )))
                }
            },
        };
        let range = range.map(parse_range).transpose()?;
        if let Some((lo, hi)) = range {
            // The range's own checks (width overflow, bins narrower than an ulp).
            Binning::try_new(lo, hi, bins)
                .map_err(|e| CliError::usage(format!("--histogram-range: {e}")))?;
        }
        Ok(Some(Options { bins, range }))
    }
}

/// `LO,HI`: two finite numbers, `LO < HI`.
fn parse_range(text: &str) -> Result<(f64, f64), CliError> {
    let bad = |why: &str| {
        CliError::usage(format!(
            "--histogram-range takes LO,HI with finite LO < HI, not '{text}' ({why})"
        ))
    };
    let (lo, hi) = text.split_once(',').ok_or_else(|| bad("no comma"))?;
    let num = |s: &str| s.trim().parse::<f64>().map_err(|_| bad("not a number"));
    let (lo, hi) = (num(lo)?, num(hi)?);
    if !lo.is_finite() || !hi.is_finite() {
        return Err(bad("not finite"));
    }
    if lo >= hi {
        return Err(bad("LO is not below HI"));
    }
    Ok((lo, hi))
}

/// Add each channel's histogram to `report`, reading the file again (twice when a channel
/// holds infinities and no range was given: numpy's default range is finite).
pub fn attach(
    report: &mut StatsReport,
    options: Options,
    run: &Runner<'_>,
) -> Result<(), CliError> {
    let channels = report.info.channels as usize;
    let mut binnings: Vec<Option<Binning>> = vec![None; channels];
    let needs_finite_pass = options.range.is_none()
        && report.channels.iter().any(|c| {
            c.min.is_some_and(|m| !m.is_finite()) || c.max.is_some_and(|m| !m.is_finite())
        });
    let finite = if needs_finite_pass {
        Some(run.pass(FiniteRange::new)?.ranges())
    } else {
        None
    };
    for c in &report.channels {
        let slot = binnings
            .get_mut(c.channel)
            .ok_or_else(|| CliError::msg("channel out of range"))?;
        let binning = match (options.range, &finite) {
            (Some((lo, hi)), _) => Binning::try_new(lo, hi, options.bins),
            (None, Some(f)) => {
                Binning::for_values(f.get(c.channel).copied().flatten(), options.bins)
            }
            (None, None) => Binning::for_values(c.min.zip(c.max), options.bins),
        };
        *slot = Some(binning.map_err(|e| CliError::msg(format!("channel {}: {e}", c.channel)))?);
    }
    let histogram = Histogram::try_new(&binnings)?;
    let done = run.pass(|| histogram.clone())?;
    let mut reports = done.reports();
    for c in &mut report.channels {
        c.histogram = reports.get_mut(c.channel).and_then(Option::take);
    }
    Ok(())
}

/// What a pass over the file needs.
pub struct Runner<'a> {
    /// The file.
    pub source: &'a Source,
    /// Its parsed header.
    pub header: &'a Header,
    /// Worker threads.
    pub threads: usize,
    /// VCD sampling rate.
    pub vcd_rate: Option<f64>,
    /// Progress over all passes.
    pub progress: &'a ProgressBar,
}

impl Runner<'_> {
    /// Run the reduction made by `make` over the whole file, split across the workers where
    /// the format allows, merging the parts in file order.
    fn pass<S, F>(&self, make: F) -> Result<S, CliError>
    where
        S: BlockSink + Merge + Send,
        F: Fn() -> S + Sync,
    {
        let (source, header) = (self.source, self.header);
        self.progress.inc_length(source.len());
        if matches!(header, Header::Sigrok(_) | Header::Npz(_)) {
            let whole = source.map_prefix(source.len() as usize)?;
            let partial = SinkJob::archive(&whole, header.clone(), make())?;
            self.progress.inc(source.len());
            return Ok(partial.sink);
        }
        let Some(bounds) = header.segments(SEGMENT) else {
            let mut job =
                SinkJob::with_file_len(make(), source.len()).sampling_vcd_at(self.vcd_rate);
            let mut at = 0;
            while at < source.len() {
                let len = WINDOW.min(source.len() - at);
                job.push(&source.map(at, len as usize)?)?;
                self.progress.inc(len);
                at += len;
            }
            return Ok(job.finish()?.sink);
        };
        let pool = crate::par::pool(self.threads)?;
        let parts: Vec<Result<SinkPartial<S>, CliError>> = pool.install(|| {
            bounds
                .par_iter()
                .map(|&(start, end)| {
                    let mut job = SinkJob::resume(header.clone(), start, end, make())?;
                    let mut at = start;
                    while at < end {
                        let len = WINDOW.min(end - at);
                        job.push(&source.map(header.data_offset() + at, len as usize)?)?;
                        self.progress.inc(len);
                        at += len;
                    }
                    Ok(job.finish()?)
                })
                .collect()
        });
        let mut parts = parts.into_iter();
        let mut total = parts
            .next()
            .unwrap_or_else(|| Err(CliError::msg("no data segment")))?;
        for part in parts {
            total.merge(part?)?;
        }
        Ok(total.sink)
    }
}

/// Rows of the text chart: bins are grouped so a channel takes at most this many lines.
const ROWS: usize = 32;
/// Width of the longest bar.
const BAR: usize = 50;

/// The histograms as compact ASCII bar charts, one per channel.
pub fn text(report: &StatsReport) -> String {
    let mut out = String::new();
    for c in &report.channels {
        let Some(h) = &c.histogram else { continue };
        let group = h.bins.div_ceil(ROWS).max(1);
        let binning = Binning::try_new(h.lo, h.hi, h.bins).ok();
        let edge = |i: usize| binning.map_or(f64::NAN, |b| b.edge(i));
        let rows: Vec<(String, String, u64)> = h
            .counts
            .chunks(group)
            .enumerate()
            .map(|(r, counts)| {
                let first = r * group;
                (
                    crate::out::num(Some(edge(first))),
                    crate::out::num(Some(edge(first + counts.len()))),
                    counts.iter().sum(),
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\nchannel {}: {} bins over [{}, {}]{}; below {}, above {}, nonfinite {}",
            c.channel,
            h.bins,
            crate::out::num(Some(h.lo)),
            crate::out::num(Some(h.hi)),
            if group > 1 {
                format!(", {group} bins a row")
            } else {
                String::new()
            },
            h.below,
            h.above,
            h.nonfinite
        );
        let top = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
        let (wa, wb) = rows
            .iter()
            .fold((0, 0), |(a, b), r| (a.max(r.0.len()), b.max(r.1.len())));
        let wc = rows
            .iter()
            .map(|r| r.2.to_string().len())
            .max()
            .unwrap_or(1);
        for (r, (a, b, n)) in rows.iter().enumerate() {
            let close = if r + 1 == rows.len() { ']' } else { ')' };
            let len = (*n as u128 * BAR as u128).div_ceil(top as u128) as usize;
            let _ = writeln!(
                out,
                "  [{a:>wa$}, {b:>wb$}{close} {n:>wc$} {}",
                "#".repeat(len)
            );
        }
    }
    out
}

/// The histograms as CSV: `channel,lo,hi,count`, one row per bin (full precision edges).
pub fn csv(report: &StatsReport) -> String {
    let mut out = String::from("channel,lo,hi,count\n");
    for c in &report.channels {
        let Some(h) = &c.histogram else { continue };
        write_rows(&mut out, c.channel, h);
    }
    out
}

fn write_rows(out: &mut String, channel: usize, h: &HistogramReport) {
    let Ok(b) = Binning::try_new(h.lo, h.hi, h.bins) else {
        return;
    };
    for (i, n) in h.counts.iter().enumerate() {
        let _ = writeln!(out, "{channel},{:?},{:?},{n}", b.edge(i), b.edge(i + 1));
    }
}
