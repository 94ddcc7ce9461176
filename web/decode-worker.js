// Module worker: decodes one File with a protocol decoder in the wasm core.
//
// Protocol (page → worker): one message
//   { file: File|Blob, config, wires, rate, levels, parallelParts? }
// with `config` the CLI's JSON decoder configuration ({protocol: 'uart', baudrate: 9600, ...}),
// `wires` the roles wired to channels ([{role: 'rx', channel: 0, name: 'RX'}]), `rate` the
// sample rate (the header's or the user's; also samples a VCD) and `levels` the threshold of
// analog channels ({threshold: number|null, hysteresis: number|null}); `parallelParts`
// (threaded build only) chooses the parallel path for captures that split into parts
// (default PARALLEL_BY_DEFAULT).
//
// Worker → page messages:
//   { type: 'progress', loaded, total, frames }  at most ~10×/s, plus a final one at 100 %
//   { type: 'frames', count, starts, ends, text, offsets }
//        a batch of frames, in decoding order: `starts`/`ends` (Float64Array) are the frames'
//        sample spans, `text` (Uint8Array) their JSON objects back to back (UTF-8), frame i
//        being text[offsets[i] .. offsets[i + 1]] (Uint32Array, count + 1 entries). All four
//        buffers are transferred. Batches hold up to BATCH frames or PROGRESS_INTERVAL ms.
//   { type: 'done', samples, stats, wasm, threads, parallel }
//        the tail of `scopekit decode --json`; `wasm` names the build that ran it
//        ('wasm: 2 threads' / 'wasm: single-threaded', see wasm-loader.js), `threads` its
//        worker threads, `parallel` whether parts were thresholded in parallel
//   { type: 'error', message }                   the core's message (names the byte offset)
//
// The file is read in CHUNK-sized slices with a few reads in flight, as worker.js does; zip
// captures (sigrok sessions, npz) are read whole and decoded in one call. With the threaded
// build (wasm-loader.js) an analog capture that splits into parts (NPY, WAV) is read a batch
// of parts at a time and the parts are thresholded in parallel (ParallelDecode): the same
// frames as the serial session.

import { loadWasm } from './wasm-loader.js';
import { chunkReader, isArchive } from './file-chunks.js';

/** Bytes per read. */
const CHUNK = 4 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed. */
const IN_FLIGHT = 3;
/** Minimum interval between progress messages (and the longest a frame batch waits), in ms. */
const PROGRESS_INTERVAL = 100;
/** Most frames in one 'frames' message. */
const BATCH = 65536;
/** Largest zip capture read in one piece (sigrok sessions compress ~1000:1). */
const MAX_ARCHIVE = 1024 * 1024 * 1024;

/** Bytes read to find the header before planning a parallel decode. */
const HEAD = 64 * 1024;
/** Parts (of ~8 MiB) pushed at once per worker thread by a parallel decode. */
const PARTS_PER_THREAD = 2;
/**
 * Whether the threaded build thresholds parts in parallel unless the message says
 * (`parallelParts`). Off: measured in Chromium on the 2-core machine (benches/browser/
 * threads.mjs), a float32 analog capture decodes no faster that way — reading the Blob, not
 * thresholding, bounds the page — so the serial session, which reads smaller chunks with
 * more in flight, stays the default.
 */
const PARALLEL_BY_DEFAULT = false;
/** Batches read ahead by a parallel decode. */
const BATCHES_AHEAD = 2;

/**
 * The wasm core: `{ wasm, threads, label }` (see wasm-loader.js). The threaded build only
 * when this decode thresholds parts in parallel: for the serial session it is slower than
 * the single-threaded build (atomics, shared memory: 707 vs 552 ms for a 10^7-sample 4-line
 * SPI capture, benches/browser/threads.mjs) and would start a pool for nothing. The first
 * call decides (the loader keeps one module per worker).
 */
function loadCore(parallel = false) {
  return loadWasm(parallel ? {} : { build: 'single' });
}

function messageOf(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}


/** Collects frames and posts them in batches of compact, transferable arrays. */
class Batcher {
  constructor() {
    this.encoder = new TextEncoder();
    this.total = 0;
    this.reset();
  }

  reset() {
    this.starts = [];
    this.ends = [];
    this.parts = [];
    this.since = performance.now();
  }

  add(frames) {
    for (const f of frames) {
      this.starts.push(f.start);
      this.ends.push(f.end);
      this.parts.push(JSON.stringify(f));
      if (this.parts.length >= BATCH) this.flush();
    }
    this.total += frames.length;
  }

  /** Post when the batch is full or old enough (`force`: whatever is pending). */
  maybeFlush(force) {
    if (this.parts.length > 0 && (force || performance.now() - this.since >= PROGRESS_INTERVAL)) this.flush();
  }

  flush() {
    const count = this.parts.length;
    if (count === 0) return;
    const offsets = new Uint32Array(count + 1);
    let length = 0;
    for (let i = 0; i < count; i += 1) {
      offsets[i] = length;
      length += this.parts[i].length; // JSON.stringify output of numbers/ASCII: 1 byte/char
    }
    offsets[count] = length;
    let text = this.encoder.encode(this.parts.join(''));
    if (text.length !== length) {
      // Some frame holds non-ASCII text: measure each part in bytes.
      const parts = this.parts.map((p) => this.encoder.encode(p));
      let at = 0;
      text = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      for (let i = 0; i < count; i += 1) {
        offsets[i] = at;
        text.set(parts[i], at);
        at += parts[i].length;
      }
      offsets[count] = at;
    }
    const starts = Float64Array.from(this.starts);
    const ends = Float64Array.from(this.ends);
    self.postMessage({ type: 'frames', count, starts, ends, text, offsets },
      [starts.buffer, ends.buffer, text.buffer, offsets.buffer]);
    this.reset();
  }
}

