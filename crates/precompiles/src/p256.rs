//! P256VERIFY (0x100): secp256r1 signature verification, EIP-7951.
//!
//! Input: exactly 160 bytes, `hash ‖ r ‖ s ‖ qx ‖ qy`, 32 bytes each. Output: 32-byte `1`
//! when the signature verifies, and empty output for anything else (wrong length, `r` or
//! `s` outside `1..n`, a coordinate `>= p`, the point at infinity, a point off the curve,
//! a signature that does not verify). Only a lack of gas is an error.

use kestrel_primitives::Bytes;
use p256::{
    EncodedPoint, FieldBytes,
    ecdsa::{Signature, VerifyingKey, signature::hazmat::PrehashVerifier},
};

use crate::{PrecompileOutput, PrecompileResult, charge};

/// EIP-7951's price as adopted for Osaka.
const P256VERIFY_COST: u64 = 6900;
/// The only accepted input length.
const INPUT_LEN: usize = 160;

/// P256VERIFY: 32-byte 1 on a valid signature, empty output otherwise.
pub(crate) fn p256verify(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(P256VERIFY_COST, gas_limit)?;
    let bytes = if verify(input) {
        let mut out = [0u8; 32];
        out[31] = 1;
        Bytes::copy_from_slice(&out)
    } else {
        Bytes::new()
    };
    Ok(PrecompileOutput { gas_used, bytes })
}

/// True when `input` is 160 bytes holding a valid signature of its hash.
fn verify(input: &[u8]) -> bool {
    if input.len() != INPUT_LEN {
        return false;
    }
    let (hash, rest) = input.split_at(32);
    let (r, rest) = rest.split_at(32);
    let (s, key) = rest.split_at(32);

    // `from_scalars` rejects r, s equal to zero or >= n.
    let Ok(signature) = Signature::from_scalars(*FieldBytes::from_slice(r), *FieldBytes::from_slice(s))
    else {
        return false;
    };
    // Decoding rejects coordinates >= p and points off the curve; the identity has no
    // affine encoding, so (0, 0) is rejected too (it is not on the curve: b != 0).
    let point = EncodedPoint::from_untagged_bytes(key.into());
    let Ok(key) = VerifyingKey::from_encoded_point(&point) else {
        return false;
    };
    // Plain ECDSA verification: no low-s rule; the hash is reduced mod n.
    key.verify_prehash(hash, &signature).is_ok()
}
