//! Shared fixtures for the journal tests: addresses, a pre-state builder and a database that
//! counts (or fails) lookups.

#![allow(dead_code, unreachable_pub)]

use kestrel_primitives::{Address, B256, Bytes, SpecId, U256, address};
use kestrel_state::{AccountInfo, Database, InMemoryDb, Journal};

pub const ALICE: Address = address!("a11ce00000000000000000000000000000000001");
pub const BOB: Address = address!("b0b0000000000000000000000000000000000002");
pub const CAROL: Address = address!("ca201000000000000000000000000000000000c3");
pub const CONTRACT: Address = address!("c0de000000000000000000000000000000000004");
pub const RIPEMD: Address = address!("0000000000000000000000000000000000000003");

pub fn u(v: u64) -> U256 {
    U256::from(v)
}

/// ALICE: 100 wei, nonce 1. BOB: absent. CAROL: present and empty. CONTRACT: code `6000`,
/// 5 wei, nonce 1, slots 1 => 10 and 2 => 20.
pub fn pre_state() -> InMemoryDb {
    let mut db = InMemoryDb::new();
    db.insert_account(ALICE, AccountInfo { balance: u(100), nonce: 1, ..Default::default() });
    db.insert_account(CAROL, AccountInfo::default());
    db.insert_account(CONTRACT, AccountInfo::new(u(5), 1, Bytes::from_static(&[0x60, 0x00])));
    db.insert_storage(CONTRACT, u(1), u(10));
    db.insert_storage(CONTRACT, u(2), u(20));
    db
}

pub fn journal(spec: SpecId) -> Journal<InMemoryDb> {
    Journal::new(pre_state(), spec)
}

/// Counts the lookups reaching the inner database, and fails those for `fail_on`.
#[derive(Debug)]
pub struct CountingDb {
    pub inner: InMemoryDb,
    pub basic_calls: usize,
    pub storage_calls: usize,
    pub code_calls: usize,
    pub fail_on: Option<Address>,
}

impl CountingDb {
    pub fn new(inner: InMemoryDb) -> Self {
        Self { inner, basic_calls: 0, storage_calls: 0, code_calls: 0, fail_on: None }
    }
}

/// The error of [`CountingDb`].
#[derive(Debug, PartialEq, Eq)]
pub struct Unavailable(pub Address);

impl Database for CountingDb {
    type Error = Unavailable;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Unavailable> {
        self.basic_calls += 1;
        if self.fail_on == Some(*address) {
            return Err(Unavailable(*address));
        }
        // Serve code separately, as a disk database would.
        Ok(self.inner.basic(address).unwrap().map(|info| AccountInfo { code: None, ..info }))
    }

    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Unavailable> {
        self.code_calls += 1;
        Ok(self.inner.code_by_hash(code_hash).unwrap())
    }

    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Unavailable> {
        self.storage_calls += 1;
        if self.fail_on == Some(*address) {
            return Err(Unavailable(*address));
        }
        Ok(self.inner.storage(address, key).unwrap())
    }

    fn has_storage(&mut self, address: &Address) -> Result<bool, Unavailable> {
        Ok(self.inner.has_storage(address).unwrap())
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Unavailable> {
        Ok(self.inner.block_hash(number).unwrap())
    }
}
