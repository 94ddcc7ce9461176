"""numpy oracle for the CLI tests.

  oracle.py write PATH DESCR ROWS COLS FORTRAN VERSION SEED   write a seeded test array
  oracle.py stats PATH                                         per-channel stats as JSON
  oracle.py ranks PATH CHANNEL V...                            fraction of values < v and <= v
  oracle.py wav PATH BITS CHANNELS FRAMES RATE SEED            write a PCM WAV (stdlib `wave`)
                                                               and print its stats as JSON
"""
import json
import sys

import numpy as np


def channels(path):
    a = np.load(path, mmap_mode="r")
    if a.ndim < 2:
        a = a.reshape(-1, 1)
    return a


def write(path, descr, rows, cols, fortran, version, seed):
    rng = np.random.default_rng(int(seed))
    rows, cols = int(rows), int(cols)
    dtype = np.dtype(descr)
    base = rng.standard_normal((rows, max(cols, 1))) * 1000 + np.arange(max(cols, 1)) * 50
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        base = np.clip(np.round(base / 1000 * min(info.max, 2**40) / 8), info.min, info.max)
    a = base.astype(dtype)
    if cols == 0:
        a = a.reshape(rows)
    a = np.asfortranarray(a) if fortran == "1" else np.ascontiguousarray(a)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=(int(version), 0), allow_pickle=False)


def wav(path, bits, nch, frames, rate, seed):
    import wave
    bits, nch, frames = int(bits), int(nch), int(frames)
    rng = np.random.default_rng(int(seed))
    top = 2 ** (bits - 1)
    t = np.arange(frames)
    cols = [np.clip(np.round(top * 0.8 * np.sin(t / (20 + 7 * c)) + rng.normal(0, top / 50, frames)), -top, top - 1)
            for c in range(nch)]
    ints = np.stack(cols, axis=1).astype(np.int64)
    if bits == 8:
        raw = (ints + 128).astype(np.uint8).tobytes()
    else:
        b = bits // 8
        u = (ints & ((1 << bits) - 1)).astype("<u8").reshape(-1)
        raw = np.stack([(u >> (8 * k)) & 0xFF for k in range(b)], axis=1).astype(np.uint8).tobytes()
    with wave.open(path, "wb") as w:
        w.setnchannels(nch)
        w.setsampwidth(bits // 8)
        w.setframerate(int(rate))
        w.writeframes(raw)
    report(ints.astype(np.float64), list(ints.shape))


def stats(path):
    a = channels(path)
    report(np.asarray(a, dtype=np.float64), list(np.load(path, mmap_mode="r").shape))


def report(a, shape):
    out = []
    for c in range(a.shape[1]):
        x = np.asarray(a[:, c], dtype=np.float64)
        finite = x[~np.isnan(x)]
        entry = {"channel": c, "count": int(x.size), "nan_count": int(x.size - finite.size)}
        if finite.size:
            p = np.percentile(finite, [50, 95, 99])
            entry.update(
                min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                rms=float(np.sqrt(np.mean(finite * finite))), std=float(finite.std()),
                p50=float(p[0]), p95=float(p[1]), p99=float(p[2]),
            )
        out.append(entry)
    print(json.dumps({"shape": shape, "channels": out}))


def ranks(path, channel, values):
    x = np.sort(np.asarray(channels(path)[:, int(channel)], dtype=np.float64))
    n = x.size
    print(json.dumps([[np.searchsorted(x, float(v), "left") / n, np.searchsorted(x, float(v), "right") / n] for v in values]))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"write": write, "stats": stats, "wav": wav, "ranks": lambda p, c, *v: ranks(p, c, v)}[cmd](*args)
