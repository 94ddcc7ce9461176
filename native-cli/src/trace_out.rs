//! Text tables and CSV of `scopekit trace summary` and `scopekit trace compare`.

use std::fmt::Write as _;

use scopekit_core::trace::{Compare, DiffSide, Row, Summary};

use crate::trace::By;

/// µs with 3 decimals.
fn us(x: f64) -> String {
    format!("{x:.3}")
}

/// Right-aligned columns, the last (name) left-aligned.
fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([head[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for cells in std::iter::once(head.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .chain(rows.iter().cloned())
    {
        let mut line = String::new();
        for (k, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if k + 1 == cells.len() {
                line += cell;
            } else {
                let _ = write!(line, "{cell:>w$}  ");
            }
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = head.join(",") + "\n";
    for r in rows {
        out += &r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",");
        out.push('\n');
    }
    out
}

const ROW_HEAD: [&str; 12] = [
    "count",
    "total_us",
    "self_us",
    "kernel_us",
    "mean_us",
    "min_us",
    "max_us",
    "p50_us",
    "p95_us",
    "p99_us",
    "share_%",
    "name",
];

fn rows_of(s: &Summary, by: By) -> (&[Row], f64) {
    match by {
        By::Kernel => (&s.kernels.by_name, s.kernels.total_dur),
        By::Op => (&s.cpu_ops.by_name, s.cpu_ops.total_dur),
        By::Category | By::Stream => (
            &s.categories,
            s.categories.iter().map(|r| r.total_dur).sum(),
        ),
    }
}

fn cells(r: &Row, total: f64) -> Vec<String> {
    let opt = |x: Option<f64>| x.map_or_else(|| "-".into(), us);
    vec![
        r.count.to_string(),
        us(r.total_dur),
        opt(r.self_dur),
        opt(r.kernel_dur),
        us(r.mean_dur),
        us(r.min_dur),
        us(r.max_dur),
        us(r.p50_dur),
        us(r.p95_dur),
        us(r.p99_dur),
        if total > 0.0 {
            format!("{:.1}", 100.0 * r.total_dur / total)
        } else {
            "-".into()
        },
        r.name.clone(),
    ]
}

const STREAM_HEAD: [&str; 9] = [
    "kernels",
    "kernel_us",
    "busy_us",
    "idle_us",
    "span_us",
    "comm_us",
    "compute_us",
    "overlap_us",
    "stream",
];

fn stream_rows(s: &Summary) -> Vec<Vec<String>> {
    s.streams
        .iter()
        .map(|b| {
            vec![
                b.kernels.to_string(),
                us(b.kernel_dur),
                us(b.busy),
                us(b.idle),
                us(b.span),
                us(b.comm_busy),
                us(b.compute_busy),
                us(b.overlap),
                b.name.clone(),
            ]
        })
        .collect()
}

/// The table `--by` selects, as CSV (all rows).
pub fn summary_csv(s: &Summary, by: By) -> String {
    if by == By::Stream {
        return csv(&STREAM_HEAD, &stream_rows(s));
    }
    let (rows, total) = rows_of(s, by);
    csv(
        &ROW_HEAD,
        &rows.iter().map(|r| cells(r, total)).collect::<Vec<_>>(),
    )
}

/// Overview lines and the top `top` rows of the table `--by` selects.
pub fn summary_text(s: &Summary, by: By, top: usize) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        let _ = writeln!(out, "{k:>14}: {v}");
    };
    line("events", s.events.to_string());
    if let Some(x) = s.x_span {
        line("span", format!("{} us", us(x.span)));
    }
    line(
        "kernels",
        format!(
            "{} in {} names, {} us",
            s.kernels.count,
            s.kernels.distinct_names,
            us(s.kernels.total_dur)
        ),
    );
    line(
        "cpu ops",
        format!(
            "{} in {} names, {} us ({} us of kernels launched)",
            s.cpu_ops.count,
            s.cpu_ops.distinct_names,
            us(s.cpu_ops.total_dur),
            us(s.kernel_dur_attributed)
        ),
    );
    for d in &s.devices {
        line(
            "device",
            format!(
                "{}: busy {} us, idle {} us, compute {} us, comm {} us, overlap {} us",
                d.name,
                us(d.busy),
                us(d.idle),
                us(d.compute_busy),
                us(d.comm_busy),
                us(d.overlap)
            ),
        );
    }
    if !s.profiler_steps.is_empty() {
        let n = s.profiler_steps.len() as f64;
        let mean = s.profiler_steps.iter().map(|p| p.dur).sum::<f64>() / n;
        line(
            "steps",
            format!(
                "{} ProfilerStep spans, mean {} us",
                s.profiler_steps.len(),
                us(mean)
            ),
        );
    }
    let w = &s.warnings;
    let warn = [
        ("unknown fields", w.unknown_fields),
        ("big numbers", w.big_numbers),
        ("invalid UTF-8", w.invalid_utf8),
        ("negative durations", w.negative_durations),
        ("E without B", w.unmatched_end),
        ("B without E", w.unclosed_begin),
        ("non-object events", w.non_object_events),
        ("missing ts", w.missing_ts),
    ];
    let shown: Vec<String> = warn
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !shown.is_empty() {
        line("warnings", shown.join(", "));
    }
    out.push('\n');
    if by == By::Stream {
        out += &table(&STREAM_HEAD, &stream_rows(s));
        return out;
    }
    let (rows, total) = rows_of(s, by);
    let shown: Vec<Vec<String>> = rows.iter().take(top).map(|r| cells(r, total)).collect();
    out += &table(&ROW_HEAD, &shown);
    if rows.len() > top {
        let _ = writeln!(out, "({} more; --top N shows more)", rows.len() - top);
    }
    out
}

const DIFF_HEAD: [&str; 9] = [
    "a_count",
    "b_count",
    "a_total_us",
    "b_total_us",
    "delta_us",
    "ratio",
    "status",
    "kind",
    "name",
];

fn diff_rows(kind: &str, d: &DiffSide) -> Vec<Vec<String>> {
    d.rows
        .iter()
        .map(|r| {
            vec![
                r.a_count.to_string(),
                r.b_count.to_string(),
                us(r.a_total_dur),
                us(r.b_total_dur),
                format!("{:+.3}", r.delta_total_dur),
                r.ratio.map_or_else(|| "-".into(), |x| format!("{x:.3}")),
                serde_json::to_value(r.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                kind.into(),
                r.name.clone(),
            ]
        })
        .collect()
}

/// Every row of both tables as CSV.
pub fn compare_csv(d: &Compare) -> String {
    let mut rows = diff_rows("kernel", &d.kernels);
    rows.extend(diff_rows("op", &d.cpu_ops));
    csv(&DIFF_HEAD, &rows)
}

/// Totals and the top rows of both tables.
pub fn compare_text(d: &Compare, top: usize) -> String {
    let mut out = String::new();
    for (kind, side) in [("kernel", &d.kernels), ("op", &d.cpu_ops)] {
        let _ = writeln!(
            out,
            "{kind}s: A {} us, B {} us, delta {:+.3} us; {} only in A, {} only in B, {} in both (threshold {} %)",
            us(side.a_total_dur),
            us(side.b_total_dur),
            side.delta_total_dur,
            side.only_in_a.len(),
            side.only_in_b.len(),
            side.in_both,
            d.threshold_pct
        );
        let rows = diff_rows(kind, side);
        out += &table(&DIFF_HEAD, &rows[..rows.len().min(top)]);
        if rows.len() > top {
            let _ = writeln!(out, "({} more; --top N shows more)", rows.len() - top);
        }
        out.push('\n');
    }
    out
}
