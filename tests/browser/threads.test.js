// The threaded wasm build (web/pkg-threads) in headless Chromium: served with cross-origin
// isolation the workers load it through web/wasm-loader.js, and its results equal the
// single-threaded build's (web/pkg, forced with `?wasm=single`) and the CLI's; served with
// `--no-isolation` the page falls back to the single-threaded build.
//
//   npm ci --prefix tests/browser
//   scripts/build-wasm.sh && cargo build --release -p scopekit-cli   # or set SCOPEKIT_BIN
//   node --test tests/browser/threads.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), python3 with numpy, web/pkg and
// web/pkg-threads built, and ../shared/data (override with SCOPEKIT_DATA).
// Screenshots go to tests/browser/artifacts/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { stopServer, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DATA = process.env.SCOPEKIT_DATA || path.join(REPO, '..', 'shared', 'data');
const SHOTS = path.join(REPO, 'tests', 'browser', 'artifacts');
/** Samples of the generated analog SPI capture: 4 float32 lines, 32 MB, 4 parts of 8 MiB. */
const SPI_SAMPLES = 2_000_000;
/** Samples of the Welch test signal. */
const TONE_SAMPLES = 300_000;

/** `scopekit serve --port 0 [extra]`; resolves to { proc, url } once it prints its URL. */
function serve(extra = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', '0', ...extra],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`no URL: ${stdout}`)); }, 20_000);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = stdout.match(/serving on (http:\/\/\S+?)\/?\s*$/m);
      if (m) { clearTimeout(timer); resolve({ proc, url: `${m[1]}/` }); }
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** The test signal: a tone plus a deterministic pseudo-random term (same in node and page). */
function tone(n) {
  const x = new Float64Array(n);
  let s = 12345;
  for (let i = 0; i < n; i += 1) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = Math.sin(i * 0.0731) + 0.25 * Math.sin(i * 0.4) + (s / 2147483648 - 0.5) * 0.01;
  }
  return x;
}

/** Samples of each signal of the correlation pair (streamed, in 32 parts of whole blocks). */
const PAIR_SAMPLES = 1_000_000;
/** Lag of the correlation pair: B is A delayed by 123 samples (plus noise). */
const PAIR_DELAY = 123;

/** The correlation pair as float32 [a, b] (same in node and page: evaluated in both). */
function pair(n, delay) {
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const x = new Float64Array(n + delay);
  let s = 987654;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (let i = 0; i < x.length; i += 1) x[i] = rnd() + 0.3 * Math.sin(i * 0.01);
  for (let i = 0; i < n; i += 1) {
    a[i] = x[i];
    b[i] = x[i + delay] + 0.05 * rnd();
  }
  return [a, b];
}

/** A little-endian float64 (or float32: `descr` '<f4') NPY of `x`. */
function writeNpy(file, x, descr = '<f8') {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${x.length},), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(x.buffer)]));
}

