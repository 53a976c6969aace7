//! A failing database: its errors come back as database errors (never as an invalid
//! transaction), fail only the transaction that met them, and lose nothing from earlier
//! transactions the caller kept with `transact` but did not commit yet.

use kestrel_host::{Evm, TxError};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, Database, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const BOB: Address = address!("b000000000000000000000000000000000000002");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");

/// An in-memory database whose lookups of one address fail on demand.
#[derive(Debug)]
struct FlakyDb {
    inner: InMemoryDb,
    fail_on: Option<Address>,
}

#[derive(Debug, PartialEq, Eq)]
struct Unavailable(Address);

impl Database for FlakyDb {
    type Error = Unavailable;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Unavailable> {
        if self.fail_on == Some(*address) {
            return Err(Unavailable(*address));
        }
        Ok(self.inner.basic(address).unwrap())
    }

    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Unavailable> {
        Ok(self.inner.code_by_hash(code_hash).unwrap())
    }

    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Unavailable> {
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

fn evm(spec: SpecId) -> Evm<FlakyDb> {
    let mut inner = InMemoryDb::new();
    inner.insert_account(SENDER, AccountInfo::new(U256::from(1_000_000_000u64), 0, Bytes::new()));
    // PUSH0 SLOAD PUSH0 SSTORE ... : SLOAD slot 0, then store 1 in slot 1.
    inner.insert_account(
        CONTRACT,
        AccountInfo::new(
            U256::ZERO,
            1,
            Bytes::from_static(&[0x5f, 0x54, 0x50, 0x60, 0x01, 0x60, 0x01, 0x55, 0x00]),
        ),
    );
    inner.insert_storage(CONTRACT, U256::ZERO, U256::from(7));
    let mut evm = Evm::new(FlakyDb { inner, fail_on: None }, spec, 1);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, ..Default::default() });
    evm
}

fn transfer(nonce: u64) -> TxEnv {
    TxEnv {
        caller: SENDER,
        gas_limit: 100_000,
        gas_price: U256::from(1),
        to: Some(BOB),
        value: U256::from(1000),
        nonce,
        ..Default::default()
    }
}

fn fail_on(evm: &mut Evm<FlakyDb>, address: Option<Address>) {
    evm.journal_mut().db_mut().fail_on = address;
}

#[test]
fn sender_lookup_error_is_a_database_error() {
    for spec in [SpecId::Frontier, SpecId::Cancun, SpecId::Osaka] {
        let mut evm = evm(spec);
        fail_on(&mut evm, Some(SENDER));
        let result = evm.transact(transfer(0));
        assert!(
            matches!(result, Err(TxError::Database(ref e)) if e.contains("Unavailable")),
            "{spec:?}: {result:?}"
        );
        let result = evm.transact_discard(transfer(0));
        assert!(matches!(result, Err(TxError::Database(_))), "{spec:?}: {result:?}");
    }
}

#[test]
fn a_database_error_does_not_fail_the_next_transaction() {
    let mut evm = evm(SpecId::Cancun);
    fail_on(&mut evm, Some(SENDER));
    assert!(matches!(evm.transact(transfer(0)), Err(TxError::Database(_))));
    // The database recovers: the same transaction now runs on the real sender.
    fail_on(&mut evm, None);
    let result = evm.transact(transfer(0)).expect("a healthy transaction succeeds");
    assert!(result.is_success());
    assert_eq!(evm.journal_mut().peek_account(&BOB).balance, U256::from(1000));
}

#[test]
fn a_database_error_keeps_earlier_uncommitted_transactions() {
    let mut evm = evm(SpecId::Cancun);
    assert!(evm.transact(transfer(0)).unwrap().is_success());
    // The second transaction fails mid-execution (the contract's storage is unreadable).
    fail_on(&mut evm, Some(CONTRACT));
    let call = TxEnv { to: Some(CONTRACT), value: U256::ZERO, ..transfer(1) };
    assert!(matches!(evm.transact(call.clone()), Err(TxError::Database(_))));
    fail_on(&mut evm, None);
    // The first transaction's changes are still there, and the failed one left nothing.
    assert_eq!(evm.journal_mut().peek_account(&BOB).balance, U256::from(1000));
    assert_eq!(evm.journal_mut().peek_account(&SENDER).nonce, 1);
    let result = evm.transact(call).expect("runs once the database is back");
    assert!(result.is_success());
    assert_eq!(evm.journal_mut().peek_storage(&CONTRACT, &U256::ZERO), U256::from(7));
    assert_eq!(evm.journal_mut().peek_storage(&CONTRACT, &U256::from(1)), U256::from(1));
    assert_eq!(evm.journal_mut().peek_account(&CONTRACT).nonce, 1);
}
