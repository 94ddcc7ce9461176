use alloc::vec::Vec;

use super::*;
use crate::dsp::moments::BLOCK;
use crate::dsp::quantile::{QuantileMode, QuantileStore};
use crate::formats::Header;
use crate::job::{StatsJob, StatsPartial};
use crate::testkit::{assert_chunk_invariant, assert_parallel_eq_serial, npy_bytes};
use crate::Push;

/// Deterministic pseudo-random values in [-1, 1).
fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

/// numpy's percentile (linear method) on a sorted copy, the slow way.
fn naive_percentile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let v = (n - 1) as f64 * q;
    let lo = (v.floor().max(0.0) as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    let g = if v >= (n - 1) as f64 {
        0.0
    } else {
        v - v.floor()
    };
    let (a, b) = (sorted[lo], sorted[hi]);
    if g >= 0.5 {
        b - (b - a) * (1.0 - g)
    } else {
        a + (b - a) * g
    }
}

fn one_channel(xs: &[f64]) -> ChannelStats {
    let mut stats = Stats::new(StatsConfig::default());
    stats
        .begin(Layout {
            channels: 1,
            samples: xs.len() as u64,
        })
        .unwrap();
    stats
        .block(Block {
            channel: 0,
            start: 0,
            samples: xs,
        })
        .unwrap();
    stats.report().remove(0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

#[test]
fn matches_the_two_pass_oracle() {
    for (n, offset, scale) in [
        (1, 0.0, 1.0),
        (17, 3.0, 1.0),
        (10_000, 1e6, 1e-3),
        (50_001, -7.5, 250.0),
    ] {
        let xs: Vec<f64> = noise(n, n as u64)
            .iter()
            .map(|x| offset + scale * x)
            .collect();
        let s = one_channel(&xs);
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        let rms = (xs.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt();
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(s.count, n as u64);
        assert_eq!(s.min, Some(sorted[0]));
        assert_eq!(s.max, Some(sorted[n - 1]));
        assert!(close(s.mean.unwrap(), mean), "mean {:?} vs {mean}", s.mean);
        assert!(
            close(s.std.unwrap(), var.sqrt()) || var.sqrt() < 1e-12,
            "std {:?} vs {}",
            s.std,
            var.sqrt()
        );
        assert!(close(s.rms.unwrap(), rms), "rms {:?} vs {rms}", s.rms);
        for (got, q) in [(s.p50, 0.5), (s.p95, 0.95), (s.p99, 0.99)] {
            assert_eq!(got, Some(naive_percentile(&sorted, q)), "q{q} of {n}");
        }
        assert_eq!(s.quantiles, crate::report::QuantileMethod::Exact);
    }
}

#[test]
fn nan_is_counted_and_skipped() {
    let s = one_channel(&[f64::NAN, 1.0, f64::NAN, 3.0]);
    assert_eq!((s.count, s.nan_count), (4, 2));
    assert_eq!(
        (s.min, s.max, s.mean, s.p50),
        (Some(1.0), Some(3.0), Some(2.0), Some(2.0))
    );
    let s = one_channel(&[f64::NAN]);
    assert_eq!(
        (s.count, s.nan_count, s.min, s.mean, s.p99),
        (1, 1, None, None, None)
    );
    let s = one_channel(&[]);
    assert_eq!((s.count, s.min, s.std), (0, None, None));
}

#[test]
fn constant_signal_has_zero_spread() {
    let s = one_channel(&[1e9 + 0.5; 9000]);
    assert_eq!(
        (s.std, s.mean, s.rms),
        (Some(0.0), Some(1e9 + 0.5), Some(1e9 + 0.5))
    );
}

fn three_channels(n: usize) -> Vec<f64> {
    let a = noise(n * 3, 7);
    (0..n * 3)
        .map(|i| a[i] * (1 + i % 3) as f64 + (i % 3) as f64 * 100.0)
        .collect()
}

#[test]
fn stats_job_is_chunk_invariant() {
    let n = BLOCK as usize * 2 + 123;
    let values = three_channels(n);
    for (descr, fortran) in [("<f4", false), (">f8", true), ("<i2", false)] {
        let bytes = npy_bytes(descr, &[n as u64, 3], fortran, 1, &values);
        assert_chunk_invariant(|| StatsJob::new(StatsConfig::default()), &bytes, 24);
    }
}

#[test]
fn bad_input_fails_the_same_way_in_any_chunking() {
    let mut bytes = npy_bytes("<f4", &[5000, 2], false, 1, &three_channels(5000)[..10_000]);
    bytes.truncate(bytes.len() - 5);
    assert_chunk_invariant(|| StatsJob::new(StatsConfig::default()), &bytes, 8);
    assert_chunk_invariant(
        || StatsJob::new(StatsConfig::default()),
        b"\x93NUMPY\x01\x00\x10",
        8,
    );
}

#[test]
fn parallel_equals_serial_bit_for_bit() {
    let n = BLOCK as usize * 5 + 777;
    let values = three_channels(n);
    for (descr, fortran) in [("<f4", false), ("<f8", true)] {
        let bytes = npy_bytes(descr, &[n as u64, 3], fortran, 1, &values);
        let header = crate::formats::NpyHeader::parse(&bytes).unwrap();
        let data = &bytes[header.data_offset as usize..];
        let make_at = |s: usize, e: usize| {
            StatsJob::resume(
                Header::Npy(header.clone()),
                s as u64,
                e as u64,
                StatsConfig::default(),
            )
            .unwrap()
        };
        let block = BLOCK * header.dtype.size as u64 * if fortran { 1 } else { 3 };
        for target in [block, 2 * block, 3 * block + 5] {
            let parts = header.segments(target);
            assert!(parts.len() > 1);
            let cuts: Vec<usize> = parts[1..].iter().map(|p| p.0 as usize).collect();
            assert_parallel_eq_serial(make_at, data, &cuts, StatsPartial::report);
        }
        // And a resumed job over all the data equals the job that parsed the header.
        let mut whole = StatsJob::new(StatsConfig::default());
        whole.push(&bytes).unwrap();
        let mut resumed = make_at(0, data.len());
        resumed.push(data).unwrap();
        let (a, b) = (whole.finish().unwrap(), resumed.finish().unwrap());
        assert_eq!(format!("{:?}", a.report()), format!("{:?}", b.report()));
    }
}

#[test]
fn segments_cover_the_data_in_order() {
    for (shape, fortran) in [
        ([10_000u64, 3u64], false),
        ([10_000, 3], true),
        ([7, 60_000], false),
        ([0, 2], false),
    ] {
        let bytes = npy_bytes(
            "<i2",
            &shape,
            fortran,
            1,
            &vec![1.0; (shape[0] * shape[1]) as usize],
        );
        let header = crate::formats::NpyHeader::parse(&bytes).unwrap();
        for target in [1, 100, 8192, 1 << 30] {
            let parts = header.segments(target);
            assert_eq!(parts[0].0, 0);
            assert_eq!(parts.last().unwrap().1, header.data_len);
            assert!(parts
                .windows(2)
                .all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1));
            assert!(parts.iter().all(|p| p.0 % 2 == 0));
        }
    }
}

#[test]
fn channel_selection() {
    let values = three_channels(100);
    let bytes = npy_bytes("<f8", &[100, 3], false, 1, &values);
    let mut job = StatsJob::new(StatsConfig {
        channels: Some(vec![2]),
    });
    job.push(&bytes).unwrap();
    let report = job.finish().unwrap().report();
    assert_eq!(report.channels.len(), 1);
    assert_eq!(report.channels[0].channel, 2);
    let mut job = StatsJob::new(StatsConfig {
        channels: Some(vec![3]),
    });
    assert!(matches!(job.push(&bytes), Err(crate::Error::Config(_))));
}

#[test]
fn sampler_depends_on_indices_only() {
    let xs = noise(300_000, 3);
    let kept = |cuts: &[usize], resume_at: Option<usize>| {
        let mut stores = Vec::new();
        let mut store = QuantileStore::with_mode(QuantileMode::Sampled(100));
        let mut at = 0;
        for &cut in cuts.iter().chain([xs.len()].iter()) {
            if Some(at) == resume_at {
                stores.push(core::mem::replace(
                    &mut store,
                    QuantileStore::with_mode(QuantileMode::Sampled(100)),
                ));
            }
            store.add(at as u64, &xs[at..cut]);
            at = cut;
        }
        stores.push(store);
        let mut first = stores.remove(0);
        for s in stores {
            crate::Merge::merge(&mut first, s).unwrap();
        }
        first.quantiles(&[0.01, 0.5, 0.99])
    };
    let whole = kept(&[], None);
    assert_eq!(whole, kept(&[1, 65_535, 65_536, 200_000], None));
    assert_eq!(whole, kept(&[100_000, 150_001], Some(100_000)));
    assert_eq!(whole, kept(&[70_000], Some(70_000)));
}

#[test]
fn sampled_quantiles_stay_within_rank_error() {
    let n = 2_000_000;
    let xs = noise(n, 11);
    let mut store = QuantileStore::with_mode(QuantileMode::Sampled(20));
    store.add(0, &xs);
    let m = store.len() as f64;
    assert!(
        (m - 0.05 * n as f64).abs() < 5.0 * (0.05 * n as f64).sqrt(),
        "kept {m}"
    );
    let mut sorted = xs.clone();
    sorted.sort_by(f64::total_cmp);
    let qs = [0.5, 0.95, 0.99];
    for (q, got) in qs.iter().zip(store.quantiles(&qs)) {
        let rank = sorted.partition_point(|&x| x < got.unwrap()) as f64 / n as f64;
        // 4.5 standard errors of a sample of ~100k values.
        assert!(
            (rank - q).abs() < 4.5 * (q * (1.0 - q) / m).sqrt(),
            "q{q}: rank {rank}"
        );
    }
}

#[test]
fn nan_inside_long_runs_takes_the_careful_path() {
    let mut xs = noise(20_000, 5);
    for i in [3, 4100, 4101, 9999, 19_999] {
        xs[i] = f64::NAN;
    }
    let s = one_channel(&xs);
    let finite: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    let t = one_channel(&finite);
    assert_eq!(s.nan_count, 5);
    assert_eq!((s.min, s.max, s.p50), (t.min, t.max, t.p50));
    assert!(close(s.mean.unwrap(), t.mean.unwrap()) && close(s.std.unwrap(), t.std.unwrap()));
    let bytes = npy_bytes("<f8", &[20_000], false, 1, &xs);
    assert_chunk_invariant(|| StatsJob::new(StatsConfig::default()), &bytes, 16);
}
