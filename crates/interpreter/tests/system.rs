//! The CALL family (CALL, CALLCODE, DELEGATECALL, STATICCALL): the request they hand to the
//! caller loop, their gas (memory, EIP-2929 cold access, value transfer, new account per fork,
//! EIP-150's 63/64 rule, the 2300 stipend) and resuming after the child; static-call rules.

mod common;

use std::sync::Arc;

use common::*;
use kestrel_bytecode::Bytecode;
use kestrel_interpreter::{Buffers, CallKind, Frame, MockHost, Stack, Status, run, run_traced};
use kestrel_primitives::{Address, SpecId, U256, address};

const NEW: Address = address!("00000000000000000000000000000000000000e7");

/// CALL-family code with its arguments; `value` is left out for DELEGATECALL and STATICCALL.
fn call(op: u8, gas: U256, to: Address, value: u64, input: (u64, u64), out: (u64, u64)) -> Vec<u8> {
    let mut asm = Asm::new().push(out.1).push(out.0).push(input.1).push(input.0);
    if matches!(op, CALL | CALLCODE) {
        asm = asm.push(value);
    }
    asm.push(to).push(gas).op(op).build()
}

/// The gas used by the pushes in front of `op`, all of them PUSH1..PUSH32 (3 each).
fn pushes(op: u8) -> u64 {
    if matches!(op, CALL | CALLCODE) { 21 } else { 18 }
}

fn world(spec: SpecId) -> Ctx {
    Ctx::new(spec).with_host(|h| {
        h.balances.insert(OTHER, w(1u64));
        h.balances.insert(ME, w(1_000_000u64));
    })
}

fn base_cost(op: u8, spec: SpecId) -> u64 {
    match spec {
        s if s >= SpecId::Berlin => 100,
        s if s >= SpecId::TangerineWhistle => 700,
        _ => {
            assert_ne!(op, STATICCALL);
            40
        }
    }
}

fn cap(spec: SpecId, requested: u64, available: u64) -> u64 {
    if spec >= SpecId::TangerineWhistle { requested.min(available - available / 64) } else { requested }
}

/// CALL to an existing account and to a missing one, with and without value, cold, in every
/// fork: the charge before the child and the child's gas.
#[test]
fn call_gas_in_every_fork() {
    for spec in SpecId::ALL {
        for (to, exists) in [(OTHER, true), (NEW, false)] {
            for value in [0u64, 1] {
                let code = call(CALL, w(50_000u64), to, value, (0, 0), (0, 0));
                let out = world(spec).run(&code);
                out.expect(Status::Call);
                let cold = if spec >= SpecId::Berlin { 2500 } else { 0 };
                let transfer = if value > 0 { 9000 } else { 0 };
                let new_account = if spec >= SpecId::SpuriousDragon { value > 0 && !exists } else { !exists };
                let new_account = if new_account { 25_000 } else { 0 };
                let before = 21 + base_cost(CALL, spec) + cold + transfer + new_account;
                let child = cap(spec, 50_000, DEFAULT_GAS - before);
                let stipend = if value > 0 { 2300 } else { 0 };
                let what = format!("{spec} to {to} value {value}");
                assert_eq!(out.gas_used(), before + child, "{what}");
                let req = out.call();
                assert_eq!(req.gas_limit, child + stipend, "{what}");
                assert_eq!((req.kind, req.target, req.code_address, req.caller), (CallKind::Call, to, to, ME));
                assert_eq!(req.value, w(value));
                assert!(req.transfers_value && !req.is_static && !req.delegated);
                assert!(out.host.warm_accounts.contains(&to));
                // The frame resumes after the CALL.
                assert_eq!(out.pc, code.len());
                assert!(out.stack.is_empty());
            }
        }
    }
}

#[test]
fn a_warm_target_costs_no_cold_surcharge() {
    let code = call(CALL, w(0u64), OTHER, 0, (0, 0), (0, 0));
    let warm = world(SpecId::Cancun).with_host(|h| {
        h.warm_accounts.insert(OTHER);
    });
    assert_eq!(warm.run(&code).gas_used(), 21 + 100);
    assert_eq!(world(SpecId::Cancun).run(&code).gas_used(), 21 + 2600);
}

