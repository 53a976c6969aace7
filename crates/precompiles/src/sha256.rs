//! SHA-256 for the SHA2-256 precompile (0x02) and KZG's versioned hash.
//!
//! The `sha2` crate picks its SHA-NI backend at run time (through `cpufeatures`) and offers no
//! run-time way to refuse it: its scalar backend is reachable only through compile-time
//! features, which would change every `sha2` user in the build. So portable mode
//! ([`kestrel_primitives::cpu::portable_only`]) takes the scalar SHA-256 below instead, written
//! from FIPS 180-4 §6.2 and tested against `sha2` and the NIST example vectors.

use sha2::Digest;

/// SHA-256 of `data`: `sha2`, or the portable implementation in portable mode. The switch is
/// one byte load next to `sha2`'s own CPU-feature load.
#[inline]
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    if kestrel_primitives::cpu::portable_only() { portable(data) } else { sha2::Sha256::digest(data).into() }
}

/// What [`sha256`] runs in this process: `"portable"`, `"sha2-shani"` or `"sha2-soft"` (the
/// last two as `sha2` decides, by the features its x86 backend needs).
pub(crate) fn backend_name() -> &'static str {
    if kestrel_primitives::cpu::portable_only() {
        return "portable";
    }
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("sha") && has!("sse2") && has!("ssse3") && has!("sse4.1") {
            return "sha2-shani";
        }
    }
    "sha2-soft"
}

/// The initial hash value H(0) (FIPS 180-4 §5.3.3): the first 32 bits of the fractional parts of
/// the square roots of the first eight primes.
const H0: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The round constants K (FIPS 180-4 §4.2.2): the first 32 bits of the fractional parts of the
/// cube roots of the first 64 primes.
#[rustfmt::skip]
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// Portable SHA-256 of `data` (FIPS 180-4 §5.1.1 padding, §6.2.2 computation).
pub(crate) fn portable(data: &[u8]) -> [u8; 32] {
    let mut state = H0;
    let (blocks, rest) = data.as_chunks::<64>();
    for block in blocks {
        compress(&mut state, block);
    }
    // The rest, 0x80, zeros, and the length in bits as a 64-bit big-endian integer (modulo
    // 2^64, which no slice reaches): one block, or two when the rest leaves under 9 bytes.
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let tail_len = if rest.len() < 56 { 64 } else { 128 };
    let bits = (data.len() as u64).wrapping_mul(8);
    tail[tail_len - 8..tail_len].copy_from_slice(&bits.to_be_bytes());
    for block in tail[..tail_len].as_chunks::<64>().0 {
        compress(&mut state, block);
    }
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// One application of the compression function to a 64-byte block.
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = [0u32; 64];
    for (word, bytes) in w.iter_mut().zip(block.as_chunks::<4>().0) {
        *word = u32::from_be_bytes(*bytes);
    }
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16].wrapping_add(s0).wrapping_add(w[t - 7]).wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (k, w) in K.iter().zip(w) {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(*k).wrapping_add(w);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        (h, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::hex;
    use proptest::prelude::*;

    /// The first `n` primes.
    fn primes(n: usize) -> Vec<u128> {
        let mut out = Vec::new();
        let mut candidate = 2u128;
        while out.len() < n {
            if out.iter().all(|p| !candidate.is_multiple_of(*p)) {
                out.push(candidate);
            }
            candidate += 1;
        }
        out
    }

    /// The largest `x` with `x^k <= n`, by bisection (k is 2 or 3; every value here is below
    /// 2^106, so `x^k` fits in a u128).
    fn integer_root(n: u128, k: u32) -> u128 {
        let (mut low, mut high) = (0u128, 1u128 << 40);
        while low < high {
            let mid = (low + high).div_ceil(2);
            if mid.pow(k) <= n { low = mid } else { high = mid - 1 }
        }
        low
    }

    /// The constant tables against their definitions: the fractional bits of `p^(1/k)` are the
    /// low 32 bits of the integer root of `p · 2^(32k)`.
    #[test]
    fn constants_follow_their_definitions() {
        for (p, h) in primes(8).into_iter().zip(H0) {
            assert_eq!(integer_root(p << 64, 2) as u32, h, "H0 for prime {p}");
        }
        for (p, k) in primes(64).into_iter().zip(K) {
            assert_eq!(integer_root(p << 96, 3) as u32, k, "K for prime {p}");
        }
    }

    /// FIPS 180-4's example messages (NIST's SHA-256 examples and the million-`a` one).
    #[test]
    fn nist_vectors() {
        let million_a = vec![b'a'; 1_000_000];
        let cases: [(&[u8], [u8; 32]); 5] = [
            (b"", hex!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")),
            (b"abc", hex!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                hex!("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ),
            (
                b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                hex!("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
            ),
            (&million_a, hex!("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")),
        ];
        for (input, digest) in cases {
            assert_eq!(portable(input), digest, "portable, {} bytes", input.len());
            assert_eq!(sha256(input), digest, "{}, {} bytes", backend_name(), input.len());
        }
    }

    /// Against `sha2` (SHA-NI where the CPU has it) at every length to three blocks and more,
    /// which covers each padding shape: one block, two blocks, the 55/56/63/64-byte edges.
    #[test]
    fn portable_matches_sha2_at_every_length() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 131 + 17) as u8).collect();
        for len in 0..=data.len() {
            let want: [u8; 32] = sha2::Sha256::digest(&data[..len]).into();
            assert_eq!(portable(&data[..len]), want, "length {len}");
        }
    }

    proptest! {
        #[test]
        fn portable_matches_sha2(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let want: [u8; 32] = sha2::Sha256::digest(&data).into();
            prop_assert_eq!(portable(&data), want);
        }
    }
}
