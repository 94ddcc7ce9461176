//! What `scopekit capture` shows: a live view on stderr (redrawn in place on a terminal,
//! one line per second otherwise), and with `--json-lines` one JSON status object per
//! second on stdout (see docs/json-schema.md).

use std::io::{IsTerminal as _, Write as _};
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::capture::CaptureArgs;
use crate::capture_record::Recorder;

/// Alert events printed before they are only counted.
const MAX_ALERTS_SHOWN: u64 = 20;

/// The live view and the status stream.
pub struct View {
    quiet: bool,
    json: bool,
    terminal: bool,
    port: String,
    format: String,
    /// Lines of the last in-place view (to redraw over them).
    drawn: usize,
    last: Option<Duration>,
    last_bytes: u64,
    last_rows: u64,
    last_lines: u64,
    alerts_shown: u64,
}

impl View {
    /// A view for these arguments.
    pub fn new(args: &CaptureArgs, port: &str) -> Self {
        View {
            quiet: args.quiet,
            json: args.json_lines,
            terminal: std::io::stderr().is_terminal(),
            port: port.to_string(),
            format: args.format.clone(),
            drawn: 0,
            last: None,
            last_bytes: 0,
            last_rows: 0,
            last_lines: 0,
            alerts_shown: 0,
        }
    }

    fn clear(&mut self) {
        if self.drawn > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\x1b[{}A\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    /// A message for the user (always printed, above the view).
    pub fn note(&mut self, msg: &str) {
        self.clear();
        eprintln!("capture: {msg}");
        if self.json {
            self.emit(&json!({"type": "note", "message": msg}));
        }
    }

    /// An alert became true at `t` seconds, on row `row`.
    pub fn alert(&mut self, text: &str, t: f64, row: u64) {
        self.alerts_shown += 1;
        if self.alerts_shown <= MAX_ALERTS_SHOWN {
            self.clear();
            eprintln!("alert: {text} at {t:.3} s (row {row})");
            if self.alerts_shown == MAX_ALERTS_SHOWN {
                eprintln!("alert: further alerts are only counted");
            }
        }
        if self.json {
            self.emit(&json!({"type": "alert", "alert": text, "time_s": t, "row": row}));
        }
    }

    fn emit(&self, value: &Value) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{value}").and_then(|()| out.flush());
    }

    /// Once a second (and at the end): refresh the view, print a status object.
    pub fn tick(&mut self, elapsed: Duration, stalled: bool, rec: &mut Recorder, last: bool) {
        let due = self
            .last
            .is_none_or(|t| elapsed >= t + Duration::from_secs(1));
        if !(due || last) || (self.quiet && !self.json) {
            return;
        }
        let span = elapsed
            .saturating_sub(self.last.unwrap_or_default())
            .as_secs_f64()
            .max(1e-3);
        self.last = Some(elapsed);
        let c = *rec.counts();
        let bytes_s = (c.bytes - self.last_bytes) as f64 / span;
        let rows_s = (c.rows - self.last_rows) as f64 / span;
        let lines_s = (c.lines - self.last_lines) as f64 / span;
        (self.last_bytes, self.last_rows, self.last_lines) = (c.bytes, c.rows, c.lines);
        let summary = rec.summary();
        let names = rec.names().to_vec();
        let mut channels = Map::new();
        for (name, s) in names.iter().zip(&summary) {
            channels.insert(name.clone(), s.map_or(Value::Null, |s| json!(s)));
        }
        let q = |p| rec.gaps().quantile(p);
        let state = if last {
            "done"
        } else if stalled {
            "stalled"
        } else {
            "running"
        };
        let mut alerts = Map::new();
        for a in rec.alerts() {
            alerts.insert(
                a.text.clone(),
                json!({"events": a.events(), "samples": a.samples()}),
            );
        }
        if self.json {
            self.emit(&json!({
                "type": "status",
                "state": state,
                "elapsed_s": elapsed.as_secs_f64(),
                "bytes": c.bytes,
                "bytes_per_s": bytes_s,
                "rows": c.rows,
                "rows_per_s": rows_s,
                "lines": c.lines,
                "lines_per_s": lines_s,
                "malformed": c.malformed,
                "partial": c.partial,
                "dropped_bytes": c.dropped_bytes,
                "reconnects": c.gaps,
                "gap_p50_s": q(0.5),
                "gap_p95_s": q(0.95),
                "gap_p99_s": q(0.99),
                "nmea": {"ok": c.nmea[0], "bad": c.nmea[1], "missing": c.nmea[2]},
                "channels": channels,
                "alerts": alerts,
            }));
        }
        if self.quiet {
            return;
        }
        let mut text = format!(
            "{} {} {state} {:.0} s: {} bytes ({:.0} B/s)",
            self.port,
            self.format,
            elapsed.as_secs_f64(),
            c.bytes,
            bytes_s
        );
        if rec.names().is_empty() {
            text += &format!(", {} lines ({lines_s:.0}/s)", c.lines);
        } else {
            text += &format!(", {} samples ({rows_s:.0}/s)", c.rows);
        }
        text += &format!(", {} malformed", c.malformed);
        if c.gaps > 0 {
            text += &format!(", {} reconnects", c.gaps);
        }
        if let (Some(p50), Some(p95), Some(p99)) = (q(0.5), q(0.95), q(0.99)) {
            text += &format!(
                ", gap p50/p95/p99 {} / {} / {}",
                secs(p50),
                secs(p95),
                secs(p99)
            );
        }
        if c.nmea.iter().any(|&n| n > 0) {
            text += &format!(
                ", nmea ok/bad/missing {}/{}/{}",
                c.nmea[0], c.nmea[1], c.nmea[2]
            );
        }
        let mut block = vec![text];
        for (name, s) in names.iter().zip(&summary) {
            block.push(match s {
                Some(s) => format!(
                    "  {name:>12}  min {:<12.6} max {:<12.6} mean {:<12.6} p99 {:<12.6}",
                    s.min, s.max, s.mean, s.p99
                ),
                None => format!("  {name:>12}  (no finite samples)"),
            });
        }
        for a in rec.alerts() {
            block.push(format!("  alert {}: {} events", a.text, a.events()));
        }
        let mut err = std::io::stderr().lock();
        if self.terminal {
            if self.drawn > 0 {
                let _ = write!(err, "\x1b[{}A\x1b[J", self.drawn);
            }
            for line in &block {
                let _ = writeln!(err, "{line}");
            }
            self.drawn = block.len();
        } else {
            let _ = writeln!(err, "{}", block[0]);
        }
    }

    /// The last words on stderr.
    pub fn summary(&mut self, rec: &Recorder, elapsed: Duration) {
        if self.quiet {
            return;
        }
        self.drawn = 0;
        let c = rec.counts();
        eprintln!(
            "capture: {} bytes, {} samples, {} lines, {} malformed, {} partial, {} bytes dropped, {} alert events in {:.1} s{}",
            c.bytes,
            c.rows,
            c.lines,
            c.malformed,
            c.partial,
            c.dropped_bytes,
            rec.alert_events(),
            elapsed.as_secs_f64(),
            rec.kept_note()
        );
    }
}

fn secs(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}
