//! `kestrel t8n`: reads alloc, env and transactions, resolves the environment as geth's t8n
//! does (base fee, difficulty, excess blob gas from the parent's fields), runs the transition
//! and writes alloc, result and body where asked.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kestrel::block::t8n::{T8nBlock, T8nDatabase, T8nError, T8nOutcome, T8nTx, apply_transition};
use kestrel::block::validate::{EMPTY_OMMERS_HASH, blob_base_fee};
use kestrel::block::{BlobParams, BlockDatabase, ChainConfig, Pending, StateTrie, Transaction};
use kestrel::host::Inspector;
use kestrel::host::inspector::{CallTracer, Eip3155, Eip3155Config, OpcodeCounter, PrestateTracer};
use kestrel::primitives::gas::eip4844::GAS_PER_BLOB;
use kestrel::primitives::{Address, B256, BlockEnv, Bytes, SpecId, U256};
use kestrel::state::{AccountInfo, Database, DatabaseCommit, InMemoryDb, StateChanges};
use serde_json::Value;

use super::callframes::CallFrames;
use super::fork::{bomb_delay, fork};
use super::input::{Env, Fail, parse_alloc, parse_env, parse_number_text};
use super::output::{self, Outputs};
use super::txs;

/// `stdin` as a file name: read that input from the one JSON object on standard input.
pub const STDIN: &str = "stdin";

/// The options of `kestrel t8n`, geth's flags.
#[derive(Clone, Debug)]
pub struct T8nArgs {
    /// `--input.alloc`.
    pub alloc: String,
    /// `--input.env`.
    pub env: String,
    /// `--input.txs` (`.rlp` suffix: an RLP list as a JSON hex string).
    pub txs: String,
    /// `--output.basedir`.
    pub basedir: Option<PathBuf>,
    /// `--output.alloc` (file, `stdout`, `stderr`, or empty for none).
    pub out_alloc: String,
    /// `--output.result`.
    pub out_result: String,
    /// `--output.body`.
    pub out_body: String,
    /// `--state.fork`.
    pub fork: String,
    /// `--state.reward` (decimal or hex; negative disables the reward).
    pub reward: String,
    /// `--state.chainid`.
    pub chain_id: u64,
    /// `--trace`: EIP-3155 lines per transaction in `trace-<index>-<hash>.jsonl`.
    pub trace: Option<Eip3155Config>,
    /// `--trace.callframes`: with `--trace`, a line for each frame entered (geth's format).
    pub callframes: bool,
    /// `--opcode.count FILE`.
    pub opcode_count: Option<String>,
    /// `--trace.tracer NAME` (`callTracer` or `prestateTracer`): its result per transaction in
    /// `trace-<index>-<hash>.json`.
    pub tracer: Option<String>,
    /// `--trace.jsonconfig`: the tracer's configuration (`{"diffMode": true}`,
    /// `{"withLog": true}`).
    pub tracer_config: Option<String>,
}

/// A named tracer (geth's `--trace.tracer`), shared with the `Evm` while a transaction runs.
#[derive(Clone)]
enum NamedTracer {
    Call(Arc<Mutex<CallTracer>>),
    Prestate(Arc<Mutex<PrestateTracer>>),
}

/// What `--trace.tracer` and `--trace.jsonconfig` ask for: the tracer and its one option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TracerKind {
    Call { with_log: bool },
    Prestate { diff_mode: bool },
}

/// Parses `--trace.tracer`/`--trace.jsonconfig`; exit 3 for a tracer Kestrel does not have.
fn tracer_kind(name: &str, config: Option<&str>) -> Result<TracerKind, Fail> {
    let config: Value = match config.filter(|c| !c.trim().is_empty()) {
        None => Value::Null,
        Some(c) => serde_json::from_str(c)
            .map_err(|e| Fail::config(format!("failed instantiating tracer: --trace.jsonconfig: {e}")))?,
    };
    let flag = |k: &str| config.get(k).and_then(Value::as_bool).unwrap_or(false);
    match name.trim() {
        "callTracer" => Ok(TracerKind::Call { with_log: flag("withLog") }),
        "prestateTracer" => Ok(TracerKind::Prestate { diff_mode: flag("diffMode") }),
        other => Err(Fail::config(format!(
            "failed instantiating tracer: {other:?}: only callTracer and prestateTracer are built in"
        ))),
    }
}

