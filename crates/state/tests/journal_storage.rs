//! Storage through the journal: SLOAD/SSTORE values and warmth, original values across
//! transactions, transient storage, logs, the slot cache.

mod common;

use common::*;
use kestrel_primitives::{Access, B256, Bytes, Log, LogData, SStoreValues, SpecId};
use kestrel_state::{InMemoryDb, Journal};

#[test]
fn sload_is_cold_once() {
    let mut j = journal(SpecId::Berlin);
    assert_eq!(j.sload(&CONTRACT, &u(1)), Access::new(u(10), true));
    assert_eq!(j.sload(&CONTRACT, &u(1)), Access::new(u(10), false));
    assert_eq!(j.sload(&CONTRACT, &u(3)), Access::new(u(0), true));
    assert!(!j.is_warm_account(&CONTRACT), "SLOAD warms the slot, not the account");
}

#[test]
fn sstore_reports_original_present_new() {
    let mut j = journal(SpecId::London);
    let first = j.sstore(&CONTRACT, &u(1), u(11));
    assert!(first.is_cold);
    assert_eq!(first.value, SStoreValues { original: u(10), present: u(10), new: u(11) });
    let second = j.sstore(&CONTRACT, &u(1), u(0));
    assert!(!second.is_cold);
    assert_eq!(second.value, SStoreValues { original: u(10), present: u(11), new: u(0) });
    assert_eq!(j.sload(&CONTRACT, &u(1)).value, u(0));
    // A warm slot read first, then written: still cold-free and original from the database.
    j.sload(&CONTRACT, &u(2));
    let third = j.sstore(&CONTRACT, &u(2), u(20));
    assert!(!third.is_cold);
    assert_eq!(third.value, SStoreValues { original: u(20), present: u(20), new: u(20) });
}

#[test]
fn original_value_moves_with_the_transaction() {
    let mut j = journal(SpecId::Cancun);
    j.sstore(&CONTRACT, &u(1), u(11));
    let changes = j.finalize().clone();
    assert_eq!(changes.storage.len(), 1);
    assert_eq!(changes.storage[0].value, u(11));
    // Next transaction: the slot is cold again and its original value is 11.
    let w = j.sstore(&CONTRACT, &u(1), u(12));
    assert!(w.is_cold);
    assert_eq!(w.value.original, u(11));
    // Discarded: the next transaction sees 11 again.
    j.discard();
    assert_eq!(j.sload(&CONTRACT, &u(1)), Access::new(u(11), true));
}

#[test]
fn storage_revert_restores_values_and_warmth() {
    let mut j = journal(SpecId::Cancun);
    j.sstore(&CONTRACT, &u(1), u(11));
    let cp = j.checkpoint();
    j.sstore(&CONTRACT, &u(1), u(12));
    j.sstore(&CONTRACT, &u(2), u(0));
    j.sstore(&CONTRACT, &u(5), u(50));
    let inner = j.checkpoint();
    j.sstore(&CONTRACT, &u(5), u(51));
    j.revert_to(inner);
    assert_eq!(j.peek_storage(&CONTRACT, &u(5)), u(50));
    j.revert_to(cp);
    assert_eq!(j.peek_storage(&CONTRACT, &u(1)), u(11));
    assert_eq!(j.peek_storage(&CONTRACT, &u(2)), u(20));
    assert_eq!(j.peek_storage(&CONTRACT, &u(5)), u(0));
    assert!(j.is_warm_slot(&CONTRACT, &u(1)));
    assert!(!j.is_warm_slot(&CONTRACT, &u(2)) && !j.is_warm_slot(&CONTRACT, &u(5)));
    // The original value survives the revert.
    assert_eq!(j.sstore(&CONTRACT, &u(1), u(13)).value.original, u(10));
    let changes = j.finalize();
    assert_eq!(changes.storage.len(), 1, "slots written back are not changes: {changes:?}");
}

#[test]
fn transient_storage_reverts_and_ends_with_the_transaction() {
    let mut j = journal(SpecId::Cancun);
    j.tstore(&CONTRACT, &u(1), u(7));
    let cp = j.checkpoint();
    j.tstore(&CONTRACT, &u(1), u(8));
    j.tstore(&ALICE, &u(1), u(9));
    assert_eq!(j.tload(&CONTRACT, &u(1)), u(8));
    j.revert_to(cp);
    assert_eq!(j.tload(&CONTRACT, &u(1)), u(7));
    assert_eq!(j.tload(&ALICE, &u(1)), u(0));
    assert!(j.finalize().is_empty(), "transient storage is never a state change");
    assert_eq!(j.tload(&CONTRACT, &u(1)), u(0));
}

fn log(n: u8) -> Log {
    let topics = vec![B256::repeat_byte(n); n as usize % 5];
    Log { address: CONTRACT, data: LogData::new_unchecked(topics, Bytes::from(vec![n; n as usize])) }
}

fn record(j: &mut Journal<InMemoryDb>, n: u8) {
    let l = log(n);
    j.log(&l.address, l.data.topics(), &l.data.data);
}

#[test]
fn logs_follow_checkpoints() {
    let mut j = journal(SpecId::Cancun);
    record(&mut j, 1);
    let cp = j.checkpoint();
    record(&mut j, 2);
    let inner = j.checkpoint();
    record(&mut j, 3);
    j.commit_checkpoint(inner);
    assert_eq!(j.logs().len(), 3);
    j.revert_to(cp);
    assert_eq!(j.logs().to_vec(), [log(1)]);
    record(&mut j, 4);
    assert_eq!(j.logs().to_vec(), [log(1), log(4)]);
    assert!(j.logs().iter().zip([log(1), log(4)]).all(|(r, l)| r == l));
    // The ended transaction's logs stay readable until the next one clears them.
    j.finalize();
    assert_eq!(j.logs().to_vec(), [log(1), log(4)]);
    j.clear_logs();
    assert!(j.logs().is_empty());
    record(&mut j, 5);
    j.discard();
    assert_eq!(j.logs().to_vec(), [log(5)]);
}

#[test]
fn slot_cache_and_index_spare_the_database() {
    let mut j = Journal::new(CountingDb::new(pre_state()), SpecId::Cancun);
    for _ in 0..3 {
        j.sload(&CONTRACT, &u(1));
        j.sstore(&CONTRACT, &u(2), u(3));
        j.sload(&CONTRACT, &u(4));
    }
    assert_eq!(j.db().storage_calls, 3);
    j.finalize();
    j.sload(&CONTRACT, &u(1));
    assert_eq!(j.db().storage_calls, 3);
}

#[test]
fn access_list_warming() {
    let mut j = journal(SpecId::Berlin);
    assert!(j.warm_slot(&CONTRACT, &u(1)));
    assert!(!j.warm_slot(&CONTRACT, &u(1)));
    assert_eq!(j.sload(&CONTRACT, &u(1)), Access::new(u(10), false));
    j.finalize();
    assert!(!j.is_warm_slot(&CONTRACT, &u(1)), "a new transaction starts cold");
}
