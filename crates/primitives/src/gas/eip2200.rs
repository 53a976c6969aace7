//! EIP-2200 (Istanbul) and EIP-1283 (Constantinople): net gas metering for SSTORE.

/// SSTORE that does not change the current value, or changes a dirty slot (Istanbul to Berlin).
pub const SLOAD_GAS: u64 = 800;
/// SSTORE fails outright when no more than this gas is left (EIP-2200 sentry).
pub const SSTORE_SENTRY: u64 = 2_300;
/// No-op / dirty SSTORE cost under EIP-1283.
pub const SLOAD_GAS_EIP1283: u64 = 200;
