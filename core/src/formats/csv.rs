//! CSV captures, as oscilloscopes, logic analysers and scripts export them, read by an
//! incremental parser.
//!
//! Vocabulary:
//! - A **line** ends at `\n` (a `\r` before it is dropped). Lines are numbered from 1, and
//!   offsets are absolute bytes of the input, a UTF-8 byte-order mark included. Quoted
//!   fields (`"a,b"`, `""` for a quote) cannot span lines.
//! - A **data row** is a line whose cells are all numbers or empty, with at least one finite
//!   number. Everything before the first data row is the **preamble**: comments (lines
//!   starting with `#`, or with `;` and holding no other `;`), **metadata** lines
//!   (`key,value…`, kept as pairs), the **header** row (column names, units split out of
//!   `Time [s]`, `CH1 (V)` or `Voltage(mV)`) and an optional **units row** (`second,Volt`,
//!   `(ms),(V)`) right after it. No preamble line means a header-less file (`col0`, `col1`…).
//! - The **delimiter** (`,` `;` tab, or runs of spaces) is the one of the first data row.
//!   Unless it is `,`, a `,` inside a number is a decimal mark (`4,82` in European exports).
//! - The **time column** is the first column when its name says time (`Time`, `X`,
//!   `x-axis`, `seconds`, sigrok's `microseconds`…) or counts samples (`sample`, `index`,
//!   pandas' unnamed index). It is not emitted: it gives the sample rate and tells whether
//!   sampling is regular ([`CsvTiming`]). Every other column is a **channel**, emitted as
//!   f64 blocks; a digital 0/1 column is a channel like any other. Empty cells read as NaN;
//!   a row whose cells are all empty is skipped.
//!
//! The layouts ([`CsvStyle`]): a header row (Tektronix MSO/MDO, Keysight/Agilent, Saleae
//! Logic, PicoScope, sigrok-cli, pandas); Rigol's `X,CH1,…,Start,Increment` with the start
//! time and interval in its units row; older Tektronix (TDS) files with the metadata in the
//! first three columns beside the data; header-less numbers (numpy `savetxt`, whose
//! `# name,name` comment header is used when it fits).
//!
//! **Unknown length.** The number of rows is only known at the end, so
//! [`BlockSink::begin`] is called when the first block is ready (after [`BLOCK_ROWS`] rows,
//! or at [`CsvReader::finish`]): `Layout::samples` is the exact row count when the whole
//! file fits in the first block, and [`UNKNOWN_SAMPLES`] otherwise. [`CsvReader::finish`]
//! takes the sink (it emits the last rows) and returns the header with the row count.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

pub use crate::kernel::UNKNOWN_SAMPLES;
use crate::kernel::{Block, BlockSink, Layout};
use crate::{Error, Result};

/// Longest line accepted, in bytes (without the `\n`).
pub const MAX_LINE: usize = 1 << 20;
/// Most text kept from before the first data row (and Tektronix column metadata), in bytes.
pub const MAX_PREAMBLE: usize = 1 << 20;
/// Most columns accepted: scratch space is allocated for each.
pub const MAX_CHANNELS: usize = 1 << 16;
/// Most rows per emitted block (fewer when there are many channels).
pub const BLOCK_ROWS: usize = 4096;
/// Scratch samples across all channels (bounds the block size for wide files).
const SCRATCH: usize = 1 << 18;
/// Relative deviation of an interval from the nominal one still called regular (on top of
/// the rounding of the written timestamps, see [`CsvTiming::resolution`]).
pub const REGULAR_TOLERANCE: f64 = 1e-3;
/// The nominal interval is the mean of this many first intervals.
const RATE_INTERVALS: u64 = 1000;
/// Digits from which a timestamp is taken as rounded to its last digit (scope exports write
/// 6 to 12; shortest round-trip printers write round values with fewer).
const FIXED_DIGITS: usize = 6;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What separates the cells of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;` (European exports, usually with decimal commas)
    Semicolon,
    /// A tab.
    Tab,
    /// Runs of spaces or tabs (numpy `savetxt`'s default).
    Whitespace,
}

impl Delimiter {
    /// The delimiter as a character (a space for [`Delimiter::Whitespace`]).
    pub fn as_char(self) -> char {
        match self {
            Delimiter::Comma => ',',
            Delimiter::Semicolon => ';',
            Delimiter::Tab => '\t',
            Delimiter::Whitespace => ' ',
        }
    }

    /// Whether `,` is read as a decimal mark (whenever it cannot be the delimiter).
    pub fn decimal_comma(self) -> bool {
        self != Delimiter::Comma
    }

    /// The delimiter a line suggests: tab, else `;`, else `,` (outside quotes), else spaces.
    fn detect(line: &[u8]) -> Delimiter {
        let (mut quoted, mut tabs, mut semis, mut commas) = (false, 0, 0, 0);
        for &b in line {
            match b {
                b'"' => quoted = !quoted,
                b'\t' if !quoted => tabs += 1,
                b';' if !quoted => semis += 1,
                b',' if !quoted => commas += 1,
                _ => {}
            }
        }
        let spaced = line.trim_ascii().contains(&b' ');
        match (tabs, semis, commas) {
            (t, _, _) if t > 0 => Delimiter::Tab,
            (_, s, _) if s > 0 => Delimiter::Semicolon,
            (_, _, c) if c > 0 || !spaced => Delimiter::Comma,
            _ => Delimiter::Whitespace,
        }
    }
}

/// How the file lays out its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvStyle {
    /// A header row names the columns (Tektronix MSO/MDO, Keysight, Saleae, PicoScope,
    /// sigrok-cli, pandas…), maybe with a units row after it.
    Header,
    /// Rigol's `X,CH1,…,Start,Increment`: `X` counts samples and the units row holds the
    /// start time and the interval, so time = Start + X × Increment.
    Rigol,
    /// Older Tektronix (TDS): no header; each channel is a group of six columns
    /// `key,value,unit,time,value,` whose first three hold the metadata.
    TektronixColumns,
    /// No header: columns `col0`, `col1`…, all channels.
    Headerless,
}

/// A channel column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvColumn {
    /// Index of the column in a row (0-based).
    pub column: usize,
    /// Its name (without the unit).
    pub name: String,
    /// Its unit as written (`V`, `mV`, `Volt`…), empty when none is given.
    pub unit: String,
}

/// The time column.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    /// Index of the column in a row (0-based).
    pub column: usize,
    /// Its name (without the unit).
    pub name: String,
    /// Its unit as written, empty when none is given.
    pub unit: String,
    /// Seconds per unit of the written values; `None` when the unit is not a time unit
    /// (sample counts, unknown words). A column without a unit is taken as seconds.
    pub seconds_per_unit: Option<f64>,
    /// Seconds added after scaling (Rigol's `Start`).
    pub offset: f64,
}

/// What the time column says about the sampling. Times are in seconds when
/// [`TimeAxis::seconds_per_unit`] is known, else in the column's own units.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTiming {
    /// Time of the first row.
    pub start: f64,
    /// Nominal interval: the mean of the first (up to 1000) intervals.
    pub interval: f64,
    /// `1 / interval`.
    pub sample_rate: f64,
    /// Largest |interval − nominal| / nominal over the whole file.
    pub max_deviation: f64,
    /// Coarsest rounding step of the timestamps: the step of the last digit of those written
    /// with at least 6 digits (fixed-format exports), 0 when all look exact.
    pub resolution: f64,
    /// Every interval within [`REGULAR_TOLERANCE`] of the nominal one, allowing for the
    /// rounding of its two timestamps (at most half an interval); the nominal interval
    /// positive and no timestamp missing.
    pub regular: bool,
    /// Rows whose time cell was empty or not finite.
    pub missing: u64,
}

/// Everything the text around the numbers says.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvHeader {
    /// The column layout.
    pub style: CsvStyle,
    /// The delimiter of the data rows.
    pub delimiter: Delimiter,
    /// Comment lines before the data, without the `#` or `;`.
    pub comments: Vec<String>,
    /// `key,value` lines (and `key: value` comments) before the data, in file order;
    /// several values are joined with the delimiter. For [`CsvStyle::TektronixColumns`],
    /// the keys and values of the first three columns of each group.
    pub metadata: Vec<(String, String)>,
    /// Line of the header row.
    pub header_line: Option<u64>,
    /// Line of the units row.
    pub units_line: Option<u64>,
    /// Line of the first data row.
    pub data_line: u64,
    /// Absolute offset of the first data row.
    pub data_offset: u64,
    /// The time column, if any.
    pub time: Option<TimeAxis>,
    /// The channel columns, in emitted order.
    pub channels: Vec<CsvColumn>,
    /// Data rows (samples per channel), once the input is finished.
    pub rows: Option<u64>,
    /// What the time column says, from the rows read so far.
    pub timing: Option<CsvTiming>,
}

