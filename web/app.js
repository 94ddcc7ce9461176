// The scopekit page: file picker / drop zone → analyzeFile() → header and statistics table.
//
// Other views (decode.js, ...) are separate modules: they listen for
//   window 'scopekit:file'  { detail: { file, info, viewerPort? } }  a file was dropped and its
//                           header read (`viewerPort`: the waveform viewer's connection to the
//                           worker already building its pyramid from the page's one read)
//   window 'scopekit:reset' {}        a new file replaces the previous one
//   window 'scopekit:cancel' {}       the user cancelled the reading of the file
//
// The file is read once for both the statistics and the viewer's pyramid (issue 8: reading
// the Blob is the limit in a page): one worker (viewer-worker.js 'ingest') pushes each chunk
// into wasm once (IngestSession: one copy, one parse, one decode for the statistics and the
// pyramid), reports the statistics here and answers
// the viewer's queries on a MessagePort.

import { el, formatBytes, formatCount, formatValue } from './ui.js';

const $ = (id) => document.getElementById(id);

const dropZone = $('drop-zone');
const fileInput = $('file-input');
const channelInput = $('channel');
const rateInput = $('rate');
const cancelButton = $('cancel');
const statusBox = $('status-box');
const fileNameEl = $('file-name');
const statusText = $('status-text');
const progressEl = $('progress');
const errorEl = $('error');
const resultEl = $('result');
const infoBox = $('info-box');
const infoEl = $('info');
const statsBox = $('stats-box');
const statsBody = $('stats-body');

let current = null; // AbortController of the running analysis
let workers = null; // the running or last run's workers ({ stop() }), ended by the next run
let resetting = false; // this module is dispatching 'scopekit:reset'
let runs = 0; // analyses started, exposed as result[data-run] for tests and embedders

// ---------------------------------------------------------------- formatting

function formatSeconds(s) {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

function formatRate(bytes, seconds) {
  if (!(seconds > 0)) return '';
  return `${(bytes / seconds / 1048576).toFixed(0)} MiB/s`;
}

// ---------------------------------------------------------------- rendering

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

function clearError() {
  errorEl.textContent = '';
  errorEl.hidden = true;
}

function renderInfo(info) {
  const rows = [
    ['Format', info.npy ? `${info.format} ${info.npy.version}` : info.format],
    ['Data type', info.npy ? `${info.dtype} (${info.npy.descr}, ${info.npy.byte_order}-endian)` : info.dtype],
    ...(info.npy ? [
      ['Shape', `(${info.npy.shape.join(', ')}${info.npy.shape.length === 1 ? ',' : ''})`],
      ['Layout', info.npy.fortran_order ? 'Fortran order (column-major)' : 'C order (row-major)'],
    ] : []),
    ['Channels', formatCount(info.channels)],
    ['Samples per channel', formatCount(info.samples)],
    ...(info.sample_rate ? [['Sample rate', `${formatValue(info.sample_rate)} Sa/s`]] : []),
    ...(info.unit ? [['Unit', info.unit]] : []),
    ...(info.trc ? [
      ['Instrument', `${info.trc.instrument} #${info.trc.instrument_number} (${info.trc.template})`],
      ['Source', [info.trc.wave_source, info.trc.coupling].filter(Boolean).join(', ')],
      ['Segments', `${formatCount(info.trc.segments)} × ${formatCount(info.trc.points_per_segment)} points`],
      ['Vertical', `${formatValue(info.trc.vertical_gain)} × raw − ${formatValue(info.trc.vertical_offset)}`],
      ['Time', `${formatValue(info.trc.horiz_offset)} + i × ${formatValue(info.trc.horiz_interval)} s`],
      ['Trigger', info.trc.trigger_time],
    ] : []),
    ...(info.wav ? [
      ['Container', `${info.wav.container.toUpperCase()}, ${info.wav.sample_format} ${info.wav.bits_per_sample}-bit (${info.wav.valid_bits} valid)`],
      ['Full scale', `value × ${formatValue(info.wav.full_scale)}`],
    ] : []),
    ['Data', `${formatBytes(info.data_bytes)} (${formatCount(info.data_bytes)} bytes) from byte ${formatCount(info.data_offset)}`],
  ];
  infoEl.replaceChildren();
  for (const [name, value] of rows) {
    const wrap = el('div');
    wrap.append(el('dt', {}, name), el('dd', {}, value));
    infoEl.append(wrap);
  }
  infoBox.hidden = false;
}

function renderStats(report) {
  statsBody.replaceChildren();
  for (const c of report.channels) {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, String(c.channel)));
    tr.append(el('td', {}, formatCount(c.count)));
    tr.append(el('td', { className: c.nan_count > 0 ? 'warn' : '' }, formatCount(c.nan_count)));
    for (const key of ['min', 'max', 'mean', 'rms', 'std', 'p50', 'p95', 'p99']) {
      const v = c[key];
      tr.append(el('td', { title: v === null ? 'no non-NaN samples' : String(v) }, formatValue(v)));
    }
    const method = c.quantiles === 'sampled'
      ? `sampled (${formatCount(c.quantile_sample)})`
      : 'exact';
    tr.append(el('td', { className: 'method', title: `from ${formatCount(c.quantile_sample)} values` }, method));
    statsBody.append(tr);
  }
  statsBox.hidden = false;
}

