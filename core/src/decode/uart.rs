//! UART (asynchronous serial) decoder for an RX and a TX line, matching sigrok's `uart`
//! decoder (libsigrokdecode 0.5.3) sample for sample.
//!
//! Vocabulary and timing (all in samples, `bw` = sample rate / baud rate as a float):
//! - *Idle* is high (low with `invert_*`). A *frame* starts at a falling edge seen while
//!   idle: its sample is `frame_start`. Bit `n` of the frame (0 = start bit, 1..=data_bits =
//!   data, then the parity bit if any, then the stop bit) is sampled at
//!   `ceil(frame_start + (bw - 1) / 2 + n * bw)`, the middle sample of the bit slot.
//! - The start bit must still be low at its sample point, otherwise the edge was a *glitch*.
//! - The data item spans `first data sample - floor(bw / 2)` to `last data sample +
//!   ceil(bw / 2)`: `start` and `end` of [`UartFrame`], exactly sigrok's `rx-data`/`tx-data`
//!   annotation.
//! - Only the first stop bit is sampled (as sigrok does); right after it the line is idle
//!   again, so a falling edge after that sample starts the next frame. An edge on the very
//!   sample of the stop bit is not a start bit (sigrok has already consumed that sample).
//! - `stop_bits` (0, 0.5, 1, 1.5, 2) only sets the frame length `ceil((1 + data_bits +
//!   parity + stop_bits) * bw)`: a low stretch at least that long, ended by a rising edge,
//!   is a *break*.
//! - Auto-baud ([`UartConfig::auto_baud`]): see [`baud`] for the method.
//!
//! Frame format: the asynchronous start-stop character of 16550-style UARTs (line control
//! register: 5–8 data bits, 1/1.5/2 stop bits, odd/even/stick parity), plus 9-bit words and
//! MSB-first order as sigrok allows; sample points and annotation ranges follow sigrok's
//! `uart/pd.py` so that they line up with sigrok's output.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::Span;
use crate::logic::{Decode, Transition};
use crate::{Error, Result};

#[path = "uart_baud.rs"]
pub mod baud;

/// sigrok's role names, in line order.
pub const ROLES: [&str; 2] = ["rx", "tx"];

/// Parity bit after the data bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parity {
    /// No parity bit.
    #[default]
    None,
    /// Data plus parity bit hold an odd number of ones.
    Odd,
    /// Data plus parity bit hold an even number of ones.
    Even,
    /// The parity bit is always 1 (sigrok: `one`).
    #[serde(alias = "one")]
    Mark,
    /// The parity bit is always 0 (sigrok: `zero`).
    #[serde(alias = "zero")]
    Space,
    /// A parity bit is present but not checked.
    Ignore,
}

/// Order of the data bits on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BitOrder {
    /// Least significant bit first (the usual UART order).
    #[default]
    LsbFirst,
    /// Most significant bit first.
    MsbFirst,
}

/// Settings of the UART decoder (sigrok's option names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UartConfig {
    /// Baud rate in bit/s (ignored when `auto_baud` is on, except as the fallback when the
    /// capture has too few edges to estimate one).
    pub baudrate: u32,
    /// Estimate the baud rate from the first `auto_baud_edges` transitions ([`baud`]).
    pub auto_baud: bool,
    /// Transitions auto-baud looks at (8..=65536).
    pub auto_baud_edges: u32,
    /// Data bits per word (5..=9).
    pub data_bits: u8,
    /// Parity bit.
    pub parity: Parity,
    /// Stop bits: 0, 0.5, 1, 1.5 or 2 (only the frame length for break detection depends on
    /// it; the first stop bit is checked).
    pub stop_bits: f64,
    /// Data bit order.
    pub bit_order: BitOrder,
    /// RX idles low (sigrok accepts `"yes"`/`"no"`; so does deserialization).
    #[serde(deserialize_with = "yes_no")]
    pub invert_rx: bool,
    /// TX idles low.
    #[serde(deserialize_with = "yes_no")]
    pub invert_tx: bool,
}

