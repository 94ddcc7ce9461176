use alloc::string::String;
use alloc::vec::Vec;

use miniz_oxide::deflate::compress_to_vec;

use super::*;
use crate::testkit::assert_chunk_invariant;
use crate::Push;

/// A tiny zip writer for tests: stored or deflated entries, optionally ZIP64 fields, data
/// descriptors, local extra fields and an archive comment.
#[derive(Default)]
pub(crate) struct TestZip {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u64,
    /// Write ZIP64 extra fields (sizes and offsets saturated) and the ZIP64 EOCD.
    pub zip64: bool,
    /// Set general purpose bit 3 and write a data descriptor after each entry's data.
    pub descriptor: bool,
    /// Extra field bytes written in local headers only.
    pub local_extra: Vec<u8>,
    /// The archive comment.
    pub comment: Vec<u8>,
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl TestZip {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Add an entry holding `data`, deflated (level 6) or stored.
    pub(crate) fn add(&mut self, name: &str, data: &[u8], deflate: bool) -> &mut Self {
        let packed = if deflate {
            compress_to_vec(data, 6)
        } else {
            data.to_vec()
        };
        self.add_raw(
            name,
            &packed,
            if deflate { 8 } else { 0 },
            data.len() as u64,
            crc32(data),
        )
    }

    /// Add an entry with the given compressed bytes, method and declared size and CRC.
    pub(crate) fn add_raw(
        &mut self,
        name: &str,
        packed: &[u8],
        method: u16,
        size: u64,
        crc: u32,
    ) -> &mut Self {
        let lho = self.out.len() as u64;
        let flags: u16 = if self.descriptor { 8 } else { 0 };
        let sat = |x: u64| if self.zip64 { u32::MAX } else { x as u32 };
        let mut z64 = Vec::new();
        if self.zip64 {
            put16(&mut z64, 1);
            put16(&mut z64, 24);
            put64(&mut z64, size);
            put64(&mut z64, packed.len() as u64);
            put64(&mut z64, lho);
        }
        // Local header.
        let o = &mut self.out;
        put32(o, 0x0403_4b50);
        put16(o, if self.zip64 { 45 } else { 20 });
        put16(o, flags);
        put16(o, method);
        put32(o, 0);
        let (lcrc, lc, lu) = if self.descriptor {
            (0, 0, 0)
        } else {
            (crc, sat(packed.len() as u64), sat(size))
        };
        put32(o, lcrc);
        put32(o, lc);
        put32(o, lu);
        put16(o, name.len() as u16);
        let local_z64 = if self.zip64 { &z64[..20] } else { &[][..] };
        put16(o, (local_z64.len() + self.local_extra.len()) as u16);
        o.extend_from_slice(name.as_bytes());
        if self.zip64 {
            // Local ZIP64 extra: uncompressed and compressed size only.
            o.extend_from_slice(&[1, 0, 16, 0]);
            o.extend_from_slice(&z64[4..20]);
        }
        o.extend_from_slice(&self.local_extra);
        o.extend_from_slice(packed);
        if self.descriptor {
            put32(o, 0x0807_4b50);
            put32(o, crc);
            if self.zip64 {
                put64(o, packed.len() as u64);
                put64(o, size);
            } else {
                put32(o, packed.len() as u32);
                put32(o, size as u32);
            }
        }
        // Central directory record.
        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        put16(c, 0x031e);
        put16(c, if self.zip64 { 45 } else { 20 });
        put16(c, flags);
        put16(c, method);
        put32(c, 0);
        put32(c, crc);
        put32(c, sat(packed.len() as u64));
        put32(c, sat(size));
        put16(c, name.len() as u16);
        put16(c, z64.len() as u16);
        put16(c, 0);
        put16(c, 0);
        put16(c, 0);
        put32(c, 0);
        put32(c, sat(lho));
        c.extend_from_slice(name.as_bytes());
        c.extend_from_slice(&z64);
        self.count += 1;
        self
    }

    /// The archive bytes.
    pub(crate) fn finish(&self) -> Vec<u8> {
        let mut o = self.out.clone();
        let cd = o.len() as u64;
        o.extend_from_slice(&self.central);
        let size = self.central.len() as u64;
        if self.zip64 {
            let record = o.len() as u64;
            put32(&mut o, 0x0606_4b50);
            put64(&mut o, 44);
            put16(&mut o, 45);
            put16(&mut o, 45);
            put32(&mut o, 0);
            put32(&mut o, 0);
            put64(&mut o, self.count);
            put64(&mut o, self.count);
            put64(&mut o, size);
            put64(&mut o, cd);
            put32(&mut o, 0x0706_4b50);
            put32(&mut o, 0);
            put64(&mut o, record);
            put32(&mut o, 1);
        }
        let (n, sz, off) = if self.zip64 {
            (0xFFFF, u32::MAX, u32::MAX)
        } else {
            (self.count as u16, size as u32, cd as u32)
        };
        put32(&mut o, 0x0605_4b50);
        put32(&mut o, 0);
        put16(&mut o, n);
        put16(&mut o, n);
        put32(&mut o, sz);
        put32(&mut o, off);
        put16(&mut o, self.comment.len() as u16);
        o.extend_from_slice(&self.comment);
        o
    }
}

/// Read one entry of `file`, pushing its span in chunks of `chunk` bytes.
pub(crate) fn read_entry(file: &[u8], e: &ZipEntry, chunk: usize) -> Result<Vec<u8>> {
    let mut r = EntryReader::new(e)?;
    let mut out = Vec::new();
    let span = e.span();
    for c in file[span.start as usize..span.end as usize].chunks(chunk.max(1)) {
        r.push(c, &mut |b| {
            out.extend_from_slice(b);
            Ok(())
        })?;
    }
    assert_eq!(r.finish()?, out.len() as u64);
    Ok(out)
}

/// Deterministic test bytes: a mix of runs (compressible) and noise.
pub(crate) fn sample_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let run = (x % 40) as usize;
        let byte = (x >> 32) as u8;
        if x & 0x100 != 0 {
            out.extend(core::iter::repeat_n(byte, run.min(n - out.len())));
        } else {
            out.push(byte);
        }
    }
    out
}

