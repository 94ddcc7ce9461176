// What the page's workers share: loading the single-threaded wasm core once, and the text
// of an error for the page. (decode-worker.js picks its build through wasm-loader.js.)

/** The text of an error, or of anything else thrown, for an `{ type: 'error' }` message. */
export const messageOf = (e) => (e instanceof Error ? e.message : String(e));

/**
 * A loader of the single-threaded core: the returned function calls `init` (the default
 * export of pkg/scopekit_wasm.js) on its first call and returns that call's promise of the
 * module's exports on every call. `source(url)` gives what `init` instantiates: by default
 * the module's URL; a worker that posts the compiled module to others compiles it there.
 * The module's memory size is exposed for tests and benchmarks, which read it through
 * playwright's `worker.evaluate(() => self.__scopekitWasmBytes())`.
 */
export function coreLoader(init, source = (url) => url) {
  let ready = null;
  return () => {
    ready ??= (async () => {
      const url = new URL('./pkg/scopekit_wasm_bg.wasm', import.meta.url);
      const wasm = await init({ module_or_path: await source(url) });
      self.__scopekitWasmBytes = () => wasm.memory.buffer.byteLength;
      return wasm;
    })();
    return ready;
  };
}
