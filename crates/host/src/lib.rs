//! Kestrel's host: the [`Evm`] that validates and executes transactions over a
//! [`Database`](kestrel_state::Database).
//!
//! A transaction is validated ([`validation`]), its gas bought, its authorizations applied
//! (EIP-7702), and its message run as frames on a heap frame stack: depth 1024 needs no native
//! recursion. The transaction's own call or creation starts through the same path as a CALL or
//! CREATE from bytecode. The `Evm` keeps its frame stack, stack pool and shared buffers from one
//! transaction to the next.

#![forbid(unsafe_code)]

mod address;
mod authorization;
pub mod blob;
mod context;
mod evm;
mod frames;
pub mod inspector;
pub mod intrinsic;
mod result;
mod system;
pub mod validation;

pub use address::{create_address, create2_address};
pub use authorization::recover_authority;
pub use evm::Evm;
pub use inspector::Inspector;
pub use kestrel_bytecode::Caches;
pub use kestrel_bytecode::program::{ExecutionMode, TranslatorPolicy};
pub use kestrel_state::{LogRef, Logs, LogsIter};
pub use result::{ExecutionOutcome, ExecutionResult, TxError};
pub use system::{SYSTEM_ADDRESS, SYSTEM_CALL_GAS};
pub use validation::{InvalidTransaction, TxField};
