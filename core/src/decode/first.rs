//! Automatic thresholds for a decode in parts ([`super::fused`]) when the parts' bytes
//! arrive whole (the page's reads): each line's first [`AUTO_WINDOW`] samples are gathered
//! from the first parts, read on the tasks of an [`Exec`], in pieces kept as they are (no
//! copy into one window); the thresholds come from the pieces' histograms
//! ([`pieces_threshold`]: exactly the serial digitizer's); and the parts read whole for them
//! are replayed into their decode tasks ([`Replay`]) instead of read again.

use alloc::vec;
use alloc::vec::Vec;

use crate::edges::{
    finite_range, merged_range, piece_histogram, pieces_threshold, FirstSamples, Threshold,
    AUTO_WINDOW,
};
use crate::exec::Exec;
use crate::formats::{Header, Reader};
use crate::{Block, BlockSink, Layout, Result};

/// Read the data bytes `bytes` of the part `(start, end)` (data byte range) into `sink`.
///
/// # Errors
/// Bad data, naming the byte offset.
pub fn read_part(
    header: &Header,
    (start, end): (u64, u64),
    bytes: &[u8],
    sink: &mut dyn BlockSink,
) -> Result<()> {
    let mut reader = Reader::resume(header.clone(), start, end)?;
    reader.push(bytes, sink)?;
    reader.finish(sink).map(|_| ())
}

/// One line's first samples, in pieces (one per part read, in order).
#[derive(Debug, Default)]
struct Line {
    pieces: Vec<Vec<f64>>,
    /// Each piece's part and, when the piece is every sample of the line in the part, the
    /// sample index it starts at.
    from: Vec<(usize, Option<u64>)>,
    /// Each piece's [`finite_range`].
    ranges: Vec<Option<(f64, f64)>>,
    /// Samples in all.
    len: usize,
}

/// A part given whole: its index, its data byte range and its data bytes.
pub type WholePart<'a> = (usize, (u64, u64), &'a [u8]);

/// The first [`AUTO_WINDOW`] samples of each line of a decode, gathered from parts given
/// whole and in order.
#[derive(Debug)]
pub struct FirstPieces {
    channels: Vec<usize>,
    lines: Vec<Line>,
}

impl FirstPieces {
    /// None yet, for the lines on `channels`.
    pub fn new(channels: &[usize]) -> Self {
        FirstPieces {
            channels: channels.to_vec(),
            lines: channels.iter().map(|_| Line::default()).collect(),
        }
    }

    /// Whether every line has its [`AUTO_WINDOW`] samples.
    pub fn full(&self) -> bool {
        self.lines.iter().all(|l| l.len >= AUTO_WINDOW)
    }

