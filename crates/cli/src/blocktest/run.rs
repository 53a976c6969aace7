//! Loading and judging blockchain tests, and running every test under some paths in parallel.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use kestrel::block::{
    BlobParams, Block, BlockError, BlockOutcome, ChainConfig, ExecOptions, Header, TrieDb, apply_block_with,
    execute_block_with,
};
use kestrel::host::ExecutionMode;
use kestrel::primitives::{Address, B256};
use kestrel::state::InMemoryDb;
use rayon::prelude::*;
use serde_json::value::RawValue;

use super::model::RawBlockTest;
use crate::statetest::case::{CaseId, PreState};
use crate::statetest::exec::db_from_pre;
use crate::statetest::hex::{parse_b256, parse_bytes, parse_u64};
use crate::statetest::load::decode_account;
use crate::statetest::root::pre_state_root;
use crate::statetest::run::run_files;
use crate::statetest::unique::UniqueMap;
use crate::statetest::{CaseResult, Filter, KnownFailures, Mismatch, RunReport, Status};

/// The most bytes of one fixture file read (the largest development file is 4.2 MB).
const MAX_FILE_BYTES: u64 = 256 << 20;

/// One blockchain test, decoded and ready to run.
#[derive(Debug)]
pub struct BlockTest {
    /// Its id (network as the fork, index 0).
    pub id: CaseId,
    /// The chain's rules.
    pub config: ChainConfig,
    /// Genesis accounts.
    pub pre: PreState,
    /// The genesis header.
    pub genesis: Header,
    /// Each block's RLP and the exception it expects (`None`: valid).
    pub blocks: Vec<(Vec<u8>, Option<String>)>,
    /// The expected post-state root (from `postState` or `postStateHash`).
    pub post_root: B256,
    /// The expected post-state accounts, when given in full (for a diff on failure).
    pub post: Option<PreState>,
    /// The hash of the last valid block.
    pub last_block_hash: B256,
}

/// A test that loaded, or why it did not.
#[derive(Debug)]
pub enum LoadedTest {
    /// Ready.
    Ready(Box<BlockTest>),
    /// Not run (unknown network).
    Skipped(CaseId, String),
    /// A malformed fixture.
    Broken(CaseId, String),
}

fn decode_accounts(
    raw: &UniqueMap<crate::statetest::model::RawAccount>,
    what: &str,
) -> Result<PreState, String> {
    let mut out = PreState::new();
    for (key, account) in raw {
        let (address, account) = decode_account(key, account).map_err(|e| format!("{what}: {e}"))?;
        if out.insert(address, account).is_some() {
            return Err(format!("{what}: address {key} given twice"));
        }
    }
    Ok(out)
}

