//! Live capture: `scopekit capture` in the page (Web Serial). Bytes go in as the port
//! delivers them, with their arrival time; rows come out (for the plot), and the same status
//! object and recording as the CLI's (`--json-lines`, `--out`) are kept. The parsing is
//! `scopekit_core::live`; this file wires it the way `native-cli/src/capture_record.rs`
//! does, with the recording in memory instead of a file.

use std::fmt::Write as _;

use scopekit_core::live::{
    nmea_checksum, Alert, ChannelSummary, Expr, FieldParser, GapHistogram, LineSplitter, NmeaCheck,
    Parsed, RollingStats, SampleDecoder, SampleType, MAX_LIVE_CHANNELS,
};
use serde::{Deserialize, Serialize, Serializer};
use wasm_bindgen::prelude::*;

use crate::to_js;

/// Milliseconds without a byte after which the status says `stalled` (as the CLI).
const STALL_AFTER_MS: f64 = 2000.0;
/// Notes (malformed lines, alerts) kept before they are only counted.
const MAX_NOTES: u32 = 20;
/// Largest rolling window accepted (as the CLI).
const MAX_WINDOW: usize = 1 << 20;
/// Most values held by the rolling statistics (the window shrinks for many channels).
const MAX_STATS_VALUES: usize = 1 << 24;
/// Most derived channels and alerts each.
const MAX_EXPRESSIONS: usize = 64;

/// The settings a page sends (`new LiveSession(config)`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LiveConfig {
    /// `u8 i16le i16be u16le i32le f32le csv text raw`.
    format: String,
    /// Interleaved channels of a binary format (default 1), fields of csv (default: from
    /// the first row).
    #[serde(default)]
    channels: Option<usize>,
    /// Channel names (default: a csv header, else ch0, ch1...).
    #[serde(default)]
    names: Option<Vec<String>>,
    /// Derived channels `NAME=EXPR`.
    #[serde(default)]
    derive: Vec<String>,
    /// Alert conditions such as `power>2.5`.
    #[serde(default)]
    alerts: Vec<String>,
    /// Rows of the rolling statistics window (default 10 000).
    #[serde(default)]
    window: Option<usize>,
    /// Samples per second of a binary stream (written as `Samplerate,R Hz`).
    #[serde(default)]
    rate: Option<f64>,
    /// Line speed, for the recording's comment line.
    #[serde(default)]
    baud: Option<u32>,
    /// What the port is called, for the recording's comment line.
    #[serde(default)]
    port: Option<String>,
}

/// What the device sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Binary(SampleType, usize),
    Csv,
    Text,
    Raw,
}

impl Kind {
    fn numeric(self) -> bool {
        matches!(self, Kind::Binary(..) | Kind::Csv)
    }
}

/// Counters of the status object.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    bytes: u64,
    rows: u64,
    lines: u64,
    malformed: u64,
    partial: u64,
    dropped_bytes: u64,
    nmea: [u64; 3],
}

/// A live capture session: decoder, derived channels, alerts, statistics, recording.
#[wasm_bindgen]
pub struct LiveSession {
    kind: Kind,
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
    stats: Option<RollingStats>,
    window: usize,
    gaps: GapHistogram,
    counts: Counts,
    rate: Option<f64>,
    preamble: String,
    /// Recording bytes not yet taken by [`LiveSession::take_recording`].
    recording: Vec<u8>,
    /// Rows produced by the current push (flat, `names.len()` per row).
    out_rows: Vec<f64>,
    notes: Vec<String>,
    notes_shown: u32,
    alerts_shown: u32,
    now_ns: u64,
    now_ms: f64,
    last_byte_ms: Option<f64>,
    line_no: u64,
    done: bool,
    /// Counters and time of the previous status (rates are over the interval since).
    last_status: Option<(f64, u64, u64, u64)>,
}

