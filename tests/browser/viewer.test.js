// End-to-end test of the page's waveform viewer (web/viewer.js + viewer-worker.js) in
// headless Chromium: a generated 2-channel float32 NPY (20 M samples each, streamed) and a
// real sigrok UART capture. The envelope drawn at full view is compared with numpy's
// min/max over the same sample ranges, deep zoom with numpy's samples; zoom / pan by
// keyboard and wheel, frame times of 30 pans, cursors, and the jump to a decoded frame.
//
//   cargo build --release -p scopekit-cli      # or set SCOPEKIT_BIN (serve embeds web/)
//   node --test tests/browser/viewer.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), python3 with numpy, web/pkg built, and
// ../shared/data (override with SCOPEKIT_DATA). Screenshots go to target/screenshots/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchBrowser, startServer, stopServer } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const DATA = process.env.SCOPEKIT_DATA || path.join(REPO, '..', 'shared', 'data');
const UART = path.join(DATA, 'sigrok', 'uart', 'hello_world_8n1_115200', 'hello_world_8n1_115200.sr');
const SHOTS = path.join(REPO, 'target', 'screenshots');
const N = 20_000_000;

const GENERATE = String.raw`
import sys, numpy as np
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
t = np.arange(n, dtype=np.float64)
a = np.sin(t * 2 * np.pi / 1_000_000) * 2.0 + rng.normal(0, 0.05, n)
b = ((t % 250_000) / 250_000.0) - 0.5
spikes = rng.integers(0, n, 50)
b[spikes] += rng.normal(0, 3, 50)
x = np.stack([a, b], axis=1).astype(np.float32)
x[123_456, 0] = np.nan
np.save(out, x)
`;

// Per column (start, end) ranges in, numpy min/max (NaN skipped) out.
const MINMAX = String.raw`
import sys, json, numpy as np
x = np.load(sys.argv[1], mmap_mode='r')
q = json.load(open(sys.argv[2]))
out = []
for lane in q:
    c = lane['channel']
    col = x[:, c]
    res = []
    for s, e in lane['ranges']:
        v = np.asarray(col[s:e], dtype=np.float64)
        res.append([float(np.nanmin(v)), float(np.nanmax(v))] if e > s else [None, None])
    out.append(res)
json.dump(out, sys.stdout)
`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

