//! Integer ADC codes (8- or 16-bit, the form real scope recordings take: LeCroy `.trc`,
//! integer NPY, raw and WAV): the first two passes of a measurement from one exact
//! per-code histogram.
//!
//! A [`CodeHistogram`] counts how often each of the 256 or 65536 codes occurs. From those
//! counts alone follow, before any second read of the data:
//! - the moments ([`CodeHistogram::moments`]): count and extremes exactly, mean and sum of
//!   squared deviations from exact integer sums (`i128`), so they do not depend on how the
//!   record was chunked or split across threads;
//! - the top and base ([`CodeHistogram::top_base`]): each code's value is binned by the
//!   same exact rule as [`LevelHistogram`] bins a sample, weighted by its count, so the
//!   1024-bin histogram and its modes equal the sample-by-sample ones.
//!
//! A code's value is what the format readers emit for it ([`CodeMap::value`]), bit for bit.
//! The transition pass then reads the codes again, as `i16` order keys compared directly
//! when their values strictly increase with them ([`CodeMap::key_values`]), else as values
//! ([`CodeMap::decode_f64`]).

use alloc::vec;
use alloc::vec::Vec;

use super::levels::LevelHistogram;
use super::sample::CodeValues;
use crate::dsp::moments::Moments;
use crate::{Merge, Push, Result};

/// Longest row (bytes between consecutive samples of the channel) a [`CodeMap`] accepts.
pub const MAX_ROW: usize = 1 << 16;

/// How the samples of one channel are stored as integer codes, and the value of each code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodeMap {
    /// Bytes per code: 1 or 2.
    size: usize,
    /// Two's complement codes (else unsigned).
    signed: bool,
    /// Most significant byte first (2-byte codes).
    big_endian: bool,
    /// Value = `gain · raw − offset` when set (else the raw integer).
    affine: Option<(f64, f64)>,
    /// Bytes from one sample of the channel to the next (≥ `size`).
    row: usize,
    /// Byte offset of the channel's code within a row.
    at: usize,
}

impl CodeMap {
    /// Codes of `size` bytes (1 or 2), signed or not, in rows of `row` bytes with the
    /// channel's code at byte `at` of each; the value of a code is its integer (`gain`,
    /// `offset`: `gain · raw − offset`, as LeCroy `.trc` and centred 8-bit WAV).
    /// `None` for another size, a code outside the row, a row longer than `MAX_ROW` or
    /// a non-finite gain or offset.
    pub fn new(
        size: usize,
        signed: bool,
        big_endian: bool,
        affine: Option<(f64, f64)>,
        row: usize,
        at: usize,
    ) -> Option<Self> {
        let finite = affine.is_none_or(|(g, o)| g.is_finite() && o.is_finite());
        let fits = at.checked_add(size).is_some_and(|end| end <= row) && row <= MAX_ROW;
        (matches!(size, 1 | 2) && finite && fits).then_some(CodeMap {
            size,
            signed,
            big_endian,
            affine,
            row,
            at,
        })
    }

    /// Number of distinct codes (256 or 65536).
    pub fn codes(&self) -> usize {
        1 << (8 * self.size)
    }

    /// Bytes per row.
    pub fn row(&self) -> usize {
        self.row
    }

    /// The code of the row starting `bytes` (the index of the code in a histogram: its
    /// bits as an unsigned number).
    #[inline(always)]
    fn index(&self, bytes: &[u8]) -> usize {
        let b = &bytes[self.at..self.at + self.size];
        match (self.size, self.big_endian) {
            (1, _) => usize::from(b[0]),
            (_, false) => usize::from(u16::from_le_bytes([b[0], b[1]])),
            _ => usize::from(u16::from_be_bytes([b[0], b[1]])),
        }
    }

    /// The integer a code stands for, as `f64` (what the readers decode): its order key
    /// plus the key map's bias.
    #[inline(always)]
    fn raw(&self, index: usize) -> f64 {
        f64::from(self.key(index)) + self.key_map().bias
    }

    /// The value of code `index` (its bits as an unsigned number), as the readers emit it:
    /// the raw integer, or `gain · raw − offset` in `f64` (through [`CodeValues`], whose
    /// identity `1 · raw − 0` is `raw` bit for bit).
    #[inline(always)]
    pub fn value(&self, index: usize) -> f64 {
        self.key_map().value(self.key(index))
    }

