// The page's read path (issue 8) on a ~64 MiB capture: the file is read once, by one worker
// (web/app.js, viewer-worker.js 'ingest'), for both the statistics and the waveform viewer's
// pyramid — the page's statistics must equal `scopekit stats --json`, the viewer must cover
// every sample, and progress, ETA, cancel and a second file replacing the first must still
// work. The big benchmark is
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
import { npyHeader } from './npy.js';

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
    const frames = 4 * 1024 * 1024;
    const out = await page.evaluate(async ({ frames, header }) => {
      const { analyzeFile } = await import('./scopekit.js');
      const head = Uint8Array.from(header);
      const body = new Float32Array(frames * 2).map((_, i) => Math.sin(i / 100));
      const file = new Blob([head, body]);
      const progress = [];
      const report = await analyzeFile(file, { onProgress: (p) => progress.push({ ...p, t: performance.now() }) });
      return { progress, size: file.size, count: report.channels[0].count };
    }, { frames, header: Array.from(npyHeader(frames)) });
    checkProgress(out, frames);
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
    // Polled, not observed: the status text is redrawn only every 250 ms while a file
    // streams, and a small file can finish between two redraws.
    await page.evaluate(() => {
      const poll = setInterval(() => {
        if (window.__scopekitViewer?.state === 'building') {
          clearInterval(poll);
          document.querySelector('[data-testid="cancel"]').click();
        }
      }, 1);
    });
    await drop(data('big.npy'));
    assert.equal(await result().getAttribute('data-state'), 'idle');
    assert.equal(await page.evaluate(() => window.__scopekitViewer.state), 'cancelled');
  });

  test('no uncaught errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
