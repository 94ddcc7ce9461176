//! One entry point for every protocol: a serde-tagged configuration that builds its decoder,
//! and the frames of any decoder as one type — what the CLI, the wasm module and the page use.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::can::{CanConfig, CanDecoder, CanFrame};
use super::i2c::{I2cConfig, I2cDecoder, I2cFrame};
use super::spi::{SpiConfig, SpiDecoder, SpiFrame};
use super::uart::{UartConfig, UartDecoder, UartFrame};
use super::Span;
use crate::logic::{Decode, Transition};
use crate::{Error, Result};

/// A protocol and its settings; JSON `{"protocol": "uart", "baudrate": 9600, ...}` with
/// sigrok's option names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "lowercase")]
pub enum ProtocolConfig {
    /// UART.
    Uart(UartConfig),
    /// SPI.
    Spi(SpiConfig),
    /// I²C.
    I2c(I2cConfig),
    /// CAN 2.0 and CAN FD.
    Can(CanConfig),
}

impl ProtocolConfig {
    /// The protocol's name (`uart`, `spi`, `i2c`, `can`).
    pub fn name(&self) -> &'static str {
        match self {
            ProtocolConfig::Uart(_) => "uart",
            ProtocolConfig::Spi(_) => "spi",
            ProtocolConfig::I2c(_) => "i2c",
            ProtocolConfig::Can(_) => "can",
        }
    }

    /// sigrok's role names, in the decoder's line order.
    pub fn roles(&self) -> &'static [&'static str] {
        match self {
            ProtocolConfig::Uart(_) => &super::uart::ROLES,
            ProtocolConfig::Spi(_) => &super::spi::ROLES,
            ProtocolConfig::I2c(_) => &super::i2c::ROLES,
            ProtocolConfig::Can(_) => &super::can::ROLES,
        }
    }

    /// The frame fields a table or CSV shows, after `start`, `end` and `time`.
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            ProtocolConfig::Uart(_) => &["channel", "value", "frame_start", "errors"],
            ProtocolConfig::Spi(_) => &["transfer", "mosi", "miso", "errors"],
            ProtocolConfig::I2c(_) => &["event", "value", "rw", "transaction", "errors"],
            ProtocolConfig::Can(_) => &[
                "id", "extended", "rtr", "fd", "brs", "dlc", "data", "crc", "crc_ok", "ack",
                "errors",
            ],
        }
    }

    /// The decoder for the present `roles` (names from [`roles`](Self::roles), any order)
    /// at `samplerate` Hz (needed by UART and CAN).
    ///
    /// # Errors
    /// Settings the decoder rejects, an unknown or missing role, or no sample rate where one
    /// is needed.
    pub fn decoder(&self, samplerate: Option<f64>, roles: &[&str]) -> Result<AnyDecoder> {
        let rate = |what: &str| {
            samplerate
                .filter(|r| *r > 0.0 && r.is_finite())
                .ok_or_else(|| {
                    Error::Config(alloc::format!(
                        "{what} needs the sample rate, and the capture has none (give --rate)"
                    ))
                })
        };
        Ok(match self {
            ProtocolConfig::Uart(c) => {
                AnyDecoder::Uart(UartDecoder::try_new(c, rate("UART")?, roles)?)
            }
            ProtocolConfig::Spi(c) => {
                let mut present = [false; 4];
                for r in roles {
                    let i = super::spi::ROLES
                        .iter()
                        .position(|x| x == r)
                        .ok_or_else(|| {
                            Error::Config(alloc::format!(
                                "SPI has no role '{r}' (clk, miso, mosi, cs)"
                            ))
                        })?;
                    present[i] = true;
                }
                AnyDecoder::Spi(SpiDecoder::try_new(c, present)?)
            }
            ProtocolConfig::I2c(c) => AnyDecoder::I2c(I2cDecoder::try_new(c, roles)?),
            ProtocolConfig::Can(c) => AnyDecoder::Can(CanDecoder::try_new(c, rate("CAN")?, roles)?),
        })
    }
}

/// The decoder of any protocol.
#[derive(Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "one decoder per run, moved once: boxing would only add an indirection per push"
)]
pub enum AnyDecoder {
    /// UART.
    Uart(UartDecoder),
    /// SPI.
    Spi(SpiDecoder),
    /// I²C.
    I2c(I2cDecoder),
    /// CAN.
    Can(CanDecoder),
}

