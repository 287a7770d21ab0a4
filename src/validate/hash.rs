//! The hasher of the validator's maps (checks and rendering): their keys are
//! short ids, names, paths and numbers, many per file. Not keyed: a file
//! crafted to make its ids collide only slows its own check down.

use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher for short keys (FxHash's
/// multiply-rotate over 8-byte words).
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        // the last 1..=7 bytes as one word (two overlapping 4-byte reads,
        // or the first, middle and last byte: every byte counts)
        let r = chunks.remainder();
        let n = r.len();
        if n >= 4 {
            let lo = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
            let hi = u32::from_le_bytes([r[n - 4], r[n - 3], r[n - 2], r[n - 1]]);
            self.add(u64::from(lo) | u64::from(hi) << 32);
        } else if n > 0 {
            let w = u64::from(r[0]) | u64::from(r[n / 2]) << 8 | u64::from(r[n - 1]) << 16;
            self.add(w | (n as u64) << 24);
        }
    }
    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // (the multiply leaves the low bits, which pick the bucket, weak)
        self.0
    }
}

pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;
