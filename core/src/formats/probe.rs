//! Recognising a capture by its content: magic bytes and structure, never the file name.

use alloc::format;
use alloc::string::{String, ToString};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A capture format scopekit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// numpy `.npy` array.
    Npy,
    /// LeCroy oscilloscope waveform (`.trc`).
    Trc,
    /// RIFF/RF64/BW64 WAVE audio-format capture.
    Wav,
    /// Headerless samples in a layout the user states.
    Raw,
    /// Value Change Dump (simulators, logic analyzers).
    Vcd,
    /// Delimited text as scopes, analyzers and scripts export it.
    Csv,
    /// sigrok session (a zip: `version`, `metadata`, `logic-1-N` chunks).
    Sigrok,
    /// numpy `.npz` archive (a zip of `.npy` arrays).
    Npz,
}

impl Format {
    /// Short lowercase name, as in JSON documents.
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Trc => "trc",
            Format::Wav => "wav",
            Format::Raw => "raw",
            Format::Vcd => "vcd",
            Format::Csv => "csv",
            Format::Sigrok => "sigrok",
            Format::Npz => "npz",
        }
    }
}

/// How many leading bytes [`probe`] needs to decide: a LeCroy descriptor may follow up to
/// [`trc::MAX_PREFIX`](super::trc::MAX_PREFIX) bytes of block or command header.
pub const PROBE_LEN: usize = super::trc::MAX_PREFIX + 8;

const NPY_MAGIC: &[u8] = b"\x93NUMPY";
const WAV_FORMS: [&[u8]; 3] = [b"RIFF", b"RF64", b"BW64"];

/// What scopekit recognises, for error messages.
const KNOWN: &str = "a capture format scopekit reads (the NPY magic \\x93NUMPY, \
     RIFF/RF64/BW64 ....WAVE, a zip (sigrok .sr, .npz), a LeCroy WAVEDESC within the first 72 bytes, or a VCD \
     declaration such as $date, $timescale, $scope, $var or $comment, or delimited text)";

/// Keywords a VCD file may open with (IEEE 1364 §18.2).
const VCD_KEYWORDS: [&[u8]; 8] = [
    b"$date",
    b"$version",
    b"$timescale",
    b"$scope",
    b"$var",
    b"$comment",
    b"$enddefinitions",
    b"$upscope",
];

/// Recognise `prefix`, the first bytes of an input: `Ok(None)` while it is too short to
/// decide, an error naming what was expected at byte 0 for an unknown input.
pub fn probe(prefix: &[u8]) -> Result<Option<Format>> {
    if prefix.starts_with(NPY_MAGIC) {
        return Ok(Some(Format::Npy));
    }
    if let Some(rest) = prefix.strip_prefix(b"PK\x03\x04") {
        // A zip: the first entry's name (at byte 30) tells a sigrok session, whose first
        // entry is `version`, from an npz.
        if rest.len() < 26 + 7 && prefix.len() < PROBE_LEN {
            return Ok(None);
        }
        let name = prefix.get(30..).unwrap_or_default();
        return Ok(Some(if name.starts_with(b"version") {
            Format::Sigrok
        } else {
            Format::Npz
        }));
    }
    if prefix.len() >= 12 && WAV_FORMS.contains(&&prefix[..4]) && &prefix[8..12] == b"WAVE" {
        return Ok(Some(Format::Wav));
    }
    let text = prefix.trim_ascii_start();
    if text.starts_with(b"$") {
        let word = text
            .split(|c| c.is_ascii_whitespace())
            .next()
            .unwrap_or(text);
        if VCD_KEYWORDS.contains(&word) && word.len() < text.len() {
            return Ok(Some(Format::Vcd));
        }
    }
    if prefix
        .windows(super::trc::DESCRIPTOR_NAME.len())
        .any(|w| w == super::trc::DESCRIPTOR_NAME)
    {
        return Ok(Some(Format::Trc));
    }
    if prefix.len() < PROBE_LEN {
        // Anything short may still turn out to be a LeCroy file (the descriptor can follow
        // a command echo), so only the full probe length decides.
        return Ok(None);
    }
    if looks_like_text(prefix) {
        return Ok(Some(Format::Csv));
    }
    Err(unknown(prefix))
}

/// Text a CSV reader can try: no NUL or other control bytes (tab, CR, LF aside), valid
/// UTF-8 except perhaps a character cut at the end of the prefix.
fn looks_like_text(prefix: &[u8]) -> bool {
    let controls_ok = prefix
        .iter()
        .all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\r' | b'\n'));
    let utf8_ok = match core::str::from_utf8(prefix) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && prefix.len() - e.valid_up_to() < 4,
    };
    controls_ok && utf8_ok && !prefix.is_empty()
}

/// Decide for an input that ended within the probe length: its whole content is `prefix`.
pub fn probe_complete(prefix: &[u8]) -> Result<Format> {
    match probe(prefix)? {
        Some(format) => Ok(format),
        None if looks_like_text(prefix) => Ok(Format::Csv),
        None => Err(too_short(prefix)),
    }
}

/// The error for an input that ended before [`probe`] could decide: truncated if it is the
/// start of a known magic, unknown otherwise.
pub fn too_short(prefix: &[u8]) -> Error {
    let head = &prefix[..prefix.len().min(4)];
    let could_be = prefix.is_empty()
        || NPY_MAGIC.starts_with(prefix)
        || b"PK\x03\x04".starts_with(head)
        || (prefix.len() < 12 && WAV_FORMS.iter().any(|m| m.starts_with(head)));
    if could_be {
        Error::Truncated {
            offset: prefix.len() as u64,
            expected: KNOWN.to_string(),
        }
    } else {
        unknown(prefix)
    }
}

fn unknown(prefix: &[u8]) -> Error {
    let shown: String = prefix
        .iter()
        .take(12)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    Error::Malformed {
        offset: 0,
        expected: KNOWN.to_string(),
        found: format!("'{shown}' (byte 0x{:02x})", prefix[0]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_by_content() {
        assert_eq!(probe(b"\x93NUMPY\x01\x00").unwrap(), Some(Format::Npy));
        assert_eq!(probe(b"\x93NU").unwrap(), None);
        assert_eq!(probe(b"").unwrap(), None);
        assert_eq!(probe(b"RIFF\0\0\0\0WAVEfmt ").unwrap(), Some(Format::Wav));
        assert_eq!(probe(b"#9000000123WAVEDESC").unwrap(), Some(Format::Trc));
        assert_eq!(probe(&[b'x'; PROBE_LEN]).unwrap(), Some(Format::Csv));
        assert_eq!(
            probe(b"  $timescale 1ns $end\n").unwrap(),
            Some(Format::Vcd)
        );
        assert_eq!(probe_complete(b"t,v\n0,1\n").unwrap(), Format::Csv);
        let e = probe(&[0u8; PROBE_LEN]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("at byte 0: expected a capture format"),
            "{e}"
        );
        assert!(matches!(
            too_short(b"\x93NU"),
            Error::Truncated { offset: 3, .. }
        ));
        assert!(matches!(
            too_short(b"PK"),
            Error::Truncated { offset: 2, .. }
        ));
        assert!(matches!(
            too_short(b"%PDF"),
            Error::Malformed { offset: 0, .. }
        ));
        let mut zip = b"PK\x03\x04".to_vec();
        zip.resize(30, 0);
        zip.extend_from_slice(b"version");
        assert_eq!(probe(&zip).unwrap(), Some(Format::Sigrok));
    }
}
