//! `scopekit measure`: IEEE 181 pulse measurements of one channel.
//!
//! The passes of [`scopekit_core::measure`] (moments, histogram top/base, per-cycle
//! transitions) over one memory map of the file. Formats that can be cut into segments
//! (NPY, raw, WAV) run on rayon workers and read the data twice: moments, then the
//! histogram fused with the transition pass at levels guessed from the histogram of the
//! head of each segment; the transitions are kept only when the final levels equal the
//! guess bit for bit, else that pass runs again. The transition pass restarts a segment's
//! worker one segment earlier until its state provably equals the serial one, so cycles
//! spanning segment borders are measured exactly once. One little-endian float32 channel
//! (NPY, raw) is read from the map in `f32` tiles by the passes themselves, without the
//! reader's decoding to `f64` (same results). A channel of 8/16-bit integer codes (NPY,
//! raw, PCM WAV, LeCroy `.trc`; see [`code_layout`]) is read twice from the map: an exact
//! per-code histogram (moments and top/base, on the workers), then the transition pass
//! alone over the same segments as the float path (the whole record for `.trc`, which the
//! reader streams serially), so per-cycle results are the same bits. Other formats stream
//! serially. At the end, the map is unmapped on a thread of its own while the per-cycle
//! parts merge and their quantiles are selected on the workers ([`Dist::settle`]; logged
//! `.trc` parts are replayed one distribution per task, see [`replayed`]). With
//! `SCOPEKIT_MEASURE_TRACE` set, each phase's wall and CPU milliseconds (and whether the
//! guessed levels were kept) go to stderr.

use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;
use scopekit_core::formats::dtype::{Dtype, DtypeKind};
use scopekit_core::formats::raw::RawHeader;
use scopekit_core::formats::wav::SampleFormat;
use scopekit_core::formats::{Header, Reader};
use scopekit_core::kernel::AnalogOnly;
use scopekit_core::measure::{
    CodeHistogram, CodeMap, Dist, LevelHistogram, LevelScan, MeasureConfig, MeasureReport,
    Measurement, PerCycle, PulseDists, PulseReplay, PulseTracker, RefLevels, ReplayColumn,
};
use scopekit_core::{Block, BlockSink, Layout, Merge as _};

use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// Bytes mapped at a time per worker.
const WINDOW: usize = 8 << 20;
/// Target bytes per parallel segment (24 segments of 1e8 float32 samples: two workers
/// share them evenly).
const SEGMENT: u64 = 16 << 20;

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
    let codes = code_layout(&header, config.channel, source.len());
    // The map of the parallel paths is still being unmapped while the report is printed.
    let (report, unmap) = match header
        .segments(SEGMENT)
        .filter(|_| !matches!(header, Header::Npz(_)))
    {
        _ if codes.is_some() => {
            let (map, samples) = codes.ok_or_else(|| CliError::msg("no code layout"))?;
            let split = header.segments(SEGMENT);
            let ctx = (&source, &header, &config);
            coded(ctx, (map, samples), split, options.threads, rate, &bar)?
        }
        Some(bounds) => parallel(
            &source,
            &header,
            &config,
            &bounds,
            options.threads,
            rate,
            &bar,
        )?,
        None => (
            serial(&source, &header, &config, options.rate, rate, &bar)?,
            Unmap(None),
        ),
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
    let mut scan = AnalogOnly(LevelScan::new(config.channel));
    stream::stream(source, header, vcd_rate, &mut scan, |_, n| tick(bar, n))?;
    let m = scan.0.moments();
    let tb = match LevelHistogram::new(config.channel, m.min, m.max) {
        Some(h) => {
            let mut h = AnalogOnly(h);
            stream::stream(source, header, vcd_rate, &mut h, |_, n| tick(bar, n))?;
            Some(h.0.top_base())
        }
        None => None,
    };
    let pulses = match levels_of(config, tb) {
        Some(lv) => {
            let mut p = AnalogOnly(PulseTracker::new(config.channel, lv));
            stream::stream(source, header, vcd_rate, &mut p, |_, n| tick(bar, n))?;
            Some(p.0.finish())
        }
        None => None,
    };
    Ok(MeasureReport::build(config, &scan.0, tb, pulses, rate))
}

/// A pass that also reads `f32` samples in place (see [`f32_channel`]).
trait Sink32 {
    /// The samples from absolute index `start` on.
    fn samples(&mut self, start: u64, xs: &[f32]);

