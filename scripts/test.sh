#!/usr/bin/env bash
# Sets up a fresh machine and runs every check and test: formatting, clippy (native and
# wasm32), the docs (no broken links), the no_std build of the core, unit/property/integration tests, a short fuzz run
# of every reader, and the browser test in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*" >&2; }

scripts/setup.sh
step "format"
cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --check
step "wasm module"
scripts/build-wasm.sh
step "clippy"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p scopekit-wasm --target wasm32-unknown-unknown -- -D warnings
step "docs (no broken links)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
step "no_std core (thumbv7em-none-eabihf)"
cargo build -p scopekit-core --no-default-features --target thumbv7em-none-eabihf
step "release CLI"
cargo build --release -p scopekit-cli
export SCOPEKIT_BIN="$PWD/target/release/scopekit"
step "cargo tests"
# Property tests draw from one fixed seed here, so a commit passes or fails the same way on
# every run; plain `cargo test` draws a fresh seed each time and explores further.
export PROPTEST_RNG_SEED=${PROPTEST_RNG_SEED:-20261126}
cargo test --workspace
step "fuzz (every reader, briefly)"
scripts/fuzz.sh "${SCOPEKIT_FUZZ_SECONDS:-10}"
step "browser tests"
node --test tests/browser/
