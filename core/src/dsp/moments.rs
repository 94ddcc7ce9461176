//! Count, extremes, mean and sum of squared deviations, accumulated in one pass so that
//! any split of the input gives bit-identical results.
//!
//! Floating-point addition is not associative, so a naive parallel sum differs from the
//! serial one in the last bits. Here the reduction is defined on fixed **blocks** of
//! [`BLOCK`] samples at absolute positions: within a block, samples are summed in [`LANES`]
//! lanes chosen by absolute index, relative to a shift (the block's first finite value) for
//! numerical stability; blocks then combine (Chan et al.) along a canonical binary tree over
//! block indices. The tree depends only on which blocks exist, never on how the input was
//! chunked or split, so serial, chunked and parallel runs produce the same bits as long as
//! parallel splits fall on block boundaries.

use alloc::vec::Vec;

use crate::Merge;
use crate::Result;

/// Samples per block (a power of two).
pub const BLOCK: u64 = 4096;
/// Independent accumulators within a block (lets the compiler vectorise).
pub const LANES: usize = 8;

/// Count, extremes, mean and sum of squared deviations from the mean of some samples.
///
/// The mean is kept as `shift + offset`, where `shift` is one of the samples: for a signal
/// riding on a large offset, differences of means are then computed from differences of
/// nearby values and keep their precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of samples.
    pub n: u64,
    /// A reference value (one of the samples).
    pub shift: f64,
    /// Mean minus `shift`.
    pub offset: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    /// Smallest sample (`+inf` when `n == 0`).
    pub min: f64,
    /// Largest sample (`-inf` when `n == 0`).
    pub max: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Moments::EMPTY
    }
}

impl Moments {
    /// The moments of no samples.
    pub const EMPTY: Moments = Moments {
        n: 0,
        shift: 0.0,
        offset: 0.0,
        m2: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };

    /// The arithmetic mean (0 when `n == 0`).
    pub fn mean(&self) -> f64 {
        self.shift + self.offset
    }

    /// Combine two disjoint sets (Chan, Golub and LeVeque's pairwise update).
    pub fn combine(a: Moments, b: Moments) -> Moments {
        if a.n == 0 {
            return b;
        }
        if b.n == 0 {
            return a;
        }
        let n = a.n + b.n;
        let (na, nb, nf) = (a.n as f64, b.n as f64, n as f64);
        let delta = (b.shift - a.shift) + (b.offset - a.offset);
        Moments {
            n,
            shift: a.shift,
            offset: a.offset + delta * (nb / nf),
            m2: a.m2 + b.m2 + delta * delta * (na * nb / nf),
            min: if b.min < a.min { b.min } else { a.min },
            max: if b.max > a.max { b.max } else { a.max },
        }
    }
}

/// A node of the canonical tree: the combined moments of blocks `lo .. lo + 2^level`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    lo: u64,
    level: u32,
    moments: Moments,
}

/// The block being filled.
#[derive(Debug, Clone, PartialEq)]
struct OpenBlock {
    index: u64,
    shift: Option<f64>,
    n: u64,
    s: [f64; LANES],
    q: [f64; LANES],
    lo: [f64; LANES],
    hi: [f64; LANES],
}

impl OpenBlock {
    fn new(index: u64) -> Self {
        OpenBlock {
            index,
            shift: None,
            n: 0,
            s: [0.0; LANES],
            q: [0.0; LANES],
            lo: [f64::INFINITY; LANES],
            hi: [f64::NEG_INFINITY; LANES],
        }
    }

    fn moments(&self) -> Moments {
        let Some(k) = self.shift else {
            return Moments::EMPTY;
        };
        let (s, q) = (self.s.iter().sum::<f64>(), self.q.iter().sum::<f64>());
        let n = self.n as f64;
        let d = s / n;
        let fold = |v: &[f64; LANES], pick: fn(f64, f64) -> bool| {
            v.iter().fold(v[0], |m, &x| if pick(x, m) { x } else { m })
        };
        Moments {
            n: self.n,
            shift: k,
            offset: d,
            m2: (q - s * d).max(0.0),
            min: fold(&self.lo, |x, m| x < m),
            max: fold(&self.hi, |x, m| x > m),
        }
    }

