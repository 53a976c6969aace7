//! EIP-7702 delegated call targets: the CALL family loads the delegate's code, which costs an
//! account access of its own (warm 100 / cold 2600) and names the delegate as the code address.
//! MockHost never reports a delegation, so a wrapper host adds one.

mod common;

use std::sync::Arc;

use common::MockHost;
use common::*;
use kestrel_bytecode::Bytecode;
use kestrel_interpreter::{
    Access, Buffers, CallTarget, Frame, FrameRequest, Host, NoopTracer, SStoreValues, SelfDestructResult,
    Stack, Status, run, run_traced,
};
use kestrel_primitives::{Address, B256, BlockEnv, Bytes, SpecId, TxEnv, U256, address};

const DELEGATE: Address = address!("00000000000000000000000000000000de1e9a7e");

/// MockHost whose `OTHER` is delegated to `DELEGATE`.
struct Delegating {
    inner: MockHost,
    delegate_cold: bool,
}

impl Host for Delegating {
    fn block(&self) -> &BlockEnv {
        self.inner.block()
    }
    fn tx(&self) -> &TxEnv {
        self.inner.tx()
    }
    fn effective_gas_price(&self) -> U256 {
        self.inner.effective_gas_price()
    }
    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
    fn blob_base_fee(&self) -> U256 {
        self.inner.blob_base_fee()
    }
    fn block_hash(&mut self, number: u64) -> B256 {
        self.inner.block_hash(number)
    }
    fn balance(&mut self, address: &Address) -> Access<U256> {
        self.inner.balance(address)
    }
    fn code(&mut self, address: &Address) -> Access<Bytes> {
        self.inner.code(address)
    }
    fn code_size(&mut self, address: &Address) -> Access<usize> {
        self.inner.code_size(address)
    }
    fn code_hash(&mut self, address: &Address) -> Access<B256> {
        self.inner.code_hash(address)
    }
    fn call_target(&mut self, address: &Address) -> CallTarget {
        let mut target = self.inner.call_target(address);
        if *address == OTHER {
            target.delegate = Some(Access { value: DELEGATE, is_cold: self.delegate_cold });
        }
        target
    }
    fn sload(&mut self, address: &Address, key: &U256) -> Access<U256> {
        self.inner.sload(address, key)
    }
    fn sstore(&mut self, address: &Address, key: &U256, value: &U256) -> Access<SStoreValues> {
        self.inner.sstore(address, key, value)
    }
    fn tload(&mut self, address: &Address, key: &U256) -> U256 {
        self.inner.tload(address, key)
    }
    fn tstore(&mut self, address: &Address, key: &U256, value: &U256) {
        self.inner.tstore(address, key, value)
    }
    fn log(&mut self, address: &Address, topics: &[B256], data: &[u8]) {
        self.inner.log(address, topics, data)
    }
    fn selfdestruct(&mut self, address: &Address, target: &Address) -> Access<SelfDestructResult> {
        self.inner.selfdestruct(address, target)
    }
}

/// Runs `code` in Prague through both runners; returns (status, gas used, request).
fn run_both(code: &[u8], delegate_cold: bool) -> (Status, u64, Option<FrameRequest>) {
    let mut results = Vec::new();
    for traced in [false, true] {
        let mut host = Delegating { inner: MockHost::default(), delegate_cold };
        host.inner.balances.insert(OTHER, w(1u64));
        let mut buffers = Buffers::default();
        let init = frame_init(Arc::new(Bytecode::new(code)), SpecId::Prague, DEFAULT_GAS, 0..0);
        let mut frame = Frame::new(Stack::new(), init, &buffers).expect("empty call data");
        let status = if traced {
            run_traced(&mut frame, &mut buffers, &mut host, &mut NoopTracer)
        } else {
            run(&mut frame, &mut buffers, &mut host)
        };
        results.push((status, frame.gas.spent(), frame.request().cloned()));
    }
    assert_eq!(results[0], results[1], "fast vs traced");
    results.pop().unwrap()
}

#[test]
fn delegated_targets_cost_an_extra_account_access() {
    for (op, pushes) in [(CALL, 21u64), (CALLCODE, 21), (DELEGATECALL, 18), (STATICCALL, 18)] {
        let mut asm = Asm::new().args(&[0u64; 4]);
        if matches!(op, CALL | CALLCODE) {
            asm = asm.push(0u64);
        }
        let code = asm.push(OTHER).push(1000u64).op(op).build();
        for (cold, extra) in [(true, 2600u64), (false, 100)] {
            let (status, used, request) = run_both(&code, cold);
            assert_eq!(status, Status::Call);
            // Base 100 + cold target 2500 + the delegate access, then the child's 1000.
            assert_eq!(used, pushes + 100 + 2500 + extra + 1000, "{} cold delegate {cold}", name(op));
            let Some(FrameRequest::Call(req)) = request else { panic!("no call request") };
            assert_eq!(req.code_address, DELEGATE);
            assert!(req.delegated);
            assert_eq!(req.gas_limit, 1000);
        }
    }
}
