//! `scopekit capture`: record a serial device live. This file holds the arguments, the port
//! handling (open, send, read, reconnect) and the main loop; [`capture_record`](crate::capture_record) decodes and
//! records, [`capture_view`](crate::capture_view) reports. The parsing itself is `scopekit_core::live`.
//!
//! Nothing is lost: the recording is written straight to its final name and flushed at
//! least every [`FLUSH_EVERY`], so Ctrl-C, SIGKILL, an unplugged device or a read error
//! leave a file holding every sample received up to the last flush.

use std::io::{ErrorKind as IoKind, Read as _, Write as _};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serialport::{SerialPort, SerialPortType};

use crate::capture_record::{stream_kind, Recorder};
use crate::capture_view::View;
use crate::error::CliError;

/// Longest time between two flushes of the recording.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);
/// How long one read waits for data (bounds the reaction time of the loop).
const READ_TIMEOUT: Duration = Duration::from_millis(50);
/// How often a vanished device is looked for with `--reconnect`.
const RECONNECT_EVERY: Duration = Duration::from_millis(250);
/// Seconds without a byte after which the view says the stream stopped.
const STALL_AFTER: Duration = Duration::from_secs(2);

/// Arguments of `scopekit capture`.
#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    /// List the serial ports (with USB vendor:product ids where known) and exit.
    #[arg(long)]
    pub list: bool,
    /// The serial device (/dev/ttyUSB0, /dev/ttyACM0, a pseudo-terminal...).
    #[arg(long, value_name = "PATH", required_unless_present = "list")]
    pub port: Option<PathBuf>,
    /// Line speed in baud.
    #[arg(long, value_name = "N", default_value_t = 115_200)]
    pub baud: u32,
    /// What the device sends: binary samples (u8, i16le, i16be, u16le, i32le, f32le;
    /// interleaved channels), csv (lines of numeric fields), text (lines, kept verbatim) or
    /// raw (bytes, kept verbatim).
    #[arg(long, default_value = "csv", value_parser = ["u8", "i16le", "i16be", "u16le", "i32le", "f32le", "csv", "text", "raw"])]
    pub format: String,
    /// Channels per row: interleaved channels of a binary stream (default 1); fields per
    /// line of csv (default: from the first row).
    #[arg(long, value_name = "K")]
    pub channels: Option<usize>,
    /// Channel names, comma-separated (default: a csv header line, else ch0, ch1...).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    pub names: Option<Vec<String>>,
    /// Samples per second of a binary stream (recorded as the file's sample rate).
    #[arg(long, value_name = "HZ")]
    pub rate: Option<f64>,
    /// Record into this file: CSV for numeric channels; the bytes verbatim for text and
    /// raw (with arrival times in FILE.times.csv).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Stop after this long (90, 90s, 15m, 2h; default: until Ctrl-C or the device goes).
    #[arg(long, value_name = "T", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Send this on connecting (escapes: \n \r \t \\ \xHH), e.g. a start command.
    #[arg(long, value_name = "STRING")]
    pub send: Option<String>,
    /// Send this before closing the port at a normal end (--duration, Ctrl-C or SIGTERM,
    /// a stop by alert).
    #[arg(long, value_name = "STRING")]
    pub send_on_exit: Option<String>,
    /// A derived channel NAME=EXPR over channel names (+ - * / parentheses numbers);
    /// repeatable; recorded as an extra column.
    #[arg(long, value_name = "NAME=EXPR")]
    pub derive: Vec<String>,
    /// An alert condition such as "power>2.5" (> >= < <= == !=); repeatable; printed and
    /// counted each time it becomes true.
    #[arg(long, value_name = "COND")]
    pub alert: Vec<String>,
    /// Exit with status 1 if any alert fired.
    #[arg(long)]
    pub fail_on_alert: bool,
    /// When the device vanishes, wait for it to come back and continue the same recording
    /// (a row of empty cells marks each gap).
    #[arg(long)]
    pub reconnect: bool,
    /// No live view on stderr (errors and alerts are still printed).
    #[arg(long)]
    pub quiet: bool,
    /// Print one JSON status object per second on stdout (and one at the end).
    #[arg(long)]
    pub json_lines: bool,
    /// Rows in the rolling statistics window.
    #[arg(long, value_name = "ROWS", default_value_t = 10_000)]
    pub window: usize,
}