/// Decodes one test of a file.
fn load_test(file: &Arc<str>, name: &str, raw: &RawBlockTest) -> LoadedTest {
    let id = CaseId { file: file.clone(), test: Arc::from(name), fork: raw.network.clone(), index: 0 };
    let result = (|| -> Result<Result<BlockTest, String>, String> {
        let (chain_id, schedule) = match &raw.config {
            None => (1, BTreeMap::new()),
            Some(c) => {
                let chain_id = c
                    .chainid
                    .as_deref()
                    .map(parse_u64)
                    .transpose()
                    .map_err(|e| format!("config.chainid: {e}"))?;
                let mut schedule = BTreeMap::new();
                for (fork, p) in &c.blob_schedule {
                    let n = |f: &str, s: &str| {
                        parse_u64(s).map_err(|e| format!("config.blobSchedule.{fork}.{f}: {e}"))
                    };
                    let params = BlobParams {
                        target: n("target", &p.target)?,
                        max: n("max", &p.max)?,
                        update_fraction: n("baseFeeUpdateFraction", &p.base_fee_update_fraction)?,
                    };
                    schedule.insert(fork.clone(), params);
                }
                (chain_id.unwrap_or(1), schedule)
            }
        };
        let Some(config) = ChainConfig::for_network(&raw.network, chain_id, |f| schedule.get(f).copied())
        else {
            return Ok(Err(format!("unknown network {}", raw.network)));
        };
        let genesis_rlp = parse_bytes(&raw.genesis_rlp).map_err(|e| format!("genesisRLP: {e}"))?;
        let genesis = Block::decode(&genesis_rlp).map_err(|e| format!("genesisRLP: {e}"))?.header;
        let pre = decode_accounts(&raw.pre, "pre")?;
        let post = raw.post_state.as_ref().map(|p| decode_accounts(p, "postState")).transpose()?;
        let post_root = match (&post, &raw.post_state_hash) {
            (Some(p), _) => pre_state_root(p),
            (None, Some(h)) => parse_b256(h).map_err(|e| format!("postStateHash: {e}"))?,
            (None, None) => return Err("neither postState nor postStateHash".to_owned()),
        };
        let mut blocks = Vec::with_capacity(raw.blocks.len());
        for (i, b) in raw.blocks.iter().enumerate() {
            let rlp = parse_bytes(&b.rlp).map_err(|e| format!("blocks[{i}].rlp: {e}"))?;
            blocks.push((rlp.to_vec(), b.expect_exception.clone()));
        }
        let last_block_hash = parse_b256(&raw.lastblockhash).map_err(|e| format!("lastblockhash: {e}"))?;
        Ok(Ok(BlockTest { id: id.clone(), config, pre, genesis, blocks, post_root, post, last_block_hash }))
    })();
    match result {
        Ok(Ok(t)) => LoadedTest::Ready(Box::new(t)),
        Ok(Err(skip)) => LoadedTest::Skipped(id, skip),
        Err(e) => LoadedTest::Broken(id, e),
    }
}

/// Reads and decodes every test of one file; `None` for JSON that holds no blockchain test.
pub fn load_blocktest(path: &Path) -> Option<Vec<LoadedTest>> {
    let file: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let broken = |e: String| Some(vec![LoadedTest::Broken(CaseId::whole_file(file.clone()), e)]);
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text));
    match read {
        Err(e) => broken(format!("cannot read: {e}")),
        Ok(_) if text.len() as u64 > MAX_FILE_BYTES => {
            broken(format!("file larger than {MAX_FILE_BYTES} bytes"))
        }
        Ok(_) => load_blocktest_str(file, &text),
    }
}

/// Decodes the text of one file named `file` (as [`load_blocktest`] does once it has read it);
/// `None` for JSON that holds no blockchain test.
pub fn load_blocktest_str(file: Arc<str>, text: &str) -> Option<Vec<LoadedTest>> {
    let broken = |e: String| Some(vec![LoadedTest::Broken(CaseId::whole_file(file.clone()), e)]);
    let tests: UniqueMap<&RawValue> = match serde_json::from_str(text) {
        Ok(t) => t,
        Err(e) => return broken(format!("malformed JSON: {e}")),
    };
    let looks_like_test = |v: &&RawValue| {
        serde_json::from_str::<BTreeMap<String, &RawValue>>(v.get()).is_ok_and(|m| m.contains_key("blocks"))
    };
    if !tests.values().any(looks_like_test) {
        return None;
    }
    let mut out = Vec::new();
    for (name, value) in tests {
        match serde_json::from_str::<RawBlockTest>(value.get()) {
            Ok(raw) => out.push(load_test(&file, &name, &raw)),
            Err(e) => out.push(LoadedTest::Broken(
                CaseId::whole_test(file.clone(), Arc::from(name.as_str())),
                format!("malformed test: {e}"),
            )),
        }
    }
    Some(out)
}

/// The chain a test builds: the state and the valid blocks' headers.
pub struct Chain {
    /// The state after the last valid block, with its state trie kept between blocks (each
    /// block's root rehashes only what it changed).
    pub db: TrieDb,
    /// Headers of the valid blocks, genesis first.
    pub headers: Vec<Header>,
}

