use alloc::string::{String, ToString};
use alloc::vec::Vec;
use alloc::{format, vec};

use super::*;
use crate::testkit::{assert_chunk_invariant, Collect};
use crate::Push;

/// The reader and its sink as one [`Push`] machine, for the chunk-invariance checker.
struct Machine {
    reader: CsvReader,
    sink: Collect,
}

impl Machine {
    fn new() -> Self {
        Machine {
            reader: CsvReader::new(),
            sink: Collect::with_max_block(BLOCK_ROWS),
        }
    }
}

impl Push<u8> for Machine {
    type Output = (CsvHeader, Option<Layout>, Vec<Vec<f64>>);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.sink)
    }
    fn finish(mut self) -> Result<Self::Output> {
        let header = self.reader.finish(&mut self.sink)?;
        Ok((header, self.sink.layout, self.sink.channels))
    }
}

fn read_chunked(bytes: &[u8], chunk: usize) -> Result<(CsvHeader, Vec<Vec<f64>>)> {
    let mut m = Machine::new();
    for c in bytes.chunks(chunk.max(1)) {
        m.push(c)?;
    }
    let (h, layout, channels) = m.finish()?;
    let layout = layout.expect("begin was called");
    assert_eq!(layout.channels, h.channels.len());
    assert!(layout.samples == h.rows.unwrap() || layout.samples == UNKNOWN_SAMPLES);
    Ok((h, channels))
}

fn read(text: &str) -> (CsvHeader, Vec<Vec<f64>>) {
    read_chunked(text.as_bytes(), usize::MAX).unwrap()
}

fn err(bytes: &[u8]) -> Error {
    let whole = read_chunked(bytes, usize::MAX).expect_err("must fail");
    let ones = read_chunked(bytes, 1).expect_err("must fail");
    assert_eq!(whole, ones, "errors must not depend on the chunking");
    whole
}

fn names(h: &CsvHeader) -> Vec<(&str, &str)> {
    h.channels
        .iter()
        .map(|c| (c.name.as_str(), c.unit.as_str()))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

// ---------------------------------------------------------------------------------------
// Vendor layouts. Each fixture is written after the real layout; where it was learned is
// in the comment above it.
// ---------------------------------------------------------------------------------------

/// Tektronix MSO 4/5/6 "Save waveform" CSV: `key,value` metadata, a `Labels` row, then
/// `TIME,CH1…`; CRLF. Learned from Tektronix's own `tm_data_types` writer
/// (github.com/tektronix/tm_data_types, src/tm_data_types/files_and_formats/csv/csv.py:
/// Model / Waveform Type / Zero Index / Sample Interval / Record Length / Horizontal Units /
/// Vertical Units / blank / `Labels,` / `TIME,CH1`, values `%10.8e`) and from readers that
/// recognise such files by a first line `Model,MSO46` and a header of 12+ lines.
const TEK_MSO: &str = "Model,MSO46\r\n\
Firmware Version,1.38.4\r\n\
\r\n\
Waveform Type,ANALOG,ANALOG\r\n\
Point Format,Y,Y\r\n\
Horizontal Units,s,s\r\n\
Sample Interval,4e-10,4e-10\r\n\
Record Length,5,5\r\n\
Gating,0.0% to 100.0%,0.0% to 100.0%\r\n\
Vertical Units,V,A\r\n\
,\r\n\
Labels,,\r\n\
TIME,CH1,CH2\r\n\
-8.00000000e-10,1.20000000e-02,5.0e-01\r\n\
-4.00000000e-10,2.40000000e-02,5.1e-01\r\n\
0.00000000e+00,-1.00000000e-02,5.2e-01\r\n\
4.00000000e-10,5.00000000e-01,5.3e-01\r\n\
8.00000000e-10,1.00000000e+00,5.4e-01\r\n";

#[test]
fn tektronix_mso() {
    let (h, ch) = read(TEK_MSO);
    assert_eq!(h.style, CsvStyle::Header);
    assert_eq!(names(&h), [("CH1", "V"), ("CH2", "A")]);
    assert_eq!(ch[0], [0.012, 0.024, -0.01, 0.5, 1.0]);
    assert_eq!(ch[1], [0.5, 0.51, 0.52, 0.53, 0.54]);
    assert_eq!(h.meta("Model"), Some("MSO46"));
    assert_eq!(h.meta("Waveform Type"), Some("ANALOG,ANALOG"));
    assert_eq!(h.meta("Labels"), Some(""));
    assert_eq!(
        (h.header_line, h.units_line, h.data_line),
        (Some(13), None, 14)
    );
    let t = h.time.as_ref().unwrap();
    assert_eq!(
        (t.name.as_str(), t.unit.as_str(), t.seconds_per_unit),
        ("TIME", "s", Some(1.0))
    );
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.interval, 4e-10) && close(timing.start, -8e-10));
    assert!(close(h.sample_rate().unwrap(), 2.5e9));
    assert_eq!(h.rows, Some(5));
}

