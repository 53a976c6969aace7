//! EIP-2929 (Berlin): cold and warm access costs for state-accessing opcodes.

/// Cost of a cold SLOAD.
pub const COLD_SLOAD: u64 = 2_100;
/// Cost of a cold account access (BALANCE, EXT*, CALL family, SELFDESTRUCT beneficiary).
pub const COLD_ACCOUNT_ACCESS: u64 = 2_600;
/// Cost of a warm storage or account read.
pub const WARM_STORAGE_READ: u64 = 100;
/// SSTORE reset cost after EIP-2929: `5000 - COLD_SLOAD`.
pub const SSTORE_RESET: u64 = 5_000 - COLD_SLOAD;
/// The extra charged for a cold account over a warm one.
pub const COLD_ACCOUNT_EXTRA: u64 = COLD_ACCOUNT_ACCESS - WARM_STORAGE_READ;
