// End-to-end test of the page's analog view (web/analog.js, web/plot.js) in headless Chromium:
// a generated two-channel pulse NPY and a real LeCroy capture are analysed in every tab and
// the page's JSON is compared with the CLI's `--json` (measure, spectrum, correlate: numbers
// equal within 1e-9 relative, |a − b| ≤ 1e-9·max(|a|, |b|), exact for integers and strings;
// the spectrogram's f32 dB cells equal as f32);
// the filter preview window is compared with `scopekit filter` output at the same samples.
//
//   npm ci --prefix tests/browser
//   SCOPEKIT_BIN=... node --test tests/browser/analog.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), python3 with numpy, web/pkg built, and
// ../shared/data (override with SCOPEKIT_DATA). Screenshots (1280×720, light and dark, one
// per tab) go to target/screenshots/analog/ (ignored by git).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { stopServer, startServer as serveOn, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DATA = process.env.SCOPEKIT_DATA || path.join(REPO, '..', 'shared', 'data');
const TRC = path.join(DATA, 'trc', 'pulse_sequence.trc');
const SHOTS = path.join(REPO, 'target', 'screenshots', 'analog');
const REL = 1e-9;
const DELAY = 37; // samples channel 1 lags channel 0
const CANCEL_SAMPLES = 30_000_000; // float32 → 120 MB, three measure passes

const GENERATE = String.raw`
import sys, numpy as np
out, big = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(5)
n, period = 200_000, 1000
t = np.arange(n + 64)
pulse = ((t % period) < 300).astype(np.float64)
# a first-order rise (tau 8 samples) plus ringing and noise
edge = np.zeros_like(pulse); y = 0.0
for i, v in enumerate(pulse):
    y += (v - y) / 8.0; edge[i] = y
x = 3.3 * edge + 0.02 * rng.standard_normal(len(edge))
a = x[64:64 + n]
b = x[64 - ${DELAY}:64 - ${DELAY} + n] + 0.01 * rng.standard_normal(n)
np.save(f"{out}/pulse.npy", np.stack([a, b], axis=1))
np.save(f"{out}/pulse_b.npy", b)
np.save(f"{out}/pulse32.npy", np.stack([a, b], axis=1).astype(np.float32))
np.save(f"{out}/big.npy", np.tile(a.astype(np.float32), big // n + 1)[:big])
np.save(f"{out}/big64.npy", np.tile(a, 20))
rows = ["t,v"] + [f"{i},{(i % 100) / 50}" for i in range(700_000)]
rows[650_000] = "649999,zz"
open(f"{out}/bad.csv", "w").write("\n".join(rows) + "\n")
`;

function cli(args) {
  return JSON.parse(execFileSync(BIN, [...args, '--json'], { encoding: 'utf8', maxBuffer: 512 << 20 }));
}

/** Largest relative difference seen between page and CLI numbers (reported at the end). */
let worst = 0;
let compared = 0;

/** Compare two JSON values: numbers within REL relative, everything else exactly. */
function close(got, want, where = '$') {
  if (/\.spectrogram\.db\[/.test(where) && typeof want === 'number' && typeof got === 'number') {
    // f32 cells: the CLI prints the shortest f32 text, the page the f64 of the same f32.
    assert.equal(Math.fround(got), Math.fround(want), `${where}: page ${got} vs CLI ${want} (f32)`);
    return;
  }
  if (typeof want === 'number' && typeof got === 'number') {
    const rel = got === want ? 0 : Math.abs(got - want) / Math.max(Math.abs(got), Math.abs(want));
    worst = Math.max(worst, rel);
    compared += 1;
    const ok = rel <= REL;
    assert.ok(ok, `${where}: page ${got} vs CLI ${want}`);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${where}: not an array in the page`);
    assert.equal(got.length, want.length, `${where}: length`);
    want.forEach((w, i) => close(got[i], w, `${where}[${i}]`));
    return;
  }
  if (want && typeof want === 'object') {
    assert.ok(got && typeof got === 'object', `${where}: not an object in the page`);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${where}: keys`);
    for (const k of Object.keys(want)) close(got[k], want[k], `${where}.${k}`);
    return;
  }
  assert.equal(got, want, where);
}

