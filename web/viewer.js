// Waveform viewer: once a capture's header is known (window 'scopekit:file'), a worker
// (viewer-worker.js) builds the core's min/max pyramid while the file streams in (app.js's
// worker, from the page's one read, when the event brings its `viewerPort`), and this
// module draws one lane per channel on a canvas: analog channels as a min/max envelope (a
// line once a column holds at most a few samples), logic channels as levels. Decoded frames
// (window.__scopekitDecode) are drawn as labelled boxes on their channels' lanes, and a
// 'scopekit:select' event (a frame row clicked) centres the view on that frame.
//
// Keys on the focused canvas: + / − zoom, ← / → pan, Home or 0 zoom to fit, Esc clears the
// cursors. Mouse: wheel zooms around the pointer (shift+wheel pans), drag pans, click sets
// cursor A, shift+click cursor B (Δt, 1/Δt and ΔV between them).
//
// For tests: window.__scopekitViewer { state, view, samples, channels, lastDrawn, cursors,
// readout, frameTimes, frames, zoomTo(first, end), pixelOf(sample) } — lastDrawn holds the
// envelope of the last drawn frame: { first, end, columns, lanes: [{ channel, cols }] } with
// cols the worker's (start, end, min, max) per column.

const LANE_ANALOG = 96;
const LANE_LOGIC = 40;
const AXIS = 26;
const GUTTER = 0;
const MAX_FRAMES = 200_000;

const section = document.getElementById('viewer');

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else if (k === 'className' || k === 'textContent' || k === 'hidden' || k === 'tabIndex') e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

const title = el('h2', { id: 'viewer-title' }, 'Waveform');
const statusEl = el('span', { className: 'viewer-status', dataset: { testid: 'viewer-status' }, 'aria-live': 'polite' });
const fitButton = el('button', { type: 'button', dataset: { testid: 'viewer-fit' } }, 'Zoom to fit');
const zoomIn = el('button', { type: 'button', 'aria-label': 'Zoom in' }, '+');
const zoomOut = el('button', { type: 'button', 'aria-label': 'Zoom out' }, '−');
const canvas = el('canvas', {
  className: 'viewer-canvas', tabIndex: 0, role: 'img', dataset: { testid: 'viewer-canvas' },
  'aria-label': 'Waveform of the capture; use plus and minus to zoom, arrows to pan, Home to fit',
  'aria-describedby': 'viewer-help',
});
const readoutEl = el('div', { className: 'viewer-readout', dataset: { testid: 'viewer-readout' }, 'aria-live': 'polite' });
const help = el('p', { className: 'note viewer-help', id: 'viewer-help' },
  'Keys: + / − zoom · ← / → pan · Home or 0 fit · Esc clear cursors. Mouse: wheel zoom, shift+wheel pan, drag pan, click cursor A, shift+click cursor B.');

if (section) {
  section.setAttribute('aria-labelledby', 'viewer-title');
  section.append(
    el('div', { className: 'viewer-head' }, title, statusEl,
      el('span', { className: 'viewer-tools' }, zoomOut, zoomIn, fitButton)),
    el('div', { className: 'viewer-wrap' }, canvas),
    readoutEl, help,
  );
}

// ---------------------------------------------------------------- state

let worker = null;
let info = null;
let names = [];
let logic = false;
let rate = 0;
let channels = 0;
let samples = 0; // samples the pyramid covers (grows while streaming)
let final = false;
let ranges = [];
let view = { first: 0, span: 1 }; // visible samples first .. first + span (floats)
let data = null; // latest worker 'view' answer
let queryId = 0;
let inFlight = false;
let wantQuery = false;
let drawQueued = false;
let cursors = [null, null]; // { sample, value, channel }
let frames = null; // { start: Float64Array, end, lane: Int32Array, label: string[] }
let framesCount = -1;
const frameTimes = [];
let lastDrawn = null;
let lastFrameTs = 0;

const dpr = () => window.devicePixelRatio || 1;

function laneHeight() {
  return logic ? LANE_LOGIC : LANE_ANALOG;
}

function plotWidth() {
  return Math.max(1, canvas.width - GUTTER * dpr());
}

function resize() {
  const cssWidth = Math.max(200, canvas.parentElement.clientWidth);
  const cssHeight = channels * laneHeight() + AXIS;
  const r = dpr();
  canvas.style.height = `${cssHeight}px`;
  const w = Math.round(cssWidth * r);
  const h = Math.round(cssHeight * r);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    requestQuery();
  }
  queueDraw();
}

