//! The multi-version memory: every transaction's latest writes, by account and storage slot, so
//! that a transaction executing speculatively reads what the transactions before it in the
//! block wrote (as far as they have run), not the state before the block.
//!
//! It only feeds speculation: the committer validates each transaction's reads against the
//! real state in block order, so a stale or torn read here costs a re-execution, never a wrong
//! result. That is why a slot read takes two locks one after the other rather than both at once.

use super::sync::{Mutex, RwLock};
use alloy_primitives::map::HashMap;

use kestrel_primitives::{Address, B256, Bytes, U256};
use kestrel_state::{AccountInfo, StateChanges};

/// A location a transaction writes: an account (balance, nonce and code together) or a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// The account at the address.
    Account(Address),
    /// A storage slot of the account.
    Slot(Address, U256),
}

/// The address and the slot as 128-, 32- and 64-bit words for the (seeded) foldhash of the
/// shards: the derived impl fed them as byte slices through its long-input path.
impl core::hash::Hash for Key {
    #[inline]
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        let address = |a: &Address, state: &mut H| {
            let (high, low) = a.0.0.split_at(16);
            state.write_u128(u128::from_le_bytes(high.try_into().unwrap_or_default()));
            state.write_u32(u32::from_le_bytes(low.try_into().unwrap_or_default()));
        };
        match self {
            Key::Account(a) => address(a, state),
            Key::Slot(a, key) => {
                address(a, state);
                let [w, x, y, z] = *key.as_limbs();
                state.write_u128((x as u128) << 64 | w as u128);
                state.write_u128((z as u128) << 64 | y as u128);
            }
        }
    }
}

/// What a transaction wrote at a [`Key`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// The account after the transaction (`None`: deleted), and whether its storage from before
    /// the transaction is gone (deleted or created afresh).
    Account { info: Option<AccountInfo>, storage_cleared: bool },
    /// The slot's value after the transaction.
    Slot(U256),
}

/// Which execution of which transaction wrote a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    /// The transaction's index in the block.
    pub(crate) tx: usize,
    /// Its execution: 0 speculative, 1 the committer's.
    pub(crate) incarnation: u32,
}

/// Shards of the map, so that threads writing different keys rarely share a lock.
const SHARDS: usize = 64;

/// The writes at one key, by transaction index, ascending. Most keys are written by one
/// transaction (a one-entry vector: a B-tree allocated an eleven-entry node per key), and
/// executions are mostly recorded in block order, so an insertion is mostly a push.
type Versions = Vec<(usize, u32, Value)>;

/// The latest write in `versions` by a transaction below `below`.
fn latest_in(versions: &Versions, below: usize) -> Option<&(usize, u32, Value)> {
    let end = versions.partition_point(|v| v.0 < below);
    end.checked_sub(1).and_then(|i| versions.get(i))
}

/// The multi-version memory of one block.
#[derive(Debug)]
pub(crate) struct MvMemory {
    shards: Vec<RwLock<HashMap<Key, Versions>>>,
    /// Code deployed by the block's transactions, by hash (never removed: content-addressed).
    code: RwLock<HashMap<B256, Bytes>>,
    /// The incarnation of each transaction's last recorded execution and the keys it wrote, to
    /// remove them when a later execution replaces it.
    written: Vec<Mutex<(u32, Vec<Key>)>>,
}

fn shard_of(key: &Key) -> usize {
    match key {
        Key::Account(a) => a.0[19] as usize % SHARDS,
        Key::Slot(a, k) => (a.0[19] as usize ^ k.as_limbs()[0] as usize) % SHARDS,
    }
}

impl MvMemory {
    /// An empty memory for a block of `txs` transactions.
    pub(crate) fn new(txs: usize) -> Self {
        // About three keys a transaction (sender, recipient or two slots) over the shards.
        let per_shard = (txs * 3).div_ceil(SHARDS);
        Self {
            shards: (0..SHARDS)
                .map(|_| RwLock::new(HashMap::with_capacity_and_hasher(per_shard, Default::default())))
                .collect(),
            code: RwLock::default(),
            written: (0..txs).map(|_| Mutex::default()).collect(),
        }
    }

    /// The latest write at `key` by a transaction before `tx`.
    pub(crate) fn read(&self, key: &Key, tx: usize) -> Option<(Version, Value)> {
        let shard = self.shards[shard_of(key)].read().unwrap_or_else(|e| e.into_inner());
        let (writer, incarnation, value) = latest_in(shard.get(key)?, tx)?;
        Some((Version { tx: *writer, incarnation: *incarnation }, value.clone()))
    }

