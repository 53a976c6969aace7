//! Running one case on Kestrel (either tier) and on revm, and describing what each did in the
//! same terms: [`Observed`].
//!
//! Kestrel commits into an [`InMemoryDb`](kestrel::state::InMemoryDb) and the whole database
//! is read back. revm reports the accounts it loaded with status flags; its post-state is the
//! pre-state with those applied as a client's database applies them (revm's journal leaves
//! EIP-161's deletion of touched empty accounts to the database: `JournalInner::finalize`
//! documents that a touched empty account is to be destroyed, and normalises the accounts of
//! forks before Spurious Dragon so that the same rule keeps them).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use kestrel::bytecode::program::ExecutionMode;
use kestrel::host::{Evm, InvalidTransaction, TxError};
use kestrel::primitives::{Address, B256, Bytes, KECCAK_EMPTY, Log, SpecId, U256, keccak256};
use kestrel_cli::statetest::exec::{block_hash_of, build_db};
use kestrel_cli::statetest::{Case, CaseId, Expected, Finish, PreState, Rejection};
use revm::context::result::{EVMError, ExecutionResult as RevmResult, InvalidTransaction as RevmInvalid};
use revm::context::transaction::{
    AccessList, AccessListItem, Authorization as RevmAuthorization, SignedAuthorization,
};
use revm::context::{BlockEnv as RevmBlock, CfgEnv, TxEnv as RevmTx};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::either::Either;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::TxKind;
use revm::primitives::eip4844::{BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE};
use revm::primitives::hardfork::SpecId as RevmSpec;
use revm::state::{AccountInfo as RevmAccountInfo, Bytecode as RevmBytecode};
use revm::{Context, ExecuteEvm, MainBuilder, MainContext};

use crate::generator::{GenCase, max_blobs_per_tx};

/// One account after the transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostAccount {
    /// Nonce.
    pub nonce: u64,
    /// Balance.
    pub balance: U256,
    /// Code hash (keccak256 of the empty string for no code).
    pub code_hash: B256,
    /// Non-zero storage slots.
    pub storage: BTreeMap<U256, U256>,
}

/// Every account that exists after the transaction.
pub type PostState = BTreeMap<Address, PostAccount>;

/// How an included transaction's outermost frame ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// STOP, RETURN or SELFDESTRUCT: state kept.
    Success,
    /// REVERT: state rolled back, gas left returned.
    Revert,
    /// An exceptional halt: state rolled back, all gas consumed.
    Halt,
}

/// What an included transaction produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Included {
    /// How it ended.
    pub class: Class,
    /// The EVM's own name for how it ended (for messages; the two EVMs name halts
    /// differently and may stop at different opcodes of a run that must halt).
    pub detail: String,
    /// Gas charged after refunds and the EIP-7623 floor.
    pub gas_used: u64,
    /// Refund granted (capped), as the EVM reports it.
    pub refund: u64,
    /// Return or revert data (for a successful creation: nothing, see `created`).
    pub output: Bytes,
    /// Logs of a successful transaction.
    pub logs: Vec<Log>,
    /// The contract a successful creation deployed.
    pub created: Option<Address>,
}

/// Whether the transaction was included, and what it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Rejected as invalid.
    Rejected {
        /// The EVM's reason.
        reason: String,
        /// The fixture exception names the reason answers to (`TransactionException.*`).
        names: Vec<String>,
    },
    /// Included.
    Included(Included),
}

/// One EVM's run of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// The transaction's outcome.
    pub outcome: Outcome,
    /// The whole state afterwards.
    pub post: PostState,
}

/// The case as the state-test runner holds it: what `build_db` and the JSON writer take.
pub fn to_case(g: &GenCase) -> Case {
    Case {
        id: CaseId {
            file: Arc::from("generated"),
            test: Arc::from(test_name(g).as_str()),
            fork: g.spec.name().to_owned(),
            index: 0,
        },
        spec: g.spec,
        block: g.block.clone(),
        tx: g.tx.clone(),
        signature_error: None,
        chain_id: g.chain_id,
        blob_params: None,
        pre: Arc::new(g.pre.clone()),
        pre_trie: Arc::default(),
        expected: Expected { state_root: B256::ZERO, logs_hash: B256::ZERO, exception: None },
        finish: Finish { spec: g.spec, coinbase: g.block.coinbase, touch_coinbase: false },
    }
}

