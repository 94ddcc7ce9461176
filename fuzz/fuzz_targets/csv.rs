//! `CsvReader`: pushed in chunks, then finished (it emits the rows it held back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::csv::{CsvHeader, CsvReader};
use scopekit_fuzz::{Discard, Input};

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    if let Ok(h) = CsvHeader::parse(input.file) {
        let _ = (h.layout(), h.sample_rate(), h.meta("x"));
    }
    let mut reader = CsvReader::new();
    for piece in input.pieces() {
        if reader.push(piece, &mut Discard).is_err() {
            return;
        }
    }
    if let Ok(h) = reader.finish(&mut Discard) {
        let _ = (h.layout(), h.sample_rate());
    }
});
