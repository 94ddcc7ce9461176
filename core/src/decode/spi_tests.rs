use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::decode::golden;
use crate::logic::decode_all;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Transitions from `(at, levels)` pairs (test data is written already deduplicated).
pub(super) fn tr(pairs: &[(u64, u32)]) -> Vec<Transition> {
    pairs
        .iter()
        .map(|&(at, levels)| Transition { at, levels })
        .collect()
}

/// Decode `transitions` pushed in pieces cut at `cuts` (indices into the slice).
pub(super) fn decode_split(
    config: &SpiConfig,
    present: [bool; 4],
    transitions: &[Transition],
    cuts: &[usize],
    end: u64,
) -> Vec<SpiFrame> {
    let mut d = SpiDecoder::try_new(config, present).unwrap();
    let mut out = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(transitions.len())).collect();
    cuts.sort_unstable();
    let mut last = 0;
    for c in cuts.into_iter().chain(core::iter::once(transitions.len())) {
        d.push(&transitions[last..c], &mut out);
        last = c;
    }
    d.finish(end, &mut out);
    out
}

pub(super) fn decode(
    config: &SpiConfig,
    present: [bool; 4],
    transitions: &[Transition],
    end: u64,
) -> Vec<SpiFrame> {
    decode_all(
        SpiDecoder::try_new(config, present).unwrap(),
        transitions,
        end,
    )
}

