//! Primitive sample types and their decoding to `f64`.

use alloc::format;
use alloc::string::String;

/// The kind of a primitive number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtypeKind {
    /// Signed two's-complement integer.
    Int,
    /// Unsigned integer.
    UInt,
    /// IEEE 754 binary float.
    Float,
}

/// A primitive sample type: kind, size in bytes and byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    /// Integer or float.
    pub kind: DtypeKind,
    /// Size of one value in bytes (1, 2, 4 or 8).
    pub size: usize,
    /// Most significant byte first.
    pub big_endian: bool,
}

impl Dtype {
    /// The numpy name, e.g. `float32`.
    pub fn name(&self) -> String {
        let kind = match self.kind {
            DtypeKind::Int => "int",
            DtypeKind::UInt => "uint",
            DtypeKind::Float => "float",
        };
        format!("{kind}{}", self.size * 8)
    }

    /// The numpy type string, e.g. `<f4` (`|` for one-byte types).
    pub fn descr(&self) -> String {
        let order = if self.size == 1 {
            '|'
        } else if self.big_endian {
            '>'
        } else {
            '<'
        };
        let kind = match self.kind {
            DtypeKind::Int => 'i',
            DtypeKind::UInt => 'u',
            DtypeKind::Float => 'f',
        };
        format!("{order}{kind}{}", self.size)
    }

    /// Decode values spaced `stride` values apart: `out[i]` is the value that starts at byte
    /// `i * stride * size` of `bytes`.
    ///
    /// # Panics
    /// If `bytes` is too short for `out.len()` values at that stride.
    pub fn decode_strided(&self, bytes: &[u8], stride: usize, out: &mut [f64]) {
        macro_rules! go {
            ($t:ty, $from:ident) => {{
                const N: usize = core::mem::size_of::<$t>();
                if stride == 1 {
                    let src = bytes[..out.len() * N].chunks_exact(N);
                    for (o, b) in out.iter_mut().zip(src) {
                        let mut a = [0u8; N];
                        a.copy_from_slice(b);
                        *o = <$t>::$from(a) as f64;
                    }
                } else {
                    for (i, o) in out.iter_mut().enumerate() {
                        let at = i * stride * N;
                        let mut a = [0u8; N];
                        a.copy_from_slice(&bytes[at..at + N]);
                        *o = <$t>::$from(a) as f64;
                    }
                }
            }};
        }
        macro_rules! by_order {
            ($t:ty) => {
                if self.big_endian {
                    go!($t, from_be_bytes)
                } else {
                    go!($t, from_le_bytes)
                }
            };
        }
        match (self.kind, self.size) {
            (DtypeKind::Int, 1) => by_order!(i8),
            (DtypeKind::UInt, 1) => by_order!(u8),
            (DtypeKind::Int, 2) => by_order!(i16),
            (DtypeKind::UInt, 2) => by_order!(u16),
            (DtypeKind::Int, 4) => by_order!(i32),
            (DtypeKind::UInt, 4) => by_order!(u32),
            (DtypeKind::Int, 8) => by_order!(i64),
            (DtypeKind::UInt, 8) => by_order!(u64),
            (DtypeKind::Float, 4) => by_order!(f32),
            (DtypeKind::Float, 8) => by_order!(f64),
            _ => unreachable!("dtype constructed with an unsupported size"),
        }
    }
}
