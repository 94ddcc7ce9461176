//! `scopekit trace`: summaries and comparisons of profiler traces (Chrome trace-event JSON,
//! optionally gzip-compressed). Loading goes through the binary index when one is valid
//! (see `trace_index`), else reads the file (in parallel parts for plain JSON) and writes one.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use scopekit_core::trace::{compare, CompareConfig, Summary};

use crate::error::CliError;

/// `scopekit trace` subcommands.
#[derive(Debug, Subcommand)]
pub enum TraceCmd {
    /// Per-name durations (count, total, self, mean, min, max, p50/p95/p99), GPU busy and idle
    /// time per stream, compute/communication overlap and profiler steps.
    Summary {
        /// The trace (.json or .json.gz).
        file: PathBuf,
        /// Rows of the table to show (text and CSV).
        #[arg(long, value_name = "N", default_value_t = 20)]
        top: usize,
        /// What the table lists.
        #[arg(long, value_enum, default_value = "kernel")]
        by: By,
        #[command(flatten)]
        common: Common,
    },
    /// Per kernel and per CPU op: counts and totals in A and B, delta, ratio and status.
    Compare {
        /// The baseline trace.
        a: PathBuf,
        /// The trace to compare with it.
        b: PathBuf,
        /// Percentage change of a total that counts as faster or slower.
        #[arg(long, value_name = "PCT", default_value_t = 5.0)]
        threshold: f64,
        /// Exit with status 3 when B's total kernel or CPU-op time exceeds A's by more than PCT %.
        #[arg(long, value_name = "PCT")]
        fail_if_slower: Option<f64>,
        /// Rows to show per table (text); CSV and JSON list all.
        #[arg(long, value_name = "N", default_value_t = 20)]
        top: usize,
        #[command(flatten)]
        common: Common,
    },
}

/// Options shared by the trace subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV instead of a table.
    #[arg(long)]
    pub csv: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Neither read nor write the binary index.
    #[arg(long)]
    pub no_index: bool,
}

/// The table of `trace summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// GPU kernels by name.
    Kernel,
    /// CPU ops by name.
    Op,
    /// All spans by category.
    Category,
    /// GPU kernels by stream.
    Stream,
}

/// Exit status of `compare --fail-if-slower` when B is slower.
const EXIT_SLOWER: u8 = 3;

/// Run a trace subcommand.
pub fn run(cmd: TraceCmd) -> Result<(), CliError> {
    match cmd {
        TraceCmd::Summary {
            file,
            top,
            by,
            common,
        } => {
            let s = load(&file, &common)?;
            crate::print(if common.json {
                crate::to_json(&s)?
            } else if common.csv {
                crate::trace_out::summary_csv(&s, by)
            } else {
                crate::trace_out::summary_text(&s, by, top)
            })
        }
        TraceCmd::Compare {
            a,
            b,
            threshold,
            fail_if_slower,
            top,
            common,
        } => {
            if !(threshold.is_finite() && threshold >= 0.0) {
                return Err(CliError::usage("--threshold must be a percentage >= 0"));
            }
            let (sa, sb) = (load(&a, &common)?, load(&b, &common)?);
            let d = compare(
                &sa,
                &sb,
                CompareConfig {
                    threshold_pct: threshold,
                },
            );
            crate::print(if common.json {
                crate::to_json(&serde_json::json!({
                    "a": name_of(&a), "b": name_of(&b), "diff": d,
                }))?
            } else if common.csv {
                crate::trace_out::compare_csv(&d)
            } else {
                crate::trace_out::compare_text(&d, top)
            })?;
            if let Some(pct) = fail_if_slower {
                if d.slower_than(pct) {
                    return Err(CliError::with_code(
                        format!(
                            "{} is more than {pct} % slower than {}",
                            b.display(),
                            a.display()
                        ),
                        EXIT_SLOWER,
                    ));
                }
            }
            Ok(())
        }
    }
}

fn name_of(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The summary of `path`: from its index when valid, else read (and indexed).
fn load(path: &Path, common: &Common) -> Result<Summary, CliError> {
    let threads = common
        .threads
        .unwrap_or_else(rayon::current_num_threads)
        .max(1);
    crate::in_file(path, || {
        let source = crate::source::Source::open(path)?;
        let key = crate::trace_index::key(path, &source)?;
        if !common.no_index {
            if let Some(s) = crate::trace_index::read(path, key) {
                return Ok(s);
            }
        }
        let s = crate::trace_par::summarize(&source, path, threads)?;
        if !common.no_index {
            crate::trace_index::write(path, key, &s);
        }
        Ok(s)
    })
}
