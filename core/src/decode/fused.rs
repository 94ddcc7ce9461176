//! The parallel decode of sampled (analog) lines in parts, one task per part: the one path
//! the CLI (`decode --threads N`) and the page (`ParallelDecode`, `decodeBytes`) both drive.
//!
//! Each part of the samples (whole rows, in order) becomes a [`PartTask`] that runs on any
//! thread ([`PartTask::run`]): the part's samples are read into a [`DigitizePart`], the
//! transitions it settles on its own are merged ([`DigitizePart::settle`]) and, for a
//! decoder with sync points ([`Resync`]), decoded from the first sync point among them by a
//! decoder resumed there ([`decode_from_sync`]). The finished parts are handed back **in
//! order** to [`FusedDecode::take`] on one thread (while later parts still run): it carries
//! the lines' comparators through the part's head ([`Digitizer::carry_settled`]), decodes
//! the few transitions before the part's sync point with the open decoder and continues with
//! the part's own ([`PartDecoder::push_settled`]). A part that settles nothing on its own (a
//! line in its dead band throughout) is carried and decoded on the taking thread; one whose
//! line sat in its dead band longer than [`PREFIX_CAP`](crate::edges::PREFIX_CAP) samples is
//! read again there, into the digitizer. Either way the frames are exactly those of the
//! serial decode (tests below), whatever the part sizes and the order the tasks finish in.

use alloc::vec::Vec;

use super::parts::{decode_from_sync, Decoded, PartDecoder, Resync};
use super::Levels;
use crate::edges::{DigitizePart, Digitizer, EdgeBuffers, Settled, Threshold};
use crate::{BlockSink, Layout, Result};

/// The decoder side: in segments cut at sync points when the decoder has them, else serial.
enum Decoding<D: Resync> {
    Parts(PartDecoder<D>),
    Serial(D),
}

/// A parallel decode of sampled lines in parts (see the module doc): hands out a
/// [`PartTask`] per part ([`task`](Self::task)), takes the finished parts back in order
/// ([`take`](Self::take)) and flushes at the end ([`finish`](Self::finish)).
pub struct FusedDecode<D: Resync> {
    lines: Vec<(usize, Threshold)>,
    digitizer: Digitizer,
    decoding: Decoding<D>,
    /// Emptied edge buffers of the parts taken, for the next parts' tasks.
    spare: EdgeBuffers,
}

/// One part's work, to run on any thread ([`run`](Self::run)).
pub struct PartTask<D> {
    part: DigitizePart,
    /// The decoder the part decodes from its first sync point with (`None`: the decoder has
    /// no sync points; the part's transitions are decoded when taken).
    model: Option<D>,
}

/// A part that ran ([`PartTask::run`]), for [`FusedDecode::take`].
pub struct PartDone<D: Resync> {
    part: DigitizePart,
    own: Option<Settled>,
    segment: Option<(usize, Decoded<D>)>,
}

impl<D: Resync> PartTask<D> {
    /// Read the part's samples with `read` (every line's samples of the part, as blocks into
    /// the sink it is given), merge the transitions it settles and decode them from their
    /// first sync point.
    ///
    /// # Errors
    /// Those of `read`.
    pub fn run<E>(
        mut self,
        read: impl FnOnce(&mut dyn BlockSink) -> core::result::Result<(), E>,
    ) -> core::result::Result<PartDone<D>, E> {
        read(&mut self.part)?;
        let own = self.part.settle();
        let segment = match (&own, &self.model) {
            (Some(o), Some(m)) => decode_from_sync(m, o.levels, &o.transitions),
            _ => None,
        };
        Ok(PartDone {
            part: self.part,
            own,
            segment,
        })
    }
}

impl<D: Resync> FusedDecode<D> {
    /// A decode of the lines `lines` (channel, threshold; line `i` = `lines[i]`) of an input
    /// of `layout` by `decoder`, from the capture start.
    ///
    /// # Errors
    /// Too many lines, or a channel not in the input.
    pub fn new(decoder: D, lines: &[(usize, Threshold)], layout: Layout) -> Result<Self> {
        let explicit: Vec<_> = lines.iter().map(|&(c, t)| (c, Ok(t))).collect();
        let mut digitizer = Digitizer::new(&explicit)?;
        digitizer.begin(layout)?;
        let decoding = if decoder.resyncs() {
            Decoding::Parts(PartDecoder::new(decoder))
        } else {
            Decoding::Serial(decoder)
        };
        Ok(FusedDecode {
            lines: lines.to_vec(),
            digitizer,
            decoding,
            spare: EdgeBuffers::default(),
        })
    }