#[wasm_bindgen]
impl LiveSession {
    /// A session for `config`: `{format, channels?, names?, derive?: ["p=v*i"], alerts?:
    /// ["p>2.5"], window?, rate?, baud?, port?}`. Throws on bad settings, with the CLI's
    /// message.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<LiveSession, JsError> {
        let config: LiveConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| JsError::new(&format!("bad capture settings: {e}")))?;
        LiveSession::from_config(config).map_err(|e| JsError::new(&e))
    }

    /// Channel names (base, then derived) once known (a csv stream learns them from its
    /// first row); empty before, and for text and raw streams.
    pub fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Values per row returned by [`LiveSession::push`] (0 until the channels are known).
    pub fn width(&self) -> usize {
        self.names.len()
    }

    /// Decode `bytes` that arrived `arrival_ms` milliseconds after the session started (a
    /// monotonic clock such as `performance.now()`). Returns the new rows, flat
    /// (`width()` values each, base then derived channels; NaN for an empty cell).
    pub fn push(&mut self, bytes: &[u8], arrival_ms: f64) -> Result<Vec<f64>, JsError> {
        if self.done {
            return Err(JsError::new("the capture has ended"));
        }
        self.out_rows.clear();
        self.set_time(arrival_ms);
        if !bytes.is_empty() {
            self.last_byte_ms = Some(self.now_ms);
        }
        self.counts.bytes += bytes.len() as u64;
        self.gaps.arrive(self.now_ns, bytes.len() as u64);
        let result = match self.kind {
            Kind::Binary(..) => {
                if let Some(mut dec) = self.binary.take() {
                    dec.push(bytes, &mut |row| self.record(row));
                    self.binary = Some(dec);
                }
                Ok(())
            }
            Kind::Csv => {
                let mut splitter = std::mem::take(&mut self.splitter);
                let mut result = Ok(());
                splitter.push(bytes, &mut |line| {
                    if result.is_ok() {
                        result = self.csv_line(line);
                    }
                });
                self.splitter = splitter;
                self.counts.lines = self.splitter.lines();
                result
            }
            Kind::Text => {
                let mut splitter = std::mem::take(&mut self.splitter);
                let nmea = &mut self.counts.nmea;
                splitter.push(bytes, &mut |line| count_nmea(nmea, line));
                self.splitter = splitter;
                self.counts.lines = self.splitter.lines();
                self.counts.malformed = self.splitter.overlong();
                self.recording.extend_from_slice(bytes);
                Ok(())
            }
            Kind::Raw => {
                self.recording.extend_from_slice(bytes);
                Ok(())
            }
        };
        result.map_err(|e| JsError::new(&e))?;
        Ok(std::mem::take(&mut self.out_rows))
    }

    /// The end of the stream at `now_ms`: an unterminated line or incomplete binary row is
    /// cut off and counted (`partial`, `dropped_bytes`); the status says `done`.
    pub fn finish(&mut self, now_ms: f64) {
        if self.done {
            return;
        }
        self.set_time(now_ms);
        if let Some(dec) = &mut self.binary {
            self.counts.dropped_bytes += dec.reset() as u64;
        }
        if matches!(self.kind, Kind::Csv | Kind::Text) {
            if let Some(tail) = self.splitter.take_partial() {
                self.counts.partial += 1;
                if self.kind == Kind::Text {
                    count_nmea(&mut self.counts.nmea, &tail);
                }
            }
        }
        if self.kind.numeric() && !self.ready && self.counts.bytes > 0 {
            // Nothing parsed: the recording is still a (header-less) note.
            self.recording.extend_from_slice(self.preamble.as_bytes());
        }
        self.done = true;
    }

    /// The `scopekit capture --json-lines` status object at `now_ms` (rates over the time
    /// since the previous call).
    pub fn status(&mut self, now_ms: f64) -> Result<JsValue, JsError> {
        let now_ms = if now_ms.is_finite() {
            now_ms.max(0.0)
        } else {
            self.now_ms
        };
        let c = self.counts;
        let (t0, b0, r0, l0) = self.last_status.unwrap_or((0.0, 0, 0, 0));
        let span = ((now_ms - t0) / 1000.0).max(1e-3);
        self.last_status = Some((now_ms, c.bytes, c.rows, c.lines));
        let state = if self.done {
            "done"
        } else if now_ms - self.last_byte_ms.unwrap_or(0.0) >= STALL_AFTER_MS {
            "stalled"
        } else {
            "running"
        };
        let summary = self
            .stats
            .as_mut()
            .map_or_else(Vec::new, RollingStats::summary);
        let channels = self.names.iter().cloned().zip(summary).collect();
        let alerts = self
            .alerts
            .iter()
            .map(|a| {
                (
                    a.text.clone(),
                    AlertCount {
                        events: a.events(),
                        samples: a.samples(),
                    },
                )
            })
            .collect();
        let q = |p| self.gaps.quantile(p);
        to_js(&Status {
            kind: "status",
            state,
            elapsed_s: now_ms / 1000.0,
            bytes: c.bytes,
            bytes_per_s: c.bytes.saturating_sub(b0) as f64 / span,
            rows: c.rows,
            rows_per_s: c.rows.saturating_sub(r0) as f64 / span,
            lines: c.lines,
            lines_per_s: c.lines.saturating_sub(l0) as f64 / span,
            malformed: c.malformed,
            partial: c.partial,
            dropped_bytes: c.dropped_bytes,
            reconnects: 0,
            gap_p50_s: q(0.5),
            gap_p95_s: q(0.95),
            gap_p99_s: q(0.99),
            nmea: Nmea {
                ok: c.nmea[0],
                bad: c.nmea[1],
                missing: c.nmea[2],
            },
            channels: Ordered(channels),
            alerts: Ordered(alerts),
        })
    }

    /// The recording bytes written since the previous call (CSV for numeric streams, the
    /// bytes verbatim for text and raw): the caller keeps them, the session forgets them.
    #[wasm_bindgen(js_name = takeRecording)]
    pub fn take_recording(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.recording)
    }

    /// Messages since the previous call (malformed lines, alerts; the first
    /// [`MAX_NOTES`] of each, then a note that further ones are only counted).
    #[wasm_bindgen(js_name = takeNotes)]
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

