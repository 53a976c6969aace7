//! Why a transaction was rejected, and which of the fixtures' exception names that reason
//! answers to.
//!
//! A post entry's `expectException` names the rule the filler expects to be broken, in one of
//! two vocabularies: execution-spec-tests' `TransactionException.*` and the older retesteth
//! names of the legacy ethereum/tests files (`TR_NoFunds`, `IntrinsicGas`, …). An entry may
//! list alternatives separated by `|`; the case passes when Kestrel's reason answers to any of
//! them. The table follows the executable spec: where the spec raises one error for two names
//! (`InsufficientTransactionGasError` for both `INTRINSIC_GAS_TOO_LOW` and
//! `INTRINSIC_GAS_BELOW_FLOOR_GAS_COST`), Kestrel's one reason answers to both; where it
//! raises different errors, the names stay apart.

use core::fmt;

use kestrel::block::{SignatureError, TxDecodeError};
use kestrel::host::InvalidTransaction;

/// Why a state test's transaction was not included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Its `txbytes` do not decode.
    Decode(TxDecodeError),
    /// No sender recovers from its signature (or it is signed for another chain).
    Signature(SignatureError),
    /// The `Evm` refused the transaction of type `tx_type`.
    Invalid {
        /// The transaction type, which some names carry (`TYPE_3_TX_PRE_FORK`).
        tx_type: u8,
        /// Why.
        error: InvalidTransaction,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Decode(e) => write!(f, "{e}"),
            Rejection::Signature(e) => write!(f, "{e}"),
            Rejection::Invalid { error, .. } => write!(f, "{error}"),
        }
    }
}

const TX: &str = "TransactionException.";

/// The names of `TransactionException` that an undecodable transaction answers to: the RLP
/// family and the field overflows, which the spec's decoder reports alike.
const DECODE_NAMES: &[&str] = &[
    "RLP_INVALID_SIGNATURE_R",
    "RLP_INVALID_SIGNATURE_S",
    "RLP_LEADING_ZEROS_GASLIMIT",
    "RLP_LEADING_ZEROS_GASPRICE",
    "RLP_LEADING_ZEROS_VALUE",
    "RLP_LEADING_ZEROS_NONCE",
    "RLP_LEADING_ZEROS_R",
    "RLP_LEADING_ZEROS_S",
    "RLP_LEADING_ZEROS_V",
    "RLP_LEADING_ZEROS_BASEFEE",
    "RLP_LEADING_ZEROS_PRIORITY_FEE",
    "RLP_LEADING_ZEROS_DATA_SIZE",
    "RLP_LEADING_ZEROS_NONCE_SIZE",
    "RLP_TOO_FEW_ELEMENTS",
    "RLP_TOO_MANY_ELEMENTS",
    "RLP_ERROR_EOF",
    "RLP_ERROR_SIZE",
    "RLP_ERROR_SIZE_LEADING_ZEROS",
    "RLP_INVALID_DATA",
    "RLP_INVALID_GASLIMIT",
    "RLP_INVALID_NONCE",
    "RLP_INVALID_TO",
    "RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_LONG",
    "RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_SHORT",
    "RLP_INVALID_ACCESS_LIST_STORAGE_TOO_LONG",
    "RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT",
    "RLP_INVALID_HEADER",
    "RLP_INVALID_VALUE",
    "ADDRESS_TOO_SHORT",
    "ADDRESS_TOO_LONG",
    "NONCE_OVERFLOW",
    "NONCE_TOO_BIG",
    "GASLIMIT_OVERFLOW",
    "VALUE_OVERFLOW",
    "GASPRICE_OVERFLOW",
    "PRIORITY_OVERFLOW",
    "TYPE_3_TX_WITH_FULL_BLOBS",
    "TYPE_4_INVALID_AUTHORIZATION_FORMAT",
];