    /// The little-endian samples `bytes` from absolute index `start` on (`tile` is room
    /// for them as `f32`).
    fn le_bytes(&mut self, start: u64, bytes: &[u8], tile: &mut [f32; TILE]) {
        let n = bytes.len() / 4;
        for (t, b) in tile.iter_mut().zip(bytes.chunks_exact(4)) {
            *t = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        self.samples(start, &tile[..n]);
    }
}

impl Sink32 for LevelScan {
    fn samples(&mut self, start: u64, xs: &[f32]) {
        self.add_f32(start, xs);
    }

    /// Widened straight from the bytes (one copy fewer).
    fn le_bytes(&mut self, start: u64, bytes: &[u8], _: &mut [f32; TILE]) {
        self.add_f32_le(start, bytes);
    }
}

impl Sink32 for PulseTracker {
    fn samples(&mut self, start: u64, xs: &[f32]) {
        self.add_samples(start, xs);
    }
}

/// Whether the data is one channel of little-endian float32 (NPY or raw): the passes then
/// read the samples from the map themselves, a cache-sized tile at a time, instead of the
/// reader decoding them to `f64` blocks (the results are the same bit for bit).
fn f32_channel(header: &Header) -> bool {
    let f32_le = Dtype {
        kind: DtypeKind::Float,
        size: 4,
        big_endian: false,
    };
    match header {
        Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. }) => {
            h.channels == 1 && h.dtype == f32_le
        }
        _ => false,
    }
}

/// Samples per tile of [`run_range_f32`] (16 KiB: stays in L1 while every pass reads it).
const TILE: usize = 4096;

/// The mapped bytes of data bytes `start..end` of the file `data`.
fn data_bytes<'a>(
    data: &'a [u8],
    header: &Header,
    (start, end): (u64, u64),
) -> Result<&'a [u8], CliError> {
    let from = header.data_offset() + start;
    usize::try_from(from)
        .ok()
        .zip(usize::try_from(end - start).ok())
        .and_then(|(from, len)| data.get(from..from.checked_add(len)?))
        .ok_or_else(|| CliError::msg("the file is shorter than its header says"))
}

/// The little-endian float32 values of `bytes` (a last incomplete value dropped) seen in
/// place as `f32`, when `bytes` start 4-byte aligned on a little-endian host (NPY data
/// starts at a multiple of 64 bytes of the map); `None` otherwise (the caller copies).
/// Measured (session 8, 10^8 float32 samples, alternated, medians of 11–15): 5–9 % less
/// CPU than the copy a tile at a time (the copy's memmove reads the map instead, then the
/// passes read the copy).
fn f32_in_place(bytes: &[u8]) -> Option<&[f32]> {
    let aligned = bytes.as_ptr().align_offset(core::mem::align_of::<f32>()) == 0;
    if cfg!(target_endian = "big") || !aligned {
        return None;
    }
    let n = bytes.len() / core::mem::size_of::<f32>();
    // SAFETY: the pointer is non-null and aligned for `f32` (checked above), the `n`
    // values lie within `bytes` (`4 · n <= bytes.len()`), which are initialised and
    // borrowed immutably for the returned lifetime, every bit pattern is a valid `f32`,
    // and on a little-endian host its bytes are read as `f32::from_le_bytes` reads them.
    #[allow(unsafe_code)]
    let xs = unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), n) };
    Some(xs)
}

/// [`run_range`] of one float32 channel (see [`f32_channel`]): `bytes` hold its samples
/// from absolute index `at` on. Read in place when aligned (see [`f32_in_place`]), else
/// copied a tile at a time.
fn run_f32<S: Sink32>(
    bytes: &[u8],
    mut at: u64,
    sink: &mut S,
    stop: impl Fn(&S) -> bool,
    bar: Option<&indicatif::ProgressBar>,
) {
    if let Some(xs) = f32_in_place(bytes) {
        for (k, tile) in xs.chunks(TILE).enumerate() {
            sink.samples(at, tile);
            at += tile.len() as u64;
            if let Some(bar) = bar.filter(|_| k % 64 == 63) {
                bar.inc(64 * 4 * TILE as u64);
            }
            if stop(sink) {
                break;
            }
        }
        return;
    }
    let mut tile = [0f32; TILE];
    for (k, chunk) in bytes.chunks(4 * TILE).enumerate() {
        let n = chunk.len() / 4;
        sink.le_bytes(at, chunk, &mut tile);
        at += n as u64;
        if let Some(bar) = bar.filter(|_| k % 64 == 63) {
            bar.inc(64 * 4 * TILE as u64);
        }
        if stop(sink) {
            break;
        }
    }
}

