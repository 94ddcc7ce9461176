//! Hash tables for the trace accumulator (the core is `no_std`, so no `HashMap`): an
//! interner of byte strings and a map from `u64` keys to dense indices. Open addressing with
//! linear probing; a multiplicative hash over 8-byte words.

use alloc::vec;
use alloc::vec::Vec;

const EMPTY: u32 = u32::MAX;

/// Hash of a byte string: two independent multiply chains over alternate 8-byte words (half
/// the latency of one chain on long names), folded together with the length.
#[inline]
pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let word = |w: &[u8]| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    let (mut h1, mut h2): (u64, u64) = (b.len() as u64, 0x2545_F491_4F6C_DD1D);
    let mut pairs = b.chunks_exact(16);
    for p in &mut pairs {
        h1 = (h1.rotate_left(5) ^ word(&p[..8])).wrapping_mul(K);
        h2 = (h2.rotate_left(5) ^ word(&p[8..])).wrapping_mul(K2);
    }
    let rest = pairs.remainder();
    let mut last = [0u8; 16];
    last[..rest.len()].copy_from_slice(rest);
    h1 = (h1.rotate_left(5) ^ word(&last[..8])).wrapping_mul(K);
    h2 = (h2.rotate_left(5) ^ word(&last[8..])).wrapping_mul(K2);
    let h = (h1 ^ h2.rotate_left(32)).wrapping_mul(K);
    h ^ (h >> 29)
}

#[inline]
fn mix(k: u64) -> u64 {
    let h = k.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 31)
}

/// Slots of the interner's cache of recent strings (a power of two).
const RECENT_BITS: u32 = 10;

/// A cheap index into the cache of recent strings: the length and the first and last 8
/// bytes, one multiply (a trace repeats a few hundred names millions of times).
#[inline(always)]
fn quick(s: &[u8]) -> usize {
    let n = s.len();
    let word = |w: &[u8]| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    let (a, b) = if n >= 8 {
        (word(&s[..8]), word(&s[n - 8..]))
    } else if n >= 4 {
        let half = |w: &[u8]| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        (half(&s[..4]), half(&s[n - 4..]))
    } else if n > 0 {
        (
            u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16,
            0,
        )
    } else {
        (0, 0)
    };
    let h = (a ^ b.rotate_left(29) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - RECENT_BITS)) as usize
}

/// `a == b`, inline for short strings (most categories, phases and ids) instead of a call.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |w: &[u8]| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
    let w4 = |w: &[u8]| u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => w4(a) == w4(b) && w4(&a[n - 4..]) == w4(&b[n - 4..]),
        8..=16 => w8(a) == w8(b) && w8(&a[n - 8..]) == w8(&b[n - 8..]),
        _ => a == b,
    }
}

/// Distinct byte strings, each with a dense id in order of first appearance.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    slots: Vec<u32>,
    hashes: Vec<u64>,
    /// Id of a string recently interned, per [`quick`] index (checked by comparing bytes
    /// before use, so it never changes an id; it only saves the full hash).
    recent: Vec<u32>,
}

impl Interner {
    /// Number of strings.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The string with id `id`.
    pub(crate) fn get(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The id of `s`, adding it if new.
    #[inline]
    pub(crate) fn intern(&mut self, s: &[u8]) -> u32 {
        let q = quick(s);
        if let Some(&id) = self.recent.get(q) {
            if id != EMPTY && same(self.get(id), s) {
                return id;
            }
        }
        let id = self.intern_hashed(s);
        if self.recent.is_empty() {
            self.recent = vec![EMPTY; 1 << RECENT_BITS];
        }
        self.recent[q] = id;
        id
    }

    /// [`Self::intern`] through the hash table.
    fn intern_hashed(&mut self, s: &[u8]) -> u32 {
        if self.slots.len() < 2 * (self.ends.len() + 1) {
            self.grow();
        }
        let h = hash_bytes(s);
        let mask = self.slots.len() - 1;
        let mut p = h as usize & mask;
        loop {
            let id = self.slots[p];
            if id == EMPTY {
                let new = self.ends.len() as u32;
                self.bytes.extend_from_slice(s);
                self.ends.push(self.bytes.len() as u32);
                self.hashes.push(h);
                self.slots[p] = new;
                return new;
            }
            if self.hashes[id as usize] == h && self.get(id) == s {
                return id;
            }
            p = (p + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(64);
        self.slots = vec![EMPTY; n];
        let mask = n - 1;
        for (id, &h) in self.hashes.iter().enumerate() {
            let mut p = h as usize & mask;
            while self.slots[p] != EMPTY {
                p = (p + 1) & mask;
            }
            self.slots[p] = id as u32;
        }
    }
}

/// A map from `u64` keys to dense indices in order of first appearance.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdMap {
    keys: Vec<u64>,
    slots: Vec<u32>,
}

impl IdMap {
    /// The keys, by index.
    pub(crate) fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// The index of `k`, adding it if new; the flag says whether it was added.
    #[inline]
    pub(crate) fn index(&mut self, k: u64) -> (usize, bool) {
        if self.slots.len() < 2 * (self.keys.len() + 1) {
            let n = (self.slots.len() * 2).max(64);
            self.slots = vec![EMPTY; n];
            for (i, &key) in self.keys.iter().enumerate() {
                let mut p = mix(key) as usize & (n - 1);
                while self.slots[p] != EMPTY {
                    p = (p + 1) & (n - 1);
                }
                self.slots[p] = i as u32;
            }
        }
        let mask = self.slots.len() - 1;
        let mut p = mix(k) as usize & mask;
        loop {
            let i = self.slots[p];
            if i == EMPTY {
                self.slots[p] = self.keys.len() as u32;
                self.keys.push(k);
                return (self.keys.len() - 1, true);
            }
            if self.keys[i as usize] == k {
                return (i as usize, false);
            }
            p = (p + 1) & mask;
        }
    }
}
