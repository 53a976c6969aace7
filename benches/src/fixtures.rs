//! Kestrel's own state tests (`fixtures/state_tests` at the repository root), checked against
//! revm.
//!
//! The files are written by hand (see `fixtures/README.md`); their expected post-state roots
//! and logs hashes are revm's: [`fill_file`] (the `fill_fixtures` binary) writes them, and the
//! test below fails when any case's expectation differs from what revm computes. Kestrel's own
//! run of the same files (`kestrel statetest fixtures/state_tests`, and the CLI's test of it)
//! is then judged against revm's answers, not its own.
//!
//! Execution is revm's alone; only the encoding of the result (the Merkle-Patricia root of the
//! accounts and the RLP hash of the logs) reuses Kestrel's helpers, which the shared corpus
//! checks independently.

use std::path::{Path, PathBuf};

use kestrel_cli::statetest::root::{TrieAccount, logs_hash, pre_state_root, state_root, storage_root};
use kestrel_cli::statetest::{Case, FileCases, LoadedCase, collect_files, load_file};
use kestrel_primitives::B256;
use revm::ExecuteEvm;
use revm::database::{AccountState, DatabaseCommit};

use crate::RevmSetup;

/// `fixtures/state_tests` of this repository.
pub fn fixtures_dir() -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../fixtures/state_tests")
}

/// What revm says a case ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevmPost {
    /// The state root after the transaction (the pre-state root when it is rejected).
    pub state_root: B256,
    /// The logs hash (of no logs when rejected).
    pub logs_hash: B256,
    /// Whether revm rejected the transaction as invalid.
    pub rejected: bool,
}

/// Runs `case` on revm, commits its state changes and returns the root and logs hash.
pub fn revm_post(case: &Case) -> Result<RevmPost, String> {
    let setup = RevmSetup::from_case(case)?;
    let mut evm = setup.evm();
    let Ok(out) = evm.transact(setup.tx.clone()) else {
        return Ok(RevmPost {
            state_root: pre_state_root(&case.pre),
            logs_hash: logs_hash(&[]),
            rejected: true,
        });
    };
    let mut db = setup.db.clone();
    db.commit(out.state);
    // From EIP-161 (every fork these files use) an empty account is not in the state.
    let accounts = db
        .cache
        .accounts
        .iter()
        .filter(|(_, a)| a.account_state != AccountState::NotExisting && !a.info.is_empty());
    let root = state_root(accounts.map(|(address, a)| {
        let account = TrieAccount {
            nonce: a.info.nonce,
            balance: a.info.balance,
            storage_root: storage_root(a.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v))),
            code_hash: a.info.code_hash,
        };
        (*address, account)
    }));
    Ok(RevmPost { state_root: root, logs_hash: logs_hash(out.result.logs()), rejected: false })
}

/// Checks one case's expectation against revm: same root, same logs hash, rejected exactly
/// when an exception is expected.
pub fn check_fixture_case(case: &Case) -> Result<(), String> {
    let revm = revm_post(case)?;
    let e = &case.expected;
    if revm.state_root != e.state_root
        || revm.logs_hash != e.logs_hash
        || revm.rejected != e.exception.is_some()
    {
        return Err(format!(
            "{}: the fixture expects root {}, logs {}, exception {:?}; revm gives root {}, logs {}, rejected {}",
            case.id, e.state_root, e.logs_hash, e.exception, revm.state_root, revm.logs_hash, revm.rejected
        ));
    }
    Ok(())
}

/// Every case of every file under `dir`; errors on a case that does not load.
pub fn load_fixture_cases(dir: &Path) -> Result<Vec<Case>, String> {
    let list = collect_files(&[dir.to_path_buf()]);
    if let Some((path, e)) = list.errors.first() {
        return Err(format!("{}: {e}", path.display()));
    }
    let mut cases = Vec::new();
    for file in &list.files {
        let FileCases::Cases(loaded) = load_file(file) else { continue };
        for c in loaded {
            match c {
                LoadedCase::Ready(case) => cases.push(*case),
                other => return Err(format!("{}: does not load: {other:?}", other.id())),
            }
        }
    }
    Ok(cases)
}

/// Rewrites `path` with every post entry's `hash` and `logs` set to revm's answer. Returns
/// one line per case (what revm did), for the person filling to read.
pub fn fill_file(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let FileCases::Cases(loaded) = load_file(path) else {
        return Err(format!("{}: holds no state test", path.display()));
    };
    let mut lines = Vec::new();
    for c in loaded {
        let LoadedCase::Ready(case) = c else {
            return Err(format!("{}: does not load: {c:?}", c.id()));
        };
        let post = revm_post(&case)?;
        if post.rejected != case.expected.exception.is_some() {
            return Err(format!(
                "{}: revm rejected: {}, expectException: {:?}",
                case.id, post.rejected, case.expected.exception
            ));
        }
        let entry = &mut json[&*case.id.test]["post"][&case.id.fork][case.id.index];
        entry["hash"] = serde_json::Value::String(post.state_root.to_string());
        entry["logs"] = serde_json::Value::String(post.logs_hash.to_string());
        lines.push(format!("{}: {post:?}", case.id));
    }
    let mut out = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    out.push('\n');
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every expected root and logs hash in `fixtures/state_tests` is revm's.
    #[test]
    fn fixtures_match_revm() {
        let cases = load_fixture_cases(&fixtures_dir()).expect("fixtures load");
        assert!(cases.len() >= 20, "only {} cases", cases.len());
        let errors: Vec<String> = cases.iter().filter_map(|c| check_fixture_case(c).err()).collect();
        assert!(errors.is_empty(), "{}", errors.join("\n"));
    }
}
