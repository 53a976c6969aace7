//! Account operations of the journal: reads and warmth, transfers, nonces, code, EIP-7702
//! delegation, EIP-161 touches and the RIPEMD-160 exception.

mod common;

use common::*;
use kestrel_primitives::{Access, B256, Bytes, KECCAK_EMPTY, SpecId, keccak256};
use kestrel_state::{AccountView, InsufficientBalance, delegation_code};

#[test]
fn account_reads_report_cold_then_warm() {
    let mut j = journal(SpecId::Cancun);
    let first = j.account(&ALICE);
    assert!(first.is_cold);
    assert_eq!(first.value, AccountView { balance: u(100), nonce: 1, code_hash: KECCAK_EMPTY, exists: true });
    assert_eq!(j.balance(&ALICE), Access::new(u(100), false));
    // Absent and empty accounts differ in existence only.
    let bob = j.account(&BOB).value;
    let carol = j.account(&CAROL).value;
    assert!(!bob.exists && bob.is_empty());
    assert!(carol.exists && carol.is_empty());
    // Peeking never warms.
    assert_eq!(j.peek_account(&CONTRACT).balance, u(5));
    assert!(!j.is_warm_account(&CONTRACT));
    assert!(j.code_size(&CONTRACT).is_cold);
    assert!(j.is_warm_account(&CONTRACT));
}

#[test]
fn code_reads_follow_eip1052() {
    let mut j = journal(SpecId::Cancun);
    assert_eq!(j.code(&CONTRACT).value, Bytes::from_static(&[0x60, 0x00]));
    assert_eq!(j.code_size(&CONTRACT).value, 2);
    assert_eq!(j.code_hash(&CONTRACT).value, keccak256([0x60, 0x00]));
    // EXTCODEHASH: an existing non-empty account without code hashes to KECCAK_EMPTY,
    // absent and empty accounts to zero.
    assert_eq!(j.code_hash(&ALICE).value, KECCAK_EMPTY);
    assert_eq!(j.code_hash(&BOB).value, B256::ZERO);
    assert_eq!(j.code_hash(&CAROL).value, B256::ZERO);
    assert_eq!(j.code_size(&BOB).value, 0);
    assert!(j.code(&BOB).value.is_empty());
}

#[test]
fn code_is_loaded_lazily_once() {
    let mut j = kestrel_state::Journal::new(CountingDb::new(pre_state()), SpecId::Cancun);
    j.balance(&CONTRACT);
    assert_eq!(j.db().code_calls, 0, "a balance read needs no code");
    assert_eq!(j.code(&CONTRACT).value.len(), 2);
    assert_eq!(j.code_size(&CONTRACT).value, 2);
    let (code, hash) = j.code_with_hash(&CONTRACT);
    assert_eq!(hash, keccak256(&code));
    assert_eq!(j.db().code_calls, 1);
    assert_eq!(j.db().basic_calls, 1);
}

#[test]
fn transfer_moves_value_or_changes_nothing() {
    let mut j = journal(SpecId::Cancun);
    assert_eq!(j.transfer(&ALICE, &BOB, u(101)), Err(InsufficientBalance));
    assert!(!j.is_touched(&ALICE) && !j.peek_account(&BOB).exists);
    j.transfer(&ALICE, &BOB, u(40)).unwrap();
    assert_eq!(j.peek_account(&ALICE).balance, u(60));
    let bob = j.peek_account(&BOB);
    assert!(bob.exists);
    assert_eq!(bob.balance, u(40));
    assert!(j.is_touched(&ALICE) && j.is_touched(&BOB));
    // To itself: nothing moves, the account is touched.
    j.transfer(&CAROL, &CAROL, u(0)).unwrap();
    assert!(j.is_touched(&CAROL));
    assert_eq!(j.sub_balance(&BOB, u(41)), Err(InsufficientBalance));
    j.sub_balance(&BOB, u(1)).unwrap();
    j.add_balance(&BOB, u(2));
    j.set_balance(&ALICE, u(7));
    assert_eq!(j.peek_account(&BOB).balance, u(41));
    assert_eq!(j.peek_account(&ALICE).balance, u(7));
}

#[test]
fn nonce_increments_and_refuses_overflow() {
    let mut j = journal(SpecId::Cancun);
    assert_eq!(j.inc_nonce(&ALICE), Some(2));
    j.set_nonce(&BOB, u64::MAX);
    let cp = j.checkpoint();
    assert_eq!(j.inc_nonce(&BOB), None);
    assert_eq!(j.checkpoint(), cp, "a refused increment journals nothing");
    assert_eq!(j.peek_account(&BOB).nonce, u64::MAX);
}

