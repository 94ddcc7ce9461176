use super::*;
use alloc::vec::Vec;

fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect()
}

fn naive(a: &[f64], b: &[f64], m: i64) -> f64 {
    (0..b.len() as i64)
        .filter(|n| n + m >= 0 && n + m < a.len() as i64)
        .map(|n| a[(n + m) as usize] * b[n as usize])
        .sum()
}

#[test]
fn full_matches_the_naive_sum() {
    let (a, b) = (noise(300, 1), noise(170, 2));
    let c = correlate_full(&a, &b).unwrap();
    assert_eq!(c.len(), 469);
    for (k, v) in c.iter().enumerate() {
        let m = k as i64 - 169;
        assert!((v - naive(&a, &b, m)).abs() < 1e-10, "lag {m}");
    }
}

struct Both(StreamCorrelator, Vec<f64>, usize);

impl crate::Push<f64> for Both {
    type Output = (Vec<f64>, Option<Peak>, Option<f64>);
    /// The input is `a` then `b`, `self.2` samples each: pushed as it comes.
    fn push(&mut self, chunk: &[f64]) -> crate::Result<()> {
        for &v in chunk {
            self.1.push(v);
        }
        let n = self.2;
        while !self.1.is_empty() {
            let at = self.0.pushed();
            let total = at[0] + at[1];
            let x = self.1.remove(0);
            if (total as usize) < n {
                self.0.push_a(&[x])?;
            } else {
                self.0.push_b(&[x])?;
            }
        }
        Ok(())
    }
    fn finish(self) -> crate::Result<Self::Output> {
        self.0.finish()
    }
}

#[test]
fn streaming_matches_naive_and_finds_the_delay() {
    let b = noise(200_000, 3);
    let d = 37;
    let mut a = alloc::vec![0.0; d];
    a.extend_from_slice(&b[..b.len() - d]);
    let mut s = StreamCorrelator::new(100).unwrap();
    for (x, y) in a.chunks(7777).zip(b.chunks(7777)) {
        s.push_a(x).unwrap();
        s.push_b(y).unwrap();
    }
    let (curve, peak, coef) = s.finish().unwrap();
    let peak = peak.unwrap();
    assert_eq!(peak.lag, 37);
    assert!(coef.unwrap() > 0.99);
    for m in [-100i64, -3, 0, 37, 100] {
        let v = curve[(m + 100) as usize];
        assert!((v - naive(&a, &b, m)).abs() < 1e-8, "lag {m}");
    }
}

#[test]
fn streaming_is_chunk_invariant() {
    let n = 70_000;
    let mut input = noise(n, 4);
    input.extend(noise(n, 5));
    crate::testkit::assert_chunk_invariant(
        || Both(StreamCorrelator::new(50).unwrap(), Vec::new(), n),
        &input,
        4,
    );
}

/// Correlate `b[first..end)` against `a` as a part, pushing in uneven steps.
fn part_of(a: &[f64], b: &[f64], lag: usize, first: usize, end: Option<usize>) -> CorrelationSum {
    let mut c =
        StreamCorrelator::part(lag, first as u64, end.map_or(u64::MAX, |e| e as u64)).unwrap();
    let b_end = end.unwrap_or(b.len()).min(b.len());
    let a_end = end.map_or(a.len(), |e| (e + lag).min(a.len()));
    let (xs, ys) = (&a[first.saturating_sub(lag)..a_end], &b[first..b_end]);
    for (x, y) in xs.chunks(3001).zip(ys.chunks(2999)) {
        c.push_a(x).unwrap();
        c.push_b(y).unwrap();
    }
    for x in xs.chunks(3001).skip(ys.chunks(2999).count()) {
        c.push_a(x).unwrap();
    }
    for y in ys.chunks(2999).skip(xs.chunks(3001).count()) {
        c.push_b(y).unwrap();
    }
    c.finish_part().unwrap()
}

