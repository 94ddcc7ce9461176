use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::decode::golden;
use crate::logic::decode_all;

// ---------------------------------------------------------------------------------------
// Helpers

/// Decode with the transitions cut at `cuts` (any values; clamped and sorted).
fn decode_split(dec: UartDecoder, ts: &[Transition], cuts: &[usize], end: u64) -> Vec<UartFrame> {
    let mut dec = dec;
    let mut out = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(ts.len())).collect();
    cuts.sort_unstable();
    let mut at = 0;
    for c in cuts.into_iter().chain([ts.len()]) {
        dec.push(&ts[at..c], &mut out);
        at = c;
    }
    dec.finish(end, &mut out);
    out
}

/// Transitions of one line from per-sample levels (test inputs written sample by sample).
fn from_samples(samples: &[u8]) -> Vec<Transition> {
    let mut out: Vec<Transition> = Vec::new();
    for (i, &s) in samples.iter().enumerate() {
        let levels = u32::from(s);
        if out.last().is_none_or(|l| l.levels != levels) {
            out.push(Transition {
                at: i as u64,
                levels,
            });
        }
    }
    out
}

/// Per-sample levels of one 8N1 frame at 10 samples per bit (as in the sigrok checks below).
fn frame10(v: u16) -> Vec<u8> {
    let mut bits = alloc::vec![0u8];
    bits.extend((0..8).map(|i| (v >> i & 1) as u8));
    bits.push(1);
    bits.iter().flat_map(|&b| [b; 10]).collect()
}

fn cfg100() -> UartConfig {
    UartConfig {
        baudrate: 100,
        ..UartConfig::default()
    }
}

fn rx(samples: &[u8]) -> Vec<UartFrame> {
    let dec = UartDecoder::try_new(&cfg100(), 1000.0, &["rx"]).unwrap();
    decode_all(dec, &from_samples(samples), samples.len() as u64)
}

