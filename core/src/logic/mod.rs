//! Logic lines as a stream of transitions, the input of every protocol decoder.
//!
//! A decoder never looks at samples one by one: it sees a [`Transition`] each time one of its
//! lines changes, so its work is proportional to the number of edges, not of samples. The
//! level of the lines at any sample between two transitions is the level of the earlier one.
//!
//! Sources of transitions:
//! - [`Lines`]: bit-packed logic samples (sigrok `.sr`, raw logic), many channels at once.
//! - the threshold kernel of `scopekit edges` for analog samples (NPY, TRC, WAV, CSV, VCD).

mod lines;
mod parts;

pub use lines::{transitions_of_sr, Lines};
pub use parts::{logic_parts, part_transitions, stitch, LogicPart};

/// From sample `at` on, the lines read `levels` (bit `i` = line `i`, in the order the
/// decoder's roles were given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    /// Absolute sample index of the first sample with the new levels.
    pub at: u64,
    /// Levels of all lines from `at` on.
    pub levels: u32,
}

/// Most lines one transition stream carries.
pub const MAX_LINES: usize = 32;

/// A push-based protocol decoder over transitions.
///
/// The first transition of a stream is at the first sample of the capture and gives the
/// initial levels; later ones come in strictly increasing `at` order, each with levels that
/// differ from the previous ones. How the stream is cut into `push` calls never changes the
/// frames produced.
pub trait Decode {
    /// One decoded item (a UART word, an I2C event, a CAN frame...).
    type Frame;
    /// Consume the next transitions, appending finished frames to `out`.
    fn push(&mut self, transitions: &[Transition], out: &mut alloc::vec::Vec<Self::Frame>);
    /// The capture ended at sample `end` (exclusive): flush what can still be decoded.
    fn finish(&mut self, end: u64, out: &mut alloc::vec::Vec<Self::Frame>);
}

/// Run `decoder` over a whole transition list ending at sample `end`.
pub fn decode_all<D: Decode>(
    mut decoder: D,
    transitions: &[Transition],
    end: u64,
) -> alloc::vec::Vec<D::Frame> {
    let mut out = alloc::vec::Vec::new();
    decoder.push(transitions, &mut out);
    decoder.finish(end, &mut out);
    out
}
