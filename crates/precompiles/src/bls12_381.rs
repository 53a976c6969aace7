//! BLS12-381 operations (0x0b-0x11): EIP-2537.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn g1_add(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn g1_msm(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn g2_add(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn g2_msm(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn pairing(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn map_fp_to_g1(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}

/// Not yet implemented.
pub(crate) fn map_fp2_to_g2(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
