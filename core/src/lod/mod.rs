//! A min/max level-of-detail pyramid for drawing captures of any size.
//!
//! [`LodBuilder`] is a [`BlockSink`]: feed it a reader's blocks (chunks of any size, the
//! result never depends on where they split) and [`LodBuilder::finish`] gives a [`Lod`].
//! Per channel, level 0 holds the min and max of every bucket of `B` samples and each next
//! level halves the count, so the whole pyramid is about `2 · N / B` pairs per channel. `B`
//! is a power of two chosen from the sample count so that all channels together stay under
//! [`MEMORY_BUDGET`]; a stream of unknown length starts at [`MIN_BUCKET`] and doubles `B`
//! (dropping level 0) whenever the budget would be exceeded. NaN samples are left out of
//! every min/max; a bucket without any other sample reads as `(NaN, NaN)`.
//!
//! [`Lod::envelope`] answers "min/max per screen column" from the coarsest level whose
//! buckets are no wider than a column, in O(columns). Below one bucket per column the raw
//! samples are needed: small captures keep them ([`RAW_LIMIT`], [`Lod::raw`]); for large
//! NPY / raw / WAV files [`window`] names the byte range of a sample window so a caller with
//! random access (a `File` in the browser) can read and decode just that range again.

mod minmax;
pub mod window;

use alloc::vec::Vec;

use crate::kernel::{Block, BlockSink, Layout};
use crate::Result;

/// Smallest bucket (samples per level-0 min/max pair).
pub const MIN_BUCKET: u64 = 256;
/// Bytes the pyramids of all channels may take together (128 MiB).
pub const MEMORY_BUDGET: u64 = 128 << 20;
/// Most samples (all channels together) whose raw values are kept, as `f32`, for deep zoom.
pub const RAW_LIMIT: u64 = 8 << 20;

/// Bytes of pyramid per level-0 bucket: a pair of f64, and the levels above add as much.
const BYTES_PER_BUCKET: u64 = 32;

/// An empty min/max: the identity of [`combine`].
const EMPTY: (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);

/// Neither side holds a NaN (buckets keep the empty min/max instead), so a compare and
/// select is `f64::min`/`max` without its NaN handling (a call in wasm).
fn combine(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    (
        if b.0 < a.0 { b.0 } else { a.0 },
        if b.1 > a.1 { b.1 } else { a.1 },
    )
}

/// `(NaN, NaN)` for an empty min/max, else itself.
fn reported(m: (f64, f64)) -> (f64, f64) {
    if m.0 > m.1 {
        (f64::NAN, f64::NAN)
    } else {
        m
    }
}

/// The level-0 bucket for `channels` channels of `samples` samples each (unknown: the
/// smallest): the smallest power of two from [`MIN_BUCKET`] that fits [`MEMORY_BUDGET`].
pub fn bucket_for(channels: usize, samples: Option<u64>) -> u64 {
    let Some(n) = samples else {
        return MIN_BUCKET;
    };
    let need = (n as u128)
        .saturating_mul(channels.max(1) as u128)
        .saturating_mul(u128::from(BYTES_PER_BUCKET));
    let mut bucket = MIN_BUCKET;
    while need / u128::from(bucket) > u128::from(MEMORY_BUDGET) && bucket < (1 << 62) {
        bucket <<= 1;
    }
    bucket
}

/// One channel's pyramid (and, while it is being built, its partial buckets).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelLod {
    /// Samples per level-0 bucket.
    bucket: u64,
    /// `levels[k][j]`: min/max of samples `j·B·2^k ..` (the last bucket may be short).
    levels: Vec<Vec<(f64, f64)>>,
    /// The bucket of each level waiting for its pair.
    carry: Vec<Option<(f64, f64)>>,
    /// The level-0 bucket being filled, and how many samples it holds.
    acc: (f64, f64),
    acc_len: u64,
    /// Samples seen.
    samples: u64,
    /// The raw samples, while they fit the raw budget.
    raw: Option<Vec<f32>>,
    /// Most raw samples kept for this channel.
    raw_limit: u64,
    /// Bytes this channel's level 0 may take before it is coarsened.
    budget: u64,
    /// Whether the partial buckets were flushed.
    finished: bool,
    /// Samples announced by the layout: each level's room is reserved once.
    expect: Option<u64>,
}

