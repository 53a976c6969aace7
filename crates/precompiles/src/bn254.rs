//! BN254 add, mul and pairing (0x06-0x08): EIP-196, EIP-197, repriced by EIP-1108.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn add_byzantium(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn add_istanbul(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn mul_byzantium(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn mul_istanbul(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn pairing_byzantium(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn pairing_istanbul(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
