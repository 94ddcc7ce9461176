use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use super::*;

fn decode_all(ty: SampleType, channels: usize, bytes: &[u8], chunk: usize) -> Vec<Vec<f64>> {
    let mut d = SampleDecoder::try_new(ty, channels).unwrap();
    let mut rows = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        d.push(c, &mut |r| rows.push(r.to_vec()));
    }
    rows
}

#[test]
fn binary_rows_do_not_depend_on_chunking() {
    let values: Vec<i16> = (0..301).map(|i| (i * 377 - 20000) as i16).collect();
    let mut le = Vec::new();
    let mut be = Vec::new();
    for v in &values {
        le.extend_from_slice(&v.to_le_bytes());
        be.extend_from_slice(&v.to_be_bytes());
    }
    let whole = decode_all(SampleType::I16Le, 3, &le, usize::MAX);
    assert_eq!(whole.len(), 100, "the 301st sample is an incomplete row");
    assert_eq!(
        whole[1],
        vec![
            f64::from(values[3]),
            f64::from(values[4]),
            f64::from(values[5])
        ]
    );
    for chunk in [1, 2, 3, 5, 7, 64] {
        assert_eq!(decode_all(SampleType::I16Le, 3, &le, chunk), whole);
        assert_eq!(decode_all(SampleType::I16Be, 3, &be, chunk), whole);
    }
    let f: Vec<u8> = [1.5f32, -2.25]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert_eq!(
        decode_all(SampleType::F32Le, 2, &f, 3),
        vec![vec![1.5, -2.25]]
    );
    assert!(SampleDecoder::try_new(SampleType::U8, 0).is_err());
    assert!(SampleDecoder::try_new(SampleType::U8, MAX_LIVE_CHANNELS + 1).is_err());
}

#[test]
fn binary_reset_drops_the_partial_row() {
    let mut d = SampleDecoder::try_new(SampleType::U16Le, 1).unwrap();
    let mut rows = Vec::new();
    d.push(&[1, 0, 7], &mut |r| rows.push(r[0]));
    assert_eq!(d.pending_bytes(), 1);
    assert_eq!(d.reset(), 1);
    d.push(&[2, 0], &mut |r| rows.push(r[0]));
    assert_eq!(rows, vec![1.0, 2.0]);
}

fn split_all(bytes: &[u8], chunk: usize) -> (Vec<Vec<u8>>, LineSplitter) {
    let mut s = LineSplitter::new();
    let mut lines = Vec::new();
    for c in bytes.chunks(chunk.max(1)) {
        s.push(c, &mut |l| lines.push(l.to_vec()));
    }
    (lines, s)
}

#[test]
fn lines_split_the_same_whatever_the_chunks() {
    let mut text = b"a,1\r\nb\n\n".to_vec();
    text.extend(core::iter::repeat_n(b'x', MAX_LINE_LEN + 10));
    text.extend_from_slice(b"\r\nlast\r\npart");
    let (whole, s) = split_all(&text, usize::MAX);
    assert_eq!(
        whole,
        vec![
            b"a,1".to_vec(),
            b"b".to_vec(),
            b"".to_vec(),
            b"last".to_vec()
        ]
    );
    assert_eq!((s.lines(), s.overlong()), (5, 1));
    for chunk in [1, 2, 3, 100, 4097] {
        let (lines, mut s) = split_all(&text, chunk);
        assert_eq!(lines, whole);
        assert_eq!(s.overlong(), 1);
        assert_eq!(s.take_partial(), Some(b"part".to_vec()));
        assert_eq!(s.take_partial(), None);
    }
    // A line of exactly MAX_LINE_LEN bytes plus CR is kept.
    let mut exact = vec![b'y'; MAX_LINE_LEN];
    exact.extend_from_slice(b"\r\n");
    assert_eq!(split_all(&exact, 7).0, vec![vec![b'y'; MAX_LINE_LEN]]);
}

#[test]
fn fields_header_rows_and_malformed_lines() {
    let mut p = FieldParser::new();
    let mut row = Vec::new();
    assert_eq!(p.parse(b"# comment", &mut row), Parsed::Skip);
    assert_eq!(p.parse(b"boot banner v1.2", &mut row), Parsed::Header);
    assert_eq!(p.parse(b"volts, amps", &mut row), Parsed::Header);
    assert_eq!(p.parse(b"1.5, -2", &mut row), Parsed::Row);
    assert_eq!(row, vec![1.5, -2.0]);
    assert!(matches!(p.parse(b"1.5", &mut row), Parsed::Malformed(m) if m.contains("1 fields")));
    assert!(matches!(p.parse(b"1.5,abc", &mut row), Parsed::Malformed(m) if m.contains("field 2")));
    assert!(matches!(
        p.parse(b"\xff\xfe", &mut row),
        Parsed::Malformed(_)
    ));
    assert!(
        matches!(p.parse(b"volts,amps", &mut row), Parsed::Malformed(_)),
        "header only first"
    );
    assert_eq!(p.names(), vec!["volts".to_string(), "amps".to_string()]);

    let mut p = FieldParser::new();
    assert_eq!(
        p.parse(b"1 2\t 3", &mut row),
        Parsed::Malformed("field 1 is not a number: '1 2'".into())
    );
    let mut p = FieldParser::new();
    assert_eq!(p.parse(b"1  2   3", &mut row), Parsed::Row);
    assert_eq!(p.names(), vec!["ch0", "ch1", "ch2"]);
    let mut p = FieldParser::new();
    assert_eq!(p.parse(b"temp:21.5,hum=40", &mut row), Parsed::Row);
    assert_eq!(
        (row.clone(), p.names()),
        (vec![21.5, 40.0], vec!["temp".into(), "hum".into()])
    );
    let mut p = FieldParser::with_names(vec!["a".into()]);
    assert_eq!(
        p.parse(b"x", &mut row),
        Parsed::Malformed("field 1 is not a number: 'x'".into())
    );
    let mut p = FieldParser::new();
    assert_eq!(p.parse(b"a b c", &mut row), Parsed::Header);
    assert_eq!(p.parse(b"1,2", &mut row), Parsed::Row);
    assert_eq!(
        p.names(),
        vec!["ch0", "ch1"],
        "a header of another width is no header"
    );
    let mut p = FieldParser::with_width(2);
    assert!(matches!(p.parse(b"1,2,3", &mut row), Parsed::Malformed(_)));
    assert_eq!(p.parse(b"1;2", &mut row), Parsed::Row);
}

