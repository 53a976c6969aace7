//! EIP-4844 (Cancun): blob transactions; EIP-7691 (Prague) raises the blob counts.

/// Blob gas per blob.
pub const GAS_PER_BLOB: u64 = 1 << 17;
/// The version byte every blob versioned hash starts with.
pub const VERSIONED_HASH_VERSION_KZG: u8 = 0x01;
/// Minimum blob base fee.
pub const MIN_BLOB_BASE_FEE: u64 = 1;
/// Cancun's base-fee update fraction.
pub const BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN: u64 = 3_338_477;
/// Prague's base-fee update fraction (EIP-7691).
pub const BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE: u64 = 5_007_716;
/// Cancun's maximum blobs per block.
pub const MAX_BLOBS_PER_BLOCK_CANCUN: u64 = 6;
/// Prague's maximum blobs per block (EIP-7691).
pub const MAX_BLOBS_PER_BLOCK_PRAGUE: u64 = 9;
/// Osaka's maximum blobs per transaction (EIP-7594).
pub const MAX_BLOBS_PER_TX_OSAKA: u64 = 6;
