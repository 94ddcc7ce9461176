// The generated captures of the page's benches and tests (benches/browser/perf.mjs,
// benches/browser/kernel.mjs, tests/browser/perf.test.js): NPY version 1.0 of float32 rows,
// C order. Node and browser alike (no imports); pass `Array.from(npyHeader(…))` into a
// page.evaluate.

/** The NPY header of `frames` rows of `channels` little-endian float32 channels, padded so
 * that the data starts on a multiple of 64 bytes. */
export function npyHeader(frames, channels = 2) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${frames}, ${channels}), }`;
  const pad = (64 - ((11 + dict.length) % 64)) % 64;
  const text = `${dict}${' '.repeat(pad)}\n`;
  const head = new Uint8Array(10 + text.length);
  head.set([0x93, 78, 85, 77, 80, 89, 1, 0, text.length & 255, text.length >> 8]);
  for (let i = 0; i < text.length; i += 1) head[10 + i] = text.charCodeAt(i);
  return head;
}

/** `frames` rows of two float32 channels: a noisy sine, and an offset sine with a NaN every
 * 100 003 rows (`seed` seeds the noise). */
export function noisyFrames(frames, seed = 1) {
  const a = new Float32Array(frames * 2);
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < frames; i += 1) {
    a[2 * i] = Math.sin((2 * Math.PI * i) / 1000) + 0.2 * rnd();
    a[2 * i + 1] = i % 100_003 === 7 ? NaN : 2.5 + 0.5 * Math.sin((2 * Math.PI * i) / 377 + 0.3) + 0.1 * rnd();
  }
  return a;
}
