//! Checks `t8n` against blockchain tests: every valid block is run through the transition with
//! the alloc of its parent state, an environment built from its header and parent, and its
//! transactions, and the roots t8n computes must be the header's. The chain advances with the
//! block executor, so each block is checked on its own.

use std::path::PathBuf;

use kestrel::block::t8n::{T8nTx, apply_transition};
use kestrel::block::{Block, ExecOptions, Header};
use kestrel::primitives::{SpecId, U256};
use rayon::prelude::*;

use super::input::Env;
use super::run::{T8nDb, resolve_config};
use crate::blocktest::run::{BlockTest, Chain, LoadedTest, load_blocktest};
use crate::statetest::collect_files;

/// Counts of a check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckSummary {
    /// Valid blocks whose roots t8n reproduced.
    pub passed: usize,
    /// Valid blocks checked.
    pub total: usize,
    /// Tests not checked (unknown network, broken fixture), with why.
    pub skipped: Vec<String>,
    /// The blocks that failed, with why (all of them).
    pub failures: Vec<String>,
}

/// The pre-Merge block reward of `spec` (wei), as the block executor pays it.
fn reward(spec: SpecId) -> Option<U256> {
    const ETHER: u64 = 1_000_000_000_000_000_000;
    let ether: u64 = match spec {
        SpecId::Frontier | SpecId::Homestead | SpecId::TangerineWhistle | SpecId::SpuriousDragon => 5,
        SpecId::Byzantium => 3,
        s if !s.is_enabled_in(SpecId::Paris) => 2,
        _ => return None,
    };
    Some(U256::from(ether) * U256::from(ETHER))
}

/// The t8n environment of `block` after `parent` on `chain`.
fn env_of(block: &Block, parent: &Header, chain: &Chain, spec: SpecId) -> Env {
    let h = &block.header;
    let merged = spec.is_enabled_in(SpecId::Paris);
    Env {
        coinbase: h.coinbase,
        difficulty: Some(h.difficulty),
        random: merged.then_some(h.mix_hash),
        parent_difficulty: Some(parent.difficulty),
        parent_base_fee: parent.base_fee_per_gas,
        parent_gas_used: parent.gas_used,
        parent_gas_limit: parent.gas_limit,
        gas_limit: h.gas_limit,
        number: h.number,
        timestamp: h.timestamp,
        parent_timestamp: parent.timestamp,
        block_hashes: Some(chain.headers.iter().map(|p| (p.number, p.hash)).collect()),
        ommers: block.ommers.iter().map(|o| (h.number.saturating_sub(o.number), o.coinbase)).collect(),
        withdrawals: block.withdrawals.clone(),
        base_fee: h.base_fee_per_gas,
        parent_uncle_hash: parent.ommers_hash,
        excess_blob_gas: h.excess_blob_gas,
        parent_excess_blob_gas: parent.excess_blob_gas,
        parent_blob_gas_used: parent.blob_gas_used,
        parent_beacon_block_root: h.parent_beacon_block_root,
    }
}

