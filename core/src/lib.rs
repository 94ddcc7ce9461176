//! # scopekit-core
//!
//! The analysis core of scopekit: format readers, kernels and the serde structs of every
//! result. It does no I/O, spawns no threads and holds no platform code, so the native CLI
//! and the wasm module share it unchanged.
//!
//! ## The streaming contract
//! Every reader and kernel is a push-based state machine ([`Push`]): it takes chunks of any
//! size and `finish()` flushes. Output never depends on where chunks split, and reductions
//! implement [`Merge`], so a file split across threads gives exactly the serial result.
//! `testkit` (feature `test-util`) proves both for any kernel.
//!
//! ## Features
//! - `std` (default): use the standard library. Without it the crate is `no_std` + `alloc`.
//! - `test-util`: the chunk-invariance and parallel == serial checkers in `testkit`.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

#[cfg(feature = "std")]
pub mod correlate;
pub mod decode;
pub mod dsp;
pub mod edges;
pub mod error;
pub mod exec;
pub mod filter;
pub mod formats;
pub mod job;
pub mod kernel;
pub mod live;
pub mod lod;
pub mod logic;
pub mod math;
pub mod measure;
pub mod parts;
pub mod precision;
pub mod report;
pub mod sink_job;
#[cfg(feature = "std")]
pub mod spectrum;
#[cfg(any(test, feature = "test-util"))]
pub mod testkit;
pub mod trace;

pub use error::{Error, Result};
pub use kernel::{Block, BlockSink, ChannelSamples, Layout, Merge, Push};
