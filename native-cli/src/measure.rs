//! `scopekit measure`: IEEE 181 pulse measurements of one channel.
//!
//! Formats the reader cuts into segments (NPY, raw, WAV) and channels of 8/16-bit integer
//! codes (also LeCroy `.trc`) are mapped whole and measured by
//! [`scopekit_core::measure::mapped`] on rayon workers ([`crate::par::PoolExec`]); this
//! module lends it the map, the progress bar, a view of aligned float32 bytes in place and
//! a prefetch ([`crate::mapped_hooks`]), and the phase trace. Other formats stream serially
//! through the three passes. At the end, the map is unmapped on a thread of its own while
//! the report is built and printed ([`Unmap`]). With `SCOPEKIT_MEASURE_TRACE` set, each
//! phase's wall and CPU milliseconds (and whether the guessed levels were kept) go to
//! stderr.

use std::fmt::Write as _;
use std::path::Path;

use scopekit_core::formats::Header;
use scopekit_core::kernel::AnalogOnly;
use scopekit_core::measure::mapped::{self, Hooks, Plan};
use scopekit_core::measure::{MeasureConfig, MeasurePasses, MeasureReport, Measurement, PerCycle};

use crate::error::CliError;
use crate::mapped_hooks::{f32_in_place, prefetch};
use crate::par::PoolExec;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// When the run started, if `SCOPEKIT_MEASURE_TRACE` is set: [`mark`] then prints phase
/// timestamps on stderr, to see where the wall time of a run goes.
static TRACE: std::sync::OnceLock<Option<std::time::Instant>> = std::sync::OnceLock::new();

/// Print `what` with the milliseconds since the run started (when tracing).
fn mark(what: &str) {
    let start = TRACE.get_or_init(|| {
        std::env::var_os("SCOPEKIT_MEASURE_TRACE").map(|_| std::time::Instant::now())
    });
    if let Some(t) = start {
        let wall = t.elapsed().as_secs_f64() * 1e3;
        eprintln!("measure {wall:>8.2} ms  cpu {:>8.2} ms  {what}", cpu_ms());
    }
}

/// CPU time of every thread of the process so far, in milliseconds (Linux
/// `/proc/self/task/*/schedstat`; 0 elsewhere), for [`mark`].
fn cpu_ms() -> f64 {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e6
}

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

/// Run `measure` on `file` and print the report (JSON or a table).
pub fn run(file: &Path, options: &Options, json: bool) -> Result<(), CliError> {
    let (low_pct, high_pct) = parse_levels(&options.levels)?;
    mark("start");
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
    // The map of the parallel paths is still being unmapped while the report is printed.
    let (report, unmap) = match mapped::plan(&header, config.channel, source.len()) {
        Some(plan) => {
            let input = (&source, &header, &config);
            in_memory(input, plan, options.threads, rate, &bar)?
        }
        None => {
            let report = serial(&source, &header, &config, options.rate, rate, &bar)?;
            (report, Unmap(None))
        }
    };
    mark("report");
    bar.finish_and_clear();
    let printed = crate::print(if json {
        crate::to_json(&report)?
    } else {
        text(&report)
    });
    unmap.finish();
    mark("unmapped");
    printed
}

/// `measure` of the file mapped whole by core's `plan`, on `threads` rayon workers.
fn in_memory(
    (source, header, config): (&Source, &Header, &MeasureConfig),
    plan: Plan,
    threads: usize,
    rate: Option<f64>,
    bar: &indicatif::ProgressBar,
) -> Result<(MeasureReport, Unmap), CliError> {
    let pool = crate::par::pool(threads)?;
    let len = usize::try_from(source.len())
        .map_err(|_| CliError::msg("the file is too large to map on this platform"))?;
    // Mapped once for all passes (pages are faulted in by the first; prefaulting the whole
    // map first was measured no cheaper).
    let map = source.map_prefix(len)?;
    let hooks = Hooks {
        progress: &|n| bar.inc(n),
        phase: &mark,
        f32_view: f32_in_place,
        prefetch,
        release,
    };
    let input = (&map[..], header, config);
    let measured = mapped::measure(input, plan, &PoolExec(&pool), &hooks)?;
    let unmap = unmap_behind(map);
    let report = measured.report(config, rate);
    mark("built");
    Ok((report, unmap))
}

fn tick(bar: &indicatif::ProgressBar, n: u64) -> Result<(), CliError> {
    bar.inc(n);
    Ok(())
}

fn serial(
    source: &Source,
    header: &Header,
    config: &MeasureConfig,
    vcd_rate: Option<f64>,
    rate: Option<f64>,
    bar: &indicatif::ProgressBar,
) -> Result<MeasureReport, CliError> {
    let mut passes = MeasurePasses::new(*config);
    while let Some(sink) = passes.sink() {
        let mut sink = AnalogOnly(sink);
        stream::stream(source, header, vcd_rate, &mut sink, |_, n| tick(bar, n))?;
        passes.end_pass();
    }
    passes
        .into_report(rate)
        .ok_or_else(|| CliError::msg("the measurement did not finish"))
}

/// Drops the page table entries of the whole pages within `bytes` (of the read-only file
/// map) with `MADV_DONTNEED`: the worker that finished with a segment does it, beside the
/// other's compute, instead of the unmap at the end doing it all alone. The map is
/// private and never written, so a later read maps the same file pages again. Errors
/// (none expected) leave the entries to the unmap.
fn release(bytes: &[u8]) {
    #[cfg(target_os = "linux")]
    if let Some((from, len)) = whole_pages(bytes) {
        // SAFETY: whole pages inside `bytes`, which the live map holds. The map is a
        // private, read-only file map: dropping its entries changes no byte a borrow
        // sees, as the next read maps the same file pages back.
        #[allow(unsafe_code)]
        unsafe {
            libc::madvise(from as *mut libc::c_void, len, libc::MADV_DONTNEED);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = bytes;
}

/// The whole pages (start address and length) inside `bytes`; `None` when there are none.
#[cfg(target_os = "linux")]
fn whole_pages(bytes: &[u8]) -> Option<(usize, usize)> {
    // SAFETY: sysconf has no preconditions.
    #[allow(unsafe_code)]
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
        .ok()
        .filter(|&p| p > 0)?;
    let start = bytes.as_ptr() as usize;
    let end = start.checked_add(bytes.len())?;
    let (from, to) = (start.checked_next_multiple_of(page)?, end - end % page);
    (from < to).then_some((from, to - from))
}

/// The map being unmapped on a thread of its own: tearing down the page tables of a
/// large map is serial work (≈ 8–15 ms for 200–400 MB), which then overlaps the report
/// and its printing instead of following them. It starts once the quantiles are selected:
/// overlapping their selection was slower (session 9, 10^8 samples, medians of 15 under
/// load: the run's end after the transition pass 21.7 → 19.3 ms for int16 codes, 35.5 →
/// 33.3 ms for float32), as the unmap holds the address-space lock, which the workers'
/// allocations wait for (the first selection on each worker took 10–33 ms instead of 1–3).
struct Unmap(Option<std::thread::JoinHandle<()>>);

/// Unmap `map` on a thread (in place when no thread can be started).
fn unmap_behind(map: crate::source::Window) -> Unmap {
    Unmap(
        std::thread::Builder::new()
            .name("unmap".into())
            .spawn(move || drop(map))
            .ok(),
    )
}

impl Unmap {
    /// Wait for the unmap.
    fn finish(self) {
        if let Some(h) = self.0 {
            let _ = h.join();
        }
    }
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
