use alloc::string::ToString;
use alloc::vec::Vec;
use std::io::Cursor;

use super::*;
use crate::kernel::Layout;
use crate::testkit::{assert_chunk_invariant, Collect};
use crate::Push;

/// A reader and its sink as one [`Push`] machine, for the chunk-invariance checker.
struct Machine {
    reader: WavReader,
    sink: Collect,
}

impl Machine {
    fn new() -> Self {
        Machine {
            reader: WavReader::new(),
            sink: Collect::with_max_block(SCRATCH),
        }
    }
}

impl Push<u8> for Machine {
    type Output = (WavHeader, Option<Layout>, Vec<Vec<f64>>);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.sink)
    }
    fn finish(self) -> Result<Self::Output> {
        Ok((self.reader.finish()?, self.sink.layout, self.sink.channels))
    }
}

fn read_with(reader: WavReader, bytes: &[u8], chunk: usize) -> Result<(WavHeader, Collect)> {
    let mut m = Machine {
        reader,
        sink: Collect::with_max_block(SCRATCH),
    };
    for c in bytes.chunks(chunk.max(1)) {
        m.push(c)?;
    }
    Ok((m.reader.finish()?, m.sink))
}

fn read(bytes: &[u8], chunk: usize) -> Result<(WavHeader, Collect)> {
    read_with(WavReader::new(), bytes, chunk)
}

fn err(bytes: &[u8]) -> Error {
    read(bytes, 1).expect_err("must fail")
}

/// Deterministic values covering the extremes of a `bits`-bit signed range.
fn int_signal(bits: u16, n: usize) -> Vec<i32> {
    let (lo, hi) = (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1);
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|i| match i % 7 {
            0 => lo as i32,
            1 => hi as i32,
            2 => 0,
            3 => -1,
            _ => {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (lo + (x % (hi - lo + 1) as u64) as i64) as i32
            }
        })
        .collect()
}

fn float_signal(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| match i % 5 {
            0 => -1.0,
            1 => 1.0,
            2 => -0.0,
            _ => ((i as f32) * 0.37).sin(),
        })
        .collect()
}

