//! A measurement of a file held whole in memory (a memory map in the CLI), in segments run
//! by an [`Exec`]: the pass orchestration every front end with threads shares. [`plan`]
//! tells how a file is measured, [`measure`] does it.
//!
//! - **Float data** ([`Plan::Segments`]; formats the reader cuts into segments: NPY, raw,
//!   WAV): the data is read twice. Pass 1 takes the moments ([`LevelScan`]); pass 2 the
//!   histogram fused with the transition pass, at levels guessed from the histogram of the
//!   head of each segment. The transitions are kept only when the final levels equal the
//!   guess bit for bit, else the transition pass runs again. When the heads' modes have
//!   close contenders ([`LevelHistogram::sure_modes`]) there is no guess: pass 2 counts the
//!   histogram alone, and the transition pass runs once, at the final levels. One
//!   little-endian float32 channel is read in `f32` tiles by the passes themselves,
//!   without the reader's decoding to `f64` (same results; [`Hooks::f32_view`] sees the
//!   bytes in place when it can).
//! - **Integer codes** ([`Plan::Codes`]; 8/16-bit NPY, raw, PCM WAV and LeCroy `.trc` of
//!   known layout): one read counts every code exactly ([`CodeHistogram`]: the moments
//!   from exact integer sums, and the top and base from the counts), a second one tracks
//!   the transitions over the same segments as the float path (the whole record for
//!   `.trc`, which the reader streams serially), so per-cycle results are the same bits.
//!
//! The transition pass restarts a segment's task one segment earlier (or a short way
//! before it, for whole rows) until its state provably equals the serial one, so cycles
//! spanning segment borders are measured exactly once. At the end the per-cycle parts merge
//! and their quantiles are selected on the workers ([`PulseDists::settles`]; logged `.trc`
//! parts are replayed one distribution per task, see [`PulseReplay`]).

use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use super::levels::HIST_STRETCH;
use super::{
    CodeHistogram, CodeMap, CodeValues, LevelHistogram, LevelScan, MeasureConfig, MeasureReport,
    PulseDists, PulseReplay, PulseTracker, RefLevels, Settle,
};
use crate::exec::Exec;
use crate::formats::dtype::{Dtype, DtypeKind};
use crate::formats::raw::RawHeader;
use crate::formats::wav::SampleFormat;
use crate::formats::{Header, Reader};
use crate::{Block, BlockSink, Error, Layout, Merge, Result};

/// Target bytes per segment of [`Plan::Segments`] and per part of the code counts (24
/// segments of 1e8 float32 samples: two workers share them evenly).
pub const SEGMENT: u64 = 16 << 20;

/// Bytes handed to the reader at a time.
const WINDOW: usize = 8 << 20;

/// What the front end lends the passes.
pub struct Hooks<'a> {
    /// Called with a count of bytes as the passes advance (3 × the data bytes in all).
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Called with the name of each phase as it ends (to see where the time goes).
    pub phase: &'a (dyn Fn(&str) + Sync),
    /// The bytes seen in place as little-endian `f32` values (a last incomplete value
    /// dropped) when the platform can (aligned bytes, a little-endian host); `None` makes
    /// the passes copy them a tile at a time instead.
    pub f32_view: fn(&[u8]) -> Option<&[f32]>,
    /// Asks the platform to start loading `bytes` towards the cache (a hint that must
    /// never fault): the passes after the first name the tile after the one they work on,
    /// so its loads overlap their compute (the hardware prefetcher follows demand loads
    /// only, so each tile's head would otherwise load when the tile starts). A no-op where
    /// the platform has no such hint.
    pub prefetch: fn(&[u8]),
    /// Tells the platform the passes are done with `bytes` for now: it may drop their
    /// mapping, so that tearing the map down at the end has less left to do (the CLI
    /// drops them on the worker that read them, beside the other's compute). A later
    /// read must still see the same bytes (mapped again). A no-op where it cannot.
    pub release: fn(&[u8]),
}

/// The results of the passes, before the report: see [`Measured::report`].
#[derive(Debug, Clone)]
pub struct Measured {
    /// The moments and extremes.
    pub scan: LevelScan,
    /// The histogram's (top, base), when the record has a range.
    pub top_base: Option<(f64, f64)>,
    /// The per-cycle values (settled), when the levels exist.
    pub pulses: Option<PulseDists>,
}

impl Measured {
    /// The report of the measurement (`rate`: samples per second, when known).
    pub fn report(self, config: &MeasureConfig, rate: Option<f64>) -> MeasureReport {
        MeasureReport::build(config, &self.scan, self.top_base, self.pulses, rate)
    }
}

