//! Helpers shared by the BLS12-381 and KZG precompile tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use kestrel_precompiles::{PrecompileError, PrecompileOutput, Precompiles};
use kestrel_primitives::{Address, SpecId};

/// BLS12_G1ADD.
pub(crate) const G1ADD: u8 = 0x0b;
/// BLS12_G1MSM.
pub(crate) const G1MSM: u8 = 0x0c;
/// BLS12_G2ADD.
pub(crate) const G2ADD: u8 = 0x0d;
/// BLS12_G2MSM.
pub(crate) const G2MSM: u8 = 0x0e;
/// BLS12_PAIRING_CHECK.
pub(crate) const PAIRING: u8 = 0x0f;
/// BLS12_MAP_FP_TO_G1.
pub(crate) const MAP_FP_TO_G1: u8 = 0x10;
/// BLS12_MAP_FP2_TO_G2.
pub(crate) const MAP_FP2_TO_G2: u8 = 0x11;
/// POINT_EVALUATION.
pub(crate) const POINT_EVALUATION: u8 = 0x0a;

/// The base-field modulus p, 48 bytes big-endian.
pub(crate) const P_HEX: &str =
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
/// The group order r, 32 bytes big-endian.
pub(crate) const R_HEX: &str = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001";

/// Decodes hex (no prefix); panics on bad hex, which only a broken test constant has.
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("bad hex")).collect()
}

/// A 64-byte padded field element from up to 48 bytes of big-endian hex.
pub(crate) fn fp(s: &str) -> Vec<u8> {
    let v = hex(s);
    assert!(v.len() <= 48);
    let mut out = vec![0u8; 64 - v.len()];
    out.extend_from_slice(&v);
    out
}

/// Concatenates byte strings.
pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A 32-byte big-endian scalar from a u64.
pub(crate) fn scalar(v: u64) -> Vec<u8> {
    let mut out = vec![0u8; 24];
    out.extend_from_slice(&v.to_be_bytes());
    out
}

/// `a - b` for equal-length big-endian integers with `a >= b`.
pub(crate) fn be_sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    assert_eq!(a.len(), b.len());
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0, "be_sub underflow");
    out
}

/// `a + b` for equal-length big-endian integers, dropping any carry out of the top.
pub(crate) fn be_add(a: &[u8], b: &[u8]) -> Vec<u8> {
    assert_eq!(a.len(), b.len());
    let mut out = vec![0u8; a.len()];
    let mut carry = 0u16;
    for i in (0..a.len()).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    out
}

/// Negates an encoded G1 point (128 bytes): (x, p - y); infinity stays infinity.
pub(crate) fn neg_g1(point: &[u8]) -> Vec<u8> {
    assert_eq!(point.len(), 128);
    if point.iter().all(|&b| b == 0) {
        return point.to_vec();
    }
    let y = be_sub(&hex(P_HEX), &point[80..128]);
    cat(&[&point[..64], &[0u8; 16], &y])
}

/// Negates an encoded G2 point (256 bytes): (x, -y) with -y = (p - y0, p - y1).
pub(crate) fn neg_g2(point: &[u8]) -> Vec<u8> {
    assert_eq!(point.len(), 256);
    if point.iter().all(|&b| b == 0) {
        return point.to_vec();
    }
    let neg = |c: &[u8]| {
        if c.iter().all(|&b| b == 0) { c.to_vec() } else { be_sub(&hex(P_HEX), c) }
    };
    let (y0, y1) = (neg(&point[144..192]), neg(&point[208..256]));
    cat(&[&point[..128], &[0u8; 16], &y0, &[0u8; 16], &y1])
}

/// Calls the precompile at `0x..addr` in `spec`; panics if it is not active there.
pub(crate) fn call_in(
    spec: SpecId,
    addr: u8,
    input: &[u8],
    gas: u64,
) -> Result<PrecompileOutput, PrecompileError> {
    let precompile =
        Precompiles::for_spec(spec).get(&Address::with_last_byte(addr)).expect("precompile active");
    precompile(input, gas)
}

/// Calls the precompile at `0x..addr` in Prague with ample gas and expects success.
pub(crate) fn ok(addr: u8, input: &[u8]) -> PrecompileOutput {
    call_in(SpecId::Prague, addr, input, 100_000_000)
        .unwrap_or_else(|e| panic!("precompile {addr:#x} failed: {e:?}"))
}

/// Calls the precompile at `0x..addr` in Prague with ample gas and expects a failure
/// other than out-of-gas.
pub(crate) fn fails(addr: u8, input: &[u8]) {
    match call_in(SpecId::Prague, addr, input, 100_000_000) {
        Err(PrecompileError::Failure(_)) => {}
        other => panic!("precompile {addr:#x}: expected a failure, got {other:?}"),
    }
}
