//! KZG point evaluation (0x0a): EIP-4844, active from Cancun.
//!
//! Verifies a proof that the blob committed to by `commitment` evaluates to `y` at `z`,
//! against the Ethereum mainnet trusted setup. Checking one opening needs a single point
//! of that setup, `[τ]G2`, so it is a constant here and verification is a direct blst
//! computation: no setup is loaded or precomputed, and the first call in a process costs
//! the same as every later one.

use std::sync::OnceLock;

use blst::{
    BLST_ERROR, blst_final_exp, blst_fp6, blst_fp12, blst_fp12_is_one, blst_fp12_mul, blst_miller_loop_lines,
    blst_p1, blst_p1_add_or_double, blst_p1_affine, blst_p1_affine_in_g1, blst_p1_affine_is_inf,
    blst_p1_cneg, blst_p1_from_affine, blst_p1_generator, blst_p1_mult, blst_p1_to_affine,
    blst_p1_uncompress, blst_p2_affine, blst_p2_affine_generator, blst_p2_uncompress, blst_precompute_lines,
};
use kestrel_primitives::Bytes;
use kestrel_primitives::gas::eip4844::VERSIONED_HASH_VERSION_KZG;

use crate::{PrecompileError, PrecompileOutput, PrecompileResult, charge};

/// POINT_EVALUATION gas.
const POINT_EVALUATION_GAS: u64 = 50_000;
/// The only accepted input length: versioned hash, z, y, commitment, proof.
const INPUT_LEN: usize = 32 + 32 + 32 + 48 + 48;

/// `[τ]G2` of the Ethereum mainnet KZG ceremony: `g2_monomial[1]` of the trusted setup
/// (line 4100 of c-kzg-4844's `trusted_setup.txt`, `KZG_SETUP_G2_MONOMIAL_1` in the
/// executable spec), compressed. The only part of the setup a single opening needs.
#[rustfmt::skip]
const TRUSTED_SETUP_TAU_G2: [u8; 96] = [
    0xb5, 0xbf, 0xd7, 0xdd, 0x8c, 0xde, 0xb1, 0x28, 0x84, 0x3b, 0xc2, 0x87, 0x23, 0x0a, 0xf3, 0x89,
    0x26, 0x18, 0x70, 0x75, 0xcb, 0xfb, 0xef, 0xa8, 0x10, 0x09, 0xa2, 0xce, 0x61, 0x5a, 0xc5, 0x3d,
    0x29, 0x14, 0xe5, 0x87, 0x0c, 0xb4, 0x52, 0xd2, 0xaf, 0xaa, 0xab, 0x24, 0xf3, 0x49, 0x9f, 0x72,
    0x18, 0x5c, 0xbf, 0xee, 0x53, 0x49, 0x27, 0x14, 0x73, 0x44, 0x29, 0xb7, 0xb3, 0x86, 0x08, 0xe2,
    0x39, 0x26, 0xc9, 0x11, 0xcc, 0xec, 0xea, 0xc9, 0xa3, 0x68, 0x51, 0x47, 0x7b, 0xa4, 0xc6, 0x0b,
    0x08, 0x70, 0x41, 0xde, 0x62, 0x10, 0x00, 0xed, 0xc9, 0x8e, 0xda, 0xda, 0x20, 0xc1, 0xde, 0xf2,
];

/// BLS_MODULUS, the order r of G1 and of the scalar field, big-endian.
#[rustfmt::skip]
const BLS_MODULUS: [u8; 32] = [
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
];

/// Bits of every scalar handed to blst: `z` and `y` are below r < 2^255.
const SCALAR_BITS: usize = 255;

/// The success output: FIELD_ELEMENTS_PER_BLOB (4096) then BLS_MODULUS, each as a
/// 32-byte big-endian word.
const RETURN_VALUE: [u8; 64] = {
    let mut out = [0u8; 64];
    out[30] = 0x10; // 4096 = 0x1000
    let mut i = 0;
    while i < 32 {
        out[32 + i] = BLS_MODULUS[i];
        i += 1;
    }
    out
};

/// The failure for every invalid input: every failure of this precompile is the same.
const INVALID: PrecompileError = PrecompileError::Failure("kzg: invalid point evaluation input");