/// The test's name in a saved file.
pub fn test_name(g: &GenCase) -> String {
    format!("diff_seed{}_case{}", g.seed, g.index)
}

/// The pre-state as a post-state (zero storage dropped, code hashed).
pub fn pre_as_post(pre: &PreState) -> PostState {
    pre.iter()
        .map(|(address, a)| {
            let account = PostAccount {
                nonce: a.nonce,
                balance: a.balance,
                code_hash: if a.code.is_empty() { KECCAK_EMPTY } else { keccak256(&a.code) },
                storage: a.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect(),
            };
            (*address, account)
        })
        .collect()
}

/// Runs `f`, turning a panic into an error naming `who`: a panicking EVM is a finding, not
/// the end of the campaign.
fn guarded<T>(who: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".to_owned());
            Err(format!("{who} panicked: {msg}"))
        }
    }
}

/// Runs the case on Kestrel in `mode`. Errors are harness-level (a database error or a
/// panic), never the transaction's own failure.
pub fn run_kestrel(case: &Case, mode: ExecutionMode) -> Result<Observed, String> {
    guarded("Kestrel", || {
        let mut db = build_db(case);
        let outcome = {
            let mut evm = Evm::new(&mut db, case.spec, case.chain_id);
            evm.set_block(case.block.clone());
            evm.set_mode(mode);
            match evm.transact_commit(case.tx.clone()) {
                Ok(r) => {
                    let class = if r.status.is_success() {
                        Class::Success
                    } else if r.status.is_revert() {
                        Class::Revert
                    } else {
                        Class::Halt
                    };
                    Outcome::Included(Included {
                        class,
                        detail: format!("{:?}", r.status),
                        gas_used: r.gas_used,
                        refund: r.gas_refunded,
                        output: r.output,
                        logs: r.logs,
                        created: r.created_address,
                    })
                }
                Err(TxError::Invalid(e)) => Outcome::Rejected {
                    names: Rejection::Invalid { tx_type: case.tx.tx_type, error: e.clone() }.fixture_names(),
                    reason: format!("{e:?}"),
                },
                Err(TxError::Database(e)) => return Err(format!("Kestrel database error: {e}")),
                Err(e @ TxError::Halted(_)) => return Err(format!("Kestrel: {e}")),
            }
        };
        let post = db
            .accounts()
            .map(|(address, a)| {
                let account = PostAccount {
                    nonce: a.info.nonce,
                    balance: a.info.balance,
                    code_hash: a.info.code_hash,
                    storage: a.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect(),
                };
                (*address, account)
            })
            .collect();
        Ok(Observed { outcome, post })
    })
}

/// revm's name for a fork (Constantinople has none: the generator never picks it).
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

fn u128_of(value: U256, what: &str) -> Result<u128, String> {
    u128::try_from(value).map_err(|_| format!("{what} above 2^128 (revm cannot hold it)"))
}

/// The case's transaction in revm's form.
fn revm_tx(case: &Case) -> Result<RevmTx, String> {
    let t = &case.tx;
    let access_list = AccessList(
        t.access_list
            .iter()
            .map(|i| AccessListItem { address: i.address, storage_keys: i.storage_keys.clone() })
            .collect(),
    );
    let mut authorization_list = Vec::with_capacity(t.authorization_list.len());
    for a in &t.authorization_list {
        let inner = RevmAuthorization { chain_id: a.chain_id, address: a.address, nonce: a.nonce };
        let y = u8::try_from(a.y_parity).map_err(|_| "authorization y_parity above 255".to_owned())?;
        authorization_list.push(Either::Left(SignedAuthorization::new_unchecked(inner, y, a.r, a.s)));
    }
    Ok(RevmTx {
        tx_type: t.tx_type,
        caller: t.caller,
        gas_limit: t.gas_limit,
        gas_price: u128_of(t.gas_price, "gas price")?,
        kind: t.to.map_or(TxKind::Create, TxKind::Call),
        value: t.value,
        data: t.data.clone(),
        nonce: t.nonce,
        chain_id: t.chain_id,
        access_list,
        gas_priority_fee: t.gas_priority_fee.map(|f| u128_of(f, "priority fee")).transpose()?,
        blob_hashes: t.blob_hashes.clone(),
        max_fee_per_blob_gas: t.max_fee_per_blob_gas.map_or(Ok(0), |f| u128_of(f, "blob fee"))?,
        authorization_list,
    })
}

