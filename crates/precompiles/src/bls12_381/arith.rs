//! Curve arithmetic on decoded points, through blst's C API.
//!
//! The raw functions are used rather than blst's safe wrappers because those spread MSMs
//! and Miller loops over a thread pool; a precompile runs inside one transaction on one
//! thread and must not compete with the caller's own parallelism.

use core::ptr;

use blst::{
    blst_final_exp, blst_fp, blst_fp2, blst_fp12, blst_fp12_is_one, blst_map_to_g1, blst_map_to_g2,
    blst_miller_loop_n, blst_p1, blst_p1_add_or_double_affine, blst_p1_affine, blst_p1_from_affine,
    blst_p1_mult, blst_p1s_mult_pippenger, blst_p1s_mult_pippenger_scratch_sizeof, blst_p2,
    blst_p2_add_or_double_affine, blst_p2_affine, blst_p2_from_affine, blst_p2_mult, blst_p2s_mult_pippenger,
    blst_p2s_mult_pippenger_scratch_sizeof, limb_t,
};

use super::codec::SCALAR_LEN;

/// Bits of every scalar handed to blst: scalars are reduced below r < 2^255 first.
const SCALAR_BITS: usize = 255;

/// `a + b` for any two points on the G1 curve (subgroup membership not required), by
/// one mixed (Jacobian + affine) addition.
pub(crate) fn g1_add(a: &blst_p1_affine, b: &blst_p1_affine) -> blst_p1 {
    let (mut pa, mut out) = (blst_p1::default(), blst_p1::default());
    // SAFETY: all pointers are to valid, initialised values on this stack frame; blst
    // maps the all-zero affine point to infinity and its addition handles infinity (on
    // either side), doubling and P + (-P).
    unsafe {
        blst_p1_from_affine(&mut pa, a);
        blst_p1_add_or_double_affine(&mut out, &pa, b);
    }
    out
}

/// `a + b` for any two points on the G2 curve (subgroup membership not required).
pub(crate) fn g2_add(a: &blst_p2_affine, b: &blst_p2_affine) -> blst_p2 {
    let (mut pa, mut out) = (blst_p2::default(), blst_p2::default());
    // SAFETY: as in `g1_add`.
    unsafe {
        blst_p2_from_affine(&mut pa, a);
        blst_p2_add_or_double_affine(&mut out, &pa, b);
    }
    out
}

/// `sum(scalars[i] * points[i])` over G1. Every point must be in G1 and not infinity,
/// every scalar below r and nonzero (the caller drops other terms); empty gives infinity.
pub(crate) fn g1_msm(points: &[blst_p1_affine], scalars: &[[u8; SCALAR_LEN]]) -> blst_p1 {
    let mut out = blst_p1::default();
    let n = points.len().min(scalars.len());
    if n == 0 {
        // The all-zero Jacobian point (Z = 0) is infinity.
        return out;
    }
    if n == 1 {
        // One term: a plain (GLV) scalar multiplication, without Pippenger's buckets and
        // scratch buffer.
        let mut p = blst_p1::default();
        // SAFETY: valid, initialised values; the scalar is 32 little-endian bytes, of which
        // blst reads the low 255 bits.
        unsafe {
            blst_p1_from_affine(&mut p, &points[0]);
            blst_p1_mult(&mut out, &p, scalars[0].as_ptr(), SCALAR_BITS);
        }
        return out;
    }
    // SAFETY: a pure size query.
    let scratch_bytes = unsafe { blst_p1s_mult_pippenger_scratch_sizeof(n) };
    let mut scratch: Vec<limb_t> = vec![0; scratch_bytes.div_ceil(size_of::<limb_t>())];
    // blst reads `[first, NULL]` as "one contiguous array starting at `first`".
    let p: [*const blst_p1_affine; 2] = [points.as_ptr(), ptr::null()];
    let s: [*const u8; 2] = [scalars.as_ptr().cast::<u8>(), ptr::null()];
    // SAFETY: `points` holds at least `n` affine points and `scalars` at least `n`
    // little-endian 32-byte scalars, contiguous, which is ceil(255 / 8) = 32 bytes per
    // scalar as blst strides them; `scratch` has the size blst asked for, 8-byte aligned.
    unsafe {
        blst_p1s_mult_pippenger(&mut out, p.as_ptr(), n, s.as_ptr(), SCALAR_BITS, scratch.as_mut_ptr());
    }
    out
}