fn crc_bitwise(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn crc32_matches_the_check_value_and_a_bitwise_oracle() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
    let data = sample_bytes(10_000, 3);
    for len in [0, 1, 7, 8, 9, 63, 1000, 10_000] {
        assert_eq!(crc32(&data[..len]), crc_bitwise(&data[..len]), "len {len}");
    }
    let mut c = Crc32::new();
    for part in data.chunks(13) {
        c.update(part);
    }
    assert_eq!(c.value(), crc_bitwise(&data));
}

fn contents() -> Vec<(String, Vec<u8>, bool)> {
    let mut v = Vec::new();
    for (i, n) in [0usize, 1, 100, 40_000, 200_000].into_iter().enumerate() {
        for deflate in [false, true] {
            v.push((
                format!("entry-{i}-{deflate}"),
                sample_bytes(n, i as u64),
                deflate,
            ));
        }
    }
    v.push(("zeros".into(), vec![0; 300_000], true));
    v
}

#[test]
fn stored_and_deflated_entries_round_trip_in_every_variant() {
    let items = contents();
    for variant in 0..8 {
        let mut z = TestZip::new();
        z.zip64 = variant & 1 != 0;
        z.descriptor = variant & 2 != 0;
        if variant & 4 != 0 {
            z.local_extra = vec![0x55, 0x54, 5, 0, 1, 2, 3, 4, 5];
            z.comment = b"a comment with PK\x05\x06 inside".to_vec();
        }
        for (name, data, deflate) in &items {
            z.add(name, data, *deflate);
        }
        let file = z.finish();
        let index = ZipIndex::from_bytes(&file).unwrap();
        assert_eq!(index.entries().len(), items.len());
        for (name, data, deflate) in &items {
            let e = index.find(name).unwrap();
            let method = if *deflate {
                Method::Deflate
            } else {
                Method::Stored
            };
            assert_eq!((e.method, e.uncompressed_size), (method, data.len() as u64));
            for chunk in [1, 5, 4096, usize::MAX] {
                if chunk == 1 && data.len() > 50_000 {
                    continue;
                }
                let got = read_entry(&file, e, chunk).unwrap();
                assert!(got == *data, "{name} variant {variant} chunk {chunk}");
            }
        }
    }
}

