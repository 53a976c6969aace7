//! LT, GT, SLT, SGT, EQ, ISZERO, AND, OR, XOR, NOT, BYTE, SHL, SHR, SAR, CLZ: the EIP-145 and
//! EIP-7939 test vectors, worked examples, and properties against `common::reference`.

mod common;

use common::strategies::{shift, word};
use common::*;
use kestrel_primitives::{SpecId, U256};
use proptest::prelude::*;

fn hex(s: &str) -> U256 {
    U256::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// EIP-145's table: (value, shift, SHL, SHR, SAR) for the rows that list all three.
#[test]
fn eip145_vectors() {
    let one = w(1u64);
    let min = hex("0x8000000000000000000000000000000000000000000000000000000000000000");
    let max_pos = hex("0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    let shl = [
        (one, 0x00u64, one),
        (one, 0x01, w(2u64)),
        (one, 0xff, min),
        (one, 0x100, U256::ZERO),
        (one, 0x101, U256::ZERO),
        (U256::MAX, 0x00, U256::MAX),
        (U256::MAX, 0x01, U256::MAX - one),
        (U256::MAX, 0xff, min),
        (U256::MAX, 0x100, U256::ZERO),
        (U256::ZERO, 0x01, U256::ZERO),
        (max_pos, 0x01, U256::MAX - one),
    ];
    for (value, s, expected) in shl {
        assert_eq!(eval(SHL, &[w(s), value]), expected, "SHL {value:#x} by {s:#x}");
    }
    let shr = [
        (one, 0x00u64, one),
        (one, 0x01, U256::ZERO),
        (min, 0x01, min >> 1),
        (min, 0xff, one),
        (min, 0x100, U256::ZERO),
        (min, 0x101, U256::ZERO),
        (U256::MAX, 0x00, U256::MAX),
        (U256::MAX, 0x01, max_pos),
        (U256::MAX, 0xff, one),
        (U256::MAX, 0x100, U256::ZERO),
        (U256::ZERO, 0x01, U256::ZERO),
    ];
    for (value, s, expected) in shr {
        assert_eq!(eval(SHR, &[w(s), value]), expected, "SHR {value:#x} by {s:#x}");
    }
    let sar = [
        (one, 0x00u64, one),
        (one, 0x01, U256::ZERO),
        (min, 0x01, hex("0xc000000000000000000000000000000000000000000000000000000000000000")),
        (min, 0xff, U256::MAX),
        (min, 0x100, U256::MAX),
        (min, 0x101, U256::MAX),
        (U256::MAX, 0x00, U256::MAX),
        (U256::MAX, 0x01, U256::MAX),
        (U256::MAX, 0xff, U256::MAX),
        (U256::MAX, 0x100, U256::MAX),
        (U256::ZERO, 0x01, U256::ZERO),
        (hex("0x4000000000000000000000000000000000000000000000000000000000000000"), 0xfe, one),
        (max_pos, 0xf8, w(0x7fu64)),
        (max_pos, 0xfe, one),
        (max_pos, 0xff, U256::ZERO),
        (max_pos, 0x100, U256::ZERO),
    ];
    for (value, s, expected) in sar {
        assert_eq!(eval(SAR, &[w(s), value]), expected, "SAR {value:#x} by {s:#x}");
    }
    // Shift amounts that do not fit a machine word.
    for op in [SHL, SHR] {
        assert_eq!(eval(op, &[U256::MAX, U256::MAX]), U256::ZERO);
        assert_eq!(eval(op, &[pow2(64) + one, one]), U256::ZERO);
    }
    assert_eq!(eval(SAR, &[pow2(200), min]), U256::MAX);
    assert_eq!(eval(SAR, &[pow2(200), max_pos]), U256::ZERO);
}

/// EIP-7939's test cases.
#[test]
fn clz_vectors() {
    assert_eq!(eval(CLZ, &[U256::ZERO]), w(256u64));
    assert_eq!(eval(CLZ, &[pow2(255)]), U256::ZERO);
    assert_eq!(eval(CLZ, &[U256::MAX]), U256::ZERO);
    assert_eq!(eval(CLZ, &[pow2(254)]), w(1u64));
    assert_eq!(eval(CLZ, &[pow2(255) - w(1u64)]), w(1u64));
    assert_eq!(eval(CLZ, &[w(1u64)]), w(255u64));
    // CLZ costs 5 (EIP-7939).
    let out = apply(SpecId::Osaka, CLZ, &[w(1u64)]);
    assert_eq!(out.trace.iter().find(|s| s.op == CLZ).unwrap().cost(), 5);
}

#[test]
fn comparisons_and_logic() {
    let m1 = U256::MAX; // −1
    assert_eq!(eval(LT, &[w(1u64), w(2u64)]), w(1u64));
    assert_eq!(eval(LT, &[w(2u64), w(1u64)]), U256::ZERO);
    assert_eq!(eval(LT, &[w(2u64), w(2u64)]), U256::ZERO);
    assert_eq!(eval(GT, &[m1, w(1u64)]), w(1u64));
    assert_eq!(eval(SLT, &[m1, w(1u64)]), w(1u64));
    assert_eq!(eval(SGT, &[m1, w(1u64)]), U256::ZERO);
    assert_eq!(eval(SLT, &[pow2(255), pow2(255) - w(1u64)]), w(1u64));
    assert_eq!(eval(SGT, &[w(0u64), m1]), w(1u64));
    assert_eq!(eval(SLT, &[m1, m1]), U256::ZERO);
    assert_eq!(eval(EQ, &[m1, m1]), w(1u64));
    assert_eq!(eval(EQ, &[m1, w(1u64)]), U256::ZERO);
    assert_eq!(eval(ISZERO, &[U256::ZERO]), w(1u64));
    assert_eq!(eval(ISZERO, &[pow2(200)]), U256::ZERO);
    assert_eq!(eval(AND, &[w(0b1100u64), w(0b1010u64)]), w(0b1000u64));
    assert_eq!(eval(OR, &[w(0b1100u64), w(0b1010u64)]), w(0b1110u64));
    assert_eq!(eval(XOR, &[w(0b1100u64), w(0b1010u64)]), w(0b0110u64));
    assert_eq!(eval(NOT, &[U256::ZERO]), m1);
    assert_eq!(eval(NOT, &[pow2(255)]), pow2(255) - w(1u64));
}

#[test]
fn byte_counts_from_the_most_significant_end() {
    let x = hex("0x0102030405060708091011121314151617181920212223242526272829303132");
    assert_eq!(eval(BYTE, &[w(0u64), x]), w(0x01u64));
    assert_eq!(eval(BYTE, &[w(31u64), x]), w(0x32u64));
    assert_eq!(eval(BYTE, &[w(9u64), x]), w(0x10u64));
    for i in [w(32u64), w(256u64), pow2(64), U256::MAX] {
        assert_eq!(eval(BYTE, &[i, x]), U256::ZERO);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn byte_matches_reference(i in shift(), x in word()) {
        prop_assert_eq!(eval(BYTE, &[i, x]), reference::byte(i, x));
    }

    #[test]
    fn shl_matches_reference(s in shift(), x in word()) {
        prop_assert_eq!(eval(SHL, &[s, x]), reference::shl(s, x));
    }

    #[test]
    fn shr_matches_reference(s in shift(), x in word()) {
        prop_assert_eq!(eval(SHR, &[s, x]), reference::shr(s, x));
    }

    #[test]
    fn sar_matches_reference(s in shift(), x in word()) {
        prop_assert_eq!(eval(SAR, &[s, x]), reference::sar(s, x));
    }

    #[test]
    fn slt_sgt_match_reference(a in word(), b in word()) {
        prop_assert_eq!(eval(SLT, &[a, b]), reference::slt(a, b));
        prop_assert_eq!(eval(SGT, &[a, b]), reference::sgt(a, b));
    }

    #[test]
    fn clz_matches_reference(x in word()) {
        prop_assert_eq!(eval(CLZ, &[x]), reference::clz(x));
    }

    /// The shifts of EIP-145 equal multiplication and division by powers of two.
    #[test]
    fn shifts_are_mul_and_div_by_powers_of_two(s in 0u64..256, x in word()) {
        let p = eval(EXP, &[w(2u64), w(s)]);
        prop_assert_eq!(eval(SHL, &[w(s), x]), eval(MUL, &[x, p]));
        prop_assert_eq!(eval(SHR, &[w(s), x]), eval(DIV, &[x, p]));
    }
}
