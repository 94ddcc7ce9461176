//! SPI (Serial Peripheral Interface) decoder, matching sigrok's `spi` decoder
//! (libsigrokdecode 0.5.3) word for word and sample for sample.
//!
//! Vocabulary:
//! - **mode**: `cpol` is the idle level of CLK, `cpha` says which clock edge carries valid
//!   data (0: the leading edge, idle → active; 1: the trailing edge). Modes 0 and 3 sample
//!   MISO/MOSI on the rising edge of CLK, modes 1 and 2 on the falling edge (the SPI block
//!   guides of Motorola/NXP, "SPI clock phase and polarity").
//! - **sampling edge**: a transition where CLK changes to the sampling level; the data lines
//!   are read at that transition's sample.
//! - **word**: `wordsize` consecutive data bits of each line, shifted in most or least
//!   significant bit first ([`BitOrder`]). One [`SpiFrame`] per word carries both lines.
//! - **transfer**: the words between a chip-select assertion and its deassertion. Every
//!   frame names the transfer it belongs to ([`SpiFrame::transfer`]: 0 for the first
//!   assertion seen, counting up); without a CS line all words are in transfer 0.
//!
//! Definitions taken from sigrok so that `start`/`end` equal its `mosi-data`/`miso-data`
//! annotations:
//! - The first sample of the capture only gives the initial levels: a clock "edge" there is
//!   not sampled.
//! - A CS change (either way) drops any partly received word and restarts the bit count;
//!   while CS is deasserted clock edges are ignored. When CS and CLK change at the same
//!   sample the CS change is handled first.
//! - `start` is the sample of the word's first sampling edge. `end` is the sample of its
//!   last sampling edge plus the distance between its last two sampling edges (sigrok's
//!   guess of where the last bit ends); for one-bit words `end == start`.
//!
//! Where scopekit tells more than sigrok: a word cut short by a CS change, or still open when
//! the capture ends, is dropped silently by sigrok; here it becomes a frame holding the bits
//! received so far ([`SpiFrame::bits`]) flagged [`SpiError::CsDeasserted`] or
//! [`SpiError::Truncated`]. Frames without errors are exactly sigrok's words.
//!
//! Values: words of up to 64 bits are [`SpiWord::Int`] (a JSON number); wider words (up to
//! [`MAX_WORDSIZE`] bits) are [`SpiWord::Wide`], big-endian bytes, written in JSON as an
//! uppercase hex string of two digits per byte (`(wordsize + 7) / 8` bytes, as sigrok's
//! binary output).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::fmt::Write as _;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::decode::Span;
use crate::logic::{Decode, Transition};
use crate::{Error, Result};

/// sigrok's role names in line order; the transition lines of an [`SpiDecoder`] are the
/// present roles in this order.
pub const ROLES: [&str; 4] = ["clk", "miso", "mosi", "cs"];

/// Widest word the decoder accepts, in bits.
pub const MAX_WORDSIZE: u32 = 1024;

/// Level of CS that selects the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsPolarity {
    /// CS low selects (sigrok `active-low`).
    #[default]
    ActiveLow,
    /// CS high selects (sigrok `active-high`).
    ActiveHigh,
}

/// Order in which the bits of a word are shifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BitOrder {
    /// Most significant bit first (sigrok `msb-first`).
    #[default]
    MsbFirst,
    /// Least significant bit first (sigrok `lsb-first`).
    LsbFirst,
}

/// SPI decoder settings, named and valued as sigrok's `spi` options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpiConfig {
    /// Level of CS that selects the device.
    pub cs_polarity: CsPolarity,
    /// Clock polarity: the idle level of CLK (0 or 1).
    pub cpol: u8,
    /// Clock phase: 0 samples on the leading clock edge, 1 on the trailing one.
    pub cpha: u8,
    /// Bit order within a word.
    pub bitorder: BitOrder,
    /// Bits per word, 1 to [`MAX_WORDSIZE`].
    pub wordsize: u32,
}

impl Default for SpiConfig {
    fn default() -> Self {
        Self {
            cs_polarity: CsPolarity::ActiveLow,
            cpol: 0,
            cpha: 0,
            bitorder: BitOrder::MsbFirst,
            wordsize: 8,
        }
    }
}

