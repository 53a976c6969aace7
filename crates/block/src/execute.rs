//! The block executor: `state_transition` and `apply_body` of the execution specs.
//!
//! A block runs on one [`Evm`] over an [`Overlay`] of the database: system calls, transactions,
//! rewards and withdrawals each commit into the overlay, never into the database. Only when
//! every header check passes does [`apply_block`] hand the overlay's net changes to the
//! database, so an invalid block leaves it untouched.

use kestrel_host::{Caches, Evm, ExecutionMode, TxError};
use kestrel_primitives::gas::eip4844::GAS_PER_BLOB;
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, Log, SpecId, U256, address};
use kestrel_state::StateChanges;

use crate::config::{BlobParams, ChainConfig};
use crate::error::{BlockError, Field, TxRejection};
use crate::header::{Block, Header, Withdrawal};
use crate::receipt::{Bloom, Outcome, Receipt, bloom_or, logs_bloom};
use crate::requests;
use crate::state::{BlockDatabase, Overlay};
use crate::trie::ordered_root;
use crate::validate::{validate_header, validate_ommers};

/// EIP-4788's beacon roots contract.
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-2935's history storage contract.
pub const HISTORY_STORAGE_ADDRESS: Address = address!("0000F90827F1C53a10cb7A02335B175320002935");
/// EIP-7002's withdrawal request contract.
pub const WITHDRAWAL_REQUEST_ADDRESS: Address = address!("00000961Ef480Eb55e80D19ad83579A64c007002");
/// EIP-7251's consolidation request contract.
pub const CONSOLIDATION_REQUEST_ADDRESS: Address = address!("0000BBdDc7CE488642fb579F8B00f3a590007251");

/// What a valid block produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockOutcome {
    /// One receipt per transaction.
    pub receipts: Vec<Receipt>,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Blob gas used by the block.
    pub blob_gas_used: u64,
    /// EIP-7685 requests (type byte first), from Prague.
    pub requests: Vec<Bytes>,
    /// The state root after the block.
    pub state_root: B256,
    /// The block's net state changes, as a database commits them.
    pub changes: StateChanges,
}

/// The block reward of a pre-Merge fork (wei).
fn block_reward(spec: SpecId) -> Option<U256> {
    const ETHER: u64 = 1_000_000_000_000_000_000;
    let ether = match spec {
        SpecId::Frontier | SpecId::Homestead | SpecId::TangerineWhistle | SpecId::SpuriousDragon => 5,
        SpecId::Byzantium => 3,
        SpecId::Constantinople | SpecId::Petersburg | SpecId::Istanbul | SpecId::Berlin | SpecId::London => 2,
        SpecId::Paris | SpecId::Shanghai | SpecId::Cancun | SpecId::Prague | SpecId::Osaka => return None,
    };
    Some(U256::from(ether) * U256::from(ETHER))
}

pub(crate) fn db_error(e: TxError) -> BlockError {
    match e {
        TxError::Database(m) => BlockError::Database(m),
        TxError::Invalid(e) => BlockError::Database(format!("unexpected: {e}")),
        TxError::Halted(e) => BlockError::Database(format!("halted by the inspector: {e}")),
    }
}

/// How the block executor runs its transactions: the tier and the caches of its `Evm`, and how
/// many threads execute them. The default: Auto, the process-wide caches, the thread count by
/// the block's size.
#[derive(Clone, Debug, Default)]
pub struct ExecOptions {
    /// The execution tier (Auto by default).
    pub mode: ExecutionMode,
    /// Analysed code and translated programs (the process-wide caches by default).
    pub caches: Caches,
    /// Threads executing the block's transactions. 1 runs them one after another on the
    /// calling thread (the sequential path); more runs them optimistically in parallel
    /// ([`crate::parallel`]) with results identical to the sequential path, over a database
    /// that can be read from several threads ([`BlockDatabase::shared`]; others run
    /// sequentially whatever this says). 0, the default, chooses by the block's size
    /// ([`threads_for`](Self::threads_for)): sequential below
    /// [`PARALLEL_MIN_TRANSACTIONS`], else one thread per available core.
    pub threads: usize,
    /// Testing only: with a seed, the parallel executor randomises its scheduling (delays,
    /// the order workers take transactions in, when the committer waits) to shake out
    /// ordering bugs. Results must not change. Ignored by the sequential path.
    pub stress_seed: Option<u64>,
}

