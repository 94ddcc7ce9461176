extern crate std;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;
use crate::formats::zip::tests::TestZip;
use crate::formats::zip::Crc32;
use crate::testkit::assert_chunk_invariant;
use crate::Push;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/sigrok/");

/// Case name, CRC-32 of the logic data, (channel, samples at 1, transitions) per channel.
type Oracle = (&'static str, u32, &'static [(usize, u64, u64)]);

/// Independent oracle, computed with Python (`zipfile`, `zlib.crc32`, numpy) from the same
/// files: per case the CRC-32 of the logic data concatenated in numeric chunk order, and for
/// each channel named in `cases.json` (index, samples at 1, transitions).
#[rustfmt::skip]
const ORACLE: &[Oracle] = &[
    ("cyrustek_es51978", 0x2cd6e807, &[(0, 231336, 376)]),
    ("hello_world_8e1_115200", 0x4c5350b8, &[(0, 4221, 344)]),
    ("hello_world_8n1_115200", 0x64ceacf0, &[(0, 1674, 258)]),
    ("hello_world_8n1_1200", 0x57576018, &[(0, 133623, 344)]),
    ("hello_world_8n1_19200", 0x0a36700c, &[(0, 13352, 344)]),
    ("hello_world_8n1_460800", 0xc3df1002, &[(0, 2772, 344)]),
    ("hello_world_8n1_57600", 0x35d746d4, &[(0, 4460, 344)]),
    ("hello_world_8n1_9600", 0x8057566a, &[(0, 16713, 344)]),
    ("hello_world_8o1_115200", 0x4db6d59e, &[(0, 4327, 344)]),
    ("kern_ew_6200-2nm_tare", 0x2b33fa88, &[(0, 8762271, 1272)]),
    ("max3232e_hello_world_57600_8n1", 0xa585cef1, &[(1, 584239, 390), (2, 4409777, 390)]),
    ("mtk3339_8n1_9600", 0x517f3ef7, &[(0, 680454, 7907)]),
    ("panasonic_pan1321_init", 0x260b1594, &[(0, 8042605, 813), (1, 7314245, 191)]),
    ("rxtx_overlapped", 0x2a638494, &[(3, 683, 40), (4, 988, 30)]),
    ("uart_count_19200_7n1", 0xcdbd01a4, &[(0, 52263, 686)]),
    ("uart_count_19200_8n1", 0x37e0c2a7, &[(0, 141302, 1978)]),
    ("uart_count_19200_9n1", 0xa5de82d9, &[(0, 216775, 3214)]),
    ("152bit_spi", 0x100d9362, &[(7, 304, 304), (8, 288, 52), (9, 190, 54), (12, 121, 2)]),
    ("16bit_spi", 0x48aa91d8, &[(7, 32, 32), (8, 54, 2), (9, 8, 4), (12, 14, 2)]),
    ("atmega32_00", 0x3c6bf7f9, &[(0, 795066, 12709), (1, 898176, 28616), (2, 101652, 101668)]),
    ("cc1101-burst-read", 0xe9dabec8, &[(0, 989, 38), (1, 291, 304), (2, 600, 72), (5, 292, 10)]),
    ("enc28j60_init_and_ping", 0x48608660, &[(0, 1014305562, 364), (1, 751080, 10990), (2, 1501700, 92416), (3, 8226140, 11640)]),
    ("max7219", 0x4af0fd3c, &[(1, 4949966, 59), (2, 8188, 130), (3, 15585, 928)]),
    ("mx25l1605d_read", 0xdff9c5bc, &[(0, 670042, 336), (1, 449299, 189234), (2, 430368, 698880), (3, 3725, 1512)]),
    ("mx25l1605d_write", 0x0b9307ed, &[(0, 964192, 672), (1, 833, 336), (2, 222280, 358848), (3, 7194155, 96106)]),
    ("24aa025uid_seqrndread16_pagewrite16_seqrndread16", 0x24505cc1, &[(0, 1997905, 1018), (1, 1997067, 202)]),
    ("bh1750_hresolutionmode", 0xf2d504b7, &[(0, 99642, 246), (1, 99490, 58)]),
    ("edid_samsung_syncmaster245b", 0xbf828b61, &[(0, 28057, 2438), (1, 19133, 571)]),
    ("motherboard", 0x832cb070, &[(0, 19966841, 1062), (3, 19959346, 254)]),
    ("sensirion_sht31_25rh_28rh", 0x6310c4ba, &[(1, 96283463, 696), (2, 96283757, 2208)]),
    ("trekstor_ebr30_a_i2c_0x15", 0x0b9df8d1, &[(0, 8370263, 5192), (1, 8370376, 1614)]),
    ("wii_nunchuk_init", 0x04b1d67f, &[(0, 1999216, 56), (1, 1999496, 22)]),
    ("xfp", 0x0dc29398, &[(0, 907254, 19455), (1, 921635, 6443)]),
    ("can_fd_ext_brs_64", 0x4820b772, &[(0, 29884, 296)]),
    ("can_fd_ext_brs_8", 0xa192da9e, &[(0, 13484, 68)]),
    ("can_fd_std_brs_64", 0x91e5aba9, &[(0, 31639, 284)]),
    ("can_fd_std_brs_8", 0x25364450, &[(0, 5285, 60)]),
    ("can_fd_std_without_brs_64", 0xcf1b11bc, &[(0, 64523, 280)]),
    ("can_fd_std_without_brs_8", 0x432aeb9b, &[(0, 11608, 60)]),
    ("mcp2515dm-bm-125kbits_bus_load_100percent", 0x02e4ae0f, &[(2, 11550481, 12398)]),
    ("mcp2515dm-bm-125kbits_bus_load_25percent", 0x3600982e, &[(2, 11977944, 594)]),
    ("mcp2515dm-bm-125kbits_bus_load_50percent", 0x745f25fc, &[(2, 11957566, 1170)]),
    ("mcp2515dm-bm-125kbits_extmsg_11223344_7bytes", 0x968c06ac, &[(2, 11988297, 310)]),
    ("mcp2515dm-bm-125kbits_msg_222_5bytes", 0xdf83662e, &[(2, 11995093, 132)]),
    ("ds18b20", 0xe890b5ce, &[(0, 712755, 1612)]),
    ("ds1985_bitmap_of_used_pages_for_file_structure", 0x875abd57, &[(0, 39903046, 760)]),
    ("ds1985_main_memory", 0xd9739ce0, &[(0, 38510117, 38492)]),
    ("ds1985_polling", 0xe3989e51, &[(0, 39140776, 6497)]),
    ("ds1985_write_protect_pages", 0x60649e90, &[(0, 39902069, 760)]),
    ("ds1985_write_protect_redirection", 0x934cb1da, &[(0, 39902620, 760)]),
    ("ds28ea00", 0x24e8bb79, &[(0, 1078819, 780)]),
    ("2ch-32bit-8khz-no-samplerate", 0xa8bb46f2, &[(0, 602368, 102640), (1, 601559, 1604), (2, 273116, 7131)]),
];

