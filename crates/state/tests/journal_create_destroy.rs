//! CREATE (EIP-684/7610 collisions, EIP-161 nonce, EIP-6780 marking) and SELFDESTRUCT per fork.

mod common;

use common::*;
use kestrel_primitives::{Bytes, SelfDestructResult, SpecId};
use kestrel_state::{AccountInfo, CreateError, InMemoryDb, Journal};

#[test]
fn create_marks_sets_nonce_and_endows() {
    let mut j = journal(SpecId::Cancun);
    j.set_balance(&BOB, u(3)); // a pre-funded address keeps its balance
    let cp = j.create_account_checkpoint(&ALICE, &BOB, u(10)).unwrap();
    let bob = j.peek_account(&BOB);
    assert_eq!((bob.nonce, bob.balance), (1, u(13)));
    assert!(j.is_created(&BOB));
    assert_eq!(j.peek_account(&ALICE).balance, u(90));
    j.set_code(&BOB, Bytes::from_static(&[0x00]));
    j.revert_to(cp);
    let bob = j.peek_account(&BOB);
    assert_eq!((bob.nonce, bob.balance, bob.exists), (0, u(3), true));
    assert!(!j.is_created(&BOB));
    assert_eq!(j.peek_account(&ALICE).balance, u(100));
}

#[test]
fn create_nonce_is_zero_before_spurious_dragon() {
    let mut j = journal(SpecId::Homestead);
    j.create_account_checkpoint(&ALICE, &BOB, u(0)).unwrap();
    let bob = j.peek_account(&BOB);
    assert!(bob.exists);
    assert_eq!(bob.nonce, 0);
}

#[test]
fn create_collides_on_nonce_code_or_storage() {
    let mut db = pre_state();
    // EIP-7610: storage alone occupies an address.
    db.insert_storage(CAROL, u(9), u(9));
    let mut j = Journal::new(db, SpecId::Prague);
    let before = j.checkpoint();
    assert_eq!(j.create_account_checkpoint(&ALICE, &ALICE, u(0)), Err(CreateError::Collision));
    assert_eq!(j.create_account_checkpoint(&ALICE, &CONTRACT, u(0)), Err(CreateError::Collision));
    assert_eq!(j.create_account_checkpoint(&ALICE, &CAROL, u(0)), Err(CreateError::Collision));
    assert_eq!(j.create_account_checkpoint(&ALICE, &BOB, u(101)), Err(CreateError::InsufficientBalance));
    assert_eq!(j.checkpoint(), before, "failed creations change nothing");
    // Storage written in this transaction occupies the address too.
    j.set_code(&BOB, Bytes::from_static(&[0x00]));
    j.sstore(&BOB, &u(1), u(1));
    j.set_code(&BOB, Bytes::new());
    assert!(j.has_storage(&BOB));
    assert_eq!(j.create_account_checkpoint(&ALICE, &BOB, u(0)), Err(CreateError::Collision));
}

#[test]
fn created_account_is_committed_with_cleared_storage() {
    let mut j = journal(SpecId::Shanghai);
    let cp = j.create_account_checkpoint(&ALICE, &BOB, u(1)).unwrap();
    j.sstore(&BOB, &u(7), u(70));
    j.set_code(&BOB, Bytes::from_static(&[0xfe]));
    j.commit_checkpoint(cp);
    let changes = j.finalize().clone();
    let bob = changes.accounts.iter().find(|c| c.address == BOB).unwrap();
    assert!(bob.storage_cleared);
    let info = bob.info.as_ref().unwrap();
    assert_eq!((info.nonce, info.balance), (1, u(1)));
    assert_eq!(info.code, Some(Bytes::from_static(&[0xfe])));
    j.commit_to_db();
    assert_eq!(j.db().storage_value(&BOB, &u(7)), u(70));
    assert_eq!(j.db().account(&BOB).unwrap().info.code_hash, kestrel_state::code_hash_of(&[0xfe]));
}