/// Every frame is well formed: start <= end, lines as present, `bits` only with errors.
pub(super) fn assert_sane(frames: &[SpiFrame], present: [bool; 4], wordsize: u32) {
    for f in frames {
        assert!(f.start <= f.end, "{f:?}");
        assert_eq!(f.miso.is_some(), present[1]);
        assert_eq!(f.mosi.is_some(), present[2]);
        assert_eq!(f.bits.is_some(), f.has_error());
        if let Some(b) = f.bits {
            assert!(b >= 1 && b < wordsize, "{f:?}");
        }
        if !present[3] {
            assert_eq!(f.transfer, 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Golden: sigrok-cli's mosi-data / miso-data annotations and binary output

fn config_of(case: &golden::Case) -> SpiConfig {
    let config: SpiConfig = serde_json::from_value(case.json["options"].clone()).unwrap();
    config.validate().unwrap();
    // The same, option by option.
    let num = |k| case.option(k).and_then(|v| v.as_u64()).unwrap();
    let text = |k| case.option(k).and_then(|v| v.as_str()).unwrap();
    assert_eq!(u64::from(config.cpol), num("cpol"));
    assert_eq!(u64::from(config.cpha), num("cpha"));
    assert_eq!(u64::from(config.wordsize), num("wordsize"));
    assert_eq!(
        config.cs_polarity == CsPolarity::ActiveLow,
        text("cs_polarity") == "active-low"
    );
    assert_eq!(
        config.bitorder == BitOrder::MsbFirst,
        text("bitorder") == "msb-first"
    );
    config
}

fn run_golden(name: &str) {
    let case = golden::cases("spi")
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no spi case {name}"));
    let config = config_of(&case);
    let present = ROLES.map(|r| case.channel(r).is_some());
    let channels: Vec<usize> = ROLES.iter().filter_map(|r| case.channel(r)).collect();
    let (transitions, samples) = case.transitions(&channels);
    let frames = decode(&config, present, &transitions, samples);
    assert_sane(&frames, present, config.wordsize);

    // sigrok drops words cut short; we flag them. The good frames are sigrok's words.
    let good: Vec<&SpiFrame> = frames.iter().filter(|f| f.errors.is_empty()).collect();
    let mut ours: Vec<(u64, u64, &str, String)> = Vec::new();
    for f in &good {
        if let Some(w) = &f.miso {
            ours.push((f.start, f.end, "miso-data", w.hex()));
        }
        if let Some(w) = &f.mosi {
            ours.push((f.start, f.end, "mosi-data", w.hex()));
        }
    }
    let theirs: Vec<(u64, u64, String, String)> = case
        .annotations()
        .into_iter()
        .map(|a| (a.start, a.end, a.class, a.texts[0].clone()))
        .collect();
    assert_eq!(ours.len(), theirs.len(), "{name}: annotation count");
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(
            (o.0, o.1, o.2, o.3.as_str()),
            (t.0, t.1, t.2.as_str(), t.3.as_str()),
            "{name}: annotation {i}"
        );
    }

    // sigrok's binary output: (wordsize + 7) / 8 big-endian bytes per word.
    for (line, path) in case.json["expected"]["binary"].as_object().unwrap() {
        let expected = std::fs::read(golden::root().join(path.as_str().unwrap())).unwrap();
        let mut bytes = Vec::new();
        for f in &good {
            let w = if line == "mosi" { &f.mosi } else { &f.miso };
            bytes.extend(w.as_ref().unwrap().to_bytes(config.wordsize));
        }
        assert_eq!(bytes, expected, "{name}: binary {line}");
    }

    // Transfers count up from 0 and never go back.
    let mut last = 0;
    for f in &frames {
        assert!(f.transfer >= last);
        last = f.transfer;
    }
    let cut: Vec<_> = frames.iter().filter(|f| !f.errors.is_empty()).collect();
    std::eprintln!(
        "{name}: {} words in {} transfers over {:.3} s, {} cut short {cut:?}",
        good.len(),
        frames.last().map_or(0, |f| f.transfer + 1),
        samples as f64 / case.samplerate().unwrap() as f64,
        cut.len()
    );
}

#[test]
fn golden_152bit_spi() {
    run_golden("152bit_spi");
}

#[test]
fn golden_16bit_spi() {
    run_golden("16bit_spi");
}

#[test]
fn golden_atmega32_00() {
    run_golden("atmega32_00");
}

#[test]
fn golden_cc1101_burst_read() {
    run_golden("cc1101-burst-read");
}

#[test]
fn golden_enc28j60_init_and_ping() {
    run_golden("enc28j60_init_and_ping");
}

#[test]
fn golden_max7219() {
    run_golden("max7219");
}

#[test]
fn golden_mx25l1605d_read() {
    run_golden("mx25l1605d_read");
}

#[test]
fn golden_mx25l1605d_write() {
    run_golden("mx25l1605d_write");
}

#[test]
fn every_golden_case_has_a_test() {
    let names: Vec<String> = golden::cases("spi").into_iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "152bit_spi",
            "16bit_spi",
            "atmega32_00",
            "cc1101-burst-read",
            "enc28j60_init_and_ping",
            "max7219",
            "mx25l1605d_read",
            "mx25l1605d_write"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// sigrok's edge rules, one by one (lines: clk, mosi, cs). The values and spans of these tests
// were checked with sigrok-cli 0.7.2 on the same samples written as raw binary logic.

pub(super) const CLK_MOSI_CS: [bool; 4] = [true, false, true, true];
pub(super) const CLK: u32 = 1;
pub(super) const MOSI: u32 = 2;
pub(super) const CS: u32 = 4;

pub(super) fn mode0_ws(ws: u32) -> SpiConfig {
    SpiConfig {
        wordsize: ws,
        ..SpiConfig::default()
    }
}

#[test]
fn word_spans_first_edge_to_last_plus_last_period() {
    // Rising edges at 10, 14, 20, 30 (ws 4): start 10, end 30 + (30 - 20).
    let t = tr(&[
        (0, CS),
        (5, MOSI),
        (10, MOSI | CLK),
        (12, MOSI),
        (14, MOSI | CLK),
        (16, 0),
        (20, CLK),
        (25, 0),
        (26, MOSI),
        (30, MOSI | CLK),
        (33, MOSI),
        (40, MOSI | CS),
    ]);
    let f = decode(&mode0_ws(4), CLK_MOSI_CS, &t, 50);
    assert_eq!(
        f,
        [SpiFrame {
            start: 10,
            end: 40,
            mosi: Some(SpiWord::Int(0b1101)),
            miso: None,
            transfer: 0,
            bits: None,
            errors: vec![],
        }]
    );
}

#[test]
fn one_bit_words_end_where_they_start() {
    let t = tr(&[(0, 0), (3, CLK), (4, 0), (6, CLK | MOSI), (9, 0)]);
    let f = decode(&mode0_ws(1), CLK_MOSI_CS, &t, 10);
    let spans: Vec<_> = f.iter().map(|f| (f.span(), f.mosi.clone())).collect();
    assert_eq!(
        spans,
        [
            ((3, 3), Some(SpiWord::Int(0))),
            ((6, 6), Some(SpiWord::Int(1)))
        ]
    );
}

#[test]
fn clock_high_at_the_first_sample_is_not_an_edge() {
    // No CS: the clock is high at sample 0 (not sampled), then two rising edges.
    let t = tr(&[(0, CLK | MOSI), (2, 0), (4, CLK), (6, 0), (8, CLK | MOSI)]);
    let f = decode(&mode0_ws(2), [true, false, true, false], &t, 10);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].start, f[0].end), (4, 12));
    assert_eq!(f[0].mosi, Some(SpiWord::Int(0b01)));
}

#[test]
fn cs_and_clock_at_the_same_sample() {
    // CS asserts together with a rising edge: that edge is a bit. CS deasserts together
    // with a rising edge: that edge is not a bit, and the partial word is flagged.
    let t = tr(&[
        (0, CS),
        (5, CLK | MOSI),
        (6, 0),
        (8, CLK),
        (9, 0),
        (11, CLK),
        (12, 0),
        (14, CLK | CS),
        (15, CS),
        (20, 0),
    ]);
    let f = decode(&mode0_ws(2), CLK_MOSI_CS, &t, 30);
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].start, f[0].end, f[0].mosi.clone()),
        (5, 11, Some(SpiWord::Int(0b10)))
    );
    assert_eq!(f[1].errors, [SpiError::CsDeasserted]);
    assert_eq!((f[1].start, f[1].end, f[1].bits), (11, 14, Some(1)));
    assert_eq!(f[1].transfer, 0);
}

