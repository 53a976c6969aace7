//! Transaction boundaries: finalize reports exactly the net changes, discard restores the
//! pre-state, database errors are recorded rather than propagated.

mod common;

use common::*;
use kestrel_primitives::{Address, B256, SpecId};
use kestrel_state::{AccountChange, AccountInfo, Journal, StorageChange};

#[test]
fn finalize_lists_net_changes_only() {
    let mut j = journal(SpecId::Cancun);
    j.transfer(&ALICE, &BOB, u(10)).unwrap();
    j.inc_nonce(&ALICE);
    // Changed and changed back: not listed.
    j.add_balance(&CONTRACT, u(1));
    j.set_balance(&CONTRACT, u(5));
    j.sstore(&CONTRACT, &u(1), u(99));
    j.sstore(&CONTRACT, &u(1), u(10));
    j.sstore(&CONTRACT, &u(3), u(30));
    // Reverted: not listed.
    let cp = j.checkpoint();
    j.add_balance(&CAROL, u(1));
    j.sstore(&CONTRACT, &u(4), u(40));
    j.revert_to(cp);
    let changes = j.finalize().clone();
    assert_eq!(
        changes.accounts,
        vec![
            AccountChange {
                address: ALICE,
                info: Some(AccountInfo { balance: u(90), nonce: 2, ..Default::default() }),
                storage_cleared: false,
            },
            AccountChange {
                address: BOB,
                info: Some(AccountInfo { balance: u(10), ..Default::default() }),
                storage_cleared: false,
            },
        ]
    );
    assert_eq!(changes.storage, vec![StorageChange { address: CONTRACT, key: u(3), value: u(30) }]);
    assert_eq!(j.changes(), &changes);
    j.commit_to_db();
    let db = j.db();
    assert_eq!(db.account(&ALICE).unwrap().info.nonce, 2);
    assert_eq!(db.account(&BOB).unwrap().info.balance, u(10));
    assert_eq!(db.storage_value(&CONTRACT, &u(3)), u(30));
    assert_eq!(db.storage_value(&CONTRACT, &u(1)), u(10));
}

#[test]
fn discard_restores_everything_and_keeps_the_cache() {
    let mut j = Journal::new(CountingDb::new(pre_state()), SpecId::Cancun);
    for round in 0..3 {
        assert!(j.warm_account(&ALICE), "round {round}: cold again");
        j.inc_nonce(&ALICE);
        j.transfer(&ALICE, &BOB, u(10)).unwrap();
        j.sstore(&CONTRACT, &u(1), u(0));
        j.tstore(&CONTRACT, &u(1), u(1));
        j.selfdestruct(&CONTRACT, &CAROL);
        j.discard();
        assert_eq!(j.peek_account(&ALICE).nonce, 1);
        assert_eq!(j.peek_account(&ALICE).balance, u(100));
        assert!(!j.peek_account(&BOB).exists);
        assert_eq!(j.peek_storage(&CONTRACT, &u(1)), u(10));
        assert_eq!(j.tload(&CONTRACT, &u(1)), u(0));
        assert!(!j.is_touched(&ALICE) && !j.is_destroyed(&CONTRACT));
    }
    assert_eq!(j.db().basic_calls, 4, "ALICE, BOB, CONTRACT, CAROL loaded once");
    assert_eq!(j.db().storage_calls, 1);
}

#[test]
fn database_errors_are_recorded_not_propagated() {
    let mut db = CountingDb::new(pre_state());
    db.fail_on = Some(CONTRACT);
    let mut j = Journal::new(db, SpecId::Cancun);
    let view = j.account(&CONTRACT).value;
    assert!(!view.exists, "an unreadable account reads as absent");
    assert!(j.has_error());
    assert_eq!(j.sload(&CONTRACT, &u(1)).value, u(0));
    assert_eq!(j.take_error(), Some(Unavailable(CONTRACT)));
    assert_eq!(j.take_error(), None);
    // The end of the transaction drops the poisoned cache: once the database recovers, the
    // real account is read.
    j.discard();
    j.db_mut().fail_on = None;
    assert_eq!(j.peek_account(&CONTRACT).balance, u(5));
    assert_eq!(j.peek_storage(&CONTRACT, &u(1)), u(10));
    assert!(!j.has_error());
}

#[test]
fn block_hash_passes_through() {
    let mut db = pre_state();
    db.insert_block_hash(7, B256::repeat_byte(7));
    let mut j = Journal::new(db, SpecId::Cancun);
    assert_eq!(j.block_hash(7), B256::repeat_byte(7));
    assert_eq!(j.block_hash(8), B256::ZERO);
}

#[test]
fn many_transactions_keep_warmth_per_transaction() {
    let mut j = journal(SpecId::Cancun);
    for _ in 0..1000 {
        assert!(j.warm_account(&ALICE));
        assert!(j.sload(&CONTRACT, &u(1)).is_cold);
        assert!(!j.warm_account(&ALICE));
        j.finalize();
    }
}

#[test]
fn reset_drops_the_unfinished_transaction() {
    let mut j = journal(SpecId::Osaka);
    assert_eq!(j.spec(), SpecId::Osaka);
    j.add_balance(&BOB, u(1));
    j.reset();
    assert!(!j.peek_account(&BOB).exists, "reset dropped the unfinished transaction");
    let db = j.into_db();
    assert!(db.account(&Address::ZERO).is_none());
}

#[test]
fn a_database_error_drops_only_its_own_transaction() {
    let mut j = Journal::new(CountingDb::new(pre_state()), SpecId::Cancun);
    // A finalized transaction the caller has not committed to the database yet.
    j.transfer(&ALICE, &CAROL, u(40)).unwrap();
    j.sstore(&CONTRACT, &u(1), u(11));
    j.finalize();
    // The next one meets an unreadable account, after changing a cached one.
    j.db_mut().fail_on = Some(BOB);
    j.transfer(&ALICE, &CAROL, u(1)).unwrap();
    assert!(!j.peek_account(&BOB).exists);
    assert!(j.finalize().is_empty(), "a transaction resting on a default reports nothing");
    assert_eq!(j.take_error(), Some(Unavailable(BOB)));
    // The first transaction's state is intact, and BOB is asked for again.
    j.db_mut().fail_on = None;
    assert_eq!(j.peek_account(&ALICE).balance, u(60));
    assert_eq!(j.peek_account(&CAROL).balance, u(40));
    assert_eq!(j.peek_storage(&CONTRACT, &u(1)), u(11));
    let calls = j.db().basic_calls;
    j.add_balance(&BOB, u(1));
    assert_eq!(j.db().basic_calls, calls + 1);
    assert!(j.peek_account(&BOB).exists);
}