impl CsvHeader {
    /// The channel layout; `samples` is [`UNKNOWN_SAMPLES`] until the input is finished.
    pub fn layout(&self) -> Layout {
        Layout {
            channels: self.channels.len(),
            samples: self.rows.unwrap_or(UNKNOWN_SAMPLES),
        }
    }

    /// The first metadata value under `key` (ASCII case-insensitive).
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The sample rate in Hz: stated by the metadata (sigrok's `Samplerate`, Tektronix's
    /// `Sample Interval`, Rigol's `Increment`), else measured on a time column in seconds.
    pub fn sample_rate(&self) -> Option<f64> {
        self.stated_rate().or_else(|| {
            let seconds = self.time.as_ref()?.seconds_per_unit.is_some();
            let rate = self.timing.as_ref()?.sample_rate;
            (seconds && rate.is_finite() && rate > 0.0).then_some(rate)
        })
    }

    fn stated_rate(&self) -> Option<f64> {
        if let Some(rate) = self.meta("Samplerate").and_then(parse_hz) {
            return Some(rate);
        }
        ["Sample Interval", "Increment"].iter().find_map(|k| {
            let dt = leading_number(self.meta(k)?)?;
            (dt > 0.0).then(|| 1.0 / dt)
        })
    }

    /// Parse the header from the first bytes of a file, which must hold the first data row
    /// whole (the lines after it give the timing estimate; `rows` stays `None`).
    pub fn parse(prefix: &[u8]) -> Result<CsvHeader> {
        let mut reader = CsvReader::new();
        reader.push(prefix, &mut crate::kernel::Discard)?;
        if let Some(h) = &reader.header {
            return Ok(h.clone());
        }
        match reader.finalize(false) {
            Some(h) => Ok(h),
            None => Err(reader.no_data()),
        }
    }
}

/// One line before the first data row.
struct PreLine {
    line: u64,
    text: String,
    comment: bool,
}

/// A cell of a line: `line[start..end]`, the quotes excluded.
#[derive(Debug, Clone, Copy)]
struct Field {
    start: usize,
    end: usize,
    quoted: bool,
}

impl Field {
    fn new(start: usize, end: usize, quoted: bool) -> Field {
        Field { start, end, quoted }
    }
}

/// Incremental CSV parser: push bytes, receive per-channel sample blocks.
pub struct CsvReader {
    /// Absolute offset of the first byte of the current line.
    line_start: u64,
    /// Number of the current line (1-based).
    line_no: u64,
    /// The current line so far (at most [`MAX_LINE`] bytes).
    carry: Vec<u8>,
    /// Lines before the first data row, `pre_bytes` of text (at most [`MAX_PREAMBLE`]).
    pre: Vec<PreLine>,
    pre_bytes: usize,
    /// The data section, from the first data row.
    data: Option<Rows>,
    /// The header, until the first block (Tektronix column metadata may still come).
    draft: Option<CsvHeader>,
    /// Tektronix column metadata: (group, key, value).
    tds_meta: Vec<(usize, String, String)>,
    /// The header, from the first block on.
    header: Option<CsvHeader>,
    /// Bytes pushed so far.
    pushed: u64,
}

impl Default for CsvReader {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvReader {
    /// A reader expecting the start of a CSV file.
    pub fn new() -> Self {
        CsvReader {
            line_start: 0,
            line_no: 1,
            carry: Vec::new(),
            pre: Vec::new(),
            pre_bytes: 0,
            data: None,
            draft: None,
            tds_meta: Vec::new(),
            header: None,
            pushed: 0,
        }
    }

