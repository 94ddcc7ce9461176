use alloc::vec::Vec;

use super::*;
use crate::formats::{Header, NpyHeader};
use crate::sink_job::{SinkJob, SinkPartial};
use crate::testkit::{assert_chunk_invariant, assert_parallel_eq_serial, npy_bytes};
use crate::Push as _;

/// A fixed-seed xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// The definition: the bin whose edges hold `x` (last bin closed), by binary search.
fn by_edges(b: &Binning, edges: &[f64], x: f64) -> Option<usize> {
    if !(x >= edges[0] && x <= edges[b.bins()]) {
        return None;
    }
    let i = edges.partition_point(|&e| e <= x);
    Some((i - 1).min(b.bins() - 1))
}

/// Values on, just below and just above every edge, plus random ones inside and out.
fn tricky(b: &Binning, rng: &mut Rng) -> Vec<f64> {
    let mut xs = Vec::new();
    for e in b.edges() {
        xs.extend([e, next_up(e), next_down(e)]);
    }
    let (lo, hi) = (b.lo(), b.hi());
    for _ in 0..2000 {
        xs.push(lo + (hi - lo) * rng.unit());
    }
    xs.extend([
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        lo - (hi - lo) / 2.0,
        hi + (hi - lo) / 2.0,
    ]);
    xs
}

fn ranges() -> Vec<(f64, f64, usize)> {
    alloc::vec![
        (0.0, 1.0, 10),
        (-1.0, 1.0, 100),
        (0.1, 0.7, 3),
        (-32768.0, 32767.0, 100),
        (-32768.0, 32767.0, 65535),
        (1e-310, 3e-308, 7),
        (0.0, 5e-324 * 7.0, 5),
        (-1e307, 1e308, 1000),
        (1e15, 1e15 + 4.0, 31),
        (1e15, 1e15 + 1000.0, 999),
        (-3.5, -0.25, 13),
        (0.0, 1.0, 1),
        (1.0, 1.0 + 2f64.powi(-40), 1000),
        (123.456, 123.457, 1_000_000),
    ]
}

#[test]
fn bins_are_the_edges_bins() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (lo, hi, n) in ranges() {
        let b = Binning::try_new(lo, hi, n).unwrap();
        if !b.fast {
            // Bins a few ulps wide: numpy's estimate can be off by two, and numpy's answer
            // (`bin_of`, checked against numpy by the CLI tests) is not the edges' one.
            continue;
        }
        let edges = b.edges();
        for x in tricky(&b, &mut rng) {
            assert_eq!(
                b.bin_of(x),
                by_edges(&b, &edges, x),
                "{x:e} in [{lo:e}, {hi:e}] / {n}"
            );
        }
    }
}

#[test]
fn fast_path_equals_numpys_arithmetic() {
    let mut rng = Rng(42);
    for (lo, hi, n) in ranges() {
        let b = Binning::try_new(lo, hi, n).unwrap();
        let xs = tricky(&b, &mut rng);
        let mut h = ChannelHistogram::new(b);
        h.add(&xs);
        let mut want = alloc::vec![0u64; n];
        for &x in &xs {
            if let Some(i) = b.bin_of(x) {
                want[i] += 1;
            }
        }
        assert_eq!(
            h.counts(),
            want,
            "[{lo:e}, {hi:e}] / {n} (fast: {})",
            b.fast
        );
        let r = h.report();
        assert_eq!((r.below, r.above, r.nonfinite), (2, 2, 3));
        // float32 input: the same values' bins.
        let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        let mut h32 = ChannelHistogram::new(b);
        h32.add_f32(&xs32);
        let wide: Vec<f64> = xs32.iter().map(|&x| f64::from(x)).collect();
        let mut h64 = ChannelHistogram::new(b);
        h64.add(&wide);
        assert_eq!(h32, h64);
    }
}

#[test]
fn fast_path_is_chosen_for_ordinary_ranges() {
    assert!(Binning::try_new(-1.0, 1.0, 100).unwrap().fast);
    assert!(Binning::try_new(-32768.0, 32767.0, 1_000_000).unwrap().fast);
    assert!(!Binning::try_new(1e15, 1e15 + 4.0, 31).unwrap().fast);
    assert!(!Binning::try_new(0.0, 1e-300, 10).unwrap().fast);
}

#[test]
fn edges_follow_linspace() {
    let b = Binning::try_new(0.1, 0.7, 3).unwrap();
    // numpy.linspace(0.1, 0.7, 4)
    assert_eq!(b.edges(), [0.1, 0.3, 0.5, 0.7]);
    // subnormal steps.
    let b = Binning::try_new(0.0, 5e-324 * 7.0, 5).unwrap();
    // numpy.linspace(0.0, 3.5e-323, 6)
    assert_eq!(b.edges(), [0.0, 5e-324, 1e-323, 1.5e-323, 2e-323, 3.5e-323]);
}

#[test]
fn default_range_widens_a_single_value() {
    let b = Binning::for_values(Some((3.0, 3.0)), 10).unwrap();
    assert_eq!((b.lo(), b.hi()), (2.5, 3.5));
    let b = Binning::for_values(None, 10).unwrap();
    assert_eq!((b.lo(), b.hi()), (0.0, 1.0));
    let mut h = ChannelHistogram::new(Binning::for_values(Some((3.0, 3.0)), 4).unwrap());
    h.add(&[3.0; 5]);
    assert_eq!(h.counts(), [0, 0, 5, 0]);
}

