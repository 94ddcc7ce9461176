#!/usr/bin/env bash
# scopekit decode vs sigrok-cli on the same 10M-sample captures (benches/gen_bus.py: UART
# 115200 8N1, SPI 1 MHz, I2C 400 kHz, CAN 500 kbit/s, all at 10 MSa/s), one core each
# (taskset), medians of N alternating runs in one session, and the throughput ratios.
# scopekit decodes the .sr logic capture (as sigrok does) and its analog float32 twin.
# Then the in-memory criterion benchmarks (benches/benches/decode.rs) on the same files.
# Usage: benches/compare_decode.sh [RUNS] (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dir=${SCOPEKIT_BENCH_DIR:-target/bench-data}/bus
if [ ! -f "$dir/can.npy" ]; then
  echo "writing captures to $dir" >&2
  python3 benches/gen_bus.py "$dir" >/dev/null
fi
command -v sigrok-cli >/dev/null || { echo "sigrok-cli missing: run scripts/setup.sh" >&2; exit 1; }
cargo build --release -q -p scopekit-cli
bin=target/release/scopekit
one=(taskset -c 0)
secs() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -n 1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-5s %12s %14s %14s %10s %10s\n' proto "sigrok-cli" "scopekit .sr" "scopekit f32" "ratio .sr" "ratio f32"
for p in uart spi i2c can; do
  case $p in
    uart) pd="uart:tx=tx:baudrate=115200"; ann="uart=tx-data"; roles=(--tx tx); aroles=(--tx 0); opts=() ;;
    spi) pd="spi:clk=clk:miso=miso:mosi=mosi:cs=cs"; ann="spi=mosi-data:miso-data"
         roles=(--clk clk --miso miso --mosi mosi --cs cs); aroles=(--clk 0 --miso 1 --mosi 2 --cs 3); opts=() ;;
    i2c) pd="i2c:scl=scl:sda=sda"; ann="i2c"; roles=(--scl scl --sda sda); aroles=(--scl 0 --sda 1); opts=() ;;
    can) pd="can:can_rx=can_rx:nominal_bitrate=500000"; ann="can"; roles=(--can can_rx); aroles=(--can 0); opts=(--bitrate 500000) ;;
  esac
  s=() k=() a=()
  for _ in $(seq "$runs"); do
    s+=("$(secs "${one[@]}" sigrok-cli -i "$dir/$p.sr" -P "$pd" -A "$ann")")
    k+=("$(secs "${one[@]}" "$bin" decode "$p" "$dir/$p.sr" "${roles[@]}" "${opts[@]}" --json)")
    a+=("$(secs "${one[@]}" "$bin" decode "$p" "$dir/$p.npy" "${aroles[@]}" "${opts[@]}" --rate 10000000 --json)")
  done
  ms=$(median "${s[@]}") mk=$(median "${k[@]}") ma=$(median "${a[@]}")
  awk -v p="$p" -v s="$ms" -v k="$mk" -v a="$ma" 'BEGIN {
    kk = (k > 0 ? k : 0.005); aa = (a > 0 ? a : 0.005)
    printf "%-5s %10.3f s %12.3f s %12.3f s %9.0fx %9.0fx\n", p, s, k, a, s / kk, s / aa }'
done
echo "(wall time of the whole process, incl. start-up, reading and writing the JSON; /usr/bin/time has 10 ms resolution)"
echo
echo "in memory, one core (criterion):"
SCOPEKIT_BUS_DIR="$dir" cargo bench -q -p scopekit-benches --bench decode -- --output-format bencher 2>/dev/null |
  awk '/^test / { gsub(",", "", $5); printf "%-26s %8.2f ms\n", $2, $5 / 1e6 }'
