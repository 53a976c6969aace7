//! Fixed secp256k1 keys for the generated accounts, and EIP-7702 authorization signing.
//!
//! Authorizations are really signed (and sometimes really broken): the saved state tests carry
//! only the signature, and both EVMs must recover the authority themselves. The signing hash is
//! built here from the EIP's definition, not borrowed from either EVM under test.

use std::sync::OnceLock;

use k256::ecdsa::SigningKey;
use kestrel::primitives::{Address, Authorization, U256, keccak256};

/// How many keyed accounts a case can use.
pub const KEYS: usize = 4;

/// The secret key of keyed account `i` (taken modulo [`KEYS`]): keccak256 of a fixed label,
/// which is a valid secp256k1 scalar (checked by a test).
fn secret(i: usize) -> [u8; 32] {
    keccak256(format!("kestrel-diff key {}", i % KEYS).as_bytes()).0
}

/// The signing key of keyed account `i`.
pub fn signing_key(i: usize) -> &'static SigningKey {
    static KEYS_CACHE: OnceLock<Vec<SigningKey>> = OnceLock::new();
    let keys = KEYS_CACHE.get_or_init(|| {
        (0..KEYS)
            .map(|i| {
                // A keccak output is a valid scalar except with probability ~2^-128; the test
                // below pins that these four are.
                SigningKey::from_slice(&secret(i)).unwrap_or_else(|_| {
                    SigningKey::from_slice(&[1u8; 32]).unwrap_or_else(|_| unreachable!("1..1 is a valid key"))
                })
            })
            .collect()
    });
    &keys[i % KEYS]
}

/// The address of keyed account `i`.
pub fn address(i: usize) -> Address {
    static ADDRESSES: OnceLock<Vec<Address>> = OnceLock::new();
    let all = ADDRESSES.get_or_init(|| {
        (0..KEYS)
            .map(|i| {
                let point = signing_key(i).verifying_key().to_encoded_point(false);
                Address::from_slice(&keccak256(&point.as_bytes()[1..])[12..])
            })
            .collect()
    });
    all[i % KEYS]
}

/// RLP of a big-endian unsigned integer (leading zeros stripped).
fn rlp_uint(out: &mut Vec<u8>, be: &[u8]) {
    let skip = be.iter().take_while(|b| **b == 0).count();
    let v = &be[skip..];
    match v {
        [] => out.push(0x80),
        [b] if *b < 0x80 => out.push(*b),
        _ => {
            out.push(0x80 + v.len() as u8);
            out.extend_from_slice(v);
        }
    }
}

/// keccak256(0x05 || rlp([chain_id, address, nonce])): the message an EIP-7702 authority signs.
pub fn authorization_hash(chain_id: U256, address: Address, nonce: u64) -> [u8; 32] {
    let mut payload = Vec::with_capacity(64);
    rlp_uint(&mut payload, &chain_id.to_be_bytes::<32>());
    payload.push(0x80 + 20);
    payload.extend_from_slice(address.as_slice());
    rlp_uint(&mut payload, &nonce.to_be_bytes());
    let mut message = vec![0x05];
    // The payload is at most 33 + 21 + 9 bytes: a short list.
    message.push(0xc0 + payload.len() as u8);
    message.extend_from_slice(&payload);
    keccak256(&message).0
}

/// An authorization by keyed account `key` with a valid signature. (k256 signs with low s,
/// as EIP-2 requires.)
pub fn sign(key: usize, chain_id: U256, address: Address, nonce: u64) -> Authorization {
    let hash = authorization_hash(chain_id, address, nonce);
    let mut auth = Authorization { chain_id, address, nonce, ..Default::default() };
    if let Ok((sig, recid)) = signing_key(key).sign_prehash_recoverable(&hash) {
        let (r, s) = sig.split_bytes();
        auth.r = U256::from_be_slice(&r);
        auth.s = U256::from_be_slice(&s);
        auth.y_parity = U256::from(recid.to_byte() & 1);
    }
    auth
}

/// The secp256k1 group order n.
pub fn secp256k1_n() -> U256 {
    U256::from_str_radix("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels give valid keys (the fallback in `signing_key` is never taken) and
    /// distinct addresses.
    #[test]
    fn keys_are_valid_and_distinct() {
        for i in 0..KEYS {
            assert!(SigningKey::from_slice(&secret(i)).is_ok());
        }
        let mut addresses: Vec<Address> = (0..KEYS).map(address).collect();
        addresses.sort();
        addresses.dedup();
        assert_eq!(addresses.len(), KEYS);
    }

    /// Kestrel recovers the signer of a signed authorization, and nobody from one with the
    /// high-s twin of its signature (EIP-2).
    #[test]
    fn signatures_recover_to_the_key() {
        for key in 0..KEYS {
            let auth = sign(key, U256::from(1), Address::repeat_byte(7), 3);
            assert!(auth.s <= secp256k1_n() >> 1);
            assert_eq!(kestrel::host::recover_authority(&auth), Some(address(key)));
            let mut high = auth.clone();
            high.s = secp256k1_n() - auth.s;
            high.y_parity = U256::from(1) - auth.y_parity;
            assert_eq!(kestrel::host::recover_authority(&high), None);
        }
    }

    /// The hash matches the EIP's example encoding: chain id 0 is the empty string.
    #[test]
    fn hash_encodes_zero_as_empty_string() {
        let mut payload = vec![0x80, 0x94];
        payload.extend_from_slice(&[0x11; 20]);
        payload.push(0x80);
        let mut message = vec![0x05, 0xc0 + payload.len() as u8];
        message.extend_from_slice(&payload);
        assert_eq!(authorization_hash(U256::ZERO, Address::repeat_byte(0x11), 0), keccak256(&message).0);
    }
}
