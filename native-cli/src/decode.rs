//! `scopekit decode`: run a protocol decoder over a capture and print its frames and their
//! statistics (text lines, one JSON document, or CSV rows), streaming.

use std::io::Write as _;
use std::path::Path;

use rayon::prelude::*;
use scopekit_core::decode::parts::Segment;
use scopekit_core::decode::{
    AnyDecoder, AnyFrame, DecodeSink, DecodeTail, FrameStatsBuilder, Levels, PartDecoder,
    ProtocolConfig, Resync as _, Span, Wire,
};
use scopekit_core::formats::raw::RawConfig;
use scopekit_core::formats::sigrok::SigrokHeader;
use scopekit_core::formats::zip::ZipIndex;
use scopekit_core::formats::Header;
use scopekit_core::logic::{part_transitions, stitch, LogicPart, Transition};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::args::{DecodeCommon, DecodeProtocol};
use crate::decode_par::{self, Plan};
use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// How `decode` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One line per frame, then the statistics.
    Text,
    /// One JSON document.
    Json,
    /// One CSV row per frame.
    Csv,
}

/// Input settings shared by every protocol.
pub struct Input {
    /// How sampled (analog) channels become logic.
    pub levels: Levels,
    /// VCD sampling rate; also the rate of inputs without one.
    pub rate: Option<f64>,
    /// Raw layout.
    pub raw: Option<RawConfig>,
    /// Worker threads.
    pub threads: usize,
}

/// The file opened and its roles resolved: what a protocol needs to build its decoder.
pub struct Opened {
    source: Source,
    header: Header,
    /// Samples per second (the file's, else `--rate`).
    pub rate: Option<f64>,
    /// The present roles, in the decoder's line order.
    pub wires: Vec<Wire>,
}

/// Open `file` and resolve `roles` (role, channel spec given) in the decoder's order.
pub fn open(
    file: &Path,
    input: &Input,
    roles: &[(&'static str, Option<&str>)],
) -> Result<Opened, CliError> {
    let source = Source::open(file)?;
    let header = read_header(&source, input.raw)?;
    let info = header.info();
    let names = info.channel_names();
    let mut wires = Vec::new();
    for &(role, spec) in roles {
        if let Some(spec) = spec {
            let channel = info.channel_index(spec)?;
            wires.push(Wire {
                role: role.to_string(),
                channel,
                name: names.get(channel).cloned().flatten(),
            });
        }
    }
    Ok(Opened {
        rate: info.sample_rate.or(input.rate),
        source,
        header,
        wires,
    })
}

/// The start of the document printed by `--json` (then `frames`, `samples`, `stats`).
#[derive(Serialize)]
struct Head<'a, C: Serialize> {
    protocol: &'a str,
    sample_rate: Option<f64>,
    roles: &'a [Wire],
    config: &'a C,
}

/// Run the decoder `config` describes over the opened file and print.
pub fn run(
    opened: Opened,
    input: &Input,
    config: &ProtocolConfig,
    output: Output,
) -> Result<(), CliError> {
    let Opened {
        source,
        header,
        rate,
        wires,
    } = opened;
    let channels: Vec<usize> = wires.iter().map(|w| w.channel).collect();
    let roles: Vec<&str> = wires.iter().map(|w| w.role.as_str()).collect();
    let decoder = config.decoder(rate, &roles)?;
    let plan = match decode_par::plan(&header, input.threads) {
        Plan::AnalogParts(bounds) if !decode_par::parts_pay(&bounds) => Plan::Serial,
        plan => plan,
    };
    let head = Head {
        protocol: config.name(),
        sample_rate: rate,
        roles: &wires,
        config,
    };
    let pool = match plan {
        Plan::Serial => None,
        _ => Some(std::sync::Arc::new(crate::par::pool(input.threads)?)),
    };
    let mut printer = Printer::new(output, rate, config.columns(), &head)?;
    printer.pool = pool.clone();
    let mut stats = FrameStatsBuilder::default();
    let bar = progress::bytes(source.len());
    let mut emit = |frames: &[AnyFrame], n| {
        bar.inc(n);
        stats.add(frames);
        printer.frames(frames)
    };
    let resyncs = decoder.resyncs();
    let segmented = match (&plan, &header, pool.as_deref()) {
        // Read or thresholded, then decoded in parallel parts (segments cut at sync points).
        // Core's fused parts path: each part read, thresholded, merged and decoded from its
        // first sync point in one task (any decoder; one without sync points decodes
        // each part's transitions when it is taken).
        (Plan::AnalogParts(bounds), _, Some(pool)) => {
            let run = decode_par::AnalogRun {
                source: &source,
                header: &header,
                bounds,
                channels: &channels,
                levels: &input.levels,
                pool,
            };
            Some(run.decode(decoder, &mut emit)?)
        }
        (Plan::LogicParts(parts), Header::Sigrok(h), Some(pool)) if resyncs => {
            Some(logic_segments(
                &source,
                h,
                parts,
                &channels,
                input.threads,
                Segmented::new(pool, decoder),
                &mut emit,
            )?)
        }
        _ => None,
    };
    let decoder = match segmented {
        Some(samples) => {
            bar.finish_and_clear();
            let tail = DecodeTail {
                samples,
                stats: stats.report(rate),
            };
            return printer.end(&tail);
        }
        None => config.decoder(rate, &roles)?,
    };
    let mut sink = match (&header, &plan) {
        (Header::Sigrok(_), _) => DecodeSink::logic(decoder, &channels)?,
        _ => DecodeSink::analog(decoder, &input.levels.lines(&wires))?,
    };
    let mut each = |s: &mut DecodeSink<_>, n| {
        let frames = s.take_frames();
        emit(&frames, n)
    };
    match (plan, &header) {
        (Plan::LogicParts(parts), Header::Sigrok(h)) => decode_par::logic(
            &source,
            h,
            &parts,
            &channels,
            input.threads,
            &mut sink,
            &mut each,
        )?,
        _ => stream::stream(&source, &header, input.rate, &mut sink, each)?,
    }
    let samples = sink.samples();
    let rest = sink.finish();
    emit(&rest, 0)?;
    bar.finish_and_clear();
    printer.end(&DecodeTail {
        samples,
        stats: stats.report(rate),
    })
}

/// Batches of transitions decoded in segments cut at the decoder's sync points, in
/// parallel on a pool, and merged in order ([`PartDecoder`]): exactly the serial frames.
struct Segmented<'p> {
    pool: &'p rayon::ThreadPool,
    parts: PartDecoder<AnyDecoder>,
}

