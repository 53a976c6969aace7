//! Transaction validity: every check that rejects a transaction before it touches state.
//!
//! Follows `validate_transaction` and `check_transaction` of the execution specs. A rejected
//! transaction leaves the state exactly as it was.

use core::fmt;

use kestrel_primitives::gas::{eip3860, eip4844, eip7825};
use kestrel_primitives::{BlockEnv, SpecId, TxEnv, U256};

use crate::blob;
use crate::intrinsic::{IntrinsicGas, intrinsic_gas};

/// Why a transaction is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidTransaction {
    /// The transaction type is not active in this fork.
    TypeNotSupported(u8),
    /// The gas limit does not cover the intrinsic gas (or the EIP-7623 floor).
    IntrinsicGasTooLow {
        /// Gas the transaction must at least provide.
        required: u64,
        /// Gas it provides.
        limit: u64,
    },
    /// More gas than the block allows.
    GasLimitExceedsBlock,
    /// More gas than EIP-7825 allows (Osaka).
    GasLimitExceedsCap,
    /// The nonce is 2^64 - 1 (EIP-2681).
    NonceOverflow,
    /// The nonce differs from the sender's.
    NonceMismatch {
        /// The sender's nonce in state.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// Creation initcode longer than EIP-3860 allows.
    InitcodeTooLarge,
    /// The max priority fee exceeds the max fee (EIP-1559).
    PriorityFeeAboveMaxFee,
    /// The max fee (or gas price) is below the block's base fee.
    FeeBelowBaseFee,
    /// The sender cannot pay for gas, blob gas and value.
    InsufficientFunds,
    /// The sender has code that is not an EIP-7702 delegation (EIP-3607).
    SenderHasCode,
    /// A blob transaction without blobs.
    NoBlobs,
    /// More blob gas than the block allows (the spec's `BlobGasLimitExceededError`), from Osaka.
    BlobGasAllowanceExceeded,
    /// More blobs than one transaction may carry: from Osaka the per-transaction limit of
    /// EIP-7594 (`BlobCountExceededError`), before it the block's maximum (the spec's
    /// `BlobGasLimitExceededError`, which the execution-spec tests name
    /// `TYPE_3_TX_BLOB_COUNT_EXCEEDED` until Osaka).
    BlobCountExceeded,
    /// A versioned hash without the KZG version byte.
    InvalidBlobVersionedHash,
    /// The max fee per blob gas is below the blob base fee.
    BlobFeeBelowBaseFee,
    /// A blob or set-code transaction without a recipient.
    CreateNotAllowed,
    /// A set-code transaction with an empty authorization list.
    EmptyAuthorizationList,
    /// The transaction carries a field its type (or, for a legacy chain id, its fork) does not
    /// have, e.g. an authorization list on a type-2 transaction.
    UnexpectedField {
        /// The transaction type.
        tx_type: u8,
        /// The field.
        field: TxField,
    },
    /// The transaction lacks a field its type requires, e.g. a blob transaction without a max
    /// fee per blob gas.
    MissingField {
        /// The transaction type.
        tx_type: u8,
        /// The field.
        field: TxField,
    },
    /// The database failed.
    Database(String),
}

impl fmt::Display for InvalidTransaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for InvalidTransaction {}

/// A [`TxEnv`] field that only some transaction types have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxField {
    /// `chain_id`: every typed transaction; a legacy one only with EIP-155 (Spurious Dragon).
    ChainId,
    /// `access_list`: types 1 to 4 (EIP-2930).
    AccessList,
    /// `gas_priority_fee`: types 2 to 4 (EIP-1559).
    GasPriorityFee,
    /// `blob_hashes`: type 3 only (EIP-4844).
    BlobHashes,
    /// `max_fee_per_blob_gas`: type 3 only (EIP-4844).
    MaxFeePerBlobGas,
    /// `authorization_list`: type 4 only (EIP-7702).
    AuthorizationList,
}

