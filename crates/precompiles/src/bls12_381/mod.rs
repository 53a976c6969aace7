//! BLS12-381 operations (0x0b-0x11): EIP-2537, active from Prague.
//!
//! Each entry point follows the executable spec's order: reject a malformed input length,
//! charge gas (decided from the length alone, before any curve work), then decode and
//! compute. Every failure is an error, which consumes all gas given to the call.

mod arith;
mod codec;

use kestrel_primitives::Bytes;

use crate::{PrecompileError, PrecompileOutput, PrecompileResult, charge};
use codec::{FP_LEN, FP2_LEN, G1_LEN, G2_LEN, SCALAR_LEN};

/// BLS12_G1ADD gas.
const G1_ADD_GAS: u64 = 375;
/// BLS12_G2ADD gas.
const G2_ADD_GAS: u64 = 600;
/// Gas of one G1 scalar multiplication, before the MSM discount.
const G1_MUL_GAS: u64 = 12_000;
/// Gas of one G2 scalar multiplication, before the MSM discount.
const G2_MUL_GAS: u64 = 22_500;
/// BLS12_MAP_FP_TO_G1 gas.
const MAP_FP_TO_G1_GAS: u64 = 5_500;
/// BLS12_MAP_FP2_TO_G2 gas.
const MAP_FP2_TO_G2_GAS: u64 = 23_800;
/// BLS12_PAIRING_CHECK gas: base plus per pair.
const PAIRING_BASE_GAS: u64 = 37_700;
/// BLS12_PAIRING_CHECK gas per (G1, G2) pair.
const PAIRING_PAIR_GAS: u64 = 32_600;
/// The MSM discounts are per mille.
const MSM_MULTIPLIER: u64 = 1_000;

/// One G1 MSM term: a point and a scalar.
const G1_MSM_PAIR_LEN: usize = G1_LEN + SCALAR_LEN;
/// One G2 MSM term: a point and a scalar.
const G2_MSM_PAIR_LEN: usize = G2_LEN + SCALAR_LEN;
/// One pairing term: a G1 point then a G2 point.
const PAIRING_PAIR_LEN: usize = G1_LEN + G2_LEN;

/// G1 MSM discount (per mille) for k = 1..=128 terms, indexed by k - 1.
#[rustfmt::skip]
const G1_DISCOUNT: [u16; 128] = [
    1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677,
    673, 669, 665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627,
    625, 623, 621, 619, 617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598,
    596, 595, 593, 592, 591, 589, 588, 586, 585, 584, 582, 581, 580, 579, 577, 576,
    575, 574, 573, 572, 570, 569, 568, 567, 566, 565, 564, 563, 562, 561, 560, 559,
    558, 557, 556, 555, 554, 553, 552, 551, 550, 549, 548, 547, 547, 546, 545, 544,
    543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534, 533, 532, 532, 531,
    530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520, 520, 519,
];
/// G1 MSM discount for k > 128.
const G1_MAX_DISCOUNT: u16 = 519;

/// G2 MSM discount (per mille) for k = 1..=128 terms, indexed by k - 1.
#[rustfmt::skip]
const G2_DISCOUNT: [u16; 128] = [
    1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717,
    711, 704, 699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646,
    643, 640, 637, 634, 632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607,
    606, 604, 602, 600, 598, 597, 595, 593, 592, 590, 589, 587, 586, 584, 583, 582,
    580, 579, 578, 576, 575, 574, 573, 571, 570, 569, 568, 567, 566, 565, 563, 562,
    561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 552, 551, 550, 549, 548, 547,
    546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537, 537, 536, 535, 535,
    534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525, 524, 524,
];
/// G2 MSM discount for k > 128.
const G2_MAX_DISCOUNT: u16 = 524;

/// The failure for an input whose length the operation does not accept.
const BAD_LENGTH: PrecompileError = PrecompileError::Failure("bls12-381: invalid input length");

