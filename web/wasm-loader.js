// Loads the right build of the wasm core in a worker:
// - pkg-threads (wasm-bindgen-rayon: a pool of `navigator.hardwareConcurrency` Web Workers
//   sharing the module's memory) when the page is crossOriginIsolated and SharedArrayBuffer
//   exists (`scopekit serve` sends COOP/COEP; `--no-isolation` does not);
// - pkg, the single-threaded build, otherwise, or when the threaded one fails to start.
//
//   import { loadWasm } from './wasm-loader.js';
//   const { wasm, threads, label } = await loadWasm();
//   // wasm: the module's exports; threads: worker threads (1 single-threaded);
//   // label: 'wasm: 2 threads' | 'wasm: single-threaded', to show the user.
//
// A worker started with `?wasm=single` in its URL (or `loadWasm({ build: 'single' })`)
// loads the single-threaded build even when threads are available (tests, benchmarks).
//
// Loaded as a worker itself (`new Worker('wasm-loader.js?rpc', { type: 'module' })`), it
// answers `{ id, fn, args }` with `{ id, value }` / `{ id, error }` after calling the export
// `fn`, and `{ id, fn: 'loaded' }` with `{ id, value: { threads, label, build } }`: a probe
// for tests and benchmarks of the parallel entry points (they must run in a worker: rayon
// blocks, and the main thread may not).
//
// The page (main thread) can call showWasmBuild(parent) to show, unobtrusively, which build
// its workers load.

let loading = null;
/** Longest wait for the thread pool to start before falling back, in ms. */
const POOL_TIMEOUT = 15_000;

/** Whether this context may run the threaded build. */
export function threadsAvailable() {
  return Boolean(self.crossOriginIsolated) && typeof SharedArrayBuffer === 'function';
}

function labelOf(threads) {
  return threads > 1 ? `wasm: ${threads} threads` : 'wasm: single-threaded';
}

function requestedBuild() {
  try {
    return new URL(self.location.href).searchParams.get('wasm');
  } catch {
    return null;
  }
}

async function loadSingle() {
  const wasm = await import('./pkg/scopekit_wasm.js');
  await wasm.default({ module_or_path: new URL('./pkg/scopekit_wasm_bg.wasm', import.meta.url) });
  return { wasm, threads: 1, label: labelOf(1), build: 'single' };
}

async function loadThreads() {
  const wasm = await import('./pkg-threads/scopekit_wasm.js');
  await wasm.default({ module_or_path: new URL('./pkg-threads/scopekit_wasm_bg.wasm', import.meta.url) });
  const want = Math.max(1, navigator.hardwareConcurrency || 1);
  // A pool whose workers cannot start (a CSP without blob: workers, say) never resolves.
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the thread pool did not start within ${POOL_TIMEOUT / 1000} s`)), POOL_TIMEOUT);
  });
  try {
    await Promise.race([wasm.initThreadPool(want), timeout]);
  } finally {
    clearTimeout(timer);
  }
  const threads = wasm.threadCount();
  return { wasm, threads, label: labelOf(threads), build: 'threads' };
}

/**
 * Load the wasm core once per worker: the threaded build when possible, else the
 * single-threaded one. Resolves to `{ wasm, threads, label, build }`.
 * @param {{ build?: 'single' | 'threads' }} [options]
 */
export function loadWasm({ build } = {}) {
  if (!loading) {
    const want = build ?? requestedBuild();
    loading = (want !== 'single' && threadsAvailable())
      ? loadThreads().catch((e) => {
        console.warn(`scopekit: threaded wasm failed to start (${e?.message ?? e}); using the single-threaded build`);
        return loadSingle();
      })
      : loadSingle();
  }
  return loading;
}

/**
 * Show which build the workers load, as a small status line at the end of `parent` (the
 * expectation from this page's isolation; a worker's reply carries what it really loaded).
 * @param {HTMLElement} parent
 */
export function showWasmBuild(parent) {
  const line = document.createElement('p');
  line.className = 'wasm-build';
  line.dataset.testid = 'wasm-build';
  line.setAttribute('role', 'status');
  line.textContent = threadsAvailable()
    ? labelOf(Math.max(1, navigator.hardwareConcurrency || 1))
    : labelOf(1);
  line.style.cssText = 'margin:0.5rem 1rem;font-size:0.75rem;opacity:0.7;text-align:right';
  parent.append(line);
  self.addEventListener('scopekit:wasm', (e) => {
    if (e.detail?.label) line.textContent = e.detail.label;
  });
  return line;
}

// The probe worker (see above).
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope &&
    new URL(import.meta.url).searchParams.has('rpc')) {
  self.onmessage = async ({ data }) => {
    const { id, fn, args = [] } = data ?? {};
    try {
      const loaded = await loadWasm();
      if (fn === 'loaded') {
        self.postMessage({ id, value: { threads: loaded.threads, label: loaded.label, build: loaded.build } });
        return;
      }
      const f = loaded.wasm[fn];
      if (typeof f !== 'function') throw new Error(`no wasm export ${fn}`);
      const started = performance.now();
      const value = f(...args);
      self.postMessage({ id, value, ms: performance.now() - started });
    } catch (e) {
      self.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
    }
  };
}
