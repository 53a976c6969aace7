//! Blob gas pricing (EIP-4844, with EIP-7691's Prague parameters).

use kestrel_primitives::gas::eip4844::{
    BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE, MAX_BLOBS_PER_BLOCK_CANCUN,
    MAX_BLOBS_PER_BLOCK_PRAGUE, MIN_BLOB_BASE_FEE,
};
use kestrel_primitives::ruint::aliases::U512;
use kestrel_primitives::{BlockEnv, SpecId, U256};

/// `factor * e^(numerator / denominator)` by the integer Taylor series EIP-4844 specifies,
/// exactly, or `U256::MAX` when the exact value does not fit in 256 bits.
///
/// The spec computes with unbounded integers. Here the running sum (the result times
/// `denominator`) lives in 512 bits and the loop stops as soon as it reaches
/// `2^256 * denominator`: the sum only grows, so the result is then known to exceed 256 bits.
/// Saturating is observably exact: a blob base fee of `U256::MAX` prices 131,072 blob gas above
/// any balance, so every blob transaction is rejected just as with the true value, and a
/// non-blob transaction never pays it. (BLOBBASEFEE cannot push the true value either; the spec
/// itself fails on it.)
///
/// Bounded for every input, at most about 1,600 iterations: while `i <= numerator / (2 *
/// denominator)` each term at least doubles, so within 321 of those steps the sum passes the
/// limit (below 2^320); otherwise `numerator / denominator < 642` and from `i > 2 * numerator /
/// denominator` each term at least halves, reaching zero within 321 more steps. Intermediates
/// stay below 2^320 · 2^64, inside 512 bits.
pub fn fake_exponential(factor: u64, numerator: u64, denominator: u64) -> U256 {
    if denominator == 0 {
        return U256::ZERO;
    }
    let (numerator, denominator) = (U512::from(numerator), U512::from(denominator));
    // `output / denominator > U256::MAX` exactly when `output >= 2^256 * denominator`.
    let limit = denominator << 256;
    let mut i = 1u64;
    let mut output = U512::ZERO;
    let mut accum = U512::from(factor) * denominator;
    while !accum.is_zero() {
        output += accum;
        if output >= limit {
            return U256::MAX;
        }
        accum = accum * numerator / (denominator * U512::from(i));
        i += 1;
    }
    // Below 2^256 by the check above.
    U256::from_limbs_slice(&(output / denominator).as_limbs()[..4])
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

    /// Reference values from the spec's unbounded-integer loop (Python): up to 2^256 - 1 the
    /// result is exact, above it saturates. 256-bit wrapping arithmetic got all of these wrong.
    #[test]
    fn fake_exponential_is_exact_up_to_256_bits() {
        const CANCUN: u64 = 3_338_477;
        let e177: U256 =
            "74152073029632532400762577730369947130393732772290037700289196288875974280912".parse().unwrap();
        assert_eq!(fake_exponential(1, 177 * CANCUN, CANCUN), e177);
        // The largest excess blob gas whose fee fits in 256 bits, and the next one.
        let top: U256 =
            "115792071961871597569864401767843993244140375666330206955159735174071991568500".parse().unwrap();
        assert_eq!(fake_exponential(1, 592_398_315, CANCUN), top);
        assert_eq!(fake_exponential(1, 592_398_316, CANCUN), U256::MAX);
        assert_eq!(fake_exponential(1, 178 * CANCUN, CANCUN), U256::MAX);
    }

    /// Every input terminates promptly; the old loop ran practically forever on these.
    #[test]
    fn fake_exponential_terminates_for_extreme_inputs() {
        for (factor, numerator, denominator) in [
            (1, u64::MAX, 3_338_477),
            (1, u64::MAX, 5_007_716),
            (u64::MAX, u64::MAX, 1),
            (u64::MAX, u64::MAX, u64::MAX),
            (1, u64::MAX, u64::MAX),
            (u64::MAX, 0, u64::MAX),
            (1, 641, 1),
            (1, 1 << 40, 1 << 32),
        ] {
            let start = std::time::Instant::now();
            let value = fake_exponential(factor, numerator, denominator);
            assert!(
                start.elapsed() < std::time::Duration::from_secs(1),
                "{factor} {numerator} {denominator}"
            );
            if numerator / denominator > 178 {
                assert_eq!(value, U256::MAX);
            }
        }
        assert_eq!(fake_exponential(u64::MAX, 0, u64::MAX), U256::from(u64::MAX));
        assert_eq!(fake_exponential(0, u64::MAX, 1), U256::ZERO);
    }
}
