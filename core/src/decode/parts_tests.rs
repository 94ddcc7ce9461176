use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::decode::spi::{CsPolarity, SpiConfig, SpiDecoder};
use crate::decode::{golden, AnyDecoder, AnyFrame, FrameStatsBuilder, ProtocolConfig};
use crate::logic::decode_all;

/// Decode `t` cut at `cuts` (sorted indices), `batch` parts per [`PartDecoder::plan`]:
/// the frames and the number of segments run.
fn in_parts<D: Resync>(
    d: D,
    t: &[Transition],
    cuts: &[usize],
    batch: usize,
    end: u64,
) -> (Vec<D::Frame>, usize) {
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|&c| c.min(t.len())));
    bounds.push(t.len());
    let parts: Vec<&[Transition]> = bounds.windows(2).map(|w| &t[w[0]..w[1]]).collect();
    let mut pd = PartDecoder::new(d);
    let mut frames = Vec::new();
    let mut segments = 0;
    for b in parts.chunks(batch.max(1)) {
        let plan = pd.plan(b);
        segments += plan.len();
        // Run them in reverse, as threads might finish: the merge orders them.
        let mut done: Vec<_> = plan.into_iter().rev().map(Segment::run).collect();
        done.reverse();
        frames.extend(pd.take(done));
    }
    frames.extend(pd.finish(end));
    (frames, segments)
}

/// `n` equal parts of `len` transitions: the cut indices.
pub(crate) fn equal_cuts(len: usize, n: usize) -> Vec<usize> {
    (1..n).map(|k| k * len / n).collect()
}

/// The protocol settings and decoder of a golden case (`None` for protocols scopekit does
/// not decode).
pub(crate) fn case_decoder(case: &golden::Case) -> Option<(AnyDecoder, Vec<usize>)> {
    let protocol = case.json["protocol"].as_str()?;
    let mut json = case.json["options"].clone();
    json["protocol"] = protocol.into();
    let config: ProtocolConfig = serde_json::from_value(json).ok()?;
    let roles: Vec<&str> = config
        .roles()
        .iter()
        .copied()
        .filter(|r| case.channel(r).is_some())
        .collect();
    let channels = roles.iter().filter_map(|r| case.channel(r)).collect();
    let rate = case.samplerate().map(|r| r as f64);
    Some((config.decoder(rate, &roles).unwrap(), channels))
}

#[test]
fn golden_captures_decode_identically_in_parts() {
    let mut checked = 0;
    let mut resynced = 0;
    for protocol in ["uart", "spi", "i2c", "can"] {
        for case in golden::cases(protocol) {
            let Some((d, channels)) = case_decoder(&case) else {
                panic!("{}: no decoder", case.name);
            };
            let (t, end) = case.transitions(&channels);
            let serial = decode_all(d.clone(), &t, end);
            let mut stats = FrameStatsBuilder::default();
            stats.add(&serial);
            let rate = case.samplerate().map(|r| r as f64);
            let stats = stats.report(rate);
            let many = (t.len() / 3).max(1);
            for n in [2, 3, 7, many] {
                for batch in [1, 2, 5] {
                    let (frames, segments) =
                        in_parts(d.clone(), &t, &equal_cuts(t.len(), n), batch, end);
                    assert_eq!(frames, serial, "{} in {n} parts, batch {batch}", case.name);
                    let mut s = FrameStatsBuilder::default();
                    s.add(&frames);
                    assert_eq!(s.report(rate), stats, "{}", case.name);
                    if segments > n.div_ceil(batch) {
                        resynced += 1;
                    }
                    checked += 1;
                }
            }
        }
    }
    // 44 captures (17 UART, 8 SPI, 8 I2C, 11 CAN) x 4 splits x 3 batch sizes.
    assert_eq!(checked, 44 * 12);
    assert!(resynced > 0, "no SPI capture was cut at a sync point");
}

