//! Fuzz-style properties: random byte strings, and random programs biased toward valid opcodes,
//! small operands, pushes and jumps to real JUMPDESTs, run in every fork with bounded gas through
//! both runners (and inside a parent memory window), resuming once after a CALL or CREATE with a
//! made-up child result. The harness asserts the runners agree; here we add that nothing panics,
//! gas stays within the limit, and on success or revert the tracing runner's per-step charges add
//! up to the gas used.

mod common;

use common::MockHost;
use common::*;
use kestrel_interpreter::{Buffers, Frame, FrameRequest, Status, static_gas};
use kestrel_primitives::{B256, Bytes, SpecId, U256};
use proptest::prelude::*;

/// A world with a little of everything for state opcodes to find.
fn world(spec: SpecId, gas: u64, is_static: bool) -> Ctx {
    let mut ctx = Ctx::new(spec).gas(gas).input(&[0x11, 0x22, 0x33, 0x44, 0x55]);
    ctx.is_static = is_static;
    ctx.value = w(3u64);
    ctx.return_data = (0..20).collect();
    let h: &mut MockHost = &mut ctx.host;
    h.block.number = 300;
    h.block.timestamp = 99;
    h.block.prevrandao = Some(B256::repeat_byte(9));
    h.chain_id = 1;
    h.tx.blob_hashes = vec![B256::repeat_byte(1)];
    for (i, addr) in [ME, OTHER, CALLER_ADDR].into_iter().enumerate() {
        h.balances.insert(addr, w(1000u64 * i as u64));
    }
    h.code.insert(OTHER, Bytes::from_static(&[0x60, 0x00, 0x5b, 0x00]));
    h.storage.insert((ME, U256::ZERO), w(1u64));
    h.storage.insert((ME, w(1u64)), w(2u64));
    for n in 0..300u64 {
        h.block_hashes.insert(n, B256::from(U256::from(n)));
    }
    ctx
}

/// Checks one run (the harness already compared the runners).
fn check(out: &Outcome) -> Result<(), TestCaseError> {
    prop_assert!(out.gas_left <= out.gas_limit);
    let resumed = out.trace.iter().any(|s| matches!(s.status, Some(Status::Call | Status::Create)));
    if !out.status.is_halt() && !resumed {
        let charged: u64 = out.trace.iter().map(|s| s.cost()).sum();
        prop_assert_eq!(charged, out.gas_used(), "per-step charges add up ({:?})", out.status);
    }
    if matches!(out.status, Status::Call | Status::Create) {
        prop_assert!(out.request.is_some());
    } else {
        prop_assert!(out.request.is_none());
    }
    Ok(())
}

/// Plays the caller loop once: the child returns half its gas and a few bytes of output; CALLs
/// succeed, CREATEs alternate between an address and failure by the child's gas parity.
fn resume(frame: &mut Frame, buffers: &mut Buffers) {
    match frame.request().cloned() {
        Some(FrameRequest::Call(req)) => {
            buffers.return_data = (0..(req.gas_limit % 40) as u8).collect();
            frame
                .finish_call(buffers, req.gas_limit % 3 != 0, req.gas_limit / 2, 10)
                .expect("the frame waits for its child");
        }
        Some(FrameRequest::Create(req)) => {
            let created = (req.gas_limit % 2 == 0).then_some(OTHER);
            buffers.return_data = if created.is_some() { Vec::new() } else { vec![0xfe; 5] };
            frame.finish_create(created, req.gas_limit / 2, 10).expect("the frame waits for its child");
        }
        None => {}
    }
}

fn run_everywhere(code: &[u8], gas: u64, is_static: bool) -> Result<(), TestCaseError> {
    for spec in SpecId::ALL {
        let out = world(spec, gas, is_static).run_resumed(code, resume);
        check(&out)?;
    }
    Ok(())
}

/// Gas limits: mostly modest, some tiny (to hit out-of-gas everywhere), some larger.
fn gas() -> impl Strategy<Value = u64> {
    prop_oneof![2 => 0u64..200, 5 => 200u64..30_000, 2 => 30_000u64..150_000]
}

/// Every byte some fork defines.
fn defined_op() -> impl Strategy<Value = u8> {
    let ops: Vec<u8> = (0..=255u8).filter(|&op| static_gas(SpecId::LATEST, op).is_some()).collect();
    proptest::sample::select(ops)
}

/// One piece of a biased program.
#[derive(Clone, Debug)]
enum Piece {
    Op(u8),
    /// PUSHn of a value that is usually small (a plausible offset, length or jump target).
    Push(u8, U256),
    JumpDest,
    /// PUSH2 <the k-th JUMPDEST (mod count)> then JUMP or JUMPI.
    Jump(usize, bool),
}