fn hound_int(bits: u16, channels: u16, values: &[i32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: 48_000,
        bits_per_sample: bits,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Vec::new();
    let mut w = hound::WavWriter::new(Cursor::new(&mut out), spec).unwrap();
    for &v in values {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    out
}

fn hound_float(channels: u16, values: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: 1_000_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut out = Vec::new();
    let mut w = hound::WavWriter::new(Cursor::new(&mut out), spec).unwrap();
    for &v in values {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
    out
}

/// hound's reading of a file, de-interleaved, as f64.
fn hound_try_read(bytes: &[u8]) -> core::result::Result<Vec<Vec<f64>>, hound::Error> {
    let mut r = hound::WavReader::new(Cursor::new(bytes))?;
    let spec = r.spec();
    let flat: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Int => r
            .samples::<i32>()
            .map(|s| s.map(f64::from))
            .collect::<core::result::Result<_, _>>()?,
        hound::SampleFormat::Float => r
            .samples::<f32>()
            .map(|s| s.map(f64::from))
            .collect::<core::result::Result<_, _>>()?,
    };
    let c = usize::from(spec.channels);
    Ok((0..c)
        .map(|ch| flat.iter().skip(ch).step_by(c).copied().collect())
        .collect())
}

fn hound_read(bytes: &[u8]) -> Vec<Vec<f64>> {
    hound_try_read(bytes).unwrap()
}

fn bits_of(channels: &[Vec<f64>]) -> Vec<Vec<u64>> {
    channels
        .iter()
        .map(|c| c.iter().map(|x| x.to_bits()).collect())
        .collect()
}

#[test]
fn pcm_matches_hound_for_every_depth_and_channel_count() {
    for bits in [8u16, 16, 24, 32] {
        for channels in [1u16, 2, 3, 6] {
            let frames = if channels == 1 { 5000 } else { 700 };
            let values = int_signal(bits, frames * usize::from(channels));
            let bytes = hound_int(bits, channels, &values);
            let expected = hound_read(&bytes);
            for chunk in [1, 5, 4096, bytes.len()] {
                let (h, c) = read(&bytes, chunk).unwrap();
                let what = format!("{bits} bits, {channels} channels, chunk {chunk}");
                assert_eq!(c.channels, expected, "{what}");
                assert_eq!(
                    c.layout,
                    Some(Layout {
                        channels: usize::from(channels),
                        samples: frames as u64
                    }),
                    "{what}"
                );
                // hound writes WAVEFORMATEXTENSIBLE beyond 2 channels or 16 bits.
                let extensible = channels > 2 || bits > 16;
                assert_eq!(
                    h.format_tag,
                    if extensible {
                        WAVE_FORMAT_EXTENSIBLE
                    } else {
                        WAVE_FORMAT_PCM
                    },
                    "{what}"
                );
                assert_eq!(h.channel_mask.is_some(), extensible, "{what}");
                assert_eq!(h.sample_format, SampleFormat::Int);
                assert_eq!((h.bits_per_sample, h.valid_bits), (bits, bits), "{what}");
                assert_eq!(h.full_scale(), 1.0 / (1u64 << (bits - 1)) as f64);
                assert_eq!(h.frames, Some(frames as u64));
                assert!(h.riff_len_consistent && !h.open_ended, "{what}");
                assert_eq!(h.riff_len + 8, bytes.len() as u64);
            }
        }
    }
}

#[test]
fn float32_matches_hound() {
    for channels in [1u16, 2, 3, 6] {
        let values = float_signal(900 * usize::from(channels));
        let bytes = hound_float(channels, &values);
        let expected = hound_read(&bytes);
        for chunk in [1, 3, 1 << 20] {
            let (h, c) = read(&bytes, chunk).unwrap();
            assert_eq!(bits_of(&c.channels), bits_of(&expected), "{channels} ch");
            assert_eq!(h.sample_format, SampleFormat::Float);
            assert_eq!(h.sub_format.map(|g| g[0]), Some(3));
            assert_eq!(h.full_scale(), 1.0);
        }
    }
}

#[test]
fn hound_channel_masks_and_sub_formats() {
    let bytes = hound_int(24, 6, &int_signal(24, 60));
    let h = WavHeader::parse(&bytes).unwrap();
    assert_eq!(h.channel_mask, Some(0x3F));
    let mut pcm = [0u8; 16];
    pcm[0] = 1;
    pcm[4..].copy_from_slice(&SUBTYPE_TAIL);
    assert_eq!(h.sub_format, Some(pcm));
    assert_eq!((h.block_align, h.container_bytes()), (18, 3));
    assert_eq!((h.sample_rate, h.byte_rate), (48_000, 48_000 * 18));
}

// ---- hand-built fixtures ----

fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A `fmt ` body: tag, channels, rate, block align, bits (byte rate derived).
fn fmt(tag: u16, channels: u16, rate: u32, align: u16, bits: u16) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    b.extend_from_slice(&align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b
}

/// A WAVE_FORMAT_EXTENSIBLE `fmt ` body with the classic sub-format `sub_tag`.
fn fmt_ext(channels: u16, align: u16, bits: u16, valid: u16, sub_tag: u16) -> Vec<u8> {
    let mut b = fmt(WAVE_FORMAT_EXTENSIBLE, channels, 8000, align, bits);
    b.extend_from_slice(&22u16.to_le_bytes());
    b.extend_from_slice(&valid.to_le_bytes());
    b.extend_from_slice(&0x3u32.to_le_bytes());
    b.extend_from_slice(&u32::from(sub_tag).to_le_bytes());
    b.extend_from_slice(&SUBTYPE_TAIL);
    b
}

/// A RIFF file of `chunks` with the given RIFF size (`None`: the correct one).
fn riff(magic: &[u8; 4], size: Option<u32>, chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = magic.to_vec();
    out.extend_from_slice(&size.unwrap_or(4 + body.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(&body);
    out
}

/// A `data` chunk header with an explicit size, followed by `body` (no padding).
fn data_raw(size: u32, body: &[u8]) -> Vec<u8> {
    let mut out = b"data".to_vec();
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn le<T: Copy, const N: usize>(values: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&v| f(v)).collect()
}

#[test]
fn float64_and_float32_with_the_classic_tag() {
    let values = [
        1.0,
        -1.0,
        -0.0,
        f64::MIN_POSITIVE / 4.0,
        f64::INFINITY,
        1e300,
        0.1,
        -0.5,
    ];
    let mut f = fmt(WAVE_FORMAT_IEEE_FLOAT, 2, 96_000, 16, 64);
    f.extend_from_slice(&0u16.to_le_bytes()); // cbSize: an 18-byte WAVEFORMATEX
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &f),
            chunk(b"fact", &4u32.to_le_bytes()),
            chunk(b"data", &le(&values, f64::to_le_bytes)),
        ],
    );
    let (h, c) = read(&bytes, 3).unwrap();
    let col = |ch: usize| {
        values
            .iter()
            .skip(ch)
            .step_by(2)
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(bits_of(&c.channels), bits_of(&[col(0), col(1)]));
    assert_eq!(
        (h.format_tag, h.bits_per_sample, h.frames),
        (3, 64, Some(4))
    );
    assert_eq!((h.sub_format, h.channel_mask), (None, None));

    let v32 = [0.25f32, -0.75, f32::MAX];
    let f = fmt(WAVE_FORMAT_IEEE_FLOAT, 1, 8000, 4, 32);
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &f),
            chunk(b"data", &le(&v32, f32::to_le_bytes)),
        ],
    );
    let (_, c) = read(&bytes, 1).unwrap();
    let expected: Vec<f64> = v32.iter().map(|&x| f64::from(x)).collect();
    assert_eq!(c.channels, vec![expected]);
}

