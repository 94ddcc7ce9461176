// The page's read path (issue 8) on a ~64 MiB capture: the file is read once, by a reader
// worker into a few transferred buffers, for both the statistics and the waveform viewer's
// pyramid (web/app.js, viewer-worker.js 'ingest', read-worker.js) — the page's statistics
// must equal `scopekit stats --json`, the viewer must cover every sample, and progress, ETA,
// cancel and a second file replacing the first must still work; the reader's flow control
// (slow consumer, early stop, kept buffers, tiny and empty files) is tested on its own. The big benchmark is
// benches/browser/perf.mjs (not in CI).
//
//   SCOPEKIT_BIN=/path/to/scopekit node --test tests/browser/perf.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { startServer, stopServer, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const FRAMES = 8 * 1024 * 1024; // × 2 channels × 4 bytes = 64 MiB

const GENERATE = String.raw`
import sys, numpy as np
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20261125)
t = np.arange(n, dtype=np.float64)
a = np.empty((n, 2), dtype=np.float32)
a[:, 0] = np.sin(2 * np.pi * t / 1000.0) + 0.1 * rng.standard_normal(n)
a[:, 1] = 2.5 + 0.5 * np.sin(2 * np.pi * t / 377.0) + 0.05 * rng.standard_normal(n)
a[rng.choice(n, 1000, replace=False), 1] = np.nan
np.save(f"{out}/big.npy", a)
np.save(f"{out}/odd.npy", a[: 3_000_001, :1].copy())
`;

const cliStats = (file, extra = []) =>
  JSON.parse(execFileSync(BIN, ['stats', file, '--json', ...extra], { encoding: 'utf8', maxBuffer: 16 << 20 }));

