//! The push-based trace reader: the document around the events (`{"traceEvents": [...]}` or a
//! bare `[...]`) as a byte-level state machine, each value (event, key, top-level member)
//! parsed straight from the chunk. A value cut by the end of a chunk is kept (with a
//! [`Scan`] that finds its end in later chunks) and parsed whole once complete, so where
//! chunks split never changes the result.

use alloc::format;
use alloc::string::{String, ToString as _};
use alloc::vec::Vec;

use super::accum::TracePartial;
use super::event::{parse_event, Event};
use super::json::{skip_value, string_end, unescape, ws, PResult, Scan, Stop};
use super::meta;
use crate::{Error, Result};

/// Largest single value (one event, one top-level member) accepted, in bytes.
pub const MAX_VALUE: usize = 64 << 20;

/// Top-level members kept in [`super::Summary::meta`].
const META_KEYS: &[&[u8]] = &[
    b"schemaVersion",
    b"displayTimeUnit",
    b"baseTimeNanoseconds",
    b"distributedInfo",
    b"deviceProperties",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    /// After `{`: a key or `}`.
    ObjFirst,
    /// After `,` in the top-level object: a key.
    ObjKey,
    /// After a key: `:`.
    ObjColon,
    /// After `:`: the member's value (`[` for `traceEvents`).
    ObjValue,
    /// After a member: `,` or `}`.
    ObjNext,
    /// After the `[` of the events: an event or `]`.
    EvFirst,
    /// After `,` between events: an event.
    EvValue,
    /// After an event: `,` or `]`.
    EvNext,
    /// The document is complete; only whitespace may follow.
    Done,
}

/// A place between two events where a reader can stop and another start: the offset of the
/// event's first byte and the document form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundary {
    /// Absolute offset of the first byte of the event.
    pub offset: u64,
    /// The events are a bare top-level array (else the `traceEvents` member).
    pub bare: bool,
    /// No event precedes it in the list (`]` may follow instead).
    pub first: bool,
}

/// Streaming reader of one Chrome trace-event JSON document (uncompressed).
#[derive(Debug, Clone)]
pub struct TraceReader {
    state: State,
    bare: bool,
    saw_events: bool,
    key: Vec<u8>,
    offset: u64,
    carry: Vec<u8>,
    carry_start: u64,
    scan: Scan,
    stop_at: Option<u64>,
    stopped: Option<Boundary>,
    acc: TracePartial,
}

impl Default for TraceReader {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceReader {
    /// A reader of a whole document from its first byte.
    pub fn new() -> Self {
        TraceReader {
            state: State::Start,
            bare: false,
            saw_events: false,
            key: Vec::new(),
            offset: 0,
            carry: Vec::new(),
            carry_start: 0,
            scan: Scan::default(),
            stop_at: None,
            stopped: None,
            acc: TracePartial::default(),
        }
    }

    /// A reader that starts at an event boundary inside the event list (for reading a file
    /// in parts: the bytes pushed start at `at.offset`).
    pub fn resume(at: Boundary) -> Self {
        let mut r = Self::new();
        r.state = if at.first {
            State::EvFirst
        } else {
            State::EvValue
        };
        r.bare = at.bare;
        r.saw_events = true;
        r.offset = at.offset;
        r
    }

    /// Stop at the first event that starts at or after `offset` (see [`Self::stopped`]).
    pub fn stop_at(mut self, offset: u64) -> Self {
        self.stop_at = Some(offset);
        self
    }

    /// Where the reader stopped because of [`Self::stop_at`], if it did; later pushes are
    /// ignored.
    pub fn stopped(&self) -> Option<Boundary> {
        self.stopped
    }

    /// Events read so far.
    pub fn events(&self) -> u64 {
        self.acc.events
    }