#[test]
fn int64_and_narrow_valid_bits_keep_container_values() {
    // 64-bit integer PCM.
    let v = [i64::MIN, -3, 1 << 40];
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt(1, 1, 8000, 8, 64)),
            chunk(b"data", &le(&v, i64::to_le_bytes)),
        ],
    );
    let (h, c) = read(&bytes, 5).unwrap();
    assert_eq!(
        c.channels,
        vec![vec![-9.223372036854776e18, -3.0, 1099511627776.0]]
    );
    assert_eq!(h.full_scale(), 2f64.powi(-63));

    // 24 valid bits in a 32-bit container, left-justified as the spec requires.
    let v = [-8_388_608i32, 8_388_607, -1, 5];
    let shifted: Vec<i32> = v.iter().map(|x| x << 8).collect();
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt_ext(2, 8, 32, 24, 1)),
            chunk(b"data", &le(&shifted, i32::to_le_bytes)),
        ],
    );
    let (h, c) = read(&bytes, 2).unwrap();
    assert_eq!(
        (h.bits_per_sample, h.valid_bits, h.channel_mask),
        (32, 24, Some(3))
    );
    let scaled: Vec<f64> = c.channels[0].iter().map(|x| x * h.full_scale()).collect();
    assert_eq!(scaled, vec![-1.0, -1.0 / 8_388_608.0]);
    assert_eq!(c.channels[1], vec![f64::from(8_388_607 << 8), 5.0 * 256.0]);

    // 12 bits in a 16-bit container with the classic tag; a zero valid-bit count in an
    // extensible header means the whole container.
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt(1, 1, 8000, 2, 12)),
            chunk(b"data", &le(&[-32768i16, 16], i16::to_le_bytes)),
        ],
    );
    let (h, c) = read(&bytes, 1).unwrap();
    assert_eq!((h.valid_bits, h.container_bytes()), (12, 2));
    assert_eq!(c.channels, vec![vec![-32768.0, 16.0]]);
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt_ext(1, 2, 16, 0, 1)),
            chunk(b"data", &le(&[7i16], i16::to_le_bytes)),
        ],
    );
    assert_eq!(WavHeader::parse(&bytes).unwrap().valid_bits, 16);
}

