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

/// numpy: one pulse train as integer codes in several layouts (`kind`): an int16 NPY of two
/// channels in C order (5e6 rows: two parallel segments), an int8 NPY, an 8-bit WAV, and a
/// LeCroy-like int16 `.trc` (gain and offset; descriptor from `template`), each beside a
/// float64 NPY of the values the readers emit for them. The `.trc` cases hold several parts
/// (logged and replayed with `--threads 2` and 3: the bits of `--threads 1`, one serial
/// tracker), `trcfast` too many transitions for the logs (a serial rerun).
const NUMPY_CODES: &str = r#"
import struct, wave
kind, path, ref, template = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
n = {"i16": 5_000_000, "trc": 9_000_000, "trcfast": 9_000_000}.get(kind, 1_000_000)
t = np.arange(n, dtype=np.float64); ph = np.mod(t - 37.25, 1000.0)
up = lambda u: np.clip((u + 50) / 100, 0, 1)
x = np.maximum(up(ph) - up(ph - 300), up(ph - 1000)) + np.random.default_rng(3).normal(0, 0.01, n)
if kind == "trcfast":
    x = (np.mod(t, 100) < 50) + np.random.default_rng(4).normal(0, 0.01, n)
if kind == "i16":
    c = np.round((x - 0.5) * 40000).astype("<i2")
    other = np.round(np.sin(t / 50) * 1000).astype("<i2")
    np.save(path, np.stack([c, other], axis=1)); v = c.astype(np.float64)
elif kind == "i8":
    c = np.round((x - 0.5) * 200).clip(-128, 127).astype("i1"); np.save(path, c); v = c.astype(np.float64)
elif kind == "wav8":
    c = np.round(x * 200 + 20).clip(0, 255).astype("u1")
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(1); w.setframerate(1000); w.writeframes(c.tobytes())
    v = c.astype(np.float64) - 128.0
else:
    raw = open(template, "rb").read(); at = raw.find(b"WAVEDESC"); d = bytearray(raw[at:at + 346])
    o = "<" if struct.unpack_from("<h", d, 34)[0] == 1 else ">"
    struct.pack_into(o + "h", d, 32, 1)
    struct.pack_into(o + "10i", d, 36, 346, 0, 0, 0, 0, 0, 2 * n, 0, 0, 0)
    struct.pack_into(o + "i", d, 116, n); struct.pack_into(o + "i", d, 144, 1)
    struct.pack_into(o + "ff", d, 156, 1.3e-4, -0.25)
    c = np.round((x - 0.5) * 30000).astype("<i2")
    open(path, "wb").write(bytes(d) + c.astype(o + "i2").tobytes())
    g, off = struct.unpack_from(o + "ff", d, 156)
    v = np.float64(g) * c.astype(np.float64) - np.float64(off)
np.save(ref, v)
print("{}")
"#;

/// `got` equals `want` except the last digits of per-cycle means and deviations (merged
/// per segment: the segments of a float64 file are other rows than an integer one's).
fn same_but_merged(got: &Value, want: &Value, what: &str) {
    match (got, want) {
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(a.len(), b.len(), "{what}");
            for (k, v) in a {
                let w = &b[k];
                let (x, y) = (v.as_f64(), w.as_f64());
                if let (true, Some(x), Some(y)) =
                    (["mean", "std", "value"].contains(&k.as_str()), x, y)
                {
                    assert!((x - y).abs() <= 1e-12 * y.abs(), "{what}.{k}: {x} vs {y}");
                } else {
                    same_but_merged(v, w, &format!("{what}.{k}"));
                }
            }
        }
        _ => assert_eq!(got, want, "{what}"),
    }
}

