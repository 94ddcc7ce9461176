//! Several analog channels to one transition stream, for the protocol decoders.

use alloc::vec::Vec;

use super::{auto_threshold, Edge, Threshold, Thresholder, AUTO_WINDOW};

/// Most samples a [`DigitizePart`] keeps from its start until every line has left its dead
/// band (the samples [`Digitizer::push_part`] re-runs with the state carried over).
pub const PREFIX_CAP: usize = 1 << 20;

/// The automatic threshold of a line from its first samples (at most [`AUTO_WINDOW`]); a
/// constant line gets one that keeps it at its one level.
pub fn line_threshold(first: &[f64], hysteresis: Option<f64>) -> Threshold {
    let first = &first[..first.len().min(AUTO_WINDOW)];
    auto_threshold(first, hysteresis).unwrap_or(Threshold {
        level: first
            .iter()
            .copied()
            .find(|x| x.is_finite())
            .map_or(0.5, |x| x - 1.0),
        hysteresis: 0.0,
    })
}

struct PartLine {
    channel: usize,
    setting: Threshold,
    /// Created at the line's first block, starting at its sample.
    th: Option<Thresholder>,
    /// Samples from the part's start through the line's first sample outside the dead band.
    prefix: Vec<f64>,
    overflow: bool,
    edges: Vec<Edge>,
}

/// One part of a signal (samples `start..` of every line) thresholded on its own, to be
/// taken in by [`Digitizer::push_part`] in order: parts run on separate threads.
pub struct DigitizePart {
    lines: Vec<PartLine>,
    /// What [`settle`](Self::settle) found: (after, until, levels after its transitions).
    settled: Option<(u64, u64, u32)>,
}

/// The transitions a part settles from its own samples ([`DigitizePart::settle`]).
///
/// Once a line has left its dead band in the part, its state and edges no longer depend on
/// the samples before the part; from the sample `after` where the last line did, every
/// line's level is the serial one. A line whose crossing is still pending at the part's end
/// may get an edge there from the next part's samples, so the transitions strictly between
/// `after` and `until` (the earliest such crossing) are exactly the serial ones: they are
/// merged on the part's thread; [`Digitizer::carry_settled`] merges the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// Every line's level at the last sample before the transitions.
    pub levels: u32,
    /// The transitions, in sample order.
    pub transitions: Vec<Transition>,
}

impl PartLine {
    /// Whether this line of a part can continue `carry` (the comparator over everything
    /// before the part).
    fn check(&self, carry: &Thresholder) -> Result<()> {
        let bad = |what: &str| Err(Error::Config(alloc::format!("cannot take a part: {what}")));
        match &self.th {
            None => bad("a part must hold every line"),
            Some(t) if carry.position() != t.start() => bad("parts must be contiguous"),
            Some(_) if self.overflow => bad(&alloc::format!(
                "a line stayed in its dead band for more than {PREFIX_CAP} samples"
            )),
            Some(_) => Ok(()),
        }
    }

    /// Continue `carry` through this part (after [`check`](Self::check)): re-run the prefix
    /// with the carried state, then take the part's own edges; returns the comparator at the
    /// part's end.
    fn continue_from(self, carry: Thresholder, out: &mut Vec<Edge>) -> Thresholder {
        self.continue_keeping(carry, out).0
    }

    /// [`continue_from`](Self::continue_from), also giving back the part's edge buffer.
    fn continue_keeping(
        self,
        mut carry: Thresholder,
        out: &mut Vec<Edge>,
    ) -> (Thresholder, Vec<Edge>) {
        let Some(th) = self.th else {
            return (carry, self.edges);
        };
        carry.push(&self.prefix, out);
        match th.initial() {
            Some(_) => {
                out.extend_from_slice(&self.edges);
                (th.continuing(&carry), self.edges)
            }
            None => (carry, self.edges),
        }
    }
}

