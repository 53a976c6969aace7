//! P256VERIFY (0x100): secp256r1 signature verification, EIP-7951.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn p256verify(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
