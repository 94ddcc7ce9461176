//! The fast paths equal the per-sample state machine bit for bit, whatever the chunking.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::super::{PulseTracker, RefLevels};
use crate::measure::{CodeValues, Sample};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in 0..1.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Everything the tracker carries, printed exactly (`{:?}` of f64 round-trips, ±0 apart).
fn state(p: &PulseTracker) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {} {} {:?}",
        p.state,
        p.prev,
        p.start,
        p.mid,
        p.pre,
        p.region,
        p.last.map(|m| m.mid),
        p.before.map(|m| m.mid),
        p.seen,
        p.unsynced,
        p.pos,
        p.dists
    )
}

/// A pulse train with `period` samples, edges of `edge` samples, noise `noise`, then
/// sprinkled specials: NaN, ±inf, ±0, exact reference levels, flat stretches and ramps.
fn signal(rng: &mut Rng, n: usize, period: f64, edge: f64, noise: f64, specials: bool) -> Vec<f64> {
    let mut xs: Vec<f64> = (0..n)
        .map(|i| {
            let t = (i as f64).rem_euclid(period);
            let up = |u: f64| (u / edge).clamp(0.0, 1.0);
            let x = up(t) - up(t - period / 2.0);
            x + noise * (rng.unit() * 2.0 - 1.0)
        })
        .collect();
    if specials {
        let picks = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            0.1,
            0.5,
            0.9,
            1.0,
        ];
        for _ in 0..n / 50 {
            let at = rng.below(n as u64) as usize;
            let long = rng.below(4) == 0;
            let len = 1 + rng.below(if long { 200 } else { 3 }) as usize;
            let v = picks[rng.below(picks.len() as u64) as usize];
            for x in xs.iter_mut().skip(at).take(len) {
                *x = v;
            }
        }
    }
    xs
}

/// Quantised values (many ties and exact zeros).
fn quantised(rng: &mut Rng, n: usize) -> Vec<f64> {
    let mut level = 0.0;
    (0..n)
        .map(|_| {
            if rng.below(40) == 0 {
                level = 1.0 - level;
            }
            let q = rng.below(5) as f64 - 2.0;
            let x = level + q * 0.05;
            if x == 0.0 && rng.below(2) == 0 {
                -0.0
            } else {
                x
            }
        })
        .collect()
}

/// Long slow ramps below the lower level: the pre-transition deque reaches its cap.
fn ramps(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i % 12_000;
            if t < 10_000 {
                -1.0 + t as f64 * 1e-4
            } else if t < 11_000 {
                1.0 - (t - 10_000) as f64 * 1e-6
            } else {
                0.5
            }
        })
        .collect()
}

fn check(xs: &[f64], lv: RefLevels, own: (u64, u64, bool), rng: &mut Rng) {
    check_as(xs, lv, own, rng);
    // The same values in `f32`, read as `f32`.
    let narrow: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    check_as(&narrow, lv, own, rng);
    // Levels that are `f32` values themselves (ties with samples).
    let lv32 = RefLevels {
        low: f64::from(lv.low as f32),
        mid: f64::from(lv.mid as f32),
        high: f64::from(lv.high as f32),
        ..lv
    };
    check_as(&narrow, lv32, own, rng);
    // As integer codes under several maps (coarse ones give many equal neighbours).
    let maps = [
        (
            CodeValues {
                bias: 0.0,
                gain: 1e-3,
                offset: 0.0,
            },
            lv,
        ),
        (
            CodeValues {
                bias: 0.0,
                gain: 0.05,
                offset: 0.0,
            },
            lv,
        ),
        (
            CodeValues {
                bias: 0.0,
                gain: 1.25e-4,
                offset: -0.3,
            },
            lv,
        ),
        (
            CodeValues {
                bias: 32768.0,
                gain: 1.0 / 20000.0,
                offset: 1.6384,
            },
            lv,
        ),
        (CodeValues::IDENTITY, scaled(lv, 1000.0)),
    ];
    for (codes, lv) in maps {
        let unit = if codes == CodeValues::IDENTITY {
            1e-3
        } else {
            codes.gain
        };
        let keys: Vec<i16> = xs
            .iter()
            .map(|&x| {
                let k = ((x + codes.offset) / unit - codes.bias).round();
                if x.is_nan() {
                    0
                } else {
                    k.clamp(-32768.0, 32767.0) as i16
                }
            })
            .collect();
        assert!(codes.strictly_increasing(i16::MIN, i16::MAX));
        check_codes(&keys, lv, own, rng, codes);
    }
}