/// Older Tektronix (TDS1000/2000 "Spreadsheet" CSV): no header; six columns per channel,
/// `key,value,unit,time,value,`, the first three holding the metadata on the first 18 rows.
/// Learned from readers that take `graph_line[0]`/`[1]` as key/value and `[3]`/`[4]` as
/// time/value in groups of six (`readTekFile`, `ELEM_PER_GRAPH = 6`), and from writers that
/// re-create the layout (Record Length, Sample Interval, Trigger Point, three empty keys,
/// Source, Vertical Units … Firmware Version; values printed with leading spaces).
const TEK_TDS: &str = "Record Length,2.000000e+01,,  -0.000001000000,  +0.00000,\r
Sample Interval,1.000000e-07,,  -0.000000900000,  +0.04000,\r
Trigger Point,1.000000000000e+01,,  -0.000000800000,  +0.08000,\r
,,,  -0.000000700000,  +0.12000,\r
,,,  -0.000000600000,  +0.16000,\r
,,,  -0.000000500000,  +0.20000,\r
Source,CH1,,  -0.000000400000,  +0.24000,\r
Vertical Units,V,,  -0.000000300000,  +0.28000,\r
Vertical Scale,2.000000e-01,,  -0.000000200000,  +0.32000,\r
Vertical Offset,0.000000e+00,,  -0.000000100000,  +0.36000,\r
Horizontal Units,s,,  +0.000000000000,  +0.40000,\r
Horizontal Scale,2.500000e-07,,  +0.000000100000,  +0.44000,\r
Pt Fmt,Y,,  +0.000000200000,  +0.48000,\r
Yzero,0.000000e+00,,  +0.000000300000,  +0.52000,\r
Probe Atten,1.000000e+01,,  +0.000000400000,  +0.56000,\r
Model Number,TDS2024B,,  +0.000000500000,  +0.60000,\r
Serial Number,C012345,,  +0.000000600000,  +0.64000,\r
Firmware Version,FV:v22.11,,  +0.000000700000,  +0.68000,\r
,,,  +0.000000800000,  +0.72000,\r
,,,  +0.000000900000,  +0.76000,\r
";

#[test]
fn tektronix_tds_columns() {
    let (h, ch) = read(TEK_TDS);
    assert_eq!(h.style, CsvStyle::TektronixColumns);
    assert_eq!(names(&h), [("CH1", "V")]);
    let expected: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.04).collect();
    assert!(ch[0]
        .iter()
        .zip(&expected)
        .all(|(a, b)| close(*a, *b) || *b == 0.0));
    assert_eq!(ch[0].len(), 20);
    assert_eq!(h.meta("Record Length"), Some("2.000000e+01"));
    assert_eq!(h.meta("Model Number"), Some("TDS2024B"));
    assert_eq!(h.meta("Firmware Version"), Some("FV:v22.11"));
    assert_eq!(h.metadata.len(), 15);
    assert_eq!((h.header_line, h.data_line, h.data_offset), (None, 1, 0));
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.column, t.unit.as_str()), (3, "s"));
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular, "{timing:?}");
    assert!(close(timing.interval, 1e-7) && close(h.sample_rate().unwrap(), 1e7));
}

#[test]
fn tektronix_tds_two_channels_side_by_side() {
    let text =
        "Record Length,3.000000e+00,,-1.0e-06,0.1,,Record Length,3.000000e+00,,-1.0e-06,1.5,\n\
                Source,CH1,,0.0e+00,0.2,,Source,CH2,,0.0e+00,1.6,\n\
                Vertical Units,V,,1.0e-06,0.3,,Vertical Units,mV,,1.0e-06,1.7,\n";
    let (h, ch) = read(text);
    assert_eq!(names(&h), [("CH1", "V"), ("CH2", "mV")]);
    assert_eq!(ch, [vec![0.1, 0.2, 0.3], vec![1.5, 1.6, 1.7]]);
    assert_eq!(h.metadata.len(), 6);
}

/// Rigol DS1000Z / MSO1000Z: `X,CH1,CH2,Start,Increment,` then a units row whose last two
/// cells are the start time and the interval; `X` counts samples; every row ends with a
/// comma. From the sample file Tests/rigol2spiceTests/SampleFiles/Legacy.csv of
/// github.com/RuiNelson/rigol2spice (and readers that check `X,CH1,CH2,Start,Increment`).
const RIGOL_DS1000Z: &str = "X,CH1,CH2,Start,Increment,\n\
Sequence,Volt,Volt,-1.200000e-03,2.000000e-06\n\
0,4.00e-02,7.60e-03,\n\
1,-4.00e-02,-4.00e-04,\n\
2,-4.00e-02,0.00e+00,\n\
3,6.00e-02,6.40e-03,\n";

