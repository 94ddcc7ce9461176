//! I²C decoder: START, repeated START, STOP, 7- and 10-bit addresses, read/write, ACK/NACK and
//! data bytes, each reported as an [`I2cFrame`] event numbered by its transaction.
//!
//! Vocabulary (NXP UM10204, "I²C-bus specification and user manual", rev. 7):
//! - START (§3.1.4): SDA falls while SCL is high. A START inside a transaction (no STOP since
//!   the last START) is a repeated START (`restart`, §3.1.4 "Sr").
//! - STOP (§3.1.4): SDA rises while SCL is high.
//! - bit (§3.1.3): SDA is sampled on the rising edge of SCL. Eight bits, MSB first, make a byte
//!   (§3.1.5); the ninth clock carries the ACK (SDA low) or NACK (SDA high) (§3.1.6).
//! - address (§3.1.10): the first byte after a (repeated) START: seven address bits and the
//!   R/W bit (1 = read). `address_format` `shifted` reports the 7-bit address, `unshifted` the
//!   whole byte with its R/W bit.
//! - 10-bit address (§3.1.11): a first byte `11110 A9 A8 R/W`. With R/W = 0 the next byte
//!   holds A7..A0 and the frame reports the 10-bit address; a later `11110 A9 A8 1` after a
//!   repeated START reads from the 10-bit slave addressed before in the same transaction.
//!   `address_format` does not apply to 10-bit addresses.
//! - transaction: everything from a START to its STOP, repeated STARTs included; numbered
//!   from 0 in capture order.
//!
//! Sample numbers follow sigrok's `i2c` decoder (libsigrokdecode 0.5.3) exactly: START, STOP
//! and repeated START sit on the sample of their SDA edge; a byte starts at the rising edge of
//! its first bit; an address ends at the rising edge of its eighth bit, a data byte one bit
//! width later (bit width = distance between the rising edges of bits 7 and 8); ACK/NACK spans
//! from the ninth rising edge for the same bit width. Like sigrok, the decoder waits for a
//! START before decoding, ignores START/STOP conditions while it collects an address or an
//! ACK bit (they are flagged here), and an SCL rising edge wins over an SDA edge on the same
//! sample. sigrok 0.5.3 has no 10-bit support: it shows the header byte as a 7-bit address
//! 0x78..0x7B and the second address byte as data.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::Span;
use crate::logic::{Decode, Transition};
use crate::{Error, Result};

/// sigrok's role names, in line order: line 0 = SCL, line 1 = SDA.
pub const ROLES: [&str; 2] = ["scl", "sda"];

/// How 7-bit addresses are reported (sigrok option `address_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressFormat {
    /// The 7-bit address without the R/W bit (0x50 for the byte 0xA1), sigrok's default.
    #[default]
    Shifted,
    /// The whole address byte including the R/W bit (0xA1).
    Unshifted,
}

/// Options of the I²C decoder.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct I2cConfig {
    /// How 7-bit addresses are reported.
    pub address_format: AddressFormat,
}

impl I2cConfig {
    /// Check the settings. Every combination of I²C options is possible, so this always
    /// succeeds; it exists so that all decoder configs validate the same way.
    ///
    /// # Errors
    /// None today.
    pub fn validate(&self) -> Result<()> {
        Ok(())
    }
}

/// What an [`I2cFrame`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum I2cEvent {
    /// START condition opening a transaction.
    Start,
    /// Repeated START inside a transaction.
    Restart,
    /// Slave address (7- or 10-bit) with its direction.
    Address,
    /// A data byte with its direction.
    Data,
    /// The receiver pulled SDA low on the ninth clock.
    Ack,
    /// SDA stayed high on the ninth clock.
    Nack,
    /// STOP condition closing a transaction.
    Stop,
}

/// Direction of a transfer, from the R/W bit of the last address byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadWrite {
    /// R/W = 1: the slave transmits.
    Read,
    /// R/W = 0: the master transmits.
    Write,
}

