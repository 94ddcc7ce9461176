use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::*;
use crate::decode::golden;
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
                    v.push((x.start, x.end, "ext-id".into(), format!(
                        "Extended Identifier: {val} (0x{val:x})"
                    )));
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
                    let t = match (f.fd, dlc_to_len(f.dlc) < 16) {
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
    let dec = CanDecoder::try_new(&config_of(case), case.samplerate().unwrap() as f64, &ROLES)
        .unwrap();
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
