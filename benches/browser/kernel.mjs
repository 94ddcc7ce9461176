#!/usr/bin/env node
// The stats kernel alone (issue 8): single-threaded wasm in node (the same V8 as the page)
// vs the native CLI, builds side by side, alternating runs in one process.
//
//   node benches/browser/kernel.mjs [--runs 5] [--mib 1024] [--pkg web/pkg[,DIR...]]
//                                   [--bin target/release/scopekit[,BIN...]] [--both]
//
// --both: the page's ingest instead of the statistics alone (IngestSession feeding the
// statistics and a LodSession's pyramid from one reader, as web/worker.js does; perf.mjs's
// budget section). --bin '' skips the native runs.
//
// wasm: the data and its push loop are perf.mjs's wasmKernel (a float32 NPY of two
// interleaved channels, Session.push in 4 MiB views, then finish), the module instantiated
// from DIR/scopekit_wasm_bg.wasm with initSync. native: `BIN stats FILE --json --threads 1`
// on the same bytes written to a temp file (page cache), minus the same command on a tiny
// file (≈ in-process). Prints medians of wall time and of CPU time (MB/s; native: user+sys
// of the child via /usr/bin/time, wasm: process.cpuUsage around push+finish), the load
// average, wasm/native ratios of each pair (pkg i with bin i, or the last bin), and whether
// every build gave the same statistics. On a shared machine compare the CPU figures.
//
//   node benches/browser/kernel.mjs --pkg /tmp/main-pkg,web/pkg --bin /tmp/main-scopekit,target/release/scopekit

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { noisyFrames, npyHeader } from '../../tests/browser/npy.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('runs', '5'));
const MiB = 1024 ** 2;
const TOTAL = Number(arg('mib', '1024')) * MiB;
const CHUNK = 4 * MiB;
const PKGS = arg('pkg', path.join(REPO, 'web', 'pkg')).split(',').filter(Boolean);
const BINS = arg('bin', path.join(REPO, 'target', 'release', 'scopekit')).split(',').filter(Boolean);
const BOTH = process.argv.includes('--both');
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

/** 32 MiB of frames: noisy sine, offset sine with NaNs (perf.mjs's wasmKernel data). */
function data() {
  return new Uint8Array(noisyFrames(1 << 22, 1).buffer);
}

const head = npyHeader(TOTAL / 8);
const bytes = data();

const modules = [];
for (const dir of PKGS) {
  const m = await import(pathToFileURL(path.resolve(dir, 'scopekit_wasm.js')).href);
  // Each glue module holds one instance; import it under a unique URL per directory.
  m.initSync({ module: readFileSync(path.resolve(dir, 'scopekit_wasm_bg.wasm')) });
  modules.push(m);
}

function wasmRun(m) {
  const lod = BOTH ? new m.LodSession(head.length + TOTAL) : null;
  const session = BOTH ? new m.IngestSession(head.length + TOTAL) : new m.Session(head.length + TOTAL);
  const push = BOTH ? (part) => session.push(lod, part) : (part) => session.push(part);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  push(head);
  for (let off = 0; off < TOTAL; off += CHUNK) {
    const at = off % bytes.length;
    push(bytes.subarray(at, Math.min(at + CHUNK, bytes.length, at + TOTAL - off)));
  }
  const report = BOTH ? session.finish(lod) : session.finish();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  session.free();
  lod?.free();
  return { ms, cpu: (c.user + c.system) / 1000, report };
}

const work = mkdtempSync(path.join(tmpdir(), 'scopekit-kernel-'));
const file = path.join(work, 'capture.npy');
const tiny = path.join(work, 'tiny.npy');
{
  const fd = openSync(file, 'w');
  writeSync(fd, head);
  for (let off = 0; off < TOTAL; off += CHUNK) {
    const at = off % bytes.length;
    writeSync(fd, bytes.subarray(at, Math.min(at + CHUNK, bytes.length, at + TOTAL - off)));
  }
  closeSync(fd);
  const t = openSync(tiny, 'w');
  writeSync(t, npyHeader(1024));
  writeSync(t, bytes.subarray(0, 8192));
  closeSync(t);
}

/** Wall and CPU (user+sys) milliseconds of `bin stats f --json --threads 1`. */
function nativeRun(bin, f) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', bin, 'stats', f, '--json', '--threads', '1'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${bin}: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { ms, cpu: (u + s) * 1000, out: r.stdout };
}

console.log(`# load average at start: ${load()}; ${TOTAL / MiB} MiB, ${RUNS} runs, alternating`);
const wasmMs = PKGS.map(() => []);
const wasmCpu = PKGS.map(() => []);
const natMs = BINS.map(() => []);
const natCpu = BINS.map(() => []);
const tinyMs = BINS.map(() => []);
const tinyCpu = BINS.map(() => []);
const natOut = new Set();
const wasmOut = new Set();
for (const bin of BINS) nativeRun(bin, file); // page cache, warm-up
for (const m of modules) wasmRun(m); // tier-up, memory growth
for (let r = 0; r < RUNS; r += 1) {
  BINS.forEach((bin, i) => {
    const a = nativeRun(bin, file);
    natMs[i].push(a.ms);
    natCpu[i].push(a.cpu);
    natOut.add(a.out);
    const b = nativeRun(bin, tiny);
    tinyMs[i].push(b.ms);
    tinyCpu[i].push(b.cpu);
  });
  modules.forEach((m, i) => {
    const { ms, cpu, report } = wasmRun(m);
    wasmMs[i].push(ms);
    wasmCpu[i].push(cpu);
    wasmOut.add(JSON.stringify(report.channels));
  });
}
const natIn = BINS.map((bin, i) => {
  const wall = mbps(TOTAL, median(natMs[i]) - median(tinyMs[i]));
  const cpu = mbps(TOTAL, median(natCpu[i]) - median(tinyCpu[i]));
  console.log(`native ${bin}: in-process ≈ ${wall.toFixed(0)} MB/s wall, ${cpu.toFixed(0)} MB/s CPU (median ${median(natMs[i]).toFixed(0)} ms, cpu ${median(natCpu[i]).toFixed(0)} ms, tiny ${median(tinyMs[i]).toFixed(0)} ms)`);
  return { wall, cpu };
});
const wasm = PKGS.map((dir, i) => {
  const w = mbps(TOTAL, median(wasmMs[i]));
  const c = mbps(TOTAL, median(wasmCpu[i]));
  console.log(`wasm   ${dir}: push+finish ${w.toFixed(0)} MB/s wall, ${c.toFixed(0)} MB/s CPU (median ${median(wasmMs[i]).toFixed(0)} ms; runs ${wasmMs[i].map((x) => x.toFixed(0)).join(' ')})`);
  return { w, c };
});
if (BINS.length) PKGS.forEach((dir, i) => {
  const j = Math.min(i, BINS.length - 1);
  console.log(`ratio  wasm ${i} / native ${j}: ${(wasm[i].w / natIn[j].wall).toFixed(2)} wall, ${(wasm[i].c / natIn[j].cpu).toFixed(2)} CPU (target >= 0.80)`);
});
console.log(`identical outputs: native ${natOut.size <= 1}, wasm ${wasmOut.size <= 1}`);
console.log(`# load average at end: ${load()}`);
rmSync(work, { recursive: true, force: true });
