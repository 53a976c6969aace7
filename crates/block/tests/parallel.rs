//! The parallel block executor gives what the sequential one gives: same receipts, gas, roots
//! and state changes, or the same error, whatever the thread count and the scheduling (stress
//! mode randomises it).

use kestrel_block::synthetic::{SyntheticBlock, Workload, build};
use kestrel_block::{
    BlockError, BlockOutcome, ExecOptions, PARALLEL_MIN_TRANSACTIONS, TrieDb, TxRejection, execute_block_with,
};
use kestrel_primitives::U256;

fn run(
    b: &SyntheticBlock,
    block: &kestrel_block::Block,
    options: &ExecOptions,
) -> Result<BlockOutcome, BlockError> {
    let mut db = b.db.clone();
    execute_block_with(&b.config, &b.parent, block, &mut db, options).map(normalise)
}

/// The outcome with its change lists in a fixed order (the overlay keeps them in hash maps).
fn normalise(mut o: BlockOutcome) -> BlockOutcome {
    o.changes.accounts.sort_by_key(|c| c.address);
    o.changes.storage.sort_by_key(|s| (s.address, s.key));
    o
}

fn threads(n: usize) -> ExecOptions {
    ExecOptions { threads: n, ..ExecOptions::default() }
}

fn check_all_thread_counts(b: &SyntheticBlock) {
    let sequential = run(b, &b.block, &threads(1));
    assert!(sequential.is_ok(), "{sequential:?}");
    for n in [2, 3, 8] {
        assert_eq!(run(b, &b.block, &threads(n)), sequential, "{n} threads");
    }
}

#[test]
fn independent_transfers() {
    let before = kestrel_block::parallel::Stats::get();
    check_all_thread_counts(&build(Workload::Transfers, 300).unwrap());
    // Speculative results were committed (not everything redone by the committer); other
    // tests running at once only add to the counts.
    let after = kestrel_block::parallel::Stats::get();
    assert!(after.validated > before.validated, "{before:?} → {after:?}");
}

#[test]
fn erc20_transfers() {
    check_all_thread_counts(&build(Workload::Erc20, 300).unwrap());
}

#[test]
fn swaps_that_all_conflict() {
    check_all_thread_counts(&build(Workload::Swaps, 150).unwrap());
}

#[test]
fn mixed_block() {
    check_all_thread_counts(&build(Workload::Mixed, 270).unwrap());
}

#[test]
fn small_blocks() {
    for n in [0, 1, 2, 9] {
        check_all_thread_counts(&build(Workload::Mixed, n).unwrap());
    }
}

/// Random delays, random claim order, random waits: the results must not move.
#[test]
fn stress_mode_keeps_results() {
    let b = build(Workload::Mixed, 90).unwrap();
    let sequential = run(&b, &b.block, &threads(1));
    assert!(sequential.is_ok());
    for seed in 1..=12u64 {
        for n in [2, 4] {
            let options = ExecOptions { threads: n, stress_seed: Some(seed), ..ExecOptions::default() };
            assert_eq!(run(&b, &b.block, &options), sequential, "seed {seed}, {n} threads");
        }
    }
}

/// Over a database that keeps its trie (as the blockchain-test runner's), and with the
/// per-transaction overlay roots: the same.
#[test]
fn over_a_trie_database() {
    let b = build(Workload::Mixed, 60).unwrap();
    let outcome = |options: &ExecOptions| {
        let mut db = TrieDb::new(b.db.clone());
        execute_block_with(&b.config, &b.parent, &b.block, &mut db, options).map(normalise)
    };
    let sequential = outcome(&threads(1));
    assert!(sequential.is_ok());
    assert_eq!(outcome(&threads(2)), sequential);
    assert_eq!(outcome(&threads(5)), sequential);
}

/// An invalid transaction in the middle (a nonce from the future, a gas limit over what the
/// block has left, a bad signature): the same error as sequential, at the same index.
#[test]
fn invalid_blocks_fail_the_same_way() {
    let b = build(Workload::Mixed, 40).unwrap();
    let mut cases = Vec::new();
    let mut nonce = b.block.clone();
    nonce.transactions[17].env.nonce += 5;
    cases.push(nonce);
    let mut gas = b.block.clone();
    gas.transactions[23].env.gas_limit = gas.header.gas_limit;
    cases.push(gas);
    let mut signature = b.block.clone();
    signature.transactions[11].s = U256::ZERO;
    cases.push(signature);
    let mut valid_then_wrong_root = b.block.clone();
    valid_then_wrong_root.header.state_root = Default::default();
    cases.push(valid_then_wrong_root);
    for block in &cases {
        let sequential = run(&b, block, &threads(1));
        assert!(sequential.is_err());
        if let Err(BlockError::Transaction { reason: TxRejection::Invalid(_), index }) = &sequential {
            assert_eq!(*index, 17);
        }
        for n in [2, 8] {
            assert_eq!(run(&b, block, &threads(n)), sequential, "{n} threads");
        }
        let stressed = ExecOptions { threads: 3, stress_seed: Some(7), ..ExecOptions::default() };
        assert_eq!(run(&b, block, &stressed), sequential);
    }
}

/// The default thread count is chosen by the block's size: sequential below
/// `PARALLEL_MIN_TRANSACTIONS`, one thread per available core from there; explicit counts are
/// kept. Either way the block's result is the sequential one.
#[test]
fn the_default_thread_count_follows_the_block_size() {
    let auto = ExecOptions::default();
    assert_eq!(auto.threads, 0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(auto.threads_for(0), 1);
    assert_eq!(auto.threads_for(PARALLEL_MIN_TRANSACTIONS - 1), 1);
    assert_eq!(auto.threads_for(PARALLEL_MIN_TRANSACTIONS), cores);
    assert_eq!(auto.threads_for(10_000), cores);
    assert_eq!(threads(1).threads_for(10_000), 1, "1 is the sequential path, whatever the size");
    assert_eq!(threads(3).threads_for(2), 3);
    for n in [PARALLEL_MIN_TRANSACTIONS - 1, PARALLEL_MIN_TRANSACTIONS, 60] {
        let b = build(Workload::Erc20, n).expect("block");
        assert_eq!(run(&b, &b.block, &auto), run(&b, &b.block, &threads(1)), "{n} transactions");
    }
}
