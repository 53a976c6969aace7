//! KZG point evaluation (0x0a): EIP-4844, active from Cancun.
//!
//! Verifies a proof that the blob committed to by `commitment` evaluates to `y` at `z`,
//! against the Ethereum mainnet trusted setup that `c-kzg` embeds.

use c_kzg::{Bytes32, Bytes48, KzgSettings};
use kestrel_primitives::Bytes;
use kestrel_primitives::gas::eip4844::VERSIONED_HASH_VERSION_KZG;
use sha2::{Digest, Sha256};

use crate::{PrecompileError, PrecompileOutput, PrecompileResult, charge};

/// POINT_EVALUATION gas.
const POINT_EVALUATION_GAS: u64 = 50_000;
/// The only accepted input length: versioned hash, z, y, commitment, proof.
const INPUT_LEN: usize = 32 + 32 + 32 + 48 + 48;

/// The success output: FIELD_ELEMENTS_PER_BLOB (4096) then BLS_MODULUS, each as a
/// 32-byte big-endian word.
const RETURN_VALUE: [u8; 64] = {
    let mut out = [0u8; 64];
    out[30] = 0x10; // 4096 = 0x1000
    let modulus: [u8; 32] = [
        0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53,
        0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
    ];
    let mut i = 0;
    while i < 32 {
        out[32 + i] = modulus[i];
        i += 1;
    }
    out
};

/// The failure for every invalid input: every failure of this precompile is the same.
const INVALID: PrecompileError = PrecompileError::Failure("kzg: invalid point evaluation input");

/// The mainnet trusted setup, parsed once per process on first use (c-kzg keeps it in a
/// `OnceLock`). Precompute 0: verification of a single proof gains nothing from tables.
fn settings() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

/// POINT_EVALUATION (0x0a): exactly 192 bytes in; 64 bytes out on a valid proof. The
/// versioned hash must be `0x01 ++ sha256(commitment)[1..]`, `z` and `y` canonical field
/// elements, and commitment and proof valid G1 points.
pub(crate) fn point_evaluation(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) else {
        return Err(INVALID);
    };
    let gas = charge(POINT_EVALUATION_GAS, gas_limit)?;

    let (versioned_hash, rest) = input.split_at(32);
    let (z, rest) = rest.split_at(32);
    let (y, rest) = rest.split_at(32);
    let (commitment, proof) = rest.split_at(48);

    let mut expected_hash: [u8; 32] = Sha256::digest(commitment).into();
    expected_hash[0] = VERSIONED_HASH_VERSION_KZG;
    if versioned_hash != expected_hash {
        return Err(INVALID);
    }

    // Every slice length is fixed above, so these conversions cannot fail.
    let (Ok(z), Ok(y), Ok(commitment), Ok(proof)) = (
        <[u8; 32]>::try_from(z),
        <[u8; 32]>::try_from(y),
        <[u8; 48]>::try_from(commitment),
        <[u8; 48]>::try_from(proof),
    ) else {
        return Err(INVALID);
    };
    // c-kzg rejects non-canonical z or y and invalid points with an error; a well-formed
    // but wrong proof verifies to `false`. Both fail the call.
    match settings().verify_kzg_proof(
        &Bytes48::new(commitment),
        &Bytes32::new(z),
        &Bytes32::new(y),
        &Bytes48::new(proof),
    ) {
        Ok(true) => Ok(PrecompileOutput { gas_used: gas, bytes: Bytes::from_static(&RETURN_VALUE) }),
        Ok(false) | Err(_) => Err(INVALID),
    }
}