fn never<S>(_: &S) -> bool {
    false
}

/// The bytes of the tile after the one being read, and the hook that prefetches them.
type Ahead<'a> = (&'a [u8], fn(&[u8]));

/// A pass that also reads `f32` samples in place (see [`f32_channel`]).
trait Sink32 {
    /// The samples from absolute index `start` on.
    fn samples(&mut self, start: u64, xs: &[f32]);

    /// [`Self::samples`], given the bytes of the next tile to prefetch meanwhile.
    fn samples_ahead(&mut self, start: u64, xs: &[f32], _: Ahead<'_>) {
        self.samples(start, xs);
    }

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
/// read the samples themselves, a cache-sized tile at a time, instead of the reader
/// decoding them to `f64` blocks (the results are the same bit for bit).
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

/// Samples per tile of [`run_f32`] (16 KiB: stays in L1 while every pass reads it).
const TILE: usize = 4096;

/// Data bytes `start..end` of the file `data`.
fn data_bytes<'a>(data: &'a [u8], header: &Header, (start, end): (u64, u64)) -> Result<&'a [u8]> {
    let from = header.data_offset() + start;
    usize::try_from(from)
        .ok()
        .zip(usize::try_from(end - start).ok())
        .and_then(|(from, len)| data.get(from..from.checked_add(len)?))
        .ok_or_else(|| Error::Truncated {
            offset: data.len() as u64,
            expected: alloc::format!("data bytes up to {}", from + (end - start)),
        })
}

