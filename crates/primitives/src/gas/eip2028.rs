//! EIP-2028 (Istanbul): cheaper non-zero calldata.

/// Cost per non-zero byte of transaction data.
pub const TX_DATA_NONZERO: u64 = 16;
