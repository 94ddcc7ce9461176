#!/usr/bin/env bash
# Streaming correlation of two float32 NPY files (1 GiB each by default) against `cat` of
# the same files (read throughput), and scipy.signal.correlate(method='fft') on 2×10^7
# samples, in the same run. Medians of RUNS runs, wall and CPU (user+sys) seconds; peak RSS
# from /usr/bin/time. With OLD (a baseline binary), its runs alternate with BIN's.
# ACCURACY=1 prints the f32/f64 accuracy table of docs/json-schema.md (correlate) instead.
# Usage: benches/compare_correlate.sh [BIN] [OLD] (env: MIB=1024 RUNS=5 LAG=1000 ACCURACY=)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/scopekit}; OLD=${2:-}
MIB=${MIB:-1024}; RUNS=${RUNS:-5}; LAG=${LAG:-1000}
DATA=${SCOPEKIT_DATA:-../shared/data}
if [ -n "${ACCURACY:-}" ]; then
  python3 - "$BIN" "$DATA" <<'PY'
# Accuracy of `scopekit correlate --stream` in f32 and f64 against scipy.signal.correlate
# (method='fft') in float64 (reference) and on the float32 inputs (scipy's own f32 result).
import json, os, subprocess, sys, tempfile
import numpy as np, scipy.signal as s
BIN, DATA = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
rng = np.random.default_rng(11)
def frac_delay(x, d):
    f = np.fft.rfftfreq(len(x)); return np.fft.irfft(np.fft.rfft(x) * np.exp(-2j * np.pi * f * d), len(x))
cases = []
n = 2_000_000
b = rng.standard_normal(n); cases.append(('random 2e6, delay 123', np.roll(b, 123) + 0.1 * rng.standard_normal(n), b, 1000))
t = np.arange(n); p = ((t % 1000) < 300).astype(float); y = np.zeros(n); acc = 0.0
k = np.exp(-1 / 8.0); y = s.lfilter([1 - k], [1, -k], p) * 3.3 + 1.0
cases.append(('pulse 2e6 (offset 1 V), delay 37.4', frac_delay(y, 37.4) + 0.02 * rng.standard_normal(n), y + 0.02 * rng.standard_normal(n), 500))
big = 20_000_000
b = rng.standard_normal(big); cases.append(('random 2e7, delay 5', np.roll(b, 5) + 0.5 * rng.standard_normal(big), b, 1000))
trc = os.path.join(tmp, 'trc.npy')
subprocess.run([BIN, 'convert', os.path.join(DATA, 'trc', 'pulse.trc'), trc], check=True, capture_output=True)
x = np.load(trc).astype(float).reshape(-1)
cases.append((f'LeCroy pulse.trc ({len(x)} samples), shift 7', x[7:], x[:-7], 50))
print('| case | precision | peak value rel err | lag | sub-sample lag err | coefficient err | curve max err / peak |')
print('|---|---|---|---|---|---|---|')
for name, a, b, L in cases:
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    fa, fb = os.path.join(tmp, 'a.npy'), os.path.join(tmp, 'b.npy')
    np.save(fa, a32); np.save(fb, b32)
    ref = s.correlate(a32.astype(float), b32.astype(float), mode='full', method='fft')
    sp32 = s.correlate(a32, b32, mode='full', method='fft')
    k0 = len(b32) - 1
    lags = np.arange(-L, L + 1)
    rc = ref[k0 + lags]
    i = int(np.argmax(np.abs(rc))); pk = rc[i]
    def interp(c, i):
        l, v, r = c[i - 1], c[i], c[i + 1]; d = l - 2 * v + r
        return lags[i] + (np.clip(0.5 * (l - r) / d, -0.5, 0.5) if d != 0 else 0)
    m = lags[i]; ov_a = a32[max(m, 0):len(b32) + m].astype(float); ov_b = b32[max(-m, 0):len(b32) - m if m > 0 else len(b32)].astype(float)
    nn = min(len(ov_a), len(ov_b)); ov_a, ov_b = ov_a[:nn], ov_b[:nn]
    coef = np.corrcoef(ov_a, ov_b)[0, 1]
    rows = []
    for prec in ['f32', 'f64']:
        csv = os.path.join(tmp, 'c.csv')
        r = json.loads(subprocess.run([BIN, 'correlate', fa, fb, '--max-lag', str(L), '--stream', '--json', '--precision', prec, '--output', csv], check=True, capture_output=True).stdout)
        c = np.loadtxt(csv, delimiter=',', skiprows=1)[:, 2]
        rows.append((prec, r['peak']['value'], r['peak']['lag'], r['peak']['lag_interpolated'], r['coefficient'], c))
    c = sp32[k0 + lags].astype(float); j = int(np.argmax(np.abs(c)))
    rows.append(('scipy f32', c[j], int(lags[j]), interp(c, j), float('nan'), c))
    for prec, v, lag, li, co, c in rows:
        print(f'| {name} | {prec} | {abs(v - pk) / abs(pk):.1e} | {lag} (ref {m}) | {abs(li - interp(rc, i)):.1e} | {abs(co - coef):.1e} | {np.max(np.abs(c - rc)) / abs(pk):.1e} |')
