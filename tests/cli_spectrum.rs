//! `scopekit spectrum` against scipy.signal.welch / periodogram computed at test time, the
//! IEEE 1241 metrics against closed form, parallel == serial, bad input and real data.

use scopekit_tests::{python, scopekit, TempDir};
use serde_json::Value;

use crate::cli_stats::json;

/// numpy writes a multi-tone + noise record; scipy gives the reference PSD of each case
/// (`window nfft overlap_fraction average scaling`).
const SCIPY_CASES: &str = r#"
import scipy.signal as ss
path = sys.argv[1]
rng = np.random.default_rng(5)
n = 50_000
t = np.arange(n) / 1e5
x = (1.3 * np.sin(2 * np.pi * 4321.0 * t) + 0.2 * np.cos(2 * np.pi * 17_890.5 * t)
     + 0.05 * np.sin(2 * np.pi * 31_000.0 * t) + 0.4 + 1e-3 * rng.standard_normal(n))
np.save(path, x)
out = []
for case in sys.argv[2:]:
    w, nfft, ov, avg, scaling = case.split()
    nfft, ov = int(nfft), float(ov)
    win = ('kaiser', float(w.split(':')[1])) if w.startswith('kaiser') else w
    if avg == 'welch':
        f, p = ss.welch(x, fs=1.0, window=win, nperseg=nfft, noverlap=int(nfft * ov), scaling=scaling)
    else:
        f, p = ss.periodogram(x, fs=1.0, window=win, nfft=None if nfft == 0 else nfft, scaling=scaling)
    out.append(p.tolist())
print(json.dumps(out))
"#;

fn rel_check(got: &[Value], want: &[Value], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: bin count");
    let want: Vec<f64> = want.iter().map(|v| v.as_f64().unwrap()).collect();
    let max = want.iter().cloned().fold(0.0, f64::max);
    let mut checked = 0;
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        // Bins above the noise floor (1e-3 rms noise ≈ 2e-11 V²/Hz; tones reach 1e-2).
        if *w > max * 1e-6 {
            let g = g.as_f64().unwrap();
            assert!((g - w).abs() <= 1e-4 * w, "{what}: bin {k}: {g} vs {w}");
            checked += 1;
        }
    }
    assert!(checked >= 3, "{what}: only {checked} bins above the floor");
}

#[test]
fn welch_and_periodogram_match_scipy() {
    let dir = TempDir::new("spectrum-scipy");
    let path = dir.path("tones.npy");
    let p = path.to_str().unwrap();
    let windows = [
        ("hann", "hann"),
        ("hamming", "hamming"),
        ("blackman", "blackman"),
        ("blackman-harris", "blackmanharris"),
        ("flattop", "flattop"),
        ("rectangular", "boxcar"),
        ("kaiser:8.6", "kaiser:8.6"),
    ];
    let mut cases = Vec::new();
    for (i, (ours, theirs)) in windows.iter().enumerate() {
        let (nfft, ov) = [(1024, 0.5), (4096, 0.75), (1000, 0.0), (777, 0.3)][i % 4];
        cases.push((
            *ours,
            format!("{theirs} {nfft} {ov} welch density"),
            nfft,
            ov,
            "welch",
            "density",
        ));
        cases.push((
            *ours,
            format!("{theirs} 2048 0.5 welch spectrum"),
            2048,
            0.5,
            "welch",
            "spectrum",
        ));
        cases.push((
            *ours,
            format!("{theirs} 0 0 none density"),
            0,
            0.0,
            "none",
            "density",
        ));
    }
    cases.push((
        "hann",
        "hann 8192 0 none density".into(),
        8192,
        0.0,
        "none",
        "density",
    ));
    let mut args = vec![p];
    args.extend(cases.iter().map(|c| c.1.as_str()));
    let want = python(SCIPY_CASES, &args);
    for (case, want) in cases.iter().zip(want.as_array().unwrap()) {
        let (window, what, nfft, ov, avg, scaling) = case;
        let (n, o) = (nfft.to_string(), ov.to_string());
        let mut a = vec![
            "spectrum",
            p,
            "--window",
            window,
            "--average",
            avg,
            "--scaling",
            scaling,
            "--json",
        ];
        if *nfft > 0 {
            a.extend(["--nfft", &n, "--overlap", &o]);
        }
        let got = json(&a);
        rel_check(
            got["psd"].as_array().unwrap(),
            want.as_array().unwrap(),
            what,
        );
    }
}