function clampView() {
  const total = Math.max(samples, 1);
  const minSpan = Math.min(16, total);
  view.span = Math.min(Math.max(view.span, minSpan), total);
  view.first = Math.min(Math.max(view.first, 0), total - view.span);
}

function setView(first, span) {
  view = { first, span };
  clampView();
  requestQuery();
  queueDraw();
}

function fit() {
  setView(0, Math.max(samples, 1));
}

function zoom(factor, atFraction = 0.5) {
  const anchor = view.first + view.span * atFraction;
  const span = view.span * factor;
  setView(anchor - span * atFraction, span);
}

function pan(fraction) {
  setView(view.first + view.span * fraction, view.span);
}

/** Centre the view on samples start..end, zoomed so the span fills about a fifth of it. */
function zoomTo(start, end) {
  const len = Math.max(end - start, 1);
  const span = Math.max(len * 5, 64);
  setView((start + end) / 2 - span / 2, span);
}

// ---------------------------------------------------------------- worker

function requestQuery() {
  if (!worker || channels === 0 || samples === 0) return;
  if (inFlight) {
    wantQuery = true;
    return;
  }
  inFlight = true;
  wantQuery = false;
  const first = Math.floor(view.first);
  const end = Math.min(samples, Math.ceil(view.first + view.span));
  const lanes = [];
  for (let c = 0; c < channels; c += 1) lanes.push(c);
  worker.postMessage({ type: 'query', id: ++queryId, first, end, columns: plotWidth(), channels: lanes });
}

function onWorker(event) {
  const msg = event.data;
  switch (msg.type) {
    case 'info':
      if (msg.info) setInfo(msg.info);
      break;
    case 'progress': {
      const pct = msg.total ? Math.floor((msg.loaded / msg.total) * 100) : 0;
      statusEl.textContent = `Building overview… ${pct} %`;
      const grew = msg.samples > samples;
      const following = view.first + view.span >= samples - 1;
      samples = Math.max(samples, msg.samples);
      if (grew && following) fit();
      break;
    }
    case 'ready':
      channels = msg.channels;
      ranges = msg.ranges;
      samples = msg.samples;
      final = true;
      section.dataset.state = 'ready';
      section.dataset.samples = String(samples);
      section.dataset.buckets = msg.buckets.join(',');
      statusEl.textContent = `${count(samples)} samples × ${channels} · overview ${bytes(msg.memory)} in ${msg.seconds.toFixed(2)} s`;
      resize();
      fit();
      loadFrames();
      break;
    case 'view':
      inFlight = false;
      if (msg.id === queryId || !data || msg.id > data.id) data = msg;
      if (wantQuery) requestQuery();
      queueDraw();
      break;
    case 'error':
      statusEl.textContent = `Viewer: ${msg.message}`;
      section.dataset.state = 'error';
      inFlight = false;
      break;
    default:
  }
}

function setInfo(i) {
  info = i;
  rate = i.sample_rate || 0;
  logic = i.format === 'sigrok' || i.dtype === 'logic';
  const n = i.channels || 0;
  const sig = i.sigrok?.channel_names;
  names = [];
  for (let c = 0; c < n; c += 1) names.push((sig && sig[c]) || `ch ${c}`);
  if (!channels) {
    channels = n;
    resize();
  }
}

// ---------------------------------------------------------------- frames

function frameLabel(f) {
  if (f.value !== undefined && f.value !== null) {
    const v = Number(f.value);
    const ch = v >= 0x20 && v < 0x7f ? ` '${String.fromCharCode(v)}'` : '';
    return `${v.toString(16).padStart(2, '0').toUpperCase()}${ch}`;
  }
  if (f.mosi !== undefined) return `${hex(f.mosi)}/${hex(f.miso)}`;
  if (f.id !== undefined) return `ID ${Number(f.id).toString(16).toUpperCase()}`;
  if (f.event) return String(f.event);
  return '';
}

function hex(v) {
  if (Array.isArray(v)) return v.map(hex).join(' ');
  if (v === null || v === undefined) return '–';
  return Number(v).toString(16).padStart(2, '0').toUpperCase();
}

