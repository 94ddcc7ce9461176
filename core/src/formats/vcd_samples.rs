//! VCD value changes as samples: a [`VcdReader`] whose changes are resampled (sample and
//! hold, [`VcdResampler`]) at a rate the caller gives, so the statistics kernel and the
//! writers take a VCD like any sampled capture. Every variable becomes a channel: bits and
//! vectors as unsigned integers (x and z as NaN), reals as they are.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;

use super::vcd::{
    ChangeSink, ResampleConfig, SampleRate, Value, VcdHeader, VcdReader, VcdResampler,
};
use crate::kernel::{Block, BlockSink, Layout};
use crate::Result;

/// What the resampler emitted during one push, handed on afterwards.
#[derive(Default)]
struct Emitted {
    layout: Option<Layout>,
    begun: bool,
    /// (channel, start, samples) in emission order.
    blocks: Vec<(usize, u64, Vec<f64>)>,
}

/// The resampler's sink: a handle on the shared [`Emitted`].
struct Shared(Rc<RefCell<Emitted>>);

impl BlockSink for Shared {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        self.0.borrow_mut().layout = Some(layout);
        Ok(())
    }
    fn block(&mut self, block: Block<'_>) -> Result<()> {
        let mut e = self.0.borrow_mut();
        e.blocks
            .push((block.channel, block.start, block.samples.to_vec()));
        Ok(())
    }
}

/// Builds the resampler once the header names the variables.
struct Lazy {
    rate: f64,
    shared: Rc<RefCell<Emitted>>,
    resampler: Option<VcdResampler<Shared>>,
}

impl ChangeSink for Lazy {
    fn header(&mut self, header: &VcdHeader) -> Result<()> {
        let vars = (0..header.vars.len()).collect();
        let config = ResampleConfig::new(vars, SampleRate::PerSecond(self.rate));
        let mut resampler = VcdResampler::try_new(config, Shared(Rc::clone(&self.shared)))?;
        resampler.header(header)?;
        self.resampler = Some(resampler);
        Ok(())
    }
    fn time(&mut self, time: u64) -> Result<()> {
        match &mut self.resampler {
            Some(r) => r.time(time),
            None => Ok(()),
        }
    }
    fn change(&mut self, time: u64, id: usize, value: Value<'_>) -> Result<()> {
        match &mut self.resampler {
            Some(r) => r.change(time, id, value),
            None => Ok(()),
        }
    }
}

/// A VCD read as samples at a fixed rate.
pub struct VcdSamples {
    reader: VcdReader,
    lazy: Lazy,
}

impl VcdSamples {
    /// Sample every variable `rate` times per second (the file must declare a timescale).
    pub fn new(rate: f64) -> Self {
        VcdSamples {
            reader: VcdReader::new(),
            lazy: Lazy {
                rate,
                shared: Rc::default(),
                resampler: None,
            },
        }
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<&VcdHeader> {
        self.reader.header()
    }

    /// Consume the next bytes; samples decided so far go to `sink`.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        self.reader.push(bytes, &mut self.lazy)?;
        hand_on(&self.lazy.shared, sink)
    }

    /// Flush the last samples to `sink` and return the header.
    pub fn finish(mut self, sink: &mut dyn BlockSink) -> Result<VcdHeader> {
        let summary = self.reader.finish(&mut self.lazy)?;
        if let Some(resampler) = self.lazy.resampler.take() {
            resampler.finish()?;
        }
        hand_on(&self.lazy.shared, sink)?;
        Ok(summary.header)
    }
}

/// Pass what the resampler emitted on to `sink`.
fn hand_on(shared: &RefCell<Emitted>, sink: &mut dyn BlockSink) -> Result<()> {
    let mut emitted = shared.borrow_mut();
    if let (false, Some(layout)) = (emitted.begun, emitted.layout) {
        sink.begin(layout)?;
        emitted.begun = true;
    }
    for (channel, start, samples) in emitted.blocks.drain(..) {
        sink.block(Block {
            channel,
            start,
            samples: &samples,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::dsp::StatsConfig;
    use crate::job::StatsJob;
    use crate::testkit::assert_chunk_invariant;

    #[test]
    fn sampled_vcd_statistics_are_chunk_invariant() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/vcd/wellen/icarus/counter_tb.vcd"
        );
        let bytes = std::fs::read(path).expect("shared VCD");
        let make = || StatsJob::new(StatsConfig::default()).sampling_vcd_at(Some(1.0));
        let report = crate::testkit::run_split(make(), &bytes, &[])
            .expect("sampled")
            .report();
        assert_eq!(report.channels.len(), 8);
        assert!(report.channels.iter().all(|c| c.count > 10), "{report:?}");
        assert_chunk_invariant(make, &bytes, 16);
    }
}
