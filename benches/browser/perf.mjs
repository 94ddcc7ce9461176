#!/usr/bin/env node
// The page's performance in one run (issue 8): native vs wasm kernel, raw Blob reads vs the
// page's end-to-end analysis, peak tab memory of a 2 GiB file, and the first meaningful view.
//
//   npm ci --prefix tests/browser            # playwright-core (no browser download)
//   SCOPEKIT_BIN=/path/to/scopekit node benches/browser/perf.mjs [--runs 3] [--gib 1,2]
//     [--threads-breakdown]   CPU-s per GiB of every Chromium process/thread, per scenario
//
// Needs /usr/bin/chromium (override with CHROMIUM). The page is served by `scopekit serve`
// (the binary embeds web/ at build time); PERF_WEB=DIR serves DIR with a small static server
// instead (same headers), to try edits of web/ without rebuilding the CLI.
//
// --variants LABEL=DIR[?QUERY],… compares pages in the same run: each DIR is served by the
// static server, QUERY is added to the page's URL; the end-to-end and memory runs alternate between the variants (run 1 of each,
// then run 2 of each, …) and every figure is printed per variant. E.g. the build before a
// change against this checkout:
//   git archive OLD web | tar -x -C /tmp/old && cp -r web/pkg /tmp/old/web/
//   node benches/browser/perf.mjs --only read,e2e,mem --runs 5 \
//     --variants old=/tmp/old/web,new=web
//
// Files are generated in a temp dir (float32 NPY, 2 channels, interleaved) and deleted at
// the end. They go into the page with playwright's setInputFiles, which for a local browser
// passes the *path* (CDP DOM.setFileInputFiles): the File is backed by the disk file, nothing
// is copied through CDP (the run prints how long setInputFiles took to show it).
//
// Definitions (every figure is the median of --runs runs):
//   native kernel   `scopekit stats FILE --json --threads 1`, whole process (file in the page
//                   cache), and in-process ≈ minus the time of the same command on a tiny file
//   wasm kernel     in the page: Session.push of an in-memory buffer in 4 MiB views (includes
//                   the copy into wasm memory) + finish, no file reads
//   raw read        in the page: file.slice().arrayBuffer() of the whole 1 GiB file in 16 MiB
//                   slices, 4 in flight (the reference; other settings and file.stream() are
//                   listed too), and one whole-file file.arrayBuffer()
//   end to end      'change' of the file input → result[data-state=done] (stats table shown);
//                   with the CPU time (user + sys) of every process of this Chromium meanwhile,
//                   and a raw read (the reference above) just before each run, for the ratio
//   first view      'change' → both the header table is shown and the waveform viewer has drawn
//                   its first overview (window.__scopekitViewer.lastDrawn set)
//   peak memory     2 GiB file end to end: max over 100 ms samples of the summed Pss (and RSS)
//                   of this Chromium's renderer processes (/proc/PID/smaps_rollup); the wasm
//                   memory of the stats worker when it exposes it (self.__scopekitWasmBytes)

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(path.join(REPO, 'tests', 'browser', 'package.json'));
const { chromium } = require('playwright-core');
const { startServer, stopServer } = await import(path.join(REPO, 'tests', 'browser', 'harness.js'));
const { npyHeader, noisyFrames } = await import(path.join(REPO, 'tests', 'browser', 'npy.js'));

const BIN = process.env.SCOPEKIT_BIN || path.join(REPO, 'target', 'release', 'scopekit');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WEB = process.env.PERF_WEB || '';
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('runs', '3'));
/** Pages compared: [{ label, dir, query }] (dir '' = the default server). */
const VARIANTS = (arg('variants', '') || 'page=').split(',').map((v) => {
  const eq = v.indexOf('=');
  const label = eq < 0 ? v : v.slice(0, eq);
  const where = eq < 0 ? '' : v.slice(eq + 1);
  const q = where.indexOf('?');
  const dir = q < 0 ? where : where.slice(0, q);
  const query = q < 0 ? '' : where.slice(q + 1);
  return { label, dir, query: query ? `?${query}` : '' };
});
const GIBS = arg('gib', '1,2').split(',').map(Number);
/** Sections to run: native, wasm, read, budget, e2e, mem (default all). */
const ONLY = new Set(arg('only', 'native,wasm,read,budget,e2e,mem').split(','));
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CHUNK = 4 * MiB;
const TIMEOUT = 15 * 60_000;

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (...a) => console.error('#', ...a);

// ---------------------------------------------------------------- data

/** A block of `frames` frames of two float32 channels: noisy sine, offset sine with NaNs. */
function block(frames, seed) {
  return Buffer.from(noisyFrames(frames, seed).buffer);
}

