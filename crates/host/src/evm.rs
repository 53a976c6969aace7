//! The [`Evm`]: validates a transaction, buys its gas, runs its frames and settles the fees.

use kestrel_interpreter::{Buffers, Frame, Stack, Status, Tracer};
use kestrel_precompiles::Precompiles;
use kestrel_primitives::gas::{eip3529, frontier};
use kestrel_primitives::{Address, BlockEnv, SpecId, TxEnv, U256};
use kestrel_state::{Database, DatabaseCommit, Journal, delegation_address};

use crate::address;
use crate::authorization::apply_authorizations;
use crate::blob;
use crate::context::Context;
use crate::frames::FrameMeta;
use crate::result::{ExecutionResult, TxError};
use crate::validation::{check_sender, check_stateless_at};

/// An Ethereum Virtual Machine over a database: executes transactions one after another.
///
/// One `Evm` is meant to live as long as its embedder: the frame stack, the stack pool, the
/// shared memory/call-data/return-data buffers and the journal's arenas are kept from one
/// transaction to the next, so a steady stream of transactions allocates nothing for them.
///
/// A panic in a tracer or the database that the embedder catches leaves the `Evm` reusable: the
/// next transaction first drops the frames and journal entries the unwound one left behind.
pub struct Evm<DB: Database> {
    pub(crate) ctx: Context<DB>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) metas: Vec<FrameMeta>,
    pub(crate) buffers: Buffers,
    pub(crate) stacks: Vec<Stack>,
    pub(crate) precompiles: &'static Precompiles,
    pub(crate) tracer: Option<Box<dyn Tracer>>,
    /// True from the start of a transaction until its changes are kept or dropped. Still true
    /// when the next one starts only if a panic (in a tracer or the database) unwound out of
    /// the last: its frames and journal entries are then stale.
    pub(crate) in_transaction: bool,
}

impl<DB: Database> core::fmt::Debug for Evm<DB> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Evm")
            .field("spec", &self.ctx.spec)
            .field("block", &self.ctx.block)
            .finish_non_exhaustive()
    }
}

