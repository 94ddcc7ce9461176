//! `scopekit trace summary` / `trace compare`: the PyTorch traces of the shared data
//! against their expected summaries and differences, the binary index (reuse, corrupt and
//! stale index rebuilt, read-only folder), parallel == serial, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scopekit_tests::{bin, repo, TempDir};
use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    repo().join("../shared/data/pytorch").join(rel)
}

const A: &str = "kineto_resnet50/resnet50_num_workers_0/worker0.1623143089861.pt.trace";
const B: &str = "kineto_resnet50/resnet50_num_workers_4/worker0.1623212756351.pt.trace";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.arg("trace").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run scopekit")
}

fn ok(args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let out = run(args, env);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&ok(args, &[])).expect("one JSON document")
}

/// Copy a shared trace into `dir` (the index is written next to it, never into the data).
fn copy(dir: &TempDir, rel: &str, name: &str) -> String {
    let to = dir.path(name);
    std::fs::copy(data(&(rel.to_string() + ".json.gz")), &to).unwrap();
    to.to_str().unwrap().to_string()
}

fn expected(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(data(&(rel.to_string() + ".summary.json"))).unwrap())
        .unwrap()
}

#[test]
fn summary_matches_reference() {
    let dir = TempDir::new("trace-golden");
    for (rel, name) in [
        (A, "a.json.gz"),
        (B, "b.json.gz"),
        ("hta_trace_compare/base/base", "base.json.gz"),
        ("hta_trace_compare/test/test", "test.json.gz"),
    ] {
        let path = copy(&dir, rel, name);
        let got = json(&["summary", &path, "--json"]);
        let want = expected(rel);
        for k in ["events", "count_by_ph", "count_by_cat", "x_span", "meta"] {
            assert_eq!(got[k], want[k], "{name}: {k}");
        }
        for g in ["kernels", "cpu_ops"] {
            for k in ["count", "distinct_names", "total_dur"] {
                assert_eq!(got[g][k], want[g][k], "{name}: {g}.{k}");
            }
            let rows = got[g]["by_name"].as_array().unwrap();
            let by_name = want[g]["by_name"].as_object().unwrap();
            assert_eq!(rows.len(), by_name.len());
            for r in rows {
                let w = &by_name[r["name"].as_str().unwrap()];
                for k in ["count", "total_dur", "min_dur", "max_dur"] {
                    assert_eq!(r[k], w[k], "{name}: {g} {} {k}", r["name"]);
                }
            }
        }
        assert_eq!(
            got["kernels"]["per_stream_total_dur"],
            want["kernels"]["per_stream_total_dur"]
        );
        let steps: Vec<&str> = got["profiler_steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        let want_steps: Vec<&str> = want["profiler_steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(steps, want_steps);
    }
}

#[test]
fn compare_matches_reference() {
    let dir = TempDir::new("trace-diff");
    let (a, b) = (copy(&dir, A, "a.json.gz"), copy(&dir, B, "b.json.gz"));
    let got = json(&["compare", &a, &b, "--json"]);
    let want: Value = serde_json::from_slice(
        &std::fs::read(data("kineto_resnet50/diff_num_workers_0_vs_4.json")).unwrap(),
    )
    .unwrap();
    for side in ["kernels", "cpu_ops"] {
        let (g, w) = (&got["diff"][side], &want["diff"][side]);
        for k in [
            "only_in_a",
            "only_in_b",
            "in_both",
            "a_total_dur",
            "b_total_dur",
            "delta_total_dur",
        ] {
            assert_eq!(g[k], w[k], "{side}.{k}");
        }
        let (gr, wr) = (g["rows"].as_array().unwrap(), w["rows"].as_array().unwrap());
        assert_eq!(gr.len(), wr.len());
        for (x, y) in gr.iter().zip(wr) {
            for k in [
                "name",
                "a_count",
                "b_count",
                "a_total_dur",
                "b_total_dur",
                "delta_total_dur",
            ] {
                assert_eq!(x[k], y[k], "{side} {k}");
            }
        }
    }
    let top = &got["diff"]["kernels"]["rows"][0];
    assert_eq!(top["status"], "faster");
    // The CPU-op total shrinks; the kernel total grows by 0.56 %.
    let out = run(&["compare", &a, &b, "--fail-if-slower", "0.5"], &[]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        run(&["compare", &a, &b, "--fail-if-slower", "1"], &[])
            .status
            .code(),
        Some(0)
    );
    let csv = String::from_utf8(ok(&["compare", &a, &b, "--csv"], &[])).unwrap();
    assert!(
        csv.starts_with("a_count,b_count,a_total_us,b_total_us,delta_us,ratio,status,kind,name\n")
    );
    assert_eq!(csv.lines().count(), 1 + 68 + 87);
}

fn sidecar(p: &str) -> PathBuf {
    PathBuf::from(p.to_string() + ".skidx")
}

#[test]
fn index_is_reused_and_rebuilt() {
    let dir = TempDir::new("trace-index");
    let a = copy(&dir, A, "a.json.gz");
    let first = ok(&["summary", &a, "--json"], &[]);
    let idx = std::fs::read(sidecar(&a)).expect("index written next to the trace");
    assert_eq!(ok(&["summary", &a, "--json"], &[]), first);
    // Corrupt: ignored and rewritten.
    let mut bad = idx.clone();
    let n = bad.len() / 2;
    bad[n] ^= 0xff;
    std::fs::write(sidecar(&a), &bad).unwrap();
    assert_eq!(ok(&["summary", &a, "--json"], &[]), first);
    assert_eq!(std::fs::read(sidecar(&a)).unwrap(), idx);
    // Garbage, truncated.
    std::fs::write(sidecar(&a), b"not an index").unwrap();
    assert_eq!(ok(&["summary", &a, "--json"], &[]), first);
    // Stale: another trace under the same name.
    std::fs::copy(data(&(B.to_string() + ".json.gz")), &a).unwrap();
    let other = ok(&["summary", &a, "--json"], &[]);
    assert_ne!(other, first);
    assert_eq!(other, ok(&["summary", &a, "--json", "--no-index"], &[]));
}

#[cfg(unix)]
#[test]
fn read_only_folder_uses_the_cache() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = TempDir::new("trace-ro");
    std::fs::create_dir_all(dir.path("ro")).unwrap();
    std::fs::create_dir_all(dir.path("cache")).unwrap();
    let t = dir.path("ro/t.json.gz");
    std::fs::copy(data("hta_trace_compare/base/base.json.gz"), &t).unwrap();
    std::fs::set_permissions(dir.path("ro"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let cache = dir.path("cache");
    let env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let first = ok(&["summary", t.to_str().unwrap(), "--json"], &env);
    std::fs::set_permissions(dir.path("ro"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!Path::new(&(t.to_str().unwrap().to_string() + ".skidx")).exists());
    let files: Vec<_> = std::fs::read_dir(cache.join("scopekit")).unwrap().collect();
    assert_eq!(files.len(), 1);
    assert_eq!(ok(&["summary", t.to_str().unwrap(), "--json"], &env), first);
}

/// A plain-JSON trace with strings that look like event boundaries (`},{` inside args).
fn synthetic(events: usize) -> String {
    let mut s = String::from("{\"traceEvents\": [\n");
    for i in 0..events {
        if i > 0 {
            s.push_str(",\n");
        }
        let ts = 1_000_000 + i as u64 * 7;
        match i % 4 {
            0 => s.push_str(&format!("{{\"ph\": \"X\", \"cat\": \"cpu_op\", \"name\": \"op{}\", \"pid\": 1, \"tid\": 1, \"ts\": {ts}, \"dur\": {}.5, \"args\": {{\"External id\": {i}, \"s\": \"}},\\n{{\\\"ph\\\": \\\"X\\\"\"}}}}", i % 13, i % 50)),
            1 => s.push_str(&format!("{{\"ph\": \"X\", \"cat\": \"kernel\", \"name\": \"k{}\", \"pid\": 0, \"tid\": 7, \"ts\": {ts}, \"dur\": {}, \"args\": {{\"External id\": {}, \"stream\": {}}}}}", i % 5, i % 30, i - 1, 7 + i % 2)),
            2 => s.push_str(&format!("{{\"ph\": \"B\", \"name\": \"b\", \"pid\": 1, \"tid\": 2, \"ts\": {ts}}}")),
            _ => s.push_str(&format!("{{\"ph\": \"E\", \"pid\": 1, \"tid\": 2, \"ts\": {}}}", ts + 3)),
        }
    }
    s.push_str("\n], \"displayTimeUnit\": \"ns\"}\n");
    s
}

#[test]
fn parallel_equals_serial() {
    let dir = TempDir::new("trace-par");
    let t = dir.path("t.json");
    std::fs::write(&t, synthetic(40_000)).unwrap();
    let t = t.to_str().unwrap();
    let serial = ok(
        &["summary", t, "--json", "--no-index", "--threads", "1"],
        &[],
    );
    for part in ["50000", "77777", "123", "1000000"] {
        let env = [("SCOPEKIT_TRACE_PART", part)];
        let par = ok(
            &["summary", t, "--json", "--no-index", "--threads", "2"],
            &env,
        );
        assert_eq!(par, serial, "part size {part}");
    }
    let v: Value = serde_json::from_slice(&serial).unwrap();
    assert_eq!(v["events"], 40_000);
    assert_eq!(v["display_time_unit"], "ns");
}

#[test]
fn bad_input_is_reported() {
    let dir = TempDir::new("trace-bad");
    let full = synthetic(100);
    let cut = full.len() / 2;
    let t = dir.path("cut.json");
    std::fs::write(&t, &full[..cut]).unwrap();
    let out = run(&["summary", t.to_str().unwrap()], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("truncated")
            && err.contains("events read")
            && err.contains(&format!("byte {cut}")),
        "{err}"
    );
    for (name, bytes, needle) in [
        (
            "nottrace.json",
            &b"{\"a\": [1, 2]}"[..],
            "without traceEvents",
        ),
        ("number.json", b"3.5", "a trace"),
        (
            "gz.json.gz",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage",
            "gzip",
        ),
    ] {
        let p = dir.path(name);
        std::fs::write(&p, bytes).unwrap();
        let out = run(&["summary", p.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{name}: {err}");
    }
    // E without B and negative durations are counted, not fatal.
    let p = dir.path("odd.json");
    std::fs::write(&p, b"[{\"ph\": \"E\", \"pid\": 1, \"tid\": 1, \"ts\": 2}, {\"ph\": \"X\", \"cat\": \"kernel\", \"name\": \"k\", \"ts\": 1, \"dur\": -4, \"huge\": 1e999}]").unwrap();
    let v = json(&["summary", p.to_str().unwrap(), "--json"]);
    assert_eq!(v["warnings"]["unmatched_end"], 1);
    assert_eq!(v["warnings"]["negative_durations"], 1);
    assert_eq!(v["warnings"]["unknown_fields"], 1);
    let text = String::from_utf8(ok(&["summary", p.to_str().unwrap()], &[])).unwrap();
    assert!(text.contains("E without B 1"), "{text}");
}
