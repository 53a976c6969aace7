//! The journal's own small types: checkpoints and the errors of transfers and creations. The
//! facts it returns to execution ([`Access`](kestrel_primitives::Access) and its kin) live in
//! `kestrel-primitives`, shared with the interpreter's `Host`.

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
