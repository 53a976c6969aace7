//! The post-state root (secure Merkle-Patricia trie, Yellow Paper appendix D) and the logs
//! hash of the state tests.
//!
//! The account trie maps keccak256(address) to RLP([nonce, balance, storage_root, code_hash]);
//! each storage trie maps keccak256(slot as 32 bytes) to RLP(value) for non-zero values only.
//! Leaves are hashed, sorted and fed to `alloy_trie::HashBuilder`, which does the node
//! encoding.

use alloy_rlp::{Encodable, Header};
use alloy_trie::{HashBuilder, Nibbles};
use kestrel::primitives::{Address, B256, Log, U256, keccak256};
use kestrel::state::InMemoryDb;

use super::case::{PreAccount, PreState};

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

/// Root of a trie given (unhashed key, value) leaves in any order. Keys are hashed here;
/// duplicate keys keep the first value (the maps this is used with have none).
fn secure_root(mut leaves: Vec<(B256, Vec<u8>)>) -> B256 {
    leaves.sort_unstable_by_key(|a| a.0);
    // HashBuilder asserts strictly increasing keys; keccak collisions do not happen, but a
    // caller's duplicate key must not become a panic.
    leaves.dedup_by(|b, a| a.0 == b.0);
    let mut builder = HashBuilder::default();
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Root of a storage trie; zero values are left out, as the trie never holds them.
pub fn storage_root(slots: impl IntoIterator<Item = (U256, U256)>) -> B256 {
    let leaves = slots
        .into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(k, v)| (keccak256(k.to_be_bytes::<32>()), alloy_rlp::encode(v)))
        .collect();
    secure_root(leaves)
}

/// Root of a state trie of `accounts`; every account given is in the trie (the executor
/// has already removed what EIP-161 deletes).
pub fn state_root(accounts: impl IntoIterator<Item = (Address, TrieAccount)>) -> B256 {
    secure_root(accounts.into_iter().map(|(a, acc)| (keccak256(a), acc.rlp())).collect())
}

/// The state root of a fixture's pre-state (zero storage values ignored).
pub fn pre_state_root(pre: &PreState) -> B256 {
    accounts_root(pre.iter())
}

fn accounts_root<'a>(accounts: impl Iterator<Item = (&'a Address, &'a PreAccount)>) -> B256 {
    state_root(accounts.map(|(address, a)| {
        let account = TrieAccount {
            nonce: a.nonce,
            balance: a.balance,
            storage_root: storage_root(a.storage.iter().map(|(k, v)| (*k, *v))),
            code_hash: keccak256(&a.code),
        };
        (*address, account)
    }))
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

/// keccak256 of RLP(list of [address, [topics…], data]) over `logs`, the `logs` field of a
/// state test's post entry.
pub fn logs_hash(logs: &[Log]) -> B256 {
    let items: Vec<Vec<u8>> = logs
        .iter()
        .map(|log| {
            let topics = log.data.topics();
            let topics_len: usize = topics.iter().map(Encodable::length).sum();
            let payload_length = log.address.length()
                + Header { list: true, payload_length: topics_len }.length_with_payload()
                + log.data.data.length();
            let mut out = Vec::with_capacity(payload_length + 9);
            Header { list: true, payload_length }.encode(&mut out);
            log.address.encode(&mut out);
            Header { list: true, payload_length: topics_len }.encode(&mut out);
            for t in topics {
                t.encode(&mut out);
            }
            log.data.data.encode(&mut out);
            out
        })
        .collect();
    let payload_length = items.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(payload_length + 9);
    Header { list: true, payload_length }.encode(&mut out);
    for item in &items {
        out.extend_from_slice(item);
    }
    keccak256(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel::primitives::{Bytes, KECCAK_EMPTY, LogData, address, b256};

    /// keccak256(RLP("")), the root of an empty trie.
    const EMPTY_ROOT: B256 = b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");

    #[test]
    fn empty_tries_and_empty_logs() {
        assert_eq!(storage_root([]), EMPTY_ROOT);
        assert_eq!(storage_root([(U256::from(1), U256::ZERO)]), EMPTY_ROOT);
        assert_eq!(state_root([]), EMPTY_ROOT);
        // keccak256(0xc0), the logs hash of every state test without logs.
        assert_eq!(logs_hash(&[]), b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"));
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
    fn logs_hash_matches_hand_encoding() {
        let log = Log {
            address: address!("00000000000000000000000000000000000000aa"),
            data: LogData::new_unchecked(vec![B256::repeat_byte(1)], Bytes::from(vec![0xff])),
        };
        // [ [0x94 aa.., [0xa0 01..], 0x81 ff] ]
        let mut inner = vec![0x94];
        inner.extend_from_slice(log.address.as_slice());
        inner.extend_from_slice(&[0xe1, 0xa0]);
        inner.extend_from_slice(&[1u8; 32]);
        inner.extend_from_slice(&[0x81, 0xff]);
        let mut list = vec![0xf8, (inner.len() + 2) as u8, 0xf8, inner.len() as u8];
        list.extend_from_slice(&inner);
        assert_eq!(logs_hash(&[log]), keccak256(&list));
    }
}
