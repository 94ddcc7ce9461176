#!/usr/bin/env bash
# `scopekit measure` vs numpy doing the same measurements (histogram top/base, moments,
# threshold crossings via np.nonzero/diff, interpolated 10/50/90 % instants) on a 1e8-sample
# float32 NPY, in the same session; medians of RUNS runs (wall time, and CPU time, which
# a loaded machine inflates less). With SCOPEKIT_BASE set to another build (e.g. main's),
# runs it alternately with SCOPEKIT_BIN and prints both, checking their --json is identical.
# Usage: compare_measure.sh [N] [RUNS]
set -euo pipefail
N=${1:-100000000}; RUNS=${2:-3}
BIN=${SCOPEKIT_BIN:-target/release/scopekit}
F=$(mktemp -d)/pulses.npy
python3 - "$F" "$N" <<'PY'
import sys, numpy as np
n = int(sys.argv[2]); t = np.arange(n, dtype=np.float32)
ph = np.mod(t, 1000.0); up = lambda u: np.clip((u + 50) / 100, 0, 1)
x = np.maximum(up(ph) - up(ph - 300), up(ph - 1000)).astype(np.float32)
x += np.random.default_rng(1).normal(0, 0.002, n).astype(np.float32)
np.save(sys.argv[1], x)
PY
cat "$F" > /dev/null  # page cache
NUMPY='
import sys, time, numpy as np
x = np.load(sys.argv[1], mmap_mode="r"); t0 = time.perf_counter()
x = np.asarray(x, dtype=np.float64)
lo, hi = x.min(), x.max(); mean = x.mean(); rms = np.sqrt(np.mean(x * x)); std = x.std()
h, e = np.histogram(x, bins=1024, range=(lo, hi)); w = e[1] - e[0]
top = lo + (512 + np.argmax(h[512:]) + 0.5) * w; base = lo + (np.argmax(h[:512]) + 0.5) * w
A = top - base; L, M, H = base + 0.1 * A, base + 0.5 * A, base + 0.9 * A
def cross(level):
    s = x >= level; i = np.nonzero(np.diff(s))[0]
    return i + (level - x[i]) / (x[i + 1] - x[i]), s[i + 1]
tl, rl = cross(L); tm, rm = cross(M); th, rh = cross(H)
rise = th[rh][:len(tl[rl])] - tl[rl][:len(th[rh])]
per = np.diff(tm[rm]); q = np.percentile(per, [50, 95, 99])
print(time.perf_counter() - t0)
'
med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
BASE=${SCOPEKIT_BASE:-}
one() { /usr/bin/time -f '%e %U %S' "$1" measure "$F" --json 2>&1 >/dev/null | tail -1; }
: > "$F.bin"; : > "$F.base"
for _ in $(seq "$RUNS"); do
  one "$BIN" >> "$F.bin"
  if [ -n "$BASE" ]; then one "$BASE" >> "$F.base"; fi
done
np_=$(for _ in $(seq "$RUNS"); do python3 -c "$NUMPY" "$F"; done | med)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  samples: $N  runs: $RUNS (medians)"
report() {
  local s c
  s=$(awk '{print $1}' "$2" | med); c=$(awk '{print $2 + $3}' "$2" | med)
  awk -v n="$N" -v s="$s" -v c="$c" -v p="$np_" -v who="$1" 'BEGIN {
    printf "%s: %.3f s wall (%.2f GSa/s), cpu (user+sys) %.3f s; numpy/scopekit %.2fx\n",
      who, s, n/s/1e9, c, p/s }'
}
report "scopekit measure ($BIN)" "$F.bin"
if [ -n "$BASE" ]; then
  report "baseline ($BASE)" "$F.base"
  if cmp -s <("$BIN" measure "$F" --json) <("$BASE" measure "$F" --json); then
    echo "--json identical"
  else
    echo "--json DIFFERS"
  fi
fi
awk -v n="$N" -v p="$np_" 'BEGIN { printf "numpy (no load time): %.3f s (%.2f GSa/s)\n", p, n/p/1e9 }'
rm -rf "$(dirname "$F")"