fn cases() -> Vec<Value> {
    let text = std::fs::read(format!("{DATA}cases.json")).unwrap();
    match serde_json::from_slice(&text).unwrap() {
        Value::Array(items) => items,
        other => panic!("cases.json is not a list: {other:?}"),
    }
}

/// Counts samples and, for chosen channels, samples at 1 and transitions, without holding
/// the data. Runs of identical samples are skipped a word at a time.
#[derive(Default)]
struct Stats {
    header: Option<SigrokHeader>,
    samples: u64,
    crc: Option<Crc32>,
    prev: Option<u64>,
    channels: Vec<usize>,
    ones: Vec<u64>,
    transitions: Vec<u64>,
}

impl Stats {
    fn run(&mut self, value: u64, len: u64) {
        if let Some(p) = self.prev {
            for (i, &c) in self.channels.iter().enumerate() {
                self.transitions[i] += ((p ^ value) >> c) & 1;
            }
        }
        for (i, &c) in self.channels.iter().enumerate() {
            self.ones[i] += ((value >> c) & 1) * len;
        }
        self.prev = Some(value);
    }
}

impl LogicSink for Stats {
    fn begin(&mut self, header: &SigrokHeader) -> Result<()> {
        assert!(self.header.is_none(), "begin twice");
        self.header = Some(header.clone());
        self.ones = vec![0; self.channels.len()];
        self.transitions = vec![0; self.channels.len()];
        Ok(())
    }
    fn logic(&mut self, c: LogicChunk<'_>) -> Result<()> {
        assert_eq!(c.start, self.samples, "chunks must be contiguous");
        assert_eq!(c.bytes.len() % c.unitsize, 0);
        if let Some(crc) = &mut self.crc {
            crc.update(c.bytes);
        }
        self.samples += c.len() as u64;
        let (n, u) = (c.len(), c.unitsize);
        let mut i = 0;
        while i < n {
            let v = c.sample(i);
            // Extend the run of `v` a word at a time.
            let run_start = i;
            i += 1;
            let same = &c.bytes[i * u..];
            let unit = &c.bytes[run_start * u..(run_start + 1) * u];
            let mut k = 0;
            if u == 1 {
                let splat = u64::from(unit[0]) * 0x0101_0101_0101_0101;
                let words = same.chunks_exact(8);
                for w in words {
                    if u64::from_le_bytes(w.try_into().unwrap()) != splat {
                        break;
                    }
                    k += 8;
                }
            }
            i += k;
            while i < n && &c.bytes[i * u..(i + 1) * u] == unit {
                i += 1;
            }
            self.run(v, (i - run_start) as u64);
        }
        Ok(())
    }
}

