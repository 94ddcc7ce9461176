#!/usr/bin/env bash
# scipy vs scopekit in the same session, medians of several runs:
# - rfft of 2^20 and 10^7 points: scipy.fft.rfft(float32, workers=1) via timeit against
#   criterion's realfft timings (benches/benches/spectrum.rs, f64 and f32; SKIP_BENCH=1 skips);
# - Welch PSD of 10^7 float32 samples, nperseg 4096: scipy.signal.welch in-process (it
#   computes float32 input in float32) against the `scopekit spectrum` CLI on an NPY in the
#   page cache (all cores; includes process start, reading and the JSON output), with the
#   default precision (auto: f32 for this input) and with `--precision f64`, and against a
#   baseline binary (SCOPEKIT_BASE, optional) in the same run, alternating. Wall and CPU
#   (user+sys) medians; the accuracy of each CLI run vs scipy (max relative error on the bins
#   above 1e-6 of the peak).
# Usage: benches/compare_spectrum.sh [RUNS] (default 7). SCOPEKIT_BIN picks the binary (else
# it is built), SCOPEKIT_BASE a baseline to compare with.
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
if [ -z "${SCOPEKIT_BIN:-}" ]; then
  cargo build --release -q -p scopekit-cli
fi
bin=${SCOPEKIT_BIN:-${CARGO_TARGET_DIR:-target}/release/scopekit}
base=${SCOPEKIT_BASE:-}
if [ -z "${SKIP_BENCH:-}" ]; then
  cargo bench -q -p scopekit-benches --bench spectrum -- --noplot 2>/dev/null >"$dir/spectrum_bench.txt"
  ours() { # criterion's median (the middle of "time: [low median high]"), in ms
    awk -v id="$1" 'index($0, id) {f=1} f && /time:/ {sub(/.*time: *\[/, ""); v=$3; u=$4;
      if (u=="s") v*=1000; if (u=="µs"||u=="us") v/=1000; if (u=="ns") v/=1e6; print v; exit}' \
      "$dir/spectrum_bench.txt"
  }
  kernels="$(ours 'rfft/f64_1048576') $(ours 'rfft/f32_1048576') $(ours 'rfft/f64_10000000') $(ours 'rfft/f32_10000000') $(ours 'welch/hann_4096')"
else
  kernels=""
fi
python3 - "$file" "$bin" "$runs" "$base" $kernels <<'PY'
import sys, os, json, timeit, subprocess, time, statistics as st
import numpy as np, scipy.fft, scipy.signal
path, binary, runs, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kernels = list(map(float, sys.argv[5:]))
def med(f, n):
    return st.median(timeit.repeat(f, number=1, repeat=n)) * 1e3
if kernels:
    r64_20, r32_20, r64_7, r32_7, welch_kernel = kernels
    for n, o64, o32 in [(1 << 20, r64_20, r32_20), (10**7, r64_7, r32_7)]:
        x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        s = med(lambda: scipy.fft.rfft(x, workers=1), runs)
        print(f"rfft n={n}: scipy f32 {s:.2f} ms | realfft f64 {o64:.2f} ms ({s/o64:.2f}x) | f32 {o32:.2f} ms ({s/o32:.2f}x)")
x = np.load(path)
walls, cpus = [], []
for _ in range(runs):
    t, c = time.perf_counter(), time.process_time()
    f, want = scipy.signal.welch(x, nperseg=4096)
    walls.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
s_wall, s_cpu = st.median(walls) * 1e3, st.median(cpus) * 1e3
print(f"welch 1e7 float32 nperseg=4096: scipy {s_wall:.1f} ms wall, {s_cpu:.1f} ms cpu (dtype {want.dtype})")
want = want.astype(np.float64)
floor = want.max() * 1e-6
def run(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    assert status == 0, cmd
    return wall, ru.ru_utime + ru.ru_stime, out
variants = [("scopekit auto (f32)", [binary, "spectrum", path, "--nfft", "4096", "--json"]),
            ("scopekit --precision f64", [binary, "spectrum", path, "--nfft", "4096", "--json", "--precision", "f64"])]
if base:
    variants.insert(0, ("baseline (f64)", [base, "spectrum", path, "--nfft", "4096", "--json"]))
times = {name: ([], []) for name, _ in variants}
errors = {}
for _ in range(runs):
    for name, cmd in variants:  # alternating, so load drifts hit every variant alike
        wall, cpu, out = run(cmd)
        times[name][0].append(wall); times[name][1].append(cpu)
        if name not in errors:
            got = np.array(json.loads(out)["psd"])
            sel = want > floor
            errors[name] = float(np.max(np.abs(got[sel] - want[sel]) / want[sel]))
for name, _ in variants:
    w, c = st.median(times[name][0]) * 1e3, st.median(times[name][1]) * 1e3
    print(f"  {name:26s} {w:7.1f} ms wall ({s_wall/w:.2f}x scipy), {c:7.1f} ms cpu; max rel err vs scipy {errors[name]:.2e}")
if kernels:
    print(f"  kernel serial in memory (f64) {welch_kernel:.1f} ms ({s_wall/welch_kernel:.2f}x)")
PY
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
