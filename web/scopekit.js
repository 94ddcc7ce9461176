// scopekit's embeddable browser API.
//
//   import { analyzeFile } from './scopekit.js';
//   const report = await analyzeFile(file, {
//     channel: 1,                               // optional: analyse one channel only
//     onProgress: ({ loaded, total }) => { },   // optional, at most ~10×/s
//     onInfo: (info) => { },                    // optional, once the header is parsed
//     signal: controller.signal,                // optional AbortSignal
//   });
//
// The analysis runs in a module worker (`worker.js`, next to this file) that streams the
// File in chunks, so the page never holds the whole file in memory. The resolved report is
// the same document `scopekit stats FILE --json` prints. On bad input the promise rejects
// with an Error whose message is the core's (it names the byte offset).

/** Call a caller's callback; its errors are reported (thrown on a timer), never break the run. */
function callSafely(callback, value) {
  if (typeof callback !== 'function') return;
  try {
    callback(value);
  } catch (e) {
    setTimeout(() => { throw e; });
  }
}

/**
 * Run one request in `worker` and settle with it: posts `message`, passes each message's data
 * to `onData(data, resolve)`, and terminates the worker once the promise settles (by onData,
 * an `{ type: 'error', message }` from the worker, an abort of `signal`, a worker that fails to
 * load, or a message that cannot be read).
 * `what` names the run in the abort message ('analysis'), `name` the worker in errors.
 */
function runWorker(worker, { message, signal, what, name }, onData) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      worker.terminate();
      signal?.removeEventListener('abort', onAbort);
      fn(value);
    };
    const onAbort = () => {
      settle(reject, signal.reason ?? new DOMException(`The ${what} was aborted.`, 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = ({ data }) => {
      if (settled) return;
      if (data?.type === 'error') settle(reject, new Error(data.message));
      else onData(data, (v) => settle(resolve, v));
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      settle(reject, new Error(`${name} failed${event.message ? `: ${event.message}` : ' to load (is pkg/ built and served?)'}`));
    };
    worker.onmessageerror = () => settle(reject, new Error(`${name} sent a message that could not be read`));
    worker.postMessage(message);
  });
}

/**
 * Analyse one capture file (`File` or `Blob`) and resolve to its statistics report.
 *
 * @param {Blob} file
 * @param {{
 *   channel?: number,
 *   rate?: number,            // samples per second at which a VCD's value changes are sampled
 *   onProgress?: (p: { loaded: number, total: number }) => void,
 *   onInfo?: (info: object) => void,
 *   signal?: AbortSignal,
 * }} [options]
 * @returns {Promise<object>}
 */
export async function analyzeFile(file, { channel, rate, onProgress, onInfo, signal } = {}) {
  if (!(file instanceof Blob)) {
    throw new TypeError('analyzeFile: expected a File or Blob');
  }
  if (channel !== undefined && channel !== null &&
      !(Number.isInteger(channel) && channel >= 0 && channel < 0xffffffff)) {
    throw new RangeError(`analyzeFile: channel must be a non-negative integer, got ${channel}`);
  }
  signal?.throwIfAborted();

  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'scopekit' });
  const message = { file, channel: channel ?? undefined, rate: rate ?? undefined };
  return runWorker(worker, { message, signal, what: 'analysis', name: 'scopekit worker' }, (data, resolve) => {
    if (data?.type === 'progress') callSafely(onProgress, { loaded: data.loaded, total: data.total });
    else if (data?.type === 'info') callSafely(onInfo, data.info);
    else if (data?.type === 'result') resolve(data.report);
  });
}

// ---------------------------------------------------------------- protocol decoding
//
//   import { decodeFile } from './scopekit.js';
//   const doc = await decodeFile(file, {
//     config: { protocol: 'uart', baudrate: 9600 },   // sigrok option names; defaults filled in
//     wires: [{ role: 'rx', channel: 0, name: 'RX' }],
//     rate: 1e6,                                     // the header's sample rate, or the user's
//     levels: { threshold: null, hysteresis: null }, // analog channels: null = automatic
//   });
//   // doc: the `scopekit decode ... --json` document {protocol, sample_rate, roles, config,
//   //      frames, samples, stats}
//
// With `onFrames`, frames are not collected: each batch goes to the callback as
// { count, starts, ends, text, offsets } (see decode-worker.js; frameAt() reads one frame) and
// the document has `frames_count` instead of `frames`.

