//! The `Evm` is `Send` (with a `Send` database): it can move to a worker thread, tracer and
//! all, or be held across an `.await` on a multi-threaded runtime.

use kestrel_host::Evm;
use kestrel_interpreter::{Buffers, Control, Eip3155Tracer, Frame, Status, Tracer};
use kestrel_primitives::{Address, BlockEnv, Bytes, SpecId, TxEnv, U256, address};
use kestrel_state::{AccountInfo, InMemoryDb};

const SENDER: Address = address!("a000000000000000000000000000000000000001");
const CONTRACT: Address = address!("c000000000000000000000000000000000000001");

fn assert_send<T: Send>() {}

#[test]
fn evm_is_send() {
    assert_send::<Evm<InMemoryDb>>();
    assert_send::<Evm<&mut InMemoryDb>>();
    assert_send::<Box<dyn Tracer>>();
    assert_send::<Eip3155Tracer<Vec<u8>>>();
}

/// Counts opcodes.
struct Counter(usize);

impl Tracer for Counter {
    fn step(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8) -> Control {
        self.0 += 1;
        Control::Continue
    }
    fn step_end(&mut self, _frame: &Frame, _buffers: &Buffers, _op: u8, _status: Option<Status>) {}
}

#[test]
fn evm_runs_on_another_thread() {
    let mut db = InMemoryDb::new();
    db.insert_account(SENDER, AccountInfo::new(U256::from(10u64.pow(18)), 0, Bytes::new()));
    db.insert_account(CONTRACT, AccountInfo::new(U256::ZERO, 1, Bytes::from_static(&[0x60, 0x01, 0x00])));
    let mut evm = Evm::new(db, SpecId::Osaka, 1);
    evm.set_block(BlockEnv { gas_limit: 30_000_000, ..Default::default() });
    evm.set_tracer(Some(Box::new(Counter(0))));
    let tx = TxEnv { caller: SENDER, gas_limit: 100_000, to: Some(CONTRACT), ..Default::default() };
    let (result, mut evm) = std::thread::spawn(move || (evm.transact(tx), evm)).join().unwrap();
    assert!(result.unwrap().is_success());
    assert_eq!(evm.journal_mut().peek_account(&SENDER).nonce, 1);
}
