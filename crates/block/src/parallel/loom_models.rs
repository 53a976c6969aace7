//! Model checks (loom) of the parallel executor's concurrency: the claim/publish/take protocol of
//! the [`Scheduler`], the multi-version memory's record/read under concurrent writers, and the
//! whole speculate → record → publish → validate-by-value → commit cycle with toy transactions.
//! Loom runs each model under every interleaving of its threads' lock and atomic operations (and
//! the weak-memory outcomes its atomics allow), so an assertion here holds for all of them.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p kestrel-block --lib parallel::loom` (the primitives
//! come from `sync.rs`; in this build only these tests may run). The claim models and the
//! take-over model, whose threads spin on or race each other, are explored up to three
//! preemptions (loom's usual bound; the bugs it finds need few); the others exhaustively. `LOOM_MAX_PREEMPTIONS` overrides both.

use kestrel_primitives::{Address, U256};
use kestrel_state::{
    AccountChange, AccountInfo, Database, DatabaseCommit, InMemoryDb, StateChanges, StorageChange,
};
use loom::thread;

use super::mv::{MvMemory, Version};
use super::{DONE, Read, Rng, Scheduler, Spec, SpecOutcome, TAKEN, Task, still_valid};

const A: Address = Address::repeat_byte(0xaa);
const B: Address = Address::repeat_byte(0xbb);

fn account(balance: u64) -> AccountInfo {
    AccountInfo { balance: U256::from(balance), ..AccountInfo::default() }
}

fn slot(address: Address, key: u64, value: u64) -> StateChanges {
    StateChanges {
        accounts: Vec::new(),
        storage: vec![StorageChange { address, key: U256::from(key), value: U256::from(value) }],
    }
}

/// Runs `model` under loom with at most `preemptions` preemptions per execution (`None`: every
/// interleaving), unless `LOOM_MAX_PREEMPTIONS` says otherwise.
fn check(preemptions: Option<usize>, model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = preemptions;
    }
    builder.check(model);
}

fn failed() -> Spec {
    Spec { reads: Vec::new(), read_coinbase: false, nanos: 0, outcome: None }
}

/// A worker's loop over the scheduler, publishing an empty result for each transaction it gets;
/// returns the transactions it ran.
fn worker(sched: &Scheduler, stream: u64) -> Vec<usize> {
    let mut rng = Rng::new(0, stream);
    let mut ran = Vec::new();
    loop {
        match sched.next_task(&mut rng) {
            Task::Run(i) => {
                sched.publish(i, failed());
                ran.push(i);
            }
            Task::Paused => thread::yield_now(),
            Task::Done => return ran,
        }
    }
}

/// Workers and the committer claim transactions at once, the committer also running later
/// transactions while the next one is on a worker (as `commit_all` does): every transaction
/// is executed exactly once, and a transaction the committer finds done has its result there.
fn claim_model(workers: usize, n: usize) {
    check(Some(3), move || {
        let sched = loom::sync::Arc::new(Scheduler::new(n, None));
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let sched = sched.clone();
                thread::spawn(move || worker(&sched, w as u64 + 1))
            })
            .collect();
        let mut rng = Rng::new(0, 0);
        let mut by_committer = Vec::new();
        let mut helped = Vec::new();
        for i in 0..n {
            loop {
                match sched.status[i].load(std::sync::atomic::Ordering::Acquire) {
                    DONE => {
                        assert!(sched.take(i).is_some(), "transaction {i} done without a result");
                        assert!(sched.take(i).is_none(), "a result is taken once");
                        break;
                    }
                    super::UNCLAIMED if sched.claim(i, TAKEN) => {
                        by_committer.push(i);
                        break;
                    }
                    super::UNCLAIMED => {}
                    _ => match sched.next_task(&mut rng) {
                        Task::Run(j) => {
                            sched.publish(j, failed());
                            helped.push(j);
                        }
                        Task::Paused | Task::Done => thread::yield_now(),
                    },
                }
            }
            sched.committed.store(i + 1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut all: Vec<usize> = by_committer.into_iter().chain(helped).collect();
        for h in handles {
            all.extend(h.join().expect("worker"));
        }
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>(), "each transaction executed exactly once");
    });
}

