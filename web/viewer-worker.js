// Module worker of the waveform viewer (viewer.js): builds the min/max pyramid of one File
// while it streams in (the core's `lod` module through LodSession), then answers queries.
//
// Page → worker (on the worker, or on `port` once given):
//   { type: 'open', file, port? }                   once, first. `port`: a MessagePort for the
//        rest of the conversation (the viewer's messages below go there)
//   { type: 'ingest', file, port, channel?, rate? } instead of 'open': read the file once
//        for both the pyramid and the statistics (worker.js's messages progress / info /
//        result / error, posted on the worker itself; the viewer's go to `port`)
// The file is read here (file-chunks.js: one BYOB reader, 4 MiB chunks, the next one being
// filled while this one is pushed into wasm); a separate reader worker that overlapped
// reading and the kernels stalled (docs/perf-page.md, Session 4).
//   { type: 'query', id, first, end, columns, channels: [c…] }
// Worker → page:
//   { type: 'info', info }                         the header, as soon as it is parsed
//   { type: 'progress', loaded, total, samples }   ≤ 2×/s while streaming (queries see the
//                                                  complete buckets so far)
//   { type: 'ready', channels, samples, buckets, ranges, memory, seconds }
//   { type: 'view', id, first, end, columns, lanes: [{ channel, cols, raw, rawFirst }] }
//        cols: Float64Array of 4 numbers per column (start, end, min, max: the exact min/max
//        of the whole pyramid buckets the column touches); raw (Float64Array, samples from
//        rawFirst) when the window holds at most RAW_PER_COLUMN samples per column
//        (KEPT_PER_COLUMN for small captures, whose samples the core keeps).
//   { type: 'error', message }
//
// Deep zoom: small captures keep their raw samples in the core (RAW_LIMIT); for large NPY,
// raw and WAV files the worker reads the window's byte range again with File.slice and the
// core decodes just those bytes. Other large formats show level-0 buckets at deep zoom.

import init, { IngestSession, LodSession, analyzeArchive } from './pkg/scopekit_wasm.js';
import { chunksOf, isArchive } from './file-chunks.js';
import { coreLoader, messageOf } from './worker-util.js';

/** Minimum interval between the statistics' progress messages to the page (its bar and text),
 * in ms. Every message is a style, layout and paint of the page. */
const PROGRESS_INTERVAL = 250;
/** Minimum interval between the viewer's progress messages while the file streams in, in ms
 * (the first goes with the first chunk): each one is a query of the growing pyramid and a
 * redraw of the overview. At 100 ms the page's main thread and compositor took ~0.3 CPU-s per
 * GiB more than at 500 (benches/browser/perf.mjs --threads-breakdown). */
const VIEW_INTERVAL = 500;
/** Minimum interval between turns given to the viewer's queries while the file streams in, in ms. */
const YIELD_INTERVAL = 100;
const MAX_ARCHIVE = 1024 * 1024 * 1024;
/** Samples per column up to which raw samples read again from the File are sent. */
const RAW_PER_COLUMN = 2;
/** Samples per column up to which raw samples kept in memory (small captures) are sent. */
const KEPT_PER_COLUMN = 64;

let session = null;
let file = null;
let done = false;
/** Where the viewer's messages go: this worker's page side, or the port it was given. */
let out = self;

const loadCore = coreLoader(init);

function samplesOf(s) {
  let n = 0;
  for (let c = 0; c < s.channels(); c += 1) n = Math.max(n, s.samples(c));
  return n;
}

/** Progress / info / result messages of the statistics (worker.js's protocol), when this
 * worker also runs them ('ingest'). */
function statsProgress(total) {
  let last = -Infinity;
  return (loaded, force) => {
    const now = performance.now();
    if (force || now - last >= PROGRESS_INTERVAL) {
      last = now;
      self.postMessage({ type: 'progress', loaded, total });
    }
  };
}

/**
 * Build the pyramid of `f`, read here; with `stats` ({ channel, rate }) the statistics too, from the
 * same read (IngestSession: each chunk copied once into wasm memory and parsed and decoded
 * once, its samples going to both the statistics and the pyramid), reported to the page on
 * `self` as worker.js does.
 */