/// A fault in an I²C frame. A NACK is not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum I2cError {
    /// The byte was cut short by a START/STOP condition or by the end of the capture; it has
    /// no value (sigrok drops such a byte).
    Truncated,
    /// SDA changed while SCL was high inside this address byte or before this ACK bit: a
    /// START/STOP condition where the bus forbids one (UM10204 §3.1.10). Like sigrok, the
    /// decoder ignored it and kept counting bits.
    ConditionInByte,
    /// A 10-bit address header without its second byte, or a 10-bit read header with no
    /// 10-bit write header before it in the transaction. The value is the header as a 7-bit
    /// address (0x78..0x7B shifted), as sigrok shows it.
    IncompleteAddress,
}

/// One decoded I²C event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct I2cFrame {
    /// First sample (sigrok's annotation start).
    pub start: u64,
    /// Last sample as sigrok gives it (START/STOP: the same sample as `start`).
    pub end: u64,
    /// What happened.
    pub event: I2cEvent,
    /// Address or data byte (address per [`AddressFormat`], or the 10-bit address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<u16>,
    /// Direction of an address or data byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rw: Option<ReadWrite>,
    /// Number of the transaction (START .. STOP) the event belongs to, from 0.
    pub transaction: u64,
    /// Faults; empty when the frame is fine.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<I2cError>,
}

impl Span for I2cFrame {
    fn span(&self) -> (u64, u64) {
        (self.start, self.end)
    }

    fn has_error(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// sigrok's states: what the next matching edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Idle until a START.
    Idle,
    /// Collecting the bits of an address byte (START/STOP are ignored).
    AddressBits,
    /// Collecting data bits, or a (repeated) START or STOP.
    DataBits,
    /// Waiting for the ACK/NACK clock.
    AckBit,
}

/// First byte of a 10-bit write address, waiting for its second byte.
#[derive(Debug, Clone)]
struct PendingHeader {
    /// The header as [`I2cFrame`] of a 7-bit address (used if the second byte never comes).
    frame: I2cFrame,
    /// A9..A8.
    high: u16,
    /// The ACK/NACK of the header, held back so that frames stay in order of `start`.
    ack: Option<I2cFrame>,
}

/// Push-based I²C decoder over the transitions of SCL (line 0) and SDA (line 1).
#[derive(Debug, Clone)]
pub struct I2cDecoder {
    format: AddressFormat,
    /// Levels after the last transition; `None` before the first one.
    levels: Option<u32>,
    state: State,
    /// A START was seen since the last STOP: the next START is a repeated START.
    in_transaction: bool,
    /// Transaction number of the current or next transaction.
    transaction: u64,
    /// Whether any transaction has started (the first one keeps number 0).
    any_start: bool,
    bitcount: u8,
    byte: u8,
    /// Rising edge of the first bit of the byte being collected.
    byte_start: u64,
    /// Rising edge of the previous bit.
    prev_bit: u64,
    /// Distance between the rising edges of bits 7 and 8 of the last byte.
    bit_width: u64,
    /// Direction of the last address.
    rw: Option<ReadWrite>,
    /// A START/STOP condition happened where sigrok ignores it (flag for the next frame).
    condition_in_byte: bool,
    pending: Option<PendingHeader>,
    /// The 10-bit address written in this transaction (for a later 10-bit read header).
    ten_bit: Option<u16>,
}

impl I2cDecoder {
    /// A decoder for the lines of `roles` (their order does not matter: the transitions carry
    /// the present roles in [`ROLES`] order). Both SCL and SDA are required.
    ///
    /// # Errors
    /// [`Error::Config`] for a missing or unknown role.
    pub fn try_new(config: &I2cConfig, roles: &[&str]) -> Result<Self> {
        config.validate()?;
        if let Some(r) = roles.iter().find(|r| !ROLES.contains(r)) {
            return Err(Error::Config(alloc::format!(
                "i2c has no role {r:?} (roles: scl, sda)"
            )));
        }
        for need in ROLES {
            if !roles.contains(&need) {
                return Err(Error::Config(alloc::format!(
                    "i2c needs the {need} line (roles given: {roles:?})"
                )));
            }
        }
        Ok(Self::new(config))
    }

