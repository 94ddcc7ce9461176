// Analog view: once an analog capture's header is known (window 'scopekit:file'), a card with
// tabs Measurements | Spectrum | Histogram | Correlate | Filter runs `scopekit measure |
// spectrum | stats --histogram | correlate | filter` in a worker (analog-worker.js, the wasm core) and shows the results
// with web/plot.js.
//
// For tests and embedders:
//   [data-testid="analog-result"]  data-state idle|running|done|error|cancelled, data-kind, data-run,
//                                  data-json (the CLI's --json document of the last run; for
//                                  the filter preview {taps, sos, sample_rate_out})
//   window.scopekitAnalogLast      { kind, doc, curve?, input?, output?, outputFirst?, response?,
//                                    frequencies? } of the last finished run

import { Plot, formatSI } from './plot.js';
import { el, errorBox, fillTable, setError, termPair } from './ui.js';

const section = document.getElementById('analog-view');

const TABS = [
  ['measure', 'Measurements'],
  ['spectrum', 'Spectrum'],
  ['histogram', 'Histogram'],
  ['correlate', 'Correlate'],
  ['filter', 'Filter'],
];

let current = null; // { file, info }
let running = null; // { worker, kind }
let file2 = null;
const plots = {};

// ---------------------------------------------------------------- DOM

function field(label, input) {
  return el('label', { className: 'analog-field' }, label, input);
}

function select(id, options, value) {
  const s = el('select', { id, 'data-testid': id });
  for (const [v, t] of options) s.append(el('option', { value: v, text: t, selected: v === value }));
  return s;
}

function number(id, value, attrs = {}) {
  return el('input', { id, 'data-testid': id, type: 'number', step: 'any', value: String(value), ...attrs });
}

