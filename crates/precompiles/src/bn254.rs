//! BN254 add, mul and pairing (0x06-0x08): EIP-196, EIP-197, repriced by EIP-1108.
//!
//! Points are big-endian coordinates, 32 bytes each, with `(0, 0)` standing for the point
//! at infinity. A G2 coordinate is an Fq2 element written imaginary part first. Add and
//! mul zero-pad short inputs and ignore extra bytes; pairing takes whole 192-byte pairs.
//! A coordinate `>= p`, a point off the curve or a G2 point outside the order-r subgroup
//! is an error, which costs all the gas given to the call.

use kestrel_primitives::Bytes;
use substrate_bn::{AffineG1, AffineG2, Fq, Fq2, Fr, G1, G2, Group, Gt};

use crate::{PrecompileError, PrecompileOutput, PrecompileResult, charge, read_array};

/// EIP-196 ECADD price (Byzantium).
const ADD_BYZANTIUM: u64 = 500;
/// EIP-1108 ECADD price (Istanbul).
const ADD_ISTANBUL: u64 = 150;
/// EIP-196 ECMUL price (Byzantium).
const MUL_BYZANTIUM: u64 = 40_000;
/// EIP-1108 ECMUL price (Istanbul).
const MUL_ISTANBUL: u64 = 6_000;
/// EIP-197 pairing base and per-pair prices (Byzantium).
const PAIRING_BYZANTIUM: (u64, u64) = (100_000, 80_000);
/// EIP-1108 pairing base and per-pair prices (Istanbul).
const PAIRING_ISTANBUL: (u64, u64) = (45_000, 34_000);

/// Bytes per G1 point.
const G1_LEN: usize = 64;
/// Bytes per G2 point.
const G2_LEN: usize = 128;
/// Bytes per pairing input pair.
const PAIR_LEN: usize = G1_LEN + G2_LEN;

/// ECADD at the Byzantium price.
pub(crate) fn add_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    add(input, gas_limit, ADD_BYZANTIUM)
}

/// ECADD at the EIP-1108 price.
pub(crate) fn add_istanbul(input: &[u8], gas_limit: u64) -> PrecompileResult {
    add(input, gas_limit, ADD_ISTANBUL)
}

/// ECMUL at the Byzantium price.
pub(crate) fn mul_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    mul(input, gas_limit, MUL_BYZANTIUM)
}

/// ECMUL at the EIP-1108 price.
pub(crate) fn mul_istanbul(input: &[u8], gas_limit: u64) -> PrecompileResult {
    mul(input, gas_limit, MUL_ISTANBUL)
}

/// ECPAIRING at the Byzantium price.
pub(crate) fn pairing_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    pairing(input, gas_limit, PAIRING_BYZANTIUM)
}

/// ECPAIRING at the EIP-1108 price.
pub(crate) fn pairing_istanbul(input: &[u8], gas_limit: u64) -> PrecompileResult {
    pairing(input, gas_limit, PAIRING_ISTANBUL)
}

/// A base-field element from 32 big-endian bytes; errors when `>= p`.
fn fq(bytes: &[u8]) -> Result<Fq, PrecompileError> {
    Fq::from_slice(bytes).map_err(|_| PrecompileError::Failure("bn254: field element >= p"))
}

/// A G1 point from 64 bytes; `(0, 0)` is infinity.
fn g1(bytes: &[u8; G1_LEN]) -> Result<G1, PrecompileError> {
    let x = fq(&bytes[..32])?;
    let y = fq(&bytes[32..])?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1::zero());
    }
    AffineG1::new(x, y).map(G1::from).map_err(|_| PrecompileError::Failure("bn254: G1 point not on curve"))
}

/// A G2 point from 128 bytes (`x_im, x_re, y_im, y_re`); all zero is infinity.
fn g2(bytes: &[u8]) -> Result<G2, PrecompileError> {
    let x_im = fq(&bytes[..32])?;
    let x_re = fq(&bytes[32..64])?;
    let y_im = fq(&bytes[64..96])?;
    let y_re = fq(&bytes[96..128])?;
    let x = Fq2::new(x_re, x_im);
    let y = Fq2::new(y_re, y_im);
    if x.is_zero() && y.is_zero() {
        return Ok(G2::zero());
    }
    // `AffineG2::new` checks both the curve equation and membership of the r-torsion.
    AffineG2::new(x, y)
        .map(G2::from)
        .map_err(|_| PrecompileError::Failure("bn254: G2 point not on curve or not in subgroup"))
}

/// A G1 point as 64 bytes; infinity as zeros.
fn encode_g1(point: G1) -> Bytes {
    let mut out = [0u8; G1_LEN];
    if let Some(affine) = AffineG1::from_jacobian(point) {
        // Both slices are exactly 32 bytes, the only length `to_big_endian` rejects.
        let xs = affine.x().to_big_endian(&mut out[..32]);
        let ys = affine.y().to_big_endian(&mut out[32..]);
        debug_assert!(xs.is_ok() && ys.is_ok());
    }
    Bytes::copy_from_slice(&out)
}

fn add(input: &[u8], gas_limit: u64, cost: u64) -> PrecompileResult {
    let gas_used = charge(cost, gas_limit)?;
    let p = g1(&read_array(input, 0))?;
    let q = g1(&read_array(input, G1_LEN))?;
    Ok(PrecompileOutput { gas_used, bytes: encode_g1(p + q) })
}

fn mul(input: &[u8], gas_limit: u64, cost: u64) -> PrecompileResult {
    let gas_used = charge(cost, gas_limit)?;
    let p = g1(&read_array(input, 0))?;
    let scalar: [u8; 32] = read_array(input, G1_LEN);
    // Every G1 point has order r, so reducing the 256-bit scalar mod r is exact.
    let n = Fr::from_slice(&scalar).map_err(|_| PrecompileError::Failure("bn254: bad scalar"))?;
    Ok(PrecompileOutput { gas_used, bytes: encode_g1(p * n) })
}

fn pairing(input: &[u8], gas_limit: u64, (base, per_pair): (u64, u64)) -> PrecompileResult {
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas_used = charge(per_pair.saturating_mul(pairs).saturating_add(base), gas_limit)?;
    if !input.len().is_multiple_of(PAIR_LEN) {
        return Err(PrecompileError::Failure("bn254: pairing input not a multiple of 192 bytes"));
    }
    let mut points = Vec::with_capacity(input.len() / PAIR_LEN);
    for chunk in input.chunks_exact(PAIR_LEN) {
        let (a, b) = chunk.split_at(G1_LEN);
        let p = g1(&read_array(a, 0))?;
        let q = g2(b)?;
        // A pair with infinity contributes e(P, Q) = 1: skip it (after validating both).
        if !p.is_zero() && !q.is_zero() {
            points.push((p, q));
        }
    }
    let ok = points.is_empty() || substrate_bn::pairing_batch(&points) == Gt::one();
    let mut out = [0u8; 32];
    out[31] = u8::from(ok);
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&out) })
}
