//! Live capture: `scopekit capture` in the page (Web Serial). Bytes go in as the port
//! delivers them, with their arrival time; rows come out (for the plot), and the same status
//! object and recording as the CLI's (`--json-lines`, `--out`) are kept. The parsing is
//! `scopekit_core::live`; this file wires it the way `native-cli/src/capture_record.rs`
//! does (both over `scopekit_core::live::Recorder`), with the recording in memory instead of a
//! file.

use scopekit_core::live::{
    ChannelSummary, Event, Recorder, RecorderConfig, RecorderError, Setting, StreamKind,
};
use serde::{Deserialize, Serialize, Serializer};
use wasm_bindgen::prelude::*;

use crate::to_js;

/// Milliseconds without a byte after which the status says `stalled` (as the CLI).
const STALL_AFTER_MS: f64 = 2000.0;
/// Notes (malformed lines, alerts) kept before they are only counted.
const MAX_NOTES: u32 = 20;

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

/// A live capture session: the core's recorder, plus the page's notes and status rates.
#[wasm_bindgen]
pub struct LiveSession {
    core: Recorder,
    /// Rows produced by the current push (flat, `names.len()` per row).
    out_rows: Vec<f64>,
    notes: Vec<String>,
    notes_shown: u32,
    alerts_shown: u32,
    now_ms: f64,
    last_byte_ms: Option<f64>,
    done: bool,
    /// Counters and time of the previous status (rates are over the interval since).
    last_status: Option<(f64, u64, u64, u64)>,
}

#[wasm_bindgen]
impl LiveSession {
    /// A session for `config`: `{format, channels?, names?, derive?: ["p=v*i"], alerts?:
    /// ["p>2.5"], window?, rate?, baud?, port?}`. Throws on bad settings.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<LiveSession, JsError> {
        let config: LiveConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| JsError::new(&format!("bad capture settings: {e}")))?;
        LiveSession::from_config(config).map_err(|e| JsError::new(&e))
    }

    /// Channel names (base, then derived) once known (a csv stream learns them from its
    /// first row); empty before, and for text and raw streams.
    pub fn names(&self) -> Vec<String> {
        self.core.names().to_vec()
    }

    /// Values per row returned by [`LiveSession::push`] (0 until the channels are known).
    pub fn width(&self) -> usize {
        self.core.names().len()
    }

    /// Decode `bytes` that arrived `arrival_ms` milliseconds after the session started (a
    /// monotonic clock such as `performance.now()`). Returns the new rows, flat
    /// (`width()` values each, base then derived channels; NaN for an empty cell).
    pub fn push(&mut self, bytes: &[u8], arrival_ms: f64) -> Result<Vec<f64>, JsError> {
        if self.done {
            return Err(JsError::new("the capture has ended"));
        }
        let at_ns = self.set_time(arrival_ms);
        if !bytes.is_empty() {
            self.last_byte_ms = Some(self.now_ms);
        }
        let (rows, notes) = (&mut self.out_rows, &mut self.notes);
        let (notes_shown, alerts_shown) = (&mut self.notes_shown, &mut self.alerts_shown);
        rows.clear();
        self.core
            .push(bytes, at_ns, &mut |event| match event {
                Event::Row(row) => rows.extend_from_slice(row),
                Event::Malformed { line, why, text } => {
                    let text = String::from_utf8_lossy(&text[..text.len().min(60)]);
                    let msg = format!("line {line}: {why}: {}", text.escape_debug());
                    note(
                        notes,
                        notes_shown,
                        msg,
                        "(further malformed lines are only counted)",
                    );
                }
                Event::Alert { text, time, row } => {
                    let msg = format!("alert: {text} at {time:.3} s (row {row})");
                    note(
                        notes,
                        alerts_shown,
                        msg,
                        "alert: further alerts are only counted",
                    );
                }
            })
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(std::mem::take(&mut self.out_rows))
    }

    /// The end of the stream at `now_ms`: an unterminated line or incomplete binary row is
    /// cut off and counted (`partial`, `dropped_bytes`); the status says `done`.
    pub fn finish(&mut self, now_ms: f64) {
        if self.done {
            return;
        }
        self.set_time(now_ms);
        self.core.finish();
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
        let c = *self.core.counts();
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
        let summary = self.core.summary();
        let channels = self.core.names().iter().cloned().zip(summary).collect();
        let alerts = self
            .core
            .alerts()
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
        let q = |p| self.core.gaps().quantile(p);
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
        std::mem::take(self.core.recording())
    }

    /// Messages since the previous call (malformed lines, alerts; the first
    /// `MAX_NOTES` of each, then a note that further ones are only counted).
    #[wasm_bindgen(js_name = takeNotes)]
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

impl LiveSession {
    fn from_config(config: LiveConfig) -> Result<LiveSession, String> {
        let kind = StreamKind::parse(&config.format, config.channels).map_err(|e| say(&e))?;
        let preamble = format!(
            "# scopekit capture of {} at {} baud, format {}\n",
            config.port.as_deref().unwrap_or("a Web Serial port"),
            config.baud.unwrap_or(115_200),
            config.format
        );
        let core = Recorder::new(RecorderConfig {
            kind,
            names: config.names.unwrap_or_default(),
            derive: config.derive,
            alerts: config.alerts,
            window: config.window.unwrap_or(10_000),
            rate: config.rate,
            preamble,
            record: true,
            record_times: false,
        })
        .map_err(|e| say(&e))?;
        Ok(LiveSession {
            core,
            out_rows: Vec::new(),
            notes: Vec::new(),
            notes_shown: 0,
            alerts_shown: 0,
            now_ms: 0.0,
            last_byte_ms: None,
            done: false,
            last_status: None,
        })
    }

    /// Move the clock to `ms` (never backwards); the time in ns since start.
    fn set_time(&mut self, ms: f64) -> u64 {
        if ms.is_finite() {
            self.now_ms = ms.max(self.now_ms);
        }
        // Saturating float → integer conversion.
        (self.now_ms * 1e6) as u64
    }
}

/// A settings error in the page's words (`derived channel 'x': ...`).
fn say(e: &RecorderError) -> String {
    let what = match e.setting {
        Setting::Format => "format:",
        Setting::Channels => "channels",
        Setting::Names => "names:",
        Setting::Derive => "derived channel",
        Setting::Alert => "alert",
        Setting::Rate => "rate:",
    };
    format!("{what} {}", e.message)
}

/// Keep `msg` unless [`MAX_NOTES`] were kept already (the last one kept says so).
fn note(notes: &mut Vec<String>, shown: &mut u32, msg: String, last: &str) {
    if *shown < MAX_NOTES {
        *shown += 1;
        notes.push(msg);
        if *shown == MAX_NOTES {
            notes.push(last.to_string());
        }
    }
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
