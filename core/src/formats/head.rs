//! The header of a file from its first bytes alone: what a worker that reads only a byte
//! range of a file (the page's range workers, the threaded decode) learns first.

use super::reader::{Header, Reader};
use crate::kernel::Discard;
use crate::Result;

impl Header {
    /// The header of a file of `file_len` bytes whose first bytes are `head`, checked
    /// against the file's length ([`Header::with_file_len`]); `None` when `head` ends
    /// before the header does. Bad input is an error naming its byte offset.
    pub fn from_head(head: &[u8], file_len: u64) -> Result<Option<Header>> {
        let mut reader = Reader::with_file_len(file_len);
        reader.push(head, &mut Discard)?;
        reader
            .header()
            .map(|h| h.with_file_len(file_len))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// A float32 NPY file of `n` samples.
    fn npy(n: usize) -> Vec<u8> {
        let mut dict =
            alloc::format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n},), }}")
                .into_bytes();
        while (10 + dict.len() + 1) % 64 != 0 {
            dict.push(b' ');
        }
        dict.push(b'\n');
        let mut f = b"\x93NUMPY\x01\x00".to_vec();
        f.extend((dict.len() as u16).to_le_bytes());
        f.extend(dict);
        f.extend((0..n).flat_map(|i| (i as f32).to_le_bytes()));
        f
    }

    #[test]
    fn reads_the_header_from_the_head_only() {
        let file = npy(1000);
        let len = file.len() as u64;
        let h = Header::from_head(&file[..200], len).unwrap().unwrap();
        assert_eq!(h.data_offset(), len - 4000);
        assert_eq!(h.info().samples, Some(1000));
        assert!(Header::from_head(&file[..30], len).unwrap().is_none());
    }

    #[test]
    fn bad_heads_and_short_files_are_errors() {
        let file = npy(1000);
        assert!(Header::from_head(&file[..200], 1000).is_err()); // shorter than its data
        let mut bad = file[..200].to_vec();
        bad[6] = 9; // NPY format version 9
        assert!(Header::from_head(&bad, file.len() as u64).is_err());
    }
}