#[test]
fn parts_merged_in_order_equal_the_whole() {
    let lag = 300;
    let s = StreamCorrelator::block_len(lag);
    for (na, nb) in [
        (5 * s + 17, 5 * s + 100),
        (4 * s, 4 * s + 250),
        (3 * s + 5, 3 * s),
    ] {
        let a = noise(na, 7);
        let b = noise(nb, 8);
        let whole = part_of(&a, &b, lag, 0, None).finish().unwrap();
        for cuts in [
            alloc::vec![s],
            alloc::vec![s, 2 * s],
            alloc::vec![2 * s, 3 * s],
        ] {
            let mut bounds = alloc::vec![0];
            bounds.extend(cuts);
            let mut sum: Option<CorrelationSum> = None;
            for (k, &first) in bounds.iter().enumerate() {
                let part = part_of(&a, &b, lag, first, bounds.get(k + 1).copied());
                match &mut sum {
                    None => sum = Some(part),
                    Some(acc) => acc.merge(&part).unwrap(),
                }
            }
            let (curve, peak, coef) = sum.unwrap().finish().unwrap();
            for (x, y) in curve.iter().zip(&whole.0) {
                assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{x} vs {y}");
            }
            assert_eq!(peak.map(|p| p.lag), whole.1.map(|p| p.lag));
            let (c, w) = (coef.unwrap(), whole.2.unwrap());
            assert!((c - w).abs() < 1e-12, "{c} vs {w}");
        }
    }
    assert!(StreamCorrelator::part(lag, 5, 100).is_err());
}

/// The f32 path within its stated tolerance of the naive f64 sums (of the f32-rounded
/// samples): every lag within 1e-6 of the largest |value|, the same peak lag.
#[test]
fn single_precision_is_within_its_tolerance() {
    let b: Vec<f64> = noise(150_000, 9).iter().map(|&v| v as f32 as f64).collect();
    let d = 41;
    let mut a = alloc::vec![0.0; d];
    a.extend_from_slice(&b[..b.len() - d]);
    let mut s = StreamCorrelator::with_precision(100, Precision::F32).unwrap();
    assert_eq!(s.precision(), Precision::F32);
    let a32: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    for (x, y) in a32.chunks(5000).zip(b.chunks(3333)) {
        s.push_a(x).unwrap();
        s.push_b(y).unwrap();
    }
    for y in b.chunks(3333).skip(a32.chunks(5000).count()) {
        s.push_b(y).unwrap();
    }
    let (curve, peak, coef) = s.finish().unwrap();
    let peak = peak.unwrap();
    assert_eq!(peak.lag, 41);
    let top = naive(&a, &b, 41).abs();
    for (k, v) in curve.iter().enumerate() {
        let m = k as i64 - 100;
        assert!((v - naive(&a, &b, m)).abs() <= 1e-6 * top, "lag {m}");
    }
    let mut d64 = StreamCorrelator::new(100).unwrap();
    d64.push_a(&a).unwrap();
    d64.push_b(&b).unwrap();
    let (_, _, c64) = d64.finish().unwrap();
    assert!((coef.unwrap() - c64.unwrap()).abs() < 1e-6);
}

#[test]
fn single_precision_is_chunk_invariant_and_parts_merge() {
    let n = 70_000;
    let mut input = noise(n, 10);
    input.extend(noise(n, 11));
    crate::testkit::assert_chunk_invariant(
        || {
            Both(
                StreamCorrelator::with_precision(50, Precision::F32).unwrap(),
                Vec::new(),
                n,
            )
        },
        &input,
        4,
    );
    let lag = 300;
    let s = StreamCorrelator::block_len(lag);
    let (a, b) = (noise(4 * s + 9, 12), noise(4 * s + 70, 13));
    let run = |first: usize, end: Option<usize>| {
        let mut c = StreamCorrelator::part_in(
            lag,
            first as u64,
            end.map_or(u64::MAX, |e| e as u64),
            Precision::F32,
        )
        .unwrap();
        let a_end = end.map_or(a.len(), |e| (e + lag).min(a.len()));
        c.push_a(&a[first.saturating_sub(lag)..a_end]).unwrap();
        c.push_b(&b[first..end.unwrap_or(b.len())]).unwrap();
        c.finish_part().unwrap()
    };
    let whole = run(0, None).finish().unwrap();
    let mut sum = run(0, Some(2 * s));
    sum.merge(&run(2 * s, None)).unwrap();
    let (curve, peak, coef) = sum.finish().unwrap();
    let top = whole.0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (x, y) in curve.iter().zip(&whole.0) {
        assert!((x - y).abs() <= 1e-9 * top, "{x} vs {y}");
    }
    assert_eq!(peak.map(|p| p.lag), whole.1.map(|p| p.lag));
    assert!((coef.unwrap() - whole.2.unwrap()).abs() < 1e-12);
}

