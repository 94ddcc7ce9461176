//! `scopekit decode` end to end on every UART, SPI, I2C and CAN capture of
//! `shared/data/sigrok`: roles wired by channel name, sigrok's options given as CLI flags,
//! and the JSON frames compared with sigrok-cli's annotations (start, end, value).

use std::path::PathBuf;

use scopekit_tests::{repo, scopekit};
use serde_json::Value;

fn sigrok_dir() -> PathBuf {
    repo().join("../shared/data/sigrok")
}

fn cases(protocol: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(sigrok_dir().join("cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .filter(|c| c["protocol"] == protocol)
        .cloned()
        .collect()
}

/// (start, end, class, texts) of sigrok-cli's annotation lines.
fn annotations(case: &Value) -> Vec<(u64, u64, String, Vec<String>)> {
    let path = sigrok_dir().join(case["expected"]["annotations"].as_str().unwrap());
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (range, rest) = l.split_once(' ').unwrap();
            let (s, e) = range.split_once('-').unwrap();
            let (_, rest) = rest.split_once(": ").unwrap();
            let (class, rest) = rest.split_once(": ").unwrap();
            let texts = rest
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            (
                s.parse().unwrap(),
                e.parse().unwrap(),
                class.to_string(),
                texts,
            )
        })
        .collect()
}

