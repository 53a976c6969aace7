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
    /// Invalid blocks whose expected exception is a transaction's: how many there were.
    pub tx_exceptions: usize,
    /// Of those, how many t8n rejected a transaction of with a text that maps to the expected
    /// exception (the geth texts the execution-spec tests' mapper reads).
    pub tx_exceptions_mapped: usize,
    /// The others: block, expected exception, what t8n said.
    pub tx_exceptions_unmapped: Vec<String>,
}

/// The execution-spec tests' exception names and the geth texts that stand for them (their
/// geth exception mapper, plus the texts of geth's core/error.go for the names it lacks).
const GETH_EXCEPTIONS: &[(&str, &str)] = &[
    ("INSUFFICIENT_ACCOUNT_FUNDS", "insufficient funds for gas * price + value"),
    ("TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED", "would exceed maximum allowance"),
    ("TYPE_3_TX_BLOB_COUNT_EXCEEDED", "exceed maximum allowance"),
    ("TYPE_3_TX_BLOB_COUNT_EXCEEDED", "blob transaction has too many blobs"),
    ("INSUFFICIENT_MAX_FEE_PER_BLOB_GAS", "max fee per blob gas less than block blob gas fee"),
    ("INSUFFICIENT_MAX_FEE_PER_GAS", "max fee per gas less than block base fee"),
    ("TYPE_3_TX_PRE_FORK", "blob tx used but field env.ExcessBlobGas missing"),
    ("TYPE_1_TX_PRE_FORK", "transaction type not supported"),
    ("TYPE_2_TX_PRE_FORK", "transaction type not supported"),
    ("TYPE_3_TX_PRE_FORK", "transaction type not supported"),
    ("TYPE_4_TX_PRE_FORK", "transaction type not supported"),
    ("TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH", "has invalid hash version"),
    ("TYPE_3_TX_ZERO_BLOBS", "blob transaction missing blob hashes"),
    ("TYPE_3_TX_CONTRACT_CREATION", "blob transaction of type create"),
    ("INTRINSIC_GAS_TOO_LOW", "intrinsic gas too low"),
    ("INTRINSIC_GAS_BELOW_FLOOR_GAS_COST", "insufficient gas for floor data gas cost"),
    ("INITCODE_SIZE_EXCEEDED", "max initcode size exceeded"),
    ("NONCE_MISMATCH_TOO_LOW", "nonce too low"),
    ("NONCE_MISMATCH_TOO_HIGH", "nonce too high"),
    ("NONCE_IS_MAX", "nonce has max value"),
    ("GAS_ALLOWANCE_EXCEEDED", "gas limit reached"),
    ("GAS_LIMIT_EXCEEDS_MAXIMUM", "transaction gas limit too high"),
    ("PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS", "max priority fee per gas higher than max fee per gas"),
    ("SENDER_NOT_EOA", "sender not an eoa"),
    ("TYPE_4_EMPTY_AUTHORIZATION_LIST", "EIP-7702 transaction with empty auth list"),
    ("TYPE_4_TX_CONTRACT_CREATION", "EIP-7702 transaction cannot be used to create contract"),
    ("TYPE_4_TX_CONTRACT_CREATION", "rlp: input string too short for common.Address"),
    ("TYPE_3_TX_CONTRACT_CREATION", "rlp: input string too short for common.Address"),
];

/// True when `text` stands for one of the `|`-joined exception names of `expected`.
fn maps_to(text: &str, expected: &str) -> bool {
    expected.split('|').any(|name| {
        let name = name.trim().trim_start_matches("TransactionException.");
        GETH_EXCEPTIONS.iter().any(|(n, t)| *n == name && text.contains(t))
    })
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

/// An invalid block expecting a transaction exception through t8n: `Ok` when a transaction is
/// rejected with a text that maps to it, else what t8n said.
fn check_rejection(test: &BlockTest, chain: &Chain, rlp: &[u8], expected: &str) -> Result<(), String> {
    let block = Block::decode(rlp).map_err(|e| format!("does not decode: {e}"))?;
    let h = &block.header;
    let parent = chain.headers.last().ok_or("no parent")?;
    let spec = test.config.spec_at(h.number, h.timestamp);
    let env = env_of(&block, parent, chain, spec);
    let resolved = resolve_config(&env, &test.config, reward(spec)).map_err(|e| e.to_string())?;
    let txs: Vec<T8nTx> = block.transactions.iter().map(|t| T8nTx::Tx(Box::new(t.clone()))).collect();
    let mut db = T8nDb { db: chain.db.db().clone(), hashes: env.block_hashes.clone(), missing: None };
    let o = apply_transition(&resolved.block, &txs, &mut db, &mut |_, _| None, &mut |_, _| {})
        .map_err(|e| format!("t8n failed: {e}"))?;
    if o.rejected.iter().any(|(_, text)| maps_to(text, expected)) {
        return Ok(());
    }
    Err(format!("rejected {:?}", o.rejected))
}

/// Per test: valid blocks (passed, total, failures) and transaction exceptions (total, mapped,
/// the others).
type TestCounts = (usize, usize, Vec<String>, usize, usize, Vec<String>);

/// Checks every valid block of one test, and runs the invalid blocks that expect a transaction
/// exception through t8n.
fn check_test(test: &BlockTest) -> TestCounts {
    let mut chain = match Chain::genesis(test) {
        Ok(c) => c,
        Err(m) => return (0, 0, vec![format!("{}: genesis: {m:?}", test.id)], 0, 0, Vec::new()),
    };
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    let (mut tx_total, mut tx_mapped, mut tx_unmapped) = (0, 0, Vec::new());
    for (i, (rlp, expected)) in test.blocks.iter().enumerate() {
        if let Some(expected) = expected {
            // A transaction exception alone (not a header's too): t8n must skip the
            // transaction with a text that maps to it.
            if expected.split('|').all(|e| e.trim().starts_with("TransactionException.")) {
                tx_total += 1;
                match check_rejection(test, &chain, rlp, expected) {
                    Ok(()) => tx_mapped += 1,
                    Err(e) => tx_unmapped.push(format!("{} block {i}: expected {expected}: {e}", test.id)),
                }
            }
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
    (passed, total, failures, tx_total, tx_mapped, tx_unmapped)
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
                        let (p, n, f, tx_n, tx_m, tx_u) = check_test(&test);
                        s.passed += p;
                        s.total += n;
                        s.failures.extend(f);
                        s.tx_exceptions += tx_n;
                        s.tx_exceptions_mapped += tx_m;
                        s.tx_exceptions_unmapped.extend(tx_u);
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
        total.tx_exceptions += s.tx_exceptions;
        total.tx_exceptions_mapped += s.tx_exceptions_mapped;
        total.tx_exceptions_unmapped.extend(s.tx_exceptions_unmapped);
    }
    total
}
