//! `kbench --blocks`: the worst-case benchmark blocks on Kestrel and on revm, in paired rounds.
//!
//! revm executes transactions, not blocks: the block around them (system calls, withdrawals,
//! requests, receipts, roots) is a node's. This module is that block runner for revm, and the
//! same runner for Kestrel, so that the two run exactly the same steps:
//!
//! 1. EIP-4788 (beacon root) and EIP-2935 (parent hash) system calls, committed;
//! 2. every transaction in order, with the sender recovered beforehand (outside the clock, the
//!    same senders for both), committed after each;
//! 3. EIP-4895 withdrawals credited;
//! 4. the EIP-7002 and EIP-7251 request system calls, committed.
//!
//! No header validation, no receipts or bloom, no transaction, receipt or state root, and no
//! EIP-6110 deposit requests (they are parsed from logs). Kestrel's side ([`kestrel_txs`]) runs on
//! its `Evm` over the block executor's [`Overlay`] of the pre-state, as the executor does; revm's
//! ([`revm_txs`]) on a `CacheDB` over the pre-state's `CacheDB`, so neither copies the pre-state
//! per run. A third side times Kestrel's whole block executor ([`execute_block_with`], without
//! commit, as `kestrel blocktest --bench` does): the same steps plus header validation, sender
//! recovery, receipts, the three roots (the state root from the kept state trie) and the header
//! checks.
//!
//! Before anything is timed every side is checked: Kestrel's runner must give the header's gas
//! used and, from its overlay, the header's state root; revm's must give the header's gas used
//! and the test's `postState` (every account's balance, nonce, code hash and storage); the
//! executor must accept the block. A side that fails is not timed and the row says why. After
//! timing, the block is imported with commit and the post-state root and last block hash are
//! checked, as `kestrel blocktest --bench` does.

use std::collections::BTreeSet;
use std::path::Path;

use kestrel_block::execute::{
    BEACON_ROOTS_ADDRESS, CONSOLIDATION_REQUEST_ADDRESS, HISTORY_STORAGE_ADDRESS, WITHDRAWAL_REQUEST_ADDRESS,
};
use kestrel_block::{
    Block, ChainConfig, ExecOptions, Header, Overlay, TrieDb, Withdrawal, execute_block_with,
};
use kestrel_bytecode::program::ProgramCache;
use kestrel_cli::blocktest::run::{BlockTest, Chain, LoadedTest, load_blocktest};
use kestrel_cli::statetest::{PreState, collect_files};
use kestrel_host::{Evm, TxError};
use kestrel_primitives::{Address, B256, BlockEnv as KBlockEnv, Bytes, SpecId, U256};
use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::database::{AccountState, CacheDB, EmptyDB};
use revm::handler::{MainnetContext, MainnetEvm, SYSTEM_ADDRESS};
use revm::primitives::KECCAK_EMPTY;
use revm::state::{AccountInfo, Bytecode};
use revm::{Context, DatabaseCommit, DatabaseRef, ExecuteCommitEvm, MainBuilder, MainContext, SystemCallEvm};

use crate::timing::{self, Budget, Clock};
use crate::{RevmDb, revm_spec, revm_tx_env};

/// revm over a cache on top of the shared pre-state.
type RevmBlockEvm<'a> = MainnetEvm<MainnetContext<CacheDB<&'a RevmDb>>>;

/// What one revm run leaves: the state it wrote (over the pre-state).
pub type RevmPost<'a> = CacheDB<&'a RevmDb>;

/// One test's last block, ready to run on every side.
pub struct Prepared {
    /// The test's name.
    pub name: String,
    /// The chain's rules.
    pub config: ChainConfig,
    /// The parent of the timed block.
    pub parent: Header,
    /// The timed block.
    pub block: Block,
    /// Its transactions' senders, recovered by Kestrel.
    pub senders: Vec<Address>,
    /// Its fork.
    pub spec: SpecId,
    /// Kestrel's block environment for it.
    pub env: KBlockEnv,
    /// The state before it (the chain after genesis and every earlier block).
    pub pre: TrieDb,
    /// The same state for revm, with the chain's block hashes.
    pub revm_pre: RevmDb,
    /// revm's configuration (fork, chain id, blob fee fraction).
    pub revm_cfg: CfgEnv,
    /// revm's block environment.
    pub revm_block: BlockEnv,
    /// The transactions in revm's form, senders filled in.
    pub revm_txs: Vec<TxEnv>,
    /// The expected post-state, when the test gives it in full.
    pub post: Option<PreState>,
    /// The expected post-state root.
    pub post_root: B256,
    /// The expected last block hash.
    pub last_block_hash: B256,
}