#[test]
fn the_index_is_found_from_the_tail_alone() {
    let mut z = TestZip::new();
    z.add("a", &sample_bytes(100_000, 1), false);
    z.comment = vec![b'x'; 0xFFFF];
    for zip64 in [false, true] {
        z.zip64 = zip64;
        let file = z.finish();
        let len = file.len() as u64;
        let tail = ZipIndex::locate(len);
        assert_eq!(tail.end - tail.start, TAIL_LEN.min(len));
        let dir = ZipIndex::parse_tail(&file[tail.start as usize..], len).unwrap();
        assert_eq!(dir.zip64, zip64);
        let r = dir.range();
        let index = dir.parse(&file[r.start as usize..r.end as usize]).unwrap();
        assert_eq!(index, ZipIndex::from_bytes(&file).unwrap());
        assert_eq!(index.central_dir(), r);
        let direct = ZipIndex::parse_central(&file[r.start as usize..r.end as usize], r.start);
        assert_eq!(direct.unwrap(), index);
    }
    // A file shorter than the tail length: the tail is the whole file.
    assert_eq!(ZipIndex::locate(100), 0..100);
}

/// A push machine over one entry's span, for the chunk-invariance checker.
struct Machine {
    reader: EntryReader,
    out: Vec<u8>,
}

impl Push<u8> for Machine {
    type Output = (u64, Vec<u8>);
    fn push(&mut self, chunk: &[u8]) -> Result<()> {
        let out = &mut self.out;
        self.reader.push(chunk, &mut |b| {
            out.extend_from_slice(b);
            Ok(())
        })
    }
    fn finish(self) -> Result<(u64, Vec<u8>)> {
        Ok((self.reader.finish()?, self.out))
    }
}

fn span(file: &[u8], e: &ZipEntry) -> Vec<u8> {
    file[e.span().start as usize..e.span().end as usize].to_vec()
}

#[test]
fn any_split_of_an_entry_gives_the_same_output() {
    let data = sample_bytes(70_000, 9);
    let mut z = TestZip::new();
    z.descriptor = true;
    z.add("d", &data, true).add("s", &data[..5000], false);
    let file = z.finish();
    let index = ZipIndex::from_bytes(&file).unwrap();
    for e in index.entries() {
        let make = || Machine {
            reader: EntryReader::new(e).unwrap(),
            out: Vec::new(),
        };
        assert_chunk_invariant(make, &span(&file, e), 24);
    }
    // Errors are split-invariant too: a corrupted deflate stream and a bad CRC.
    let e = &index.entries()[0];
    let mut bad = span(&file, e);
    bad[500] ^= 0x40;
    let make = || Machine {
        reader: EntryReader::new(e).unwrap(),
        out: Vec::new(),
    };
    assert_chunk_invariant(make, &bad, 24);
}

fn first_error(file: &[u8]) -> Error {
    let index = match ZipIndex::from_bytes(file) {
        Ok(i) => i,
        Err(e) => return e,
    };
    for e in index.entries() {
        if let Err(err) = read_entry(file, e, 1000) {
            return err;
        }
    }
    panic!("no error");
}

fn one_entry(data: &[u8], deflate: bool) -> Vec<u8> {
    let mut z = TestZip::new();
    z.add("e", data, deflate);
    z.finish()
}

#[test]
fn a_missing_end_of_central_directory_is_malformed() {
    let file = one_entry(b"hello", false);
    for cut in [0, 10, file.len() - 1] {
        let e = first_error(&file[..cut]);
        assert!(matches!(e, Error::Malformed { .. }), "{e}");
        assert!(e.to_string().contains("end of central directory"), "{e}");
    }
    let e = first_error(&sample_bytes(100_000, 5));
    assert!(e.to_string().contains("end of central directory"), "{e}");
}

