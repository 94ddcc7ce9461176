//! Inputs shared by scopekit's benchmarks.

use scopekit_core::testkit::npy_bytes;

/// An NPY file of `samples` rows of two float32 channels: a sine with noise, and a square
/// wave with an offset — the shape of a typical two-probe scope capture.
pub fn two_channel_f32(samples: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f64 / (1u64 << 24) as f64 - 0.5
    };
    let values: Vec<f64> = (0..samples)
        .flat_map(|i| {
            let t = i as f64 / 1e6;
            let sine = (2.0 * std::f64::consts::PI * 1e3 * t).sin() + 0.1 * noise();
            let square = if (i / 2000) % 2 == 0 { 3.3 } else { 0.0 } + 0.2 + 0.02 * noise();
            [sine, square]
        })
        .collect();
    npy_bytes("<f4", &[samples as u64, 2], false, 1, &values)
}
