//! wasm-bindgen bindings of `scopekit-core` for the web page and for dashboards that embed
//! it. Binding code only: every analysis lives in the core, and results cross the boundary
//! as the same serde documents the CLI prints with `--json`.
#![deny(unsafe_code)]

use serde::Serialize;
use wasm_bindgen::prelude::*;

mod analog;
mod decode;
mod ingest;
mod live;
mod lod;
mod par_decode;
mod ranges;
mod stats;
mod threads;
mod trace;

pub use analog::{
    CorrelateSession, FilterSession, HistogramSession, MeasureSession, SpectrumSession,
};
pub use decode::{decode_archive, DecodeSession};
pub use ingest::IngestSession;
pub use live::LiveSession;
pub use lod::LodSession;
pub use par_decode::*;
pub use ranges::{SpectrumRangePart, SpectrumRanges};
pub use stats::{analyze_archive, Session};
pub use threads::*;
pub use trace::{compare_summaries, TraceSession};

pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&e.to_string()))
}

pub(crate) fn js_error(e: scopekit_core::Error) -> JsError {
    JsError::new(&e.to_string())
}
