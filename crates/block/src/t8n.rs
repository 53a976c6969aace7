//! The state transition of geth's `evm t8n`: a list of transactions applied to a state as one
//! block whose header is not known yet.
//!
//! Unlike [`execute_block`](crate::execute_block), nothing here is checked against a header:
//! the caller gives the block's environment, and the transition computes the roots a header
//! would carry. A transaction that cannot be included (undecodable, badly signed, invalid for
//! the state, over the block's gas) is skipped and reported in
//! [`T8nOutcome::rejected`]; the rest of the block goes on without it, as in geth's t8n.
//!
//! The DAO change, system calls, rewards, withdrawals and requests are the block executor's own
//! steps (`execute.rs`: `apply_dao_change`, `system_call_commit`, `pay_rewards`,
//! `credit_withdrawals`, `collect_requests`), called in the same order.

use kestrel_host::{Evm, Inspector, TxError};
use kestrel_primitives::gas::eip4844::GAS_PER_BLOB;
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, Log, SpecId, U256};

use crate::config::BlobParams;
use crate::error::BlockError;
use crate::execute::{
    BEACON_ROOTS_ADDRESS, HISTORY_STORAGE_ADDRESS, apply_dao_change, collect_requests, credit_withdrawals,
    db_error, pay_rewards, system_call_commit,
};
use crate::header::Withdrawal;
use crate::receipt::{Bloom, Outcome, Receipt, bloom_or, logs_bloom};
use crate::state::{BlockDatabase, Overlay};
use crate::trie::ordered_root;
use crate::tx::Transaction;
use crate::validate::blob_base_fee;

/// The block a transition builds: its environment and what comes around the transactions.
#[derive(Clone, Debug)]
pub struct T8nBlock {
    /// The fork's rules.
    pub spec: SpecId,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The blob parameters (from Cancun).
    pub blob: Option<BlobParams>,
    /// The block environment (base fee, difficulty, excess blob gas already resolved).
    pub env: BlockEnv,
    /// EIP-4788's root, from Cancun: the beacon-roots system call runs when it is given.
    pub parent_beacon_block_root: Option<B256>,
    /// The parent's hash, for EIP-2935's system call (Prague): geth makes that call only when
    /// the environment lists block hashes.
    pub parent_hash: Option<B256>,
    /// The block reward in wei, `None` when disabled (geth's `--state.reward -1`).
    pub reward: Option<U256>,
    /// Ommers: (number distance, coinbase).
    pub ommers: Vec<(u64, Address)>,
    /// Withdrawals (Shanghai), `None` when the environment has none.
    pub withdrawals: Option<Vec<Withdrawal>>,
    /// True when this block is the DAO fork block (its irregular state change comes first).
    pub dao_fork: bool,
}

/// One input transaction: decoded, or why not (geth reports the decode error as the rejection).
#[derive(Clone, Debug)]
pub enum T8nTx {
    /// A decoded transaction.
    Tx(Box<Transaction>),
    /// The transaction did not decode (or could not be signed): the rejection's text.
    Undecodable(String),
}

/// A receipt with what geth's t8n prints beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct T8nReceipt {
    /// The consensus receipt.
    pub receipt: Receipt,
    /// The transaction's hash.
    pub tx_hash: B256,
    /// The recovered sender.
    pub sender: Address,
    /// Gas the transaction used.
    pub gas_used: u64,
    /// The created contract, for a creation.
    pub contract_address: Option<Address>,
    /// Blob gas of a blob transaction.
    pub blob_gas_used: u64,
    /// Index among the included transactions.
    pub index: usize,
    /// Index of the receipt's first log in the block.
    pub first_log_index: usize,
}

/// What a transition produced.
#[derive(Clone, Debug)]
pub struct T8nOutcome {
    /// One receipt per included transaction.
    pub receipts: Vec<T8nReceipt>,
    /// The input indexes of the included transactions.
    pub included: Vec<usize>,
    /// Skipped transactions: input index and geth's error text.
    pub rejected: Vec<(usize, String)>,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Blob gas used by the block.
    pub blob_gas_used: u64,
    /// EIP-7685 requests (type byte first), from Prague; `None` before.
    pub requests: Option<Vec<Bytes>>,
    /// The state root after the block.
    pub state_root: B256,
    /// The transactions root of the included transactions.
    pub tx_root: B256,
    /// The receipts root.
    pub receipts_root: B256,
    /// The block's bloom.
    pub logs_bloom: Bloom,
    /// The withdrawals root, when the block has withdrawals.
    pub withdrawals_root: Option<B256>,
    /// All logs of the block, in order.
    pub logs: Vec<Log>,
}