    /// The map from the codes read as `i16` order keys ([`Self::decode_keys`]) to their
    /// values (see [`Self::value`]).
    #[inline(always)]
    fn key_map(&self) -> CodeValues {
        let (gain, offset) = self.affine.unwrap_or((1.0, 0.0));
        let bias = if self.signed {
            0.0
        } else {
            f64::from(1u32 << (8 * self.size - 1))
        };
        CodeValues { bias, gain, offset }
    }

    /// The map from the codes read as `i16` order keys ([`Self::decode_keys`]) to their
    /// values ([`Self::value`]'s operations, bit for bit), when the values strictly
    /// increase with the key (a positive gain that keeps every two codes apart): the
    /// transition pass then compares keys.
    pub fn key_values(&self) -> Option<CodeValues> {
        let half = 1i32 << (8 * self.size - 1);
        let (lo, hi) = (-half as i16, (half - 1) as i16);
        let codes = self.key_map();
        codes.strictly_increasing(lo, hi).then_some(codes)
    }

    /// The order key of code `index` (its bits as an unsigned number): the signed
    /// integer, or the unsigned one less half its range.
    #[inline(always)]
    fn key(&self, index: usize) -> i16 {
        match (self.size, self.signed) {
            (1, true) => i16::from(index as u8 as i8),
            (1, false) => index as i16 - 128,
            (_, true) => index as u16 as i16,
            _ => (index as u16 ^ 0x8000) as i16,
        }
    }

    /// The order keys (see [`Self::key_values`]) of the whole rows of `bytes` into `out`
    /// (as many as both hold).
    pub fn decode_keys(&self, bytes: &[u8], out: &mut [i16]) {
        // One plain loop per usual layout, so each vectorises.
        match (self.size, self.row, self.signed, self.big_endian) {
            (2, 2, true, false) => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = i16::from_le_bytes([b[0], b[1]]);
                }
            }
            (2, 2, true, true) => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = i16::from_be_bytes([b[0], b[1]]);
                }
            }
            (2, 2, false, false) => {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                    *o = (u16::from_le_bytes([b[0], b[1]]) ^ 0x8000) as i16;
                }
            }
            (1, 1, true, _) => {
                for (o, &b) in out.iter_mut().zip(bytes) {
                    *o = i16::from(b as i8);
                }
            }
            (1, 1, false, _) => {
                for (o, &b) in out.iter_mut().zip(bytes) {
                    *o = i16::from(b) - 128;
                }
            }
            _ => {
                for (o, r) in out.iter_mut().zip(bytes.chunks_exact(self.row)) {
                    *o = self.key(self.index(r));
                }
            }
        }
    }

    /// The values of the whole rows of `bytes` into `out` (as many as both hold): their
    /// keys ([`Self::decode_keys`]) a stretch at a time, then each key's value.
    pub fn decode_f64(&self, bytes: &[u8], out: &mut [f64]) {
        let map = self.key_map();
        let mut keys = [0i16; 256];
        for (rows, out) in bytes
            .chunks(keys.len() * self.row)
            .zip(out.chunks_mut(keys.len()))
        {
            let keys = &mut keys[..out.len().min(rows.len() / self.row)];
            self.decode_keys(rows, keys);
            for (o, &k) in out.iter_mut().zip(keys.iter()) {
                *o = map.value(k);
            }
        }
    }
}

/// Sub-histograms counted in turn (consecutive samples often have the same code: separate
/// counters keep an increment from waiting on the previous one's store): 8 of 256 codes,
/// 4 of 65536.
fn subs_of(map: &CodeMap) -> usize {
    if map.size == 1 {
        8
    } else {
        4
    }
}

/// The exact number of occurrences of each code of one channel (split-invariant: counts
/// add). Memory: 4 bytes per code per sub-histogram (8 of 256 codes, 4 of 65536), plus 8
/// per code of totals.
#[derive(Debug, Clone)]
pub struct CodeHistogram {
    map: CodeMap,
    /// Totals per code, up to the last flush of `subs`.
    totals: Vec<u64>,
    /// The sub-histograms (see [`subs_of`]), one after the other.
    subs: Vec<u32>,
    /// Increments any one `subs` counter can still take.
    room: u64,
    /// Bytes of an incomplete row carried to the next [`Push::push`].
    partial: Vec<u8>,
}

impl CodeHistogram {
    /// An empty histogram of the codes `map` reads.
    pub fn new(map: CodeMap) -> Self {
        CodeHistogram {
            map,
            totals: vec![0; map.codes()],
            subs: vec![0; map.codes() * subs_of(&map)],
            room: u64::from(u32::MAX),
            partial: Vec::new(),
        }
    }