/// Runs `block` through t8n on the chain's state and compares with its header.
fn check_block(test: &BlockTest, chain: &Chain, block: &Block) -> Result<(), String> {
    let h = &block.header;
    let parent = chain.headers.last().ok_or("no parent")?;
    let spec = test.config.spec_at(h.number, h.timestamp);
    let env = env_of(block, parent, chain, spec);
    let resolved = resolve_config(&env, &test.config, reward(spec)).map_err(|e| e.to_string())?;
    let txs: Vec<T8nTx> = block.transactions.iter().map(|t| T8nTx::Tx(Box::new(t.clone()))).collect();
    let mut db = T8nDb { db: chain.db.db().clone(), hashes: env.block_hashes.clone(), missing: None };
    let o = apply_transition(&resolved.block, &txs, &mut db, &mut |_, _| None, &mut |_, _| {})
        .map_err(|e| format!("t8n failed: {e}"))?;
    let mut bad = Vec::new();
    if let Some((i, e)) = o.rejected.first() {
        bad.push(format!("tx {i} rejected: {e}"));
    }
    let mut cmp = |what: &str, want: String, got: String| {
        if want != got {
            bad.push(format!("{what}: header {want}, t8n {got}"));
        }
    };
    cmp("stateRoot", h.state_root.to_string(), o.state_root.to_string());
    cmp("txRoot", h.transactions_root.to_string(), o.tx_root.to_string());
    cmp("receiptsRoot", h.receipts_root.to_string(), o.receipts_root.to_string());
    cmp("logsBloom", format!("{:?}", &h.logs_bloom[..]), format!("{:?}", &o.logs_bloom[..]));
    cmp("gasUsed", h.gas_used.to_string(), o.gas_used.to_string());
    cmp("withdrawalsRoot", format!("{:?}", h.withdrawals_root), format!("{:?}", o.withdrawals_root));
    if let Some(used) = h.blob_gas_used {
        cmp("blobGasUsed", used.to_string(), o.blob_gas_used.to_string());
    }
    let requests_hash = o.requests.as_ref().map(|r| kestrel::block::requests::requests_hash(r));
    cmp("requestsHash", format!("{:?}", h.requests_hash), format!("{requests_hash:?}"));
    if let (Some(base), Some(fee)) = (h.base_fee_per_gas, resolved.base_fee) {
        cmp("baseFee", base.to_string(), fee.to_string());
    }
    if bad.is_empty() { Ok(()) } else { Err(bad.join("; ")) }
}

/// Checks every valid block of one test; (passed, total, failures).
fn check_test(test: &BlockTest) -> (usize, usize, Vec<String>) {
    let mut chain = match Chain::genesis(test) {
        Ok(c) => c,
        Err(m) => return (0, 0, vec![format!("{}: genesis: {m:?}", test.id)]),
    };
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    for (i, (rlp, expected)) in test.blocks.iter().enumerate() {
        if expected.is_some() {
            // Invalid blocks are the block executor's to reject; t8n has no header to check.
            let _ = chain.import(&test.config, rlp, &ExecOptions::default());
            continue;
        }
        let block = match Block::decode(rlp) {
            Ok(b) => b,
            Err(e) => {
                total += 1;
                failures.push(format!("{} block {i}: does not decode: {e}", test.id));
                continue;
            }
        };
        total += 1;
        match check_block(test, &chain, &block) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{} block {i}: {e}", test.id)),
        }
        if let Err(e) = chain.import(&test.config, rlp, &ExecOptions::default()) {
            failures.push(format!("{} block {i}: the block executor refused it: {e}", test.id));
            break;
        }
    }
    (passed, total, failures)
}

/// Checks every valid block of every blockchain test under `paths`, files in parallel.
pub fn check_paths(paths: &[PathBuf]) -> CheckSummary {
    let list = collect_files(paths);
    let per_file: Vec<CheckSummary> = list
        .files
        .par_iter()
        .map(|file| {
            let mut s = CheckSummary::default();
            for t in load_blocktest(file).unwrap_or_default() {
                match t {
                    LoadedTest::Ready(test) => {
                        let (p, n, f) = check_test(&test);
                        s.passed += p;
                        s.total += n;
                        s.failures.extend(f);
                    }
                    LoadedTest::Skipped(id, why) => s.skipped.push(format!("{id}: {why}")),
                    LoadedTest::Broken(id, e) => s.skipped.push(format!("{id}: broken: {e}")),
                }
            }
            s
        })
        .collect();
    let mut total = CheckSummary::default();
    for (path, e) in &list.errors {
        total.skipped.push(format!("{}: {e}", path.display()));
    }
    for s in per_file {
        total.passed += s.passed;
        total.total += s.total;
        total.skipped.extend(s.skipped);
        total.failures.extend(s.failures);
    }
    total
}
