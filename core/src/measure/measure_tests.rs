use alloc::vec::Vec;

use super::*;
use crate::testkit::assert_chunk_invariant;

/// Trapezoidal pulse train: base 0, top 1, `period` samples, linear edges of `edge` samples
/// (0–100 %), high for `high` samples between the 50 % instants, first rising 50 % instant
/// at `phase`.
fn trapezoid(n: usize, period: f64, high: f64, edge: f64, phase: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = (i as f64 - phase).rem_euclid(period);
            let up = |t: f64| ((t + edge / 2.0) / edge).clamp(0.0, 1.0);
            let rising = up(t).max(up(t - period));
            let falling = up(t - high);
            (rising - falling).max(up(t - period) - up(t - high - period))
        })
        .collect()
}

/// Deterministic noise in -a..a (xorshift).
fn noisy(xs: &mut [f64], a: f64, mut seed: u64) {
    for x in xs {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *x += a * ((seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0);
    }
}

fn close(got: Option<f64>, want: f64, tol: f64, what: &str) {
    let g = got.unwrap_or(f64::NAN);
    assert!(
        (g - want).abs() <= tol,
        "{what}: got {g}, want {want} ± {tol}"
    );
}

#[test]
fn trapezoid_closed_form() {
    // Period 100 samples, 30 high, edges 10 samples 0–100 % → 8 samples 10–90 %.
    let xs = trapezoid(100_000, 100.0, 30.0, 10.0, 20.0);
    let r = measure_slice(&xs, &MeasureConfig::default(), Some(1e9)).unwrap();
    close(r.top.value, 1.0, 1e-3, "top");
    close(r.base.value, 0.0, 1e-3, "base");
    close(r.high.value, 1.0, 1e-12, "high");
    // Top and base are bin centres (bins of 1/1024 of the range): levels are within half
    // a bin, so durations between them within 0.2 %.
    close(r.rise_time.value, 8e-9, 8e-9 * 2e-3, "rise");
    close(r.fall_time.value, 8e-9, 8e-9 * 2e-3, "fall");
    close(r.period.value, 100e-9, 1e-15, "period");
    close(r.frequency.value, 1e7, 1e-3, "frequency");
    close(r.duty_cycle.value, 30.0, 1e-9, "duty");
    close(r.positive_width.value, 30e-9, 1e-15, "positive width");
    close(r.negative_width.value, 70e-9, 1e-15, "negative width");
    close(r.overshoot.stats.max, 0.0, 0.2, "overshoot");
    close(r.preshoot.stats.max, 0.0, 0.2, "preshoot");
    let slew = 0.8 * (1.0 - 0.0) / 8e-9;
    close(r.slew_rate_rising.value, slew, slew * 2e-3, "slew");
    assert_eq!(r.rising_transitions, 1000);
    assert_eq!(r.period.stats.count, 999);
    close(r.period.stats.std, 0.0, 1e-15, "period std");
    let r2080 = measure_slice(
        &xs,
        &MeasureConfig {
            low_pct: 20.0,
            high_pct: 80.0,
            ..MeasureConfig::default()
        },
        None,
    )
    .unwrap();
    close(r2080.rise_time.value, 6.0, 6.0 * 2e-3, "rise 20-80");
}

#[test]
fn overshoot_from_a_ring() {
    // A step with a decaying ring: 1 + 0.2·e^(−t/5)·sin(2πt/8) after the edge.
    let mut xs = trapezoid(20_000, 200.0, 100.0, 4.0, 10.0);
    for (i, x) in xs.iter_mut().enumerate() {
        let t = (i as f64 - 10.0 - 2.0).rem_euclid(200.0);
        if t < 98.0 {
            *x += 0.2 * (-t / 5.0).exp() * (core::f64::consts::TAU * t / 8.0).sin();
        }
    }
    let r = measure_slice(&xs, &MeasureConfig::default(), None).unwrap();
    // First peak of the ring near t = 2: 0.2·e^(−t/5)·sin(πt/4) is largest at t ≈ 1.66.
    let peak = (0..2000)
        .map(|k| k as f64 / 100.0)
        .map(|t| 0.2 * (-t / 5.0).exp() * (core::f64::consts::TAU * t / 8.0).sin())
        .fold(0.0, f64::max);
    close(r.overshoot.stats.max, peak * 100.0, 1.5, "overshoot");
    assert!(r.undershoot.stats.max.unwrap() > 5.0, "{:?}", r.undershoot);
}

#[test]
fn bad_input() {
    let r = measure_slice(&[1.5; 1000], &MeasureConfig::default(), None).unwrap();
    assert_eq!(r.amplitude.value, Some(0.0));
    assert_eq!(r.rise_time.value, None);
    assert!(r.rise_time.reason.as_deref().unwrap().contains("constant"));
    let r = measure_slice(&[f64::NAN, f64::INFINITY], &MeasureConfig::default(), None).unwrap();
    assert_eq!(r.nonfinite, 2);
    assert_eq!(r.mean.value, None);
    let mut xs = trapezoid(1000, 100.0, 50.0, 4.0, 10.0);
    xs[333] = f64::NAN;
    xs[500] = f64::NEG_INFINITY;
    let r = measure_slice(&xs, &MeasureConfig::default(), None).unwrap();
    assert_eq!(r.nonfinite, 2);
    close(r.period.value, 100.0, 1e-9, "period with NaN");
    let one = trapezoid(150, 1000.0, 50.0, 4.0, 50.0);
    let r = measure_slice(&one, &MeasureConfig::default(), None).unwrap();
    assert_eq!(r.period.value, None);
    assert!(r.period.reason.is_some());
    close(r.positive_width.value, 50.0, 1e-9, "single pulse");
    let bad = MeasureConfig {
        low_pct: 60.0,
        ..MeasureConfig::default()
    };
    assert!(measure_slice(&xs, &bad, None).is_err());
}

fn signal() -> (Vec<f64>, RefLevels) {
    let mut xs = trapezoid(30_000, 97.3, 41.0, 7.0, 3.0);
    noisy(&mut xs, 0.05, 7);
    xs[1234] = f64::NAN;
    (xs, RefLevels::new(1.0, 0.0, 10.0, 90.0).unwrap())
}

#[test]
fn chunk_invariant() {
    let (xs, lv) = signal();
    assert_chunk_invariant(|| PulseTracker::new(0, lv), &xs[..6000], 24);
}

#[test]
fn segmented_equals_serial() {
    let (xs, lv) = signal();
    let serial = {
        let mut p = PulseTracker::new(0, lv);
        p.add(0, &xs);
        p.finish()
    };
    for starts in [
        &[0, 10][..],
        &[0, 150, 300, 7000, 7001, 20_000],
        &[0, 5000, 10_000, 15_000, 20_000, 25_000],
    ] {
        let mut par = pulses_segmented(&xs, 0, lv, starts);
        let mut ser = serial.clone();
        assert_eq!(par.rising, ser.rising);
        assert_eq!(par.falling, ser.falling);
        for (a, b) in [
            (&mut par.rise, &mut ser.rise),
            (&mut par.fall, &mut ser.fall),
            (&mut par.period, &mut ser.period),
            (&mut par.duty, &mut ser.duty),
            (&mut par.positive_width, &mut ser.positive_width),
            (&mut par.overshoot, &mut ser.overshoot),
            (&mut par.undershoot, &mut ser.undershoot),
            (&mut par.preshoot, &mut ser.preshoot),
        ] {
            let (a, b) = (a.report(1.0), b.report(1.0));
            assert_eq!(
                (a.count, a.min, a.max, a.p50, a.p99),
                (b.count, b.min, b.max, b.p50, b.p99)
            );
            let rel = |x: Option<f64>, y: Option<f64>| {
                (x.unwrap() - y.unwrap()).abs() <= 1e-12 * y.unwrap().abs().max(1e-3)
            };
            assert!(rel(a.mean, b.mean) && rel(a.std, b.std), "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn histogram_matches_edges_top_base() {
    let (xs, _) = signal();
    let xs: Vec<f64> = xs.into_iter().filter(|x| x.is_finite()).collect();
    let mut scan = LevelScan::new(0);
    scan.add(0, &xs);
    let m = scan.moments();
    let mut h = LevelHistogram::new(0, m.min, m.max).unwrap();
    h.add(&xs);
    assert_eq!(Some(h.top_base()), crate::edges::top_base(&xs));
}

/// The bins of the histogram before it computed them in lanes, one sample at a time.
fn reference_bins(min: f64, width: f64, xs: &[f64]) -> Vec<u64> {
    let scale = 1.0 / width;
    let mut counts = alloc::vec![0u64; HISTOGRAM_BINS];
    for &x in xs {
        let b = (x - min) * scale;
        if b >= 0.0 && b < (HISTOGRAM_BINS + 1) as f64 {
            counts[(b as usize).min(HISTOGRAM_BINS - 1)] += 1;
        }
    }
    counts
}

#[test]
fn histogram_bins_match_reference_on_specials() {
    let (min, max) = (-0.0, 3.0);
    let mut h = LevelHistogram::new(0, min, max).unwrap();
    let w = h.bin_width();
    let mut xs = alloc::vec![
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        0.0,
        -1e-300,
        1e-300,
        3.0,
        3.0 + 0.5 * w,
        3.0 + w,
        3.0 + 1.5 * w,
        -w,
        1.5,
        w,
        2.0 * w,
        1e300,
        -1e300,
        2.999,
    ];
    let (mut scan, mut x) = (LevelScan::new(0), 0.123_f64);
    for _ in 0..1000 {
        x = (x * 3.9 * (1.0 - x / 3.2)).abs() % 3.3 - 0.1;
        xs.push(x);
    }
    // Lengths that are and are not multiples of the 8-sample groups.
    for len in [0, 1, 7, 8, 9, 17, xs.len()] {
        let mut h2 = LevelHistogram::new(0, min, max).unwrap();
        h2.add(&xs[..len]);
        assert_eq!(h2.totals(), reference_bins(min, w, &xs[..len]), "len {len}");
    }
    for c in xs.chunks(5) {
        h.add(c);
    }
    assert_eq!(h.totals(), reference_bins(min, w, &xs));
    scan.add(0, &xs);
    assert_eq!(scan.nonfinite(), 3);
}

#[test]
fn scan_finds_each_nonfinite_position() {
    let xs: Vec<f64> = (0..19).map(|i| i as f64 * 0.5).collect();
    let mut clean = LevelScan::new(0);
    clean.add(0, &xs);
    assert_eq!(clean.nonfinite(), 0);
    for pos in 0..xs.len() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut ys = xs.clone();
            ys[pos] = bad;
            let mut s = LevelScan::new(0);
            s.add(0, &ys);
            assert_eq!(s.nonfinite(), 1, "{bad} at {pos}");
            assert_eq!(s.moments().n, 18);
        }
    }
}

#[test]
fn f32_passes_equal_f64_passes() {
    let mut xs = trapezoid(50_000, 1000.0, 300.0, 100.0, 7.0);
    noisy(&mut xs, 0.01, 99);
    xs[100] = f64::NAN;
    xs[20_000] = f64::INFINITY;
    xs[30_001] = -0.0;
    let narrow: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    let wide: Vec<f64> = narrow.iter().map(|&x| f64::from(x)).collect();
    let mut a = LevelScan::new(0);
    a.add(0, &wide);
    let mut b = LevelScan::new(0);
    for (k, c) in narrow.chunks(5000).enumerate() {
        b.add_f32(k as u64 * 5000, c);
    }
    assert_eq!(a.moments(), b.moments());
    assert_eq!((a.nonfinite(), a.span()), (b.nonfinite(), b.span()));
    // The same samples as little-endian bytes, in chunks of any size (a last partial
    // sample of a chunk is ignored).
    let bytes: Vec<u8> = narrow.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut c = LevelScan::new(0);
    for (k, ch) in bytes.chunks(4 * 4099).enumerate() {
        c.add_f32_le(k as u64 * 4099, ch);
    }
    c.add_f32_le(narrow.len() as u64, &[1, 2, 3]);
    assert_eq!(
        (a.moments(), a.nonfinite(), a.span()),
        (c.moments(), c.nonfinite(), c.span())
    );
    let m = a.moments();
    let mut ha = LevelHistogram::new(0, m.min, m.max).unwrap();
    let mut hb = ha.clone();
    ha.add(&wide);
    for c in narrow.chunks(999) {
        hb.add_samples(c);
    }
    assert_eq!(ha, hb);
    assert_eq!(ha.top_base(), hb.top_base());
}

#[test]
fn f32_histogram_equals_f64_bins_at_edges() {
    for (min, max) in [(-0.3f32, 1.7f32), (0.0, 1.0), (-1e-3, 2e-3), (100.0, 100.5)] {
        let (min, max) = (f64::from(min), f64::from(max));
        let h = LevelHistogram::new(0, min, max).unwrap();
        let w = h.bin_width();
        let mut xs: Vec<f32> = alloc::vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0];
        // Every bin edge and its f32 neighbours.
        for k in -2..=1030 {
            let t = (min + k as f64 * w) as f32;
            for d in -3i32..=3 {
                xs.push(f32::from_bits(t.to_bits().wrapping_add_signed(d)));
            }
        }
        let mut x = 0.123_f64;
        while xs.len() < 80_000 {
            x = (x * 3.9 * (1.0 - x / 3.2)).abs() % 3.3 - 0.1;
            xs.push((min + (max - min) * x / 3.0) as f32);
        }
        let wide: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
        let mut h32 = h.clone();
        for c in xs.chunks(4096) {
            h32.add_samples(c);
        }
        assert_eq!(h32.totals(), reference_bins(min, w, &wide), "{min}..{max}");
    }
}

/// Trackers over parts whose values are logged and replayed in order give the serial
/// tracker's per-cycle statistics bit for bit (a merge rounds the means differently).
#[test]
fn logged_parts_replay_to_the_serial_bits() {
    let mut xs = trapezoid(300_000, 997.0, 301.0, 60.0, 11.0);
    noisy(&mut xs, 0.01, 42);
    let lv = RefLevels::new(1.0, 0.0, 10.0, 90.0).unwrap();
    let mut serial = PulseTracker::new(0, lv);
    serial.add(0, &xs);
    let mut serial = serial.finish();
    let starts = [0usize, 70_001, 150_000, 150_500, 299_000];
    let mut parts = Vec::new();
    for (k, &from) in starts.iter().enumerate() {
        let to = starts.get(k + 1).map_or(u64::MAX, |&t| t as u64);
        let mut back = 1;
        let p = loop {
            let at = starts[k.saturating_sub(back)];
            let mut p = PulseTracker::owning(0, lv, from as u64, to, at == 0);
            if k > 0 {
                p = p.logged();
            }
            for (c, chunk) in xs[at..].chunks(1000).enumerate() {
                p.add((at + c * 1000) as u64, chunk);
                if p.done() {
                    break;
                }
            }
            if !p.unsynced() || at == 0 {
                break p;
            }
            back += 1;
        };
        let part = p.finish();
        assert!(!part.overflowed());
        parts.push(part);
    }
    let mut replay = PulseReplay::new(parts).unwrap();
    replay.run().unwrap();
    let mut total = replay.into_total();
    let view = |d: &mut PulseDists| {
        [
            &mut d.rise,
            &mut d.fall,
            &mut d.period,
            &mut d.duty,
            &mut d.overshoot,
            &mut d.undershoot,
            &mut d.preshoot,
            &mut d.positive_width,
        ]
        .map(|x| alloc::format!("{:?}", x.report(1.0)))
    };
    assert_eq!(
        (total.rising, total.falling),
        (serial.rising, serial.falling)
    );
    assert_eq!(view(&mut total), view(&mut serial));
    // A merge of unlogged parts is only close.
    let merged = pulses_segmented(&xs, 0, lv, &starts);
    assert_eq!(merged.rising, serial.rising);
}

#[test]
fn a_full_log_overflows() {
    let mut d = Dist::logging();
    for k in 0..(1u64 << 15) + 1 {
        d.add(k, 1.0);
    }
    assert!(d.overflowed());
    assert!(Dist::default().replay(d).is_err());
}
