// Protocol decoding view: once a file's header is known (window 'scopekit:file'), offers the
// decoders of `scopekit decode` — protocol, a channel per role, the protocol's options, the
// analog threshold — runs one in a worker (decodeFile) and shows the frame statistics and a
// virtualised frame table (fixed row height; only the visible rows exist in the DOM).
//
// For tests and embedders:
//   [data-testid="decode-result"]  data-state idle|running|done|error, data-json (the CLI's
//                                  `decode --json` document; without `frames` past
//                                  INLINE_FRAMES, then `frames_count`), data-frames-count
//   window.__scopekitDecode        { count, frame(i), frames(from, to), document() }
//   #decode-view                   data-selected-index/start/end of the clicked row, and a
//                                  window 'scopekit:select' event { index, start, end, frame }

import { channelNames, guessChannel } from './embed.js';
import { decodeFile, frameAt, DECODER_COLUMNS, DECODER_DEFAULTS, DECODER_ROLES } from './scopekit.js';
import {
  createStatus, el, errorBox, formField as field, formGroup, formatCount as count, formatDuration, formatThroughput,
  setError, termItems,
} from './ui.js';

/** Row height of the frame table, px (fixed: the table is virtualised). */
const ROW_HEIGHT = 26;
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 8;
/** Tallest scroll body used; longer tables map the scroll position proportionally. */
const MAX_BODY_PX = 8_000_000;
/** Largest frame count whose frames are put in data-json. */
const INLINE_FRAMES = 20_000;

const PROTOCOLS = [
  ['uart', 'UART'],
  ['spi', 'SPI'],
  ['i2c', 'I²C'],
  ['can', 'CAN / CAN FD'],
];

const ROLE_LABELS = {
  rx: 'RX', tx: 'TX', clk: 'CLK', miso: 'MISO', mosi: 'MOSI', cs: 'CS', scl: 'SCL', sda: 'SDA', can_rx: 'CAN RX',
};

/** Option fields per protocol: [key, label, kind, choices | attributes, CLI default]. */
const OPTIONS = {
  uart: [
    ['baudrate', 'Baud rate', 'baud', null, '115200'],
    ['data_bits', 'Data bits', 'select', ['5', '6', '7', '8', '9'], '8'],
    ['parity', 'Parity', 'select', ['none', 'odd', 'even', 'mark', 'space'], 'none'],
    ['stop_bits', 'Stop bits', 'select', ['1', '1.5', '2'], '1'],
    ['bit_order', 'Bit order', 'select', ['lsb-first', 'msb-first'], 'lsb-first'],
    ['invert_rx', 'Invert RX', 'check', null, false],
    ['invert_tx', 'Invert TX', 'check', null, false],
  ],
  spi: [
    ['cpol', 'CPOL', 'select', ['0', '1'], '0'],
    ['cpha', 'CPHA', 'select', ['0', '1'], '0'],
    ['cs_polarity', 'CS polarity', 'select', ['active-low', 'active-high'], 'active-low'],
    ['bitorder', 'Bit order', 'select', ['msb-first', 'lsb-first'], 'msb-first'],
    ['wordsize', 'Word size', 'number', { min: 1, step: 1 }, '8'],
  ],
  i2c: [
    ['address_format', 'Addresses', 'select', ['shifted', 'unshifted'], 'shifted'],
  ],
  can: [
    ['nominal_bitrate', 'Bit rate (bit/s)', 'number', { min: 1, step: 1 }, '500000'],
    ['fast_bitrate', 'FD data bit rate (bit/s)', 'number', { min: 1, step: 1 }, '2000000'],
    ['sample_point', 'Sample point (%)', 'number', { min: 0, max: 100, step: 'any' }, '70'],
  ],
};

/** Number-valued select options. */
const NUMERIC = new Set(['data_bits', 'stop_bits', 'cpol', 'cpha']);

