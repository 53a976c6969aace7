//! Translation tests: fusion, static jumps, entries and segment charges.

use super::*;
use crate::opcode::*;

fn translate(code: &[u8]) -> Program {
    Program::translate(&Bytecode::new(code)).expect("short code")
}

fn kinds(p: &Program) -> Vec<u8> {
    p.insts().iter().map(|i| i.kind).collect()
}

#[test]
fn push_runs_fuse_and_jumps_resolve() {
    // 0: PUSH1 1, PUSH1 2, PUSH32 x, PUSH1 40, JUMP | 40: JUMPDEST, STOP
    let mut code = vec![PUSH1, 1, PUSH1, 2, PUSH32];
    code.extend([0xff; 32]);
    code.extend([PUSH1, 40, JUMP, JUMPDEST, STOP]);
    let p = translate(&code);
    assert_eq!(kinds(&p), vec![kind::PUSH_RUN, kind::JUMP_STATIC, STOP, STOP]);
    assert_eq!(p.insts()[0].count, 3);
    assert_eq!(p.consts()[2], U256::MAX);
    let target = p.entry_at(40).expect("the JUMPDEST is an entry");
    assert!(target.jumpdest);
    assert_eq!(p.insts()[1].a as usize, p.entries().iter().position(|e| e == target).unwrap());
    // Segment charges: 3 pushes + the elided PUSH1 + JUMP = 4*3 + 8; JUMPDEST + STOP = 1.
    assert_eq!(p.entry_at(0).unwrap().charge, 20);
    assert_eq!(target.charge, 1);
    assert_eq!(p.jump_entry(40), Some(target));
    assert_eq!(p.jump_entry(0), None);
}

#[test]
fn invalid_static_targets_halt() {
    // PUSH1 0, JUMP: pc 0 is not a JUMPDEST. PUSH1 200, JUMPI past the end.
    let p = translate(&[PUSH1, 0, JUMP]);
    assert_eq!(kinds(&p), vec![kind::JUMP_INVALID, STOP]);
    let p = translate(&[PUSH1, 1, PUSH1, 200, JUMPI, STOP]);
    assert_eq!(kinds(&p), vec![kind::PUSH_SMALL, kind::JUMPI_INVALID, STOP, STOP]);
    // The fall-through entry is the STOP after the JUMPI.
    let fall = p.entries()[p.insts()[1].a as usize];
    assert_eq!(p.insts()[fall.inst as usize].pc, 5);
}

#[test]
fn arrival_points_split_fusion_and_segments() {
    // PUSH1 1, JUMPDEST, PUSH1 2, ADD, MSTORE(flush), PUSH1 0, GAS(flush), STOP
    let code = [PUSH1, 1, JUMPDEST, PUSH1, 2, ADD, MSTORE, PUSH1, 0, GAS, STOP];
    let p = translate(&code);
    // The JUMPDEST keeps PUSH1 1 apart from what follows; PUSH1 2 + ADD fuse.
    assert_eq!(kinds(&p), vec![kind::PUSH_SMALL, kind::PUSH_ADD, MSTORE, kind::PUSH_SMALL, GAS, STOP, STOP]);
    assert_eq!(p.entry_at(0).unwrap().charge, 3 + 1 + 3 + 3 + 3);
    assert_eq!(p.entry_at(2).unwrap().charge, 1 + 3 + 3 + 3);
    // After MSTORE: PUSH1 + GAS; after GAS: STOP.
    assert_eq!(p.insts()[2].a, 3 + 2);
    assert_eq!(p.insts()[4].a, 0);
}

#[test]
fn calls_are_resume_points_and_dead_code_is_skipped() {
    let code = [PUSH1, 0, CALL, POP, STOP, ADD, ADD, JUMPDEST, STOP];
    let p = translate(&code);
    assert!(p.entry_at(3).is_some(), "the frame resumes after CALL");
    assert!(!p.entry_at(3).unwrap().jumpdest);
    assert!(p.insts().iter().all(|i| i.kind != ADD), "dead code is not translated");
    assert!(p.entry_at(7).unwrap().jumpdest);
}

