//! CAN 2.0A/B and CAN FD decoder for one bus line (`can_rx`), matching sigrok's `can`
//! decoder (libsigrokdecode 0.5.3) sample for sample on its fields, and checking frames
//! against ISO 11898-1:2015.
//!
//! Vocabulary and timing (samples; `bw` = sample rate / bit rate as a float, `sp` = `bw *
//! sample_point / 100`):
//! - *Idle*: the decoder waits for a dominant (low) level; the first low sample is the *SOF*
//!   edge. It is also the first *sync edge*.
//! - *Sync edge*: every falling edge inside a frame (hard sync on SOF, then sigrok's simple
//!   resynchronisation). With the last sync edge at sample `e` seen while bit `k` (stuff bits
//!   counted) was due, bit `n` is sampled at `floor(e + (n - k) * bw + sp)`.
//! - *Bit-rate switch* (CAN FD, ISO 11898-1:2015): the fast bit rate starts at the sample
//!   point of a recessive BRS bit and ends at the sample point of the CRC delimiter; the rest
//!   of those two bits (phase segment 2) runs at the new rate, so the next bit starts at
//!   `sample + bw' - sp'` in the new timing. sigrok 0.5.3 instead restarts counting one whole
//!   fast bit after the BRS sample point (sampling 0.7 fast bits late, which only a falling
//!   edge at ESI repairs: an ESI-recessive frame is misread) and switches back without a new
//!   reference (the ACK slot lands wherever the last fast-phase edge points).
//! - *Field range*: a field from bit sample `a` to bit sample `b` spans `a - floor(sp)` to
//!   `b + floor(bw - sp)`, with the timing in force when sigrok annotates it ([`CanField`]).
//! - *De-stuffing*: after five equal bits (stuff bits counted) the next bit is a stuff bit and
//!   dropped; a sixth equal bit is a *stuff error* (ISO 11898-1 §10.5). Classic frames are
//!   stuffed up to the CRC sequence (a stuff bit may follow its last bit). CAN FD frames are
//!   stuffed up to the end of the data field only; the CRC field has fixed stuff bits (see
//!   [`crc`]) and is read as 27 or 32 raw bits. sigrok 0.5.3 keeps de-stuffing in the FD CRC
//!   field, so it drops a fixed stuff bit that follows five equal bits and then misplaces the
//!   CRC delimiter, ACK and EOF by one bit; the golden captures never hit that.
//! - A stuff error aborts the frame (ISO); the dominant bits that caused it are the error
//!   flag of an *error frame* (or *overload frame* when it starts in the first two bits of
//!   intermission), which ends after 8 recessive bits (the error delimiter).
//!
//! Where this decoder differs from sigrok 0.5.3 (which has no error handling at all): stuff
//! errors abort the frame instead of reading on; remote frames carry no data field (sigrok
//! reads DLC bytes); a classic DLC of 9..15 means 8 data bytes (sigrok reads 12..64); the
//! CRC is checked (sigrok: `TODO`); a dominant bit in EOF starts an error frame; a CAN FD
//! frame of 16 data bytes uses CRC-17 (sigrok: CRC-21); the bit-rate switch timing above.
//!
//! CAN FD CRC: the ISO 11898-1:2015 variant (stuff count, dynamic stuff bits included), see
//! [`crc`]. sigrok prints the whole CRC field (27 or 32 bits, stuff count and fixed stuff bits
//! included) as its "CRC-17"/"CRC-21" value; [`CanFieldKind::CrcSequence`] keeps that value,
//! [`CanFrame::crc`] holds the CRC itself.

use alloc::vec::Vec;

use crate::logic::{Decode, Transition};
use crate::{Error, Result};

#[path = "can_crc.rs"]
pub mod crc;
#[path = "can_frame.rs"]
mod frame;

pub use frame::{CanConfig, CanError, CanField, CanFieldKind, CanFrame, CanFrameKind};

/// sigrok's role names, in line order.
pub const ROLES: [&str; 1] = ["can_rx"];

/// sigrok's "no data field end known yet" bit number.
const NO_DATA_END: usize = 999;

/// Bit timing in samples.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Timing {
    bw: f64,
    sp: f64,
}

impl Timing {
    fn new(samplerate: f64, bitrate: u32, percent: f64) -> Self {
        let bw = samplerate / f64::from(bitrate);
        Timing {
            bw,
            sp: (bw / 100.0) * percent,
        }
    }