function build() {
  section.setAttribute('aria-label', 'Analog analysis');
  const tablist = el('div', { className: 'analog-tabs', role: 'tablist', 'aria-label': 'Analog analyses' });
  for (const [key, label] of TABS) {
    tablist.append(el('button', {
      type: 'button', role: 'tab', id: `analog-tab-${key}`, 'data-testid': `analog-tab-${key}`,
      'aria-controls': `analog-panel-${key}`, 'aria-selected': key === 'measure' ? 'true' : 'false', text: label,
      onclick: () => selectTab(key),
    }));
  }
  const channel = select('analog-channel', [], '0');
  const run = el('button', { type: 'button', className: 'primary', id: 'analog-run', 'data-testid': 'analog-run', text: 'Run', onclick: () => start() });
  const cancel = el('button', { type: 'button', id: 'analog-cancel', 'data-testid': 'analog-cancel', text: 'Cancel', hidden: true, onclick: () => stop(true) });
  const progress = el('progress', { id: 'analog-progress', 'data-testid': 'analog-progress', value: 0, max: 1, 'aria-label': 'Analysis progress', hidden: true });
  const status = el('span', { id: 'analog-status', 'data-testid': 'analog-status', className: 'analog-status', 'aria-live': 'polite' });
  const controls = el('div', { className: 'analog-controls' }, field('Channel', channel), run, cancel, progress, status);
  const error = errorBox({ id: 'analog-error', 'data-testid': 'analog-error' });
  const result = el('div', { id: 'analog-result', 'data-testid': 'analog-result', 'data-state': 'idle' });

  const panels = {
    measure: el('div', {},
      el('div', { className: 'analog-options' },
        field('Low reference (%)', number('analog-low', 10, { min: 0, max: 100 })),
        field('High reference (%)', number('analog-high', 90, { min: 0, max: 100 }))),
      el('div', { className: 'table-wrap' }, el('table', { className: 'analog-table', id: 'analog-levels', 'data-testid': 'analog-levels' })),
      el('div', { className: 'table-wrap' }, el('table', { className: 'analog-table', id: 'analog-cycles', 'data-testid': 'analog-cycles' })),
      el('p', { className: 'note', text: 'Levels by the histogram method (IEEE 181); per-cycle values over every complete transition. The level histogram itself is not part of the measure report, so it is not drawn.' })),
    spectrum: el('div', {},
      el('div', { className: 'analog-options' },
        field('Window', select('analog-window', [['hann', 'Hann'], ['hamming', 'Hamming'], ['blackman', 'Blackman'], ['blackman-harris', 'Blackman-Harris'], ['flattop', 'Flat top'], ['rectangular', 'Rectangular']], 'hann')),
        field('nfft', number('analog-nfft', 4096, { min: 8, step: 1 })),
        field('Overlap', number('analog-overlap', 0.5, { min: 0, max: 0.99 })),
        field('Average', select('analog-average', [['welch', 'Welch'], ['none', 'Periodogram']], 'welch')),
        field('Scaling', select('analog-scaling', [['density', 'Density (V²/Hz)'], ['spectrum', 'Spectrum (V²)']], 'density')),
        field('Spectrogram', el('input', { type: 'checkbox', id: 'analog-spectrogram', 'data-testid': 'analog-spectrogram', checked: true })),
        field('Log frequency', el('input', { type: 'checkbox', id: 'analog-logx', 'data-testid': 'analog-logx', onchange: onLogX }))),
      el('canvas', { className: 'analog-plot', id: 'analog-spectrum-plot', 'data-testid': 'analog-spectrum-plot' }),
      el('div', { className: 'analog-two' },
        el('div', { className: 'table-wrap' }, el('table', { className: 'analog-table', id: 'analog-peaks', 'data-testid': 'analog-peaks' })),
        el('div', { className: 'table-wrap' }, el('table', { className: 'analog-table', id: 'analog-metrics', 'data-testid': 'analog-metrics' }))),
      el('canvas', { className: 'analog-plot analog-spectrogram', id: 'analog-spectrogram-plot', 'data-testid': 'analog-spectrogram-plot', hidden: true })),
    histogram: el('div', {},
      el('div', { className: 'analog-options' },
        field('Bins', number('analog-bins', 100, { min: 1, max: 1000000, step: 1 })),
        field('From', number('analog-hist-lo', '', { placeholder: 'min' })),
        field('To', number('analog-hist-hi', '', { placeholder: 'max' }))),
      el('canvas', { className: 'analog-plot', id: 'analog-hist-plot', 'data-testid': 'analog-hist-plot' }),
      el('dl', { className: 'analog-dl', id: 'analog-hist', 'data-testid': 'analog-hist' }),
      el('p', { className: 'note', text: 'Bins as numpy.histogram draws them (the last bin includes its right edge); NaN and Inf are counted apart, never binned. The same as scopekit stats --histogram N.' })),
    correlate: el('div', {},
      el('div', { className: 'analog-options' },
        field('Against', select('analog-against', [], '')),
        field('Second file', el('input', { type: 'file', id: 'analog-file2', 'data-testid': 'analog-file2', onchange: onFile2 })),
        field('Max lag (samples)', number('analog-maxlag', 1000, { min: 0, step: 1 })),
        field('Precision', select('analog-precision', [['', 'auto (f32 for two float32 inputs)'], ['f32', 'f32'], ['f64', 'f64']], ''))),
      el('dl', { className: 'analog-dl', id: 'analog-corr', 'data-testid': 'analog-corr' }),
      el('canvas', { className: 'analog-plot', id: 'analog-corr-plot', 'data-testid': 'analog-corr-plot' })),
    filter: el('div', {},
      el('div', { className: 'analog-options' },
        field('Type', select('analog-band', [['lowpass', 'Lowpass'], ['highpass', 'Highpass'], ['bandpass', 'Bandpass'], ['bandstop', 'Bandstop'], ['none', 'None']], 'lowpass')),
        field('Corner / low edge (Hz)', number('analog-f1', 0, { min: 0 })),
        field('High edge (Hz)', number('analog-f2', 0, { min: 0 })),
        field('Design', select('analog-design', [['butter', 'Butterworth'], ['cheby1', 'Chebyshev I'], ['fir', 'FIR (Hamming)']], 'butter')),
        field('Ripple (dB)', number('analog-ripple', 1, { min: 0 })),
        field('Order', number('analog-order', 4, { min: 1, step: 1 })),
        field('Moving average', number('analog-moving', '', { min: 1, step: 1, placeholder: '—' })),
        field('Decimate', number('analog-decimate', '', { min: 1, step: 1, placeholder: '—' })),
        field('Window start', number('analog-first', 0, { min: 0, step: 1 })),
        field('Window length', number('analog-count', 2000, { min: 1, step: 1 }))),
      el('canvas', { className: 'analog-plot', id: 'analog-filter-plot', 'data-testid': 'analog-filter-plot' }),
      el('canvas', { className: 'analog-plot', id: 'analog-response-plot', 'data-testid': 'analog-response-plot' })),
  };
  const panelEls = TABS.map(([key, label]) => el('div', {
    role: 'tabpanel', id: `analog-panel-${key}`, 'data-testid': `analog-panel-${key}`, 'aria-labelledby': `analog-tab-${key}`,
    className: 'analog-panel', hidden: key !== 'measure',
  }, panels[key]));
  result.append(...panelEls);
  section.append(el('h2', { text: 'Analog analysis' }), tablist, controls, error, result);

  plots.spectrum = new Plot(document.getElementById('analog-spectrum-plot'), { x: { label: 'Frequency', unit: 'Hz' }, y: { label: 'PSD', unit: 'dB' }, label: 'Power spectral density' });
  plots.spectrogram = new Plot(document.getElementById('analog-spectrogram-plot'), { x: { label: 'Frequency', unit: 'Hz' }, y: { label: 'Time', unit: 's' }, label: 'Spectrogram' });
  plots.hist = new Plot(document.getElementById('analog-hist-plot'), { x: { label: 'Value', unit: '' }, y: { label: 'Count', unit: '' }, label: 'Histogram' });
  plots.corr = new Plot(document.getElementById('analog-corr-plot'), { x: { label: 'Lag (samples)', unit: '' }, y: { label: 'Correlation', unit: '' }, label: 'Cross-correlation around the peak' });
  plots.filter = new Plot(document.getElementById('analog-filter-plot'), { x: { label: 'Time', unit: 's' }, y: { label: 'Value', unit: '' }, label: 'Signal before and after the filter', legend: true });
  plots.response = new Plot(document.getElementById('analog-response-plot'), { x: { label: 'Frequency', unit: 'Hz' }, y: { label: '|H|', unit: 'dB', min: -120 }, label: 'Magnitude response' });
}

