//! Kestrel's interpreter: runs one call frame of EVM bytecode against a [`Host`].
//!
//! - `opcodes.toml` (in this crate's folder) is the only place an
//!   opcode's facts live; `cargo xtask codegen` turns it into the dispatch in `generated/`.
//! - [`run`] is the fast runner: a direct `match` on the opcode byte with hot handlers inlined,
//!   the instruction pointer, stack pointer and gas held in registers, stack bounds and static
//!   gas from the table, static gas accumulated and checked only at `flush` opcodes (see [`Gas`])
//!   and each basic block's static gas checked on entry. [`run_traced`] is the same generated
//!   body instantiated with tracing on: it calls a [`Tracer`] around every opcode, so the fast
//!   path carries no tracing branch.
//! - A frame never recurses into a child: CALL and CREATE return [`Status::Call`] /
//!   [`Status::Create`] with a [`FrameRequest`], and the caller's loop runs the child and resumes
//!   the parent with [`Frame::finish_call`] / [`Frame::finish_create`].
//! - Memory (with every frame's call data) and return data live in [`Buffers`], shared by all
//!   frames of a transaction.

mod arm;
mod compiled;
mod frame;
pub mod gas;
mod generated;
mod host;
mod instructions;
mod keccak_memo;
pub mod memory;
mod regs;
mod run;
mod stack;
mod static_gas;
mod status;
mod tracing;

pub use frame::{
    Buffers, CallKind, CallRequest, CreateRequest, CreateScheme, Frame, FrameError, FrameInit, FrameRequest,
};
pub use gas::Gas;
pub use host::{Access, CallTarget, Host, SStoreValues, SelfDestructResult};
pub use run::{run, run_compiled, run_traced};
pub use stack::{STACK_LIMIT, Stack};
pub use static_gas::{STATIC_GAS, UNDEFINED_GAS, static_gas};
pub use status::{Status, Step};
pub use tracing::{Control, Eip3155Tracer, NoopTracer, Tracer};