impl Default for UartConfig {
    fn default() -> Self {
        UartConfig {
            baudrate: 115_200,
            auto_baud: false,
            auto_baud_edges: 256,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1.0,
            bit_order: BitOrder::LsbFirst,
            invert_rx: false,
            invert_tx: false,
        }
    }
}

impl UartConfig {
    /// Check the settings against the sample rate (Hz).
    ///
    /// # Errors
    /// [`Error::Config`] for a baud rate of 0 or above half the sample rate, data bits
    /// outside 5..=9, other stop bits than 0/0.5/1/1.5/2, or auto-baud edges outside 8..=65536.
    pub fn validate(&self, samplerate: f64) -> Result<()> {
        let bad = |m: alloc::string::String| Err(Error::Config(m));
        if !(samplerate.is_finite() && samplerate > 0.0) {
            return bad(alloc::format!("uart needs a sample rate, got {samplerate}"));
        }
        if self.baudrate == 0 || f64::from(self.baudrate) > samplerate / 2.0 {
            return bad(alloc::format!(
                "uart baud rate {} must be between 1 and half the sample rate ({samplerate} Hz)",
                self.baudrate
            ));
        }
        if !(5..=9).contains(&self.data_bits) {
            return bad(alloc::format!(
                "uart data bits must be 5 to 9, got {}",
                self.data_bits
            ));
        }
        if ![0.0, 0.5, 1.0, 1.5, 2.0].contains(&self.stop_bits) {
            return bad(alloc::format!(
                "uart stop bits must be 0, 0.5, 1, 1.5 or 2, got {}",
                self.stop_bits
            ));
        }
        if self.auto_baud && !(8..=65_536).contains(&self.auto_baud_edges) {
            return bad(alloc::format!(
                "uart auto-baud edges must be 8 to 65536, got {}",
                self.auto_baud_edges
            ));
        }
        Ok(())
    }
}

/// Accept a bool or sigrok's `"yes"`/`"no"`.
fn yes_no<'de, D: serde::Deserializer<'de>>(d: D) -> core::result::Result<bool, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = bool;
        fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
            f.write_str("a bool or \"yes\"/\"no\"")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> core::result::Result<bool, E> {
            Ok(v)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<bool, E> {
            match v {
                "yes" | "true" => Ok(true),
                "no" | "false" => Ok(false),
                _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
            }
        }
    }
    d.deserialize_any(V)
}

/// Which line a frame was seen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The RX line.
    Rx,
    /// The TX line.
    Tx,
}

/// A problem with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UartError {
    /// The stop bit was low.
    Framing,
    /// The parity bit does not match the data.
    Parity,
    /// The line was held low for at least a whole frame. A break frame has `value` 0 and
    /// spans from the start of the frame that began it to the rising edge that ended it (or
    /// to the end of the capture); the low word before it is reported as its own frame.
    Break,
    /// The start bit was high again at its sample point (a pulse shorter than half a bit):
    /// no data; the frame spans from the edge to half a bit after that sample point (sigrok
    /// reports a frame error there).
    Glitch,
    /// The capture ended before all data bits were sampled: `value` holds those that were,
    /// the frame spans from the falling edge to the end of the capture.
    Truncated,
}

/// One UART word (or a break / glitch / truncated word, see [`UartError`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UartFrame {
    /// First sample of the data bits' annotation (sigrok's `rx-data`/`tx-data` start).
    pub start: u64,
    /// End of the data bits' annotation (sigrok's end sample).
    pub end: u64,
    /// The data word (bit order already applied).
    pub value: u16,
    /// The line.
    pub channel: Channel,
    /// The falling edge of the start bit.
    pub frame_start: u64,
    /// Problems; empty for a good frame.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<UartError>,
}

impl UartFrame {
    /// Whether the frame carries a data word that sigrok annotates as `rx-data`/`tx-data`
    /// (not a break, glitch or truncated word).
    pub fn is_data(&self) -> bool {
        !self.errors.iter().any(|e| {
            matches!(
                e,
                UartError::Break | UartError::Glitch | UartError::Truncated
            )
        })
    }
}

