//! Arithmetic: ADD, MUL, SUB, DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP, SIGNEXTEND.
//!
//! All arithmetic is modulo 2²⁵⁶; division by zero yields zero (Yellow Paper, appendix H).

use kestrel_primitives::gas::frontier::{EXP_BYTE, EXP_BYTE_EIP160};
use kestrel_primitives::{SpecId, U256};

use crate::regs::Regs;
use crate::stack::Sp;
use crate::{Buffers, Frame, Step};

const SIGN_BIT: usize = 255;

/// Two's-complement negation, `!x + 1` on the limbs: ruint's `wrapping_neg` stayed an out-of-line
/// call to `overflowing_sub` in the dispatch loop (1.8 % of snailtracer's time, from SDIV/SMOD).
#[inline(always)]
pub(crate) fn neg(x: U256) -> U256 {
    let [a, b, c, d] = *x.as_limbs();
    let r0 = (!a).wrapping_add(1);
    let carry = a == 0;
    let r1 = (!b).wrapping_add(carry as u64);
    let carry = carry & (b == 0);
    let r2 = (!c).wrapping_add(carry as u64);
    let carry = carry & (c == 0);
    let r3 = (!d).wrapping_add(carry as u64);
    U256::from_limbs([r0, r1, r2, r3])
}

/// True when `x` is negative as a two's-complement number.
#[inline(always)]
pub(crate) fn is_neg(x: U256) -> bool {
    x.bit(SIGN_BIT)
}

/// |x| as an unsigned number (|−2²⁵⁵| = 2²⁵⁵).
#[inline(always)]
fn abs(x: U256) -> U256 {
    if is_neg(x) { neg(x) } else { x }
}

/// `a / b` and `a % b`; every caller has ruled out `b == 0`. One machine division when both
/// fit in 64 bits, the compiler's 128-bit division when both fit in 128 (signed fixed-point code
/// such as snailtracer divides such magnitudes), else ruint's general 256-bit division.
#[inline(always)]
fn div_rem(a: U256, b: U256) -> (U256, U256) {
    debug_assert!(!b.is_zero());
    let (x, y) = (a.as_limbs(), b.as_limbs());
    if (x[2] | x[3] | y[2] | y[3]) == 0 {
        if (x[1] | y[1]) == 0 {
            return (U256::from(x[0] / y[0]), U256::from(x[0] % y[0]));
        }
        let (n, d) = ((x[1] as u128) << 64 | x[0] as u128, (y[1] as u128) << 64 | y[0] as u128);
        return (U256::from(n / d), U256::from(n % d));
    }
    a.div_rem(b)
}

/// ADD.
#[inline(always)]
pub(crate) fn op_add(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(add(a, b));
}

/// ADD's result: `a` the top, `b` the second item (also for the compiled tier's fused DUPn + ADD).
#[inline(always)]
pub(crate) fn add(a: U256, b: U256) -> U256 {
    a.wrapping_add(b)
}

/// MUL.
#[inline(always)]
pub(crate) fn op_mul(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(mul(a, b));
}

/// MUL's result (see [`add`]).
#[inline(always)]
pub(crate) fn mul(a: U256, b: U256) -> U256 {
    a.wrapping_mul(b)
}

/// SUB.
#[inline(always)]
pub(crate) fn op_sub(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(sub(a, b));
}

/// SUB's result, `a - b` (see [`add`]).
#[inline(always)]
pub(crate) fn sub(a: U256, b: U256) -> U256 {
    a.wrapping_sub(b)
}

/// DIV.
#[inline(always)]
pub(crate) fn op_div(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(if b.is_zero() { U256::ZERO } else { div_rem(a, b).0 });
}

/// SDIV: truncating signed division; −2²⁵⁵ / −1 = −2²⁵⁵.
#[inline(always)]
pub(crate) fn op_sdiv(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(sdiv(a, b));
}

/// Signed division as SDIV defines it. Inlined: called out of line, passing and returning
/// words through the native stack cost more than the division of the small magnitudes that
/// signed fixed-point code divides (snailtracer interpreter: 555.8 M -> 539.6 M instructions).
#[inline(always)]
pub(crate) fn sdiv(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let (q, _) = div_rem(abs(a), abs(b));
    if is_neg(a) != is_neg(b) { neg(q) } else { q }
}

