"""Write 10M-sample bus captures for the decoder benchmarks, each twice: a sigrok session
(.sr, bit-packed logic, read by sigrok-cli and scopekit alike) and a float32 NPY of the same
lines as analog voltages (0..3.3 V, slow edges, noise) for the analog decode path.

  gen_bus.py OUTDIR [SAMPLES]

uart: 115200 8N1 at 10 MSa/s (line: tx)
spi:  1 MHz mode 0, 8-bit words, CS framing 16 bytes, at 10 MSa/s (clk, miso, mosi, cs)
i2c:  400 kHz, 7-bit writes of 8 bytes with ACKs, at 10 MSa/s (scl, sda)
can:  500 kbit/s, 11-bit data frames of 8 bytes (stuffing, CRC-15, ACK), at 10 MSa/s (can_rx)
Prints a JSON line per file with the payload counts, for the benchmark to check.
"""
import json
import os
import sys
import zipfile

import numpy as np

RATE = 10_000_000


def write_sr(path, names, bits):
    """bits: uint8 array (samples,) with bit i = line i."""
    meta = "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\n"
    meta += f"total probes={len(names)}\nsamplerate=10 MHz\ntotal analog=0\n"
    meta += "".join(f"probe{i + 1}={n}\n" for i, n in enumerate(names))
    meta += "unitsize=1\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("version", "2")
        z.writestr("metadata", meta)
        chunk = 4 << 20
        for k in range(0, len(bits), chunk):
            z.writestr(f"logic-1-{k // chunk + 1}", bits[k:k + chunk].tobytes())


def write_analog(path, lines, seed):
    rng = np.random.default_rng(seed)
    n = lines.shape[0]
    out = np.empty(lines.shape, np.float32)
    kernel = np.ones(3) / 3  # slow edges: 3-sample ramps
    for c in range(lines.shape[1]):
        v = np.convolve(lines[:, c].astype(np.float64) * 3.3, kernel, mode="same")
        out[:, c] = v + rng.normal(0, 0.08, n)
    np.save(path, out)


def runs(levels_durations, n, idle):
    """Expand (level, samples) runs into a sample array of length n (padded with idle)."""
    levels = np.array([l for l, _ in levels_durations], np.uint8)
    durs = np.array([d for _, d in levels_durations], np.int64)
    x = np.repeat(levels, durs)[:n]
    return np.concatenate([x, np.full(n - len(x), idle, np.uint8)])


def uart(n, rng):
    bit = RATE / 115200
    seq, t, sent = [], 0.0, 0
    pos = [(1, 1000)]
    t = 1000.0
    edges = []
    while True:
        byte = int(rng.integers(0, 256))
        frame = [0] + [(byte >> i) & 1 for i in range(8)] + [1]
        gap = float(rng.integers(0, 3)) * bit
        if t + (10 * bit + gap) >= n - 100:
            break
        for b in frame:
            edges.append((b, t))
            t += bit
        t += gap
        sent += 1
    # sample: level at sample s = last bit whose start <= s
    starts = np.array([e[1] for e in edges])
    levels = np.array([e[0] for e in edges], np.uint8)
    idx = np.searchsorted(starts, np.arange(n), side="right") - 1
    x = np.where(idx >= 0, levels[np.maximum(idx, 0)], 1).astype(np.uint8)
    # idle high between frames: after a stop bit the level is 1 anyway
    return x[:, None], ["tx"], sent


def spi(n, rng):
    half = 5  # 1 MHz at 10 MSa/s
    clk, mosi, miso, cs = [], [], [], []
    total = 0
    words = 0

    def hold(c, mo, mi, s, d):
        clk.append((c, d)); mosi.append((mo, d)); miso.append((mi, d)); cs.append((s, d))

    hold(0, 0, 0, 1, 200)
    total = 200
    while total + 16 * 8 * 2 * half + 400 < n:
        hold(0, 0, 0, 0, 20)
        total += 20
        for _ in range(16):
            a, b = int(rng.integers(0, 256)), int(rng.integers(0, 256))
            for i in range(7, -1, -1):
                hold(0, (a >> i) & 1, (b >> i) & 1, 0, half)
                hold(1, (a >> i) & 1, (b >> i) & 1, 0, half)
            words += 1
            total += 16 * half
        hold(0, 0, 0, 0, 20)
        hold(0, 0, 0, 1, 100)
        total += 120
    lines = np.stack([runs(clk, n, 0), runs(miso, n, 0), runs(mosi, n, 0), runs(cs, n, 1)], axis=1)
    return lines, ["clk", "miso", "mosi", "cs"], words


