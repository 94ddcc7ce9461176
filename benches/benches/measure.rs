//! `measure` passes over 10^7 in-memory samples (trapezoidal pulse train with noise).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopekit_core::measure::{measure_slice, MeasureConfig};

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
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