    /// Samples of a field before its first bit's sample point.
    fn left(&self) -> u64 {
        self.sp as u64
    }

    /// Samples of a field after its last bit's sample point.
    fn right(&self) -> u64 {
        (self.bw - self.sp) as u64
    }
}

/// What the decoder is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a dominant level.
    Idle,
    /// Reading the bits of a data or remote frame.
    Frame,
    /// Reading an error or overload frame until its delimiter.
    ErrorFlag,
}

/// The frame being read: sigrok's per-frame variables plus the ISO checks.
#[derive(Debug, Clone)]
struct Reader {
    out: CanFrame,
    raw: Vec<bool>,
    bits: Vec<bool>,
    run_val: bool,
    run_len: u32,
    /// Field start of the first bit of the current run of equal raw bits.
    run_start: u64,
    extended: Option<bool>,
    rtr_bit: bool,
    dlc_start: usize,
    last_databit: usize,
    data_len: usize,
    crc_len: usize,
    ss_block: u64,
    ss_bit12: u64,
    ss_bit32: u64,
    /// Sample points of the first and last bit of each data byte.
    byte_bits: Vec<(u64, u64)>,
    /// ISO dynamic stuffing applies (until the end of the CAN FD data field).
    iso_dyn: bool,
    dyn_stuff: u32,
    raw_data_end: usize,
    last_bit_end: u64,
}

/// Error or overload frame being read.
#[derive(Debug, Clone, Copy)]
struct ErrorRead {
    kind: CanFrameKind,
    start: Option<u64>,
    flag_end: u64,
    recessive: u32,
    delim_start: u64,
    last_bit_end: u64,
}

/// The CAN / CAN FD decoder.
#[derive(Debug, Clone)]
pub struct CanDecoder {
    nominal: Timing,
    fast: Timing,
    timing: Timing,
    started: bool,
    /// Line level (true = recessive).
    level: bool,
    phase: Phase,
    /// The sample the idle wait looks at first.
    cursor: u64,
    /// Start of the bit `edge_bcount` as last synchronised (an edge sample, or a fractional
    /// sample after a bit-rate switch).
    edge_snum: f64,
    edge_bcount: u64,
    curbit: u64,
    reader: Reader,
    err: ErrorRead,
    /// End of the last EOF (for overload frames).
    last_eof_end: Option<u64>,
}

impl CanDecoder {
    /// A decoder at `samplerate` Hz for the present `roles` (only `can_rx` exists).
    ///
    /// # Errors
    /// [`Error::Config`] for invalid settings (see [`CanConfig::validate`]) or roles other
    /// than exactly `can_rx`.
    pub fn try_new(config: &CanConfig, samplerate: f64, roles: &[&str]) -> Result<Self> {
        config.validate(samplerate)?;
        if roles != ROLES {
            return Err(Error::Config(alloc::format!(
                "can needs exactly the role can_rx, got {roles:?}"
            )));
        }
        let nominal = Timing::new(samplerate, config.nominal_bitrate, config.sample_point);
        let fast = Timing::new(samplerate, config.fast_bitrate, config.sample_point);
        Ok(CanDecoder {
            nominal,
            fast,
            timing: nominal,
            started: false,
            level: true,
            phase: Phase::Idle,
            cursor: 0,
            edge_snum: 0.0,
            edge_bcount: 0,
            curbit: 0,
            reader: Reader {
                out: CanFrame::empty(0, CanFrameKind::Data),
                raw: Vec::with_capacity(1024),
                bits: Vec::with_capacity(1024),
                run_val: true,
                run_len: 0,
                run_start: 0,
                extended: None,
                rtr_bit: false,
                dlc_start: 0,
                last_databit: NO_DATA_END,
                data_len: 0,
                crc_len: 15,
                ss_block: 0,
                ss_bit12: 0,
                ss_bit32: 0,
                byte_bits: Vec::with_capacity(64),
                iso_dyn: true,
                dyn_stuff: 0,
                raw_data_end: 0,
                last_bit_end: 0,
            },
            err: ErrorRead {
                kind: CanFrameKind::Error,
                start: None,
                flag_end: 0,
                recessive: 0,
                delim_start: 0,
                last_bit_end: 0,
            },
            last_eof_end: None,
        })
    }

