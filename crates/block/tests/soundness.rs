//! The block crate's public validation helpers on extreme parents and blob schedules: checked
//! arithmetic, the same error in debug and release builds, never a wrapped value or a panic.

use kestrel_block::BlockError;
use kestrel_block::config::BlobParams;
use kestrel_block::header::Header;
use kestrel_block::validate::{base_fee, excess_blob_gas};
use kestrel_primitives::{B256, SpecId, U256};

fn header() -> Header {
    Header {
        parent_hash: B256::ZERO,
        ommers_hash: B256::ZERO,
        coinbase: Default::default(),
        state_root: B256::ZERO,
        transactions_root: B256::ZERO,
        receipts_root: B256::ZERO,
        logs_bloom: [0; 256],
        difficulty: U256::ZERO,
        number: 1,
        gas_limit: 30_000_000,
        gas_used: 30_000_000,
        timestamp: 1,
        extra_data: Default::default(),
        mix_hash: B256::ZERO,
        nonce: [0; 8],
        base_fee_per_gas: Some(U256::MAX),
        withdrawals_root: None,
        blob_gas_used: Some(u64::MAX),
        excess_blob_gas: Some(u64::MAX),
        parent_beacon_block_root: None,
        requests_hash: None,
        hash: B256::ZERO,
    }
}

#[test]
fn extreme_parents_are_errors() {
    let parent = header();
    assert_eq!(base_fee(parent.gas_limit, &parent), Err(BlockError::Overflow("base fee")));
    for spec in [SpecId::Cancun, SpecId::Prague, SpecId::Osaka] {
        let got = excess_blob_gas(spec, BlobParams::PRAGUE, &parent);
        assert_eq!(got, Err(BlockError::Overflow("excess blob gas")), "{spec:?}");
    }
    let schedules = [
        BlobParams { target: u64::MAX, max: u64::MAX, update_fraction: u64::MAX },
        BlobParams { target: 0, max: 0, update_fraction: 1 },
        BlobParams { target: 9, max: 1, update_fraction: 1 },
    ];
    for params in schedules {
        for spec in [SpecId::Cancun, SpecId::Osaka] {
            let quiet = Header { excess_blob_gas: Some(1), blob_gas_used: Some(1 << 40), ..header() };
            // Any answer is fine as long as it is an answer: no panic, no wrap.
            if let Ok(excess) = excess_blob_gas(spec, params, &quiet) {
                assert!(u128::from(excess) <= 1 + (1u128 << 40), "{spec:?} {params:?}");
            }
        }
    }
}
