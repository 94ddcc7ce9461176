//! Value Change Dump (VCD, IEEE 1364-2005 section 18) as an incremental parser.
//!
//! Vocabulary:
//! - The **header** is a list of declarations (`$date`, `$version`, `$timescale`, `$scope`,
//!   `$upscope`, `$var`, `$comment`, and the `$attrbegin`/`$attrend` extension), each closed
//!   by `$end`, up to `$enddefinitions $end` (18.2.3).
//! - A **variable** is one `$var` line; its **identifier code** (e.g. `!`) names it in the
//!   body. Several variables may share a code (aliases, e.g. a port seen from two scopes);
//!   the codes are numbered in order of first declaration, and that number is the **id**
//!   every change event carries ([`VcdVar::id`]).
//! - A **tick** is one unit of the `$timescale`; time stamps `#t` count ticks.
//! - The **body** holds time stamps and value changes (scalar `1!`, vector `b1010 !`, real
//!   `r1.5 !`, string `sHello !`), possibly inside `$dumpvars`/`$dumpall`/`$dumpon`/
//!   `$dumpoff` blocks, which only group changes (18.2.1).
//!
//! [`VcdReader`] takes bytes in chunks of any size and calls a [`ChangeSink`] with the header
//! and then every change in file order; memory stays bounded by the largest single token
//! ([`MAX_TOKEN`]) plus the header. [`VcdResampler`] turns the changes of chosen variables
//! into sample-and-hold [`Block`](crate::Block)s for a [`BlockSink`](crate::BlockSink).
//!
//! Why not `wellen` (Surfer's backend): it reads a `BufRead + Seek` source or an mmap header
//! first and then the body into an in-memory signal store (its newer `stream` interface also
//! pulls from a file and leaves other sources `todo!()`), it needs `std`, rayon and memmap2,
//! and it panics or prints on some bad input. scopekit needs a `no_std` push parser with
//! bounded memory that returns every problem as an [`Error`] with its byte offset, so this
//! is a small hand-written tokenizer (whitespace-separated tokens, 18.2.1) instead.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crate::{Error, Result};

#[path = "vcd_header.rs"]
mod header;
#[path = "vcd_resample.rs"]
mod resample;

pub use header::{Timescale, VarKind, VcdHeader, VcdScope, VcdVar};
pub(crate) use resample::Resampling;
pub use resample::{ResampleConfig, SampleRate, VcdResampler};

/// Longest single token (keyword, value, identifier code, name) accepted, in bytes.
pub const MAX_TOKEN: usize = 1 << 20;
/// Largest declared width of a variable, in bits (a wider vector could not be written in
/// one token anyway).
pub const MAX_WIDTH: u64 = MAX_TOKEN as u64;
/// Most variables (and scopes) a header may declare.
pub const MAX_VARS: usize = 1 << 20;
/// Most bytes kept of one declaration's body (`$date` text, `$var` fields, ...).
pub const MAX_DECL: usize = 1 << 20;
/// Deepest `$scope` nesting accepted.
pub const MAX_DEPTH: usize = 1 << 12;

/// The lowercase characters of the scalar states, indexed by [`Value::Bit`] codes:
/// 0, 1, x (unknown) = 2, z (high impedance) = 3, and the VHDL `std_logic` states
/// u (uninitialised) = 4, w (weak unknown) = 5, l (weak 0) = 6, h (weak 1) = 7, `-` = 8.
pub const BIT_CHARS: [u8; 9] = *b"01xzuwlh-";

/// A value as written in one value change record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A scalar state: an index into [`BIT_CHARS`] (0, 1, x = 2, z = 3, u, w, l, h, `-`).
    Bit(u8),
    /// A vector: lowercase digits from [`BIT_CHARS`], most significant first, as written.
    /// It may be shorter than the declared width: then it extends to the left with `0`,
    /// or with `x`/`z` when its first digit is `x`/`z` (18.2.3.9).
    Vector(&'a [u8]),
    /// A real number.
    Real(f64),
    /// A string (GTKWave/SystemVerilog extension `s...`), bytes as written.
    String(&'a [u8]),
}

impl Value<'_> {
    /// The value as a number: 0/1 (also weak l/h) for bits, the unsigned integer of a
    /// vector (rounded to f64 beyond 53 bits), the real itself; NaN for any unknown,
    /// high-impedance or don't-care state and for strings.
    pub fn to_f64(&self) -> f64 {
        match *self {
            Value::Bit(0 | 6) => 0.0,
            Value::Bit(1 | 7) => 1.0,
            Value::Bit(_) | Value::String(_) => f64::NAN,
            Value::Vector(digits) => {
                let mut v = 0.0;
                for &d in digits {
                    v = v * 2.0
                        + match d {
                            b'0' | b'l' => 0.0,
                            b'1' | b'h' => 1.0,
                            _ => return f64::NAN,
                        };
                }
                v
            }
            Value::Real(x) => x,
        }
    }
}

