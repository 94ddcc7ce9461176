//! `NpyReader`: pushed in chunks, then finished.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::{NpyHeader, NpyReader};
use scopekit_fuzz::{Discard, Input};

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    if let Ok(h) = NpyHeader::parse(input.file) {
        let _ = h.layout();
        // As callers do: cut into segments only a header that the file's length fits.
        if h.check_file_len(input.len()).is_ok() {
            let _ = h.segments(1 + u64::from(input.flags) * 64);
        }
    }
    let mut reader = NpyReader::new();
    for piece in input.pieces() {
        if reader.push(piece, &mut Discard).is_err() {
            return;
        }
    }
    let _ = reader.finish();
});