/// `k * mul_gas * discount(k) / 1000`, saturating at `u64::MAX` (never reached by a real
/// input, and then no gas limit covers it anyway). `k` must be at least 1.
fn msm_gas(k: usize, mul_gas: u64, table: &[u16; 128], max_discount: u16) -> u64 {
    let discount = table.get(k.wrapping_sub(1)).copied().unwrap_or(max_discount);
    let gas = (k as u128) * u128::from(mul_gas) * u128::from(discount) / u128::from(MSM_MULTIPLIER);
    u64::try_from(gas).unwrap_or(u64::MAX)
}

/// Wraps an output with its cost.
fn output(gas_used: u64, bytes: Vec<u8>) -> PrecompileResult {
    Ok(PrecompileOutput { gas_used, bytes: Bytes::from(bytes) })
}

/// BLS12_G1ADD (0x0b): the sum of two G1 curve points, 256 bytes in, 128 out. Points
/// must be on the curve but, unlike MSM and pairing, need not be in the subgroup.
pub(crate) fn g1_add(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.len() != 2 * G1_LEN {
        return Err(BAD_LENGTH);
    }
    let gas = charge(G1_ADD_GAS, gas_limit)?;
    let (a, b) = input.split_at(G1_LEN);
    let (a, b) = (codec::decode_g1(a, false)?, codec::decode_g1(b, false)?);
    output(gas, codec::encode_g1(&arith::g1_add(&a, &b)))
}

/// BLS12_G2ADD (0x0d): the sum of two G2 curve points, 512 bytes in, 256 out; no
/// subgroup check.
pub(crate) fn g2_add(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.len() != 2 * G2_LEN {
        return Err(BAD_LENGTH);
    }
    let gas = charge(G2_ADD_GAS, gas_limit)?;
    let (a, b) = input.split_at(G2_LEN);
    let (a, b) = (codec::decode_g2(a, false)?, codec::decode_g2(b, false)?);
    output(gas, codec::encode_g2(&arith::g2_add(&a, &b)))
}

/// BLS12_G1MSM (0x0c): `sum(s_i * P_i)` over k >= 1 terms of 160 bytes (a G1 point,
/// subgroup-checked, then a 32-byte scalar); 128 bytes out.
pub(crate) fn g1_msm(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.is_empty() || !input.len().is_multiple_of(G1_MSM_PAIR_LEN) {
        return Err(BAD_LENGTH);
    }
    let k = input.len() / G1_MSM_PAIR_LEN;
    let gas = charge(msm_gas(k, G1_MUL_GAS, &G1_DISCOUNT, G1_MAX_DISCOUNT), gas_limit)?;
    let sum = arith::msm_input::<arith::G1>(input, crate::max_threads())?;
    output(gas, codec::encode_g1(&sum))
}

/// BLS12_G2MSM (0x0e): `sum(s_i * P_i)` over k >= 1 terms of 288 bytes (a G2 point,
/// subgroup-checked, then a 32-byte scalar); 256 bytes out.
pub(crate) fn g2_msm(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.is_empty() || !input.len().is_multiple_of(G2_MSM_PAIR_LEN) {
        return Err(BAD_LENGTH);
    }
    let k = input.len() / G2_MSM_PAIR_LEN;
    let gas = charge(msm_gas(k, G2_MUL_GAS, &G2_DISCOUNT, G2_MAX_DISCOUNT), gas_limit)?;
    let sum = arith::msm_input::<arith::G2>(input, crate::max_threads())?;
    output(gas, codec::encode_g2(&sum))
}