impl DigitizePart {
    /// Continue `carry`, the comparator of the part's only line over everything before
    /// the part, through the part, appending the line's edges in it to `out`. (For one-line
    /// kernels such as [`EdgeKernel`](super::EdgeKernel).)
    ///
    /// # Errors
    /// As [`Digitizer::push_part`]; `carry` is then unchanged.
    pub fn continue_one(self, carry: &mut Thresholder, out: &mut Vec<Edge>) -> Result<()> {
        let Some(line) = self.lines.into_iter().next() else {
            return Ok(());
        };
        if line.th.is_none() {
            return Ok(()); // no data
        }
        line.check(carry)?;
        let before = core::mem::replace(carry, Thresholder::new(carry.threshold()));
        *carry = line.continue_from(before, out);
        Ok(())
    }

    /// A part with the same lines as the [`Digitizer`] that will take it; it starts at the
    /// sample of its first block.
    pub fn new(lines: &[(usize, Threshold)]) -> Self {
        Self::reusing(lines, &mut EdgeBuffers::default())
    }

    /// [`new`](Self::new), its lines' edges kept in buffers taken from `spare` (as
    /// [`Digitizer::carry_part_into`] returned them): a part on a thread pool then rarely
    /// grows a vector (a realloc copies under the allocator's one lock in threaded wasm).
    pub fn reusing(lines: &[(usize, Threshold)], spare: &mut EdgeBuffers) -> Self {
        DigitizePart {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, &(channel, setting))| PartLine {
                    channel,
                    setting,
                    th: None,
                    prefix: Vec::new(),
                    overflow: false,
                    edges: spare.take(i),
                })
                .collect(),
            settled: None,
        }
    }

    /// Merge the transitions this part settles on its own ([`Settled`]; on the part's
    /// thread, after its samples were pushed): `None` when some line never left its dead
    /// band in the part or nothing is settled (the part is then merged serially). Take the
    /// part in with [`Digitizer::carry_settled`].
    pub fn settle(&mut self) -> Option<Settled> {
        self.settled = None;
        let mut after = 0u64;
        let mut until = u64::MAX;
        let mut levels = 0u32;
        for (i, line) in self.lines.iter().enumerate() {
            let th = line.th.as_ref()?;
            let (high, at) = th.initial()?;
            after = after.max(at);
            until = until.min(th.settled());
            levels |= u32::from(high) << i;
        }
        if self.lines.is_empty() || after.saturating_add(1) >= until {
            return None;
        }
        let mut slices = Vec::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            let a = line.edges.partition_point(|e| e.at <= after);
            let b = line.edges.partition_point(|e| e.at < until);
            if let Some(e) = line.edges[..a].last() {
                levels = (levels & !(1 << i)) | (u32::from(e.rising) << i);
            }
            slices.push(&line.edges[a..b]);
        }
        let range = MergeRange {
            lines: slices,
            levels,
        };
        let transitions = range.run();
        let end = transitions.last().map_or(levels, |t| t.levels);
        self.settled = Some((after, until, end));
        Some(Settled {
            levels,
            transitions,
        })
    }
}

/// Emptied edge buffers of parts already taken in, per line, for the next parts
/// ([`DigitizePart::reusing`], [`Digitizer::carry_part_into`]). It holds at most as many
/// buffers per line as parts were carried since the last take, each as long as the most
/// edges a part's line had.
#[derive(Default)]
pub struct EdgeBuffers {
    lines: Vec<Vec<Vec<Edge>>>,
}

impl EdgeBuffers {
    /// An empty buffer for line `line` (one with room when one is kept).
    fn take(&mut self, line: usize) -> Vec<Edge> {
        self.lines
            .get_mut(line)
            .and_then(Vec::pop)
            .unwrap_or_default()
    }

    /// Keep `buf`, emptied, for line `line`.
    fn keep(&mut self, line: usize, mut buf: Vec<Edge>) {
        if buf.capacity() == 0 {
            return;
        }
        buf.clear();
        if self.lines.len() <= line {
            self.lines.resize_with(line + 1, Vec::new);
        }
        self.lines[line].push(buf);
    }
}