#[test]
fn a_central_directory_past_the_end_is_malformed() {
    let mut file = one_entry(b"hello", false);
    let eocd = file.len() - 22;
    file[eocd + 16..eocd + 20].copy_from_slice(&1_000_000u32.to_le_bytes());
    let e = first_error(&file);
    assert!(
        matches!(e, Error::Malformed { offset, .. } if offset == eocd as u64 + 12),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("central directory that ends by byte"),
        "{e}"
    );
    // A size that overflows when added to the offset.
    let mut file = one_entry(b"hello", false);
    file[eocd + 12..eocd + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    file[eocd + 16..eocd + 20].copy_from_slice(&(u32::MAX - 1).to_le_bytes());
    let e = first_error(&file);
    assert!(matches!(e, Error::Malformed { .. }), "{e}");
}

#[test]
fn entry_counts_and_sizes_are_bounded() {
    // More entries than the directory can hold.
    let mut file = one_entry(b"hello", false);
    let eocd = file.len() - 22;
    file[eocd + 8..eocd + 12].copy_from_slice(&[50, 0, 50, 0]);
    let e = first_error(&file);
    assert!(e.to_string().contains("at most 1 entries"), "{e}");
    // ZIP64 count over the limit.
    let mut z = TestZip::new();
    z.zip64 = true;
    z.add("e", b"x", false);
    let mut file = z.finish();
    let record = file.len() - 22 - 20 - 56;
    file[record + 32..record + 40].copy_from_slice(&(1u64 << 40).to_le_bytes());
    file[record + 24..record + 32].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let e = first_error(&file);
    assert!(
        matches!(
            e,
            Error::Limit {
                limit: MAX_ENTRIES,
                ..
            }
        ),
        "{e}"
    );
    // Saturated fields without a ZIP64 locator.
    let mut file = one_entry(b"hello", false);
    let eocd = file.len() - 22;
    file[eocd + 8..eocd + 12].copy_from_slice(&[0xFF; 4]);
    let e = first_error(&file);
    assert!(
        e.to_string()
            .contains("ZIP64 end of central directory locator"),
        "{e}"
    );
}

#[test]
fn entry_sizes_that_overflow_or_overlap_are_malformed() {
    // A ZIP64 compressed size of u64::MAX.
    let mut z = TestZip::new();
    z.zip64 = true;
    z.add("e", b"hello", false);
    let mut file = z.finish();
    let index = ZipIndex::from_bytes(&file).unwrap();
    let c = index.entries()[0].central_offset as usize;
    let extra = c + 46 + 1;
    file[extra + 12..extra + 20].copy_from_slice(&u64::MAX.to_le_bytes());
    let e = first_error(&file);
    assert!(
        e.to_string().contains("before the central directory"),
        "{e}"
    );
    // A local header offset past the central directory.
    let mut file = one_entry(b"hello", false);
    let c = ZipIndex::from_bytes(&file).unwrap().entries()[0].central_offset as usize;
    file[c + 42..c + 46].copy_from_slice(&1000u32.to_le_bytes());
    let e = first_error(&file);
    assert!(
        matches!(e, Error::Malformed { offset, .. } if offset == c as u64 + 20),
        "{e}"
    );
    // Two entries sharing one local header.
    let mut z = TestZip::new();
    z.add("a", b"hello", false).add("b", b"hello", false);
    let mut file = z.finish();
    let index = ZipIndex::from_bytes(&file).unwrap();
    let c = index.entries()[1].central_offset as usize;
    file[c + 42..c + 46].copy_from_slice(&0u32.to_le_bytes());
    let e = first_error(&file);
    assert!(e.to_string().contains("local header of its own"), "{e}");
    // A local extra field that pushes the data into the next entry.
    let mut z = TestZip::new();
    z.add("a", b"hello", false).add("b", b"world", false);
    let mut file = z.finish();
    file[28] = 9;
    let e = first_error(&file);
    assert!(matches!(e, Error::Malformed { offset: 26, .. }), "{e}");
}

#[test]
fn a_bad_crc_is_malformed() {
    for deflate in [false, true] {
        let mut file = one_entry(&sample_bytes(5000, 2), deflate);
        let index = ZipIndex::from_bytes(&file).unwrap();
        let c = index.entries()[0].central_offset as usize;
        file[c + 16] ^= 1;
        let e = first_error(&file);
        assert!(
            matches!(e, Error::Malformed { offset, .. } if offset == c as u64 + 16),
            "{e}"
        );
        assert!(e.to_string().contains("CRC-32"), "{e}");
    }
}

#[test]
fn truncated_and_corrupt_deflate_streams_are_errors() {
    let data = sample_bytes(50_000, 4);
    let packed = compress_to_vec(&data, 6);
    let n = data.len() as u64;
    let crc = crc32(&data);
    // The stream cut short: the entry's compressed bytes end before the stream does.
    let mut z = TestZip::new();
    z.add_raw("cut", &packed[..packed.len() / 2], 8, n, crc);
    let e = first_error(&z.finish());
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("rest of the deflate stream"), "{e}");
    // Garbage instead of deflate data; the reader stays failed.
    let mut z = TestZip::new();
    z.add_raw("junk", &[0xFF; 64], 8, n, crc);
    let file = z.finish();
    let e = first_error(&file);
    assert!(e.to_string().contains("valid deflate stream"), "{e}");
    let index = ZipIndex::from_bytes(&file).unwrap();
    let entry = &index.entries()[0];
    let mut r = EntryReader::new(entry).unwrap();
    let bytes = span(&file, entry);
    assert_eq!(r.push(&bytes[..60], &mut |_| Ok(())).unwrap_err(), e);
    assert_eq!(r.push(&bytes[60..], &mut |_| Ok(())).unwrap_err(), e);
    assert_eq!(r.finish().unwrap_err(), e);
    // Bytes after the end of the stream, inside the entry.
    let mut more = packed.clone();
    more.extend_from_slice(&[0; 10]);
    let mut z = TestZip::new();
    z.add_raw("more", &more, 8, n, crc);
    let e = first_error(&z.finish());
    assert!(e.to_string().contains("10 more compressed bytes"), "{e}");
    // A stream that inflates to more than the declared size.
    let mut z = TestZip::new();
    z.add_raw("big", &packed, 8, n - 1, crc);
    let e = first_error(&z.finish());
    assert!(e.to_string().contains("uncompressed bytes"), "{e}");
    // A declared size larger than the stream.
    let mut z = TestZip::new();
    z.add_raw("small", &packed, 8, n + 1, crc);
    let e = first_error(&z.finish());
    assert!(e.to_string().contains(&format!("found {n}")), "{e}");
}

