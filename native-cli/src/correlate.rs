//! `scopekit correlate`: cross-correlation of one channel of two captures. Records whose
//! full correlation fits the memory budget are correlated whole (one FFT); longer ones
//! are streamed through the core's overlap-save correlator over lags `-L..L`, both files
//! read in step through memory-mapped windows (bounded memory whatever their length; plain
//! float32 rows are read into a small buffer instead, which costs less than mapping). When
//! both files can be read from any sample (NPY, raw, WAV), the record is cut at the
//! correlator's block boundaries into parts correlated on all cores and merged in order.
//! Two float32 inputs are streamed in single precision (as scipy computes them; `--precision
//! f64` forces double), their samples read straight from the mapped bytes when the layout
//! is plain little-endian float32 (NPY, raw, float WAV).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use rayon::prelude::*;
use scopekit_core::correlate::{
    correlate_full, merge_parts, pearson, plan_correlation, CorrelationReport, CorrelationSum,
    Peak, Precision, StreamCorrelator,
};
use scopekit_core::formats::raw::RawHeader;
use scopekit_core::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader};
use scopekit_core::formats::wav::SampleFormat;
use scopekit_core::formats::DtypeKind;
use scopekit_core::formats::{Header, Reader};
use scopekit_core::{Block, BlockSink, ChannelSamples, Layout};

use crate::error::CliError;
use crate::source::Source;
use crate::{progress, read_header, stream};

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
    /// Worker threads of the streaming form.
    pub threads: usize,
    /// Precision of the streaming form's FFTs: `f32`, `f64` or `auto` (f32 when both inputs
    /// are stored as float32).
    pub precision: String,
}

/// Samples of one channel pushed straight into one side of a correlator.
struct Into<'c> {
    corr: &'c mut StreamCorrelator,
    a: bool,
    channel: usize,
    samples: u64,
}

impl BlockSink for Into<'_> {
    fn begin(&mut self, _: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn block(&mut self, block: Block<'_>) -> scopekit_core::Result<()> {
        if block.channel != self.channel {
            return Ok(());
        }
        self.samples += block.samples.len() as u64;
        self.push(block.samples)
    }
}

impl Into<'_> {
    fn push<S: scopekit_core::correlate::Sample>(&mut self, x: &[S]) -> scopekit_core::Result<()> {
        if self.a {
            self.corr.push_a(x)
        } else {
            self.corr.push_b(x)
        }
    }
}

impl LogicSink for Into<'_> {
    fn begin(&mut self, _: &SigrokHeader) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn logic(&mut self, _: LogicChunk<'_>) -> scopekit_core::Result<()> {
        Ok(())
    }
}

struct Input {
    path: PathBuf,
    source: Source,
    header: Header,
    channel: usize,
    rate: Option<f64>,
    samples: Option<u64>,
    /// The input's own precision ([`Precision::resolve`]).
    precision: Precision,
    /// `(row bytes, offset of the channel in a row)` of plain little-endian float32 data.
    plain: Option<(u64, usize)>,
}

/// The row and column of a channel of plain little-endian float32 data of known length.
fn plain_f32(header: &Header, channel: usize) -> Option<(u64, usize)> {
    let float32 = match header {
        Header::Npy(h) | Header::Raw(RawHeader { npy: h, .. }) => {
            h.dtype.kind == DtypeKind::Float && h.dtype.size == 4 && !h.dtype.big_endian
        }
        Header::Wav(h) => h.sample_format == SampleFormat::Float && h.container_bytes() == 4,
        _ => false,
    };
    let row = header.row_bytes()?;
    let col = channel.checked_mul(4)?;
    (float32 && cfg!(target_endian = "little") && (col as u64) + 4 <= row).then_some((row, col))
}

fn open(path: &Path, channel: &str) -> Result<Input, CliError> {
    let in_file = |e: CliError| e.about(path.display());
    let source = Source::open(path).map_err(in_file)?;
    let header = read_header(&source, None).map_err(in_file)?;
    let info = header.info();
    let channel = info.channel_index(channel).map_err(|e| in_file(e.into()))?;
    Ok(Input {
        path: path.to_path_buf(),
        rate: info.sample_rate,
        samples: info.samples,
        precision: Precision::resolve(None, &header),
        plain: plain_f32(&header, channel),
        source,
        header,
        channel,
    })
}