/** Table column widths, in rem (not em: header and body differ in font size), the rest 4.2rem. */
const COLUMN_WIDTHS = {
  start: '7.2rem', end: '7.2rem', frame_start: '7.2rem', time: '7.2rem', value: '5.6rem', channel: '5.8rem',
  event: '5.6rem', rw: '4.2rem', transaction: '6.6rem', transfer: '6.6rem', id: '6.8rem', extended: '3.6rem',
  rtr: '3.6rem', fd: '3.2rem', brs: '3.6rem', dlc: '3.6rem', crc: '5.4rem', crc_ok: '4.4rem', ack: '3.6rem',
  mosi: 'minmax(6rem, 1fr)', miso: 'minmax(6rem, 1fr)', data: 'minmax(13rem, 3fr)', errors: 'minmax(7rem, 1fr)',
};

/** Short column headers (the full field name is the header's title). */
const COLUMN_LABELS = { extended: 'ext', frame_start: 'frame start', transaction: 'transaction', crc_ok: 'crc ok' };

const section = document.getElementById('decode-view');

// ---------------------------------------------------------------- helpers

/** Seconds in engineering units (s, ms, µs, ns), or samples without a sample rate. */
function formatTime(x, perSecond) {
  if (x === null || x === undefined || perSecond) return formatDuration(x);
  return `${x.toLocaleString('en-US', { maximumSignificantDigits: 6 })} samples`;
}

const hex = (v, digits = 2) => `0x${v.toString(16).toUpperCase().padStart(digits, '0')}`;

/** A frame field as table text. */
function cellText(protocol, key, v, frame) {
  if (v === undefined || v === null) return '';
  if (key === 'errors') return v.join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (key === 'time') return formatTime(v, 1);
  if (protocol === 'uart' && key === 'value') {
    const printable = v >= 0x20 && v < 0x7f ? ` '${String.fromCharCode(v)}'` : '';
    return `${hex(v)}${printable}`;
  }
  if ((key === 'mosi' || key === 'miso') && typeof v === 'string') return `0x${v}`;
  if ((key === 'mosi' || key === 'miso' || key === 'value') && typeof v === 'number') return hex(v);
  if (protocol === 'can' && key === 'id') return hex(v, frame.extended ? 8 : 3);
  if (protocol === 'can' && key === 'crc') return hex(v, 1);
  if (key === 'data' && Array.isArray(v)) return v.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  if (Array.isArray(v)) return v.join(' ');
  return String(v);
}

// ---------------------------------------------------------------- markup

const ids = (name) => `decode-${name}`;

section.replaceChildren();
const heading = el('h2', { id: ids('heading') }, 'Protocol decoder');
section.setAttribute('aria-labelledby', heading.id);
section.removeAttribute('aria-label');

const protocolSelect = el('select', { id: ids('protocol'), dataset: { testid: 'decode-protocol' } },
  ...PROTOCOLS.map(([v, label]) => el('option', { value: v }, label)));
const rolesBox = el('div', { className: 'form-fields', dataset: { testid: 'decode-roles' } });
const optionsBox = el('div', { className: 'form-fields', dataset: { testid: 'decode-options' } });

const thresholdInput = el('input', {
  type: 'text', id: ids('threshold'), value: 'auto', inputMode: 'decimal', autocomplete: 'off',
  spellcheck: false, dataset: { testid: 'decode-threshold' },
});
const hysteresisInput = el('input', {
  type: 'number', id: ids('hysteresis'), step: 'any', min: 0, placeholder: 'default',
  dataset: { testid: 'decode-hysteresis' },
});
const rateInput = el('input', {
  type: 'number', id: ids('rate'), step: 'any', min: 0, placeholder: 'required', inputMode: 'decimal',
  dataset: { testid: 'decode-rate' },
});
const thresholdField = field('Threshold (V or auto)', thresholdInput);
const hysteresisField = field('Hysteresis', hysteresisInput);
const rateField = field('Sample rate (Hz)', rateInput);
const inputBox = el('div', { className: 'form-fields' }, thresholdField, hysteresisField, rateField);
const inputFieldset = el('fieldset', { className: 'form-group' }, el('legend', {}, 'Input'), inputBox);

