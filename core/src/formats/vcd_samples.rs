//! VCD value changes as samples: a [`VcdReader`] whose changes are resampled (sample and
//! hold, [`VcdResampler`](crate::formats::vcd::VcdResampler)) at a rate the caller gives, so the statistics kernel and the
//! writers take a VCD like any sampled capture. Every numeric variable becomes a channel:
//! bits and vectors as unsigned integers (x and z as NaN), reals as they are. Samples go
//! straight to the caller's sink, however many one time stamp decides.

use super::vcd::{
    ChangeSink, ResampleConfig, Resampling, SampleRate, Value, VarKind, VcdHeader, VcdReader,
};
use crate::kernel::BlockSink;
use crate::Result;

/// The change sink of one push: the resampler, lent the caller's block sink.
struct Active<'a> {
    rate: f64,
    resampler: &'a mut Option<Resampling>,
    sink: &'a mut dyn BlockSink,
}

impl ChangeSink for Active<'_> {
    fn header(&mut self, header: &VcdHeader) -> Result<()> {
        // Every variable with numeric values: bits, vectors (as unsigned integers), reals.
        let vars = (0..header.vars.len())
            .filter(|&v| !matches!(header.vars[v].kind, VarKind::String | VarKind::Event))
            .collect();
        let config = ResampleConfig::new(vars, SampleRate::PerSecond(self.rate));
        self.resampler
            .insert(Resampling::try_new(config)?)
            .header(header, self.sink)
    }
    fn time(&mut self, time: u64) -> Result<()> {
        match self.resampler {
            Some(r) => r.time(time, self.sink),
            None => Ok(()),
        }
    }
    fn change(&mut self, time: u64, id: usize, value: Value<'_>) -> Result<()> {
        match self.resampler {
            Some(r) => r.change(time, id, value, self.sink),
            None => Ok(()),
        }
    }
}

/// A VCD read as samples at a fixed rate.
pub struct VcdSamples {
    reader: VcdReader,
    rate: f64,
    resampler: Option<Resampling>,
}

impl VcdSamples {
    /// Sample every numeric variable `rate` times per second (the file must declare a
    /// timescale).
    pub fn new(rate: f64) -> Self {
        VcdSamples {
            reader: VcdReader::new(),
            rate,
            resampler: None,
        }
    }

    /// The header, once parsed.
    pub fn header(&self) -> Option<&VcdHeader> {
        self.reader.header()
    }

    /// Consume the next bytes; samples decided so far go straight to `sink`.
    pub fn push(&mut self, bytes: &[u8], sink: &mut dyn BlockSink) -> Result<()> {
        let mut active = Active {
            rate: self.rate,
            resampler: &mut self.resampler,
            sink,
        };
        self.reader.push(bytes, &mut active)
    }

    /// Flush the last samples to `sink` and return the header.
    pub fn finish(mut self, sink: &mut dyn BlockSink) -> Result<VcdHeader> {
        let mut active = Active {
            rate: self.rate,
            resampler: &mut self.resampler,
            sink,
        };
        let summary = self.reader.finish(&mut active)?;
        if let Some(r) = &mut self.resampler {
            r.finish(sink)?;
        }
        Ok(summary.header)
    }
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