const $ = (id) => document.getElementById(id);

function activeTab() {
  return TABS.find(([key]) => $(`analog-tab-${key}`).getAttribute('aria-selected') === 'true')[0];
}

function selectTab(key) {
  for (const [k] of TABS) {
    $(`analog-tab-${k}`).setAttribute('aria-selected', String(k === key));
    $(`analog-panel-${k}`).hidden = k !== key;
  }
  for (const p of Object.values(plots)) p.draw();
}

function onLogX() {
  const log = $('analog-logx').checked;
  plots.spectrum.setAxis('x', { log });
  plots.spectrogram.setAxis('x', { log });
  plots.response.setAxis('x', { log });
}

function onFile2() {
  file2 = $('analog-file2').files?.[0] ?? null;
  fillAgainst();
  if (file2) $('analog-against').value = 'file2';
}

function channelName(info, i) {
  const col = info?.csv?.columns?.[i]?.[0];
  return col ? `${i}: ${col}` : `${i}`;
}

function fillAgainst() {
  const s = $('analog-against');
  const prev = s.value;
  s.replaceChildren();
  const n = Number(current?.info?.channels ?? 0);
  for (let i = 0; i < n; i++) s.append(el('option', { value: `ch${i}`, text: `this file, channel ${channelName(current.info, i)}` }));
  if (file2) s.append(el('option', { value: 'file2', text: `${file2.name}, channel 0` }));
  const a = Number($('analog-channel').value);
  s.value = [...s.options].some((o) => o.value === prev) ? prev : `ch${n > 1 ? (a + 1) % n : 0}`;
}

// ---------------------------------------------------------------- running

function setState(state, kind) {
  const r = $('analog-result');
  r.dataset.state = state;
  if (kind) r.dataset.kind = kind;
}

function showError(message) {
  setError($('analog-error'), message);
}

function stop(cancelled) {
  if (!running) return;
  running.worker.terminate();
  running = null;
  $('analog-cancel').hidden = true;
  $('analog-progress').hidden = true;
  $('analog-run').disabled = false;
  if (cancelled) {
    $('analog-status').textContent = 'Cancelled.';
    setState('cancelled');
  }
}

function num(id) {
  const v = $(id).value.trim();
  return v === '' ? null : Number(v);
}

