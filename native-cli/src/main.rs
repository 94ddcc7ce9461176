//! `scopekit`: the native command line. Argument parsing, file access, threads, progress and
//! output formatting only; every analysis lives in `scopekit-core`.
//!
//! Exit status: 0 success, 1 bad input or failed analysis, 2 usage error.

mod args;
mod capture;
mod capture_record;
mod capture_view;
mod convert;
mod correlate;
mod decode;
mod decode_par;
mod edges;
mod error;
mod filter;
mod hist;
mod interrupt;
mod mapped_hooks;
mod measure;
mod out;
mod par;
mod progress;
mod serve;
mod source;
mod spectrum;
mod stream;
mod trace;
mod trace_index;
mod trace_out;
mod trace_par;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser as _;
use scopekit_core::dsp::StatsConfig;
use scopekit_core::formats::probe::PROBE_LEN;
use scopekit_core::formats::raw::{RawConfig, RawHeader};
use scopekit_core::formats::{archive, probe, Dtype, Format, Header};

use crate::args::{Args, Command, RawArgs};
use crate::error::CliError;
use crate::source::Source;

/// The CPU features this build was compiled for (`.cargo/config.toml`) that this CPU
/// lacks, named; `None` when it has them all.
fn missing_cpu_features() -> Option<&'static str> {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        if !(std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma"))
        {
            return Some("AVX2 and FMA");
        }
    }
    None
}

fn main() -> ExitCode {
    if let Some(missing) = missing_cpu_features() {
        eprintln!(
            "error: this build of scopekit needs a CPU with {missing} (x86-64-v3); \
             rebuild with RUSTFLAGS=\"-C target-cpu=x86-64\" for this one"
        );
        return ExitCode::from(2);
    }
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        Command::Info { file, json, raw } => {
            let raw = raw_config(&raw)?;
            let info = in_file(&file, || {
                let source = Source::open(&file)?;
                Ok(read_header(&source, raw)?.info())
            })?;
            print(if json {
                to_json(&info)?
            } else {
                out::info(&info)
            })
        }
        Command::Stats {
            file,
            channel,
            json,
            histogram,
            histogram_range,
            csv,
            input,
        } => {
            let (threads, rate, raw) = (input.threads(), input.rate, raw_config(&input.raw)?);
            let histogram = hist::Options::parse(histogram.as_deref(), histogram_range.as_deref())?;
            if csv && histogram.is_none() {
                return Err(CliError::usage("--csv prints histograms: add --histogram"));
            }
            let config = StatsConfig {
                channels: channel.map(|c| vec![c]),
            };
            let report = in_file(&file, || {
                let source = Source::open(&file)?;
                let header = read_header(&source, raw)?;
                let bar = progress::bytes(source.len());
                let partial = par::stats(&source, &header, &config, threads, rate, &bar)?;
                let mut report = partial.report();
                if let Some(options) = histogram {
                    let runner = hist::Runner {
                        source: &source,
                        header: &header,
                        threads,
                        vcd_rate: rate,
                        progress: &bar,
                    };
                    hist::attach(&mut report, options, &runner)?;
                }
                bar.finish_and_clear();
                Ok(report)
            })?;
            print(if json {
                to_json(&report)?
            } else if csv {
                hist::csv(&report)
            } else {
                out::stats(&report) + &hist::text(&report)
            })
        }
        Command::Convert {
            paths,
            out_dir,
            to,
            channels,
            dtype,
            rate,
            json,
            raw,
        } => {
            let options = convert::Options {
                to,
                channels,
                dtype,
                rate,
                raw: raw_config(&raw)?,
            };
            match out_dir {
                Some(dir) => convert::batch(&paths, &dir, &options),
                None => {
                    let [input, output] = paths.as_slice() else {
                        return Err(CliError::usage(
                            "convert takes IN OUT, or --out-dir DIR with the files to convert",
                        ));
                    };
                    let bar = progress::bytes(std::fs::metadata(input).map_or(0, |m| m.len()));
                    let report = convert::run(input, output, &options, &|n| bar.inc(n))?;
                    bar.finish_and_clear();
                    if json {
                        print(to_json(&report)?)?;
                    }
                    Ok(())
                }
            }
        }
        Command::Edges {
            file,
            channel,
            threshold,
            hysteresis,
            min_pulse,
            limit,
            json,
            csv,
            input,
        } => {
            let level = match threshold.as_str() {
                "auto" => None,
                v => Some(v.parse::<f64>().map_err(|_| {
                    CliError::usage(format!("--threshold takes a number or 'auto', not '{v}'"))
                })?),
            };
            let options = edges::Options {
                channel,
                level,
                hysteresis,
                min_pulse,
                limit,
                rate: input.rate,
                raw: raw_config(&input.raw)?,
                threads: input.threads(),
            };
            let output = match (json, csv) {
                (true, _) => edges::Output::Json,
                (_, true) => edges::Output::Csv,
                _ => edges::Output::Text,
            };
            in_file(&file, || edges::run(&file, &options, output))
        }
        Command::Filter {
            input,
            output,
            lowpass,
            highpass,
            bandpass,
            bandstop,
            order,
            fir,
            butter: _,
            cheby1,
            zero_phase,
            moving_average,
            decimate,
            channels,
            to,
            rate,
            json,
            raw,
        } => {
            use scopekit_core::filter::{Band, Design, FilterSpec, Prototype};
            let pair = |v: Vec<f64>, name: &str| match v.as_slice() {
                &[a, b] => Ok((a, b)),
                _ => Err(CliError::usage(format!(
                    "--{name} takes two frequencies F1,F2"
                ))),
            };
            let band = match (lowpass, highpass, bandpass, bandstop) {
                (Some(f), ..) => Some(Band::Lowpass(f)),
                (_, Some(f), ..) => Some(Band::Highpass(f)),
                (_, _, Some(v), _) => {
                    pair(v, "bandpass").map(|(a, b)| Some(Band::Bandpass(a, b)))?
                }
                (_, _, _, Some(v)) => {
                    pair(v, "bandstop").map(|(a, b)| Some(Band::Bandstop(a, b)))?
                }
                _ => None,
            };
            let design = match (fir, cheby1) {
                (true, _) => Design::Fir,
                (_, Some(ripple_db)) => Design::Iir(Prototype::Chebyshev1 { ripple_db }),
                _ => Design::Iir(Prototype::Butterworth),
            };
            let spec = FilterSpec {
                band,
                design,
                order: order.unwrap_or(if fir { 100 } else { 4 }),
                moving_average,
                decimate,
                sample_rate: 1.0,
            };
            let options = filter::Options {
                spec,
                zero_phase,
                channels,
                to,
                rate,
                raw: raw_config(&raw)?,
            };
            in_file(&input, || filter::run(&input, &output, options, json))
        }
        Command::Correlate {
            a,
            b,
            channel_a,
            channel_b,
            max_lag,
            output,
            stream,
            json,
            threads,
            precision,
        } => correlate::run(&correlate::Options {
            a,
            b,
            channel_a,
            channel_b,
            max_lag,
            output,
            force_stream: stream,
            json,
            threads: args::threads(threads),
            precision,
        }),
        Command::Measure {
            file,
            channel,
            levels,
            json,
            input,
        } => {
            let options = measure::Options {
                channel,
                levels,
                threads: input.threads(),
                rate: input.rate,
                raw: raw_config(&input.raw)?,
            };
            in_file(&file, || measure::run(&file, &options, json))
        }
        Command::Spectrum {
            file,
            channel,
            window,
            nfft,
            overlap,
            average,
            scaling,
            harmonics,
            peaks,
            spectrogram,
            precision,
            json,
            csv,
            input,
        } => {
            let options = spectrum::Options {
                channel,
                window,
                nfft,
                overlap,
                average,
                scaling,
                harmonics,
                peaks,
                spectrogram,
                precision,
                threads: input.threads(),
                rate: input.rate,
                raw: raw_config(&input.raw)?,
            };
            let output = match (json, csv) {
                (true, _) => spectrum::Output::Json,
                (_, true) => spectrum::Output::Csv,
                _ => spectrum::Output::Text,
            };
            in_file(&file, || spectrum::run(&file, &options, output))
        }
        Command::Decode { protocol } => decode::command(protocol),
        Command::Capture(capture) => capture::run(capture),
        Command::Serve {
            host,
            port,
            no_isolation,
        } => serve::run(&host, port, !no_isolation),
        Command::Trace { cmd } => trace::run(cmd),
    }
}