    /// Add samples whose absolute indices are `start ..`, all within this block.
    fn add<T: Lane>(&mut self, start: u64, mut xs: &[T]) {
        let mut lane = (start % LANES as u64) as usize;
        let k = match self.shift {
            Some(k) => k,
            None => {
                // The shift is the block's first non-NaN value.
                let Some(first) = xs.iter().position(|x| !x.wide().is_nan()) else {
                    return;
                };
                lane = (lane + first) % LANES;
                xs = &xs[first..];
                let k = xs[0].wide();
                self.shift = Some(k);
                k
            }
        };
        // Head: up to the next lane-0 index.
        let head = ((LANES - lane) % LANES).min(xs.len());
        for &x in &xs[..head] {
            self.one(lane, k, x.wide());
            lane = (lane + 1) % LANES;
        }
        let body = &xs[head..];
        let whole = body.len() / LANES * LANES;
        if !self.add_lanes(k, &body[..whole]) {
            // NaN (or +inf meeting -inf) poisoned a lane sum: redo these samples one by one,
            // skipping NaN. Rare, so the fast loop carries no NaN test.
            for (j, &x) in body[..whole].iter().enumerate() {
                self.one(j % LANES, k, x.wide());
            }
        }
        for (j, &x) in body[whole..].iter().enumerate() {
            self.one(j, k, x.wide());
        }
    }

    /// Add whole groups of [`LANES`] samples starting at lane 0. Returns false, leaving the
    /// block unchanged, when a sum is NaN.
    fn add_lanes<T: Lane>(&mut self, k: f64, xs: &[T]) -> bool {
        let (s, q, lo, hi) = sum_lanes(k, xs, (self.s, self.q, self.lo, self.hi));
        if s.iter().chain(&q).any(|v| v.is_nan()) {
            return false;
        }
        (self.s, self.q, self.lo, self.hi) = (s, q, lo, hi);
        self.n += xs.len() as u64;
        true
    }

    #[inline]
    fn one(&mut self, lane: usize, k: f64, x: f64) {
        if !x.is_nan() {
            let d = x - k;
            self.s[lane] += d;
            self.q[lane] += d * d;
            self.n += 1;
            if x < self.lo[lane] {
                self.lo[lane] = x;
            }
            if x > self.hi[lane] {
                self.hi[lane] = x;
            }
        }
    }
}

/// A sample type the accumulator reads: `f64`, or `f32` widened in registers (exact) as it
/// is summed, with the same results bit for bit as its `f64` values.
pub trait Lane: Copy {
    /// The value as `f64`.
    fn wide(self) -> f64;
}

impl Lane for f64 {
    #[inline(always)]
    fn wide(self) -> f64 {
        self
    }
}

impl Lane for f32 {
    #[inline(always)]
    fn wide(self) -> f64 {
        f64::from(self)
    }
}

/// Per-lane sums, sums of squares, minima and maxima, after adding whole groups of
/// [`LANES`] samples (`x - k` summed); each lane's operations in sample order.
type LaneSums = ([f64; LANES], [f64; LANES], [f64; LANES], [f64; LANES]);

/// [`LaneSums`] after `xs` (a multiple of [`LANES`] long), portable form (x86-64
/// vectorises it).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn sum_lanes<T: Lane>(k: f64, xs: &[T], (mut s, mut q, mut lo, mut hi): LaneSums) -> LaneSums {
    for c in xs.chunks_exact(LANES) {
        for j in 0..LANES {
            let x = c[j].wide();
            let d = x - k;
            s[j] += d;
            q[j] += d * d;
            lo[j] = if x < lo[j] { x } else { lo[j] };
            hi[j] = if x > hi[j] { x } else { hi[j] };
        }
    }
    (s, q, lo, hi)
}

/// [`LaneSums`] after `xs` (a multiple of [`LANES`] long), in wasm simd128 vectors of two
/// lanes. LLVM's vectoriser turns the portable form into a mix of scalar and vector code
/// on wasm, at half the speed; these are the same operations in the same order per lane
/// (no fused multiply-add), so the bits are the same. `pmin(lo, x)` is `x < lo ? x : lo`
/// and `pmax(hi, x)` is `hi < x ? x : hi`, the portable selects exactly (NaN keeps `lo`).
///
/// Each lane's operations are independent of the other lanes', so the lanes are taken in
/// passes of four over the (cached) samples: all eight lanes at once need 16 vector
/// accumulators, more than a wasm engine keeps in x86-64 registers (measured 10 % slower).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn sum_lanes<T: Lane>(k: f64, xs: &[T], (mut s, mut q, mut lo, mut hi): LaneSums) -> LaneSums {
    use core::arch::wasm32::{
        f64x2, f64x2_add, f64x2_extract_lane, f64x2_mul, f64x2_pmax, f64x2_pmin, f64x2_splat,
        f64x2_sub, v128,
    };
    /// Lanes per pass: two vectors of two.
    const PASS: usize = 4;
    const _: () = assert!(LANES % PASS == 0, "whole passes");
    let shift = f64x2_splat(k);
    for p in (0..LANES).step_by(PASS) {
        let pair = |v: &[f64; LANES], j: usize| f64x2(v[p + j], v[p + j + 1]);
        let (mut s0, mut s1, mut q0, mut q1) = (pair(&s, 0), pair(&s, 2), pair(&q, 0), pair(&q, 2));
        let (mut lo0, mut lo1) = (pair(&lo, 0), pair(&lo, 2));
        let (mut hi0, mut hi1) = (pair(&hi, 0), pair(&hi, 2));
        for c in xs.chunks_exact(LANES) {
            let c = &c[p..p + PASS];
            let w = |j: usize| c[j].wide();
            let (x0, x1) = (f64x2(w(0), w(1)), f64x2(w(2), w(3)));
            let (d0, d1) = (f64x2_sub(x0, shift), f64x2_sub(x1, shift));
            s0 = f64x2_add(s0, d0);
            s1 = f64x2_add(s1, d1);
            q0 = f64x2_add(q0, f64x2_mul(d0, d0));
            q1 = f64x2_add(q1, f64x2_mul(d1, d1));
            lo0 = f64x2_pmin(lo0, x0);
            lo1 = f64x2_pmin(lo1, x1);
            hi0 = f64x2_pmax(hi0, x0);
            hi1 = f64x2_pmax(hi1, x1);
        }
        let put = |v: &mut [f64; LANES], a: v128, b: v128| {
            v[p] = f64x2_extract_lane::<0>(a);
            v[p + 1] = f64x2_extract_lane::<1>(a);
            v[p + 2] = f64x2_extract_lane::<0>(b);
            v[p + 3] = f64x2_extract_lane::<1>(b);
        };
        put(&mut s, s0, s1);
        put(&mut q, q0, q1);
        put(&mut lo, lo0, lo1);
        put(&mut hi, hi0, hi1);
    }
    (s, q, lo, hi)
}