function options(kind) {
  const channel = Number($('analog-channel').value);
  const info = current.info;
  if (kind === 'measure') return { channel, low: num('analog-low'), high: num('analog-high') };
  if (kind === 'histogram') {
    const bins = num('analog-bins');
    if (!Number.isInteger(bins) || bins < 1 || bins > 1_000_000) throw new Error('the bins are a whole number from 1 to 1000000');
    const lo = num('analog-hist-lo');
    const hi = num('analog-hist-hi');
    if ((lo === null) !== (hi === null)) throw new Error('give both ends of the range, or neither');
    return { channel, bins, lo, hi };
  }
  if (kind === 'spectrum') {
    return {
      channel, window: $('analog-window').value, nfft: num('analog-nfft'), overlap: num('analog-overlap') ?? 0.5,
      average: $('analog-average').value, scaling: $('analog-scaling').value, harmonics: 5, peaks: 10,
      spectrogram: $('analog-spectrogram').checked,
      // Range workers reading the file (analog-worker.js; tests and benches set 0 for one reader).
      rangeWorkers: window.scopekitRangeWorkers,
    };
  }
  if (kind === 'correlate') {
    const against = $('analog-against').value;
    const maxLag = num('analog-maxlag');
    if (!Number.isInteger(maxLag) || maxLag < 0) throw new Error('the maximum lag is a whole number of samples ≥ 0');
    const precision = $('analog-precision').value;
    if (against === 'file2') return { channelA: channel, channelB: 0, maxLag, precision, file2 };
    return { channelA: channel, channelB: Number(against.slice(2)), maxLag, precision };
  }
  const sampleRate = info.sample_rate;
  if (!sampleRate) throw new Error('the capture records no sample rate: the filter corners are in Hz');
  const frequencies = responseFrequencies(sampleRate);
  return {
    channel, band: $('analog-band').value, f1: num('analog-f1') ?? 0, f2: num('analog-f2') ?? 0,
    design: $('analog-design').value, ripple: num('analog-ripple') ?? 1, order: num('analog-order') ?? 4,
    movingAverage: num('analog-moving'), decimate: num('analog-decimate'), sampleRate,
    first: num('analog-first') ?? 0, count: num('analog-count') ?? 2000, frequencies,
  };
}

/** 1024 linear and 1024 log-spaced frequencies in (0, fs/2], merged. */
function responseFrequencies(fs) {
  const ny = fs / 2;
  const f = [];
  for (let i = 0; i <= 1024; i++) f.push((ny * i) / 1024);
  for (let i = 0; i < 1024; i++) f.push(ny * 10 ** (-5 + (5 * i) / 1023));
  f.sort((a, b) => a - b);
  return Float64Array.from(f.filter((v, i) => i === 0 || v !== f[i - 1]));
}

/** Run the active tab's analysis; resolves to the worker's 'done' message. */
export function start(kind = activeTab()) {
  if (!current) return Promise.resolve(null);
  stop(false);
  showError('');
  const resultEl = $('analog-result');
  resultEl.dataset.run = String(Number(resultEl.dataset.run ?? 0) + 1);
  let opts;
  try {
    opts = options(kind);
  } catch (e) {
    showError(e.message);
    setState('error', kind);
    return Promise.resolve(null);
  }
  const { file } = current;
  const second = opts.file2;
  delete opts.file2;
  const worker = new Worker(new URL('./analog-worker.js', import.meta.url), { type: 'module', name: 'scopekit-analog' });
  running = { worker, kind };
  const mine = running;
  setState('running', kind);
  $('analog-run').disabled = true;
  $('analog-cancel').hidden = false;
  const bar = $('analog-progress');
  bar.hidden = false;
  bar.value = 0;
  const status = $('analog-status');
  status.textContent = 'Starting…';
  const started = performance.now();
  return new Promise((resolve) => {
    worker.onmessage = ({ data }) => {
      if (running !== mine) return;
      if (data.type === 'progress') {
        bar.max = Math.max(data.total, 1) * data.passes;
        bar.value = data.loaded + (data.pass - 1) * data.total;
        const pct = Math.round((100 * bar.value) / bar.max);
        status.textContent = data.passes > 1 ? `Pass ${data.pass} of ${data.passes} — ${pct} %` : `${pct} %`;
        return;
      }
      stop(false);
      if (data.type === 'error') {
        status.textContent = 'Failed.';
        showError(`${TABS.find(([k]) => k === kind)[1]} of “${file.name}” failed: ${data.message}`);
        setState('error', kind);
        resolve(null);
        return;
      }
      status.textContent = `Done in ${((performance.now() - started) / 1000).toFixed(2)} s.`;
      const last = { kind, ...data };
      delete last.type;
      if (kind === 'filter') last.frequencies = opts.frequencies;
      window.scopekitAnalogLast = last;
      $('analog-result').dataset.json = JSON.stringify(data.doc);
      try {
        render(kind, last, opts);
      } catch (e) {
        showError(`Could not show the result: ${e.message}`);
      }
      setState('done', kind);
      resolve(last);
    };
    worker.onerror = (e) => {
      if (running !== mine) return;
      stop(false);
      showError(`The analysis worker failed: ${e.message ?? e}`);
      setState('error', kind);
      resolve(null);
    };
    worker.postMessage({ kind, file, file2: second, options: opts });
  });
}