/// Imports every block but the last of `test` and prepares the last for every side.
pub fn prepare(test: &BlockTest) -> Result<Prepared, String> {
    let Some(((last, _), setup)) = test.blocks.split_last() else {
        return Err("the test has no block".to_owned());
    };
    let mut chain = Chain::genesis(test).map_err(|m| m.to_string())?;
    for (i, (rlp, _)) in setup.iter().enumerate() {
        chain.import(&test.config, rlp, &ExecOptions::default()).map_err(|e| format!("block {i}: {e}"))?;
    }
    let block = Block::decode(last).map_err(|e| format!("last block: {e}"))?;
    let parent = chain.headers.last().cloned().unwrap_or_else(|| test.genesis.clone());
    let header = &block.header;
    let step = test.config.step_at(header.number, header.timestamp);
    let spec = step.spec;
    let chain_id = test.config.chain_id;
    let mut senders = Vec::with_capacity(block.transactions.len());
    for (i, tx) in block.transactions.iter().enumerate() {
        senders.push(tx.recover_sender(spec, chain_id).map_err(|e| format!("transaction {i}: {e}"))?);
    }
    let blob = step.blob.filter(|_| spec.is_enabled_in(SpecId::Cancun));
    // As the block executor builds it.
    let env = kestrel_block::execute::block_env(header, spec, blob);

    let mut revm_cfg = CfgEnv::new_with_spec(revm_spec(spec)?);
    revm_cfg.chain_id = chain_id;
    revm_cfg.blob_base_fee_update_fraction = blob.map(|b| b.update_fraction);
    let revm_block = BlockEnv {
        number: U256::from(header.number),
        beneficiary: header.coinbase,
        timestamp: U256::from(header.timestamp),
        gas_limit: header.gas_limit,
        basefee: u64::try_from(env.basefee).map_err(|_| "base fee above 2^64".to_owned())?,
        difficulty: header.difficulty,
        prevrandao: env.prevrandao,
        blob_excess_gas_and_price: match (header.excess_blob_gas, blob) {
            (Some(excess), Some(b)) => Some(BlobExcessGasAndPrice::new(excess, b.update_fraction)),
            _ => None,
        },
        ..BlockEnv::default()
    };
    let mut revm_txs = Vec::with_capacity(block.transactions.len());
    for (i, (tx, sender)) in block.transactions.iter().zip(&senders).enumerate() {
        let mut t = revm_tx_env(&tx.env, &format_args!("transaction {i}"))?;
        t.caller = *sender;
        revm_txs.push(t);
    }
    let mut revm_pre = revm_db(chain.db.db())?;
    for h in &chain.headers {
        revm_pre.cache.block_hashes.insert(U256::from(h.number), h.hash);
    }

    Ok(Prepared {
        name: test.id.test.to_string(),
        config: test.config.clone(),
        parent,
        block,
        senders,
        spec,
        env,
        pre: chain.db,
        revm_pre,
        revm_cfg,
        revm_block,
        revm_txs,
        post: test.post.clone(),
        post_root: test.post_root,
        last_block_hash: test.last_block_hash,
    })
}

/// Kestrel's state as a revm `CacheDB` (accounts, code, storage; no block hashes).
fn revm_db(db: &kestrel_state::InMemoryDb) -> Result<RevmDb, String> {
    let mut out = CacheDB::new(EmptyDB::default());
    for (address, account) in db.accounts() {
        let code = account.info.code.clone().unwrap_or_default();
        let code = Bytecode::new_raw_checked(code).map_err(|e| format!("code of {address}: {e:?}"))?;
        let info = AccountInfo {
            balance: account.info.balance,
            nonce: account.info.nonce,
            ..AccountInfo::default()
        }
        .with_code(code);
        out.insert_account_info(*address, info);
        for (key, value) in &account.storage {
            out.insert_account_storage(*address, *key, *value)
                .map_err(|e| format!("storage of {address}: {e:?}"))?;
        }
    }
    Ok(out)
}

