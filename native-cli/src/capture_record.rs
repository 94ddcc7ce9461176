//! Decoding and recording of `scopekit capture`: bytes in (with their arrival time), rows
//! through derived channels, alerts and rolling statistics, and out into the recording.
//!
//! Recordings stay valid after every flush:
//! - numeric channels (binary formats, csv): a CSV file — `#` comment, optional
//!   `Samplerate,R Hz` line, header, then whole rows only. Binary streams get a `sample`
//!   column (the sample index), csv lines a `time` column (arrival, seconds since start).
//!   Each reconnection writes one gap row: the first cell, then empty cells (NaN).
//! - text and raw: the bytes verbatim in FILE, and FILE.times.csv with one row per read
//!   (`time,offset,bytes`: arrival in seconds, byte offset in FILE, byte count); a gap is
//!   a row with an empty `bytes` cell.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use scopekit_core::live::{
    nmea_checksum, Alert, ChannelSummary, Expr, FieldParser, GapHistogram, LineSplitter, NmeaCheck,
    Parsed, RollingStats, SampleDecoder, SampleType,
};

use crate::capture::CaptureArgs;
use crate::capture_view::View;
use crate::error::CliError;

/// What the device sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// Interleaved binary samples of `channels` channels.
    Binary(SampleType, usize),
    /// Lines of numeric fields (a fixed width when given).
    Csv(Option<usize>),
    /// Lines kept verbatim.
    Text,
    /// Bytes kept verbatim.
    Raw,
}

impl StreamKind {
    /// From `--format` and `--channels`.
    pub fn parse(format: &str, channels: Option<usize>) -> Result<Self, CliError> {
        if channels == Some(0)
            || channels.is_some_and(|c| c > scopekit_core::live::MAX_LIVE_CHANNELS)
        {
            return Err(CliError::usage(format!(
                "--channels takes 1 to {}",
                scopekit_core::live::MAX_LIVE_CHANNELS
            )));
        }
        Ok(match format {
            "csv" => StreamKind::Csv(channels),
            "text" => StreamKind::Text,
            "raw" => StreamKind::Raw,
            other => {
                let ty = SampleType::parse(other)
                    .ok_or_else(|| CliError::usage(format!("unknown --format '{other}'")))?;
                StreamKind::Binary(ty, channels.unwrap_or(1))
            }
        })
    }

    /// Whether the stream has numeric channels.
    pub fn numeric(self) -> bool {
        matches!(self, StreamKind::Binary(..) | StreamKind::Csv(_))
    }
}

/// Counters shown by the view.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Bytes received.
    pub bytes: u64,
    /// Rows recorded (numeric streams).
    pub rows: u64,
    /// Complete lines (csv, text).
    pub lines: u64,
    /// Lines that were not data rows (csv), or overlong lines (text).
    pub malformed: u64,
    /// Unterminated lines cut off by a disconnection or the end.
    pub partial: u64,
    /// Bytes of incomplete binary rows dropped at a disconnection or the end.
    pub dropped_bytes: u64,
    /// Disconnections survived with --reconnect.
    pub gaps: u64,
    /// NMEA sentences with a good, bad or missing checksum (text).
    pub nmea: [u64; 3],
}

/// The decoder, the derived channels, the alerts, the statistics and the output.
pub struct Recorder {
    kind: StreamKind,
    binary: Option<SampleDecoder>,
    splitter: LineSplitter,
    fields: FieldParser,
    derive_src: Vec<(String, String)>,
    alert_src: Vec<String>,
    derived: Vec<Expr>,
    alerts: Vec<Alert>,
    /// Channel names (base, then derived), once known.
    names: Vec<String>,
    ready: bool,
    row: Vec<f64>,
    stack: Vec<f64>,
    stats: Option<RollingStats>,
    window: usize,
    /// Gaps between arriving bytes.
    pub gaps: GapHistogram,
    /// The counters.
    pub counts: Counts,
    rate: Option<f64>,
    preamble: String,
    out: Option<(PathBuf, File)>,
    times: Option<(PathBuf, File)>,
    buf: Vec<u8>,
    times_buf: Vec<u8>,
    /// Arrival of the chunk being decoded, ns since start.
    now_ns: u64,
    /// Bytes written to a verbatim recording.
    offset: u64,
    malformed_shown: u32,
    /// Number of the line being parsed (csv).
    line_no: u64,
}