const runButton = el('button', { type: 'submit', className: 'primary', dataset: { testid: 'decode-run' } }, 'Decode');
const cancelButton = el('button', { type: 'button', hidden: true, dataset: { testid: 'decode-cancel' } }, 'Cancel');

const form = el('form', { className: 'form', noValidate: true, dataset: { testid: 'decode-form' } },
  el('div', { className: 'form-groups' },
    formGroup('Protocol', field('Decoder', protocolSelect)),
    el('fieldset', { className: 'form-group' }, el('legend', {}, 'Channels'), rolesBox),
    el('fieldset', { className: 'form-group' }, el('legend', {}, 'Options'), optionsBox),
    inputFieldset),
  el('div', { className: 'form-actions' }, runButton, cancelButton));

const status = createStatus({ label: 'Decoding progress', testid: 'decode' });
const errorEl = errorBox({ dataset: { testid: 'decode-error' } });

const statsEl = el('dl', { className: 'facts decode-stats', dataset: { testid: 'decode-stats' } });

// The frame table: a scroll viewport holding a sticky header and a body as tall as all rows.
const headerRow = el('div', { className: 'decode-row decode-head', role: 'row', 'aria-rowindex': '1' });
const body = el('div', { className: 'decode-body', role: 'rowgroup' });
const grid = el('div', {
  className: 'decode-grid', role: 'grid', tabIndex: 0, 'aria-label': 'Decoded frames',
  'aria-rowcount': '1', 'aria-multiselectable': 'false', dataset: { testid: 'decode-table' },
}, el('div', { role: 'rowgroup', className: 'decode-headgroup' }, headerRow), body);
const viewport = el('div', { className: 'decode-viewport', dataset: { testid: 'decode-viewport' } }, grid);
const tableCaption = el('p', { className: 'note decode-caption', dataset: { testid: 'decode-caption' } });

const resultEl = el('div', {
  className: 'decode-result', hidden: true, dataset: { testid: 'decode-result', state: 'idle' },
}, el('h3', {}, 'Frame statistics'), statsEl, el('h3', {}, 'Frames'), viewport, tableCaption);

section.append(heading, form, status.box, errorEl, resultEl);

// ---------------------------------------------------------------- form state

let current = null; // { file, info, names }
let running = null; // AbortController of the running decode
let runs = 0;

function roleSelects() {
  return [...rolesBox.querySelectorAll('select')];
}

function buildRoles(protocol) {
  const names = current?.names ?? [];
  rolesBox.replaceChildren();
  const guesses = DECODER_ROLES[protocol].map((role) => guessChannel(role, names));
  if (guesses.every((g) => g < 0) && names.length > 0) guesses[0] = 0;
  DECODER_ROLES[protocol].forEach((role, k) => {
    const select = el('select', { id: ids(`role-${role}`), dataset: { role, testid: `decode-role-${role}` } },
      el('option', { value: '' }, 'none'),
      ...names.map((name, i) => el('option', { value: String(i) }, name === null ? `${i}` : `${i}: ${name}`)));
    select.value = guesses[k] >= 0 ? String(guesses[k]) : '';
    rolesBox.append(field(ROLE_LABELS[role], select));
  });
}

