use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::kernel::{Block, BlockSink, Layout};
use crate::testkit::assert_chunk_invariant;
use crate::Push;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/vcd/");

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn expected() -> serde_json::Value {
    serde_json::from_slice(&data("expected.json")).unwrap()
}

// ---------------------------------------------------------------------------------------
// Sinks.

/// A value change as owned data.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Bit(u8),
    Vector(Vec<u8>),
    Real(f64),
    Str(Vec<u8>),
}

impl From<Value<'_>> for Owned {
    fn from(v: Value<'_>) -> Self {
        match v {
            Value::Bit(b) => Owned::Bit(b),
            Value::Vector(d) => Owned::Vector(d.to_vec()),
            Value::Real(x) => Owned::Real(x),
            Value::String(s) => Owned::Str(s.to_vec()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Header(usize),
    Time(u64),
    Change(u64, usize, Owned),
}

/// Records every callback.
#[derive(Debug, Default)]
struct Log(Vec<Event>);

impl ChangeSink for Log {
    fn header(&mut self, h: &VcdHeader) -> Result<()> {
        self.0.push(Event::Header(h.vars.len()));
        Ok(())
    }
    fn time(&mut self, time: u64) -> Result<()> {
        self.0.push(Event::Time(time));
        Ok(())
    }
    fn change(&mut self, time: u64, id: usize, value: Value<'_>) -> Result<()> {
        self.0.push(Event::Change(time, id, value.into()));
        Ok(())
    }
}

/// The reader as a `Push<u8>` for `assert_chunk_invariant`: the output is every event
/// and the final result, so events before an error are compared too.
struct Pushed {
    reader: VcdReader,
    log: Log,
    error: Option<Error>,
}

impl Pushed {
    fn new() -> Self {
        Pushed {
            reader: VcdReader::new(),
            log: Log::default(),
            error: None,
        }
    }
}

impl Push<u8> for Pushed {
    type Output = (Vec<Event>, Result<VcdSummary>);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.error.is_none() {
            if let Err(e) = self.reader.push(chunk, &mut self.log) {
                self.error = Some(e);
            }
        }
        Ok(())
    }
    fn finish(mut self) -> Result<Self::Output> {
        let result = match self.error {
            Some(e) => Err(e),
            None => self.reader.finish(&mut self.log),
        };
        Ok((self.log.0, result))
    }
}

fn read(bytes: &[u8], chunk: usize) -> (Vec<Event>, Result<VcdSummary>) {
    let mut p = Pushed::new();
    for c in bytes.chunks(chunk.max(1)) {
        p.push(c).unwrap();
    }
    p.finish().unwrap()
}

fn read_ok(bytes: &[u8]) -> (Vec<Event>, VcdSummary) {
    let (events, r) = read(bytes, 1 << 16);
    (events, r.unwrap())
}

fn read_err(bytes: &[u8]) -> Error {
    let (_, r) = read(bytes, 7);
    let e = r.unwrap_err();
    // The same error whatever the chunking.
    assert_eq!(read(bytes, 1).1.unwrap_err(), e);
    assert_eq!(read(bytes, bytes.len()).1.unwrap_err(), e);
    e
}

fn offset_of(e: &Error) -> u64 {
    match e {
        Error::Malformed { offset, .. }
        | Error::Truncated { offset, .. }
        | Error::Unsupported { offset, .. }
        | Error::Limit { offset, .. } => *offset,
        Error::Config(_) => panic!("config error {e}"),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> u64 {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle") as u64
}

// ---------------------------------------------------------------------------------------
// Golden tests on the real files.

/// Normalised value for `value_changes_distinct` (rules of scripts/vcd_facts.py).
#[derive(Debug, Clone, PartialEq)]
enum Norm {
    Text(Vec<u8>),
    Real(f64),
}

fn normalise(v: &Owned, width: u32) -> Norm {
    match v {
        Owned::Bit(b) => Norm::Text(vec![BIT_CHARS[*b as usize]]),
        Owned::Vector(d) => {
            let mut d = d.clone();
            let w = width as usize;
            if w > d.len() {
                let pad = if matches!(d[0], b'x' | b'z') {
                    d[0]
                } else {
                    b'0'
                };
                let mut out = vec![pad; w - d.len()];
                out.extend_from_slice(&d);
                d = out;
            }
            Norm::Text(d)
        }
        Owned::Real(x) => Norm::Real(*x),
        Owned::Str(s) => Norm::Text(s.clone()),
    }
}

/// Per id: records, and distinct changes (last record per time, then drop repeats).
fn counts(events: &[Event], h: &VcdHeader) -> (Vec<u64>, Vec<u64>) {
    let mut width = vec![0; h.ids];
    for v in h.vars.iter().rev() {
        width[v.id] = v.width;
    }
    let mut records = vec![0; h.ids];
    let mut kept: Vec<Vec<(u64, Norm)>> = vec![Vec::new(); h.ids];
    for e in events {
        if let Event::Change(t, id, v) = e {
            records[*id] += 1;
            let v = normalise(v, width[*id]);
            let k = &mut kept[*id];
            match k.last_mut() {
                Some(last) if last.0 == *t => last.1 = v,
                _ => k.push((*t, v)),
            }
        }
    }
    let distinct = kept
        .iter()
        .map(|k| {
            let mut n = 0;
            for (i, (_, v)) in k.iter().enumerate() {
                n += u64::from(i == 0 || k[i - 1].1 != *v);
            }
            n
        })
        .collect();
    (records, distinct)
}

fn line_of(bytes: &[u8], offset: u64) -> u64 {
    1 + bytes[..offset as usize]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

fn check_file(path: &str, want: &serde_json::Value) {
    let bytes = data(path);
    let (events, result) = read(&bytes, 4096);
    if want.get("error").is_some() {
        let e = result.expect_err(path);
        let err = &want["error"];
        let line = err["line"].as_u64().unwrap();
        assert_eq!(line_of(&bytes, offset_of(&e)), line, "{path}: {e}");
        let message = err["message"].as_str().unwrap();
        let keyword = message.rsplit(' ').next().unwrap();
        assert!(e.to_string().contains(keyword), "{path}: {e} vs {message}");
        assert!(events.is_empty());
        return;
    }
    let s = result.unwrap_or_else(|e| panic!("{path}: {e}"));
    let h = &s.header;
    assert_eq!(s.bytes, bytes.len() as u64);
    assert_eq!(h.date.as_deref(), want["date"].as_str(), "{path} date");
    assert_eq!(h.version.as_deref(), want["version"].as_str(), "{path}");
    let ts = h.timescale.expect("timescale");
    let want_ts = &want["timescale"];
    assert_eq!(
        Some(u64::from(ts.multiplier)),
        want_ts["magnitude"].as_u64()
    );
    assert_eq!(Some(ts.unit()), want_ts["unit"].as_str());
    assert_eq!(h.scopes.len() as u64, want["scopes"].as_u64().unwrap());
    assert_eq!(h.vars.len() as u64, want["var_count"].as_u64().unwrap());
    assert_eq!(h.ids as u64, want["id_codes"].as_u64().unwrap(), "{path}");
    assert_eq!(s.time_stamps, want["time_stamps"].as_u64().unwrap());
    assert_eq!(s.first_time, want["first_time"].as_u64(), "{path}");
    assert_eq!(s.end_time, want["end_time"].as_u64(), "{path}");
    let (records, distinct) = counts(&events, h);
    assert_eq!(s.changes, records.iter().sum::<u64>());
    let vars = want["vars"].as_array().unwrap();
    for (v, w) in h.vars.iter().zip(vars) {
        let ctx = format!("{path} {}", v.name);
        assert_eq!(Some(v.name.as_str()), w["name"].as_str(), "{ctx}");
        assert_eq!(v.bit_select.as_deref(), w["bit_select"].as_str(), "{ctx}");
        assert_eq!(Some(v.type_name.as_str()), w["type"].as_str(), "{ctx}");
        assert_eq!(Some(u64::from(v.width)), w["width"].as_u64(), "{ctx}");
        assert_eq!(Some(v.code.as_str()), w["id"].as_str(), "{ctx}");
        let n = w["value_changes"].as_u64();
        assert_eq!(Some(records[v.id]), n, "{ctx} changes");
        let n = w["value_changes_distinct"].as_u64();
        assert_eq!(Some(distinct[v.id]), n, "{ctx} distinct");
    }
    // Events: header first, non-decreasing times, `time` before the changes it stamps.
    assert_eq!(events.first(), Some(&Event::Header(h.vars.len())));
    let mut now = 0;
    for e in &events[1..] {
        match *e {
            Event::Time(t) => {
                assert!(t >= now);
                now = t;
            }
            Event::Change(t, id, _) => {
                assert_eq!(t, now);
                assert!(id < h.ids);
            }
            Event::Header(_) => panic!("second header"),
        }
    }
}

#[test]
fn every_file_matches_expected_json() {
    let want = expected();
    let files = want.as_object().unwrap();
    assert_eq!(files.len(), 23);
    for (path, facts) in files {
        check_file(path, facts);
    }
}

#[test]
fn broken_file_fails_at_its_unknown_keyword() {
    let bytes = data("wellen/github_issues/issue40.vcd");
    let e = read_err(&bytes);
    assert_eq!(offset_of(&e), find(&bytes, b"$crash"));
    let text = e.to_string();
    assert!(text.contains("`$crash` (line 4)"), "{text}");
    assert!(text.contains("a declaration keyword"), "{text}");
}

#[test]
fn header_details() {
    let (_, s) = read_ok(&data("wellen/surfer/counter.vcd"));
    let h = &s.header;
    // tb.dut.clk aliases tb.clk: same code, same id.
    let clk = h.find("tb.clk").unwrap();
    let dut_clk = h.find("tb.dut.clk").unwrap();
    assert_eq!(h.vars[clk].id, h.vars[dut_clk].id);
    assert_eq!(
        h.vars_with_id(h.vars[clk].id).collect::<Vec<_>>(),
        [clk, dut_clk]
    );
    assert_eq!(h.scope_path(dut_clk), ["tb", "dut"]);
    let counter = h.find("tb.dut.counter[3:0]").unwrap();
    assert_eq!(h.vars[counter].reference, "counter");
    assert_eq!(h.vars[counter].bit_select.as_deref(), Some("[3:0]"));
    assert_eq!(h.vars[counter].kind, VarKind::Reg);
    assert_eq!(h.scopes[1].kind, "module");
    assert_eq!(h.scopes[1].parent, Some(0));
    assert_eq!(h.seconds(800), Some(800.0));
    let body = data("wellen/surfer/counter.vcd");
    assert_eq!(h.body_offset, find(&body, b"$enddefinitions $end") + 20);

    let (_, s) = read_ok(&data("wellen/nvc/manytypes2.vcd"));
    let v = &s.header.vars[s.header.find("comprehensive2_tb.array_signal[0]").unwrap()];
    assert_eq!(v.bit_select.as_deref(), Some("[7:0]"));
    assert_eq!(s.header.timescale.unwrap().seconds(1_000_000), 1e-9);
    let real = s.header.find("comprehensive2_tb.real_signal").unwrap();
    assert!(s.header.vars[real].kind.is_real());
}

#[test]
fn values_as_written() {
    let (events, _) = read_ok(&data("wellen/gtkwave-analyzer/vcd_extensions.vcd"));
    let has = |f: &dyn Fn(&Owned) -> bool| {
        events
            .iter()
            .any(|e| matches!(e, Event::Change(_, _, v) if f(v)))
    };
    assert!(has(&|v| *v == Owned::Real("3.14".parse().unwrap())));
    assert!(has(&|v| *v == Owned::Real(-1.0)));
    assert!(has(&|v| matches!(v, Owned::Str(_))));
    assert!(has(&|v| matches!(v, Owned::Vector(_))));
    // Uppercase digits are lowercased; u/w/l/h/- survive.
    let (events, _) = read_ok(&data("wellen/icarus/CPU.vcd"));
    for e in &events {
        if let Event::Change(_, _, Owned::Vector(d)) = e {
            assert!(d.iter().all(|b| BIT_CHARS.contains(b)), "{d:?}");
        }
    }
    // mipsHardware writes one vector with an uppercase X.
    let (events, _) = read_ok(&data("wellen/quartus/mipsHardware.vcd"));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Change(_, _, Owned::Vector(d)) if d.contains(&b'x'))));
    // The VHDL states, in either case.
    let (events, _) = read_ok(&with_body(b"0! 1! x! Z! U! w! L! h! -! bUWLH-xz01 \""));
    let got: Vec<Owned> = events
        .into_iter()
        .filter_map(|e| match e {
            Event::Change(_, _, v) => Some(v),
            _ => None,
        })
        .collect();
    let mut want: Vec<Owned> = (0..9).map(Owned::Bit).collect();
    want.push(Owned::Vector(b"uwlh-xz01".to_vec()));
    assert_eq!(got, want);
}

#[test]
fn chunk_invariance_on_real_files() {
    for (path, cases) in [
        ("wellen/icarus/counter_tb.vcd", 64),
        ("wellen/gtkwave-analyzer/vcd_extensions.vcd", 64),
        ("wellen/nvc/manytypes2.vcd", 64),
        ("wellen/treadle/GCD.vcd", 64),
        ("wellen/github_issues/issue40.vcd", 64),
        ("wellen/vivado/iladata.vcd", 16),
        ("wellen/specs/tracefile.vcd", 16),
        (
            "sigrok-dumps/spi/spiflash_read16/chronovu_la8/chronovu_la8_spiflash_read16.vcd",
            8,
        ),
    ] {
        assert_chunk_invariant(Pushed::new, &data(path), cases);
    }
}

// ---------------------------------------------------------------------------------------
// Hand-written and hostile inputs.

const HEAD: &[u8] = b"$timescale 1ns $end\n$scope module top $end\n\
$var wire 1 ! clk $end\n$var wire 8 \" data [7:0] $end\n$var real 64 # r $end\n\
$upscope $end\n$enddefinitions $end\n";

fn with_body(body: &[u8]) -> Vec<u8> {
    [HEAD, body].concat()
}

#[test]
fn body_records() {
    let bytes =
        with_body(b"1! b1x0 \" r2.5 # #5 0! B10 \"\n$comment hi $end $dumpoff x! $end #5.000 Z!");
    let (events, s) = read_ok(&bytes);
    use Event::*;
    use Owned::*;
    assert_eq!(
        events,
        [
            Header(3),
            Change(0, 0, Bit(1)),
            Change(0, 1, Vector(b"1x0".to_vec())),
            Change(0, 2, Real(2.5)),
            Time(5),
            Change(5, 0, Bit(0)),
            Change(5, 1, Vector(b"10".to_vec())),
            Change(5, 0, Bit(2)),
            Time(5),
            Change(5, 0, Bit(3)),
        ]
    );
    assert_eq!(
        (s.first_time, s.end_time, s.time_stamps, s.changes),
        (Some(5), Some(5), 2, 7)
    );
    assert_chunk_invariant(Pushed::new, &bytes, 64);
    // Vectors convert MSB first; unknown digits give NaN.
    assert_eq!(Value::Vector(b"1010").to_f64(), 10.0);
    assert!(Value::Vector(b"1x").to_f64().is_nan());
    assert_eq!(Value::Bit(7).to_f64(), 1.0);
}

#[test]
fn multi_character_codes_and_codes_that_look_like_keywords() {
    let bytes = b"$var wire 1 $end0 a $end $var wire 2 ab b $end $var wire 1 \x7f! c $end \
$var wire 1 $ d $end $enddefinitions $end #0 1$end0 b11 ab 0\x7f! 1$ #1";
    let (events, s) = read_ok(bytes);
    assert_eq!(s.header.ids, 4);
    let ids: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            Event::Change(_, id, _) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, [0, 1, 2, 3]);
}

