// End-to-end test of the page's protocol decoder view (web/decode.js) in headless Chromium:
// real sigrok captures and generated analog / large captures are decoded in the page with
// settings chosen in the UI, and the page's JSON is compared with `scopekit decode --json`.
//
//   npm ci --prefix tests/browser
//   cargo build --release -p scopekit-cli      # or set SCOPEKIT_BIN (serve embeds web/)
//   node --test tests/browser/decode.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), python3 with numpy, web/pkg built, and
// ../shared/data (override with SCOPEKIT_DATA). Screenshots go to target/screenshots/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { stopServer, startServer as serveOn, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DATA = process.env.SCOPEKIT_DATA || path.join(REPO, '..', 'shared', 'data');
const SIGROK = path.join(DATA, 'sigrok');
const SHOTS = path.join(REPO, 'target', 'screenshots');

const RATE = 10_000_000; // gen_bus.py's sample rate
const BIG_SPI_SAMPLES = 9_500_000; // ≈ 107 k SPI words
const CANCEL_SAMPLES = 40_000_000; // float32 → 160 MB, streamed (a few seconds in the page)

// The big SPI session (logic, .sr) and a long analog UART line for the cancel test.
const GENERATE = String.raw`
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import gen_bus
out, n, m = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines, names, words = gen_bus.spi(n, np.random.default_rng(1))
packed = np.zeros(n, np.uint8)
for i in range(lines.shape[1]):
    packed |= (lines[:, i].astype(np.uint8) & 1) << i
gen_bus.write_sr(f"{out}/big_spi.sr", names, packed)
u = np.load(f"{out}/uart.npy")
np.save(f"{out}/long_uart.npy", np.tile(u, (m // len(u) + 1, 1))[:m])
print(words)
`;

const cases = JSON.parse(readFileSync(path.join(SIGROK, 'cases.json'), 'utf8'));
const caseNamed = (name) => {
  const c = cases.find((x) => x.name === name);
  assert.ok(c, `no sigrok case ${name}`);
  return c;
};

/** CLI flags of a role / an option (`scopekit decode PROTOCOL --help`). */
const ROLE_FLAG = { can_rx: 'can' };
const OPTION_FLAG = {
  bitorder: 'bit-order', wordsize: 'word-size', nominal_bitrate: 'bitrate',
};

/** A sigrok case's options as UI values (strings; booleans for the UART invert options). */
function uiOptions(options) {
  const out = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === 'invert_rx' || k === 'invert_tx') out[k] = v === 'yes' || v === true;
    else if (k === 'stop_bits' || k === 'sample_point') out[k] = String(Number(v));
    else out[k] = String(v);
  }
  return out;
}

function cliArgs({ protocol, roles, options = {}, threshold, hysteresis, rate }) {
  const args = ['decode', protocol];
  for (const [role, channel] of Object.entries(roles)) args.push(`--${ROLE_FLAG[role] ?? role}`, String(channel));
  for (const [k, v] of Object.entries(options)) {
    const flag = `--${OPTION_FLAG[k] ?? k.replaceAll('_', '-')}`;
    if (typeof v === 'boolean') {
      if (v) args.push(flag);
    } else {
      args.push(flag, v);
    }
  }
  if (threshold !== undefined) args.push('--threshold', String(threshold));
  if (hysteresis !== undefined) args.push('--hysteresis', String(hysteresis));
  if (rate !== undefined) args.push('--rate', String(rate));
  return args;
}

function cliDecode(file, settings) {
  const args = cliArgs(settings);
  args.splice(2, 0, file);
  const out = execFileSync(BIN, [...args, '--json'], { encoding: 'utf8', maxBuffer: 512 << 20 });
  return JSON.parse(out);
}

/** Start `scopekit serve --port 0` (tests/browser/harness.js). */
const startServer = () => serveOn(BIN, REPO);