def i2c(n, rng):
    q = 6  # quarter bit: 400 kHz at 10 MSa/s is 25 samples per bit, use 24
    scl, sda = [], []
    total = 0

    def hold(c, d, k):
        scl.append((c, k)); sda.append((d, k))

    def bit(b):
        hold(0, b, q); hold(1, b, 2 * q); hold(0, b, q)

    hold(1, 1, 200)
    total = 200
    nbytes = 0
    per = 4 * q * (9 * 9) + 8 * q
    while total + per + 200 < n:
        hold(1, 0, 2 * q)  # START: SDA falls while SCL high
        hold(0, 0, q)
        addr = int(rng.integers(8, 120))
        for byte in [addr << 1] + [int(rng.integers(0, 256)) for _ in range(8)]:
            for i in range(7, -1, -1):
                bit((byte >> i) & 1)
            bit(0)  # ACK
            nbytes += 1
        hold(0, 0, q); hold(1, 0, q); hold(1, 1, 4 * q)  # STOP
        total += 3 * q + per + 6 * q - 8 * q
    lines = np.stack([runs(scl, n, 1), runs(sda, n, 1)], axis=1)
    return lines, ["scl", "sda"], nbytes


def crc15(bits):
    crc = 0
    for b in bits:
        nxt = b ^ ((crc >> 14) & 1)
        crc = (crc << 1) & 0x7FFF
        if nxt:
            crc ^= 0x4599
    return crc


def can(n, rng):
    bit = 20  # 500 kbit/s at 10 MSa/s
    levels = [(1, 500)]
    total = 500
    frames = 0
    while True:
        ident = int(rng.integers(0, 0x7F0))  # ids 0x7F0.. are invalid (bits 10..4 recessive)
        data = [int(rng.integers(0, 256)) for _ in range(8)]
        raw = [0] + [(ident >> i) & 1 for i in range(10, -1, -1)] + [0, 0, 0]
        raw += [(8 >> i) & 1 for i in range(3, -1, -1)]
        for d in data:
            raw += [(d >> i) & 1 for i in range(7, -1, -1)]
        crc = crc15(raw)
        raw += [(crc >> i) & 1 for i in range(14, -1, -1)]
        stuffed, run, last = [], 0, None
        for b in raw:
            stuffed.append(b)
            run = run + 1 if b == last else 1
            last = b
            if run == 5:
                stuffed.append(1 - b)
                last, run = 1 - b, 1
        tail = [1, 0, 1] + [1] * 7 + [1] * 3  # CRC delimiter, ACK slot (dominant), ACK delimiter, EOF, IFS
        bits = stuffed + tail
        if total + len(bits) * bit + 500 >= n:
            break
        for b in bits:
            levels.append((b, bit))
        total += len(bits) * bit
        idle = int(rng.integers(0, 20)) * bit
        if idle:
            levels.append((1, idle))
            total += idle
        frames += 1
    return runs(levels, n, 1)[:, None], ["can_rx"], frames


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    os.makedirs(out, exist_ok=True)
    for k, (name, gen) in enumerate([("uart", uart), ("spi", spi), ("i2c", i2c), ("can", can)]):
        rng = np.random.default_rng(k)
        lines, names, items = gen(n, rng)
        packed = np.zeros(n, np.uint8)
        for i in range(lines.shape[1]):
            packed |= (lines[:, i].astype(np.uint8) & 1) << i
        write_sr(os.path.join(out, f"{name}.sr"), names, packed)
        write_analog(os.path.join(out, f"{name}.npy"), lines, k)
        print(json.dumps({"protocol": name, "samples": n, "lines": names, "items": items}))


if __name__ == "__main__":
    main()