#[test]
fn rigol_start_and_increment() {
    let (h, ch) = read(RIGOL_DS1000Z);
    assert_eq!(h.style, CsvStyle::Rigol);
    assert_eq!(names(&h), [("CH1", "Volt"), ("CH2", "Volt")]);
    assert_eq!(ch[0], [0.04, -0.04, -0.04, 0.06]);
    assert_eq!(ch[1], [0.0076, -0.0004, 0.0, 0.0064]);
    assert_eq!(h.meta("Start"), Some("-1.200000e-03"));
    assert_eq!(h.meta("Increment"), Some("2.000000e-06"));
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.name.as_str(), t.unit.as_str()), ("X", "Sequence"));
    assert_eq!((t.seconds_per_unit, t.offset), (Some(2e-6), -1.2e-3));
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.start, -1.2e-3) && close(timing.interval, 2e-6));
    assert!(close(h.sample_rate().unwrap(), 5e5));
    assert_eq!((h.header_line, h.units_line), (Some(1), Some(2)));
}

/// Rigol DHO800/900 ("Centaurus"): `Time(s),CH4V`, the unit glued to the channel name.
/// From Tests/rigol2spiceTests/SampleFiles/Centaurus.csv of github.com/RuiNelson/rigol2spice
/// (note the 7.632783e-17 where 0 was meant).
const RIGOL_DHO: &str = "Time(s),CH4V\n\
-2.000000e-03,-5.333333e-03\n\
-1.000000e-03,4.301200e+00\n\
7.632783e-17,4.162267e+00\n\
1.000000e-03,4.146800e+00\n";

#[test]
fn rigol_dho_glued_units() {
    let (h, ch) = read(RIGOL_DHO);
    assert_eq!(names(&h), [("CH4", "V")]);
    assert_eq!(ch[0], [-5.333333e-3, 4.3012, 4.162267, 4.1468]);
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.name.as_str(), t.unit.as_str()), ("Time", "s"));
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.interval, 1e-3), "{timing:?}");
}

/// Keysight/Agilent InfiniiVision: `x-axis,1,2` then `second,Volt,Volt`; the first rows may
/// lack channel values. From readers of InfiniiVision exports ("Keysight: 2 header rows",
/// `x-axis,1,2,3,4` / `second,Volt,Volt,Volt,Volt`, `-84.48E-06,0.0E+00,…`, "anfangs leer").
const KEYSIGHT: &str = "x-axis,1,2\n\
second,Volt,Volt\n\
-1.000000E-03,,\n\
-995.000E-06,-80.402009E-03,+1.206030E-03\n\
-990.000E-06,+0.0E+00,-402.010E-06\n\
-985.000E-06,+40.201005E-03,+804.020E-06\n";

#[test]
fn keysight_units_row_and_empty_cells() {
    let (h, ch) = read(KEYSIGHT);
    assert_eq!(names(&h), [("1", "Volt"), ("2", "Volt")]);
    assert!(ch[0][0].is_nan() && ch[1][0].is_nan());
    assert_eq!(ch[0][1..], [-80.402009e-3, 0.0, 40.201005e-3]);
    assert_eq!(ch[1][1..], [1.20603e-3, -402.010e-6, 804.020e-6]);
    let t = h.time.as_ref().unwrap();
    assert_eq!(
        (t.name.as_str(), t.unit.as_str(), t.seconds_per_unit),
        ("x-axis", "second", Some(1.0))
    );
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.interval, 5e-6));
    assert_eq!(h.units_line, Some(2));
}

/// Saleae Logic 2 digital export: `Time [s],Channel 0,…`, one row per transition, so the
/// sampling is irregular. From a write-up of a Logic 2 "Export Data → CSV"
/// (`Time [s],Channel 0,…,Channel 7`, `0.695667880,0,0,0,1,…`), libsigrok's saleae input
/// (FMT_LOGIC2_DIGITAL) and test helpers that write minimal Saleae digital CSVs.
const SALEAE_DIGITAL: &str = "Time [s],Channel 0,Channel 1,Channel 2,Channel 3\n\
0.000000000,0,0,0,0\n\
0.695667880,0,0,0,1\n\
0.695672280,0,1,0,1\n\
0.695680200,1,1,0,1\n\
1.696727760,1,0,0,1\n";

#[test]
fn saleae_digital_is_irregular() {
    let (h, ch) = read(SALEAE_DIGITAL);
    assert_eq!(names(&h)[0], ("Channel 0", ""));
    assert_eq!(ch.len(), 4);
    assert_eq!(ch[1], [0.0, 0.0, 1.0, 1.0, 0.0]);
    assert_eq!(ch[3], [0.0, 1.0, 1.0, 1.0, 1.0]);
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.name.as_str(), t.unit.as_str()), ("Time", "s"));
    let timing = h.timing.as_ref().unwrap();
    assert!(!timing.regular && timing.max_deviation > 1.0);
    assert!(close(timing.resolution, 1e-9));
}