function buildOptions(protocol) {
  optionsBox.replaceChildren();
  for (const [key, label, kind, extra, initial] of OPTIONS[protocol]) {
    const id = ids(`opt-${key}`);
    const dataset = { option: key, testid: `decode-opt-${key}` };
    let control;
    if (kind === 'select') {
      control = el('select', { id, dataset }, ...extra.map((v) => el('option', { value: v }, v)));
      control.value = initial;
    } else if (kind === 'check') {
      control = el('input', { type: 'checkbox', id, checked: initial, dataset });
      optionsBox.append(el('div', { className: 'form-field decode-check' }, control, el('label', { for: id }, label)));
      continue;
    } else if (kind === 'baud') {
      const list = el('datalist', { id: `${id}-list` },
        ...['auto', '1200', '2400', '4800', '9600', '19200', '38400', '57600', '115200', '230400', '460800', '921600']
          .map((v) => el('option', { value: v })));
      control = el('input', {
        type: 'text', id, value: initial, inputMode: 'numeric', autocomplete: 'off', spellcheck: false, dataset,
      });
      control.setAttribute('list', list.id);
      optionsBox.append(list);
    } else {
      control = el('input', { type: 'number', id, value: initial, dataset, ...extra });
    }
    optionsBox.append(field(label, control));
  }
}

function onProtocolChange() {
  const protocol = protocolSelect.value;
  buildRoles(protocol);
  buildOptions(protocol);
}

/** The decoder configuration from the form (throws on a bad value, with the field's name). */
function readConfig(protocol) {
  const config = { protocol };
  for (const control of optionsBox.querySelectorAll('[data-option]')) {
    const key = control.dataset.option;
    if (control.type === 'checkbox') {
      config[key] = control.checked;
    } else if (key === 'baudrate') {
      const raw = control.value.trim().toLowerCase();
      if (raw === 'auto') {
        config.baudrate = DECODER_DEFAULTS.uart.baudrate;
        config.auto_baud = true;
      } else {
        const n = Number(raw);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`baud rate: a positive whole number or “auto”, not “${control.value}”`);
        config.baudrate = n;
        config.auto_baud = false;
      }
    } else if (control.tagName === 'SELECT') {
      config[key] = NUMERIC.has(key) ? Number(control.value) : control.value;
    } else {
      const raw = control.value.trim();
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new Error(`${key}: a number is needed, not “${control.value}”`);
      config[key] = n;
    }
  }
  return config;
}

function readWires() {
  const wires = [];
  for (const select of roleSelects()) {
    if (select.value === '') continue;
    const channel = Number(select.value);
    wires.push({ role: select.dataset.role, channel, name: current.names[channel] ?? null });
  }
  if (wires.length === 0) throw new Error('wire at least one role to a channel');
  return wires;
}

function readLevels() {
  if (thresholdField.hidden) return { threshold: null, hysteresis: null };
  const raw = thresholdInput.value.trim().toLowerCase();
  let threshold = null;
  if (raw !== '' && raw !== 'auto') {
    threshold = Number(raw);
    if (!Number.isFinite(threshold)) throw new Error(`threshold: a number or “auto”, not “${thresholdInput.value}”`);
  }
  const h = hysteresisInput.value.trim();
  let hysteresis = null;
  if (h !== '') {
    hysteresis = Number(h);
    if (!(hysteresis >= 0)) throw new Error(`hysteresis: a non-negative number, not “${hysteresisInput.value}”`);
  }
  return { threshold, hysteresis };
}

function readRate() {
  if (current.info?.sample_rate) return current.info.sample_rate;
  const raw = rateInput.value.trim();
  if (raw === '') return null;
  const r = Number(raw);
  if (!(r > 0) || !Number.isFinite(r)) throw new Error(`sample rate: a positive number of samples per second, not “${rateInput.value}”`);
  return r;
}

// ---------------------------------------------------------------- frame store

/** Frames of the current run: batches as the worker sent them (compact, parsed on demand). */
const store = {
  batches: [], // { first, count, starts, ends, text, offsets }
  total: 0,
  rate: null,
  cache: new Map(),

  reset(rate) {
    this.batches = [];
    this.total = 0;
    this.rate = rate;
    this.cache.clear();
  },

  add(batch) {
    this.batches.push({ ...batch, first: this.total });
    this.total += batch.count;
  },

  locate(i) {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.batches[mid].first <= i) lo = mid;
      else hi = mid - 1;
    }
    const b = this.batches[lo];
    return [b, i - b.first];
  },

  span(i) {
    const [b, j] = this.locate(i);
    return [b.starts[j], b.ends[j]];
  },

  /** Frame i as the CLI prints it (a fresh object). */
  frame(i) {
    if (!(i >= 0 && i < this.total)) return undefined;
    const [b, j] = this.locate(i);
    return frameAt(b, j, this.rate);
  },

  /** Frame i for display (cached). */
  cached(i) {
    let f = this.cache.get(i);
    if (!f) {
      f = this.frame(i);
      if (this.cache.size > 2048) this.cache.clear();
      this.cache.set(i, f);
    }
    return f;
  },
};