#[test]
fn nmea_checksums() {
    assert_eq!(
        nmea_checksum(b"$GPGLL,4916.45,N,12311.12,W,225444,A*31"),
        NmeaCheck::Ok
    );
    assert_eq!(
        nmea_checksum(b"$GPGLL,4916.45,N,12311.12,W,225444,A*32"),
        NmeaCheck::Bad
    );
    assert_eq!(nmea_checksum(b"$GPGLL,4916.45,N"), NmeaCheck::Missing);
    assert_eq!(nmea_checksum(b"hello"), NmeaCheck::NotNmea);
    assert_eq!(nmea_checksum(b"$A*"), NmeaCheck::Bad);
}

fn names(n: &str) -> Option<usize> {
    ["ch0", "ch1", "power"].iter().position(|&x| x == n)
}

#[test]
fn expressions_follow_precedence() {
    let mut stack = Vec::new();
    let row = [2.0, 3.0, 10.0];
    let eval = |s: &str, stack: &mut Vec<f64>| Expr::parse(s, &names).unwrap().eval(&row, stack);
    assert_eq!(eval("ch0*ch1", &mut stack), 6.0);
    assert_eq!(eval("1 + 2 * 3", &mut stack), 7.0);
    assert_eq!(eval("(1 + 2) * 3", &mut stack), 9.0);
    assert_eq!(eval("-ch0 - -1.5e1 / 3", &mut stack), 3.0);
    assert_eq!(eval("10 - 4 - 3", &mut stack), 3.0);
    assert_eq!(eval("power / 4 / 5", &mut stack), 0.5);
    assert!(eval("ch0 / 0", &mut stack).is_infinite());
    for bad in ["", "1 +", "(1", "1)", "nope*2", "2 3", "1..2", "*"] {
        assert!(Expr::parse(bad, &names).is_err(), "{bad}");
    }
    let deep = "(".repeat(600);
    assert!(Expr::parse(&deep, &names).is_err());
    let deep = "-".repeat(500) + "1";
    assert!(Expr::parse(&deep, &names).is_err());
}

#[test]
fn alerts_count_rising_edges() {
    let mut a = Alert::parse("power>=2.5", &names).unwrap();
    let mut stack = Vec::new();
    let hits: Vec<bool> = [1.0, 3.0, 2.5, 1.0, 4.0]
        .iter()
        .map(|&p| a.update(&[0.0, 0.0, p], &mut stack))
        .collect();
    assert_eq!(hits, vec![false, true, false, false, true]);
    assert_eq!((a.events(), a.samples()), (2, 3));
    assert!(Alert::parse("power", &names).is_err());
    assert!(Alert::parse("ch0 != ch1", &names).is_ok());
    assert!(Alert::parse("ch0 < -1", &names).is_ok());
}

#[test]
fn rolling_stats_and_gaps() {
    let mut s = RollingStats::new(2, 100);
    for i in 0..250 {
        s.push_row(&[f64::from(i), if i % 2 == 0 { f64::NAN } else { 1.0 }]);
    }
    let sum = s.summary();
    let a = sum[0].unwrap();
    assert_eq!(
        (a.count, a.min, a.max, a.mean, a.p99),
        (100, 150.0, 249.0, 199.5, 248.0)
    );
    assert_eq!(sum[1].unwrap().count, 50);
    assert_eq!(RollingStats::new(1, 10).summary(), vec![None]);

    let mut g = GapHistogram::new();
    g.arrive(1_000, 10);
    assert_eq!(g.total(), 0);
    for i in 1..=100u64 {
        g.arrive(1_000 + i * 1_000_000, 1); // 1 ms apart
    }
    g.arrive(1_000 + 101 * 1_000_000 + 500_000_000, 1);
    let p50 = g.quantile(0.5).unwrap();
    assert!((1e-3..1.1e-3).contains(&p50), "{p50}");
    assert!(g.quantile(1.0).unwrap() > 0.45);
}
