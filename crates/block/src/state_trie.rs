//! The state trie kept between roots: [`StateTrie`] (the account trie and every account's
//! storage trie, with their node hashes), [`TrieDelta`] (changes over one, rehashing only their
//! paths) and [`TrieDb`] (an [`InMemoryDb`] that keeps its `StateTrie` in step with every
//! commit, so a block's state root costs what the block changed).

use std::collections::{HashMap, HashSet};

use kestrel_primitives::{Address, B256, Bytes, U256, keccak256};
use kestrel_state::{AccountInfo, Database, DatabaseCommit, DatabaseRef, InMemoryDb, StateChanges};

use crate::mpt::Trie;
use crate::state::{BlockDatabase, Pending, PendingAccount};
use crate::trie::{EMPTY_ROOT, TrieAccount};

/// The storage trie key of `slot`: keccak256 of its 32 big-endian bytes.
fn slot_key(slot: &U256) -> [u8; 32] {
    keccak256(slot.to_be_bytes::<32>()).0
}

/// One account of a [`StateTrie`]: the fields of its leaf and its storage trie.
#[derive(Clone, Debug)]
struct Entry {
    nonce: u64,
    balance: U256,
    code_hash: B256,
    storage: Trie,
}

impl Entry {
    fn new(nonce: u64, balance: U256, code_hash: B256) -> Self {
        Entry { nonce, balance, code_hash, storage: Trie::new() }
    }

    /// The account's leaf value, RLP([nonce, balance, storage_root, code_hash]).
    fn leaf(&self) -> Vec<u8> {
        TrieAccount {
            nonce: self.nonce,
            balance: self.balance,
            storage_root: self.storage.root(),
            code_hash: self.code_hash,
        }
        .rlp()
    }

    fn set_slot(&mut self, slot: &U256, value: &U256) {
        if value.is_zero() {
            self.storage.remove(&slot_key(slot));
        } else {
            self.storage.insert(&slot_key(slot), &alloy_rlp::encode(value));
        }
    }
}

/// The state trie of a whole state, kept with its node hashes: the root after a change costs
/// the paths the change touched ([`TrieDelta`]).
#[derive(Clone, Debug, Default)]
pub struct StateTrie {
    accounts: Trie,
    entries: HashMap<Address, Entry>,
}

impl StateTrie {
    /// The trie of everything in `db` (zero slots are never stored there).
    pub fn from_db(db: &InMemoryDb) -> Self {
        let mut entries = HashMap::with_capacity(db.len());
        let mut leaves = Vec::with_capacity(db.len());
        for (address, a) in db.accounts() {
            let slots = a.storage.iter().map(|(k, v)| (slot_key(k), alloy_rlp::encode(v))).collect();
            let entry = Entry {
                nonce: a.info.nonce,
                balance: a.info.balance,
                code_hash: a.info.code_hash,
                storage: Trie::from_leaves(slots),
            };
            leaves.push((keccak256(address).0, entry.leaf()));
            entries.insert(*address, entry);
        }
        StateTrie { accounts: Trie::from_leaves(leaves), entries }
    }

    /// The state root.
    pub fn root(&self) -> B256 {
        self.accounts.root()
    }

    /// The storage root of `address` ([`EMPTY_ROOT`] for an absent account).
    pub fn storage_root(&self, address: &Address) -> B256 {
        self.entries.get(address).map_or(EMPTY_ROOT, |e| e.storage.root())
    }

    /// Makes the changes of `delta` (taken over this trie) this trie's own.
    pub fn merge(&mut self, mut delta: TrieDelta) {
        delta.flush();
        self.accounts = delta.accounts;
        for (address, entry) in delta.entries {
            match entry {
                Some(entry) => {
                    self.entries.insert(address, entry);
                }
                None => {
                    self.entries.remove(&address);
                }
            }
        }
    }
}

/// Changes over a [`StateTrie`] (the base, passed to every call), owning only what they
/// touched: the account trie (a snapshot of the base's, sharing every untouched node) and the
/// changed accounts. Its root rehashes the changed paths alone.
#[derive(Clone, Debug)]
pub struct TrieDelta {
    accounts: Trie,
    /// Changed accounts: `None` when deleted.
    entries: HashMap<Address, Option<Entry>>,
    /// Accounts whose leaf is not yet updated in `accounts`.
    dirty: HashSet<Address>,
}

impl TrieDelta {
    /// No changes over `base`.
    pub fn new(base: &StateTrie) -> Self {
        TrieDelta { accounts: base.accounts.clone(), entries: HashMap::new(), dirty: HashSet::new() }
    }

