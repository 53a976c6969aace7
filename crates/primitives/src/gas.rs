//! Gas constants, grouped by the EIP (or the Yellow Paper, for Frontier) that set them.
//!
//! Only dynamic gas (memory, copies, SSTORE, cold accounts, calls, creates …) and transaction
//! costs and limits live here. An opcode's static gas has one source,
//! `crates/interpreter/opcodes.toml`, with its per-fork repricings (EIP-150, 1884, 2929 …)
//! as rows of that table, so no constant here repeats it.
//!
//! A constant that an EIP changed lives in that EIP's module; the code that picks a value
//! per fork names the module, so a reader sees which rule applies when.

pub mod eip150;
pub mod eip2028;
pub mod eip2200;
pub mod eip2929;
pub mod eip2930;
pub mod eip3529;
pub mod eip3860;
pub mod eip4844;
pub mod eip7623;
pub mod eip7702;
pub mod eip7825;
pub mod frontier;