#[test]
fn single_precision_holds_for_signals_of_very_different_scale() {
    // One complex FFT carries both signals: b, 10⁵ times smaller, must not drown in a's
    // rounding (b is scaled by a power of two per block).
    for scale in [1e-5, 1e5] {
        let b: Vec<f64> = noise(60_000, 12)
            .iter()
            .map(|&v| (v * scale) as f32 as f64)
            .collect();
        let d = 17;
        let mut a = alloc::vec![0.0; d];
        a.extend(b[..b.len() - d].iter().map(|&v| (v / scale) as f32 as f64));
        let mut s = StreamCorrelator::with_precision(64, Precision::F32).unwrap();
        s.push_a(&a).unwrap();
        s.push_b(&b).unwrap();
        let (curve, peak, _) = s.finish().unwrap();
        assert_eq!(peak.unwrap().lag, 17);
        let top = naive(&a, &b, 17).abs();
        for (k, v) in curve.iter().enumerate() {
            let m = k as i64 - 64;
            assert!(
                (v - naive(&a, &b, m)).abs() <= 1e-6 * top,
                "scale {scale} lag {m}"
            );
        }
    }
}

/// Blocks too large or too small for single-precision products (formed in double instead),
/// of moderate size (formed in single), and runs of both in one signal: every lag within
/// the f32 tolerance of the naive sums.
#[test]
fn single_precision_holds_for_huge_tiny_and_mixed_magnitudes() {
    let lag = 40;
    let block = StreamCorrelator::block_len(lag);
    let n = 5 * block + 77;
    let base = noise(n, 21);
    let mixed = |k: usize| if (k / block) % 3 == 1 { 1e30 } else { 1.0 };
    let cases: [(&str, &dyn Fn(usize) -> f64); 5] = [
        ("1e-30", &|_| 1e-30),
        ("1e-9", &|_| 1e-9),
        ("1e6", &|_| 1e6),
        ("1e30", &|_| 1e30),
        ("mixed", &mixed),
    ];
    for (name, scale) in cases {
        let b: Vec<f64> = (0..n).map(|k| (base[k] * scale(k)) as f32 as f64).collect();
        let d = 9;
        let mut a = alloc::vec![0.0; d];
        a.extend_from_slice(&b[..n - d]);
        let mut s = StreamCorrelator::with_precision(lag, Precision::F32).unwrap();
        let a32: Vec<f32> = a.iter().map(|&v| v as f32).collect();
        let b32: Vec<f32> = b.iter().map(|&v| v as f32).collect();
        s.push_a(&a32).unwrap();
        s.push_b(&b32).unwrap();
        let (curve, peak, _) = s.finish().unwrap();
        assert_eq!(peak.unwrap().lag, 9, "{name}");
        let top = naive(&a, &b, 9).abs();
        for (k, v) in curve.iter().enumerate() {
            let m = k as i64 - lag as i64;
            let want = naive(&a, &b, m);
            assert!(
                (v - want).abs() <= 1e-6 * top,
                "{name} lag {m}: {v} vs {want}"
            );
        }
    }
}

