//! `scopekit filter`: designs (taps, sections) and outputs against scipy computed at test
//! time (firwin, butter, cheby1, sosfilt, sosfiltfilt, lfilter, decimate), and bad input.

use scopekit_tests::{python, scopekit, TempDir};

fn noise(dir: &TempDir) -> String {
    let input = dir.path("in.npy").to_string_lossy().into_owned();
    python(
        "rng = np.random.default_rng(5); np.save(sys.argv[1], rng.standard_normal((20000, 2))); print('0')",
        &[&input],
    );
    input
}

/// Run filter with `args` and return scipy's (design error, output error), computed by
/// `oracle` (Python that sets `d` = design and `y` = expected output from `x`).
fn check(args: &[&str], key: &str, oracle: &str) -> (f64, f64) {
    let name: String = args
        .concat()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let dir = TempDir::new(&format!("filter-{name}"));
    let input = noise(&dir);
    let out = dir.path("out.npy").to_string_lossy().into_owned();
    let mut full = vec!["filter", &input, &out, "--rate", "1000", "--json"];
    full.extend_from_slice(args);
    let o = scopekit(&full);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = dir.path("report.json");
    std::fs::write(&report, &o.stdout).unwrap();
    let code = format!(
        "import scipy.signal as s\nx = np.load(sys.argv[1]); got = np.load(sys.argv[2]); r = json.load(open(sys.argv[3]))\n{oracle}\n\
         print(json.dumps([float(np.max(np.abs(np.asarray(r['{key}']) - d))), float(np.max(np.abs(got - y)) / np.max(np.abs(y)))]))"
    );
    let v = python(&code, &[&input, &out, report.to_str().unwrap()]);
    (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
}

fn assert_close(args: &[&str], key: &str, oracle: &str) {
    let (design, output) = check(args, key, oracle);
    assert!(design <= 1e-12, "{args:?}: design differs by {design}");
    assert!(
        output <= 1e-9,
        "{args:?}: output differs by {output} (relative)"
    );
}

#[test]
fn butterworth_lowpass_matches_sosfilt() {
    assert_close(
        &["--lowpass", "100", "--order", "5"],
        "sos",
        "d = s.butter(5, 100, output='sos', fs=1000); y = s.sosfilt(d, x, axis=0)",
    );
}

#[test]
fn butterworth_highpass_and_bandstop_match() {
    assert_close(
        &["--highpass", "20", "--order", "3"],
        "sos",
        "d = s.butter(3, 20, 'highpass', output='sos', fs=1000); y = s.sosfilt(d, x, axis=0)",
    );
    assert_close(
        &["--bandstop", "45,55", "--order", "4"],
        "sos",
        "d = s.butter(4, [45, 55], 'bandstop', output='sos', fs=1000); y = s.sosfilt(d, x, axis=0)",
    );
}

#[test]
fn chebyshev_bandpass_matches_sosfilt() {
    assert_close(
        &["--bandpass", "50,200", "--cheby1", "0.5", "--order", "3"],
        "sos",
        "d = s.cheby1(3, 0.5, [50, 200], 'bandpass', output='sos', fs=1000); y = s.sosfilt(d, x, axis=0)",
    );
    assert_close(
        &["--lowpass", "120", "--cheby1", "1", "--order", "6"],
        "sos",
        "d = s.cheby1(6, 1, 120, output='sos', fs=1000); y = s.sosfilt(d, x, axis=0)",
    );
}

#[test]
fn zero_phase_matches_sosfiltfilt_and_filtfilt() {
    assert_close(
        &["--lowpass", "80", "--order", "4", "--zero-phase"],
        "sos",
        "d = s.butter(4, 80, output='sos', fs=1000); y = s.sosfiltfilt(d, x, axis=0)",
    );
    assert_close(
        &["--lowpass", "80", "--fir", "--order", "30", "--zero-phase"],
        "taps",
        "d = s.firwin(31, 80, fs=1000); y = s.filtfilt(d, [1.0], x, axis=0)",
    );
}

#[test]
fn fir_designs_match_firwin_and_lfilter() {
    assert_close(
        &["--bandpass", "100,300", "--fir", "--order", "64"],
        "taps",
        "d = s.firwin(65, [100, 300], pass_zero=False, fs=1000); y = s.lfilter(d, 1, x, axis=0)",
    );
    assert_close(
        &["--bandstop", "100,300", "--fir", "--order", "50"],
        "taps",
        "d = s.firwin(51, [100, 300], fs=1000); y = s.lfilter(d, 1, x, axis=0)",
    );
}

#[test]
fn moving_average_and_decimation_match_scipy() {
    let dir = TempDir::new("filter-post");
    let input = noise(&dir);
    let out = dir.path("out.npy").to_string_lossy().into_owned();
    let o = scopekit(&[
        "filter",
        &input,
        &out,
        "--rate",
        "1000",
        "--moving-average",
        "9",
        "--decimate",
        "4",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = python(
        "import scipy.signal as s\nx = np.load(sys.argv[1]); got = np.load(sys.argv[2])\n\
         m = s.lfilter(np.ones(9) / 9, 1, x, axis=0)\n\
         y = s.decimate(m, 4, ftype='fir', axis=0, zero_phase=False)\n\
         print(json.dumps([list(got.shape), float(np.max(np.abs(got - y)))]))",
        &[&input, &out],
    );
    assert_eq!(err[0], serde_json::json!([5000, 2]));
    assert!(err[1].as_f64().unwrap() < 1e-12, "{err}");
}

#[test]
fn bad_filters_are_clear_errors_and_leave_no_file() {
    let dir = TempDir::new("filter-bad");
    let input = noise(&dir);
    let out = dir.path("out.npy").to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 6] = [
        (&["--lowpass", "500"], "--lowpass"),
        (&["--highpass=-3"], "--highpass"),
        (&["--bandpass", "200,100"], "--bandpass"),
        (&["--lowpass", "100", "--order", "0"], "--order"),
        (&["--lowpass", "100", "--order", "100000"], "--order"),
        (&["--highpass", "100", "--fir", "--order", "11"], "--order"),
    ];
    for (args, name) in cases {
        let mut full = vec!["filter", &input, &out, "--rate", "1000"];
        full.extend_from_slice(args);
        let o = scopekit(&full);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(name), "{args:?}: {err}");
        assert!(!std::path::Path::new(&out).exists());
    }
}
