#!/usr/bin/env bash
# `scopekit measure` vs numpy doing the same measurements (histogram top/base, moments,
# threshold crossings via np.nonzero/diff, interpolated 10/50/90 % instants) on a 1e8-sample
# float32 NPY, in the same session; medians of RUNS runs (wall time, and CPU time, which
# a loaded machine inflates less). The same pulse train is also measured as integer ADC
# codes: int16 and int8 NPY, and a LeCroy-like int16 .trc (gain/offset; its descriptor is taken
# from TRC_TEMPLATE, default ../shared/data/trc/pulse.trc). A fast clock (period 100
# samples: 2·10^6 transitions, where the per-cycle work dominates) is measured as float32
# too, beside numpy. With SCOPEKIT_BASE set to
# another build (e.g. main's), runs it alternately with SCOPEKIT_BIN and prints both,
# checking their --json: identical, or identical except the last digits of mean/RMS (the
# integer path sums exactly), with the largest relative difference.
# Usage: compare_measure.sh [N] [RUNS]
set -euo pipefail
N=${1:-100000000}; RUNS=${2:-3}
BIN=${SCOPEKIT_BIN:-target/release/scopekit}
TRC_TEMPLATE=${TRC_TEMPLATE:-../shared/data/trc/pulse.trc}
D=$(mktemp -d); F=$D/pulses.npy
python3 - "$D" "$N" "$TRC_TEMPLATE" <<'PY'
import os, struct, sys, numpy as np
d, n, tpl = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = np.arange(n, dtype=np.float32)
ph = np.mod(t, 1000.0); up = lambda u: np.clip((u + 50) / 100, 0, 1)
x = np.maximum(up(ph) - up(ph - 300), up(ph - 1000)).astype(np.float32)
x += np.random.default_rng(1).normal(0, 0.002, n).astype(np.float32)
np.save(os.path.join(d, 'pulses.npy'), x)
ph = np.mod(t, 100.0); up = lambda u: np.clip((u + 5) / 10, 0, 1)
f = np.maximum(up(ph) - up(ph - 30), up(ph - 100)).astype(np.float32)
f += np.random.default_rng(2).normal(0, 0.002, n).astype(np.float32)
np.save(os.path.join(d, 'clock.npy'), f); del f
codes = np.round((x - 0.5) * 40000).astype('<i2')
np.save(os.path.join(d, 'pulses_i16.npy'), codes)
np.save(os.path.join(d, 'pulses_i8.npy'), np.round((x - 0.5) * 200).astype('i1'))
if os.path.exists(tpl):
    raw = open(tpl, 'rb').read(); w = raw.find(b'WAVEDESC')
    desc = bytearray(raw[w:w + 346])
    o = '<' if struct.unpack_from('<h', desc, 34)[0] == 1 else '>'
    struct.pack_into(o + 'h', desc, 32, 1)  # int16 samples
    struct.pack_into(o + '10i', desc, 36, 346, 0, 0, 0, 0, 0, 2 * n, 0, 0, 0)
    struct.pack_into(o + 'i', desc, 116, n); struct.pack_into(o + 'i', desc, 144, 1)
    struct.pack_into(o + 'ff', desc, 156, 1.25e-4, -0.3)  # gain, offset
    with open(os.path.join(d, 'pulses.trc'), 'wb') as f:
        f.write(desc); f.write(codes.astype(o + 'i2').tobytes())
PY
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
COMPARE='
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])); worst = 0.0
for k in ("mean", "rms_dc", "rms_ac"):
    va, vb = a[k].get("value"), b[k].get("value")
    if va is not None and vb is not None:
        worst = max(worst, abs(va - vb) / max(abs(va), 1e-300))
    a[k] = b[k] = None
print("  --json identical except mean/RMS (max relative difference %.2g)" % worst if a == b else "  --json DIFFERS")
'
med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
BASE=${SCOPEKIT_BASE:-}
one() { /usr/bin/time -f '%e %U %S' "$1" measure "$2" --json 2>&1 >/dev/null | tail -1; }
report() {
  local s c
  s=$(awk '{print $1}' "$2" | med); c=$(awk '{print $2 + $3}' "$2" | med)
  awk -v n="$N" -v s="$s" -v c="$c" -v p="${3:-0}" -v who="$1" 'BEGIN {
    printf "  %s: %.3f s wall (%.2f GSa/s), cpu (user+sys) %.3f s (%.2f GSa/s on 2 cores)",
      who, s, n/s/1e9, c, n/(c/2)/1e9
    if (p > 0) printf "; numpy/scopekit %.2fx", p/s
    printf "\n" }'
}
for CASE in pulses.npy clock.npy pulses_i16.npy pulses_i8.npy pulses.trc; do
  G=$D/$CASE; [ -e "$G" ] || continue
  cat "$G" > /dev/null  # page cache
  : > "$G.bin"; : > "$G.base"
  for _ in $(seq "$RUNS"); do
    one "$BIN" "$G" >> "$G.bin"
    if [ -n "$BASE" ]; then one "$BASE" "$G" >> "$G.base"; fi
  done
  np_=0
  if [ "$CASE" = pulses.npy ] || [ "$CASE" = clock.npy ]; then
    np_=$(for _ in $(seq "$RUNS"); do python3 -c "$NUMPY" "$G"; done | med)
  fi
  echo "$CASE (load: $(cut -d' ' -f1-3 /proc/loadavg), samples: $N, runs: $RUNS, medians)"
  report "scopekit measure ($BIN)" "$G.bin" "$np_"
  if [ -n "$BASE" ]; then
    report "baseline ($BASE)" "$G.base" "$np_"
    "$BIN" measure "$G" --json > "$G.a.json"; "$BASE" measure "$G" --json > "$G.b.json"
    if cmp -s "$G.a.json" "$G.b.json"; then
      echo "  --json identical"
    else
      python3 -c "$COMPARE" "$G.b.json" "$G.a.json"
    fi
  fi
  if [ "$np_" != 0 ]; then
    awk -v n="$N" -v p="$np_" 'BEGIN { printf "  numpy (no load time): %.3f s (%.2f GSa/s)\n", p, n/p/1e9 }'
  fi
  rm -f "$G"
done
rm -rf "$D"
