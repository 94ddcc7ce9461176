// Module worker of the analog view (analog.js): runs one of `scopekit measure | spectrum |
// stats --histogram | correlate | filter` over File(s) with the wasm core's sessions (wasm/src/analog.rs).
//
// Protocol (page → worker): one message { kind, file, file2?, options }
//   kind 'measure'   options { channel, low, high }
//   kind 'spectrum'  options { channel, window, nfft|null, overlap, average, scaling, harmonics, peaks, spectrogram,
//                              rangeWorkers? (default min(hardwareConcurrency, 4); 0: one reader) }
//   kind 'histogram' options { channel, bins, lo|null, hi|null }
//   kind 'correlate' options { channelA, channelB, maxLag, precision ('f32' | 'f64' | '': auto) }  (file2: the second input, or the same file)
//   kind 'filter'    options { channel, band, f1, f2, design, ripple, order, movingAverage|null,
//                              decimate|null, sampleRate, first, count, frequencies (Float64Array) }
// Worker → page:
//   { type: 'progress', loaded, total, pass, passes }   ≤ ~10×/s, plus one at each pass end
//   { type: 'done', doc, curve?, input?, output?, outputFirst?, response?, design?, rangeWorkers?, rangeTimes? }
//        `doc` is the CLI's --json document (measure, spectrum, correlate; for a histogram the
//        channel's `histogram` object of `stats --histogram N --json`; rangeWorkers: the range
//        workers that read a spectrum's file, when it was read in ranges, and rangeTimes { ms, busy,
//        wall }: the ranged run's ms, and the ms its workers spent in wasm and on parts, summed)
//   { type: 'error', message }                          the core's message (names the byte offset)
//
// Files are read in CHUNK slices with a few reads in flight; zip captures (npz) are read whole
// and given to the session once per pass. A Welch spectrum of a file that splits into byte
// ranges (NPY, WAV) is read by several range workers (web/range-worker.js), each its own
// ranges, and merged here in a fixed part order (SpectrumRanges); the others, a periodogram
// and zip captures keep the one reader. Terminating this worker terminates its range workers.

import init, {
  CorrelateSession, FilterSession, HistogramSession, MeasureSession, SpectrumRanges, SpectrumSession,
} from './pkg/scopekit_wasm.js';
import { chunkReader, isArchive } from './file-chunks.js';
import { coreLoader } from './worker-util.js';

/** Bytes per read. */
const CHUNK = 4 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed. */
const IN_FLIGHT = 3;
/** Minimum interval between progress messages, ms. */
const PROGRESS_INTERVAL = 100;
/** Largest zip capture read in one piece. */
const MAX_ARCHIVE = 1024 * 1024 * 1024;

/** Bytes of the head the range plan is made from (any NPY or WAV header fits). */
const HEAD = 64 * 1024;
/** Most range workers. */
const MAX_RANGE_WORKERS = 4;

/** The compiled module: instantiated here once, and posted to the range workers. */
let compiled = null;
const loadCore = coreLoader(init, async (url) => {
  compiled = await WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  return compiled;
});


/** Sequential chunk reader of a File with reads in flight (file-chunks.js, slices): `take()`
 * → `{ bytes, end }` or null at the end. */
const chunksOf = (file) => chunkReader(file, { read: 'slices', first: CHUNK, chunk: CHUNK, inFlight: IN_FLIGHT });

function progressFn(total, passes) {
  let last = -Infinity;
  return (loaded, pass, force) => {
    const now = performance.now();
    if (force || now - last >= PROGRESS_INTERVAL) {
      last = now;
      self.postMessage({ type: 'progress', loaded, total, pass, passes });
    }
  };
}

/** Stream `file` through `session` pass after pass until `endPass()` says it is done. */
async function runPasses(file, session, passes, stopEarly) {
  const archive = await isArchive(file);
  if (archive && file.size > MAX_ARCHIVE) throw new Error(`zip capture of ${file.size} bytes: read whole up to ${MAX_ARCHIVE} bytes`);
  const whole = archive ? new Uint8Array(await file.arrayBuffer()) : null;
  const progress = progressFn(file.size, passes);
  for (let pass = 1; ; pass++) {
    progress(0, pass, true);
    if (whole) {
      session.pushArchive(whole);
    } else {
      const chunks = chunksOf(file);
      try {
        for (let c = await chunks.take(); c; c = await chunks.take()) {
          session.push(c.bytes);
          progress(c.end, pass, false);
          if (stopEarly?.()) return;
        }
      } finally {
        chunks.close();
      }
    }
    progress(file.size, pass, true);
    if (session.endPass()) return;
  }
}

async function measure(file, o) {
  const s = new MeasureSession(file.size, o.channel, o.low, o.high, o.rate ?? undefined);
  try {
    await runPasses(file, s, 3);
    return { doc: s.report() };
  } finally {
    s.free();
  }
}

async function histogram(file, o) {
  const s = new HistogramSession(file.size, o.channel, o.bins, o.lo ?? undefined, o.hi ?? undefined, o.rate ?? undefined);
  try {
    await runPasses(file, s, 2);
    return { doc: s.report() };
  } finally {
    s.free();
  }
}

/** Range workers for a spectrum: `options.rangeWorkers` if given (0: one reader), else
 * min(hardwareConcurrency, 4); fewer than 2 read with one reader. */
function rangeWorkerCount(o) {
  const n = o.rangeWorkers ?? Math.min(navigator.hardwareConcurrency || 1, MAX_RANGE_WORKERS);
  return Math.max(0, Math.min(n | 0, MAX_RANGE_WORKERS));
}

