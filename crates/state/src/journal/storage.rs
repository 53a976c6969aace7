//! Storage operations: SLOAD/SSTORE with original values and warm slots (EIP-2200, EIP-2929),
//! TLOAD/TSTORE (EIP-1153), and the storage-emptiness test of EIP-7610.

use super::Journal;
use super::entry::Entry;
use crate::Database;
use kestrel_primitives::{Access, Address, SStoreValues, U256};

impl<DB: Database> Journal<DB> {
    /// Warms slot `handle`; true when it was cold.
    #[inline]
    fn warm_slot_handle(&mut self, handle: u32) -> bool {
        let slot = &mut self.slots[handle as usize];
        if slot.warm == self.tx {
            return false;
        }
        self.entries.push(Entry::SlotWarmed { slot: handle, prev: slot.warm });
        slot.warm = self.tx;
        true
    }

    /// Warms slot `key` of `address` (access lists); true when it was cold.
    pub fn warm_slot(&mut self, address: &Address, key: &U256) -> bool {
        let account = self.account_handle(address);
        let slot = self.slot_handle(account, key);
        self.warm_slot_handle(slot)
    }

    /// The value of slot `key` of `address` (SLOAD), warming the slot.
    // Always: the host's inspected instantiation calls it too, and with two callers LLVM stopped
    // inlining it into the fast runner's SLOAD (measured, callgrind).
    #[inline(always)]
    pub fn sload(&mut self, address: &Address, key: &U256) -> Access<U256> {
        let account = self.account_handle(address);
        let handle = self.slot_handle(account, key);
        let slot = &mut self.slots[handle as usize];
        let is_cold = slot.warm != self.tx;
        if is_cold {
            self.entries.push(Entry::SlotWarmed { slot: handle, prev: slot.warm });
            slot.warm = self.tx;
        }
        Access::new(slot.present, is_cold)
    }

    /// The value of slot `key` of `address` without warming it (inspection).
    pub fn peek_storage(&mut self, address: &Address, key: &U256) -> U256 {
        let account = self.account_handle(address);
        let slot = self.slot_handle(account, key);
        self.slots[slot as usize].present
    }

    /// Writes `value` to slot `key` of `address` (SSTORE), warming the slot, and returns the
    /// original (start of transaction), present and new values for the gas rules.
    // Always, as `sload`.
    #[inline(always)]
    pub fn sstore(&mut self, address: &Address, key: &U256, value: U256) -> Access<SStoreValues> {
        let account = self.account_handle(address);
        let handle = self.slot_handle(account, key);
        let is_cold = self.warm_slot_handle(handle);
        let slot = &mut self.slots[handle as usize];
        if slot.dirty != self.tx {
            // First write in this transaction: the present value is the original one.
            slot.dirty = self.tx;
            slot.original = slot.present;
            self.dirty_slots.push(handle);
        }
        let write = SStoreValues { original: slot.original, present: slot.present, new: value };
        if write.present != value {
            self.entries.push(Entry::StorageChanged { slot: handle, prev: write.present });
            self.set_slot_present(handle, value);
        }
        Access::new(write, is_cold)
    }

    /// Sets the present value of slot `handle`, keeping its account's non-zero count right.
    pub(crate) fn set_slot_present(&mut self, handle: u32, value: U256) {
        let slot = &mut self.slots[handle as usize];
        let was_set = !slot.present.is_zero();
        slot.present = value;
        let is_set = !value.is_zero();
        if was_set != is_set {
            let acct = &mut self.accounts[slot.account as usize];
            if is_set {
                acct.nonzero_slots += 1;
            } else {
                acct.nonzero_slots = acct.nonzero_slots.saturating_sub(1);
            }
        }
    }

    /// True when `address` has a non-zero storage slot now (EIP-7610). Never warms.
    pub fn has_storage(&mut self, address: &Address) -> bool {
        let handle = self.account_handle(address);
        self.has_storage_of(handle)
    }

    /// Cached non-zero slots answer first, then the database unless its storage for the account
    /// is known to be gone. Not exact in one case: every database slot zeroed through the cache
    /// still answers true. Zeroing slots takes code running at the address, and an address with
    /// code collides anyway, so CREATE cannot observe the difference.
    pub(crate) fn has_storage_of(&mut self, handle: u32) -> bool {
        let acct = &self.accounts[handle as usize];
        if acct.nonzero_slots > 0 {
            return true;
        }
        if acct.storage_cleared {
            return false;
        }
        let address = acct.address;
        match self.db.has_storage(&address) {
            Ok(has) => has,
            Err(e) => {
                self.record_error(e);
                false
            }
        }
    }

    /// The value of transient slot `key` of `address` (TLOAD, EIP-1153).
    #[inline]
    pub fn tload(&mut self, address: &Address, key: &U256) -> U256 {
        self.transient.get(&(*address, *key)).copied().unwrap_or_default()
    }

    /// Writes transient slot `key` of `address` (TSTORE, EIP-1153); undone by a revert, cleared
    /// at the end of the transaction.
    #[inline]
    pub fn tstore(&mut self, address: &Address, key: &U256, value: U256) {
        let prev = self.tload(address, key);
        if prev != value {
            self.side.transient.push((*address, *key, prev));
            self.entries.push(Entry::TransientChanged);
            self.write_transient(*address, *key, value);
        }
    }

    /// Stores a transient value; zero is not kept, so the map holds only live slots.
    pub(crate) fn write_transient(&mut self, address: Address, key: U256, value: U256) {
        if value.is_zero() {
            self.transient.remove(&(address, key));
        } else {
            self.transient.insert((address, key), value);
        }
    }
}
