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

/// One annotation: (start, end, class, texts).
type Annotation = (u64, u64, String, Vec<String>);

/// sigrok-cli's annotations of a golden case.
fn annotations(case: &Value) -> Vec<Annotation> {
    let path = sigrok_dir().join(case["expected"]["annotations"].as_str().unwrap());
    parse_annotations(&std::fs::read_to_string(path).unwrap())
}

/// Parse sigrok-cli's `--protocol-decoder-samplenum` output.
fn parse_annotations(text: &str) -> Vec<Annotation> {
    text.lines()
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

/// UART data frames of `lane` against sigrok's `<lane>-data` annotations (start, end) and,
/// when given, the values.
fn check_uart(
    frames: &[Value],
    anns: &[Annotation],
    lane: &str,
    values: Option<Vec<u64>>,
    what: &str,
) {
    let want: Vec<(u64, u64)> = anns
        .iter()
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
    assert_eq!(got, want, "{what} {lane}");
    if let Some(values) = values {
        let got: Vec<u64> = ours.iter().map(|f| f["value"].as_u64().unwrap()).collect();
        assert_eq!(got, values, "{what} {lane} values");
    }
}

/// SPI words against sigrok's `mosi-data` / `miso-data` annotations.
fn check_spi(frames: &[Value], anns: &[Annotation], what: &str) {
    for line in ["mosi", "miso"] {
        let want: Vec<(u64, u64, String)> = anns
            .iter()
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
        assert_eq!(got, want, "{what} {line}");
    }
}

/// I2C events against sigrok's start, repeat-start, stop, ack, nack, address and data
/// annotations.
fn check_i2c(frames: &[Value], anns: &[Annotation], what: &str) {
    let mut want: Vec<(u64, u64, String, String)> = anns
        .iter()
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
    assert_eq!(got, want, "{what}");
}

/// CAN frames against sigrok's `sof` (one per frame) and `data` byte annotations.
fn check_can(frames: &[Value], anns: &[Annotation], what: &str) {
    let want_data: Vec<(u64, u64, u64)> = anns
        .iter()
        .filter(|a| a.2 == "data")
        .map(|a| {
            let hex = a.3[0].rsplit("0x").next().unwrap();
            (a.0, a.1, u64::from_str_radix(hex, 16).unwrap())
        })
        .collect();
    let mut got_data = Vec::new();
    for f in frames {
        let bytes = f["data"].as_array().unwrap();
        let fields: Vec<&Value> = f["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["kind"] == "data")
            .collect();
        assert_eq!(fields.len(), bytes.len(), "{what}");
        for (field, b) in fields.iter().zip(bytes) {
            got_data.push((
                field["start"].as_u64().unwrap(),
                field["end"].as_u64().unwrap(),
                b.as_u64().unwrap(),
            ));
        }
        assert_eq!(f["crc_ok"], true, "{what}");
    }
    assert_eq!(got_data, want_data, "{what} data bytes");
    let sofs = anns.iter().filter(|a| a.2 == "sof").count();
    assert_eq!(frames.len(), sofs, "{what} frames");
}

#[test]
fn uart_frames_equal_sigrok() {
    for case in cases("uart") {
        let frames = decode("uart", &case);
        let anns = annotations(&case);
        for lane in ["rx", "tx"] {
            let values = case["expected"]["binary"][lane].as_str().map(|bin| {
                let bytes = std::fs::read(sigrok_dir().join(bin)).unwrap();
                if case["options"]["data_bits"].as_u64().unwrap() > 8 {
                    bytes
                        .chunks(2)
                        .map(|c| u64::from(u16::from_be_bytes([c[0], c[1]])))
                        .collect()
                } else {
                    bytes.iter().map(|&b| u64::from(b)).collect()
                }
            });
            check_uart(&frames, &anns, lane, values, case["name"].as_str().unwrap());
        }
    }
}

#[test]
fn spi_words_equal_sigrok() {
    for case in cases("spi") {
        check_spi(
            &decode("spi", &case),
            &annotations(&case),
            case["name"].as_str().unwrap(),
        );
    }
}

#[test]
fn i2c_events_equal_sigrok() {
    for case in cases("i2c") {
        check_i2c(
            &decode("i2c", &case),
            &annotations(&case),
            case["name"].as_str().unwrap(),
        );
    }
}

#[test]
fn can_ids_and_data_equal_sigrok() {
    for case in cases("can") {
        check_can(
            &decode("can", &case),
            &annotations(&case),
            case["name"].as_str().unwrap(),
        );
    }
}

/// Run a command and return its stdout as text.
fn run(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (scripts/setup.sh installs it)"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// sigrok-cli itself as the oracle: captures generated by benches/gen_bus.py (random
/// payloads, gaps, 10 MSa/s) decoded by sigrok-cli and by scopekit — logic (.sr) must give
/// sigrok's annotations exactly; the analog twin (noisy, slow edges, float32 NPY) the same
/// values.
#[test]
fn generated_buses_equal_sigrok_cli() {
    let dir = scopekit_tests::TempDir::new("decode-oracle");
    let d = dir.path("");
    let d = d.to_str().unwrap();
    run(
        "python3",
        &[
            repo().join("benches/gen_bus.py").to_str().unwrap(),
            d,
            "400000",
        ],
    );
    let file = |name: &str| dir.path(name).to_str().unwrap().to_string();
    let sigrok = |input: &str, pd: &str, ann: &str| {
        parse_annotations(&run(
            "sigrok-cli",
            &[
                "-l",
                "4",
                "-i",
                input,
                "-P",
                pd,
                "-A",
                ann,
                "--protocol-decoder-samplenum",
            ],
        ))
    };
    let ours = |args: &[&str]| -> Vec<Value> {
        let out = scopekit(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["frames"].as_array().unwrap().clone()
    };
    let values = |frames: &[Value]| -> Vec<Value> {
        frames
            .iter()
            .map(|f| {
                let mut f = f.as_object().unwrap().clone();
                for k in ["start", "end", "time", "frame_start", "fields"] {
                    f.remove(k);
                }
                Value::Object(f)
            })
            .collect()
    };
    let rate = ["--rate", "10000000"];

    let (sr, npy) = (file("uart.sr"), file("uart.npy"));
    let anns = sigrok(&sr, "uart:tx=tx:baudrate=115200:format=hex", "uart=tx-data");
    let logic = ours(&["decode", "uart", &sr, "--tx", "tx", "--json"]);
    assert!(logic.len() > 300);
    check_uart(&logic, &anns, "tx", None, "generated uart");
    let analog = ours(&[
        "decode", "uart", &npy, "--tx", "0", "--json", rate[0], rate[1],
    ]);
    assert_eq!(values(&analog), values(&logic), "analog uart");

    let (sr, npy) = (file("spi.sr"), file("spi.npy"));
    let anns = sigrok(
        &sr,
        "spi:clk=clk:miso=miso:mosi=mosi:cs=cs",
        "spi=mosi-data:miso-data",
    );
    let logic = ours(&[
        "decode", "spi", &sr, "--clk", "clk", "--miso", "miso", "--mosi", "mosi", "--cs", "cs",
        "--json",
    ]);
    assert!(logic.len() > 3000);
    check_spi(&logic, &anns, "generated spi");
    let analog = ours(&[
        "decode", "spi", &npy, "--clk", "0", "--miso", "1", "--mosi", "2", "--cs", "3", "--json",
        rate[0], rate[1],
    ]);
    assert_eq!(values(&analog), values(&logic), "analog spi");

    let (sr, npy) = (file("i2c.sr"), file("i2c.npy"));
    let anns = sigrok(&sr, "i2c:scl=scl:sda=sda", "i2c");
    let logic = ours(&[
        "decode", "i2c", &sr, "--scl", "scl", "--sda", "sda", "--json",
    ]);
    assert!(logic.len() > 3000);
    check_i2c(&logic, &anns, "generated i2c");
    let analog = ours(&[
        "decode", "i2c", &npy, "--scl", "0", "--sda", "1", "--json", rate[0], rate[1],
    ]);
    assert_eq!(values(&analog), values(&logic), "analog i2c");

    let (sr, npy) = (file("can.sr"), file("can.npy"));
    let anns = sigrok(
        &sr,
        "can:can_rx=can_rx:nominal_bitrate=500000",
        "can=sof:data",
    );
    let logic = ours(&[
        "decode",
        "can",
        &sr,
        "--can",
        "can_rx",
        "--bitrate",
        "500000",
        "--json",
    ]);
    assert!(logic.len() > 100);
    check_can(&logic, &anns, "generated can");
    let analog = ours(&[
        "decode",
        "can",
        &npy,
        "--can",
        "0",
        "--bitrate",
        "500000",
        "--json",
        rate[0],
        rate[1],
    ]);
    assert_eq!(values(&analog), values(&logic), "analog can");
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
        String::from_utf8_lossy(&out.stderr)
            .contains("unknown variant `sometimes`, expected one of `none`, `odd`"),
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

/// Sessions with many data entries are read on several threads: the JSON is byte for byte
/// the one-thread JSON.
#[test]
fn threads_never_change_the_frames() {
    let cases = [
        (
            "i2c",
            "i2c/sensirion_sht31_25rh_28rh/sensirion_sht31_25rh_28rh.sr",
            vec!["--scl", "SCL", "--sda", "SDA"],
        ),
        (
            // 98 data entries, SPI with CS: decoded in segments cut at CS going inactive.
            "spi",
            "spi/enc28j60_init_and_ping/enc28j60-init-and-ping.sr",
            vec![
                "--cs", "CS", "--miso", "MISO", "--clk", "CLK", "--mosi", "MOSI",
            ],
        ),
        (
            "spi",
            "spi/mx25l1605d_read/mx25l1605d_read.sr",
            vec![
                "--cs", "CS#", "--miso", "MISO", "--clk", "SCLK", "--mosi", "MOSI",
            ],
        ),
        (
            "uart",
            "uart/kern_ew_6200-2nm_tare/kern_ew_6200-2nm_tare.sr",
            vec!["--rx", "RX", "--baudrate", "1200"],
        ),
    ];
    for (proto, file, roles) in cases {
        let path = sigrok_dir().join(file);
        let run = |threads: &str| {
            let mut args = vec![
                "decode",
                proto,
                path.to_str().unwrap(),
                "--json",
                "--threads",
                threads,
            ];
            args.extend(&roles);
            let out = scopekit(&args);
            assert!(
                out.status.success(),
                "{file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        let one = run("1");
        assert!(one.len() > 1000, "{file}");
        assert!(
            one == run("2") && one == run("3"),
            "{file}: threads changed the output"
        );
    }
}

/// Analog files are thresholded in parts on several threads (parts of 256 KiB here, so cuts
/// fall inside frames and edges; SPI with CS is also decoded in segments cut at CS going
/// inactive, and tried with parts of 8 KiB, about one CS burst each): the JSON is byte for
/// byte the one-thread JSON, with explicit and with automatic thresholds.
#[test]
fn analog_parts_never_change_the_frames() {
    let dir = scopekit_tests::TempDir::new("decode-parts");
    let d = dir.path("");
    run(
        "python3",
        &[
            repo().join("benches/gen_bus.py").to_str().unwrap(),
            d.to_str().unwrap(),
            "300000",
        ],
    );
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "spi",
            vec!["--clk", "0", "--miso", "1", "--mosi", "2", "--cs", "3"],
        ),
        ("i2c", vec!["--scl", "0", "--sda", "1"]),
        ("uart", vec!["--tx", "0"]),
    ];
    for (proto, roles) in cases {
        let file = dir.path(&format!("{proto}.npy"));
        for levels in [vec![], vec!["--threshold", "1.65", "--hysteresis", "0.4"]] {
            let decode = |threads: &str, part: &str| {
                let mut args = vec![
                    "decode",
                    proto,
                    file.to_str().unwrap(),
                    "--json",
                    "--rate",
                    "10000000",
                    "--threads",
                    threads,
                ];
                args.extend(&roles);
                args.extend(&levels);
                let out = std::process::Command::new(scopekit_tests::bin())
                    .args(&args)
                    .env("SCOPEKIT_DECODE_PART", part)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{proto}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            };
            let one = decode("1", "262144");
            assert!(one.len() > 10_000, "{proto}");
            assert!(
                one == decode("2", "262144") && one == decode("3", "262144"),
                "{proto} {levels:?}: threads changed the output"
            );
            if proto == "spi" {
                assert!(
                    one == decode("2", "8192") && one == decode("7", "8192"),
                    "{proto} {levels:?}: small parts changed the output"
                );
            }
        }
    }
}
