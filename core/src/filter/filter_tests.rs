use super::*;
use alloc::vec::Vec;

fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect()
}

fn spec(band: Option<Band>, design: Design, order: usize) -> FilterSpec {
    FilterSpec {
        band,
        design,
        order,
        moving_average: None,
        decimate: None,
        sample_rate: 1000.0,
    }
}

#[test]
fn chunk_invariant_every_stage() {
    let x = noise(3000, 7);
    let specs = [
        spec(
            Some(Band::Lowpass(100.0)),
            Design::Iir(Prototype::Butterworth),
            4,
        ),
        spec(
            Some(Band::Bandpass(50.0, 200.0)),
            Design::Iir(Prototype::Chebyshev1 { ripple_db: 1.0 }),
            3,
        ),
        spec(Some(Band::Highpass(30.0)), Design::Fir, 40),
        FilterSpec {
            moving_average: Some(7),
            decimate: Some(3),
            ..spec(None, Design::Fir, 0)
        },
    ];
    for s in specs {
        crate::testkit::assert_chunk_invariant(
            || Collecting(s.build().unwrap(), Vec::new()),
            &x,
            24,
        );
    }
}

#[test]
fn bad_inputs_name_the_option() {
    let bad = [
        (
            spec(Some(Band::Lowpass(500.0)), Design::Fir, 10),
            "--lowpass",
        ),
        (spec(Some(Band::Lowpass(0.0)), Design::Fir, 10), "--lowpass"),
        (
            spec(Some(Band::Bandpass(200.0, 100.0)), Design::Fir, 10),
            "--bandpass",
        ),
        (
            spec(
                Some(Band::Highpass(10.0)),
                Design::Iir(Prototype::Butterworth),
                0,
            ),
            "--order",
        ),
        (
            spec(
                Some(Band::Highpass(10.0)),
                Design::Iir(Prototype::Butterworth),
                1000,
            ),
            "--order",
        ),
        (spec(Some(Band::Highpass(10.0)), Design::Fir, 11), "--order"),
        (
            spec(
                Some(Band::Highpass(10.0)),
                Design::Iir(Prototype::Chebyshev1 { ripple_db: -1.0 }),
                2,
            ),
            "--cheby1",
        ),
        (
            FilterSpec {
                decimate: Some(0),
                ..spec(None, Design::Fir, 0)
            },
            "--decimate",
        ),
        (
            FilterSpec {
                moving_average: Some(0),
                ..spec(None, Design::Fir, 0)
            },
            "--moving-average",
        ),
    ];
    for (s, name) in bad {
        let e = s.build().unwrap_err().to_string();
        assert!(e.contains(name), "{e} should name {name}");
    }
}

#[test]
fn zero_phase_needs_a_long_enough_record() {
    let d = spec(
        Some(Band::Lowpass(100.0)),
        Design::Iir(Prototype::Butterworth),
        4,
    )
    .design()
    .unwrap()
    .unwrap();
    assert!(filtfilt(&d, &noise(15, 1)).is_err());
    assert_eq!(filtfilt(&d, &noise(16, 1)).unwrap().len(), 16);
}

#[test]
fn butterworth_lowpass_has_unit_dc_gain() {
    let sos = design_iir(5, Band::Lowpass(100.0), Prototype::Butterworth, 1000.0).unwrap();
    let g: f64 = sos
        .iter()
        .map(|s| (s[0] + s[1] + s[2]) / (s[3] + s[4] + s[5]))
        .product();
    assert!((g - 1.0).abs() < 1e-12, "{g}");
    let taps = firwin(31, Band::Lowpass(100.0), 1000.0).unwrap();
    assert!((taps.iter().sum::<f64>() - 1.0).abs() < 1e-14);
}

/// |H(f)| against scipy 1.17 `sosfreqz` / `freqz` at fs = 1000.
#[test]
fn magnitude_response_matches_scipy() {
    let f = [0.0, 50.0, 100.0, 200.0, 499.0];
    let close = |got: &[f64], want: &[f64]| {
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-9 * w.abs().max(1e-3),
                "{got:?} vs {want:?}"
            );
        }
    };
    let butter = spec(
        Some(Band::Lowpass(100.0)),
        Design::Iir(Prototype::Butterworth),
        4,
    );
    close(
        &butter.magnitude_response(&f).unwrap(),
        &[
            0.9999999999999998,
            0.9984098979787569,
            core::f64::consts::FRAC_1_SQRT_2,
            0.03996803834887157,
            1.0856988055773836e-12,
        ],
    );
    let fir = spec(Some(Band::Bandpass(50.0, 200.0)), Design::Fir, 30);
    close(
        &fir.magnitude_response(&f).unwrap(),
        &[
            0.018291960146707722,
            0.49774456113797483,
            0.9876412936202243,
            0.4999459575580615,
            0.002733958930428583,
        ],
    );
    let mut moving = spec(None, Design::Fir, 0);
    moving.moving_average = Some(5);
    close(
        &moving.magnitude_response(&f).unwrap(),
        &[
            1.0,
            0.9040294042680405,
            0.6472135954999579,
            0.0,
            0.19997631333907162,
        ],
    );
    assert!(spec(None, Design::Fir, 0).magnitude_response(&f).is_err());
    assert!(butter
        .magnitude_response(&vec![1.0; MAX_RESPONSE_POINTS + 1])
        .is_err());
}