/// Streaming, split-invariant accumulator of [`Moments`] (NaN samples are skipped).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MomentsAcc {
    /// The first block, when this accumulator's input started inside it.
    head: Option<(u64, Moments)>,
    /// Complete blocks, as canonical tree nodes in increasing order.
    nodes: Vec<Node>,
    /// The block being filled, and whether the input started inside it.
    open: Option<(OpenBlock, bool)>,
}

impl MomentsAcc {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add samples whose absolute indices are `start .. start + xs.len()`. Calls must
    /// cover increasing, contiguous index ranges.
    pub fn add<T: Lane>(&mut self, mut start: u64, mut xs: &[T]) {
        while !xs.is_empty() {
            let index = start / BLOCK;
            if !matches!(&self.open, Some((b, _)) if b.index == index) {
                self.close();
                self.open = Some((OpenBlock::new(index), start % BLOCK != 0));
            }
            let room = (BLOCK - start % BLOCK) as usize;
            let take = room.min(xs.len());
            if let Some((b, _)) = &mut self.open {
                b.add(start, &xs[..take]);
            }
            if take == room {
                self.close();
            }
            xs = &xs[take..];
            start += take as u64;
        }
    }

    fn close(&mut self) {
        if let Some((b, partial)) = self.open.take() {
            self.push_block(b.index, b.moments(), partial);
        }
    }

    fn push_block(&mut self, index: u64, moments: Moments, partial: bool) {
        if partial && self.head.is_none() && self.nodes.is_empty() {
            self.head = Some((index, moments));
        } else {
            self.push_node(Node {
                lo: index,
                level: 0,
                moments,
            });
        }
    }

    /// Push a node and combine it with its left sibling, as far up as possible.
    fn push_node(&mut self, mut node: Node) {
        while let Some(&top) = self.nodes.last() {
            let size = 1u64 << top.level;
            let sibling =
                top.level == node.level && top.lo % (size * 2) == 0 && top.lo + size == node.lo;
            if !sibling {
                break;
            }
            self.nodes.pop();
            node = Node {
                lo: top.lo,
                level: top.level + 1,
                moments: Moments::combine(top.moments, node.moments),
            };
        }
        self.nodes.push(node);
    }

    /// The moments of everything added.
    pub fn total(&self) -> Moments {
        // Close a copy: the open block joins the tree exactly as a merge would put it there.
        let mut closed = self.clone();
        closed.close();
        let head = closed.head.map(|(_, m)| m);
        head.into_iter()
            .chain(closed.nodes.iter().map(|n| n.moments))
            .fold(Moments::default(), Moments::combine)
    }
}

impl Merge for MomentsAcc {
    /// Bit-exact when `self`'s input ends on a block boundary; a block split between the two
    /// parts is combined pairwise (correct to rounding).
    fn merge(&mut self, mut later: Self) -> Result<()> {
        later.close();
        let pending = self.open.take();
        match (pending, later.head.take()) {
            (Some((b, partial)), Some((index, m))) if b.index == index => {
                self.push_block(index, Moments::combine(b.moments(), m), partial);
            }
            (pending, head) => {
                if let Some((b, partial)) = pending {
                    self.push_block(b.index, b.moments(), partial);
                }
                if let Some((index, m)) = head {
                    self.push_block(index, m, true);
                }
            }
        }
        for node in later.nodes {
            self.push_node(node);
        }
        Ok(())
    }
}
