//! Per-channel statistics: `scopekit stats` in the page.

use scopekit_core::dsp::{Stats, StatsConfig};
use scopekit_core::formats::{Header, Reader};
use scopekit_core::job::StatsJob;
use scopekit_core::kernel::{Block, BlockSink, Layout, Tee};
use scopekit_core::report::StatsReport;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// Statistics of a zip-based capture (sigrok session, npz) given whole: zip keeps its
/// directory at the end, and these files are small (compressed), so the worker reads them
/// in one piece. Returns the `scopekit stats --json` document; throws on bad input.
#[wasm_bindgen(js_name = analyzeArchive)]
pub fn analyze_archive(bytes: &[u8], channel: Option<u32>) -> Result<JsValue, JsError> {
    let header = scopekit_core::formats::archive::open(bytes).map_err(js_error)?;
    let report = StatsJob::archive(bytes, header, config_of(channel))
        .map_err(js_error)?
        .report();
    to_js(&report)
}

/// The statistics' configuration for the page's `channel` argument (all when `None`).
fn config_of(channel: Option<u32>) -> StatsConfig {
    StatsConfig {
        channels: channel.map(|c| vec![c as usize]),
    }
}

/// Bytes of a pushed chunk copied into wasm memory at a time: small enough that the copy
/// is still in the core's cache when the reader parses it.
const PIECE: usize = 128 << 10;

/// A sink that takes every block and keeps nothing (the statistics alone).
struct Nowhere;

impl BlockSink for Nowhere {
    fn begin(&mut self, _: Layout) -> scopekit_core::Result<()> {
        Ok(())
    }
    fn block(&mut self, _: Block<'_>) -> scopekit_core::Result<()> {
        Ok(())
    }
}

/// The statistics of one file streamed in from JS, shared by [`Session`] and
/// [`crate::IngestSession`]: one format reader (sampling a VCD at the page's rate), the
/// statistics kernel, and the buffer in wasm memory each chunk is copied through.
pub(crate) struct StatsStream {
    reader: Option<Reader>,
    stats: Stats,
    /// The file's length, checked against the header once it is parsed.
    file_len: u64,
    checked: bool,
    /// Where pushed bytes are copied, [`PIECE`] at a time (allocated once).
    input: Vec<u8>,
}

impl StatsStream {
    /// For a file of `file_len` bytes (`File.size`); `channel` limits the statistics to one
    /// channel; `rate` samples a VCD's value changes that many times per second.
    pub(crate) fn new(file_len: f64, channel: Option<u32>, rate: Option<f64>) -> Self {
        StatsStream {
            reader: Some(Reader::with_file_len(file_len as u64).sampling_vcd_at(rate)),
            stats: Stats::new(config_of(channel)),
            file_len: file_len as u64,
            checked: false,
            input: Vec::new(),
        }
    }

    /// Push the next chunk: its blocks go to the statistics and to `also`. Returns the
    /// header the first time it is parsed (after checking it against the file length).
    ///
    /// The bytes are copied into one reused buffer in wasm memory a piece at a time and
    /// parsed piece by piece (splits never change the result): no allocation per push,
    /// and the reader parses each piece while the copy is still cached.
    pub(crate) fn push(
        &mut self,
        chunk: &js_sys::Uint8Array,
        also: &mut dyn BlockSink,
    ) -> Result<Option<Header>, JsError> {
        let reader = self
            .reader
            .as_mut()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let mut sink = Tee(&mut self.stats, also);
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
        if self.checked {
            return Ok(None);
        }
        let Some(h) = reader.header() else {
            return Ok(None);
        };
        h.check_file_len(self.file_len).map_err(js_error)?;
        self.checked = true;
        Ok(Some(h))
    }

    /// The header, once parsed.
    pub(crate) fn header(&self) -> Option<Header> {
        self.reader.as_ref().and_then(Reader::header)
    }

    /// Flush the reader into the statistics and `also`; returns the header and the
    /// `scopekit stats --json` document.
    pub(crate) fn finish(
        &mut self,
        also: &mut dyn BlockSink,
    ) -> Result<(Header, StatsReport), JsError> {
        let reader = self
            .reader
            .take()
            .ok_or_else(|| JsError::new("session already finished"))?;
        let header = reader
            .finish(&mut Tee(&mut self.stats, also))
            .map_err(js_error)?;
        let stats = core::mem::replace(&mut self.stats, Stats::new(StatsConfig::default()));
        let report = StatsReport {
            info: header.info(),
            channels: stats.report(),
        };
        Ok((header, report))
    }
}

/// Per-channel statistics of one capture, fed in chunks of any size.
#[wasm_bindgen]
pub struct Session {
    stream: StatsStream,
}

#[wasm_bindgen]
impl Session {
    /// A session for a file of `file_len` bytes (`File.size`); `channel` limits the
    /// analysis to one channel; `rate` samples a VCD's value changes that many times per
    /// second.
    #[wasm_bindgen(constructor)]
    pub fn new(file_len: f64, channel: Option<u32>, rate: Option<f64>) -> Session {
        Session {
            stream: StatsStream::new(file_len, channel, rate),
        }
    }

    /// Push the next chunk of the file (a `Uint8Array`, or anything `new Uint8Array()`
    /// takes: an `ArrayBuffer`, an array of bytes). Throws on bad input, naming the byte
    /// offset.
    pub fn push(&mut self, chunk: &JsValue) -> Result<(), JsError> {
        let converted;
        let bytes = match chunk.dyn_ref::<js_sys::Uint8Array>() {
            Some(bytes) => bytes,
            None => {
                converted = js_sys::Uint8Array::new(chunk);
                &converted
            }
        };
        self.stream.push(bytes, &mut Nowhere).map(drop)
    }

    /// What the header says (the `scopekit info --json` document), once it is parsed;
    /// `undefined` before.
    pub fn info(&self) -> Result<JsValue, JsError> {
        match self.stream.header() {
            Some(h) => to_js(&h.info()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Finish and return the `scopekit stats --json` document.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.stream.finish(&mut Nowhere)?.1)
    }
}
