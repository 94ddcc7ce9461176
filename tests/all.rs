//! scopekit's cross-crate tests: one test binary, one module per area.
#![allow(clippy::unwrap_used, reason = "test code: a panic is how a test fails")]

mod cli_capture;
mod cli_convert;
mod cli_correlate;
mod cli_decode;
mod cli_edges;
mod cli_errors;
mod cli_filter;
mod cli_formats;
mod cli_histogram;
mod cli_measure;
mod cli_spectrum;
mod cli_stats;
mod cli_trace;
mod serve;