impl LiveSession {
    fn from_config(config: LiveConfig) -> Result<LiveSession, String> {
        if config
            .channels
            .is_some_and(|c| c == 0 || c > MAX_LIVE_CHANNELS)
        {
            return Err(format!("channels takes 1 to {MAX_LIVE_CHANNELS}"));
        }
        let kind = match config.format.as_str() {
            "csv" => Kind::Csv,
            "text" => Kind::Text,
            "raw" => Kind::Raw,
            other => Kind::Binary(
                SampleType::parse(other).ok_or_else(|| format!("unknown format '{other}'"))?,
                config.channels.unwrap_or(1),
            ),
        };
        if config.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return Err("the rate must be a positive number of samples per second".into());
        }
        if config.derive.len() > MAX_EXPRESSIONS || config.alerts.len() > MAX_EXPRESSIONS {
            return Err(format!(
                "at most {MAX_EXPRESSIONS} derived channels and {MAX_EXPRESSIONS} alerts"
            ));
        }
        let mut derive_src = Vec::new();
        for d in &config.derive {
            let Some((name, expr)) = d.split_once('=') else {
                return Err(format!("derived channel '{d}': expected NAME=EXPR"));
            };
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "derived channel '{d}': the name takes letters, digits and _"
                ));
            }
            Expr::parse(expr, &|_| Some(0)).map_err(|e| format!("derived channel '{d}': {e}"))?;
            derive_src.push((name.to_string(), expr.to_string()));
        }
        for a in &config.alerts {
            Alert::parse(a, &|_| Some(0)).map_err(|e| format!("alert '{a}': {e}"))?;
        }
        if !kind.numeric() && (!derive_src.is_empty() || !config.alerts.is_empty()) {
            return Err(
                "derived channels and alerts need numeric channels (a binary format or csv)".into(),
            );
        }
        let names = config.names.clone().unwrap_or_default();
        if names.len() > MAX_LIVE_CHANNELS {
            return Err(format!("at most {MAX_LIVE_CHANNELS} channel names"));
        }
        let width = match kind {
            Kind::Binary(_, channels) => Some(channels),
            _ => config.channels,
        };
        if let Some(w) = width.filter(|&w| !names.is_empty() && names.len() != w) {
            return Err(format!("{} names given for {w} channels", names.len()));
        }
        let (binary, fields) = match kind {
            Kind::Binary(ty, channels) => (
                Some(SampleDecoder::try_new(ty, channels).map_err(|e| e.to_string())?),
                FieldParser::with_names(names),
            ),
            Kind::Csv if names.is_empty() => (
                None,
                config
                    .channels
                    .map_or_else(FieldParser::new, FieldParser::with_width),
            ),
            _ => (None, FieldParser::with_names(names)),
        };
        let preamble = format!(
            "# scopekit capture of {} at {} baud, format {}\n",
            config.port.as_deref().unwrap_or("a Web Serial port"),
            config.baud.unwrap_or(115_200),
            config.format
        );
        let mut session = LiveSession {
            kind,
            binary,
            splitter: LineSplitter::new(),
            fields,
            derive_src,
            alert_src: config.alerts,
            derived: Vec::new(),
            alerts: Vec::new(),
            names: Vec::new(),
            ready: false,
            row: Vec::new(),
            scratch: Vec::new(),
            stats: None,
            window: config.window.unwrap_or(10_000).clamp(1, MAX_WINDOW),
            gaps: GapHistogram::new(),
            counts: Counts::default(),
            rate: config.rate,
            preamble,
            recording: Vec::new(),
            out_rows: Vec::new(),
            notes: Vec::new(),
            notes_shown: 0,
            alerts_shown: 0,
            now_ns: 0,
            now_ms: 0.0,
            last_byte_ms: None,
            line_no: 0,
            done: false,
            last_status: None,
        };
        if let Kind::Binary(_, channels) = kind {
            let names = session.fields.names();
            let names = if names.is_empty() {
                (0..channels).map(|i| format!("ch{i}")).collect()
            } else {
                names
            };
            session.start_channels(names)?;
        } else if kind == Kind::Csv && session.fields.width().is_some() {
            let names = session.fields.names();
            session.start_channels(names)?;
        }
        Ok(session)
    }

    fn set_time(&mut self, ms: f64) {
        let ms = if ms.is_finite() {
            ms.max(self.now_ms)
        } else {
            self.now_ms
        };
        self.now_ms = ms;
        // Saturating float → integer conversion.
        self.now_ns = (ms * 1e6) as u64;
    }

    fn note(&mut self, msg: String) {
        self.notes.push(msg);
    }

    /// The channels are known: resolve derived channels and alerts, write the CSV header.
    fn start_channels(&mut self, base: Vec<String>) -> Result<(), String> {
        let mut names: Vec<String> = base
            .iter()
            .map(|n| n.replace([',', '"', '\''], "_"))
            .collect();
        for (name, src) in &self.derive_src {
            let expr = Expr::parse(src, &|n| names.iter().position(|x| x == n))
                .map_err(|e| format!("derived channel {name}={src}: {e}"))?;
            self.derived.push(expr);
            names.push(name.clone());
        }
        for src in &self.alert_src {
            let alert = Alert::parse(src, &|n| names.iter().position(|x| x == n))
                .map_err(|e| format!("alert '{src}': {e}"))?;
            self.alerts.push(alert);
        }
        // Bound the statistics' memory (window × channels values).
        let window = self
            .window
            .min(MAX_STATS_VALUES / names.len().max(1))
            .max(1);
        self.stats = Some(RollingStats::new(names.len(), window));
        self.recording.extend_from_slice(self.preamble.as_bytes());
        let first = if matches!(self.kind, Kind::Binary(..)) {
            if let Some(rate) = self.rate {
                let _ = writeln!(Text(&mut self.recording), "Samplerate,{rate} Hz");
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
        self.names = names;
        self.ready = true;
        Ok(())
    }

    fn csv_line(&mut self, line: &[u8]) -> Result<(), String> {
        self.line_no += 1;
        let mut row = std::mem::take(&mut self.row);
        let parsed = self.fields.parse(line, &mut row);
        let result = match parsed {
            Parsed::Row => {
                if !self.ready {
                    let names = self.fields.names();
                    self.start_channels(names)?;
                }
                self.record(&row);
                Ok(())
            }
            Parsed::Header | Parsed::Skip => Ok(()),
            Parsed::Malformed(why) => {
                self.counts.malformed += 1;
                if self.notes_shown < MAX_NOTES {
                    self.notes_shown += 1;
                    let shown = String::from_utf8_lossy(&line[..line.len().min(60)]).into_owned();
                    let msg = format!("line {}: {why}: {}", self.line_no, shown.escape_debug());
                    self.note(msg);
                    if self.notes_shown == MAX_NOTES {
                        self.note("(further malformed lines are only counted)".into());
                    }
                }
                Ok(())
            }
        };
        self.row = row;
        result
    }

    /// One row of base channels: derive, alert, keep statistics, record, hand out.
    fn record(&mut self, base: &[f64]) {
        let mut row = std::mem::take(&mut self.scratch);
        row.clear();
        row.extend_from_slice(base);
        let mut stack = Vec::new();
        for expr in &self.derived {
            let v = expr.eval(&row, &mut stack);
            row.push(v);
        }
        let t = self.now_ns as f64 * 1e-9;
        let mut fired = Vec::new();
        for alert in &mut self.alerts {
            if alert.update(&row, &mut stack) {
                fired.push(alert.text.clone());
            }
        }
        for text in fired {
            self.alerts_shown += 1;
            if self.alerts_shown <= MAX_NOTES {
                let msg = format!("alert: {text} at {t:.3} s (row {})", self.counts.rows);
                self.note(msg);
                if self.alerts_shown == MAX_NOTES {
                    self.note("alert: further alerts are only counted".into());
                }
            }
        }
        if let Some(stats) = &mut self.stats {
            stats.push_row(&row);
        }
        {
            let mut out = Text(&mut self.recording);
            let _ = if matches!(self.kind, Kind::Binary(..)) {
                write!(out, "{}", self.counts.rows)
            } else {
                write!(out, "{t:.6}")
            };
        }
        let (integer, single) = match self.kind {
            Kind::Binary(ty, _) => (ty.is_integer(), ty == SampleType::F32Le),
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
        self.out_rows.extend_from_slice(&row);
        self.counts.rows += 1;
        self.scratch = row;
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
struct Text<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A cell as the CLI writes it: integers without a decimal point, f32 samples at f32
/// precision, NaN empty.
fn write_value(buf: &mut Vec<u8>, v: f64, integer: bool, single: bool) {
    if v.is_nan() {
        return;
    }
    let mut out = Text(buf);
    let _ = if integer {
        write!(out, "{}", v as i64)
    } else if single {
        write!(out, "{}", v as f32)
    } else {
        write!(out, "{v}")
    };
}

/// Pairs serialized as a map in their order (channel order, not sorted).
struct Ordered<V>(Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
struct AlertCount {
    events: u64,
    samples: u64,
}

#[derive(Serialize)]
struct Nmea {
    ok: u64,
    bad: u64,
    missing: u64,
}

/// The status line of `scopekit capture --json-lines` (docs/json-schema.md).
#[derive(Serialize)]
struct Status {
    #[serde(rename = "type")]
    kind: &'static str,
    state: &'static str,
    elapsed_s: f64,
    bytes: u64,
    bytes_per_s: f64,
    rows: u64,
    rows_per_s: f64,
    lines: u64,
    lines_per_s: f64,
    malformed: u64,
    partial: u64,
    dropped_bytes: u64,
    reconnects: u64,
    gap_p50_s: Option<f64>,
    gap_p95_s: Option<f64>,
    gap_p99_s: Option<f64>,
    nmea: Nmea,
    channels: Ordered<Option<ChannelSummary>>,
    alerts: Ordered<AlertCount>,
}