#[test]
fn clock_edges_while_deselected_are_ignored_and_transfers_count() {
    let mut pairs = vec![(0, CS)];
    let mut t = 1;
    // Two edges while deselected, a 2-bit word, deselect, another word.
    for _ in 0..2 {
        pairs.push((t, CS | CLK));
        pairs.push((t + 1, CS));
        t += 2;
    }
    for _ in 0..2 {
        pairs.push((t, 0));
        pairs.push((t + 1, CLK | MOSI));
        pairs.push((t + 2, 0));
        pairs.push((t + 3, CLK));
        pairs.push((t + 4, 0));
        pairs.push((t + 5, CS));
        t += 6;
    }
    let f = decode(&mode0_ws(2), CLK_MOSI_CS, &tr(&pairs), t + 1);
    let got: Vec<_> = f.iter().map(|f| (f.transfer, f.mosi.clone())).collect();
    assert_eq!(
        got,
        [(0, Some(SpiWord::Int(2))), (1, Some(SpiWord::Int(2)))]
    );
}

#[test]
fn active_high_cs_and_lsb_first() {
    let config = SpiConfig {
        cs_polarity: CsPolarity::ActiveHigh,
        bitorder: BitOrder::LsbFirst,
        wordsize: 3,
        ..SpiConfig::default()
    };
    let t = tr(&[
        (0, 0),
        (1, CS | MOSI),
        (2, CS | MOSI | CLK),
        (3, CS),
        (4, CS | CLK),
        (5, CS),
        (6, CS | CLK),
        (7, CS),
        (9, 0),
    ]);
    let f = decode(&config, CLK_MOSI_CS, &t, 10);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].mosi, Some(SpiWord::Int(0b001)));
}

