// Reading a dropped File in the page's workers, shared by the stats and viewer workers (and
// the archive test by every worker). Measured with benches/browser/perf.mjs.

/** Bytes of the first read: small, so the header (and the first view) comes quickly. */
export const FIRST_CHUNK = 1024 * 1024;
/** Bytes per read after the first (benches/browser/perf.mjs: 16 MiB × 4 in flight read
 * about twice as fast as 4 MiB × 3 in headless Chromium). */
export const CHUNK = 16 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed (slices only). */
const IN_FLIGHT = 4;
/** How the file is read: 'stream' (BYOB reader, one reused buffer) or 'slices'. */
const READ = 'stream';

/**
 * The bytes of `file` in order, as Uint8Array views that stay valid only until the next one
 * is requested (they are pushed into wasm memory right away, which copies them once).
 *
 * A BYOB reader of `file.stream()` fills one reused CHUNK-sized buffer: no ArrayBuffer per
 * read for the garbage collector to catch up with, so the tab's memory stays flat however
 * large the file (benches/browser/perf.mjs). Where Blob streams are not byte streams, slices
 * are read with `file.slice().arrayBuffer()`, IN_FLIGHT reads ahead.
 */
export async function* chunksOf(file) {
  let reader = null;
  if (READ === 'stream') {
    try {
      reader = file.stream().getReader({ mode: 'byob' });
    } catch {
      reader = null;
    }
  }
  if (reader) {
    let buffer = new ArrayBuffer(CHUNK);
    let size = FIRST_CHUNK;
    try {
      for (;;) {
        let filled = 0;
        let done = false;
        while (filled < size) {
          const r = await reader.read(new Uint8Array(buffer, filled, size - filled));
          if (r.value) buffer = r.value.buffer; // the view's buffer comes back transferred
          if (r.done) {
            done = true;
            break;
          }
          filled += r.value.byteLength;
        }
        if (filled > 0) yield new Uint8Array(buffer, 0, filled);
        if (done) return;
        size = CHUNK;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  // Queue of pending reads, oldest first; `next` is the offset of the next read to start.
  const total = file.size;
  const pending = [];
  let next = 0;
  const refill = () => {
    while (pending.length < IN_FLIGHT && next < total) {
      const start = next;
      const end = Math.min(start + (start === 0 ? FIRST_CHUNK : CHUNK), total);
      next = end;
      const read = file.slice(start, end).arrayBuffer();
      // Avoid an "unhandled rejection" for reads abandoned after an earlier error.
      read.catch(() => {});
      pending.push(read);
    }
  };
  refill();
  while (pending.length > 0) {
    const buffer = await pending.shift();
    refill(); // start the next read before the caller's (synchronous) push
    yield new Uint8Array(buffer);
  }
}

/** Zip-based captures (sigrok .sr, .npz) keep their directory at the end: read whole. */
export async function isArchive(file) {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
}
