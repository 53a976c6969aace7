//! ECRECOVER (0x01): secp256k1 public key recovery.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn ecrecover(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
