//! A child frame's call data is a window of its caller's memory, not a copy (issue: a loop of
//! STATICCALLs with megabytes of input copied them on every call).

use std::sync::{Arc, Mutex};

use kestrel_host::Evm;
use kestrel_interpreter::{Buffers, Control, Frame, Status, Tracer};
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CALLER: Address = address!("c000000000000000000000000000000000000001");
const CALLEE: Address = address!("c000000000000000000000000000000000000002");

/// What the callee's frame looked like at its first opcode.
#[derive(Clone, Debug, Default)]
struct ChildStart {
    input: (usize, usize),
    memory_base: usize,
    memory_len: usize,
    data: Vec<u8>,
}

/// Records the first step of the first frame at depth 1.
struct Watch(Arc<Mutex<Option<ChildStart>>>);

impl Tracer for Watch {
    fn step(&mut self, frame: &Frame, buffers: &Buffers, _op: u8) -> Control {
        let mut seen = self.0.lock().unwrap();
        if frame.depth == 1 && seen.is_none() {
            *seen = Some(ChildStart {
                input: frame.input_range(),
                memory_base: frame.memory_base(),
                memory_len: buffers.memory.len(),
                data: frame.input(buffers).to_vec(),
            });
        }
        Control::Continue
    }
    fn step_end(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8, _status: Option<Status>) {}
}

#[test]
fn call_data_is_a_window_of_the_callers_memory() {
    // Caller: MSTORE 0x1122..ff at 0, MSTORE 0xab.. at 32 (memory is 64 bytes), then
    // STATICCALL(gas, CALLEE, in = [7, 7 + 40), out = [0, 0)) and STOP.
    let word = |b: u8| [b; 32];
    let mut code = vec![0x7f];
    code.extend_from_slice(&word(0x11));
    code.extend_from_slice(&[0x60, 0x00, 0x52, 0x7f]);
    code.extend_from_slice(&word(0xab));
    code.extend_from_slice(&[0x60, 0x20, 0x52]);
    code.extend_from_slice(&[0x60, 0x00, 0x60, 0x00, 0x60, 40, 0x60, 7, 0x73]);
    code.extend_from_slice(CALLEE.as_slice());
    code.extend_from_slice(&[0x5a, 0xfa, 0x00]);
    // Callee: CALLDATASIZE, STOP.
    let callee = vec![0x36, 0x00];

    let mut db = InMemoryDb::new();
    db.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
    db.insert_account(CALLER, AccountInfo::new(U256::ZERO, 1, code.into()));
    db.insert_account(CALLEE, AccountInfo::new(U256::ZERO, 1, callee.into()));
    let seen = Arc::new(Mutex::new(None));
    let mut evm = Evm::new(&mut db, SpecId::Osaka, 1);
    evm.set_block(BlockEnv { number: 1, gas_limit: 30_000_000, ..Default::default() });
    evm.set_tracer(Some(Box::new(Watch(seen.clone()))));
    let tx_data = vec![0x5a; 5];
    let tx = TxEnv {
        caller: SENDER,
        gas_limit: 200_000,
        gas_price: U256::from(1),
        to: Some(CALLER),
        data: tx_data.clone().into(),
        ..Default::default()
    };
    let result = evm.transact(tx).expect("valid");
    assert!(result.is_success(), "{result:?}");

    let child = seen.lock().unwrap().clone().expect("the callee ran");
    let mut expected = vec![0x11; 25];
    expected.extend_from_slice(&[0xab; 15]);
    assert_eq!(child.data, expected);
    // The caller's memory window starts after the transaction's data; the call data is the
    // caller's bytes 7..47, read in place.
    assert_eq!(child.input, (tx_data.len() + 7, 40));
    // The callee's memory starts right after the caller's 64 bytes: nothing was appended.
    assert_eq!(child.memory_base, tx_data.len() + 64);
    assert_eq!(child.memory_len, child.memory_base);
}