describe('scopekit page: waveform viewer', () => {
  let work;
  let npy;
  let server;
  let context;
  let page;
  const pageErrors = [];
  const consoleLog = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-viewer-'));
    const home = path.join(work, 'home');
    for (const dir of [home, SHOTS]) mkdirSync(dir, { recursive: true });
    npy = path.join(work, 'two_channels.npy');
    execFileSync('python3', ['-c', GENERATE, npy, String(N)], { stdio: 'inherit' });
    server = await startServer(BIN, REPO);
    context = await launchBrowser(path.join(work, 'profile'), home);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
    await page.goto(server.url, { waitUntil: 'load' });
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Choose a file; wait for the viewer's pyramid and a settled full-view drawing. */
  async function open(file) {
    await page.getByTestId('file-input').setInputFiles(file);
    try {
      await page.waitForFunction(() => window.__scopekitViewer?.state === 'ready', null, { timeout: 120_000, polling: 100 });
    } catch (e) {
      e.message += `\n  viewer: ${await page.getByTestId('viewer-status').textContent()}\n  log:\n    ${consoleLog.join('\n    ')}`;
      throw e;
    }
    await settled();
  }

  /** Wait until the last drawn frame answers the current view. */
  async function settled() {
    await page.waitForFunction(() => {
      const v = window.__scopekitViewer;
      const d = v.lastDrawn;
      return d && !v.pending && d.first === Math.floor(v.view.first);
    }, null, { timeout: 20_000, polling: 20 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  const viewOf = () => page.evaluate(() => window.__scopekitViewer.view);

  test('NPY 20 M × 2: full-view envelope equals numpy min/max per column', async () => {
    await open(npy);
    await page.getByTestId('viewer').scrollIntoViewIfNeeded();
    const drawn = await page.evaluate(() => {
      const d = window.__scopekitViewer.lastDrawn;
      return {
        first: d.first, end: d.end, columns: d.columns, width: document.querySelector('[data-testid="viewer-canvas"]').width,
        buckets: document.getElementById('viewer').dataset.buckets,
        lanes: d.lanes.map((l) => ({ channel: l.channel, cols: Array.from(l.cols) })),
      };
    });
    assert.equal(drawn.first, 0);
    assert.equal(drawn.end, N);
    assert.equal(drawn.columns, drawn.width);
    assert.equal(drawn.lanes.length, 2);
    const query = drawn.lanes.map((l) => {
      const ranges = [];
      for (let j = 0; j < l.cols.length; j += 4) ranges.push([l.cols[j], l.cols[j + 1]]);
      return { channel: l.channel, ranges };
    });
    // Columns tile the capture: each starts at or before the previous one's end.
    for (const q of query) {
      assert.equal(q.ranges[0][0], 0);
      assert.equal(q.ranges.at(-1)[1], N);
      for (let j = 1; j < q.ranges.length; j += 1) assert.ok(q.ranges[j][0] <= q.ranges[j - 1][1]);
    }
    const qfile = path.join(work, 'query.json');
    writeFileSync(qfile, JSON.stringify(query));
    const want = JSON.parse(execFileSync('python3', ['-c', MINMAX, npy, qfile], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    let compared = 0;
    drawn.lanes.forEach((l, k) => {
      for (let j = 0; j < l.cols.length / 4; j += 1) {
        assert.deepEqual([l.cols[4 * j + 2], l.cols[4 * j + 3]], want[k][j], `channel ${l.channel} column ${j}`);
        compared += 1;
      }
    });
    console.log(`# envelope: ${compared} columns equal numpy; buckets ${drawn.buckets}`);
    await page.getByTestId('viewer').screenshot({ path: path.join(SHOTS, 'viewer-npy-full.png') });
  });

  test('NPY: keyboard and wheel zoom / pan; deep zoom reads raw samples from the File', async () => {
    const canvas = page.getByTestId('viewer-canvas');
    await canvas.focus();
    const v0 = await viewOf();
    await page.keyboard.press('+');
    const v1 = await viewOf();
    assert.ok(Math.abs(v1.span - v0.span / 2) < 1, `+ halves the span: ${v0.span} → ${v1.span}`);
    await page.keyboard.press('ArrowRight');
    const v2 = await viewOf();
    assert.ok(Math.abs(v2.first - (v1.first + v1.span * 0.1)) < 1, '→ pans by a tenth');
    await page.keyboard.press('-');
    await page.keyboard.press('Home');
    const v3 = await viewOf();
    assert.deepEqual([v3.first, v3.span], [0, N]);
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + box.width / 4, box.y + 40);
    await page.mouse.wheel(0, -600);
    const v4 = await viewOf();
    assert.ok(v4.span < N / 3, `wheel zoomed in: ${v4.span}`);
    assert.ok(v4.first > 0 && v4.first < N / 4, 'zoomed around the pointer');

    // Deep zoom: 300 samples on 1280 columns → raw samples read back from the File.
    const first = 7_654_321;
    await page.evaluate((f) => window.__scopekitViewer.setView(f, 300), first);
    await settled();
    const raw = await page.evaluate(() => window.__scopekitViewer.lastDrawn.lanes.map((l) => ({ first: l.rawFirst, raw: l.raw && Array.from(l.raw) })));
    const want = JSON.parse(execFileSync('python3', ['-c',
      'import sys, json, numpy as np; x = np.load(sys.argv[1], mmap_mode="r"); f = int(sys.argv[2]); print(json.dumps([x[f:f+300, c].astype(np.float64).tolist() for c in range(2)]))',
      npy, String(first)], { encoding: 'utf8' }));
    for (const c of [0, 1]) {
      assert.equal(raw[c].first, first);
      assert.deepEqual(raw[c].raw, want[c], `raw samples of channel ${c}`);
    }
    await page.getByTestId('viewer').screenshot({ path: path.join(SHOTS, 'viewer-npy-deep.png') });
  });

  test('NPY: 30 successive pans, frame times from requestAnimationFrame', async () => {
    await page.evaluate((n) => window.__scopekitViewer.setView(n / 3, n / 40), N);
    await settled();
    const times = await page.evaluate(async () => {
      const canvas = document.querySelector('[data-testid="viewer-canvas"]');
      const stamps = [];
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      stamps.push(await frame());
      for (let i = 0; i < 30; i += 1) {
        canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
        stamps.push(await frame());
      }
      return stamps.slice(1).map((t, i) => t - stamps[i]);
    });
    const med = median(times);
    const max = Math.max(...times);
    console.log(`# 30 pans: median frame ${med.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    assert.equal(times.length, 30);
    assert.ok(med < 50, `median frame time ${med} ms`);
    await settled();
  });

  test('sigrok UART: cursors, decoded frames on the lane, click a frame row to jump', async () => {
    await open(UART);
    const meta = await page.evaluate(() => ({ samples: window.__scopekitViewer.samples, channels: window.__scopekitViewer.channels }));
    assert.deepEqual(meta, { samples: 3650, channels: 8 });
    const canvas = page.getByTestId('viewer-canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    // Two clicks 400 CSS px apart: Δt = 400 px × samples per px / 1 MHz.
    await canvas.click({ position: { x: 200, y: 20 } });
    await canvas.click({ position: { x: 600, y: 20 }, modifiers: ['Shift'] });
    const view = await viewOf();
    const wantDt = (400 * (view.span / box.width)) / 1e6;
    const dt = Number(await page.getByTestId('viewer-readout').getAttribute('data-dt'));
    assert.ok(Math.abs(dt - wantDt) < 1e-9, `Δt ${dt} vs ${wantDt}`);
    const readout = await page.getByTestId('viewer-readout').textContent();
    assert.match(readout, /Δt .*1\/Δt .*ΔV/);
    console.log(`# cursors: ${readout}`);

    // Decode the TX line in the decode view.
    await page.getByTestId('decode-protocol').selectOption('uart');
    for (const select of await page.locator('[data-testid="decode-roles"] select').all()) {
      const role = await select.getAttribute('data-role');
      await select.selectOption(role === 'tx' ? '0' : '');
    }
    await page.getByTestId('decode-run').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="decode-result"]').dataset.state === 'done', null, { timeout: 30_000 });
    await page.waitForFunction(() => window.__scopekitViewer.frames === 42, null, { timeout: 10_000 });
    await settled();
    await page.getByTestId('viewer').screenshot({ path: path.join(SHOTS, 'viewer-uart-full.png') });

    await page.locator('[data-testid="decode-table"] [data-index="5"]').click();
    const frame = await page.evaluate(() => window.__scopekitDecode.frame(5));
    await settled();
    const v = await viewOf();
    const centre = v.first + v.span / 2;
    assert.ok(Math.abs(centre - (frame.start + frame.end) / 2) < 1, `centred on frame 5: ${centre}`);
    assert.ok(v.span < 3650 && v.span >= frame.end - frame.start, `zoomed to the frame: span ${v.span}`);
    await canvas.focus();
    await page.getByTestId('viewer').screenshot({ path: path.join(SHOTS, 'viewer-uart-frame.png') });
    await page.screenshot({ path: path.join(SHOTS, 'viewer-page.png') });
    assert.deepEqual(pageErrors, []);
  });
});
