//! The summary of a trace, computed from a complete [`TracePartial`]: per-name tables of
//! kernels, CPU ops and categories, GPU streams and devices (busy, idle, compute and
//! communication overlap), profiler steps and the kernel time each CPU op launched.
//!
//! All durations are microseconds (`f64`); internally they are summed as integer
//! nanoseconds, so totals are exact for inputs with at most 3 decimals.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::accum::{kind_of, EdgeRec, KernelRec, Kind, SpanIn, TracePartial, Warnings};
use super::dist::Dist;
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

fn row(name: String, d: &mut Dist) -> Row {
    let total = d.sum();
    let n = d.count().max(1);
    let (min, max) = d.range();
    let (p50, p95, p99) = d.percentiles();
    Row {
        name,
        count: d.count(),
        total_dur: us(total),
        self_dur: None,
        mean_dur: total as f64 / n as f64 / 1000.0,
        min_dur: us(min),
        max_dur: us(max),
        p50_dur: us(p50),
        p95_dur: us(p95),
        p99_dur: us(p99),
        kernel_dur: None,
        kernel_count: None,
    }
}

fn sort_rows(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        b.total_dur
            .total_cmp(&a.total_dur)
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The merged runs of intervals sorted by start.
fn runs(iv: impl Iterator<Item = (i64, i64)>) -> impl Iterator<Item = (i64, i64)> {
    let mut iv = iv.peekable();
    core::iter::from_fn(move || {
        let (s, mut e) = iv.next()?;
        while let Some(&(s2, e2)) = iv.peek() {
            if s2 > e {
                break;
            }
            e = e.max(e2);
            iv.next();
        }
        Some((s, e))
    })
}

/// Length of the intersection of two sequences of disjoint sorted runs.
fn intersection(
    mut a: impl Iterator<Item = (i64, i64)>,
    mut b: impl Iterator<Item = (i64, i64)>,
) -> i64 {
    let (mut x, mut y) = (a.next(), b.next());
    let mut total = 0;
    while let (Some(p), Some(q)) = (x, y) {
        total += (p.1.min(q.1) - p.0.max(q.0)).max(0);
        if p.1 < q.1 {
            x = a.next();
        } else {
            y = b.next();
        }
    }
    total
}

/// `v.partition_point(pred)` (`pred` true on a prefix of `v`), searched outwards from `hint`
/// with doubling steps: O(1) when the answer is at or next to `hint`.
fn partition_from<T>(v: &[T], hint: usize, pred: impl Fn(&T) -> bool) -> usize {
    let n = v.len();
    let h = hint.min(n);
    if h < n && pred(&v[h]) {
        // The answer is above h.
        let (mut lo, mut step) = (h + 1, 1);
        loop {
            let probe = lo + step - 1;
            if probe >= n || !pred(&v[probe]) {
                let hi = probe.min(n);
                return lo + v[lo..hi].partition_point(&pred);
            }
            lo = probe + 1;
            step *= 2;
        }
    }
    // The answer is at or below h.
    let (mut hi, mut step) = (h, 1);
    loop {
        if hi == 0 {
            return 0;
        }
        let probe = hi.saturating_sub(step);
        if pred(&v[probe]) {
            return probe + 1 + v[probe + 1..hi].partition_point(&pred);
        }
        if probe == 0 {
            return 0;
        }
        hi = probe;
        step *= 2;
    }
}

/// GPU time per stream or device (`pick`), grouped by label (distinct byte strings may
/// share a lossy UTF-8 name); sorts `kernels` by label, then start.
fn busy(
    kernels: &mut [KernelRec],
    names: &[String],
    nccl: &[bool],
    pick: impl Fn(&KernelRec) -> u32,
) -> Vec<Busy> {
    let ids: BTreeSet<u32> = kernels.iter().map(&pick).collect();
    let mut labels: Vec<&str> = ids.iter().map(|&i| names[i as usize].as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    // Rank of each string id (indexed directly: no map lookup per comparison).
    let mut rank = alloc::vec![0u32; names.len()];
    for &i in &ids {
        let r = labels
            .binary_search(&names[i as usize].as_str())
            .unwrap_or(0);
        rank[i as usize] = r as u32;
    }
    let rank_of = |k: &KernelRec| rank.get(pick(k) as usize).copied().unwrap_or(0);
    // By label, then start. Kernels of one label usually come in start order already, so
    // a stable partition by label and a run-detecting stable sort per label cost about one
    // pass each; the order of kernels with equal (label, start) does not change the result.
    kernels.sort_by_key(rank_of);
    for run in kernels.chunk_by_mut(|a, b| rank_of(a) == rank_of(b)) {
        run.sort_by_key(|k| k.ts);
    }
    let mut out = Vec::with_capacity(labels.len());
    for run in kernels.chunk_by(|a, b| rank_of(a) == rank_of(b)) {
        let iv = |k: &KernelRec| (k.ts, k.ts + k.dur);
        let is_comm = |k: &&KernelRec| nccl[k.name as usize];
        let (mut b, mut first, mut last) = (0, None, 0);
        for (s, e) in runs(run.iter().map(iv)) {
            b += e - s;
            first.get_or_insert(s);
            last = e;
        }
        let span = first.map_or(0, |f| last - f);
        let comm = || runs(run.iter().filter(is_comm).map(iv));
        let comp = || runs(run.iter().filter(|k| !is_comm(k)).map(iv));
        let total = |r: &mut dyn Iterator<Item = (i64, i64)>| r.map(|(s, e)| e - s).sum::<i64>();
        out.push(Busy {
            name: labels[rank_of(&run[0]) as usize].into(),
            kernels: run.len() as u64,
            kernel_dur: us(run.iter().map(|k| k.dur).sum()),
            busy: us(b),
            span: us(span),
            idle: us(span - b),
            comm_busy: us(total(&mut comm())),
            compute_busy: us(total(&mut comp())),
            overlap: us(intersection(comm(), comp())),
        });
    }
    out
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
        let mut by_kind: [BTreeMap<u32, Dist>; 2] = [BTreeMap::new(), BTreeMap::new()];
        let mut by_cat: BTreeMap<String, Dist> = BTreeMap::new();
        let group_durs = core::mem::take(&mut self.group_durs);
        for (&key, durs) in self.groups.keys().iter().zip(group_durs) {
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
                by_kind[s].entry(n).or_default().merge(&durs);
            }
            by_cat.entry(name(c)).or_default().merge_owned(durs);
        }
        let mut categories: Vec<Row> = by_cat
            .into_iter()
            .map(|(k, mut d)| row(k, &mut d))
            .collect();
        sort_rows(&mut categories);

        // Self time of CPU ops: nesting per thread, in (thread, start, longest first, file
        // order); an op's children are summed on the stack until it closes.
        // Per name id (ids are dense).
        let mut self_ns: Vec<i64> = alloc::vec![0; self.strings.len()];
        self.ops
            .sort_by_key(|o| (o.thread, o.ts, core::cmp::Reverse(o.dur)));
        // (thread, end, name, dur, time of direct children)
        let mut stack: Vec<(u32, i64, u32, i64, i64)> = Vec::new();
        let mut close = |top: (u32, i64, u32, i64, i64)| {
            if let Some(v) = self_ns.get_mut(top.2 as usize) {
                *v += (top.3 - top.4).max(0);
            }
        };
        for o in &self.ops {
            while let Some(&top) = stack
                .last()
                .filter(|&&(t, end, ..)| t != o.thread || end <= o.ts)
            {
                stack.pop();
                close(top);
            }
            if let Some(top) = stack.last_mut() {
                top.4 += o.dur.min(top.1 - o.ts);
            }
            stack.push((o.thread, o.ts + o.dur, o.name, o.dur, 0));
        }
        while let Some(top) = stack.pop() {
            close(top);
        }

        // Kernel → launching op (External id; the smallest name id among ops sharing one),
        // → step (runtime launch time).
        // Stable sorts: they find the runs already in order (External ids and correlations
        // mostly grow with time) in one pass; equal keys are equal in every field used.
        self.ops.sort_by_key(|o| (o.ext, o.name));
        self.launches.sort();
        let mut steps: Vec<(u32, i64, i64, u64, i64)> = self
            .steps
            .iter()
            .map(|&(n, t, d)| (n, t, d, 0, 0))
            .collect();
        steps.sort_by_key(|s| (s.1, s.0));
        let mut op_kernels: Vec<(u64, i64)> = alloc::vec![(0, 0); self.strings.len()];
        let mut attributed = 0i64;
        // Kernels mostly come in External-id order: each search starts where the last ended.
        let mut hint = 0;
        let mut lhint = 0;
        let mut shint = 0;
        for k in &self.kernels {
            if k.ext >= 0 {
                let p = partition_from(&self.ops, hint, |o| o.ext < k.ext);
                hint = p;
                if let Some(op) = self.ops.get(p).filter(|o| o.ext == k.ext) {
                    if let Some(e) = op_kernels.get_mut(op.name as usize) {
                        e.0 += 1;
                        e.1 += k.dur;
                    }
                    attributed += k.dur;
                }
            }
            let at = if k.corr < 0 {
                k.ts
            } else {
                let p = partition_from(&self.launches, lhint, |l| l.0 < k.corr);
                lhint = p;
                let l = &self.launches;
                let unique = l.get(p).is_some_and(|x| x.0 == k.corr)
                    && l.get(p + 1).is_none_or(|x| x.0 != k.corr);
                if unique {
                    l[p].1
                } else {
                    // Several launches share the correlation (or none has it): the binary
                    // search picks the one it always picked.
                    match l.binary_search_by_key(&k.corr, |l| l.0) {
                        Ok(p) => l[p].1,
                        Err(_) => k.ts,
                    }
                }
            };
            let p = partition_from(&steps, shint, |s| s.1 <= at);
            shint = p;
            if p > 0 && at < steps[p - 1].1 + steps[p - 1].2 {
                steps[p - 1].3 += 1;
                steps[p - 1].4 += k.dur;
            }
        }

        let group = |kind: usize, map: &mut BTreeMap<u32, Dist>, w: &Warnings| {
            let _ = w;
            let mut g = Group::default();
            let mut total = 0i64;
            for (&n, durs) in map.iter_mut() {
                g.count += durs.count();
                total += durs.sum();
                let mut r = row(name(n), durs);
                if kind == 1 {
                    r.self_dur = Some(us(self_ns.get(n as usize).copied().unwrap_or(0)));
                    let (c, d) = op_kernels.get(n as usize).copied().unwrap_or((0, 0));
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

        // Streams and devices: kernels sorted in place by label, then start.
        let nccl: Vec<bool> = names
            .iter()
            .map(|n| n.to_ascii_lowercase().contains("nccl"))
            .collect();
        let streams = busy(&mut self.kernels, &names, &nccl, |k| k.stream);
        let devices = busy(&mut self.kernels, &names, &nccl, |k| k.device);
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
