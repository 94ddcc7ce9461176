//! npz archives: `npz::list` and `npz::read_member` on the whole file, then each member's
//! header and samples pushed in chunks through `NpzHeaderReader` / `NpzMemberReader`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopekit_core::formats::npz::{self, NpzHeaderReader, NpzIndex, NpzMemberReader};
use scopekit_core::formats::zip::ZipIndex;
use scopekit_fuzz::{Discard, Input};

/// Members read per input (each costs a pass over its span).
const MEMBERS: usize = 8;

fuzz_target!(|data: &[u8]| {
    let input = Input::new(data);
    let file = input.file;
    if let Ok(members) = npz::list(file) {
        for (name, _) in members.iter().take(MEMBERS) {
            let _ = npz::read_member(file, name, &mut Discard);
        }
    }
    let _ = npz::read_member(file, "no such member", &mut Discard);

    let Ok(index) = ZipIndex::from_bytes(file).and_then(NpzIndex::new) else {
        return;
    };
    let _ = index.member("x");
    for m in index.members().iter().take(MEMBERS) {
        let entry = index.entry(m);
        let span = entry.span();
        let bytes = &file[span.start as usize..span.end as usize];

        if let Ok(mut r) = NpzHeaderReader::new(entry) {
            for piece in input.pieces_of(bytes) {
                match r.push(piece) {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) => {}
                }
            }
            let _ = r.finish();
        }

        if let Ok(mut r) = NpzMemberReader::new(entry) {
            let mut ok = true;
            for piece in input.pieces_of(bytes) {
                if r.push(piece, &mut Discard).is_err() {
                    ok = false;
                    break;
                }
            }
            if ok {
                let _ = r.finish();
            }
        }
    }
});
