//! Ethereum state tests (GeneralStateTests and EEST `state_tests`): loading fixture files
//! into typed cases ([`load`], [`case`]), the post-state root and logs hash ([`root`]),
//! executing ([`exec`]), running and judging ([`run`]), the known-failures file ([`known`])
//! and reporting ([`report`]).

pub mod case;
pub mod exception;
pub mod exec;
pub mod hex;
pub mod known;
pub mod load;
#[cfg(test)]
mod load_tests;
pub(crate) mod model;
pub mod report;
pub mod root;
pub mod run;
pub mod trace;
mod tx;
#[cfg(test)]
mod txbytes_tests;
pub(crate) mod unique;

pub use case::{BlobParams, Case, CaseId, Expected, Finish, LoadedCase, PreAccount, PreState};
pub use exception::Rejection;
pub use exec::{ExecError, ExecOutcome};
pub use known::{KnownFailure, KnownFailures, KnownFailuresError};
pub use load::{FileCases, FileList, collect_files, load_file, load_str};
pub use report::Summary;
pub use run::{CaseResult, Filter, Mismatch, RunReport, Status, run_paths};
pub use tx::address_of_secret_key;
