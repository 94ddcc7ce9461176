//! The header dictionary of an NPY file: a Python literal such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 2), }`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::dtype::{Dtype, DtypeKind};
use crate::{Error, Result};

/// The three fields every NPY header holds.
pub(crate) struct HeaderDict {
    pub descr: Dtype,
    pub fortran_order: bool,
    pub shape: Vec<u64>,
}

/// Most dimensions accepted before the shape is rejected as absurd.
const MAX_DIMS: usize = 32;

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
    /// Absolute byte offset of `text[0]`.
    base: u64,
}

impl Cursor<'_> {
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn skip_ws(&mut self) {
        while self.pos < self.text.len() && self.text[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn found(&self) -> String {
        match self.text.get(self.pos) {
            None => "the end of the header".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("'{}'", *c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        }
    }

    fn error(&self, expected: &str) -> Error {
        Error::Malformed {
            offset: self.offset(),
            expected: expected.to_string(),
            found: self.found(),
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.text.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    fn string(&mut self) -> Result<&str> {
        self.skip_ws();
        let quote = match self.text.get(self.pos) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(self.error("a quoted string")),
        };
        let start = self.pos + 1;
        let len = self.text[start..]
            .iter()
            .position(|&c| c == quote)
            .ok_or_else(|| self.error("a closing quote"))?;
        self.pos = start + len + 1;
        core::str::from_utf8(&self.text[start..start + len]).map_err(|_| Error::Malformed {
            offset: self.base + start as u64,
            expected: "a UTF-8 string".to_string(),
            found: "invalid UTF-8".to_string(),
        })
    }

    fn word(&mut self) -> &[u8] {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.text.len() && self.text[self.pos].is_ascii_alphanumeric() {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn bool(&mut self) -> Result<bool> {
        let at = self.pos;
        match self.word() {
            b"True" => Ok(true),
            b"False" => Ok(false),
            _ => {
                self.pos = at;
                self.skip_ws();
                Err(self.error("True or False"))
            }
        }
    }

    fn shape(&mut self) -> Result<Vec<u64>> {
        self.expect(b'(', "'(' opening the shape tuple")?;
        let mut dims = Vec::new();
        loop {
            if self.eat(b')') {
                return Ok(dims);
            }
            self.skip_ws();
            let at = self.offset();
            let pos = self.pos;
            let word = self.word();
            let Some(dim) = core::str::from_utf8(word)
                .ok()
                .filter(|w| !w.is_empty() && w.bytes().all(|c| c.is_ascii_digit()))
            else {
                self.pos = pos;
                return Err(self.error("a dimension (non-negative integer)"));
            };
            let dim = dim.parse::<u64>().map_err(|_| Error::Limit {
                offset: at,
                what: format!("dimension {dim}"),
                limit: u64::MAX,
            })?;
            if dims.len() == MAX_DIMS {
                return Err(Error::Limit {
                    offset: at,
                    what: "number of dimensions".to_string(),
                    limit: MAX_DIMS as u64,
                });
            }
            dims.push(dim);
            if !self.eat(b',') {
                self.expect(b')', "',' or ')' in the shape tuple")?;
                return Ok(dims);
            }
        }
    }
}

/// Parse a dtype string such as `<f4`, `>i2` or `|u1`.
pub(crate) fn parse_descr(descr: &str, offset: u64) -> Result<Dtype> {
    let unsupported = || Error::Unsupported {
        offset,
        what: format!(
            "dtype '{descr}' (supported: i1 u1 i2 u2 i4 u4 i8 u8 f4 f8 in either byte order)"
        ),
    };
    let bytes = descr.as_bytes();
    let (order, rest) = match bytes.first() {
        Some(&c @ (b'<' | b'>' | b'|' | b'=')) => (c, &bytes[1..]),
        _ => (b'=', bytes),
    };
    let (kind, size) = match rest {
        [k, s] => (k, s),
        _ => return Err(unsupported()),
    };
    let kind = match kind {
        b'i' => DtypeKind::Int,
        b'u' => DtypeKind::UInt,
        b'f' => DtypeKind::Float,
        _ => return Err(unsupported()),
    };
    let size = match (kind, size) {
        (DtypeKind::Float, b'4') => 4,
        (DtypeKind::Float, b'8') => 8,
        (DtypeKind::Float, _) => return Err(unsupported()),
        (_, b'1') => 1,
        (_, b'2') => 2,
        (_, b'4') => 4,
        (_, b'8') => 8,
        _ => return Err(unsupported()),
    };
    let big_endian = match order {
        b'>' => true,
        b'|' if size != 1 => return Err(unsupported()),
        // '=' is the writer's native order; every platform numpy writes from today is
        // little-endian, and numpy itself writes '<' or '>' explicitly.
        _ => false,
    };
    Ok(Dtype {
        kind,
        size,
        big_endian,
    })
}

/// Parse the header dictionary `text`, which starts at absolute byte `base`.
pub(crate) fn parse(text: &[u8], base: u64) -> Result<HeaderDict> {
    let mut c = Cursor { text, pos: 0, base };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    c.expect(b'{', "'{' opening the header dictionary")?;
    loop {
        if c.eat(b'}') {
            break;
        }
        let key_at = c.offset();
        let key = c.string()?.to_string();
        c.expect(b':', "':' after a dictionary key")?;
        c.skip_ws();
        let value_at = c.offset();
        match key.as_str() {
            "descr" => {
                c.skip_ws();
                if c.text.get(c.pos) == Some(&b'[') {
                    return Err(Error::Unsupported {
                        offset: value_at,
                        what: "structured dtype (a list of fields)".to_string(),
                    });
                }
                descr = Some(parse_descr(c.string()?, value_at)?);
            }
            "fortran_order" => fortran = Some(c.bool()?),
            "shape" => shape = Some(c.shape()?),
            _ => {
                return Err(Error::Malformed {
                    offset: key_at,
                    expected: "one of the keys 'descr', 'fortran_order', 'shape'".to_string(),
                    found: format!("'{key}'"),
                })
            }
        }
        if !c.eat(b',') {
            c.expect(b'}', "',' or '}' in the header dictionary")?;
            break;
        }
    }
    let end = c.offset();
    let missing = |key: &str| Error::Malformed {
        offset: end,
        expected: format!("the key '{key}' in the header dictionary"),
        found: "the end of the dictionary".to_string(),
    };
    Ok(HeaderDict {
        descr: descr.ok_or_else(|| missing("descr"))?,
        fortran_order: fortran.ok_or_else(|| missing("fortran_order"))?,
        shape: shape.ok_or_else(|| missing("shape"))?,
    })
}