    /// The account at `address` as changed so far, made a changed account (copied from the
    /// base on first use) whose leaf the next root updates.
    fn entry<'a>(&'a mut self, base: &StateTrie, address: &Address) -> &'a mut Option<Entry> {
        self.dirty.insert(*address);
        self.entries.entry(*address).or_insert_with(|| base.entries.get(address).cloned())
    }

    /// Deletes the account at `address` with its storage.
    pub fn delete(&mut self, base: &StateTrie, address: &Address) {
        *self.entry(base, address) = None;
    }

    /// Sets the account fields of `address` (creating it, with empty storage, when absent).
    pub fn set_account(
        &mut self,
        base: &StateTrie,
        address: &Address,
        nonce: u64,
        balance: U256,
        code_hash: B256,
    ) {
        match self.entry(base, address) {
            Some(e) => {
                e.nonce = nonce;
                e.balance = balance;
                e.code_hash = code_hash;
            }
            absent @ None => *absent = Some(Entry::new(nonce, balance, code_hash)),
        }
    }

    /// Empties the storage of `address` (nothing when the account is absent).
    pub fn clear_storage(&mut self, base: &StateTrie, address: &Address) {
        if let Some(e) = self.entry(base, address) {
            e.storage = Trie::new();
        }
    }

    /// Sets slot `key` of `address` to `value` (zero deletes it). A slot of an absent account
    /// is ignored, as storage cannot exist without its account.
    pub fn set_slot(&mut self, base: &StateTrie, address: &Address, key: &U256, value: &U256) {
        if let Some(e) = self.entry(base, address) {
            e.set_slot(key, value);
        }
    }

    /// Applies a transaction's changes as [`InMemoryDb`]'s commit does: deletions and storage
    /// wipes, account updates, then slot writes.
    pub fn apply_changes(&mut self, base: &StateTrie, changes: &StateChanges) {
        for change in &changes.accounts {
            match &change.info {
                None => self.delete(base, &change.address),
                Some(info) => {
                    self.set_account(base, &change.address, info.nonce, info.balance, info.code_hash);
                    if change.storage_cleared {
                        self.clear_storage(base, &change.address);
                    }
                }
            }
        }
        for slot in &changes.storage {
            self.set_slot(base, &slot.address, &slot.key, &slot.value);
        }
    }

    /// Brings the accounts `addresses` and the slots of `changes` to their values in `db`, the
    /// state the base trie was taken from with `changes` (and whatever changed `addresses`)
    /// applied. Values are read from `db`, so the trie follows the database whatever it made of
    /// the changes; an account whose storage was cleared gets its storage from `db` in full.
    pub fn sync_from_db<'a>(
        &mut self,
        base: &StateTrie,
        db: &InMemoryDb,
        changes: &StateChanges,
        addresses: impl IntoIterator<Item = &'a Address>,
    ) {
        let sync_account = |delta: &mut Self, address: &Address, cleared: bool| match db.account(address) {
            None => delta.delete(base, address),
            Some(a) => {
                let existed = delta.entry(base, address).is_some();
                delta.set_account(base, address, a.info.nonce, a.info.balance, a.info.code_hash);
                if cleared || !existed {
                    delta.clear_storage(base, address);
                    for (key, value) in &a.storage {
                        delta.set_slot(base, address, key, value);
                    }
                }
            }
        };
        for change in &changes.accounts {
            sync_account(self, &change.address, change.storage_cleared || change.info.is_none());
        }
        for address in addresses {
            sync_account(self, address, false);
        }
        for slot in &changes.storage {
            let value = db.storage_value(&slot.address, &slot.key);
            self.set_slot(base, &slot.address, &slot.key, &value);
        }
    }

    /// Applies the accounts `addresses` of a block's `pending` changes, with the values
    /// `pending` gives them over the base: an account it deleted is deleted; one whose storage
    /// it cleared keeps only its pending slots. Applying an account again after further
    /// changes brings it up to date (slots already at their value cost a lookup each).
    pub fn apply_pending<'a>(
        &mut self,
        base: &StateTrie,
        pending: &Pending,
        addresses: impl IntoIterator<Item = (&'a Address, bool)>,
    ) {
        for (address, cleared_since) in addresses {
            let account = pending.accounts.get(address);
            match account {
                Some(PendingAccount { info: None, .. }) => {
                    self.delete(base, address);
                    continue;
                }
                Some(PendingAccount { info: Some(info), storage_cleared }) => {
                    let existed = self.entry(base, address).is_some();
                    self.set_account(base, address, info.nonce, info.balance, info.code_hash);
                    if (*storage_cleared && cleared_since) || !existed {
                        self.clear_storage(base, address);
                    }
                }
                None => {}
            }
            if let Some(slots) = pending.storage.get(address) {
                for (key, value) in slots {
                    self.set_slot(base, address, key, value);
                }
            }
        }
    }

    /// Updates the account trie's leaves of the changed accounts.
    fn flush(&mut self) {
        for address in self.dirty.drain() {
            let key = keccak256(address).0;
            match self.entries.get(&address) {
                Some(Some(entry)) => self.accounts.insert(&key, &entry.leaf()),
                _ => {
                    self.accounts.remove(&key);
                }
            }
        }
    }

    /// The state root with the changes so far.
    pub fn root(&mut self) -> B256 {
        self.flush();
        self.accounts.root()
    }
}

