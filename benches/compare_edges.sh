#!/usr/bin/env bash
# `scopekit edges` (threshold with hysteresis, sub-sample crossing times, pulse statistics)
# against numpy doing the same in the same run: a plain vectorised threshold (x >= level,
# np.diff, np.nonzero) and a vectorised hysteresis (maximum.accumulate over the samples
# outside the dead band), on 10^8 float32 samples of a noisy square wave in the page cache.
# numpy's times exclude loading the file (np.load with mmap, then one pass to fault it in);
# scopekit's are the whole process. Medians of N runs. Usage: benches/compare_edges.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dir=${SCOPEKIT_BENCH_DIR:-target/bench-data}
file="$dir/square_1e8_f32.npy"
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  echo "writing $file" >&2
  python3 - "$file" <<'PY'
import sys
import numpy as np
n = 10**8
a = np.lib.format.open_memmap(sys.argv[1], mode="w+", dtype="<f4", shape=(n,))
rng = np.random.default_rng(3)
for i in range(0, n, 1 << 24):
    m = min(1 << 24, n - i)
    t = np.arange(i, i + m)
    a[i:i + m] = np.where((t % 1000) < 500, 3.3, 0.0) + rng.normal(0, 0.2, m).astype(np.float32)
a.flush()
PY
fi
cargo build --release -q -p scopekit-cli
bin=target/release/scopekit
cat "$file" >/dev/null
numpy_times=$(python3 - "$file" "$runs" <<'PY'
import sys, time
import numpy as np
x = np.load(sys.argv[1], mmap_mode="r")
x = np.asarray(x)  # fault in
runs = int(sys.argv[2])
def plain():
    b = x >= 1.65
    return np.nonzero(np.diff(b.view(np.int8)))[0]
def hysteresis():
    hi, lo = x >= 1.9, x < 1.4
    idx = np.where(hi | lo, np.arange(len(x)), -1)
    np.maximum.accumulate(idx, out=idx)
    state = hi[np.maximum(idx, 0)] & (idx >= 0)
    return np.nonzero(np.diff(state.view(np.int8)))[0]
for f in (plain, hysteresis):
    ts = []
    for _ in range(runs):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    ts.sort()
    print(ts[len(ts) // 2])
PY
)
read -r np_plain np_hyst <<<"$(echo $numpy_times)"
secs() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -n 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one=() two=()
for _ in $(seq "$runs"); do
  one+=("$(secs "$bin" edges "$file" --threshold 1.65 --hysteresis 0.5 --threads 1)")
  two+=("$(secs "$bin" edges "$file" --threshold 1.65 --hysteresis 0.5)")
done
o=$(median "${one[@]}") t=$(median "${two[@]}")
awk -v p="$np_plain" -v h="$np_hyst" -v o="$o" -v t="$t" 'BEGIN {
  n = 1e8
  printf "10^8 float32 samples, medians\n"
  printf "numpy threshold (x >= level, diff):     %.3f s  %5.0f MSa/s\n", p, n / p / 1e6
  printf "numpy hysteresis (accumulate):          %.3f s  %5.0f MSa/s\n", h, n / h / 1e6
  printf "scopekit edges, hysteresis, 1 thread:   %.3f s  %5.0f MSa/s  %.1fx numpy hysteresis\n", o, n / o / 1e6, h / o
  printf "scopekit edges, hysteresis, all cores:  %.3f s  %5.0f MSa/s  %.1fx numpy hysteresis\n", t, n / t / 1e6, h / t
}'