impl ChannelLod {
    fn new(bucket: u64, budget: u64, raw_limit: u64, expect: Option<u64>) -> Self {
        ChannelLod {
            bucket,
            levels: Vec::new(),
            carry: Vec::new(),
            acc: EMPTY,
            acc_len: 0,
            samples: 0,
            raw: (raw_limit > 0).then(Vec::new),
            raw_limit,
            budget,
            finished: false,
            expect,
        }
    }

    /// Samples per level-0 bucket.
    pub fn bucket(&self) -> u64 {
        self.bucket
    }

    /// Samples seen.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Min/max of bucket `j` of level `k` (`(NaN, NaN)` if it holds only NaN), if it exists.
    pub fn bucket_at(&self, k: usize, j: usize) -> Option<(f64, f64)> {
        self.levels.get(k)?.get(j).copied().map(reported)
    }

    /// The raw samples `first..end`, if they were kept and are all there.
    pub fn raw(&self, first: u64, end: u64) -> Option<&[f32]> {
        let raw = self.raw.as_ref()?;
        let (a, b) = (usize::try_from(first).ok()?, usize::try_from(end).ok()?);
        raw.get(a..b)
    }

    /// Samples covered by the complete buckets of level `k`.
    fn covered(&self, k: usize) -> u64 {
        let len = self.levels.get(k).map_or(0, Vec::len) as u64;
        len.saturating_mul(self.bucket << k).min(self.samples)
    }

    fn push_level(&mut self, mut k: usize, mut m: (f64, f64)) {
        loop {
            if self.levels.len() <= k {
                self.new_level();
            }
            self.levels[k].push(m);
            match self.carry[k].take() {
                Some(before) => {
                    m = combine(before, m);
                    k += 1;
                }
                None => {
                    self.carry[k] = Some(m);
                    return;
                }
            }
        }
    }

    /// Drop level 0 and double the bucket (the stream outgrew the budget).
    fn coarsen(&mut self) {
        if self.levels.len() < 2 {
            return;
        }
        if let Some(odd) = self.carry[0] {
            self.acc = combine(odd, self.acc);
            self.acc_len += self.bucket;
        }
        self.levels.remove(0);
        self.carry.remove(0);
        self.bucket <<= 1;
    }

    fn push(&mut self, samples: &[f64]) {
        if let Some(raw) = &mut self.raw {
            if self.samples + samples.len() as u64 <= self.raw_limit {
                raw.extend(samples.iter().map(|&v| v as f32));
            } else {
                self.raw = None;
            }
        }
        self.samples += samples.len() as u64;
        let mut rest = samples;
        // Complete the bucket being filled (again if a coarsening leaves it part-filled).
        while self.acc_len > 0 && !rest.is_empty() {
            rest = self.fill(rest);
        }
        // Whole buckets straight into level 0, then carried up level by level in one pass.
        let b = usize::try_from(self.bucket).unwrap_or(usize::MAX);
        if rest.len() >= b {
            let whole = rest.len() / b * b;
            if self.levels.is_empty() {
                self.new_level();
            }
            let start = self.levels[0].len();
            self.levels[0].extend(
                rest[..whole]
                    .chunks_exact(b)
                    .map(|c| minmax::min_max(EMPTY, c)),
            );
            self.carry_up(start);
            while self.levels[0].len() as u64 * BYTES_PER_BUCKET > self.budget
                && self.levels.len() >= 2
            {
                self.coarsen();
            }
            rest = &rest[whole..];
        }
        while !rest.is_empty() {
            rest = self.fill(rest);
        }
    }

    /// Add a new, empty top level (its room reserved when the length is known).
    fn new_level(&mut self) {
        let k = self.levels.len();
        // The buckets level `k` will hold (bounded by the pyramid budget: the layout is
        // untrusted).
        let room = match self.expect {
            Some(n) if k < 64 => ((n / self.bucket.max(1)) >> k).saturating_add(1),
            _ => 0,
        };
        let room = room.min(self.budget / 16 + 1);
        self.levels
            .push(Vec::with_capacity(usize::try_from(room).unwrap_or(0)));
        self.carry.push(None);
    }

