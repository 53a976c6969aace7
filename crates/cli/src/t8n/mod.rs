//! `kestrel t8n`: geth's `evm t8n` transition tool. Alloc, env and transactions in (files or
//! one JSON object on stdin), post-state alloc, result and body out, with geth's flags, JSON
//! shapes and exit codes. The transition itself is the library's
//! [`kestrel::block::t8n::apply_transition`].
//!
//! [`blockcheck`] drives the valid blocks of blockchain tests through it and compares the
//! roots with their headers.

pub mod blockcheck;
pub mod callframes;
pub mod fork;
pub mod input;
pub mod output;
pub mod run;
pub mod txs;

pub use input::Fail;
pub use run::{T8nArgs, run};
