//! Criterion benchmarks of filtering throughput: Butterworth order 4 (2 sections), FIR of
//! 101 taps, moving average, decimation by 4, on 2^20 samples in memory.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scopekit_core::filter::{Band, Design, FilterSpec, Prototype};

fn spec(band: Option<Band>, design: Design, order: usize) -> FilterSpec {
    FilterSpec {
        band,
        design,
        order,
        moving_average: None,
        decimate: None,
        sample_rate: 1e6,
    }
}

fn filters(c: &mut Criterion) {
    let n = 1 << 20;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0 - 0.5)
        .collect();
    let mut group = c.benchmark_group("filter_1Mi_f64");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    let cases = [
        (
            "butter4_lowpass",
            spec(
                Some(Band::Lowpass(1e5)),
                Design::Iir(Prototype::Butterworth),
                4,
            ),
        ),
        (
            "fir101_lowpass",
            spec(Some(Band::Lowpass(1e5)), Design::Fir, 100),
        ),
        (
            "moving_average_64",
            FilterSpec {
                moving_average: Some(64),
                ..spec(None, Design::Fir, 0)
            },
        ),
        (
            "decimate_4",
            FilterSpec {
                decimate: Some(4),
                ..spec(None, Design::Fir, 0)
            },
        ),
    ];
    for (name, s) in cases {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut chain = s.build().expect("valid");
                let mut out = Vec::with_capacity(n);
                for part in x.chunks(1 << 16) {
                    chain.process(part, &mut out);
                }
                out.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, filters);
criterion_main!(benches);
