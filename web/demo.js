// The embedding demo (demo.html): wires the "your file" card and the API button.
import { analyze } from './embed.js';

const $ = (id) => document.getElementById(id);
const view = $('view-file');
const fileInput = $('demo-file');
const kind = $('demo-kind');
const roles = $('demo-roles');

function configure() {
  view.setAttribute('kind', kind.value);
  if (kind.value === 'decode') {
    view.setAttribute('protocol', 'uart');
    if (roles.value.trim()) view.setAttribute('roles', roles.value.trim());
    else view.removeAttribute('roles');
  }
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (!file) return;
  configure();
  view.file = file;
  fileInput.value = '';
});
for (const control of [kind, roles]) control.addEventListener('change', configure);
$('demo-form').addEventListener('submit', (e) => e.preventDefault());

const out = $('demo-api-out');
const status = $('demo-api-status');
$('demo-api-run').addEventListener('click', async () => {
  status.textContent = 'running…';
  out.textContent = '';
  try {
    const started = performance.now();
    const report = await analyze('samples/ramp.npy', { kind: 'stats', channel: 1 });
    status.textContent = `resolved in ${(performance.now() - started).toFixed(0)} ms`;
    out.textContent = JSON.stringify(report, null, 2);
    out.dataset.json = JSON.stringify(report);
  } catch (e) {
    status.textContent = `failed: ${e.message}`;
  }
});

// A capture dropped anywhere on the page goes to the "your file" view.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer?.files?.[0];
  if (!file) return;
  configure();
  view.file = file;
});
document.documentElement.dataset.ready = 'true';
