//! Opcode handlers, one module per category; each module's first doc line lists its opcodes.
//!
//! A handler only computes: the generated dispatch has already checked the stack against the
//! opcode table's inputs and outputs, charged the static gas and (for `flush` rows) checked
//! the gas total. Handlers charge only dynamic gas.

pub(crate) mod arithmetic;
pub(crate) mod bitwise;
pub(crate) mod block;
pub(crate) mod control;
pub(crate) mod environment;
pub(crate) mod log;
pub(crate) mod memory;
pub(crate) mod stack;
pub(crate) mod storage;
pub(crate) mod system;

use kestrel_primitives::gas::eip2929::COLD_ACCOUNT_EXTRA;
use kestrel_primitives::{Address, SpecId, U256};

/// The low 20 bytes of a stack word as an address.
#[inline(always)]
pub(crate) fn to_address(word: U256) -> Address {
    Address::from_slice(&word.to_be_bytes::<32>()[12..])
}

/// An address as a stack word.
#[inline(always)]
pub(crate) fn from_address(address: Address) -> U256 {
    U256::from_be_slice(address.as_slice())
}

/// The extra charged for a cold account access on top of the warm cost the table already
/// charged (EIP-2929, Berlin).
#[inline(always)]
pub(crate) fn cold_account_surcharge(spec: SpecId, is_cold: bool) -> u64 {
    if is_cold && spec.is_enabled_in(SpecId::Berlin) { COLD_ACCOUNT_EXTRA } else { 0 }
}