/// The state of a transition: the alloc in memory, and the block hashes the environment lists
/// (a BLOCKHASH of another in-range block stops the transition, as geth's t8n does).
pub struct T8nDb {
    /// The accounts.
    pub db: InMemoryDb,
    /// `blockHashes`, `None` when the environment has none.
    pub hashes: Option<BTreeMap<u64, B256>>,
    /// The first hash asked for and not given.
    pub missing: Option<String>,
}

impl Database for T8nDb {
    type Error = std::convert::Infallible;
    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.db.basic(address)
    }
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.db.code_by_hash(code_hash)
    }
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        self.db.storage(address, key)
    }
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        self.db.has_storage(address)
    }
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        let found = match &self.hashes {
            None => Err(format!("getHash({number}) invoked, no blockhashes provided")),
            Some(h) => h
                .get(&number)
                .copied()
                .ok_or_else(|| format!("getHash({number}) invoked, blockhash for that block not provided")),
        };
        Ok(found.unwrap_or_else(|e| {
            self.missing.get_or_insert(e);
            B256::ZERO
        }))
    }
}

impl DatabaseCommit for T8nDb {
    fn commit(&mut self, changes: &StateChanges) {
        self.db.commit(changes)
    }
}

impl BlockDatabase for T8nDb {
    fn state_root_with(&self, pending: &Pending) -> B256 {
        self.db.state_root_with(pending)
    }
    fn state_trie(&self) -> Option<&StateTrie> {
        None
    }
}

impl T8nDatabase for T8nDb {
    fn missing_block_hash(&self) -> Option<String> {
        self.missing.clone()
    }
}

/// The inputs, read.
pub struct Inputs {
    /// Alloc JSON.
    pub alloc: Value,
    /// Env JSON.
    pub env: Value,
    /// The transactions, decoded (or why not, each).
    pub txs: Vec<T8nTx>,
}

fn read_text(path: &str, what: &str) -> Result<String, Fail> {
    std::fs::read_to_string(path).map_err(|e| Fail::io(format!("failed reading {what} file: {e}")))
}

fn read_json(path: &str, what: &str) -> Result<Value, Fail> {
    let text = read_text(path, what)?;
    serde_json::from_str(&text).map_err(|e| Fail::json(format!("failed unmarshalling {what} file: {e}")))
}

/// Hex text (`0x…`) to bytes, for an RLP input.
fn hex_bytes(s: &str) -> Result<Vec<u8>, Fail> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    crate::evmrun::parse_hex(t).map(|b| b.to_vec()).map_err(|e| Fail::rlp(format!("txs: {e}")))
}