impl Rejection {
    /// Every fixture name this rejection answers to: `TransactionException.*` names (without
    /// their prefix, which [`accepts`] adds) and retesteth names (marked by [`LEGACY`]).
    fn names(&self) -> Vec<&'static str> {
        use InvalidTransaction as I;
        match self {
            Rejection::Decode(TxDecodeError::UnknownType(_)) => {
                vec!["TYPE_NOT_SUPPORTED", LEGACY, "TR_TypeNotSupported"]
            }
            Rejection::Decode(_) => {
                let mut names = DECODE_NAMES.to_vec();
                names.extend([LEGACY, "TR_RLP_WRONGVALUE"]);
                names
            }
            Rejection::Signature(SignatureError::WrongChainId) => vec!["INVALID_CHAINID"],
            Rejection::Signature(SignatureError::Unrecoverable) => {
                vec!["INVALID_SIGNATURE_VRS", "EC_RECOVERY_FAIL"]
            }
            Rejection::Signature(_) => vec!["INVALID_SIGNATURE_VRS"],
            Rejection::Invalid { tx_type, error } => match error {
                I::TypeNotSupported(t) => {
                    let pre_fork = match t {
                        1 => &["TYPE_1_TX_PRE_FORK"][..],
                        2 => &["TYPE_2_TX_PRE_FORK"],
                        3 => &["TYPE_3_TX_PRE_FORK", "TYPE_3_TX_ZERO_BLOBS_PRE_FORK"],
                        4 => &["TYPE_4_TX_PRE_FORK"],
                        _ => &[],
                    };
                    let mut names = vec!["TYPE_NOT_SUPPORTED"];
                    names.extend_from_slice(pre_fork);
                    names.extend([LEGACY, "TR_TypeNotSupported"]);
                    names
                }
                // A legacy transaction carrying an EIP-155 chain id before Spurious Dragon: its
                // `v` is not 27/28, which the spec refuses as a bad signature.
                I::UnexpectedField { tx_type: 0, field: kestrel::host::TxField::ChainId } => {
                    vec!["INVALID_SIGNATURE_VRS", "INVALID_CHAINID"]
                }
                I::UnexpectedField { .. } | I::MissingField { .. } | I::Database(_) => vec![],
                I::IntrinsicGasTooLow { .. } => vec![
                    "INTRINSIC_GAS_TOO_LOW",
                    "INTRINSIC_GAS_BELOW_FLOOR_GAS_COST",
                    LEGACY,
                    "TR_IntrinsicGas",
                    "IntrinsicGas",
                    "TR_NoFundsOrGas",
                ],
                I::GasLimitExceedsBlock => vec!["GAS_ALLOWANCE_EXCEEDED", LEGACY, "TR_GasLimitReached"],
                I::GasLimitExceedsCap => vec!["GAS_LIMIT_EXCEEDS_MAXIMUM"],
                I::NonceOverflow => vec!["NONCE_IS_MAX", LEGACY, "TR_NonceHasMaxValue"],
                I::NonceMismatch { expected, got } if got > expected => {
                    vec!["NONCE_MISMATCH_TOO_HIGH", LEGACY, "TR_NonceTooHigh"]
                }
                I::NonceMismatch { .. } => vec!["NONCE_MISMATCH_TOO_LOW", LEGACY, "TR_NonceTooLow"],
                I::InitcodeTooLarge => vec!["INITCODE_SIZE_EXCEEDED", LEGACY, "TR_InitCodeLimitExceeded"],
                I::PriorityFeeAboveMaxFee => {
                    vec!["PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS", LEGACY, "TR_TipGtFeeCap"]
                }
                I::FeeBelowBaseFee => vec!["INSUFFICIENT_MAX_FEE_PER_GAS", LEGACY, "TR_FeeCapLessThanBlocks"],
                // `TR_NoFundsX`: gas limit × price overflows, which no balance covers.
                I::InsufficientFunds => {
                    vec!["INSUFFICIENT_ACCOUNT_FUNDS", LEGACY, "TR_NoFunds", "TR_NoFundsX", "TR_NoFundsOrGas"]
                }
                I::SenderHasCode => vec!["SENDER_NOT_EOA", LEGACY, "SenderNotEOA"],
                I::NoBlobs => vec!["TYPE_3_TX_ZERO_BLOBS", LEGACY, "TR_EMPTYBLOB"],
                I::BlobGasAllowanceExceeded => vec!["TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED"],
                I::BlobCountExceeded => vec!["TYPE_3_TX_BLOB_COUNT_EXCEEDED"],
                I::InvalidBlobVersionedHash => {
                    vec!["TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH", LEGACY, "TR_BLOBVERSION_INVALID"]
                }
                I::BlobFeeBelowBaseFee => vec!["INSUFFICIENT_MAX_FEE_PER_BLOB_GAS"],
                I::CreateNotAllowed if *tx_type == 3 => {
                    vec!["TYPE_3_TX_CONTRACT_CREATION", LEGACY, "TR_BLOBCREATE"]
                }
                I::CreateNotAllowed => vec!["TYPE_4_TX_CONTRACT_CREATION"],
                I::EmptyAuthorizationList => vec!["TYPE_4_EMPTY_AUTHORIZATION_LIST"],
            },
        }
    }

    /// The names this rejection answers to, spelled as the fixtures spell them.
    pub fn fixture_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut legacy = false;
        for name in self.names() {
            if name == LEGACY {
                legacy = true;
            } else if legacy {
                out.push(name.to_owned());
            } else {
                out.push(format!("{TX}{name}"));
            }
        }
        out
    }
}

