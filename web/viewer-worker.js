// Module worker of the waveform viewer (viewer.js): builds the min/max pyramid of one File
// while it streams in (the core's `lod` module through LodSession), then answers queries.
//
// Page → worker:
//   { type: 'open', file }                         once, first
//   { type: 'query', id, first, end, columns, channels: [c…] }
// Worker → page:
//   { type: 'info', info }                         the header, as soon as it is parsed
//   { type: 'progress', loaded, total, samples }   ≤ ~10×/s while streaming (queries see the
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

import init, { LodSession } from './pkg/scopekit_wasm.js';
import { chunksOf, isArchive } from './file-chunks.js';

const PROGRESS_INTERVAL = 100;
const MAX_ARCHIVE = 1024 * 1024 * 1024;
/** Samples per column up to which raw samples read again from the File are sent. */
const RAW_PER_COLUMN = 2;
/** Samples per column up to which raw samples kept in memory (small captures) are sent. */
const KEPT_PER_COLUMN = 64;

let ready = null;
let session = null;
let file = null;
let done = false;

function loadCore() {
  if (!ready) {
    ready = init({ module_or_path: new URL('./pkg/scopekit_wasm_bg.wasm', import.meta.url) })
      .then((wasm) => {
        // For benches/browser/perf.mjs (playwright's worker.evaluate): wasm memory in bytes.
        self.__scopekitWasmBytes = () => wasm.memory.buffer.byteLength;
        return wasm;
      });
  }
  return ready;
}

const messageOf = (e) => (e instanceof Error ? e.message : String(e));


function samplesOf(s) {
  let n = 0;
  for (let c = 0; c < s.channels(); c += 1) n = Math.max(n, s.samples(c));
  return n;
}

async function build(f) {
  const started = performance.now();
  if (await isArchive(f)) {
    if (f.size > MAX_ARCHIVE) throw new Error(`zip capture of ${f.size} bytes is too large to view`);
    const [bytes] = await Promise.all([f.arrayBuffer(), loadCore()]);
    session = LodSession.fromArchive(new Uint8Array(bytes));
    self.postMessage({ type: 'info', info: session.info() });
  } else {
    const total = f.size;
    // Start reading while the wasm module compiles.
    const chunks = chunksOf(f);
    const first = chunks.next();
    first.catch(() => {});
    await loadCore();
    session = new LodSession(total);
    let infoSent = false;
    let last = -Infinity;
    let loaded = 0;
    try {
      for (let r = await first; !r.done; r = await chunks.next()) {
        session.push(r.value); // copied once into wasm memory
        loaded += r.value.byteLength;
        if (!infoSent) {
          const info = session.info();
          if (info !== undefined) {
            infoSent = true;
            self.postMessage({ type: 'info', info });
          }
        }
        const now = performance.now();
        if (now - last >= PROGRESS_INTERVAL) {
          last = now;
          self.postMessage({ type: 'progress', loaded, total, samples: samplesOf(session) });
        }
      }
    } finally {
      chunks.return().catch(() => {});
    }
    session.finish();
    if (!infoSent) self.postMessage({ type: 'info', info: session.info() });
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
  self.postMessage({
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
  self.postMessage({ type: 'view', id, first, end, columns, lanes }, transfer);
}

self.onmessage = async (event) => {
  const msg = event.data ?? {};
  try {
    if (msg.type === 'open') {
      file = msg.file;
      await build(file);
    } else if (msg.type === 'query') {
      await query(msg);
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: messageOf(e) });
  }
};
