//! SHA2-256 (0x02), RIPEMD-160 (0x03) and IDENTITY (0x04).

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn sha256(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn ripemd160(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn identity(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