/// POINT_EVALUATION (0x0a): exactly 192 bytes in; 64 bytes out on a valid proof. The
/// versioned hash must be `0x01 ++ sha256(commitment)[1..]`, `z` and `y` canonical field
/// elements, commitment and proof compressed G1 points of the subgroup (infinity allowed),
/// and the proof must open the commitment to `y` at `z`.
pub(crate) fn point_evaluation(input: &[u8], gas_limit: u64) -> PrecompileResult {
    let Ok(input) = <&[u8; INPUT_LEN]>::try_from(input) else {
        return Err(INVALID);
    };
    let gas = charge(POINT_EVALUATION_GAS, gas_limit)?;

    let (versioned_hash, rest) = input.split_at(32);
    let (z, rest) = rest.split_at(32);
    let (y, rest) = rest.split_at(32);
    let (commitment, proof) = rest.split_at(48);

    let mut expected_hash: [u8; 32] = crate::sha256::sha256(commitment);
    expected_hash[0] = VERSIONED_HASH_VERSION_KZG;
    if versioned_hash != expected_hash {
        return Err(INVALID);
    }

    let (Some(z), Some(y), Some(commitment), Some(proof)) =
        (decode_scalar(z), decode_scalar(y), decode_g1(commitment), decode_g1(proof))
    else {
        return Err(INVALID);
    };
    if !verify_kzg_proof(&commitment, &z, &y, &proof) {
        return Err(INVALID);
    }
    Ok(PrecompileOutput { gas_used: gas, bytes: Bytes::from_static(&RETURN_VALUE) })
}

/// Reads a 32-byte big-endian field element, which must be canonical (below r), as the
/// little-endian bytes blst multiplies by. `None` for a wrong length or a value >= r.
fn decode_scalar(be: &[u8]) -> Option<[u8; 32]> {
    let be = <[u8; 32]>::try_from(be).ok()?;
    // Both are 32 big-endian bytes, so byte-wise order is numeric order.
    if be >= BLS_MODULUS {
        return None;
    }
    let mut le = be;
    le.reverse();
    Some(le)
}

/// Decodes a 48-byte compressed G1 point as the spec's `validate_kzg_g1` accepts it: the
/// canonical infinity encoding (`0xc0` then zeros), or a compressed point whose x is
/// below p, that lies on the curve and in the subgroup G1. `None` otherwise.
fn decode_g1(bytes: &[u8]) -> Option<blst_p1_affine> {
    let bytes = <&[u8; 48]>::try_from(bytes).ok()?;
    let mut point = blst_p1_affine::default();
    // SAFETY: `bytes` is 48 readable bytes, the length blst reads, and `point` is a valid,
    // exclusively borrowed affine point. blst rejects a clear compression bit, an infinity
    // flag with any other bit set, x >= p and an x with no curve point; infinity decodes
    // to the all-zero affine point.
    if unsafe { blst_p1_uncompress(&mut point, bytes.as_ptr()) } != BLST_ERROR::BLST_SUCCESS {
        return None;
    }
    // SAFETY: `point` is a valid, initialised affine point that blst only reads; blst
    // counts the all-zero point (infinity) as a member of G1.
    unsafe { blst_p1_affine_in_g1(&point) }.then_some(point)
}

