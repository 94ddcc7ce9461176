// End-to-end test of the scopekit web page in headless Chromium.
//
//   npm ci --prefix tests/browser          # playwright-core only; no browser download
//   cargo build --release -p scopekit-cli  # or set SCOPEKIT_BIN
//   node --test tests/browser/
//
// Needs /usr/bin/chromium (override with CHROMIUM), python3 with numpy, and the wasm package
// in web/pkg/. Set SCOPEKIT_SCREENSHOT=/tmp/x.png to save a screenshot after the big analysis.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { startServer, stopServer, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.env.SCOPEKIT_SCREENSHOT || '';

const BIG_SAMPLES = 8_500_000; // × 2 channels × 4 bytes ≈ 68 MB
const ANALYSIS_TIMEOUT = 120_000;

// Test data, generated with numpy. Keep it deterministic (seeded).
const GENERATE = String.raw`
import sys, numpy as np
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(20240521)
t = np.arange(n, dtype=np.float64)
a = np.empty((n, 2), dtype=np.float32)
a[:, 0] = np.sin(2 * np.pi * t / 1000.0) + 0.1 * rng.standard_normal(n)
a[:, 1] = 2.5 + 0.5 * np.sin(2 * np.pi * t / 377.0 + 0.3) + 0.05 * rng.standard_normal(n)
a[rng.choice(n, 1000, replace=False), 1] = np.nan
np.save(f"{out}/signal.npy", a)
assert a.flags.c_contiguous

small = np.empty((5000, 2), dtype="<i2")
small[:, 0] = np.arange(5000) % 200 - 100
small[:, 1] = (rng.standard_normal(5000) * 1000).astype(np.int16)
np.save(f"{out}/small.npy", small)

with open(f"{out}/notes.npy", "wb") as f:
    f.write(b"\x00\x01 not a capture \xff\xfe" * 8)

np.save(f"{out}/full.npy", np.ones((4096, 2), dtype=np.float32))
raw = open(f"{out}/full.npy", "rb").read()
open(f"{out}/truncated.npy", "wb").write(raw[: len(raw) - 10000])
`;

