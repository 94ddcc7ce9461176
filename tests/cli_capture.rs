//! `scopekit capture` against pseudo-terminals fed by tests/serial_feeder.py (Python's
//! os.openpty): what is recorded must be exactly what was sent, across a SIGKILL, a
//! vanished device and a reconnection; real GPS receivers' NMEA streams come out intact.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use scopekit_tests::{bin, repo, scopekit, TempDir};
use serde_json::Value;

/// A pretend device: the feeder process, its pty behind `link`.
struct Feeder(Child);

impl Feeder {
    fn start(link: &Path, data: &Path, extra: &[&str]) -> Feeder {
        let mut child = Command::new("python3")
            .arg(repo().join("tests/serial_feeder.py"))
            .arg("--link")
            .arg(link)
            .arg("--data")
            .arg(data)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("run python3");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "feeder did not start");
        Feeder(child)
    }
}

/// A pretend device serving `bytes` from `dir/data` on the pty `dir/dev`, and the path
/// `dir/rec.csv` to record it to.
struct Device {
    _feeder: Feeder,
    port: String,
    rec: PathBuf,
}

impl Device {
    fn serve(dir: &TempDir, bytes: impl AsRef<[u8]>, extra: &[&str]) -> Device {
        std::fs::write(dir.path("data"), bytes).unwrap();
        let link = dir.path("dev");
        let _feeder = Feeder::start(&link, &dir.path("data"), extra);
        Device {
            _feeder,
            port: link.to_str().unwrap().to_owned(),
            rec: dir.path("rec.csv"),
        }
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn capture(args: &[&str]) -> Output {
    Command::new(bin())
        .arg("capture")
        .args(args)
        .output()
        .expect("run scopekit")
}

/// The last status object of `--json-lines` output.
fn final_status(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .rfind(|v| v["type"] == "status")
        .unwrap_or_else(|| panic!("no status in {text}"));
    assert_eq!(last["state"], "done");
    last
}

/// Data rows of a recorded CSV (comment, metadata and header lines dropped).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .filter(|l| !l.starts_with("Samplerate"))
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn info_json(path: &Path) -> Value {
    let out = scopekit(&["info", "--json", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "info: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn nmea_streams_replay_intact() {
    let dir = TempDir::new("capture-nmea");
    let data = repo().join("../shared/data/serial");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(data.join("expected.json")).unwrap()).unwrap();
    for (name, facts) in expected.as_object().unwrap() {
        let link = dir.path(&format!("{name}.dev"));
        let rec = dir.path(&format!("{name}.rec"));
        let _feeder = Feeder::start(
            &link,
            &data.join(name),
            &["--rate", "4800", "--chunk", "64", "--wait-for", "GO"],
        );
        let out = capture(&[
            "--port",
            link.to_str().unwrap(),
            "--baud",
            "4800",
            "--format",
            "text",
            "--send",
            "GO\\r\\n",
            "--out",
            rec.to_str().unwrap(),
            "--json-lines",
            "--quiet",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("device vanished"), "{name}: {stderr}");
        assert_eq!(
            std::fs::read(&rec).unwrap(),
            std::fs::read(data.join(name)).unwrap(),
            "{name}: bytes differ"
        );
        let s = final_status(&out);
        let tail = u64::from(!facts["unterminated_tail"].as_str().unwrap().is_empty());
        assert_eq!(s["bytes"], facts["bytes"], "{name}");
        assert_eq!(
            s["lines"].as_u64().unwrap() + tail,
            facts["lines"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(s["partial"].as_u64().unwrap(), tail, "{name}");
        assert_eq!(s["nmea"]["ok"], facts["checksum_ok"], "{name}");
        assert_eq!(s["nmea"]["bad"], facts["checksum_bad"], "{name}");
        assert_eq!(s["nmea"]["missing"], facts["checksum_missing"], "{name}");
        assert!(
            s["gap_p50_s"].as_f64().unwrap() > 0.0,
            "{name}: gaps measured"
        );
        // The arrival-time sidecar accounts for every byte.
        let times = csv_rows(Path::new(&format!("{}.times.csv", rec.display())));
        let total: u64 = times.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
        assert_eq!(total, facts["bytes"].as_u64().unwrap());
    }
}

/// `rows` rows of two i16 channels, little-endian interleaved.
fn i16_stream(rows: i32) -> (Vec<u8>, Vec<[i16; 2]>) {
    let values: Vec<[i16; 2]> = (0..rows)
        .map(|i| [((i * 37) % 65536 - 32768) as i16, (i % 1000 - 500) as i16])
        .collect();
    let bytes = values
        .iter()
        .flat_map(|[a, b]| [a.to_le_bytes(), b.to_le_bytes()].concat())
        .collect();
    (bytes, values)
}

#[test]
fn binary_samples_are_recorded_exactly() {
    let dir = TempDir::new("capture-bin");
    let (mut bytes, values) = i16_stream(20_000);
    bytes.push(0x55); // half a sample: dropped and counted
    let dev = Device::serve(
        &dir,
        &bytes,
        &["--rate", "100000", "--chunk", "1000", "--wait-for", "GO"],
    );
    let out = capture(&[
        "--port",
        &dev.port,
        "--baud",
        "3000000",
        "--format",
        "i16le",
        "--channels",
        "2",
        "--names",
        "v,i",
        "--rate",
        "1000",
        "--send",
        "GO",
        "--derive",
        "p=v*i/1000",
        "--alert",
        "p>10000",
        "--out",
        dev.rec.to_str().unwrap(),
        "--json-lines",
    ]);
    assert_eq!(out.status.code(), Some(1), "a vanished device is an error");
    let s = final_status(&out);
    assert_eq!(s["rows"], 20_000);
    assert_eq!(s["dropped_bytes"], 1);
    assert!(s["channels"]["p"]["max"].as_f64().is_some());
    let rows = csv_rows(&dev.rec);
    assert_eq!(rows.len(), values.len());
    let mut events = 0;
    let mut active = false;
    for (n, (row, [v, i])) in rows.iter().zip(&values).enumerate() {
        let p = f64::from(*v) * f64::from(*i) / 1000.0;
        assert_eq!(
            row[..3],
            [n.to_string(), v.to_string(), i.to_string()],
            "row {n}"
        );
        assert_eq!(row[3].parse::<f64>().unwrap(), p);
        events += u64::from(p > 10000.0 && !active);
        active = p > 10000.0;
    }
    assert_eq!(s["alerts"]["p>10000"]["events"], events);
    let info = info_json(&dev.rec);
    assert_eq!(info["sample_rate"], 1000.0, "{info}");
}

#[test]
fn csv_lines_keep_the_valid_and_count_the_rest() {
    let dir = TempDir::new("capture-csv");
    let text = "boot v1.2\r\nvolts,amps\r\n1.5,0.25\r\n2,0.5\r\n3,oops\r\n\x01\u{ff}garbage\r\n4,1,9\r\n5,2\r\n6,";
    let dev = Device::serve(&dir, text, &["--chunk", "3", "--wait-for", "GO"]);
    let out = capture(&[
        "--port",
        &dev.port,
        "--baud",
        "9600",
        "--send",
        "GO",
        "--derive",
        "w=volts*amps",
        "--alert",
        "w >= 10",
        "--fail-on-alert",
        "--out",
        dev.rec.to_str().unwrap(),
        "--json-lines",
        "--quiet",
    ]);
    let s = final_status(&out);
    assert_eq!(
        (
            s["rows"].as_u64(),
            s["malformed"].as_u64(),
            s["partial"].as_u64()
        ),
        (Some(3), Some(3), Some(1)),
        "{s}"
    );
    let rows: Vec<Vec<String>> = csv_rows(&dev.rec)
        .into_iter()
        .map(|r| r[1..].to_vec())
        .collect();
    assert_eq!(
        rows,
        [
            ["1.5", "0.25", "0.375"],
            ["2", "0.5", "1"],
            ["5", "2", "10"]
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("field 2 is not a number: 'oops'"),
        "{stderr}"
    );
    assert!(stderr.contains("alert: w >= 10"), "{stderr}");
    let info = info_json(&dev.rec);
    assert_eq!(info["channels"], 3, "{info}");
}

#[test]
fn sigkill_keeps_every_flushed_sample() {
    let dir = TempDir::new("capture-kill");
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let dev = Device::serve(
        &dir,
        &bytes,
        &["--rate", "20000", "--chunk", "200", "--end", "hold"],
    );
    let mut child = Command::new(bin())
        .args(["capture", "--port", &dev.port, "--format", "u8", "--quiet"])
        .arg("--out")
        .arg(&dev.rec)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let rows = csv_rows(&dev.rec);
    assert!(
        rows.len() > 5_000,
        "only {} rows survived 1.5 s at 20000/s",
        rows.len()
    );
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row, &[n.to_string(), bytes[n].to_string()], "row {n}");
    }
    let out = scopekit(&["stats", "--json", dev.rec.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["info"]["samples"].as_u64(), Some(rows.len() as u64));
}

#[test]
fn ctrl_c_ends_cleanly_and_sends_the_exit_command() {
    let dir = TempDir::new("capture-int");
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 199) as u8).collect();
    let log = dir.path("received");
    let dev = Device::serve(
        &dir,
        &bytes,
        &[
            "--chunk",
            "1000",
            "--end",
            "hold",
            "--log-received",
            log.to_str().unwrap(),
        ],
    );
    let child = Command::new(bin())
        .args(["capture", "--port", &dev.port, "--format", "u8"])
        .args(["--send-on-exit", "STOP\\n", "--json-lines", "--out"])
        .arg(&dev.rec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(stderr.contains("interrupted"), "{stderr}");
    let status = final_status(&out);
    assert_eq!(status["rows"], 100_000, "{status}");
    let rows = csv_rows(&dev.rec);
    assert_eq!(rows.len(), 100_000);
    assert_eq!(
        rows[99_999],
        ["99999".to_string(), (99_999 % 199).to_string()]
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::fs::read(&log).unwrap_or_default() != b"STOP\n" {
        assert!(
            std::time::Instant::now() < deadline,
            "the device got {:?}",
            String::from_utf8_lossy(&std::fs::read(&log).unwrap_or_default())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn reconnect_continues_the_recording_and_marks_the_gap() {
    let dir = TempDir::new("capture-replug");
    let (bytes, values) = i16_stream(3_000);
    // Vanish after 1001 rows and a half (the half row is dropped), come back 1 s later.
    let dev = Device::serve(
        &dir,
        &bytes,
        &[
            "--chunk",
            "500",
            "--wait-for",
            "GO",
            "--replug-at",
            "4006",
            "--end",
            "hold",
        ],
    );
    let out = capture(&[
        "--port",
        &dev.port,
        "--format",
        "i16le",
        "--channels",
        "2",
        "--send",
        "GO",
        "--reconnect",
        "--duration",
        "4",
        "--out",
        dev.rec.to_str().unwrap(),
        "--json-lines",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = final_status(&out);
    assert_eq!(
        (s["reconnects"].as_u64(), s["dropped_bytes"].as_u64()),
        (Some(1), Some(4))
    );
    let rows = csv_rows(&dev.rec);
    assert_eq!(
        rows.len(),
        3_000,
        "1001 + 1998 whole samples and one gap row"
    );
    let gap = rows.iter().position(|r| r[1].is_empty()).unwrap();
    assert_eq!(gap, 1001);
    assert_eq!(rows[gap], ["1001", "", ""]);
    // After the gap the stream restarts mid-row: the half row it cut is gone.
    let after: Vec<i16> = rows[gap + 1..]
        .iter()
        .map(|r| r[1].parse().unwrap())
        .collect();
    assert_eq!(after.len(), 1998);
    assert!(rows[..gap]
        .iter()
        .zip(&values)
        .all(|(r, v)| r[1] == v[0].to_string()));
}

#[test]
fn bad_ports_get_clear_messages() {
    let dir = TempDir::new("capture-ports");
    let out = capture(&["--port", "/dev/does-not-exist"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such serial port"));
    let out = capture(&["--port", dir.path("plain").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = capture(&["--port", "/dev/null", "--format", "i64"]);
    assert_eq!(out.status.code(), Some(2));
    let out = capture(&["--port", "/dev/null", "--derive", "x=(1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--derive"));
    assert!(capture(&["--list"]).status.success());

    // Busy: a second capture of the same device.
    let dev = Device::serve(&dir, b"1\n", &["--end", "hold"]);
    let mut first = Command::new(bin())
        .args(["capture", "--quiet", "--port", &dev.port])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let out = capture(&["--port", &dev.port]);
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("busy"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wrong_baud_garbage_is_counted_not_recorded() {
    let dir = TempDir::new("capture-garbage");
    // What a 9600 baud line looks like read at 115200: bytes without structure.
    let garbage: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let dev = Device::serve(&dir, &garbage, &["--wait-for", "GO"]);
    let out = capture(&[
        "--port",
        &dev.port,
        "--send",
        "GO",
        "--out",
        dev.rec.to_str().unwrap(),
        "--json-lines",
        "--quiet",
    ]);
    let s = final_status(&out);
    assert_eq!(s["rows"], 0);
    let lines = s["lines"].as_u64().unwrap();
    assert!(
        lines > 0 && s["malformed"].as_u64().unwrap() + 1 >= lines,
        "{s}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed lines are only counted"));
}