fn read_case(path: &str, stats: &mut Stats, chunk: usize) -> SigrokHeader {
    let file = std::fs::read(format!("{DATA}{path}")).unwrap();
    let mut r = SigrokReader::new(ZipIndex::from_bytes(&file).unwrap()).unwrap();
    while let Some(range) = r.next_range() {
        for c in file[range.start as usize..range.end as usize].chunks(chunk) {
            r.push(c, stats).unwrap();
        }
    }
    r.finish().unwrap()
}

fn check_case(case: &Value, with_crc: bool) {
    let name = case["name"].as_str().unwrap();
    let (_, crc, oracle) = ORACLE.iter().find(|o| o.0 == name).unwrap();
    let mut stats = Stats {
        channels: oracle.iter().map(|o| o.0).collect(),
        crc: with_crc.then(Crc32::new),
        ..Stats::default()
    };
    let h = read_case(case["input"].as_str().unwrap(), &mut stats, 1 << 20);
    assert_eq!(stats.header.as_ref(), Some(&h), "{name}");
    assert_eq!(h.samplerate, case["samplerate"].as_u64(), "{name}");
    assert_eq!(Some(h.unitsize as u64), case["unitsize"].as_u64(), "{name}");
    assert_eq!(Some(h.samples), case["samples"].as_u64(), "{name}");
    assert_eq!(stats.samples, h.samples, "{name}");
    let Value::Object(roles) = &case["channels"] else {
        panic!("channels")
    };
    for (role, channel) in roles {
        let index = case["channel_indices"][role].as_u64().unwrap() as usize;
        assert_eq!(
            h.channels[index].as_deref(),
            channel.as_str(),
            "{name} {role}"
        );
        assert_eq!(
            h.channel_index(channel.as_str().unwrap()),
            Some(index),
            "{name} {role}"
        );
    }
    for (i, &(_, ones, transitions)) in oracle.iter().enumerate() {
        assert_eq!(
            (stats.ones[i], stats.transitions[i]),
            (ones, transitions),
            "{name} channel {}",
            oracle[i].0
        );
    }
    if let Some(c) = stats.crc {
        assert_eq!(c.value(), *crc, "{name}: logic data CRC-32");
    }
}

const BIG: &str = "enc28j60_init_and_ping";

#[test]
fn every_capture_matches_cases_json_and_the_python_oracle() {
    let cases = cases();
    assert_eq!(cases.len(), 52);
    assert_eq!(ORACLE.len(), 52);
    for case in cases.iter().filter(|c| c["name"].as_str().unwrap() != BIG) {
        check_case(case, true);
    }
}

#[test]
fn the_billion_sample_capture_streams_without_being_held() {
    let cases = cases();
    let case = cases
        .iter()
        .find(|c| c["name"].as_str().unwrap() == BIG)
        .unwrap();
    // Each entry's CRC-32 is verified by the zip reader; the stream CRC is skipped here
    // only to keep the debug build fast.
    check_case(case, false);
}