/// The fewest transactions for which [`ExecOptions`]' automatic thread count (`threads: 0`)
/// runs a block in parallel. Measured on 2 free cores with the synthetic blocks
/// (`parallel_bench` with `PARALLEL_BENCH_SMALL`): 2 threads ran 2 transactions at 0.55x of
/// sequential, 5 at 0.7-1.0x, 10 at 1.0-1.4x, 50 at 1.65x; below the crossover, starting the
/// threads and the block's serial end cost more than the parallel part saves.
pub const PARALLEL_MIN_TRANSACTIONS: usize = 8;

/// The machine's available parallelism, asked once (on Linux it reads the cgroup's quota).
fn available_cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

impl ExecOptions {
    /// The threads a block of `transactions` transactions runs on: [`threads`](Self::threads)
    /// when it is set (1 and more); when it is 0, 1 (sequential) below
    /// [`PARALLEL_MIN_TRANSACTIONS`] and otherwise `std::thread::available_parallelism()`.
    pub fn threads_for(&self, transactions: usize) -> usize {
        match self.threads {
            0 if transactions < PARALLEL_MIN_TRANSACTIONS => 1,
            0 => available_cores(),
            n => n,
        }
    }
}

/// Executes `block` on top of `parent` over `db` and checks every header field execution
/// decides; `db` is not changed (see [`apply_block`]). With the default [`ExecOptions`].
pub fn execute_block<DB: BlockDatabase>(
    config: &ChainConfig,
    parent: &Header,
    block: &Block,
    db: &mut DB,
) -> Result<BlockOutcome, BlockError> {
    execute_block_with(config, parent, block, db, &ExecOptions::default())
}

/// The environment the EVM sees in the block of `header` under `spec`: `blob` is the fork's blob
/// parameters, `None` before Cancun (no blob fee, no blob limit).
pub fn block_env(header: &Header, spec: SpecId, blob: Option<BlobParams>) -> BlockEnv {
    BlockEnv {
        number: header.number,
        coinbase: header.coinbase,
        timestamp: header.timestamp,
        gas_limit: header.gas_limit,
        basefee: header.base_fee_per_gas.unwrap_or_default(),
        difficulty: header.difficulty,
        prevrandao: spec.is_enabled_in(SpecId::Paris).then_some(header.mix_hash),
        excess_blob_gas: header.excess_blob_gas,
        blob_base_fee_update_fraction: blob.map(|b| b.update_fraction),
        max_blobs_per_block: blob.map(|b| b.max),
    }
}

/// What the parts of a block's execution share: the block, its fork and blob parameters.
pub(crate) struct BlockCtx<'a> {
    pub(crate) config: &'a ChainConfig,
    pub(crate) parent: &'a Header,
    pub(crate) block: &'a Block,
    pub(crate) spec: SpecId,
    pub(crate) blob: Option<crate::config::BlobParams>,
    pub(crate) env: BlockEnv,
}

/// The transactions' part of a block's result.
#[derive(Default)]
pub(crate) struct TxsOutcome {
    pub(crate) receipts: Vec<Receipt>,
    pub(crate) gas_used: u64,
    pub(crate) blob_gas_used: u64,
    /// The transactions root, when a thread with nothing else to do computed it already.
    pub(crate) transactions_root: Option<B256>,
}

