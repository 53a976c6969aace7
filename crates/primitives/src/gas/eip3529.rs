//! EIP-3529 (London): reduced refunds.

/// Refund for clearing a slot: `SSTORE_RESET + ACCESS_LIST_STORAGE_KEY` = 4800.
pub const SSTORE_CLEARS_REFUND: u64 = 4_800;
/// Maximum refund is `used / 5`.
pub const MAX_REFUND_QUOTIENT: u64 = 5;
