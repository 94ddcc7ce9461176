//! Feeding a decoder from any capture: bit-packed logic (sigrok) through [`Lines`], analog
//! or sampled channels of any reader through the [`Digitizer`].

use alloc::vec::Vec;

use crate::edges::{Digitizer, Threshold};
use crate::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader};
use crate::logic::{Decode, Lines, Transition};
use crate::{Block, BlockSink, Error, Layout, Result};

enum Input {
    Logic(Lines, Vec<usize>),
    Analog(Digitizer),
    /// Transitions come through [`DecodeSink::push_transitions`] only.
    External,
}

/// A decoder with its input stage: a [`LogicSink`] for sigrok sessions and a [`BlockSink`]
/// for every other reader. Frames gather until taken.
pub struct DecodeSink<D: Decode> {
    decoder: D,
    input: Input,
    buf: Vec<Transition>,
    frames: Vec<D::Frame>,
    end: u64,
}

impl<D: Decode> DecodeSink<D> {
    /// Decode logic channels `channels` (line `i` = `channels[i]`).
    ///
    /// # Errors
    /// Too many lines or a channel above 63.
    pub fn logic(decoder: D, channels: &[usize]) -> Result<Self> {
        Ok(Self::with(
            decoder,
            Input::Logic(Lines::new(channels)?, channels.to_vec()),
        ))
    }

    /// Decode sampled channels through thresholds (`Err(hysteresis)`: automatic).
    ///
    /// # Errors
    /// Too many lines.
    pub fn analog(
        decoder: D,
        lines: &[(usize, core::result::Result<Threshold, Option<f64>>)],
    ) -> Result<Self> {
        Ok(Self::with(decoder, Input::Analog(Digitizer::new(lines)?)))
    }

    /// Decode transitions produced elsewhere (logic parts or analog parts read in parallel),
    /// fed with [`push_transitions`](Self::push_transitions).
    pub fn external(decoder: D) -> Self {
        Self::with(decoder, Input::External)
    }

    fn with(decoder: D, input: Input) -> Self {
        DecodeSink {
            decoder,
            input,
            buf: Vec::new(),
            frames: Vec::new(),
            end: 0,
        }
    }

    /// Samples seen so far.
    pub fn samples(&self) -> u64 {
        self.end
    }

    /// The frames decoded since the last call.
    pub fn take_frames(&mut self) -> Vec<D::Frame> {
        core::mem::take(&mut self.frames)
    }

    fn feed(&mut self) {
        self.decoder.push(&self.buf, &mut self.frames);
        self.buf.clear();
    }

    /// Feed transitions of the logic lines read elsewhere (parts of a session read in
    /// parallel and [stitched](crate::logic::stitch)); the input has reached sample `end`.
    pub fn push_transitions(&mut self, transitions: &[Transition], end: u64) {
        self.decoder.push(transitions, &mut self.frames);
        self.end = self.end.max(end);
    }

    /// The input ended: flush and return the frames not yet taken.
    pub fn finish(mut self) -> Vec<D::Frame> {
        if let Input::Analog(d) = &mut self.input {
            self.buf = d.finish();
            self.feed();
        }
        self.decoder.finish(self.end, &mut self.frames);
        self.frames
    }
}

impl<D: Decode> LogicSink for DecodeSink<D> {
    fn begin(&mut self, header: &SigrokHeader) -> Result<()> {
        let Input::Logic(_, channels) = &self.input else {
            return Err(Error::Config(
                "a logic capture needs a logic decoder input".into(),
            ));
        };
        let stored = header.stored_channels();
        match channels.iter().find(|&&c| c >= stored) {
            Some(c) => Err(Error::Config(alloc::format!(
                "logic channel {c} is not in the capture ({stored} channels stored)"
            ))),
            None => Ok(()),
        }
    }

    fn logic(&mut self, chunk: LogicChunk<'_>) -> Result<()> {
        if let Input::Logic(lines, _) = &mut self.input {
            lines.push(chunk, &mut self.buf);
            self.end = chunk.start + chunk.len() as u64;
            self.feed();
        }
        Ok(())
    }
}

impl<D: Decode> BlockSink for DecodeSink<D> {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        match &mut self.input {
            Input::Analog(d) => d.begin(layout),
            Input::Logic(..) | Input::External => Err(Error::Config(
                "sampled input needs an analog decoder input".into(),
            )),
        }
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        if let Input::Analog(d) = &mut self.input {
            d.block(b)?;
            self.end = self.end.max(b.start + b.samples.len() as u64);
            self.buf = d.take();
            self.feed();
        }
        Ok(())
    }
}
