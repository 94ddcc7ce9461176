//! The fast path of the event parser: one pass over a well-formed event of the common shape
//! (no escapes, plain decimal numbers), each number parsed once into integer nanoseconds,
//! unknown values skipped by a depth-counting scan. Anything it does not handle — an escape,
//! an exponent, `true`/`false` where a scalar is read, a slice that ends inside the event, a
//! byte that is not JSON — makes it give up (`None`), and the general parser
//! ([`super::event::parse_event`]) reads the event again, so results and error messages are
//! exactly the general parser's. Where the fast path accepts an event, it accepts no more
//! than the general parser would, and fills the same [`Event`].

use super::event::{Event, Raw, KNOWN_UNUSED};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

#[inline(always)]
fn word(b: &[u8], j: usize) -> Option<u64> {
    let w = b.get(j..j + 8)?;
    Some(u64::from_le_bytes([
        w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7],
    ]))
}

/// Bit 7 of each byte of `x` that is `"`, `\\` or below 0x20 (exact per byte: no borrow
/// between bytes, so the lowest set bit marks the first such byte).
#[inline(always)]
fn special(x: u64) -> u64 {
    // A byte is zero iff its low 7 bits plus 0x7f do not carry into bit 7 and bit 7 is clear.
    let low = |v: u64| (v & !HIGHS).wrapping_add(!HIGHS & (ONES * 0x7f));
    let zero = |v: u64| !(low(v) | v) & HIGHS;
    let quote = zero(x ^ (ONES * u64::from(b'"')));
    let slash = zero(x ^ (ONES * u64::from(b'\\')));
    // Below 0x20: bits 5..7 clear.
    let control = !((x & (ONES * 0x7f)).wrapping_add(ONES * 0x60) | x) & HIGHS;
    quote | slash | control
}

/// The index of the closing quote of a string whose content starts at `j`, if the string
/// has no escapes and no control characters.
#[inline(always)]
fn string_close(b: &[u8], mut j: usize) -> Option<usize> {
    while let Some(x) = word(b, j) {
        let s = special(x);
        if s != 0 {
            let k = j + (s.trailing_zeros() / 8) as usize;
            return (b[k] == b'"').then_some(k);
        }
        j += 8;
    }
    while j < b.len() {
        match b[j] {
            b'"' => return Some(j),
            b'\\' | 0..=0x1f => return None,
            _ => j += 1,
        }
    }
    None
}

#[inline(always)]
fn ws(b: &[u8], mut i: usize) -> usize {
    // Most values follow their separator directly or after one space.
    match b.get(i) {
        Some(&c) if c > b' ' => return i,
        Some(b' ') if b.get(i + 1).is_some_and(|&c| c > b' ') => return i + 1,
        _ => {}
    }
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// Bit 7 of each byte of `x` that is one of `"[]{}` (exact per byte, as [`special`]).
#[inline(always)]
fn structural(x: u64) -> u64 {
    let low = |v: u64| (v & !HIGHS).wrapping_add(!HIGHS & (ONES * 0x7f));
    let zero = |v: u64| !(low(v) | v) & HIGHS;
    // `[` and `{`, `]` and `}` differ only in bit 5.
    let folded = x | (ONES * 0x20);
    zero(x ^ (ONES * u64::from(b'"')))
        | zero(folded ^ (ONES * u64::from(b'{')))
        | zero(folded ^ (ONES * u64::from(b'}')))
}

/// A plain number `-?[0-9]{1,18}(\.[0-9]+)?` followed by a byte that ends it: its value ×
/// 1000 rounded as [`super::json::number`] does, whether it is an integer, and the end.
#[inline(always)]
fn number(b: &[u8], i: usize) -> Option<(i64, bool, usize)> {
    let mut j = i;
    let neg = *b.get(j)? == b'-';
    j += usize::from(neg);
    let s = j;
    let mut v: i64 = 0;
    while let Some(&c) = b.get(j) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + i64::from(d);
        j += 1;
        if j - s > 18 {
            return None;
        }
    }
    if j == s {
        return None;
    }
    if v > i64::MAX / 1000 - 1000 {
        return None;
    }
    let mut m = v * 1000;
    let mut int = true;
    if *b.get(j)? == b'.' {
        j += 1;
        let f = j;
        let mut scale = 100;
        while let Some(&c) = b.get(j) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            let k = j - f;
            if k < 3 {
                m += i64::from(d) * scale;
                scale /= 10;
            } else if k == 3 && d >= 5 {
                m += 1;
            }
            int &= d == 0;
            j += 1;
        }
        if j == f {
            return None;
        }
    }
    // The byte after it must exist (else more digits may follow) and end a number.
    if !matches!(
        *b.get(j)?,
        b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'
    ) {
        return None;
    }
    let sign = if neg { -1 } else { 1 };
    Some((sign * m, int, j))
}