impl SpiConfig {
    /// Check that the settings can work.
    ///
    /// # Errors
    /// [`Error::Config`] for `cpol`/`cpha` other than 0 or 1, or a word size outside
    /// 1..=[`MAX_WORDSIZE`].
    pub fn validate(&self) -> Result<()> {
        if self.cpol > 1 || self.cpha > 1 {
            return Err(Error::Config(alloc::format!(
                "spi cpol and cpha must be 0 or 1, got cpol {} and cpha {}",
                self.cpol,
                self.cpha
            )));
        }
        if self.wordsize == 0 || self.wordsize > MAX_WORDSIZE {
            return Err(Error::Config(alloc::format!(
                "spi wordsize must be 1 to {MAX_WORDSIZE} bits, got {}",
                self.wordsize
            )));
        }
        Ok(())
    }

    /// The SPI mode number (0 to 3) of `cpol` and `cpha`.
    pub fn mode(&self) -> u8 {
        (self.cpol << 1) | self.cpha
    }
}

/// The value of one word on one data line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SpiWord {
    /// A word of up to 64 bits.
    Int(u64),
    /// A wider word: big-endian bytes, `(wordsize + 7) / 8` of them.
    Wide(Vec<u8>),
}

impl SpiWord {
    /// The value as sigrok's annotation text: uppercase hex without leading zeros, at least
    /// two digits (`%02X`).
    pub fn hex(&self) -> String {
        match self {
            Self::Int(v) => alloc::format!("{v:02X}"),
            Self::Wide(bytes) => {
                let mut s = String::new();
                for b in bytes {
                    // Writing to a String cannot fail.
                    let _ = if s.is_empty() {
                        if *b == 0 {
                            continue;
                        }
                        write!(s, "{b:X}")
                    } else {
                        write!(s, "{b:02X}")
                    };
                }
                while s.len() < 2 {
                    s.insert(0, '0');
                }
                s
            }
        }
    }

    /// The word as sigrok's binary output writes it: `(wordsize + 7) / 8` big-endian bytes.
    pub fn to_bytes(&self, wordsize: u32) -> Vec<u8> {
        let bw = wordsize.div_ceil(8) as usize;
        match self {
            Self::Int(v) => {
                let be = v.to_be_bytes();
                let mut out = vec![0; bw.saturating_sub(8)];
                out.extend_from_slice(&be[8usize.saturating_sub(bw)..]);
                out
            }
            Self::Wide(bytes) => {
                let mut out = vec![0; bw.saturating_sub(bytes.len())];
                out.extend_from_slice(&bytes[bytes.len().saturating_sub(bw)..]);
                out
            }
        }
    }
}

