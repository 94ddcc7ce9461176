// Reading a dropped File in the page's workers: the one read loop of the stats, viewer,
// analog and decode workers (and the archive test). Measured with benches/browser/perf.mjs.

/** Bytes of the first read: small, so the header (and the first view) comes quickly. */
export const FIRST_CHUNK = 1024 * 1024;
/** Bytes per read after the first (benches/browser/perf.mjs, idle: 32 MiB × 4 in flight
 * reads fastest with the kernel running; 4 MiB × 3 about half as fast). */
export const CHUNK = 32 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed. */
export const IN_FLIGHT = 4;

/** Releases an ArrayBuffer's memory now rather than at the next GC (a detached one, e.g.
 * transferred to another worker, is left alone). */
export function release(buffer) {
  if (!buffer || buffer.detached || typeof buffer.transfer !== 'function') return;
  try {
    buffer.transfer(0);
  } catch {
    // Not transferable (a wasm memory, a SharedArrayBuffer): the GC frees it.
  }
}

/**
 * The bytes of `file` in order, as Uint8Arrays, each over its own ArrayBuffer read with
 * `file.slice(a, b).arrayBuffer()`, `inFlight` reads ahead of the one being used (reads go
 * on while the caller's kernel runs).
 *
 * A chunk stays valid until the next one is requested: then its buffer is released at once
 * (`ArrayBuffer.prototype.transfer(0)`), so the tab's memory is the reads in flight, not
 * whatever the garbage collector has not caught up with yet (1.2 GB/s of fresh buffers). The
 * caller may keep a chunk by transferring its buffer (postMessage) before asking for the next.
 *
 * Options: `first` (bytes of the first read), `chunk`, `inFlight`, `start` (first byte).
 */
export async function* chunksOf(file, { first = FIRST_CHUNK, chunk = CHUNK, inFlight = IN_FLIGHT, start = 0 } = {}) {
  // Queue of pending reads, oldest first; `next` is the offset of the next read to start.
  const total = file.size;
  const pending = [];
  let next = start;
  const refill = () => {
    while (pending.length < inFlight && next < total) {
      const from = next;
      const end = Math.min(from + (from === start ? first : chunk), total);
      next = end;
      const read = file.slice(from, end).arrayBuffer();
      // Avoid an "unhandled rejection" for reads abandoned after an earlier error.
      read.catch(() => {});
      pending.push(read);
    }
  };
  let last = null;
  try {
    refill();
    while (pending.length > 0) {
      const buffer = await pending.shift();
      refill(); // start the next read before the caller's (synchronous) push
      last = buffer;
      yield new Uint8Array(buffer);
      release(last);
      last = null;
    }
  } finally {
    release(last);
    // Reads still in flight when the caller stops early: free them as they land.
    for (const p of pending) p.then(release, () => {});
  }
}

/**
 * `chunksOf` as `take()` → `{ bytes, end }` (`end`: the file offset after the chunk) or null
 * at the end of the file; `close()` stops reading.
 */
export function chunkReader(file, options) {
  const it = chunksOf(file, options);
  let end = options?.start ?? 0;
  return {
    async take() {
      const r = await it.next();
      if (r.done) return null;
      end += r.value.byteLength;
      return { bytes: r.value, end };
    },
    close() {
      it.return().catch(() => {});
    },
  };
}

/** Zip-based captures (sigrok .sr, .npz) keep their directory at the end: read whole. */
export async function isArchive(file) {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4;
}