/// Stream data bytes `start..end` of the mapped file `data` into `sink` until `stop(sink)`.
fn run_range<S: BlockSink + Sink32>(
    data: &[u8],
    header: &Header,
    (start, end): (u64, u64),
    sink: &mut S,
    stop: impl Fn(&S) -> bool,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<(), CliError> {
    sink.begin(header.layout())?;
    let bytes = data_bytes(data, header, (start, end))?;
    if f32_channel(header) {
        run_f32(bytes, start / 4, sink, stop, bar);
        return Ok(());
    }
    let mut reader = Reader::resume(header.clone(), start, end)?;
    for window in bytes.chunks(WINDOW) {
        reader.push(window, sink)?;
        if let Some(bar) = bar {
            bar.inc(window.len() as u64);
        }
        if stop(sink) {
            return Ok(());
        }
    }
    reader.finish(sink)?;
    Ok(())
}

/// The histogram of the channel's samples `lo..hi` and, optionally, a transition tracker
/// fed the same blocks: the histogram and transition passes fused into one read.
struct Fused {
    channel: usize,
    hist: LevelHistogram,
    lo: u64,
    hi: u64,
    /// End of the channel's samples seen so far.
    seen: u64,
    tracker: Option<PulseTracker>,
}

impl Fused {
    fn new(channel: usize, hist: LevelHistogram, (lo, hi): (u64, u64)) -> Self {
        Fused {
            channel,
            hist,
            lo,
            hi,
            seen: 0,
            tracker: None,
        }
    }

    /// Whether the histogram has its samples and the tracker (if any) is done.
    fn done(&self) -> bool {
        self.seen >= self.hi && self.tracker.as_ref().is_none_or(PulseTracker::done)
    }
}

impl BlockSink for Fused {
    fn begin(&mut self, layout: Layout) -> scopekit_core::Result<()> {
        self.hist.begin(layout)?;
        match &mut self.tracker {
            Some(t) => t.begin(layout),
            None => Ok(()),
        }
    }

    fn block(&mut self, b: Block<'_>) -> scopekit_core::Result<()> {
        if b.channel == self.channel {
            let end = b.start + b.samples.len() as u64;
            let from = self.lo.clamp(b.start, end);
            let to = self.hi.clamp(from, end);
            self.hist
                .add(&b.samples[(from - b.start) as usize..(to - b.start) as usize]);
            self.seen = self.seen.max(end);
        }
        match &mut self.tracker {
            Some(t) => t.block(b),
            None => Ok(()),
        }
    }
}

impl Sink32 for Fused {
    fn samples(&mut self, start: u64, xs: &[f32]) {
        let end = start + xs.len() as u64;
        let from = self.lo.clamp(start, end);
        let to = self.hi.clamp(from, end);
        self.hist
            .add_samples(&xs[(from - start) as usize..(to - start) as usize]);
        self.seen = self.seen.max(end);
        if let Some(t) = &mut self.tracker {
            t.add_samples(start, xs);
        }
    }
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

/// Each segment's histogram is first read over `1 / GUESS` of its samples: their modes
/// guess the levels of the fused histogram and transition pass.
const GUESS: u64 = 4;

/// What every transition-pass worker shares.
struct Track<'a> {
    data: &'a [u8],
    header: &'a Header,
    bounds: &'a [(u64, u64)],
    /// (segment, first sample, end sample) of the segments holding samples of the channel.
    spans: &'a [(usize, u64, u64)],
    row: Option<u64>,
    channel: usize,
    data_end: u64,
    /// Integer codes read in place by the transition pass (see [`coded`]).
    codes: Option<Coded>,
    /// Log the per-cycle values of every span but the first, for
    /// [`PulseReplay`].
    log: bool,
}

impl Track<'_> {
    /// The transitions completing in span `j`, at levels `lv`; the first attempt also
    /// feeds `fused` its histogram samples. Restarts a short way before the segment (whole
    /// rows), else whole segments earlier, until the tracker is in sync.
    fn span(
        &self,
        j: usize,
        lv: RefLevels,
        mut fused: Option<&mut Fused>,
    ) -> Result<PulseDists, CliError> {
        let (k, from, _) = self.spans[j];
        let to = self.spans.get(j + 1).map_or(u64::MAX, |s| s.1);
        let bounds = self.bounds;
        let mut back: u64 = 1;
        loop {
            let (at, first) = match self.row {
                Some(row) if j > 0 => {
                    let back = back.saturating_mul(PREFIX).saturating_mul(row);
                    let at = bounds[k].0.saturating_sub(back);
                    (at, at == 0)
                }
                _ => {
                    let back = usize::try_from(back).unwrap_or(usize::MAX);
                    let begin = j.saturating_sub(back);
                    (bounds[self.spans[begin].0].0, begin == 0)
                }
            };
            let mut p = PulseTracker::owning(self.channel, lv, from, to, first);
            if self.log && j > 0 {
                p = p.logged();
            }
            let range = (at, self.data_end);
            if let Some(f) = fused.take() {
                f.tracker = Some(p);
                run_range(self.data, self.header, range, f, Fused::done, None)?;
                p = f
                    .tracker
                    .take()
                    .ok_or_else(|| CliError::msg("transition tracker lost"))?;
            } else if let Some(c) = &self.codes {
                let bytes = data_bytes(self.data, self.header, range)?;
                run_codes(c, bytes, at / c.map.row() as u64, &mut p);
            } else {
                run_range(
                    self.data,
                    self.header,
                    range,
                    &mut p,
                    PulseTracker::done,
                    None,
                )?;
            }
            if !p.unsynced() || first {
                return Ok(p.finish());
            }
            back *= 2;
        }
    }
}