/// The gas one withdrawal amount (Gwei) is worth in wei.
fn gwei(amount: u64) -> U256 {
    U256::from(amount) * U256::from(1_000_000_000u64)
}

/// Kestrel's runner (see the module docs): the block's gas used, and the `Evm` whose overlay
/// holds the block's changes (to drop after the clock, or to take the state root from).
pub fn kestrel_txs(p: &mut Prepared) -> Result<(u64, Evm<Overlay<&mut TrieDb>>), String> {
    // As the block executor's `new_evm` makes it, with the default options.
    let options = ExecOptions::default();
    let mut evm = Evm::new(Overlay::new(&mut p.pre), p.spec, p.config.chain_id);
    evm.set_block(p.env.clone());
    evm.set_mode(options.mode);
    evm.set_caches(options.caches);
    let header = &p.block.header;
    let system = |evm: &mut Evm<Overlay<&mut TrieDb>>, to: Address, data: Bytes| -> Result<(), String> {
        let result =
            evm.system_call_ref(to, data).map_err(|e| format!("Kestrel: system call to {to}: {e}"))?;
        if !result.is_success() {
            return Err(format!("Kestrel: system call to {to} failed"));
        }
        evm.journal_mut().commit_to_db();
        Ok(())
    };
    if p.spec.is_enabled_in(SpecId::Cancun) {
        let root = header.parent_beacon_block_root.unwrap_or_default();
        system(&mut evm, BEACON_ROOTS_ADDRESS, Bytes::copy_from_slice(root.as_slice()))?;
    }
    if p.spec.is_enabled_in(SpecId::Prague) {
        system(&mut evm, HISTORY_STORAGE_ADDRESS, Bytes::copy_from_slice(p.parent.hash.as_slice()))?;
    }
    let mut gas_used = 0;
    for (i, (tx, sender)) in p.block.transactions.iter().zip(&p.senders).enumerate() {
        let mut env = tx.env.clone();
        env.caller = *sender;
        match evm.transact_commit_ref(env) {
            Ok(r) => gas_used += r.gas_used,
            Err(TxError::Invalid(e)) => return Err(format!("Kestrel: transaction {i} invalid: {e}")),
            Err(e) => return Err(format!("Kestrel: transaction {i}: {e}")),
        }
    }
    if let Some(withdrawals) = &p.block.withdrawals {
        let journal = evm.journal_mut();
        for Withdrawal { address, amount, .. } in withdrawals {
            journal.add_balance(address, gwei(*amount));
        }
        journal.finalize();
        journal.commit_to_db();
    }
    if p.spec.is_enabled_in(SpecId::Prague) {
        system(&mut evm, WITHDRAWAL_REQUEST_ADDRESS, Bytes::new())?;
        system(&mut evm, CONSOLIDATION_REQUEST_ADDRESS, Bytes::new())?;
    }
    Ok((gas_used, evm))
}

/// A revm system call, committed without the system address and the coinbase (which revm
/// loads but the system call does not touch), as alloy-evm's block executor does.
fn revm_system_call(evm: &mut RevmBlockEvm<'_>, to: Address, data: Bytes) -> Result<(), String> {
    let mut out = evm.system_call(to, data).map_err(|e| format!("revm: system call to {to}: {e:?}"))?;
    if !out.result.is_success() {
        return Err(format!("revm: system call to {to} failed: {:?}", out.result));
    }
    out.state.remove(&SYSTEM_ADDRESS);
    out.state.remove(&evm.ctx.block.beneficiary);
    evm.ctx.journaled_state.database.commit(out.state);
    Ok(())
}

