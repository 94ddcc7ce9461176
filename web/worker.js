// Module worker: streams one File through the wasm core and reports back.
//
// Protocol (page → worker): one message `{ file: File|Blob, channel?: number, rate?: number }`
// (`rate`: samples per second at which a VCD's value changes are sampled). Used by
// analyzeFile() (scopekit.js, embed.js); the page itself reads once for the statistics and
// the viewer (app.js, viewer-worker.js 'ingest').
// Worker → page messages:
//   { type: 'progress', loaded, total }   at most ~10×/s, plus a final one at 100 %
//   { type: 'info', info }                 once, as soon as the header is parsed
//   { type: 'result', report }             the `scopekit stats --json` document
//   { type: 'error', message }             the core's message (names the byte offset)
//
// The file is never held in memory as a whole: the header comes from a small first read, the
// rest from a BYOB reader of `file.stream()` into a reused CHUNK buffer (file-chunks.js: no
// per-read ArrayBuffer for the GC to catch up with), pushed
// strictly in order; progress messages at most every PROGRESS_INTERVAL ms.
// Measured with benches/browser/perf.mjs.
// Zip-based captures (sigrok sessions, npz) are the exception: their directory is at the
// end and they are compressed (a 1 MB session can hold 10^9 samples), so they are read whole
// (up to MAX_ARCHIVE) and inflated incrementally by the core.

import init, { Session, analyzeArchive } from './pkg/scopekit_wasm.js';
import { chunksOf, isArchive } from './file-chunks.js';
import { coreLoader, messageOf } from './worker-util.js';

/** Minimum interval between progress messages, in ms. */
const PROGRESS_INTERVAL = 100;
/** Largest zip capture read in one piece (sigrok sessions compress ~1000:1). */
const MAX_ARCHIVE = 1024 * 1024 * 1024;

const loadCore = coreLoader(init);

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
  if (await isArchive(file)) {
    return analyzeWhole(file, channel);
  }
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
