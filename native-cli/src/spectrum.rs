//! `scopekit spectrum`: Welch PSD (or a periodogram), amplitude spectrum, peaks, IEEE 1241
//! metrics and spectrogram data of one channel. NPY, raw and WAV files are cut into runs of
//! Welch segments that run on rayon workers and merge in file order; other formats stream
//! in one pass. Float32 inputs are transformed in f32 (`--precision auto`, the default: see
//! `scopekit_core::spectrum::Precision::resolve`), others in f64.

use std::fmt::Write as _;

use rayon::prelude::*;
use scopekit_core::formats::{Header, Reader};
use scopekit_core::kernel::AnalogOnly;
use scopekit_core::spectrum::{
    segment_count, Metrics, Precision, ReportOptions, Scaling, SpectrumReport, Welch, WelchConfig,
    WelchSum, Window,
};
use scopekit_core::{Block, BlockSink, Layout, Merge as _, Push as _};

use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// How `spectrum` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Summary, peaks and metrics.
    Text,
    /// The whole report.
    Json,
    /// `frequency,psd,dbv[,dbfs]` rows.
    Csv,
}

/// Settings of one `spectrum` run.
pub struct Options {
    /// Channel: index or name.
    pub channel: String,
    /// Window name.
    pub window: String,
    /// Segment length (`None`: 4096 for Welch, the whole record for a periodogram).
    pub nfft: Option<usize>,
    /// Overlap as a fraction of nfft.
    pub overlap: f64,
    /// `welch` or `none`.
    pub average: String,
    /// `density` or `spectrum`.
    pub scaling: String,
    /// Harmonics counted by THD.
    pub harmonics: usize,
    /// Peaks listed.
    pub peaks: usize,
    /// Include spectrogram data.
    pub spectrogram: bool,
    /// `f32`, `f64` or `auto` (the input's own precision).
    pub precision: String,
    /// Worker threads.
    pub threads: usize,
    /// VCD sampling rate.
    pub rate: Option<f64>,
    /// Raw layout.
    pub raw: Option<scopekit_core::formats::raw::RawConfig>,
}

/// Bytes mapped at a time.
const WINDOW: u64 = 8 << 20;

/// Forwards one channel's blocks to the estimator.
struct ChannelSink {
    channel: usize,
    welch: Welch,
}