/// SPI transitions (clk line 0, mosi line 1, cs line 2; CS active low): `bursts` transfers
/// of `words` 8-bit words, some cut short by CS, with CS and CLK sometimes changing at the
/// same sample.
pub(crate) fn spi_bursts(bursts: usize, seed: u64) -> (Vec<Transition>, u64) {
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut t = vec![Transition {
        at: 0,
        levels: 0b100,
    }];
    let mut at = 0u64;
    let put = |t: &mut Vec<Transition>, at: u64, l: u32| {
        if t.last().is_some_and(|p| p.levels != l) {
            t.push(Transition { at, levels: l });
        }
    };
    let cur = |t: &Vec<Transition>| t.last().map_or(0, |p| p.levels);
    for _ in 0..bursts {
        at += 3 + next() % 5;
        let l = cur(&t) & !0b100; // CS asserted
        put(&mut t, at, l);
        let bits = 8 * (1 + next() % 3) - (next() % 4 == 0) as u64 * (next() % 7);
        for _ in 0..bits {
            at += 1 + next() % 2;
            let mosi = (next() & 1) as u32;
            let l = (cur(&t) & !0b11) | (mosi << 1);
            put(&mut t, at, l);
            at += 1 + next() % 2;
            let l = cur(&t) | 1;
            put(&mut t, at, l);
        }
        at += next() % 2;
        // CS released, with the clock falling at the same sample half the time.
        let l = if next() % 2 == 0 {
            cur(&t) | 0b100
        } else {
            (cur(&t) | 0b100) & !1
        };
        put(&mut t, at, l);
        if cur(&t) & 1 == 1 {
            at += 1;
            let l = cur(&t) & !1;
            put(&mut t, at, l);
        }
    }
    (t, at + 5)
}

pub(crate) fn spi(cs: bool) -> SpiDecoder {
    let config = SpiConfig::default();
    SpiDecoder::try_new(&config, [true, false, true, cs]).unwrap()
}

#[test]
fn spi_bursts_cut_anywhere_decode_identically() {
    let (t, end) = spi_bursts(12, 7);
    let serial = decode_all(spi(true), &t, end);
    assert!(serial.iter().any(|f| f.transfer == 11));
    assert!(serial.iter().any(|f| !f.errors.is_empty()));
    // Every single cut (sync points before, at and after it) and every pair nearby.
    for c in 0..=t.len() {
        for batch in [1, 2] {
            let (frames, _) = in_parts(spi(true), &t, &[c], batch, end);
            assert_eq!(frames, serial, "cut at {c}");
        }
        for d in c..(c + 4).min(t.len()) {
            let (frames, _) = in_parts(spi(true), &t, &[c, d], 3, end);
            assert_eq!(frames, serial, "cuts at {c}, {d}");
        }
    }
    // Cuts at exactly the sync transitions and just after them.
    let syncs: Vec<usize> = (1..t.len())
        .filter(|&i| spi(true).is_sync(t[i - 1].levels, &t[i]))
        .collect();
    assert!(syncs.len() >= 12);
    for shift in [0, 1] {
        let cuts: Vec<usize> = syncs.iter().map(|&i| i + shift).collect();
        let (frames, segments) = in_parts(spi(true), &t, &cuts, 4, end);
        assert_eq!(frames, serial);
        assert!(segments > cuts.len() / 2);
    }
    // Many small parts, several batch sizes, other data.
    for seed in 1..20 {
        let (t, end) = spi_bursts(30, seed);
        let serial = decode_all(spi(true), &t, end);
        for n in [2, 3, 7, 50, t.len()] {
            for batch in [1, 3, 8] {
                let (frames, _) = in_parts(spi(true), &t, &equal_cuts(t.len(), n), batch, end);
                assert_eq!(frames, serial, "seed {seed}, {n} parts, batch {batch}");
            }
        }
    }
}