    /// Read `parts` (in order, after any read before) until every line has its samples:
    /// [`Exec::threads`] parts at a time on `exec`'s tasks, each read up to its own first
    /// [`AUTO_WINDOW`] samples, the pieces kept in order as they are.
    ///
    /// # Errors
    /// Bad data, naming the byte offset.
    pub fn read(
        &mut self,
        header: &Header,
        parts: &[WholePart<'_>],
        exec: &impl Exec,
    ) -> Result<()> {
        let FirstPieces { channels, lines } = self;
        for group in parts.chunks(exec.threads().max(1)) {
            if lines.iter().all(|l| l.len >= AUTO_WINDOW) {
                break;
            }
            let read = exec.each(group.to_vec(), &|(i, bounds, bytes)| -> Result<_> {
                // Room for the part's samples of a line up to AUTO_WINDOW (no vector
                // grows on the tasks).
                let rows = header
                    .row_bytes()
                    .filter(|&r| r > 0)
                    .map_or(0, |r| bytes.len() / r as usize);
                let mut own = FirstSamples::new(&channels[..], rows);
                read_part(header, bounds, bytes, &mut own)?;
                let (samples, starts) = own.into_parts();
                let ranges: Vec<_> = samples.iter().map(|s| finite_range(s)).collect();
                Ok((i, samples, starts, ranges))
            });
            for part in read {
                let (i, samples, starts, ranges) = part?;
                add(lines, i, samples, starts.as_deref(), ranges);
            }
        }
        Ok(())
    }

    /// The lines' automatic thresholds (`hysteresis`: explicit, else automatic): each
    /// piece's histogram on `exec` (a task per line and piece), summed per line
    /// ([`pieces_threshold`]: exactly the serial digitizer's thresholds).
    pub fn thresholds(&self, hysteresis: Option<f64>, exec: &impl Exec) -> Vec<(usize, Threshold)> {
        let lines = &self.lines;
        let ranges: Vec<Option<(f64, f64)>> =
            lines.iter().map(|l| merged_range(&l.ranges)).collect();
        let jobs: Vec<(usize, &[f64], (f64, f64))> = lines
            .iter()
            .zip(&ranges)
            .enumerate()
            .filter_map(|(k, (l, r))| r.filter(|(lo, hi)| hi > lo).map(|r| (k, l, r)))
            .flat_map(|(k, l, r)| l.pieces.iter().map(move |p| (k, &p[..], r)))
            .collect();
        let hists = exec.each(jobs.clone(), &|(_, p, r)| piece_histogram(p, r));
        let mut per: Vec<Vec<Vec<u64>>> = vec![Vec::new(); lines.len()];
        for (&(k, _, _), h) in jobs.iter().zip(hists) {
            per[k].push(h);
        }
        self.channels
            .iter()
            .zip(lines)
            .enumerate()
            .map(|(k, (&c, l))| {
                let pieces: Vec<&[f64]> = l.pieces.iter().map(|p| &p[..]).collect();
                (c, pieces_threshold(&pieces, ranges[k], &per[k], hysteresis))
            })
            .collect()
    }

    /// The parts whose every line's samples are held whole, to replay into their tasks
    /// (none when two lines share a channel: a block would reach both).
    pub fn into_replays(self) -> Vec<Replay> {
        let channels = self.channels;
        let distinct = channels
            .iter()
            .enumerate()
            .all(|(k, c)| !channels[..k].contains(c));
        let Some(pieces) = self.lines.first().map(|l| l.pieces.len()) else {
            return Vec::new();
        };
        if !distinct || self.lines.iter().any(|l| l.pieces.len() != pieces) {
            return Vec::new();
        }
        let mut lines: Vec<_> = self
            .lines
            .into_iter()
            .map(|l| l.from.into_iter().zip(l.pieces))
            .collect();
        let mut out = Vec::new();
        for _ in 0..pieces {
            let mut part = None;
            let mut got = Vec::with_capacity(lines.len());
            for (&channel, line) in channels.iter().zip(&mut lines) {
                let Some(((i, start), samples)) = line.next() else {
                    return out;
                };
                match (start, part) {
                    (Some(s), None) => {
                        part = Some(i);
                        got.push((channel, s, samples));
                    }
                    (Some(s), Some(p)) if p == i => got.push((channel, s, samples)),
                    _ => part = Some(usize::MAX),
                }
            }
            if let Some(part) = part.filter(|&p| p != usize::MAX) {
                if got.len() == channels.len() {
                    out.push(Replay { part, lines: got });
                }
            }
        }
        out
    }
}

/// Keep the samples of part `i` each of `lines` still needs.
fn add(
    lines: &mut [Line],
    i: usize,
    samples: Vec<Vec<f64>>,
    starts: Option<&[Option<u64>]>,
    ranges: Vec<Option<(f64, f64)>>,
) {
    let parts = samples.into_iter().zip(ranges);
    for (k, (line, (mut got, range))) in lines.iter_mut().zip(parts).enumerate() {
        let take = AUTO_WINDOW.saturating_sub(line.len).min(got.len());
        if take == 0 {
            continue;
        }
        let whole = take == got.len();
        let range = if whole {
            range
        } else {
            got.truncate(take);
            finite_range(&got)
        };
        let start = starts.and_then(|s| s[k]).filter(|_| whole);
        line.len += take;
        line.pieces.push(got);
        line.ranges.push(range);
        line.from.push((i, start));
    }
}

/// The samples of a part read whole for the automatic thresholds.
#[derive(Debug)]
pub struct Replay {
    part: usize,
    /// Each line's channel, first sample index and samples.
    lines: Vec<(usize, u64, Vec<f64>)>,
}

impl Replay {
    /// The part's index.
    pub fn part(&self) -> usize {
        self.part
    }