async function build(f, { stats = null } = {}) {
  const started = performance.now();
  let statsSession = null;
  if (await isArchive(f)) {
    if (f.size > MAX_ARCHIVE) throw new Error(`zip capture of ${f.size} bytes is too large to view`);
    if (stats) self.postMessage({ type: 'progress', loaded: 0, total: f.size });
    const [bytes] = await Promise.all([f.arrayBuffer(), loadCore()]);
    const whole = new Uint8Array(bytes);
    if (stats) {
      const report = analyzeArchive(whole, stats.channel);
      self.postMessage({ type: 'info', info: report.info });
      self.postMessage({ type: 'progress', loaded: f.size, total: f.size });
      self.postMessage({ type: 'result', report });
    }
    session = LodSession.fromArchive(whole);
    out.postMessage({ type: 'info', info: session.info() });
  } else {
    const total = f.size;
    // Start reading while the wasm module compiles.
    const chunks = chunksOf(f);
    const first = chunks.next();
    first.catch(() => {});
    await loadCore();
    session = new LodSession(total);
    const progress = stats ? statsProgress(total) : null;
    progress?.(0, true);
    if (stats) statsSession = new IngestSession(total, stats.channel, stats.rate);
    let infoSent = false;
    let statsInfoSent = !stats;
    let last = -Infinity;
    let lastYield = -Infinity;
    let loaded = 0;
    try {
      for (let r = await first; !r.done; r = await chunks.next()) {
        // One reader for both (a VCD read at the statistics' `rate` is shown sampled).
        if (statsSession) statsSession.push(session, r.value);
        else session.push(r.value);
        loaded += r.value.byteLength;
        if (!statsInfoSent) {
          const info = statsSession.info();
          if (info !== undefined) {
            statsInfoSent = true;
            self.postMessage({ type: 'info', info });
          }
        }
        if (!infoSent) {
          const info = session.info();
          if (info !== undefined) {
            infoSent = true;
            out.postMessage({ type: 'info', info });
          }
        }
        progress?.(loaded, false);
        const now = performance.now();
        if (now - last >= VIEW_INTERVAL) {
          last = now;
          out.postMessage({ type: 'progress', loaded, total, samples: samplesOf(session) });
        }
        if (now - lastYield >= YIELD_INTERVAL) {
          lastYield = now;
          // Reads that landed already resume this loop as microtasks: give the viewer's
          // queries (tasks) a turn, so the overview draws (and zooms) while the file streams in.
          await new Promise((r) => { setTimeout(r, 0); });
        }
      }
      if (statsSession) {
        progress(total, true);
        const report = statsSession.finish(session); // the pyramid is complete too
        self.postMessage({ type: 'result', report });
      }
    } finally {
      statsSession?.free();
      chunks.return().catch(() => {});
    }
    session.finish();
    if (!infoSent) out.postMessage({ type: 'info', info: session.info() });
  }
  done = true;
  const channels = session.channels();
  const samples = samplesOf(session);
  const buckets = [];
  const ranges = [];
  for (let c = 0; c < channels; c += 1) {
    buckets.push(session.bucket(c));
    const col = session.columns(c, 0, samples, 1);
    ranges.push([col[2], col[3]]);
  }
  out.postMessage({
    type: 'ready', channels, samples, buckets, ranges, memory: session.memory(),
    seconds: (performance.now() - started) / 1000,
  });
}

/** Raw samples first..end of channel c, or null. */
async function rawWindow(c, first, end, columns) {
  const kept = end - first <= columns * KEPT_PER_COLUMN ? session.raw(c, first, end) : undefined;
  if (kept) return Float64Array.from(kept);
  if (!done || end - first > columns * RAW_PER_COLUMN) return null;
  const where = session.windowBytes(c, first, end);
  if (!where) return null;
  const [a, b, da, db] = where;
  const bytes = new Uint8Array(await file.slice(a, b).arrayBuffer());
  return session.readWindow(c, da, db, bytes);
}

async function query({ id, first, end, columns, channels }) {
  if (!session) return;
  const lanes = [];
  const transfer = [];
  const wantRaw = end - first <= columns * KEPT_PER_COLUMN;
  for (const c of channels) {
    const cols = session.columns(c, first, end, columns);
    let raw = null;
    if (wantRaw) {
      try {
        raw = await rawWindow(c, first, end, columns);
      } catch {
        raw = null;
      }
    }
    transfer.push(cols.buffer);
    if (raw) transfer.push(raw.buffer);
    lanes.push({ channel: c, cols, raw, rawFirst: first });
  }
  out.postMessage({ type: 'view', id, first, end, columns, lanes }, transfer);
}

async function handle(msg) {
  try {
    if (msg.type === 'open' || msg.type === 'ingest') {
      file = msg.file;
      if (msg.port) {
        out = msg.port;
        out.onmessage = (event) => handle(event.data ?? {});
      }
      const stats = msg.type === 'ingest' ? { channel: msg.channel ?? undefined, rate: msg.rate ?? undefined } : null;
      try {
        await build(file, { stats });
      } catch (e) {
        if (stats) self.postMessage({ type: 'error', message: messageOf(e) });
        throw e;
      }
    } else if (msg.type === 'query') {
      await query(msg);
    }
  } catch (e) {
    out.postMessage({ type: 'error', message: messageOf(e) });
  }
}

self.onmessage = (event) => handle(event.data ?? {});
