//! MODEXP (0x05): EIP-198, repriced by EIP-2565 (Berlin) and EIP-7883 (Osaka), bounded by EIP-7823.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn modexp_byzantium(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn modexp_berlin(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn modexp_osaka(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
