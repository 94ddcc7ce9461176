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
}

impl Format {
    /// Short lowercase name, as in JSON documents.
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
        }
    }
}

/// How many leading bytes [`probe`] needs to decide.
pub const PROBE_LEN: usize = 64;

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// What scopekit recognises, for error messages.
const KNOWN: &str = "a capture format scopekit reads (the NPY magic \\x93NUMPY)";

/// Recognise `prefix`, the first bytes of an input: `Ok(None)` while it is too short to
/// decide, an error naming what was expected at byte 0 for an unknown input.
pub fn probe(prefix: &[u8]) -> Result<Option<Format>> {
    if prefix.starts_with(NPY_MAGIC) {
        return Ok(Some(Format::Npy));
    }
    if prefix.len() < PROBE_LEN && NPY_MAGIC.starts_with(prefix) {
        return Ok(None);
    }
    Err(unknown(prefix))
}

/// The error for an input that ended before [`probe`] could decide.
pub fn too_short(prefix: &[u8]) -> Error {
    match probe(prefix) {
        Ok(_) => Error::Truncated {
            offset: prefix.len() as u64,
            expected: KNOWN.to_string(),
        },
        Err(e) => e,
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
        let e = probe(b"RIFX....").unwrap_err();
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
            Error::Malformed { offset: 0, .. }
        ));
    }
}
