//! `measure` of a 10^8-sample float32 NPY held in memory, on every core: the CLI's
//! in-memory path (`mapped::measure`, segments run by a rayon pool, samples read in place,
//! the next tile prefetched) without what the operating system adds to the CLI's run
//! (mapping the file, its page faults and unmapping, process start and exit). Compare
//! with `scopekit measure` on the same samples (benches/compare_measure.sh) for that share.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use scopekit_core::exec::Exec;
use scopekit_core::formats::Header;
use scopekit_core::measure::mapped::{measure, plan, Hooks};
use scopekit_core::measure::MeasureConfig;

/// The CLI's own hooks (float32 bytes seen in place, the next tile prefetched): the file is
/// included, not copied.
#[path = "../../native-cli/src/mapped_hooks.rs"]
mod mapped_hooks;
use mapped_hooks::{f32_in_place, prefetch};

/// Samples measured.
const N: usize = 100_000_000;

/// The pulse train of benches/compare_measure.sh (period `period` samples, high for 30 %
/// of it, 10–90 % edges of 8 % of it, Gaussian noise of σ = 0.002: peaked levels, as a
/// scope's are) as a float32 NPY file's bytes.
fn npy_pulses(n: usize, period: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n},), }}");
    // Magic, version and length (10 bytes), then the dictionary padded to 128 in all.
    let header = format!("{dict:<117}\n").into_bytes();
    assert_eq!(header.len(), 118, "the dictionary fits");
    let mut bytes = Vec::with_capacity(10 + header.len() + 4 * n);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&header);
    let mut seed = 1u64;
    let mut uniform = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        ((seed >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let p = period as f64;
    for i in 0..n {
        let t = (i % period) as f64;
        let up = |u: f64| ((u + p / 20.0) / (p / 10.0)).clamp(0.0, 1.0);
        // Box–Muller.
        let (a, b) = (uniform(), uniform());
        let noise = 0.002 * (-2.0 * a.ln()).sqrt() * (core::f64::consts::TAU * b).cos();
        let x = (up(t) - up(t - 0.3 * p)).max(up(t - p)) + noise;
        bytes.extend_from_slice(&(x as f32).to_le_bytes());
    }
    bytes
}

/// Runs tasks on a rayon pool.
struct Pool(rayon::ThreadPool);

impl Exec for Pool {
    fn threads(&self) -> usize {
        self.0.current_num_threads()
    }

    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
        self.0.install(|| items.into_par_iter().map(f).collect())
    }
}

fn bench(c: &mut Criterion) {
    let config = MeasureConfig::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let exec = Pool(pool);
    let hooks = Hooks {
        progress: &|_| {},
        phase: &|_| {},
        f32_view: f32_in_place,
        prefetch,
        // The bytes are the program's own: nothing to hand back.
        release: |_| {},
    };
    let mut g = c.benchmark_group("measure_mapped");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    // A slow pulse train (2·10^5 transitions) and a fast clock (2·10^6), where the
    // per-cycle work dominates.
    for period in [1000, 100] {
        let bytes = npy_pulses(N, period);
        let header = Header::parse(&bytes[..256])
            .and_then(|h| h.with_file_len(bytes.len() as u64))
            .expect("an NPY header");
        // Whether the levels guessed from the segments' heads held (else the transitions
        // are tracked twice): printed, as it decides what is measured.
        let kept = std::sync::atomic::AtomicBool::new(false);
        let phase = |p: &str| {
            if p == "guessed levels kept" {
                kept.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        };
        let check = Hooks {
            phase: &phase,
            ..hooks
        };
        let p = plan(&header, 0, bytes.len() as u64).expect("a plan");
        measure((&bytes, &header, &config), p, &exec, &check).expect("a measurement");
        eprintln!(
            "period {period}: guessed levels kept: {}",
            kept.load(std::sync::atomic::Ordering::Relaxed)
        );
        let name = format!("float32_1e8_period_{period}_{threads}_threads");
        g.bench_function(name, |b| {
            b.iter(|| {
                let p = plan(&header, 0, bytes.len() as u64).expect("a plan");
                measure((&bytes, &header, &config), p, &exec, &hooks)
                    .expect("a measurement")
                    .report(&config, None)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
