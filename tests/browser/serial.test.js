// End-to-end test of the page's live capture view (web/serial.js) in headless Chromium. A
// serial device is simulated by a scripted ReadableStream of Uint8Array chunks fed through
// window.__scopekitSerial.connectSource — the same pipeline the "Connect device" button
// feeds with a Web Serial port's readable — in odd-sized chunks with pauses between them.
//
//   npm ci --prefix tests/browser
//   cargo build --release -p scopekit-cli      # or set SCOPEKIT_BIN (serve embeds web/)
//   node --test tests/browser/serial.test.js
//
// Needs /usr/bin/chromium (override with CHROMIUM), web/pkg built, and ../shared/data
// (override with SCOPEKIT_DATA). Screenshots go to target/screenshots/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';


import { stopServer, startServer as serveOn, launchBrowser } from './harness.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DATA = process.env.SCOPEKIT_DATA || path.join(REPO, '..', 'shared', 'data');
const SERIAL = path.join(DATA, 'serial');
const SHOTS = path.join(REPO, 'target', 'screenshots');

/** Odd chunk sizes, cycled. */
const ODD_SIZES = [1, 7, 13, 64, 3, 251, 2, 97];

/** Start `scopekit serve --port 0` (tests/browser/harness.js). */
const startServer = () => serveOn(BIN, REPO);


/** `rows` rows of two i16 channels (as tests/cli_capture.rs), little-endian interleaved. */
function i16Stream(rows) {
  const values = [];
  const bytes = Buffer.alloc(rows * 4);
  for (let i = 0; i < rows; i += 1) {
    const a = ((((i * 37) % 65536) - 32768) << 16) >> 16;
    const b = (i % 1000) - 500;
    values.push([a, b]);
    bytes.writeInt16LE(a, i * 4);
    bytes.writeInt16LE(b, i * 4 + 2);
  }
  return { bytes, values };
}