/// revm's runner (see the module docs): the block's gas used and the state it wrote.
pub fn revm_txs(p: &Prepared) -> Result<(u64, RevmPost<'_>), String> {
    let mut evm = Context::mainnet()
        .with_db(CacheDB::new(&p.revm_pre))
        .with_cfg(p.revm_cfg.clone())
        .with_block(p.revm_block.clone())
        .build_mainnet();
    let header = &p.block.header;
    if p.spec.is_enabled_in(SpecId::Cancun) {
        let root = header.parent_beacon_block_root.unwrap_or_default();
        revm_system_call(&mut evm, BEACON_ROOTS_ADDRESS, Bytes::copy_from_slice(root.as_slice()))?;
    }
    if p.spec.is_enabled_in(SpecId::Prague) {
        revm_system_call(
            &mut evm,
            HISTORY_STORAGE_ADDRESS,
            Bytes::copy_from_slice(p.parent.hash.as_slice()),
        )?;
    }
    let mut gas_used = 0;
    for (i, tx) in p.revm_txs.iter().enumerate() {
        let result: ExecutionResult =
            evm.transact_commit(tx.clone()).map_err(|e| format!("revm: transaction {i}: {e:?}"))?;
        gas_used += result.tx_gas_used();
    }
    if let Some(withdrawals) = &p.block.withdrawals {
        let db = &mut evm.ctx.journaled_state.database;
        for w in withdrawals.iter().filter(|w| w.amount > 0) {
            let account = db.load_account(w.address).map_err(|e| format!("revm: withdrawal: {e:?}"))?;
            let mut info = account.info().unwrap_or_default();
            info.balance = info.balance.saturating_add(gwei(w.amount));
            account.update_info(info);
            if account.account_state == AccountState::NotExisting {
                account.account_state = AccountState::Touched;
            }
        }
    }
    if p.spec.is_enabled_in(SpecId::Prague) {
        revm_system_call(&mut evm, WITHDRAWAL_REQUEST_ADDRESS, Bytes::new())?;
        revm_system_call(&mut evm, CONSOLIDATION_REQUEST_ADDRESS, Bytes::new())?;
    }
    Ok((gas_used, evm.ctx.journaled_state.database))
}

/// Kestrel's whole block executor, without commit: the block's gas used.
pub fn kestrel_block(p: &mut Prepared) -> Result<u64, String> {
    execute_block_with(&p.config, &p.parent, &p.block, &mut p.pre, &ExecOptions::default())
        .map(|o| o.gas_used)
        .map_err(|e| format!("Kestrel's block executor: {e}"))
}

/// Where revm's post-state differs from `expected`: at most four accounts, or `None`.
pub fn revm_post_diff(post: &RevmPost<'_>, expected: &PreState) -> Option<String> {
    let mut addresses: BTreeSet<Address> = expected.keys().copied().collect();
    addresses.extend(post.db.cache.accounts.keys().copied());
    addresses.extend(post.cache.accounts.keys().copied());
    let mut out = Vec::new();
    for a in addresses {
        // An empty account is an absent one (EIP-161): revm's `CacheDB` keeps the empty
        // accounts a block touched (a precompile called, a coinbase paid nothing), where revm's
        // `State` and a node's database drop them.
        let got = post.basic_ref(a).ok().flatten().filter(|g| {
            g.nonce != 0 || !g.balance.is_zero() || g.code_hash != KECCAK_EMPTY || has_storage(post, a)
        });
        let problem = match (expected.get(&a), got) {
            (None, None) => None,
            (None, Some(g)) => {
                Some(format!("{a}: expected absent, got nonce {} balance {}", g.nonce, g.balance))
            }
            (Some(_), None) => Some(format!("{a}: expected present, got absent")),
            (Some(w), Some(g)) => {
                let code_hash =
                    if w.code.is_empty() { KECCAK_EMPTY } else { revm::primitives::keccak256(&w.code) };
                let mut keys: BTreeSet<U256> = w.storage.keys().copied().collect();
                keys.extend(
                    post.db.cache.accounts.get(&a).into_iter().flat_map(|x| x.storage.keys().copied()),
                );
                keys.extend(post.cache.accounts.get(&a).into_iter().flat_map(|x| x.storage.keys().copied()));
                let slot = keys.into_iter().find_map(|k| {
                    let want = w.storage.get(&k).copied().unwrap_or_default();
                    let got = post.storage_ref(a, k).unwrap_or_default();
                    (want != got).then(|| format!("slot {k:#x} expected {want:#x} got {got:#x}"))
                });
                if (w.nonce, w.balance, code_hash) != (g.nonce, g.balance, g.code_hash) {
                    Some(format!(
                        "{a}: expected nonce {} balance {} code {code_hash}, got nonce {} balance {} code {}",
                        w.nonce, w.balance, g.nonce, g.balance, g.code_hash
                    ))
                } else {
                    slot.map(|s| format!("{a}: {s}"))
                }
            }
        };
        out.extend(problem);
        if out.len() == 4 {
            break;
        }
    }
    (!out.is_empty()).then(|| out.join("; "))
}