    /// The account at `address` as the transactions before `tx` left it, if one wrote it.
    pub(crate) fn read_account(
        &self,
        address: &Address,
        tx: usize,
    ) -> Option<(Version, Option<AccountInfo>)> {
        match self.read(&Key::Account(*address), tx)? {
            (version, Value::Account { info, .. }) => Some((version, info)),
            (_, Value::Slot(_)) => None,
        }
    }

    /// Slot `key` of `address` as the transactions before `tx` left it, if one wrote it or
    /// cleared the account's storage after the last write.
    pub(crate) fn read_slot(&self, address: &Address, key: &U256, tx: usize) -> Option<(Version, U256)> {
        let written = match self.read(&Key::Slot(*address, *key), tx) {
            Some((version, Value::Slot(value))) => Some((version, value)),
            _ => None,
        };
        let after = written.map_or(0, |(v, _)| v.tx + 1);
        let account = Key::Account(*address);
        let shard = self.shards[shard_of(&account)].read().unwrap_or_else(|e| e.into_inner());
        let cleared = shard.get(&account).and_then(|versions| {
            let end = versions.partition_point(|v| v.0 < tx);
            versions[..end].iter().rev().take_while(|v| v.0 >= after).find_map(
                |(writer, incarnation, value)| match value {
                    Value::Account { info, storage_cleared } if *storage_cleared || info.is_none() => {
                        Some(Version { tx: *writer, incarnation: *incarnation })
                    }
                    _ => None,
                },
            )
        });
        match cleared {
            Some(version) => Some((version, U256::ZERO)),
            None => written,
        }
    }

    /// Code with hash `hash` that a transaction of the block deployed.
    pub(crate) fn code(&self, hash: &B256) -> Option<Bytes> {
        self.code.read().unwrap_or_else(|e| e.into_inner()).get(hash).cloned()
    }