#[test]
fn active_high_cs_resyncs_where_it_falls() {
    let config = SpiConfig {
        cs_polarity: CsPolarity::ActiveHigh,
        ..SpiConfig::default()
    };
    let d = SpiDecoder::try_new(&config, [true, false, true, true]).unwrap();
    // Flip CS of the active-low bursts.
    let (mut t, end) = spi_bursts(10, 3);
    for x in &mut t {
        x.levels ^= 0b100;
    }
    let serial = decode_all(d.clone(), &t, end);
    assert!(serial.len() > 10);
    for n in [2, 5, 40] {
        let (frames, segments) = in_parts(d.clone(), &t, &equal_cuts(t.len(), n), 2, end);
        assert_eq!(frames, serial);
        assert!(segments > n / 2);
    }
}

#[test]
fn without_a_sync_point_the_decode_is_serial() {
    // No CS line: one segment whatever the parts.
    let (t, end) = spi_bursts(8, 5);
    let no_cs: Vec<Transition> = t
        .iter()
        .map(|x| Transition {
            at: x.at,
            levels: x.levels & 0b11,
        })
        .fold(Vec::new(), |mut v, x| {
            if v.last().is_none_or(|p: &Transition| p.levels != x.levels) {
                v.push(x);
            }
            v
        });
    assert!(!spi(false).resyncs());
    let serial = decode_all(spi(false), &no_cs, end);
    assert!(serial.len() > 8);
    let (frames, segments) = in_parts(spi(false), &no_cs, &equal_cuts(no_cs.len(), 7), 7, end);
    assert_eq!((frames, segments), (serial, 1));
    // CS asserted once and never released: one segment too.
    let held: Vec<Transition> = no_cs
        .iter()
        .map(|x| Transition {
            at: x.at,
            levels: x.levels,
        })
        .collect();
    let mut with_cs = vec![Transition {
        at: 0,
        levels: held[0].levels | 0b100,
    }];
    with_cs.extend(held.iter().skip(1).copied());
    let serial = decode_all(spi(true), &with_cs, end);
    let (frames, segments) = in_parts(spi(true), &with_cs, &equal_cuts(with_cs.len(), 7), 7, end);
    assert_eq!((frames, segments), (serial, 1));
}

#[test]
fn any_decoder_renumbers_spi_transfers() {
    let (t, end) = spi_bursts(20, 11);
    let d = AnyDecoder::Spi(spi(true));
    let serial = decode_all(d.clone(), &t, end);
    let (frames, segments) = in_parts(d, &t, &equal_cuts(t.len(), 9), 3, end);
    assert!(segments >= 9);
    assert_eq!(frames, serial);
    let Some(AnyFrame::Spi(last)) = frames.last() else {
        panic!("no SPI frame");
    };
    assert_eq!(last.transfer, 19);
}

/// Decode `t` cut at `cuts` as the fused parallel path does: each part after the first
/// decodes from its first sync point on its own ([`decode_from_sync`], in reverse order as
/// threads might finish), the open decoder takes the transitions up to that point
/// ([`PartDecoder::push_settled`]).
fn in_settled_parts<D: Resync>(d: D, t: &[Transition], cuts: &[usize], end: u64) -> Vec<D::Frame> {
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|&c| c.min(t.len())));
    bounds.push(t.len());
    let model = d.clone();
    let mut pd = PartDecoder::new(d);
    let runs: Vec<_> = bounds
        .windows(2)
        .rev()
        .map(|w| {
            let prev = (w[0] > 0).then(|| t[w[0] - 1].levels)?;
            decode_from_sync(&model, prev, &t[w[0]..w[1]])
        })
        .collect();
    let mut frames = Vec::new();
    for (w, run) in bounds.windows(2).zip(runs.into_iter().rev()) {
        let part = &t[w[0]..w[1]];
        match run {
            Some((i, seg)) => frames.extend(pd.push_settled(&[&part[..=i]], Some(seg))),
            None => frames.extend(pd.push_settled(&[part], None)),
        }
    }
    frames.extend(pd.finish(end));
    frames
}

