use alloc::vec::Vec;

use super::{CodeHistogram, CodeMap};
use crate::measure::{
    LevelHistogram, LevelScan, MeasureConfig, MeasureReport, PulseTracker, RefLevels,
};
use crate::testkit::assert_chunk_invariant;
use crate::Push as _;

/// A noisy trapezoidal pulse train in `lo..=hi` (integer codes), `n` samples.
fn pulse_codes(n: usize, lo: f64, hi: f64, noise: f64) -> Vec<i64> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            let t = (i as f64 - 17.5).rem_euclid(1000.0);
            let up = |u: f64| ((u + 50.0) / 100.0).clamp(0.0, 1.0);
            let x = (up(t) - up(t - 300.0)).max(up(t - 1000.0));
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let r = (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            let v = lo + 0.1 * (hi - lo) + x * 0.8 * (hi - lo) + noise * r * (hi - lo);
            (v.round() as i64).clamp(lo as i64, hi as i64)
        })
        .collect()
}

/// The bytes of `codes` as `size`-byte integers in rows of `row` bytes at byte `at`.
fn encode(codes: &[i64], size: usize, big: bool, row: usize, at: usize) -> Vec<u8> {
    let mut out = alloc::vec![0u8; codes.len() * row];
    for (r, &c) in out.chunks_exact_mut(row).zip(codes) {
        let b = &mut r[at..at + size];
        match (size, big) {
            (1, _) => b[0] = c as u8,
            (_, false) => b.copy_from_slice(&(c as u16).to_le_bytes()),
            _ => b.copy_from_slice(&(c as u16).to_be_bytes()),
        }
        // Other channels: garbage that must be ignored.
        for (j, x) in r.iter_mut().enumerate() {
            if j < at || j >= at + size {
                *x = 0xa5;
            }
        }
    }
    out
}

/// The layouts of the tests: (map, codes in range).
fn cases() -> Vec<(CodeMap, Vec<i64>)> {
    let m = |size, signed, big, affine, row, at| {
        CodeMap::new(size, signed, big, affine, row, at).expect("valid map")
    };
    alloc::vec![
        (
            m(2, true, false, None, 2, 0),
            pulse_codes(60_000, -20000.0, 21000.0, 0.002)
        ),
        (
            m(2, true, true, None, 2, 0),
            pulse_codes(30_000, -300.0, 500.0, 0.01)
        ),
        (
            m(2, false, false, None, 6, 2),
            pulse_codes(30_000, 100.0, 60000.0, 0.003)
        ),
        (
            m(1, true, false, None, 1, 0),
            pulse_codes(40_000, -128.0, 127.0, 0.01)
        ),
        (
            m(1, false, false, Some((1.0, 128.0)), 1, 0),
            pulse_codes(40_000, 0.0, 255.0, 0.02)
        ),
        (
            m(
                2,
                true,
                false,
                Some((f64::from(1.3e-4f32), f64::from(0.25f32))),
                2,
                0
            ),
            pulse_codes(50_000, -9000.0, 12000.0, 0.004),
        ),
        (
            m(
                1,
                true,
                true,
                Some((f64::from(-0.02f32), f64::from(1.5f32))),
                3,
                1
            ),
            pulse_codes(20_000, -100.0, 100.0, 0.02),
        ),
    ]
}

fn values(map: &CodeMap, bytes: &[u8]) -> Vec<f64> {
    let mut out = alloc::vec![0.0; bytes.len() / map.row()];
    map.decode_f64(bytes, &mut out);
    out
}

#[test]
fn top_base_and_moments_equal_the_sample_passes() {
    for (k, (map, codes)) in cases().into_iter().enumerate() {
        let (size, big, row, at) = (map.size, map.big_endian, map.row, map.at);
        let bytes = encode(&codes, size, big, row, at);
        let xs = values(&map, &bytes);
        // The values are what a reader of the integer would give.
        for (&x, &c) in xs.iter().zip(&codes) {
            let raw = c as f64;
            let want = map.affine.map_or(raw, |(g, o)| g * raw - o);
            assert_eq!(x.to_bits(), want.to_bits(), "case {k}");
        }
        let mut h = CodeHistogram::new(map);
        h.add_rows(&bytes);
        let mut scan = LevelScan::new(0);
        scan.add(0, &xs);
        let (got, want) = (h.moments(), scan.moments());
        assert_eq!((got.n, got.min, got.max), (want.n, want.min, want.max));
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
        assert!(rel(got.mean(), want.mean()) < 1e-12, "case {k}: mean");
        assert!(
            rel(got.m2, want.m2) < 1e-9,
            "case {k}: m2 {} vs {}",
            got.m2,
            want.m2
        );
        let mut lh = LevelHistogram::new(0, want.min, want.max).expect("range");
        lh.add(&xs);
        let (t, b) = h.top_base().expect("top/base");
        let (wt, wb) = lh.top_base();
        assert_eq!(
            (t.to_bits(), b.to_bits()),
            (wt.to_bits(), wb.to_bits()),
            "case {k}"
        );
    }
}

#[test]
fn chunk_invariant() {
    for (map, codes) in cases().into_iter().take(5) {
        let codes = &codes[..3000];
        let bytes = encode(codes, map.size, map.big_endian, map.row, map.at);
        assert_chunk_invariant(|| CodeHistogram::new(map), &bytes, 16);
    }
}