/// 8-bit mono, 3 frames (odd: padded), among unknown chunks of odd and even sizes.
fn odd_chunks_fixture() -> Vec<u8> {
    riff(
        b"RIFF",
        None,
        &[
            chunk(b"JUNK", &[1, 2, 3]),
            chunk(b"fmt ", &fmt(1, 1, 8000, 1, 8)),
            chunk(b"LIST", b"INFOISFT\x05\x00\x00\x00test\x00\x00"),
            chunk(b"bext", &[0xAA; 5]),
            chunk(b"data", &[0, 128, 255]),
            chunk(b"LIST", b"INFOICMT\x01\x00\x00\x00x\x00"),
        ],
    )
}

#[test]
fn unknown_chunks_are_skipped_with_their_padding() {
    let bytes = odd_chunks_fixture();
    for chunk in [1, 2, 7, 1000] {
        let (h, c) = read(&bytes, chunk).unwrap();
        assert_eq!(c.channels, vec![vec![-128.0, 0.0, 127.0]]);
        assert_eq!(h.data_offset, 12 + 12 + 24 + 26 + 14 + 8);
        assert_eq!((h.data_len, h.frames), (Some(3), Some(3)));
        assert!(h.riff_len_consistent);
    }
    // hound 3.5.1 skips an unknown chunk by its size without the pad byte, so it loses
    // step after the 3-byte JUNK chunk: no oracle here.
    assert!(hound_try_read(&bytes).is_err());
}

#[test]
fn streaming_headers_read_until_the_end_of_input() {
    let values = int_signal(16, 2 * 300);
    let samples = le(
        &values.iter().map(|&v| v as i16).collect::<Vec<_>>(),
        i16::to_le_bytes,
    );
    let f = chunk(b"fmt ", &fmt(1, 2, 44_100, 4, 16));
    let expected = hound_read(&hound_int(16, 2, &values));
    // data size 0xFFFFFFFF (RIFF size too), and the unfinalised 0/0 of a crashed writer.
    for (riff_size, data_size) in [(u32::MAX, u32::MAX), (0, 0), (1000, u32::MAX)] {
        let bytes = riff(
            b"RIFF",
            Some(riff_size),
            &[f.clone(), data_raw(data_size, &samples)],
        );
        for chunk in [1, 4, 999] {
            let (h, c) = read(&bytes, chunk).unwrap();
            assert_eq!(c.channels, expected);
            assert_eq!(
                c.layout,
                Some(Layout {
                    channels: 2,
                    samples: UNKNOWN_SAMPLES
                })
            );
            assert!(h.open_ended && !h.riff_len_consistent);
            assert_eq!((h.data_len, h.frames), (Some(1200), Some(300)));
        }
        // With the file length, the layout is known up front.
        let len = bytes.len() as u64;
        let (h, c) = read_with(WavReader::with_file_len(len), &bytes, 7).unwrap();
        assert_eq!(c.layout.map(|l| l.samples), Some(300));
        assert_eq!(h.frames, Some(300));
        let parsed = WavHeader::parse(&bytes[..60]).unwrap();
        assert_eq!((parsed.data_len, parsed.frames), (None, None));
        assert_eq!(parsed.clone().with_file_len(len).unwrap().frames, Some(300));
        // A frame cut in half is truncation, however the length is learnt.
        let cut = &bytes[..bytes.len() - 1];
        assert!(matches!(
            read(cut, 3),
            Err(Error::Truncated { offset, .. }) if offset == len - 1
        ));
        assert!(parsed.check_file_len(len - 1).is_err());
    }
}

#[test]
fn an_empty_data_chunk_with_a_valid_riff_size_is_empty() {
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16)),
            chunk(b"data", &[]),
            chunk(b"LIST", &[0; 4]),
        ],
    );
    let (h, c) = read(&bytes, 1).unwrap();
    assert!(!h.open_ended);
    assert_eq!((h.frames, c.channels), (Some(0), vec![vec![]]));
}

