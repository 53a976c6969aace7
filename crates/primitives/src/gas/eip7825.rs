//! EIP-7825 (Osaka): transaction gas limit cap.

/// The most gas one transaction may ask for.
pub const TX_GAS_LIMIT_CAP: u64 = 1 << 24;