impl BlockSink for DigitizePart {
    fn begin(&mut self, _: Layout) -> Result<()> {
        Ok(())
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        for line in self.lines.iter_mut().filter(|l| l.channel == b.channel) {
            let th = line
                .th
                .get_or_insert_with(|| Thresholder::starting_at(line.setting, b.start));
            let known = th.initial().is_some();
            th.push(b.samples, &mut line.edges);
            if !known && !line.overflow {
                let upto = match th.initial() {
                    Some((_, i)) => (i + 1 - b.start) as usize,
                    None => b.samples.len(),
                };
                if line.prefix.len() + upto > PREFIX_CAP {
                    line.overflow = true;
                    line.prefix = Vec::new();
                } else {
                    line.prefix.extend_from_slice(&b.samples[..upto]);
                }
            }
        }
        Ok(())
    }
}
/// Settled edges of every line between two samples and the levels before them: one piece
/// of [`Digitizer::merge_ranges`], merged into transitions on any thread.
pub struct MergeRange<'a> {
    lines: Vec<&'a [Edge]>,
    levels: u32,
}

impl MergeRange<'_> {
    /// The transitions of the range: the lines' edges merged in sample order, edges of
    /// several lines at one sample in one transition.
    pub fn run(&self) -> Vec<Transition> {
        let mut out: Vec<Transition> = Vec::with_capacity(self.lines.iter().map(|l| l.len()).sum());
        let mut heads = alloc::vec![0usize; self.lines.len()];
        let mut levels = self.levels;
        loop {
            let mut next = u64::MAX;
            for (line, &h) in self.lines.iter().zip(&heads) {
                if let Some(e) = line.get(h) {
                    next = next.min(e.at);
                }
            }
            if next == u64::MAX {
                break;
            }
            for (i, (line, h)) in self.lines.iter().zip(&mut heads).enumerate() {
                if let Some(e) = line.get(*h).filter(|e| e.at == next) {
                    levels = (levels & !(1 << i)) | (u32::from(e.rising) << i);
                    *h += 1;
                }
            }
            match out.last_mut() {
                Some(t) if t.at == next => t.levels = levels,
                _ => out.push(Transition { at: next, levels }),
            }
        }
        out
    }
}

use crate::logic::{Transition, MAX_LINES};
use crate::{Block, BlockSink, Error, Layout, Result};

struct Line {
    channel: usize,
    /// `None` while the first samples are collected for an automatic threshold.
    th: Option<Thresholder>,
    /// Hysteresis of an automatic threshold.
    hysteresis: Option<f64>,
    /// Samples collected for an automatic threshold.
    buf: Vec<f64>,
    pending: Vec<Edge>,
}

impl Line {
    fn settled(&self) -> u64 {
        self.th.as_ref().map_or(0, Thresholder::settled)
    }

    /// Choose the automatic threshold from the samples collected and run them.
    fn start(&mut self) {
        let buf = core::mem::take(&mut self.buf);
        let mut t = Thresholder::new(line_threshold(&buf, self.hysteresis));
        t.push(&buf, &mut self.pending);
        self.th = Some(t);
    }

    fn push(&mut self, xs: &[f64]) {
        if let Some(t) = &mut self.th {
            t.push(xs, &mut self.pending);
            return;
        }
        let take = (AUTO_WINDOW - self.buf.len()).min(xs.len());
        self.buf.extend_from_slice(&xs[..take]);
        if self.buf.len() == AUTO_WINDOW {
            self.start();
            if let Some(t) = &mut self.th {
                t.push(&xs[take..], &mut self.pending);
            }
        }
    }
}