let head = null; // {protocol, sample_rate, roles, config}
let tail = null; // {samples, stats}

function fullDocument() {
  if (!head || !tail) return null;
  const frames = new Array(store.total);
  for (let i = 0; i < store.total; i += 1) frames[i] = store.frame(i);
  return { ...head, frames, ...tail };
}

window.__scopekitDecode = {
  get state() { return resultEl.dataset.state; },
  get count() { return store.total; },
  frame: (i) => store.frame(i),
  frames: (from = 0, to = store.total) => {
    const out = [];
    for (let i = Math.max(0, from); i < Math.min(to, store.total); i += 1) out.push(store.frame(i));
    return out;
  },
  document: fullDocument,
};

// ---------------------------------------------------------------- table

let columns = [];
let protocolShown = 'uart';
let selected = -1;
const pool = []; // row elements, reused

function setColumns(protocol) {
  protocolShown = protocol;
  columns = ['start', 'end', 'time', ...DECODER_COLUMNS[protocol]];
  // Fixed (not content-sized) tracks: every row is its own grid and must line up.
  const widths = columns.map((c) => COLUMN_WIDTHS[c] ?? '4.2rem');
  grid.style.setProperty('--decode-columns', widths.join(' '));
  grid.dataset.protocol = protocol;
  headerRow.replaceChildren(...columns.map((c, k) => el('div', {
    className: `decode-cell c-${c}`, role: 'columnheader', 'aria-colindex': String(k + 1), title: c,
  }, COLUMN_LABELS[c] ?? c.replaceAll('_', ' '))));
  for (const row of pool) row.remove();
  pool.length = 0;
}

function bodyHeight() {
  return Math.min(store.total * ROW_HEIGHT, MAX_BODY_PX);
}

/** Scroll geometry: the visible body height and the full-to-scroll ratio (1 when unscaled). */
function geometry() {
  const headH = headerRow.offsetHeight || ROW_HEIGHT;
  const view = Math.max(viewport.clientHeight - headH, ROW_HEIGHT);
  const full = store.total * ROW_HEIGHT;
  const scaled = bodyHeight();
  const k = full > scaled && scaled > view ? (full - view) / (scaled - view) : 1;
  return { view, k };
}

let renderQueued = false;
function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  body.style.height = `${bodyHeight()}px`;
  // Short tables shrink to their rows; long ones keep the stylesheet's height and scroll.
  viewport.style.maxHeight = `${(Math.max(store.total, 3) + 1) * ROW_HEIGHT + 6}px`;
  grid.setAttribute('aria-rowcount', String(store.total + 1));
  const { view, k } = geometry();
  const scrollTop = viewport.scrollTop;
  const top = scrollTop * k; // first visible pixel, in unscaled row coordinates
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(store.total, Math.ceil((top + view) / ROW_HEIGHT) + OVERSCAN);
  const n = Math.max(0, last - first);
  while (pool.length < n) {
    const row = el('div', { className: 'decode-row', role: 'row' },
      ...columns.map((c, j) => el('div', { className: `decode-cell c-${c}`, role: 'gridcell', 'aria-colindex': String(j + 1) })));
    pool.push(row);
    body.append(row);
  }
  while (pool.length > n) pool.pop().remove();
  for (let r = 0; r < n; r += 1) {
    const i = first + r;
    const row = pool[r];
    row.style.transform = `translateY(${Math.round(scrollTop + i * ROW_HEIGHT - top)}px)`;
    if (row.dataset.index !== String(i)) {
      const f = store.cached(i);
      row.dataset.index = String(i);
      row.id = `decode-row-${i}`;
      row.setAttribute('aria-rowindex', String(i + 2));
      row.classList.toggle('has-error', Array.isArray(f.errors) && f.errors.length > 0);
      const cells = row.children;
      for (let j = 0; j < columns.length; j += 1) {
        const text = cellText(protocolShown, columns[j], f[columns[j]], f);
        cells[j].textContent = text;
        if (text.length > 14) cells[j].title = text;
        else if (cells[j].title) cells[j].removeAttribute('title');
      }
    }
    const isSelected = i === selected;
    row.classList.toggle('selected', isSelected);
    row.setAttribute('aria-selected', String(isSelected));
  }
  if (selected >= 0 && selected >= first && selected < last) grid.setAttribute('aria-activedescendant', `decode-row-${selected}`);
  else grid.removeAttribute('aria-activedescendant');
}

