//! ADD, MUL, SUB, DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP, SIGNEXTEND: worked examples, static
//! gas, and EXP's per-byte gas in every fork.

mod common;

use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::{SpecId, U256};

fn neg(v: u64) -> U256 {
    U256::from(v).wrapping_neg()
}

#[test]
fn add_mul_sub_wrap_modulo_2_256() {
    assert_eq!(eval(ADD, &[U256::MAX, w(1u64)]), U256::ZERO);
    assert_eq!(eval(ADD, &[U256::MAX, U256::MAX]), U256::MAX - w(1u64));
    assert_eq!(eval(MUL, &[pow2(128), pow2(128)]), U256::ZERO);
    assert_eq!(eval(MUL, &[U256::MAX, U256::MAX]), w(1u64));
    // SUB is a − b with a on top.
    assert_eq!(eval(SUB, &[w(3u64), w(5u64)]), neg(2));
    assert_eq!(eval(SUB, &[w(5u64), w(3u64)]), w(2u64));
}

#[test]
fn division_by_zero_is_zero() {
    for op in [DIV, SDIV, MOD, SMOD] {
        assert_eq!(eval(op, &[w(7u64), U256::ZERO]), U256::ZERO, "op {op:#x}");
        assert_eq!(eval(op, &[U256::MAX, U256::ZERO]), U256::ZERO, "op {op:#x}");
    }
    assert_eq!(eval(ADDMOD, &[w(1u64), w(2u64), U256::ZERO]), U256::ZERO);
    assert_eq!(eval(MULMOD, &[w(3u64), w(2u64), U256::ZERO]), U256::ZERO);
}

#[test]
fn unsigned_division() {
    assert_eq!(eval(DIV, &[w(7u64), w(2u64)]), w(3u64));
    assert_eq!(eval(DIV, &[w(2u64), w(7u64)]), U256::ZERO);
    assert_eq!(eval(MOD, &[w(7u64), w(3u64)]), w(1u64));
    assert_eq!(eval(DIV, &[U256::MAX, U256::MAX]), w(1u64));
}

#[test]
fn signed_division_truncates_toward_zero() {
    assert_eq!(eval(SDIV, &[neg(7), w(2u64)]), neg(3));
    assert_eq!(eval(SDIV, &[w(7u64), neg(2)]), neg(3));
    assert_eq!(eval(SDIV, &[neg(7), neg(2)]), w(3u64));
    // The one overflowing case: −2²⁵⁵ / −1 = −2²⁵⁵.
    assert_eq!(eval(SDIV, &[pow2(255), U256::MAX]), pow2(255));
    assert_eq!(eval(SDIV, &[pow2(255), w(1u64)]), pow2(255));
}

#[test]
fn signed_remainder_takes_the_dividend_sign() {
    assert_eq!(eval(SMOD, &[neg(7), w(3u64)]), neg(1));
    assert_eq!(eval(SMOD, &[w(7u64), neg(3)]), w(1u64));
    assert_eq!(eval(SMOD, &[neg(7), neg(3)]), neg(1));
    assert_eq!(eval(SMOD, &[pow2(255), U256::MAX]), U256::ZERO);
    assert_eq!(eval(SMOD, &[pow2(255), w(3u64)]), neg(2));
}

#[test]
fn addmod_and_mulmod_do_not_wrap_the_intermediate() {
    // (2²⁵⁶ − 1 + 2) mod 3 over the integers: 2²⁵⁶ + 1 ≡ 1 + 1 = 2 (mod 3).
    assert_eq!(eval(ADDMOD, &[U256::MAX, w(2u64), w(3u64)]), w(2u64));
    // A wrapping ADD then MOD would give 1 mod 3 = 1.
    assert_eq!(eval(ADDMOD, &[U256::MAX, U256::MAX, U256::MAX]), U256::ZERO);
    assert_eq!(eval(MULMOD, &[U256::MAX, U256::MAX, U256::MAX - w(1u64)]), w(1u64));
    assert_eq!(eval(MULMOD, &[pow2(128), pow2(128), w(7u64)]), w(2u64)); // 2^256 mod 7 = 2
    assert_eq!(eval(ADDMOD, &[w(5u64), w(6u64), w(1u64)]), U256::ZERO);
}

#[test]
fn exp_examples() {
    assert_eq!(eval(EXP, &[w(2u64), w(10u64)]), w(1024u64));
    assert_eq!(eval(EXP, &[w(0u64), w(0u64)]), w(1u64));
    assert_eq!(eval(EXP, &[w(0u64), w(5u64)]), U256::ZERO);
    assert_eq!(eval(EXP, &[w(2u64), w(256u64)]), U256::ZERO);
    assert_eq!(eval(EXP, &[w(2u64), w(255u64)]), pow2(255));
    assert_eq!(eval(EXP, &[U256::MAX, U256::MAX]), U256::MAX); // (−1)^odd
    assert_eq!(eval(EXP, &[w(3u64), U256::MAX - w(1u64)]), reference::exp(w(3u64), U256::MAX - w(1u64)));
}

