//! The CRCs of CAN (ISO 11898-1:2015 §10.4.2.6) and the CRC field of CAN FD frames.
//!
//! - Classic frames: CRC-15 (x^15+x^14+x^10+x^8+x^7+x^4+x^3+1, all-zero start) over the
//!   de-stuffed bits from SOF to the end of the data field.
//! - CAN FD frames (ISO variant, the one of ISO 11898-1:2015): CRC-17 (up to 16 data bytes)
//!   or CRC-21, register started at `1 << (n - 1)`, over the bits from SOF to the end of the
//!   data field *including* the dynamic stuff bits, followed by the four bits of the stuff
//!   count (Gray-coded count of dynamic stuff bits modulo 8, then an even parity bit).
//! - The CAN FD CRC field on the wire: a fixed stuff bit, the stuff count, a fixed stuff bit,
//!   then the CRC with a fixed stuff bit after every fourth bit (27 bits for CRC-17, 32 for
//!   CRC-21). A fixed stuff bit is the complement of the bit before it.

/// CRC-15 generator polynomial (without the x^15 term).
pub const CRC15_POLY: u32 = 0x4599;
/// CRC-17 generator polynomial (without the x^17 term).
pub const CRC17_POLY: u32 = 0x1_685B;
/// CRC-21 generator polynomial (without the x^21 term).
pub const CRC21_POLY: u32 = 0x10_2899;

/// A CAN CRC register of `width` bits (15, 17 or 21).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc {
    width: u32,
    poly: u32,
    reg: u32,
}

impl Crc {
    /// CRC-15 of classic frames.
    pub fn crc15() -> Self {
        Crc {
            width: 15,
            poly: CRC15_POLY,
            reg: 0,
        }
    }

    /// CRC-17 (`wide == false`, at most 16 data bytes) or CRC-21 of CAN FD frames.
    pub fn fd(wide: bool) -> Self {
        let width = if wide { 21 } else { 17 };
        Crc {
            width,
            poly: if wide { CRC21_POLY } else { CRC17_POLY },
            reg: 1 << (width - 1),
        }
    }

    /// Shift one bit (as sent on the bus) into the register.
    pub fn push(&mut self, bit: bool) {
        let top = (self.reg >> (self.width - 1)) & 1 == 1;
        self.reg = (self.reg << 1) & ((1 << self.width) - 1);
        if top != bit {
            self.reg ^= self.poly;
        }
    }

    /// The CRC of the bits pushed so far.
    pub fn value(&self) -> u32 {
        self.reg
    }
}

/// The CRC-15 of `bits` (de-stuffed, SOF first).
pub fn crc15(bits: &[bool]) -> u32 {
    let mut c = Crc::crc15();
    bits.iter().for_each(|&b| c.push(b));
    c.value()
}

/// 3-bit Gray code of the stuff count modulo 8, as sent (MSB first) in the CAN FD stuff
/// count, followed by the even parity bit: 4 bits in the low nibble.
pub fn stuff_count_bits(dynamic_stuff_bits: u32) -> u8 {
    let n = (dynamic_stuff_bits % 8) as u8;
    let gray = n ^ (n >> 1);
    let parity = (gray.count_ones() & 1) as u8;
    (gray << 1) | parity
}

/// What the CRC field of a CAN FD frame holds and whether it is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdCrcCheck {
    /// The transmitted CRC (17 or 21 bits, fixed stuff bits and stuff count removed).
    pub crc: u32,
    /// The CRC computed from the frame.
    pub computed: u32,
    /// The 4 transmitted stuff count bits (Gray code + parity).
    pub stuff_count: u8,
    /// The stuff count computed from the frame (same coding).
    pub computed_stuff_count: u8,
    /// Whether every fixed stuff bit is the complement of the bit before it.
    pub fixed_stuff_ok: bool,
}

impl FdCrcCheck {
    /// The CRC field of a CAN FD frame: `head` holds the raw bits from SOF to the last data
    /// bit (dynamic stuff bits included, of which there are `dynamic_stuff_bits`), `field`
    /// the raw CRC field (27 bits for CRC-17, 32 for CRC-21). `None` if `field` is shorter.
    pub fn check(
        head: &[bool],
        dynamic_stuff_bits: u32,
        field: &[bool],
        wide: bool,
    ) -> Option<Self> {
        let n = if wide { 21 } else { 17 };
        let need = 6 + n + (n - 1) / 4;
        if field.len() < need {
            return None;
        }
        let mut fixed_stuff_ok = head.last().is_none_or(|&p| field[0] != p);
        let mut stuff_count = 0u8;
        for &b in &field[1..5] {
            stuff_count = (stuff_count << 1) | u8::from(b);
        }
        fixed_stuff_ok &= field[5] != field[4];
        let mut idx = 6;
        let mut crc = 0u32;
        for k in 0..n {
            if k > 0 && k % 4 == 0 {
                fixed_stuff_ok &= field[idx] != field[idx - 1];
                idx += 1;
            }
            crc = (crc << 1) | u32::from(field[idx]);
            idx += 1;
        }
        let mut c = Crc::fd(wide);
        head.iter().for_each(|&b| c.push(b));
        field[1..5].iter().for_each(|&b| c.push(b));
        Some(FdCrcCheck {
            crc,
            computed: c.value(),
            stuff_count,
            computed_stuff_count: stuff_count_bits(dynamic_stuff_bits),
            fixed_stuff_ok,
        })
    }

    /// Whether the stuff count and the CRC are both right.
    pub fn ok(&self) -> bool {
        self.crc == self.computed && self.stuff_count == self.computed_stuff_count
    }
}
