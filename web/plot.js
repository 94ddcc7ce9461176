// A small canvas plotting module: line series, bars (histograms), one image layer
// (spectrograms), linear or log axes with SI-prefixed ticks, a hover readout, markers,
// resize and devicePixelRatio handling, colours from CSS variables (theme-aware).
//
// Why our own and not uPlot: the page needs four plot kinds with one look, no build step and
// a CSP of 'self' only; uPlot would have to be vendored (~50 kB) and still lacks the image
// layer and bars we need, so ~400 lines of canvas code are the smaller, auditable option.
//
// Usage:
//   import { Plot } from './plot.js';
//   const plot = new Plot(canvas, {
//     x: { label: 'Frequency', unit: 'Hz', log: false },     // log: base-10 axis (x > 0 only)
//     y: { label: 'PSD', unit: 'dB', log: false, min, max }, // min/max: fixed range (else auto)
//   });
//   plot.setSeries([{ x: Float64Array, y: Float64Array, label: 'before', color: '--plot-1' }]);
//   plot.setBars({ edges: [...n+1], counts: [...n], color: '--plot-2' });  // histogram
//   plot.setImage({ width, height, data: Float32Array, x: [x0, x1], y: [y0, y1] }); // row 0 = y0
//   plot.setMarkers([{ axis: 'x' | 'y', value, label, color }]);
//   plot.setAxis('x', { log: true });   // redraws
//   plot.destroy();
// Colours are CSS colours or custom property names ('--plot-1'), resolved on the canvas so a
// theme change (html class or system preference) is picked up: the plot redraws itself.
// The canvas gets role="img" and an aria-label (the caller's `label` option, else the axes).

