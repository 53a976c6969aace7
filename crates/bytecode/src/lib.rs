//! Kestrel's bytecode: the code of a contract made ready to run.
//!
//! A [`Bytecode`] holds the code padded with [`PADDING`] zero bytes, so a PUSH32 at the very end
//! reads its immediate without a bounds check and running off the end meets a STOP, and a
//! JUMPDEST bitmap (one bit per byte) computed once. [`AnalysisCache`] shares analysed code by
//! code hash, so a contract called in every transaction is analysed once per process.
//! The opcode constants and the opcode info table ([`opcode`]) are generated from the
//! interpreter's opcode table by `cargo xtask codegen`.

// `unsafe` only in the run table's chunks (runs.rs, `RunChunk`) and the JUMPDEST scan's SSE2
// loads (jumpdests.rs), allowed where it stands.
#![deny(unsafe_code)]

mod analysis;
mod cache;
mod jumpdests;
pub mod opcode;
pub mod program;
mod runs;

pub use analysis::{Bytecode, HashedCode, PADDING};
pub use cache::{AnalysisCache, Caches};
pub use runs::{RUN_CHUNK, RunChunk, RunEntry, RunSlot};
