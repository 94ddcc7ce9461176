use alloc::vec::Vec;
use core::f64::consts::PI;

use super::*;
use crate::testkit::{assert_chunk_invariant, run_split};
use crate::{Merge as _, Push as _};

fn config(nfft: usize, overlap: usize, window: Window) -> WelchConfig {
    WelchConfig {
        nfft,
        overlap,
        window,
        spectrogram: Some((3, 4, 1000)),
    }
}

/// A deterministic test signal: two tones plus pseudo-random noise (xorshift).
fn signal(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let noise = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let t = i as f64;
            (2.0 * PI * 0.1234 * t).sin() + 0.3 * (2.0 * PI * 0.31 * t).cos() + 0.01 * noise
        })
        .collect()
}

#[test]
fn welch_is_chunk_invariant() {
    let x = signal(3000, 7);
    for (nfft, overlap) in [(256, 128), (100, 0), (64, 63)] {
        assert_chunk_invariant(
            || Welch::try_new(config(nfft, overlap, Window::Hann)).unwrap(),
            &x,
            16,
        );
    }
}

#[test]
fn parts_merge_to_the_serial_sum() {
    let x = signal(20_000, 3);
    let c = config(512, 200, Window::BlackmanHarris);
    let serial = run_split(Welch::try_new(c.clone()).unwrap(), &x, &[]).unwrap();
    let total = segment_count(&c, x.len() as u64);
    assert_eq!(serial.segments, total);
    let step = c.step() as u64;
    let cuts = [0u64, 5, 6, 30, total];
    let mut merged: Option<WelchSum> = None;
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let from = (a * step) as usize;
        let to = ((b - 1) * step + 512) as usize;
        let part = run_split(
            Welch::part(c.clone(), a, b - a).unwrap(),
            &x[from..to],
            &[7, 900],
        );
        let part = part.unwrap();
        match &mut merged {
            None => merged = Some(part),
            Some(m) => m.merge(part).unwrap(),
        }
    }
    let merged = merged.unwrap();
    assert_eq!(merged.segments, serial.segments);
    for (a, b) in merged.sum.iter().zip(&serial.sum) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300), "{a} vs {b}");
    }
    assert_eq!(
        merged.spectrogram.as_ref().unwrap().counts,
        serial.spectrogram.as_ref().unwrap().counts
    );
}

#[test]
fn windows_are_periodic_and_normalised() {
    let n = 16;
    for w in [
        Window::Hann,
        Window::Hamming,
        Window::Blackman,
        Window::BlackmanHarris,
        Window::Flattop,
        Window::Kaiser(8.6),
    ] {
        let c = w.coefficients(n);
        // Periodic: peak 1 at the centre, symmetric about it.
        assert!((c[n / 2] - 1.0).abs() < 1e-8, "{w:?} {c:?}");
        for k in 1..n / 2 {
            assert!((c[n / 2 - k] - c[n / 2 + k]).abs() < 1e-12);
        }
    }
    assert_eq!(Window::parse("kaiser:14").unwrap(), Window::Kaiser(14.0));
    assert!(Window::parse("kaiser:x").is_err() && Window::parse("nope").is_err());
}

#[test]
fn non_finite_samples_name_their_index() {
    let mut x = signal(1000, 1);
    x[777] = f64::NAN;
    let err = run_split(
        Welch::try_new(config(64, 32, Window::Hann)).unwrap(),
        &x,
        &[500],
    );
    assert!(format!("{err:?}").contains("sample 777"), "{err:?}");
}

#[test]
fn short_records_and_bad_configs_are_errors() {
    let err = run_split(
        Welch::try_new(config(256, 0, Window::Hann)).unwrap(),
        &[0.0; 100],
        &[],
    );
    assert!(format!("{err:?}").contains("fewer than nfft"));
    assert!(Welch::try_new(config(256, 256, Window::Hann)).is_err());
    assert!(Welch::try_new(config(1, 0, Window::Hann)).is_err());
}

fn report(x: &[f64], nfft: usize, window: Window, k: usize) -> SpectrumReport {
    let c = WelchConfig {
        nfft,
        overlap: nfft / 2,
        window,
        spectrogram: None,
    };
    let sum = run_split(Welch::try_new(c).unwrap(), x, &[]).unwrap();
    SpectrumReport::new(
        &sum,
        &ReportOptions {
            sample_rate: Some(1e6),
            scaling: Scaling::Density,
            harmonics: k,
            peaks: 5,
            full_scale: None,
        },
    )
}

#[test]
fn constant_signal_metrics_do_not_apply() {
    let r = report(&[1.5; 4096], 1024, Window::Hann, 5);
    assert!(
        matches!(r.metrics, Metrics::NotApplicable { .. }),
        "{:?}",
        r.metrics
    );
}

