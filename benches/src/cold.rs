//! Cold calls and translation time: what a 24 KiB contract costs the first time it is called.
//!
//! Every other row times a transaction in steady state: its code analysed (and, in the compiled
//! tiers, translated) long before the first timed batch. A node also meets code for the first
//! time. The `cold/*` rows time exactly that, on the generated contract of [`crate::contract`]:
//!
//! - `cold/first-call-24k`: a transaction calling the contract once.
//! - `cold/two-calls-24k`: a transaction to a small contract that calls it twice with the same
//!   input (in Auto mode the second call is the one that queues the code for translation).
//! - `cold/distinct-NxS` ([`DISTINCT`]): a transaction calling N distinct contracts of S bytes
//!   once each (N = 1, 100, 1,000; S = 100 B, 5 KiB, 24 KiB), what a block touching many
//!   contracts pays. Each contract returns at once (`PUSH0 PUSH0 RETURN`, then the generated
//!   contract's bytes up to S): the row times loading and analysing code, not running it.
//!
//! The first-call transaction also runs as an ordinary row, [`WARM_NAME`], timed in steady state
//! like the workloads: the difference is what coming first costs.
//!
//! Every timed call runs a variant of the contract no cache has seen ([`Contract24k::variant`]:
//! same operations and gas, new code hash), installed before the clock starts:
//!
//! - Kestrel: the code is served by `ColdDb` and the journal's account cache is reset, so the
//!   call reads the code from the database, hashes it (the analysis cache only keeps code whose
//!   hash it computed), analyses it, and in Compiled mode translates it on the spot. In Auto mode
//!   it is interpreted: the first sighting is counted, the second queues the background
//!   translator. Interpreter mode only analyses.
//! - revm: the account carries only the code hash and `RawCode` analyses the raw code when
//!   revm asks for it (`Bytecode::new_raw`, as a node decoding code from its database does), so
//!   revm's analysis is inside its timed call too. revm is given the code hash, as a node's
//!   database holds it; Kestrel recomputes it.
//!
//! A round runs one cold call per side, each timed alone with the **thread's** CPU time
//! ([`Clock::ThreadCpu`]): Kestrel's background translator must not be charged to the calling
//! thread, nor to the side timed after it. After each Auto call that queued a translation the
//! harness waits, untimed, until the translator is done, so it never runs beside another side's
//! call either. Auto's time is therefore the latency the transaction sees; the translation it
//! queued costs another thread about what `translate/*` below reports.
//!
//! [`translation_times`] times the pieces on their own: keccak256 of the code, Kestrel's
//! analysis (`Bytecode::new`, with that hash), `Program::translate`, and revm's analysis, each
//! the median of single calls.

// alloy's map (foldhash) on both sides: revm's `CacheDB` uses it too.
use revm::primitives::HashMap;
use std::convert::Infallible;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kestrel_bytecode::Bytecode as KestrelBytecode;
use kestrel_bytecode::Caches;
use kestrel_bytecode::program::{Program, ProgramCache};
use kestrel_cli::statetest::Case;
use kestrel_cli::statetest::exec::build_db;
use kestrel_host::{Evm, ExecutionMode, TxError};
use kestrel_primitives::{Address, B256, Bytes, keccak256};
use kestrel_state::{AccountInfo, Database, InMemoryDb};
use revm::bytecode::Bytecode as RevmBytecode;
use revm::context::TxEnv;
use revm::context_interface::ContextTr;
use revm::database::CacheDB;
use revm::handler::{MainnetContext, MainnetEvm};
use revm::state::AccountInfo as RevmAccountInfo;
use revm::{Context, DatabaseRef, ExecuteEvm, MainBuilder, MainContext};

use crate::attacks::{hex, load_generated, state_test_json};
use crate::contract::Contract24k;
use crate::timing::{Budget, Clock, Samples, rounds};
use crate::{Outcome, RevmSetup};

/// The cold rows of the generated 24 KiB contract, in table order.
pub const COLD_NAMES: [&str; 2] = ["cold/first-call-24k", "cold/two-calls-24k"];