#[test]
fn headers_carry_the_metadata() {
    let file = std::fs::read(format!("{DATA}uart/cyrustek_es51978/es51978.sr")).unwrap();
    let h = SigrokReader::read_slice(&file, &mut Stats::default()).unwrap();
    // Session version 1: one unchunked entry, 32 probes declared for 1-byte samples.
    assert_eq!((h.version, h.unitsize, h.channels.len()), (1, 1, 32));
    assert_eq!(h.stored_channels(), 8);
    assert_eq!(h.capturefile.as_deref(), Some("logic-1"));
    assert_eq!(h.logic.len(), 1);
    assert_eq!(h.logic[0].name, "logic-1");
    assert_eq!(h.samplerate, Some(100_000));
    let file = std::fs::read(format!(
        "{DATA}i2c/bh1750_hresolutionmode/bh1750_hresolutionmode.sr"
    ))
    .unwrap();
    let h = SigrokReader::read_slice(&file, &mut Stats::default()).unwrap();
    let names: Vec<&str> = h.logic.iter().map(|c| c.name.as_str()).collect();
    let expected: Vec<String> = (1..=22).map(|k| format!("logic-1-{k}")).collect();
    assert_eq!(names, expected, "numeric, not lexical, order");
    assert_eq!(h.logic.iter().map(|c| c.bytes).sum::<u64>(), h.samples);
    assert_eq!(h.channels[2], None);
}

/// A push machine over the concatenated ranges of a session, for the chunk checker.
struct Machine {
    reader: SigrokReader,
    /// Lengths of the ranges, in order.
    ranges: Vec<usize>,
    at: usize,
    sink: Collect,
}

#[derive(Debug, Default)]
struct Collect {
    header: Option<SigrokHeader>,
    logic: Vec<u8>,
    analog: Vec<(usize, u64, Vec<f32>)>,
}

impl LogicSink for Collect {
    fn begin(&mut self, header: &SigrokHeader) -> Result<()> {
        self.header = Some(header.clone());
        Ok(())
    }
    fn logic(&mut self, c: LogicChunk<'_>) -> Result<()> {
        assert_eq!(c.start as usize * c.unitsize, self.logic.len());
        self.logic.extend_from_slice(c.bytes);
        Ok(())
    }
    fn analog(&mut self, c: AnalogChunk<'_>) -> Result<()> {
        match self.analog.last_mut() {
            Some((ch, start, v)) if *ch == c.channel => {
                assert_eq!(*start + v.len() as u64, c.start);
                v.extend_from_slice(c.samples);
            }
            _ => {
                assert_eq!(c.start, 0);
                self.analog.push((c.channel, c.start, c.samples.to_vec()));
            }
        }
        Ok(())
    }
}

impl Push<u8> for Machine {
    type Output = Collect;
    fn push(&mut self, mut chunk: &[u8]) -> Result<()> {
        while !chunk.is_empty() {
            let room = self.ranges[0] - self.at;
            let take = room.min(chunk.len());
            self.reader.push(&chunk[..take], &mut self.sink)?;
            self.at += take;
            if self.at == self.ranges[0] {
                self.ranges.remove(0);
                self.at = 0;
            }
            chunk = &chunk[take..];
        }
        Ok(())
    }
    fn finish(self) -> Result<Collect> {
        let header = self.reader.finish()?;
        assert_eq!(self.sink.header.as_ref(), Some(&header));
        Ok(self.sink)
    }
}

/// The session's ranges concatenated, their lengths, and a maker of fresh machines.
fn plan(file: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut r = SigrokReader::new(ZipIndex::from_bytes(file).unwrap()).unwrap();
    let (mut input, mut ranges) = (Vec::new(), Vec::new());
    let mut sink = Collect::default();
    while let Some(range) = r.next_range() {
        let bytes = &file[range.start as usize..range.end as usize];
        input.extend_from_slice(bytes);
        ranges.push(bytes.len());
        r.push(bytes, &mut sink).unwrap();
    }
    (input, ranges)
}

fn assert_session_chunk_invariant(file: &[u8], cases: u32) {
    let (input, ranges) = plan(file);
    let make = || Machine {
        reader: SigrokReader::new(ZipIndex::from_bytes(file).unwrap()).unwrap(),
        ranges: ranges.clone(),
        at: 0,
        sink: Collect::default(),
    };
    assert_chunk_invariant(make, &input, cases);
}

#[test]
fn any_split_of_a_capture_gives_the_same_samples() {
    for path in [
        "uart/rxtx_overlapped/rxtx_overlapped.sr",
        "spi/152bit_spi/152bit_spi.sr",
        "uart/uart_count_19200_7n1/uart_count_19200_7n1.sr",
    ] {
        let file = std::fs::read(format!("{DATA}{path}")).unwrap();
        assert_session_chunk_invariant(&file, 16);
    }
}

