// End-to-end test of the page's profiler-trace view (web/trace.js) in headless Chromium: real
// PyTorch profiler traces are dropped on the page (one → summary, two → comparison) and the
// page's JSON is compared with `scopekit trace summary|compare --json`; sorting, search, the
// step chart, errors, and a generated ~300 MB trace under a 512 MiB memory budget.
//
//   npm ci --prefix tests/browser
//   cargo build --release -p scopekit-cli      # or set SCOPEKIT_BIN (serve embeds web/)
//   node --test tests/browser/trace.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), web/pkg built and ../shared/data
// (override with SCOPEKIT_DATA; read only: the CLI runs with --no-index). Screenshots go to
// target/screenshots/. BIG_TRACE_MB sets the size of the generated trace (default 300).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { stopServer, startServer as serveOn, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DATA = process.env.SCOPEKIT_DATA || path.join(REPO, '..', 'shared', 'data');
const SHOTS = path.join(REPO, 'target', 'screenshots');
const KINETO = path.join(DATA, 'pytorch', 'kineto_resnet50');
const TRACE_A = path.join(KINETO, 'resnet50_num_workers_0', 'worker0.1623143089861.pt.trace.json.gz');
const TRACE_B = path.join(KINETO, 'resnet50_num_workers_4', 'worker0.1623212756351.pt.trace.json.gz');
const BIG_MB = Number(process.env.BIG_TRACE_MB || 300);
const BUDGET = 512 * 1024 * 1024;

function cli(args) {
  return JSON.parse(execFileSync(BIN, [...args, '--json', '--no-index'], { encoding: 'utf8', maxBuffer: 256 << 20 }));
}

/** Start `scopekit serve --port 0` (tests/browser/harness.js). */
const startServer = () => serveOn(BIN, REPO);


/**
 * Write a Kineto-like trace of about `mb` MB: per step a ProfilerStep, CPU ops with nested
 * children, runtime launches and kernels on two streams (one NCCL), linked by External id
 * and correlation. Returns the path.
 */
function generateTrace(file, mb) {
  const fd = openSync(file, 'w');
  let written = 0;
  const put = (s) => {
    written += writeSync(fd, s);
  };
  put('{"schemaVersion": 1, "displayTimeUnit": "ms", "deviceProperties": [{"id": 0, "name": "Fake GPU"}],\n"traceEvents": [\n');
  put('{"ph": "M", "name": "process_name", "pid": 1, "tid": 0, "args": {"name": "python"}}');
  const ops = Array.from({ length: 60 }, (_, i) => `aten::op_${i}`);
  const kernels = Array.from({ length: 120 }, (_, i) => `void kernel_${i}<float, ${i % 7}>(float*, int)`);
  let ts = 1_000_000;
  let gpu = ts;
  let id = 1;
  let step = 0;
  const target = mb * 1e6;
  while (written < target) {
    const parts = [];
    const stepStart = ts;
    for (let j = 0; j < 200; j += 1) {
      const op = ops[(j * 7 + step) % ops.length];
      const d = 20 + ((j * 13 + step) % 50) + 0.125 * (j % 8);
      const ext = id++;
      parts.push(`{"ph": "X", "cat": "cpu_op", "name": "${op}", "pid": 1, "tid": 1, "ts": ${ts.toFixed(3)}, "dur": ${d.toFixed(3)}, "args": {"External id": ${ext}, "Sequence number": ${j}}}`);
      parts.push(`{"ph": "X", "cat": "cpu_op", "name": "aten::empty", "pid": 1, "tid": 1, "ts": ${(ts + 1).toFixed(3)}, "dur": 2.5, "args": {"External id": ${id++}}}`);
      const corr = id++;
      parts.push(`{"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1, "tid": 1, "ts": ${(ts + 5).toFixed(3)}, "dur": 4, "args": {"correlation": ${corr}, "External id": ${ext}}}`);
      const k = kernels[(j * 11 + step * 3) % kernels.length];
      const kd = 8 + ((j * 17 + step) % 40) + 0.5 * (j % 2);
      gpu = Math.max(gpu, ts + 10);
      parts.push(`{"ph": "X", "cat": "kernel", "name": "${k}", "pid": 0, "tid": 7, "ts": ${gpu.toFixed(3)}, "dur": ${kd.toFixed(3)}, "args": {"device": 0, "stream": 7, "correlation": ${corr}, "External id": ${ext}, "grid": [128, 1, 1], "block": [256, 1, 1]}}`);
      if (j % 50 === 0) {
        parts.push(`{"ph": "X", "cat": "kernel", "name": "ncclKernel_AllReduce_RING_LL_Sum_float", "pid": 0, "tid": 20, "ts": ${(gpu + 2).toFixed(3)}, "dur": 30, "args": {"device": 0, "stream": 20, "correlation": ${id++}}}`);
      }
      gpu += kd + 1;
      ts += d + 2;
    }
    parts.push(`{"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#${step}", "pid": 1, "tid": 1, "ts": ${stepStart.toFixed(3)}, "dur": ${(ts - stepStart).toFixed(3)}, "args": {}}`);
    put(`,\n${parts.join(',\n')}`);
    ts += 10;
    step += 1;
  }
  put('\n]}\n');
  closeSync(fd);
  return file;
}

