//! ECRECOVER (0x01): secp256k1 public key recovery.
//!
//! Input (zero-padded to 128 bytes): `hash ‖ v ‖ r ‖ s`, 32 bytes each. Output: the signer's
//! address left-padded to 32 bytes, or nothing at all when the signature is unusable
//! (`v` not 27/28, `r` or `s` outside `1..n`, `r` not an x-coordinate, key at infinity).
//! Unlike the transaction rules, a high `s` is accepted.

use k256::{
    AffinePoint, ProjectivePoint, Scalar, U256 as KU256,
    elliptic_curve::{
        Group, PrimeField,
        ops::{LinearCombination, Reduce},
        point::DecompressPoint,
        sec1::ToEncodedPoint,
        subtle::Choice,
    },
};
use kestrel_primitives::{Bytes, keccak256};

use crate::{PrecompileOutput, PrecompileResult, charge, read_array};

/// ECRECOVER's flat price.
const ECRECOVER_COST: u64 = 3000;

/// ECRECOVER: never fails once paid; an invalid signature yields empty output.
pub(crate) fn ecrecover(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(ECRECOVER_COST, gas_limit)?;
    let input: [u8; 128] = read_array(input, 0);
    let bytes = match recover_address(&input) {
        Some(address) => {
            let mut out = [0u8; 32];
            out[12..].copy_from_slice(&address);
            Bytes::copy_from_slice(&out)
        }
        None => Bytes::new(),
    };
    Ok(PrecompileOutput { gas_used, bytes })
}

/// The 20-byte address that signed `hash` with `(v, r, s)`, or `None` when there is none.
fn recover_address(input: &[u8; 128]) -> Option<[u8; 20]> {
    let (hash, rest) = input.split_at(32);
    let (v, rest) = rest.split_at(32);
    let (r_bytes, s_bytes) = rest.split_at(32);

    // v is a full 256-bit word that must equal 27 or 28.
    if v[..31].iter().any(|&b| b != 0) {
        return None;
    }
    let y_odd = match v[31] {
        27 => false,
        28 => true,
        _ => return None,
    };

    // `from_repr` rejects values >= n; zero is rejected separately.
    let r = Option::<Scalar>::from(Scalar::from_repr(*k256::FieldBytes::from_slice(r_bytes)))?;
    let s = Option::<Scalar>::from(Scalar::from_repr(*k256::FieldBytes::from_slice(s_bytes)))?;
    if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
        return None;
    }

    // R is the curve point with x = r (r < n < p) and the parity v selects; it exists only
    // when r³ + 7 is a square mod p.
    let big_r = Option::<AffinePoint>::from(AffinePoint::decompress(
        k256::FieldBytes::from_slice(r_bytes),
        Choice::from(u8::from(y_odd)),
    ))?;

    // Q = r⁻¹ (s·R − z·G), with z the hash reduced mod n.
    let z = <Scalar as Reduce<KU256>>::reduce_bytes(k256::FieldBytes::from_slice(hash));
    let r_inv = Option::<Scalar>::from(r.invert())?;
    let u1 = -(r_inv * z);
    let u2 = r_inv * s;
    let q = ProjectivePoint::lincomb(&ProjectivePoint::GENERATOR, &u1, &ProjectivePoint::from(big_r), &u2);
    if bool::from(q.is_identity()) {
        return None;
    }

    let encoded = q.to_affine().to_encoded_point(false);
    let digest = keccak256(&encoded.as_bytes()[1..]);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    Some(address)
}
