//! Blob gas pricing (EIP-4844, with EIP-7691's Prague parameters).

use kestrel_primitives::gas::eip4844::{
    BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE, MAX_BLOBS_PER_BLOCK_CANCUN,
    MAX_BLOBS_PER_BLOCK_PRAGUE, MIN_BLOB_BASE_FEE,
};
use kestrel_primitives::{BlockEnv, SpecId, U256};

/// `factor * e^(numerator / denominator)` by the integer Taylor series EIP-4844 specifies.
pub fn fake_exponential(factor: u64, numerator: u64, denominator: u64) -> U256 {
    if denominator == 0 {
        return U256::ZERO;
    }
    let (factor, numerator, denominator) =
        (U256::from(factor), U256::from(numerator), U256::from(denominator));
    let mut i = U256::from(1);
    let mut output = U256::ZERO;
    let mut accum = factor * denominator;
    while !accum.is_zero() {
        output += accum;
        accum = accum * numerator / (denominator * i);
        i += U256::from(1);
    }
    output / denominator
}

/// The base-fee update fraction in force for `block` under `spec`.
pub fn update_fraction(spec: SpecId, block: &BlockEnv) -> u64 {
    block.blob_base_fee_update_fraction.unwrap_or(if spec.is_enabled_in(SpecId::Prague) {
        BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
    } else {
        BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
    })
}

/// The most blobs a block may carry under `spec`.
pub fn max_blobs_per_block(spec: SpecId, block: &BlockEnv) -> u64 {
    block.max_blobs_per_block.unwrap_or(if spec.is_enabled_in(SpecId::Prague) {
        MAX_BLOBS_PER_BLOCK_PRAGUE
    } else {
        MAX_BLOBS_PER_BLOCK_CANCUN
    })
}

/// The blob base fee of `block` (BLOBBASEFEE); zero before Cancun.
pub fn blob_base_fee(spec: SpecId, block: &BlockEnv) -> U256 {
    if !spec.is_enabled_in(SpecId::Cancun) {
        return U256::ZERO;
    }
    fake_exponential(MIN_BLOB_BASE_FEE, block.excess_blob_gas.unwrap_or(0), update_fraction(spec, block))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_exponential_matches_eip_examples() {
        assert_eq!(fake_exponential(1, 0, 3_338_477), U256::from(1));
        assert_eq!(fake_exponential(2, 0, 1), U256::from(2));
        // e ≈ 2.718, but the integer series truncates every term: 1000 + 1000 + 500 + 166 + 41 + 8 + 1.
        assert_eq!(fake_exponential(1000, 1, 1), U256::from(2716));
        assert_eq!(fake_exponential(1, 3_338_477 * 10, 3_338_477), U256::from(22026)); // e^10
    }
}
