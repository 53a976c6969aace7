//! Why a block is invalid.

use core::fmt;

use kestrel_host::InvalidTransaction;
use kestrel_primitives::{Address, B256, U256};

use crate::tx::SignatureError;

/// Why a transaction made its block invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxRejection {
    /// No sender recovers from the signature.
    Signature(SignatureError),
    /// More gas than the block has left (`GAS_ALLOWANCE_EXCEEDED`).
    GasAllowanceExceeded {
        /// The transaction's gas limit.
        gas_limit: u64,
        /// Gas left in the block.
        available: u64,
    },
    /// More blob gas than the block has left.
    BlobGasAllowanceExceeded,
    /// The `Evm` refused it.
    Invalid(InvalidTransaction),
}

impl fmt::Display for TxRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxRejection::Signature(e) => write!(f, "{e}"),
            TxRejection::GasAllowanceExceeded { gas_limit, available } => {
                write!(f, "gas limit {gas_limit} exceeds the {available} gas left in the block")
            }
            TxRejection::BlobGasAllowanceExceeded => f.write_str("blob gas exceeds what the block has left"),
            TxRejection::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// A header field that the block's execution disagrees with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `gasUsed`.
    GasUsed,
    /// `stateRoot`.
    StateRoot,
    /// `receiptsRoot`.
    ReceiptsRoot,
    /// `logsBloom`.
    LogsBloom,
    /// `transactionsRoot`.
    TransactionsRoot,
    /// `withdrawalsRoot`.
    WithdrawalsRoot,
    /// `blobGasUsed`.
    BlobGasUsed,
    /// `requestsHash`.
    RequestsHash,
}

/// Why a block is invalid. The state is untouched whenever a block is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// The header lacks a field its fork has, or has one its fork lacks.
    IncorrectBlockFormat(&'static str),
    /// The number is not the parent's plus one.
    InvalidNumber,
    /// The timestamp is not after the parent's.
    InvalidTimestamp,
    /// More than 32 bytes of extra data.
    ExtraDataTooLong,
    /// `gasUsed` above `gasLimit`.
    GasUsedAboveLimit,
    /// The gas limit moved too far from the parent's, or is below 5000.
    InvalidGasLimit,
    /// The base fee is not the one EIP-1559 gives.
    InvalidBaseFee {
        /// Expected.
        expected: U256,
        /// In the header.
        got: U256,
    },
    /// The difficulty is not the one the fork's formula gives (or not zero from Paris).
    InvalidDifficulty {
        /// Expected.
        expected: U256,
        /// In the header.
        got: U256,
    },
    /// A non-zero proof-of-work nonce after the Merge.
    InvalidNonce,
    /// The ommers hash does not match the ommers (or is not the empty list's from Paris).
    InvalidOmmersHash,
    /// An ommer breaks the ommer rules.
    InvalidOmmer(&'static str),
    /// `parentHash` is not the parent's hash.
    InvalidParentHash,
    /// The excess blob gas is not the one EIP-4844/7918 gives.
    IncorrectExcessBlobGas {
        /// Expected.
        expected: u64,
        /// In the header.
        got: u64,
    },
    /// One of the ten blocks from the DAO fork block on without `dao-hard-fork` as extra data.
    InvalidDaoExtraData,
    /// The block's RLP is larger than EIP-7934 allows.
    BlockTooLarge {
        /// The block's RLP length.
        size: usize,
    },
    /// A transaction is invalid.
    Transaction {
        /// Its position in the block.
        index: usize,
        /// Why.
        reason: TxRejection,
    },
    /// A system contract that must have code has none (EIP-7002, EIP-7251).
    SystemContractEmpty(Address),
    /// A system call that must succeed failed.
    SystemContractCallFailed(Address),
    /// A deposit contract log that is not a well-formed `DepositEvent` (EIP-6110).
    InvalidDepositEventLayout(&'static str),
    /// A header field differs from what executing the block gives.
    Mismatch {
        /// Which field.
        field: Field,
        /// From the header.
        header: B256,
        /// From execution.
        computed: B256,
    },
    /// The database failed.
    Database(String),
    /// A header value the rules derive from the parent (the named one) does not fit its
    /// field: no header can carry it, so the block is invalid.
    Overflow(&'static str),
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::Transaction { index, reason } => write!(f, "transaction {index}: {reason}"),
            BlockError::Mismatch { field, header, computed } => {
                write!(f, "{field:?} mismatch: header {header}, computed {computed}")
            }
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for BlockError {}
