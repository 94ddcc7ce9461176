// Single-threaded (web/pkg) vs threaded (web/pkg-threads) wasm build in the same page run,
// headless Chromium on this machine:
// - Welch PSD (welchSpectrumF32, nfft 4096, 50 % overlap, hann) over 10^8 float32 samples;
// - decoding a generated 10^7-sample 4-line analog SPI capture (benches/gen_bus.py, float32
//   NPY, 160 MB) in web/decode-worker.js: single-threaded build, threaded build with parts
//   thresholded in parallel (`parallelParts`), threaded build with the serial session.
// Each decode run is end to end: a new worker, loading the build (and its pool), reading.
// - decoding the same capture from bytes already in the worker's memory (decodeBytes: no
//   Blob read; `ms` is the decode alone, timed inside wasm): single build (serial session),
//   threaded build in parallel parts, threaded build serial, single build in parts;
// - cross-correlation (correlateSamplesF32, lags -1000..1000, f32 FFTs) of two float32
//   signals of CORR_SAMPLES each (default 2x10^7; 10^8 fits the threaded build's 1 GiB memory
//   only just: try it with a third argument).
// Prints each run (with the browser's CPU time / wall time: the cores it kept busy; the
// machine is shared, so also the load average), the medians and the ratios single / threaded.
//
//   SCOPEKIT_BIN=target/release/scopekit node benches/browser/threads.mjs [RUNS] [WELCH_SAMPLES] [CORR_SAMPLES]
//
// Needs playwright-core (tests/browser/node_modules), /usr/bin/chromium, python3 + numpy.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
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
const CORR_SAMPLES = Number(process.argv[4] ?? 2e7);
const DECODE_SAMPLES = 10_000_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds (user + system, every thread) of the processes whose command line has `tag`
 * and of all their descendants (Chromium's renderer and utility processes). */
function cpuSeconds(tag) {
  const procs = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({
        pid: Number(pid),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]), // utime, stime
        root: readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(tag),
      });
    } catch {
      // the process ended
    }
  }
  const chosen = new Set(procs.filter((p) => p.root).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!chosen.has(p.pid) && chosen.has(p.ppid)) {
        chosen.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.filter((p) => chosen.has(p.pid)).reduce((n, p) => n + p.ticks, 0) / 100;
}