#[test]
fn partial_input_is_truncated_and_the_header_comes_early() {
    let file = std::fs::read(format!("{DATA}uart/rxtx_overlapped/rxtx_overlapped.sr")).unwrap();
    let mut r = SigrokReader::new(ZipIndex::from_bytes(&file).unwrap()).unwrap();
    let mut sink = Collect::default();
    for _ in 0..2 {
        let range = r.next_range().unwrap();
        r.push(&file[range.start as usize..range.end as usize], &mut sink)
            .unwrap();
    }
    assert_eq!(r.header().unwrap().samples, 1786);
    assert!(sink.header.is_some() && sink.logic.is_empty());
    let range = r.next_range().unwrap();
    r.push(
        &file[range.start as usize..range.start as usize + 40],
        &mut sink,
    )
    .unwrap();
    assert_eq!(r.next_range().unwrap(), range.start + 40..range.end);
    let e = r.finish().unwrap_err();
    assert!(
        matches!(e, Error::Truncated { offset, .. } if offset == range.start + 40),
        "{e}"
    );
}

#[test]
#[should_panic(expected = "crosses the end of the range")]
fn a_push_past_the_range_is_a_contract_violation() {
    let file = std::fs::read(format!("{DATA}uart/rxtx_overlapped/rxtx_overlapped.sr")).unwrap();
    let mut r = SigrokReader::new(ZipIndex::from_bytes(&file).unwrap()).unwrap();
    let range = r.next_range().unwrap();
    let _ = r.push(
        &file[range.start as usize..range.end as usize + 1],
        &mut Collect::default(),
    );
}

#[test]
fn logic_blocks_expand_chosen_channels() {
    use crate::kernel::{Block, BlockSink, Layout};
    #[derive(Default)]
    struct Sums {
        layout: Option<Layout>,
        sums: Vec<f64>,
        next: Vec<u64>,
    }
    impl BlockSink for Sums {
        fn begin(&mut self, layout: Layout) -> Result<()> {
            self.layout = Some(layout);
            self.sums = vec![0.0; layout.channels];
            self.next = vec![0; layout.channels];
            Ok(())
        }
        fn block(&mut self, b: Block<'_>) -> Result<()> {
            assert_eq!(b.start, self.next[b.channel]);
            self.next[b.channel] += b.samples.len() as u64;
            assert!(b.samples.iter().all(|&x| x == 0.0 || x == 1.0));
            self.sums[b.channel] += b.samples.iter().sum::<f64>();
            Ok(())
        }
    }
    let file = std::fs::read(format!(
        "{DATA}uart/uart_count_19200_7n1/uart_count_19200_7n1.sr"
    ))
    .unwrap();
    let mut sums = Sums::default();
    SigrokReader::read_slice(&file, &mut LogicBlocks::with_channels(&mut sums, &[0])).unwrap();
    assert_eq!(
        sums.layout,
        Some(Layout {
            channels: 1,
            samples: 69_320
        })
    );
    assert_eq!(sums.sums, [52_263.0]);
    let mut all = Sums::default();
    SigrokReader::read_slice(&file, &mut LogicBlocks::new(&mut all)).unwrap();
    assert_eq!(all.layout.unwrap().channels, 16);
    assert_eq!(all.sums[0], 52_263.0);
    assert_eq!(all.next, vec![69_320; 16]);
    let mut bad = Sums::default();
    let e = SigrokReader::read_slice(&file, &mut LogicBlocks::with_channels(&mut bad, &[16]));
    assert!(matches!(e, Err(Error::Config(_))), "{e:?}");
}

#[test]
fn logic_chunks_give_samples_and_bits() {
    let c = LogicChunk {
        start: 10,
        unitsize: 2,
        bytes: &[0x01, 0x80, 0xFF, 0x00],
    };
    assert_eq!((c.len(), c.is_empty()), (2, false));
    assert_eq!((c.sample(0), c.sample(1)), (0x8001, 0x00FF));
    assert!(c.bit(0, 0) && c.bit(0, 15) && !c.bit(0, 1) && c.bit(1, 7) && !c.bit(1, 8));
}