describe('the tuned read path of the page', () => {
  let work;
  let server;
  let context;
  let page;
  const pageErrors = [];
  const data = (name) => path.join(work, 'data', name);
  const result = () => page.getByTestId('result');

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN} (set SCOPEKIT_BIN)`);
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-perf-test-'));
    const home = path.join(work, 'home');
    for (const d of [path.join(work, 'data'), home, path.join(home, '.config'), path.join(home, '.cache')]) {
      mkdirSync(d, { recursive: true });
    }
    execFileSync('python3', ['-c', GENERATE, path.join(work, 'data'), String(FRAMES)], { stdio: 'inherit' });
    server = await startServer(BIN, REPO);
    context = await launchBrowser(path.join(work, 'profile'), home);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('html[data-ready="true"]');
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Drop `file`; resolve once the run is over, with every status text seen meanwhile. */
  async function drop(file) {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.evaluate(() => {
      window.__statusTexts = [];
      const el = document.querySelector('[data-testid="status"]');
      window.__statusObserver?.disconnect();
      window.__statusObserver = new MutationObserver(() => window.__statusTexts.push(el.textContent));
      window.__statusObserver.observe(el, { childList: true, characterData: true, subtree: true });
      window.__dropped = performance.now();
    });
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="result"]');
      return Number(r.dataset.run) > prev && r.dataset.state !== 'running';
    }, previous, { timeout: 120_000 });
    return page.evaluate(() => ({ texts: window.__statusTexts, ms: performance.now() - window.__dropped }));
  }

  test('page statistics of a 64 MiB capture equal the CLI, and the viewer covers every sample', async () => {
    const { texts, ms } = await drop(data('big.npy'));
    assert.equal(await result().getAttribute('data-state'), 'done', texts.join(' | '));
    assert.deepStrictEqual(JSON.parse(await result().getAttribute('data-json')), cliStats(data('big.npy')));
    assert.ok(texts.some((t) => / %\)/.test(t)), `progress shown: ${texts.join(' | ')}`);
    if (ms > 1500) assert.ok(texts.some((t) => /left/.test(t)), `an ETA after ${ms} ms: ${texts.join(' | ')}`);
    assert.match(texts.at(-1), /analysed in/);
    await page.waitForFunction(() => window.__scopekitViewer?.state === 'ready', null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => window.__scopekitViewer.samples), FRAMES);
  });

  test('one channel of a file whose size is no multiple of the chunk size', async () => {
    await page.getByTestId('channel').fill('0');
    await drop(data('odd.npy'));
    await page.getByTestId('channel').fill('');
    assert.equal(await result().getAttribute('data-state'), 'done');
    assert.deepStrictEqual(JSON.parse(await result().getAttribute('data-json')), cliStats(data('odd.npy'), ['--channel', '0']));
  });

  test('analyzeFile: progress at most ~10×/s, in order, ending at the file size', async () => {
    const out = await page.evaluate(async () => {
      const { analyzeFile } = await import('./scopekit.js');
      const frames = 4 * 1024 * 1024;
      const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${frames}, 2), }`;
      const pad = (64 - ((11 + dict.length) % 64)) % 64;
      const text = dict + ' '.repeat(pad) + '\n';
      const head = new Uint8Array(10 + text.length);
      head.set([0x93, 78, 85, 77, 80, 89, 1, 0, text.length & 255, text.length >> 8]);
      for (let i = 0; i < text.length; i += 1) head[10 + i] = text.charCodeAt(i);
      const body = new Float32Array(frames * 2).map((_, i) => Math.sin(i / 100));
      const file = new Blob([head, body]);
      const progress = [];
      const report = await analyzeFile(file, { onProgress: (p) => progress.push({ ...p, t: performance.now() }) });
      return { progress, size: file.size, count: report.channels[0].count };
    });
    checkProgress(out, 4 * 1024 * 1024);
  });

  function checkProgress({ progress, size, count }, frames) {
    assert.equal(count, frames);
    assert.ok(progress.length >= 2);
    assert.deepStrictEqual(progress.at(-1).loaded, size);
    for (let i = 1; i < progress.length; i += 1) {
      assert.ok(progress[i].loaded >= progress[i - 1].loaded, 'progress never goes back');
      if (i < progress.length - 1 && i > 1) {
        assert.ok(progress[i].t - progress[i - 1].t >= 50, `progress messages at most ~10×/s (${progress[i].t - progress[i - 1].t} ms apart)`);
      }
    }
  }

  test('cancel during the stream stops the analysis; the next drop still works', async () => {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.evaluate(() => {
      const status = document.querySelector('[data-testid="status"]');
      const observer = new MutationObserver(() => {
        if (/ %\)/.test(status.textContent)) {
          observer.disconnect();
          document.querySelector('[data-testid="cancel"]').click();
        }
      });
      observer.observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId('file-input').setInputFiles(data('big.npy'));
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="result"]');
      return Number(r.dataset.run) > prev && r.dataset.state !== 'running';
    }, previous, { timeout: 30_000 });
    assert.equal(await result().getAttribute('data-state'), 'idle');
    assert.equal(await page.getByTestId('status').textContent(), 'Cancelled.');
    assert.equal(await page.getByTestId('cancel').isVisible(), false);
    await drop(data('big.npy'));
    assert.equal(await result().getAttribute('data-state'), 'done');
    assert.deepStrictEqual(JSON.parse(await result().getAttribute('data-json')), cliStats(data('big.npy')));
  });

  test('deep zoom reads raw samples from the File (the worker that built the pyramid)', async () => {
    await drop(data('big.npy'));
    await page.waitForFunction(() => window.__scopekitViewer?.state === 'ready', null, { timeout: 120_000 });
    await page.evaluate(() => window.__scopekitViewer.setView(1000, 200));
    await page.waitForFunction(() => {
      const d = window.__scopekitViewer.lastDrawn;
      return d?.first === 1000 && d.lanes.length === 2 && d.lanes.every((l) => l.raw?.length > 0);
    }, null, { timeout: 30_000 });
  });

  /** Run readerChunks (file-chunks.js) in the page over a generated Blob of `size` bytes. */
  const readInPage = (options) => page.evaluate(async ({ size, first, chunk, buffers, delay, stopAfter, keepEvery }) => {
    const { readerChunks } = await import('./file-chunks.js');
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 1) bytes[i] = (i * 7 + (i >> 13)) & 255;
    const blob = new Blob([bytes]);
    const sizes = [];
    let end = null;
    let mismatch = -1;
    let at = 0;
    let n = 0;
    for await (const view of readerChunks(blob, { first, chunk, buffers, onEnd: (e) => { end = e; } })) {
      sizes.push(view.byteLength);
      if (view.byteOffset !== 0) mismatch = at;
      for (let i = 0; i < view.byteLength && mismatch < 0; i += 1) if (view[i] !== bytes[at + i]) mismatch = at + i;
      at += view.byteLength;
      n += 1;
      // A slow consumer: the reader must wait for buffers, not allocate more.
      if (delay) await new Promise((r) => { setTimeout(r, delay); });
      // A consumer that keeps a buffer (transfers it away): the reader may make another one.
      if (keepEvery && n % keepEvery === 0) structuredClone(view.buffer, { transfer: [view.buffer] });
      if (stopAfter && n >= stopAfter) break;
    }
    return { sizes, end, mismatch, at };
  }, { delay: 0, stopAfter: 0, keepEvery: 0, ...options });

  test('reader worker: bytes in order, at most `buffers` buffers with a slow consumer', async () => {
    const MiB = 1024 * 1024;
    const size = 9 * MiB + 12345;
    const out = await readInPage({ size, first: 100_000, chunk: MiB, buffers: 3, delay: 30 });
    assert.equal(out.mismatch, -1);
    assert.equal(out.at, size);
    assert.equal(out.sizes[0], 100_000);
    assert.ok(out.sizes.slice(1, -1).every((s) => s === MiB), out.sizes.join());
    assert.ok(out.end && out.end.allocated >= 1 && out.end.allocated <= 3, JSON.stringify(out.end));
    // One buffer, a consumer keeping every other one, a file smaller than the first read.
    const one = await readInPage({ size: 3 * MiB + 1, first: MiB, chunk: MiB, buffers: 1, keepEvery: 2 });
    assert.equal(one.mismatch, -1);
    assert.equal(one.at, 3 * MiB + 1);
    assert.equal(one.end.allocated, 1);
    const tiny = await readInPage({ size: 10, first: MiB, chunk: MiB, buffers: 2 });
    assert.deepStrictEqual(tiny.sizes, [10]);
    const empty = await readInPage({ size: 0, first: MiB, chunk: MiB, buffers: 2 });
    assert.deepStrictEqual(empty.sizes, []);
    assert.ok(empty.end);
  });

  test('reader worker: stopping early ends it (buffers in flight), the next read works', async () => {
    const MiB = 1024 * 1024;
    const out = await readInPage({ size: 8 * MiB, first: MiB, chunk: MiB, buffers: 4, stopAfter: 2, delay: 20 });
    assert.equal(out.sizes.length, 2);
    assert.equal(out.end, null);
    const again = await readInPage({ size: 4 * MiB, first: MiB, chunk: MiB, buffers: 2 });
    assert.equal(again.at, 4 * MiB);
    assert.equal(again.mismatch, -1);
  });

  test('a second file dropped while the first streams replaces it, viewer included', async () => {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('file-input').setInputFiles(data('big.npy'));
    await page.waitForFunction(() => /%\)/.test(document.querySelector('[data-testid="status"]').textContent),
      null, { timeout: 30_000 });
    await drop(data('odd.npy'));
    assert.equal(Number(await result().getAttribute('data-run')), previous + 2);
    assert.equal(await result().getAttribute('data-state'), 'done');
    assert.deepStrictEqual(JSON.parse(await result().getAttribute('data-json')), cliStats(data('odd.npy')));
    await page.waitForFunction(() => window.__scopekitViewer?.state === 'ready', null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => window.__scopekitViewer.samples), 3_000_001);
  });

  test('cancel after the header: the viewer fed by the same read stops too', async () => {
    await page.evaluate(() => {
      const status = document.querySelector('[data-testid="status"]');
      const observer = new MutationObserver(() => {
        if (/ %\)/.test(status.textContent) && window.__scopekitViewer?.state === 'building') {
          observer.disconnect();
          document.querySelector('[data-testid="cancel"]').click();
        }
      });
      observer.observe(status, { childList: true, characterData: true, subtree: true });
    });
    await drop(data('big.npy'));
    assert.equal(await result().getAttribute('data-state'), 'idle');
    assert.equal(await page.evaluate(() => window.__scopekitViewer.state), 'cancelled');
  });

  test('no uncaught errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