function generate(file, dataBytes) {
  const frames = dataBytes / 8;
  const fd = openSync(file, 'w');
  writeSync(fd, npyHeader(frames, 2));
  const blocks = [block(MiB, 1), block(MiB, 2), block(MiB, 3)]; // 8 MiB each
  for (let i = 0, written = 0; written < dataBytes; i += 1) {
    const b = blocks[i % 3];
    const n = Math.min(b.length, dataBytes - written);
    writeSync(fd, b, 0, n);
    written += n;
  }
  closeSync(fd);
}

// ---------------------------------------------------------------- native

function timeCmd(args) {
  const t0 = process.hrtime.bigint();
  execFileSync(BIN, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// ---------------------------------------------------------------- server

function staticServer(dir) {
  const types = { html: 'text/html', js: 'text/javascript', mjs: 'text/javascript', css: 'text/css', wasm: 'application/wasm', json: 'application/json', svg: 'image/svg+xml', png: 'image/png' };
  const srv = createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const f = path.join(dir, path.normalize(p));
    if (!f.startsWith(dir) || !existsSync(f) || !statSync(f).isFile()) {
      res.writeHead(404).end();
      return;
    }
    // As `scopekit serve` answers: revalidated on every load (no-cache) by an entity tag,
    // so Chromium's HTTP cache, and V8's cache of compiled wasm with it, serve the workers.
    const st = statSync(f);
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers = {
      'content-type': types[f.split('.').pop()] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-cache',
      etag,
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, headers);
    res.end(readFileSync(f));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, url: `http://127.0.0.1:${srv.address().port}/` })));
}

// ---------------------------------------------------------------- memory

/** The renderer processes of the Chromium using `profile` (tabs and their workers; not the
 * browser's own UI renderer). */
function pidsOf(profile) {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // Zygote children rewrite their title: one space-separated string, not NUL-separated.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split(/[\0 ]/);
      if (cmd.includes('--type=renderer') && !cmd.includes('--top-chrome-webui') &&
          cmd.includes(`--user-data-dir=${profile}`)) pids.push(Number(pid));
    } catch { /* gone */ }
  }
  return pids;
}

function rendererMemory(pids) {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
      pss += Number(/^Pss:\s+(\d+)/m.exec(t)?.[1] ?? 0) * 1024;
      rss += Number(/^Rss:\s+(\d+)/m.exec(t)?.[1] ?? 0) * 1024;
    } catch { /* gone */ }
  }
  return { pss, rss };
}

/** CPU time (user + sys, ms) of the processes of the Chromium using `profile`: `total`,
 * `renderer` (the tab and its workers) and `browser` (everything else: the browser process,
 * where Blob reads are served, and its utility processes). */
