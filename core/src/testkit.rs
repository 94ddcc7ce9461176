//! Test helpers that prove the streaming contract for any [`Push`] machine:
//! [`assert_chunk_invariant`] (whole input, 1-element chunks, random splits) and
//! [`assert_parallel_eq_serial`] (split, process apart, merge).
//!
//! Outputs are compared through their `Debug` text, which tells apart every two floats that
//! differ in any bit (except NaN payloads), so "equal" means bit-identical.

use alloc::format;
use alloc::vec::Vec;
use core::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::{Merge, Push};

/// A [`BlockSink`](crate::BlockSink) that gathers each channel's samples, asserting the
/// contract readers keep: `begin` at most once, blocks of a channel contiguous and in
/// order, and no block longer than `max_block`.
#[derive(Debug, Clone, PartialEq)]
pub struct Collect {
    /// The layout given to `begin`.
    pub layout: Option<crate::Layout>,
    /// Every channel's samples so far.
    pub channels: Vec<Vec<f64>>,
    /// Longest block allowed.
    pub max_block: usize,
}

impl Default for Collect {
    fn default() -> Self {
        Self::with_max_block(usize::MAX)
    }
}

impl Collect {
    /// A collector that also asserts blocks of at most `max_block` samples.
    pub fn with_max_block(max_block: usize) -> Self {
        Collect {
            layout: None,
            channels: Vec::new(),
            max_block,
        }
    }
}

impl crate::BlockSink for Collect {
    fn begin(&mut self, layout: crate::Layout) -> crate::Result<()> {
        assert!(self.layout.is_none(), "begin must be called once");
        self.layout = Some(layout);
        self.channels = alloc::vec![Vec::new(); layout.channels];
        Ok(())
    }
    fn block(&mut self, b: crate::Block<'_>) -> crate::Result<()> {
        assert!(
            b.samples.len() <= self.max_block,
            "block of {} samples",
            b.samples.len()
        );
        let ch = &mut self.channels[b.channel];
        assert_eq!(ch.len() as u64, b.start, "blocks must be contiguous");
        ch.extend_from_slice(b.samples);
        Ok(())
    }
}

/// Encode `values` (in file order) as an NPY file: `descr` such as `<f4` or `>i2`, format
/// version `major`.0, the header padded to 64 bytes as numpy does.
///
/// # Panics
/// On a `descr` the reader does not support.
pub fn npy_bytes(descr: &str, shape: &[u64], fortran: bool, major: u8, values: &[f64]) -> Vec<u8> {
    let dtype = crate::formats::parse_npy_descr(descr).expect("supported descr");
    let dims: Vec<alloc::string::String> = shape.iter().map(|d| format!("{d}")).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let order = if fortran { "True" } else { "False" };
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape_text}, }}");
    let prefix = if major == 1 { 10 } else { 12 };
    while (prefix + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = Vec::new();
    out.extend_from_slice(crate::formats::npy::MAGIC);
    out.extend_from_slice(&[major, 0]);
    if major == 1 {
        out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(dict.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    for &v in values {
        macro_rules! put {
            ($t:ty) => {{
                let x = v as $t;
                if dtype.big_endian {
                    out.extend_from_slice(&x.to_be_bytes())
                } else {
                    out.extend_from_slice(&x.to_le_bytes())
                }
            }};
        }
        use crate::formats::DtypeKind::*;
        match (dtype.kind, dtype.size) {
            (Int, 1) => put!(i8),
            (UInt, 1) => put!(u8),
            (Int, 2) => put!(i16),
            (UInt, 2) => put!(u16),
            (Int, 4) => put!(i32),
            (UInt, 4) => put!(u32),
            (Int, 8) => put!(i64),
            (UInt, 8) => put!(u64),
            (Float, 4) => put!(f32),
            _ => put!(f64),
        }
    }
    out
}

/// Feed `input` to a fresh machine split at `cuts` (sorted offsets) and finish it.
pub fn run_split<T, P: Push<T>>(
    machine: P,
    input: &[T],
    cuts: &[usize],
) -> crate::Result<P::Output> {
    let mut machine = machine;
    let mut at = 0;
    for &cut in cuts.iter().chain(core::iter::once(&input.len())) {
        let cut = cut.clamp(at, input.len());
        machine.push(&input[at..cut])?;
        at = cut;
    }
    machine.finish()
}

fn text<O: Debug>(r: &crate::Result<O>) -> alloc::string::String {
    format!("{r:?}")
}

/// Panic with the neighbourhood of the first difference (outputs can be huge).
fn assert_same(expected: &str, got: &str, what: &str) {
    if expected != got {
        let at = expected
            .chars()
            .zip(got.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let window = |s: &str| -> alloc::string::String {
            s.chars().skip(at.saturating_sub(200)).take(400).collect()
        };
        panic!(
            "{what}: first difference at character {at}\nexpected: …{}…\n     got: …{}…",
            window(expected),
            window(got)
        );
    }
}

/// Assert that the whole input in one chunk, 1-element chunks, empty chunks and random
/// splits (proptest, `cases` of them) all give the same output or the same error.
///
/// # Panics
/// When two splits disagree (that is the point).
pub fn assert_chunk_invariant<T: Debug, P: Push<T>>(make: impl Fn() -> P, input: &[T], cases: u32)
where
    P::Output: Debug,
{
    let whole = text(&run_split(make(), input, &[]));
    let ones: Vec<usize> = (1..input.len()).collect();
    assert_same(
        &whole,
        &text(&run_split(make(), input, &ones)),
        "1-element chunks differ from the whole input",
    );
    let empties = [0, 0, input.len() / 2, input.len() / 2];
    assert_same(
        &whole,
        &text(&run_split(make(), input, &empties)),
        "empty chunks change the output",
    );
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let len = input.len();
    let strategy = proptest::collection::vec(0..=len, 0..16);
    let result = runner.run(&strategy, |mut cuts| {
        cuts.sort_unstable();
        let got = text(&run_split(make(), input, &cuts));
        prop_assert!(whole == got, "split at {:?} differs", cuts);
        Ok(())
    });
    if let Err(e) = result {
        panic!("a random split changes the output: {e}");
    }
}

/// Assert that splitting the input at `splits` (sorted offsets), running each part on its
/// own machine from `make_at(part_start, part_end)` and merging the outputs in order equals
/// one machine over the whole input (`make_at(0, input.len())`). Outputs are compared
/// through `view` (e.g. the final report rather than the internal state).
///
/// # Panics
/// When the merged result differs from the serial one.
pub fn assert_parallel_eq_serial<T: Debug, P: Push<T>, V: Debug>(
    make_at: impl Fn(usize, usize) -> P,
    input: &[T],
    splits: &[usize],
    view: impl Fn(P::Output) -> V,
) where
    P::Output: Merge,
{
    let serial = text(&run_split(make_at(0, input.len()), input, &[]).map(&view));
    let mut bounds = Vec::with_capacity(splits.len() + 2);
    bounds.push(0);
    bounds.extend_from_slice(splits);
    bounds.push(input.len());
    let mut merged: Option<P::Output> = None;
    for w in bounds.windows(2) {
        let part = run_split(make_at(w[0], w[1]), &input[w[0]..w[1]], &[]).expect("a part failed");
        match &mut merged {
            None => merged = Some(part),
            Some(m) => m.merge(part).expect("merge failed"),
        }
    }
    let merged = merged.expect("at least one part");
    assert_same(
        &serial,
        &text(&Ok(view(merged))),
        "parallel result differs from serial",
    );
}
