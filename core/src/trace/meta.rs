//! Top-level members of a trace object other than `traceEvents` (`schemaVersion`,
//! `displayTimeUnit`, `distributedInfo`, …), kept as small JSON values.

use alloc::string::String;
use alloc::vec::Vec;

use super::json::{at, literal, number_end, string_end, unescape, ws, PResult, Stop};

/// A JSON value (only for the small top-level members of a trace).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, members in file order.
    Obj(Vec<(String, Json)>),
}

/// Deepest nesting read in a top-level member.
const MAX_DEPTH: u32 = 32;

fn text(raw: &[u8]) -> String {
    let mut out = Vec::new();
    unescape(raw, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse the value at `i`.
pub(crate) fn parse(b: &[u8], i: usize, depth: u32) -> PResult<(Json, usize)> {
    let i = ws(b, i);
    if depth > MAX_DEPTH {
        return Err(Stop::Bad(i, "at most 32 levels of nesting"));
    }
    match at(b, i)? {
        b'"' => {
            let (e, _) = string_end(b, i)?;
            Ok((Json::Str(text(&b[i + 1..e - 1])), e))
        }
        b't' => Ok((Json::Bool(true), literal(b, i, b"true")?)),
        b'f' => Ok((Json::Bool(false), literal(b, i, b"false")?)),
        b'n' => Ok((Json::Null, literal(b, i, b"null")?)),
        b'-' | b'0'..=b'9' => {
            let e = number_end(b, i)?;
            let s = core::str::from_utf8(&b[i..e]).unwrap_or("0");
            let v = match s.parse::<i64>() {
                Ok(n) => Json::Int(n),
                Err(_) => Json::Float(s.parse().unwrap_or(0.0)),
            };
            Ok((v, e))
        }
        b'[' => {
            let mut items = Vec::new();
            let mut j = ws(b, i + 1);
            if at(b, j)? == b']' {
                return Ok((Json::Arr(items), j + 1));
            }
            loop {
                let (v, e) = parse(b, j, depth + 1)?;
                items.push(v);
                j = ws(b, e);
                match at(b, j)? {
                    b',' => j += 1,
                    b']' => return Ok((Json::Arr(items), j + 1)),
                    _ => return Err(Stop::Bad(j, "',' or ']' in an array")),
                }
            }
        }
        b'{' => {
            let mut members = Vec::new();
            let mut j = ws(b, i + 1);
            if at(b, j)? == b'}' {
                return Ok((Json::Obj(members), j + 1));
            }
            loop {
                let (ke, _) = string_end(b, j)?;
                let key = text(&b[j + 1..ke - 1]);
                j = ws(b, ke);
                if at(b, j)? != b':' {
                    return Err(Stop::Bad(j, "':' after an object key"));
                }
                let (v, e) = parse(b, j + 1, depth + 1)?;
                members.push((key, v));
                j = ws(b, e);
                match at(b, j)? {
                    b',' => j = ws(b, j + 1),
                    b'}' => return Ok((Json::Obj(members), j + 1)),
                    _ => return Err(Stop::Bad(j, "',' or '}' in an object")),
                }
            }
        }
        _ => Err(Stop::Bad(i, "a JSON value")),
    }
}

impl Json {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap as _, SerializeSeq as _};
        match self {
            Json::Null => s.serialize_none(),
            Json::Bool(v) => s.serialize_bool(*v),
            Json::Int(v) => s.serialize_i64(*v),
            Json::Float(v) => s.serialize_f64(*v),
            Json::Str(v) => s.serialize_str(v),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Json::Obj(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}