describe('threaded wasm build', { timeout: 240_000 }, () => {
  let work;
  let context;
  const servers = {};
  const pageErrors = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    assert.ok(existsSync(path.join(REPO, 'web', 'pkg-threads', 'scopekit_wasm_bg.wasm')),
      'web/pkg-threads is missing: run scripts/build-wasm.sh');
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-threads-'));
    const home = path.join(work, 'home');
    for (const dir of [path.join(work, 'data'), home, SHOTS]) mkdirSync(dir, { recursive: true });
    execFileSync('python3', [path.join(REPO, 'benches', 'gen_bus.py'), path.join(work, 'data'), String(SPI_SAMPLES)],
      { stdio: 'ignore' });
    writeNpy(path.join(work, 'data', 'tone.npy'), tone(TONE_SAMPLES));
    const [a, b] = pair(PAIR_SAMPLES, PAIR_DELAY);
    writeNpy(path.join(work, 'data', 'pair-a.npy'), a, '<f4');
    writeNpy(path.join(work, 'data', 'pair-b.npy'), b, '<f4');
    servers.isolated = await serve();
    servers.plain = await serve(['--no-isolation']);
    context = await launchBrowser(path.join(work, 'profile'), home);
  });

  after(async () => {
    await context?.close().catch(() => {});
    for (const s of Object.values(servers)) await stopServer(s?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A page of `server`, loaded. */
  async function open(server) {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('[data-testid="wasm-build"]').waitFor({ state: 'attached' });
    return page;
  }

  /** Decode `file` in web/decode-worker.js (`query`: '' or '?wasm=single'): frames + tail. */
  async function decodeInWorker(page, file, settings, query = '') {
    await page.evaluate(() => {
      if (document.getElementById('threads-test-file')) return;
      const input = document.createElement('input');
      input.type = 'file';
      input.id = 'threads-test-file';
      input.hidden = true;
      document.body.append(input);
    });
    await page.setInputFiles('#threads-test-file', file);
    return page.evaluate(([settings, query]) => new Promise((resolve, reject) => {
      const file = document.getElementById('threads-test-file').files[0];
      const worker = new Worker(`/decode-worker.js${query}`, { type: 'module' });
      const frames = [];
      const decoder = new TextDecoder();
      const started = performance.now();
      worker.onmessage = ({ data }) => {
        if (data.type === 'frames') {
          const text = decoder.decode(data.text);
          for (let i = 0; i < data.count; i += 1) {
            frames.push(JSON.parse(text.slice(data.offsets[i], data.offsets[i + 1])));
          }
        } else if (data.type === 'done') {
          worker.terminate();
          resolve({ ...data, frames, ms: performance.now() - started });
        } else if (data.type === 'error') {
          worker.terminate();
          reject(new Error(data.message));
        }
      };
      worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
      worker.postMessage({ file, ...settings });
    }), [settings, query]);
  }

  /** Call wasm export `fn` in a probe worker (web/wasm-loader.js?rpc[&wasm=single]). */
  function rpc(page, query, fn, args = []) {
    return page.evaluate(([query, fn, args]) => new Promise((resolve, reject) => {
      const worker = new Worker(`/wasm-loader.js?rpc${query}`, { type: 'module' });
      worker.onmessage = ({ data }) => {
        worker.terminate();
        if (data.error) reject(new Error(data.error));
        else resolve(data.value);
      };
      worker.onerror = (e) => reject(new Error(`probe worker failed: ${e.message}`));
      // {f64: [...]}: a Float64Array; {window: name}: an array the page already holds.
      const arg = (a) => (a?.f64 ? Float64Array.from(a.f64) : a?.window ? window[a.window[0]][a.window[1]] : a);
      worker.postMessage({ id: 1, fn, args: args.map(arg) });
    }), [query, fn, args]);
  }

  const spiSettings = {
    config: { protocol: 'spi', cs_polarity: 'active-low', cpol: 0, cpha: 0, bitorder: 'msb-first', wordsize: 8 },
    wires: [{ role: 'clk', channel: 0 }, { role: 'miso', channel: 1 }, { role: 'mosi', channel: 2 }, { role: 'cs', channel: 3 }],
    levels: { threshold: null, hysteresis: null },
  };
  const cliSpi = (file) => JSON.parse(execFileSync(BIN,
    ['decode', 'spi', file, '--clk', '0', '--miso', '1', '--mosi', '2', '--cs', '3', '--json'],
    { encoding: 'utf8', maxBuffer: 256 << 20 }));

  test('isolated page: the workers load the threaded build', { timeout: 120_000 }, async () => {
    const page = await open(servers.isolated);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const label = await page.getByTestId('wasm-build').textContent();
    assert.equal(label, cores > 1 ? `wasm: ${cores} threads` : 'wasm: single-threaded');
    const loaded = await rpc(page, '', 'loaded');
    assert.deepEqual(loaded, { threads: cores, label: `wasm: ${cores} threads`, build: 'threads' });
    assert.equal((await rpc(page, '&wasm=single', 'loaded')).build, 'single');
    await page.screenshot({ path: path.join(SHOTS, 'threads-isolated.png'), fullPage: true });
    await page.close();
  });

  test('decode of a real capture: threaded = single-threaded = CLI', { timeout: 120_000 }, async () => {
    const c = JSON.parse(readFileSync(path.join(DATA, 'sigrok', 'cases.json'), 'utf8'))
      .find((x) => x.name === 'hello_world_8n1_115200');
    assert.ok(c, 'sigrok case hello_world_8n1_115200');
    const file = path.join(DATA, 'sigrok', c.input);
    const settings = {
      config: { protocol: 'uart', baudrate: 115200 },
      wires: [{ role: 'tx', channel: c.channel_indices.tx }],
      levels: { threshold: null, hysteresis: null },
    };
    const page = await open(servers.isolated);
    // A sigrok session is decoded serially; asking for parallel parts loads the threaded build.
    const threaded = await decodeInWorker(page, file, { ...settings, parallelParts: true });
    const single = await decodeInWorker(page, file, settings, '?wasm=single');
    assert.ok(threaded.threads > 1, 'threaded build');
    assert.equal(threaded.wasm, `wasm: ${threaded.threads} threads`);
    assert.equal(single.wasm, 'wasm: single-threaded');
    assert.deepEqual(threaded.frames, single.frames);
    assert.deepEqual(threaded.stats, single.stats);
    const cli = JSON.parse(execFileSync(BIN, ['decode', 'uart', file, '--tx', String(c.channel_indices.tx),
      '--baudrate', '115200', '--json'], { encoding: 'utf8' }));
    assert.ok(cli.frames.length > 10, 'the capture has frames');
    assert.deepEqual(threaded.frames.map(({ time, ...f }) => f), cli.frames.map(({ time, ...f }) => f));
    assert.deepEqual(threaded.stats, cli.stats);
    assert.equal(threaded.samples, cli.samples);
    await page.close();
  });

  test('decode of an analog 4-line SPI capture in parallel parts = single-threaded = CLI', { timeout: 120_000 }, async () => {
    const file = path.join(work, 'data', 'spi.npy');
    const page = await open(servers.isolated);
    const threaded = await decodeInWorker(page, file, { ...spiSettings, parallelParts: true });
    const single = await decodeInWorker(page, file, spiSettings, '?wasm=single');
    const serial = await decodeInWorker(page, file, spiSettings);
    assert.ok(threaded.threads > 1, 'threaded build');
    assert.equal(serial.parallel, false, 'the serial session is the default');
    assert.equal(serial.wasm, 'wasm: single-threaded', 'the serial session runs on the single-threaded build');
    assert.deepEqual(serial.frames, single.frames);
    assert.equal(threaded.parallel, true, 'the threaded build took the parallel path');
    assert.equal(single.parallel, false);
    assert.deepEqual(threaded.frames, single.frames);
    assert.deepEqual(threaded.stats, single.stats);
    assert.equal(threaded.samples, single.samples);
    const cli = cliSpi(file);
    assert.equal(cli.frames.length, 22_528 * SPI_SAMPLES / 2_000_000);
    assert.deepEqual(threaded.frames, cli.frames.map(({ time, ...f }) => f));
    assert.deepEqual(threaded.stats, cli.stats);
    assert.equal(threaded.samples, cli.samples);
    // A fixed threshold takes the same path.
    const fixed = { ...spiSettings, parallelParts: true, levels: { threshold: 1.65, hysteresis: 0.2 } };
    const a = await decodeInWorker(page, file, fixed);
    const b = await decodeInWorker(page, file, fixed, '?wasm=single');
    assert.equal(a.parallel, true);
    assert.deepEqual(a.frames, b.frames);
    assert.deepEqual(a.stats, b.stats);
    await page.close();
  });

  test('Welch through welchSpectrum: threaded = single-threaded = CLI', { timeout: 120_000 }, async () => {
    const page = await open(servers.isolated);
    const args = [{ f64: Array.from(tone(TONE_SAMPLES)) }, 4096, 2048, 'hann', undefined];
    const threaded = await rpc(page, '', 'welchSpectrum', args);
    const single = await rpc(page, '&wasm=single', 'welchSpectrum', args);
    assert.deepEqual(threaded, single, 'bit-identical across builds');
    const cli = JSON.parse(execFileSync(BIN, ['spectrum', path.join(work, 'data', 'tone.npy'), '--nfft', '4096', '--json'],
      { encoding: 'utf8', maxBuffer: 64 << 20 }));
    assert.equal(threaded.segments, cli.segments);
    assert.deepEqual(threaded.frequencies, cli.frequencies);
    let worst = 0;
    for (let k = 0; k < cli.psd.length; k += 1) {
      worst = Math.max(worst, Math.abs(threaded.psd[k] - cli.psd[k]) / Math.max(Math.abs(cli.psd[k]), 1e-300));
    }
    assert.ok(worst <= 1e-12, `psd within 1e-12 of the CLI (merge order only): ${worst}`);
    await page.close();
  });

  test('correlation through correlateSamplesF32: threaded = single-threaded = CLI', { timeout: 120_000 }, async () => {
    const page = await open(servers.isolated);
    await page.evaluate(`window.corrPair = (${pair.toString()})(${PAIR_SAMPLES}, ${PAIR_DELAY})`);
    const args = [{ window: ['corrPair', 0] }, { window: ['corrPair', 1] }, 1000, undefined, undefined];
    const threaded = await rpc(page, '', 'correlateSamplesF32', args);
    const single = await rpc(page, '&wasm=single', 'correlateSamplesF32', args);
    assert.deepEqual(threaded, single, 'bit-identical across builds (the same 32 parts, merged in order)');
    assert.equal(threaded.precision, 'f32');
    assert.equal(threaded.peak.lag, PAIR_DELAY);
    const cli = (...extra) => JSON.parse(execFileSync(BIN, ['correlate', path.join(work, 'data', 'pair-a.npy'),
      path.join(work, 'data', 'pair-b.npy'), '--stream', '--max-lag', '1000', '--json', ...extra], { encoding: 'utf8' }));
    const rel = (x, y) => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
    /** Same report within docs/json-schema.md's tolerance: `tol` relative for the peak value
     * and coefficient, `lagTol` samples for the interpolated lag. */
    const near = (got, want, tol, lagTol, what) => {
      assert.deepEqual(got.samples, want.samples, what);
      assert.equal(got.precision, want.precision, what);
      assert.equal(got.max_lag, want.max_lag, what);
      assert.equal(got.peak.lag, want.peak.lag, what);
      assert.ok(rel(got.peak.value, want.peak.value) <= tol, `${what}: peak ${got.peak.value} vs ${want.peak.value}`);
      assert.ok(Math.abs(got.peak.lag_interpolated - want.peak.lag_interpolated) <= lagTol,
        `${what}: lag ${got.peak.lag_interpolated} vs ${want.peak.lag_interpolated}`);
      assert.ok(Math.abs(got.coefficient - want.coefficient) <= tol, `${what}: r ${got.coefficient} vs ${want.coefficient}`);
    };
    // f32 FFTs: wasm's and the native CLI's f32 transforms round differently (SIMD paths),
    // so the documented f32 tolerance (1e-6 of the peak, 1e-5 samples, 1e-6), serial or parts.
    near(threaded, cli('--threads', '1'), 1e-6, 1e-5, 'f32 vs CLI --threads 1');
    near(threaded, cli('--threads', '8'), 1e-6, 1e-5, 'f32 vs CLI --threads 8 (the same 32 parts)');
    // f64 FFTs on request: within 1e-12 of the CLI (summation order only).
    const f64 = await rpc(page, '', 'correlateSamplesF32', [...args.slice(0, 4), 'f64']);
    assert.equal(f64.precision, 'f64');
    assert.deepEqual(f64, await rpc(page, '&wasm=single', 'correlateSamplesF32', [...args.slice(0, 4), 'f64']));
    near(f64, cli('--threads', '1', '--precision', 'f64'), 1e-12, 1e-9, 'f64 vs CLI --threads 1');
    await page.close();
  });

  test('embed API over samples (scopekit.js): transferred or copied = the probe worker', { timeout: 120_000 }, async () => {
    const page = await open(servers.isolated);
    await page.evaluate(`window.corrPair = (${pair.toString()})(${PAIR_SAMPLES}, ${PAIR_DELAY})`);
    const expect = await rpc(page, '', 'correlateSamplesF32', [{ window: ['corrPair', 0] }, { window: ['corrPair', 1] }, 1000, 1e6, undefined]);
    const toneArgs = [{ f64: Array.from(tone(TONE_SAMPLES)) }, 4096, 2048, 'hann', undefined];
    const psd = await rpc(page, '', 'welchSpectrum', toneArgs);
    const out = await page.evaluate(async (toneValues) => {
      const { correlateSamples, spectrumOfSamples } = await import('./scopekit.js');
      const [a, b] = window.corrPair;
      const copied = await correlateSamples(a, b, { maxLag: 1000, rate: 1e6 });
      const kept = a.length;
      const [ta, tb] = [a.slice(), b.slice()];
      const moved = await correlateSamples(ta, tb, { maxLag: 1000, rate: 1e6, transfer: true });
      const x = Float64Array.from(toneValues);
      const spectrum = await spectrumOfSamples(x, { nfft: 4096, transfer: true });
      const errors = [];
      for (const f of [() => correlateSamples(a, new Float64Array(a.length)), () => spectrumOfSamples([1, 2, 3]),
        () => correlateSamples(a, b, { maxLag: -1 }), () => spectrumOfSamples(a, { nfft: 8, overlap: 8 }),
        () => spectrumOfSamples(new Float32Array(10), { nfft: 4096 })]) {
        errors.push(await f().then(() => 'resolved', (e) => e.name));
      }
      return { copied, kept, moved, detached: [ta.length, tb.length, x.length], spectrum, errors };
    }, toneArgs[0].f64);
    assert.deepEqual(out.copied, expect);
    assert.deepEqual(out.moved, expect);
    assert.equal(out.kept, PAIR_SAMPLES, 'without transfer the caller keeps its arrays');
    assert.deepEqual(out.detached, [0, 0, 0], 'with transfer the buffers moved to the worker');
    assert.deepEqual(out.spectrum, psd);
    assert.deepEqual(out.errors, ['TypeError', 'TypeError', 'RangeError', 'RangeError', 'Error']);
    await page.close();
  });

  test('in-memory decode (decodeBytes): parts = serial = single-threaded', { timeout: 120_000 }, async () => {
    const page = await open(servers.isolated);
    await page.evaluate(() => {
      const input = document.createElement('input');
      input.type = 'file';
      input.id = 'threads-bytes-file';
      input.hidden = true;
      document.body.append(input);
    });
    await page.setInputFiles('#threads-bytes-file', path.join(work, 'data', 'spi.npy'));
    await page.evaluate(async () => {
      const file = document.getElementById('threads-bytes-file').files[0];
      window.spiBytes = [new Uint8Array(await file.arrayBuffer())];
    });
    const run = (query, parts) => rpc(page, query, 'decodeBytes',
      [{ window: ['spiBytes', 0] }, spiSettings.config, spiSettings.wires, undefined, spiSettings.levels, parts, true]);
    const threaded = await run('', true);
    const serial = await run('', false);
    const single = await run('&wasm=single', false);
    assert.equal(threaded.parallel, true);
    assert.equal(serial.parallel, false);
    for (const out of [serial, single]) {
      assert.deepEqual(threaded.frames, out.frames);
      assert.deepEqual(threaded.stats, out.stats);
      assert.equal(threaded.samples, out.samples);
    }
    const cli = cliSpi(path.join(work, 'data', 'spi.npy'));
    assert.deepEqual(threaded.frames, cli.frames.map(({ time, ...f }) => f));
    await page.close();
  });

  test('ParallelDecode (single build, in Node): parts pushed one by one = all at once = serial', { timeout: 120_000 }, async () => {
    // One part (524288 samples) per push holds fewer than the 2^20 samples the automatic
    // thresholds need: the first part is kept until the second arrives.
    const pkg = path.join(REPO, 'web', 'pkg');
    const wasm = await import(path.join(pkg, 'scopekit_wasm.js'));
    await wasm.default({ module_or_path: readFileSync(path.join(pkg, 'scopekit_wasm_bg.wasm')) });
    const bytes = new Uint8Array(readFileSync(path.join(work, 'data', 'spi.npy')));
    const { config, wires, levels } = spiSettings;
    const decode = (perPush) => {
      const session = new wasm.ParallelDecode(bytes.subarray(0, 65536), bytes.length, config, wires, undefined, levels);
      try {
        assert.equal(session.parallel(), true);
        const bounds = session.partBounds();
        const frames = [];
        for (let i = 0; i < bounds.length / 2; i += perPush) {
          const last = Math.min(i + perPush, bounds.length / 2) - 1;
          frames.push(...session.pushParts(bytes.subarray(bounds[2 * i], bounds[2 * last + 1])));
        }
        const out = session.finish();
        return { frames: [...frames, ...out.frames], stats: out.stats, samples: out.samples };
      } finally {
        session.free();
      }
    };
    const serial = wasm.decodeBytes(bytes, config, wires, undefined, levels, false, true);
    assert.equal(serial.parallel, false);
    for (const perPush of [1, 2, 4]) {
      const out = decode(perPush);
      assert.deepEqual(out.frames, serial.frames, `${perPush} part(s) per push`);
      assert.deepEqual(out.stats, serial.stats);
      assert.equal(out.samples, serial.samples);
    }
    assert.ok(serial.frames.length > 20_000);
  });

  test('--no-isolation: the single-threaded fallback works', { timeout: 120_000 }, async () => {
    const page = await open(servers.plain);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await page.getByTestId('wasm-build').textContent(), 'wasm: single-threaded');
    assert.deepEqual(await rpc(page, '', 'loaded'), { threads: 1, label: 'wasm: single-threaded', build: 'single' });
    const file = path.join(work, 'data', 'spi.npy');
    const out = await decodeInWorker(page, file, { ...spiSettings, parallelParts: true });
    assert.equal(out.wasm, 'wasm: single-threaded');
    assert.equal(out.parallel, false);
    const cli = cliSpi(file);
    assert.deepEqual(out.frames, cli.frames.map(({ time, ...f }) => f));
    assert.deepEqual(out.stats, cli.stats);
    await page.evaluate(`window.corrPair = (${pair.toString()})(${PAIR_SAMPLES}, ${PAIR_DELAY})`);
    const corr = await rpc(page, '', 'correlateSamplesF32',
      [{ window: ['corrPair', 0] }, { window: ['corrPair', 1] }, 1000, undefined, undefined]);
    assert.equal(corr.peak.lag, PAIR_DELAY, 'correlation on the single-threaded fallback');
    await page.screenshot({ path: path.join(SHOTS, 'threads-fallback.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});
