//! The streaming contract shared by every reader and kernel.
//!
//! - A **chunk** is any slice of the input, of any length, including empty.
//! - A [`Push`] state machine consumes chunks in order and produces its output at
//!   [`Push::finish`]. Splitting the same input differently never changes the output.
//! - A [`Block`] is a run of decoded samples of one channel with its absolute sample index.
//! - A [`Merge`] reduction combines the result of a later, contiguous part of the input into
//!   the result of an earlier part, so that split-then-merge equals serial processing.

use crate::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader};
use crate::Result;

/// A push-based state machine over a stream of `T`.
pub trait Push<T> {
    /// What the machine produces once the input is complete.
    type Output;
    /// Consume the next chunk of input.
    fn push(&mut self, chunk: &[T]) -> Result<()>;
    /// Flush and produce the output.
    fn finish(self) -> Result<Self::Output>;
}

/// A reduction whose partial results combine.
pub trait Merge: Sized {
    /// Append the result of the input that directly follows the input of `self`.
    fn merge(&mut self, later: Self) -> Result<()>;
}

/// A run of consecutive samples of one channel.
#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    /// Channel index (0-based).
    pub channel: usize,
    /// Absolute index of `samples[0]` within the channel.
    pub start: u64,
    /// Decoded sample values.
    pub samples: &'a [f64],
}

/// `Layout::samples` of an input whose length is not known until it ends (a streamed WAV, a
/// CSV, a serial device).
pub const UNKNOWN_SAMPLES: u64 = u64::MAX;

/// The shape of a multi-channel signal, known once a reader has parsed its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Number of channels.
    pub channels: usize,
    /// Number of samples per channel, or [`UNKNOWN_SAMPLES`].
    pub samples: u64,
}

impl Layout {
    /// The number of samples per channel, when known in advance.
    pub fn known_samples(&self) -> Option<u64> {
        (self.samples != UNKNOWN_SAMPLES).then_some(self.samples)
    }
}

/// A consumer of decoded sample blocks (the output side of a reader).
pub trait BlockSink {
    /// Called once, before the first block, when the layout is known.
    fn begin(&mut self, layout: Layout) -> Result<()>;
    /// Consume one block. Blocks of one channel arrive in order and contiguous.
    fn block(&mut self, block: Block<'_>) -> Result<()>;
}

/// The samples of one channel, gathered as they arrive (the caller takes or clears
/// `samples` between pushes to bound memory).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelSamples {
    /// The channel kept.
    pub channel: usize,
    /// Its samples so far.
    pub samples: alloc::vec::Vec<f64>,
}

impl ChannelSamples {
    /// An empty gatherer of `channel`.
    pub fn new(channel: usize) -> Self {
        ChannelSamples {
            channel,
            samples: alloc::vec::Vec::new(),
        }
    }
}

impl BlockSink for ChannelSamples {
    fn begin(&mut self, _: Layout) -> Result<()> {
        Ok(())
    }
    fn block(&mut self, block: Block<'_>) -> Result<()> {
        if block.channel == self.channel {
            self.samples.extend_from_slice(block.samples);
        }
        Ok(())
    }
}

/// A sink that accepts and drops everything: for reading only a header, or a reader's
/// side effects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl BlockSink for Discard {
    fn begin(&mut self, _: Layout) -> Result<()> {
        Ok(())
    }
    fn block(&mut self, _: Block<'_>) -> Result<()> {
        Ok(())
    }
}

/// A [`BlockSink`] that also reads sigrok sessions by ignoring their logic (and analog)
/// chunks: for analyses of analog samples driven by a reader that feeds both kinds of sink.
/// Blocks go to the inner sink unchanged.
///
/// ```
/// use scopekit_core::kernel::{AnalogOnly, ChannelSamples};
/// use scopekit_core::formats::sigrok::LogicSink;
///
/// fn takes_both<S: scopekit_core::BlockSink + LogicSink>(_: &mut S) {}
/// let mut sink = AnalogOnly(ChannelSamples::new(0));
/// takes_both(&mut sink);
/// assert!(sink.0.samples.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalogOnly<S>(pub S);

impl<S: BlockSink> BlockSink for AnalogOnly<S> {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        self.0.begin(layout)
    }
    fn block(&mut self, block: Block<'_>) -> Result<()> {
        self.0.block(block)
    }
}

impl<S> LogicSink for AnalogOnly<S> {
    fn begin(&mut self, _: &SigrokHeader) -> Result<()> {
        Ok(())
    }
    fn logic(&mut self, _: LogicChunk<'_>) -> Result<()> {
        Ok(())
    }
}

impl<T: BlockSink + ?Sized> BlockSink for &mut T {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        (**self).begin(layout)
    }
    fn block(&mut self, block: Block<'_>) -> Result<()> {
        (**self).block(block)
    }
}

/// Feeds every block to two sinks, `.0` first: one reader's parse and decode shared by two
/// analyses of the same input (the page's statistics and its viewer pyramid).
///
/// ```
/// use scopekit_core::kernel::{ChannelSamples, Tee};
/// use scopekit_core::{Block, BlockSink, Layout};
///
/// let mut tee = Tee(ChannelSamples::new(0), ChannelSamples::new(0));
/// tee.begin(Layout { channels: 1, samples: 2 }).unwrap();
/// tee.block(Block { channel: 0, start: 0, samples: &[1.0, 2.0] }).unwrap();
/// assert_eq!(tee.0, tee.1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tee<A, B>(pub A, pub B);

impl<A: BlockSink, B: BlockSink> BlockSink for Tee<A, B> {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        self.0.begin(layout)?;
        self.1.begin(layout)
    }
    fn block(&mut self, block: Block<'_>) -> Result<()> {
        self.0.block(block)?;
        self.1.block(block)
    }
}
