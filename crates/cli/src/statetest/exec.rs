//! The one place where the runner and the benchmark call the executor.
//!
//! Every case runs on a fresh [`Evm`] over an [`InMemoryDb`] built from its pre-state.

use core::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use kestrel::host::Inspector;
use kestrel::host::inspector::{Eip3155, Eip3155Config};
use kestrel::host::{Evm, ExecutionMode, ExecutionOutcome, TxError as HostError};
use kestrel::primitives::{B256, SpecId, TxEnv, keccak256};
use kestrel::state::{AccountInfo, InMemoryDb, StateChanges};

use super::case::{Case, Finish, PreState};
use super::exception::{Rejection, precedes_signature};
use super::root::logs_hash_of;

/// What a transaction that was included produced, as the fixtures check it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutcome {
    /// The logs hash ([`logs_hash_of`]) of the transaction's logs (of none when it reverted or
    /// halted).
    pub logs_hash: B256,
    /// Gas charged to the sender after refunds.
    pub gas_used: u64,
    /// The state changes the transaction committed.
    pub changes: StateChanges,
}

/// Why a transaction produced no [`ExecOutcome`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The transaction is invalid and was not included; the state is unchanged.
    Rejected(Rejection),
    /// The executor failed for a reason other than the transaction (a database error, an
    /// internal bug); the state is unspecified.
    Internal(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Rejected(why) => write!(f, "transaction rejected: {why}"),
            ExecError::Internal(why) => write!(f, "executor error: {why}"),
        }
    }
}

impl std::error::Error for ExecError {}

/// The database a case starts from: the pre-state plus the BLOCKHASH answers the state-test
/// fillers use, keccak256 of the decimal block number for each of the 256 previous blocks
/// (geth's `vmTestBlockHash`, which every filled root assumes).
pub fn build_db(case: &Case) -> InMemoryDb {
    let mut db = db_from_pre(&case.pre);
    let number = case.block.number;
    for n in number.saturating_sub(256)..number {
        db.insert_block_hash(n, block_hash_of(n));
    }
    db
}

/// The hash the state tests give block `number`: keccak256 of its decimal string.
pub fn block_hash_of(number: u64) -> B256 {
    keccak256(number.to_string().as_bytes())
}

/// An [`InMemoryDb`] holding exactly `pre` (zero storage values are dropped, as in the trie).
pub fn db_from_pre(pre: &PreState) -> InMemoryDb {
    let mut db = InMemoryDb::new();
    for (address, account) in pre {
        db.insert_account(*address, AccountInfo::new(account.balance, account.nonce, account.code.clone()));
        for (key, value) in &account.storage {
            db.insert_storage(*address, *key, *value);
        }
    }
    db
}

/// Applies the filler's after-transaction step ([`Finish`]) to `db`: the runner calls this
/// after every execution, included or rejected, before taking the root.
pub fn finish_block(finish: &Finish, db: &mut InMemoryDb) {
    if !finish.touch_coinbase {
        return;
    }
    let coinbase = finish.coinbase;
    if finish.spec.is_enabled_in(SpecId::SpuriousDragon) {
        // EIP-161: the touched coinbase is deleted when empty.
        if db.account(&coinbase).is_some_and(|a| a.info.is_empty()) {
            db.remove_account(&coinbase);
        }
    } else if db.account(&coinbase).is_none() {
        // Before EIP-161 touching an absent account creates it, empty.
        db.insert_account(coinbase, AccountInfo::default());
    }
}

/// An [`Evm`] over `db` set up for the case's fork, chain and block. The benchmark keeps one and
/// runs the transaction on it again and again, as an embedding node would.
pub fn evm_for<'a>(case: &Case, db: &'a mut InMemoryDb, mode: ExecutionMode) -> Evm<&'a mut InMemoryDb> {
    let mut evm = Evm::new(db, case.spec, case.chain_id);
    evm.set_block(case.block.clone());
    evm.set_mode(mode);
    evm
}

