//! Journal entries: one per state change, each knowing how to undo itself.
//!
//! Entries address accounts and slots by arena handle, so an entry is at most 40 bytes (a tag,
//! a handle and a `U256`). The rare large undo data (previous code, transient-storage keys) lives
//! on side stacks popped in step with the entries.

use super::{Journal, TOUCHED};
use crate::Database;
use kestrel_primitives::{Address, B256, Bytes, U256, address};

/// The RIPEMD-160 precompile, whose EIP-161 touch survives a revert (see [`revert_entry`]).
///
/// [`revert_entry`]: Journal::revert_entry
pub(crate) const RIPEMD160: Address = address!("0000000000000000000000000000000000000003");

/// One undoable change.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Entry {
    /// The account was warmed; `prev` is its previous warm stamp.
    AccountWarmed { account: u32, prev: u32 },
    /// The slot was warmed; `prev` is its previous warm stamp.
    SlotWarmed { slot: u32, prev: u32 },
    /// The absent account was brought into existence.
    AccountCreated { account: u32 },
    /// The per-transaction flags (touched, created, destroyed) changed from `prev`.
    FlagsChanged { account: u32, prev: u8 },
    /// The balance changed from `prev`.
    BalanceChanged { account: u32, prev: U256 },
    /// The nonce changed from `prev`.
    NonceChanged { account: u32, prev: u64 },
    /// The code changed; the previous hash and code are on [`SideStacks::code`].
    CodeChanged { account: u32 },
    /// The slot's present value changed from `prev`.
    StorageChanged { slot: u32, prev: U256 },
    /// A transient slot changed; address, key and previous value are on
    /// [`SideStacks::transient`].
    TransientChanged,
}

/// Undo data too large for an [`Entry`].
#[derive(Debug, Default)]
pub(crate) struct SideStacks {
    /// Previous `(code_hash, code)` per `CodeChanged`.
    pub(crate) code: Vec<(B256, Option<Bytes>)>,
    /// Previous `(address, key, value)` per `TransientChanged`.
    pub(crate) transient: Vec<(Address, U256, U256)>,
}

impl SideStacks {
    pub(crate) fn clear(&mut self) {
        self.code.clear();
        self.transient.clear();
    }
}

impl<DB: Database> Journal<DB> {
    /// Undoes `entry`, the newest entry still applied.
    ///
    /// `keep_ripemd_touch` implements the spec's exception from Spurious Dragon to London
    /// (`incorporate_child_on_error`): in block 2675119 the empty account 0x03 was deleted although
    /// the call that touched it ran out of gas, so a touch of 0x03 is not undone by a revert. Its
    /// existence still is, so an account that did not exist before stays absent.
    pub(crate) fn revert_entry(&mut self, entry: Entry, keep_ripemd_touch: bool) {
        match entry {
            Entry::AccountWarmed { account, prev } => self.accounts[account as usize].warm = prev,
            Entry::SlotWarmed { slot, prev } => self.slots[slot as usize].warm = prev,
            Entry::AccountCreated { account } => self.accounts[account as usize].exists = false,
            Entry::FlagsChanged { account, prev } => {
                let acct = &mut self.accounts[account as usize];
                let kept =
                    if keep_ripemd_touch && acct.address == RIPEMD160 { acct.flags & TOUCHED } else { 0 };
                acct.flags = prev | kept;
            }
            Entry::BalanceChanged { account, prev } => self.accounts[account as usize].balance = prev,
            Entry::NonceChanged { account, prev } => self.accounts[account as usize].nonce = prev,
            Entry::CodeChanged { account } => {
                if let Some((hash, code)) = self.side.code.pop() {
                    let acct = &mut self.accounts[account as usize];
                    acct.code_hash = hash;
                    acct.code = code;
                }
            }
            Entry::StorageChanged { slot, prev } => self.set_slot_present(slot, prev),
            Entry::TransientChanged => {
                if let Some((address, key, prev)) = self.side.transient.pop() {
                    self.write_transient(address, key, prev);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Entry;

    #[test]
    fn entries_stay_small() {
        // A tag plus a u32 handle plus a U256 (8-byte aligned): 40 bytes. Growing this slows
        // every SSTORE and BALANCE, so keep large undo data on the side stacks.
        assert!(core::mem::size_of::<Entry>() <= 40);
    }
}
