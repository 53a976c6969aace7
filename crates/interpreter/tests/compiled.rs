//! The compiled tier against the interpreter: random programs weighted toward what translation
//! changes (static and dynamic jumps to valid and invalid targets, loops, fused push runs, PC
//! and GAS, calls that suspend and resume), run with gas limits that put the out-of-gas halt at
//! every opcode, and with stacks that fail at block boundaries. [`Ctx::run_resumed`] runs every
//! program in the fast and tracing interpreters and in the compiled tier and asserts that the
//! compiled tier has the fast runner's status and, unless it halted, its gas, refund, stack,
//! memory, output, request and host effects (storage, logs, ...).

mod common;

use common::*;
use kestrel_interpreter::{Buffers, Frame, FrameRequest, Status};
use kestrel_primitives::{SpecId, U256};
use proptest::prelude::*;

/// The caller loop, once: calls succeed with half their gas back, creates fail.
fn resume(frame: &mut Frame, buffers: &mut Buffers) {
    match frame.request().cloned() {
        Some(FrameRequest::Call(req)) => {
            buffers.return_data = vec![7; 3];
            frame.finish_call(buffers, true, req.gas_limit / 2, 0).expect("the frame waits for its child");
        }
        Some(FrameRequest::Create(req)) => {
            frame.finish_create(None, req.gas_limit / 2, 0).expect("the frame waits for its child")
        }
        None => {}
    }
}

#[derive(Clone, Debug)]
enum Piece {
    /// An opcode from a pool biased to cheap stack and control opcodes.
    Op(u8),
    /// PUSHn of a small value.
    Push(u8, u64),
    /// A run of PUSH1s (fused by translation).
    Pushes(u8),
    JumpDest,
    /// PUSH2 <k-th JUMPDEST> JUMP/JUMPI: a static jump.
    Static(usize, bool),
    /// PUSH2 <k-th JUMPDEST>, DUP1, POP, JUMP/JUMPI: a dynamic jump.
    Dynamic(usize, bool),
    /// PUSH2 <a byte that is not a JUMPDEST> JUMP/JUMPI.
    Invalid(u16, bool),
    /// A loop: counter, JUMPDEST, body, decrement, JUMPI back while non-zero.
    Loop(u8, Vec<u8>),
    /// DUPn and a binary operator (fused by translation for the operators it fuses).
    DupOp(u8, u8),
    /// PUSHn of a value and a binary operator (fused when the value is below 2^64).
    PushOp(u8, u64, u8),
    /// A CALL to a precompile-like address with small arguments (suspends the frame).
    Call,
}

fn op() -> impl Strategy<Value = u8> {
    use kestrel_bytecode::opcode::*;
    let pool = vec![
        ADD,
        MUL,
        SUB,
        DIV,
        LT,
        GT,
        EQ,
        ISZERO,
        AND,
        OR,
        NOT,
        SHL,
        POP,
        DUP1,
        DUP2,
        DUP3,
        SWAP1,
        SWAP2,
        PC,
        GAS,
        MSIZE,
        MLOAD,
        MSTORE,
        SLOAD,
        SSTORE,
        CALLDATALOAD,
        PUSH0,
        EXP,
        KECCAK256,
        STOP,
        RETURN,
        REVERT,
        0x0c,
        0xfe,
        LOG1,
        TLOAD,
        TSTORE,
    ];
    proptest::sample::select(pool)
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        8 => op().prop_map(Piece::Op),
        4 => (1u8..=32, 0u64..80).prop_map(|(n, v)| Piece::Push(n, v)),
        2 => (2u8..12).prop_map(Piece::Pushes),
        2 => Just(Piece::JumpDest),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(k, c)| Piece::Static(k, c)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(k, c)| Piece::Dynamic(k, c)),
        1 => (any::<u16>(), any::<bool>()).prop_map(|(t, c)| Piece::Invalid(t, c)),
        1 => (1u8..6, proptest::collection::vec(op(), 0..6)).prop_map(|(n, body)| Piece::Loop(n, body)),
        1 => Just(Piece::Call),
        3 => (1u8..=16, binary_op()).prop_map(|(n, op)| Piece::DupOp(n, op)),
        3 => (1u8..=32, any::<u64>(), binary_op()).prop_map(|(n, v, op)| Piece::PushOp(n, v, op)),
    ]
}

