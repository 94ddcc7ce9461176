#!/usr/bin/env bash
# Streaming correlation of two float32 NPY files (1 GiB each by default) against `cat` of
# the same files (read throughput), and scipy.signal.correlate(method='fft') on 2×10^7
# samples, in the same run. Medians of RUNS runs; peak RSS from /usr/bin/time.
# Usage: benches/compare_correlate.sh [BIN] (env: MIB=1024 RUNS=3 LAG=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/scopekit}
MIB=${MIB:-1024}; RUNS=${RUNS:-3}; LAG=${LAG:-1000}
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
    fa[i:i + step] = x[:-123] if i == 0 else x[:-123]
fa.flush(); fb.flush()
PY
fi
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
timeit() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
cat_t=$(for _ in $(seq "$RUNS"); do timeit cat "$A" "$B" | cut -d' ' -f1; done | median)
res=$(for _ in $(seq "$RUNS"); do timeit "$BIN" correlate "$A" "$B" --max-lag "$LAG" --stream --json; done)
sk_t=$(echo "$res" | cut -d' ' -f1 | median); sk_rss=$(echo "$res" | cut -d' ' -f2 | sort -n | tail -1)
"$BIN" correlate "$A" "$B" --max-lag "$LAG" --stream | sed -n 3p
SMALL=$DIR/corr_small_a.npy; SMALLB=$DIR/corr_small_b.npy
python3 -c "
import numpy as np, sys
a = np.load('$A', mmap_mode='r'); b = np.load('$B', mmap_mode='r')
np.save('$SMALL', np.asarray(a[:20000000])); np.save('$SMALLB', np.asarray(b[:20000000]))"
py=$(for _ in $(seq "$RUNS"); do timeit python3 -c "
import numpy as np, scipy.signal as s
a = np.load('$SMALL'); b = np.load('$SMALLB'); c = s.correlate(a, b, mode='full', method='fft'); print(c.argmax())"; done)
py_t=$(echo "$py" | cut -d' ' -f1 | median); py_rss=$(echo "$py" | cut -d' ' -f2 | sort -n | tail -1)
sm=$(for _ in $(seq "$RUNS"); do timeit "$BIN" correlate "$SMALL" "$SMALLB" --max-lag "$LAG" --stream; done)
sm_t=$(echo "$sm" | cut -d' ' -f1 | median); sm_rss=$(echo "$sm" | cut -d' ' -f2 | sort -n | tail -1)
bytes=$(( $(stat -c %s "$A") + $(stat -c %s "$B") ))
awk -v b="$bytes" -v c="$cat_t" -v s="$sk_t" -v r="$sk_rss" -v p="$py_t" -v pr="$py_rss" -v m="$sm_t" -v mr="$sm_rss" 'BEGIN {
  printf "cat 2 files:            %.2f s  %.0f MiB/s\n", c, b / 1048576 / c
  printf "scopekit streaming:     %.2f s  %.0f MiB/s  peak RSS %.0f MiB  (%.0f %% of cat)\n", s, b / 1048576 / s, r / 1024, 100 * c / s
  printf "scipy correlate 2x1e7:  %.2f s  peak RSS %.0f MiB (full, all lags)\n", p, pr / 1024
  printf "scopekit 2x1e7 (+-L):   %.2f s  peak RSS %.0f MiB  (%.1fx scipy; process start and file reading included in both)\n", m, mr / 1024, p / m
}'
