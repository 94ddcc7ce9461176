//! The parallel decode of analog captures (NPY, WAV) on the thread pool: the data cut into
//! parts, each part one pool task and the parts taken in order, by core's fused parts path
//! (`scopekit_core::decode::fused`, the CLI's too); here only the pool, the bytes and the
//! bindings (`ParallelDecode` for the page's reads, `decodeBytes` from memory), with the
//! opt-in trace and tuning knobs of the benchmarks (`setDecodeTrace`, `setDecodeTuning`).
//! Without feature `threads` the same parts run one after another: identical frames.

use scopekit_core::decode::first::{read_part, FirstPieces, Replay, WholePart};
use scopekit_core::decode::fused::{explicit_lines, FusedDecode, PartTask};
use scopekit_core::decode::{
    AnyDecoder, AnyFrame, DecodeJob, DecodeTail, FrameStatsBuilder, Levels,
};
use scopekit_core::edges::Threshold;
use scopekit_core::exec::Exec;
use scopekit_core::formats::Header;
use scopekit_core::parts::{analog_parts, DECODE_PART_BYTES};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::decode::decode_settings;
use crate::threads::{par_pipeline, thread_count};
use crate::{js_error, to_js};

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` (the window's or the worker's clock, sub-millisecond).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn perf_now() -> f64;
}

/// Milliseconds since the epoch, sub-millisecond, on one clock for every worker (each
/// worker's `performance.now()` counts from its own `timeOrigin`).
fn clock() -> f64 {
    let origin = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .and_then(|p| js_sys::Reflect::get(&p, &"timeOrigin".into()))
        .ok()
        .and_then(|o| o.as_f64())
        .unwrap_or(0.0);
    origin + perf_now()
}

/// Whether [`decode_bytes`] records when each task on the pool ran (opt-in:
/// [`set_decode_trace`]).
static TRACE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Tasks recorded while tracing: (phase, pool thread or -1, start ms, end ms).
static TASKS: std::sync::Mutex<Vec<(&'static str, i32, f64, f64)>> =
    std::sync::Mutex::new(Vec::new());

/// Record, when tracing, when `f` ran on which pool thread, under `phase`.
fn traced<R>(phase: &'static str, f: impl FnOnce() -> R) -> R {
    if !TRACE.load(core::sync::atomic::Ordering::Relaxed) {
        return f();
    }
    let t0 = clock();
    let r = f();
    let t1 = clock();
    #[cfg(feature = "threads")]
    let thread = rayon::current_thread_index().map_or(-1, |i| i as i32);
    #[cfg(not(feature = "threads"))]
    let thread = -1;
    if let Ok(mut tasks) = TASKS.lock() {
        tasks.push((phase, thread, t0, t1));
    }
    r
}

/// Bytes of analog data per decode part (the parts path; [`set_decode_tuning`]).
static PART_BYTES: core::sync::atomic::AtomicU64 =
    core::sync::atomic::AtomicU64::new(DECODE_PART_BYTES);
/// Decode parts `decodeBytes` pushes at once per pool thread ([`set_decode_tuning`]).
static PARTS_PER_THREAD: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(DEFAULT_PARTS_PER_THREAD);

/// For benchmarks: the parts path's part size in bytes (1 MiB to 256 MiB; 0: the default,
/// 8 MiB) and the parts `decodeBytes` pushes at once per pool thread (1 to 16; 0: the
/// default, 16), for the runs that follow in this worker.
#[wasm_bindgen(js_name = setDecodeTuning)]
pub fn set_decode_tuning(part_bytes: f64, parts_per_thread: u32) {
    use core::sync::atomic::Ordering::Relaxed;
    let bytes = if part_bytes <= 0.0 || part_bytes.is_nan() {
        DECODE_PART_BYTES
    } else {
        (part_bytes as u64).clamp(1 << 20, 256 << 20)
    };
    PART_BYTES.store(bytes, Relaxed);
    let per = match parts_per_thread {
        0 => DEFAULT_PARTS_PER_THREAD,
        n => n.min(16) as usize,
    };
    PARTS_PER_THREAD.store(per, Relaxed);
}

/// Opt-in timing of `decodeBytes`: with `on`, its result holds `trace`, one
/// `[phase, thread, start ms, end ms]` per task run on the pool (for benchmarks).
#[wasm_bindgen(js_name = setDecodeTrace)]
pub fn set_decode_trace(on: bool) {
    TRACE.store(on, core::sync::atomic::Ordering::Relaxed);
}

/// The `{frames, samples, stats}` result of a decode run (as `DecodeSession.finish`).
#[derive(Serialize)]
struct Decoded<'a> {
    frames: &'a [AnyFrame],
    #[serde(flatten)]
    tail: &'a DecodeTail,
}

/// Core's split tasks ([`Exec`]) on the pool (one after another in the single-threaded
/// build), each task traced under `phase` ([`traced`]).
struct PoolTasks(&'static str);

impl Exec for PoolTasks {
    fn threads(&self) -> usize {
        thread_count().max(1) as usize
    }

    #[cfg(feature = "threads")]
    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
        use rayon::prelude::*;
        items
            .into_par_iter()
            .map(|t| traced(self.0, || f(t)))
            .collect()
    }

    #[cfg(not(feature = "threads"))]
    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
        items.into_iter().map(|t| traced(self.0, || f(t))).collect()
    }
}

/// A decode run over an analog capture (NPY, WAV) whose data is cut into parts, each
/// thresholded, merged and decoded from the decoder's first sync point in it on the pool
/// (SPI with CS; other decoders decode serially, see `scopekit_core::decode::parts`), then
/// taken in order (see the module doc): the frames are exactly those of
/// [`DecodeSession`](crate::DecodeSession). The page reads the file's head, asks
/// [`parallel`](Self::parallel), then pushes the data bytes of whole parts in order
/// ([`part_bounds`](Self::part_bounds) gives their file offsets).
#[wasm_bindgen(js_name = ParallelDecode)]
pub struct ParallelDecode {
    header: Header,
    /// Data byte ranges of the parts (relative to the data start).
    bounds: Vec<(u64, u64)>,
    /// Parts taken so far.
    next: usize,
    channels: Vec<usize>,
    levels: Levels,
    /// The decoder, until the thresholds are known (automatic ones need the first samples).
    decoder: Option<AnyDecoder>,
    /// The parts' decode, once the thresholds are known.
    fused: Option<FusedDecode<AnyDecoder>>,
    /// Whether [`finish`](Self::finish) ran.
    finished: bool,
    /// Parts received before the thresholds were known: (part index, bytes).
    pending: Vec<(usize, Vec<u8>)>,
    /// The samples of parts read whole for the automatic thresholds: (part index, each
    /// line's first sample index and samples), replayed into their tasks instead of read
    /// again.
    replay: Vec<Replay>,
    /// Frames decoded and not yet taken.
    frames: Vec<AnyFrame>,
    /// Whether frames are kept to be taken (`decodeBytes` without frames only counts
    /// them: each part's are dropped once in the statistics, as the serial path drops
    /// each push's).
    keep: bool,
    stats: FrameStatsBuilder,
    rate: Option<f64>,
    /// Milliseconds spent in the pool calls of the parts (the parallel share).
    parallel_ms: f64,
    /// Where the time went, phase by phase.
    phases: Phases,
}

/// Milliseconds per phase of a [`ParallelDecode`] run (what `decodeBytes` reports).
#[derive(Default, Clone, Copy, Serialize)]
struct Phases {
    /// Reading the header and planning the parts (serial).
    setup: f64,
    /// Reading the first samples for automatic thresholds (a pool's worth of parts at a
    /// time).
    first: f64,
    /// The lines' automatic thresholds (a line per pool thread).
    levels: f64,
    /// The parts on the pool, one task each: thresholded, the transitions they settle
    /// merged and decoded from their first sync point (the pool call's time less
    /// `carry`).
    parts: f64,
    /// Taking the parts in order (serial, while later parts still run on the pool):
    /// carrying the comparators through each part's head, merging and decoding its
    /// transitions before the settled ones (a part that settles nothing on its own, or a
    /// decoder without sync points: all of them), the frame statistics.
    carry: f64,
    /// Finishing: the last frames and the statistics' report (serial).
    finish: f64,
    /// Moving the frames out and freeing the transitions (serial).
    frames: f64,
}

#[wasm_bindgen(js_class = ParallelDecode)]
impl ParallelDecode {
    /// A run over a file of `file_len` bytes whose first bytes are `head` (enough to hold
    /// the header: 64 KiB does); the other arguments as for `DecodeSession`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        head: &[u8],
        file_len: f64,
        config: JsValue,
        wires: JsValue,
        rate: Option<f64>,
        levels: JsValue,
    ) -> Result<ParallelDecode, JsError> {
        let (config, wires, levels) = decode_settings(config, wires, levels)?;
        let file_len = file_len as u64;
        let header = Header::from_head(head, file_len)
            .map_err(js_error)?
            .ok_or_else(|| JsError::new("the file's head is too short to hold its header"))?;
        let part_bytes = PART_BYTES.load(core::sync::atomic::Ordering::Relaxed);
        let bounds = analog_parts(&header, part_bytes);
        let roles: Vec<&str> = wires.iter().map(|w| w.role.as_str()).collect();
        let decoder = config.decoder(rate, &roles).map_err(js_error)?;
        Ok(ParallelDecode {
            header,
            bounds,
            next: 0,
            channels: wires.iter().map(|w| w.channel).collect(),
            levels,
            decoder: Some(decoder),
            fused: None,
            finished: false,
            pending: Vec::new(),
            replay: Vec::new(),
            frames: Vec::new(),
            keep: true,
            stats: FrameStatsBuilder::default(),
            rate,
            parallel_ms: 0.0,
            phases: Phases::default(),
        })
    }

    /// Whether the file splits into several parts (else decode it with `DecodeSession`).
    pub fn parallel(&self) -> bool {
        self.bounds.len() > 1
    }

    /// The parts as absolute file offsets: `[start0, end0, start1, end1, ...]`.
    #[wasm_bindgen(js_name = partBounds)]
    pub fn part_bounds(&self) -> Vec<f64> {
        let at = self.header.data_offset();
        self.bounds
            .iter()
            .flat_map(|&(a, b)| [(at + a) as f64, (at + b) as f64])
            .collect()
    }

    /// Push the bytes of the next whole parts, in order (several at once: they are
    /// thresholded in parallel); returns the frames completed (an array, often empty).
    #[wasm_bindgen(js_name = pushParts)]
    pub fn push_parts(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        self.push_whole_parts(bytes)?;
        self.take_frames()
    }

    /// Finish: `{frames, samples, stats}` with the last frames, as `DecodeSession.finish`.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let (frames, tail) = self.finish_run()?;
        to_js(&Decoded {
            frames: &frames,
            tail: &tail,
        })
    }
}

impl ParallelDecode {
    /// [`push_parts`](Self::push_parts) without taking the frames.
    fn push_whole_parts(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let mut parts = Vec::new();
        let mut at = 0usize;
        while at < bytes.len() {
            let &(a, b) = self
                .bounds
                .get(self.next)
                .ok_or_else(|| JsError::new("more bytes than the file's parts"))?;
            let len = (b - a) as usize;
            let part = bytes
                .get(at..at + len)
                .ok_or_else(|| JsError::new("pushParts takes whole parts"))?;
            parts.push((self.next, part));
            self.next += 1;
            at += len;
        }
        if self.fused.is_some() {
            self.threshold(&parts)
        } else {
            self.run(false, &parts)
        }
    }

    /// The last frames and the tail.
    fn finish_run(&mut self) -> Result<(Vec<AnyFrame>, DecodeTail), JsError> {
        if self.next != self.bounds.len() {
            return Err(JsError::new("the file ended before its last part"));
        }
        if self.finished {
            return Err(JsError::new("session already finished"));
        }
        self.run(true, &[])?;
        let started = js_sys::Date::now();
        let mut frames = self.take_frame_vec()?;
        let fused = self
            .fused
            .take()
            .ok_or_else(|| JsError::new("session already finished"))?;
        self.finished = true;
        let samples = self.header.layout().known_samples().unwrap_or(0);
        let rest = fused.finish(samples);
        self.stats.add(&rest);
        frames.extend(rest);
        let tail = DecodeTail {
            samples,
            stats: core::mem::take(&mut self.stats).report(self.rate),
        };
        self.phases.finish += js_sys::Date::now() - started;
        Ok((frames, tail))
    }

    fn take_frame_vec(&mut self) -> Result<Vec<AnyFrame>, JsError> {
        if self.finished {
            return Err(JsError::new("session already finished"));
        }
        // Their statistics were added as they were decoded.
        Ok(core::mem::take(&mut self.frames))
    }

    fn take_frames(&mut self) -> Result<JsValue, JsError> {
        let frames = self.take_frame_vec()?;
        to_js(&frames)
    }

    /// Settle the thresholds when the pending parts and the `fresh` ones (not yet kept) hold
    /// enough samples (or `last`), then threshold them in parallel and take them in order;
    /// else keep a copy of the fresh parts until more arrive.
    fn run(&mut self, last: bool, fresh: &[(usize, &[u8])]) -> Result<(), JsError> {
        if self.fused.is_none() {
            let lines: Option<Vec<(usize, Threshold)>> = match self.levels.threshold {
                Some(_) => explicit_lines(&self.channels, &self.levels),
                None => {
                    let started = js_sys::Date::now();
                    let first = self.first_samples(fresh)?;
                    self.phases.first += js_sys::Date::now() - started;
                    let started = js_sys::Date::now();
                    let hysteresis = self.levels.hysteresis;
                    let lines = (first.full() || last)
                        .then(|| first.thresholds(hysteresis, &PoolTasks("levels")));
                    self.phases.levels += js_sys::Date::now() - started;
                    if lines.is_some() {
                        self.replay = first.into_replays();
                    }
                    lines
                }
            };
            let Some(lines) = lines else {
                // Wait for more samples.
                self.pending
                    .extend(fresh.iter().map(|&(i, p)| (i, p.to_vec())));
                return Ok(());
            };
            let decoder = self
                .decoder
                .take()
                .ok_or_else(|| JsError::new("session already finished"))?;
            let fused =
                FusedDecode::new(decoder, &lines, self.header.layout()).map_err(js_error)?;
            self.fused = Some(fused);
        }
        let pending = core::mem::take(&mut self.pending);
        let mut parts: Vec<(usize, &[u8])> = pending.iter().map(|(i, p)| (*i, &p[..])).collect();
        parts.extend_from_slice(fresh);
        self.threshold(&parts)
    }

    /// The first [`AUTO_WINDOW`](scopekit_core::edges::AUTO_WINDOW) samples of the lines in
    /// the pending parts, then the `fresh` ones ([`FirstPieces::read`]: a pool's worth of parts at a time).
    fn first_samples(&self, fresh: &[(usize, &[u8])]) -> Result<FirstPieces, JsError> {
        let parts: Vec<WholePart<'_>> = self
            .pending
            .iter()
            .map(|(i, p)| (*i, &p[..]))
            .chain(fresh.iter().copied())
            .map(|(i, bytes)| (i, self.bounds[i], bytes))
            .collect();
        let mut first = FirstPieces::new(&self.channels);
        first
            .read(&self.header, &parts, &PoolTasks("first"))
            .map_err(js_error)?;
        Ok(first)
    }

    /// Decode `parts` (index, bytes) on the pool, one task each (read, thresholded, merged
    /// and decoded from its first sync point: [`PartTask::run`]), at most [`in_flight`] at
    /// a time, and take them in order on this thread while later parts still run
    /// ([`FusedDecode::take`]; a part's task is made once the part before its window was
    /// taken, so it reuses that part's edge buffers), adding the frames to the statistics.
    fn threshold(&mut self, parts: &[(usize, &[u8])]) -> Result<(), JsError> {
        let Some(fused) = &mut self.fused else {
            return Ok(());
        };
        let header = &self.header;
        let bounds = &self.bounds;
        let started = js_sys::Date::now();
        struct Taking<'a> {
            fused: &'a mut FusedDecode<AnyDecoder>,
            replay: &'a mut Vec<Replay>,
            stats: &'a mut FrameStatsBuilder,
            out: &'a mut Vec<AnyFrame>,
            keep: bool,
            ms: f64,
        }
        let mut state = Taking {
            fused,
            replay: &mut self.replay,
            stats: &mut self.stats,
            out: &mut self.frames,
            keep: self.keep,
            ms: 0.0,
        };
        let task = |k: usize, (task, replay): (PartTask<AnyDecoder>, Option<Replay>)| {
            let (i, bytes) = parts[k];
            traced("part", || match replay {
                // Read whole for the thresholds already: its samples, one block per line.
                Some(replay) => task.run(|sink| replay.feed(header.layout(), sink)),
                None => task.run(|sink| read_part(header, bounds[i], bytes, sink)),
            })
        };
        par_pipeline(
            &mut state,
            parts.len(),
            in_flight(),
            |st, k| {
                let i = parts[k].0;
                let replay = st
                    .replay
                    .iter()
                    .position(|r| r.part() == i)
                    .map(|at| st.replay.swap_remove(at));
                (st.fused.task(), replay)
            },
            task,
            |st, k, done| {
                let t0 = js_sys::Date::now();
                let done = done.map_err(js_error)?;
                let (i, bytes) = parts[k];
                let frames = st
                    .fused
                    .take(done, |sink| read_part(header, bounds[i], bytes, sink))
                    .map_err(js_error)?;
                st.stats.add(&frames);
                if st.keep {
                    st.out.extend(frames);
                }
                st.ms += js_sys::Date::now() - t0;
                Ok::<_, JsError>(())
            },
        )?;
        let taking = state.ms;
        let elapsed = js_sys::Date::now() - started;
        self.parallel_ms += elapsed;
        self.phases.parts += elapsed - taking;
        self.phases.carry += taking;
        Ok(())
    }
}

/// Part tasks in flight at once: two per pool thread and one more, so a thread finds a
/// part ready while the taker catches up; the tasks reuse the edge buffers of the parts
/// taken before them (the memory they use stays that of a window of parts).
fn in_flight() -> usize {
    2 * thread_count().max(1) as usize + 1
}

/// Bytes of the file given to the serial decode per push (as the page's reads).
const DECODE_CHUNK: usize = 4 << 20;
/// Decode parts pushed at once per worker thread, by default.
/// (The parts are taken in order while later ones run, so one long pool call beats several
/// short ones: 16 per thread covers 256 MiB on two threads.)
const DEFAULT_PARTS_PER_THREAD: usize = 16;

/// The result of [`decode_bytes`].
#[derive(Serialize)]
struct DecodedBytes<'a> {
    /// The frames, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    frames: Option<&'a [AnyFrame]>,
    #[serde(flatten)]
    tail: &'a DecodeTail,
    /// Whether parts were thresholded in parallel.
    parallel: bool,
    /// Milliseconds spent decoding (from the bytes in wasm memory to the result, before it
    /// is converted to JS).
    ms: f64,
    /// Of `ms`, those spent on the pool (0 for the serial path): the parts thresholded,
    /// merged and (SPI with CS) decoded; the rest (taking the parts in order, statistics, a
    /// serial decoder) runs on one thread.
    parallel_ms: f64,
    /// The parts path's time phase by phase (absent for the serial path).
    #[serde(skip_serializing_if = "Option::is_none")]
    phases: Option<Phases>,
    /// With [`set_decode_trace`]: the tasks run on the pool, `(phase, thread, start ms,
    /// end ms)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    trace: Vec<(&'static str, i32, f64, f64)>,
}