/// An RF64 (or BW64) file: ds64 with a table entry for an oversized `bext`, then the
/// chunks with 32-bit sizes of 0xFFFFFFFF.
fn rf64_fixture(magic: &[u8; 4], values: &[i16]) -> Vec<u8> {
    let data = le(values, i16::to_le_bytes);
    let bext = [7u8; 5];
    let mut ds = Vec::new();
    let tail_len = 12 + 16 + 8 + 5 + 1 + 8 + data.len();
    ds.extend_from_slice(&(4 + 36 + 8 + tail_len as u64).to_le_bytes()); // RIFF size
    ds.extend_from_slice(&(data.len() as u64).to_le_bytes()); // data size
    ds.extend_from_slice(&(values.len() as u64).to_le_bytes()); // sample count
    ds.extend_from_slice(&1u32.to_le_bytes()); // table length
    ds.extend_from_slice(b"bext");
    ds.extend_from_slice(&5u64.to_le_bytes());
    let mut bext_chunk = b"bext\xff\xff\xff\xff".to_vec();
    bext_chunk.extend_from_slice(&bext);
    bext_chunk.push(0);
    riff(
        magic,
        Some(u32::MAX),
        &[
            chunk(b"ds64", &ds),
            chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16)),
            bext_chunk,
            data_raw(u32::MAX, &data),
        ],
    )
}

#[test]
fn rf64_and_bw64_take_sizes_from_ds64() {
    let values: Vec<i16> = int_signal(16, 101).iter().map(|&v| v as i16).collect();
    for (magic, container) in [(b"RF64", WavContainer::Rf64), (b"BW64", WavContainer::Bw64)] {
        let bytes = rf64_fixture(magic, &values);
        let (h, c) = read(&bytes, 3).unwrap();
        assert_eq!(h.container, container);
        assert_eq!(
            c.channels,
            vec![values.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()]
        );
        assert_eq!((h.declared_data_len, h.frames), (202, Some(101)));
        assert_eq!(h.riff_len + 8, bytes.len() as u64);
        assert!(h.riff_len_consistent && !h.open_ended);
    }
}

#[test]
fn splits_never_change_the_output() {
    let files = [
        hound_int(24, 3, &int_signal(24, 3 * 50)),
        hound_int(8, 2, &int_signal(8, 2 * 41)),
        hound_float(6, &float_signal(6 * 20)),
        odd_chunks_fixture(),
        rf64_fixture(b"RF64", &[1, -2, 3]),
        riff(
            b"RIFF",
            Some(u32::MAX),
            &[
                chunk(b"fmt ", &fmt(1, 2, 8000, 6, 24)),
                data_raw(u32::MAX, &[1, 2, 3, 4, 5, 0x80, 7, 8, 9, 10, 11, 12]),
            ],
        ),
    ];
    for bytes in &files {
        assert_chunk_invariant(Machine::new, bytes, 64);
        // Errors too: a truncated file fails the same way however it is split.
        assert_chunk_invariant(Machine::new, &bytes[..bytes.len() - 3], 16);
    }
}

#[test]
fn resumed_parts_concatenate_to_the_whole() {
    let bytes = hound_int(16, 3, &int_signal(16, 3 * 5000));
    let (h, whole) = read(&bytes, 1 << 20).unwrap();
    let len = h.data_len.unwrap();
    let align = u64::from(h.block_align);
    let cuts = [0, 6 * 1000, 6 * 1001, 6 * 4999, len];
    assert!(cuts.iter().all(|c| c % align == 0));
    let mut joined = vec![Vec::new(); 3];
    for w in cuts.windows(2) {
        // Resumed blocks start at absolute frame indices: pre-fill the skipped frames.
        let mut sink = Collect {
            channels: vec![vec![0.0; (w[0] / align) as usize]; 3],
            ..Collect::with_max_block(SCRATCH)
        };
        let mut r = WavReader::resume(h.clone(), w[0], w[1]);
        let part = &bytes[(h.data_offset + w[0]) as usize..(h.data_offset + w[1]) as usize];
        for c in part.chunks(777) {
            r.push(c, &mut sink).unwrap();
        }
        r.finish().unwrap();
        for (j, ch) in joined.iter_mut().zip(sink.channels) {
            j.extend_from_slice(&ch[(w[0] / align) as usize..]);
        }
    }
    assert_eq!(joined, whole.channels);
}

