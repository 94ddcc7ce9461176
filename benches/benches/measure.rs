//! `measure` over 10^7 in-memory samples (trapezoidal pulse train with noise): the three
//! passes together, then each pass alone.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopekit_core::measure::{
    measure_slice, LevelHistogram, LevelScan, MeasureConfig, PulseTracker, RefLevels,
};

fn pulses(n: usize) -> Vec<f64> {
    let mut seed = 1u64;
    (0..n)
        .map(|i| {
            let t = (i % 1000) as f64;
            let up = |u: f64| ((u + 50.0) / 100.0).clamp(0.0, 1.0);
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 * 0.004 - 0.002;
            (up(t) - up(t - 300.0)).max(up(t - 1000.0)) + noise
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let xs = pulses(10_000_000);
    let mut g = c.benchmark_group("measure");
    g.throughput(Throughput::Elements(xs.len() as u64));
    g.sample_size(10);
    g.bench_function("three_passes_1e7", |b| {
        b.iter(|| measure_slice(&xs, &MeasureConfig::default(), None))
    });
    g.bench_function("pass1_scan_1e7", |b| {
        b.iter(|| {
            let mut s = LevelScan::new(0);
            s.add(0, &xs);
            s.moments()
        })
    });
    let m = {
        let mut s = LevelScan::new(0);
        s.add(0, &xs);
        s.moments()
    };
    let Some(h) = LevelHistogram::new(0, m.min, m.max) else {
        return;
    };
    g.bench_function("pass2_histogram_1e7", |b| {
        b.iter(|| {
            let mut h = h.clone();
            h.add(&xs);
            h.top_base()
        })
    });
    let mut full = h.clone();
    full.add(&xs);
    let (top, base) = full.top_base();
    let Some(lv) = RefLevels::new(top, base, 10.0, 90.0) else {
        return;
    };
    g.bench_function("pass3_pulses_1e7", |b| {
        b.iter(|| {
            let mut p = PulseTracker::new(0, lv);
            for (k, c) in xs.chunks(1 << 16).enumerate() {
                p.add((k << 16) as u64, c);
            }
            p.finish()
        })
    });
    // The same passes over `f32` samples read in place (a float32 capture), 4096 at a
    // time as the CLI's tiles.
    let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    g.bench_function("pass1_scan_f32_1e7", |b| {
        b.iter(|| {
            let mut s = LevelScan::new(0);
            for (k, c) in xs32.chunks(4096).enumerate() {
                s.add_f32((k * 4096) as u64, c);
            }
            s.moments()
        })
    });
    let m32 = {
        let mut s = LevelScan::new(0);
        s.add_f32(0, &xs32);
        s.moments()
    };
    if let Some(h32) = LevelHistogram::new(0, m32.min, m32.max) {
        g.bench_function("pass2_histogram_f32_1e7", |b| {
            b.iter(|| {
                let mut h = h32.clone();
                for c in xs32.chunks(4096) {
                    h.add_samples(c);
                }
                h.top_base()
            })
        });
    }
    g.bench_function("pass3_pulses_f32_1e7", |b| {
        b.iter(|| {
            let mut p = PulseTracker::new(0, lv);
            for (k, c) in xs32.chunks(4096).enumerate() {
                p.add_samples((k * 4096) as u64, c);
            }
            p.finish()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
