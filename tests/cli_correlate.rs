//! `scopekit correlate`: the curve against scipy.signal.correlate (method='fft'), known
//! integer and fractional delays, in memory and streamed, and mismatched rates; float32
//! inputs streamed in single precision against scipy's float64 and float32 results within
//! the tolerance of docs/json-schema.md (every lag within 1e-6 of the largest |value|).

use scopekit_tests::{python, scopekit, TempDir};

fn json(args: &[&str]) -> serde_json::Value {
    let o = scopekit(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Two WAV files at 48 kHz: `a` is `b` delayed by `delay` samples (fractional by FFT
/// phase shift) plus a little noise.
fn pair(dir: &TempDir, delay: f64, n: usize, rate_b: u32) -> (String, String) {
    let (a, b) = (dir.path("a.wav"), dir.path("b.wav"));
    python(
        "from scipy.io import wavfile\nd = float(sys.argv[3]); n = int(sys.argv[4])\n\
         rng = np.random.default_rng(9); b = rng.standard_normal(n)\n\
         b = np.convolve(b, np.ones(8) / 8, 'same')\n\
         f = np.fft.rfftfreq(n); a = np.fft.irfft(np.fft.rfft(b) * np.exp(-2j * np.pi * f * d), n)\n\
         a += 0.01 * rng.standard_normal(n)\n\
         wavfile.write(sys.argv[1], 48000, a.astype(np.float64)); wavfile.write(sys.argv[2], int(sys.argv[5]), b)\n\
         print('0')",
        &[a.to_str().unwrap(), b.to_str().unwrap(), &delay.to_string(), &n.to_string(), &rate_b.to_string()],
    );
    (
        a.to_string_lossy().into_owned(),
        b.to_string_lossy().into_owned(),
    )
}

#[test]
fn curve_matches_scipy_and_integer_delay_is_found() {
    let dir = TempDir::new("correlate-int");
    let (a, b) = pair(&dir, 17.0, 50_000, 48000);
    let csv = dir.path("lags.csv").to_string_lossy().into_owned();
    for extra in [&[][..], &["--stream"][..]] {
        let mut args = vec![
            "correlate",
            &a,
            &b,
            "--max-lag",
            "200",
            "--json",
            "--output",
            &csv,
        ];
        args.extend_from_slice(extra);
        let r = json(&args);
        assert_eq!(r["peak"]["lag"], 17, "{r}");
        assert!((r["delay_seconds"].as_f64().unwrap() - 17.0 / 48000.0).abs() < 1e-7);
        assert!(r["coefficient"].as_f64().unwrap() > 0.99);
        let err = python(
            "from scipy.io import wavfile\nimport scipy.signal as s\n\
             a = wavfile.read(sys.argv[1])[1]; b = wavfile.read(sys.argv[2])[1]\n\
             c = s.correlate(a, b, mode='full', method='fft'); l = np.loadtxt(sys.argv[3], delimiter=',', skiprows=1)\n\
             k = l[:, 0].astype(int) + len(b) - 1\n\
             print(json.dumps(float(np.max(np.abs(c[k] - l[:, 2])) / np.max(np.abs(c)))))",
            &[&a, &b, &csv],
        );
        assert!(err.as_f64().unwrap() < 1e-12, "{extra:?}: {err}");
    }
}

#[test]
fn fractional_delay_is_interpolated() {
    let dir = TempDir::new("correlate-frac");
    let (a, b) = pair(&dir, 5.3, 40_000, 48000);
    for extra in [&[][..], &["--stream"][..]] {
        let mut args = vec!["correlate", &a, &b, "--max-lag", "50", "--json"];
        args.extend_from_slice(extra);
        let r = json(&args);
        let lag = r["peak"]["lag_interpolated"].as_f64().unwrap();
        assert!((lag - 5.3).abs() < 0.1, "{extra:?}: {lag}");
    }
}

#[test]
fn different_sample_rates_are_an_error() {
    let dir = TempDir::new("correlate-rates");
    let (a, b) = pair(&dir, 3.0, 1000, 44100);
    let o = scopekit(&["correlate", &a, &b]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sample rates differ"));
}

#[test]
fn streaming_on_several_threads_equals_one_thread_and_scipy() {
    let dir = TempDir::new("correlate-par");
    // Several 14384-sample blocks of the L = 1000 correlator, cut into parts.
    let (a, b) = pair(&dir, 23.0, 100_003, 48000);
    let csv1 = dir.path("t1.csv").to_string_lossy().into_owned();
    let csv3 = dir.path("t3.csv").to_string_lossy().into_owned();
    let run = |threads: &str, csv: &str| {
        json(&[
            "correlate",
            &a,
            &b,
            "--max-lag",
            "1000",
            "--stream",
            "--json",
            "--threads",
            threads,
            "--output",
            csv,
        ])
    };
    let (one, three) = (run("1", &csv1), run("3", &csv3));
    assert_eq!(one["peak"]["lag"], 23, "{one}");
    assert_eq!(one["peak"]["lag"], three["peak"]["lag"]);
    assert_eq!(one["samples"], three["samples"]);
    let (c1, c3) = (
        one["coefficient"].as_f64().unwrap(),
        three["coefficient"].as_f64().unwrap(),
    );
    assert!((c1 - c3).abs() < 1e-12, "{c1} vs {c3}");
    let err = python(
        "from scipy.io import wavfile\nimport scipy.signal as s\n\
         a = wavfile.read(sys.argv[1])[1]; b = wavfile.read(sys.argv[2])[1]\n\
         c = s.correlate(a, b, mode='full', method='fft'); worst = 0.0\n\
         for f in sys.argv[3:]:\n\
         \x20   l = np.loadtxt(f, delimiter=',', skiprows=1); k = l[:, 0].astype(int) + len(b) - 1\n\
         \x20   worst = max(worst, float(np.max(np.abs(c[k] - l[:, 2])) / np.max(np.abs(c))))\n\
         print(json.dumps(worst))",
        &[&a, &b, &csv1, &csv3],
    );
    assert!(err.as_f64().unwrap() < 1e-12, "{err}");
}

#[test]
fn float32_inputs_stream_in_single_precision_within_the_tolerance() {
    let dir = TempDir::new("correlate-f32");
    // A: channel 1 of a two-channel float32 NPY (rows read straight from the map); B: a
    // float32 WAV. A is B delayed by 29 samples, with a DC offset.
    let (a, b) = (dir.path("a.npy"), dir.path("b.wav"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    python(
        "from scipy.io import wavfile\n\
         rng = np.random.default_rng(4); n = 300_001; b = rng.standard_normal(n) + 0.5\n\
         a = np.roll(b, 29) + 0.05 * rng.standard_normal(n)\n\
         np.save(sys.argv[1], np.stack([rng.standard_normal(n), a], axis=1).astype(np.float32))\n\
         wavfile.write(sys.argv[2], 1000, b.astype(np.float32)); print('0')",
        &[a, b],
    );
    let (c32, c64) = (dir.path("c32.csv"), dir.path("c64.csv"));
    let (c32, c64) = (c32.to_str().unwrap(), c64.to_str().unwrap());
    let run = |extra: &[&str], csv: &str| {
        let mut args = vec![
            "correlate",
            a,
            b,
            "--channel-a",
            "1",
            "--max-lag",
            "700",
            "--stream",
            "--json",
            "--output",
            csv,
        ];
        args.extend_from_slice(extra);
        json(&args)
    };
    let (single, double) = (run(&[], c32), run(&["--precision", "f64"], c64));
    assert_eq!(single["precision"], "f32", "{single}");
    assert_eq!(double["precision"], "f64", "{double}");
    assert_eq!(single["peak"]["lag"], 29, "{single}");
    assert_eq!(double["peak"]["lag"], 29, "{double}");
    let (r32, r64) = (
        single["coefficient"].as_f64().unwrap(),
        double["coefficient"].as_f64().unwrap(),
    );
    assert!((r32 - r64).abs() < 1e-6, "{r32} vs {r64}");
    let (l32, l64) = (
        single["peak"]["lag_interpolated"].as_f64().unwrap(),
        double["peak"]["lag_interpolated"].as_f64().unwrap(),
    );
    assert!((l32 - l64).abs() < 1e-5, "{l32} vs {l64}");
    // Errors relative to the largest |value|: f32 against scipy in f64 and in f32, f64
    // against scipy in f64.
    let err = python(
        "from scipy.io import wavfile\nimport scipy.signal as s\n\
         a = np.load(sys.argv[1])[:, 1]; b = wavfile.read(sys.argv[2])[1]\n\
         ref = s.correlate(a.astype(float), b.astype(float), mode='full', method='fft')\n\
         sp32 = s.correlate(a, b, mode='full', method='fft').astype(float)\n\
         out = []\n\
         for f, c in [(sys.argv[3], ref), (sys.argv[3], sp32), (sys.argv[4], ref)]:\n\
         \x20   l = np.loadtxt(f, delimiter=',', skiprows=1); k = l[:, 0].astype(int) + len(b) - 1\n\
         \x20   out.append(float(np.max(np.abs(c[k] - l[:, 2])) / np.max(np.abs(ref[k]))))\n\
         print(json.dumps(out))",
        &[a, b, c32, c64],
    );
    let e: Vec<f64> = serde_json::from_value(err).unwrap();
    assert!(e[0] < 1e-6, "f32 vs scipy f64: {e:?}");
    assert!(e[1] < 1e-6, "f32 vs scipy f32: {e:?}");
    assert!(e[2] < 1e-12, "f64 vs scipy f64: {e:?}");
}