fn data(frames: &[UartFrame]) -> Vec<(u64, u64, u16)> {
    frames
        .iter()
        .filter(|f| f.is_data())
        .map(|f| (f.start, f.end, f.value))
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. Golden: every uart case of cases.json against sigrok-cli 0.7.2

fn expected_values(case: &golden::Case, role: &str, data_bits: u8) -> Vec<u16> {
    let rel = case.json["expected"]["binary"][role].as_str().unwrap();
    let bytes = std::fs::read(golden::root().join(rel)).unwrap();
    if data_bits > 8 {
        // sigrok writes (data_bits + 7) / 8 bytes per word, big-endian.
        bytes
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    } else {
        bytes.iter().map(|&b| u16::from(b)).collect()
    }
}

fn run_case(case: &golden::Case, config: &UartConfig) -> Vec<UartFrame> {
    let roles: Vec<&str> = ROLES
        .iter()
        .copied()
        .filter(|r| case.channel(r).is_some())
        .collect();
    let channels: Vec<usize> = roles.iter().map(|r| case.channel(r).unwrap()).collect();
    let (ts, samples) = case.transitions(&channels);
    let rate = case.samplerate().unwrap() as f64;
    let dec = UartDecoder::try_new(config, rate, &roles).unwrap();
    decode_all(dec, &ts, samples)
}

#[test]
fn golden_all_uart_cases_match_sigrok() {
    let cases = golden::cases("uart");
    assert_eq!(cases.len(), 17);
    let mut words = 0;
    for case in &cases {
        let config: UartConfig = serde_json::from_value(case.json["options"].clone()).unwrap();
        assert_eq!(case.option("data_bits"), Some(&config.data_bits.into()));
        let frames = run_case(case, &config);
        let anns = case.annotations();
        for (role, channel) in [("rx", Channel::Rx), ("tx", Channel::Tx)] {
            let class = alloc::format!("{role}-data");
            let want_spans: Vec<(u64, u64)> = anns
                .iter()
                .filter(|a| a.class == class)
                .map(|a| (a.start, a.end))
                .collect();
            let got: Vec<(u64, u64, u16)> = frames
                .iter()
                .filter(|f| f.channel == channel && f.is_data())
                .map(|f| (f.start, f.end, f.value))
                .collect();
            if case.channel(role).is_none() {
                assert!(want_spans.is_empty() && got.is_empty(), "{}", case.name);
                continue;
            }
            let values = expected_values(case, role, config.data_bits);
            assert_eq!(values.len(), want_spans.len(), "{} {role}", case.name);
            let want: Vec<(u64, u64, u16)> = want_spans
                .iter()
                .zip(&values)
                .map(|(&(s, e), &v)| (s, e, v))
                .collect();
            if let Some(i) = (0..want.len().min(got.len())).find(|&i| want[i] != got[i]) {
                panic!(
                    "{} {role}: item {i}: sigrok {:?}, got {:?}",
                    case.name, want[i], got[i]
                );
            }
            assert_eq!(got.len(), want.len(), "{} {role}: count", case.name);
            words += want.len();
        }
    }
    assert_eq!(words, 408 + 3035);
}

/// Auto-baud on the real captures: the estimate snaps to the configured rate, and the words
/// then equal the fixed-rate decode.
#[test]
fn golden_auto_baud_finds_the_configured_rate() {
    for case in golden::cases("uart") {
        let mut config: UartConfig = serde_json::from_value(case.json["options"].clone()).unwrap();
        let fixed = run_case(&case, &config);
        let want_baud = f64::from(config.baudrate);
        config.auto_baud = true;
        config.baudrate = 300; // must not be used
        let roles: Vec<&str> = ROLES
            .iter()
            .copied()
            .filter(|r| case.channel(r).is_some())
            .collect();
        let channels: Vec<usize> = roles.iter().map(|r| case.channel(r).unwrap()).collect();
        let (ts, samples) = case.transitions(&channels);
        let rate = case.samplerate().unwrap() as f64;
        let mut dec = UartDecoder::try_new(&config, rate, &roles).unwrap();
        let mut out = Vec::new();
        dec.push(&ts, &mut out);
        dec.finish(samples, &mut out);
        assert_eq!(dec.baudrate(), Some(want_baud), "{}", case.name);
        assert_eq!(out, fixed, "{}", case.name);
    }
}

// ---------------------------------------------------------------------------------------
// Corner cases checked against sigrok-cli 0.7.2 on raw files at 1 kHz, 100 baud (see the
// report): `sigrok-cli -I binary:numchannels=1:samplerate=1000 -i t.bin -P uart:rx=0:baudrate=100`

#[test]
fn initial_low_is_not_a_start_bit() {
    let mut s = alloc::vec![0u8; 5];
    s.extend([1; 15]);
    s.extend(frame10(0x55));
    s.extend([1; 30]);
    assert_eq!(data(&rx(&s)), [(30, 110, 0x55)]);
}

#[test]
fn edge_on_the_stop_sample_is_not_a_start_bit() {
    let mut s = alloc::vec![1u8; 20];
    s.extend(&frame10(0x41)[..95]);
    s.extend(frame10(0x42));
    s.extend([1; 30]);
    let f = rx(&s);
    assert_eq!(data(&f), [(30, 110, 0x41), (155, 235, 0xE8)]);
    assert_eq!(f[0].errors, [UartError::Framing]);
    // One sample later the edge starts the next word.
    let mut s = alloc::vec![1u8; 20];
    s.extend(&frame10(0x41)[..96]);
    s.extend(frame10(0x42));
    s.extend([1; 30]);
    assert_eq!(data(&rx(&s)), [(30, 110, 0x41), (126, 206, 0x42)]);
}

#[test]
fn break_after_the_low_word() {
    let mut s = alloc::vec![1u8; 20];
    s.extend([0; 150]);
    s.extend([1; 30]);
    s.extend(frame10(0x43));
    s.extend([1; 20]);
    let f = rx(&s);
    assert_eq!(data(&f), [(30, 110, 0), (210, 290, 0x43)]);
    assert_eq!(f[0].errors, [UartError::Framing]);
    // sigrok: 20-170 "Break condition".
    assert_eq!(
        (f[1].start, f[1].end, &f[1].errors[..]),
        (20, 170, &[UartError::Break][..])
    );
    assert!(f[1].has_error() && !f[1].is_data());
}

#[test]
fn short_pulse_is_a_glitch() {
    let mut s = alloc::vec![1u8; 20];
    s.extend([0; 3]);
    s.extend([1; 30]);
    s.extend(frame10(0x44));
    s.extend([1; 20]);
    let f = rx(&s);
    assert_eq!(data(&f), [(63, 143, 0x44)]);
    assert_eq!(
        (f[0].frame_start, &f[0].errors[..]),
        (20, &[UartError::Glitch][..])
    );
}

#[test]
fn truncated_words_at_the_end() {
    // Capture ends inside the data bits: sigrok shows no word; we flag it.
    let mut s = alloc::vec![1u8; 20];
    s.extend(&frame10(0x45)[..60]);
    let f = rx(&s);
    assert!(data(&f).is_empty());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].errors, [UartError::Truncated]);
    assert_eq!((f[0].frame_start, f[0].end, f[0].value), (20, 80, 0x05));
    // Ends inside the stop bit: sigrok shows the word, so do we.
    let mut s = alloc::vec![1u8; 20];
    s.extend(&frame10(0x45)[..95]);
    assert_eq!(data(&rx(&s)), [(30, 110, 0x45)]);
    // Ends right after the falling edge.
    let mut s = alloc::vec![1u8; 20];
    s.push(0);
    let f = rx(&s);
    assert_eq!(f[0].errors, [UartError::Truncated]);
}