    /// The header, once the first block is emitted (its `timing` as of that block).
    pub fn header(&self) -> Option<&CsvHeader> {
        self.header.as_ref()
    }

    /// Consume the next bytes of the file.
    pub fn push(&mut self, mut bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        self.pushed += bytes.len() as u64;
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|&b| b == b'\n');
            let segment = &bytes[..newline.unwrap_or(bytes.len())];
            self.check_segment(segment)?;
            match newline {
                None => {
                    self.carry.extend_from_slice(segment);
                    return Ok(());
                }
                Some(at) => {
                    if self.carry.is_empty() {
                        self.line(segment, sink)?;
                    } else {
                        let mut line = core::mem::take(&mut self.carry);
                        line.extend_from_slice(segment);
                        let result = self.line(&line, sink);
                        line.clear();
                        self.carry = line;
                        result?;
                    }
                    bytes = &bytes[at + 1..];
                }
            }
        }
        Ok(())
    }

    /// Read the last line, emit the remaining rows and return the header with the number of
    /// rows and the final timing.
    pub fn finish(mut self, sink: &mut dyn BlockSink) -> Result<CsvHeader> {
        if !self.carry.is_empty() {
            let line = core::mem::take(&mut self.carry);
            self.line(&line, sink)?;
        }
        if self.data.is_none() {
            return Err(self.no_data());
        }
        self.flush(sink, true)?;
        let rows = self.data.as_ref().map_or(0, |d| d.count);
        let timing = self.data.as_ref().and_then(Rows::timing);
        let mut header = self.header.take().ok_or_else(|| self.no_data())?;
        header.rows = Some(rows);
        header.timing = timing;
        Ok(header)
    }

    /// The error for an input without a data row.
    fn no_data(&self) -> Error {
        let end = self.pushed;
        if end == 0 {
            return Error::Truncated {
                offset: 0,
                expected: "CSV text (the input is empty)".to_string(),
            };
        }
        let lines = self.line_no - 1 + u64::from(!self.carry.is_empty());
        Error::Truncated {
            offset: end,
            expected: format!("a row of numbers (none in {lines} lines)"),
        }
    }

    /// Check the next bytes of the current line, in order: no NUL byte, not too long.
    fn check_segment(&self, segment: &[u8]) -> Result<()> {
        let room = MAX_LINE - self.carry.len();
        let scanned = &segment[..segment.len().min(room)];
        if let Some(at) = scanned.iter().position(|&b| b == 0) {
            let head = [self.carry.as_slice(), segment].concat();
            if self.line_no == 1 && (head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF"))
            {
                return Err(utf16());
            }
            return Err(Error::Malformed {
                offset: self.line_start + (self.carry.len() + at) as u64,
                expected: format!("text on line {}", self.line_no),
                found: "a NUL byte (binary data)".to_string(),
            });
        }
        if segment.len() > room {
            return Err(Error::Limit {
                offset: self.line_start,
                what: format!("the length of line {}", self.line_no),
                limit: MAX_LINE as u64,
            });
        }
        Ok(())
    }

    /// Handle one complete line (without its `\n`).
    fn line(&mut self, raw: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        let (line, start) = (self.line_no, self.line_start);
        self.line_no += 1;
        self.line_start += raw.len() as u64 + 1;
        let skip = if line == 1 && raw.starts_with(BOM) {
            3
        } else {
            0
        };
        let body = raw[skip..].strip_suffix(b"\r").unwrap_or(&raw[skip..]);
        let text = match core::str::from_utf8(body) {
            Ok(text) => text,
            Err(_)
                if line == 1 && (raw.starts_with(b"\xFF\xFE") || raw.starts_with(b"\xFE\xFF")) =>
            {
                return Err(utf16())
            }
            Err(e) => {
                let at = e.valid_up_to();
                return Err(Error::Malformed {
                    offset: start + (skip + at) as u64,
                    expected: format!("UTF-8 text on line {line}"),
                    found: format!("byte 0x{:02x}", body[at]),
                });
            }
        };
        let base = start + skip as u64;
        match &mut self.data {
            None => self.preamble_line(text, base, line, sink),
            Some(rows) => {
                let meta = self
                    .header
                    .is_none()
                    .then_some((&mut self.tds_meta, &mut self.pre_bytes));
                if rows.row(text, base, line, meta)? {
                    self.flush(sink, false)?;
                }
                Ok(())
            }
        }
    }

    /// A line before any data row: keep it, or start the data at it.
    fn preamble_line(
        &mut self,
        text: &str,
        base: u64,
        line: u64,
        sink: &mut dyn BlockSink,
    ) -> Result<()> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(());
        }
        let comment = text.starts_with('#') || (text.starts_with(';') && !text[1..].contains(';'));
        if !comment {
            let delim = Delimiter::detect(text.as_bytes());
            let mut fields = Vec::new();
            if split(text.as_bytes(), delim, &mut fields).is_ok() {
                let cell = |f: &Field| text.get(f.start..f.end).unwrap_or("").trim();
                let numeric =
                    |c: &str| c.is_empty() || number(c, delim, &mut String::new()).is_some();
                let finite =
                    |c: &str| number(c, delim, &mut String::new()).is_some_and(f64::is_finite);
                let data = fields.iter().all(|f| numeric(cell(f)))
                    && fields
                        .iter()
                        .any(|f| !cell(f).is_empty() && finite(cell(f)));
                if data || (self.pre.is_empty() && is_tds_row(text, &fields, delim)) {
                    return self.start_data(text, base, line, delim, !data, sink);
                }
                if fields.iter().all(|f| cell(f).is_empty()) {
                    return Ok(());
                }
            }
        }
        self.pre_bytes += text.len();
        if self.pre_bytes > MAX_PREAMBLE {
            return Err(Error::Limit {
                offset: base,
                what: format!("the text before the first data row (by line {line})"),
                limit: MAX_PREAMBLE as u64,
            });
        }
        self.pre.push(PreLine {
            line,
            text: text.to_string(),
            comment,
        });
        Ok(())
    }

    /// The first data row: read the preamble, then the row.
    fn start_data(
        &mut self,
        text: &str,
        base: u64,
        line: u64,
        delim: Delimiter,
        tds: bool,
        sink: &mut dyn BlockSink,
    ) -> Result<()> {
        let pre = core::mem::take(&mut self.pre);
        let (header, mut rows) = classify(&pre, text, base, line, delim, tds)?;
        self.draft = Some(header);
        let full = rows.row(
            text,
            base,
            line,
            Some((&mut self.tds_meta, &mut self.pre_bytes)),
        )?;
        self.data = Some(rows);
        if full {
            self.flush(sink, false)?;
        }
        Ok(())
    }

    /// The final header from the draft (Tektronix column names filled in).
    fn finalize(&mut self, finished: bool) -> Option<CsvHeader> {
        let mut h = self.draft.take()?;
        let rows = self.data.as_ref()?;
        if h.style == CsvStyle::TektronixColumns {
            let find = |g: usize, key: &str| {
                self.tds_meta
                    .iter()
                    .find(|(group, k, _)| *group == g && k.eq_ignore_ascii_case(key))
                    .map(|(_, _, v)| v.clone())
            };
            for (g, ch) in h.channels.iter_mut().enumerate() {
                ch.name = find(g, "Source").unwrap_or_else(|| format!("CH{}", g + 1));
                ch.unit = find(g, "Vertical Units").unwrap_or_default();
            }
            if let (Some(t), Some(unit)) = (h.time.as_mut(), find(0, "Horizontal Units")) {
                t.unit = unit;
            }
            h.metadata
                .extend(self.tds_meta.iter().map(|(_, k, v)| (k.clone(), v.clone())));
        }
        h.rows = finished.then_some(rows.count);
        h.timing = rows.timing();
        Some(h)
    }

    /// Emit the buffered rows (calling `begin` first, once).
    fn flush(&mut self, sink: &mut dyn BlockSink, finished: bool) -> Result<()> {
        if self.header.is_none() {
            let Some(h) = self.finalize(finished) else {
                return Ok(());
            };
            sink.begin(h.layout())?;
            self.header = Some(h);
        }
        let Some(rows) = self.data.as_mut() else {
            return Ok(());
        };
        if rows.filled > 0 {
            let start = rows.count - rows.filled as u64;
            for channel in 0..rows.channels.len() {
                let at = channel * rows.pitch;
                sink.block(Block {
                    channel,
                    start,
                    samples: &rows.scratch[at..at + rows.filled],
                })?;
            }
            rows.filled = 0;
        }
        if let Some(h) = self.header.as_mut() {
            h.timing = rows.timing();
        }
        Ok(())
    }
}

