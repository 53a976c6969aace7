//! The end of a transaction: [`Journal::finalize`] keeps its changes and reports them,
//! [`Journal::discard`] drops them, [`Journal::reset`] forgets the cache.

use super::{DESTROYED, Journal, NO_HANDLE, TOUCHED};
use crate::{AccountChange, AccountInfo, Database, DatabaseCommit, StateChanges, StorageChange};
use kestrel_primitives::{Address, Bytes, KECCAK_EMPTY, SpecId, U256};

impl<DB: Database> Journal<DB> {
    /// Ends the transaction keeping its changes, and returns them: accounts scheduled by
    /// SELFDESTRUCT are deleted with their storage, then from Spurious Dragon every touched
    /// account that exists and is empty (EIP-161), in that order as in the spec's
    /// `process_transaction`. Cost is proportional to what the transaction changed.
    ///
    /// The cache keeps the post-transaction state for the next transaction; apply the returned
    /// changes to the database too ([`commit_to_db`](Self::commit_to_db)) before a
    /// [`reset`](Self::reset), or the state is lost.
    ///
    /// After a database error in this transaction its changes would rest on defaults the
    /// database never gave, so the transaction is [discarded](Self::discard) instead and no
    /// changes are reported; what earlier transactions left in the cache stays.
    pub fn finalize(&mut self) -> &StateChanges {
        self.changes.clear();
        if self.poisoned {
            self.discard();
            return &self.changes;
        }
        let delete_empty = self.spec.is_enabled_in(SpecId::SpuriousDragon);
        let mut wiped = false;
        for dirty in &self.dirty_accounts {
            let acct = &mut self.accounts[dirty.handle as usize];
            let flags = core::mem::take(&mut acct.flags);
            let delete = flags & DESTROYED != 0
                || (delete_empty && flags & TOUCHED != 0 && acct.exists && acct.is_empty());
            if delete {
                if dirty.exists {
                    self.changes.accounts.push(AccountChange {
                        address: acct.address,
                        info: None,
                        storage_cleared: true,
                    });
                }
                acct.exists = false;
                acct.balance = U256::ZERO;
                acct.nonce = 0;
                acct.code_hash = KECCAK_EMPTY;
                acct.code = Some(Bytes::new());
                acct.storage_gen = acct.storage_gen.wrapping_add(1);
                acct.storage_cleared = true;
                acct.nonzero_slots = 0;
                wiped = true;
                continue;
            }
            let created = flags & super::CREATED != 0;
            let changed = created
                || acct.exists != dirty.exists
                || acct.balance != dirty.balance
                || acct.nonce != dirty.nonce
                || acct.code_hash != dirty.code_hash;
            if changed && acct.exists {
                if created {
                    // The spec's creation wipes the storage; the database holds none for this
                    // address (it would have collided), so no cached slot goes stale.
                    acct.storage_cleared = true;
                }
                self.changes.accounts.push(AccountChange {
                    address: acct.address,
                    info: Some(AccountInfo {
                        balance: acct.balance,
                        nonce: acct.nonce,
                        code_hash: acct.code_hash,
                        code: acct.code.clone(),
                    }),
                    storage_cleared: created,
                });
            }
        }
        for &handle in &self.dirty_slots {
            let slot = &self.slots[handle as usize];
            let acct = &self.accounts[slot.account as usize];
            // A slot of a deleted account belongs to the old generation: the wipe covers it.
            if slot.generation == acct.storage_gen && slot.present != slot.original {
                self.changes.storage.push(StorageChange {
                    address: acct.address,
                    key: slot.key,
                    value: slot.present,
                });
            }
        }
        if wiped {
            // Cached slot handles would skip the generation check.
            self.last_slots = [NO_HANDLE; 2];
        }
        self.end_transaction();
        &self.changes
    }

    /// The changes the last [`finalize`](Self::finalize) reported.
    pub fn changes(&self) -> &StateChanges {
        &self.changes
    }

    /// Applies the last finalized changes to the journal's own database.
    pub fn commit_to_db(&mut self)
    where
        DB: DatabaseCommit,
    {
        self.db.commit(&self.changes);
    }

    /// Ends the transaction dropping all of its changes (including the sender's nonce and fee,
    /// if they were made through the journal): the state is as before it, the cache stays warm.
    /// Benchmarks run the same transaction over and over this way. Its logs stay readable
    /// ([`logs`](Self::logs)) until [`clear_logs`](Self::clear_logs): a simulation reports them.
    pub fn discard(&mut self) {
        self.revert_entries(0, false);
        for dirty in &self.dirty_accounts {
            self.accounts[dirty.handle as usize].flags = 0;
        }
        self.end_transaction();
    }

    /// Empties what one transaction collects, except its logs (which its outcome borrows): undo
    /// entries, transient storage and the dirty lists.
    fn clear_transaction(&mut self) {
        self.entries.clear();
        self.side.clear();
        self.transient.clear();
        self.dirty_accounts.clear();
        self.dirty_slots.clear();
    }

    /// Per-transaction cleanup shared by `finalize` and `discard`: proportional to what the
    /// transaction touched, except that a stamp wrap (every 2^32 transactions) restamps all.
    fn end_transaction(&mut self) {
        self.clear_transaction();
        if self.poisoned {
            self.evict_failed_loads();
        }
        if self.tx >= u32::MAX - 1 {
            // Stamps are compared for equality only, so after a wrap an old stamp could equal
            // the new id: clear them all instead.
            for acct in &mut self.accounts {
                acct.warm = 0;
                acct.dirty = 0;
            }
            for slot in &mut self.slots {
                slot.warm = 0;
                slot.dirty = 0;
            }
            self.lazy_warm.clear();
            self.tx = 1;
        } else {
            self.tx += 1;
        }
    }

    /// Forgets every cached account and slot and the current transaction, keeping all capacity
    /// (and a recorded database error). Call it when the database changed behind the journal's
    /// back, or to bound the cache's memory between blocks.
    pub fn reset(&mut self) {
        self.accounts.clear();
        self.account_index.clear();
        self.slots.clear();
        self.slot_index.clear();
        self.recent_accounts = [(Address::ZERO, NO_HANDLE); super::RECENT_ACCOUNTS];
        self.last_slots = [NO_HANDLE; 2];
        self.clear_transaction();
        self.logs.clear();
        self.failed.clear();
        self.prewarmed.forget();
        // Transaction ids start again: a stale lazy list could look current.
        self.lazy_warm.clear();
        self.poisoned = false;
        self.tx = 1;
    }
}
