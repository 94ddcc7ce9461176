//! Text lines: splitting a byte stream at `\n`, reading numeric fields, NMEA checksums.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Longest line kept, in bytes without the terminator; longer lines are counted as
/// overlong and dropped (garbage from a wrong baud rate rarely holds a `\n`).
pub const MAX_LINE_LEN: usize = 4096;

/// Splits a byte stream into lines (`\n`, with a `\r` before it dropped).
#[derive(Debug, Clone, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// The current line passed [`MAX_LINE_LEN`]: skip to the next `\n`.
    skipping: bool,
    lines: u64,
    overlong: u64,
}

impl LineSplitter {
    /// An empty splitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Complete lines seen (overlong ones included).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Lines dropped for exceeding [`MAX_LINE_LEN`].
    pub fn overlong(&self) -> u64 {
        self.overlong
    }

    /// Bytes of the unterminated line held back.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Split `bytes`, handing every complete line (without its terminator) to `out`.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut dyn FnMut(&[u8])) {
        while !bytes.is_empty() {
            let Some(nl) = bytes.iter().position(|&b| b == b'\n') else {
                self.keep(bytes);
                return;
            };
            self.keep(&bytes[..nl]);
            bytes = &bytes[nl + 1..];
            self.lines += 1;
            if core::mem::take(&mut self.skipping) {
                self.overlong += 1;
                self.buf.clear();
                continue;
            }
            let mut line = self.buf.as_slice();
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            out(line);
            self.buf.clear();
        }
    }

    /// Take the unterminated tail (a partial line at the end of the stream or before a
    /// gap), if any; the splitter starts a fresh line afterwards.
    pub fn take_partial(&mut self) -> Option<Vec<u8>> {
        let skipping = core::mem::take(&mut self.skipping);
        if self.buf.is_empty() && !skipping {
            return None;
        }
        Some(core::mem::take(&mut self.buf))
    }

    fn keep(&mut self, part: &[u8]) {
        if self.skipping {
            return;
        }
        if self.buf.len() + part.len() > MAX_LINE_LEN + 1 {
            self.skipping = true;
            self.buf.clear();
        } else {
            self.buf.extend_from_slice(part);
        }
    }
}

/// What [`FieldParser::parse`] made of a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A data row: the values were written to the row buffer.
    Row,
    /// A header line: it named the channels.
    Header,
    /// A blank or comment (`#`) line.
    Skip,
    /// Not a data row; the reason, for the user.
    Malformed(String),
}

/// Reads numeric fields of CSV/text lines into rows.
///
/// Fields are separated by `,` (else `;`, else tabs or runs of spaces). A field may be
/// `name=value` or `name:value` (Arduino's serial plotter); the first such row names the
/// channels. Before the first data row, a line of non-numeric fields is a header: the last
/// one before the first data row names the channels (so a boot banner is passed over),
/// unless its width differs from that row's. The first data row (or the names, or a fixed
/// width) fixes the number of channels; a row with a different count or a field that is
/// no number is malformed.
#[derive(Debug, Clone, Default)]
pub struct FieldParser {
    names: Vec<String>,
    /// The names came from a header line of the stream (not from the caller).
    from_stream: bool,
    /// Channels, once known.
    width: Option<usize>,
    rows: u64,
}

impl FieldParser {
    /// A parser that learns names and width from the stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// A parser with fixed channel names (their number is the width).
    pub fn with_names(names: Vec<String>) -> Self {
        let width = (!names.is_empty()).then_some(names.len());
        FieldParser {
            names,
            from_stream: false,
            width,
            rows: 0,
        }
    }

    /// A parser expecting `channels` unnamed fields per row.
    pub fn with_width(channels: usize) -> Self {
        FieldParser {
            names: Vec::new(),
            from_stream: false,
            width: Some(channels),
            rows: 0,
        }
    }

    /// Channels per row, once known.
    pub fn width(&self) -> Option<usize> {
        self.width
    }