// ---------------------------------------------------------------------------------------
// 2. Property tests with an encoder

#[derive(Debug, Clone)]
struct Setup {
    config: UartConfig,
    rx: bool,
    tx: bool,
}

/// Encoder: physical edges `(sample, level)` of one line sending `words`, idle `gaps` bits
/// before each, edge times jittered by `jitter` bits (deterministic from `seed`).
fn encode(
    c: &UartConfig,
    invert: bool,
    bw: f64,
    words: &[(u16, u8)],
    jitter: f64,
    seed: u64,
) -> Vec<(u64, bool)> {
    let mut rng = seed | 1;
    let mut rand = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut levels: Vec<(f64, bool)> = alloc::vec![(0.0, true)];
    let mut t = 2.0 * bw;
    for &(w, gap) in words {
        t += f64::from(gap) * bw;
        let w = w & ((1 << c.data_bits) - 1);
        let mut bits = alloc::vec![false];
        for i in 0..u32::from(c.data_bits) {
            let b = if c.bit_order == BitOrder::MsbFirst {
                u32::from(c.data_bits) - 1 - i
            } else {
                i
            };
            bits.push(w >> b & 1 == 1);
        }
        let ones = w.count_ones();
        match c.parity {
            Parity::None => {}
            Parity::Odd => bits.push(ones % 2 == 0),
            Parity::Even => bits.push(ones % 2 == 1),
            Parity::Mark => bits.push(true),
            Parity::Space | Parity::Ignore => bits.push(false),
        }
        for b in bits {
            levels.push((t, b));
            t += bw;
        }
        levels.push((t, true));
        t += c.stop_bits * bw;
    }
    let mut out: Vec<(u64, bool)> = Vec::new();
    let mut prev = None;
    for (at, l) in levels {
        if prev.replace(l) == Some(l) {
            continue;
        }
        let j = if at == 0.0 { 0.0 } else { rand() * jitter * bw };
        let s = crate::math::floor(at + j + 0.5).max(0.0) as u64;
        out.push((s, l != invert));
    }
    // The end of the capture, two bits after the last stop bit: kept as a last "edge" to
    // the same level, which `merge` drops after taking the end from it.
    let end = crate::math::floor(t + 2.0 * bw) as u64;
    out.push((end.max(out.last().map_or(0, |l| l.0 + 1)), !invert));
    out
}

