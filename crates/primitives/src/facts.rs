//! What state tells execution: the small `Copy` facts the journal (in `kestrel-state`) returns
//! and the interpreter's `Host` trait hands to the opcodes, one type for both.
//!
//! The facts are plain values, never per-EIP switches: whether an access was the first in the
//! transaction, a slot's values around a write, what a call or a self-destruct found. The
//! interpreter turns them into gas under the fork's rules.

use crate::{Address, U256};

/// A value read from state together with whether this access was the first in the
/// transaction (cold, EIP-2929); the account or slot is warm afterwards. Before Berlin the
/// interpreter ignores `is_cold`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access<T> {
    /// The value read.
    pub value: T,
    /// True when this access warmed the account or slot.
    pub is_cold: bool,
}

impl<T> Access<T> {
    /// `value` with its cold flag.
    #[inline(always)]
    pub const fn new(value: T, is_cold: bool) -> Self {
        Self { value, is_cold }
    }

    /// A warm access of `value`.
    #[inline(always)]
    pub const fn warm(value: T) -> Self {
        Self { value, is_cold: false }
    }
}

/// A storage slot's values around a write: what SSTORE's gas and refund rules need
/// (EIP-1283/2200/3529 net metering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SStoreValues {
    /// The slot's value at the start of the transaction.
    pub original: U256,
    /// The slot's value before this write.
    pub present: U256,
    /// The value written.
    pub new: U256,
}

/// Facts about a CALL-family target, for gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// True when the call warmed the target (EIP-2929).
    pub is_cold: bool,
    /// False when the target is absent from the state trie (pre-EIP-161 new-account rule).
    pub exists: bool,
    /// True when the target is absent or empty per EIP-161 (no code, zero nonce, zero balance).
    pub is_empty: bool,
    /// From Prague, the EIP-7702 delegate named by the target's code, warmed, with its own cold
    /// flag; `None` earlier or when the target is not delegated.
    pub delegate: Option<Access<Address>>,
}

/// Facts about a SELFDESTRUCT, taken before it moved any balance, for its gas and refund rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfDestructResult {
    /// True when the destroyed account had a non-zero balance.
    pub had_value: bool,
    /// True when the beneficiary existed (pre-EIP-161 new-account rule).
    pub target_exists: bool,
    /// True when the beneficiary was absent or empty per EIP-161.
    pub target_is_empty: bool,
    /// True when the account was already scheduled for deletion in this transaction, in a frame
    /// that has not been reverted (no second refund before EIP-3529).
    pub previously_destroyed: bool,
}
