//! ECRECOVER computed from its definition (SEC 1 §4.1.6, as Ethereum uses it) on `ruint`'s
//! modular arithmetic: no code shared with `k256` or libsecp256k1, so both backends are
//! compared with it, and a build with only one backend (`pure-rust`) still has a second
//! opinion. Jacobian coordinates keep a scalar multiplication to one field inversion.

#![allow(dead_code, unreachable_pub)]

use kestrel_precompiles::{PrecompileError, PrecompileOutput, PrecompileResult};
use kestrel_primitives::{Bytes, U256};
use sha3::Digest;

/// The field prime p (limbs least significant first).
const P: U256 = U256::from_limbs([0xFFFFFFFEFFFFFC2F, u64::MAX, u64::MAX, u64::MAX]);
/// The group order n.
const N: U256 = U256::from_limbs([0xBFD25E8CD0364141, 0xBAAEDCE6AF48A03B, 0xFFFFFFFFFFFFFFFE, u64::MAX]);
/// The generator G's coordinates.
const GX: U256 =
    U256::from_limbs([0x59F2815B16F81798, 0x029BFCDB2DCE28D9, 0x55A06295CE870B07, 0x79BE667EF9DCBBAC]);
const GY: U256 =
    U256::from_limbs([0x9C47D08FFB10D4B8, 0xFD17B448A6855419, 0x5DA4FBFC0E1108A8, 0x483ADA7726A3C465]);

fn add(a: U256, b: U256) -> U256 {
    a.add_mod(b, P)
}
fn sub(a: U256, b: U256) -> U256 {
    a.add_mod(P - b, P)
}
fn mul(a: U256, b: U256) -> U256 {
    a.mul_mod(b, P)
}
fn small(k: u64, a: U256) -> U256 {
    mul(U256::from(k), a)
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity.
#[derive(Clone, Copy)]
struct Jacobian {
    x: U256,
    y: U256,
    z: U256,
}

const INFINITY: Jacobian = Jacobian { x: U256::ZERO, y: U256::ZERO, z: U256::ZERO };

fn affine_to_jacobian(x: U256, y: U256) -> Jacobian {
    Jacobian { x, y, z: U256::from(1) }
}

/// 2P on y² = x³ + 7 (a = 0).
fn double(p: Jacobian) -> Jacobian {
    if p.z.is_zero() || p.y.is_zero() {
        return INFINITY;
    }
    let yy = mul(p.y, p.y);
    let s = small(4, mul(p.x, yy));
    let m = small(3, mul(p.x, p.x));
    let x = sub(mul(m, m), small(2, s));
    let y = sub(mul(m, sub(s, x)), small(8, mul(yy, yy)));
    let z = small(2, mul(p.y, p.z));
    Jacobian { x, y, z }
}

/// P + Q.
fn add_points(p: Jacobian, q: Jacobian) -> Jacobian {
    if p.z.is_zero() {
        return q;
    }
    if q.z.is_zero() {
        return p;
    }
    let (pz2, qz2) = (mul(p.z, p.z), mul(q.z, q.z));
    let (u1, u2) = (mul(p.x, qz2), mul(q.x, pz2));
    let (s1, s2) = (mul(p.y, mul(q.z, qz2)), mul(q.y, mul(p.z, pz2)));
    if u1 == u2 {
        return if s1 == s2 { double(p) } else { INFINITY };
    }
    let h = sub(u2, u1);
    let r = sub(s2, s1);
    let (hh, hhh) = (mul(h, h), mul(h, mul(h, h)));
    let v = mul(u1, hh);
    let x = sub(sub(mul(r, r), hhh), small(2, v));
    let y = sub(mul(r, sub(v, x)), mul(s1, hhh));
    let z = mul(h, mul(p.z, q.z));
    Jacobian { x, y, z }
}

/// kP by double-and-add from the top bit.
fn scalar_mul(k: U256, p: Jacobian) -> Jacobian {
    let mut acc = INFINITY;
    for i in (0..256).rev() {
        acc = double(acc);
        if k.bit(i) {
            acc = add_points(acc, p);
        }
    }
    acc
}

/// The affine coordinates, or `None` at infinity. The inverse is Fermat's: z^(p-2).
fn to_affine(p: Jacobian) -> Option<(U256, U256)> {
    if p.z.is_zero() {
        return None;
    }
    let zi = p.z.pow_mod(P - U256::from(2), P);
    let zi2 = mul(zi, zi);
    Some((mul(p.x, zi2), mul(p.y, mul(zi, zi2))))
}

/// `k·G` in affine coordinates (`None` for k ≡ 0 mod n).
pub fn public_key(k: U256) -> Option<(U256, U256)> {
    to_affine(scalar_mul(k, affine_to_jacobian(GX, GY)))
}

/// The Ethereum address of a public key: the last 20 bytes of keccak256(x ‖ y), on `sha3`.
pub fn address(x: U256, y: U256) -> [u8; 20] {
    let digest = sha3::Keccak256::digest([x.to_be_bytes::<32>(), y.to_be_bytes::<32>()].concat());
    digest[12..].try_into().expect("20 bytes")
}

/// The signer's public key from `(hash, r, s)` and R's y parity, or `None` when there is none.
pub fn recover(hash: &[u8; 32], r: &[u8; 32], s: &[u8; 32], y_odd: bool) -> Option<(U256, U256)> {
    let (r, s) = (U256::from_be_bytes(*r), U256::from_be_bytes(*s));
    if r.is_zero() || s.is_zero() || r >= N || s >= N {
        return None;
    }
    // R = (r, y) with y² = r³ + 7; p ≡ 3 (mod 4), so a root is alpha^((p+1)/4) when one exists.
    let alpha = add(mul(r, mul(r, r)), U256::from(7));
    let beta = alpha.pow_mod((P + U256::from(1)) >> 2, P);
    if mul(beta, beta) != alpha {
        return None;
    }
    let y = if beta.bit(0) == y_odd { beta } else { P - beta };
    // Q = r⁻¹ (s·R − e·G), e the hash reduced mod n.
    let e = U256::from_be_bytes(*hash).reduce_mod(N);
    let r_inv = r.pow_mod(N - U256::from(2), N);
    let u1 = (N - e).reduce_mod(N).mul_mod(r_inv, N);
    let u2 = s.mul_mod(r_inv, N);
    let q = add_points(scalar_mul(u1, affine_to_jacobian(GX, GY)), scalar_mul(u2, affine_to_jacobian(r, y)));
    to_affine(q)
}

/// ECRECOVER as a precompile function: 3000 gas, input zero-padded to 128 bytes, `v` a whole
/// word equal to 27 or 28, the address left-padded to 32 bytes or no output.
pub fn ecrecover(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if gas_limit < 3000 {
        return Err(PrecompileError::OutOfGas);
    }
    let mut padded = [0u8; 128];
    let len = input.len().min(128);
    padded[..len].copy_from_slice(&input[..len]);
    let word = |i: usize| -> [u8; 32] { padded[32 * i..32 * i + 32].try_into().expect("32 bytes") };
    let v = U256::from_be_bytes(word(1));
    let bytes = if v != U256::from(27) && v != U256::from(28) {
        Bytes::new()
    } else {
        match recover(&word(0), &word(2), &word(3), v == U256::from(28)) {
            Some((x, y)) => Bytes::from([[0u8; 12].as_slice(), &address(x, y)].concat()),
            None => Bytes::new(),
        }
    };
    Ok(PrecompileOutput { gas_used: 3000, bytes })
}
