//! Kestrel blocks: what a node needs around the `Evm` to execute a block.
//!
//! - [`rlp`]: RLP decoding with canonical checks and named errors (encoding via `alloy-rlp`).
//! - [`tx`]: EIP-2718 transactions of types 0–4 and sender recovery.
//! - [`header`]: headers, withdrawals and block bodies.
//! - [`trie`]: state, storage and ordered trie roots (shared with the state-test runner).
//! - [`receipt`]: receipts and the logs bloom.
//! - [`config`]: fork and blob schedules (EIP-7892 blob-parameter-only forks included).
//! - [`dao`]: the DAO fork's irregular state change and header rule.
//! - [`validate`]: header validity against the parent.
//! - [`execute`]: the block executor ([`execute_block`], [`apply_block`]).
//! - [`parallel`]: the block's transactions on several threads, optimistically, with results
//!   identical to sequential ([`ExecOptions::threads`]).
//! - [`synthetic`]: generated blocks (transfers, ERC-20, swaps) for tests and benchmarks.
//! - [`state`]: the overlay a block runs on, so an invalid block changes nothing.
//! - [`t8n`]: geth's `evm t8n` transition: transactions applied without a header, invalid
//!   ones skipped.
//! - [`state_trie`]: the state trie kept with its node hashes between roots ([`TrieDb`]), so a
//!   root rehashes only what changed.

#![forbid(unsafe_code)]

pub mod config;
pub mod dao;
pub mod error;
pub mod execute;
pub mod header;
mod mpt;
pub mod parallel;
pub mod receipt;
pub mod requests;
pub mod rlp;
pub mod state;
pub mod state_trie;
pub mod synthetic;
pub mod t8n;
pub mod trie;
pub mod tx;
pub mod validate;

pub use config::{Activation, BlobParams, ChainConfig, ForkStep};
pub use error::{BlockError, Field, TxRejection};
pub use execute::{
    BlockOutcome, ExecOptions, PARALLEL_MIN_TRANSACTIONS, apply_block, apply_block_with, execute_block,
    execute_block_with,
};
pub use header::{Block, BlockDecodeError, Header, Withdrawal};
pub use mpt::Trie;
pub use receipt::{Receipt, logs_bloom};
pub use state::{BlockDatabase, Overlay, Pending};
pub use state_trie::{StateTrie, TrieDb, TrieDelta};
pub use tx::{SignatureError, Transaction, TxDecodeError};

/// keccak256 of a bloom, to show two blooms compactly in an error.
pub(crate) fn keccak_bloom(bloom: &receipt::Bloom) -> kestrel_primitives::B256 {
    kestrel_primitives::keccak256(bloom)
}
