//! The arkworks backend (`ark-bn254`): GLV scalar multiplication in projective
//! coordinates, an endomorphism-based G2 subgroup check, and a batched Miller loop.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing, scalar_mul::glv::GLVConfig};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, MontFp, One, PrimeField, Zero};

use super::{BAD_FIELD, BAD_G1, BAD_G2, Backend, G1_LEN, PAIR_LEN, g1_coordinates, g2_coordinates};
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
    let (x, y) = g1_coordinates(bytes, fq)?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let point = G1Affine::new_unchecked(x, y);
    if point.is_on_curve() { Ok(point) } else { Err(BAD_G1) }
}

/// A G2 point from 128 bytes (`x_im, x_re, y_im, y_re`); all zero is infinity.
#[inline]
fn g2(bytes: &[u8]) -> Result<G2Affine, PrecompileError> {
    let [(x_re, x_im), (y_re, y_im)] = g2_coordinates(bytes, fq)?;
    let x = Fq2::new(x_re, x_im);
    let y = Fq2::new(y_re, y_im);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let point = G2Affine::new_unchecked(x, y);
    if point.is_on_curve() && in_g2(&point) { Ok(point) } else { Err(BAD_G2) }
}

/// BN254's curve parameter x (p, r and the trace are polynomials in x); 63 bits.
const BN_X: u64 = 4_965_661_367_192_848_881;
/// ψ's x multiplier, `(u + 9)^((p − 1) / 3)` (arkworks' `P_POWER_ENDOMORPHISM_COEFF_0`).
const PSI_X: Fq2 = Fq2::new(
    MontFp!("21575463638280843010398324269430826099269044274347216827212613867836435027261"),
    MontFp!("10307601595873709700152284273816112264069230130616436755625194854815875713954"),
);
/// ψ's y multiplier, `(u + 9)^((p − 1) / 2)` (arkworks' `P_POWER_ENDOMORPHISM_COEFF_1`).
const PSI_Y: Fq2 = Fq2::new(
    MontFp!("2821565182194536844548159561693502659359617185244120367078079554186484126554"),
    MontFp!("3505843767911556378687030309984248845540243509899259641013678093033130930403"),
);

/// ψ, the untwist-Frobenius-twist endomorphism of the twist: conjugate every Jacobian
/// coordinate and scale x and y (the scale factors pass through `X/Z²` and `Y/Z³`).
#[inline]
fn psi(mut p: G2Projective) -> G2Projective {
    p.x.conjugate_in_place();
    p.y.conjugate_in_place();
    p.z.conjugate_in_place();
    p.x *= PSI_X;
    p.y *= PSI_Y;
    p
}

/// Whether a point on the twist lies in G2, the order-r subgroup: by El Housni, Guillevic
/// and Piellard (eprint 2022/352, section 4.3 for BN curves), exactly when
/// `[x+1]P + ψ([x]P) + ψ²([x]P) = ψ³([2x]P)`. That needs one 63-bit multiplication where
/// arkworks' own check (`[6x²]P = ψ(P)`) needs a 127-bit one.
fn in_g2(p: &G2Affine) -> bool {
    let mut u = G2Projective::zero();
    for i in (0..u64::BITS - BN_X.leading_zeros()).rev() {
        u.double_in_place();
        if (BN_X >> i) & 1 == 1 {
            u += p;
        }
    }
    let pu = psi(u);
    let ppu = psi(pu);
    let pppu = psi(ppu);
    (ppu + pu + u + p - pppu.double()).is_zero()
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

#[cfg(test)]
mod tests {
    use ark_bn254::{Fq2, Fr, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};

    /// The short subgroup check agrees with arkworks' own on subgroup points, on points of
    /// the twist outside the subgroup, and on their sums.
    #[test]
    fn in_g2_matches_arkworks() {
        let mut checked_off = 0;
        for k in 1u64..200 {
            let p = (G2Projective::generator() * Fr::from(k * 7919 + 1)).into_affine();
            assert!(super::in_g2(&p), "k = {k}");
            assert!(p.is_in_correct_subgroup_assuming_on_curve());
            // A point of the twist with x = k + k·u, when one exists: almost surely not in G2.
            let x = Fq2::new(k.into(), (k * k + 3).into());
            for greatest in [false, true] {
                if let Some(q) = G2Affine::get_point_from_x_unchecked(x, greatest) {
                    assert!(q.is_on_curve());
                    let expected = q.is_in_correct_subgroup_assuming_on_curve();
                    assert_eq!(super::in_g2(&q), expected, "x = {x}");
                    let sum = (q + p).into_affine();
                    assert_eq!(super::in_g2(&sum), sum.is_in_correct_subgroup_assuming_on_curve());
                    checked_off += usize::from(!expected);
                }
            }
        }
        assert!(checked_off > 100, "only {checked_off} points outside G2");
    }
}
