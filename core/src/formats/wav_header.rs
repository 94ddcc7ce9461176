//! The header of a WAV file: the `fmt ` chunk (sample format, channels, rate), the `ds64`
//! chunk of RF64/BW64 (64-bit sizes), and [`WavHeader`], what they and the `data` chunk say.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Encoding, WavReader};
use crate::kernel::{Layout, UNKNOWN_SAMPLES};
use crate::{Error, Result};

/// Most `ds64` table entries accepted (real files have none or a handful).
pub const MAX_DS64_TABLE: u64 = 64;
/// `wFormatTag` of integer PCM.
pub const WAVE_FORMAT_PCM: u16 = 1;
/// `wFormatTag` of IEEE float samples.
pub const WAVE_FORMAT_IEEE_FLOAT: u16 = 3;
/// `wFormatTag` of `WAVEFORMATEXTENSIBLE`: the sample type is in the sub-format GUID.
pub const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// The tail shared by the sub-format GUIDs of the classic format tags
/// (`XXXXXXXX-0000-0010-8000-00AA00389B71`, the tag in the first two bytes), as stored.
pub const SUBTYPE_TAIL: [u8; 12] = [
    0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];
/// Bytes of the `fmt ` body that are read; the rest is skipped.
pub(super) const FMT_KEEP: u64 = 40;
/// The fixed part of a `ds64` body: RIFF size, data size, sample count, table length.
pub(super) const DS64_FIXED: u64 = 28;

/// The outer form of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavContainer {
    /// Classic `RIFF`, 32-bit sizes.
    Riff,
    /// EBU `RF64`, 64-bit sizes in `ds64`.
    Rf64,
    /// ITU `BW64`, the same layout as RF64.
    Bw64,
}

/// Integer or float samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// Integer PCM (8-bit unsigned, wider signed).
    Int,
    /// IEEE 754 float.
    Float,
}

/// Everything the header of a WAV file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WavHeader {
    /// RIFF, RF64 or BW64.
    pub container: WavContainer,
    /// `wFormatTag` as written: 1 (PCM), 3 (float) or `0xFFFE` (extensible).
    pub format_tag: u16,
    /// The `SubFormat` GUID as stored, for `WAVE_FORMAT_EXTENSIBLE`.
    pub sub_format: Option<[u8; 16]>,
    /// Integer or float, from the tag or the sub-format.
    pub sample_format: SampleFormat,
    /// Number of channels (at least 1).
    pub channels: u16,
    /// Frames per second.
    pub sample_rate: u32,
    /// `nAvgBytesPerSec` as written (not checked: writers get it wrong harmlessly).
    pub byte_rate: u32,
    /// Bytes per frame (checked: `channels` × container bytes).
    pub block_align: u16,
    /// `wBitsPerSample` as written: the container size for extensible files.
    pub bits_per_sample: u16,
    /// Significant bits per sample (`wValidBitsPerSample`, else `bits_per_sample`).
    pub valid_bits: u16,
    /// Speaker positions (`dwChannelMask`), for extensible files.
    pub channel_mask: Option<u32>,
    /// Absolute offset of the first data byte.
    pub data_offset: u64,
    /// The `data` size as written (after `ds64` substitution).
    pub declared_data_len: u64,
    /// Data bytes: `None` for an open-ended chunk until the input length is known.
    pub data_len: Option<u64>,
    /// Frames (samples per channel), known when `data_len` is.
    pub frames: Option<u64>,
    /// The `data` chunk runs until the end of the input (see the module doc).
    pub open_ended: bool,
    /// The RIFF size as written (after `ds64` substitution): bytes after the first 8.
    pub riff_len: u64,
    /// Whether the RIFF size covers the `data` chunk: false for the placeholders 0 and
    /// `0xFFFFFFFF`, a size ending before the data does, or open-ended data. Informational.
    pub riff_len_consistent: bool,
}

impl WavHeader {
    /// The channel layout; `samples` is [`UNKNOWN_SAMPLES`] while `frames` is unknown.
    pub fn layout(&self) -> Layout {
        Layout {
            channels: usize::from(self.channels),
            samples: self.frames.unwrap_or(UNKNOWN_SAMPLES),
        }
    }

    /// Bytes of one sample's container.
    pub fn container_bytes(&self) -> u16 {
        self.block_align / self.channels
    }

    /// The factor from emitted values to ±1.0 full scale: `2^-(container bits - 1)` for
    /// integers (8-bit values are emitted centred), 1 for floats.
    pub fn full_scale(&self) -> f64 {
        match self.sample_format {
            SampleFormat::Float => 1.0,
            SampleFormat::Int => 1.0 / (1u64 << (8 * self.container_bytes() - 1)) as f64,
        }
    }