/// Thresholds chosen channels of any reader's blocks (line `i` = `channels[i]`) and merges
/// their edges into one [`Transition`] stream, in sample order.
///
/// A transition's sample is the first sample at or past the threshold level in the new
/// direction ([`Edge::at`]); edges of several lines at the same sample merge into one
/// transition. Until every line has left its dead band once, nothing is emitted; a line that
/// never does reads low.
pub struct Digitizer {
    lines: Vec<Line>,
    levels: Option<u32>,
    out: Vec<Transition>,
    /// First samples of the parts carried since the last [`merge_ranges`](Self::merge_ranges).
    cuts: Vec<u64>,
    /// What [`commit`](Self::commit) applies: edges merged per line, levels after them.
    planned: Option<(Vec<usize>, u32)>,
}

impl Digitizer {
    /// Lines from `channels`, each with its threshold, or `Err(hysteresis)` for an
    /// automatic threshold from the histogram of the line's first [`AUTO_WINDOW`] samples
    /// (`hysteresis` as for [`auto_threshold`]).
    ///
    /// # Errors
    /// More than [`MAX_LINES`] lines.
    pub fn new(channels: &[(usize, core::result::Result<Threshold, Option<f64>>)]) -> Result<Self> {
        if channels.len() > MAX_LINES {
            return Err(Error::Config(alloc::format!(
                "a decoder follows at most {MAX_LINES} lines, {} given",
                channels.len()
            )));
        }
        Ok(Digitizer {
            lines: channels
                .iter()
                .map(|&(channel, th)| Line {
                    channel,
                    th: th.ok().map(Thresholder::new),
                    hysteresis: th.err().flatten(),
                    buf: Vec::new(),
                    pending: Vec::new(),
                })
                .collect(),
            levels: None,
            out: Vec::new(),
            cuts: Vec::new(),
            planned: None,
        })
    }

    /// Take the transitions settled so far.
    pub fn take(&mut self) -> Vec<Transition> {
        core::mem::take(&mut self.out)
    }

    fn initial(&self, all: bool) -> Option<u32> {
        let mut l = 0u32;
        for (i, line) in self.lines.iter().enumerate() {
            match line.th.as_ref().and_then(Thresholder::initial) {
                Some((h, _)) => l |= u32::from(h) << i,
                None if all => {}
                None => return None,
            }
        }
        Some(l)
    }

    fn merge(&mut self, last: bool) {
        if self.levels.is_none() {
            match self.initial(last) {
                Some(l) => {
                    self.levels = Some(l);
                    self.out.push(Transition { at: 0, levels: l });
                }
                None => return,
            }
        }
        let until = if last {
            u64::MAX
        } else {
            self.lines.iter().map(Line::settled).min().unwrap_or(0)
        };
        // Merge the lines' sorted edge lists (k-way, lines are few): at equal samples, one
        // transition carries every line's change.
        let ends: Vec<usize> = self
            .lines
            .iter()
            .map(|l| l.pending.partition_point(|e| e.at < until))
            .collect();
        let mut heads = alloc::vec![0usize; self.lines.len()];
        let mut levels = self.levels.unwrap_or(0);
        loop {
            let mut next = u64::MAX;
            for (i, line) in self.lines.iter().enumerate() {
                if heads[i] < ends[i] {
                    next = next.min(line.pending[heads[i]].at);
                }
            }
            if next == u64::MAX {
                break;
            }
            for (i, line) in self.lines.iter().enumerate() {
                if heads[i] < ends[i] && line.pending[heads[i]].at == next {
                    let rising = line.pending[heads[i]].rising;
                    levels = (levels & !(1 << i)) | (u32::from(rising) << i);
                    heads[i] += 1;
                }
            }
            match self.out.last_mut() {
                Some(t) if t.at == next => t.levels = levels,
                _ => self.out.push(Transition { at: next, levels }),
            }
        }
        for (line, n) in self.lines.iter_mut().zip(ends) {
            line.pending.drain(..n);
        }
        self.levels = Some(levels);
    }

