//! One trace event parsed from its JSON object: only the fields the summary uses are read;
//! every other value is skipped without being decoded.

use alloc::vec::Vec;

use super::json::{at, number, skip_value, string_end, unescape, ws, Num, PResult, Stop};

/// A scalar as written: a string's raw content or a number's text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Raw<'a> {
    /// The bytes (a string's content between its quotes, escapes not decoded).
    pub text: &'a [u8],
    /// Whether the string holds escapes.
    pub escaped: bool,
    /// Present at all.
    pub present: bool,
}

/// The fields of one event that the summary uses.
#[derive(Debug, Clone, Default)]
pub(crate) struct Event<'a> {
    pub ph: Raw<'a>,
    pub cat: Raw<'a>,
    pub name: Raw<'a>,
    pub pid: Raw<'a>,
    pub tid: Raw<'a>,
    pub id: Raw<'a>,
    pub ts: Option<i64>,
    pub dur: Option<i64>,
    /// `args.stream`, `args.correlation`, `args.External id` / `args.external id`.
    pub stream: Raw<'a>,
    pub correlation: Option<i64>,
    pub external_id: Option<i64>,
    /// `args.device`.
    pub device: Raw<'a>,
    /// `args.name` (the name given by an `M` event).
    pub arg_name: Raw<'a>,
    /// Keys the reader does not know.
    pub unknown_fields: u32,
    /// Numbers whose integer part does not fit in 64 bits.
    pub big_numbers: u32,
}

/// Keys of the Trace Event Format that are known but not used.
pub(crate) const KNOWN_UNUSED: &[&[u8]] = &[
    b"s",
    b"bp",
    b"tts",
    b"tdur",
    b"cname",
    b"sf",
    b"stack",
    b"esf",
    b"estack",
    b"id2",
    b"bind_id",
    b"flow_in",
    b"flow_out",
    b"scope",
];

/// A string or scalar value at `i`: its raw text and the index after it. Objects and arrays
/// are skipped and reported absent.
fn scalar(b: &[u8], i: usize) -> PResult<(Raw<'_>, usize)> {
    let i = ws(b, i);
    match at(b, i)? {
        b'"' => {
            let (e, escaped) = string_end(b, i)?;
            Ok((
                Raw {
                    text: &b[i + 1..e - 1],
                    escaped,
                    present: true,
                },
                e,
            ))
        }
        b'{' | b'[' | b'n' => Ok((Raw::default(), skip_value(b, i)?)),
        _ => {
            let e = skip_value(b, i)?;
            Ok((
                Raw {
                    text: &b[i..e],
                    escaped: false,
                    present: true,
                },
                e,
            ))
        }
    }
}

/// A number at `i` (null and non-numbers count as absent).
fn num(b: &[u8], i: usize) -> PResult<(Option<Num>, usize)> {
    let i = ws(b, i);
    match at(b, i)? {
        b'-' | b'0'..=b'9' => number(b, i).map(|(n, e)| (Some(n), e)),
        _ => Ok((None, skip_value(b, i)?)),
    }
}

/// Iterate the members of an object at `i`, calling `member(key, value_index)` which returns
/// the index after the value. Returns the index after the object.
#[inline]
fn members<'a>(
    b: &'a [u8],
    i: usize,
    mut member: impl FnMut(&'a [u8], usize) -> PResult<usize>,
) -> PResult<usize> {
    let mut i = ws(b, i);
    if at(b, i)? != b'{' {
        return Err(Stop::Bad(i, "an object"));
    }
    i = ws(b, i + 1);
    if at(b, i)? == b'}' {
        return Ok(i + 1);
    }
    loop {
        let (ke, _) = string_end(b, i)?;
        let key = &b[i + 1..ke - 1];
        i = ws(b, ke);
        if at(b, i)? != b':' {
            return Err(Stop::Bad(i, "':' after an object key"));
        }
        i = member(key, i + 1)?;
        i = ws(b, i);
        match at(b, i)? {
            b',' => i = ws(b, i + 1),
            b'}' => return Ok(i + 1),
            _ => return Err(Stop::Bad(i, "',' or '}' in an object")),
        }
    }
}

/// Parse the event object starting at `i`; returns it and the index after it.
pub(crate) fn parse_event(b: &[u8], i: usize) -> PResult<(Event<'_>, usize)> {
    let mut ev = Event::default();
    let end = members(b, i, |key, v| {
        let put_num = |slot: &mut Option<i64>, ev_big: &mut u32, v| -> PResult<usize> {
            let (n, e) = num(b, v)?;
            if let Some(n) = n {
                *slot = Some(n.milli);
                *ev_big += u32::from(n.big);
            }
            Ok(e)
        };
        match key {
            b"ph" => scalar(b, v).map(|(r, e)| (ev.ph = r, e).1),
            b"cat" => scalar(b, v).map(|(r, e)| (ev.cat = r, e).1),
            b"name" => scalar(b, v).map(|(r, e)| (ev.name = r, e).1),
            b"pid" => scalar(b, v).map(|(r, e)| (ev.pid = r, e).1),
            b"tid" => scalar(b, v).map(|(r, e)| (ev.tid = r, e).1),
            b"id" => scalar(b, v).map(|(r, e)| (ev.id = r, e).1),
            b"ts" => put_num(&mut ev.ts, &mut ev.big_numbers, v),
            b"dur" => put_num(&mut ev.dur, &mut ev.big_numbers, v),
            b"args" => {
                let vi = ws(b, v);
                if at(b, vi)? != b'{' {
                    return skip_value(b, vi);
                }
                members(b, vi, |k, av| match k {
                    b"stream" => scalar(b, av).map(|(r, e)| (ev.stream = r, e).1),
                    b"device" => scalar(b, av).map(|(r, e)| (ev.device = r, e).1),
                    b"name" => scalar(b, av).map(|(r, e)| (ev.arg_name = r, e).1),
                    b"correlation" => {
                        let (n, e) = num(b, av)?;
                        ev.correlation = n.and_then(|n| n.int);
                        ev.big_numbers += u32::from(n.is_some_and(|n| n.big));
                        Ok(e)
                    }
                    b"External id" | b"external id" => {
                        let (n, e) = num(b, av)?;
                        ev.external_id = n.and_then(|n| n.int);
                        ev.big_numbers += u32::from(n.is_some_and(|n| n.big));
                        Ok(e)
                    }
                    _ => skip_value(b, av),
                })
            }
            _ => {
                if !KNOWN_UNUSED.contains(&key) {
                    ev.unknown_fields += 1;
                }
                skip_value(b, v)
            }
        }
    })?;
    Ok((ev, end))
}

impl Raw<'_> {
    /// The decoded bytes (escapes resolved) into `scratch`, returning the bytes and the
    /// number of lone surrogates replaced.
    pub(crate) fn decoded<'s>(&'s self, scratch: &'s mut Vec<u8>) -> (&'s [u8], u32) {
        if self.escaped {
            let bad = unescape(self.text, scratch);
            (scratch.as_slice(), bad)
        } else {
            (self.text, 0)
        }
    }
}