/// In a list of [`Rejection::names`], the names after this marker are retesteth's, taken as
/// they are; the ones before it get the `TransactionException.` prefix.
const LEGACY: &str = "";

/// True when `rejection` answers to `expected`, an `expectException` value of one name or of
/// alternatives separated by `|`.
pub fn accepts(expected: &str, rejection: &Rejection) -> bool {
    let names = rejection.fixture_names();
    expected.split('|').map(str::trim).any(|alt| names.iter().any(|n| n == alt))
}

/// True for the errors the spec raises before it recovers the sender: decoding (the type, a
/// creating blob or set-code transaction), `validate_transaction` (intrinsic gas, nonce
/// overflow, initcode size, the EIP-7825 cap) and the block's gas and blob-gas allowance at
/// the head of `check_transaction`. Everything else comes after the signature.
pub fn precedes_signature(error: &InvalidTransaction) -> bool {
    use InvalidTransaction as I;
    matches!(
        error,
        I::TypeNotSupported(_)
            | I::CreateNotAllowed
            | I::IntrinsicGasTooLow { .. }
            | I::NonceOverflow
            | I::InitcodeTooLarge
            | I::GasLimitExceedsCap
            | I::GasLimitExceedsBlock
            | I::BlobGasAllowanceExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel::block::rlp::RlpError;

    fn invalid(tx_type: u8, error: InvalidTransaction) -> Rejection {
        Rejection::Invalid { tx_type, error }
    }

    /// Every name the development corpus expects, with the reason Kestrel gives for it.
    #[test]
    fn every_corpus_name_maps_to_its_reason() {
        use InvalidTransaction as I;
        let low_gas = I::IntrinsicGasTooLow { required: 21000, limit: 20000 };
        let cases: Vec<(&str, Rejection)> = vec![
            ("TransactionException.INTRINSIC_GAS_TOO_LOW", invalid(0, low_gas.clone())),
            ("TransactionException.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST", invalid(2, low_gas.clone())),
            ("IntrinsicGas", invalid(0, low_gas.clone())),
            ("TR_IntrinsicGas", invalid(0, low_gas.clone())),
            ("TR_NoFundsOrGas", invalid(0, low_gas)),
            ("TR_NoFundsOrGas", invalid(0, I::InsufficientFunds)),
            ("TransactionException.INSUFFICIENT_ACCOUNT_FUNDS", invalid(2, I::InsufficientFunds)),
            ("TR_NoFunds", invalid(0, I::InsufficientFunds)),
            ("TR_NoFundsX", invalid(0, I::InsufficientFunds)),
            ("TR_TypeNotSupported", invalid(2, I::TypeNotSupported(2))),
            ("TransactionException.TYPE_2_TX_PRE_FORK", invalid(2, I::TypeNotSupported(2))),
            ("TransactionException.TYPE_3_TX_PRE_FORK", invalid(3, I::TypeNotSupported(3))),
            ("TransactionException.TYPE_4_TX_PRE_FORK", invalid(4, I::TypeNotSupported(4))),
            ("SenderNotEOA", invalid(0, I::SenderHasCode)),
            ("TransactionException.SENDER_NOT_EOA", invalid(2, I::SenderHasCode)),
            (
                "TransactionException.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH",
                invalid(3, I::InvalidBlobVersionedHash),
            ),
            ("TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS", invalid(2, I::FeeBelowBaseFee)),
            ("TR_FeeCapLessThanBlocks", invalid(2, I::FeeBelowBaseFee)),
            ("TransactionException.INITCODE_SIZE_EXCEEDED", invalid(0, I::InitcodeTooLarge)),
            ("TR_InitCodeLimitExceeded", invalid(0, I::InitcodeTooLarge)),
            ("TransactionException.INSUFFICIENT_MAX_FEE_PER_BLOB_GAS", invalid(3, I::BlobFeeBelowBaseFee)),
            ("TransactionException.NONCE_IS_MAX", invalid(0, I::NonceOverflow)),
            ("TR_NonceHasMaxValue", invalid(0, I::NonceOverflow)),
            ("TransactionException.GAS_LIMIT_EXCEEDS_MAXIMUM", invalid(0, I::GasLimitExceedsCap)),
            (
                "TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
                invalid(2, I::PriorityFeeAboveMaxFee),
            ),
            ("TR_TipGtFeeCap", invalid(2, I::PriorityFeeAboveMaxFee)),
            ("TransactionException.GAS_ALLOWANCE_EXCEEDED", invalid(0, I::GasLimitExceedsBlock)),
            ("TR_GasLimitReached", invalid(0, I::GasLimitExceedsBlock)),
            ("TransactionException.TYPE_3_TX_CONTRACT_CREATION", invalid(3, I::CreateNotAllowed)),
            ("TR_BLOBCREATE", invalid(3, I::CreateNotAllowed)),
            ("TransactionException.TYPE_4_TX_CONTRACT_CREATION", invalid(4, I::CreateNotAllowed)),
            ("TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED", invalid(3, I::BlobCountExceeded)),
            (
                "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED",
                invalid(3, I::BlobGasAllowanceExceeded),
            ),
            ("TransactionException.TYPE_3_TX_ZERO_BLOBS", invalid(3, I::NoBlobs)),
            ("TransactionException.TYPE_4_EMPTY_AUTHORIZATION_LIST", invalid(4, I::EmptyAuthorizationList)),
            ("TR_RLP_WRONGVALUE", Rejection::Decode(TxDecodeError::Rlp(RlpError::Overflow))),
            ("TransactionException.INVALID_SIGNATURE_VRS", Rejection::Signature(SignatureError::BadS)),
            ("TransactionException.INVALID_SIGNATURE_VRS", Rejection::Signature(SignatureError::BadV)),
            ("TransactionException.INVALID_CHAINID", Rejection::Signature(SignatureError::WrongChainId)),
        ];
        for (name, rejection) in cases {
            assert!(accepts(name, &rejection), "{name} should accept {rejection:?}");
        }
    }

    /// A reason answers to its own names only: each of these is a plausible confusion.
    #[test]
    fn other_names_are_refused() {
        use InvalidTransaction as I;
        let cases: Vec<(&str, Rejection)> = vec![
            (
                "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
                invalid(0, I::IntrinsicGasTooLow { required: 1, limit: 0 }),
            ),
            ("TransactionException.INTRINSIC_GAS_TOO_LOW", invalid(0, I::InsufficientFunds)),
            ("TR_NoFunds", invalid(0, I::IntrinsicGasTooLow { required: 1, limit: 0 })),
            ("TransactionException.TYPE_3_TX_PRE_FORK", invalid(4, I::TypeNotSupported(4))),
            ("TransactionException.TYPE_4_TX_CONTRACT_CREATION", invalid(3, I::CreateNotAllowed)),
            // Each fork's validation picks the one the execution-spec tests name (see the host).
            ("TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED", invalid(3, I::BlobGasAllowanceExceeded)),
            (
                "TransactionException.TYPE_3_TX_MAX_BLOB_GAS_ALLOWANCE_EXCEEDED",
                invalid(3, I::BlobCountExceeded),
            ),
            (
                "TransactionException.NONCE_MISMATCH_TOO_LOW",
                invalid(0, I::NonceMismatch { expected: 1, got: 2 }),
            ),
            (
                "TransactionException.NONCE_MISMATCH_TOO_HIGH",
                invalid(0, I::NonceMismatch { expected: 2, got: 1 }),
            ),
            ("TransactionException.INVALID_CHAINID", Rejection::Signature(SignatureError::BadR)),
            (
                "TransactionException.INVALID_SIGNATURE_VRS",
                Rejection::Signature(SignatureError::WrongChainId),
            ),
            ("TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS", invalid(2, I::PriorityFeeAboveMaxFee)),
            ("TR_RLP_WRONGVALUE", invalid(0, I::InsufficientFunds)),
            // Without its prefix a modern name is not a name.
            ("INSUFFICIENT_ACCOUNT_FUNDS", invalid(0, I::InsufficientFunds)),
            ("TransactionException.SOMETHING_NEW", invalid(0, I::InsufficientFunds)),
        ];
        for (name, rejection) in cases {
            assert!(!accepts(name, &rejection), "{name} should not accept {rejection:?}");
        }
    }

    #[test]
    fn alternatives_are_separated_by_bars() {
        let funds = invalid(0, InvalidTransaction::InsufficientFunds);
        let both =
            "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS|TransactionException.INTRINSIC_GAS_TOO_LOW";
        assert!(accepts(both, &funds));
        assert!(accepts(both, &invalid(0, InvalidTransaction::IntrinsicGasTooLow { required: 1, limit: 0 })));
        assert!(!accepts(both, &invalid(0, InvalidTransaction::SenderHasCode)));
        let pre_fork = "TransactionException.TYPE_3_TX_PRE_FORK|TransactionException.TYPE_3_TX_ZERO_BLOBS";
        assert!(accepts(pre_fork, &invalid(3, InvalidTransaction::NoBlobs)));
        assert!(accepts(pre_fork, &invalid(3, InvalidTransaction::TypeNotSupported(3))));
    }
}