    /// The code layout.
    pub fn map(&self) -> &CodeMap {
        &self.map
    }

    /// Count the codes of the whole rows of `bytes` (a trailing partial row is ignored).
    pub fn add_rows(&mut self, bytes: &[u8]) {
        let map = self.map;
        let codes = map.codes();
        let subs = subs_of(&map);
        // At most a `subs`-th (plus the remainder) of a part goes to one counter.
        for part in bytes.chunks(map.row << 20) {
            let need = (part.len() / map.row / subs + subs) as u64;
            if self.room < need {
                self.flush();
            }
            self.room -= need;
            if subs == 8 {
                let Some((s, _)) = self.subs.split_first_chunk_mut::<{ 256 * 8 }>() else {
                    return;
                };
                let (s0, r) = s.split_at_mut(256);
                let (s1, r) = r.split_at_mut(256);
                let (s2, r) = r.split_at_mut(256);
                let (s3, r) = r.split_at_mut(256);
                let (s4, r) = r.split_at_mut(256);
                let (s5, r) = r.split_at_mut(256);
                let (s6, s7) = r.split_at_mut(256);
                let idx = |b: u8| usize::from(b);
                if map.row == 1 {
                    let mut octs = part.chunks_exact(8);
                    for q in &mut octs {
                        s0[idx(q[0])] += 1;
                        s1[idx(q[1])] += 1;
                        s2[idx(q[2])] += 1;
                        s3[idx(q[3])] += 1;
                        s4[idx(q[4])] += 1;
                        s5[idx(q[5])] += 1;
                        s6[idx(q[6])] += 1;
                        s7[idx(q[7])] += 1;
                    }
                    for &b in octs.remainder() {
                        s0[idx(b)] += 1;
                    }
                } else {
                    let at = |r: &[u8]| map.index(r);
                    let row = map.row;
                    let mut octs = part.chunks_exact(8 * row);
                    for q in &mut octs {
                        s0[at(q)] += 1;
                        s1[at(&q[row..])] += 1;
                        s2[at(&q[2 * row..])] += 1;
                        s3[at(&q[3 * row..])] += 1;
                        s4[at(&q[4 * row..])] += 1;
                        s5[at(&q[5 * row..])] += 1;
                        s6[at(&q[6 * row..])] += 1;
                        s7[at(&q[7 * row..])] += 1;
                    }
                    for r in octs.remainder().chunks_exact(row) {
                        s0[at(r)] += 1;
                    }
                }
                continue;
            }
            let (s0, r) = self.subs.split_at_mut(codes);
            let (s1, r) = r.split_at_mut(codes);
            let (s2, s3) = r.split_at_mut(codes);
            let (s1, s2, s3) = (&mut s1[..codes], &mut s2[..codes], &mut s3[..codes]);
            macro_rules! count {
                ($row:expr, $idx:expr) => {{
                    let idx = $idx;
                    let mut quads = part.chunks_exact(4 * $row);
                    for q in &mut quads {
                        s0[idx(&q[..$row])] += 1;
                        s1[idx(&q[$row..2 * $row])] += 1;
                        s2[idx(&q[2 * $row..3 * $row])] += 1;
                        s3[idx(&q[3 * $row..])] += 1;
                    }
                    for r in quads.remainder().chunks_exact($row) {
                        s0[idx(r)] += 1;
                    }
                }};
            }
            match (map.row, map.big_endian) {
                (2, false) => {
                    count!(2, |b: &[u8]| usize::from(u16::from_le_bytes([b[0], b[1]])))
                }
                _ => count!(map.row, |b: &[u8]| map.index(b)),
            }
        }
    }

    /// Add the sub-histograms to the totals and clear them.
    fn flush(&mut self) {
        for sub in self.subs.chunks_exact_mut(self.totals.len()) {
            for (t, c) in self.totals.iter_mut().zip(sub.iter_mut()) {
                *t += u64::from(*c);
                *c = 0;
            }
        }
        self.room = u64::from(u32::MAX);
    }

    /// The count of every code (index: the code's bits as an unsigned number).
    pub fn counts(&self) -> Vec<u64> {
        let mut total = self.totals.clone();
        for sub in self.subs.chunks_exact(total.len()) {
            for (t, &c) in total.iter_mut().zip(sub) {
                *t += u64::from(c);
            }
        }
        total
    }

    /// The moments of the values: count and extremes exact, mean and sum of squared
    /// deviations from exact integer sums of the codes (then scaled by the gain, if any).
    pub fn moments(&self) -> Moments {
        moments_of(&self.map, &self.counts())
    }