// ---------------------------------------------------------------- rendering

function fmt(v, unit = '') {
  return v === null || v === undefined ? '—' : formatSI(v, unit, 6);
}

function render(kind, last) {
  if (kind === 'measure') renderMeasure(last.doc);
  else if (kind === 'spectrum') renderSpectrum(last.doc);
  else if (kind === 'histogram') renderHistogram(last.doc);
  else if (kind === 'correlate') renderCorrelate(last);
  else renderFilter(last);
}

function renderMeasure(r) {
  const v = current.info.unit || '';
  const value = (m) => (m.value !== null && m.value !== undefined ? fmt(m.value, v) : `not applicable: ${m.reason ?? 'no value'}`);
  fillTable($('analog-levels'), ['Level', 'Value'], [
    ['Samples', `${r.samples} (${r.nonfinite} NaN/Inf skipped)`],
    ['References', `${r.reference_percent[0]} % / 50 % / ${r.reference_percent[1]} %`],
    ['Top', value(r.top)], ['Base', value(r.base)], ['Amplitude', value(r.amplitude)],
    ['High', value(r.high)], ['Low', value(r.low)], ['Peak-to-peak', value(r.peak_to_peak)],
    ['Mean', value(r.mean)], ['RMS (DC)', value(r.rms_dc)], ['RMS (AC)', value(r.rms_ac)],
    ['Transitions', `${r.rising_transitions} rising, ${r.falling_transitions} falling`],
  ]);
  const t = r.unit;
  const per = v ? `${v}/${t}` : `/${t}`;
  const list = [
    ['Rise time', t, r.rise_time], ['Fall time', t, r.fall_time],
    ['Slew rate rising', per, r.slew_rate_rising], ['Slew rate falling', per, r.slew_rate_falling],
    ['Period', t, r.period], ['Frequency', t === 's' ? 'Hz' : `/${t}`, r.frequency],
    ['Duty cycle', '%', r.duty_cycle], ['Positive width', t, r.positive_width], ['Negative width', t, r.negative_width],
    ['Overshoot', '%', r.overshoot], ['Undershoot', '%', r.undershoot], ['Preshoot', '%', r.preshoot],
  ];
  fillTable($('analog-cycles'), ['Per cycle', 'Unit', 'Count', 'Mean', 'Std', 'Min', 'Max', 'p50', 'p95', 'p99'], list.map(([name, unit, p]) => {
    const u = unit === 's' || unit === 'Hz' ? unit : '';
    if ((p.value === null || p.value === undefined) && p.reason) {
      return [name, unit, String(p.count ?? 0), `not applicable: ${p.reason}`, '', '', '', '', '', ''];
    }
    return [name, unit, String(p.count ?? 0), fmt(p.mean, u), fmt(p.std, u), fmt(p.min, u), fmt(p.max, u), fmt(p.p50, u), fmt(p.p95, u), fmt(p.p99, u)];
  }));
  const cells = $('analog-cycles').querySelectorAll('td');
  for (const c of cells) if (c.textContent.startsWith('not applicable')) { c.colSpan = 7; c.className = 'analog-na'; }
  for (const c of [...cells]) if (c.textContent === '' && c.previousElementSibling?.className === 'analog-na') c.remove();
}

