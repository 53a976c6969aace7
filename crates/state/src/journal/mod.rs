//! The [`Journal`]: per-transaction state over a [`Database`], with checkpoints.
//!
//! This file holds the data layout and the lookup machinery (arenas, indexes, the small caches,
//! warm stamps, checkpoints); the operations live in `accounts.rs` and `storage.rs`, the end of a
//! transaction in `finalize.rs`. The crate documentation explains the design.

mod accounts;
mod entry;
mod finalize;
mod storage;
mod types;

pub use types::{Checkpoint, CreateError, InsufficientBalance};

use crate::logs::{LogArena, Logs};
use crate::{Database, StateChanges, account::has_no_code};
use alloy_primitives::map::{AddressMap, HashMap};
use entry::{Entry, SideStacks};
use kestrel_primitives::{Address, B256, Bytes, KECCAK_EMPTY, SpecId, U256};

/// Flag: the account was touched (EIP-161); empty touched accounts are deleted at the end of the
/// transaction from Spurious Dragon on.
pub(crate) const TOUCHED: u8 = 1;
/// Flag: the account was created by CREATE/CREATE2 in this transaction (EIP-6780).
pub(crate) const CREATED: u8 = 2;
/// Flag: the account is scheduled for deletion by SELFDESTRUCT.
pub(crate) const DESTROYED: u8 = 4;

/// The handle no entry has: marks an empty cache line.
const NO_HANDLE: u32 = u32::MAX;

/// Lines of the recent-accounts cache (a power of two).
const RECENT_ACCOUNTS: usize = 8;

/// The recent-accounts line of `address`.
#[inline(always)]
fn recent_line(address: &Address) -> usize {
    address.0[19] as usize & (RECENT_ACCOUNTS - 1)
}

/// One account in the arena: its current values, its per-transaction flags and its stamps.
#[derive(Debug)]
pub(crate) struct AccountEntry {
    pub(crate) address: Address,
    pub(crate) balance: U256,
    pub(crate) nonce: u64,
    /// Always `KECCAK_EMPTY` for an account without code.
    pub(crate) code_hash: B256,
    /// `None` until first needed when the database served the account without code.
    pub(crate) code: Option<Bytes>,
    pub(crate) exists: bool,
    /// `TOUCHED | CREATED | DESTROYED`, all zero between transactions.
    pub(crate) flags: u8,
    /// The database's storage for this account is gone (deleted or created in an earlier
    /// transaction of this cache): slots not cached are zero, the database is not asked.
    pub(crate) storage_cleared: bool,
    /// The transaction id that warmed the account (EIP-2929).
    pub(crate) warm: u32,
    /// The transaction id that last put the account on the dirty list.
    pub(crate) dirty: u32,
    /// Bumped when the storage is wiped; slots of an older generation read as zero.
    pub(crate) storage_gen: u32,
    /// Cached slots of the current generation holding a non-zero value (for EIP-7610).
    pub(crate) nonzero_slots: u32,
}

impl AccountEntry {
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == KECCAK_EMPTY
    }
}

/// One storage slot in the arena.
#[derive(Debug)]
pub(crate) struct SlotEntry {
    pub(crate) account: u32,
    pub(crate) generation: u32,
    /// The transaction id that warmed the slot (EIP-2929).
    pub(crate) warm: u32,
    /// The transaction id that first wrote the slot; `original` is valid only while it is the
    /// current one, otherwise the original value is `present`.
    pub(crate) dirty: u32,
    pub(crate) key: U256,
    pub(crate) present: U256,
    pub(crate) original: U256,
}

/// A cache entry holding a default because the database failed to give the real value; evicted
/// when the transaction ends, so a later transaction asks the database again.
#[derive(Clone, Copy, Debug)]
enum FailedLoad {
    /// The account read as absent.
    Account(u32),
    /// The account's code read as empty.
    Code(u32),
    /// The slot read as zero.
    Slot(u32),
}

/// The slot index key: the account's handle instead of its address keeps the key at 36 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SlotKey {
    account: u32,
    key: U256,
}

/// The key's limbs as two 128-bit words and the handle: three multiplies in the index's
/// (seeded) foldhash. The derived impl hashed the key as 32 bytes through foldhash's long-input
/// path, a quarter of a warm SLOAD (snailtracer spends 7 % of its time in SLOAD).
impl core::hash::Hash for SlotKey {
    #[inline]
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        let [a, b, c, d] = *self.key.as_limbs();
        state.write_u128((b as u128) << 64 | a as u128);
        state.write_u128((d as u128) << 64 | c as u128);
        state.write_u32(self.account);
    }
}