// ---- errors ----

#[test]
fn empty_and_short_inputs_say_what_is_missing() {
    assert_eq!(
        err(b""),
        Error::Truncated {
            offset: 0,
            expected: "the magic 'RIFF', 'RF64' or 'BW64'".to_string()
        }
    );
    let e = err(b"RIFF\x00\x00");
    assert!(matches!(e, Error::Truncated { offset: 6, .. }), "{e}");
    let e = err(&riff(b"RIFF", None, &[]));
    assert_eq!(
        e.to_string(),
        "truncated input: expected the 'fmt ' and 'data' chunks, but the input ends at byte 12"
    );
    let e = err(&riff(
        b"RIFF",
        None,
        &[chunk(b"fmt ", &fmt(1, 1, 8000, 1, 8))],
    ));
    assert!(e.to_string().contains("the 'data' chunk"), "{e}");
}

#[test]
fn wrong_magic_names_the_byte() {
    let cases: [(&[u8], u64); 4] = [
        (b"XIFF", 0),
        (b"RIFZ\x00\x00\x00\x00WAVE", 3),
        (b"RIFF\x00\x00\x00\x00AVI ", 8),
        (b"RF64\x00\x00\x00\x00WAVX", 11),
    ];
    for (bytes, offset) in cases {
        let e = err(bytes);
        assert!(
            matches!(e, Error::Malformed { offset: o, .. } if o == offset),
            "{bytes:?}: {e}"
        );
    }
    assert!(matches!(
        err(b"RIFX\x00\x00\x00\x00WAVE"),
        Error::Unsupported { offset: 0, .. }
    ));
    assert!(err(b"\x93NUMPY")
        .to_string()
        .starts_with("at byte 0: expected the magic 'RIFF'"));
}

/// The error for a file whose first chunk is `fmt ` with `body` (fmt body at byte 20).
fn fmt_err(body: &[u8]) -> Error {
    let bytes = riff(
        b"RIFF",
        None,
        &[chunk(b"fmt ", body), chunk(b"data", &[0; 16])],
    );
    err(&bytes)
}

#[test]
fn bad_fmt_chunks_point_at_the_field() {
    let mut ext_guid = fmt_ext(1, 2, 16, 16, 1);
    ext_guid[24 + 6] = 0x11; // not the classic tail
    let mut ext_short = fmt_ext(1, 2, 16, 16, 1);
    ext_short[16] = 10; // cbSize
    let cases: [(Vec<u8>, &str, u64); 12] = [
        (fmt(1, 1, 8000, 2, 16)[..14].to_vec(), "malformed", 16),
        (fmt(1, 0, 8000, 2, 16), "malformed", 22),
        (fmt(1, 1, 0, 2, 16), "malformed", 24),
        (fmt(1, 2, 8000, 2, 16), "malformed", 32),
        (fmt(1, 1, 8000, 1, 0), "malformed", 34),
        (fmt(1, 1, 8000, 9, 72), "unsupported", 34),
        (fmt(1, 1, 8000, 5, 40), "unsupported", 34),
        (fmt(3, 1, 8000, 2, 16), "unsupported", 34),
        (fmt(0x55, 1, 8000, 1, 0x10), "unsupported", 20),
        (ext_guid, "unsupported", 44),
        (ext_short, "malformed", 36),
        (fmt_ext(1, 2, 16, 17, 1), "malformed", 38),
    ];
    for (body, kind, offset) in cases {
        let e = fmt_err(&body);
        let ok = match kind {
            "malformed" => matches!(e, Error::Malformed { offset: o, .. } if o == offset),
            _ => matches!(e, Error::Unsupported { offset: o, .. } if o == offset),
        };
        assert!(ok, "expected {kind} at {offset}: {e}");
    }
    assert!(fmt_err(&fmt(0x55, 1, 8000, 1, 0x10))
        .to_string()
        .contains("format tag 0x0055 (MPEG layer 3)"));
    assert!(fmt_err(&fmt(1, 2, 8000, 2, 16))
        .to_string()
        .contains("expected a block align of 4 (2 channels of 2 bytes), found 2"));
}

