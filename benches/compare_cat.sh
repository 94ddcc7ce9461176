#!/usr/bin/env bash
# Throughput of `scopekit stats` on a 2 GiB float32 NPY (2 channels) in the page cache,
# against `cat FILE >/dev/null` in the same run: medians of N alternating runs, the ratio,
# and scopekit's peak RSS. Usage: benches/compare_cat.sh [RUNS] (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
dir=${SCOPEKIT_BENCH_DIR:-target/bench-data}
file="$dir/f32_2ch_2GiB.npy"
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  echo "writing $file" >&2
  python3 - "$file" <<'PY'
import sys
import numpy as np
n = 1 << 28
a = np.lib.format.open_memmap(sys.argv[1], mode="w+", dtype="<f4", shape=(n, 2))
rng = np.random.default_rng(1)
for i in range(0, n, 1 << 24):
    m = min(1 << 24, n - i)
    a[i:i + m, 0] = rng.standard_normal(m, dtype=np.float32)
    a[i:i + m, 1] = 5 + rng.standard_normal(m, dtype=np.float32)
a.flush()
PY
fi
cargo build --release -q -p scopekit-cli
bin=target/release/scopekit
cat "$file" >/dev/null # into the page cache
secs() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }
cat_t=() sk_t=() rss=()
for _ in $(seq "$runs"); do
  read -r t _ < <(secs cat "$file"); cat_t+=("$t")
  read -r t m < <(secs "$bin" stats "$file"); sk_t+=("$t"); rss+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bytes=$(stat -L -c %s "$file")
c=$(median "${cat_t[@]}") s=$(median "${sk_t[@]}") r=$(median "${rss[@]}")
awk -v b="$bytes" -v c="$c" -v s="$s" -v r="$r" -v n="$runs" 'BEGIN {
  printf "file: %.2f GiB, %d runs, medians\n", b / 2^30, n
  printf "cat:             %.3f s  %.2f GB/s\n", c, b / c / 1e9
  printf "scopekit stats:  %.3f s  %.2f GB/s  peak RSS %.0f MiB\n", s, b / s / 1e9, r / 1024
  printf "ratio (scopekit / cat throughput): %.2f\n", c / s
}'
