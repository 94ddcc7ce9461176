//! The generic `formats::Reader` (recognises NPY/TRC/WAV/CSV/VCD by content; a VCD is read
//! as samples at a rate from the input): pushed in chunks, then finished. Also `Header::parse` with everything a header answers, the
//! parallel path (`Reader::resume` over `Header::segments`), and the whole-file zip path
//! (`archive::open` + `archive::read`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::{archive, Header, Reader};
use scopekit_fuzz::{Discard, Input};

/// Segments read per input on the parallel path.
const SEGMENTS: usize = 8;

/// Ask the header everything, then read its segments as the parallel CLI does.
fn exercise(header: &Header, input: &Input<'_>) {
    let _ = (header.format(), header.layout(), header.data_offset());
    let _ = (
        header.natural_dtype(),
        header.is_channel_major(),
        header.info(),
    );
    let _ = header.check_file_len(input.len());
    // As callers do: cut into segments only a header that the file's length fits.
    let Ok(header) = header.clone().with_file_len(input.len()) else {
        return;
    };
    let header = &header;
    let target = 1 + u64::from(input.flags) * 64;
    let Some(segments) = header.segments(target) else {
        return;
    };
    let data = input
        .file
        .get(usize::try_from(header.data_offset()).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    for (start, end) in segments.into_iter().take(SEGMENTS) {
        let Ok(mut reader) = Reader::resume(header.clone(), start, end) else {
            continue;
        };
        let from = usize::try_from(start).unwrap_or(usize::MAX).min(data.len());
        let to = usize::try_from(end)
            .unwrap_or(usize::MAX)
            .clamp(from, data.len());
        let mut ok = true;
        for piece in input.pieces_of(&data[from..to]) {
            if reader.push(piece, &mut Discard).is_err() {
                ok = false;
                break;
            }
        }
        if ok {
            let _ = reader.finish(&mut Discard);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let file = input.file;

    let reader = if input.flags & 1 == 0 {
        Reader::new()
    } else {
        Reader::with_file_len(input.len())
    };
    let mut reader = reader.sampling_vcd_at(input.vcd_rate());
    let mut ok = true;
    for piece in input.pieces() {
        if reader.push(piece, &mut Discard).is_err() {
            ok = false;
            break;
        }
    }
    if ok {
        if let Some(h) = reader.header() {
            let _ = h.info();
        }
        if let Ok(h) = reader.finish(&mut Discard) {
            exercise(&h, &input);
        }
    }

    if let Ok(h) = Header::parse(file) {
        exercise(&h, &input);
    }

    if let Ok(h) = archive::open(file) {
        exercise(&h, &input);
        let _ = archive::read(file, &h, &mut Discard);
    }
});
