#!/usr/bin/env bash
# Fuzzes every format reader of scopekit-core (the cargo-fuzz targets in fuzz/) for
# SECONDS_PER_TARGET seconds each (default 10), after building them all once.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Installs only what is missing: the pinned nightly toolchain (sanitizers need it) and
# cargo-fuzz, cached in $SCOPEKIT_TOOLS (default ~/.cache/scopekit-tools) like setup.sh.
# Seeds are generated into fuzz/corpus/<target>/ (not committed); the targets build in
# fuzz/target/, apart from the main build. Every target runs; exits non-zero when any crashed,
# used more than 512 MB or hung for 10 s on one input, and prints the artifact and how to
# reproduce it. The last line is `fuzz: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${SCOPEKIT_TOOLS:-$HOME/.cache/scopekit-tools}
NIGHTLY=nightly-2026-05-20
CARGO_FUZZ_VERSION=0.13.2
# Release build with debug assertions and overflow checks: an overflowing size computed
# from the input panics instead of wrapping silently.
BUILD_FLAGS=(-O -a)
say() { printf '[fuzz] %s\n' "$*" >&2; }

seconds=${1:-10}
[[ $seconds =~ ^[0-9]+$ ]] || { say "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]"; exit 2; }
shift $(($# > 0 ? 1 : 0))
mkdir -p "$TOOLS"
start=$SECONDS

# The pinned nightly (cargo-fuzz builds with -Zsanitizer=address).
if ! rustup toolchain list | grep -q "^$NIGHTLY"; then
  say "installing toolchain $NIGHTLY"
  rustup toolchain install "$NIGHTLY" --profile minimal --no-self-update
fi

# cargo-fuzz, pinned.
cf_root="$TOOLS/cargo-fuzz-$CARGO_FUZZ_VERSION"
if [ "$("$cf_root/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$cf_root" \
    || cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$cf_root"
fi
export PATH="$cf_root/bin:$PATH"
# Never share the main build's target dir, even when CARGO_TARGET_DIR is set.
export CARGO_TARGET_DIR="$PWD/fuzz/target"
fuzz() { cargo "+$NIGHTLY" fuzz "$@"; }
say "tools ready in $((SECONDS - start)) s"

# numpy writes the NPY/NPZ seeds.
if ! python3 -c 'import numpy' 2>/dev/null; then
  say "installing numpy"
  python3 -m pip install -q numpy
fi

# Seeds: tiny generated files and a few small real captures from ../shared/data.
python3 fuzz/make_seeds.py fuzz/corpus ../shared/data

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(fuzz list)
fi

say "building ${#targets[@]} targets"
start=$SECONDS
fuzz build "${BUILD_FLAGS[@]}"
say "built in $((SECONDS - start)) s"

passed=0
failed=0
start=$SECONDS
for target in "${targets[@]}"; do
  say "running $target for ${seconds} s"
  log="fuzz/target/fuzz-$target.log"
  mkdir -p "fuzz/artifacts/$target"
  if fuzz run "${BUILD_FLAGS[@]}" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=512 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/[fuzz] $target: /" >&2 || true
  else
    failed=$((failed + 1))
    say "FAILED: $target (full log: $log)"
    grep -E -m1 -B2 -A30 "panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|==ERROR" "$log" >&2 \
      || tail -40 "$log" >&2
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    artifact=${artifact#"$PWD/"}
    if [ -n "$artifact" ]; then
      say "artifact: $artifact"
      say "reproduce: cargo +$NIGHTLY fuzz run ${BUILD_FLAGS[*]} $target $artifact"
      say "minimise:  cargo +$NIGHTLY fuzz tmin ${BUILD_FLAGS[*]} $target $artifact"
    fi
  fi
done
say "ran in $((SECONDS - start)) s"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