impl Span for UartFrame {
    fn span(&self) -> (u64, u64) {
        (self.start, self.end)
    }
    fn has_error(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn ceil(x: f64) -> f64 {
    -crate::math::floor(-x)
}

/// Everything that follows from the configuration and the bit width.
#[derive(Debug, Clone)]
struct Timing {
    /// Bit width in samples.
    bw: f64,
    /// `(bw - 1) / 2`: offset of a bit's middle sample.
    mid: f64,
    half_floor: u64,
    half_ceil: u64,
    /// Frame length in samples (break threshold).
    frame_len: u64,
    data_bits: u32,
    parity: Parity,
    msb_first: bool,
}

impl Timing {
    fn new(cfg: &UartConfig, samplerate: f64, baud: f64) -> Self {
        let bw = samplerate / baud;
        let parity_bits = u32::from(cfg.parity != Parity::None);
        let bits = f64::from(1 + u32::from(cfg.data_bits) + parity_bits) + cfg.stop_bits;
        Timing {
            bw,
            mid: (bw - 1.0) / 2.0,
            half_floor: crate::math::floor(bw / 2.0) as u64,
            half_ceil: ceil(bw / 2.0) as u64,
            frame_len: ceil(bits * bw) as u64,
            data_bits: u32::from(cfg.data_bits),
            parity: cfg.parity,
            msb_first: cfg.bit_order == BitOrder::MsbFirst,
        }
    }

    /// Sample point of bit `n` of the frame starting at `fs` (same float steps as sigrok).
    fn sample_point(&self, fs: u64, n: u32) -> u64 {
        let pos = fs as f64 + self.mid + f64::from(n) * self.bw;
        ceil(pos) as u64
    }

    fn stop_bit(&self) -> u32 {
        1 + self.data_bits + u32::from(self.parity != Parity::None)
    }

    fn parity_ok(&self, value: u16, bit: bool) -> bool {
        let ones = value.count_ones() + u32::from(bit);
        match self.parity {
            Parity::None | Parity::Ignore => true,
            Parity::Odd => ones % 2 == 1,
            Parity::Even => ones % 2 == 0,
            Parity::Mark => bit,
            Parity::Space => !bit,
        }
    }
}

/// Decoding state of one line.
#[derive(Debug, Clone)]
struct Line {
    channel: Channel,
    /// Bit of the line in a transition's levels.
    mask: u32,
    invert: bool,
    /// Logical level (after inversion) from the last transition on.
    level: bool,
    /// Bit slot to sample next, `None` while idle.
    bit: Option<u32>,
    /// Its sample point.
    next: u64,
    frame_start: u64,
    value: u16,
    data_start: u64,
    data_end: u64,
    errors: Vec<UartError>,
    /// Last falling edge, cleared by a rising one.
    low_since: Option<u64>,
}

impl Line {
    fn frame(&self, start: u64, end: u64, value: u16, errors: Vec<UartError>) -> UartFrame {
        UartFrame {
            start,
            end,
            value,
            channel: self.channel,
            frame_start: self.frame_start,
            errors,
        }
    }

    /// The data word, once all data bits are in.
    fn data_frame(&mut self, t: &Timing) -> UartFrame {
        let start = self.data_start.saturating_sub(t.half_floor);
        let end = self.data_end.saturating_add(t.half_ceil);
        let errors = core::mem::take(&mut self.errors);
        self.frame(start, end, self.value, errors)
    }

    /// Take the sample of the pending bit slot at `self.next` with the current level.
    fn sample(&mut self, t: &Timing, out: &mut Vec<UartFrame>) {
        let Some(n) = self.bit else {
            return;
        };
        let v = self.level;
        let stop = t.stop_bit();
        if n == 0 {
            if v {
                let end = self.next.saturating_add(t.half_ceil);
                out.push(self.frame(self.frame_start, end, 0, alloc::vec![UartError::Glitch]));
                self.bit = None;
                return;
            }
            self.value = 0;
            self.errors.clear();
        } else if n <= t.data_bits {
            if n == 1 {
                self.data_start = self.next;
            }
            if t.msb_first {
                self.value = self.value << 1 | u16::from(v);
            } else {
                self.value |= u16::from(v) << (n - 1);
            }
            if n == t.data_bits {
                self.data_end = self.next;
            }
        } else if n < stop {
            if !t.parity_ok(self.value, v) {
                self.errors.push(UartError::Parity);
            }
        } else {
            if !v {
                self.errors.push(UartError::Framing);
            }
            let f = self.data_frame(t);
            out.push(f);
            self.bit = None;
            return;
        }
        self.bit = Some(n + 1);
        self.next = t.sample_point(self.frame_start, n + 1);
    }

    /// The line changed to `self.level` at sample `at` (after any sample at `at` was taken).
    fn edge(&mut self, at: u64, was_idle: bool, t: &Timing, out: &mut Vec<UartFrame>) {
        if !self.level {
            if was_idle {
                self.frame_start = at;
                self.bit = Some(0);
                self.next = t.sample_point(at, 0);
            }
            self.low_since = Some(at);
        } else if let Some(low) = self.low_since.take() {
            if at.saturating_sub(low) >= t.frame_len {
                self.break_until(at, t, out);
            }
        }
    }

    /// Report a break ending at `at`, flushing a word whose data bits are complete.
    fn break_until(&mut self, at: u64, t: &Timing, out: &mut Vec<UartFrame>) {
        if let Some(n) = self.bit.take() {
            if n > t.data_bits {
                let f = self.data_frame(t);
                out.push(f);
            }
        }
        out.push(self.frame(self.frame_start, at, 0, alloc::vec![UartError::Break]));
    }

    /// The capture ended at `end` (exclusive); sample points before it were taken.
    fn finish(&mut self, end: u64, t: &Timing, out: &mut Vec<UartFrame>) {
        match self.bit.take() {
            Some(n) if n > t.data_bits => {
                let f = self.data_frame(t);
                out.push(f);
            }
            Some(_) => {
                let mut errors = core::mem::take(&mut self.errors);
                errors.push(UartError::Truncated);
                out.push(self.frame(self.frame_start, end, self.value, errors));
            }
            None => {}
        }
        if let Some(low) = self.low_since.take() {
            if end.saturating_sub(low) >= t.frame_len && !self.level {
                out.push(self.frame(self.frame_start, end, 0, alloc::vec![UartError::Break]));
            }
        }
    }
}

/// The UART decoder: one state machine per present line, sample points resolved in time
/// order across lines (RX before TX on the same sample). A sample point is resolved when
/// the first transition after it arrives (or at `finish`), so work grows with the edges and
/// bits, never with the samples. Frames come out in the order they complete (at the stop
/// bit, the break's rising edge, or `finish`).
#[derive(Debug, Clone)]
pub struct UartDecoder {
    config: UartConfig,
    samplerate: f64,
    timing: Option<Timing>,
    lines: Vec<Line>,
    /// Auto-baud: transitions held back until the estimate (at most `auto_baud_edges + 1`).
    learning: Option<Vec<Transition>>,
    started: bool,
    baud: Option<f64>,
}

impl UartDecoder {
    /// A decoder for the present `roles` (names from [`ROLES`], any order; the transition
    /// lines are the present roles in [`ROLES`] order) at `samplerate` Hz.
    ///
    /// # Errors
    /// [`Error::Config`] for invalid settings (see [`UartConfig::validate`]), no role, or an
    /// unknown or repeated role.
    pub fn try_new(config: &UartConfig, samplerate: f64, roles: &[&str]) -> Result<Self> {
        config.validate(samplerate)?;
        let mut present = [false; 2];
        for r in roles {
            let i = ROLES.iter().position(|x| x == r).ok_or_else(|| {
                Error::Config(alloc::format!("uart has no role {r:?} (roles: rx, tx)"))
            })?;
            if core::mem::replace(&mut present[i], true) {
                return Err(Error::Config(alloc::format!("uart role {r:?} given twice")));
            }
        }
        if roles.is_empty() {
            return Err(Error::Config("uart needs an rx or a tx line".into()));
        }
        let mut lines = Vec::new();
        for (i, channel) in [Channel::Rx, Channel::Tx].into_iter().enumerate() {
            if present[i] {
                lines.push(Line {
                    channel,
                    mask: 1 << lines.len(),
                    invert: if i == 0 {
                        config.invert_rx
                    } else {
                        config.invert_tx
                    },
                    level: true,
                    bit: None,
                    next: 0,
                    frame_start: 0,
                    value: 0,
                    data_start: 0,
                    data_end: 0,
                    errors: Vec::new(),
                    low_since: None,
                });
            }
        }
        let (timing, learning, baud) = if config.auto_baud {
            (None, Some(Vec::new()), None)
        } else {
            let b = f64::from(config.baudrate);
            (Some(Timing::new(config, samplerate, b)), None, Some(b))
        };
        Ok(UartDecoder {
            config: config.clone(),
            samplerate,
            timing,
            lines,
            learning,
            started: false,
            baud,
        })
    }

    /// The baud rate in use: the configured one, or the auto-baud estimate once made.
    pub fn baudrate(&self) -> Option<f64> {
        self.baud
    }

    /// End auto-baud learning: estimate, then decode the held-back transitions.
    fn settle(&mut self, out: &mut Vec<UartFrame>) {
        let Some(held) = self.learning.take() else {
            return;
        };
        let mut widths = baud::pulse_widths(&held, self.lines.len());
        let fallback = f64::from(self.config.baudrate);
        let b = baud::estimate_baud(&mut widths, self.samplerate)
            .unwrap_or(fallback)
            .min(self.samplerate / 2.0);
        self.baud = Some(b);
        self.timing = Some(Timing::new(&self.config, self.samplerate, b));
        for t in &held {
            self.step(*t, out);
        }
    }

    /// Take every sample point before `limit` with the levels in force, in time order.
    fn run_until(&mut self, limit: u64, t: &Timing, out: &mut Vec<UartFrame>) {
        loop {
            let mut pick: Option<usize> = None;
            for (i, l) in self.lines.iter().enumerate() {
                if l.bit.is_some()
                    && l.next < limit
                    && pick.is_none_or(|p| l.next < self.lines[p].next)
                {
                    pick = Some(i);
                }
            }
            match pick {
                Some(i) => self.lines[i].sample(t, out),
                None => return,
            }
        }
    }

    fn step(&mut self, tr: Transition, out: &mut Vec<UartFrame>) {
        let Some(t) = self.timing.take() else {
            return;
        };
        if !self.started {
            self.started = true;
            for l in &mut self.lines {
                l.level = (tr.levels & l.mask != 0) != l.invert;
            }
            self.timing = Some(t);
            return;
        }
        self.run_until(tr.at, &t, out);
        for l in &mut self.lines {
            let level = (tr.levels & l.mask != 0) != l.invert;
            let changed = level != l.level;
            l.level = level;
            let was_idle = l.bit.is_none();
            if !was_idle && l.next == tr.at {
                l.sample(&t, out);
            }
            if changed {
                l.edge(tr.at, was_idle, &t, out);
            }
        }
        self.timing = Some(t);
    }
}

impl Decode for UartDecoder {
    type Frame = UartFrame;

    fn push(&mut self, transitions: &[Transition], out: &mut Vec<UartFrame>) {
        let mut rest = transitions;
        if let Some(held) = &mut self.learning {
            let want = self.config.auto_baud_edges as usize + 1;
            let k = want.saturating_sub(held.len()).min(rest.len());
            held.extend_from_slice(&rest[..k]);
            rest = &rest[k..];
            if held.len() < want {
                return;
            }
            self.settle(out);
        }
        for tr in rest {
            self.step(*tr, out);
        }
    }

    fn finish(&mut self, end: u64, out: &mut Vec<UartFrame>) {
        self.settle(out);
        let Some(t) = self.timing.take() else {
            return;
        };
        if self.started {
            self.run_until(end, &t, out);
            for l in &mut self.lines {
                l.finish(end, &t, out);
            }
        }
        self.timing = Some(t);
    }
}

#[cfg(test)]
#[path = "uart_tests.rs"]
mod tests;