/// The fixture name of a revm rejection (the vocabulary `kestrel statetest` checks), or its
/// debug text when there is no such name.
pub fn revm_rejection_name(e: &RevmInvalid) -> String {
    use RevmInvalid as R;
    let name = match e {
        R::PriorityFeeGreaterThanMaxFee => "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
        R::GasPriceLessThanBasefee => "INSUFFICIENT_MAX_FEE_PER_GAS",
        R::CallerGasLimitMoreThanBlock => "GAS_ALLOWANCE_EXCEEDED",
        R::CallGasCostMoreThanGasLimit { .. } => "INTRINSIC_GAS_TOO_LOW",
        R::GasFloorMoreThanGasLimit { .. } => "INTRINSIC_GAS_BELOW_FLOOR_GAS_COST",
        R::RejectCallerWithCode => "SENDER_NOT_EOA",
        R::LackOfFundForMaxFee { .. } | R::OverflowPaymentInTransaction => "INSUFFICIENT_ACCOUNT_FUNDS",
        R::NonceOverflowInTransaction => "NONCE_IS_MAX",
        R::NonceTooHigh { .. } => "NONCE_MISMATCH_TOO_HIGH",
        R::NonceTooLow { .. } => "NONCE_MISMATCH_TOO_LOW",
        R::CreateInitCodeSizeLimit => "INITCODE_SIZE_EXCEEDED",
        R::TxGasLimitGreaterThanCap { .. } => "GAS_LIMIT_EXCEEDS_MAXIMUM",
        R::Eip2930NotSupported => "TYPE_1_TX_PRE_FORK",
        R::Eip1559NotSupported => "TYPE_2_TX_PRE_FORK",
        R::Eip4844NotSupported => "TYPE_3_TX_PRE_FORK",
        R::Eip7702NotSupported => "TYPE_4_TX_PRE_FORK",
        R::BlobGasPriceGreaterThanMax { .. } => "INSUFFICIENT_MAX_FEE_PER_BLOB_GAS",
        R::EmptyBlobs => "TYPE_3_TX_ZERO_BLOBS",
        R::TooManyBlobs { .. } => {
            "TYPE_3_TX_BLOB_COUNT_EXCEEDED|TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED"
        }
        R::BlobVersionNotSupported => "TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH",
        R::EmptyAuthorizationList => "TYPE_4_EMPTY_AUTHORIZATION_LIST",
        other => return format!("{other:?}"),
    };
    format!("TransactionException.{name}")
}

/// Everything revm needs to run one case.
pub struct RevmSetup {
    /// The pre-state plus the 256 block hashes the state tests assume.
    pub db: CacheDB<EmptyDB>,
    /// Fork, chain id and the fork's blob limits.
    pub cfg: CfgEnv,
    /// The block.
    pub block: RevmBlock,
    /// The transaction.
    pub tx: RevmTx,
}

/// Converts a case for revm; errors on values revm's types cannot hold.
pub fn revm_setup(case: &Case) -> Result<RevmSetup, String> {
    let spec = revm_spec(case.spec)?;
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = case.chain_id;
    let fraction = if case.spec.is_enabled_in(SpecId::Prague) {
        BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
    } else {
        BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
    };
    cfg.blob_base_fee_update_fraction = Some(fraction);
    // revm leaves the blob count to its embedder (`max_blobs_per_tx` is unlimited by
    // default); the rule of each fork is set here, as a client would.
    if case.spec.is_enabled_in(SpecId::Cancun) {
        cfg.max_blobs_per_tx = Some(max_blobs_per_tx(case.spec));
    }
    let b = &case.block;
    let block = RevmBlock {
        number: U256::from(b.number),
        beneficiary: b.coinbase,
        timestamp: U256::from(b.timestamp),
        gas_limit: b.gas_limit,
        basefee: u64::try_from(b.basefee).map_err(|_| "base fee above 2^64".to_owned())?,
        difficulty: b.difficulty,
        prevrandao: b.prevrandao,
        blob_excess_gas_and_price: b.excess_blob_gas.map(|x| BlobExcessGasAndPrice::new(x, fraction)),
        ..RevmBlock::default()
    };
    let tx = revm_tx(case)?;
    let mut db = CacheDB::new(EmptyDB::default());
    for (address, account) in case.pre.iter() {
        let code = RevmBytecode::new_raw_checked(account.code.clone())
            .map_err(|e| format!("code of {address} is not revm bytecode: {e:?}"))?;
        let info = RevmAccountInfo { balance: account.balance, nonce: account.nonce, ..Default::default() }
            .with_code(code);
        db.insert_account_info(*address, info);
        for (key, value) in &account.storage {
            db.insert_account_storage(*address, *key, *value).map_err(|e| format!("{e:?}"))?;
        }
    }
    for n in b.number.saturating_sub(256)..b.number {
        db.cache.block_hashes.insert(U256::from(n), block_hash_of(n));
    }
    Ok(RevmSetup { db, cfg, block, tx })
}