/// Reads alloc, env and txs from files or, for any that is `stdin`, from the JSON object on
/// `stdin` (`{alloc, env, txs}` or `txsRlp`).
pub fn read_inputs(args: &T8nArgs, stdin: &mut dyn Read) -> Result<Inputs, Fail> {
    let any_stdin = [&args.alloc, &args.env, &args.txs].iter().any(|s| *s == STDIN);
    let mut piped = serde_json::Map::new();
    if any_stdin {
        let mut text = String::new();
        stdin.read_to_string(&mut text).map_err(|e| Fail::io(format!("failed reading stdin: {e}")))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| Fail::json(format!("failed unmarshalling stdin: {e}")))?;
        match v {
            Value::Object(m) => piped = m,
            _ => return Err(Fail::json("failed unmarshalling stdin: not an object".to_owned())),
        }
    }
    let take = |m: &mut serde_json::Map<String, Value>, k: &str| m.remove(k).unwrap_or(Value::Null);
    let env = if args.env == STDIN { take(&mut piped, "env") } else { read_json(&args.env, "env")? };
    if env.is_null() {
        return Err(Fail::json("env: missing".to_owned()));
    }
    let alloc =
        if args.alloc == STDIN { take(&mut piped, "alloc") } else { read_json(&args.alloc, "alloc")? };
    let txs = if args.txs == STDIN {
        match piped.get("txsRlp").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            Some(hex) => TxsInput::Rlp(hex_bytes(hex)?),
            None => TxsInput::Json(take(&mut piped, "txs")),
        }
    } else if args.txs.ends_with(".rlp") {
        let text = read_text(&args.txs, "txs")?;
        let hex: String = serde_json::from_str(&text)
            .map_err(|e| Fail::json(format!("failed unmarshalling txs file: {e}")))?;
        TxsInput::Rlp(hex_bytes(&hex)?)
    } else {
        TxsInput::Json(read_json(&args.txs, "txs")?)
    };
    let txs = match txs {
        TxsInput::Rlp(bytes) => txs::from_rlp(&bytes)?,
        TxsInput::Json(v) => txs::from_json(&v, args.chain_id)?,
    };
    Ok(Inputs { alloc, env, txs })
}

enum TxsInput {
    Rlp(Vec<u8>),
    Json(Value),
}

/// geth's `ethash.CalcDifficulty` for the block after a parent with these fields.
fn calc_difficulty(spec: SpecId, delay: u64, env: &Env, parent_difficulty: U256) -> U256 {
    const MINIMUM: u64 = 131_072;
    let step = parent_difficulty / U256::from(2048);
    let dt = env.timestamp.saturating_sub(env.parent_timestamp);
    let signed = |x: i64| {
        if x >= 0 {
            parent_difficulty.saturating_add(step.saturating_mul(U256::from(x as u64)))
        } else {
            parent_difficulty.saturating_sub(step.saturating_mul(U256::from(x.unsigned_abs())))
        }
    };
    let mut d = if spec.is_enabled_in(SpecId::Byzantium) {
        let uncles = env.parent_uncle_hash != B256::ZERO && env.parent_uncle_hash != EMPTY_OMMERS_HASH;
        let c: i64 = if uncles { 2 } else { 1 };
        signed((c - (dt / 9).min(1_000_000) as i64).max(-99))
    } else if spec.is_enabled_in(SpecId::Homestead) {
        signed((1 - (dt / 10).min(1_000_000) as i64).max(-99))
    } else if dt < 13 {
        parent_difficulty.saturating_add(step)
    } else {
        parent_difficulty - step
    };
    d = d.max(U256::from(MINIMUM));
    // The bomb: from Byzantium on the block number is moved back by the fork's delay.
    let fake =
        if spec.is_enabled_in(SpecId::Byzantium) { env.number.saturating_sub(delay) } else { env.number };
    let periods = fake / 100_000;
    if periods > 1 && periods - 2 < 256 {
        d = d.saturating_add(U256::from(1) << (periods - 2) as usize);
    }
    d
}

/// geth's `eip1559.CalcBaseFee` for the block after a parent with these fields.
fn calc_base_fee(parent_fee: U256, parent_gas_used: u64, parent_gas_limit: u64) -> U256 {
    let target = parent_gas_limit / 2;
    if target == 0 || parent_gas_used == target {
        return parent_fee;
    }
    if parent_gas_used > target {
        let delta = parent_fee.saturating_mul(U256::from(parent_gas_used - target))
            / U256::from(target)
            / U256::from(8);
        parent_fee.saturating_add(delta.max(U256::from(1)))
    } else {
        let delta = parent_fee.saturating_mul(U256::from(target - parent_gas_used))
            / U256::from(target)
            / U256::from(8);
        parent_fee.saturating_sub(delta)
    }
}

