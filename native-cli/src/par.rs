//! Parallel analysis of one file: the data is cut into segments at block boundaries, each
//! segment is streamed through its own job in windows of the memory map on a rayon worker,
//! and the partial results are merged in file order — bit-identical to a serial run.
//! Formats that cannot be split are streamed in one pass.

use indicatif::ProgressBar;
use rayon::prelude::*;
use scopekit_core::dsp::StatsConfig;
use scopekit_core::formats::Header;
use scopekit_core::job::{StatsJob, StatsPartial};
use scopekit_core::{Merge as _, Push as _};

use crate::error::CliError;
use crate::source::Source;

/// Bytes mapped at a time per worker (the resident-set cost of a worker).
const WINDOW: u64 = 8 << 20;
/// Target bytes per segment: small enough to balance two busy cores, large enough that
/// merging is negligible.
const SEGMENT: u64 = 64 << 20;

/// A pool of `threads` rayon workers (every parallel command's).
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, CliError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::msg(format!("cannot start worker threads: {e}")))
}

/// Run the statistics job over the data of `source` on `threads` workers.
pub fn stats(
    source: &Source,
    header: &Header,
    config: &StatsConfig,
    threads: usize,
    vcd_rate: Option<f64>,
    progress: &ProgressBar,
) -> Result<StatsPartial, CliError> {
    if matches!(header, Header::Sigrok(_) | Header::Npz(_)) {
        // Zip archives are read with random access from the whole (lazily mapped) file.
        let whole = source.map_prefix(source.len() as usize)?;
        let partial = StatsJob::archive(&whole, header.clone(), config.clone())?;
        progress.inc(source.len());
        return Ok(partial);
    }
    let Some(bounds) = header.segments(SEGMENT) else {
        return whole_file_stats(source, config, vcd_rate, progress);
    };
    let pool = pool(threads)?;
    let parts: Vec<Result<StatsPartial, CliError>> = pool.install(|| {
        bounds
            .par_iter()
            .map(|&(start, end)| segment_stats(source, header, config, start, end, progress))
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut total = parts
        .next()
        .unwrap_or_else(|| Err(CliError::msg("no data segment")))?;
    for part in parts {
        total.merge(part?)?;
    }
    Ok(total)
}

/// One job over the whole file from its first byte, for formats read in one pass.
fn whole_file_stats(
    source: &Source,
    config: &StatsConfig,
    vcd_rate: Option<f64>,
    progress: &ProgressBar,
) -> Result<StatsPartial, CliError> {
    let mut job = StatsJob::with_file_len(config.clone(), source.len()).sampling_vcd_at(vcd_rate);
    let mut at = 0;
    while at < source.len() {
        let len = WINDOW.min(source.len() - at);
        job.push(&source.map(at, len as usize)?)?;
        progress.inc(len);
        at += len;
    }
    Ok(job.finish()?)
}

fn segment_stats(
    source: &Source,
    header: &Header,
    config: &StatsConfig,
    start: u64,
    end: u64,
    progress: &ProgressBar,
) -> Result<StatsPartial, CliError> {
    let mut job = StatsJob::resume(header.clone(), start, end, config.clone())?;
    let mut at = start;
    while at < end {
        let len = WINDOW.min(end - at);
        let window = source.map(header.data_offset() + at, len as usize)?;
        job.push(&window)?;
        drop(window);
        progress.inc(len);
        at += len;
    }
    Ok(job.finish()?)
}

/// Runs the tasks of core's split analyses ([`scopekit_core::exec::Exec`]) on a rayon pool.
pub struct PoolExec<'a>(pub &'a rayon::ThreadPool);

impl scopekit_core::exec::Exec for PoolExec<'_> {
    fn threads(&self) -> usize {
        self.0.current_num_threads()
    }

    fn each<T: Send, R: Send>(&self, items: Vec<T>, f: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
        self.0.install(|| items.into_par_iter().map(f).collect())
    }
}