/// Why a transition stopped (geth's t8n then exits with an error, writing nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum T8nError {
    /// A transaction read the hash of a block the environment does not list (exit code 4).
    MissingBlockHash(String),
    /// A system call or the state failed (exit code 2).
    Block(BlockError),
}

impl core::fmt::Display for T8nError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            T8nError::MissingBlockHash(m) => f.write_str(m),
            T8nError::Block(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for T8nError {}

impl From<BlockError> for T8nError {
    fn from(e: BlockError) -> Self {
        T8nError::Block(e)
    }
}

/// The database of a transition: a [`BlockDatabase`] that can tell a BLOCKHASH asked for a
/// block it does not know (geth's t8n stops then).
pub trait T8nDatabase: BlockDatabase {
    /// The first missing block hash a lookup met, as geth words it.
    fn missing_block_hash(&self) -> Option<String> {
        None
    }
}

impl<T: T8nDatabase + ?Sized> T8nDatabase for &mut T {
    fn missing_block_hash(&self) -> Option<String> {
        (**self).missing_block_hash()
    }
}

/// What geth's error texts quote besides the transaction: the sender's balance and code length,
/// the block's base fee and blob base fee.
#[derive(Clone, Copy, Debug)]
pub struct RejectContext {
    /// The sender's balance.
    pub balance: U256,
    /// The length of the sender's code.
    pub code_len: usize,
    /// The block's base fee.
    pub base_fee: U256,
    /// The block's blob base fee, when it has one.
    pub blob_base_fee: Option<U256>,
    /// The fork (for the intrinsic gas the texts quote).
    pub spec: SpecId,
}

/// geth's text for a transaction the state refuses (core/error.go and the state transition's
/// wording), so that the error maps to the execution-spec tests' exception names as geth's does.
pub fn geth_tx_error(
    e: &kestrel_host::InvalidTransaction,
    tx: &Transaction,
    sender: Address,
    cx: &RejectContext,
) -> String {
    use kestrel_host::InvalidTransaction as I;
    let env = &tx.env;
    match e {
        I::TypeNotSupported(_) => "transaction type not supported".to_owned(),
        I::IntrinsicGasTooLow { limit, .. } => {
            // geth checks the intrinsic gas first, then EIP-7623's floor, each with its words.
            let intrinsic = kestrel_host::intrinsic::intrinsic_gas(cx.spec, env);
            if *limit >= intrinsic.initial && intrinsic.floor > intrinsic.initial {
                format!("insufficient gas for floor data gas cost: have {limit}, want {}", intrinsic.floor)
            } else {
                format!("intrinsic gas too low: have {limit}, want {}", intrinsic.initial)
            }
        }
        I::GasLimitExceedsBlock => "gas limit reached".to_owned(),
        I::GasLimitExceedsCap => {
            format!("transaction gas limit too high (cap: 16777216, tx: {})", env.gas_limit)
        }
        I::NonceOverflow => format!("nonce has max value: address {sender}, nonce: {}", env.nonce),
        I::NonceMismatch { expected, got } if got < expected => {
            format!("nonce too low: address {sender}, tx: {got} state: {expected}")
        }
        I::NonceMismatch { expected, got } => {
            format!("nonce too high: address {sender}, tx: {got} state: {expected}")
        }
        I::InitcodeTooLarge => {
            format!("max initcode size exceeded: code size {} limit 49152", env.data.len())
        }
        I::PriorityFeeAboveMaxFee => format!(
            "max priority fee per gas higher than max fee per gas: address {sender}, maxPriorityFeePerGas: {}, maxFeePerGas: {}",
            env.gas_priority_fee.unwrap_or_default(),
            env.gas_price
        ),
        I::FeeBelowBaseFee => format!(
            "max fee per gas less than block base fee: address {sender}, maxFeePerGas: {}, baseFee: {}",
            env.gas_price, cx.base_fee
        ),
        I::InsufficientFunds => {
            // geth's balance check: gas limit × max fee (or gas price) + value + blob gas × max
            // blob fee.
            let blob_gas = U256::from(env.blob_hashes.len() as u64) * U256::from(GAS_PER_BLOB);
            let want = U256::from(env.gas_limit)
                .saturating_mul(env.gas_price)
                .saturating_add(env.value)
                .saturating_add(blob_gas.saturating_mul(env.max_fee_per_blob_gas.unwrap_or_default()));
            format!(
                "insufficient funds for gas * price + value: address {sender} have {} want {want}",
                cx.balance
            )
        }
        I::SenderHasCode => format!("sender not an eoa: address {sender}, len(code): {}", cx.code_len),
        I::NoBlobs => "blob transaction missing blob hashes".to_owned(),
        I::BlobGasAllowanceExceeded => "blob gas would exceed maximum allowance".to_owned(),
        I::BlobCountExceeded => "blob transaction has too many blobs".to_owned(),
        I::InvalidBlobVersionedHash => {
            let index = env.blob_hashes.iter().position(|h| h[0] != 0x01).unwrap_or_default();
            format!("blob {index} has invalid hash version")
        }
        I::BlobFeeBelowBaseFee => format!(
            "max fee per blob gas less than block blob gas fee: address {sender} blobGasFeeCap: {}, blobBaseFee: {}",
            env.max_fee_per_blob_gas.unwrap_or_default(),
            cx.blob_base_fee.unwrap_or_default()
        ),
        I::CreateNotAllowed if tx.tx_type() == 4 => {
            format!("EIP-7702 transaction cannot be used to create contract (sender {sender})")
        }
        I::CreateNotAllowed => "blob transaction of type create".to_owned(),
        I::EmptyAuthorizationList => format!("EIP-7702 transaction with empty auth list (sender {sender})"),
        other => format!("{other}"),
    }
}

/// geth's text for a signature that yields no sender (core/types' signers).
pub fn geth_signature_error(e: crate::tx::SignatureError, tx: &Transaction, chain_id: u64) -> String {
    use crate::tx::SignatureError as S;
    match e {
        S::WrongChainId => {
            let have = match tx.legacy_chain_id {
                Some(id) => id.to_string(),
                None => tx.env.chain_id.map_or_else(|| "0".to_owned(), |id| id.to_string()),
            };
            format!("invalid chain id for signer: have {have} want {chain_id}")
        }
        S::Unrecoverable => "invalid signature: recovery failed".to_owned(),
        S::BadR | S::BadS | S::BadV | S::BadYParity => "invalid transaction v, r, s values".to_owned(),
    }
}

/// Gives the inspector (if any) for a transaction: its input index and the transaction.
pub type InspectorFor<'a> = dyn FnMut(usize, &Transaction) -> Option<Box<dyn Inspector>> + 'a;

/// Applies `txs` to `db` as the block `block` describes, skipping the transactions that cannot
/// be included. `inspector` may give an inspector for a transaction (input index and
/// transaction); `done` gets it back after the transaction. The block's changes are committed
/// to `db`.
pub fn apply_transition<DB: T8nDatabase>(
    block: &T8nBlock,
    txs: &[T8nTx],
    db: &mut DB,
    inspector: &mut InspectorFor<'_>,
    done: &mut dyn FnMut(usize, Box<dyn Inspector>),
) -> Result<T8nOutcome, T8nError> {
    let spec = block.spec;
    let header_env = block.env.clone();
    let coinbase = header_env.coinbase;
    let gas_limit = header_env.gas_limit;
    let blob = block.blob.filter(|_| spec.is_enabled_in(SpecId::Cancun));
    let mut evm = Evm::new(Overlay::new(&mut *db), spec, block.chain_id);
    evm.set_block(header_env);

    if block.dao_fork {
        apply_dao_change(&mut evm);
    }
    if spec.is_enabled_in(SpecId::Cancun)
        && let Some(root) = block.parent_beacon_block_root
    {
        system_call_commit(&mut evm, BEACON_ROOTS_ADDRESS, root)?;
    }
    if spec.is_enabled_in(SpecId::Prague)
        && let Some(parent) = block.parent_hash
    {
        system_call_commit(&mut evm, HISTORY_STORAGE_ADDRESS, parent)?;
    }

    let mut receipts: Vec<T8nReceipt> = Vec::with_capacity(txs.len());
    let mut included = Vec::new();
    let mut rejected = Vec::new();
    let mut all_logs: Vec<Log> = Vec::new();
    let mut gas_used = 0u64;
    let mut blob_gas_used = 0u64;
    let max_blob_gas = blob.map_or(0, |b| b.max.saturating_mul(GAS_PER_BLOB));
    for (index, item) in txs.iter().enumerate() {
        let tx = match item {
            T8nTx::Tx(tx) => tx,
            T8nTx::Undecodable(e) => {
                rejected.push((index, e.clone()));
                continue;
            }
        };
        if tx.tx_type() == 3 && (blob.is_none() || block.env.excess_blob_gas.is_none()) {
            rejected.push((index, "blob tx used but field env.ExcessBlobGas missing".to_owned()));
            continue;
        }
        let sender = match tx.recover_sender(spec, block.chain_id) {
            Ok(s) => s,
            Err(e) => {
                rejected.push((index, geth_signature_error(e, tx, block.chain_id)));
                continue;
            }
        };
        let tx_blob_gas = if tx.tx_type() == 3 { tx.env.blob_hashes.len() as u64 * GAS_PER_BLOB } else { 0 };
        if tx_blob_gas > 0 && blob_gas_used + tx_blob_gas > max_blob_gas {
            let used = blob_gas_used + tx_blob_gas;
            rejected
                .push((index, format!("blob gas ({used}) would exceed maximum allowance {max_blob_gas}")));
            continue;
        }
        if tx.env.gas_limit > gas_limit - gas_used {
            rejected.push((index, "gas limit reached".to_owned()));
            continue;
        }
        let mut env = tx.env.clone();
        env.caller = sender;
        let traced = inspector(index, tx);
        let has_inspector = traced.is_some();
        evm.set_inspector(traced);
        let result = evm.transact_commit_ref(env);
        let (status_ok, tx_gas, logs, created) = match result {
            Ok(r) => (r.is_success(), r.gas_used, r.logs.to_vec(), r.created_address),
            Err(TxError::Invalid(e)) => {
                let account = evm.journal_mut().peek_account(&sender);
                let code_len = evm.journal_mut().code_with_hash(&sender).0.len();
                let cx = RejectContext {
                    balance: account.balance,
                    code_len,
                    base_fee: block.env.basefee,
                    blob_base_fee: blob.zip(block.env.excess_blob_gas).map(|(p, e)| blob_base_fee(e, p)),
                    spec,
                };
                let text = geth_tx_error(&e, tx, sender, &cx);
                if let Some(i) = evm.take_inspector() {
                    done(index, i);
                }
                rejected.push((index, text));
                continue;
            }
            Err(e) => return Err(T8nError::Block(db_error(e))),
        };
        if has_inspector && let Some(i) = evm.take_inspector() {
            done(index, i);
        }
        if let Some(missing) = evm.db().base.missing_block_hash() {
            return Err(T8nError::MissingBlockHash(missing));
        }
        gas_used += tx_gas;
        blob_gas_used += tx_blob_gas;
        let outcome = if spec.is_enabled_in(SpecId::Byzantium) {
            Outcome::Status(status_ok)
        } else {
            Outcome::StateRoot(evm.db().state_root())
        };
        let bloom = logs_bloom(&logs);
        let first_log_index = all_logs.len();
        all_logs.extend(logs.iter().cloned());
        receipts.push(T8nReceipt {
            receipt: Receipt { tx_type: tx.tx_type(), outcome, cumulative_gas_used: gas_used, bloom, logs },
            tx_hash: tx.hash(),
            sender,
            gas_used: tx_gas,
            contract_address: created,
            blob_gas_used: tx_blob_gas,
            index: receipts.len(),
            first_log_index,
        });
        included.push(index);
    }

    if let Some(reward) = block.reward {
        pay_rewards(
            &mut evm,
            &coinbase,
            reward,
            &block.ommers.iter().map(|(d, a)| (*a, *d)).collect::<Vec<_>>(),
        );
    }
    if let Some(withdrawals) = &block.withdrawals {
        credit_withdrawals(&mut evm, withdrawals);
    }
    let requests = match spec.is_enabled_in(SpecId::Prague) {
        true => Some(collect_requests(&mut evm, all_logs.iter())?),
        false => None,
    };

    let state_root = evm.db().state_root();
    let changes = evm.db().pending.to_changes();
    drop(evm);
    db.commit(&changes);

    let tx_root = ordered_root(
        &included
            .iter()
            .filter_map(|&i| match &txs[i] {
                T8nTx::Tx(tx) => Some(tx.encoded.clone()),
                T8nTx::Undecodable(_) => None,
            })
            .collect::<Vec<_>>(),
    );
    let encoded: Vec<Vec<u8>> = receipts.iter().map(|r| r.receipt.encode()).collect();
    let mut bloom: Bloom = [0; 256];
    for r in &receipts {
        bloom_or(&mut bloom, &r.receipt.bloom);
    }
    let withdrawals_root = block.withdrawals.as_ref().map(|ws| {
        let items: Vec<Vec<u8>> = ws.iter().map(|w| w.rlp()).collect();
        ordered_root(&items)
    });
    Ok(T8nOutcome {
        receipts_root: ordered_root(&encoded),
        receipts,
        included,
        rejected,
        gas_used,
        blob_gas_used,
        requests,
        state_root,
        tx_root,
        logs_bloom: bloom,
        withdrawals_root,
        logs: all_logs,
    })
}

impl T8nDatabase for kestrel_state::InMemoryDb {}
impl T8nDatabase for crate::state_trie::TrieDb {}
