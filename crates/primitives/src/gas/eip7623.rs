//! EIP-7623 (Prague): increase calldata cost via a floor on gas used.

/// Floor cost per token; a zero byte is one token, a non-zero byte four.
pub const TOTAL_COST_FLOOR_PER_TOKEN: u64 = 10;
/// Tokens per non-zero byte.
pub const NONZERO_BYTE_TOKENS: u64 = 4;
