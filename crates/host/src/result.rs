//! What executing a transaction produces.

use core::fmt;

use kestrel_interpreter::Status;
use kestrel_primitives::{Address, Bytes, Log};
use kestrel_state::Logs;

use crate::validation::InvalidTransaction;

/// The outcome of a valid transaction, borrowing its output and logs from the
/// [`Evm`](crate::Evm) that ran it: valid until the `Evm` runs the next transaction. Getting it
/// allocates nothing; [`to_owned`](Self::to_owned) makes an [`ExecutionResult`] that outlives
/// the `Evm`'s next transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionOutcome<'a> {
    /// How the outermost frame ended: a success status, [`Status::Revert`], or a halt reason.
    pub status: Status,
    /// Gas charged to the sender, after refunds and the EIP-7623 floor.
    pub gas_used: u64,
    /// Gas refunded (already subtracted from `gas_used`).
    pub gas_refunded: u64,
    /// Returned (or reverted) data; for a successful creation, empty.
    pub output: &'a [u8],
    /// Logs of a successful transaction; empty otherwise.
    pub logs: Logs<'a>,
    /// The deployed contract, for a successful contract-creating transaction.
    pub created_address: Option<Address>,
}

impl ExecutionOutcome<'_> {
    /// True when the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// An owned copy: allocates the output and the logs (a `Vec`, and per log its topics and
    /// data).
    pub fn to_owned(&self) -> ExecutionResult {
        ExecutionResult {
            status: self.status,
            gas_used: self.gas_used,
            gas_refunded: self.gas_refunded,
            output: Bytes::copy_from_slice(self.output),
            logs: self.logs.to_vec(),
            created_address: self.created_address,
        }
    }
}

/// The outcome of a valid transaction, owned: [`ExecutionOutcome::to_owned`]. What
/// [`Evm::transact`](crate::Evm::transact) and its kin return; the `_ref` methods return the
/// borrowed outcome instead and allocate nothing for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionResult {
    /// How the outermost frame ended: a success status, [`Status::Revert`], or a halt reason.
    pub status: Status,
    /// Gas charged to the sender, after refunds and the EIP-7623 floor.
    pub gas_used: u64,
    /// Gas refunded (already subtracted from `gas_used`).
    pub gas_refunded: u64,
    /// Returned (or reverted) data; for a successful creation, empty.
    pub output: Bytes,
    /// Logs of a successful transaction; empty otherwise.
    pub logs: Vec<Log>,
    /// The deployed contract, for a successful contract-creating transaction.
    pub created_address: Option<Address>,
}

impl ExecutionResult {
    /// True when the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

/// Why a transaction could not be executed: it is invalid (state untouched), or the database
/// failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxError {
    /// The transaction is invalid; nothing was changed.
    Invalid(InvalidTransaction),
    /// The database reported an error; the transaction's changes were dropped.
    Database(String),
    /// The inspector stopped the transaction ([`Inspector::step`](crate::Inspector::step)
    /// returned this reason); its changes were dropped.
    Halted(String),
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxError::Invalid(e) => write!(f, "invalid transaction: {e}"),
            TxError::Database(e) => write!(f, "database error: {e}"),
            TxError::Halted(e) => write!(f, "halted by the inspector: {e}"),
        }
    }
}

impl std::error::Error for TxError {}

impl From<InvalidTransaction> for TxError {
    fn from(e: InvalidTransaction) -> Self {
        TxError::Invalid(e)
    }
}