/// MOD.
#[inline(always)]
pub(crate) fn op_mod(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(if b.is_zero() { U256::ZERO } else { div_rem(a, b).1 });
}

/// SMOD: the result takes the dividend's sign.
#[inline(always)]
pub(crate) fn op_smod(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(smod(a, b));
}

/// Signed remainder as SMOD defines it (inlined, as [`sdiv`]).
#[inline(always)]
pub(crate) fn smod(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let (_, r) = div_rem(abs(a), abs(b));
    if is_neg(a) { neg(r) } else { r }
}

/// ADDMOD: (a + b) mod n without overflow of the intermediate sum; zero when n is zero.
#[inline(always)]
pub(crate) fn op_addmod(s: &mut Sp) {
    let [a, b] = s.popn::<2>();
    let n = s.top_value();
    s.set_top(a.add_mod(b, n));
}

/// MULMOD: (a * b) mod n with a 512-bit intermediate; zero when n is zero.
#[inline(always)]
pub(crate) fn op_mulmod(s: &mut Sp) {
    let [a, b] = s.popn::<2>();
    let n = s.top_value();
    s.set_top(a.mul_mod(b, n));
}

/// The dynamic part of EXP's gas: per byte of the exponent, 10 before and 50 from Spurious
/// Dragon (EIP-160).
#[inline]
pub(crate) fn exp_dynamic_gas(spec: SpecId, exponent: U256) -> u64 {
    let bytes = exponent.bit_len().div_ceil(8) as u64;
    let per_byte = if spec.is_enabled_in(SpecId::SpuriousDragon) { EXP_BYTE_EIP160 } else { EXP_BYTE };
    per_byte * bytes
}

/// EXP.
#[inline]
pub(crate) fn op_exp(r: &mut Regs, f: &mut Frame, _b: &mut Buffers) -> Step {
    let (base, exponent_word) = r.sp.pop_top();
    let cost = exp_dynamic_gas(f.spec, exponent_word);
    r.gas.charge(cost)?;
    r.sp.set_top(base.wrapping_pow(exponent_word));
    Ok(())
}

/// SIGNEXTEND: extends the sign of the `b`-th byte (from the right) of `x`.
#[inline(always)]
pub(crate) fn op_signextend(s: &mut Sp) {
    let (b, x) = s.pop_top();
    s.set_top(signextend(b, x));
}

/// Sign extension as SIGNEXTEND defines it.
pub(crate) fn signextend(b: U256, x: U256) -> U256 {
    if b >= U256::from(31) {
        return x;
    }
    let bit = b.as_limbs()[0] as usize * 8 + 7;
    let mask = (U256::from(1) << (bit + 1)) - U256::from(1);
    if x.bit(bit) { x | !mask } else { x & mask }
}

#[cfg(test)]
mod division_tests {
    use super::*;
    use proptest::prelude::*;

    /// Operands of every size, small ones (the fast path) and negative ones most often.
    fn operand() -> impl Strategy<Value = U256> {
        prop_oneof![
            any::<u64>().prop_map(U256::from),
            any::<u64>().prop_map(|v| neg(U256::from(v))),
            any::<u128>().prop_map(U256::from),
            any::<u128>().prop_map(|v| neg(U256::from(v))),
            Just(neg(U256::from(1u64) << 127)),
            Just(U256::from(1u64) << 127),
            Just(neg(U256::from(1u64))),
            any::<[u64; 4]>().prop_map(U256::from_limbs),
            Just(U256::ZERO),
            Just(U256::from(1u64) << 255),
            Just(U256::MAX),
        ]
    }

    proptest! {
        #[test]
        fn signed_division_matches_the_general_one(a in operand(), b in operand()) {
            prop_assert_eq!((sdiv(a, U256::ZERO), smod(a, U256::ZERO)), (U256::ZERO, U256::ZERO));
            prop_assume!(!b.is_zero());
            let q = abs(a) / abs(b);
            let r = abs(a) % abs(b);
            prop_assert_eq!(sdiv(a, b), if is_neg(a) != is_neg(b) { neg(q) } else { q });
            prop_assert_eq!(smod(a, b), if is_neg(a) { neg(r) } else { r });
            prop_assert_eq!(div_rem(a, b), (a / b, a % b));
            prop_assert_eq!((neg(a), neg(b)), (a.wrapping_neg(), b.wrapping_neg()));
        }
    }
}
