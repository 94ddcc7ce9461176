//! Prefix sums `Σx, Σx²` of a stream, for the Pearson coefficient of an overlap.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Values per group: the running total grows by whole groups, each summed in [`LANES`]
/// independent lanes (vectorised) in a fixed order.
const GROUP: usize = 512;
/// Independent accumulators of a group sum (enough to hide the adds' latency; measured
/// faster than 4, 8 or 16 on baseline x86-64 too, despite the spills).
const LANES: usize = 32;

fn add(p: [f64; 2], v: f64) -> [f64; 2] {
    [p[0] + v, p[1] + v * v]
}

fn plus(p: [f64; 2], q: [f64; 2]) -> [f64; 2] {
    [p[0] + q[0], p[1] + q[1]]
}

/// `[Σx, Σx²]` of one whole group, in lanes (the same value whatever the pushes were).
fn group_sum<S: Copy + Into<f64>>(x: &[S]) -> [f64; 2] {
    let (mut s, mut q) = ([0.0f64; LANES], [0.0f64; LANES]);
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for j in 0..LANES {
            let v: f64 = c[j].into();
            s[j] += v;
            q[j] += v * v;
        }
    }
    for (j, &v) in chunks.remainder().iter().enumerate() {
        let v: f64 = v.into();
        s[j] += v;
        q[j] += v * v;
    }
    // Pairwise, in a fixed order.
    let fold = |mut a: [f64; LANES]| {
        let mut n = LANES;
        while n > 1 {
            n /= 2;
            for j in 0..n {
                a[j] += a[j + n];
            }
        }
        a[0]
    };
    [fold(s), fold(q)]
}

/// Running sums with the prefix sums `Σx, Σx²` over `x[0..i)` available for `i ≤ L` and for
/// the last `2L + 1` values of `i`: the overlap sums at any lag `|m| ≤ L` when the two
/// signals' lengths differ by at most `L`. The total grows by groups of [`GROUP`] values at
/// fixed positions, each summed in lanes, and a prefix near the end is the total minus the
/// kept values after it (summed in order): the same value bit for bit whatever the pushes
/// were, at a vectorised cost per value.
#[derive(Debug, Clone)]
pub(super) struct Prefix {
    lag: usize,
    /// Prefix sums at `i = 0..=L` (as far as there are values).
    head: Vec<[f64; 2]>,
    /// The last (up to `2L`) values.
    ring: VecDeque<f64>,
    /// Sum of the whole groups so far.
    groups: [f64; 2],
    /// The values after the last whole group (fewer than [`GROUP`]).
    pending: Vec<f64>,
    /// Values pushed.
    pub(super) count: u64,
}

impl Prefix {
    pub(super) fn new(lag: usize) -> Self {
        Prefix {
            lag,
            head: alloc::vec![[0.0; 2]],
            ring: VecDeque::with_capacity(2 * lag + 1),
            groups: [0.0; 2],
            pending: Vec::with_capacity(GROUP),
            count: 0,
        }
    }

    /// Raw values kept: prefixes are available for the last `keep + 1` indices.
    fn keep(&self) -> usize {
        2 * self.lag
    }

    pub(super) fn push<S: Copy + Into<f64>>(&mut self, mut x: &[S]) {
        // The head: prefix sums of the first L + 1 indices, one by one.
        let head = (self.lag + 1).saturating_sub(self.head.len()).min(x.len());
        let mut acc = self.head.last().copied().unwrap_or([0.0; 2]);
        for &v in &x[..head] {
            acc = add(acc, v.into());
            self.head.push(acc);
        }
        // The ring: the last 2L values.
        let keep = self.keep();
        let tail = &x[x.len().saturating_sub(keep)..];
        let drop = (self.ring.len() + tail.len()).saturating_sub(keep);
        self.ring.drain(..drop);
        self.ring.extend(tail.iter().map(|&v| v.into()));
        self.count += x.len() as u64;
        // The total: whole groups.
        if !self.pending.is_empty() {
            let n = (GROUP - self.pending.len()).min(x.len());
            self.pending.extend(x[..n].iter().map(|&v| v.into()));
            x = &x[n..];
            if self.pending.len() == GROUP {
                self.groups = plus(self.groups, group_sum(&self.pending));
                self.pending.clear();
            }
        }
        let mut groups = x.chunks_exact(GROUP);
        for g in &mut groups {
            self.groups = plus(self.groups, group_sum(g));
        }
        self.pending
            .extend(groups.remainder().iter().map(|&v| v.into()));
    }

    /// `[Σx, Σx²]` of every value pushed.
    fn total(&self) -> [f64; 2] {
        self.pending.iter().fold(self.groups, |p, &v| add(p, v))
    }

    /// `[Σx, Σx²]` over `x[0..i)`, if kept.
    pub(super) fn at(&self, i: u64) -> Option<[f64; 2]> {
        if i < self.head.len() as u64 {
            return Some(self.head[i as usize]);
        }
        let first = self.count - self.ring.len() as u64;
        if i < first || i > self.count {
            return None;
        }
        let after = self
            .ring
            .iter()
            .skip((i - first) as usize)
            .fold([0.0; 2], |p, &v| add(p, v));
        let t = self.total();
        Some([t[0] - after[0], t[1] - after[1]])
    }

    pub(super) fn range(&self, from: u64, to: u64) -> Option<[f64; 2]> {
        let (a, b) = (self.at(from)?, self.at(to)?);
        Some([b[0] - a[0], b[1] - a[1]])
    }

    /// Append the prefix sums of the values that follow this one's.
    pub(super) fn merge(&mut self, later: &Prefix) {
        if later.ring.len() as u64 == later.count {
            // Every later value is kept: push them (the serial sums, bit for bit).
            let values: Vec<f64> = later.ring.iter().copied().collect();
            self.push(&values);
            return;
        }
        let (off, base) = (self.total(), self.count);
        while self.head.len() <= self.lag {
            match later.at(self.head.len() as u64 - base) {
                Some(v) => self.head.push(plus(v, off)),
                None => break,
            }
        }
        self.ring = later.ring.clone();
        self.groups = plus(off, later.groups);
        self.pending = later.pending.clone();
        self.count = base + later.count;
    }
}
