//! Keccak-256: an AVX-512 permutation of Kestrel's own where the CPU has AVX-512F and
//! AVX-512BW (chosen at run time), else keccak-asm (feature `asm-keccak`) or the portable `sha3`
//! crate.

use alloy_primitives::{B256, b256};
// keccak-asm's `Keccak256::digest` is an inherent one-shot call into the assembly.
#[cfg(feature = "asm-keccak")]
use keccak_asm::Keccak256;
#[cfg(not(feature = "asm-keccak"))]
use sha3::{Digest, Keccak256};

#[cfg(target_arch = "x86_64")]
mod avx512;

/// keccak256 of the empty byte string: the code hash of every account without code.
pub const KECCAK_EMPTY: B256 = b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// Keccak-256 (the pre-standard SHA-3 variant Ethereum uses) of `data`.
#[inline]
pub fn keccak256(data: impl AsRef<[u8]>) -> B256 {
    let data = data.as_ref();
    keccak256_avx512(data).unwrap_or_else(|| keccak256_fallback(data))
}

/// Whether the CPU runs the AVX-512 path. Detected once: std caches CPUID's answer in a static,
/// so each call is a load and a bit test.
#[cfg(target_arch = "x86_64")]
#[inline]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bw")
}

/// Keccak-256 of `data` without the AVX-512 path: keccak-asm with the `asm-keccak` feature,
/// else `sha3`. For benchmarks and tests that compare the two.
#[doc(hidden)]
#[inline]
pub fn keccak256_fallback(data: &[u8]) -> B256 {
    B256::from_slice(&Keccak256::digest(data))
}

/// Keccak-256 of `data` on the AVX-512 path, or `None` where the CPU (or target) lacks it:
/// [`keccak256`]'s first choice, public for benchmarks and tests that compare the two.
#[doc(hidden)]
#[inline]
pub fn keccak256_avx512(data: &[u8]) -> Option<B256> {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU has AVX-512F and AVX-512BW, the features the function is compiled for.
        return Some(B256::new(unsafe { avx512::keccak256(data) }));
    }
    let _ = data;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hash_matches_constant() {
        assert_eq!(keccak256([]), KECCAK_EMPTY);
    }

    /// The assembly and portable implementations agree at every length around the
    /// 136-byte rate.
    #[test]
    fn matches_portable_sha3() {
        let data: Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let portable = <sha3::Keccak256 as sha3::Digest>::digest(&data[..len]);
            assert_eq!(keccak256(&data[..len])[..], portable[..], "length {len}");
        }
    }

    /// The AVX-512 path against `sha3` and the fallback at every length to three blocks and
    /// more, over several byte patterns (skipped where the CPU has no AVX-512F).
    #[test]
    fn avx512_matches_portable_sha3() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut data = vec![0u8; 1200];
        for pattern in 0..4 {
            for (i, b) in data.iter_mut().enumerate() {
                *b = match pattern {
                    0 => 0,
                    1 => 0xff,
                    2 => (i * 7 + 3) as u8,
                    _ => {
                        // xorshift64: arbitrary bytes without a dependency.
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    }
                };
            }
            for len in (0..=420).chain((421..data.len()).step_by(17)).chain([1088, 1199]) {
                let input = &data[..len];
                let Some(fast) = keccak256_avx512(input) else { return };
                let portable = <sha3::Keccak256 as sha3::Digest>::digest(input);
                assert_eq!(fast[..], portable[..], "pattern {pattern}, length {len}");
                assert_eq!(fast, keccak256_fallback(input), "pattern {pattern}, length {len}");
            }
        }
    }

    #[test]
    fn known_vector() {
        assert_eq!(
            keccak256(b"abc"),
            b256!("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        );
    }
}