fn utf16() -> Error {
    Error::Unsupported {
        offset: 0,
        what: "UTF-16 text (save the CSV as UTF-8)".to_string(),
    }
}

/// The data section: how rows are read, and the rows not yet emitted.
struct Rows {
    delim: Delimiter,
    /// Fields every row must have (more are allowed when empty).
    need: usize,
    /// Where `need` comes from, for messages.
    source: String,
    time: Option<usize>,
    /// Seconds per time unit (1 when unknown) and the offset added after scaling.
    scale: f64,
    t0: f64,
    /// Field index of each channel.
    channels: Vec<usize>,
    /// Name of each field, for messages.
    names: Vec<String>,
    /// Tektronix column groups (0 for other styles).
    tds_groups: usize,
    fields: Vec<Field>,
    cell: String,
    /// `channels.len()` runs of `pitch` samples.
    scratch: Vec<f64>,
    pitch: usize,
    filled: usize,
    /// Data rows so far.
    count: u64,
    timing: TimingAcc,
}

type TdsSink<'a> = Option<(&'a mut Vec<(usize, String, String)>, &'a mut usize)>;

impl Rows {
    /// Read one data-section line; true when the scratch is full.
    fn row(&mut self, text: &str, base: u64, line: u64, tds: TdsSink<'_>) -> Result<bool> {
        let skip = text.trim().is_empty()
            || text.starts_with('#')
            || (text.starts_with(';') && self.delim != Delimiter::Semicolon);
        if skip {
            return Ok(false);
        }
        split(text.as_bytes(), self.delim, &mut self.fields).map_err(|(at, what)| {
            Error::Malformed {
                offset: base + at as u64,
                expected: format!("{what} on line {line}"),
                found: text
                    .get(at..at + 1)
                    .map_or("the end of the line".to_string(), |c| format!("{c:?}")),
            }
        })?;
        let cell = |f: &Field| text.get(f.start..f.end).unwrap_or("");
        if self.fields.iter().all(|f| cell(f).trim().is_empty()) {
            return Ok(false);
        }
        let extra = self
            .fields
            .iter()
            .skip(self.need)
            .find(|f| !cell(f).trim().is_empty());
        if self.fields.len() < self.need || extra.is_some() {
            let found = match extra {
                None => self.fields.len(),
                Some(_) => self
                    .fields
                    .iter()
                    .rposition(|f| !cell(f).trim().is_empty())
                    .map_or(0, |i| i + 1),
            };
            return Err(Error::Malformed {
                offset: base + extra.map_or(0, |f| f.start) as u64,
                expected: format!("{} fields on line {line}, as in {}", self.need, self.source),
                found: format!("{found} fields"),
            });
        }
        if let Some(tc) = self.time {
            let c = cell(&self.fields[tc]);
            let t = number(c, self.delim, &mut self.cell)
                .ok_or_else(|| self.not_number(c, tc, base, line))?;
            self.timing
                .add(self.t0 + self.scale * t, abs(self.scale) * resolution(c));
        }
        for (k, &fi) in self.channels.iter().enumerate() {
            let c = cell(&self.fields[fi]);
            let v = number(c, self.delim, &mut self.cell)
                .ok_or_else(|| self.not_number(c, fi, base, line))?;
            self.scratch[k * self.pitch + self.filled] = v;
        }
        if let Some((meta, bytes)) = tds {
            for g in 0..self.tds_groups {
                let key = cell(&self.fields[6 * g]).trim();
                if key.is_empty() {
                    continue;
                }
                let mut value = cell(&self.fields[6 * g + 1]).trim().to_string();
                let unit = cell(&self.fields[6 * g + 2]).trim();
                if !unit.is_empty() {
                    value = format!("{value} {unit}");
                }
                *bytes += key.len() + value.len();
                if *bytes > MAX_PREAMBLE {
                    return Err(Error::Limit {
                        offset: base,
                        what: format!("the metadata of the Tektronix columns (by line {line})"),
                        limit: MAX_PREAMBLE as u64,
                    });
                }
                meta.push((g, key.to_string(), value));
            }
        }
        self.filled += 1;
        self.count += 1;
        Ok(self.filled == self.pitch)
    }

