//! `scopekit correlate`: cross-correlation of one channel of two captures. Records whose
//! full correlation fits the memory budget are correlated whole (one FFT); longer ones
//! are streamed through the core's overlap-save correlator over lags `-L..L`, both files
//! read in step through memory-mapped windows (bounded memory whatever their length).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use scopekit_core::correlate::{
    correlate_full, pearson, CorrelationReport, Peak, StreamCorrelator,
};
use scopekit_core::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader};
use scopekit_core::formats::{Header, Reader};
use scopekit_core::{Block, BlockSink, Layout};

use crate::error::CliError;
use crate::source::Source;
use crate::{read_header, stream};

/// Total samples (A + B) correlated in memory; longer records are streamed.
pub const MEMORY_SAMPLES: u64 = 1 << 22;
/// Bytes of each file mapped per step of the streaming form.
const WINDOW: u64 = 4 << 20;

/// What `correlate` should do.
pub struct Options {
    /// First capture.
    pub a: PathBuf,
    /// Second capture.
    pub b: PathBuf,
    /// Channel of A.
    pub channel_a: String,
    /// Channel of B.
    pub channel_b: String,
    /// Lags searched.
    pub max_lag: Option<u64>,
    /// CSV of the curve.
    pub output: Option<PathBuf>,
    /// Stream even short records.
    pub force_stream: bool,
    /// JSON output.
    pub json: bool,
}

/// Samples of one channel, gathered.
struct Take {
    channel: usize,
    buf: Vec<f64>,
}

impl BlockSink for Take {
    fn begin(&mut self, _: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn block(&mut self, block: Block<'_>) -> scopekit_core::Result<()> {
        if block.channel == self.channel {
            self.buf.extend_from_slice(block.samples);
        }
        Ok(())
    }
}

impl LogicSink for Take {
    fn begin(&mut self, _: &SigrokHeader) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn logic(&mut self, _: LogicChunk<'_>) -> scopekit_core::Result<()> {
        Ok(())
    }
}

struct Input {
    source: Source,
    header: Header,
    channel: usize,
    rate: Option<f64>,
    samples: Option<u64>,
}

fn open(path: &Path, channel: &str) -> Result<Input, CliError> {
    let in_file = |e: CliError| e.about(path.display());
    let source = Source::open(path).map_err(in_file)?;
    let header = read_header(&source, None).map_err(in_file)?;
    let info = header.info();
    let channel = info.channel_index(channel).map_err(|e| in_file(e.into()))?;
    Ok(Input {
        rate: info.sample_rate,
        samples: info.samples,
        source,
        header,
        channel,
    })
}

fn whole(input: &Input) -> Result<Vec<f64>, CliError> {
    let mut take = Take {
        channel: input.channel,
        buf: Vec::new(),
    };
    stream::stream(&input.source, &input.header, None, &mut take, |_, _| Ok(()))?;
    Ok(take.buf)
}

/// One file read window by window.
struct Stepper<'a> {
    input: &'a Input,
    reader: Option<Reader>,
    at: u64,
    take: Take,
}

impl<'a> Stepper<'a> {
    fn new(input: &'a Input) -> Result<Self, CliError> {
        if matches!(input.header, Header::Sigrok(_) | Header::Npz(_)) {
            return Err(CliError::msg(
                "streaming correlation reads npy, wav, csv, trc and raw files (convert archives first)",
            ));
        }
        Ok(Stepper {
            input,
            reader: Some(Reader::for_header(&input.header, input.source.len())),
            at: 0,
            take: Take {
                channel: input.channel,
                buf: Vec::new(),
            },
        })
    }
    fn done(&self) -> bool {
        self.reader.is_none()
    }
    /// Push the next window (or finish); the samples are left in `take.buf`.
    fn step(&mut self) -> Result<(), CliError> {
        self.take.buf.clear();
        let len = self.input.source.len();
        if self.at < len {
            let n = WINDOW.min(len - self.at);
            let window = self.input.source.map(self.at, n as usize)?;
            if let Some(r) = self.reader.as_mut() {
                r.push(&window, &mut self.take)?;
            }
            self.at += n;
        } else if let Some(r) = self.reader.take() {
            r.finish(&mut self.take)?;
        }
        Ok(())
    }
}