    /// Check that a file of `file_len` bytes holds the data the header promises (bytes after
    /// the data, such as trailing `LIST` chunks, are fine), so a truncated file fails before
    /// any work. An open-ended chunk must end on a whole frame.
    pub fn check_file_len(&self, file_len: u64) -> Result<()> {
        self.clone().with_file_len(file_len).map(|_| ())
    }

    /// [`check_file_len`](Self::check_file_len), and for an open-ended `data` chunk take the
    /// data length (and so the frame count) from the file length.
    pub fn with_file_len(mut self, file_len: u64) -> Result<WavHeader> {
        let len = match self.data_len {
            Some(len) => len,
            None => file_len.saturating_sub(self.data_offset),
        };
        let end = self.data_offset + len;
        let align = u64::from(self.block_align);
        if file_len < end || len % align != 0 {
            return Err(Error::Truncated {
                offset: file_len,
                expected: format!(
                    "{} data bytes of whole {align}-byte frames from byte {}",
                    if self.open_ended {
                        "open-ended".to_string()
                    } else {
                        len.to_string()
                    },
                    self.data_offset
                ),
            });
        }
        self.data_len = Some(len);
        self.frames = Some(len / align);
        Ok(self)
    }

    /// Parse the header from the first bytes of a file (up to the start of the sample data).
    pub fn parse(prefix: &[u8]) -> Result<WavHeader> {
        let mut reader = WavReader::new();
        reader.push_header(prefix, &mut crate::kernel::Discard)?;
        match reader.header {
            Some(h) => Ok(h),
            None => reader.finish(),
        }
    }
}

/// The `ds64` sizes of an RF64/BW64 file.
#[derive(Debug, Clone, Default)]
pub(super) struct Ds64 {
    pub(super) riff_len: u64,
    pub(super) data_len: u64,
    /// (chunk id, size) overrides for other chunks.
    pub(super) table: Vec<([u8; 4], u64)>,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

pub(super) fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from(u32_at(b, i)) | (u64::from(u32_at(b, i + 4)) << 32)
}

pub(super) fn malformed(
    offset: u64,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> Error {
    Error::Malformed {
        offset,
        expected: expected.into(),
        found: found.into(),
    }
}

pub(super) fn unsupported(offset: u64, what: String) -> Error {
    Error::Unsupported { offset, what }
}

fn format_name(tag: u16) -> &'static str {
    match tag {
        2 => " (Microsoft ADPCM)",
        6 => " (A-law)",
        7 => " (mu-law)",
        0x11 => " (IMA ADPCM)",
        0x50 => " (MPEG)",
        0x55 => " (MPEG layer 3)",
        _ => "",
    }
}

/// Parse the kept bytes `b` of a `fmt ` body of `size` bytes starting at absolute `base`.
pub(super) fn parse_fmt(b: &[u8], base: u64, size: u64) -> Result<WavHeader> {
    let tag = u16_at(b, 0);
    let channels = u16_at(b, 2);
    let sample_rate = u32_at(b, 4);
    let block_align = u16_at(b, 12);
    let bits = u16_at(b, 14);
    if channels == 0 {
        return Err(malformed(base + 2, "at least one channel", "0 channels"));
    }
    if sample_rate == 0 {
        return Err(malformed(base + 4, "a sample rate above 0", "0"));
    }
    if bits == 0 {
        return Err(malformed(base + 14, "1 to 64 bits per sample", "0"));
    }
    if bits > 64 {
        return Err(unsupported(
            base + 14,
            format!("{bits} bits per sample (at most 64)"),
        ));
    }
    let (mut sub_format, mut channel_mask, mut valid_bits) = (None, None, bits);
    let sample_format = match tag {
        WAVE_FORMAT_PCM => SampleFormat::Int,
        WAVE_FORMAT_IEEE_FLOAT => SampleFormat::Float,
        WAVE_FORMAT_EXTENSIBLE => {
            let ext = parse_extensible(b, base, size, bits)?;
            (sub_format, channel_mask, valid_bits) = (Some(ext.1), Some(ext.2), ext.3);
            ext.0
        }
        _ => {
            return Err(unsupported(
                base,
                format!(
                    "format tag 0x{tag:04x}{} (supported: PCM, IEEE float, extensible)",
                    format_name(tag)
                ),
            ))
        }
    };
    if sample_format == SampleFormat::Float && bits != 32 && bits != 64 {
        return Err(unsupported(
            base + 14,
            format!("{bits}-bit float samples (supported: 32, 64)"),
        ));
    }
    let container = bits.div_ceil(8);
    if Encoding::from(sample_format, container).is_none() {
        return Err(unsupported(
            base + 14,
            format!(
                "{}-byte integer samples (supported: 1, 2, 3, 4, 8)",
                container
            ),
        ));
    }
    let expected_align = u32::from(channels) * u32::from(container);
    if u32::from(block_align) != expected_align {
        return Err(malformed(
            base + 12,
            format!("a block align of {expected_align} ({channels} channels of {container} bytes)"),
            format!("{block_align}"),
        ));
    }
    Ok(WavHeader {
        container: WavContainer::Riff,
        format_tag: tag,
        sub_format,
        sample_format,
        channels,
        sample_rate,
        byte_rate: u32_at(b, 8),
        block_align,
        bits_per_sample: bits,
        valid_bits,
        channel_mask,
        data_offset: 0,
        declared_data_len: 0,
        data_len: None,
        frames: None,
        open_ended: false,
        riff_len: 0,
        riff_len_consistent: false,
    })
}

