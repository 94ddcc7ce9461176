//! Protocol decoding: `scopekit decode` in the page.

use scopekit_core::decode::{AnyFrame, DecodeJob, DecodeTail, Levels, ProtocolConfig, Wire};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// The decoder settings a page sends: `config` is the protocol's JSON configuration
/// (`{"protocol": "uart", "baudrate": 9600, ...}`), `wires` the roles wired to channels
/// (`[{"role": "rx", "channel": 0}]`), `levels` the threshold of analog channels.
pub(crate) fn decode_settings(
    config: JsValue,
    wires: JsValue,
    levels: JsValue,
) -> Result<(ProtocolConfig, Vec<Wire>, Levels), JsError> {
    let config: ProtocolConfig = serde_wasm_bindgen::from_value(config)
        .map_err(|e| JsError::new(&format!("bad decoder settings: {e}")))?;
    let wires: Vec<Wire> = serde_wasm_bindgen::from_value(wires)
        .map_err(|e| JsError::new(&format!("bad channel wiring: {e}")))?;
    let levels: Levels = if levels.is_undefined() || levels.is_null() {
        Levels::default()
    } else {
        serde_wasm_bindgen::from_value(levels)
            .map_err(|e| JsError::new(&format!("bad threshold settings: {e}")))?
    };
    Ok((config, wires, levels))
}

/// The `{frames, samples, stats}` result of a decode run.
#[derive(Serialize)]
struct Decoded<'a> {
    frames: &'a [AnyFrame],
    #[serde(flatten)]
    tail: &'a DecodeTail,
}

/// Decode a zip-based capture (sigrok session, npz) given whole. Returns
/// `{frames, samples, stats}` as `scopekit decode --json` prints them; throws on bad input.
#[wasm_bindgen(js_name = decodeArchive)]
pub fn decode_archive(
    bytes: &[u8],
    config: JsValue,
    wires: JsValue,
    rate: Option<f64>,
    levels: JsValue,
) -> Result<JsValue, JsError> {
    let (config, wires, levels) = decode_settings(config, wires, levels)?;
    let (frames, tail) =
        scopekit_core::decode::decode_archive(bytes, &config, &wires, rate, levels)
            .map_err(js_error)?;
    to_js(&Decoded {
        frames: &frames,
        tail: &tail,
    })
}

/// A decode run over a file fed in chunks of any size.
#[wasm_bindgen]
pub struct DecodeSession {
    job: Option<DecodeJob>,
}

#[wasm_bindgen]
impl DecodeSession {
    /// A run over a file of `file_len` bytes; `rate` is the file's sample rate (from its
    /// header, or the user's for files without one; a VCD is sampled at it).
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_len: f64,
        config: JsValue,
        wires: JsValue,
        rate: Option<f64>,
        levels: JsValue,
    ) -> Result<DecodeSession, JsError> {
        let (config, wires, levels) = decode_settings(config, wires, levels)?;
        let job =
            DecodeJob::new(file_len as u64, &config, &wires, rate, levels).map_err(js_error)?;
        Ok(DecodeSession { job: Some(job) })
    }

    /// Push the next chunk; returns the frames it completed (an array, often empty).
    pub fn push(&mut self, chunk: &[u8]) -> Result<JsValue, JsError> {
        let job = self
            .job
            .as_mut()
            .ok_or_else(|| JsError::new("session already finished"))?;
        job.push(chunk).map_err(js_error)?;
        to_js(&job.take_frames())
    }

    /// Finish: `{frames, samples, stats}` with the last frames.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let job = self
            .job
            .take()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let (frames, tail) = job.finish().map_err(js_error)?;
        to_js(&Decoded {
            frames: &frames,
            tail: &tail,
        })
    }
}
