//! The post-state root and the logs hash of the state tests. The trie itself is the
//! library's ([`kestrel::block::trie`]), shared with the block executor.

use alloy_rlp::{Encodable, Header};
use kestrel::primitives::{Address, B256, Log, keccak256};
use kestrel::state::LogRef;

pub use kestrel::block::trie::{TrieAccount, db_state_root, state_root, storage_root};

use super::case::{PreAccount, PreState};

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

/// keccak256 of RLP(list of [address, [topics…], data]) over `logs`, the `logs` field of a
/// state test's post entry.
pub fn logs_hash(logs: &[Log]) -> B256 {
    logs_hash_of(logs.iter().map(LogRef::from))
}

/// [`logs_hash`] of borrowed logs, e.g. an outcome's
/// ([`Logs`](kestrel::state::Logs)).
pub fn logs_hash_of<'a>(logs: impl IntoIterator<Item = LogRef<'a>>) -> B256 {
    let mut items = Vec::new();
    for log in logs {
        let topics_len: usize = log.topics.iter().map(Encodable::length).sum();
        let payload_length = log.address.length()
            + Header { list: true, payload_length: topics_len }.length_with_payload()
            + log.data.length();
        Header { list: true, payload_length }.encode(&mut items);
        log.address.encode(&mut items);
        Header { list: true, payload_length: topics_len }.encode(&mut items);
        for t in log.topics {
            t.encode(&mut items);
        }
        log.data.encode(&mut items);
    }
    let mut out = Vec::with_capacity(items.len() + 9);
    Header { list: true, payload_length: items.len() }.encode(&mut out);
    out.extend_from_slice(&items);
    keccak256(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel::primitives::{Bytes, LogData, address, b256};

    #[test]
    fn empty_logs() {
        // keccak256(0xc0), the logs hash of every state test without logs.
        assert_eq!(logs_hash(&[]), b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"));
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
