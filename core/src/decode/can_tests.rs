use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::*;
use crate::decode::golden;
use crate::decode::Span as _;
use crate::logic::decode_all;

fn config_of(case: &golden::Case) -> CanConfig {
    CanConfig {
        nominal_bitrate: case.option("nominal_bitrate").unwrap().as_u64().unwrap() as u32,
        fast_bitrate: case.option("fast_bitrate").unwrap().as_u64().unwrap() as u32,
        sample_point: case.option("sample_point").unwrap().as_f64().unwrap(),
    }
}

/// sigrok's annotations (start, end, class, longest text) of the data and remote frames.
fn annotations(frames: &[CanFrame]) -> Vec<(u64, u64, String, String)> {
    let mut v = Vec::new();
    for f in frames {
        if !matches!(f.kind, CanFrameKind::Data | CanFrameKind::Remote) {
            continue;
        }
        let mut byte = 0;
        for x in &f.fields {
            let val = x.value;
            let (class, text) = match x.kind {
                CanFieldKind::Sof => ("sof", "Start of frame".into()),
                CanFieldKind::Id => ("id", format!("Identifier: {val} (0x{val:x})")),
                CanFieldKind::Ide => {
                    let t = if val == 1 { "extended" } else { "standard" };
                    ("ide", format!("Identifier extension bit: {t} frame"))
                }
                CanFieldKind::ExtId => {
                    v.push((
                        x.start,
                        x.end,
                        "ext-id".into(),
                        format!("Extended Identifier: {val} (0x{val:x})"),
                    ));
                    let id = f.id;
                    ("full-id", format!("Full Identifier: {id} (0x{id:x})"))
                }
                CanFieldKind::Srr if f.extended => {
                    ("srr", format!("Substitute remote request: {val}"))
                }
                CanFieldKind::Srr => ("rtr", "Substitute remote request".into()),
                CanFieldKind::Rtr => {
                    let t = if val == 1 { "remote" } else { "data" };
                    ("rtr", format!("Remote transmission request: {t} frame"))
                }
                CanFieldKind::Fdf => ("reserved-bit", format!("Flexible data format: {val}")),
                CanFieldKind::Rb0 => ("reserved-bit", format!("Reserved bit 0: {val}")),
                CanFieldKind::Rb1 => ("reserved-bit", format!("Reserved bit 1: {val}")),
                CanFieldKind::R0 => ("reserved-bit", format!("Reserved: {val}")),
                CanFieldKind::Brs => ("reserved-bit", format!("Bit rate switch: {val}")),
                CanFieldKind::Esi => ("reserved-bit", format!("Error state indicator: {val}")),
                CanFieldKind::Dlc => ("dlc", format!("Data length code: {val}")),
                CanFieldKind::Data => {
                    byte += 1;
                    ("data", format!("Data byte {}: 0x{val:02x}", byte - 1))
                }
                CanFieldKind::CrcSequence => {
                    let t = match (f.fd, dlc_to_len(f.dlc) <= 16) {
                        (false, _) => "CRC-15",
                        (true, true) => "CRC-17",
                        (true, false) => "CRC-21",
                    };
                    ("crc-sequence", format!("{t} sequence: 0x{val:04x}"))
                }
                CanFieldKind::CrcDelimiter => ("crc-delimiter", format!("CRC delimiter: {val}")),
                CanFieldKind::AckSlot => {
                    let t = if val == 0 { "ACK" } else { "NACK" };
                    ("ack-slot", format!("ACK slot: {t}"))
                }
                CanFieldKind::AckDelimiter => ("ack-delimiter", format!("ACK delimiter: {val}")),
                CanFieldKind::Eof => ("eof", "End of frame".into()),
                CanFieldKind::ErrorFlag | CanFieldKind::ErrorDelimiter => continue,
            };
            v.push((x.start, x.end, class.into(), text));
        }
    }
    v
}

fn decode_case(case: &golden::Case) -> Vec<CanFrame> {
    let ch = case.channel("can_rx").unwrap();
    let (t, samples) = case.transitions(&[ch]);
    let dec =
        CanDecoder::try_new(&config_of(case), case.samplerate().unwrap() as f64, &ROLES).unwrap();
    decode_all(dec, &t, samples)
}

