//! The `kestrel` command as a library: the Ethereum state-test runner ([`statetest`]), the
//! blockchain-test runner ([`blocktest`]) and the per-test benchmark ([`bench`]). `main.rs` only parses arguments and calls in here.
//!
//! Every transaction goes through [`statetest::exec`], the single seam between this crate and
//! the executor.

#![forbid(unsafe_code)]

pub mod bench;
pub mod blocktest;
pub mod evmrun;
pub mod statetest;
pub mod t8n;
