//! Kestrel's primitive types: 256-bit integers (`ruint`), addresses, hashes and byte
//! strings (`alloy-primitives`), the fork list ([`SpecId`]), gas constants grouped by EIP
//! ([`gas`]), keccak-256 (`sha3`), and the facts state hands to execution ([`Access`] and its
//! kin, shared by the journal and the interpreter's `Host`).
//!
//! Every other Kestrel crate takes these types from here so that the whole workspace agrees
//! on one representation.

pub mod cpu;
pub mod env;
mod facts;
pub mod gas;
pub mod keccak;
mod spec;

pub use alloy_primitives::{
    self, Address, B256, Bytes, FixedBytes, I256, Log, LogData, address, b256, bytes, hex,
};
pub use env::{AccessListItem, Authorization, BlockEnv, TxEnv};
pub use facts::{Access, CallTarget, SStoreValues, SelfDestructResult};
pub use keccak::{KECCAK_EMPTY, keccak256};
pub use ruint::{self, aliases::U256};
pub use spec::{SpecId, UnknownFork};
