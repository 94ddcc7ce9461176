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
// Welch and correlation are timed three ways each (page → probe worker → page): `clone` (the
// arrays copied to the worker by postMessage, as before), `transfer` (the arrays' buffers
// handed over, as scopekit.js's `spectrumOfSamples`/`correlateSamples` with `transfer: true`
// do; the copies are made before the clock starts) and `copy` (as `transfer`, but refused by
// Rust at once: what remains serial outside the Rust code — wasm-bindgen's copy into wasm
// memory and the messages). `in wasm` is the worker's time in the wasm call (including that
// copy). The in-memory decode prints its phases (decodeBytes `phases`; `other` = the rest).
// Prints each run (with the browser's CPU time / wall time: the cores it kept busy; the
// machine is shared, so also the load average), the medians and the ratios single / threaded.
//
//   SCOPEKIT_BIN=target/release/scopekit node benches/browser/threads.mjs [RUNS] [WELCH_SAMPLES] [CORR_SAMPLES]
//   BENCH_ONLY=welch,corr,mem,e2e,ranges   (sections to run; all by default)
//   RANGE_SAMPLES=1e8   (the `ranges` file's float32 samples)
//   BENCH_TRACE=1   (mem: decodeBytes records its pool tasks, setDecodeTrace; per phase the
//                    tasks' summed time and the time at least one ran: summed / covered is
//                    the overlap, summed against the single build's the slowdown per task;
//                    phases: `levels` (a line's automatic threshold), `part` (a part
//                    thresholded, merged and decoded from its first sync point), `segment`
//                    (parts that settle nothing on their own))
//   BENCH_MEM=single,parts   (mem: only these cases; single, parts, serial, single-parts)
//   BENCH_JS_FLAGS='--no-wasm-dynamic-tiering'   (V8 flags for Chromium's --js-flags, e.g. to
//                    compile all wasm with TurboFan up front)
//   BENCH_SETTLE_MS=250   (mem: idle time before each timed decodeBytes, so the previous
//                    call's garbage (a 160 MB copy per call) is collected and background
//                    compilation done before the clock starts, for either build; 0: none)
//   BENCH_TUNE="4,4;2,8"   (mem: also the threaded parts path with 4 MiB parts, 4 per thread
//                    per push, and so on: setDecodeTuning; needs a build that has it)
// - `ranges`: the analog view's spectrum of a dropped float32 NPY of RANGE_SAMPLES samples
//   (Welch, nfft 4096, 50 % overlap, hann, with the spectrogram) in web/analog-worker.js,
//   end to end (new worker, wasm, reading the File): one reader vs range workers
//   (web/range-worker.js, min(cores, 4)), alternated, with CPU-s and the load average.
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
/** Sections to run (BENCH_ONLY=welch,corr,mem,e2e: all by default). */
const ONLY = new Set((process.env.BENCH_ONLY || 'welch,corr,mem,e2e,ranges').split(','));
/** Samples of the float32 NPY the dropped-file spectrum reads (section `ranges`; 10^8 = 400 MB). */
const RANGE_SAMPLES = Number(process.env.RANGE_SAMPLES || 1e8);

/** BENCH_TRACE=1: decodeBytes records its pool tasks (setDecodeTrace); printed per phase. */
const TRACE = process.env.BENCH_TRACE === '1';
/** Per phase of a trace: tasks, summed task time, the time covered by at least one task. */
function traceSummary(trace) {
  const out = {};
  for (const [phase, thread, t0, t1] of trace) {
    const p = (out[phase] ??= { n: 0, sum: 0, spans: [], threads: new Set() });
    p.n += 1;
    p.sum += t1 - t0;
    p.spans.push([t0, t1]);
    p.threads.add(thread);
  }
  for (const p of Object.values(out)) {
    p.spans.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let end = -Infinity;
    for (const [a, b] of p.spans) {
      if (b > end) {
        covered += b - Math.max(a, end);
        end = b;
      }
    }
    p.covered = covered;
  }
  return out;
}
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

