//! What the reader keeps of the events it has read: counts, per-(name, category) durations
//! and the records the summary needs once everything is read (CPU-op and kernel intervals,
//! runtime launches, `B`/`E` pairs, flows). Partials of consecutive parts of a file
//! [`Merge`](crate::Merge) into exactly the serial result: records are appended in file order
//! and every string id of the later part is re-interned.

use alloc::string::String;
use alloc::vec::Vec;

use super::dist::Dist;
use super::event::{Event, Raw};
use super::meta::Json;
use super::table::{hash_bytes, IdMap, Interner};
use crate::Result;

/// What an event's category makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Kernel,
    CpuOp,
    Runtime,
    Other,
}

/// Classify a category (lower-cased comparisons, as the definitions require).
pub(crate) fn kind_of(cat: &[u8]) -> Kind {
    if cat.eq_ignore_ascii_case(b"kernel") {
        Kind::Kernel
    } else if cat.eq_ignore_ascii_case(b"cpu_op") || cat.eq_ignore_ascii_case(b"operator") {
        Kind::CpuOp
    } else if cat.eq_ignore_ascii_case(b"cuda_runtime") || cat.eq_ignore_ascii_case(b"runtime") {
        Kind::Runtime
    } else {
        Kind::Other
    }
}

/// A CPU-op interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpRec {
    pub thread: u32,
    pub name: u32,
    pub ts: i64,
    pub dur: i64,
    pub ext: i64,
}

/// A kernel interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KernelRec {
    pub stream: u32,
    pub device: u32,
    pub name: u32,
    pub ts: i64,
    pub dur: i64,
    pub ext: i64,
    pub corr: i64,
}

/// A `B` or `E` event, matched once the whole file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EdgeRec {
    pub thread: u32,
    pub name: u32,
    pub cat: u32,
    pub ts: i64,
    pub begin: bool,
    pub stream: u32,
    pub device: u32,
    pub ext: i64,
}

/// Counted oddities of the input: tolerated, never fatal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warnings {
    /// Event keys outside the Trace Event Format.
    pub unknown_fields: u64,
    /// Numbers whose integer part does not fit in 64 bits (read as floats).
    pub big_numbers: u64,
    /// Distinct names or categories that are not valid UTF-8, plus `\u` escapes of lone
    /// surrogates (shown with U+FFFD).
    pub invalid_utf8: u64,
    /// Complete events with a negative `dur`, and `E` events earlier than their `B` (counted
    /// as 0).
    pub negative_durations: u64,
    /// `E` events without an open `B` on their thread.
    pub unmatched_end: u64,
    /// `B` events never closed.
    pub unclosed_begin: u64,
    /// Elements of the event list that are not objects.
    pub non_object_events: u64,
    /// Events without a numeric `ts` where one is needed (`X`, `B`, `E`).
    pub missing_ts: u64,
}

impl Warnings {
    fn add(&mut self, o: &Warnings) {
        self.unknown_fields += o.unknown_fields;
        self.big_numbers += o.big_numbers;
        self.invalid_utf8 += o.invalid_utf8;
        self.negative_durations += o.negative_durations;
        self.unmatched_end += o.unmatched_end;
        self.unclosed_begin += o.unclosed_begin;
        self.non_object_events += o.non_object_events;
        self.missing_ts += o.missing_ts;
    }
}

/// The partial result of reading part of a trace.
#[derive(Debug, Clone, Default)]
pub struct TracePartial {
    pub(crate) strings: Interner,
    pub(crate) events: u64,
    /// (string id of ph) → count, (string id of cat) → count.
    pub(crate) ph: IdMap,
    pub(crate) ph_counts: Vec<u64>,
    pub(crate) cat: IdMap,
    pub(crate) cat_counts: Vec<u64>,
    /// (name id << 32 | cat id) of complete spans → their durations (ns).
    pub(crate) groups: IdMap,
    pub(crate) group_durs: Vec<Dist>,
    pub(crate) ops: Vec<OpRec>,
    pub(crate) kernels: Vec<KernelRec>,
    /// (correlation, ts) of runtime (launch) events.
    pub(crate) launches: Vec<(i64, i64)>,
    /// (name, ts, dur) of `ProfilerStep#N` spans.
    pub(crate) steps: Vec<(u32, i64, i64)>,
    pub(crate) edges: Vec<EdgeRec>,
    /// Flow ids (hash of the id text and category): starts and finishes.
    pub(crate) flow_starts: Vec<u64>,
    pub(crate) flow_ends: Vec<u64>,
    /// `C` events per name id.
    pub(crate) counters: IdMap,
    pub(crate) counter_counts: Vec<u64>,
    /// `M` events: (is thread name, pid id, tid id, name id).
    pub(crate) names: Vec<(bool, u32, u32, u32)>,
    /// First ts and last ts + dur of complete spans (ns).
    pub(crate) first_ts: Option<i64>,
    pub(crate) last_end: Option<i64>,
    pub(crate) meta: Vec<(String, Json)>,
    pub(crate) warnings: Warnings,
    scratch: Vec<u8>,
}