/// Decode a whole capture already in memory: `{frames?, samples, stats, parallel, ms}`,
/// the frames (`with_frames`) and tail as `DecodeSession.finish` gives them. With `parts`,
/// an analog capture (NPY, WAV) that splits into parts takes the path of
/// [`ParallelDecode`] (parts thresholded on the thread pool); otherwise, or for other
/// formats, the serial path of `DecodeSession`. The bytes are pushed from memory, so `ms`
/// is the decode alone (no file read): what the benchmark compares across builds.
#[wasm_bindgen(js_name = decodeBytes)]
pub fn decode_bytes(
    bytes: &[u8],
    config: JsValue,
    wires: JsValue,
    rate: Option<f64>,
    levels: JsValue,
    parts: bool,
    with_frames: bool,
) -> Result<JsValue, JsError> {
    let started = js_sys::Date::now();
    let mut frames = Vec::new();
    let mut parallel = false;
    let mut parallel_ms = 0.0;
    let mut phases = None;
    let tail = 'run: {
        if parts {
            let head = &bytes[..bytes.len().min(64 << 10)];
            let setup = js_sys::Date::now();
            let mut run = ParallelDecode::new(
                head,
                bytes.len() as f64,
                config.clone(),
                wires.clone(),
                rate,
                levels.clone(),
            )?;
            run.phases.setup = js_sys::Date::now() - setup;
            run.keep = with_frames;
            if run.parallel() {
                parallel = true;
                let at = run.header.data_offset() as usize;
                let batch = PARTS_PER_THREAD.load(core::sync::atomic::Ordering::Relaxed)
                    * thread_count().max(1) as usize;
                for group in run.bounds.clone().chunks(batch) {
                    let (Some(&(a, _)), Some(&(_, b))) = (group.first(), group.last()) else {
                        continue;
                    };
                    let data = bytes.get(at + a as usize..at + b as usize).ok_or_else(|| {
                        JsError::new("the capture is shorter than its header says")
                    })?;
                    run.push_whole_parts(data)?;
                    let done = run.take_frame_vec()?;
                    let freeing = js_sys::Date::now();
                    if with_frames {
                        frames.extend(done);
                    } else {
                        drop(done);
                    }
                    run.phases.frames += js_sys::Date::now() - freeing;
                }
                let (rest, tail) = run.finish_run()?;
                frames.extend(rest);
                parallel_ms = run.parallel_ms;
                phases = Some(run.phases);
                break 'run tail;
            }
        }
        let (config, wires, levels) = decode_settings(config, wires, levels)?;
        let mut job =
            DecodeJob::new(bytes.len() as u64, &config, &wires, rate, levels).map_err(js_error)?;
        for chunk in bytes.chunks(DECODE_CHUNK) {
            job.push(chunk).map_err(js_error)?;
            let done = job.take_frames();
            if with_frames {
                frames.extend(done);
            }
        }
        let (rest, tail) = job.finish().map_err(js_error)?;
        frames.extend(rest);
        tail
    };
    let ms = js_sys::Date::now() - started;
    let trace = TASKS
        .lock()
        .map(|mut t| core::mem::take(&mut *t))
        .unwrap_or_default();
    to_js(&DecodedBytes {
        frames: with_frames.then_some(&frames[..]),
        tail: &tail,
        parallel,
        ms,
        parallel_ms,
        phases,
        trace,
    })
}
