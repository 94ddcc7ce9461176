//! Raw binary captures: headerless samples whose layout the user states — sample type,
//! channel count, interleaved or planar, sample rate, and the byte offset where the data
//! starts. Read through the NPY machinery (a raw file is an NPY file without its header).

use alloc::format;
use alloc::vec;

use super::dtype::Dtype;
use super::npy::{NpyHeader, MAX_CHANNELS};
use crate::{Error, Result};

/// The layout of a raw file, as the user states it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawConfig {
    /// Sample type and byte order.
    pub dtype: Dtype,
    /// Number of channels.
    pub channels: u64,
    /// Channels interleaved sample by sample (`true`), or each channel whole after the
    /// previous (planar).
    pub interleaved: bool,
    /// Samples per second, if known.
    pub sample_rate: Option<f64>,
    /// Bytes to skip before the data (a header scopekit does not read).
    pub offset: u64,
}

/// A raw file's layout resolved against its length.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHeader {
    /// What the user said.
    pub config: RawConfig,
    /// The equivalent NPY header (data at `config.offset`).
    pub npy: NpyHeader,
}

impl RawHeader {
    /// Resolve `config` for a file of `file_len` bytes: the data must be whole frames.
    pub fn new(config: RawConfig, file_len: u64) -> Result<RawHeader> {
        if config.channels == 0 || config.channels > MAX_CHANNELS {
            return Err(Error::Config(format!(
                "raw channel count {} (1 to {MAX_CHANNELS})",
                config.channels
            )));
        }
        if config.offset > file_len {
            return Err(Error::Truncated {
                offset: file_len,
                expected: format!("raw data from byte {}", config.offset),
            });
        }
        let frame = config.dtype.size as u64 * config.channels;
        let data = file_len - config.offset;
        if data % frame != 0 {
            return Err(Error::Malformed {
                offset: file_len - data % frame,
                expected: format!(
                    "whole frames of {} channel(s) × {} ({frame} bytes) from byte {}",
                    config.channels,
                    config.dtype.name(),
                    config.offset
                ),
                found: format!("{} bytes left over at the end", data % frame),
            });
        }
        let samples = data / frame;
        Ok(RawHeader {
            npy: NpyHeader {
                version: (0, 0),
                dtype: config.dtype,
                fortran_order: !config.interleaved,
                shape: vec![samples, config.channels],
                data_offset: config.offset,
                samples,
                channels: config.channels,
                data_len: data,
            },
            config,
        })
    }
}