function chromiumCpuMs(profile) {
  const tick = 1000 / 100; // USER_HZ
  const cpu = { total: 0, renderer: 0, browser: 0 };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (!cmd.includes(`--user-data-dir=${profile}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * tick; // utime, stime
      cpu.total += ms;
      cpu[cmd.includes('--type=renderer') ? 'renderer' : 'browser'] += ms;
    } catch { /* gone */ }
  }
  return cpu;
}
/** `--threads-breakdown`: CPU time (ms) of every thread of this Chromium, keyed
 * `process type/thread name` (/proc/PID/task/TID/comm, digits dropped so a pool's threads
 * add up); `…/(exited threads)` is the process's time not in a live thread (threads that
 * ended, e.g. a terminated worker's). */
function chromiumThreadsMs(profile) {
  const tick = 1000 / 100; // USER_HZ
  const out = new Map();
  const add = (k, ms) => out.set(k, (out.get(k) ?? 0) + ms);
  const ticks = (stat) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * tick;
  };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (!cmd.includes(`--user-data-dir=${profile}`)) continue;
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
      const kind = type === 'utility' ? `utility:${/--utility-sub-type=[a-z_.]*?([a-z_]+)\.mojom/i.exec(cmd)?.[1] ?? '?'}` : type;
      let inTasks = 0;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        try {
          const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim().replace(/[\d/]+$/, '').replace(/\d+/g, '#');
          const ms = ticks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1'));
          inTasks += ms;
          add(`${kind}/${comm}`, ms);
        } catch { /* gone */ }
      }
      add(`${kind}/(exited threads)`, ticks(readFileSync(`/proc/${pid}/stat`, 'latin1')) - inTasks);
    } catch { /* gone */ }
  }
  return out;
}
const threadsSince = (a, b) => {
  const d = new Map();
  for (const [k, v] of b) d.set(k, v - (a.get(k) ?? 0));
  for (const [k, v] of a) if (!b.has(k)) d.set(k, -v); // a process that ended
  return d;
};
/** Breakdowns per scenario: label → [Map] (one per run), printed as one table at the end. */
const BREAKDOWN = process.argv.includes('--threads-breakdown') ? new Map() : null;
const noteThreads = (label, t0, profile, bytes) => {
  if (!BREAKDOWN) return;
  const d = threadsSince(t0, chromiumThreadsMs(profile));
  const perGiB = new Map([...d].map(([k, v]) => [k, (v / 1000) * (GiB / bytes)]));
  if (!BREAKDOWN.has(label)) BREAKDOWN.set(label, []);
  BREAKDOWN.get(label).push(perGiB);
};
const cpuSince = (a, b) => ({ total: b.total - a.total, renderer: b.renderer - a.renderer, browser: b.browser - a.browser });
const cpuText = (c) => `${(c.total / 1000).toFixed(2)} s CPU (renderer ${(c.renderer / 1000).toFixed(2)} + browser ${(c.browser / 1000).toFixed(2)})`;
const cpuMedian = (cs) => ({ total: median(cs.map((c) => c.total)), renderer: median(cs.map((c) => c.renderer)), browser: median(cs.map((c) => c.browser)) });

// ---------------------------------------------------------------- page measurements

/** In the page: push `total` bytes of a generated in-memory capture into wasm Session (with
 * `both`: the statistics and the viewer's LodSession from one IngestSession, as the page
 * does; pushBoth in builds before it). */
async function wasmKernel(page, total, { both = false, chunk = CHUNK } = {}) {
  return page.evaluate(async ({ total, chunk, both, header }) => {
    const m = await import('./pkg/scopekit_wasm.js');
    await m.default({ module_or_path: new URL('./pkg/scopekit_wasm_bg.wasm', location.href) });
    const head = Uint8Array.from(header);
    const blockFrames = 1 << 22; // 32 MiB
    const a = new Float32Array(blockFrames * 2);
    let s = 1;
    const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; };
    for (let i = 0; i < blockFrames; i += 1) {
      a[2 * i] = Math.sin((2 * Math.PI * i) / 1000) + 0.2 * rnd();
      a[2 * i + 1] = i % 100_003 === 7 ? NaN : 2.5 + 0.5 * Math.sin((2 * Math.PI * i) / 377 + 0.3) + 0.1 * rnd();
    }
    const bytes = new Uint8Array(a.buffer);
    // Both, as the page does: IngestSession (one reader for the two), or pushBoth in older
    // builds (two readers, one copy).
    const lod = both ? new m.LodSession(head.length + total) : null;
    const ingest = lod && m.IngestSession ? new m.IngestSession(head.length + total) : null;
    const session = ingest ?? new m.Session(head.length + total);
    const push = (part) => {
      if (ingest) ingest.push(lod, part);
      else if (lod) m.pushBoth(session, lod, part);
      else session.push(part);
    };
    const t0 = performance.now();
    push(head);
    for (let off = 0; off < total; off += chunk) {
      const at = off % bytes.length;
      push(bytes.subarray(at, Math.min(at + chunk, bytes.length, at + total - off)));
    }
    const t1 = performance.now();
    const report = ingest ? ingest.finish(lod) : session.finish();
    lod?.finish();
    const t2 = performance.now();
    session.free();
    lod?.free();
    return { pushMs: t1 - t0, finishMs: t2 - t1, count: report.channels[0].count };
  }, { total, chunk, both, header: Array.from(npyHeader(total / 8)) });
}

/** In the page: read the file in `chunk` slices with `inFlight` reads in flight, in order. */
async function rawRead(page, chunk, inFlight) {
  return page.evaluate(async ({ chunk, inFlight }) => {
    const file = document.getElementById('perf-input').files[0];
    const total = file.size;
    const pending = [];
    let next = 0;
    let sum = 0;
    const t0 = performance.now();
    const refill = () => {
      while (pending.length < inFlight && next < total) {
        const end = Math.min(next + chunk, total);
        pending.push(file.slice(next, end).arrayBuffer());
        next = end;
      }
    };
    refill();
    while (pending.length) {
      const b = await pending.shift();
      refill();
      sum += b.byteLength;
    }
    return { ms: performance.now() - t0, bytes: sum };
  }, { chunk, inFlight });
}

/** In the page: file.stream(), with a BYOB reader into one reused buffer when `byob` (each
 * read settling once the buffer is full when `byob === 'min'`: `read(view, { min })`). */
async function streamRead(page, byob) {
  return page.evaluate(async ({ byob, size }) => {
    const file = document.getElementById('perf-input').files[0];
    const t0 = performance.now();
    let sum = 0;
    let reads = 0;
    if (byob) {
      const reader = file.stream().getReader({ mode: 'byob' });
      let buf = new ArrayBuffer(size);
      for (;;) {
        const view = new Uint8Array(buf, 0, size);
        const { done, value } = await (byob === 'min' ? reader.read(view, { min: size }) : reader.read(view));
        if (done) break;
        sum += value.byteLength;
        reads += 1;
        buf = value.buffer;
      }
    } else {
      const reader = file.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        sum += value.byteLength;
        reads += 1;
      }
    }
    return { ms: performance.now() - t0, bytes: sum, reads };
  }, { byob, size: 16 * 1024 * 1024 });
}

/** In the page: `parts` BYOB streams over equal parts of the file, read concurrently. */
async function parallelStreams(page, parts) {
  return page.evaluate(async ({ parts, size }) => {
    const file = document.getElementById('perf-input').files[0];
    const t0 = performance.now();
    const step = Math.ceil(file.size / parts);
    const one = async (a, b) => {
      const reader = file.slice(a, b).stream().getReader({ mode: 'byob' });
      let buf = new ArrayBuffer(size);
      let sum = 0;
      for (;;) {
        const { done, value } = await reader.read(new Uint8Array(buf, 0, size));
        if (done) break;
        sum += value.byteLength;
        buf = value.buffer;
      }
      return sum;
    };
    const sums = await Promise.all(Array.from({ length: parts }, (_, i) => one(i * step, Math.min(file.size, (i + 1) * step))));
    return { ms: performance.now() - t0, bytes: sums.reduce((x, y) => x + y, 0) };
  }, { parts, size: 16 * 1024 * 1024 });
}

async function wholeRead(page) {
  return page.evaluate(async () => {
    const file = document.getElementById('perf-input').files[0];
    const t0 = performance.now();
    const b = await file.arrayBuffer();
    return { ms: performance.now() - t0, bytes: b.byteLength };
  });
}

/** In the page: the stats worker alone (scopekit.js analyzeFile, no viewer). */
async function statsAlone(page) {
  return page.evaluate(async () => {
    const { analyzeFile } = await import('./scopekit.js');
    const file = document.getElementById('perf-input').files[0];
    const t0 = performance.now();
    let info = NaN;
    await analyzeFile(file, { onInfo() { info = performance.now() - t0; } });
    return { ms: performance.now() - t0, info };
  });
}

async function freshPage(context, url) {
  for (const p of context.pages()) await p.close();
  const page = await context.newPage();
  page.on('pageerror', (e) => log('pageerror', e.message));
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]');
  await page.evaluate(() => {
    const i = document.createElement('input');
    i.type = 'file';
    i.id = 'perf-input';
    i.hidden = true;
    document.body.append(i);
    const marks = { change: NaN, info: NaN, drawn: NaN, done: NaN, viewerReady: NaN, state: '' };
    window.__perf = marks;
    window.addEventListener('change', (e) => {
      if (e.target.id === 'file-input') marks.change = performance.now();
    }, true);
    const infoBox = document.getElementById('info-box');
    const result = document.getElementById('result');
    const viewer = document.getElementById('viewer');
    // Marks from attribute changes, plus a 25 ms timer only until the first overview is
    // drawn: a requestAnimationFrame poll (before --threads-breakdown) made the page produce
    // a frame 60×/s, ~0.2 CPU-s per GiB of the tab's main thread and compositor.
    let timer = null;
    const check = () => {
      const now = performance.now();
      if (Number.isNaN(marks.change)) return;
      if (Number.isNaN(marks.info) && !infoBox.hidden) marks.info = now;
      if (Number.isNaN(marks.drawn) && window.__scopekitViewer?.lastDrawn) marks.drawn = now;
      if (Number.isNaN(marks.viewerReady) && viewer?.dataset.state === 'ready') marks.viewerReady = now;
      if (result.dataset.state === 'done' || result.dataset.state === 'error') {
        if (Number.isNaN(marks.done)) marks.done = now;
        marks.state = result.dataset.state;
      }
      if (!Number.isNaN(marks.drawn) && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    };
    window.addEventListener('change', (e) => {
      if (e.target.id === 'file-input' && timer === null && Number.isNaN(marks.drawn)) timer = setInterval(check, 25);
    }, true);
    const observer = new MutationObserver(check);
    for (const e of [infoBox, result, viewer]) if (e) observer.observe(e, { attributes: true });
  });
  return page;
}

/** Drop `file` on the page's input; resolve to the marks (ms since 'change'). */
async function endToEnd(context, url, file, sampler, profile, label = null) {
  const page = await freshPage(context, url);
  const threads0 = BREAKDOWN && label ? chromiumThreadsMs(profile) : null;
  const cpu0 = chromiumCpuMs(profile);
  const t0 = Date.now();
  await page.setInputFiles('#file-input', file);
  const setMs = Date.now() - t0;
  const wasm = new Map(); // worker url → peak wasm memory
  // The workers' wasm memory, for the memory runs only (a CDP evaluate in the busy worker
  // every 250 ms is CPU of its own).
  const poll = sampler && setInterval(async () => {
    for (const w of page.workers()) {
      try {
        const b = await w.evaluate(() => self.__scopekitWasmBytes?.() ?? 0);
        const name = w.url().split('/').pop();
        wasm.set(name, Math.max(wasm.get(name) ?? 0, b));
      } catch { /* worker gone */ }
    }
  }, 250);
  sampler?.start(page);
  await page.waitForFunction(() => window.__perf.state !== '' && !Number.isNaN(window.__perf.viewerReady), null, { timeout: TIMEOUT, polling: 100 });
  const peak = sampler?.stop();
  const cpu = cpuSince(cpu0, chromiumCpuMs(profile));
  if (threads0) noteThreads(label, threads0, profile, statSync(file).size);
  if (poll) clearInterval(poll);
  const m = await page.evaluate(() => window.__perf);
  const overview = await page.evaluate(() => document.querySelector('[data-testid="viewer-status"]')?.textContent ?? '');
  log(`viewer: ${overview}${poll ? '' : ' (wasm memory not polled)'}; peak wasm memory ${[...wasm].map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
  const wasmBytes = [...wasm.values()].reduce((a, b) => a + b, 0);
  if (m.state !== 'done') throw new Error(`analysis ended in state ${m.state}`);
  const rel = (t) => t - m.change;
  return {
    setMs, done: rel(m.done), info: rel(m.info), drawn: rel(m.drawn),
    firstView: Math.max(rel(m.info), rel(m.drawn)), viewerReady: rel(m.viewerReady), peak, wasmBytes, cpu,
  };
}

// ---------------------------------------------------------------- main

const work = mkdtempSync(path.join(tmpdir(), 'scopekit-perf-'));
const home = path.join(work, 'home');
for (const d of [home, path.join(home, '.config'), path.join(home, '.cache')]) mkdirSync(d, { recursive: true });
let server = null;
let context = null;
const statics = [];
const rows = [];
const row = (what, value, note = '') => {
  rows.push([what, value, note]);
  log(what, value, note);
};

try {
  log(`load average at start: ${load()}`);
  const files = {};
  for (const g of GIBS) {
    files[g] = path.join(work, `capture_${g}gib.npy`);
    const t0 = Date.now();
    generate(files[g], g * GiB);
    log(`generated ${files[g]} (${statSync(files[g]).size} bytes) in ${Date.now() - t0} ms`);
  }
  const f1 = files[GIBS[0]];
  const size1 = statSync(f1).size;
  const tiny = path.join(work, 'tiny.npy');
  generate(tiny, 8 * 1024);

  // (a) native, single thread, file in the page cache.
  let natIn = NaN;
  if (ONLY.has('native')) {
  timeCmd(['stats', f1, '--json', '--threads', '1']); // warm-up (page cache)
  const nat = [];
  const natTiny = [];
  for (let r = 0; r < RUNS; r += 1) {
    nat.push(timeCmd(['stats', f1, '--json', '--threads', '1']));
    natTiny.push(timeCmd(['stats', tiny, '--json', '--threads', '1']));
  }
  const natMs = median(nat);
  natIn = mbps(size1, natMs - median(natTiny));
  row('native kernel, `stats --threads 1`, whole process (MB/s)', mbps(size1, natMs).toFixed(0), `${(natMs / 1000).toFixed(2)} s for ${GIBS[0]} GiB`);
  row('native kernel, in-process ≈ (MB/s)', natIn.toFixed(0), `minus ${median(natTiny).toFixed(0)} ms startup`);
  }

  if (WEB) server = await staticServer(path.resolve(WEB));
  else server = await startServer(BIN, REPO);
  log(`page at ${server.url}${WEB ? ` (static ${WEB})` : ` (scopekit serve, ${BIN})`}`);
  for (const v of VARIANTS) {
    if (v.dir) {
      v.server = await staticServer(path.resolve(v.dir));
      statics.push(v.server);
    }
    v.url = (v.server ?? server).url + v.query;
    log(`variant ${v.label}: ${v.url}${v.dir ? ` (static ${v.dir})` : ''}`);
  }
  const multi = VARIANTS.length > 1;
  const tag = (v, what) => (multi ? `[${v.label}] ${what}` : what);
  const profile = path.join(work, 'profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
    viewport: { width: 1280, height: 720 },
  });

  // (b) wasm kernel in the page, no file reads.
  if (ONLY.has('wasm')) {
    const page = await freshPage(context, server.url);
    const res = [];
    for (let r = 0; r < RUNS; r += 1) res.push(await wasmKernel(page, GiB));
    const ms = median(res.map((x) => x.pushMs + x.finishMs));
    const wasm = mbps(GiB, ms);
    row('wasm kernel in the page, push+finish (MB/s)', wasm.toFixed(0), `finish ${median(res.map((x) => x.finishMs)).toFixed(0)} ms`);
    row('ratio wasm / native in-process', (wasm / natIn).toFixed(2), 'target >= 0.80');
  }

  // (c) raw reads in the page.
  // The reference read: slices of 16 MiB, 4 in flight (the fastest slice setting measured
  // here; the page itself streams, see web/worker.js).
  const chunk = 16 * MiB;
  const inFlight = 4;
  let rawMBps = NaN;
  if (ONLY.has('read')) {
    const page = await freshPage(context, server.url);
    const t0 = Date.now();
    await page.setInputFiles('#perf-input', f1);
    log(`setInputFiles of ${size1} bytes took ${Date.now() - t0} ms (a path, not a copy)`);
    await rawRead(page, chunk, inFlight); // warm-up
    const res = [];
    const whole = [];
    for (let r = 0; r < RUNS; r += 1) res.push(await rawRead(page, chunk, inFlight));
    for (let r = 0; r < RUNS; r += 1) whole.push(await wholeRead(page));
    rawMBps = mbps(size1, median(res.map((x) => x.ms)));
    row(`raw read in the page, ${chunk / MiB} MiB slices × ${inFlight} in flight (MB/s)`, rawMBps.toFixed(0), `${GIBS[0]} GiB`);
    row('raw read in the page, whole-file arrayBuffer() (MB/s)', mbps(size1, median(whole.map((x) => x.ms))).toFixed(0));
    for (const byob of [false, true]) {
      const x = [];
      try {
        for (let r = 0; r < RUNS; r += 1) x.push(await streamRead(page, byob));
        row(`  (other: file.stream()${byob ? ' BYOB, 16 MiB buffer' : ''}, MB/s)`, mbps(size1, median(x.map((y) => y.ms))).toFixed(0), `${(size1 / x[0].reads / 1024).toFixed(0)} KiB per read`);
      } catch (e) {
        row(`  (other: file.stream()${byob ? ' BYOB' : ''})`, 'failed', String(e.message).slice(0, 80));
      }
    }
    // Two or more concurrent BYOB streams over parts of one file read up to ~2× faster but
    // sometimes stall for good in Chromium (seen in a worker and in the page): opt-in only.
    for (const parts of process.env.PERF_PARALLEL_STREAMS ? [2, 4] : []) {
      const x = [];
      for (let r = 0; r < RUNS; r += 1) x.push(await parallelStreams(page, parts));
      row(`  (other: ${parts} BYOB streams over parts of the file, concurrently, MB/s)`, mbps(size1, median(x.map((y) => y.ms))).toFixed(0));
    }
    const alone = [];
    for (let r = 0; r < RUNS; r += 1) alone.push(await statsAlone(page));
    row('stats worker alone, analyzeFile() without the viewer (MB/s)', mbps(size1, median(alone.map((x) => x.ms))).toFixed(0), `header after ${median(alone.map((x) => x.info)).toFixed(0)} ms`);
    for (const [c, n] of [[4 * MiB, 3], [4 * MiB, 8], [16 * MiB, 8], [32 * MiB, 4]]) {
      if (c === chunk && n === inFlight) continue;
      const x = [];
      for (let r = 0; r < RUNS; r += 1) x.push(await rawRead(page, c, n));
      row(`  (other: ${c / MiB} MiB × ${n} in flight, MB/s)`, mbps(size1, median(x.map((y) => y.ms))).toFixed(0));
    }
  }


  // (c') the CPU budget: CPU-s per GiB (every process of this Chromium) of the reference
  // slice read alone, of a BYOB stream read alone (how the page reads; and with `{ min }`, in
  // this page's main thread: docs/perf-page.md, session 9), and of the page's
  // kernels alone (statistics + viewer pyramid, pushBoth from memory, no reads). With the
  // reading and the kernels overlapped on 2 saturated cores, the end-to-end / raw-read
  // ratio is at most about read_CPU / (read_CPU + kernel_CPU).
  if (ONLY.has('budget')) {
    const page = await freshPage(context, server.url);
    await page.setInputFiles('#perf-input', f1);
    await rawRead(page, chunk, inFlight); // warm-up
    const perGiB = (bytes) => (c) => (c.total / 1000) * (GiB / bytes);
    const one = async (fn, label, bytes = size1) => {
      const t0 = BREAKDOWN ? chromiumThreadsMs(profile) : null;
      const c0 = chromiumCpuMs(profile);
      const x = await fn();
      const cpu = cpuSince(c0, chromiumCpuMs(profile));
      noteThreads(label, t0, profile, bytes);
      return { ms: x.ms ?? x.pushMs + x.finishMs, cpu };
    };
    const summary = (xs) => ({ ms: median(xs.map((x) => x.ms)), cpu: cpuMedian(xs.map((x) => x.cpu)) });
    const measure = async (fn, label) => {
      const xs = [];
      for (let r = 0; r < RUNS; r += 1) xs.push(await one(fn, label));
      return summary(xs);
    };
    const slices = await measure(() => rawRead(page, chunk, inFlight), 'slice read 16 MiB × 4');
    const byob = await measure(() => streamRead(page, true), 'BYOB read 16 MiB');
    const byobMin = await measure(() => streamRead(page, 'min'), 'BYOB read 16 MiB min');
    // The kernels of every variant (its own page and wasm), runs alternating between them.
    const kPages = [];
    for (const v of VARIANTS) {
      // A page of its own beside the others (freshPage would close them).
      const p = v.dir ? await context.newPage() : page;
      if (v.dir) {
        await p.goto(v.url);
        await p.waitForSelector('html[data-ready="true"]');
      }
      await wasmKernel(p, 64 * MiB, { both: true, chunk: 16 * MiB }); // warm-up
      kPages.push({ v, p, xs: [] });
    }
    for (let r = 0; r < RUNS; r += 1) {
      for (const k of kPages) k.xs.push(await one(() => wasmKernel(k.p, GiB, { both: true, chunk: 16 * MiB }), tag(k.v, 'kernels'), GiB));
    }
    const sCpu = perGiB(size1)(slices.cpu);
    const bCpu = perGiB(size1)(byob.cpu);
    row('CPU budget: raw slice read alone, 16 MiB × 4 (CPU-s per GiB)', sCpu.toFixed(2), `${mbps(size1, slices.ms).toFixed(0)} MB/s; ${cpuText(slices.cpu)}`);
    row('CPU budget: BYOB stream read alone, 16 MiB buffer (CPU-s per GiB)', bCpu.toFixed(2), `${mbps(size1, byob.ms).toFixed(0)} MB/s; ${cpuText(byob.cpu)}`);
    row('CPU budget: BYOB stream read alone, 16 MiB buffer, read(view, { min }) (CPU-s per GiB)', perGiB(size1)(byobMin.cpu).toFixed(2), `${mbps(size1, byobMin.ms).toFixed(0)} MB/s; ${cpuText(byobMin.cpu)}`);
    for (const k of kPages) {
      const kern = summary(k.xs);
      const kCpu = perGiB(GiB)(kern.cpu);
      row(tag(k.v, 'CPU budget: kernels alone, stats + LOD (IngestSession, or pushBoth) (CPU-s per GiB)'), kCpu.toFixed(2), `${mbps(GiB, kern.ms).toFixed(0)} MB/s, one thread; runs ${k.xs.map((x) => perGiB(GiB)(x.cpu).toFixed(2)).join(' ')}`);
      row(tag(k.v, 'ratio ceiling on 2 saturated cores, slice read / (slice read + kernels)'), (sCpu / (sCpu + kCpu)).toFixed(2), `with the BYOB read: ${(bCpu / (bCpu + kCpu)).toFixed(2)}`);
    }
  }

  // (d) end to end and (f) first view, 1 GiB: the variants alternate, each run preceded
  // by the reference raw read (the same file, a fresh page) so both see the same load.
  if (ONLY.has('e2e')) {
    const res = new Map(VARIANTS.map((v) => [v, []]));
    const raws = [];
    const rawCpu = [];
    for (let r = 0; r < RUNS; r += 1) {
      for (const v of VARIANTS) {
        const page = await freshPage(context, server.url);
        await page.setInputFiles('#perf-input', f1);
        const t0 = BREAKDOWN ? chromiumThreadsMs(profile) : null;
        const c0 = chromiumCpuMs(profile);
        raws.push((await rawRead(page, chunk, inFlight)).ms);
        rawCpu.push(cpuSince(c0, chromiumCpuMs(profile)));
        noteThreads('slice read before e2e', t0, profile, size1);
        const x = await endToEnd(context, v.url, f1, null, profile, tag(v, 'e2e'));
        log(`${v.label} run ${r + 1}: raw read ${mbps(size1, raws.at(-1)).toFixed(0)} MB/s (${cpuText(rawCpu.at(-1))}), end to end ${mbps(size1, x.done).toFixed(0)} MB/s (${cpuText(x.cpu)}), viewer ${(x.viewerReady / 1000).toFixed(2)} s, load ${load()}`);
        res.get(v).push(x);
      }
    }
    const rawRef = mbps(size1, median(raws));
    row('raw read just before each end-to-end run, 16 MiB × 4 (MB/s)', rawRef.toFixed(0), `median of ${raws.length}; ${cpuText(cpuMedian(rawCpu))}`);
    for (const v of VARIANTS) {
      const xs = res.get(v);
      const e2e = mbps(size1, median(xs.map((x) => x.done)));
      if (!multi) row('setInputFiles of the 1 GiB file (ms)', median(xs.map((x) => x.setMs)).toFixed(0));
      row(tag(v, 'end to end, drop → stats shown (MB/s)'), e2e.toFixed(0), `${(median(xs.map((x) => x.done)) / 1000).toFixed(2)} s wall; ${cpuText(cpuMedian(xs.map((x) => x.cpu)))}, user+sys, drop → viewer ready`);
      row(tag(v, 'ratio end to end / raw read (slices)'), (e2e / (Number.isFinite(rawMBps) ? rawMBps : rawRef)).toFixed(2), `target >= 0.80${Number.isFinite(rawMBps) ? `; vs the per-run reads: ${(e2e / rawRef).toFixed(2)}` : ''}`);
      row(tag(v, 'viewer overview complete (s)'), (median(xs.map((x) => x.viewerReady)) / 1000).toFixed(2));
      row(tag(v, 'first view: header shown (ms)'), median(xs.map((x) => x.info)).toFixed(0));
      row(tag(v, 'first view: first overview drawn (ms)'), median(xs.map((x) => x.drawn)).toFixed(0));
      row(tag(v, 'first meaningful view = both (ms)'), median(xs.map((x) => x.firstView)).toFixed(0), 'target < 1000');
    }
  }

  // (e) peak memory, 2 GiB (the variants alternate).
  const g2 = GIBS.find((g) => g >= 2);
  if (g2 && ONLY.has('mem')) {
    const res = new Map(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < RUNS; r += 1) {
      for (const v of VARIANTS) {
        let timer = null;
        let peak = { pss: 0, rss: 0 };
        const sampler = {
          start() {
            const pids = () => pidsOf(profile);
            timer = setInterval(() => {
              const m = rendererMemory(pids());
              peak = { pss: Math.max(peak.pss, m.pss), rss: Math.max(peak.rss, m.rss) };
            }, 100);
          },
          stop() { clearInterval(timer); return peak; },
        };
        const x = await endToEnd(context, v.url, files[g2], sampler, profile);
        log(`${v.label} run ${r + 1}: ${g2} GiB in ${(x.done / 1000).toFixed(2)} s, peak Pss ${(x.peak.pss / MiB).toFixed(0)} MiB, load ${load()}`);
        res.get(v).push(x);
      }
    }
    for (const v of VARIANTS) {
      const xs = res.get(v);
      row(tag(v, `${g2} GiB end to end (s)`), (median(xs.map((x) => x.done)) / 1000).toFixed(2), `${mbps(statSync(files[g2]).size, median(xs.map((x) => x.done))).toFixed(0)} MB/s; ${cpuText(cpuMedian(xs.map((x) => x.cpu)))}`);
      row(tag(v, `${g2} GiB peak renderer Pss (MiB)`), (median(xs.map((x) => x.peak.pss)) / MiB).toFixed(0), `target <= 512; max ${(Math.max(...xs.map((x) => x.peak.pss)) / MiB).toFixed(0)}`);
      row(tag(v, `${g2} GiB peak renderer RSS (MiB)`), (median(xs.map((x) => x.peak.rss)) / MiB).toFixed(0));
      const w = median(xs.map((x) => x.wasmBytes));
      row(tag(v, `${g2} GiB wasm memory of the workers, sum of peaks (MiB)`), w > 0 ? (w / MiB).toFixed(0) : 'n/a');
    }
  }

  if (BREAKDOWN) {
    // One column per scenario: the median over its runs of each thread's CPU-s per GiB.
    const labels = [...BREAKDOWN.keys()];
    const keys = new Set();
    for (const runs of BREAKDOWN.values()) for (const m of runs) for (const k of m.keys()) keys.add(k);
    const cell = (label, k) => median(BREAKDOWN.get(label).map((m) => m.get(k) ?? 0));
    const total = (label) => median(BREAKDOWN.get(label).map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
    const shown = [...keys].filter((k) => labels.some((l) => cell(l, k) >= 0.02))
      .sort((a, b) => Math.max(...labels.map((l) => cell(l, b))) - Math.max(...labels.map((l) => cell(l, a))));
    console.log(`\nCPU-s per GiB by process/thread (medians of runs; threads under 0.02 everywhere left out), load average ${load()}`);
    console.log(`| process/thread | ${labels.join(' | ')} |\n|---|${labels.map(() => '---:').join('|')}|`);
    for (const k of shown) console.log(`| ${k} | ${labels.map((l) => cell(l, k).toFixed(2)).join(' | ')} |`);
    console.log(`| **total** | ${labels.map((l) => total(l).toFixed(2)).join(' | ')} |`);
  }
  log(`load average at end: ${load()}`);
  console.log(`\nscopekit page performance — ${new Date().toISOString()}, ${RUNS} runs (medians), load average ${load()}`);
  console.log('| measurement | value | note |\n|---|---|---|');
  for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
} finally {
  await context?.close().catch(() => {});
  if (server?.proc) await stopServer(server.proc);
  server?.srv?.close();
  for (const st of statics) st.srv.close();
  rmSync(work, { recursive: true, force: true });
}