function resetResult() {
  resultEl.dataset.state = 'idle';
  delete resultEl.dataset.json;
  infoBox.hidden = true;
  statsBox.hidden = true;
  infoEl.replaceChildren();
  statsBody.replaceChildren();
}

// ---------------------------------------------------------------- analysis

/**
 * Start reading `file` once for the statistics and the viewer. Returns `{ report,
 * viewerPort, stop }`: `report` resolves to the `scopekit stats --json` document (rejects
 * with the core's error, or an AbortError once `stop()` is called), `viewerPort` is the
 * viewer's connection to the worker; `stop()` ends the run's worker.
 */
function startRun(file, { channel, rate, onProgress, onInfo }) {
  const view = new MessageChannel();
  const stats = new Worker(new URL('./viewer-worker.js', import.meta.url), { type: 'module', name: 'scopekit' });
  stats.postMessage({ type: 'ingest', file, channel, rate, port: view.port2 }, [view.port2]);
  const report = new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      fn(value);
    };
    stats.onmessage = ({ data }) => {
      if (settled) return;
      if (data?.type === 'progress') onProgress({ loaded: data.loaded, total: data.total });
      else if (data?.type === 'info') onInfo(data.info);
      // The worker stays until the next run: it answers the viewer's queries.
      else if (data?.type === 'result') settle(resolve, data.report);
      else if (data?.type === 'error') settle(reject, new Error(data.message));
    };
    stats.onerror = (event) => {
      event.preventDefault?.();
      settle(reject, new Error(`scopekit worker failed${event.message ? `: ${event.message}` : ' to load'}`));
    };
  });
  return {
    report,
    viewerPort: view.port1,
    stop() {
      stats.terminate();
      view.port1.close();
    },
  };
}

function readChannel() {
  const raw = channelInput.value.trim();
  if (raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`channel must be a non-negative integer, got "${raw}"`);
  return n;
}

function readRate() {
  const raw = rateInput.value.trim();
  if (raw === '') return undefined;
  const r = Number(raw);
  if (!(r > 0)) throw new Error(`the VCD rate must be a positive number of samples per second, got "${raw}"`);
  return r;
}

