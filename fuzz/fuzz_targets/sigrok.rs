//! `SigrokReader`: a whole session read with `read_slice`, then the same session pushed
//! range by range in chunks, expanding all or a few logic channels.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::sigrok::{LogicBlocks, SigrokReader};
use scopekit_core::formats::zip::ZipIndex;
use scopekit_fuzz::{Discard, Input};

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let file = input.file;
    let mut sink = Discard;
    let _ = SigrokReader::read_slice(file, &mut LogicBlocks::new(&mut sink));

    let Ok(index) = ZipIndex::from_bytes(file) else {
        return;
    };
    let Ok(mut reader) = SigrokReader::new(index) else {
        return;
    };
    let channels = [usize::from(input.flags >> 1), 0];
    let mut logic = if input.flags & 1 == 0 {
        LogicBlocks::new(&mut sink)
    } else {
        LogicBlocks::with_channels(&mut sink, &channels)
    };
    'ranges: while let Some(range) = reader.next_range() {
        // The reader's ranges lie within the file it indexed (read_slice slices the same way).
        let bytes = &file[range.start as usize..range.end as usize];
        for piece in input.pieces_of(bytes) {
            if reader.push(piece, &mut logic).is_err() {
                break 'ranges;
            }
        }
    }
    let _ = reader.finish();
});
