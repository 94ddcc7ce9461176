//! Format readers. Each reader is a push-based parser: feed it bytes in chunks of any size
//! and it emits decoded sample [`Block`](crate::Block)s to a [`BlockSink`](crate::BlockSink).

pub mod archive;
pub mod csv;
pub mod dtype;
mod head;
pub mod npy;
mod npy_header;
pub mod npz;
pub mod probe;
pub mod raw;
pub mod reader;
pub mod sigrok;
pub mod trc;
pub mod vcd;
pub mod vcd_samples;
pub mod wav;
pub mod write;
pub mod zip;

pub use dtype::{Dtype, DtypeKind};
pub use npy::{NpyHeader, NpyReader};
pub use probe::{probe, Format};
pub use reader::{Header, Reader};

/// Parse a numpy type string such as `<f4` (used by writers and test helpers).
pub fn parse_npy_descr(descr: &str) -> crate::Result<Dtype> {
    npy_header::parse_descr(descr, 0)
}
