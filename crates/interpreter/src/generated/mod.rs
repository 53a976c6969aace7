//! Code generated from `opcodes.toml` by `cargo xtask codegen`; never edit these files by hand.

pub(crate) mod compiled_runner;
pub(crate) mod gas_table;
pub(crate) mod runner;