    /// The channel names (`ch0`, `ch1`… for unnamed ones), once the width is known.
    pub fn names(&self) -> Vec<String> {
        let width = self.width.unwrap_or(self.names.len());
        (0..width)
            .map(|i| {
                self.names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| format!("ch{i}"))
            })
            .collect()
    }

    /// Data rows read.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Parse one line (no terminator); on [`Parsed::Row`] the values are in `row`.
    pub fn parse(&mut self, line: &[u8], row: &mut Vec<f64>) -> Parsed {
        let Ok(text) = core::str::from_utf8(line) else {
            return Parsed::Malformed("not text (wrong baud rate?)".to_string());
        };
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            return Parsed::Skip;
        }
        let delimiter = [',', ';', '\t'].into_iter().find(|&d| text.contains(d));
        let fields: Vec<&str> = match delimiter {
            Some(d) => text.split(d).map(str::trim).collect(),
            None => text.split_whitespace().collect(),
        };
        row.clear();
        let mut labels = Vec::new();
        let mut bad = None;
        for (i, field) in fields.iter().enumerate() {
            let (label, value) = match field.split_once(['=', ':']) {
                Some((l, v)) if !l.trim().is_empty() => (Some(l.trim()), v.trim()),
                _ => (None, *field),
            };
            labels.push(label);
            match parse_number(value) {
                Some(v) => row.push(v),
                None => {
                    bad.get_or_insert(i);
                }
            }
        }
        if let Some(i) = bad {
            let header = self.rows == 0
                && (self.names.is_empty() || self.from_stream)
                && fields
                    .iter()
                    .all(|f| !f.is_empty() && parse_number(f).is_none());
            if header {
                if self.width.is_none_or(|w| w == fields.len()) {
                    self.names = fields.iter().map(|f| f.to_string()).collect();
                    self.from_stream = true;
                }
                return Parsed::Header;
            }
            let shown: String = fields[i].chars().take(24).collect();
            return Parsed::Malformed(format!("field {} is not a number: '{shown}'", i + 1));
        }
        match self.width {
            Some(w) if w != row.len() => {
                return Parsed::Malformed(format!("{} fields, expected {w}", row.len()));
            }
            Some(_) => {}
            None => {
                self.width = Some(row.len());
                if self.from_stream && self.names.len() != row.len() {
                    self.names.clear();
                }
                if self.names.is_empty() && labels.iter().all(Option::is_some) {
                    self.names = labels.iter().flatten().map(|l| l.to_string()).collect();
                }
            }
        }
        self.rows += 1;
        Parsed::Row
    }
}

/// A decimal number (`nan` and `inf` included; empty is not a number).
fn parse_number(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// The NMEA 0183 checksum verdict of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NmeaCheck {
    /// The line does not start with `$` or `!`.
    NotNmea,
    /// The two hex digits after `*` match the XOR of the bytes between `$` and `*`.
    Ok,
    /// They do not match (or are not hex).
    Bad,
    /// No `*` checksum.
    Missing,
}

/// Check an NMEA sentence's checksum (`$...*hh`, the line without its terminator).
pub fn nmea_checksum(line: &[u8]) -> NmeaCheck {
    let Some((&first, body)) = line.split_first() else {
        return NmeaCheck::NotNmea;
    };
    if first != b'$' && first != b'!' {
        return NmeaCheck::NotNmea;
    }
    let Some(star) = body.iter().rposition(|&b| b == b'*') else {
        return NmeaCheck::Missing;
    };
    let sum = body[..star].iter().fold(0u8, |a, &b| a ^ b);
    let hex = &body[star + 1..];
    let digits = core::str::from_utf8(hex.get(..2).unwrap_or(hex)).ok();
    match digits.and_then(|d| (d.len() == 2).then(|| u8::from_str_radix(d, 16).ok())) {
        Some(Some(v)) if v == sum => NmeaCheck::Ok,
        _ => NmeaCheck::Bad,
    }
}