/// The excess blob gas of a block after a parent with these fields (EIP-4844, with
/// EIP-7918's reserve price from Osaka).
fn calc_excess_blob_gas(
    spec: SpecId,
    params: BlobParams,
    excess: u64,
    used: u64,
    parent_base_fee: U256,
) -> u64 {
    let target = params.target.saturating_mul(GAS_PER_BLOB);
    let total = excess.saturating_add(used);
    if total < target {
        return 0;
    }
    if spec.is_enabled_in(SpecId::Osaka) {
        let reserve = U256::from(8192u64).saturating_mul(parent_base_fee);
        let price = U256::from(GAS_PER_BLOB).saturating_mul(blob_base_fee(excess, params));
        if reserve > price && params.max > 0 {
            let spread = params.max.saturating_sub(params.target);
            return excess.saturating_add(
                u64::try_from(u128::from(used) * u128::from(spread) / u128::from(params.max))
                    .unwrap_or(u64::MAX),
            );
        }
    }
    total - target
}

/// What the environment resolves to.
pub struct Resolved {
    /// The block the engine runs.
    pub block: T8nBlock,
    /// `currentDifficulty` of the result (`None` after the Merge).
    pub difficulty: Option<U256>,
    /// `currentBaseFee` of the result.
    pub base_fee: Option<U256>,
    /// The blob base fee, when the environment gives or implies the excess blob gas.
    pub blob_base_fee: Option<U256>,
}

/// Resolves `env` under fork `fork_name` as geth's t8n does (`applyLondonChecks` …); errors
/// have exit code 3.
pub fn resolve(env: &Env, fork_name: &str, chain_id: u64, reward: Option<U256>) -> Result<Resolved, Fail> {
    let f = fork(fork_name, chain_id)
        .map_err(|e| Fail::config(format!("failed constructing chain configuration: {e}")))?;
    resolve_config(env, &f.config, reward)
}

