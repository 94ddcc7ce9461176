//! Zip indexes: `ZipIndex::from_bytes`, the same index found the streaming way (tail,
//! then central directory), and every entry inflated in chunks by `EntryReader`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::zip::{EntryReader, ZipIndex};
use scopekit_fuzz::Input;

/// Entries inflated per input.
const ENTRIES: usize = 16;

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let file = input.file;

    // The streaming route: locate the tail, parse it, then parse the central directory.
    let tail = ZipIndex::locate(input.len());
    if let Some(bytes) = file.get(tail.start as usize..tail.end as usize) {
        if let Ok(dir) = ZipIndex::parse_tail(bytes, input.len()) {
            let r = dir.range();
            if let Some(bytes) = file.get(r.start as usize..r.end as usize) {
                let _ = dir.parse(bytes);
            }
        }
    }

    let Ok(index) = ZipIndex::from_bytes(file) else {
        return;
    };
    let _ = (index.central_dir(), index.find("metadata"));
    for entry in index.entries().iter().take(ENTRIES) {
        let _ = entry.is_encrypted();
        let span = entry.span();
        let Ok(mut reader) = EntryReader::new(entry) else {
            continue;
        };
        let mut ok = true;
        let mut sum = 0u64;
        for piece in input.pieces_of(&file[span.start as usize..span.end as usize]) {
            let pushed = reader.push(piece, &mut |b| {
                sum = sum.wrapping_add(b.len() as u64);
                Ok(())
            });
            if pushed.is_err() {
                ok = false;
                break;
            }
        }
        let _ = (reader.data_start(), reader.is_complete());
        if ok {
            let _ = reader.finish();
        }
    }
});
