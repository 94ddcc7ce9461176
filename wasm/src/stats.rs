//! Per-channel statistics: `scopekit stats` in the page.

use scopekit_core::dsp::StatsConfig;
use scopekit_core::job::StatsJob;
use scopekit_core::Push as _;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// Statistics of a zip-based capture (sigrok session, npz) given whole: zip keeps its
/// directory at the end, and these files are small (compressed), so the worker reads them
/// in one piece. Returns the `scopekit stats --json` document; throws on bad input.
#[wasm_bindgen(js_name = analyzeArchive)]
pub fn analyze_archive(bytes: &[u8], channel: Option<u32>) -> Result<JsValue, JsError> {
    let config = StatsConfig {
        channels: channel.map(|c| vec![c as usize]),
    };
    let header = scopekit_core::formats::archive::open(bytes).map_err(js_error)?;
    let report = StatsJob::archive(bytes, header, config)
        .map_err(js_error)?
        .report();
    to_js(&report)
}

/// Bytes of a pushed chunk copied into wasm memory at a time: small enough that the copy
/// is still in the core's cache when the kernel reads it.
const PIECE: usize = 128 << 10;

/// Per-channel statistics of one capture, fed in chunks of any size.
#[wasm_bindgen]
pub struct Session {
    job: Option<StatsJob>,
    /// Where pushed bytes are copied, [`PIECE`] at a time (allocated once).
    input: Vec<u8>,
}

#[wasm_bindgen]
impl Session {
    /// A session for a file of `file_len` bytes (`File.size`); `channel` limits the
    /// analysis to one channel; `rate` samples a VCD's value changes that many times per
    /// second.
    #[wasm_bindgen(constructor)]
    pub fn new(file_len: f64, channel: Option<u32>, rate: Option<f64>) -> Session {
        let config = StatsConfig {
            channels: channel.map(|c| vec![c as usize]),
        };
        Session {
            job: Some(StatsJob::with_file_len(config, file_len as u64).sampling_vcd_at(rate)),
            input: Vec::new(),
        }
    }

    /// Push the next chunk of the file (a `Uint8Array`, or anything `new Uint8Array()`
    /// takes: an `ArrayBuffer`, an array of bytes). Throws on bad input, naming the byte
    /// offset.
    ///
    /// The bytes are copied into one reused buffer in wasm memory a piece at a time and
    /// analysed piece by piece (splits never change the result): no allocation per push,
    /// and the kernel reads each piece while the copy is still cached.
    pub fn push(&mut self, chunk: &JsValue) -> Result<(), JsError> {
        let job = self
            .job
            .as_mut()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let converted;
        let bytes = match chunk.dyn_ref::<js_sys::Uint8Array>() {
            Some(bytes) => bytes,
            None => {
                converted = js_sys::Uint8Array::new(chunk);
                &converted
            }
        };
        let len = bytes.length();
        if self.input.len() < PIECE.min(len as usize) {
            self.input.resize(PIECE.min(len as usize), 0);
        }
        let mut at = 0;
        while at < len {
            let end = len.min(at.saturating_add(PIECE as u32));
            let piece = &mut self.input[..(end - at) as usize];
            bytes.subarray(at, end).copy_to(piece);
            job.push(piece).map_err(js_error)?;
            at = end;
        }
        Ok(())
    }

    /// What the header says (the `scopekit info --json` document), once it is parsed;
    /// `undefined` before.
    pub fn info(&self) -> Result<JsValue, JsError> {
        match self.job.as_ref().and_then(|j| j.header()) {
            Some(h) => to_js(&h.info()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Finish and return the `scopekit stats --json` document.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let job = self
            .job
            .take()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let report = job.finish().map_err(js_error)?.report();
        to_js(&report)
    }
}