    /// The task of the next part (parts are taken back in the order their tasks were made).
    /// Its edge buffers come from the parts taken before, so a task rarely grows a vector.
    pub fn task(&mut self) -> PartTask<D> {
        let model = match &self.decoding {
            Decoding::Parts(pd) => pd.model().cloned(),
            Decoding::Serial(_) => None,
        };
        PartTask {
            part: DigitizePart::reusing(&self.lines, &mut self.spare),
            model,
        }
    }

    /// Take the next part in order (its task made after the one taken before): the frames
    /// it completes, in order. `reread` reads the part's samples again (into the sink it is
    /// given), needed only when a line of the part sat in its dead band too long for the
    /// carried state to be re-run cheaply.
    ///
    /// # Errors
    /// Those of `reread`.
    pub fn take<E>(
        &mut self,
        done: PartDone<D>,
        reread: impl FnOnce(&mut dyn BlockSink) -> core::result::Result<(), E>,
    ) -> core::result::Result<Vec<D::Frame>, E> {
        let PartDone { part, own, segment } = done;
        let head = match (self.digitizer.carry_settled(part, &mut self.spare), own) {
            (Ok(true), Some(own)) => {
                let head = self.digitizer.take();
                return Ok(self.push_settled(&head, &own.transitions, segment));
            }
            (Ok(_), _) => self.digitizer.take(),
            (Err(_), _) => {
                // A line sat in its dead band too long: read the part into the digitizer.
                reread(&mut self.digitizer)?;
                self.digitizer.take()
            }
        };
        Ok(self.push(&head))
    }

    /// The input ended at sample `end`: the last frames.
    pub fn finish(mut self, end: u64) -> Vec<D::Frame> {
        let last = self.digitizer.finish();
        let mut frames = Vec::new();
        match self.decoding {
            Decoding::Parts(mut pd) => {
                frames.extend(pd.push(&[&last]));
                frames.extend(pd.finish(end));
            }
            Decoding::Serial(mut d) => {
                d.push(&last, &mut frames);
                d.finish(end, &mut frames);
            }
        }
        frames
    }

    /// Decode a part's transitions before its settled ones (`head`), then the settled ones
    /// (`own`), `segment` being those after `own`'s first sync point, already decoded.
    fn push_settled(
        &mut self,
        head: &[crate::logic::Transition],
        own: &[crate::logic::Transition],
        segment: Option<(usize, Decoded<D>)>,
    ) -> Vec<D::Frame> {
        match &mut self.decoding {
            Decoding::Parts(pd) => match segment {
                Some((i, done)) => pd.push_settled(&[head, &own[..=i]], Some(done)),
                None => pd.push_settled(&[head, own], None),
            },
            Decoding::Serial(d) => {
                let mut frames = Vec::new();
                d.push(head, &mut frames);
                d.push(own, &mut frames);
                frames
            }
        }
    }

    /// Decode transitions on this thread.
    fn push(&mut self, ts: &[crate::logic::Transition]) -> Vec<D::Frame> {
        match &mut self.decoding {
            Decoding::Parts(pd) => pd.push(&[ts]),
            Decoding::Serial(d) => {
                let mut frames = Vec::new();
                d.push(ts, &mut frames);
                frames
            }
        }
    }
}

/// The lines' thresholds when `levels` sets one explicitly (`None`: automatic, from each
/// line's first [`AUTO_WINDOW`](crate::edges::AUTO_WINDOW) samples:
/// [`line_threshold`](crate::edges::line_threshold)).
pub fn explicit_lines(channels: &[usize], levels: &Levels) -> Option<Vec<(usize, Threshold)>> {
    let level = levels.threshold?;
    let hysteresis = levels.hysteresis.unwrap_or(0.0);
    Some(
        channels
            .iter()
            .map(|&c| (c, Threshold { level, hysteresis }))
            .collect(),
    )
}

#[cfg(test)]
#[path = "fused_tests.rs"]
mod tests;