    /// Take in a part of the signal thresholded on its own ([`DigitizePart`], parts in
    /// order and contiguous, explicit thresholds): each line's comparator state carries over
    /// by re-running only the part's samples up to its first sample outside the dead band,
    /// then the part's own edges follow unchanged — exactly the serial edges.
    ///
    /// # Errors
    /// A line stayed in its dead band for more than [`PREFIX_CAP`] samples of the part (the
    /// caller then reads that part serially), or the part does not follow the previous one.
    pub fn push_part(&mut self, part: DigitizePart) -> Result<()> {
        self.carry_part(part)?;
        self.merge(false);
        Ok(())
    }

    /// [`push_part`](Self::push_part) without merging the lines' edges into transitions:
    /// the parts carried, [`merge_ranges`](Self::merge_ranges) cuts the settled edges at
    /// their first samples into ranges merged on any thread.
    ///
    /// # Errors
    /// As [`push_part`](Self::push_part); the digitizer is then unchanged.
    pub fn carry_part(&mut self, part: DigitizePart) -> Result<()> {
        self.carry_part_into(part, &mut EdgeBuffers::default())
    }

    /// [`carry_part`](Self::carry_part), keeping the part's emptied edge buffers in `spare`
    /// for the next parts ([`DigitizePart::reusing`]).
    ///
    /// # Errors
    /// As [`carry_part`](Self::carry_part) (nothing is kept then).
    pub fn carry_part_into(&mut self, part: DigitizePart, spare: &mut EdgeBuffers) -> Result<()> {
        if part.lines.iter().all(|p| p.th.is_none()) {
            return Ok(()); // no data
        }
        if let Some(start) = part.lines.iter().find_map(|p| p.th.as_ref()) {
            self.cuts.push(start.start());
        }
        for (line, p) in self.lines.iter().zip(&part.lines) {
            match &line.th {
                None => return Err(Error::Config("parts need explicit thresholds".into())),
                Some(carry) => p.check(carry)?,
            }
        }
        for (i, (line, p)) in self.lines.iter_mut().zip(part.lines).enumerate() {
            // One growth per part, not a doubling series of copies.
            line.pending.reserve(p.edges.len() + 2);
            if let Some(carry) = line.th.take() {
                let (th, buf) = p.continue_keeping(carry, &mut line.pending);
                line.th = Some(th);
                spare.keep(i, buf);
            }
        }
        Ok(())
    }

    /// Take in a part whose own transitions were merged by [`DigitizePart::settle`] (parts in
    /// order): carry the lines through it as [`carry_part_into`](Self::carry_part_into) and
    /// merge the transitions before the settled ones; [`take`](Self::take) then gives them,
    /// and the settled transitions follow them (the caller appends them: they are the
    /// serial ones). Returns whether the part had settled transitions; a part without
    /// ([`settle`](DigitizePart::settle) gave `None`) is carried and merged as far as it
    /// can be, as [`push_part`](Self::push_part).
    ///
    /// # Errors
    /// As [`push_part`](Self::push_part); the digitizer is then unchanged.
    pub fn carry_settled(&mut self, part: DigitizePart, spare: &mut EdgeBuffers) -> Result<bool> {
        let Some((after, until, end)) = part.settled else {
            self.carry_part_into(part, spare)?;
            self.cuts.clear();
            self.merge(false);
            return Ok(false);
        };
        for (line, p) in self.lines.iter().zip(&part.lines) {
            match &line.th {
                None => return Err(Error::Config("parts need explicit thresholds".into())),
                Some(carry) => p.check(carry)?,
            }
        }
        for (i, (line, p)) in self.lines.iter_mut().zip(part.lines).enumerate() {
            let Some(carry) = line.th.take() else {
                continue;
            };
            let PartLine {
                th, prefix, edges, ..
            } = p;
            let Some(th) = th else {
                line.th = Some(carry);
                continue;
            };
            let mut carry = carry;
            carry.push(&prefix, &mut line.pending);
            let a = edges.partition_point(|e| e.at <= after);
            let b = edges.partition_point(|e| e.at < until);
            line.pending.extend_from_slice(&edges[..a]);
            line.pending.extend_from_slice(&edges[b..]);
            line.th = Some(th.continuing(&carry));
            spare.keep(i, edges);
        }
        // Every line is settled up to `until` now: this merges everything up to `after`.
        self.merge(false);
        self.levels = Some(end);
        Ok(true)
    }