/// [`execute_block`] with the given [`ExecOptions`].
pub fn execute_block_with<DB: BlockDatabase>(
    config: &ChainConfig,
    parent: &Header,
    block: &Block,
    db: &mut DB,
    options: &ExecOptions,
) -> Result<BlockOutcome, BlockError> {
    let header = &block.header;
    let step = config.step_at(header.number, header.timestamp);
    let spec = step.spec;
    let parent_spec = config.spec_at(parent.number, parent.timestamp);
    validate_header(spec, parent_spec, step.blob, block, parent)?;
    validate_ommers(spec, block)?;
    crate::dao::check_extra_data(config.dao_fork_block, header.number, &header.extra_data)?;

    let blob = step.blob.filter(|_| spec.is_enabled_in(SpecId::Cancun));
    let env = block_env(header, spec, blob);
    let ctx = BlockCtx { config, parent, block, spec, blob, env };
    let threads = options.threads_for(block.transactions.len());
    if threads > 1
        && let Some(shared) = db.shared()
    {
        let base = crate::parallel::SharedBase { db: &*db, reads: shared };
        let mut evm = new_evm(&ctx, Overlay::new(base), options);
        pre_block(&ctx, &mut evm)?;
        let txs = crate::parallel::execute_transactions(&ctx, &mut evm, shared, options, threads)?;
        return post_block(&ctx, &mut evm, txs, true);
    }
    let mut evm = new_evm(&ctx, Overlay::new(&mut *db), options);
    pre_block(&ctx, &mut evm)?;
    let txs = execute_transactions(&ctx, &mut evm)?;
    post_block(&ctx, &mut evm, txs, false)
}

/// The `Evm` a block runs on, over `overlay`.
pub(crate) fn new_evm<D: BlockDatabase>(
    ctx: &BlockCtx<'_>,
    overlay: Overlay<D>,
    options: &ExecOptions,
) -> Evm<Overlay<D>> {
    let mut evm = Evm::new(overlay, ctx.spec, ctx.config.chain_id);
    evm.set_block(ctx.env.clone());
    evm.set_mode(options.mode);
    evm.set_caches(options.caches.clone());
    evm
}

/// What comes before the transactions: the DAO fork's state change and the system calls.
fn pre_block<D: BlockDatabase>(ctx: &BlockCtx<'_>, evm: &mut Evm<Overlay<D>>) -> Result<(), BlockError> {
    let (config, header, spec) = (ctx.config, &ctx.block.header, ctx.spec);
    // The DAO fork's irregular state change comes before anything of its block (the spec
    // applies it in `apply_fork`, geth at the start of the block).
    if config.dao_fork_block == Some(header.number) {
        apply_dao_change(evm);
    }
    if spec.is_enabled_in(SpecId::Cancun) {
        let root = header.parent_beacon_block_root.unwrap_or_default();
        system_call_commit(evm, BEACON_ROOTS_ADDRESS, root)?;
    }
    if spec.is_enabled_in(SpecId::Prague) {
        system_call_commit(evm, HISTORY_STORAGE_ADDRESS, ctx.parent.hash)?;
    }
    Ok(())
}

// The block's state changes outside its transactions, shared with `t8n.rs`.

/// The DAO fork's irregular state change, committed.
pub(crate) fn apply_dao_change<D: BlockDatabase>(evm: &mut Evm<Overlay<D>>) {
    let journal = evm.journal_mut();
    crate::dao::apply_dao(journal);
    journal.finalize();
    journal.commit_to_db();
}

/// A system call (EIP-4788, EIP-2935) to `address` with a 32-byte input, committed.
pub(crate) fn system_call_commit<D: BlockDatabase>(
    evm: &mut Evm<Overlay<D>>,
    address: Address,
    input: B256,
) -> Result<(), BlockError> {
    evm.system_call(address, Bytes::copy_from_slice(input.as_slice())).map_err(db_error)?;
    evm.journal_mut().commit_to_db();
    Ok(())
}

