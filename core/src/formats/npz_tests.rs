use alloc::string::ToString;
use alloc::vec::Vec;

use super::*;
use crate::formats::zip::tests::{sample_bytes, TestZip};
use crate::testkit::{assert_chunk_invariant, npy_bytes, Collect};
use crate::Push;

/// Archives written by numpy 2.4 (`np.savez` and `np.savez_compressed`) of
/// `x = np.arange(10, dtype='<f8') * 0.25`,
/// `y = np.array([[1, -2], [3, 4], [-5, 6]], dtype='>i2')` and
/// `z = np.asfortranarray([[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]], dtype='<f4')`.
/// numpy writes ZIP64 local headers (sizes 0xFFFFFFFF plus a ZIP64 extra field).
const NUMPY_STORED: &str = concat!(
    "504b03042d00000000000000210096c26596ffffffffffffffff05001400782e6e707901001000d000000000",
    "000000d000000000000000934e554d5059010076007b276465736372273a20273c6638272c2027666f727472",
    "616e5f6f72646572273a2046616c73652c20277368617065273a202831302c292c207d202020202020202020",
    "2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
    "2020202020200a0000000000000000000000000000d03f000000000000e03f000000000000e83f0000000000",
    "00f03f000000000000f43f000000000000f83f000000000000fc3f0000000000000040000000000000024050",
    "4b03042d00000000000000210062ca2383ffffffffffffffff05001400792e6e7079010010008c0000000000",
    "00008c00000000000000934e554d5059010076007b276465736372273a20273e6932272c2027666f72747261",
    "6e5f6f72646572273a2046616c73652c20277368617065273a2028332c2032292c207d202020202020202020",
    "2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020",
    "20202020200a0001fffe00030004fffb0006504b03042d0000000000000021003af69460ffffffffffffffff",
    "050014007a2e6e70790100100098000000000000009800000000000000934e554d5059010076007b27646573",
    "6372273a20273c6634272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a20",
    "28322c2033292c207d2020202020202020202020202020202020202020202020202020202020202020202020",
    "2020202020202020202020202020202020202020202020200a0000c03f00009040000020400000b040000060",
    "400000d040504b01022d032d00000000000000210096c26596d0000000d00000000500000000000000000000",
    "00800100000000782e6e7079504b01022d032d00000000000000210062ca23838c0000008c00000005000000",
    "0000000000000000800107010000792e6e7079504b01022d032d0000000000000021003af694609800000098",
    "0000000500000000000000000000008001ca0100007a2e6e7079504b05060000000003000300990000009902",
    "00000000",
);
const NUMPY_COMPRESSED: &str = concat!(
    "504b03042d00000008000000210096c26596ffffffffffffffff05001400782e6e707901001000d000000000",
    "00000062000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a1aea3a09e965f5452",
    "9498179f5f94920a12774bcc294e058a17672416a402f91a86063a9a3a0ab50ae4032e061470c11e423f80d2",
    "2fa0f40728fd054aff80d27fa03483038462720000504b03042d00000008000000210062ca2383ffffffffff",
    "ffffff05001400792e6e7079010010008c0000000000000053000000000000009bec17ea1b10c9c850c650ad",
    "9e925a9c5ca46ea5a06e9769a4aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f9",
    "1ac63a0a469a3a0ab50a64032e06c6ffff18981958feff66600300504b03042d0000000800000021003af694",
    "60ffffffffffffffff050014007a2e6e707901001000980000000000000059000000000000009bec17ea1b10",
    "c9c850c650ad9e925a9c5ca46ea5a06e9366a2aea3a09e965f54529498179f5f94920a120f292a4d050a1767",
    "2416a402b91a463a0ac69a3a0ab50ae4032e068603f60c0c131c181814807803102700f1050700504b01022d",
    "032d00000008000000210096c2659662000000d0000000050000000000000000000000800100000000782e6e",
    "7079504b01022d032d00000008000000210062ca2383530000008c0000000500000000000000000000008001",
    "99000000792e6e7079504b01022d032d0000000800000021003af69460590000009800000005000000000000",
    "00000000008001230100007a2e6e7079504b0506000000000300030099000000b30100000000",
);

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The oracle: the plain `.npy` bytes through `NpyReader`.
fn read_npy(bytes: &[u8]) -> Collect {
    let mut sink = Collect::default();
    let mut r = NpyReader::new();
    r.push(bytes, &mut sink).unwrap();
    r.finish().unwrap();
    sink
}

/// Stream member `name` pushing its span in chunks of `chunk` bytes.
fn read_chunked(file: &[u8], name: &str, chunk: usize) -> Result<(NpyHeader, Collect)> {
    let index = NpzIndex::new(ZipIndex::from_bytes(file)?)?;
    let entry = index.entry(index.member(name).unwrap());
    let mut r = NpzMemberReader::new(entry)?;
    let mut sink = Collect::default();
    let span = entry.span();
    for c in file[span.start as usize..span.end as usize].chunks(chunk) {
        r.push(c, &mut sink)?;
    }
    Ok((r.finish()?, sink))
}

