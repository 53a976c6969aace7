//! ECRECOVER (0x01): secp256k1 public key recovery.
//!
//! Input (zero-padded to 128 bytes): `hash ‖ v ‖ r ‖ s`, 32 bytes each. Output: the signer's
//! address left-padded to 32 bytes, or nothing at all when the signature is unusable
//! (`v` not 27/28, `r` or `s` outside `1..n`, `r` not an x-coordinate, key at infinity).
//! Unlike the transaction rules, a high `s` is accepted.
//!
//! The recovery itself is a [`Backend`]: libsecp256k1 (through the `secp256k1` crate) by
//! default, RustCrypto's `k256` with the `pure-rust` feature or without `native`.

pub(crate) mod k256;
#[cfg(feature = "native")]
pub(crate) mod libsecp;

use kestrel_primitives::{Bytes, keccak256};

use crate::{PrecompileOutput, PrecompileResult, charge, read_array};

/// ECRECOVER's flat price.
const ECRECOVER_COST: u64 = 3000;

/// Public-key recovery on secp256k1.
pub(crate) trait Backend {
    /// The uncompressed public key (`x ‖ y`, 64 bytes) that signed `hash` with `(r, s)`
    /// and the given parity of R's y, or `None` when `r` or `s` is outside `1..n`, `r` is
    /// no x-coordinate, or the key is the point at infinity.
    fn recover(hash: &[u8; 32], r: &[u8; 32], s: &[u8; 32], y_odd: bool) -> Option<[u8; 64]>;
}

/// The backend this build uses.
#[cfg(all(feature = "native", not(feature = "pure-rust")))]
pub(crate) type Selected = libsecp::Libsecp;
/// The backend this build uses.
#[cfg(any(not(feature = "native"), feature = "pure-rust"))]
pub(crate) type Selected = self::k256::K256;

/// ECRECOVER: never fails once paid; an invalid signature yields empty output.
pub(crate) fn ecrecover(input: &[u8], gas_limit: u64) -> PrecompileResult {
    ecrecover_with::<Selected>(input, gas_limit)
}

/// ECRECOVER on backend `B`.
pub(crate) fn ecrecover_with<B: Backend>(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let gas_used = charge(ECRECOVER_COST, gas_limit)?;
    let input: [u8; 128] = read_array(input, 0);
    let bytes = match recover_address::<B>(&input) {
        Some(address) => {
            let mut out = [0u8; 32];
            out[12..].copy_from_slice(&address);
            Bytes::copy_from_slice(&out)
        }
        None => Bytes::new(),
    };
    Ok(PrecompileOutput { gas_used, bytes })
}

/// Splits the 128-byte input into four 32-byte words.
#[inline]
fn words(input: &[u8; 128]) -> [&[u8; 32]; 4] {
    let (words, _) = input.as_chunks::<32>();
    [&words[0], &words[1], &words[2], &words[3]]
}

/// The 20-byte address that signed `hash` with `(v, r, s)`, or `None` when there is none.
fn recover_address<B: Backend>(input: &[u8; 128]) -> Option<[u8; 20]> {
    let [hash, v, r, s] = words(input);
    // v is a full 256-bit word that must equal 27 or 28.
    if v[..31].iter().any(|&b| b != 0) {
        return None;
    }
    let y_odd = match v[31] {
        27 => false,
        28 => true,
        _ => return None,
    };
    let public = B::recover(hash, r, s, y_odd)?;
    let digest = keccak256(public);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    Some(address)
}

/// The address whose key signed `hash` with `(r, s)` and R's y parity `y_odd`, on this build's
/// backend, or `None` when there is none (`r` or `s` outside `1..n`, `r` no x-coordinate, the
/// key at infinity). Transaction rules on top (EIP-2 low `s`, `v` forms) are the caller's.
pub fn recover_signer(hash: &[u8; 32], r: &[u8; 32], s: &[u8; 32], y_odd: bool) -> Option<[u8; 20]> {
    let public = Selected::recover(hash, r, s, y_odd)?;
    let digest = keccak256(public);
    let mut address = [0u8; 20];
    address.copy_from_slice(&digest[12..]);
    Some(address)
}
