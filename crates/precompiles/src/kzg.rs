//! KZG point evaluation (0x0a): EIP-4844.

use crate::{PrecompileError, PrecompileResult};

/// Not yet implemented.
pub(crate) fn point_evaluation(_input: &[u8], _gas_limit: u64) -> PrecompileResult {
    Err(PrecompileError::Failure("unimplemented"))
}