#[test]
fn truncated_and_undefined_code() {
    let p = translate(&[PUSH2, 1]);
    assert_eq!(kinds(&p), vec![kind::PUSH_SMALL, STOP]);
    assert_eq!(p.insts()[0].a, 0x0100);
    assert_eq!(p.insts()[1].pc, 3, "past the end, as the interpreter's pc");
    let p = translate(&[0x0c, ADD]);
    assert_eq!(kinds(&p), vec![kind::UNDEFINED, STOP]);
    let p = translate(&[]);
    assert_eq!(kinds(&p), vec![STOP]);
}

#[test]
fn long_push_runs_split() {
    let code: Vec<u8> = (0..600).flat_map(|_| [PUSH1, 7]).collect();
    let p = translate(&code);
    let counts: Vec<u8> = p.insts().iter().filter(|i| i.kind == kind::PUSH_RUN).map(|i| i.count).collect();
    assert_eq!(counts, vec![255, 255, 90]);
}

proptest::proptest! {
    /// Any bytes translate; every entry and jump index is in bounds.
    #[test]
    fn any_bytes_translate(code in proptest::collection::vec(
        proptest::prop_oneof![proptest::prelude::Just(JUMPDEST), proptest::prelude::Just(PUSH1),
            proptest::prelude::Just(JUMPI), proptest::prelude::any::<u8>()], 0..400)) {
        let p = translate(&code);
        let (n_inst, n_entry) = (p.insts().len() as u32, p.entries().len() as u32);
        for e in p.entries() {
            proptest::prop_assert!(e.inst < n_inst);
        }
        for i in p.insts() {
            match i.kind {
                kind::JUMP_STATIC | kind::JUMPI_INVALID | JUMPI => proptest::prop_assert!(i.a < n_entry),
                kind::JUMPI_STATIC => proptest::prop_assert!(i.a < n_entry && i.b < n_entry),
                kind::PUSH_RUN => proptest::prop_assert!(i.a as usize + i.count as usize <= p.consts().len()),
                _ => {}
            }
        }
        proptest::prop_assert_eq!(p.insts().last().map(|i| i.kind), Some(STOP));
    }
}

#[test]
fn iszero_jumpi_and_swap1_jump_fuse() {
    // 0: PUSH1 0, ISZERO, PUSH1 8, JUMPI, STOP | 7: STOP? no: 7 is JUMPDEST below.
    let code = [PUSH1, 0, ISZERO, PUSH1, 7, JUMPI, STOP, JUMPDEST, PUSH1, 1, PUSH1, 7, SWAP1, JUMP];
    let p = translate(&code);
    assert_eq!(
        kinds(&p),
        vec![kind::PUSH_SMALL, kind::ISZERO_JUMPI, STOP, kind::PUSH_RUN, kind::SWAP1_JUMP, STOP]
    );
    // Not across an arrival point: ISZERO, JUMPDEST, PUSH1, JUMPI.
    let p = translate(&[PUSH1, 0, ISZERO, JUMPDEST, PUSH1, 3, JUMPI]);
    assert!(kinds(&p).contains(&ISZERO) && kinds(&p).contains(&kind::JUMPI_STATIC));
    // To an invalid target.
    let p = translate(&[PUSH1, 0, ISZERO, PUSH1, 0, JUMPI]);
    assert_eq!(kinds(&p), vec![kind::PUSH_SMALL, kind::ISZERO_JUMPI_INVALID, STOP]);
}

#[test]
fn dup_and_an_operator_fuse_unless_control_arrives_between() {
    // DUP3 EQ, DUP1 ADD, DUP2 XOR (not fused), DUP2 JUMPDEST SLT (an arrival between), STOP.
    let code = [DUP3, EQ, DUP1, ADD, DUP2, XOR, DUP2, JUMPDEST, SLT, STOP];
    let p = translate(&code);
    assert_eq!(kinds(&p), vec![kind::DUP_EQ, kind::DUP_ADD, DUP2, XOR, DUP2, SLT, STOP, STOP]);
    assert_eq!((p.insts()[0].a, p.insts()[1].a), (3, 1));
    // The segment's charge (to the STOP) still counts both opcodes of each pair.
    assert_eq!(p.entry_at(0).unwrap().charge, 7 * 3 + 1 + 3);
    // With a push between, the push is what fuses with the operator.
    assert_eq!(kinds(&translate(&[DUP1, PUSH1, 1, ADD])), vec![DUP1, kind::PUSH_ADD, STOP]);
}