/// Whether `a` holds a non-zero slot in `post` (its cache or the pre-state below it).
fn has_storage(post: &RevmPost<'_>, a: Address) -> bool {
    let mut keys: BTreeSet<U256> = BTreeSet::new();
    keys.extend(post.db.cache.accounts.get(&a).into_iter().flat_map(|x| x.storage.keys().copied()));
    keys.extend(post.cache.accounts.get(&a).into_iter().flat_map(|x| x.storage.keys().copied()));
    keys.into_iter().any(|k| !post.storage_ref(a, k).unwrap_or_default().is_zero())
}

/// The checks made before timing (see the module docs): `Ok` when every side agrees with the
/// header and the test. The outer `Err` is a Kestrel side's failure; the inner result says
/// whether revm agrees (and why not).
pub fn check(p: &mut Prepared) -> Result<Result<(), String>, String> {
    let header_gas = p.block.header.gas_used;
    let header_root = p.block.header.state_root;
    let (gas, evm) = kestrel_txs(p)?;
    let root = evm.db().state_root();
    drop(evm);
    if gas != header_gas || root != header_root {
        return Err(format!(
            "Kestrel's runner: gas used {gas}, state root {root} (header: {header_gas}, {header_root})"
        ));
    }
    let gas = kestrel_block(p)?;
    if gas != header_gas {
        return Err(format!("Kestrel's block executor: gas used {gas} (header: {header_gas})"));
    }
    let revm = match revm_txs(p) {
        Err(e) => Err(e),
        Ok((gas, _)) if gas != header_gas => Err(format!("revm: gas used {gas} (header: {header_gas})")),
        Ok((_, post)) => match p.post.as_ref().and_then(|want| revm_post_diff(&post, want)) {
            Some(diff) => Err(format!("revm: post-state differs: {diff}")),
            None => Ok(()),
        },
    };
    Ok(revm)
}

