//! The hand-written JSON primitives of the trace reader, over a byte slice that may end in
//! the middle of a value.
//!
//! Every function returns [`Stop::Incomplete`] when the slice ends before the value does (the
//! reader then keeps the bytes and retries once the value is complete), or
//! [`Stop::Bad`] with the offset (within the slice) of the first byte that cannot be JSON.
//! [`Scan`] finds where a value ends across chunks without parsing it.

use alloc::vec::Vec;

/// Why a slice parse stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The slice ends inside the value.
    Incomplete,
    /// The byte at this offset of the slice is not valid here; the text says what was expected.
    Bad(usize, &'static str),
}

/// Result of a slice parse.
pub(crate) type PResult<T> = core::result::Result<T, Stop>;

/// Skip JSON whitespace from `i`.
#[inline]
pub(crate) fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// The byte at `i`, or `Incomplete`.
#[inline]
pub(crate) fn at(b: &[u8], i: usize) -> PResult<u8> {
    b.get(i).copied().ok_or(Stop::Incomplete)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Nonzero when a byte of `x` is `"`, `\\` or below 0x20 (a SWAR test over 8 bytes).
#[inline]
fn special(x: u64) -> u64 {
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(x ^ (ONES * u64::from(b'"')));
    let slash = zero(x ^ (ONES * u64::from(b'\\')));
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    quote | slash | control
}

/// A string starting at the quote at `i`: returns the index after the closing quote and
/// whether it holds escapes (then its raw content needs [`unescape`]).
#[inline]
pub(crate) fn string_end(b: &[u8], i: usize) -> PResult<(usize, bool)> {
    if at(b, i)? != b'"' {
        return Err(Stop::Bad(i, "a string"));
    }
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        // Fast path: 8 plain bytes at a time, then byte by byte.
        while let Some(w) = b.get(j..j + 8) {
            let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            if special(x) != 0 {
                break;
            }
            j += 8;
        }
        while j < b.len() && b[j] != b'"' && b[j] != b'\\' && b[j] >= 0x20 {
            j += 1;
        }
        match at(b, j)? {
            b'"' => return Ok((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                let e = at(b, j + 1)?;
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        for k in 0..4 {
                            if !at(b, j + 2 + k)?.is_ascii_hexdigit() {
                                return Err(Stop::Bad(j + 2 + k, "four hex digits after \\u"));
                            }
                        }
                        j += 6;
                    }
                    _ => return Err(Stop::Bad(j + 1, "a valid escape")),
                }
            }
            _ => return Err(Stop::Bad(j, "no control characters in a string")),
        }
    }
}

fn hex4(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, &c| {
        acc * 16
            + match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'a'..=b'f' => u32::from(c - b'a' + 10),
                _ => u32::from(c.wrapping_sub(b'A').wrapping_add(10) & 15),
            }
    })
}

/// Decode the raw content of a validated string (between its quotes) into `out`. Lone
/// surrogates become U+FFFD; returns how many were replaced.
pub(crate) fn unescape(raw: &[u8], out: &mut Vec<u8>) -> u32 {
    out.clear();
    let mut bad = 0;
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let ch = match e {
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hi = hex4(raw.get(i..i + 4).unwrap_or(b"fffd"));
                i += 4;
                let cp = if (0xD800..0xDC00).contains(&hi)
                    && raw.get(i..i + 2) == Some(b"\\u")
                    && raw
                        .get(i + 2..i + 6)
                        .is_some_and(|l| (0xDC00..0xE000).contains(&hex4(l)))
                {
                    let lo = hex4(&raw[i + 2..i + 6]);
                    i += 6;
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                let ch = char::from_u32(cp).unwrap_or_else(|| {
                    bad += 1;
                    '\u{FFFD}'
                });
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            other => other,
        };
        out.push(ch);
    }
    bad
}

/// Skip any JSON value starting at `i` (after whitespace); returns the index after it.
pub(crate) fn skip_value(b: &[u8], i: usize) -> PResult<usize> {
    let i = ws(b, i);
    match at(b, i)? {
        b'"' => string_end(b, i).map(|(e, _)| e),
        b'{' | b'[' => skip_container(b, i),
        b't' => literal(b, i, b"true"),
        b'f' => literal(b, i, b"false"),
        b'n' => literal(b, i, b"null"),
        b'-' | b'0'..=b'9' => number_end(b, i),
        _ => Err(Stop::Bad(i, "a JSON value")),
    }
}

pub(crate) fn literal(b: &[u8], i: usize, word: &[u8]) -> PResult<usize> {
    for (k, &w) in word.iter().enumerate() {
        if at(b, i + k)? != w {
            return Err(Stop::Bad(i + k, "true, false or null"));
        }
    }
    Ok(i + word.len())
}

