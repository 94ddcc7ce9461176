// Single-threaded (web/pkg) vs threaded (web/pkg-threads) wasm build in the same page run,
// headless Chromium on this machine:
// - Welch PSD (welchSpectrumF32, nfft 4096, 50 % overlap, hann) over 10^8 float32 samples;
// - decoding a generated 10^7-sample 4-line analog SPI capture (benches/gen_bus.py, float32
//   NPY, 160 MB) in web/decode-worker.js (the threaded build thresholds parts in parallel).
// Prints each run, the medians and the ratios single / threaded. Correlation is not bound:
// the core has no part/merge split of it.
//
//   SCOPEKIT_BIN=target/release/scopekit node benches/browser/threads.mjs [RUNS] [WELCH_SAMPLES]
//
// Needs playwright-core (tests/browser/node_modules), /usr/bin/chromium, python3 + numpy.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(path.join(REPO, 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUNS = Number(process.argv[2] ?? 3);
const WELCH_SAMPLES = Number(process.argv[3] ?? 1e8);
const DECODE_SAMPLES = 10_000_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function serve() {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/\S+?)\/?\s*$/m);
      if (m) resolve({ proc, url: `${m[1]}/` });
    });
    proc.on('error', reject);
  });
}

const work = mkdtempSync(path.join(tmpdir(), 'scopekit-bench-threads-'));
const home = path.join(work, 'home');
mkdirSync(home, { recursive: true });
const server = await serve();
let context;
try {
  execFileSync('python3', [path.join(REPO, 'benches', 'gen_bus.py'), work, String(DECODE_SAMPLES)], { stdio: 'ignore' });
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.url, { waitUntil: 'load' });
  if (!(await page.evaluate(() => self.crossOriginIsolated))) throw new Error('page not crossOriginIsolated');

  // ---- Welch: one probe worker per build, the same samples, timed inside the worker.
  const welch = await page.evaluate(async ([n, runs]) => {
    const x = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; i += 1) {
      s = (s * 1103515245 + 12345) % 2147483648;
      x[i] = Math.sin(i * 0.0731) + (s / 2147483648 - 0.5) * 0.01;
    }
    const call = (worker, fn, args) => new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
      worker.postMessage({ id: 1, fn, args });
    });
    const out = {};
    for (const build of ['single', 'threads']) {
      const worker = new Worker(`/wasm-loader.js?rpc&wasm=${build === 'single' ? 'single' : 'auto'}`, { type: 'module' });
      const loaded = (await call(worker, 'loaded', [])).value;
      const ms = [];
      let report;
      for (let r = 0; r < runs; r += 1) {
        const started = performance.now();
        const res = await call(worker, 'welchSpectrumF32', [x, 4096, 2048, 'hann', 1e7]);
        ms.push(performance.now() - started);
        report = res.value;
      }
      worker.terminate();
      out[build] = { loaded, ms, segments: report.segments, psd: report.psd };
    }
    const same = out.single.psd.every((v, i) => v === out.threads.psd[i]);
    return { single: { ...out.single, psd: undefined }, threads: { ...out.threads, psd: undefined }, same };
  }, [WELCH_SAMPLES, RUNS]);

  // ---- Decode: web/decode-worker.js with each build on the generated analog SPI capture.
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#bench-file', path.join(work, 'spi.npy'));
  const decode = await page.evaluate(async (runs) => {
    const file = document.getElementById('bench-file').files[0];
    const settings = {
      config: { protocol: 'spi', cs_polarity: 'active-low', cpol: 0, cpha: 0, bitorder: 'msb-first', wordsize: 8 },
      wires: [{ role: 'clk', channel: 0 }, { role: 'miso', channel: 1 }, { role: 'mosi', channel: 2 }, { role: 'cs', channel: 3 }],
      levels: { threshold: null, hysteresis: null },
    };
    const once = (query) => new Promise((resolve, reject) => {
      const worker = new Worker(`/decode-worker.js${query}`, { type: 'module' });
      let started = 0;
      worker.onmessage = ({ data }) => {
        if (data.type === 'progress' && started === 0) started = performance.now();
        if (data.type === 'done') {
          worker.terminate();
          resolve({ ms: performance.now() - started, frames: data.stats.frames, parallel: data.parallel, wasm: data.wasm });
        } else if (data.type === 'error') {
          worker.terminate();
          reject(new Error(data.message));
        }
      };
      worker.postMessage({ file, ...settings });
    });
    const out = { single: [], threads: [] };
    for (let r = 0; r < runs; r += 1) {
      out.single.push(await once('?wasm=single'));
      out.threads.push(await once(''));
    }
    return out;
  }, RUNS);

  const w1 = median(welch.single.ms);
  const wt = median(welch.threads.ms);
  console.log(`Welch over ${WELCH_SAMPLES} float32 samples (nfft 4096, 50 % overlap, ${welch.single.segments} segments)`);
  console.log(`  single-threaded: ${welch.single.ms.map((m) => m.toFixed(0)).join(', ')} ms; median ${w1.toFixed(0)} ms`);
  console.log(`  ${welch.threads.loaded.label}: ${welch.threads.ms.map((m) => m.toFixed(0)).join(', ')} ms; median ${wt.toFixed(0)} ms`);
  console.log(`  speed-up ${(w1 / wt).toFixed(2)}x; psd bit-identical: ${welch.same}`);
  const d1 = median(decode.single.map((d) => d.ms));
  const dt = median(decode.threads.map((d) => d.ms));
  console.log(`Decode SPI, 4 analog lines x ${DECODE_SAMPLES} samples (float32 NPY, ${decode.single[0].frames} frames)`);
  console.log(`  single-threaded: ${decode.single.map((d) => d.ms.toFixed(0)).join(', ')} ms; median ${d1.toFixed(0)} ms`);
  console.log(`  ${decode.threads[0].wasm} (parallel parts: ${decode.threads[0].parallel}): ${decode.threads.map((d) => d.ms.toFixed(0)).join(', ')} ms; median ${dt.toFixed(0)} ms`);
  console.log(`  speed-up ${(d1 / dt).toFixed(2)}x; same frame count: ${decode.threads.every((d) => d.frames === decode.single[0].frames)}`);
} finally {
  await context?.close().catch(() => {});
  server.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
