use alloy_primitives::{B256, b256};
// keccak-asm's `Keccak256::digest` is an inherent one-shot call into the assembly.
#[cfg(feature = "asm-keccak")]
use keccak_asm::Keccak256;
#[cfg(not(feature = "asm-keccak"))]
use sha3::{Digest, Keccak256};

/// keccak256 of the empty byte string: the code hash of every account without code.
pub const KECCAK_EMPTY: B256 = b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// Keccak-256 (the pre-standard SHA-3 variant Ethereum uses) of `data`.
#[inline]
pub fn keccak256(data: impl AsRef<[u8]>) -> B256 {
    B256::from_slice(&Keccak256::digest(data.as_ref()))
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

    #[test]
    fn known_vector() {
        assert_eq!(
            keccak256(b"abc"),
            b256!("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        );
    }
}
