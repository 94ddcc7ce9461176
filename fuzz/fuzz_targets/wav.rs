//! `WavReader`: pushed in chunks (with and without the file length), then finished.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::wav::WavReader;
use scopekit_fuzz::{Discard, Input};

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let mut reader = if input.flags & 1 == 0 {
        WavReader::new()
    } else {
        WavReader::with_file_len(input.len())
    };
    for piece in input.pieces() {
        if reader.push(piece, &mut Discard).is_err() {
            return;
        }
    }
    let _ = reader.finish();
});