impl Serialize for SpiWord {
    fn serialize<S: Serializer>(&self, serializer: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            Self::Int(v) => serializer.serialize_u64(*v),
            Self::Wide(bytes) => {
                let mut s = String::with_capacity(bytes.len() * 2);
                for b in bytes {
                    // Writing to a String cannot fail.
                    let _ = write!(s, "{b:02X}");
                }
                serializer.serialize_str(&s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for SpiWord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        deserializer.deserialize_any(WordVisitor)
    }
}

struct WordVisitor;

impl serde::de::Visitor<'_> for WordVisitor {
    type Value = SpiWord;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unsigned integer or a hex string of whole bytes")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> core::result::Result<SpiWord, E> {
        Ok(SpiWord::Int(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> core::result::Result<SpiWord, E> {
        u64::try_from(v)
            .map(SpiWord::Int)
            .map_err(|_| E::custom("negative spi word"))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<SpiWord, E> {
        let digits = v.as_bytes();
        if digits.len() % 2 != 0 {
            return Err(E::custom("hex spi word with an odd number of digits"));
        }
        let nibble = |c: u8| {
            (c as char)
                .to_digit(16)
                .map(|d| d as u8)
                .ok_or_else(|| E::custom("invalid hex digit in spi word"))
        };
        digits
            .chunks(2)
            .map(|p| Ok((nibble(p[0])? << 4) | nibble(p[1])?))
            .collect::<core::result::Result<Vec<u8>, E>>()
            .map(SpiWord::Wide)
    }
}

/// What went wrong with a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpiError {
    /// CS changed before the word was complete (sigrok drops such a word).
    CsDeasserted,
    /// The capture ended before the word was complete.
    Truncated,
}

/// One SPI word on MOSI and MISO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpiFrame {
    /// Sample of the first sampling clock edge.
    pub start: u64,
    /// Last sample of the word as sigrok gives it (see the module doc); for a word cut
    /// short, the sample of the CS change or the last sample of the capture.
    pub end: u64,
    /// The MOSI word; absent without a MOSI line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mosi: Option<SpiWord>,
    /// The MISO word; absent without a MISO line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miso: Option<SpiWord>,
    /// Index of the chip-select transfer (0 for the first; always 0 without CS).
    pub transfer: u64,
    /// Bits received, only for a word cut short (the bits sit where a whole word would
    /// have them; the others are 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// Problems of the word; empty for a good word.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<SpiError>,
}

impl Span for SpiFrame {
    fn span(&self) -> (u64, u64) {
        (self.start, self.end)
    }
    fn has_error(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Shift register of one data line.
#[derive(Debug, Clone)]
enum Shift {
    Narrow(u64),
    Wide(Vec<u8>),
}

impl Shift {
    fn new(wordsize: u32) -> Self {
        if wordsize <= 64 {
            Self::Narrow(0)
        } else {
            Self::Wide(vec![0; wordsize.div_ceil(8) as usize])
        }
    }

    /// Set bit `pos` (0 = least significant).
    #[inline]
    fn set(&mut self, pos: u32) {
        match self {
            Self::Narrow(v) => *v |= 1 << pos,
            Self::Wide(bytes) => {
                let i = bytes.len() - 1 - (pos / 8) as usize;
                bytes[i] |= 1 << (pos % 8);
            }
        }
    }

    /// The word so far, clearing the register.
    fn take(&mut self) -> SpiWord {
        match self {
            Self::Narrow(v) => SpiWord::Int(core::mem::take(v)),
            Self::Wide(bytes) => {
                let w = SpiWord::Wide(bytes.clone());
                bytes.fill(0);
                w
            }
        }
    }

    fn clear(&mut self) {
        match self {
            Self::Narrow(v) => *v = 0,
            Self::Wide(bytes) => bytes.fill(0),
        }
    }
}

/// Push-based SPI decoder over the transitions of the present [`ROLES`].
#[derive(Debug, Clone)]
pub struct SpiDecoder {
    config: SpiConfig,
    clk: u32,
    miso: Option<u32>,
    mosi: Option<u32>,
    cs: Option<u32>,
    /// CLK level whose edges sample the data.
    sample_level: bool,
    /// CS level that selects.
    cs_active: bool,
    /// Levels of the previous transition (`None` before the first).
    prev: Option<u32>,
    /// Whether clock edges count (CS asserted, or no CS line).
    selected: bool,
    /// Transfer of the words being received.
    transfer: u64,
    /// Transfers started so far.
    transfers: u64,
    bitcount: u32,
    first_edge: u64,
    last_edge: u64,
    prev_edge: u64,
    miso_shift: Shift,
    mosi_shift: Shift,
}

impl SpiDecoder {
    /// A decoder for `config` over the roles marked present in `present` (in [`ROLES`]
    /// order: clk, miso, mosi, cs). Line `i` of the transitions is the `i`-th present role.
    ///
    /// # Errors
    /// An invalid config ([`SpiConfig::validate`]), no CLK, or neither MISO nor MOSI.
    pub fn try_new(config: &SpiConfig, present: [bool; 4]) -> Result<Self> {
        config.validate()?;
        if !present[0] {
            return Err(Error::Config("spi needs the clk line".into()));
        }
        if !present[1] && !present[2] {
            return Err(Error::Config(
                "spi needs a miso or a mosi line (or both)".into(),
            ));
        }
        let mut next = 0u32;
        let mut line = |p: bool| {
            p.then(|| {
                next += 1;
                next - 1
            })
        };
        let clk = line(present[0]).unwrap_or(0);
        let miso = line(present[1]);
        let mosi = line(present[2]);
        let cs = line(present[3]);
        Ok(Self::fresh(config, clk, miso, mosi, cs))
    }

    /// A decoder over the given lines in its reset state: nothing seen, no word started.
    fn fresh(
        config: &SpiConfig,
        clk: u32,
        miso: Option<u32>,
        mosi: Option<u32>,
        cs: Option<u32>,
    ) -> Self {
        Self {
            config: config.clone(),
            clk,
            miso,
            mosi,
            cs,
            sample_level: (1 ^ config.cpol ^ config.cpha) == 1,
            cs_active: config.cs_polarity == CsPolarity::ActiveHigh,
            prev: None,
            selected: cs.is_none(),
            transfer: 0,
            transfers: 0,
            bitcount: 0,
            first_edge: 0,
            last_edge: 0,
            prev_edge: 0,
            miso_shift: Shift::new(config.wordsize),
            mosi_shift: Shift::new(config.wordsize),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &SpiConfig {
        &self.config
    }

    #[inline]
    fn level(levels: u32, line: u32) -> bool {
        (levels >> line) & 1 == 1
    }

    /// The word received so far as a frame, resetting the word.
    fn take_word(&mut self, end: u64, error: Option<SpiError>) -> SpiFrame {
        let mosi = self.mosi.map(|_| self.mosi_shift.take());
        let miso = self.miso.map(|_| self.miso_shift.take());
        let bits = error.map(|_| self.bitcount);
        self.bitcount = 0;
        SpiFrame {
            start: self.first_edge,
            end,
            mosi,
            miso,
            transfer: self.transfer,
            bits,
            errors: error.into_iter().collect(),
        }
    }

    /// Drop the word in progress, emitting it flagged `error` if it has bits.
    fn cut_word(&mut self, end: u64, error: SpiError, out: &mut Vec<SpiFrame>) {
        if self.bitcount > 0 {
            let end = end.max(self.first_edge);
            out.push(self.take_word(end, Some(error)));
        } else {
            self.miso_shift.clear();
            self.mosi_shift.clear();
        }
    }

    /// CS has level `cs` from sample `at` on (a change, or the initial level).
    fn cs_changed(&mut self, at: u64, cs: bool, out: &mut Vec<SpiFrame>) {
        self.cut_word(at, SpiError::CsDeasserted, out);
        self.selected = cs == self.cs_active;
        if self.selected {
            self.transfer = self.transfers;
            self.transfers += 1;
        }
    }

    /// A sampling clock edge at `at` with data levels `levels`.
    #[inline]
    fn bit(&mut self, at: u64, levels: u32, out: &mut Vec<SpiFrame>) {
        if self.bitcount == 0 {
            self.first_edge = at;
            self.prev_edge = at;
        } else {
            self.prev_edge = self.last_edge;
        }
        self.last_edge = at;
        let ws = self.config.wordsize;
        let pos = match self.config.bitorder {
            BitOrder::MsbFirst => ws - 1 - self.bitcount,
            BitOrder::LsbFirst => self.bitcount,
        };
        if let Some(l) = self.miso {
            if Self::level(levels, l) {
                self.miso_shift.set(pos);
            }
        }
        if let Some(l) = self.mosi {
            if Self::level(levels, l) {
                self.mosi_shift.set(pos);
            }
        }
        self.bitcount += 1;
        if self.bitcount == ws {
            let end = at.saturating_add(at - self.prev_edge);
            let frame = self.take_word(end, None);
            out.push(frame);
        }
    }
}

impl Decode for SpiDecoder {
    type Frame = SpiFrame;

    fn push(&mut self, transitions: &[Transition], out: &mut Vec<SpiFrame>) {
        for t in transitions {
            let Some(prev) = self.prev else {
                self.prev = Some(t.levels);
                if let Some(cs) = self.cs {
                    self.cs_changed(t.at, Self::level(t.levels, cs), out);
                }
                continue;
            };
            self.prev = Some(t.levels);
            let changed = prev ^ t.levels;
            if let Some(cs) = self.cs {
                if Self::level(changed, cs) {
                    self.cs_changed(t.at, Self::level(t.levels, cs), out);
                }
            }
            if self.selected
                && Self::level(changed, self.clk)
                && Self::level(t.levels, self.clk) == self.sample_level
            {
                self.bit(t.at, t.levels, out);
            }
        }
    }

    fn finish(&mut self, end: u64, out: &mut Vec<SpiFrame>) {
        self.cut_word(end.saturating_sub(1), SpiError::Truncated, out);
    }
}

/// SPI resyncs where CS goes inactive (with a CS line only). Handling that change, the
/// serial decoder drops the word in progress (emitting it cut short when it has bits), so
/// the bit count is 0 and both shift registers are clear; `selected` is false, so no clock
/// edge counts until CS is asserted again, and that assertion sets the transfer number from
/// the running count and the next sampling edge sets the word's first-edge samples afresh.
/// Everything else is settings. A decoder that takes the same transition as its first one
/// ends up in exactly this state, the running count aside (0: [`renumber`] shifts it).
///
/// [`renumber`]: crate::decode::parts::Resync::renumber
impl crate::decode::parts::Resync for SpiDecoder {
    fn resyncs(&self) -> bool {
        self.cs.is_some()
    }

    fn is_sync(&self, prev: u32, t: &Transition) -> bool {
        self.cs.is_some_and(|cs| {
            Self::level(prev ^ t.levels, cs) && Self::level(t.levels, cs) != self.cs_active
        })
    }

    fn resume(&self, t: &Transition) -> Self {
        let mut d = Self::fresh(&self.config, self.clk, self.miso, self.mosi, self.cs);
        d.push(core::slice::from_ref(t), &mut Vec::new());
        d
    }

    fn counter(&self) -> u64 {
        self.transfers
    }

    fn renumber(frame: &mut SpiFrame, offset: u64) {
        frame.transfer += offset;
    }
}

#[cfg(test)]
#[path = "spi_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "spi_prop_tests.rs"]
mod prop_tests;