#[test]
fn golden_all_cases_match_sigrok() {
    let cases = golden::cases("can");
    assert_eq!(cases.len(), 11);
    for case in &cases {
        let frames = decode_case(case);
        let got = annotations(&frames);
        let want: Vec<_> = case
            .annotations()
            .into_iter()
            .map(|a| (a.start, a.end, a.class, a.texts[0].clone()))
            .collect();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{}: annotation {i}", case.name);
        }
        assert_eq!(got.len(), want.len(), "{}: annotation count", case.name);
        for f in &frames {
            assert_eq!(f.errors, [], "{}: frame at {}", case.name, f.start);
            assert!(f.crc_ok && f.ack, "{}: frame at {}", case.name, f.start);
        }
    }
}

// ---------------------------------------------------------------------------------------
// An encoder (ISO 11898-1:2015 framing and timing) for the property tests.

use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Spec {
    id: u32,
    extended: bool,
    rtr: bool,
    fd: bool,
    brs: bool,
    esi: bool,
    dlc: u8,
    data: Vec<u8>,
    ack: bool,
}

fn push_bits(v: &mut Vec<bool>, value: u64, n: usize) {
    for i in (0..n).rev() {
        v.push((value >> i) & 1 == 1);
    }
}

/// Dynamic stuffing; `trailing`: also after the last bit. Returns the stuffed bits, the raw
/// index of every input bit and the number of stuff bits.
fn stuff(bits: &[bool], trailing: bool) -> (Vec<bool>, Vec<usize>, u32) {
    let (mut out, mut pos, mut count) = (Vec::new(), Vec::new(), 0);
    let (mut run, mut last) = (0, None);
    for (i, &b) in bits.iter().enumerate() {
        pos.push(out.len());
        out.push(b);
        if Some(b) == last {
            run += 1;
        } else {
            (run, last) = (1, Some(b));
        }
        if run == 5 && (trailing || i + 1 < bits.len()) {
            out.push(!b);
            (run, last) = (1, Some(!b));
            count += 1;
        }
    }
    (out, pos, count)
}

/// Duration class of a bit: nominal, fast, BRS (switches to fast), CRC delimiter (back).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Dur {
    Nominal,
    Fast,
    Brs,
    Back,
}

/// The bits of a frame on the wire from SOF to the last EOF bit.
fn encode(s: &Spec) -> Vec<(bool, Dur)> {
    let mut h = vec![false];
    if s.extended {
        push_bits(&mut h, u64::from(s.id >> 18), 11);
        h.extend([true, true]);
        push_bits(&mut h, u64::from(s.id & 0x3ffff), 18);
    } else {
        push_bits(&mut h, u64::from(s.id), 11);
    }
    let brs_idx = h.len() + 3 + usize::from(!s.extended);
    if s.fd {
        if !s.extended {
            h.push(false); // RRS
            h.push(false); // IDE
        } else {
            h.push(false); // RRS
        }
        h.extend([true, false, s.brs, s.esi]);
    } else {
        h.push(s.rtr);
        if !s.extended {
            h.push(false); // IDE
        } else {
            h.push(false); // r1
        }
        h.push(false); // r0
    }
    push_bits(&mut h, u64::from(s.dlc), 4);
    for &b in &s.data {
        push_bits(&mut h, u64::from(b), 8);
    }
    let mut wire: Vec<(bool, Dur)>;
    if s.fd {
        let (raw, pos, count) = stuff(&h, false);
        let wide = s.data.len() > 16;
        let sbc = crc::stuff_count_bits(count);
        let mut c = crc::Crc::fd(wide);
        raw.iter().for_each(|&b| c.push(b));
        let mut sbc_bits = Vec::new();
        push_bits(&mut sbc_bits, u64::from(sbc), 4);
        sbc_bits.iter().for_each(|&b| c.push(b));
        let n = if wide { 21 } else { 17 };
        let mut field = vec![!raw[raw.len() - 1]];
        field.extend(&sbc_bits);
        field.push(!sbc_bits[3]);
        for k in 0..n {
            if k > 0 && k % 4 == 0 {
                let p = field[field.len() - 1];
                field.push(!p);
            }
            field.push((c.value() >> (n - 1 - k)) & 1 == 1);
        }
        let brs_raw = pos[brs_idx];
        wire = raw
            .iter()
            .chain(&field)
            .enumerate()
            .map(|(i, &b)| {
                let d = match (s.brs, i.cmp(&brs_raw)) {
                    (true, core::cmp::Ordering::Equal) => Dur::Brs,
                    (true, core::cmp::Ordering::Greater) => Dur::Fast,
                    _ => Dur::Nominal,
                };
                (b, d)
            })
            .collect();
        wire.push((true, if s.brs { Dur::Back } else { Dur::Nominal }));
    } else {
        let mut all = h.clone();
        push_bits(&mut all, u64::from(crc::crc15(&h)), 15);
        wire = stuff(&all, true)
            .0
            .into_iter()
            .map(|b| (b, Dur::Nominal))
            .collect();
        wire.push((true, Dur::Nominal));
    }
    wire.push((!s.ack, Dur::Nominal));
    wire.extend([(true, Dur::Nominal); 8]);
    wire
}

