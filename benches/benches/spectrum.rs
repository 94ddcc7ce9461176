//! Criterion benchmarks of the spectrum module: realfft forward transforms of 2^20 and 10^7
//! points (f64, what the Welch estimator uses, and f32 for reference), and the serial
//! Welch estimator over 10^7 samples with nperseg 4096 (50 % overlap, Hann).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use realfft::RealFftPlanner;
use scopekit_core::spectrum::{Welch, WelchConfig, Window};
use scopekit_core::Push as _;

fn signal(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (i as f64 * 0.0123).sin() + ((i * 7919) % 1000) as f64 * 1e-4)
        .collect()
}

fn rfft(c: &mut Criterion) {
    let mut group = c.benchmark_group("rfft");
    group.sample_size(10);
    for n in [1usize << 20, 10_000_000] {
        let x = signal(n);
        let mut p64 = RealFftPlanner::<f64>::new();
        let plan = p64.plan_fft_forward(n);
        let (mut input, mut output, mut scratch) =
            (x.clone(), plan.make_output_vec(), plan.make_scratch_vec());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("f64_{n}"), |b| {
            b.iter(|| {
                input.copy_from_slice(&x);
                plan.process_with_scratch(&mut input, &mut output, &mut scratch)
                    .expect("sizes match")
            })
        });
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut p32 = RealFftPlanner::<f32>::new();
        let plan = p32.plan_fft_forward(n);
        let (mut input, mut output, mut scratch) =
            (x32.clone(), plan.make_output_vec(), plan.make_scratch_vec());
        group.bench_function(format!("f32_{n}"), |b| {
            b.iter(|| {
                input.copy_from_slice(&x32);
                plan.process_with_scratch(&mut input, &mut output, &mut scratch)
                    .expect("sizes match")
            })
        });
    }
    group.finish();
}

fn welch(c: &mut Criterion) {
    let n = 10_000_000;
    let x: Vec<f64> = signal(n).iter().map(|&v| v as f32 as f64).collect();
    let mut group = c.benchmark_group("welch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("hann_4096_serial_1e7", |b| {
        b.iter(|| {
            let mut w = Welch::try_new(WelchConfig {
                nfft: 4096,
                overlap: 2048,
                window: Window::Hann,
                spectrogram: None,
            })
            .expect("valid config");
            for chunk in x.chunks(1 << 16) {
                w.push(chunk).expect("finite");
            }
            w.finish().expect("long enough")
        })
    });
    group.finish();
}

criterion_group!(benches, rfft, welch);
criterion_main!(benches);
