//! How a front end runs the independent tasks of a split analysis: the core plans the
//! tasks and merges their results in order; an [`Exec`] decides where they run (rayon
//! workers in the CLI, one thread in a test or a plain wasm build). Results never depend
//! on the executor: tasks are independent and come back in the order of their items.

use alloc::vec::Vec;

/// Runs a batch of independent tasks and returns their results in the order of the items.
pub trait Exec: Sync {
    /// How many tasks run at once (1 for [`Serial`]): a hint for splitting work per worker.
    fn threads(&self) -> usize;

    /// `f(item)` for every item, possibly at the same time on several threads; the results
    /// in the order of `items`.
    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R>;
}

/// Runs every task in turn on the calling thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Serial;

impl Exec for Serial {
    fn threads(&self) -> usize {
        1
    }

    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
        items.into_iter().map(f).collect()
    }
}
