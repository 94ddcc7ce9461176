//! Decoding one transition stream in parallel parts that resync at frame boundaries.
//!
//! A **sync point** is a transition after which the serial decoder is provably in its
//! idle/reset state whatever came before: a fresh decoder that takes that transition as its
//! first one ([`Resync::resume`]) then behaves exactly as the serial one, except for running
//! counters carried in the frames (SPI's transfer number), which the merge shifts
//! ([`Resync::renumber`]). So the stream is cut into **segments**, each from one sync point
//! to the next (the first from the capture start), decoded on its own (on any thread:
//! [`Segment::run`]) and concatenated in order ([`PartDecoder::take`]): the frames are
//! exactly the serial ones, and so are the statistics computed over them in order.
//!
//! The rules (see each decoder's `Resync` implementation for why the state is reset there):
//! - **SPI with CS**: CS going inactive. The serial decoder drops (or emits, cut short) the
//!   word in progress, clears its bit count and shift registers and ignores the clock until
//!   CS is asserted again; the next assertion starts a transfer numbered by a running count
//!   (shifted at the merge). **SPI without CS** has no such point (every clock edge belongs
//!   to the one open word stream): it decodes serially.
//! - **UART, I²C, CAN**: decoded serially, as one segment ([`Resync::resyncs`] is false).
//!   UART's automatic baud rate (uart_baud.rs) is measured over the whole line history and
//!   its frame ends are only settled by the *next* transition (the decoder has no way to
//!   advance time without one), so "the line idle for a whole frame" is not a transition the
//!   serial state can be handed over at; I²C's decoder takes SDA rising with SCL high as a
//!   STOP only in its data state (in the address and ACK states it flags the next byte
//!   instead), so a STOP on the wire does not prove the decoder's state without knowing
//!   the state before it; CAN's bus-idle rule (11 recessive bits after end of frame) has the
//!   same problem as UART's (bit times are sampled between transitions). Those rules need
//!   a time-advance step in the decoders first.
//!
//! How a front door uses it, batch after batch of transition parts (in order):
//! [`PartDecoder::plan`] cuts the batch into segments (each part starts a new one at its
//! first sync point at or after its start), the caller runs [`Segment::run`] on each (in
//! parallel), then [`PartDecoder::take`] merges them in order; the last segment's decoder
//! stays open for the next batch; [`PartDecoder::finish`] flushes it.
//!
//! Sampled (analog) lines take a shorter way ([`super::fused`]): each part is thresholded,
//! merged and decoded from its first sync point in one task ([`decode_from_sync`]), and the
//! open decoder takes only each part's head ([`PartDecoder::push_settled`]).

use alloc::vec::Vec;

use crate::logic::{Decode, Transition};

/// A decoder whose stream can be cut at sync points (see the module doc).
pub trait Resync: Decode + Clone + Sized {
    /// Whether this decoder, with its settings and lines, has sync points at all.
    fn resyncs(&self) -> bool;
    /// Whether `t`, after levels `prev`, is a sync point.
    fn is_sync(&self, prev: u32, t: &Transition) -> bool;
    /// A decoder with this one's settings in the state the serial decoder has after the
    /// sync transition `t` (counters from 0).
    fn resume(&self, t: &Transition) -> Self;
    /// The running count the frames number from (0 for a decoder without one): how many
    /// were started since this decoder's start or [`resume`](Self::resume).
    fn counter(&self) -> u64;
    /// Shift the running number in `frame` by `offset` (the count before its segment).
    fn renumber(frame: &mut Self::Frame, offset: u64);
}

/// One segment of the stream, decoded on its own by [`run`](Self::run).
pub struct Segment<'a, D: Resync> {
    decoder: D,
    /// The transitions, in order (a segment may span several parts).
    pieces: Vec<&'a [Transition]>,
}

/// A decoded segment, for [`PartDecoder::take`].
pub struct Decoded<D: Resync> {
    decoder: D,
    frames: Vec<D::Frame>,
    /// Levels of the last transition decoded (`None`: none).
    last: Option<u32>,
}

