//! A whole decode run over a file pushed in chunks (the page's worker) or held whole (zip
//! captures): reader, input stage, decoder and frame statistics in one state machine, with
//! the same document the CLI prints.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::{AnyDecoder, AnyFrame, DecodeSink, FrameStats, FrameStatsBuilder, ProtocolConfig};
use crate::edges::Threshold;
use crate::formats::archive;
use crate::formats::sigrok::SigrokReader;
use crate::formats::Reader;
use crate::Result;

/// A role wired to a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wire {
    /// sigrok role name (`rx`, `clk`, `can_rx`...).
    pub role: String,
    /// Channel index.
    pub channel: usize,
    /// Channel name, when the file has one.
    #[serde(default)]
    pub name: Option<String>,
}

/// How sampled (analog) channels become logic: one threshold for all lines, or `None` for
/// an automatic one per line (histogram top and base), with this hysteresis.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Levels {
    /// Threshold level; `None`: automatic.
    pub threshold: Option<f64>,
    /// Hysteresis; `None`: 0 with a level, 10 % of the amplitude when automatic.
    pub hysteresis: Option<f64>,
}

impl Levels {
    /// The digitizer settings of the wired channels.
    pub fn lines(
        &self,
        wires: &[Wire],
    ) -> Vec<(usize, core::result::Result<Threshold, Option<f64>>)> {
        let th = match self.threshold {
            Some(level) => Ok(Threshold {
                level,
                hysteresis: self.hysteresis.unwrap_or(0.0),
            }),
            None => Err(self.hysteresis),
        };
        wires.iter().map(|w| (w.channel, th)).collect()
    }
}

/// The end of a decode run: sample count and statistics (the frames go out as they come).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeTail {
    /// Samples decoded.
    pub samples: u64,
    /// Statistics over every frame.
    pub stats: FrameStats,
}

fn decoder(config: &ProtocolConfig, rate: Option<f64>, wires: &[Wire]) -> Result<AnyDecoder> {
    let roles: Vec<&str> = wires.iter().map(|w| w.role.as_str()).collect();
    config.decoder(rate, &roles)
}

/// Decoding a file pushed in chunks through the format readers (every format but the zip
/// ones, see [`decode_archive`]).
pub struct DecodeJob {
    reader: Reader,
    sink: DecodeSink<AnyDecoder>,
    stats: FrameStatsBuilder,
    rate: Option<f64>,
}

impl DecodeJob {
    /// A run over a file of `file_len` bytes with sample rate `rate` (the header's, or the
    /// user's for files without one; a VCD is also sampled at it).
    ///
    /// # Errors
    /// Settings the decoder rejects.
    pub fn new(
        file_len: u64,
        config: &ProtocolConfig,
        wires: &[Wire],
        rate: Option<f64>,
        levels: Levels,
    ) -> Result<Self> {
        let d = decoder(config, rate, wires)?;
        Ok(DecodeJob {
            reader: Reader::with_file_len(file_len).sampling_vcd_at(rate),
            sink: DecodeSink::analog(d, &levels.lines(wires))?,
            stats: FrameStatsBuilder::default(),
            rate,
        })
    }

    /// Consume the next bytes of the file.
    ///
    /// # Errors
    /// Bad input, with its byte offset.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        self.reader.push(bytes, &mut self.sink)
    }

    /// The frames decoded since the last call (also counted in the statistics).
    pub fn take_frames(&mut self) -> Vec<AnyFrame> {
        let frames = self.sink.take_frames();
        self.stats.add(&frames);
        frames
    }

    /// Finish: the last frames and the tail.
    ///
    /// # Errors
    /// Truncated input.
    pub fn finish(mut self) -> Result<(Vec<AnyFrame>, DecodeTail)> {
        self.reader.finish(&mut self.sink)?;
        let samples = self.sink.samples();
        let frames = self.sink.finish();
        self.stats.add(&frames);
        Ok((
            frames,
            DecodeTail {
                samples,
                stats: self.stats.report(self.rate),
            },
        ))
    }
}

/// Decode a zip-based capture held whole: a sigrok session's logic channels directly, an
/// npz's first array through thresholds. `rate` overrides a session's sample rate only when
/// it has none.
///
/// # Errors
/// Bad input or settings.
pub fn decode_archive(
    file: &[u8],
    config: &ProtocolConfig,
    wires: &[Wire],
    rate: Option<f64>,
    levels: Levels,
) -> Result<(Vec<AnyFrame>, DecodeTail)> {
    let header = archive::open(file)?;
    let rate = header.info().sample_rate.or(rate);
    let d = decoder(config, rate, wires)?;
    let mut sink = if let crate::formats::Header::Sigrok(_) = header {
        let channels: Vec<usize> = wires.iter().map(|w| w.channel).collect();
        let mut sink = DecodeSink::logic(d, &channels)?;
        SigrokReader::read_slice(file, &mut sink)?;
        sink
    } else {
        let mut sink = DecodeSink::analog(d, &levels.lines(wires))?;
        archive::read(file, &header, &mut sink)?;
        sink
    };
    let mut frames = sink.take_frames();
    let samples = sink.samples();
    frames.extend(sink.finish());
    let mut stats = FrameStatsBuilder::default();
    stats.add(&frames);
    Ok((
        frames,
        DecodeTail {
            samples,
            stats: stats.report(rate),
        },
    ))
}
