use alloc::vec::Vec;

use super::*;
use crate::exec::Serial;
use crate::testkit::npy_bytes;

/// Every task on a thread of its own (the results still come back in item order).
struct Threads;

impl Exec for Threads {
    fn threads(&self) -> usize {
        4
    }

    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
        std::thread::scope(|s| {
            let tasks: Vec<_> = items.into_iter().map(|t| s.spawn(move || f(t))).collect();
            tasks.into_iter().map(|t| t.join().expect("task")).collect()
        })
    }
}

fn no_view(_: &[u8]) -> Option<&[f32]> {
    None
}

const HOOKS: Hooks<'static> = Hooks {
    progress: &|_| {},
    phase: &|_| {},
    f32_view: no_view,
    prefetch: |_| {},
    release: |_| {},
};

/// A pulse train (period 1000 samples, edges of 100) around `offset`, `scale` high, with
/// uniform noise of 1 % of it (flat-topped levels).
fn pulses(n: usize, scale: f64, offset: f64) -> Vec<f64> {
    pulses_with_noise(n, scale, offset, 0.01)
}

/// [`pulses`] with uniform noise of `amplitude` times `scale`.
fn pulses_with_noise(n: usize, scale: f64, offset: f64, amplitude: f64) -> Vec<f64> {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|i| {
            let t = (i % 1000) as f64;
            let up = |u: f64| ((u + 50.0) / 100.0).clamp(0.0, 1.0);
            let x = up(t) - up(t - 300.0);
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            offset + scale * (x + amplitude * u)
        })
        .collect()
}

/// The three passes run serially over the decoded samples (the reference).
fn three_passes(xs: &[f64], config: &MeasureConfig) -> MeasureReport {
    super::super::measure_slice(xs, config, None).expect("valid config")
}

/// The per-cycle rows of `a` and `b` agree: counts, extremes and quantiles exactly, means
/// and deviations to 1e-12 (merged segments combine moments pairwise).
fn assert_same_cycles(a: &MeasureReport, b: &MeasureReport) {
    assert_eq!(
        (a.rising_transitions, a.falling_transitions),
        (b.rising_transitions, b.falling_transitions)
    );
    for (x, y) in [
        (&a.rise_time, &b.rise_time),
        (&a.fall_time, &b.fall_time),
        (&a.period, &b.period),
        (&a.duty_cycle, &b.duty_cycle),
        (&a.positive_width, &b.positive_width),
        (&a.overshoot, &b.overshoot),
        (&a.preshoot, &b.preshoot),
    ] {
        let (s, t) = (&x.stats, &y.stats);
        assert_eq!(
            (s.count, s.min, s.max, s.p50, s.p95, s.p99),
            (t.count, t.min, t.max, t.p50, t.p95, t.p99)
        );
        // Deviations to 1e-12 of the mean's magnitude too: a deviation far below the mean
        // has fewer of its digits exact.
        let scale = t.mean.unwrap_or(0.0).abs();
        let near = |u: Option<f64>, v: Option<f64>| {
            let (u, v) = (u.unwrap_or(0.0), v.unwrap_or(0.0));
            (u - v).abs() <= 1e-12 * v.abs().max(scale).max(1e-3)
        };
        assert!(near(s.mean, t.mean) && near(s.std, t.std), "{s:?} vs {t:?}");
    }
}

/// Float segments equal the serial passes on any executor, whether the heads guess the
/// levels and the guess is kept (quiet levels, each in a bin of its own) or do not guess
/// (flat-topped levels: uniform noise over ten bins), when the transitions are tracked at
/// the final levels only.
#[test]
fn float_segments_equal_the_serial_passes_on_any_executor() {
    for (amplitude, phase) in [
        (0.01, "no guess: transitions at the final levels"),
        (1e-5, "guessed levels kept"),
    ] {
        let xs: Vec<f64> = pulses_with_noise(300_000, 1.0, 0.0, amplitude)
            .into_iter()
            .map(|x| f64::from(x as f32))
            .collect();
        let file = npy_bytes("<f4", &[xs.len() as u64], false, 1, &xs);
        let header = Header::parse(&file).expect("npy");
        let config = MeasureConfig::default();
        let want = three_passes(&xs, &config);
        let bounds = header.segments(64 << 10).expect("segments");
        assert!(bounds.len() > 10);
        let phases = std::sync::Mutex::new(Vec::new());
        let hooks = Hooks {
            phase: &|p| phases.lock().expect("phases").push(p.to_string()),
            ..HOOKS
        };
        let input = (&file[..], &header, &config);
        let serial = measure_segments(input, &bounds, &Serial, &HOOKS).expect("measured");
        let threads = measure_segments(input, &bounds, &Threads, &hooks).expect("measured");
        let seen = phases.lock().expect("phases").iter().any(|p| p == phase);
        assert!(seen, "{amplitude}: {phase}");
        let (serial, threads) = (serial.report(&config, None), threads.report(&config, None));
        assert_eq!(serial, threads);
        assert_eq!(
            (serial.top.value, serial.base.value),
            (want.top.value, want.base.value)
        );
        assert!(serial.rising_transitions > 250);
        assert_same_cycles(&serial, &want);
    }
}

#[test]
fn codes_equal_the_serial_passes_split_or_not() {
    let xs: Vec<f64> = pulses(200_000, 20_000.0, -10_000.0)
        .into_iter()
        .map(f64::round)
        .collect();
    let file = npy_bytes("<i2", &[xs.len() as u64], false, 1, &xs);
    let header = Header::parse(&file).expect("npy");
    let config = MeasureConfig::default();
    let want = three_passes(&xs, &config);
    let layout = code_layout(&header, 0, file.len() as u64).expect("codes");
    let input = (&file[..], &header, &config);
    let split = header.segments(32 << 10);
    let segmented = measure_codes(input, layout, split, &Threads, &HOOKS).expect("measured");
    let segmented = segmented.report(&config, None);
    assert_eq!(
        (segmented.top.value, segmented.base.value),
        (want.top.value, want.base.value)
    );
    assert_same_cycles(&segmented, &want);
    // Unsplit (as `.trc`): logged parts replay to the serial tracker's bits.
    for exec_threads in [false, true] {
        let got = if exec_threads {
            measure_codes(input, layout, None, &Threads, &HOOKS)
        } else {
            measure_codes(input, layout, None, &Serial, &HOOKS)
        };
        assert_eq!(got.expect("measured").report(&config, None), want);
    }
}

#[test]
fn a_file_shorter_than_its_header_is_an_error() {
    let xs = pulses(50_000, 1.0, 0.0);
    let mut file = npy_bytes("<f4", &[xs.len() as u64], false, 1, &xs);
    let header = Header::parse(&file).expect("npy");
    file.truncate(file.len() - 1000);
    let config = MeasureConfig::default();
    let bounds = header.segments(16 << 10).expect("segments");
    let input = (&file[..], &header, &config);
    let err = measure_segments(input, &bounds, &Threads, &HOOKS).expect_err("truncated");
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    let layout = (
        CodeMap::new(2, true, false, None, 2, 0).expect("map"),
        100_000,
    );
    let err = measure_codes(input, layout, None, &Serial, &HOOKS).expect_err("truncated");
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
}
