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
// The file is never held in memory as a whole: the header comes from a small first read, the
// rest from a BYOB reader of `file.stream()` into one reused CHUNK buffer (no per-read
// ArrayBuffer for the GC to catch up with), pushed strictly in order; progress messages at
// most every PROGRESS_INTERVAL ms. Measured with benches/browser/perf.mjs.
// Zip-based captures (sigrok sessions, npz) are the exception: their directory is at the
// end and they are compressed (a 1 MB session can hold 10^9 samples), so they are read whole
// (up to MAX_ARCHIVE) and inflated incrementally by the core.

import init, { Session, analyzeArchive } from './pkg/scopekit_wasm.js';

/** Bytes of the first read: small, so the header (and the first view) comes quickly. */
const FIRST_CHUNK = 1024 * 1024;
/** Bytes per read after the first (benches/browser/perf.mjs: 16 MiB × 4 in flight read
 * about twice as fast as 4 MiB × 3 in headless Chromium). */
const CHUNK = 16 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed (slices only). */
const IN_FLIGHT = 4;
/** How the file is read: 'stream' (BYOB reader, one reused buffer) or 'slices'. */
const READ = 'stream';
/** Minimum interval between progress messages, in ms. */
const PROGRESS_INTERVAL = 100;
/** Largest zip capture read in one piece (sigrok sessions compress ~1000:1). */
const MAX_ARCHIVE = 1024 * 1024 * 1024;

let ready = null;

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

function messageOf(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * The bytes of `file` in order, as Uint8Array views that stay valid only until the next one
 * is requested (they are pushed into wasm memory right away, which copies them once).
 *
 * A BYOB reader of `file.stream()` fills one reused CHUNK-sized buffer: no ArrayBuffer per
 * read for the garbage collector to catch up with, so the tab's memory stays flat however
 * large the file (benches/browser/perf.mjs). Where Blob streams are not byte streams, slices
 * are read with `file.slice().arrayBuffer()`, IN_FLIGHT reads ahead.
 */
async function* chunksOf(file) {
  let reader = null;
  if (READ === 'stream') {
    try {
      reader = file.stream().getReader({ mode: 'byob' });
    } catch {
      reader = null;
    }
  }
  if (reader) {
    let buffer = new ArrayBuffer(CHUNK);
    let size = FIRST_CHUNK;
    try {
      for (;;) {
        let filled = 0;
        let done = false;
        while (filled < size) {
          const r = await reader.read(new Uint8Array(buffer, filled, size - filled));
          if (r.value) buffer = r.value.buffer; // the view's buffer comes back transferred
          if (r.done) {
            done = true;
            break;
          }
          filled += r.value.byteLength;
        }
        if (filled > 0) yield new Uint8Array(buffer, 0, filled);
        if (done) return;
        size = CHUNK;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  // Queue of pending reads, oldest first; `next` is the offset of the next read to start.
  const total = file.size;
  const pending = [];
  let next = 0;
  const refill = () => {
    while (pending.length < IN_FLIGHT && next < total) {
      const start = next;
      const end = Math.min(start + (start === 0 ? FIRST_CHUNK : CHUNK), total);
      next = end;
      const read = file.slice(start, end).arrayBuffer();
      // Avoid an "unhandled rejection" for reads abandoned after an earlier error.
      read.catch(() => {});
      pending.push(read);
    }
  };
  refill();
  while (pending.length > 0) {
    const buffer = await pending.shift();
    refill(); // start the next read before the caller's (synchronous) push
    yield new Uint8Array(buffer);
  }
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

  // Start reading while the wasm module compiles.
  const chunks = chunksOf(file);
  const first = chunks.next();
  first.catch(() => {});
  await loadCore();
  const session = new Session(total, channel, rate);
  try {
    let infoSent = false;
    let loaded = 0;
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
      progress(loaded, false);
    }
    progress(total, true);

    const report = session.finish();
    return report;
  } finally {
    session.free();
    chunks.return().catch(() => {});
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