#[test]
fn sample_rates_parse_as_sigrok_writes_them() {
    let ok = [
        ("1 MHz", Some(1_000_000)),
        ("500 kHz", Some(500_000)),
        ("1MHz", Some(1_000_000)),
        ("24000000", Some(24_000_000)),
        ("1 GHz", Some(1_000_000_000)),
        ("1.5 MHz", Some(1_500_000)),
        ("12.5 kHz", Some(12_500)),
        ("100 Hz", Some(100)),
        ("200 KHz", Some(200_000)),
        ("0", None),
        ("0 Hz", None),
    ];
    for (text, rate) in ok {
        assert_eq!(parse_rate(text), Some(rate), "{text}");
    }
    for bad in [
        "",
        "fast",
        "1 THz",
        "1 MHzz",
        "99999999999 GHz",
        ".5 MHz",
        "1.2.3 Hz",
    ] {
        assert_eq!(parse_rate(bad), None, "{bad}");
    }
}

#[test]
fn metadata_values_are_unescaped_and_spacing_is_free() {
    let text = "[global]\n; comment\n[device 1]\n capturefile = logic-1 \nunitsize=1\n\
        probe1 = \\sLeading\nprobe2=a\\\\b\\q\n trigger1 = 0\nsamplerate = 1MHz\n";
    let m = parse_metadata(text.as_bytes(), 7).unwrap();
    assert_eq!(m.capturefile.as_deref(), Some("logic-1"));
    assert_eq!(m.samplerate, Some(1_000_000));
    let names: Vec<&str> = m.probes.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(names, [" Leading", "a\\b\\q"]);
    let e = parse_metadata(b"[device 1]\nsamplerate=fast\n", 7).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at byte 7: expected a sample rate such as '1 MHz' or '24000000' \
         (sigrok metadata line 2), found 'fast'"
    );
}

/// A session built with the test zip writer.
fn session(version: &str, metadata: &str, data: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut z = TestZip::new();
    z.add("version", version.as_bytes(), false);
    z.add("metadata", metadata.as_bytes(), true);
    for (i, (name, bytes)) in data.iter().enumerate() {
        z.add(name, bytes, i % 2 == 0);
    }
    z.finish()
}

const META: &str = "[global]\nsigrok version=0.6.0\n\n[device 1]\ncapturefile=logic-1\n\
    total probes=4\nsamplerate=2 MHz\ntotal analog=2\nprobe1=A\nprobe3=C\n\
    analog5=V1\nanalog6=V2\nunitsize=1\n";

