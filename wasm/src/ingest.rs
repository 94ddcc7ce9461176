//! One read of a dropped file feeding two sessions: the page's statistics and the waveform
//! viewer's pyramid share each chunk, copied once into wasm memory.

use wasm_bindgen::prelude::*;

use crate::lod::LodSession;
use crate::stats::Session;

/// Push the next chunk of the file into both `stats` and `lod` (one copy of `chunk` into
/// wasm memory instead of one per session). Throws on bad input, naming the byte offset; the
/// statistics are pushed first, so their error is the one reported.
#[wasm_bindgen(js_name = pushBoth)]
pub fn push_both(stats: &mut Session, lod: &mut LodSession, chunk: &[u8]) -> Result<(), JsError> {
    stats.push_bytes(chunk)?;
    lod.push(chunk)
}
