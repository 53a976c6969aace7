//! Kestrel state: the [`Database`] trait, an in-memory database ([`InMemoryDb`]) and the
//! [`Journal`], the per-transaction state with checkpoints that the host's `Evm` implements the
//! interpreter's `Host` trait on.
//!
//! # Layering
//!
//! This crate sits below the host and knows nothing of the interpreter: it returns the small
//! `Copy` facts defined in `kestrel-primitives` ([`Access`](kestrel_primitives::Access),
//! [`SStoreValues`](kestrel_primitives::SStoreValues), [`CallTarget`](kestrel_primitives::CallTarget),
//! [`SelfDestructResult`](kestrel_primitives::SelfDestructResult)), the same ones the
//! interpreter's `Host` trait returns, so the host passes them through unchanged. Fork rules that concern state (EIP-161
//! touches and deletion, EIP-6780 SELFDESTRUCT, the RIPEMD-160 exception, EIP-7702 delegation)
//! live here, decided by the [`SpecId`](kestrel_primitives::SpecId) the journal runs under, and
//! follow the executable spec (`ethereum/forks/<fork>/state.py`, `vm/interpreter.py`).
//!
//! # Design
//!
//! **Arenas and handles.** Accounts and storage slots live in two `Vec` arenas; a hash index
//! maps an address (or an `(account handle, key)` pair) to a `u32` handle. Journal entries,
//! the dirty lists and the caches all speak handles, so undo records are 40 bytes with no
//! pointers, reverting is an indexed store, and nothing is allocated per access once the arenas
//! have grown. A transaction's end walks only the accounts and slots it changed (the dirty
//! lists), never the whole cache.
//!
//! **Caches in front of the index.** The accounts used last (eight lines, direct-mapped by the
//! address's last byte) and the last two slots `(account, key)` are remembered: an SLOAD/SSTORE
//! pair on one slot, a loop over two slots, or a run of BALANCE/EXTCODE* on the current contract
//! hit the cache and never hash.
//!
//! **Stamps instead of sets.** Warm accounts and slots (EIP-2929) carry the id of the
//! transaction that warmed them; "warm" means "stamp equals the current id", so starting a new
//! transaction is one increment and nothing is cleared. The same trick marks a slot's `original`
//! value as belonging to this transaction, so SSTORE's original value needs no per-transaction
//! copy. Warming inside the transaction is journaled like any other change: a reverted frame
//! un-warms what it warmed. The transaction's own pre-warming is not, since no revert reaches
//! back before its first checkpoint.
//!
//! **A cache that survives the transaction.** [`Journal::finalize`] folds the transaction into
//! the arenas, which then hold the post-transaction state; [`Journal::discard`] reverts it
//! instead. Either way the next transaction starts warm (for benchmarks that replay one
//! transaction, the database is never asked again). Storage wipes (SELFDESTRUCT, EIP-161
//! deletion) bump a per-account generation rather than visiting the slots: a slot of an older
//! generation reads as zero.
//!
//! **Database errors** do not travel through every opcode: the first one is recorded
//! ([`Journal::take_error`]), the operation carries on with a default value, and the host turns
//! the error into a transaction error after the frame loop. The transaction is then discarded
//! and only the cache entries holding those defaults are evicted: what earlier transactions left
//! in the cache (perhaps not yet committed to the database) stays.
//!
//! # One transaction, as the host drives it
//!
//! 1. Validate against the sender ([`Journal::peek_account`],
//!    [`Journal::has_non_delegation_code`] for EIP-3607). Charge the sender
//!    ([`Journal::sub_balance`], [`Journal::inc_nonce`]). Pre-warm (EIP-2929/2930/3651):
//!    [`Journal::prewarm_accounts`] with the fork's precompiles, [`Journal::prewarm_account`] for
//!    sender, recipient and coinbase, [`Journal::warm_account`] and [`Journal::warm_slot`] per
//!    access-list entry.
//! 2. Each message call, the transaction's own included: [`Journal::call_target`] names the
//!    EIP-7702 delegate whose code runs, then [`Journal::checkpoint`], [`Journal::touch`] the
//!    target, and [`Journal::transfer`] when the value is non-zero; when the frame ends,
//!    [`Journal::commit_checkpoint`] or [`Journal::revert_to`] (the outermost frame reverts with
//!    [`Journal::revert_top_frame`]). CREATE: the host's checks, `warm_account(target)`,
//!    `inc_nonce(caller)`, then [`Journal::create_account_checkpoint`].
//! 3. After the frames: [`Journal::take_error`] (a database error fails the transaction), refund
//!    and pay the coinbase, read [`Journal::logs`], then [`Journal::finalize`] and
//!    [`Journal::commit_to_db`], or [`Journal::discard`].
//!
//! # Existence and emptiness
//!
//! An account can be absent, present and empty, or present and non-empty. Before Spurious
//! Dragon a touched absent account comes into existence and stays (it changes the state root
//! and the new-account gas). From Spurious Dragon every touched account that ends the
//! transaction empty is deleted (EIP-161); here every state change touches its account, as the
//! spec's `modify_state` does, and [`Journal::touch`] touches a message-call target up to London
//! (Paris dropped that touch from the spec).

mod account;
mod database;
mod journal;
mod logs;
mod memory_db;

pub use account::{AccountInfo, AccountView, code_hash_of, delegation_address, delegation_code};
pub use database::{
    AccountChange, Database, DatabaseCommit, DatabaseRef, StateChanges, StorageChange, WrapDatabaseRef,
};
pub use journal::{Checkpoint, CreateError, InsufficientBalance, Journal};
pub use logs::{LogRef, Logs, LogsIter};
pub use memory_db::{DbAccount, InMemoryDb};