/// EXP costs 10 plus, per byte of the exponent, 10 before Spurious Dragon and 50 from it
/// (EIP-160).
#[test]
fn exp_gas_per_exponent_byte_in_every_fork() {
    let exponents = [
        (U256::ZERO, 0u64),
        (w(1u64), 1),
        (w(255u64), 1),
        (w(256u64), 2),
        (w(0xffffu64), 2),
        (w(0x10000u64), 3),
        (pow2(255), 32),
        (U256::MAX, 32),
    ];
    for spec in SpecId::ALL {
        let per_byte = if spec >= SpecId::SpuriousDragon { 50 } else { 10 };
        for (exponent, bytes) in exponents {
            let code = Asm::new().push_n(32, exponent).push(3u64).op(EXP).op(STOP).build();
            let out = exec(spec, &code);
            out.expect(Status::Stop);
            assert_eq!(out.gas_used(), 3 + 3 + 10 + per_byte * bytes, "{spec} exponent {exponent}");
            let exp_step = out.trace.iter().find(|s| s.op == EXP).unwrap();
            assert_eq!(exp_step.cost(), 10 + per_byte * bytes);
        }
    }
}

#[test]
fn exp_out_of_gas_at_the_exact_boundary() {
    // PUSH32 e, PUSH1 2, EXP: 6 + 10 + 50·32 = 1616 in Osaka.
    let code = Asm::new().push_n(32, U256::MAX).push(2u64).op(EXP).op(STOP).build();
    let enough = Ctx::new(SpecId::Osaka).gas(1616).run(&code);
    enough.expect(Status::Stop);
    assert_eq!(enough.gas_left, 0);
    Ctx::new(SpecId::Osaka).gas(1615).run(&code).expect(Status::OutOfGas);
    // Frontier: 6 + 10 + 10·32 = 336.
    Ctx::new(SpecId::Frontier).gas(336).run(&code).expect(Status::Stop);
    Ctx::new(SpecId::Frontier).gas(335).run(&code).expect(Status::OutOfGas);
}

#[test]
fn signextend_examples() {
    assert_eq!(eval(SIGNEXTEND, &[U256::ZERO, w(0xffu64)]), U256::MAX);
    assert_eq!(eval(SIGNEXTEND, &[U256::ZERO, w(0x7fu64)]), w(0x7fu64));
    assert_eq!(eval(SIGNEXTEND, &[U256::ZERO, w(0x1280u64)]), neg(0x80));
    assert_eq!(eval(SIGNEXTEND, &[w(1u64), w(0xff7fu64)]), neg(0x81));
    assert_eq!(eval(SIGNEXTEND, &[w(1u64), w(0x12_7f00u64)]), w(0x7f00u64));
    // From byte 30 on the top byte is overwritten by the sign of bit 247.
    assert_eq!(eval(SIGNEXTEND, &[w(30u64), pow2(247)]), U256::MAX << 247);
    // b ≥ 31 leaves x alone, however large b is.
    for b in [w(31u64), w(32u64), w(1000u64), U256::MAX, pow2(64)] {
        assert_eq!(eval(SIGNEXTEND, &[b, w(0x80u64)]), w(0x80u64));
    }
}

#[test]
fn static_gas_of_the_arithmetic_opcodes() {
    let costs = [
        (ADD, 3),
        (MUL, 5),
        (SUB, 3),
        (DIV, 5),
        (SDIV, 5),
        (MOD, 5),
        (SMOD, 5),
        (ADDMOD, 8),
        (MULMOD, 8),
        (SIGNEXTEND, 5),
    ];
    for spec in SpecId::ALL {
        for (op, cost) in costs {
            let out = apply(spec, op, &[w(7u64), w(3u64), w(5u64)]);
            let step = out.trace.iter().find(|s| s.op == op).unwrap();
            assert_eq!(step.cost(), cost, "{spec} {}", kestrel_bytecode::opcode::name(op));
            assert_eq!(out.gas_used(), 9 + cost);
        }
    }
}

#[test]
fn arithmetic_underflows_with_too_few_items() {
    for (op, inputs) in [(ADD, 2), (MUL, 2), (SDIV, 2), (ADDMOD, 3), (MULMOD, 3), (EXP, 2), (SIGNEXTEND, 2)] {
        let args = vec![w(1u64); inputs - 1];
        let code = Asm::new().args(&args).op(op).op(STOP).build();
        exec(SpecId::Osaka, &code).expect(Status::StackUnderflow);
    }
}
