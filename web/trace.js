// Profiler-trace view: `scopekit trace summary` / `scopekit trace compare` in the page.
//
// A profiler trace (Chrome trace-event JSON, `.json` or `.json.gz`) is not a capture, so this
// module claims trace files before app.js sees them: it listens in the capture phase for the
// page's file input and drop zone, and takes over when the (first) file is named `*.json`,
// `*.json.gz` or `*.pt.trace*`. One trace gives the summary, two the comparison (A = the
// first). Inside the view, "Compare with…" adds a B to the shown trace and "Swap" swaps A/B.
//
// For tests and embedders:
//   [data-testid="trace-result"]  data-state idle|running|done|error, data-mode summary|compare,
//                                 data-json (the CLI's `trace summary --json` or
//                                 `trace compare --json` document), data-bytes, data-seconds
//   [data-testid="trace-table"]   the kernel / op / diff table (th buttons sort it)

import { compareTraces, summarizeTrace } from './scopekit.js';
import {
  createStatus, el, errorBox, formatBytes, formatCount as count, formatDuration, formatThroughput, progressText,
  setError, tableHead as thead, tableRow, termItems,
} from './ui.js';

/** Largest number of table rows put in the DOM (the search narrows the rest). */
const MAX_ROWS = 500;

const section = document.getElementById('trace-view');
const appInput = document.getElementById('file-input');
const appDropZone = document.getElementById('drop-zone');

// ---------------------------------------------------------------- helpers

/** Microseconds in s / ms / µs, 4 significant digits; `signed` adds + to a positive one. */
function dur(us, signed = false) {
  const text = formatDuration(us, { unit: 'µs', smallest: 'µs', digits: 4 });
  return signed && us > 0 ? `+${text}` : text;
}

const exactUs = (us) => (us === null || us === undefined ? '' : `${us.toLocaleString('en-US', { maximumFractionDigits: 3 })} µs`);
const pct = (part, whole) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '—');

/** Names that make a dropped file a profiler trace rather than a capture. */
export function isTraceName(name) {
  return /\.json(\.gz)?$/i.test(name ?? '') || /\.pt\.trace/i.test(name ?? '');
}

// ---------------------------------------------------------------- static structure

const title = el('h2', {}, 'Profiler trace');
const filesLine = el('p', { className: 'trace-files', dataset: { testid: 'trace-files' } });
const compareInput = el('input', {
  type: 'file', accept: '.json,.gz,application/json,application/gzip', dataset: { testid: 'trace-compare-input' },
});
const compareLabel = el('label', { className: 'trace-button', title: 'Choose a second trace (B) to compare with this one (A)' },
  compareInput, 'Compare with…');
const swapButton = el('button', { type: 'button', hidden: true, dataset: { testid: 'trace-swap' }, title: 'Compare B against A' }, 'Swap A ⇄ B');
const cancelButton = el('button', { type: 'button', hidden: true, dataset: { testid: 'trace-cancel' } }, 'Cancel');
const actions = el('div', { className: 'trace-actions' }, compareLabel, swapButton, cancelButton);
const head = el('div', { className: 'trace-head' }, el('div', {}, title, filesLine), actions);

const status = createStatus({ label: 'Reading progress', testid: 'trace', className: 'trace-status' });
const errorEl = errorBox({ dataset: { testid: 'trace-error' } });

// Summary parts.
const totalsEl = el('dl', { className: 'facts trace-totals', dataset: { testid: 'trace-totals' } });
const stepsChart = el('div', { className: 'trace-steps-chart', role: 'list', 'aria-label': 'Profiler steps' });
const stepsReadout = el('p', { className: 'note trace-readout', dataset: { testid: 'trace-step-readout' } });
const stepsAxis = el('div', { className: 'trace-steps-axis' });
const stepsBox = el('div', { className: 'trace-steps', dataset: { testid: 'trace-steps' } },
  el('h3', {}, 'Profiler steps'), stepsChart, stepsAxis, stepsReadout);
const streamsBody = el('tbody');
const streamsBox = el('div', { className: 'trace-streams', dataset: { testid: 'trace-streams' } },
  el('h3', {}, 'GPU streams'),
  el('div', { className: 'table-wrap' }, el('table', { className: 'stats trace-table' },
    thead(['Stream', 'Kernels', 'Kernel time', 'Busy', 'Idle', 'Busy %', 'NCCL', 'Compute', 'Overlap']),
    streamsBody)));

