// Module worker that reads one File for another worker (file-chunks.js `readerChunks`), so
// the copy out of the Blob's data pipe runs on its own thread while the other computes.
//
// Owner → reader:
//   { type: 'read', file, first, chunk, buffers }   once: read `file` from its start, `first`
//        bytes in the first chunk (the header comes quickly), `chunk` bytes in the others,
//        into at most `buffers` ArrayBuffers of `chunk` bytes
//   { type: 'buffer', buffer }                      a chunk's buffer given back for reuse
//                                                   (`buffer: null`: the owner kept it)
// Reader → owner:
//   { type: 'chunk', bytes }        the next bytes of the file, in order (a Uint8Array view at
//                                   offset 0 of a transferred buffer: the owner holds it until
//                                   it gives it back)
//   { type: 'end', allocated }      after the last chunk (`allocated`: buffers created, ≤ buffers)
//   { type: 'error', message }
//
// Flow control: the reader creates a buffer only while fewer than `buffers` exist; then it
// waits for one to come back. So at most `buffers` × `chunk` bytes are read ahead of the
// owner, and no per-read ArrayBuffer is left for the garbage collector (a BYOB reader of
// `file.stream()` fills the buffers; slices would be fresh buffers that Blink keeps until its
// GC, docs/perf-page.md).

/** Buffers not in use, and how many were created. */
const free = [];
let allocated = 0;
/** Resolves the reader's wait for a free buffer. */
let wake = null;
let started = false;

async function take(size, max) {
  for (;;) {
    const b = free.pop();
    if (b) return b;
    if (allocated < max) {
      allocated += 1;
      return new ArrayBuffer(size);
    }
    await new Promise((resolve) => { wake = resolve; });
  }
}

/**
 * A BYOB-like `read(view)` over `stream`: its own BYOB reader, or (browsers whose Blob
 * streams are not byte streams) a default reader whose chunks are copied into `view`.
 */
function byobOf(stream) {
  try {
    return stream.getReader({ mode: 'byob' });
  } catch {
    const reader = stream.getReader();
    let rest = null; // bytes of the last chunk not copied yet
    return {
      async read(view) {
        if (!rest || rest.byteLength === 0) {
          const r = await reader.read();
          if (r.done) return { done: true, value: new Uint8Array(view.buffer, view.byteOffset, 0) };
          rest = r.value;
        }
        const n = Math.min(rest.byteLength, view.byteLength);
        view.set(rest.subarray(0, n));
        rest = rest.subarray(n);
        return { done: false, value: new Uint8Array(view.buffer, view.byteOffset, n) };
      },
      cancel: () => reader.cancel(),
    };
  }
}

async function read(file, first, chunk, buffers) {
  const reader = byobOf(file.stream());
  let size = Math.min(first, chunk);
  try {
    for (;;) {
      let buffer = await take(chunk, buffers);
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
      if (filled > 0) {
        const bytes = new Uint8Array(buffer, 0, filled);
        self.postMessage({ type: 'chunk', bytes }, [buffer]);
      } else {
        free.push(buffer);
      }
      if (done) return;
      size = chunk;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

self.onmessage = async ({ data }) => {
  if (data?.type === 'buffer') {
    if (data.buffer instanceof ArrayBuffer && !data.buffer.detached) free.push(data.buffer);
    else allocated -= 1; // the owner kept it (`buffer: null`): another may be created
    wake?.();
    wake = null;
    return;
  }
  if (data?.type !== 'read' || started) return;
  started = true;
  try {
    await read(data.file, data.first, data.chunk, Math.max(1, data.buffers));
    self.postMessage({ type: 'end', allocated });
  } catch (e) {
    self.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