const busyOf = (ms, cpu) => ms.map((m, i) => `${m.toFixed(0)} ms (${(cpu[i] / (m / 1000)).toFixed(2)} cores)`).join(', ');
const MODES = ['clone', 'transfer', 'copy'];

/** Run `fn` on `window[arrays]` (an array or a list of arrays) in each build's probe worker,
 * RUNS times, alternating builds and modes (see `benchTimed` in the page); `pick` keeps what
 * to compare of the result. Per build and mode: wall ms (in the page), inner ms (in the
 * worker's wasm call), browser CPU s. */
async function modes(tag, page, fn, arrays, rest, pick) {
  const out = { values: {} };
  for (const mode of MODES) out[mode] = { single: { ms: [], inner: [], cpu: [] }, threads: { ms: [], inner: [], cpu: [] } };
  for (let r = 0; r < RUNS; r += 1) {
    for (const mode of MODES) {
      for (const build of ['single', 'threads']) {
        const [res, , cpu] = await timed(tag, () => page.evaluate(async ([b, fn, arrays, rest, mode]) => {
          const xs = Array.isArray(window[arrays]) ? window[arrays] : [window[arrays]];
          return window.benchTimed(window.benchWorkers[b].worker, fn, xs, rest, mode);
        }, [build, fn, arrays, rest, mode]));
        out[mode][build].ms.push(res.wall);
        out[mode][build].inner.push(res.inner ?? NaN);
        out[mode][build].cpu.push(cpu);
        if (res.value) out.values[build] = pick(res.value);
      }
    }
  }
  return out;
}