/** The core's defaults of each protocol's options (what it uses for an option left out). */
export const DECODER_DEFAULTS = Object.freeze({
  uart: Object.freeze({
    baudrate: 115200, auto_baud: false, auto_baud_edges: 256, data_bits: 8, parity: 'none',
    stop_bits: 1, bit_order: 'lsb-first', invert_rx: false, invert_tx: false,
  }),
  spi: Object.freeze({ cs_polarity: 'active-low', cpol: 0, cpha: 0, bitorder: 'msb-first', wordsize: 8 }),
  i2c: Object.freeze({ address_format: 'shifted' }),
  can: Object.freeze({ nominal_bitrate: 1000000, fast_bitrate: 2000000, sample_point: 70 }),
});

/** sigrok's role names of each protocol, in the decoder's line order. */
export const DECODER_ROLES = Object.freeze({
  uart: Object.freeze(['rx', 'tx']),
  spi: Object.freeze(['clk', 'miso', 'mosi', 'cs']),
  i2c: Object.freeze(['scl', 'sda']),
  can: Object.freeze(['can_rx']),
});

/** The frame fields of each protocol's table or CSV, after start, end and time. */
export const DECODER_COLUMNS = Object.freeze({
  uart: Object.freeze(['channel', 'value', 'frame_start', 'errors']),
  spi: Object.freeze(['transfer', 'mosi', 'miso', 'errors']),
  i2c: Object.freeze(['event', 'value', 'rw', 'transaction', 'errors']),
  can: Object.freeze(['id', 'extended', 'rtr', 'fd', 'brs', 'dlc', 'data', 'crc', 'crc_ok', 'ack', 'errors']),
});

const frameDecoder = new TextDecoder();

/**
 * Frame `i` of a batch delivered to `onFrames`, as the CLI prints it (with `time` in seconds
 * when `rate` is known).
 */
export function frameAt(batch, i, rate) {
  const frame = JSON.parse(frameDecoder.decode(batch.text.subarray(batch.offsets[i], batch.offsets[i + 1])));
  if (rate) frame.time = frame.start / rate;
  return frame;
}

/**
 * Decode one capture file (`File` or `Blob`) with a protocol decoder.
 *
 * @param {Blob} file
 * @param {{
 *   config: {protocol: 'uart'|'spi'|'i2c'|'can'} & object,
 *   wires: {role: string, channel: number, name?: string|null}[],
 *   rate?: number|null,
 *   levels?: {threshold: number|null, hysteresis: number|null},
 *   onProgress?: (p: { loaded: number, total: number, frames: number }) => void,
 *   onFrames?: (batch: object) => void,
 *   signal?: AbortSignal,
 * }} options
 * @returns {Promise<object>}
 */