/// The segment that starts at the first sync point of `ts` (`prev`: the levels before
/// `ts[0]`), decoded on its own by a decoder resumed from `model`'s settings (on any thread):
/// the sync point's index in `ts` and the segment, for [`PartDecoder::push_settled`]. `None`
/// when `ts` holds no sync point (or `model` has none).
pub fn decode_from_sync<D: Resync>(
    model: &D,
    prev: u32,
    ts: &[Transition],
) -> Option<(usize, Decoded<D>)> {
    if !model.resyncs() {
        return None;
    }
    let i = first_sync(model, Some(prev), ts)?;
    let mut decoder = model.resume(&ts[i]);
    let mut frames = Vec::new();
    decoder.push(&ts[i + 1..], &mut frames);
    let last = ts.last().map(|t| t.levels);
    Some((
        i,
        Decoded {
            decoder,
            frames,
            last,
        },
    ))
}

impl<D: Resync> Segment<'_, D> {
    /// Decode the segment (on any thread).
    pub fn run(self) -> Decoded<D> {
        let Segment {
            mut decoder,
            pieces,
        } = self;
        let mut frames = Vec::new();
        let last = pieces.iter().rev().find_map(|p| p.last()).map(|t| t.levels);
        for p in pieces {
            decoder.push(p, &mut frames);
        }
        Decoded {
            decoder,
            frames,
            last,
        }
    }

    /// Transitions in the segment.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(|p| p.len()).sum()
    }

    /// Whether the segment has no transitions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Decodes batches of transition parts as independent segments and merges them into the
/// serial frames (see the module doc).
pub struct PartDecoder<D: Resync> {
    /// The decoder of the open (last) segment; `None` only while a batch is planned.
    open: Option<D>,
    /// Running count before the open segment.
    base: u64,
    /// Levels of the last transition planned.
    last: Option<u32>,
}

impl<D: Resync> PartDecoder<D> {
    /// Start with `decoder` at the capture start.
    pub fn new(decoder: D) -> Self {
        PartDecoder {
            open: Some(decoder),
            base: 0,
            last: None,
        }
    }

    /// Whether the decoder resyncs (else every batch is one segment: decode serially).
    pub fn resyncs(&self) -> bool {
        self.open.as_ref().is_some_and(Resync::resyncs)
    }

