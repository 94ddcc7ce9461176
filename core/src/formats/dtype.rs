//! Primitive sample types and their decoding to `f64`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

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
    /// Parse a sample type given by a person: a numpy name (`float32`, `int16`, `uint8`) or
    /// type string (`f4`, `<i2`, `>f8`, `u1`).
    pub fn parse(text: &str) -> Option<Dtype> {
        let names = [
            ("int8", "i1"),
            ("uint8", "u1"),
            ("int16", "i2"),
            ("uint16", "u2"),
            ("int32", "i4"),
            ("uint32", "u4"),
            ("int64", "i8"),
            ("uint64", "u8"),
            ("float32", "f4"),
            ("float64", "f8"),
        ];
        let descr = names
            .iter()
            .find(|(n, _)| *n == text)
            .map_or(text, |(_, d)| d);
        super::parse_npy_descr(descr).ok()
    }

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

    /// Append `rows` rows of `columns` (one slice per column, each at least `rows` long),
    /// interleaved, floats rounded to the type,
    /// integers rounded half to even and saturated, NaN as 0.
    pub fn encode_rows(&self, columns: &[&[f64]], rows: usize, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + rows * columns.len() * self.size, 0);
        let dst = &mut out[start..];
        macro_rules! go {
            ($conv:expr, $to:ident) => {{
                let conv = $conv;
                let n = core::mem::size_of_val(&conv(0.0));
                if let [column] = columns {
                    for (d, &x) in dst.chunks_exact_mut(n).zip(&column[..rows]) {
                        d.copy_from_slice(&conv(x).$to());
                    }
                } else {
                    let mut d = dst.chunks_exact_mut(n);
                    for r in 0..rows {
                        for (column, d) in columns.iter().zip(&mut d) {
                            d.copy_from_slice(&conv(column[r]).$to());
                        }
                    }
                }
            }};
        }
        macro_rules! by_order {
            ($conv:expr) => {
                if self.big_endian {
                    go!($conv, to_be_bytes)
                } else {
                    go!($conv, to_le_bytes)
                }
            };
        }
        let round = crate::math::round_even;
        match (self.kind, self.size) {
            (DtypeKind::Int, 1) => by_order!(|x| round(x) as i8),
            (DtypeKind::UInt, 1) => by_order!(|x| round(x) as u8),
            (DtypeKind::Int, 2) => by_order!(|x| round(x) as i16),
            (DtypeKind::UInt, 2) => by_order!(|x| round(x) as u16),
            (DtypeKind::Int, 4) => by_order!(|x| round(x) as i32),
            (DtypeKind::UInt, 4) => by_order!(|x| round(x) as u32),
            (DtypeKind::Int, 8) => by_order!(|x| round(x) as i64),
            (DtypeKind::UInt, 8) => by_order!(|x| round(x) as u64),
            (DtypeKind::Float, 4) => by_order!(|x| x as f32),
            (DtypeKind::Float, 8) => by_order!(|x: f64| x),
            _ => panic!("unsupported dtype size {}", self.size),
        }
    }

    /// Decode consecutive values: `out[i]` is the value at byte `i * size` of `bytes`.
    ///
    /// # Panics
    /// If `bytes` is too short for `out.len()` values, or the dtype has an unsupported size.
    pub fn decode(&self, bytes: &[u8], out: &mut [f64]) {
        self.decode_rows(bytes, 1, out.len(), out, 0);
    }

    /// De-interleave `rows` rows of `channels` values each: the value of row `r`, channel
    /// `c` goes to `out[c * pitch + r]`.
    ///
    /// # Panics
    /// If `bytes` or `out` is too short, or the dtype has an unsupported size.
    pub fn decode_rows(
        &self,
        bytes: &[u8],
        channels: usize,
        rows: usize,
        out: &mut [f64],
        pitch: usize,
    ) {
        macro_rules! go {
            ($t:ty, $from:ident) => {{
                const N: usize = core::mem::size_of::<$t>();
                let conv = |b: &[u8]| {
                    let mut a = [0u8; N];
                    a.copy_from_slice(b);
                    <$t>::$from(a) as f64
                };
                let bytes = &bytes[..rows * channels * N];
                if channels == 1 {
                    decode_one::<N>(bytes, &mut out[..rows], conv);
                } else {
                    assert!(out.len() >= (channels - 1) * pitch + rows && pitch >= rows);
                    // One pass per channel: sequential writes, and a fixed row size for the
                    // common channel counts so the compiler can unroll and vectorise.
                    macro_rules! per_channel {
                        ($channels:expr) => {
                            for c in 0..$channels {
                                let dst = &mut out[c * pitch..c * pitch + rows];
                                let src = bytes.chunks_exact(N * $channels);
                                for (o, row) in dst.iter_mut().zip(src) {
                                    *o = conv(&row[c * N..c * N + N]);
                                }
                            }
                        };
                    }
                    match channels {
                        2 => {
                            let (a, b) = out.split_at_mut(pitch);
                            decode_two::<N>(bytes, &mut a[..rows], &mut b[..rows], conv);
                        }
                        3 => per_channel!(3),
                        4 => per_channel!(4),
                        _ => per_channel!(channels),
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
            _ => panic!("unsupported dtype size {}", self.size),
        }
    }
}

/// Decode `out.len()` consecutive values of `N` bytes.
///
/// Its own small function (not inlined into the big `match` over dtypes) so that a wasm
/// engine compiles the loop with its values in registers; it vectorises on x86-64 and
/// wasm simd128.
#[inline(never)]
fn decode_one<const N: usize>(bytes: &[u8], out: &mut [f64], conv: impl Fn(&[u8]) -> f64) {
    for (o, b) in out.iter_mut().zip(bytes.chunks_exact(N)) {
        *o = conv(b);
    }
}

/// De-interleave rows of two values of `N` bytes into `a` and `b`, in one pass over the
/// rows: wasm simd128 vectorises this form (a pair of rows loaded, shuffled and converted),
/// not one pass per channel; x86-64 vectorises both. Not inlined, for the reason given at
/// [`decode_one`].
#[inline(never)]
fn decode_two<const N: usize>(
    bytes: &[u8],
    a: &mut [f64],
    b: &mut [f64],
    conv: impl Fn(&[u8]) -> f64,
) {
    for ((x, y), row) in a
        .iter_mut()
        .zip(b.iter_mut())
        .zip(bytes.chunks_exact(2 * N))
    {
        *x = conv(&row[..N]);
        *y = conv(&row[N..]);
    }
}
