//! Reading files: windows of a memory map, released as soon as they are processed, so the
//! resident set stays small whatever the file size.

use std::fs::File;
use std::path::Path;

use memmap2::{Mmap, MmapOptions};

use crate::error::CliError;

/// An open capture file.
pub struct Source {
    file: File,
    len: u64,
}

impl Source {
    /// Open `path` for reading.
    pub fn open(path: &Path) -> Result<Self, CliError> {
        let file = File::open(path).map_err(|e| CliError::io("cannot open", e))?;
        let len = file
            .metadata()
            .map_err(|e| CliError::io("cannot read metadata", e))?
            .len();
        Ok(Source { file, len })
    }

    /// File length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Map bytes `offset .. offset + len` read-only, prefaulted. The mapping is released
    /// when the returned window is dropped.
    pub fn map(&self, offset: u64, len: usize) -> Result<Window, CliError> {
        self.map_with(offset, len, true)
    }

    /// Map the first `len` bytes without prefaulting: a header parser touches only what it
    /// reads.
    pub fn map_prefix(&self, len: usize) -> Result<Window, CliError> {
        self.map_with(0, len, false)
    }

    fn map_with(&self, offset: u64, len: usize, populate: bool) -> Result<Window, CliError> {
        if len == 0 {
            // Linux refuses to map zero bytes.
            return Ok(Window(None));
        }
        // SAFETY: the mapping is read-only and private to this process. If another process
        // truncates the file while it is mapped, reading the lost pages raises SIGBUS; that
        // is the documented limit of memory-mapped input (ripgrep and wellen accept the
        // same), and a capture being analysed is not expected to shrink.
        #[allow(unsafe_code)]
        let map = unsafe {
            let mut options = MmapOptions::new();
            options.offset(offset).len(len);
            if populate {
                options.populate();
            }
            options.map(&self.file)
        };
        map.map(|m| Window(Some(m)))
            .map_err(|e| CliError::io("cannot map", e))
    }
}

/// A mapped window of a file.
pub struct Window(Option<Mmap>);

impl std::ops::Deref for Window {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.0.as_deref().unwrap_or(&[])
    }
}