/// An [`InMemoryDb`] with its [`StateTrie`] kept in step: every commit updates the trie's
/// changed paths, so a state root (of the database, or of a block's pending changes over it)
/// rehashes only what changed since the last one.
#[derive(Clone, Debug, Default)]
pub struct TrieDb {
    db: InMemoryDb,
    trie: StateTrie,
}

impl TrieDb {
    /// `db` with its trie built.
    pub fn new(db: InMemoryDb) -> Self {
        let trie = StateTrie::from_db(&db);
        TrieDb { db, trie }
    }

    /// The state.
    pub fn db(&self) -> &InMemoryDb {
        &self.db
    }

    /// The state trie.
    pub fn trie(&self) -> &StateTrie {
        &self.trie
    }

    /// The state root.
    pub fn state_root(&self) -> B256 {
        self.trie.root()
    }

    /// Records the hash of block `number` for BLOCKHASH (not part of the state trie).
    pub fn insert_block_hash(&mut self, number: u64, hash: B256) {
        self.db.insert_block_hash(number, hash);
    }

    /// The database, giving up the trie.
    pub fn into_inner(self) -> InMemoryDb {
        self.db
    }
}

impl Database for TrieDb {
    type Error = core::convert::Infallible;

    #[inline]
    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.db.basic(address)
    }

    #[inline]
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.db.code_by_hash(code_hash)
    }

    #[inline]
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        self.db.storage(address, key)
    }

    #[inline]
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        self.db.has_storage(address)
    }

    #[inline]
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.db.block_hash(number)
    }
}

impl DatabaseRef for TrieDb {
    type Error = core::convert::Infallible;

    #[inline]
    fn basic_ref(&self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.db.basic_ref(address)
    }

    #[inline]
    fn code_by_hash_ref(&self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.db.code_by_hash_ref(code_hash)
    }

    #[inline]
    fn storage_ref(&self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        self.db.storage_ref(address, key)
    }

    #[inline]
    fn has_storage_ref(&self, address: &Address) -> Result<bool, Self::Error> {
        self.db.has_storage_ref(address)
    }

    #[inline]
    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.db.block_hash_ref(number)
    }
}

impl DatabaseCommit for TrieDb {
    fn commit(&mut self, changes: &StateChanges) {
        self.db.commit(changes);
        let mut delta = TrieDelta::new(&self.trie);
        delta.sync_from_db(&self.trie, &self.db, changes, []);
        self.trie.merge(delta);
    }
}

impl BlockDatabase for TrieDb {
    fn state_root_with(&self, pending: &Pending) -> B256 {
        let mut delta = TrieDelta::new(&self.trie);
        delta.apply_pending(&self.trie, pending, pending_addresses(pending));
        delta.root()
    }

    fn state_trie(&self) -> Option<&StateTrie> {
        Some(&self.trie)
    }

    fn shared(&self) -> Option<&(dyn DatabaseRef<Error = <Self as Database>::Error> + Sync)> {
        Some(self)
    }
}

