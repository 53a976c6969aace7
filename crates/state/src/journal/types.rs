//! The small `Copy` results the journal hands back; the host maps each onto its `Host` type in
//! one line.

use kestrel_primitives::{Address, U256};

/// A value read from the state together with whether the access was the first in the
/// transaction (cold, EIP-2929); the access is warm afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load<T> {
    /// The value read.
    pub value: T,
    /// True when this access warmed the account or slot.
    pub is_cold: bool,
}

impl<T> Load<T> {
    /// Wraps `value` with its cold flag.
    #[inline(always)]
    pub const fn new(value: T, is_cold: bool) -> Self {
        Self { value, is_cold }
    }
}

/// The three values SSTORE gas rules need (EIP-1283/2200/3529 net metering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotWrite {
    /// The slot's value at the start of the transaction.
    pub original: U256,
    /// The slot's value before this write.
    pub present: U256,
    /// The value written.
    pub new: U256,
}

/// Facts about a CALL-family target, for gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTargetInfo {
    /// True when the call warmed the target (EIP-2929).
    pub is_cold: bool,
    /// False when the target is absent from the state trie (pre-EIP-161 new-account rule).
    pub exists: bool,
    /// True when the target is absent or empty per EIP-161.
    pub is_empty: bool,
    /// From Prague, the EIP-7702 delegate named by the target's code, warmed, with its own cold
    /// flag; `None` earlier or when the target is not delegated.
    pub delegate: Option<Load<Address>>,
}

/// Facts about a SELFDESTRUCT, taken before it moved any balance, for its gas and refund rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfDestructOutcome {
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

/// A position in the journal to commit or revert to: the journal and log lengths when it was
/// taken. Checkpoints nest; reverting to one discards every change made after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub(crate) journal: usize,
    pub(crate) logs: usize,
}

/// The sender of a value transfer holds less than the value; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsufficientBalance;

impl core::fmt::Display for InsufficientBalance {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("insufficient balance for transfer")
    }
}

impl std::error::Error for InsufficientBalance {}

/// Why [`Journal::create_account_checkpoint`](crate::Journal::create_account_checkpoint) did not
/// create the account. In both cases the journal is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateError {
    /// The address is occupied: non-zero nonce, non-empty code or non-empty storage (EIP-684,
    /// EIP-7610).
    Collision,
    /// The creator holds less than the endowment.
    InsufficientBalance,
}

impl core::fmt::Display for CreateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CreateError::Collision => f.write_str("contract address collision"),
            CreateError::InsufficientBalance => f.write_str("insufficient balance for endowment"),
        }
    }
}

impl std::error::Error for CreateError {}
