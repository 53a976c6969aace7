//! Header validity against the parent (`validate_header` of each fork in the execution specs),
//! and the blob-gas and base-fee rules it needs. Proof of work is not checked: Kestrel executes
//! blocks, it does not verify Ethash seals (the blockchain tests use `sealEngine: NoProof`).

use kestrel_host::blob::fake_exponential;
use kestrel_primitives::gas::eip4844::{GAS_PER_BLOB, MIN_BLOB_BASE_FEE};
use kestrel_primitives::ruint::UintTryFrom;
use kestrel_primitives::ruint::aliases::U512;
use kestrel_primitives::{B256, SpecId, U256, b256};

use crate::config::BlobParams;
use crate::error::BlockError;
use crate::header::{Block, Header};

/// keccak256(RLP([])), the ommers hash of a block without ommers.
pub const EMPTY_OMMERS_HASH: B256 = b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
/// EIP-1559's base fee of the London fork block.
const INITIAL_BASE_FEE: u64 = 1_000_000_000;
/// EIP-1559: gas target = gas limit / 2.
const ELASTICITY_MULTIPLIER: u64 = 2;
/// EIP-1559: the base fee moves by at most 1/8 per block.
const BASE_FEE_MAX_CHANGE_DENOMINATOR: u64 = 8;
/// EIP-7918: the blob base fee is bounded below by this many units of the base fee.
const BLOB_BASE_COST: u64 = 1 << 13;
/// EIP-7934: the most a block's RLP may weigh (10 MiB less a 2 MiB margin).
pub const MAX_RLP_BLOCK_SIZE: usize = 10_485_760 - 2_097_152;

/// The fields a header must have in `spec`, as the spec's per-fork `Header` classes define
/// them, and the body's withdrawals list.
fn check_format(spec: SpecId, block: &Block) -> Result<(), BlockError> {
    let h = &block.header;
    let want = |fork: SpecId, has: bool, what: &'static str| {
        if spec.is_enabled_in(fork) == has { Ok(()) } else { Err(BlockError::IncorrectBlockFormat(what)) }
    };
    want(SpecId::London, h.base_fee_per_gas.is_some(), "base fee")?;
    want(SpecId::Shanghai, h.withdrawals_root.is_some(), "withdrawals root")?;
    want(SpecId::Shanghai, block.withdrawals.is_some(), "withdrawals")?;
    want(SpecId::Cancun, h.blob_gas_used.is_some(), "blob gas fields")?;
    want(SpecId::Prague, h.requests_hash.is_some(), "requests hash")
}

/// `check_gas_limit`: within 1/1024 of the parent's, and at least 5000.
fn check_gas_limit(gas_limit: u64, parent_gas_limit: u64) -> bool {
    let delta = parent_gas_limit / 1024;
    gas_limit < parent_gas_limit.saturating_add(delta)
        && gas_limit > parent_gas_limit - delta
        && gas_limit >= 5000
}

/// The EIP-1559 base fee of a block after `parent` (which is a London block).
///
/// Computed exactly, in 512 bits: a parent whose base fee is so high that the next one would
/// not fit 256 bits has no valid child ([`BlockError::Overflow`]).
pub fn base_fee(gas_limit: u64, parent: &Header) -> Result<U256, BlockError> {
    let parent_fee = parent.base_fee_per_gas.unwrap_or_default();
    if !check_gas_limit(gas_limit, parent.gas_limit) {
        return Err(BlockError::InvalidGasLimit);
    }
    let target = parent.gas_limit / ELASTICITY_MULTIPLIER;
    let used = parent.gas_used;
    if target == 0 || used == target {
        return Ok(parent_fee);
    }
    let wide_fee = U512::from(parent_fee);
    let denominator = U512::from(target) * U512::from(BASE_FEE_MAX_CHANGE_DENOMINATOR);
    // A 256-bit fee times a 64-bit gas difference fits 512 bits.
    let delta = |difference: u64| wide_fee * U512::from(difference) / denominator;
    let fee = if used > target {
        wide_fee + delta(used - target).max(U512::from(1))
    } else {
        wide_fee.saturating_sub(delta(target - used))
    };
    U256::uint_try_from(fee).map_err(|_| BlockError::Overflow("base fee"))
}

/// The blob base fee for an excess under `params`.
pub fn blob_base_fee(excess_blob_gas: u64, params: BlobParams) -> U256 {
    fake_exponential(MIN_BLOB_BASE_FEE, excess_blob_gas, params.update_fraction)
}

