use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::decode::parts::tests::{case_decoder, equal_cuts, spi, spi_bursts};
use crate::decode::{golden, AnyDecoder, DecodeSink};
use crate::logic::Transition;
use crate::Block;

const TH: Threshold = Threshold {
    level: 1.65,
    hysteresis: 0.5,
};

/// Analog lines (one per bit of the levels, `lines` of them) of `end` samples switching
/// where `t` says: 0 V / 3.3 V with a little noise, never near the threshold.
fn analog(t: &[Transition], end: u64, lines: usize) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::with_capacity(end as usize); lines];
    let mut rng = 99u64;
    let mut k = 0;
    let mut levels = t.first().map_or(0, |x| x.levels);
    for i in 0..end {
        while k < t.len() && t[k].at <= i {
            levels = t[k].levels;
            k += 1;
        }
        for (l, line) in out.iter_mut().enumerate() {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((rng >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.4;
            line.push(if levels >> l & 1 == 1 { 3.3 } else { 0.0 } + noise);
        }
    }
    out
}

/// Samples `s..e` of every line into `sink`, in two blocks per line.
fn feed(sink: &mut dyn BlockSink, signals: &[Vec<f64>], s: usize, e: usize) {
    let mid = s + (e - s) / 3;
    for (a, b) in [(s, mid), (mid, e)] {
        for (ch, sig) in signals.iter().enumerate() {
            sink.block(Block {
                channel: ch,
                start: a as u64,
                samples: &sig[a..b],
            })
            .unwrap();
        }
    }
}

fn lines_of(signals: &[Vec<f64>]) -> Vec<(usize, Threshold)> {
    (0..signals.len()).map(|c| (c, TH)).collect()
}

/// The serial decode of `signals` (one pass through the digitizer).
fn serial<D: Resync>(d: D, signals: &[Vec<f64>]) -> Vec<D::Frame> {
    let explicit: Vec<_> = lines_of(signals).iter().map(|&(c, t)| (c, Ok(t))).collect();
    let mut sink = DecodeSink::analog(d, &explicit).unwrap();
    let layout = Layout {
        channels: signals.len(),
        samples: signals[0].len() as u64,
    };
    BlockSink::begin(&mut sink, layout).unwrap();
    let n = signals[0].len();
    feed(&mut sink, signals, 0, n);
    let mut frames = sink.take_frames();
    frames.extend(sink.finish());
    frames
}

/// The fused decode of `signals` cut at the sample indices `cuts`: tasks made in order, run
/// in reverse (as threads might finish), taken in order.
fn fused<D: Resync>(d: D, signals: &[Vec<f64>], cuts: &[usize]) -> Vec<D::Frame> {
    let n = signals[0].len();
    let layout = Layout {
        channels: signals.len(),
        samples: signals[0].len() as u64,
    };
    let mut run = FusedDecode::new(d, &lines_of(signals), layout).unwrap();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|&c| c.min(n)));
    bounds.push(n);
    bounds.dedup();
    let mut frames = Vec::new();
    // Batches of 4 parts, so later tasks reuse the edge buffers of parts taken.
    for group in bounds.windows(2).collect::<Vec<_>>().chunks(4) {
        let tasks: Vec<_> = group.iter().map(|_| run.task()).collect();
        let mut done: Vec<_> = group
            .iter()
            .zip(tasks)
            .rev()
            .map(|(w, task)| {
                task.run(|sink| {
                    feed(sink, signals, w[0], w[1]);
                    Ok::<_, ()>(())
                })
                .unwrap()
            })
            .collect();
        done.reverse();
        for (w, part) in group.iter().zip(done) {
            let got = run.take(part, |sink| {
                feed(sink, signals, w[0], w[1]);
                Ok::<_, ()>(())
            });
            frames.extend(got.unwrap());
        }
    }
    frames.extend(run.finish(n as u64));
    frames
}

#[test]
fn fused_parts_are_the_serial_frames() {
    for seed in 1..20 {
        let (t, end) = spi_bursts(30, seed);
        let signals = analog(&t, end, 3);
        let want = serial(spi(true), &signals);
        assert!(want.len() > 30);
        let n = signals[0].len();
        for parts in [1, 2, 3, 7, 50, n / 4] {
            let got = fused(spi(true), &signals, &equal_cuts(n, parts));
            assert_eq!(got, want, "seed {seed}, {parts} parts");
        }
        // Without CS there is no sync point: every part's transitions decode when taken.
        let want = serial(spi(false), &signals);
        let got = fused(spi(false), &signals, &equal_cuts(n, 7));
        assert_eq!(got, want, "seed {seed}, no CS");
    }
}

/// The golden captures' lines as analog signals: SPI (resyncs) and UART, I²C, CAN (serial
/// decoders) in parts give the serial frames.
#[test]
fn fused_golden_captures_are_the_serial_frames() {
    let mut checked = 0;
    for protocol in ["spi", "uart", "i2c", "can"] {
        for case in golden::cases(protocol) {
            let Some((d, channels)) = case_decoder(&case) else {
                panic!("{}: no decoder", case.name);
            };
            let (t, end) = case.transitions(&channels);
            // Debug builds: keep the signals small.
            if end > 1 << 20 {
                continue;
            }
            let signals = analog(&t, end, channels.len());
            let want = serial::<AnyDecoder>(d.clone(), &signals);
            let n = signals[0].len();
            for parts in [2, 7, 64] {
                let got = fused(d.clone(), &signals, &equal_cuts(n, parts));
                assert_eq!(got, want, "{} in {parts} parts", case.name);
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} captures checked");
}

/// A line in its dead band: parts inside the stretch settle nothing on their own (decoded
/// when taken), and a stretch longer than the prefix a part keeps makes the part be read
/// again into the digitizer; the frames stay the serial ones.
#[test]
fn dead_band_parts_are_the_serial_frames() {
    let (t, end) = spi_bursts(60, 5);
    let mut signals = analog(&t, end, 3);
    let n = signals[0].len();
    // The clock at the threshold for a stretch in the middle (no frame completes there).
    for x in &mut signals[0][n / 3..n / 2] {
        *x = 1.65;
    }
    let want = serial(spi(true), &signals);
    for parts in [3, 7, 40, 200] {
        let got = fused(spi(true), &signals, &equal_cuts(n, parts));
        assert_eq!(got, want, "{parts} parts");
    }
}

#[test]
fn dead_band_longer_than_a_prefix_rereads_the_part() {
    let cap = crate::edges::PREFIX_CAP;
    let (t, end) = spi_bursts(20, 9);
    let short = analog(&t, end, 3);
    // The bursts, the CS line at its threshold for more than PREFIX_CAP samples, the bursts
    // again.
    let gap = cap + 1000;
    let signals: Vec<Vec<f64>> = short
        .iter()
        .enumerate()
        .map(|(l, s)| {
            let mut v = s.clone();
            let hold = if l == 2 { 1.65 } else { 0.0 };
            v.extend(core::iter::repeat_n(hold, gap));
            v.extend_from_slice(s);
            v
        })
        .collect();
    let n = signals[0].len();
    let want = serial(spi(true), &signals);
    assert!(want.len() > 40);
    // A part starting inside the stretch holds its whole rest.
    let cuts = [short[0].len() + 10, n - short[0].len()];
    let got = fused(spi(true), &signals, &cuts);
    assert_eq!(got, want);
}

/// A part's task and result are `Send`: a part runs on any thread.
#[test]
fn part_tasks_are_send() {
    fn send<T: Send>() {}
    send::<PartTask<AnyDecoder>>();
    send::<PartDone<AnyDecoder>>();
}
