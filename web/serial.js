// Live capture view: `scopekit capture` in the page over Web Serial (Chromium). The bytes a
// device sends go through the wasm LiveSession (the same parsers as the CLI), into a live
// plot of the last samples, a rolling statistics table, and a recording that can be
// downloaded: CSV for numeric formats, the bytes verbatim for text and raw.
//
// The source is pluggable: the Connect button reads `port.readable`, and any
// ReadableStream of Uint8Array chunks can be fed the same way:
//
//   window.__scopekitSerial.connectSource(stream, { label })  → Promise<final status>
//   window.__scopekitSerial.status()                          → the last status object
//   window.__scopekitSerial.recordingBlob()                   → Blob of the recording
//   window.__scopekitSerial.plotted()                         → { names, rows } (plot buffer)
//   window.__scopekitSerial.disconnect()                      → stop the running capture
//
// The status object is the one `scopekit capture --json-lines` prints (docs/json-schema.md);
// it is also on [data-testid="serial-result"] as data-json, with data-state
// idle|running|done|error.

import init, { LiveSession } from './pkg/scopekit_wasm.js';
import {
  el, errorBox, formField as field, formGroup as group, formatBytes, formatCount as count, formatValue, setError,
  tableHead, tableRow, termPair,
} from './ui.js';

/** The in-page recording stops growing here (the plot and statistics go on). */
const MAX_RECORDING = 256 << 20;
/** Recording bytes collected before they are folded into a Blob part. */
const FOLD_BYTES = 1 << 20;
/** Statistics refresh period while capturing, ms. */
const STATUS_EVERY_MS = 500;
/** Shortest time between two plot redraws, ms (≤ 60 fps). */
const FRAME_MS = 1000 / 60;
/** Channels drawn at most (the table shows them all). */
const MAX_PLOTTED = 8;
/** Notes kept in the log. */
const MAX_NOTES_SHOWN = 50;
/** Tail of a text/raw stream kept for the preview, bytes. */
const TAIL_BYTES = 4096;

const FORMATS = [
  ['csv', 'csv — lines of numeric fields'],
  ['text', 'text — lines, kept verbatim (NMEA checked)'],
  ['raw', 'raw — bytes, kept verbatim'],
  ['u8', 'u8 — binary unsigned 8-bit'],
  ['i16le', 'i16le — binary signed 16-bit LE'],
  ['i16be', 'i16be — binary signed 16-bit BE'],
  ['u16le', 'u16le — binary unsigned 16-bit LE'],
  ['i32le', 'i32le — binary signed 32-bit LE'],
  ['f32le', 'f32le — binary float32 LE'],
];
const BINARY = new Set(['u8', 'i16le', 'i16be', 'u16le', 'i32le', 'f32le']);
const BAUDS = ['1200', '2400', '4800', '9600', '19200', '38400', '57600', '115200', '230400', '460800', '921600', '1000000', '2000000'];
const COLORS = ['#2563eb', '#d9480f', '#2b8a3e', '#ae3ec9', '#c2255c', '#0b7285', '#e67700', '#5c7cfa'];

const section = document.getElementById('serial-view');

// ---------------------------------------------------------------- helpers

