#!/usr/bin/env bash
# `scopekit trace summary` on a generated 1 GB PyTorch-profiler-like trace (~3M events, in
# /tmp, not in the repo) against `orjson.loads` + a Python aggregation of the same numbers
# (kernels and CPU ops per name: count, total, min, max), in the same run: medians of N
# alternating runs, throughput, the ratio, scopekit's peak RSS, and the re-load time through
# the binary index. Usage: benches/compare_trace.sh [RUNS] (default 5).
# `benches/compare_trace.sh --generate FILE` only writes the trace (SCOPEKIT_TRACE_BYTES
# sets its size, default 1e9; the browser memory test uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
generate() {
  python3 - "$1" "${SCOPEKIT_TRACE_BYTES:-1000000000}" <<'PY'
import random, sys
rng = random.Random(1)
ops = ["aten::conv2d", "aten::convolution", "aten::_convolution", "aten::cudnn_convolution",
       "aten::add_", "aten::mul", "aten::empty", "aten::addmm", "aten::relu_", "aten::batch_norm",
       "aten::copy_", "aten::to", "aten::linear", "aten::matmul", "aten::sum", "aten::view"]
kernels = ["volta_sgemm_128x64_nn", "void at::native::vectorized_elementwise_kernel<4, at::native::AddFunctor<float>, at::detail::Array<char*, 3> >(int, at::native::AddFunctor<float>, at::detail::Array<char*, 3>)",
           "void cudnn::detail::dgrad_engine<float, 512, 6, 5, 3, 3, 3, false>(int, int, int, float const*, int, float const*)",
           "ncclKernel_AllReduce_RING_LL_Sum_float(ncclWorkElem)", "void at::native::reduce_kernel<512, 1>(at::native::ReduceOp<float>)"]
target = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write('{"schemaVersion": 1, "deviceProperties": [{"id": 0, "name": "Synthetic GPU"}], "traceEvents": [\n')
    size, ts, ext, corr, step = 0, 1_700_000_000_000_000, 0, 0, 0
    first = True
    buf = []
    while size < target:
        if ext % 2000 == 0:
            step += 1
            buf.append('{"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#%d", "pid": 100, "tid": 100, "ts": %d, "dur": %d, "args": {"External id": %d}}' % (step, ts, 150000, ext))
        ext += 1; corr += 1
        op = ops[rng.randrange(len(ops))]
        d = rng.randrange(5, 400)
        buf.append('{"ph": "X", "cat": "cpu_op", "name": "%s", "pid": 100, "tid": 100, "ts": %d, "dur": %d, "args": {"External id": %d, "Record function id": 0, "Sequence number": %d, "Fwd thread id": 0, "Input Dims": [[32, 64, 56, 56], [64], []], "Input type": ["float", "float", "Scalar"], "Concrete Inputs": ["", "", "1"]}}' % (op, ts, d, ext, ext))
        buf.append('{"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 100, "tid": 100, "ts": %d, "dur": 4, "args": {"External id": %d, "cbid": 211, "correlation": %d}}' % (ts + 1, ext, corr))
        k = kernels[rng.randrange(len(kernels))]
        kd = rng.randrange(1, 900)
        buf.append('{"ph": "X", "cat": "kernel", "name": "%s", "pid": 0, "tid": %d, "ts": %d.%03d, "dur": %d.%03d, "args": {"External id": %d, "queued": 0, "device": 0, "context": 1, "stream": %d, "correlation": %d, "registers per thread": 32, "shared memory": 0, "blocks per SM": 0.8, "warps per SM": 3.2, "grid": [128, 1, 1], "block": [128, 1, 1], "est. achieved occupancy %%": 25}}' % (k, 7 + (corr % 2), ts + 20, rng.randrange(1000), kd, rng.randrange(1000), ext, 7 + (corr % 2), corr))
        buf.append('{"ph": "f", "id": %d, "pid": 0, "tid": 7, "ts": %d, "cat": "ac2g", "name": "ac2g", "bp": "e"}' % (corr, ts + 20))
        ts += d + 3
        if len(buf) >= 5000:
            s = (",\n" if not first else "") + ",\n".join(buf)
            first = False
            f.write(s); size += len(s); buf = []
    if buf:
        f.write((",\n" if not first else "") + ",\n".join(buf))
    f.write('\n], "displayTimeUnit": "ms"}\n')
PY
}
if [ "${1:-}" = "--generate" ]; then
  generate "$2"
  exit 0
fi
runs=${1:-5}
dir=${SCOPEKIT_BENCH_DIR:-/tmp/scopekit-bench}
file="$dir/trace_1GB.json"
mkdir -p "$dir"
python3 -c 'import orjson' 2>/dev/null || pip install -q orjson
if [ ! -f "$file" ]; then
  echo "writing $file" >&2
  generate "$file"
fi
cat > "$dir/agg.py" <<'PY'
import collections, sys, orjson
doc = orjson.loads(open(sys.argv[1], "rb").read())
ev = doc["traceEvents"] if isinstance(doc, dict) else doc
agg = {"kernel": collections.defaultdict(lambda: [0, 0.0, float("inf"), 0.0]),
       "op": collections.defaultdict(lambda: [0, 0.0, float("inf"), 0.0])}
for e in ev:
    if e.get("ph") != "X":
        continue
    c = str(e.get("cat", "")).lower()
    k = "kernel" if c == "kernel" else "op" if c in ("cpu_op", "operator") else None
    if k is None:
        continue
    d = float(e.get("dur") or 0)
    a = agg[k][e.get("name")]
    a[0] += 1; a[1] += d; a[2] = min(a[2], d); a[3] = max(a[3], d)
print(len(ev), sum(len(v) for v in agg.values()))
PY
bin=${SCOPEKIT_BIN:-}
if [ -z "$bin" ]; then
  CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target} cargo build --release -q -p scopekit-cli
  bin=${CARGO_TARGET_DIR:-target}/release/scopekit
fi
cat "$file" >/dev/null # into the page cache
secs() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }
sk_t=() py_t=() rss=() idx_t=()
for _ in $(seq "$runs"); do
  read -r t m < <(secs "$bin" trace summary --no-index "$file"); sk_t+=("$t"); rss+=("$m")
  read -r t _ < <(secs python3 "$dir/agg.py" "$file"); py_t+=("$t")
done
rm -f "$file.skidx"
"$bin" trace summary "$file" >/dev/null # writes the index
for _ in $(seq "$runs"); do
  read -r t _ < <(secs "$bin" trace summary "$file"); idx_t+=("$t")
done
rm -f "$file.skidx"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bytes=$(stat -L -c %s "$file")
s=$(median "${sk_t[@]}") p=$(median "${py_t[@]}") r=$(median "${rss[@]}") i=$(median "${idx_t[@]}")
awk -v b="$bytes" -v s="$s" -v p="$p" -v r="$r" -v i="$i" -v n="$runs" 'BEGIN {
  printf "file: %.2f GB, %d runs, medians\n", b / 1e9, n
  printf "scopekit trace summary: %.3f s  %.2f GB/s  peak RSS %.0f MiB\n", s, b / s / 1e9, r / 1024
  printf "orjson + Python:        %.3f s  %.2f GB/s\n", p, b / p / 1e9
  printf "ratio (python / scopekit time): %.1f\n", p / s
  printf "re-load through the index: %.0f ms\n", i * 1000
}'