    fn not_number(&self, cell: &str, field: usize, base: u64, line: u64) -> Error {
        let start = self.fields[field].start;
        let lead = cell.len() - cell.trim_start().len();
        let shown: String = cell.trim().chars().take(40).collect();
        let name = self.names.get(field).map_or("", String::as_str);
        Error::Malformed {
            offset: base + (start + lead) as u64,
            expected: format!("a number in column {} ({name:?}) on line {line}", field + 1),
            found: format!("{shown:?}"),
        }
    }

    fn timing(&self) -> Option<CsvTiming> {
        self.time?;
        self.timing.get()
    }
}

/// Read the preamble `pre` once the first data row (`text`, on `line`) is known.
fn classify(
    pre: &[PreLine],
    text: &str,
    base: u64,
    line: u64,
    delim: Delimiter,
    tds: bool,
) -> Result<(CsvHeader, Rows)> {
    let first = cells(text, delim);
    let mut h = CsvHeader {
        style: CsvStyle::Header,
        delimiter: delim,
        comments: Vec::new(),
        metadata: Vec::new(),
        header_line: None,
        units_line: None,
        data_line: line,
        data_offset: base,
        time: None,
        channels: Vec::new(),
        rows: None,
        timing: None,
    };
    let (mut names, units) = match tds {
        true => (Vec::new(), Vec::new()),
        false => header_rows(pre, trimmed_len(&first), delim, &mut h),
    };
    read_metadata(pre, delim, &mut h);
    names.truncate(trimmed_len(&names));
    let rigol = names.len() >= 3
        && names[names.len() - 2].eq_ignore_ascii_case("Start")
        && names[names.len() - 1].eq_ignore_ascii_case("Increment");
    let (need, source, time, groups) = if tds {
        h.style = CsvStyle::TektronixColumns;
        let groups = first.len().div_ceil(6);
        let source = format!("the Tektronix column groups of line {line}");
        (6 * groups - 1, source, Some(3), groups)
    } else if names.is_empty() {
        h.style = CsvStyle::Headerless;
        let source = format!("the first data row (line {line})");
        (trimmed_len(&first), source, None, 0)
    } else {
        let n = names.len() - if rigol { 2 } else { 0 };
        if rigol {
            h.style = CsvStyle::Rigol;
            for (k, key) in [(n, "Start"), (n + 1, "Increment")] {
                if let Some(v) = units.get(k).filter(|v| !v.is_empty()) {
                    h.metadata.push((key.to_string(), v.clone()));
                }
            }
        }
        let (name0, _) = split_unit(&names[0]);
        // An unnamed first column before named ones is an index (pandas `to_csv`).
        let timed = rigol || (name0.is_empty() && n > 1) || is_time_name(&name0);
        let at = h
            .header_line
            .map_or(String::new(), |l| format!(" on line {l}"));
        (n, format!("the header{at}"), timed.then_some(0), 0)
    };
    if need > MAX_CHANNELS {
        return Err(Error::Limit {
            offset: base,
            what: format!("the number of columns ({need})"),
            limit: MAX_CHANNELS as u64,
        });
    }
    let field_names: Vec<String> = (0..need)
        .map(|i| match names.get(i) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("col{i}"),
        })
        .collect();
    let unit_of = |i: usize| {
        let u = units
            .get(i)
            .map_or("", |u| strip_brackets(u).unwrap_or(u).trim());
        (!u.is_empty()).then(|| u.to_string())
    };
    let fields: Vec<usize> = match tds {
        true => (0..groups).map(|g| 6 * g + 4).collect(),
        false => (0..need).filter(|&i| Some(i) != time).collect(),
    };
    let vertical = meta_list(&h, "Vertical Units", delim);
    for (k, &i) in fields.iter().enumerate() {
        let (name, bracket) = split_unit(&field_names[i]);
        let unit = unit_of(i)
            .or((!bracket.is_empty()).then_some(bracket))
            .or_else(|| vertical.get(k).or(vertical.first()).cloned())
            .unwrap_or_default();
        let name = if name.is_empty() {
            format!("col{i}")
        } else {
            name
        };
        h.channels.push(CsvColumn {
            column: i,
            name,
            unit,
        });
    }
    let sigrok = h.comments.iter().any(|c| c.contains("libsigrok"));
    if sigrok {
        sigrok_names(&mut h);
    }
    if let Some(tc) = time {
        let (name, bracket) = split_unit(names.get(tc).map_or("", String::as_str));
        let name = if tds { "TIME".to_string() } else { name };
        let unit = unit_of(tc).or((!bracket.is_empty()).then_some(bracket));
        h.time = Some(time_axis(&h, tc, name, unit, rigol, sigrok));
    }
    let (scale, t0) = h.time.as_ref().map_or((1.0, 0.0), |t| {
        (t.seconds_per_unit.unwrap_or(1.0), t.offset)
    });
    let channels = h.channels.len();
    let pitch = (SCRATCH / channels.max(1)).clamp(1, BLOCK_ROWS);
    let rows = Rows {
        delim,
        need,
        source,
        time,
        scale,
        t0,
        channels: fields,
        names: field_names,
        tds_groups: groups,
        fields: Vec::new(),
        cell: String::new(),
        scratch: vec![0.0; pitch * channels],
        pitch,
        filled: 0,
        count: 0,
        timing: TimingAcc::default(),
    };
    Ok((h, rows))
}

