//! The `WAVEDESC` descriptor of a LeCroy `.trc` file: its field offsets and block lengths,
//! and [`TrcHeader`], everything it says (see the [`trc`](super) module doc for the layout).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::TrcReader;
use crate::formats::dtype::{Dtype, DtypeKind};
use crate::kernel::Layout;
use crate::{Error, Result};

/// The text every descriptor starts with.
pub const DESCRIPTOR_NAME: &[u8; 8] = b"WAVEDESC";
/// Bytes of the `LECROY_2_x` descriptor read; a longer `WAVE_DESCRIPTOR` is skipped past.
pub const DESCRIPTOR_LEN: usize = 346;
/// Largest `TRIGTIME_ARRAY` kept (16 bytes per segment: a million segments).
pub const MAX_TRIGTIME_LEN: u64 = 1 << 24;
/// Largest `RIS_TIME_ARRAY` kept (8 bytes per sweep).
pub const MAX_RIS_TIME_LEN: u64 = 1 << 20;

/// Names of the blocks in file order, as the descriptor calls their lengths.
pub const BLOCK_NAMES: [&str; 10] = [
    "WAVE_DESCRIPTOR",
    "USER_TEXT",
    "RES_DESC1",
    "TRIGTIME_ARRAY",
    "RIS_TIME_ARRAY",
    "RES_ARRAY1",
    "WAVE_ARRAY_1",
    "WAVE_ARRAY_2",
    "RES_ARRAY2",
    "RES_ARRAY3",
];
pub(super) const TRIGTIME: usize = 3;
pub(super) const RIS_TIME: usize = 4;
pub(super) const DATA: usize = 6;

/// Offsets of descriptor fields, relative to `WAVEDESC`.
mod at {
    pub const TEMPLATE_NAME: usize = 16;
    pub const COMM_TYPE: usize = 32;
    pub const COMM_ORDER: usize = 34;
    /// `WAVE_DESCRIPTOR`; the other nine block lengths follow, 4 bytes apart.
    pub const LENGTHS: usize = 36;
    pub const INSTRUMENT_NAME: usize = 76;
    pub const WAVE_ARRAY_COUNT: usize = 116;
    pub const SUBARRAY_COUNT: usize = 144;
    pub const VERTUNIT: usize = 196;
    pub const HORUNIT: usize = 244;
    pub const TRIGGER_TIME: usize = 296;
}

/// The length in bytes of every block, as the descriptor declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrcBlockLengths {
    /// `WAVE_DESCRIPTOR`: the descriptor itself (346 in `LECROY_2_3`).
    pub wave_descriptor: u32,
    /// `USER_TEXT`: free text after the descriptor (skipped).
    pub user_text: u32,
    /// `RES_DESC1`: reserved (skipped).
    pub res_desc1: u32,
    /// `TRIGTIME_ARRAY`: 16 bytes per segment of a sequence acquisition.
    pub trigtime_array: u32,
    /// `RIS_TIME_ARRAY`: 8 bytes per random-interleaved sweep.
    pub ris_time_array: u32,
    /// `RES_ARRAY1`: reserved (skipped).
    pub res_array1: u32,
    /// `WAVE_ARRAY_1`: the samples.
    pub wave_array_1: u32,
    /// `WAVE_ARRAY_2`: a second data array (extrema, complex, peak detect; skipped).
    pub wave_array_2: u32,
    /// `RES_ARRAY2`: reserved (skipped).
    pub res_array2: u32,
    /// `RES_ARRAY3`: reserved (skipped).
    pub res_array3: u32,
}

impl TrcBlockLengths {
    /// The lengths in file order (the order of [`BLOCK_NAMES`]).
    pub fn in_order(&self) -> [u32; 10] {
        [
            self.wave_descriptor,
            self.user_text,
            self.res_desc1,
            self.trigtime_array,
            self.ris_time_array,
            self.res_array1,
            self.wave_array_1,
            self.wave_array_2,
            self.res_array2,
            self.res_array3,
        ]
    }
}

