//! The arkworks backend (`ark-bn254`): GLV scalar multiplication in projective
//! coordinates, an endomorphism-based G2 subgroup check, and a batched Miller loop.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing, scalar_mul::glv::GLVConfig};
use ark_ff::{BigInt, BigInteger, Field, One, PrimeField, Zero};

use super::{BAD_FIELD, BAD_G1, BAD_G2, Backend, G1_LEN, PAIR_LEN};
use crate::PrecompileError;

/// The arkworks backend.
pub(crate) struct Ark;

/// 32 big-endian bytes as four little-endian limbs.
#[inline]
fn limbs(bytes: &[u8]) -> BigInt<4> {
    let mut out = [0u64; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        let start = 24 - 8 * i;
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[start..start + 8]);
        *limb = u64::from_be_bytes(word);
    }
    BigInt(out)
}

/// A base-field element from 32 big-endian bytes; errors when `>= p`.
#[inline]
fn fq(bytes: &[u8]) -> Result<Fq, PrecompileError> {
    Fq::from_bigint(limbs(bytes)).ok_or(BAD_FIELD)
}

/// A G1 point from 64 bytes; `(0, 0)` is infinity. G1 has cofactor 1: on the curve is
/// in the group.
#[inline]
fn g1(bytes: &[u8]) -> Result<G1Affine, PrecompileError> {
    let x = fq(&bytes[..32])?;
    let y = fq(&bytes[32..64])?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    if point.is_on_curve() { Ok(point) } else { Err(BAD_G1) }
}

/// A G2 point from 128 bytes (`x_im, x_re, y_im, y_re`); all zero is infinity.
#[inline]
fn g2(bytes: &[u8]) -> Result<G2Affine, PrecompileError> {
    let x_im = fq(&bytes[..32])?;
    let x_re = fq(&bytes[32..64])?;
    let y_im = fq(&bytes[64..96])?;
    let y_re = fq(&bytes[96..128])?;
    let x = Fq2::new(x_re, x_im);
    let y = Fq2::new(y_re, y_im);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    if point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve() {
        Ok(point)
    } else {
        Err(BAD_G2)
    }
}

/// Writes `fq` as 32 big-endian bytes.
#[inline]
fn put_fq(fq: Fq, out: &mut [u8]) {
    let BigInt(limbs) = fq.into_bigint();
    for (i, limb) in limbs.iter().enumerate() {
        let start = 24 - 8 * i;
        out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
    }
}

/// A G1 point as 64 bytes; infinity as zeros.
#[inline]
fn encode_g1(point: G1Projective) -> [u8; G1_LEN] {
    let mut out = [0u8; G1_LEN];
    if let Some((x, y)) = point.into_affine().xy() {
        put_fq(x, &mut out[..32]);
        put_fq(y, &mut out[32..]);
    }
    out
}

/// `p + q` in affine coordinates: one inversion and three multiplications (a mixed
/// projective addition then `into_affine` costs the same inversion plus about ten more).
#[inline]
fn add_affine(p: G1Affine, q: G1Affine) -> [u8; G1_LEN] {
    let (Some((x1, y1)), Some((x2, y2))) = (p.xy(), q.xy()) else {
        // At least one is infinity: the sum is the other one.
        return encode_g1(G1Projective::from(p) + q);
    };
    let lambda = if x1 != x2 {
        (y2 - y1) * (x2 - x1).inverse().unwrap_or_default()
    } else if y1 == y2 && !y1.is_zero() {
        // Doubling: λ = 3x² / 2y.
        let x_sq = x1.square();
        (x_sq + x_sq + x_sq) * (y1 + y1).inverse().unwrap_or_default()
    } else {
        // q = −p (G1 has odd order, so no point has y = 0).
        return [0u8; G1_LEN];
    };
    let x3 = lambda.square() - x1 - x2;
    let y3 = lambda * (x1 - x3) - y1;
    let mut out = [0u8; G1_LEN];
    put_fq(x3, &mut out[..32]);
    put_fq(y3, &mut out[32..]);
    out
}

/// The 256-bit big-endian `scalar` reduced mod r (r > 2^253, so at most five
/// subtractions).
#[inline]
fn fr(scalar: &[u8; 32]) -> Fr {
    let mut n = limbs(scalar);
    while n >= Fr::MODULUS {
        n.sub_with_borrow(&Fr::MODULUS);
    }
    // `n < r` now, so this is `Some`; zero is the harmless fallback.
    Fr::from_bigint(n).unwrap_or_default()
}

impl Backend for Ark {
    fn add(a: &[u8; G1_LEN], b: &[u8; G1_LEN]) -> Result<[u8; G1_LEN], PrecompileError> {
        let p = g1(a)?;
        let q = g1(b)?;
        Ok(add_affine(p, q))
    }

    fn mul(p: &[u8; G1_LEN], scalar: &[u8; 32]) -> Result<[u8; G1_LEN], PrecompileError> {
        let p = g1(p)?;
        let n = fr(scalar);
        if p.is_zero() || n.is_zero() {
            return Ok([0u8; G1_LEN]);
        }
        // Every G1 point has order r, so reducing the scalar mod r is exact.
        Ok(encode_g1(ark_bn254::g1::Config::glv_mul_projective(p.into(), n)))
    }

    fn pairing_is_one(input: &[u8]) -> Result<bool, PrecompileError> {
        let n = input.len() / PAIR_LEN;
        let mut ps = Vec::with_capacity(n);
        let mut qs = Vec::with_capacity(n);
        for chunk in input.chunks_exact(PAIR_LEN) {
            let (a, b) = chunk.split_at(G1_LEN);
            let p = g1(a)?;
            let q = g2(b)?;
            // A pair with infinity contributes e(P, Q) = 1: skip it (after validating both).
            if !p.is_zero() && !q.is_zero() {
                ps.push(p);
                qs.push(q);
            }
        }
        if ps.is_empty() {
            return Ok(true);
        }
        let miller = Bn254::multi_miller_loop(ps, qs);
        // `None` only for a zero Miller-loop value, which valid points never give.
        Ok(Bn254::final_exponentiation(miller).is_some_and(|gt| gt.0.is_one()))
    }
}
