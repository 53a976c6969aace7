//! STOP, JUMP, JUMPI, PC, GAS, JUMPDEST, RETURN, REVERT, INVALID, undefined opcodes, running off
//! the end of the code, and the gas boundary of straight-line code.

mod common;

use std::sync::Arc;

use common::MockHost;
use common::*;
use kestrel_bytecode::Bytecode;
use kestrel_interpreter::{Buffers, Frame, Stack, Status, run};
use kestrel_primitives::{SpecId, U256};

#[test]
fn empty_code_stops_for_free() {
    let out = exec(SpecId::Osaka, &[]);
    out.expect(Status::Stop);
    assert_eq!(out.gas_used(), 0);
}

#[test]
fn running_off_the_end_is_stop() {
    let out = exec(SpecId::Frontier, &Asm::new().push(1u64).push(2u64).op(ADD).build());
    out.expect(Status::Stop);
    assert_eq!(out.stack, vec![w(3u64)]);
    assert_eq!(out.gas_used(), 9);
}

#[test]
fn jump_to_a_jumpdest() {
    // PUSH1 4, JUMP, INVALID, JUMPDEST, PUSH1 1
    let code = [PUSH1, 4, JUMP, INVALID, JUMPDEST, PUSH1, 1];
    let out = exec(SpecId::Frontier, &code);
    out.expect(Status::Stop);
    assert_eq!(out.stack, vec![w(1u64)]);
    assert_eq!(out.gas_used(), 3 + 8 + 1 + 3);
}

#[test]
fn jump_targets_that_are_not_jumpdests() {
    // Into PUSH data: PUSH1 4, JUMP, PUSH1 0x5b (the 0x5b at 4 is data), JUMPDEST at 5.
    let into_data = [PUSH1, 4, JUMP, PUSH1, JUMPDEST, JUMPDEST];
    exec(SpecId::Osaka, &into_data).expect(Status::InvalidJump);
    // The real JUMPDEST right after it is fine.
    exec(SpecId::Osaka, &[PUSH1, 5, JUMP, PUSH1, JUMPDEST, JUMPDEST]).expect(Status::Stop);
    // Deeper inside a PUSH32.
    let mut code = vec![PUSH1, 10, JUMP, PUSH32];
    code.extend([JUMPDEST; 32]);
    exec(SpecId::Osaka, &code).expect(Status::InvalidJump);
    // Onto an ordinary opcode.
    exec(SpecId::Osaka, &[PUSH1, 3, JUMP, ADD]).expect(Status::InvalidJump);
    // Past the end of the code, onto the padding STOP, and far away.
    for target in [w(4u64), w(5u64), w(1000u64), pow2(64), U256::MAX] {
        let code = Asm::new().push(target).op(JUMP).jumpdest().build();
        let len = code.len() as u64;
        if target != w(len - 1) {
            exec(SpecId::Osaka, &code).expect(Status::InvalidJump);
        }
    }
    // A 0x5b that a truncated PUSH at the end swallows is not a destination either.
    exec(SpecId::Osaka, &[PUSH1, 4, JUMP, PUSH2, JUMPDEST]).expect(Status::InvalidJump);
}

#[test]
fn jumpi_jumps_only_on_non_zero() {
    let code = |cond: u64| {
        Asm::new().push(cond).jumpi("yes").push(0xaau64).op(STOP).label("yes").push(0xbbu64).op(STOP).build()
    };
    let out = exec(SpecId::Frontier, &code(0));
    assert_eq!(out.stack, vec![w(0xaau64)]);
    assert_eq!(out.gas_used(), 3 + 3 + 10 + 3);
    let out = exec(SpecId::Frontier, &code(2));
    assert_eq!(out.stack, vec![w(0xbbu64)]);
    assert_eq!(out.gas_used(), 3 + 3 + 10 + 1 + 3);
    // A false condition ignores even an invalid target.
    exec(SpecId::Osaka, &Asm::new().push(0u64).push(U256::MAX).op(JUMPI).op(STOP).build())
        .expect(Status::Stop);
    exec(SpecId::Osaka, &Asm::new().push(1u64).push(U256::MAX).op(JUMPI).op(STOP).build())
        .expect(Status::InvalidJump);
    exec(SpecId::Osaka, &Asm::new().push(1u64).op(JUMPI).build()).expect(Status::StackUnderflow);
}