// Diff parts.
const thresholdInput = el('input', {
  type: 'number', min: 0, step: 'any', value: '5', id: 'trace-threshold', inputMode: 'decimal', dataset: { testid: 'trace-threshold' },
});
const thresholdField = el('label', { className: 'trace-field', for: 'trace-threshold' }, 'Threshold (%)', thresholdInput);
const diffTotals = el('dl', { className: 'facts trace-totals', dataset: { testid: 'trace-diff-totals' } });

// The shared name table.
const kindSelect = el('div', { className: 'trace-kinds', role: 'tablist', 'aria-label': 'Table' });
const searchInput = el('input', {
  type: 'search', placeholder: 'Search by name', 'aria-label': 'Search kernels and ops by name', id: 'trace-search', autocomplete: 'off', spellcheck: false,
  dataset: { testid: 'trace-search' },
});
const tableHead = el('thead');
const tableBody = el('tbody');
const table = el('table', { className: 'stats trace-table', dataset: { testid: 'trace-table' } }, tableHead, tableBody);
const tableCaption = el('p', { className: 'note', dataset: { testid: 'trace-caption' } });
const toolbar = el('div', { className: 'trace-toolbar' }, kindSelect, el('div', { className: 'trace-filters' }, thresholdField, searchInput));
const tableBox = el('div', { className: 'trace-names' }, toolbar, el('div', { className: 'table-wrap trace-scroll' }, table), tableCaption);

const resultEl = el('div', {
  className: 'trace-result', hidden: true, dataset: { testid: 'trace-result', state: 'idle' },
}, totalsEl, diffTotals, stepsBox, streamsBox, tableBox);

section.setAttribute('aria-label', 'Profiler trace');
section.append(head, status.box, errorEl, resultEl);

// ---------------------------------------------------------------- tables

/** Column: [key, label, value(row), format(row), title?]. */
const NAME_COLUMNS = (withSelf) => [
  ['name', 'Name', (r) => r.name, (r) => r.name],
  ['count', 'Count', (r) => r.count, (r) => count(r.count)],
  ['total_dur', 'Total', (r) => r.total_dur, (r) => dur(r.total_dur)],
  ...(withSelf ? [['self_dur', 'Self', (r) => r.self_dur ?? 0, (r) => dur(r.self_dur)]] : []),
  ['mean_dur', 'Mean', (r) => r.mean_dur, (r) => dur(r.mean_dur)],
  ['min_dur', 'Min', (r) => r.min_dur, (r) => dur(r.min_dur)],
  ['max_dur', 'Max', (r) => r.max_dur, (r) => dur(r.max_dur)],
  ['p50_dur', 'p50', (r) => r.p50_dur, (r) => dur(r.p50_dur)],
  ['p95_dur', 'p95', (r) => r.p95_dur, (r) => dur(r.p95_dur)],
  ['p99_dur', 'p99', (r) => r.p99_dur, (r) => dur(r.p99_dur)],
  ...(withSelf ? [['kernel_dur', 'GPU launched', (r) => r.kernel_dur ?? 0, (r) => dur(r.kernel_dur)]] : []),
];

const DIFF_COLUMNS = [
  ['status', 'Status', (r) => STATUS_ORDER[r.status], (r) => r.status],
  ['name', 'Name', (r) => r.name, (r) => r.name],
  ['a_count', 'Count A', (r) => r.a_count, (r) => count(r.a_count)],
  ['b_count', 'Count B', (r) => r.b_count, (r) => count(r.b_count)],
  ['a_total_dur', 'Total A', (r) => r.a_total_dur, (r) => dur(r.a_total_dur)],
  ['b_total_dur', 'Total B', (r) => r.b_total_dur, (r) => dur(r.b_total_dur)],
  ['delta_total_dur', '|Δ|', (r) => Math.abs(r.delta_total_dur), (r) => dur(r.delta_total_dur, true)],
  ['ratio', 'Ratio', (r) => r.ratio ?? Infinity, (r) => (r.ratio === null ? '—' : `${r.ratio.toFixed(3)}×`)],
];

const STATUS_ORDER = { slower: 0, added: 1, faster: 2, removed: 3, unchanged: 4 };

