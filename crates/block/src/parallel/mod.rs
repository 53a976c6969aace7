//! Optimistic parallel execution of a block's transactions (Block-STM's ideas, with in-order
//! validation by value), with results identical to the sequential path.
//!
//! - Worker threads take transactions in block order from a shared counter, recover their
//!   sender and execute them speculatively, each on its own `Evm`, over a view of the state:
//!   the multi-version memory (`mv.rs`: the latest writes of the transactions before it that have
//!   run) over the state before the first transaction. Every value read is recorded.
//! - The committer (the calling thread) goes through the block in order. For transaction `i`
//!   every transaction before it is committed, so the overlay holds exactly the state the
//!   sequential path would run `i` on: a speculative result whose every read still holds there
//!   is what the sequential path computes (execution is a function of the values read), and is
//!   committed as it is; otherwise (or when no worker has started it yet) the committer
//!   executes `i` itself on the overlay, exactly as the sequential path does. While the next
//!   transaction is still running on a worker, the committer runs a later one speculatively.
//! - The coinbase's priority fees would make every transaction depend on the one before. The
//!   workers' `Evm`s defer them ([`Evm::set_defer_coinbase_fee`]): a transaction that never
//!   loads the coinbase leaves the coinbase alone and the committer adds its fee at commit, in
//!   block order. One that does load it (BALANCE of it, a transfer to it, the coinbase as
//!   sender, ...) is executed again by the committer with the fee paid in the transaction.
//! - System calls, the DAO change, rewards, withdrawals and requests run on the committer's
//!   `Evm` before and after, in their sequential order ([`crate::execute`]).
//! - Senders are recovered once per transaction (a `OnceLock` each), by whichever thread needs
//!   one first; a worker with nothing to execute (speculation paused, or too far ahead of the
//!   committer) recovers the senders of transactions ahead, so even a block of conflicting
//!   transactions has its signature work spread over the threads.

#[cfg(all(test, loom))]
mod loom_models;
pub(crate) mod mv;
mod sync;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::Ordering;

use kestrel_host::Evm;
use kestrel_primitives::{Address, B256, Bytes, KECCAK_EMPTY, Log, U256};
use kestrel_state::{AccountChange, AccountInfo, Database, DatabaseCommit, DatabaseRef, StateChanges};

use crate::error::{BlockError, TxRejection};
use crate::execute::{BlockCtx, ExecOptions, TxsOutcome, check_allowance, execute_one, push_receipt};
use crate::receipt::{Bloom, logs_bloom};
use crate::state::{BlockDatabase, Overlay, Pending};
use crate::state_trie::StateTrie;
use crate::tx::SignatureError;
use mv::MvMemory;
use sync::{AtomicBool, AtomicU8, AtomicUsize, Mutex};

/// Process-wide counts of how the committer settled transactions, for benchmarks and tests (a
/// few relaxed atomic additions per transaction).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Speculative results whose reads held: committed as they were.
    pub validated: u64,
    /// Speculative results with a read that no longer held: executed again.
    pub invalidated: u64,
    /// Speculative results that loaded the coinbase: executed again with the fee paid inside.
    pub read_coinbase: u64,
    /// Speculative executions that failed (invalid there, database error, panic): executed again.
    pub failed: u64,
    /// Transactions no worker had started: executed by the committer directly.
    pub direct: u64,
}

static COUNTS: [std::sync::atomic::AtomicU64; 5] = [const { std::sync::atomic::AtomicU64::new(0) }; 5];

impl Stats {
    /// The counts since the process started (or the last [`reset`](Self::reset)).
    pub fn get() -> Self {
        let c = |i: usize| COUNTS[i].load(Ordering::Relaxed);
        Self { validated: c(0), invalidated: c(1), read_coinbase: c(2), failed: c(3), direct: c(4) }
    }

    /// Sets the counts to zero.
    pub fn reset() {
        for c in &COUNTS {
            c.store(0, Ordering::Relaxed);
        }
    }