/// [`resolve`] under a chain configuration (a blockchain test's, with its blob schedule).
pub fn resolve_config(env: &Env, config: &ChainConfig, reward: Option<U256>) -> Result<Resolved, Fail> {
    let chain_id = config.chain_id;
    let step = config.step_at(env.number, env.timestamp).clone();
    let spec = step.spec;
    let base_fee = if spec.is_enabled_in(SpecId::London) {
        match (env.base_fee, env.parent_base_fee) {
            (Some(fee), _) => Some(fee),
            (None, Some(parent)) if env.number > 0 => {
                let parent_london =
                    config.spec_at(env.number - 1, env.parent_timestamp).is_enabled_in(SpecId::London);
                Some(if parent_london {
                    calc_base_fee(parent, env.parent_gas_used, env.parent_gas_limit)
                } else {
                    U256::from(1_000_000_000u64)
                })
            }
            _ => {
                return Err(Fail::config(
                    "EIP-1559 config but missing 'parentBaseFee' in env section".to_owned(),
                ));
            }
        }
    } else {
        // geth passes a given base fee on before London too (and prints it).
        env.base_fee
    };
    if spec.is_enabled_in(SpecId::Shanghai) && env.withdrawals.is_none() {
        return Err(Fail::config("Shanghai config but missing 'withdrawals' in env section".to_owned()));
    }
    let merged = spec.is_enabled_in(SpecId::Paris);
    let difficulty = if !merged {
        Some(match (env.difficulty, env.parent_difficulty) {
            (Some(d), _) => d,
            (None, None) => {
                return Err(Fail::config(
                    "currentDifficulty was not provided, and cannot be calculated due to missing parentDifficulty"
                        .to_owned(),
                ));
            }
            (None, Some(_)) if env.number == 0 => {
                return Err(Fail::config(
                    "currentDifficulty needs to be provided for block number 0".to_owned(),
                ));
            }
            (None, Some(_)) if env.timestamp <= env.parent_timestamp => {
                return Err(Fail::config(format!(
                    "currentDifficulty cannot be calculated -- currentTime ({}) needs to be after parent time ({})",
                    env.timestamp, env.parent_timestamp
                )));
            }
            (None, Some(p)) => calc_difficulty(spec, bomb_delay(&step.name, spec), env, p),
        })
    } else {
        if env.random.is_none() {
            return Err(Fail::config("post-merge requires currentRandom to be defined in env".to_owned()));
        }
        if env.difficulty.is_some_and(|d| !d.is_zero()) {
            return Err(Fail::config("post-merge difficulty must be zero (or omitted) in env".to_owned()));
        }
        None
    };
    let cancun = spec.is_enabled_in(SpecId::Cancun);
    let beacon_root = if cancun {
        Some(env.parent_beacon_block_root.ok_or_else(|| {
            Fail::config("post-cancun env requires parentBeaconBlockRoot to be set".to_owned())
        })?)
    } else {
        None
    };
    let blob = step.blob.filter(|_| cancun);
    let excess = match (blob, env.excess_blob_gas, env.parent_excess_blob_gas, env.parent_blob_gas_used) {
        (Some(_), Some(e), _, _) => Some(e),
        (Some(params), None, Some(pe), Some(pu)) => {
            Some(calc_excess_blob_gas(spec, params, pe, pu, env.parent_base_fee.unwrap_or_default()))
        }
        _ => None,
    };
    let blob_fee = match (blob, excess) {
        (Some(params), Some(e)) => Some(blob_base_fee(e, params)),
        _ => None,
    };
    let parent_hash = match (&env.block_hashes, spec.is_enabled_in(SpecId::Prague)) {
        (Some(h), true) => {
            Some(env.number.checked_sub(1).and_then(|n| h.get(&n).copied()).unwrap_or_default())
        }
        _ => None,
    };
    let block_env = BlockEnv {
        number: env.number,
        coinbase: env.coinbase,
        timestamp: env.timestamp,
        gas_limit: env.gas_limit,
        basefee: base_fee.unwrap_or_default(),
        difficulty: difficulty.unwrap_or_default(),
        prevrandao: if merged { env.random } else { None },
        excess_blob_gas: excess,
        blob_base_fee_update_fraction: blob.map(|b| b.update_fraction),
        max_blobs_per_block: blob.map(|b| b.max),
    };
    let block = T8nBlock {
        spec,
        chain_id,
        blob,
        env: block_env,
        parent_beacon_block_root: beacon_root,
        parent_hash,
        reward,
        ommers: env.ommers.clone(),
        withdrawals: if spec.is_enabled_in(SpecId::Shanghai) { env.withdrawals.clone() } else { None },
        dao_fork: config.dao_fork_block == Some(env.number),
    };
    Ok(Resolved { block, difficulty, base_fee, blob_base_fee: blob_fee })
}

/// `--state.reward`: `None` when negative (disabled).
pub fn parse_reward(s: &str) -> Result<Option<U256>, Fail> {
    let t = s.trim();
    if t.starts_with('-') {
        return Ok(None);
    }
    parse_number_text(t).map(Some).map_err(|e| Fail::config(format!("--state.reward: {e}")))
}

/// Builds the state of `alloc`.
pub fn alloc_db(alloc: &Value) -> Result<InMemoryDb, Fail> {
    let accounts = parse_alloc(alloc).map_err(|e| Fail::json(format!("failed unmarshalling alloc: {e}")))?;
    let mut db = InMemoryDb::new();
    for (address, (info, storage)) in accounts {
        db.insert_account(address, info);
        for (k, v) in storage {
            db.insert_storage(address, k, v);
        }
    }
    Ok(db)
}

/// Per-transaction EIP-3155 files and the opcode counter, as one inspector per transaction.
struct Tracing {
    basedir: PathBuf,
    trace: Option<Eip3155Config>,
    callframes: bool,
    counter: Option<Arc<Mutex<OpcodeCounter>>>,
    /// Transactions that reached execution so far: geth numbers trace files by it.
    started: usize,
    error: Option<Fail>,
    /// `--trace.tracer`, and the fork its tracer runs under.
    named: Option<(TracerKind, SpecId)>,
    /// The running transaction's named tracer and the file its result goes to.
    current: Option<(NamedTracer, PathBuf)>,
}

