//! The EIP-2537 wire format: 64-byte padded field elements, 128-byte G1 and 256-byte G2
//! points (all-zero is the point at infinity), 32-byte big-endian scalars.
//!
//! blst's own (de)serialisers speak the compressed/zcash format, whose flag bits would
//! misread EIP-2537 input, so every element is decoded here by hand: check the padding,
//! check the value is below the modulus, then convert with `blst_fp_from_bendian`.

use blst::{
    blst_bendian_from_fp, blst_fp, blst_fp_from_bendian, blst_fp2, blst_p1, blst_p1_affine,
    blst_p1_affine_in_g1, blst_p1_affine_is_inf, blst_p1_affine_on_curve, blst_p1_to_affine, blst_p2,
    blst_p2_affine, blst_p2_affine_in_g2, blst_p2_affine_is_inf, blst_p2_affine_on_curve, blst_p2_to_affine,
    blst_scalar, blst_scalar_from_be_bytes,
};

use crate::PrecompileError;

/// Bytes of one padded base-field element.
pub(crate) const FP_LEN: usize = 64;
/// Bytes of one padded Fp2 element (c0 then c1).
pub(crate) const FP2_LEN: usize = 2 * FP_LEN;
/// Bytes of one G1 point (x then y).
pub(crate) const G1_LEN: usize = 2 * FP_LEN;
/// Bytes of one G2 point (x then y, each an Fp2).
pub(crate) const G2_LEN: usize = 2 * FP2_LEN;
/// Bytes of one scalar.
pub(crate) const SCALAR_LEN: usize = 32;

/// Zero bytes that pad a 48-byte field element up to 64.
const FP_PAD: usize = FP_LEN - 48;

/// The base-field modulus p, big-endian.
const P_BE: [u8; 48] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7, 0x64,
    0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24, 0x1e, 0xab,
    0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

/// Decodes one 64-byte field element; it must be a canonical integer below p, which in
/// particular forces its top 16 bytes to be zero. `input` must be exactly 64 bytes.
pub(crate) fn decode_fp(input: &[u8]) -> Result<blst_fp, PrecompileError> {
    let (pad, value) = input.split_at(FP_PAD);
    if pad.iter().any(|&b| b != 0) {
        return Err(PrecompileError::Failure("bls12-381: field element padding not zero"));
    }
    // Both sides are 48 big-endian bytes, so byte-wise order is numeric order.
    if value >= &P_BE[..] {
        return Err(PrecompileError::Failure("bls12-381: field element not below modulus"));
    }
    let mut out = blst_fp::default();
    // SAFETY: `value` is exactly 48 readable bytes (64 - 16), the length blst reads, and
    // `out` is a valid, exclusively borrowed blst_fp.
    unsafe { blst_fp_from_bendian(&mut out, value.as_ptr()) };
    Ok(out)
}

/// Decodes one 128-byte Fp2 element, c0 first. `input` must be exactly 128 bytes.
pub(crate) fn decode_fp2(input: &[u8]) -> Result<blst_fp2, PrecompileError> {
    let (c0, c1) = input.split_at(FP_LEN);
    Ok(blst_fp2 { fp: [decode_fp(c0)?, decode_fp(c1)?] })
}

/// Decodes a 128-byte G1 point and checks it is on the curve (infinity is).
/// With `subgroup`, also checks it lies in the prime-order subgroup G1.
pub(crate) fn decode_g1(input: &[u8], subgroup: bool) -> Result<blst_p1_affine, PrecompileError> {
    let (x, y) = input.split_at(FP_LEN);
    // All-zero bytes decode to x = y = 0, which is exactly blst's affine infinity.
    let point = blst_p1_affine { x: decode_fp(x)?, y: decode_fp(y)? };
    // SAFETY: `point` is a valid, initialised affine point that blst only reads.
    if !unsafe { blst_p1_affine_on_curve(&point) } {
        return Err(PrecompileError::Failure("bls12-381: G1 point not on curve"));
    }
    // SAFETY: as above; blst treats the all-zero point as infinity, which is in G1.
    if subgroup && !unsafe { blst_p1_affine_in_g1(&point) } {
        return Err(PrecompileError::Failure("bls12-381: G1 point not in subgroup"));
    }
    Ok(point)
}