/// Runs the case on revm 43.0.3.
pub fn run_revm(case: &Case) -> Result<Observed, String> {
    guarded("revm", || {
        let RevmSetup { db, cfg, block, tx } = revm_setup(case)?;
        let mut evm = Context::mainnet().with_db(db).with_cfg(cfg).with_block(block).build_mainnet();
        let out = match evm.transact(tx) {
            Ok(out) => out,
            Err(EVMError::Transaction(e)) => {
                return Ok(Observed {
                    outcome: Outcome::Rejected {
                        reason: format!("{e:?}"),
                        names: vec![revm_rejection_name(&e)],
                    },
                    post: pre_as_post(&case.pre),
                });
            }
            Err(e) => return Err(format!("revm error: {e:?}")),
        };
        let result = &out.result;
        let (class, detail) = match result {
            RevmResult::Success { reason, .. } => (Class::Success, format!("{reason:?}")),
            RevmResult::Revert { .. } => (Class::Revert, "Revert".to_owned()),
            RevmResult::Halt { reason, .. } => (Class::Halt, format!("{reason:?}")),
        };
        let output = match result {
            RevmResult::Success { .. } if case.tx.to.is_none() => Bytes::new(),
            _ => result.output().cloned().unwrap_or_default(),
        };
        let included = Included {
            class,
            detail,
            gas_used: result.tx_gas_used(),
            refund: result.gas().inner_refunded(),
            output,
            logs: if class == Class::Success { result.logs().to_vec() } else { Vec::new() },
            created: if class == Class::Success { result.created_address() } else { None },
        };

        let mut post = pre_as_post(&case.pre);
        let eip161 = case.spec.is_enabled_in(SpecId::SpuriousDragon);
        for (address, account) in out.state {
            if !account.is_touched() {
                continue;
            }
            if account.is_selfdestructed() || (eip161 && account.is_empty()) {
                post.remove(&address);
                continue;
            }
            let entry = post.entry(address).or_default();
            if account.is_created() {
                entry.storage.clear();
            }
            entry.nonce = account.info.nonce;
            entry.balance = account.info.balance;
            entry.code_hash = account.info.code_hash;
            for (key, slot) in account.storage {
                let value = slot.present_value();
                if value.is_zero() {
                    entry.storage.remove(&key);
                } else {
                    entry.storage.insert(key, value);
                }
            }
        }
        Ok(Observed { outcome: Outcome::Included(included), post })
    })
}

/// Rejection reasons the two EVMs give for one transaction agree when a name of one is a name
/// of the other (informational: with several faults the EVMs may report different ones).
pub fn same_rejection(a: &[String], b: &[String]) -> bool {
    let split = |v: &[String]| -> Vec<String> {
        v.iter().flat_map(|n| n.split('|').map(|s| s.trim().to_owned()).collect::<Vec<_>>()).collect()
    };
    let (a, b) = (split(a), split(b));
    a.iter().any(|x| b.contains(x))
}

/// Used by tests: Kestrel's rejection names for a reason.
pub fn kestrel_names(tx_type: u8, error: InvalidTransaction) -> Vec<String> {
    Rejection::Invalid { tx_type, error }.fixture_names()
}