/// The `WAVEFORMATEXTENSIBLE` fields of a `fmt ` body: the sample format from the
/// sub-format, the sub-format GUID, the channel mask and the valid bits.
fn parse_extensible(
    b: &[u8],
    base: u64,
    size: u64,
    bits: u16,
) -> Result<(SampleFormat, [u8; 16], u32, u16)> {
    let cb_size = if size >= 18 { u16_at(b, 16) } else { 0 };
    if size < FMT_KEEP || cb_size < 22 {
        return Err(malformed(
            if size < FMT_KEEP { base - 4 } else { base + 16 },
            "a 40-byte 'fmt ' chunk with cbSize >= 22 for WAVE_FORMAT_EXTENSIBLE",
            format!("{size} bytes with cbSize {cb_size}"),
        ));
    }
    if bits % 8 != 0 {
        return Err(malformed(
            base + 14,
            "a container of whole bytes for WAVE_FORMAT_EXTENSIBLE",
            format!("{bits} bits"),
        ));
    }
    let valid_bits = match u16_at(b, 18) {
        // Some writers leave it 0: the container is then all valid.
        0 => bits,
        v if v > bits => {
            return Err(malformed(
                base + 18,
                format!("at most {bits} valid bits (the container)"),
                format!("{v}"),
            ))
        }
        v => v,
    };
    let guid: [u8; 16] = core::array::from_fn(|i| b[24 + i]);
    let format = match (u32_at(&guid, 0), guid[4..] == SUBTYPE_TAIL) {
        (1, true) => SampleFormat::Int,
        (3, true) => SampleFormat::Float,
        _ => {
            return Err(unsupported(
                base + 24,
                format!(
                    "sub-format {} (supported: PCM and IEEE float)",
                    guid_text(&guid)
                ),
            ))
        }
    };
    Ok((format, guid, u32_at(b, 20), valid_bits))
}

fn guid_text(g: &[u8; 16]) -> String {
    let tail: String = g[8..].iter().map(|b| format!("{b:02X}")).collect();
    let (d1, d2, d3) = (u32_at(g, 0), u16_at(g, 4), u16_at(g, 6));
    format!("{d1:08X}-{d2:04X}-{d3:04X}-{}-{}", &tail[..4], &tail[4..])
}

/// Parse the kept bytes `b` of a `ds64` body of `size` bytes starting at absolute `base`.
pub(super) fn parse_ds64(b: &[u8], base: u64, size: u64) -> Result<Ds64> {
    let entries = u64::from(u32_at(b, 24));
    if entries > MAX_DS64_TABLE {
        return Err(Error::Limit {
            offset: base + 24,
            what: format!("'ds64' table length {entries}"),
            limit: MAX_DS64_TABLE,
        });
    }
    if size < DS64_FIXED + 12 * entries {
        return Err(malformed(
            base - 4,
            format!(
                "a 'ds64' chunk of {} bytes for {entries} table entries",
                DS64_FIXED + 12 * entries
            ),
            format!("{size} bytes"),
        ));
    }
    let table = (0..entries as usize)
        .map(|i| {
            let e = &b[DS64_FIXED as usize + 12 * i..];
            ([e[0], e[1], e[2], e[3]], u64_at(e, 4))
        })
        .collect();
    Ok(Ds64 {
        riff_len: u64_at(b, 0),
        data_len: u64_at(b, 8),
        table,
    })
}