/// An account changed in this transaction, with its values at the start of the transaction.
#[derive(Debug)]
pub(crate) struct DirtyAccount {
    pub(crate) handle: u32,
    pub(crate) balance: U256,
    pub(crate) nonce: u64,
    pub(crate) code_hash: B256,
    pub(crate) exists: bool,
}

/// The state of one transaction over a [`Database`], and a cache of the state left by the
/// transactions before it.
///
/// Reads go through the caches to the arenas and only then to the database; every change is
/// recorded as an undoable entry so [`revert_to`](Self::revert_to) restores exactly the state
/// at a [`Checkpoint`]. A transaction ends with [`finalize`](Self::finalize) (keep its changes)
/// or [`discard`](Self::discard) (drop them); both keep the cache and all capacity.
#[derive(Debug)]
pub struct Journal<DB: Database> {
    db: DB,
    spec: SpecId,
    /// The current transaction id; never zero, so a fresh stamp of 0 is always stale.
    tx: u32,
    accounts: Vec<AccountEntry>,
    account_index: AddressMap<u32>,
    slots: Vec<SlotEntry>,
    slot_index: HashMap<SlotKey, u32>,
    /// The accounts used last, direct-mapped by the address's last byte: a transaction's
    /// sender, recipient and coinbase alternate, and a one-entry cache missed on each switch.
    recent_accounts: [(Address, u32); RECENT_ACCOUNTS],
    /// The two slots used last, newest first; the entry itself holds the account and key to
    /// compare, so a line is just a handle.
    last_slots: [u32; 2],
    entries: Vec<Entry>,
    side: SideStacks,
    /// The logs of the current transaction, or after it ended, of the transaction just ended:
    /// cleared by [`clear_logs`](Self::clear_logs), not by `finalize` or `discard`, so an
    /// outcome can borrow them until the next transaction starts.
    logs: LogArena,
    transient: HashMap<(Address, U256), U256>,
    dirty_accounts: Vec<DirtyAccount>,
    dirty_slots: Vec<u32>,
    changes: StateChanges,
    error: Option<DB::Error>,
    /// A database error happened in this transaction: the entries in `failed` hold defaults.
    poisoned: bool,
    /// Cache entries filled with defaults after a database error.
    failed: Vec<FailedLoad>,
    /// The last list given to `prewarm_accounts`, with its handles; emptied whenever handles
    /// may change (reset, eviction).
    prewarmed: Prewarmed,
    /// An address [`prewarm_account_lazily`](Self::prewarm_account_lazily) warmed without
    /// loading it, with the transaction id it is warm for: loaded later in that transaction, it
    /// starts warm.
    lazy_warm: Vec<Address>,
    /// The transaction `lazy_warm` is for; the list is stale in any other.
    lazy_warm_tx: u32,
}

/// A list of addresses and their arena handles, index for index.
#[derive(Debug, Default)]
struct Prewarmed {
    addresses: Vec<Address>,
    handles: Vec<u32>,
}

impl Prewarmed {
    fn forget(&mut self) {
        self.addresses.clear();
        self.handles.clear();
    }
}

impl<DB: Database> Journal<DB> {
    /// A journal over `db` executing under the rules of `spec`.
    pub fn new(db: DB, spec: SpecId) -> Self {
        Self {
            db,
            spec,
            tx: 1,
            accounts: Vec::new(),
            account_index: AddressMap::default(),
            slots: Vec::new(),
            slot_index: HashMap::default(),
            recent_accounts: [(Address::ZERO, NO_HANDLE); RECENT_ACCOUNTS],
            last_slots: [NO_HANDLE; 2],
            entries: Vec::new(),
            side: SideStacks::default(),
            logs: LogArena::default(),
            transient: HashMap::default(),
            dirty_accounts: Vec::new(),
            dirty_slots: Vec::new(),
            changes: StateChanges::default(),
            error: None,
            poisoned: false,
            failed: Vec::new(),
            prewarmed: Prewarmed::default(),
            lazy_warm: Vec::new(),
            lazy_warm_tx: 0,
        }
    }

    /// The fork whose rules the journal applies.
    #[inline]
    pub fn spec(&self) -> SpecId {
        self.spec
    }

    /// The database.
    pub fn db(&self) -> &DB {
        &self.db
    }

