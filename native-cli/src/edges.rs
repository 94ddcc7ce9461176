//! `scopekit edges`: edge list, counts and pulse statistics of one channel.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use rayon::prelude::*;
use scopekit_core::edges::{
    auto_threshold, DigitizePart, Edge, EdgeKernel, EdgeOptions, EdgeReport, IntervalStats,
    Threshold,
};
use scopekit_core::formats::Header;

use crate::decode_par::{first_samples, plan, read_part, Plan};
use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

/// How `edges` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Summary table.
    Text,
    /// One JSON document: the report and the first `limit` edges.
    Json,
    /// Every edge as a CSV row (`time,sample,edge`).
    Csv,
}

/// Settings of one `edges` run.
pub struct Options {
    /// Channel: index or name.
    pub channel: String,
    /// `None` for automatic.
    pub level: Option<f64>,
    /// Hysteresis.
    pub hysteresis: Option<f64>,
    /// Glitch filter width in seconds (samples without a sample rate).
    pub min_pulse: f64,
    /// Edges listed in JSON.
    pub limit: usize,
    /// VCD sampling rate.
    pub rate: Option<f64>,
    /// Raw layout.
    pub raw: Option<scopekit_core::formats::raw::RawConfig>,
    /// Worker threads for long analog files.
    pub threads: usize,
}

/// The JSON document.
#[derive(serde::Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a EdgeReport,
    /// The first `limit` edges.
    edges: Vec<EdgeRow>,
    /// Edges found beyond `limit`.
    edges_not_listed: u64,
}

#[derive(serde::Serialize)]
struct EdgeRow {
    time: f64,
    sample: u64,
    edge: &'static str,
}

fn row(e: &Edge, per: f64) -> EdgeRow {
    EdgeRow {
        time: e.time / per,
        sample: e.at,
        edge: if e.rising { "rising" } else { "falling" },
    }
}

/// Run `edges` on `file`, printing to stdout.
pub fn run(file: &Path, options: &Options, output: Output) -> Result<(), CliError> {
    let source = Source::open(file)?;
    let header = read_header(&source, options.raw)?;
    let info = header.info();
    let channel = info.channel_index(&options.channel)?;
    let rate = info.sample_rate.or(options.rate);
    let min_pulse = options.min_pulse * rate.unwrap_or(1.0);
    let keep = if output == Output::Json {
        options.limit
    } else {
        1 << 16
    };
    // Long analog files: threshold parts on all cores (exactly the serial edges, see
    // decode_par), with the threshold chosen first as the serial kernel would.
    let parts = match plan(&header, options.threads) {
        Plan::AnalogParts(bounds) => {
            let th = match options.level {
                Some(level) => Some((
                    Threshold {
                        level,
                        hysteresis: options.hysteresis.unwrap_or(0.0),
                    },
                    false,
                )),
                None => {
                    let first = first_samples(&source, &header, &bounds, &[channel])?;
                    auto_threshold(&first[0], options.hysteresis).map(|t| (t, true))
                }
            };
            th.map(|t| (bounds, t))
        }
        _ => None,
    };
    let mut kernel = match (&header, &parts) {
        (_, Some((_, (th, auto)))) => {
            EdgeKernel::with_threshold(channel, *th, *auto, min_pulse, keep)?
        }
        (Header::Sigrok(_), _) => EdgeKernel::logic(channel, min_pulse, keep)?,
        _ => EdgeKernel::new(
            channel,
            EdgeOptions {
                level: options.level,
                hysteresis: options.hysteresis,
                min_pulse,
            },
            keep,
        )?,
    };
    let per = rate.unwrap_or(1.0);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut csv_header = output == Output::Csv;
    let mut write_csv = |edges: Vec<Edge>| -> Result<(), CliError> {
        let mut text = String::new();
        if std::mem::take(&mut csv_header) {
            text.push_str("time,sample,edge\n");
        }
        for e in &edges {
            let r = row(e, per);
            let _ = writeln!(text, "{},{},{}", r.time, r.sample, r.edge);
        }
        match out.write_all(text.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(CliError::io("cannot write output", e))
            }
            _ => Ok(()),
        }
    };
    let bar = progress::bytes(source.len());
    let csv = output == Output::Csv;
    let mut each = |k: &mut EdgeKernel, n| {
        bar.inc(n);
        if csv {
            write_csv(k.take_edges())?;
        }
        Ok(())
    };
    match parts {
        Some((bounds, (th, _))) => {
            let pool = crate::par::pool(options.threads)?;
            for batch in bounds.chunks(2 * options.threads) {
                let done: Vec<Result<DigitizePart, CliError>> = pool.install(|| {
                    batch
                        .par_iter()
                        .map(|&b| {
                            let mut part = DigitizePart::new(&[(channel, th)]);
                            read_part(&source, &header, b, &mut part).map(|()| part)
                        })
                        .collect()
                });
                for (&b, part) in batch.iter().zip(done) {
                    if kernel.push_part(part?).is_err() {
                        read_part(&source, &header, b, &mut kernel)?;
                    }
                    each(&mut kernel, b.1 - b.0)?;
                }
            }
        }
        None => stream::stream(&source, &header, options.rate, &mut kernel, each)?,
    }
    bar.finish_and_clear();
    let (report, rest) = kernel.finish(rate);
    match output {
        Output::Csv => write_csv(rest),
        Output::Json => {
            let doc = Document {
                edges: rest.iter().map(|e| row(e, per)).collect(),
                edges_not_listed: (report.rising + report.falling)
                    .saturating_sub(rest.len() as u64),
                report: &report,
            };
            crate::print(crate::to_json(&doc)?)
        }
        Output::Text => crate::print(text(&report)),
    }
}