impl BlockSink for ChannelSink {
    fn begin(&mut self, _: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> scopekit_core::Result<()> {
        if b.channel == self.channel {
            self.welch.push(b.samples)?;
        }
        Ok(())
    }
}

/// Run `spectrum` on `file`, printing to stdout.
pub fn run(file: &std::path::Path, options: &Options, output: Output) -> Result<(), CliError> {
    let window = Window::parse(&options.window)?;
    let precision = Precision::parse(&options.precision)
        .map_err(|_| CliError::usage("--precision takes f32, f64 or auto"))?;
    let scaling = Scaling::parse(&options.scaling).map_err(|e| CliError::usage(e.to_string()))?;
    if !(0.0..1.0).contains(&options.overlap) {
        return Err(CliError::usage("--overlap takes a fraction in [0, 1)"));
    }
    let source = Source::open(file)?;
    let header = read_header(&source, options.raw)?;
    let info = header.info();
    let precision = Precision::resolve(precision, &header);
    let channel = info.channel_index(&options.channel)?;
    let known = header.layout().known_samples();
    let (nfft, overlap, first_only) = match options.average.as_str() {
        "welch" => {
            let nfft = options.nfft.unwrap_or(4096);
            (nfft, (nfft as f64 * options.overlap).floor() as usize, None)
        }
        "none" => match (options.nfft, known) {
            (Some(n), _) => (n, 0, Some(1)),
            (None, Some(n)) => (usize::try_from(n).unwrap_or(usize::MAX), 0, Some(1)),
            (None, None) => {
                return Err(CliError::usage(
                    "--average none needs a record of known length, or --nfft",
                ))
            }
        },
        a => {
            return Err(CliError::usage(format!(
                "--average takes welch or none, not '{a}'"
            )))
        }
    };
    let mut config = WelchConfig {
        nfft,
        overlap,
        window,
        spectrogram: None,
    };
    config.validate()?;
    let total = known.map(|n| segment_count(&config, n));
    if options.spectrogram {
        config = config.with_spectrogram(total);
    }
    let bar = progress::bytes(source.len());
    let sum = match (header.row_bytes(), total, first_only) {
        (Some(row), Some(total), None) if total > 1 && options.threads > 1 => parallel(
            &source,
            &header,
            &config,
            precision,
            channel,
            row,
            total,
            options.threads,
            &bar,
        )?,
        _ => {
            let count = first_only.unwrap_or(u64::MAX);
            let mut sink = AnalogOnly(ChannelSink {
                channel,
                welch: Welch::part_in(config.clone(), 0, count, precision)?,
            });
            stream::stream(&source, &header, options.rate, &mut sink, |_, n| {
                bar.inc(n);
                Ok(())
            })?;
            sink.0.welch.finish()?
        }
    };
    bar.finish_and_clear();
    let report = SpectrumReport::new(
        &sum,
        &ReportOptions {
            sample_rate: info.sample_rate.or(options.rate),
            scaling,
            harmonics: options.harmonics,
            peaks: options.peaks,
            full_scale: header.full_scale(),
        },
    );
    match output {
        Output::Json => crate::print(crate::to_json(&report)?),
        Output::Csv => crate::print(csv(&report)),
        Output::Text => crate::print(text(&report)),
    }
}

/// Cut the segments into runs, estimate each run on a worker from its own reader, merge the
/// runs in file order.
#[allow(clippy::too_many_arguments)]
fn parallel(
    source: &Source,
    header: &Header,
    config: &WelchConfig,
    precision: Precision,
    channel: usize,
    row: u64,
    total: u64,
    threads: usize,
    bar: &indicatif::ProgressBar,
) -> Result<WelchSum, CliError> {
    // Several runs per worker balance the load.
    let bounds = config.parts(total, threads as u64 * 4);
    let pool = crate::par::pool(threads)?;
    let parts: Vec<Result<WelchSum, CliError>> = pool.install(|| {
        bounds
            .par_iter()
            .map(|part| {
                let mut sink = ChannelSink {
                    channel,
                    welch: Welch::part_in(config.clone(), part.first, part.units(), precision)?,
                };
                let (start, end) = (part.read_start * row, part.read_end * row);
                let mut reader = Reader::resume(header.clone(), start, end)?;
                let mut at = start;
                while at < end {
                    let len = WINDOW.min(end - at);
                    let window = source.map(header.data_offset() + at, len as usize)?;
                    reader.push(&window, &mut sink)?;
                    bar.inc(len);
                    at += len;
                }
                reader.finish(&mut sink)?;
                Ok(sink.welch.finish()?)
            })
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut sum = parts
        .next()
        .unwrap_or_else(|| Err(CliError::msg("no segment")))?;
    for part in parts {
        sum.merge(part?)?;
    }
    Ok(sum)
}

fn csv(r: &SpectrumReport) -> String {
    let mut s = String::from("frequency,psd,dbv");
    s.push_str(if r.amplitude_dbfs.is_some() {
        ",dbfs\n"
    } else {
        "\n"
    });
    for (k, f) in r.frequencies.iter().enumerate() {
        let _ = write!(s, "{f},{},{}", r.psd[k], r.amplitude_dbv[k]);
        if let Some(fs) = &r.amplitude_dbfs {
            let _ = write!(s, ",{}", fs[k]);
        }
        s.push('\n');
    }
    s
}

fn text(r: &SpectrumReport) -> String {
    let mut s = String::new();
    let u = &r.frequency_unit;
    let _ = writeln!(
        s,
        "window       {} (nfft {}, overlap {}, {} segments)",
        r.window, r.nfft, r.overlap, r.segments
    );
    let _ = writeln!(
        s,
        "resolution   {:.6e} {u} (ENBW {:.6e} {u})",
        r.resolution, r.enbw
    );
    let _ = writeln!(
        s,
        "\npeaks ({})",
        match r.scaling {
            Scaling::Density => "dB re 1 V²/Hz",
            Scaling::Spectrum => "dB re 1 V²",
        }
    );
    for p in &r.peaks {
        let _ = writeln!(s, "  {:>16.6e} {u}  {:>9.2} dB", p.frequency, p.level_db);
    }
    match &r.metrics {
        Metrics::Tone(m) => {
            let _ = writeln!(
                s,
                "\nfundamental  {:.6e} {u}, amplitude {:.6e}",
                m.frequency, m.amplitude
            );
            let _ = writeln!(
                s,
                "THD          {:.2} dB ({} harmonics)",
                m.thd_db,
                m.harmonics.len() + 1
            );
            let _ = writeln!(s, "SNR          {:.2} dB", m.snr_db);
            let _ = writeln!(s, "SINAD        {:.2} dB", m.sinad_db);
            let _ = writeln!(s, "ENOB         {:.2} bits", m.enob);
            let _ = writeln!(s, "SFDR         {:.2} dB", m.sfdr_db);
        }
        Metrics::NotApplicable { not_applicable } => {
            let _ = writeln!(s, "\nmetrics      not applicable: {not_applicable}");
        }
    }
    s
}