impl<DB: Database> Evm<DB>
where
    DB::Error: core::fmt::Debug,
{
    /// An `Evm` over `db` applying the rules of `spec`, on chain `chain_id`.
    pub fn new(db: DB, spec: SpecId, chain_id: u64) -> Self {
        let block = BlockEnv::default();
        Self {
            ctx: Context {
                journal: Journal::new(db, spec),
                spec,
                blob_base_fee: blob::blob_base_fee(spec, &block),
                block,
                tx: TxEnv::default(),
                chain_id,
                effective_gas_price: U256::ZERO,
            },
            frames: Vec::new(),
            metas: Vec::new(),
            buffers: Buffers::default(),
            stacks: Vec::new(),
            precompiles: Precompiles::for_spec(spec),
            tracer: None,
            in_transaction: false,
        }
    }

    /// The fork in force.
    pub fn spec(&self) -> SpecId {
        self.ctx.spec
    }

    /// Sets the block the next transactions execute in.
    pub fn set_block(&mut self, block: BlockEnv) {
        // Once per block, not per transaction: BLOBBASEFEE and validation read it from here.
        self.ctx.blob_base_fee = blob::blob_base_fee(self.ctx.spec, &block);
        self.ctx.block = block;
    }

    /// The block in force.
    pub fn block(&self) -> &BlockEnv {
        &self.ctx.block
    }

    /// Runs every frame through the tracing runner, calling `tracer` around each opcode
    /// (`None` goes back to the fast runner).
    pub fn set_tracer(&mut self, tracer: Option<Box<dyn Tracer>>) {
        self.tracer = tracer;
    }

    /// Takes the tracer back.
    pub fn take_tracer(&mut self) -> Option<Box<dyn Tracer>> {
        self.tracer.take()
    }

    /// The journal: the state as the transactions so far left it.
    pub fn journal(&self) -> &Journal<DB> {
        &self.ctx.journal
    }

    /// The journal, mutably (e.g. to [`Journal::reset`] after changing the database).
    pub fn journal_mut(&mut self) -> &mut Journal<DB> {
        &mut self.ctx.journal
    }

    /// The database.
    pub fn db(&self) -> &DB {
        self.ctx.journal.db()
    }

    /// Executes `tx` and keeps its changes in the journal's cache ([`Journal::changes`] lists
    /// them); an invalid transaction changes nothing.
    ///
    /// A database error fails the transaction with [`TxError::Database`] and drops only its own
    /// changes: the `Evm` stays usable, and earlier transactions stay in the cache.
    pub fn transact(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError> {
        let result = self.run_transaction(tx);
        match &result {
            Ok(_) => {
                self.ctx.journal.finalize();
            }
            Err(_) => self.ctx.journal.discard(),
        }
        self.in_transaction = false;
        result
    }

    /// Executes `tx`, then drops its changes: the state stays as it was. For benchmarks and
    /// `eth_call`-style simulation.
    pub fn transact_discard(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError> {
        let result = self.run_transaction(tx);
        self.ctx.journal.discard();
        self.in_transaction = false;
        result
    }

    /// Executes `tx` and writes its changes through to the database.
    pub fn transact_commit(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError>
    where
        DB: DatabaseCommit,
    {
        let result = self.transact(tx)?;
        self.ctx.journal.commit_to_db();
        Ok(result)
    }

    /// Installs `tx` and executes it, leaving its changes in the journal for the caller to keep
    /// or drop. A database error met anywhere (even while the transaction looked invalid, since
    /// the check then ran on a default) becomes the result, so none is left for the next
    /// transaction to trip over.
    fn run_transaction(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError> {
        if self.in_transaction {
            self.abandon_unwound_transaction();
        }
        self.in_transaction = true;
        self.ctx.tx = tx;
        let result = self.execute();
        match self.ctx.journal.take_error() {
            None => result,
            Some(e) => Err(TxError::Database(format!("{e:?}"))),
        }
    }

    /// Drops what a transaction that panicked left behind: its frames (their stacks go back to
    /// the pool), the shared buffers, its journal entries and any database error it recorded.
    /// The journal's operations call out (to the database) only before they change anything, so
    /// the entries it holds are whole and reverting them restores the state before it.
    #[cold]
    #[inline(never)]
    pub(crate) fn abandon_unwound_transaction(&mut self) {
        while let Some(frame) = self.frames.pop() {
            self.stacks.push(frame.stack);
        }
        self.metas.clear();
        self.buffers.clear();
        self.ctx.journal.discard();
        let _ = self.ctx.journal.take_error();
        self.in_transaction = false;
    }

    /// Validates and executes `self.ctx.tx`, leaving its changes in the journal.
    fn execute(&mut self) -> Result<ExecutionResult, TxError> {
        let spec = self.ctx.spec;
        let validated = check_stateless_at(spec, &self.ctx.block, self.ctx.blob_base_fee, &self.ctx.tx)?;
        let sender = self.ctx.tx.caller;
        let account = self.ctx.journal.peek_account(&sender);
        let code = if account.code_hash == kestrel_primitives::KECCAK_EMPTY {
            Default::default()
        } else {
            self.ctx.journal.code(&sender).value
        };
        // EIP-3607: senders with code are refused, except EIP-7702 delegated accounts.
        let delegated = spec.is_enabled_in(SpecId::Prague) && delegation_address(&code).is_some();
        let foreign_code = !code.is_empty() && !delegated;
        if self.ctx.journal.has_error() {
            // The sender is a default, not the database's account: judge nothing by it.
            return Err(TxError::Database(String::new()));
        }
        check_sender(&self.ctx.tx, &validated, account.balance, account.nonce, foreign_code)?;

        // Buy gas and bump the nonce: from here on the transaction is valid and included.
        let tx = &self.ctx.tx;
        let price = validated.effective_gas_price;
        self.ctx.effective_gas_price = price;
        let gas_fee = U256::from(tx.gas_limit) * price;
        let blob_fee = U256::from(validated.blob_gas) * validated.blob_base_fee;
        let journal = &mut self.ctx.journal;
        // The upfront check covered these at the max prices, so the subtraction cannot fail.
        let _ = journal.sub_balance(&sender, gas_fee + blob_fee);
        journal.inc_nonce(&sender);

        // EIP-2929 / 2930 / 3651 pre-warming.
        journal.prewarm_account(&sender);
        if let Some(to) = tx.to {
            journal.prewarm_account(&to);
        }
        journal.prewarm_accounts(self.precompiles.addresses());
        if spec.is_enabled_in(SpecId::Shanghai) {
            journal.prewarm_account(&self.ctx.block.coinbase);
        }
        for item in &tx.access_list {
            journal.warm_account(&item.address);
            for key in &item.storage_keys {
                journal.warm_slot(&item.address, &(*key).into());
            }
        }

        let gas_limit = tx.gas_limit - validated.intrinsic.initial;
        let mut refund = 0u64;
        let outcome = match tx.to {
            Some(to) => {
                if !tx.authorization_list.is_empty() {
                    let list = core::mem::take(&mut self.ctx.tx.authorization_list);
                    refund += apply_authorizations(&mut self.ctx.journal, &list, self.ctx.chain_id);
                    self.ctx.tx.authorization_list = list;
                }
                self.run_root_call(to, gas_limit)
            }
            None => {
                let created = address::create_address(&sender, account.nonce);
                self.run_root_create(created, gas_limit)
            }
        };

        // Refunds (EIP-3529 caps them at a fifth of the gas used, before London a half) and the
        // EIP-7623 floor.
        let tx = &self.ctx.tx;
        let gas_used_before_refund = tx.gas_limit - outcome.gas_left;
        if outcome.status.is_success() {
            refund += outcome.refund.max(0) as u64;
        }
        let quotient = if spec.is_enabled_in(SpecId::London) {
            eip3529::MAX_REFUND_QUOTIENT
        } else {
            frontier::MAX_REFUND_QUOTIENT
        };
        let refund = refund.min(gas_used_before_refund / quotient);
        let gas_used = (gas_used_before_refund - refund).max(validated.intrinsic.floor);
        let journal = &mut self.ctx.journal;
        journal.add_balance(&sender, U256::from(tx.gas_limit - gas_used) * price);
        let priority = price - self.ctx.block.basefee.min(price);
        let coinbase = self.ctx.block.coinbase;
        journal.add_balance(&coinbase, U256::from(gas_used) * priority);

        if journal.has_error() {
            // `run_transaction` reports the error itself.
            return Err(TxError::Database(String::new()));
        }
        let logs = if outcome.status.is_success() { journal.take_logs() } else { Vec::new() };
        Ok(ExecutionResult {
            status: outcome.status,
            gas_used,
            gas_refunded: refund,
            output: outcome.output,
            logs,
            created_address: outcome.created.filter(|_| outcome.status.is_success()),
        })
    }
}

// The `Evm` is `Send` whenever its database and the database's error are: it can move to a
// worker thread or live across an `.await` on a multi-threaded runtime. Checked at compile time
// here, so the library stops building if a field loses it.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Evm<kestrel_state::InMemoryDb>>();
};

/// The result of the outermost frame.
pub(crate) struct RootOutcome {
    pub(crate) status: Status,
    pub(crate) gas_left: u64,
    pub(crate) refund: i64,
    pub(crate) output: kestrel_primitives::Bytes,
    pub(crate) created: Option<Address>,
}