#[test]
fn set_code_and_revert() {
    let mut j = journal(SpecId::Prague);
    let cp = j.checkpoint();
    let designator = delegation_code(&CONTRACT);
    j.set_code(&ALICE, designator.clone());
    assert_eq!(j.code(&ALICE).value, designator);
    assert_eq!(j.peek_account(&ALICE).code_hash, keccak256(&designator));
    assert_eq!(j.delegate(&ALICE), Some(CONTRACT));
    j.revert_to(cp);
    assert_eq!(j.peek_account(&ALICE).code_hash, KECCAK_EMPTY);
    assert!(j.code(&ALICE).value.is_empty());
    assert_eq!(j.delegate(&ALICE), None);
}

#[test]
fn call_target_resolves_delegation_from_prague() {
    for (spec, expect_delegate) in [(SpecId::Cancun, false), (SpecId::Prague, true)] {
        let mut db = pre_state();
        db.insert_account(ALICE, kestrel_state::AccountInfo::new(u(1), 1, delegation_code(&CONTRACT)));
        let mut j = kestrel_state::Journal::new(db, spec);
        let target = j.call_target(&ALICE);
        assert!(target.is_cold && target.exists && !target.is_empty);
        if expect_delegate {
            assert_eq!(target.delegate, Some(Access::new(CONTRACT, true)));
            assert!(j.is_warm_account(&CONTRACT), "the delegate is warmed (EIP-7702)");
            assert_eq!(j.call_target(&ALICE).delegate, Some(Access::new(CONTRACT, false)));
        } else {
            assert_eq!(target.delegate, None);
            assert!(!j.is_warm_account(&CONTRACT));
        }
        // Absent and empty targets.
        let bob = j.call_target(&BOB);
        assert!(!bob.exists && bob.is_empty && bob.delegate.is_none());
        let carol = j.call_target(&CAROL);
        assert!(carol.exists && carol.is_empty);
    }
}

#[test]
fn warming_is_reverted_with_the_frame() {
    let mut j = journal(SpecId::Berlin);
    assert!(j.warm_account(&ALICE));
    let cp = j.checkpoint();
    assert!(j.warm_account(&BOB));
    assert!(!j.warm_account(&ALICE));
    j.warm_account(&CAROL);
    j.warm_account(&RIPEMD);
    assert!(j.warm_slot(&CONTRACT, &u(1)));
    j.revert_to(cp);
    assert!(j.is_warm_account(&ALICE));
    assert!(!j.is_warm_account(&BOB) && !j.is_warm_account(&CAROL) && !j.is_warm_account(&RIPEMD));
    assert!(!j.is_warm_slot(&CONTRACT, &u(1)));
    // A committed checkpoint keeps its warming.
    let cp = j.checkpoint();
    j.warm_account(&BOB);
    j.commit_checkpoint(cp);
    assert!(j.is_warm_account(&BOB));
}

#[test]
fn prewarming_lasts_the_transaction_and_ends_with_it() {
    let mut j = journal(SpecId::Berlin);
    j.prewarm_account(&ALICE);
    j.prewarm_accounts(&[CAROL, RIPEMD]);
    let cp = j.checkpoint();
    j.revert_to(cp);
    j.revert_top_frame(cp);
    assert!(j.is_warm_account(&ALICE) && j.is_warm_account(&CAROL) && j.is_warm_account(&RIPEMD));
    assert!(!j.is_warm_account(&BOB));
    j.discard();
    assert!(!j.is_warm_account(&ALICE) && !j.is_warm_account(&CAROL) && !j.is_warm_account(&RIPEMD));
    // The same list again (its handles remembered), then another list.
    j.prewarm_accounts(&[CAROL, RIPEMD]);
    assert!(j.is_warm_account(&CAROL) && j.is_warm_account(&RIPEMD));
    j.finalize();
    j.prewarm_accounts(&[BOB]);
    assert!(j.is_warm_account(&BOB) && !j.is_warm_account(&CAROL));
    // After a reset the remembered handles are stale: the list is looked up again.
    j.finalize();
    j.reset();
    j.prewarm_accounts(&[CONTRACT, BOB]);
    j.prewarm_accounts(&[CONTRACT, BOB]);
    assert!(j.is_warm_account(&CONTRACT) && j.is_warm_account(&BOB));
    assert!(!j.account(&CONTRACT).is_cold);
    assert_eq!(j.peek_account(&CONTRACT).balance, u(5));
}

