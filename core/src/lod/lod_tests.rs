use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::window::{read_window, window_bytes};
use super::*;
use crate::formats::{Header, Reader};
use crate::testkit::{assert_chunk_invariant, npy_bytes};
use crate::Push;

/// One channel of samples pushed as blocks.
struct OneChannel {
    lod: LodBuilder,
    at: u64,
}

impl OneChannel {
    fn new(bucket: u64, budget: u64, known: Option<u64>) -> Self {
        let mut lod = LodBuilder::with_limits(bucket, budget, 64);
        lod.begin(Layout {
            channels: 1,
            samples: known.unwrap_or(crate::kernel::UNKNOWN_SAMPLES),
        })
        .unwrap();
        OneChannel { lod, at: 0 }
    }
}

impl Push<f64> for OneChannel {
    type Output = Lod;
    fn push(&mut self, chunk: &[f64]) -> crate::Result<()> {
        self.lod.block(Block {
            channel: 0,
            start: self.at,
            samples: chunk,
        })?;
        self.at += chunk.len() as u64;
        Ok(())
    }
    fn finish(self) -> crate::Result<Lod> {
        Ok(self.lod.finish())
    }
}

/// A file's bytes through the format reader into a pyramid.
struct FromBytes {
    reader: Reader,
    lod: LodBuilder,
}

impl Push<u8> for FromBytes {
    type Output = Lod;
    fn push(&mut self, chunk: &[u8]) -> crate::Result<()> {
        self.reader.push(chunk, &mut self.lod)
    }
    fn finish(mut self) -> crate::Result<Lod> {
        self.reader.finish(&mut self.lod)?;
        Ok(self.lod.finish())
    }
}

fn brute(x: &[f64]) -> (f64, f64) {
    let v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

fn same(a: (f64, f64), b: (f64, f64)) -> bool {
    let eq = |x: f64, y: f64| (x.is_nan() && y.is_nan()) || x == y;
    eq(a.0, b.0) && eq(a.1, b.1)
}

fn signal(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            if i % 97 == 13 {
                f64::NAN
            } else {
                ((i as f64) * 0.37).sin() * 3.0 + (i % 11) as f64
            }
        })
        .collect()
}

fn build(x: &[f64], bucket: u64, budget: u64, known: bool) -> Lod {
    let mut m = OneChannel::new(bucket, budget, known.then_some(x.len() as u64));
    m.push(x).unwrap();
    m.finish().unwrap()
}

/// Every bucket of every level equals a brute-force scan of its samples.
fn check_levels(lod: &Lod, x: &[f64]) {
    let c = &lod.channels[0];
    assert_eq!(c.samples(), x.len() as u64);
    for k in 0..c.levels() {
        let size = (c.bucket() << k) as usize;
        let count = x.len().div_ceil(size);
        assert_eq!(c.levels[k].len(), count, "level {k}");
        for j in 0..count {
            let want = brute(&x[j * size..((j + 1) * size).min(x.len())]);
            assert!(
                same(c.bucket_at(k, j).unwrap(), want),
                "level {k} bucket {j}"
            );
        }
    }
    if x.len() > c.bucket() as usize {
        assert_eq!(
            c.levels.last().map(Vec::len),
            Some(1),
            "top level is one bucket"
        );
    }
}

#[test]
fn lod_levels_exact() {
    for n in [0, 1, 7, 8, 9, 63, 64, 65, 1000, 4097] {
        let x = signal(n);
        check_levels(&build(&x, 8, u64::MAX, true), &x);
    }
}

#[test]
fn lod_chunk_invariant() {
    let x = signal(3000);
    assert_chunk_invariant(|| OneChannel::new(4, u64::MAX, Some(3000)), &x, 32);
    // Unknown length with a budget that forces coarsening mid-stream.
    assert_chunk_invariant(|| OneChannel::new(4, 32 * 40, None), &x, 32);
}

#[test]
fn lod_chunk_invariant_from_npy_bytes() {
    let n = 1500;
    let values: Vec<f64> = (0..2 * n)
        .map(|i| ((i * 7919) % 1013) as f64 - 500.0)
        .collect();
    for fortran in [false, true] {
        let bytes = npy_bytes("<f4", &[n as u64, 2], fortran, 1, &values);
        assert_chunk_invariant(
            || FromBytes {
                reader: Reader::new(),
                lod: LodBuilder::with_limits(16, u64::MAX, 0),
            },
            &bytes,
            16,
        );
    }
}

#[test]
fn lod_coarsens_within_budget() {
    let x = signal(10_000);
    // Budget of 40 level-0 buckets: the bucket doubles until 10 000 samples fit.
    let lod = build(&x, 4, 32 * 40, false);
    let c = &lod.channels[0];
    assert!(c.bucket() > 4);
    assert!((x.len() as u64).div_ceil(c.bucket()) * 32 <= 32 * 40 + 32);
    check_levels(&lod, &x);
}

#[test]
fn lod_bucket_bounds_memory() {
    let b = bucket_for(4, Some(1_000_000_000));
    assert_eq!(b, 1024);
    let bytes = 4 * 1_000_000_000u64 / b * BYTES_PER_BUCKET;
    assert!(bytes <= MEMORY_BUDGET, "{bytes}");
    assert_eq!(bucket_for(2, Some(1000)), MIN_BUCKET);
    assert_eq!(bucket_for(1, None), MIN_BUCKET);
    assert!(bucket_for(usize::MAX, Some(u64::MAX)) >= MIN_BUCKET);
}

