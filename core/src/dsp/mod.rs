//! Signal kernels.

pub mod histogram;
pub mod moments;
pub mod quantile;
pub mod stats;

pub use stats::{Stats, StatsConfig};