/// Timing of the rendered bus.
#[derive(Debug, Clone, Copy)]
struct Bus {
    bwn: f64,
    bwf: f64,
    sp: f64,
}

struct Render {
    t: f64,
    level: bool,
    out: Vec<Transition>,
    seed: u64,
    jitter: f64,
}

impl Render {
    fn new(seed: u64, jitter: f64) -> Self {
        Render {
            t: 0.0,
            level: true,
            out: vec![Transition { at: 0, levels: 1 }],
            seed: seed | 1,
            jitter,
        }
    }

    fn rand(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }

    fn level(&mut self, v: bool, dur: f64) {
        if v != self.level {
            let j = (self.rand() * 2.0 - 1.0) * self.jitter;
            let at = (self.t + j).ceil().max(1.0) as u64;
            self.out.push(Transition {
                at,
                levels: u32::from(v),
            });
            self.level = v;
        }
        self.t += dur;
    }

    fn frame(&mut self, s: &Spec, b: Bus) {
        for (v, d) in encode(s) {
            let (spn, spf) = (b.bwn * b.sp / 100.0, b.bwf * b.sp / 100.0);
            let dur = match d {
                Dur::Nominal => b.bwn,
                Dur::Fast => b.bwf,
                Dur::Brs => spn + (b.bwf - spf),
                Dur::Back => spf + (b.bwn - spn),
            };
            self.level(v, dur);
        }
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<u32>(),
        any::<bool>(),
        any::<bool>(),
        any::<(bool, bool, bool)>(),
        0u8..16,
        proptest::collection::vec(any::<u8>(), 64),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(id, extended, rtr, (fd, brs, esi), dlc, bytes, ack)| {
            let id = if extended {
                id & 0x1fff_ffff
            } else {
                id & 0x7ff
            };
            // Base ids with bits 10..4 all recessive are not allowed.
            let id = if (id >> if extended { 18 } else { 0 }) & 0x7f0 == 0x7f0 {
                id ^ (0x10 << if extended { 18 } else { 0 })
            } else {
                id
            };
            let rtr = rtr && !fd;
            let len = if fd {
                dlc_to_len(dlc)
            } else if rtr {
                0
            } else {
                usize::from(dlc.min(8))
            };
            Spec {
                id,
                extended,
                rtr,
                fd,
                brs: brs && fd,
                esi: esi && fd,
                dlc,
                data: bytes[..len].to_vec(),
                ack,
            }
        })
}

/// Sample rate, config and bus timing: nominal bit of 10..40 samples, fast bit >= 8.
fn setup() -> impl Strategy<Value = (f64, CanConfig, Bus)> {
    (
        10u32..40,
        1u32..5,
        50u32..81,
        prop::sample::select(vec![125_000u32, 500_000, 1_000_000]),
    )
        .prop_filter("fast bit >= 8 samples", |(n, m, _, _)| n / m >= 8)
        .prop_map(|(n, m, sp, nominal)| {
            let samplerate = f64::from(nominal) * f64::from(n);
            let cfg = CanConfig {
                nominal_bitrate: nominal,
                fast_bitrate: nominal * m,
                sample_point: f64::from(sp),
            };
            let bus = Bus {
                bwn: f64::from(n),
                bwf: f64::from(n) / f64::from(m),
                sp: f64::from(sp),
            };
            (samplerate, cfg, bus)
        })
}

