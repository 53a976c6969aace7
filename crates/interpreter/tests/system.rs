//! The CALL family (CALL, CALLCODE, DELEGATECALL, STATICCALL): the request they hand to the
//! caller loop, their gas (memory, EIP-2929 cold access, value transfer, new account per fork,
//! EIP-150's 63/64 rule, the 2300 stipend) and resuming after the child; static-call rules.

mod common;

use common::*;
use kestrel_interpreter::{CallKind, Status};
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
                assert_eq!(
                    (req.kind, req.target, req.code_address, req.caller),
                    (CallKind::Call, to, to, ME)
                );
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
    world(SpecId::Cancun)
        .run(&call(CALL, w(1000u64), OTHER, 0, (0, 1 << 40), (0, 0)))
        .expect(Status::OutOfGas);
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
    assert_eq!(
        (req.kind, req.target, req.code_address, req.caller),
        (CallKind::DelegateCall, ME, OTHER, CALLER_ADDR)
    );
    assert_eq!((req.value, req.transfers_value, req.gas_limit), (w(42u64), false, 5000));
    assert_eq!(out.gas_used(), 18 + 100 + 2500 + 5000);
    // STATICCALL: a static child without value.
    let out = ctx.run(&call(STATICCALL, w(5000u64), OTHER, 0, (0, 0), (0, 0)));
    let req = out.call();
    assert_eq!(
        (req.kind, req.target, req.code_address, req.caller),
        (CallKind::StaticCall, OTHER, OTHER, ME)
    );
    assert_eq!(
        (req.value, req.transfers_value, req.is_static, req.gas_limit),
        (U256::ZERO, false, true, 5000)
    );
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
        let out = world(SpecId::Cancun).run_resumed(&code, |frame, buffers| {
            assert_eq!(frame.request().map(|_| frame.return_window()), Some((0, 8)));
            buffers.return_data = output.clone();
            frame.finish_call(buffers, success, 7_000, 500).expect("the frame waits for its child");
        });
        out.expect(Status::Stop);
        // Only the window's 8 bytes are copied, though the child returned 12.
        let mut word = [0u8; 32];
        word[..8].copy_from_slice(&output[..8]);
        assert_eq!(out.stack, vec![w(success as u64), w(12u64), U256::from_be_bytes(word)]);
        // 21 + 2600 + 3 (memory) + 10000 for the call, 7000 back, then 2 + 3 + 3.
        assert_eq!(out.gas_used(), 21 + 2600 + 3 + 10_000 - 7_000 + 8);
        // The child's refund counts only when it succeeded.
        assert_eq!(out.refunded, if success { 500 } else { 0 });
    }
}

#[test]
fn a_short_child_output_leaves_the_rest_of_the_window_alone() {
    // Memory word 0 is all 0xff; the child returns 2 bytes into a 32-byte window at 0.
    let code = Asm::new()
        .push(U256::MAX)
        .push(0u64)
        .op(MSTORE)
        .raw(&call(CALL, w(100u64), OTHER, 0, (0, 0), (0, 32)))
        .push(0u64)
        .op(MLOAD)
        .op(STOP)
        .build();
    let out = world(SpecId::Cancun).run_resumed(&code, |frame, buffers| {
        buffers.return_data = vec![0x12, 0x34];
        frame.finish_call(buffers, true, 0, 0).expect("the frame waits for its child");
    });
    let mut word = [0xffu8; 32];
    word[..2].copy_from_slice(&[0x12, 0x34]);
    assert_eq!(out.stack, vec![w(1u64), U256::from_be_bytes(word)]);
}
