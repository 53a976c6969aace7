//! EIP-150 (Tangerine Whistle): gas cost changes for IO-heavy operations, and the 63/64 rule.

/// Extra SELFDESTRUCT cost when the beneficiary is a new account.
pub const SELFDESTRUCT_NEW_ACCOUNT: u64 = 25_000;
/// A call may forward at most `available - available / 64` gas.
pub const CALL_GAS_RETAINED_DIVISOR: u64 = 64;
