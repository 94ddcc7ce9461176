//! scopekit's cross-crate tests: one test binary, one module per area.

mod cli_errors;
mod cli_stats;
mod serve;
