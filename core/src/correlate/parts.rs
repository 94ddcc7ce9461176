//! Cutting a streaming correlation into parts at block boundaries, to run on several
//! workers and merge in order ([`CorrelationSum::merge`]).

use core::ops::Range;

use alloc::vec::Vec;

use super::stream::{check_lag, CorrelationSum, Sample, StreamCorrelator};
use crate::parts::plan_parts;
use crate::precision::Precision;
use crate::Result;

/// Samples pushed into a part's correlator at a time by [`correlate_slice_part`] (keeps its
/// buffers in cache).
const FEED: usize = 1 << 16;

/// One part of a streaming correlation of lags `−L..=L`: the samples of `b` it owns and the
/// samples of each signal it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationPart {
    /// First sample of `b` it owns (a multiple of [`StreamCorrelator::block_len`]).
    pub first: u64,
    /// One past the last sample of `b` it owns; `None` for the last part, which takes both
    /// signals to their ends.
    pub end: Option<u64>,
    /// Samples of `a` it reads: from `first − L` to `end + L` (clamped to `a`).
    pub a: Range<u64>,
    /// Samples of `b` it reads: `first..end` (clamped to `b`).
    pub b: Range<u64>,
}

impl CorrelationPart {
    /// The correlator of this part: push it `a[self.a]` and `b[self.b]`, then
    /// [`StreamCorrelator::finish_part`].
    pub fn correlator(&self, max_lag: usize, precision: Precision) -> Result<StreamCorrelator> {
        StreamCorrelator::part_in(max_lag, self.first, self.end.unwrap_or(u64::MAX), precision)
    }
}

/// The parts of a correlation of lags `−max_lag..=max_lag` of `a` (`na` samples) and `b`
/// (`nb`): at most `max_parts` runs of whole blocks of `b` of equal length (the last may be
/// shorter), planned from the lengths alone, so any number of workers merges them to the
/// same result. Checks the lag (at most [`super::MAX_STREAM_LAG`]); no parts when `b` is empty.
pub fn plan_correlation(
    max_lag: usize,
    na: u64,
    nb: u64,
    max_parts: u64,
) -> Result<Vec<CorrelationPart>> {
    check_lag(max_lag)?;
    let block = StreamCorrelator::block_len(max_lag) as u64;
    let lag = max_lag as u64;
    let blocks = nb.div_ceil(block);
    let plan = plan_parts(blocks, max_parts, 1, 1, 1);
    let count = plan.len();
    Ok(plan
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let first = p.first * block;
            let end = (k + 1 < count).then(|| p.end * block);
            let a_from = first.saturating_sub(lag).min(na);
            let a_to = end.map_or(na, |e| e.saturating_add(lag).min(na));
            CorrelationPart {
                first,
                end,
                a: a_from..a_to.max(a_from),
                b: first.min(nb)..end.unwrap_or(nb).min(nb),
            }
        })
        .collect())
}

/// The sums of `part` of the correlation of `a` and `b` held in memory (`part` from
/// [`plan_correlation`] with their lengths).
///
/// # Panics
/// When `part` reads past the end of `a` or `b`.
pub fn correlate_slice_part<T: Sample>(
    a: &[T],
    b: &[T],
    max_lag: usize,
    precision: Precision,
    part: &CorrelationPart,
) -> Result<CorrelationSum> {
    let mut corr = part.correlator(max_lag, precision)?;
    let a = &a[part.a.start as usize..part.a.end as usize];
    let b = &b[part.b.start as usize..part.b.end as usize];
    // Push in step, the signal behind first (the order never changes the sums).
    let (mut ia, mut ib) = (0, 0);
    while ia < a.len() || ib < b.len() {
        if ia < a.len() && (ia <= ib || ib >= b.len()) {
            let n = FEED.min(a.len() - ia);
            corr.push_a(&a[ia..ia + n])?;
            ia += n;
        } else {
            let n = FEED.min(b.len() - ib);
            corr.push_b(&b[ib..ib + n])?;
            ib += n;
        }
    }
    corr.finish_part()
}

/// Merge the parts' sums in order (the first error, if any); `None` for no parts.
pub fn merge_parts<E: From<crate::Error>>(
    parts: impl IntoIterator<Item = core::result::Result<CorrelationSum, E>>,
) -> Option<core::result::Result<CorrelationSum, E>> {
    let mut parts = parts.into_iter();
    let first = parts.next()?;
    Some(first.and_then(|mut sum| {
        for part in parts {
            sum.merge(&part?)?;
        }
        Ok(sum)
    }))
}
