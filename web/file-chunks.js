// Reading a dropped File in the page's workers: the one read loop of the stats, viewer,
// analog and decode workers (and the archive test). Measured with benches/browser/perf.mjs.

/** Bytes of the first read: small, so the header (and the first view) comes quickly. */
export const FIRST_CHUNK = 1024 * 1024;
/** Bytes per chunk after the first (benches/browser/perf.mjs; with one chunk filled ahead,
 * 4 MiB beat 2, 8 and 16 MiB end to end: docs/perf-page.md, Session 5). */
export const CHUNK = 4 * 1024 * 1024;
/** Reads kept in flight ahead of the one being pushed (slices only). */
export const IN_FLIGHT = 4;
/**
 * How the file is read by default: 'stream' (a BYOB reader of `file.stream()` into reused
 * CHUNK buffers) or 'slices' (`file.slice().arrayBuffer()`, IN_FLIGHT ahead). Slices read
 * faster and go on while the kernel runs, but each read is a fresh ArrayBuffer that only the
 * garbage collector frees: a 2 GiB file peaked at 800–1400 MiB Pss (budget 512), and
 * `buffer.transfer(0)` after each push did not help (Blink keeps its own reference to a Blob
 * read's memory until its GC). Concurrent BYOB streams over slices stall or crash the tab in
 * Chromium 156. Figures in docs/perf-page.md.
 */
export const READ = 'stream';

/** Chunks filled ahead of the one the caller holds ('stream': 0 or 1). */
export const AHEAD = 1;

/** A BYOB read that has delivered nothing for this long is taken as stalled. */
const STALL_MS = 10_000;
const STALLED = Symbol('stalled');

/**
 * `reader.read(view, { min })` filling the whole view (one settled promise per chunk instead
 * of one per 64 KiB the Blob stream hands over: 1.67 vs 2.55 CPU-s per GiB, perf.mjs), or
 * STALLED when it has not settled within STALL_MS. The last read of the file settles with
 * `done` and the bytes that were left.
 */
function readOrStall(reader, view) {
  let timer;
  const stalled = new Promise((resolve) => {
    timer = setTimeout(() => resolve(STALLED), STALL_MS);
  });
  const read = reader.read(view, { min: view.byteLength });
  return Promise.race([read, stalled]).finally(() => clearTimeout(timer));
}

/**
 * The bytes of `file` in order, as Uint8Arrays valid until the next one is requested.
 *
 * 'stream': views of CHUNK buffers filled by one BYOB reader and reused, `ahead` (0 or 1)
 * filled ahead of the one held by the caller (a new one is allocated only if the caller
 * transferred the last one away).
 * 'slices': each chunk has its own ArrayBuffer, `inFlight` reads ahead.
 *
 * Options: `read` ('stream' | 'slices'), `first` (bytes of the first read), `chunk`,
 * `inFlight`, `start` (first byte; slices), `end` (byte after the last; slices), `ahead`
 * (stream).
 */
export async function* chunksOf(file, {
  read = READ, first = FIRST_CHUNK, chunk = CHUNK, inFlight = IN_FLIGHT, start = 0, end = Infinity,
  ahead = AHEAD,
} = {}) {
  const total = Math.min(file.size, end);
  let reader = null;
  const open = (from) => file.slice(from).stream().getReader({ mode: 'byob' });
  if (read === 'stream' && start === 0 && total === file.size) {
    try {
      reader = open(0);
    } catch {
      reader = null; // no byte streams: slices
    }
  }
  if (reader) {
    // One stream, one read request at a time, but the next chunk is being filled while the
    // caller works on this one (a second buffer): its reads resume whenever the caller
    // yields, instead of only once it asks for the next chunk.
    let offset = 0; // file offset of the next chunk to fill
    const fill = async (buffer, size) => {
      let filled = 0;
      let done = false;
      while (filled < size) {
        const r = await readOrStall(reader, new Uint8Array(buffer, filled, size - filled));
        if (r === STALLED) {
          // Chromium's Blob streams can stop delivering for good (seen under load): drop
          // the reader and read this chunk again from a new stream at its offset.
          reader.cancel().catch(() => {});
          reader = open(offset);
          buffer = new ArrayBuffer(chunk); // the old one stays with the abandoned read
          filled = 0;
          continue;
        }
        if (r.value) {
          buffer = r.value.buffer; // the view's buffer comes back transferred
          filled += r.value.byteLength; // with `done` too: a `min` read's last bytes
        }
        if (r.done) {
          done = true;
          break;
        }
      }
      offset += filled;
      return { buffer, filled, done };
    };
    let spare = ahead > 0 ? new ArrayBuffer(chunk) : null;
    let next = fill(new ArrayBuffer(chunk), Math.min(first, chunk));
    try {
      for (;;) {
        const { buffer, filled, done } = await next;
        next = null;
        if (!done && spare) {
          next = fill(spare, chunk);
          next.catch(() => {});
          spare = null;
        }
        if (filled > 0) yield new Uint8Array(buffer, 0, filled);
        if (done) return;
        // The caller is done with `buffer` (or kept it: then a new one).
        const free = buffer.detached ? new ArrayBuffer(chunk) : buffer;
        if (next) spare = free;
        else next = fill(free, chunk);
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
  // Queue of pending reads, oldest first; `next` is the offset of the next read to start.
  const pending = [];
  let next = start;
  // The first (small) read goes alone: the header comes sooner than with big reads beside it.
  let limit = first < chunk ? 1 : inFlight;
  const refill = () => {
    while (pending.length < limit && next < total) {
      const from = next;
      const to = Math.min(from + (from === start ? first : chunk), total);
      next = to;
      const r = file.slice(from, to).arrayBuffer();
      // Avoid an "unhandled rejection" for reads abandoned after an earlier error.
      r.catch(() => {});
      pending.push(r);
    }
  };
  refill();
  while (pending.length > 0) {
    const buffer = await pending.shift();
    limit = inFlight;
    refill(); // start the next read before the caller's (synchronous) push
    yield new Uint8Array(buffer);
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
