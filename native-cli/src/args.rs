//! Command-line arguments (clap), turned into validated settings by `main`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

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
        /// Layout of a raw binary file.
        #[command(flatten)]
        raw: RawArgs,
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
        /// Sample a VCD's value changes this many times per second (sample and hold).
        #[arg(long, value_name = "HZ")]
        rate: Option<f64>,
        /// Layout of a raw binary file.
        #[command(flatten)]
        raw: RawArgs,
    },
    /// Convert a capture to NPY, CSV, WAV or raw binary, streaming with constant memory:
    /// `convert IN OUT`, or `convert --out-dir DIR FILES...` for many files in parallel.
    Convert {
        /// `IN OUT`, or with `--out-dir` the files to convert.
        #[arg(required = true, value_name = "FILES")]
        paths: Vec<PathBuf>,
        /// Convert every file given into this directory (as NAME.npy, or --to's extension);
        /// a bad file is reported and skipped.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Output format (default: from the output's extension).
        #[arg(long, value_enum)]
        to: Option<Target>,
        /// Channels to write, comma-separated, in order (default: all).
        #[arg(long, value_delimiter = ',', value_name = "N,...")]
        channels: Option<Vec<usize>>,
        /// Sample type of NPY/WAV/raw output: float32, int16, f8, <i4, ... (default: the
        /// input's own; float32 for scaled LeCroy volts).
        #[arg(long, value_name = "TYPE")]
        dtype: Option<String>,
        /// Samples per second, for inputs that do not record it (WAV output needs one; a
        /// VCD is sampled at this rate).
        #[arg(long, value_name = "HZ")]
        rate: Option<f64>,
        /// Print the report (the NPY sidecar's content) as JSON.
        #[arg(long)]
        json: bool,
        /// Layout of raw binary inputs.
        #[command(flatten)]
        raw: RawArgs,
    },
    /// Profiler traces (Chrome trace-event JSON, .json or .json.gz): summary, compare.
    Trace {
        /// What to do with the trace.
        #[command(subcommand)]
        cmd: crate::trace::TraceCmd,
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

/// Output formats of `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// numpy .npy, shape (samples, channels), with a .json sidecar.
    Npy,
    /// Comma-separated text.
    Csv,
    /// RIFF WAVE.
    Wav,
    /// Headerless interleaved samples, with a .json sidecar.
    Raw,
}

/// How to read a headerless binary file (formats with a header are recognised by content).
#[derive(Debug, Clone, clap::Args)]
pub struct RawArgs {
    /// Read the file as raw binary samples of this type (float32, int16, f4, <i2, >f8, ...).
    #[arg(long, value_name = "TYPE")]
    pub raw: Option<String>,
    /// Raw: number of channels.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "raw")]
    pub raw_channels: u64,
    /// Raw: each channel whole after the previous, instead of interleaved samples.
    #[arg(long, requires = "raw")]
    pub raw_planar: bool,
    /// Raw: bytes to skip before the data.
    #[arg(long, value_name = "BYTES", default_value_t = 0, requires = "raw")]
    pub raw_offset: u64,
    /// Raw: samples per second.
    #[arg(long, value_name = "HZ", requires = "raw")]
    pub raw_rate: Option<f64>,
}
