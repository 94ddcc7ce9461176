// Range worker of the analog worker's spectrum (web/analog-worker.js): reads parts of a
// dropped File, each ONLY its own byte range (plus the overlap its last Welch segments need),
// with file.slice() reads a few in flight, through a core Welch part (SpectrumRangePart in
// wasm/src/ranges.rs), and posts back each part's partial sum.
//
// Protocol (analog worker → range worker):
//   { type: 'init', module, file, head, options }   module: the compiled WebAssembly.Module;
//        head: the file's first bytes (the plan is made from them, as the analog worker's);
//        options: { channel, window, nfft|null, overlap, spectrogram, precision|null }
//   { type: 'part', index, start, end }             read bytes start..end, sum part `index`
// Range worker → analog worker:
//   { type: 'read', bytes }                         bytes read since the last one (progress)
//   { type: 'part', index, sum, busy, wall }        sum: Float64Array (transferred); busy: ms in
//        wasm, wall: ms from the part's start to its end (the rest waited on reads)
//   { type: 'error', message }                      the core's message (names the byte offset)

import init, { SpectrumRangePart } from './pkg/scopekit_wasm.js';
import { chunksOf } from './file-chunks.js';

/** Bytes per read. */
const CHUNK = 4 * 1024 * 1024;
/** Reads in flight per range worker (slices; several workers read at once). */
const IN_FLIGHT = 2;

let job = null;

async function runPart({ index, start, end }) {
  const { file, head, options: o } = job;
  const part = new SpectrumRangePart(file.size, head, o, index);
  const t0 = performance.now();
  let busy = 0;
  try {
    const read = { read: 'slices', start, end, first: CHUNK, chunk: CHUNK, inFlight: IN_FLIGHT };
    for await (const bytes of chunksOf(file, read)) {
      const t = performance.now();
      part.push(bytes);
      busy += performance.now() - t;
      self.postMessage({ type: 'read', bytes: bytes.byteLength });
    }
    const t = performance.now();
    const sum = part.finish();
    busy += performance.now() - t;
    self.postMessage({ type: 'part', index, sum, busy, wall: performance.now() - t0 }, [sum.buffer]);
  } finally {
    part.free();
  }
}

async function handle(msg) {
  try {
    if (msg.type === 'init') {
      await init({ module_or_path: msg.module });
      job = msg;
    } else if (msg.type === 'part') {
      await runPart(msg);
    }
  } catch (e) {
    self.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

// One message at a time, in order (the 'init' compiles before the first part runs).
let queue = Promise.resolve();
self.onmessage = (event) => {
  const msg = event.data ?? {};
  queue = queue.then(() => handle(msg));
};