/** Data rows of a recorded CSV (comment and header lines dropped). */
function csvRows(text) {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

describe('scopekit page: live capture view (Web Serial)', () => {
  let work;
  let server;
  let context;
  let page;
  const pageErrors = [];

  before(async () => {
    assert.ok(existsSync(BIN), `scopekit binary not found at ${BIN}`);
    assert.ok(existsSync(path.join(REPO, 'web', 'pkg', 'scopekit_wasm_bg.wasm')), 'web/pkg is missing: run scripts/build-wasm.sh');
    work = mkdtempSync(path.join(tmpdir(), 'scopekit-serial-'));
    const home = path.join(work, 'home');
    for (const dir of [home, SHOTS]) mkdirSync(dir, { recursive: true });
    server = await startServer();
    context = await launchBrowser(path.join(work, 'profile'), home, { acceptDownloads: true });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#serial-view[data-ready="true"]').waitFor({ state: 'attached' });
  });

  after(async () => {
    await context?.close().catch(() => {});
    await stopServer(server?.proc).catch(() => {});
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Set the form: { format, channels, names, baud, derive, alerts, window }. */
  async function configure({ format, channels = '', names = '', baud = '115200', derive = '', alerts = '', window = '10000' }) {
    await page.getByTestId('serial-format').selectOption(format);
    await page.getByTestId('serial-baud').fill(baud);
    if (format !== 'text' && format !== 'raw') {
      await page.getByTestId('serial-channels').fill(String(channels));
      await page.getByTestId('serial-names').fill(names);
      await page.getByTestId('serial-derive').fill(derive);
      await page.getByTestId('serial-alerts').fill(alerts);
      await page.getByTestId('serial-window').fill(String(window));
    }
  }

  /**
   * Feed `bytes` through a scripted ReadableStream in chunks of `sizes` (cycled), pausing
   * every `pauseEvery` chunks; resolve to the final status object.
   */
  function feed(bytes, { sizes = ODD_SIZES, pauseEvery = 5, label = 'scripted stream' } = {}) {
    return page.evaluate(async ({ b64, sizes, pauseEvery, label }) => {
      const bin = atob(b64);
      const data = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i += 1) data[i] = bin.charCodeAt(i);
      let at = 0;
      let k = 0;
      const stream = new ReadableStream({
        async pull(controller) {
          if (at >= data.length) {
            controller.close();
            return;
          }
          const n = sizes[k % sizes.length];
          k += 1;
          controller.enqueue(data.slice(at, at + n));
          at += n;
          if (k % pauseEvery === 0) await new Promise((r) => { setTimeout(r, 2); });
        },
      }, { highWaterMark: 0 });
      return window.__scopekitSerial.connectSource(stream, { label });
    }, { b64: Buffer.from(bytes).toString('base64'), sizes, pauseEvery, label });
  }

  /** Click "Download recording" and return the downloaded bytes. */
  async function download() {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('serial-download').click()]);
    return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
  }

  async function shot(name) {
    await page.getByTestId('serial-view').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('serial-view').scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(100);
    await page.screenshot({ path: path.join(SHOTS, name) });
  }

  test('the Connect button follows Web Serial support', async () => {
    const has = await page.evaluate(() => 'serial' in navigator && Boolean(navigator.serial));
    const button = page.getByTestId('serial-connect');
    await button.waitFor();
    assert.equal(await button.textContent(), 'Connect device');
    assert.equal(await page.evaluate(() => window.__scopekitSerial.hasSerial), has);
    if (has) {
      assert.equal(await button.isDisabled(), false);
      assert.equal(await page.getByTestId('serial-support').isHidden(), true);
    } else {
      assert.equal(await button.isDisabled(), true);
      assert.match(await page.getByTestId('serial-support').textContent(), /Web Serial/);
    }
    // Without Web Serial (Firefox, Safari): disabled, with an explanation.
    const other = await context.newPage();
    await other.addInitScript(() => { delete Navigator.prototype.serial; });
    await other.goto(server.url, { waitUntil: 'load' });
    await other.locator('#serial-view[data-ready="true"]').waitFor({ state: 'attached' });
    assert.equal(await other.getByTestId('serial-connect').isDisabled(), true);
    const note = other.getByTestId('serial-support');
    assert.equal(await note.isVisible(), true);
    assert.match(await note.textContent(), /Web Serial is not available/);
    assert.equal(await other.getByTestId('serial-connect').getAttribute('aria-describedby'), 'serial-support');
    await other.close();
  });

  test('NMEA streams: lines and checksums as expected.json, recording byte-identical', async () => {
    const expected = JSON.parse(readFileSync(path.join(SERIAL, 'expected.json'), 'utf8'));
    await configure({ format: 'text', baud: '4800' });
    let n = 0;
    for (const [name, facts] of Object.entries(expected)) {
      const input = readFileSync(path.join(SERIAL, name));
      const s = await feed(input, { sizes: ODD_SIZES.map((x) => x + n), label: name });
      n += 1;
      const tail = facts.unterminated_tail === '' ? 0 : 1;
      assert.equal(s.type, 'status');
      assert.equal(s.state, 'done', name);
      assert.equal(s.bytes, facts.bytes, name);
      assert.equal(s.lines + tail, facts.lines, name);
      assert.equal(s.partial, tail, name);
      assert.equal(s.malformed, 0, name);
      assert.deepEqual(s.nmea, { ok: facts.checksum_ok, bad: facts.checksum_bad, missing: facts.checksum_missing }, name);
      assert.ok(s.gap_p50_s > 0, `${name}: gaps measured`);
      assert.equal(await page.getByTestId('serial-result').getAttribute('data-state'), 'done');
      assert.equal(await page.getByTestId('serial-nmea').textContent(),
        `${facts.checksum_ok} / ${facts.checksum_bad} / ${facts.checksum_missing}`, name);
      const dl = await download();
      assert.match(dl.name, /^scopekit-capture-.*\.txt$/);
      assert.ok(dl.bytes.equals(input), `${name}: downloaded recording differs from the input`);
      if (name === 'gr601-w.nmea') await shot('serial-nmea.png');
    }
    const last = await page.getByTestId('serial-tail').textContent();
    assert.match(last, /\$GP/);
  });

  test('i16le two channels: rows, derived channel, alerts, statistics table', async () => {
    const { bytes, values } = i16Stream(5000);
    const input = Buffer.concat([bytes, Buffer.from([0x55])]); // half a sample: dropped, counted
    await configure({ format: 'i16le', channels: 2, names: 'v,i', derive: 'p=v*i/1000', alerts: 'p>10000' });
    const s = await feed(input, { sizes: [1, 3, 5, 1001, 17, 4095, 2], pauseEvery: 3 });
    assert.equal(s.rows, values.length);
    assert.equal(s.dropped_bytes, 1);
    assert.equal(s.bytes, input.length);
    assert.deepEqual(Object.keys(s.channels), ['v', 'i', 'p']);

    let events = 0;
    let active = false;
    const ps = values.map(([v, i]) => (v * i) / 1000);
    for (const p of ps) {
      events += p > 10000 && !active ? 1 : 0;
      active = p > 10000;
    }
    assert.ok(events > 0);
    assert.equal(s.alerts['p>10000'].events, events);
    assert.equal(s.alerts['p>10000'].samples, ps.filter((p) => p > 10000).length);

    const dl = await download();
    assert.match(dl.name, /\.csv$/);
    const { header, rows } = csvRows(dl.bytes.toString('utf8'));
    assert.deepEqual(header, ['sample', 'v', 'i', 'p']);
    assert.equal(rows.length, values.length);
    rows.forEach((row, n) => {
      const [v, i] = values[n];
      assert.deepEqual(row.slice(0, 3), [String(n), String(v), String(i)], `row ${n}`);
      assert.equal(Number(row[3]), ps[n], `row ${n}: p`);
    });
    assert.ok(dl.bytes.toString('utf8').startsWith('# scopekit capture of scripted stream at 115200 baud, format i16le\n'));

    // The whole stream fits the rolling window: min/max are those of every sample.
    const min = (k) => Math.min(...values.map((r) => r[k]));
    const max = (k) => Math.max(...values.map((r) => r[k]));
    for (const [k, name] of [[0, 'v'], [1, 'i']]) {
      assert.equal(s.channels[name].min, min(k));
      assert.equal(s.channels[name].max, max(k));
      assert.equal(s.channels[name].count, values.length);
      const cells = await page.locator(`[data-testid="serial-stats"] tr[data-channel="${name}"] td`).allTextContents();
      assert.deepEqual(cells.slice(0, 2), [String(min(k)), String(max(k))], name);
    }
    assert.equal(s.channels.p.max, Math.max(...ps));
    assert.equal(await page.getByTestId('serial-rows').textContent(), values.length.toLocaleString('en-US'));
    assert.equal(await page.locator('[data-testid="serial-alert"]').getAttribute('data-events'), String(events));

    // The plot holds the last 2000 samples of each channel (v, i, p).
    const plotted = await page.evaluate(() => window.__scopekitSerial.plotted());
    assert.deepEqual(plotted.names, ['v', 'i', 'p']);
    assert.equal(plotted.rows.length, 2000);
    assert.deepEqual(plotted.rows.at(-1), [...values.at(-1), ps.at(-1)]);
    assert.deepEqual(plotted.rows[0], [...values[3000], ps[3000]]);
    const notes = await page.getByTestId('serial-notes').textContent();
    assert.match(notes, /alert: p>10000 at [\d.]+ s \(row \d+\)/);
    await shot('serial-i16le.png');
    await page.getByTestId('serial-counters').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(SHOTS, 'serial-i16le-stats.png') });
  });

  test('csv lines: the valid are kept, the rest counted (as the CLI)', async () => {
    const text = 'boot v1.2\r\nvolts,amps\r\n1.5,0.25\r\n2,0.5\r\n3,oops\r\n\x01\u00ffgarbage\r\n4,1,9\r\n5,2\r\n6,';
    await configure({ format: 'csv', derive: 'w=volts*amps', alerts: 'w >= 10' });
    const s = await feed(Buffer.from(text, 'utf8'), { sizes: [3] });
    assert.deepEqual([s.rows, s.malformed, s.partial, s.lines], [3, 3, 1, 8], JSON.stringify(s));
    assert.equal(s.alerts['w >= 10'].events, 1);
    const dl = await download();
    const { header, rows } = csvRows(dl.bytes.toString('utf8'));
    assert.deepEqual(header, ['time', 'volts', 'amps', 'w']);
    assert.deepEqual(rows.map((r) => r.slice(1)), [['1.5', '0.25', '0.375'], ['2', '0.5', '1'], ['5', '2', '10']]);
    assert.ok(rows.every((r) => /^\d+\.\d{6}$/.test(r[0])), 'time column');
    const notes = await page.getByTestId('serial-notes').textContent();
    assert.match(notes, /field 2 is not a number: 'oops'/);
    assert.equal(await page.getByTestId('serial-malformed').textContent(), '3');
    await shot('serial-csv.png');
  });

  test('bad settings are refused with the CLI message, before reading', async () => {
    await configure({ format: 'u8', channels: 1, alerts: 'nope>1' });
    const err = await page.evaluate(() => window.__scopekitSerial
      .connectSource(new ReadableStream()).then(() => null, (e) => e.message));
    assert.match(err, /no channel named 'nope'/);
    assert.equal(await page.getByTestId('serial-error').isVisible(), true);
    await configure({ format: 'text' });
    await page.getByTestId('serial-format').selectOption('u8');
    await page.getByTestId('serial-alerts').fill('');
  });

  test('disconnect stops a stream that never ends; the recording stays', async () => {
    await configure({ format: 'raw' });
    const done = page.evaluate(() => {
      let k = 0;
      const stream = new ReadableStream({
        async pull(controller) {
          await new Promise((r) => { setTimeout(r, 5); });
          controller.enqueue(new Uint8Array([k & 0xff, 0xa5]));
          k += 1;
        },
      });
      return window.__scopekitSerial.connectSource(stream, { label: 'endless' });
    });
    await page.waitForFunction(() => (window.__scopekitSerial.status()?.bytes ?? 0) >= 20, null, { polling: 50 });
    await page.waitForFunction(() => document.querySelector('[data-testid="serial-result"]').dataset.state === 'running');
    assert.equal(await page.getByTestId('serial-disconnect').isDisabled(), false);
    await page.getByTestId('serial-disconnect').click();
    const s = await done;
    assert.equal(s.state, 'done');
    assert.ok(s.bytes >= 20);
    const dl = await download();
    assert.equal(dl.bytes.length, s.bytes);
    assert.match(dl.name, /\.bin$/);
    assert.equal(await page.getByTestId('serial-disconnect').isDisabled(), true);
  });

  test('no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
