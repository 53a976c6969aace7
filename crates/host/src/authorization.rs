//! EIP-7702 authorizations: recovering authorities and installing delegation designators.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use kestrel_primitives::{Address, Authorization, U256, keccak256};
use kestrel_state::{Database, Journal, delegation_code};

use crate::address::{rlp_address, rlp_list, rlp_uint};

/// The secp256k1 group order n.
const SECP256K1N: U256 =
    U256::from_limbs([0xbfd25e8cd0364141, 0xbaaedce6af48a03b, 0xfffffffffffffffe, 0xffffffffffffffff]);

/// The byte that prefixes the signed payload of an authorization (EIP-7702 `MAGIC`).
const SET_CODE_TX_MAGIC: u8 = 0x05;

/// Recovers the authority that signed `auth`, or `None` for an invalid signature (y parity not
/// 0 or 1, r or s out of range, s in the upper half, no recoverable key).
pub fn recover_authority(auth: &Authorization) -> Option<Address> {
    if let Some(authority) = auth.authority {
        return Some(authority);
    }
    if auth.y_parity > U256::from(1)
        || auth.r.is_zero()
        || auth.r >= SECP256K1N
        || auth.s.is_zero()
        || auth.s > SECP256K1N >> 1
    {
        return None;
    }
    let mut payload = Vec::with_capacity(64);
    rlp_uint(&mut payload, &auth.chain_id.to_be_bytes::<32>());
    rlp_address(&mut payload, &auth.address);
    rlp_uint(&mut payload, &auth.nonce.to_be_bytes());
    let mut message = vec![SET_CODE_TX_MAGIC];
    message.extend_from_slice(&rlp_list(&payload));
    let hash = keccak256(&message);
    let signature = Signature::from_scalars(auth.r.to_be_bytes::<32>(), auth.s.to_be_bytes::<32>()).ok()?;
    let recovery_id = RecoveryId::from_byte(auth.y_parity.as_limbs()[0] as u8)?;
    let key = VerifyingKey::recover_from_prehash(hash.as_slice(), &signature, recovery_id).ok()?;
    let encoded = key.to_encoded_point(false);
    Some(Address::from_word(keccak256(&encoded.as_bytes()[1..])))
}

/// Applies the authorization list (the spec's `set_delegation`) and returns the refund for
/// authorities that already existed. Invalid tuples are skipped, never fatal.
pub(crate) fn apply_authorizations<DB: Database>(
    journal: &mut Journal<DB>,
    list: &[Authorization],
    chain_id: u64,
) -> u64 {
    use kestrel_primitives::gas::eip7702::{PER_AUTH_BASE_COST, PER_EMPTY_ACCOUNT_COST};
    let mut refund = 0;
    for auth in list {
        if !auth.chain_id.is_zero() && auth.chain_id != U256::from(chain_id) {
            continue;
        }
        if auth.nonce == u64::MAX {
            continue;
        }
        let Some(authority) = recover_authority(auth) else { continue };
        journal.warm_account(&authority);
        let view = journal.peek_account(&authority);
        if journal.has_non_delegation_code(&authority) {
            continue;
        }
        if view.nonce != auth.nonce {
            continue;
        }
        if view.exists {
            refund += PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST;
        }
        let new_code =
            if auth.address == Address::ZERO { Default::default() } else { delegation_code(&auth.address) };
        journal.set_code(&authority, new_code);
        journal.inc_nonce(&authority);
    }
    refund
}