#[test]
fn selfdestruct_before_cancun_schedules_deletion() {
    let mut j = journal(SpecId::London);
    let out = j.selfdestruct(&CONTRACT, &BOB);
    assert!(out.is_cold);
    assert_eq!(
        out.value,
        SelfDestructResult {
            had_value: true,
            target_exists: false,
            target_is_empty: true,
            previously_destroyed: false
        }
    );
    assert!(j.is_destroyed(&CONTRACT));
    assert_eq!(j.peek_account(&BOB).balance, u(5));
    assert_eq!(j.peek_account(&CONTRACT).balance, u(0));
    // Storage stays readable until the end of the transaction.
    assert_eq!(j.sload(&CONTRACT, &u(1)).value, u(10));
    let again = j.selfdestruct(&CONTRACT, &BOB);
    assert!(!again.is_cold && again.value.previously_destroyed && !again.value.had_value);
    j.finalize();
    j.commit_to_db();
    assert!(j.db().account(&CONTRACT).is_none());
    assert_eq!(j.db().storage_value(&CONTRACT, &u(1)), u(0));
    // The cache agrees: gone, with its storage.
    assert!(!j.peek_account(&CONTRACT).exists);
    assert_eq!(j.sload(&CONTRACT, &u(1)).value, u(0));
    assert_eq!(j.peek_storage(&CONTRACT, &u(2)), u(0));
    assert!(!j.has_storage(&CONTRACT));
    assert_eq!(j.db().account(&BOB).unwrap().info.balance, u(5));
}

#[test]
fn selfdestruct_to_itself_burns_before_cancun() {
    let mut j = journal(SpecId::Shanghai);
    j.selfdestruct(&CONTRACT, &CONTRACT);
    assert_eq!(j.peek_account(&CONTRACT).balance, u(0));
    j.finalize();
    j.commit_to_db();
    assert!(j.db().account(&CONTRACT).is_none());
}

#[test]
fn selfdestruct_revert_unschedules() {
    let mut j = journal(SpecId::Istanbul);
    let cp = j.checkpoint();
    j.selfdestruct(&CONTRACT, &ALICE);
    j.revert_to(cp);
    assert!(!j.is_destroyed(&CONTRACT));
    assert!(!j.is_warm_account(&ALICE));
    assert_eq!(j.peek_account(&CONTRACT).balance, u(5));
    assert!(!j.selfdestruct(&CONTRACT, &ALICE).value.previously_destroyed);
}

#[test]
fn cancun_selfdestruct_of_old_contract_only_moves_balance() {
    let mut j = journal(SpecId::Cancun);
    j.selfdestruct(&CONTRACT, &ALICE);
    assert!(!j.is_destroyed(&CONTRACT));
    assert_eq!(j.peek_account(&ALICE).balance, u(105));
    assert_eq!(j.peek_account(&CONTRACT).balance, u(0));
    // To itself: nothing burned (EIP-6780).
    j.add_balance(&CONTRACT, u(4));
    j.selfdestruct(&CONTRACT, &CONTRACT);
    assert_eq!(j.peek_account(&CONTRACT).balance, u(4));
    j.finalize();
    j.commit_to_db();
    let contract = j.db().account(&CONTRACT).unwrap();
    assert_eq!(contract.info.balance, u(4));
    assert_eq!(contract.storage.len(), 2);
}

#[test]
fn cancun_selfdestruct_in_creating_transaction_deletes() {
    let mut j = journal(SpecId::Cancun);
    let cp = j.create_account_checkpoint(&ALICE, &BOB, u(10)).unwrap();
    j.sstore(&BOB, &u(1), u(1));
    let out = j.selfdestruct(&BOB, &BOB);
    assert!(out.value.had_value);
    assert!(j.is_destroyed(&BOB));
    assert_eq!(j.peek_account(&BOB).balance, u(0), "sent to itself: burned");
    j.commit_checkpoint(cp);
    let changes = j.finalize().clone();
    assert!(changes.accounts.iter().all(|c| c.address != BOB), "never existed: {changes:?}");
    assert!(changes.storage.is_empty());
    j.commit_to_db();
    assert!(j.db().account(&BOB).is_none());
    assert_eq!(j.db().account(&ALICE).unwrap().info.balance, u(90));
}

#[test]
fn selfdestruct_to_absent_beneficiary_before_spurious_dragon_creates_it() {
    let mut db = InMemoryDb::new();
    db.insert_account(CONTRACT, AccountInfo::new(u(0), 0, Bytes::from_static(&[0xff])));
    let mut j = Journal::new(db, SpecId::Frontier);
    let out = j.selfdestruct(&CONTRACT, &BOB).value;
    assert!(!out.target_exists && !out.had_value);
    j.finalize();
    j.commit_to_db();
    assert!(j.db().account(&BOB).is_some(), "set_account_balance created it");
    assert!(j.db().account(&CONTRACT).is_none());
}