    /// Records the writes of execution `incarnation` of transaction `tx`, replacing those of
    /// its previous one (keys it no longer writes are removed). A speculative execution that
    /// finishes after the committer recorded its own (a higher incarnation) is not recorded.
    pub(crate) fn record(&self, tx: usize, incarnation: u32, changes: &StateChanges) {
        let Some(written) = self.written.get(tx) else { return };
        let mut guard = written.lock().unwrap_or_else(|e| e.into_inner());
        let (recorded, written) = &mut *guard;
        if *recorded > incarnation {
            return;
        }
        *recorded = incarnation;
        for key in written.drain(..) {
            let mut shard = self.shards[shard_of(&key)].write().unwrap_or_else(|e| e.into_inner());
            if let Some(versions) = shard.get_mut(&key) {
                if let Ok(at) = versions.binary_search_by_key(&tx, |v| v.0) {
                    versions.remove(at);
                }
                if versions.is_empty() {
                    shard.remove(&key);
                }
            }
        }
        let mut insert = |key: Key, value: Value| {
            let mut shard = self.shards[shard_of(&key)].write().unwrap_or_else(|e| e.into_inner());
            let versions = shard.entry(key).or_default();
            match versions.binary_search_by_key(&tx, |v| v.0) {
                Ok(at) => versions[at] = (tx, incarnation, value),
                Err(at) => versions.insert(at, (tx, incarnation, value)),
            }
            written.push(key);
        };
        for change in &changes.accounts {
            if let Some(info) = &change.info
                && let Some(code) = &info.code
                && !code.is_empty()
            {
                let mut codes = self.code.write().unwrap_or_else(|e| e.into_inner());
                codes.entry(info.code_hash).or_insert_with(|| code.clone());
            }
            let value = Value::Account { info: change.info.clone(), storage_cleared: change.storage_cleared };
            insert(Key::Account(change.address), value);
        }
        for slot in &changes.storage {
            insert(Key::Slot(slot.address, slot.key), Value::Slot(slot.value));
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use kestrel_state::{AccountChange, StorageChange};

    const A: Address = Address::repeat_byte(0xaa);
    const B: Address = Address::repeat_byte(0xbb);

    fn account(balance: u64) -> AccountInfo {
        AccountInfo { balance: U256::from(balance), ..AccountInfo::default() }
    }

    fn changes(
        accounts: &[(Address, Option<AccountInfo>, bool)],
        slots: &[(Address, u64, u64)],
    ) -> StateChanges {
        StateChanges {
            accounts: accounts
                .iter()
                .map(|(address, info, cleared)| AccountChange {
                    address: *address,
                    info: info.clone(),
                    storage_cleared: *cleared,
                })
                .collect(),
            storage: slots
                .iter()
                .map(|(address, key, value)| StorageChange {
                    address: *address,
                    key: U256::from(*key),
                    value: U256::from(*value),
                })
                .collect(),
        }
    }

    #[test]
    fn a_read_sees_the_latest_write_before_it() {
        let mv = MvMemory::new(10);
        mv.record(2, 0, &changes(&[(A, Some(account(2)), false)], &[(B, 1, 20)]));
        mv.record(5, 0, &changes(&[(A, Some(account(5)), false)], &[(B, 1, 50)]));
        assert_eq!(mv.read_account(&A, 2), None, "its own and later writes are not seen");
        assert_eq!(mv.read_account(&A, 3), Some((Version { tx: 2, incarnation: 0 }, Some(account(2)))));
        assert_eq!(mv.read_account(&A, 9), Some((Version { tx: 5, incarnation: 0 }, Some(account(5)))));
        assert_eq!(
            mv.read_slot(&B, &U256::from(1), 5),
            Some((Version { tx: 2, incarnation: 0 }, U256::from(20)))
        );
        assert_eq!(mv.read_slot(&B, &U256::from(2), 9), None);
        assert_eq!(mv.read_account(&B, 9), None);
    }

    #[test]
    fn a_new_execution_replaces_the_writes_of_the_last() {
        let mv = MvMemory::new(4);
        mv.record(1, 0, &changes(&[(A, Some(account(1)), false)], &[(B, 1, 10)]));
        mv.record(1, 1, &changes(&[], &[(B, 2, 11)]));
        assert_eq!(mv.read_account(&A, 3), None, "the account is no longer written");
        assert_eq!(mv.read_slot(&B, &U256::from(1), 3), None);
        assert_eq!(
            mv.read_slot(&B, &U256::from(2), 3),
            Some((Version { tx: 1, incarnation: 1 }, U256::from(11)))
        );
    }

    #[test]
    fn a_cleared_storage_hides_earlier_slot_writes() {
        let mv = MvMemory::new(6);
        mv.record(0, 0, &changes(&[], &[(A, 1, 7)]));
        mv.record(2, 0, &changes(&[(A, None, true)], &[]));
        mv.record(4, 0, &changes(&[(A, Some(account(0)), true)], &[(A, 1, 9)]));
        assert_eq!(
            mv.read_slot(&A, &U256::from(1), 1),
            Some((Version { tx: 0, incarnation: 0 }, U256::from(7)))
        );
        assert_eq!(
            mv.read_slot(&A, &U256::from(1), 3),
            Some((Version { tx: 2, incarnation: 0 }, U256::ZERO))
        );
        assert_eq!(mv.read_account(&A, 3), Some((Version { tx: 2, incarnation: 0 }, None)));
        // Re-created in 4 with the slot written in the same transaction: the write stands.
        assert_eq!(
            mv.read_slot(&A, &U256::from(1), 5),
            Some((Version { tx: 4, incarnation: 0 }, U256::from(9)))
        );
        assert_eq!(
            mv.read_slot(&A, &U256::from(2), 5),
            Some((Version { tx: 4, incarnation: 0 }, U256::ZERO))
        );
    }

    #[test]
    fn code_is_kept_by_hash() {
        let mv = MvMemory::new(1);
        let info = AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x60, 0x01]));
        mv.record(0, 0, &changes(&[(A, Some(info.clone()), true)], &[]));
        assert_eq!(mv.code(&info.code_hash), info.code);
    }

    /// Writers re-record their transactions while readers read: every read sees one whole
    /// recorded value of a transaction below it, never a torn or later one.
    #[test]
    fn concurrent_writers_and_readers() {
        let n = 16;
        let mv = MvMemory::new(n);
        std::thread::scope(|s| {
            for w in 0..2 {
                let mv = &mv;
                s.spawn(move || {
                    for round in 0..200u64 {
                        for tx in (w..n).step_by(2) {
                            let v = tx as u64 * 1000 + round;
                            mv.record(
                                tx,
                                (round % 2) as u32,
                                &changes(&[(A, Some(account(v)), false)], &[(B, 1, v)]),
                            );
                        }
                    }
                });
            }
            for _ in 0..2 {
                let mv = &mv;
                s.spawn(move || {
                    for i in 0..2000 {
                        let tx = i % n;
                        if let Some((version, Some(info))) = mv.read_account(&A, tx) {
                            assert!(version.tx < tx);
                            assert_eq!(info.balance.as_limbs()[0] / 1000, version.tx as u64);
                        }
                        if let Some((version, value)) = mv.read_slot(&B, &U256::from(1), tx) {
                            assert!(version.tx < tx);
                            assert_eq!(value.as_limbs()[0] / 1000, version.tx as u64);
                        }
                    }
                });
            }
        });
    }
}
