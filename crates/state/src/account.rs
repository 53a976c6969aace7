//! Account data as the database stores it, the journal's read view of it, and the EIP-7702
//! delegation designator helpers.

use kestrel_primitives::gas::eip7702::{DELEGATION_LEN, DELEGATION_PREFIX};
use kestrel_primitives::{Address, B256, Bytes, KECCAK_EMPTY, U256, keccak256};

/// An account as a [`Database`](crate::Database) returns it and [`InMemoryDb`](crate::InMemoryDb)
/// stores it.
///
/// `code` may be `None` when the database prefers to serve code separately through
/// [`Database::code_by_hash`](crate::Database::code_by_hash); the journal then loads it the
/// first time code is asked for. An account without code has `code_hash == KECCAK_EMPTY`
/// (a zero hash is accepted as a synonym and normalised on load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// keccak256 of the code.
    pub code_hash: B256,
    /// The code, if the database has it at hand.
    pub code: Option<Bytes>,
}

impl Default for AccountInfo {
    /// The empty account: zero balance and nonce, no code.
    fn default() -> Self {
        Self { balance: U256::ZERO, nonce: 0, code_hash: KECCAK_EMPTY, code: Some(Bytes::new()) }
    }
}

impl AccountInfo {
    /// An account with `code`, whose hash is computed here so the two always agree.
    pub fn new(balance: U256, nonce: u64, code: Bytes) -> Self {
        let code_hash = code_hash_of(&code);
        Self { balance, nonce, code_hash, code: Some(code) }
    }

    /// True when the account is empty per EIP-161: zero nonce, zero balance, no code.
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && has_no_code(&self.code_hash)
    }
}

/// What the journal reports about an account: the current (in-transaction) values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountView {
    /// Current balance.
    pub balance: U256,
    /// Current nonce.
    pub nonce: u64,
    /// Current code hash; `KECCAK_EMPTY` for an account without code or one that does not exist.
    pub code_hash: B256,
    /// False when the account is absent from the state trie. Before Spurious Dragon this
    /// differs from "empty": touching an absent account creates it.
    pub exists: bool,
}

impl AccountView {
    /// True when the account is absent or empty per EIP-161 (zero nonce and balance, no code).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == KECCAK_EMPTY
    }
}

/// The code hash of `code`: `KECCAK_EMPTY` for empty code without hashing.
#[inline]
pub fn code_hash_of(code: &[u8]) -> B256 {
    if code.is_empty() { KECCAK_EMPTY } else { keccak256(code) }
}

/// True for the hashes that mean "no code": `KECCAK_EMPTY` and the zero hash some databases use.
#[inline]
pub(crate) fn has_no_code(hash: &B256) -> bool {
    *hash == KECCAK_EMPTY || hash.is_zero()
}

/// The address an EIP-7702 delegation designator (`0xef0100 ++ address`, exactly 23 bytes)
/// points to, or `None` when `code` is not a designator.
#[inline]
pub fn delegation_address(code: &[u8]) -> Option<Address> {
    if code.len() == DELEGATION_LEN && code[..DELEGATION_PREFIX.len()] == DELEGATION_PREFIX {
        Some(Address::from_slice(&code[DELEGATION_PREFIX.len()..]))
    } else {
        None
    }
}

/// The EIP-7702 delegation designator `0xef0100 ++ address` that makes an account run the code
/// of `address`.
pub fn delegation_code(address: &Address) -> Bytes {
    let mut code = [0u8; DELEGATION_LEN];
    code[..DELEGATION_PREFIX.len()].copy_from_slice(&DELEGATION_PREFIX);
    code[DELEGATION_PREFIX.len()..].copy_from_slice(address.as_slice());
    Bytes::copy_from_slice(&code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::{address, bytes};

    #[test]
    fn designator_round_trip() {
        let target = address!("1111111111111111111111111111111111111111");
        let code = delegation_code(&target);
        assert_eq!(code.len(), 23);
        assert_eq!(&code[..3], &[0xef, 0x01, 0x00]);
        assert_eq!(delegation_address(&code), Some(target));
    }

    #[test]
    fn designator_needs_exact_length_and_prefix() {
        // EIP-7702: only exactly `0xef0100 ++ 20 bytes` is a designator.
        let mut long = delegation_code(&Address::ZERO).to_vec();
        long.push(0);
        assert_eq!(delegation_address(&long), None);
        assert_eq!(delegation_address(&long[..22]), None);
        let mut wrong = delegation_code(&Address::ZERO).to_vec();
        wrong[2] = 0x01;
        assert_eq!(delegation_address(&wrong), None);
        assert_eq!(delegation_address(&[]), None);
    }

    #[test]
    fn emptiness_follows_eip161() {
        assert!(AccountInfo::default().is_empty());
        assert!(!AccountInfo { nonce: 1, ..Default::default() }.is_empty());
        assert!(!AccountInfo { balance: U256::from(1), ..Default::default() }.is_empty());
        assert!(!AccountInfo::new(U256::ZERO, 0, bytes!("00")).is_empty());
        // A zero code hash is a synonym for "no code".
        assert!(AccountInfo { code_hash: B256::ZERO, code: None, ..Default::default() }.is_empty());
    }

    #[test]
    fn new_hashes_code() {
        let info = AccountInfo::new(U256::ZERO, 0, bytes!("6001"));
        assert_eq!(info.code_hash, keccak256([0x60, 0x01]));
        assert_eq!(AccountInfo::new(U256::ZERO, 0, Bytes::new()).code_hash, KECCAK_EMPTY);
    }
}