    /// Sample of the next bit's sample point (sigrok's `get_sample_point`).
    fn next_sample(&self) -> u64 {
        let k = (self.curbit - self.edge_bcount) as f64;
        (self.edge_snum + self.timing.bw * k + self.timing.sp) as u64
    }

    /// Field range of bits sampled at `a` ..= `b` with the current timing.
    fn range(&self, a: u64, b: u64) -> (u64, u64) {
        (
            a.saturating_sub(self.timing.left()),
            b + self.timing.right(),
        )
    }

    fn field(&mut self, kind: CanFieldKind, a: u64, b: u64, value: u64) {
        let (start, end) = self.range(a, b);
        self.reader.out.fields.push(CanField {
            kind,
            start,
            end,
            value,
        });
    }

    /// Switch to `timing` at the sample point `s` of the current bit: the rest of the bit
    /// (phase segment 2) already runs at the new rate.
    fn switch_rate(&mut self, s: u64, timing: Timing) {
        self.timing = timing;
        self.edge_snum = s as f64 + (timing.bw - timing.sp);
        self.edge_bcount = self.curbit + 1;
    }

    /// A dominant level at sample `at` while idle: SOF.
    fn start_frame(&mut self, at: u64) {
        let r = &mut self.reader;
        r.out = CanFrame::empty(at, CanFrameKind::Data);
        r.raw.clear();
        r.bits.clear();
        r.run_len = 0;
        r.extended = None;
        r.rtr_bit = false;
        r.dlc_start = 0;
        r.last_databit = NO_DATA_END;
        r.data_len = 0;
        r.crc_len = 15;
        r.byte_bits.clear();
        r.iso_dyn = true;
        r.dyn_stuff = 0;
        r.raw_data_end = 0;
        r.last_bit_end = at;
        self.timing = self.nominal;
        self.curbit = 0;
        self.edge_snum = at as f64;
        self.edge_bcount = 0;
        self.phase = Phase::Frame;
    }

    /// Read every sample point before sample `t` with the current level.
    fn advance_to(&mut self, t: u64, out: &mut Vec<CanFrame>) {
        loop {
            match self.phase {
                Phase::Idle => {
                    if !self.level && self.cursor < t {
                        self.start_frame(self.cursor);
                    } else {
                        return;
                    }
                }
                Phase::Frame | Phase::ErrorFlag => {
                    let s = self.next_sample();
                    if s >= t {
                        return;
                    }
                    self.bit(self.level, s, out);
                }
            }
        }
    }

    fn bit(&mut self, v: bool, s: u64, out: &mut Vec<CanFrame>) {
        match self.phase {
            Phase::Frame => self.frame_bit(v, s, out),
            Phase::ErrorFlag => self.error_bit(v, s, out),
            Phase::Idle => {}
        }
    }

    fn go_idle(&mut self, s: u64) {
        self.phase = Phase::Idle;
        self.cursor = s + 1;
        self.timing = self.nominal;
        self.curbit = 0;
    }

    /// One sampled bit of a data or remote frame (sigrok's `handle_bit`).
    fn frame_bit(&mut self, v: bool, s: u64, out: &mut Vec<CanFrame>) {
        let r = &mut self.reader;
        // sigrok de-stuffs up to the bit after the CRC sequence; ISO (and this decoder) stops
        // dynamic stuffing at the end of the CAN FD data field (`iso_dyn`).
        let in_stuff_region = r.iso_dyn && r.bits.len() < r.last_databit + 17;
        if in_stuff_region && r.run_len >= 5 && v == r.run_val {
            self.stuff_error(v, s, out);
            return;
        }
        r.raw.push(v);
        r.bits.push(v);
        let bitnum = r.bits.len() - 1;
        let stuff = in_stuff_region && r.run_len >= 5 && v != r.run_val;
        if !stuff
            && r.out.fd
            && v
            && ((bitnum == 16 && r.extended == Some(false))
                || (bitnum == 35 && r.extended == Some(true)))
        {
            // ISO 11898-1: the data bit rate starts at the BRS sample point.
            let fast = self.fast;
            self.timing = fast;
            self.edge_snum = s as f64 + (fast.bw - fast.sp);
            self.edge_bcount = self.curbit + 1;
        }
        let (left, right) = (self.timing.left(), self.timing.right());
        r.last_bit_end = s + right;
        if r.run_len == 0 || v != r.run_val {
            r.run_val = v;
            r.run_len = 1;
            r.run_start = s.saturating_sub(left);
        } else {
            r.run_len += 1;
        }
        if stuff {
            r.bits.pop();
            r.dyn_stuff += 1;
            self.curbit += 1;
            return;
        }
        if self.fields(bitnum, v, s, out) {
            return;
        }
        let r = &mut self.reader;
        if r.out.fd && r.iso_dyn && r.last_databit != NO_DATA_END && bitnum >= r.last_databit {
            r.iso_dyn = false;
            r.raw_data_end = r.raw.len();
        }
        self.curbit += 1;
    }