#[test]
fn merged_parts_equal_the_whole() {
    let (map, codes) = cases().swap_remove(0);
    let bytes = encode(&codes, 2, false, 2, 0);
    let mut whole = CodeHistogram::new(map);
    whole.add_rows(&bytes);
    let mut parts: Option<CodeHistogram> = None;
    for part in bytes.chunks(2 * 7777) {
        let mut h = CodeHistogram::new(map);
        h.add_rows(part);
        match &mut parts {
            None => parts = Some(h),
            Some(p) => crate::Merge::merge(p, h).expect("same map"),
        }
    }
    let parts = parts.expect("parts");
    assert_eq!(parts.counts(), whole.counts());
    assert_eq!(parts.moments(), whole.moments());
}

/// The report from the codes (exact moments, top/base from the counts, transitions from
/// decoded tiles) equals the one from the `f64` values, except the last bits of the
/// moments.
#[test]
fn report_equals_the_f64_path() {
    let config = MeasureConfig::default();
    for (k, (map, codes)) in cases().into_iter().enumerate() {
        let bytes = encode(&codes, map.size, map.big_endian, map.row, map.at);
        let xs = values(&map, &bytes);
        let want = super::super::measure_slice(&xs, &config, None).expect("report");
        let mut h = CodeHistogram::new(map);
        h.push(&bytes).expect("push");
        let scan = LevelScan::with_moments(0, h.moments(), (0, xs.len() as u64));
        let tb = h.top_base();
        let lv = tb.and_then(|(t, b)| RefLevels::new(t, b, 10.0, 90.0));
        let pulses = lv.map(|lv| {
            let mut p = PulseTracker::new(0, lv);
            let n = xs.len();
            // The tracker over order keys gives the same bits (when they apply).
            if let Some(values) = map.key_values() {
                let mut keyed = PulseTracker::new(0, lv).with_codes(values);
                let mut tile = alloc::vec![0i16; 1000];
                for (j, c) in bytes.chunks(1000 * map.row).enumerate() {
                    let m = c.len() / map.row;
                    map.decode_keys(c, &mut tile[..m]);
                    keyed.add_samples((j * 1000) as u64, &tile[..m]);
                }
                let mut p = PulseTracker::new(0, lv);
                p.add(0, &xs);
                let (keyed, p) = (keyed.finish(), p.finish());
                let same = alloc::format!("{keyed:?}") == alloc::format!("{p:?}");
                assert!(same, "case {k}: keys and values track alike");
            }
            let mut tile = alloc::vec![0f64; 1000];
            for (j, c) in bytes.chunks(1000 * map.row).enumerate() {
                let m = c.len() / map.row;
                map.decode_f64(c, &mut tile[..m]);
                p.add_samples((j * 1000) as u64, &tile[..m]);
            }
            assert!(n > 0);
            p.finish()
        });
        let got = MeasureReport::build(&config, &scan, tb, pulses, None);
        let mut a = serde_json::to_value(&got).expect("json");
        let mut b = serde_json::to_value(&want).expect("json");
        for key in ["mean", "rms_dc", "rms_ac"] {
            let (x, y) = (a[key]["value"].as_f64(), b[key]["value"].as_f64());
            let (x, y) = (x.unwrap_or(f64::NAN), y.unwrap_or(f64::NAN));
            assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1e-300),
                "case {k}: {key} {x} vs {y}"
            );
            a[key] = serde_json::Value::Null;
            b[key] = serde_json::Value::Null;
        }
        assert!(got.rising_transitions > 10, "case {k}");
        assert_eq!(a, b, "case {k}");
    }
}

/// Order keys, valued by the map's [`CodeValues`](crate::measure::CodeValues), are the
/// readers' values bit for bit, and increase with them; a negative gain has no keys.
#[test]
fn keys_value_as_the_readers_decode() {
    for (k, (map, codes)) in cases().into_iter().enumerate() {
        let bytes = encode(&codes, map.size, map.big_endian, map.row, map.at);
        let xs = values(&map, &bytes);
        let Some(values) = map.key_values() else {
            assert!(map.affine.is_some_and(|(g, _)| g < 0.0), "case {k}");
            continue;
        };
        let mut keys = alloc::vec![0i16; xs.len()];
        map.decode_keys(&bytes, &mut keys);
        for ((&key, &x), &c) in keys.iter().zip(&xs).zip(&codes) {
            assert_eq!(
                values.value(key).to_bits(),
                x.to_bits(),
                "case {k}: code {c}"
            );
        }
        let order = |a: &i16, b: &i16| a.cmp(b);
        let mut pairs: Vec<(i16, f64)> = keys.iter().copied().zip(xs.iter().copied()).collect();
        pairs.sort_by(|a, b| order(&a.0, &b.0));
        assert!(pairs
            .windows(2)
            .all(|w| (w[0].0 < w[1].0) == (w[0].1 < w[1].1)));
    }
    let negative = CodeMap::new(2, true, false, Some((-1e-3, 0.0)), 2, 0).expect("map");
    assert!(negative.key_values().is_none());
}

#[test]
fn bad_maps_are_refused() {
    assert!(CodeMap::new(4, true, false, None, 4, 0).is_none());
    assert!(CodeMap::new(2, true, false, None, 3, 2).is_none());
    assert!(CodeMap::new(2, true, false, Some((f64::NAN, 0.0)), 2, 0).is_none());
    assert!(CodeMap::new(1, true, false, None, super::MAX_ROW + 1, 0).is_none());
}