/// The string id written for an absent `ph`/`cat` (Python's `str(None)`).
const NONE: &[u8] = b"None";

impl TracePartial {
    fn intern(&mut self, r: &Raw<'_>) -> u32 {
        if !r.present {
            return self.strings.intern(NONE);
        }
        if !r.escaped {
            return self.strings.intern(r.text);
        }
        let mut scratch = core::mem::take(&mut self.scratch);
        let (s, bad) = r.decoded(&mut scratch);
        self.warnings.invalid_utf8 += u64::from(bad);
        let id = self.strings.intern(s);
        self.scratch = scratch;
        id
    }

    fn intern_pair(&mut self, a: &Raw<'_>, b: &Raw<'_>) -> u32 {
        let mut key = core::mem::take(&mut self.scratch);
        key.clear();
        key.extend_from_slice(a.text);
        key.push(0x1f);
        key.extend_from_slice(b.text);
        let id = self.strings.intern(&key);
        self.scratch = key;
        id
    }

    /// A value that is not an object in the event list.
    pub(crate) fn non_object(&mut self) {
        self.events += 1;
        self.warnings.non_object_events += 1;
        let none = self.strings.intern(NONE);
        bump(&mut self.ph, &mut self.ph_counts, u64::from(none), 1);
        bump(&mut self.cat, &mut self.cat_counts, u64::from(none), 1);
    }

    /// Take one event.
    pub(crate) fn add(&mut self, ev: &Event<'_>) {
        self.events += 1;
        self.warnings.unknown_fields += u64::from(ev.unknown_fields);
        self.warnings.big_numbers += u64::from(ev.big_numbers);
        let ph = self.intern(&ev.ph);
        let cat = self.intern(&ev.cat);
        bump(&mut self.ph, &mut self.ph_counts, u64::from(ph), 1);
        bump(&mut self.cat, &mut self.cat_counts, u64::from(cat), 1);
        let phase = if ev.ph.text.len() == 1 {
            ev.ph.text[0]
        } else {
            0
        };
        match phase {
            b'X' => self.complete(ev, cat),
            b'B' | b'E' => {
                let Some(ts) = ev.ts else {
                    self.warnings.missing_ts += 1;
                    return;
                };
                let rec = EdgeRec {
                    thread: self.intern_pair(&ev.pid, &ev.tid),
                    name: self.intern(&ev.name),
                    cat,
                    ts,
                    begin: phase == b'B',
                    stream: self.stream_of(ev),
                    device: self.device_of(ev),
                    ext: ev.external_id.unwrap_or(-1),
                };
                self.edges.push(rec);
            }
            b's' | b'f' => {
                let mut key = hash_bytes(ev.id.text);
                key ^= hash_bytes(ev.cat.text).rotate_left(17);
                if phase == b's' {
                    self.flow_starts.push(key);
                } else {
                    self.flow_ends.push(key);
                }
            }
            b'C' => {
                let name = self.intern(&ev.name);
                bump(
                    &mut self.counters,
                    &mut self.counter_counts,
                    u64::from(name),
                    1,
                );
            }
            b'M' => {
                let thread = ev.name.text == b"thread_name";
                if thread || ev.name.text == b"process_name" {
                    let pid = self.intern(&ev.pid);
                    let tid = self.intern(&ev.tid);
                    let name = self.intern(&ev.arg_name);
                    self.names.push((thread, pid, tid, name));
                }
            }
            _ => {}
        }
    }

    fn stream_of(&mut self, ev: &Event<'_>) -> u32 {
        if ev.stream.present {
            self.intern(&ev.stream)
        } else {
            self.intern(&ev.tid)
        }
    }

    fn device_of(&mut self, ev: &Event<'_>) -> u32 {
        if ev.device.present {
            self.intern(&ev.device)
        } else {
            self.intern(&ev.pid)
        }
    }

    fn complete(&mut self, ev: &Event<'_>, cat: u32) {
        let Some(ts) = ev.ts else {
            self.warnings.missing_ts += 1;
            return;
        };
        let mut dur = ev.dur.unwrap_or(0);
        if dur < 0 {
            self.warnings.negative_durations += 1;
            dur = 0;
        }
        let name = self.intern(&ev.name);
        let kind = kind_of(if ev.cat.present {
            self.strings.get(cat)
        } else {
            b""
        });
        let thread = if kind == Kind::CpuOp {
            self.intern_pair(&ev.pid, &ev.tid)
        } else {
            0
        };
        let (stream, device) = if kind == Kind::Kernel {
            (self.stream_of(ev), self.device_of(ev))
        } else {
            (0, 0)
        };
        self.span(SpanIn {
            kind,
            name,
            cat,
            thread,
            stream,
            device,
            ts,
            dur,
            ext: ev.external_id.unwrap_or(-1),
            corr: ev.correlation.unwrap_or(-1),
        });
    }

