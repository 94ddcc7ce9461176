//! Generated traces: chunk invariance under random splits, parallel == serial, bad input.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::super::split::{find_boundary, is_bare, read_part, stitch};
use super::super::*;

/// A trace exercising every phase, escapes, odd numbers and strings that look like event
/// boundaries, from `seed`.
pub(crate) fn generate(seed: u64, events: usize, bare: bool) -> Vec<u8> {
    let mut x = seed | 1;
    let mut rnd = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut out = String::new();
    if bare {
        out.push('[');
    } else {
        out.push_str("{\"schemaVersion\": 1, \"displayTimeUnit\": \"ns\", \"traceEvents\": [\n");
    }
    let names = [
        "aten::mm",
        "aten::add_\\u00e9",
        "ncclKernel_AllReduce",
        "k\\\"q\\\\",
        "sgemm_128",
        "ProfilerStep#1",
        "\\ud83d\\ude00x",
    ];
    let mut ts: u64 = 1_700_000_000_000_000;
    for i in 0..events {
        if i > 0 {
            out.push_str(",\n");
        }
        ts += rnd(50);
        let name = names[rnd(names.len() as u64) as usize];
        let dur = format!("{}.{:03}", rnd(100), rnd(1000));
        let ext = rnd(40);
        match rnd(12) {
            0..=2 => out.push_str(&format!(
                "{{\"ph\": \"X\", \"cat\": \"cpu_op\", \"name\": \"{name}\", \"pid\": 1, \"tid\": {}, \"ts\": {ts}, \"dur\": {dur}, \"args\": {{\"External id\": {ext}, \"Input Dims\": [[1, 2], []], \"note\": \"}},{{\\\"x\\\"\"}}}}",
                rnd(2)
            )),
            3..=4 => out.push_str(&format!(
                "{{\"ph\":\"X\",\"cat\":\"kernel\",\"name\":\"{name}\",\"pid\":0,\"tid\":\"stream {0}\",\"ts\":{ts}.5,\"dur\":{dur},\"args\":{{\"stream\":{0},\"device\":0,\"correlation\":{1},\"External id\":{ext}}}}}",
                rnd(2) + 7,
                rnd(100)
            )),
            5 => out.push_str(&format!(
                "{{\"ph\": \"X\", \"cat\": \"cuda_runtime\", \"name\": \"cudaLaunchKernel\", \"pid\": 1, \"tid\": 1, \"ts\": {ts}, \"dur\": 3e0, \"args\": {{\"correlation\": {}, \"External id\": 123456789012345678901234567890}}, \"zz_unknown\": 123456789012345678901234567890}}",
                rnd(100)
            )),
            6 => out.push_str(&format!("{{\"ph\": \"B\", \"name\": \"{name}\", \"cat\": \"cpu_op\", \"pid\": 1, \"tid\": 5, \"ts\": {ts}}}")),
            7 => out.push_str(&format!("{{\"ph\": \"E\", \"pid\": 1, \"tid\": 5, \"ts\": {ts}}}")),
            8 => out.push_str(&format!("{{\"ph\": \"{}\", \"id\": {}, \"cat\": \"ac2g\", \"name\": \"flow\", \"pid\": 1, \"tid\": 1, \"ts\": {ts}}}", if rnd(2) == 0 { "s" } else { "f" }, rnd(20))),
            9 => out.push_str(&format!("{{\"ph\": \"C\", \"name\": \"mem\", \"pid\": 1, \"ts\": {ts}, \"args\": {{\"bytes\": -1.5E+3}}}}")),
            10 => out.push_str("{\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": 1, \"tid\": 5, \"args\": {\"name\": \"main thread\"}}"),
            _ => out.push_str(&format!("{{\"ph\": \"i\", \"s\": \"t\", \"name\": \"mark\", \"pid\": 1, \"tid\": 1, \"ts\": {ts}}}")),
        }
    }
    out.push_str(if bare {
        "]"
    } else {
        "\n], \"distributedInfo\": {\"rank\": 0, \"x\": [true, null]}}\n"
    });
    out.into_bytes()
}

fn whole(bytes: &[u8]) -> String {
    format!("{:?}", summarize(bytes))
}