export async function decodeFile(file, { config, wires, rate, levels, onProgress, onFrames, signal } = {}) {
  if (!(file instanceof Blob)) throw new TypeError('decodeFile: expected a File or Blob');
  const protocol = config?.protocol;
  if (!Object.hasOwn(DECODER_DEFAULTS, protocol ?? '')) {
    throw new RangeError(`decodeFile: unknown protocol ${JSON.stringify(protocol)} (uart, spi, i2c, can)`);
  }
  if (!Array.isArray(wires) || wires.length === 0) {
    throw new RangeError('decodeFile: wire at least one channel');
  }
  const order = DECODER_ROLES[protocol];
  const roles = wires
    .map((w) => ({ role: w.role, channel: w.channel, name: w.name ?? null }))
    .sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  const fullConfig = { protocol, ...DECODER_DEFAULTS[protocol], ...config };
  const sampleRate = rate ?? null;
  const lv = { threshold: levels?.threshold ?? null, hysteresis: levels?.hysteresis ?? null };
  signal?.throwIfAborted();

  const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { type: 'module', name: 'scopekit-decode' });
  const collected = onFrames ? null : [];
  let count = 0;
  let realRate = sampleRate;

  const message = { file, config: fullConfig, wires: roles, rate: sampleRate ?? undefined, levels: lv };
  return runWorker(worker, { message, signal, what: 'decoding', name: 'scopekit decode worker' }, (data, resolve) => {
    if (data?.type === 'progress') {
      callSafely(onProgress, { loaded: data.loaded, total: data.total, frames: data.frames });
    } else if (data?.type === 'frames') {
      count += data.count;
      if (collected) {
        for (let i = 0; i < data.count; i += 1) collected.push(frameAt(data, i, null));
      } else {
        callSafely(onFrames, data);
      }
    } else if (data?.type === 'done') {
      const doc = { protocol, sample_rate: realRate, roles, config: fullConfig };
      if (collected) {
        if (realRate) for (const f of collected) f.time = f.start / realRate;
        doc.frames = collected;
      } else {
        doc.frames_count = count;
      }
      doc.samples = data.samples;
      doc.stats = data.stats;
      resolve(doc);
    }
  });
}

// ---------------------------------------------------------------- profiler traces
//
//   import { summarizeTrace, compareTraces } from './scopekit.js';
//   const summary = await summarizeTrace(file, { onProgress, signal });
//   // summary: the `scopekit trace summary FILE --json` document
//   const doc = await compareTraces(fileA, fileB, { threshold: 5, onProgress, signal });
//   // doc: the `scopekit trace compare A B --json` document {a, b, diff}
//   const doc2 = await doc.withThreshold(10);   // same traces, no re-read
//   doc.close();                                 // frees the worker (also on abort)
//
// Traces are Chrome trace-event JSON (the PyTorch profiler / Kineto format), plain or gzip,
// recognised by content. Both run in a module worker (`trace-worker.js`) that streams each
// File in chunks. onProgress receives { loaded, total, index } where loaded/total count the
// bytes of all files and index is the file being read (0 = A, 1 = B).

