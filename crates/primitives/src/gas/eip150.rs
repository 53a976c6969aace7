//! EIP-150 (Tangerine Whistle): gas cost changes for IO-heavy operations, and the 63/64 rule.

/// EXTCODESIZE / EXTCODECOPY base cost.
pub const EXTCODE: u64 = 700;
/// BALANCE cost (raised again by EIP-1884).
pub const BALANCE: u64 = 400;
/// SLOAD cost (raised again by EIP-1884).
pub const SLOAD: u64 = 200;
/// CALL family base cost.
pub const CALL: u64 = 700;
/// SELFDESTRUCT cost.
pub const SELFDESTRUCT: u64 = 5_000;
/// Extra SELFDESTRUCT cost when the beneficiary is a new account.
pub const SELFDESTRUCT_NEW_ACCOUNT: u64 = 25_000;
/// A call may forward at most `available - available / 64` gas.
pub const CALL_GAS_RETAINED_DIVISOR: u64 = 64;