    /// Pair the buckets of level 0 from `start` on (with the one waiting in `carry[0]`)
    /// into level 1, and so on up: what [`ChannelLod::push_level`] does one at a time.
    fn carry_up(&mut self, mut start: usize) {
        let mut k = 0;
        while k < self.levels.len() {
            let len = self.levels[k].len();
            if start >= len {
                return;
            }
            let first = if self.carry[k].is_some() {
                start - 1
            } else {
                start
            };
            let pairs = (len - first) / 2;
            self.carry[k] = ((len - first) % 2 == 1).then(|| self.levels[k][len - 1]);
            if pairs == 0 {
                return;
            }
            if self.levels.len() <= k + 1 {
                self.new_level();
            }
            let (low, high) = self.levels.split_at_mut(k + 1);
            let up = &mut high[0];
            start = up.len();
            up.extend(
                low[k][first..first + 2 * pairs]
                    .chunks_exact(2)
                    .map(|p| combine(p[0], p[1])),
            );
            k += 1;
        }
    }

    /// Add the samples of `xs` that the level-0 bucket being filled takes (all, or up to
    /// its end: it is then pushed); returns the rest.
    fn fill<'x>(&mut self, xs: &'x [f64]) -> &'x [f64] {
        let mut rest = xs;
        while !rest.is_empty() {
            let room = usize::try_from(self.bucket - self.acc_len).unwrap_or(usize::MAX);
            let (now, later) = rest.split_at(room.min(rest.len()));
            // NaN never wins a min or a max.
            self.acc = minmax::min_max(self.acc, now);
            self.acc_len += now.len() as u64;
            rest = later;
            if self.acc_len == self.bucket {
                let m = core::mem::replace(&mut self.acc, EMPTY);
                self.acc_len = 0;
                self.push_level(0, m);
                if self.levels[0].len() as u64 * BYTES_PER_BUCKET > self.budget {
                    self.coarsen();
                }
                break;
            }
        }
        rest
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        if self.acc_len > 0 {
            let m = core::mem::replace(&mut self.acc, EMPTY);
            self.acc_len = 0;
            self.push_level(0, m);
        }
        // Carry every odd last bucket up, so each level covers all samples.
        let mut k = 0;
        while k < self.levels.len() && self.levels[k].len() > 1 {
            if let Some(m) = self.carry[k].take() {
                self.push_level(k + 1, m);
            }
            k += 1;
        }
        for c in &mut self.carry {
            *c = None;
        }
    }

    /// The level used for columns `width` samples wide: the coarsest whose buckets are no
    /// wider, among those that cover as much as level 0.
    fn level_for(&self, width: u64) -> usize {
        let mut k = 0;
        let full = self.covered(0);
        while k + 1 < self.levels.len()
            && (self.bucket << (k + 1)) <= width
            && self.covered(k + 1) >= full
        {
            k += 1;
        }
        k
    }

    /// See [`Lod::columns`].
    pub fn columns(&self, first: u64, end: u64, columns: usize) -> Vec<Column> {
        let mut out = Vec::with_capacity(columns);
        if columns == 0 {
            return out;
        }
        let end = end.max(first);
        let span = u128::from(end - first);
        let width = (end - first) / columns as u64;
        let k = self.level_for(width);
        let size = self.bucket << k;
        let covered = self.covered(k);
        let level: &[(f64, f64)] = self.levels.get(k).map_or(&[], Vec::as_slice);
        let edge = |c: usize| first + (span * c as u128 / columns as u128) as u64;
        for c in 0..columns {
            let (a, b) = (edge(c), edge(c + 1));
            let start = (a / size * size).min(covered);
            let stop = b.div_ceil(size).saturating_mul(size).min(covered);
            let mut m = EMPTY;
            if b > a && stop > start {
                let (j0, j1) = ((start / size) as usize, stop.div_ceil(size) as usize);
                for &x in &level[j0..j1.min(level.len())] {
                    m = combine(m, x);
                }
            }
            let (start, stop) = if b > a && stop > start {
                (start, stop)
            } else {
                (a, a)
            };
            let (min, max) = reported(m);
            out.push(Column {
                start,
                end: stop,
                min,
                max,
            });
        }
        out
    }
}

