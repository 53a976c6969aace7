//! Benchmarks of Kestrel against revm: the shared setup.
//!
//! Both sides start from the same [`Case`] as loaded by Kestrel's state-test loader
//! (`kestrel_cli`): Kestrel through its own runner helpers, revm through the conversion here
//! ([`RevmSetup::from_case`]), so the two time exactly the same transaction on the same
//! pre-state, block and fork. [`load_workload`] finds and loads one workload file and
//! [`check_case`] runs both once and refuses to go on unless they agree with each other and
//! with the fixture.
//!
//! The harness behind `cargo xtask bench` is built from [`rows`] (the bench set: every workload
//! file's tests plus the generated [`attacks`]), [`timing`] (alternating batches) and
//! [`report`] (the table, Markdown and JSON); the `kbench` and `run_one` binaries drive them.

pub mod attacks;
pub mod blocks;
pub mod cold;
pub mod contract;
pub mod fixtures;
pub mod report;
pub mod revm_blocks;
pub mod rows;
pub mod timing;

use std::path::{Path, PathBuf};

use kestrel_cli::bench::pick_cases;
use kestrel_cli::statetest::exec::{block_hash_of, build_db, evm_for, execute, finish_block, run_on};
use kestrel_cli::statetest::root::db_state_root;
use kestrel_cli::statetest::{Case, ExecError, FileCases, load_file};
use kestrel_host::{Evm, ExecutionMode, TxError};
use kestrel_primitives::SpecId;
use kestrel_state::InMemoryDb;
use revm::context::transaction::{
    AccessList, AccessListItem, Authorization, RecoveredAuthority, RecoveredAuthorization,
    SignedAuthorization,
};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::either::Either;
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::eip4844::{BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE};
use revm::primitives::hardfork::SpecId as RevmSpec;
use revm::primitives::{TxKind, U256};
use revm::state::{AccountInfo, Bytecode};
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};

/// The revm database a case runs on: the pre-state held entirely in the cache.
pub type RevmDb = CacheDB<EmptyDB>;

/// A mainnet revm EVM over [`RevmDb`], configured for one case.
pub type RevmEvm = MainnetEvm<MainnetContext<RevmDb>>;

/// The workload folder: `KESTREL_BENCH_WORKLOADS`, or `shared/bench/workloads` next to the
/// repository. Errors when it is not a directory, so a missing corpus fails the run loudly
/// instead of benchmarking nothing.
pub fn workloads_dir() -> Result<PathBuf, String> {
    let dir = std::env::var_os("KESTREL_BENCH_WORKLOADS").map_or_else(
        || {
            std::path::PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
            )
            .join("../../shared/bench/workloads")
        },
        PathBuf::from,
    );
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "benchmark workloads not found at {} (set KESTREL_BENCH_WORKLOADS to the folder of state-test JSON files)",
            dir.display()
        ))
    }
}

/// `KESTREL_MODE=interpreter|compiled|auto` (Kestrel's execution tier; default auto) when set;
/// an unknown value is an error naming it. The caller gives the mode to the `Evm`s it makes.
pub fn mode_from_env() -> Result<Option<kestrel_host::ExecutionMode>, String> {
    match std::env::var("KESTREL_MODE") {
        Ok(mode) => {
            let mode =
                mode.parse::<kestrel_host::ExecutionMode>().map_err(|e| format!("KESTREL_MODE: {e}"))?;
            Ok(Some(mode))
        }
        Err(_) => Ok(None),
    }
}

/// Every execution mode, in table order.
pub const ALL_MODES: [kestrel_host::ExecutionMode; 3] = [
    kestrel_host::ExecutionMode::Interpreter,
    kestrel_host::ExecutionMode::Compiled,
    kestrel_host::ExecutionMode::Auto,
];

/// The lower-case name of an execution mode, as `KESTREL_MODE` and `--modes` spell it.
pub fn mode_name(mode: kestrel_host::ExecutionMode) -> &'static str {
    match mode {
        kestrel_host::ExecutionMode::Interpreter => "interpreter",
        kestrel_host::ExecutionMode::Compiled => "compiled",
        kestrel_host::ExecutionMode::Auto => "auto",
    }
}

