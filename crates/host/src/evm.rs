//! The [`Evm`]: validates a transaction, buys its gas, runs its frames and settles the fees.

use kestrel_bytecode::Caches;
use kestrel_bytecode::program::ExecutionMode;
use kestrel_interpreter::{CallKind, CallRequest, CreateRequest, CreateScheme, FrameRequest, Tracer};
use kestrel_precompiles::Precompiles;
use kestrel_primitives::gas::{eip3529, frontier};
use kestrel_primitives::{Address, BlockEnv, KECCAK_EMPTY, SpecId, TxEnv, U256};
use kestrel_state::{Database, DatabaseCommit, Journal, Logs};

use crate::authorization::apply_authorizations;
use crate::blob;
use crate::context::Context;
use crate::frames::{Ended, FrameStack};
use crate::inspector::hooks::{Fast, Inspecting};
use crate::inspector::{Inspector, JournalView, StateEvent, TracerInspector, TxEnd};
use crate::result::{ExecutionOutcome, ExecutionResult, TxError};
use crate::validation::{Validated, check_sender, check_stateless_at};

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
    frames: FrameStack,
    /// The inspector (or interpreter tracer) every frame reports to, if any.
    observer: Option<Observer>,
    /// Why the inspector stopped the transaction running now, once it has.
    pub(crate) halted: Option<String>,
    /// True from the start of a transaction until its changes are kept or dropped. Still true
    /// when the next one starts only if a panic (in a tracer or the database) unwound out of
    /// the last: its frames and journal entries are then stale.
    pub(crate) in_transaction: bool,
    /// Leave the coinbase's priority fee to the caller ([`set_defer_coinbase_fee`](Self::set_defer_coinbase_fee)).
    defer_coinbase_fee: bool,
    /// The priority fee the last transaction owed the coinbase, when deferred.
    deferred_fee: U256,
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
                precompiles: Precompiles::for_spec(spec),
                blob_base_fee: blob::blob_base_fee(spec, &block),
                block,
                tx: TxEnv::default(),
                chain_id,
                effective_gas_price: U256::ZERO,
            },
            frames: FrameStack::default(),
            observer: None,
            halted: None,
            in_transaction: false,
            defer_coinbase_fee: false,
            deferred_fee: U256::ZERO,
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
    /// (`None` goes back to the fast runner). Replaces any inspector.
    pub fn set_tracer(&mut self, tracer: Option<Box<dyn Tracer>>) {
        self.observer = tracer.map(|t| Observer::Tracer(TracerInspector(t)));
    }

    /// Takes the tracer back (`None` when an inspector is attached instead).
    pub fn take_tracer(&mut self) -> Option<Box<dyn Tracer>> {
        match self.observer.take() {
            Some(Observer::Tracer(t)) => Some(t.0),
            other => {
                self.observer = other;
                None
            }
        }
    }

    /// Attaches `inspector` (`None` detaches it and goes back to the fast runner): every frame
    /// then runs in the tracing runner and every [`Inspector`] hook is called. Replaces any
    /// tracer.
    pub fn set_inspector(&mut self, inspector: Option<Box<dyn Inspector>>) {
        self.observer = inspector.map(Observer::Inspector);
    }

    /// Takes the inspector back (`None` when a tracer is attached instead).
    pub fn take_inspector(&mut self) -> Option<Box<dyn Inspector>> {
        match self.observer.take() {
            Some(Observer::Inspector(i)) => Some(i),
            other => {
                self.observer = other;
                None
            }
        }
    }

    /// The attached inspector, to read what it gathered between transactions.
    pub fn inspector_mut(&mut self) -> Option<&mut (dyn Inspector + 'static)> {
        match &mut self.observer {
            Some(Observer::Inspector(i)) => Some(&mut **i),
            _ => None,
        }
    }

    /// Runs later transactions with `caches` (analysed code and translated programs) instead
    /// of the process-wide ones every `Evm` starts with ([`Caches::global`]). `Evm`s given
    /// clones of one `Caches` share it; a fresh one ([`Caches::isolated`]) shares nothing.
    pub fn set_caches(&mut self, caches: Caches) {
        self.frames.set_caches(caches);
    }

    /// The caches this `Evm` runs with.
    pub fn caches(&self) -> &Caches {
        &self.frames.caches
    }

    /// Chooses the tier that runs bytecode (default [`ExecutionMode::Auto`]); see
    /// [`ProgramCache`](kestrel_bytecode::program::ProgramCache). A tracer always gets the
    /// interpreter.
    pub fn set_mode(&mut self, mode: ExecutionMode) {
        self.frames.mode = mode;
    }

    /// With `defer` set, transactions do not pay the coinbase its priority fee and do not load
    /// the coinbase or the precompiles to warm them (EIP-3651 and EIP-2929 warm them lazily,
    /// see [`Journal::prewarm_account_lazily`]): the fee is left in
    /// [`deferred_coinbase_fee`](Self::deferred_coinbase_fee) for the caller to add. The
    /// parallel block executor runs transactions this way so that fees do not make every
    /// transaction depend on the one before; it settles them in block order, and runs a
    /// transaction that reads the coinbase again without deferring. Off by default.
    pub fn set_defer_coinbase_fee(&mut self, defer: bool) {
        self.defer_coinbase_fee = defer;
    }

    /// The priority fee the last transaction owed the coinbase and did not pay it (zero unless
    /// [`set_defer_coinbase_fee`](Self::set_defer_coinbase_fee) is on).
    pub fn deferred_coinbase_fee(&self) -> U256 {
        self.deferred_fee
    }

    /// The tier that runs bytecode.
    pub fn mode(&self) -> ExecutionMode {
        self.frames.mode
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
    /// them); an invalid transaction changes nothing. Returns an owned result: see
    /// [`transact_ref`](Self::transact_ref) for the same without allocating it.
    ///
    /// A database error fails the transaction with [`TxError::Database`] and drops only its own
    /// changes: the `Evm` stays usable, and earlier transactions stay in the cache.
    pub fn transact(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError> {
        self.transact_ref(tx).map(|outcome| outcome.to_owned())
    }

    /// [`transact`](Self::transact), returning the outcome borrowed from the `Evm`'s buffers
    /// (output and logs) rather than copied out of them: in steady state a transaction then
    /// allocates nothing at all.
    pub fn transact_ref(&mut self, tx: TxEnv) -> Result<ExecutionOutcome<'_>, TxError> {
        let settled = self.run_transaction(tx);
        let settled = self.keep_if_ok(settled)?;
        Ok(self.outcome(settled))
    }

    /// Ends the transaction (or system call) that gave `result`: its changes are kept when it
    /// succeeded and dropped when it failed.
    pub(crate) fn keep_if_ok(&mut self, result: Result<Settled, TxError>) -> Result<Settled, TxError> {
        match &result {
            Ok(_) => {
                self.ctx.journal.finalize();
            }
            Err(_) => self.ctx.journal.discard(),
        }
        self.in_transaction = false;
        result
    }

    /// The outcome of the transaction that just ended as `settled`: its output is the return
    /// data the outermost frame left in the shared buffers, its logs the journal's.
    pub(crate) fn outcome(&self, settled: Settled) -> ExecutionOutcome<'_> {
        let success = settled.status.is_success();
        ExecutionOutcome {
            status: settled.status,
            gas_used: settled.gas_used,
            gas_refunded: settled.gas_refunded,
            output: self.frames.output(),
            logs: if success { self.ctx.journal.logs() } else { Logs::EMPTY },
            created_address: settled.created_address,
        }
    }

    /// Executes `tx`, then drops its changes: the state stays as it was. For benchmarks and
    /// `eth_call`-style simulation. Returns an owned result, like [`transact`](Self::transact).
    pub fn transact_discard(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError> {
        self.transact_discard_ref(tx).map(|outcome| outcome.to_owned())
    }

    /// [`transact_discard`](Self::transact_discard), returning the borrowed outcome.
    pub fn transact_discard_ref(&mut self, tx: TxEnv) -> Result<ExecutionOutcome<'_>, TxError> {
        let settled = self.run_transaction(tx);
        self.ctx.journal.discard();
        self.in_transaction = false;
        Ok(self.outcome(settled?))
    }

    /// Executes `tx` and writes its changes through to the database. Returns an owned result,
    /// like [`transact`](Self::transact).
    pub fn transact_commit(&mut self, tx: TxEnv) -> Result<ExecutionResult, TxError>
    where
        DB: DatabaseCommit,
    {
        self.transact_commit_ref(tx).map(|outcome| outcome.to_owned())
    }

    /// [`transact_commit`](Self::transact_commit), returning the borrowed outcome.
    pub fn transact_commit_ref(&mut self, tx: TxEnv) -> Result<ExecutionOutcome<'_>, TxError>
    where
        DB: DatabaseCommit,
    {
        let settled = self.run_transaction(tx);
        let settled = self.keep_if_ok(settled)?;
        self.ctx.journal.commit_to_db();
        Ok(self.outcome(settled))
    }

    /// Installs `tx` and executes it, leaving its changes in the journal for the caller to keep
    /// or drop. A database error met anywhere (even while the transaction looked invalid, since
    /// the check then ran on a default) becomes the result, so none is left for the next
    /// transaction to trip over.
    fn run_transaction(&mut self, tx: TxEnv) -> Result<Settled, TxError> {
        if self.observer.is_some() {
            return self.run_transaction_observed(tx);
        }
        self.begin_transaction();
        self.ctx.tx = tx;
        let result = self.execute();
        match self.ctx.journal.take_error() {
            None => result,
            Some(e) => Err(TxError::Database(format!("{e:?}"))),
        }
    }

    /// [`run_transaction`](Self::run_transaction) with an inspector or tracer attached: the
    /// transaction hooks around it, and the inspector's halt as its error. Apart, so that the
    /// path without one stays as it was.
    #[inline(never)]
    fn run_transaction_observed(&mut self, tx: TxEnv) -> Result<Settled, TxError> {
        self.begin_transaction();
        self.ctx.tx = tx;
        if let Some(observer) = &mut self.observer {
            let inspector = observer.inspector();
            inspector.transaction_start(&self.ctx.tx);
            let event = StateEvent::TransactionStart { tx: &self.ctx.tx, coinbase: self.ctx.block.coinbase };
            inspector.state(event, &mut JournalView(&mut self.ctx.journal));
        }
        let result = self.execute();
        if self.halted.is_none()
            && result.is_ok()
            && let Some(observer) = &mut self.observer
        {
            observer.inspector().state(StateEvent::TransactionEnd, &mut JournalView(&mut self.ctx.journal));
        }
        // A halted transaction ran to its end with every frame interrupted; its changes are
        // dropped with the error.
        let result = if self.halted.is_some() { Err(self.take_halt()) } else { result };
        let result = match self.ctx.journal.take_error() {
            None => result,
            Some(e) => Err(TxError::Database(format!("{e:?}"))),
        };
        if let Some(observer) = &mut self.observer {
            let (status, gas_used) = match &result {
                Ok(settled) => (Some(settled.status), settled.gas_used),
                Err(_) => (None, 0),
            };
            let end = TxEnd { status, gas_used, output: self.frames.output(), error: result.as_ref().err() };
            observer.inspector().transaction_end(&end);
        }
        result
    }

    /// Starts a transaction or system call: cleans up after one that panicked, and drops the
    /// logs the last one left for its outcome to borrow.
    pub(crate) fn begin_transaction(&mut self) {
        if self.in_transaction {
            self.abandon_unwound_transaction();
        }
        self.in_transaction = true;
        self.deferred_fee = U256::ZERO;
        self.ctx.journal.clear_logs();
    }

    /// Drops what a transaction that panicked left behind: its frames (their stacks go back to
    /// the pool), the shared buffers, its journal entries and any database error it recorded.
    /// The journal's operations call out (to the database) only before they change anything, so
    /// the entries it holds are whole and reverting them restores the state before it.
    #[cold]
    #[inline(never)]
    pub(crate) fn abandon_unwound_transaction(&mut self) {
        self.frames.abandon();
        // An inspector's halt is taken where the transaction ends; a panic may have skipped that.
        self.halted = None;
        self.ctx.journal.discard();
        let _ = self.ctx.journal.take_error();
        self.in_transaction = false;
    }

    /// Validates and executes `self.ctx.tx`, leaving its changes in the journal.
    fn execute(&mut self) -> Result<Settled, TxError> {
        let validated = self.validate()?;
        let authorization_refund = self.buy_gas_and_warm(&validated);
        let ended = self.run(&validated, authorization_refund);
        self.settle(&validated, ended, authorization_refund)
    }

    /// The inspector's halt, as the transaction's error (only an inspector sets one).
    #[cold]
    #[inline(never)]
    pub(crate) fn take_halt(&mut self) -> TxError {
        TxError::Halted(self.halted.take().unwrap_or_default())
    }

    /// Checks the transaction, alone and then against its sender's account.
    fn validate(&mut self) -> Result<Validated, TxError> {
        let ctx = &mut self.ctx;
        let validated = check_stateless_at(ctx.spec, &ctx.block, ctx.blob_base_fee, &ctx.tx)?;
        let sender = ctx.tx.caller;
        let account = ctx.journal.peek_account(&sender);
        // EIP-3607: senders with code are refused, except EIP-7702 delegated accounts.
        let has_code = account.code_hash != KECCAK_EMPTY && ctx.journal.has_non_delegation_code(&sender);
        if ctx.journal.has_error() {
            // The sender is a default, not the database's account: judge nothing by it.
            return Err(TxError::Database(String::new()));
        }
        check_sender(&ctx.tx, &validated, account.balance, account.nonce, has_code)?;
        Ok(validated)
    }

    /// Buys the gas, bumps the sender's nonce, warms what starts warm and applies the
    /// authorizations: from here on the transaction is valid and included. Returns the refund
    /// the authorizations earned.
    fn buy_gas_and_warm(&mut self, validated: &Validated) -> u64 {
        let ctx = &mut self.ctx;
        let tx = &ctx.tx;
        let sender = tx.caller;
        ctx.effective_gas_price = validated.effective_gas_price;
        let gas_fee = U256::from(tx.gas_limit) * validated.effective_gas_price;
        let blob_fee = U256::from(validated.blob_gas) * validated.blob_base_fee;
        let journal = &mut ctx.journal;
        // The upfront check covered these at the max prices, so the subtraction cannot fail.
        let _ = journal.sub_balance(&sender, gas_fee + blob_fee);
        journal.inc_nonce(&sender);

        // EIP-2929 / 2930 / 3651 pre-warming.
        journal.prewarm_account(&sender);
        if let Some(to) = tx.to {
            journal.prewarm_account(&to);
        }
        if self.defer_coinbase_fee {
            // Warm without loading: what the transaction never uses is not among its reads.
            journal.prewarm_accounts_lazily(ctx.precompiles.addresses());
        } else {
            journal.prewarm_accounts(ctx.precompiles.addresses());
        }
        if ctx.spec.is_enabled_in(SpecId::Shanghai) {
            if self.defer_coinbase_fee {
                journal.prewarm_account_lazily(&ctx.block.coinbase);
            } else {
                journal.prewarm_account(&ctx.block.coinbase);
            }
        }
        for item in &tx.access_list {
            journal.warm_account(&item.address);
            for key in &item.storage_keys {
                journal.warm_slot(&item.address, &(*key).into());
            }
        }

        // EIP-7702 (only a call carries authorizations).
        if tx.authorization_list.is_empty() {
            return 0;
        }
        let list = core::mem::take(&mut ctx.tx.authorization_list);
        let refund = apply_authorizations(&mut ctx.journal, &list, ctx.chain_id);
        ctx.tx.authorization_list = list;
        refund
    }

    /// Runs the transaction's call or creation as the outermost frame.
    fn run(&mut self, validated: &Validated, authorization_refund: u64) -> Ended {
        let tx = &self.ctx.tx;
        let gas_limit = tx.gas_limit - validated.intrinsic.initial;
        let refund_base = authorization_refund as i64;
        let request = match tx.to {
            Some(to) => return self.run_call(to, gas_limit, refund_base),
            None => FrameRequest::Create(CreateRequest {
                scheme: CreateScheme::Create,
                caller: tx.caller,
                value: tx.value,
                init_offset: 0,
                init_len: tx.data.len(),
                gas_limit,
            }),
        };
        self.run_frames(request, refund_base)
    }

    /// Runs `request` and every frame it leads to: with no inspector in the fast frame loop,
    /// else in the one that calls every hook. `refund_base` is the refund counter's start (the
    /// inspector's view of it).
    fn run_frames(&mut self, request: FrameRequest, refund_base: i64) -> Ended {
        match &mut self.observer {
            None => self.frames.run(&mut self.ctx, &mut Fast, 0, request),
            Some(observer) => {
                let mut hooks = Inspecting { inspector: observer.inspector(), halt: None };
                let ended = self.frames.run(&mut self.ctx, &mut hooks, refund_base, request);
                self.halted = hooks.halt;
                ended
            }
        }
    }

    /// Runs the transaction's call of `to` (from `ctx.tx`'s caller, with its value and data) as
    /// the outermost frame with `gas_limit`: the path of a transaction's call and of a system
    /// call. `refund_base` is the refund counter's start (for the inspector).
    pub(crate) fn run_call(&mut self, to: Address, gas_limit: u64, refund_base: i64) -> Ended {
        let tx = &self.ctx.tx;
        // A delegated account runs its delegate's code, as for any call (EIP-7702).
        let delegate = self.ctx.journal.call_delegate(&to).map(|d| d.value);
        let request = FrameRequest::Call(CallRequest {
            kind: CallKind::Call,
            target: to,
            code_address: delegate.unwrap_or(to),
            delegated: delegate.is_some(),
            caller: tx.caller,
            value: tx.value,
            transfers_value: true,
            input_offset: 0,
            input_len: tx.data.len(),
            gas_limit,
            is_static: false,
        });
        self.run_frames(request, refund_base)
    }

    /// Refunds (the authorizations' `authorization_refund`, and the frames' on success) within
    /// their cap, applies the EIP-7623 floor, gives the sender its unspent gas back and pays the
    /// coinbase its priority fee.
    fn settle(
        &mut self,
        validated: &Validated,
        ended: Ended,
        authorization_refund: u64,
    ) -> Result<Settled, TxError> {
        let ctx = &mut self.ctx;
        let tx = &ctx.tx;
        let gas_used_before_refund = tx.gas_limit - ended.gas_left;
        let success = ended.status.is_success();
        let mut refund = authorization_refund;
        if success {
            refund += ended.refund.max(0) as u64;
        }
        // EIP-3529 caps refunds at a fifth of the gas used, before London at a half.
        let quotient = if ctx.spec.is_enabled_in(SpecId::London) {
            eip3529::MAX_REFUND_QUOTIENT
        } else {
            frontier::MAX_REFUND_QUOTIENT
        };
        let refund = refund.min(gas_used_before_refund / quotient);
        let gas_used = (gas_used_before_refund - refund).max(validated.intrinsic.floor);
        let price = validated.effective_gas_price;
        let journal = &mut ctx.journal;
        journal.add_balance(&tx.caller, U256::from(tx.gas_limit - gas_used) * price);
        let priority = price - ctx.block.basefee.min(price);
        let fee = U256::from(gas_used) * priority;
        if self.defer_coinbase_fee {
            self.deferred_fee = fee;
        } else {
            journal.add_balance(&ctx.block.coinbase, fee);
        }

        if journal.has_error() {
            // `run_transaction` reports the error itself.
            return Err(TxError::Database(String::new()));
        }
        Ok(Settled { status: ended.status, gas_used, gas_refunded: refund, created_address: ended.created() })
    }
}

/// What observes execution: an interpreter tracer (steps only) or an inspector.
enum Observer {
    Tracer(TracerInspector),
    Inspector(Box<dyn Inspector>),
}

impl Observer {
    fn inspector(&mut self) -> &mut dyn Inspector {
        match self {
            Observer::Tracer(tracer) => tracer,
            Observer::Inspector(inspector) => &mut **inspector,
        }
    }
}

/// The figures of a transaction that ended; its output and logs stay in the `Evm`'s buffers
/// until [`Evm::outcome`] borrows them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settled {
    pub(crate) status: kestrel_interpreter::Status,
    pub(crate) gas_used: u64,
    pub(crate) gas_refunded: u64,
    pub(crate) created_address: Option<Address>,
}

// The `Evm` is `Send` whenever its database and the database's error are: it can move to a
// worker thread or live across an `.await` on a multi-threaded runtime. Checked at compile time
// here, so the library stops building if a field loses it.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Evm<kestrel_state::InMemoryDb>>();
};
