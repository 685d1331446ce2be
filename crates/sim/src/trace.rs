//! A running fingerprint of every event processed: FNV-1a's xor-then-multiply step applied to whole
//! 64-bit words (time, kind, request), one multiply each so that it is cheap on the hot path.
//! Two runs with the same hash took the same path, event for event.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[derive(Clone, Copy, Debug)]
pub struct TraceHash(u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(FNV_OFFSET)
    }
}

impl TraceHash {
    #[inline]
    pub fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(FNV_PRIME);
    }

    pub fn value(&self) -> u64 {
        self.0
    }

    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word_is_one_fnv_step_and_order_matters() {
        let mut h = TraceHash::default();
        h.add(u64::from(b'a'));
        // FNV-1a 64 of the single byte "a" is 0xaf63dc4c8601ec8c: one step from the offset.
        assert_eq!(h.value(), 0xaf63_dc4c_8601_ec8c);
        let (mut x, mut y) = (TraceHash::default(), TraceHash::default());
        x.add(1);
        x.add(2);
        y.add(2);
        y.add(1);
        assert_ne!(x.value(), y.value());
    }
}
