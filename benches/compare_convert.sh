#!/usr/bin/env bash
# LeCroy TRC -> NPY conversion of a generated ~2 GiB .trc (WAVE_ARRAY_1's length is a signed
# 32-bit field, so one LECROY_2_3 file holds < 2 GiB of samples) in the page cache, against
# `cp` of the same file and the numpy-only route (fromfile -> scale -> np.save), medians of N
# runs in the same session, with peak RSS. Usage: benches/compare_convert.sh [RUNS] (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dir=${SCOPEKIT_BENCH_DIR:-target/bench-data}
file="$dir/big.trc"
template=../shared/data/trc/pulse.trc
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  echo "writing $file" >&2
  python3 - "$template" "$file" <<'PY'
import struct, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
raw = bytearray(open(src, "rb").read())
w = raw.find(b"WAVEDESC")
lengths = struct.unpack_from("<10i", raw, w + 36)
data_at = w + sum(lengths[:6])
n = (1 << 30) - (1 << 16)  # samples: just under 2 GiB of int16
struct.pack_into("<i", raw, w + 60, 2 * n)      # WAVE_ARRAY_1
struct.pack_into("<i", raw, w + 116, n)         # WAVE_ARRAY_COUNT
struct.pack_into("<i", raw, w + 120, n)         # PNTS_PER_SCREEN
struct.pack_into("<i", raw, w + 128, n - 1)     # LAST_VALID_PNT
for k in (7, 8, 9):                             # no WAVE_ARRAY_2 / RES_ARRAY2 / RES_ARRAY3
    struct.pack_into("<i", raw, w + 36 + 4 * k, 0)
raw[2:11] = b"%09d" % min(data_at - 11 + 2 * n, 999_999_999)
rng = np.random.default_rng(3)
with open(dst, "wb") as f:
    f.write(raw[:data_at])
    step = 1 << 25
    for i in range(0, n, step):
        m = min(step, n - i)
        t = np.arange(i, i + m)
        f.write((np.sin(t / 500.0) * 20000 + rng.normal(0, 300, m)).astype("<i2").tobytes())
PY
fi
cargo build --release -q -p scopekit-cli
bin=target/release/scopekit
out="$dir/out"
mkdir -p "$out"
"$bin" info "$file" >/dev/null
cat "$file" >/dev/null
secs() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }
cat > "$out/../numpy_route.py" <<'PY'
import struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read(512)
w = raw.find(b"WAVEDESC")
lengths = struct.unpack_from("<10i", raw, w + 36)
gain, offset = struct.unpack_from("<ff", raw, w + 156)
count = struct.unpack_from("<i", raw, w + 116)[0]
a = np.fromfile(sys.argv[1], dtype="<i2", count=count, offset=w + sum(lengths[:6]))
np.save(sys.argv[2], (a * np.float32(gain) - np.float32(offset)).astype(np.float32))
PY
cp_t=() sk_t=() sk_m=() np_t=() np_m=()
for _ in $(seq "$runs"); do
  rm -f "$out"/*; sync
  read -r t _ < <(secs cp "$file" "$out/copy.trc"); cp_t+=("$t")
  rm -f "$out"/*; sync
  read -r t m < <(secs "$bin" convert "$file" "$out/scopekit.npy"); sk_t+=("$t"); sk_m+=("$m")
  rm -f "$out"/*; sync
  read -r t m < <(secs python3 "$out/../numpy_route.py" "$file" "$out/numpy.npy"); np_t+=("$t"); np_m+=("$m")
done
rm -f "$out"/*
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bytes=$(stat -L -c %s "$file")
awk -v b="$bytes" -v c="$(median "${cp_t[@]}")" -v s="$(median "${sk_t[@]}")" -v sm="$(median "${sk_m[@]}")" \
    -v p="$(median "${np_t[@]}")" -v pm="$(median "${np_m[@]}")" -v n="$runs" 'BEGIN {
  printf "input: %.2f GiB LeCroy int16 -> float32 NPY, %d runs, medians (MB/s of input)\n", b / 2^30, n
  printf "cp:                %.2f s  %5.0f MB/s\n", c, b / c / 1e6
  printf "scopekit convert:  %.2f s  %5.0f MB/s  peak RSS %.0f MiB\n", s, b / s / 1e6, sm / 1024
  printf "numpy-only route:  %.2f s  %5.0f MB/s  peak RSS %.0f MiB\n", p, b / p / 1e6, pm / 1024
  printf "scopekit / cp: %.2f   scopekit / numpy: %.2f\n", c / s, p / s
}'