/// Several inspectors as one.
struct Both(Vec<Box<dyn Inspector>>);

impl Inspector for Both {
    fn transaction_start(&mut self, tx: &kestrel::primitives::TxEnv) {
        self.0.iter_mut().for_each(|i| i.transaction_start(tx));
    }
    fn transaction_end(&mut self, end: &kestrel::host::inspector::TxEnd<'_>) {
        self.0.iter_mut().for_each(|i| i.transaction_end(end));
    }
    fn frame_enter(&mut self, start: &kestrel::host::inspector::FrameStart<'_>) {
        self.0.iter_mut().for_each(|i| i.frame_enter(start));
    }
    fn frame_exit(&mut self, end: &kestrel::host::inspector::FrameEnd<'_>) {
        self.0.iter_mut().for_each(|i| i.frame_exit(end));
    }
    fn step(
        &mut self,
        step: &kestrel::host::inspector::StepInfo<'_>,
    ) -> Result<(), kestrel::host::inspector::Halt> {
        self.0.iter_mut().try_for_each(|i| i.step(step))
    }
    fn step_end(&mut self, end: &kestrel::host::inspector::StepEnd<'_>) {
        self.0.iter_mut().for_each(|i| i.step_end(end));
    }
}

impl Tracing {
    /// The transaction ended: its named tracer's result goes to its file (geth writes it
    /// compact, with a newline).
    fn finish(&mut self) {
        let Some((tracer, path)) = self.current.take() else { return };
        // geth writes nothing (an empty file) when the tracer has no result, as the call
        // tracer of a rejected transaction.
        let json = match tracer {
            NamedTracer::Call(t) => t.lock().ok().and_then(|t| t.json()),
            NamedTracer::Prestate(t) => t.lock().ok().map(|t| t.result_json()),
        };
        let json = json.map(|j| j + "\n").unwrap_or_default();
        if let Err(e) = std::fs::write(&path, json) {
            self.error.get_or_insert(Fail::io(format!("failed writing trace file {}: {e}", path.display())));
        }
    }

