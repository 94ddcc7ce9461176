//! Command-line arguments (clap), turned into validated settings by `main`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// scopekit: analyse oscilloscope and logic-analyzer captures at the speed of the hardware.
#[derive(Debug, Parser)]
#[command(name = "scopekit", version, about, propagate_version = true)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a capture's header says (format, type, shape, channels).
    Info {
        /// The capture file.
        file: PathBuf,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Per-channel statistics: count, min, max, mean, rms, std, p50/p95/p99.
    Stats {
        /// The capture file.
        file: PathBuf,
        /// Only this channel (0-based).
        #[arg(long, value_name = "N")]
        channel: Option<usize>,
        /// Print one JSON document instead of a table.
        #[arg(long)]
        json: bool,
        /// Worker threads (default: all cores).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
    },
    /// Serve the web page (the analysis runs in the browser; files never leave the machine).
    Serve {
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
}