#[test]
fn claims_one_worker_three_transactions() {
    claim_model(1, 3);
}

#[test]
fn claims_two_workers_two_transactions() {
    claim_model(2, 2);
}

/// Two writers re-record transactions while a reader reads: every read returns a value some
/// recorded execution of a transaction below the reader wrote at that key (never a later
/// transaction's, never a removed key's value mixed with another version), and once the
/// writers are done the memory holds exactly the last executions' writes.
#[test]
fn memory_reads_under_concurrent_records() {
    check(None, || {
        let mv = loom::sync::Arc::new(MvMemory::new(4));
        let w0 = {
            let mv = mv.clone();
            thread::spawn(move || {
                // Transaction 0 speculatively, then again by the committer without the account.
                let mut first = slot(B, 1, 10);
                first.accounts.push(AccountChange {
                    address: A,
                    info: Some(account(10)),
                    storage_cleared: false,
                });
                mv.record(0, 0, &first);
                mv.record(0, 1, &slot(B, 1, 11));
            })
        };
        let w2 = {
            let mv = mv.clone();
            thread::spawn(move || {
                // Transaction 2 deletes B (its storage goes) and writes A.
                let changes = StateChanges {
                    accounts: vec![
                        AccountChange { address: A, info: Some(account(20)), storage_cleared: false },
                        AccountChange { address: B, info: None, storage_cleared: true },
                    ],
                    storage: Vec::new(),
                };
                mv.record(2, 0, &changes);
            })
        };
        // Reading as transaction 1: only transaction 0's writes can be seen.
        match mv.read_account(&A, 1) {
            None => {}
            Some((v, info)) => {
                assert_eq!(v, Version { tx: 0, incarnation: 0 });
                assert_eq!(info, Some(account(10)));
            }
        }
        match mv.read_slot(&B, &U256::from(1), 1) {
            None => {}
            Some((v, value)) => {
                assert_eq!(v.tx, 0);
                assert_eq!(value, U256::from(10 + u64::from(v.incarnation)));
            }
        }
        // Reading as transaction 3: transaction 2's clear hides transaction 0's slot.
        if let Some((v, value)) = mv.read_slot(&B, &U256::from(1), 3) {
            match v.tx {
                0 => assert_eq!(value, U256::from(10 + u64::from(v.incarnation))),
                2 => assert_eq!(value, U256::ZERO),
                other => panic!("read a write of transaction {other}"),
            }
        }
        w0.join().expect("writer");
        w2.join().expect("writer");
        assert_eq!(mv.read_account(&A, 1), None, "the replaced execution's account write is gone");
        assert_eq!(
            mv.read_slot(&B, &U256::from(1), 2),
            Some((Version { tx: 0, incarnation: 1 }, U256::from(11)))
        );
        assert_eq!(
            mv.read_slot(&B, &U256::from(1), 3),
            Some((Version { tx: 2, incarnation: 0 }, U256::ZERO))
        );
        assert_eq!(mv.read_account(&A, 3), Some((Version { tx: 2, incarnation: 0 }, Some(account(20)))));
    });
}

/// The toy block: transaction 0 sets `X := X + 1`, transaction 1 sets `Y := 2 X + 1`, and
/// transaction 2 sets `Z := 7` (independent). Each reads through `read` and returns its writes.
fn toy_execute(i: usize, read: &mut dyn FnMut(u64) -> U256) -> StateChanges {
    let (x, y, z) = (0, 1, 2);
    match i {
        0 => slot(A, x, read(x).to::<u64>() + 1),
        1 => slot(A, y, 2 * read(x).to::<u64>() + 1),
        _ => slot(A, z, 7),
    }
}

