//! Transactions with gas limits above `i64::MAX`: valid before Osaka when the block and the
//! balance allow them, and then accounted exactly (the spec's gas is an unbounded integer);
//! from Osaka rejected by the EIP-7825 cap.

use kestrel_host::{Evm, InvalidTransaction, TxError};
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const STOPS: Address = address!("c000000000000000000000000000000000000001");
const STORES_GAS: Address = address!("c000000000000000000000000000000000000002");
const CALLS_WITH_ALL_GAS: Address = address!("c000000000000000000000000000000000000003");

fn setup(db: &mut InMemoryDb) {
    db.insert_account(SENDER, AccountInfo::new(U256::from(1_000_000_000u64), 0, Bytes::new()));
    db.insert_account(STOPS, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x00])));
    // GAS PUSH0 SSTORE STOP
    db.insert_account(
        STORES_GAS,
        AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x5a, 0x5f, 0x55, 0x00])),
    );
    // CALL(gas = GAS, STORES_GAS, 0, 0, 0, 0, 0) STOP
    let mut call = vec![0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x73];
    call.extend_from_slice(STORES_GAS.as_slice());
    call.extend_from_slice(&[0x5a, 0xf1, 0x00]);
    db.insert_account(CALLS_WITH_ALL_GAS, AccountInfo::new(U256::ZERO, 1, call.into()));
}

fn evm(db: &mut InMemoryDb, spec: SpecId) -> Evm<&mut InMemoryDb> {
    setup(db);
    let mut evm = Evm::new(db, spec, 1);
    evm.set_block(BlockEnv { gas_limit: u64::MAX, ..Default::default() });
    evm
}

fn tx(to: Address) -> TxEnv {
    // Price zero: any balance pays for any gas limit.
    TxEnv { caller: SENDER, gas_limit: u64::MAX, to: Some(to), ..Default::default() }
}

#[test]
fn gas_limit_above_i64_max_is_accounted_exactly() {
    for spec in [SpecId::Frontier, SpecId::Istanbul, SpecId::Cancun, SpecId::Prague] {
        let mut db = InMemoryDb::new();
        let mut evm = evm(&mut db, spec);
        let result = evm.transact(tx(STOPS)).unwrap();
        assert!(result.is_success());
        assert_eq!(result.gas_used, 21_000, "{spec:?}");
    }
}

#[test]
fn gas_opcode_sees_the_whole_limit() {
    let mut db = InMemoryDb::new();
    let mut evm = evm(&mut db, SpecId::Prague);
    let result = evm.transact(tx(STORES_GAS)).unwrap();
    assert!(result.is_success());
    // GAS runs after intrinsic gas and its own 2 gas; then PUSH0 (2) and a cold fresh SSTORE.
    let seen = u64::MAX - 21_000 - 2;
    assert_eq!(evm.journal_mut().sload(&STORES_GAS, &U256::ZERO).value, U256::from(seen));
    assert_eq!(result.gas_used, 21_000 + 2 + 2 + 22_100);

    // A child called with all gas gets all but one 64th of it (EIP-150), far above i64::MAX.
    let result = evm.transact(TxEnv { nonce: 1, ..tx(CALLS_WITH_ALL_GAS) }).unwrap();
    assert!(result.is_success());
    let child_saw = evm.journal_mut().sload(&STORES_GAS, &U256::ZERO).value;
    assert!(child_saw > U256::from(i64::MAX as u64) && child_saw < U256::from(seen), "{child_saw}");
}

#[test]
fn osaka_caps_the_gas_limit() {
    let mut db = InMemoryDb::new();
    let mut evm = evm(&mut db, SpecId::Osaka);
    assert_eq!(evm.transact(tx(STOPS)), Err(TxError::Invalid(InvalidTransaction::GasLimitExceedsCap)));
}