#[test]
fn input_that_ends_early_is_truncated() {
    let file = one_entry(&sample_bytes(1000, 1), true);
    let index = ZipIndex::from_bytes(&file).unwrap();
    let e = &index.entries()[0];
    let bytes = span(&file, e);
    for cut in [0, 10, 31, 40, bytes.len() - 30] {
        let mut r = EntryReader::new(e).unwrap();
        r.push(&bytes[..cut], &mut |_| Ok(())).unwrap();
        let err = r.finish().unwrap_err();
        assert!(
            matches!(err, Error::Truncated { offset, .. } if offset == cut as u64),
            "{cut}: {err}"
        );
    }
}

#[test]
fn unsupported_entries_are_refused() {
    let mut z = TestZip::new();
    z.add_raw("bz", b"BZh91AY", 12, 10, 0);
    let file = z.finish();
    let e = first_error(&file);
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("method 12"), "{e}");
    let mut file = one_entry(b"secret", false);
    let c = ZipIndex::from_bytes(&file).unwrap().entries()[0].central_offset as usize;
    file[c + 8] |= 1;
    let e = first_error(&file);
    assert!(e.to_string().contains("encrypted"), "{e}");
    // A wrong local header signature, and a local method that differs.
    let mut file = one_entry(b"hello", false);
    file[0] = b'X';
    assert!(matches!(
        first_error(&file),
        Error::Malformed { offset: 0, .. }
    ));
    let mut file = one_entry(b"hello", false);
    file[8] = 8;
    assert!(matches!(
        first_error(&file),
        Error::Malformed { offset: 8, .. }
    ));
}

#[test]
fn mutated_archives_never_panic() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let mut z = TestZip::new();
    z.add("a", &sample_bytes(3000, 1), true)
        .add("b", b"stored", false)
        .add("c", &sample_bytes(500, 2), true);
    let file = z.finish();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let len = file.len();
    let strategy = proptest::collection::vec((0..len, any::<u8>()), 1..6);
    runner
        .run(&strategy, |flips| {
            let mut f = file.clone();
            for (at, b) in flips {
                f[at] = b;
            }
            if let Ok(index) = ZipIndex::from_bytes(&f) {
                for e in index.entries() {
                    let _ = read_entry(&f, e, 777);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn real_sigrok_archives_index_and_read() {
    extern crate std;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/sigrok/uart/rxtx_overlapped/rxtx_overlapped.sr"
    );
    let file = std::fs::read(path).unwrap();
    let index = ZipIndex::from_bytes(&file).unwrap();
    let names: Vec<&str> = index.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["version", "metadata", "logic-1-1"]);
    let methods: Vec<Method> = index.entries().iter().map(|e| e.method).collect();
    assert_eq!(methods, [Method::Stored, Method::Deflate, Method::Deflate]);
    assert_eq!(read_entry(&file, &index.entries()[0], 1).unwrap(), b"2");
    let logic = read_entry(&file, &index.entries()[2], 3).unwrap();
    assert_eq!(logic.len(), 1786);
}