#[test]
fn chunk_order_and_sizes_are_checked() {
    // data before fmt.
    let bytes = riff(b"RIFF", None, &[chunk(b"data", &[0; 4])]);
    assert!(matches!(err(&bytes), Error::Malformed { offset: 12, .. }));
    // two fmt chunks.
    let f = chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16));
    let bytes = riff(b"RIFF", None, &[f.clone(), f.clone()]);
    assert!(matches!(err(&bytes), Error::Malformed { offset: 36, .. }));
    // a data size that is not whole frames.
    let bytes = riff(b"RIFF", None, &[f.clone(), chunk(b"data", &[0; 3])]);
    assert!(matches!(err(&bytes), Error::Malformed { offset: 40, .. }));
    // truncated data.
    let bytes = riff(b"RIFF", None, &[f.clone(), chunk(b"data", &[0; 10])]);
    let cut = &bytes[..bytes.len() - 3];
    let e = err(cut);
    assert!(
        matches!(e, Error::Truncated { offset, .. } if offset == cut.len() as u64),
        "{e}"
    );
    let h = WavHeader::parse(cut).unwrap();
    assert!(h.check_file_len(cut.len() as u64).is_err());
    assert!(h.check_file_len(bytes.len() as u64).is_ok());
    assert!(h.check_file_len(bytes.len() as u64 + 100).is_ok()); // trailing chunks
}

#[test]
fn chunks_past_the_end_fail_without_buffering() {
    // An unknown chunk claiming 4 GiB before the data: read by counting only.
    let mut bytes = riff(b"RIFF", None, &[chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16))]);
    bytes.extend_from_slice(b"LIST\xf0\xff\xff\xff");
    bytes.extend_from_slice(&[0; 100]);
    let e = err(&bytes);
    assert!(
        matches!(e, Error::Truncated { offset, .. } if offset == bytes.len() as u64),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("4294967280 bytes of the 'LIST' chunk from byte 44"),
        "{e}"
    );
    // With the file length the chunk header alone fails.
    let len = bytes.len() as u64;
    let mut r = WavReader::with_file_len(len);
    let e = r
        .push(&bytes[..44], &mut Collect::with_max_block(SCRATCH))
        .unwrap_err();
    assert!(
        matches!(e, Error::Truncated { offset, .. } if offset == len),
        "{e}"
    );
    // A data chunk promising more than the file holds, with the file length.
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16)),
            data_raw(1 << 30, &[0; 4]),
        ],
    );
    let r = read_with(WavReader::with_file_len(bytes.len() as u64), &bytes, 5);
    assert!(matches!(r, Err(Error::Truncated { .. })));
    // An open-ended chunk cut mid-frame.
    let bytes = riff(
        b"RIFF",
        Some(0),
        &[
            chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16)),
            data_raw(0, &[1, 2, 3]),
        ],
    );
    assert!(matches!(err(&bytes), Error::Truncated { offset: 47, .. }));
}