fn parallel(
    source: &Source,
    header: &Header,
    config: &MeasureConfig,
    bounds: &[(u64, u64)],
    threads: usize,
    rate: Option<f64>,
    bar: &indicatif::ProgressBar,
) -> Result<(MeasureReport, Unmap), CliError> {
    let pool = crate::par::pool(threads)?;
    let ch = config.channel;
    // The whole file, mapped once for all passes (pages are faulted in by the first;
    // prefaulting the whole map first was measured no cheaper).
    let len = usize::try_from(source.len())
        .map_err(|_| CliError::msg("the file is too large to map on this platform"))?;
    let map = source.map_prefix(len)?;
    let data: &[u8] = &map;
    // Pass 1: moments, and the sample span of the channel in each segment.
    let scans: Vec<Result<LevelScan, CliError>> = pool.install(|| {
        bounds
            .par_iter()
            .map(|&b| {
                let mut s = LevelScan::new(ch);
                run_range(data, header, b, &mut s, never, Some(bar))?;
                Ok(s)
            })
            .collect()
    });
    mark("pass 1: moments");
    let scans: Vec<LevelScan> = scans.into_iter().collect::<Result<_, _>>()?;
    let spans: Vec<(usize, u64, u64)> = scans
        .iter()
        .enumerate()
        .filter_map(|(k, s)| s.span().map(|(first, end)| (k, first, end)))
        .collect();
    let row = row_bytes(header, bounds, &scans);
    let scan = merged(scans.into_iter().map(Ok).collect())?.unwrap_or_default();
    let m = scan.moments();
    let Some(hist) = LevelHistogram::new(ch, m.min, m.max) else {
        let report = MeasureReport::build(config, &scan, None, None, rate);
        return Ok((report, Unmap(None)));
    };
    let track = Track {
        data,
        header,
        bounds,
        spans: &spans,
        row,
        channel: ch,
        data_end: bounds.last().map_or(0, |b| b.1),
        codes: None,
        log: false,
    };
    let split = |first: u64, end: u64| first + (end - first) / GUESS;
    // Pass 2a: the histogram of the head of each segment, whose modes guess the levels.
    let heads: Vec<Result<LevelHistogram, CliError>> = pool.install(|| {
        spans
            .par_iter()
            .map(|&(k, first, end)| {
                let mut f = Fused::new(ch, hist.clone(), (first, split(first, end)));
                if f.lo < f.hi {
                    run_range(data, header, bounds[k], &mut f, Fused::done, None)?;
                }
                Ok(f.hist)
            })
            .collect()
    });
    mark("pass 2a: heads");
    let heads = merged(heads)?;
    let guess = heads.as_ref().map(LevelHistogram::top_base);
    let guess_lv = levels_of(config, guess);
    // Pass 2b + 3, fused: the rest of the histogram, and the transitions at the guessed
    // levels (kept when the final levels are the same, bit for bit).
    type Part = (LevelHistogram, Option<PulseDists>);
    let parts: Vec<Result<Part, CliError>> = pool.install(|| {
        (0..spans.len())
            .into_par_iter()
            .map(|j| {
                let (k, first, end) = spans[j];
                bar.inc(2 * (bounds[k].1 - bounds[k].0));
                let mut f = Fused::new(ch, hist.clone(), (split(first, end), end));
                let pulses = match guess_lv {
                    Some(lv) => Some(track.span(j, lv, Some(&mut f))?),
                    None => {
                        run_range(data, header, bounds[k], &mut f, Fused::done, None)?;
                        None
                    }
                };
                Ok((f.hist, pulses))
            })
            .collect()
    });
    let mut total = heads;
    let mut guessed = Vec::with_capacity(parts.len());
    for part in parts {
        let (h, p) = part?;
        match &mut total {
            None => total = Some(h),
            Some(t) => t.merge(h)?,
        }
        guessed.push(p);
    }
    mark("pass 2b: fused histogram and transitions");
    let tb = total.map(|h| h.top_base());
    let bits = |tb: Option<(f64, f64)>| tb.map(|(t, b)| (t.to_bits(), b.to_bits()));
    let kept = guess_lv.is_some() && bits(guess) == bits(tb);
    let again: Vec<Result<PulseDists, CliError>> = match levels_of(config, tb) {
        // Pass 3 again at the final levels.
        Some(lv) if !kept => pool.install(|| {
            (0..spans.len())
                .into_par_iter()
                .map(|j| track.span(j, lv, None))
                .collect()
        }),
        _ => Vec::new(),
    };
    mark(if kept {
        "guessed levels kept"
    } else {
        "guess missed: transitions again at the final levels"
    });
    let pulses = if kept {
        let parts: Option<Vec<PulseDists>> = guessed.into_iter().collect();
        merged(parts.unwrap_or_default().into_iter().map(Ok).collect())?
    } else {
        merged(again)?
    };
    mark("merged");
    let pulses = settled(&pool, pulses);
    mark("settled");
    let unmap = unmap_behind(map);
    let report = MeasureReport::build(config, &scan, tb, pulses, rate);
    mark("built");
    Ok((report, unmap))
}

