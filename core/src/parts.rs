//! Planning the parts of a record that run on several workers and merge in order.
//!
//! Vocabulary: a **unit** is the smallest piece whose result belongs to exactly one part (a
//! Welch segment, a data byte); a **part** owns a contiguous run of units and **reads** the
//! samples (or bytes) those units need, which may run past the next part's first unit (a
//! Welch segment overlaps the next by `nfft − step` samples). Parts are planned from the
//! record alone, never from the number of workers running them (the caller caps the count),
//! so a plan made for one thread and one made for eight merge to the same result when the
//! cap is the same.
//!
//! Two splits share this planner: runs of Welch segments ([`plan_parts`], which the spectrum
//! module turns into sample ranges) and byte ranges of an analog capture for thresholding
//! ([`analog_parts`]; each part re-runs its own first samples to continue the comparators, see
//! [`crate::edges::Digitizer::push_part`]).

use alloc::vec::Vec;

use crate::formats::Header;

/// One part of a split record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// First unit the part owns.
    pub first: u64,
    /// One past its last unit.
    pub end: u64,
    /// First sample (or byte) it reads.
    pub read_start: u64,
    /// One past the last sample (or byte) it reads.
    pub read_end: u64,
}

impl Part {
    /// Units owned.
    pub fn units(&self) -> u64 {
        self.end - self.first
    }
}

/// Split `units` units into at most `max_parts` parts of equal length (the last may be
/// shorter), each a multiple of `align` units except the last: `ceil(units / parts)`
/// rounded up to `align`. Unit `k` reads `k · stride .. k · stride + span` (a Welch segment:
/// stride `step`, span `nfft`; plain units: stride = span = 1), so a part of units `a..b`
/// reads `a · stride .. (b − 1) · stride + span`.
///
/// The parts cover `0..units` exactly, in order. No units give no parts; `max_parts` and
/// `align` of 0 count as 1. More parts than units asked for give one unit per part.
pub fn plan_parts(units: u64, max_parts: u64, align: u64, stride: u64, span: u64) -> Vec<Part> {
    if units == 0 {
        return Vec::new();
    }
    let parts = max_parts.clamp(1, units);
    let align = align.max(1);
    let per = units.div_ceil(parts).div_ceil(align).saturating_mul(align);
    let mut out = Vec::with_capacity(units.div_ceil(per) as usize);
    let mut first = 0;
    while first < units {
        let end = first.saturating_add(per).min(units);
        out.push(Part {
            first,
            end,
            read_start: first.saturating_mul(stride),
            read_end: (end - 1).saturating_mul(stride).saturating_add(span),
        });
        first = end;
    }
    out
}

/// The data byte ranges (relative to the data start) an analog capture is thresholded in,
/// parts of about `part_bytes` at the format's block boundaries; empty when the format does
/// not split (a sigrok session, channel-major NPY, CSV, VCD, TRC, npz, a WAV of unknown
/// length). A single range means there is nothing to run in parallel.
pub fn analog_parts(header: &Header, part_bytes: u64) -> Vec<(u64, u64)> {
    match header {
        Header::Sigrok(_) => Vec::new(),
        h if h.is_channel_major() => Vec::new(),
        h => h.segments(part_bytes).unwrap_or_default(),
    }
}

/// Bytes of analog data per part when a capture is decoded on several threads: small enough
/// for several parts per thread in a batch and for the part buffers to be reused from the
/// allocator (160 MB SPI capture on 2 threads: 32 MiB parts 0.29 CPU-s, 8 MiB 0.22, against
/// 0.19 serial).
pub const DECODE_PART_BYTES: u64 = 8 << 20;

/// Analog data shorter than this decodes in one pass: below a few parts per thread the
/// serial share (first samples, carry, plan) dominates (160 MB SPI capture, idle: 8 MiB
/// parts on 2 threads 0.18 s against 0.24 serial; under load 9–11, 0.41 against 0.35).
pub const DECODE_SERIAL_BELOW: u64 = 64 << 20;

/// Bytes of analog data a batch of decode parts covers at least: each batch ends in a few
/// barriers where every worker waits for the slowest, so batches are long; longer ones cost
/// fresh pages (64 MiB batches faulted 37 k pages on a 160 MB capture, 32 MiB ones 20 k).
pub const DECODE_BATCH_BYTES: u64 = 32 << 20;

/// Whether decoding the analog parts `bounds` ([`analog_parts`]) in parallel pays: more
/// than one part over at least [`DECODE_SERIAL_BELOW`] bytes.
pub fn decode_parts_pay(bounds: &[(u64, u64)]) -> bool {
    let bytes = bounds.last().map_or(0, |b| b.1) - bounds.first().map_or(0, |b| b.0);
    bounds.len() > 1 && bytes >= DECODE_SERIAL_BELOW
}