function cliStats(file, extra = []) {
  const out = execFileSync(BIN, ['stats', file, '--json', ...extra], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return JSON.parse(out);
}

describe('scopekit web page', () => {
  let work;
  let server;
  let context;
  let page;
  const pageErrors = [];
  const consoleLog = [];
  const requests = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}: build it with ` +
      '`cargo build --release -p scopekit-cli` or set SCOPEKIT_BIN');
    assert.ok(existsSync(path.join(REPO, 'web', 'pkg', 'scopekit_wasm_bg.wasm')),
      'web/pkg is missing: build scopekit-wasm and run wasm-bindgen --target web --out-dir web/pkg');

    work = mkdtempSync(path.join(tmpdir(), 'scopekit-browser-'));
    const data = path.join(work, 'data');
    const home = path.join(work, 'home');
    for (const dir of [data, home, path.join(home, '.config'), path.join(home, '.cache')]) {
      mkdirSync(dir, { recursive: true });
    }
    execFileSync('python3', ['-c', GENERATE, data, String(BIG_SAMPLES)], { stdio: 'inherit' });
    copyFileSync(path.join(REPO, '..', 'shared', 'data', 'trc', 'pulse_sequence.trc'),
      path.join(data, 'pulse_sequence.trc'));
    copyFileSync(path.join(REPO, '..', 'shared', 'data', 'sigrok', 'i2c', 'wii_nunchuk_init', 'wii_nunchuk_init.sr'),
      path.join(data, 'session.sr'));
    writeFileSync(path.join(data, 'scope.csv'),
      'Time [s],CH1 (V),CH2 (V)\n' + Array.from({ length: 3000 }, (_, i) =>
        `${i * 1e-6},${Math.sin(i / 30).toFixed(6)},${(i % 7) / 7}`).join('\n') + '\n');
    execFileSync('python3', [path.join(REPO, 'tests', 'oracle.py'), 'wav', path.join(data, 'tone.wav'),
      '24', '2', '100000', '96000', '5'], { stdio: 'ignore' });

    server = await startServer(BIN, REPO);
    context = await launchBrowser(path.join(work, 'profile'), home, { viewport: { width: 1200, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    context.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
    page.on('requestfailed', (r) => consoleLog.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('worker', (w) => {
      consoleLog.push(`worker started: ${w.url()}`);
      w.on('console', (m) => consoleLog.push(`worker ${m.type()}: ${m.text()}`));
    });
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const file = (name) => path.join(work, 'data', name);
  const result = () => page.getByTestId('result');
  const errorBox = () => page.getByTestId('error');

  /** Select a file in the picker; wait until the analysis is done or failed; return the state. */
  async function analyse(name, timeout = 30_000) {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('file-input').setInputFiles(file(name));
    // Wait for *this* run (data-run counts analyses) to settle, not a previous one.
    try {
      const state = await page.waitForFunction((prev) => {
        const r = document.querySelector('[data-testid="result"]');
        const s = r.dataset.state;
        return Number(r.dataset.run ?? 0) > prev && (s === 'done' || s === 'error') && s;
      }, previous, { timeout, polling: 50 });
      return await state.jsonValue();
    } catch (e) {
      const status = await page.getByTestId('status').textContent().catch(() => '?');
      const state = await result().getAttribute('data-state').catch(() => '?');
      e.message += `\n  ${name}: state ${state}, status "${status}"\n  page log:\n    ${consoleLog.join('\n    ')}`;
      throw e;
    }
  }

  async function expectDone(name, timeout) {
    const state = await analyse(name, timeout);
    if (state !== 'done') {
      assert.fail(`analysis of ${name} failed: ${await errorBox().textContent()}`);
    }
    assert.equal(await errorBox().isVisible(), false, 'error box visible after a successful analysis');
    return JSON.parse(await result().getAttribute('data-json'));
  }

  test('serves the page cross-origin isolated, with wasm as application/wasm', async () => {
    const response = await page.goto(server.url, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await response.headerValue('cross-origin-opener-policy'), 'same-origin');
    assert.equal(await response.headerValue('cross-origin-embedder-policy'), 'require-corp');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);

    const wasm = await fetch(new URL('pkg/scopekit_wasm_bg.wasm', server.url));
    assert.equal(wasm.status, 200);
    assert.match(wasm.headers.get('content-type') ?? '', /^application\/wasm\b/);
    await wasm.arrayBuffer();

    await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
    assert.equal(await result().getAttribute('data-state'), 'idle');
    assert.equal(await errorBox().isVisible(), false);
    await page.getByTestId('drop-zone').waitFor({ state: 'visible' });
  });

  test('big 2-channel float32 file: page report equals `scopekit stats --json`', { timeout: 180_000 }, async (t) => {
    const big = file('signal.npy');
    const size = statSync(big).size;
    assert.ok(size >= 64 * 1024 * 1024, `test file is only ${size} bytes`);

    const started = performance.now();
    const fromPage = await expectDone('signal.npy', ANALYSIS_TIMEOUT);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`page analysed ${(size / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s ` +
      `(${(size / 1e6 / seconds).toFixed(0)} MB/s, including file hand-over)`);
    t.diagnostic(`page status: ${await page.getByTestId('status').textContent()}`);

    const cliStarted = performance.now();
    const fromCli = cliStats(big);
    t.diagnostic(`scopekit stats took ${((performance.now() - cliStarted) / 1000).toFixed(2)} s`);
    assert.deepStrictEqual(fromPage, fromCli);

    // Sanity of the document itself, so equal-but-wrong output does not pass unnoticed.
    assert.deepEqual(fromPage.info.npy.shape, [BIG_SAMPLES, 2]);
    assert.equal(fromPage.info.dtype, 'float32');
    assert.equal(fromPage.channels.length, 2);
    assert.equal(fromPage.channels[1].nan_count, 1000);
    assert.ok(Math.abs(fromPage.channels[1].mean - 2.5) < 0.01);

    // The progress bar reached the end, and the table shows one row per channel.
    const progress = page.getByTestId('progress');
    assert.equal(await progress.evaluate((p) => p.value === p.max && p.max > 1), true);
    assert.equal(await page.locator('[data-testid="stats-table"] tbody tr').count(), 2);
    assert.match(await page.getByTestId('info').textContent(), /float32/);

    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  test('text file named .npy: error names the file and byte 0', async () => {
    const state = await analyse('notes.npy');
    assert.equal(state, 'error');
    await errorBox().waitFor({ state: 'visible' });
    const text = await errorBox().textContent();
    assert.match(text, /notes\.npy/);
    assert.match(text, /at byte 0\b/);
    assert.equal(await result().getAttribute('data-json'), null);
  });

  test('truncated NPY: error names the file and the byte where it ends', async () => {
    const truncatedSize = statSync(file('truncated.npy')).size;
    const state = await analyse('truncated.npy');
    assert.equal(state, 'error');
    await errorBox().waitFor({ state: 'visible' });
    const text = await errorBox().textContent();
    assert.match(text, /truncated\.npy/);
    assert.ok(text.includes(`at byte ${truncatedSize}`), `error text: ${text}`);
  });

  test('small int16 file after an error: error clears, report matches CLI; channel option', async () => {
    const fromPage = await expectDone('small.npy');
    assert.equal(await errorBox().textContent(), '');
    assert.deepStrictEqual(fromPage, cliStats(file('small.npy')));

    await page.getByTestId('channel').fill('1');
    const one = await expectDone('small.npy');
    await page.getByTestId('channel').fill('');
    assert.deepStrictEqual(one, cliStats(file('small.npy'), ['--channel', '1']));
    assert.equal(one.channels.length, 1);
    assert.deepStrictEqual(one.channels[0], fromPage.channels[1]);
  });

  test('LeCroy .trc, 24-bit WAV, sigrok .sr and CSV are recognised by content; reports equal the CLI', async () => {
    for (const name of ['pulse_sequence.trc', 'tone.wav', 'session.sr', 'scope.csv']) {
      const fromPage = await expectDone(name);
      assert.deepStrictEqual(fromPage, cliStats(file(name)), name);
    }
    const info = await page.getByTestId('info').textContent();
    assert.match(info, /csv/i);
    // A VCD needs a rate: an error without one, samples with one.
    const vcd = path.join(REPO, '..', 'shared', 'data', 'vcd', 'wellen', 'icarus', 'counter_tb.vcd');
    copyFileSync(vcd, file('counter.vcd'));
    assert.equal(await analyse('counter.vcd'), 'error');
    assert.match(await errorBox().textContent(), /rate/);
    await page.getByTestId('rate').fill('1');
    const sampled = await expectDone('counter.vcd');
    await page.getByTestId('rate').fill('');
    assert.deepStrictEqual(sampled, cliStats(file('counter.vcd'), ['--rate', '1']));
  });

  test('a file dropped on the drop zone is analysed', async () => {
    const bytes = [...readFileSync(file('small.npy'))];
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('drop-zone').evaluate((zone, data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'dropped.npy'));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    }, bytes);
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="result"]');
      return Number(r.dataset.run) > prev && r.dataset.state === 'done';
    }, previous, { timeout: 30_000 });
    assert.equal(await page.getByTestId('file-name').textContent(), 'dropped.npy');
    const fromPage = JSON.parse(await result().getAttribute('data-json'));
    assert.deepStrictEqual(fromPage, cliStats(file('small.npy')));
  });

  test('embeddable API: analyzeFile() with callbacks, errors and abort', async () => {
    const bytes = [...readFileSync(file('small.npy'))];
    const out = await page.evaluate(async (data) => {
      const { analyzeFile } = await import('./scopekit.js');
      const blob = new Blob([new Uint8Array(data)]);
      const progress = [];
      const infos = [];
      const report = await analyzeFile(blob, {
        channel: 0,
        onProgress: (p) => progress.push(p),
        onInfo: (info) => infos.push(info),
      });
      let badMessage = null;
      try {
        await analyzeFile(new Blob([new Uint8Array([0, 1, 2, 255, 0, 0, 7])]));
      } catch (e) {
        badMessage = e instanceof Error ? e.message : `not an Error: ${e}`;
      }
      const controller = new AbortController();
      const pending = analyzeFile(blob, { signal: controller.signal });
      controller.abort();
      const abortName = await pending.then(() => 'resolved', (e) => e.name);
      return { report, progress, infos, badMessage, abortName, size: blob.size };
    }, bytes);
    assert.deepStrictEqual(out.report, cliStats(file('small.npy'), ['--channel', '0']));
    assert.equal(out.infos.length, 1);
    assert.deepStrictEqual(out.infos[0], out.report.info);
    assert.ok(out.progress.length >= 1);
    assert.deepStrictEqual(out.progress.at(-1), { loaded: out.size, total: out.size });
    assert.match(out.badMessage ?? '', /^at byte 0: /);
    assert.equal(out.abortName, 'AbortError');
  });

  test('cancel stops a running analysis without an error', async () => {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('file-input').setInputFiles(file('signal.npy'));
    await page.getByTestId('cancel').click({ timeout: 5_000 });
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="result"]');
      return Number(r.dataset.run) > prev && r.dataset.state !== 'running';
    }, previous, { timeout: 30_000 });
    assert.equal(await result().getAttribute('data-state'), 'idle');
    assert.equal(await result().getAttribute('data-json'), null);
    assert.equal(await errorBox().isVisible(), false);
    assert.equal(await page.getByTestId('cancel').isVisible(), false);
  });

  test('no uncaught errors, and no request leaves the server', () => {
    assert.deepEqual(pageErrors, []);
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
  });
});