/** Start a trace worker; returns { request(message) → Promise, close() }. */
function traceWorker(sizes, onProgress, signal, what) {
  const worker = new Worker(new URL('./trace-worker.js', import.meta.url), { type: 'module', name: 'scopekit-trace' });
  const before = sizes.map((_, i) => sizes.slice(0, i).reduce((s, n) => s + n, 0));
  const total = sizes.reduce((s, n) => s + n, 0);
  let waiting = null; // { resolve, reject } of the request in progress
  let closed = false;
  const fail = (e) => {
    const w = waiting;
    waiting = null;
    w?.reject(e);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    worker.terminate();
    signal?.removeEventListener('abort', onAbort);
  };
  const onAbort = () => {
    fail(signal.reason ?? new DOMException(`The ${what} was aborted.`, 'AbortError'));
    close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  worker.onmessage = ({ data }) => {
    if (!waiting) return;
    switch (data?.type) {
      case 'progress':
        callSafely(onProgress, { loaded: before[data.index] + data.loaded, total, index: data.index });
        break;
      case 'summary':
      case 'diff': {
        const w = waiting;
        waiting = null;
        w.resolve(data[data.type]);
        break;
      }
      case 'error': {
        const e = new Error(data.message);
        e.fileIndex = data.index;
        fail(e);
        break;
      }
      default:
        break;
    }
  };
  worker.onerror = (event) => {
    event.preventDefault?.();
    fail(new Error(`scopekit trace worker failed${event.message ? `: ${event.message}` : ' to load (is pkg/ built and served?)'}`));
    close();
  };
  worker.onmessageerror = () => fail(new Error('scopekit trace worker sent a message that could not be read'));

  const request = (message) => {
    if (closed) return Promise.reject(new Error(`the ${what} is closed`));
    if (waiting) return Promise.reject(new Error(`the ${what} is busy`));
    return new Promise((resolve, reject) => {
      waiting = { resolve, reject };
      worker.postMessage(message);
    });
  };
  return { request, close };
}

function checkThreshold(threshold, fn) {
  if (!(typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0)) {
    throw new RangeError(`${fn}: threshold must be a percentage >= 0, got ${threshold}`);
  }
}

/**
 * Summarise one profiler trace (`File` or `Blob`, `.json` or `.json.gz`): resolves to the
 * `scopekit trace summary --json` document; rejects with the core's message on bad input.
 *
 * @param {Blob} file
 * @param {{ onProgress?: (p: {loaded: number, total: number, index: number}) => void, signal?: AbortSignal }} [options]
 * @returns {Promise<object>}
 */
export async function summarizeTrace(file, { onProgress, signal } = {}) {
  if (!(file instanceof Blob)) throw new TypeError('summarizeTrace: expected a File or Blob');
  signal?.throwIfAborted();
  const w = traceWorker([file.size], onProgress, signal, 'trace summary');
  try {
    return await w.request({ type: 'summary', file });
  } finally {
    w.close();
  }
}

/**
 * Compare two profiler traces, A the baseline: resolves to the
 * `scopekit trace compare A B --json` document `{a, b, diff}` (a and b are the file names).
 * The document also has two non-enumerable methods: `withThreshold(pct)` resolves to the
 * document for another threshold without re-reading the files, `close()` frees the worker
 * that keeps both summaries (call it when done; an abort closes it too). On bad input the
 * promise rejects with the core's message; the error's `fileIndex` is 0 (A) or 1 (B).
 *
 * @param {Blob} a
 * @param {Blob} b
 * @param {{ threshold?: number, onProgress?: (p: {loaded: number, total: number, index: number}) => void, signal?: AbortSignal }} [options]
 * @returns {Promise<object>}
 */
export async function compareTraces(a, b, { threshold = 5, onProgress, signal } = {}) {
  if (!(a instanceof Blob) || !(b instanceof Blob)) throw new TypeError('compareTraces: expected two Files or Blobs');
  checkThreshold(threshold, 'compareTraces');
  signal?.throwIfAborted();
  const names = [a.name ?? 'a', b.name ?? 'b'];
  const w = traceWorker([a.size, b.size], onProgress, signal, 'trace comparison');
  const documentOf = (diff) => {
    const doc = { a: names[0], b: names[1], diff };
    Object.defineProperties(doc, {
      withThreshold: {
        value: async (pct) => {
          checkThreshold(pct, 'withThreshold');
          return documentOf(await w.request({ type: 'threshold', threshold: pct }));
        },
      },
      close: { value: w.close },
    });
    return doc;
  };
  try {
    return documentOf(await w.request({ type: 'compare', files: [a, b], threshold }));
  } catch (e) {
    w.close();
    throw e;
  }
}

// ---------------------------------------------------------------- samples in memory
//
//   import { spectrumOfSamples, correlateSamples } from './scopekit.js';
//   const psd = await spectrumOfSamples(samples, { nfft: 4096, rate: 1e6, transfer: true });
//   // psd: the `scopekit spectrum --json` document (Welch, density scaling)
//   const doc = await correlateSamples(a, b, { maxLag: 1000, rate: 1e6, transfer: true });
//   // doc: the `scopekit correlate A B --stream --max-lag L --json` document
//
// Samples are a Float32Array (f32 transforms, as the CLI does float32 files) or a
// Float64Array (f64 transforms); `precision: 'f32' | 'f64'` overrides. The work runs in a
// module worker (wasm-loader.js) with the threaded build when the page is
// crossOriginIsolated (the record cut into parts on a pool of workers; the same result as
// the single-threaded build, bit for bit). With `transfer: true` the arrays' buffers are
// handed to the worker instead of copied (they are detached: length 0 afterwards): the
// copy of a large record to the worker is the largest serial share of the call.

/** Check one array of samples; returns its export suffix ('' for f64, 'F32' for f32). */
function samplesKind(x, what) {
  if (x instanceof Float32Array) return 'F32';
  if (x instanceof Float64Array) return '';
  throw new TypeError(`${what}: expected a Float32Array or Float64Array`);
}

/** Call wasm export `fn` with `args` in a new worker; `transfer` lists buffers handed over. */
function callSamples(fn, args, transfer, signal, what) {
  signal?.throwIfAborted();
  const worker = new Worker(new URL('./wasm-loader.js?rpc', import.meta.url), { type: 'module', name: 'scopekit-samples' });
  const message = { id: 1, fn, args };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f, v) => {
      if (settled) return;
      settled = true;
      worker.terminate();
      signal?.removeEventListener('abort', onAbort);
      f(v);
    };
    const onAbort = () => settle(reject, signal.reason ?? new DOMException(`The ${what} was aborted.`, 'AbortError'));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = ({ data }) => {
      if (data?.error !== undefined) settle(reject, new Error(data.error));
      else settle(resolve, data?.value);
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      settle(reject, new Error(`scopekit ${what} worker failed${event.message ? `: ${event.message}` : ' to load (is pkg/ built and served?)'}`));
    };
    worker.onmessageerror = () => settle(reject, new Error(`scopekit ${what} worker sent a message that could not be read`));
    worker.postMessage(message, transfer);
  });
}