fn whole(input: &Input) -> Result<Vec<f64>, CliError> {
    let mut take = ChannelSamples::new(input.channel);
    stream::stream(&input.source, &input.header, None, &mut take, |_, _| Ok(()))?;
    Ok(take.samples)
}

/// One file (or a range of its data) read window by window.
struct Stepper<'a> {
    input: &'a Input,
    reader: Option<Reader>,
    /// File offsets still to read: `at..end`.
    at: u64,
    end: u64,
    /// Plain float32 rows: the file, read piece by piece into `piece` from `at` on (a
    /// `read` into a buffer that stays in cache costs less than mapping the pages).
    plain: Option<File>,
    piece: Vec<u8>,
}

/// Bytes of plain float32 rows read and pushed at a time (decoded straight into the
/// correlator's buffers, which stay in cache).
const PLAIN_PIECE: usize = 256 << 10;

impl<'a> Stepper<'a> {
    /// The whole file.
    fn new(input: &'a Input) -> Result<Self, CliError> {
        if matches!(input.header, Header::Sigrok(_) | Header::Npz(_)) {
            return Err(CliError::msg(
                "streaming correlation reads npy, wav, csv, trc and raw files (convert archives first)",
            ));
        }
        if let (Some((row, _)), Some(n)) = (input.plain, input.samples) {
            return Self::range(input, row, 0, n);
        }
        let reader = Reader::for_header(&input.header, input.source.len());
        Ok(Self::over(input, reader, 0, input.source.len()))
    }

    /// Samples `first..end` of a file whose rows are `row` bytes (see [`Header::row_bytes`]).
    fn range(input: &'a Input, row: u64, first: u64, end: u64) -> Result<Self, CliError> {
        let (start, stop) = (first * row, end * row);
        let reader = Reader::resume(input.header.clone(), start, stop)?;
        let base = input.header.data_offset();
        Ok(Self::over(input, reader, base + start, base + stop))
    }

    fn over(input: &'a Input, reader: Reader, at: u64, end: u64) -> Self {
        Stepper {
            input,
            reader: Some(reader),
            at,
            end,
            plain: None,
            piece: Vec::new(),
        }
    }

    fn done(&self) -> bool {
        self.reader.is_none()
    }

    /// Push the next window (the next piece, for plain float32 rows: the two files then
    /// alternate in pieces, and what the correlator holds stays in cache), or finish, into
    /// `sink`; the bytes pushed.
    fn step(&mut self, sink: &mut Into<'_>) -> Result<u64, CliError> {
        if let (Some((row, col)), Some(_)) = (self.input.plain, self.reader.as_ref()) {
            if self.at >= self.end {
                self.reader = None;
                return Ok(0);
            }
            let file = match &mut self.plain {
                Some(f) => f,
                None => {
                    let mut f =
                        File::open(&self.input.path).map_err(|e| CliError::io("cannot open", e))?;
                    f.seek(SeekFrom::Start(self.at))
                        .map_err(|e| CliError::io("cannot seek", e))?;
                    self.plain.insert(f)
                }
            };
            let row_len = row as usize;
            let piece = ((PLAIN_PIECE / row_len).max(1) * row_len) as u64;
            let n = piece.min(self.end - self.at) as usize;
            sink.samples += (n / row_len) as u64;
            if row_len == 4 {
                // One float32 per row: read straight into the correlator's buffer.
                sink.corr.push_with(!sink.a, n / 4, |x| {
                    file.read_exact(as_bytes(x))
                        .map_err(|e| CliError::io("cannot read", e))
                })?;
            } else {
                self.piece.resize(n, 0);
                file.read_exact(&mut self.piece)
                    .map_err(|e| CliError::io("cannot read", e))?;
                sink.corr.push_f32_le(!sink.a, &self.piece, row_len, col)?;
            }
            self.at += n as u64;
            return Ok(n as u64);
        }
        if self.at < self.end {
            let n = WINDOW.min(self.end - self.at);
            let window = self.input.source.map(self.at, n as usize)?;
            if let Some(r) = self.reader.as_mut() {
                r.push(&window, sink)?;
            }
            self.at += n;
            Ok(n)
        } else {
            if let Some(r) = self.reader.take() {
                r.finish(sink)?;
            }
            Ok(0)
        }
    }
}