/// EIP-150: a child gets at most all but one 64th of what is left; asking for more is not an
/// error. Before Tangerine Whistle the request is charged in full and must be covered.
#[test]
fn the_63_64_rule() {
    for spec in [SpecId::TangerineWhistle, SpecId::Byzantium, SpecId::Cancun] {
        for requested in [U256::MAX, pow2(64), w(DEFAULT_GAS)] {
            let out = world(spec).run(&call(CALL, requested, OTHER, 0, (0, 0), (0, 0)));
            let before = 21 + base_cost(CALL, spec) + if spec >= SpecId::Berlin { 2500 } else { 0 };
            let available = DEFAULT_GAS - before;
            assert_eq!(out.call().gas_limit, available - available / 64, "{spec}");
            assert_eq!(out.gas_left, available / 64);
        }
    }
    for spec in [SpecId::Frontier, SpecId::Homestead] {
        let available = DEFAULT_GAS - 21 - 40;
        let out = world(spec).run(&call(CALL, w(available), OTHER, 0, (0, 0), (0, 0)));
        out.expect(Status::Call);
        assert_eq!(out.call().gas_limit, available);
        assert_eq!(out.gas_left, 0);
        world(spec).run(&call(CALL, w(available + 1), OTHER, 0, (0, 0), (0, 0))).expect(Status::OutOfGas);
        world(spec).run(&call(CALL, U256::MAX, OTHER, 0, (0, 0), (0, 0))).expect(Status::OutOfGas);
    }
}

#[test]
fn call_memory_covers_both_ranges() {
    // Input [0, 64), output [100, 132): memory grows to 5 words (15 gas).
    let out = world(SpecId::Cancun).run(&call(CALL, w(1000u64), OTHER, 0, (0, 64), (100, 32)));
    out.expect(Status::Call);
    assert_eq!(out.memory.len(), 160);
    assert_eq!(out.gas_used(), 21 + 2600 + 15 + 1000);
    let req = out.call();
    assert_eq!((req.input_offset, req.input_len), (0, 64));
    assert_eq!(out.return_window, (100, 32));
    // Empty ranges cost nothing, wherever they point.
    let out = world(SpecId::Cancun).run(&call(CALL, w(1000u64), OTHER, 0, (u64::MAX, 0), (u64::MAX, 0)));
    out.expect(Status::Call);
    assert!(out.memory.is_empty());
    assert_eq!(out.gas_used(), 21 + 2600 + 1000);
    // An unpayable range halts before the call.
    world(SpecId::Cancun).run(&call(CALL, w(1000u64), OTHER, 0, (0, 1 << 40), (0, 0))).expect(Status::OutOfGas);
}

#[test]
fn callcode_delegatecall_staticcall_requests() {
    let mut ctx = world(SpecId::Cancun);
    ctx.value = w(42u64);
    // CALLCODE: runs `to`'s code on ME; value goes to ME itself, so never a new account.
    let out = ctx.run(&call(CALLCODE, w(5000u64), NEW, 3, (0, 0), (0, 0)));
    let req = out.call();
    assert_eq!((req.kind, req.target, req.code_address, req.caller), (CallKind::CallCode, ME, NEW, ME));
    assert_eq!((req.value, req.transfers_value, req.gas_limit), (w(3u64), true, 5000 + 2300));
    assert_eq!(out.gas_used(), 21 + 100 + 2500 + 9000 + 5000);
    // DELEGATECALL: keeps CALLER and CALLVALUE, moves nothing.
    let out = ctx.run(&call(DELEGATECALL, w(5000u64), OTHER, 0, (0, 0), (0, 0)));
    let req = out.call();
    assert_eq!((req.kind, req.target, req.code_address, req.caller), (CallKind::DelegateCall, ME, OTHER, CALLER_ADDR));
    assert_eq!((req.value, req.transfers_value, req.gas_limit), (w(42u64), false, 5000));
    assert_eq!(out.gas_used(), 18 + 100 + 2500 + 5000);
    // STATICCALL: a static child without value.
    let out = ctx.run(&call(STATICCALL, w(5000u64), OTHER, 0, (0, 0), (0, 0)));
    let req = out.call();
    assert_eq!((req.kind, req.target, req.code_address, req.caller), (CallKind::StaticCall, OTHER, OTHER, ME));
    assert_eq!((req.value, req.transfers_value, req.is_static, req.gas_limit), (U256::ZERO, false, true, 5000));
}

