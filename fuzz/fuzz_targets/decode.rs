//! The protocol decoders and the analog input stage: arbitrary bytes as a transition
//! stream for each protocol (with settings from the flags), decoded whole and one
//! transition per push — the frames must be equal; and arbitrary files decoded through
//! the readers and the comparators (`DecodeJob`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::decode::{DecodeJob, Levels, ProtocolConfig, Wire};
use scopekit_core::logic::{decode_all, Decode, Transition};
use scopekit_fuzz::Input;

/// Protocol settings chosen by `flags` (sample rate 1 MHz).
fn config(flags: u8) -> (ProtocolConfig, &'static [&'static str]) {
    let json = match flags & 3 {
        0 => format!(
            r#"{{"protocol":"uart","baudrate":{},"data_bits":{},"parity":"{}","auto_baud":{}}}"#,
            [9600, 115_200, 250_000, 1200][usize::from((flags >> 2) & 3)],
            5 + (flags >> 4) % 5,
            ["none", "odd", "even", "mark"][usize::from(flags >> 6)],
            flags & 0x20 != 0
        ),
        1 => format!(
            r#"{{"protocol":"spi","cpol":{},"cpha":{},"wordsize":{}}}"#,
            (flags >> 2) & 1,
            (flags >> 3) & 1,
            [8, 16, 4, 100][usize::from(flags >> 6)]
        ),
        2 => r#"{"protocol":"i2c"}"#.to_string(),
        _ => format!(
            r#"{{"protocol":"can","nominal_bitrate":{},"fast_bitrate":{}}}"#,
            [125_000, 250_000, 500_000, 50_000][usize::from((flags >> 2) & 3)],
            [250_000, 500_000][usize::from((flags >> 4) & 1)]
        ),
    };
    let roles: &[&str] = match flags & 3 {
        0 => &["rx", "tx"],
        1 => &["clk", "miso", "mosi", "cs"],
        2 => &["scl", "sda"],
        _ => &["can_rx"],
    };
    (serde_json::from_str(&json).expect("valid settings"), roles)
}

/// Two bytes per transition: a gap of 1..=256 samples and the new levels.
fn transitions(bytes: &[u8]) -> (Vec<Transition>, u64) {
    let mut out = vec![Transition { at: 0, levels: 0 }];
    let mut at = 0u64;
    for pair in bytes.chunks_exact(2) {
        at += 1 + u64::from(pair[0]);
        let levels = u32::from(pair[1] & 0xf);
        if out.last().is_some_and(|t| t.levels != levels) {
            out.push(Transition { at, levels });
        }
    }
    (out, at + 1)
}

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let (config, roles) = config(input.flags);
    let Ok(decoder) = config.decoder(Some(1e6), roles) else {
        return;
    };
    let (t, end) = transitions(input.file);
    let whole = decode_all(decoder, &t, end);
    let Ok(mut one) = config.decoder(Some(1e6), roles) else {
        return;
    };
    let mut frames = Vec::new();
    for x in &t {
        one.push(std::slice::from_ref(x), &mut frames);
    }
    one.finish(end, &mut frames);
    assert_eq!(whole, frames, "chunking changed the frames");

    // The same settings over the file read as a capture, through the comparators.
    let wires: Vec<Wire> = roles
        .iter()
        .enumerate()
        .map(|(channel, r)| Wire {
            role: (*r).to_string(),
            channel: channel % 2,
            name: None,
        })
        .collect();
    let levels = Levels {
        threshold: (input.extra & 1 == 0).then_some(0.5),
        hysteresis: Some(f64::from(input.extra >> 4) / 16.0),
    };
    let Ok(mut job) = DecodeJob::new(input.len(), &config, &wires, Some(1e6), levels) else {
        return;
    };
    for piece in input.pieces() {
        if job.push(piece).is_err() {
            return;
        }
        let _ = job.take_frames();
    }
    let _ = job.finish();
});