/// Saleae Logic 2 analog export: same header, one row per sample.
const SALEAE_ANALOG: &str = "Time [s],Channel 0,Channel 1\n\
0.000000000,3.301,0.012\n\
0.000001000,3.297,0.010\n\
0.000002000,3.305,1.650\n\
0.000003000,3.299,3.288\n";

#[test]
fn saleae_analog_is_regular() {
    let (h, ch) = read(SALEAE_ANALOG);
    assert_eq!(ch[1], [0.012, 0.010, 1.650, 3.288]);
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.sample_rate, 1e6));
}

/// sigrok-cli `-O csv` with its defaults (libsigrok src/output/csv.c: `;` comments, then a
/// label row of *units* — the time column named after its unit, `logic` for logic channels,
/// the unit for analog ones — and sample times counted from one period).
const SIGROK_UNITS: &str = "; CSV generated by libsigrok 0.5.2\n\
; from Demo device on Tue Mar  5 10:00:00 2024\n\
; Channels (3/13): D0, D1, A0\n\
; Samplerate: 1 MHz\n\
microseconds,logic,logic,V\n\
1,1,0,0.5\n\
2,0,0,0.25\n\
3,1,1,-0.125\n";

#[test]
fn sigrok_default_labels() {
    let (h, ch) = read(SIGROK_UNITS);
    assert_eq!(names(&h), [("D0", "logic"), ("D1", "logic"), ("A0", "V")]);
    assert_eq!(
        ch,
        [
            vec![1.0, 0.0, 1.0],
            vec![0.0, 0.0, 1.0],
            vec![0.5, 0.25, -0.125]
        ]
    );
    assert_eq!(h.comments.len(), 4);
    assert_eq!(h.meta("Samplerate"), Some("1 MHz"));
    assert_eq!(h.sample_rate(), Some(1e6));
    let t = h.time.as_ref().unwrap();
    assert_eq!(
        (t.unit.as_str(), t.seconds_per_unit),
        ("microseconds", Some(1e-6))
    );
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.interval, 1e-6) && close(timing.start, 1e-6));
}

/// sigrok-cli `-O csv:label=channel`: `Time,D0,D1`, the time still in 1000^-k seconds.
const SIGROK_CHANNELS: &str = "; CSV generated by libsigrok 0.5.2\n\
; Channels (2/16): D0, D1\n\
; Samplerate: 24 MHz\n\
Time,D0,D1\n\
41,1,0\n\
82,1,1\n\
123,0,1\n";

#[test]
fn sigrok_channel_labels_scale_the_time() {
    let (h, ch) = read(SIGROK_CHANNELS);
    assert_eq!(names(&h), [("D0", ""), ("D1", "")]);
    assert_eq!(ch[0], [1.0, 1.0, 0.0]);
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.unit.as_str(), t.seconds_per_unit), ("ns", Some(1e-9)));
    // sigrok truncates the period to whole nanoseconds: the stated rate is the exact one.
    assert_eq!(h.sample_rate(), Some(24e6));
    assert!(close(h.timing.as_ref().unwrap().interval, 41e-9));
}

/// PicoScope 6: `Time,Channel A,Channel B`, a units row `(ms),(V),(V)`, a blank line.
/// From readers and writers of PicoScope exports ("two header lines and a blank one",
/// `Time,Channel A,Channel B\n(ms),(A),(V)\n\n0.0,1.0,15.0`).
const PICO: &str = "Time,Channel A,Channel B\r\n(ms),(V),(mV)\r\n\r\n\
-0.10000058,4.82528200,-20.35585\r\n\
-0.09999958,4.80422400,-5.82904\r\n\
-0.09999858,4.81001300,1.00000\r\n";

#[test]
fn picoscope() {
    let (h, ch) = read(PICO);
    assert_eq!(names(&h), [("Channel A", "V"), ("Channel B", "mV")]);
    assert_eq!(ch[1], [-20.35585, -5.82904, 1.0]);
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.unit.as_str(), t.seconds_per_unit), ("ms", Some(1e-3)));
    let timing = h.timing.as_ref().unwrap();
    assert!(timing.regular && close(timing.interval, 1e-9), "{timing:?}");
    assert_eq!((h.units_line, h.data_line), (Some(2), 4));
}

/// PicoScope on a German system: `;` delimiter, decimal commas, `Zeit`. From a pandas
/// reader of such exports (`sep=";"`, `decimal=","`, "Zeit;Kanal A;Kanal B" and units).
const PICO_DE: &str = "Zeit;Kanal A;Kanal B\n(ms);(V);(V)\n\n\
-0,10000058;4,82528200;-0,02035585\n\
-0,09999958;4,80422400;-0,00582904\n";