/// Run `f`, prefixing any error with the file's path.
fn in_file<T>(path: &Path, f: impl FnOnce() -> Result<T, CliError>) -> Result<T, CliError> {
    f().map_err(|e| e.about(path.display()))
}

/// The stated layout of a raw file, if `--raw` was given.
fn raw_config(args: &RawArgs) -> Result<Option<RawConfig>, CliError> {
    let Some(name) = &args.raw else {
        return Ok(None);
    };
    let dtype = Dtype::parse(name).ok_or_else(|| {
        CliError::usage(format!(
            "unknown --raw type '{name}' (int8..uint64, float32, float64, f4, <i2, ...)"
        ))
    })?;
    Ok(Some(RawConfig {
        dtype,
        channels: args.raw_channels,
        interleaved: !args.raw_planar,
        sample_rate: args.raw_rate,
        offset: args.raw_offset,
    }))
}

/// The most of a file a header may span (LeCroy trigger-time arrays reach 16 MiB).
const MAX_HEADER_SPAN: u64 = 17 << 20;

/// Parse the header (or take the stated raw layout) and check the file holds the data it
/// promises.
pub(crate) fn read_header(source: &Source, raw: Option<RawConfig>) -> Result<Header, CliError> {
    if let Some(config) = raw {
        return Ok(Header::Raw(RawHeader::new(config, source.len())?));
    }
    let prefix = source.map_prefix(source.len().min(MAX_HEADER_SPAN) as usize)?;
    match probe(&prefix[..prefix.len().min(PROBE_LEN)])? {
        Some(Format::Sigrok | Format::Npz) => {
            Ok(archive::open(&source.map_prefix(source.len() as usize)?)?)
        }
        _ => Ok(Header::parse(&prefix)?.with_file_len(source.len())?),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| CliError::msg(format!("cannot write JSON: {e}")))
}

/// Write to stdout; a closed pipe (`| head`) ends quietly.
fn print(text: String) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::io("cannot write output", e))
        }
        _ => Ok(()),
    }
}
