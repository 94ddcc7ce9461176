//! The summary of a trace, computed from a complete [`TracePartial`]: per-name tables of
//! kernels, CPU ops and categories, GPU streams and devices (busy, idle, compute and
//! communication overlap), profiler steps and the kernel time each CPU op launched.
//!
//! All durations are microseconds (`f64`); internally they are summed as integer
//! nanoseconds, so totals are exact for inputs with at most 3 decimals.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::accum::{kind_of, EdgeRec, Kind, SpanIn, TracePartial, Warnings};
use super::meta::Json;

/// µs (`f64`) of integer nanoseconds, correctly rounded from the exact decimal.
pub fn us(ns: i64) -> f64 {
    let text = format!(
        "{}{}.{:03}",
        if ns < 0 { "-" } else { "" },
        ns.unsigned_abs() / 1000,
        ns.unsigned_abs() % 1000
    );
    text.parse().unwrap_or(ns as f64 / 1000.0)
}

/// Statistics of the spans of one name (or category, or stream).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    /// The name (or category, or stream).
    pub name: String,
    /// Number of spans.
    pub count: u64,
    /// Sum of durations (µs).
    pub total_dur: f64,
    /// CPU ops: total minus the time of CPU ops nested directly inside (µs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_dur: Option<f64>,
    /// Mean duration (µs).
    pub mean_dur: f64,
    /// Shortest (µs).
    pub min_dur: f64,
    /// Longest (µs).
    pub max_dur: f64,
    /// Median, nearest rank (µs).
    pub p50_dur: f64,
    /// 95th percentile, nearest rank (µs).
    pub p95_dur: f64,
    /// 99th percentile, nearest rank (µs).
    pub p99_dur: f64,
    /// CPU ops: time of the GPU kernels this op launched (matched by External id) (µs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_dur: Option<f64>,
    /// CPU ops: number of kernels this op launched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_count: Option<u64>,
}

/// Kernels or CPU ops as a whole and per name.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Group {
    /// Number of spans.
    pub count: u64,
    /// Distinct names.
    pub distinct_names: u64,
    /// Sum of durations (µs).
    pub total_dur: f64,
    /// Kernels: total per stream (`args.stream`, else `tid`) (µs).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub per_stream_total_dur: BTreeMap<String, f64>,
    /// Per name, by total descending, then name.
    pub by_name: Vec<Row>,
}

/// First start and last end of all complete spans (µs).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct XSpan {
    /// Earliest `ts`.
    pub first_ts: f64,
    /// Latest `ts + dur`.
    pub last_end: f64,
    /// `last_end - first_ts`.
    pub span: f64,
}

/// One `ProfilerStep#N` span and the GPU time launched in it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Step {
    /// `ProfilerStep#N`.
    pub name: String,
    /// Start (µs).
    pub ts: f64,
    /// Duration (µs).
    pub dur: f64,
    /// Kernels launched in the step (by their runtime launch event, else their own start).
    pub kernels: u64,
    /// Their total duration (µs).
    pub kernel_dur: f64,
}

/// GPU time of one stream or device.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Busy {
    /// Stream (`args.stream`, else `tid`) or device (`args.device`, else `pid`).
    pub name: String,
    /// Kernels.
    pub kernels: u64,
    /// Sum of kernel durations (µs).
    pub kernel_dur: f64,
    /// Time with at least one kernel running (union of intervals) (µs).
    pub busy: f64,
    /// From the first kernel's start to the last kernel's end (µs).
    pub span: f64,
    /// `span - busy` (µs).
    pub idle: f64,
    /// Time with a communication kernel (name contains `nccl`) running (µs).
    pub comm_busy: f64,
    /// Time with another kernel running (µs).
    pub compute_busy: f64,
    /// Time with both running (µs).
    pub overlap: f64,
}

/// Flow events (`s` starts, `f` finishes), matched by category and id.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Flows {
    /// `s` events.
    pub starts: u64,
    /// `f` events.
    pub finishes: u64,
    /// Distinct ids with both a start and a finish.
    pub matched: u64,
}