fn text(r: &EdgeReport) -> String {
    let mut s = String::new();
    let unit = r.unit;
    let _ = writeln!(s, "channel      {}", r.channel);
    match &r.threshold {
        Some(t) => {
            let _ = writeln!(
                s,
                "threshold    {:.6} (hysteresis {:.6}{})",
                t.level,
                t.hysteresis,
                if r.auto_threshold { ", automatic" } else { "" }
            );
        }
        None if r.auto_threshold => {
            let _ = writeln!(s, "threshold    none found (constant or empty signal)");
        }
        None => {
            let _ = writeln!(s, "threshold    logic levels");
        }
    }
    let _ = writeln!(s, "samples      {}", r.samples);
    let _ = writeln!(s, "edges        {} rising, {} falling", r.rising, r.falling);
    if r.glitches_removed > 0 {
        let _ = writeln!(s, "glitches     {} pulses removed", r.glitches_removed);
    }
    let opt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.6e}"));
    let _ = writeln!(
        s,
        "frequency    {}",
        r.frequency.map_or("-".into(), |f| format!(
            "{f:.6e} per {}",
            if unit == "s" { "s (Hz)" } else { "sample" }
        ))
    );
    let _ = writeln!(
        s,
        "duty cycle   {}",
        r.duty_cycle
            .map_or("-".into(), |d| format!("{:.3} %", d * 100.0))
    );
    let _ = writeln!(
        s,
        "\n{:<8} {:>10} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13}",
        format!("({unit})"),
        "count",
        "min",
        "max",
        "mean",
        "p50",
        "p95",
        "p99"
    );
    for (name, i) in [("high", &r.high), ("low", &r.low), ("period", &r.period)] {
        let IntervalStats {
            count,
            min,
            max,
            mean,
            p50,
            p95,
            p99,
        } = i;
        let _ = writeln!(
            s,
            "{name:<8} {count:>10} {:>13} {:>13} {:>13} {:>13} {:>13} {:>13}",
            opt(*min),
            opt(*max),
            opt(*mean),
            opt(*p50),
            opt(*p95),
            opt(*p99)
        );
    }
    s
}