#[test]
fn european_decimals() {
    let (h, ch) = read(PICO_DE);
    assert_eq!(h.delimiter, Delimiter::Semicolon);
    assert_eq!(names(&h), [("Kanal A", "V"), ("Kanal B", "V")]);
    assert_eq!(
        ch,
        [vec![4.825282, 4.804224], vec![-0.02035585, -0.00582904]]
    );
    assert_eq!(h.time.as_ref().unwrap().name, "Zeit");
    assert!(close(h.timing.as_ref().unwrap().interval, 1e-9));
}

/// numpy `savetxt(f, a)`: no header, space-delimited `%.18e`.
const NUMPY_DEFAULT: &str =
    "0.000000000000000000e+00 1.000000000000000000e+00 -2.500000000000000000e-01\n\
1.000000000000000000e+00 2.000000000000000000e+00 -5.000000000000000000e-01\n";

#[test]
fn numpy_savetxt_headerless() {
    let (h, ch) = read(NUMPY_DEFAULT);
    assert_eq!(
        (h.style, h.delimiter),
        (CsvStyle::Headerless, Delimiter::Whitespace)
    );
    assert_eq!(names(&h), [("col0", ""), ("col1", ""), ("col2", "")]);
    assert_eq!(ch, [vec![0.0, 1.0], vec![1.0, 2.0], vec![-0.25, -0.5]]);
    assert!(h.time.is_none() && h.timing.is_none() && h.sample_rate().is_none());
}

/// numpy `savetxt(f, a, delimiter=",", header="time,ch0,ch1")`: the header is a `# `
/// comment.
const NUMPY_HEADER: &str = "# time,ch0,ch1\n\
0.000000000000000000e+00,1.000000000000000000e+00,3.000000000000000000e+00\n\
5.000000000000000000e-01,2.000000000000000000e+00,4.000000000000000000e+00\n";

#[test]
fn numpy_comment_header() {
    let (h, ch) = read(NUMPY_HEADER);
    assert_eq!((h.style, h.header_line), (CsvStyle::Header, Some(1)));
    assert_eq!(names(&h), [("ch0", ""), ("ch1", "")]);
    assert_eq!(ch, [vec![1.0, 2.0], vec![3.0, 4.0]]);
    assert_eq!(h.sample_rate(), Some(2.0));
}

/// Spreadsheet-style text: BOM, tabs, quoted names with doubled quotes and a delimiter,
/// blank lines, trailing delimiters, a comment between rows.
const QUOTED_TSV: &str = "\u{feff}\"Time (s)\"\t\"Probe \"\"A\"\" (mV)\"\t\"Note, x\"\t\n\
\n\
0\t\"1,5\"\t2\t\n\
# a comment in the data\n\
0.5\t2,5\t\t\n";

#[test]
fn quotes_bom_tabs_blank_lines() {
    let (h, ch) = read(QUOTED_TSV);
    assert_eq!(h.delimiter, Delimiter::Tab);
    assert_eq!(names(&h), [("Probe \"A\"", "mV"), ("Note, x", "")]);
    assert_eq!(ch[0], [1.5, 2.5]);
    assert_eq!(ch[1][0], 2.0);
    assert!(ch[1][1].is_nan(), "an empty cell reads as NaN");
    assert_eq!((h.data_line, h.data_offset), (3, 45));
}

/// scopekit's own CSV writer (formats/write.rs): `time,ch0,…` with a sample rate, else
/// `sample,ch0,…`; NaN written as an empty cell.
#[test]
fn scopekit_writer_output_reads_back() {
    let (h, ch) = read("time,ch0,ch1\n0,1.5,\n0.001,2.5,3\n0.002,-1,4\n");
    assert_eq!(names(&h), [("ch0", ""), ("ch1", "")]);
    assert!(ch[1][0].is_nan() && ch[1][1..] == [3.0, 4.0]);
    assert!(close(h.sample_rate().unwrap(), 1000.0));
    let (h, ch) = read("sample,ch0\n0,1\n1,2\n2,3\n");
    assert_eq!(ch, [vec![1.0, 2.0, 3.0]]);
    let t = h.time.as_ref().unwrap();
    assert_eq!((t.name.as_str(), t.seconds_per_unit), ("sample", None));
    assert!(h.timing.as_ref().unwrap().regular && h.sample_rate().is_none());
}

/// pandas `DataFrame.to_csv()`: the index is an unnamed first column.
#[test]
fn pandas_index_column() {
    let (h, ch) = read(",a,b\n0,1.0,2.0\n1,3.0,4.0\n");
    assert_eq!(names(&h), [("a", ""), ("b", "")]);
    assert_eq!(ch, [vec![1.0, 3.0], vec![2.0, 4.0]]);
    assert_eq!(h.time.as_ref().unwrap().seconds_per_unit, None);
}

