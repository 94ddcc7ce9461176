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
      settle(reject, signal.reason ?? new DOMException('The analysis was aborted.', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // Callbacks must not break the analysis; report their errors without rejecting.
    const call = (callback, value) => {
      if (typeof callback !== 'function') return;
      try {
        callback(value);
      } catch (e) {
        setTimeout(() => { throw e; });
      }
    };

    worker.onmessage = ({ data }) => {
      if (settled) return;
      switch (data?.type) {
        case 'progress':
          call(onProgress, { loaded: data.loaded, total: data.total });
          break;
        case 'info':
          call(onInfo, data.info);
          break;
        case 'result':
          settle(resolve, data.report);
          break;
        case 'error':
          settle(reject, new Error(data.message));
          break;
        default:
          break;
      }
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      settle(reject, new Error(
        `scopekit worker failed${event.message ? `: ${event.message}` : ' to load (is pkg/ built and served?)'}`,
      ));
    };
    worker.onmessageerror = () => {
      settle(reject, new Error('scopekit worker sent a message that could not be read'));
    };

    worker.postMessage({ file, channel: channel ?? undefined, rate: rate ?? undefined });
  });
}