#[test]
fn a_counting_loop() {
    // sum = 0; for i = 10; i != 0; i-- { sum += i }
    let code = Asm::new()
        .push(0u64) // sum
        .push(10u64) // i
        .label("loop")
        .op(DUP1)
        .op(ISZERO)
        .jumpi("done")
        .op(DUP1) // sum i i
        .op(SWAP2) // i i sum
        .op(ADD) // i sum'
        .op(SWAP1) // sum' i
        .push(1u64)
        .op(SWAP1)
        .op(SUB) // sum' i-1
        .jump("loop")
        .label("done")
        .op(POP)
        .ret_top()
        .build();
    let out = exec(SpecId::Osaka, &code);
    out.expect(Status::Return);
    assert_eq!(U256::from_be_slice(&out.output), w(55u64));
    // Every executed step is priced by the table, so the total is the sum of the trace.
    let total: u64 = out.trace.iter().map(|s| s.cost()).sum();
    assert_eq!(total, out.gas_used());
}

#[test]
fn pc_and_gas() {
    let out = exec(SpecId::Osaka, &[PC, PUSH1, 0, PC, JUMPDEST, PC]);
    assert_eq!(out.stack, vec![w(0u64), w(0u64), w(3u64), w(5u64)]);
    // GAS pushes what is left after paying its own 2.
    let out = Ctx::new(SpecId::Osaka).gas(1000).run(&[PUSH1, 0, GAS]);
    assert_eq!(out.top(), w(1000u64 - 3 - 2));
    assert_eq!(out.gas_left, 995);
}

#[test]
fn return_and_revert_hand_back_memory() {
    for (op, status) in [(RETURN, Status::Return), (REVERT, Status::Revert)] {
        let code =
            Asm::new().push(0xdead_beefu64).push(0u64).op(MSTORE).push(4u64).push(28u64).op(op).build();
        let out = exec(SpecId::Byzantium, &code);
        out.expect(status);
        assert_eq!(out.output, vec![0xde, 0xad, 0xbe, 0xef]);
        // Four pushes, MSTORE 3 + one word of memory 3; the output lies inside it.
        assert_eq!(out.gas_used(), 4 * 3 + 3 + 3, "{status:?}");
    }
    // The output range is memory too: it is expanded and paid for.
    let out = exec(SpecId::Osaka, &Asm::new().push(33u64).push(0u64).op(RETURN).build());
    out.expect(Status::Return);
    assert_eq!(out.output, vec![0u8; 33]);
    assert_eq!(out.memory.len(), 64);
    assert_eq!(out.gas_used(), 6 + 6);
    // An empty output needs no memory, whatever the offset.
    let out = exec(SpecId::Osaka, &Asm::new().push(0u64).push(U256::MAX).op(REVERT).build());
    out.expect(Status::Revert);
    assert!(out.output.is_empty() && out.memory.is_empty());
    assert_eq!(out.gas_used(), 6);
    // An unpayable range halts.
    exec(SpecId::Osaka, &Asm::new().push(1u64).push(U256::MAX).op(RETURN).build()).expect(Status::OutOfGas);
    exec(SpecId::Osaka, &Asm::new().push(U256::MAX).push(0u64).op(RETURN).build()).expect(Status::OutOfGas);
}

#[test]
fn revert_keeps_the_remaining_gas() {
    let out = Ctx::new(SpecId::Osaka).gas(100).run(&Asm::new().push(0u64).push(0u64).op(REVERT).build());
    out.expect(Status::Revert);
    assert_eq!(out.gas_left, 94);
}

#[test]
fn invalid_and_undefined_opcodes() {
    exec(SpecId::Osaka, &[INVALID]).expect(Status::InvalidFe);
    for op in [0x0c, 0x0f, 0x1f, 0x21, 0x2f, 0x4b, 0x4f, 0xa5, 0xef, 0xf6, 0xf9, 0xfb, 0xfc] {
        for spec in SpecId::ALL {
            exec(spec, &[op]).expect(Status::InvalidOpcode);
        }
    }
}