#[test]
fn unterminated_var_is_reported_at_the_next_declaration() {
    let bytes = b"$var wire 1 ! a\n$var wire 1 \" b $end $enddefinitions $end";
    let e = read_err(bytes);
    assert_eq!(offset_of(&e), 16);
    let text = e.to_string();
    assert!(
        text.contains("the $end of the $var at byte 0 (line 1)"),
        "{text}"
    );
    // At the end of the input: truncated.
    let e = read_err(b"$date today $end\n$var wire 1 ! a");
    assert!(matches!(e, Error::Truncated { offset: 32, .. }), "{e}");
    assert!(e.to_string().contains("$var at byte 17 (line 2)"), "{e}");
    // A $var with too few fields.
    let e = read_err(b"$var wire 1 ! $end");
    assert_eq!(offset_of(&e), 0);
}

#[test]
fn unknown_identifier_code_in_the_body() {
    let bytes = with_body(b"#0 1! 1?");
    let e = read_err(&bytes);
    assert_eq!(offset_of(&e), find(&bytes, b"1?") + 1);
    assert!(
        e.to_string()
            .contains("an identifier code declared by a $var"),
        "{e}"
    );
    let bytes = with_body(b"#0 b101 %%");
    assert_eq!(offset_of(&read_err(&bytes)), find(&bytes, b"%%"));
    // A vector value without its code at the end of the input.
    let bytes = with_body(b"#0 b101");
    assert!(matches!(read_err(&bytes), Error::Truncated { .. }));
    // A scalar separated from its code.
    let bytes = with_body(b"#0 1 !");
    assert_eq!(offset_of(&read_err(&bytes)), HEAD.len() as u64 + 3);
}

