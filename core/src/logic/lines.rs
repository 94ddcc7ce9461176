//! Transitions of chosen channels of bit-packed logic samples.

use alloc::vec::Vec;

use super::{Transition, MAX_LINES};
use crate::formats::sigrok::{LogicChunk, LogicSink, SigrokHeader, SigrokReader};
use crate::{Error, Result};

/// Extracts the transitions of chosen channels from bit-packed logic samples (sigrok units:
/// `unitsize` little-endian bytes per sample, bit `c` = channel `c`).
///
/// Channels are compared as whole units first, so runs without a change on any chosen line
/// cost one masked compare per sample (eight per word for one-byte units).
#[derive(Debug, Clone)]
pub struct Lines {
    channels: Vec<usize>,
    mask: u64,
    prev: Option<u64>,
}

impl Lines {
    /// Follow `channels` (line `i` of a transition = `channels[i]`).
    ///
    /// # Errors
    /// More than [`MAX_LINES`] lines, or a channel above 63.
    pub fn new(channels: &[usize]) -> Result<Self> {
        if channels.len() > MAX_LINES {
            return Err(Error::Config(alloc::format!(
                "a decoder follows at most {MAX_LINES} lines, {} given",
                channels.len()
            )));
        }
        let mut mask = 0u64;
        for &c in channels {
            if c >= 64 {
                return Err(Error::Config(alloc::format!(
                    "logic channel {c} is beyond the 64 channels supported"
                )));
            }
            mask |= 1 << c;
        }
        Ok(Lines {
            channels: channels.to_vec(),
            mask,
            prev: None,
        })
    }

    fn levels(&self, unit: u64) -> u32 {
        let mut l = 0u32;
        for (i, &c) in self.channels.iter().enumerate() {
            l |= (((unit >> c) & 1) as u32) << i;
        }
        l
    }

    /// Append the transitions of `chunk` to `out`. Chunks must be contiguous and in order.
    pub fn push(&mut self, chunk: LogicChunk<'_>, out: &mut Vec<Transition>) {
        let u = chunk.unitsize;
        let n = chunk.len();
        if n == 0 || u == 0 {
            return;
        }
        let mut i = 0usize;
        let mut prev = match self.prev {
            Some(p) => p,
            None => {
                let first = chunk.sample(0) & self.mask;
                out.push(Transition {
                    at: chunk.start,
                    levels: self.levels(first),
                });
                i = 1;
                first
            }
        };
        if u == 1 {
            let mask = self.mask & 0xff;
            let rep = mask * 0x0101_0101_0101_0101;
            let bytes = chunk.bytes;
            // The levels of every byte value, so a change costs one lookup.
            let mut lut = [0u32; 256];
            for (b, l) in lut.iter_mut().enumerate() {
                *l = self.levels(b as u64);
            }
            // Eight samples at a time: the bytes that differ from the one before (on the
            // followed lines) are the set bytes of one masked XOR.
            while i + 8 <= n {
                let mut w = [0u8; 8];
                w.copy_from_slice(&bytes[i..i + 8]);
                let x = u64::from_le_bytes(w);
                let mut d = (x ^ ((x << 8) | prev)) & rep;
                while d != 0 {
                    let b = d.trailing_zeros() / 8;
                    out.push(Transition {
                        at: chunk.start + i as u64 + u64::from(b),
                        levels: lut[((x >> (8 * b)) & 0xff) as usize],
                    });
                    d &= !(0xff << (8 * b));
                }
                prev = x >> 56;
                i += 8;
            }
            while i < n {
                let s = u64::from(bytes[i]) & mask;
                if s != prev & mask {
                    out.push(Transition {
                        at: chunk.start + i as u64,
                        levels: self.levels(s),
                    });
                }
                prev = s;
                i += 1;
            }
        } else {
            while i < n {
                let s = chunk.sample(i) & self.mask;
                if s != prev {
                    out.push(Transition {
                        at: chunk.start + i as u64,
                        levels: self.levels(s),
                    });
                    prev = s;
                }
                i += 1;
            }
        }
        self.prev = Some(prev & self.mask);
    }
}

/// A [`LogicSink`] collecting the transitions of chosen channels of a whole `.sr` file.
struct Collect {
    lines: Lines,
    out: Vec<Transition>,
}

impl LogicSink for Collect {
    fn begin(&mut self, header: &SigrokHeader) -> Result<()> {
        let stored = header.stored_channels();
        if let Some(&c) = self.lines.channels.iter().find(|&&c| c >= stored) {
            return Err(Error::Config(alloc::format!(
                "logic channel {c} is not in the capture ({stored} channels stored)"
            )));
        }
        Ok(())
    }
    fn logic(&mut self, chunk: LogicChunk<'_>) -> Result<()> {
        self.lines.push(chunk, &mut self.out);
        Ok(())
    }
}

/// The transitions of `channels` of a whole sigrok `.sr` file held in memory, with its header.
///
/// # Errors
/// A malformed capture, or a channel the capture does not hold.
pub fn transitions_of_sr(
    file: &[u8],
    channels: &[usize],
) -> Result<(Vec<Transition>, SigrokHeader)> {
    let mut sink = Collect {
        lines: Lines::new(channels)?,
        out: Vec::new(),
    };
    let header = SigrokReader::read_slice(file, &mut sink)?;
    Ok((sink.out, header))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn slow(bytes: &[u8], u: usize, channels: &[usize]) -> Vec<Transition> {
        let l = Lines::new(channels).unwrap();
        let mut out: Vec<Transition> = Vec::new();
        for i in 0..bytes.len() / u {
            let c = LogicChunk {
                start: 0,
                unitsize: u,
                bytes,
            };
            let lv = l.levels(c.sample(i));
            if out.last().map(|t| t.levels) != Some(lv) {
                out.push(Transition {
                    at: i as u64,
                    levels: lv,
                });
            }
        }
        out
    }

    fn pushed(bytes: &[u8], u: usize, channels: &[usize], cuts: &[usize]) -> Vec<Transition> {
        let mut l = Lines::new(channels).unwrap();
        let mut out = Vec::new();
        let mut last = 0;
        for &c in cuts.iter().chain(core::iter::once(&(bytes.len() / u))) {
            let c = c.clamp(last, bytes.len() / u);
            l.push(
                LogicChunk {
                    start: last as u64,
                    unitsize: u,
                    bytes: &bytes[last * u..c * u],
                },
                &mut out,
            );
            last = c;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn matches_per_sample_scan(
            bytes in proptest::collection::vec(proptest::sample::select(vec![0u8, 1, 2, 3, 0x80, 0xff]), 0..300),
            u in 1usize..=3,
            mut cuts in proptest::collection::vec(0usize..100, 0..5),
        ) {
            let n = bytes.len() / u * u;
            let bytes = &bytes[..n];
            let channels: &[usize] = if u == 1 { &[0, 1, 7] } else { &[1, 8, 0] };
            cuts.sort_unstable();
            proptest::prop_assert_eq!(pushed(bytes, u, channels, &cuts), slow(bytes, u, channels));
        }
    }

    #[test]
    fn rejects_too_many_lines() {
        assert!(Lines::new(&[0; 33]).is_err());
        assert!(Lines::new(&[64]).is_err());
    }
}
