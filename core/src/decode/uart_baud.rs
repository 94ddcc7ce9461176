//! Auto-baud: the bit width of a UART line estimated from the pulse widths of its first
//! edges.
//!
//! Method:
//! 1. A *pulse* is the time between two consecutive edges of one line (the stretch from the
//!    start of the capture to a line's first edge is not a pulse: it has no known start).
//! 2. The shortest *stable* pulse width: the widths are sorted and the smallest `w` is taken
//!    around which at least [`MIN_SUPPORT`] pulses lie in `[w, 1.5 w)` (a lone glitch is not
//!    stable). The median of that cluster is the first estimate `b0` of one bit.
//! 3. Refinement, in passes over pulses up to 3, 6 and 12 bits ([`REFINE_STEPS`]): every
//!    pulse within a quarter bit of a whole number `n` of the current estimate adds its width
//!    and `n` to two sums; their ratio is the next estimate. Long pulses sharpen it, and
//!    rising/falling delays cancel out; half-bit multiples (1.5 stop bits) are left out. The
//!    last pass repeats until the estimate stops moving ([`MAX_FINAL_PASSES`] at most).
//! 4. The baud rate (sample rate / bit width) snaps to the nearest [`STANDARD_BAUDS`] entry
//!    that lies within [`SNAP_TOLERANCE`]; otherwise the measured rate is kept.
//!
//! It fails on streams without single-bit pulses (for example only `0x00` bytes, whose
//! shortest pulse is the stop bit plus idle), where the shortest stable pulse is several bits.

use alloc::vec::Vec;

use crate::math::floor;

/// Pulses that must share the shortest width for it to count as one bit.
pub const MIN_SUPPORT: usize = 3;
/// Longest pulse, in bits, of each refinement pass: short pulses first, so that the error
/// of the first estimate cannot pick the wrong multiple for long pulses (a 9-bit word with
/// parity is 11 bits low at most).
pub const REFINE_STEPS: [f64; 3] = [3.0, 6.0, 12.0];
/// Further passes over pulses up to the longest step, until the estimate is a fixed point.
pub const MAX_FINAL_PASSES: usize = 8;
/// Relative distance within which a measured rate snaps to a standard one. Neighbours in
/// [`STANDARD_BAUDS`] lie at least 8.4 % apart (28800/31250, 230400/250000, …), so a 3 %
/// window never reaches past their midpoint; estimates from 64 edges at under 10 samples per
/// bit with 10 % edge jitter spread up to 2.7 %.
pub const SNAP_TOLERANCE: f64 = 0.03;
/// The rates auto-baud snaps to.
pub const STANDARD_BAUDS: [f64; 24] = [
    110.0, 300.0, 600.0, 1200.0, 2400.0, 4800.0, 9600.0, 14400.0, 19200.0, 28800.0, 31250.0,
    38400.0, 57600.0, 76800.0, 115200.0, 230400.0, 250000.0, 460800.0, 500000.0, 921600.0,
    1000000.0, 1500000.0, 2000000.0, 3000000.0,
];

/// Estimate the baud rate from pulse widths in samples (order does not matter; the slice is
/// sorted in place). `None` when there are no pulses.
pub fn estimate_baud(widths: &mut [u64], samplerate: f64) -> Option<f64> {
    let bit = estimate_bit_width(widths)?;
    let baud = samplerate / bit;
    let snapped = STANDARD_BAUDS
        .iter()
        .copied()
        .filter(|s| abs((baud - s) / s) <= SNAP_TOLERANCE)
        .min_by(|a, b| {
            let da = abs(baud - a);
            let db = abs(baud - b);
            da.total_cmp(&db)
        });
    Some(snapped.unwrap_or(baud))
}

/// The width of one bit in samples (steps 1–3 of the module doc), `None` without pulses.
pub fn estimate_bit_width(widths: &mut [u64]) -> Option<f64> {
    let widths = {
        widths.sort_unstable();
        &*widths
    };
    let first = widths.iter().position(|&w| w > 0)?;
    let widths = &widths[first..];
    if widths.len() < MIN_SUPPORT {
        return None;
    }
    let support = MIN_SUPPORT;
    // Smallest width with enough neighbours in [w, 1.5 w).
    let mut cluster = None;
    for (i, &w) in widths.iter().enumerate() {
        let limit = w.saturating_add(w / 2).max(w + 1);
        let n = widths[i..].iter().take_while(|&&x| x < limit).count();
        if n >= support {
            cluster = Some(&widths[i..i + n]);
            break;
        }
    }
    let cluster = cluster?;
    let mut bit = cluster[cluster.len() / 2] as f64;
    for max_n in REFINE_STEPS {
        bit = refine(widths, bit, max_n);
    }
    // The last pass until its set of pulses stops changing.
    let longest = REFINE_STEPS[REFINE_STEPS.len() - 1];
    for _ in 0..MAX_FINAL_PASSES {
        let next = refine(widths, bit, longest);
        if next == bit {
            break;
        }
        bit = next;
    }
    Some(bit)
}

/// One refinement pass: pulses of 1..=`max_n` bits within a quarter bit of a whole number
/// of `bit` give the new width; `bit` itself when none does.
fn refine(widths: &[u64], bit: f64, max_n: f64) -> f64 {
    let (mut sum_w, mut sum_n) = (0.0f64, 0.0f64);
    for &w in widths {
        let w = w as f64;
        let n = floor(w / bit + 0.5);
        if n > max_n {
            break;
        }
        if n >= 1.0 && abs(w - n * bit) <= bit / 4.0 {
            sum_w += w;
            sum_n += n;
        }
    }
    if sum_n > 0.0 {
        sum_w / sum_n
    } else {
        bit
    }
}

fn abs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

/// Pulse widths of up to `lines` lines in `transitions` (bit `i` of `levels` = line `i`).
pub fn pulse_widths(transitions: &[crate::logic::Transition], lines: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let Some(first) = transitions.first() else {
        return out;
    };
    let mut last_edge: [Option<u64>; 2] = [None, None];
    let mut prev = first.levels;
    for t in &transitions[1..] {
        let changed = t.levels ^ prev;
        prev = t.levels;
        for (i, last) in last_edge.iter_mut().enumerate().take(lines) {
            if changed >> i & 1 == 1 {
                if let Some(l) = *last {
                    out.push(t.at.saturating_sub(l));
                }
                *last = Some(t.at);
            }
        }
    }
    out
}