/// Run `correlate`, printing the result.
pub fn run(o: &Options) -> Result<(), CliError> {
    let a = open(&o.a, &o.channel_a)?;
    let b = open(&o.b, &o.channel_b)?;
    let rate = match (a.rate, b.rate) {
        (Some(x), Some(y)) if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) => {
            return Err(CliError::msg(format!(
                "the sample rates differ ({x} Sa/s in {}, {y} Sa/s in {}): resample one first",
                o.a.display(),
                o.b.display()
            )))
        }
        (x, y) => x.or(y),
    };
    let total = a
        .samples
        .unwrap_or(u64::MAX)
        .saturating_add(b.samples.unwrap_or(u64::MAX));
    let in_memory = !o.force_stream && total <= MEMORY_SAMPLES;
    let (curve, first_lag, peak, coefficient, samples, method, max_lag);
    if in_memory {
        let (x, y) = (whole(&a)?, whole(&b)?);
        if x.is_empty() || y.is_empty() {
            return Err(CliError::msg("a channel has no samples"));
        }
        let full = correlate_full(&x, &y)?;
        let nb = y.len() as i64;
        let lo = -(nb - 1);
        let l = o
            .max_lag
            .map_or(i64::MAX, |l| l.min(i64::MAX as u64) as i64);
        let from = (-l).max(lo);
        let to = l.min(x.len() as i64 - 1);
        let part = full[(from - lo) as usize..=(to - lo) as usize].to_vec();
        peak = Peak::find(&part, from);
        coefficient = peak.and_then(|p| {
            let m = p.lag;
            let (af, at) = (m.max(0) as usize, (nb + m).min(x.len() as i64) as usize);
            let (bf, bt) = ((-m).max(0) as usize, nb.min(x.len() as i64 - m) as usize);
            let (xs, ys) = (&x[af..at], &y[bf..bt]);
            let s = |v: &[f64]| v.iter().sum::<f64>();
            let ss = |v: &[f64]| v.iter().map(|t| t * t).sum::<f64>();
            let sab: f64 = xs.iter().zip(ys).map(|(p, q)| p * q).sum();
            pearson(xs.len() as f64, sab, s(xs), ss(xs), s(ys), ss(ys))
        });
        samples = [x.len() as u64, y.len() as u64];
        max_lag = (-from).max(to).max(0) as u64;
        curve = part;
        first_lag = from;
        method = "memory";
    } else {
        let l = o.max_lag.ok_or_else(|| {
            CliError::usage(format!(
                "the records are too long to correlate whole in memory (over {MEMORY_SAMPLES} samples): give --max-lag L to stream lags -L..L"
            ))
        })?;
        let mut corr = StreamCorrelator::new(l.min(usize::MAX as u64) as usize)?;
        let mut sa = Stepper::new(&a)?;
        let mut sb = Stepper::new(&b)?;
        while !(sa.done() && sb.done()) {
            let [na, nb] = corr.pushed();
            if !sa.done() && (na <= nb || sb.done()) {
                sa.step()
                    .map_err(|e| CliError::msg(format!("{}: {e}", o.a.display())))?;
                corr.push_a(&sa.take.buf)?;
            } else {
                sb.step()
                    .map_err(|e| CliError::msg(format!("{}: {e}", o.b.display())))?;
                corr.push_b(&sb.take.buf)?;
            }
        }
        samples = corr.pushed();
        let (c, p, r) = corr.finish()?;
        curve = c;
        first_lag = -(l as i64);
        peak = p;
        coefficient = r;
        max_lag = l;
        method = "streaming";
    }
    let report = CorrelationReport {
        samples,
        max_lag,
        method: method.to_string(),
        peak,
        coefficient,
        sample_rate: rate,
        delay_seconds: peak.zip(rate).map(|(p, r)| p.lag_interpolated / r),
    };
    if let Some(path) = &o.output {
        let mut text = String::from("lag,time,value\n");
        for (i, v) in curve.iter().enumerate() {
            let lag = first_lag + i as i64;
            let t = rate.map_or(f64::NAN, |r| lag as f64 / r);
            let _ = writeln!(text, "{lag},{t},{v}");
        }
        std::fs::write(path, text)
            .map_err(|e| CliError::io(&format!("{}: cannot write", path.display()), e))?;
    }
    if o.json {
        crate::print(crate::to_json(&report)?)
    } else {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "samples      {} / {}",
            report.samples[0], report.samples[1]
        );
        let _ = writeln!(
            t,
            "method       {} (lags -{max_lag}..{max_lag})",
            report.method
        );
        match report.peak {
            Some(p) => {
                let _ = writeln!(
                    t,
                    "peak lag     {} samples ({:.4} interpolated)",
                    p.lag, p.lag_interpolated
                );
                let _ = writeln!(t, "peak value   {}", p.value);
            }
            None => t.push_str("peak         none (all values NaN)\n"),
        }
        match report.coefficient {
            Some(c) => drop(writeln!(t, "coefficient  {c:.6}")),
            None => t.push_str("coefficient  n/a\n"),
        }
        if let Some(d) = report.delay_seconds {
            let _ = writeln!(t, "delay        {d:e} s");
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(t.as_bytes());
        Ok(())
    }
}