    fn count(which: usize) {
        COUNTS[which].fetch_add(1, Ordering::Relaxed);
    }
}

/// The database of the committer's overlay in the parallel path: reads through the shared view
/// of the block's database, roots from the database itself.
pub(crate) struct SharedBase<'a, DB: BlockDatabase> {
    /// The block's database.
    pub(crate) db: &'a DB,
    /// The same, readable from every thread.
    pub(crate) reads: &'a (dyn DatabaseRef<Error = DB::Error> + Sync),
}

impl<DB: BlockDatabase> Database for SharedBase<'_, DB> {
    type Error = DB::Error;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.reads.basic_ref(address)
    }
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.reads.code_by_hash_ref(code_hash)
    }
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        self.reads.storage_ref(address, key)
    }
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        self.reads.has_storage_ref(address)
    }
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.reads.block_hash_ref(number)
    }
}

/// Never called: the overlay over it keeps the block's changes, and `apply_block` commits them
/// to the real database afterwards.
impl<DB: BlockDatabase> DatabaseCommit for SharedBase<'_, DB> {
    fn commit(&mut self, _changes: &StateChanges) {}
}

impl<DB: BlockDatabase> BlockDatabase for SharedBase<'_, DB> {
    fn state_root_with(&self, pending: &Pending) -> B256 {
        self.db.state_root_with(pending)
    }
    fn state_trie(&self) -> Option<&StateTrie> {
        self.db.state_trie()
    }
    fn shared(&self) -> Option<&(dyn DatabaseRef<Error = <Self as Database>::Error> + Sync)> {
        Some(self.reads)
    }
}

/// The state before the block's first transaction, as the workers read it.
type PreState<'a, E> = Overlay<&'a (dyn DatabaseRef<Error = E> + Sync)>;

/// One value a speculative execution read.
#[derive(Debug)]
enum Read {
    Account(Address, Option<AccountInfo>),
    Slot(Address, U256, U256),
    HasStorage(Address, bool),
    Code(B256, Bytes),
}

/// A worker's database: the multi-version memory over the pre-transactions state, recording
/// every read. Its errors are strings, so that nothing but text crosses threads.
struct SpecDb<'a, E> {
    pre: &'a PreState<'a, E>,
    mv: &'a MvMemory,
    coinbase: Address,
    /// The transaction being executed: reads see the writes of those before it.
    tx: usize,
    reads: Vec<Read>,
    read_coinbase: bool,
}

impl<E: core::fmt::Debug> Database for SpecDb<'_, E> {
    type Error = String;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, String> {
        if *address == self.coinbase {
            self.read_coinbase = true;
        }
        let info = match self.mv.read_account(address, self.tx) {
            Some((_, info)) => info,
            None => self.pre.basic_ref(address).map_err(|e| format!("{e:?}"))?,
        };
        self.reads.push(Read::Account(*address, info.clone()));
        Ok(info)
    }

    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, String> {
        let code = match self.mv.code(code_hash) {
            Some(code) => code,
            None => self.pre.code_by_hash_ref(code_hash).map_err(|e| format!("{e:?}"))?,
        };
        self.reads.push(Read::Code(*code_hash, code.clone()));
        Ok(code)
    }

    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, String> {
        let value = match self.mv.read_slot(address, key, self.tx) {
            Some((_, value)) => value,
            None => self.pre.storage_ref(address, key).map_err(|e| format!("{e:?}"))?,
        };
        self.reads.push(Read::Slot(*address, *key, value));
        Ok(value)
    }

    fn has_storage(&mut self, address: &Address) -> Result<bool, String> {
        // Speculation asks the pre-transactions state only; validation checks the answer.
        let value = self.pre.has_storage_ref(address).map_err(|e| format!("{e:?}"))?;
        self.reads.push(Read::HasStorage(*address, value));
        Ok(value)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, String> {
        // Block hashes do not change within a block: not a read to validate.
        self.pre.block_hash_ref(number).map_err(|e| format!("{e:?}"))
    }
}