#[test]
fn huge_widths_are_limits() {
    for size in [&b"1048577"[..], b"99999999999999999999999999"] {
        let bytes = [&b"$var wire "[..], size, b" ! a $end"].concat();
        let e = read_err(&bytes);
        assert!(matches!(e, Error::Limit { offset: 10, .. }), "{e}");
    }
    let e = read_err(b"$var wire 8x ! a $end");
    assert!(matches!(e, Error::Malformed { offset: 10, .. }), "{e}");
    // The largest width is fine and allocates nothing.
    let (_, s) = read_ok(b"$var wire 1048576 ! a $end $enddefinitions $end");
    assert_eq!(s.header.vars[0].width, 1 << 20);
}

#[test]
fn decreasing_time_is_an_error() {
    let bytes = with_body(b"#10 1! #10 #9 0!");
    let (events, r) = read(&bytes, 5);
    let e = r.unwrap_err();
    assert_eq!(offset_of(&e), find(&bytes, b"#9"));
    assert!(e.to_string().contains("at least 10"), "{e}");
    assert_eq!(events.len(), 4, "events before the error are delivered");
    assert_chunk_invariant(Pushed::new, &bytes, 32);
}

#[test]
fn bad_records_and_declarations() {
    let cases: [(&[u8], &[u8]); 11] = [
        (b"#12a", b"#12a"),
        (b"#1.5", b"#1.5"),
        (b"#", b"#"),
        (b"#99999999999999999999", b"#9999"),
        (b"b102 !", b"b102"),
        (b"b !", b"b !"),
        (b"r1.2.3 #", b"r1.2.3"),
        (b"$var wire 1 ( x $end", b"$var"),
        (b"$dumpvars 1! $end %", b"%"),
        (b"7!", b"7!"),
        (b"$comment never closed", b""),
    ];
    for (body, at) in cases {
        let bytes = with_body(body);
        let e = read_err(&bytes);
        let want = if at.is_empty() {
            bytes.len() as u64
        } else {
            find(&bytes[HEAD.len()..], at) + HEAD.len() as u64
        };
        assert_eq!(offset_of(&e), want, "{}: {e}", body.escape_ascii());
    }
    let header_cases: [(&[u8], u64); 6] = [
        (b"$timescale 2ns $end", 0),
        (b"$timescale 1 hours $end", 0),
        (b"$upscope $end", 0),
        (b"$scope $end", 0),
        (b"  hello", 2),
        (b"$date x $end $end", 13),
    ];
    for (bytes, at) in header_cases {
        let e = read_err(bytes);
        assert_eq!(offset_of(&e), at, "{}: {e}", bytes.escape_ascii());
    }
    // No header end at all.
    assert!(matches!(
        read_err(b"$date x $end"),
        Error::Truncated { offset: 12, .. }
    ));
    assert!(matches!(read_err(b""), Error::Truncated { offset: 0, .. }));
}

