//! The waveform viewer's min/max pyramid (`scopekit_core::lod`) in the page.

use scopekit_core::formats::{archive, Header, Reader};
use scopekit_core::lod::window::{read_window, window_bytes};
use scopekit_core::lod::{Lod, LodBuilder};
use wasm_bindgen::prelude::*;

use crate::{js_error, to_js};

/// A pyramid being built from a file fed in chunks, then queried.
#[wasm_bindgen]
pub struct LodSession {
    reader: Option<Reader>,
    builder: Option<LodBuilder>,
    lod: Option<Lod>,
    header: Option<Header>,
}

#[wasm_bindgen]
impl LodSession {
    /// A session for a streamed file of `file_len` bytes (`File.size`).
    #[wasm_bindgen(constructor)]
    pub fn new(file_len: f64) -> LodSession {
        LodSession {
            reader: Some(Reader::with_file_len(file_len as u64)),
            builder: Some(LodBuilder::new()),
            lod: None,
            header: None,
        }
    }

    /// A finished session of a zip-based capture (sigrok session, npz) given whole.
    #[wasm_bindgen(js_name = fromArchive)]
    pub fn from_archive(bytes: &[u8]) -> Result<LodSession, JsError> {
        let header = archive::open(bytes).map_err(js_error)?;
        let mut builder = LodBuilder::new();
        archive::read(bytes, &header, &mut builder).map_err(js_error)?;
        Ok(LodSession {
            reader: None,
            builder: None,
            lod: Some(builder.finish()),
            header: Some(header),
        })
    }

    /// Push the next chunk of the file. Throws on bad input, naming the byte offset.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let (Some(reader), Some(builder)) = (self.reader.as_mut(), self.builder.as_mut()) else {
            return Err(JsError::new("session already finished"));
        };
        reader.push(chunk, builder).map_err(js_error)?;
        if self.header.is_none() {
            self.header = reader.header();
        }
        Ok(())
    }

    /// Flush the last partial buckets; queries then see every sample. (A session fed by an
    /// `IngestSession` is finished by that session's `finish`.)
    pub fn finish(&mut self) -> Result<(), JsError> {
        let Some(reader) = self.reader.take() else {
            return Ok(());
        };
        let Some(mut builder) = self.builder.take() else {
            return Ok(());
        };
        let header = reader.finish(&mut builder).map_err(js_error)?;
        self.finish_fed(header);
        Ok(())
    }

    /// The pyramid being built, for a reader outside this session (`IngestSession`), which
    /// then owns the reading: this session's own reader is dropped.
    pub(crate) fn fed_builder(&mut self) -> Result<&mut LodBuilder, JsError> {
        self.reader = None;
        self.builder
            .as_mut()
            .ok_or_else(|| JsError::new("session already finished"))
    }

    /// The header parsed by the outside reader.
    pub(crate) fn set_header(&mut self, header: Header) {
        self.header = Some(header);
    }

    /// Flush the pyramid fed from outside, whose reader finished with `header`.
    pub(crate) fn finish_fed(&mut self, header: Header) {
        self.header = Some(header);
        if let Some(builder) = self.builder.take() {
            self.lod = Some(builder.finish());
        }
    }

    fn lod(&self) -> Option<&Lod> {
        self.lod
            .as_ref()
            .or_else(|| self.builder.as_ref().map(LodBuilder::lod))
    }

    /// The `scopekit info --json` document, once the header is parsed; `undefined` before.
    pub fn info(&self) -> Result<JsValue, JsError> {
        match &self.header {
            Some(h) => to_js(&h.info()),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Number of channels (0 before the header).
    pub fn channels(&self) -> u32 {
        self.lod().map_or(0, |l| l.channels.len() as u32)
    }

    /// Samples seen in `channel`.
    pub fn samples(&self, channel: u32) -> f64 {
        self.lod()
            .and_then(|l| l.channels.get(channel as usize))
            .map_or(0.0, |c| c.samples() as f64)
    }

    /// Samples per level-0 bucket of `channel`.
    pub fn bucket(&self, channel: u32) -> f64 {
        self.lod()
            .and_then(|l| l.channels.get(channel as usize))
            .map_or(0.0, |c| c.bucket() as f64)
    }

    /// Bytes held by the pyramids.
    pub fn memory(&self) -> f64 {
        self.lod().map_or(0.0, |l| l.memory() as f64)
    }

    /// `columns` columns of samples `first..end` of `channel`: four numbers per column,
    /// `start, end, min, max` (the whole buckets the column touches and their exact min/max;
    /// NaN when the column is empty).
    pub fn columns(&self, channel: u32, first: f64, end: f64, columns: u32) -> Vec<f64> {
        let Some(lod) = self.lod() else {
            return Vec::new();
        };
        lod.columns(channel as usize, first as u64, end as u64, columns as usize)
            .iter()
            .flat_map(|c| [c.start as f64, c.end as f64, c.min, c.max])
            .collect()
    }

    /// Raw samples `first..end` of `channel`, when the capture was small enough to keep them.
    pub fn raw(&self, channel: u32, first: f64, end: f64) -> Option<Vec<f32>> {
        self.lod()?
            .raw(channel as usize, first as u64, end as u64)
            .map(<[f32]>::to_vec)
    }

    /// Where samples `first..end` of `channel` are in the file, for a format with fixed
    /// sample offsets (NPY, raw, WAV): `[fileStart, fileEnd, dataStart, dataEnd]`.
    #[wasm_bindgen(js_name = windowBytes)]
    pub fn window_bytes(&self, channel: u32, first: f64, end: f64) -> Option<Vec<f64>> {
        let header = self.header.as_ref()?;
        let (a, b) = window_bytes(header, channel as usize, first as u64, end as u64)?;
        let base = header.data_offset();
        Some(vec![
            (base + a) as f64,
            (base + b) as f64,
            a as f64,
            b as f64,
        ])
    }

    /// Samples of `channel` decoded from the data bytes `dataStart..dataEnd` of
    /// [`LodSession::window_bytes`].
    #[wasm_bindgen(js_name = readWindow)]
    pub fn read_window(
        &self,
        channel: u32,
        data_start: f64,
        data_end: f64,
        bytes: &[u8],
    ) -> Result<Vec<f64>, JsError> {
        let header = self
            .header
            .as_ref()
            .ok_or_else(|| JsError::new("header not parsed yet"))?;
        read_window(
            header,
            channel as usize,
            data_start as u64,
            data_end as u64,
            bytes,
        )
        .map_err(js_error)
    }
}
