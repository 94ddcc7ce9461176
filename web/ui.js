// Page UI helpers shared by the views (decode.js, trace.js, serial.js, analog.js) and the
// <scopekit-view> element: building DOM, formatting numbers, byte counts and durations, the
// status line of a run (text, progress bar, throughput, time left), tables and term lists.
//
//   import { el, formatBytes, createStatus } from './ui.js';
//
// Everything here only builds or formats; no module state. Style classes are in style.css
// ("shared view parts").

// ---------------------------------------------------------------- DOM

/** Attributes set with setAttribute rather than as a property (`list` is read-only on inputs). */
const ATTRIBUTES = new Set(['role', 'for', 'list', 'part']);

/**
 * A new element: `el('button', { type: 'button', className: 'primary', dataset: { testid: 'x' } }, 'Run')`.
 *
 * `attrs`: `dataset` is merged into the element's dataset, `text` sets its textContent,
 * `aria-*`, `data-*`, `role`, `for`, `list` and `part` are attributes, any other key the element
 * has (`className`, `hidden`, `onclick`, `style`, ...) is set as a property and the rest as
 * attributes; null and undefined values are skipped. `children` (nodes or strings) are
 * appended; null, undefined and false are skipped.
 *
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('aria-') || k.startsWith('data-') || ATTRIBUTES.has(k)) node.setAttribute(k, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/**
 * Show `message` in an error box (`hidden` when empty).
 *
 * @param {HTMLElement} box
 * @param {string} [message]
 */
export function setError(box, message) {
  box.textContent = message ?? '';
  box.hidden = !message;
}

/**
 * An error box (class `error`, role alert), hidden until setError gives it a message.
 *
 * @param {Record<string, unknown>} [attrs] more attributes for el()
 * @returns {HTMLElement}
 */
export function errorBox(attrs = {}) {
  return el('div', { className: 'error', role: 'alert', hidden: true, ...attrs });
}

/**
 * A labelled form field (class `form-field`): the label (for the control's id) above the control.
 *
 * @param {string} label
 * @param {HTMLElement} control  an input or select with an id
 * @param {Record<string, unknown>} [attrs] more attributes of the field
 * @returns {HTMLElement}
 */
export function formField(label, control, attrs = {}) {
  return el('div', { className: 'form-field', ...attrs }, el('label', { for: control.id }, label), control);
}

/**
 * A fieldset of a settings form (class `form-group`): its legend, then the fields in a row.
 *
 * @param {string} legend
 * @param {...Node} fields
 * @returns {HTMLFieldSetElement}
 */
export function formGroup(legend, ...fields) {
  return el('fieldset', { className: 'form-group' }, el('legend', {}, legend), el('div', { className: 'form-fields' }, ...fields));
}

// ---------------------------------------------------------------- numbers

/**
 * Bytes in binary units: `512 B`, `1.5 KiB`, `120 MiB` (one decimal below 100).
 *
 * @param {number} n
 * @returns {string}
 */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i += 1;
  } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/**
 * A count with thousands separators (`12,345`); `—` for null or undefined.
 *
 * @param {number|null|undefined} n
 * @returns {string}
 */
