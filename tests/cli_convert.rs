//! `scopekit convert`: every output format read back by numpy or Python's `wave`, LeCroy
//! volts against `expected.json`, and no half-written output on failure.

use scopekit_tests::{oracle, python, repo, scopekit, TempDir};

use crate::cli_stats::json;

fn run(args: &[&str]) {
    let out = scopekit(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn trc_to_npy_keeps_volts_and_metadata() {
    let dir = TempDir::new("convert-trc");
    let input = repo().join("../shared/data/trc/pulse_sequence.trc");
    let output = dir.path("seq.npy");
    let (input, output) = (input.to_str().unwrap(), output.to_str().unwrap());
    let report = json(&["convert", input, output, "--json", "--dtype", "float64"]);
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("../shared/data/trc/expected.json")).unwrap(),
    )
    .unwrap();
    let volts = &expected["pulse_sequence.trc"]["volts"];
    let got = python(
        "a = np.load(sys.argv[1]); print(json.dumps([list(a.shape), float(a.min()), float(a.max()), float(a.mean())]))",
        &[output],
    );
    assert_eq!(got[0], serde_json::json!([10040, 1]));
    assert_eq!((&got[1], &got[2]), (&volts["min"], &volts["max"]));
    let (m, e) = (got[3].as_f64().unwrap(), volts["mean"].as_f64().unwrap());
    assert!((m - e).abs() < 1e-12 * e.abs());
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{output}.json")).unwrap()).unwrap();
    assert_eq!(sidecar, report);
    assert_eq!(sidecar["unit"], "V");
    assert_eq!(sidecar["source"]["trc"]["segments"], 20);
    assert!(sidecar["sample_rate"].as_f64().unwrap() > 0.99e9);
}

#[test]
fn npy_round_trips_through_every_format() {
    let dir = TempDir::new("convert-npy");
    let input = dir.path("in.npy");
    let input = input.to_str().unwrap();
    oracle(&["write", input, "<f8", "20000", "3", "0", "1", "9"]);
    let p = |name: &str| dir.path(name).to_string_lossy().into_owned();
    // CSV: shortest round-trip decimals, so numpy reads back the same doubles.
    run(&["convert", input, &p("out.csv"), "--channels", "2,0"]);
    let same = python(
        "a = np.load(sys.argv[1]); b = np.loadtxt(sys.argv[2], delimiter=',', skiprows=1)\n\
         print(json.dumps(bool((b[:, 0] == np.arange(len(a))).all() and (b[:, 1:] == a[:, [2, 0]]).all())))",
        &[input, &p("out.csv")],
    );
    assert_eq!(same, true);
    // Raw and NPY with a type change: numpy's rint and saturation.
    run(&["convert", input, &p("out.raw"), "--dtype", "int16"]);
    run(&["convert", input, &p("out.npy"), "--dtype", "<i2"]);
    let same = python(
        "a = np.load(sys.argv[1]); want = np.clip(np.rint(a), -32768, 32767).astype('<i2')\n\
         raw = np.fromfile(sys.argv[2], dtype='<i2').reshape(a.shape)\n\
         print(json.dumps(bool((raw == want).all() and (np.load(sys.argv[3]) == want).all())))",
        &[input, &p("out.raw"), &p("out.npy")],
    );
    assert_eq!(same, true);
    // WAV needs a rate; it reads back through Python's wave module.
    let out = scopekit(&["convert", input, &p("no-rate.wav")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sample rate"));
    run(&[
        "convert",
        input,
        &p("out.wav"),
        "--dtype",
        "int16",
        "--rate",
        "48000",
    ]);
    let same = python(
        "import wave\nw = wave.open(sys.argv[2]); a = np.load(sys.argv[1])\n\
         b = np.frombuffer(w.readframes(w.getnframes()), '<i2').reshape(-1, w.getnchannels())\n\
         print(json.dumps(bool(w.getframerate() == 48000 and (b == np.clip(np.rint(a), -32768, 32767)).all())))",
        &[input, &p("out.wav")],
    );
    assert_eq!(same, true);
}

#[test]
fn fortran_order_stays_fortran_without_buffering() {
    let dir = TempDir::new("convert-fortran");
    let (input, output) = (dir.path("f.npy"), dir.path("g.npy"));
    let (input, output) = (input.to_str().unwrap(), output.to_str().unwrap());
    oracle(&["write", input, ">f4", "30000", "4", "1", "2", "4"]);
    let report = json(&["convert", input, output, "--json"]);
    assert_eq!(report["output"]["fortran_order"], true);
    let same = python(
        "a = np.load(sys.argv[1]); b = np.load(sys.argv[2])\n\
         print(json.dumps(bool(b.flags.f_contiguous and b.dtype == np.dtype('<f4') and (a == b).all())))",
        &[input, output],
    );
    assert_eq!(same, true);
}

#[test]
fn failure_leaves_no_output() {
    let dir = TempDir::new("convert-fail");
    let input = dir.path("in.npy");
    let input = input.to_str().unwrap();
    oracle(&["write", input, "<f4", "1000", "2", "0", "1", "1"]);
    let bytes = std::fs::read(input).unwrap();
    std::fs::write(input, &bytes[..bytes.len() - 10]).unwrap();
    let output = dir.path("out.npy");
    let out = scopekit(&["convert", input, output.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in.npy"));
    let left: Vec<_> = std::fs::read_dir(dir.path(""))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("in.npy")],
        "no output, no temporary file"
    );
    let out = scopekit(&["convert", input, dir.path("x.what").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to npy|csv|wav|raw"));
}

#[test]
fn batch_converts_good_files_and_reports_bad_ones() {
    let dir = TempDir::new("convert-batch");
    let good = dir.path("good.npy");
    oracle(&[
        "write",
        good.to_str().unwrap(),
        "<i2",
        "5000",
        "2",
        "0",
        "1",
        "3",
    ]);
    std::fs::write(dir.path("bad.npy"), b"not a capture").unwrap();
    let trc = repo().join("../shared/data/trc/pulse.trc");
    let out_dir = dir.path("out");
    let out = scopekit(&[
        "convert",
        "--out-dir",
        out_dir.to_str().unwrap(),
        good.to_str().unwrap(),
        dir.path("bad.npy").to_str().unwrap(),
        trc.to_str().unwrap(),
        "--to",
        "csv",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad.npy: ") && err.contains("converted 2 of 3 files"),
        "{err}"
    );
    let mut made: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["good.csv", "pulse.csv"]);
    let usage = scopekit(&["convert", "a.npy", "b.npy", "c.npy"]);
    assert_eq!(usage.status.code(), Some(2));
}