/// The block reward to `coinbase` (with 1/32 of it per ommer) and each ommer's share by its
/// age (`(8 - age) / 8` of the reward), committed.
pub(crate) fn pay_rewards<D: BlockDatabase>(
    evm: &mut Evm<Overlay<D>>,
    coinbase: &Address,
    reward: U256,
    ommers: &[(Address, u64)],
) {
    let journal = evm.journal_mut();
    let per_ommer = reward / U256::from(32);
    journal.add_balance(coinbase, reward + per_ommer * U256::from(ommers.len()));
    for (address, age) in ommers {
        journal.add_balance(address, U256::from(8u64.saturating_sub(*age)) * reward / U256::from(8));
    }
    journal.finalize();
    journal.commit_to_db();
}

/// EIP-4895 withdrawals credited (amounts in Gwei), committed.
pub(crate) fn credit_withdrawals<D: BlockDatabase>(evm: &mut Evm<Overlay<D>>, withdrawals: &[Withdrawal]) {
    let journal = evm.journal_mut();
    for w in withdrawals {
        journal.add_balance(&w.address, U256::from(w.amount) * U256::from(1_000_000_000u64));
    }
    journal.finalize();
    journal.commit_to_db();
}

/// EIP-7685 requests (type byte first): deposits from `logs`, then the withdrawal and
/// consolidation system contracts' outputs, their calls committed.
pub(crate) fn collect_requests<'a, D: BlockDatabase>(
    evm: &mut Evm<Overlay<D>>,
    logs: impl Iterator<Item = &'a Log>,
) -> Result<Vec<Bytes>, BlockError> {
    let mut requests = Vec::new();
    let deposits = requests::deposit_requests(logs)?;
    if !deposits.is_empty() {
        requests.push(requests::with_type(requests::DEPOSIT_REQUEST_TYPE, &deposits));
    }
    for (target, request_type) in [
        (WITHDRAWAL_REQUEST_ADDRESS, requests::WITHDRAWAL_REQUEST_TYPE),
        (CONSOLIDATION_REQUEST_ADDRESS, requests::CONSOLIDATION_REQUEST_TYPE),
    ] {
        if evm.journal_mut().code(&target).value.is_empty() {
            // Reading the code touched nothing: the journal's transaction ends empty.
            evm.journal_mut().discard();
            return Err(BlockError::SystemContractEmpty(target));
        }
        evm.journal_mut().discard();
        let result = evm.system_call_ref(target, Bytes::new()).map_err(db_error)?;
        if !result.is_success() {
            return Err(BlockError::SystemContractCallFailed(target));
        }
        if !result.output.is_empty() {
            requests.push(requests::with_type(request_type, result.output));
        }
        evm.journal_mut().commit_to_db();
    }
    Ok(requests)
}

/// The checks made on transaction `index` before it runs, in the spec's order: the block's gas
/// and blob gas left. Returns its blob gas.
pub(crate) fn check_allowance(
    ctx: &BlockCtx<'_>,
    index: usize,
    tx: &crate::Transaction,
    gas_used: u64,
    blob_gas_used: u64,
) -> Result<u64, BlockError> {
    let reject = |reason| BlockError::Transaction { index, reason };
    let available = ctx.block.header.gas_limit - gas_used;
    if tx.env.gas_limit > available {
        return Err(reject(TxRejection::GasAllowanceExceeded { gas_limit: tx.env.gas_limit, available }));
    }
    let max_blob_gas = ctx.blob.map_or(0, |b| b.max * GAS_PER_BLOB);
    let tx_blob_gas = tx.env.blob_hashes.len() as u64 * GAS_PER_BLOB;
    if ctx.blob.is_some() && tx.tx_type() == 3 && tx_blob_gas > max_blob_gas - blob_gas_used {
        return Err(reject(TxRejection::BlobGasAllowanceExceeded));
    }
    Ok(tx_blob_gas)
}