    /// A decoder with both lines present (line 0 = SCL, line 1 = SDA).
    pub fn new(config: &I2cConfig) -> Self {
        I2cDecoder {
            format: config.address_format,
            levels: None,
            state: State::Idle,
            in_transaction: false,
            transaction: 0,
            any_start: false,
            bitcount: 0,
            byte: 0,
            byte_start: 0,
            prev_bit: 0,
            bit_width: 0,
            rw: None,
            condition_in_byte: false,
            pending: None,
            ten_bit: None,
        }
    }

    fn frame(&self, start: u64, end: u64, event: I2cEvent) -> I2cFrame {
        I2cFrame {
            start,
            end,
            event,
            value: None,
            rw: None,
            transaction: self.transaction,
            errors: Vec::new(),
        }
    }

    fn take_condition_flag(&mut self) -> Vec<I2cError> {
        if core::mem::take(&mut self.condition_in_byte) {
            alloc::vec![I2cError::ConditionInByte]
        } else {
            Vec::new()
        }
    }

    /// Emit the byte being collected as truncated (cut at sample `end`).
    ///
    /// One bit is not a byte: the SCL pulse of every repeated START and STOP is sampled as a
    /// bit before SDA moves (sigrok drops it silently, and so does this decoder).
    fn truncate_byte(&mut self, end: u64, out: &mut Vec<I2cFrame>) {
        if self.bitcount < 2 || !matches!(self.state, State::AddressBits | State::DataBits) {
            self.bitcount = 0;
            self.byte = 0;
            return;
        }
        self.flush_pending(out);
        let event = if self.state == State::AddressBits {
            I2cEvent::Address
        } else {
            I2cEvent::Data
        };
        let mut f = self.frame(self.byte_start, end.max(self.byte_start), event);
        f.rw = self.rw.filter(|_| event == I2cEvent::Data);
        f.errors = self.take_condition_flag();
        f.errors.push(I2cError::Truncated);
        out.push(f);
        self.bitcount = 0;
        self.byte = 0;
    }

    /// A 10-bit header whose second byte did not come: report it as sigrok does.
    fn flush_pending(&mut self, out: &mut Vec<I2cFrame>) {
        if let Some(p) = self.pending.take() {
            let mut f = p.frame;
            f.errors.push(I2cError::IncompleteAddress);
            out.push(f);
            out.extend(p.ack);
        }
    }

    fn on_start(&mut self, at: u64, out: &mut Vec<I2cFrame>) {
        self.truncate_byte(at, out);
        self.flush_pending(out);
        let event = if self.in_transaction {
            I2cEvent::Restart
        } else {
            if self.any_start {
                self.transaction += 1;
            }
            self.any_start = true;
            self.ten_bit = None;
            I2cEvent::Start
        };
        out.push(self.frame(at, at, event));
        self.in_transaction = true;
        self.state = State::AddressBits;
        self.bitcount = 0;
        self.byte = 0;
        self.rw = None;
        self.condition_in_byte = false;
    }

    fn on_stop(&mut self, at: u64, out: &mut Vec<I2cFrame>) {
        self.truncate_byte(at, out);
        self.flush_pending(out);
        out.push(self.frame(at, at, I2cEvent::Stop));
        self.in_transaction = false;
        self.ten_bit = None;
        self.state = State::Idle;
        self.rw = None;
    }

    fn on_bit(&mut self, at: u64, sda: bool, out: &mut Vec<I2cFrame>) {
        self.byte = (self.byte << 1) | u8::from(sda);
        if self.bitcount == 0 {
            self.byte_start = at;
        }
        if self.bitcount < 7 {
            self.bitcount += 1;
            self.prev_bit = at;
            return;
        }
        self.bit_width = at - self.prev_bit;
        let byte = self.byte;
        self.bitcount = 0;
        self.byte = 0;
        let errors = self.take_condition_flag();
        if self.state == State::AddressBits {
            self.on_address(byte, at, errors, out);
        } else {
            self.on_data(byte, at, errors, out);
        }
        self.state = State::AckBit;
    }