/**
 * The spectrum (Welch averaging) of a file that splits into byte ranges, read by `count`
 * range workers (web/range-worker.js) part after part; the partial sums merge here in part
 * order (the plan does not depend on `count`, so neither do the bits). `null` when the
 * file does not split (the one-reader path reads it).
 */
async function spectrumInRanges(file, o, count) {
  if (count < 2 || o.average !== 'welch' || (await isArchive(file))) return null;
  const head = new Uint8Array(await file.slice(0, HEAD).arrayBuffer());
  const plan = SpectrumRanges.plan(file.size, head, o);
  if (!plan) return null;
  const workers = [];
  try {
    const parts = plan.partCount();
    const progress = progressFn(file.size, 1);
    progress(0, 1, true);
    let loaded = 0;
    let next = 0;
    let merged = 0;
    let busy = 0; // ms the range workers spent in wasm, summed
    let wall = 0; // ms from the parts' starts to their ends, summed
    const t0 = performance.now();
    const sums = new Array(parts);
    const options = {
      channel: o.channel, window: o.window, nfft: o.nfft ?? null, overlap: o.overlap,
      spectrogram: o.spectrogram, precision: o.precision ?? null,
    };
    await new Promise((resolve, reject) => {
      const give = (worker) => {
        if (next >= parts) return;
        const [start, end] = plan.partBytes(next);
        worker.postMessage({ type: 'part', index: next, start, end });
        next++;
      };
      for (let k = 0; k < Math.min(count, parts); k++) {
        const worker = new Worker(new URL('./range-worker.js', import.meta.url), { type: 'module', name: `scopekit-range-${k}` });
        workers.push(worker);
        worker.onerror = (e) => reject(new Error(e.message || 'a range worker failed'));
        worker.onmessage = ({ data }) => {
          try {
            if (data.type === 'read') {
              loaded += data.bytes;
              progress(Math.min(loaded, file.size), 1, false);
            } else if (data.type === 'part') {
              busy += data.busy;
              wall += data.wall;
              sums[data.index] = data.sum;
              while (merged < parts && sums[merged]) {
                plan.merge(merged, sums[merged]);
                sums[merged] = null;
                merged++;
              }
              if (merged === parts) resolve();
              else give(worker);
            } else if (data.type === 'error') {
              reject(new Error(data.message));
            }
          } catch (e) {
            reject(e);
          }
        };
        worker.postMessage({ type: 'init', module: compiled, file, head, options });
        give(worker);
      }
    });
    progress(file.size, 1, true);
    const ms = performance.now() - t0;
    return { doc: plan.report(), rangeWorkers: workers.length, rangeTimes: { ms, busy, wall } };
  } finally {
    for (const worker of workers) worker.terminate();
    plan.free();
  }
}

async function spectrum(file, o) {
  const ranged = await spectrumInRanges(file, o, rangeWorkerCount(o));
  if (ranged) return ranged;
  const s = new SpectrumSession(file.size, o.channel, o.window, o.nfft ?? undefined, o.overlap, o.average,
    o.scaling, o.harmonics, o.peaks, o.spectrogram, o.rate ?? undefined);
  try {
    await runPasses(file, s, 1);
    return { doc: s.report() };
  } finally {
    s.free();
  }
}

async function correlate(file, file2, o) {
  if ((await isArchive(file)) || (await isArchive(file2))) {
    throw new Error('streaming correlation reads npy, wav, csv, trc and raw files (convert archives first)');
  }
  const s = new CorrelateSession(file.size, o.channelA, file2.size, o.channelB, o.maxLag, o.precision || undefined);
  const inputs = [chunksOf(file), chunksOf(file2)];
  const read = [0, 0];
  const total = file.size + file2.size;
  const progress = progressFn(total, 1);
  try {
    for (let side = s.next(); side >= 0; side = s.next()) {
      const c = await inputs[side].take();
      if (c) {
        s.push(side, c.bytes);
        read[side] = c.end;
      } else {
        s.end(side);
      }
      progress(read[0] + read[1], 1, false);
    }
    progress(total, 1, true);
    const doc = s.finish();
    return { doc, curve: s.curve() };
  } finally {
    for (const input of inputs) input.close();
    s.free();
  }
}

async function filter(file, o) {
  const s = new FilterSession(file.size, o.channel, o.band, o.f1, o.f2 ?? 0, o.design, o.ripple ?? 1, o.order,
    o.movingAverage ?? undefined, o.decimate ?? undefined, o.sampleRate, o.first, o.count);
  try {
    await runPasses(file, s, 1, () => s.done());
    return {
      doc: s.design(),
      input: s.input(),
      output: s.output(),
      outputFirst: s.outputFirst(),
      response: s.response(o.frequencies),
    };
  } finally {
    s.free();
  }
}

self.onmessage = async (event) => {
  const { kind, file, file2, options } = event.data ?? {};
  try {
    await loadCore();
    let out;
    if (kind === 'measure') out = await measure(file, options);
    else if (kind === 'spectrum') out = await spectrum(file, options);
    else if (kind === 'histogram') out = await histogram(file, options);
    else if (kind === 'correlate') out = await correlate(file, file2 ?? file, options);
    else if (kind === 'filter') out = await filter(file, options);
    else throw new Error(`unknown analysis ${kind}`);
    const transfer = ['curve', 'input', 'output', 'response'].filter((k) => out[k]).map((k) => out[k].buffer);
    self.postMessage({ type: 'done', ...out }, transfer);
  } catch (e) {
    self.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
