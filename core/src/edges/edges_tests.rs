use alloc::vec::Vec;

use super::*;
use crate::testkit::assert_chunk_invariant;
use crate::{Push, Result};

/// A square wave of `period` samples between `lo` and `hi`, with linear ramps of `ramp`
/// samples, plus deterministic noise of amplitude `noise`.
fn square(n: usize, period: f64, lo: f64, hi: f64, ramp: f64, noise: f64) -> Vec<f64> {
    let mut seed = 0x1234_5678_u64;
    (0..n)
        .map(|i| {
            let ph = (i as f64 % period) / period * 2.0; // 0..2: first half high
            let frac = if ph < 1.0 { ph } else { ph - 1.0 } * period / 2.0;
            let up = ph < 1.0;
            let mut v = if frac < ramp {
                let f = frac / ramp;
                if up {
                    lo + (hi - lo) * f
                } else {
                    hi - (hi - lo) * f
                }
            } else if up {
                hi
            } else {
                lo
            };
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v += noise * (((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5) * 2.0;
            v
        })
        .collect()
}

struct Run(EdgeKernel, u64);

impl Push<f64> for Run {
    type Output = (EdgeReport, Vec<Edge>);
    fn push(&mut self, chunk: &[f64]) -> Result<()> {
        self.0.block(Block {
            channel: 0,
            start: self.1,
            samples: chunk,
        })?;
        self.1 += chunk.len() as u64;
        Ok(())
    }
    fn finish(mut self) -> Result<Self::Output> {
        let mut edges = self.0.take_edges();
        let (report, rest) = self.0.finish(None);
        edges.extend(rest);
        Ok((report, edges))
    }
}

fn kernel(level: Option<f64>, hysteresis: Option<f64>, min_pulse: f64) -> EdgeKernel {
    EdgeKernel::new(
        0,
        EdgeOptions {
            level,
            hysteresis,
            min_pulse,
        },
        usize::MAX,
    )
    .unwrap()
}

fn edges_of(k: EdgeKernel, xs: &[f64]) -> (EdgeReport, Vec<Edge>) {
    let mut r = Run(k, 0);
    r.push(xs).unwrap();
    r.finish().unwrap()
}

#[test]
fn crossing_times_are_interpolated() {
    // 0, 0.25, 0.5, 0.75, 1, ... ramps: level 0.6 is crossed at 2.4 and on the way down.
    let xs = [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.0];
    let (r, e) = edges_of(kernel(Some(0.6), None, 0.0), &xs);
    assert_eq!(e.len(), 2);
    assert!((e[0].time - 2.4).abs() < 1e-12 && e[0].at == 3 && e[0].rising);
    assert!((e[1].time - 5.8).abs() < 1e-12 && e[1].at == 6 && !e[1].rising);
    assert_eq!((r.rising, r.falling, r.initial_high), (1, 1, Some(false)));
}

#[test]
fn hysteresis_rejects_noise_and_times_the_middle() {
    let xs = square(100_000, 1000.0, 0.0, 3.3, 40.0, 0.3);
    let (_, noisy) = edges_of(kernel(Some(1.65), None, 0.0), &xs);
    let (r, e) = edges_of(kernel(Some(1.65), Some(1.0), 0.0), &xs);
    assert!(
        noisy.len() > e.len(),
        "noise must add edges without hysteresis"
    );
    assert_eq!(e.len(), 200);
    assert_eq!((r.rising, r.falling), (100, 100));
    // the ramp crosses the middle 20 samples into each half period (± noise / slope)
    for (k, edge) in e.iter().enumerate() {
        let want = k as f64 * 500.0 + 20.0;
        assert!(
            (edge.time - want).abs() < 5.0,
            "edge {k} at {} want {want}",
            edge.time
        );
    }
    let f = r.frequency.unwrap();
    assert!((f - 1.0 / 1000.0).abs() < 1e-6, "{f}");
    let d = r.duty_cycle.unwrap();
    assert!((d - 0.5).abs() < 0.01, "{d}");
    assert!((r.high.p50.unwrap() - 500.0).abs() < 5.0);
}

#[test]
fn automatic_threshold_from_top_and_base() {
    let xs = square(200_000, 800.0, 0.2, 3.1, 10.0, 0.05);
    let (r, e) = edges_of(kernel(None, None, 0.0), &xs);
    let th = r.threshold.unwrap();
    assert!((th.level - 1.65).abs() < 0.05, "{th:?}");
    assert!((th.hysteresis - 0.29).abs() < 0.02, "{th:?}");
    assert_eq!(e.len(), 500);
    assert!(r.auto_threshold);
}

#[test]
fn glitch_filter_drops_short_pulses() {
    let mut xs = alloc::vec![0.0; 100];
    xs[20..60].fill(1.0);
    xs[30] = 0.0; // a 1-sample low glitch
    xs[80..82].fill(1.0); // a 2-sample high glitch
    let (_, all) = edges_of(kernel(Some(0.5), None, 0.0), &xs);
    assert_eq!(all.len(), 6);
    let (r, e) = edges_of(kernel(Some(0.5), None, 3.0), &xs);
    assert_eq!(e.iter().map(|e| e.at).collect::<Vec<_>>(), [20, 60]);
    assert_eq!(r.glitches_removed, 2);
}

#[test]
fn constant_nan_and_empty_inputs_give_no_edges() {
    for xs in [
        alloc::vec![],
        alloc::vec![1.0; 5000],
        alloc::vec![f64::NAN; 100],
    ] {
        let (r, e) = edges_of(kernel(None, None, 0.0), &xs);
        assert!(e.is_empty() && r.threshold.is_none() && r.frequency.is_none());
        let (r, e) = edges_of(kernel(Some(0.5), None, 0.0), &xs);
        assert!(e.is_empty() && r.rising == 0 && r.duty_cycle.is_none());
    }
    let mut xs = square(5000, 100.0, 0.0, 1.0, 0.0, 0.0);
    xs[250] = f64::NAN;
    let (_, e) = edges_of(kernel(Some(0.5), None, 0.0), &xs);
    assert_eq!(e.len(), 99);
    assert!(EdgeKernel::new(
        0,
        EdgeOptions {
            level: Some(f64::NAN),
            ..Default::default()
        },
        1
    )
    .is_err());
}

#[test]
fn chunking_never_changes_edges_or_statistics() {
    let xs = square(20_000, 333.0, -1.0, 2.0, 30.0, 0.4);
    assert_chunk_invariant(|| Run(kernel(Some(0.5), Some(0.6), 4.0), 0), &xs, 24);
    let xs = square(3_000_000, 5000.0, -1.0, 2.0, 30.0, 0.4);
    assert_chunk_invariant(|| Run(kernel(None, None, 0.0), 0), &xs, 4);
}

/// Two channels given as pairs of samples.
struct Dig(Digitizer, u64);

impl Push<[f64; 2]> for Dig {
    type Output = Vec<crate::logic::Transition>;
    fn push(&mut self, chunk: &[[f64; 2]]) -> Result<()> {
        let (a, b): (Vec<f64>, Vec<f64>) = chunk.iter().map(|p| (p[0], p[1])).unzip();
        self.0.block(Block {
            channel: 0,
            start: self.1,
            samples: &a,
        })?;
        self.0.block(Block {
            channel: 1,
            start: self.1,
            samples: &b,
        })?;
        self.1 += a.len() as u64;
        Ok(())
    }
    fn finish(mut self) -> Result<Self::Output> {
        let mut t = self.0.take();
        t.extend(self.0.finish());
        Ok(t)
    }
}

#[test]
fn digitizer_merges_lines_in_sample_order() {
    let a = square(10_000, 100.0, 0.0, 3.3, 5.0, 0.2);
    let b = square(10_000, 64.0, 0.0, 5.0, 3.0, 0.2);
    let th = |level| {
        Ok(Threshold {
            level,
            hysteresis: 0.5,
        })
    };
    let mut d = Digitizer::new(&[(0, th(1.65)), (1, th(2.5))]).unwrap();
    d.block(Block {
        channel: 0,
        start: 0,
        samples: &a,
    })
    .unwrap();
    d.block(Block {
        channel: 1,
        start: 0,
        samples: &b,
    })
    .unwrap();
    let mut t = d.take();
    t.extend(d.finish());
    assert_eq!(t[0].at, 0);
    assert!(t
        .windows(2)
        .all(|w| w[0].at < w[1].at && w[0].levels != w[1].levels));
    // every line's edges agree with its own thresholder
    for (line, xs, l) in [(0, &a, 1.65), (1, &b, 2.5)] {
        let (_, e) = edges_of(kernel(Some(l), Some(0.5), 0.0), xs);
        let from_t: Vec<u64> = t
            .windows(2)
            .filter(|w| (w[0].levels ^ w[1].levels) >> line & 1 == 1)
            .map(|w| w[1].at)
            .collect();
        assert_eq!(from_t, e.iter().map(|e| e.at).collect::<Vec<_>>());
    }
    let pairs: Vec<[f64; 2]> = a.iter().zip(&b).map(|(x, y)| [*x, *y]).collect();
    let make = || Dig(Digitizer::new(&[(0, th(1.65)), (1, th(2.5))]).unwrap(), 0);
    assert_chunk_invariant(make, &pairs, 16);
    assert_eq!(
        make().finish().unwrap(),
        [crate::logic::Transition { at: 0, levels: 0 }]
    );
}

/// Parts thresholded apart and taken in by `push_part` give exactly the serial transitions,
/// wherever the cuts fall: inside slow edges, in the dead band, in a long flat stretch.
#[test]
fn parts_equal_serial_wherever_the_cuts_fall() {
    let mut a = square(60_000, 700.0, 0.0, 3.3, 120.0, 0.3);
    let b = square(60_000, 256.0, 0.0, 5.0, 40.0, 0.4);
    // a long stretch of line 0 inside its dead band (1.0 .. 2.3)
    a[20_000..26_000].fill(1.65);
    let lines = [
        (
            0,
            Threshold {
                level: 1.65,
                hysteresis: 1.3,
            },
        ),
        (
            1,
            Threshold {
                level: 2.5,
                hysteresis: 0.8,
            },
        ),
    ];
    let explicit: Vec<_> = lines.iter().map(|&(c, t)| (c, Ok(t))).collect();
    let mut serial = Digitizer::new(&explicit).unwrap();
    serial
        .block(Block {
            channel: 0,
            start: 0,
            samples: &a,
        })
        .unwrap();
    serial
        .block(Block {
            channel: 1,
            start: 0,
            samples: &b,
        })
        .unwrap();
    let mut want = serial.take();
    want.extend(serial.finish());
    assert!(want.len() > 500);
    let run = |cuts: &[usize]| {
        let mut d = Digitizer::new(&explicit).unwrap();
        let mut got = Vec::new();
        let mut bounds: Vec<usize> = cuts.to_vec();
        bounds.push(a.len());
        let mut start = 0;
        for &end in &bounds {
            let end = end.clamp(start, a.len());
            let mut part = DigitizePart::new(&lines);
            // each line in two blocks, to cross a block boundary inside the prefix
            let mid = (start + end) / 2;
            for (s, e) in [(start, mid), (mid, end)] {
                part.block(Block {
                    channel: 0,
                    start: s as u64,
                    samples: &a[s..e],
                })
                .unwrap();
                part.block(Block {
                    channel: 1,
                    start: s as u64,
                    samples: &b[s..e],
                })
                .unwrap();
            }
            d.push_part(part).unwrap();
            got.extend(d.take());
            start = end;
        }
        got.extend(d.finish());
        got
    };
    assert_eq!(run(&[]), want);
    assert_eq!(
        run(&[21_000, 23_000, 25_999]),
        want,
        "cuts in the dead-band stretch"
    );
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(
            &proptest::collection::vec(0usize..60_000, 0..12),
            |mut cuts| {
                cuts.sort_unstable();
                proptest::prop_assert_eq!(run(&cuts), want.clone());
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn first_samples_keep_the_window_of_the_channels_asked_for() {
    use crate::{Block, BlockSink};
    let channels = [2usize, 0];
    let mut first = FirstSamples::new(&channels, usize::MAX);
    let xs: Vec<f64> = (0..AUTO_WINDOW + 100).map(|i| i as f64).collect();
    for (k, piece) in xs.chunks(300_001).enumerate() {
        let start = (k * 300_001) as u64;
        for channel in 0..3 {
            let samples: Vec<f64> = piece.iter().map(|x| x + channel as f64).collect();
            let b = Block {
                channel,
                start,
                samples: &samples,
            };
            first.block(b).unwrap();
        }
        assert_eq!(
            first.full(),
            start + piece.len() as u64 >= AUTO_WINDOW as u64
        );
    }
    let kept = first.into_samples();
    assert_eq!(kept.len(), 2);
    assert_eq!(
        kept[0],
        xs[..AUTO_WINDOW]
            .iter()
            .map(|x| x + 2.0)
            .collect::<Vec<_>>()
    );
    assert_eq!(kept[1], xs[..AUTO_WINDOW].to_vec());
}

/// A line's automatic threshold from its first samples in pieces (ranges and histograms
/// per piece, as on a thread pool) is exactly the one of the samples in one piece: noisy
/// digital lines, a constant one, NaN and infinities, empty pieces, pieces of one sample.
#[test]
fn pieces_threshold_is_line_threshold() {
    let mut rng = 5u64;
    let mut noise = move || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 33) as f64 / (1u64 << 31) as f64 - 0.5
    };
    let digital: Vec<f64> = (0..50_000)
        .map(|i| if (i / 37) % 3 == 0 { 3.3 } else { 0.1 } + 0.2 * noise())
        .collect();
    let mut odd = digital.clone();
    odd[7] = f64::NAN;
    odd[1000] = f64::INFINITY;
    odd[0] = f64::NEG_INFINITY;
    let constant = vec![1.25; 3000];
    let nan = vec![f64::NAN; 10];
    for xs in [&digital, &odd, &constant, &nan, &Vec::new()] {
        for cuts in [
            vec![],
            vec![1],
            vec![0, 0, 5],
            vec![xs.len() / 2],
            vec![3, 999, 1000, 1001],
        ] {
            let mut bounds = vec![0];
            bounds.extend(cuts.iter().map(|&c| c.min(xs.len())));
            bounds.push(xs.len());
            let pieces: Vec<&[f64]> = bounds.windows(2).map(|w| &xs[w[0]..w[1]]).collect();
            let ranges: Vec<_> = pieces.iter().map(|p| finite_range(p)).collect();
            let range = merged_range(&ranges);
            let hists: Vec<_> = match range {
                Some(r) => pieces.iter().rev().map(|p| piece_histogram(p, r)).collect(),
                None => Vec::new(),
            };
            for h in [None, Some(0.3)] {
                let want = line_threshold(xs, h);
                let got = pieces_threshold(&pieces, range, &hists, h);
                assert_eq!(got, want, "{} samples cut at {cuts:?}", xs.len());
            }
        }
    }
}