PY
  exit 0
fi
DIR=target/bench-data; mkdir -p "$DIR"
A=$DIR/corr_a_${MIB}.npy; B=$DIR/corr_b_${MIB}.npy
if [ ! -f "$A" ] || [ ! -f "$B" ]; then
  python3 - "$A" "$B" "$MIB" <<'PY'
import sys, numpy as np
a, b, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = mib * (1 << 20) // 4
rng = np.random.default_rng(1)
fa = np.lib.format.open_memmap(a, 'w+', np.float32, (n,))
fb = np.lib.format.open_memmap(b, 'w+', np.float32, (n,))
step = 1 << 24
for i in range(0, n, step):
    x = rng.standard_normal(min(step, n - i) + 123).astype(np.float32)
    fb[i:i + step] = x[123:]
    fa[i:i + step] = x[:-123]
fa.flush(); fb.flush()
PY
fi
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# "wall cpu rss_kib" of one run
timeit() { /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3, $4}'; }
# median wall, median cpu, max rss (MiB) of lines "wall cpu rss"
summary() { local t c r; t=$(cut -d' ' -f1 <<<"$1" | median); c=$(cut -d' ' -f2 <<<"$1" | median)
  r=$(cut -d' ' -f3 <<<"$1" | sort -n | tail -1); echo "$t $c $((r / 1024))"; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
bytes=$(( $(stat -c %s "$A") + $(stat -c %s "$B") ))
cat "$A" "$B" >/dev/null # warm the page cache
cat_r=""; new_r=""; old_r=""
for _ in $(seq "$RUNS"); do
  cat_r+="$(timeit cat "$A" "$B")"$'\n'
  new_r+="$(timeit "$BIN" correlate "$A" "$B" --max-lag "$LAG" --stream --json)"$'\n'
  if [ -n "$OLD" ]; then old_r+="$(timeit "$OLD" correlate "$A" "$B" --max-lag "$LAG" --stream --json)"$'\n'; fi
done
"$BIN" correlate "$A" "$B" --max-lag "$LAG" --stream | sed -n 2,3p
report() { # name "wall cpu rss" cat_wall
  awk -v n="$1" -v b="$bytes" -v c="$3" -v s="$2" 'BEGIN { split(s, v, " ");
    printf "%-22s %6.2f s wall  %6.2f s cpu  %6.0f MiB/s  %5.1f %% of cat  peak RSS %d MiB\n",
      n, v[1], v[2], b / 1048576 / v[1], 100 * c / v[1], v[3] }'; }
cat_s=$(summary "${cat_r%$'\n'}"); cat_t=${cat_s%% *}
report "cat 2 files" "$cat_s" "$cat_t"
report "scopekit streaming" "$(summary "${new_r%$'\n'}")" "$cat_t"
if [ -n "$OLD" ]; then report "baseline (OLD)" "$(summary "${old_r%$'\n'}")" "$cat_t"; fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
SMALL=$DIR/corr_small_a.npy; SMALLB=$DIR/corr_small_b.npy
python3 -c "
import numpy as np
a = np.load('$A', mmap_mode='r'); b = np.load('$B', mmap_mode='r')
np.save('$SMALL', np.asarray(a[:20000000])); np.save('$SMALLB', np.asarray(b[:20000000]))"
py=""; sm=""
for _ in $(seq "$RUNS"); do
  py+="$(timeit python3 -c "
import numpy as np, scipy.signal as s
a = np.load('$SMALL'); b = np.load('$SMALLB'); c = s.correlate(a, b, mode='full', method='fft'); print(c.argmax())")"$'\n'
  sm+="$(timeit "$BIN" correlate "$SMALL" "$SMALLB" --max-lag "$LAG" --stream)"$'\n'
done
read -r py_t py_c py_m <<<"$(summary "${py%$'\n'}")"
read -r sm_t sm_c sm_m <<<"$(summary "${sm%$'\n'}")"
awk -v p="$py_t" -v pc="$py_c" -v pm="$py_m" -v m="$sm_t" -v mc="$sm_c" -v mm="$sm_m" 'BEGIN {
  printf "scipy correlate 2x1e7:  %.2f s wall  %.2f s cpu  peak RSS %d MiB (full, all lags, float32)\n", p, pc, pm
  printf "scopekit 2x1e7 (+-L):   %.2f s wall  %.2f s cpu  peak RSS %d MiB  (%.1fx scipy; process start and file reading included in both)\n", m, mc, mm, p / m
}'
