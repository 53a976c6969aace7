//! Arithmetic: ADD, MUL, SUB, DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP, SIGNEXTEND.
//!
//! All arithmetic is modulo 2²⁵⁶; division by zero yields zero (Yellow Paper, appendix H).

use kestrel_primitives::gas::frontier::{EXP_BYTE, EXP_BYTE_EIP160};
use kestrel_primitives::{SpecId, U256};

use crate::regs::Regs;
use crate::stack::Sp;
use crate::{Buffers, Frame, Step};

const SIGN_BIT: usize = 255;

/// Two's-complement negation.
#[inline(always)]
pub(crate) fn neg(x: U256) -> U256 {
    x.wrapping_neg()
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

/// ADD.
#[inline(always)]
pub(crate) fn op_add(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(a.wrapping_add(b));
}

/// MUL.
#[inline(always)]
pub(crate) fn op_mul(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(a.wrapping_mul(b));
}

/// SUB.
#[inline(always)]
pub(crate) fn op_sub(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(a.wrapping_sub(b));
}

/// DIV.
#[inline(always)]
pub(crate) fn op_div(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(a.checked_div(b).unwrap_or_default());
}

/// SDIV: truncating signed division; −2²⁵⁵ / −1 = −2²⁵⁵.
#[inline(always)]
pub(crate) fn op_sdiv(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(sdiv(a, b));
}

/// Signed division as SDIV defines it.
pub(crate) fn sdiv(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let q = abs(a) / abs(b);
    if is_neg(a) != is_neg(b) { neg(q) } else { q }
}

/// MOD.
#[inline(always)]
pub(crate) fn op_mod(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(a.checked_rem(b).unwrap_or_default());
}

/// SMOD: the result takes the dividend's sign.
#[inline(always)]
pub(crate) fn op_smod(s: &mut Sp) {
    let (a, b) = s.pop_top();
    s.set_top(smod(a, b));
}

/// Signed remainder as SMOD defines it.
pub(crate) fn smod(a: U256, b: U256) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    let r = abs(a) % abs(b);
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