const FIXTURES: [&str; 14] = [
    TEK_MSO,
    TEK_TDS,
    RIGOL_DS1000Z,
    RIGOL_DHO,
    KEYSIGHT,
    SALEAE_DIGITAL,
    SALEAE_ANALOG,
    SIGROK_UNITS,
    SIGROK_CHANNELS,
    PICO,
    PICO_DE,
    NUMPY_DEFAULT,
    NUMPY_HEADER,
    QUOTED_TSV,
];

#[test]
fn every_fixture_is_chunk_invariant() {
    for f in FIXTURES {
        assert_chunk_invariant(Machine::new, f.as_bytes(), 32);
        // Without the last newline, and cut short.
        let bytes = f.trim_end().as_bytes();
        assert_chunk_invariant(Machine::new, bytes, 8);
        assert_chunk_invariant(Machine::new, &bytes[..bytes.len() / 2], 8);
    }
}

#[test]
fn header_parse_from_a_prefix() {
    let h = CsvHeader::parse(&TEK_MSO.as_bytes()[..TEK_MSO.len() - 20]).unwrap();
    assert_eq!(names(&h), [("CH1", "V"), ("CH2", "A")]);
    assert_eq!(h.rows, None);
    let (full, _) = read(TEK_MSO);
    assert_eq!((h.time, h.metadata), (full.time, full.metadata));
    assert!(CsvHeader::parse(b"Time,CH1\n").is_err());
}

// ---------------------------------------------------------------------------------------
// Blocks and the unknown length.
// ---------------------------------------------------------------------------------------

fn ramp(rows: usize, channels: usize) -> String {
    let mut s = String::from("t");
    for c in 0..channels {
        s += &format!(",c{c}");
    }
    s.push('\n');
    for r in 0..rows {
        s += &format!("{}", r as f64 * 1e-3);
        for c in 0..channels {
            s += &format!(",{}", (r * (c + 1)) as f64);
        }
        s.push('\n');
    }
    s
}

#[test]
fn long_files_emit_bounded_blocks_and_unknown_length() {
    let text = ramp(3 * BLOCK_ROWS + 17, 2);
    let mut m = Machine::new();
    m.push(text.as_bytes()).unwrap();
    assert!(
        m.reader.header().is_some(),
        "the header is known after the first block"
    );
    let (h, layout, ch) = m.finish().unwrap();
    assert_eq!(layout.unwrap().samples, UNKNOWN_SAMPLES);
    assert_eq!(h.rows, Some(3 * BLOCK_ROWS as u64 + 17));
    assert_eq!(h.layout().samples, 3 * BLOCK_ROWS as u64 + 17);
    assert_eq!(ch[1].len(), 3 * BLOCK_ROWS + 17);
    assert!(ch[1].iter().enumerate().all(|(i, v)| *v == (2 * i) as f64));
    let timing = h.timing.unwrap();
    assert!(
        timing.regular && close(timing.sample_rate, 1000.0),
        "{timing:?}"
    );
    // Short files: the length is known when `begin` comes.
    let (_, layout, _) = {
        let mut m = Machine::new();
        m.push(ramp(10, 1).as_bytes()).unwrap();
        m.finish().unwrap()
    };
    assert_eq!(layout.unwrap().samples, 10);
}

#[test]
fn long_files_are_chunk_invariant() {
    let text = ramp(BLOCK_ROWS + 100, 3);
    assert_chunk_invariant(Machine::new, text.as_bytes(), 4);
}

#[test]
fn wide_files_use_shorter_blocks() {
    let text = ramp(300, 2000);
    let (h, ch) = read(&text);
    assert_eq!(h.channels.len(), 2000);
    assert_eq!(ch[1999][299], (299 * 2000) as f64);
}

#[test]
fn a_gap_makes_sampling_irregular() {
    let mut text = ramp(50, 1);
    text = text.replace("\n0.025,", "\n0.0252,");
    let (h, _) = read(&text);
    let timing = h.timing.unwrap();
    assert!(!timing.regular && timing.max_deviation > 0.05, "{timing:?}");
    let (h, _) = read("t,a\n0,1\n1,2\n3,3\n4,4\n");
    assert!(
        !h.timing.unwrap().regular,
        "a missing integer sample is irregular"
    );
    let (h, _) = read("t,a\n0,1\n,2\n2,3\n");
    let timing = h.timing.unwrap();
    assert_eq!((timing.regular, timing.missing), (false, 1));
}

// ---------------------------------------------------------------------------------------
// Errors: line numbers in the text, absolute byte offsets.
// ---------------------------------------------------------------------------------------