    fn bits_value(&self, from: usize, to: usize) -> u64 {
        self.reader.bits[from..to]
            .iter()
            .fold(0, |a, &b| (a << 1) | u64::from(b))
    }

    /// The field logic of one de-stuffed bit; true when the frame ended.
    fn fields(&mut self, bitnum: usize, v: bool, s: u64, out: &mut Vec<CanFrame>) -> bool {
        let bit = u64::from(v);
        match bitnum {
            0 => self.field(CanFieldKind::Sof, s, s, bit),
            1 => self.reader.ss_block = s,
            11 => {
                let id = self.bits_value(1, 12);
                self.reader.out.id = id as u32;
                self.field(CanFieldKind::Id, self.reader.ss_block, s, id);
                if id & 0x7f0 == 0x7f0 {
                    self.reader.out.errors.push(CanError::InvalidId);
                }
            }
            12 => self.reader.ss_bit12 = s,
            13 => {
                self.reader.extended = Some(v);
                self.reader.out.extended = v;
                self.field(CanFieldKind::Ide, s, s, bit);
            }
            _ if bitnum >= 14 => {
                return if self.reader.extended == Some(true) {
                    self.extended_bit(bitnum, v, s, out)
                } else {
                    self.standard_bit(bitnum, v, s, out)
                };
            }
            _ => {}
        }
        false
    }

    fn standard_bit(&mut self, bitnum: usize, v: bool, s: u64, out: &mut Vec<CanFrame>) -> bool {
        let bit = u64::from(v);
        let fd = self.reader.out.fd;
        match bitnum {
            14 => {
                self.reader.out.fd = v;
                let b12 = self.reader.bits[12];
                let ss12 = self.reader.ss_bit12;
                if v {
                    self.field(CanFieldKind::Fdf, s, s, bit);
                    self.field(CanFieldKind::Srr, ss12, ss12, u64::from(b12));
                    self.reader.dlc_start = 18;
                } else {
                    self.field(CanFieldKind::Rb0, s, s, bit);
                    self.field(CanFieldKind::Rtr, ss12, ss12, u64::from(b12));
                    self.reader.rtr_bit = b12;
                    self.reader.dlc_start = 15;
                }
            }
            15 if fd => self.field(CanFieldKind::R0, s, s, bit),
            16 if fd => {
                self.reader.out.brs = v;
                self.field(CanFieldKind::Brs, s, s, bit);
            }
            17 if fd => {
                self.reader.out.esi = v;
                self.field(CanFieldKind::Esi, s, s, bit);
                return false;
            }
            _ => {}
        }
        self.tail_bit(bitnum, v, s, out)
    }