#[test]
fn touch_before_spurious_dragon_creates_for_good() {
    let mut j = journal(SpecId::Homestead);
    j.touch(&BOB);
    assert!(j.peek_account(&BOB).exists, "the spec's touch_account creates the account");
    let changes = j.finalize().clone();
    assert_eq!(changes.accounts.len(), 1);
    assert_eq!(changes.accounts[0].address, BOB);
    assert_eq!(changes.accounts[0].info.as_ref().map(|i| i.is_empty()), Some(true));
    j.commit_to_db();
    assert!(j.db().account(&BOB).is_some(), "an empty account persists before EIP-161");
}

#[test]
fn eip161_deletes_touched_empty_accounts() {
    let mut j = journal(SpecId::SpuriousDragon);
    j.touch(&BOB); // absent: created empty, then deleted again
    j.transfer(&ALICE, &CAROL, u(0)).unwrap(); // present and empty: deleted
    j.touch(&ALICE); // not empty: kept
    assert!(j.peek_account(&BOB).exists);
    let changes = j.finalize().clone();
    assert_eq!(changes.accounts.len(), 1, "only CAROL really changed: {changes:?}");
    assert_eq!(changes.accounts[0].address, CAROL);
    assert_eq!(changes.accounts[0].info, None);
    j.commit_to_db();
    assert!(j.db().account(&CAROL).is_none());
    assert!(!j.peek_account(&CAROL).exists, "the cache agrees with the database");
}

#[test]
fn touch_is_gone_from_paris() {
    let mut j = journal(SpecId::Paris);
    j.touch(&CAROL);
    j.touch(&BOB);
    assert!(!j.is_touched(&CAROL) && !j.peek_account(&BOB).exists);
    assert!(j.finalize().is_empty());
    // A state change still deletes an empty account (the spec's modify_state).
    j.add_balance(&CAROL, u(0));
    assert_eq!(j.finalize().accounts[0].info, None);
}

#[test]
fn ripemd_touch_survives_revert_from_spurious_dragon_to_london() {
    for (spec, deleted) in [
        (SpecId::TangerineWhistle, false),
        (SpecId::SpuriousDragon, true),
        (SpecId::London, true),
        (SpecId::Paris, false),
    ] {
        let mut db = pre_state();
        db.insert_account(RIPEMD, kestrel_state::AccountInfo::default());
        db.insert_account(BOB, kestrel_state::AccountInfo::default());
        let mut j = kestrel_state::Journal::new(db, spec);
        let cp = j.checkpoint();
        j.touch(&RIPEMD);
        j.touch(&BOB);
        j.add_balance(&RIPEMD, u(0));
        j.revert_to(cp);
        assert!(!j.is_touched(&BOB));
        assert_eq!(j.is_touched(&RIPEMD), deleted, "{spec}");
        let changes = j.finalize().clone();
        let ripemd_deleted = changes.accounts.iter().any(|c| c.address == RIPEMD && c.info.is_none());
        assert_eq!(ripemd_deleted, deleted, "{spec}: {changes:?}");
    }
}

#[test]
fn ripemd_exception_keeps_absent_account_absent_and_skips_top_frame() {
    let mut j = journal(SpecId::Byzantium);
    let cp = j.checkpoint();
    j.touch(&RIPEMD);
    j.revert_to(cp);
    assert!(j.is_touched(&RIPEMD));
    assert!(!j.peek_account(&RIPEMD).exists, "existence is still reverted");
    assert!(j.finalize().is_empty());

    let mut db = pre_state();
    db.insert_account(RIPEMD, kestrel_state::AccountInfo::default());
    let mut j = kestrel_state::Journal::new(db, SpecId::Byzantium);
    let cp = j.checkpoint();
    j.touch(&RIPEMD);
    j.revert_top_frame(cp);
    assert!(!j.is_touched(&RIPEMD), "a failed transaction keeps no touch");
    assert!(j.finalize().is_empty());
}

#[test]
fn account_cache_spares_the_database() {
    let mut j = kestrel_state::Journal::new(CountingDb::new(pre_state()), SpecId::Cancun);
    for _ in 0..3 {
        j.balance(&ALICE);
        j.balance(&BOB);
        j.code_hash(&ALICE);
    }
    assert_eq!(j.db().basic_calls, 2);
    j.finalize();
    j.balance(&ALICE);
    assert_eq!(j.db().basic_calls, 2, "the cache survives the transaction");
    j.reset();
    j.balance(&ALICE);
    assert_eq!(j.db().basic_calls, 3, "reset forgets it");
}