fn toy_spec(outcome: StateChanges, reads: Vec<Read>) -> Spec {
    Spec {
        reads,
        read_coinbase: false,
        nanos: 0,
        outcome: Some(SpecOutcome {
            changes: outcome,
            gas_used: 0,
            success: true,
            logs: Vec::new(),
            bloom: [0; 256],
            fee: U256::ZERO,
        }),
    }
}

/// A worker's speculation of toy transaction `i` over the memory and the pre-state `X = 5`.
fn toy_speculate(mv: &MvMemory, i: usize) -> Spec {
    let mut reads = Vec::new();
    let changes = toy_execute(i, &mut |key| {
        let value =
            mv.read_slot(&A, &U256::from(key), i).map_or(U256::from(if key == 0 { 5 } else { 0 }), |r| r.1);
        reads.push(Read::Slot(A, U256::from(key), value));
        value
    });
    mv.record(i, 0, &changes);
    toy_spec(changes, reads)
}

/// The whole cycle on a worker and the committer: whatever the interleaving, the committed
/// state is the sequential one (X = 6, Y = 13, Z = 7): a speculative result is committed only
/// when its reads hold by value, any other is executed again by the committer. With
/// `take_over` the committer does not wait for a transaction a worker is running but executes
/// it itself (as it does when a worker is slow): the worker's late writes must not replace the
/// committer's in the memory.
fn speculation_model(take_over: bool, preemptions: Option<usize>) {
    check(preemptions, move || {
        let n = 3;
        let sched = loom::sync::Arc::new(Scheduler::new(n, None));
        let mv = loom::sync::Arc::new(MvMemory::new(n));
        let worker = {
            let (sched, mv) = (sched.clone(), mv.clone());
            thread::spawn(move || {
                let mut rng = Rng::new(0, 1);
                loop {
                    match sched.next_task(&mut rng) {
                        Task::Run(i) => sched.publish(i, toy_speculate(&mv, i)),
                        Task::Paused => thread::yield_now(),
                        Task::Done => break,
                    }
                }
            })
        };
        let mut db = InMemoryDb::new();
        db.insert_account(A, account(0));
        db.insert_storage(A, U256::ZERO, U256::from(5));
        let mut by_committer = Vec::new();
        for i in 0..n {
            let spec = loop {
                match sched.status[i].load(std::sync::atomic::Ordering::Acquire) {
                    DONE => break sched.take(i),
                    super::UNCLAIMED if sched.claim(i, TAKEN) => break None,
                    super::UNCLAIMED => {}
                    _ if take_over => break None,
                    _ => thread::yield_now(),
                }
            };
            let valid = match &spec {
                Some(Spec { outcome: Some(_), reads, .. }) => still_valid(&mut db, reads).expect("in memory"),
                _ => false,
            };
            match spec.and_then(|s| s.outcome) {
                Some(o) if valid => db.commit(&o.changes),
                _ => {
                    let changes =
                        toy_execute(i, &mut |key| db.storage(&A, &U256::from(key)).expect("in memory"));
                    db.commit(&changes);
                    mv.record(i, 1, &changes);
                    by_committer.push(i);
                }
            }
            sched.committed.store(i + 1, std::sync::atomic::Ordering::Relaxed);
        }
        worker.join().expect("worker");
        let value = |key: u64| db.storage_value(&A, &U256::from(key));
        assert_eq!((value(0), value(1), value(2)), (U256::from(6), U256::from(13), U256::from(7)));
        // The memory keeps what the committer executed, not a worker's late speculation of it.
        for i in by_committer {
            let (version, _) = mv.read_slot(&A, &U256::from(i as u64), n).expect("recorded");
            assert_eq!(version, Version { tx: i, incarnation: 1 }, "transaction {i}");
        }
    });
}

#[test]
fn speculation_validated_by_value_commits_the_sequential_result() {
    speculation_model(false, None);
}

#[test]
fn the_committer_taking_over_a_running_transaction_keeps_its_writes() {
    speculation_model(true, Some(3));
}
