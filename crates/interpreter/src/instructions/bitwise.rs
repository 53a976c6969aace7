//! Comparison and bitwise logic: LT, GT, SLT, SGT, EQ, ISZERO, AND, OR, XOR, NOT, BYTE, SHL, SHR,
//! SAR (EIP-145), CLZ (EIP-7939).

use kestrel_primitives::U256;

use super::arithmetic::is_neg;
use crate::stack::{Sp, eq_limbs};

/// Signed less-than on two's-complement words.
#[inline(always)]
pub(crate) fn slt(a: U256, b: U256) -> bool {
    match (is_neg(a), is_neg(b)) {
        (true, false) => true,
        (false, true) => false,
        _ => a < b,
    }
}

/// LT.
#[inline(always)]
pub(crate) fn op_lt(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top_flag(lt(a, b));
}

/// LT's result: `a` the top, `b` the second item (also for the compiled tier's fused DUPn + LT;
/// the other comparisons and AND, OR likewise).
#[inline(always)]
pub(crate) fn lt(a: U256, b: U256) -> bool {
    a < b
}

/// GT.
#[inline(always)]
pub(crate) fn op_gt(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top_flag(gt(a, b));
}

/// GT's result.
#[inline(always)]
pub(crate) fn gt(a: U256, b: U256) -> bool {
    a > b
}

/// SLT.
#[inline(always)]
pub(crate) fn op_slt(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top_flag(slt(a, b));
}

/// SGT.
#[inline(always)]
pub(crate) fn op_sgt(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top_flag(sgt(a, b));
}

/// SGT's result.
#[inline(always)]
pub(crate) fn sgt(a: U256, b: U256) -> bool {
    slt(b, a)
}

/// EQ.
#[inline(always)]
pub(crate) fn op_eq(s: &mut Sp) {
    let (a, b) = s.pop_top_limbs();
    s.set_top_flag(eq(a, b));
}

/// EQ's result.
#[inline(always)]
pub(crate) fn eq(a: U256, b: U256) -> bool {
    eq_limbs(a, b)
}

/// ISZERO.
#[inline(always)]
pub(crate) fn op_iszero(s: &mut Sp) {
    let zero = s.top_is_zero();
    s.set_top_flag(zero);
}

/// AND.
#[inline(always)]
pub(crate) fn op_and(s: &mut Sp) {
    let (a, b) = s.pop_top_limbs();
    s.set_top(and(a, b));
}

/// AND's result.
#[inline(always)]
pub(crate) fn and(a: U256, b: U256) -> U256 {
    b & a
}

/// OR.
#[inline(always)]
pub(crate) fn op_or(s: &mut Sp) {
    let (a, b) = s.pop_top_limbs();
    s.set_top(or(a, b));
}

/// OR's result.
#[inline(always)]
pub(crate) fn or(a: U256, b: U256) -> U256 {
    b | a
}

/// XOR.
#[inline(always)]
pub(crate) fn op_xor(s: &mut Sp) {
    let (a, b) = s.pop_top_limbs();
    s.set_top(b ^ a);
}

/// NOT.
#[inline(always)]
pub(crate) fn op_not(s: &mut Sp) {
    let a = s.top_value();
    s.set_top(!a);
}

/// BYTE: the `i`-th byte of `x`, counting from the most significant; zero for `i >= 32`.
#[inline(always)]
pub(crate) fn op_byte(s: &mut Sp) {
    let (i, x) = s.pop_top();
    s.set_top(byte(i, x));
}

/// BYTE's result: `i` the top, `x` the second item.
#[inline(always)]
pub(crate) fn byte(i: U256, x: U256) -> U256 {
    match usize::try_from(i) {
        Ok(i) if i < 32 => U256::from(x.byte(31 - i)),
        _ => U256::ZERO,
    }
}

/// The shift amount as a `usize`, or `None` when it is 256 or more.
#[inline(always)]
fn shift_amount(shift: U256) -> Option<usize> {
    match usize::try_from(shift) {
        Ok(n) if n < 256 => Some(n),
        _ => None,
    }
}

/// SHL (EIP-145).
#[inline(always)]
pub(crate) fn op_shl(s: &mut Sp) {
    let (shift, x) = s.pop_top();
    s.set_top(shl(shift, x));
}

/// SHL's result: `shift` the top, `x` the second item.
#[inline(always)]
pub(crate) fn shl(shift: U256, x: U256) -> U256 {
    match shift_amount(shift) {
        Some(n) => x << n,
        None => U256::ZERO,
    }
}

/// SHR (EIP-145).
#[inline(always)]
pub(crate) fn op_shr(s: &mut Sp) {
    let (shift, x) = s.pop_top();
    s.set_top(shr(shift, x));
}

/// SHR's result: `shift` the top, `x` the second item.
#[inline(always)]
pub(crate) fn shr(shift: U256, x: U256) -> U256 {
    match shift_amount(shift) {
        Some(n) => x >> n,
        None => U256::ZERO,
    }
}

/// SAR (EIP-145): arithmetic shift, filling with the sign bit.
#[inline(always)]
pub(crate) fn op_sar(s: &mut Sp) {
    let (shift, x) = s.pop_top();
    s.set_top(sar(shift, x));
}

/// Arithmetic right shift as SAR defines it.
pub(crate) fn sar(shift: U256, x: U256) -> U256 {
    let negative = is_neg(x);
    match shift_amount(shift) {
        Some(n) if negative => !((!x) >> n),
        Some(n) => x >> n,
        None if negative => U256::MAX,
        None => U256::ZERO,
    }
}

/// CLZ (EIP-7939): the number of leading zero bits; 256 for zero.
#[inline(always)]
pub(crate) fn op_clz(s: &mut Sp) {
    let x = s.top_value();
    s.set_top(U256::from(x.leading_zeros()));
}