/// Find the header and units rows among the text lines of the preamble (the last one or
/// two), or numpy's `# name,name` comment right before header-less data of `width` cells.
/// Returns their cells and sets their line numbers in `h`.
fn header_rows(
    pre: &[PreLine],
    width: usize,
    delim: Delimiter,
    h: &mut CsvHeader,
) -> (Vec<String>, Vec<String>) {
    let texts: Vec<&PreLine> = pre.iter().filter(|p| !p.comment).collect();
    match texts.as_slice() {
        [.., head, units] if is_units_row(&cells(&units.text, delim)) => {
            (h.header_line, h.units_line) = (Some(head.line), Some(units.line));
            (cells(&head.text, delim), cells(&units.text, delim))
        }
        [.., head] => {
            h.header_line = Some(head.line);
            (cells(&head.text, delim), Vec::new())
        }
        [] => {
            let comment = pre.last().filter(|p| p.text.starts_with('#'));
            if let Some(p) = comment {
                let names = cells(p.text.trim_start_matches('#').trim(), delim);
                let text =
                    |n: &String| !n.is_empty() && number(n, delim, &mut String::new()).is_none();
                if trimmed_len(&names) == width && names.iter().all(text) {
                    h.header_line = Some(p.line);
                    return (names, Vec::new());
                }
            }
            (Vec::new(), Vec::new())
        }
    }
}

