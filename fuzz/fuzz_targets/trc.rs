//! `TrcReader` (LeCroy waveforms): pushed in chunks, then finished.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::trc::TrcReader;
use scopekit_fuzz::{Discard, Input};

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let mut reader = TrcReader::new();
    for piece in input.pieces() {
        if reader.push(piece, &mut Discard).is_err() {
            return;
        }
    }
    let _ = reader.trailing_bytes();
    let _ = reader.finish();
});