#[test]
fn bad_binnings_are_config_errors() {
    for (lo, hi, n) in [
        (0.0, 1.0, 0),
        (0.0, 1.0, MAX_BINS + 1),
        (1.0, 1.0, 10),
        (2.0, 1.0, 10),
        (f64::NAN, 1.0, 10),
        (0.0, f64::INFINITY, 10),
        (-1e308, 1e308, 10),
        // 4 ulps wide, 10 bins: edges collide (numpy: too many bins for data range).
        (1.0, 1.0 + 4.0 * f64::EPSILON, 10),
    ] {
        assert!(
            matches!(Binning::try_new(lo, hi, n), Err(Error::Config(_))),
            "[{lo}, {hi}] / {n}"
        );
    }
    let b = Binning::try_new(0.0, 1.0, MAX_BINS).unwrap();
    assert!(matches!(
        Histogram::try_new(&alloc::vec![Some(b); 40]),
        Err(Error::Limit { .. })
    ));
}

#[test]
fn merge_needs_the_same_bins() {
    let a = ChannelHistogram::new(Binning::try_new(0.0, 1.0, 10).unwrap());
    let b = ChannelHistogram::new(Binning::try_new(0.0, 2.0, 10).unwrap());
    assert!(a.clone().merge(b).is_err());
    let mut h = ChannelHistogram::new(Binning::try_new(0.0, 1.0, 10).unwrap());
    h.add(&[0.05, 0.95, 1.0]);
    let mut g = a;
    g.merge(h.clone()).unwrap();
    assert_eq!(g.counts(), h.counts());
}

/// Rows of three channels (integers, small values with NaNs, a constant), in file order.
fn three_channels(n: usize, fortran: bool) -> Vec<f64> {
    let mut rng = Rng(7);
    let rows: Vec<[f64; 3]> = (0..n)
        .map(|r| {
            let a = (rng.unit() * 200.0).round() - 100.0;
            let b = if r % 1000 == 1 {
                f64::NAN
            } else {
                rng.unit() * 1e-3
            };
            [a, b, 5.0]
        })
        .collect();
    if fortran {
        (0..3)
            .flat_map(|c| rows.iter().map(move |r| r[c]))
            .collect()
    } else {
        rows.iter().flatten().copied().collect()
    }
}

fn binnings() -> Vec<Option<Binning>> {
    alloc::vec![
        Some(Binning::try_new(-50.0, 50.0, 100).unwrap()),
        Some(Binning::try_new(0.0, 1e-3, 2000).unwrap()),
        Some(Binning::for_values(Some((5.0, 5.0)), 3).unwrap()),
    ]
}

fn job() -> SinkJob<Histogram> {
    SinkJob::new(Histogram::try_new(&binnings()).unwrap())
}

#[test]
fn histogram_job_is_chunk_invariant() {
    let n = 5000;
    for (descr, fortran) in [("<f4", false), (">f8", true), ("<i2", false)] {
        let values = three_channels(n, fortran);
        let bytes = npy_bytes(descr, &[n as u64, 3], fortran, 1, &values);
        assert_chunk_invariant(job, &bytes, 16);
    }
}

#[test]
fn parallel_equals_serial() {
    let n = 4096 * 5 + 777;
    for (descr, fortran) in [("<f4", false), ("<f8", true)] {
        let values = three_channels(n, fortran);
        let bytes = npy_bytes(descr, &[n as u64, 3], fortran, 1, &values);
        let header = NpyHeader::parse(&bytes).unwrap();
        let data = &bytes[header.data_offset as usize..];
        let make_at = |s: usize, e: usize| {
            let h = Histogram::try_new(&binnings()).unwrap();
            SinkJob::resume(Header::Npy(header.clone()), s as u64, e as u64, h).unwrap()
        };
        let block = 4096 * header.dtype.size as u64 * if fortran { 1 } else { 3 };
        let view = |p: SinkPartial<Histogram>| p.sink.reports();
        for target in [block, 2 * block + 5] {
            let parts = header.segments(target);
            assert!(parts.len() > 1);
            let cuts: Vec<usize> = parts[1..].iter().map(|p| p.0 as usize).collect();
            assert_parallel_eq_serial(make_at, data, &cuts, view);
        }
        let mut whole = job();
        whole.push(&bytes).unwrap();
        let reports = whole.finish().unwrap().sink.reports();
        let r0 = reports[0].as_ref().unwrap();
        assert_eq!(
            r0.counts.iter().sum::<u64>() + r0.below + r0.above,
            n as u64
        );
        let r1 = reports[1].as_ref().unwrap();
        assert_eq!(
            r1.nonfinite,
            (0..n).filter(|r| (r * 3 + 1) % 1000 == 1).count() as u64
        );
        assert_eq!(reports[2].as_ref().unwrap().counts, [0, n as u64, 0]);
    }
}

#[test]
fn finite_range_skips_nan_and_inf() {
    let mut a = FiniteRange::new();
    a.begin(Layout {
        channels: 2,
        samples: 4,
    })
    .unwrap();
    let block = |channel, samples| Block {
        channel,
        start: 0,
        samples,
    };
    a.block(block(0, &[f64::NAN, 2.0, f64::INFINITY])).unwrap();
    a.block(block(1, &[f64::NEG_INFINITY])).unwrap();
    let mut b = a.clone();
    b.block(block(0, &[-1.0])).unwrap();
    a.merge(b).unwrap();
    assert_eq!(a.ranges(), [Some((-1.0, 2.0)), None]);
}