/// Runs transaction `index` with `sender` on `evm` and commits it, as the sequential path does;
/// returns its receipt's parts (gas used, success, logs) after adding it to `out`.
pub(crate) fn execute_one<D: BlockDatabase>(
    ctx: &BlockCtx<'_>,
    evm: &mut Evm<Overlay<D>>,
    index: usize,
    sender: Address,
    tx_blob_gas: u64,
    out: &mut TxsOutcome,
) -> Result<(), BlockError> {
    let tx = &ctx.block.transactions[index];
    let reject = |reason| BlockError::Transaction { index, reason };
    let mut env = tx.env.clone();
    env.caller = sender;
    let result = match evm.transact_commit_ref(env) {
        Ok(r) => r,
        Err(TxError::Invalid(e)) => return Err(reject(TxRejection::Invalid(e))),
        Err(TxError::Database(e)) => return Err(BlockError::Database(e)),
        Err(e @ TxError::Halted(_)) => return Err(BlockError::Database(e.to_string())),
    };
    out.gas_used += result.gas_used;
    out.blob_gas_used += tx_blob_gas;
    // The bloom straight from the borrowed logs; the receipt keeps owned copies.
    let bloom = logs_bloom(result.logs);
    let logs = result.logs.to_vec();
    let success = result.is_success();
    push_receipt(ctx, evm.db(), tx.tx_type(), success, bloom, logs, out);
    Ok(())
}

/// Adds the receipt of a transaction that was just committed into `overlay`.
pub(crate) fn push_receipt<D: BlockDatabase>(
    ctx: &BlockCtx<'_>,
    overlay: &Overlay<D>,
    tx_type: u8,
    success: bool,
    bloom: Bloom,
    logs: Vec<Log>,
    out: &mut TxsOutcome,
) {
    let outcome = if ctx.spec.is_enabled_in(SpecId::Byzantium) {
        Outcome::Status(success)
    } else {
        Outcome::StateRoot(overlay.state_root())
    };
    out.receipts.push(Receipt { tx_type, outcome, cumulative_gas_used: out.gas_used, bloom, logs });
}

/// The transactions one after another (the sequential path).
fn execute_transactions<D: BlockDatabase>(
    ctx: &BlockCtx<'_>,
    evm: &mut Evm<Overlay<D>>,
) -> Result<TxsOutcome, BlockError> {
    let mut out =
        TxsOutcome { receipts: Vec::with_capacity(ctx.block.transactions.len()), ..Default::default() };
    for (index, tx) in ctx.block.transactions.iter().enumerate() {
        let tx_blob_gas = check_allowance(ctx, index, tx, out.gas_used, out.blob_gas_used)?;
        let sender = tx
            .recover_sender(ctx.spec, ctx.config.chain_id)
            .map_err(|e| BlockError::Transaction { index, reason: TxRejection::Signature(e) })?;
        execute_one(ctx, evm, index, sender, tx_blob_gas, &mut out)?;
    }
    Ok(out)
}

/// The block's transactions root (of their EIP-2718 encodings).
pub(crate) fn transactions_root(block: &Block) -> B256 {
    ordered_root(&block.transactions.iter().map(|t| t.encoded.as_ref()).collect::<Vec<&[u8]>>())
}

/// The roots and bloom `post_block` checks that do not depend on the state root: the
/// transactions root (unless given), the receipts root and the logs bloom.
fn body_roots(block: &Block, receipts: &[Receipt], transactions_root: Option<B256>) -> (B256, B256, Bloom) {
    let tx_root = transactions_root.unwrap_or_else(|| self::transactions_root(block));
    let encoded: Vec<Vec<u8>> = receipts.iter().map(Receipt::encode).collect();
    let mut bloom: Bloom = [0; 256];
    for r in receipts {
        bloom_or(&mut bloom, &r.bloom);
    }
    (tx_root, ordered_root(&encoded), bloom)
}