    /// The settled edges of the parts [carried](Self::carry_part), cut at the parts' first
    /// samples into ranges, each with the levels before it: merged by [`MergeRange::run`]
    /// (on any thread) and concatenated in order, they are the transitions the serial merge
    /// gives (edges at one sample always fall in one range). Take the transitions already
    /// merged ([`take`](Self::take)) first, then [`commit`](Self::commit) once the ranges
    /// have run. Before every line's initial level is known this returns no range (the
    /// edges stay pending).
    pub fn merge_ranges(&mut self) -> Vec<MergeRange<'_>> {
        let cuts = core::mem::take(&mut self.cuts);
        if self.levels.is_none() {
            // As the serial merge: the first transition (every line's initial level) at
            // sample 0 once each line has left its dead band; until then, nothing.
            match self.initial(false) {
                Some(l) => {
                    self.levels = Some(l);
                    self.out.push(Transition { at: 0, levels: l });
                }
                None => return Vec::new(),
            }
        }
        let Some(mut levels) = self.levels else {
            return Vec::new();
        };
        let until = self.lines.iter().map(Line::settled).min().unwrap_or(0);
        let ends: Vec<usize> = self
            .lines
            .iter()
            .map(|l| l.pending.partition_point(|e| e.at < until))
            .collect();
        let mut bounds: Vec<u64> = cuts.into_iter().filter(|&c| c < until).collect();
        bounds.push(until);
        let mut heads = alloc::vec![0usize; self.lines.len()];
        let mut ranges = Vec::with_capacity(bounds.len());
        for b in bounds {
            let mut slices = Vec::with_capacity(self.lines.len());
            let before = levels;
            for (i, line) in self.lines.iter().enumerate() {
                let pending = &line.pending[..ends[i]];
                let to = heads[i] + pending[heads[i]..].partition_point(|e| e.at < b);
                let slice = &pending[heads[i]..to];
                if let Some(e) = slice.last() {
                    levels = (levels & !(1 << i)) | (u32::from(e.rising) << i);
                }
                slices.push(slice);
                heads[i] = to;
            }
            if slices.iter().any(|s| !s.is_empty()) {
                ranges.push(MergeRange {
                    lines: slices,
                    levels: before,
                });
            }
        }
        self.planned = Some((ends, levels));
        ranges
    }

    /// The ranges of the last [`merge_ranges`](Self::merge_ranges) have run: drop their
    /// edges and carry the levels on.
    pub fn commit(&mut self) {
        if let Some((ends, levels)) = self.planned.take() {
            for (line, n) in self.lines.iter_mut().zip(ends) {
                line.pending.drain(..n);
            }
            self.levels = Some(levels);
        }
    }

    /// The input ended: settle every pending edge.
    pub fn finish(&mut self) -> Vec<Transition> {
        for line in self.lines.iter_mut().filter(|l| l.th.is_none()) {
            line.start();
        }
        self.merge(true);
        self.take()
    }
}

impl BlockSink for Digitizer {
    fn begin(&mut self, layout: Layout) -> Result<()> {
        match self.lines.iter().find(|l| l.channel >= layout.channels) {
            Some(l) => Err(Error::Config(alloc::format!(
                "channel {} is not in the input ({} channels)",
                l.channel,
                layout.channels
            ))),
            None => Ok(()),
        }
    }