/// `TRIGGER_TIME`: when the (first) trigger happened, in the oscilloscope's clock.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrcTimeStamp {
    /// Seconds, with fraction (0 to 59.999…).
    pub seconds: f64,
    /// Minutes (0 to 59).
    pub minutes: u8,
    /// Hours (0 to 23).
    pub hours: u8,
    /// Day of the month (1 to 31).
    pub days: u8,
    /// Month (1 to 12).
    pub months: u8,
    /// Year (e.g. 2022).
    pub year: i16,
}

/// One entry of `TRIGTIME_ARRAY`: the trigger of one segment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrcTrigger {
    /// Seconds from the first segment's trigger to this segment's trigger.
    pub trigger_time: f64,
    /// Seconds from this trigger to the segment's first sample (negative when the trigger
    /// is inside the segment).
    pub trigger_offset: f64,
}

/// Everything the descriptor of a `.trc` file says, plus the trigger and RIS time arrays.
///
/// Field names follow the template (`PNTS_PER_SCREEN` is `pnts_per_screen`); integers keep
/// their template type (`long` = `i32`, `word` = `i16`, `enum` = `u16`) and `float` fields are
/// widened to `f64` exactly. Strings stop at the first NUL and are trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct TrcHeader {
    /// Absolute offset of the text `WAVEDESC`.
    pub wavedesc_offset: u64,
    /// The byte count of an IEEE 488.2 block header (`#9000001350`) right before the
    /// descriptor, if there is one.
    pub block_header_len: Option<u64>,
    /// `TEMPLATE_NAME`, e.g. `LECROY_2_3`.
    pub template_name: String,
    /// `COMM_TYPE`: 0 = `int8` samples, 1 = `int16` samples.
    pub comm_type: u16,
    /// `COMM_ORDER`: 0 = big-endian (HIFIRST), 1 = little-endian (LOFIRST).
    pub comm_order: u16,
    /// The sample type that `COMM_TYPE` and `COMM_ORDER` make.
    pub dtype: Dtype,
    /// The block lengths.
    pub lengths: TrcBlockLengths,
    /// `INSTRUMENT_NAME`, e.g. `LECROYWR64Xi-A`.
    pub instrument_name: String,
    /// `INSTRUMENT_NUMBER` (serial number).
    pub instrument_number: i32,
    /// `TRACE_LABEL`: the waveform label.
    pub trace_label: String,
    /// `WAVE_ARRAY_COUNT`: samples in `WAVE_ARRAY_1`, over all segments.
    pub wave_array_count: u64,
    /// `PNTS_PER_SCREEN`: nominal points on the screen.
    pub pnts_per_screen: i32,
    /// `FIRST_VALID_PNT`: points before it are not valid.
    pub first_valid_pnt: i32,
    /// `LAST_VALID_PNT`: points after it are not valid.
    pub last_valid_pnt: i32,
    /// `FIRST_POINT`: index in the acquisition of the first point transferred.
    pub first_point: i32,
    /// `SPARSING_FACTOR`: 1 for every point.
    pub sparsing_factor: i32,
    /// `SEGMENT_INDEX`: the segment transferred when one segment of a sequence is read.
    pub segment_index: i32,
    /// `SUBARRAY_COUNT`: segments acquired (sequence acquisitions; 1 otherwise).
    pub subarray_count: i32,
    /// `SWEEPS_PER_ACQ`: sweeps averaged (1 without averaging).
    pub sweeps_per_acq: i32,
    /// `POINTS_PER_PAIR`: for peak-detect records.
    pub points_per_pair: i16,
    /// `PAIR_OFFSET`: for peak-detect records.
    pub pair_offset: i16,
    /// `VERTICAL_GAIN`: volts per raw unit.
    pub vertical_gain: f64,
    /// `VERTICAL_OFFSET`: subtracted after scaling (`volts = gain * raw - offset`).
    pub vertical_offset: f64,
    /// `MAX_VALUE`: raw value at the top of the grid.
    pub max_value: f64,
    /// `MIN_VALUE`: raw value at the bottom of the grid.
    pub min_value: f64,
    /// `NOMINAL_BITS`: intrinsic precision (8 for ADC data, even in `int16` samples).
    pub nominal_bits: i16,
    /// `NOM_SUBARRAY_COUNT`: segments requested for a sequence (1 otherwise).
    pub nom_subarray_count: i16,
    /// `HORIZ_INTERVAL`: seconds between samples.
    pub horiz_interval: f64,
    /// `HORIZ_OFFSET`: seconds from the (first) trigger to the first sample.
    pub horiz_offset: f64,
    /// `PIXEL_OFFSET`: display offset in seconds.
    pub pixel_offset: f64,
    /// `VERTUNIT`: unit of the samples, e.g. `V`.
    pub vertunit: String,
    /// `HORUNIT`: unit of the time axis, e.g. `S`.
    pub horunit: String,
    /// `HORIZ_UNCERTAINTY`: uncertainty of the horizontal offset, seconds.
    pub horiz_uncertainty: f64,
    /// `TRIGGER_TIME`: date and time of the trigger.
    pub trigger_time: TrcTimeStamp,
    /// `ACQ_DURATION`: seconds of a multi-trigger acquisition (sequence, RIS, averaging).
    pub acq_duration: f64,
    /// `RECORD_TYPE` (see [`TrcHeader::record_type_name`]).
    pub record_type: u16,
    /// `PROCESSING_DONE`: 0 = none, 1 = FIR filter, 2 = interpolated, …
    pub processing_done: u16,
    /// `RIS_SWEEPS`: sweeps of a random-interleaved record.
    pub ris_sweeps: i16,
    /// `TIMEBASE` (see [`TrcHeader::timebase_name`]).
    pub timebase: u16,
    /// `VERT_COUPLING` (see [`TrcHeader::vert_coupling_name`]).
    pub vert_coupling: u16,
    /// `PROBE_ATT`: probe attenuation.
    pub probe_att: f64,
    /// `FIXED_VERT_GAIN` (see [`TrcHeader::fixed_vert_gain_name`]).
    pub fixed_vert_gain: u16,
    /// `BANDWIDTH_LIMIT`: 0 = off, 1 = on.
    pub bandwidth_limit: u16,
    /// `VERTICAL_VERNIER`: fine gain factor.
    pub vertical_vernier: f64,
    /// `ACQ_VERT_OFFSET`: the vertical offset set at acquisition, volts.
    pub acq_vert_offset: f64,
    /// `WAVE_SOURCE` (see [`TrcHeader::wave_source_name`]).
    pub wave_source: u16,
    /// Segments (`SUBARRAY_COUNT`, at least 1).
    pub segments: u64,
    /// Samples per segment (`WAVE_ARRAY_COUNT / segments`).
    pub points_per_segment: u64,
    /// Absolute offset of the first sample (the start of `WAVE_ARRAY_1`).
    pub data_offset: u64,
    /// `TRIGTIME_ARRAY`, one entry per segment, once read.
    pub triggers: Vec<TrcTrigger>,
    /// `RIS_TIME_ARRAY`: seconds from the trigger to the first point of each sweep, once read.
    pub ris_offsets: Vec<f64>,
}

