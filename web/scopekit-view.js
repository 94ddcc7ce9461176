// <scopekit-view>: a drop-in element that analyses one capture and shows a compact table.
//
//   <script type="module" src="scopekit-view.js"></script>
//   <scopekit-view src="samples/ramp.npy" kind="stats" channel="1"></scopekit-view>
//   <scopekit-view src="capture.sr" kind="decode" protocol="uart" roles="tx=TX"
//                  options="baudrate=115200"></scopekit-view>
//   view.file = someFile;   // a File or Blob instead of src
//
// Attributes: src (same-origin URL), kind (stats | decode | trace), channel, rate, protocol,
// roles ("role=channel,..."; channel names or indices), options (decoder options,
// "key=value,..."), label (accessible name). Any change starts a new analysis; the previous
// one is cancelled. Events (bubbling, composed):
//   scopekit-result  detail { result, kind, run }   result: the CLI's --json document
//   scopekit-error   detail { error, message, kind, run }
// The host reflects its state in data-state (idle | running | done | error) and data-run
// (analyses started). Methods: cancel(); properties: file, result.

import { analyze } from './embed.js';
import { el, formatBytes as bytes, formatEta, formatValue, tableHead, tableRow } from './ui.js';

const SHEET = `
:host { display: block; font: 14px/1.45 system-ui, sans-serif; color: var(--fg, CanvasText);
  background: var(--card, Canvas); border: 1px solid var(--border, #ccd); border-radius: 8px;
  padding: 10px 12px; min-width: 0; }
:host([hidden]) { display: none; }
.head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 60%; }
.status { color: var(--muted, GrayText); font-size: 0.9em; flex: 1; }
button { font: inherit; font-size: 0.85em; padding: 2px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border, #ccd); background: transparent; color: inherit; }
progress { width: 100%; height: 6px; margin: 6px 0 2px; accent-color: var(--accent, #2563eb); }
.error { color: var(--error-fg, #8a1c1c); background: var(--error-bg, #fdecec); border-radius: 6px;
  padding: 6px 8px; margin-top: 6px; }
.wrap { overflow-x: auto; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--border, #dde); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { font-weight: 600; color: var(--muted, GrayText); font-size: 0.85em; }
caption { text-align: left; color: var(--muted, GrayText); font-size: 0.85em; caption-side: bottom; padding-top: 4px; }
[hidden] { display: none !important; }
`;

let sheet = null;
function styles() {
  if (!sheet && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(SHEET);
  }
  return sheet;
}

/** A table cell: formatValue, but integers with thousands separators and non-numbers as text. */
function fmt(x) {
  if (typeof x === 'number' && Number.isInteger(x) && x !== 0 && Math.abs(x) < 1e15) return x.toLocaleString('en-US');
  return x === null || x === undefined || typeof x === 'number' ? formatValue(x) : String(x);
}

