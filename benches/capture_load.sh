#!/usr/bin/env bash
# Load test of `scopekit capture` with compressed time: MINUTES minutes' worth of data
# (default 6, a tenth of an hour) fed through a pseudo-terminal as fast as it goes, then
# CPU seconds per hour of data and peak RSS of the capture process.
#   binary: i16le, 2 channels, 300 kB/s (3 Mbaud)   text: csv lines, 10,000 lines/s
# Usage: benches/capture_load.sh [MINUTES]   (SCOPEKIT_BIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-6}
BIN=${SCOPEKIT_BIN:-target/release/scopekit}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$MINUTES" "$WORK" <<'PY'
import sys, numpy as np
minutes, work = float(sys.argv[1]), sys.argv[2]
rows = int(75_000 * 60 * minutes)         # 75k rows/s x 2 channels x 2 bytes = 300 kB/s
t = np.arange(rows)
a = (np.sin(t * 0.001) * 20000).astype('<i2')
b = ((t % 1000) - 500).astype('<i2')
np.stack([a, b], 1).tofile(work + '/binary.dat')
lines = int(10_000 * 60 * minutes)
with open(work + '/lines.csv', 'w') as f:
    f.write('volts,amps\n')
    block = ''.join('%d.%03d,%d\n' % (i % 5, i % 1000, i % 77) for i in range(10_000))
    for _ in range(lines // 10_000):
        f.write(block)
PY
run() { # name, data, minutes, capture args...
  local name=$1 data=$2
  shift 2
  python3 tests/serial_feeder.py --link "$WORK/dev" --data "$data" --chunk 65536 --wait-for GO >/dev/null &
  local feeder=$!
  while [ ! -e "$WORK/dev" ]; do sleep 0.05; done
  python3 - "$name" "$MINUTES" "$BIN" "$WORK" "$@" <<'PY'
import os, subprocess, sys, time
name, minutes, binary, work, *args = sys.argv[1:]
t0 = time.monotonic()
p = subprocess.Popen([binary, 'capture', '--port', work + '/dev', '--send', 'GO', '--quiet',
                      '--out', work + '/rec.csv', *args], stderr=subprocess.PIPE)
_, status, ru = os.wait4(p.pid, 0)
wall = time.monotonic() - t0
cpu = ru.ru_utime + ru.ru_stime
size = os.path.getsize(work + '/rec.csv')
per_hour = cpu * 60 / float(minutes)
print(f"{name}: {minutes} min of data in {wall:.1f} s wall, {cpu:.2f} CPU s -> "
      f"{per_hour:.1f} CPU s per hour of data = {per_hour / 36:.2f} % of one core; "
      f"peak RSS {ru.ru_maxrss / 1024:.1f} MiB; recording {size / 1e6:.0f} MB")
PY
  wait "$feeder" || true
  rm -f "$WORK/dev" "$WORK/rec.csv"
}
run "binary i16le x2 @ 300 kB/s" "$WORK/binary.dat" --format i16le --channels 2 --rate 75000
run "csv lines @ 10k lines/s" "$WORK/lines.csv" --format csv
