//! `scopekit stats` and `scopekit info` against numpy, on files numpy writes at test time.

use scopekit_tests::{oracle, scopekit, TempDir};
use serde_json::Value;

pub fn json(args: &[&str]) -> Value {
    let out = scopekit(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn close(got: &Value, want: &Value, rel: f64, what: &str) {
    let (g, w) = (
        got.as_f64().unwrap_or(f64::NAN),
        want.as_f64().unwrap_or(f64::NAN),
    );
    assert!(
        (g - w).abs() <= rel * w.abs().max(1e-300),
        "{what}: scopekit {g} vs numpy {w}"
    );
}

/// Compare `scopekit stats --json` with numpy: counts and extremes exactly, moments to
/// 1e-12, percentiles to 1e-15 (numpy's own interpolation arithmetic).
fn check_against_numpy(path: &str) -> Value {
    let ours = json(&["stats", path, "--json"]);
    let theirs = oracle(&["stats", path]);
    compare(&ours, &theirs, path);
    assert_eq!(ours["info"]["npy"]["shape"], theirs["shape"]);
    ours
}

/// Compare a stats document with the oracle's per-channel numbers.
pub fn compare(ours: &Value, theirs: &Value, path: &str) {
    let (a, b) = (
        ours["channels"].as_array().unwrap(),
        theirs["channels"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len(), "{path}: channel count");
    for (x, y) in a.iter().zip(b) {
        let what = |k: &str| format!("{path} ch{} {k}", y["channel"]);
        for k in ["channel", "count", "nan_count", "min", "max"] {
            assert_eq!(x[k], y[k], "{}", what(k));
        }
        for k in ["mean", "std", "rms"] {
            close(&x[k], &y[k], 1e-12, &what(k));
        }
        for k in ["p50", "p95", "p99"] {
            close(&x[k], &y[k], 1e-15, &what(k));
        }
        assert_eq!(x["quantiles"], "exact");
    }
}

#[test]
fn every_dtype_order_and_version_matches_numpy() {
    let dir = TempDir::new("dtypes");
    let cases = [
        ("<f4", "100000", "2", "0", "1"),
        (">f8", "50000", "3", "1", "2"),
        ("<i2", "70000", "0", "0", "3"),
        ("|u1", "10000", "4", "0", "1"),
        (">i4", "20000", "2", "1", "1"),
        ("<u8", "5000", "2", "0", "1"),
        (">i8", "4097", "1", "0", "2"),
        ("|i1", "9000", "3", "1", "1"),
        (">u2", "12345", "2", "0", "1"),
        ("<u4", "3", "5", "1", "1"),
    ];
    for (i, (descr, rows, cols, fortran, version)) in cases.iter().enumerate() {
        let path = dir.path(&format!("case{i}.npy"));
        let path = path.to_str().unwrap();
        oracle(&[
            "write",
            path,
            descr,
            rows,
            cols,
            fortran,
            version,
            &i.to_string(),
        ]);
        let report = check_against_numpy(path);
        let npy = &report["info"]["npy"];
        assert_eq!(npy["descr"].as_str().unwrap()[1..], descr[1..]);
        assert_eq!(npy["fortran_order"], *fortran == "1");
        assert_eq!(npy["version"], format!("{version}.0"));
        assert_eq!(report["info"]["format"], "npy");
    }
}

#[test]
fn large_file_is_identical_on_one_and_two_threads() {
    let dir = TempDir::new("threads");
    let path = dir.path("big.npy");
    let path = path.to_str().unwrap();
    // 80 MiB: several parallel segments, exact percentiles.
    oracle(&["write", path, "<f4", "10000000", "2", "0", "1", "7"]);
    let two = check_against_numpy(path);
    let one = json(&["stats", path, "--json", "--threads", "1"]);
    assert_eq!(one, two, "--threads 1 and 2 must agree bit for bit");
}

#[test]
fn sampled_percentiles_stay_within_rank_error() {
    let dir = TempDir::new("sampled");
    let path = dir.path("long.npy");
    let path = path.to_str().unwrap();
    // 40 Mi samples: beyond the exact limit of 32 Mi.
    oracle(&["write", path, "<f4", "41943040", "0", "0", "1", "3"]);
    let ours = json(&["stats", path, "--json"]);
    let ch = &ours["channels"][0];
    assert_eq!(ch["quantiles"], "sampled");
    assert!(ch["quantile_sample"].as_u64().unwrap() > 4_000_000);
    let values: Vec<String> = ["p50", "p95", "p99"]
        .iter()
        .map(|k| ch[k].to_string())
        .collect();
    let mut args = vec!["ranks", path, "0"];
    args.extend(values.iter().map(String::as_str));
    let ranks = oracle(&args);
    for (q, r) in [0.50, 0.95, 0.99].iter().zip(ranks.as_array().unwrap()) {
        let (lo, hi) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
        let err = if q < &lo {
            lo - q
        } else if q > &hi {
            q - hi
        } else {
            0.0
        };
        assert!(err <= 0.001, "p{}: rank error {err}", q * 100.0);
    }
}

#[test]
fn channel_selection_and_info() {
    let dir = TempDir::new("select");
    let path = dir.path("three.npy");
    let path = path.to_str().unwrap();
    oracle(&["write", path, "<f8", "1000", "3", "0", "1", "1"]);
    let all = json(&["stats", path, "--json"]);
    let one = json(&["stats", path, "--json", "--channel", "2"]);
    assert_eq!(one["channels"].as_array().unwrap().len(), 1);
    assert_eq!(one["channels"][0], all["channels"][2]);
    let info = json(&["info", path, "--json"]);
    assert_eq!(info, all["info"]);
    assert_eq!(info["npy"]["shape"], serde_json::json!([1000, 3]));
    assert_eq!(
        (&info["channels"], &info["samples"]),
        (&serde_json::json!(3), &serde_json::json!(1000))
    );
    let text = scopekit(&["stats", path]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("channel") && text.contains("p99") && text.lines().count() > 10,
        "{text}"
    );
}