/// One float32 channel (see [`f32_channel`]) through `sink`: `bytes` hold its samples from
/// absolute index `at` on. Read in place when the hooks can, else copied a tile at a time.
fn run_f32<S: Sink32>(
    bytes: &[u8],
    mut at: u64,
    sink: &mut S,
    stop: impl Fn(&S) -> bool,
    (hooks, progress): (&Hooks<'_>, bool),
) {
    let tick = |k: usize| {
        if progress && k % 64 == 63 {
            (hooks.progress)(64 * 4 * TILE as u64);
        }
    };
    if let Some(xs) = (hooks.f32_view)(bytes) {
        let mut next = bytes.chunks(4 * TILE).skip(1);
        for (k, tile) in xs.chunks(TILE).enumerate() {
            let ahead = next.next().unwrap_or_default();
            sink.samples_ahead(at, tile, (ahead, hooks.prefetch));
            at += tile.len() as u64;
            tick(k);
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
        tick(k);
        if stop(sink) {
            break;
        }
    }
}

/// Stream data bytes `start..end` of the file `data` into `sink` until `stop(sink)`
/// (advancing the progress when `progress`).
fn run_range<S: BlockSink + Sink32>(
    (data, header): (&[u8], &Header),
    (start, end): (u64, u64),
    sink: &mut S,
    stop: impl Fn(&S) -> bool,
    (hooks, progress): (&Hooks<'_>, bool),
) -> Result<()> {
    sink.begin(header.layout())?;
    let bytes = data_bytes(data, header, (start, end))?;
    if f32_channel(header) {
        run_f32(bytes, start / 4, sink, stop, (hooks, progress));
        return Ok(());
    }
    let mut reader = Reader::resume(header.clone(), start, end)?;
    for window in bytes.chunks(WINDOW) {
        reader.push(window, sink)?;
        if progress {
            (hooks.progress)(window.len() as u64);
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
    fn begin(&mut self, layout: Layout) -> Result<()> {
        self.hist.begin(layout)?;
        match &mut self.tracker {
            Some(t) => t.begin(layout),
            None => Ok(()),
        }
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
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
        self.samples_ahead(start, xs, (&[], |_| ()));
    }

    /// The next tile is prefetched a stretch at a time while this one is binned (all at
    /// once, its prefetches crowd the loads in flight: measured slower), and what is left
    /// of it (all of it where this tile has no histogram samples) before the tracker runs.
    fn samples_ahead(&mut self, start: u64, xs: &[f32], (next, prefetch): Ahead<'_>) {
        let end = start + xs.len() as u64;
        let from = self.lo.clamp(start, end);
        let to = self.hi.clamp(from, end);
        let mut pieces = next.chunks(4 * HIST_STRETCH);
        self.hist
            .add_samples_then(&xs[(from - start) as usize..(to - start) as usize], |_| {
                prefetch(pieces.next().unwrap_or_default())
            });
        pieces.for_each(prefetch);
        self.seen = self.seen.max(end);
        if let Some(t) = &mut self.tracker {
            t.add_samples(start, xs);
        }
    }
}

/// The results of `parts`, merged in order (`None` when there are none).
fn merged<T: Merge>(parts: Vec<Result<T>>) -> Result<Option<T>> {
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

/// Samples a restarted transition task reads before its segment, at first (doubled until
/// the tracker is in sync).
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
/// guess the levels of the fused histogram and transition pass. 1.5 M samples of 10^8 give
/// peaked levels leads of a dozen counting deviations ([`LevelHistogram::sure_modes`]);
/// a larger share only costs its separate read (1/4: 2 % slower on 10^8 float32).
const GUESS: u64 = 64;

/// The fewest samples the heads hold in all (see [`GUESS`]), so that a record of a few
/// segments still guesses from enough of them.
const HEADS_MIN: u64 = 1 << 20;

/// What every transition task shares.
struct Track<'a> {
    data: &'a [u8],
    header: &'a Header,
    hooks: &'a Hooks<'a>,
    bounds: &'a [(u64, u64)],
    /// (segment, first sample, end sample) of the segments holding samples of the channel.
    spans: &'a [(usize, u64, u64)],
    row: Option<u64>,
    channel: usize,
    data_end: u64,
    /// Integer codes read by the transition pass (see [`measure_codes`]).
    codes: Option<Coded>,
    /// Log the per-cycle values of every span but the first, for [`PulseReplay`].
    log: bool,
    /// The room later spans' trackers reserve for their per-cycle values.
    room: Room,
}

/// The most values one span's tracker kept in each of its distributions so far: a later
/// span's tracker reserves about as much up front, instead of doubling its way there and
/// leaving each outgrown copy's freshly faulted pages behind (spans are of about the same
/// length, and so, on most signals, are their counts).
#[derive(Default)]
struct Room([AtomicUsize; PulseDists::COUNT]);

impl Room {
    /// What a new tracker reserves: an eighth more than the most seen.
    fn get(&self) -> [usize; PulseDists::COUNT] {
        self.0
            .each_ref()
            .map(|n| n.load(Ordering::Relaxed).saturating_mul(9) / 8)
    }

    /// Learn from the distributions of a finished span.
    fn learn(&self, dists: &PulseDists) {
        for (n, c) in self.0.iter().zip(dists.counts()) {
            n.fetch_max(usize::try_from(c).unwrap_or(usize::MAX), Ordering::Relaxed);
        }
    }
}

impl Track<'_> {
    /// Hand the bytes of span `j`'s segment to [`Hooks::release`].
    fn release(&self, j: usize) -> Result<()> {
        let b = self.bounds[self.spans[j].0];
        (self.hooks.release)(data_bytes(self.data, self.header, b)?);
        Ok(())
    }

    /// The transitions completing in span `j`, at levels `lv`; the first attempt also
    /// feeds `fused` its histogram samples. Restarts a short way before the segment (whole
    /// rows), else whole segments earlier, until the tracker is in sync.
    fn span(&self, j: usize, lv: RefLevels, mut fused: Option<&mut Fused>) -> Result<PulseDists> {
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
            let mut p =
                PulseTracker::owning(self.channel, lv, from, to, first).with_room(self.room.get());
            if self.log && j > 0 {
                p = p.logged();
            }
            if let Some(keys) = self.codes.and_then(|c| c.keys) {
                p = p.with_codes(keys);
            }
            let range = (at, self.data_end);
            let file = (self.data, self.header);
            if let Some(f) = fused.take() {
                f.tracker = Some(p);
                run_range(file, range, f, Fused::done, (self.hooks, false))?;
                p = f
                    .tracker
                    .take()
                    .ok_or_else(|| Error::Config("transition tracker lost".into()))?;
            } else if let Some(c) = &self.codes {
                let bytes = data_bytes(self.data, self.header, range)?;
                run_codes(
                    c,
                    bytes,
                    at / c.map.row() as u64,
                    &mut p,
                    self.hooks.prefetch,
                );
            } else {
                let stop = PulseTracker::done;
                run_range(file, range, &mut p, stop, (self.hooks, false))?;
            }
            if !p.unsynced() || first {
                let dists = p.finish();
                self.room.learn(&dists);
                return Ok(dists);
            }
            back *= 2;
        }
    }
}

/// How a file is measured in memory (see [`plan`]).
#[derive(Debug, Clone)]
pub enum Plan {
    /// Integer codes laid out as the map says (8/16-bit NPY, raw and PCM WAV of one channel
    /// or in C order, LeCroy `.trc` with all its blocks in the file), with the channel's
    /// sample count, and the reader's segments when it has them.
    Codes((CodeMap, u64), Option<Vec<(u64, u64)>>),
    /// Float data in the reader's segments.
    Segments(Vec<(u64, u64)>),
}

/// How `channel` of a file of `file_len` bytes with `header` is measured in memory; `None`
/// for a file read in one pass from its first byte (see [`super::MeasurePasses`]).
pub fn plan(header: &Header, channel: usize, file_len: u64) -> Option<Plan> {
    let segments = header.segments(SEGMENT);
    match code_layout(header, channel, file_len) {
        Some(layout) => Some(Plan::Codes(layout, segments)),
        // An archive's members are read whole, not in segments.
        None if matches!(header, Header::Npz(_)) => None,
        None => segments.map(Plan::Segments),
    }
}

/// `measure` of the file `data` (whole, from its first byte) by `plan`, run by `exec`.
///
/// # Errors
/// Bad data (naming the byte offset), or the file shorter than its header says.
pub fn measure(
    input: (&[u8], &Header, &MeasureConfig),
    plan: Plan,
    exec: &impl Exec,
    hooks: &Hooks<'_>,
) -> Result<Measured> {
    match plan {
        Plan::Codes(layout, split) => measure_codes(input, layout, split, exec, hooks),
        Plan::Segments(bounds) => measure_segments(input, &bounds, exec, hooks),
    }
}

/// `measure` of the float data of the file `data` (whole, from its first byte) in the
/// reader's segments `bounds` (see [`Header::segments`]), run by `exec`.
///
/// # Errors
/// Bad data (naming the byte offset), or the file shorter than its header says.
fn measure_segments(
    (data, header, config): (&[u8], &Header, &MeasureConfig),
    bounds: &[(u64, u64)],
    exec: &impl Exec,
    hooks: &Hooks<'_>,
) -> Result<Measured> {
    let ch = config.channel;
    let file = (data, header);
    // Pass 1: moments, and the sample span of the channel in each segment.
    let scans = exec.each(bounds.to_vec(), &|b| -> Result<LevelScan> {
        let mut s = LevelScan::new(ch);
        run_range(file, b, &mut s, never, (hooks, true))?;
        Ok(s)
    });
    (hooks.phase)("pass 1: moments");
    let scans: Vec<LevelScan> = scans.into_iter().collect::<Result<_>>()?;
    let spans: Vec<(usize, u64, u64)> = scans
        .iter()
        .enumerate()
        .filter_map(|(k, s)| s.span().map(|(first, end)| (k, first, end)))
        .collect();
    let row = row_bytes(header, bounds, &scans);
    let scan = merged(scans.into_iter().map(Ok).collect())?.unwrap_or_default();
    let m = scan.moments();
    let Some(hist) = LevelHistogram::new(ch, m.min, m.max) else {
        return Ok(Measured {
            scan,
            top_base: None,
            pulses: None,
        });
    };
    let track = Track {
        data,
        header,
        hooks,
        bounds,
        spans: &spans,
        row,
        channel: ch,
        data_end: bounds.last().map_or(0, |b| b.1),
        codes: None,
        log: false,
        room: Room::default(),
    };
    // The heads: `1 / GUESS` of each segment, but [`HEADS_MIN`] samples in all (at most a
    // quarter of each segment) when that is more.
    let floor = HEADS_MIN / spans.len().max(1) as u64;
    let split = |first: u64, end: u64| {
        let len = end - first;
        first + (len / GUESS).max(floor.min(len / 4))
    };
    // Pass 2a: the histogram of the head of each segment, whose modes guess the levels.
    let heads = exec.each(
        spans.clone(),
        &|(k, first, end)| -> Result<LevelHistogram> {
            let mut f = Fused::new(ch, hist.clone(), (first, split(first, end)));
            if f.lo < f.hi {
                run_range(file, bounds[k], &mut f, Fused::done, (hooks, false))?;
            }
            Ok(f.hist)
        },
    );
    (hooks.phase)("pass 2a: heads");
    let heads = merged(heads)?;
    let guess = heads.as_ref().map(LevelHistogram::top_base);
    // Levels the heads are unsure of are not guessed: tracking transitions at levels that
    // are likely to change would only be done again.
    let sure = heads.as_ref().is_some_and(LevelHistogram::sure_modes);
    let guess_lv = config.ref_levels(guess).filter(|_| sure);
    // Pass 2b + 3, fused: the rest of the histogram, and the transitions at the guessed
    // levels (kept when the final levels are the same, bit for bit).
    type Part = (LevelHistogram, Option<PulseDists>);
    let parts = exec.each((0..spans.len()).collect(), &|j| -> Result<Part> {
        let (k, first, end) = spans[j];
        (hooks.progress)(2 * (bounds[k].1 - bounds[k].0));
        let mut f = Fused::new(ch, hist.clone(), (split(first, end), end));
        let pulses = match guess_lv {
            Some(lv) => Some(track.span(j, lv, Some(&mut f))?),
            None => {
                run_range(file, bounds[k], &mut f, Fused::done, (hooks, false))?;
                None
            }
        };
        // Only a missed guess, or a later segment's restart, reads these bytes again.
        track.release(j)?;
        Ok((f.hist, pulses))
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
    (hooks.phase)("pass 2b: fused histogram and transitions");
    let tb = total.map(|h| h.top_base());
    let bits = |tb: Option<(f64, f64)>| tb.map(|(t, b)| (t.to_bits(), b.to_bits()));
    let kept = guess_lv.is_some() && bits(guess) == bits(tb);
    let again = match config.ref_levels(tb) {
        // Pass 3 again at the final levels.
        Some(lv) if !kept => exec.each((0..spans.len()).collect(), &|j| track.span(j, lv, None)),
        _ => Vec::new(),
    };
    (hooks.phase)(match (kept, guess_lv) {
        (true, _) => "guessed levels kept",
        (false, Some(_)) => "guess missed: transitions again at the final levels",
        (false, None) => "no guess: transitions at the final levels",
    });
    let pulses = if kept {
        let parts: Option<Vec<PulseDists>> = guessed.into_iter().collect();
        merged(parts.unwrap_or_default().into_iter().map(Ok).collect())?
    } else {
        merged(again)?
    };
    Ok(settled((scan, tb, pulses), exec, hooks))
}

/// The results, once the per-cycle parts are merged: their distributions' quantiles
/// selected by `exec` (the serial end of a run otherwise).
fn settled(
    (scan, top_base, mut pulses): (LevelScan, Option<(f64, f64)>, Option<PulseDists>),
    exec: &impl Exec,
    hooks: &Hooks<'_>,
) -> Measured {
    (hooks.phase)("merged");
    if let Some(p) = &mut pulses {
        exec.each(p.settles(), &Settle::run);
    }
    (hooks.phase)("settled");
    Measured {
        scan,
        top_base,
        pulses,
    }
}

/// The logged per-cycle values of `parts` (in order) replayed into the first, as
/// [`PulseReplay`] does, with every distribution replayed by `exec` (they are independent:
/// the serial end of a run otherwise).
fn replayed(exec: &impl Exec, parts: Vec<PulseDists>) -> Result<Option<PulseDists>> {
    let Some(mut replay) = PulseReplay::new(parts) else {
        return Ok(None);
    };
    let done = exec.each(replay.columns(), &|c| c.run());
    done.into_iter().collect::<Result<()>>()?;
    Ok(Some(replay.into_total()))
}

/// The layout of `channel` when it is stored as 8- or 16-bit integer codes that
/// [`measure_codes`] reads in place (integer NPY and raw of one channel or in C order,
/// 8/16-bit PCM WAV of known length, LeCroy `.trc` with all its blocks in a file of
/// `file_len` bytes), with the number of samples of the channel. The code values are what
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

/// How the transition pass reads integer codes: as `i16` order keys when their values
/// strictly increase with them ([`CodeMap::key_values`]: sixteen per vector, a value only
/// at a run's ends), else as `f64` values.
#[derive(Clone, Copy)]
struct Coded {
    map: CodeMap,
    keys: Option<CodeValues>,
}

/// Feed the codes `bytes` (whole rows, the first of sample `at`) to `p` as [`Coded`] says,
/// a tile at a time, until it is done; the next tile is prefetched first.
fn run_codes(c: &Coded, bytes: &[u8], mut at: u64, p: &mut PulseTracker, prefetch: fn(&[u8])) {
    let row = c.map.row();
    let mut t16 = [0i16; TILE];
    let mut t64 = [0f64; TILE / 2];
    let per = if c.keys.is_some() { TILE } else { TILE / 2 };
    let mut next = bytes.chunks(per * row).skip(1);
    for chunk in bytes.chunks(per * row) {
        prefetch(next.next().unwrap_or_default());
        let n = chunk.len() / row;
        if c.keys.is_some() {
            c.map.decode_keys(chunk, &mut t16[..n]);
            p.add_samples(at, &t16[..n]);
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

/// `measure` of a channel of integer codes laid out as `map` says ([`code_layout`]), in
/// the file `data` (whole, from its first byte). The transition pass runs over `split`
/// (the reader's segments, as [`measure_segments`]; `None`: one segment, as a serial
/// read), so its per-cycle results are the same bits as the float path's.
///
/// # Errors
/// The file shorter than its header says, or the data too large to address.
fn measure_codes(
    (data, header, config): (&[u8], &Header, &MeasureConfig),
    (map, samples): (CodeMap, u64),
    split: Option<Vec<(u64, u64)>>,
    exec: &impl Exec,
    hooks: &Hooks<'_>,
) -> Result<Measured> {
    let row = map.row() as u64;
    let data_len = samples.checked_mul(row).ok_or_else(|| Error::Limit {
        offset: header.data_offset(),
        what: "the data length".into(),
        limit: u64::MAX,
    })?;
    // Pass 1: the code counts, over parts of about SEGMENT bytes (whole rows; counts add,
    // so any cut gives the same result).
    let step = (SEGMENT / row).max(1) * row;
    let parts: Vec<(u64, u64)> = (0..data_len.div_ceil(step))
        .map(|k| (k * step, ((k + 1) * step).min(data_len)))
        .collect();
    // One histogram per task, one task per worker taking parts in turn (not one per part:
    // each is 1.5 MiB of counters for 16-bit codes, zeroed, then flushed and read by the
    // merge). Counts add, so which task took which part does not matter.
    let next = AtomicUsize::new(0);
    let hists = exec.each(vec![(); exec.threads().max(1)], &|()| -> Result<_> {
        let mut hist: Option<CodeHistogram> = None;
        while let Some(&b) = parts.get(next.fetch_add(1, Ordering::Relaxed)) {
            hist.get_or_insert_with(|| CodeHistogram::new(map))
                .add_rows(data_bytes(data, header, b)?);
            (hooks.progress)(b.1 - b.0);
        }
        Ok(hist)
    });
    let hists: Vec<Result<CodeHistogram>> =
        hists.into_iter().filter_map(Result::transpose).collect();
    (hooks.phase)("pass 1: code counts");
    let hist = merged(hists)?.unwrap_or_else(|| CodeHistogram::new(map));
    let (moments, tb) = hist.summary();
    let scan = LevelScan::with_moments(config.channel, moments, (0, samples));
    let Some(lv) = config.ref_levels(tb) else {
        return Ok(Measured {
            scan,
            top_base: tb,
            pulses: None,
        });
    };
    // Pass 2: the transitions alone. Without segments of the reader (a serial read), the
    // tasks log the per-cycle values of their parts, replayed in order into the first
    // part's: the same bits as one serial tracker (which runs when a log overflows).
    let serial = split.is_none();
    let bounds = match split {
        Some(b) => b,
        None if exec.threads() > 1 => parts.clone(),
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
        hooks,
        bounds: &bounds,
        spans: &spans,
        row: Some(row),
        channel: config.channel,
        data_end: bounds.last().map_or(0, |b| b.1),
        codes: Some(Coded {
            map,
            keys: map.key_values(),
        }),
        log: serial,
        room: Room::default(),
    };
    let run = |track: &Track<'_>| {
        exec.each((0..track.spans.len()).collect(), &|j| {
            let p = track.span(j, lv, None)?;
            // Only a later part's restart (or a replay that overflowed) reads it again.
            track.release(j)?;
            Ok(p)
        })
    };
    let parts = run(&track);
    (hooks.phase)("pass 2: transitions");
    (hooks.progress)(2 * data_len);
    let (whole, one) = ([(0, data_len)], [(0, 0, samples)]);
    let parts: Vec<Result<PulseDists>> = if serial {
        let parts: Vec<PulseDists> = parts.into_iter().collect::<Result<_>>()?;
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
    let pulses = if track.log {
        let parts: Vec<PulseDists> = parts.into_iter().collect::<Result<_>>()?;
        replayed(exec, parts)?
    } else {
        merged(parts)?
    };
    Ok(settled((scan, tb, pulses), exec, hooks))
}

#[cfg(test)]
#[path = "mapped_tests.rs"]
mod tests;