#[test]
fn parallel_equals_serial_and_metrics_match_closed_form() {
    let dir = TempDir::new("spectrum-par");
    let path = dir.path("tone.wav");
    let p = path.to_str().unwrap();
    // int16 WAV: 0.5 full scale sine at 1 kHz (fs 48 kHz), 2nd harmonic at 1 % and 3rd at
    // 0.3 %, white noise of 20 LSB rms.
    python(
        r#"
import wave
rng = np.random.default_rng(9)
n = 1 << 20
t = np.arange(n) / 48000
a = 16384
x = a * (np.sin(2*np.pi*1000.3*t) + 0.01*np.sin(2*np.pi*2000.6*t) + 0.003*np.sin(2*np.pi*3000.9*t)) + 20*rng.standard_normal(n)
w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
w.writeframes(np.round(x).astype('<i2').tobytes()); w.close()
print(1)
"#,
        &[p],
    );
    let base = [
        "spectrum",
        p,
        "--window",
        "blackman-harris",
        "--nfft",
        "8192",
        "--json",
        "--spectrogram",
    ];
    let serial = json(&[&base[..], &["--threads", "1"]].concat());
    let par = json(&[&base[..], &["--threads", "2"]].concat());
    for (s, q) in serial["psd"]
        .as_array()
        .unwrap()
        .iter()
        .zip(par["psd"].as_array().unwrap())
    {
        let (s, q) = (s.as_f64().unwrap(), q.as_f64().unwrap());
        assert!((s - q).abs() <= 1e-12 * s.abs(), "{s} vs {q}");
    }
    assert_eq!(serial["spectrogram"]["times"], par["spectrogram"]["times"]);
    let m = &serial["metrics"];
    let f = |k: &str| m[k].as_f64().unwrap();
    assert!((f("frequency") - 1000.3).abs() < 0.5, "{m}");
    assert!((f("amplitude") / 16384.0 - 1.0).abs() < 1e-3, "{m}");
    let thd = 10.0 * (0.01f64.powi(2) + 0.003f64.powi(2)).log10();
    assert!(
        (f("thd_db") - thd).abs() < 0.1,
        "thd {} vs {thd}",
        f("thd_db")
    );
    // Noise: 20 LSB rms plus rounding (1/12 LSB²).
    let noise = 400.0 + 1.0 / 12.0;
    let snr = 10.0 * (16384f64.powi(2) / 2.0 / noise).log10();
    assert!(
        (f("snr_db") - snr).abs() < 0.2,
        "snr {} vs {snr}",
        f("snr_db")
    );
    assert!((f("enob") - (f("sinad_db") - 1.76) / 6.02).abs() < 1e-9);
    assert!((f("sfdr_db") - 40.0).abs() < 0.2, "sfdr {}", f("sfdr_db"));
    // dBFS: a half-scale sine is −6.02 dBFS (flat-top reads the amplitude within 0.01 dB).
    let ft = json(&[
        "spectrum",
        p,
        "--window",
        "flattop",
        "--scaling",
        "spectrum",
        "--json",
    ]);
    let dbfs = ft["amplitude_dbfs"].as_array().unwrap();
    let top = dbfs
        .iter()
        .map(|v| v.as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert!((top + 6.0206).abs() < 0.02, "{top}");
}

#[test]
fn bad_input_is_reported() {
    let dir = TempDir::new("spectrum-bad");
    let (nan, short, flat) = (
        dir.path("nan.npy"),
        dir.path("short.npy"),
        dir.path("flat.npy"),
    );
    python(
        r#"
x = np.sin(np.arange(10000) * 0.3); x[6543] = np.nan
np.save(sys.argv[1], x); np.save(sys.argv[2], np.ones(100)); np.save(sys.argv[3], np.full(10000, 2.5))
print(1)
"#,
        &[
            nan.to_str().unwrap(),
            short.to_str().unwrap(),
            flat.to_str().unwrap(),
        ],
    );
    let out = scopekit(&["spectrum", nan.to_str().unwrap(), "--threads", "1"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sample 6543"),
        "{out:?}"
    );
    let out = scopekit(&["spectrum", short.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fewer than nfft"),
        "{out:?}"
    );
    let r = json(&[
        "spectrum",
        flat.to_str().unwrap(),
        "--nfft",
        "1024",
        "--json",
    ]);
    assert!(
        r["metrics"]["not_applicable"]
            .as_str()
            .unwrap()
            .contains("constant"),
        "{r}"
    );
    let out = scopekit(&["spectrum", flat.to_str().unwrap(), "--window", "kaiser:x"]);
    assert!(!out.status.success());
}

#[test]
fn real_trc_smoke() {
    let dir = scopekit_tests::repo().join("../shared/data/trc");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "trc") {
            let out = scopekit(&["spectrum", p.to_str().unwrap(), "--nfft", "256", "--json"]);
            if out.status.success() {
                let r: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(r["psd"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|v| v.as_f64().is_some()));
            } else {
                // Only a clear error (e.g. a record shorter than nfft), never a panic.
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(!err.contains("panicked"), "{err}");
            }
        }
    }
}

/// Float32 inputs (NPY, IEEE-float WAV, raw) are transformed in f32 by default, as scipy
/// computes them: the PSD matches `scipy.signal.welch`/`periodogram` of the float32 array
/// within 1e-4 on the bins above the noise floor; `--precision f64` matches scipy on the
/// same samples as float64; the threads never change the result.
#[test]
fn float32_inputs_run_in_f32_and_match_scipy() {
    let dir = TempDir::new("spectrum-f32");
    let (npy, wav, raw) = (
        dir.path("tones32.npy"),
        dir.path("tones32.wav"),
        dir.path("tones32.f32"),
    );
    let (npy, wav, raw) = (
        npy.to_str().unwrap(),
        wav.to_str().unwrap(),
        raw.to_str().unwrap(),
    );
    let want = python(
        r#"
import struct
import scipy.signal as ss
rng = np.random.default_rng(8)
n = 200_000
t = np.arange(n) / 1e5
x = (0.9 * np.sin(2 * np.pi * 4321.0 * t) + 0.1 * np.cos(2 * np.pi * 17_890.5 * t)
     + 0.02 + 1e-3 * rng.standard_normal(n)).astype(np.float32)
np.save(sys.argv[1], x)
x.tofile(sys.argv[3])
# IEEE-float WAV (format 3), mono, 100 kHz.
data = x.astype('<f4').tobytes()
fmt = struct.pack('<HHIIHH', 3, 1, 100_000, 400_000, 4, 32)
body = b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt + b'data' + struct.pack('<I', len(data)) + data
open(sys.argv[2], 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)
out = {}
for name, w, nfft, ov in [('hann', 'hann', 4096, 0.5), ('blackman-harris', 'blackmanharris', 1000, 0.25)]:
    f, p32 = ss.welch(x, fs=1.0, window=w, nperseg=nfft, noverlap=int(nfft * ov))
    f, p64 = ss.welch(x.astype(np.float64), fs=1.0, window=w, nperseg=nfft, noverlap=int(nfft * ov))
    assert p32.dtype == np.float32
    out[name] = [p32.astype(np.float64).tolist(), p64.tolist()]
f, p = ss.periodogram(x, fs=1.0, window='hann')
out['periodogram'] = [p.astype(np.float64).tolist()]
print(json.dumps(out))
"#,
        &[npy, wav, raw],
    );
    for (window, nfft, ov) in [("hann", "4096", "0.5"), ("blackman-harris", "1000", "0.25")] {
        let case = |file: &str, extra: &[&str]| {
            let mut a = vec![
                "spectrum",
                file,
                "--window",
                window,
                "--nfft",
                nfft,
                "--overlap",
                ov,
                "--json",
            ];
            a.extend_from_slice(extra);
            json(&a)
        };
        let raw_args = ["--raw", "float32"];
        for (file, extra, rate) in [
            (npy, &[][..], 1.0),
            (wav, &[][..], 1e5),
            (raw, &raw_args[..], 1.0),
        ] {
            let got = case(file, extra);
            assert_eq!(got["precision"], "f32", "{file}");
            // The WAV records 100 kHz: its density is scipy's (fs = 1) over 1e5.
            let psd: Vec<Value> = got["psd"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (v.as_f64().unwrap() * rate).into())
                .collect();
            rel_check(
                &psd,
                want[window][0].as_array().unwrap(),
                &format!("{file} {window} f32"),
            );
            for threads in ["1", "2", "3"] {
                let t = case(file, &[&["--threads", threads], extra].concat());
                for (a, b) in t["psd"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(got["psd"].as_array().unwrap())
                {
                    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                    assert!(
                        (a - b).abs() <= 1e-12 * b.abs(),
                        "threads {threads}: {a} vs {b}"
                    );
                }
            }
        }
        let f64_run = case(npy, &["--precision", "f64"]);
        assert_eq!(f64_run["precision"], "f64");
        rel_check(
            f64_run["psd"].as_array().unwrap(),
            want[window][1].as_array().unwrap(),
            &format!("{window} f64"),
        );
    }
    let got = json(&["spectrum", npy, "--average", "none", "--json"]);
    assert_eq!(got["precision"], "f32");
    rel_check(
        got["psd"].as_array().unwrap(),
        want["periodogram"][0].as_array().unwrap(),
        "periodogram f32",
    );
    let out = scopekit(&["spectrum", npy, "--precision", "f16"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--precision"),
        "{out:?}"
    );
    // Float64 input stays f64 under auto.
    let tones = dir.path("tones64.npy");
    python(
        "np.save(sys.argv[1], np.sin(np.arange(20000) * 0.3))\nprint(1)",
        &[tones.to_str().unwrap()],
    );
    let got = json(&[
        "spectrum",
        tones.to_str().unwrap(),
        "--nfft",
        "1024",
        "--json",
    ]);
    assert_eq!(got["precision"], "f64");
}
