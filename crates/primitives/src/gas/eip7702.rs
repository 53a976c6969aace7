//! EIP-7702 (Prague): set EOA code.

/// Intrinsic cost per authorization tuple (also the empty-account cost).
pub const PER_EMPTY_ACCOUNT_COST: u64 = 25_000;
/// Refunded per authorization whose authority already exists.
pub const PER_AUTH_BASE_COST: u64 = 12_500;
/// The prefix of a delegation designator: `0xef0100 ++ address`.
pub const DELEGATION_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];
/// Length of a delegation designator.
pub const DELEGATION_LEN: usize = 23;