#[test]
fn a_small_push_and_an_operator_fuse() {
    // PUSH1 32, ADD | PUSH1 1, PUSH1 224, SHR | PUSH32 (large), AND | PC, SUB | STOP
    let mut code = vec![PUSH1, 32, ADD, PUSH1, 1, PUSH1, 224, SHR, PUSH32];
    code.extend([0xff; 32]);
    code.extend([AND, PC, SUB, STOP]);
    let p = translate(&code);
    assert_eq!(
        kinds(&p),
        vec![
            kind::PUSH_ADD,
            kind::PUSH_SMALL,
            kind::PUSH_SHR,
            kind::PUSH_RUN,
            AND,
            kind::PUSH_SUB,
            STOP,
            STOP
        ]
    );
    assert_eq!((p.insts()[0].a, p.insts()[1].a, p.insts()[2].a), (32, 1, 224));
    // PC pushes its own pc.
    assert_eq!(p.insts()[5].a, 42);
    // The constants keep only the large value; the charges count every opcode.
    assert_eq!(p.consts(), &[U256::MAX]);
    assert_eq!(p.entry_at(0).unwrap().charge, 3 * 8 + 2);
    // A push whose operator comes after an arrival point stays a push.
    assert_eq!(kinds(&translate(&[PUSH1, 1, JUMPDEST, ADD])), vec![kind::PUSH_SMALL, ADD, STOP]);
}

/// The validator catches each way a program could break what the compiled runner relies on.
#[test]
fn the_validator_catches_unsound_programs() {
    // 0: PUSH1 1, PUSH1 2, PUSH1 9, JUMP, PUSH0 CALL.. | 9: JUMPDEST, DUP1, ADD, GAS, PUSH1 9, JUMPI, STOP
    let mut code = vec![PUSH1, 1, PUSH1, 2, PUSH1, 9, JUMP, 0xfe, 0xfe, JUMPDEST, DUP1, ADD];
    code.extend([GAS, PUSH1, 9, JUMPI]);
    code.extend([PUSH1, 0, DUP1, DUP1, DUP1, DUP1, GAS, CALL, STOP]);
    let analysed = Bytecode::new(&code);
    let good = Program::translate(&analysed).expect("short code");
    assert_eq!(good.validate(&analysed), Ok(()));
    let broken = |edit: &dyn Fn(&mut Program)| {
        let mut p = good.clone();
        edit(&mut p);
        p.validate(&analysed)
    };
    let index = |kind: u8| good.insts().iter().position(|i| i.kind == kind).expect("kind present");
    assert!(broken(&|p| p.hash = B256::ZERO).is_err(), "other code");
    assert!(broken(&|p| p.insts.last_mut().unwrap().kind = ADD).is_err(), "no final STOP");
    assert!(broken(&|p| p.entries[0].inst = 1000).is_err(), "entry past the instructions");
    assert!(broken(&|p| p.by_pc[9] = NO_ENTRY).is_err(), "a JUMPDEST without entry");
    assert!(broken(&|p| p.entries[0].run.gas += 1).is_err(), "a run check not the code's");
    let jump = index(kind::JUMP_STATIC);
    assert!(broken(&|p| p.insts[jump].a = 99).is_err(), "a jump to no entry");
    assert!(broken(&|p| p.insts[jump].a = p.by_pc[16] - 1).is_err(), "a static jump to a fall-through");
    let run = index(kind::PUSH_RUN);
    assert!(broken(&|p| p.insts[run].count = 200).is_err(), "constants past the table");
    let dup = index(kind::DUP_ADD);
    assert!(broken(&|p| p.insts[dup].a = 17).is_err(), "DUP17");
    let call = index(CALL);
    assert!(broken(&|p| p.by_pc[p.insts[call].pc as usize + 1] = NO_ENTRY).is_err(), "no resume entry");
    assert!(broken(&|p| p.insts[0].kind = PUSH1).is_err(), "an opcode translation removes");
}