function select(i, reveal) {
  if (!(i >= 0 && i < store.total)) return;
  selected = i;
  const [start, end] = store.span(i);
  section.dataset.selectedIndex = String(i);
  section.dataset.selectedStart = String(start);
  section.dataset.selectedEnd = String(end);
  if (reveal) {
    const { view, k } = geometry();
    const y = i * ROW_HEIGHT;
    const top = viewport.scrollTop * k;
    if (y < top) viewport.scrollTop = y / k;
    else if (y + ROW_HEIGHT > top + view) viewport.scrollTop = (y + ROW_HEIGHT - view) / k;
  }
  render();
  window.dispatchEvent(new CustomEvent('scopekit:select', { detail: { index: i, start, end, frame: store.frame(i) } }));
}

function clearSelection() {
  selected = -1;
  delete section.dataset.selectedIndex;
  delete section.dataset.selectedStart;
  delete section.dataset.selectedEnd;
}

viewport.addEventListener('scroll', queueRender, { passive: true });
new ResizeObserver(queueRender).observe(viewport);

body.addEventListener('click', (event) => {
  const row = event.target.closest('.decode-row');
  if (row?.dataset.index !== undefined) {
    select(Number(row.dataset.index), false);
    grid.focus({ preventScroll: true });
  }
});

grid.addEventListener('keydown', (event) => {
  if (store.total === 0) return;
  const page = Math.max(1, Math.floor(geometry().view / ROW_HEIGHT) - 1);
  const from = selected < 0 ? -1 : selected;
  const moves = {
    ArrowDown: from + 1, ArrowUp: Math.max(0, from - 1), PageDown: from + page, PageUp: Math.max(0, from - page),
    Home: 0, End: store.total - 1,
  };
  if (!(event.key in moves)) return;
  event.preventDefault();
  select(Math.min(store.total - 1, Math.max(0, moves[event.key])), true);
});

// ---------------------------------------------------------------- statistics

function renderStats(stats, rate) {
  const items = [
    ['Frames', count(stats.frames)],
    ['With errors', count(stats.errors)],
    ['Frames/s', stats.frames_per_second === null ? '—'
      : stats.frames_per_second.toLocaleString('en-US', { maximumFractionDigits: 1 })],
  ];
  for (const [name, s] of [['Gap', stats.gap], ['Duration', stats.duration]]) {
    for (const p of ['p50', 'p95', 'p99']) items.push([`${name} ${p}`, formatTime(s[p], rate)]);
  }
  statsEl.replaceChildren(...termItems(items.map(([k, v]) => [k, v, { className: k === 'With errors' && stats.errors > 0 ? 'warn' : '' }])));
}

// ---------------------------------------------------------------- running

function setState(state) {
  resultEl.dataset.state = state;
  section.dataset.state = state;
}

