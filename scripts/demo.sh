#!/usr/bin/env bash
# Sets up, builds everything, writes a sample capture, prints what the CLI says about it,
# and serves the web page so the same file can be dropped into it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-wasm.sh
cargo build --release -p scopekit-cli
mkdir -p target/sample
sample=target/sample/sample.npy
python3 scripts/make_sample.py "$sample"
echo
echo "\$ scopekit info $sample"
target/release/scopekit info "$sample"
echo
echo "\$ scopekit stats $sample"
target/release/scopekit stats "$sample"
uart=../shared/data/sigrok/uart/hello_world_8n1_115200/hello_world_8n1_115200.sr
if [ -f "$uart" ]; then
  echo
  echo "\$ scopekit decode uart $uart --tx TX"
  target/release/scopekit decode uart "$uart" --tx TX | tail -n 4
fi
echo
echo "Drop $PWD/$sample into the page (Ctrl-C stops the server):"
exec target/release/scopekit serve --host 127.0.0.1 --port "${PORT:-8080}"