/** The buffers of `arrays` to hand over (none unless `transfer`; a SharedArrayBuffer is shared, never moved). */
const transferable = (transfer, arrays) => (transfer
  ? [...new Set(arrays.map((x) => x.buffer))].filter((buf) => buf instanceof ArrayBuffer)
  : []);

/** Whether `x` is a positive integer (or absent). */
const positiveOrAbsent = (x) => x === undefined || x === null || (Number.isInteger(x) && x > 0);

/**
 * Welch power spectral density of `samples`: the `scopekit spectrum --json` document.
 *
 * @param {Float32Array | Float64Array} samples
 * @param {{ nfft?: number, overlap?: number, window?: string, rate?: number | null,
 *   precision?: 'f32' | 'f64', transfer?: boolean, signal?: AbortSignal }} [options]
 * @returns {Promise<object>}
 */
export async function spectrumOfSamples(samples, {
  nfft = 4096, overlap, window = 'hann', rate, precision, transfer = false, signal,
} = {}) {
  const kind = samplesKind(samples, 'spectrumOfSamples');
  if (!positiveOrAbsent(nfft)) throw new RangeError(`spectrumOfSamples: nfft must be a positive integer, got ${nfft}`);
  const hop = overlap ?? Math.floor(nfft / 2);
  if (!(Number.isInteger(hop) && hop >= 0 && hop < nfft)) {
    throw new RangeError(`spectrumOfSamples: overlap must be an integer in 0..nfft-1, got ${overlap}`);
  }
  const args = [samples, nfft, hop, String(window), rate ?? undefined, precision ?? undefined];
  return callSamples(`welchSpectrum${kind}`, args, transferable(transfer, [samples]), signal, 'spectrum');
}

/**
 * Cross-correlation of `a` and `b` over lags -maxLag..maxLag: the `scopekit correlate A B
 * --stream --max-lag L --json` document (a positive lag: `a` is `b` delayed).
 *
 * @param {Float32Array | Float64Array} a
 * @param {Float32Array | Float64Array} b  the same type as `a`
 * @param {{ maxLag?: number, rate?: number | null, precision?: 'f32' | 'f64',
 *   transfer?: boolean, signal?: AbortSignal }} [options]
 * @returns {Promise<object>}
 */
export async function correlateSamples(a, b, { maxLag = 1000, rate, precision, transfer = false, signal } = {}) {
  const kind = samplesKind(a, 'correlateSamples');
  if (samplesKind(b, 'correlateSamples') !== kind) {
    throw new TypeError('correlateSamples: a and b must be the same array type');
  }
  if (!(Number.isInteger(maxLag) && maxLag >= 0 && maxLag < 0xffffffff)) {
    throw new RangeError(`correlateSamples: maxLag must be a non-negative integer, got ${maxLag}`);
  }
  const buffers = transferable(transfer, [a, b]);
  const args = [a, b, maxLag, rate ?? undefined, precision ?? undefined];
  return callSamples(`correlateSamples${kind}`, args, buffers, signal, 'correlation');
}
