//! Formats beyond NPY through the CLI: LeCroy `.trc` files from `../shared/data/trc`
//! against their `expected.json`, and WAV files written by Python's `wave` module against
//! numpy.

use scopekit_tests::{oracle, repo, scopekit, TempDir};
use serde_json::Value;

use crate::cli_stats::{compare, json};

fn trc(name: &str) -> String {
    repo()
        .join("../shared/data/trc")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn expected() -> Value {
    let text =
        std::fs::read_to_string(trc("expected.json")).expect("shared/data/trc/expected.json");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn trc_info_and_stats_match_expected_json() {
    let all = expected();
    for name in ["pulse.trc", "pulse_sequence.trc"] {
        let want = &all[name];
        let info = json(&["info", &trc(name), "--json"]);
        assert_eq!(info["format"], "trc", "{name}");
        assert_eq!(info["samples"], want["WAVE_ARRAY_COUNT"], "{name}");
        assert_eq!(info["data_offset"], want["data_offset"], "{name}");
        assert_eq!(info["unit"], want["VERTUNIT"], "{name}");
        let t = &info["trc"];
        assert_eq!(t["instrument"], want["instrument_name"]);
        assert_eq!(t["segments"], want["segments"]);
        assert_eq!(t["points_per_segment"], want["points_per_segment"]);
        assert_eq!(t["vertical_gain"], want["VERTICAL_GAIN"]);
        assert_eq!(t["vertical_offset"], want["VERTICAL_OFFSET"]);
        assert_eq!(t["horiz_interval"], want["HORIZ_INTERVAL"]);
        // serde_json's default float parsing may be 1 ulp off: compare to 1e-15.
        let rate = info["sample_rate"].as_f64().unwrap();
        let want_rate = 1.0 / want["HORIZ_INTERVAL"].as_f64().unwrap();
        assert!(
            (rate - want_rate).abs() <= 1e-15 * want_rate,
            "{rate} vs {want_rate}"
        );
        let stats = json(&["stats", &trc(name), "--json"]);
        let (ch, volts) = (&stats["channels"][0], &want["volts"]);
        assert_eq!(ch["count"], want["WAVE_ARRAY_COUNT"]);
        assert_eq!(ch["min"], volts["min"], "{name} min");
        assert_eq!(ch["max"], volts["max"], "{name} max");
        let (m, e) = (
            ch["mean"].as_f64().unwrap(),
            volts["mean"].as_f64().unwrap(),
        );
        assert!((m - e).abs() <= 1e-12 * e.abs(), "{name} mean {m} vs {e}");
        assert_eq!(stats["info"], info);
    }
}

#[test]
fn trc_without_its_data_fails_with_the_offset() {
    let out = scopekit(&["stats", &trc("header.trc")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("header.trc: truncated input") && err.contains("ends at byte 357"),
        "{err}"
    );
}

#[test]
fn wav_pcm_matches_numpy() {
    let dir = TempDir::new("wav");
    for (bits, channels, frames) in [
        ("16", "2", "200000"),
        ("24", "3", "50000"),
        ("8", "1", "30000"),
    ] {
        let path = dir.path(&format!("pcm{bits}x{channels}.wav"));
        let path = path.to_str().unwrap();
        let theirs = oracle(&["wav", path, bits, channels, frames, "48000", bits]);
        let ours = json(&["stats", path, "--json"]);
        compare(&ours, &theirs, path);
        let info = &ours["info"];
        assert_eq!(info["format"], "wav");
        assert_eq!(info["sample_rate"], 48000.0);
        assert_eq!(info["channels"].to_string(), channels);
        assert_eq!(info["samples"].to_string(), frames);
        assert_eq!(info["wav"]["bits_per_sample"].to_string(), bits);
        let one = json(&["stats", path, "--json", "--threads", "1"]);
        assert_eq!(one, ours, "threads must not change the result");
    }
}

#[test]
fn raw_binary_in_a_stated_layout_matches_numpy() {
    let dir = TempDir::new("raw");
    let (npy, raw, planar) = (dir.path("ref.npy"), dir.path("x.bin"), dir.path("p.bin"));
    let (npy, raw, planar) = (
        npy.to_str().unwrap(),
        raw.to_str().unwrap(),
        planar.to_str().unwrap(),
    );
    oracle(&["write", npy, ">f8", "70000", "3", "0", "1", "12"]);
    scopekit_tests::python(
        "a = np.load(sys.argv[1])\n\
         open(sys.argv[2], 'wb').write(b'12345678' + a.astype('>f8').tobytes())\n\
         open(sys.argv[3], 'wb').write(np.asfortranarray(a).T.astype('>f8').tobytes())\n\
         print('null')",
        &[npy, raw, planar],
    );
    let theirs = oracle(&["stats", npy]);
    let layout = ["--raw", ">f8", "--raw-channels", "3"];
    let mut args = vec![
        "stats",
        raw,
        "--json",
        "--raw-offset",
        "8",
        "--raw-rate",
        "2e6",
    ];
    args.extend(layout);
    let ours = json(&args);
    compare(&ours, &theirs, raw);
    assert_eq!(ours["info"]["format"], "raw");
    assert_eq!(ours["info"]["sample_rate"], 2e6);
    let mut args = vec!["stats", planar, "--json", "--raw-planar"];
    args.extend(layout);
    compare(&json(&args), &theirs, planar);
    // A length that is not whole frames names the leftover bytes.
    let out = scopekit(&["stats", raw, "--raw", "f4", "--raw-channels", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("left over"));
}

#[test]
fn vcd_info_lists_every_variable_of_expected_json() {
    let root = repo().join("../shared/data/vcd");
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for (rel, want) in all.as_object().unwrap() {
        let Some(count) = want["var_count"].as_u64() else {
            continue; // the deliberately broken file
        };
        let path = root.join(rel);
        let info = json(&["info", path.to_str().unwrap(), "--json"]);
        assert_eq!(info["format"], "vcd", "{rel}");
        assert_eq!(info["channels"], count, "{rel}");
        assert_eq!(info["vcd"]["codes"], want["id_codes"], "{rel}");
        assert_eq!(info["vcd"]["scopes"], want["scopes"], "{rel}");
        assert_eq!(
            info["vcd"]["vars"].as_array().unwrap().len() as u64,
            count,
            "{rel}"
        );
        checked += 1;
    }
    assert!(checked >= 20, "checked {checked} files");
}

#[test]
fn csv_exports_match_numpy() {
    let dir = TempDir::new("csv");
    let (csv, npy) = (dir.path("scope.csv"), dir.path("ref.npy"));
    let (csv, npy) = (csv.to_str().unwrap(), npy.to_str().unwrap());
    // A Tektronix-like preamble, a units header and 20 000 rows at 1 MHz.
    scopekit_tests::python(
        "rng = np.random.default_rng(4); n = 20000\n\
         a = np.stack([np.sin(np.arange(n) / 40) + rng.normal(0, .01, n), rng.normal(3, .2, n)], 1)\n\
         np.save(sys.argv[2], a)\n\
         with open(sys.argv[1], 'w') as f:\n\
         \x20   f.write('Model,MSO46\\nRecord Length,20000\\n\\nTIME [s],CH1 (V),CH2 (V)\\n')\n\
         \x20   for i, (x, y) in enumerate(a.tolist()): f.write(f'{i * 1e-6!r},{x!r},{y!r}\\n')\n\
         print('null')",
        &[csv, npy],
    );
    let ours = json(&["stats", csv, "--json"]);
    compare(&ours, &oracle(&["stats", npy]), csv);
    let info = &ours["info"];
    assert_eq!(
        (&info["format"], &info["samples"]),
        (&"csv".into(), &20000.into())
    );
    assert!(
        (info["sample_rate"].as_f64().unwrap() - 1e6).abs() < 1e-3,
        "{info}"
    );
    assert_eq!(info["csv"]["columns"][0], serde_json::json!(["CH1", "V"]));
    // And through convert, back to NPY: the same numbers.
    let out = dir.path("back.npy");
    let out = out.to_str().unwrap();
    let out_run = scopekit(&["convert", csv, out]);
    assert!(
        out_run.status.success(),
        "{}",
        String::from_utf8_lossy(&out_run.stderr)
    );
    let same = scopekit_tests::python(
        "print(json.dumps(bool((np.load(sys.argv[1]) == np.load(sys.argv[2])).all())))",
        &[out, npy],
    );
    assert_eq!(same, true);
}

#[test]
fn sigrok_sessions_match_cases_json() {
    let root = repo().join("../shared/data/sigrok");
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("cases.json")).unwrap()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for case in cases.as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        if !seen.insert(input.to_string()) {
            continue;
        }
        let info = json(&["info", root.join(input).to_str().unwrap(), "--json"]);
        assert_eq!(info["format"], "sigrok", "{input}");
        assert_eq!(info["samples"], case["samples"], "{input}");
        assert_eq!(info["sigrok"]["unitsize"], case["unitsize"], "{input}");
        let rate = info["sample_rate"].as_f64();
        assert_eq!(rate, case["samplerate"].as_f64(), "{input}");
        for (role, name) in case["channels"].as_object().unwrap() {
            let index = case["channel_indices"][role].as_u64().unwrap() as usize;
            assert_eq!(
                &info["sigrok"]["channel_names"][index], name,
                "{input} {role}"
            );
        }
    }
    assert!(seen.len() > 40, "{} captures", seen.len());
    // Statistics of a logic channel: the fraction of samples at 1 is its mean.
    let small = root.join(cases[0]["input"].as_str().unwrap());
    let stats = json(&["stats", small.to_str().unwrap(), "--json", "--channel", "0"]);
    let mean = stats["channels"][0]["mean"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&mean));
}

#[test]
fn npz_lists_members_and_reads_the_first() {
    let dir = TempDir::new("npz");
    let path = dir.path("two.npz");
    let path = path.to_str().unwrap();
    let want = scopekit_tests::python(
        "a = np.arange(3000.0).reshape(1000, 3); b = np.ones(7, dtype='<i2')\n\
         np.savez_compressed(sys.argv[1], signal=a, other=b)\n\
         print(json.dumps([float(a[:, 1].mean()), float(a[:, 2].max())]))",
        &[path],
    );
    let info = json(&["info", path, "--json"]);
    assert_eq!(info["format"], "npz");
    let names: Vec<&str> = info["npz"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["signal", "other"]);
    let stats = json(&["stats", path, "--json"]);
    assert_eq!(stats["channels"][1]["mean"], want[0]);
    assert_eq!(stats["channels"][2]["max"], want[1]);
}

#[test]
fn vcd_is_sampled_at_a_given_rate() {
    let vcd = repo().join("../shared/data/vcd/sigrok-dumps/spi/spiflash_read16/chronovu_la8/chronovu_la8_spiflash_read16.vcd");
    let vcd = vcd.to_str().unwrap();
    let out = scopekit(&["stats", vcd]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate"));
    // One sample per 10 ns tick from 0 to the last time stamp 8388607, both included.
    let stats = json(&["stats", vcd, "--json", "--rate", "1e8", "--channel", "0"]);
    assert_eq!(stats["channels"][0]["count"], 1u64 << 23);
    assert_eq!(stats["info"]["format"], "vcd");
    let dir = TempDir::new("vcd");
    let npy = dir.path("la8.npy");
    let report = json(&[
        "convert",
        vcd,
        npy.to_str().unwrap(),
        "--rate",
        "1e7",
        "--json",
    ]);
    assert_eq!(report["output"]["shape"], serde_json::json!([838861, 8]));
    assert_eq!(report["sample_rate"], 1e7);
}