describe('scopekit page: protocol decoder view', () => {
  let work;
  let server;
  let context;
  let page;
  let bigWords = 0;
  const pageErrors = [];
  const consoleLog = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    assert.ok(existsSync(path.join(REPO, 'web', 'pkg', 'scopekit_wasm_bg.wasm')), 'web/pkg is missing: run scripts/build-wasm.sh');
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-decode-'));
    const data = path.join(work, 'data');
    const home = path.join(work, 'home');
    for (const dir of [data, home, SHOTS]) mkdirSync(dir, { recursive: true });
    execFileSync('python3', [path.join(REPO, 'benches', 'gen_bus.py'), data, '200000'], { stdio: 'ignore' });
    bigWords = Number(execFileSync('python3', ['-c', GENERATE, path.join(REPO, 'benches'), data,
      String(BIG_SPI_SAMPLES), String(CANCEL_SAMPLES)], { encoding: 'utf8' }).trim());

    server = await startServer();
    context = await launchBrowser(path.join(work, 'profile'), home);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#decode-view[data-ready="true"]').waitFor({ state: 'attached' });
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const gen = (name) => path.join(work, 'data', name);
  const view = () => page.getByTestId('decode-view');
  const result = () => page.getByTestId('decode-result');

  /** Choose a file; wait until the decode view lists its channels. */
  async function open(file) {
    await page.getByTestId('file-input').setInputFiles(file);
    await page.waitForFunction((name) =>
      document.querySelector('[data-testid="file-name"]')?.textContent === name &&
      !document.getElementById('decode-view').hidden &&
      document.querySelectorAll('[data-testid="decode-roles"] option').length > 1,
    path.basename(file), { timeout: 30_000, polling: 50 });
  }

  /** Set protocol, roles, options and input settings in the UI. */
  async function choose({ protocol, roles, options = {}, threshold, hysteresis, rate }) {
    await page.getByTestId('decode-protocol').selectOption(protocol);
    for (const select of await page.locator('[data-testid="decode-roles"] select').all()) {
      const role = await select.getAttribute('data-role');
      await select.selectOption(role in roles ? String(roles[role]) : '');
    }
    for (const [k, v] of Object.entries(options)) {
      const control = page.getByTestId(`decode-opt-${k}`);
      const tag = await control.evaluate((e) => e.tagName);
      if (typeof v === 'boolean') await control.setChecked(v);
      else if (tag === 'SELECT') await control.selectOption(v);
      else await control.fill(v);
    }
    if (threshold !== undefined) await page.getByTestId('decode-threshold').fill(String(threshold));
    if (hysteresis !== undefined) await page.getByTestId('decode-hysteresis').fill(String(hysteresis));
    if (rate !== undefined) await page.getByTestId('decode-rate').fill(String(rate));
  }

  /** Click Decode; wait for this run to finish; return its state. */
  async function decode(timeout = 60_000) {
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('decode-run').click();
    try {
      const state = await page.waitForFunction((prev) => {
        const r = document.querySelector('[data-testid="decode-result"]');
        const s = r.dataset.state;
        return Number(r.dataset.run ?? 0) > prev && (s === 'done' || s === 'error') && s;
      }, previous, { timeout, polling: 50 });
      return await state.jsonValue();
    } catch (e) {
      e.message += `\n  status: ${await page.getByTestId('decode-status').textContent()}\n  log:\n    ${consoleLog.join('\n    ')}`;
      throw e;
    }
  }

  async function decodeDone(settings, timeout) {
    await choose(settings);
    const state = await decode(timeout);
    if (state !== 'done') assert.fail(`decode failed: ${await page.getByTestId('decode-error').textContent()}`);
    assert.equal(await page.getByTestId('decode-error').isVisible(), false);
    return JSON.parse(await result().getAttribute('data-json'));
  }

  const sigrokCase = (name) => {
    const c = caseNamed(name);
    return { file: path.join(SIGROK, c.input), settings: { protocol: c.protocol, roles: c.channel_indices, options: uiOptions(c.options) } };
  };

  for (const name of [
    'rxtx_overlapped', 'max3232e_hello_world_57600_8n1', 'uart_count_19200_9n1',
    '152bit_spi', 'cc1101-burst-read', 'xfp', 'wii_nunchuk_init',
    'can_fd_ext_brs_64', 'mcp2515dm-bm-125kbits_bus_load_25percent',
  ]) {
    test(`sigrok ${name}: page JSON equals \`scopekit decode --json\``, async () => {
      const { file, settings } = sigrokCase(name);
      await open(file);
      const fromPage = await decodeDone(settings);
      const fromCli = cliDecode(file, settings);
      assert.ok(fromCli.frames.length > 0, 'the CLI decoded no frames');
      assert.deepStrictEqual(fromPage, fromCli);
      assert.equal(await result().getAttribute('data-frames-count'), String(fromCli.frames.length));
      const rows = await page.locator('[data-testid="decode-table"] .decode-body [role="row"]').count();
      assert.ok(rows > 0 && rows <= Math.min(fromCli.frames.length, 200), `${rows} rows in the DOM`);
      if (name === 'mcp2515dm-bm-125kbits_bus_load_25percent' || name === 'rxtx_overlapped') {
        await view().screenshot({ path: path.join(SHOTS, `decode-${settings.protocol}.png`) });
      }
    });
  }

  test('roles default to channels named like them; the threshold is hidden for logic files', async () => {
    const { file } = sigrokCase('cc1101-burst-read');
    await open(file);
    await page.getByTestId('decode-protocol').selectOption('spi');
    for (const [role, channel] of Object.entries(caseNamed('cc1101-burst-read').channel_indices)) {
      assert.equal(await page.getByTestId(`decode-role-${role}`).inputValue(), String(channel), role);
    }
    assert.equal(await page.getByTestId('decode-threshold').isVisible(), false);
    assert.equal(await page.getByTestId('decode-rate').isVisible(), false);
  });

  test('analog float32 NPY (gen_bus.py, 10 MSa/s): UART and SPI through thresholds equal the CLI', async () => {
    await open(gen('uart.npy'));
    assert.equal(await page.getByTestId('decode-threshold').isVisible(), true);
    assert.equal(await page.getByTestId('decode-rate').isVisible(), true);
    const uart = { protocol: 'uart', roles: { tx: 0 }, options: { baudrate: '115200' }, threshold: 'auto', rate: RATE };
    const fromPage = await decodeDone(uart);
    const fromCli = cliDecode(gen('uart.npy'), uart);
    assert.ok(fromCli.frames.length > 100);
    assert.equal(fromCli.stats.errors, 0);
    assert.deepStrictEqual(fromPage, fromCli);

    await open(gen('spi.npy'));
    const spi = { protocol: 'spi', roles: { clk: 0, miso: 1, mosi: 2, cs: 3 }, threshold: '1.65', hysteresis: '0.3', rate: RATE };
    const spiPage = await decodeDone(spi);
    const spiCli = cliDecode(gen('spi.npy'), spi);
    assert.ok(spiCli.frames.length > 100);
    assert.deepStrictEqual(spiPage, spiCli);
    await view().screenshot({ path: path.join(SHOTS, 'decode-analog-spi.png') });
  });

  test(`virtualised table: ≥ 100 k SPI frames, few DOM rows, right rows after scrolling`, { timeout: 240_000 }, async (t) => {
    const file = gen('big_spi.sr');
    const settings = { protocol: 'spi', roles: { clk: 0, miso: 1, mosi: 2, cs: 3 } };
    await open(file);
    const started = performance.now();
    const fromPage = await decodeDone(settings, 180_000);
    t.diagnostic(`page decoded ${bigWords} words in ${((performance.now() - started) / 1000).toFixed(2)} s: ` +
      `${await page.getByTestId('decode-status').textContent()}`);
    const fromCli = cliDecode(file, settings);
    const n = fromCli.frames.length;
    assert.ok(n >= 100_000, `only ${n} frames`);
    assert.equal(n, bigWords);
    // Big runs keep the frames out of data-json; the rest is the CLI's document.
    const { frames, ...cliRest } = fromCli;
    assert.deepStrictEqual(fromPage, { ...cliRest, frames_count: n });
    assert.equal(await result().getAttribute('data-frames-count'), String(n));
    const sample = await page.evaluate((idx) => idx.map((i) => window.__scopekitDecode.frame(i)), [0, 1, 4242, 77_777, n - 1]);
    assert.deepStrictEqual(sample, [0, 1, 4242, 77_777, n - 1].map((i) => frames[i]));

    const rows = page.locator('[data-testid="decode-table"] .decode-body [role="row"]');
    const viewport = page.getByTestId('decode-viewport');
    /** Scroll to a fraction; return the rendered rows' [index, start cell, end cell]. */
    const scrollTo = async (fraction) => {
      await viewport.evaluate((v, f) => { v.scrollTop = f * (v.scrollHeight - v.clientHeight); }, fraction);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return rows.evaluateAll((list) => list.map((row) => [Number(row.dataset.index),
        row.querySelector('.c-start').textContent, row.querySelector('.c-end').textContent,
        row.getBoundingClientRect().top]));
    };
    for (const fraction of [0.5, 0.123, 1]) {
      const shown = await scrollTo(fraction);
      assert.ok(shown.length > 5 && shown.length < 200, `${shown.length} rows in the DOM at ${fraction}`);
      for (const [i, start, end] of shown) {
        assert.equal(start, String(frames[i].start), `row ${i} start`);
        assert.equal(end, String(frames[i].end), `row ${i} end`);
      }
      // Rows are stacked in index order, one row height apart.
      const sorted = [...shown].sort((a, b) => a[0] - b[0]);
      for (let k = 1; k < sorted.length; k += 1) {
        assert.equal(sorted[k][0], sorted[k - 1][0] + 1);
        assert.ok(Math.abs(sorted[k][3] - sorted[k - 1][3] - 26) < 1.5, 'row spacing');
      }
    }
    // At the bottom, the last frame is rendered and fully visible above the viewport's end.
    const bottom = await scrollTo(1);
    assert.equal(Math.max(...bottom.map((r) => r[0])), n - 1);
    const box = await viewport.boundingBox();
    const lastTop = bottom.find((r) => r[0] === n - 1)[3];
    assert.ok(lastTop + 26 <= box.y + box.height + 1 && lastTop >= box.y, `last row at ${lastTop}, viewport ${box.y}+${box.height}`);

    // Clicking a row selects it; End / Home move the selection with the keyboard.
    const target = bottom.find((r) => r[0] === n - 3);
    await page.locator(`[data-testid="decode-table"] [data-index="${n - 3}"]`).click();
    assert.equal(await view().getAttribute('data-selected-index'), String(n - 3));
    assert.equal(await view().getAttribute('data-selected-start'), target[1]);
    assert.equal(await view().getAttribute('data-selected-end'), target[2]);
    await page.screenshot({ path: path.join(SHOTS, 'decode-big-bottom.png') });
    await page.keyboard.press('Home');
    assert.equal(await view().getAttribute('data-selected-start'), String(frames[0].start));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await view().getAttribute('data-selected-index'), '2');
    assert.equal(await view().getAttribute('data-selected-end'), String(frames[2].end));
    await page.keyboard.press('End');
    assert.equal(await view().getAttribute('data-selected-index'), String(n - 1));
    assert.equal(await page.locator(`[data-testid="decode-table"] [data-index="${n - 1}"]`).getAttribute('aria-selected'), 'true');
    await viewport.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'decode-big-viewport.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(SHOTS, 'decode-big-viewport-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('cancel stops a running decode without an error', { timeout: 120_000 }, async () => {
    await open(gen('long_uart.npy'));
    await choose({ protocol: 'uart', roles: { tx: 0 }, rate: RATE });
    const previous = Number((await result().getAttribute('data-run')) ?? 0);
    await page.getByTestId('decode-run').click();
    await page.waitForFunction((prev) => {
      const r = document.querySelector('[data-testid="decode-result"]');
      return Number(r.dataset.run) > prev && r.dataset.state === 'running' && window.__scopekitDecode.count > 0;
    }, previous, { timeout: 60_000, polling: 20 });
    await page.getByTestId('decode-cancel').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="decode-result"]').dataset.state !== 'running',
      null, { timeout: 10_000 });
    assert.equal(await result().getAttribute('data-state'), 'idle');
    assert.equal(await result().getAttribute('data-json'), null);
    assert.equal(await page.getByTestId('decode-error').isVisible(), false);
    assert.equal(await page.getByTestId('decode-cancel').isVisible(), false);
    assert.match(await page.getByTestId('decode-status').textContent(), /Cancelled after [\d,]+ frames/);
    await view().screenshot({ path: path.join(SHOTS, 'decode-cancelled.png') });
  });

  test('a baud rate above half the sample rate shows the core\'s error', async () => {
    const { file } = sigrokCase('hello_world_8n1_115200');
    await open(file);
    await choose({ protocol: 'uart', roles: { tx: 0 }, options: { baudrate: '900000' } });
    assert.equal(await decode(), 'error');
    const text = await page.getByTestId('decode-error').textContent();
    let cliMessage = '';
    try {
      execFileSync(BIN, ['decode', 'uart', file, '--tx', '0', '--baudrate', '900000', '--json'], { stdio: 'pipe' });
    } catch (e) {
      cliMessage = String(e.stderr);
    }
    const core = cliMessage.match(/invalid configuration: (.*)$/m)?.[1];
    assert.ok(core, `CLI stderr: ${cliMessage}`);
    assert.ok(text.includes(core), `page error "${text}" lacks "${core}"`);
    assert.equal(await result().getAttribute('data-json'), null);
    await view().screenshot({ path: path.join(SHOTS, 'decode-error.png') });

    // A setting the page rejects before running: a baud rate that is not a number.
    await choose({ protocol: 'uart', roles: { tx: 0 }, options: { baudrate: 'fast' } });
    assert.equal(await decode(), 'error');
    assert.match(await page.getByTestId('decode-error').textContent(), /baud rate/);
    // And 'auto' runs the baud-rate estimate like the CLI's --baudrate auto.
    const auto = { protocol: 'uart', roles: { tx: 0 }, options: { baudrate: 'auto' } };
    await choose(auto);
    assert.equal(await decode(), 'done');
    assert.deepStrictEqual(JSON.parse(await result().getAttribute('data-json')), cliDecode(file, auto));
  });

  test('embeddable API: decodeFile() resolves to the CLI document', async () => {
    const { file, settings } = sigrokCase('xfp');
    const bytes = [...readFileSync(file)];
    const doc = await page.evaluate(async (data) => {
      const { decodeFile } = await import('./scopekit.js');
      return decodeFile(new Blob([new Uint8Array(data)]), {
        config: { protocol: 'i2c' },
        wires: [{ role: 'sda', channel: 1, name: 'SDA' }, { role: 'scl', channel: 0, name: 'SCL' }],
        rate: 1e6,
      });
    }, bytes);
    assert.deepStrictEqual(doc, cliDecode(file, settings));
  });

  test('no uncaught errors on the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