fn arrays() -> Vec<(&'static str, Vec<u8>)> {
    let n = 3000;
    let col = |c: usize| (0..n).map(move |i| ((i * (c + 3)) % 251) as f64 - 100.0);
    let c_order: Vec<f64> = (0..n)
        .flat_map(|i| (0..3).map(move |c| ((i * (c + 3)) % 251) as f64 - 100.0))
        .collect();
    let f_order: Vec<f64> = (0..3).flat_map(col).collect();
    let ramp: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.5).collect();
    vec![
        ("ramp", npy_bytes("<f8", &[10_000], false, 1, &ramp)),
        ("rows", npy_bytes(">i2", &[n as u64, 3], false, 2, &c_order)),
        ("cols", npy_bytes("<f4", &[n as u64, 3], true, 3, &f_order)),
        ("scalar", npy_bytes("<u1", &[], false, 1, &[7.0])),
    ]
}

fn archive(deflate: bool, zip64: bool) -> Vec<u8> {
    let mut z = TestZip::new();
    z.zip64 = zip64;
    for (name, bytes) in arrays() {
        z.add(&format!("{name}.npy"), &bytes, deflate);
    }
    z.add("notes.txt", b"not an array", deflate);
    z.finish()
}

#[test]
fn stored_and_deflated_archives_list_and_stream_every_array() {
    for (deflate, zip64) in [(false, false), (true, false), (true, true)] {
        let file = archive(deflate, zip64);
        let listed = list(&file).unwrap();
        let names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ramp", "rows", "cols", "scalar"]);
        for ((name, npy), (_, header)) in arrays().iter().zip(&listed) {
            assert_eq!(*header, NpyHeader::parse(npy).unwrap(), "{name}");
            let expected = read_npy(npy);
            for chunk in [1, 7, 4096, usize::MAX] {
                let (h, got) = read_chunked(&file, name, chunk).unwrap();
                assert_eq!(h, *header);
                assert!(got == expected, "{name} deflate {deflate} chunk {chunk}");
            }
            let mut sink = Collect::default();
            assert_eq!(read_member(&file, name, &mut sink).unwrap(), *header);
            assert!(sink == expected);
        }
    }
}

#[test]
fn archives_written_by_numpy_read() {
    for hex in [NUMPY_STORED, NUMPY_COMPRESSED] {
        let file = unhex(hex);
        let listed = list(&file).unwrap();
        let shapes: Vec<(&str, &[u64], bool)> = listed
            .iter()
            .map(|(n, h)| (n.as_str(), h.shape.as_slice(), h.fortran_order))
            .collect();
        assert_eq!(
            shapes,
            [
                ("x", &[10][..], false),
                ("y", &[3, 2][..], false),
                ("z", &[2, 3][..], true)
            ]
        );
        let mut x = Collect::default();
        read_member(&file, "x", &mut x).unwrap();
        let ramp: Vec<f64> = (0..10).map(|i| f64::from(i) * 0.25).collect();
        assert_eq!(x.channels, [ramp]);
        let mut y = Collect::default();
        read_member(&file, "y", &mut y).unwrap();
        assert_eq!(y.channels, [vec![1.0, 3.0, -5.0], vec![-2.0, 4.0, 6.0]]);
        let mut z = Collect::default();
        read_member(&file, "z", &mut z).unwrap();
        assert_eq!(z.channels, [vec![1.5, 4.5], vec![2.5, 5.5], vec![3.5, 6.5]]);
    }
}

/// A push machine over one member's span.
struct Machine {
    reader: NpzMemberReader,
    sink: Collect,
}

impl Push<u8> for Machine {
    type Output = (NpyHeader, Collect);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.reader.push(chunk, &mut self.sink)
    }
    fn finish(self) -> Result<(NpyHeader, Collect)> {
        Ok((self.reader.finish()?, self.sink))
    }
}

#[test]
fn any_split_of_a_member_gives_the_same_blocks() {
    for deflate in [false, true] {
        let file = archive(deflate, false);
        let index = NpzIndex::new(ZipIndex::from_bytes(&file).unwrap()).unwrap();
        let entry = index.entry(index.member("rows").unwrap());
        let span = &file[entry.span().start as usize..entry.span().end as usize];
        let make = || Machine {
            reader: NpzMemberReader::new(entry).unwrap(),
            sink: Collect::default(),
        };
        assert_chunk_invariant(make, span, 16);
    }
    // Errors do not depend on the split either: a member longer than its array.
    let mut longer = npy_bytes("<i2", &[300], false, 1, &[3.0; 300]);
    longer.extend_from_slice(&[0; 5]);
    for deflate in [false, true] {
        let mut z = TestZip::new();
        z.add("a.npy", &longer, deflate);
        let file = z.finish();
        let index = ZipIndex::from_bytes(&file).unwrap();
        let entry = &index.entries()[0];
        let span = &file[entry.span().start as usize..entry.span().end as usize];
        let make = || Machine {
            reader: NpzMemberReader::new(entry).unwrap(),
            sink: Collect::default(),
        };
        assert_chunk_invariant(make, span, 16);
    }
}