impl Chain {
    /// The genesis state of `test`.
    pub fn genesis(test: &BlockTest) -> Result<Self, Mismatch> {
        let mut db = TrieDb::new(db_from_pre(&test.pre));
        let root = db.state_root();
        if root != test.genesis.state_root {
            return Err(Mismatch::Fixture {
                message: format!("genesis state root {} but pre gives {root}", test.genesis.state_root),
            });
        }
        db.insert_block_hash(test.genesis.number, test.genesis.hash);
        Ok(Chain { db, headers: vec![test.genesis.clone()] })
    }

    /// Imports one block: `Ok` with its header when valid (and then applied), `Err` naming
    /// why it was refused (the state is then unchanged).
    pub fn import(&mut self, config: &ChainConfig, rlp: &[u8], options: &ExecOptions) -> Result<(), String> {
        let block = Block::decode(rlp).map_err(|e| e.to_string())?;
        let parent = self.headers.last().expect("the chain holds at least the genesis");
        apply_block_with(config, parent, &block, &mut self.db, options).map_err(|e| e.to_string())?;
        self.db.insert_block_hash(block.header.number, block.header.hash);
        self.headers.push(block.header);
        Ok(())
    }
}

impl Chain {
    /// [`import`](Self::import) with `options.threads` > 1, checking the parallel path against
    /// the sequential one: the block is first executed sequentially (without commit), then
    /// imported in parallel, and the two outcomes (receipts, gas, requests, state root and
    /// changes) or errors must be identical. The outer `Err` says how they differ.
    pub fn import_compared(
        &mut self,
        config: &ChainConfig,
        rlp: &[u8],
        options: &ExecOptions,
    ) -> Result<Result<(), String>, String> {
        let Ok(block) = Block::decode(rlp) else { return Ok(self.import(config, rlp, options)) };
        let parent = self.headers.last().expect("the chain holds at least the genesis");
        let sequential = ExecOptions { threads: 1, ..options.clone() };
        let expected = execute_block_with(config, parent, &block, &mut self.db, &sequential).map(sorted);
        let got = apply_block_with(config, parent, &block, &mut self.db, options).map(sorted);
        if got != expected {
            let show = |r: &Result<BlockOutcome, BlockError>| match r {
                Ok(o) => format!("valid, state root {}, gas {}", o.state_root, o.gas_used),
                Err(e) => format!("invalid: {e}"),
            };
            return Err(format!(
                "{} threads diverged from sequential: {} (sequential: {})",
                options.threads,
                show(&got),
                show(&expected)
            ));
        }
        Ok(match got {
            Ok(_) => {
                self.db.insert_block_hash(block.header.number, block.header.hash);
                self.headers.push(block.header);
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        })
    }
}

/// A block's outcome with its change lists in a fixed order (the executor's overlay keeps them
/// in hash maps), for comparing two outcomes.
fn sorted(mut o: BlockOutcome) -> BlockOutcome {
    o.changes.accounts.sort_by_key(|c| c.address);
    o.changes.storage.sort_by_key(|s| (s.address, s.key));
    o
}

/// Runs one test, its blocks executed in `mode`.
pub fn run_test(test: &BlockTest, mode: ExecutionMode) -> Status {
    run_test_with(test, &ExecOptions { mode, ..ExecOptions::default() })
}

/// Runs one test, its blocks executed with `options` (tier, threads).
pub fn run_test_with(test: &BlockTest, options: &ExecOptions) -> Status {
    let options = options.clone();
    let mut chain = match Chain::genesis(test) {
        Ok(c) => c,
        Err(m) => return Status::Failed(vec![m]),
    };
    let mut m = Vec::new();
    for (i, (rlp, expected)) in test.blocks.iter().enumerate() {
        let imported = if options.threads > 1 {
            match chain.import_compared(&test.config, rlp, &options) {
                Ok(imported) => imported,
                Err(diverged) => {
                    m.push(Mismatch::Executor { message: format!("block {i}: {diverged}") });
                    break;
                }
            }
        } else {
            chain.import(&test.config, rlp, &options)
        };
        match (imported, expected) {
            (Ok(()), None) => {}
            (Err(_), Some(_)) => {}
            (Ok(()), Some(exception)) => {
                m.push(Mismatch::MissingException { expected: format!("block {i}: {exception}") });
                break;
            }
            (Err(reason), None) => {
                m.push(Mismatch::UnexpectedRejection { reason: format!("block {i} rejected: {reason}") });
                break;
            }
        }
    }
    if m.is_empty() {
        let last = chain.headers.last().map(|h| h.hash).unwrap_or_default();
        if last != test.last_block_hash {
            m.push(Mismatch::LastBlockHash { expected: test.last_block_hash, got: last });
        }
        let root = chain.db.state_root();
        if root != test.post_root {
            m.push(Mismatch::StateRoot { expected: test.post_root, got: root });
            if let Some(post) = &test.post {
                m.push(Mismatch::Executor { message: diff(post, chain.db.db()) });
            }
        }
    }
    if m.is_empty() { Status::Passed } else { Status::Failed(m) }
}

/// The accounts whose state differs from `expected`, at most a few.
fn diff(expected: &PreState, db: &InMemoryDb) -> String {
    let mut out = Vec::new();
    let expected_db = db_from_pre(expected);
    let mut addresses: Vec<Address> = expected.keys().copied().collect();
    addresses.extend(db.accounts().map(|(a, _)| *a).filter(|a| !expected.contains_key(a)));
    for a in addresses {
        let (want, got) = (expected_db.account(&a), db.account(&a));
        if want != got {
            let show = |acct: Option<&kestrel::state::DbAccount>| match acct {
                None => "absent".to_owned(),
                Some(x) => format!(
                    "nonce {} balance {} code {} slots {}",
                    x.info.nonce,
                    x.info.balance,
                    x.info.code_hash,
                    x.storage.len()
                ),
            };
            out.push(format!("{a}: expected {}, got {}", show(want), show(got)));
        }
        if out.len() == 4 {
            break;
        }
    }
    format!("post-state differs: {}", out.join("; "))
}

fn evaluate(t: &LoadedTest, options: &ExecOptions) -> CaseResult {
    match t {
        LoadedTest::Ready(test) => CaseResult { id: test.id.clone(), status: run_test_with(test, options) },
        LoadedTest::Skipped(id, why) => CaseResult { id: id.clone(), status: Status::Skipped(why.clone()) },
        LoadedTest::Broken(id, e) => CaseResult {
            id: id.clone(),
            status: Status::Failed(vec![Mismatch::Fixture { message: e.clone() }]),
        },
    }
}

fn id_of(t: &LoadedTest) -> &CaseId {
    match t {
        LoadedTest::Ready(test) => &test.id,
        LoadedTest::Skipped(id, _) | LoadedTest::Broken(id, _) => id,
    }
}

/// Loads and runs every selected test under `paths`, files and tests in parallel, with a
/// progress bar on a terminal.
pub fn run_blocktest_paths(paths: &[std::path::PathBuf], filter: &Filter, known: KnownFailures) -> RunReport {
    run_blocktest_paths_with(paths, filter, known, 1)
}

/// [`run_blocktest_paths`] with each block's transactions executed on `threads` threads
/// (1: sequentially; see [`ExecOptions::threads`]).
pub fn run_blocktest_paths_with(
    paths: &[std::path::PathBuf],
    filter: &Filter,
    known: KnownFailures,
    threads: usize,
) -> RunReport {
    let options = ExecOptions { mode: filter.mode, threads, ..ExecOptions::default() };
    let report = run_files(paths, known, |file| {
        let tests = load_blocktest(file)?;
        Some(tests.par_iter().filter(|t| filter.selects(id_of(t))).map(|t| evaluate(t, &options)).collect())
    });
    if threads > 1 {
        // That the parallel path really ran, and how its transactions were settled.
        let s = kestrel::block::parallel::Stats::get();
        eprintln!(
            "parallel ({threads} threads): {} speculative results committed, {} redone (stale reads), \
             {} redone (read the coinbase), {} redone (failed), {} run by the committer directly",
            s.validated, s.invalidated, s.read_coinbase, s.failed, s.direct
        );
    }
    report
}
