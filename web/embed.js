// scopekit's one-call embedding API.
//
//   import { analyze } from './embed.js';
//   const report = await analyze(fileOrBlobOrUrl, { kind: 'stats', channel: 1 }, {
//     onProgress: ({ loaded, total, kind }) => { },
//     signal: controller.signal,
//   });
//
// `kind` selects the analysis; each resolves to the document the CLI prints with --json:
//   'stats'  (default)  scopekit stats FILE [--channel N] [--rate HZ]      options: channel, rate
//   'decode'            scopekit decode PROTOCOL FILE --ROLE CH ...         options: protocol,
//                       roles ({tx: 'TX'} — a channel name or index; guessed from the channel
//                       names when left out), config ({baudrate: 9600, ...}), rate, levels
//   'trace'             scopekit trace summary FILE
//
// The input is a File, a Blob or a URL string. URLs are fetched into a Blob and must be
// same-origin (or blob: URLs made by this page): the page's Content-Security-Policy allows
// no other connection, and the data never leaves the browser.

import { analyzeFile, decodeFile, summarizeTrace, DECODER_ROLES } from './scopekit.js';

/** The analyses `analyze()` runs. */
export const KINDS = Object.freeze(['stats', 'decode', 'trace']);

const abortError = () => new DOMException('The analysis was aborted.', 'AbortError');

/**
 * Resolve an input (File, Blob or URL string) to a Blob; URLs are fetched, same-origin only.
 *
 * @param {Blob|string|URL} input
 * @param {AbortSignal} [signal]
 * @returns {Promise<Blob>}
 */