    /// Absolute offset of the next byte to push.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Consume the next chunk.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.stopped.is_some() {
            return Ok(());
        }
        let base = self.offset;
        let mut i = 0;
        if !self.carry.is_empty() {
            match self.scan.feed(chunk) {
                None => {
                    if self.carry.len() + chunk.len() > MAX_VALUE {
                        return Err(self.carry_error(true));
                    }
                    self.carry.extend_from_slice(chunk);
                    self.offset += chunk.len() as u64;
                    return Ok(());
                }
                Some(e) => {
                    self.carry.extend_from_slice(&chunk[..e]);
                    // A space after the value: a number needs a delimiter to end.
                    self.carry.push(b' ');
                    let carry = core::mem::take(&mut self.carry);
                    let start = self.carry_start;
                    match self.value(&carry) {
                        Ok(n) if n == carry.len() - 1 => {}
                        Ok(n) => return Err(bad(&carry, start, n, "the end of the value")),
                        Err(Stop::Bad(k, what)) => return Err(bad(&carry, start, k, what)),
                        Err(Stop::Incomplete) => {
                            return Err(bad(&carry, start, carry.len(), "a complete value"))
                        }
                    }
                    self.carry = carry;
                    self.carry.clear();
                    i = e;
                }
            }
        }
        while i < chunk.len() {
            i = ws(chunk, i);
            let Some(&c) = chunk.get(i) else { break };
            let here = base + i as u64;
            match self.state {
                State::Start => match c {
                    b'{' => self.state = State::ObjFirst,
                    b'[' => {
                        self.bare = true;
                        self.saw_events = true;
                        self.state = State::EvFirst;
                    }
                    _ => return Err(not_a_trace(here, c)),
                },
                State::ObjColon => {
                    if c != b':' {
                        return Err(bad(chunk, base, i, "':' after a key"));
                    }
                    self.state = State::ObjValue;
                }
                State::ObjNext | State::EvNext => {
                    let obj = self.state == State::ObjNext;
                    self.state = match (c, obj) {
                        (b',', true) => State::ObjKey,
                        (b'}', true) => State::Done,
                        (b',', false) => State::EvValue,
                        (b']', false) if self.bare => State::Done,
                        (b']', false) => State::ObjNext,
                        (_, true) => return Err(bad(chunk, base, i, "',' or '}'")),
                        _ => return Err(bad(chunk, base, i, "',' or ']' in the event list")),
                    };
                }
                State::ObjFirst if c == b'}' => self.state = State::Done,
                State::EvFirst if c == b']' => {
                    self.state = if self.bare {
                        State::Done
                    } else {
                        State::ObjNext
                    };
                }
                State::ObjValue if self.key == b"traceEvents" => {
                    if c != b'[' {
                        return Err(bad(chunk, base, i, "'[' starting the traceEvents list"));
                    }
                    self.saw_events = true;
                    self.state = State::EvFirst;
                }
                State::Done => return Err(bad(chunk, base, i, "the end of the document")),
                _ => {
                    if matches!(self.state, State::EvFirst | State::EvValue)
                        && self.stop_at.is_some_and(|s| here >= s)
                    {
                        self.stopped = Some(Boundary {
                            offset: here,
                            bare: self.bare,
                            first: self.state == State::EvFirst,
                        });
                        self.offset = here;
                        return Ok(());
                    }
                    match self.value(&chunk[i..]) {
                        Ok(n) => {
                            if n > MAX_VALUE {
                                return Err(limit(here));
                            }
                            i += n;
                            continue;
                        }
                        Err(Stop::Bad(k, what)) if k > MAX_VALUE => {
                            let _ = what;
                            return Err(limit(here));
                        }
                        Err(Stop::Bad(k, what)) => return Err(bad(chunk, base, i + k, what)),
                        Err(Stop::Incomplete) => {
                            let rest = &chunk[i..];
                            if rest.len() > MAX_VALUE {
                                return Err(limit(here));
                            }
                            self.carry.clear();
                            self.carry.extend_from_slice(rest);
                            self.carry_start = here;
                            self.scan = Scan::default();
                            if self.scan.feed(rest).is_some() {
                                return Err(bad(chunk, base, chunk.len(), "a complete value"));
                            }
                            break;
                        }
                    }
                }
            }
            i += 1;
        }
        self.offset = base + chunk.len() as u64;
        Ok(())
    }

    /// Parse the value at the start of `b` for the current state; returns its length.
    fn value(&mut self, b: &[u8]) -> PResult<usize> {
        match self.state {
            State::ObjFirst | State::ObjKey => {
                let (e, escaped) = string_end(b, 0)?;
                if escaped {
                    unescape(&b[1..e - 1], &mut self.key);
                } else {
                    self.key.clear();
                    self.key.extend_from_slice(&b[1..e - 1]);
                }
                self.state = State::ObjColon;
                Ok(e)
            }
            State::ObjValue => {
                let e = if META_KEYS.contains(&self.key.as_slice()) {
                    let (v, e) = meta::parse(b, 0, 0)?;
                    let key = String::from_utf8_lossy(&self.key).into_owned();
                    self.acc.meta.push((key, v));
                    e
                } else {
                    skip_value(b, 0)?
                };
                self.state = State::ObjNext;
                Ok(e)
            }
            State::EvFirst | State::EvValue => {
                let e = if b[0] == b'{' {
                    // Filled in place: the event is a few hundred bytes.
                    let mut ev = Event::default();
                    let e = match super::fast::parse_into(b, 0, &mut ev) {
                        Some(e) => e,
                        None => {
                            let (general, e) = parse_event(b, 0)?;
                            ev = general;
                            e
                        }
                    };
                    self.acc.add(&ev);
                    e
                } else {
                    let e = skip_value(b, 0)?;
                    self.acc.non_object();
                    e
                };
                self.state = State::EvNext;
                Ok(e)
            }
            _ => Err(Stop::Bad(0, "a value")),
        }
    }

    fn carry_error(&self, limit_hit: bool) -> Error {
        let mut probe = self.clone();
        probe.stop_at = None;
        match probe.value(&self.carry) {
            Err(Stop::Bad(k, what)) if k <= MAX_VALUE => {
                bad(&self.carry, self.carry_start, k, what)
            }
            _ if limit_hit => limit(self.carry_start),
            _ => self.truncated(),
        }
    }

    fn truncated(&self) -> Error {
        let expected = match self.state {
            State::Start => "a trace-event JSON document".to_string(),
            _ => format!("the rest of the trace ({} events read)", self.acc.events),
        };
        Error::Truncated {
            offset: self.offset,
            expected,
        }
    }

    /// End of the part this reader was given: its partial result. A reader that did not
    /// stop at a boundary must have read a complete document.
    pub fn finish_partial(self) -> Result<TracePartial> {
        if self.stopped.is_some() {
            return Ok(self.acc);
        }
        if !self.carry.is_empty() {
            return Err(self.carry_error(false));
        }
        if self.state != State::Done {
            return Err(self.truncated());
        }
        if !self.saw_events {
            return Err(Error::Malformed {
                offset: 0,
                expected: "a trace: an object with a traceEvents list, or a list of events".into(),
                found: "an object without traceEvents".into(),
            });
        }
        Ok(self.acc)
    }

    /// Flush and summarise the whole document.
    pub fn finish(self) -> Result<super::Summary> {
        Ok(self.finish_partial()?.summary())
    }
}

fn not_a_trace(offset: u64, c: u8) -> Error {
    Error::Malformed {
        offset,
        expected: "a trace: a JSON object with traceEvents or a list of events".into(),
        found: describe(c),
    }
}

fn describe(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("'{}'", c as char)
    } else {
        format!("byte 0x{c:02x}")
    }
}

fn bad(b: &[u8], base: u64, k: usize, what: &str) -> Error {
    let found = b
        .get(k)
        .map_or_else(|| "the end of the value".into(), |&c| describe(c));
    Error::Malformed {
        offset: base + k as u64,
        expected: what.into(),
        found,
    }
}

fn limit(offset: u64) -> Error {
    Error::Limit {
        offset,
        what: "one JSON value".into(),
        limit: MAX_VALUE as u64,
    }
}