    fn extended_bit(&mut self, bitnum: usize, v: bool, s: u64, out: &mut Vec<CanFrame>) -> bool {
        let bit = u64::from(v);
        let fd = self.reader.out.fd;
        match bitnum {
            14 => {
                self.reader.ss_block = s;
                self.reader.out.fd = false;
                self.reader.dlc_start = 35;
            }
            31 => {
                let eid = self.bits_value(14, 32);
                let id = (u64::from(self.reader.out.id) << 18) | eid;
                self.reader.out.id = id as u32;
                self.field(CanFieldKind::ExtId, self.reader.ss_block, s, eid);
                let ss12 = self.reader.ss_bit12;
                let b12 = u64::from(self.reader.bits[12]);
                self.field(CanFieldKind::Srr, ss12, ss12, b12);
            }
            _ => {}
        }
        match bitnum {
            32 => {
                self.reader.ss_bit32 = s;
                self.reader.rtr_bit = v;
                if !fd {
                    self.field(CanFieldKind::Rtr, s, s, bit);
                }
            }
            33 => {
                self.reader.out.fd = v;
                if v {
                    self.reader.dlc_start = 37;
                    self.field(CanFieldKind::Fdf, s, s, bit);
                    let ss32 = self.reader.ss_bit32;
                    let rtr = u64::from(self.reader.rtr_bit);
                    self.field(CanFieldKind::Rb1, ss32, ss32, rtr);
                } else {
                    self.field(CanFieldKind::Rb1, s, s, bit);
                }
            }
            34 => self.field(CanFieldKind::Rb0, s, s, bit),
            35 if fd => {
                self.reader.out.brs = v;
                self.field(CanFieldKind::Brs, s, s, bit);
            }
            36 if fd => {
                self.reader.out.esi = v;
                self.field(CanFieldKind::Esi, s, s, bit);
            }
            _ => return self.tail_bit(bitnum, v, s, out),
        }
        false
    }

    /// DLC, data and the frame end (common to both formats).
    fn tail_bit(&mut self, bitnum: usize, v: bool, s: u64, out: &mut Vec<CanFrame>) -> bool {
        let dlc_start = self.reader.dlc_start;
        let last = self.reader.last_databit;
        if bitnum == dlc_start {
            self.reader.ss_block = s;
        } else if bitnum == dlc_start + 3 {
            let dlc = self.bits_value(dlc_start, dlc_start + 4) as u8;
            let r = &mut self.reader;
            r.out.dlc = dlc;
            r.out.rtr = !r.out.fd && r.rtr_bit;
            if r.out.rtr {
                r.out.kind = CanFrameKind::Remote;
            }
            r.data_len = if r.out.fd {
                dlc_to_len(dlc)
            } else if r.out.rtr {
                0
            } else {
                usize::from(dlc.min(8))
            };
            r.last_databit = bitnum + r.data_len * 8;
            self.field(CanFieldKind::Dlc, self.reader.ss_block, s, u64::from(dlc));
        } else if bitnum >= dlc_start + 4 && bitnum <= last {
            let j = bitnum - (dlc_start + 4);
            if j % 8 == 0 {
                self.reader.byte_bits.push((s, s));
            } else if let Some(b) = self.reader.byte_bits.last_mut() {
                b.1 = s;
            }
            if bitnum == last {
                for i in 0..self.reader.data_len {
                    let x = dlc_start + 4 + 8 * i;
                    let byte = self.bits_value(x, x + 8);
                    let (a, b) = self.reader.byte_bits[i];
                    self.reader.out.data.push(byte as u8);
                    self.field(CanFieldKind::Data, a, b, byte);
                }
            }
        } else if bitnum > last {
            return self.end_bit(bitnum, v, s, out);
        }
        false
    }

    /// CRC, ACK and EOF (sigrok's `decode_frame_end`); true when the frame ended.
    fn end_bit(&mut self, bitnum: usize, v: bool, s: u64, out: &mut Vec<CanFrame>) -> bool {
        let last = self.reader.last_databit;
        let crc_len = self.reader.crc_len;
        let bit = u64::from(v);
        if bitnum == last + 1 {
            let r = &mut self.reader;
            r.ss_block = s;
            // ISO: CRC-17 up to 16 data bytes (sigrok 0.5.3 switches to CRC-21 at 16 bytes).
            r.crc_len = match (r.out.fd, r.data_len <= 16) {
                (true, true) => 27,
                (true, false) => 32,
                _ => 15,
            };
        } else if bitnum == last + crc_len {
            let value = self.bits_value(last + 1, last + crc_len + 1);
            self.field(CanFieldKind::CrcSequence, self.reader.ss_block, s, value);
            self.check_crc(value);
        } else if bitnum == last + crc_len + 1 {
            self.field(CanFieldKind::CrcDelimiter, s, s, bit);
            if !v {
                self.reader.out.errors.push(CanError::FormError);
            }
            if self.timing != self.nominal {
                // The nominal bit rate is back from the CRC delimiter's sample point on.
                self.switch_rate(s, self.nominal);
            }
        } else if bitnum == last + crc_len + 2 {
            self.field(CanFieldKind::AckSlot, s, s, bit);
            self.reader.out.ack = !v;
            if v {
                self.reader.out.errors.push(CanError::MissingAck);
            }
        } else if bitnum == last + crc_len + 3 {
            self.field(CanFieldKind::AckDelimiter, s, s, bit);
            if !v {
                self.reader.out.errors.push(CanError::FormError);
            }
        } else if bitnum == last + crc_len + 4 {
            self.reader.ss_block = s;
        } else if bitnum == last + crc_len + 10 {
            self.field(CanFieldKind::Eof, self.reader.ss_block, s, 0);
            self.end_frame(s, out);
            return true;
        }
        false
    }

