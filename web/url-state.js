// Shareable analysis settings in the page's URL fragment (never the data, never file names):
//
//   #channel=1&rate=1e6&protocol=uart&opt.baudrate=9600&role.tx=0
//
// channel / rate: the statistics inputs (#channel, #rate). protocol, opt.KEY, role.ROLE: the
// protocol decoder's form (decode.js builds it when a file arrives; the settings are applied
// then). The fragment is rewritten with history.replaceState as the settings change, so a
// copied address reproduces the analysis on the same file. Loading it only fills the inputs.

const KEYS = /^(channel|rate|protocol|opt\.[a-z0-9_]+|role\.[a-z0-9_]+)$/;

/** The settings in a fragment ("#a=1&b=2"), as a Map of the known keys only. */
export function parseState(hash) {
  const state = new Map();
  for (const [k, v] of new URLSearchParams(String(hash ?? '').replace(/^#/, ''))) {
    if (KEYS.test(k) && v.length <= 64) state.set(k, v);
  }
  return state;
}

/** A fragment for the settings (empty values left out). */
export function formatState(state) {
  const params = new URLSearchParams();
  for (const [k, v] of state) if (KEYS.test(k) && v !== '' && v !== null && v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `#${s}` : '';
}

const $ = (id) => document.getElementById(id);
const decodeView = () => $('decode-view');

/** The page's current settings. */
export function readPage() {
  const state = new Map();
  for (const id of ['channel', 'rate']) {
    const v = $(id)?.value.trim();
    if (v) state.set(id, v);
  }
  const view = decodeView();
  if (view && !view.hidden) {
    const protocol = view.querySelector('[data-testid="decode-protocol"]')?.value;
    if (protocol) state.set('protocol', protocol);
    for (const c of view.querySelectorAll('[data-option]')) {
      state.set(`opt.${c.dataset.option}`, c.type === 'checkbox' ? String(c.checked) : c.value);
    }
    for (const c of view.querySelectorAll('select[data-role]')) state.set(`role.${c.dataset.role}`, c.value);
  } else {
    // Keep the decoder's part of the fragment while no file is loaded.
    for (const [k, v] of parseState(location.hash)) if (!['channel', 'rate'].includes(k)) state.set(k, v);
  }
  return state;
}

function save() {
  const hash = formatState(readPage());
  if (hash !== location.hash && !(hash === '' && location.hash === '#')) {
    history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
  }
}

function setValue(control, value) {
  if (!control || value === undefined) return;
  if (control.type === 'checkbox') control.checked = value === 'true';
  else if (control.tagName === 'SELECT' && ![...control.options].some((o) => o.value === value)) return;
  else control.value = value;
}

/** Fill the statistics inputs from the fragment. */
export function applyBasic(state = parseState(location.hash)) {
  for (const id of ['channel', 'rate']) {
    const input = $(id);
    if (input && state.has(id)) input.value = state.get(id);
  }
}

/** Fill the decoder's form from the fragment (after decode.js has built it for a file). */
export function applyDecode(state = parseState(location.hash)) {
  const view = decodeView();
  if (!view) return;
  const select = view.querySelector('[data-testid="decode-protocol"]');
  if (select && state.has('protocol') && select.value !== state.get('protocol')) {
    setValue(select, state.get('protocol'));
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }
  for (const c of view.querySelectorAll('[data-option]')) setValue(c, state.get(`opt.${c.dataset.option}`));
  for (const c of view.querySelectorAll('select[data-role]')) setValue(c, state.get(`role.${c.dataset.role}`));
}

applyBasic();
for (const id of ['channel', 'rate']) $(id)?.addEventListener('input', save);
document.addEventListener('change', (event) => {
  if (event.target instanceof Element && event.target.closest('#decode-view, .options')) save();
});
document.addEventListener('input', (event) => {
  if (event.target instanceof Element && event.target.closest('#decode-view')) save();
});
// decode.js rebuilds its form on each file: apply the fragment right after it.
window.addEventListener('scopekit:file', () => setTimeout(() => applyDecode(), 0));
window.addEventListener('hashchange', () => {
  applyBasic();
  applyDecode();
});
document.documentElement.dataset.urlState = 'ready';
