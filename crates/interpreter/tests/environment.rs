//! ADDRESS, BALANCE, ORIGIN, CALLER, CALLVALUE, CALLDATALOAD, CALLDATASIZE, CALLDATACOPY,
//! CODESIZE, CODECOPY, GASPRICE, EXTCODESIZE, EXTCODECOPY, RETURNDATASIZE, RETURNDATACOPY,
//! EXTCODEHASH: values, copy gas, and account-access gas per fork (EIP-150, EIP-1884, EIP-2929).

mod common;

use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::{Bytes, KECCAK_EMPTY, SpecId, U256, keccak256};

fn data() -> Vec<u8> {
    (1..=40).collect()
}

#[test]
fn context_words() {
    let mut ctx = Ctx::new(SpecId::Frontier);
    ctx.value = w(12345u64);
    ctx.host.tx.gas_price = w(77u64);
    let code =
        Asm::new().ops(&[ADDRESS, CALLER, CALLVALUE, ORIGIN, GASPRICE, CODESIZE, CALLDATASIZE]).build();
    let out = ctx.input(&data()).run(&code);
    out.expect(Status::Stop);
    assert_eq!(
        out.stack,
        vec![w(ME), w(CALLER_ADDR), w(12345u64), w(ORIGIN_ADDR), w(77u64), w(7u64), w(40u64)]
    );
    assert_eq!(out.gas_used(), 7 * 2);
}

#[test]
fn calldataload_zero_fills_past_the_end() {
    let word = |offset: U256| {
        let out =
            Ctx::new(SpecId::Frontier).input(&data()).run(&Asm::new().push(offset).op(CALLDATALOAD).build());
        assert_eq!(out.gas_used(), 6);
        out.top()
    };
    assert_eq!(word(U256::ZERO), U256::from_be_slice(&data()[..32]));
    let mut tail = [0u8; 32];
    tail[..20].copy_from_slice(&data()[20..]);
    assert_eq!(word(w(20u64)), U256::from_be_bytes(tail));
    assert_eq!(word(w(40u64)), U256::ZERO);
    assert_eq!(word(pow2(64)), U256::ZERO);
    assert_eq!(word(U256::MAX), U256::ZERO);
}

#[test]
fn calldatacopy_pads_and_charges_per_word() {
    let code = Asm::new().push(16u64).push(30u64).push(0u64).op(CALLDATACOPY).op(STOP).build();
    let out = Ctx::new(SpecId::Frontier).input(&data()).run(&code);
    out.expect(Status::Stop);
    let mut expected = vec![0u8; 32];
    expected[..10].copy_from_slice(&data()[30..]);
    assert_eq!(out.memory, expected);
    assert_eq!(out.gas_used(), 9 + 3 + 3 + 3);
    // Huge source offsets read zeros; the destination is what costs.
    let code = Asm::new().push(33u64).push(U256::MAX).push(1u64).op(CALLDATACOPY).op(STOP).build();
    let out = Ctx::new(SpecId::Frontier).input(&data()).run(&code);
    assert_eq!(out.memory, vec![0u8; 64]);
    assert_eq!(out.gas_used(), 9 + 3 + 3 * 2 + 3 * 2);
    // A zero-length copy to a huge destination is free of memory.
    let code = Asm::new().push(0u64).push(0u64).push(U256::MAX).op(CALLDATACOPY).op(STOP).build();
    Ctx::new(SpecId::Frontier).input(&data()).run(&code).expect(Status::Stop);
    let code = Asm::new().push(1u64).push(0u64).push(U256::MAX).op(CALLDATACOPY).op(STOP).build();
    Ctx::new(SpecId::Frontier).run(&code).expect(Status::OutOfGas);
}

#[test]
fn codecopy_copies_the_code_with_zero_fill() {
    let code = Asm::new().push(40u64).push(0u64).push(0u64).op(CODECOPY).op(STOP).build();
    let out = exec(SpecId::Frontier, &code);
    let mut expected = code.clone();
    expected.resize(64, 0);
    assert_eq!(out.memory, expected);
    assert_eq!(out.gas_used(), 9 + 3 + 3 * 2 + 3 * 2);
}

fn with_accounts(spec: SpecId) -> Ctx {
    Ctx::new(spec).with_host(|h| {
        h.balances.insert(OTHER, w(1_000u64));
        h.code.insert(OTHER, Bytes::from_static(&[0x60, 0x01, 0x60, 0x02, 0x01]));
    })
}

/// (fork, BALANCE, EXTCODESIZE/EXTCODECOPY, EXTCODEHASH) warm costs; None where undefined.
fn account_costs(spec: SpecId) -> (u64, u64, Option<u64>) {
    if spec >= SpecId::Berlin {
        (100, 100, Some(100))
    } else if spec >= SpecId::Istanbul {
        (700, 700, Some(700))
    } else if spec >= SpecId::Constantinople {
        (400, 700, Some(400))
    } else if spec >= SpecId::TangerineWhistle {
        (400, 700, None)
    } else {
        (20, 20, None)
    }
}