    fn inspector(&mut self, tx: &Transaction) -> Option<Box<dyn Inspector>> {
        let mut list: Vec<Box<dyn Inspector>> = Vec::new();
        if let Some(config) = self.trace {
            let name = format!("trace-{}-{:#x}.jsonl", self.started, tx.hash());
            let path = self.basedir.join(name);
            match std::fs::File::create(&path) {
                Ok(f) => {
                    let writer = Eip3155::new(std::io::BufWriter::new(f), config);
                    if self.callframes {
                        list.push(Box::new(CallFrames::new(writer, config.memory)));
                    } else {
                        list.push(Box::new(writer));
                    }
                }
                Err(e) => {
                    self.error.get_or_insert(Fail::io(format!(
                        "failed creating trace file {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        if let Some((kind, spec)) = self.named {
            let path = self.basedir.join(format!("trace-{}-{:#x}.json", self.started, tx.hash()));
            let tracer = match kind {
                TracerKind::Call { with_log } => {
                    NamedTracer::Call(Arc::new(Mutex::new(CallTracer::new(with_log))))
                }
                TracerKind::Prestate { diff_mode } => {
                    NamedTracer::Prestate(Arc::new(Mutex::new(PrestateTracer::new(spec, diff_mode))))
                }
            };
            list.push(match &tracer {
                NamedTracer::Call(t) => Box::new(t.clone()),
                NamedTracer::Prestate(t) => Box::new(t.clone()),
            });
            self.current = Some((tracer, path));
        }
        if let Some(c) = &self.counter {
            list.push(Box::new(c.clone()));
        }
        self.started += 1;
        match list.len() {
            0 => None,
            1 => list.pop(),
            _ => Some(Box::new(Both(list))),
        }
    }
}

/// Runs the transition of `inputs` under `args`.
pub fn transition(
    args: &T8nArgs,
    inputs: &Inputs,
) -> Result<(T8nOutcome, InMemoryDb, Resolved, Vec<Transaction>), Fail> {
    let env =
        parse_env(&inputs.env).map_err(|e| Fail::json(format!("failed unmarshalling env file: {e}")))?;
    let reward = parse_reward(&args.reward)?;
    let resolved = resolve(&env, &args.fork, args.chain_id, reward)?;
    let db = alloc_db(&inputs.alloc)?;
    let mut state = T8nDb { db, hashes: env.block_hashes.clone(), missing: None };
    let basedir = args.basedir.clone().unwrap_or_default();
    let counter = args.opcode_count.as_ref().map(|_| Arc::new(Mutex::new(OpcodeCounter::new())));
    let named = match &args.tracer {
        Some(name) => Some((tracer_kind(name, args.tracer_config.as_deref())?, resolved.block.spec)),
        None => None,
    };
    let tracing = Tracing {
        basedir,
        trace: args.trace,
        callframes: args.callframes,
        counter: counter.clone(),
        started: 0,
        error: None,
        named,
        current: None,
    };
    let wants = tracing.trace.is_some() || tracing.counter.is_some() || tracing.named.is_some();
    let tracing = std::cell::RefCell::new(tracing);
    let outcome = apply_transition(
        &resolved.block,
        &inputs.txs,
        &mut state,
        &mut |_, tx| if wants { tracing.borrow_mut().inspector(tx) } else { None },
        &mut |_, inspector| {
            // The `Evm` hands the inspector back: its handles are dropped (trace files
            // flushed) before the named tracer's result is read.
            drop(inspector);
            tracing.borrow_mut().finish();
        },
    )
    .map_err(|e| match e {
        T8nError::MissingBlockHash(m) => Fail::missing_hash(m),
        T8nError::Block(e) => Fail::evm(e.to_string()),
    })?;
    if let Some(e) = tracing.into_inner().error {
        return Err(e);
    }
    if let (Some(file), Some(counter)) = (&args.opcode_count, counter) {
        let json = counter.lock().map(|c| c.to_json()).unwrap_or_default();
        let path = args.basedir.clone().unwrap_or_default().join(file);
        std::fs::write(&path, json).map_err(|e| Fail::io(format!("failed writing output: {e}")))?;
    }
    let included: Vec<Transaction> = outcome
        .included
        .iter()
        .filter_map(|&i| match &inputs.txs[i] {
            T8nTx::Tx(t) => Some((**t).clone()),
            T8nTx::Undecodable(_) => None,
        })
        .collect();
    Ok((outcome, state.db, resolved, included))
}

/// `kestrel t8n`: reads, runs, writes. Standard input, output and error are parameters so that
/// tests can drive it.
pub fn run(
    args: &T8nArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), Fail> {
    if let Some(dir) = &args.basedir {
        std::fs::create_dir_all(dir).map_err(|e| Fail::io(format!("failed creating output basedir: {e}")))?;
    }
    // geth checks the fork before reading the transactions; an unknown fork is exit 3 even
    // when an input is missing.
    fork(&args.fork, args.chain_id)
        .map_err(|e| Fail::config(format!("failed constructing chain configuration: {e}")))?;
    let inputs = read_inputs(args, stdin)?;
    let (outcome, db, resolved, included) = transition(args, &inputs)?;
    let outputs = Outputs {
        alloc: output::alloc_json(&db),
        result: output::result_json(&outcome, &resolved, &included),
        body: format!("0x{}", hex_string(&txs::body_rlp(included.iter()))),
    };
    output::dispatch(args, &outputs, stdout, stderr)
}

fn hex_string(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 * b.len());
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// `basedir/name`, or `name` without a base dir.
pub fn in_basedir(basedir: &Option<PathBuf>, name: &str) -> PathBuf {
    match basedir {
        Some(d) => d.join(name),
        None => Path::new(name).to_path_buf(),
    }
}
