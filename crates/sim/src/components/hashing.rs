//! The hash functions the real balancers use: CRC32 (nginx's `hash ... consistent`, ketama) and
//! nginx `ip_hash`'s arithmetic on the first three octets of an IPv4 address.

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib and nginx compute it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// nginx `ip_hash`'s step over the first three octets, from its running hash (89 at the start).
pub fn ip_hash_step(hash: u32, addr: [u8; 4]) -> u32 {
    let mut h = hash;
    for &octet in &addr[..3] {
        h = (h * 113 + u32::from(octet)) % 6271;
    }
    h
}

/// The running hash nginx `ip_hash` starts from.
pub const IP_HASH_START: u32 = 89;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn ip_hash_uses_only_the_first_three_octets() {
        let a = ip_hash_step(IP_HASH_START, [192, 168, 1, 10]);
        assert_eq!(a, ip_hash_step(IP_HASH_START, [192, 168, 1, 200]));
        assert_ne!(a, ip_hash_step(IP_HASH_START, [192, 168, 2, 10]));
        // By hand: (89·113 + 192) % 6271 = 3978; (3978·113 + 168) % 6271 = 4441; (4441·113 + 1) % 6271 = 154.
        assert_eq!(a, 154);
    }
}