fn render(specs: &[Spec], bus: Bus, idle: &[u8], seed: u64, jitter: f64) -> (Vec<Transition>, u64) {
    let mut r = Render::new(seed, jitter * bus.bwf);
    r.t = 5.0 * bus.bwn;
    for (i, s) in specs.iter().enumerate() {
        r.frame(s, bus);
        r.level(true, f64::from(idle.get(i).copied().unwrap_or(0)) * bus.bwn);
    }
    let end = (r.t + 3.0 * bus.bwn) as u64;
    (r.out, end)
}

fn decoder(samplerate: f64, cfg: &CanConfig) -> CanDecoder {
    CanDecoder::try_new(cfg, samplerate, &ROLES).unwrap()
}

fn split_decode(dec: CanDecoder, t: &[Transition], end: u64, cuts: &[usize]) -> Vec<CanFrame> {
    let mut dec = dec;
    let mut out = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (t.len() + 1)).collect();
    cuts.sort_unstable();
    let mut prev = 0;
    for c in cuts {
        dec.push(&t[prev..c], &mut out);
        prev = c;
    }
    dec.push(&t[prev..], &mut out);
    dec.finish(end, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn encoded_frames_decode_exactly(
        (samplerate, cfg, bus) in setup(),
        specs in proptest::collection::vec(spec(), 1..4),
        idle in proptest::collection::vec(3u8..20, 4),
        seed in any::<u64>(),
        jitter in 0.0f64..0.04,
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let (t, end) = render(&specs, bus, &idle, seed, jitter);
        let frames = decode_all(decoder(samplerate, &cfg), &t, end);
        prop_assert_eq!(frames.len(), specs.len(), "{:?}", frames);
        for (f, s) in frames.iter().zip(&specs) {
            let want_kind = if s.rtr { CanFrameKind::Remote } else { CanFrameKind::Data };
            prop_assert_eq!(f.kind, want_kind);
            prop_assert_eq!((f.id, f.extended, f.rtr, f.fd, f.brs, f.esi, f.dlc),
                            (s.id, s.extended, s.rtr, s.fd, s.brs, s.esi, s.dlc));
            prop_assert_eq!(&f.data, &s.data);
            prop_assert!(f.crc_ok, "{:?}", f);
            prop_assert_eq!(f.ack, s.ack);
            let want_errors: Vec<CanError> =
                if s.ack { vec![] } else { vec![CanError::MissingAck] };
            prop_assert_eq!(&f.errors, &want_errors);
            prop_assert!(!f.has_error());
        }
        prop_assert_eq!(split_decode(decoder(samplerate, &cfg), &t, end, &cuts), frames);
    }

    #[test]
    fn garbage_never_panics_and_is_chunk_invariant(
        steps in proptest::collection::vec(1u64..200, 0..300),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        tail in 0u64..500,
    ) {
        let mut t = vec![Transition { at: 0, levels: 1 }];
        for (i, d) in steps.iter().enumerate() {
            let at = t[t.len() - 1].at + d;
            t.push(Transition { at, levels: (i as u32 + 1) & 1 ^ 1 });
        }
        let end = t[t.len() - 1].at + tail + 1;
        let cfg = CanConfig { nominal_bitrate: 500_000, ..CanConfig::default() };
        let whole = decode_all(decoder(8e6, &cfg), &t, end);
        for f in &whole {
            prop_assert!(f.start <= f.end && f.end < end + 16, "{:?}", f);
        }
        prop_assert_eq!(split_decode(decoder(8e6, &cfg), &t, end, &cuts), whole);
    }
}

#[test]
fn golden_chunk_invariance() {
    for case in golden::cases("can") {
        let ch = case.channel("can_rx").unwrap();
        let (t, samples) = case.transitions(&[ch]);
        let make = || decoder(case.samplerate().unwrap() as f64, &config_of(&case));
        let whole = decode_all(make(), &t, samples);
        let ones: Vec<usize> = (1..t.len()).collect();
        assert_eq!(
            split_decode(make(), &t, samples, &ones),
            whole,
            "{}",
            case.name
        );
        let some: Vec<usize> = (0..t.len()).step_by(7).collect();
        assert_eq!(
            split_decode(make(), &t, samples, &some),
            whole,
            "{}",
            case.name
        );
    }
}

// ---------------------------------------------------------------------------------------
// Bad input.

