//! The state-test JSON format as serde structs, with every number kept as its string.
//!
//! Numbers stay strings here so that [`super::hex`] applies one set of quirk rules everywhere
//! and so that a value that does not fit (a 257-bit `value`) fails only the cases that use it,
//! not the whole file. Unknown fields (`_info`, EEST's `state`) are ignored; duplicate
//! keys are errors ([`UniqueMap`], and serde's own check for struct fields).

use serde::Deserialize;

use super::unique::UniqueMap;

/// One test: `env`, `pre`, `transaction`, `post` and EEST's optional `config`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawTest {
    pub(crate) env: RawEnv,
    pub(crate) pre: UniqueMap<RawAccount>,
    pub(crate) transaction: RawTx,
    pub(crate) post: UniqueMap<Vec<RawPost>>,
    #[serde(default)]
    pub(crate) config: Option<RawConfig>,
}

/// The block context.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawEnv {
    pub(crate) current_coinbase: String,
    pub(crate) current_gas_limit: String,
    pub(crate) current_number: String,
    pub(crate) current_timestamp: String,
    pub(crate) current_difficulty: Option<String>,
    pub(crate) current_random: Option<String>,
    pub(crate) current_base_fee: Option<String>,
    pub(crate) current_excess_blob_gas: Option<String>,
}

/// One account of the pre-state.
#[derive(Debug, Deserialize)]
pub(crate) struct RawAccount {
    pub(crate) balance: String,
    pub(crate) nonce: String,
    #[serde(default)]
    pub(crate) code: Option<String>,
    #[serde(default)]
    pub(crate) storage: UniqueMap<String>,
}

/// The transaction template; `data`, `gasLimit` and `value` are indexed by a post entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawTx {
    pub(crate) data: Vec<String>,
    pub(crate) gas_limit: Vec<String>,
    pub(crate) value: Vec<String>,
    pub(crate) nonce: String,
    #[serde(default)]
    pub(crate) to: Option<String>,
    pub(crate) gas_price: Option<String>,
    pub(crate) max_fee_per_gas: Option<String>,
    pub(crate) max_priority_fee_per_gas: Option<String>,
    pub(crate) sender: Option<String>,
    pub(crate) secret_key: Option<String>,
    /// One list per `data` index; `null` means that index is a legacy (type 0) transaction.
    pub(crate) access_lists: Option<Vec<Option<Vec<RawAccessItem>>>>,
    pub(crate) blob_versioned_hashes: Option<Vec<String>>,
    pub(crate) max_fee_per_blob_gas: Option<String>,
    pub(crate) authorization_list: Option<Vec<RawAuthorization>>,
}

/// An access-list entry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawAccessItem {
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) storage_keys: Vec<String>,
}

/// An EIP-7702 authorization tuple. `signer` (the filler's claim) is deliberately not read:
/// the executor must recover and validate the signature itself.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawAuthorization {
    pub(crate) chain_id: String,
    pub(crate) address: String,
    pub(crate) nonce: String,
    /// Older fillers wrote only `v`; EEST writes both with the same value.
    pub(crate) y_parity: Option<String>,
    pub(crate) v: Option<String>,
    pub(crate) r: String,
    pub(crate) s: String,
}

/// One expected outcome: the indexes it selects and the roots it expects.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawPost {
    pub(crate) hash: String,
    pub(crate) logs: String,
    pub(crate) indexes: RawIndexes,
    pub(crate) expect_exception: Option<String>,
    /// The signed transaction of this entry as EIP-2718 bytes (all but the oldest fixtures).
    #[serde(default)]
    pub(crate) txbytes: Option<String>,
}

/// Indexes into the transaction template's `data`, `gasLimit` and `value` arrays.
#[derive(Debug, Deserialize)]
pub(crate) struct RawIndexes {
    pub(crate) data: u64,
    pub(crate) gas: u64,
    pub(crate) value: u64,
}

/// EEST's per-file configuration.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawConfig {
    pub(crate) chainid: Option<String>,
    #[serde(default)]
    pub(crate) blob_schedule: UniqueMap<RawBlobParams>,
}

/// One fork's blob parameters (EIP-4844, EIP-7691, EIP-7840).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawBlobParams {
    pub(crate) target: String,
    pub(crate) max: String,
    pub(crate) base_fee_update_fraction: String,
}
