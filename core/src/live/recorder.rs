//! The whole of a live capture without its I/O: bytes in (with their arrival time), rows
//! through derived channels, alerts and rolling statistics, and the recording out as bytes.
//! The CLI writes [`Recorder::recording`] to files; the page hands it to the user.
//!
//! Recordings stay valid at any cut between two pushes:
//! - numeric channels (binary formats, csv): CSV — `#` comment, optional `Samplerate,R Hz`
//!   line, header, then whole rows only. Binary streams get a `sample` column (the sample
//!   index), csv lines a `time` column (arrival, seconds since start). Each reconnection
//!   writes one gap row: the first cell, then empty cells (NaN).
//! - text and raw: the bytes verbatim, and (when asked for) a times CSV with one row per
//!   read (`time,offset,bytes`: arrival in seconds, byte offset, byte count); a gap is a row
//!   with an empty `bytes` cell.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use super::{
    nmea_checksum, Alert, ChannelSummary, Expr, FieldParser, GapHistogram, LineSplitter, NmeaCheck,
    Parsed, RollingStats, SampleDecoder, SampleType, MAX_LIVE_CHANNELS,
};

/// Largest rolling statistics window, in rows.
pub const MAX_WINDOW: usize = 1 << 20;
/// Most values held by the rolling statistics (the window shrinks for many channels).
pub const MAX_STATS_VALUES: usize = 1 << 24;
/// Most derived channels, and most alerts.
pub const MAX_EXPRESSIONS: usize = 64;

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
    /// From a format name (`u8 i16le i16be u16le i32le f32le csv text raw`) and a channel
    /// count (binary: interleaved channels, default 1; csv: fields, default from the first
    /// row).
    pub fn parse(format: &str, channels: Option<usize>) -> Result<Self, RecorderError> {
        if channels.is_some_and(|c| c == 0 || c > MAX_LIVE_CHANNELS) {
            return Err(RecorderError::new(
                Setting::Channels,
                format!("takes 1 to {MAX_LIVE_CHANNELS}"),
            ));
        }
        Ok(match format {
            "csv" => StreamKind::Csv(channels),
            "text" => StreamKind::Text,
            "raw" => StreamKind::Raw,
            other => {
                let ty = SampleType::parse(other).ok_or_else(|| {
                    RecorderError::new(Setting::Format, format!("unknown format '{other}'"))
                })?;
                StreamKind::Binary(ty, channels.unwrap_or(1))
            }
        })
    }

    /// Whether the stream has numeric channels.
    pub fn numeric(self) -> bool {
        matches!(self, StreamKind::Binary(..) | StreamKind::Csv(_))
    }
}

/// The setting a [`RecorderError`] is about (front ends name it their own way, e.g.
/// `--derive` in the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The stream format.
    Format,
    /// The channel count.
    Channels,
    /// The channel names.
    Names,
    /// A derived channel.
    Derive,
    /// An alert.
    Alert,
    /// The sample rate.
    Rate,
}

/// Bad capture settings: which setting, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecorderError {
    /// The setting at fault.
    pub setting: Setting,
    /// What is wrong, starting with the offending value where there is one.
    pub message: String,
}

impl RecorderError {
    fn new(setting: Setting, message: String) -> Self {
        RecorderError { setting, message }
    }
}

impl fmt::Display for RecorderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// How to decode and what to record.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// What the device sends.
    pub kind: StreamKind,
    /// Channel names (default: a csv header, else `ch0`, `ch1`...).
    pub names: Vec<String>,
    /// Derived channels, `NAME=EXPR`.
    pub derive: Vec<String>,
    /// Alert conditions such as `power>2.5`.
    pub alerts: Vec<String>,
    /// Rows of the rolling statistics window.
    pub window: usize,
    /// Samples per second of a binary stream (written as `Samplerate,R Hz`).
    pub rate: Option<f64>,
    /// The recording's first (comment) line, with its `\n`.
    pub preamble: String,
    /// Keep the recording (see [`Recorder::recording`]).
    pub record: bool,
    /// Keep the arrival times of a text or raw recording (see [`Recorder::times`]).
    pub record_times: bool,
}

/// Something worth telling the user, as it happens.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A csv line that is not a data row (`line` is its number, from 1).
    Malformed {
        /// Line number.
        line: u64,
        /// Why it is not a row.
        why: &'a str,
        /// The line.
        text: &'a [u8],
    },
    /// An alert became true.
    Alert {
        /// The alert's text.
        text: &'a str,
        /// Arrival of the row, seconds since start.
        time: f64,
        /// The row's index.
        row: u64,
    },
    /// A row: base then derived channels (NaN for an empty cell).
    Row(&'a [f64]),
}

/// Counters of a capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
    /// Reconnections.
    pub gaps: u64,
    /// NMEA sentences with a good, bad or missing checksum (text).
    pub nmea: [u64; 3],
}