impl TrcHeader {
    /// The channel layout: one channel of `WAVE_ARRAY_COUNT` samples.
    pub fn layout(&self) -> Layout {
        Layout {
            channels: 1,
            samples: self.wave_array_count,
        }
    }

    /// Volts of a raw sample value: `VERTICAL_GAIN * raw - VERTICAL_OFFSET`.
    #[inline]
    pub fn volts(&self, raw: f64) -> f64 {
        self.vertical_gain * raw - self.vertical_offset
    }

    /// The segment of sample `index` and its index within the segment, or `None` past the
    /// last sample.
    pub fn segment_of(&self, index: u64) -> Option<(u64, u64)> {
        if index >= self.wave_array_count {
            return None;
        }
        Some((
            index / self.points_per_segment,
            index % self.points_per_segment,
        ))
    }

    /// Seconds from its segment's trigger to sample `index`:
    /// `TRIGGER_OFFSET[k] + i * HORIZ_INTERVAL` for sample `i` of segment `k`, with
    /// `HORIZ_OFFSET` when the trigger-time array is absent (or not read yet). Indices past the
    /// end continue the last segment.
    pub fn time_of(&self, index: u64) -> f64 {
        let (segment, i) = self.segment_and_index(index);
        let offset = match self.triggers.get(segment as usize) {
            Some(t) => t.trigger_offset,
            None => self.horiz_offset,
        };
        offset + i as f64 * self.horiz_interval
    }