/** "a=1,b=x" → {a: 1, b: 'x'} (numbers and booleans converted). */
function pairs(text) {
  const out = {};
  for (const part of String(text ?? '').split(/[,;]/)) {
    const [k, ...rest] = part.split('=');
    const key = k?.trim();
    if (!key) continue;
    const raw = rest.join('=').trim();
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

function table(caption, columns, rows) {
  return el('div', { className: 'wrap' }, el('table', { part: 'table' },
    el('caption', {}, caption), tableHead(columns), el('tbody', {}, ...rows.map((r) => tableRow(r.map(fmt))))));
}

const MAX_FRAMES = 20;

/** The `<scopekit-view>` element. */
export class ScopekitView extends HTMLElement {
  static get observedAttributes() {
    return ['src', 'kind', 'channel', 'rate', 'protocol', 'roles', 'options', 'label'];
  }

  #file = null;
  #result = null;
  #controller = null;
  #runs = 0;
  #scheduled = false;
  #root;
  #parts;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    const s = styles();
    if (s) this.#root.adoptedStyleSheets = [s];
    const title = el('span', { className: 'title', part: 'title' });
    const status = el('span', { className: 'status', part: 'status', 'aria-live': 'polite' });
    const cancel = el('button', { type: 'button', hidden: true, 'aria-label': 'Cancel the analysis' }, 'Cancel');
    const progress = el('progress', { value: 0, max: 1, hidden: true, 'aria-label': 'Analysis progress' });
    const error = el('div', { className: 'error', role: 'alert', hidden: true, part: 'error' });
    const output = el('div', { className: 'output', part: 'output' });
    cancel.addEventListener('click', () => this.cancel());
    this.#root.append(el('div', { className: 'head' }, title, status, cancel), progress, error, output);
    this.#parts = { title, status, cancel, progress, error, output };
  }

  connectedCallback() {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'region');
    this.#label();
    if (!this.dataset.state) this.dataset.state = 'idle';
    this.#schedule();
  }

  disconnectedCallback() {
    this.cancel();
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'label') {
      this.#label();
      return;
    }
    if (name === 'src' && newValue) this.#file = null;
    this.#schedule();
  }

  /** The File or Blob to analyse (takes precedence over `src`). */
  get file() { return this.#file; }

  set file(value) {
    if (value !== null && value !== undefined && !(value instanceof Blob)) {
      throw new TypeError('scopekit-view: file must be a File or Blob');
    }
    this.#file = value ?? null;
    this.#schedule();
  }

  /** The last result (the CLI's JSON document), or null. */
  get result() { return this.#result; }

  /** Stop the running analysis, if any. */
  cancel() {
    this.#controller?.abort();
  }

  #label() {
    const name = this.getAttribute('label') || `scopekit ${this.getAttribute('kind') || 'stats'} view`;
    this.setAttribute('aria-label', name);
  }

  #schedule() {
    if (this.#scheduled || !this.isConnected) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) this.#run();
    });
  }

  #options() {
    const kind = this.getAttribute('kind') || 'stats';
    const opts = { kind };
    const num = (name) => {
      const raw = this.getAttribute(name);
      if (raw === null || raw.trim() === '') return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new RangeError(`scopekit-view: ${name} must be a number, got "${raw}"`);
      return n;
    };
    if (kind === 'stats') {
      opts.channel = num('channel');
      opts.rate = num('rate');
    } else if (kind === 'decode') {
      opts.protocol = this.getAttribute('protocol') || 'uart';
      opts.rate = num('rate');
      const roles = pairs(this.getAttribute('roles'));
      if (Object.keys(roles).length) opts.roles = roles;
      opts.config = pairs(this.getAttribute('options'));
    }
    return opts;
  }

  async #run() {
    this.#controller?.abort();
    const input = this.#file ?? this.getAttribute('src');
    const { title, status, cancel, progress, error, output } = this.#parts;
    this.#result = null;
    output.replaceChildren();
    error.hidden = true;
    error.textContent = '';
    if (!input) {
      this.dataset.state = 'idle';
      title.textContent = '';
      status.textContent = 'No file.';
      progress.hidden = true;
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    const run = ++this.#runs;
    this.dataset.run = String(run);
    this.dataset.state = 'running';
    const name = input instanceof Blob ? (input.name || 'blob') : String(input).split('/').pop();
    title.textContent = name;
    status.textContent = 'Starting…';
    progress.hidden = false;
    progress.value = 0;
    cancel.hidden = false;
    let kind = 'stats';
    const started = performance.now();
    try {
      const opts = this.#options();
      kind = opts.kind;
      const result = await analyze(input, opts, {
        signal: controller.signal,
        onProgress: ({ loaded, total }) => {
          if (this.#controller !== controller) return;
          progress.max = Math.max(total, 1);
          progress.value = loaded;
          const s = (performance.now() - started) / 1000;
          const speed = s > 0.2 ? loaded / s : 0;
          const left = formatEta(loaded, total, s);
          status.textContent = `${bytes(loaded)} of ${bytes(total)}` + (speed ? ` · ${bytes(speed)}/s` : '') + (left ? ` · ${left}` : '');
        },
      });
      if (this.#controller !== controller) return;
      this.#result = result;
      const s = (performance.now() - started) / 1000;
      status.textContent = `done in ${s.toFixed(2)} s`;
      progress.value = progress.max;
      this.#render(kind, result);
      this.dataset.state = 'done';
      this.dispatchEvent(new CustomEvent('scopekit-result', { bubbles: true, composed: true, detail: { result, kind, run } }));
    } catch (e) {
      if (this.#controller !== controller) return;
      if (e?.name === 'AbortError') {
        status.textContent = 'Cancelled.';
        this.dataset.state = 'idle';
      } else {
        const message = e?.message ?? String(e);
        status.textContent = 'Failed.';
        error.textContent = message;
        error.hidden = false;
        this.dataset.state = 'error';
        this.dispatchEvent(new CustomEvent('scopekit-error', { bubbles: true, composed: true, detail: { error: e, message, kind, run } }));
      }
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        cancel.hidden = true;
        progress.hidden = true;
      }
    }
  }

  #render(kind, r) {
    const { output } = this.#parts;
    if (kind === 'stats') {
      const i = r.info ?? {};
      output.append(table(
        `${i.format ?? '?'} · ${i.dtype ?? '?'} · ${fmt(i.samples)} samples` + (i.sample_rate ? ` at ${fmt(i.sample_rate)} Sa/s` : ''),
        ['Channel', 'Count', 'Min', 'Max', 'Mean', 'RMS', 'Std'],
        r.channels.map((c) => [c.channel, c.count, c.min, c.max, c.mean, c.rms, c.std]),
      ));
    } else if (kind === 'decode') {
      const st = r.stats ?? {};
      const frames = r.frames ?? [];
      const fields = frames.length ? Object.keys(frames[0]).filter((k) => !['start', 'end', 'time'].includes(k)).slice(0, 4) : [];
      output.append(table(
        `${r.protocol} · ${fmt(st.frames)} frames · ${fmt(st.errors)} errors` +
          (frames.length > MAX_FRAMES ? ` · first ${MAX_FRAMES} shown` : ''),
        ['Start', 'End', ...fields],
        frames.slice(0, MAX_FRAMES).map((f) => [f.start, f.end, ...fields.map((k) => (typeof f[k] === 'object' && f[k] !== null ? JSON.stringify(f[k]) : f[k]))]),
      ));
    } else {
      const rows = Object.entries(r).filter(([, v]) => v === null || typeof v !== 'object').map(([k, v]) => [k, v]);
      for (const [k, v] of Object.entries(r)) {
        if (Array.isArray(v)) rows.push([k, `${v.length} entries`]);
      }
      output.append(table('trace summary', ['Field', 'Value'], rows));
    }
  }
}

if (!customElements.get('scopekit-view')) customElements.define('scopekit-view', ScopekitView);