export async function toBlob(input, signal) {
  if (input instanceof Blob) return input;
  if (typeof input !== 'string' && !(input instanceof URL)) {
    throw new TypeError('analyze: expected a File, a Blob or a URL string');
  }
  const base = globalThis.document?.baseURI ?? globalThis.location?.href;
  let url;
  try {
    url = new URL(String(input), base);
  } catch {
    throw new TypeError(`analyze: not a URL: ${JSON.stringify(String(input))}`);
  }
  const origin = globalThis.location?.origin;
  if (!origin || url.origin !== origin) {
    throw new Error(`analyze: refusing to fetch ${url.protocol === 'data:' ? 'a data: URL' : url.href}: ` +
      `only same-origin URLs are read (origin ${origin ?? 'unknown'}); the data stays in the page, ` +
      'and its Content-Security-Policy allows no other connection. Pass a File or Blob instead.');
  }
  const response = await fetch(url, { signal, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`analyze: ${url.pathname} answered HTTP ${response.status}`);
  const blob = await response.blob();
  const name = decodeURIComponent(url.pathname.split('/').pop() || 'download');
  return new File([blob], name, { type: blob.type });
}

/** Channel names from a stats header (`info`): sigrok names, CSV columns or VCD variables. */
export function channelNames(info) {
  const n = Number(info?.channels ?? 0);
  const names = Array.from({ length: n }, () => null);
  if (info?.sigrok?.channel_names) {
    info.sigrok.channel_names.forEach((name, i) => { if (i < n) names[i] = name ?? null; });
  } else if (info?.csv?.columns) {
    info.csv.columns.forEach((col, i) => { if (i < n) names[i] = col?.[0] ?? null; });
  } else if (info?.vcd?.vars) {
    const codes = [];
    for (const v of info.vcd.vars) {
      if (!codes.includes(v.code)) {
        codes.push(v.code);
        if (codes.length - 1 < n) names[codes.length - 1] = v.name;
      }
    }
  }
  return names;
}

/** The header of a capture: runs the stats reader until its header is parsed, then stops. */
async function headerOf(blob, rate, signal) {
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  signal?.addEventListener('abort', forward, { once: true });
  let info = null;
  try {
    const report = await analyzeFile(blob, {
      rate,
      signal: controller.signal,
      onInfo: (i) => {
        info = i;
        controller.abort();
      },
    });
    return report.info;
  } catch (e) {
    if (info) return info;
    throw e;
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}

const norm = (s) => String(s ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The channel whose name looks like `role` (the same letters and digits, then one containing
 * them), or -1.
 *
 * @param {string} role
 * @param {(string|null)[]} names  channelNames(info)
 * @returns {number}
 */
export function guessChannel(role, names) {
  const r = norm(role);
  let i = names.findIndex((n) => norm(n) === r);
  if (i < 0 && r.length >= 2) i = names.findIndex((n) => norm(n).includes(r));
  return i;
}

/** The wires of a decode: `roles` maps role → channel index or name; missing → guessed. */
function wiresOf(protocol, roles, names) {
  const order = DECODER_ROLES[protocol];
  const wires = [];
  const given = roles && typeof roles === 'object' && Object.keys(roles).length > 0;
  if (given) {
    for (const [role, ch] of Object.entries(roles)) {
      if (!order.includes(role)) {
        throw new RangeError(`analyze: ${protocol} has no role ${JSON.stringify(role)} (${order.join(', ')})`);
      }
      if (ch === null || ch === undefined || ch === '') continue;
      let channel = typeof ch === 'number' ? ch : names.findIndex((n) => n !== null && n === String(ch));
      if (channel < 0 && typeof ch === 'string' && /^\d+$/.test(ch)) channel = Number(ch);
      if (!Number.isInteger(channel) || channel < 0 || (names.length > 0 && channel >= names.length)) {
        throw new RangeError(`analyze: role ${role}: no channel ${JSON.stringify(ch)} ` +
          `(the file has ${names.length}${names.some((n) => n) ? `: ${names.filter(Boolean).join(', ')}` : ''})`);
      }
      wires.push({ role, channel, name: names[channel] ?? null });
    }
  } else {
    for (const role of order) {
      const i = guessChannel(role, names);
      if (i >= 0) wires.push({ role, channel: i, name: names[i] ?? null });
    }
    if (wires.length === 0 && names.length > 0) wires.push({ role: order[0], channel: 0, name: names[0] ?? null });
  }
  if (wires.length === 0) throw new RangeError('analyze: wire at least one role to a channel (options.roles)');
  return wires;
}

/**
 * Analyse a capture or trace and resolve to the CLI's JSON document.
 *
 * @param {Blob|string|URL} input  a File, a Blob, or a same-origin URL
 * @param {{
 *   kind?: 'stats'|'decode'|'trace',
 *   channel?: number, rate?: number,
 *   protocol?: 'uart'|'spi'|'i2c'|'can', roles?: Record<string, number|string>,
 *   config?: object, levels?: {threshold: number|null, hysteresis: number|null},
 * }} [options]
 * @param {{ onProgress?: (p: {loaded: number, total: number, kind: string}) => void, signal?: AbortSignal }} [control]
 * @returns {Promise<object>}
 */
export async function analyze(input, options = {}, { onProgress, signal } = {}) {
  const kind = options?.kind ?? 'stats';
  if (!KINDS.includes(kind)) throw new RangeError(`analyze: unknown kind ${JSON.stringify(kind)} (${KINDS.join(', ')})`);
  if (signal?.aborted) throw signal.reason ?? abortError();
  const progress = typeof onProgress === 'function'
    ? ({ loaded, total }) => onProgress({ loaded, total, kind })
    : undefined;
  const blob = await toBlob(input, signal);
  signal?.throwIfAborted();
  const channel = options.channel ?? undefined;
  const rate = options.rate ?? undefined;
  switch (kind) {
    case 'stats':
      return analyzeFile(blob, { channel, rate, onProgress: progress, signal });
    case 'trace':
      return summarizeTrace(blob, { onProgress: progress, signal });
    case 'decode': {
      const protocol = options.protocol ?? options.config?.protocol;
      if (!Object.hasOwn(DECODER_ROLES, protocol ?? '')) {
        throw new RangeError(`analyze: decode needs a protocol (uart, spi, i2c, can), got ${JSON.stringify(protocol)}`);
      }
      const info = await headerOf(blob, rate, signal);
      const wires = wiresOf(protocol, options.roles, channelNames(info));
      return decodeFile(blob, {
        config: { ...(options.config ?? {}), protocol },
        wires,
        rate: rate ?? info?.sample_rate ?? null,
        levels: options.levels,
        onProgress: progress,
        signal,
      });
    }
    default:
      throw new RangeError(`analyze: unknown kind ${kind}`);
  }
}