    fn on_address(&mut self, byte: u8, at: u64, errors: Vec<I2cError>, out: &mut Vec<I2cFrame>) {
        let rw = if byte & 1 == 1 {
            ReadWrite::Read
        } else {
            ReadWrite::Write
        };
        self.rw = Some(rw);
        let mut f = self.frame(self.byte_start, at, I2cEvent::Address);
        f.rw = Some(rw);
        f.errors = errors;
        f.value = Some(match self.format {
            AddressFormat::Shifted => u16::from(byte >> 1),
            AddressFormat::Unshifted => u16::from(byte),
        });
        if byte & 0xF8 != 0xF0 {
            out.push(f);
            return;
        }
        let high = u16::from((byte >> 1) & 3);
        match rw {
            ReadWrite::Write => {
                self.pending = Some(PendingHeader {
                    frame: f,
                    high,
                    ack: None,
                });
            }
            ReadWrite::Read => {
                match self.ten_bit.filter(|a| a >> 8 == high) {
                    Some(a) => f.value = Some(a),
                    None => f.errors.push(I2cError::IncompleteAddress),
                }
                out.push(f);
            }
        }
    }

    fn on_data(&mut self, byte: u8, at: u64, errors: Vec<I2cError>, out: &mut Vec<I2cFrame>) {
        if let Some(p) = self.pending.take() {
            // Second byte of a 10-bit write address.
            let address = (p.high << 8) | u16::from(byte);
            let mut f = p.frame;
            f.end = at;
            f.value = Some(address);
            f.errors.extend(errors);
            self.ten_bit = Some(address);
            out.push(f);
            out.extend(p.ack);
            return;
        }
        let mut f = self.frame(self.byte_start, at + self.bit_width, I2cEvent::Data);
        f.value = Some(u16::from(byte));
        f.rw = self.rw;
        f.errors = errors;
        out.push(f);
    }

    fn on_ack(&mut self, at: u64, sda: bool, out: &mut Vec<I2cFrame>) {
        let event = if sda { I2cEvent::Nack } else { I2cEvent::Ack };
        let mut f = self.frame(at, at + self.bit_width, event);
        f.errors = self.take_condition_flag();
        match &mut self.pending {
            Some(p) if p.ack.is_none() => p.ack = Some(f),
            _ => out.push(f),
        }
        self.state = State::DataBits;
    }
}

impl Decode for I2cDecoder {
    type Frame = I2cFrame;

    fn push(&mut self, transitions: &[Transition], out: &mut Vec<I2cFrame>) {
        for t in transitions {
            let new = t.levels & 3;
            let Some(old) = self.levels.replace(new) else {
                // The first sample gives the initial levels: no edge there (sigrok).
                continue;
            };
            let scl_high = new & 1 != 0;
            let scl_rise = old & 1 == 0 && scl_high;
            let sda = new & 2 != 0;
            let sda_edge = (old ^ new) & 2 != 0;
            match self.state {
                State::Idle => {
                    if scl_high && sda_edge && !sda {
                        self.on_start(t.at, out);
                    }
                }
                State::AddressBits => {
                    if scl_rise {
                        self.on_bit(t.at, sda, out);
                    } else if scl_high && sda_edge {
                        self.condition_in_byte = true;
                    }
                }
                State::DataBits => {
                    if scl_rise {
                        self.on_bit(t.at, sda, out);
                    } else if scl_high && sda_edge {
                        if sda {
                            self.on_stop(t.at, out);
                        } else {
                            self.on_start(t.at, out);
                        }
                    }
                }
                State::AckBit => {
                    if scl_rise {
                        self.on_ack(t.at, sda, out);
                    } else if scl_high && sda_edge {
                        self.condition_in_byte = true;
                    }
                }
            }
        }
    }

    fn finish(&mut self, end: u64, out: &mut Vec<I2cFrame>) {
        self.truncate_byte(end.saturating_sub(1), out);
        self.flush_pending(out);
    }
}

#[cfg(test)]
#[path = "i2c_tests.rs"]
mod tests;
