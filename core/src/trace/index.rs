//! The binary index of a trace: its [`Summary`] in a compact binary form, keyed by what
//! identifies the trace file (size, modification time, hash of its head), with a format
//! version and a CRC-32 of everything before it. Pure bytes in and out; the CLI does the
//! file I/O. A stale key, another version, a bad checksum or a short buffer is an error, so
//! an index is never trusted blindly.
//!
//! Layout (little-endian): `SKTRIDX\0`, version `u32`, key (size `u64`, mtime ns `i64`, head
//! hash `u64`), payload length `u64`, payload, CRC-32 `u32` of all preceding bytes.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::accum::Warnings;
use super::meta::Json;
use super::summary::{Busy, Flows, Group, Row, Step, Summary, ThreadName, XSpan};
use crate::formats::zip::crc32;

const MAGIC: &[u8; 8] = b"SKTRIDX\0";
/// Format version of the index; bump on any change of [`Summary`].
pub const VERSION: u32 = 1;
/// Bytes of the trace head that [`IndexKey::head_hash`] covers.
pub const HEAD_BYTES: usize = 64 << 10;

/// What identifies the trace an index was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexKey {
    /// File size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// [`head_hash`] of the file's first [`HEAD_BYTES`] bytes.
    pub head_hash: u64,
}