impl<'p> Segmented<'p> {
    fn new(pool: &'p rayon::ThreadPool, decoder: AnyDecoder) -> Self {
        Segmented {
            pool,
            parts: PartDecoder::new(decoder),
        }
    }

    /// The frames of the next transitions, in order (`transitions` follow each other).
    fn batch(&mut self, transitions: &[Vec<Transition>]) -> Vec<AnyFrame> {
        let slices: Vec<&[Transition]> = transitions.iter().map(|t| &t[..]).collect();
        let plan = self.parts.plan(&slices);
        let done: Vec<_> = self
            .pool
            .install(|| plan.into_par_iter().map(Segment::run).collect());
        self.parts.take(done)
    }
}

/// Decode a sigrok session whose decoder resyncs (SPI with CS) on `threads` workers, a
/// batch of data entries at a time: the entries are read in parallel and their transitions
/// stitched in order (as `decode_par::logic`), then decoded by `segmented`. Returns the
/// sample count.
fn logic_segments(
    source: &Source,
    header: &SigrokHeader,
    parts: &[LogicPart],
    channels: &[usize],
    threads: usize,
    mut segmented: Segmented<'_>,
    emit: &mut impl FnMut(&[AnyFrame], u64) -> Result<(), CliError>,
) -> Result<u64, CliError> {
    let whole = source.map_prefix(source.len() as usize)?;
    let index = ZipIndex::from_bytes(&whole)?;
    let mut levels = None;
    let mut samples = 0;
    for batch in parts.chunks(2 * threads) {
        let read: Vec<_> = segmented.pool.install(|| {
            batch
                .par_iter()
                .map(|&p| part_transitions(&whole, &index, header, p, channels))
                .collect()
        });
        let mut transitions = Vec::with_capacity(batch.len());
        let mut bytes = 0;
        for (part, result) in batch.iter().zip(read) {
            let mut stitched = Vec::new();
            levels = stitch(levels, &result?, &mut stitched);
            transitions.push(stitched);
            let len = header.logic[part.chunk].bytes;
            samples = samples.max(part.start + len / header.unitsize as u64);
            bytes += len;
        }
        emit(&segmented.batch(&transitions), bytes)?;
    }
    emit(&segmented.parts.finish(samples), 0)?;
    Ok(samples)
}

/// Writes frames as they come.
struct Printer {
    output: Output,
    rate: Option<f64>,
    columns: &'static [&'static str],
    out: std::io::BufWriter<std::io::Stdout>,
    frames: Vec<u8>,
    count: u64,
    /// Workers that format long runs of frames in pieces (concatenated in order).
    pool: Option<std::sync::Arc<rayon::ThreadPool>>,
}

/// Frames formatted per piece when a run is longer (below it, one piece).
const PIECE: usize = 2048;

