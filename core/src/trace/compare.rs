//! The difference of two trace summaries, per kernel and per CPU-op name.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::summary::{Group, Summary};

/// Settings of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareConfig {
    /// A name is faster or slower when its total changes by more than this percentage of A's.
    pub threshold_pct: f64,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig { threshold_pct: 5.0 }
    }
}

/// How one name changed from A to B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// Total shorter by more than the threshold.
    Faster,
    /// Total longer by more than the threshold.
    Slower,
    /// Within the threshold.
    Unchanged,
}

/// One name in both traces.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DiffRow {
    /// The kernel or op name.
    pub name: String,
    /// Count in A.
    pub a_count: u64,
    /// Count in B.
    pub b_count: u64,
    /// Total duration in A (µs).
    pub a_total_dur: f64,
    /// Total duration in B (µs).
    pub b_total_dur: f64,
    /// `b_total_dur - a_total_dur`, rounded to 3 decimals (µs).
    pub delta_total_dur: f64,
    /// `b_total_dur / a_total_dur` (absent when A's total is 0).
    pub ratio: Option<f64>,
    /// The change.
    pub status: Status,
}

/// Kernels or CPU ops of A against B.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DiffSide {
    /// Names only in A, sorted.
    pub only_in_a: Vec<String>,
    /// Names only in B, sorted.
    pub only_in_b: Vec<String>,
    /// Names in both.
    pub in_both: u64,
    /// Total in A (µs).
    pub a_total_dur: f64,
    /// Total in B (µs).
    pub b_total_dur: f64,
    /// `b - a` (µs).
    pub delta_total_dur: f64,
    /// Every name of A or B, by |delta| descending, then name.
    pub rows: Vec<DiffRow>,
}

/// The comparison of two traces.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Compare {
    /// The threshold used (%).
    pub threshold_pct: f64,
    /// GPU kernels.
    pub kernels: DiffSide,
    /// CPU ops.
    pub cpu_ops: DiffSide,
}

/// Round to 3 decimals (nanoseconds), as the reference does.
fn round3(x: f64) -> f64 {
    let r = libm::round(x * 1000.0) / 1000.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Count and total of a name in one trace, if present.
type Side = Option<(u64, f64)>;

fn side(a: &Group, b: &Group, cfg: CompareConfig) -> DiffSide {
    let mut names: BTreeMap<&str, (Side, Side)> = BTreeMap::new();
    for r in &a.by_name {
        names.entry(&r.name).or_default().0 = Some((r.count, r.total_dur));
    }
    for r in &b.by_name {
        names.entry(&r.name).or_default().1 = Some((r.count, r.total_dur));
    }
    let t = cfg.threshold_pct / 100.0;
    let mut out = DiffSide {
        only_in_a: Vec::new(),
        only_in_b: Vec::new(),
        in_both: 0,
        a_total_dur: a.total_dur,
        b_total_dur: b.total_dur,
        delta_total_dur: round3(b.total_dur - a.total_dur),
        rows: Vec::new(),
    };
    for (name, (ra, rb)) in names {
        let (ac, at) = ra.unwrap_or((0, 0.0));
        let (bc, bt) = rb.unwrap_or((0, 0.0));
        let status = match (ra, rb) {
            (None, _) => {
                out.only_in_b.push(name.into());
                Status::Added
            }
            (_, None) => {
                out.only_in_a.push(name.into());
                Status::Removed
            }
            _ => {
                out.in_both += 1;
                if bt > at * (1.0 + t) {
                    Status::Slower
                } else if bt < at * (1.0 - t) {
                    Status::Faster
                } else {
                    Status::Unchanged
                }
            }
        };
        out.rows.push(DiffRow {
            name: name.into(),
            a_count: ac,
            b_count: bc,
            a_total_dur: at,
            b_total_dur: bt,
            delta_total_dur: round3(bt - at),
            ratio: (at != 0.0).then(|| bt / at),
            status,
        });
    }
    out.rows.sort_by(|x, y| {
        y.delta_total_dur
            .abs()
            .total_cmp(&x.delta_total_dur.abs())
            .then_with(|| x.name.cmp(&y.name))
    });
    out
}

/// Compare trace A with trace B.
pub fn compare(a: &Summary, b: &Summary, cfg: CompareConfig) -> Compare {
    Compare {
        threshold_pct: cfg.threshold_pct,
        kernels: side(&a.kernels, &b.kernels, cfg),
        cpu_ops: side(&a.cpu_ops, &b.cpu_ops, cfg),
    }
}

impl Compare {
    /// Whether B's total kernel or CPU-op time exceeds A's by more than `pct` percent.
    pub fn slower_than(&self, pct: f64) -> bool {
        [&self.kernels, &self.cpu_ops]
            .iter()
            .any(|s| s.b_total_dur > s.a_total_dur * (1.0 + pct / 100.0))
    }
}