fn opt(case: &Value, key: &str) -> String {
    match &case["options"][key] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Decode one case through the CLI and return the frames.
fn decode(protocol: &str, case: &Value) -> Vec<Value> {
    let input = sigrok_dir().join(case["input"].as_str().unwrap());
    let mut args: Vec<String> = vec![
        "decode".into(),
        protocol.into(),
        input.to_str().unwrap().into(),
        "--json".into(),
    ];
    for (role, name) in case["channels"].as_object().unwrap() {
        let flag = if role == "can_rx" { "can" } else { role };
        args.push(format!("--{flag}"));
        args.push(name.as_str().unwrap().into());
    }
    let flags: &[(&str, &str)] = match protocol {
        "uart" => &[
            ("baudrate", "baudrate"),
            ("data_bits", "data-bits"),
            ("parity", "parity"),
            ("stop_bits", "stop-bits"),
            ("bit_order", "bit-order"),
        ],
        "spi" => &[
            ("cpol", "cpol"),
            ("cpha", "cpha"),
            ("cs_polarity", "cs-polarity"),
            ("bitorder", "bit-order"),
            ("wordsize", "word-size"),
        ],
        "i2c" => &[("address_format", "address-format")],
        _ => &[
            ("nominal_bitrate", "bitrate"),
            ("fast_bitrate", "fast-bitrate"),
            ("sample_point", "sample-point"),
        ],
    };
    for (key, flag) in flags {
        args.push(format!("--{flag}"));
        args.push(opt(case, key));
    }
    for inv in ["invert_rx", "invert_tx"] {
        if case["options"][inv] == "yes" {
            args.push(format!("--{}", inv.replace('_', "-")));
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = scopekit(&refs);
    assert!(
        out.status.success(),
        "{}: {}",
        case["name"],
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["protocol"], protocol);
    assert_eq!(
        doc["stats"]["frames"].as_u64().unwrap() as usize,
        doc["frames"].as_array().unwrap().len()
    );
    doc["frames"].as_array().unwrap().clone()
}

/// Hex text without leading zeros, upper case.
fn hex_norm(s: &str) -> String {
    let t = s.trim_start_matches('0').to_uppercase();
    if t.is_empty() {
        "0".into()
    } else {
        t
    }
}

fn word_hex(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("{:X}", n.as_u64().unwrap()),
        Value::String(s) => hex_norm(s),
        _ => panic!("word {v}"),
    }
}

#[test]
fn uart_frames_equal_sigrok() {
    for case in cases("uart") {
        let frames = decode("uart", &case);
        for lane in ["rx", "tx"] {
            let want: Vec<(u64, u64)> = annotations(&case)
                .into_iter()
                .filter(|a| a.2 == format!("{lane}-data"))
                .map(|a| (a.0, a.1))
                .collect();
            let ours: Vec<&Value> = frames
                .iter()
                .filter(|f| f["channel"] == lane)
                .filter(|f| {
                    !f["errors"].as_array().is_some_and(|e| {
                        e.iter()
                            .any(|e| e == "break" || e == "glitch" || e == "truncated")
                    })
                })
                .collect();
            let got: Vec<(u64, u64)> = ours
                .iter()
                .map(|f| (f["start"].as_u64().unwrap(), f["end"].as_u64().unwrap()))
                .collect();
            assert_eq!(got, want, "{} {lane}", case["name"]);
            if let Some(bin) = case["expected"]["binary"][lane].as_str() {
                let bytes = std::fs::read(sigrok_dir().join(bin)).unwrap();
                let values: Vec<u64> = if case["options"]["data_bits"].as_u64().unwrap() > 8 {
                    bytes
                        .chunks(2)
                        .map(|c| u64::from(u16::from_be_bytes([c[0], c[1]])))
                        .collect()
                } else {
                    bytes.iter().map(|&b| u64::from(b)).collect()
                };
                let got: Vec<u64> = ours.iter().map(|f| f["value"].as_u64().unwrap()).collect();
                assert_eq!(got, values, "{} {lane} values", case["name"]);
            }
        }
    }
}

#[test]
fn spi_words_equal_sigrok() {
    for case in cases("spi") {
        let frames = decode("spi", &case);
        for line in ["mosi", "miso"] {
            let want: Vec<(u64, u64, String)> = annotations(&case)
                .into_iter()
                .filter(|a| a.2 == format!("{line}-data"))
                .map(|a| (a.0, a.1, hex_norm(&a.3[0])))
                .collect();
            let got: Vec<(u64, u64, String)> = frames
                .iter()
                .filter(|f| f.get("errors").is_none() && !f[line].is_null())
                .map(|f| {
                    (
                        f["start"].as_u64().unwrap(),
                        f["end"].as_u64().unwrap(),
                        word_hex(&f[line]),
                    )
                })
                .collect();
            assert_eq!(got, want, "{} {line}", case["name"]);
        }
    }
}

#[test]
fn i2c_events_equal_sigrok() {
    for case in cases("i2c") {
        let frames = decode("i2c", &case);
        let want: Vec<(u64, u64, String, String)> = annotations(&case)
            .into_iter()
            .filter_map(|a| match a.2.as_str() {
                "start" | "stop" | "ack" | "nack" => Some((a.0, a.1, a.2.clone(), String::new())),
                "repeat-start" => Some((a.0, a.1, "restart".into(), String::new())),
                c if (c.starts_with("address-") && a.3[0].starts_with("Address"))
                    || c.starts_with("data-") =>
                {
                    let kind = if c.starts_with("address") {
                        "address"
                    } else {
                        "data"
                    };
                    let rw = if c.ends_with("read") { "read" } else { "write" };
                    Some((a.0, a.1, format!("{kind}-{rw}"), hex_norm(&a.3[2])))
                }
                _ => None,
            })
            .collect();
        let mut want = want;
        want.sort();
        let mut got: Vec<(u64, u64, String, String)> = frames
            .iter()
            .map(|f| {
                let ev = f["event"].as_str().unwrap();
                let (class, value) = match ev {
                    "address" | "data" => (
                        format!("{ev}-{}", f["rw"].as_str().unwrap()),
                        format!("{:X}", f["value"].as_u64().unwrap()),
                    ),
                    _ => (ev.to_string(), String::new()),
                };
                (
                    f["start"].as_u64().unwrap(),
                    f["end"].as_u64().unwrap(),
                    class,
                    value,
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, want, "{}", case["name"]);
    }
}

#[test]
fn can_ids_and_data_equal_sigrok() {
    for case in cases("can") {
        let frames = decode("can", &case);
        let anns = annotations(&case);
        let want_data: Vec<(u64, u64, u64)> = anns
            .iter()
            .filter(|a| a.2 == "data")
            .map(|a| {
                (
                    a.0,
                    a.1,
                    u64::from_str_radix(a.3[0].rsplit("0x").next().unwrap(), 16).unwrap(),
                )
            })
            .collect();
        let mut got_data = Vec::new();
        for f in &frames {
            let bytes = f["data"].as_array().unwrap();
            let fields: Vec<&Value> = f["fields"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["kind"] == "data")
                .collect();
            assert_eq!(fields.len(), bytes.len(), "{}", case["name"]);
            for (field, b) in fields.iter().zip(bytes) {
                got_data.push((
                    field["start"].as_u64().unwrap(),
                    field["end"].as_u64().unwrap(),
                    b.as_u64().unwrap(),
                ));
            }
            assert_eq!(f["crc_ok"], true, "{}", case["name"]);
        }
        assert_eq!(got_data, want_data, "{} data bytes", case["name"]);
        let sofs = anns.iter().filter(|a| a.2 == "sof").count();
        assert_eq!(frames.len(), sofs, "{} frames", case["name"]);
    }
}

#[test]
fn decode_errors_are_clear() {
    let sr = sigrok_dir().join("uart/hello_world_8n1_115200/hello_world_8n1_115200.sr");
    let sr = sr.to_str().unwrap();
    let out = scopekit(&["decode", "uart", sr, "--rx", "NOPE"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no channel 'NOPE'"));
    let out = scopekit(&["decode", "uart", sr]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rx"));
    let out = scopekit(&["decode", "uart", sr, "--tx", "TX", "--parity", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown variant `sometimes`, expected one of `none`, `odd`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = scopekit(&["decode", "uart", sr, "--tx", "TX", "--baudrate", "900000"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