/// Runs Kestrel's runner until one run finds a ready program for every frame that looks one
/// up (Auto mode's steady state: the background translator has delivered), at most 2 s.
fn warm_auto(p: &mut Prepared) -> Result<(), String> {
    let cache = ProgramCache::global();
    let start = std::time::Instant::now();
    for runs in 1.. {
        let before = cache.stats().misses;
        drop(kestrel_txs(p)?);
        if cache.stats().misses == before || start.elapsed().as_secs_f64() > 2.0 {
            return Ok(());
        }
        if runs >= ProgramCache::AUTO_MIN_USES {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    Ok(())
}

/// The sides, in sample order.
const K_BLOCK: usize = 0;
const K_TXS: usize = 1;
const REVM: usize = 2;

/// One timed test.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockRow {
    /// The test's name.
    pub name: String,
    /// The block's gas used (the header's, which every side reproduced).
    pub gas_used: u64,
    /// Rounds timed.
    pub rounds: usize,
    /// Median ns of Kestrel's block executor.
    pub kestrel_block_ns: f64,
    /// Median ns of Kestrel's runner.
    pub kestrel_txs_ns: f64,
    /// Median ns of revm's runner, and the medians over rounds of revm / Kestrel runner and
    /// revm / Kestrel executor; `Err` when revm disagreed (then it was not timed).
    pub revm: Result<(f64, f64, f64), String>,
    /// Whether the post-state root and last block hash matched after importing the block.
    pub state_ok: bool,
}

impl BlockRow {
    /// Mgas/s at `ns`.
    pub fn mgas(&self, ns: f64) -> f64 {
        self.gas_used as f64 * 1e3 / ns
    }
}

/// Checks and times one test: [`check`], then rounds of the three sides in rotating order.
pub fn time_test(test: &BlockTest, budget: Budget) -> Result<BlockRow, String> {
    let mut p = prepare(test)?;
    let revm_ok = check(&mut p)?;
    warm_auto(&mut p)?;
    let sides = if revm_ok.is_ok() { 3 } else { 2 };
    let clock = budget.clock;
    let header_gas = p.block.header.gas_used;
    let mut failure = None;
    let samples = timing::rounds(budget, sides, |side| {
        // Each side's changes are dropped after its clock stopped.
        let start = clock.now_ns();
        let (gas, end) = match side {
            K_BLOCK => {
                let r = kestrel_block(&mut p);
                (r, clock.now_ns())
            }
            K_TXS => {
                let r = kestrel_txs(&mut p);
                let end = clock.now_ns();
                (r.map(|(gas, _evm)| gas), end)
            }
            _ => {
                let r = revm_txs(&p);
                let end = clock.now_ns();
                (r.map(|(gas, _post)| gas), end)
            }
        };
        match gas {
            Ok(g) if g == header_gas => {}
            Ok(g) => failure = Some(format!("side {side}: gas used {g} while timed")),
            Err(e) => failure = Some(e),
        }
        end.saturating_sub(start).max(1) as f64
    });
    if let Some(f) = failure {
        return Err(f);
    }
    kestrel_block::apply_block_with(&p.config, &p.parent, &p.block, &mut p.pre, &ExecOptions::default())
        .map_err(|e| format!("importing the block: {e}"))?;
    let state_ok = p.pre.state_root() == p.post_root && p.block.header.hash == p.last_block_hash;
    Ok(BlockRow {
        name: p.name.clone(),
        gas_used: p.block.header.gas_used,
        rounds: samples.rounds(),
        kestrel_block_ns: samples.median_ns(K_BLOCK),
        kestrel_txs_ns: samples.median_ns(K_TXS),
        revm: revm_ok.map(|()| {
            (samples.median_ns(REVM), samples.paired_ratio(REVM, K_TXS), samples.paired_ratio(REVM, K_BLOCK))
        }),
        state_ok,
    })
}

/// What a `--blocks` run produced.
pub struct BlockRun {
    /// One row per timed test.
    pub rows: Vec<BlockRow>,
    /// Tests that failed on Kestrel or could not be run, one line each.
    pub problems: Vec<String>,
    /// Tests that failed, ended in the wrong state, or where revm disagreed.
    pub failed: usize,
}

/// Checks and times every test under `dir` whose name contains any of `filters` (all when
/// empty), one after another; `progress` gets a line per test.
pub fn run(
    dir: &Path,
    filters: &[String],
    budget: Budget,
    progress: &mut dyn FnMut(&str),
) -> Result<BlockRun, String> {
    let list = collect_files(&[dir.to_owned()]);
    let mut run = BlockRun { rows: Vec::new(), problems: Vec::new(), failed: 0 };
    for (path, e) in &list.errors {
        run.problems.push(format!("{}: {e}", path.display()));
        run.failed += 1;
    }
    for file in &list.files {
        let Some(tests) = load_blocktest(file) else { continue };
        for t in tests {
            let test = match t {
                LoadedTest::Ready(t) => t,
                LoadedTest::Skipped(id, why) => {
                    run.problems.push(format!("skipped {id}: {why}"));
                    continue;
                }
                LoadedTest::Broken(id, e) => {
                    run.problems.push(format!("{id}: {e}"));
                    run.failed += 1;
                    continue;
                }
            };
            if !filters.is_empty() && !filters.iter().any(|f| test.id.test.contains(f.as_str())) {
                continue;
            }
            match time_test(&test, budget) {
                Ok(row) => {
                    progress(&row_line(&row));
                    run.failed += usize::from(!row.state_ok || row.revm.is_err());
                    run.rows.push(row);
                }
                Err(e) => {
                    progress(&format!("!!! {}: {e}", short_name(&test.id.test)));
                    run.problems.push(format!("{}: {e}", test.id.test));
                    run.failed += 1;
                }
            }
        }
    }
    Ok(run)
}

/// The test name without what every benchmark test shares: `test_shifts[opcode_SAR-100M]`
/// for `tests/benchmark/compute/instruction/test_bitwise.py::test_shifts[fork_Osaka-
/// blockchain_test-opcode_SAR-benchmark-gas-value_100M]`.
pub fn short_name(name: &str) -> String {
    let tail = name.rsplit_once("::").map_or(name, |(_, t)| t);
    tail.replace("fork_Osaka-", "")
        .replace("blockchain_test_from_state_test-", "")
        .replace("blockchain_test-", "")
        .replace("benchmark-gas-value_", "")
        .replace("[-", "[")
}

fn row_line(r: &BlockRow) -> String {
    let revm = match &r.revm {
        Ok((ns, ratio, _)) => format!("revm {:.0} Mgas/s, revm/K {ratio:.2}", r.mgas(*ns)),
        Err(e) => format!("!!! {e}"),
    };
    format!(
        "{}: K block {:.0} Mgas/s, K txs {:.0} Mgas/s, {revm}{}",
        short_name(&r.name),
        r.mgas(r.kestrel_block_ns),
        r.mgas(r.kestrel_txs_ns),
        if r.state_ok { "" } else { " !!! wrong post-state" }
    )
}

/// The geometric mean of `values` (NaN when empty).
pub fn geomean(values: &[f64]) -> f64 {
    (values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp()
}

/// The run as a Markdown section.
pub fn markdown(run: &BlockRun, budget: Budget) -> String {
    let clock = match budget.clock {
        Clock::Wall => "wall time",
        _ => "process CPU time",
    };
    let mut s = format!(
        "## Benchmark blocks beside revm\n\nEach test's last block, checked on every side (gas used, state root or \
         `postState`) and then timed in paired rounds (at least {}, then until {:.1} s per test), the three sides in \
         rotating order, {clock}. **K block**: Kestrel's block executor (header checks, sender recovery, system \
         calls, transactions, withdrawals, requests, receipts, transaction/receipt/state roots). **K txs** and \
         **revm**: the same block runner on each EVM (system calls, transactions with senders recovered beforehand, \
         withdrawals, request system calls; no roots, receipts or header checks). revm/K = median over rounds of \
         revm time / Kestrel time (above 1: Kestrel faster).\n\n\
         | test | gas used | K block Mgas/s | K txs Mgas/s | revm Mgas/s | revm/K txs | revm/K block | state |\n\
         |---|---:|---:|---:|---:|---:|---:|---|\n",
        budget.min_rounds,
        budget.time.as_secs_f64()
    );
    let mut ratios = Vec::new();
    let mut block_ratios = Vec::new();
    for r in &run.rows {
        let (revm, ratio, block_ratio) = match &r.revm {
            Ok((ns, ratio, block_ratio)) => {
                if r.gas_used > 0 {
                    ratios.push(*ratio);
                    block_ratios.push(*block_ratio);
                }
                (format!("{:.0}", r.mgas(*ns)), format!("{ratio:.2}"), format!("{block_ratio:.2}"))
            }
            Err(_) => ("!!! DISAGREE".to_owned(), "-".to_owned(), "-".to_owned()),
        };
        s.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {revm} | {ratio} | {block_ratio} | {} |\n",
            short_name(&r.name),
            r.gas_used,
            r.mgas(r.kestrel_block_ns),
            r.mgas(r.kestrel_txs_ns),
            if r.state_ok { "ok" } else { "!!! WRONG" }
        ));
    }
    s.push_str(&format!(
        "\nGeometric mean over the {} non-empty blocks revm agreed on: revm/K txs {:.3}, revm/K block {:.3}.\n",
        ratios.len(),
        geomean(&ratios),
        geomean(&block_ratios)
    ));
    let mut lowest: Vec<&BlockRow> = run.rows.iter().filter(|r| r.gas_used > 0 && r.revm.is_ok()).collect();
    lowest.sort_by(|a, b| ratio_of(a).total_cmp(&ratio_of(b)));
    if !lowest.is_empty() {
        s.push_str("Lowest revm/K txs: ");
        let shown: Vec<String> =
            lowest.iter().take(5).map(|r| format!("{} {:.2}", short_name(&r.name), ratio_of(r))).collect();
        s.push_str(&shown.join(", "));
        s.push_str(".\n");
    }
    for r in &run.rows {
        if let Err(e) = &r.revm {
            s.push_str(&format!("\n!!! {}: {e}", r.name));
        }
    }
    for p in &run.problems {
        s.push_str(&format!("\n!!! {p}"));
    }
    s
}