impl Printer {
    fn new<C: Serialize>(
        output: Output,
        rate: Option<f64>,
        columns: &'static [&'static str],
        head: &Head<'_, C>,
    ) -> Result<Self, CliError> {
        let mut p = Printer {
            output,
            rate,
            columns,
            out: std::io::BufWriter::new(std::io::stdout()),
            frames: Vec::new(),
            count: 0,
            pool: None,
        };
        if output == Output::Csv {
            let mut head = String::from("start,end,time");
            for c in columns {
                head.push(',');
                head.push_str(c);
            }
            head.push('\n');
            p.frames.extend_from_slice(head.as_bytes());
        }
        if output == Output::Json {
            let head =
                serde_json::to_string_pretty(head).map_err(|e| CliError::msg(e.to_string()))?;
            p.frames
                .extend_from_slice(head.trim_end().trim_end_matches('}').trim_end().as_bytes());
            p.frames.extend_from_slice(b",\n  \"frames\": [");
        }
        Ok(p)
    }

    /// Write `frames`: formatted in pieces on the pool when there are many (each piece
    /// numbered from its first frame, so the bytes are the serial ones), else here.
    fn frames<F: Serialize + Span + Sync>(&mut self, frames: &[F]) -> Result<(), CliError> {
        if let Some(pool) = self.pool.clone().filter(|_| frames.len() > 2 * PIECE) {
            let pieces = frames.len().div_ceil(PIECE);
            let each = frames
                .len()
                .div_ceil(pieces.min(4 * pool.current_num_threads()));
            let count = self.count;
            let this = &*self;
            let texts: Vec<Result<Vec<u8>, CliError>> = pool.install(|| {
                frames
                    .par_chunks(each)
                    .enumerate()
                    .map(|(i, chunk)| {
                        let mut buf = Vec::new();
                        this.render(chunk, count + (i * each) as u64, &mut buf)
                            .map(|()| buf)
                    })
                    .collect()
            });
            self.count += frames.len() as u64;
            let mut buf = std::mem::take(&mut self.frames);
            self.write(&buf)?;
            buf.clear();
            self.frames = buf;
            for t in texts {
                self.write(&t?)?;
            }
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.frames);
        self.render(frames, self.count, &mut buf)?;
        self.count += frames.len() as u64;
        self.write(&buf)?;
        buf.clear();
        self.frames = buf;
        Ok(())
    }

    fn value<F: Serialize + Span>(&self, f: &F) -> Result<Map<String, Value>, CliError> {
        let mut map = match serde_json::to_value(f) {
            Ok(Value::Object(m)) => m,
            Ok(_) | Err(_) => return Err(CliError::msg("a frame did not serialise to an object")),
        };
        if let Some(r) = self.rate {
            map.insert("time".into(), Value::from(f.span().0 as f64 / r));
        }
        Ok(map)
    }

    /// Append `frames` as printed, the first being frame number `count` (from 0) of the run.
    fn render<F: Serialize + Span>(
        &self,
        frames: &[F],
        mut count: u64,
        out: &mut Vec<u8>,
    ) -> Result<(), CliError> {
        for f in frames {
            if self.output == Output::Json {
                // Straight from the frame (no intermediate map): the fast path for big runs.
                out.extend_from_slice(if count == 0 { b"\n    " } else { b",\n    " });
                // The frame as serde writes it, then `time` before its closing brace (a
                // flattening wrapper would buffer every field first).
                let bad = |e: serde_json::Error| CliError::msg(format!("cannot write JSON: {e}"));
                serde_json::to_writer(&mut *out, f).map_err(bad)?;
                if let Some(r) = self.rate {
                    if out.last() == Some(&b'}') {
                        out.pop();
                        out.extend_from_slice(b",\"time\":");
                        serde_json::to_writer(&mut *out, &(f.span().0 as f64 / r)).map_err(bad)?;
                        out.push(b'}');
                    }
                }
                count += 1;
                continue;
            }
            let map = self.value(f)?;
            match self.output {
                Output::Json => {}
                Output::Csv => {
                    let (s, e) = f.span();
                    let time = map.get("time").map_or(String::new(), cell);
                    let mut line = format!("{s},{e},{time}");
                    for c in self.columns {
                        line.push(',');
                        line.push_str(&map.get(*c).map_or(String::new(), cell));
                    }
                    line.push('\n');
                    out.extend_from_slice(line.as_bytes());
                }
                Output::Text => {
                    let (s, e) = f.span();
                    let mut line = format!("{s}-{e}");
                    for (k, v) in &map {
                        if k != "start" && k != "end" {
                            line.push_str(&format!(" {k}={}", cell(v)));
                        }
                    }
                    line.push('\n');
                    out.extend_from_slice(line.as_bytes());
                }
            }
            count += 1;
        }
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        match self.out.write_all(bytes) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(CliError::io("cannot write output", e))
            }
            _ => Ok(()),
        }
    }

    fn end(mut self, tail: &DecodeTail) -> Result<(), CliError> {
        let stats = &tail.stats;
        let buf = std::mem::take(&mut self.frames);
        self.write(&buf)?;
        match self.output {
            Output::Json => {
                let tail =
                    serde_json::to_string_pretty(tail).map_err(|e| CliError::msg(e.to_string()))?;
                let text = format!("\n  ],\n{}\n", tail.trim_start_matches("{\n"));
                self.write(text.as_bytes())?;
            }
            Output::Text => {
                let text = format!(
                    "{} frames, {} with errors{}\n",
                    stats.frames,
                    stats.errors,
                    stats
                        .frames_per_second
                        .map_or(String::new(), |f| format!(", {f:.1} frames/s"))
                );
                self.write(text.as_bytes())?;
            }
            Output::Csv => {}
        }
        match self.out.flush() {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(CliError::io("cannot write output", e))
            }
            _ => Ok(()),
        }
    }
}