/// The integer value (`None` if it has a nonzero fraction) and the end of a number at `i`;
/// `Err` to give up.
#[inline(always)]
fn int_value(b: &[u8], i: usize) -> Option<(Option<i64>, usize)> {
    let (m, int, e) = number(b, i)?;
    Some((int.then_some(m / 1000), e))
}

/// A string or plain number at `i`: the raw text (as the general parser's `scalar`).
#[inline(always)]
fn scalar(b: &[u8], i: usize) -> Option<(Raw<'_>, usize)> {
    match *b.get(i)? {
        b'"' => {
            let e = string_close(b, i + 1)?;
            Some((
                Raw {
                    text: &b[i + 1..e],
                    escaped: false,
                    present: true,
                },
                e + 1,
            ))
        }
        b'-' | b'0'..=b'9' => {
            let (_, _, e) = number(b, i)?;
            Some((
                Raw {
                    text: &b[i..e],
                    escaped: false,
                    present: true,
                },
                e,
            ))
        }
        b'{' | b'[' | b'n' => Some((Raw::default(), skip(b, i)?)),
        _ => None,
    }
}

/// Skip the value at `i`.
#[inline]
fn skip(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => Some(string_close(b, i + 1)? + 1),
        b'{' | b'[' => skip_container(b, i),
        b'-' | b'0'..=b'9' => skip_number(b, i),
        b't' => literal(b, i, b"true"),
        b'f' => literal(b, i, b"false"),
        b'n' => literal(b, i, b"null"),
        _ => None,
    }
}

#[inline(always)]
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (b.get(i..i + word.len())? == word).then_some(i + word.len())
}

