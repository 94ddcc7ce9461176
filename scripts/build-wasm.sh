#!/usr/bin/env bash
# Builds the wasm module and its JS glue, both embedded by `scopekit serve`:
# - web/pkg: the single-threaded build (stable toolchain), the fallback;
# - web/pkg-threads: the threaded build (feature `threads`: a rayon pool of Web Workers
#   through wasm-bindgen-rayon), with the pinned nightly, build-std and the flags of
#   wasm/threads.toml, in its own target directory so the two never rebuild each other.
#   web/wasm-loader.js picks it when the page is crossOriginIsolated.
# Plain cargo + wasm-bindgen (no wasm-pack, no wasm-opt: see shared/TOOLCHAIN.md).
#
#   scripts/build-wasm.sh            both builds
#   SCOPEKIT_WASM_THREADS=0 scripts/build-wasm.sh   the single-threaded one only
#
# CARGO_TARGET_DIR (default target) holds the single-threaded build; the threaded one goes
# to $SCOPEKIT_THREADS_TARGET_DIR (default $CARGO_TARGET_DIR-threads, or target/wasm-threads).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${SCOPEKIT_TOOLS:-$HOME/.cache/scopekit-tools}
NIGHTLY=nightly-2026-05-20
wb_version=$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
wasm_bindgen="$TOOLS/wasm-bindgen-$wb_version/bin/wasm-bindgen"
target_dir=${CARGO_TARGET_DIR:-target}

cargo build --release -p scopekit-wasm --target wasm32-unknown-unknown
"$wasm_bindgen" --target web --no-typescript \
  --out-dir web/pkg "$target_dir/wasm32-unknown-unknown/release/scopekit_wasm.wasm"

[ "${SCOPEKIT_WASM_THREADS:-1}" = 0 ] && exit 0
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  threads_dir=${SCOPEKIT_THREADS_TARGET_DIR:-$CARGO_TARGET_DIR-threads}
else
  threads_dir=${SCOPEKIT_THREADS_TARGET_DIR:-target/wasm-threads}
fi
CARGO_TARGET_DIR="$threads_dir" cargo "+$NIGHTLY" --config wasm/threads.toml \
  build --release -p scopekit-wasm --features threads --target wasm32-unknown-unknown
rm -rf web/pkg-threads
"$wasm_bindgen" --target web --no-typescript \
  --out-dir web/pkg-threads "$threads_dir/wasm32-unknown-unknown/release/scopekit_wasm.wasm"
# Without a shared memory the glue silently comes out single-threaded (TOOLCHAIN.md, 4).
if ! grep -q 'shared:true\|shared: true' web/pkg-threads/scopekit_wasm.js; then
  echo "build-wasm: web/pkg-threads/scopekit_wasm.js lacks shared:true (memory not shared)" >&2
  exit 1
fi