/// One screen column of an envelope: the min and max of samples `start..end` (the column's
/// nominal range widened to whole buckets of the level used; `(NaN, NaN)` when empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// First sample the min/max covers.
    pub start: u64,
    /// One past the last sample it covers.
    pub end: u64,
    /// Smallest non-NaN sample.
    pub min: f64,
    /// Largest non-NaN sample.
    pub max: f64,
}

/// The pyramids of every channel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lod {
    /// One pyramid per channel.
    pub channels: Vec<ChannelLod>,
}

impl Lod {
    /// Columns `0..columns` of `first..end` of `channel`, each with the exact min/max of the
    /// whole buckets it touches at the coarsest level no wider than a column (see
    /// [`Column`]); empty for a channel that does not exist.
    pub fn columns(&self, channel: usize, first: u64, end: u64, columns: usize) -> Vec<Column> {
        self.channels
            .get(channel)
            .map_or_else(Vec::new, |c| c.columns(first, end, columns))
    }

    /// The `(min, max)` per column of [`Lod::columns`].
    pub fn envelope(
        &self,
        channel: usize,
        first: u64,
        end: u64,
        columns: usize,
    ) -> Vec<(f64, f64)> {
        self.columns(channel, first, end, columns)
            .iter()
            .map(|c| (c.min, c.max))
            .collect()
    }

    /// Raw samples `first..end` of `channel`, if they were kept (small captures).
    pub fn raw(&self, channel: usize, first: u64, end: u64) -> Option<&[f32]> {
        self.channels.get(channel)?.raw(first, end)
    }

    /// Samples of the longest channel.
    pub fn samples(&self) -> u64 {
        self.channels.iter().map(|c| c.samples).max().unwrap_or(0)
    }

    /// Bytes held by the pyramids and raw copies.
    pub fn memory(&self) -> u64 {
        self.channels
            .iter()
            .map(|c| {
                let pairs: usize = c.levels.iter().map(Vec::capacity).sum();
                pairs as u64 * 16 + c.raw.as_ref().map_or(0, |r| r.capacity() as u64 * 4)
            })
            .sum()
    }
}

/// Builds a [`Lod`] from a reader's blocks.
#[derive(Debug, Clone, Default)]
pub struct LodBuilder {
    lod: Lod,
    /// Bucket override (tests); `None` chooses from the layout.
    bucket: Option<u64>,
    budget: u64,
    raw_limit: u64,
}

impl LodBuilder {
    /// A builder choosing its bucket from the layout given to `begin`.
    pub fn new() -> Self {
        LodBuilder {
            lod: Lod::default(),
            bucket: None,
            budget: MEMORY_BUDGET,
            raw_limit: RAW_LIMIT,
        }
    }

    /// A builder with a fixed starting bucket (at least 1), pyramid budget and raw limit
    /// (bytes and samples for all channels together).
    pub fn with_limits(bucket: u64, budget: u64, raw_limit: u64) -> Self {
        LodBuilder {
            lod: Lod::default(),
            bucket: Some(bucket.max(1)),
            budget,
            raw_limit,
        }
    }

    /// The pyramid so far: complete buckets only (queries see a growing capture).
    pub fn lod(&self) -> &Lod {
        &self.lod
    }

    /// Flush the partial buckets.
    pub fn finish(mut self) -> Lod {
        for c in &mut self.lod.channels {
            c.finish();
        }
        self.lod
    }
}

impl BlockSink for LodBuilder {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        let n = layout.channels.max(1) as u64;
        let bucket = self
            .bucket
            .unwrap_or_else(|| bucket_for(layout.channels, layout.known_samples()));
        let raw_limit = match layout.known_samples() {
            Some(s) if s.saturating_mul(n) > self.raw_limit => 0,
            _ => self.raw_limit / n,
        };
        let budget = self.budget / n;
        self.lod.channels = (0..layout.channels)
            .map(|_| ChannelLod::new(bucket, budget, raw_limit, layout.known_samples()))
            .collect();
        Ok(())
    }

    fn block(&mut self, block: Block<'_>) -> Result<()> {
        if let Some(c) = self.lod.channels.get_mut(block.channel) {
            c.push(block.samples);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "lod_tests.rs"]
mod tests;