/// For tests: the workload folder, or `None` with a note on stderr when it is missing and
/// `KESTREL_REQUIRE_SHARED` (set by CI) is unset, so a clone without the shared data still
/// tests everything else.
#[cfg(test)]
pub(crate) fn workloads_for_tests() -> Option<PathBuf> {
    match workloads_dir() {
        Ok(dir) => Some(dir),
        Err(e) if std::env::var_os("KESTREL_REQUIRE_SHARED").is_none() => {
            eprintln!("NOT CHECKED: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// Loads `file` under `dir` and picks its first test's case for the test's newest fork
/// (post entry 0), as `kestrel bench` does. Errors name the file and what is wrong.
pub fn load_workload(dir: &Path, file: &str) -> Result<Case, String> {
    let path = dir.join(file);
    let FileCases::Cases(cases) = load_file(&path) else {
        return Err(format!("{}: holds no state test", path.display()));
    };
    let (picked, problems) = pick_cases(cases, None);
    if let Some(p) = problems.first() {
        return Err(format!("{}: {p}", path.display()));
    }
    picked.into_iter().next().ok_or_else(|| format!("{}: no runnable case", path.display()))
}

/// What one execution produced, in terms both EVMs share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the transaction was included (`false` when rejected as invalid).
    pub included: bool,
    /// Whether the outermost frame succeeded (`false` on revert, halt or rejection).
    pub success: bool,
    /// Gas charged after refunds (0 when rejected).
    pub gas_used: u64,
}

/// Runs the case once on each EVM and checks, before anything is timed, that Kestrel's
/// committed run matches the fixture (state root, logs hash, expected exception) and that a
/// non-committing run of each EVM includes or rejects it the same way, with the same success and
/// the same gas. Returns the agreed outcome.
pub fn check_case(case: &Case) -> Result<Outcome, String> {
    check_agreement(case, true)
}

/// [`check_case`], with the committed run compared to the fixture's post-state only when
/// `fixture` is true. Generated cases have no post-state: for them only the non-committing runs
/// of the two EVMs are compared (one Kestrel run fewer, which matters for the slow
/// adversarial rows).
pub fn check_agreement(case: &Case, fixture: bool) -> Result<Outcome, String> {
    let committed_gas = if fixture {
        let mut committed = build_db(case);
        let first = execute(case, &mut committed, ExecutionMode::Auto);
        finish_block(&case.finish, &mut committed);
        let root = db_state_root(&committed);
        let e = &case.expected;
        match &first {
            Ok(out) if e.exception.is_none() && root == e.state_root && out.logs_hash == e.logs_hash => {}
            Err(ExecError::Rejected(_)) if e.exception.is_some() && root == e.state_root => {}
            Ok(out) => {
                return Err(format!(
                    "{}: Kestrel does not match the fixture: state root {root} (expected {}), logs hash {} \
                     (expected {}), expected exception {:?}, gas used {}",
                    case.id, e.state_root, out.logs_hash, e.logs_hash, e.exception, out.gas_used
                ));
            }
            Err(err) => {
                return Err(format!(
                    "{}: Kestrel does not match the fixture: {err:?} with state root {root} (expected {}, \
                     expected exception {:?})",
                    case.id, e.state_root, e.exception
                ));
            }
        }
        Some(first.as_ref().map_or(0, |o| o.gas_used))
    } else {
        None
    };

    let mut db = build_db(case);
    let mut evm = evm_for(case, &mut db, ExecutionMode::Auto);
    let kestrel = match evm.transact_discard(case.tx.clone()) {
        Ok(r) => Outcome { included: true, success: r.is_success(), gas_used: r.gas_used },
        Err(TxError::Invalid(_)) => Outcome { included: false, success: false, gas_used: 0 },
        Err(TxError::Database(why)) => return Err(format!("{}: Kestrel database error: {why}", case.id)),
        Err(e @ TxError::Halted(_)) => return Err(format!("{}: Kestrel: {e}", case.id)),
    };
    if committed_gas.is_some_and(|g| g != kestrel.gas_used) {
        return Err(format!("{}: Kestrel's committed and discarded runs used different gas", case.id));
    }

    let setup = RevmSetup::from_case(case)?;
    let mut evm = setup.evm();
    let revm = match evm.transact(setup.tx.clone()) {
        Ok(r) => Outcome { included: true, success: r.result.is_success(), gas_used: r.result.tx_gas_used() },
        Err(_) => Outcome { included: false, success: false, gas_used: 0 },
    };
    if revm != kestrel {
        return Err(format!("{}: Kestrel {kestrel:?} but revm {revm:?}", case.id));
    }
    Ok(kestrel)
}

/// Runs the case's transaction on a reused Kestrel EVM without committing: what the `kestrel`
/// benchmark function times. Returns gas used (0 when rejected), so the work cannot be dropped.
pub fn run_kestrel(evm: &mut Evm<&mut InMemoryDb>, case: &Case) -> u64 {
    run_on(evm, case.tx.clone(), false).map_or(0, |o| o.gas_used)
}

/// Runs `tx` on a reused revm EVM and drops the state changes (`transact` = execute, then
/// finalize the journal; nothing is written to the database): what the `revm` benchmark function
/// times. Returns gas used (0 when rejected).
pub fn run_revm(evm: &mut RevmEvm, tx: &TxEnv) -> u64 {
    evm.transact(tx.clone()).map_or(0, |r| r.result.tx_gas_used())
}

/// Everything revm needs to run one case: database, config, block and transaction.
#[derive(Clone, Debug)]
pub struct RevmSetup {
    /// The pre-state plus the 256 previous block hashes the state tests assume.
    pub db: RevmDb,
    /// Fork and chain id.
    pub cfg: CfgEnv,
    /// The block.
    pub block: BlockEnv,
    /// The transaction.
    pub tx: TxEnv,
}

impl RevmSetup {
    /// Converts a Kestrel case. Errors (never panics) on values revm's types cannot hold, for
    /// example a gas price wider than 128 bits or undecodable EIP-7702 code.
    pub fn from_case(case: &Case) -> Result<Self, String> {
        let spec = revm_spec(case.spec).map_err(|e| format!("{}: {e}", case.id))?;
        let mut cfg = CfgEnv::new_with_spec(spec);
        cfg.chain_id = case.chain_id;
        let fraction = case
            .block
            .blob_base_fee_update_fraction
            .or(case.blob_params.map(|p| p.base_fee_update_fraction))
            .unwrap_or(if case.spec.is_enabled_in(SpecId::Prague) {
                BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
            } else {
                BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
            });
        cfg.blob_base_fee_update_fraction = Some(fraction);
        if let Some(p) = case.blob_params {
            cfg.max_blobs_per_tx = Some(p.max);
        }

        let b = &case.block;
        let block = BlockEnv {
            number: U256::from(b.number),
            beneficiary: b.coinbase,
            timestamp: U256::from(b.timestamp),
            gas_limit: b.gas_limit,
            basefee: u64::try_from(b.basefee).map_err(|_| format!("{}: base fee above 2^64", case.id))?,
            difficulty: b.difficulty,
            prevrandao: b.prevrandao,
            blob_excess_gas_and_price: b.excess_blob_gas.map(|x| BlobExcessGasAndPrice::new(x, fraction)),
            ..BlockEnv::default()
        };

        let tx = revm_tx(case)?;

        let mut db = CacheDB::new(EmptyDB::default());
        for (address, account) in case.pre.iter() {
            let code = Bytecode::new_raw_checked(account.code.clone())
                .map_err(|e| format!("{}: code of {address}: {e:?}", case.id))?;
            let info =
                AccountInfo { balance: account.balance, nonce: account.nonce, ..AccountInfo::default() }
                    .with_code(code);
            db.insert_account_info(*address, info);
            for (key, value) in &account.storage {
                db.insert_account_storage(*address, *key, *value)
                    .map_err(|e| format!("{}: storage of {address}: {e:?}", case.id))?;
            }
        }
        for n in b.number.saturating_sub(256)..b.number {
            db.cache.block_hashes.insert(U256::from(n), block_hash_of(n));
        }
        Ok(RevmSetup { db, cfg, block, tx })
    }

    /// A mainnet revm EVM over a copy of the database, with this setup's config and block.
    pub fn evm(&self) -> RevmEvm {
        Context::mainnet()
            .with_db(self.db.clone())
            .with_cfg(self.cfg.clone())
            .with_block(self.block.clone())
            .build_mainnet()
    }
}

/// revm's name for a Kestrel fork; errors for Constantinople (with EIP-1283), which revm does
/// not model (it only has Petersburg).
pub fn revm_spec(spec: SpecId) -> Result<RevmSpec, String> {
    Ok(match spec {
        SpecId::Frontier => RevmSpec::FRONTIER,
        SpecId::Homestead => RevmSpec::HOMESTEAD,
        SpecId::TangerineWhistle => RevmSpec::TANGERINE,
        SpecId::SpuriousDragon => RevmSpec::SPURIOUS_DRAGON,
        SpecId::Byzantium => RevmSpec::BYZANTIUM,
        SpecId::Constantinople => return Err("revm has no Constantinople (with EIP-1283)".to_owned()),
        SpecId::Petersburg => RevmSpec::PETERSBURG,
        SpecId::Istanbul => RevmSpec::ISTANBUL,
        SpecId::Berlin => RevmSpec::BERLIN,
        SpecId::London => RevmSpec::LONDON,
        SpecId::Paris => RevmSpec::MERGE,
        SpecId::Shanghai => RevmSpec::SHANGHAI,
        SpecId::Cancun => RevmSpec::CANCUN,
        SpecId::Prague => RevmSpec::PRAGUE,
        SpecId::Osaka => RevmSpec::OSAKA,
    })
}

fn u128_of(value: U256, what: &str, id: &dyn std::fmt::Display) -> Result<u128, String> {
    u128::try_from(value).map_err(|_| format!("{id}: {what} above 2^128"))
}

/// The case's transaction in revm's form.
fn revm_tx(case: &Case) -> Result<TxEnv, String> {
    revm_tx_env(&case.tx, &case.id)
}

/// A Kestrel transaction in revm's form (access list, EIP-1559 and blob fields, EIP-7702
/// authorizations: recovered ones as recovered, the others for revm to recover). Errors name
/// `id` and the field revm's types cannot hold.
pub fn revm_tx_env(t: &kestrel_primitives::TxEnv, id: &dyn std::fmt::Display) -> Result<TxEnv, String> {
    let access_list = AccessList(
        t.access_list
            .iter()
            .map(|i| AccessListItem { address: i.address, storage_keys: i.storage_keys.clone() })
            .collect(),
    );
    let mut authorization_list = Vec::with_capacity(t.authorization_list.len());
    for a in &t.authorization_list {
        let inner = Authorization { chain_id: a.chain_id, address: a.address, nonce: a.nonce };
        authorization_list.push(match a.authority {
            Some(authority) => Either::Right(RecoveredAuthorization::new_unchecked(
                inner,
                RecoveredAuthority::Valid(authority),
            )),
            None => {
                let y = u8::try_from(a.y_parity).map_err(|_| format!("{id}: authorization y_parity"))?;
                Either::Left(SignedAuthorization::new_unchecked(inner, y, a.r, a.s))
            }
        });
    }
    Ok(TxEnv {
        tx_type: t.tx_type,
        caller: t.caller,
        gas_limit: t.gas_limit,
        gas_price: u128_of(t.gas_price, "gas price", id)?,
        kind: t.to.map_or(TxKind::Create, TxKind::Call),
        value: t.value,
        data: t.data.clone(),
        nonce: t.nonce,
        chain_id: t.chain_id,
        access_list,
        gas_priority_fee: t.gas_priority_fee.map(|f| u128_of(f, "priority fee", id)).transpose()?,
        blob_hashes: t.blob_hashes.clone(),
        max_fee_per_blob_gas: t.max_fee_per_blob_gas.map_or(Ok(0), |f| u128_of(f, "blob fee", id))?,
        authorization_list,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both EVMs agree with each other and with the fixture on a real-contract workload.
    #[test]
    fn weth_agrees_with_fixture_and_revm() {
        let Some(dir) = workloads_for_tests() else { return };
        let case = load_workload(&dir, "weth.json").expect("weth loads");
        let outcome = check_case(&case).expect("both EVMs agree");
        assert!(outcome.included && outcome.success && outcome.gas_used > 21_000);
    }

    /// A missing workload is an error naming the file, not an empty benchmark.
    #[test]
    fn missing_workload_is_an_error() {
        let Some(dir) = workloads_for_tests() else { return };
        let err = load_workload(&dir, "no-such-file.json").expect_err("missing file");
        assert!(err.contains("no-such-file.json"), "{err}");
    }

    /// revm has no EIP-1283 Constantinople; the conversion says so instead of picking another fork.
    #[test]
    fn constantinople_is_refused() {
        assert!(revm_spec(SpecId::Constantinople).is_err());
        assert_eq!(revm_spec(SpecId::Osaka), Ok(RevmSpec::OSAKA));
    }
}
