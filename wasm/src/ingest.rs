//! One read of a dropped file feeding two analyses: the page's statistics and the waveform
//! viewer's pyramid. Each chunk is copied once into wasm memory and parsed and decoded once,
//! by one format reader whose blocks go to both (`kernel::Tee`).

use scopekit_core::dsp::{Stats, StatsConfig};
use scopekit_core::formats::Reader;
use scopekit_core::kernel::Tee;
use scopekit_core::report::StatsReport;
use wasm_bindgen::prelude::*;

use crate::lod::LodSession;
use crate::{js_error, to_js};

/// Bytes of a pushed chunk copied into wasm memory at a time: small enough that the copy
/// is still in the core's cache when the reader parses it.
const PIECE: usize = 128 << 10;

/// The statistics of a streamed file and, from the same reader, the pyramid of a
/// [`LodSession`] (given to every `push` and to `finish`; queried as usual meanwhile).
#[wasm_bindgen]
pub struct IngestSession {
    reader: Option<Reader>,
    stats: Stats,
    /// The file's length, checked against the header once it is parsed.
    file_len: u64,
    checked: bool,
    /// Where pushed bytes are copied, [`PIECE`] at a time (allocated once).
    input: Vec<u8>,
}

#[wasm_bindgen]
impl IngestSession {
    /// A session for a file of `file_len` bytes (`File.size`); `channel` limits the
    /// statistics to one channel; `rate` samples a VCD's value changes that many times per
    /// second (the pyramid then holds those samples too).
    #[wasm_bindgen(constructor)]
    pub fn new(file_len: f64, channel: Option<u32>, rate: Option<f64>) -> IngestSession {
        let config = StatsConfig {
            channels: channel.map(|c| vec![c as usize]),
        };
        IngestSession {
            reader: Some(Reader::with_file_len(file_len as u64).sampling_vcd_at(rate)),
            stats: Stats::new(config),
            file_len: file_len as u64,
            checked: false,
            input: Vec::new(),
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
        let reader = self
            .reader
            .as_mut()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let builder = lod.fed_builder()?;
        let mut sink = Tee(&mut self.stats, builder);
        let len = chunk.length();
        if self.input.len() < PIECE.min(len as usize) {
            self.input.resize(PIECE.min(len as usize), 0);
        }
        let mut at = 0;
        while at < len {
            let end = len.min(at.saturating_add(PIECE as u32));
            let piece = &mut self.input[..(end - at) as usize];
            chunk.subarray(at, end).copy_to(piece);
            reader.push(piece, &mut sink).map_err(js_error)?;
            at = end;
        }
        if !self.checked {
            if let Some(h) = reader.header() {
                h.check_file_len(self.file_len).map_err(js_error)?;
                self.checked = true;
                lod.set_header(h);
            }
        }
        Ok(())
    }

    /// What the header says (the `scopekit info --json` document), once it is parsed;
    /// `undefined` before.
    pub fn info(&self) -> Result<JsValue, JsError> {
        match self.reader.as_ref().and_then(Reader::header) {
            Some(h) => to_js(&h.info()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Finish both: `lod`'s pyramid is complete afterwards; returns the `scopekit stats
    /// --json` document.
    pub fn finish(&mut self, lod: &mut LodSession) -> Result<JsValue, JsError> {
        let reader = self
            .reader
            .take()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let header = reader
            .finish(&mut Tee(&mut self.stats, lod.fed_builder()?))
            .map_err(js_error)?;
        lod.finish_fed(header.clone());
        let stats = core::mem::replace(&mut self.stats, Stats::new(StatsConfig::default()));
        to_js(&StatsReport {
            info: header.info(),
            channels: stats.report(),
        })
    }
}