/** Run `f` (async), returning [its value, wall ms, CPU s of the browser during it]. */
async function timed(tag, f) {
  const cpu0 = cpuSeconds(tag);
  const t0 = performance.now();
  const value = await f();
  return [value, performance.now() - t0, cpuSeconds(tag) - cpu0];
}

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

  // ---- Welch: one probe worker per build, the same samples, timed run by run; the
  // browser's CPU time over wall time shows how many cores a run kept busy.
  const tag = path.join(work, 'profile');
  await page.evaluate(async (n) => {
    const x = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; i += 1) {
      s = (s * 1103515245 + 12345) % 2147483648;
      x[i] = Math.sin(i * 0.0731) + (s / 2147483648 - 0.5) * 0.01;
    }
    window.benchSamples = x;
    window.benchCall = (worker, fn, args) => new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data.value));
      worker.postMessage({ id: 1, fn, args });
    });
    window.benchRpc = async () => {
      const workers = {};
      for (const build of ['single', 'threads']) {
        const worker = new Worker(`/wasm-loader.js?rpc&wasm=${build === 'single' ? 'single' : 'auto'}`, { type: 'module' });
        workers[build] = { worker, loaded: await window.benchCall(worker, 'loaded', []) };
      }
      return workers;
    };
    window.benchWorkers = {};
    for (const build of ['single', 'threads']) {
      const worker = new Worker(`/wasm-loader.js?rpc&wasm=${build === 'single' ? 'single' : 'auto'}`, { type: 'module' });
      window.benchWorkers[build] = { worker, loaded: await window.benchCall(worker, 'loaded', []) };
    }
  }, WELCH_SAMPLES);
  const welch = { single: { ms: [], cpu: [] }, threads: { ms: [], cpu: [] } };
  const psd = {};
  for (let r = 0; r < RUNS; r += 1) {
    for (const build of ['single', 'threads']) {
      const [report, ms, cpu] = await timed(tag, () => page.evaluate((b) => window.benchCall(
        window.benchWorkers[b].worker, 'welchSpectrumF32', [window.benchSamples, 4096, 2048, 'hann', 1e7],
      ).then((rep) => ({ segments: rep.segments, psd: rep.psd })), build));
      welch[build].ms.push(ms);
      welch[build].cpu.push(cpu);
      welch[build].segments = report.segments;
      psd[build] = report.psd;
    }
  }
  welch.threads.loaded = await page.evaluate(() => window.benchWorkers.threads.loaded);
  welch.same = psd.single.every((v, i) => v === psd.threads[i]);
  await page.evaluate(() => {
    for (const { worker } of Object.values(window.benchWorkers)) worker.terminate();
    window.benchSamples = null;
  });

  // ---- Correlation: a fresh probe worker per build, the same two float32 signals.
  const load0 = loadavg()[0];
  await page.evaluate(async (n) => {
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    let s = 777;
    for (let i = 0; i < n; i += 1) {
      s = (s * 1103515245 + 12345) % 2147483648;
      b[i] = Math.sin(i * 0.0131) + (s / 2147483648 - 0.5);
      a[i] = i >= 321 ? b[i - 321] : 0;
    }
    window.benchPair = [a, b];
    window.benchWorkers = await window.benchRpc();
  }, CORR_SAMPLES);
  const corr = { single: { ms: [], cpu: [] }, threads: { ms: [], cpu: [] }, reports: {} };
  for (let r = 0; r < RUNS; r += 1) {
    for (const build of ['single', 'threads']) {
      const [report, ms, cpu] = await timed(tag, () => page.evaluate((b) => window.benchCall(
        window.benchWorkers[b].worker, 'correlateSamplesF32', [...window.benchPair, 1000, 1e7, undefined],
      ), build));
      corr[build].ms.push(ms);
      corr[build].cpu.push(cpu);
      corr.reports[build] = report;
    }
  }
  corr.same = JSON.stringify(corr.reports.single) === JSON.stringify(corr.reports.threads);
  await page.evaluate(() => {
    for (const { worker } of Object.values(window.benchWorkers)) worker.terminate();
    window.benchPair = null;
  });

  // ---- Decode from memory: decodeBytes on the capture's bytes (read once, before timing).
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-bytes';
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#bench-bytes', path.join(work, 'spi.npy'));
  await page.evaluate(async () => {
    window.benchBytes = new Uint8Array(await document.getElementById('bench-bytes').files[0].arrayBuffer());
    window.benchWorkers = await window.benchRpc();
  });
  const memCases = [['single', 'single', false], ['parts', 'threads', true], ['serial', 'threads', false], ['single-parts', 'single', true]];
  const mem = Object.fromEntries(memCases.map(([k]) => [k, { ms: [], wall: [], cpu: [] }]));
  for (let r = 0; r < RUNS; r += 1) {
    for (const [key, build, parts] of memCases) {
      const [out, wall, cpu] = await timed(tag, () => page.evaluate(([b, parts]) => window.benchCall(
        window.benchWorkers[b].worker, 'decodeBytes', [window.benchBytes,
          { protocol: 'spi', cs_polarity: 'active-low', cpol: 0, cpha: 0, bitorder: 'msb-first', wordsize: 8 },
          [{ role: 'clk', channel: 0 }, { role: 'miso', channel: 1 }, { role: 'mosi', channel: 2 }, { role: 'cs', channel: 3 }],
          undefined, { threshold: null, hysteresis: null }, parts, false],
      ), [build, parts]));
      mem[key].ms.push(out.ms);
      mem[key].par = (mem[key].par ?? []).concat(out.parallel_ms);
      mem[key].wall.push(wall);
      mem[key].cpu.push(cpu);
      mem[key].frames = out.stats.frames;
      mem[key].parallel = out.parallel;
    }
  }
  await page.evaluate(() => {
    for (const { worker } of Object.values(window.benchWorkers)) worker.terminate();
    window.benchBytes = null;
  });
  const load1 = loadavg()[0];

  // ---- Decode: web/decode-worker.js with each build on the generated analog SPI capture.
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#bench-file', path.join(work, 'spi.npy'));
  const decodeOnce = ([query, parallelParts]) => page.evaluate(([query, parallelParts]) => new Promise((resolve, reject) => {
    const file = document.getElementById('bench-file').files[0];
    const settings = {
      config: { protocol: 'spi', cs_polarity: 'active-low', cpol: 0, cpha: 0, bitorder: 'msb-first', wordsize: 8 },
      wires: [{ role: 'clk', channel: 0 }, { role: 'miso', channel: 1 }, { role: 'mosi', channel: 2 }, { role: 'cs', channel: 3 }],
      levels: { threshold: null, hysteresis: null },
    };
    const worker = new Worker(`/decode-worker.js${query}`, { type: 'module' });
    worker.onmessage = ({ data }) => {
      if (data.type === 'done') {
        worker.terminate();
        resolve({ frames: data.stats.frames, parallel: data.parallel, wasm: data.wasm });
      } else if (data.type === 'error') {
        worker.terminate();
        reject(new Error(data.message));
      }
    };
    worker.postMessage({ file, ...settings, parallelParts });
  }), [query, parallelParts]);
  const decode = { single: [], threads: [], serial: [] };
  for (let r = 0; r < RUNS; r += 1) {
    for (const [build, args] of [['single', ['?wasm=single', false]], ['threads', ['', true]], ['serial', ['', false]]]) {
      const [out, ms, cpu] = await timed(tag, () => decodeOnce(args));
      decode[build].push({ ...out, ms, cpu });
    }
  }

  const w1 = median(welch.single.ms);
  const wt = median(welch.threads.ms);
  console.log(`Welch over ${WELCH_SAMPLES} float32 samples (nfft 4096, 50 % overlap, ${welch.single.segments} segments)`);
  const busy = (ms, cpu) => ms.map((m, i) => `${m.toFixed(0)} ms (${(cpu[i] / (m / 1000)).toFixed(2)} cores)`).join(', ');
  console.log(`  single-threaded: ${busy(welch.single.ms, welch.single.cpu)}; median ${w1.toFixed(0)} ms`);
  console.log(`  ${welch.threads.loaded.label}: ${busy(welch.threads.ms, welch.threads.cpu)}; median ${wt.toFixed(0)} ms`);
  console.log(`  speed-up ${(w1 / wt).toFixed(2)}x; psd bit-identical: ${welch.same}`);
  const d1 = median(decode.single.map((d) => d.ms));
  const dt = median(decode.threads.map((d) => d.ms));
  console.log(`Decode SPI, 4 analog lines x ${DECODE_SAMPLES} samples (float32 NPY, ${decode.single[0].frames} frames)`);
  const runsOf = (ds) => busy(ds.map((d) => d.ms), ds.map((d) => d.cpu));
  console.log(`  single-threaded: ${runsOf(decode.single)}; median ${d1.toFixed(0)} ms`);
  console.log(`  ${decode.threads[0].wasm} (parallel parts: ${decode.threads[0].parallel}): ${runsOf(decode.threads)}; median ${dt.toFixed(0)} ms`);
  console.log(`  default (no parallel parts: ${decode.serial[0].wasm}): ${runsOf(decode.serial)}; median ${median(decode.serial.map((d) => d.ms)).toFixed(0)} ms`);
  console.log(`  speed-up (parallel parts) ${(d1 / dt).toFixed(2)}x; same frame count: ${[...decode.threads, ...decode.serial].every((d) => d.frames === decode.single[0].frames)}`);
  console.log(`Decode SPI from memory (decodeBytes, bytes already in the worker; ms timed inside wasm, then wall incl. the copy into wasm memory)`);
  for (const [key, build, parts] of memCases) {
    const m = mem[key];
    console.log(`  ${key.padEnd(12)} (${build} build, parts ${parts}, parallel ${m.parallel}, ${m.frames} frames): decode ${m.ms.map((x) => x.toFixed(0)).join(', ')} ms; median ${median(m.ms).toFixed(0)} ms (thresholding parts on the pool: ${median(m.par).toFixed(0)} ms); wall ${busy(m.wall, m.cpu)}`);
  }
  console.log(`  speed-up in memory: parts/threaded vs single ${(median(mem.single.ms) / median(mem.parts.ms)).toFixed(2)}x; `
    + `threaded serial vs single serial ${(median(mem.serial.ms) / median(mem.single.ms)).toFixed(2)}x slower; `
    + `single build parts vs serial ${(median(mem['single-parts'].ms) / median(mem.single.ms)).toFixed(2)}x`);
  const c1 = median(corr.single.ms);
  const ct = median(corr.threads.ms);
  console.log(`Correlation of 2 x ${CORR_SAMPLES} float32 samples, lags -1000..1000 (correlateSamplesF32, peak lag ${corr.reports.threads.peak?.lag})`);
  console.log(`  single-threaded: ${busy(corr.single.ms, corr.single.cpu)}; median ${c1.toFixed(0)} ms`);
  console.log(`  threaded: ${busy(corr.threads.ms, corr.threads.cpu)}; median ${ct.toFixed(0)} ms`);
  console.log(`  speed-up ${(c1 / ct).toFixed(2)}x; reports bit-identical: ${corr.same}`);
  console.log(`load average (1 min) ${load0.toFixed(1)} before the correlation, ${load1.toFixed(1)} after the in-memory decode, ${loadavg()[0].toFixed(1)} at the end`);
} finally {
  await context?.close().catch(() => {});
  server.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
