//! `scopekit measure`: IEEE 181 pulse measurements of one channel.
//!
//! Three passes over the memory map (see [`scopekit_core::measure`]): moments, histogram
//! top/base, then per-cycle transitions. Formats that can be cut into segments (NPY, raw,
//! WAV) run every pass on rayon workers; the transition pass restarts a segment's worker
//! one segment earlier until its state provably equals the serial one, so cycles spanning
//! segment borders are measured exactly once. Other formats stream serially.

use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;
use scopekit_core::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader};
use scopekit_core::formats::{Header, Reader};
use scopekit_core::measure::{
    LevelHistogram, LevelScan, MeasureConfig, MeasureReport, Measurement, PerCycle, PulseDists,
    PulseTracker, RefLevels,
};
use scopekit_core::{Block, BlockSink, Layout};

use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// Bytes mapped at a time per worker.
const WINDOW: u64 = 8 << 20;
/// Target bytes per parallel segment.
const SEGMENT: u64 = 32 << 20;

/// Settings of one `measure` run.
pub struct Options {
    /// Channel: index or name.
    pub channel: String,
    /// `low,high` reference levels in percent.
    pub levels: String,
    /// Worker threads.
    pub threads: usize,
    /// VCD sampling rate.
    pub rate: Option<f64>,
    /// Raw layout.
    pub raw: Option<scopekit_core::formats::raw::RawConfig>,
}

/// Parse `10,90` or `20,80`-style reference levels.
fn parse_levels(s: &str) -> Result<(f64, f64), CliError> {
    let bad = || {
        CliError::usage(format!(
            "--levels takes LOW,HIGH in percent (e.g. 10,90), not '{s}'"
        ))
    };
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    let a = a.trim().parse::<f64>().map_err(|_| bad())?;
    let b = b.trim().parse::<f64>().map_err(|_| bad())?;
    Ok((a, b))
}

/// A block sink that ignores a sigrok session's logic (measure reads analog data).
struct Analog<S>(S);

impl<S: BlockSink> BlockSink for Analog<S> {
    fn begin(&mut self, layout: Layout) -> scopekit_core::Result<()> {
        self.0.begin(layout)
    }
    fn block(&mut self, b: Block<'_>) -> scopekit_core::Result<()> {
        self.0.block(b)
    }
}

impl<S> LogicSink for Analog<S> {
    fn begin(&mut self, _: &SigrokHeader) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn logic(&mut self, _: LogicChunk<'_>) -> scopekit_core::Result<()> {
        Ok(())
    }
}

/// Run `measure` on `file` and print the report (JSON or a table).
pub fn run(file: &Path, options: &Options, json: bool) -> Result<(), CliError> {
    let (low_pct, high_pct) = parse_levels(&options.levels)?;
    let source = Source::open(file)?;
    let header = read_header(&source, options.raw)?;
    if matches!(header, Header::Sigrok(_)) {
        return Err(CliError::msg(
            "measure works on analog captures; a sigrok session holds logic channels",
        ));
    }
    let info = header.info();
    let config = MeasureConfig {
        channel: info.channel_index(&options.channel)?,
        low_pct,
        high_pct,
    };
    config.validate()?;
    let rate = info.sample_rate.or(options.rate);
    let bar = progress::bytes(source.len() * 3);
    let report = match header
        .segments(SEGMENT)
        .filter(|_| !matches!(header, Header::Npz(_)))
    {
        Some(bounds) => parallel(
            &source,
            &header,
            &config,
            &bounds,
            options.threads,
            rate,
            &bar,
        )?,
        None => serial(&source, &header, &config, options.rate, rate, &bar)?,
    };
    bar.finish_and_clear();
    crate::print(if json {
        crate::to_json(&report)?
    } else {
        text(&report)
    })
}

fn levels_of(config: &MeasureConfig, tb: Option<(f64, f64)>) -> Option<RefLevels> {
    tb.and_then(|(t, b)| RefLevels::new(t, b, config.low_pct, config.high_pct))
}

fn tick(bar: &indicatif::ProgressBar, n: u64) -> Result<(), CliError> {
    bar.inc(n);
    Ok(())
}

fn never<S>(_: &S) -> bool {
    false
}