/// The operators translation fuses with a DUPn before them, and some it does not.
fn binary_op() -> impl Strategy<Value = u8> {
    use kestrel_bytecode::opcode::*;
    proptest::sample::select(vec![
        ADD, SUB, MUL, LT, GT, SLT, SGT, EQ, AND, OR, XOR, DIV, BYTE, SHL, SHR, SAR,
    ])
}

fn program() -> impl Strategy<Value = Vec<Piece>> {
    let prefix = proptest::collection::vec((0u64..40).prop_map(|v| Piece::Push(1, v)), 0..10);
    (prefix, proptest::collection::vec(piece(), 0..60)).prop_map(|(mut a, b)| {
        // The harness resumes one call: a second one would leave the tracing runner suspended
        // where the fast runner's run check may already have halted (with the same effects).
        let mut calls = 0;
        a.extend(b.into_iter().map(|p| match p {
            Piece::Call if calls > 0 => Piece::Op(kestrel_bytecode::opcode::ADD),
            Piece::Call => {
                calls += 1;
                p
            }
            p => p,
        }));
        a
    })
}

fn size(p: &Piece) -> usize {
    match p {
        Piece::Op(_) => 1,
        Piece::Push(n, _) => 1 + *n as usize,
        Piece::Pushes(k) => 2 * *k as usize,
        Piece::JumpDest => 1,
        Piece::Static(..) | Piece::Invalid(..) => 4,
        Piece::Dynamic(..) => 6,
        // PUSH1 n, JUMPDEST, body, PUSH1 1, SWAP1, SUB, DUP1, PUSH2 l, JUMPI, POP
        Piece::Loop(_, body) => 2 + 1 + body.len() + 2 + 1 + 1 + 1 + 3 + 1 + 1,
        // 7 PUSH1s and CALL
        Piece::Call => 15,
        Piece::DupOp(..) => 2,
        Piece::PushOp(n, ..) => 2 + *n as usize,
    }
}

fn assemble(pieces: &[Piece]) -> Vec<u8> {
    use kestrel_bytecode::opcode::*;
    let mut dests = Vec::new();
    let mut pc = 0;
    for p in pieces {
        if let Piece::JumpDest = p {
            dests.push(pc);
        }
        pc += size(p);
    }
    let dest = |k: usize| if dests.is_empty() { 0 } else { dests[k % dests.len()] as u64 };
    let jump = |c: bool| if c { JUMPI } else { JUMP };
    let mut asm = Asm::new();
    for p in pieces {
        let start = asm.pc();
        asm = match p {
            Piece::Op(op) => asm.op(*op),
            Piece::Push(n, v) => asm.push_n(*n as usize, *v),
            Piece::Pushes(k) => (0..*k).fold(asm, |a, i| a.push_n(1, i as u64)),
            Piece::JumpDest => asm.jumpdest(),
            Piece::Static(k, c) => asm.push_n(2, dest(*k)).op(jump(*c)),
            Piece::Dynamic(k, c) => asm.push_n(2, dest(*k)).op(DUP1).op(POP).op(jump(*c)),
            Piece::Invalid(t, c) => {
                let t = if dests.contains(&(*t as usize)) { t.wrapping_add(1) } else { *t };
                asm.push_n(2, t as u64).op(jump(*c))
            }
            Piece::Loop(n, body) => {
                let top = asm.pc() + 2;
                let a = asm.push_n(1, *n as u64).jumpdest();
                body.iter()
                    .fold(a, |a, op| a.op(*op))
                    .push_n(1, 1u64)
                    .op(SWAP1)
                    .op(SUB)
                    .op(DUP1)
                    .push_n(2, top as u64)
                    .op(JUMPI)
                    .op(POP)
            }
            Piece::DupOp(n, op) => asm.op(DUP1 + n - 1).op(*op),
            Piece::PushOp(n, v, op) => asm.push_n(*n as usize, *v).op(*op),
            Piece::Call => {
                // gas, to, value, in offset, in len, out offset, out len (pushed in reverse).
                [0u64, 0, 2, 0, 0, 4, 100].iter().fold(asm, |a, v| a.push_n(1, *v)).op(CALL)
            }
        };
        debug_assert_eq!(asm.pc() - start, size(p), "{p:?}");
    }
    asm.build()
}