    /// Seconds from the first segment's trigger to sample `index`: the segment's
    /// `TRIGGER_TIME` plus [`TrcHeader::time_of`].
    pub fn time_since_first_trigger(&self, index: u64) -> f64 {
        let (segment, _) = self.segment_and_index(index);
        let base = self
            .triggers
            .get(segment as usize)
            .map_or(0.0, |t| t.trigger_time);
        base + self.time_of(index)
    }

    fn segment_and_index(&self, index: u64) -> (u64, u64) {
        if self.points_per_segment == 0 {
            return (0, index);
        }
        let segment = (index / self.points_per_segment).min(self.segments - 1);
        (segment, index - segment * self.points_per_segment)
    }

    /// The name of `RECORD_TYPE` in the template (`single_sweep`, `peak_detect`, …).
    pub fn record_type_name(&self) -> Option<&'static str> {
        const NAMES: [&str; 10] = [
            "single_sweep",
            "interleaved",
            "histogram",
            "graph",
            "filter_coefficient",
            "complex",
            "extrema",
            "sequence_obsolete",
            "centered_RIS",
            "peak_detect",
        ];
        NAMES.get(usize::from(self.record_type)).copied()
    }

    /// The name of `VERT_COUPLING` in the template (`DC_50_Ohms`, `DC_1MOhm`, …).
    pub fn vert_coupling_name(&self) -> Option<&'static str> {
        const NAMES: [&str; 5] = ["DC_50_Ohms", "ground", "DC_1MOhm", "ground", "AC_1MOhm"];
        NAMES.get(usize::from(self.vert_coupling)).copied()
    }

    /// The name of `WAVE_SOURCE` in the template (`CHANNEL_1` … `CHANNEL_4`, `UNKNOWN`).
    pub fn wave_source_name(&self) -> Option<&'static str> {
        match self.wave_source {
            0 => Some("CHANNEL_1"),
            1 => Some("CHANNEL_2"),
            2 => Some("CHANNEL_3"),
            3 => Some("CHANNEL_4"),
            9 => Some("UNKNOWN"),
            _ => None,
        }
    }

    /// The name of `TIMEBASE` in the template: `1_ps/div` (0) to `5_ks/div` (47) in 1-2-5
    /// steps, or `external` (100).
    pub fn timebase_name(&self) -> Option<String> {
        match self.timebase {
            100 => Some("external".to_string()),
            t => step_125_name(t, &["ps", "ns", "us", "ms", "s", "ks"], 47),
        }
    }

    /// The name of `FIXED_VERT_GAIN` in the template: `1_uV/div` (0) to `1_MV/div` (36) in
    /// 1-2-5 steps.
    pub fn fixed_vert_gain_name(&self) -> Option<String> {
        step_125_name(self.fixed_vert_gain, &["uV", "mV", "V", "kV", "MV"], 36)
    }

    /// Check that a file of `file_len` bytes holds every block the descriptor declares, so a
    /// truncated file (or a lying length) fails before any work is done. Bytes after the last
    /// block (a message terminator, for example) are allowed.
    pub fn check_file_len(&self, file_len: u64) -> Result<()> {
        match self
            .spans()
            .iter()
            .position(|&(start, len)| start + len > file_len)
        {
            Some(i) => Err(Error::Truncated {
                offset: file_len,
                expected: self.missing(i),
            }),
            None => Ok(()),
        }
    }

    /// Absolute (start, length) of every block in file order.
    fn spans(&self) -> [(u64, u64); 10] {
        let mut spans = [(0, 0); 10];
        let mut start = self.wavedesc_offset;
        for (span, len) in spans.iter_mut().zip(self.lengths.in_order()) {
            // At most 10 * (2^31 - 1) past an offset below 100: no overflow in 64 bits.
            *span = (start, u64::from(len));
            start += u64::from(len);
        }
        spans
    }

    /// What is still expected when block `i` is incomplete.
    pub(super) fn missing(&self, i: usize) -> String {
        let (start, len) = self.spans()[i];
        let data = format!(
            "WAVE_ARRAY_1 ({} samples of {}, {} bytes) from byte {}",
            self.wave_array_count,
            self.dtype.name(),
            self.lengths.wave_array_1,
            self.data_offset
        );
        match i {
            DATA => data,
            i if i < DATA => format!(
                "the {} block ({len} bytes from byte {start}), then {data}",
                BLOCK_NAMES[i]
            ),
            i => format!(
                "the {} block ({len} bytes from byte {start})",
                BLOCK_NAMES[i]
            ),
        }
    }

    /// Parse the header from the first bytes of a file (at least through the descriptor).
    /// The trigger-time and RIS arrays are filled only when `prefix` reaches the first sample
    /// ([`TrcHeader::data_offset`]); otherwise they are left empty.
    pub fn parse(prefix: &[u8]) -> Result<TrcHeader> {
        let mut reader = TrcReader::new();
        let mut bytes = prefix;
        loop {
            reader.settle(&mut crate::kernel::Discard)?;
            if bytes.is_empty() || reader.at_data() {
                break;
            }
            bytes = reader.step(bytes, &mut crate::kernel::Discard)?;
        }
        let at_data = reader.at_data();
        match reader.header.take() {
            Some(mut h) => {
                if !at_data {
                    h.triggers.clear();
                    h.ris_offsets.clear();
                }
                Ok(h)
            }
            None => reader.finish(),
        }
    }
}

