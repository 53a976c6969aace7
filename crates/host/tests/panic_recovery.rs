//! An `Evm` reused after a panic in a tracer or the database was caught: the next transaction
//! starts from an empty frame stack and a clean journal, as if the panicking one never ran.

use std::panic::{AssertUnwindSafe, catch_unwind};

use kestrel_host::Evm;
use kestrel_interpreter::{Buffers, Control, Frame, Status, Tracer};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, Database, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const OUTER: Address = address!("c000000000000000000000000000000000000001");
const INNER: Address = address!("c000000000000000000000000000000000000002");
const STOPS: Address = address!("c000000000000000000000000000000000000003");
const BALANCE: u64 = 1_000_000_000;

/// A database that panics when asked for storage of `panic_on`.
#[derive(Debug)]
struct PanickyDb {
    inner: InMemoryDb,
    panic_on: Option<Address>,
}

impl Database for PanickyDb {
    type Error = core::convert::Infallible;

    fn basic(&mut self, address: &Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.inner.basic(address)
    }
    fn code_by_hash(&mut self, code_hash: &B256) -> Result<Bytes, Self::Error> {
        self.inner.code_by_hash(code_hash)
    }
    fn storage(&mut self, address: &Address, key: &U256) -> Result<U256, Self::Error> {
        assert_ne!(self.panic_on, Some(*address), "storage backend crashed");
        self.inner.storage(address, key)
    }
    fn has_storage(&mut self, address: &Address) -> Result<bool, Self::Error> {
        self.inner.has_storage(address)
    }
    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.inner.block_hash(number)
    }
}

/// Panics on the first opcode of a frame at depth 1.
struct PanicInChild;

impl Tracer for PanicInChild {
    fn step(&mut self, frame: &Frame, _buffers: &Buffers, _op: u8) -> Control {
        assert_eq!(frame.depth, 0, "tracer crashed");
        Control::Continue
    }
    fn step_end(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8, _status: Option<Status>) {}
}

fn evm() -> Evm<PanickyDb> {
    let mut inner = InMemoryDb::new();
    inner.insert_account(SENDER, AccountInfo::new(U256::from(BALANCE), 0, Bytes::new()));
    // OUTER: SSTORE(0, 1), then CALL(GAS, INNER, 0, 0, 0, 0, 0), STOP.
    let mut outer = vec![0x60, 0x01, 0x5f, 0x55, 0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x73];
    outer.extend_from_slice(INNER.as_slice());
    outer.extend_from_slice(&[0x5a, 0xf1, 0x00]);
    inner.insert_account(OUTER, AccountInfo::new(U256::ZERO, 1, outer.into()));
    // INNER: SLOAD(0), STOP.
    inner.insert_account(INNER, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x5f, 0x54, 0x00])));
    inner.insert_account(STOPS, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x00])));
    let mut evm = Evm::new(PanickyDb { inner, panic_on: None }, SpecId::Cancun, 1);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, ..Default::default() });
    evm
}

fn tx(to: Address) -> TxEnv {
    TxEnv {
        caller: SENDER,
        gas_limit: 1_000_000,
        gas_price: U256::from(1),
        to: Some(to),
        ..Default::default()
    }
}

/// After the panic, a fresh transaction with the same nonce runs exactly as on a fresh `Evm`.
fn assert_clean(evm: &mut Evm<PanickyDb>) {
    let result = evm.transact(tx(STOPS)).expect("the panicked transaction left nothing behind");
    assert!(result.is_success());
    assert_eq!(result.gas_used, 21_000);
    let journal = evm.journal_mut();
    assert_eq!(journal.peek_account(&SENDER).nonce, 1);
    assert_eq!(journal.peek_account(&SENDER).balance, U256::from(BALANCE - 21_000));
    assert_eq!(journal.peek_storage(&OUTER, &U256::ZERO), U256::ZERO, "the half-run SSTORE is gone");
    // And the contracts still run normally.
    let result = evm.transact(TxEnv { nonce: 1, ..tx(OUTER) }).unwrap();
    assert!(result.is_success());
    assert_eq!(evm.journal_mut().peek_storage(&OUTER, &U256::ZERO), U256::from(1));
}

#[test]
fn reuse_after_a_tracer_panic() {
    let mut evm = evm();
    evm.set_tracer(Some(Box::new(PanicInChild)));
    let caught = catch_unwind(AssertUnwindSafe(|| evm.transact(tx(OUTER))));
    assert!(caught.is_err());
    evm.set_tracer(None);
    assert_clean(&mut evm);
}

#[test]
fn reuse_after_a_database_panic() {
    let mut evm = evm();
    evm.journal_mut().db_mut().panic_on = Some(INNER);
    let caught = catch_unwind(AssertUnwindSafe(|| evm.transact_discard(tx(OUTER))));
    assert!(caught.is_err());
    evm.journal_mut().db_mut().panic_on = None;
    assert_clean(&mut evm);
}
