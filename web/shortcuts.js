// Keyboard shortcuts of the page (ignored while typing in a field, except Esc):
//   o    open a file (#file-input, or an input[type=file][data-shortcut-open])
//   Esc  cancel the running analysis / decoding / trace summary, or close this help
//   t    theme: auto → light → dark
//   ?    show or hide the list of shortcuts

const SHORTCUTS = [
  ['o', 'Open a file'],
  ['Esc', 'Cancel the running analysis'],
  ['t', 'Switch the theme (auto, light, dark)'],
  ['?', 'Show or hide this help'],
];

const CANCELS = ['#cancel', '[data-testid="decode-cancel"]', '[data-testid="trace-cancel"]'];

function buildHelp() {
  const dialog = document.createElement('dialog');
  dialog.className = 'shortcuts-help';
  dialog.dataset.testid = 'shortcuts-help';
  dialog.setAttribute('aria-labelledby', 'shortcuts-title');
  const title = document.createElement('h2');
  title.id = 'shortcuts-title';
  title.textContent = 'Keyboard shortcuts';
  const list = document.createElement('dl');
  for (const [key, what] of SHORTCUTS) {
    const row = document.createElement('div');
    const dt = document.createElement('dt');
    const kbd = document.createElement('kbd');
    kbd.textContent = key;
    dt.append(kbd);
    const dd = document.createElement('dd');
    dd.textContent = what;
    row.append(dt, dd);
    list.append(row);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = 'Close';
  close.addEventListener('click', () => dialog.close());
  dialog.append(title, list, close);
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
  document.body.append(dialog);
  return dialog;
}

let help = null;

function toggleHelp() {
  help ??= buildHelp();
  if (help.open) help.close();
  else help.showModal();
}

function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'file', 'range'].includes(target.type);
}

/** Click every visible cancel button; true if one was running. */
function cancelAll() {
  let any = false;
  for (const sel of CANCELS) {
    for (const b of document.querySelectorAll(sel)) {
      if (!b.hidden && b.offsetParent !== null) {
        b.click();
        any = true;
      }
    }
  }
  for (const view of document.querySelectorAll('scopekit-view')) {
    if (view.dataset.state === 'running') {
      view.cancel();
      any = true;
    }
  }
  return any;
}

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'Escape') {
    if (help?.open) return; // the dialog closes itself
    if (cancelAll()) event.preventDefault();
    return;
  }
  if (typing(event.target) || event.isComposing) return;
  if (event.key === '?') {
    event.preventDefault();
    toggleHelp();
  } else if (help?.open) {
    return;
  } else if (event.key === 'o' || event.key === 'O') {
    const input = document.getElementById('file-input') ?? document.querySelector('input[type="file"][data-shortcut-open]');
    if (input) {
      event.preventDefault();
      input.click();
    }
  } else if (event.key === 't' || event.key === 'T') {
    if (window.scopekitTheme) {
      event.preventDefault();
      window.scopekitTheme.cycle();
    }
  }
});

// Tell users the shortcuts exist.
const tagline = document.querySelector('.tagline');
if (tagline && !tagline.querySelector('.shortcut-hint')) {
  const hint = document.createElement('span');
  hint.className = 'shortcut-hint';
  hint.append(' Press ');
  const kbd = document.createElement('kbd');
  kbd.textContent = '?';
  hint.append(kbd, ' for keyboard shortcuts.');
  tagline.append(hint);
}
document.documentElement.dataset.shortcuts = 'ready';
