//! Golden tests against the PyTorch traces of the shared data, chunk invariance, parallel
//! == serial, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{json, Value};

use super::*;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/pytorch/");

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(String::from(DATA) + rel).unwrap()
}

/// The summary in the shape of `scripts/trace_summary.py`'s output.
fn as_reference(s: &Summary) -> Value {
    let group = |g: &Group, streams: bool| {
        let by_name: serde_json::Map<String, Value> = g
            .by_name
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    json!({"count": r.count, "total_dur": r.total_dur, "min_dur": r.min_dur, "max_dur": r.max_dur}),
                )
            })
            .collect();
        let mut v = json!({"count": g.count, "distinct_names": g.distinct_names,
            "total_dur": g.total_dur, "by_name": by_name});
        if streams {
            v["per_stream_total_dur"] = serde_json::to_value(&g.per_stream_total_dur).unwrap();
        }
        v
    };
    let mut v = json!({
        "events": s.events,
        "count_by_ph": s.count_by_ph,
        "count_by_cat": s.count_by_cat,
        "profiler_steps": s.profiler_steps.iter().map(|p| json!({"name": p.name, "ts": p.ts, "dur": p.dur})).collect::<Vec<_>>(),
        "meta": serde_json::to_value(&s.meta).unwrap(),
        "kernels": group(&s.kernels, true),
        "cpu_ops": group(&s.cpu_ops, false),
    });
    if let Some(x) = s.x_span {
        v["x_span"] = json!({"first_ts": x.first_ts, "last_end": x.last_end, "span": x.span});
    }
    v
}

/// Compare JSON values with numbers as f64.
fn same(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            assert_eq!(x.as_f64().unwrap(), y.as_f64().unwrap(), "{path}");
        }
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            assert_eq!(kx, ky, "{path}: keys");
            for (k, v) in x {
                same(v, &y[k], &alloc::format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same(p, q, &alloc::format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

const TRACES: [&str; 4] = [
    "hta_trace_compare/base/base",
    "hta_trace_compare/test/test",
    "kineto_resnet50/resnet50_num_workers_0/worker0.1623143089861.pt.trace",
    "kineto_resnet50/resnet50_num_workers_4/worker0.1623212756351.pt.trace",
];

#[test]
fn golden_summaries() {
    for t in TRACES {
        let s = summarize(&read(&(String::from(t) + ".json.gz"))).unwrap();
        let mut want: Value =
            serde_json::from_slice(&read(&(String::from(t) + ".summary.json"))).unwrap();
        for k in ["file", "bytes", "sha256"] {
            want.as_object_mut().unwrap().remove(k);
        }
        same(&as_reference(&s), &want, t);
        assert_eq!(s.warnings.negative_durations, 0);
    }
}

#[test]
fn golden_key_numbers() {
    let s = summarize(&read(&(String::from(TRACES[2]) + ".json.gz"))).unwrap();
    assert_eq!((s.kernels.count, s.kernels.distinct_names), (8772, 67));
    assert_eq!(s.kernels.total_dur, 591_532.0);
    assert_eq!((s.cpu_ops.count, s.cpu_ops.distinct_names), (23_646, 85));
    assert_eq!(s.cpu_ops.total_dur, 3_134_531.0);
    // Every kernel of this trace carries the External id of the op that launched it.
    assert!(s.kernel_dur_attributed > 0.0);
    assert_eq!(s.flows.starts, 9096);
}

fn diff_reference(d: &Compare) -> Value {
    let side = |s: &DiffSide| {
        json!({"only_in_a": s.only_in_a, "only_in_b": s.only_in_b, "in_both": s.in_both,
            "a_total_dur": s.a_total_dur, "b_total_dur": s.b_total_dur,
            "delta_total_dur": s.delta_total_dur,
            "rows": s.rows.iter().map(|r| json!({"name": r.name, "a_count": r.a_count,
                "b_count": r.b_count, "a_total_dur": r.a_total_dur, "b_total_dur": r.b_total_dur,
                "delta_total_dur": r.delta_total_dur})).collect::<Vec<_>>()})
    };
    json!({"kernels": side(&d.kernels), "cpu_ops": side(&d.cpu_ops)})
}

#[test]
fn golden_diffs() {
    for (a, b, file) in [
        (
            TRACES[0],
            TRACES[1],
            "hta_trace_compare/diff_base_vs_test.json",
        ),
        (
            TRACES[2],
            TRACES[3],
            "kineto_resnet50/diff_num_workers_0_vs_4.json",
        ),
    ] {
        let sa = summarize(&read(&(String::from(a) + ".json.gz"))).unwrap();
        let sb = summarize(&read(&(String::from(b) + ".json.gz"))).unwrap();
        let d = compare(&sa, &sb, CompareConfig::default());
        let want: Value = serde_json::from_slice(&read(file)).unwrap();
        same(&diff_reference(&d), &want["diff"], file);
    }
}

/// The HTA pair: the ops that test adds.
#[test]
fn hta_added_ops() {
    let sa = summarize(&read(&(String::from(TRACES[0]) + ".json.gz"))).unwrap();
    let sb = summarize(&read(&(String::from(TRACES[1]) + ".json.gz"))).unwrap();
    let d = compare(&sa, &sb, CompareConfig::default());
    assert_eq!(
        d.cpu_ops.only_in_b,
        ["AddmmBackward0", "All2All_Pooled_Req", "CatBackward0"]
    );
    assert!(
        d.cpu_ops
            .rows
            .iter()
            .filter(|r| r.status == Status::Added)
            .count()
            == 3
    );
}

#[path = "tests_stream.rs"]
mod stream;
