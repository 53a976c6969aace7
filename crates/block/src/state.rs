//! A block's pending state: an overlay over the database that the block's `Evm` reads through
//! and commits into, so an invalid block is dropped without touching the database, and a valid
//! one is applied in one [`DatabaseCommit::commit`].

use std::collections::HashMap;
use std::sync::Mutex;

use kestrel_primitives::{Address, B256, Bytes, U256};
use kestrel_state::{
    AccountChange, AccountInfo, Database, DatabaseCommit, DatabaseRef, InMemoryDb, StateChanges,
    StorageChange,
};

use crate::state_trie::{StateTrie, TrieDelta};
use crate::trie::{TrieAccount, state_root, storage_root};

/// One account the block changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAccount {
    /// The account now; `None` when deleted.
    pub info: Option<AccountInfo>,
    /// True when the database's storage of the account no longer applies (deleted or
    /// re-created in this block): only the pending slots count.
    pub storage_cleared: bool,
}

/// The block's net changes so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// Changed accounts.
    pub accounts: HashMap<Address, PendingAccount>,
    /// Written slots (zero values kept: they override the database).
    pub storage: HashMap<Address, HashMap<U256, U256>>,
    /// Code deployed in this block, by hash.
    pub code: HashMap<B256, Bytes>,
}

impl Pending {
    /// Folds one transaction's changes in.
    pub fn apply(&mut self, changes: &StateChanges) {
        for change in &changes.accounts {
            let entry = self
                .accounts
                .entry(change.address)
                .or_insert(PendingAccount { info: None, storage_cleared: false });
            if change.storage_cleared || change.info.is_none() {
                entry.storage_cleared = true;
                self.storage.remove(&change.address);
            }
            if let Some(info) = &change.info
                && let Some(code) = &info.code
                && !code.is_empty()
            {
                self.code.entry(info.code_hash).or_insert_with(|| code.clone());
            }
            entry.info = change.info.clone();
        }
        for slot in &changes.storage {
            self.storage.entry(slot.address).or_default().insert(slot.key, slot.value);
        }
    }

    /// The changes as one [`StateChanges`] for a database to commit.
    pub fn to_changes(&self) -> StateChanges {
        let mut out = StateChanges::default();
        for (address, a) in &self.accounts {
            out.accounts.push(AccountChange {
                address: *address,
                info: a.info.clone(),
                storage_cleared: a.storage_cleared,
            });
        }
        for (address, slots) in &self.storage {
            if self.accounts.get(address).is_some_and(|a| a.info.is_none()) {
                continue;
            }
            for (key, value) in slots {
                out.storage.push(StorageChange { address: *address, key: *key, value: *value });
            }
        }
        out
    }
}

/// A database a block can be executed on: it can take the block's changes and work out the
/// state root the block would leave. Its errors print (`Debug`), as the executor reports them.
pub trait BlockDatabase: Database<Error: core::fmt::Debug> + DatabaseCommit {
    /// The state root of this state with `pending` applied.
    fn state_root_with(&self, pending: &Pending) -> B256;

    /// The database's state trie with its node hashes, when it keeps one in step with its
    /// state ([`TrieDb`](crate::TrieDb)): an [`Overlay`] then takes its roots as changes over it,
    /// rehashing only the paths the block changed since its last root.
    fn state_trie(&self) -> Option<&StateTrie> {
        None
    }

    /// The database as a [`DatabaseRef`] that several threads may read at once, when it is one:
    /// the parallel block executor ([`ExecOptions::threads`](crate::ExecOptions::threads))
    /// needs it, and runs a block sequentially over a database that gives `None`.
    fn shared(&self) -> Option<&(dyn DatabaseRef<Error = <Self as Database>::Error> + Sync)> {
        None
    }
}

impl<T: BlockDatabase + ?Sized> BlockDatabase for &mut T {
    fn state_root_with(&self, pending: &Pending) -> B256 {
        (**self).state_root_with(pending)
    }

    fn state_trie(&self) -> Option<&StateTrie> {
        (**self).state_trie()
    }

    fn shared(&self) -> Option<&(dyn DatabaseRef<Error = <Self as Database>::Error> + Sync)> {
        (**self).shared()
    }
}

impl BlockDatabase for InMemoryDb {
    fn shared(&self) -> Option<&(dyn DatabaseRef<Error = <Self as Database>::Error> + Sync)> {
        Some(self)
    }

    fn state_root_with(&self, pending: &Pending) -> B256 {
        let account = |info: &AccountInfo, storage: B256| TrieAccount {
            nonce: info.nonce,
            balance: info.balance,
            storage_root: storage,
            code_hash: info.code_hash,
        };
        let mut accounts = Vec::with_capacity(self.len() + pending.accounts.len());
        for (address, a) in self.accounts() {
            let slots = pending.storage.get(address);
            let (info, cleared) = match pending.accounts.get(address) {
                Some(PendingAccount { info: None, .. }) => continue,
                Some(PendingAccount { info: Some(info), storage_cleared }) => (info, *storage_cleared),
                None => (&a.info, false),
            };
            let root = match (slots, cleared) {
                (None, false) => storage_root(a.storage.iter().map(|(k, v)| (*k, *v))),
                (None, true) => storage_root([]),
                (Some(slots), true) => storage_root(slots.iter().map(|(k, v)| (*k, *v))),
                (Some(slots), false) => {
                    let mut merged = a.storage.clone();
                    merged.extend(slots.iter().map(|(k, v)| (*k, *v)));
                    storage_root(merged)
                }
            };
            accounts.push((*address, account(info, root)));
        }
        for (address, a) in &pending.accounts {
            if self.account(address).is_some() {
                continue;
            }
            if let Some(info) = &a.info {
                let slots = pending.storage.get(address);
                let root = storage_root(slots.into_iter().flatten().map(|(k, v)| (*k, *v)));
                accounts.push((*address, account(info, root)));
            }
        }
        state_root(accounts)
    }
}