const SI = [
  [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'],
  [1e-12, 'p'], [1e-15, 'f'],
];

/** Format `v` with an SI prefix and `unit` (plain numbers when the unit is '' or 'dB'). */
export function formatSI(v, unit = '', digits = 4) {
  if (!Number.isFinite(v)) return String(v);
  if (unit === 'dB' || unit === '%' || unit === '') {
    const a = Math.abs(v);
    const s = a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
    return unit ? `${s} ${unit}` : s;
  }
  const a = Math.abs(v);
  const [scale, prefix] = a === 0 ? [1, ''] : (SI.find(([s]) => a >= s * 0.9995) ?? SI[SI.length - 1]);
  return `${Number((v / scale).toPrecision(digits))} ${prefix}${unit}`;
}

/** "Nice" linear ticks covering [lo, hi], about `n` of them. */
function linearTicks(lo, hi, n) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(n, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

/** Decade ticks (and 2, 5 within decades when few decades are shown). */
function logTicks(lo, hi) {
  const out = [];
  const d0 = Math.floor(Math.log10(lo));
  const d1 = Math.ceil(Math.log10(hi));
  const mids = d1 - d0 <= 3 ? [1, 2, 5] : [1];
  for (let d = d0; d <= d1; d++) {
    for (const m of mids) {
      const t = m * 10 ** d;
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) out.push(t);
    }
  }
  return out;
}

function finiteRange(arrays, log) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

export class Plot {
  /**
   * @param {HTMLCanvasElement} canvas  sized by CSS (width 100 %, a height); the plot follows it
   * @param {{x?: object, y?: object, label?: string, legend?: boolean}} options
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.axes = { x: { log: false, label: '', unit: '', ...options.x }, y: { log: false, label: '', unit: '', ...options.y } };
    this.options = options;
    this.series = [];
    this.bars = null;
    this.image = null;
    this.markers = [];
    this.hover = null;
    this.margin = { left: 64, right: 30, top: 12, bottom: 40 };
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', options.label ?? `${this.axes.y.label} against ${this.axes.x.label}`);
    this.resizeObserver = new ResizeObserver(() => this.draw());
    this.resizeObserver.observe(canvas);
    this.themeObserver = new MutationObserver(() => this.draw());
    // theme.js sets data-scheme on <html> for every theme change, the system's included.
    this.themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['data-scheme'] });
    this.onMove = (e) => {
      const r = canvas.getBoundingClientRect();
      this.hover = { px: e.clientX - r.left, py: e.clientY - r.top };
      this.draw();
    };
    this.onLeave = () => {
      this.hover = null;
      this.draw();
    };
    canvas.addEventListener('pointermove', this.onMove);
    canvas.addEventListener('pointerleave', this.onLeave);
  }

  /** Line series: [{x, y, label?, color?, width?}] (arrays or typed arrays of equal length). */
  setSeries(series) {
    this.series = series ?? [];
    this.draw();
    return this;
  }

  /** Histogram bars: {edges (n+1), counts (n), color?}; null removes them. */
  setBars(bars) {
    this.bars = bars;
    this.draw();
    return this;
  }

  /** Image layer: {width, height, data (row-major, row 0 at y[0]), x: [x0, x1], y: [y0, y1], min?, max?}. */
  setImage(image) {
    this.image = image;
    this.imageCanvas = null;
    this.draw();
    return this;
  }

  /** Vertical (axis 'x') or horizontal (axis 'y') marker lines: [{axis, value, label?, color?}]. */
  setMarkers(markers) {
    this.markers = markers ?? [];
    this.draw();
    return this;
  }

  /** Change an axis' options ({log, label, unit, min, max}) and redraw. */
  setAxis(name, options) {
    Object.assign(this.axes[name], options);
    this.draw();
    return this;
  }

  /** Stop observing the canvas and the theme. */
  destroy() {
    this.resizeObserver.disconnect();
    this.themeObserver.disconnect();
    this.canvas.removeEventListener('pointermove', this.onMove);
    this.canvas.removeEventListener('pointerleave', this.onLeave);
  }

  color(c, fallback) {
    if (!c) return fallback;
    if (c.startsWith('--')) return getComputedStyle(this.canvas).getPropertyValue(c).trim() || fallback;
    return c;
  }

  range(name) {
    const axis = this.axes[name];
    const arrays = this.series.map((s) => s[name]);
    if (this.bars) arrays.push(name === 'x' ? this.bars.edges : [0, ...this.bars.counts]);
    if (this.image) arrays.push(this.image[name]);
    for (const m of this.markers) if (m.axis === name) arrays.push([m.value]);
    let r = finiteRange(arrays, axis.log) ?? (axis.log ? [1, 10] : [0, 1]);
    if (axis.min !== undefined && axis.min !== null) r[0] = axis.min;
    if (axis.max !== undefined && axis.max !== null) r[1] = axis.max;
    if (r[0] === r[1]) r = axis.log ? [r[0] / 2, r[1] * 2] : [r[0] - 1, r[1] + 1];
    return r;
  }

  /** Data → pixel transform of one axis over [p0, p1] pixels. */
  scale(name, p0, p1) {
    const axis = this.axes[name];
    const [lo, hi] = this.range(name);
    const f = axis.log ? Math.log10 : (v) => v;
    const a = f(lo);
    const b = f(hi);
    const to = (v) => p0 + ((f(v) - a) / (b - a)) * (p1 - p0);
    const from = (p) => {
      const t = a + ((p - p0) / (p1 - p0)) * (b - a);
      return axis.log ? 10 ** t : t;
    };
    return { to, from, lo, hi };
  }

  draw() {
    const { canvas, ctx } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (w === 0 || h === 0) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const fg = this.color('--fg', '#222');
    const muted = this.color('--muted', '#666');
    const grid = this.color('--border', '#ddd');
    const m = this.margin;
    const x0 = m.left;
    const x1 = w - m.right;
    const y0 = h - m.bottom;
    const y1 = m.top;
    const sx = this.scale('x', x0, x1);
    const sy = this.scale('y', y0, y1);
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;

    // Image layer.
    if (this.image) this.drawImage(sx, sy);

    // Grid and ticks.
    const xt = this.axes.x.log ? logTicks(sx.lo, sx.hi) : linearTicks(sx.lo, sx.hi, Math.max(2, Math.floor((x1 - x0) / 90)));
    const yt = this.axes.y.log ? logTicks(sy.lo, sy.hi) : linearTicks(sy.lo, sy.hi, Math.max(2, Math.floor((y0 - y1) / 40)));
    ctx.strokeStyle = grid;
    ctx.fillStyle = muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of xt) {
      const p = Math.round(sx.to(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(p, y1);
      ctx.lineTo(p, y0);
      ctx.stroke();
      ctx.fillText(formatSI(t, this.axes.x.unit, 3), p, y0 + 4);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of yt) {
      const p = Math.round(sy.to(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x0, p);
      ctx.lineTo(x1, p);
      ctx.stroke();
      ctx.fillText(formatSI(t, this.axes.y.unit, 3), x0 - 4, p);
    }
    ctx.strokeStyle = muted;
    ctx.strokeRect(x0 + 0.5, y1 + 0.5, x1 - x0, y0 - y1);
    ctx.fillStyle = fg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(this.axes.x.label + (this.axes.x.log ? ' (log)' : ''), (x0 + x1) / 2, h - 2);
    ctx.save();
    ctx.translate(12, (y0 + y1) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(this.axes.y.label, 0, 0);
    ctx.restore();

    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y1, x1 - x0, y0 - y1);
    ctx.clip();
    if (this.bars) this.drawBars(sx, sy, y0);
    this.series.forEach((s, i) => this.drawLine(s, i, sx, sy, x0, x1));
    for (const mk of this.markers) {
      ctx.strokeStyle = this.color(mk.color ?? '--warn', '#c60');
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      if (mk.axis === 'x') {
        const p = sx.to(mk.value);
        ctx.moveTo(p, y1);
        ctx.lineTo(p, y0);
      } else {
        const p = sy.to(mk.value);
        ctx.moveTo(x0, p);
        ctx.lineTo(x1, p);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      if (mk.label) {
        ctx.fillStyle = ctx.strokeStyle;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        if (mk.axis === 'x') ctx.fillText(mk.label, sx.to(mk.value) + 3, y1 + 3);
        else ctx.fillText(mk.label, x0 + 4, sy.to(mk.value) + 2);
      }
    }
    ctx.restore();

    // Legend.
    const named = this.series.filter((s) => s.label);
    if (named.length > 1 || this.options.legend) {
      ctx.textAlign = 'right';
      ctx.textBaseline = 'top';
      named.forEach((s, i) => {
        const yy = y1 + 4 + i * 14;
        ctx.fillStyle = this.seriesColor(s, this.series.indexOf(s));
        ctx.fillRect(x1 - 8 - ctx.measureText(s.label).width - 14, yy + 4, 10, 3);
        ctx.fillStyle = fg;
        ctx.fillText(s.label, x1 - 6, yy);
      });
    }

    // Hover readout.
    if (this.hover && this.hover.px >= x0 && this.hover.px <= x1 && this.hover.py >= y1 && this.hover.py <= y0) {
      const xv = sx.from(this.hover.px);
      let text = `${this.axes.x.label || 'x'} ${formatSI(xv, this.axes.x.unit)}`;
      const s = this.series[0];
      if (s && s.x.length > 0) {
        const i = nearest(s.x, xv);
        text = `${this.axes.x.label || 'x'} ${formatSI(s.x[i], this.axes.x.unit)}  ${this.axes.y.label || 'y'} ${formatSI(s.y[i], this.axes.y.unit)}`;
        for (const other of this.series.slice(1)) {
          if (other.label && other.x.length) text += `  ${other.label} ${formatSI(other.y[nearest(other.x, xv)], this.axes.y.unit)}`;
        }
      } else {
        text += `  ${this.axes.y.label || 'y'} ${formatSI(sy.from(this.hover.py), this.axes.y.unit)}`;
      }
      ctx.strokeStyle = muted;
      ctx.beginPath();
      ctx.moveTo(Math.round(this.hover.px) + 0.5, y1);
      ctx.lineTo(Math.round(this.hover.px) + 0.5, y0);
      ctx.stroke();
      ctx.font = '12px system-ui, sans-serif';
      const tw = ctx.measureText(text).width + 10;
      const bx = Math.min(Math.max(this.hover.px + 8, x0), x1 - tw);
      ctx.fillStyle = this.color('--card', '#fff');
      ctx.fillRect(bx, y1 + 2, tw, 18);
      ctx.strokeRect(bx + 0.5, y1 + 2.5, tw, 18);
      ctx.fillStyle = fg;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, bx + 5, y1 + 11);
    }
    this.canvas.dataset.drawn = String((Number(this.canvas.dataset.drawn) || 0) + 1);
  }

  seriesColor(s, i) {
    return this.color(s.color ?? `--plot-${(i % 4) + 1}`, ['#2563eb', '#d97706', '#059669', '#9333ea'][i % 4]);
  }

  drawLine(s, i, sx, sy, x0, x1) {
    const { ctx } = this;
    const n = Math.min(s.x.length, s.y.length);
    if (n === 0) return;
    ctx.strokeStyle = this.seriesColor(s, i);
    ctx.lineWidth = s.width ?? 1.25;
    ctx.beginPath();
    const logX = this.axes.x.log;
    const logY = this.axes.y.log;
    // More points than pixels: draw min/max per pixel column.
    const dense = n > 4 * (x1 - x0);
    let pen = false;
    let col = NaN;
    let lo = 0;
    let hi = 0;
    const flush = () => {
      if (Number.isNaN(col)) return;
      if (!pen) {
        ctx.moveTo(col, lo);
        pen = true;
      } else ctx.lineTo(col, lo);
      if (hi !== lo) ctx.lineTo(col, hi);
    };
    for (let k = 0; k < n; k++) {
      const xv = s.x[k];
      const yv = s.y[k];
      if (!Number.isFinite(xv) || !Number.isFinite(yv) || (logX && xv <= 0) || (logY && yv <= 0)) {
        flush();
        col = NaN;
        pen = false;
        continue;
      }
      const px = sx.to(xv);
      const py = sy.to(yv);
      if (dense) {
        const c = Math.round(px);
        if (c !== col) {
          flush();
          col = c;
          lo = py;
          hi = py;
        } else {
          lo = Math.min(lo, py);
          hi = Math.max(hi, py);
        }
      } else if (!pen) {
        ctx.moveTo(px, py);
        pen = true;
      } else ctx.lineTo(px, py);
    }
    if (dense) flush();
    ctx.stroke();
    ctx.lineWidth = 1;
  }

  drawBars(sx, sy, base) {
    const { ctx } = this;
    const { edges, counts } = this.bars;
    ctx.fillStyle = this.color(this.bars.color ?? '--plot-1', '#2563eb');
    ctx.globalAlpha = 0.75;
    for (let i = 0; i < counts.length; i++) {
      const a = sx.to(edges[i]);
      const b = sx.to(edges[i + 1]);
      const top = sy.to(counts[i]);
      ctx.fillRect(Math.min(a, b), top, Math.max(Math.abs(b - a) - 0.5, 0.5), base - top);
    }
    ctx.globalAlpha = 1;
  }

  drawImage(sx, sy) {
    const img = this.image;
    if (!this.imageCanvas) {
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const cx = c.getContext('2d');
      const out = cx.createImageData(img.width, img.height);
      let lo = img.min;
      let hi = img.max;
      if (lo === undefined || hi === undefined) {
        const r = finiteRange([img.data], false) ?? [0, 1];
        lo ??= r[0];
        hi ??= r[1];
      }
      const span = hi > lo ? hi - lo : 1;
      for (let row = 0; row < img.height; row++) {
        // Row 0 is at y[0] (the bottom): flip into the bitmap.
        const dst = (img.height - 1 - row) * img.width;
        for (let col = 0; col < img.width; col++) {
          const v = img.data[row * img.width + col];
          const t = Number.isFinite(v) ? Math.min(Math.max((v - lo) / span, 0), 1) : 0;
          const [r, g, b] = viridis(t);
          const o = (dst + col) * 4;
          out.data[o] = r;
          out.data[o + 1] = g;
          out.data[o + 2] = b;
          out.data[o + 3] = 255;
        }
      }
      cx.putImageData(out, 0, 0);
      this.imageCanvas = c;
    }
    const a = sx.to(img.x[0]);
    const b = sx.to(img.x[1]);
    const top = sy.to(img.y[1]);
    const bottom = sy.to(img.y[0]);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(this.imageCanvas, a, top, b - a, bottom - top);
  }
}

function nearest(xs, v) {
  // xs ascending: binary search.
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - v) <= Math.abs(xs[hi] - v) ? lo : hi;
}

/** A compact viridis-like colour map: t in [0, 1] → [r, g, b]. */
function viridis(t) {
  const stops = [
    [68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37],
  ];
  const x = t * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}