/// Every account `pending` changed, each with "storage cleared" set.
pub(crate) fn pending_addresses(pending: &Pending) -> impl Iterator<Item = (&Address, bool)> {
    let storage_only = pending.storage.keys().filter(|a| !pending.accounts.contains_key(*a));
    pending.accounts.keys().chain(storage_only).map(|a| (a, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Overlay;
    use crate::trie::db_state_root;
    use kestrel_primitives::Bytes;
    use kestrel_state::{AccountChange, StorageChange};
    use proptest::prelude::*;

    fn address(i: u8) -> Address {
        Address::with_last_byte(i % 6 + 1)
    }

    fn info(nonce: u8, balance: u8, code: u8) -> AccountInfo {
        let code = match code % 3 {
            0 => Bytes::new(),
            1 => Bytes::from_static(&[0x60, 0x00]),
            _ => Bytes::from(vec![code; 40]),
        };
        AccountInfo::new(U256::from(balance % 3), u64::from(nonce % 3), code)
    }

    /// (address, delete?, cleared?, nonce, balance, code) and (address, slot, value).
    type RawChanges = (Vec<(u8, bool, bool, u8, u8, u8)>, Vec<(u8, u8, u8)>);

    fn changes_of((accounts, slots): &RawChanges) -> StateChanges {
        StateChanges {
            accounts: accounts
                .iter()
                .map(|&(a, delete, cleared, n, b, c)| AccountChange {
                    address: address(a),
                    info: (!delete).then(|| info(n, b, c)),
                    storage_cleared: cleared || delete,
                })
                .collect(),
            storage: slots
                .iter()
                .map(|&(a, k, v)| StorageChange {
                    address: address(a),
                    key: U256::from(k % 12),
                    value: U256::from(v % 3),
                })
                .collect(),
        }
    }

    fn raw_changes() -> impl Strategy<Value = RawChanges> {
        (
            proptest::collection::vec(
                (
                    any::<u8>(),
                    proptest::bool::weighted(0.15),
                    proptest::bool::weighted(0.15),
                    any::<u8>(),
                    any::<u8>(),
                    any::<u8>(),
                ),
                0..4,
            ),
            proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..10),
        )
    }

    fn pre_db(accounts: &[(u8, u8, u8, u8)], slots: &[(u8, u8, u8)]) -> InMemoryDb {
        let mut db = InMemoryDb::new();
        for &(a, n, b, c) in accounts {
            db.insert_account(address(a), info(n, b, c));
        }
        for &(a, k, v) in slots {
            if db.account(&address(a)).is_some() {
                db.insert_storage(address(a), U256::from(k % 12), U256::from(v % 3));
            }
        }
        db
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A `TrieDb` committed to transaction by transaction has the root computed from
        /// scratch after each commit; an `Overlay` over it, taking a root between some of the
        /// commits (as pre-Byzantium receipts do), gives the roots of the from-scratch overlay.
        #[test]
        fn kept_roots_match_roots_from_scratch(
            accounts in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 0..6),
            slots in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..30),
            txs in proptest::collection::vec((raw_changes(), any::<bool>()), 1..8),
            blocks in proptest::collection::vec(proptest::collection::vec(raw_changes(), 0..4), 0..4),
        ) {
            let plain = pre_db(&accounts, &slots);
            let mut kept = TrieDb::new(plain.clone());
            prop_assert_eq!(kept.state_root(), db_state_root(&plain));
            let mut plain = plain;
            // A block: overlays over both, roots compared whenever the flag says.
            {
                let mut over_plain = Overlay::new(&mut plain);
                let mut over_kept = Overlay::new(&mut kept);
                for (raw, take_root) in &txs {
                    let changes = changes_of(raw);
                    over_plain.commit(&changes);
                    over_kept.commit(&changes);
                    if *take_root {
                        prop_assert_eq!(over_kept.state_root(), over_plain.state_root());
                    }
                }
                prop_assert_eq!(over_kept.state_root(), over_plain.state_root());
                let net = over_kept.pending.to_changes();
                drop(over_plain);
                drop(over_kept);
                plain.commit(&net);
                kept.commit(&net);
                prop_assert_eq!(kept.state_root(), db_state_root(&plain));
            }
            // Transactions committed one by one.
            for block in &blocks {
                for raw in block {
                    let changes = changes_of(raw);
                    plain.commit(&changes);
                    kept.commit(&changes);
                    prop_assert_eq!(kept.state_root(), db_state_root(&plain));
                }
            }
            prop_assert_eq!(kept.db().accounts().count(), plain.accounts().count());
        }

        /// A delta synced from a database after changes (plus other touched accounts, as the
        /// state-test runner does for the coinbase) gives the database's root from scratch,
        /// and leaves its base untouched.
        #[test]
        fn synced_delta_matches_the_database(
            accounts in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()), 0..6),
            slots in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..30),
            raw in raw_changes(),
            touched in any::<u8>(),
            remove_touched in any::<bool>(),
        ) {
            let mut db = pre_db(&accounts, &slots);
            let base = StateTrie::from_db(&db);
            let base_root = base.root();
            let changes = changes_of(&raw);
            db.commit(&changes);
            if remove_touched {
                db.remove_account(&address(touched));
            } else if db.account(&address(touched)).is_none() {
                db.insert_account(address(touched), AccountInfo::default());
            }
            let mut delta = TrieDelta::new(&base);
            delta.sync_from_db(&base, &db, &changes, [&address(touched)]);
            prop_assert_eq!(delta.root(), db_state_root(&db));
            prop_assert_eq!(base.root(), base_root);
        }
    }
}