/** Read the decoded frames (window.__scopekitDecode) once a decode run is done. */
function loadFrames() {
  const api = window.__scopekitDecode;
  if (!api || api.state !== 'done') {
    if (frames) {
      frames = null;
      framesCount = -1;
      queueDraw();
    }
    return;
  }
  const total = api.count;
  if (total === framesCount) return;
  framesCount = total;
  const n = Math.min(total, MAX_FRAMES);
  const roles = decodeRoles(api, total);
  const laneOf = new Map(roles.map((r) => [r.role, r.channel]));
  const fallback = roles.length ? roles[roles.length > 1 && roles.some((r) => r.role === 'mosi') ? roles.findIndex((r) => r.role === 'mosi') : 0].channel : 0;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const lane = new Int32Array(n);
  const label = new Array(n);
  for (let i = 0; i < n; i += 1) {
    const f = api.frame(i);
    start[i] = f.start;
    end[i] = f.end;
    lane[i] = laneOf.get(f.channel) ?? laneOf.get('sda') ?? laneOf.get('can_rx') ?? fallback;
    label[i] = frameLabel(f);
  }
  frames = { start, end, lane, label, n };
  section.dataset.frames = String(n);
  queueDraw();
}

/** The wired roles of the decode run: document().roles (it rebuilds every frame, so only
 * for small runs), else the decode view's role selectors. */
function decodeRoles(api, total) {
  try {
    if (total <= 5000) {
      const roles = api.document?.()?.roles;
      if (roles) return roles;
    }
  } catch { /* fall back to the selectors */ }
  return [...document.querySelectorAll('[data-testid="decode-roles"] select')]
    .filter((s) => s.value !== '')
    .map((s) => ({ role: s.dataset.role, channel: Number(s.value) }));
}

// ---------------------------------------------------------------- drawing

function queueDraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(draw);
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function formatTime(seconds, step) {
  const a = Math.abs(step || seconds);
  const [unit, k] = a >= 1 ? ['s', 1] : a >= 1e-3 ? ['ms', 1e3] : a >= 1e-6 ? ['µs', 1e6] : ['ns', 1e9];
  const v = seconds * k;
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10((step || a) * k) + 1e-9)));
  return `${v.toFixed(digits)} ${unit}`;
}

function formatSI(v, unit) {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  const prefixes = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n']];
  if (a === 0) return `0 ${unit}`;
  for (const [k, p] of prefixes) if (a >= k || k === 1e-9) return `${(v / k).toPrecision(4)} ${p}${unit}`;
  return `${v} ${unit}`;
}

function count(n) {
  return Number(n).toLocaleString('en-US');
}