/// Merge per-line edges into transitions (line order = present roles). The last entry of
/// each line only marks where that line's signal ends; the capture ends at the latest one.
fn merge(lines: &[Vec<(u64, bool)>]) -> (Vec<Transition>, u64) {
    let mut all: Vec<(u64, usize, bool)> = Vec::new();
    let mut end = 1;
    for (i, l) in lines.iter().enumerate() {
        let (marker, edges) = l.split_last().unwrap();
        end = end.max(marker.0);
        all.extend(edges.iter().map(|&(s, v)| (s, i, v)));
    }
    all.sort_by_key(|&(s, i, _)| (s, i));
    let mut levels = 0u32;
    let mut out: Vec<Transition> = Vec::new();
    for (s, i, v) in all {
        levels = (levels & !(1 << i)) | (u32::from(v) << i);
        match out.last_mut() {
            Some(t) if t.at == s => t.levels = levels,
            _ => out.push(Transition { at: s, levels }),
        }
    }
    out.dedup_by(|b, a| a.levels == b.levels);
    (out, end)
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        5u8..=9,
        0usize..6,
        0usize..3,
        any::<bool>(),
        any::<(bool, bool)>(),
        0u8..3,
        25_000u32..=125_000,
    )
        .prop_map(|(data_bits, p, s, msb, (ir, it), roles, baud)| Setup {
            config: UartConfig {
                baudrate: baud,
                data_bits,
                parity: [
                    Parity::None,
                    Parity::Odd,
                    Parity::Even,
                    Parity::Mark,
                    Parity::Space,
                    Parity::Ignore,
                ][p],
                stop_bits: [1.0, 1.5, 2.0][s],
                bit_order: if msb {
                    BitOrder::MsbFirst
                } else {
                    BitOrder::LsbFirst
                },
                invert_rx: ir,
                invert_tx: it,
                ..UartConfig::default()
            },
            rx: roles != 1,
            tx: roles != 0,
        })
}

type Words = Vec<(u16, u8)>;

fn encode_setup(
    s: &Setup,
    rxw: &Words,
    txw: &Words,
    jitter: f64,
    seed: u64,
) -> (Vec<Transition>, u64) {
    let bw = 1e6 / f64::from(s.config.baudrate);
    let mut lines = Vec::new();
    if s.rx {
        lines.push(encode(&s.config, s.config.invert_rx, bw, rxw, jitter, seed));
    }
    if s.tx {
        lines.push(encode(
            &s.config,
            s.config.invert_tx,
            bw,
            txw,
            jitter,
            seed ^ 0x9e37,
        ));
    }
    merge(&lines)
}

fn roles_of(s: &Setup) -> Vec<&'static str> {
    let mut r = Vec::new();
    if s.rx {
        r.push("rx");
    }
    if s.tx {
        r.push("tx");
    }
    r
}

