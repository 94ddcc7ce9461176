//! `scopekit edges` against a vectorised numpy hysteresis comparator, on noisy slow-edged
//! square waves numpy writes at test time.

use scopekit_tests::{python, scopekit, TempDir};
use serde_json::Value;

use crate::cli_stats::json;

/// numpy: write the signal, then find the edges the way `scopekit edges` defines them (state
/// switches when a sample reaches `level ± h/2`; the edge is the last crossing of `level`
/// before the switch, linearly interpolated).
const NUMPY_EDGES: &str = r#"
path, n, level, h, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(seed)
t = np.arange(n)
period = 1000 + rng.integers(0, 100)
phase = (t % period) / period
x = np.clip(np.abs(phase - 0.5) * 4 - 1, -1, 1) * 1.8 + 1.5  # triangle-ish, clipped: slow edges
x = np.where(phase < 0.5, np.minimum(x + 2, 3.3), np.maximum(x - 2, -0.3))
x = (x + rng.normal(0, 0.15, n)).astype(np.float32)
np.save(path, x)
x = x.astype(np.float64)
hi, lo = level + h / 2, level - h / 2
defined = np.where((x >= hi) | (x < lo), t, -1)
last = np.maximum.accumulate(defined)
ok = last >= 0
state = np.where(ok, x[np.maximum(last, 0)] >= hi, False)
flips = np.nonzero(ok[1:] & ok[:-1] & (state[1:] != state[:-1]))[0] + 1
below = np.maximum.accumulate(np.where(x < level, t, -1))
above = np.maximum.accumulate(np.where(x >= level, t, -1))
out = []
for f in flips:
    rising = bool(state[f])
    at = int((below if rising else above)[f - 1] + 1)
    p, q = x[at - 1], x[at]
    out.append([at, float(at - 1 + (level - p) / (q - p)), rising])
print(json.dumps(out))
"#;

#[test]
fn edges_match_numpy_hysteresis() {
    let dir = TempDir::new("edges-numpy");
    for (seed, level, h) in [(1, 1.5, 0.8), (2, 1.2, 0.3), (3, 1.5, 0.0)] {
        let path = dir.path(&format!("sq{seed}.npy"));
        let p = path.to_str().unwrap();
        let want = python(
            NUMPY_EDGES,
            &[
                p,
                "300000",
                &level.to_string(),
                &h.to_string(),
                &seed.to_string(),
            ],
        );
        let want = want.as_array().unwrap();
        let got = json(&[
            "edges",
            p,
            "--threshold",
            &level.to_string(),
            "--hysteresis",
            &h.to_string(),
            "--json",
            "--limit",
            "1000000",
        ]);
        let edges = got["edges"].as_array().unwrap();
        assert_eq!(edges.len(), want.len(), "seed {seed}: edge count");
        assert!(
            h == 0.0 || edges.len() > 400,
            "a few hundred clean edges expected"
        );
        for (e, w) in edges.iter().zip(want) {
            assert_eq!(e["sample"], w[0], "seed {seed}");
            let (t, wt) = (e["time"].as_f64().unwrap(), w[1].as_f64().unwrap());
            assert!((t - wt).abs() < 1e-9, "seed {seed}: {t} vs {wt}");
            assert_eq!(e["edge"] == "rising", w[2].as_bool().unwrap());
        }
        let rising = want.iter().filter(|w| w[2] == Value::Bool(true)).count() as u64;
        assert_eq!(got["rising"].as_u64(), Some(rising));
    }
}

#[test]
fn csv_lists_every_edge_and_auto_threshold_finds_the_middle() {
    let dir = TempDir::new("edges-csv");
    let path = dir.path("sq.npy");
    let p = path.to_str().unwrap();
    python(NUMPY_EDGES, &[p, "200000", "1.5", "0.8", "7"]);
    let auto = json(&["edges", p, "--json"]);
    let level = auto["threshold"]["level"].as_f64().unwrap();
    assert!((level - 1.5).abs() < 0.1, "auto level {level}");
    let out = scopekit(&[
        "edges",
        p,
        "--threshold",
        "1.5",
        "--hysteresis",
        "0.8",
        "--csv",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("time,sample,edge"));
    let fixed = json(&[
        "edges",
        p,
        "--threshold",
        "1.5",
        "--hysteresis",
        "0.8",
        "--json",
    ]);
    let n = fixed["rising"].as_u64().unwrap() + fixed["falling"].as_u64().unwrap();
    assert_eq!(lines.count() as u64, n);
}

#[test]
fn logic_channels_by_name_and_bad_settings() {
    let sr = scopekit_tests::repo()
        .join("../shared/data/sigrok/uart/hello_world_8n1_115200/hello_world_8n1_115200.sr");
    let sr = sr.to_str().unwrap();
    let by_name = json(&["edges", sr, "--channel", "TX", "--json"]);
    let by_index = json(&["edges", sr, "--channel", "0", "--json"]);
    assert_eq!(by_name, by_index);
    // "Hello world" at 115200 8N1: 129 falling edges starting from an idle-high line
    assert_eq!(
        (by_name["rising"].as_u64(), by_name["falling"].as_u64()),
        (Some(129), Some(129))
    );
    assert_eq!(by_name["initial_high"], true);
    let out = scopekit(&["edges", sr, "--channel", "RX"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no channel 'RX' (channels: 0=TX"));
    let out = scopekit(&["edges", sr, "--threshold", "high"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Long analog files are thresholded in parts on several threads (256 KiB parts here): the
/// edge list and statistics are byte for byte the one-thread ones, explicit or automatic.
#[test]
fn parts_on_threads_never_change_the_edges() {
    let dir = TempDir::new("edges-parts");
    let path = dir.path("sq.npy");
    let p = path.to_str().unwrap();
    python(NUMPY_EDGES, &[p, "600000", "1.5", "0.8", "11"]);
    for args in [
        vec!["--threshold", "1.5", "--hysteresis", "0.8"],
        vec![],
        vec!["--min-pulse", "40"],
    ] {
        let run = |threads: &str, format: &str| {
            let mut a = vec![
                "edges",
                p,
                format,
                "--limit",
                "100000",
                "--threads",
                threads,
            ];
            a.extend(&args);
            let out = std::process::Command::new(scopekit_tests::bin())
                .args(&a)
                .env("SCOPEKIT_DECODE_PART", "262144")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        for format in ["--json", "--csv"] {
            let one = run("1", format);
            assert!(one.len() > 10_000);
            assert!(
                one == run("2", format) && one == run("3", format),
                "{args:?} {format}"
            );
        }
    }
}