/// The distinct-contract cold rows: name, contracts called, bytes of code each.
pub const DISTINCT: [(&str, usize, usize); 9] = [
    ("cold/distinct-1x100b", 1, 100),
    ("cold/distinct-100x100b", 100, 100),
    ("cold/distinct-1000x100b", 1000, 100),
    ("cold/distinct-1x5k", 1, 5 << 10),
    ("cold/distinct-100x5k", 100, 5 << 10),
    ("cold/distinct-1000x5k", 1000, 5 << 10),
    ("cold/distinct-1x24k", 1, 24 << 10),
    ("cold/distinct-100x24k", 100, 24 << 10),
    ("cold/distinct-1000x24k", 1000, 24 << 10),
];

/// Every cold row, in table order.
pub fn cold_names() -> impl Iterator<Item = &'static str> {
    COLD_NAMES.into_iter().chain(DISTINCT.iter().map(|d| d.0))
}

/// Where the distinct contracts live: `DISTINCT_BASE + i` for `i` in `1..=N`.
const DISTINCT_BASE: Address = Address::new([0xd0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/// Where the contract calling the distinct contracts lives.
const DISTINCT_CALLER: Address = Address::new([0xc2; 20]);

/// The distinct row `name`: contracts and code size.
fn distinct(name: &str) -> Option<(usize, usize)> {
    DISTINCT.iter().find(|d| d.0 == name).map(|d| (d.1, d.2))
}

/// The address of distinct contract `i` (1-based).
fn distinct_address(i: usize) -> Address {
    let mut bytes = DISTINCT_BASE.into_array();
    bytes[12..].copy_from_slice(&(i as u64).to_be_bytes());
    Address::new(bytes)
}

/// A loop calling `DISTINCT_BASE + i` for `i` from `n` down to 1 with all its gas and no data:
/// `PUSH2 n; JUMPDEST; PUSH0 x5; DUP6; PUSH20 base; ADD; GAS; CALL; POP; PUSH1 1; SWAP1; SUB;
/// DUP1; PUSH1 3; JUMPI; STOP`.
fn distinct_caller(n: usize) -> Vec<u8> {
    let mut code = vec![0x61, (n >> 8) as u8, n as u8, 0x5b, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x85, 0x73];
    code.extend_from_slice(DISTINCT_BASE.as_slice());
    code.extend_from_slice(&[0x01, 0x5a, 0xf1, 0x50, 0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x03, 0x57, 0x00]);
    code
}

/// Distinct contract code of `size` bytes, variant `n`: `PUSH0 PUSH0 RETURN`, then the generated
/// contract's bytes, the last eight replaced by `n` (so every variant has its own hash).
fn distinct_code(contract: &Contract24k, size: usize, n: u64) -> Vec<u8> {
    let mut code = vec![0x5f, 0x5f, 0xf3];
    let body = contract.code();
    code.extend_from_slice(&body[..(size - 3).min(body.len())]);
    code.resize(size, 0);
    let len = code.len();
    code[len - 8..].copy_from_slice(&n.to_be_bytes());
    code
}

/// The first-call row's transaction timed like every other row, in steady state: the reference
/// the cold rows are read against.
pub const WARM_NAME: &str = "generated/24k-call";

/// The translation-time rows of the generated contract (a workload's largest contract may be
/// added by the caller).
pub const TRANSLATE_NAME: &str = "translate/generated-24k";

/// Where the generated contract lives.
const TARGET: Address = Address::new([0xc0; 20]);

/// Where the contract calling it twice lives.
const TWICE: Address = Address::new([0xc1; 20]);

/// Gas limit of the cold transactions: far above what they use.
const GAS_LIMIT: u64 = 1_000_000;

/// The generated contract, built once per process.
pub fn contract() -> Result<&'static Contract24k, String> {
    static CONTRACT: OnceLock<Result<Contract24k, String>> = OnceLock::new();
    CONTRACT.get_or_init(Contract24k::generate).as_ref().map_err(Clone::clone)
}

/// `CALL(GAS, TARGET, 0, calldata, 32 bytes out at 0x100)` twice, then `STOP`.
fn twice_caller() -> Vec<u8> {
    let mut code = vec![0x36, 0x5f, 0x5f, 0x37]; // CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY
    for _ in 0..2 {
        // retSize 32, retOffset 0x100, argsSize, argsOffset 0, value 0, address, gas
        code.extend_from_slice(&[0x60, 0x20, 0x61, 0x01, 0x00, 0x36, 0x5f, 0x5f, 0x73]);
        code.extend_from_slice(TARGET.as_slice());
        code.extend_from_slice(&[0x5a, 0xf1, 0x50]); // GAS CALL POP
    }
    code.push(0x00);
    code
}

/// The case of cold row `name` with variant 0 of the contract: the transaction, block and
/// pre-state both EVMs start from (the harness swaps in a new variant before every call).
pub fn cold_case(name: &str) -> Result<Case, String> {
    let contract = contract()?;
    let target = (hex(TARGET.as_slice()), contract.code());
    let caller = twice_caller();
    let json = match name {
        n if n == COLD_NAMES[0] || n == WARM_NAME => state_test_json(
            name,
            &[target],
            &hex(TARGET.as_slice()),
            &contract.calldata(),
            "Osaka",
            GAS_LIMIT,
        ),
        n if n == COLD_NAMES[1] => {
            let accounts = [target, (hex(TWICE.as_slice()), caller.as_slice())];
            state_test_json(name, &accounts, &hex(TWICE.as_slice()), &contract.calldata(), "Osaka", GAS_LIMIT)
        }
        n if distinct(n).is_some() => {
            let (count, _) = distinct(n).unwrap_or_default();
            // The fixture holds only the three opcodes that run (the gas does not depend on
            // the rest); the harness installs full-size code before every timed call.
            let caller = distinct_caller(count);
            let stub = [0x5f, 0x5f, 0xf3];
            let mut accounts = vec![(hex(DISTINCT_CALLER.as_slice()), caller.as_slice())];
            accounts.extend((1..=count).map(|i| (hex(distinct_address(i).as_slice()), &stub[..])));
            let gas = 100_000 + count as u64 * 5_000;
            state_test_json(name, &accounts, &hex(DISTINCT_CALLER.as_slice()), &[], "Osaka", gas)
        }
        _ => return Err(format!("{name}: not a row of the generated contract")),
    };
    load_generated(name, &json)
}

/// Kestrel's database for a cold row: the case's pre-state, with the code of the cold targets
/// replaced by whatever was installed last.
#[derive(Debug)]
struct ColdDb {
    inner: InMemoryDb,
    codes: HashMap<Address, (Bytes, B256)>,
}

impl ColdDb {
    /// The case's pre-state, serving `codes` (hashed here) for their addresses.
    fn new(case: &Case, codes: &[(Address, Bytes)]) -> Self {
        let mut db = Self { inner: build_db(case), codes: HashMap::default() };
        db.install(codes);
        db
    }

    /// Serves `codes` from now on, in place of the ones before.
    fn install(&mut self, codes: &[(Address, Bytes)]) {
        self.codes = codes.iter().map(|(a, c)| (*a, (c.clone(), keccak256(c)))).collect();
    }
}

impl Database for ColdDb {
    type Error = Infallible;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Infallible> {
        let info = self.inner.basic(address)?;
        Ok(match (info, self.codes.get(address)) {
            (Some(info), Some((code, hash))) => {
                Some(AccountInfo { code_hash: *hash, code: Some(code.clone()), ..info })
            }
            (other, _) => other,
        })
    }

    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Infallible> {
        match self.codes.values().find(|(_, hash)| hash == code_hash) {
            Some((code, _)) => Ok(code.clone()),
            None => self.inner.code_by_hash(code_hash),
        }
    }

    fn storage(
        &mut self,
        address: &Address,
        key: &kestrel_primitives::U256,
    ) -> Result<kestrel_primitives::U256, Infallible> {
        self.inner.storage(address, key)
    }

    fn has_storage(&mut self, address: &Address) -> Result<bool, Infallible> {
        self.inner.has_storage(address)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Infallible> {
        self.inner.block_hash(number)
    }
}

/// revm's backing database for a cold row: serves the installed raw code, analysing it on
/// every request (revm's `CacheDB` in front of it asks once per code hash). Everything else is
/// in the `CacheDB`.
#[derive(Clone, Debug, Default)]
struct RawCode {
    code: HashMap<B256, Bytes>,
}

impl DatabaseRef for RawCode {
    type Error = Infallible;

    fn basic_ref(&self, _: Address) -> Result<Option<RevmAccountInfo>, Infallible> {
        Ok(None)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<RevmBytecode, Infallible> {
        Ok(match self.code.get(&code_hash) {
            Some(code) => RevmBytecode::new_legacy(code.clone()),
            None => RevmBytecode::default(),
        })
    }

    fn storage_ref(
        &self,
        _: Address,
        _: revm::primitives::StorageKey,
    ) -> Result<revm::primitives::StorageValue, Infallible> {
        Ok(revm::primitives::U256::ZERO)
    }

    fn block_hash_ref(&self, _: u64) -> Result<B256, Infallible> {
        Ok(B256::ZERO)
    }
}

type ColdRevm = MainnetEvm<MainnetContext<CacheDB<RawCode>>>;

/// One side of a cold row.
enum Side {
    Kestrel(ExecutionMode, Box<Evm<ColdDb>>),
    Revm(Box<ColdRevm>, Vec<RevmAccountInfo>),
}

impl Side {
    /// Installs `codes` (new to every cache) as the targets' code; `fresh_caches`: the Kestrel
    /// side also starts from empty caches (a row of many contracts would otherwise fill the
    /// process's caches, which start over inside some timed call). Not timed.
    fn install(&mut self, case: &Case, codes: &[(Address, Bytes)], fresh_caches: bool) {
        match self {
            Side::Kestrel(_, evm) => {
                evm.journal_mut().db_mut().install(codes);
                // The journal caches accounts (with their code) across transactions: forget
                // them, then load again what revm's `CacheDB` keeps between its transactions
                // (sender, coinbase, the precompiles Kestrel warms by loading), with a
                // transaction that touches none of the targets.
                evm.journal_mut().reset();
                let warm = kestrel_primitives::TxEnv {
                    to: Some(case.tx.caller),
                    data: Bytes::new(),
                    ..case.tx.clone()
                };
                let _ = evm.transact_discard(warm);
                if fresh_caches {
                    evm.set_caches(Caches::isolated());
                }
            }
            Side::Revm(evm, infos) => {
                let db = evm.ctx.db_mut();
                for old in std::mem::take(&mut db.db.code).into_keys() {
                    // CacheDB kept the last variants' analyses: drop them, they are never asked again.
                    db.cache.contracts.remove(&old);
                }
                for ((address, code), info) in codes.iter().zip(infos.iter()) {
                    let hash = keccak256(code);
                    db.insert_account_info(
                        *address,
                        RevmAccountInfo { code_hash: hash, code: None, ..info.clone() },
                    );
                    db.db.code.insert(hash, code.clone());
                }
            }
        }
    }

    /// Runs the transaction once; gas used (0 when rejected or failed).
    fn run(&mut self, case: &Case, tx: &TxEnv) -> Result<u64, String> {
        match self {
            Side::Kestrel(_, evm) => match evm.transact_discard(case.tx.clone()) {
                Ok(r) => Ok(r.gas_used),
                Err(TxError::Invalid(e)) => Err(format!("Kestrel rejected the transaction: {e:?}")),
                Err(TxError::Database(e)) => Err(format!("Kestrel database error: {e}")),
                Err(e @ TxError::Halted(_)) => Err(format!("Kestrel: {e}")),
            },
            Side::Revm(evm, _) => evm
                .transact(tx.clone())
                .map(|r| r.result.tx_gas_used())
                .map_err(|e| format!("revm rejected the transaction: {e:?}")),
        }
    }
}

/// What a cold row measured: the samples (Kestrel modes in the given order, then revm) and the
/// rounds in which Auto queued a translation that did not finish within the wait.
#[derive(Clone, Debug)]
pub struct ColdTiming {
    /// One sample per side per round, ns.
    pub samples: Samples,
    /// Auto translations not delivered within [`TRANSLATOR_WAIT`] after their call.
    pub late_translations: usize,
}

/// Longest wait for the background translator after an Auto call.
pub const TRANSLATOR_WAIT: Duration = Duration::from_millis(200);

/// Times cold row `name` (its `case`) for `modes` and revm: one cold call per side per round
/// (see the module docs). `outcome` is the checked result: every timed call must use its gas.
/// Errors name the side that failed or disagreed.
pub fn measure_cold(
    name: &str,
    case: &Case,
    modes: &[ExecutionMode],
    outcome: Outcome,
    budget: Budget,
) -> Result<ColdTiming, String> {
    let contract = contract()?;
    // Only the two-call row sees the code twice, which queues it in Auto mode.
    let queues = name == COLD_NAMES[1];
    let many = distinct(name);
    let targets: Vec<Address> = match many {
        Some((count, _)) => (1..=count).map(distinct_address).collect(),
        None => vec![TARGET],
    };
    // Installing a thousand contracts is slow (untimed): a few rounds say enough.
    let budget = match many {
        Some((count, _)) if count > 1 => Budget { max_rounds: budget.max_rounds.min(15), ..budget },
        _ => budget,
    };
    let setup = RevmSetup::from_case(case)?;
    let mut sides = build_sides(case, &setup, modes, &targets, many)?;

    let mut buffer = contract.code().to_vec();
    let mut error = None;
    let mut late = 0;
    let clock = budget.clock;
    let cache = ProgramCache::global();
    let samples = rounds(budget, sides.len(), |i| {
        if error.is_some() {
            return f64::NAN;
        }
        let side = &mut sides[i];
        let codes = new_codes(contract, &targets, many, &mut buffer);
        side.install(case, &codes, many.is_some());
        let translations = cache.stats().translations;
        let start = clock.now_ns();
        let gas = side.run(case, &setup.tx);
        let ns = clock.now_ns().saturating_sub(start) as f64;
        let name = match side {
            Side::Kestrel(mode, _) => format!("Kestrel ({})", crate::mode_name(*mode)),
            Side::Revm(..) => "revm".to_owned(),
        };
        match gas {
            Ok(g) if g == outcome.gas_used => {}
            Ok(g) => {
                error = Some(format!("a cold {name} call used {g} gas, the checked run {}", outcome.gas_used))
            }
            Err(e) => error = Some(format!("{name}: {e}")),
        }
        if queues
            && matches!(side, Side::Kestrel(ExecutionMode::Auto, _))
            && cache.stats().translations == translations
        {
            late += usize::from(!wait_for_translator(translations));
        }
        ns
    });
    match error {
        Some(e) => Err(e),
        None => Ok(ColdTiming { samples, late_translations: late }),
    }
}

/// The sides of a cold row: Kestrel in each of `modes`, then revm, each over the case's
/// pre-state with variant 0 of the targets' code installed.
fn build_sides(
    case: &Case,
    setup: &RevmSetup,
    modes: &[ExecutionMode],
    targets: &[Address],
    many: Option<(usize, usize)>,
) -> Result<Vec<Side>, String> {
    let contract = contract()?;
    let infos = targets
        .iter()
        .map(|t| setup.db.cache.accounts.get(t).map(|a| a.info.clone()))
        .collect::<Option<Vec<_>>>()
        .ok_or("the cold case lacks a target account")?;
    let initial: Vec<(Address, Bytes)> = match many {
        Some((_, size)) => {
            targets.iter().map(|&t| (t, Bytes::from(distinct_code(contract, size, 0)))).collect()
        }
        None => vec![(TARGET, Bytes::copy_from_slice(contract.code()))],
    };
    let mut sides: Vec<Side> = modes
        .iter()
        .map(|&mode| {
            let mut evm = Evm::new(ColdDb::new(case, &initial), case.spec, case.chain_id);
            evm.set_block(case.block.clone());
            evm.set_mode(mode);
            Side::Kestrel(mode, Box::new(evm))
        })
        .collect();
    let db = CacheDB { cache: setup.db.cache.clone(), db: RawCode::default() };
    let revm = Context::mainnet()
        .with_db(db)
        .with_cfg(setup.cfg.clone())
        .with_block(setup.block.clone())
        .build_mainnet();
    sides.push(Side::Revm(Box::new(revm), infos));
    Ok(sides)
}

/// Code no cache has seen for every target: variants are numbered across the whole process,
/// so no two calls ever share code.
fn new_codes(
    contract: &Contract24k,
    targets: &[Address],
    many: Option<(usize, usize)>,
    buffer: &mut [u8],
) -> Vec<(Address, Bytes)> {
    static NEXT_VARIANT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let next = || NEXT_VARIANT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match many {
        Some((_, size)) => {
            targets.iter().map(|&t| (t, Bytes::from(distinct_code(contract, size, next())))).collect()
        }
        None => {
            contract.write_variant(buffer, next());
            vec![(TARGET, Bytes::copy_from_slice(buffer))]
        }
    }
}

/// Runs cold row `name` `rounds` times on one side (Kestrel in `mode`, or revm for `None`),
/// new code installed before each call, and returns the last call's gas: made to be counted by
/// callgrind with `--toggle-collect` on the transaction (see `run_one`).
pub fn run_cold(name: &str, mode: Option<ExecutionMode>, rounds: u32) -> Result<u64, String> {
    let contract = contract()?;
    let case = cold_case(name)?;
    let many = distinct(name);
    let targets: Vec<Address> = match many {
        Some((count, _)) => (1..=count).map(distinct_address).collect(),
        None => vec![TARGET],
    };
    let setup = RevmSetup::from_case(&case)?;
    let modes: Vec<ExecutionMode> = mode.into_iter().collect();
    let mut sides = build_sides(&case, &setup, &modes, &targets, many)?;
    // Kestrel's side first when there is one, revm's last.
    let side = if mode.is_some() { sides.first_mut() } else { sides.last_mut() }.ok_or("no side")?;
    let mut buffer = contract.code().to_vec();
    let mut gas = 0;
    for _ in 0..rounds {
        let codes = new_codes(contract, &targets, many, &mut buffer);
        side.install(&case, &codes, many.is_some());
        gas = cold_transaction(side, &case, &setup.tx)?;
    }
    Ok(gas)
}

/// One cold transaction, out of line so that callgrind can count it alone.
#[inline(never)]
fn cold_transaction(side: &mut Side, case: &Case, tx: &TxEnv) -> Result<u64, String> {
    side.run(case, tx)
}

/// Waits (untimed) until the background translator delivered more than `before` translations,
/// or [`TRANSLATOR_WAIT`] passed; true when it delivered.
fn wait_for_translator(before: u64) -> bool {
    let cache = ProgramCache::global();
    let start = Instant::now();
    while cache.stats().translations == before {
        if start.elapsed() > TRANSLATOR_WAIT {
            return false;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    true
}

/// Medians of the pieces of a cold call for one contract.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TranslateTime {
    /// Row name (`translate/...`).
    pub name: String,
    /// Code size, bytes.
    pub code_len: usize,
    /// keccak256 of the code, ns.
    pub keccak_ns: f64,
    /// Kestrel's `Bytecode::new`: keccak256 and analysis, ns.
    pub analysis_ns: f64,
    /// `Program::translate` of the analysed code, ns.
    pub translate_ns: f64,
    /// revm's `Bytecode::new_raw` (its jump-table analysis; no hash), ns.
    pub revm_analysis_ns: f64,
    /// Heap bytes of the translated program.
    pub program_bytes: usize,
    /// Calls timed per piece.
    pub samples: usize,
}

/// Median ns of single calls of `f` for about `time` (at least 11 calls), on `clock`.
fn median_call(clock: Clock, time: Duration, mut f: impl FnMut()) -> (f64, usize) {
    f();
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < 11 || (start.elapsed() < time && times.len() < 1_000_000) {
        let t = clock.now_ns();
        f();
        times.push(clock.now_ns().saturating_sub(t) as f64);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times.len())
}

/// Times the pieces of a cold call on `code`: each piece for `time` (see [`TranslateTime`]).
/// Errors when the code is too long to translate.
pub fn translation_time(
    name: &str,
    code: &[u8],
    clock: Clock,
    time: Duration,
) -> Result<TranslateTime, String> {
    use std::hint::black_box;
    let analysed = KestrelBytecode::new(code);
    let program =
        Program::translate(&analysed).ok_or_else(|| format!("{name}: code too long to translate"))?;
    let raw = Bytes::copy_from_slice(code);
    let (keccak_ns, n1) = median_call(clock, time, || {
        black_box(keccak256(black_box(code)));
    });
    let (analysis_ns, n2) = median_call(clock, time, || {
        black_box(KestrelBytecode::new(black_box(code)));
    });
    let (translate_ns, n3) = median_call(clock, time, || {
        black_box(Program::translate(black_box(&analysed)));
    });
    let (revm_analysis_ns, n4) = median_call(clock, time, || {
        black_box(RevmBytecode::new_raw(black_box(raw.clone())));
    });
    Ok(TranslateTime {
        name: name.to_owned(),
        code_len: code.len(),
        keccak_ns,
        analysis_ns,
        translate_ns,
        revm_analysis_ns,
        program_bytes: program.heap_bytes(),
        samples: n1.min(n2).min(n3).min(n4),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_agreement;

    /// Both cold cases run to success in both EVMs with the same gas, a realistic amount of it,
    /// and the two-call row uses about twice the execution gas.
    #[test]
    fn cold_cases_agree() {
        let once = check_agreement(&cold_case(COLD_NAMES[0]).expect("loads"), false).expect("agrees");
        let twice = check_agreement(&cold_case(COLD_NAMES[1]).expect("loads"), false).expect("agrees");
        assert!(once.success && twice.success, "{once:?} {twice:?}");
        assert!(once.gas_used > 30_000 && once.gas_used < 200_000, "{once:?}");
        assert!(twice.gas_used > once.gas_used + 5_000, "{once:?} {twice:?}");
    }

    /// A few cold rounds in every mode: each call sees new code and uses the checked gas.
    #[test]
    fn cold_rounds_run() {
        let case = cold_case(COLD_NAMES[1]).expect("loads");
        let outcome = check_agreement(&case, false).expect("agrees");
        let modes = [ExecutionMode::Interpreter, ExecutionMode::Compiled, ExecutionMode::Auto];
        let budget = Budget { clock: Clock::ThreadCpu, time: Duration::ZERO, min_rounds: 3, max_rounds: 3 };
        let before = ProgramCache::global().stats().translations;
        let t = measure_cold(COLD_NAMES[1], &case, &modes, outcome, budget).expect("measures");
        assert_eq!(t.samples.rounds(), 3);
        // Compiled translates every round's new code, and Auto queues it on the second call.
        assert!(ProgramCache::global().stats().translations >= before + 6);
        let wrong = Outcome { gas_used: outcome.gas_used + 1, ..outcome };
        assert!(measure_cold(COLD_NAMES[1], &case, &modes, wrong, budget).is_err());
    }

    /// A distinct-contract row calls every one of its contracts (the cold account access is
    /// most of its gas), agrees with revm, and times rounds that each install new code.
    #[test]
    fn distinct_rows_call_every_contract() {
        let one = check_agreement(&cold_case("cold/distinct-1x100b").expect("loads"), false).expect("agrees");
        let hundred =
            check_agreement(&cold_case("cold/distinct-100x5k").expect("loads"), false).expect("agrees");
        assert!(one.success && hundred.success, "{one:?} {hundred:?}");
        // Each further call: a cold account (2,600) and the loop's few opcodes.
        let per_call = (hundred.gas_used - one.gas_used) / 99;
        assert!((2_600..2_700).contains(&per_call), "{per_call} gas per call");
        let case = cold_case("cold/distinct-100x5k").expect("loads");
        let budget = Budget { clock: Clock::ThreadCpu, time: Duration::ZERO, min_rounds: 2, max_rounds: 2 };
        let t = measure_cold("cold/distinct-100x5k", &case, &[ExecutionMode::Auto], hundred, budget)
            .expect("measures");
        assert_eq!(t.samples.rounds(), 2);
        let code = distinct_code(contract().expect("generates"), 5 << 10, 7);
        assert_eq!((code.len(), &code[..3]), (5 << 10, &[0x5f, 0x5f, 0xf3][..]));
        assert_eq!(distinct_address(1000).as_slice()[18..], [0x03, 0xe8]);
    }

    #[test]
    fn translation_time_measures() {
        let c = contract().expect("generates");
        let t =
            translation_time(TRANSLATE_NAME, c.code(), Clock::ThreadCpu, Duration::ZERO).expect("translates");
        assert!(t.translate_ns > 0.0 && t.analysis_ns > t.keccak_ns && t.program_bytes > c.code().len());
    }
}