    /// (top, base) as [`LevelHistogram::top_base`] of the values gives them, over the
    /// values' extremes; `None` for no values or one value (`min == max`).
    pub fn top_base(&self) -> Option<(f64, f64)> {
        top_base_of(&self.map, &self.counts())
    }

    /// [`Self::moments`] and [`Self::top_base`] from one sum of the counts (each sums
    /// the sub-histograms of every code on its own).
    pub fn summary(&self) -> (Moments, Option<(f64, f64)>) {
        let counts = self.counts();
        let m = moments_of(&self.map, &counts);
        (m, top_base_given(&self.map, &counts, &m))
    }
}

/// [`CodeHistogram::moments`] of `counts`.
pub(super) fn moments_of(map: &CodeMap, counts: &[u64]) -> Moments {
    let present = || {
        counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .map(|(i, &c)| (map.raw(i), map.value(i), c))
    };
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return Moments::EMPTY;
    }
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut s1: i128 = 0;
    for (raw, v, c) in present() {
        min = if v < min { v } else { min };
        max = if v > max { v } else { max };
        // |raw| < 2^16, c < 2^64: the sum stays far inside i128.
        s1 += raw as i128 * i128::from(c);
    }
    // Deviations from the code nearest the mean keep every product small.
    let ki = (2 * s1 + i128::from(n)).div_euclid(2 * i128::from(n));
    let k = ki as f64;
    let (mut d1, mut d2): (i128, i128) = (0, 0);
    for (raw, _, c) in present() {
        let d = raw as i128 - ki;
        d1 += d * i128::from(c);
        d2 += d * d * i128::from(c);
    }
    let nf = n as f64;
    // m2 = d2 − d1² / n = (n·d2 − d1²) / n, exact in i128 up to about 2^47 samples.
    let m2_raw = i128::from(n)
        .checked_mul(d2)
        .and_then(|a| a.checked_sub(d1.checked_mul(d1)?))
        .map_or_else(
            || d2 as f64 - (d1 as f64) * (d1 as f64) / nf,
            |num| num as f64 / nf,
        );
    let offset_raw = d1 as f64 / nf;
    let (gain, shift) = match map.affine {
        Some((g, o)) => (g, g * k - o),
        None => (1.0, k),
    };
    Moments {
        n,
        shift,
        offset: gain * offset_raw,
        m2: (gain * gain * m2_raw).max(0.0),
        min,
        max,
    }
}

/// [`CodeHistogram::top_base`] of `counts`.
pub(super) fn top_base_of(map: &CodeMap, counts: &[u64]) -> Option<(f64, f64)> {
    top_base_given(map, counts, &moments_of(map, counts))
}

/// [`top_base_of`] given the moments `m` of `counts`.
fn top_base_given(map: &CodeMap, counts: &[u64], m: &Moments) -> Option<(f64, f64)> {
    let mut h = LevelHistogram::new(0, m.min, m.max)?;
    for (i, &c) in counts.iter().enumerate() {
        if c > 0 {
            h.add_count(map.value(i), c);
        }
    }
    Some(h.top_base())
}

impl Merge for CodeHistogram {
    /// Counts add (the maps must be equal; partial rows of [`Push::push`] are not merged).
    fn merge(&mut self, mut later: Self) -> Result<()> {
        if later.map != self.map {
            return Err(crate::Error::Config(
                "merging histograms of different code layouts".into(),
            ));
        }
        self.flush();
        later.flush();
        for (a, b) in self.totals.iter_mut().zip(&later.totals) {
            *a += b;
        }
        Ok(())
    }
}

impl Push<u8> for CodeHistogram {
    type Output = (Moments, Option<(f64, f64)>);

    /// Bytes of whole or partial rows, in order.
    fn push(&mut self, mut chunk: &[u8]) -> Result<()> {
        let row = self.map.row;
        if !self.partial.is_empty() {
            let take = (row - self.partial.len()).min(chunk.len());
            self.partial.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.partial.len() < row {
                return Ok(());
            }
            let whole = core::mem::take(&mut self.partial);
            self.add_rows(&whole);
        }
        let whole = chunk.len() / row * row;
        self.add_rows(&chunk[..whole]);
        self.partial.extend_from_slice(&chunk[whole..]);
        Ok(())
    }

    /// The moments and (top, base); a trailing partial row is ignored.
    fn finish(self) -> Result<Self::Output> {
        Ok(self.summary())
    }
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
