//! A table-only opcode with a one-byte immediate operand (`DUPN`, 0xe6, EIP-663's semantics in
//! EIP-8024's shape), defined in `opcodes.toml` for builds with the `test-opcodes` feature only:
//! everything about it comes from the table, and both tiers agree on it. Every case runs through
//! [`Ctx::run`], which asserts that the fast and tracing interpreters and the compiled tier agree.
//!
//! `cargo test -p kestrel-interpreter --features test-opcodes --test test_opcode` (CI runs it).

#![cfg(feature = "test-opcodes")]

mod common;

use common::*;
use kestrel_bytecode::opcode::{Decode, IMMEDIATE_SIZE, info};
use kestrel_interpreter::{STACK_LIMIT, Status, static_gas};
use kestrel_primitives::{SpecId, U256};

#[test]
fn the_table_defines_it() {
    let dupn = info(DUPN).expect("defined in test builds");
    assert_eq!((dupn.name, dupn.immediate, dupn.decode), ("DUPN", 1, Decode::Operand));
    assert_eq!(IMMEDIATE_SIZE[DUPN as usize], 1);
    assert_eq!(static_gas(SpecId::Osaka, DUPN), Some(3));
    assert_eq!(static_gas(SpecId::Prague, DUPN), None);
}

#[test]
fn dupn_copies_the_item_its_operand_names() {
    for operand in [0u8, 1, 5, 19] {
        let n = operand as u64 + 1;
        // Items 20..1 with 1 on top: DUPN with operand k copies item k + 1, the value k + 1.
        let values: Vec<u64> = (1..=20).collect();
        let code = Asm::new().args(&values).op(DUPN).raw(&[operand]).op(STOP).build();
        let out = exec(SpecId::Osaka, &code);
        out.expect(Status::Stop);
        assert_eq!(out.stack.len(), 21);
        assert_eq!(out.top(), U256::from(n), "DUPN {operand}");
        assert_eq!(out.gas_used(), 20 * 3 + 3);
        // The pc stepped over the operand: STOP ran right after it.
        assert_eq!(out.trace.last().unwrap().pc, code.len() - 1);
    }
}

#[test]
fn dupn_halts_on_too_few_items_and_on_a_full_stack() {
    let code = Asm::new().args(&[1, 2]).op(DUPN).raw(&[2]).op(STOP).build();
    exec(SpecId::Osaka, &code).expect(Status::StackUnderflow);
    let full: Vec<u64> = vec![7; STACK_LIMIT];
    let code = Asm::new().args(&full).op(DUPN).raw(&[0]).op(STOP).build();
    exec(SpecId::Osaka, &code).expect(Status::StackOverflow);
}

#[test]
fn dupn_is_undefined_before_its_fork() {
    let code = Asm::new().args(&[1]).op(DUPN).raw(&[0]).op(STOP).build();
    exec(SpecId::Prague, &code).expect(Status::InvalidOpcode);
}

#[test]
fn its_operand_is_skipped_by_jumpdest_analysis() {
    // PUSH1 4, JUMP | 3: DUPN 0x5b | 5: JUMPDEST, STOP. The operand is a 0x5b byte, which the
    // table's immediate makes data: jumping to it is invalid, jumping past it is not.
    let code = [PUSH1, 4, JUMP, DUPN, JUMPDEST, JUMPDEST, STOP];
    exec(SpecId::Osaka, &code).expect(Status::InvalidJump);
    let code = [PUSH1, 5, JUMP, DUPN, JUMPDEST, JUMPDEST, STOP];
    exec(SpecId::Osaka, &code).expect(Status::Stop);
    // Straight through: DUPN 0x5b copies item 0x5c, so a stack of 0x5c items is enough.
    let values: Vec<u64> = (1..=0x5c).collect();
    let code = Asm::new().args(&values).op(DUPN).raw(&[JUMPDEST]).op(STOP).build();
    let out = exec(SpecId::Osaka, &code);
    out.expect(Status::Stop);
    assert_eq!(out.top(), U256::from(0x5cu64));
}
