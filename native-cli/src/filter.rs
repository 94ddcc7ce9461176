//! `scopekit filter`: design a filter in the core, stream every chosen channel through it
//! (or filter whole channels forward-backward with `--zero-phase`) and write the result in
//! any output format, into a temporary file renamed into place when complete.

use std::fs::File;
use std::io::{BufWriter, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use scopekit_core::filter::{filtfilt, Chain, Designed, FilterSpec, MAX_ZERO_PHASE};
use scopekit_core::formats::dtype::{Dtype, DtypeKind};
use scopekit_core::formats::write::{WriteConfig, Writer};
use scopekit_core::kernel::AnalogOnly;
use scopekit_core::{Block, BlockSink, Layout};

use crate::args::Target;
use crate::convert::output_format;
use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// What `filter` should do.
pub struct Options {
    /// The filter, without the sample rate (taken from the input or `rate`).
    pub spec: FilterSpec,
    /// Forward-backward filtering in memory.
    pub zero_phase: bool,
    /// Channels to filter and write (default all).
    pub channels: Option<Vec<usize>>,
    /// Output format (default: from the output's extension).
    pub to: Option<Target>,
    /// Sample rate for inputs without one.
    pub rate: Option<f64>,
    /// Raw input layout.
    pub raw: Option<scopekit_core::formats::raw::RawConfig>,
}

/// The report printed by `--json`.
#[derive(serde::Serialize)]
struct Report<'a> {
    output: String,
    format: &'static str,
    channels: usize,
    samples_in: u64,
    samples_out: u64,
    sample_rate_in: f64,
    sample_rate_out: f64,
    zero_phase: bool,
    /// FIR taps, or `null`.
    taps: Option<&'a [f64]>,
    /// IIR sections `[b0, b1, b2, a0, a1, a2]`, or `null`.
    sos: Option<&'a [[f64; 6]]>,
}

/// Filtered blocks into a writer, the output drained to the file after each window.
struct Sink {
    spec: FilterSpec,
    zero_phase: bool,
    wanted: Option<Vec<usize>>,
    chains: Vec<Option<Chain>>,
    /// Zero-phase: whole channels gathered.
    whole: Vec<Vec<f64>>,
    produced: Vec<u64>,
    samples_in: u64,
    writer: Writer,
    scratch: Vec<f64>,
}

impl Sink {
    fn emit(&mut self, channel: usize, samples: &[f64]) -> scopekit_core::Result<()> {
        let start = self.produced[channel];
        self.produced[channel] += samples.len() as u64;
        self.writer.block(Block {
            channel,
            start,
            samples,
        })
    }
}

impl BlockSink for Sink {
    fn begin(&mut self, layout: Layout) -> scopekit_core::Result<()> {
        let n = layout.channels;
        let wanted = |c: usize| self.wanted.as_ref().is_none_or(|w| w.contains(&c));
        self.chains = (0..n)
            .map(|c| {
                (wanted(c) && !self.zero_phase)
                    .then(|| self.spec.build())
                    .transpose()
            })
            .collect::<scopekit_core::Result<_>>()?;
        self.whole = vec![Vec::new(); n];
        self.produced = vec![0; n];
        let samples = match (layout.known_samples(), self.spec.decimate) {
            (Some(s), Some(m)) => s.div_ceil(m),
            (s, _) => s.unwrap_or(scopekit_core::kernel::UNKNOWN_SAMPLES),
        };
        self.writer.begin(Layout {
            channels: n,
            samples,
        })
    }

    fn block(&mut self, block: Block<'_>) -> scopekit_core::Result<()> {
        let c = block.channel;
        if c == 0 || self.wanted.as_ref().is_some_and(|w| w.first() == Some(&c)) {
            self.samples_in += block.samples.len() as u64;
        }
        if self.zero_phase {
            if self.wanted.as_ref().is_none_or(|w| w.contains(&c)) {
                let whole = &mut self.whole[c];
                if whole.len() + block.samples.len() > MAX_ZERO_PHASE {
                    return Err(scopekit_core::Error::Config(format!(
                        "--zero-phase filters records of up to {MAX_ZERO_PHASE} samples per channel in memory; this one is longer (drop --zero-phase to stream)"
                    )));
                }
                whole.extend_from_slice(block.samples);
            }
            return Ok(());
        }
        let Some(chain) = self.chains.get_mut(c).and_then(Option::as_mut) else {
            return Ok(());
        };
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        chain.process(block.samples, &mut out);
        let r = self.emit(c, &out);
        self.scratch = out;
        r
    }
}

fn temp_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    output.with_file_name(format!(".{name}.part-{}", std::process::id()))
}