#[test]
fn hostile_rf64_headers() {
    let f = chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16));
    // No ds64 first.
    let bytes = riff(b"RF64", Some(u32::MAX), core::slice::from_ref(&f));
    assert!(matches!(err(&bytes), Error::Malformed { offset: 12, .. }));
    // A huge table.
    let mut ds = vec![0u8; 24];
    ds.extend_from_slice(&1000u32.to_le_bytes());
    let bytes = riff(b"RF64", Some(u32::MAX), &[chunk(b"ds64", &ds)]);
    assert!(matches!(err(&bytes), Error::Limit { offset: 44, .. }));
    // A table longer than the chunk.
    let mut ds = vec![0u8; 24];
    ds.extend_from_slice(&2u32.to_le_bytes());
    let bytes = riff(b"RF64", Some(u32::MAX), &[chunk(b"ds64", &ds)]);
    assert!(matches!(err(&bytes), Error::Malformed { offset: 16, .. }));
    // A data size that overflows 64-bit offsets.
    let mut ds = vec![0u8; 28];
    ds[8..16].copy_from_slice(&(u64::MAX - 10).to_le_bytes());
    let bytes = riff(
        b"RF64",
        Some(u32::MAX),
        &[chunk(b"ds64", &ds), f.clone(), data_raw(u32::MAX, &[])],
    );
    assert!(matches!(err(&bytes), Error::Limit { offset: 76, .. }));
    // A 0xFFFFFFFF size without a table entry.
    let bytes = riff(
        b"RF64",
        Some(u32::MAX),
        &[chunk(b"ds64", &[0; 28]), b"junk\xff\xff\xff\xff".to_vec()],
    );
    assert!(matches!(err(&bytes), Error::Malformed { offset: 52, .. }));
}

#[test]
fn more_channels_than_the_scratch_buffer() {
    // 5000 channels of 8-bit samples: one frame does not fit the 4096-sample scratch.
    let channels = 5000u16;
    let frames = 3usize;
    let body: Vec<u8> = (0..frames * usize::from(channels))
        .map(|i| (i % 251) as u8)
        .collect();
    let bytes = riff(
        b"RIFF",
        None,
        &[
            chunk(b"fmt ", &fmt(1, channels, 8000, channels, 8)),
            chunk(b"data", &body),
        ],
    );
    for chunk in [1, 4999, 5001, 1 << 20] {
        let m = read(&bytes, chunk).unwrap().1;
        assert_eq!(m.channels.len(), 5000);
        for (c, samples) in m.channels.iter().enumerate() {
            let expected: Vec<f64> = (0..frames)
                .map(|f| ((f * 5000 + c) % 251) as f64 - 128.0)
                .collect();
            assert_eq!(samples, &expected, "channel {c}, chunk {chunk}");
        }
    }
}

#[test]
fn an_inconsistent_riff_size_is_reported_not_fatal() {
    let f = chunk(b"fmt ", &fmt(1, 1, 8000, 2, 16));
    let bytes = riff(b"RIFF", Some(20), &[f, chunk(b"data", &[1, 0, 2, 0])]);
    let (h, c) = read(&bytes, 1).unwrap();
    assert!(!h.riff_len_consistent && !h.open_ended);
    assert_eq!((h.riff_len, c.channels), (20, vec![vec![1.0, 2.0]]));
}

#[test]
fn unsupported_sub_formats_are_named() {
    let mut body = fmt_ext(1, 2, 16, 16, 2);
    body[24 + 15] = 0x72;
    let e = fmt_err(&body);
    assert_eq!(
        e.to_string(),
        "at byte 44: unsupported sub-format 00000002-0000-0010-8000-00AA00389B72 \
         (supported: PCM and IEEE float)"
    );
}

#[test]
fn errors_do_not_depend_on_the_split() {
    let bad = [
        riff(
            b"RIFF",
            None,
            &[
                chunk(b"fmt ", &fmt(1, 2, 8000, 3, 16)),
                chunk(b"data", &[0; 8]),
            ],
        ),
        riff(b"RIFF", None, &[chunk(b"data", &[0; 4])]),
        b"RIFF\x04\x00\x00\x00WAVX".to_vec(),
    ];
    for bytes in &bad {
        assert_chunk_invariant(Machine::new, bytes, 16);
    }
}