/// The excess blob gas of a block after `parent` under the child's fork `spec` and blob
/// parameters (EIP-4844; from Osaka with EIP-7918's reserve price). A parent from before
/// Cancun counts as zero excess and zero use.
///
/// The spec computes with unbounded integers; a header holds 64 bits. A result, or a blob
/// schedule, beyond them has no valid header: [`BlockError::Overflow`], in debug and release
/// builds alike.
pub fn excess_blob_gas(spec: SpecId, params: BlobParams, parent: &Header) -> Result<u64, BlockError> {
    let overflow = || BlockError::Overflow("excess blob gas");
    let excess = u128::from(parent.excess_blob_gas.unwrap_or(0));
    let used = u128::from(parent.blob_gas_used.unwrap_or(0));
    // Both factors fit 64 bits, so the products and sums below fit 128.
    let target = u128::from(params.target) * u128::from(GAS_PER_BLOB);
    let parent_blob_gas = excess + used;
    if parent_blob_gas < target {
        return Ok(0);
    }
    if spec.is_enabled_in(SpecId::Osaka) {
        let base_fee = parent.base_fee_per_gas.unwrap_or_default();
        let reserve = U256::from(BLOB_BASE_COST).saturating_mul(base_fee);
        let excess_u64 = u64::try_from(excess).map_err(|_| overflow())?;
        let target_price = U256::from(GAS_PER_BLOB).saturating_mul(blob_base_fee(excess_u64, params));
        if reserve > target_price && params.max > 0 {
            // A schedule whose maximum is below its target is no schedule (the spec would
            // compute with a negative factor).
            let spread =
                params.max.checked_sub(params.target).ok_or(BlockError::Overflow("blob schedule"))?;
            let grown = excess + used * u128::from(spread) / u128::from(params.max);
            return u64::try_from(grown).map_err(|_| overflow());
        }
    }
    u64::try_from(parent_blob_gas - target).map_err(|_| overflow())
}

/// The difficulty a pre-Merge block must have (`calculate_block_difficulty` of each fork).
/// A parent difficulty so close to 2^256 that its child's would not fit has no valid child.
fn difficulty(spec: SpecId, header: &Header, parent: &Header) -> Result<U256, BlockError> {
    let overflow = || BlockError::Overflow("difficulty");
    const MINIMUM: u64 = 131_072;
    let parent_diff = parent.difficulty;
    let step = parent_diff / U256::from(2048);
    let dt = header.timestamp.saturating_sub(parent.timestamp);
    let mut d = if spec.is_enabled_in(SpecId::Byzantium) || spec.is_enabled_in(SpecId::Homestead) {
        let factor: i64 = if spec.is_enabled_in(SpecId::Byzantium) {
            let base = if parent.ommers_hash != EMPTY_OMMERS_HASH { 2 } else { 1 };
            (base - (dt / 9).min(1000) as i64).max(-99)
        } else {
            (1 - (dt / 10).min(1000) as i64).max(-99)
        };
        if factor >= 0 {
            // `step` is at most 2^245 and `factor` at most 2: only the sum can overflow.
            parent_diff.checked_add(step * U256::from(factor as u64)).ok_or_else(overflow)?
        } else {
            parent_diff.saturating_sub(step * U256::from(factor.unsigned_abs()))
        }
    } else if dt < 13 {
        parent_diff.checked_add(step).ok_or_else(overflow)?
    } else {
        parent_diff - step
    };
    let delay: u64 = match spec {
        SpecId::Frontier | SpecId::Homestead | SpecId::TangerineWhistle | SpecId::SpuriousDragon => 0,
        SpecId::Byzantium => 3_000_000,
        SpecId::Constantinople | SpecId::Petersburg | SpecId::Istanbul => 5_000_000,
        SpecId::Berlin => 9_000_000,
        SpecId::London => 9_700_000,
        SpecId::Paris | SpecId::Shanghai | SpecId::Cancun | SpecId::Prague | SpecId::Osaka => 11_400_000,
    };
    let periods = (header.number.saturating_sub(delay) / 100_000) as i64 - 2;
    if header.number >= delay && periods >= 0 {
        let bomb = U256::from(1).checked_shl(periods as usize).ok_or_else(overflow)?;
        d = d.checked_add(bomb).ok_or_else(overflow)?;
    }
    Ok(d.max(U256::from(MINIMUM)))
}

