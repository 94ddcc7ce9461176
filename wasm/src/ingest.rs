//! One read of a dropped file feeding two analyses: the page's statistics and the waveform
//! viewer's pyramid. Each chunk is copied once into wasm memory and parsed and decoded once,
//! by one format reader whose blocks go to both (`kernel::Tee`).

use wasm_bindgen::prelude::*;

use crate::lod::LodSession;
use crate::stats::StatsStream;
use crate::to_js;

/// The statistics of a streamed file and, from the same reader, the pyramid of a
/// [`LodSession`] (given to every `push` and to `finish`; queried as usual meanwhile).
#[wasm_bindgen]
pub struct IngestSession {
    stream: StatsStream,
}

#[wasm_bindgen]
impl IngestSession {
    /// A session for a file of `file_len` bytes (`File.size`); `channel` limits the
    /// statistics to one channel; `rate` samples a VCD's value changes that many times per
    /// second (the pyramid then holds those samples too).
    #[wasm_bindgen(constructor)]
    pub fn new(file_len: f64, channel: Option<u32>, rate: Option<f64>) -> IngestSession {
        IngestSession {
            stream: StatsStream::new(file_len, channel, rate),
        }
    }

    /// Push the next chunk of the file into the statistics and `lod`'s pyramid (a
    /// `LodSession` made for this file and fed only through this session). Throws on bad
    /// input, naming the byte offset.
    pub fn push(
        &mut self,
        lod: &mut LodSession,
        chunk: &js_sys::Uint8Array,
    ) -> Result<(), JsError> {
        if let Some(header) = self.stream.push(chunk, lod.fed_builder()?)? {
            lod.set_header(header);
        }
        Ok(())
    }

    /// What the header says (the `scopekit info --json` document), once it is parsed;
    /// `undefined` before.
    pub fn info(&self) -> Result<JsValue, JsError> {
        match self.stream.header() {
            Some(h) => to_js(&h.info()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Finish both: `lod`'s pyramid is complete afterwards; returns the `scopekit stats
    /// --json` document.
    pub fn finish(&mut self, lod: &mut LodSession) -> Result<JsValue, JsError> {
        let (header, report) = self.stream.finish(lod.fed_builder()?)?;
        lod.finish_fed(header);
        to_js(&report)
    }
}