/// A JSON value as a CSV cell / text field: arrays joined by spaces, strings bare.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(" "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Run `scopekit decode PROTOCOL ...`: options to the protocol's JSON configuration (so they
/// parse exactly as the page's), roles to channels.
pub fn command(protocol: DecodeProtocol) -> Result<(), CliError> {
    let (common, roles, config): (DecodeCommon, Vec<(&'static str, Option<String>)>, Value) =
        match protocol {
            DecodeProtocol::Uart {
                common,
                rx,
                tx,
                baudrate,
                data_bits,
                parity,
                stop_bits,
                bit_order,
                invert_rx,
                invert_tx,
            } => {
                let auto = baudrate == "auto";
                let baud: u32 = if auto {
                    115_200
                } else {
                    baudrate.parse().map_err(|_| {
                        CliError::usage(format!(
                            "--baudrate takes a number or 'auto', not '{baudrate}'"
                        ))
                    })?
                };
                (
                    common,
                    vec![("rx", rx), ("tx", tx)],
                    serde_json::json!({
                        "protocol": "uart", "baudrate": baud, "auto_baud": auto, "data_bits": data_bits,
                        "parity": parity, "stop_bits": stop_bits, "bit_order": bit_order,
                        "invert_rx": invert_rx, "invert_tx": invert_tx,
                    }),
                )
            }
            DecodeProtocol::Spi {
                common,
                clk,
                miso,
                mosi,
                cs,
                cpol,
                cpha,
                cs_polarity,
                bit_order,
                word_size,
            } => (
                common,
                vec![("clk", clk), ("miso", miso), ("mosi", mosi), ("cs", cs)],
                serde_json::json!({
                    "protocol": "spi", "cpol": cpol, "cpha": cpha, "cs_polarity": cs_polarity,
                    "bitorder": bit_order, "wordsize": word_size,
                }),
            ),
            DecodeProtocol::I2c {
                common,
                scl,
                sda,
                address_format,
            } => (
                common,
                vec![("scl", scl), ("sda", sda)],
                serde_json::json!({ "protocol": "i2c", "address_format": address_format }),
            ),
            DecodeProtocol::Can {
                common,
                can,
                bitrate,
                fast_bitrate,
                sample_point,
            } => (
                common,
                vec![("can_rx", can)],
                serde_json::json!({
                    "protocol": "can", "nominal_bitrate": bitrate, "fast_bitrate": fast_bitrate,
                    "sample_point": sample_point,
                }),
            ),
        };
    let config: ProtocolConfig = serde_json::from_value(config)
        .map_err(|e| CliError::usage(format!("bad decoder option: {e}")))?;
    let level = match common.threshold.as_str() {
        "auto" => None,
        v => Some(v.parse::<f64>().map_err(|_| {
            CliError::usage(format!("--threshold takes a number or 'auto', not '{v}'"))
        })?),
    };
    let input = Input {
        levels: Levels {
            threshold: level,
            hysteresis: common.hysteresis,
        },
        rate: common.input.rate,
        raw: crate::raw_config(&common.input.raw)?,
        threads: common.input.threads(),
    };
    let output = match (common.json, common.csv) {
        (true, _) => Output::Json,
        (_, true) => Output::Csv,
        _ => Output::Text,
    };
    if roles.iter().all(|r| r.1.is_none()) {
        return Err(CliError::usage(format!(
            "wire at least one channel: {}",
            roles
                .iter()
                .map(|r| format!("--{}", if r.0 == "can_rx" { "can" } else { r.0 }))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let file = common.file;
    crate::in_file(&file, || {
        let roles: Vec<(&'static str, Option<&str>)> =
            roles.iter().map(|(r, c)| (*r, c.as_deref())).collect();
        let opened = open(&file, &input, &roles)?;
        run(opened, &input, &config, output)
    })
}