/// Names given by `M` events.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThreadName {
    /// Process id as written.
    pub pid: String,
    /// Thread id as written (empty for a process name).
    pub tid: String,
    /// The name.
    pub name: String,
}

/// Everything `scopekit trace summary` reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Elements of the event list.
    pub events: u64,
    /// Events per `ph` (`None` when absent).
    pub count_by_ph: BTreeMap<String, u64>,
    /// Events per `cat` (`None` when absent).
    pub count_by_cat: BTreeMap<String, u64>,
    /// Extent of the complete spans.
    pub x_span: Option<XSpan>,
    /// `displayTimeUnit` (display only: times stay in µs).
    pub display_time_unit: Option<String>,
    /// `schemaVersion`, `displayTimeUnit`, `baseTimeNanoseconds`, `distributedInfo`,
    /// `device_names` (from `deviceProperties`), when present.
    pub meta: Json,
    /// `ProfilerStep#N` spans by start.
    pub profiler_steps: Vec<Step>,
    /// GPU kernels.
    pub kernels: Group,
    /// CPU ops.
    pub cpu_ops: Group,
    /// All complete spans per category.
    pub categories: Vec<Row>,
    /// Kernels per stream.
    pub streams: Vec<Busy>,
    /// Kernels per device.
    pub devices: Vec<Busy>,
    /// Kernel time attributed to a launching CPU op (µs).
    pub kernel_dur_attributed: f64,
    /// Flow events.
    pub flows: Flows,
    /// `C` events per name.
    pub counters: BTreeMap<String, u64>,
    /// Process and thread names.
    pub thread_names: Vec<ThreadName>,
    /// Counted oddities.
    pub warnings: Warnings,
}

fn text(b: &[u8], warnings: &mut Warnings) -> String {
    match core::str::from_utf8(b) {
        Ok(s) => s.into(),
        Err(_) => {
            warnings.invalid_utf8 += 1;
            String::from_utf8_lossy(b).into_owned()
        }
    }
}

fn row(name: String, durs: &mut [i64]) -> Row {
    let total: i64 = durs.iter().sum();
    let n = durs.len().max(1);
    let (min, max) = durs
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &d| (lo.min(d), hi.max(d)));
    let (p50, p95, p99) = if durs.is_empty() {
        (0, 0, 0)
    } else {
        // Each selection leaves the lower ranks in front, so the next one looks only there.
        let k = |q: usize| (durs.len() * q).div_ceil(100).max(1);
        let (k50, k95, k99) = (k(50), k(95), k(99));
        let p99 = select_at(durs, k99 - 1);
        let p95 = select_at(&mut durs[..k99], k95 - 1);
        let p50 = select_at(&mut durs[..k95], k50 - 1);
        (p50, p95, p99)
    };
    Row {
        name,
        count: durs.len() as u64,
        total_dur: us(total),
        self_dur: None,
        mean_dur: total as f64 / n as f64 / 1000.0,
        min_dur: us(if durs.is_empty() { 0 } else { min }),
        max_dur: us(if durs.is_empty() { 0 } else { max }),
        p50_dur: us(p50),
        p95_dur: us(p95),
        p99_dur: us(p99),
        kernel_dur: None,
        kernel_count: None,
    }
}

/// The value of rank `k` (0-based) within `durs`.
fn select_at(durs: &mut [i64], k: usize) -> i64 {
    *durs.select_nth_unstable(k).1
}

