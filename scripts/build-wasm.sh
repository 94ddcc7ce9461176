#!/usr/bin/env bash
# Builds the wasm module and its JS glue into web/pkg (embedded by `scopekit serve`).
# Plain cargo + wasm-bindgen (no wasm-pack, no wasm-opt: see shared/TOOLCHAIN.md).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${SCOPEKIT_TOOLS:-$HOME/.cache/scopekit-tools}
wb_version=$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
cargo build --release -p scopekit-wasm --target wasm32-unknown-unknown
"$TOOLS/wasm-bindgen-$wb_version/bin/wasm-bindgen" --target web --no-typescript \
  --out-dir web/pkg "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/scopekit_wasm.wasm"
