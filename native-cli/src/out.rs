//! Human-readable output: aligned text for `info` and a table for `stats`.

use std::fmt::Write as _;

use scopekit_core::report::{ChannelStats, InfoReport, QuantileMethod, StatsReport};

/// Format a value with 7 significant digits, switching to exponent form for very large or
/// small magnitudes; `-` for a missing value.
pub(crate) fn num(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(x) if x == 0.0 || (1e-3..1e7).contains(&x.abs()) => {
            let digits = 6 - x.abs().log10().floor().clamp(-3.0, 6.0) as i32;
            let s = format!("{x:.prec$}", prec = digits.max(0) as usize);
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').into()
            } else {
                s
            }
        }
        Some(x) => format!("{x:.6e}"),
    }
}

/// `scopekit info` as aligned `key: value` lines: the common fields, then the format's own.
pub fn info(i: &InfoReport) -> String {
    let mut rows = vec![
        ("format", i.format.name().to_string()),
        ("dtype", i.dtype.clone()),
        ("channels", i.channels.to_string()),
        (
            "samples",
            i.samples
                .map_or_else(|| "unknown".into(), |n| n.to_string()),
        ),
    ];
    if let Some(rate) = i.sample_rate {
        rows.push(("rate", format!("{} Sa/s", num(Some(rate)))));
    }
    if let Some(unit) = &i.unit {
        rows.push(("unit", unit.clone()));
    }
    rows.push((
        "data",
        format!("{} bytes from byte {}", i.data_bytes, i.data_offset),
    ));
    if let Some(npy) = &i.npy {
        let shape: Vec<String> = npy.shape.iter().map(u64::to_string).collect();
        let order = if npy.fortran_order {
            "Fortran (columns)"
        } else {
            "C (rows)"
        };
        rows.push(("version", npy.version.clone()));
        rows.push((
            "descr",
            format!("{} ({} endian)", npy.descr, npy.byte_order),
        ));
        rows.push(("shape", format!("({})", shape.join(", "))));
        rows.push(("order", order.to_string()));
    }
    if let Some(t) = &i.trc {
        rows.push((
            "scope",
            format!("{} #{} ({})", t.instrument, t.instrument_number, t.template),
        ));
        if !t.trace_label.is_empty() {
            rows.push(("label", t.trace_label.clone()));
        }
        let some = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        rows.push((
            "source",
            format!("{}, {}", some(&t.wave_source), some(&t.coupling)),
        ));
        rows.push((
            "record",
            format!("{}, {}", some(&t.record_type), some(&t.timebase)),
        ));
        rows.push((
            "segments",
            format!("{} x {} points", t.segments, t.points_per_segment),
        ));
        rows.push((
            "vertical",
            format!(
                "{} * raw - {}",
                num(Some(t.vertical_gain)),
                num(Some(t.vertical_offset))
            ),
        ));
        rows.push((
            "time",
            format!(
                "{} + i * {} {}",
                num(Some(t.horiz_offset)),
                num(Some(t.horiz_interval)),
                t.horizontal_unit
            ),
        ));
        rows.push(("trigger", t.trigger_time.clone()));
    }
    if let Some(v) = &i.vcd {
        let some = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        rows.push(("timescale", some(&v.timescale)));
        rows.push(("writer", some(&v.version)));
        rows.push(("date", some(&v.date)));
        rows.push((
            "scopes",
            format!("{} ({} distinct codes)", v.scopes, v.codes),
        ));
    }
    if let Some(sr) = &i.sigrok {
        let names: Vec<String> = sr
            .channel_names
            .iter()
            .enumerate()
            .map(|(k, n)| format!("{k}={}", n.as_deref().unwrap_or("-")))
            .collect();
        rows.push((
            "session",
            format!(
                "v{}, {} logic chunks, {} bytes/sample",
                sr.version, sr.logic_chunks, sr.unitsize
            ),
        ));
        rows.push(("probes", names.join(" ")));
    }
    if let Some(z) = &i.npz {
        for m in &z.members {
            let shape: Vec<String> = m.shape.iter().map(u64::to_string).collect();
            rows.push((
                "array",
                format!("{} {} ({})", m.name, m.descr, shape.join(", ")),
            ));
        }
    }
    if let Some(w) = &i.wav {
        rows.push((
            "container",
            format!(
                "{} ({} {}-bit, {} valid)",
                w.container, w.sample_format, w.bits_per_sample, w.valid_bits
            ),
        ));
        rows.push(("frame", format!("{} bytes", w.block_align)));
        if let Some(mask) = w.channel_mask {
            rows.push(("mask", format!("0x{mask:x}")));
        }
        rows.push((
            "scale",
            format!("x {} for full scale 1.0", num(Some(w.full_scale))),
        ));
    }
    let mut out = String::new();
    for (k, v) in rows {
        let _ = writeln!(out, "{k:>9}: {v}");
    }
    if let Some(v) = &i.vcd {
        let _ = writeln!(out, "\n{:>5}  {:<8} {:>5}  name", "code", "kind", "width");
        for var in &v.vars {
            let _ = writeln!(
                out,
                "{:>5}  {:<8} {:>5}  {}",
                var.code, var.kind, var.width, var.name
            );
        }
    }
    out
}

/// `scopekit stats` as the info lines and a per-channel table.
pub fn stats(r: &StatsReport) -> String {
    let mut out = info(&r.info);
    out.push('\n');
    let head = [
        "channel", "count", "nan", "min", "max", "mean", "rms", "std", "p50", "p95", "p99",
    ];
    let rows: Vec<[String; 11]> = r.channels.iter().map(row).collect();
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len())
                .chain([head[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (cell, w) in cells.iter().zip(&widths) {
            let _ = write!(s, "{cell:>w$}  ");
        }
        s.trim_end().to_string() + "\n"
    };
    out += &line(&head);
    for r in &rows {
        out += &line(&r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if let Some(c) = r
        .channels
        .iter()
        .find(|c| c.quantiles == QuantileMethod::Sampled)
    {
        let _ = writeln!(
            out,
            "\npercentiles from a deterministic sample of ~{} values per channel (docs/json-schema.md: rank error)",
            c.quantile_sample
        );
    }
    out
}

fn row(c: &ChannelStats) -> [String; 11] {
    [
        c.channel.to_string(),
        c.count.to_string(),
        c.nan_count.to_string(),
        num(c.min),
        num(c.max),
        num(c.mean),
        num(c.rms),
        num(c.std),
        num(c.p50),
        num(c.p95),
        num(c.p99),
    ]
}
