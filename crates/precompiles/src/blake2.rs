//! BLAKE2 F compression (0x09): EIP-152.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn blake2f(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