/// Checks that `tx` has exactly the fields of its type, as the execution specs' transaction
/// classes define them (`transactions.py`): what a field the type lacks would do is undefined,
/// so it is refused rather than acted on (an authorization list on a type-2 transaction must
/// not install a delegation). The type itself is known to be active in `spec`.
fn check_fields(spec: SpecId, tx: &TxEnv) -> Result<(), InvalidTransaction> {
    let tx_type = tx.tx_type;
    let unexpected = |field| Err(InvalidTransaction::UnexpectedField { tx_type, field });
    let missing = |field| Err(InvalidTransaction::MissingField { tx_type, field });
    // A legacy transaction's chain id lives in its signature's v, from EIP-155 on.
    match (tx_type, tx.chain_id) {
        (0, Some(_)) if !spec.is_enabled_in(SpecId::SpuriousDragon) => return unexpected(TxField::ChainId),
        (1.., None) => return missing(TxField::ChainId),
        _ => {}
    }
    if tx_type == 0 && !tx.access_list.is_empty() {
        return unexpected(TxField::AccessList);
    }
    match (tx_type >= 2, tx.gas_priority_fee.is_some()) {
        (false, true) => return unexpected(TxField::GasPriorityFee),
        (true, false) => return missing(TxField::GasPriorityFee),
        _ => {}
    }
    if tx_type == 3 {
        if tx.max_fee_per_blob_gas.is_none() {
            return missing(TxField::MaxFeePerBlobGas);
        }
    } else {
        if !tx.blob_hashes.is_empty() {
            return unexpected(TxField::BlobHashes);
        }
        if tx.max_fee_per_blob_gas.is_some() {
            return unexpected(TxField::MaxFeePerBlobGas);
        }
    }
    if tx_type != 4 && !tx.authorization_list.is_empty() {
        return unexpected(TxField::AuthorizationList);
    }
    Ok(())
}

/// What validation works out for execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validated {
    /// Intrinsic gas and floor.
    pub intrinsic: IntrinsicGas,
    /// The price per gas the sender pays.
    pub effective_gas_price: U256,
    /// Blob gas used (EIP-4844).
    pub blob_gas: u64,
    /// The blob base fee of the block.
    pub blob_base_fee: U256,
}

/// The first fork that accepts transaction type `tx_type`.
fn type_since(tx_type: u8) -> Option<SpecId> {
    match tx_type {
        0 => Some(SpecId::Frontier),
        1 => Some(SpecId::Berlin),
        2 => Some(SpecId::London),
        3 => Some(SpecId::Cancun),
        4 => Some(SpecId::Prague),
        _ => None,
    }
}

/// The checks that need no state.
pub fn check_stateless(spec: SpecId, block: &BlockEnv, tx: &TxEnv) -> Result<Validated, InvalidTransaction> {
    check_stateless_at(spec, block, blob::blob_base_fee(spec, block), tx)
}