/// Integer codes take the exact per-code path: the same bytes for any thread count, and
/// the same report as the float64 values except the last digits of mean and RMS (exact
/// integer sums there) and of merged per-cycle means.
#[test]
fn integer_codes_equal_their_float_values() {
    let dir = TempDir::new("measure-codes");
    let template = repo().join("../shared/data/trc/pulse.trc");
    for (kind, ext) in [
        ("i16", "npy"),
        ("i8", "npy"),
        ("wav8", "wav"),
        ("trc", "trc"),
    ] {
        let f = dir.path(&format!("{kind}.{ext}"));
        let r = dir.path(&format!("{kind}-values.npy"));
        let (f, r) = (f.to_str().unwrap(), r.to_str().unwrap());
        python(NUMPY_CODES, &[kind, f, r, template.to_str().unwrap()]);
        let run = |file: &str, extra: &[&str]| {
            let mut args = vec!["measure", file, "--json"];
            args.extend_from_slice(extra);
            let out = scopekit(&args);
            assert!(
                out.status.success(),
                "{kind}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        let one = run(f, &["--threads", "1"]);
        assert_eq!(one, run(f, &["--threads", "2"]), "{kind}");
        assert_eq!(one, run(f, &["--threads", "3"]), "{kind}");
        let mut got: Value = serde_json::from_slice(&one).unwrap();
        let rate = got["sample_rate"].as_f64().map(|r| format!("{r:?}"));
        let extra: Vec<&str> = match &rate {
            Some(r) => vec!["--rate", r.as_str()],
            None => vec![],
        };
        let mut want: Value = serde_json::from_slice(&run(r, &extra)).unwrap();
        for key in ["mean", "rms_dc", "rms_ac"] {
            let (a, b) = (got[key]["value"].as_f64(), want[key]["value"].as_f64());
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!((a - b).abs() <= 1e-13 * b.abs(), "{kind} {key}: {a} vs {b}");
            got[key] = Value::Null;
            want[key] = Value::Null;
        }
        assert!(got["rising_transitions"].as_u64().unwrap() > 900, "{kind}");

        same_but_merged(&got, &want, kind);
    }
}

/// numpy: the trapezoid train of `NUMPY_PULSES` (edges 100 samples, period 1000) as
/// float64, 3e6 samples (two parallel segments of 2^21), whose base is 0.1 instead of 0
/// over the first 2^19 samples of each segment: the heads the levels are guessed from.
const NUMPY_MISLEADING_HEADS: &str = r#"
path, n = sys.argv[1], 3_000_000
t = np.arange(n, dtype=np.float64); ph = np.mod(t - 37.25, 1000.0)
up = lambda u: np.clip((u + 50) / 100, 0, 1)
x = np.maximum(up(ph) - up(ph - 300), up(ph - 1000))
head = np.mod(t, 1 << 21) < (1 << 19)
x = np.where(head, 0.1 + 0.9 * x, x) + np.random.default_rng(7).normal(0, 0.002, n)
np.save(path, x)
print("{}")
"#;

/// A wrong guess of the levels (from heads that mislead it) never reaches the result: the
/// transitions are tracked again at the final levels (the trace says so), on every thread
/// count, and the rise time is the one at the final levels (80 samples; 72 at the guess).
#[test]
fn misleading_heads_redo_the_transitions() {
    let dir = TempDir::new("measure-heads");
    let f = dir.path("heads.npy");
    let f = f.to_str().unwrap();
    python(NUMPY_MISLEADING_HEADS, &[f]);
    let traced = std::process::Command::new(scopekit_tests::bin())
        .args(["measure", f, "--json"])
        .env("SCOPEKIT_MEASURE_TRACE", "1")
        .output()
        .unwrap();
    assert!(traced.status.success());
    let trace = String::from_utf8_lossy(&traced.stderr);
    assert!(trace.contains("guess missed"), "{trace}");
    let run = |threads: &str| scopekit(&["measure", f, "--json", "--threads", threads]).stdout;
    let one = run("1");
    assert_eq!(one, traced.stdout);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
    let doc: Value = serde_json::from_slice(&one).unwrap();
    near(&doc, "base", 0.0, 2e-3);
    near(&doc, "top", 1.0, 2e-3);
    // The first edge starts before the record.
    assert_eq!(doc["rising_transitions"], 2999);
    let p50 = doc["rise_time"]["p50"].as_f64().unwrap();
    assert!((p50 - 80.0).abs() < 1.0, "{}", doc["rise_time"]);
}