#[test]
fn parts_decoded_from_their_sync_points_are_the_serial_frames() {
    for seed in 1..20 {
        let (t, end) = spi_bursts(30, seed);
        let serial = decode_all(spi(true), &t, end);
        for n in [1, 2, 3, 7, 50, t.len()] {
            let frames = in_settled_parts(spi(true), &t, &equal_cuts(t.len(), n), end);
            assert_eq!(frames, serial, "seed {seed}, {n} parts");
        }
        // Without CS there is no sync point: the open decoder takes everything.
        let serial = decode_all(spi(false), &t, end);
        let frames = in_settled_parts(spi(false), &t, &equal_cuts(t.len(), 7), end);
        assert_eq!(frames, serial, "seed {seed}, no CS");
    }
    let mut checked = 0;
    for case in golden::cases("spi") {
        let Some((d, channels)) = case_decoder(&case) else {
            panic!("{}: no decoder", case.name);
        };
        let (t, end) = case.transitions(&channels);
        let serial = decode_all(d.clone(), &t, end);
        for n in [2, 3, 7, (t.len() / 3).max(1)] {
            let frames = in_settled_parts(d.clone(), &t, &equal_cuts(t.len(), n), end);
            assert_eq!(frames, serial, "{} in {n} parts", case.name);
        }
        checked += 1;
    }
    assert!(checked >= 8);
}