function resetRun() {
  running?.abort();
  running = null;
  head = null;
  tail = null;
  store.reset(null);
  clearSelection();
  delete resultEl.dataset.json;
  delete resultEl.dataset.framesCount;
  statsEl.replaceChildren();
  setError(errorEl, '');
  status.hide();
  cancelButton.hidden = true;
  resultEl.hidden = true;
  setState('idle');
  viewport.scrollTop = 0;
  render();
}

async function run() {
  if (!current) return;
  resetRun();
  const runId = ++runs;
  resultEl.dataset.run = String(runId);
  const { file } = current;
  const protocol = protocolSelect.value;
  let config;
  let wires;
  let levels;
  let rate;
  try {
    config = readConfig(protocol);
    wires = readWires();
    levels = readLevels();
    rate = readRate();
  } catch (e) {
    setError(errorEl, `Check the settings: ${e.message}`);
    setState('error');
    return;
  }
  const controller = new AbortController();
  running = controller;
  setColumns(protocol);
  store.reset(rate);
  setState('running');
  resultEl.hidden = false;
  cancelButton.hidden = false;
  status.start(file.size);
  tableCaption.textContent = '';
  try {
    const doc = await decodeFile(file, {
      config, wires, rate, levels, signal: controller.signal,
      onProgress({ loaded, total, frames }) {
        if (running !== controller) return;
        status.progress(loaded, total, ` · ${count(frames)} frames`);
      },
      onFrames(batch) {
        if (running !== controller) return;
        store.add(batch);
        tableCaption.textContent = `${count(store.total)} frames so far`;
        queueRender();
      },
    });
    if (running !== controller) return;
    const { frames_count: _, samples, stats, ...rest } = doc;
    head = rest;
    tail = { samples, stats };
    const seconds = status.seconds();
    status.finish(`${count(store.total)} frames from ${count(samples)} samples in ` +
      `${seconds.toFixed(2)} s · ${(samples / Math.max(seconds, 1e-3) / 1e6).toFixed(1)} MSa/s · ` +
      `${formatThroughput(file.size, seconds)} of file`);
    renderStats(stats, rate);
    const json = store.total <= INLINE_FRAMES ? fullDocument()
      : { ...head, frames_count: store.total, samples, stats };
    resultEl.dataset.framesCount = String(store.total);
    resultEl.dataset.json = JSON.stringify(json);
    tableCaption.textContent = `${count(store.total)} frames · ${wires.map((w) => `${ROLE_LABELS[w.role]} = ${w.name ?? `channel ${w.channel}`}`).join(', ')}` +
      ' · click a row to select it; arrow keys, Page Up/Down, Home and End move the selection';
    setState('done');
    render();
  } catch (e) {
    if (running !== controller) return;
    if (e?.name === 'AbortError') {
      status.set(`Cancelled after ${count(store.total)} frames.`);
      setState('idle');
    } else {
      status.set('Failed.');
      setError(errorEl, `Could not decode “${file.name}”: ${e?.message ?? e}`);
      resultEl.hidden = store.total === 0;
      setState('error');
    }
  } finally {
    if (running === controller) {
      running = null;
      cancelButton.hidden = true;
    }
  }
}

// ---------------------------------------------------------------- wiring

protocolSelect.addEventListener('change', onProtocolChange);
form.addEventListener('submit', (event) => {
  event.preventDefault();
  run();
});
cancelButton.addEventListener('click', () => running?.abort());

window.addEventListener('scopekit:reset', () => {
  current = null;
  resetRun();
  section.hidden = true;
});

window.addEventListener('scopekit:file', (event) => {
  const { file, info } = event.detail ?? {};
  if (!file || !info) return;
  resetRun();
  current = { file, info, names: channelNames(info) };
  const logic = info.format === 'sigrok';
  thresholdField.hidden = logic;
  hysteresisField.hidden = logic;
  rateField.hidden = Boolean(info.sample_rate);
  inputFieldset.hidden = logic && Boolean(info.sample_rate);
  onProtocolChange();
  section.hidden = false;
});

setColumns('uart');
section.dataset.ready = 'true';