/// The decoder, the derived channels, the alerts, the statistics and the recording.
pub struct Recorder {
    kind: StreamKind,
    binary: Option<SampleDecoder>,
    splitter: LineSplitter,
    fields: FieldParser,
    derive_src: Vec<(String, String)>,
    alert_src: Vec<String>,
    derived: Vec<Expr>,
    alerts: Vec<Alert>,
    names: Vec<String>,
    ready: bool,
    row: Vec<f64>,
    scratch: Vec<f64>,
    stack: Vec<f64>,
    stats: Option<RollingStats>,
    window: usize,
    gaps: GapHistogram,
    counts: Counts,
    rate: Option<f64>,
    preamble: String,
    record: bool,
    record_times: bool,
    recording: Vec<u8>,
    times: Vec<u8>,
    now_ns: u64,
    offset: u64,
    line_no: u64,
}

impl Recorder {
    /// Check the settings; the recording starts with its header when the channels are
    /// already known (binary, or csv of a given width).
    pub fn new(config: RecorderConfig) -> Result<Self, RecorderError> {
        let RecorderConfig {
            kind,
            names,
            derive,
            alerts,
            window,
            rate,
            preamble,
            record,
            record_times,
        } = config;
        if derive.len() > MAX_EXPRESSIONS || alerts.len() > MAX_EXPRESSIONS {
            let (setting, what) = if derive.len() > MAX_EXPRESSIONS {
                (Setting::Derive, "derived channels")
            } else {
                (Setting::Alert, "alerts")
            };
            return Err(RecorderError::new(
                setting,
                format!("at most {MAX_EXPRESSIONS} {what}"),
            ));
        }
        if rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return Err(RecorderError::new(
                Setting::Rate,
                "the rate must be a positive number of samples per second".into(),
            ));
        }
        let mut derive_src = Vec::new();
        for d in &derive {
            let bad = |m: &str| RecorderError::new(Setting::Derive, format!("'{d}': {m}"));
            let Some((name, expr)) = d.split_once('=') else {
                return Err(bad("expected NAME=EXPR"));
            };
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad("the name takes letters, digits and _"));
            }
            // Check the syntax now; names are resolved once the channels are known.
            Expr::parse(expr, &|_| Some(0)).map_err(|e| bad(&e.to_string()))?;
            derive_src.push((name.to_string(), expr.to_string()));
        }
        for a in &alerts {
            Alert::parse(a, &|_| Some(0))
                .map_err(|e| RecorderError::new(Setting::Alert, format!("'{a}': {e}")))?;
        }
        if !kind.numeric() && (!derive.is_empty() || !alerts.is_empty()) {
            let setting = if derive.is_empty() {
                Setting::Alert
            } else {
                Setting::Derive
            };
            return Err(RecorderError::new(
                setting,
                "derived channels and alerts need numeric channels (a binary format or csv)".into(),
            ));
        }
        let width = match kind {
            StreamKind::Binary(_, channels) => Some(channels),
            StreamKind::Csv(width) => width,
            _ => None,
        };
        if names.len() > MAX_LIVE_CHANNELS {
            return Err(RecorderError::new(
                Setting::Names,
                format!("at most {MAX_LIVE_CHANNELS} channel names"),
            ));
        }
        if let Some(w) = width.filter(|&w| !names.is_empty() && names.len() != w) {
            return Err(RecorderError::new(
                Setting::Names,
                format!("{} names given for {w} channels", names.len()),
            ));
        }
        let (binary, fields) = match kind {
            StreamKind::Binary(ty, channels) => (
                Some(
                    SampleDecoder::try_new(ty, channels)
                        .map_err(|e| RecorderError::new(Setting::Channels, e.to_string()))?,
                ),
                FieldParser::with_names(names),
            ),
            StreamKind::Csv(Some(width)) if names.is_empty() => {
                (None, FieldParser::with_width(width))
            }
            _ => (None, FieldParser::with_names(names)),
        };
        let mut rec = Recorder {
            kind,
            binary,
            splitter: LineSplitter::new(),
            fields,
            derive_src,
            alert_src: alerts,
            derived: Vec::new(),
            alerts: Vec::new(),
            names: Vec::new(),
            ready: false,
            row: Vec::new(),
            scratch: Vec::new(),
            stack: Vec::new(),
            stats: None,
            window: window.clamp(1, MAX_WINDOW),
            gaps: GapHistogram::new(),
            counts: Counts::default(),
            rate,
            preamble,
            record,
            record_times: record && record_times && !kind.numeric(),
            recording: Vec::new(),
            times: Vec::new(),
            now_ns: 0,
            offset: 0,
            line_no: 0,
        };
        if rec.record_times {
            rec.times.extend_from_slice(b"time,offset,bytes\n");
        }
        if let StreamKind::Binary(_, channels) = kind {
            let names = rec.fields.names();
            let names = if names.is_empty() {
                (0..channels).map(|i| format!("ch{i}")).collect()
            } else {
                names
            };
            rec.start_channels(names)?;
        } else if matches!(kind, StreamKind::Csv(_)) && rec.fields.width().is_some() {
            let names = rec.fields.names();
            rec.start_channels(names)?;
        }
        Ok(rec)
    }

    /// The channels are known: resolve derived channels and alerts, write the CSV header.
    fn start_channels(&mut self, base: Vec<String>) -> Result<(), RecorderError> {
        let mut names: Vec<String> = base
            .iter()
            .map(|n| n.replace([',', '"', '\''], "_"))
            .collect();
        for (name, src) in &self.derive_src {
            let expr = Expr::parse(src, &|n| names.iter().position(|x| x == n))
                .map_err(|e| RecorderError::new(Setting::Derive, format!("'{name}={src}': {e}")))?;
            self.derived.push(expr);
            names.push(name.clone());
        }
        for src in &self.alert_src {
            let alert = Alert::parse(src, &|n| names.iter().position(|x| x == n))
                .map_err(|e| RecorderError::new(Setting::Alert, format!("'{src}': {e}")))?;
            self.alerts.push(alert);
        }
        // Bound the statistics' memory (window × channels values).
        let window = self
            .window
            .min(MAX_STATS_VALUES / names.len().max(1))
            .max(1);
        self.stats = Some(RollingStats::new(names.len(), window));
        if self.record {
            self.recording.extend_from_slice(self.preamble.as_bytes());
            let first = if matches!(self.kind, StreamKind::Binary(..)) {
                if let Some(rate) = self.rate {
                    let _ = writeln!(Bytes(&mut self.recording), "Samplerate,{rate} Hz");
                }
                "sample"
            } else {
                "time"
            };
            self.recording.extend_from_slice(first.as_bytes());
            for n in &names {
                self.recording.push(b',');
                self.recording.extend_from_slice(n.as_bytes());
            }
            self.recording.push(b'\n');
        }
        self.names = names;
        self.ready = true;
        Ok(())
    }

    /// What the device sends.
    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// Channel names (base, then derived) once known; empty before, and for text and raw.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The counters.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Gaps between arriving bytes.
    pub fn gaps(&self) -> &GapHistogram {
        &self.gaps
    }

    /// The alerts, once the channels are known.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Alert events so far.
    pub fn alert_events(&self) -> u64 {
        self.alerts.iter().map(Alert::events).sum()
    }

    /// Rolling statistics of every channel.
    pub fn summary(&mut self) -> Vec<Option<ChannelSummary>> {
        self.stats
            .as_mut()
            .map_or_else(Vec::new, RollingStats::summary)
    }

    /// Bytes of the verbatim recording so far (text and raw).
    pub fn recorded_bytes(&self) -> u64 {
        self.offset
    }

    /// The recording not yet taken: the caller writes or keeps it, then clears it.
    pub fn recording(&mut self) -> &mut Vec<u8> {
        &mut self.recording
    }

    /// The arrival-times CSV not yet taken (text and raw with `record_times`).
    pub fn times(&mut self) -> &mut Vec<u8> {
        &mut self.times
    }

    /// Decode `bytes` that arrived at `at_ns` (ns since start; never earlier than before).
    pub fn push(
        &mut self,
        bytes: &[u8],
        at_ns: u64,
        on: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), RecorderError> {
        self.now_ns = at_ns.max(self.now_ns);
        self.counts.bytes += bytes.len() as u64;
        self.gaps.arrive(self.now_ns, bytes.len() as u64);
        match self.kind {
            StreamKind::Binary(..) => {
                if let Some(mut dec) = self.binary.take() {
                    dec.push(bytes, &mut |row| self.row_in(row, on));
                    self.binary = Some(dec);
                }
            }
            StreamKind::Csv(_) => {
                let mut splitter = core::mem::take(&mut self.splitter);
                let mut result = Ok(());
                splitter.push(bytes, &mut |line| {
                    if result.is_ok() {
                        result = self.csv_line(line, on);
                    }
                });
                self.splitter = splitter;
                self.counts.lines = self.splitter.lines();
                result?;
            }
            StreamKind::Text => {
                let mut splitter = core::mem::take(&mut self.splitter);
                let nmea = &mut self.counts.nmea;
                splitter.push(bytes, &mut |line| count_nmea(nmea, line));
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
        if self.record {
            self.recording.extend_from_slice(bytes);
        }
        if self.record_times {
            let t = self.now_ns as f64 * 1e-9;
            let _ = writeln!(
                Bytes(&mut self.times),
                "{t:.6},{},{}",
                self.offset,
                bytes.len()
            );
        }
        self.offset += bytes.len() as u64;
    }

    fn csv_line(
        &mut self,
        line: &[u8],
        on: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), RecorderError> {
        self.line_no += 1;
        let mut row = core::mem::take(&mut self.row);
        let result = match self.fields.parse(line, &mut row) {
            Parsed::Row => {
                let started = if self.ready {
                    Ok(())
                } else {
                    let names = self.fields.names();
                    self.start_channels(names)
                };
                if started.is_ok() {
                    self.row_in(&row, on);
                }
                started
            }
            Parsed::Header | Parsed::Skip => Ok(()),
            Parsed::Malformed(why) => {
                self.counts.malformed += 1;
                on(Event::Malformed {
                    line: self.line_no,
                    why: &why,
                    text: line,
                });
                Ok(())
            }
        };
        self.row = row;
        result
    }

    /// One row of base channels: derive, alert, keep statistics, record, hand out.
    fn row_in(&mut self, base: &[f64], on: &mut dyn FnMut(Event<'_>)) {
        let mut row = core::mem::take(&mut self.scratch);
        row.clear();
        row.extend_from_slice(base);
        for expr in &self.derived {
            let v = expr.eval(&row, &mut self.stack);
            row.push(v);
        }
        let time = self.now_ns as f64 * 1e-9;
        for alert in &mut self.alerts {
            if alert.update(&row, &mut self.stack) {
                on(Event::Alert {
                    text: &alert.text,
                    time,
                    row: self.counts.rows,
                });
            }
        }
        if let Some(stats) = &mut self.stats {
            stats.push_row(&row);
        }
        if self.record {
            self.first_cell();
            let (integer, single) = match self.kind {
                StreamKind::Binary(ty, _) => (ty.is_integer(), ty == SampleType::F32Le),
                _ => (false, false),
            };
            for (i, v) in row.iter().enumerate() {
                self.recording.push(b',');
                let base_col = i < base.len();
                write_value(
                    &mut self.recording,
                    *v,
                    integer && base_col,
                    single && base_col,
                );
            }
            self.recording.push(b'\n');
        }
        on(Event::Row(&row));
        self.counts.rows += 1;
        self.scratch = row;
    }

    fn first_cell(&mut self) {
        let mut out = Bytes(&mut self.recording);
        let _ = if matches!(self.kind, StreamKind::Binary(..)) {
            write!(out, "{}", self.counts.rows)
        } else {
            write!(out, "{:.6}", self.now_ns as f64 * 1e-9)
        };
    }

    /// The device vanished at `at_ns`: cut off partial input (counted).
    pub fn disconnected(&mut self, at_ns: u64) {
        self.now_ns = at_ns.max(self.now_ns);
        self.cut_partial();
        self.gaps.restart();
    }

    /// The device is back at `at_ns`: mark the gap in the recording.
    pub fn reconnected(&mut self, at_ns: u64) {
        self.now_ns = at_ns.max(self.now_ns);
        self.counts.gaps += 1;
        if self.kind.numeric() {
            if self.record && self.ready {
                self.first_cell();
                for _ in &self.names {
                    self.recording.push(b',');
                }
                self.recording.push(b'\n');
            }
        } else if self.record_times {
            let t = self.now_ns as f64 * 1e-9;
            let _ = writeln!(Bytes(&mut self.times), "{t:.6},{},", self.offset);
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
                count_nmea(&mut self.counts.nmea, &tail);
            }
        }
    }

    /// The end of the stream: an unterminated line or incomplete binary row is cut off and
    /// counted (`partial`, `dropped_bytes`).
    pub fn finish(&mut self) {
        self.cut_partial();
        if self.record && self.kind.numeric() && !self.ready && self.counts.bytes > 0 {
            // Nothing parsed: the recording is still a (header-less) note.
            self.recording.extend_from_slice(self.preamble.as_bytes());
        }
    }
}

fn count_nmea(nmea: &mut [u64; 3], line: &[u8]) {
    match nmea_checksum(line) {
        NmeaCheck::Ok => nmea[0] += 1,
        NmeaCheck::Bad => nmea[1] += 1,
        NmeaCheck::Missing => nmea[2] += 1,
        NmeaCheck::NotNmea => {}
    }
}

/// `fmt::Write` into a byte buffer.
struct Bytes<'a>(&'a mut Vec<u8>);

impl fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A cell: integers without a decimal point, f32 samples at f32 precision, NaN empty.
fn write_value(buf: &mut Vec<u8>, v: f64, integer: bool, single: bool) {
    if v.is_nan() {
        return;
    }
    let mut out = Bytes(buf);
    let _ = if integer {
        write!(out, "{}", v as i64)
    } else if single {
        write!(out, "{}", v as f32)
    } else {
        write!(out, "{v}")
    };
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