fn piece() -> impl Strategy<Value = Piece> {
    let small = prop_oneof![
        6 => (0u64..70).prop_map(U256::from),
        2 => (0u64..3000).prop_map(U256::from),
        1 => any::<[u64; 4]>().prop_map(U256::from_limbs),
        1 => Just(U256::MAX),
    ];
    prop_oneof![
        6 => defined_op().prop_map(Piece::Op),
        6 => (1u8..=32, small).prop_map(|(n, v)| Piece::Push(n, v)),
        1 => Just(Piece::JumpDest),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(k, cond)| Piece::Jump(k, cond)),
    ]
}

/// A program: a run of small pushes (so most opcodes find operands), then random pieces.
fn program() -> impl Strategy<Value = Vec<Piece>> {
    let prefix = proptest::collection::vec((0u64..64).prop_map(|v| Piece::Push(1, U256::from(v))), 0..16);
    (prefix, proptest::collection::vec(piece(), 0..120)).prop_map(|(mut a, b)| {
        a.extend(b);
        a
    })
}

/// Lays the pieces out; jumps go to real JUMPDESTs (falling back to pc 0 when there are none).
fn assemble(pieces: &[Piece]) -> Vec<u8> {
    // JUMPDEST positions depend only on sizes, which jumps fix at 4 bytes (PUSH2 xx xx JUMP).
    let mut dests = Vec::new();
    let mut pc = 0usize;
    for p in pieces {
        match p {
            Piece::Op(_) => pc += 1,
            Piece::Push(n, _) => pc += 1 + *n as usize,
            Piece::JumpDest => {
                dests.push(pc);
                pc += 1;
            }
            Piece::Jump(..) => pc += 4,
        }
    }
    let mut asm = Asm::new();
    for p in pieces {
        asm = match p {
            Piece::Op(op) => asm.op(*op),
            Piece::Push(n, v) => asm.push_n(*n as usize, *v),
            Piece::JumpDest => asm.jumpdest(),
            Piece::Jump(k, cond) => {
                let target = if dests.is_empty() { 0 } else { dests[k % dests.len()] as u64 };
                asm.push_n(2, target).op(if *cond { JUMPI } else { JUMP })
            }
        };
    }
    asm.build()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(code in proptest::collection::vec(any::<u8>(), 0..300), gas in gas(), is_static in proptest::bool::weighted(0.2)) {
        run_everywhere(&code, gas, is_static)?;
    }

    #[test]
    fn random_programs(pieces in program(), gas in gas(), is_static in proptest::bool::weighted(0.2)) {
        let code = assemble(&pieces);
        run_everywhere(&code, gas, is_static)?;
    }
}

/// A CALL or CREATE ends a straight-line run: it happens even when a later opcode of the same
/// run is short of stack items or gas, in the fast runner as in the traced one (the child's
/// effects can outlive the frame's failure: the RIPEMD-160 touch before Paris).
#[test]
fn calls_happen_before_a_later_shortfall() {
    let mut call = Asm::new();
    for _ in 0..7 {
        call = call.push(0u64);
    }
    let call = call.op(CALL);
    let mut create = Asm::new();
    for _ in 0..3 {
        create = create.push(0u64);
    }
    let create = create.op(CREATE);
    // Short of stack after the call (ADD needs two items), and of gas (a long run of MULMOD).
    let programs = [
        call.clone().op(ADD).build(),
        call.clone().op(POP).push(1u64).op(ADD).build(),
        create.clone().op(ADD).build(),
        (0..2000).fold(call, |a, _| a.op(MSIZE).op(MSIZE).op(MSIZE).op(MULMOD).op(POP)).build(),
        (0..2000).fold(create, |a, _| a.op(MSIZE).op(MSIZE).op(MSIZE).op(MULMOD).op(POP)).build(),
    ];
    for code in &programs {
        run_everywhere(code, 40_000, false).unwrap();
        for spec in SpecId::ALL.into_iter().filter(|s| s.is_enabled_in(SpecId::TangerineWhistle)) {
            let out = world(spec, 40_000, false).run(code);
            assert!(
                matches!(out.status, Status::Call | Status::Create),
                "{spec:?}: the frame stopped with {:?} before its CALL/CREATE",
                out.status
            );
        }
    }
}

/// Programs that are known to run long: tight loops must stop on gas in every fork.
#[test]
fn loops_run_out_of_gas() {
    let loops = [
        Asm::new().label("l").jump("l").build(),
        Asm::new().label("l").push(1u64).op(POP).push(1u64).jumpi("l").build(),
        Asm::new().label("l").op(MSIZE).op(MLOAD).op(POP).jump("l").build(),
        Asm::new().label("l").push(0u64).op(SLOAD).op(POP).jump("l").build(),
    ];
    for code in loops {
        for spec in SpecId::ALL {
            let out = world(spec, 50_000, false).run(&code);
            out.expect(Status::OutOfGas);
        }
    }
}
