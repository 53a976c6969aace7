//! Ethereum blockchain tests (EEST `blockchain_tests`): each test's genesis and pre-state, its
//! blocks imported in order through the library's block executor ([`kestrel::block`]), invalid
//! blocks rejected with the chain continuing from their parent, and the post-state and last
//! block hash checked. Results, the known-failures file and the report are the state-test
//! runner's ([`crate::statetest`]), with the network as the fork and index 0.

pub mod bench;
mod model;
pub mod run;

pub use run::{load_blocktest, load_blocktest_str, run_blocktest_paths, run_blocktest_paths_with};