fn sort_rows(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        b.total_dur
            .total_cmp(&a.total_dur)
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// Length of the union of intervals sorted by start; also returns the merged intervals.
fn union(iv: &mut [(i64, i64)]) -> (i64, Vec<(i64, i64)>) {
    iv.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for &(s, e) in iv.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    (merged.iter().map(|(s, e)| e - s).sum(), merged)
}

fn intersection(a: &[(i64, i64)], b: &[(i64, i64)]) -> i64 {
    let (mut i, mut j, mut total) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let s = a[i].0.max(b[j].0);
        let e = a[i].1.min(b[j].1);
        total += (e - s).max(0);
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    total
}

impl TracePartial {
    /// Match `B`/`E` pairs per thread (an `E` closes the latest open `B`) into spans.
    fn match_edges(&mut self) {
        let edges = core::mem::take(&mut self.edges);
        let mut open: BTreeMap<u32, Vec<EdgeRec>> = BTreeMap::new();
        for e in edges {
            let stack = open.entry(e.thread).or_default();
            if e.begin {
                stack.push(e);
                continue;
            }
            let Some(b) = stack.pop() else {
                self.warnings.unmatched_end += 1;
                continue;
            };
            let mut dur = e.ts - b.ts;
            if dur < 0 {
                self.warnings.negative_durations += 1;
                dur = 0;
            }
            let kind = kind_of(self.strings.get(b.cat));
            self.span(SpanIn {
                kind,
                name: b.name,
                cat: b.cat,
                thread: b.thread,
                stream: b.stream,
                device: b.device,
                ts: b.ts,
                dur,
                ext: b.ext,
                corr: -1,
            });
        }
        self.warnings.unclosed_begin += open.values().map(|s| s.len() as u64).sum::<u64>();
    }

    /// The summary of a complete trace.
    pub fn summary(mut self) -> Summary {
        self.match_edges();
        let mut w = self.warnings;
        let names: Vec<String> = (0..self.strings.len() as u32)
            .map(|i| text(self.strings.get(i), &mut w))
            .collect();
        let name = |id: u32| names[id as usize].clone();
        let counts = |keys: &[u64], counts: &[u64]| -> BTreeMap<String, u64> {
            let mut m = BTreeMap::new();
            for (k, c) in keys.iter().zip(counts) {
                *m.entry(name(*k as u32)).or_insert(0) += c;
            }
            m
        };
        let count_by_ph = counts(self.ph.keys(), &self.ph_counts);
        let count_by_cat = counts(self.cat.keys(), &self.cat_counts);
        let counters = counts(self.counters.keys(), &self.counter_counts);

        // Per name of kernels / CPU ops, per category.
        let mut by_kind: [BTreeMap<u32, Vec<i64>>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let mut by_cat: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (&key, durs) in self.groups.keys().iter().zip(&self.group_durs) {
            let (n, c) = ((key >> 32) as u32, key as u32);
            let cat = self.strings.get(c);
            let slot = match kind_of(if names[c as usize] == "None" {
                b""
            } else {
                cat
            }) {
                Kind::Kernel => Some(0),
                Kind::CpuOp => Some(1),
                _ => None,
            };
            if let Some(s) = slot {
                by_kind[s].entry(n).or_default().extend_from_slice(durs);
            }
            by_cat.entry(name(c)).or_default().extend_from_slice(durs);
        }
        let mut categories: Vec<Row> = by_cat
            .into_iter()
            .map(|(k, mut d)| row(k, &mut d))
            .collect();
        sort_rows(&mut categories);

        // Self time of CPU ops: nesting per thread.
        let mut self_ns: BTreeMap<u32, i64> = BTreeMap::new();
        let mut order: Vec<usize> = (0..self.ops.len()).collect();
        order.sort_by_key(|&i| {
            let o = &self.ops[i];
            (o.thread, o.ts, core::cmp::Reverse(o.dur), i)
        });
        let mut stack: Vec<(u32, i64, usize)> = Vec::new(); // (thread, end, op index)
        let mut child = alloc::vec![0i64; self.ops.len()];
        for &i in &order {
            let o = self.ops[i];
            while stack
                .last()
                .is_some_and(|&(t, end, _)| t != o.thread || end <= o.ts)
            {
                stack.pop();
            }
            if let Some(&(_, end, p)) = stack.last() {
                child[p] += o.dur.min(end - o.ts);
            }
            stack.push((o.thread, o.ts + o.dur, i));
        }
        for (i, o) in self.ops.iter().enumerate() {
            *self_ns.entry(o.name).or_insert(0) += (o.dur - child[i]).max(0);
        }

        // Kernel → launching op (External id), → step (runtime launch time).
        let mut ext_op: Vec<(i64, u32)> = self.ops.iter().map(|o| (o.ext, o.name)).collect();
        ext_op.sort_unstable();
        ext_op.dedup_by_key(|e| e.0);
        self.launches.sort_unstable();
        let mut steps: Vec<(u32, i64, i64, u64, i64)> = self
            .steps
            .iter()
            .map(|&(n, t, d)| (n, t, d, 0, 0))
            .collect();
        steps.sort_by_key(|s| (s.1, s.0));
        let mut op_kernels: BTreeMap<u32, (u64, i64)> = BTreeMap::new();
        let mut attributed = 0i64;
        for k in &self.kernels {
            if k.ext >= 0 {
                if let Ok(p) = ext_op.binary_search_by_key(&k.ext, |e| e.0) {
                    let e = op_kernels.entry(ext_op[p].1).or_default();
                    e.0 += 1;
                    e.1 += k.dur;
                    attributed += k.dur;
                }
            }
            let at = match self.launches.binary_search_by_key(&k.corr, |l| l.0) {
                Ok(p) if k.corr >= 0 => self.launches[p].1,
                _ => k.ts,
            };
            let p = steps.partition_point(|s| s.1 <= at);
            if p > 0 && at < steps[p - 1].1 + steps[p - 1].2 {
                steps[p - 1].3 += 1;
                steps[p - 1].4 += k.dur;
            }
        }

        let group = |kind: usize, map: &mut BTreeMap<u32, Vec<i64>>, w: &Warnings| {
            let _ = w;
            let mut g = Group::default();
            let mut total = 0i64;
            for (&n, durs) in map.iter_mut() {
                g.count += durs.len() as u64;
                total += durs.iter().sum::<i64>();
                let mut r = row(name(n), durs);
                if kind == 1 {
                    r.self_dur = Some(us(self_ns.get(&n).copied().unwrap_or(0)));
                    let (c, d) = op_kernels.get(&n).copied().unwrap_or((0, 0));
                    r.kernel_count = Some(c);
                    r.kernel_dur = Some(us(d));
                }
                g.by_name.push(r);
            }
            g.distinct_names = g.by_name.len() as u64;
            g.total_dur = us(total);
            sort_rows(&mut g.by_name);
            g
        };
        let [mut kmap, mut omap] = by_kind;
        let mut kernels = group(0, &mut kmap, &w);
        let cpu_ops = group(1, &mut omap, &w);

        // Streams and devices.
        let nccl: Vec<bool> = names
            .iter()
            .map(|n| n.to_ascii_lowercase().contains("nccl"))
            .collect();
        let busy = |pick: &dyn Fn(&super::accum::KernelRec) -> u32| -> Vec<Busy> {
            // Grouped by id first (no string per kernel), then by name: distinct byte strings
            // may share a lossy UTF-8 name.
            let mut per_id: BTreeMap<u32, Vec<&super::accum::KernelRec>> = BTreeMap::new();
            for k in &self.kernels {
                per_id.entry(pick(k)).or_default().push(k);
            }
            let mut per: BTreeMap<String, Vec<&super::accum::KernelRec>> = BTreeMap::new();
            for (id, ks) in per_id {
                per.entry(name(id)).or_default().extend(ks);
            }
            per.into_iter()
                .map(|(label, ks)| {
                    let mut all: Vec<(i64, i64)> =
                        ks.iter().map(|k| (k.ts, k.ts + k.dur)).collect();
                    let mut comm: Vec<(i64, i64)> = ks
                        .iter()
                        .filter(|k| nccl[k.name as usize])
                        .map(|k| (k.ts, k.ts + k.dur))
                        .collect();
                    let mut comp: Vec<(i64, i64)> = ks
                        .iter()
                        .filter(|k| !nccl[k.name as usize])
                        .map(|k| (k.ts, k.ts + k.dur))
                        .collect();
                    let (b, merged) = union(&mut all);
                    let (cb, cm) = union(&mut comm);
                    let (pb, pm) = union(&mut comp);
                    let span = match (merged.first(), merged.last()) {
                        (Some(f), Some(l)) => l.1 - f.0,
                        _ => 0,
                    };
                    Busy {
                        name: label,
                        kernels: ks.len() as u64,
                        kernel_dur: us(ks.iter().map(|k| k.dur).sum()),
                        busy: us(b),
                        span: us(span),
                        idle: us(span - b),
                        comm_busy: us(cb),
                        compute_busy: us(pb),
                        overlap: us(intersection(&cm, &pm)),
                    }
                })
                .collect()
        };
        let streams = busy(&|k| k.stream);
        let devices = busy(&|k| k.device);
        kernels.per_stream_total_dur = streams
            .iter()
            .map(|s| (s.name.clone(), s.kernel_dur))
            .collect();

        // Flows.
        let mut fs = self.flow_starts.clone();
        let mut fe = self.flow_ends.clone();
        fs.sort_unstable();
        fs.dedup();
        fe.sort_unstable();
        fe.dedup();
        let matched = fs.iter().filter(|k| fe.binary_search(k).is_ok()).count() as u64;

        let profiler_steps = steps
            .iter()
            .map(|&(n, t, d, c, kd)| Step {
                name: name(n),
                ts: us(t),
                dur: us(d),
                kernels: c,
                kernel_dur: us(kd),
            })
            .collect();
        let x_span = self.first_ts.zip(self.last_end).map(|(f, l)| XSpan {
            first_ts: us(f),
            last_end: us(l),
            span: us(l - f),
        });
        let meta = meta_of(&self.meta);
        let display_time_unit = match meta.get("displayTimeUnit") {
            Some(Json::Str(s)) => Some(s.clone()),
            _ => None,
        };
        let mut latest: BTreeMap<(String, String), String> = BTreeMap::new();
        for &(thread, p, t, n) in &self.names {
            let tid = if thread { name(t) } else { String::new() };
            latest.insert((name(p), tid), name(n));
        }
        let thread_names = latest
            .into_iter()
            .map(|((pid, tid), name)| ThreadName { pid, tid, name })
            .collect();
        Summary {
            events: self.events,
            count_by_ph,
            count_by_cat,
            x_span,
            display_time_unit,
            meta,
            profiler_steps,
            kernels,
            cpu_ops,
            categories,
            streams,
            devices,
            kernel_dur_attributed: us(attributed),
            flows: Flows {
                starts: self.flow_starts.len() as u64,
                finishes: self.flow_ends.len() as u64,
                matched,
            },
            counters,
            thread_names,
            warnings: w,
        }
    }
}

/// The `meta` object: the known top-level members, `deviceProperties` reduced to the sorted
/// distinct device names.
fn meta_of(members: &[(String, Json)]) -> Json {
    let mut out = Vec::new();
    for key in [
        "schemaVersion",
        "displayTimeUnit",
        "baseTimeNanoseconds",
        "distributedInfo",
    ] {
        if let Some((_, v)) = members.iter().rev().find(|(k, _)| k == key) {
            out.push((key.into(), v.clone()));
        }
    }
    if let Some((_, Json::Arr(props))) = members.iter().rev().find(|(k, _)| k == "deviceProperties")
    {
        let mut names: Vec<String> = props
            .iter()
            .filter_map(|p| match p.get("name") {
                Some(Json::Str(s)) => Some(s.clone()),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        out.push((
            "device_names".into(),
            Json::Arr(names.into_iter().map(Json::Str).collect()),
        ));
    }
    Json::Obj(out)
}