/// The per-cycle distributions with their quantiles selected on the workers (the serial
/// end of a run otherwise).
fn settled(pool: &rayon::ThreadPool, mut pulses: Option<PulseDists>) -> Option<PulseDists> {
    if let Some(p) = &mut pulses {
        let dists: Vec<&mut Dist> = p.dists_mut().into_iter().collect();
        pool.install(|| dists.into_par_iter().for_each(Dist::settle));
    }
    pulses
}

/// The logged per-cycle values of `parts` (in order) replayed into the first, as
/// [`PulseReplay`] does, with every distribution replayed, then settled, on the workers
/// (they are independent: the serial end of a run otherwise).
fn replayed(
    pool: &rayon::ThreadPool,
    parts: Vec<PulseDists>,
) -> Result<Option<PulseDists>, CliError> {
    let Some(mut replay) = PulseReplay::new(parts) else {
        return Ok(None);
    };
    pool.install(|| {
        replay
            .columns()
            .into_par_iter()
            .try_for_each(ReplayColumn::run)
    })?;
    Ok(Some(replay.into_total()))
}

/// The map being unmapped on a thread of its own: tearing down the page tables of a
/// large map is serial work (≈ 8–15 ms for 200–400 MB), which then overlaps the report
/// and its printing instead of following them. It starts once the quantiles are selected: overlapping their
/// selection was slower (session 9, 10^8 samples, medians of 15 under load: the run's end
/// after the transition pass 21.7 → 19.3 ms for int16 codes, 35.5 → 33.3 ms for float32),
/// as the unmap holds the address-space lock, which the workers' allocations wait for (the
/// first selection on each worker took 10–33 ms instead of 1–3).
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