    fn block(&mut self, b: Block<'_>) -> Result<()> {
        let mut hit = false;
        for line in self.lines.iter_mut().filter(|l| l.channel == b.channel) {
            line.push(b.samples);
            hit = true;
        }
        if hit {
            self.merge(false);
        }
        Ok(())
    }
}

#[cfg(test)]
mod merge_range_tests {
    use super::*;

    /// A slow, noisy square wave: `period` samples, edges `ramp` samples long.
    fn wave(n: usize, period: f64, ramp: f64, seed: u64) -> Vec<f64> {
        let mut rng = seed;
        (0..n)
            .map(|i| {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = ((rng >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.3;
                let phase = (i as f64 % period) / period;
                let level = if phase < 0.5 {
                    (phase * period / ramp).min(1.0)
                } else {
                    1.0 - ((phase - 0.5) * period / ramp).min(1.0)
                };
                3.3 * level + noise
            })
            .collect()
    }

    /// The transitions of one serial digitizer over the whole `signals` (channel = index).
    fn serial_transitions(
        explicit: &[(usize, core::result::Result<Threshold, Option<f64>>)],
        signals: &[Vec<f64>],
    ) -> Vec<Transition> {
        let mut serial = Digitizer::new(explicit).unwrap();
        for (ch, s) in signals.iter().enumerate() {
            serial
                .block(Block {
                    channel: ch,
                    start: 0,
                    samples: s,
                })
                .unwrap();
        }
        let mut want = serial.take();
        want.extend(serial.finish());
        want
    }

    /// `part` given samples `s..e` of every signal (channel = index).
    fn fed(mut part: DigitizePart, signals: &[Vec<f64>], s: usize, e: usize) -> DigitizePart {
        for (ch, sig) in signals.iter().enumerate() {
            part.block(Block {
                channel: ch,
                start: s as u64,
                samples: &sig[s..e],
            })
            .unwrap();
        }
        part
    }

    /// Parts carried in batches, their settled edges merged range by range (ranges run in
    /// reverse order, as threads might finish), are exactly the serial transitions — with
    /// two lines switching at the same samples (one transition for both).
    #[test]
    fn merge_ranges_equal_the_serial_merge() {
        let n = 40_000;
        let a = wave(n, 700.0, 90.0, 1);
        let b = a.clone();
        let c = wave(n, 256.0, 30.0, 2);
        let signals = [a, b, c];
        let th = Threshold {
            level: 1.65,
            hysteresis: 0.8,
        };
        let lines = [(0, th), (1, th), (2, th)];
        let explicit: Vec<_> = lines.iter().map(|&(ch, t)| (ch, Ok(t))).collect();
        let want = serial_transitions(&explicit, &signals);
        assert!(want.len() > 300);
        // Lines 0 and 1 are equal: every one of their edges is one transition.
        assert!(want.windows(2).all(|w| {
            let x = w[0].levels ^ w[1].levels;
            x & 0b11 == 0 || x & 0b11 == 0b11
        }));
        for (part_len, batch) in [(997, 1), (997, 3), (5_000, 2), (211, 16), (40_000, 1)] {
            let mut d = Digitizer::new(&explicit).unwrap();
            let mut got = Vec::new();
            let starts: Vec<usize> = (0..n).step_by(part_len).collect();
            for group in starts.chunks(batch) {
                for &s in group {
                    let e = (s + part_len).min(n);
                    let part = fed(DigitizePart::new(&lines), &signals, s, e);
                    d.carry_part(part).unwrap();
                }
                got.extend(d.take());
                let ranges = d.merge_ranges();
                let mut done: Vec<Vec<Transition>> =
                    ranges.iter().rev().map(MergeRange::run).collect();
                done.reverse();
                got.extend(d.take());
                for t in done {
                    got.extend(t);
                }
                d.commit();
            }
            got.extend(d.finish());
            assert_eq!(got, want, "parts of {part_len}, {batch} per batch");
        }
    }

    /// Parts built on the emptied edge buffers of the parts before them
    /// ([`EdgeBuffers`]) give the same transitions as fresh parts, and the buffers are
    /// reused (no new one once the first batch returned theirs).
    #[test]
    fn reused_edge_buffers_give_the_serial_transitions() {
        let n = 30_000;
        let signals = [wave(n, 700.0, 90.0, 3), wave(n, 256.0, 30.0, 4)];
        let th = Threshold {
            level: 1.65,
            hysteresis: 0.8,
        };
        let lines = [(0, th), (1, th)];
        let explicit: Vec<_> = lines.iter().map(|&(ch, t)| (ch, Ok(t))).collect();
        let want = serial_transitions(&explicit, &signals);
        let mut d = Digitizer::new(&explicit).unwrap();
        let mut spare = EdgeBuffers::default();
        let mut got = Vec::new();
        let starts: Vec<usize> = (0..n).step_by(1_000).collect();
        for group in starts.chunks(3) {
            let parts: Vec<DigitizePart> = group
                .iter()
                .map(|&s| {
                    let part = DigitizePart::reusing(&lines, &mut spare);
                    fed(part, &signals, s, (s + 1_000).min(n))
                })
                .collect();
            assert!(spare.lines.iter().all(Vec::is_empty));
            for part in parts {
                d.carry_part_into(part, &mut spare).unwrap();
            }
            assert_eq!(spare.lines.len(), 2);
            assert!(spare.lines.iter().all(|l| l.len() == group.len()));
            assert!(spare.lines.iter().flatten().all(Vec::is_empty));
            got.extend(d.take());
            let done: Vec<Vec<Transition>> = d.merge_ranges().iter().map(MergeRange::run).collect();
            // The first transition (every line's initial level) comes before the ranges.
            got.extend(d.take());
            got.extend(done.into_iter().flatten());
            d.commit();
        }
        got.extend(d.finish());
        assert_eq!(got, want);
    }

    /// Parts settled on their own ([`DigitizePart::settle`], as on a thread) and carried
    /// with [`Digitizer::carry_settled`], their settled transitions appended, are exactly
    /// the serial transitions: parts of many sizes (from ones that never settle to one part),
    /// lines switching together, noisy slow edges (crossings pending at part ends).
    #[test]
    fn settled_parts_give_the_serial_transitions() {
        let n = 40_000;
        let a = wave(n, 700.0, 90.0, 5);
        let b = a.clone();
        let c = wave(n, 256.0, 30.0, 6);
        let d = wave(n, 1300.0, 400.0, 7);
        let signals = [a, b, c, d];
        let th = Threshold {
            level: 1.65,
            hysteresis: 0.8,
        };
        let lines = [(0, th), (1, th), (2, th), (3, th)];
        let explicit: Vec<_> = lines.iter().map(|&(ch, t)| (ch, Ok(t))).collect();
        let want = serial_transitions(&explicit, &signals);
        let mut settled_any = 0;
        for part_len in [97, 211, 997, 1_000, 3_001, 5_000, 13_333, 40_000] {
            let mut dig = Digitizer::new(&explicit).unwrap();
            let mut spare = EdgeBuffers::default();
            let mut got = Vec::new();
            for s in (0..n).step_by(part_len) {
                let e = (s + part_len).min(n);
                let mut part = fed(DigitizePart::reusing(&lines, &mut spare), &signals, s, e);
                let own = part.settle();
                let had = dig.carry_settled(part, &mut spare).unwrap();
                assert_eq!(had, own.is_some());
                let head = dig.take();
                if let Some(own) = own {
                    settled_any += 1;
                    let before = head.last().or(got.last()).map(|t: &Transition| t.levels);
                    assert_eq!(before, Some(own.levels), "parts of {part_len} at {s}");
                    got.extend(head);
                    got.extend(own.transitions);
                } else {
                    got.extend(head);
                }
            }
            got.extend(dig.finish());
            assert_eq!(got, want, "parts of {part_len}");
        }
        assert!(settled_any > 50);
    }
}
