//! Merkle-Patricia trie roots (Yellow Paper appendix D): the secure state and storage tries,
//! and the ordered tries of a block (transactions, receipts, withdrawals) keyed by
//! RLP(index).
//!
//! The account trie maps keccak256(address) to RLP([nonce, balance, storage_root, code_hash]);
//! each storage trie maps keccak256(slot as 32 bytes) to RLP(value) for non-zero values only.
//! Leaves are sorted and fed to `alloy_trie::HashBuilder`, which does the node encoding. The
//! state-test runner and the block executor share this one implementation.

use alloy_rlp::{Encodable, Header};
use alloy_trie::{HashBuilder, Nibbles};
use kestrel_primitives::{Address, B256, U256, keccak256};
use kestrel_state::InMemoryDb;

/// keccak256(RLP("")), the root of an empty trie.
pub const EMPTY_ROOT: B256 =
    kestrel_primitives::b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

/// One account as the state trie sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrieAccount {
    /// Account nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Root of the account's storage trie ([`storage_root`]).
    pub storage_root: B256,
    /// keccak256 of the code.
    pub code_hash: B256,
}

impl TrieAccount {
    /// The RLP list `[nonce, balance, storage_root, code_hash]`.
    pub fn rlp(&self) -> Vec<u8> {
        let payload_length = self.nonce.length()
            + self.balance.length()
            + self.storage_root.length()
            + self.code_hash.length();
        let mut out = Vec::with_capacity(payload_length + 3);
        Header { list: true, payload_length }.encode(&mut out);
        self.nonce.encode(&mut out);
        self.balance.encode(&mut out);
        self.storage_root.encode(&mut out);
        self.code_hash.encode(&mut out);
        out
    }
}

/// Root of a trie of (key, value) leaves in any order, keys already final (hashed for the
/// secure tries). Duplicate keys keep the first value (the callers have none).
fn root_of(mut leaves: Vec<(Vec<u8>, Vec<u8>)>) -> B256 {
    leaves.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // HashBuilder asserts strictly increasing keys; a caller's duplicate key must not become
    // a panic.
    leaves.dedup_by(|b, a| a.0 == b.0);
    let mut builder = HashBuilder::default();
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Root of an ordered trie (transactions, receipts, withdrawals): item `i` under key RLP(i).
pub fn ordered_root<T: AsRef<[u8]>>(items: &[T]) -> B256 {
    root_of(
        items.iter().enumerate().map(|(i, v)| (alloy_rlp::encode(i as u64), v.as_ref().to_vec())).collect(),
    )
}

/// Root of a storage trie; zero values are left out, as the trie never holds them.
pub fn storage_root(slots: impl IntoIterator<Item = (U256, U256)>) -> B256 {
    let leaves = slots
        .into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(k, v)| (keccak256(k.to_be_bytes::<32>()).to_vec(), alloy_rlp::encode(v)))
        .collect();
    root_of(leaves)
}

/// Root of a state trie of `accounts`; every account given is in the trie.
pub fn state_root(accounts: impl IntoIterator<Item = (Address, TrieAccount)>) -> B256 {
    root_of(accounts.into_iter().map(|(a, acc)| (keccak256(a).to_vec(), acc.rlp())).collect())
}

/// The state root of an [`InMemoryDb`].
pub fn db_state_root(db: &InMemoryDb) -> B256 {
    state_root(db.accounts().map(|(address, a)| {
        let account = TrieAccount {
            nonce: a.info.nonce,
            balance: a.info.balance,
            storage_root: storage_root(a.storage.iter().map(|(k, v)| (*k, *v))),
            code_hash: a.info.code_hash,
        };
        (*address, account)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_primitives::KECCAK_EMPTY;

    #[test]
    fn empty_tries() {
        assert_eq!(storage_root([]), EMPTY_ROOT);
        assert_eq!(storage_root([(U256::from(1), U256::ZERO)]), EMPTY_ROOT);
        assert_eq!(state_root([]), EMPTY_ROOT);
        assert_eq!(ordered_root::<Vec<u8>>(&[]), EMPTY_ROOT);
    }

    #[test]
    fn account_rlp_of_empty_account() {
        let a =
            TrieAccount { nonce: 0, balance: U256::ZERO, storage_root: EMPTY_ROOT, code_hash: KECCAK_EMPTY };
        // f8 44 80 80 a0 <root> a0 <code hash>
        let rlp = a.rlp();
        assert_eq!(&rlp[..5], &[0xf8, 0x44, 0x80, 0x80, 0xa0]);
        assert_eq!(rlp.len(), 70);
    }

    #[test]
    fn ordered_root_of_one_short_item_is_the_hash_of_its_leaf() {
        // One leaf: key RLP(0) = 0x80, nibbles [8, 0], value 0x01. The leaf node is
        // RLP([hex-prefix(even leaf) = 0x20 0x80, 0x01]) = c4 82 20 80 01, hashed as the root.
        let root = ordered_root(&[vec![0x01u8]]);
        assert_eq!(root, keccak256([0xc4, 0x82, 0x20, 0x80, 0x01]));
    }
}