    /// Cut the next batch of transition `parts` (in stream order) into segments: each part
    /// starts a new segment at its first sync point (after it, when it has none), the open
    /// segment continuing up to the first one. Run every segment, then give them back in
    /// order to [`take`](Self::take).
    pub fn plan<'a>(&mut self, parts: &[&'a [Transition]]) -> Vec<Segment<'a, D>> {
        let Some(open) = self.open.take() else {
            return Vec::new();
        };
        let resyncs = open.resyncs();
        // Sync points as (part, index): the first at or after each part's start.
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        if resyncs {
            let mut prev = self.last;
            for (p, part) in parts.iter().enumerate() {
                if let Some(i) = first_sync(&open, prev, part) {
                    cuts.push((p, i));
                }
                if let Some(t) = part.last() {
                    prev = Some(t.levels);
                }
            }
        }
        if let Some(t) = parts.iter().rev().find_map(|p| p.last()) {
            self.last = Some(t.levels);
        }
        // The pieces between cuts; a cut transition ends its segment (it is decoded by the
        // segment before, and the next one resumes from it).
        let mut segments = Vec::with_capacity(cuts.len() + 1);
        let mut decoder = Some(open);
        let mut pieces: Vec<&'a [Transition]> = Vec::new();
        let mut from = (0usize, 0usize);
        for &(p, i) in &cuts {
            for (q, part) in parts.iter().enumerate().take(p + 1).skip(from.0) {
                let a = if q == from.0 { from.1 } else { 0 };
                let b = if q == p { i + 1 } else { part.len() };
                if a < b {
                    pieces.push(&part[a..b]);
                }
            }
            let d = match decoder.take() {
                Some(d) => d,
                None => segments_resume(&segments, parts, from),
            };
            segments.push(Segment {
                decoder: d,
                pieces: core::mem::take(&mut pieces),
            });
            from = (p, i + 1);
        }
        for (q, part) in parts.iter().enumerate().skip(from.0) {
            let a = if q == from.0 { from.1 } else { 0 };
            if a < part.len() {
                pieces.push(&part[a..]);
            }
        }
        let d = match decoder.take() {
            Some(d) => d,
            None => segments_resume(&segments, parts, from),
        };
        segments.push(Segment { decoder: d, pieces });
        segments
    }

    /// Merge the segments of the last [`plan`](Self::plan), run and given back in order:
    /// their frames, renumbered, in stream order. The last one stays open.
    pub fn take(&mut self, done: Vec<Decoded<D>>) -> Vec<D::Frame> {
        let n = done.len();
        let mut frames = Vec::with_capacity(done.iter().map(|d| d.frames.len()).sum());
        for (k, d) in done.into_iter().enumerate() {
            let Decoded {
                decoder, frames: f, ..
            } = d;
            let base = self.base;
            if base == 0 {
                frames.extend(f);
            } else {
                frames.extend(f.into_iter().map(|mut x| {
                    D::renumber(&mut x, base);
                    x
                }));
            }
            if k + 1 == n {
                self.open = Some(decoder);
            } else {
                self.base += decoder.counter();
            }
        }
        frames
    }

    /// The open decoder (its settings are those of every segment: [`decode_from_sync`]).
    pub fn model(&self) -> Option<&D> {
        self.open.as_ref()
    }

    /// Decode the transitions `head` (pieces in order) with the open segment's decoder on
    /// this thread, then, with `next` (a segment [`decode_from_sync`] decoded from the
    /// transition right after them, the last of `head` being its sync point), close the
    /// open segment and continue with `next`'s decoder: the frames completed, renumbered, in
    /// stream order (exactly the serial ones).
    pub fn push_settled(
        &mut self,
        head: &[&[Transition]],
        next: Option<Decoded<D>>,
    ) -> Vec<D::Frame> {
        let Some(open) = self.open.as_mut() else {
            return Vec::new();
        };
        let mut frames = Vec::new();
        for h in head {
            open.push(h, &mut frames);
        }
        if let Some(t) = head.iter().rev().find_map(|h| h.last()) {
            self.last = Some(t.levels);
        }
        if self.base > 0 {
            for f in &mut frames {
                D::renumber(f, self.base);
            }
        }
        if let Some(next) = next {
            self.base += open.counter();
            let Decoded {
                decoder,
                frames: more,
                last,
            } = next;
            self.open = Some(decoder);
            if last.is_some() {
                self.last = last;
            }
            let base = self.base;
            frames.extend(more.into_iter().map(|mut f| {
                if base > 0 {
                    D::renumber(&mut f, base);
                }
                f
            }));
        }
        frames
    }

    /// Decode `parts` on this thread (plan, run, take).
    pub fn push(&mut self, parts: &[&[Transition]]) -> Vec<D::Frame> {
        let done = self.plan(parts).into_iter().map(Segment::run).collect();
        self.take(done)
    }

    /// The stream ended at sample `end`: the open segment's last frames.
    pub fn finish(mut self, end: u64) -> Vec<D::Frame> {
        let mut out = Vec::new();
        if let Some(mut d) = self.open.take() {
            d.finish(end, &mut out);
            if self.base > 0 {
                for f in &mut out {
                    D::renumber(f, self.base);
                }
            }
        }
        out
    }
}

/// The decoder resumed at the transition before `from` (the sync point that ended the
/// previous segment).
fn segments_resume<D: Resync>(
    segments: &[Segment<'_, D>],
    parts: &[&[Transition]],
    from: (usize, usize),
) -> D {
    let sync = &parts[from.0][from.1 - 1];
    // A later segment exists only after a first one, whose decoder carries the settings.
    let model = &segments[0].decoder;
    model.resume(sync)
}

/// The first sync point of `part` (`prev`: levels before the part). The capture's first
/// transition only gives initial levels: never a sync point.
fn first_sync<D: Resync>(d: &D, mut prev: Option<u32>, part: &[Transition]) -> Option<usize> {
    for (i, t) in part.iter().enumerate() {
        if let Some(p) = prev {
            if d.is_sync(p, t) {
                return Some(i);
            }
        }
        prev = Some(t.levels);
    }
    None
}

#[cfg(test)]
#[path = "parts_tests.rs"]
pub(crate) mod tests;