#[test]
fn overlong_token_is_a_limit() {
    let mut bytes = with_body(b"#0 b");
    let at = bytes.len() as u64 - 1;
    bytes.resize(bytes.len() + MAX_TOKEN, b'1');
    bytes.extend_from_slice(b" !");
    for chunk in [1000, 1 << 16, bytes.len()] {
        let (_, r) = read(&bytes, chunk);
        let e = r.unwrap_err();
        assert!(
            matches!(e, Error::Limit { offset, .. } if offset == at),
            "{e}"
        );
    }
    // One byte shorter is accepted (and is as long as the widest variable).
    bytes.truncate(at as usize + MAX_TOKEN);
    bytes.extend_from_slice(b" \"");
    let (events, _) = read_ok(&bytes);
    assert!(
        matches!(&events[2], Event::Change(0, 1, Owned::Vector(d)) if d.len() == MAX_TOKEN - 1)
    );
}

#[test]
fn binary_garbage_is_an_error_not_a_panic() {
    // A fixed pseudo-random byte stream (xorshift), alone and after a valid header.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let e = read_err(&garbage);
    assert!(matches!(e, Error::Malformed { .. }), "{e}");
    let bytes = with_body(&garbage);
    let e = read_err(&bytes);
    assert!(offset_of(&e) >= HEAD.len() as u64, "{e}");
    assert_chunk_invariant(Pushed::new, &bytes, 32);
    // Errors are sticky.
    let mut r = VcdReader::new();
    let mut log = Log::default();
    let first = r.push(&garbage, &mut log).unwrap_err();
    assert_eq!(r.push(HEAD, &mut log).unwrap_err(), first);
    assert_eq!(r.finish(&mut log).unwrap_err(), first);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, failure_persistence: None, ..Default::default() })]
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
                                   split in 0usize..200) {
        let bytes = with_body(&body);
        let split = (HEAD.len() + split).min(bytes.len());
        let mut r = VcdReader::new();
        let mut log = Log::default();
        let _ = r.push(&bytes[..split], &mut log).and_then(|_| r.push(&bytes[split..], &mut log));
        let _ = r.finish(&mut log);
    }
}

