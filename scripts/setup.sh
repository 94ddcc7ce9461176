#!/usr/bin/env bash
# Installs everything a fresh machine of this kind lacks, and nothing it already has:
# Rust targets and components, wasm-bindgen-cli pinned to the version in Cargo.lock,
# Debian's chromium, python3's numpy, and the browser tests' npm packages.
# Idempotent; tools are cached in $SCOPEKIT_TOOLS (default ~/.cache/scopekit-tools), outside
# the work tree, so a fresh clone on the same machine (CI) skips the slow installs.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${SCOPEKIT_TOOLS:-$HOME/.cache/scopekit-tools}
mkdir -p "$TOOLS"
say() { printf '[setup] %s\n' "$*" >&2; }

# Rust targets (wasm, and a bare-metal one that proves the core is no_std) and components.
installed=$(rustup target list --installed)
for target in wasm32-unknown-unknown thumbv7em-none-eabihf; do
  grep -qx "$target" <<<"$installed" || { say "adding target $target"; rustup target add "$target"; }
done
components=$(rustup component list --installed)
for component in clippy rustfmt; do
  grep -q "^$component" <<<"$components" || { say "adding component $component"; rustup component add "$component"; }
done

# The threaded wasm build (web/pkg-threads, scripts/build-wasm.sh): the pinned nightly (the
# fuzz toolchain) with rust-src for -Z build-std, and its wasm32 target.
NIGHTLY=nightly-2026-05-20
if ! rustup toolchain list | grep -q "^$NIGHTLY"; then
  say "installing toolchain $NIGHTLY"
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src \
    --target wasm32-unknown-unknown --no-self-update
fi
nightly_components=$(rustup component list --toolchain "$NIGHTLY" --installed)
grep -q '^rust-src' <<<"$nightly_components" \
  || { say "adding rust-src to $NIGHTLY"; rustup component add rust-src --toolchain "$NIGHTLY"; }
grep -q '^rust-std-wasm32-unknown-unknown' <<<"$nightly_components" \
  || { say "adding wasm32 to $NIGHTLY"; rustup target add wasm32-unknown-unknown --toolchain "$NIGHTLY"; }

# wasm-bindgen-cli: exactly the wasm-bindgen version Cargo.lock resolved.
wb_version=$(awk '$1 == "name" && $3 == "\"wasm-bindgen\"" { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
[ -n "$wb_version" ] || { say "cannot find wasm-bindgen in Cargo.lock"; exit 1; }
wb_root="$TOOLS/wasm-bindgen-$wb_version"
if [ "$("$wb_root/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (a few minutes, once)"
  # --locked fails on this registry (its lockfile pins a crate version the registry lacks).
  cargo install wasm-bindgen-cli --version "$wb_version" --locked --root "$wb_root" \
    || cargo install wasm-bindgen-cli --version "$wb_version" --root "$wb_root"
fi

# Debian packages: chromium for the browser tests (never a downloaded browser build),
# sigrok-cli as the oracle of the protocol decoders and the peer of their benchmarks.
debs=""
command -v chromium >/dev/null || debs="$debs chromium"
command -v sigrok-cli >/dev/null || debs="$debs sigrok-cli"
if [ -n "$debs" ]; then
  say "installing$debs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $debs >/dev/null
fi

# numpy and scipy: the oracles of the CLI tests (statistics, spectra, filters) and the
# sample writers of the demo and the benchmarks.
if ! python3 -c 'import numpy, scipy' 2>/dev/null; then
  say "installing numpy and scipy"
  python3 -m pip install -q numpy scipy
fi

# playwright-core (drives /usr/bin/chromium) for the browser tests.
if [ ! -d tests/browser/node_modules/playwright-core ] \
  || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  say "installing browser test packages"
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi
say "ready"