#[test]
fn the_header_needs_only_the_first_bytes() {
    let mut z = TestZip::new();
    let big: Vec<f64> = (0..200_000).map(f64::from).collect();
    z.add(
        "big.npy",
        &npy_bytes("<f8", &[200_000], false, 1, &big),
        true,
    );
    let file = z.finish();
    let index = NpzIndex::new(ZipIndex::from_bytes(&file).unwrap()).unwrap();
    let entry = index.entry(&index.members()[0]);
    let mut r = NpzHeaderReader::new(entry).unwrap();
    let start = entry.span().start as usize;
    let mut pushed = 0;
    for c in file[start..].chunks(16) {
        pushed += c.len();
        if r.push(c).unwrap().is_some() {
            break;
        }
    }
    assert!(
        pushed < 1000,
        "pushed {pushed} of {} bytes",
        entry.compressed_size
    );
    assert_eq!(r.finish().unwrap().samples, 200_000);
}

fn member_error(npy: &[u8], deflate: bool) -> Error {
    let mut z = TestZip::new();
    z.add("a.npy", npy, deflate);
    let file = z.finish();
    let header = list(&file).err();
    let stream = read_chunked(&file, "a", 5).unwrap_err();
    if let Some(h) = header {
        assert_eq!(
            h.to_string(),
            stream.to_string(),
            "list and stream disagree"
        );
    }
    stream
}

#[test]
fn hostile_members_are_errors_in_context() {
    let good = npy_bytes("<i4", &[100], false, 1, &[1.0; 100]);
    // Not an NPY member: stored offsets are absolute, deflated ones name the position.
    let mut bad = good.clone();
    bad[0] = b'X';
    let e = member_error(&bad, false);
    assert!(matches!(e, Error::Malformed { offset: 35, .. }), "{e}");
    assert!(e.to_string().contains("in npz member 'a.npy'"), "{e}");
    let e = member_error(&bad, true);
    assert!(matches!(e, Error::Malformed { offset: 0, .. }), "{e}");
    assert!(
        e.to_string().contains("at byte 0 of its inflated contents"),
        "{e}"
    );
    // A member shorter or longer than its header says.
    for deflate in [false, true] {
        let e = member_error(&good[..good.len() - 8], deflate);
        assert!(matches!(e, Error::Truncated { .. }), "{e}");
        let mut longer = good.clone();
        longer.extend_from_slice(&[0; 4]);
        let e = member_error(&longer, deflate);
        assert!(
            e.to_string()
                .contains("the end of the file after the array data"),
            "{e}"
        );
    }
    // A header length over the limit.
    let mut huge = npy_bytes("<i4", &[1], false, 2, &[1.0]);
    huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = member_error(&huge, true);
    assert!(matches!(e, Error::Limit { .. }), "{e}");
    // A member that ends inside its header.
    let e = member_error(&good[..30], true);
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("npz member 'a.npy'"), "{e}");
}

#[test]
fn broken_archives_are_errors() {
    // Two members of one name.
    let npy = npy_bytes("<f8", &[2], false, 1, &[1.0, 2.0]);
    let mut z = TestZip::new();
    z.add("a.npy", &npy, false).add("a.npy", &npy, true);
    let e = list(&z.finish()).unwrap_err();
    assert!(e.to_string().contains("one npz member 'a.npy'"), "{e}");
    // A bad CRC in a deflated member.
    let mut z = TestZip::new();
    z.add_raw(
        "a.npy",
        &miniz_oxide::deflate::compress_to_vec(&npy, 6),
        8,
        npy.len() as u64,
        1,
    );
    let e = read_chunked(&z.finish(), "a", 100).unwrap_err();
    assert!(e.to_string().contains("CRC-32"), "{e}");
    // A deflate stream cut short.
    let mut big = npy_bytes("<u1", &[5000], false, 1, &[0.0; 5000]);
    big.truncate(128);
    big.extend_from_slice(&sample_bytes(5000, 1));
    let full = miniz_oxide::deflate::compress_to_vec(&big, 6);
    let mut z = TestZip::new();
    let crc = crate::formats::zip::crc32(&big);
    z.add_raw("a.npy", &full[..full.len() - 20], 8, big.len() as u64, crc);
    let e = read_chunked(&z.finish(), "a", 100).unwrap_err();
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    // An array that is not there.
    let mut sink = Collect::default();
    let e = read_member(&archive(true, false), "nope", &mut sink).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid configuration: no array 'nope' in the npz archive (arrays: ramp, rows, cols, scalar)"
    );
}