/// `unit`-prefixed 1-2-5 step names: index 0 is `1_<units[0]>/div`, 9 is `1_<units[1]>/div`.
fn step_125_name(index: u16, units: &[&str], last: u16) -> Option<String> {
    const STEPS: [u16; 9] = [1, 2, 5, 10, 20, 50, 100, 200, 500];
    if index > last {
        return None;
    }
    let unit = units.get(usize::from(index / 9))?;
    Some(format!("{}_{unit}/div", STEPS[usize::from(index % 9)]))
}

/// The byte count of an IEEE 488.2 definite-length block header `#<n><n digits>` that ends
/// `prefix`, if there is one.
pub(super) fn block_header_len(prefix: &[u8]) -> Option<u64> {
    (1..=9usize).find_map(|n| {
        let head = prefix.len().checked_sub(n + 2)?;
        let tail = &prefix[head..];
        let digits = &tail[2..];
        let ok = tail[0] == b'#'
            && usize::from(tail[1].wrapping_sub(b'0')) == n
            && digits.iter().all(u8::is_ascii_digit);
        ok.then(|| {
            digits
                .iter()
                .fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'))
        })
    })
}

/// Reads the fields of a complete descriptor in its byte order.
struct Fields<'a> {
    d: &'a [u8; DESCRIPTOR_LEN],
    big: bool,
    /// Absolute offset of `d[0]`.
    base: u64,
}

macro_rules! field {
    ($name:ident, $t:ty) => {
        fn $name(&self, at: usize) -> $t {
            const N: usize = core::mem::size_of::<$t>();
            let mut a = [0u8; N];
            a.copy_from_slice(&self.d[at..at + N]);
            if self.big {
                <$t>::from_be_bytes(a)
            } else {
                <$t>::from_le_bytes(a)
            }
        }
    };
}

