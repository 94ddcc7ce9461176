use alloc::string::ToString;
use alloc::vec::Vec;

use super::*;
use crate::kernel::Layout;
use crate::testkit::assert_chunk_invariant;
use crate::Push;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Harness

/// Collects the one channel, checking that `begin` comes once, first, and blocks are contiguous.
#[derive(Default, Debug)]
struct Collect {
    layout: Option<Layout>,
    samples: Vec<f64>,
}

impl BlockSink for Collect {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        assert!(self.layout.is_none(), "begin called twice");
        self.layout = Some(layout);
        Ok(())
    }
    fn block(&mut self, b: Block<'_>) -> Result<()> {
        assert!(self.layout.is_some(), "a block before begin");
        assert_eq!(b.channel, 0);
        assert!(b.samples.len() <= SCRATCH);
        assert_eq!(
            self.samples.len() as u64,
            b.start,
            "blocks must be contiguous"
        );
        self.samples.extend_from_slice(b.samples);
        Ok(())
    }
}

/// A reader and its sink as one `Push<u8>` machine, for `assert_chunk_invariant`.
#[derive(Default)]
struct Machine {
    reader: TrcReader,
    sink: Collect,
}

impl Push<u8> for Machine {
    type Output = (TrcHeader, Vec<f64>);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.sink)
    }
    fn finish(self) -> Result<Self::Output> {
        let header = self.reader.finish()?;
        assert_eq!(self.sink.layout, Some(header.layout()));
        Ok((header, self.sink.samples))
    }
}

fn read(bytes: &[u8], chunk: usize) -> Result<(TrcHeader, Vec<f64>)> {
    let mut m = Machine::default();
    for c in bytes.chunks(chunk.max(1)) {
        m.push(c)?;
    }
    m.finish()
}

fn err(bytes: &[u8]) -> Error {
    read(bytes, 7).expect_err("must fail")
}

// ---------------------------------------------------------------------------------------------
// The real files: ../shared/data/trc (README section 2), checked against its expected.json.

const DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/trc/");

