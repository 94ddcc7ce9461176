//! `scopekit measure` against closed-form values of synthetic pulse trains numpy writes at
//! test time, a real LeCroy capture, and bad inputs.

use scopekit_tests::{python, repo, scopekit, TempDir};
use serde_json::Value;

use crate::cli_stats::json;

/// numpy: a trapezoidal pulse train (base 0, top 1, period P, edges E samples 0–100 %,
/// high H samples between 50 % instants), a decaying ring after each rising edge, noise;
/// prints the closed-form overshoot (percent) of the clean signal.
const NUMPY_PULSES: &str = r#"
path, n, P, H, E, sigma = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
t = np.arange(n, dtype=np.float64)
ph = np.mod(t - 37.25, P)
up = lambda u: np.clip((u + E / 2) / E, 0, 1)
x = np.maximum(up(ph) - up(ph - H), up(ph - P))
after = ph - E / 2
ring = np.where((after > 0) & (after < H - E), 0.08 * np.exp(-after / 30) * np.sin(2 * np.pi * after / 60), 0)
clean = x + ring
rng = np.random.default_rng(5)
np.save(path, (clean + rng.normal(0, sigma, n)).astype(np.float32))
print(json.dumps({"overshoot": float((clean.max() - 1) * 100)}))
"#;

fn near(doc: &Value, key: &str, want: f64, tol: f64) {
    let got = doc[key]["value"].as_f64().unwrap_or(f64::NAN);
    assert!(
        (got - want).abs() <= tol,
        "{key}: got {got}, want {want} ± {tol}\n{}",
        doc[key]
    );
}

#[test]
fn closed_form_pulse_train_two_segments() {
    let dir = TempDir::new("measure-train");
    let f = dir.path("train.npy");
    let f = f.to_str().unwrap();
    // 9e6 float32 samples: two parallel segments, cycles spanning the border.
    let known = python(NUMPY_PULSES, &[f, "9000000", "1000", "300", "100", "0.002"]);
    for threads in ["1", "2"] {
        let doc = json(&["measure", f, "--json", "--threads", threads]);
        assert_eq!(doc["unit"], "samples");
        near(&doc, "top", 1.0, 0.005);
        near(&doc, "base", 0.0, 0.005);
        // 10-90 % of a 100-sample 0-100 % edge; top/base within half a bin (0.1 %) plus noise.
        near(&doc, "rise_time", 80.0, 0.5);
        near(&doc, "fall_time", 80.0, 0.5);
        near(&doc, "period", 1000.0, 1e-3);
        near(&doc, "frequency", 1e-3, 1e-9);
        near(&doc, "duty_cycle", 30.0, 0.05);
        near(&doc, "positive_width", 300.0, 0.5);
        near(&doc, "negative_width", 700.0, 0.5);
        near(&doc, "slew_rate_rising", 0.8 / 80.0, 1e-4);
        let over = known["overshoot"].as_f64().unwrap();
        assert!(
            (doc["overshoot"]["max"].as_f64().unwrap() - over).abs() < 1.5,
            "{} vs {over}",
            doc["overshoot"]
        );
        // The record opens inside a rising edge (not a whole transition): 8999 rising.
        assert_eq!(doc["rising_transitions"], 8999);
        assert_eq!(doc["falling_transitions"], 9000);
        assert_eq!(doc["period"]["count"], 8998);
        assert!(doc["period"]["std"].as_f64().unwrap() < 0.5);
    }
    let d2080 = json(&["measure", f, "--json", "--levels", "20,80"]);
    near(&d2080, "rise_time", 60.0, 0.5);
}

#[test]
fn real_lecroy_pulse_smoke() {
    let trc = |name: &str| repo().join("../shared/data/trc").join(name);
    let doc = json(&[
        "measure",
        trc("pulse_sequence.trc").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(doc["samples"], 10040);
    assert_eq!(doc["unit"], "s");
    assert!(doc["amplitude"]["value"].as_f64().unwrap() > 0.1);
    assert!(doc["rising_transitions"].as_u64().unwrap() >= 10);
    let rise = doc["rise_time"]["value"].as_f64().unwrap();
    assert!(rise > 1e-10 && rise < 1e-8, "{rise}");
    let one = json(&["measure", trc("pulse.trc").to_str().unwrap(), "--json"]);
    assert_eq!(one["samples"], 502);
    assert!(one["period"]["value"].is_null() && one["period"]["reason"].is_string());
}

#[test]
fn bad_inputs() {
    let dir = TempDir::new("measure-bad");
    let c = dir.path("const.npy");
    let n = dir.path("nan.npy");
    let (c, n) = (c.to_str().unwrap(), n.to_str().unwrap());
    python(
        "np.save(sys.argv[1], np.full(1000, 2.5)); x = np.tile(np.r_[np.zeros(50), np.ones(50)], 20); x[[3, 70, 71]] = [np.nan, np.inf, -np.inf]; np.save(sys.argv[2], x); print(1)",
        &[c, n],
    );
    let doc = json(&["measure", c, "--json"]);
    assert_eq!(doc["amplitude"]["value"], 0.0);
    assert!(doc["rise_time"]["value"].is_null());
    assert!(doc["rise_time"]["reason"]
        .as_str()
        .unwrap()
        .contains("no transitions"));
    let doc = json(&["measure", n, "--json"]);
    assert_eq!(doc["nonfinite"], 3);
    assert_eq!(doc["period"]["value"], 100.0);
    let out = scopekit(&["measure", n, "--levels", "60,40"]);
    assert!(!out.status.success());
    let out = scopekit(&["measure", n, "--levels", "ten"]);
    assert!(!out.status.success());
}

/// numpy: two channels of float64 (C or Fortran order), 3e6 rows (two parallel segments):
/// a noisy square wave whose levels the head of each segment guesses, and a clipped sine
/// with NaN/Inf sprinkled in.
const NUMPY_TWO: &str = r#"
path, order = sys.argv[1], sys.argv[2]
n = 3_000_000; t = np.arange(n, dtype=np.float64)
rng = np.random.default_rng(9)
a = (np.sin(2 * np.pi * t / 777.7) > 0) + rng.normal(0, 0.05, n)
b = np.clip(np.sin(2 * np.pi * t / 333.3) * 3, -1, 1) + rng.normal(0, 0.01, n)
b[::123457] = np.nan; b[5::234567] = np.inf
np.save(path, np.asfortranarray(np.stack([a, b], axis=1)) if order == "F" else np.stack([a, b], axis=1))
print("{}")
"#;

#[test]
fn fused_passes_equal_across_threads_and_layouts() {
    let dir = TempDir::new("measure-two");
    for order in ["C", "F"] {
        let f = dir.path(&format!("two{order}.npy"));
        let f = f.to_str().unwrap();
        python(NUMPY_TWO, &[f, order]);
        for ch in ["0", "1"] {
            let run = |threads: &str| {
                let out = scopekit(&[
                    "measure",
                    f,
                    "--json",
                    "--channel",
                    ch,
                    "--threads",
                    threads,
                ]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            };
            let one = run("1");
            assert_eq!(one, run("2"), "{order} channel {ch}");
            assert_eq!(one, run("3"), "{order} channel {ch}");
            let doc: Value = serde_json::from_slice(&one).unwrap();
            assert!(doc["rising_transitions"].as_u64().unwrap() > 1000, "{doc}");
        }
    }
}