/// The database a block's `Evm` runs on: `base` with the block's [`Pending`] changes on top.
#[derive(Debug)]
pub struct Overlay<DB> {
    /// The state before the block.
    pub base: DB,
    /// The block's changes so far. Change them through [`DatabaseCommit::commit`] only: the
    /// roots kept between calls of [`state_root`](Self::state_root) follow its commits.
    pub pending: Pending,
    /// Over a base that keeps a [`StateTrie`]: the pending changes as of the last root, and the
    /// accounts changed since (with "storage cleared since").
    roots: Mutex<Roots>,
}

#[derive(Debug, Default)]
struct Roots {
    delta: Option<TrieDelta>,
    changed: HashMap<Address, bool>,
}

impl<DB> Overlay<DB> {
    /// An overlay with `pending` already applied over `base` (the parallel executor's view of
    /// the state before the block's first transaction).
    pub fn with_pending(base: DB, pending: Pending) -> Self {
        Self { base, pending, roots: Mutex::default() }
    }
}

impl<DB: BlockDatabase> Overlay<DB> {
    /// An overlay with nothing pending.
    pub fn new(base: DB) -> Self {
        Self { base, pending: Pending::default(), roots: Mutex::default() }
    }

    /// The state root with the pending changes applied. Over a base with a [`StateTrie`] the
    /// root is kept between calls: each call rehashes only the accounts and slots changed
    /// since the previous one (pre-Byzantium receipts take one after every transaction).
    pub fn state_root(&self) -> B256 {
        let Some(base) = self.base.state_trie() else {
            return self.base.state_root_with(&self.pending);
        };
        let mut roots = self.roots.lock().unwrap_or_else(|e| e.into_inner());
        let Roots { delta, changed } = &mut *roots;
        let delta = delta.get_or_insert_with(|| TrieDelta::new(base));
        delta.apply_pending(base, &self.pending, changed.iter().map(|(a, c)| (a, *c)));
        changed.clear();
        delta.root()
    }
}

impl<DB: Database> Database for Overlay<DB> {
    type Error = DB::Error;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        match self.pending.accounts.get(address) {
            Some(a) => Ok(a.info.clone()),
            None => self.base.basic(address),
        }
    }

    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        match self.pending.code.get(code_hash) {
            Some(code) => Ok(code.clone()),
            None => self.base.code_by_hash(code_hash),
        }
    }

    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        if let Some(v) = self.pending.storage.get(address).and_then(|s| s.get(key)) {
            return Ok(*v);
        }
        match self.pending.accounts.get(address) {
            Some(a) if a.storage_cleared || a.info.is_none() => Ok(U256::ZERO),
            _ => self.base.storage(address, key),
        }
    }

    /// A pending non-zero slot, else the database's answer unless the block cleared the
    /// storage. (A database slot the block zeroed one by one still counts here; EIP-7610 then
    /// calls the address occupied, which needs every slot of a contract emptied by SSTORE and a
    /// CREATE2 to the same address in one block.)
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        if self.pending.storage.get(address).is_some_and(|s| s.values().any(|v| !v.is_zero())) {
            return Ok(true);
        }
        match self.pending.accounts.get(address) {
            Some(a) if a.storage_cleared || a.info.is_none() => Ok(false),
            _ => self.base.has_storage(address),
        }
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.base.block_hash(number)
    }
}

// The same answers as the `Database` impl above, through a shared reference.
impl<DB: DatabaseRef> DatabaseRef for Overlay<DB> {
    type Error = DB::Error;

    fn basic_ref(&self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        match self.pending.accounts.get(address) {
            Some(a) => Ok(a.info.clone()),
            None => self.base.basic_ref(address),
        }
    }

    fn code_by_hash_ref(&self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        match self.pending.code.get(code_hash) {
            Some(code) => Ok(code.clone()),
            None => self.base.code_by_hash_ref(code_hash),
        }
    }

    fn storage_ref(&self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        if let Some(v) = self.pending.storage.get(address).and_then(|s| s.get(key)) {
            return Ok(*v);
        }
        match self.pending.accounts.get(address) {
            Some(a) if a.storage_cleared || a.info.is_none() => Ok(U256::ZERO),
            _ => self.base.storage_ref(address, key),
        }
    }

    fn has_storage_ref(&self, address: &Address) -> Result<bool, Self::Error> {
        if self.pending.storage.get(address).is_some_and(|s| s.values().any(|v| !v.is_zero())) {
            return Ok(true);
        }
        match self.pending.accounts.get(address) {
            Some(a) if a.storage_cleared || a.info.is_none() => Ok(false),
            _ => self.base.has_storage_ref(address),
        }
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.base.block_hash_ref(number)
    }
}

impl<DB> DatabaseCommit for Overlay<DB> {
    fn commit(&mut self, changes: &StateChanges) {
        self.pending.apply(changes);
        let changed = &mut self.roots.get_mut().unwrap_or_else(|e| e.into_inner()).changed;
        for change in &changes.accounts {
            *changed.entry(change.address).or_default() |= change.storage_cleared || change.info.is_none();
        }
        for slot in &changes.storage {
            changed.entry(slot.address).or_default();
        }
    }
}