/// True when `proof` opens `commitment` to `y` at `z`: `C - [y]G1 = [τ - z]π`, the spec's
/// `e(C - [y]G1, -G2) * e(π, [τ]G2 - [z]G2) = 1`. By bilinearity that is checked as
/// `e([y]G1 - C - [z]π, G2) * e(π, [τ]G2) = 1`, which moves the multiplication by `z`
/// from G2 to the cheaper G1 and leaves both G2 points fixed. Points must be in G1,
/// scalars little-endian and below r.
fn verify_kzg_proof(commitment: &blst_p1_affine, z: &[u8; 32], y: &[u8; 32], proof: &blst_p1_affine) -> bool {
    let Some(lines) = fixed_lines() else {
        // Unreachable for the setup constant (a unit test decodes it); failing closed keeps
        // this path panic-free.
        return false;
    };

    let (mut c, mut pi, mut y_g1, mut z_pi) =
        (blst_p1::default(), blst_p1::default(), blst_p1::default(), blst_p1::default());
    let (mut sum, mut lhs) = (blst_p1::default(), blst_p1::default());
    let mut lhs_affine = blst_p1_affine::default();
    // SAFETY: every pointer is to a valid, initialised value on this stack frame (blst's
    // generator is a static), and every output is exclusively borrowed. Scalars are 32
    // little-endian bytes, enough for SCALAR_BITS. blst maps the all-zero affine point to
    // infinity, its multiplication handles infinity and a zero scalar, and its addition
    // handles infinity, doubling and P + (-P).
    unsafe {
        blst_p1_from_affine(&mut c, commitment);
        blst_p1_from_affine(&mut pi, proof);
        blst_p1_mult(&mut y_g1, blst_p1_generator(), y.as_ptr(), SCALAR_BITS);
        blst_p1_mult(&mut z_pi, &pi, z.as_ptr(), SCALAR_BITS);
        blst_p1_add_or_double(&mut sum, &c, &z_pi);
        blst_p1_cneg(&mut sum, true);
        blst_p1_add_or_double(&mut lhs, &y_g1, &sum);
        blst_p1_to_affine(&mut lhs_affine, &lhs);
    }

    // Both G2 points are fixed, so their Miller-loop lines are computed once: each pair is
    // a Miller loop that only evaluates lines at its G1 point. A pair with infinity pairs to
    // 1 and is left out.
    let mut acc: Option<blst_fp12> = None;
    for (p, q_lines) in [(&lhs_affine, &lines.g2), (proof, &lines.tau_g2)] {
        if g1_is_inf(p) {
            continue;
        }
        let mut miller = blst_fp12::default();
        // SAFETY: `q_lines` holds the 68 lines blst_precompute_lines wrote for a valid G2
        // point, `p` is a valid affine G1 point that is not infinity, and `miller` is a
        // valid, exclusively borrowed fp12.
        unsafe { blst_miller_loop_lines(&mut miller, q_lines.as_ptr(), p) };
        acc = Some(match acc {
            None => miller,
            Some(first) => {
                let mut product = blst_fp12::default();
                // SAFETY: valid fp12 values on this frame; the output is exclusively borrowed.
                unsafe { blst_fp12_mul(&mut product, &first, &miller) };
                product
            }
        });
    }
    let Some(miller) = acc else { return true };
    let mut product = blst_fp12::default();
    // SAFETY: valid fp12 values on this frame; the output is exclusively borrowed.
    unsafe {
        blst_final_exp(&mut product, &miller);
        blst_fp12_is_one(&product)
    }
}

/// The Miller-loop lines of the two fixed G2 points, G2's generator and `[τ]G2`.
struct FixedLines {
    g2: Box<[blst_fp6; 68]>,
    tau_g2: Box<[blst_fp6; 68]>,
}

/// The lines, computed on first use (`None` only if the setup constant did not decode).
fn fixed_lines() -> Option<&'static FixedLines> {
    static LINES: OnceLock<Option<FixedLines>> = OnceLock::new();
    LINES
        .get_or_init(|| {
            let mut tau_g2 = blst_p2_affine::default();
            // SAFETY: the constant is 96 readable bytes, the length blst reads, and `tau_g2`
            // is a valid, exclusively borrowed affine point.
            if unsafe { blst_p2_uncompress(&mut tau_g2, TRUSTED_SETUP_TAU_G2.as_ptr()) }
                != BLST_ERROR::BLST_SUCCESS
            {
                return None;
            }
            let lines_of = |q: &blst_p2_affine| {
                let mut lines = Box::new([blst_fp6::default(); 68]);
                // SAFETY: blst writes 68 lines (its documented count for BLS12-381) for `q`,
                // a valid G2 point that is not infinity; the buffer holds exactly 68.
                unsafe { blst_precompute_lines(lines.as_mut_ptr(), q) };
                lines
            };
            // SAFETY: blst's G2 generator is a static, valid affine point.
            let g2 = unsafe { &*blst_p2_affine_generator() };
            Some(FixedLines { g2: lines_of(g2), tau_g2: lines_of(&tau_g2) })
        })
        .as_ref()
}

/// True for the point at infinity (all-zero affine coordinates).
fn g1_is_inf(point: &blst_p1_affine) -> bool {
    // SAFETY: `point` is a valid affine point that blst only reads.
    unsafe { blst_p1_affine_is_inf(point) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blst::{blst_p2_affine_in_g2, blst_p2_affine_is_inf};

    #[test]
    fn tau_g2_is_a_valid_g2_point() {
        let mut tau = blst_p2_affine::default();
        // SAFETY: 96 readable bytes in, a valid exclusively borrowed point out.
        let err = unsafe { blst_p2_uncompress(&mut tau, TRUSTED_SETUP_TAU_G2.as_ptr()) };
        assert_eq!(err, BLST_ERROR::BLST_SUCCESS);
        // SAFETY: `tau` is a valid affine point that blst only reads.
        assert!(unsafe { blst_p2_affine_in_g2(&tau) });
        // SAFETY: as above.
        assert!(!unsafe { blst_p2_affine_is_inf(&tau) });
        // SAFETY: as above; the generator is a static.
        assert_ne!(tau, unsafe { *blst_p2_affine_generator() });
    }
}
