"""Write a sample 2-channel capture: a noisy 1 kHz sine and a square wave with an offset,
sampled at 1 MHz, as float32 NPY of shape (samples, 2)."""
import sys

import numpy as np

path = sys.argv[1]
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 4_000_000
rng = np.random.default_rng(2026)
t = np.arange(samples) / 1e6
sine = np.sin(2 * np.pi * 1e3 * t) + rng.normal(0, 0.05, samples)
square = 3.3 * (np.sin(2 * np.pi * 250 * t) > 0) + 0.2 + rng.normal(0, 0.02, samples)
np.save(path, np.stack([sine, square], axis=1).astype("<f4"))