/// Checks `block`'s header against its parent under `spec` (`parent_spec` is the parent's
/// fork, for the London base fee at the fork block); `blob` are the block's blob parameters.
pub fn validate_header(
    spec: SpecId,
    parent_spec: SpecId,
    blob: Option<BlobParams>,
    block: &Block,
    parent: &Header,
) -> Result<(), BlockError> {
    let header = &block.header;
    check_format(spec, block)?;
    if spec.is_enabled_in(SpecId::Osaka) && block.rlp_length > MAX_RLP_BLOCK_SIZE {
        return Err(BlockError::BlockTooLarge { size: block.rlp_length });
    }
    if let Some(params) = blob.filter(|_| spec.is_enabled_in(SpecId::Cancun)) {
        let expected = excess_blob_gas(spec, params, parent)?;
        let got = header.excess_blob_gas.unwrap_or_default();
        if got != expected {
            return Err(BlockError::IncorrectExcessBlobGas { expected, got });
        }
    }
    if header.gas_used > header.gas_limit {
        return Err(BlockError::GasUsedAboveLimit);
    }
    if spec.is_enabled_in(SpecId::London) {
        let expected = if parent_spec.is_enabled_in(SpecId::London) {
            base_fee(header.gas_limit, parent)?
        } else {
            if !check_gas_limit(header.gas_limit, parent.gas_limit.saturating_mul(ELASTICITY_MULTIPLIER)) {
                return Err(BlockError::InvalidGasLimit);
            }
            U256::from(INITIAL_BASE_FEE)
        };
        let got = header.base_fee_per_gas.unwrap_or_default();
        if got != expected {
            return Err(BlockError::InvalidBaseFee { expected, got });
        }
    }
    if header.timestamp <= parent.timestamp {
        return Err(BlockError::InvalidTimestamp);
    }
    if Some(header.number) != parent.number.checked_add(1) {
        return Err(BlockError::InvalidNumber);
    }
    if !spec.is_enabled_in(SpecId::London) && !check_gas_limit(header.gas_limit, parent.gas_limit) {
        return Err(BlockError::InvalidGasLimit);
    }
    if header.extra_data.len() > 32 {
        return Err(BlockError::ExtraDataTooLong);
    }
    if spec.is_enabled_in(SpecId::Paris) {
        if !header.difficulty.is_zero() {
            return Err(BlockError::InvalidDifficulty { expected: U256::ZERO, got: header.difficulty });
        }
        if header.nonce != [0; 8] {
            return Err(BlockError::InvalidNonce);
        }
        if header.ommers_hash != EMPTY_OMMERS_HASH {
            return Err(BlockError::InvalidOmmersHash);
        }
    } else {
        let expected = difficulty(spec, header, parent)?;
        if header.difficulty != expected {
            return Err(BlockError::InvalidDifficulty { expected, got: header.difficulty });
        }
    }
    if header.parent_hash != parent.hash {
        return Err(BlockError::InvalidParentHash);
    }
    Ok(())
}