/// BLS12_PAIRING_CHECK (0x0f): k >= 1 terms of 384 bytes (a G1 point then a G2 point,
/// both subgroup-checked); 32 bytes out, 1 when the product of pairings is the identity
/// and 0 otherwise.
pub(crate) fn pairing(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.is_empty() || !input.len().is_multiple_of(PAIRING_PAIR_LEN) {
        return Err(BAD_LENGTH);
    }
    let k = input.len() / PAIRING_PAIR_LEN;
    let cost = (k as u64).saturating_mul(PAIRING_PAIR_GAS).saturating_add(PAIRING_BASE_GAS);
    let gas = charge(cost, gas_limit)?;
    let mut g1 = Vec::with_capacity(k);
    let mut g2 = Vec::with_capacity(k);
    for term in input.chunks_exact(PAIRING_PAIR_LEN) {
        let (p, q) = term.split_at(G1_LEN);
        let (p, q) = (codec::decode_g1(p, true)?, codec::decode_g2(q, true)?);
        // e(P, Q) = 1 when either is infinity, so such a term leaves the product alone.
        if !codec::g1_is_inf(&p) && !codec::g2_is_inf(&q) {
            g1.push(p);
            g2.push(q);
        }
    }
    let mut out = vec![0u8; 32];
    out[31] = u8::from(arith::pairing_is_one(&g1, &g2));
    output(gas, out)
}

/// BLS12_MAP_FP_TO_G1 (0x10): maps a 64-byte field element to G1; 128 bytes out.
pub(crate) fn map_fp_to_g1(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.len() != FP_LEN {
        return Err(BAD_LENGTH);
    }
    let gas = charge(MAP_FP_TO_G1_GAS, gas_limit)?;
    let u = codec::decode_fp(input)?;
    output(gas, codec::encode_g1(&arith::map_fp_to_g1(&u)))
}

/// BLS12_MAP_FP2_TO_G2 (0x11): maps a 128-byte Fp2 element to G2; 256 bytes out.
pub(crate) fn map_fp2_to_g2(input: &[u8], gas_limit: u64) -> PrecompileResult {
    if input.len() != FP2_LEN {
        return Err(BAD_LENGTH);
    }
    let gas = charge(MAP_FP2_TO_G2_GAS, gas_limit)?;
    let u = codec::decode_fp2(input)?;
    output(gas, codec::encode_g2(&arith::map_fp2_to_g2(&u)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msm_gas_matches_the_eip_formula() {
        assert_eq!(msm_gas(1, G1_MUL_GAS, &G1_DISCOUNT, G1_MAX_DISCOUNT), 12_000);
        assert_eq!(msm_gas(2, G1_MUL_GAS, &G1_DISCOUNT, G1_MAX_DISCOUNT), 2 * 12_000 * 949 / 1000);
        assert_eq!(msm_gas(128, G1_MUL_GAS, &G1_DISCOUNT, G1_MAX_DISCOUNT), 128 * 12_000 * 519 / 1000);
        assert_eq!(msm_gas(129, G1_MUL_GAS, &G1_DISCOUNT, G1_MAX_DISCOUNT), 129 * 12_000 * 519 / 1000);
        assert_eq!(msm_gas(1, G2_MUL_GAS, &G2_DISCOUNT, G2_MAX_DISCOUNT), 22_500);
        assert_eq!(msm_gas(2, G2_MUL_GAS, &G2_DISCOUNT, G2_MAX_DISCOUNT), 45_000);
        assert_eq!(msm_gas(3, G2_MUL_GAS, &G2_DISCOUNT, G2_MAX_DISCOUNT), 3 * 22_500 * 923 / 1000);
        assert_eq!(msm_gas(1000, G2_MUL_GAS, &G2_DISCOUNT, G2_MAX_DISCOUNT), 1000 * 22_500 * 524 / 1000);
        // The tables end at their maximum discount, so k > 128 continues them smoothly.
        assert_eq!(G1_DISCOUNT[127], G1_MAX_DISCOUNT);
        assert_eq!(G2_DISCOUNT[127], G2_MAX_DISCOUNT);
        assert_eq!(msm_gas(usize::MAX, G2_MUL_GAS, &G2_DISCOUNT, G2_MAX_DISCOUNT), u64::MAX);
    }
}