fn file(name: &str) -> Vec<u8> {
    let path = format!("{DATA_DIR}{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Typed access to expected.json's values (a missing key or wrong type fails the test).
trait Expected {
    fn at(&self, key: &str) -> &Value;
    fn f64(&self) -> f64;
    fn str(&self) -> &str;
    fn arr(&self) -> &[Value];
    fn f64s(&self) -> Vec<f64> {
        self.arr().iter().map(Expected::f64).collect()
    }
}

impl Expected for Value {
    fn at(&self, key: &str) -> &Value {
        self.get(key)
            .unwrap_or_else(|| panic!("expected.json: no key {key}"))
    }
    fn f64(&self) -> f64 {
        self.as_f64()
            .unwrap_or_else(|| panic!("expected.json: not a number: {self}"))
    }
    fn str(&self) -> &str {
        self.as_str()
            .unwrap_or_else(|| panic!("expected.json: not a string: {self}"))
    }
    fn arr(&self) -> &[Value] {
        self.as_array()
            .unwrap_or_else(|| panic!("expected.json: not an array: {self}"))
    }
}

fn expected(name: &str) -> Value {
    let all: Value = serde_json::from_slice(&file("expected.json")).unwrap();
    all.at(name).clone()
}

/// Every field expected.json states about the descriptor and arrays, compared exactly.
fn check_header(h: &TrcHeader, e: &Value) {
    let num = |k: &str| e.at(k).f64();
    assert_eq!(h.wavedesc_offset as f64, num("wavedesc_offset"));
    assert_eq!(e.at("descriptor_name").str(), "WAVEDESC");
    assert_eq!(h.template_name, e.at("template_name").str());
    assert_eq!(f64::from(h.comm_type), num("COMM_TYPE"));
    assert_eq!(f64::from(h.comm_order), num("COMM_ORDER"));
    assert_eq!(h.dtype.name(), e.at("sample_type").str());
    assert_eq!(h.dtype.big_endian, e.at("byte_order").str() == "big");
    let lengths = e.at("block_lengths");
    let ours = h.lengths.in_order();
    for (name, len) in BLOCK_NAMES.iter().zip(ours).take(8) {
        assert_eq!(f64::from(len), lengths.at(name).f64(), "{name}");
    }
    assert_eq!(
        (ours[8], ours[9]),
        (0, 0),
        "RES_ARRAY2/3 (not in expected.json)"
    );
    assert_eq!(h.instrument_name, e.at("instrument_name").str());
    assert_eq!(f64::from(h.instrument_number), num("instrument_number"));
    assert_eq!(h.trace_label, e.at("trace_label").str());
    let ints = [
        ("WAVE_ARRAY_COUNT", h.wave_array_count as f64),
        ("PNTS_PER_SCREEN", f64::from(h.pnts_per_screen)),
        ("FIRST_VALID_PNT", f64::from(h.first_valid_pnt)),
        ("LAST_VALID_PNT", f64::from(h.last_valid_pnt)),
        ("FIRST_POINT", f64::from(h.first_point)),
        ("SPARSING_FACTOR", f64::from(h.sparsing_factor)),
        ("SEGMENT_INDEX", f64::from(h.segment_index)),
        ("SUBARRAY_COUNT", f64::from(h.subarray_count)),
        ("SWEEPS_PER_ACQ", f64::from(h.sweeps_per_acq)),
        ("NOMINAL_BITS", f64::from(h.nominal_bits)),
        ("NOM_SUBARRAY_COUNT", f64::from(h.nom_subarray_count)),
        ("points", h.wave_array_count as f64),
        ("segments", h.segments as f64),
        ("points_per_segment", h.points_per_segment as f64),
        ("data_offset", h.data_offset as f64),
    ];
    let floats = [
        ("VERTICAL_GAIN", h.vertical_gain),
        ("VERTICAL_OFFSET", h.vertical_offset),
        ("MAX_VALUE", h.max_value),
        ("MIN_VALUE", h.min_value),
        ("HORIZ_INTERVAL", h.horiz_interval),
        ("HORIZ_OFFSET", h.horiz_offset),
        ("PIXEL_OFFSET", h.pixel_offset),
        ("HORIZ_UNCERTAINTY", h.horiz_uncertainty),
        ("ACQ_DURATION", h.acq_duration),
        ("PROBE_ATT", h.probe_att),
    ];
    for (k, v) in ints.into_iter().chain(floats) {
        assert_eq!(v.to_bits(), num(k).to_bits(), "{k}: {v} vs {}", num(k));
    }
    assert_eq!(h.vertunit, e.at("VERTUNIT").str());
    assert_eq!(h.horunit, e.at("HORUNIT").str());
    let t = e.at("TRIGGER_TIME");
    assert_eq!(h.trigger_time.seconds, t.at("seconds").f64());
    let parts = [
        (h.trigger_time.minutes, "minutes"),
        (h.trigger_time.hours, "hours"),
        (h.trigger_time.days, "days"),
        (h.trigger_time.months, "months"),
    ];
    for (v, k) in parts {
        assert_eq!(f64::from(v), t.at(k).f64(), "{k}");
    }
    assert_eq!(f64::from(h.trigger_time.year), t.at("year").f64());
    assert_eq!(h.record_type_name(), Some(e.at("RECORD_TYPE").str()));
    assert_eq!(h.timebase_name().as_deref(), Some(e.at("TIMEBASE").str()));
    assert_eq!(h.vert_coupling_name(), Some(e.at("VERT_COUPLING").str()));
    assert_eq!(h.wave_source_name(), Some(e.at("WAVE_SOURCE").str()));
    // Not in expected.json; read from the bytes (identical in all three files).
    assert_eq!(
        (h.fixed_vert_gain, h.fixed_vert_gain_name()),
        (18, Some("1_V/div".into()))
    );
    assert_eq!(
        (h.bandwidth_limit, h.processing_done, h.ris_sweeps),
        (0, 0, 1)
    );
    assert_eq!(
        (h.vertical_vernier, h.points_per_pair, h.pair_offset),
        (1.0, 0, 0)
    );
    assert_eq!(h.acq_vert_offset, h.vertical_offset);
    // The `#9` block header counts every byte after itself in the complete files.
    if e.at("data_complete") == &Value::Bool(true) {
        assert_eq!(
            h.block_header_len.map(|n| n as f64 + 11.0),
            Some(num("bytes"))
        );
    }
}

/// Triggers, samples and times of a complete file against expected.json.
fn check_data(h: &TrcHeader, volts: &[f64], e: &Value) {
    let trig = e.at("trigtime").arr();
    assert_eq!(h.triggers.len(), trig.len());
    for (k, (t, x)) in h.triggers.iter().zip(trig).enumerate() {
        assert_eq!(t.trigger_time, x.at("trigger_time").f64(), "segment {k}");
        assert_eq!(
            t.trigger_offset,
            x.at("trigger_offset").f64(),
            "segment {k}"
        );
    }
    let v = e.at("volts");
    let n = volts.len();
    assert_eq!(n as f64, e.at("points").f64());
    assert_eq!(volts[..5], v.at("first5").f64s()[..]);
    assert_eq!(volts[n - 5..], v.at("last5").f64s()[..]);
    let adc = e.at("adc");
    for (raw, volt) in adc.at("first5").f64s().iter().zip(&volts[..5]) {
        assert_eq!(h.volts(*raw), *volt, "volts = gain * raw - offset");
    }
    let (imin, min) =
        volts
            .iter()
            .enumerate()
            .fold((0, f64::MAX), |a, (i, &x)| if x < a.1 { (i, x) } else { a });
    let (imax, max) =
        volts
            .iter()
            .enumerate()
            .fold((0, f64::MIN), |a, (i, &x)| if x > a.1 { (i, x) } else { a });
    assert_eq!(
        (imin as f64, min),
        (v.at("argmin").f64(), v.at("min").f64())
    );
    assert_eq!(
        (imax as f64, max),
        (v.at("argmax").f64(), v.at("max").f64())
    );
    assert_eq!(min, h.volts(adc.at("min").f64()));
    assert_eq!(max, h.volts(adc.at("max").f64()));
    let mean = kahan_mean(volts);
    let want = v.at("mean").f64();
    assert!(
        ((mean - want) / want).abs() < 1e-12,
        "mean {mean} vs {want}"
    );
    // Time: HORIZ_OFFSET + i * HORIZ_INTERVAL, bit for bit (lecroyparser's linspace step is
    // HORIZ_INTERVAL * N / (N - 1), which would fail the last-of-segment check).
    let t3: Vec<f64> = (0..3).map(|i| h.time_of(i)).collect();
    assert_eq!(t3, e.at("time_first3").f64s());
    assert_eq!(
        h.time_of(h.points_per_segment - 1),
        e.at("time_last_of_segment").f64()
    );
    assert_eq!(0.0, e.at("trailing_bytes_after_wave_array_1").f64());
}

fn kahan_mean(v: &[f64]) -> f64 {
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for &x in v {
        let t = sum + x;
        c += if sum.abs() >= x.abs() {
            (sum - t) + x
        } else {
            (x - t) + sum
        };
        sum = t;
    }
    (sum + c) / v.len() as f64
}

#[test]
fn pulse_matches_expected_json() {
    let bytes = file("pulse.trc");
    let e = expected("pulse.trc");
    let (h, volts) = read(&bytes, 4096).unwrap();
    check_header(&h, &e);
    check_data(&h, &volts, &e);
    assert_eq!(h, TrcHeader::parse(&bytes).unwrap());
    assert_eq!(h.block_header_len, Some(1350));
    h.check_file_len(bytes.len() as u64).unwrap();
    // lecroyscope's own test values for this file (README section 2).
    let mean100 = kahan_mean(&volts[..100]);
    assert!((mean100 - 0.0057997689768671985).abs() < 1e-15, "{mean100}");
    assert_eq!(h.time_of(125), 4.254989846811945e-09);
    // The sign of VERTICAL_OFFSET: with `+ offset` the baseline would sit near -2 V.
    assert!(volts[0].abs() < 0.05);
}

#[test]
fn pulse_sequence_matches_expected_json_per_segment() {
    let bytes = file("pulse_sequence.trc");
    let e = expected("pulse_sequence.trc");
    let (h, volts) = read(&bytes, 1000).unwrap();
    check_header(&h, &e);
    check_data(&h, &volts, &e);
    assert_eq!((h.segments, h.points_per_segment), (20, 502));
    let segs = e.at("segment_volts").arr();
    assert_eq!(segs.len(), 20);
    for (k, s) in segs.iter().enumerate() {
        let seg = &volts[k * 502..(k + 1) * 502];
        let min = seg.iter().copied().fold(f64::MAX, f64::min);
        let max = seg.iter().copied().fold(f64::MIN, f64::max);
        assert_eq!(seg[0], s.at("first").f64(), "segment {k}");
        assert_eq!(seg[501], s.at("last").f64(), "segment {k}");
        assert_eq!(
            (min, max),
            (s.at("min").f64(), s.at("max").f64()),
            "segment {k}"
        );
        // Each segment has its own time axis from its own trigger.
        let first = (k * 502) as u64;
        let t = h.triggers[k];
        assert_eq!(h.segment_of(first), Some((k as u64, 0)));
        assert_eq!(h.segment_of(first + 501), Some((k as u64, 501)));
        assert_eq!(h.time_of(first), t.trigger_offset);
        assert_eq!(
            h.time_of(first + 2),
            t.trigger_offset + 2.0 * h.horiz_interval
        );
        assert_eq!(
            h.time_since_first_trigger(first + 1),
            t.trigger_time + t.trigger_offset + h.horiz_interval
        );
    }
    assert_eq!(h.segment_of(10040), None);
    // The header alone (prefix through the trigger times) has the same triggers.
    let prefix = &bytes[..h.data_offset as usize];
    assert_eq!(TrcHeader::parse(prefix).unwrap(), h);
    // A prefix that stops inside TRIGTIME_ARRAY gives no triggers (rather than some).
    let partial = TrcHeader::parse(&bytes[..400]).unwrap();
    assert!(partial.triggers.is_empty());
    assert_eq!(partial.time_of(502), h.horiz_offset + 0.0);
}

#[test]
fn header_trc_parses_and_reports_the_missing_data() {
    let bytes = file("header.trc");
    let e = expected("header.trc");
    assert_eq!(e.at("data_complete"), &Value::Bool(false));
    let h = TrcHeader::parse(&bytes).unwrap();
    check_header(&h, &e);
    assert!(h.triggers.is_empty());
    assert_eq!(h.block_header_len, Some(346 + 3200 + 800_800));
    let want = Error::Truncated {
        offset: 357,
        expected: "the TRIGTIME_ARRAY block (3200 bytes from byte 357), then WAVE_ARRAY_1 \
                   (400400 samples of int16, 800800 bytes) from byte 3557"
            .to_string(),
    };
    assert_eq!(h.check_file_len(357), Err(want.clone()));
    // expected.json: "file truncated: it ends at byte 357, but TRIGTIME_ARRAY (3200 bytes)
    // starts at byte 357; WAVE_ARRAY_1 (400400 samples of 2 byte(s)) would start at byte 3557"
    assert!(e.at("error").str().contains("byte 3557"));
    assert_eq!(h.check_file_len(3557 + 800_800), Ok(()));
    assert!(h.check_file_len(3557 + 800_799).is_err());
    // The reader never announces a layout and ends with the same error.
    let mut reader = TrcReader::new();
    let mut sink = Collect::default();
    reader.push(&bytes, &mut sink).unwrap();
    assert!(sink.layout.is_none());
    // Nothing sized by the header was allocated: no sample buffer, no trigger entries.
    assert!(reader.scratch.is_empty() && reader.buf.capacity() == 0);
    assert_eq!(reader.header().unwrap().triggers.capacity(), 0);
    assert_eq!(reader.finish(), Err(want));
}

#[test]
fn real_files_are_chunk_invariant() {
    for name in ["pulse.trc", "pulse_sequence.trc", "header.trc"] {
        assert_chunk_invariant(Machine::default, &file(name), 32);
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic files

/// A test-only `.trc` writer.
#[derive(Clone)]
struct Synth {
    prefix: Option<&'static [u8]>,
    block_header: bool,
    big: bool,
    int8: bool,
    template: &'static str,
    raw: Vec<i16>,
    segments: i32,
    triggers: Vec<(f64, f64)>,
    ris: Vec<f64>,
    user_text: Vec<u8>,
    extra_descriptor: usize,
    wave_array_2: Vec<u8>,
    trailing: Vec<u8>,
    gain: f32,
    offset: f32,
}

impl Default for Synth {
    fn default() -> Self {
        Synth {
            prefix: None,
            block_header: false,
            big: false,
            int8: false,
            template: "LECROY_2_3",
            raw: (0..300)
                .map(|i| (i * 37 % 255 - 127) as i16 * 129)
                .collect(),
            segments: 1,
            triggers: Vec::new(),
            ris: Vec::new(),
            user_text: Vec::new(),
            extra_descriptor: 0,
            wave_array_2: Vec::new(),
            trailing: Vec::new(),
            gain: 0.0015,
            offset: -0.25,
        }
    }
}

const HORIZ_OFFSET: f64 = -2.5e-7;
const HORIZ_INTERVAL: f32 = 2e-9;

impl Synth {
    fn size(&self) -> usize {
        if self.int8 {
            1
        } else {
            2
        }
    }

    /// `le` (little-endian bytes) in the file's byte order.
    fn ordered<const N: usize>(&self, mut le: [u8; N]) -> [u8; N] {
        if self.big {
            le.reverse();
        }
        le
    }

    fn put<const N: usize>(&self, d: &mut [u8], at: usize, le: [u8; N]) {
        d[at..at + N].copy_from_slice(&self.ordered(le));
    }

    fn bytes(&self) -> Vec<u8> {
        let mut d = vec![0u8; DESCRIPTOR_LEN + self.extra_descriptor];
        let text =
            |d: &mut [u8], at: usize, s: &str| d[at..at + s.len()].copy_from_slice(s.as_bytes());
        text(&mut d, 0, "WAVEDESC");
        text(&mut d, 16, self.template);
        self.put(&mut d, 32, u16::from(!self.int8).to_le_bytes());
        self.put(&mut d, 34, u16::from(!self.big).to_le_bytes());
        let mut data = Vec::new();
        for &r in &self.raw {
            match self.int8 {
                true => data.push(r as i8 as u8),
                false => data.extend_from_slice(&self.ordered(r.to_le_bytes())),
            }
        }
        let flat = self.triggers.iter().flat_map(|&(a, b)| [a, b]);
        let trig: Vec<u8> = flat.flat_map(|x| self.ordered(x.to_le_bytes())).collect();
        let ris: Vec<u8> = self
            .ris
            .iter()
            .flat_map(|x| self.ordered(x.to_le_bytes()))
            .collect();
        let lens = [
            d.len(),
            self.user_text.len(),
            0,
            trig.len(),
            ris.len(),
            0,
            data.len(),
            self.wave_array_2.len(),
            0,
            0,
        ];
        for (i, len) in lens.iter().enumerate() {
            self.put(&mut d, 36 + 4 * i, (*len as i32).to_le_bytes());
        }
        text(&mut d, 76, "LECROYSYNTH");
        self.put(&mut d, 92, 4321i32.to_le_bytes());
        text(&mut d, 96, "synthetic");
        let n = self.raw.len() as i32;
        for (at, v) in [
            (116, n),
            (120, n),
            (124, 0),
            (128, n - 1),
            (132, 0),
            (136, 1),
            (140, 0),
            (144, self.segments),
            (148, 1),
        ] {
            self.put(&mut d, at, v.to_le_bytes());
        }
        for (at, v) in [
            (156, self.gain),
            (160, self.offset),
            (164, 32512.0),
            (168, -32768.0),
            (176, HORIZ_INTERVAL),
            (292, 1e-12),
            (312, 0.5),
            (328, 10.0),
            (336, 1.0),
            (340, self.offset),
        ] {
            self.put(&mut d, at, v.to_le_bytes());
        }
        for (at, v) in [(172, 8i16), (174, self.segments as i16), (308, 2024)] {
            self.put(&mut d, at, v.to_le_bytes());
        }
        for (at, v) in [(180, HORIZ_OFFSET), (188, -2.4e-7), (296, 12.5)] {
            self.put(&mut d, at, v.to_le_bytes());
        }
        d[304..308].copy_from_slice(&[59, 23, 31, 12]);
        text(&mut d, 196, "V  ");
        text(&mut d, 244, "S");
        for (at, v) in [
            (316, 0u16),
            (318, 0),
            (322, 1),
            (324, 100),
            (326, 2),
            (332, 20),
            (334, 1),
            (344, 9),
        ] {
            self.put(&mut d, at, v.to_le_bytes());
        }
        let mut body = d;
        for block in [&self.user_text, &trig, &ris, &data, &self.wave_array_2] {
            body.extend_from_slice(block);
        }
        let mut out = Vec::new();
        out.extend_from_slice(self.prefix.unwrap_or(b""));
        if self.block_header {
            out.extend_from_slice(format!("#9{:09}", body.len()).as_bytes());
        }
        out.extend_from_slice(&body);
        out.extend_from_slice(&self.trailing);
        out
    }

    fn wavedesc(&self) -> usize {
        self.prefix.map_or(0, <[u8]>::len) + if self.block_header { 11 } else { 0 }
    }

    fn volts(&self) -> Vec<f64> {
        let (g, o) = (f64::from(self.gain), f64::from(self.offset));
        self.raw.iter().map(|&r| g * f64::from(r) - o).collect()
    }
}

#[test]
fn byte_orders_sample_types_and_block_headers_decode() {
    for big in [false, true] {
        for int8 in [false, true] {
            for block_header in [false, true] {
                let mut s = Synth {
                    big,
                    int8,
                    block_header,
                    ..Synth::default()
                };
                if int8 {
                    s.raw = (-128..128).collect();
                }
                let bytes = s.bytes();
                for chunk in [1, 3, 346, 1 << 20] {
                    let (h, volts) = read(&bytes, chunk).unwrap();
                    let what = format!("big {big} int8 {int8} #9 {block_header} chunk {chunk}");
                    assert_eq!(volts, s.volts(), "{what}");
                    assert_eq!(h.wavedesc_offset, s.wavedesc() as u64, "{what}");
                    assert_eq!(
                        h.block_header_len,
                        block_header.then(|| bytes.len() as u64 - 11)
                    );
                    assert_eq!(
                        (h.comm_order, h.comm_type),
                        (u16::from(!big), u16::from(!int8))
                    );
                    assert_eq!(h.dtype.name(), if int8 { "int8" } else { "int16" });
                    assert_eq!(h.dtype.big_endian, big);
                    assert_eq!(h.data_offset, (s.wavedesc() + DESCRIPTOR_LEN) as u64);
                    assert_eq!(h.lengths.wave_array_1 as usize, s.raw.len() * s.size());
                    assert_eq!(
                        (h.instrument_name.as_str(), h.instrument_number),
                        ("LECROYSYNTH", 4321)
                    );
                    assert_eq!(
                        (
                            h.trace_label.as_str(),
                            h.vertunit.as_str(),
                            h.horunit.as_str()
                        ),
                        ("synthetic", "V", "S")
                    );
                    assert_eq!(
                        (h.vertical_gain, h.vertical_offset),
                        (f64::from(s.gain), f64::from(s.offset))
                    );
                    assert_eq!(
                        (h.horiz_offset, h.horiz_interval),
                        (HORIZ_OFFSET, f64::from(HORIZ_INTERVAL))
                    );
                    assert_eq!(h.last_valid_pnt as usize, s.raw.len() - 1);
                    assert_eq!(
                        (h.max_value, h.min_value, h.nominal_bits),
                        (32512.0, -32768.0, 8)
                    );
                    assert_eq!(
                        h.trigger_time,
                        TrcTimeStamp {
                            seconds: 12.5,
                            minutes: 59,
                            hours: 23,
                            days: 31,
                            months: 12,
                            year: 2024
                        }
                    );
                    assert_eq!(
                        (
                            h.acq_duration,
                            h.probe_att,
                            h.vertical_vernier,
                            h.acq_vert_offset
                        ),
                        (0.5, 10.0, 1.0, f64::from(s.offset))
                    );
                    assert_eq!(h.timebase_name().as_deref(), Some("external"));
                    assert_eq!(h.fixed_vert_gain_name().as_deref(), Some("5_V/div"));
                    assert_eq!(
                        (
                            h.vert_coupling_name(),
                            h.wave_source_name(),
                            h.bandwidth_limit
                        ),
                        (Some("DC_1MOhm"), Some("UNKNOWN"), 1)
                    );
                    assert_eq!(h.time_of(7), HORIZ_OFFSET + 7.0 * f64::from(HORIZ_INTERVAL));
                }
                assert_chunk_invariant(Machine::default, &bytes, 8);
            }
        }
    }
}

#[test]
fn a_remote_command_echo_may_precede_the_block_header() {
    let s = Synth {
        prefix: Some(b"C1:WF ALL,"),
        block_header: true,
        ..Synth::default()
    };
    let bytes = s.bytes();
    let (h, volts) = read(&bytes, 5).unwrap();
    assert_eq!(
        (h.wavedesc_offset, h.block_header_len),
        (21, Some(bytes.len() as u64 - 21))
    );
    assert_eq!(volts, s.volts());
    // Something before WAVEDESC that is not a block header is allowed, but not counted.
    let s = Synth {
        prefix: Some(b"#A\x00\x01"),
        ..Synth::default()
    };
    let (h, _) = read(&s.bytes(), 5).unwrap();
    assert_eq!((h.wavedesc_offset, h.block_header_len), (4, None));
}

#[test]
fn sequence_segments_have_their_own_triggers() {
    let triggers = vec![(0.0, -1e-8), (0.25, -1.5e-8), (0.75, -0.5e-8)];
    let s = Synth {
        big: true,
        int8: true,
        raw: (0..12).collect(),
        segments: 3,
        triggers: triggers.clone(),
        ..Synth::default()
    };
    let bytes = s.bytes();
    let (h, volts) = read(&bytes, 3).unwrap();
    assert_eq!(volts, s.volts());
    assert_eq!(
        (h.segments, h.points_per_segment, h.nom_subarray_count),
        (3, 4, 3)
    );
    let got: Vec<(f64, f64)> = h
        .triggers
        .iter()
        .map(|t| (t.trigger_time, t.trigger_offset))
        .collect();
    assert_eq!(got, triggers);
    let dt = f64::from(HORIZ_INTERVAL);
    assert_eq!(h.segment_of(5), Some((1, 1)));
    assert_eq!(h.time_of(5), -1.5e-8 + dt);
    assert_eq!(h.time_since_first_trigger(5), 0.25 + (-1.5e-8 + dt));
    assert_eq!(h.time_of(11), -0.5e-8 + 3.0 * dt);
    // Past the end: the last segment continues.
    assert_eq!(h.segment_of(12), None);
    assert_eq!(h.time_of(13), -0.5e-8 + 5.0 * dt);
    assert_chunk_invariant(Machine::default, &bytes, 16);
    // Without a trigger-time array every segment falls back to HORIZ_OFFSET.
    let s = Synth {
        triggers: Vec::new(),
        ..s
    };
    let (h, _) = read(&s.bytes(), 64).unwrap();
    assert!(h.triggers.is_empty());
    assert_eq!(h.time_of(5), HORIZ_OFFSET + dt);
    assert_eq!(h.time_since_first_trigger(5), HORIZ_OFFSET + dt);
}

#[test]
fn optional_blocks_are_skipped_or_kept() {
    let s = Synth {
        block_header: true,
        user_text: b"a note of 37 bytes from the operator.".to_vec(),
        extra_descriptor: 10,
        ris: vec![1e-10, 2e-10, 3e-10],
        wave_array_2: vec![0xAA; 9],
        trailing: b"\n".to_vec(),
        ..Synth::default()
    };
    let bytes = s.bytes();
    let mut m = Machine::default();
    for c in bytes.chunks(11) {
        m.push(c).unwrap();
    }
    assert_eq!(m.reader.trailing_bytes(), 1);
    let (h, volts) = m.finish().unwrap();
    assert_eq!(volts, s.volts());
    assert_eq!(h.ris_offsets, s.ris);
    assert_eq!(
        (
            h.lengths.wave_descriptor,
            h.lengths.user_text,
            h.lengths.wave_array_2
        ),
        (356, 37, 9)
    );
    assert_eq!(h.data_offset, 11 + 356 + 37 + 24);
    h.check_file_len(bytes.len() as u64).unwrap();
    // WAVE_ARRAY_2 is part of the file: cutting into it is a truncation.
    let cut = bytes.len() as u64 - 3;
    let e = h.check_file_len(cut).unwrap_err();
    assert!(
        matches!(&e, Error::Truncated { offset, expected } if *offset == cut && expected.contains("WAVE_ARRAY_2 block (9 bytes")),
        "{e}"
    );
    assert!(
        matches!(err(&bytes[..cut as usize]), Error::Truncated { offset, .. } if offset == cut)
    );
    assert_chunk_invariant(Machine::default, &bytes, 16);
}

#[test]
fn empty_and_foreign_inputs_name_the_descriptor() {
    let want = |offset| Error::Truncated {
        offset,
        expected: "the descriptor name WAVEDESC that starts a LeCroy .trc file".to_string(),
    };
    assert_eq!(err(b""), want(0));
    assert_eq!(TrcHeader::parse(b""), Err(want(0)));
    assert_eq!(err(b"#9000000346WAVE"), want(15));
    let junk = crate::testkit::npy_bytes("<f8", &[100], false, 1, &[0.0; 100]);
    let e = err(&junk);
    assert!(matches!(e, Error::Malformed { offset: 0, .. }), "{e}");
    assert!(e.to_string().starts_with("at byte 0: expected the descriptor name WAVEDESC within the first 64 bytes, found \"\\x93NUMPY"), "{e}");
    // WAVEDESC starting at byte 64 is the last place accepted.
    let mut late = vec![b' '; 64];
    late.extend_from_slice(&Synth::default().bytes());
    assert_eq!(read(&late, 9).unwrap().0.wavedesc_offset, 64);
    late.insert(0, b' ');
    assert!(matches!(err(&late), Error::Malformed { offset: 0, .. }));
}

#[test]
fn truncated_descriptor_and_data_name_the_offsets() {
    let s = Synth {
        block_header: true,
        ..Synth::default()
    };
    let bytes = s.bytes();
    let e = err(&bytes[..111]);
    assert_eq!(
        e,
        Error::Truncated {
            offset: 111,
            expected: "the 346-byte WAVEDESC descriptor from byte 11".to_string()
        }
    );
    assert_eq!(TrcHeader::parse(&bytes[..111]), Err(e));
    let cut = bytes.len() - 5;
    assert_eq!(
        err(&bytes[..cut]),
        Error::Truncated {
            offset: cut as u64,
            expected:
                "WAVE_ARRAY_1 (300 samples of int16, 600 bytes) from byte 357 (got 297 samples)"
                    .to_string()
        }
    );
}

/// Overwrite a descriptor field of a synthetic file.
fn patch(s: &Synth, at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut b = s.bytes();
    let base = s.wavedesc();
    b[base + at..base + at + bytes.len()].copy_from_slice(bytes);
    b
}

#[test]
fn hostile_descriptors_fail_at_the_field() {
    let s = Synth {
        block_header: true,
        ..Synth::default()
    };
    let wd = 11u64;
    let cases: Vec<(usize, Vec<u8>, &str)> = vec![
        (34, vec![2, 0], "Malformed"),                     // COMM_ORDER 2
        (34, vec![0, 1], "Malformed"),                     // 1 written big-endian
        (32, vec![2, 0], "Unsupported"),                   // COMM_TYPE 2
        (16, b"LECROY_1_0\0".to_vec(), "Unsupported"),     // the older 320-byte layout
        (36, 320i32.to_le_bytes().to_vec(), "Malformed"),  // WAVE_DESCRIPTOR too short
        (40, (-1i32).to_le_bytes().to_vec(), "Malformed"), // USER_TEXT negative
        (48, 17i32.to_le_bytes().to_vec(), "Malformed"),   // TRIGTIME not 16 * n
        (
            48,
            ((MAX_TRIGTIME_LEN + 16) as i32).to_le_bytes().to_vec(),
            "Limit",
        ),
        (52, 12i32.to_le_bytes().to_vec(), "Malformed"), // RIS_TIME not 8 * n
        (60, 601i32.to_le_bytes().to_vec(), "Malformed"), // WAVE_ARRAY_1 != count * 2
        (116, (-5i32).to_le_bytes().to_vec(), "Malformed"), // WAVE_ARRAY_COUNT negative
        (144, 7i32.to_le_bytes().to_vec(), "Malformed"), // 300 samples in 7 segments
        (144, (-1i32).to_le_bytes().to_vec(), "Malformed"), // SUBARRAY_COUNT negative
    ];
    for (at, value, kind) in cases {
        let bytes = patch(&s, at, &value);
        let want = wd + at as u64;
        for e in [err(&bytes), TrcHeader::parse(&bytes).unwrap_err()] {
            let (got, name) = match &e {
                Error::Malformed { offset, .. } => (*offset, "Malformed"),
                Error::Unsupported { offset, .. } => (*offset, "Unsupported"),
                Error::Limit { offset, .. } => (*offset, "Limit"),
                _ => (u64::MAX, "other"),
            };
            assert_eq!((got, name), (want, kind), "field at {at}: {e}");
        }
    }
    let e = TrcHeader::parse(&patch(&s, 32, &[2, 0])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at byte 43: unsupported COMM_TYPE 2 (supported: 0 = int8, 1 = int16 samples)"
    );
    let e = TrcHeader::parse(&patch(&s, 34, &[2, 0])).unwrap_err();
    assert_eq!(e.to_string(), "at byte 45: expected COMM_ORDER 0 (HIFIRST, big-endian) or 1 (LOFIRST, little-endian), found the bytes 0x02 0x00");
}

#[test]
fn lying_lengths_fail_without_allocating() {
    // WAVE_ARRAY_1 claims a billion samples (consistently with WAVE_ARRAY_COUNT); 300 are there.
    let s = Synth::default();
    let mut bytes = patch(&s, 116, &1_000_000_000i32.to_le_bytes());
    bytes[60..64].copy_from_slice(&2_000_000_000i32.to_le_bytes());
    let h = TrcHeader::parse(&bytes).unwrap();
    assert_eq!(
        h.layout(),
        Layout {
            channels: 1,
            samples: 1_000_000_000
        }
    );
    let len = bytes.len() as u64;
    let want = Error::Truncated {
        offset: len,
        expected: "WAVE_ARRAY_1 (1000000000 samples of int16, 2000000000 bytes) from byte 346"
            .to_string(),
    };
    assert_eq!(h.check_file_len(len), Err(want));
    let e = err(&bytes);
    assert!(
        matches!(&e, Error::Truncated { offset, expected } if *offset == len && expected.ends_with("(got 300 samples)")),
        "{e}"
    );
    // A TRIGTIME_ARRAY of the largest size accepted: entries are kept only as bytes arrive.
    let mut bytes = s.bytes();
    bytes[48..52].copy_from_slice(&(MAX_TRIGTIME_LEN as i32).to_le_bytes());
    let mut m = Machine::default();
    m.push(&bytes).unwrap();
    let h = m.reader.header().unwrap();
    assert_eq!(h.triggers.len(), 600 / 16);
    assert!(h.triggers.capacity() <= 64, "{}", h.triggers.capacity());
    assert!(
        m.reader.scratch.is_empty(),
        "no sample buffer before the samples"
    );
    let e = m.finish().unwrap_err();
    assert!(
        e.to_string()
            .contains("TRIGTIME_ARRAY block (16777216 bytes from byte 346)"),
        "{e}"
    );
    // Lengths whose sum overflows 32 bits: offsets are computed in 64 bits.
    let mut bytes = s.bytes();
    for at in [40, 44, 56] {
        bytes[at..at + 4].copy_from_slice(&i32::MAX.to_le_bytes());
    }
    let h = TrcHeader::parse(&bytes).unwrap();
    assert_eq!(h.data_offset, 346 + 3 * i32::MAX as u64);
    let e = h.check_file_len(bytes.len() as u64).unwrap_err();
    assert!(
        e.to_string()
            .contains("the USER_TEXT block (2147483647 bytes from byte 346)"),
        "{e}"
    );
    assert!(e.to_string().contains("from byte 6442451287"), "{e}");
    assert!(matches!(err(&bytes), Error::Truncated { offset, .. } if offset == bytes.len() as u64));
}

#[test]
fn sink_errors_stop_the_reader() {
    struct Refuse;
    impl BlockSink for Refuse {
        fn begin(&mut self, _: Layout) -> Result<()> {
            Ok(())
        }
        fn block(&mut self, _: Block<'_>) -> Result<()> {
            Err(Error::Config("enough".into()))
        }
    }
    let mut r = TrcReader::new();
    let e = r.push(&Synth::default().bytes(), &mut Refuse).unwrap_err();
    assert_eq!(e, Error::Config("enough".into()));
}

#[test]
fn enum_names_follow_the_template() {
    let mut h = TrcHeader::parse(&Synth::default().bytes()).unwrap();
    for (t, name) in [
        (0, "1_ps/div"),
        (14, "50_ns/div"),
        (16, "200_ns/div"),
        (36, "1_s/div"),
        (47, "5_ks/div"),
    ] {
        h.timebase = t;
        assert_eq!(h.timebase_name().as_deref(), Some(name));
    }
    h.timebase = 48;
    assert_eq!(h.timebase_name(), None);
    for (g, name) in [
        (0, "1_uV/div"),
        (9, "1_mV/div"),
        (18, "1_V/div"),
        (26, "500_V/div"),
    ] {
        h.fixed_vert_gain = g;
        assert_eq!(h.fixed_vert_gain_name().as_deref(), Some(name));
    }
    h.record_type = 9;
    assert_eq!(h.record_type_name(), Some("peak_detect"));
    h.record_type = 10;
    assert_eq!(h.record_type_name(), None);
}
