// Module worker: streams one File through the wasm core and reports back.
//
// Protocol (page → worker): one message `{ file: File|Blob, channel?: number, rate?: number,
// relay?: MessagePort }` (`rate`: samples per second at which a VCD's value changes are
// sampled; `relay`: each chunk read, once pushed, is transferred there — the waveform
// viewer's worker builds its pyramid from them, so the page reads the file once; see
// viewer-worker.js 'feed' for the messages and the acknowledgements that bound the chunks in
// flight).
// Worker → page messages:
//   { type: 'progress', loaded, total }   at most ~10×/s, plus a final one at 100 %
//   { type: 'info', info }                 once, as soon as the header is parsed
//   { type: 'result', report }             the `scopekit stats --json` document
//   { type: 'error', message }             the core's message (names the byte offset)
//
// The file is never held in memory as a whole: the header comes from a small first read, the
// rest from a BYOB reader of `file.stream()` into reused CHUNK buffers (file-chunks.js: no
// per-read ArrayBuffer for the GC to catch up with; the relay hands the buffers back), pushed
// strictly in order; progress messages at most every PROGRESS_INTERVAL ms.
// Measured with benches/browser/perf.mjs.
// Zip-based captures (sigrok sessions, npz) are the exception: their directory is at the
// end and they are compressed (a 1 MB session can hold 10^9 samples), so they are read whole
// (up to MAX_ARCHIVE) and inflated incrementally by the core.

import init, { Session, analyzeArchive } from './pkg/scopekit_wasm.js';
import { chunksOf, isArchive } from './file-chunks.js';

/** Minimum interval between progress messages, in ms. */
const PROGRESS_INTERVAL = 100;
/** Largest zip capture read in one piece (sigrok sessions compress ~1000:1). */
const MAX_ARCHIVE = 1024 * 1024 * 1024;
/** Chunks handed to the relay and not yet acknowledged, at most. */
const RELAY_AHEAD = 2;

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

/** The sending side of a relay port: `send(bytes)` transfers a chunk's buffer and waits
 * while RELAY_AHEAD chunks are unacknowledged; acknowledgements bring the buffers back, into
 * `pool` for the reader to reuse. */
function relayTo(port) {
  let unacked = 0;
  let wake = null;
  const pool = [];
  port.onmessage = ({ data }) => {
    if (data instanceof ArrayBuffer) pool.push(data);
    unacked -= 1;
    wake?.();
    wake = null;
  };
  return {
    pool,
    async send(bytes) {
      while (unacked >= RELAY_AHEAD) await new Promise((r) => { wake = r; });
      unacked += 1;
      port.postMessage({ type: 'chunk', bytes }, [bytes.buffer]);
    },
    end(message) {
      port.postMessage(message === undefined ? { type: 'end' } : { type: 'error', message });
    },
  };
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

async function analyze(file, channel, rate, relay) {
  if (await isArchive(file)) {
    relay?.end('zip captures are not relayed');
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
  const chunks = chunksOf(file, { pool: relay?.pool });
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
      if (relay) await relay.send(r.value); // transferred: nothing copied
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
    relay?.end();

    const report = session.finish();
    return report;
  } finally {
    session.free();
    chunks.return().catch(() => {});
  }
}

self.onmessage = async (event) => {
  const { file, channel, rate, relay: port } = event.data ?? {};
  const relay = port ? relayTo(port) : null;
  try {
    const report = await analyze(file, channel ?? undefined, rate ?? undefined, relay);
    self.postMessage({ type: 'result', report });
  } catch (e) {
    relay?.end(messageOf(e));
    self.postMessage({ type: 'error', message: messageOf(e) });
  }
};
