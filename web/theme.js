// Light / dark / auto theme: a class on <html> (theme-light, theme-dark; none = follow the
// system), kept in localStorage, and the scheme in effect as <html data-scheme="light|dark">
// (the mode, or the system's preference in auto): style.css keys its dark colours on it alone. A classic script loaded in <head> so the page never flashes
// the wrong theme; it adds a toggle button to the page header once the DOM is ready.
// window.scopekitTheme = { get(), set(mode), cycle() } for shortcuts.js and embedders.
(function () {
  'use strict';
  var KEY = 'scopekit-theme';
  var MODES = ['auto', 'light', 'dark'];
  var LABELS = { auto: 'Theme: auto', light: 'Theme: light', dark: 'Theme: dark' };
  var root = document.documentElement;
  var system = window.matchMedia('(prefers-color-scheme: dark)');
  var button = null;

  function stored() {
    try {
      var v = localStorage.getItem(KEY);
      return MODES.indexOf(v) >= 0 ? v : 'auto';
    } catch (e) {
      return 'auto';
    }
  }

  function apply(mode) {
    root.classList.remove('theme-light', 'theme-dark');
    if (mode !== 'auto') root.classList.add('theme-' + mode);
    root.dataset.theme = mode;
    root.dataset.scheme = mode === 'auto' ? (system.matches ? 'dark' : 'light') : mode;
    if (button) {
      button.textContent = LABELS[mode];
      button.setAttribute('aria-label', LABELS[mode] + ' (press t to change)');
    }
  }

  function set(mode) {
    if (MODES.indexOf(mode) < 0) throw new RangeError('theme: auto, light or dark');
    try {
      if (mode === 'auto') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, mode);
    } catch (e) { /* storage disabled: the theme lasts for this page only */ }
    apply(mode);
  }

  function cycle() {
    set(MODES[(MODES.indexOf(root.dataset.theme || 'auto') + 1) % MODES.length]);
  }

  apply(stored());
  window.scopekitTheme = { get: function () { return root.dataset.theme; }, set: set, cycle: cycle };
  window.addEventListener('storage', function (e) { if (e.key === KEY) apply(stored()); });
  system.addEventListener('change', function () { apply(root.dataset.theme || 'auto'); });

  function addButton() {
    var header = document.querySelector('.page-header');
    if (!header || button) return;
    button = document.createElement('button');
    button.type = 'button';
    button.className = 'theme-toggle';
    button.dataset.testid = 'theme-toggle';
    button.addEventListener('click', cycle);
    header.appendChild(button);
    apply(root.dataset.theme || 'auto');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', addButton);
  else addButton();
})();
