//! SHA2-256 (0x02), RIPEMD-160 (0x03) and IDENTITY (0x04): Frontier's per-word priced
//! precompiles. None of them can fail except by running out of gas.

use kestrel_primitives::Bytes;
use ripemd::{Digest, Ripemd160};

use crate::{PrecompileOutput, PrecompileResult, charge, word_cost};

/// SHA256 base cost.
const SHA256_BASE: u64 = 60;
/// SHA256 cost per 32-byte word of input.
const SHA256_WORD: u64 = 12;
/// RIPEMD160 base cost.
const RIPEMD160_BASE: u64 = 600;
/// RIPEMD160 cost per 32-byte word of input.
const RIPEMD160_WORD: u64 = 120;
/// IDENTITY base cost.
const IDENTITY_BASE: u64 = 15;
/// IDENTITY cost per 32-byte word of input.
const IDENTITY_WORD: u64 = 3;

/// SHA2-256 of the whole input; 32 bytes out.
pub(crate) fn sha256(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(word_cost(input.len(), SHA256_BASE, SHA256_WORD), gas_limit)?;
    let digest = crate::sha256::sha256(input);
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&digest) })
}

/// RIPEMD-160 of the whole input, left-padded with zeros to 32 bytes.
pub(crate) fn ripemd160(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(word_cost(input.len(), RIPEMD160_BASE, RIPEMD160_WORD), gas_limit)?;
    let mut out = [0u8; 32];
    out[12..].copy_from_slice(&Ripemd160::digest(input));
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&out) })
}

/// The input, unchanged.
pub(crate) fn identity(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = identity_gas(input.len(), gas_limit)?;
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(input) })
}

/// IDENTITY's price for `len` input bytes under `gas_limit` (its output is its input): a host
/// that can copy the input straight into the return data calls this instead of
/// [`Precompiles::get`](crate::Precompiles::get)'s function, which allocates the copy.
pub fn identity_gas(len: usize, gas_limit: u64) -> Result<u64, crate::PrecompileError> {
    charge(word_cost(len, IDENTITY_BASE, IDENTITY_WORD), gas_limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PrecompileError;
    use kestrel_primitives::hex;

    #[test]
    fn sha256_empty_and_abc() {
        let out = sha256(&[], 60).unwrap();
        assert_eq!(out.gas_used, 60);
        assert_eq!(out.bytes[..], hex!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        let out = sha256(b"abc", 72).unwrap();
        assert_eq!(out.gas_used, 72);
        assert_eq!(out.bytes[..], hex!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        assert_eq!(sha256(b"abc", 71), Err(PrecompileError::OutOfGas));
    }

    #[test]
    fn ripemd160_is_left_padded() {
        let out = ripemd160(b"abc", 720).unwrap();
        assert_eq!(out.gas_used, 720);
        assert_eq!(out.bytes[..], hex!("0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc"));
        assert_eq!(ripemd160(&[], 599), Err(PrecompileError::OutOfGas));
        let empty = ripemd160(&[], 600).unwrap();
        assert_eq!(empty.bytes[..], hex!("0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31"));
    }

    #[test]
    fn identity_prices_per_word() {
        assert_eq!(identity_gas(33, 21), Ok(21));
        assert_eq!(identity_gas(33, 20), Err(PrecompileError::OutOfGas));
        assert_eq!(identity(&[], 15).unwrap().gas_used, 15);
        assert_eq!(identity(&[7; 32], 18).unwrap().gas_used, 18);
        assert_eq!(identity(&[7; 33], 21).unwrap().bytes[..], [7; 33]);
        assert_eq!(identity(&[7; 33], 20), Err(PrecompileError::OutOfGas));
    }
}