/// Runs `code` with `gas` in `spec`: the harness compares all runners.
fn check(spec: SpecId, code: &[u8], gas: u64) -> Outcome {
    Ctx::new(spec).gas(gas).input(&[1, 2, 3, 4]).run_resumed(code, resume)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random programs with plenty of gas, then with the out-of-gas halt put at each of the
    /// first opcodes the tracing runner saw (a limit one below what that opcode needs), up to
    /// the first call.
    #[test]
    fn compiled_matches_interpreter(pieces in program(), latest in any::<bool>()) {
        let code = assemble(&pieces);
        let spec = if latest { SpecId::LATEST } else { SpecId::Istanbul };
        let full = check(spec, &code, 200_000);
        let limit = full.gas_limit;
        for step in full.trace.iter().take(80) {
            // After a call resumes, the child's unspent gas is back: stop there.
            if step.status.is_some() {
                break;
            }
            let cost = step.gas_before - step.gas_after;
            if cost == 0 {
                continue;
            }
            // Usually an out-of-gas halt at this step (not always: GAS may feed what the step
            // costs); the harness compares the tiers either way.
            let before = limit - step.gas_before;
            check(spec, &code, before + cost - 1);
        }
    }
}

/// The stack checks where control arrives: underflow at a jump target, overflow from a loop
/// that pushes, both in a block entered by a static jump, a dynamic jump and a fall-through.
#[test]
fn stack_errors_at_block_boundaries() {
    use kestrel_bytecode::opcode::*;
    let programs = [
        // A jump to a block that pops more than there is.
        Asm::new().push(1u64).jump("b").label("b").ops(&[POP, POP, STOP]).build(),
        // The same through a dynamic jump and a JUMPI fall-through.
        Asm::new().push_label("b").op(DUP1).op(POP).op(JUMP).label("b").ops(&[POP, STOP]).build(),
        Asm::new().push(0u64).push(0u64).jumpi("b").ops(&[POP, POP, STOP]).label("b").op(STOP).build(),
        // A loop that pushes three items per iteration until the stack overflows.
        Asm::new().label("l").push(1u64).push(2u64).push(3u64).jump("l").build(),
        // A loop that pushes through a fused run with PC.
        Asm::new().label("l").op(PC).push(2u64).op(PC).op(DUP1).push(1u64).jumpi("l").build(),
    ];
    for code in programs {
        for spec in [SpecId::Frontier, SpecId::LATEST] {
            for gas in [0, 3, 30, 1_000_000] {
                let out = check(spec, &code, gas);
                assert!(out.status.is_halt(), "{:?}", out.status);
            }
        }
    }
}

/// GAS and PC read exact values in the compiled tier (GAS after fused pushes and a static
/// jump, PC inside a fused run), and a loop charges exactly what the interpreter charges.
#[test]
fn gas_pc_and_loops_are_exact() {
    use kestrel_bytecode::opcode::*;
    let code = Asm::new()
        .push(5u64)
        .label("l")
        .push(1u64)
        .op(SWAP1)
        .op(SUB)
        .op(DUP1)
        .jumpi("l")
        .push(1u64)
        .op(PC)
        .push(3u64)
        .op(GAS)
        .jump("end")
        .label("end")
        .op(GAS)
        .op(STOP)
        .build();
    for gas in [100_000, 200, 130, 100, 60] {
        let out = check(SpecId::LATEST, &code, gas);
        if out.status == Status::Stop {
            assert_eq!(out.stack[2], U256::from(14), "PC");
        }
    }
}

/// Fused operators of a later fork halt as undefined where the plain opcode would: a push or a
/// DUPn + SHL/SHR before Constantinople, in every runner.
#[test]
fn fused_shifts_before_constantinople_are_undefined() {
    use kestrel_bytecode::opcode::*;
    for (code, result) in [
        // 1 << 2
        (Asm::new().push(1u64).push(2u64).op(SHL).op(STOP).build(), 4u64),
        // 1 >> 1
        (Asm::new().push(1u64).op(DUP1).op(SHR).op(STOP).build(), 0),
    ] {
        assert_eq!(check(SpecId::Byzantium, &code, 100_000).status, Status::InvalidOpcode);
        let out = check(SpecId::Constantinople, &code, 100_000);
        assert_eq!((out.status, out.stack), (Status::Stop, vec![U256::from(result)]));
    }
}