/// The layout of `channel` when it is stored as 8- or 16-bit integer codes that [`coded`]
/// reads in place (integer NPY and raw of one channel or in C order, 8/16-bit PCM WAV of
/// known length, LeCroy `.trc` with all its blocks in the file), with the number of
/// samples of the channel. Read from the headers' public fields; the code values are what
/// the readers emit (see [`CodeMap::value`]).
fn code_layout(header: &Header, channel: usize, file_len: u64) -> Option<(CodeMap, u64)> {
    match header {
        Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. }) => {
            let d = h.dtype;
            let channels = usize::try_from(h.channels.max(1)).ok()?;
            let int = matches!(d.kind, DtypeKind::Int | DtypeKind::UInt);
            if !int || (h.fortran_order && channels > 1) {
                return None;
            }
            let row = d.size.checked_mul(channels)?;
            let at = channel.checked_mul(d.size)?;
            let map = CodeMap::new(
                d.size,
                d.kind == DtypeKind::Int,
                d.big_endian,
                None,
                row,
                at,
            )?;
            (h.data_len == h.samples.checked_mul(row as u64)?).then_some((map, h.samples))
        }
        Header::Wav(h) if h.sample_format == SampleFormat::Int => {
            let (len, align) = (h.data_len?, u64::from(h.block_align));
            let size = usize::from(h.container_bytes());
            // 8-bit PCM is unsigned, emitted centred: `raw − 128`.
            let (signed, affine) = match size {
                1 => (false, Some((1.0, 128.0))),
                _ => (true, None),
            };
            let at = channel.checked_mul(size)?;
            let map = CodeMap::new(size, signed, false, affine, usize::from(h.block_align), at)?;
            (align > 0 && len % align == 0).then_some((map, len / align))
        }
        Header::Trc(h) => {
            let d = h.dtype;
            let l = &h.lengths;
            // Every block after the samples must be there too (the reader checks them).
            let end = [l.wave_array_1, l.wave_array_2, l.res_array2, l.res_array3]
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>()
                + h.data_offset;
            if d.kind != DtypeKind::Int || channel != 0 || end > file_len {
                return None;
            }
            let affine = Some((h.vertical_gain, h.vertical_offset));
            let map = CodeMap::new(d.size, true, d.big_endian, affine, d.size, 0)?;
            Some((map, h.wave_array_count))
        }
        _ => None,
    }
}

/// How the transition pass reads integer codes: as `f32` when every code's value is one
/// (the `f32` fast paths), else as `f64`.
#[derive(Clone, Copy)]
struct Coded {
    map: CodeMap,
    f32_exact: bool,
}

/// Feed the codes `bytes` (whole rows, the first of sample `at`) to `p` as values, a tile
/// at a time, until it is done.
fn run_codes(c: &Coded, bytes: &[u8], mut at: u64, p: &mut PulseTracker) {
    let row = c.map.row();
    let mut t32 = [0f32; TILE];
    let mut t64 = [0f64; TILE / 2];
    let per = if c.f32_exact { TILE } else { TILE / 2 };
    for chunk in bytes.chunks(per * row) {
        let n = chunk.len() / row;
        if c.f32_exact {
            c.map.decode_f32(chunk, &mut t32[..n]);
            p.add_samples(at, &t32[..n]);
        } else {
            c.map.decode_f64(chunk, &mut t64[..n]);
            p.add_samples(at, &t64[..n]);
        }
        at += n as u64;
        if p.done() {
            break;
        }
    }
}