/// The bytes of `x`, to read little-endian float32 into (plain rows are read only on
/// little-endian hosts, see [`plain_f32`]).
fn as_bytes(x: &mut [f32]) -> &mut [u8] {
    let len = core::mem::size_of_val(x);
    // SAFETY: the bytes of `x` are initialised, `u8` has no alignment requirement, the
    // length covers exactly `x`'s memory, and every bit pattern is a valid `f32`.
    #[allow(unsafe_code)]
    unsafe {
        core::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<u8>(), len)
    }
}

/// Push both files into `corr` in step (the one behind first) until both are read.
fn feed<'i>(
    corr: &mut StreamCorrelator,
    sa: &mut Stepper<'i>,
    sb: &mut Stepper<'i>,
    o: &Options,
    bar: &ProgressBar,
) -> Result<(), CliError> {
    let (mut na, mut nb) = (0u64, 0u64);
    while !(sa.done() && sb.done()) {
        let a = !sa.done() && (na <= nb || sb.done());
        let (stepper, count, path) = if a {
            (&mut *sa, &mut na, &o.a)
        } else {
            (&mut *sb, &mut nb, &o.b)
        };
        let mut into = Into {
            corr: &mut *corr,
            a,
            channel: stepper.input.channel,
            samples: 0,
        };
        bar.inc(
            stepper
                .step(&mut into)
                .map_err(|e| e.about(path.display()))?,
        );
        *count += into.samples;
    }
    Ok(())
}

/// Correlate on `o.threads` workers in the core's parts ([`plan_correlation`]: at most four
/// per thread), when both files can be read from any sample and their lengths are known;
/// `None` otherwise.
fn parallel(
    a: &Input,
    b: &Input,
    lag: usize,
    precision: Precision,
    o: &Options,
    bar: &ProgressBar,
) -> Option<Result<CorrelationSum, CliError>> {
    let (row_a, row_b) = (a.header.row_bytes()?, b.header.row_bytes()?);
    let (na, nb) = (a.samples?, b.samples?);
    if o.threads < 2 {
        return None;
    }
    let plan = match plan_correlation(lag, na, nb, o.threads as u64 * 4) {
        Ok(plan) if plan.len() >= 2 => plan,
        Ok(_) => return None,
        Err(e) => return Some(Err(e.into())),
    };
    let run = || -> Result<CorrelationSum, CliError> {
        let parts: Vec<Result<CorrelationSum, CliError>> = plan
            .par_iter()
            .map(|part| {
                let mut corr = part.correlator(lag, precision)?;
                let mut sa = Stepper::range(a, row_a, part.a.start, part.a.end)?;
                let mut sb = Stepper::range(b, row_b, part.b.start, part.b.end)?;
                feed(&mut corr, &mut sa, &mut sb, o, bar)?;
                Ok(corr.finish_part()?)
            })
            .collect();
        merge_parts(parts).unwrap_or_else(|| Err(CliError::msg("no data")))
    };
    Some(crate::par::pool(o.threads).and_then(|pool| pool.install(run)))
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
    let (curve, first_lag, peak, coefficient, samples, method, max_lag, precision);
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
        precision = Precision::F64;
    } else {
        let l = o.max_lag.ok_or_else(|| {
            CliError::usage(format!(
                "the records are too long to correlate whole in memory (over {MEMORY_SAMPLES} samples): give --max-lag L to stream lags -L..L"
            ))
        })?;
        let lag = usize::try_from(l).unwrap_or(usize::MAX);
        let choice = Precision::parse(&o.precision)
            .map_err(|_| CliError::usage("--precision takes f32, f64 or auto"))?;
        precision = choice.unwrap_or_else(|| a.precision.both(b.precision));
        let bar = progress::bytes(a.source.len() + b.source.len());
        let sum = match parallel(&a, &b, lag, precision, o, &bar) {
            Some(sum) => sum?,
            None => {
                let mut corr = StreamCorrelator::with_precision(lag, precision)?;
                let mut sa = Stepper::new(&a)?;
                let mut sb = Stepper::new(&b)?;
                feed(&mut corr, &mut sa, &mut sb, o, &bar)?;
                corr.finish_part()?
            }
        };
        bar.finish_and_clear();
        samples = sum.samples();
        let (c, p, r) = sum.finish()?;
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
        precision: precision.name().to_string(),
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
            "method       {} (lags -{max_lag}..{max_lag}, {})",
            report.method, report.precision
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