    /// Record a complete span (an `X` event, or a matched `B`/`E` pair).
    pub(crate) fn span(&mut self, s: SpanIn) {
        self.first_ts = Some(self.first_ts.map_or(s.ts, |f| f.min(s.ts)));
        let end = s.ts.saturating_add(s.dur);
        self.last_end = Some(self.last_end.map_or(end, |l| l.max(end)));
        let (g, new) = self
            .groups
            .index(u64::from(s.name) << 32 | u64::from(s.cat));
        if new {
            self.group_durs.push(Dist::default());
        }
        self.group_durs[g].add(s.dur);
        match s.kind {
            Kind::CpuOp => self.ops.push(OpRec {
                thread: s.thread,
                name: s.name,
                ts: s.ts,
                dur: s.dur,
                ext: s.ext,
            }),
            Kind::Kernel => self.kernels.push(KernelRec {
                stream: s.stream,
                device: s.device,
                name: s.name,
                ts: s.ts,
                dur: s.dur,
                ext: s.ext,
                corr: s.corr,
            }),
            Kind::Runtime if s.corr >= 0 => self.launches.push((s.corr, s.ts)),
            _ => {}
        }
        if self.strings.get(s.name).starts_with(b"ProfilerStep#") {
            self.steps.push((s.name, s.ts, s.dur));
        }
    }

    /// Append the partial of the input that directly follows this one.
    pub(crate) fn append(&mut self, later: TracePartial) -> Result<()> {
        let map: Vec<u32> = (0..later.strings.len() as u32)
            .map(|i| self.strings.intern(later.strings.get(i)))
            .collect();
        let m = |id: u32| map[id as usize];
        self.events += later.events;
        for (k, &c) in later.ph.keys().iter().zip(&later.ph_counts) {
            bump(
                &mut self.ph,
                &mut self.ph_counts,
                u64::from(m(*k as u32)),
                c,
            );
        }
        for (k, &c) in later.cat.keys().iter().zip(&later.cat_counts) {
            bump(
                &mut self.cat,
                &mut self.cat_counts,
                u64::from(m(*k as u32)),
                c,
            );
        }
        for (k, &c) in later.counters.keys().iter().zip(&later.counter_counts) {
            bump(
                &mut self.counters,
                &mut self.counter_counts,
                u64::from(m(*k as u32)),
                c,
            );
        }
        for (&k, durs) in later.groups.keys().iter().zip(later.group_durs) {
            let key = u64::from(m((k >> 32) as u32)) << 32 | u64::from(m(k as u32));
            let (g, new) = self.groups.index(key);
            if new {
                self.group_durs.push(durs);
            } else {
                self.group_durs[g].merge(&durs);
            }
        }
        self.ops.extend(later.ops.iter().map(|o| OpRec {
            thread: m(o.thread),
            name: m(o.name),
            ..*o
        }));
        self.kernels.extend(later.kernels.iter().map(|k| KernelRec {
            stream: m(k.stream),
            device: m(k.device),
            name: m(k.name),
            ..*k
        }));
        self.launches.extend_from_slice(&later.launches);
        self.steps
            .extend(later.steps.iter().map(|&(n, t, d)| (m(n), t, d)));
        self.edges.extend(later.edges.iter().map(|e| EdgeRec {
            thread: m(e.thread),
            name: m(e.name),
            cat: m(e.cat),
            stream: m(e.stream),
            device: m(e.device),
            ..*e
        }));
        self.flow_starts.extend_from_slice(&later.flow_starts);
        self.flow_ends.extend_from_slice(&later.flow_ends);
        self.names.extend(
            later
                .names
                .iter()
                .map(|&(t, p, i, n)| (t, m(p), m(i), m(n))),
        );
        self.first_ts = min_opt(self.first_ts, later.first_ts);
        self.last_end = match (self.last_end, later.last_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.meta.extend(later.meta);
        self.warnings.add(&later.warnings);
        Ok(())
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A complete span to record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpanIn {
    pub kind: Kind,
    pub name: u32,
    pub cat: u32,
    pub thread: u32,
    pub stream: u32,
    pub device: u32,
    pub ts: i64,
    pub dur: i64,
    pub ext: i64,
    pub corr: i64,
}

#[inline]
fn bump(map: &mut IdMap, counts: &mut Vec<u64>, key: u64, by: u64) {
    let (i, new) = map.index(key);
    if new {
        counts.push(0);
    }
    counts[i] += by;
}

impl crate::Merge for TracePartial {
    fn merge(&mut self, later: Self) -> Result<()> {
        self.append(later)
    }
}