    /// The database, mutably. Changing what it holds behind the journal's back requires a
    /// [`reset`](Self::reset) before the next transaction, since the journal caches state.
    pub fn db_mut(&mut self) -> &mut DB {
        &mut self.db
    }

    /// Gives the database back.
    pub fn into_db(self) -> DB {
        self.db
    }

    /// The first database error since the last call, if any. Operations that met an error went
    /// on with a default value (absent account, zero slot, empty code), so the transaction's
    /// result is meaningless and must become an error.
    pub fn take_error(&mut self) -> Option<DB::Error> {
        self.error.take()
    }

    /// True when a database error is waiting in [`take_error`](Self::take_error).
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }

    /// The hash of block `number` from the database (BLOCKHASH); zero on a database error.
    pub fn block_hash(&mut self, number: u64) -> B256 {
        match self.db.block_hash(number) {
            Ok(hash) => hash,
            Err(e) => {
                self.record_error(e);
                B256::ZERO
            }
        }
    }

    #[cold]
    fn record_error(&mut self, error: DB::Error) {
        self.poisoned = true;
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Records `error` and that the entry `failed` now caches a default in place of the
    /// database's value.
    #[cold]
    fn record_failed_load(&mut self, error: DB::Error, failed: FailedLoad) {
        self.record_error(error);
        self.failed.push(failed);
    }

    /// Drops the cache entries filled with defaults after a database error, once the
    /// transaction that met the error has been reverted: everything else the cache holds came
    /// from the database or from finalized transactions, and stays (those transactions may not
    /// be in the database yet).
    #[cold]
    fn evict_failed_loads(&mut self) {
        for i in 0..self.failed.len() {
            match self.failed[i] {
                FailedLoad::Account(handle) => {
                    let address = self.accounts[handle as usize].address;
                    if self.account_index.get(&address) == Some(&handle) {
                        self.account_index.remove(&address);
                    }
                }
                FailedLoad::Code(handle) => {
                    let acct = &mut self.accounts[handle as usize];
                    if acct.code_hash != KECCAK_EMPTY {
                        acct.code = None;
                    }
                }
                FailedLoad::Slot(handle) => {
                    let slot = &self.slots[handle as usize];
                    let key = SlotKey { account: slot.account, key: slot.key };
                    if self.slot_index.get(&key) == Some(&handle) {
                        self.slot_index.remove(&key);
                    }
                }
            }
        }
        self.failed.clear();
        // The caches of handles may name an evicted one.
        self.prewarmed.forget();
        self.recent_accounts = [(Address::ZERO, NO_HANDLE); RECENT_ACCOUNTS];
        self.last_slots = [NO_HANDLE; 2];
        self.poisoned = false;
    }

    // ----- arenas and caches -------------------------------------------------------------

    /// The arena handle of `address`, loading it from the database on first use.
    #[inline(always)]
    pub(crate) fn account_handle(&mut self, address: &Address) -> u32 {
        let (cached, handle) = &self.recent_accounts[recent_line(address)];
        if *handle != NO_HANDLE && cached == address {
            return *handle;
        }
        self.account_handle_indexed(address)
    }

    /// The cache missed: ask the index, then the database.
    #[inline(never)]
    fn account_handle_indexed(&mut self, address: &Address) -> u32 {
        let handle = match self.account_index.get(address) {
            Some(&handle) => handle,
            None => self.load_account(address),
        };
        self.recent_accounts[recent_line(address)] = (*address, handle);
        handle
    }

    #[cold]
    #[inline(never)]
    fn load_account(&mut self, address: &Address) -> u32 {
        let handle = self.accounts.len() as u32;
        let info = match self.db.basic(address) {
            Ok(info) => info,
            Err(e) => {
                self.record_failed_load(e, FailedLoad::Account(handle));
                None
            }
        };
        let mut entry = AccountEntry {
            address: *address,
            balance: U256::ZERO,
            nonce: 0,
            code_hash: KECCAK_EMPTY,
            code: Some(Bytes::new()),
            exists: false,
            flags: 0,
            storage_cleared: false,
            warm: 0,
            dirty: 0,
            storage_gen: 0,
            nonzero_slots: 0,
        };
        if let Some(info) = info {
            entry.exists = true;
            entry.balance = info.balance;
            entry.nonce = info.nonce;
            if !has_no_code(&info.code_hash) {
                entry.code_hash = info.code_hash;
                entry.code = info.code;
            }
        }
        if self.lazy_warm_tx == self.tx && self.lazy_warm.contains(address) {
            entry.warm = self.tx;
        }
        self.accounts.push(entry);
        self.account_index.insert(*address, handle);
        handle
    }

    /// The arena handle of slot `key` of the account `account`, loading it on first use.
    #[inline(always)]
    pub(crate) fn slot_handle(&mut self, account: u32, key: &U256) -> u32 {
        let [first, second] = self.last_slots;
        if self.slot_is(first, account, key) {
            return first;
        }
        if self.slot_is(second, account, key) {
            self.last_slots = [second, first];
            return second;
        }
        self.slot_handle_indexed(account, key)
    }

    /// Both cache lines missed: ask the index, then the database.
    #[inline(never)]
    fn slot_handle_indexed(&mut self, account: u32, key: &U256) -> u32 {
        let first = self.last_slots[0];
        let handle = match self.slot_index.get(&SlotKey { account, key: *key }) {
            Some(&handle) => {
                self.refresh_generation(handle);
                handle
            }
            None => self.load_slot(account, key),
        };
        self.last_slots = [handle, first];
        handle
    }

    /// True when cache line `handle` holds slot `key` of `account`.
    #[inline(always)]
    fn slot_is(&self, handle: u32, account: u32, key: &U256) -> bool {
        self.slots.get(handle as usize).is_some_and(|s| s.account == account && s.key == *key)
    }

    /// A slot cached before its account's storage was wiped reads as zero. Only needed on an
    /// index hit: finalize empties the slot cache whenever it wipes storage.
    #[inline]
    fn refresh_generation(&mut self, handle: u32) {
        let slot = &mut self.slots[handle as usize];
        let generation = self.accounts[slot.account as usize].storage_gen;
        if slot.generation != generation {
            slot.generation = generation;
            slot.present = U256::ZERO;
            slot.original = U256::ZERO;
        }
    }

    #[cold]
    #[inline(never)]
    fn load_slot(&mut self, account: u32, key: &U256) -> u32 {
        let acct = &self.accounts[account as usize];
        let (address, cleared, generation) = (acct.address, acct.storage_cleared, acct.storage_gen);
        let handle = self.slots.len() as u32;
        let value = if cleared {
            U256::ZERO
        } else {
            match self.db.storage(&address, key) {
                Ok(value) => value,
                Err(e) => {
                    self.record_failed_load(e, FailedLoad::Slot(handle));
                    U256::ZERO
                }
            }
        };
        if !value.is_zero() {
            self.accounts[account as usize].nonzero_slots += 1;
        }
        self.slots.push(SlotEntry {
            account,
            generation,
            warm: 0,
            dirty: 0,
            key: *key,
            present: value,
            original: value,
        });
        self.slot_index.insert(SlotKey { account, key: *key }, handle);
        handle
    }

    /// Warms account `handle`; true when it was cold.
    #[inline]
    pub(crate) fn warm_handle(&mut self, handle: u32) -> bool {
        let acct = &mut self.accounts[handle as usize];
        if acct.warm == self.tx {
            return false;
        }
        self.entries.push(Entry::AccountWarmed { account: handle, prev: acct.warm });
        acct.warm = self.tx;
        true
    }

    /// Prepares account `handle` for a change (the spec's `modify_state`): records its values
    /// at the start of the transaction on its first change, brings an absent account into
    /// existence and marks it touched (EIP-161).
    #[inline]
    pub(crate) fn modify(&mut self, handle: u32) {
        let acct = &mut self.accounts[handle as usize];
        if acct.dirty != self.tx {
            acct.dirty = self.tx;
            self.dirty_accounts.push(DirtyAccount {
                handle,
                balance: acct.balance,
                nonce: acct.nonce,
                code_hash: acct.code_hash,
                exists: acct.exists,
            });
        }
        if !acct.exists {
            acct.exists = true;
            self.entries.push(Entry::AccountCreated { account: handle });
        }
        if acct.flags & TOUCHED == 0 {
            self.entries.push(Entry::FlagsChanged { account: handle, prev: acct.flags });
            acct.flags |= TOUCHED;
        }
    }

    /// Sets `flag` on account `handle` (journaled); the account must already be modified.
    pub(crate) fn set_flag(&mut self, handle: u32, flag: u8) {
        let acct = &mut self.accounts[handle as usize];
        if acct.flags & flag == 0 {
            self.entries.push(Entry::FlagsChanged { account: handle, prev: acct.flags });
            acct.flags |= flag;
        }
    }

    // ----- checkpoints -------------------------------------------------------------------

    /// A checkpoint at the current position, to commit or revert to.
    #[inline]
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { journal: self.entries.len(), logs: self.logs.len() }
    }

    /// Keeps everything done since `checkpoint`. The changes stay undoable by an enclosing
    /// checkpoint, so this costs nothing.
    #[inline]
    pub fn commit_checkpoint(&mut self, checkpoint: Checkpoint) {
        let _ = checkpoint;
    }

    /// Undoes everything done since `checkpoint`: balances, nonces, code, existence, storage,
    /// transient storage, logs, created/destroyed/touched flags and warm accounts and slots
    /// (EIP-2929 reverts accesses together with the frame).
    ///
    /// From Spurious Dragon to London a touch of the RIPEMD-160 precompile (0x03) survives, as
    /// the spec's `incorporate_child_on_error` requires; see
    /// [`revert_top_frame`](Self::revert_top_frame) for the outermost frame.
    pub fn revert_to(&mut self, checkpoint: Checkpoint) {
        let keep_ripemd =
            self.spec.is_enabled_in(SpecId::SpuriousDragon) && !self.spec.is_enabled_in(SpecId::Paris);
        self.revert(checkpoint, keep_ripemd);
    }

    /// Like [`revert_to`](Self::revert_to), for the transaction's outermost frame: the spec's
    /// `process_message_call` keeps no touched account of a failed transaction, so the RIPEMD-160
    /// exception does not apply here.
    pub fn revert_top_frame(&mut self, checkpoint: Checkpoint) {
        self.revert(checkpoint, false);
    }

    fn revert(&mut self, checkpoint: Checkpoint, keep_ripemd: bool) {
        self.revert_entries(checkpoint.journal, keep_ripemd);
        self.logs.truncate(checkpoint.logs);
    }

    /// Undoes the entries after the first `len`.
    fn revert_entries(&mut self, len: usize, keep_ripemd: bool) {
        while self.entries.len() > len {
            if let Some(entry) = self.entries.pop() {
                self.revert_entry(entry, keep_ripemd);
            }
        }
    }

    // ----- logs --------------------------------------------------------------------------

    /// Records a log (LOG0..LOG4) of `address` with `topics` and `data`, copied into the log
    /// arena; reverting a checkpoint drops the logs recorded after it. Allocates nothing once
    /// the arena has grown to the transactions' high-water mark.
    #[inline]
    pub fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        self.logs.push(address, topics, data);
    }

    /// The logs recorded since the last [`clear_logs`](Self::clear_logs): during a transaction,
    /// its logs so far; after it ended ([`finalize`](Self::finalize), or
    /// [`discard`](Self::discard), which keeps them for reading), its logs, until the next
    /// transaction clears them.
    pub fn logs(&self) -> Logs<'_> {
        self.logs.view()
    }

    /// Drops the logs, keeping the arena's capacity. Call it when a transaction starts (the
    /// `Evm` does): the logs of the last one stay readable until then.
    pub fn clear_logs(&mut self) {
        self.logs.clear();
    }

    // ----- inspection without loading or warming ------------------------------------------

    fn cached(&self, address: &Address) -> Option<&AccountEntry> {
        self.account_index.get(address).map(|&h| &self.accounts[h as usize])
    }

    /// True when `address` is warm in this transaction. Never loads or warms.
    pub fn is_warm_account(&self, address: &Address) -> bool {
        self.cached(address).is_some_and(|a| a.warm == self.tx)
    }

    /// True when slot `key` of `address` is warm in this transaction. Never loads or warms.
    pub fn is_warm_slot(&self, address: &Address, key: &U256) -> bool {
        let Some(&account) = self.account_index.get(address) else { return false };
        self.slot_index
            .get(&SlotKey { account, key: *key })
            .is_some_and(|&h| self.slots[h as usize].warm == self.tx)
    }

    /// True when `address` was created by CREATE/CREATE2 in this transaction (EIP-6780).
    pub fn is_created(&self, address: &Address) -> bool {
        self.cached(address).is_some_and(|a| a.flags & CREATED != 0)
    }

    /// True when `address` is scheduled for deletion by SELFDESTRUCT in this transaction.
    pub fn is_destroyed(&self, address: &Address) -> bool {
        self.cached(address).is_some_and(|a| a.flags & DESTROYED != 0)
    }

    /// True when `address` was touched (EIP-161) in this transaction.
    pub fn is_touched(&self, address: &Address) -> bool {
        self.cached(address).is_some_and(|a| a.flags & TOUCHED != 0)
    }
}
