//! Reference semantics of the arithmetic and bitwise opcodes, computed with arbitrary-precision
//! integers (`num-bigint`) straight from the Yellow Paper definitions, independent of the
//! crate's own helpers and of `ruint`'s modular operations.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Signed, Zero};

use kestrel_primitives::U256;

/// 2^256.
pub fn modulus() -> BigUint {
    BigUint::one() << 256u32
}

/// A word as an unsigned integer.
pub fn big(x: U256) -> BigUint {
    BigUint::from_bytes_be(&x.to_be_bytes::<32>())
}

/// An unsigned integer reduced mod 2^256, as a word.
pub fn word(x: &BigUint) -> U256 {
    let reduced = x % modulus();
    let bytes = reduced.to_bytes_be();
    U256::from_be_slice(&bytes)
}

/// A word read as two's complement.
pub fn signed(x: U256) -> BigInt {
    let u = BigInt::from(big(x));
    if u >= (BigInt::one() << 255u32) { u - (BigInt::one() << 256u32) } else { u }
}

/// A signed integer reduced mod 2^256, as a word.
pub fn from_signed(x: &BigInt) -> U256 {
    let m = BigInt::from(modulus());
    let mut r = x % &m;
    if r.is_negative() {
        r += &m;
    }
    word(&r.to_biguint().expect("non-negative"))
}

/// DIV: μ's a / b, zero for b = 0.
pub fn div(a: U256, b: U256) -> U256 {
    if b.is_zero() { U256::ZERO } else { word(&(big(a) / big(b))) }
}

/// MOD.
pub fn rem(a: U256, b: U256) -> U256 {
    if b.is_zero() { U256::ZERO } else { word(&(big(a) % big(b))) }
}

/// SDIV: sgn(a/b)·⌊|a/b|⌋ (rounds toward zero), zero for b = 0; −2²⁵⁵/−1 wraps to −2²⁵⁵.
pub fn sdiv(a: U256, b: U256) -> U256 {
    let (a, b) = (signed(a), signed(b));
    if b.is_zero() {
        return U256::ZERO;
    }
    let q = a.abs() / b.abs();
    let negative = (a.sign() == Sign::Minus) != (b.sign() == Sign::Minus);
    from_signed(&if negative { -q } else { q })
}

/// SMOD: sgn(a)·(|a| mod |b|), zero for b = 0.
pub fn smod(a: U256, b: U256) -> U256 {
    let (a, b) = (signed(a), signed(b));
    if b.is_zero() {
        return U256::ZERO;
    }
    let r = a.abs() % b.abs();
    from_signed(&if a.is_negative() { -r } else { r })
}

/// ADDMOD: (a + b) mod n over the integers, zero for n = 0.
pub fn addmod(a: U256, b: U256, n: U256) -> U256 {
    if n.is_zero() { U256::ZERO } else { word(&((big(a) + big(b)) % big(n))) }
}

/// MULMOD: (a · b) mod n over the integers, zero for n = 0.
pub fn mulmod(a: U256, b: U256, n: U256) -> U256 {
    if n.is_zero() { U256::ZERO } else { word(&((big(a) * big(b)) % big(n))) }
}

/// EXP: a^b mod 2^256.
pub fn exp(a: U256, b: U256) -> U256 {
    word(&big(a).modpow(&big(b), &modulus()))
}

/// The byte length of the exponent, as EXP's gas counts it.
pub fn byte_len(x: U256) -> u64 {
    big(x).bits().div_ceil(8)
}

/// SIGNEXTEND: sign-extends from bit 8b+7 when b < 31, else returns x.
pub fn signextend(b: U256, x: U256) -> U256 {
    if big(b) >= BigUint::from(31u32) {
        return x;
    }
    let bits = 8 * (b.to::<u64>() as u32 + 1);
    let low = big(x) % (BigUint::one() << bits);
    let sign_bit = BigUint::one() << (bits - 1);
    if low >= sign_bit {
        // Negative in `bits` bits: the value is low − 2^bits.
        from_signed(&(BigInt::from(low) - (BigInt::one() << bits)))
    } else {
        word(&low)
    }
}

/// BYTE: the i-th byte counting from the most significant, zero for i ≥ 32.
pub fn byte(i: U256, x: U256) -> U256 {
    if big(i) >= BigUint::from(32u32) {
        return U256::ZERO;
    }
    let i = i.to::<u64>() as u32;
    // Shift the wanted byte down to the bottom and keep 8 bits.
    word(&((big(x) >> (8 * (31 - i))) % BigUint::from(256u32)))
}

/// SHL: x · 2^s mod 2^256 (zero for s ≥ 256).
pub fn shl(s: U256, x: U256) -> U256 {
    if big(s) >= BigUint::from(256u32) {
        return U256::ZERO;
    }
    word(&(big(x) * (BigUint::one() << s.to::<u64>())))
}

/// SHR: ⌊x / 2^s⌋.
pub fn shr(s: U256, x: U256) -> U256 {
    if big(s) >= BigUint::from(256u32) {
        return U256::ZERO;
    }
    word(&(big(x) / (BigUint::one() << s.to::<u64>())))
}

/// SAR: ⌊x / 2^s⌋ with x signed, rounding toward −∞ (so −1 for negative x and s ≥ 256).
pub fn sar(s: U256, x: U256) -> U256 {
    let x = signed(x);
    let s = if big(s) >= BigUint::from(256u32) { 256 } else { s.to::<u64>() };
    let d = BigInt::one() << s;
    let mut q = &x / &d; // truncates toward zero
    if x.is_negative() && &q * &d != x {
        q -= 1;
    }
    from_signed(&q)
}

/// SLT as 0/1.
pub fn slt(a: U256, b: U256) -> U256 {
    U256::from((signed(a) < signed(b)) as u8)
}

/// SGT as 0/1.
pub fn sgt(a: U256, b: U256) -> U256 {
    U256::from((signed(a) > signed(b)) as u8)
}

/// CLZ (EIP-7939): 256 minus the bit length.
pub fn clz(x: U256) -> U256 {
    U256::from(256 - big(x).bits())
}