/// The ommer rules that need no chain history: the hash, the count, each ommer older than the
/// block by 1 to 6 generations and not a duplicate. (An ommer's own header validity and its
/// relation to recent canonical blocks need the chain and are not checked here.)
pub fn validate_ommers(spec: SpecId, block: &Block) -> Result<(), BlockError> {
    if block.ommers_list_hash != block.header.ommers_hash {
        return Err(BlockError::InvalidOmmersHash);
    }
    if block.ommers.is_empty() {
        return Ok(());
    }
    if spec.is_enabled_in(SpecId::Paris) {
        return Err(BlockError::InvalidOmmer("ommers after the Merge"));
    }
    if block.ommers.len() > 2 {
        return Err(BlockError::InvalidOmmer("more than two ommers"));
    }
    for (i, ommer) in block.ommers.iter().enumerate() {
        let age = block.header.number.saturating_sub(ommer.number);
        if ommer.number < 1 || !(1..=6).contains(&age) {
            return Err(BlockError::InvalidOmmer("ommer age not 1 to 6"));
        }
        if block.ommers[..i].iter().any(|o| o.hash == ommer.hash) || ommer.hash == block.header.hash {
            return Err(BlockError::InvalidOmmer("duplicate ommer"));
        }
        if ommer.parent_hash == block.header.parent_hash {
            return Err(BlockError::InvalidOmmer("ommer is a sibling"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            parent_hash: B256::ZERO,
            ommers_hash: EMPTY_OMMERS_HASH,
            coinbase: Default::default(),
            state_root: B256::ZERO,
            transactions_root: B256::ZERO,
            receipts_root: B256::ZERO,
            logs_bloom: [0; 256],
            difficulty: U256::ZERO,
            number: 1,
            gas_limit: 30_000_000,
            gas_used: 0,
            timestamp: 1,
            extra_data: Default::default(),
            mix_hash: B256::ZERO,
            nonce: [0; 8],
            base_fee_per_gas: None,
            withdrawals_root: None,
            blob_gas_used: None,
            excess_blob_gas: None,
            parent_beacon_block_root: None,
            requests_hash: None,
            hash: B256::ZERO,
        }
    }

    fn parent(base_fee: U256, gas_limit: u64, gas_used: u64) -> Header {
        Header { base_fee_per_gas: Some(base_fee), gas_limit, gas_used, ..header() }
    }

    /// The base fee is exact near 2^256 and refuses what does not fit, in debug and release.
    #[test]
    fn base_fee_near_the_top_is_exact_or_refused() {
        // Full parent: the fee grows by 1/8.
        let full = parent(U256::MAX, 30_000_000, 30_000_000);
        assert_eq!(base_fee(30_000_000, &full), Err(BlockError::Overflow("base fee")));
        // Empty parent: it falls by 1/8, computed without wrapping the product.
        let empty = parent(U256::MAX, 30_000_000, 0);
        assert_eq!(base_fee(30_000_000, &empty), Ok(U256::MAX - U256::MAX / U256::from(8)));
        // The largest fee that may still grow by an eighth.
        let top = U256::MAX / U256::from(9) * U256::from(8);
        let grown = base_fee(30_000_000, &parent(top, 30_000_000, 30_000_000)).expect("fits");
        assert_eq!(grown, top + top / U256::from(8));
    }

    /// A difficulty that would pass 2^256 is refused; one that falls is exact.
    #[test]
    fn difficulty_near_the_top_is_checked() {
        let parent = Header { difficulty: U256::MAX, number: 1, timestamp: 100, ..header() };
        let quick = Header { number: 2, timestamp: 101, ..header() };
        let slow = Header { number: 2, timestamp: 200, ..header() };
        for spec in [SpecId::Frontier, SpecId::Homestead, SpecId::Byzantium] {
            assert_eq!(
                difficulty(spec, &quick, &parent),
                Err(BlockError::Overflow("difficulty")),
                "{spec:?}"
            );
            let fell = difficulty(spec, &slow, &parent).expect("a falling difficulty fits");
            assert!(fell < U256::MAX, "{spec:?}");
        }
        let bomb = Header { number: u64::MAX, timestamp: 200, ..header() };
        let low = Header { difficulty: U256::from(1u64 << 40), ..parent };
        assert_eq!(difficulty(SpecId::Frontier, &bomb, &low), Err(BlockError::Overflow("difficulty")));
    }

    /// Extreme parents and schedules: an error, never a wrapped value or a panic.
    #[test]
    fn excess_blob_gas_is_checked() {
        let mut h = Header { excess_blob_gas: Some(u64::MAX), blob_gas_used: Some(u64::MAX), ..header() };
        let params = BlobParams::PRAGUE;
        assert_eq!(excess_blob_gas(SpecId::Cancun, params, &h), Err(BlockError::Overflow("excess blob gas")));
        // A target so large its blob gas does not fit 64 bits: the parent is below it.
        let huge = BlobParams { target: u64::MAX, max: u64::MAX, update_fraction: 1 };
        assert_eq!(excess_blob_gas(SpecId::Cancun, huge, &h), Ok(0));
        // Osaka's reserve price path with a maximum below the target.
        h.base_fee_per_gas = Some(U256::MAX);
        h.excess_blob_gas = Some(0);
        h.blob_gas_used = Some(1 << 20);
        let backwards = BlobParams { target: 2, max: 1, update_fraction: 1 };
        assert_eq!(excess_blob_gas(SpecId::Osaka, backwards, &h), Err(BlockError::Overflow("blob schedule")));
        // An ordinary parent is unchanged: 6 blobs used at target 3 leave 3 blobs of excess.
        let ordinary = Header { excess_blob_gas: Some(0), blob_gas_used: Some(6 * GAS_PER_BLOB), ..header() };
        assert_eq!(excess_blob_gas(SpecId::Cancun, BlobParams::CANCUN, &ordinary), Ok(3 * GAS_PER_BLOB));
    }

    #[test]
    fn gas_limit_bounds() {
        assert!(check_gas_limit(1_000_000, 1_000_000));
        // Delta 976: 1_000_976 is out, 1_000_975 in.
        assert!(!check_gas_limit(1_000_976, 1_000_000));
        assert!(check_gas_limit(1_000_975, 1_000_000));
        assert!(!check_gas_limit(999_024, 1_000_000));
        assert!(!check_gas_limit(4_999, 5_000));
    }
}
