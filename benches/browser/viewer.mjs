#!/usr/bin/env node
// The waveform viewer on 10^9 samples (issue 8: "zoom and pan stay at 60 fps for 10^9
// samples"), headless Chromium on this machine.
//
// A one-channel int8 NPY of SAMPLES samples (default 10^9: 1 GB; noise and bursts of pulses
// on a slow sine) is dropped on the page; once the pyramid is built, the viewer is driven
// at the display's pace, one step per requestAnimationFrame, through
//   pan      continuous pan at 1/10 and at 1/1000 of the capture (a drag, 1/60 of the
//            span per frame),
//   zoom     a continuous zoom from the whole capture down to 2000 samples and back,
//   deep     a pan at 2000 samples on the screen (raw samples read back from the File),
// and for each it reports, over the frames of the run:
//   fps        requestAnimationFrame callbacks per second (the display's pace the page kept),
//   drawn/s    frames drawn with fresh worker data per second (distinct answered queries),
//   lag        how far the drawn view trails the requested one when a frame is painted, in
//              frames of the run (0 = the frame shows the view asked for in that frame),
//   answer     time from a query to its drawn answer, median and p95 (ms).
// "60 fps" holds when fps ≈ 60 and drawn/s ≈ fps (lag ≤ 1 frame).
//
//   SCOPEKIT_BIN=target/release/scopekit node benches/browser/viewer.mjs [SAMPLES] [FRAMES]
//
// Needs playwright-core (tests/browser/node_modules), /usr/bin/chromium, python3 + numpy.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { launchBrowser, startServer, stopServer } = await import(path.join(REPO, 'tests', 'browser', 'harness.js'));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const SAMPLES = Number(process.argv[2] ?? 1e9);
const FRAMES = Number(process.argv[3] ?? 180);

const GENERATE = String.raw`
import sys, numpy as np
out, n = sys.argv[1], int(sys.argv[2])
x = np.lib.format.open_memmap(out, mode='w+', dtype=np.int8, shape=(n,))
rng = np.random.default_rng(3)
step = 1 << 24
t = np.arange(step, dtype=np.float64)
# One block of noise and pulse bursts, shifted by a slow sine from block to block.
block = rng.normal(0, 4, step) + np.where((t % 2e6) < 2e5, 25 * (np.sin(t * 2 * np.pi / 40.0) > 0), 0)
for k, s in enumerate(range(0, n, step)):
    m = min(n, s + step) - s
    x[s:s + m] = np.clip(block[:m] + 90 * np.sin(k * 2 * np.pi / 40), -127, 127).astype(np.int8)
x.flush()
`;

/** Drive the viewer for `frames` animation frames, one step of `kind` ('pan' | 'zoom') per frame. */
function drive(page, frames, kind) {
  return page.evaluate(async ({ frames, kind }) => {
    const v = window.__scopekitViewer;
    const n = v.samples;
    const steps = {
      pan: (k, w) => ({ first: w.first + w.span / 60, span: w.span }),
      zoom: (k) => {
        // Whole capture → 2000 samples (first half of the run) → back, around the middle.
        const half = frames / 2;
        const f = k < half ? k / half : (frames - k) / half;
        const span = n * (2000 / n) ** f;
        return { first: n / 2 - span / 2, span };
      },
    };
    const step = steps[kind === 'zoom' ? 'zoom' : 'pan'];
    const stamps = [];
    const asked = new Map(); // "first:end" of a view → the last frame it was asked in
    const answered = []; // [frame asked, frame drawn, ms]
    const lags = [];
    let lastId = v.lastDrawn?.id;
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const askedAt = new Map();
    for (let k = 0; k < frames; k += 1) {
      const ts = await frame();
      stamps.push(ts);
      const d = v.lastDrawn;
      if (d && d.id !== lastId) {
        lastId = d.id;
        const at = asked.get(`${d.first}:${d.end}`);
        if (at !== undefined) {
          answered.push([at, k, performance.now() - askedAt.get(`${d.first}:${d.end}`)]);
          lags.push(k - at);
        }
      }
      const next = step(k, v.view);
      v.setView(next.first, next.span);
      const first = Math.floor(v.view.first);
      const key = `${first}:${Math.min(n, Math.ceil(v.view.first + v.view.span))}`;
      asked.set(key, k);
      askedAt.set(key, performance.now());
    }
    return { stamps, answered, lags };
  }, { frames, kind });
}

const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const p95 = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] : NaN);

function summary(name, { stamps, answered, lags }) {
  const secs = (stamps.at(-1) - stamps[0]) / 1000;
  const ms = answered.map((a) => a[2]);
  return {
    run: name,
    fps: +((stamps.length - 1) / secs).toFixed(1),
    'drawn/s': +(answered.length / secs).toFixed(1),
    'lag (frames, median / p95)': `${median(lags)} / ${p95(lags)}`,
    'answer ms (median / p95)': `${median(ms).toFixed(1)} / ${p95(ms).toFixed(1)}`,
  };
}

async function main() {
  if (!existsSync(BIN)) throw new Error(`scopekit binary not found at ${BIN}`);
  const work = mkdtempSync(path.join(tmpdir(), 'scopekit-viewer-bench-'));
  const home = path.join(work, 'home');
  mkdirSync(home, { recursive: true });
  const npy = path.join(work, `int8_${SAMPLES}.npy`);
  let server;
  let context;
  try {
    let t = performance.now();
    execFileSync('python3', ['-c', GENERATE, npy, String(SAMPLES)], { stdio: 'inherit' });
    console.log(`generated ${SAMPLES} int8 samples in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    server = await startServer(BIN, REPO);
    context = await launchBrowser(path.join(work, 'profile'), home);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url, { waitUntil: 'load' });
    t = performance.now();
    await page.getByTestId('file-input').setInputFiles(npy);
    await page.waitForFunction(() => window.__scopekitViewer?.state === 'ready', null, { timeout: 600_000, polling: 100 });
    console.log(`pyramid ready after ${((performance.now() - t) / 1000).toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    await page.getByTestId('viewer').scrollIntoViewIfNeeded();
    const n = await page.evaluate(() => window.__scopekitViewer.samples);
    if (n !== SAMPLES) throw new Error(`viewer holds ${n} samples, not ${SAMPLES}`);
    const rows = [];
    const at = (first, span) => page.evaluate(([f, s]) => window.__scopekitViewer.setView(f, s), [first, span]);
    const settle = () => page.waitForFunction(() => {
      const v = window.__scopekitViewer;
      return v.lastDrawn && !v.pending && v.lastDrawn.first === Math.floor(v.view.first);
    }, null, { timeout: 30_000, polling: 20 });
    for (const [name, first, span, kind] of [
      ['pan, 1/10 of the capture', 0, SAMPLES / 10, 'pan'],
      ['pan, 1/1000 of it', SAMPLES / 3, SAMPLES / 1000, 'pan'],
      ['zoom, whole → 2000 samples → whole', 0, SAMPLES, 'zoom'],
      ['pan, 2000 samples (raw)', SAMPLES / 5, 2000, 'pan'],
    ]) {
      await at(first, span);
      await settle();
      rows.push(summary(name, await drive(page, FRAMES, kind)));
    }
    console.table(rows);
    console.log(`load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
