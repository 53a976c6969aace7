//! Property: random operations with nested checkpoints, commits and reverts behave exactly like
//! a plain model that snapshots itself (a clone) at every checkpoint. After each revert the
//! journal's observable state must equal the snapshot; after each transaction the committed
//! database must equal the model with the end-of-transaction deletions applied; and the next
//! transaction, served from the journal's cache, must start from that state.

mod model;

use kestrel_primitives::SpecId;
use kestrel_state::{InMemoryDb, Journal};
use model::{ADDRS, KEYS, Model, Op, check_observable, expected_db, pre_state};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const SPECS: [SpecId; 7] = [
    SpecId::Frontier,
    SpecId::SpuriousDragon,
    SpecId::London,
    SpecId::Paris,
    SpecId::Cancun,
    SpecId::Prague,
    SpecId::Osaka,
];

fn run_tx(journal: &mut Journal<InMemoryDb>, model: &mut Model, ops: &[Op]) -> Result<(), TestCaseError> {
    let start = model.clone();
    let mut stack = Vec::new();
    for op in ops {
        match op {
            Op::Checkpoint => stack.push((journal.checkpoint(), model.clone())),
            Op::Commit => {
                if let Some((cp, _)) = stack.pop() {
                    journal.commit_checkpoint(cp);
                }
            }
            Op::Revert => {
                if let Some((cp, snapshot)) = stack.pop() {
                    journal.revert_to(cp);
                    *model = snapshot;
                    check_observable(journal, model)?;
                }
            }
            op => {
                if let Some(snapshot) = model.apply(journal, op, &start)? {
                    stack.push(snapshot);
                }
            }
        }
    }
    check_observable(journal, model)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn checkpoints_match_snapshot_model(
        spec_index in 0..SPECS.len(),
        pre in pre_state(),
        txs in prop::collection::vec((prop::collection::vec(any::<Op>(), 0..48), any::<bool>()), 1..4),
    ) {
        let spec = SPECS[spec_index];
        let (db, mut model) = pre;
        model.spec = spec;
        let mut journal = Journal::new(db.clone(), spec);
        check_observable(&mut journal, &model)?;
        for (ops, keep) in &txs {
            let before = model.clone();
            run_tx(&mut journal, &mut model, ops)?;
            let logs = model.logs.clone();
            if *keep {
                journal.finalize();
                journal.commit_to_db();
                prop_assert_eq!(journal.logs().to_vec(), logs, "the finalized transaction's logs stay readable");
                model.end_transaction();
                let expected: InMemoryDb = expected_db(&model);
                for address in ADDRS {
                    prop_assert_eq!(
                        journal.db().account(&address).map(|a| &a.info),
                        expected.account(&address).map(|a| &a.info),
                        "account {} after commit", address
                    );
                    for key in KEYS {
                        prop_assert_eq!(
                            journal.db().storage_value(&address, &key),
                            expected.storage_value(&address, &key),
                            "slot {} of {}", key, address
                        );
                    }
                }
            } else {
                journal.discard();
                prop_assert_eq!(journal.logs().to_vec(), logs, "the discarded transaction's logs stay readable");
                model = before;
                model.clear_transaction();
            }
            // As the `Evm` does when the next transaction starts.
            journal.clear_logs();
            // The next transaction starts cold, from the cache, at the model's state.
            check_observable(&mut journal, &model)?;
        }
    }
}