function renderSpectrum(r) {
  const unit = r.frequency_unit === 'Hz' ? 'Hz' : '';
  const db = Float64Array.from(r.psd, (p) => 10 * Math.log10(p));
  plots.spectrum.setAxis('x', { unit, label: r.frequency_unit === 'Hz' ? 'Frequency' : 'Frequency (cycles/sample)' });
  plots.spectrum.setAxis('y', { label: r.scaling === 'density' ? 'PSD (dB re 1 V²/Hz)' : 'Power (dB re 1 V²)' });
  plots.spectrum.setSeries([{ x: Float64Array.from(r.frequencies), y: db, label: 'PSD' }]);
  plots.spectrum.setMarkers(r.peaks.slice(0, 1).map((p) => ({ axis: 'x', value: p.frequency, label: '#1' })));
  fillTable($('analog-peaks'), ['Peak', 'Frequency', 'Level (dB)'], r.peaks.map((p, i) => [`#${i + 1}`, fmt(p.frequency, unit), p.level_db.toFixed(2)]));
  const m = r.metrics;
  if (m && 'not_applicable' in m) {
    fillTable($('analog-metrics'), ['Metric', 'Value'], [['Single-tone metrics', `not applicable: ${m.not_applicable}`]]);
  } else {
    fillTable($('analog-metrics'), ['Metric', 'Value'], [
      ['Fundamental', fmt(m.frequency, unit)], ['Amplitude', fmt(m.amplitude)],
      ['THD', `${m.thd_db.toFixed(2)} dB`], ['SNR', `${m.snr_db.toFixed(2)} dB`], ['SINAD', `${m.sinad_db.toFixed(2)} dB`],
      ['ENOB', `${m.enob.toFixed(2)} bits`], ['SFDR', `${m.sfdr_db.toFixed(2)} dB`],
    ]);
  }
  const sg = r.spectrogram;
  const canvas = $('analog-spectrogram-plot');
  canvas.hidden = !sg || sg.times.length === 0;
  if (!canvas.hidden) {
    const width = sg.frequencies.length;
    const height = sg.times.length;
    const data = new Float32Array(width * height);
    sg.db.forEach((row, i) => data.set(row, i * width));
    const step = height > 1 ? sg.times[1] - sg.times[0] : 1;
    const finite = [...data].filter(Number.isFinite).sort((a, b) => a - b);
    plots.spectrogram.setAxis('x', { unit });
    plots.spectrogram.setAxis('y', { unit: r.frequency_unit === 'Hz' ? 's' : '', label: r.frequency_unit === 'Hz' ? 'Time' : 'Time (samples)' });
    plots.spectrogram.setImage({
      width, height, data, x: [sg.frequencies[0], sg.frequencies[width - 1]], y: [sg.times[0], sg.times[height - 1] + step],
      min: finite[Math.floor(finite.length * 0.02)], max: finite[finite.length - 1],
    });
  }
}

function renderHistogram(h) {
  const unit = current.info.unit || '';
  const edges = Array.from({ length: h.bins + 1 }, (_, i) => h.lo + ((h.hi - h.lo) * i) / h.bins);
  edges[h.bins] = h.hi;
  plots.hist.setAxis('x', { unit, label: 'Value' });
  plots.hist.setBars({ edges, counts: h.counts, color: '--plot-1' });
  const dl = $('analog-hist');
  dl.replaceChildren();
  const add = (k, v) => dl.append(...termPair(k, v));
  const total = h.counts.reduce((a, b) => a + b, 0);
  add('Range', `${fmt(h.lo, unit)} … ${fmt(h.hi, unit)} in ${h.bins} bins of ${fmt((h.hi - h.lo) / h.bins, unit)}`);
  add('Binned', String(total));
  add('Below / above', `${h.below} / ${h.above}`);
  add('NaN or Inf', String(h.nonfinite));
  const mode = h.counts.reduce((best, c, i) => (c > h.counts[best] ? i : best), 0);
  if (total > 0) add('Fullest bin', `${fmt(edges[mode], unit)} … ${fmt(edges[mode + 1], unit)}: ${h.counts[mode]}`);
}