export function formatCount(n) {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/**
 * A measured value: 6 significant digits, exponent notation from 1e6 and below 1e-3
 * (`1.2346e7`), `—` for null or undefined, `NaN` / `Infinity` as such.
 *
 * @param {number|null|undefined} x
 * @returns {string}
 */
export function formatValue(x) {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(4).replace('e+', 'e');
  return x.toLocaleString('en-US', { maximumSignificantDigits: 6, useGrouping: false });
}

/** Time units, largest first: [name, size in seconds]. */
const TIME_UNITS = [['s', 1], ['ms', 1e-3], ['µs', 1e-6], ['ns', 1e-9]];
/** Factor from unit i to unit j of TIME_UNITS (written out: 1e-6 / 1e-3 is not exactly 1e-3). */
const TIME_SCALE = [
  [1, 1e3, 1e6, 1e9],
  [1e-3, 1, 1e3, 1e6],
  [1e-6, 1e-3, 1, 1e3],
  [1e-9, 1e-6, 1e-3, 1],
];

/**
 * A duration in the largest of s / ms / µs / ns (down to `smallest`) that keeps it ≥ 1:
 * `formatDuration(0.0025)` → `2.5 ms`; `formatDuration(1500, { unit: 'µs', smallest: 'µs', digits: 4 })`
 * → `1.5 ms`. Zero is shown in `unit`; `—` for null or undefined.
 *
 * @param {number|null|undefined} x   the duration in `unit`
 * @param {{ unit?: 's'|'ms'|'µs'|'ns', smallest?: 's'|'ms'|'µs'|'ns', digits?: number }} [options]
 *   `unit` of x (default s), `smallest` unit shown (default ns), significant `digits` (default 6)
 * @returns {string}
 */
export function formatDuration(x, { unit = 's', smallest = 'ns', digits = 6 } = {}) {
  if (x === null || x === undefined) return '—';
  const from = TIME_UNITS.findIndex(([name]) => name === unit);
  const last = TIME_UNITS.findIndex(([name]) => name === smallest);
  const a = Math.abs(x);
  let to = from;
  if (a !== 0) {
    to = last;
    for (let k = 0; k < last; k += 1) {
      if (a >= TIME_SCALE[k][from]) {
        to = k;
        break;
      }
    }
  }
  const value = x * TIME_SCALE[from][to];
  return `${value.toLocaleString('en-US', { maximumSignificantDigits: digits })} ${TIME_UNITS[to][0]}`;
}

/**
 * Throughput of a finished run: `85 MiB/s`, one decimal below 10 MiB/s (`seconds` at least 1 ms).
 *
 * @param {number} bytes
 * @param {number} seconds
 * @returns {string}
 */
export function formatThroughput(bytes, seconds) {
  const mib = bytes / Math.max(seconds, 1e-3) / 1048576;
  return `${mib.toFixed(mib < 10 ? 1 : 0)} MiB/s`;
}

/**
 * Time left of a run going at its average speed so far: `12 s left` (one decimal below
 * 10 s); '' before 0.2 s have passed or when nothing is left.
 *
 * @param {number} loaded
 * @param {number} total
 * @param {number} seconds   since the start
 * @returns {string}
 */
export function formatEta(loaded, total, seconds) {
  const speed = seconds > 0.2 ? loaded / seconds : 0;
  if (!(speed > 0) || !(total > loaded)) return '';
  const eta = (total - loaded) / speed;
  return `${eta.toFixed(eta < 10 ? 1 : 0)} s left`;
}

/**
 * The progress of a run that reads `total` bytes:
 * `12.0 MiB of 100 MiB (12 %) · 85 MiB/s`, the speed once 0.2 s have passed, with
 * `{ eta: true }` also ` · 3.1 s left`.
 *
 * @param {number} loaded
 * @param {number} total
 * @param {number} seconds   since the start
 * @param {{ eta?: boolean }} [options]
 * @returns {string}
 */
export function progressText(loaded, total, seconds, { eta = false } = {}) {
  const pct = total > 0 ? Math.floor((loaded / total) * 100) : 100;
  const left = eta ? formatEta(loaded, total, seconds) : '';
  return `${formatBytes(loaded)} of ${formatBytes(total)} (${pct} %)` +
    (seconds > 0.2 ? ` · ${(loaded / seconds / 1048576).toFixed(0)} MiB/s` : '') +
    (left ? ` · ${left}` : '');
}

// ---------------------------------------------------------------- status line

/**
 * The status line of a view's run: a `run-status` box (hidden, aria-live polite) holding a
 * `status-text` span and a progress bar.
 *
 *   const status = createStatus({ label: 'Decoding progress', testid: 'decode' });
 *   status.start(file.size);                       // shown, 'Starting…', clock started
 *   status.progress(loaded, total, ' · 12 frames'); // bar and progressText(...) + extra
 *   status.finish(`done in ${status.seconds().toFixed(2)} s`);
 *
 * @param {{ label: string, testid: string, className?: string }} options
 *   `label` names the progress bar, `testid` prefixes data-testid (`-status`, `-progress`),
 *   `className` is added to the box
 * @returns {{ box: HTMLElement, text: HTMLElement, bar: HTMLProgressElement,
 *   start(max: number): void, progress(loaded: number, total: number, extra?: string): void,
 *   set(text: string): void, finish(text: string): void, seconds(): number, hide(): void }}
 */
export function createStatus({ label, testid, className = '' }) {
  const text = el('span', { className: 'status-text', dataset: { testid: `${testid}-status` } });
  const bar = el('progress', { value: 0, max: 1, 'aria-label': label, dataset: { testid: `${testid}-progress` } });
  const box = el('div', { className: `run-status ${className}`.trim(), hidden: true, 'aria-live': 'polite' }, text, bar);
  let started = performance.now();
  return {
    box,
    text,
    bar,
    start(max) {
      box.hidden = false;
      bar.max = Math.max(max, 1);
      bar.value = 0;
      text.textContent = 'Starting…';
      started = performance.now();
    },
    progress(loaded, total, extra = '') {
      bar.max = Math.max(total, 1);
      bar.value = loaded;
      text.textContent = progressText(loaded, total, this.seconds()) + extra;
    },
    set(message) {
      text.textContent = message;
    },
    finish(message) {
      bar.value = bar.max;
      text.textContent = message;
    },
    seconds() {
      return (performance.now() - started) / 1000;
    },
    hide() {
      box.hidden = true;
    },
  };
}

// ---------------------------------------------------------------- tables and term lists

/**
 * A table head: one row of `th scope=col`.
 *
 * @param {(string|Node)[]} labels
 * @returns {HTMLTableSectionElement}
 */
export function tableHead(labels) {
  return el('thead', {}, el('tr', {}, ...labels.map((h) => el('th', { scope: 'col' }, h))));
}

/**
 * A body row: the first cell a `th scope=row`, the others `td`.
 *
 * @param {(string|Node)[]} cells
 * @param {Record<string, unknown>} [attrs] attributes of the `tr`
 * @returns {HTMLTableRowElement}
 */
export function tableRow(cells, attrs = {}) {
  return el('tr', attrs, ...cells.map((c, i) => el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, c)));
}