/** What the page shows. */
const view = {
  mode: null, // 'summary' | 'compare'
  files: [], // File[]
  doc: null, // the CLI document
  kind: 'kernels', // 'kernels' | 'cpu_ops' | 'categories'
  sort: { key: 'total_dur', desc: true },
};

function kinds() {
  return view.mode === 'compare'
    ? [['kernels', 'Kernels'], ['cpu_ops', 'CPU ops']]
    : [['kernels', 'Kernels'], ['cpu_ops', 'CPU ops'], ['categories', 'Categories']];
}

function columns() {
  if (view.mode === 'compare') return DIFF_COLUMNS;
  return NAME_COLUMNS(view.kind === 'cpu_ops');
}

function allRows() {
  const d = view.doc;
  if (!d) return [];
  if (view.mode === 'compare') return d.diff[view.kind].rows;
  return view.kind === 'categories' ? d.categories : d[view.kind].by_name;
}

function renderKinds() {
  kindSelect.replaceChildren(...kinds().map(([k, label]) => {
    const rows = view.mode === 'compare' ? view.doc?.diff[k].rows : k === 'categories' ? view.doc?.categories : view.doc?.[k].by_name;
    return el('button', {
      type: 'button', role: 'tab', 'aria-selected': String(view.kind === k), className: view.kind === k ? 'active' : '',
      dataset: { kind: k, testid: `trace-kind-${k}` },
    }, label, el('span', { className: 'trace-count' }, rows ? ` ${count(rows.length)}` : ''));
  }));
}

function renderTable() {
  const cols = columns();
  const { key, desc } = view.sort;
  tableHead.replaceChildren(el('tr', {}, ...cols.map(([k, label]) => {
    const sorted = k === key;
    return el('th', {
      scope: 'col', 'aria-sort': sorted ? (desc ? 'descending' : 'ascending') : 'none',
      className: k === 'name' ? 'trace-name' : '',
    }, el('button', { type: 'button', className: 'trace-sort', dataset: { sort: k } }, label,
      el('span', { className: 'trace-arrow', 'aria-hidden': 'true' }, sorted ? (desc ? ' ▼' : ' ▲') : '')));
  })));

  const query = searchInput.value.trim().toLowerCase();
  const all = allRows();
  let rows = query ? all.filter((r) => r.name.toLowerCase().includes(query)) : all.slice();
  const col = cols.find(([k]) => k === key) ?? cols[0];
  const value = col[2];
  const sign = desc ? -1 : 1;
  rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
    if (c !== 0 && !Number.isNaN(c)) return sign * c;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const shown = rows.slice(0, MAX_ROWS);
  tableBody.replaceChildren(...shown.map((r) => {
    const tr = el('tr', { dataset: { name: r.name } });
    if (r.status) tr.dataset.status = r.status;
    for (const [k, , , format] of cols) {
      if (k === 'name') {
        tr.append(el('th', { scope: 'row', className: 'trace-name', title: r.name }, r.name));
      } else if (k === 'status') {
        tr.append(el('td', { className: 'trace-status-cell' }, el('span', { className: `trace-pill ${r.status}` }, r.status)));
      } else {
        const raw = k.endsWith('_dur') ? exactUs(r[k]) : '';
        tr.append(el('td', { title: raw, className: k === 'delta_total_dur' && r[k] !== 0 ? (r[k] > 0 ? 'trace-up' : 'trace-down') : '' }, format(r)));
      }
    }
    return tr;
  }));
  const noun = view.kind === 'categories' ? 'categories' : 'names';
  tableCaption.textContent = rows.length === 0
    ? (query ? `No ${noun} match “${searchInput.value.trim()}”.` : `No ${noun}.`)
    : `${rows.length > MAX_ROWS ? `First ${count(MAX_ROWS)} of ` : ''}${count(rows.length)} ${noun}` +
      `${query ? ` matching “${searchInput.value.trim()}” (of ${count(all.length)})` : ''}` +
      ' · click a column header to sort · hover a duration for the exact µs';
  table.dataset.rows = String(rows.length);
}

// ---------------------------------------------------------------- summary

function dlItems(target, items) {
  target.replaceChildren(...termItems(items.map(([k, v, t]) => [k, v, { title: t ?? '' }])));
}

