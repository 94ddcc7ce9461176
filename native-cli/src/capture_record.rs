//! Recording of `scopekit capture`: the core's [`scopekit_core::live::Recorder`] decodes,
//! derives, alerts and keeps statistics; this file writes its recording to files and shows
//! its events. Recordings stay valid after every flush (see the core's module docs): CSV
//! rows for numeric channels, the bytes verbatim plus FILE.times.csv for text and raw.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use scopekit_core::live::StreamKind;
use scopekit_core::live::{
    self, Alert, ChannelSummary, Counts, Event, GapHistogram, RecorderConfig, RecorderError,
    Setting,
};

use crate::capture::CaptureArgs;
use crate::capture_view::View;
use crate::error::CliError;

/// Malformed lines shown before they are only counted.
const MALFORMED_SHOWN: u32 = 5;

/// A settings error of the core, named after the CLI's option.
pub fn usage(e: RecorderError) -> CliError {
    let (flag, sep) = match e.setting {
        Setting::Format => ("--format", ": "),
        Setting::Channels => ("--channels", " "),
        Setting::Names => ("--names", ": "),
        Setting::Derive => ("--derive", " "),
        Setting::Alert => ("--alert", " "),
        Setting::Rate => ("--rate", ": "),
    };
    CliError::usage(format!("{flag}{sep}{}", e.message))
}

/// The stream kind of `--format` and `--channels`.
pub fn stream_kind(args: &CaptureArgs) -> Result<StreamKind, CliError> {
    StreamKind::parse(&args.format, args.channels).map_err(usage)
}

/// The core recorder and the files its recording goes to.
pub struct Recorder {
    core: live::Recorder,
    out: Option<(PathBuf, File)>,
    times: Option<(PathBuf, File)>,
    malformed_shown: u32,
}

impl Recorder {
    /// Check the arguments and create the recording.
    pub fn new(args: &CaptureArgs, kind: StreamKind) -> Result<Self, CliError> {
        let preamble = format!(
            "# scopekit capture of {} at {} baud, format {}\n",
            args.port
                .as_deref()
                .map_or_else(String::new, |p| p.display().to_string()),
            args.baud,
            args.format
        );
        let core = live::Recorder::new(RecorderConfig {
            kind,
            names: args.names.clone().unwrap_or_default(),
            derive: args.derive.clone(),
            alerts: args.alert.clone(),
            window: args.window,
            rate: args.rate,
            preamble,
            record: args.out.is_some(),
            record_times: true,
        })
        .map_err(usage)?;
        let mut rec = Recorder {
            core,
            out: None,
            times: None,
            malformed_shown: 0,
        };
        if let Some(path) = &args.out {
            rec.out = Some((path.clone(), create(path)?));
            if !kind.numeric() {
                let times = PathBuf::from(format!("{}.times.csv", path.display()));
                let mut file = create(&times)?;
                writeln!(file, "# arrival of the bytes of {}", path.display())
                    .map_err(|e| CliError::io(&format!("{}: cannot write", times.display()), e))?;
                rec.times = Some((times, file));
            }
        }
        Ok(rec)
    }

    /// Channel names (base, then derived).
    pub fn names(&self) -> &[String] {
        self.core.names()
    }

    /// The counters.
    pub fn counts(&self) -> &Counts {
        self.core.counts()
    }

    /// Gaps between arriving bytes.
    pub fn gaps(&self) -> &GapHistogram {
        self.core.gaps()
    }

    /// Bytes waiting for the next flush.
    pub fn buffered(&mut self) -> usize {
        self.core.recording().len() + self.core.times().len()
    }

    /// Alert events so far.
    pub fn alert_events(&self) -> u64 {
        self.core.alert_events()
    }

    /// The alerts.
    pub fn alerts(&self) -> &[Alert] {
        self.core.alerts()
    }

    /// Rolling statistics of every channel.
    pub fn summary(&mut self) -> Vec<Option<ChannelSummary>> {
        self.core.summary()
    }

    /// Decode `bytes` that arrived at `at_ns` (ns since start).
    pub fn push(&mut self, bytes: &[u8], at_ns: u64, view: &mut View) -> Result<(), CliError> {
        let shown = &mut self.malformed_shown;
        self.core
            .push(bytes, at_ns, &mut |event| match event {
                Event::Malformed { line, why, text } => {
                    if *shown < MALFORMED_SHOWN {
                        *shown += 1;
                        let text = String::from_utf8_lossy(&text[..text.len().min(60)]);
                        view.note(&format!("line {line}: {why}: {}", text.escape_debug()));
                        if *shown == MALFORMED_SHOWN {
                            view.note("(further malformed lines are only counted)");
                        }
                    }
                }
                Event::Alert { text, time, row } => view.alert(text, time, row),
                Event::Row(_) => {}
            })
            .map_err(usage)
    }

    /// The device vanished at `at_ns`: cut off partial input (counted).
    pub fn disconnected(&mut self, at_ns: u64) {
        self.core.disconnected(at_ns);
    }

    /// The device is back at `at_ns`: mark the gap in the recording.
    pub fn reconnected(&mut self, at_ns: u64) {
        self.core.reconnected(at_ns);
    }

    /// Write what is buffered to the files (they are valid after every flush).
    pub fn flush(&mut self) -> Result<(), CliError> {
        write_out(&mut self.out, self.core.recording())?;
        write_out(&mut self.times, self.core.times())
    }

    /// The end: count partial input and flush.
    pub fn finish(&mut self) -> Result<(), CliError> {
        self.core.finish();
        self.flush()?;
        for (_, file) in self.out.iter_mut().chain(self.times.iter_mut()) {
            let _ = file.sync_data();
        }
        Ok(())
    }

    /// What the recording holds, for the last message.
    pub fn kept_note(&self) -> String {
        match (&self.out, self.core.kind().numeric()) {
            (None, _) => String::new(),
            (Some((path, _)), true) => {
                format!(" ({} rows in {})", self.counts().rows, path.display())
            }
            (Some((path, _)), false) => format!(
                " ({} bytes in {})",
                self.core.recorded_bytes(),
                path.display()
            ),
        }
    }
}

/// Append `buf` to the file (if any), then empty it.
fn write_out(file: &mut Option<(PathBuf, File)>, buf: &mut Vec<u8>) -> Result<(), CliError> {
    if let Some((path, file)) = file {
        if !buf.is_empty() {
            file.write_all(buf)
                .map_err(|e| CliError::io(&format!("{}: cannot write", path.display()), e))?;
        }
    }
    buf.clear();
    Ok(())
}

/// Create (truncate) the recording at its final name: it must survive a kill.
fn create(path: &Path) -> Result<File, CliError> {
    File::create(path).map_err(|e| CliError::io(&format!("{}: cannot create", path.display()), e))
}