// ---------------------------------------------------------------------------------------
// Resampler.

/// Collects blocks per channel, checking contiguity.
#[derive(Debug, Default)]
struct Blocks {
    layout: Option<Layout>,
    channels: Vec<Vec<f64>>,
}

impl BlockSink for Blocks {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        assert!(self.layout.is_none());
        self.layout = Some(layout);
        self.channels = vec![Vec::new(); layout.channels];
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> Result<()> {
        let ch = &mut self.channels[b.channel];
        assert_eq!(ch.len() as u64, b.start, "blocks must be contiguous");
        ch.extend_from_slice(b.samples);
        Ok(())
    }
}

fn resample<S: BlockSink>(
    bytes: &[u8],
    config: ResampleConfig,
    sink: S,
    chunk: usize,
) -> Result<(S, u64)> {
    let mut rs = VcdResampler::try_new(config, sink)?;
    let mut reader = VcdReader::new();
    for c in bytes.chunks(chunk.max(1)) {
        reader.push(c, &mut rs)?;
    }
    reader.finish(&mut rs)?;
    rs.finish()
}

/// Debug text of samples with NaN written as `x` (NaN != NaN).
fn text(v: &[f64]) -> String {
    v.iter()
        .map(|x| {
            if x.is_nan() {
                "x".to_string()
            } else {
                format!("{x}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const PER_TICK: SampleRate = SampleRate::PerTick { num: 1, den: 1 };

#[test]
fn resampler_holds_values() {
    // Ticks 0..=6: clk 1 at 0, 0 at 2 (twice: last wins), x at 4; data 5 at 1, 3 at 5.
    let bytes = with_body(b"#0 1! #1 b101 \" #2 1! 0! #4 x! #5 b11 \" #6");
    let config = ResampleConfig::new(vec![0, 1], PER_TICK);
    let (sink, n) = resample(&bytes, config.clone(), Blocks::default(), 3).unwrap();
    assert_eq!(n, 7);
    assert_eq!(sink.layout.unwrap().samples, u64::MAX);
    assert_eq!(text(&sink.channels[0]), "1 1 0 0 x x x");
    assert_eq!(text(&sink.channels[1]), "x 5 5 5 5 3 3");
    // Half rate: samples at ticks 0, 2, 4, 6.
    let half = ResampleConfig::new(vec![1, 0], SampleRate::PerTick { num: 1, den: 2 });
    let (sink, n) = resample(&bytes, half, Blocks::default(), 1).unwrap();
    assert_eq!(n, 4);
    assert_eq!(text(&sink.channels[0]), "x 5 5 3");
    assert_eq!(text(&sink.channels[1]), "1 0 x x");
    // 1 GHz with a 1 ns tick is one sample per tick; 2 GHz two.
    let ghz = ResampleConfig::new(vec![0], SampleRate::PerSecond(1e9));
    let (sink, _) = resample(&bytes, ghz, Blocks::default(), 5).unwrap();
    assert_eq!(text(&sink.channels[0]), "1 1 0 0 x x x");
    let ghz2 = ResampleConfig::new(vec![0], SampleRate::PerSecond(2e9));
    let (sink, n) = resample(&bytes, ghz2, Blocks::default(), 5).unwrap();
    assert_eq!(n, 13);
    assert_eq!(text(&sink.channels[0]), "1 1 1 1 0 0 0 0 x x x x x");
    // A known span gives an exact layout, clips and pads.
    let span = ResampleConfig {
        span: Some((3, 8)),
        ..config
    };
    let (sink, n) = resample(&bytes, span, Blocks::default(), 2).unwrap();
    assert_eq!(n, 6);
    assert_eq!(sink.layout.unwrap().samples, 6);
    assert_eq!(text(&sink.channels[0]), "0 x x x x x");
    assert_eq!(text(&sink.channels[1]), "5 5 3 3 3 3");
}

#[test]
fn two_passes_give_an_exact_layout() {
    let bytes = data("wellen/icarus/DCCrossbar.vcd");
    let mut first = VcdReader::new();
    first.push(&bytes, &mut ()).unwrap();
    let s = first.finish(&mut ()).unwrap();
    let span = (s.first_time.unwrap(), s.end_time.unwrap());
    assert_eq!(span, (3, 209));
    let vars: Vec<usize> = (0..s.header.vars.len()).collect();
    let one_pass = ResampleConfig::new(vars.clone(), PER_TICK);
    let (a, n) = resample(&bytes, one_pass, Blocks::default(), 999).unwrap();
    let two_pass = ResampleConfig {
        span: Some(span),
        ..ResampleConfig::new(vars, PER_TICK)
    };
    let (b, m) = resample(&bytes, two_pass, Blocks::default(), 999).unwrap();
    assert_eq!((n, m, b.layout.unwrap().samples), (207, 207, 207));
    assert_eq!(a.layout.unwrap().samples, u64::MAX);
    let texts = |s: &Blocks| s.channels.iter().map(|c| text(c)).collect::<Vec<_>>();
    assert_eq!(texts(&a), texts(&b));
}

#[test]
fn resampler_rejects_bad_configurations() {
    let bytes = with_body(b"#0 1!");
    let bad = [
        ResampleConfig::new(vec![], PER_TICK),
        ResampleConfig::new(vec![0], SampleRate::PerTick { num: 0, den: 1 }),
        ResampleConfig::new(vec![0], SampleRate::PerSecond(f64::NAN)),
        ResampleConfig::new(vec![0], SampleRate::PerSecond(1e-9)),
        ResampleConfig::new(vec![9], PER_TICK),
        ResampleConfig {
            span: Some((0, 1 << 40)),
            ..ResampleConfig::new(vec![0], PER_TICK)
        },
    ];
    for config in bad {
        let e = resample(&bytes, config.clone(), Blocks::default(), 4).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{config:?}: {e}");
    }
    // A hostile time stamp hits max_samples instead of emitting 2^64 samples.
    let bytes = with_body(b"#0 1! #18446744073709551615");
    let e = resample(
        &bytes,
        ResampleConfig::new(vec![0], PER_TICK),
        Blocks::default(),
        4,
    );
    assert!(matches!(e, Err(Error::Config(_))));
    // Strings and events have no numeric samples.
    let bytes = b"$var string 0 ! s $end $enddefinitions $end";
    let e = resample(
        bytes,
        ResampleConfig::new(vec![0], PER_TICK),
        Blocks::default(),
        4,
    );
    assert!(matches!(e, Err(Error::Config(_))));
}

/// Reader + resampler as a `Push<u8>`: the output is every channel's samples as text.
struct PushedResampler {
    reader: VcdReader,
    rs: VcdResampler<Blocks>,
}

impl Push<u8> for PushedResampler {
    type Output = (Vec<String>, u64);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.rs)
    }
    fn finish(mut self) -> Result<Self::Output> {
        self.reader.finish(&mut self.rs)?;
        let (sink, n) = self.rs.finish()?;
        Ok((sink.channels.iter().map(|c| text(c)).collect(), n))
    }
}

#[test]
fn resampler_chunk_invariance() {
    let bytes = data("wellen/vivado/iladata.vcd");
    let make = || PushedResampler {
        reader: VcdReader::new(),
        rs: VcdResampler::try_new(
            ResampleConfig::new((0..10).collect(), SampleRate::PerTick { num: 2, den: 3 }),
            Blocks::default(),
        )
        .unwrap(),
    };
    assert_chunk_invariant(make, &bytes, 8);
}

/// Counts samples and value changes between consecutive samples, per channel.
#[derive(Default)]
struct Transitions {
    samples: Vec<u64>,
    changes: Vec<u64>,
    last: Vec<Option<f64>>,
}

impl BlockSink for Transitions {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        self.samples = vec![0; layout.channels];
        self.changes = vec![0; layout.channels];
        self.last = vec![None; layout.channels];
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> Result<()> {
        self.samples[b.channel] += b.samples.len() as u64;
        for &x in b.samples {
            let last = &mut self.last[b.channel];
            if last.is_none_or(|l| l.to_bits() != x.to_bits()) {
                self.changes[b.channel] += 1;
            }
            *last = Some(x);
        }
        Ok(())
    }
}

/// At one sample per tick from tick 0, the changes between samples of a variable are its
/// distinct changes in expected.json (every change lands in its own sample).
#[test]
fn resampled_transitions_match_distinct_changes() {
    let want = expected();
    for path in [
        "wellen/vivado/iladata.vcd",
        "wellen/icarus/counter_tb.vcd",
        "wellen/surfer/counter.vcd",
        "sigrok-dumps/spi/spiflash_read16/chronovu_la8/chronovu_la8_spiflash_read16.vcd",
    ] {
        let facts = &want[path];
        let vars = facts["vars"].as_array().unwrap();
        let bytes = data(path);
        let end = facts["end_time"].as_u64().unwrap();
        let config = ResampleConfig {
            span: Some((0, end)),
            ..ResampleConfig::new((0..vars.len()).collect(), PER_TICK)
        };
        let (sink, n) = resample(&bytes, config, Transitions::default(), 1 << 16).unwrap();
        assert_eq!(n, end + 1);
        for (ch, v) in vars.iter().enumerate() {
            assert_eq!(sink.samples[ch], end + 1);
            let distinct = v["value_changes_distinct"].as_u64().unwrap();
            assert_eq!(sink.changes[ch], distinct, "{path} {:?}", v["name"]);
        }
    }
    // The LA8 export says "from sample 0 to sample 8388607" in its $comment: 2^23 samples
    // at 100 MHz with its 10 ns tick.
    let path = "sigrok-dumps/spi/spiflash_read16/chronovu_la8/chronovu_la8_spiflash_read16.vcd";
    let config = ResampleConfig::new(vec![0], SampleRate::PerSecond(100e6));
    let (sink, n) = resample(&data(path), config, Transitions::default(), 1 << 16).unwrap();
    assert_eq!((n, sink.samples[0]), (1 << 23, 1 << 23));
}
