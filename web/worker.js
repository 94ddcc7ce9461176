// Module worker: streams one File through the wasm core and reports back.
//
// Protocol (page → worker): one message `{ file: File|Blob, channel?: number, rate?: number }`
// (`rate`: samples per second at which a VCD's value changes are sampled).
// Worker → page messages:
//   { type: 'progress', loaded, total }   at most ~10×/s, plus a final one at 100 %
//   { type: 'info', info }                 once, as soon as the header is parsed
//   { type: 'result', report }             the `scopekit stats --json` document
//   { type: 'error', message }             the core's message (names the byte offset)
//
// The file is never held in memory as a whole: it is read in CHUNK-sized slices with a few
// reads in flight (Blob reads are the bottleneck, not the core), and pushed strictly in order.
// Zip-based captures (sigrok sessions, npz) are the exception: their directory is at the
// end and they are compressed (a 1 MB session can hold 10^9 samples), so they are read whole
// (up to MAX_ARCHIVE) and inflated incrementally by the core.

import init, { Session, analyzeArchive } from './pkg/scopekit_wasm.js';

/** Bytes per read. */
const CHUNK = 4 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed. */
const IN_FLIGHT = 3;
/** Minimum interval between progress messages, in ms. */
const PROGRESS_INTERVAL = 100;
/** Largest zip capture read in one piece (sigrok sessions compress ~1000:1). */
const MAX_ARCHIVE = 1024 * 1024 * 1024;

let ready = null;

function loadCore() {
  if (!ready) ready = init({ module_or_path: new URL('./pkg/scopekit_wasm_bg.wasm', import.meta.url) });
  return ready;
}

function messageOf(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Zip-based captures (sigrok .sr, .npz) keep their directory at the end: read whole. */
async function isArchive(file) {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
}

async function analyzeWhole(file, channel) {
  if (file.size > MAX_ARCHIVE) {
    throw new Error(`zip capture of ${file.size} bytes: the page reads zip captures whole, up to ${MAX_ARCHIVE} bytes (use the CLI)`);
  }
  self.postMessage({ type: 'progress', loaded: 0, total: file.size });
  const [bytes] = await Promise.all([file.arrayBuffer(), loadCore()]);
  const report = analyzeArchive(new Uint8Array(bytes), channel);
  self.postMessage({ type: 'info', info: report.info });
  self.postMessage({ type: 'progress', loaded: file.size, total: file.size });
  return report;
}

async function analyze(file, channel, rate) {
  if (await isArchive(file)) return analyzeWhole(file, channel);
  const total = file.size;
  let lastProgress = -Infinity;
  const progress = (loaded, force) => {
    const now = performance.now();
    if (force || now - lastProgress >= PROGRESS_INTERVAL) {
      lastProgress = now;
      self.postMessage({ type: 'progress', loaded, total });
    }
  };
  progress(0, true);

  // Queue of pending reads, oldest first; `next` is the offset of the next read to start.
  const pending = [];
  let next = 0;
  const refill = () => {
    while (pending.length < IN_FLIGHT && next < total) {
      const start = next;
      const end = Math.min(start + CHUNK, total);
      next = end;
      const read = file.slice(start, end).arrayBuffer();
      // Avoid an "unhandled rejection" for reads abandoned after an earlier error.
      read.catch(() => {});
      pending.push({ end, read });
    }
  };

  // Start the first reads while the wasm module compiles.
  refill();
  await loadCore();
  const session = new Session(total, channel, rate);
  try {
    let infoSent = false;
    while (pending.length > 0) {
      const { end, read } = pending.shift();
      const buffer = await read;
      refill(); // start the next read before the (synchronous) push
      session.push(new Uint8Array(buffer));
      if (!infoSent) {
        const info = session.info();
        if (info !== undefined) {
          infoSent = true;
          self.postMessage({ type: 'info', info });
        }
      }
      progress(end, false);
    }
    progress(total, true);

    const report = session.finish();
    return report;
  } finally {
    session.free();
  }
}

self.onmessage = async (event) => {
  const { file, channel, rate } = event.data ?? {};
  try {
    const report = await analyze(file, channel ?? undefined, rate ?? undefined);
    self.postMessage({ type: 'result', report });
  } catch (e) {
    self.postMessage({ type: 'error', message: messageOf(e) });
  }
};