/// A frame of any protocol (serialised as the protocol's own frame).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyFrame {
    /// UART word.
    Uart(UartFrame),
    /// SPI word.
    Spi(SpiFrame),
    /// I²C event.
    I2c(I2cFrame),
    /// CAN frame.
    Can(CanFrame),
}

impl Span for AnyFrame {
    fn span(&self) -> (u64, u64) {
        match self {
            AnyFrame::Uart(f) => f.span(),
            AnyFrame::Spi(f) => f.span(),
            AnyFrame::I2c(f) => f.span(),
            AnyFrame::Can(f) => f.span(),
        }
    }
    fn has_error(&self) -> bool {
        match self {
            AnyFrame::Uart(f) => f.has_error(),
            AnyFrame::Spi(f) => f.has_error(),
            AnyFrame::I2c(f) => f.has_error(),
            AnyFrame::Can(f) => f.has_error(),
        }
    }
    fn lane(&self) -> usize {
        match self {
            AnyFrame::Uart(f) => f.lane(),
            AnyFrame::Spi(f) => f.lane(),
            AnyFrame::I2c(f) => f.lane(),
            AnyFrame::Can(f) => f.lane(),
        }
    }
}

/// Run one decoder step into a scratch buffer and wrap its frames.
fn wrap<D: Decode>(
    d: &mut D,
    step: impl FnOnce(&mut D, &mut Vec<D::Frame>),
    out: &mut Vec<AnyFrame>,
    f: fn(D::Frame) -> AnyFrame,
) {
    let mut tmp = Vec::new();
    step(d, &mut tmp);
    out.extend(tmp.into_iter().map(f));
}

impl Decode for AnyDecoder {
    type Frame = AnyFrame;

    fn push(&mut self, t: &[Transition], out: &mut Vec<AnyFrame>) {
        match self {
            AnyDecoder::Uart(d) => wrap(d, |d, o| d.push(t, o), out, AnyFrame::Uart),
            AnyDecoder::Spi(d) => wrap(d, |d, o| d.push(t, o), out, AnyFrame::Spi),
            AnyDecoder::I2c(d) => wrap(d, |d, o| d.push(t, o), out, AnyFrame::I2c),
            AnyDecoder::Can(d) => wrap(d, |d, o| d.push(t, o), out, AnyFrame::Can),
        }
    }

    fn finish(&mut self, end: u64, out: &mut Vec<AnyFrame>) {
        match self {
            AnyDecoder::Uart(d) => wrap(d, |d, o| d.finish(end, o), out, AnyFrame::Uart),
            AnyDecoder::Spi(d) => wrap(d, |d, o| d.finish(end, o), out, AnyFrame::Spi),
            AnyDecoder::I2c(d) => wrap(d, |d, o| d.finish(end, o), out, AnyFrame::I2c),
            AnyDecoder::Can(d) => wrap(d, |d, o| d.finish(end, o), out, AnyFrame::Can),
        }
    }
}

/// SPI resyncs (with a CS line, see [`SpiDecoder`]'s rule); UART, I²C and CAN decode
/// serially (see [`super::parts`]).
impl super::parts::Resync for AnyDecoder {
    fn resyncs(&self) -> bool {
        match self {
            AnyDecoder::Spi(d) => d.resyncs(),
            AnyDecoder::Uart(_) | AnyDecoder::I2c(_) | AnyDecoder::Can(_) => false,
        }
    }

    fn is_sync(&self, prev: u32, t: &Transition) -> bool {
        match self {
            AnyDecoder::Spi(d) => d.is_sync(prev, t),
            AnyDecoder::Uart(_) | AnyDecoder::I2c(_) | AnyDecoder::Can(_) => false,
        }
    }

    fn resume(&self, t: &Transition) -> Self {
        match self {
            AnyDecoder::Spi(d) => AnyDecoder::Spi(d.resume(t)),
            // Never asked: these have no sync points.
            other => other.clone(),
        }
    }

    fn counter(&self) -> u64 {
        match self {
            AnyDecoder::Spi(d) => d.counter(),
            AnyDecoder::Uart(_) | AnyDecoder::I2c(_) | AnyDecoder::Can(_) => 0,
        }
    }

    fn renumber(frame: &mut AnyFrame, offset: u64) {
        if let AnyFrame::Spi(f) = frame {
            SpiDecoder::renumber(f, offset);
        }
    }
}