/// Runs `tx` on `evm`; `commit` writes the changes through to the database, otherwise they are
/// dropped and the state stays as it was. The outcome borrows its output and logs from `evm`
/// (nothing is copied out of it: the benchmark times this).
pub fn run_on<'e>(
    evm: &'e mut Evm<&mut InMemoryDb>,
    tx: TxEnv,
    commit: bool,
) -> Result<ExecutionOutcome<'e>, ExecError> {
    let tx_type = tx.tx_type;
    let result = if commit { evm.transact_commit_ref(tx) } else { evm.transact_discard_ref(tx) };
    match result {
        Ok(outcome) => Ok(outcome),
        Err(HostError::Invalid(error)) => Err(ExecError::Rejected(Rejection::Invalid { tx_type, error })),
        Err(HostError::Database(e)) => Err(ExecError::Internal(e)),
        Err(e @ HostError::Halted(_)) => Err(ExecError::Internal(e.to_string())),
    }
}

/// The reason a transaction whose signature yields no sender is rejected for: the spec recovers
/// the sender in `check_transaction` after `validate_transaction` and the block's gas and
/// blob-gas allowance, so an error of those checks is reported first.
pub fn signature_rejection(case: &Case, signature: kestrel::block::SignatureError) -> Rejection {
    match kestrel::host::validation::check_stateless(case.spec, &case.block, &case.tx) {
        Err(error) if precedes_signature(&error) => Rejection::Invalid { tx_type: case.tx.tx_type, error },
        _ => Rejection::Signature(signature),
    }
}

/// Runs the case's transaction on a fresh [`Evm`] over `db`.
fn run_tx(
    case: &Case,
    db: &mut InMemoryDb,
    mode: ExecutionMode,
    inspector: Option<Box<dyn Inspector>>,
) -> Result<ExecOutcome, ExecError> {
    if let Some(signature) = case.signature_error {
        return Err(ExecError::Rejected(signature_rejection(case, signature)));
    }
    let mut evm = evm_for(case, db, mode);
    evm.set_inspector(inspector);
    let outcome = run_on(&mut evm, case.tx.clone(), true)?;
    let (logs_hash, gas_used) = (logs_hash_of(outcome.logs), outcome.gas_used);
    let changes = evm.journal().changes().clone();
    Ok(ExecOutcome { logs_hash, gas_used, changes })
}

/// Executes the case's transaction against `db` and commits the result into it; on
/// [`ExecError::Rejected`] `db` is left unchanged.
pub fn execute(case: &Case, db: &mut InMemoryDb, mode: ExecutionMode) -> Result<ExecOutcome, ExecError> {
    run_tx(case, db, mode, None)
}

/// Like [`execute`], but through the tracing runner, streaming one EIP-3155 JSON line per
/// executed opcode to `trace` while the transaction runs: a 30 M-gas loop traces to
/// gigabytes, so nothing is held back. `trace` is flushed at the end; the first write error
/// stops the tracing output and becomes this call's error.
pub fn execute_traced<W: Write + Send + 'static>(
    case: &Case,
    db: &mut InMemoryDb,
    trace: W,
) -> Result<ExecOutcome, ExecError> {
    let sink = Arc::new(Mutex::new(TraceSink { out: trace, error: None }));
    let tracer = Eip3155::new(SinkWriter(Arc::clone(&sink)), Eip3155Config::default());
    // `run_tx` drops the Evm, and with it the tracer, before returning.
    let result = run_tx(case, db, ExecutionMode::Interpreter, Some(Box::new(tracer)));
    let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
    let flushed = if sink.error.is_none() { sink.out.flush() } else { Ok(()) };
    if let Some(e) = sink.error.take().or(flushed.err()) {
        return Err(ExecError::Internal(format!("writing the trace: {e}")));
    }
    result
}

/// The trace's writer and its first error. The tracer (which the `Evm` owns, so it must be
/// `'static`) writes through a [`SinkWriter`]; [`execute_traced`] keeps the other handle to
/// flush and to see the error the tracer ignores.
struct TraceSink<W> {
    out: W,
    error: Option<std::io::Error>,
}

struct SinkWriter<W>(Arc<Mutex<TraceSink<W>>>);

impl<W: Write> Write for SinkWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut sink = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // After a failure the rest of the trace is dropped: the error is reported once.
        if sink.error.is_none()
            && let Err(e) = sink.out.write_all(bytes)
        {
            sink.error = Some(e);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