impl Fields<'_> {
    field!(i16, i16);
    field!(u16, u16);
    field!(i32, i32);
    field!(f32, f32);
    field!(f64, f64);

    fn float(&self, at: usize) -> f64 {
        f64::from(self.f32(at))
    }

    fn text(&self, at: usize, len: usize) -> String {
        let bytes = &self.d[at..at + len];
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(len);
        String::from_utf8_lossy(&bytes[..end]).trim().to_string()
    }

    /// A `long` that must not be negative.
    fn count(&self, at: usize, what: &str) -> Result<u32> {
        let v = self.i32(at);
        u32::try_from(v).map_err(|_| Error::Malformed {
            offset: self.base + at as u64,
            expected: format!("a non-negative {what}"),
            found: format!("{v}"),
        })
    }

    fn malformed(&self, at: usize, expected: String, found: String) -> Error {
        Error::Malformed {
            offset: self.base + at as u64,
            expected,
            found,
        }
    }
}

/// The sample type from `COMM_ORDER` and `COMM_TYPE`, checked, and the template name.
fn sample_type(d: &[u8; DESCRIPTOR_LEN], base: u64) -> Result<(Dtype, String)> {
    let order = [d[at::COMM_ORDER], d[at::COMM_ORDER + 1]];
    let big_endian = match order {
        [0, 0] => true,
        [1, 0] => false,
        _ => {
            return Err(Error::Malformed {
                offset: base + at::COMM_ORDER as u64,
                expected: "COMM_ORDER 0 (HIFIRST, big-endian) or 1 (LOFIRST, little-endian)"
                    .to_string(),
                found: format!("the bytes 0x{:02x} 0x{:02x}", order[0], order[1]),
            })
        }
    };
    let f = Fields {
        d,
        big: big_endian,
        base,
    };
    let template_name = f.text(at::TEMPLATE_NAME, 16);
    if !template_name.starts_with("LECROY_2_") {
        return Err(Error::Unsupported {
            offset: base + at::TEMPLATE_NAME as u64,
            what: format!("descriptor template '{template_name}' (supported: LECROY_2_x)"),
        });
    }
    let size = match f.u16(at::COMM_TYPE) {
        0 => 1,
        1 => 2,
        t => {
            return Err(Error::Unsupported {
                offset: base + at::COMM_TYPE as u64,
                what: format!("COMM_TYPE {t} (supported: 0 = int8, 1 = int16 samples)"),
            })
        }
    };
    let dtype = Dtype {
        kind: DtypeKind::Int,
        size,
        big_endian,
    };
    Ok((dtype, template_name))
}

/// The ten block lengths, checked against each other, the sample count and the limits.
/// Returns them with `WAVE_ARRAY_COUNT` and the segment count.
fn block_lengths(f: &Fields<'_>, size: u64) -> Result<([u32; 10], u64, u64)> {
    let mut lens = [0u32; 10];
    for (i, len) in lens.iter_mut().enumerate() {
        *len = f.count(at::LENGTHS + 4 * i, &format!("{} length", BLOCK_NAMES[i]))?;
    }
    let len_at = |i: usize| at::LENGTHS + 4 * i;
    if (lens[0] as usize) < DESCRIPTOR_LEN {
        return Err(f.malformed(
            len_at(0),
            format!("a WAVE_DESCRIPTOR length of at least {DESCRIPTOR_LEN}"),
            format!("{}", lens[0]),
        ));
    }
    for (i, entry, limit) in [
        (TRIGTIME, 16, MAX_TRIGTIME_LEN),
        (RIS_TIME, 8, MAX_RIS_TIME_LEN),
    ] {
        let len = u64::from(lens[i]);
        if len % entry != 0 {
            return Err(f.malformed(
                len_at(i),
                format!("a {} length that is a multiple of {entry}", BLOCK_NAMES[i]),
                format!("{len}"),
            ));
        }
        if len > limit {
            return Err(Error::Limit {
                offset: f.base + len_at(i) as u64,
                what: format!("{} length {len}", BLOCK_NAMES[i]),
                limit,
            });
        }
    }
    let count = u64::from(f.count(at::WAVE_ARRAY_COUNT, "WAVE_ARRAY_COUNT")?);
    let segments = u64::from(f.count(at::SUBARRAY_COUNT, "SUBARRAY_COUNT")?).max(1);
    if count % segments != 0 {
        return Err(f.malformed(
            at::SUBARRAY_COUNT,
            format!("a SUBARRAY_COUNT that divides WAVE_ARRAY_COUNT {count}"),
            format!("{segments}"),
        ));
    }
    if u64::from(lens[DATA]) != count * size {
        return Err(f.malformed(
            len_at(DATA),
            format!("a WAVE_ARRAY_1 length of {count} samples * {size} bytes (WAVE_ARRAY_COUNT)"),
            format!("{}", lens[DATA]),
        ));
    }
    Ok((lens, count, segments))
}

