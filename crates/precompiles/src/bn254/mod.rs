//! BN254 add, mul and pairing (0x06-0x08): EIP-196, EIP-197, repriced by EIP-1108.
//!
//! Points are big-endian coordinates, 32 bytes each, with `(0, 0)` standing for the point
//! at infinity. A G2 coordinate is an Fq2 element written imaginary part first. Add and
//! mul zero-pad short inputs and ignore extra bytes; pairing takes whole 192-byte pairs.
//! A coordinate `>= p`, a point off the curve or a G2 point outside the order-r subgroup
//! is an error, which costs all the gas given to the call.
//!
//! The curve work is done by a [`Backend`]: arkworks' `ark-bn254` by default (GLV scalar
//! multiplication, endomorphism-based G2 subgroup check), `substrate-bn` with the
//! `pure-rust` feature (the crate zkVMs patch with accelerated versions). Both return
//! the same bytes and the same errors; a property test holds them to it.

pub(crate) mod ark;
pub(crate) mod substrate;

use kestrel_primitives::Bytes;

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
pub(crate) const G1_LEN: usize = 64;
/// Bytes per G2 point.
pub(crate) const G2_LEN: usize = 128;
/// Bytes per pairing input pair.
pub(crate) const PAIR_LEN: usize = G1_LEN + G2_LEN;

/// A coordinate `>= p`.
pub(crate) const BAD_FIELD: PrecompileError = PrecompileError::Failure("bn254: field element >= p");
/// A G1 point off the curve.
pub(crate) const BAD_G1: PrecompileError = PrecompileError::Failure("bn254: G1 point not on curve");
/// A G2 point off the curve or outside the subgroup.
pub(crate) const BAD_G2: PrecompileError =
    PrecompileError::Failure("bn254: G2 point not on curve or not in subgroup");

/// The coordinates `(x, y)` of a 64-byte G1 encoding, each decoded with the backend's `fq`
/// (which fails with [`BAD_FIELD`] for a value `>= p`), x first.
#[inline]
pub(crate) fn g1_coordinates<F>(
    bytes: &[u8],
    fq: impl Fn(&[u8]) -> Result<F, PrecompileError>,
) -> Result<(F, F), PrecompileError> {
    Ok((fq(&bytes[..32])?, fq(&bytes[32..64])?))
}

/// The coordinates of a 128-byte G2 encoding as `[(x_re, x_im), (y_re, y_im)]`, the order
/// the backends' `Fq2::new` takes. EIP-197 encodes the imaginary part first
/// (`x_im, x_re, y_im, y_re`), and that is the order they are decoded and checked in.
#[inline]
pub(crate) fn g2_coordinates<F>(
    bytes: &[u8],
    fq: impl Fn(&[u8]) -> Result<F, PrecompileError>,
) -> Result<[(F, F); 2], PrecompileError> {
    let (x_im, x_re) = g1_coordinates(&bytes[..64], &fq)?;
    let (y_im, y_re) = g1_coordinates(&bytes[64..128], &fq)?;
    Ok([(x_re, x_im), (y_re, y_im)])
}

/// The curve arithmetic behind the three precompiles. Inputs are already padded; every
/// decoding error is one of [`BAD_FIELD`], [`BAD_G1`] or [`BAD_G2`], checked in input
/// order (x, y, curve; pair by pair, G1 before G2).
pub(crate) trait Backend {
    /// `a + b`, 64 bytes.
    fn add(a: &[u8; G1_LEN], b: &[u8; G1_LEN]) -> Result<[u8; G1_LEN], PrecompileError>;
    /// `scalar * p` (the scalar is any 256-bit big-endian value), 64 bytes.
    fn mul(p: &[u8; G1_LEN], scalar: &[u8; 32]) -> Result<[u8; G1_LEN], PrecompileError>;
    /// Whether the product of the pairings of the 192-byte pairs in `input` is one;
    /// `input.len()` is a multiple of [`PAIR_LEN`].
    fn pairing_is_one(input: &[u8]) -> Result<bool, PrecompileError>;
}

/// The backend this build uses.
#[cfg(not(feature = "pure-rust"))]
pub(crate) type Selected = ark::Ark;
/// The backend this build uses.
#[cfg(feature = "pure-rust")]
pub(crate) type Selected = substrate::Substrate;

/// ECADD at the Byzantium price.
pub(crate) fn add_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    add::<Selected>(input, gas_limit, ADD_BYZANTIUM)
}

/// ECADD at the EIP-1108 price.
pub(crate) fn add_istanbul(input: &[u8], gas_limit: u64) -> PrecompileResult {
    add::<Selected>(input, gas_limit, ADD_ISTANBUL)
}

/// ECMUL at the Byzantium price.
pub(crate) fn mul_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    mul::<Selected>(input, gas_limit, MUL_BYZANTIUM)
}

/// ECMUL at the EIP-1108 price.
pub(crate) fn mul_istanbul(input: &[u8], gas_limit: u64) -> PrecompileResult {
    mul::<Selected>(input, gas_limit, MUL_ISTANBUL)
}

/// ECPAIRING at the Byzantium price.
pub(crate) fn pairing_byzantium(input: &[u8], gas_limit: u64) -> PrecompileResult {
    pairing::<Selected>(input, gas_limit, PAIRING_BYZANTIUM)
}

/// ECPAIRING at the EIP-1108 price.
pub(crate) fn pairing_istanbul(input: &[u8], gas_limit: u64) -> PrecompileResult {
    pairing::<Selected>(input, gas_limit, PAIRING_ISTANBUL)
}

/// ECADD (EIP-1108 price) on backend `B`.
pub(crate) fn add<B: Backend>(input: &[u8], gas_limit: u64, cost: u64) -> PrecompileResult {
    let gas_used = charge(cost, gas_limit)?;
    let out = B::add(&read_array(input, 0), &read_array(input, G1_LEN))?;
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&out) })
}

/// ECMUL on backend `B`.
pub(crate) fn mul<B: Backend>(input: &[u8], gas_limit: u64, cost: u64) -> PrecompileResult {
    let gas_used = charge(cost, gas_limit)?;
    let out = B::mul(&read_array(input, 0), &read_array(input, G1_LEN))?;
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&out) })
}

/// ECPAIRING on backend `B`.
pub(crate) fn pairing<B: Backend>(
    input: &[u8],
    gas_limit: u64,
    (base, per_pair): (u64, u64),
) -> PrecompileResult {
    let pairs = (input.len() / PAIR_LEN) as u64;
    let gas_used = charge(per_pair.saturating_mul(pairs).saturating_add(base), gas_limit)?;
    if !input.len().is_multiple_of(PAIR_LEN) {
        return Err(PrecompileError::Failure("bn254: pairing input not a multiple of 192 bytes"));
    }
    let mut out = [0u8; 32];
    out[31] = u8::from(B::pairing_is_one(input)?);
    Ok(PrecompileOutput { gas_used, bytes: Bytes::copy_from_slice(&out) })
}

/// The EIP-1108 prices, for the backend comparisons in tests and benchmarks.
pub(crate) const ISTANBUL: (u64, u64, (u64, u64)) = (ADD_ISTANBUL, MUL_ISTANBUL, PAIRING_ISTANBUL);