    fn check_crc(&mut self, sigrok_value: u64) {
        let r = &mut self.reader;
        let last = r.last_databit;
        if r.out.fd {
            let head = &r.raw[..r.raw_data_end];
            let field = &r.raw[r.raw_data_end..];
            match crc::FdCrcCheck::check(head, r.dyn_stuff, field, r.data_len > 16) {
                Some(c) => {
                    r.out.crc = c.crc;
                    r.out.crc_ok = c.ok();
                    if !c.fixed_stuff_ok {
                        r.out.errors.push(CanError::StuffError);
                    }
                    if c.stuff_count != c.computed_stuff_count {
                        r.out.errors.push(CanError::StuffCountMismatch);
                    }
                    if c.crc != c.computed {
                        r.out.errors.push(CanError::CrcMismatch);
                    }
                }
                None => r.out.errors.push(CanError::CrcMismatch),
            }
        } else {
            r.out.crc = sigrok_value as u32;
            r.out.crc_ok = crc::crc15(&r.bits[..=last]) == r.out.crc;
            if !r.out.crc_ok {
                r.out.errors.push(CanError::CrcMismatch);
            }
        }
    }

    /// The EOF bit at `s` was read: hand the frame out.
    fn end_frame(&mut self, s: u64, out: &mut Vec<CanFrame>) {
        let n = self.reader.bits.len();
        let eof = &self.reader.bits[n.saturating_sub(7)..];
        let first_dominant = eof.iter().position(|&b| !b);
        let trailing = eof.iter().rev().take_while(|&&b| b).count();
        let mut frame =
            core::mem::replace(&mut self.reader.out, CanFrame::empty(0, CanFrameKind::Data));
        frame.end = frame.fields.last().map_or(s, |f| f.end);
        let eof_start = frame.fields.last().map_or(s, |f| f.start);
        if first_dominant.is_some() {
            frame.errors.push(CanError::FormError);
        }
        self.last_eof_end = Some(frame.end);
        out.push(frame);
        match first_dominant {
            None => self.go_idle(s),
            Some(i) => {
                // The dominant bits are an error (or overload) flag: read it to its delimiter.
                let bw = self.nominal.bw;
                let at = |k: usize| eof_start + (k as f64 * bw) as u64;
                let delim = if trailing > 0 {
                    at(7 - trailing)
                } else {
                    s + 1
                };
                self.begin_error(CanFrameKind::Error, Some(at(i)), s, trailing as u32, delim);
            }
        }
    }

    /// Switch to reading an error frame whose flag began at `start` (if known); the bit at
    /// `s` was the last one read, `recessive` the recessive bits that ended it (from
    /// `delim_start` on).
    fn begin_error(
        &mut self,
        kind: CanFrameKind,
        start: Option<u64>,
        s: u64,
        recessive: u32,
        delim_start: u64,
    ) {
        self.phase = Phase::ErrorFlag;
        self.timing = self.nominal;
        self.curbit += 1;
        let end = s + self.timing.right();
        self.err = ErrorRead {
            kind,
            start,
            flag_end: end,
            recessive,
            delim_start,
            last_bit_end: end,
        };
    }