fn classic(id: u32, data: &[u8]) -> Spec {
    Spec {
        id,
        extended: false,
        rtr: false,
        fd: false,
        brs: false,
        esi: false,
        dlc: data.len() as u8,
        data: data.to_vec(),
        ack: true,
    }
}

const BUS: Bus = Bus {
    bwn: 16.0,
    bwf: 8.0,
    sp: 75.0,
};

fn cfg16() -> (f64, CanConfig) {
    let cfg = CanConfig {
        nominal_bitrate: 500_000,
        fast_bitrate: 1_000_000,
        sample_point: 75.0,
    };
    (8e6, cfg)
}

/// Render wire bits (nominal rate) after 5 idle bits, then `idle` recessive bits.
fn wire(bits: &[bool], idle: u32) -> (Vec<Transition>, u64) {
    let mut r = Render::new(1, 0.0);
    r.t = 5.0 * BUS.bwn;
    for &b in bits {
        r.level(b, BUS.bwn);
    }
    r.level(true, f64::from(idle) * BUS.bwn);
    (r.out, r.t as u64)
}

fn bits_of(s: &Spec) -> Vec<bool> {
    encode(s).into_iter().map(|(b, _)| b).collect()
}

fn run(t: &[Transition], end: u64) -> Vec<CanFrame> {
    let (sr, cfg) = cfg16();
    decode_all(decoder(sr, &cfg), t, end)
}

#[test]
fn stuff_error_aborts_and_error_frame_follows() {
    let mut bits = bits_of(&classic(0x123, &[0x55, 0xaa]));
    // An error flag (6 dominant) + delimiter (8 recessive) from bit 25 on.
    bits.truncate(25);
    bits.extend([false; 6]);
    bits.extend([true; 8]);
    let (t, end) = wire(&bits, 5);
    let frames = run(&t, end);
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0].errors, [CanError::StuffError]);
    assert!(frames[0].has_error());
    assert_eq!(frames[1].kind, CanFrameKind::Error);
    assert!(frames[1].has_error());
    assert!(frames[0].end < frames[1].start);
    let kinds: Vec<_> = frames[1].fields.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [CanFieldKind::ErrorFlag, CanFieldKind::ErrorDelimiter]
    );
    // The next frame decodes again.
    let mut bits2 = bits.clone();
    bits2.extend([true; 3]);
    bits2.extend(bits_of(&classic(0x7, &[1])));
    let (t, end) = wire(&bits2, 5);
    let frames = run(&t, end);
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert_eq!((frames[2].id, frames[2].errors.len()), (7, 0));
}

#[test]
fn crc_form_and_ack_errors_are_flagged() {
    let s = classic(0x42, &[1, 2, 3]);
    let good = bits_of(&s);
    let n = good.len();
    // Wire layout from the end: ... CRC delimiter, ACK slot, ACK delimiter, 7 EOF.
    let (crc_delim, ack_slot) = (n - 10, n - 9);
    // Missing ACK: reported but not an error.
    let mut b = good.clone();
    b[ack_slot] = true;
    let (t, end) = wire(&b, 5);
    let f = &run(&t, end)[0];
    assert_eq!((f.ack, f.crc_ok), (false, true));
    assert_eq!(f.errors, [CanError::MissingAck]);
    assert!(!f.has_error());
    // Dominant CRC delimiter: form error.
    let mut b = good.clone();
    b[crc_delim] = false;
    let (t, end) = wire(&b, 5);
    assert!(run(&t, end)[0].errors.contains(&CanError::FormError));
    // A flipped data bit that keeps the stuffing valid: CRC mismatch.
    let s2 = classic(0x42, &[1, 2, 2]);
    let mut b = bits_of(&s2);
    let crc_start = b.len() - 10 - 15;
    b.splice(crc_start.., good[crc_start..].iter().copied());
    let (t, end) = wire(&b, 5);
    let f = &run(&t, end)[0];
    assert_eq!(f.data, [1, 2, 2]);
    assert!(
        !f.crc_ok && f.errors.contains(&CanError::CrcMismatch),
        "{f:?}"
    );
}