/// Skip an object or array, checking nesting and strings (not every grammar rule).
fn skip_container(b: &[u8], i: usize) -> PResult<usize> {
    let mut stack: [u8; 64] = [0; 64];
    let mut depth = 0usize;
    let mut j = i;
    loop {
        while j < b.len() && !matches!(b[j], b'"' | b'{' | b'}' | b'[' | b']') {
            j += 1;
        }
        match at(b, j)? {
            b'"' => j = string_end(b, j)?.0,
            open @ (b'{' | b'[') => {
                if depth == stack.len() {
                    return Err(Stop::Bad(j, "nesting of at most 64 levels"));
                }
                stack[depth] = if open == b'{' { b'}' } else { b']' };
                depth += 1;
                j += 1;
            }
            close => {
                if depth == 0 || stack[depth - 1] != close {
                    return Err(Stop::Bad(j, "matching brackets"));
                }
                depth -= 1;
                j += 1;
                if depth == 0 {
                    return Ok(j);
                }
            }
        }
    }
}

/// The end of a number starting at `i` (validated). A number that reaches the end of the
/// slice is incomplete: more digits may follow.
pub(crate) fn number_end(b: &[u8], i: usize) -> PResult<usize> {
    let mut j = i;
    if at(b, j)? == b'-' {
        j += 1;
    }
    let digits = |b: &[u8], mut j: usize| -> PResult<usize> {
        let s = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == b.len() {
            return Err(Stop::Incomplete);
        }
        if j == s {
            return Err(Stop::Bad(j, "a digit"));
        }
        Ok(j)
    };
    j = digits(b, j)?;
    if b[j] == b'.' {
        j = digits(b, j + 1)?;
    }
    if matches!(b[j], b'e' | b'E') {
        j += 1;
        if matches!(at(b, j)?, b'+' | b'-') {
            j += 1;
        }
        j = digits(b, j)?;
    }
    Ok(j)
}

/// A parsed number: nanoseconds for a microsecond value, or an integer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Num {
    /// The value × 1000 rounded to an integer (µs → ns), saturating.
    pub milli: i64,
    /// The value as an integer if it is one and fits in i64.
    pub int: Option<i64>,
    /// The integer part has more digits than fit in 64 bits.
    pub big: bool,
}

/// Parse a number at `i` (validated): returns it and the index after it.
pub(crate) fn number(b: &[u8], i: usize) -> PResult<(Num, usize)> {
    let end = number_end(b, i)?;
    let text = &b[i..end];
    let (neg, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let int_len = body.iter().take_while(|c| c.is_ascii_digit()).count();
    let plain = int_len <= 18 && body[int_len..].iter().all(|&c| c != b'e' && c != b'E');
    if plain {
        let mut v: i64 = 0;
        for &c in &body[..int_len] {
            v = v * 10 + i64::from(c - b'0');
        }
        let frac = body.get(int_len + 1..).unwrap_or(&[]);
        let mut m = v.saturating_mul(1000);
        let mut scale = 100;
        for &c in frac.iter().take(3) {
            m += i64::from(c - b'0') * scale;
            scale /= 10;
        }
        if frac.get(3).is_some_and(|&c| c >= b'5') {
            m += 1;
        }
        let sign = if neg { -1 } else { 1 };
        let int = (frac.is_empty() || frac.iter().all(|&c| c == b'0')).then_some(sign * v);
        return Ok((
            Num {
                milli: sign * m,
                int,
                big: false,
            },
            end,
        ));
    }
    // Exponent form or more than 18 integer digits: through f64 (exact enough for both).
    let f: f64 = core::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    let milli = f * 1000.0;
    let milli = if milli.is_nan() {
        0
    } else {
        milli.clamp(i64::MIN as f64, i64::MAX as f64) as i64
    };
    let fits = libm::trunc(f) == f && libm::fabs(f) < 9.2e18;
    Ok((
        Num {
            milli,
            int: fits.then_some(f as i64),
            big: int_len > 19 || (int_len == 19 && !fits),
        },
        end,
    ))
}

/// Where a value ends, found byte by byte across chunks: tracks strings, escapes and
/// nesting only. Used for the bytes of a value that did not fit in one chunk.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scan {
    depth: u32,
    in_string: bool,
    escape: bool,
    started: bool,
    scalar: bool,
}

impl Scan {
    /// Feed `b`; returns the index just after the value's end if it ends in `b`.
    pub(crate) fn feed(&mut self, b: &[u8]) -> Option<usize> {
        for (k, &c) in b.iter().enumerate() {
            if !self.started {
                self.started = true;
                match c {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth = 1,
                    _ => self.scalar = true,
                }
                continue;
            }
            if self.scalar {
                if matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b',' | b']' | b'}' | b':') {
                    return Some(k);
                }
                continue;
            }
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if c == b'\\' {
                    self.escape = true;
                } else if c == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(k + 1);
                    }
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(k + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }
}
