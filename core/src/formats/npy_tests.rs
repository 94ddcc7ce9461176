use alloc::string::ToString;
use alloc::vec::Vec;

use super::*;
use crate::testkit::{npy_bytes, Collect};

fn read(bytes: &[u8], chunk: usize) -> Result<(NpyHeader, Collect)> {
    let mut reader = NpyReader::new();
    let mut sink = Collect::default();
    for c in bytes.chunks(chunk.max(1)) {
        reader.push(c, &mut sink)?;
    }
    Ok((reader.finish()?, sink))
}

const DESCRS: [&str; 19] = [
    "|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8",
    ">u8", "<f4", ">f4", "<f8", ">f8", "i1",
];

#[test]
fn every_dtype_and_byte_order_decodes() {
    let values: Vec<f64> = (0..100).map(|i| (i * 7 % 101) as f64).collect();
    for descr in DESCRS {
        for major in 1..=3 {
            let bytes = npy_bytes(descr, &[100], false, major, &values);
            for chunk in [1, 3, 7, 1000] {
                let (h, c) = read(&bytes, chunk).unwrap();
                assert_eq!(h.version, (major, 0));
                assert_eq!(
                    c.channels,
                    vec![values.clone()],
                    "{descr} v{major} chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn extreme_values_survive() {
    let cases: [(&str, &[f64]); 4] = [
        ("<i1", &[-128.0, 127.0, -1.0]),
        ("<u2", &[0.0, 65535.0, 1.0]),
        (">i8", &[-9.223372036854776e18, 1.0, -2.0]),
        (">f4", &[f32::MIN_POSITIVE as f64, -(f32::MAX as f64), 0.0]),
    ];
    for (descr, values) in cases {
        let (_, c) = read(&npy_bytes(descr, &[3], false, 1, values), 2).unwrap();
        assert_eq!(c.channels[0], values, "{descr}");
    }
}

#[test]
fn c_and_fortran_order_give_the_same_channels() {
    let (n, ch) = (1000usize, 3usize);
    let column = |c: usize| (0..n).map(move |i| (i * (c + 1)) as f64 - 500.0);
    let c_order: Vec<f64> = (0..n)
        .flat_map(|i| (0..ch).map(move |c| ((i * (c + 1)) as f64) - 500.0))
        .collect();
    let f_order: Vec<f64> = (0..ch).flat_map(column).collect();
    let expected: Vec<Vec<f64>> = (0..ch).map(|c| column(c).collect()).collect();
    for chunk in [1, 5, 4096, 1 << 20] {
        let (hc, c) = read(
            &npy_bytes("<i4", &[n as u64, ch as u64], false, 1, &c_order),
            chunk,
        )
        .unwrap();
        let (hf, f) = read(
            &npy_bytes("<i4", &[n as u64, ch as u64], true, 2, &f_order),
            chunk,
        )
        .unwrap();
        assert_eq!(c.channels, expected);
        assert_eq!(f.channels, expected);
        assert_eq!(
            (hc.samples, hc.channels, hf.fortran_order),
            (n as u64, ch as u64, true)
        );
    }
}

#[test]
fn more_channels_than_one_scratch_batch() {
    let (n, ch) = (3usize, 5000usize);
    let values: Vec<f64> = (0..n * ch).map(|i| (i % 977) as f64).collect();
    for chunk in [7, 1 << 20] {
        let (_, c) = read(
            &npy_bytes("<i2", &[n as u64, ch as u64], false, 1, &values),
            chunk,
        )
        .unwrap();
        assert_eq!(c.channels.len(), ch);
        assert!((0..ch)
            .all(|k| c.channels[k] == (0..n).map(|r| values[r * ch + k]).collect::<Vec<_>>()));
    }
}

#[test]
fn scalar_and_empty_arrays() {
    let (h, c) = read(&npy_bytes("<f8", &[], false, 1, &[2.5]), 3).unwrap();
    assert_eq!((h.samples, h.channels, c.channels), (1, 1, vec![vec![2.5]]));
    let (h, c) = read(&npy_bytes("<f8", &[0, 4], false, 1, &[]), 3).unwrap();
    assert_eq!((h.samples, h.channels, c.channels.len()), (0, 4, 4));
}

fn err(bytes: &[u8]) -> Error {
    read(bytes, 1).expect_err("must fail")
}

#[test]
fn empty_input_names_the_magic() {
    let e = err(b"");
    assert_eq!(
        e,
        Error::Truncated {
            offset: 0,
            expected: "the NPY magic \\x93NUMPY".to_string()
        }
    );
}

#[test]
fn wrong_magic_names_the_byte() {
    let e = err(b"\x93NUMPZ\x01\x00");
    assert!(matches!(e, Error::Malformed { offset: 5, .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("at byte 5: expected the NPY magic"),
        "{e}"
    );
}

#[test]
fn truncated_data_names_the_end() {
    let bytes = npy_bytes("<f4", &[10], false, 1, &[1.0; 10]);
    let cut = &bytes[..bytes.len() - 3];
    let e = err(cut);
    assert!(
        matches!(e, Error::Truncated { offset, .. } if offset == cut.len() as u64),
        "{e}"
    );
    let h = NpyHeader::parse(&bytes).unwrap();
    assert!(h.check_file_len(cut.len() as u64).is_err());
    assert!(h.check_file_len(bytes.len() as u64 + 1).is_err());
    assert!(h.check_file_len(bytes.len() as u64).is_ok());
}

#[test]
fn trailing_bytes_are_an_error() {
    let mut bytes = npy_bytes("<f4", &[2], false, 1, &[1.0, 2.0]);
    let end = bytes.len() as u64;
    bytes.push(0);
    assert!(matches!(err(&bytes), Error::Malformed { offset, .. } if offset == end));
}

#[test]
fn huge_claims_fail_without_allocating() {
    // 10^15 elements: parses (the data simply is not there), and the file length check fails.
    let bytes = npy_bytes("<f8", &[1_000_000_000_000_000], false, 1, &[]);
    let h = NpyHeader::parse(&bytes).unwrap();
    let e = h.check_file_len(bytes.len() as u64).unwrap_err();
    assert!(e.to_string().contains("8000000000000000 data bytes"), "{e}");
    assert!(matches!(err(&bytes), Error::Truncated { .. }));
    // A shape that overflows when multiplied out.
    let bytes = npy_bytes("<f8", &[1 << 50, 1 << 16], false, 1, &[]);
    assert!(matches!(
        NpyHeader::parse(&bytes),
        Err(Error::Limit { offset: 10, .. })
    ));
    let bytes = npy_bytes("<f8", &[u64::MAX, 1], false, 1, &[]);
    assert!(matches!(NpyHeader::parse(&bytes), Err(Error::Limit { .. })));
    // Too many channels, too many dimensions, a header length beyond the limit.
    let bytes = npy_bytes("<f8", &[1, MAX_CHANNELS + 1], false, 1, &[]);
    assert!(matches!(NpyHeader::parse(&bytes), Err(Error::Limit { .. })));
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(err(&bytes), Error::Limit { offset: 8, .. }));
}

#[test]
fn unsupported_inputs_say_what() {
    for descr in ["<c8", "<f2", "<U4", "|b1", "<M8"] {
        let text = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}\n");
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(text.len() as u16).to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        let e = NpyHeader::parse(&bytes).unwrap_err();
        assert!(
            matches!(e, Error::Unsupported { offset: 20, .. }),
            "{descr}: {e}"
        );
    }
    let bytes = npy_bytes("<f4", &[2, 2, 2], false, 1, &[0.0; 8]);
    assert!(matches!(
        NpyHeader::parse(&bytes),
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        err(b"\x93NUMPY\x04\x00"),
        Error::Unsupported { offset: 6, .. }
    ));
}

#[test]
fn malformed_dictionaries_point_at_the_problem() {
    let cases: [(&str, u64); 5] = [
        (
            "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }",
            44,
        ),
        ("{'descr': '<f4', 'shape': (1,), }", 43),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }",
            61,
        ),
        ("['descr']", 10),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
            66,
        ),
    ];
    for (text, offset) in cases {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(text.len() as u16).to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        let e = NpyHeader::parse(&bytes).unwrap_err();
        assert!(
            matches!(e, Error::Malformed { offset: o, .. } if o == offset),
            "{text}: {e}"
        );
    }
}