/** Print the modes of one benchmark. */
function printModes(m) {
  const f = (xs) => median(xs).toFixed(0);
  for (const mode of MODES) {
    const s = m[mode].single;
    const t = m[mode].threads;
    const cores = (x) => `${median(x.cpu.map((c, i) => c / (x.ms[i] / 1000))).toFixed(2)} cores, ${median(x.cpu).toFixed(2)} CPU-s`;
    console.log(`  ${mode.padEnd(8)} single ${s.ms.map((x) => x.toFixed(0)).join(', ')}; median ${f(s.ms)} ms (in wasm ${f(s.inner)} ms, ${cores(s)})`
      + ` | threaded ${t.ms.map((x) => x.toFixed(0)).join(', ')}; median ${f(t.ms)} ms (in wasm ${f(t.inner)} ms, ${cores(t)})`
      + (mode === 'copy' ? '' : ` | speed-up ${(median(s.ms) / median(t.ms)).toFixed(2)}x`));
  }
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
  if (ONLY.has('mem') || ONLY.has('e2e')) {
    execFileSync('python3', [path.join(REPO, 'benches', 'gen_bus.py'), work, String(DECODE_SAMPLES)], { stdio: 'ignore' });
  }
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(process.env.BENCH_JS_FLAGS ? [`--js-flags=${process.env.BENCH_JS_FLAGS}`] : [])],
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
    window.benchCall = (worker, fn, args, transfer = []) => new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        window.benchInner = data.ms;
        if (data.error) reject(new Error(data.error));
        else resolve(data.value);
      };
      worker.postMessage({ id: 1, fn, args }, transfer);
    });
    // Time one call three ways: `clone` (the arrays copied to the worker by postMessage),
    // `transfer` (fresh copies made before the clock starts, handed over as transferables),
    // `copy` (as `transfer`, but refused by Rust at once after wasm-bindgen copied the
    // arrays into wasm memory: the serial share outside the Rust code). Returns
    // { value, wall, inner } with `inner` the worker's time in the wasm call.
    window.benchTimed = async (worker, fn, arrays, rest, mode) => {
      const args = mode === 'clone' ? arrays : arrays.map((x) => x.slice());
      const transfer = mode === 'clone' ? [] : args.map((x) => x.buffer);
      const call = mode === 'copy' ? [...args, ...rest.slice(0, -1), 'no-such-precision'] : [...args, ...rest];
      window.benchInner = undefined;
      const t0 = performance.now();
      let value;
      try {
        value = await window.benchCall(worker, fn, call, transfer);
      } catch (e) {
        if (mode !== 'copy') throw e;
      }
      return { value, wall: performance.now() - t0, inner: window.benchInner };
    };
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
  }, ONLY.has('welch') ? WELCH_SAMPLES : 0);
  if (ONLY.has('welch')) {
  const welch = await modes(tag, page, 'welchSpectrumF32', 'benchSamples', [4096, 2048, 'hann', 1e7, undefined],
    (rep) => ({ segments: rep.segments, psd: rep.psd }));
  welch.loaded = await page.evaluate(() => window.benchWorkers.threads.loaded);
  welch.same = welch.values.single.psd.every((v, i) => v === welch.values.threads.psd[i]);
  welch.segments = welch.values.single.segments;
  console.log(`Welch over ${WELCH_SAMPLES} float32 samples (nfft 4096, 50 % overlap, ${welch.segments} segments; ${welch.loaded.label}), load ${loadavg()[0].toFixed(1)}`);
  printModes(welch);
  console.log(`  psd bit-identical: ${welch.same}`);
  await page.evaluate(() => {
    for (const { worker } of Object.values(window.benchWorkers)) worker.terminate();
    window.benchSamples = null;
  });
  }

  // ---- Correlation: a fresh probe worker per build, the same two float32 signals.
  const load0 = loadavg()[0];
  if (ONLY.has('corr')) {
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
  const corr = await modes(tag, page, 'correlateSamplesF32', 'benchPair', [1000, 1e7, undefined], (rep) => rep);
  corr.same = JSON.stringify(corr.values.single) === JSON.stringify(corr.values.threads);
  console.log(`Correlation of 2 x ${CORR_SAMPLES} float32 samples, lags -1000..1000 (correlateSamplesF32, peak lag ${corr.values.threads.peak?.lag}), load ${loadavg()[0].toFixed(1)}`);
  printModes(corr);
  console.log(`  reports bit-identical: ${corr.same}`);
  await page.evaluate(() => {
    for (const { worker } of Object.values(window.benchWorkers)) worker.terminate();
    window.benchPair = null;
  });
  }

  // ---- Decode from memory: decodeBytes on the capture's bytes (read once, before timing).
  if (ONLY.has('mem')) {
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
  if (TRACE) {
    await page.evaluate(async () => {
      for (const { worker } of Object.values(window.benchWorkers)) await window.benchCall(worker, 'setDecodeTrace', [true]);
    });
  }
  // BENCH_MEM=single,parts: only those cases (all four by default).
  const memOnly = process.env.BENCH_MEM ? new Set(process.env.BENCH_MEM.split(',')) : null;
  const memCases = [['single', 'single', false], ['parts', 'threads', true], ['serial', 'threads', false], ['single-parts', 'single', true]]
    .filter(([k]) => !memOnly || memOnly.has(k));
  // BENCH_TUNE="4,4;2,8": also the threaded parts path with parts of 4 MiB, 4 per thread
  // per push, and so on (setDecodeTuning).
  const TUNE = (process.env.BENCH_TUNE || '').split(';').filter(Boolean).map((t) => t.split(',').map(Number));
  for (const [mib, per] of TUNE) memCases.push([`parts-${mib}MiBx${per}`, 'threads', true, [mib * 2 ** 20, per]]);
  const mem = Object.fromEntries(memCases.map(([k]) => [k, { ms: [], wall: [], cpu: [] }]));
  const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 250);
  for (let r = 0; r < RUNS; r += 1) {
    for (const [key, build, parts, tune] of memCases) {
      if (TUNE.length) {
        await page.evaluate(([b, t]) => window.benchCall(window.benchWorkers[b].worker, 'setDecodeTuning', t), [build, tune ?? [0, 0]]);
      }
      if (SETTLE_MS > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
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
      if (out.phases) (mem[key].phases ??= []).push(out.phases);
      if (out.trace) (mem[key].traces ??= []).push(traceSummary(out.trace));
    }
  }
  await page.evaluate(() => {
    for (const { worker } of Object.values(window.benchWorkers)) worker.terminate();
    window.benchBytes = null;
  });
  console.log(`Decode SPI from memory (decodeBytes, bytes already in the worker; ms timed inside wasm, then wall incl. the copy into wasm memory; ${SETTLE_MS} ms idle before each call), load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const [key, build, parts] of memCases) {
    const m = mem[key];
    console.log(`  ${key.padEnd(12)} (${build} build, parts ${parts}, parallel ${m.parallel}, ${m.frames} frames): decode ${m.ms.map((x) => x.toFixed(0)).join(', ')} ms; median ${median(m.ms).toFixed(0)} ms (min ${Math.min(...m.ms).toFixed(0)}, max ${Math.max(...m.ms).toFixed(0)}) (on the pool: ${median(m.par).toFixed(0)} ms); wall ${busyOf(m.wall, m.cpu)}`);
    if (m.phases) {
      const names = Object.keys(m.phases[0]);
      const other = m.phases.map((p, i) => m.ms[i] - names.reduce((n, k) => n + p[k], 0));
      console.log(`    phases (medians, ms): ${names.map((n) => `${n} ${median(m.phases.map((p) => p[n])).toFixed(1)}`).join(', ')}, other ${median(other).toFixed(1)}`);
    }
    if (m.traces) {
      const phases = Object.keys(m.traces[0]);
      const med = (ph, f) => median(m.traces.map((t) => (t[ph] ? f(t[ph]) : 0)));
      console.log(`    pool tasks (medians): ${phases.map((ph) => `${ph} ${med(ph, (p) => p.n)} tasks, `
        + `${med(ph, (p) => p.sum).toFixed(1)} ms summed, ${med(ph, (p) => p.covered).toFixed(1)} ms covered, `
        + `${med(ph, (p) => p.threads.size)} threads`).join('; ')}`);
    }
  }
  const ratio = (a, b) => (mem[a] && mem[b] ? (median(mem[a].ms) / median(mem[b].ms)).toFixed(2) : '-');
  console.log(`  speed-up in memory: parts/threaded vs single ${ratio('single', 'parts')}x; `
    + `threaded serial vs single serial ${ratio('serial', 'single')}x slower; `
    + `single build parts vs serial ${ratio('single-parts', 'single')}x`);
  }
  const load1 = loadavg()[0];

  // ---- Decode: web/decode-worker.js with each build on the generated analog SPI capture.
  if (ONLY.has('e2e')) {
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

  const d1 = median(decode.single.map((d) => d.ms));
  const dt = median(decode.threads.map((d) => d.ms));
  console.log(`Decode SPI, 4 analog lines x ${DECODE_SAMPLES} samples (float32 NPY, ${decode.single[0].frames} frames)`);
  const runsOf = (ds) => busyOf(ds.map((d) => d.ms), ds.map((d) => d.cpu));
  console.log(`  single-threaded: ${runsOf(decode.single)}; median ${d1.toFixed(0)} ms`);
  console.log(`  ${decode.threads[0].wasm} (parallel parts: ${decode.threads[0].parallel}): ${runsOf(decode.threads)}; median ${dt.toFixed(0)} ms`);
  console.log(`  default (no parallel parts: ${decode.serial[0].wasm}): ${runsOf(decode.serial)}; median ${median(decode.serial.map((d) => d.ms)).toFixed(0)} ms`);
  console.log(`  speed-up (parallel parts) ${(d1 / dt).toFixed(2)}x; same frame count: ${[...decode.threads, ...decode.serial].every((d) => d.frames === decode.single[0].frames)}`);
  }
  // ---- The analog view's spectrum of a dropped file: one reader vs range workers.
  if (ONLY.has('ranges')) {
    const npy = path.join(work, 'ranges.npy');
    execFileSync('python3', ['-c', String.raw`
import sys, numpy as np
n = int(float(sys.argv[2])); step = 1 << 22
x = np.lib.format.open_memmap(sys.argv[1], mode='w+', dtype=np.float32, shape=(n,))
rng = np.random.default_rng(3)
for i in range(0, n, step):
    t = np.arange(i, min(i + step, n))
    x[i:i + len(t)] = np.sin(t * 0.0731) + 0.01 * rng.standard_normal(len(t))
x.flush()
`, npy, String(RANGE_SAMPLES)], { stdio: 'inherit' });
    await page.evaluate(() => {
      if (document.getElementById('bench-range-file')) return;
      const input = document.createElement('input');
      input.type = 'file';
      input.id = 'bench-range-file';
      input.hidden = true;
      document.body.append(input);
    });
    await page.setInputFiles('#bench-range-file', npy);
    const spectrumOnce = (rangeWorkers) => page.evaluate((rangeWorkers) => new Promise((resolve, reject) => {
      const file = document.getElementById('bench-range-file').files[0];
      const worker = new Worker('/analog-worker.js', { type: 'module' });
      worker.onmessage = ({ data }) => {
        if (data.type === 'done') {
          worker.terminate();
          resolve({ ranges: data.rangeWorkers ?? 0, times: data.rangeTimes, segments: data.doc.segments, psd: data.doc.psd });
        } else if (data.type === 'error') {
          worker.terminate();
          reject(new Error(data.message));
        }
      };
      worker.postMessage({ kind: 'spectrum', file, options: {
        channel: 0, window: 'hann', nfft: null, overlap: 0.5, average: 'welch', scaling: 'density',
        harmonics: 5, peaks: 10, spectrogram: true, rangeWorkers,
      } });
    }), rangeWorkers);
    const loadR = loadavg()[0];
    const runs = { one: [], ranges: [] };
    for (let r = 0; r < RUNS; r += 1) {
      for (const [mode, n] of [['one', 0], ['ranges', undefined]]) {
        const [out, ms, cpu] = await timed(tag, () => spectrumOnce(n));
        runs[mode].push({ ...out, ms, cpu });
      }
    }
    const a = runs.one[0].psd;
    const b = runs.ranges[0].psd;
    const rel = Math.max(...a.map((x, i) => (x === b[i] ? 0 : Math.abs(x - b[i]) / Math.max(Math.abs(x), Math.abs(b[i])))));
    const m = (ds, k) => median(ds.map((d) => d[k]));
    console.log(`Dropped-file spectrum, float32 NPY of ${RANGE_SAMPLES} samples (${(RANGE_SAMPLES * 4 / 1e6).toFixed(0)} MB, ${runs.one[0].segments} segments, spectrogram), load ${loadR.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
    for (const mode of ['one', 'ranges']) {
      const ds = runs[mode];
      console.log(`  ${mode === 'one' ? 'one reader' : `${ds[0].ranges} range workers`}: ${busyOf(ds.map((d) => d.ms), ds.map((d) => d.cpu))}; median ${m(ds, 'ms').toFixed(0)} ms, ${m(ds, 'cpu').toFixed(2)} CPU-s`);
    }
    const t = runs.ranges.map((d) => d.times);
    console.log(`  range workers, medians: ranged run ${median(t.map((x) => x.ms)).toFixed(0)} ms; per run, summed over the workers: in wasm ${median(t.map((x) => x.busy)).toFixed(0)} ms, `
      + `on parts ${median(t.map((x) => x.wall)).toFixed(0)} ms (the rest of that waited on reads)`);
    console.log(`  speed-up ${(m(runs.one, 'ms') / m(runs.ranges, 'ms')).toFixed(2)}x; largest relative difference of the PSDs ${rel.toExponential(2)}`);
  }
  console.log(`load average (1 min) ${load0.toFixed(1)} before the correlation, ${load1.toFixed(1)} after the in-memory decode, ${loadavg()[0].toFixed(1)} at the end`);
} finally {
  await context?.close().catch(() => {});
  server.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