/// A 64-bit FNV-1a hash of `head` (at most [`HEAD_BYTES`] are used).
pub fn head_hash(head: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in &head[..head.len().min(HEAD_BYTES)] {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Why an index cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexError {
    /// Not an index, or cut short.
    Corrupt,
    /// Made by another format version.
    Version,
    /// Made from another state of the file.
    Stale,
}

/// Encode `summary` for the trace identified by `key`.
pub fn encode(key: IndexKey, summary: &Summary) -> Vec<u8> {
    let mut payload = Vec::new();
    summary.put(&mut payload);
    let mut out = Vec::with_capacity(payload.len() + 48);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&key.size.to_le_bytes());
    out.extend_from_slice(&key.mtime_ns.to_le_bytes());
    out.extend_from_slice(&key.head_hash.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Decode an index, checking it was made for `key`.
pub fn decode(bytes: &[u8], key: IndexKey) -> Result<Summary, IndexError> {
    if bytes.len() < 48 || &bytes[..8] != MAGIC {
        return Err(IndexError::Corrupt);
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32(body).to_le_bytes() != crc {
        return Err(IndexError::Corrupt);
    }
    let mut r = Reader(&body[8..]);
    if u32::get(&mut r)? != VERSION {
        return Err(IndexError::Version);
    }
    let found = IndexKey {
        size: u64::get(&mut r)?,
        mtime_ns: i64::get(&mut r)?,
        head_hash: u64::get(&mut r)?,
    };
    if found != key {
        return Err(IndexError::Stale);
    }
    let len = u64::get(&mut r)?;
    if len != r.0.len() as u64 {
        return Err(IndexError::Corrupt);
    }
    let s = Summary::get(&mut r)?;
    if !r.0.is_empty() {
        return Err(IndexError::Corrupt);
    }
    Ok(s)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], IndexError> {
        if self.0.len() < n {
            return Err(IndexError::Corrupt);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    /// A length that the remaining bytes could hold (at least one byte per item).
    fn len(&mut self) -> Result<usize, IndexError> {
        let n = u64::get(self)?;
        if n > self.0.len() as u64 {
            return Err(IndexError::Corrupt);
        }
        Ok(n as usize)
    }
}

trait Codec: Sized {
    fn put(&self, out: &mut Vec<u8>);
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError>;
}

macro_rules! num_codec {
    ($($t:ty),*) => {$(
        impl Codec for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
                let b = r.take(core::mem::size_of::<$t>())?;
                let mut a = [0u8; core::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                Ok(<$t>::from_le_bytes(a))
            }
        }
    )*};
}
num_codec!(u8, u32, u64, i64, f64);

impl Codec for bool {
    fn put(&self, out: &mut Vec<u8>) {
        u8::from(*self).put(out);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
        Ok(u8::get(r)? != 0)
    }
}

impl Codec for String {
    fn put(&self, out: &mut Vec<u8>) {
        (self.len() as u64).put(out);
        out.extend_from_slice(self.as_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
        let n = r.len()?;
        let b = r.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| IndexError::Corrupt)
    }
}

impl<T: Codec> Codec for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.is_some().put(out);
        if let Some(v) = self {
            v.put(out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
        Ok(if bool::get(r)? {
            Some(T::get(r)?)
        } else {
            None
        })
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (self.len() as u64).put(out);
        for v in self {
            v.put(out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
        let n = r.len()?;
        (0..n).map(|_| T::get(r)).collect()
    }
}

impl<T: Codec> Codec for BTreeMap<String, T> {
    fn put(&self, out: &mut Vec<u8>) {
        (self.len() as u64).put(out);
        for (k, v) in self {
            k.put(out);
            v.put(out);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
        let n = r.len()?;
        (0..n).map(|_| Ok((String::get(r)?, T::get(r)?))).collect()
    }
}

impl Codec for Json {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => 0u8.put(out),
            Json::Bool(v) => (1u8, *v).put2(out),
            Json::Int(v) => (2u8, *v).put2(out),
            Json::Float(v) => (3u8, *v).put2(out),
            Json::Str(v) => {
                4u8.put(out);
                v.put(out);
            }
            Json::Arr(v) => {
                5u8.put(out);
                v.put(out);
            }
            Json::Obj(m) => {
                6u8.put(out);
                (m.len() as u64).put(out);
                for (k, v) in m {
                    k.put(out);
                    v.put(out);
                }
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
        Ok(match u8::get(r)? {
            0 => Json::Null,
            1 => Json::Bool(bool::get(r)?),
            2 => Json::Int(i64::get(r)?),
            3 => Json::Float(f64::get(r)?),
            4 => Json::Str(String::get(r)?),
            5 => Json::Arr(Vec::get(r)?),
            6 => {
                let n = r.len()?;
                Json::Obj(
                    (0..n)
                        .map(|_| Ok((String::get(r)?, <Json as Codec>::get(r)?)))
                        .collect::<Result<_, _>>()?,
                )
            }
            _ => return Err(IndexError::Corrupt),
        })
    }
}

trait Put2 {
    fn put2(&self, out: &mut Vec<u8>);
}
impl<A: Codec, B: Codec> Put2 for (A, B) {
    fn put2(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
}

macro_rules! struct_codec {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Codec for $t {
            fn put(&self, out: &mut Vec<u8>) {
                $( self.$f.put(out); )*
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, IndexError> {
                Ok($t { $( $f: Codec::get(r)?, )* })
            }
        }
    };
}

struct_codec!(Row {
    name,
    count,
    total_dur,
    self_dur,
    mean_dur,
    min_dur,
    max_dur,
    p50_dur,
    p95_dur,
    p99_dur,
    kernel_dur,
    kernel_count
});
struct_codec!(Group {
    count,
    distinct_names,
    total_dur,
    per_stream_total_dur,
    by_name
});
struct_codec!(XSpan {
    first_ts,
    last_end,
    span
});
struct_codec!(Step {
    name,
    ts,
    dur,
    kernels,
    kernel_dur
});
struct_codec!(Busy {
    name,
    kernels,
    kernel_dur,
    busy,
    span,
    idle,
    comm_busy,
    compute_busy,
    overlap
});
struct_codec!(Flows {
    starts,
    finishes,
    matched
});
struct_codec!(ThreadName { pid, tid, name });
struct_codec!(Warnings {
    unknown_fields,
    big_numbers,
    invalid_utf8,
    negative_durations,
    unmatched_end,
    unclosed_begin,
    non_object_events,
    missing_ts
});
struct_codec!(Summary {
    events,
    count_by_ph,
    count_by_cat,
    x_span,
    display_time_unit,
    meta,
    profiler_steps,
    kernels,
    cpu_ops,
    categories,
    streams,
    devices,
    kernel_dur_attributed,
    flows,
    counters,
    thread_names,
    warnings
});
