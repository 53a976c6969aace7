//! Kestrel's fuzz targets, as plain functions.
//!
//! Each target is a `pub fn <target>(data: &[u8])` that panics only when a property fails:
//! the cargo-fuzz wrappers in `fuzz/fuzz_targets/` (its own workspace, nightly and libFuzzer;
//! see `fuzz/README.md`) call it on every generated input, and `tests/seeds.rs` replays the
//! committed seeds in `seeds/<target>/` through it on stable, so `cargo test --workspace`
//! exercises every target.
//!
//! | target | input | properties |
//! |---|---|---|
//! | [`analysis`] | bytes as code | JUMPDEST bitmap and run table equal a reference walk; the translated program's entries, constants and static jumps agree with the code; deterministic |
//! | [`rlp_decode`] | bytes as RLP | the item decoder agrees with `alloy-rlp`; what decodes as an item tree, a transaction, a header or a block re-encodes to the same bytes; sender recovery agrees with the ECRECOVER precompile |
//! | [`precompiles`] | selector, fork, gas, shaped input | every precompile of every fork agrees with revm's (success, output, gas), and every backend with the selected one |
//! | [`fixture_loaders`] | JSON text | the state-test and blockchain-test loaders return cases or errors, and running what loads does not panic; the interpreter and the compiled tier agree |
//! | [`differential`] | seed + bytes as code | a generated case (fork, state, transaction) with this code at the called account: Kestrel's interpreter and compiled tier agree with revm (status, gas, output, logs, post-state) |
//!
//! Adding a target:
//! a module with its `pub fn`, re-exported below and listed in [`TARGETS`]; a seed directory
//! `seeds/<target>/` with a few small files; `fuzz/fuzz_targets/<target>.rs` with its `[[bin]]`
//! in `fuzz/Cargo.toml`; its name in the `replay_tests!` list of `tests/seeds.rs` (a test fails
//! while that list and [`TARGETS`] differ).

pub mod analysis;
pub mod differential;
pub mod encode;
pub mod fixture_loaders;
pub mod precompiles;
pub mod rlp_decode;
pub mod seeds;

pub use analysis::analysis;
pub use differential::differential;
pub use fixture_loaders::fixture_loaders;
pub use precompiles::precompiles;
pub use rlp_decode::rlp_decode;

/// A fuzz target: panics when a property fails on `data`.
pub type Target = fn(&[u8]);

/// Every target by name: the name is its seed directory and its cargo-fuzz binary.
pub const TARGETS: &[(&str, Target)] = &[
    ("analysis", analysis),
    ("rlp_decode", rlp_decode),
    ("precompiles", precompiles),
    ("fixture_loaders", fixture_loaders),
    ("differential", differential),
];

/// The directory of `target`'s committed seeds.
pub fn seed_dir(target: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target)
}
