//! `DatabaseRef`: the shared-reference reads answer as the `Database` ones, through the
//! `WrapDatabaseRef` adapter and by reference, from several threads at once.

use kestrel_primitives::{Address, B256, Bytes, U256};
use kestrel_state::{AccountInfo, Database, DatabaseRef, InMemoryDb, WrapDatabaseRef};

const ALICE: Address = Address::repeat_byte(0xa1);
const CONTRACT: Address = Address::repeat_byte(0xc0);

fn db() -> InMemoryDb {
    let mut db = InMemoryDb::new();
    db.insert_account(ALICE, AccountInfo { balance: U256::from(7), nonce: 3, ..AccountInfo::default() });
    db.insert_account(CONTRACT, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x60, 0x00])));
    db.insert_storage(CONTRACT, U256::from(1), U256::from(42));
    db.insert_block_hash(9, B256::repeat_byte(9));
    db
}

/// Every read of `Database` on a fresh copy against `read` of the shared one.
fn same_answers<D: Database<Error = core::convert::Infallible>>(mut wrapped: D) {
    let mut plain = db();
    for address in [ALICE, CONTRACT, Address::ZERO] {
        assert_eq!(wrapped.basic(&address), plain.basic(&address));
        assert_eq!(wrapped.has_storage(&address), plain.has_storage(&address));
        for key in [U256::ZERO, U256::from(1)] {
            assert_eq!(wrapped.storage(&address, &key), plain.storage(&address, &key));
        }
    }
    let hash = plain.basic(&CONTRACT).unwrap().unwrap().code_hash;
    assert_eq!(wrapped.code_by_hash(&hash), plain.code_by_hash(&hash));
    assert_eq!(wrapped.block_hash(9), plain.block_hash(9));
    assert_eq!(wrapped.block_hash(10), plain.block_hash(10));
}

#[test]
fn the_adapter_answers_as_the_database() {
    let shared = db();
    same_answers(WrapDatabaseRef(&shared));
    same_answers(WrapDatabaseRef(shared));
}

#[test]
fn threads_read_one_database_at_once() {
    let shared = db();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1000 {
                    assert_eq!(shared.storage_ref(&CONTRACT, &U256::from(1)), Ok(U256::from(42)));
                    assert_eq!(shared.basic_ref(&ALICE).unwrap().map(|a| a.nonce), Some(3));
                }
            });
        }
    });
}