/// `sum(scalars[i] * points[i])` over G2, with the same preconditions as [`g1_msm`].
pub(crate) fn g2_msm(points: &[blst_p2_affine], scalars: &[[u8; SCALAR_LEN]]) -> blst_p2 {
    let mut out = blst_p2::default();
    let n = points.len().min(scalars.len());
    if n == 0 {
        return out;
    }
    if n == 1 {
        let mut p = blst_p2::default();
        // SAFETY: as in `g1_msm`.
        unsafe {
            blst_p2_from_affine(&mut p, &points[0]);
            blst_p2_mult(&mut out, &p, scalars[0].as_ptr(), SCALAR_BITS);
        }
        return out;
    }
    // SAFETY: a pure size query.
    let scratch_bytes = unsafe { blst_p2s_mult_pippenger_scratch_sizeof(n) };
    let mut scratch: Vec<limb_t> = vec![0; scratch_bytes.div_ceil(size_of::<limb_t>())];
    let p: [*const blst_p2_affine; 2] = [points.as_ptr(), ptr::null()];
    let s: [*const u8; 2] = [scalars.as_ptr().cast::<u8>(), ptr::null()];
    // SAFETY: as in `g1_msm`.
    unsafe {
        blst_p2s_mult_pippenger(&mut out, p.as_ptr(), n, s.as_ptr(), SCALAR_BITS, scratch.as_mut_ptr());
    }
    out
}

/// True when `prod(e(g1[i], g2[i]))` is the identity of GT. Every point must be in its
/// subgroup and not infinity (pairs with infinity contribute 1 and are dropped by the
/// caller); an empty product is the identity.
pub(crate) fn pairing_is_one(g1: &[blst_p1_affine], g2: &[blst_p2_affine]) -> bool {
    let n = g1.len().min(g2.len());
    if n == 0 {
        return true;
    }
    let (mut miller, mut product) = (blst_fp12::default(), blst_fp12::default());
    let q: [*const blst_p2_affine; 2] = [g2.as_ptr(), ptr::null()];
    let p: [*const blst_p1_affine; 2] = [g1.as_ptr(), ptr::null()];
    // SAFETY: `g1` and `g2` each hold at least `n` contiguous affine points, described to
    // blst as `[first, NULL]`; blst processes them in fixed-size batches on the stack.
    // The outputs are valid, exclusively borrowed fp12 values.
    unsafe {
        blst_miller_loop_n(&mut miller, q.as_ptr(), p.as_ptr(), n);
        blst_final_exp(&mut product, &miller);
        blst_fp12_is_one(&product)
    }
}

/// The simplified-SWU map of one field element to G1, with the cofactor cleared.
pub(crate) fn map_fp_to_g1(u: &blst_fp) -> blst_p1 {
    let mut out = blst_p1::default();
    // SAFETY: `u` is a valid field element; a NULL second element asks blst for the
    // single-element map (map_to_curve then clear_cofactor), as EIP-2537 specifies.
    unsafe { blst_map_to_g1(&mut out, u, ptr::null()) };
    out
}

/// The simplified-SWU map of one Fp2 element to G2, with the cofactor cleared.
pub(crate) fn map_fp2_to_g2(u: &blst_fp2) -> blst_p2 {
    let mut out = blst_p2::default();
    // SAFETY: as in `map_fp_to_g1`.
    unsafe { blst_map_to_g2(&mut out, u, ptr::null()) };
    out
}