/// The fast runner checks accumulated static gas only at flush opcodes; the boundary is still
/// exact: n PUSHes then STOP need exactly 3n.
#[test]
fn straight_line_code_runs_out_of_gas_exactly_at_the_limit() {
    for n in [1u64, 2, 10, 100] {
        let code = (0..n).fold(Asm::new(), |a, _| a.push(1u64)).op(STOP).build();
        let out = Ctx::new(SpecId::Osaka).gas(3 * n).run(&code);
        out.expect(Status::Stop);
        assert_eq!(out.gas_left, 0);
        Ctx::new(SpecId::Osaka).gas(3 * n - 1).run(&code).expect(Status::OutOfGas);
        // Running off the end instead of STOP must be caught as well.
        let code = (0..n).fold(Asm::new(), |a, _| a.push(1u64)).build();
        Ctx::new(SpecId::Osaka).gas(3 * n - 1).run(&code).expect(Status::OutOfGas);
    }
    // A deficit followed by a stack error: both runners halt (the tracing one on gas).
    let code = Asm::new().push(1u64).op(ADD).build();
    let out = Ctx::new(SpecId::Osaka).gas(2).run(&code);
    out.expect(Status::OutOfGas);
}

#[test]
fn jumpdest_costs_one() {
    let out = exec(SpecId::Frontier, &[JUMPDEST, JUMPDEST, JUMPDEST]);
    out.expect(Status::Stop);
    assert_eq!(out.gas_used(), 3);
}

/// An underfunded frame must not run a long straight-line block before noticing (work bounded
/// by gas): the fast runner halts where control arrives at a run whose static gas the frame
/// cannot pay, before its first opcode, and so with the pc at the run's start. Control arrives
/// at pc 0, at a jump's target and after a JUMPI that falls through.
#[test]
fn an_unaffordable_block_halts_before_it_runs() {
    let mulmods = |mut asm: Asm| {
        // 3,000 × 19 gas stays below the analysis' u16 saturation, so the check is exact here.
        for _ in 0..3_000 {
            asm = asm.op(DUP3).op(DUP3).op(DUP3).op(MULMOD).op(POP);
        }
        asm
    };
    let block_gas = 3_000 * (3 * 3 + 8 + 2);
    let seed = || Asm::new().push(1u64).push(2u64).push(3u64);
    let cases = [
        // (code, gas spent before the block, pc where the block starts, the block's gas)
        (mulmods(seed()).build(), 0, 0, 9 + block_gas),
        (mulmods(seed().push(0u64).push(0u64).op(JUMPI)).build(), 9 + 6 + 10, 11, block_gas),
        (mulmods(seed().push(9u64).op(JUMP).op(JUMPDEST)).build(), 9 + 3 + 8, 9, 1 + block_gas),
    ];
    for (code, prefix, start, block) in cases {
        let code = Arc::new(Bytecode::new(&code));
        for short in [0, 1, 100, block / 2, block - 1] {
            let (mut frame, mut buffers) = fresh_frame(&code, prefix + short);
            let status = run(&mut frame, &mut buffers, &mut MockHost::default());
            assert_eq!(status, Status::OutOfGas, "start {start}, gas {short}");
            assert_eq!(frame.pc(), start, "start {start}, gas {short}: the block did not run");
        }
        // With enough gas the same block runs to its end.
        let (mut frame, mut buffers) = fresh_frame(&code, prefix + block);
        assert_eq!(run(&mut frame, &mut buffers, &mut MockHost::default()), Status::Stop, "start {start}");
        assert_eq!(frame.gas.remaining(), 0, "start {start}");
    }
}

fn fresh_frame(code: &Arc<Bytecode>, gas: u64) -> (Frame, Buffers) {
    let init = frame_init(code.clone(), SpecId::Osaka, gas, 0..0);
    let buffers = Buffers::default();
    (Frame::new(Stack::new(), init, &buffers).expect("empty call data"), buffers)
}