function renderSummary(s) {
  const devices = s.devices ?? [];
  const sum = (key) => devices.reduce((acc, d) => acc + d[key], 0);
  const steps = s.profiler_steps;
  const stepTotal = steps.reduce((acc, st) => acc + st.dur, 0);
  dlItems(totalsEl, [
    ['Events', count(s.events)],
    ['Time span', s.x_span ? dur(s.x_span.span) : '—', s.x_span ? exactUs(s.x_span.span) : ''],
    ['Kernel time', `${dur(s.kernels.total_dur)} · ${count(s.kernels.count)} kernels`, exactUs(s.kernels.total_dur)],
    ['CPU-op time', `${dur(s.cpu_ops.total_dur)} · ${count(s.cpu_ops.count)} ops`, exactUs(s.cpu_ops.total_dur)],
    ['GPU busy', devices.length ? `${dur(sum('busy'))} (${pct(sum('busy'), sum('span'))})` : '—', 'union of kernel intervals, summed over devices'],
    ['GPU idle', devices.length ? dur(sum('idle')) : '—', 'first kernel start to last kernel end, minus busy'],
    ['NCCL', devices.length ? `${dur(sum('comm_busy'))} · overlap ${dur(sum('overlap'))}` : '—',
      'communication kernels running, and the time they overlap compute kernels'],
    ['Profiler steps', steps.length ? `${count(steps.length)} · mean ${dur(stepTotal / steps.length)}` : 'none'],
  ]);

  // One column per ProfilerStep: height ∝ duration, the filled part = its kernel time.
  stepsBox.hidden = steps.length === 0;
  const longest = steps.reduce((m, st) => Math.max(m, st.dur), 1e-9);
  stepsChart.classList.toggle('dense', steps.length > 150);
  stepsChart.replaceChildren(...steps.map((st, i) => {
    const gpu = Math.min(st.kernel_dur / Math.max(st.dur, 1e-9), 1);
    const text = `${st.name}: ${dur(st.dur)} · ${count(st.kernels)} kernels · GPU ${dur(st.kernel_dur)} (${pct(st.kernel_dur, st.dur)})`;
    return el('div', {
      className: 'trace-step', role: 'listitem', tabIndex: 0, title: text, 'aria-label': text,
      dataset: { index: String(i), testid: 'trace-step' },
      style: `--h: ${((st.dur / longest) * 100).toFixed(2)}%; --gpu: ${(gpu * 100).toFixed(2)}%`,
    }, el('div', { className: 'trace-step-bar' }, el('div', { className: 'trace-step-gpu' })));
  }));
  stepsAxis.replaceChildren(
    el('span', {}, steps[0]?.name ?? ''),
    el('span', {}, `tallest ${dur(longest)} · dark = GPU kernel time`),
    el('span', {}, steps.at(-1)?.name ?? ''),
  );
  stepsReadout.textContent = 'Hover a step for its numbers.';

  streamsBox.hidden = s.streams.length === 0;
  streamsBody.replaceChildren(...s.streams.map((b) => tableRow([b.name, count(b.kernels), dur(b.kernel_dur), dur(b.busy),
    dur(b.idle), pct(b.busy, b.span), dur(b.comm_busy), dur(b.compute_busy), dur(b.overlap)])));
}

function showStep(target) {
  const step = target?.closest?.('.trace-step');
  if (!step) return;
  stepsReadout.textContent = step.title;
  for (const s of stepsChart.querySelectorAll('.trace-step.active')) s.classList.remove('active');
  step.classList.add('active');
}
stepsChart.addEventListener('mouseover', (e) => showStep(e.target));
stepsChart.addEventListener('focusin', (e) => showStep(e.target));

// ---------------------------------------------------------------- comparison

function renderDiffTotals(doc) {
  const { kernels: k, cpu_ops: o } = doc.diff;
  const side = (d) => `${dur(d.a_total_dur)} → ${dur(d.b_total_dur)} (${dur(d.delta_total_dur, true)}, ${d.a_total_dur > 0 ? `${((d.delta_total_dur / d.a_total_dur) * 100).toFixed(1)} %` : '—'})`;
  const names = (d) => `${count(d.in_both)} in both · ${count(d.only_in_b.length)} added · ${count(d.only_in_a.length)} removed`;
  const statuses = (d) => {
    const n = { slower: 0, faster: 0 };
    for (const r of d.rows) if (r.status in n) n[r.status] += 1;
    return `${count(n.slower)} slower · ${count(n.faster)} faster`;
  };
  dlItems(diffTotals, [
    ['Kernel time A → B', side(k), `${exactUs(k.a_total_dur)} → ${exactUs(k.b_total_dur)}`],
    ['Kernels', `${names(k)} · ${statuses(k)}`],
    ['CPU-op time A → B', side(o), `${exactUs(o.a_total_dur)} → ${exactUs(o.b_total_dur)}`],
    ['CPU ops', `${names(o)} · ${statuses(o)}`],
  ]);
}

