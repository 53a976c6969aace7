//! Frontier gas costs from the Yellow Paper (appendix G), still in force unless a later EIP
//! module overrides them.

/// Cost of every transaction (G_transaction).
pub const TX_BASE: u64 = 21_000;
/// Extra cost of a contract-creating transaction (G_txcreate), from Homestead (EIP-2).
pub const TX_CREATE: u64 = 32_000;
/// Cost per zero byte of transaction data (G_txdatazero).
pub const TX_DATA_ZERO: u64 = 4;
/// Cost per non-zero byte of transaction data before EIP-2028 (G_txdatanonzero).
pub const TX_DATA_NONZERO: u64 = 68;
/// Cost per 32-byte word of memory (G_memory); memory cost is `3w + w²/512`.
pub const MEMORY_WORD: u64 = 3;
/// Divisor of the quadratic memory term.
pub const MEMORY_QUAD_DIVISOR: u64 = 512;
/// Cost per word copied by the *COPY opcodes (G_copy).
pub const COPY_WORD: u64 = 3;
/// KECCAK256 cost per word hashed (G_keccak256word).
pub const KECCAK256_WORD: u64 = 6;
/// LOG cost per byte of data (G_logdata).
pub const LOG_DATA: u64 = 8;
/// EXP cost per byte of exponent before EIP-160 (G_expbyte).
pub const EXP_BYTE: u64 = 10;
/// EXP cost per byte of exponent from Spurious Dragon (EIP-160).
pub const EXP_BYTE_EIP160: u64 = 50;
/// Cost per byte of deployed code (G_codedeposit).
pub const CODE_DEPOSIT: u64 = 200;
/// Cost of a value-bearing CALL (G_callvalue).
pub const CALL_VALUE: u64 = 9_000;
/// Gas given to the callee of a value-bearing call for free (G_callstipend).
pub const CALL_STIPEND: u64 = 2_300;
/// Cost of a CALL that creates a new account (G_newaccount).
pub const NEW_ACCOUNT: u64 = 25_000;
/// SSTORE setting a zero slot to non-zero (G_sset).
pub const SSTORE_SET: u64 = 20_000;
/// SSTORE any other change (G_sreset).
pub const SSTORE_RESET: u64 = 5_000;
/// Refund for clearing a slot before EIP-3529 (R_sclear).
pub const SSTORE_CLEARS_REFUND: u64 = 15_000;
/// Refund for SELFDESTRUCT before EIP-3529 (R_selfdestruct).
pub const SELFDESTRUCT_REFUND: u64 = 24_000;
/// Maximum call depth.
pub const CALL_DEPTH_LIMIT: usize = 1024;
/// Maximum stack height.
pub const STACK_LIMIT: usize = 1024;
/// Maximum refund as a fraction of gas used, before EIP-3529: `used / 2`.
pub const MAX_REFUND_QUOTIENT: u64 = 2;