#[test]
fn tone_metrics_match_closed_form() {
    // 1 V tone at 12.345 kHz (fs 1 MHz), harmonics 2 (10 mV) and 3 (3 mV), and a
    // harmonic 9 above Nyquist (9 × 61.7 kHz… folded): white noise of rms 1 mV.
    let f0 = 61_728.4;
    let (a2, a3, a9) = (0.01, 0.003, 0.002);
    let sigma = 1e-3;
    let n = 1 << 18;
    let mut s = 12345u64;
    let mut gauss = || {
        // Box-Muller from xorshift uniforms.
        let mut u = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (u1, u2) = (u(), u());
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    };
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / 1e6;
            (2.0 * PI * f0 * t).sin()
                + a2 * (2.0 * PI * 2.0 * f0 * t).sin()
                + a3 * (2.0 * PI * 3.0 * f0 * t + 0.3).sin()
                + a9 * (2.0 * PI * 9.0 * f0 * t).sin()
                + sigma * gauss()
        })
        .collect();
    let r = report(&x, 8192, Window::BlackmanHarris, 9);
    let Metrics::Tone(m) = &r.metrics else {
        panic!("{:?}", r.metrics)
    };
    assert!((m.frequency - f0).abs() < 5.0, "{}", m.frequency);
    assert!((m.amplitude - 1.0).abs() < 1e-3, "{}", m.amplitude);
    let thd = 10.0 * ((a2 * a2 + a3 * a3 + a9 * a9) / 1.0).log10();
    assert!((m.thd_db - thd).abs() < 0.1, "{} vs {thd}", m.thd_db);
    let snr = 10.0 * (0.5 / (sigma * sigma)).log10();
    assert!((m.snr_db - snr).abs() < 0.3, "{} vs {snr}", m.snr_db);
    let sinad = 10.0 * (0.5 / (sigma * sigma + (a2 * a2 + a3 * a3 + a9 * a9) / 2.0)).log10();
    assert!(
        (m.sinad_db - sinad).abs() < 0.3,
        "{} vs {sinad}",
        m.sinad_db
    );
    assert!((m.enob - (sinad - 1.76) / 6.02).abs() < 0.06);
    assert!(
        (m.sfdr_db - 20.0 * (1.0 / a2).log10()).abs() < 0.3,
        "{}",
        m.sfdr_db
    );
    assert!(m.harmonics[7].is_some(), "9th harmonic folds below Nyquist");
    assert!((r.peaks[0].frequency - f0).abs() < 20.0);
}

/// The f32 transform agrees with the f64 one within 1e-4 on every bin above 1e-6 of the peak
/// (the tolerance), is chunk invariant, and its parts planned by
/// [`crate::parts::plan_parts`] merge to the serial sum.
#[test]
fn f32_transforms_match_f64_and_merge() {
    let x: Vec<f64> = signal(40_000, 11)
        .iter()
        .map(|&v| v as f32 as f64)
        .collect();
    let c = config(1024, 512, Window::Hann);
    let run = |p| run_split(Welch::part_in(c.clone(), 0, u64::MAX, p).unwrap(), &x, &[]).unwrap();
    let (s32, s64) = (run(Precision::F32), run(Precision::F64));
    assert_eq!(s32.precision, Precision::F32);
    let peak = s64.sum.iter().cloned().fold(0.0, f64::max);
    let mut checked = 0;
    for (k, (a, b)) in s32.sum.iter().zip(&s64.sum).enumerate() {
        if *b > peak * 1e-6 {
            assert!((a - b).abs() <= 1e-4 * b, "bin {k}: {a} vs {b}");
            checked += 1;
        }
    }
    assert!(checked > 10, "{checked}");
    assert_chunk_invariant(
        || Welch::part_in(config(256, 100, Window::Hann), 0, u64::MAX, Precision::F32).unwrap(),
        &x[..3000],
        16,
    );
    let total = segment_count(&c, x.len() as u64);
    let parts = crate::parts::plan_parts(total, 7, 3, c.step() as u64, c.nfft as u64);
    let mut merged: Option<WelchSum> = None;
    for p in &parts {
        let welch = Welch::part_in(c.clone(), p.first, p.units(), Precision::F32).unwrap();
        let sum = run_split(welch, &x[p.read_start as usize..p.read_end as usize], &[]).unwrap();
        match &mut merged {
            Some(m) => m.merge(sum).unwrap(),
            None => merged = Some(sum),
        }
    }
    let merged = merged.unwrap();
    assert_eq!(merged.segments, s32.segments);
    for (a, b) in merged.sum.iter().zip(&s32.sum) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300), "{a} vs {b}");
    }
    // Parts of different precisions do not merge.
    let mut a = Welch::part_in(c.clone(), 0, 1, Precision::F32).unwrap();
    a.push(&x[..1024]).unwrap();
    let mut b = Welch::part_in(c.clone(), 1, 1, Precision::F64).unwrap();
    b.push(&x[512..1536]).unwrap();
    assert!(a.finish().unwrap().merge(b.finish().unwrap()).is_err());
}

#[test]
fn precision_parses_and_follows_the_input() {
    use crate::formats::dtype::Dtype;
    assert_eq!(Precision::parse("auto").unwrap(), None);
    assert_eq!(Precision::parse("f32").unwrap(), Some(Precision::F32));
    assert_eq!(Precision::parse("f64").unwrap(), Some(Precision::F64));
    assert!(Precision::parse("f16").is_err());
    let f4 = Dtype::parse("<f4").unwrap();
    assert_eq!(Precision::of_dtype(f4), Precision::F32);
    for d in ["f8", "<i2", "u1", "i4"] {
        assert_eq!(
            Precision::of_dtype(Dtype::parse(d).unwrap()),
            Precision::F64,
            "{d}"
        );
    }
    assert_eq!(Precision::default(), Precision::F64);
    assert_eq!(Precision::F32.name(), "f32");
}

#[test]
fn scaling_parses_scipy_names_and_names_the_bad_one() {
    assert_eq!(Scaling::parse("density").unwrap(), Scaling::Density);
    assert_eq!(Scaling::parse("spectrum").unwrap(), Scaling::Spectrum);
    let e = Scaling::parse("psd").unwrap_err().to_string();
    assert!(e.contains("density or spectrum, not 'psd'"), "{e}");
}
