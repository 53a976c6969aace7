//! The `substrate-bn` backend: pure Rust, and the crate zkVMs replace with accelerated
//! versions.

use substrate_bn::{AffineG1, AffineG2, Fq, Fq2, Fr, G1, G2, Group, Gt};

use super::{BAD_FIELD, BAD_G1, BAD_G2, Backend, G1_LEN, PAIR_LEN, g1_coordinates, g2_coordinates};
use crate::PrecompileError;

/// The `substrate-bn` backend.
pub(crate) struct Substrate;

/// A base-field element from 32 big-endian bytes; errors when `>= p`.
fn fq(bytes: &[u8]) -> Result<Fq, PrecompileError> {
    Fq::from_slice(bytes).map_err(|_| BAD_FIELD)
}

/// A G1 point from 64 bytes; `(0, 0)` is infinity.
fn g1(bytes: &[u8]) -> Result<G1, PrecompileError> {
    let (x, y) = g1_coordinates(bytes, fq)?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1::zero());
    }
    AffineG1::new(x, y).map(G1::from).map_err(|_| BAD_G1)
}

/// A G2 point from 128 bytes (`x_im, x_re, y_im, y_re`); all zero is infinity.
fn g2(bytes: &[u8]) -> Result<G2, PrecompileError> {
    let [(x_re, x_im), (y_re, y_im)] = g2_coordinates(bytes, fq)?;
    let x = Fq2::new(x_re, x_im);
    let y = Fq2::new(y_re, y_im);
    if x.is_zero() && y.is_zero() {
        return Ok(G2::zero());
    }
    // `AffineG2::new` checks both the curve equation and membership of the r-torsion.
    AffineG2::new(x, y).map(G2::from).map_err(|_| BAD_G2)
}

/// A G1 point as 64 bytes; infinity as zeros.
fn encode_g1(point: G1) -> [u8; G1_LEN] {
    let mut out = [0u8; G1_LEN];
    if let Some(affine) = AffineG1::from_jacobian(point) {
        // Both slices are exactly 32 bytes, the only length `to_big_endian` rejects.
        let xs = affine.x().to_big_endian(&mut out[..32]);
        let ys = affine.y().to_big_endian(&mut out[32..]);
        debug_assert!(xs.is_ok() && ys.is_ok());
    }
    out
}

impl Backend for Substrate {
    fn add(a: &[u8; G1_LEN], b: &[u8; G1_LEN]) -> Result<[u8; G1_LEN], PrecompileError> {
        let p = g1(a)?;
        let q = g1(b)?;
        Ok(encode_g1(p + q))
    }

    fn mul(p: &[u8; G1_LEN], scalar: &[u8; 32]) -> Result<[u8; G1_LEN], PrecompileError> {
        let p = g1(p)?;
        // Every G1 point has order r, so reducing the 256-bit scalar mod r is exact.
        let n = Fr::from_slice(scalar).map_err(|_| PrecompileError::Failure("bn254: bad scalar"))?;
        Ok(encode_g1(p * n))
    }

    fn pairing_is_one(input: &[u8]) -> Result<bool, PrecompileError> {
        let mut points = Vec::with_capacity(input.len() / PAIR_LEN);
        for chunk in input.chunks_exact(PAIR_LEN) {
            let (a, b) = chunk.split_at(G1_LEN);
            let p = g1(a)?;
            let q = g2(b)?;
            // A pair with infinity contributes e(P, Q) = 1: skip it (after validating both).
            if !p.is_zero() && !q.is_zero() {
                points.push((p, q));
            }
        }
        Ok(points.is_empty() || substrate_bn::pairing_batch(&points) == Gt::one())
    }
}