/// Comments, `key: value` comments and `key,value…` lines of the preamble (except the
/// header and units rows), in file order.
fn read_metadata(pre: &[PreLine], delim: Delimiter, h: &mut CsvHeader) {
    let joiner = delim.as_char().to_string();
    for p in pre {
        if Some(p.line) == h.header_line || Some(p.line) == h.units_line {
            continue;
        }
        if p.comment {
            let c = p.text[1..].trim();
            h.comments.push(c.to_string());
            if let Some((k, v)) = c.split_once(": ").filter(|(k, _)| !k.trim().is_empty()) {
                h.metadata
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
            continue;
        }
        let c = cells(&p.text, delim);
        if c.len() == 1 || c[0].is_empty() {
            let words: Vec<&str> = c
                .iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            if !words.is_empty() {
                h.comments.push(words.join(&joiner));
            }
        } else {
            let values = &c[1..trimmed_len(&c).max(1)];
            h.metadata.push((c[0].clone(), values.join(&joiner)));
        }
    }
}

/// The values of a metadata entry, split at the delimiter (`Vertical Units,V,V`).
fn meta_list(h: &CsvHeader, key: &str, delim: Delimiter) -> Vec<String> {
    h.meta(key).map_or(Vec::new(), |v| {
        v.split(delim.as_char())
            .map(|s| s.trim().to_string())
            .collect()
    })
}

/// The time column `column` named `name`, with the `unit` of its header or units row.
fn time_axis(
    h: &CsvHeader,
    column: usize,
    name: String,
    unit: Option<String>,
    rigol: bool,
    sigrok: bool,
) -> TimeAxis {
    let mut unit = unit
        .or_else(|| seconds_per(&name).map(|_| name.clone()))
        .or_else(|| {
            meta_list(h, "Horizontal Units", h.delimiter)
                .into_iter()
                .next()
        })
        .unwrap_or_default();
    let counted = name.is_empty() || is_count_name(&name);
    let mut seconds = match (unit.is_empty(), counted) {
        (_, true) => None,
        (true, false) => Some(1.0),
        (false, false) => seconds_per(&unit),
    };
    let mut offset = 0.0;
    if rigol {
        seconds = h.meta("Increment").and_then(leading_number);
        offset = h.meta("Start").and_then(leading_number).unwrap_or(0.0);
    } else if sigrok && name.eq_ignore_ascii_case("time") && unit.is_empty() {
        // sigrok writes sample times in the unit of 1000^-k s just above the rate.
        if let Some(rate) = h.stated_rate() {
            let (mut per, mut k) = (1.0, 0);
            while per < rate && k < 5 {
                (per, k) = (per * 1000.0, k + 1);
            }
            seconds = Some(1.0 / per);
            unit = ["s", "ms", "us", "ns", "ps", "fs"][k].to_string();
        }
    }
    TimeAxis {
        column,
        name,
        unit,
        seconds_per_unit: seconds,
        offset,
    }
}

/// sigrok's default labels are units (`logic`, `V`); its `Channels` comment has the names.
fn sigrok_names(h: &mut CsvHeader) {
    let listed: Vec<String> = h
        .metadata
        .iter()
        .find(|(k, _)| k.starts_with("Channels"))
        .map(|(_, v)| v.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    if listed.len() != h.channels.len() {
        return;
    }
    for (ch, name) in h.channels.iter_mut().zip(listed) {
        if ch.name != name {
            if ch.unit.is_empty() && is_unit(&ch.name) {
                ch.unit = core::mem::take(&mut ch.name);
            }
            ch.name = name;
        }
    }
}

/// Split `line` at `delim` into `out`; on a quoting error, the position and what was
/// expected there.
fn split(
    line: &[u8],
    delim: Delimiter,
    out: &mut Vec<Field>,
) -> core::result::Result<(), (usize, &'static str)> {
    out.clear();
    let len = line.len();
    if delim == Delimiter::Whitespace {
        let mut i = 0;
        while i < len {
            while i < len && (line[i] == b' ' || line[i] == b'\t') {
                i += 1;
            }
            let start = i;
            while i < len && line[i] != b' ' && line[i] != b'\t' {
                i += 1;
            }
            if i > start {
                out.push(Field::new(start, i, false));
            }
        }
        if out.is_empty() {
            out.push(Field::new(0, 0, false));
        }
        return Ok(());
    }
    let d = delim.as_char() as u8;
    let mut i = 0;
    loop {
        let mut j = i;
        while j < len && line[j] == b' ' {
            j += 1;
        }
        let end = if j < len && line[j] == b'"' {
            let mut k = j + 1;
            let close = loop {
                match line[k..].iter().position(|&b| b == b'"') {
                    None => return Err((j, "a closing quote")),
                    Some(p) if line.get(k + p + 1) == Some(&b'"') => k += p + 2,
                    Some(p) => break k + p,
                }
            };
            out.push(Field::new(j + 1, close, true));
            let mut m = close + 1;
            while m < len && line[m] == b' ' {
                m += 1;
            }
            if m < len && line[m] != d {
                return Err((m, "a delimiter after a closing quote"));
            }
            m
        } else {
            let e = line[i..]
                .iter()
                .position(|&b| b == d)
                .map_or(len, |p| i + p);
            out.push(Field::new(i, e, false));
            e
        };
        if end >= len {
            return Ok(());
        }
        i = end + 1;
    }
}

/// The text of a field, trimmed, doubled quotes undone.
fn unquote(line: &str, f: &Field) -> String {
    let s = line.get(f.start..f.end).unwrap_or("").trim();
    if f.quoted && s.contains("\"\"") {
        s.replace("\"\"", "\"")
    } else {
        s.to_string()
    }
}

/// The cells of a line as text (the whole line as one cell if its quoting is broken).
fn cells(line: &str, delim: Delimiter) -> Vec<String> {
    let mut fields = Vec::new();
    match split(line.as_bytes(), delim, &mut fields) {
        Ok(()) => fields.iter().map(|f| unquote(line, f)).collect(),
        Err(_) => vec![line.trim().to_string()],
    }
}

/// Number of cells up to the last non-empty one.
fn trimmed_len(cells: &[String]) -> usize {
    cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1)
}

/// Whether a line (the first of the file) starts the older Tektronix layout: groups of
/// `key,value,unit,time,value,` with a key in the first group.
fn is_tds_row(text: &str, fields: &[Field], delim: Delimiter) -> bool {
    let n = fields.len();
    let groups = n.div_ceil(6);
    if delim != Delimiter::Comma || n < 5 || n + 1 < 6 * groups {
        return false;
    }
    let cell = |i: usize| {
        text.get(fields[i].start..fields[i].end)
            .unwrap_or("")
            .trim()
    };
    let num = |i: usize| number(cell(i), delim, &mut String::new()).is_some_and(f64::is_finite);
    let key = cell(0);
    let key_ok = !key.is_empty() && number(key, delim, &mut String::new()).is_none();
    key_ok
        && (0..groups).all(|g| {
            num(6 * g + 3) && num(6 * g + 4) && (6 * g + 5 >= n || cell(6 * g + 5).is_empty())
        })
}

/// A number, NaN for an empty cell, `None` for anything else.
fn number(cell: &str, delim: Delimiter, buf: &mut String) -> Option<f64> {
    let s = cell.trim();
    if s.is_empty() {
        return Some(f64::NAN);
    }
    if delim.decimal_comma() && s.contains(',') {
        buf.clear();
        buf.extend(s.chars().map(|c| if c == ',' { '.' } else { c }));
        return buf.parse().ok();
    }
    s.parse().ok()
}

/// The number a text starts with (`2.0e-07`, `1 MHz`, `4e-10,4e-10`).
fn leading_number(text: &str) -> Option<f64> {
    let mut words = text.split(|c: char| c.is_whitespace() || c == ',' || c == ';');
    words.find(|w| !w.is_empty())?.parse().ok()
}

/// A rate like `1 MHz` or `500kHz` in Hz.
fn parse_hz(text: &str) -> Option<f64> {
    let t = text.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let value: f64 = t[..digits].parse().ok()?;
    let factor = match t[digits..].trim() {
        "Hz" | "" => 1.0,
        "kHz" => 1e3,
        "MHz" => 1e6,
        "GHz" => 1e9,
        "THz" => 1e12,
        _ => return None,
    };
    Some(value * factor)
}

/// Step of the last written digit of a number written with a fixed number of digits
/// (`-995.000E-06` → 1e-9): at least [`FIXED_DIGITS`] digits after any leading zero of the
/// integer part. Shorter numbers (`0.024`, `41`, shortest round-trip output) and zero are
/// taken as exact (0).
fn resolution(cell: &str) -> f64 {
    let s = cell.trim();
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().unwrap_or(0)),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    let int = int.trim_start_matches(['+', '-']).trim_start_matches('0');
    let digits = int.len() + frac.len();
    if digits < FIXED_DIGITS || !mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return 0.0;
    }
    let k = (i64::from(exp) - frac.len() as i64).clamp(-330, 310);
    let mut v = 1.0;
    for _ in 0..k.unsigned_abs() {
        v = if k < 0 { v / 10.0 } else { v * 10.0 };
    }
    v
}

/// `(x)` or `[x]` → `x`.
fn strip_brackets(s: &str) -> Option<&str> {
    let s = s.trim();
    s.strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| s.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
}

/// Split `Time [s]`, `CH1 (V)`, `Voltage(mV)` or Rigol's `CH4V` into name and unit (square
/// brackets always hold a unit; parentheses only unit-like text, so `X(CH1)` stays whole).
fn split_unit(name: &str) -> (String, String) {
    let name = name.trim();
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let (true, Some(at)) = (name.ends_with(close), name.rfind(open)) {
            let inner = name[at + 1..name.len() - 1].trim();
            if at > 0 && !inner.is_empty() && (open == '[' || is_unit(inner)) {
                return (name[..at].trim().to_string(), inner.to_string());
            }
        }
    }
    let digits = name.get(2..).map_or(0, |r| {
        r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len()
    });
    if digits > 0 && name[..2].eq_ignore_ascii_case("CH") && is_unit(&name[2 + digits..]) {
        return (
            name[..2 + digits].to_string(),
            name[2 + digits..].to_string(),
        );
    }
    (name.to_string(), String::new())
}