fn floats(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn analog_channels_and_numeric_chunk_order() {
    let chunks: Vec<(String, Vec<u8>)> = (1..=11)
        .rev()
        .map(|k| (format!("logic-1-{k}"), vec![k as u8; k]))
        .collect();
    let mut data: Vec<(&str, Vec<u8>)> = chunks
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let v1: Vec<f32> = (0..5000).map(|i| i as f32 * 0.5).collect();
    data.push(("analog-1-6-1", floats(&[-1.0, 2.5, 3.25])));
    data.push(("analog-1-5-2", floats(&v1[3001..])));
    data.push(("analog-1-5-1", floats(&v1[..3001])));
    let file = session("2", META, &data);
    let mut sink = Collect::default();
    let h = SigrokReader::read_slice(&file, &mut sink).unwrap();
    let expected: Vec<u8> = (1..=11u8).flat_map(|k| vec![k; k as usize]).collect();
    assert_eq!(sink.logic, expected);
    assert_eq!(h.samples, expected.len() as u64);
    assert_eq!(h.channels, [Some("A".into()), None, Some("C".into()), None]);
    assert_eq!(h.samplerate, Some(2_000_000));
    assert_eq!(h.analog.len(), 2);
    assert_eq!(
        (h.analog[0].index, h.analog[0].name.as_deref()),
        (5, Some("V1"))
    );
    assert_eq!(
        (h.analog[1].samples, h.analog[1].name.as_deref()),
        (3, Some("V2"))
    );
    assert_eq!(sink.analog.len(), 2);
    assert_eq!(sink.analog[0], (0, 0, v1));
    assert_eq!(sink.analog[1], (1, 0, vec![-1.0, 2.5, 3.25]));
    assert_session_chunk_invariant(&file, 16);
}

fn error_of(file: &[u8]) -> Error {
    SigrokReader::read_slice(file, &mut Collect::default()).unwrap_err()
}

#[test]
fn hostile_sessions_are_errors() {
    let logic = || vec![("logic-1-1", vec![0u8; 10])];
    let meta = |extra: &str| format!("[device 1]\ncapturefile=logic-1\nunitsize=1\n{extra}");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            session("3", &meta(""), &logic()),
            "unsupported sigrok session format version 3",
        ),
        (
            session("x", &meta(""), &logic()),
            "a session format version number",
        ),
        (
            session("2", "[device 1]\ncapturefile=logic-1\n", &logic()),
            "a unitsize",
        ),
        (
            session("2", &meta("unitsize=9\n"), &logic()),
            "unsupported logic unitsize 9",
        ),
        (
            session("2", "[global]\nx=1\n", &logic()),
            "[device 1] section",
        ),
        (
            session("2", &meta("[device 2]\n"), &logic()),
            "second device",
        ),
        (
            session("2", &meta("samplerate=fast\n"), &logic()),
            "a sample rate",
        ),
        (
            session("2", &meta("total probes=2\nprobe3=X\n"), &logic()),
            "a probe number up to 2",
        ),
        (
            session("2", &meta("total probes=99999\n"), &logic()),
            "total probes 99999",
        ),
        (
            session("2", &meta("just text\n"), &logic()),
            "'key = value' line",
        ),
        (
            session("2", &meta("total analog=1\nanalog3=V\n"), &logic()),
            "analog channel number",
        ),
        (session("2", &meta(""), &[]), "a logic data entry"),
        (
            session(
                "2",
                &meta(""),
                &[("logic-1-1", vec![0]), ("logic-1-3", vec![0])],
            ),
            "chunk 'logic-1-2'",
        ),
        (
            session(
                "2",
                &meta(""),
                &[("logic-1", vec![0]), ("logic-1-1", vec![0])],
            ),
            "not both",
        ),
        (
            session("2", &meta("unitsize=2\n"), &[("logic-1-1", vec![0; 3])]),
            "whole samples of 2 bytes",
        ),
        (
            session(
                "2",
                &meta("total probes=1\ntotal analog=1\n"),
                &[("logic-1-1", vec![0]), ("analog-1-2-1", vec![0; 5])],
            ),
            "whole 4-byte floats",
        ),
    ];
    for (file, needle) in cases {
        let e = error_of(&file);
        assert!(e.to_string().contains(needle), "{needle}: {e}");
    }
    // Missing and duplicated entries.
    let mut z = TestZip::new();
    z.add("metadata", meta("").as_bytes(), false);
    let e = error_of(&z.finish());
    assert!(e.to_string().contains("a zip entry 'version'"), "{e}");
    // After an error the reader stays failed, and finish says why.
    let mut z = TestZip::new();
    z.add("version", b"2", false);
    let file = z.finish();
    let mut r = SigrokReader::new(ZipIndex::from_bytes(&file).unwrap()).unwrap();
    let range = r.next_range().unwrap();
    let bytes = &file[range.start as usize..range.end as usize];
    let e = r.push(bytes, &mut Collect::default()).unwrap_err();
    assert!(e.to_string().contains("a zip entry 'metadata'"), "{e}");
    assert_eq!(r.next_range(), None);
    assert_eq!(r.push(&[], &mut Collect::default()).unwrap_err(), e);
    assert_eq!(r.finish().unwrap_err(), e);
    let mut z = TestZip::new();
    z.add("version", b"2", false).add("version", b"2", false);
    let e = error_of(&z.finish());
    assert!(e.to_string().contains("one zip entry 'version'"), "{e}");
    // A metadata entry larger than the limit is refused before it is read.
    let big = "#".repeat(MAX_METADATA as usize + 1);
    let e = error_of(&session("2", &big, &logic()));
    assert!(
        matches!(
            e,
            Error::Limit {
                limit: MAX_METADATA,
                ..
            }
        ),
        "{e}"
    );
    // Corrupt logic data: the zip CRC check catches it.
    let mut z = TestZip::new();
    z.add("version", b"2", false)
        .add("metadata", meta("").as_bytes(), false)
        .add("logic-1-1", &[7u8; 100], false);
    let mut file = z.finish();
    let index = ZipIndex::from_bytes(&file).unwrap();
    let e = index.find("logic-1-1").unwrap();
    let data_at = e.local_header_offset as usize + 30 + e.name.len();
    file[data_at + 50] ^= 1;
    assert!(error_of(&file).to_string().contains("CRC-32"));
}