/// Parse and validate a complete descriptor that starts at absolute offset `base`.
pub(super) fn parse_descriptor(
    d: &[u8; DESCRIPTOR_LEN],
    base: u64,
    block_header_len: Option<u64>,
) -> Result<TrcHeader> {
    let (dtype, template_name) = sample_type(d, base)?;
    let big = dtype.big_endian;
    let f = Fields { d, big, base };
    let (lens, count, segments) = block_lengths(&f, dtype.size as u64)?;
    let data_offset = base + lens[..DATA].iter().copied().map(u64::from).sum::<u64>();
    Ok(TrcHeader {
        wavedesc_offset: base,
        block_header_len,
        template_name,
        comm_type: u16::from(dtype.size == 2),
        comm_order: u16::from(!big),
        dtype,
        lengths: TrcBlockLengths {
            wave_descriptor: lens[0],
            user_text: lens[1],
            res_desc1: lens[2],
            trigtime_array: lens[3],
            ris_time_array: lens[4],
            res_array1: lens[5],
            wave_array_1: lens[6],
            wave_array_2: lens[7],
            res_array2: lens[8],
            res_array3: lens[9],
        },
        instrument_name: f.text(at::INSTRUMENT_NAME, 16),
        instrument_number: f.i32(92),
        trace_label: f.text(96, 16),
        wave_array_count: count,
        pnts_per_screen: f.i32(120),
        first_valid_pnt: f.i32(124),
        last_valid_pnt: f.i32(128),
        first_point: f.i32(132),
        sparsing_factor: f.i32(136),
        segment_index: f.i32(140),
        subarray_count: f.i32(at::SUBARRAY_COUNT),
        sweeps_per_acq: f.i32(148),
        points_per_pair: f.i16(152),
        pair_offset: f.i16(154),
        vertical_gain: f.float(156),
        vertical_offset: f.float(160),
        max_value: f.float(164),
        min_value: f.float(168),
        nominal_bits: f.i16(172),
        nom_subarray_count: f.i16(174),
        horiz_interval: f.float(176),
        horiz_offset: f.f64(180),
        pixel_offset: f.f64(188),
        vertunit: f.text(at::VERTUNIT, 48),
        horunit: f.text(at::HORUNIT, 48),
        horiz_uncertainty: f.float(292),
        trigger_time: TrcTimeStamp {
            seconds: f.f64(at::TRIGGER_TIME),
            minutes: d[at::TRIGGER_TIME + 8],
            hours: d[at::TRIGGER_TIME + 9],
            days: d[at::TRIGGER_TIME + 10],
            months: d[at::TRIGGER_TIME + 11],
            year: f.i16(at::TRIGGER_TIME + 12),
        },
        acq_duration: f.float(312),
        record_type: f.u16(316),
        processing_done: f.u16(318),
        ris_sweeps: f.i16(322),
        timebase: f.u16(324),
        vert_coupling: f.u16(326),
        probe_att: f.float(328),
        fixed_vert_gain: f.u16(332),
        bandwidth_limit: f.u16(334),
        vertical_vernier: f.float(336),
        acq_vert_offset: f.float(340),
        wave_source: f.u16(344),
        segments,
        points_per_segment: count / segments,
        data_offset,
        triggers: Vec::new(),
        ris_offsets: Vec::new(),
    })
}
