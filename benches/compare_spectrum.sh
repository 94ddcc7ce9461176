#!/usr/bin/env bash
# scipy vs scopekit in the same session, medians of several runs:
# - rfft of 2^20 and 10^7 points: scipy.fft.rfft(float32, workers=1) via timeit against
#   criterion's realfft timings (benches/benches/spectrum.rs, f64 and f32);
# - Welch PSD of 10^7 float32 samples, nperseg 4096: scipy.signal.welch in-process against
#   the `scopekit spectrum` CLI on an NPY in the page cache (both cores; includes process
#   start, reading and the JSON output).
# Usage: benches/compare_spectrum.sh [RUNS] (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
dir=${SCOPEKIT_BENCH_DIR:-target/bench-data}
mkdir -p "$dir"
file="$dir/welch_f32_1e7.npy"
python3 - "$file" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(1)
x = (np.sin(2 * np.pi * 0.0123 * np.arange(10**7)) + 0.01 * rng.standard_normal(10**7)).astype(np.float32)
np.save(sys.argv[1], x)
PY
cargo build --release -q -p scopekit-cli
bin=${SCOPEKIT_BIN:-target/release/scopekit}
if [ -z "${SKIP_BENCH:-}" ]; then
  cargo bench -q -p scopekit-benches --bench spectrum -- --noplot 2>/dev/null >"$dir/spectrum_bench.txt"
fi
ours() { # criterion's median (the middle of "time: [low median high]"), in ms
  awk -v id="$1" 'index($0, id) {f=1} f && /time:/ {sub(/.*time: *\[/, ""); v=$3; u=$4;
    if (u=="s") v*=1000; if (u=="µs"||u=="us") v/=1000; if (u=="ns") v/=1e6; print v; exit}' \
    "$dir/spectrum_bench.txt"
}
python3 - "$file" "$bin" "$runs" "$(ours 'rfft/f64_1048576')" "$(ours 'rfft/f32_1048576')" \
  "$(ours 'rfft/f64_10000000')" "$(ours 'rfft/f32_10000000')" "$(ours 'welch/hann_4096')" <<'PY'
import sys, timeit, subprocess, time, statistics as st
import numpy as np, scipy.fft, scipy.signal
path, binary, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
r64_20, r32_20, r64_7, r32_7, welch_kernel = map(float, sys.argv[4:9])
def med(f, n):
    return st.median(timeit.repeat(f, number=1, repeat=n)) * 1e3
for n, o64, o32 in [(1 << 20, r64_20, r32_20), (10**7, r64_7, r32_7)]:
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    s = med(lambda: scipy.fft.rfft(x, workers=1), runs)
    print(f"rfft n={n}: scipy f32 {s:.2f} ms | realfft f64 {o64:.2f} ms ({s/o64:.2f}x) | f32 {o32:.2f} ms ({s/o32:.2f}x)")
x = np.load(path)
s = med(lambda: scipy.signal.welch(x, nperseg=4096), runs)
def cli():
    t = time.perf_counter()
    subprocess.run([binary, "spectrum", path, "--nfft", "4096", "--json"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t
c = st.median([cli() for _ in range(runs)]) * 1e3
print(f"welch 1e7 f32 nperseg=4096: scipy {s:.1f} ms | scopekit CLI (2 cores) {c:.1f} ms ({s/c:.2f}x) | kernel serial in memory {welch_kernel:.1f} ms ({s/welch_kernel:.2f}x)")
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