#[test]
fn lod_envelope_levels_and_nan() {
    let mut x = signal(100_000);
    for v in &mut x[2048..4096] {
        *v = f64::NAN;
    }
    let lod = build(&x, 16, u64::MAX, true);
    for (first, end, cols) in [
        (0, 100_000, 800),
        (2048, 4096, 4),
        (500, 99_999, 333),
        (10, 20, 50),
    ] {
        let columns = lod.columns(0, first, end, cols);
        assert_eq!(columns.len(), cols);
        for c in &columns {
            assert!(same(
                (c.min, c.max),
                brute(&x[c.start as usize..c.end as usize])
            ));
        }
    }
    // The all-NaN range reads as NaN.
    assert!(lod.envelope(0, 2048, 4096, 4).iter().all(|m| m.0.is_nan()));
    // Full view of 100 000 samples in 800 columns uses 64-sample buckets (125 per column).
    let full = lod.columns(0, 0, 100_000, 800);
    assert_eq!(full[0].end - full[0].start, 128);
    assert!(lod.envelope(5, 0, 10, 10).is_empty());
    assert!(lod.columns(0, 0, 10, 0).is_empty());
}

#[test]
fn lod_raw_kept_when_small() {
    let x = signal(50);
    let lod = build(&x, 8, u64::MAX, true);
    let raw = lod.raw(0, 10, 20).unwrap();
    assert_eq!(raw.len(), 10);
    assert_eq!(raw[0], x[10] as f32);
    let big = signal(100);
    assert!(build(&big, 8, u64::MAX, true).raw(0, 0, 1).is_none());
    assert!(build(&big, 8, u64::MAX, false).raw(0, 0, 1).is_none());
}

#[test]
fn lod_window_reads_back_samples() {
    let n = 300u64;
    let values: Vec<f64> = (0..3 * n).map(|i| i as f64 * 0.5 - 7.0).collect();
    for fortran in [false, true] {
        let bytes = npy_bytes("<f4", &[n, 3], fortran, 1, &values);
        let header = Header::parse(&bytes).unwrap();
        let off = header.data_offset() as usize;
        for ch in 0..3usize {
            let (a, b) = window_bytes(&header, ch, 100, 140).unwrap();
            let got = read_window(
                &header,
                ch,
                a,
                b,
                &bytes[off + a as usize..off + b as usize],
            )
            .unwrap();
            let want: Vec<f64> = (100..140u64)
                .map(|s| {
                    let i = if fortran {
                        ch as u64 * n + s
                    } else {
                        s * 3 + ch as u64
                    };
                    values[i as usize] as f32 as f64
                })
                .collect();
            assert_eq!(got, want, "fortran {fortran} channel {ch}");
        }
        assert!(window_bytes(&header, 3, 0, 1).is_none());
        assert_eq!(
            window_bytes(&header, 0, 290, 400).map(|(a, b)| b - a),
            Some(if fortran { 40 } else { 120 })
        );
        assert!(read_window(&header, 0, 1, 5, &bytes[off + 1..off + 5]).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn lod_exact_vs_brute_force(
        x in proptest::collection::vec(prop_oneof![9 => -1e6f64..1e6, 1 => Just(f64::NAN)], 0..2000),
        bucket in 1u64..40,
        first in 0u64..2500,
        len in 0u64..2500,
        cols in 1usize..300,
    ) {
        let lod = build(&x, bucket, u64::MAX, true);
        check_levels(&lod, &x);
        let end = first + len;
        for c in lod.columns(0, first, end, cols) {
            let (s, e) = (c.start as usize, c.end as usize);
            let want = if s < e { brute(&x[s..e]) } else { (f64::NAN, f64::NAN) };
            prop_assert!(same((c.min, c.max), want));
        }
    }
}

#[test]
fn lod_vec_helpers() {
    assert_eq!(vec![combine(EMPTY, (1.0, 2.0))], vec![(1.0, 2.0)]);
}

#[test]
fn lod_min_max_lanes_skip_nan() {
    // A NaN at every lane position and in the tail, infinities, and all-NaN runs.
    for len in [0usize, 1, 7, 8, 9, 16, 23, 64, 67] {
        for nan_at in 0..len.max(1) {
            let mut x: Vec<f64> = (0..len).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
            if let Some(v) = x.get_mut(nan_at) {
                *v = f64::NAN;
            }
            let want = brute(&x);
            let got = super::reported(super::minmax::min_max(EMPTY, &x));
            assert!(
                same(got, want),
                "len {len}, NaN at {nan_at}: {got:?} vs {want:?}"
            );
        }
        let nans = vec![f64::NAN; len];
        assert_eq!(super::minmax::min_max(EMPTY, &nans), EMPTY);
    }
    let x = [
        f64::NAN,
        f64::NEG_INFINITY,
        3.0,
        f64::INFINITY,
        f64::NAN,
        1.0,
        2.0,
        0.5,
        9.0,
    ];
    assert_eq!(
        super::minmax::min_max((0.0, 1.0), &x),
        (f64::NEG_INFINITY, f64::INFINITY)
    );
    assert_eq!(super::minmax::min_max((-1.0, 10.0), &x[5..]), (-1.0, 10.0));
}