fn serial(
    source: &Source,
    header: &Header,
    config: &MeasureConfig,
    vcd_rate: Option<f64>,
    rate: Option<f64>,
    bar: &indicatif::ProgressBar,
) -> Result<MeasureReport, CliError> {
    let mut scan = Analog(LevelScan::new(config.channel));
    stream::stream(source, header, vcd_rate, &mut scan, |_, n| tick(bar, n))?;
    let m = scan.0.moments();
    let tb = match LevelHistogram::new(config.channel, m.min, m.max) {
        Some(h) => {
            let mut h = Analog(h);
            stream::stream(source, header, vcd_rate, &mut h, |_, n| tick(bar, n))?;
            Some(h.0.top_base())
        }
        None => None,
    };
    let pulses = match levels_of(config, tb) {
        Some(lv) => {
            let mut p = Analog(PulseTracker::new(config.channel, lv));
            stream::stream(source, header, vcd_rate, &mut p, |_, n| tick(bar, n))?;
            Some(p.0.finish())
        }
        None => None,
    };
    Ok(MeasureReport::build(config, &scan.0, tb, pulses, rate))
}

/// Stream data bytes `start..end` of `source` into `sink` until `stop(sink)`.
fn run_range<S: BlockSink>(
    source: &Source,
    header: &Header,
    (start, end): (u64, u64),
    sink: &mut S,
    stop: impl Fn(&S) -> bool,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<(), CliError> {
    sink.begin(header.layout())?;
    let mut reader = Reader::resume(header.clone(), start, end)?;
    let mut at = start;
    while at < end {
        let len = WINDOW.min(end - at);
        reader.push(&source.map(header.data_offset() + at, len as usize)?, sink)?;
        if let Some(bar) = bar {
            bar.inc(len);
        }
        at += len;
        if stop(sink) {
            return Ok(());
        }
    }
    reader.finish(sink)?;
    Ok(())
}

fn merged<T: scopekit_core::Merge>(parts: Vec<Result<T, CliError>>) -> Result<Option<T>, CliError> {
    let mut total: Option<T> = None;
    for part in parts {
        let part = part?;
        match &mut total {
            None => total = Some(part),
            Some(t) => t.merge(part)?,
        }
    }
    Ok(total)
}

/// Samples of the channel read before a segment when its transition pass starts (doubled
/// until the tracker is in sync).
const PREFIX: u64 = 1 << 16;

/// Bytes per row of interleaved data (sample `s` of every channel starts at byte
/// `s · row`), checked against every segment; `None` for channel-major data.
fn row_bytes(header: &Header, bounds: &[(u64, u64)], scans: &[LevelScan]) -> Option<u64> {
    if header.is_channel_major() {
        return None;
    }
    let (first, end) = scans.first()?.span()?;
    let len = bounds.first()?.1 - bounds.first()?.0;
    let row = len.checked_div(end - first).filter(|r| *r > 0)?;
    let fits = bounds.iter().zip(scans).all(|(b, s)| match s.span() {
        Some((f, e)) => b.0 == f * row && b.1 - b.0 == (e - f) * row,
        None => b.0 == b.1,
    });
    fits.then_some(row)
}

fn parallel(
    source: &Source,
    header: &Header,
    config: &MeasureConfig,
    bounds: &[(u64, u64)],
    threads: usize,
    rate: Option<f64>,
    bar: &indicatif::ProgressBar,
) -> Result<MeasureReport, CliError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::msg(format!("cannot start worker threads: {e}")))?;
    let ch = config.channel;
    // Pass 1: moments, and the sample span of the channel in each segment.
    let scans: Vec<Result<LevelScan, CliError>> = pool.install(|| {
        bounds
            .par_iter()
            .map(|&b| {
                let mut s = LevelScan::new(ch);
                run_range(source, header, b, &mut s, never, Some(bar))?;
                Ok(s)
            })
            .collect()
    });
    let scans: Vec<LevelScan> = scans.into_iter().collect::<Result<_, _>>()?;
    let spans: Vec<(usize, u64)> = scans
        .iter()
        .enumerate()
        .filter_map(|(k, s)| s.span().map(|(first, _)| (k, first)))
        .collect();
    let row = row_bytes(header, bounds, &scans);
    let scan = merged(scans.into_iter().map(Ok).collect())?.unwrap_or_default();
    let m = scan.moments();
    // Pass 2: the histogram between the extremes.
    let tb = match LevelHistogram::new(ch, m.min, m.max) {
        Some(h) => {
            let parts: Vec<Result<LevelHistogram, CliError>> = pool.install(|| {
                bounds
                    .par_iter()
                    .map(|&b| {
                        let mut h = h.clone();
                        run_range(source, header, b, &mut h, never, Some(bar))?;
                        Ok(h)
                    })
                    .collect()
            });
            merged(parts)?.map(|h| h.top_base())
        }
        None => None,
    };
    // Pass 3: transitions; segment k owns those completing in its sample span.
    let data_end = bounds.last().map_or(0, |b| b.1);
    let pulses = match levels_of(config, tb) {
        Some(lv) => {
            let parts: Vec<Result<PulseDists, CliError>> = pool.install(|| {
                (0..spans.len())
                    .into_par_iter()
                    .map(|j| {
                        let (k, from) = spans[j];
                        let to = spans.get(j + 1).map_or(u64::MAX, |s| s.1);
                        bar.inc(bounds[k].1 - bounds[k].0);
                        let mut back: u64 = 1;
                        loop {
                            // Restart a short way before the segment (whole rows), else
                            // whole segments earlier.
                            let (at, first) = match row {
                                Some(row) if j > 0 => {
                                    let back = back.saturating_mul(PREFIX).saturating_mul(row);
                                    let at = bounds[k].0.saturating_sub(back);
                                    (at, at == 0)
                                }
                                _ => {
                                    let back = usize::try_from(back).unwrap_or(usize::MAX);
                                    let begin = j.saturating_sub(back);
                                    (bounds[spans[begin].0].0, begin == 0)
                                }
                            };
                            let mut p = PulseTracker::owning(ch, lv, from, to, first);
                            let range = (at, data_end);
                            run_range(source, header, range, &mut p, PulseTracker::done, None)?;
                            if !p.unsynced() || first {
                                return Ok(p.finish());
                            }
                            back *= 2;
                        }
                    })
                    .collect()
            });
            merged(parts)?
        }
        None => None,
    };
    Ok(MeasureReport::build(config, &scan, tb, pulses, rate))
}