/** Resident memory (bytes) of each Chromium renderer process started by this test process. */
function rendererRss() {
  const parent = new Map();
  const cmd = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8'));
    } catch {
      // gone
    }
  }
  const mine = (pid) => {
    for (let p = pid, n = 0; p > 1 && n < 64; p = parent.get(p), n += 1) if (p === process.pid) return true;
    return false;
  };
  const out = [];
  for (const [pid, c] of cmd) {
    if (!c.includes('--type=renderer') || !mine(pid)) continue;
    try {
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
      if (m) out.push(Number(m[1]) * 1024);
    } catch {
      // gone
    }
  }
  return out;
}

const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;

describe('scopekit page: profiler-trace view', () => {
  let work;
  let server;
  let context;
  let page;
  const pageErrors = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    assert.ok(existsSync(path.join(REPO, 'web', 'pkg', 'scopekit_wasm_bg.wasm')), 'web/pkg is missing: run scripts/build-wasm.sh');
    assert.ok(existsSync(TRACE_A) && existsSync(TRACE_B), `kineto traces missing under ${KINETO}`);
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-trace-'));
    const home = path.join(work, 'home');
    for (const dir of [home, SHOTS]) mkdirSync(dir, { recursive: true });
    server = await startServer();
    context = await launchBrowser(path.join(work, 'profile'), home, { args: ['--enable-precise-memory-info'] });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#trace-view[data-ready="true"]').waitFor({ state: 'attached' });
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const result = () => page.getByTestId('trace-result');

  /** Choose files in the page's picker; wait for the trace view to finish (or fail). */
  async function open(files, { timeout = 60_000 } = {}) {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('file-input').setInputFiles(files);
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="trace-result"]');
      return Number(r.dataset.run) > prev && (r.dataset.state === 'done' || r.dataset.state === 'error');
    }, previous, { timeout, polling: 100 });
    return result().getAttribute('data-state');
  }

  const pageJson = async () => JSON.parse(await result().getAttribute('data-json'));
  const rowNames = () => page.locator('[data-testid="trace-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.name));

  test('one trace: summary equals `scopekit trace summary --json`; app.js does not run', async () => {
    assert.equal(await open(TRACE_A), 'done', await page.getByTestId('trace-error').textContent());
    assert.deepStrictEqual(await pageJson(), cli(['trace', 'summary', TRACE_A]));
    assert.equal(await page.getByTestId('trace-view').isVisible(), true);
    assert.equal(await page.getByTestId('error').isVisible(), false, 'app.js must not try a trace as a capture');
    assert.equal(await page.getByTestId('result').getAttribute('data-state'), 'idle');
    assert.match(await page.getByTestId('trace-totals').textContent(), /Kernel time.*591\.5 ms.*8,772 kernels/s);
    await page.screenshot({ path: path.join(SHOTS, 'trace-summary.png') });
    await page.getByTestId('trace-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'trace-summary-table.png') });
  });

  test('summary: the step chart has one bar per ProfilerStep and hover shows its numbers', async () => {
    const summary = await pageJson();
    const steps = page.getByTestId('trace-step');
    assert.ok(summary.profiler_steps.length > 0);
    assert.equal(await steps.count(), summary.profiler_steps.length);
    const i = summary.profiler_steps.length - 1;
    await steps.nth(i).hover();
    const readout = await page.getByTestId('trace-step-readout').textContent();
    assert.ok(readout.startsWith(`${summary.profiler_steps[i].name}:`), readout);
    assert.match(readout, new RegExp(`${summary.profiler_steps[i].kernels.toLocaleString('en-US')} kernels`));
  });

  test('summary: tables sort by column and filter by name', async () => {
    const summary = await pageJson();
    const byTotal = summary.kernels.by_name.map((r) => r.name);
    assert.deepStrictEqual(await rowNames(), byTotal, 'kernels by total, as the core orders them');

    const header = (label) => page.locator('[data-testid="trace-table"] thead button', { hasText: new RegExp(`^${label}`) });
    const order = (key, desc) => [...summary.kernels.by_name]
      .sort((a, b) => (desc ? b[key] - a[key] : a[key] - b[key]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => r.name);
    await header('Count').click();
    assert.deepStrictEqual(await rowNames(), order('count', true));
    await header('Count').click();
    assert.deepStrictEqual(await rowNames(), order('count', false));
    await header('p99').click();
    assert.deepStrictEqual(await rowNames(), order('p99_dur', true));
    assert.equal(await page.locator('th[aria-sort="descending"]').textContent(), 'p99 ▼');

    await page.getByTestId('trace-search').fill('cudnn');
    const cudnn = order('p99_dur', true).filter((n) => n.toLowerCase().includes('cudnn'));
    assert.ok(cudnn.length > 0 && cudnn.length < byTotal.length);
    assert.deepStrictEqual(await rowNames(), cudnn);
    await page.getByTestId('trace-search').fill('no such kernel');
    assert.deepStrictEqual(await rowNames(), []);
    assert.match(await page.getByTestId('trace-caption').textContent(), /No names match/);
    await page.getByTestId('trace-search').fill('');

    // The sort carries over to the other table.
    await page.getByTestId('trace-kind-cpu_ops').click();
    const opsByP99 = [...summary.cpu_ops.by_name].sort((a, b) => b.p99_dur - a.p99_dur || (a.name < b.name ? -1 : 1)).map((r) => r.name);
    assert.deepStrictEqual(await rowNames(), opsByP99);
    const self = page.locator('[data-testid="trace-table"] thead button', { hasText: /^Self/ });
    await self.click();
    const bySelf = [...summary.cpu_ops.by_name].sort((a, b) => b.self_dur - a.self_dur || (a.name < b.name ? -1 : 1)).map((r) => r.name);
    assert.deepStrictEqual(await rowNames(), bySelf);
    await page.getByTestId('trace-search').fill('aten::conv');
    await page.screenshot({ path: path.join(SHOTS, 'trace-summary-ops-search.png') });
    await page.getByTestId('trace-search').fill('');
  });

  test('two traces: the diff equals `scopekit trace compare --json`, threshold recomputes', async () => {
    assert.equal(await open([TRACE_A, TRACE_B]), 'done', await page.getByTestId('trace-error').textContent());
    assert.equal(await result().getAttribute('data-mode'), 'compare');
    const expected = cli(['trace', 'compare', TRACE_A, TRACE_B]);
    const got = await pageJson();
    assert.deepStrictEqual(got, expected);
    // Sorted by |delta| by default: the core's order.
    assert.deepStrictEqual(await rowNames(), expected.diff.kernels.rows.map((r) => r.name));
    const statuses = await page.locator('[data-testid="trace-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status));
    assert.deepStrictEqual(statuses, expected.diff.kernels.rows.map((r) => r.status));
    await page.screenshot({ path: path.join(SHOTS, 'trace-compare.png') });

    await page.getByTestId('trace-threshold').fill('20');
    await page.getByTestId('trace-threshold').dispatchEvent('change');
    await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid="trace-result"]').dataset.json).diff.threshold_pct === 20);
    assert.deepStrictEqual(await pageJson(), cli(['trace', 'compare', TRACE_A, TRACE_B, '--threshold', '20']));

    await page.getByTestId('trace-kind-cpu_ops').click();
    assert.deepStrictEqual(await rowNames(), (await pageJson()).diff.cpu_ops.rows.map((r) => r.name));
    await page.getByTestId('trace-search').fill('DataLoader');
    const rows = await rowNames();
    assert.ok(rows.length > 0 && rows.every((n) => n.includes('DataLoader')), rows.join(', '));
    await page.getByTestId('trace-search').fill('');
    await page.getByTestId('trace-threshold').fill('5');

    // Swap: B against A.
    const previous = Number(await result().getAttribute('data-run'));
    await page.getByTestId('trace-swap').click();
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="trace-result"]');
      return Number(r.dataset.run) > prev && r.dataset.state === 'done';
    }, previous);
    assert.deepStrictEqual(await pageJson(), cli(['trace', 'compare', TRACE_B, TRACE_A]));
  });

  test('a bad trace shows the core\'s error; a capture afterwards goes to app.js', async () => {
    const bad = path.join(work, 'truncated.json');
    writeFileSync(bad, '{"traceEvents": [{"ph": "X", "name": "a", "cat": "kernel", "ts": 1, "dur": 2}, {"ph": "X", "na');
    let message = '';
    try {
      execFileSync(BIN, ['trace', 'summary', bad, '--json', '--no-index'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      message = e.stderr.trim();
    }
    assert.ok(message, 'the CLI must reject the truncated trace');
    assert.equal(await open(bad), 'error');
    const shown = await page.getByTestId('trace-error').textContent();
    // The CLI prints "error: FILE: MESSAGE"; the page "Could not read “NAME”: MESSAGE".
    const core = message.replace(/^error: /, '').replace(`${bad}: `, '');
    assert.equal(shown, `Could not read “truncated.json”: ${core}`);
    assert.equal(await result().getAttribute('data-json'), null);
    await page.screenshot({ path: path.join(SHOTS, 'trace-error.png') });

    const csv = path.join(work, 'small.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4\n');
    await page.getByTestId('file-input').setInputFiles(csv);
    await page.waitForFunction(() => document.querySelector('[data-testid="result"]').dataset.state === 'done');
    assert.equal(await page.getByTestId('trace-view').isVisible(), false);
  });

  test('a dropped trace (drop zone) is summarised', async () => {
    const bytes = [...readFileSync(path.join(DATA, 'pytorch', 'hta_trace_compare', 'base', 'base.json.gz'))];
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('drop-zone').evaluate((zone, data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'base.json.gz'));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    }, bytes);
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="trace-result"]');
      return Number(r.dataset.run) > prev && r.dataset.state === 'done';
    }, previous, { timeout: 30_000 });
    assert.deepStrictEqual(await pageJson(), cli(['trace', 'summary', path.join(DATA, 'pytorch', 'hta_trace_compare', 'base', 'base.json.gz')]));
    assert.equal(await page.getByTestId('result').getAttribute('data-state'), 'done', 'app.js result from the CSV stays as it was');
  });

  test(`a generated ${BIG_MB} MB trace is summarised within 512 MiB`, { timeout: 600_000 }, async (t) => {
    const big = generateTrace(path.join(work, 'big.pt.trace.json'), BIG_MB);
    const size = statSync(big).size;
    const expected = cli(['trace', 'summary', big]);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    let peakRss = 0;
    let peakMainHeap = 0;
    let peakWorkerHeap = 0;
    let peakWasm = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, ...rendererRss(), 0);
        try {
          const { metrics } = await cdp.send('Performance.getMetrics');
          peakMainHeap = Math.max(peakMainHeap, metrics.find((m) => m.name === 'JSHeapTotalSize')?.value ?? 0);
          for (const w of page.workers()) {
            const [wasm, heap] = await w.evaluate(() => [
              self.__scopekitWasmBytes?.() ?? 0, self.performance?.memory?.totalJSHeapSize ?? 0,
            ]).catch(() => [0, 0]);
            peakWasm = Math.max(peakWasm, wasm);
            peakWorkerHeap = Math.max(peakWorkerHeap, heap);
          }
        } catch {
          // page busy or closing
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const state = await open(big, { timeout: 500_000 });
    sampling = false;
    await sampler;
    assert.equal(state, 'done', await page.getByTestId('trace-error').textContent());
    const seconds = Number(await result().getAttribute('data-seconds'));
    assert.deepStrictEqual(await pageJson(), expected);
    const heaps = peakMainHeap + peakWorkerHeap + peakWasm;
    t.diagnostic(`file ${MiB(size)} (${expected.events.toLocaleString('en-US')} events) in ${seconds.toFixed(2)} s = ` +
      `${(size / seconds / 1048576).toFixed(1)} MiB/s`);
    t.diagnostic(`peak main JS heap ${MiB(peakMainHeap)}, worker JS heap ${peakWorkerHeap ? MiB(peakWorkerHeap) : 'n/a (in RSS)'}, wasm memory ${MiB(peakWasm)}; ` +
      `sum ${MiB(heaps)}; renderer RSS peak ${MiB(peakRss)}`);
    assert.ok(peakWasm > 0, 'the wasm memory was sampled');
    assert.ok(heaps < BUDGET, `JS heaps + wasm memory ${MiB(heaps)} ≥ 512 MiB`);
    assert.ok(peakRss < BUDGET, `renderer RSS ${MiB(peakRss)} ≥ 512 MiB`);
    await page.screenshot({ path: path.join(SHOTS, 'trace-big.png') });
    rmSync(big);
  });

  test('no uncaught page errors', () => {
    assert.deepStrictEqual(pageErrors, []);
  });
});
