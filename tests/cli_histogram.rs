//! `scopekit stats --histogram` against `numpy.histogram` on the values as float64.

use scopekit_tests::{oracle, python, scopekit, TempDir};
use serde_json::Value;

/// numpy's histogram of every channel of an NPY file (finite values; NaN/Inf counted apart).
const NUMPY: &str = r#"
path, bins = sys.argv[1], int(sys.argv[2])
rng = None if sys.argv[3] == "-" else tuple(float(v) for v in sys.argv[3].split(","))
a = np.load(path)
a = a.reshape(-1, 1) if a.ndim < 2 else a
out = []
for c in range(a.shape[1]):
    x = np.asarray(a[:, c], dtype=np.float64)
    fin = x[np.isfinite(x)]
    counts, edges = np.histogram(fin, bins=bins, range=rng)
    if a.dtype.kind in "iu" and rng is None:
        native, e2 = np.histogram(a[:, c], bins=bins)
        assert (native == counts).all() and (e2 == edges).all()
    lo, hi = float(edges[0]), float(edges[-1])
    out.append({"lo": lo, "hi": hi, "bins": bins, "counts": counts.tolist(),
                "below": int((fin < lo).sum()), "above": int((fin > hi).sum()),
                "nonfinite": int(x.size - fin.size)})
print(json.dumps(out))
"#;

fn stats(args: &[&str]) -> Value {
    let out = scopekit(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Compare ours (1 and 2 threads, identical) with numpy for `bins` and `range`.
fn check(path: &str, bins: usize, range: Option<&str>) {
    let n = bins.to_string();
    let mut args = vec!["stats", path, "--json", "--histogram", &n];
    if let Some(r) = range {
        args.extend(["--histogram-range", r]);
    }
    let one = stats(&[&args[..], &["--threads", "1"]].concat());
    let two = stats(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one, two, "{path}: threads 1 vs 2");
    let want = python(NUMPY, &[path, &n, range.unwrap_or("-")]);
    for (c, w) in one["channels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want.as_array().unwrap())
    {
        assert_eq!(
            &c["histogram"], w,
            "{path} bins {bins} range {range:?} ch {}",
            c["channel"]
        );
    }
}

#[test]
fn generated_files_match_numpy() {
    let dir = TempDir::new("hist_gen");
    for (i, descr) in ["<f4", ">f8", "<i2", "|u1"].iter().enumerate() {
        let path = dir.path(&format!("g{i}.npy"));
        let path = path.to_str().unwrap();
        oracle(&["write", path, descr, "30000", "3", "0", "1", "5"]);
        for bins in [1, 7, 100, 4096] {
            check(path, bins, None);
        }
        check(path, 50, Some("-1000,500.5"));
    }
}

#[test]
fn tricky_values_match_numpy() {
    let dir = TempDir::new("hist_tricky");
    let path = dir.path("tricky.npy");
    let path = path.to_str().unwrap();
    python(
        r#"
e = np.linspace(-1.0, 1.0, 11)
on = np.concatenate([e, np.nextafter(e, -2), np.nextafter(e, 2)])
den = np.array([0.0, 5e-324, 1e-323, 2.5e-323, 3.5e-323, 1e-310, 2e-310, 4e-310])
huge = np.array([-1e307, 0.0, 1e300, 5e307, 1e308])
const = np.full(4, 3.25)
nan = np.array([np.nan, np.inf, -np.inf, 0.3, -0.7, 0.1])
n = 40
cols = [np.resize(c, n) for c in (on, den, huge, const, nan)]
np.save(sys.argv[1], np.stack(cols, axis=1))
print("null")
"#,
        &[path],
    );
    for bins in [1, 2, 3, 5, 10, 20, 1000] {
        check(path, bins, None);
    }
    check(path, 10, Some("-1,1"));
    check(path, 7, Some("0,3.5e-323"));
    check(path, 3, Some("1e-310,4e-310"));
}

#[test]
fn real_files_match_numpy() {
    let dir = TempDir::new("hist_real");
    let data = scopekit_tests::repo().join("../shared/data/trc/pulse.trc");
    let wav = dir.path("w.wav");
    let wav = wav.to_str().unwrap();
    oracle(&["wav", wav, "16", "2", "20000", "48000", "3"]);
    let mut files: Vec<String> = vec![wav.into()];
    if data.exists() {
        files.push(data.to_str().unwrap().into());
    }
    for (i, f) in files.iter().enumerate() {
        // The values as scopekit reads them, as float64 NPY, for numpy.
        let npy = dir.path(&format!("r{i}.npy"));
        let npy = npy.to_str().unwrap();
        let out = scopekit(&["convert", f, npy, "--dtype", "float64"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for bins in [10, 100, 333] {
            let ours = stats(&["stats", f, "--json", "--histogram", &bins.to_string()]);
            let want = python(NUMPY, &[npy, &bins.to_string(), "-"]);
            for (c, w) in ours["channels"]
                .as_array()
                .unwrap()
                .iter()
                .zip(want.as_array().unwrap())
            {
                assert_eq!(&c["histogram"], w, "{f} bins {bins}");
            }
        }
    }
}

#[test]
fn csv_and_text_output() {
    let dir = TempDir::new("hist_out");
    let path = dir.path("o.npy");
    let path = path.to_str().unwrap();
    oracle(&["write", path, "<f8", "1000", "2", "0", "1", "9"]);
    let out = scopekit(&["stats", path, "--histogram", "8", "--csv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "channel,lo,hi,count");
    assert_eq!(rows.len(), 1 + 2 * 8);
    let total: u64 = rows[1..9]
        .iter()
        .map(|r| r.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 1000);
    let out = scopekit(&["stats", path, "--histogram", "8"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("channel 0: 8 bins over"), "{text}");
    assert!(text.contains('#'));
}

#[test]
fn bad_histogram_arguments_are_usage_errors() {
    let dir = TempDir::new("hist_bad");
    let path = dir.path("b.npy");
    let path = path.to_str().unwrap();
    oracle(&["write", path, "<f8", "100", "1", "0", "1", "1"]);
    for (args, says) in [
        (vec!["--histogram", "0"], "number of bins from 1 to 1000000"),
        (
            vec!["--histogram", "1000001"],
            "number of bins from 1 to 1000000",
        ),
        (vec!["--histogram", "many"], "number of bins"),
        (vec!["--histogram-range", "2,1"], "LO is not below HI"),
        (vec!["--histogram-range", "1,1"], "LO is not below HI"),
        (vec!["--histogram-range", "nan,1"], "not finite"),
        (vec!["--histogram-range", "0,inf"], "not finite"),
        (vec!["--histogram-range", "1"], "no comma"),
        (vec!["--histogram-range=-1e308,1e308"], "too wide"),
        (vec!["--csv"], "add --histogram"),
    ] {
        let out = scopekit(&[&["stats", path][..], &args].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