/// Decodes a 256-byte G2 point and checks it is on the curve (infinity is).
/// With `subgroup`, also checks it lies in the prime-order subgroup G2.
pub(crate) fn decode_g2(input: &[u8], subgroup: bool) -> Result<blst_p2_affine, PrecompileError> {
    let (x, y) = input.split_at(FP2_LEN);
    let point = blst_p2_affine { x: decode_fp2(x)?, y: decode_fp2(y)? };
    // SAFETY: `point` is a valid, initialised affine point that blst only reads.
    if !unsafe { blst_p2_affine_on_curve(&point) } {
        return Err(PrecompileError::Failure("bls12-381: G2 point not on curve"));
    }
    // SAFETY: as above; blst treats the all-zero point as infinity, which is in G2.
    if subgroup && !unsafe { blst_p2_affine_in_g2(&point) } {
        return Err(PrecompileError::Failure("bls12-381: G2 point not in subgroup"));
    }
    Ok(point)
}

/// True for the point at infinity (all-zero affine coordinates).
pub(crate) fn g1_is_inf(point: &blst_p1_affine) -> bool {
    // SAFETY: `point` is a valid affine point that blst only reads.
    unsafe { blst_p1_affine_is_inf(point) }
}

/// True for the point at infinity (all-zero affine coordinates).
pub(crate) fn g2_is_inf(point: &blst_p2_affine) -> bool {
    // SAFETY: `point` is a valid affine point that blst only reads.
    unsafe { blst_p2_affine_is_inf(point) }
}

/// Reads a 32-byte big-endian scalar, reduced modulo the group order r, as the
/// little-endian bytes blst's multiplications take. Reducing is exact for points of G1 and
/// G2 (r * P = 0) and lets every multiplication run over 255 bits. `None` when the
/// reduced scalar is zero, so the caller can skip the term.
pub(crate) fn decode_scalar(input: &[u8]) -> Option<[u8; SCALAR_LEN]> {
    let mut scalar = blst_scalar::default();
    // SAFETY: `input` is readable for `input.len()` bytes, the length passed; `scalar` is
    // a valid, exclusively borrowed blst_scalar.
    let nonzero = unsafe { blst_scalar_from_be_bytes(&mut scalar, input.as_ptr(), input.len()) };
    nonzero.then_some(scalar.b)
}

/// Appends `fp` as 64 bytes: 16 zero bytes, then the 48-byte big-endian value.
fn encode_fp(fp: &blst_fp, out: &mut Vec<u8>) {
    let mut be = [0u8; 48];
    // SAFETY: `be` is 48 writable bytes, the length blst writes; `fp` is a valid blst_fp.
    unsafe { blst_bendian_from_fp(be.as_mut_ptr(), fp) };
    out.extend_from_slice(&[0u8; FP_PAD]);
    out.extend_from_slice(&be);
}

/// Encodes a G1 point as 128 bytes; infinity becomes all zeros.
pub(crate) fn encode_g1(point: &blst_p1) -> Vec<u8> {
    let mut affine = blst_p1_affine::default();
    // SAFETY: both pointers are valid; blst maps infinity (Z = 0) to the all-zero affine
    // point, which is the EIP-2537 encoding of infinity.
    unsafe { blst_p1_to_affine(&mut affine, point) };
    let mut out = Vec::with_capacity(G1_LEN);
    encode_fp(&affine.x, &mut out);
    encode_fp(&affine.y, &mut out);
    out
}

/// Encodes a G2 point as 256 bytes (x.c0, x.c1, y.c0, y.c1); infinity becomes all zeros.
pub(crate) fn encode_g2(point: &blst_p2) -> Vec<u8> {
    let mut affine = blst_p2_affine::default();
    // SAFETY: both pointers are valid; infinity maps to the all-zero affine point.
    unsafe { blst_p2_to_affine(&mut affine, point) };
    let mut out = Vec::with_capacity(G2_LEN);
    for fp in affine.x.fp.iter().chain(affine.y.fp.iter()) {
        encode_fp(fp, &mut out);
    }
    out
}