#[test]
fn ragged_rows() {
    let e = err(b"Time,CH1,CH2\n0,1,2\n1,2\n");
    assert_eq!(
        e,
        Error::Malformed {
            offset: 19,
            expected: "3 fields on line 3, as in the header on line 1".to_string(),
            found: "2 fields".to_string(),
        }
    );
    let e = err(b"Time,CH1\r\n0,1\r\n1,2,3\r\n");
    assert_eq!(
        e,
        Error::Malformed {
            offset: 19,
            expected: "2 fields on line 3, as in the header on line 1".to_string(),
            found: "3 fields".to_string(),
        }
    );
    let e = err(b"1,2\n3,4,5\n");
    assert!(matches!(&e, Error::Malformed { offset: 8, expected, .. }
        if expected == "2 fields on line 2, as in the first data row (line 1)"));
}

#[test]
fn non_numeric_cells() {
    let e = err(b"Time,CH1\n0,1\n1, abc\n");
    assert_eq!(
        e,
        Error::Malformed {
            offset: 16,
            expected: "a number in column 2 (\"CH1\") on line 3".to_string(),
            found: "\"abc\"".to_string(),
        }
    );
    let e = err(b"Time,CH1\n0,1\n1,\"2\n");
    assert_eq!(
        e,
        Error::Malformed {
            offset: 15,
            expected: "a closing quote on line 3".to_string(),
            found: "\"\\\"\"".to_string(),
        }
    );
}

#[test]
fn headerless_files_are_accepted() {
    let (h, ch) = read("1,2\n3,4\n");
    assert_eq!((h.style, h.header_line), (CsvStyle::Headerless, None));
    assert_eq!(names(&h), [("col0", ""), ("col1", "")]);
    assert_eq!(ch, [vec![1.0, 3.0], vec![2.0, 4.0]]);
}

#[test]
fn binary_garbage() {
    assert_eq!(
        err(b"Time,CH1\n0,1\n\x00\x01\x02"),
        Error::Malformed {
            offset: 13,
            expected: "text on line 3".to_string(),
            found: "a NUL byte (binary data)".to_string(),
        }
    );
    assert_eq!(
        err(b"\x89PNG\r\n\x1a\n\x00"),
        Error::Malformed {
            offset: 0,
            expected: "UTF-8 text on line 1".to_string(),
            found: "byte 0x89".to_string(),
        }
    );
    assert!(matches!(
        err(b"\xFF\xFET\x00i\x00m\x00e\x00"),
        Error::Unsupported { offset: 0, .. }
    ));
}

#[test]
fn empty_and_numberless_inputs() {
    assert_eq!(
        err(b""),
        Error::Truncated {
            offset: 0,
            expected: "CSV text (the input is empty)".to_string(),
        }
    );
    assert_eq!(
        err(b"Model,MSO46\nTIME,CH1\n"),
        Error::Truncated {
            offset: 21,
            expected: "a row of numbers (none in 2 lines)".to_string(),
        }
    );
    assert!(matches!(
        err(b"\n\r\n  \n"),
        Error::Truncated { offset: 6, .. }
    ));
}

#[test]
fn limits() {
    let long = vec![b'a'; MAX_LINE + 1];
    let mut text = b"t,a\n0,1\n".to_vec();
    text.extend_from_slice(&long);
    let e = read_chunked(&text, usize::MAX).unwrap_err();
    assert_eq!(
        e,
        Error::Limit {
            offset: 8,
            what: "the length of line 3".to_string(),
            limit: MAX_LINE as u64,
        }
    );
    assert_eq!(read_chunked(&text, 4096).unwrap_err(), e);
    let mut text = String::new();
    while text.len() <= 2 * MAX_PREAMBLE {
        text += "Some Key,some fairly long value to fill the preamble\n";
    }
    assert!(matches!(
        read_chunked(text.as_bytes(), 65536).unwrap_err(),
        Error::Limit { limit, .. } if limit == MAX_PREAMBLE as u64
    ));
    let wide: String = (0..=MAX_CHANNELS).map(|_| "1,").collect::<String>() + "1\n";
    assert!(matches!(
        read_chunked(wide.as_bytes(), usize::MAX).unwrap_err(),
        Error::Limit { .. }
    ));
}

#[test]
fn errors_are_chunk_invariant() {
    let cases: [&[u8]; 6] = [
        b"Time,CH1,CH2\n0,1,2\n1,2\n",
        b"Time,CH1\n0,1\n1, abc\n",
        b"Time,CH1\n0,1\n\x00\x01\x02",
        b"\x89PNG\r\n\x1a\n\x00",
        b"Time,\"CH1\n",
        b"a\xC3",
    ];
    for c in cases {
        assert_chunk_invariant(Machine::new, c, 16);
    }
}

// ---------------------------------------------------------------------------------------
// Differential check against a naive whole-string parse.
// ---------------------------------------------------------------------------------------

/// xorshift64*, fixed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn value(&mut self) -> f64 {
        let mantissa = (self.next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let scale = [1e-9, 1e-3, 1.0, 1e3, 1e12][self.below(5) as usize];
        match self.below(4) {
            0 => (mantissa * 2000.0).round(),
            _ => mantissa * scale,
        }
    }
}

