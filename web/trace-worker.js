// Module worker: streams one or two profiler traces through the wasm core (TraceSession).
//
// Protocol (page → worker):
//   { type: 'summary', file }                    summarise one trace
//   { type: 'compare', files: [a, b], threshold } summarise both (A first), then compare
//   { type: 'threshold', threshold }             compare the kept summaries again
// Worker → page:
//   { type: 'progress', index, loaded, total }   index: which file; at most ~10×/s per file
//   { type: 'summary', summary }                 the `scopekit trace summary --json` document
//   { type: 'diff', diff }                       the `diff` of `scopekit trace compare --json`
//   { type: 'error', index, message }            the core's message (names the byte offset);
//                                                index is null when no file is at fault
//
// A trace is never held in memory as a whole: it is read as the statistics are
// (file-chunks.js: a BYOB reader into reused buffers, one filled ahead, so no read leaves an
// ArrayBuffer for the garbage collector) and pushed strictly in order (gzip is recognised and
// inflated by the core). Slice reads with 3 in flight put the renderers of a 1 GB trace at
// 460–513 MiB Pss. After a comparison the two finished sessions are kept, so a new threshold
// costs no re-read.

import init, { TraceSession, compareSummaries } from './pkg/scopekit_wasm.js';
import { chunkReader } from './file-chunks.js';
import { coreLoader, messageOf } from './worker-util.js';

/** Minimum interval between progress messages, in ms. */
const PROGRESS_INTERVAL = 100;

/** The finished sessions of the last comparison. */
let kept = null;

const loadCore = coreLoader(init);

/** Tags an error with the index of the file it came from. */
class FileError extends Error {
  constructor(index, message) {
    super(message);
    this.index = index;
  }
}

/** Stream `file` into a new TraceSession and finish it; returns [session, summary]. */
async function summarize(file, index) {
  const total = file.size;
  let lastProgress = -Infinity;
  const progress = (loaded, force) => {
    const now = performance.now();
    if (force || now - lastProgress >= PROGRESS_INTERVAL) {
      lastProgress = now;
      self.postMessage({ type: 'progress', index, loaded, total });
    }
  };
  progress(0, true);

  // Reading starts while the wasm module loads.
  const chunks = chunkReader(file);
  const first = chunks.take();
  first.catch(() => {});
  try {
    await loadCore();
  } catch (e) {
    chunks.close();
    throw e;
  }
  const session = new TraceSession();
  try {
    for (let c = await first; c; c = await chunks.take()) {
      session.push(c.bytes);
      progress(c.end, false);
    }
    progress(total, true);
    const summary = session.finish();
    return [session, summary];
  } catch (e) {
    session.free();
    throw new FileError(index, messageOf(e));
  } finally {
    chunks.close();
  }
}

function forget() {
  if (kept) for (const s of kept) s.free();
  kept = null;
}

async function handle(data) {
  switch (data?.type) {
    case 'summary': {
      forget();
      const [session, summary] = await summarize(data.file, 0);
      session.free();
      self.postMessage({ type: 'summary', summary });
      break;
    }
    case 'compare': {
      forget();
      const [a] = await summarize(data.files[0], 0);
      let b;
      try {
        [b] = await summarize(data.files[1], 1);
      } catch (e) {
        a.free();
        throw e;
      }
      kept = [a, b];
      self.postMessage({ type: 'diff', diff: compareSummaries(a, b, data.threshold) });
      break;
    }
    case 'threshold':
      if (!kept) throw new Error('no comparison to update');
      self.postMessage({ type: 'diff', diff: compareSummaries(kept[0], kept[1], data.threshold) });
      break;
    default:
      throw new Error(`unknown request ${JSON.stringify(data?.type)}`);
  }
}

// Requests are handled one at a time, in order.
let queue = Promise.resolve();
self.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((e) => {
    self.postMessage({ type: 'error', index: e instanceof FileError ? e.index : null, message: messageOf(e) });
  });
};
