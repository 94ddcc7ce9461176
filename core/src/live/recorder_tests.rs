use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;

fn config(kind: StreamKind) -> RecorderConfig {
    RecorderConfig {
        kind,
        names: Vec::new(),
        derive: Vec::new(),
        alerts: Vec::new(),
        window: 100,
        rate: None,
        preamble: "# test\n".to_string(),
        record: true,
        record_times: true,
    }
}

/// Push `input` in pieces of `step` bytes, one millisecond apart; the recording, times,
/// counts and events.
fn run(cfg: RecorderConfig, input: &[u8], step: usize) -> (String, String, Counts, Vec<String>) {
    let mut rec = Recorder::new(cfg).unwrap();
    let mut events = Vec::new();
    for (i, piece) in input.chunks(step).enumerate() {
        rec.push(piece, i as u64 * 1_000_000, &mut |e| match e {
            Event::Row(r) => events.push(alloc::format!("row {r:?}")),
            Event::Alert { text, row, .. } => events.push(alloc::format!("alert {text} {row}")),
            Event::Malformed { line, .. } => events.push(alloc::format!("malformed {line}")),
        })
        .unwrap();
    }
    rec.finish();
    let out = String::from_utf8(core::mem::take(rec.recording())).unwrap();
    let times = String::from_utf8(core::mem::take(rec.times())).unwrap();
    (out, times, *rec.counts(), events)
}

#[test]
fn binary_rows_derived_channels_and_alerts_do_not_depend_on_splits() {
    let mut cfg = config(StreamKind::Binary(SampleType::I16Le, 2));
    cfg.names = vec!["v".into(), "i".into()];
    cfg.derive = vec!["p=v*i".into()];
    cfg.alerts = vec!["p>100".into()];
    cfg.rate = Some(1000.0);
    let mut input = Vec::new();
    for k in 0i16..50 {
        input.extend_from_slice(&k.to_le_bytes());
        input.extend_from_slice(&((k % 7) - 3).to_le_bytes());
    }
    input.push(9); // an incomplete row, dropped at the end
    let (out, _, counts, events) = run(cfg.clone(), &input, input.len());
    assert!(out.starts_with("# test\nSamplerate,1000 Hz\nsample,v,i,p\n0,0,-3,-0\n"));
    assert_eq!(counts.rows, 50);
    assert_eq!(counts.dropped_bytes, 1);
    assert!(events.iter().any(|e| e.starts_with("alert p>100")));
    for step in [1, 3, 4, 7] {
        let (o, _, c, e) = run(cfg.clone(), &input, step);
        assert_eq!((o.as_str(), c, &e), (out.as_str(), counts, &events));
    }
}

#[test]
fn csv_learns_names_counts_malformed_and_partial_lines() {
    let input = b"boot banner\nvolts,amps\n1,2\n3,x\n5,6\n7,8";
    let (out, _, counts, events) = run(config(StreamKind::Csv(None)), input, 5);
    assert!(out.starts_with("# test\ntime,volts,amps\n"), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert_eq!((counts.rows, counts.malformed, counts.partial), (2, 1, 1));
    assert!(events.contains(&"malformed 4".to_string()), "{events:?}");
}

#[test]
fn text_is_kept_verbatim_with_arrival_times_and_gaps() {
    let input = b"$GPGGA,1*00\nhello\n";
    let mut rec = Recorder::new(config(StreamKind::Text)).unwrap();
    rec.push(&input[..5], 0, &mut |_| {}).unwrap();
    rec.disconnected(1_000_000);
    rec.reconnected(2_000_000);
    rec.push(&input[5..], 3_000_000, &mut |_| {}).unwrap();
    rec.finish();
    assert_eq!(rec.recording().as_slice(), input);
    let times = String::from_utf8(rec.times().clone()).unwrap();
    assert_eq!(
        times,
        "time,offset,bytes\n0.000000,0,5\n0.002000,5,\n0.003000,5,13\n"
    );
    assert_eq!(rec.counts().gaps, 1);
    assert_eq!(rec.counts().partial, 1, "the line cut by the disconnection");
}

#[test]
fn bad_settings_name_the_setting() {
    let err = |cfg: RecorderConfig| Recorder::new(cfg).err().unwrap().setting;
    let mut cfg = config(StreamKind::Binary(SampleType::U8, 1));
    cfg.derive = vec!["x=(1".into()];
    assert_eq!(err(cfg), Setting::Derive);
    let mut cfg = config(StreamKind::Text);
    cfg.alerts = vec!["a>1".into()];
    assert_eq!(err(cfg), Setting::Alert);
    let mut cfg = config(StreamKind::Binary(SampleType::U8, 2));
    cfg.names = vec!["a".into()];
    assert_eq!(err(cfg), Setting::Names);
    let mut cfg = config(StreamKind::Raw);
    cfg.rate = Some(-1.0);
    assert_eq!(err(cfg), Setting::Rate);
    assert_eq!(
        StreamKind::parse("f64", None).err().unwrap().setting,
        Setting::Format
    );
    assert_eq!(
        StreamKind::parse("u8", Some(0)).err().unwrap().setting,
        Setting::Channels
    );
}