/// Decode parts per batch on `threads` workers: at least 2 per thread and
/// [`DECODE_BATCH_BYTES`] of data.
pub fn decode_batch_parts(bounds: &[(u64, u64)], threads: usize) -> usize {
    let part = bounds.first().map_or(1, |b| (b.1 - b.0).max(1));
    let per_batch = usize::try_from(DECODE_BATCH_BYTES.div_ceil(part)).unwrap_or(usize::MAX);
    (2 * threads).max(per_batch).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Reader;
    use crate::kernel::Discard;

    fn check_cover(parts: &[Part], units: u64) {
        let mut at = 0;
        for p in parts {
            assert_eq!(p.first, at, "{parts:?}");
            assert!(p.end > p.first, "{parts:?}");
            at = p.end;
        }
        assert_eq!(at, units, "{parts:?}");
    }

    #[test]
    fn decode_parts_pay_from_the_serial_limit() {
        let parts = |n: u64, each: u64| {
            (0..n)
                .map(|k| (k * each, (k + 1) * each))
                .collect::<Vec<_>>()
        };
        assert!(!decode_parts_pay(&[]));
        assert!(!decode_parts_pay(&[(0, DECODE_SERIAL_BELOW)]));
        assert!(!decode_parts_pay(&parts(7, DECODE_PART_BYTES)));
        assert!(decode_parts_pay(&parts(8, DECODE_PART_BYTES)));
        assert_eq!(decode_batch_parts(&parts(20, DECODE_PART_BYTES), 2), 4);
        assert_eq!(decode_batch_parts(&parts(20, DECODE_PART_BYTES), 8), 16);
        assert_eq!(decode_batch_parts(&parts(3, 64 << 20), 1), 2);
    }

    #[test]
    fn parts_cover_the_units_exactly() {
        for units in [1u64, 2, 3, 7, 31, 32, 33, 100, 1000, 4095] {
            for max in [1u64, 2, 3, 4, 8, 12, 32, 5000] {
                let parts = plan_parts(units, max, 1, 1, 1);
                check_cover(&parts, units);
                assert!(parts.len() as u64 <= max, "{units} {max}: {parts:?}");
                // Equal lengths but the last.
                let per = parts[0].units();
                assert!(parts[..parts.len() - 1].iter().all(|p| p.units() == per));
            }
        }
    }

    #[test]
    fn parts_respect_alignment() {
        for (units, max, align) in [(100u64, 8u64, 7u64), (1000, 3, 64), (5, 8, 4), (64, 64, 16)] {
            let parts = plan_parts(units, max, align, 1, 1);
            check_cover(&parts, units);
            for p in &parts[..parts.len() - 1] {
                assert_eq!(p.units() % align, 0, "{parts:?}");
            }
            assert!(parts.len() as u64 <= max);
        }
        // Alignment larger than the record: one part.
        assert_eq!(plan_parts(10, 4, 16, 1, 1).len(), 1);
    }

    #[test]
    fn tiny_and_empty_inputs() {
        assert!(plan_parts(0, 8, 1, 2048, 4096).is_empty());
        let one = plan_parts(1, 0, 0, 2048, 4096);
        assert_eq!(
            one,
            [Part {
                first: 0,
                end: 1,
                read_start: 0,
                read_end: 4096
            }]
        );
        // More parts (threads) than units: one unit each.
        let parts = plan_parts(3, 64, 1, 1, 1);
        assert_eq!(parts.len(), 3);
        check_cover(&parts, 3);
    }

    #[test]
    fn welch_reads_overlap_into_the_next_part() {
        // Segments of 4096 every 2048 samples: each part reads its segments' samples, the
        // last segment's second half being the next part's first samples.
        let (step, nfft) = (2048u64, 4096u64);
        let units = 100;
        let parts = plan_parts(units, 8, 1, step, nfft);
        check_cover(&parts, units);
        for w in parts.windows(2) {
            assert_eq!(w[0].read_end, w[1].read_start + (nfft - step));
        }
        let last = parts[parts.len() - 1];
        assert_eq!(last.read_end, (units - 1) * step + nfft);
        assert_eq!(parts[0].read_start, 0);
    }

    #[test]
    fn same_cap_same_plan_whatever_the_callers() {
        // The page caps at 32 parts, the CLI at 4 per thread: the plan depends on the cap only.
        assert_eq!(plan_parts(1000, 32, 1, 1, 1), plan_parts(1000, 32, 1, 1, 1));
        let per: Vec<u64> = plan_parts(1000, 8, 1, 1, 1)
            .iter()
            .map(Part::units)
            .collect();
        assert_eq!(per, [125; 8]);
        let per: Vec<u64> = plan_parts(1001, 8, 1, 1, 1)
            .iter()
            .map(Part::units)
            .collect();
        assert_eq!(per, [126, 126, 126, 126, 126, 126, 126, 119]);
    }

    fn npy(descr: &str, fortran: bool, shape: &str, data: usize) -> Header {
        let fortran = if fortran { "True" } else { "False" };
        let mut text = alloc::format!(
            "{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
        );
        while (10 + text.len() + 1) % 64 != 0 {
            text.push(' ');
        }
        text.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(text.len() as u16).to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        let len = bytes.len() + data;
        let mut reader = Reader::with_file_len(len as u64);
        reader.push(&bytes, &mut Discard).expect("header parses");
        reader
            .header()
            .expect("header known")
            .with_file_len(len as u64)
            .expect("length matches")
    }

    #[test]
    fn analog_parts_split_row_major_captures_only() {
        let samples = 1 << 20;
        let h = npy("<f4", false, "(1048576, 2)", samples * 8);
        let parts = analog_parts(&h, 1 << 20);
        assert!(parts.len() > 1, "{parts:?}");
        let mut at = 0;
        for &(a, b) in &parts {
            assert_eq!(a, at);
            assert_eq!(a % 8, 0, "whole rows");
            at = b;
        }
        assert_eq!(at, (samples * 8) as u64);
        let fortran = npy("<f4", true, "(1048576, 2)", samples * 8);
        assert!(analog_parts(&fortran, 1 << 20).is_empty());
        let empty = npy("<f4", false, "(0,)", 0);
        assert!(analog_parts(&empty, 1 << 20).len() <= 1);
    }
}