#[test]
fn account_queries_and_their_gas_in_every_fork() {
    for spec in SpecId::ALL {
        let (balance, extcode, extcodehash) = account_costs(spec);
        let cold = if spec >= SpecId::Berlin { 2500 } else { 0 };
        // Cold then warm.
        let out =
            with_accounts(spec).run(&Asm::new().push(OTHER).op(BALANCE).push(OTHER).op(BALANCE).build());
        out.expect(Status::Stop);
        assert_eq!(out.stack, vec![w(1_000u64), w(1_000u64)]);
        let costs: Vec<u64> = out.trace.iter().filter(|s| s.op == BALANCE).map(|s| s.cost()).collect();
        assert_eq!(costs, vec![balance + cold, balance], "{spec} BALANCE");

        let out = with_accounts(spec)
            .run(&Asm::new().push(OTHER).op(EXTCODESIZE).push(OTHER).op(EXTCODESIZE).build());
        assert_eq!(out.stack, vec![w(5u64), w(5u64)]);
        let costs: Vec<u64> = out.trace.iter().filter(|s| s.op == EXTCODESIZE).map(|s| s.cost()).collect();
        assert_eq!(costs, vec![extcode + cold, extcode], "{spec} EXTCODESIZE");

        // EXTCODECOPY of 8 bytes at offset 1: copy 3, memory 3.
        let code = Asm::new().push(8u64).push(1u64).push(0u64).push(OTHER).op(EXTCODECOPY).op(STOP).build();
        let out = with_accounts(spec).run(&code);
        out.expect(Status::Stop);
        let mut expected = vec![0u8; 32];
        expected[..4].copy_from_slice(&[0x01, 0x60, 0x02, 0x01]);
        assert_eq!(out.memory, expected);
        assert_eq!(out.gas_used(), 12 + extcode + cold + 3 + 3, "{spec} EXTCODECOPY");

        let code = Asm::new().push(OTHER).op(EXTCODEHASH).op(STOP).build();
        let out = with_accounts(spec).run(&code);
        match extcodehash {
            Some(cost) => {
                out.expect(Status::Stop);
                assert_eq!(out.top(), U256::from_be_bytes(keccak256([0x60, 0x01, 0x60, 0x02, 0x01]).0));
                assert_eq!(out.gas_used(), 3 + cost + cold, "{spec} EXTCODEHASH");
            }
            None => {
                out.expect(Status::InvalidOpcode);
            }
        }
    }
}

#[test]
fn extcodehash_of_missing_empty_and_codeless_accounts() {
    let empty = address_n(0xe1);
    let funded = address_n(0xf1);
    let ctx = Ctx::new(SpecId::Cancun).with_host(|h| {
        h.nonces.insert(empty, 0);
        h.balances.insert(funded, w(1u64));
    });
    let out = ctx.run(
        &Asm::new()
            .push(address_n(0x99))
            .op(EXTCODEHASH)
            .push(empty)
            .op(EXTCODEHASH)
            .push(funded)
            .op(EXTCODEHASH)
            .build(),
    );
    assert_eq!(out.stack, vec![U256::ZERO, U256::ZERO, U256::from_be_bytes(KECCAK_EMPTY.0)]);
    // Missing accounts have no balance and no code either.
    let out =
        ctx.run(&Asm::new().push(address_n(0x99)).op(BALANCE).push(address_n(0x99)).op(EXTCODESIZE).build());
    assert_eq!(out.stack, vec![U256::ZERO, U256::ZERO]);
}

/// Only the low 20 bytes of the stack word name the account.
#[test]
fn addresses_are_truncated_to_20_bytes() {
    let dirty = w(OTHER) | (U256::MAX << 160);
    let out = with_accounts(SpecId::Cancun).run(&Asm::new().push(dirty).op(BALANCE).build());
    assert_eq!(out.top(), w(1_000u64));
    assert!(out.host.warm_accounts.contains(&OTHER));
}

#[test]
fn returndata_size_and_copy() {
    let mut ctx = Ctx::new(SpecId::Byzantium);
    ctx.return_data = data();
    let out = ctx.run(
        &Asm::new().op(RETURNDATASIZE).push(32u64).push(8u64).push(0u64).op(RETURNDATACOPY).op(STOP).build(),
    );
    out.expect(Status::Stop);
    assert_eq!(out.stack, vec![w(40u64)]);
    assert_eq!(out.memory, data()[8..40].to_vec());
    assert_eq!(out.gas_used(), 2 + 9 + 3 + 3 + 3);
    // Reading past the end is an exceptional halt (EIP-211), also for an empty read that starts
    // beyond the end, and when offset + length overflows.
    for (offset, len) in
        [(w(9u64), w(32u64)), (w(41u64), U256::ZERO), (U256::MAX, w(1u64)), (w(1u64), U256::MAX)]
    {
        let out = ctx.run(&Asm::new().push(len).push(offset).push(0u64).op(RETURNDATACOPY).op(STOP).build());
        out.expect(Status::ReturnDataOutOfBounds);
    }
    // An empty read ending exactly at the end is fine and needs no memory.
    let out = ctx.run(&Asm::new().push(0u64).push(40u64).push(U256::MAX).op(RETURNDATACOPY).op(STOP).build());
    out.expect(Status::Stop);
    assert!(out.memory.is_empty());
    // With no return data at all, any non-empty read halts.
    let out =
        exec(SpecId::Byzantium, &Asm::new().push(1u64).push(0u64).push(0u64).op(RETURNDATACOPY).build());
    out.expect(Status::ReturnDataOutOfBounds);
}

fn address_n(n: u8) -> kestrel_primitives::Address {
    let mut bytes = [0u8; 20];
    bytes[19] = n;
    bytes[0] = 0x77;
    kestrel_primitives::Address::from(bytes)
}