#[test]
fn call_opcodes_arrive_with_their_forks() {
    let delegate = call(DELEGATECALL, w(0u64), OTHER, 0, (0, 0), (0, 0));
    let staticcall = call(STATICCALL, w(0u64), OTHER, 0, (0, 0), (0, 0));
    for spec in SpecId::ALL {
        let expected = if spec >= SpecId::Homestead { Status::Call } else { Status::InvalidOpcode };
        world(spec).run(&delegate).expect(expected);
        let expected = if spec >= SpecId::Byzantium { Status::Call } else { Status::InvalidOpcode };
        world(spec).run(&staticcall).expect(expected);
    }
}

/// EIP-214: inside STATICCALL only CALL with value is forbidden among the calls; every child
/// inherits the static flag.
#[test]
fn static_frames() {
    let ctx = world(SpecId::Cancun).static_call();
    ctx.run(&call(CALL, w(0u64), OTHER, 1, (0, 0), (0, 0))).expect(Status::StaticViolation);
    let out = ctx.run(&call(CALL, w(0u64), OTHER, 0, (0, 0), (0, 0)));
    assert!(out.call().is_static);
    let out = ctx.run(&call(CALLCODE, w(0u64), OTHER, 1, (0, 0), (0, 0)));
    assert!(out.call().is_static);
    let out = ctx.run(&call(DELEGATECALL, w(0u64), OTHER, 0, (0, 0), (0, 0)));
    assert!(out.call().is_static);
}

/// Runs `code` to its CALL, finishes the call as a child that returned `child_output` with
/// `child_gas_left` and `child_refund`, and runs on to the end; with `traced` the tracing runner.
fn call_and_resume(code: &[u8], traced: bool, success: bool, child_output: &[u8]) -> (Status, Frame, Buffers) {
    let mut host = MockHost::default();
    host.balances.insert(OTHER, w(1u64));
    let mut buffers = Buffers::default();
    let mut frame = Frame::new(
        Stack::new(),
        Arc::new(Bytecode::new(code)),
        SpecId::Cancun,
        100_000,
        ME,
        CALLER_ADDR,
        U256::ZERO,
        false,
        0,
        0,
        (0, 0),
    );
    let mut go = |frame: &mut Frame, buffers: &mut Buffers| {
        if traced {
            run_traced(frame, buffers, &mut host, &mut kestrel_interpreter::NoopTracer)
        } else {
            run(frame, buffers, &mut host)
        }
    };
    assert_eq!(go(&mut frame, &mut buffers), Status::Call);
    let gas_limit = frame.request.as_ref().map(|r| match r {
        kestrel_interpreter::FrameRequest::Call(c) => c.gas_limit,
        _ => unreachable!(),
    });
    assert_eq!(gas_limit, Some(10_000));
    buffers.return_data = child_output.to_vec();
    frame.finish_call(&mut buffers, success, 7_000, 500);
    let status = go(&mut frame, &mut buffers);
    (status, frame, buffers)
}

#[test]
fn resuming_after_a_call() {
    // CALL(10000, OTHER, 0, in 0/0, out 0/8), then RETURNDATASIZE and MLOAD(0).
    let code = Asm::new()
        .raw(&call(CALL, w(10_000u64), OTHER, 0, (0, 0), (0, 8)))
        .op(RETURNDATASIZE)
        .push(0u64)
        .op(MLOAD)
        .op(STOP)
        .build();
    let output: Vec<u8> = (1..=12).collect();
    for success in [true, false] {
        let (s1, f1, b1) = call_and_resume(&code, false, success, &output);
        let (s2, f2, b2) = call_and_resume(&code, true, success, &output);
        assert_eq!((s1, s2), (Status::Stop, Status::Stop));
        assert_eq!(f1.gas, f2.gas);
        assert_eq!(f1.stack.as_slice(), f2.stack.as_slice());
        assert_eq!(b1.memory, b2.memory);
        // Only the window's 8 bytes are copied, though the child returned 12.
        let mut word = [0u8; 32];
        word[..8].copy_from_slice(&output[..8]);
        assert_eq!(f1.stack.as_slice(), &[w(success as u64), w(12u64), U256::from_be_bytes(word)]);
        // 21 + 2600 + 3 (memory) + 10000 for the call, 7000 back, then 2 + 3 + 3 + STOP.
        assert_eq!(f1.gas.spent(), 21 + 2600 + 3 + 10_000 - 7_000 + 8);
        assert_eq!(f1.gas.refunded, if success { 500 } else { 0 });
    }
}