/// Receives what a [`VcdReader`] parses, in file order.
pub trait ChangeSink {
    /// Called once, at `$enddefinitions $end`, before any change.
    fn header(&mut self, header: &VcdHeader) -> Result<()>;
    /// Called at every time stamp `#time` (times never decrease). Changes before the first
    /// time stamp are at time 0.
    fn time(&mut self, time: u64) -> Result<()> {
        let _ = time;
        Ok(())
    }
    /// One value change record of identifier code number `id` (see [`VcdVar::id`]; every
    /// variable with that id takes the value).
    fn change(&mut self, time: u64, id: usize, value: Value<'_>) -> Result<()>;
}

/// Discards everything: a first pass that only needs the [`VcdSummary`] (for example the
/// span for [`ResampleConfig::span`]).
impl ChangeSink for () {
    fn header(&mut self, _: &VcdHeader) -> Result<()> {
        Ok(())
    }
    fn change(&mut self, _: u64, _: usize, _: Value<'_>) -> Result<()> {
        Ok(())
    }
}

/// What a complete VCD file held, returned by [`VcdReader::finish`].
#[derive(Debug, Clone, PartialEq)]
pub struct VcdSummary {
    /// The header.
    pub header: VcdHeader,
    /// Number of time stamps (`#t` records).
    pub time_stamps: u64,
    /// The first time stamp.
    pub first_time: Option<u64>,
    /// The last time stamp.
    pub end_time: Option<u64>,
    /// Number of value change records.
    pub changes: u64,
    /// Length of the input in bytes.
    pub bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decl {
    Date,
    Version,
    Timescale,
    Scope,
    Upscope,
    Var,
    Comment,
    Attr,
    EndDefinitions,
}

const DECLS: [(&[u8], Decl); 10] = [
    (b"$comment", Decl::Comment),
    (b"$date", Decl::Date),
    (b"$enddefinitions", Decl::EndDefinitions),
    (b"$scope", Decl::Scope),
    (b"$timescale", Decl::Timescale),
    (b"$upscope", Decl::Upscope),
    (b"$var", Decl::Var),
    (b"$version", Decl::Version),
    (b"$attrbegin", Decl::Attr),
    (b"$attrend", Decl::Attr),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pending {
    Vector,
    Real(f64),
    String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Between declarations.
    Header,
    /// Inside a declaration that started at this offset and line.
    Decl(Decl, u64, u64),
    /// Between records of the body.
    Body,
    /// Inside a `$comment` of the body.
    BodyComment(u64, u64),
    /// After a vector, real or string value, waiting for its identifier code.
    Pending(Pending, u64, u64),
}

/// Incremental VCD parser: push bytes in chunks of any size, receive the header and the
/// value changes through a [`ChangeSink`]. After an error every call returns that error.
pub struct VcdReader {
    state: State,
    /// Absolute offset of the next byte to be pushed.
    offset: u64,
    /// Line (1-based) of the next byte.
    line: u64,
    /// A token cut by the end of the last chunk, with its offset and line.
    carry: Vec<u8>,
    carry_at: u64,
    carry_line: u64,
    /// The current declaration's tokens joined by single spaces, and their offsets.
    args: Vec<u8>,
    arg_at: Vec<u64>,
    /// Digits of a pending vector or string value (lowercased vector digits).
    value: Vec<u8>,
    header: VcdHeader,
    /// Open scopes, innermost last.
    open: Vec<usize>,
    /// Identifier code -> id; codes of one or two printable characters also in `short`.
    codes: BTreeMap<Vec<u8>, u32>,
    short: Vec<u32>,
    time: Option<u64>,
    first_time: Option<u64>,
    time_stamps: u64,
    changes: u64,
    failed: Option<Error>,
}

impl Default for VcdReader {
    fn default() -> Self {
        Self::new()
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_scalar(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'0' | b'1' | b'x' | b'z' | b'u' | b'w' | b'l' | b'h' | b'-'
    )
}

fn bit_code(b: u8) -> u8 {
    let b = b.to_ascii_lowercase();
    BIT_CHARS.iter().position(|&c| c == b).unwrap_or(2) as u8
}

/// Dense index of an identifier code of one or two characters from `!` to `~`.
fn short_key(code: &[u8]) -> Option<usize> {
    let d = |b: u8| (b'!'..=b'~').contains(&b).then(|| usize::from(b - b'!'));
    match *code {
        [a] => d(a),
        [a, b] => Some(94 + d(a)? * 94 + d(b)?),
        _ => None,
    }
}

/// A token for an error message: escaped, at most 40 bytes.
fn shown(tok: &[u8]) -> String {
    let cut = &tok[..tok.len().min(40)];
    let more = if tok.len() > 40 { "…" } else { "" };
    format!("`{}`{more}", cut.escape_ascii())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn malformed(at: u64, line: u64, expected: impl Into<String>, tok: &[u8]) -> Error {
    Error::Malformed {
        offset: at,
        expected: expected.into(),
        found: format!("{} (line {line})", shown(tok)),
    }
}

/// Split an attached bit-select off a reference (`data[7:0]` -> `data`, `[7:0]`): the
/// trailing `[...]` with no `]` inside, starting at its earliest possible `[`.
fn split_select(reference: &[u8]) -> Option<usize> {
    let inner = reference.strip_suffix(b"]")?;
    let from = inner.iter().rposition(|&b| b == b']').map_or(0, |p| p + 1);
    let open = from + inner[from..].iter().position(|&b| b == b'[')?;
    (open > 0).then_some(open)
}

impl VcdReader {
    /// A reader expecting the start of a VCD file.
    pub fn new() -> Self {
        VcdReader {
            state: State::Header,
            offset: 0,
            line: 1,
            carry: Vec::new(),
            carry_at: 0,
            carry_line: 1,
            args: Vec::new(),
            arg_at: Vec::new(),
            value: Vec::new(),
            header: VcdHeader::default(),
            open: Vec::new(),
            codes: BTreeMap::new(),
            short: Vec::new(),
            time: None,
            first_time: None,
            time_stamps: 0,
            changes: 0,
            failed: None,
        }
    }

    /// The header, once `$enddefinitions $end` was read.
    pub fn header(&self) -> Option<&VcdHeader> {
        match self.state {
            State::Header | State::Decl(..) => None,
            _ => Some(&self.header),
        }
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn ChangeSink) -> Result<()> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.push_tokens(bytes, sink);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// Check that the input was complete (the last token is handled here) and summarise.
    pub fn finish(mut self, sink: &mut dyn ChangeSink) -> Result<VcdSummary> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if !self.carry.is_empty() {
            let tok = core::mem::take(&mut self.carry);
            self.token(&tok, self.carry_at, self.carry_line, sink)?;
        }
        let expected = match self.state {
            State::Body => {
                return Ok(VcdSummary {
                    header: self.header,
                    time_stamps: self.time_stamps,
                    first_time: self.first_time,
                    end_time: self.time,
                    changes: self.changes,
                    bytes: self.offset,
                })
            }
            State::Header => "`$enddefinitions $end` (the end of the header)".to_string(),
            State::Decl(decl, at, line) => format!(
                "the $end of the {} at byte {at} (line {line})",
                keyword(decl)
            ),
            State::BodyComment(at, line) => {
                format!("the $end of the $comment at byte {at} (line {line})")
            }
            State::Pending(_, at, line) => {
                format!("an identifier code after the value at byte {at} (line {line})")
            }
        };
        Err(Error::Truncated {
            offset: self.offset,
            expected,
        })
    }

    fn push_tokens(&mut self, bytes: &[u8], sink: &mut dyn ChangeSink) -> Result<()> {
        let base = self.offset;
        let n = bytes.len();
        let mut i = 0;
        if !self.carry.is_empty() {
            let end = bytes.iter().position(|&b| is_space(b)).unwrap_or(n);
            self.check_len(self.carry.len() + end, self.carry_at)?;
            self.carry.extend_from_slice(&bytes[..end]);
            if end == n {
                self.offset += n as u64;
                return Ok(());
            }
            let mut tok = core::mem::take(&mut self.carry);
            self.token(&tok, self.carry_at, self.carry_line, sink)?;
            tok.clear();
            self.carry = tok;
            i = end;
        }
        loop {
            while i < n && is_space(bytes[i]) {
                self.line += u64::from(bytes[i] == b'\n');
                i += 1;
            }
            if i == n {
                break;
            }
            let start = i;
            while i < n && !is_space(bytes[i]) {
                i += 1;
            }
            let at = base + start as u64;
            self.check_len(i - start, at)?;
            if i == n {
                self.carry.extend_from_slice(&bytes[start..]);
                self.carry_at = at;
                self.carry_line = self.line;
                break;
            }
            self.token(&bytes[start..i], at, self.line, sink)?;
        }
        self.offset += n as u64;
        Ok(())
    }

    fn check_len(&self, len: usize, at: u64) -> Result<()> {
        if len > MAX_TOKEN {
            return Err(Error::Limit {
                offset: at,
                what: "length of one token (keyword, value or name) in bytes".to_string(),
                limit: MAX_TOKEN as u64,
            });
        }
        Ok(())
    }

    fn token(&mut self, tok: &[u8], at: u64, line: u64, sink: &mut dyn ChangeSink) -> Result<()> {
        match self.state {
            State::Header => self.keyword(tok, at, line),
            State::Decl(decl, d_at, d_line) if tok == b"$end" => {
                let r = self.end_decl(decl, d_at, d_line, at + 4, sink);
                self.args.clear();
                self.arg_at.clear();
                r
            }
            State::Decl(decl, d_at, d_line) => self.decl_arg(decl, tok, at, line, d_at, d_line),
            State::Body => self.record(tok, at, line, sink),
            State::BodyComment(..) => {
                if tok == b"$end" {
                    self.state = State::Body;
                }
                Ok(())
            }
            State::Pending(kind, _, _) => {
                self.state = State::Body;
                let id = self.lookup(tok, at, line)?;
                let time = self.time.unwrap_or(0);
                self.changes += 1;
                let value = match kind {
                    Pending::Vector => Value::Vector(&self.value),
                    Pending::Real(x) => Value::Real(x),
                    Pending::String => Value::String(&self.value),
                };
                sink.change(time, id, value)
            }
        }
    }

    fn keyword(&mut self, tok: &[u8], at: u64, line: u64) -> Result<()> {
        match DECLS.iter().find(|d| d.0 == tok) {
            Some(&(_, decl)) => {
                self.state = State::Decl(decl, at, line);
                Ok(())
            }
            None => Err(malformed(
                at,
                line,
                "a declaration keyword ($comment, $date, $enddefinitions, $scope, $timescale, \
                 $upscope, $var, $version)",
                tok,
            )),
        }
    }

    fn decl_arg(
        &mut self,
        decl: Decl,
        tok: &[u8],
        at: u64,
        line: u64,
        d_at: u64,
        d_line: u64,
    ) -> Result<()> {
        match decl {
            Decl::Comment | Decl::Attr => return Ok(()),
            Decl::Date | Decl::Version => {}
            // A declaration keyword where a field belongs means a missing `$end` (the
            // identifier code of a `$var` may be anything, so it is not checked).
            _ if DECLS.iter().any(|d| d.0 == tok)
                && !(decl == Decl::Var && self.arg_at.len() == 2) =>
            {
                return Err(malformed(
                    at,
                    line,
                    format!(
                        "the $end of the {} at byte {d_at} (line {d_line})",
                        keyword(decl)
                    ),
                    tok,
                ));
            }
            _ => {}
        }
        if self.args.len() + tok.len() + 1 > MAX_DECL {
            return Err(Error::Limit {
                offset: d_at,
                what: format!("length of the {} declaration in bytes", keyword(decl)),
                limit: MAX_DECL as u64,
            });
        }
        if !self.arg_at.is_empty() {
            self.args.push(b' ');
        }
        self.args.extend_from_slice(tok);
        self.arg_at.push(at);
        Ok(())
    }

    fn end_decl(
        &mut self,
        decl: Decl,
        at: u64,
        line: u64,
        end: u64,
        sink: &mut dyn ChangeSink,
    ) -> Result<()> {
        self.state = State::Header;
        match decl {
            Decl::Date => self.header.date = Some(lossy(&self.args)),
            Decl::Version => self.header.version = Some(lossy(&self.args)),
            Decl::Comment | Decl::Attr => {}
            Decl::Timescale => {
                let text: Vec<u8> = self.args.iter().copied().filter(|&b| b != b' ').collect();
                let Some(ts) = Timescale::parse(&text) else {
                    return Err(malformed(
                        at,
                        line,
                        "a $timescale of 1, 10 or 100 and s, ms, us, ns, ps or fs",
                        &self.args,
                    ));
                };
                self.header.timescale = Some(ts);
            }
            Decl::Scope => {
                let mut fields = self.args.split(|&b| b == b' ');
                let kind = fields.next().unwrap_or_default();
                if kind.is_empty() {
                    return Err(malformed(at, line, "a scope type after $scope", b"$end"));
                }
                let name = lossy(fields.next().unwrap_or_default());
                if self.open.len() >= MAX_DEPTH || self.header.scopes.len() >= MAX_VARS {
                    return Err(Error::Limit {
                        offset: at,
                        what: "scope nesting depth or scope count".to_string(),
                        limit: MAX_DEPTH as u64,
                    });
                }
                self.header.scopes.push(VcdScope {
                    kind: lossy(kind),
                    name,
                    parent: self.open.last().copied(),
                });
                self.open.push(self.header.scopes.len() - 1);
            }
            Decl::Upscope => {
                if self.open.pop().is_none() {
                    return Err(malformed(at, line, "an open $scope to close", b"$upscope"));
                }
            }
            Decl::Var => self.var(at, line)?,
            Decl::EndDefinitions => {
                self.header.ids = self.codes.len();
                self.header.body_offset = end;
                let keys = self
                    .codes
                    .iter()
                    .filter_map(|(c, &id)| Some((short_key(c)?, id)));
                let len = keys.clone().map(|(k, _)| k + 1).max().unwrap_or(0);
                self.short = vec![u32::MAX; len];
                for (k, id) in keys {
                    self.short[k] = id;
                }
                self.state = State::Body;
                return sink.header(&self.header);
            }
        }
        Ok(())
    }

    fn var(&mut self, at: u64, line: u64) -> Result<()> {
        let fields: Vec<&[u8]> = self.args.split(|&b| b == b' ').collect();
        if self.arg_at.len() < 4 {
            return Err(malformed(
                at,
                line,
                "`$var <type> <size> <identifier code> <reference> $end`",
                &self.args,
            ));
        }
        let (size, size_at) = (fields[1], self.arg_at[1]);
        if size.is_empty() || !size.iter().all(u8::is_ascii_digit) {
            return Err(malformed(size_at, line, "a decimal $var size", size));
        }
        let width = size.iter().try_fold(0u64, |w, &d| {
            w.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let width = match width {
            Some(w) if w <= MAX_WIDTH => w as u32,
            _ => {
                return Err(Error::Limit {
                    offset: size_at,
                    what: format!("$var size {}", shown(size)),
                    limit: MAX_WIDTH,
                })
            }
        };
        if self.header.vars.len() >= MAX_VARS {
            return Err(Error::Limit {
                offset: at,
                what: "number of $var declarations".to_string(),
                limit: MAX_VARS as u64,
            });
        }
        let mut reference = fields[3];
        let mut bit_select = (fields.len() > 4).then(|| fields[4..].concat());
        if bit_select.is_none() {
            if let Some(open) = split_select(reference) {
                bit_select = Some(reference[open..].to_vec());
                reference = &reference[..open];
            }
        }
        let mut name = String::new();
        for s in self.open.iter().map(|&s| &self.header.scopes[s].name) {
            if !s.is_empty() {
                name.push_str(s);
                name.push('.');
            }
        }
        let reference = lossy(reference);
        name.push_str(&reference);
        let next = self.codes.len() as u32;
        let id = *self.codes.entry(fields[2].to_vec()).or_insert(next) as usize;
        self.header.vars.push(VcdVar {
            name,
            reference,
            bit_select: bit_select.map(|s| lossy(&s)),
            kind: VarKind::parse(fields[0]),
            type_name: lossy(fields[0]),
            width,
            code: lossy(fields[2]),
            id,
            scope: self.open.last().copied(),
        });
        Ok(())
    }

    fn lookup(&self, code: &[u8], at: u64, line: u64) -> Result<usize> {
        let id = match short_key(code) {
            Some(k) => self.short.get(k).copied().filter(|&id| id != u32::MAX),
            None => self.codes.get(code).copied(),
        };
        id.map(|id| id as usize)
            .ok_or_else(|| malformed(at, line, "an identifier code declared by a $var", code))
    }

    fn record(&mut self, tok: &[u8], at: u64, line: u64, sink: &mut dyn ChangeSink) -> Result<()> {
        let rest = &tok[1..];
        match tok[0] {
            b'#' => self.time_stamp(rest, tok, at, line, sink),
            b'$' => match tok {
                b"$comment" => {
                    self.state = State::BodyComment(at, line);
                    Ok(())
                }
                b"$dumpvars" | b"$dumpall" | b"$dumpon" | b"$dumpoff" | b"$end" => Ok(()),
                _ => Err(malformed(
                    at,
                    line,
                    "a simulation keyword ($dumpvars, $dumpall, $dumpon, $dumpoff, $comment, \
                     $end)",
                    tok,
                )),
            },
            b'b' | b'B' => {
                if rest.is_empty() || !rest.iter().all(|&b| is_scalar(b)) {
                    return Err(malformed(
                        at,
                        line,
                        "a binary vector value (digits 0 1 x z u w l h -)",
                        tok,
                    ));
                }
                self.value.clear();
                self.value.extend(rest.iter().map(u8::to_ascii_lowercase));
                self.state = State::Pending(Pending::Vector, at, line);
                Ok(())
            }
            b'r' | b'R' => {
                let x = core::str::from_utf8(rest).ok().and_then(|s| s.parse().ok());
                let Some(x) = x else {
                    return Err(malformed(at, line, "a real value such as r1.5e-3", tok));
                };
                self.state = State::Pending(Pending::Real(x), at, line);
                Ok(())
            }
            b's' | b'S' => {
                self.value.clear();
                self.value.extend_from_slice(rest);
                self.state = State::Pending(Pending::String, at, line);
                Ok(())
            }
            c if is_scalar(c) => {
                if rest.is_empty() {
                    return Err(malformed(
                        at,
                        line,
                        "an identifier code right after the scalar value",
                        tok,
                    ));
                }
                let id = self.lookup(rest, at + 1, line)?;
                self.changes += 1;
                sink.change(self.time.unwrap_or(0), id, Value::Bit(bit_code(c)))
            }
            _ => Err(malformed(
                at,
                line,
                "a time stamp, a value change or a simulation keyword",
                tok,
            )),
        }
    }

    fn time_stamp(
        &mut self,
        digits: &[u8],
        tok: &[u8],
        at: u64,
        line: u64,
        sink: &mut dyn ChangeSink,
    ) -> Result<()> {
        // `#3.0` (a fraction of zeros) is accepted; other fractions are not ticks.
        let whole = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        let frac = &digits[whole..];
        let zeros = frac.first() == Some(&b'.') && frac[1..].iter().all(|&b| b == b'0');
        if whole == 0 || !(frac.is_empty() || zeros) {
            return Err(malformed(at, line, "a time stamp `#<decimal ticks>`", tok));
        }
        let t = digits[..whole].iter().try_fold(0u64, |t, &d| {
            t.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let Some(t) = t else {
            return Err(Error::Limit {
                offset: at,
                what: format!("time stamp {}", shown(tok)),
                limit: u64::MAX,
            });
        };
        if let Some(prev) = self.time.filter(|&p| t < p) {
            return Err(malformed(
                at,
                line,
                format!("a time stamp of at least {prev} (time must not decrease)"),
                tok,
            ));
        }
        self.time = Some(t);
        self.first_time.get_or_insert(t);
        self.time_stamps += 1;
        sink.time(t)
    }
}

fn keyword(decl: Decl) -> &'static str {
    DECLS
        .iter()
        .find(|d| d.1 == decl)
        .and_then(|d| core::str::from_utf8(d.0).ok())
        .unwrap_or("$declaration")
}

#[cfg(test)]
#[path = "vcd_tests.rs"]
mod tests;