/// What a speculative execution produced.
#[derive(Debug)]
struct Spec {
    reads: Vec<Read>,
    read_coinbase: bool,
    /// How long the execution took (sender recovery included), for the committer's patience.
    nanos: u64,
    /// `None` when the execution failed (invalid here, a database error, a panic): the
    /// committer executes the transaction itself and reports what the sequential path does.
    outcome: Option<SpecOutcome>,
}

#[derive(Debug)]
struct SpecOutcome {
    changes: StateChanges,
    gas_used: u64,
    success: bool,
    logs: Vec<Log>,
    /// The logs' bloom, computed on the worker (keccak work off the committer's serial path).
    bloom: Bloom,
    /// The coinbase's priority fee, deferred to commit.
    fee: U256,
}

const UNCLAIMED: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const TAKEN: u8 = 3;

/// Who executes what: each transaction is claimed once, by a worker (speculatively) or by the
/// committer (for good).
struct Scheduler {
    status: Vec<AtomicU8>,
    results: Vec<Mutex<Option<Spec>>>,
    next: AtomicUsize,
    abort: AtomicBool,
    /// Set by the committer while speculation keeps failing (a run of conflicting
    /// transactions): workers then stop taking transactions, and the committer runs them
    /// directly, as the sequential path would, instead of sharing the cores with wasted work.
    paused: AtomicBool,
    /// Transactions committed so far: workers stay within [`LOOKAHEAD`](Self::LOOKAHEAD) of it,
    /// so that a burst of conflicts wastes a bounded amount of work.
    committed: AtomicUsize,
    stress: Option<u64>,
}

/// What a thread looking for work gets.
enum Task {
    /// Execute this transaction speculatively.
    Run(usize),
    /// Speculation is paused: look again a little later.
    Paused,
    /// Every transaction is taken, or the block is abandoned.
    Done,
}

impl Scheduler {
    fn new(n: usize, stress: Option<u64>) -> Self {
        Self {
            status: (0..n).map(|_| AtomicU8::new(UNCLAIMED)).collect(),
            results: (0..n).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            abort: AtomicBool::new(false),
            paused: AtomicBool::new(false),
            committed: AtomicUsize::new(0),
            stress,
        }
    }

    /// The next transaction for speculative execution, or `None` when all are claimed or the
    /// block is abandoned. Block order, except that stress mode sometimes picks at random.
    fn next_task(&self, rng: &mut Rng) -> Task {
        let n = self.status.len();
        loop {
            if self.abort.load(Ordering::Relaxed) {
                return Task::Done;
            }
            if self.paused.load(Ordering::Relaxed) {
                return Task::Paused;
            }
            if self.stress.is_some() && rng.next().is_multiple_of(2) {
                let low = self.next.load(Ordering::Relaxed).min(n);
                if low < n {
                    let i = low + (rng.next() as usize) % (n - low);
                    if self.claim(i, RUNNING) {
                        return Task::Run(i);
                    }
                }
            }
            let i = self.next.load(Ordering::Relaxed);
            if i >= n {
                return Task::Done;
            }
            if i >= self.committed.load(Ordering::Relaxed) + Self::LOOKAHEAD {
                return Task::Paused;
            }
            if self.next.compare_exchange(i, i + 1, Ordering::Relaxed, Ordering::Relaxed).is_ok()
                && self.claim(i, RUNNING)
            {
                return Task::Run(i);
            }
        }
    }

    /// How far past the committer workers may run.
    const LOOKAHEAD: usize = 64;