/// Seconds per time unit (`s`, `ms`, `us`, `µs`, `nanoseconds`…).
fn seconds_per(unit: &str) -> Option<f64> {
    let u = strip_brackets(unit).unwrap_or(unit).trim();
    const UNITS: [(&[&str], f64); 6] = [
        (&["s", "sec", "secs", "second", "seconds"], 1.0),
        (&["ms", "msec", "millisecond", "milliseconds"], 1e-3),
        (
            &["us", "µs", "μs", "usec", "microsecond", "microseconds"],
            1e-6,
        ),
        (&["ns", "nsec", "nanosecond", "nanoseconds"], 1e-9),
        (&["ps", "psec", "picosecond", "picoseconds"], 1e-12),
        (&["fs", "femtosecond", "femtoseconds"], 1e-15),
    ];
    UNITS
        .iter()
        .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(u)))
        .map(|(_, s)| *s)
}

/// Whether a first-column name means time (or counts samples, see [`is_count_name`]).
fn is_time_name(name: &str) -> bool {
    const NAMES: &str = "time x x-axis t timestamp zeit temps tiempo tempo";
    NAMES
        .split(' ')
        .any(|n| n.eq_ignore_ascii_case(name.trim()))
        || seconds_per(name).is_some()
        || is_count_name(name)
}

/// Whether a first-column name counts samples (scopekit's own CSV writes `sample`).
fn is_count_name(name: &str) -> bool {
    ["sample", "samples", "index"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name.trim()))
}

/// Whether a short text is a unit: SI symbols with a prefix (`mV`, `kHz`), unit words
/// (`Volt`, `second`, `Sequence`) or a ratio of them (`V/div`).
fn is_unit(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.len() > 16 {
        return false;
    }
    if seconds_per(t).is_some() {
        return true;
    }
    const WORDS: [&str; 20] = [
        "volt", "volts", "ampere", "amperes", "amp", "amps", "watt", "watts", "ohm", "ohms",
        "hertz", "sequence", "samples", "logic", "div", "counts", "percent", "degc", "celsius",
        "kelvin",
    ];
    if WORDS.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        return true;
    }
    const BASES: [&str; 18] = [
        "V", "A", "W", "Hz", "s", "Ω", "Ohm", "dB", "dBm", "dBV", "dBu", "°C", "C", "K", "%",
        "Vpp", "Vrms", "div",
    ];
    let symbol = |s: &str| {
        BASES.contains(&s)
            || s.char_indices().nth(1).is_some_and(|(i, _)| {
                let prefix = &s[..i];
                ["p", "n", "u", "µ", "μ", "m", "k", "M", "G"].contains(&prefix)
                    && BASES.contains(&&s[i..])
            })
    };
    match t.split_once('/') {
        Some((a, b)) => symbol(a) && symbol(b),
        None => symbol(t),
    }
}

/// Whether the line after the header is a units row: every cell empty, a unit (bracketed
/// text counts) or a number (Rigol's start and increment), the first one a unit.
fn is_units_row(cells: &[String]) -> bool {
    let unit = |c: &str| {
        strip_brackets(c).is_some_and(|s| !s.trim().is_empty() && s.len() <= 16) || is_unit(c)
    };
    let first = cells.first().map_or("", String::as_str);
    unit(first)
        && cells.iter().all(|c| {
            c.is_empty() || unit(c) || number(c, Delimiter::Comma, &mut String::new()).is_some()
        })
}

fn abs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

/// Running interval statistics of the time column (no timestamps kept).
///
/// An interval `dt` between timestamps rounded to steps `r1` and `r2` may be off by
/// `q = (r1 + r2) / 2`; it is regular when `dt ∓ min(q, nominal / 2)` reaches the tolerance
/// band around the nominal interval. The extremes over all intervals of `dt - q`, `dt + q`
/// and `dt` decide that for every interval at once, once the nominal interval is known.
#[derive(Debug, Clone, Default)]
struct TimingAcc {
    n: u64,
    first: f64,
    prev: f64,
    prev_step: f64,
    nominal: Option<f64>,
    min_dt: f64,
    max_dt: f64,
    /// Largest `dt - q` and smallest `dt + q`.
    max_low: f64,
    min_high: f64,
    step: f64,
    missing: u64,
}

impl TimingAcc {
    fn add(&mut self, t: f64, step: f64) {
        if !t.is_finite() {
            self.missing += 1;
            return;
        }
        if self.n == 0 {
            self.first = t;
        } else {
            let dt = t - self.prev;
            let q = (step + self.prev_step) / 2.0;
            if self.n == 1 {
                (self.min_dt, self.max_dt, self.max_low, self.min_high) = (dt, dt, dt - q, dt + q);
            } else {
                self.min_dt = self.min_dt.min(dt);
                self.max_dt = self.max_dt.max(dt);
                self.max_low = self.max_low.max(dt - q);
                self.min_high = self.min_high.min(dt + q);
            }
            if self.n == RATE_INTERVALS {
                self.nominal = Some((t - self.first) / RATE_INTERVALS as f64);
            }
        }
        self.prev = t;
        self.prev_step = step;
        self.n += 1;
        self.step = self.step.max(step);
    }

    fn get(&self) -> Option<CsvTiming> {
        if self.n < 2 {
            return None;
        }
        let interval = self
            .nominal
            .unwrap_or((self.prev - self.first) / (self.n - 1) as f64);
        let size = abs(interval);
        let dev = (self.max_dt - interval).max(interval - self.min_dt);
        let upper = self.max_low.max(self.max_dt - size / 2.0);
        let lower = self.min_high.min(self.min_dt + size / 2.0);
        let band = REGULAR_TOLERANCE * size;
        Some(CsvTiming {
            start: self.first,
            interval,
            sample_rate: 1.0 / interval,
            max_deviation: dev / size,
            resolution: self.step,
            regular: self.missing == 0
                && interval > 0.0
                && upper <= interval + band
                && lower >= interval - band,
            missing: self.missing,
        })
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