#[test]
fn glitch_and_truncation_do_not_panic() {
    // A 2-sample glitch while idle: SOF, then recessive bits -> stuff error, no data.
    let t = [
        Transition { at: 0, levels: 1 },
        Transition { at: 100, levels: 0 },
        Transition { at: 102, levels: 1 },
    ];
    let frames = run(&t, 2000);
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0].errors, [CanError::StuffError]);
    // A frame cut off in its data field.
    let bits = bits_of(&classic(0x100, &[9, 8, 7, 6]));
    let (t, _) = wire(&bits, 0);
    let cut = 5 * 16 + 40 * 16;
    let keep: Vec<_> = t.iter().copied().filter(|x| x.at < cut).collect();
    let frames = run(&keep, cut);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].errors, [CanError::Truncated]);
    assert_eq!(frames[0].id, 0x100);
    assert!(frames[0].end < cut);
    // Every prefix of a capture decodes without panicking.
    let (t, end) = wire(&bits, 5);
    for k in 1..t.len() {
        for e in [t[k].at, t[k].at + 7] {
            let _ = run(&t[..k], e.min(end));
        }
    }
    // Stuck dominant: one long error flag, truncated.
    let t = [Transition { at: 0, levels: 0 }];
    let frames = run(&t, 100_000);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].kind, CanFrameKind::Error);
    assert_eq!(frames[0].errors, [CanError::Truncated]);
}

#[test]
fn config_is_validated() {
    let ok = CanConfig::default();
    assert!(CanDecoder::try_new(&ok, 8e6, &ROLES).is_ok());
    assert!(CanDecoder::try_new(&ok, 3e6, &ROLES).is_err()); // fast bit rate > sr/2
    assert!(CanDecoder::try_new(&ok, 8e6, &[]).is_err());
    assert!(CanDecoder::try_new(&ok, f64::NAN, &ROLES).is_err());
    for sp in [0.0, 100.0, f64::NAN] {
        let c = CanConfig {
            sample_point: sp,
            ..ok.clone()
        };
        assert!(c.validate(8e6).is_err());
    }
    let c = CanConfig {
        nominal_bitrate: 0,
        ..ok.clone()
    };
    assert!(c.validate(8e6).is_err());
    let json = serde_json::to_string(&ok).unwrap();
    assert_eq!(serde_json::from_str::<CanConfig>(&json).unwrap(), ok);
}

#[test]
fn frame_json_shape() {
    let (t, end) = wire(&bits_of(&classic(0x42, &[0xab])), 5);
    let f = &run(&t, end)[0];
    let v = serde_json::to_value(f).unwrap();
    assert_eq!(v["kind"], "data");
    assert_eq!(v["data"], serde_json::json!([0xab]));
    assert!(v.get("errors").is_none());
    assert_eq!(v["fields"][0]["kind"], "sof");
    assert_eq!(serde_json::from_value::<CanFrame>(v).unwrap(), *f);
}

/// Throughput in release: `cargo test --release -p scopekit-core --lib -- --ignored
/// can_throughput --nocapture`. 10 M samples of 500 kbit/s CAN at 10 MSa/s.
#[test]
#[ignore]
fn can_throughput() {
    let bus = Bus {
        bwn: 20.0,
        bwf: 10.0,
        sp: 70.0,
    };
    let cfg = CanConfig {
        nominal_bitrate: 500_000,
        fast_bitrate: 1_000_000,
        sample_point: 70.0,
    };
    let mut r = Render::new(7, 0.02 * bus.bwf);
    let mut i = 0u32;
    while r.t < 10e6 {
        let data: Vec<u8> = (0..8)
            .map(|k| (i.wrapping_mul(31) + k * 17) as u8)
            .collect();
        r.frame(&classic(i & 0x7ff, &data), bus);
        r.level(true, 3.0 * bus.bwn);
        i += 1;
    }
    let end = r.t as u64;
    let t0 = std::time::Instant::now();
    let frames = decode_all(decoder(10e6, &cfg), &r.out, end);
    let dt = t0.elapsed().as_secs_f64();
    std::eprintln!(
        "can: {} samples, {} transitions, {} frames in {:.2} ms: {:.0} MSa/s, {:.1} M transitions/s",
        end,
        r.out.len(),
        frames.len(),
        dt * 1e3,
        end as f64 / dt / 1e6,
        r.out.len() as f64 / dt / 1e6
    );
    assert_eq!(frames.len(), i as usize);
}
