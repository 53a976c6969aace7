//! Properties: DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP and SIGNEXTEND agree with arbitrary-
//! precision reference computations (`common::reference`, num-bigint) on edge-biased words,
//! through both runners; EXP's gas follows the exponent's byte length in every fork.

mod common;

use common::strategies::{shift, word};
use common::*;
use kestrel_interpreter::Status;
use kestrel_primitives::{SpecId, U256};
use proptest::prelude::*;

fn binary(op: u8, a: U256, b: U256) -> U256 {
    eval(op, &[a, b])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn div_matches_reference(a in word(), b in word()) {
        prop_assert_eq!(binary(DIV, a, b), reference::div(a, b));
    }

    #[test]
    fn sdiv_matches_reference(a in word(), b in word()) {
        prop_assert_eq!(binary(SDIV, a, b), reference::sdiv(a, b));
    }

    #[test]
    fn mod_matches_reference(a in word(), b in word()) {
        prop_assert_eq!(binary(MOD, a, b), reference::rem(a, b));
    }

    #[test]
    fn smod_matches_reference(a in word(), b in word()) {
        prop_assert_eq!(binary(SMOD, a, b), reference::smod(a, b));
    }

    #[test]
    fn addmod_matches_reference(a in word(), b in word(), n in word()) {
        prop_assert_eq!(eval(ADDMOD, &[a, b, n]), reference::addmod(a, b, n));
    }

    #[test]
    fn mulmod_matches_reference(a in word(), b in word(), n in word()) {
        prop_assert_eq!(eval(MULMOD, &[a, b, n]), reference::mulmod(a, b, n));
    }

    #[test]
    fn exp_matches_reference(a in word(), e in word()) {
        prop_assert_eq!(binary(EXP, a, e), reference::exp(a, e));
    }

    #[test]
    fn signextend_matches_reference(b in shift(), x in word()) {
        prop_assert_eq!(binary(SIGNEXTEND, b, x), reference::signextend(b, x));
    }

    /// Division identities the spec implies: a = (a / b)·b + a mod b, signed and unsigned.
    #[test]
    fn quotient_and_remainder_recombine(a in word(), b in word()) {
        prop_assume!(!b.is_zero());
        let q = binary(DIV, a, b);
        let r = binary(MOD, a, b);
        prop_assert_eq!(q * b + r, a);
        let sq = binary(SDIV, a, b);
        let sr = binary(SMOD, a, b);
        prop_assert_eq!(sq.wrapping_mul(b).wrapping_add(sr), a);
    }

    /// EXP gas: 10 + per-byte · byte length of the exponent, per-byte 10 before Spurious Dragon
    /// and 50 from it (EIP-160).
    #[test]
    fn exp_gas_follows_exponent_byte_length(e in word(), spec_index in 0..SpecId::COUNT) {
        let spec = SpecId::ALL[spec_index];
        let per_byte = if spec >= SpecId::SpuriousDragon { 50 } else { 10 };
        let code = Asm::new().push_n(32, e).push(7u64).op(EXP).op(STOP).build();
        let out = exec(spec, &code);
        prop_assert_eq!(out.status, Status::Stop);
        prop_assert_eq!(out.gas_used(), 6 + 10 + per_byte * reference::byte_len(e));
    }
}

/// The reference itself, on the edge cases the properties are meant to hit.
#[test]
fn reference_sanity() {
    let min = pow2(255);
    assert_eq!(reference::sdiv(min, U256::MAX), min);
    assert_eq!(reference::smod(U256::MAX - w(6u64), w(3u64)), U256::MAX); // −7 mod 3 = −1
    assert_eq!(reference::signextend(w(0u64), w(0x80u64)), U256::MAX << 7);
    assert_eq!(reference::byte_len(w(256u64)), 2);
    assert_eq!(reference::byte_len(U256::ZERO), 0);
}