function renderCorrelate({ doc, curve }) {
  const dl = $('analog-corr');
  dl.replaceChildren();
  const add = (k, v) => dl.append(...termPair(k, v));
  add('Samples', `${doc.samples[0]} / ${doc.samples[1]}`);
  add('Lags searched', `−${doc.max_lag} … ${doc.max_lag} (${doc.method}, ${doc.precision})`);
  if (doc.peak) {
    add('Peak lag', `${doc.peak.lag} samples (${doc.peak.lag_interpolated.toFixed(4)} interpolated)`);
    add('Peak value', fmt(doc.peak.value));
  } else add('Peak', 'none (all values NaN)');
  add('Coefficient', doc.coefficient === null ? 'n/a' : doc.coefficient.toFixed(6));
  add('Delay', doc.delay_seconds === null || doc.delay_seconds === undefined ? '— (no sample rate)' : fmt(doc.delay_seconds, 's'));
  const L = doc.max_lag;
  const centre = doc.peak ? doc.peak.lag : 0;
  const half = Math.min(L, 1000);
  const from = Math.max(-L, centre - half);
  const to = Math.min(L, centre + half);
  const x = [];
  const y = [];
  for (let lag = from; lag <= to; lag++) {
    x.push(lag);
    y.push(curve[lag + L]);
  }
  plots.corr.setSeries([{ x, y, label: 'c[lag]' }]);
  plots.corr.setMarkers(doc.peak ? [{ axis: 'x', value: doc.peak.lag_interpolated, label: 'peak' }] : []);
}

function renderFilter(last) {
  const fs = current.info.sample_rate;
  const m = last.doc.sample_rate_out ? fs / last.doc.sample_rate_out : 1;
  const first = num('analog-first') ?? 0;
  const xin = Float64Array.from(last.input, (_, i) => (first + i) / fs);
  const xout = Float64Array.from(last.output, (_, j) => ((last.outputFirst + j) * m) / fs);
  plots.filter.setAxis('y', { unit: current.info.unit || '' });
  plots.filter.setSeries([
    { x: xin, y: last.input, label: 'before', color: '--plot-1' },
    { x: xout, y: last.output, label: 'after', color: '--plot-2', width: 1.6 },
  ]);
  const db = Float64Array.from(last.response, (h) => 20 * Math.log10(h));
  plots.response.setSeries([{ x: last.frequencies, y: db, label: '|H(f)|' }]);
  const f1 = num('analog-f1');
  const f2 = num('analog-f2');
  const band = $('analog-band').value;
  const marks = [];
  if (band !== 'none' && f1) marks.push({ axis: 'x', value: f1, label: 'f1' });
  if ((band === 'bandpass' || band === 'bandstop') && f2) marks.push({ axis: 'x', value: f2, label: 'f2' });
  plots.response.setMarkers(marks);
}

// ---------------------------------------------------------------- wiring

function reset() {
  stop(false);
  current = null;
  section.hidden = true;
  setState('idle');
  showError('');
  $('analog-status').textContent = '';
  delete $('analog-result').dataset.json;
  window.scopekitAnalogLast = null;
  for (const id of ['analog-levels', 'analog-cycles', 'analog-peaks', 'analog-metrics']) $(id).replaceChildren();
  $('analog-corr').replaceChildren();
  for (const p of Object.values(plots)) {
    p.setSeries([]);
    p.setMarkers([]);
  }
  plots.spectrogram.setImage(null);
  $('analog-spectrogram-plot').hidden = true;
}

build();
window.addEventListener('scopekit:reset', reset);
window.addEventListener('scopekit:file', (event) => {
  const { file, info } = event.detail ?? {};
  if (!file || !info || info.format === 'sigrok' || info.format === 'vcd') return;
  reset();
  current = { file, info };
  const ch = $('analog-channel');
  ch.replaceChildren();
  for (let i = 0; i < Number(info.channels); i++) ch.append(el('option', { value: String(i), text: channelName(info, i) }));
  ch.onchange = fillAgainst;
  fillAgainst();
  const fs = info.sample_rate;
  if (fs) {
    $('analog-f1').value = String(Number((fs / 20).toPrecision(3)));
    $('analog-f2').value = String(Number((fs / 5).toPrecision(3)));
  }
  section.hidden = false;
});
section.dataset.ready = 'true';