#[test]
fn all_modes_sample_on_their_edge() {
    // Modes 0 and 3 sample on rising CLK, 1 and 2 on falling. MOSI is high only around the
    // rising edges, low around the falling ones.
    let t = tr(&[
        (0, 0),
        (1, MOSI),
        (2, MOSI | CLK),
        (3, CLK),
        (4, 0),
        (5, MOSI),
        (6, MOSI | CLK),
        (7, CLK),
        (8, 0),
    ]);
    for (cpol, cpha, want) in [(0, 0, 3), (0, 1, 0), (1, 0, 0), (1, 1, 3)] {
        let config = SpiConfig {
            cpol,
            cpha,
            wordsize: 2,
            ..SpiConfig::default()
        };
        let f = decode(&config, [true, false, true, false], &t, 9);
        assert_eq!(f.len(), 1, "mode {}", config.mode());
        assert_eq!(
            f[0].mosi,
            Some(SpiWord::Int(want)),
            "mode {}",
            config.mode()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Config, values, JSON

#[test]
fn config_validation() {
    assert!(SpiConfig::default().validate().is_ok());
    for bad in [
        SpiConfig {
            cpol: 2,
            ..SpiConfig::default()
        },
        SpiConfig {
            cpha: 7,
            ..SpiConfig::default()
        },
        SpiConfig {
            wordsize: 0,
            ..SpiConfig::default()
        },
        SpiConfig {
            wordsize: MAX_WORDSIZE + 1,
            ..SpiConfig::default()
        },
    ] {
        assert!(matches!(bad.validate(), Err(Error::Config(_))), "{bad:?}");
        assert!(SpiDecoder::try_new(&bad, [true; 4]).is_err());
    }
    let ok = SpiConfig::default();
    assert!(SpiDecoder::try_new(&ok, [false, true, true, true]).is_err());
    assert!(SpiDecoder::try_new(&ok, [true, false, false, true]).is_err());
    assert!(SpiDecoder::try_new(&ok, [true, true, false, false]).is_ok());
}

#[test]
fn config_json_uses_sigrok_names_and_values() {
    let c: SpiConfig = serde_json::from_str(
        r#"{"cs_polarity":"active-high","cpol":1,"cpha":0,"bitorder":"lsb-first","wordsize":152}"#,
    )
    .unwrap();
    assert_eq!(c.cs_polarity, CsPolarity::ActiveHigh);
    assert_eq!(c.bitorder, BitOrder::LsbFirst);
    assert_eq!((c.mode(), c.wordsize), (2, 152));
    let d: SpiConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(d, SpiConfig::default());
}

#[test]
fn frame_json() {
    let f = SpiFrame {
        start: 1,
        end: 9,
        mosi: Some(SpiWord::Int(0xA5)),
        miso: None,
        transfer: 3,
        bits: None,
        errors: vec![],
    };
    let j = serde_json::to_string(&f).unwrap();
    assert_eq!(j, r#"{"start":1,"end":9,"mosi":165,"transfer":3}"#);
    assert_eq!(serde_json::from_str::<SpiFrame>(&j).unwrap(), f);

    let g = SpiFrame {
        miso: Some(SpiWord::Wide(vec![0x00, 0x1F, 0xA0])),
        bits: Some(5),
        errors: vec![SpiError::CsDeasserted],
        ..f
    };
    let j = serde_json::to_string(&g).unwrap();
    assert_eq!(
        j,
        r#"{"start":1,"end":9,"mosi":165,"miso":"001FA0","transfer":3,"bits":5,"errors":["cs_deasserted"]}"#
    );
    assert_eq!(serde_json::from_str::<SpiFrame>(&j).unwrap(), g);
    assert!(serde_json::from_str::<SpiWord>(r#""0G""#).is_err());
    assert!(serde_json::from_str::<SpiWord>(r#""ABC""#).is_err());
    assert!(serde_json::from_str::<SpiWord>("-1").is_err());
}

#[test]
fn word_text_and_bytes_like_sigrok() {
    assert_eq!(SpiWord::Int(5).hex(), "05");
    assert_eq!(SpiWord::Int(0x500).hex(), "500");
    assert_eq!(SpiWord::Wide(vec![0, 0, 0]).hex(), "00");
    assert_eq!(SpiWord::Wide(vec![0, 0x0B, 0xB1]).hex(), "BB1");
    assert_eq!(SpiWord::Int(0x500).to_bytes(16), [0x05, 0x00]);
    assert_eq!(SpiWord::Int(0x1F).to_bytes(5), [0x1F]);
    assert_eq!(SpiWord::Int(1).to_bytes(72), [0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(SpiWord::Wide(vec![1, 2]).to_bytes(16), [1, 2]);
}