struct Generated {
    text: String,
    delim: char,
    header: bool,
    time: bool,
}

fn generate(rng: &mut Rng) -> Generated {
    let delim = [',', ';', '\t', ' '][rng.below(4) as usize];
    let cols = 1 + rng.below(5) as usize;
    let rows = 1 + rng.below(200) as usize;
    let header = rng.below(2) == 0;
    let time = header && rng.below(2) == 0;
    let eol = if rng.below(2) == 0 { "\n" } else { "\r\n" };
    let trailing = delim != ' ' && rng.below(4) == 0;
    // One column with decimal commas and no delimiter anywhere is ambiguous (`1,5`).
    let comma = delim != ',' && delim != ' ' && (cols > 1 || trailing) && rng.below(2) == 0;
    let mut text = String::new();
    if header {
        let names: Vec<String> = (0..cols)
            .map(|c| {
                if c == 0 && time {
                    "Time".to_string()
                } else {
                    format!("ch{c}")
                }
            })
            .collect();
        text += &names.join(&delim.to_string());
        text += eol;
    }
    for r in 0..rows {
        let cells: Vec<String> = (0..cols)
            .map(|c| {
                if c == 0 && time {
                    return format!("{:e}", r as f64 * 1e-6);
                }
                let v = rng.value();
                let s = match rng.below(3) {
                    0 => format!("{v:e}"),
                    1 => format!("{v}"),
                    _ => format!("{v:.4}"),
                };
                if comma {
                    s.replace('.', ",")
                } else {
                    s
                }
            })
            .collect();
        text += &cells.join(&delim.to_string());
        if trailing {
            text.push(delim);
        }
        text += eol;
    }
    Generated {
        text,
        delim,
        header,
        time,
    }
}

/// The obvious parse of a whole string: every line, split, every cell parsed.
fn naive(g: &Generated) -> Vec<Vec<f64>> {
    let mut columns: Vec<Vec<f64>> = Vec::new();
    for line in g.text.lines().skip(usize::from(g.header)) {
        let cells: Vec<&str> = if g.delim == ' ' {
            line.split_whitespace().collect()
        } else {
            line.split(g.delim).collect()
        };
        let cells = cells
            .iter()
            .skip(usize::from(g.time))
            .filter(|c| !c.is_empty());
        for (i, c) in cells.enumerate() {
            if columns.len() <= i {
                columns.push(Vec::new());
            }
            columns[i].push(c.trim().replace(',', ".").parse().unwrap());
        }
    }
    columns
}

#[test]
fn random_csv_matches_a_naive_parse() {
    let mut rng = Rng(0x5eed_c5f0_0d15_ea5e);
    for case in 0..300 {
        let g = generate(&mut rng);
        let expected = naive(&g);
        let chunk = 1 + rng.below(64) as usize;
        let (h, got) = read_chunked(g.text.as_bytes(), chunk)
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{}", g.text));
        let bits = |v: &Vec<Vec<f64>>| -> Vec<Vec<u64>> {
            v.iter()
                .map(|c| c.iter().map(|x| x.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&got), bits(&expected), "case {case}:\n{}", g.text);
        assert_eq!(h.time.is_some(), g.time, "case {case}");
        if g.time && h.rows > Some(1) {
            let timing = h.timing.unwrap();
            assert!(
                timing.regular && close(timing.interval, 1e-6),
                "case {case}: {timing:?}"
            );
        }
        if case % 50 == 0 {
            assert_chunk_invariant(Machine::new, g.text.as_bytes(), 4);
        }
    }
}

/// Mutated fixtures (bytes flipped, delimiters, quotes and newlines inserted, cut short)
/// never panic, and fail or succeed the same way however they are split.
#[test]
fn mutated_fixtures_never_panic() {
    let mut rng = Rng(0x0bad_c0ff_ee00_0001);
    let specials = [
        b',', b';', b'\t', b'"', b'\n', b'\r', b'#', b' ', 0xC3, 0xFF, 0,
    ];
    for case in 0..1500 {
        let base = FIXTURES[rng.below(FIXTURES.len() as u64) as usize].as_bytes();
        let mut bytes = base.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() as u64 + 1) as usize;
            let special = specials[rng.below(specials.len() as u64) as usize];
            match rng.below(4) {
                0 if at < bytes.len() => bytes[at] = special,
                1 => bytes.insert(at, special),
                2 => bytes.truncate(at),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        let chunk = 1 + rng.below(16) as usize;
        let whole = format!("{:?}", read_chunked(&bytes, usize::MAX));
        let split = format!("{:?}", read_chunked(&bytes, chunk));
        assert_eq!(
            whole,
            split,
            "case {case}: {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}
