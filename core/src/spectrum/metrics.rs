//! IEEE 1241 single-tone metrics from a one-sided power spectrum.
//!
//! Input: `power[k]`, the power (V²) of bin `k` such that summing the bins of a tone's main
//! lobe gives the tone's mean-square value (the density PSD times the bin width). With `h`
//! the window's [`Window::tone_half_width`](super::Window::tone_half_width):
//! - DC: bins `0..=h` are excluded from everything.
//! - Fundamental: the largest bin `k0` outside DC; its power is Σ `power[k0−h ..= k0+h]`; its
//!   frequency the power-weighted mean bin of that range; amplitude `√(2·P)` (peak).
//! - Harmonic `m` (2..=K): frequency `m·f0` folded into `0..fs/2` (aliases of harmonics
//!   above Nyquist), the largest bin within ±1 of it, power Σ over ±h around that bin;
//!   harmonics within `h` bins of DC or `2h` of the fundamental are skipped (listed `null`).
//! - Noise: the mean power of the remaining bins times `nfft / 2` (the excluded
//!   bins get the average noise level, as IEEE 1241 prescribes).
//! - THD = 10·log10(Σ P_harm / P_fund), SNR = 10·log10(P_fund / P_noise),
//!   SINAD = 10·log10(P_fund / (P_noise + Σ P_harm)), ENOB = (SINAD − 1.76) / 6.02,
//!   SFDR = 10·log10(P_fund / largest spur), a spur's power summed over ±h bins like the
//!   fundamental's: the largest harmonic, or the band around the largest bin left.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The result of the single-tone analysis.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ToneMetrics {
    /// Fundamental frequency (Hz, or cycles per sample without a rate).
    pub frequency: f64,
    /// Fundamental amplitude (peak, input units).
    pub amplitude: f64,
    /// Fundamental power (mean square).
    pub power: f64,
    /// Harmonics 2..=K: `[frequency, power]` after folding; `None` when it could not be
    /// separated from DC or the fundamental.
    pub harmonics: Vec<Option<[f64; 2]>>,
    /// Total harmonic distortion (dB).
    pub thd_db: f64,
    /// Signal-to-noise ratio (dB).
    pub snr_db: f64,
    /// Signal-to-noise-and-distortion ratio (dB).
    pub sinad_db: f64,
    /// Effective number of bits.
    pub enob: f64,
    /// Spurious-free dynamic range (dB).
    pub sfdr_db: f64,
    /// Noise power (mean square over the band).
    pub noise_power: f64,
    /// Bins summed per tone on each side of its peak bin.
    pub tone_half_width_bins: usize,
}

/// Metrics or the reason they do not apply.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Metrics {
    /// A tone was found.
    Tone(ToneMetrics),
    /// Why not.
    NotApplicable {
        /// The reason.
        not_applicable: String,
    },
}

fn na(reason: impl Into<String>) -> Metrics {
    Metrics::NotApplicable {
        not_applicable: reason.into(),
    }
}

fn db(x: f64) -> f64 {
    10.0 * x.log10()
}

/// Compute the metrics from `power` (bins 0..=nfft/2) sampled with `nfft` points at
/// `rate`, with window half-width `h` and `harmonics` = K.
pub fn tone_metrics(power: &[f64], nfft: usize, rate: f64, h: usize, harmonics: usize) -> Metrics {
    let bins = power.len();
    if bins < 4 * h + 4 {
        return na(format!(
            "{bins} bins are too few to separate a tone (window half-width {h} bins)"
        ));
    }
    let total: f64 = power[h + 1..].iter().sum();
    let Some((k0, &peak)) = power
        .iter()
        .enumerate()
        .skip(h + 1)
        .max_by(|a, b| a.1.total_cmp(b.1))
    else {
        return na("no bins outside DC");
    };
    if total.is_nan() || total <= 0.0 || peak <= total * 1e-300 {
        return na("constant signal: no power outside DC");
    }
    let band = |k: usize| (k.saturating_sub(h), (k + h).min(bins - 1));
    let mut excluded = alloc::vec![false; bins];
    for e in excluded.iter_mut().take(h + 1) {
        *e = true;
    }
    let (a, b) = band(k0);
    let fund: f64 = power[a..=b].iter().sum();
    let centroid: f64 = (a..=b).map(|k| k as f64 * power[k]).sum::<f64>() / fund;
    for e in &mut excluded[a..=b] {
        *e = true;
    }
    let df = rate / nfft as f64;
    let f0 = centroid * df;
    let mut harm = Vec::new();
    let mut harm_power = 0.0;
    for m in 2..=harmonics as u64 {
        let mut f = (m as f64 * f0) % rate;
        if f > rate / 2.0 {
            f = rate - f;
        }
        let kc = (f / df).round() as usize;
        let lo = kc.saturating_sub(1);
        let hi = (kc + 1).min(bins - 1);
        let k = (lo..=hi)
            .max_by(|&x, &y| power[x].total_cmp(&power[y]))
            .unwrap_or(kc);
        let (a, b) = band(k);
        if k <= h || k.abs_diff(k0) <= 2 * h {
            harm.push(None);
            continue;
        }
        let p: f64 = (a..=b).filter(|&i| !excluded[i]).map(|i| power[i]).sum();
        for e in &mut excluded[a..=b] {
            *e = true;
        }
        harm_power += p;
        harm.push(Some([k as f64 * df, p]));
    }
    let rest: Vec<f64> = (0..bins)
        .filter(|&i| !excluded[i])
        .map(|i| power[i])
        .collect();
    if rest.is_empty() {
        return na("no bins left for the noise estimate");
    }
    let noise = rest.iter().sum::<f64>() / rest.len() as f64 * (nfft as f64 / 2.0);
    // Largest spur: a harmonic's band power, or the band power around the largest bin
    // left (both summed like the fundamental, so window scalloping cancels).
    let left = (0..bins)
        .filter(|&i| !excluded[i])
        .max_by(|&x, &y| power[x].total_cmp(&power[y]));
    let other = left.map_or(0.0, |k| {
        let (a, b) = band(k);
        (a..=b)
            .filter(|&i| !excluded[i])
            .map(|i| power[i])
            .sum::<f64>()
    });
    let spur = harm.iter().flatten().map(|h| h[1]).fold(other, f64::max);
    let sinad = db(fund / (noise + harm_power));
    Metrics::Tone(ToneMetrics {
        frequency: f0,
        amplitude: (2.0 * fund).sqrt(),
        power: fund,
        harmonics: harm,
        thd_db: db(harm_power / fund),
        snr_db: db(fund / noise),
        sinad_db: sinad,
        enob: (sinad - 1.76) / 6.02,
        sfdr_db: db(fund / spur),
        noise_power: noise,
        tone_half_width_bins: h,
    })
}