/// A number of any form, validated as [`super::json::number_end`] does.
fn skip_number(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + usize::from(b[i] == b'-');
    let digits = |j: usize| -> Option<usize> {
        let n = b
            .get(j..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (n > 0 && j + n < b.len()).then_some(j + n)
    };
    j = digits(j)?;
    if b[j] == b'.' {
        j = digits(j + 1)?;
    }
    if matches!(b[j], b'e' | b'E') {
        j += 1;
        if matches!(*b.get(j)?, b'+' | b'-') {
            j += 1;
        }
        j = digits(j)?;
    }
    Some(j)
}

/// Skip an object or array: strings, and bracket matching to 64 levels (bit `d` of `kinds`
/// set when level `d` is an object).
fn skip_container(b: &[u8], i: usize) -> Option<usize> {
    let mut kinds: u64 = 0;
    let mut depth = 0u32;
    let mut j = i;
    loop {
        // Jump over bytes that are not `"[]{}` eight at a time.
        while let Some(x) = word(b, j) {
            let s = structural(x);
            if s != 0 {
                j += (s.trailing_zeros() / 8) as usize;
                break;
            }
            j += 8;
        }
        let c = *b.get(j)?;
        match c {
            b'"' => {
                j = string_close(b, j + 1)? + 1;
                continue;
            }
            b'{' | b'[' => {
                if depth == 64 {
                    return None;
                }
                if c == b'{' {
                    kinds |= 1 << depth;
                } else {
                    kinds &= !(1 << depth);
                }
                depth += 1;
            }
            b'}' | b']' => {
                if depth == 0 || (kinds >> (depth - 1) & 1 == 1) != (c == b'}') {
                    return None;
                }
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
}

/// Iterate an object's members at `i` (a `{`): `member(key, value_index)` returns the index
/// after the value. Keys must be plain strings.
#[inline(always)]
fn members<'a>(
    b: &'a [u8],
    i: usize,
    mut member: impl FnMut(&'a [u8], usize) -> Option<usize>,
) -> Option<usize> {
    let mut i = ws(b, i + 1);
    if *b.get(i)? == b'}' {
        return Some(i + 1);
    }
    loop {
        if *b.get(i)? != b'"' {
            return None;
        }
        let ke = string_close(b, i + 1)?;
        let key = &b[i + 1..ke];
        i = ws(b, ke + 1);
        if *b.get(i)? != b':' {
            return None;
        }
        i = member(key, ws(b, i + 1))?;
        i = ws(b, i);
        match *b.get(i)? {
            b',' => i = ws(b, i + 1),
            b'}' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Parse the event object at `b[i]` (a `{`) if it has the common shape.
#[cfg(test)]
pub(crate) fn parse_event(b: &[u8], i: usize) -> Option<(Event<'_>, usize)> {
    let mut ev = Event::default();
    parse_into(b, i, &mut ev).map(|e| (ev, e))
}

/// Parse the event object at `b[i]` (a `{`) into `ev` (fresh) if it has the common shape;
/// returns the index after it. On `None`, `ev` may hold part of the event.
pub(crate) fn parse_into<'a>(b: &'a [u8], i: usize, ev: &mut Event<'a>) -> Option<usize> {
    members(b, i, |key, v| match key {
        b"ph" => scalar(b, v).map(|(r, e)| (ev.ph = r, e).1),
        b"cat" => scalar(b, v).map(|(r, e)| (ev.cat = r, e).1),
        b"name" => scalar(b, v).map(|(r, e)| (ev.name = r, e).1),
        b"pid" => scalar(b, v).map(|(r, e)| (ev.pid = r, e).1),
        b"tid" => scalar(b, v).map(|(r, e)| (ev.tid = r, e).1),
        b"id" => scalar(b, v).map(|(r, e)| (ev.id = r, e).1),
        b"ts" | b"dur" => {
            if !matches!(*b.get(v)?, b'-' | b'0'..=b'9') {
                return None;
            }
            let (m, _, e) = number(b, v)?;
            if key == b"ts" {
                ev.ts = Some(m);
            } else {
                ev.dur = Some(m);
            }
            Some(e)
        }
        b"args" => {
            if *b.get(v)? != b'{' {
                return None;
            }
            members(b, v, |k, av| match k {
                b"stream" => scalar(b, av).map(|(r, e)| (ev.stream = r, e).1),
                b"device" => scalar(b, av).map(|(r, e)| (ev.device = r, e).1),
                b"name" => scalar(b, av).map(|(r, e)| (ev.arg_name = r, e).1),
                b"correlation" | b"External id" | b"external id" => {
                    if !matches!(*b.get(av)?, b'-' | b'0'..=b'9') {
                        return None;
                    }
                    let (n, e) = int_value(b, av)?;
                    if k == b"correlation" {
                        ev.correlation = n;
                    } else {
                        ev.external_id = n;
                    }
                    Some(e)
                }
                _ => skip(b, av),
            })
        }
        _ => {
            if !KNOWN_UNUSED.contains(&key) {
                ev.unknown_fields += 1;
            }
            skip(b, v)
        }
    })
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::super::event;
    use super::parse_event;

    /// Where the fast path accepts an event (or any prefix of it), it gives exactly what the
    /// general parser gives; it gives up on escapes, exponents and anything malformed.
    #[test]
    fn fast_path_equals_general_parser() {
        let cases: &[&str] = &[
            r#"{"ph": "X", "cat": "kernel", "name": "k<1, 2>", "pid": 0, "tid": 7, "ts": 1700000000000020.123, "dur": 5.0005, "args": {"External id": 12, "stream": 7, "device": 0, "correlation": 3, "grid": [128, 1, 1], "blocks per SM": 0.8}}"#,
            r#"{"ph":"X","cat":"cpu_op","name":"aten::mul","pid":100,"tid":100,"ts":-12.9996,"dur":-3,"args":{"Input Dims":[[32,64],[],[{"a":[1]}]],"Concrete Inputs":["","1"],"x":null,"y":true,"z":false}}"#,
            r#"{ "ph" : "B" , "name" : "a" , "ts" : 1 , "id" : "0x1" , "args" : { } , "s" : "t" , "zz" : {} }"#,
            r#"{"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"worker"}}"#,
            r#"{"ph":"X","name":"a\"b","ts":1}"#,
            r#"{"ph":"X","name":"a","ts":1e3,"dur":1}"#,
            r#"{"ph":"X","name":"a","ts":12345678901234567890}"#,
            r#"{"ph":"X","ts":1,"args":{"External id":1.5,"correlation":"7"}}"#,
            r#"{"ph":"X","ts":1,"args":[1]}"#,
            r#"{"ph":"X","ts":01,"dur":1.}"#,
            r#"{"ph":"X","ts":1,"x":[1}]}"#,
            r#"{"ph":"X","ts":1,}"#,
            r#"{"ph":"X","ts":null,"dur":"5","tid":true}"#,
            "{\"ph\":\"X\",\"name\":\"tab\there\",\"ts\":1}",
            r#"{"ph":"X","name":"ünï","ts":9223372036854775,"dur":999999999999999.9999}"#,
            r#"{}"#,
        ];
        let mut accepted = 0;
        for case in cases {
            // A space after it: a number at the very end needs a delimiter.
            let full = format!("{case} ");
            for end in 1..=full.len() {
                let b = &full.as_bytes()[..end];
                if let Some((ev, e)) = parse_event(b, 0) {
                    accepted += 1;
                    let (want, we) = event::parse_event(b, 0).expect("general parser agrees");
                    assert_eq!((format!("{ev:?}"), e), (format!("{want:?}"), we), "{case}");
                }
            }
        }
        assert!(accepted >= 8, "the fast path took {accepted} events");
    }
}