    /// Six equal bits at `s`: abort the frame; dominant ones are an error flag.
    fn stuff_error(&mut self, v: bool, s: u64, out: &mut Vec<CanFrame>) {
        let whole = self.reader.raw.len() == self.reader.run_len as usize;
        let run_start = self.reader.run_start;
        let frame_start = self.reader.out.start;
        if !v && whole {
            let kind = match self.last_eof_end {
                Some(e) if frame_start <= e + (2.0 * self.nominal.bw) as u64 => {
                    CanFrameKind::Overload
                }
                _ => CanFrameKind::Error,
            };
            self.begin_error(kind, Some(frame_start), s, 0, s + 1);
            return;
        }
        let mut frame =
            core::mem::replace(&mut self.reader.out, CanFrame::empty(0, CanFrameKind::Data));
        frame.errors.push(CanError::StuffError);
        frame.end = if v {
            s + self.timing.right()
        } else {
            run_start.saturating_sub(1).max(frame.start)
        };
        out.push(frame);
        if v {
            self.begin_error(CanFrameKind::Error, None, s, 6, run_start);
        } else {
            self.begin_error(CanFrameKind::Error, Some(run_start), s, 0, s + 1);
        }
    }

    /// One bit of an error or overload frame.
    fn error_bit(&mut self, v: bool, s: u64, out: &mut Vec<CanFrame>) {
        self.curbit += 1;
        let (a, b) = self.range(s, s);
        let e = &mut self.err;
        e.last_bit_end = b;
        if !v {
            if e.start.is_none() {
                e.start = Some(a);
            }
            e.recessive = 0;
            e.flag_end = b;
            return;
        }
        if e.recessive == 0 {
            e.delim_start = a;
        }
        e.recessive += 1;
        if e.recessive >= 8 {
            if let Some(start) = e.start {
                let mut frame = CanFrame::empty(start, e.kind);
                frame.end = b;
                frame.fields.push(CanField {
                    kind: CanFieldKind::ErrorFlag,
                    start,
                    end: e.flag_end,
                    value: 0,
                });
                frame.fields.push(CanField {
                    kind: CanFieldKind::ErrorDelimiter,
                    start: e.delim_start,
                    end: b,
                    value: 0,
                });
                out.push(frame);
            }
            self.go_idle(s);
        }
    }

    fn on_transition(&mut self, t: Transition, out: &mut Vec<CanFrame>) {
        let new = t.levels & 1 == 1;
        if !self.started {
            self.started = true;
            self.level = new;
            self.cursor = t.at;
            if !new {
                self.start_frame(t.at);
            }
            return;
        }
        self.advance_to(t.at, out);
        if new == self.level {
            return;
        }
        let falling = self.level && !new;
        self.level = new;
        match self.phase {
            Phase::Idle => {
                if falling {
                    self.start_frame(t.at);
                }
            }
            Phase::Frame | Phase::ErrorFlag => {
                let due = self.next_sample();
                if falling {
                    self.edge_snum = t.at as f64;
                    self.edge_bcount = self.curbit;
                }
                if due == t.at {
                    self.bit(new, t.at, out);
                }
            }
        }
        // A sample point on this very sample (only with sample points under one sample).
        if self.phase != Phase::Idle && self.next_sample() == t.at {
            self.bit(new, t.at, out);
        }
    }
}

/// Data bytes of a CAN FD data length code.
pub fn dlc_to_len(dlc: u8) -> usize {
    const LEN: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];
    usize::from(LEN[usize::from(dlc & 15)])
}

impl Decode for CanDecoder {
    type Frame = CanFrame;

    fn push(&mut self, transitions: &[Transition], out: &mut Vec<CanFrame>) {
        for &t in transitions {
            self.on_transition(t, out);
        }
    }

    fn finish(&mut self, end: u64, out: &mut Vec<CanFrame>) {
        self.advance_to(end, out);
        match self.phase {
            Phase::Frame if !self.reader.raw.is_empty() => {
                let mut frame = core::mem::replace(
                    &mut self.reader.out,
                    CanFrame::empty(0, CanFrameKind::Data),
                );
                frame.end = self
                    .reader
                    .last_bit_end
                    .min(end.saturating_sub(1))
                    .max(frame.start);
                frame.errors.push(CanError::Truncated);
                out.push(frame);
            }
            Phase::ErrorFlag => {
                if let Some(start) = self.err.start {
                    let mut frame = CanFrame::empty(start, self.err.kind);
                    frame.end = self.err.last_bit_end.min(end.saturating_sub(1)).max(start);
                    frame.errors.push(CanError::Truncated);
                    out.push(frame);
                }
            }
            _ => {}
        }
        self.phase = Phase::Idle;
        self.reader.raw.clear();
        self.cursor = end;
    }
}

#[cfg(test)]
#[path = "can_tests.rs"]
mod tests;