/// Native control for the page's parallel decode (`cargo test --release -p scopekit-core
/// --lib -- --ignored parts_paths_native`, `SCOPEKIT_SPI_NPY` = benches/gen_bus.py's
/// spi.npy): the parts path before (threshold, carry, merge ranges, segments: separate
/// steps) and the fused one (each part thresholded, settled and decoded in one task), on
/// one thread and on two std threads; prints ms per run, checks equal frames.
#[cfg(feature = "std")]
#[test]
#[ignore]
fn parts_paths_native() {
    extern crate std;
    use crate::edges::{line_threshold, DigitizePart, Digitizer, MergeRange};
    use crate::formats::{Header, Reader};
    use crate::parts::{analog_parts, DECODE_PART_BYTES};
    use crate::BlockSink;
    use std::time::Instant;
    let Ok(path) = std::env::var("SCOPEKIT_SPI_NPY") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let header = Header::from_head(&bytes[..65536], bytes.len() as u64)
        .unwrap()
        .unwrap();
    let bounds = analog_parts(&header, DECODE_PART_BYTES);
    let at = header.data_offset() as usize;
    let data = |&(a, b): &(u64, u64)| &bytes[at + a as usize..at + b as usize];
    let read = |(a, b): (u64, u64), sink: &mut dyn BlockSink| {
        let mut r = Reader::resume(header.clone(), a, b).unwrap();
        r.push(data(&(a, b)), sink).unwrap();
        r.finish(sink).unwrap();
    };
    let config: ProtocolConfig = serde_json::from_value(serde_json::json!({
        "protocol": "spi", "cs_polarity": "active-low", "cpol": 0, "cpha": 0,
        "bitorder": "msb-first", "wordsize": 8}))
    .unwrap();
    let decoder = config
        .decoder(None, &["clk", "miso", "mosi", "cs"])
        .unwrap();
    // Thresholds as the page chooses them (first samples of the first parts).
    struct First(Vec<Vec<f64>>);
    impl BlockSink for First {
        fn begin(&mut self, _: crate::Layout) -> crate::Result<()> {
            Ok(())
        }
        fn block(&mut self, b: crate::Block<'_>) -> crate::Result<()> {
            self.0[b.channel].extend_from_slice(b.samples);
            Ok(())
        }
    }
    let mut first = First(vec![Vec::new(); 4]);
    read(bounds[0], &mut first);
    read(bounds[1], &mut first);
    let lines: Vec<(usize, crate::edges::Threshold)> = (0..4)
        .map(|c| (c, line_threshold(&first.0[c], None)))
        .collect();
    let explicit: Vec<_> = lines.iter().map(|&(c, t)| (c, Ok(t))).collect();
    let end = header.layout().known_samples().unwrap();
    // Runs `f` over the items on `threads` std threads (round robin), results in order.
    fn pool<T: Send, R: Send>(items: Vec<T>, threads: usize, f: impl Fn(T) -> R + Sync) -> Vec<R> {
        let n = items.len();
        let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
        let mut out: Vec<Option<R>> = (0..n).map(|_| None).collect();
        let work = std::sync::Mutex::new((0usize, &mut slots));
        let results = std::sync::Mutex::new(&mut out);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| loop {
                    let (i, item) = {
                        let mut w = work.lock().unwrap();
                        let i = w.0;
                        if i >= n {
                            return;
                        }
                        w.0 += 1;
                        (i, w.1[i].take().unwrap())
                    };
                    let r = f(item);
                    results.lock().unwrap()[i] = Some(r);
                });
            }
        });
        out.into_iter().map(Option::unwrap).collect()
    }
    let batch = 4;
    let old = |threads: usize| -> Vec<AnyFrame> {
        let mut dig = Digitizer::new(&explicit).unwrap();
        let mut pd = PartDecoder::new(decoder.clone());
        let mut frames = Vec::new();
        for group in bounds.chunks(batch) {
            let parts = pool(group.to_vec(), threads, |b| {
                let mut part = DigitizePart::new(&lines);
                read(b, &mut part);
                part
            });
            for p in parts {
                dig.carry_part(p).unwrap();
            }
            let ranges = dig.merge_ranges();
            let idx: Vec<usize> = (0..ranges.len()).collect();
            let merged = pool(idx, threads, |i| ranges[i].run());
            drop(ranges);
            let mut ts = vec![dig.take()];
            ts.extend(merged);
            dig.commit();
            let slices: Vec<&[Transition]> = ts.iter().map(|t| &t[..]).collect();
            let plan = pd.plan(&slices);
            let done = pool(plan, threads, Segment::run);
            frames.extend(pd.take(done));
        }
        let last = dig.finish();
        frames.extend(pd.push(&[&last]));
        frames.extend(pd.finish(end));
        frames
    };
    // Core's fused path (`decode::fused`), as the page and the CLI drive it.
    let fused = |threads: usize| -> Vec<AnyFrame> {
        use crate::decode::fused::FusedDecode;
        let mut run = FusedDecode::new(decoder.clone(), &lines, header.layout()).unwrap();
        let mut frames = Vec::new();
        for group in bounds.chunks(batch) {
            let jobs: Vec<_> = group.iter().map(|&b| (b, run.task())).collect();
            let done = pool(jobs, threads, |(b, task)| {
                task.run(|sink| {
                    read(b, sink);
                    Ok::<_, ()>(())
                })
                .unwrap()
            });
            for (&b, d) in group.iter().zip(done) {
                let got = run.take(d, |sink| {
                    read(b, sink);
                    Ok::<_, ()>(())
                });
                frames.extend(got.unwrap());
            }
        }
        frames.extend(run.finish(end));
        frames
    };
    let _ = MergeRange::run;
    let want = old(1);
    assert_eq!(fused(1), want);
    assert_eq!(fused(2), want);
    assert_eq!(old(2), want);
    let mut times: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    for _ in 0..7 {
        for (name, f, t) in [
            ("old 1", &old as &dyn Fn(usize) -> Vec<AnyFrame>, 1),
            ("fused 1", &fused, 1),
            ("old 2", &old, 2),
            ("fused 2", &fused, 2),
        ] {
            let t0 = Instant::now();
            let n = f(t).len();
            assert_eq!(n, want.len());
            times
                .entry(name)
                .or_default()
                .push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    for (name, mut v) in times {
        v.sort_by(f64::total_cmp);
        std::println!(
            "{name}: median {:.1} ms, min {:.1} ms",
            v[v.len() / 2],
            v[0]
        );
    }
}
