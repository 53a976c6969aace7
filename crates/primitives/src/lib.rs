//! Kestrel's primitive types: 256-bit integers (`ruint`), addresses, hashes and byte
//! strings (`alloy-primitives`), the fork list ([`SpecId`]), gas constants grouped by EIP
//! ([`gas`]) and keccak-256 (`sha3`).
//!
//! Every other Kestrel crate takes these types from here so that the whole workspace agrees
//! on one representation.

pub mod env;
pub mod gas;
mod keccak;
mod spec;

pub use alloy_primitives::{
    self, Address, B256, Bytes, FixedBytes, I256, Log, LogData, address, b256, bytes, hex,
};
pub use env::{AccessListItem, Authorization, BlockEnv, TxEnv};
pub use keccak::{KECCAK_EMPTY, keccak256};
pub use ruint::{self, aliases::U256};
pub use spec::{SpecId, UnknownFork};