// ---------------------------------------------------------------- running

let running = null; // AbortController of the run in progress
let comparison = null; // the open compareTraces document (keeps its worker)
let runs = 0;

function setState(state) {
  resultEl.dataset.state = state;
  section.dataset.state = state;
}

function resetView() {
  running?.abort();
  running = null;
  comparison?.close();
  comparison = null;
  view.doc = null;
  delete resultEl.dataset.json;
  delete resultEl.dataset.mode;
  setError(errorEl, '');
  status.hide();
  cancelButton.hidden = true;
  resultEl.hidden = true;
  setState('idle');
}

function layout() {
  const compare = view.mode === 'compare';
  title.textContent = compare ? 'Profiler trace comparison' : 'Profiler trace';
  filesLine.replaceChildren(...(compare
    ? [el('span', { className: 'trace-tag' }, 'A'), ` ${view.files[0].name} `, el('span', { className: 'trace-tag' }, 'B'), ` ${view.files[1].name}`]
    : [view.files[0].name]));
  compareLabel.hidden = compare;
  swapButton.hidden = !compare;
  totalsEl.hidden = compare;
  stepsBox.hidden = compare;
  streamsBox.hidden = compare;
  diffTotals.hidden = !compare;
  thresholdField.hidden = !compare;
  view.kind = 'kernels';
  view.sort = compare ? { key: 'delta_total_dur', desc: true } : { key: 'total_dur', desc: true };
}

/** Summarise `files[0]`, or compare `files[0]` (A) with `files[1]` (B). */
async function run(files) {
  resetView();
  const runId = ++runs;
  resultEl.dataset.run = String(runId);
  view.files = files;
  view.mode = files.length === 2 ? 'compare' : 'summary';
  resultEl.dataset.mode = view.mode;
  layout();
  section.hidden = false;
  const controller = new AbortController();
  running = controller;
  setState('running');
  cancelButton.hidden = false;
  const bytes = files.reduce((s, f) => s + f.size, 0);
  status.start(bytes);
  const onProgress = ({ loaded, total, index }) => {
    if (running !== controller) return;
    status.bar.value = loaded;
    status.set(`${files.length === 2 ? `${index === 0 ? 'A' : 'B'} · ` : ''}${progressText(loaded, total, status.seconds())}`);
  };
  try {
    const doc = view.mode === 'compare'
      ? await compareTraces(files[0], files[1], { threshold: readThreshold(), onProgress, signal: controller.signal })
      : await summarizeTrace(files[0], { onProgress, signal: controller.signal });
    if (running !== controller) {
      doc.close?.();
      return;
    }
    if (view.mode === 'compare') comparison = doc;
    const seconds = status.seconds();
    status.finish(`${formatBytes(bytes)} ${view.mode === 'compare' ? 'compared' : 'summarised'} in ` +
      `${seconds.toFixed(2)} s · ${formatThroughput(bytes, seconds)}`);
    resultEl.dataset.bytes = String(bytes);
    resultEl.dataset.seconds = seconds.toFixed(3);
    show(doc);
  } catch (e) {
    if (running !== controller) return;
    if (e?.name === 'AbortError') {
      status.set('Cancelled.');
      setState('idle');
    } else {
      status.set('Failed.');
      const file = files[e?.fileIndex ?? 0] ?? files[0];
      setError(errorEl, `Could not read “${file.name}”: ${e?.message ?? e}`);
      setState('error');
    }
  } finally {
    if (running === controller) {
      running = null;
      cancelButton.hidden = true;
    }
  }
}

function show(doc) {
  view.doc = doc;
  if (view.mode === 'compare') renderDiffTotals(doc);
  else renderSummary(doc);
  renderKinds();
  renderTable();
  resultEl.dataset.json = JSON.stringify(doc);
  resultEl.hidden = false;
  setState('done');
}