    /// Feed the part's samples to `sink` as reading it would (one block per line, in a
    /// record of `layout`).
    ///
    /// # Errors
    /// What `sink` returns.
    pub fn feed(&self, layout: Layout, sink: &mut dyn BlockSink) -> Result<()> {
        sink.begin(layout)?;
        for &(channel, start, ref samples) in &self.lines {
            sink.block(Block {
                channel,
                start,
                samples,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edges::line_threshold;
    use crate::exec::Serial;
    use crate::parts::analog_parts;
    use crate::testkit::npy_bytes;

    /// Each channel's first sample index and samples, from contiguous blocks.
    #[derive(Default, PartialEq, Debug)]
    struct Lines(Vec<(usize, u64, Vec<f64>)>);

    impl BlockSink for Lines {
        fn begin(&mut self, _: Layout) -> Result<()> {
            Ok(())
        }

        fn block(&mut self, b: Block<'_>) -> Result<()> {
            match self.0.iter_mut().find(|(c, _, _)| *c == b.channel) {
                Some((_, start, xs)) => {
                    assert_eq!(*start + xs.len() as u64, b.start, "contiguous");
                    xs.extend_from_slice(b.samples);
                }
                None => self.0.push((b.channel, b.start, b.samples.to_vec())),
            }
            Ok(())
        }
    }

    /// Three float32 channels (interleaved), a square wave with noise on each.
    fn capture(rows: usize) -> (Vec<u8>, Vec<Vec<f64>>) {
        let mut seed = 7u64;
        let mut lines: Vec<Vec<f64>> = (0..3).map(|_| Vec::with_capacity(rows)).collect();
        let mut values = Vec::with_capacity(3 * rows);
        for i in 0..rows {
            for (c, line) in lines.iter_mut().enumerate() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let high = (i / (50 + 30 * c)) % 2 == 1;
                let noise = (seed >> 40) as f64 / (1u64 << 24) as f64 * 0.2;
                let x = f64::from((f64::from(u8::from(high)) * (3.0 + c as f64) + noise) as f32);
                line.push(x);
                values.push(x);
            }
        }
        (
            npy_bytes("<f4", &[rows as u64, 3], false, 1, &values),
            lines,
        )
    }

    #[test]
    fn pieces_give_the_serial_thresholds_and_replay_their_parts() {
        let (file, lines) = capture(AUTO_WINDOW + 300_000);
        let header = Header::parse(&file).expect("npy");
        let bounds = analog_parts(&header, 1 << 20);
        assert!(bounds.len() > 10);
        let at = header.data_offset() as usize;
        let parts: Vec<WholePart<'_>> = bounds
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| (i, (a, b), &file[at + a as usize..at + b as usize]))
            .collect();
        // Lines 2 and 0, in that order: thresholds and replays follow the given lines.
        let channels = [2, 0];
        let mut first = FirstPieces::new(&channels);
        first.read(&header, &parts, &Serial).expect("read");
        assert!(first.full());
        for h in [None, Some(0.25)] {
            let want: Vec<(usize, Threshold)> = channels
                .iter()
                .map(|&c| (c, line_threshold(&lines[c][..AUTO_WINDOW], h)))
                .collect();
            assert_eq!(first.thresholds(h, &Serial), want);
        }
        let replays = first.into_replays();
        assert!(!replays.is_empty());
        for r in &replays {
            let (i, b, bytes) = parts[r.part()];
            assert_eq!(i, r.part());
            let (mut fed, mut read) = (Lines::default(), Lines::default());
            r.feed(header.layout(), &mut fed).expect("fed");
            read_part(&header, b, bytes, &mut read).expect("read");
            read.0.retain(|(c, _, _)| channels.contains(c));
            read.0
                .sort_by_key(|(c, _, _)| channels.iter().position(|x| x == c));
            assert_eq!(fed, read, "part {i}");
        }
        // A line twice: no replays (a block would reach both).
        let mut twice = FirstPieces::new(&[1, 1]);
        twice.read(&header, &parts[..2], &Serial).expect("read");
        assert!(twice.into_replays().is_empty());
    }
}