#[test]
fn float32_bytes_push_equals_pushing_the_values() {
    let n = 40_000;
    let a: Vec<f32> = noise(n, 13).iter().map(|&v| v as f32).collect();
    let b: Vec<f32> = noise(n, 14).iter().map(|&v| v as f32).collect();
    // Rows of two float32 columns, A in column 0 and B in column 1.
    let bytes: Vec<u8> = a
        .iter()
        .zip(&b)
        .flat_map(|(x, y)| x.to_le_bytes().into_iter().chain(y.to_le_bytes()))
        .collect();
    let single: Vec<u8> = b.iter().flat_map(|y| y.to_le_bytes()).collect();
    for precision in [Precision::F32, Precision::F64] {
        let mut want = StreamCorrelator::with_precision(30, precision).unwrap();
        want.push_a(&a).unwrap();
        want.push_b(&b).unwrap();
        let want = want.finish().unwrap();
        let mut got = StreamCorrelator::with_precision(30, precision).unwrap();
        for piece in bytes.chunks(8 * 777) {
            got.push_f32_le(false, piece, 8, 0).unwrap();
        }
        for piece in single.chunks(4 * 1234) {
            got.push_f32_le(true, piece, 4, 0).unwrap();
        }
        assert_eq!(got.finish().unwrap(), want);
        let mut both = StreamCorrelator::with_precision(30, precision).unwrap();
        both.push_f32_le(false, &bytes, 8, 0).unwrap();
        both.push_f32_le(true, &bytes, 8, 4).unwrap();
        assert_eq!(both.finish().unwrap(), want);
        // Written in place (as read from a file), in pieces, the signals alternating.
        let mut filled = StreamCorrelator::with_precision(30, precision).unwrap();
        for (pa, pb) in a.chunks(999).zip(b.chunks(999)) {
            filled
                .push_with(false, pa.len(), |x| {
                    x.copy_from_slice(pa);
                    Ok::<(), crate::Error>(())
                })
                .unwrap();
            filled
                .push_with(true, pb.len(), |x| {
                    x.copy_from_slice(pb);
                    Ok::<(), crate::Error>(())
                })
                .unwrap();
        }
        // A failed fill pushes nothing.
        let failed = filled.push_with(true, 10, |_| Err(crate::Error::Config("no".into())));
        assert!(failed.is_err());
        assert_eq!(filled.pushed(), [n as u64, n as u64]);
        assert_eq!(filled.finish().unwrap(), want);
    }
    let mut s = StreamCorrelator::new(3).unwrap();
    assert!(s.push_f32_le(false, &bytes, 0, 0).is_err());
    assert!(s.push_f32_le(false, &bytes, 8, 5).is_err());
    assert!(s.push_f32_le(false, &bytes, 4, usize::MAX).is_err());
}

#[test]
fn planned_slice_parts_cover_b_and_merge_to_the_whole() {
    let lag = 200;
    let s = StreamCorrelator::block_len(lag);
    for (na, nb) in [
        (7 * s + 31, 7 * s + 9),
        (3 * s, 5 * s + 1),
        (6 * s + 400, 2 * s),
    ] {
        let a = noise(na, 21);
        let b = noise(nb, 22);
        let whole = part_of(&a, &b, lag, 0, None).finish().unwrap();
        for max_parts in [1, 2, 3, 32] {
            let plan = plan_correlation(lag, na as u64, nb as u64, max_parts).unwrap();
            assert!(plan.len() as u64 <= max_parts);
            // The parts own `b` exactly, in order, each from a block boundary.
            assert_eq!(plan[0].first, 0);
            for (p, q) in plan.iter().zip(plan.iter().skip(1)) {
                assert_eq!(p.end, Some(q.first));
                assert_eq!(p.b.end, q.b.start);
            }
            let last = plan.last().unwrap();
            assert_eq!(
                (last.end, last.b.end, last.a.end),
                (None, nb as u64, na as u64)
            );
            assert!(plan.iter().all(|p| p.first % s as u64 == 0));
            let sums = plan
                .iter()
                .map(|p| correlate_slice_part(&a, &b, lag, Precision::F64, p));
            let (curve, peak, coef) = merge_parts(sums).unwrap().unwrap().finish().unwrap();
            if plan.len() == 1 {
                // One part is the serial run: the same bits.
                assert_eq!(curve, whole.0);
            }
            for (x, y) in curve.iter().zip(&whole.0) {
                assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{x} vs {y}");
            }
            assert_eq!(peak.map(|p| p.lag), whole.1.map(|p| p.lag));
            assert_eq!(coef.is_some(), whole.2.is_some());
        }
    }
    assert!(plan_correlation(lag, 10, 0, 4).unwrap().is_empty());
    assert!(plan_correlation(MAX_STREAM_LAG + 1, 10, 10, 4).is_err());
    let none: [crate::Result<CorrelationSum>; 0] = [];
    assert!(merge_parts(none).is_none());
}