/// Filter `input` into `output`; prints the report as JSON when `json`.
pub fn run(input: &Path, output: &Path, options: Options, json: bool) -> Result<(), CliError> {
    let format = output_format(options.to, output)?;
    let source = Source::open(input)?;
    let header = read_header(&source, options.raw)?;
    let info = header.info();
    let rate = options.rate.or(info.sample_rate).ok_or_else(|| {
        CliError::msg(
            "the input records no sample rate: give --rate HZ (corner frequencies are in Hz)",
        )
    })?;
    let spec = FilterSpec {
        sample_rate: rate,
        ..options.spec
    };
    spec.build()?; // validate before creating any file
    let designed = spec.design()?;
    if options.zero_phase && designed.is_none() {
        return Err(CliError::usage(
            "--zero-phase needs a band filter (--lowpass, --highpass, --bandpass or --bandstop)",
        ));
    }
    if let Some(ch) = &options.channels {
        if let Some(&bad) = ch.iter().find(|&&c| c >= info.channels as usize) {
            return Err(CliError::msg(format!(
                "--channels: channel {bad} does not exist (the input has {})",
                info.channels
            )));
        }
    }
    let config = WriteConfig {
        format,
        dtype: Dtype {
            kind: DtypeKind::Float,
            size: 8,
            big_endian: false,
        },
        channels: options.channels.clone(),
        sample_rate: Some(spec.output_rate()),
        channel_major: header.is_channel_major() || options.zero_phase,
    };
    let mut sink = Sink {
        spec: spec.clone(),
        zero_phase: options.zero_phase,
        wanted: options.channels.clone(),
        chains: Vec::new(),
        whole: Vec::new(),
        produced: Vec::new(),
        samples_in: 0,
        writer: Writer::new(config)?,
        scratch: Vec::new(),
    };
    let tmp = temp_path(output);
    let result = (|| -> Result<(u64, usize, u64), CliError> {
        let file = File::create(&tmp).map_err(|e| CliError::io("cannot create", e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let bar = progress::bytes(source.len());
        let drain = |s: &mut Sink, out: &mut BufWriter<File>| {
            s.writer
                .drain(|b| out.write_all(b))
                .map_err(|e| CliError::io("cannot write", e))
        };
        // A sigrok session's logic is not filtered (its analog chunks neither).
        let mut analog = AnalogOnly(&mut sink);
        stream::stream(&source, &header, options.rate, &mut analog, |s, n| {
            bar.inc(n);
            drain(s.0, &mut out)
        })?;
        bar.finish_and_clear();
        if options.zero_phase {
            let designed = designed
                .as_ref()
                .ok_or_else(|| CliError::msg("no filter"))?;
            for c in 0..sink.whole.len() {
                let x = std::mem::take(&mut sink.whole[c]);
                if x.is_empty() {
                    continue;
                }
                let y = filtfilt(designed, &x)?;
                drop(x);
                let mut post = Chain::new(spec.post_stages()?);
                let mut z = Vec::new();
                post.process(&y, &mut z);
                for part in z.chunks(1 << 16) {
                    sink.emit(c, part)?;
                    drain(&mut sink, &mut out)?;
                }
            }
        }
        let produced = sink.produced.iter().copied().max().unwrap_or(0);
        let samples_in = sink.samples_in;
        let mut writer = sink.writer;
        writer
            .drain(|b| out.write_all(b))
            .map_err(|e| CliError::io("cannot write", e))?;
        let done = writer.finish()?;
        let mut file = out
            .into_inner()
            .map_err(|e| CliError::io("cannot write", e.into_error()))?;
        if !done.header.is_empty() {
            file.seek(SeekFrom::Start(0))
                .and_then(|_| file.write_all(&done.header))
                .map_err(|e| CliError::io("cannot write the header", e))?;
        }
        file.flush().map_err(|e| CliError::io("cannot write", e))?;
        Ok((produced, done.columns, samples_in))
    })();
    let (samples_out, columns, samples_in) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, output).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CliError::io(
            &format!("{}: cannot rename into place", output.display()),
            e,
        )
    })?;
    if json {
        let (taps, sos) = match &designed {
            Some(Designed::Fir(t)) => (Some(t.as_slice()), None),
            Some(Designed::Sos(s)) => (None, Some(s.as_slice())),
            None => (None, None),
        };
        let report = Report {
            output: output.display().to_string(),
            format: format.name(),
            channels: columns,
            samples_in,
            samples_out,
            sample_rate_in: rate,
            sample_rate_out: spec.output_rate(),
            zero_phase: options.zero_phase,
            taps,
            sos,
        };
        crate::print(crate::to_json(&report)?)?;
    }
    Ok(())
}