/// What comes after the transactions: rewards, withdrawals, requests, then the header checks.
/// With `concurrent` (the parallel path) the transactions and receipts roots are computed on a
/// second thread while this one computes the state root; the checks and their order are the
/// same either way.
fn post_block<D: BlockDatabase>(
    ctx: &BlockCtx<'_>,
    evm: &mut Evm<Overlay<D>>,
    txs: TxsOutcome,
    concurrent: bool,
) -> Result<BlockOutcome, BlockError> {
    let (block, header, spec) = (ctx.block, &ctx.block.header, ctx.spec);
    let TxsOutcome { receipts, gas_used, blob_gas_used, transactions_root } = txs;
    if let Some(reward) = block_reward(spec) {
        let ommers: Vec<(Address, u64)> =
            block.ommers.iter().map(|o| (o.coinbase, header.number - o.number)).collect();
        pay_rewards(evm, &header.coinbase, reward, &ommers);
    }
    if let Some(withdrawals) = &block.withdrawals {
        credit_withdrawals(evm, withdrawals);
    }
    let requests = if spec.is_enabled_in(SpecId::Prague) {
        collect_requests(evm, receipts.iter().flat_map(|r| r.logs.iter()))?
    } else {
        Vec::new()
    };

    // The header fields execution decides, in the spec's order.
    let mismatch = |field, header: B256, computed: B256| {
        if header == computed { Ok(()) } else { Err(BlockError::Mismatch { field, header, computed }) }
    };
    let word = |n: u64| B256::from(U256::from(n));
    mismatch(Field::GasUsed, word(header.gas_used), word(gas_used))?;
    let (state_root, (tx_root, receipts_root, bloom)) = if concurrent {
        std::thread::scope(|s| {
            let body = s.spawn(|| body_roots(block, &receipts, transactions_root));
            let state_root = evm.db().state_root();
            let body =
                body.join().map_err(|_| BlockError::Database("the receipts root's thread panicked".into()));
            body.map(|body| (state_root, body))
        })?
    } else {
        let tx_root = transactions_root.unwrap_or_else(|| self::transactions_root(block));
        mismatch(Field::TransactionsRoot, header.transactions_root, tx_root)?;
        (evm.db().state_root(), body_roots(block, &receipts, Some(tx_root)))
    };
    mismatch(Field::TransactionsRoot, header.transactions_root, tx_root)?;
    mismatch(Field::StateRoot, header.state_root, state_root)?;
    mismatch(Field::ReceiptsRoot, header.receipts_root, receipts_root)?;
    if bloom != header.logs_bloom {
        return Err(BlockError::Mismatch {
            field: Field::LogsBloom,
            header: crate::keccak_bloom(&header.logs_bloom),
            computed: crate::keccak_bloom(&bloom),
        });
    }
    if let (Some(root), Some(withdrawals)) = (header.withdrawals_root, &block.withdrawals) {
        let items: Vec<Vec<u8>> = withdrawals.iter().map(|w| w.rlp()).collect();
        mismatch(Field::WithdrawalsRoot, root, ordered_root(&items))?;
    }
    if let Some(used) = header.blob_gas_used {
        mismatch(Field::BlobGasUsed, word(used), word(blob_gas_used))?;
    }
    if let Some(hash) = header.requests_hash {
        mismatch(Field::RequestsHash, hash, requests::requests_hash(&requests))?;
    }
    let changes = evm.db().pending.to_changes();
    Ok(BlockOutcome { receipts, gas_used, blob_gas_used, requests, state_root, changes })
}

/// [`execute_block`], then commits the block's changes to `db` when it is valid. An invalid
/// block leaves `db` as it was.
pub fn apply_block<DB: BlockDatabase>(
    config: &ChainConfig,
    parent: &Header,
    block: &Block,
    db: &mut DB,
) -> Result<BlockOutcome, BlockError> {
    apply_block_with(config, parent, block, db, &ExecOptions::default())
}

/// [`apply_block`] with the given [`ExecOptions`].
pub fn apply_block_with<DB: BlockDatabase>(
    config: &ChainConfig,
    parent: &Header,
    block: &Block,
    db: &mut DB,
    options: &ExecOptions,
) -> Result<BlockOutcome, BlockError> {
    let outcome = execute_block_with(config, parent, block, db, options)?;
    db.commit(&outcome.changes);
    Ok(outcome)
}

/// All logs of `receipts`, in order.
pub fn block_logs(receipts: &[Receipt]) -> impl Iterator<Item = &Log> {
    receipts.iter().flat_map(|r| r.logs.iter())
}
