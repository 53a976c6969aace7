//! POP, PUSH0, PUSH1..PUSH32, DUP1..DUP16, SWAP1..SWAP16: values, gas, the 1024-item limit, and
//! PUSH immediates cut off by the end of the code.

mod common;

use common::*;
use kestrel_interpreter::{STACK_LIMIT, Status};
use kestrel_primitives::{SpecId, U256};

#[test]
fn push_n_pushes_n_immediate_bytes() {
    for n in 1..=32usize {
        let bytes: Vec<u8> = (1..=n as u8).collect();
        let code = Asm::new().op(PUSH1 + n as u8 - 1).raw(&bytes).op(STOP).build();
        let out = exec(SpecId::Frontier, &code);
        out.expect(Status::Stop);
        assert_eq!(out.stack, vec![U256::from_be_slice(&bytes)], "PUSH{n}");
        assert_eq!(out.gas_used(), 3);
        // The pc skipped the immediate: STOP ran at 1 + n.
        assert_eq!(out.trace.last().unwrap().pc, 1 + n);
    }
}

#[test]
fn push_cut_off_by_the_end_of_code_reads_zeros() {
    // PUSH4 0x12 0x34 and the code ends: the missing bytes are zero, then the frame runs off
    // the end (an implicit STOP).
    let out = exec(SpecId::Osaka, &[PUSH4, 0x12, 0x34]);
    out.expect(Status::Stop);
    assert_eq!(out.stack, vec![w(0x1234_0000u64)]);
    assert_eq!(out.gas_used(), 3);
    let out = exec(SpecId::Osaka, &[PUSH32]);
    out.expect(Status::Stop);
    assert_eq!(out.stack, vec![U256::ZERO]);
}

#[test]
fn dup_copies_the_nth_item() {
    for n in 1..=16u64 {
        // Items 16..1 with 1 on top; DUPn copies the value n.
        let values: Vec<u64> = (1..=16).collect();
        let code = Asm::new().args(&values).op(DUP1 + n as u8 - 1).op(STOP).build();
        let out = exec(SpecId::Frontier, &code);
        out.expect(Status::Stop);
        assert_eq!(out.stack.len(), 17);
        assert_eq!(out.top(), w(n), "DUP{n}");
        assert_eq!(out.gas_used(), 16 * 3 + 3);
    }
}

#[test]
fn swap_exchanges_top_and_the_item_n_below() {
    for n in 1..=16u64 {
        let values: Vec<u64> = (0..=16).collect(); // 0 on top, 16 at the bottom
        let code = Asm::new().args(&values).op(SWAP1 + n as u8 - 1).op(STOP).build();
        let out = exec(SpecId::Frontier, &code);
        out.expect(Status::Stop);
        let mut expected: Vec<U256> = (0..=16u64).rev().map(U256::from).collect();
        let top = expected.len() - 1;
        expected.swap(top, top - n as usize);
        assert_eq!(out.stack, expected, "SWAP{n}");
    }
}

#[test]
fn dup_and_swap_underflow() {
    for n in 1..=16u8 {
        let few = vec![1u64; n as usize - 1];
        exec(SpecId::Osaka, &Asm::new().args(&few).op(DUP1 + n - 1).build()).expect(Status::StackUnderflow);
        let few = vec![1u64; n as usize];
        exec(SpecId::Osaka, &Asm::new().args(&few).op(SWAP1 + n - 1).build()).expect(Status::StackUnderflow);
    }
    exec(SpecId::Osaka, &[POP]).expect(Status::StackUnderflow);
}

#[test]
fn pop_costs_two() {
    let out = exec(SpecId::Frontier, &Asm::new().push(1u64).push(2u64).op(POP).op(STOP).build());
    assert_eq!(out.stack, vec![w(1u64)]);
    assert_eq!(out.gas_used(), 8);
}

fn pushes(n: usize) -> Asm {
    (0..n).fold(Asm::new(), |a, i| a.push_n(1, i as u64))
}

#[test]
fn the_stack_holds_exactly_1024_items() {
    let out = exec(SpecId::Osaka, &pushes(STACK_LIMIT).op(STOP).build());
    out.expect(Status::Stop);
    assert_eq!(out.stack.len(), 1024);
    exec(SpecId::Osaka, &pushes(STACK_LIMIT + 1).op(STOP).build()).expect(Status::StackOverflow);
    exec(SpecId::Osaka, &pushes(STACK_LIMIT).op(DUP1).build()).expect(Status::StackOverflow);
    exec(SpecId::Osaka, &pushes(STACK_LIMIT).op(PC).build()).expect(Status::StackOverflow);
    exec(SpecId::Osaka, &pushes(STACK_LIMIT).op(ADDRESS).build()).expect(Status::StackOverflow);
    // A full stack can still SWAP and shrink.
    exec(SpecId::Osaka, &pushes(STACK_LIMIT).op(SWAP16).op(ADD).op(DUP1).op(STOP).build())
        .expect(Status::Stop);
}

#[test]
fn a_loop_that_pushes_forever_overflows() {
    let code = Asm::new().label("top").push(1u64).jump("top").build();
    exec(SpecId::Osaka, &code).expect(Status::StackOverflow);
}

/// PUSH0 (EIP-3855, Shanghai): pushes zero for 2 gas.
#[test]
fn push0_pushes_zero_from_shanghai() {
    let code = Asm::new().push(7u64).push0().op(STOP).build();
    for spec in SpecId::ALL {
        let out = exec(spec, &code);
        if spec >= SpecId::Shanghai {
            out.expect(Status::Stop);
            assert_eq!(out.stack, vec![w(7u64), U256::ZERO]);
            assert_eq!(out.gas_used(), 3 + 2);
        } else {
            out.expect(Status::InvalidOpcode);
        }
    }
    exec(SpecId::Shanghai, &pushes(STACK_LIMIT).push0().build()).expect(Status::StackOverflow);
}