    fn claim(&self, i: usize, how: u8) -> bool {
        self.status[i].compare_exchange(UNCLAIMED, how, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    fn publish(&self, i: usize, spec: Spec) {
        *self.results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(spec);
        self.status[i].store(DONE, Ordering::Release);
    }

    fn take(&self, i: usize) -> Option<Spec> {
        self.results[i].lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A small xorshift generator for stress mode's choices (no dependency, deterministic per seed).
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        Self((seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// In stress mode, sometimes yield or sleep a little, so that threads interleave differently.
    fn jitter(&mut self, stress: Option<u64>) {
        if stress.is_none() {
            return;
        }
        match self.next() % 8 {
            0 => std::thread::sleep(std::time::Duration::from_micros(self.next() % 300)),
            1 | 2 => std::thread::yield_now(),
            _ => {}
        }
    }
}

/// What the threads share.
struct Shared<'a, E> {
    ctx: &'a BlockCtx<'a>,
    options: &'a ExecOptions,
    pre: &'a PreState<'a, E>,
    mv: &'a MvMemory,
    sched: &'a Scheduler,
    /// Each transaction's recovered sender, computed once by whichever thread needs it first.
    senders: &'a [OnceLock<Result<Address, SignatureError>>],
    /// The next transaction whose sender an idle worker recovers ahead of need.
    recover_next: &'a AtomicUsize,
    /// The block's transactions root, computed by the first worker that runs out of
    /// transactions to claim (while the committer commits the last ones), so that it is off
    /// the block's serial end.
    transactions_root: &'a OnceLock<B256>,
}

impl<'a, E: core::fmt::Debug> Shared<'a, E> {
    /// The sender of transaction `i`, recovered here unless a thread did it already.
    fn sender(&self, i: usize) -> Result<Address, SignatureError> {
        *self.senders[i].get_or_init(|| {
            self.ctx.block.transactions[i].recover_sender(self.ctx.spec, self.ctx.config.chain_id)
        })
    }

    /// Work for a worker with nothing to execute (speculation paused, or too far ahead of the
    /// committer): recover the sender of a transaction not committed yet, which someone needs
    /// anyway. False when there is none left.
    fn recover_ahead(&self) -> bool {
        let n = self.senders.len();
        loop {
            let i = self.recover_next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return false;
            }
            if i >= self.sched.committed.load(Ordering::Relaxed) {
                self.sender(i).ok();
                return true;
            }
        }
    }

    fn worker_evm(&self) -> Evm<SpecDb<'a, E>> {
        let db = SpecDb {
            pre: self.pre,
            mv: self.mv,
            coinbase: self.ctx.env.coinbase,
            tx: 0,
            reads: Vec::new(),
            read_coinbase: false,
        };
        let mut evm = Evm::new(db, self.ctx.spec, self.ctx.config.chain_id);
        evm.set_block(self.ctx.env.clone());
        evm.set_mode(self.options.mode);
        evm.set_caches(self.options.caches.clone());
        evm.set_defer_coinbase_fee(true);
        evm
    }

    /// Recovers the sender of transaction `i` and executes it speculatively; a panic becomes a
    /// failed execution, for the committer to redo.
    fn speculate(&self, evm: &mut Evm<SpecDb<'a, E>>, i: usize, rng: &mut Rng) {
        rng.jitter(self.sched.stress);
        let start = std::time::Instant::now();
        let tx = &self.ctx.block.transactions[i];
        let run = catch_unwind(AssertUnwindSafe(|| {
            let address = self.sender(i).ok()?;
            let db = evm.journal_mut().db_mut();
            db.tx = i;
            db.reads.clear();
            db.read_coinbase = false;
            // The cache holds another transaction's view of the state.
            evm.journal_mut().reset();
            let mut env = tx.env.clone();
            env.caller = address;
            let outcome = match evm.transact_ref(env) {
                Ok(r) => Some((r.gas_used, r.is_success(), logs_bloom(r.logs), r.logs.to_vec())),
                Err(_) => None,
            };
            let outcome = outcome.map(|(gas_used, success, bloom, logs)| SpecOutcome {
                changes: evm.journal().changes().clone(),
                gas_used,
                success,
                logs,
                bloom,
                fee: evm.deferred_coinbase_fee(),
            });
            if let Some(o) = &outcome {
                self.mv.record(i, 0, &o.changes);
            }
            let db = evm.journal_mut().db_mut();
            // The next execution starts with room for a typical transaction's reads.
            let reads = core::mem::replace(&mut db.reads, Vec::with_capacity(16));
            Some((reads, db.read_coinbase, outcome))
        }));
        let (reads, read_coinbase, outcome) = match run {
            Ok(Some(parts)) => parts,
            Ok(None) | Err(_) => (Vec::new(), false, None),
        };
        let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        rng.jitter(self.sched.stress);
        self.sched.publish(i, Spec { reads, read_coinbase, nanos, outcome });
    }
}

/// True when every value `reads` recorded is what `state` holds now.
fn still_valid<D: Database<Error: core::fmt::Debug>>(
    state: &mut D,
    reads: &[Read],
) -> Result<bool, BlockError> {
    let db = |e: D::Error| BlockError::Database(format!("{e:?}"));
    for read in reads {
        let same = match read {
            Read::Account(address, info) => same_account(info, &state.basic(address).map_err(db)?),
            Read::Slot(address, key, value) => state.storage(address, key).map_err(db)? == *value,
            Read::HasStorage(address, value) => state.has_storage(address).map_err(db)? == *value,
            Read::Code(hash, code) => state.code_by_hash(hash).map_err(db)? == *code,
        };
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The same account as far as execution can tell (the code follows from its hash).
fn same_account(a: &Option<AccountInfo>, b: &Option<AccountInfo>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.balance == b.balance && a.nonce == b.nonce && code_hash(&a.code_hash) == code_hash(&b.code_hash)
        }
        _ => false,
    }
}

/// The zero hash some databases use means no code, as the journal reads it.
fn code_hash(hash: &B256) -> B256 {
    if hash.is_zero() { KECCAK_EMPTY } else { *hash }
}

/// Runs the block's transactions on `threads` threads (the calling one included) and commits
/// them in block order into `evm`'s overlay.
pub(crate) fn execute_transactions<DB: BlockDatabase>(
    ctx: &BlockCtx<'_>,
    evm: &mut Evm<Overlay<SharedBase<'_, DB>>>,
    reads: &(dyn DatabaseRef<Error = DB::Error> + Sync),
    options: &ExecOptions,
    threads: usize,
) -> Result<TxsOutcome, BlockError> {
    let n = ctx.block.transactions.len();
    let workers = threads.saturating_sub(1).min(n);
    let pre: PreState<'_, DB::Error> = Overlay::with_pending(reads, evm.db().pending.clone());
    let mv = MvMemory::new(n);
    let sched = Scheduler::new(n, options.stress_seed);
    let senders: Vec<OnceLock<Result<Address, SignatureError>>> = (0..n).map(|_| OnceLock::new()).collect();
    let recover_next = AtomicUsize::new(0);
    let transactions_root = OnceLock::new();
    let shared = Shared {
        ctx,
        options,
        pre: &pre,
        mv: &mv,
        sched: &sched,
        senders: &senders,
        recover_next: &recover_next,
        transactions_root: &transactions_root,
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let shared = &shared;
                s.spawn(move || {
                    let mut rng = Rng::new(options.stress_seed.unwrap_or(0), w as u64 + 1);
                    let mut evm = shared.worker_evm();
                    loop {
                        match shared.sched.next_task(&mut rng) {
                            Task::Run(i) => shared.speculate(&mut evm, i, &mut rng),
                            Task::Paused => {
                                if !shared.recover_ahead() {
                                    std::thread::sleep(std::time::Duration::from_micros(50));
                                }
                            }
                            Task::Done => {
                                if !shared.sched.abort.load(Ordering::Relaxed) {
                                    shared
                                        .transactions_root
                                        .get_or_init(|| crate::execute::transactions_root(shared.ctx.block));
                                }
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        // Workers wait for the committer (the lookahead, a pause): they must hear that it
        // stopped even when it unwinds.
        let stop = StopOnDrop(&sched.abort);
        let result = commit_all(&shared, evm);
        drop(stop);
        let mut panicked = false;
        for handle in handles {
            panicked |= handle.join().is_err();
        }
        match result {
            Ok(_) if panicked => Err(BlockError::Database("a parallel execution worker panicked".into())),
            Ok(mut out) => {
                out.transactions_root = transactions_root.get().copied();
                Ok(out)
            }
            result => result,
        }
    })
}

/// Tells the workers to stop when dropped: on the committer's return or unwinding alike.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The committer: validates and commits every transaction in block order.
fn commit_all<DB: BlockDatabase>(
    shared: &Shared<'_, DB::Error>,
    evm: &mut Evm<Overlay<SharedBase<'_, DB>>>,
) -> Result<TxsOutcome, BlockError> {
    let ctx = shared.ctx;
    let sched = shared.sched;
    let coinbase = ctx.env.coinbase;
    let mut out =
        TxsOutcome { receipts: Vec::with_capacity(ctx.block.transactions.len()), ..Default::default() };
    let mut rng = Rng::new(shared.options.stress_seed.unwrap_or(0), 0);
    // An `Evm` to run later transactions speculatively on while waiting for the next one.
    let mut helper = None;
    // True when the journal's cache missed changes committed into the overlay behind its back.
    let mut stale = false;
    let mut throttle = Throttle::default();
    let mut patience = Patience::new(sched.stress.is_some());
    for (index, tx) in ctx.block.transactions.iter().enumerate() {
        throttle.resume_if_due(index, sched);
        let tx_blob_gas = check_allowance(ctx, index, tx, out.gas_used, out.blob_gas_used)?;
        let mut waiting_since = None;
        let spec = loop {
            match sched.status[index].load(Ordering::Acquire) {
                DONE => break sched.take(index),
                UNCLAIMED if sched.claim(index, TAKEN) => break None,
                UNCLAIMED => {}
                // A worker runs it. If that takes much longer than executions have taken (the
                // worker descheduled on a busy machine), the committer runs it itself; the
                // worker's result will not be taken, nor its writes recorded over ours.
                _ if patience.exhausted(&mut waiting_since) => break None,
                _ => match sched.next_task(&mut rng) {
                    Task::Run(j) => {
                        let helper = helper.get_or_insert_with(|| shared.worker_evm());
                        shared.speculate(helper, j, &mut rng);
                    }
                    Task::Paused => {
                        if !shared.recover_ahead() {
                            std::thread::yield_now();
                        }
                    }
                    Task::Done => std::thread::yield_now(),
                },
            }
            rng.jitter(sched.stress);
        };
        let sender = shared
            .sender(index)
            .map_err(|e| BlockError::Transaction { index, reason: TxRejection::Signature(e) })?;
        if let Some(spec) = &spec {
            patience.observe(spec.nanos);
        }
        let valid = match &spec {
            Some(Spec { outcome: Some(_), read_coinbase: false, reads, .. }) => {
                let valid = still_valid(evm.journal_mut().db_mut(), reads)?;
                Stats::count(if valid { 0 } else { 1 });
                throttle.record(valid, index, sched);
                valid
            }
            Some(Spec { outcome: Some(_), .. }) => {
                Stats::count(2);
                false
            }
            Some(_) => {
                Stats::count(3);
                false
            }
            None => {
                Stats::count(4);
                false
            }
        };
        match spec.and_then(|s| s.outcome) {
            Some(o) if valid => {
                evm.journal_mut().db_mut().commit(&o.changes);
                stale = true;
                if o.fee.is_zero() {
                    // Touching the coinbase with nothing may create or delete it (EIP-161):
                    // the journal decides as it does for a fee paid in the transaction.
                    evm.journal_mut().reset();
                    stale = false;
                    let journal = evm.journal_mut();
                    journal.add_balance(&coinbase, U256::ZERO);
                    journal.finalize();
                    journal.commit_to_db();
                } else {
                    pay_fee(evm.journal_mut().db_mut(), coinbase, o.fee)?;
                }
                out.gas_used += o.gas_used;
                out.blob_gas_used += tx_blob_gas;
                push_receipt(ctx, evm.db(), tx.tx_type(), o.success, o.bloom, o.logs, &mut out);
            }
            _ => {
                if stale {
                    evm.journal_mut().reset();
                    stale = false;
                }
                execute_one(ctx, evm, index, sender, tx_blob_gas, &mut out)?;
                shared.mv.record(index, 1, evm.journal().changes());
            }
        }
        sched.committed.store(index + 1, Ordering::Relaxed);
    }
    if stale {
        evm.journal_mut().reset();
    }
    Ok(out)
}

/// How long the committer waits for a transaction a worker is running before running it
/// itself: a few times the typical speculative execution (a running average), and at least
/// [`MIN_NANOS`](Self::MIN_NANOS). On free cores the wait is shorter than one execution; on a
/// busy machine a descheduled worker would otherwise hold the committer for a time slice.
struct Patience {
    /// Running average of the speculative executions' times, in nanoseconds.
    average: u64,
    /// Stress mode never gives up waiting, so that it exercises late results.
    endless: bool,
}

impl Patience {
    const MIN_NANOS: u64 = 100_000;
    const FACTOR: u64 = 4;

    fn new(endless: bool) -> Self {
        Self { average: 0, endless }
    }

    fn observe(&mut self, nanos: u64) {
        self.average = if self.average == 0 { nanos } else { (self.average * 7 + nanos) / 8 };
    }

    /// True once the committer has waited longer than it should; starts the clock on the first
    /// call for a transaction.
    fn exhausted(&self, since: &mut Option<std::time::Instant>) -> bool {
        let since = *since.get_or_insert_with(std::time::Instant::now);
        let limit = self.average.saturating_mul(Self::FACTOR).max(Self::MIN_NANOS);
        !self.endless && since.elapsed().as_nanos() > u128::from(limit)
    }
}

/// Pauses speculation while it keeps failing validation, and tries it again later: after a
/// pause that was followed by failures again the next pause is twice as long, so a block of
/// conflicting transactions ends up run by the committer alone, with little wasted work.
struct Throttle {
    /// The last validations, newest in the lowest bit: 1 for a stale read.
    history: u32,
    /// Validations since speculation last resumed (or started).
    seen: u32,
    /// While paused: the transaction index at which speculation resumes.
    resume_at: Option<usize>,
    /// The length of the next pause, in transactions.
    pause: usize,
}

impl Default for Throttle {
    fn default() -> Self {
        Self { history: 0, seen: 0, resume_at: None, pause: Self::FIRST_PAUSE }
    }
}

impl Throttle {
    /// Validations looked at; of these, this many stale pause speculation.
    const WINDOW: u32 = 8;
    const STALE: u32 = 6;
    /// Transactions the committer runs alone at the first pause.
    const FIRST_PAUSE: usize = 32;

    fn record(&mut self, valid: bool, index: usize, sched: &Scheduler) {
        self.history = (self.history << 1) | u32::from(!valid);
        self.seen += 1;
        let stale = (self.history & ((1 << Self::WINDOW) - 1)).count_ones();
        if self.seen >= Self::WINDOW && stale <= Self::WINDOW - Self::STALE {
            // Speculation works again: the next pause starts short.
            self.pause = Self::FIRST_PAUSE;
        }
        // Stress mode keeps speculating: it is there to shake the concurrent paths.
        if stale >= Self::STALE && self.resume_at.is_none() && sched.stress.is_none() {
            self.resume_at = Some(index.saturating_add(self.pause));
            self.pause = self.pause.saturating_mul(2);
            sched.paused.store(true, Ordering::Relaxed);
        }
    }

    fn resume_if_due(&mut self, index: usize, sched: &Scheduler) {
        if self.resume_at.is_some_and(|at| index >= at) {
            self.resume_at = None;
            self.history = 0;
            self.seen = 0;
            // Workers go on from here, not from the transactions the committer ran meanwhile.
            sched.next.fetch_max(index + 1, Ordering::Relaxed);
            sched.paused.store(false, Ordering::Relaxed);
        }
    }
}

/// Adds a non-zero `fee` to the coinbase in `state`, as the journal's `add_balance` at the end
/// of the transaction would have (the transaction did not load the coinbase otherwise).
fn pay_fee<D: Database<Error: core::fmt::Debug> + DatabaseCommit>(
    state: &mut D,
    coinbase: Address,
    fee: U256,
) -> Result<(), BlockError> {
    let mut info =
        state.basic(&coinbase).map_err(|e| BlockError::Database(format!("{e:?}")))?.unwrap_or_default();
    if info.code_hash == KECCAK_EMPTY || info.code_hash.is_zero() {
        // The journal's view of an account without code.
        info.code_hash = KECCAK_EMPTY;
        info.code = Some(Bytes::new());
    }
    info.balance = info.balance.wrapping_add(fee);
    let change = AccountChange { address: coinbase, info: Some(info), storage_cleared: false };
    state.commit(&StateChanges { accounts: vec![change], storage: Vec::new() });
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Workers and the committer claiming at once: every transaction is claimed exactly once.
    #[test]
    fn each_transaction_is_claimed_once() {
        for stress in [None, Some(3)] {
            let n = 500;
            let sched = Scheduler::new(n, stress);
            let claimed: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            std::thread::scope(|s| {
                for w in 0..3u64 {
                    let (sched, claimed) = (&sched, &claimed);
                    s.spawn(move || {
                        let mut rng = Rng::new(9, w + 1);
                        loop {
                            match sched.next_task(&mut rng) {
                                Task::Run(i) => {
                                    claimed[i].fetch_add(1, Ordering::Relaxed);
                                }
                                Task::Paused => std::thread::yield_now(),
                                Task::Done => break,
                            }
                        }
                    });
                }
                // The committer: takes what no worker has, and moves the lookahead on.
                for (i, count) in claimed.iter().enumerate() {
                    if sched.claim(i, TAKEN) {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    sched.committed.store(i + 1, Ordering::Relaxed);
                }
            });
            assert!(claimed.iter().all(|c| c.load(Ordering::Relaxed) == 1));
        }
    }

    #[test]
    fn the_throttle_pauses_conflicting_runs_longer_each_time() {
        let sched = Scheduler::new(1000, None);
        let mut t = Throttle::default();
        for i in 0..6 {
            t.record(false, i, &sched);
        }
        assert!(sched.paused.load(Ordering::Relaxed));
        // Paused at the sixth stale result (index 5).
        t.resume_if_due(5 + Throttle::FIRST_PAUSE - 1, &sched);
        assert!(sched.paused.load(Ordering::Relaxed), "not yet");
        t.resume_if_due(5 + Throttle::FIRST_PAUSE, &sched);
        assert!(!sched.paused.load(Ordering::Relaxed));
        assert_eq!(sched.next.load(Ordering::Relaxed), 5 + Throttle::FIRST_PAUSE + 1);
        // Failing again right away: twice as long.
        let start = 100;
        for i in start..start + 6 {
            t.record(false, i, &sched);
        }
        assert_eq!(t.resume_at, Some(start + 5 + 2 * Throttle::FIRST_PAUSE));
        // Succeeding after the resume: the next pause is short again.
        t.resume_if_due(1000, &sched);
        for i in 0..8 {
            t.record(true, 1000 + i, &sched);
        }
        assert_eq!(t.pause, Throttle::FIRST_PAUSE);
    }
}
