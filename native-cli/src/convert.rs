//! `scopekit convert`: stream a capture through the core's converter into a temporary file
//! beside the output, rewrite the header once the length is known, and rename it into place
//! only when complete — an interrupted run leaves no half file under the final name.

use std::fs::File;
use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use scopekit_core::formats::dtype::Dtype;
use scopekit_core::formats::raw::RawConfig;
use scopekit_core::formats::write::OutputFormat;
use scopekit_core::job::{ConvertJob, ConvertOptions};
use scopekit_core::report::ConvertReport;

use crate::args::Target;
use crate::error::CliError;
use crate::source::Source;

/// Bytes of input pushed at a time.
const WINDOW: u64 = 8 << 20;

/// What the user asked for, for every file.
pub struct Options {
    /// Explicit output format.
    pub to: Option<Target>,
    /// Channels to write.
    pub channels: Option<Vec<usize>>,
    /// Sample type name.
    pub dtype: Option<String>,
    /// Sample rate to record, overriding the input's.
    pub rate: Option<f64>,
    /// Stated layout of raw inputs.
    pub raw: Option<RawConfig>,
}

/// Convert many files into `dir` in parallel (rayon over files) with one progress bar; a
/// bad file is reported and skipped; the error at the end says how many failed.
pub fn batch(inputs: &[PathBuf], dir: &Path, options: &Options) -> Result<(), CliError> {
    use rayon::prelude::*;
    let ext = match options.to {
        Some(Target::Csv) => "csv",
        Some(Target::Wav) => "wav",
        Some(Target::Raw) => "raw",
        Some(Target::Npy) | None => "npy",
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::io(&format!("{}: cannot create", dir.display()), e))?;
    let total = inputs
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let bar = crate::progress::bytes(total);
    let failed: Vec<String> = inputs
        .par_iter()
        .filter_map(|input| {
            let stem = input
                .file_stem()
                .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
            let output = dir.join(format!("{stem}.{ext}"));
            run(input, &output, options, &|n| bar.inc(n))
                .err()
                .map(|e| {
                    bar.suspend(|| eprintln!("error: {e}"));
                    e.to_string()
                })
        })
        .collect();
    bar.finish_and_clear();
    let done = inputs.len() - failed.len();
    eprintln!(
        "converted {done} of {} files into {}",
        inputs.len(),
        dir.display()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "{} of {} files failed",
            failed.len(),
            inputs.len()
        )))
    }
}

/// The output format: explicit, else from the output's extension.
pub(crate) fn output_format(to: Option<Target>, output: &Path) -> Result<OutputFormat, CliError> {
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match (to, ext.as_deref()) {
        (Some(Target::Npy), _) | (None, Some("npy")) => OutputFormat::Npy,
        (Some(Target::Csv), _) | (None, Some("csv" | "txt")) => OutputFormat::Csv,
        (Some(Target::Wav), _) | (None, Some("wav")) => OutputFormat::Wav,
        (Some(Target::Raw), _) | (None, Some("raw" | "bin" | "dat")) => OutputFormat::Raw,
        (None, _) => {
            return Err(CliError::msg(format!(
                "{}: cannot tell the output format from the name: use --to npy|csv|wav|raw",
                output.display()
            )))
        }
    })
}

/// Convert `input` into `output`; `progress` hears of every input byte consumed.
pub fn run(
    input: &Path,
    output: &Path,
    req: &Options,
    progress: &dyn Fn(u64),
) -> Result<ConvertReport, CliError> {
    let format = output_format(req.to, output)?;
    let dtype = match &req.dtype {
        None => None,
        Some(name) => Some(Dtype::parse(name).ok_or_else(|| {
            CliError::msg(format!(
                "unknown --dtype '{name}' (use int8..int64, uint8..uint64, float32, float64 or f4, <i2, ...)"
            ))
        })?),
    };
    let in_input = |e: CliError| CliError::msg(format!("{}: {e}", input.display()));
    let source = Source::open(input).map_err(in_input)?;
    let header = crate::read_header(&source, req.raw).map_err(in_input)?;
    let options = ConvertOptions {
        format,
        dtype,
        channels: req.channels.clone(),
        sample_rate: req.rate,
    };
    let mut job = ConvertJob::new(header, options, source.len()).map_err(|e| in_input(e.into()))?;
    let tmp = temp_path(output);
    let result = (|| {
        let mut out = File::create(&tmp).map_err(|e| CliError::io("cannot create", e))?;
        let mut at = 0;
        while at < source.len() {
            let len = WINDOW.min(source.len() - at);
            let mut failed = None;
            let pushed = job.push(&source.map(at, len as usize)?, &mut |b| {
                out.write_all(b).map_err(|e| failed = Some(e)).is_ok()
            });
            if let Some(e) = failed {
                return Err(CliError::io("cannot write", e));
            }
            pushed.map_err(|e| in_input(e.into()))?;
            at += len;
            progress(len);
        }
        let (tail, written, report) = job.finish().map_err(|e| in_input(e.into()))?;
        out.write_all(&tail)
            .map_err(|e| CliError::io("cannot write", e))?;
        if !written.header.is_empty() {
            out.seek(SeekFrom::Start(0))
                .and_then(|_| out.write_all(&written.header))
                .map_err(|e| CliError::io("cannot write the header", e))?;
        }
        out.flush().map_err(|e| CliError::io("cannot write", e))?;
        Ok(report)
    })();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if matches!(format, OutputFormat::Npy | OutputFormat::Raw) {
        let sidecar = PathBuf::from(format!("{}.json", output.display()));
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::msg(e.to_string()))? + "\n";
        let sidecar_tmp = temp_path(&sidecar);
        std::fs::write(&sidecar_tmp, text)
            .and_then(|()| std::fs::rename(&sidecar_tmp, &sidecar))
            .map_err(|e| CliError::io(&format!("{}: cannot write", sidecar.display()), e))?;
    }
    std::fs::rename(&tmp, output).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CliError::io(
            &format!("{}: cannot rename into place", output.display()),
            e,
        )
    })?;
    Ok(report)
}

/// A hidden temporary name in the output's directory (so the rename stays on one file
/// system).
fn temp_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    output.with_file_name(format!(".{name}.part-{}", std::process::id()))
}