/** float64 data of a C-order NPY written by `scopekit filter` (shape (n,) or (n, c)). */
function readNpy(file) {
  const buf = readFileSync(file);
  const hlen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + hlen);
  assert.match(header, /'descr': '<f8'/);
  const start = 10 + hlen;
  return new Float64Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
}

const startServer = () => serveOn(BIN, REPO);

describe('scopekit page: analog view', () => {
  let work;
  let server;
  let context;
  let page;
  const pageErrors = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    assert.ok(existsSync(TRC), `${TRC} is missing`);
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-analog-'));
    const home = path.join(work, 'home');
    for (const dir of [home, SHOTS]) mkdirSync(dir, { recursive: true });
    execFileSync('python3', ['-c', GENERATE, work, String(CANCEL_SAMPLES)], { stdio: 'inherit' });
    server = await startServer();
    context = await launchBrowser(path.join(work, 'profile'), home);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#analog-view[data-ready="true"]').waitFor({ state: 'attached' });
  });

  after(async () => {
    console.log(`# compared ${compared} numbers; largest relative difference page vs CLI: ${worst}`);
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const file = (name) => path.join(work, name);
  const result = () => page.getByTestId('analog-result');

  /** Choose a file; wait until the analog view lists its channels. */
  async function open(f, channels) {
    await page.getByTestId('file-input').setInputFiles(f);
    await page.waitForFunction(([name, n]) =>
      document.querySelector('[data-testid="file-name"]')?.textContent === name &&
      !document.getElementById('analog-view').hidden &&
      document.querySelectorAll('#analog-channel option').length === n,
    [path.basename(f), channels], { timeout: 30_000, polling: 50 });
  }

  /** Select a tab, click Run, wait for this run to end; return { state, last, error }. */
  async function run(tab, timeout = 120_000) {
    await page.getByTestId(`analog-tab-${tab}`).click();
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('analog-run').click();
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="analog-result"]');
      return Number(r.dataset.run ?? 0) > prev && r.dataset.state !== 'running';
    }, previous, { timeout, polling: 50 });
    return page.evaluate(() => ({
      state: document.querySelector('[data-testid="analog-result"]').dataset.state,
      json: document.querySelector('[data-testid="analog-result"]').dataset.json,
      last: window.scopekitAnalogLast && {
        ...window.scopekitAnalogLast,
        curve: window.scopekitAnalogLast.curve && Array.from(window.scopekitAnalogLast.curve),
        input: window.scopekitAnalogLast.input && Array.from(window.scopekitAnalogLast.input),
        output: window.scopekitAnalogLast.output && Array.from(window.scopekitAnalogLast.output),
        response: window.scopekitAnalogLast.response && Array.from(window.scopekitAnalogLast.response),
        frequencies: window.scopekitAnalogLast.frequencies && Array.from(window.scopekitAnalogLast.frequencies),
      },
      error: document.querySelector('[data-testid="analog-error"]').hidden ? null
        : document.querySelector('[data-testid="analog-error"]').textContent,
    }));
  }

  async function shoot(name, target = 'analog-view') {
    await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: 'start' }), target);
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(80);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  test('generated pulse NPY: measurements equal `scopekit measure --json`', async () => {
    await open(file('pulse.npy'), 2);
    const r = await run('measure');
    assert.equal(r.state, 'done', r.error ?? '');
    close(r.last.doc, cli(['measure', file('pulse.npy'), '--channel', '0']));
    close(JSON.parse(r.json), r.last.doc);
    assert.match(await page.getByTestId('analog-cycles').textContent(), /Rise time/);
    await shoot('measure-npy');
  });

  test('generated pulse NPY: spectrum equals `scopekit spectrum --spectrogram --json`; log axis toggles', async () => {
    const r = await run('spectrum');
    assert.equal(r.state, 'done', r.error ?? '');
    close(r.last.doc, cli(['spectrum', file('pulse.npy'), '--spectrogram']));
    assert.ok(r.last.doc.spectrogram.db.length > 0);
    const before = await page.getByTestId('analog-spectrum-plot').screenshot();
    await page.getByTestId('analog-logx').check();
    await page.waitForFunction(() => document.querySelector('[data-testid="analog-spectrum-plot"]').dataset.drawn > 0);
    const after = await page.getByTestId('analog-spectrum-plot').screenshot();
    assert.notDeepEqual(before, after, 'the log-frequency toggle changes the plot');
    await shoot('spectrum-npy');
    await page.getByTestId('analog-logx').uncheck();
  });

  test('generated pulse NPY: histogram equals `scopekit stats --histogram N --json` (counts exact)', async () => {
    await page.getByTestId('analog-tab-histogram').click();
    await page.getByTestId('analog-channel').selectOption('1');
    await page.getByTestId('analog-bins').fill('37');
    let r = await run('histogram');
    assert.equal(r.state, 'done', r.error ?? '');
    let want = cli(['stats', file('pulse.npy'), '--histogram', '37']).channels[1].histogram;
    assert.deepEqual(r.last.doc, want);
    assert.equal(r.last.doc.counts.reduce((a, b) => a + b, 0), 200_000);
    await shoot('histogram-npy');
    await page.getByTestId('analog-hist-lo').fill('-0.25');
    await page.getByTestId('analog-hist-hi').fill('0.5');
    r = await run('histogram');
    assert.equal(r.state, 'done', r.error ?? '');
    want = cli(['stats', file('pulse.npy'), '--histogram', '37', '--histogram-range', '-0.25,0.5']).channels[1].histogram;
    assert.deepEqual(r.last.doc, want);
    assert.ok(r.last.doc.above > 0, 'values above the range are counted, not binned');
    await page.getByTestId('analog-hist-lo').fill('');
    await page.getByTestId('analog-hist-hi').fill('');
    await page.getByTestId('analog-channel').selectOption('0');
  });

  test('generated pulse NPY: correlating channel 0 with channel 1 equals `scopekit correlate --stream`', async () => {
    await page.getByTestId('analog-tab-correlate').click();
    await page.getByTestId('analog-against').selectOption('ch1');
    await page.getByTestId('analog-maxlag').fill('500');
    const r = await run('correlate');
    assert.equal(r.state, 'done', r.error ?? '');
    const want = cli(['correlate', file('pulse.npy'), file('pulse.npy'), '--channel-a', '0', '--channel-b', '1',
      '--max-lag', '500', '--stream']);
    close(r.last.doc, want);
    assert.equal(r.last.doc.peak.lag, -DELAY);
    assert.equal(r.last.curve.length, 1001);
    await shoot('correlate-npy');
  });

  test('a second file: channel 0 of another NPY, as `scopekit correlate A B --stream`', async () => {
    await page.getByTestId('analog-file2').setInputFiles(file('pulse_b.npy'));
    assert.equal(await page.getByTestId('analog-against').inputValue(), 'file2');
    const r = await run('correlate');
    assert.equal(r.state, 'done', r.error ?? '');
    close(r.last.doc, cli(['correlate', file('pulse.npy'), file('pulse_b.npy'), '--max-lag', '500', '--stream']));
  });

  test('filter on a file without a sample rate is refused in the card', async () => {
    const r = await run('filter');
    assert.equal(r.state, 'error');
    assert.match(r.error, /sample rate/);
  });

  test('float32 NPY: correlated in f32 as `scopekit correlate --stream` (the same code: the same JSON), f64 on request', async () => {
    await open(file('pulse32.npy'), 2);
    await page.getByTestId('analog-tab-correlate').click();
    await page.getByTestId('analog-against').selectOption('ch1');
    await page.getByTestId('analog-maxlag').fill('500');
    const args = ['correlate', file('pulse32.npy'), file('pulse32.npy'), '--channel-a', '0', '--channel-b', '1',
      '--max-lag', '500', '--stream'];
    const r = await run('correlate');
    assert.equal(r.state, 'done', r.error ?? '');
    const want = cli(args);
    assert.equal(want.precision, 'f32');
    // The page's FFTs are rustfft's portable ones, the CLI's its AVX ones: in single
    // precision they round differently, so the two agree within the f32 path's stated
    // tolerance (docs/json-schema.md, correlate), not bit for bit.
    const { peak: gp, coefficient: gc, ...gotRest } = r.last.doc;
    const { peak: wp, coefficient: wc, ...wantRest } = want;
    close(gotRest, wantRest);
    assert.equal(gp.lag, wp.lag);
    assert.ok(Math.abs(gp.value - wp.value) <= 1e-6 * Math.abs(wp.value), `peak value ${gp.value} vs ${wp.value}`);
    assert.ok(Math.abs(gp.lag_interpolated - wp.lag_interpolated) <= 1e-5, `lag ${gp.lag_interpolated} vs ${wp.lag_interpolated}`);
    assert.ok(Math.abs(gc - wc) <= 1e-6, `coefficient ${gc} vs ${wc}`);
    assert.equal(r.last.doc.peak.lag, -DELAY);
    await shoot('correlate-f32');
    await page.getByTestId('analog-precision').selectOption('f64');
    const r64 = await run('correlate');
    assert.equal(r64.state, 'done', r64.error ?? '');
    const want64 = cli([...args, '--precision', 'f64']);
    assert.equal(want64.precision, 'f64');
    close(r64.last.doc, want64);
    await page.getByTestId('analog-precision').selectOption('');
  });

  test('LeCroy .trc replaces the NPY: measure, spectrum and the filter preview match the CLI', async () => {
    await open(TRC, 1);
    assert.equal(await result().getAttribute('data-state'), 'idle', 'a new file resets the view');
    let r = await run('measure');
    assert.equal(r.state, 'done', r.error ?? '');
    close(r.last.doc, cli(['measure', TRC]));
    assert.ok(r.last.doc.sample_rate > 0);
    await shoot('measure-trc');

    await page.getByTestId('analog-tab-spectrum').click();
    await page.getByTestId('analog-nfft').fill('1024');
    r = await run('spectrum');
    assert.equal(r.state, 'done', r.error ?? '');
    close(r.last.doc, cli(['spectrum', TRC, '--nfft', '1024', '--spectrogram']));
    await shoot('spectrum-trc');
    assert.equal(await page.getByTestId('analog-spectrogram-plot').isVisible(), true);
    await shoot('spectrogram-trc', 'analog-spectrogram-plot');

    const fs = r.last.doc.sample_rate;
    const corner = Number((fs / 50).toPrecision(3));
    await page.getByTestId('analog-tab-filter').click();
    await page.getByTestId('analog-band').selectOption('lowpass');
    await page.getByTestId('analog-f1').fill(String(corner));
    await page.getByTestId('analog-order').fill('4');
    await page.getByTestId('analog-first').fill('3000');
    await page.getByTestId('analog-count').fill('1500');
    r = await run('filter');
    assert.equal(r.state, 'done', r.error ?? '');
    const out = file('filtered.npy');
    const report = cli(['filter', TRC, out, '--lowpass', String(corner), '--order', '4']);
    close(r.last.doc.sos, report.sos);
    const want = readNpy(out);
    assert.equal(r.last.input.length, 1500);
    assert.equal(r.last.output.length, 1500);
    r.last.output.forEach((v, i) => close(v, want[3000 + i], `filtered[${3000 + i}]`));
    // |H| at the corner of a Butterworth lowpass is 1/√2.
    const k = r.last.frequencies.findIndex((f) => f >= corner);
    assert.ok(Math.abs(r.last.response[k] - Math.SQRT1_2) < 0.02, `|H(fc)| = ${r.last.response[k]}`);
    await shoot('filter-trc');
  });

  /** Range workers the page's next runs use (undefined: the default, min(cores, 4)). */
  const rangeWorkers = (n) => page.evaluate((v) => { window.scopekitRangeWorkers = v; }, n);
  const rangeWorkerUrls = () => page.workers().map((w) => w.url()).filter((u) => u.includes('range-worker'));

  test('float64 NPY of 4·10^6 samples: a Welch spectrum read by range workers equals the CLI and the one reader; the bits do not depend on the worker count', async () => {
    await open(file('big64.npy'), 1);
    await page.getByTestId('analog-tab-spectrum').click();
    await page.getByTestId('analog-nfft').fill('4096');
    await rangeWorkers(undefined);
    const ranged = await run('spectrum');
    assert.equal(ranged.state, 'done', ranged.error ?? '');
    assert.ok(ranged.last.rangeWorkers >= 2, `range workers: ${ranged.last.rangeWorkers}`);
    close(ranged.last.doc, cli(['spectrum', file('big64.npy'), '--spectrogram']));
    await rangeWorkers(0);
    const one = await run('spectrum');
    assert.equal(one.state, 'done', one.error ?? '');
    assert.equal(one.last.rangeWorkers, undefined);
    close(ranged.last.doc, one.last.doc);
    await rangeWorkers(3);
    const three = await run('spectrum');
    assert.equal(three.last.rangeWorkers, 3);
    assert.deepEqual(three.last.doc, ranged.last.doc);
    // Without the spectrogram too.
    await page.getByTestId('analog-spectrogram').uncheck();
    await rangeWorkers(2);
    const plain = await run('spectrum');
    assert.equal(plain.last.rangeWorkers, 2);
    close(plain.last.doc, cli(['spectrum', file('big64.npy')]));
    await page.getByTestId('analog-spectrogram').check();
    await rangeWorkers(undefined);
  });

  test('float32 NPY of 3·10^7 samples: range workers equal the one reader', async () => {
    // (f32 transforms: wasm's scalar FFT and the CLI's SIMD one differ by ~2e-7, so the page
    // is compared with itself here.)
    await open(file('big.npy'), 1);
    await rangeWorkers(2);
    const ranged = await run('spectrum');
    assert.equal(ranged.state, 'done', ranged.error ?? '');
    assert.equal(ranged.last.rangeWorkers, 2);
    await rangeWorkers(0);
    const one = await run('spectrum');
    assert.equal(one.last.rangeWorkers, undefined);
    close(ranged.last.doc, one.last.doc);
    await rangeWorkers(undefined);
  });

  test('cancel of a spectrum read by range workers leaves no range worker running', async () => {
    await open(file('big.npy'), 1);
    await rangeWorkers(2);
    await page.getByTestId('analog-tab-spectrum').click();
    await page.getByTestId('analog-run').click();
    await page.waitForFunction(() => Number(document.getElementById('analog-progress').value) > 0, null, { timeout: 30_000, polling: 20 });
    const during = rangeWorkerUrls().length;
    await page.getByTestId('analog-cancel').click();
    assert.equal(await result().getAttribute('data-state'), 'cancelled');
    const deadline = Date.now() + 5000;
    while (rangeWorkerUrls().length > 0 && Date.now() < deadline) await page.waitForTimeout(50);
    assert.deepEqual(rangeWorkerUrls(), [], `range workers seen during the run: ${during}`);
    console.log(`# range workers seen during the run: ${during}, after the cancel: 0`);
    await rangeWorkers(undefined);
  });

  test('cancel mid-file stops the run', async () => {
    await open(file('big.npy'), 1);
    await page.getByTestId('analog-tab-measure').click();
    await page.getByTestId('analog-run').click();
    await page.waitForFunction(() => Number(document.getElementById('analog-progress').value) > 0, null, { timeout: 30_000, polling: 20 });
    await page.getByTestId('analog-cancel').click();
    assert.equal(await result().getAttribute('data-state'), 'cancelled');
    assert.match(await page.getByTestId('analog-status').textContent(), /Cancelled/);
    assert.equal(await page.getByTestId('analog-cancel').isHidden(), true);
  });

  test('a CSV with a bad value past its first chunk shows the core\'s error in the card', async () => {
    await open(file('bad.csv'), 1); // column t is the time axis
    const r = await run('measure');
    assert.equal(r.state, 'error');
    assert.match(r.error, /at byte \d+: expected a number in column 2/);
    assert.match(r.error, /"zz"/);
  });

  test('an nfft longer than the record is an error shown in the card', async () => {
    await open(TRC, 1);
    await page.getByTestId('analog-tab-spectrum').click();
    await page.getByTestId('analog-nfft').fill('1048576');
    const r = await run('spectrum');
    assert.equal(r.state, 'error');
    assert.ok(r.error && r.error.length > 10, `error shown: ${r.error}`);
    await page.getByTestId('analog-nfft').fill('4096');
    assert.deepEqual(pageErrors, []);
  });
});
