//! The binary index of a trace on disk: `TRACE.skidx` next to the trace, or, when that
//! folder is not writable, `$XDG_CACHE_HOME/scopekit/<hash of the path>.skidx` (default
//! `~/.cache/scopekit`). Written to a temporary file and renamed into place; a stale or
//! corrupt index is ignored and rewritten (encoding and checks: `scopekit_core::trace::index`).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use scopekit_core::trace::index::{decode, encode, head_hash, IndexKey, HEAD_BYTES};
use scopekit_core::trace::Summary;

use crate::error::CliError;
use crate::source::Source;

/// What identifies the current state of the trace file.
pub fn key(path: &Path, source: &Source) -> Result<IndexKey, CliError> {
    let meta = fs::metadata(path).map_err(|e| CliError::io("cannot read metadata", e))?;
    let mtime_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    let head = source.map(0, source.len().min(HEAD_BYTES as u64) as usize)?;
    Ok(IndexKey {
        size: source.len(),
        mtime_ns,
        head_hash: head_hash(&head),
    })
}

/// The index next to the trace.
pub fn sidecar(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".skidx");
    PathBuf::from(name)
}

/// The index in the cache directory.
pub fn cached(path: &Path) -> Option<PathBuf> {
    let dir = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?
        .join("scopekit");
    let abs = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let hash = head_hash(abs.as_os_str().as_encoded_bytes());
    Some(dir.join(format!("{hash:016x}.skidx")))
}

/// The summary from a valid index, if there is one.
pub fn read(path: &Path, key: IndexKey) -> Option<Summary> {
    [Some(sidecar(path)), cached(path)]
        .into_iter()
        .flatten()
        .find_map(|p| decode(&fs::read(p).ok()?, key).ok())
}

/// Write the index (best effort: a trace that cannot be indexed is still summarised).
pub fn write(path: &Path, key: IndexKey, summary: &Summary) {
    let bytes = encode(key, summary);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A folder without write permission bits is read-only even for root.
    let writable = fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly());
    if writable && write_atomic(&sidecar(path), &bytes).is_ok() {
        return;
    }
    if let Some(p) = cached(path) {
        if let Some(dir) = p.parent() {
            let _ = fs::create_dir_all(dir);
        }
        let _ = write_atomic(&p, &bytes);
    }
}

fn write_atomic(to: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = to.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, to));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