impl Recorder {
    /// Check the arguments and create the recording.
    pub fn new(args: &CaptureArgs, kind: StreamKind) -> Result<Self, CliError> {
        let mut derive_src = Vec::new();
        for d in &args.derive {
            let Some((name, expr)) = d.split_once('=') else {
                return Err(CliError::usage(format!(
                    "--derive '{d}': expected NAME=EXPR"
                )));
            };
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(CliError::usage(format!(
                    "--derive '{d}': the name takes letters, digits and _"
                )));
            }
            // Check the syntax now; names are resolved once the channels are known.
            Expr::parse(expr, &|_| Some(0))
                .map_err(|e| CliError::usage(format!("--derive '{d}': {e}")))?;
            derive_src.push((name.to_string(), expr.to_string()));
        }
        for a in &args.alert {
            Alert::parse(a, &|_| Some(0))
                .map_err(|e| CliError::usage(format!("--alert '{a}': {e}")))?;
        }
        if !kind.numeric() && (!args.derive.is_empty() || !args.alert.is_empty()) {
            return Err(CliError::usage(
                "--derive and --alert need numeric channels (a binary format or csv)",
            ));
        }
        let names = args.names.clone().unwrap_or_default();
        let (binary, fields) = match kind {
            StreamKind::Binary(ty, channels) => {
                if !names.is_empty() && names.len() != channels {
                    return Err(CliError::usage(format!(
                        "--names gives {} names for {channels} channels",
                        names.len()
                    )));
                }
                (
                    Some(SampleDecoder::try_new(ty, channels)?),
                    FieldParser::with_names(names),
                )
            }
            StreamKind::Csv(Some(width)) if names.is_empty() => {
                (None, FieldParser::with_width(width))
            }
            StreamKind::Csv(Some(width)) if names.len() != width => {
                return Err(CliError::usage(format!(
                    "--names gives {} names for {width} channels",
                    names.len()
                )));
            }
            _ => (None, FieldParser::with_names(names)),
        };
        let preamble = format!(
            "# scopekit capture of {} at {} baud, format {}\n",
            args.port
                .as_deref()
                .map_or_else(String::new, |p| p.display().to_string()),
            args.baud,
            args.format
        );
        let mut rec = Recorder {
            kind,
            binary,
            splitter: LineSplitter::new(),
            fields,
            derive_src,
            alert_src: args.alert.clone(),
            derived: Vec::new(),
            alerts: Vec::new(),
            names: Vec::new(),
            ready: false,
            row: Vec::new(),
            stack: Vec::new(),
            stats: None,
            window: args.window.clamp(1, 1 << 20),
            gaps: GapHistogram::new(),
            counts: Counts::default(),
            rate: args.rate,
            preamble,
            out: None,
            times: None,
            buf: Vec::new(),
            times_buf: Vec::new(),
            now_ns: 0,
            offset: 0,
            malformed_shown: 0,
            line_no: 0,
        };
        if let Some(path) = &args.out {
            rec.out = Some((path.clone(), create(path)?));
            if !kind.numeric() {
                let times = PathBuf::from(format!("{}.times.csv", path.display()));
                rec.times = Some((times.clone(), create(&times)?));
                rec.times_buf.extend_from_slice(
                    format!(
                        "# arrival of the bytes of {}\ntime,offset,bytes\n",
                        path.display()
                    )
                    .as_bytes(),
                );
            }
        }
        if let StreamKind::Binary(_, channels) = kind {
            let names = rec.fields.names();
            let names = if names.is_empty() {
                (0..channels).map(|i| format!("ch{i}")).collect()
            } else {
                names
            };
            rec.start_channels(names)?;
        } else if let (StreamKind::Csv(_), Some(_)) = (kind, rec.fields.width()) {
            let names = rec.fields.names();
            rec.start_channels(names)?;
        }
        Ok(rec)
    }

    /// The channels are known: resolve derived channels and alerts, write the CSV header.
    fn start_channels(&mut self, base: Vec<String>) -> Result<(), CliError> {
        let mut names: Vec<String> = base
            .iter()
            .map(|n| n.replace([',', '"', '\''], "_"))
            .collect();
        for (name, src) in &self.derive_src {
            let expr = Expr::parse(src, &|n| names.iter().position(|x| x == n))
                .map_err(|e| CliError::usage(format!("--derive {name}={src}: {e}")))?;
            self.derived.push(expr);
            names.push(name.clone());
        }
        for src in &self.alert_src {
            let alert = Alert::parse(src, &|n| names.iter().position(|x| x == n))
                .map_err(|e| CliError::usage(format!("--alert '{src}': {e}")))?;
            self.alerts.push(alert);
        }
        self.stats = Some(RollingStats::new(names.len(), self.window));
        self.buf.extend_from_slice(self.preamble.as_bytes());
        let first = if matches!(self.kind, StreamKind::Binary(..)) {
            if let Some(rate) = self.rate {
                self.buf
                    .extend_from_slice(format!("Samplerate,{rate} Hz\n").as_bytes());
            }
            "sample"
        } else {
            "time"
        };
        self.buf.extend_from_slice(first.as_bytes());
        for n in &names {
            self.buf.push(b',');
            self.buf.extend_from_slice(n.as_bytes());
        }
        self.buf.push(b'\n');
        self.names = names;
        self.ready = true;
        Ok(())
    }

    /// Channel names (base, then derived).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Bytes waiting for the next flush.
    pub fn buffered(&self) -> usize {
        self.buf.len() + self.times_buf.len()
    }

    /// Alert events so far.
    pub fn alert_events(&self) -> u64 {
        self.alerts.iter().map(Alert::events).sum()
    }

    /// The alerts.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Rolling statistics of every channel.
    pub fn summary(&mut self) -> Vec<Option<ChannelSummary>> {
        self.stats
            .as_mut()
            .map_or_else(Vec::new, RollingStats::summary)
    }

    /// Decode `bytes` that arrived at `at_ns` (ns since start).
    pub fn push(&mut self, bytes: &[u8], at_ns: u64, view: &mut View) -> Result<(), CliError> {
        self.now_ns = at_ns;
        self.counts.bytes += bytes.len() as u64;
        self.gaps.arrive(at_ns, bytes.len() as u64);
        match self.kind {
            StreamKind::Binary(..) => {
                if let Some(mut dec) = self.binary.take() {
                    dec.push(bytes, &mut |row| self.record(row, view));
                    self.binary = Some(dec);
                }
            }
            StreamKind::Csv(_) => {
                let mut splitter = std::mem::take(&mut self.splitter);
                let mut result = Ok(());
                splitter.push(bytes, &mut |line| {
                    if result.is_ok() {
                        result = self.csv_line(line, view);
                    }
                });
                self.splitter = splitter;
                self.counts.lines = self.splitter.lines();
                self.counts.malformed += 0;
                result?;
            }
            StreamKind::Text => {
                let mut splitter = std::mem::take(&mut self.splitter);
                let nmea = &mut self.counts.nmea;
                splitter.push(bytes, &mut |line| match nmea_checksum(line) {
                    NmeaCheck::Ok => nmea[0] += 1,
                    NmeaCheck::Bad => nmea[1] += 1,
                    NmeaCheck::Missing => nmea[2] += 1,
                    NmeaCheck::NotNmea => {}
                });
                self.splitter = splitter;
                self.counts.lines = self.splitter.lines();
                self.counts.malformed = self.splitter.overlong();
                self.verbatim(bytes);
            }
            StreamKind::Raw => self.verbatim(bytes),
        }
        Ok(())
    }

    fn verbatim(&mut self, bytes: &[u8]) {
        if self.out.is_some() {
            self.buf.extend_from_slice(bytes);
            let t = self.now_ns as f64 * 1e-9;
            self.times_buf
                .extend_from_slice(format!("{t:.6},{},{}\n", self.offset, bytes.len()).as_bytes());
        }
        self.offset += bytes.len() as u64;
    }

    fn csv_line(&mut self, line: &[u8], view: &mut View) -> Result<(), CliError> {
        self.line_no += 1;
        let mut row = std::mem::take(&mut self.row);
        let parsed = self.fields.parse(line, &mut row);
        let result = match parsed {
            Parsed::Row => {
                if !self.ready {
                    let names = self.fields.names();
                    self.start_channels(names)?;
                }
                self.record(&row, view);
                Ok(())
            }
            Parsed::Header | Parsed::Skip => Ok(()),
            Parsed::Malformed(why) => {
                self.counts.malformed += 1;
                if self.malformed_shown < 5 {
                    self.malformed_shown += 1;
                    let shown = String::from_utf8_lossy(&line[..line.len().min(60)]).into_owned();
                    view.note(&format!(
                        "line {}: {why}: {}",
                        self.line_no,
                        shown.escape_debug()
                    ));
                    if self.malformed_shown == 5 {
                        view.note("(further malformed lines are only counted)");
                    }
                }
                Ok(())
            }
        };
        self.row = row;
        result
    }

    /// One row of base channels: derive, alert, keep statistics, write.
    fn record(&mut self, base: &[f64], view: &mut View) {
        let mut row = std::mem::take(&mut self.stack);
        row.clear();
        row.extend_from_slice(base);
        let mut scratch = Vec::new();
        for expr in &self.derived {
            let v = expr.eval(&row, &mut scratch);
            row.push(v);
        }
        let t = self.now_ns as f64 * 1e-9;
        for alert in &mut self.alerts {
            if alert.update(&row, &mut scratch) {
                view.alert(&alert.text, t, self.counts.rows);
            }
        }
        if let Some(stats) = &mut self.stats {
            stats.push_row(&row);
        }
        if self.out.is_some() {
            self.write_first_cell();
            let integer = match self.kind {
                StreamKind::Binary(ty, _) => ty.is_integer(),
                _ => false,
            };
            let base_len = base.len();
            for (i, v) in row.iter().enumerate() {
                self.buf.push(b',');
                write_value(
                    &mut self.buf,
                    *v,
                    integer && i < base_len,
                    matches!(self.kind, StreamKind::Binary(SampleType::F32Le, _)) && i < base_len,
                );
            }
            self.buf.push(b'\n');
        }
        self.counts.rows += 1;
        self.stack = row;
    }

    fn write_first_cell(&mut self) {
        if matches!(self.kind, StreamKind::Binary(..)) {
            let _ = write!(self.buf, "{}", self.counts.rows);
        } else {
            let _ = write!(self.buf, "{:.6}", self.now_ns as f64 * 1e-9);
        }
    }

    /// The device vanished at `at_ns`: cut off partial input (counted).
    pub fn disconnected(&mut self, at_ns: u64) {
        self.now_ns = at_ns;
        self.cut_partial();
        self.gaps.restart();
    }

    /// The device is back at `at_ns`: mark the gap in the recording.
    pub fn reconnected(&mut self, at_ns: u64) {
        self.now_ns = at_ns;
        self.counts.gaps += 1;
        if self.out.is_none() {
            return;
        }
        if self.kind.numeric() {
            if self.ready {
                self.write_first_cell();
                for _ in &self.names {
                    self.buf.push(b',');
                }
                self.buf.push(b'\n');
            }
        } else {
            let t = at_ns as f64 * 1e-9;
            self.times_buf
                .extend_from_slice(format!("{t:.6},{},\n", self.offset).as_bytes());
        }
    }

    fn cut_partial(&mut self) {
        if let Some(dec) = &mut self.binary {
            self.counts.dropped_bytes += dec.reset() as u64;
        }
        if !matches!(self.kind, StreamKind::Csv(_) | StreamKind::Text) {
            return;
        }
        if let Some(tail) = self.splitter.take_partial() {
            self.counts.partial += 1;
            if self.kind == StreamKind::Text {
                match nmea_checksum(&tail) {
                    NmeaCheck::Ok => self.counts.nmea[0] += 1,
                    NmeaCheck::Bad => self.counts.nmea[1] += 1,
                    NmeaCheck::Missing => self.counts.nmea[2] += 1,
                    NmeaCheck::NotNmea => {}
                }
            }
        }
    }

    /// Write what is buffered to the files (they are valid after every flush).
    pub fn flush(&mut self) -> Result<(), CliError> {
        if let Some((path, file)) = &mut self.out {
            if !self.buf.is_empty() {
                file.write_all(&self.buf)
                    .map_err(|e| CliError::io(&format!("{}: cannot write", path.display()), e))?;
            }
        }
        self.buf.clear();
        if let Some((path, file)) = &mut self.times {
            if !self.times_buf.is_empty() {
                file.write_all(&self.times_buf)
                    .map_err(|e| CliError::io(&format!("{}: cannot write", path.display()), e))?;
            }
        }
        self.times_buf.clear();
        Ok(())
    }

    /// The end: count partial input and flush.
    pub fn finish(&mut self) -> Result<(), CliError> {
        self.cut_partial();
        if self.kind.numeric() && !self.ready && self.out.is_some() && self.counts.bytes > 0 {
            // Nothing parsed: still leave a valid header-only note.
            self.buf.extend_from_slice(self.preamble.as_bytes());
        }
        self.flush()?;
        for (_, file) in self.out.iter_mut().chain(self.times.iter_mut()) {
            let _ = file.sync_data();
        }
        Ok(())
    }

    /// What the recording holds, for the last message.
    pub fn kept_note(&self) -> String {
        match (&self.out, self.kind.numeric()) {
            (None, _) => String::new(),
            (Some((path, _)), true) => {
                format!(" ({} rows in {})", self.counts.rows, path.display())
            }
            (Some((path, _)), false) => format!(" ({} bytes in {})", self.offset, path.display()),
        }
    }
}

/// A cell: integers without a decimal point, f32 samples at f32 precision, NaN empty.
fn write_value(buf: &mut Vec<u8>, v: f64, integer: bool, single: bool) {
    if v.is_nan() {
        return;
    }
    let _ = if integer {
        write!(buf, "{}", v as i64)
    } else if single {
        write!(buf, "{}", v as f32)
    } else {
        write!(buf, "{v}")
    };
}

/// Create (truncate) the recording at its final name: it must survive a kill.
fn create(path: &Path) -> Result<File, CliError> {
    File::create(path).map_err(|e| CliError::io(&format!("{}: cannot create", path.display()), e))
}
