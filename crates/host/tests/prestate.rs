//! geth's `prestateTracer` on small transactions whose expected JSON is written out by hand:
//! default mode and diff mode, a call that reads and writes storage and reads a balance, and a
//! creation.

use std::sync::{Arc, Mutex};

use kestrel_host::inspector::{Inspector, PrestateTracer};
use kestrel_host::{Evm, create_address};
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address, keccak256};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const OTHER: Address = address!("b000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");
const COINBASE: Address = address!("cb00000000000000000000000000000000000001");
const ETHER: u64 = 1_000_000_000_000_000_000;

/// PUSH1 1 SLOAD POP; PUSH1 5 PUSH1 2 SSTORE; PUSH20 OTHER BALANCE POP; STOP.
fn code() -> Vec<u8> {
    let mut c = vec![0x60, 1, 0x54, 0x50, 0x60, 5, 0x60, 2, 0x55, 0x73];
    c.extend_from_slice(OTHER.as_slice());
    c.extend([0x31, 0x50, 0x00]);
    c
}

fn db() -> InMemoryDb {
    let mut db = InMemoryDb::new();
    db.insert_account(SENDER, AccountInfo::new(U256::from(ETHER), 0, Bytes::new()));
    db.insert_account(OTHER, AccountInfo::new(U256::from(3), 0, Bytes::new()));
    db.insert_account(CONTRACT, AccountInfo::new(U256::ZERO, 1, code().into()));
    db.insert_storage(CONTRACT, U256::from(1), U256::from(7));
    db
}

/// Runs `tx` with a prestate tracer; the gas used and the tracer's JSON.
fn traced(tx: TxEnv, diff_mode: bool) -> (u64, String) {
    let mut db = db();
    let tracer = Arc::new(Mutex::new(PrestateTracer::new(SpecId::Osaka, diff_mode)));
    let mut evm = Evm::new(&mut db, SpecId::Osaka, 1);
    evm.set_block(BlockEnv { number: 1, coinbase: COINBASE, gas_limit: 30_000_000, ..Default::default() });
    evm.set_inspector(Some(Box::new(tracer.clone()) as Box<dyn Inspector>));
    let result = evm.transact(tx).expect("valid");
    assert!(result.is_success());
    let json = tracer.lock().expect("not poisoned").result_json();
    (result.gas_used, json)
}

fn call() -> TxEnv {
    TxEnv {
        caller: SENDER,
        gas_limit: 100_000,
        gas_price: U256::from(1),
        to: Some(CONTRACT),
        ..Default::default()
    }
}

fn word(n: u64) -> String {
    format!("0x{n:064x}")
}

/// Gas of the call: 21000, then PUSH1 3, cold SLOAD 2100, POP 2, PUSH1 3, PUSH1 3, SSTORE of a
/// cold zero slot to non-zero 2100 + 20000, PUSH20 3, cold BALANCE 2600, POP 2, STOP 0.
const CALL_GAS: u64 = 21_000 + 3 + 2_100 + 2 + 3 + 3 + 22_100 + 3 + 2_600 + 2;

#[test]
fn default_mode_lists_every_account_met_before_the_transaction() {
    let (gas, json) = traced(call(), false);
    assert_eq!(gas, CALL_GAS);
    // The beneficiary did not exist: geth leaves empty accounts out. Slot 2 was read (by the
    // SSTORE) as zero and stays listed.
    let expected = format!(
        concat!(
            r#"{{"0xa000000000000000000000000000000000000001":{{"balance":"0xde0b6b3a7640000"}},"#,
            r#""0xb000000000000000000000000000000000000001":{{"balance":"0x3"}},"#,
            r#""0xc000000000000000000000000000000000000001":{{"balance":"0x0","code":"0x{code}","#,
            r#""codeHash":"{hash:#x}","nonce":1,"storage":{{"{k1}":"{v7}","{k2}":"{v0}"}}}}}}"#
        ),
        code = hex(&code()),
        hash = keccak256(code()),
        k1 = word(1),
        v7 = word(7),
        k2 = word(2),
        v0 = word(0),
    );
    assert_eq!(json, expected);
}

#[test]
fn diff_mode_shows_what_changed() {
    let (gas, json) = traced(call(), true);
    assert_eq!(gas, CALL_GAS);
    // Gas price 1 and no base fee: the sender pays CALL_GAS, the beneficiary gets all of it.
    // OTHER and slot 1 did not change (left out); slot 2 was zero (left out of pre).
    let expected = format!(
        concat!(
            r#"{{"post":{{"0xa000000000000000000000000000000000000001":{{"balance":"{sender:#x}","nonce":1}},"#,
            r#""0xc000000000000000000000000000000000000001":{{"storage":{{"{k2}":"{v5}"}}}},"#,
            r#""0xcb00000000000000000000000000000000000001":{{"balance":"{gas:#x}"}}}},"#,
            r#""pre":{{"0xa000000000000000000000000000000000000001":{{"balance":"0xde0b6b3a7640000"}},"#,
            r#""0xc000000000000000000000000000000000000001":{{"balance":"0x0","code":"0x{code}","#,
            r#""codeHash":"{hash:#x}","nonce":1}}}}}}"#
        ),
        sender = ETHER - CALL_GAS,
        k2 = word(2),
        v5 = word(5),
        gas = CALL_GAS,
        code = hex(&code()),
        hash = keccak256(code()),
    );
    assert_eq!(json, expected);
}

#[test]
fn a_creation_in_diff_mode() {
    // Init code STOP: 21000 + 32000 for the creation, 4 for the zero byte, 2 for its word.
    let tx = TxEnv { to: None, data: Bytes::from_static(&[0x00]), ..call() };
    let (gas, json) = traced(tx, true);
    assert_eq!(gas, 53_006);
    let created = create_address(&SENDER, 0);
    let expected = format!(
        concat!(
            r#"{{"post":{{"{created:#x}":{{"nonce":1}},"#,
            r#""0xa000000000000000000000000000000000000001":{{"balance":"{sender:#x}","nonce":1}},"#,
            r#""0xcb00000000000000000000000000000000000001":{{"balance":"0xcf0e"}}}},"#,
            r#""pre":{{"0xa000000000000000000000000000000000000001":{{"balance":"0xde0b6b3a7640000"}}}}}}"#
        ),
        sender = ETHER - 53_006,
        created = created,
    );
    // The created account is 0x6da8…, first of the keys.
    assert!(created < SENDER, "the expected order of the keys: {created}");
    assert_eq!(json, expected);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