fn chunked(bytes: &[u8], cuts: &[usize]) -> String {
    let mut s = TraceSummarizer::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let r = (|| {
        for c in cuts {
            s.push(&bytes[at..c])?;
            at = c;
        }
        s.push(&bytes[at..])?;
        s.finish()
    })();
    format!("{r:?}")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let deflated = miniz_oxide::deflate::compress_to_vec(bytes, 6);
    let mut out = alloc::vec![0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3];
    out.extend_from_slice(b"name.json\0");
    out.extend_from_slice(&deflated);
    out.extend_from_slice(&crate::formats::zip::crc32(bytes).to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out
}

#[test]
fn one_byte_chunks() {
    for bare in [false, true] {
        let t = generate(7, 300, bare);
        let w = whole(&t);
        assert!(w.starts_with("Ok("), "{w}");
        let cuts: Vec<usize> = (0..t.len()).collect();
        assert_eq!(chunked(&t, &cuts), w);
        let z = gzip(&t);
        assert_eq!(whole(&z), w);
        let cuts: Vec<usize> = (0..z.len()).collect();
        assert_eq!(chunked(&z, &cuts), w);
    }
}

#[test]
fn generated_features_are_counted() {
    let s = summarize(&generate(3, 2000, false)).unwrap();
    assert!(s.warnings.big_numbers > 0 && s.warnings.unknown_fields > 0);
    assert!(s.flows.starts > 0 && s.flows.matched > 0);
    assert!(s.counters["mem"] > 0);
    assert_eq!(s.display_time_unit.as_deref(), Some("ns"));
    assert!(s.kernels.by_name.iter().any(|r| r.name == "k\"q\\"));
    assert!(s
        .cpu_ops
        .by_name
        .iter()
        .any(|r| r.name == "aten::add_\u{e9}"));
    assert!(s.cpu_ops.by_name.iter().any(|r| r.name == "\u{1f600}x"));
    assert!(s
        .streams
        .iter()
        .any(|b| b.comm_busy > 0.0 && b.compute_busy > 0.0));
    assert!(s.thread_names.iter().any(|t| t.name == "main thread"));
}

fn parallel(bytes: &[u8], cuts: &[usize]) -> String {
    let bare = is_bare(bytes);
    let mut starts: Vec<u64> = cuts
        .iter()
        .filter_map(|&c| {
            let c = c % bytes.len();
            find_boundary(&bytes[c..]).map(|p| (c + p) as u64)
        })
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut parts = Vec::new();
    for (k, &s) in [0].iter().chain(&starts).enumerate() {
        let start = (k > 0).then_some(Boundary {
            offset: s,
            bare,
            first: false,
        });
        parts.push(read_part(bytes, start, starts.get(k).copied()));
    }
    let r = stitch(parts, |b| read_part(bytes, Some(b), None).result).map(TracePartial::summary);
    format!("{r:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_splits(seed in 1u64..1000, n in 0usize..200, bare: bool, cuts in proptest::collection::vec(0usize..100_000, 0..12)) {
        let t = generate(seed, n, bare);
        let w = whole(&t);
        prop_assert_eq!(&chunked(&t, &cuts), &w);
        prop_assert_eq!(&chunked(&gzip(&t), &cuts), &w);
    }

    #[test]
    fn parallel_equals_serial(seed in 1u64..1000, n in 1usize..300, bare: bool, cuts in proptest::collection::vec(0usize..100_000, 1..8)) {
        let t = generate(seed, n, bare);
        prop_assert_eq!(parallel(&t, &cuts), whole(&t));
    }

    #[test]
    fn truncation_never_panics(seed in 1u64..50, cut in 0usize..100_000) {
        let t = generate(seed, 50, false);
        let c = cut % (t.len() - 2); // the last two bytes are "}\n"
        let r = summarize(&t[..c]);
        prop_assert!(r.is_err());
        prop_assert_eq!(format!("{r:?}"), chunked(&t[..c], &[c / 2, c / 3]));
    }
}

#[test]
fn bad_inputs() {
    let err = |b: &[u8]| summarize(b).unwrap_err().to_string();
    let t = generate(5, 40, false);
    let e = err(&t[..t.len() / 2]);
    assert!(e.contains("truncated") && e.contains("events read"), "{e}");
    assert!(err(b"{\"foo\": 1}").contains("without traceEvents"));
    assert!(err(b"42").contains("a trace"));
    assert!(err(b"").contains("truncated"));
    assert!(err(b"{\"traceEvents\": [{\"ph\": \"X\" \"ts\": 1}]}").contains("at byte 28"));
    // E without B, negative durations: counted, not fatal.
    let s = summarize(b"[{\"ph\":\"E\",\"pid\":1,\"tid\":1,\"ts\":5},{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"a\",\"ts\":1,\"dur\":-3},{\"ph\":\"B\",\"name\":\"b\",\"pid\":1,\"tid\":1,\"ts\":9},{\"ph\":\"E\",\"pid\":1,\"tid\":1,\"ts\":4},7,{\"name\":\"a\"}]").unwrap();
    assert_eq!(s.warnings.unmatched_end, 1);
    assert_eq!(s.warnings.negative_durations, 2);
    assert_eq!(s.warnings.non_object_events, 1);
    // Invalid UTF-8 in a name.
    let s =
        summarize(b"[{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"a\xffb\",\"ts\":1,\"dur\":2}]")
            .unwrap();
    assert_eq!(s.warnings.invalid_utf8, 1);
    assert_eq!(s.cpu_ops.by_name[0].name, "a\u{fffd}b");
    // gzip: bad CRC, truncated stream.
    let mut z = gzip(&t);
    let n = z.len();
    z[n - 6] ^= 1;
    assert!(summarize(&z).unwrap_err().to_string().contains("CRC-32"));
    let z = gzip(&t);
    assert!(summarize(&z[..z.len() - 3])
        .unwrap_err()
        .to_string()
        .contains("gzip trailer"));
    assert!(summarize(&z[..z.len() / 2]).is_err());
}

#[test]
fn index_roundtrip_and_rejects() {
    use super::super::index::{decode, encode, IndexError, IndexKey};
    let s = summarize(&generate(9, 500, false)).unwrap();
    let key = IndexKey {
        size: 10,
        mtime_ns: 20,
        head_hash: 30,
    };
    let bytes = encode(key, &s);
    assert_eq!(decode(&bytes, key).unwrap(), s);
    assert_eq!(
        decode(&bytes, IndexKey { size: 11, ..key }),
        Err(IndexError::Stale)
    );
    for i in [0, 9, 40, bytes.len() / 2, bytes.len() - 1] {
        let mut b = bytes.clone();
        b[i] ^= 0x40;
        assert!(decode(&b, key).is_err());
    }
    for n in [0, 10, 47, bytes.len() - 1] {
        assert_eq!(decode(&bytes[..n], key), Err(IndexError::Corrupt));
    }
}