async function run(file) {
  current?.abort();
  workers?.stop();
  workers = null;
  const controller = new AbortController();
  current = controller;

  clearError();
  resetResult();
  statusBox.hidden = false;
  fileNameEl.textContent = file.name;
  progressEl.max = Math.max(file.size, 1);
  progressEl.value = 0;
  statusText.textContent = `0 of ${formatBytes(file.size)}`;
  cancelButton.hidden = false;
  resultEl.dataset.state = 'running';
  resultEl.dataset.run = String(++runs);
  resetting = true;
  window.dispatchEvent(new CustomEvent('scopekit:reset'));
  resetting = false;
  let announced = false;
  let viewerPort = null;
  const announce = (info) => {
    if (announced || current !== controller) return;
    announced = true;
    window.dispatchEvent(new CustomEvent('scopekit:file', { detail: { file, info, viewerPort } }));
  };

  const started = performance.now();
  try {
    const channel = readChannel();
    const rate = readRate();
    const job = startRun(file, {
      channel,
      rate,
      onProgress({ loaded, total }) {
        if (current !== controller) return;
        progressEl.max = Math.max(total, 1);
        progressEl.value = loaded;
        const seconds = (performance.now() - started) / 1000;
        const pct = total > 0 ? Math.floor((loaded / total) * 100) : 100;
        statusText.textContent = loaded >= total && total > 0
          ? `Read ${formatBytes(total)} · computing quantiles…`
          : `${formatBytes(loaded)} of ${formatBytes(total)} (${pct} %)` +
            (seconds > 0.2 ? ` · ${formatRate(loaded, seconds)}` : '') +
            (seconds > 0.5 && loaded > 0 ? ` · ${formatSeconds(((total - loaded) * seconds) / loaded)} left` : '');
      },
      onInfo(info) {
        if (current === controller) {
          renderInfo(info);
          announce(info);
        }
      },
    });
    workers = job;
    viewerPort = job.viewerPort;
    const aborted = new Promise((_, reject) => {
      controller.signal.addEventListener('abort', () => {
        job.stop();
        reject(new DOMException('The analysis was aborted.', 'AbortError'));
      }, { once: true });
    });
    aborted.catch(() => {});
    const report = await Promise.race([job.report, aborted]);
    if (current !== controller) return;
    const seconds = (performance.now() - started) / 1000;
    progressEl.value = progressEl.max;
    statusText.textContent =
      `${formatBytes(file.size)} analysed in ${formatSeconds(seconds)} · ${formatRate(file.size, seconds)}`;
    renderInfo(report.info);
    announce(report.info);
    renderStats(report);
    resultEl.dataset.json = JSON.stringify(report);
    resultEl.dataset.state = 'done';
  } catch (e) {
    if (current !== controller) return;
    if (e?.name === 'AbortError') {
      statusText.textContent = 'Cancelled.';
      resultEl.dataset.state = 'idle';
      window.dispatchEvent(new CustomEvent('scopekit:cancel'));
    } else {
      statusText.textContent = 'Failed.';
      showError(`Could not analyse “${file.name}”: ${e?.message ?? e}`);
      resultEl.dataset.state = 'error';
    }
  } finally {
    if (current === controller) {
      current = null;
      cancelButton.hidden = true;
    }
  }
}

// ---------------------------------------------------------------- wiring

// Another view took over the page (trace.js claims trace files): end the last run's workers,
// which hold the viewer's pyramid.
window.addEventListener('scopekit:reset', () => {
  if (resetting || current) return;
  workers?.stop();
  workers = null;
});

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file) run(file);
  // Allow choosing the same file again.
  fileInput.value = '';
});

cancelButton.addEventListener('click', () => current?.abort());

for (const type of ['dragenter', 'dragover']) {
  dropZone.addEventListener(type, (event) => {
    if (!event.dataTransfer?.types?.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    dropZone.classList.add('dragging');
  });
}
dropZone.addEventListener('dragleave', (event) => {
  if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove('dragging');
});
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  const files = event.dataTransfer?.files;
  if (!files || files.length === 0) return;
  run(files[0]); // one file at a time: extra files are ignored
});

// A file dropped outside the drop zone must not make the browser navigate away.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

document.documentElement.dataset.ready = 'true';
import('./wasm-loader.js').then(({ showWasmBuild }) => showWasmBuild(document.body)); // which wasm build the workers load