/// `90`, `90s`, `250ms`, `15m`, `2h`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((s, "s"), |i| s.split_at(i));
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (90, 90s, 250ms, 15m, 2h)"))?;
    let scale = match unit {
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit '{unit}' (ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(v * scale).map_err(|e| format!("'{s}': {e}"))
}

/// Decode `\n \r \t \\ \xHH` escapes.
fn unescape(s: &str) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::new();
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let v = std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| CliError::usage(format!("bad \\x escape in '{s}'")))?;
                out.push(v);
            }
            _ => {
                return Err(CliError::usage(format!(
                    "bad escape in '{s}' (\\n \\r \\t \\\\ \\xHH)"
                )))
            }
        }
    }
    Ok(out)
}

/// Run `scopekit capture`.
pub fn run(args: CaptureArgs) -> Result<(), CliError> {
    if args.list {
        return list();
    }
    let Some(path) = args.port.clone() else {
        return Err(CliError::usage("capture needs --port PATH (or --list)"));
    };
    let kind = stream_kind(&args)?;
    let send = args.send.as_deref().map(unescape).transpose()?;
    let send_on_exit = args.send_on_exit.as_deref().map(unescape).transpose()?;
    let mut recorder = Recorder::new(&args, kind)?;
    crate::interrupt::install();
    let port_name = path.display().to_string();
    let mut port = Some(open(&port_name, args.baud)?);
    let mut view = View::new(&args, &port_name);
    let start = Instant::now();
    let mut connected_at = start;
    if let (Some(cmd), Some(p)) = (&send, port.as_mut()) {
        write_command(p.as_mut(), cmd)?;
    }
    let mut buf = vec![0u8; 64 << 10];
    let mut last_flush = start;
    let mut last_byte = start;
    let mut end = End::Duration;
    let mut failure = None;
    loop {
        let now = Instant::now();
        if args.duration.is_some_and(|d| now - start >= d) {
            break;
        }
        if crate::interrupt::requested() {
            view.note("interrupted: stopping (a second Ctrl-C ends at once)");
            break;
        }
        let Some(p) = port.as_mut() else {
            break;
        };
        let read = p.read(&mut buf);
        let now = Instant::now();
        let ns = u64::try_from((now - start).as_nanos()).unwrap_or(u64::MAX);
        let lost = match read {
            Ok(0) => Some(String::from("the device closed the stream")),
            Ok(n) => {
                last_byte = now;
                if let Err(e) = recorder.push(&buf[..n], ns, &mut view) {
                    let _ = recorder.finish();
                    return Err(e);
                }
                None
            }
            Err(e)
                if matches!(
                    e.kind(),
                    IoKind::TimedOut | IoKind::Interrupted | IoKind::WouldBlock
                ) =>
            {
                None
            }
            Err(e) => Some(describe_read_error(&e)),
        };
        if now - last_flush >= FLUSH_EVERY || recorder.buffered() > (1 << 20) {
            recorder.flush()?;
            last_flush = now;
        }
        view.tick(
            now - start,
            now - last_byte >= STALL_AFTER,
            &mut recorder,
            false,
        );
        if let Some(why) = lost {
            recorder.flush()?;
            view.note(&format!(
                "{port_name}: {why} after {:.1} s",
                (now - connected_at).as_secs_f64()
            ));
            if !args.reconnect {
                end = End::Lost;
                failure = Some(format!("{port_name}: {why}"));
                break;
            }
            recorder.disconnected(ns);
            port = None;
            match wait_for_device(
                &port_name,
                args.baud,
                start,
                args.duration,
                &mut view,
                &mut recorder,
            ) {
                Some(p) => {
                    let p = port.insert(p);
                    connected_at = Instant::now();
                    let at = u64::try_from((connected_at - start).as_nanos()).unwrap_or(u64::MAX);
                    recorder.reconnected(at);
                    view.note(&format!("{port_name}: back, recording continues"));
                    if let Some(cmd) = &send {
                        write_command(p.as_mut(), cmd)?;
                    }
                    continue;
                }
                None => {
                    end = End::Duration;
                    recorder.flush()?;
                    break;
                }
            }
        }
    }
    if end == End::Duration {
        if let (Some(cmd), Some(p)) = (&send_on_exit, port.as_mut()) {
            if let Err(e) = write_command(p.as_mut(), cmd) {
                view.note(&format!("{e}"));
            }
        }
    }
    let finish = recorder.finish();
    let elapsed = start.elapsed();
    view.tick(elapsed, false, &mut recorder, true);
    finish?;
    view.summary(&recorder, elapsed);
    if let Some(why) = failure {
        return Err(CliError::msg(format!(
            "{why}; the recording keeps everything received{}",
            recorder.kept_note()
        )));
    }
    if args.fail_on_alert && recorder.alert_events() > 0 {
        return Err(CliError::msg(format!(
            "{} alert(s) fired (--fail-on-alert)",
            recorder.alert_events()
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The run ended as asked (duration, or the device never came back in time).
    Duration,
    /// The device vanished or failed.
    Lost,
}

/// Poll for the device until it opens again or the duration ends.
fn wait_for_device(
    name: &str,
    baud: u32,
    start: Instant,
    duration: Option<Duration>,
    view: &mut View,
    recorder: &mut Recorder,
) -> Option<Box<dyn SerialPort>> {
    view.note(&format!(
        "{name}: waiting for the device to come back (--reconnect)"
    ));
    loop {
        let now = Instant::now();
        if duration.is_some_and(|d| now - start >= d) || crate::interrupt::requested() {
            return None;
        }
        if let Ok(p) = open(name, baud) {
            return Some(p);
        }
        view.tick(now - start, true, recorder, false);
        std::thread::sleep(RECONNECT_EVERY);
    }
}

/// Open the port with a clear message for each way it can fail.
fn open(name: &str, baud: u32) -> Result<Box<dyn SerialPort>, CliError> {
    let path = std::path::Path::new(name);
    if !path.exists() {
        return Err(CliError::msg(format!(
            "{name}: no such serial port (`scopekit capture --list` shows the ports)"
        )));
    }
    serialport::new(name, baud)
        .timeout(READ_TIMEOUT)
        .open()
        .map_err(|e| {
            use serialport::ErrorKind as K;
            let why = match e.kind {
                K::NoDevice if e.description.contains("lock") => {
                    "busy: another program has the port open".to_string()
                }
                K::NoDevice => format!("busy or gone ({})", e.description),
                K::Io(IoKind::PermissionDenied) => {
                    "permission denied (join the group owning the device, e.g. dialout or uucp)"
                        .to_string()
                }
                K::Io(IoKind::NotFound) => "no such serial port".to_string(),
                K::InvalidInput => format!("not usable as a serial port ({})", e.description),
                _ => format!("cannot open: {}", e.description),
            };
            CliError::msg(format!("{name}: {why}"))
        })
}

fn describe_read_error(e: &std::io::Error) -> String {
    match e.kind() {
        IoKind::BrokenPipe => "the device vanished (unplugged or closed)".to_string(),
        _ if e.raw_os_error() == Some(5) => "the device vanished (I/O error)".to_string(),
        _ => format!("read error: {e}"),
    }
}

fn write_command(port: &mut dyn SerialPort, cmd: &[u8]) -> Result<(), CliError> {
    port.write_all(cmd)
        .and_then(|()| port.flush())
        .map_err(|e| CliError::io("cannot send to the port", e))
}

/// `--list`: the ports, with USB ids where known.
fn list() -> Result<(), CliError> {
    let ports = serialport::available_ports()
        .map_err(|e| CliError::msg(format!("cannot list serial ports: {e}")))?;
    let mut text = String::new();
    if ports.is_empty() {
        text.push_str("no serial ports found\n");
    }
    for p in ports {
        let what = match p.port_type {
            SerialPortType::UsbPort(u) => {
                let mut s = format!("usb {:04x}:{:04x}", u.vid, u.pid);
                for part in [
                    u.manufacturer,
                    u.product,
                    u.serial_number.map(|n| format!("serial {n}")),
                ]
                .into_iter()
                .flatten()
                {
                    s.push_str("  ");
                    s.push_str(&part);
                }
                s
            }
            SerialPortType::PciPort => "pci".to_string(),
            SerialPortType::BluetoothPort => "bluetooth".to_string(),
            SerialPortType::Unknown => "unknown".to_string(),
        };
        text.push_str(&format!("{}\t{what}\n", p.port_name));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write output", e))
}