/// `Frame::new` refuses call data outside the buffers, and `run` refuses buffers that do not
/// hold the frame's windows: misuse of the API is an error, never a panic or a wild read.
#[test]
fn frames_and_buffers_that_do_not_match_are_refused() {
    let code = Arc::new(Bytecode::new(&Asm::new().push(0u64).op(CALLDATALOAD).op(MSIZE).build()));
    let init = |input| frame_init(code.clone(), SpecId::Osaka, 100_000, input);
    let mut buffers = Buffers::default();
    buffers.memory = vec![7; 64];
    assert!(Frame::new(Stack::new(), init(60..70), &buffers).is_err());
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 10..5;
    assert!(Frame::new(Stack::new(), init(backwards), &buffers).is_err());

    let mut frame = Frame::new(Stack::new(), init(32..64), &buffers).expect("inside memory");
    assert_eq!((frame.memory_base(), frame.input_range()), (64, (32, 32)));
    // Other buffers, even with the same contents, or with room for the frame's windows.
    let mut same_bytes = Buffers::default();
    same_bytes.memory = vec![7; 64];
    let mut longer = Buffers::default();
    longer.memory = vec![7; 128];
    for mut wrong in [same_bytes, longer, Buffers::default()] {
        assert!(!frame.fits(&wrong));
        assert_eq!(run(&mut frame, &mut wrong, &mut MockHost::default()), Status::BuffersMismatch);
        assert_eq!(frame.pc(), 0, "nothing ran");
    }
    // Its own buffers once they lost the frame's memory.
    let kept = core::mem::replace(&mut buffers.memory, vec![7; 16]);
    assert!(!frame.fits(&buffers));
    assert_eq!(run(&mut frame, &mut buffers, &mut MockHost::default()), Status::BuffersMismatch);
    buffers.memory = kept;
    assert_eq!(run(&mut frame, &mut buffers, &mut MockHost::default()), Status::Stop);
    // CALLDATALOAD read the caller's bytes 32..64; the frame's own memory is empty.
    assert_eq!(frame.stack().as_slice(), &[U256::from_be_bytes([7u8; 32]), U256::ZERO]);
}

/// Halts the frame before the first opcode it is shown with byte `at`, and records what it saw.
struct HaltAt {
    at: u8,
    steps: Vec<(usize, u8)>,
    ends: Vec<(u8, Option<Status>)>,
}

impl kestrel_interpreter::Tracer for HaltAt {
    fn step(&mut self, frame: &Frame, _: &Buffers, op: u8) -> kestrel_interpreter::Control {
        self.steps.push((frame.pc(), op));
        if op == self.at {
            kestrel_interpreter::Control::Halt
        } else {
            kestrel_interpreter::Control::Continue
        }
    }

    fn step_end(&mut self, _: &Frame, _: &Buffers, op: u8, status: Option<Status>) {
        self.ends.push((op, status));
    }
}

/// A frame at depth 0 running `code` with `gas`, and its buffers.
fn traced_frame(code: &[u8], gas: u64) -> (Frame, Buffers) {
    let buffers = Buffers::default();
    let init = frame_init(Arc::new(Bytecode::new(code)), SpecId::Osaka, gas, 0..0);
    (Frame::new(Stack::new(), init, &buffers).expect("empty call data"), buffers)
}

#[test]
fn a_tracer_halts_the_frame_before_the_opcode_runs() {
    let code = Asm::new().push(1u64).push(2u64).op(ADD).op(SSTORE).build();
    let (mut frame, mut buffers) = traced_frame(&code, 100_000);
    let mut host = MockHost::default();
    let mut tracer = HaltAt { at: ADD, steps: Vec::new(), ends: Vec::new() };
    let status = kestrel_interpreter::run_traced(&mut frame, &mut buffers, &mut host, &mut tracer);
    assert_eq!(status, Status::Interrupted);
    assert!(status.is_halt(), "an interrupted frame halts exceptionally");
    // Stopped at ADD: the two pushes ran, ADD did not (both items still there, pc on it).
    assert_eq!(tracer.steps, vec![(0, PUSH1), (2, PUSH1), (4, ADD)]);
    assert_eq!(tracer.ends, vec![(PUSH1, None), (PUSH1, None), (ADD, Some(Status::Interrupted))]);
    assert_eq!(frame.pc(), 4);
    assert_eq!(frame.stack().len(), 2);
    assert_eq!(frame.gas.remaining(), 100_000 - 6, "ADD was not charged");

    // A tracer that never halts changes nothing: the same code runs to its end.
    let (mut frame, mut buffers) = traced_frame(&code, 100_000);
    let mut tracer = HaltAt { at: 0xfe, steps: Vec::new(), ends: Vec::new() };
    let status = kestrel_interpreter::run_traced(&mut frame, &mut buffers, &mut host, &mut tracer);
    assert_eq!(status, Status::StackUnderflow, "SSTORE of one item");
    assert_eq!(tracer.steps.len(), 4);
}