fn words() -> impl Strategy<Value = Words> {
    proptest::collection::vec((any::<u16>(), 0u8..4), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn encoded_words_decode_exactly(s in setup(), rxw in words(), txw in words(),
                                    jitter in 0.0f64..0.15, seed in any::<u64>()) {
        let (ts, end) = encode_setup(&s, &rxw, &txw, jitter, seed);
        let dec = UartDecoder::try_new(&s.config, 1e6, &roles_of(&s)).unwrap();
        let frames = decode_all(dec, &ts, end);
        let mask = (1u16 << s.config.data_bits) - 1;
        for (on, ch, w) in [(s.rx, Channel::Rx, &rxw), (s.tx, Channel::Tx, &txw)] {
            let got: Vec<&UartFrame> = frames.iter().filter(|f| f.channel == ch).collect();
            let want: Vec<u16> = if on { w.iter().map(|&(v, _)| v & mask).collect() } else { Vec::new() };
            prop_assert_eq!(got.iter().map(|f| f.value).collect::<Vec<_>>(), want);
            prop_assert!(got.iter().all(|f| f.errors.is_empty()), "{:?}", got);
        }
    }

    #[test]
    fn auto_baud_decodes_exactly(s in setup(), rxw in proptest::collection::vec((any::<u16>(), 0u8..4), 20..40),
                                 jitter in 0.0f64..0.1, seed in any::<u64>(), std_rate in 0usize..4) {
        let mut s = s;
        s.config.baudrate = [38_400, 57_600, 76_800, 115_200][std_rate];
        s.rx = true;
        s.tx = false;
        let (ts, end) = encode_setup(&s, &rxw, &Vec::new(), jitter, seed);
        let mut config = s.config.clone();
        config.auto_baud = true;
        config.auto_baud_edges = 64;
        config.baudrate = 9600;
        let mut dec = UartDecoder::try_new(&config, 1e6, &["rx"]).unwrap();
        let mut frames = Vec::new();
        dec.push(&ts, &mut frames);
        dec.finish(end, &mut frames);
        let mask = (1u16 << s.config.data_bits) - 1;
        // Streams of words without a single-bit pulse cannot be measured: skip them.
        let widths = baud::pulse_widths(&ts[..ts.len().min(65)], 1);
        let bw = 1e6 / f64::from(s.config.baudrate);
        prop_assume!(widths.iter().filter(|&&w| (w as f64) < 1.4 * bw).count() >= 3);
        prop_assert_eq!(dec.baudrate(), Some(f64::from(s.config.baudrate)));
        prop_assert_eq!(frames.iter().map(|f| f.value).collect::<Vec<_>>(),
                        rxw.iter().map(|&(v, _)| v & mask).collect::<Vec<_>>());
    }

    // 3. Chunk invariance
    #[test]
    fn splits_never_change_frames(s in setup(), rxw in words(), txw in words(), auto in any::<bool>(),
                                  cuts in proptest::collection::vec(0usize..400, 0..12),
                                  junk in proptest::collection::vec((1u64..40, any::<u32>()), 0..40)) {
        let (mut ts, mut end) = encode_setup(&s, &rxw, &txw, 0.1, 7);
        // Garbage after the words: random intervals and levels.
        let lines = roles_of(&s).len();
        for (d, l) in junk {
            let levels = l & ((1 << lines) - 1);
            if ts.last().is_some_and(|t| t.levels != levels) {
                end += d;
                ts.push(Transition { at: end, levels });
            }
        }
        end += 1;
        let mut config = s.config.clone();
        config.auto_baud = auto;
        config.auto_baud_edges = 16;
        let make = || UartDecoder::try_new(&config, 1e6, &roles_of(&s)).unwrap();
        let whole = decode_all(make(), &ts, end);
        prop_assert_eq!(&decode_split(make(), &ts, &cuts, end), &whole);
        let ones: Vec<usize> = (0..ts.len()).collect();
        prop_assert_eq!(&decode_split(make(), &ts, &ones, end), &whole);
    }

    // 4. Garbage: any transitions, any config → no panic; frames are well formed.
    #[test]
    fn garbage_never_panics(s in setup(), auto in any::<bool>(),
                            steps in proptest::collection::vec((1u64..60, any::<u32>()), 0..300)) {
        let lines = roles_of(&s).len();
        let mut ts = alloc::vec![Transition { at: 0, levels: 0 }];
        let mut at = 0;
        for (d, l) in steps {
            let levels = l & ((1 << lines) - 1);
            if ts.last().is_some_and(|t| t.levels != levels) {
                at += d;
                ts.push(Transition { at, levels });
            }
        }
        let mut config = s.config.clone();
        config.auto_baud = auto;
        config.auto_baud_edges = 8;
        let dec = UartDecoder::try_new(&config, 1e6, &roles_of(&s)).unwrap();
        for f in decode_all(dec, &ts, at + 1) {
            prop_assert!(f.start <= f.end && f.frame_start <= f.end);
            prop_assert!(f.value < 1 << s.config.data_bits);
        }
    }
}

#[test]
fn jitter_free_words_with_both_lines_keep_time_order_per_line() {
    let s = Setup {
        config: UartConfig::default(),
        rx: true,
        tx: true,
    };
    let rxw: Words = (0..50).map(|i| (i * 5, (i % 3) as u8)).collect();
    let txw: Words = (0..50).map(|i| (255 - i, 1)).collect();
    let (ts, end) = encode_setup(&s, &rxw, &txw, 0.0, 1);
    let frames = decode_all(
        UartDecoder::try_new(&s.config, 1e6, &["tx", "rx"]).unwrap(),
        &ts,
        end,
    );
    for ch in [Channel::Rx, Channel::Tx] {
        let f: Vec<&UartFrame> = frames.iter().filter(|f| f.channel == ch).collect();
        assert_eq!(f.len(), 50);
        assert!(f.windows(2).all(|w| w[0].end < w[1].start));
    }
}

// ---------------------------------------------------------------------------------------
// Configuration and serde

#[test]
fn config_validation() {
    let ok = UartConfig::default();
    assert!(ok.validate(1e6).is_ok());
    let bad = [
        UartConfig {
            baudrate: 0,
            ..ok.clone()
        },
        UartConfig {
            baudrate: 600_000,
            ..ok.clone()
        },
        UartConfig {
            data_bits: 4,
            ..ok.clone()
        },
        UartConfig {
            data_bits: 10,
            ..ok.clone()
        },
        UartConfig {
            stop_bits: 3.0,
            ..ok.clone()
        },
        UartConfig {
            auto_baud: true,
            auto_baud_edges: 2,
            ..ok.clone()
        },
    ];
    for b in bad {
        let e = b.validate(1e6).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{b:?}");
    }
    assert!(ok.validate(0.0).is_err());
    assert!(ok.validate(f64::NAN).is_err());
    assert!(UartDecoder::try_new(&ok, 1e6, &[]).is_err());
    assert!(UartDecoder::try_new(&ok, 1e6, &["rx", "rx"]).is_err());
    assert!(UartDecoder::try_new(&ok, 1e6, &["clk"]).is_err());
}

#[test]
fn config_accepts_sigrok_values() {
    let c: UartConfig = serde_json::from_str(
        r#"{"baudrate": 9600, "parity": "zero", "bit_order": "msb-first",
            "invert_rx": "yes", "invert_tx": false, "stop_bits": 1.5}"#,
    )
    .unwrap();
    assert_eq!(c.parity, Parity::Space);
    assert_eq!(c.bit_order, BitOrder::MsbFirst);
    assert!(c.invert_rx && !c.invert_tx);
    assert_eq!(
        serde_json::from_str::<Parity>(r#""one""#).unwrap(),
        Parity::Mark
    );
    assert!(serde_json::from_str::<UartConfig>(r#"{"invert_rx": "maybe"}"#).is_err());
    let back: UartConfig = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn frame_json_shape() {
    let f = UartFrame {
        start: 30,
        end: 110,
        value: 0x41,
        channel: Channel::Tx,
        frame_start: 20,
        errors: Vec::new(),
    };
    assert_eq!(
        serde_json::to_string(&f).unwrap(),
        r#"{"start":30,"end":110,"value":65,"channel":"tx","frame_start":20}"#
    );
    let g = UartFrame {
        errors: alloc::vec![UartError::Framing, UartError::Parity],
        ..f
    };
    let text = serde_json::to_string(&g).unwrap();
    assert!(
        text.ends_with(r#""errors":["framing","parity"]}"#),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<UartFrame>(&text).unwrap(), g);
}

#[test]
fn parity_errors_are_flagged() {
    let s = Setup {
        config: UartConfig {
            parity: Parity::Even,
            ..UartConfig::default()
        },
        rx: true,
        tx: false,
    };
    let (ts, end) = encode_setup(&s, &alloc::vec![(0x41, 1), (0x42, 1)], &Vec::new(), 0.0, 1);
    let mut odd = s.clone();
    odd.config.parity = Parity::Odd;
    let frames = decode_all(
        UartDecoder::try_new(&odd.config, 1e6, &["rx"]).unwrap(),
        &ts,
        end,
    );
    assert_eq!(frames.len(), 2);
    assert!(frames
        .iter()
        .all(|f| f.errors == [UartError::Parity] && f.is_data()));
}

#[test]
fn auto_baud_estimate_tolerates_a_glitch() {
    // Bit width 17.36 samples (57600 baud at 1 MHz): pulses of 1..4 bits plus one 2-sample glitch.
    let bw = 1e6 / 57_600.0;
    let mut w: Vec<u64> = [1.0, 2.0, 1.0, 3.0, 1.0, 4.0, 1.0, 2.0]
        .iter()
        .map(|n: &f64| crate::math::floor(n * bw + 0.5) as u64)
        .collect();
    w.push(2);
    let b = baud::estimate_bit_width(&mut w).unwrap();
    assert!((b - bw).abs() < 0.2, "{b}");
    assert_eq!(baud::estimate_baud(&mut w, 1e6), Some(57_600.0));
    assert_eq!(baud::estimate_baud(&mut [], 1e6), None);
    // A rate far from every standard one is kept as measured.
    let mut w: Vec<u64> = alloc::vec![40, 40, 80, 40, 120];
    assert_eq!(baud::estimate_baud(&mut w, 1e6), Some(25_000.0));
    // Within 3 % of a standard rate it snaps: 112 360 baud (89 samples per bit at 10 MHz)
    // is 2.5 % below 115 200.
    let mut w: Vec<u64> = alloc::vec![89, 89, 178, 89, 267];
    assert_eq!(baud::estimate_baud(&mut w, 10e6), Some(115_200.0));
    // A 16 MHz AVR's "115 200" (16 MHz / 16 / 9 = 111 111 baud, 3.5 % slow) is its real
    // rate, kept as measured: 144 samples per bit at 16 MHz.
    let mut w: Vec<u64> = alloc::vec![144, 144, 288, 144, 432];
    assert_eq!(baud::estimate_baud(&mut w, 16e6), Some(16e6 / 144.0));
}

#[test]
fn auto_baud_with_too_few_edges_falls_back_to_baudrate() {
    let config = UartConfig {
        baudrate: 100,
        auto_baud: true,
        ..UartConfig::default()
    };
    let dec = UartDecoder::try_new(&config, 1000.0, &["rx"]).unwrap();
    let mut s = alloc::vec![1u8; 20];
    s.extend(frame10(0x00));
    s.extend([1; 20]);
    let f = decode_all(dec, &from_samples(&s), s.len() as u64);
    assert_eq!(data(&f), [(30, 110, 0)]);
}

// ---------------------------------------------------------------------------------------
// Speed: a sanity run (untimed) and a timed run by hand:
// `cargo test --release -p scopekit-core --lib -- uart::tests::throughput --ignored --nocapture`

/// 115200 8N1 at 10 MSa/s, back-to-back words, `samples` long.
fn busy_line(samples: u64) -> (Vec<Transition>, Words) {
    let config = UartConfig::default();
    let bw = 1e7 / 115_200.0;
    let n = (samples as f64 / (10.0 * bw)) as usize - 1;
    let words: Words = (0..n).map(|i| ((i * 37 % 256) as u16, 0)).collect();
    let edges = encode(&config, false, bw, &words, 0.0, 1);
    (merge(&[edges]).0, words)
}

#[test]
fn ten_million_samples_decode() {
    let (ts, words) = busy_line(10_000_000);
    let dec = UartDecoder::try_new(&UartConfig::default(), 1e7, &["rx"]).unwrap();
    let frames = decode_all(dec, &ts, 10_000_000);
    assert_eq!(frames.len(), words.len());
    assert!(frames
        .iter()
        .zip(&words)
        .all(|(f, w)| f.value == w.0 && f.errors.is_empty()));
}

#[test]
#[ignore = "timing, run by hand in release"]
fn throughput() {
    let samples = 10_000_000u64;
    let (ts, _) = busy_line(samples);
    let rounds = 50;
    let t0 = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..rounds {
        let dec = UartDecoder::try_new(&UartConfig::default(), 1e7, &["rx"]).unwrap();
        n += decode_all(dec, &ts, samples).len();
    }
    let s = t0.elapsed().as_secs_f64() / f64::from(rounds);
    std::println!(
        "{} transitions, {} words per run; {:.3} ms per 10M samples = {:.1} GSa/s, {:.1} M transitions/s",
        ts.len(),
        n / rounds as usize,
        s * 1e3,
        samples as f64 / s / 1e9,
        ts.len() as f64 / s / 1e6
    );
}