/// `measure` of a channel of integer codes (see [`code_layout`]): one read counts every
/// code exactly ([`CodeHistogram`]: the moments, from exact integer sums, and the top and
/// base follow from the counts), a second one tracks the transitions. The transition pass
/// runs over `split` (the reader's segments, as the float path; `None`: one segment, as a
/// serial read), so its per-cycle results are the same bits as the float path's.
fn coded(
    (source, header, config): (&Source, &Header, &MeasureConfig),
    (map, samples): (CodeMap, u64),
    split: Option<Vec<(u64, u64)>>,
    threads: usize,
    rate: Option<f64>,
    bar: &indicatif::ProgressBar,
) -> Result<(MeasureReport, Unmap), CliError> {
    let pool = crate::par::pool(threads)?;
    let row = map.row() as u64;
    let data_len = samples
        .checked_mul(row)
        .ok_or_else(|| CliError::msg("the data is too large"))?;
    let len = usize::try_from(source.len())
        .map_err(|_| CliError::msg("the file is too large to map on this platform"))?;
    let mapped = source.map_prefix(len)?;
    let data: &[u8] = &mapped;
    // Pass 1: the code counts, over parts of about SEGMENT bytes (whole rows; counts add,
    // so any cut gives the same result).
    let step = (SEGMENT / row).max(1) * row;
    let parts: Vec<(u64, u64)> = (0..data_len.div_ceil(step))
        .map(|k| (k * step, ((k + 1) * step).min(data_len)))
        .collect();
    // One histogram per worker (not one per part, nor per run of parts rayon splits off:
    // each is 1.5 MiB of counters for 16-bit codes, zeroed, then flushed and read by the
    // merge). Counts add, so which worker took which part does not matter.
    let slots: Vec<std::sync::Mutex<Option<CodeHistogram>>> = (0..pool.current_num_threads())
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    pool.install(|| {
        parts.par_iter().try_for_each(|&b| -> Result<(), CliError> {
            let k = rayon::current_thread_index().unwrap_or(0) % slots.len().max(1);
            let mut slot = slots[k]
                .lock()
                .map_err(|_| CliError::msg("a worker failed"))?;
            slot.get_or_insert_with(|| CodeHistogram::new(map))
                .add_rows(data_bytes(data, header, b)?);
            bar.inc(b.1 - b.0);
            Ok(())
        })
    })?;
    let hists: Vec<Result<CodeHistogram, CliError>> = slots
        .into_iter()
        .filter_map(|m| m.into_inner().ok().flatten())
        .map(Ok)
        .collect();
    mark("pass 1: code counts");
    let hist = merged(hists)?.unwrap_or_else(|| CodeHistogram::new(map));
    let (moments, tb) = hist.summary();
    let scan = LevelScan::with_moments(config.channel, moments, (0, samples));
    let Some(lv) = levels_of(config, tb) else {
        let report = MeasureReport::build(config, &scan, tb, None, rate);
        return Ok((report, Unmap(None)));
    };
    // Pass 2: the transitions alone. Without segments of the reader (a serial read), the
    // workers log the per-cycle values of their parts, replayed in order into the first
    // part's: the same bits as one serial tracker (which runs when a log overflows).
    let serial = split.is_none();
    let bounds = match split {
        Some(b) => b,
        None if threads > 1 => parts.clone(),
        None => vec![(0, data_len)],
    };
    let spans: Vec<(usize, u64, u64)> = bounds
        .iter()
        .enumerate()
        .filter(|(_, b)| b.1 > b.0)
        .map(|(k, b)| (k, b.0 / row, b.1 / row))
        .collect();
    let mut track = Track {
        data,
        header,
        bounds: &bounds,
        spans: &spans,
        row: Some(row),
        channel: config.channel,
        data_end: bounds.last().map_or(0, |b| b.1),
        codes: Some(Coded {
            map,
            f32_exact: map.f32_exact(),
        }),
        log: serial,
    };
    let run = |track: &Track<'_>| -> Vec<Result<PulseDists, CliError>> {
        pool.install(|| {
            (0..track.spans.len())
                .into_par_iter()
                .map(|j| track.span(j, lv, None))
                .collect()
        })
    };
    let parts = run(&track);
    mark("pass 2: transitions");
    bar.inc(2 * data_len);
    let (whole, one) = ([(0, data_len)], [(0, 0, samples)]);
    let parts: Vec<Result<PulseDists, CliError>> = if serial {
        let parts: Vec<PulseDists> = parts.into_iter().collect::<Result<_, _>>()?;
        if parts.iter().any(PulseDists::overflowed) {
            (track.bounds, track.spans, track.log) = (&whole, &one, false);
            run(&track)
        } else {
            parts.into_iter().map(Ok).collect()
        }
    } else {
        parts
    };
    // Logged parts are replayed in order into the first (else one serial part, or merged).
    let replay = track.log;
    let pulses = if replay {
        let parts: Vec<PulseDists> = parts.into_iter().collect::<Result<_, _>>()?;
        replayed(&pool, parts)?
    } else {
        merged(parts)?
    };
    mark("merged");
    let pulses = settled(&pool, pulses);
    mark("settled");
    let unmap = unmap_behind(mapped);
    let report = MeasureReport::build(config, &scan, tb, pulses, rate);
    mark("built");
    Ok((report, unmap))
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