function bytes(n) {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function laneRange(c) {
  const [lo, hi] = ranges[c] ?? [0, 1];
  if (logic) return [0, 1];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [-1, 1];
  if (hi === lo) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

function yOf(c, v, r) {
  const h = laneHeight() * r;
  const top = c * h + 6 * r;
  const inner = h - 14 * r;
  const [lo, hi] = laneRange(c);
  return top + inner * (1 - (v - lo) / (hi - lo));
}

function valueOfY(c, y, r) {
  const h = laneHeight() * r;
  const top = c * h + 6 * r;
  const inner = h - 14 * r;
  const [lo, hi] = laneRange(c);
  return lo + (1 - (y - top) / inner) * (hi - lo);
}

function draw(ts) {
  drawQueued = false;
  if (lastFrameTs) frameTimes.push(ts - lastFrameTs);
  if (frameTimes.length > 240) frameTimes.splice(0, frameTimes.length - 240);
  lastFrameTs = ts;
  const ctx = canvas.getContext('2d');
  const r = dpr();
  const W = canvas.width;
  const H = canvas.height;
  const css = getComputedStyle(section);
  const colors = {
    bg: css.getPropertyValue('--viewer-bg').trim() || '#0f1720',
    grid: css.getPropertyValue('--viewer-grid').trim() || '#2a3440',
    trace: css.getPropertyValue('--viewer-trace').trim() || '#4fc3f7',
    text: css.getPropertyValue('--viewer-text').trim() || '#cfd8dc',
    frame: css.getPropertyValue('--viewer-frame').trim() || 'rgba(255, 202, 40, 0.25)',
    frameLine: css.getPropertyValue('--viewer-frame-line').trim() || '#ffca28',
    cursor: ['#ff7043', '#66bb6a'],
  };
  ctx.fillStyle = colors.bg;
  ctx.fillRect(0, 0, W, H);
  const spp = view.span / plotWidth(); // samples per device pixel
  const xOf = (s) => (s - view.first) / spp;
  const lh = laneHeight() * r;
  const plotH = channels * lh;

  // Time grid and axis.
  ctx.font = `${11 * r}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  const unitsPerSample = rate ? 1 / rate : 1;
  const step = niceStep(view.span * unitsPerSample / 8);
  const t0 = Math.ceil((view.first * unitsPerSample) / step) * step;
  ctx.strokeStyle = colors.grid;
  ctx.fillStyle = colors.text;
  ctx.lineWidth = 1;
  for (let t = t0; t <= (view.first + view.span) * unitsPerSample + 1e-15; t += step) {
    const x = Math.round(xOf(t / unitsPerSample)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, plotH + 4 * r);
    ctx.stroke();
    const text = rate ? formatTime(t, step) : count(Math.round(t));
    ctx.fillText(text, x + 3 * r, plotH + 7 * r);
  }
  for (let c = 1; c < channels; c += 1) {
    ctx.beginPath();
    ctx.moveTo(0, c * lh + 0.5);
    ctx.lineTo(W, c * lh + 0.5);
    ctx.stroke();
  }

  // Frames (under the traces).
  if (frames && frames.n) {
    let i = lowerBound(frames.end, view.first);
    const stop = view.first + view.span;
    ctx.textBaseline = 'middle';
    let drawn = 0;
    for (; i < frames.n && frames.start[i] <= stop && drawn < 4000; i += 1) {
      const c = frames.lane[i];
      if (c < 0 || c >= channels) continue;
      const x0 = xOf(frames.start[i]);
      const x1 = Math.max(xOf(frames.end[i]), x0 + 1);
      const y0 = c * lh + 2 * r;
      ctx.fillStyle = colors.frame;
      ctx.fillRect(x0, y0, x1 - x0, lh - 6 * r);
      ctx.strokeStyle = colors.frameLine;
      ctx.strokeRect(x0 + 0.5, y0 + 0.5, x1 - x0 - 1, lh - 7 * r);
      const label = frames.label[i];
      if (label && x1 - x0 > ctx.measureText(label).width + 6 * r) {
        ctx.fillStyle = colors.frameLine;
        ctx.fillText(label, x0 + 3 * r, y0 + 9 * r);
      }
      drawn += 1;
    }
    ctx.textBaseline = 'top';
  }

  // Traces.
  const drawnLanes = [];
  if (data) {
    ctx.fillStyle = colors.trace;
    ctx.strokeStyle = colors.trace;
    for (const lane of data.lanes) {
      const c = lane.channel;
      if (c >= channels) continue;
      drawnLanes.push({ channel: c, cols: lane.cols, raw: lane.raw, rawFirst: lane.rawFirst });
      if (lane.raw && lane.raw.length) drawRaw(ctx, c, lane, xOf, r);
      else drawEnvelope(ctx, c, lane.cols, xOf, r);
    }
    lastDrawn = { first: data.first, end: data.end, columns: data.columns, id: data.id, lanes: drawnLanes };
  }

  // Channel names.
  ctx.fillStyle = colors.text;
  for (let c = 0; c < channels; c += 1) ctx.fillText(names[c] ?? `ch ${c}`, 4 * r, c * lh + 3 * r);

  // Cursors.
  cursors.forEach((cur, k) => {
    if (!cur) return;
    const x = Math.round(xOf(cur.sample)) + 0.5;
    ctx.strokeStyle = colors.cursor[k];
    ctx.setLineDash([4 * r, 3 * r]);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, plotH);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = colors.cursor[k];
    ctx.fillText(k ? 'B' : 'A', x + 3 * r, plotH - 14 * r);
  });
  section.dataset.viewFirst = String(view.first);
  section.dataset.viewSpan = String(view.span);
}

function drawEnvelope(ctx, c, cols, xOf, r) {
  const n = cols.length / 4;
  const lh = laneHeight() * r;
  for (let j = 0; j < n; j += 1) {
    const s = cols[4 * j];
    const e = cols[4 * j + 1];
    const lo = cols[4 * j + 2];
    const hi = cols[4 * j + 3];
    if (!(e > s) || Number.isNaN(lo)) continue;
    const x0 = xOf(s);
    const x1 = xOf(e);
    if (x1 < 0 || x0 > ctx.canvas.width) continue;
    if (logic) {
      const yH = c * lh + 8 * r;
      const yL = (c + 1) * lh - 8 * r;
      if (lo === hi) ctx.fillRect(x0, lo >= 0.5 ? yH : yL, Math.max(x1 - x0, 1), r);
      else ctx.fillRect(x0, yH, Math.max(x1 - x0, 1), yL - yH + r);
    } else {
      const yTop = yOf(c, hi, r);
      const yBot = yOf(c, lo, r);
      ctx.fillRect(x0, yTop, Math.max(x1 - x0, 1), Math.max(yBot - yTop, r));
    }
  }
}

function drawRaw(ctx, c, lane, xOf, r) {
  const raw = lane.raw;
  const lh = laneHeight() * r;
  ctx.lineWidth = 1.5 * r;
  ctx.beginPath();
  let started = false;
  for (let i = 0; i < raw.length; i += 1) {
    const v = raw[i];
    if (Number.isNaN(v)) {
      started = false;
      continue;
    }
    const x = xOf(lane.rawFirst + i);
    if (logic) {
      const y = v >= 0.5 ? c * lh + 8 * r : (c + 1) * lh - 8 * r;
      if (!started) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
      ctx.lineTo(xOf(lane.rawFirst + i + 1), y);
    } else {
      const y = yOf(c, v, r);
      if (!started) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    started = true;
  }
  ctx.stroke();
  if (!logic && raw.length * 6 < ctx.canvas.width) {
    for (let i = 0; i < raw.length; i += 1) {
      if (!Number.isNaN(raw[i])) ctx.fillRect(xOf(lane.rawFirst + i) - 1.5 * r, yOf(c, raw[i], r) - 1.5 * r, 3 * r, 3 * r);
    }
  }
  ctx.lineWidth = 1;
}

function lowerBound(arr, v) {
  let lo = 0;
  let hi = frames.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------- cursors

function updateReadout() {
  const [a, b] = cursors;
  const parts = [];
  const t = (s) => (rate ? formatSI(s / rate, 's') : `sample ${count(Math.round(s))}`);
  if (a) parts.push(`A ${t(a.sample)}`);
  if (b) parts.push(`B ${t(b.sample)}`);
  let dt = null;
  if (a && b) {
    const ds = Math.abs(b.sample - a.sample);
    dt = rate ? ds / rate : ds;
    parts.push(rate ? `Δt ${formatSI(dt, 's')}` : `Δ ${count(Math.round(ds))} samples`);
    parts.push(rate ? `1/Δt ${formatSI(1 / dt, 'Hz')}` : '');
    if (a.channel === b.channel) parts.push(`ΔV ${formatSI(b.value - a.value, info?.unit || 'V')}`);
  }
  readoutEl.textContent = parts.filter(Boolean).join(' · ') || 'Click to place cursor A, shift+click for cursor B.';
  readoutEl.dataset.dt = dt === null ? '' : String(dt);
  readoutEl.dataset.dv = a && b && a.channel === b.channel ? String(b.value - a.value) : '';
}

function placeCursor(k, event) {
  const rect = canvas.getBoundingClientRect();
  const r = dpr();
  const x = (event.clientX - rect.left) * r;
  const y = (event.clientY - rect.top) * r;
  const spp = view.span / plotWidth();
  const sample = view.first + x * spp;
  const c = Math.min(Math.max(Math.floor(y / (laneHeight() * r)), 0), Math.max(channels - 1, 0));
  cursors[k] = { sample, channel: c, value: valueOfY(c, y, r) };
  updateReadout();
  queueDraw();
}

// ---------------------------------------------------------------- input

let drag = null;
canvas.addEventListener('pointerdown', (event) => {
  canvas.focus();
  drag = { x: event.clientX, first: view.first, moved: false, shift: event.shiftKey };
  canvas.setPointerCapture(event.pointerId);
});
canvas.addEventListener('pointermove', (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x;
  if (Math.abs(dx) > 3) drag.moved = true;
  if (drag.moved) {
    const spp = view.span / plotWidth();
    setView(drag.first - dx * dpr() * spp, view.span);
  }
});
canvas.addEventListener('pointerup', (event) => {
  if (drag && !drag.moved) placeCursor(event.shiftKey ? 1 : 0, event);
  drag = null;
});
canvas.addEventListener('wheel', (event) => {
  event.preventDefault();
  if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
    const d = event.shiftKey ? event.deltaY : event.deltaX;
    pan(d / 1000);
    return;
  }
  const rect = canvas.getBoundingClientRect();
  const at = (event.clientX - rect.left) / rect.width;
  zoom(2 ** (event.deltaY / 300), Math.min(Math.max(at, 0), 1));
}, { passive: false });
canvas.addEventListener('keydown', (event) => {
  const k = event.key;
  if (k === '+' || k === '=') zoom(0.5);
  else if (k === '-' || k === '_') zoom(2);
  else if (k === 'ArrowLeft') pan(event.shiftKey ? -0.5 : -0.1);
  else if (k === 'ArrowRight') pan(event.shiftKey ? 0.5 : 0.1);
  else if (k === 'Home' || k === '0') fit();
  else if (k === 'Escape') {
    cursors = [null, null];
    updateReadout();
    queueDraw();
  } else return;
  event.preventDefault();
});
fitButton.addEventListener('click', fit);
zoomIn.addEventListener('click', () => zoom(0.5));
zoomOut.addEventListener('click', () => zoom(2));
if (section) new ResizeObserver(() => { if (!section.hidden) resize(); }).observe(section);

// ---------------------------------------------------------------- wiring

function reset() {
  if (worker?.terminate) worker.terminate();
  else worker?.close(); // a port to app.js's worker: app.js ends that worker
  worker = null;
  info = null;
  names = [];
  channels = 0;
  samples = 0;
  final = false;
  ranges = [];
  data = null;
  inFlight = false;
  wantQuery = false;
  cursors = [null, null];
  frames = null;
  framesCount = -1;
  lastDrawn = null;
  if (section) {
    section.hidden = true;
    section.dataset.state = 'idle';
    delete section.dataset.frames;
  }
  updateReadout();
}

window.addEventListener('scopekit:reset', reset);

window.addEventListener('scopekit:file', (event) => {
  const { file, info: header, viewerPort } = event.detail ?? {};
  if (!file || !header || !section) return;
  reset();
  setInfo(header);
  section.hidden = false;
  section.dataset.state = 'building';
  statusEl.textContent = 'Building overview…';
  if (viewerPort) {
    // app.js's worker is already building the pyramid from the page's one read of the file
    // (its messages wait in the port until now).
    worker = viewerPort;
    worker.onmessage = onWorker;
  } else {
    worker = new Worker(new URL('./viewer-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = onWorker;
    worker.onerror = (e) => {
      statusEl.textContent = `Viewer: ${e.message ?? 'worker failed'}`;
      section.dataset.state = 'error';
    };
    worker.postMessage({ type: 'open', file });
  }
  resize();
});

// The reading of the file was cancelled (app.js): a pyramid fed by that read stops too.
window.addEventListener('scopekit:cancel', () => {
  if (!section || section.dataset.state !== 'building' || worker?.terminate) return;
  statusEl.textContent = 'Overview cancelled.';
  section.dataset.state = 'cancelled';
});

window.addEventListener('scopekit:select', (event) => {
  const d = event.detail ?? {};
  loadFrames();
  if (Number.isFinite(d.start) && Number.isFinite(d.end) && samples > 0) {
    zoomTo(d.start, d.end);
    section.dataset.selectedStart = String(d.start);
  }
});

// decode.js sends no 'decoded' event: watch its result's state instead.
const decodeResult = document.querySelector('[data-testid="decode-result"]');
if (decodeResult) {
  new MutationObserver(loadFrames).observe(decodeResult, { attributes: true, attributeFilter: ['data-state'] });
}
window.addEventListener('scopekit:decoded', loadFrames);

window.__scopekitViewer = {
  get state() { return section?.dataset.state; },
  get view() { return { ...view }; },
  get samples() { return samples; },
  get channels() { return channels; },
  get final() { return final; },
  get lastDrawn() { return lastDrawn; },
  get pending() { return inFlight || wantQuery || (data && data.id !== queryId); },
  get cursors() { return cursors.map((c) => (c ? { ...c } : null)); },
  get readout() { return readoutEl.textContent; },
  get frameTimes() { return [...frameTimes]; },
  get frames() { return frames ? frames.n : 0; },
  get columns() { return plotWidth(); },
  zoomTo,
  setView,
  pixelOf(sample) { return (sample - view.first) / (view.span / plotWidth()) / dpr(); },
};

updateReadout();