/// [`check_stateless`] with the block's blob base fee already known: the `Evm` works it out
/// once per block, since the series behind it costs more than the rest of validation.
pub(crate) fn check_stateless_at(
    spec: SpecId,
    block: &BlockEnv,
    blob_base_fee: U256,
    tx: &TxEnv,
) -> Result<Validated, InvalidTransaction> {
    match type_since(tx.tx_type) {
        Some(since) if spec.is_enabled_in(since) => {}
        _ => return Err(InvalidTransaction::TypeNotSupported(tx.tx_type)),
    }
    check_fields(spec, tx)?;
    // The spec's blob and set-code transactions have `to: Address`, so a creating one does not
    // even decode: this comes before every other check.
    if matches!(tx.tx_type, 3 | 4) && tx.to.is_none() {
        return Err(InvalidTransaction::CreateNotAllowed);
    }
    let intrinsic = intrinsic_gas(spec, tx);
    let required = intrinsic.initial.max(intrinsic.floor);
    if required > tx.gas_limit {
        return Err(InvalidTransaction::IntrinsicGasTooLow { required, limit: tx.gas_limit });
    }
    if tx.nonce == u64::MAX {
        return Err(InvalidTransaction::NonceOverflow);
    }
    if spec.is_enabled_in(SpecId::Shanghai) && tx.to.is_none() && tx.data.len() > eip3860::MAX_INITCODE_SIZE {
        return Err(InvalidTransaction::InitcodeTooLarge);
    }
    if spec.is_enabled_in(SpecId::Osaka) && tx.gas_limit > eip7825::TX_GAS_LIMIT_CAP {
        return Err(InvalidTransaction::GasLimitExceedsCap);
    }
    if tx.gas_limit > block.gas_limit {
        return Err(InvalidTransaction::GasLimitExceedsBlock);
    }
    // `check_transaction` of the spec: the block's blob gas allowance comes right after its gas
    // allowance, before the sender is recovered and before the fee checks. Until Osaka the
    // block's maximum is the only limit on a transaction's blobs, and the execution-spec tests
    // name a transaction over it TYPE_3_TX_BLOB_COUNT_EXCEEDED (`test_invalid_tx_blob_count`);
    // from Osaka a lower per-transaction limit has that name (EIP-7594, checked below) and a
    // transaction over the block's maximum exceeds the blob gas allowance
    // (`test_invalid_max_blobs_per_tx`).
    if tx.tx_type == 3 && tx.blob_hashes.len() as u64 > blob::max_blobs_per_block(spec, block) {
        return Err(match spec.is_enabled_in(SpecId::Osaka) {
            true => InvalidTransaction::BlobGasAllowanceExceeded,
            false => InvalidTransaction::BlobCountExceeded,
        });
    }

    let effective_gas_price = match tx.gas_priority_fee {
        Some(priority) => {
            if tx.gas_price < priority {
                return Err(InvalidTransaction::PriorityFeeAboveMaxFee);
            }
            if tx.gas_price < block.basefee {
                return Err(InvalidTransaction::FeeBelowBaseFee);
            }
            priority.min(tx.gas_price - block.basefee) + block.basefee
        }
        None => {
            if tx.gas_price < block.basefee {
                return Err(InvalidTransaction::FeeBelowBaseFee);
            }
            tx.gas_price
        }
    };

    let mut blob_gas = 0;
    if tx.tx_type == 3 {
        if tx.blob_hashes.is_empty() {
            return Err(InvalidTransaction::NoBlobs);
        }
        let count = tx.blob_hashes.len() as u64;
        if spec.is_enabled_in(SpecId::Osaka) && count > eip4844::MAX_BLOBS_PER_TX_OSAKA {
            return Err(InvalidTransaction::BlobCountExceeded);
        }
        if tx.blob_hashes.iter().any(|h| h[0] != eip4844::VERSIONED_HASH_VERSION_KZG) {
            return Err(InvalidTransaction::InvalidBlobVersionedHash);
        }
        if tx.max_fee_per_blob_gas.unwrap_or_default() < blob_base_fee {
            return Err(InvalidTransaction::BlobFeeBelowBaseFee);
        }
        blob_gas = count * eip4844::GAS_PER_BLOB;
    }
    if tx.tx_type == 4 && tx.authorization_list.is_empty() {
        return Err(InvalidTransaction::EmptyAuthorizationList);
    }
    Ok(Validated { intrinsic, effective_gas_price, blob_gas, blob_base_fee })
}

/// The most the sender must be able to pay up front: gas at the max fee, blob gas at the max blob
/// fee, and the value. `None` when it overflows 256 bits (no balance can cover it).
pub fn max_upfront_cost(tx: &TxEnv, blob_gas: u64) -> Option<U256> {
    let gas = U256::from(tx.gas_limit).checked_mul(tx.gas_price)?;
    let blob = U256::from(blob_gas).checked_mul(tx.max_fee_per_blob_gas.unwrap_or_default())?;
    gas.checked_add(blob)?.checked_add(tx.value)
}

/// The checks against the sender's account.
pub fn check_sender(
    tx: &TxEnv,
    validated: &Validated,
    balance: U256,
    nonce: u64,
    has_non_delegation_code: bool,
) -> Result<(), InvalidTransaction> {
    if nonce != tx.nonce {
        return Err(InvalidTransaction::NonceMismatch { expected: nonce, got: tx.nonce });
    }
    match max_upfront_cost(tx, validated.blob_gas) {
        Some(cost) if cost <= balance => {}
        _ => return Err(InvalidTransaction::InsufficientFunds),
    }
    if has_non_delegation_code {
        return Err(InvalidTransaction::SenderHasCode);
    }
    Ok(())
}