function formatRate(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function formatGap(s) {
  if (s === null || s === undefined) return '—';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(1)} ms`;
  return `${s.toFixed(2)} s`;
}

/** `\n \r \t \\ \xHH` escapes, as `scopekit capture --send` takes them. */
export function unescapeCommand(s) {
  const out = [];
  const bytes = new TextEncoder().encode(s);
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (b !== 0x5c) {
      out.push(b);
      continue;
    }
    const c = String.fromCharCode(bytes[i + 1] ?? 0);
    i += 1;
    if (c === 'n') out.push(10);
    else if (c === 'r') out.push(13);
    else if (c === 't') out.push(9);
    else if (c === '\\') out.push(0x5c);
    else if (c === 'x') {
      const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`send on connect: bad \\x escape in “${s}”`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      throw new Error(`send on connect: bad escape in “${s}” (\\n \\r \\t \\\\ \\xHH)`);
    }
  }
  return new Uint8Array(out);
}

/** `a; b` or one per line → ['a', 'b']. */
const splitList = (s) => s.split(/[;\n]/).map((x) => x.trim()).filter((x) => x !== '');

// ---------------------------------------------------------------- markup

const ids = (name) => `serial-${name}`;

section.replaceChildren();
const heading = el('h2', { id: ids('heading') }, 'Live capture (Web Serial)');
section.setAttribute('aria-labelledby', heading.id);
section.removeAttribute('aria-label');

const intro = el('p', { className: 'note serial-intro' },
  'Record a serial device from the browser: the bytes are parsed in the page (the parsers of ',
  el('code', {}, 'scopekit capture'), '), plotted and summarised live, and kept for download. Nothing is uploaded.');

const formatSelect = el('select', { id: ids('format'), dataset: { testid: 'serial-format' } },
  ...FORMATS.map(([v, label]) => el('option', { value: v }, label)));
const channelsInput = el('input', {
  type: 'number', id: ids('channels'), min: 1, max: 256, step: 1, placeholder: 'auto', inputMode: 'numeric',
  dataset: { testid: 'serial-channels' },
});
const namesInput = el('input', {
  type: 'text', id: ids('names'), placeholder: 'ch0,ch1,…', autocomplete: 'off', spellcheck: false,
  dataset: { testid: 'serial-names' },
});
const baudList = el('datalist', { id: ids('baud-list') }, ...BAUDS.map((v) => el('option', { value: v })));
const baudInput = el('input', {
  type: 'text', id: ids('baud'), value: '115200', inputMode: 'numeric', autocomplete: 'off', spellcheck: false,
  list: baudList.id, dataset: { testid: 'serial-baud' },
});
const sendInput = el('input', {
  type: 'text', id: ids('send'), placeholder: 'e.g. start\\r\\n', autocomplete: 'off', spellcheck: false,
  dataset: { testid: 'serial-send' },
});
const deriveInput = el('input', {
  type: 'text', id: ids('derive'), placeholder: 'power=ch0*ch1; …', autocomplete: 'off', spellcheck: false,
  dataset: { testid: 'serial-derive' },
});
const alertsInput = el('input', {
  type: 'text', id: ids('alerts'), placeholder: 'power>2.5; …', autocomplete: 'off', spellcheck: false,
  dataset: { testid: 'serial-alerts' },
});
const windowInput = el('input', {
  type: 'number', id: ids('window'), value: 10000, min: 1, max: 1048576, step: 1, inputMode: 'numeric',
  dataset: { testid: 'serial-window' },
});
const plotInput = el('input', {
  type: 'number', id: ids('plot-samples'), value: 2000, min: 10, max: 200000, step: 1, inputMode: 'numeric',
  dataset: { testid: 'serial-plot-samples' },
});

const connectButton = el('button', { type: 'submit', className: 'primary', dataset: { testid: 'serial-connect' } }, 'Connect device');
const disconnectButton = el('button', { type: 'button', disabled: true, dataset: { testid: 'serial-disconnect' } }, 'Disconnect');
const downloadButton = el('button', { type: 'button', disabled: true, dataset: { testid: 'serial-download' } }, 'Download recording');
const supportNote = el('p', { className: 'serial-support', id: ids('support'), hidden: true, dataset: { testid: 'serial-support' } });

const form = el('form', { className: 'form serial-form', noValidate: true, dataset: { testid: 'serial-form' } },
  el('div', { className: 'form-groups' },
    group('Device', field('Baud rate', baudInput), field('Send on connect', sendInput), baudList),
    group('Stream', field('Format', formatSelect), field('Channels', channelsInput), field('Names', namesInput)),
    group('Analysis', field('Derived channels', deriveInput), field('Alerts', alertsInput),
      field('Window (rows)', windowInput), field('Plot (samples)', plotInput))),
  el('div', { className: 'form-actions' }, connectButton, disconnectButton, downloadButton, supportNote));

const stateBadge = el('span', { className: 'serial-state', dataset: { testid: 'serial-state' } }, 'idle');
const sourceText = el('span', { className: 'serial-source', dataset: { testid: 'serial-source' } });
const summaryText = el('span', { className: 'status-text', dataset: { testid: 'serial-summary' } });
const statusLine = el('div', { className: 'serial-status', 'aria-live': 'polite', hidden: true },
  stateBadge, sourceText, summaryText);
const errorEl = errorBox({ dataset: { testid: 'serial-error' } });

const canvas = el('canvas', { className: 'serial-plot', dataset: { testid: 'serial-plot' }, 'aria-label': 'Live plot of the last samples' });
const tailEl = el('pre', { className: 'serial-tail', hidden: true, dataset: { testid: 'serial-tail' } });
const plotCaption = el('p', { className: 'note serial-caption', dataset: { testid: 'serial-plot-caption' } });

const statsBody = el('tbody');
const statsTable = el('table', { className: 'stats serial-stats', dataset: { testid: 'serial-stats' } },
  tableHead(['Channel', 'Min', 'Max', 'Mean', 'p99', 'Window']),
  statsBody);
const tableBox = el('div', { className: 'table-wrap' }, statsTable);
const countersEl = el('dl', { className: 'facts serial-counters', dataset: { testid: 'serial-counters' } });
const notesEl = el('ul', { className: 'serial-notes', hidden: true, dataset: { testid: 'serial-notes' } });
const recordingNote = el('p', { className: 'note', dataset: { testid: 'serial-recording-note' } });

const resultEl = el('div', { className: 'serial-result', hidden: true, dataset: { testid: 'serial-result', state: 'idle' } },
  el('h3', {}, 'Live plot'), canvas, tailEl, plotCaption,
  el('h3', {}, 'Statistics'), countersEl, tableBox, notesEl, recordingNote);

section.append(heading, intro, form, statusLine, errorEl, resultEl);

// ---------------------------------------------------------------- Web Serial support

const hasSerial = typeof navigator !== 'undefined' && 'serial' in navigator && navigator.serial;
if (!hasSerial) {
  connectButton.disabled = true;
  supportNote.hidden = false;
  supportNote.textContent = window.isSecureContext
    ? 'Web Serial is not available in this browser: “Connect device” needs a Chromium-based browser (Chrome, Edge, Opera) on a desktop.'
    : 'Web Serial needs a secure page: open this page over https:// or from localhost.';
  connectButton.title = supportNote.textContent;
  connectButton.setAttribute('aria-describedby', supportNote.id);
}
section.dataset.webSerial = hasSerial ? 'yes' : 'no';

function syncFormatFields() {
  const format = formatSelect.value;
  const numeric = format !== 'text' && format !== 'raw';
  channelsInput.placeholder = BINARY.has(format) ? '1' : format === 'csv' ? 'auto' : '—';
  for (const input of [channelsInput, namesInput, deriveInput, alertsInput, windowInput, plotInput]) {
    input.disabled = !numeric || running !== null;
  }
}
formatSelect.addEventListener('change', syncFormatFields);

// ---------------------------------------------------------------- wasm

let wasmReady = null;
function loadWasm() {
  if (!wasmReady) wasmReady = init({ module_or_path: new URL('./pkg/scopekit_wasm_bg.wasm', import.meta.url) });
  return wasmReady;
}

// ---------------------------------------------------------------- state

/**
 * The running (or last) capture: { session, reader, port, t0, names, width, rings, head,
 * filled, capacity, parts, pending, pendingBytes, recorded, capped, status, tail, done }.
 */
let capture = null;
let running = null; // Promise of the running capture's end
let statusTimer = 0;
let frameRequested = false;
let lastFrame = -Infinity;
let notesShown = 0;

/** The capture settings from the form (throws with the field's name on a bad value). */
function readConfig() {
  const format = formatSelect.value;
  const config = { format };
  const numeric = format !== 'text' && format !== 'raw';
  const baud = Number(baudInput.value.trim());
  if (!Number.isInteger(baud) || baud <= 0) throw new Error(`baud rate: a positive whole number, not “${baudInput.value}”`);
  config.baud = baud;
  if (numeric) {
    const ch = channelsInput.value.trim();
    if (ch !== '') {
      const n = Number(ch);
      if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`channels: 1 to 256, not “${ch}”`);
      config.channels = n;
    }
    const names = namesInput.value.trim();
    if (names !== '') config.names = names.split(',').map((x) => x.trim());
    config.derive = splitList(deriveInput.value);
    config.alerts = splitList(alertsInput.value);
    const w = Number(windowInput.value.trim() || '10000');
    if (!Number.isInteger(w) || w < 1) throw new Error(`window: a positive whole number of rows, not “${windowInput.value}”`);
    config.window = w;
  }
  return config;
}

function readPlotSamples() {
  const n = Number(plotInput.value.trim() || '2000');
  if (!Number.isInteger(n) || n < 10 || n > 200000) throw new Error(`plot: 10 to 200000 samples, not “${plotInput.value}”`);
  return n;
}

function showError(message) {
  setError(errorEl, message);
}

function setState(state) {
  resultEl.dataset.state = state;
  section.dataset.state = state;
  stateBadge.textContent = state;
  stateBadge.dataset.state = state;
}

function setRunningUi(isRunning) {
  connectButton.disabled = isRunning || !hasSerial;
  disconnectButton.disabled = !isRunning;
  formatSelect.disabled = isRunning;
  baudInput.disabled = isRunning;
  sendInput.disabled = isRunning;
  syncFormatFields();
}

// ---------------------------------------------------------------- the pipeline

/**
 * Feed a ReadableStream of Uint8Array chunks (a serial port's `readable`, or a scripted
 * stream) through a new capture with the form's settings. Resolves to the final status
 * object when the stream ends (or is cancelled by Disconnect); rejects on bad settings or
 * input the parsers refuse.
 *
 * @param {ReadableStream<Uint8Array>} readable
 * @param {{ label?: string, port?: SerialPort, config?: object }} [options]
 */
export async function connectSource(readable, { label = 'stream', port = null, config } = {}) {
  if (running) throw new Error('a capture is already running: disconnect first');
  errorEl.hidden = true;
  let session;
  let plotSamples;
  try {
    config = config ?? readConfig();
    plotSamples = readPlotSamples();
    await loadWasm();
    session = new LiveSession({ ...config, port: label });
  } catch (e) {
    showError(e.message ?? String(e));
    setState('error');
    throw e;
  }
  const reader = readable.getReader();
  capture = {
    session, reader, port, label, config, t0: performance.now(), names: [], width: 0, rings: [], head: 0,
    filled: 0, capacity: plotSamples, parts: [], pending: [], pendingBytes: 0, recorded: 0, capped: false,
    status: null, tail: new Uint8Array(0), done: false, blob: null,
  };
  notesShown = 0;
  notesEl.replaceChildren();
  notesEl.hidden = true;
  statsBody.replaceChildren();
  countersEl.replaceChildren();
  tailEl.hidden = config.format !== 'text' && config.format !== 'raw';
  canvas.hidden = !tailEl.hidden;
  tailEl.textContent = '';
  sourceText.textContent = label;
  statusLine.hidden = false;
  resultEl.hidden = false;
  downloadButton.disabled = true;
  setState('running');
  const cap = capture;
  running = pump(cap);
  setRunningUi(true);
  statusTimer = setInterval(() => refreshStatus(cap), STATUS_EVERY_MS);
  refreshStatus(cap);
  try {
    return await running;
  } finally {
    running = null;
    clearInterval(statusTimer);
    setRunningUi(false);
  }
}

async function pump(cap) {
  let failure = null;
  try {
    for (;;) {
      const { value, done } = await cap.reader.read();
      if (done) break;
      if (!value || value.byteLength === 0) continue;
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value.buffer ?? value);
      const rows = cap.session.push(bytes, performance.now() - cap.t0);
      if (cap.width === 0 && cap.session.width() > 0) startPlot(cap);
      if (rows.length > 0) addRows(cap, rows);
      if (tailEl.hidden === false) addTail(cap, bytes);
      collectRecording(cap);
      collectNotes(cap);
      requestFrame();
    }
  } catch (e) {
    failure = e;
  } finally {
    try {
      cap.reader.releaseLock();
    } catch {
      // a pending read was cancelled: the lock goes with the stream
    }
  }
  cap.session.finish(performance.now() - cap.t0);
  collectRecording(cap);
  collectNotes(cap);
  if (cap.port) {
    try {
      await cap.port.close();
    } catch {
      // already closed or gone
    }
  }
  cap.done = true;
  refreshStatus(cap);
  foldRecording(cap);
  downloadButton.disabled = cap.recorded === 0;
  requestFrame();
  if (failure && !cap.cancelled) {
    showError(`${cap.label}: ${failure.message ?? failure}; the recording keeps everything received`);
    setState('error');
  } else {
    setState('done');
  }
  return cap.status;
}

/** Stop the running capture (the recording and statistics stay). */
export async function disconnect() {
  const cap = capture;
  if (!cap || cap.done || !running) return;
  cap.cancelled = true;
  try {
    await cap.reader.cancel();
  } catch {
    // the stream errored already
  }
  await running?.catch(() => {});
}

// ---------------------------------------------------------------- recording

function collectRecording(cap) {
  const bytes = cap.session.takeRecording();
  if (bytes.length === 0 || cap.capped) return;
  const room = MAX_RECORDING - cap.recorded;
  const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
  if (kept.length < bytes.length) cap.capped = true;
  cap.pending.push(kept);
  cap.pendingBytes += kept.length;
  cap.recorded += kept.length;
  cap.blob = null;
  if (cap.pendingBytes >= FOLD_BYTES) foldRecording(cap);
}

/** Move the collected bytes into a Blob (the browser may keep it off the JS heap). */
function foldRecording(cap) {
  if (cap.pending.length === 0) return;
  cap.parts.push(new Blob(cap.pending));
  cap.pending = [];
  cap.pendingBytes = 0;
}

/** The recording so far as a Blob (CSV for numeric formats, the bytes for text and raw). */
export function recordingBlob() {
  const cap = capture;
  if (!cap) return new Blob([]);
  foldRecording(cap);
  if (!cap.blob) {
    const numeric = cap.config.format !== 'text' && cap.config.format !== 'raw';
    cap.blob = new Blob(cap.parts, { type: numeric ? 'text/csv' : 'application/octet-stream' });
  }
  return cap.blob;
}

function recordingName(cap) {
  const stamp = new Date(performance.timeOrigin + cap.t0).toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const ext = { text: 'txt', raw: 'bin' }[cap.config.format] ?? 'csv';
  return `scopekit-capture-${stamp}.${ext}`;
}

downloadButton.addEventListener('click', () => {
  const cap = capture;
  if (!cap || cap.recorded === 0) return;
  const url = URL.createObjectURL(recordingBlob());
  const a = el('a', { href: url, download: recordingName(cap) });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
});

// ---------------------------------------------------------------- notes and status

function collectNotes(cap) {
  const notes = cap.session.takeNotes();
  if (notes.length === 0) return;
  for (const note of notes) {
    notesShown += 1;
    const li = el('li', { className: note.startsWith('alert:') ? 'alert' : '' }, note);
    notesEl.append(li);
  }
  while (notesEl.childElementCount > MAX_NOTES_SHOWN) notesEl.firstElementChild.remove();
  notesEl.hidden = false;
}

function refreshStatus(cap) {
  if (!cap || cap !== capture) return;
  const s = cap.session.status(performance.now() - cap.t0);
  cap.status = s;
  resultEl.dataset.json = JSON.stringify(s);
  renderStatus(cap, s);
}

function renderStatus(cap, s) {
  const numeric = cap.config.format !== 'text' && cap.config.format !== 'raw';
  summaryText.textContent = `${s.elapsed_s.toFixed(1)} s · ${formatBytes(s.bytes)} · ${formatRate(s.bytes_per_s)} B/s`;
  const items = [
    ...termPair('Bytes', count(s.bytes), { dataset: { testid: 'serial-bytes' } }),
    ...termPair('Bytes/s', formatRate(s.bytes_per_s)),
  ];
  if (numeric) {
    items.push(...termPair('Samples', count(s.rows), { dataset: { testid: 'serial-rows' } }),
      ...termPair('Samples/s', formatRate(s.rows_per_s), { dataset: { testid: 'serial-rows-per-s' } }));
  }
  if (cap.config.format === 'csv' || cap.config.format === 'text') {
    items.push(...termPair('Lines', count(s.lines), { dataset: { testid: 'serial-lines' } }),
      ...termPair('Malformed', count(s.malformed), {
        className: s.malformed > 0 ? 'warn' : '', dataset: { testid: 'serial-malformed' },
      }),
      ...termPair('Partial', count(s.partial), { dataset: { testid: 'serial-partial' } }));
  }
  if (BINARY.has(cap.config.format)) {
    items.push(...termPair('Dropped bytes', count(s.dropped_bytes), { dataset: { testid: 'serial-dropped' } }));
  }
  if (cap.config.format === 'text') {
    const { ok, bad, missing } = s.nmea;
    items.push(...termPair('NMEA ok / bad / missing', `${count(ok)} / ${count(bad)} / ${count(missing)}`, {
      className: bad > 0 ? 'warn' : '', dataset: { testid: 'serial-nmea' },
    }));
  }
  items.push(...termPair('Gap p50 / p95 / p99', `${formatGap(s.gap_p50_s)} / ${formatGap(s.gap_p95_s)} / ${formatGap(s.gap_p99_s)}`));
  for (const [text, a] of Object.entries(s.alerts)) {
    items.push(...termPair(`Alert ${text}`, `${count(a.events)} events`, {
      className: a.events > 0 ? 'warn' : '', dataset: { testid: 'serial-alert', alert: text, events: String(a.events) },
    }));
  }
  countersEl.replaceChildren(...items);

  const rows = [];
  for (const [name, c] of Object.entries(s.channels)) {
    rows.push(c
      ? tableRow([name, ...[c.min, c.max, c.mean, c.p99].map(formatValue), count(c.count)], { dataset: { channel: name } })
      : el('tr', { dataset: { channel: name } }, el('th', { scope: 'row' }, name),
        el('td', { colSpan: 5, className: 'method' }, 'no finite samples')));
  }
  statsBody.replaceChildren(...rows);
  tableBox.hidden = rows.length === 0;

  const kept = cap.capped
    ? `The in-page recording stopped at ${formatBytes(MAX_RECORDING)} (the plot and statistics go on).`
    : `Recording: ${formatBytes(cap.recorded)} kept in the page (up to ${formatBytes(MAX_RECORDING)}).`;
  const what = numeric
    ? ' CSV: a comment, the header, then one row per sample as `scopekit capture --out` writes it.'
    : ' The bytes exactly as received.';
  recordingNote.textContent = kept + what;
  recordingNote.classList.toggle('warn', cap.capped);
}

// ---------------------------------------------------------------- plot buffers

function startPlot(cap) {
  cap.names = cap.session.names();
  cap.width = cap.names.length;
  const lanes = Math.min(cap.width, MAX_PLOTTED);
  cap.rings = Array.from({ length: lanes }, () => new Float64Array(cap.capacity));
  cap.head = 0;
  cap.filled = 0;
}

function addRows(cap, rows) {
  const w = cap.width;
  const n = rows.length / w;
  const first = Math.max(0, n - cap.capacity); // only the last `capacity` rows can show
  for (let r = first; r < n; r += 1) {
    for (let c = 0; c < cap.rings.length; c += 1) cap.rings[c][cap.head] = rows[r * w + c];
    cap.head = (cap.head + 1) % cap.capacity;
  }
  cap.filled = Math.min(cap.capacity, cap.filled + (n - first));
}

function addTail(cap, bytes) {
  const joined = new Uint8Array(Math.min(TAIL_BYTES, cap.tail.length + bytes.length));
  const fromNew = Math.min(bytes.length, joined.length);
  const fromOld = joined.length - fromNew;
  joined.set(cap.tail.subarray(cap.tail.length - fromOld), 0);
  joined.set(bytes.subarray(bytes.length - fromNew), fromOld);
  cap.tail = joined;
}

/** Plotted values in time order: { names, rows: [[v per lane] per sample] } (for tests). */
export function plotted() {
  const cap = capture;
  if (!cap) return { names: [], rows: [] };
  const rows = [];
  for (let i = 0; i < cap.filled; i += 1) {
    const at = (cap.head - cap.filled + i + cap.capacity) % cap.capacity;
    rows.push(cap.rings.map((ring) => ring[at]));
  }
  return { names: cap.names.slice(0, cap.rings.length), rows };
}

// ---------------------------------------------------------------- drawing

function requestFrame() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function frame(now) {
  frameRequested = false;
  if (now - lastFrame < FRAME_MS - 1) {
    requestFrame();
    return;
  }
  lastFrame = now;
  draw();
}

function draw() {
  const cap = capture;
  if (!cap) return;
  if (!tailEl.hidden) {
    drawTail(cap);
    return;
  }
  const lanes = cap.rings.length;
  const cssWidth = canvas.clientWidth || 800;
  const laneHeight = lanes > 4 ? 64 : 96;
  const cssHeight = Math.max(1, lanes) * laneHeight;
  const dpr = window.devicePixelRatio || 1;
  const wantW = Math.round(cssWidth * dpr);
  const wantH = Math.round(cssHeight * dpr);
  if (canvas.width !== wantW || canvas.height !== wantH) {
    canvas.width = wantW;
    canvas.height = wantH;
    canvas.style.height = `${cssHeight}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  const style = getComputedStyle(section);
  const muted = style.getPropertyValue('--muted').trim() || '#5d6675';
  const border = style.getPropertyValue('--border').trim() || '#d9dde4';
  ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
  if (lanes === 0) {
    ctx.fillStyle = muted;
    ctx.fillText(cap.done ? 'no samples' : 'waiting for samples…', 12, 20);
    plotCaption.textContent = '';
    return;
  }
  const labelW = 64;
  const plotW = Math.max(10, cssWidth - labelW - 8);
  const n = cap.filled;
  for (let c = 0; c < lanes; c += 1) {
    const ring = cap.rings[c];
    const top = c * laneHeight + 6;
    const h = laneHeight - 14;
    const at = (i) => ring[(cap.head - n + i + cap.capacity) % cap.capacity];
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i += 1) {
      const v = at(i);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (c > 0) {
      ctx.strokeStyle = border;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(0, c * laneHeight + 0.5);
      ctx.lineTo(cssWidth, c * laneHeight + 0.5);
      ctx.stroke();
    }
    ctx.fillStyle = COLORS[c % COLORS.length];
    ctx.fillText(cap.names[c].slice(0, 9), 4, top + h / 2 + 4);
    ctx.fillStyle = muted;
    if (Number.isFinite(lo)) {
      ctx.fillText(formatValue(hi).slice(0, 9), 4, top + 9);
      ctx.fillText(formatValue(lo).slice(0, 9), 4, top + h);
    }
    if (!Number.isFinite(lo)) continue;
    const span = hi > lo ? hi - lo : 1;
    const y = (v) => top + h - ((v - lo) / span) * h - (hi > lo ? 0 : h / 2);
    ctx.strokeStyle = COLORS[c % COLORS.length];
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    const x0 = labelW;
    const columns = Math.floor(plotW);
    // The samples held span the width (a full buffer then scrolls).
    const perColumn = n / columns;
    if (perColumn <= 1) {
      let pen = false;
      for (let i = 0; i < n; i += 1) {
        const v = at(i);
        const x = x0 + (n > 1 ? (i / (n - 1)) * plotW : plotW / 2);
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(x, y(v));
        else ctx.moveTo(x, y(v));
        pen = true;
      }
    } else {
      // Min/max decimation: one vertical stroke per pixel column.
      let pen = false;
      for (let col = 0; col < columns; col += 1) {
        const from = Math.floor(col * perColumn);
        const to = Math.min(n, Math.floor((col + 1) * perColumn));
        if (to <= from) continue;
        let mn = Infinity;
        let mx = -Infinity;
        for (let i = from; i < to; i += 1) {
          const v = at(i);
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        if (!Number.isFinite(mn)) {
          pen = false;
          continue;
        }
        const x = x0 + col + 0.5;
        if (pen) ctx.lineTo(x, y(mn));
        else ctx.moveTo(x, y(mn));
        ctx.lineTo(x, y(mx));
        pen = true;
      }
    }
    ctx.stroke();
    if (n <= 64) {
      ctx.fillStyle = COLORS[c % COLORS.length];
      for (let i = 0; i < n; i += 1) {
        const v = at(i);
        if (Number.isFinite(v)) ctx.fillRect(x0 + (n > 1 ? (i / (n - 1)) * plotW : plotW / 2) - 2, y(v) - 2, 4, 4);
      }
    }
  }
  const hidden = cap.width - lanes;
  plotCaption.textContent = `Last ${count(n)} of ${count(cap.capacity)} samples per channel; each lane scaled to its own min–max`
    + (hidden > 0 ? `; ${hidden} more channel${hidden > 1 ? 's are' : ' is'} in the table only.` : '.');
}

function drawTail(cap) {
  if (cap.config.format === 'text') {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(cap.tail);
    const lines = text.split('\n');
    tailEl.textContent = lines.slice(-14).join('\n');
    plotCaption.textContent = 'The last lines received (the recording keeps every byte).';
  } else {
    const bytes = cap.tail.subarray(Math.max(0, cap.tail.length - 256));
    const rows = [];
    for (let i = 0; i < bytes.length; i += 16) {
      rows.push([...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
    }
    tailEl.textContent = rows.join('\n');
    plotCaption.textContent = 'The last bytes received, in hex (the recording keeps every byte).';
  }
}

new ResizeObserver(() => requestFrame()).observe(canvas);

// ---------------------------------------------------------------- Web Serial

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!hasSerial || running) return;
  errorEl.hidden = true;
  let config;
  let command = null;
  try {
    config = readConfig();
    readPlotSamples();
    if (sendInput.value !== '') command = unescapeCommand(sendInput.value);
    await loadWasm();
    new LiveSession(config).free(); // check the settings before asking for a port
  } catch (e) {
    showError(e.message ?? String(e));
    return;
  }
  let port;
  try {
    port = await navigator.serial.requestPort();
  } catch (e) {
    if (e.name !== 'NotFoundError') showError(`No port chosen: ${e.message}`);
    return;
  }
  const info = port.getInfo?.() ?? {};
  const label = info.usbVendorId !== undefined
    ? `usb ${info.usbVendorId.toString(16).padStart(4, '0')}:${(info.usbProductId ?? 0).toString(16).padStart(4, '0')}`
    : 'serial port';
  try {
    await port.open({ baudRate: config.baud, bufferSize: 1 << 16 });
  } catch (e) {
    showError(`${label}: cannot open at ${config.baud} baud: ${e.message} (is another program or tab using it?)`);
    return;
  }
  if (command && port.writable) {
    const writer = port.writable.getWriter();
    try {
      await writer.write(command);
    } catch (e) {
      showError(`${label}: cannot send the command: ${e.message}`);
    } finally {
      writer.releaseLock();
    }
  }
  connectSource(port.readable, { label: `${label} at ${config.baud} baud`, port, config }).catch(() => {});
});

disconnectButton.addEventListener('click', () => {
  disconnect();
});

syncFormatFields();
setState('idle');

window.__scopekitSerial = {
  connectSource,
  disconnect,
  recordingBlob,
  plotted,
  status: () => capture?.status ?? null,
  refresh: () => refreshStatus(capture),
  hasSerial: Boolean(hasSerial),
};

loadWasm().then(() => {
  section.dataset.ready = 'true';
}, (e) => {
  showError(`The WebAssembly module did not load: ${e.message ?? e}`);
  connectButton.disabled = true;
});