function readThreshold() {
  const raw = thresholdInput.value.trim();
  const t = raw === '' ? 5 : Number(raw);
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`the threshold must be a percentage >= 0, got “${raw}”`);
  return t;
}

async function rethreshold() {
  if (!comparison || running) return;
  let t;
  try {
    t = readThreshold();
  } catch (e) {
    thresholdInput.setCustomValidity(e.message);
    thresholdInput.reportValidity();
    return;
  }
  thresholdInput.setCustomValidity('');
  const open = comparison;
  try {
    const doc = await open.withThreshold(t);
    if (comparison !== open) return;
    comparison = doc;
    show(doc);
  } catch (e) {
    if (comparison === open) setError(errorEl, `Could not compare again: ${e?.message ?? e}`);
  }
}

// ---------------------------------------------------------------- claiming trace files

/** Take `files` if the first is a trace: hide app.js's capture result and run. */
function claim(fileList) {
  const files = Array.from(fileList ?? []);
  if (files.length === 0 || !isTraceName(files[0].name)) return false;
  // Stop app.js's analysis of a previous capture and hide its stale result.
  const appCancel = document.getElementById('cancel');
  if (appCancel && !appCancel.hidden) appCancel.click();
  for (const id of ['status-box', 'error', 'info-box', 'stats-box']) {
    const node = document.getElementById(id);
    if (node) node.hidden = true;
  }
  claiming = true;
  window.dispatchEvent(new CustomEvent('scopekit:reset'));
  claiming = false;
  if (files.length > 2) {
    resetView();
    view.files = files;
    section.hidden = false;
    setError(errorEl, `Drop one trace for its summary or two to compare them (got ${files.length} files).`);
    setState('error');
    return true;
  }
  if (files.length === 2 && !isTraceName(files[1].name)) {
    resetView();
    section.hidden = false;
    setError(errorEl, `“${files[1].name}” is not a profiler trace (.json or .json.gz): drop two traces to compare them.`);
    setState('error');
    return true;
  }
  run(files);
  return true;
}

let claiming = false;

// Capture phase on window: runs before app.js's own listeners, which never see a trace.
window.addEventListener('change', (event) => {
  if (event.target !== appInput) return;
  if (claim(appInput.files)) {
    event.stopImmediatePropagation();
    appInput.value = '';
  }
}, true);

window.addEventListener('drop', (event) => {
  const inside = appDropZone?.contains(event.target) || section.contains(event.target);
  if (!inside) return;
  if (claim(event.dataTransfer?.files)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    appDropZone?.classList.remove('dragging');
  }
}, true);

// Two traces can be chosen at once in the page's picker (app.js reads the first file only),
// and the drop zone says that it takes traces.
if (appInput) appInput.multiple = true;
appDropZone?.append(el('span', { className: 'drop-hint', dataset: { testid: 'trace-hint' } },
  'Profiler traces (', el('code', {}, '.json'), ', ', el('code', {}, '.json.gz'), '): drop one for its summary, two to compare them'));

compareInput.addEventListener('change', () => {
  const b = compareInput.files?.[0];
  compareInput.value = '';
  if (b && view.files[0]) run([view.files[0], b]);
});
swapButton.addEventListener('click', () => {
  if (view.files.length === 2) run([view.files[1], view.files[0]]);
});
cancelButton.addEventListener('click', () => running?.abort());
thresholdInput.addEventListener('change', rethreshold);
searchInput.addEventListener('input', renderTable);
kindSelect.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-kind]');
  if (!button || button.dataset.kind === view.kind) return;
  view.kind = button.dataset.kind;
  if (view.mode !== 'compare' && view.sort.key === 'self_dur' && view.kind !== 'cpu_ops') view.sort = { key: 'total_dur', desc: true };
  renderKinds();
  renderTable();
});
tableHead.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-sort]');
  if (!button) return;
  const key = button.dataset.sort;
  view.sort = view.sort.key === key
    ? { key, desc: !view.sort.desc }
    : { key, desc: key !== 'name' && key !== 'status' };
  renderTable();
});

window.addEventListener('scopekit:reset', () => {
  if (claiming) return;
  resetView();
  section.hidden = true;
});

section.dataset.ready = 'true';