/// `lv` with every level times `k`.
fn scaled(lv: RefLevels, k: f64) -> RefLevels {
    RefLevels {
        top: lv.top * k,
        base: lv.base * k,
        low: lv.low * k,
        mid: lv.mid * k,
        high: lv.high * k,
    }
}

fn check_as<S: Sample>(xs: &[S], lv: RefLevels, own: (u64, u64, bool), rng: &mut Rng) {
    check_codes(xs, lv, own, rng, CodeValues::IDENTITY);
}

/// The fast paths over `xs` (any sample type, code keys valued by `codes`) equal the
/// per-sample machine over their `f64` values, whatever the chunking.
fn check_codes<S: Sample>(
    xs: &[S],
    lv: RefLevels,
    own: (u64, u64, bool),
    rng: &mut Rng,
    codes: CodeValues,
) {
    let make = || PulseTracker::owning(0, lv, own.0, own.1, own.2).with_codes(codes);
    let wide: Vec<f64> = xs.iter().map(|x| x.value(&codes)).collect();
    let mut slow = make();
    slow.add_per_sample(0, &wide);
    let want = state(&slow);
    let want_dists = format!("{:?}", slow.finish());
    for case in 0..6 {
        let mut fast = make();
        let mut at = 0;
        while at < xs.len() {
            let len = match case {
                0 => xs.len(),
                1 => 1,
                2 => 7,
                3 => 64,
                4 => 513,
                _ => 1 + rng.below(900) as usize,
            };
            let end = (at + len).min(xs.len());
            fast.add_samples(at as u64, &xs[at..end]);
            at = end;
        }
        assert_eq!(state(&fast), want, "chunking case {case}");
        assert_eq!(format!("{:?}", fast.finish()), want_dists, "case {case}");
    }
}

fn levels() -> RefLevels {
    RefLevels::new(1.0, 0.0, 10.0, 90.0).unwrap_or_else(|| unreachable!())
}

#[test]
fn fast_paths_equal_per_sample_on_noisy_trains() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (period, edge, noise) in [
        (1000.0, 100.0, 0.002),
        (97.3, 7.0, 0.05),
        (40.0, 1.0, 0.3),
        (5000.0, 2000.0, 0.01),
        (13.0, 3.0, 0.0),
    ] {
        for specials in [false, true] {
            let xs = signal(&mut rng, 20_000, period, edge, noise, specials);
            check(&xs, levels(), (0, u64::MAX, true), &mut rng);
            check(&xs, levels(), (7_000, 15_000, false), &mut rng);
        }
    }
}

#[test]
fn fast_paths_equal_per_sample_on_ties_zeros_and_ramps() {
    let mut rng = Rng(12345);
    let xs = quantised(&mut rng, 20_000);
    check(&xs, levels(), (0, u64::MAX, true), &mut rng);
    let lv = RefLevels::new(1.0, 0.0, 5.0, 95.0).unwrap_or_else(|| unreachable!());
    check(&xs, lv, (0, u64::MAX, true), &mut rng);
    let xs = ramps(40_000);
    check(&xs, levels(), (0, u64::MAX, true), &mut rng);
    let mut flat = alloc::vec![0.0; 3000];
    flat.extend(core::iter::repeat_n(1.0, 3000));
    flat.extend(core::iter::repeat_n(-0.0, 3000));
    flat.extend(core::iter::repeat_n(f64::NAN, 100));
    flat.extend(core::iter::repeat_n(1.0, 10));
    check(&flat, levels(), (0, u64::MAX, true), &mut rng);
}

/// Strictly monotone stretches (straight into the deque), stretches with equal
/// neighbours (the general path), in both states and both directions.
fn monotone(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = (i % 700) as f64;
            match i / 700 % 4 {
                // Rising through the band, then up inside the high state.
                0 => -0.2 + t * 0.002,
                // Falling through the band in steps of two equal samples.
                1 => 1.2 - (t / 2.0).floor() * 0.004,
                // Falling inside the low state, then a flat top of equal values.
                2 => {
                    if t < 350.0 {
                        0.05 - t * 1e-4
                    } else {
                        1.0
                    }
                }
                // Falling from the top through the band.
                _ => 1.0 - t * 0.002,
            }
        })
        .collect()
}

#[test]
fn fast_paths_equal_per_sample_on_monotone_runs() {
    let mut rng = Rng(777);
    let xs = monotone(30_000);
    check(&xs, levels(), (0, u64::MAX, true), &mut rng);
    check(&xs, levels(), (9_000, 20_000, false), &mut rng);
    let rev: Vec<f64> = xs.iter().rev().copied().collect();
    check(&rev, levels(), (0, u64::MAX, true), &mut rng);
}