fn ratio_of(r: &BlockRow) -> f64 {
    r.revm.as_ref().map_or(f64::NAN, |x| x.1)
}

/// The default budget: at least `min_rounds` rounds, more until `secs` per test.
pub fn budget(quick: bool, wall: bool) -> Budget {
    Budget {
        clock: if wall { Clock::Wall } else { Clock::ProcessCpu },
        time: std::time::Duration::from_secs_f64(if quick { 0.3 } else { 2.0 }),
        min_rounds: if quick { 3 } else { 5 },
        max_rounds: 101,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest benchmark test of one file, loaded from the unpacked archive, or `None`
    /// with a SKIPPED line when the archive is absent.
    fn small_test(file: &str, name: &str) -> Option<Box<BlockTest>> {
        let archive = match crate::blocks::archive() {
            Ok(a) => a,
            Err(e) => {
                println!("SKIPPED: {e}");
                return None;
            }
        };
        // One directory per test (tests run on parallel threads of one process).
        let dir = std::env::temp_dir().join(format!(
            "kestrel-revm-blocks-{}-{}",
            std::process::id(),
            file.replace('/', "-")
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let inner = format!("benchmark/blockchain_tests/benchmark/compute/{file}");
        let status = std::process::Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&dir)
            .arg(&inner)
            .status()
            .expect("tar runs");
        assert!(status.success(), "tar could not extract {inner}");
        let path = dir.join(&inner);
        let tests = load_blocktest(&path).expect("a blockchain test file");
        let _ = std::fs::remove_dir_all(&dir);
        tests.into_iter().find_map(|t| match t {
            LoadedTest::Ready(t) if t.id.test.contains(name) => Some(t),
            _ => None,
        })
    }

    /// revm's runner reproduces the header's gas used and the test's post-state on a small
    /// benchmark block, and so does Kestrel's; a wrong expected post-state is caught.
    #[test]
    fn revm_reproduces_a_benchmark_block() {
        let Some(test) = small_test("instruction/bitwise/shifts.json", "opcode_SAR-benchmark-gas-value_1M")
        else {
            return;
        };
        let mut p = prepare(&test).expect("prepares");
        assert!(!p.revm_txs.is_empty());
        assert_eq!(check(&mut p), Ok(Ok(())));
        let (gas, post) = revm_txs(&p).expect("revm runs");
        assert_eq!(gas, p.block.header.gas_used);
        assert!(gas > 900_000, "{gas}");
        let mut wrong = p.post.clone().expect("the test has a postState");
        let sender = p.senders[0];
        wrong.get_mut(&sender).expect("the sender is in the post-state").nonce += 1;
        let diff = revm_post_diff(&post, &wrong).expect("a wrong nonce is seen");
        assert!(diff.contains(&sender.to_string()), "{diff}");

        let row =
            time_test(&test, Budget { clock: Clock::ProcessCpu, ..budget(true, false) }).expect("times");
        assert!(row.state_ok && row.rounds >= 3 && row.revm.is_ok(), "{row:?}");
    }

    /// A block that calls a precompile without value leaves it touched and empty in revm's
    /// `CacheDB`; the post-state comparison takes that as absent, as EIP-161 does.
    #[test]
    fn touched_empty_precompile_is_absent() {
        let Some(test) = small_test("precompile/ripemd160/ripemd160.json", "gas-value_1M") else { return };
        let mut p = prepare(&test).expect("prepares");
        assert_eq!(check(&mut p), Ok(Ok(())));
        let (_, post) = revm_txs(&p).expect("revm runs");
        let ripemd = Address::with_last_byte(3);
        let touched = post.cache.accounts.get(&ripemd).and_then(|a| a.info()).expect("revm touched 0x03");
        assert!(touched.is_empty());
        assert!(!p.post.as_ref().expect("a postState").contains_key(&ripemd));
    }

    #[test]
    fn short_names() {
        assert_eq!(
            short_name(
                "tests/benchmark/compute/instruction/test_bitwise.py::test_shifts[fork_Osaka-blockchain_test-opcode_SAR-benchmark-gas-value_100M]"
            ),
            "test_shifts[opcode_SAR-100M]"
        );
        assert!((geomean(&[2.0, 8.0]) - 4.0).abs() < 1e-12);
    }
}