/**
 * Replace a table's content with a head and body rows (tableHead, tableRow).
 *
 * @param {HTMLTableElement} table
 * @param {(string|Node)[]} head
 * @param {(string|Node)[][]} rows
 */
export function fillTable(table, head, rows) {
  table.replaceChildren(tableHead(head), el('tbody', {}, ...rows.map((r) => tableRow(r))));
}

/**
 * Term list items `<div><dt>term</dt><dd>value</dd></div>` for a `dl`; an item is
 * `[term, value, attrs?]`, attrs of the div (e.g. `{ className: 'warn', title: '…' }`).
 *
 * @param {[string, string|Node, Record<string, unknown>?][]} items
 * @returns {HTMLElement[]}
 */
export function termItems(items) {
  return items.map(([term, value, attrs]) => el('div', attrs ?? {}, el('dt', {}, term), el('dd', {}, value)));
}

/**
 * One bare `dt` / `dd` pair for a `dl` laid out as a two-column grid; `attrs` go to the `dd`.
 *
 * @param {string} term
 * @param {string|Node} value
 * @param {Record<string, unknown>} [attrs]
 * @returns {[HTMLElement, HTMLElement]}
 */
export function termPair(term, value, attrs = {}) {
  return [el('dt', {}, term), el('dd', attrs, value)];
}
