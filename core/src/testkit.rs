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
    assert_eq!(
        whole,
        text(&run_split(make(), input, &ones)),
        "1-element chunks differ from the whole input"
    );
    let empties = [0, 0, input.len() / 2, input.len() / 2];
    assert_eq!(
        whole,
        text(&run_split(make(), input, &empties)),
        "empty chunks change the output"
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
        prop_assert_eq!(&whole, &text(&run_split(make(), input, &cuts)));
        Ok(())
    });
    if let Err(e) = result {
        panic!("a random split changes the output: {e}");
    }
}

/// Assert that splitting the input at `splits` (sorted offsets), running each part on its
/// own machine from `make_at(part_start, part_end)` and merging the outputs in order equals
/// one machine over the whole input (`make_at(0, input.len())`).
///
/// # Panics
/// When the merged result differs from the serial one.
pub fn assert_parallel_eq_serial<T: Debug, P: Push<T>>(
    make_at: impl Fn(usize, usize) -> P,
    input: &[T],
    splits: &[usize],
) where
    P::Output: Debug + Merge,
{
    let serial = text(&run_split(make_at(0, input.len()), input, &[]));
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
    assert_eq!(
        serial,
        text(&Ok(merged)),
        "parallel result differs from serial"
    );
}
