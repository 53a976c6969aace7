//! EIP-3860 (Shanghai): limit and meter initcode; EIP-170 code size limit.

/// Cost per 32-byte word of initcode.
pub const INITCODE_WORD: u64 = 2;
/// Maximum deployed code size (EIP-170, Spurious Dragon).
pub const MAX_CODE_SIZE: usize = 0x6000;
/// Maximum initcode size: twice the code size limit.
pub const MAX_INITCODE_SIZE: usize = 2 * MAX_CODE_SIZE;