fn text(r: &MeasureReport) -> String {
    let mut s = String::new();
    let unit = r.unit.as_str();
    let _ = writeln!(s, "channel      {}", r.channel);
    let _ = writeln!(
        s,
        "samples      {} ({} NaN/Inf skipped)",
        r.samples, r.nonfinite
    );
    let _ = writeln!(
        s,
        "references   {} % / 50 % / {} % of the amplitude",
        r.reference_percent[0], r.reference_percent[1]
    );
    let one = |m: &Measurement| match (m.value, &m.reason) {
        (Some(v), _) => format!("{v:.6e}"),
        (None, Some(why)) => format!("- ({why})"),
        (None, None) => "-".into(),
    };
    for (name, m) in [
        ("top", &r.top),
        ("base", &r.base),
        ("amplitude", &r.amplitude),
        ("high", &r.high),
        ("low", &r.low),
        ("pk-pk", &r.peak_to_peak),
        ("mean", &r.mean),
        ("rms (dc)", &r.rms_dc),
        ("rms (ac)", &r.rms_ac),
    ] {
        let _ = writeln!(s, "{name:<12} {}", one(m));
    }
    let _ = writeln!(
        s,
        "transitions  {} rising, {} falling",
        r.rising_transitions, r.falling_transitions
    );
    let opt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.6e}"));
    let _ = writeln!(
        s,
        "\n{:<22} {:>9} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13}",
        "per cycle", "count", "mean", "std", "min", "max", "p50", "p95", "p99"
    );
    let rate_unit = format!("/{unit}");
    let rows: [(&str, &str, &PerCycle); 12] = [
        ("rise time", unit, &r.rise_time),
        ("fall time", unit, &r.fall_time),
        ("slew rate rising", &rate_unit, &r.slew_rate_rising),
        ("slew rate falling", &rate_unit, &r.slew_rate_falling),
        ("period", unit, &r.period),
        ("frequency", &rate_unit, &r.frequency),
        ("duty cycle", "%", &r.duty_cycle),
        ("positive width", unit, &r.positive_width),
        ("negative width", unit, &r.negative_width),
        ("overshoot", "%", &r.overshoot),
        ("undershoot", "%", &r.undershoot),
        ("preshoot", "%", &r.preshoot),
    ];
    for (name, u, p) in rows {
        let label = format!("{name} ({u})");
        if let (None, Some(why)) = (p.value, &p.reason) {
            let _ = writeln!(s, "{label:<22} {:>9} - ({why})", p.stats.count);
            continue;
        }
        let d = &p.stats;
        let _ = writeln!(
            s,
            "{label:<22} {:>9} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13}",
            d.count,
            opt(d.mean),
            opt(d.std),
            opt(d.min),
            opt(d.max),
            opt(d.p50),
            opt(d.p95),
            opt(d.p99)
        );
    }
    s
}