async function decodeWhole(file, settings, batcher) {
  if (file.size > MAX_ARCHIVE) {
    throw new Error(`zip capture of ${file.size} bytes: the page reads zip captures whole, up to ${MAX_ARCHIVE} bytes (use the CLI)`);
  }
  self.postMessage({ type: 'progress', loaded: 0, total: file.size, frames: 0 });
  const [bytes, { wasm }] = await Promise.all([file.arrayBuffer(), loadCore()]);
  const { config, wires, rate, levels } = settings;
  const out = wasm.decodeArchive(new Uint8Array(bytes), config, wires, rate ?? undefined, levels);
  batcher.add(out.frames);
  batcher.maybeFlush(true);
  self.postMessage({ type: 'progress', loaded: file.size, total: file.size, frames: batcher.total });
  return { samples: out.samples, stats: out.stats };
}

async function decodeStream(file, settings, batcher) {
  const total = file.size;
  let lastProgress = -Infinity;
  const progress = (loaded, force) => {
    const now = performance.now();
    if (force || now - lastProgress >= PROGRESS_INTERVAL) {
      lastProgress = now;
      self.postMessage({ type: 'progress', loaded, total, frames: batcher.total });
    }
  };
  progress(0, true);

  // Reads start now, while the wasm module loads (file-chunks.js: slices, reads in flight).
  const chunks = chunkReader(file, { read: 'slices', first: CHUNK, chunk: CHUNK, inFlight: IN_FLIGHT });
  const firstChunk = chunks.take();
  firstChunk.catch(() => {});
  let session = null;
  try {
    const { wasm } = await loadCore();
    const { config, wires, rate, levels } = settings;
    session = new wasm.DecodeSession(total, config, wires, rate ?? undefined, levels);
    for (let c = await firstChunk; c; c = await chunks.take()) {
      batcher.add(session.push(c.bytes));
      batcher.maybeFlush(false);
      progress(c.end, false);
    }
    const out = session.finish();
    batcher.add(out.frames);
    batcher.maybeFlush(true);
    progress(total, true);
    return { samples: out.samples, stats: out.stats };
  } finally {
    session?.free();
  }
}

/**
 * Decode an analog capture whose data splits into parts, a batch of parts per push, the
 * parts of a batch thresholded on the thread pool. Returns null (nothing posted) when the
 * file does not split, for decodeStream to take it.
 */
async function decodeParallel(file, settings, batcher, wasm, threads) {
  const total = file.size;
  const { config, wires, rate, levels } = settings;
  const head = new Uint8Array(await file.slice(0, Math.min(HEAD, total)).arrayBuffer());
  let session;
  try {
    session = new wasm.ParallelDecode(head, total, config, wires, rate ?? undefined, levels);
  } catch {
    return null; // the serial session reports the error with its byte offset
  }
  try {
    if (!session.parallel()) return null;
    const bounds = session.partBounds();
    const parts = bounds.length / 2;
    const perBatch = Math.max(2, threads * PARTS_PER_THREAD);
    const batches = [];
    for (let i = 0; i < parts; i += perBatch) {
      const last = Math.min(i + perBatch, parts) - 1;
      batches.push([bounds[2 * i], bounds[2 * last + 1]]);
    }
    let lastProgress = -Infinity;
    const progress = (loaded, force) => {
      const now = performance.now();
      if (force || now - lastProgress >= PROGRESS_INTERVAL) {
        lastProgress = now;
        self.postMessage({ type: 'progress', loaded, total, frames: batcher.total });
      }
    };
    progress(0, true);
    const read = (k) => {
      const p = file.slice(batches[k][0], batches[k][1]).arrayBuffer();
      p.catch(() => {});
      return p;
    };
    // Batch reads kept in flight ahead of the one being decoded.
    const ahead = [];
    let queued = 0;
    const fill = () => {
      while (ahead.length < BATCHES_AHEAD && queued < batches.length) ahead.push(read(queued++));
    };
    fill();
    for (let k = 0; k < batches.length; k += 1) {
      const buffer = await ahead.shift();
      fill();
      batcher.add(session.pushParts(new Uint8Array(buffer)));
      batcher.maybeFlush(false);
      progress(batches[k][1], false);
    }
    const out = session.finish();
    batcher.add(out.frames);
    batcher.maybeFlush(true);
    progress(total, true);
    return { samples: out.samples, stats: out.stats };
  } finally {
    session?.free();
  }
}

self.onmessage = async (event) => {
  const { file, config, wires, rate, levels, parallelParts } = event.data ?? {};
  const batcher = new Batcher();
  try {
    const settings = { config, wires, rate, levels };
    const core = await loadCore(parallelParts ?? PARALLEL_BY_DEFAULT);
    let tail = null;
    let parallel = false;
    if (await isArchive(file)) {
      tail = await decodeWhole(file, settings, batcher);
    } else {
      if (core.threads > 1 && (parallelParts ?? PARALLEL_BY_DEFAULT)) {
        tail = await decodeParallel(file, settings, batcher, core.wasm, core.threads);
      }
      parallel = tail !== null;
      if (!tail) tail = await decodeStream(file, settings, batcher);
    }
    self.postMessage({
      type: 'done', samples: tail.samples, stats: tail.stats, wasm: core.label, threads: core.threads, parallel,
    });
  } catch (e) {
    self.postMessage({ type: 'error', message: messageOf(e) });
  }
};
