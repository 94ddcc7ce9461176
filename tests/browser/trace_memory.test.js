// The page summarises a generated 1 GB PyTorch-profiler-like trace (benches/compare_trace.sh
// --generate, in a temporary directory removed afterwards) without the tab exceeding 512 MiB:
// while it runs, the Chromium renderer processes of this test are sampled every 100 ms (Pss and
// Private_Clean + Private_Dirty from /proc/<pid>/smaps_rollup, and RSS), and the worker reports
// the size of the wasm linear memory. The page's summary must equal `scopekit trace summary
// --json` of the same file.
//
//   SCOPEKIT_BIN=/path/to/scopekit node --test tests/browser/trace_memory.test.js
//
// SCOPEKIT_SKIP_BIG=1 skips it; SCOPEKIT_TRACE_BYTES sets the size (default 1e9).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { startServer, stopServer, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const SHOTS = path.join(REPO, 'tests', 'browser', 'artifacts');
const BYTES = Number(process.env.SCOPEKIT_TRACE_BYTES || 1e9);
const BUDGET = 512 * 1024 * 1024;
const SKIP = process.env.SCOPEKIT_SKIP_BIG === '1';

const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;

/** pid → { ppid, cmd } of every process. */
function processes() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(name), { ppid, cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8') });
    } catch {
      // gone
    }
  }
  return out;
}

/** Summed memory (bytes) of the renderer processes descended from this test process. */
function rendererMemory() {
  const procs = processes();
  const mine = (pid) => {
    for (let p = pid, n = 0; p > 1 && n < 64; p = procs.get(p)?.ppid, n += 1) if (p === process.pid) return true;
    return false;
  };
  const sum = { rss: 0, pss: 0, priv: 0, renderers: 0 };
  for (const [pid, { cmd }] of procs) {
    if (!cmd.includes('--type=renderer') || !mine(pid)) continue;
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
      sum.rss += kb('Rss');
      sum.pss += kb('Pss');
      sum.priv += kb('Private_Clean') + kb('Private_Dirty');
      sum.renderers += 1;
    } catch {
      // gone
    }
  }
  return sum;
}

describe('scopekit page: a 1 GB profiler trace in bounded memory', { skip: SKIP && 'SCOPEKIT_SKIP_BIG=1' }, () => {
  let work;
  let server;
  let context;
  let page;

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-tracemem-'));
    const home = path.join(work, 'home');
    for (const dir of [home, SHOTS]) mkdirSync(dir, { recursive: true });
    server = await startServer(BIN, REPO);
    context = await launchBrowser(path.join(work, 'profile'), home, { args: ['--enable-precise-memory-info'] });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#trace-view[data-ready="true"]').waitFor({ state: 'attached' });
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('summary equals the CLI and the tab stays within 512 MiB', { timeout: 900_000 }, async (t) => {
    const file = path.join(work, 'trace_1GB.pt.trace.json');
    let t0 = performance.now();
    execFileSync(path.join(REPO, 'benches', 'compare_trace.sh'), ['--generate', file], {
      env: { ...process.env, SCOPEKIT_TRACE_BYTES: String(BYTES) }, stdio: 'inherit',
    });
    const size = statSync(file).size;
    t.diagnostic(`generated ${MiB(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t0 = performance.now();
    const expected = JSON.parse(execFileSync(BIN, ['trace', 'summary', file, '--json', '--no-index'],
      { encoding: 'utf8', maxBuffer: 256 << 20 }));
    t.diagnostic(`CLI summary in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const peak = { rss: 0, pss: 0, priv: 0, wasm: 0, renderers: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const m = rendererMemory();
        for (const k of ['rss', 'pss', 'priv', 'renderers']) peak[k] = Math.max(peak[k], m[k]);
        for (const w of page.workers()) {
          const wasm = await w.evaluate(() => self.__scopekitWasmBytes?.() ?? 0).catch(() => 0);
          peak.wasm = Math.max(peak.wasm, wasm);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const result = page.getByTestId('trace-result');
    const previous = Number((await result.getAttribute('data-run')) ?? 0);
    t0 = performance.now();
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="trace-result"]');
      return Number(r.dataset.run) > prev && (r.dataset.state === 'done' || r.dataset.state === 'error');
    }, previous, { timeout: 800_000, polling: 200 });
    const seconds = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    assert.equal(await result.getAttribute('data-state'), 'done', await page.getByTestId('trace-error').textContent());
    assert.deepStrictEqual(JSON.parse(await result.getAttribute('data-json')), expected);
    t.diagnostic(`page: ${MiB(size)}, ${expected.events.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s ` +
      `(${(size / seconds / 1e6).toFixed(0)} MB/s)`);
    t.diagnostic(`peak over ${peak.renderers} renderer(s): Pss ${MiB(peak.pss)}, private ${MiB(peak.priv)}, ` +
      `RSS ${MiB(peak.rss)}; wasm memory ${MiB(peak.wasm)}`);
    await page.screenshot({ path: path.join(SHOTS, 'trace-1gb.png') });
    rmSync(file);
    assert.ok(peak.wasm > 0, 'the wasm memory was sampled');
    assert.ok(peak.pss > 0, 'the renderer memory was sampled');
    assert.ok(peak.wasm <= BUDGET, `wasm memory ${MiB(peak.wasm)} > 512 MiB`);
    assert.ok(peak.pss <= BUDGET, `renderer Pss ${MiB(peak.pss)} > 512 MiB`);
    assert.ok(peak.priv <= BUDGET, `renderer private memory ${MiB(peak.priv)} > 512 MiB`);
  });
});
